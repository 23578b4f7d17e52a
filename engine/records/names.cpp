// tollgate — chip names as sold: normalizing a name into model words and attributes (names.hpp), and resolving it
// against the catalog (Catalog::resolve, search). Fail closed: a name is resolved only if it names one chip.
#include "engine/records/names.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "engine/base/date.hpp"
#include "engine/base/text.hpp"
#include "engine/records/record.hpp"

namespace tollgate {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The form factor a word states, or "".
std::string form_of(std::string_view w) {
  auto starts = [&](std::string_view p) { return w.substr(0, p.size()) == p; };
  auto rest_digits = [&](size_t n) { return w.size() == n || all_digits(w.substr(n)); };
  if (starts("sxm") && rest_digits(3)) return "sxm";
  if (w == "hgx") return "sxm";  // an HGX board carries SXM modules
  if (starts("pcie") && rest_digits(4)) return "pcie";
  if (w == "oam") return "oam";
  if (starts("nvl") && w.size() > 3 && rest_digits(3)) return "nvl";  // NVL72: a rack-scale NVLink domain
  return "";
}

bool noise_word(std::string_view w) {
  static const std::set<std::string, std::less<>> words = {
      "nvidia", "amd", "intel", "habana", "huawei", "hisilicon", "google", "baidu", "kunlunxin", "cambricon",
      "alibaba", "moore", "threads", "tesla", "instinct", "geforce", "gpu", "gpus", "accelerator", "card",
      "module", "per", "in", "series", "dual", "chip", "tensor", "core"};
  return words.count(w) != 0;
}

bool memory_type(std::string_view w) {
  static const std::set<std::string, std::less<>> words = {"hbm", "hbm2", "hbm2e", "hbm3", "hbm3e", "gddr6",
                                                           "gddr6x", "gddr7"};
  return words.count(w) != 0;
}

// "80gb" -> true (a memory size); "gb" after a number is joined to it by chip_tokens.
bool memory_size(std::string_view w) {
  return w.size() > 2 && w.substr(w.size() - 2) == "gb" && all_digits(w.substr(0, w.size() - 2));
}

bool contains(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Attributes agree: the query states none, or one of the chip's names states the query's. A form factor or memory
// size the catalog does not give for a chip is not taken on trust ("MI300X PCIe" is not the catalog's MI300X):
// fail closed, the chip is then only a hint.
bool agrees(const std::string& q, const std::vector<std::string>& chip) { return q.empty() || contains(chip, q); }

std::string fold_text(std::string_view s) { return fold_alnum(s); }

}  // namespace

ChipTokens chip_tokens(std::string_view name) {
  ChipTokens t;
  std::vector<std::string> words;
  std::string cur;
  for (char c : name.substr(0, 1000)) {
    auto u = static_cast<unsigned char>(c);
    if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z')) cur += c;
    else if (u >= 'A' && u <= 'Z') cur += static_cast<char>(u - 'A' + 'a');
    else if (!cur.empty()) words.push_back(std::move(cur)), cur.clear();
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  t.folded = fold_text(name.substr(0, 1000));
  std::vector<std::string> model, types;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    if (all_digits(w) && i + 1 < words.size() && words[i + 1] == "gb") w += words[++i];  // "80 GB"
    if (memory_size(w)) {
      t.memory = w;
    } else if (std::string f = form_of(w); !f.empty()) {
      t.form = f;
    } else if (memory_type(w)) {
      types.push_back(w);
    } else if (!noise_word(w)) {
      model.push_back(w);
    }
  }
  if (model.empty()) model = types;  // an HBM stack is named by its memory type
  std::sort(model.begin(), model.end());
  model.erase(std::unique(model.begin(), model.end()), model.end());
  t.model = std::move(model);
  return t;
}

bool model_subset(const std::vector<std::string>& part, const std::vector<std::string>& whole) {
  return std::includes(whole.begin(), whole.end(), part.begin(), part.end());
}

std::vector<ChipEntry> chip_entries(const std::map<std::string, Facts, std::less<>>& chips,
                                    const std::map<std::string, ChipNames, std::less<>>& names) {
  std::vector<ChipEntry> out;
  for (const auto& [name, facts] : chips) {
    ChipEntry e;
    e.name = &name;
    e.facts = &facts;
    e.keys.push_back({chip_tokens(name), name, ChipEntry::Kind::name});
    if (auto it = names.find(name); it != names.end()) {
      for (const auto& a : it->second.aliases) {
        const bool series = a.size() > 7 && fold_text(a.substr(a.size() - 7)) == "series";
        e.keys.push_back({chip_tokens(a), a, series ? ChipEntry::Kind::series : ChipEntry::Kind::alias});
      }
      for (const auto& p : it->second.part_numbers) e.keys.push_back({chip_tokens(p), p, ChipEntry::Kind::part_number});
    }
    for (const auto& k : e.keys) {
      if (k.kind == ChipEntry::Kind::part_number || k.kind == ChipEntry::Kind::series) continue;
      if (!k.tokens.form.empty() && !contains(e.forms, k.tokens.form)) e.forms.push_back(k.tokens.form);
      if (!k.tokens.memory.empty() && !contains(e.memories, k.tokens.memory)) e.memories.push_back(k.tokens.memory);
    }
    out.push_back(std::move(e));
  }
  return out;
}

Catalog::Resolution Catalog::resolve(std::string_view typed) const {
  Resolution r;
  if (const Facts* f = find(typed)) {
    r.chip = f;
    r.name = std::string(typed);
    r.via = "name";
    return r;
  }
  const ChipTokens q = chip_tokens(typed);
  // A part number, written with any punctuation and case ("900-21010-0000-000", "HL325L").
  if (!q.folded.empty())
    for (const auto& e : entries_)
      for (const auto& k : e.keys)
        if (k.kind == ChipEntry::Kind::part_number && k.tokens.folded == q.folded) {
          r.chip = e.facts;
          r.name = *e.name;
          r.via = "part number '" + k.text + "'";
          return r;
        }
  // Model words: every chip whose names contain them (with agreeing attributes) is a candidate; one whose name or
  // alias equals them (with the attributes that name states) may be the answer, if it is the only candidate.
  const ChipEntry* exact = nullptr;
  const ChipEntry::Key* exact_key = nullptr;
  if (!q.model.empty())
    for (const auto& e : entries_) {
      if (!agrees(q.form, e.forms) || !agrees(q.memory, e.memories)) continue;
      bool candidate = false;
      for (const auto& k : e.keys) {
        if (k.kind == ChipEntry::Kind::part_number || !model_subset(q.model, k.tokens.model)) continue;
        candidate = true;
        // (Of several such names, the one that states most of what was typed is reported: "HGX H20" is the alias
        // 'HGX H20' rather than the name 'H20'.)
        auto stated = [](const ChipEntry::Key& x) { return !x.tokens.form.empty() + !x.tokens.memory.empty(); };
        if (k.kind != ChipEntry::Kind::series && k.tokens.model == q.model &&
            (k.tokens.form.empty() || k.tokens.form == q.form) &&
            (k.tokens.memory.empty() || k.tokens.memory == q.memory) &&
            (!exact_key || (exact == &e && stated(k) > stated(*exact_key)))) {
          exact = &e;
          exact_key = &k;
        }
      }
      if (candidate) r.candidates.push_back(*e.name);
    }
  if (r.candidates.size() == 1 && exact) {
    r.chip = exact->facts;
    r.name = *exact->name;
    r.via = exact_key->kind == ChipEntry::Kind::name ? "name '" + exact_key->text + "'" : "alias '" + exact_key->text + "'";
    r.candidates.clear();
    return r;
  }
  r.ambiguous = r.candidates.size() > 1;
  if (r.candidates.empty()) r.candidates = suggest(typed);
  return r;
}

namespace {
const std::vector<std::string>& no_names() {
  static const std::vector<std::string> none;
  return none;
}
}  // namespace

const std::vector<std::string>& Catalog::aliases(std::string_view chip) const {
  auto it = names_.find(chip);
  return it == names_.end() ? no_names() : it->second.aliases;
}

const std::vector<std::string>& Catalog::part_numbers(std::string_view chip) const {
  auto it = names_.find(chip);
  return it == names_.end() ? no_names() : it->second.part_numbers;
}

std::string_view Catalog::source(std::string_view chip) const {
  auto it = names_.find(chip);
  return it == names_.end() ? std::string_view() : std::string_view(it->second.source);
}

std::vector<std::string> Catalog::search(std::string_view query) const {
  std::vector<std::string> out;
  if (query.empty()) {  // no query: every chip
    for (const auto& e : entries_) out.push_back(*e.name);
    return out;
  }
  if (fold_text(query).empty()) return out;  // a query with nothing a chip name could contain ("!!!"): no chip
  Resolution r = resolve(query);
  if (r.chip) out.push_back(r.name);
  else out = r.candidates;
  const std::string q = fold_text(query);
  for (const auto& e : entries_) {
    if (contains(out, *e.name)) continue;
    bool hit = false;
    for (const auto& k : e.keys) hit = hit || k.tokens.folded.find(q) != std::string::npos;
    for (int t : {t_chip_vendor, t_chip_family})
      hit = hit || (e.facts->has_text(t) && fold_text(e.facts->text(t)).find(q) != std::string::npos);
    if (hit) out.push_back(*e.name);
  }
  return out;
}

std::string Catalog::class_of(std::string_view chip, Day day) const {
  const Facts* f = find(chip);
  if (!f || !classify_ || day == 0) return "";
  return classify_(*f, day);
}

std::string Catalog::candidates_text(const std::vector<std::string>& names, Day day) const {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) s += ", ";
    s += "'" + names[i] + "'";
    if (std::string c = class_of(names[i], day); !c.empty()) s += " (" + c + ")";
  }
  return s;
}

std::string Catalog::unresolved_message(std::string_view typed, Day day) const {
  const Resolution r = resolve(typed);
  return "chip '" + std::string(typed) + "' " +
         (r.ambiguous ? "may be any of " + std::to_string(r.candidates.size()) + " catalog chips"
                      : std::string("is not in the catalog")) +
         suggestion_text(typed, day);
}

void Catalog::check_names(const std::map<std::string, uint64_t, std::less<>>& lines) const {
  for (const auto& e : entries_) {
    auto where = [&] {
      auto it = lines.find(*e.name);
      return path + ":" + std::to_string(it == lines.end() ? 0 : it->second) + ": ";
    };
    for (const auto& k : e.keys) {
      if (k.kind == ChipEntry::Kind::name) continue;
      Resolution r = resolve(k.text);
      if (k.kind == ChipEntry::Kind::series) {
        if (!r.ambiguous || !contains(r.candidates, *e.name))
          throw std::runtime_error(where() + "'" + k.text + "' (a series name) should name several chips, '" +
                                   *e.name + "' among them");
        continue;
      }
      if (r.chip != e.facts)
        throw std::runtime_error(where() + (k.kind == ChipEntry::Kind::alias ? "alias '" : "part number '") + k.text +
                                 "' of '" + *e.name + "' does not name it alone" +
                                 (r.chip ? " (it names '" + r.name + "')"
                                         : r.candidates.empty() ? "" : " (it may be any of " + candidates_text(r.candidates, 0) + ")"));
    }
  }
}

}  // namespace tollgate
