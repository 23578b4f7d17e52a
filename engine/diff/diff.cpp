// tollgate — diffing two rule regimes (see diff.hpp).
#include "engine/diff/diff.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <atomic>
#include <set>
#include <thread>
#include <unordered_map>

#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "engine/base/number.hpp"
#include "engine/base/text.hpp"
#include "engine/base/hash.hpp"
#include "engine/render/render.hpp"
#include "engine/audit/report.hpp"
#include "engine/records/stream.hpp"

namespace tollgate {
namespace {

// The diff cuts the space into regions with numbers as doubles in their units (its cuts and representatives);
// Facts hold numbers exactly, in millionths. These convert at that boundary: a double that came from a rule's
// decimal constant prints as that decimal (shortest round trip) and is read back from it exactly.
double held_to_units(bool micro, int64_t v) {
  return micro ? static_cast<double>(v) / static_cast<double>(micro_per_unit) : static_cast<double>(v);
}
int64_t units_to_micro(double x) {
  if (auto m = parse_micro(format_number(x))) return *m;
  return std::llround(x * static_cast<double>(micro_per_unit));  // a representative between cuts, not a cut
}
void set_units(Facts& f, const Dim& d, double x) {
  const int slot = d.slot;
  if (d.micro) f.set_number(slot, units_to_micro(x));
  else f.set_raw(slot, std::llround(x));
}
Exact units_exact(double x) {
  if (auto e = parse_exact(format_number(x))) return *e;
  return exact_from_micro(units_to_micro(x));
}
// A rule constant in the diff's units.
double const_units(const Node& c) {
  return c.type == ValueType::number ? static_cast<double>(c.exact.num) / static_cast<double>(c.exact.den)
                                     : static_cast<double>(c.value);
}


const ActiveSet& active_of(const DiffSide& s) { return s.program->active(s.day, s.options()); }

std::vector<int> rules_in_force(const DiffSide& s) {
  const ActiveSet& a = active_of(s);
  std::vector<int> out;
  for (const auto& by_kind : a.rules)
    for (const auto& list : by_kind)
      for (int r : list)
        if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  std::sort(out.begin(), out.end());
  return out;
}

std::string span_text(const Span& s) {
  if (!s.valid()) return "";
  std::string t(s.file->text.substr(s.offset, s.length));
  // one line, single spaces
  std::string out;
  bool space = false;
  for (char c : t) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

const char* cmp_text(int op) {
  static const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
  return ops[op];
}

std::string label(const Program& p, const Node& n) {
  return n.name_index >= 0 ? p.names[static_cast<size_t>(n.name_index)] : std::string("?");
}

// "chip.tpp >= 4800", for every comparison with a constant under a rule's conditions.
void thresholds(const Program& p, uint32_t node, std::set<std::string>& out) {
  const Node& n = p.nodes[node];
  if ((n.op == Node::cmp || n.op == Node::cmp_field_const) && n.child_count == 2) {
    const Node& a = p.nodes[p.children[n.first_child]];
    const Node& b = p.nodes[p.children[n.first_child + 1]];
    if (b.op == Node::const_num && a.op != Node::const_num)
      out.insert(label(p, a) + " " + cmp_text(n.cmp_op) + " " + label(p, b));
    else if (a.op == Node::const_num && b.op != Node::const_num)
      out.insert(label(p, a) + " " + cmp_text(n.cmp_op) + " " + label(p, b));
  }
  for (uint32_t i = 0; i < n.child_count; ++i) thresholds(p, p.children[n.first_child + i], out);
}

std::set<std::string> rule_thresholds(const Program& p, const Rule& r) {
  std::set<std::string> out;
  if (r.when >= 0) thresholds(p, static_cast<uint32_t>(r.when), out);
  if (r.except >= 0) thresholds(p, static_cast<uint32_t>(r.except), out);
  return out;
}

std::string window_text(Day from, Day until) {
  std::string f = from <= day_min ? "" : format_date(from), u = until >= day_max ? "" : format_date(until);
  if (f.empty() && u.empty()) return "always";
  if (u.empty()) return "from " + f;
  if (f.empty()) return "until " + u;
  return f + " to " + u;
}

std::string rule_effect(const Program& p, const Rule& r) {
  switch (r.kind) {
    case RuleKind::classify: return std::string("classify ") + klass_name(r.klass);
    case RuleKind::verdict: {
      std::string out = to_string(r.verdict);
      if (r.review != Review::none) out += std::string(", review ") + to_string(r.review);
      if (r.exception != LicenseException::none) out += std::string(", exception ") + to_string(r.exception);
      if (!r.overrides.empty()) {
        out += ", overrides ";
        for (size_t i = 0; i < r.overrides.size(); ++i)
          out += (i ? ", " : "") + p.rules[static_cast<size_t>(r.overrides[i])].id;
      }
      return out;
    }
    case RuleKind::levy: return "fee " + r.rate_text;
    case RuleKind::note: return "note";
  }
  return "";
}

std::string members_text(const std::array<uint64_t, 11>& bits, size_t limit = 12) {
  std::vector<std::string> codes;
  for (int i = 0; i < country_slots; ++i)
    if ((bits[static_cast<size_t>(i / 64)] >> (i % 64)) & 1u) codes.push_back(country_code(i));
  std::string out;
  for (size_t i = 0; i < codes.size() && i < limit; ++i) out += (i ? ", " : "") + codes[i];
  if (codes.size() > limit) out += ", ... (" + std::to_string(codes.size()) + " countries)";
  return out;
}

}  // namespace

Facts as_shipment(const Facts& chip, int destination, Day day) {
  Facts f = chip;
  f.kind = RecordKind::shipment;
  f.set_raw(s_date, day);
  f.set_number(s_quantity, micro_per_unit);
  f.set_raw(s_destination, destination);
  f.set_raw(s_end_user_hq, destination);
  f.set_raw(s_end_user_parent_hq, destination);  // its own ultimate parent
  f.set_raw(s_export_from, country_index("US"));
  return f;
}

// ---- outcomes ------------------------------------------------------------------------------------------------------

Outcome outcome_of(const Program& p, const Facts& f, Day day, const EvalOptions& options, ClassCache* cache, std::string* missing,
                   std::string* rule) {
  Outcome o;
  Decision d = evaluate(p, f, 100, day, options, cache);
  if (d.failed) {
    o.error = true;
    o.uncovered = d.error().code == "tollgate.eval.coverage";
    if (missing) *missing = d.error().field;
    if (rule) {  // "rule ID (citation) cannot be decided: ..."
      const std::string& m = d.error().message;
      if (m.rfind("rule ", 0) == 0) *rule = m.substr(5, m.find(' ', 5) - 5);
    }
    return o;
  }
  o.klass = d.klass;
  o.verdict = d.verdict;
  o.review = d.review;
  o.exception = d.exception;
  for (int i = 0; i < d.fee_count; ++i) {
    const Rule& r = p.rules[static_cast<size_t>(d.fee_rule[static_cast<size_t>(i)])];
    o.fees += (o.fees.empty() ? "" : "; ") + r.id + " " + r.rate_text;
  }
  return o;
}

std::string Outcome::text() const {
  if (uncovered) return "not covered (the date is outside the rules' coverage)";
  if (error) return "cannot be judged (a field a rule needs is missing)";
  std::string out = std::string(klass_name(klass)) + ", " + to_string(verdict);
  if (review != Review::none) out += std::string(" (") + to_string(review) + ")";
  if (exception != LicenseException::none) out += std::string(", exception ") + to_string(exception);
  out += fees.empty() ? ", no fee" : ", fee " + fees;
  return out;
}

// ---- structural ------------------------------------------------------------------------------------------------

std::vector<StructuralChange> structural_diff(const DiffSide& a, const DiffSide& b) {
  std::vector<StructuralChange> out;
  const Program& pa = *a.program;
  const Program& pb = *b.program;
  // rulesets
  std::map<std::string, const Ruleset*> ra, rb;
  for (int i : active_of(a).rulesets) ra[pa.rulesets[static_cast<size_t>(i)].id] = &pa.rulesets[static_cast<size_t>(i)];
  for (int i : active_of(b).rulesets) rb[pb.rulesets[static_cast<size_t>(i)].id] = &pb.rulesets[static_cast<size_t>(i)];
  auto rs_detail = [](const Ruleset& r) {
    return "\"" + r.title + "\", " + to_string(r.status) + ", " + window_text(r.from, r.until);
  };
  for (const auto& [id, r] : ra)
    if (!rb.count(id)) out.push_back({"ruleset", "removed", id, rs_detail(*r), r->source});
  for (const auto& [id, r] : rb) {
    auto it = ra.find(id);
    if (it == ra.end()) out.push_back({"ruleset", "added", id, rs_detail(*r), r->source});
    else if (it->second->sha256 != r->sha256)
      out.push_back({"ruleset", "changed", id, "file text changed (sha256 " + it->second->sha256.substr(0, 12) +
                                                   " -> " + r->sha256.substr(0, 12) + ")", r->source});
  }
  // rules
  std::map<std::string, const Rule*> xa, xb;
  for (int i : rules_in_force(a)) xa[pa.rules[static_cast<size_t>(i)].id] = &pa.rules[static_cast<size_t>(i)];
  for (int i : rules_in_force(b)) xb[pb.rules[static_cast<size_t>(i)].id] = &pb.rules[static_cast<size_t>(i)];
  auto rule_detail = [&](const Program& p, const Rule& r) {
    return rule_effect(p, r) + " when " + span_text(r.when_span);
  };
  for (const auto& [id, r] : xa)
    if (!xb.count(id)) out.push_back({"rule", "removed", id, rule_detail(pa, *r), r->citation});
  for (const auto& [id, r] : xb) {
    auto it = xa.find(id);
    if (it == xa.end()) {
      out.push_back({"rule", "added", id, rule_detail(pb, *r), r->citation});
      continue;
    }
    const Rule& o = *it->second;
    auto ta = rule_thresholds(pa, o), tb = rule_thresholds(pb, *r);
    for (const auto& t : ta)
      if (!tb.count(t)) out.push_back({"threshold", "removed", id, t, r->citation});
    for (const auto& t : tb)
      if (!ta.count(t)) out.push_back({"threshold", "added", id, t, r->citation});
    if (span_text(o.when_span) != span_text(r->when_span) && ta == tb)
      out.push_back({"condition", "changed", id, span_text(o.when_span) + "  ->  " + span_text(r->when_span),
                     r->citation});
    if (rule_effect(pa, o) != rule_effect(pb, *r))
      out.push_back({r->kind == RuleKind::levy ? "rate" : "effect", "changed", id,
                     rule_effect(pa, o) + "  ->  " + rule_effect(pb, *r), r->citation});
    if (o.from != r->from || o.until != r->until)
      out.push_back({"window", "changed", id, window_text(o.from, o.until) + "  ->  " + window_text(r->from, r->until),
                     r->citation});
    if (o.citation != r->citation) out.push_back({"citation", "changed", id, o.citation + "  ->  " + r->citation, r->citation});
  }
  // groups (named country sets), as of each side's date
  std::map<std::string, std::array<uint64_t, 11>> ga, gb;
  for (size_t i = 0; i < pa.country_sets.size(); ++i)
    if (!pa.country_sets[i].name.empty()) ga[pa.country_sets[i].name] = active_of(a).country_bits[i];
  for (size_t i = 0; i < pb.country_sets.size(); ++i)
    if (!pb.country_sets[i].name.empty()) gb[pb.country_sets[i].name] = active_of(b).country_bits[i];
  for (const auto& [name, bits] : gb) {
    auto it = ga.find(name);
    if (it == ga.end()) {
      out.push_back({"group", "added", name, members_text(bits), ""});
      continue;
    }
    std::array<uint64_t, 11> plus{}, minus{};
    bool any = false;
    for (size_t w = 0; w < 11; ++w) {
      plus[w] = bits[w] & ~it->second[w];
      minus[w] = it->second[w] & ~bits[w];
      any |= plus[w] || minus[w];
    }
    if (any) {
      std::string d;
      if (std::any_of(plus.begin(), plus.end(), [](uint64_t x) { return x != 0; })) d += "+ " + members_text(plus);
      if (std::any_of(minus.begin(), minus.end(), [](uint64_t x) { return x != 0; }))
        d += std::string(d.empty() ? "" : "; ") + "- " + members_text(minus);
      out.push_back({"group", "changed", name, d, ""});
    }
  }
  for (const auto& [name, bits] : ga)
    if (!gb.count(name)) out.push_back({"group", "removed", name, members_text(bits), ""});
  return out;
}

// ---- semantic --------------------------------------------------------------------------------------------------

size_t Dim::size() const {
  switch (kind) {
    case number: return values.size();
    case boolean: return values.size();
    case text: return texts.size();
    case country: return country_classes.size();
  }
  return 0;
}

namespace {
bool is_absent_value(double v) { return std::isnan(v); }

std::string num_text(double v, bool date) { return date ? format_date(static_cast<Day>(v)) : format_number(v); }

bool is_date_dim(const Dim& d) { return d.slot == s_chip_first_marketed || d.slot == s_chip_us_available_on; }

// The value index of a number within a number dimension's values (cuts are points; between them, intervals).
int number_index(const Dim& d, double v) {
  size_t base = d.can_be_absent ? 1 : 0;
  if (d.cuts.empty()) return static_cast<int>(base);
  auto it = std::lower_bound(d.cuts.begin(), d.cuts.end(), v);
  size_t k = static_cast<size_t>(it - d.cuts.begin());
  if (it != d.cuts.end() && *it == v) return static_cast<int>(base + 2 * k + 1);
  return static_cast<int>(base + 2 * k);
}

// The same, compared exactly with each cut (read back from its decimal text).
int number_index_exact(const Dim& d, Exact v) {
  size_t base = d.can_be_absent ? 1 : 0;
  size_t k = 0;
  for (; k < d.cuts.size(); ++k) {
    const int c = exact_cmp(v, units_exact(d.cuts[k]));
    if (c == 0) return static_cast<int>(base + 2 * k + 1);
    if (c < 0) break;
  }
  return static_cast<int>(base + 2 * k);
}
}  // namespace

std::string Dim::describe(uint64_t mask) const {
  size_t n = size();
  uint64_t full = n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  if ((mask & full) == full) return "";
  auto has = [&](size_t i) { return ((mask >> i) & 1u) != 0; };
  switch (kind) {
    case boolean: {
      std::vector<std::string> parts;
      for (size_t i = 0; i < n; ++i)
        if (has(i)) parts.push_back(is_absent_value(values[i]) ? name + " absent" : values[i] != 0 ? name : "not " + name);
      std::string out;
      for (size_t i = 0; i < parts.size(); ++i) out += (i ? " or " : "") + parts[i];
      return out;
    }
    case text: {
      std::string out;
      bool other = false;
      for (size_t i = 0; i < n; ++i) {
        if (!has(i)) continue;
        if (texts[i].empty()) other = true;
        else out += (out.empty() ? "" : ", ") + ("\"" + texts[i] + "\"");
      }
      if (other) {
        std::string rest;
        for (size_t i = 0; i < n; ++i)
          if (!has(i) && !texts[i].empty()) rest += (rest.empty() ? "" : ", ") + ("\"" + texts[i] + "\"");
        return name + " mentions none of " + enclose('{', rest, '}');
      }
      return name + " mentions " + enclose('{', out, '}');
    }
    case country: {
      std::vector<int> members;
      for (size_t i = 0; i < n; ++i)
        if (has(i)) members.insert(members.end(), country_classes[i].begin(), country_classes[i].end());
      std::sort(members.begin(), members.end());
      std::vector<int> all;
      for (const auto& c : country_classes) all.insert(all.end(), c.begin(), c.end());
      std::sort(all.begin(), all.end());
      std::vector<int> rest;
      std::set_difference(all.begin(), all.end(), members.begin(), members.end(), std::back_inserter(rest));
      for (const auto& [gname, gm] : groups) {
        if (gm == members) return name + " in " + gname + (members.size() <= 6 ? " " + enclose('{', [&] {
          std::string l;
          for (size_t i = 0; i < members.size(); ++i) l += (i ? ", " : "") + country_code(members[i]);
          return l;
        }(), '}') : "");
        if (gm == rest) return name + " not in " + gname;
      }
      if (rest.size() <= 6 && rest.size() < members.size()) {
        std::string l;
        for (size_t i = 0; i < rest.size(); ++i) l += (i ? ", " : "") + country_code(rest[i]);
        return name + " not in " + enclose('{', l, '}');
      }
      std::string out;
      for (size_t i = 0; i < members.size() && i < 14; ++i) out += (i ? ", " : "") + country_code(members[i]);
      if (members.size() > 14) out += ", ... " + std::to_string(members.size()) + " countries";
      return name + " in " + enclose('{', out, '}');
    }
    case number: {
      bool date = is_date_dim(*this);
      std::vector<std::string> parts;
      size_t base = can_be_absent ? 1 : 0;
      if (can_be_absent && has(0)) parts.push_back(name + " absent");
      // runs of consecutive values
      size_t i = base;
      while (i < n) {
        if (!has(i)) {
          ++i;
          continue;
        }
        size_t j = i;
        while (j + 1 < n && has(j + 1)) ++j;
        // value k (from base): even = interval below cuts[k/2] (or above the last), odd = the cut cuts[(k-1)/2]
        auto lower = [&](size_t v) -> std::string {
          size_t k = v - base;
          if (k == 0) return "";
          if (k % 2 == 1) return num_text(cuts[(k - 1) / 2], date) + " <= ";
          return num_text(cuts[k / 2 - 1], date) + " < ";
        };
        auto upper = [&](size_t v) -> std::string {
          size_t k = v - base;
          if (k % 2 == 1) return " <= " + num_text(cuts[(k - 1) / 2], date);
          if (k / 2 >= cuts.size()) return "";
          return " < " + num_text(cuts[k / 2], date);
        };
        std::string lo = lower(i), hi = upper(j);
        if (i == j && (i - base) % 2 == 1) parts.push_back(name + " = " + num_text(cuts[(i - base - 1) / 2], date));
        else if (hi.empty() && !lo.empty())  // "x >= 4800" reads better than "4800 <= x"
          parts.push_back(name + (lo.find("<=") != std::string::npos ? " >= " : " > ") + lo.substr(0, lo.find(' ')));
        else parts.push_back(lo + name + hi);
        i = j + 1;
      }
      std::string out;
      for (size_t k = 0; k < parts.size(); ++k) out += (k ? " or " : "") + parts[k];
      return parts.size() > 1 ? enclose('(', out, ')') : out;
    }
  }
  return "";
}

namespace {

int representative(const std::vector<int>& members);

// "chip.memory_bw_gbps + chip.interconnect_gbps", for notes.
std::string expression_text(const Program& p, const Node& n) {
  static const char* ops[] = {"+", "-", "*", "/"};
  if (n.op == Node::add || n.op == Node::sub || n.op == Node::mul || n.op == Node::div) {
    const char* op = ops[n.op - Node::add];
    return expression_text(p, p.nodes[p.children[n.first_child]]) + " " + op + " " +
           expression_text(p, p.nodes[p.children[n.first_child + 1]]);
  }
  return label(p, n);
}

struct Builder {
  std::vector<Dim> dims;
  std::vector<std::string> notes;
  // country dims: the sets that tell countries apart, per side
  struct CSet {
    int side;
    int set_index;  // -1: a single constant
    int constant = -1;
  };
  std::map<int, std::vector<CSet>> country_sets;  // slot -> sets
  std::map<int, std::set<std::string>> text_consts;

  Dim& dim(Dim::Kind kind, const std::string& name, int slot) {
    for (auto& d : dims)
      if (d.slot == slot && d.name == name) return d;
    dims.push_back({});
    dims.back().kind = kind;
    dims.back().name = name;
    dims.back().slot = slot;
    return dims.back();
  }

  // A field of a shipment the regions vary: its chip's fields, destination, end_user_hq and export_from.
  static bool shipment_slot(const Program& p, int slot) {
    return (slot >= 0 && slot < slot_count && ((p.schema.chip_slots >> slot) & 1)) ||
           (slot >= s_destination && slot <= s_export_from && slot != s_quantity);
  }

  // The nodes under the conditions of the rules in force on a side.
  static void reachable(const Program& p, uint32_t node, std::vector<char>& seen) {
    if (seen[node]) return;
    seen[node] = 1;
    const Node& n = p.nodes[node];
    for (uint32_t i = 0; i < n.child_count; ++i) reachable(p, p.children[n.first_child + i], seen);
  }

  void scan(const DiffSide& s, int side) {
    const Program& p = *s.program;
    std::vector<char> seen(p.nodes.size(), 0);
    for (int r : rules_in_force(s)) {
      if (p.rules[static_cast<size_t>(r)].on == RecordKind::fab_order) continue;  // the regions are of shipments
      for (int root : {p.rules[static_cast<size_t>(r)].when, p.rules[static_cast<size_t>(r)].except})
        if (root >= 0) reachable(p, static_cast<uint32_t>(root), seen);
    }
    for (size_t ni = 0; ni < p.nodes.size(); ++ni) {
      if (!seen[ni]) continue;
      const Node& n = p.nodes[ni];
      auto child = [&](uint32_t i) -> const Node& { return p.nodes[p.children[n.first_child + i]]; };
      switch (n.op) {
        case Node::cmp:
        case Node::cmp_field_const: {
          if (n.child_count != 2) break;
          const Node* f = &child(0);
          const Node* c = &child(1);
          if (f->op == Node::const_num) std::swap(f, c);
          if (c->op != Node::const_num) {
            if (f->op != Node::const_num && f->type == ValueType::number)
              notes.push_back("a comparison of two quantities (" + label(p, n) + ") is not cut into regions");
            break;
          }
          if (f->op == Node::ref && label(p, *f) == "pd") {
            Dim& d = dim(Dim::number, "pd", -1);
            d.can_be_absent = true;
            d.cuts.push_back(const_units(*c));
            break;
          }
          if (f->op != Node::field) {
            if (f->type == ValueType::number)
              notes.push_back("`" + expression_text(p, *f) + " " + cmp_text(n.cmp_op) + " " + label(p, *c) +
                              "` is a threshold on a computed quantity, not on one field: the regions are exact except "
                              "where that comparison alone decides, where cells are judged at their representative "
                              "values");
            break;
          }
          if (!shipment_slot(p, f->slot)) break;
          if (f->type == ValueType::country) {
            dim(Dim::country, label(p, *f), f->slot);
            country_sets[f->slot].push_back({side, -1, static_cast<int>(c->value)});  // a country index
          } else if (f->type == ValueType::boolean) {
            dim(Dim::boolean, label(p, *f), f->slot);
          } else {
            Dim& d = dim(Dim::number, label(p, *f), f->slot);
            d.micro = f->type == ValueType::number;
            if (const FieldInfo* fi = p.schema.find(d.name)) d.unit = fi->unit;
            d.cuts.push_back(const_units(*c));
          }
          break;
        }
        case Node::in_countries:
        case Node::in_countries_field: {
          const Node& f = child(0);
          if (f.op != Node::field || !shipment_slot(p, f.slot)) break;
          dim(Dim::country, label(p, f), f.slot);
          country_sets[f.slot].push_back({side, n.set_index});
          break;
        }
        case Node::mentions:
        case Node::in_texts: {
          const Node& f = child(0);
          if (f.op != Node::text_field) break;
          if (f.slot != t_chip_name && f.slot != t_chip_family && f.slot != t_chip_vendor) break;
          dim(Dim::text, label(p, f), f.slot);
          for (const auto& t : p.text_sets[static_cast<size_t>(n.set_index)]) text_consts[f.slot].insert(t);
          break;
        }
        case Node::is_given:
        case Node::is_absent: {
          if (n.text_slot || !shipment_slot(p, n.slot)) break;
          if (n.slot == s_chip_die_area_mm2) break;  // absence of the die area is pd's "absent"
          const FieldInfo* fi = nullptr;
          for (const auto& x : p.schema.fields)
            if (x.slot == n.slot && x.type != ValueType::text && x.readable) fi = &x;
          if (!fi) break;
          Dim::Kind k = fi->type == ValueType::boolean ? Dim::boolean : fi->type == ValueType::country ? Dim::country : Dim::number;
          Dim& d = dim(k, fi->name, n.slot);
          d.can_be_absent = true;
          d.micro = fi->type == ValueType::number;
          d.unit = fi->unit;
          break;
        }
        case Node::field:
          if (n.type == ValueType::boolean && shipment_slot(p, n.slot)) dim(Dim::boolean, label(p, n), n.slot);
          break;
        default: break;
      }
    }
  }

  void finish(const DiffSide& a, const DiffSide& b) {
    for (auto& d : dims) {
      if (d.kind == Dim::number) {
        std::sort(d.cuts.begin(), d.cuts.end());
        d.cuts.erase(std::unique(d.cuts.begin(), d.cuts.end()), d.cuts.end());
        bool date = is_date_dim(d);
        if (d.can_be_absent) d.values.push_back(std::nan(""));
        if (d.cuts.empty()) {
          d.values.push_back(date ? *parse_date("2024-01-01") : 1000);
          continue;
        }
        d.values.push_back(date ? d.cuts[0] - 1 : d.cuts[0] > 0 ? d.cuts[0] / 2 : d.cuts[0] - 1);
        for (size_t i = 0; i < d.cuts.size(); ++i) {
          d.values.push_back(d.cuts[i]);
          if (i + 1 < d.cuts.size()) {
            double lo = d.cuts[i], hi = d.cuts[i + 1];
            // A date interval between two consecutive days holds no day: keep its place with the upper day's
            // neighbour (the cell is then judged like that day; no record can fall in it anyway).
            d.values.push_back(date ? (hi - lo >= 2 ? lo + 1 : hi) : (lo + hi) / 2);
          }
        }
        d.values.push_back(date ? d.cuts.back() + 1 : d.cuts.back() > 0 ? d.cuts.back() * 2 : d.cuts.back() + 1);
      } else if (d.kind == Dim::boolean) {
        if (d.can_be_absent) d.values.push_back(std::nan(""));
        d.values.push_back(0);
        d.values.push_back(1);
      } else if (d.kind == Dim::text) {
        for (const auto& t : text_consts[d.slot]) d.texts.push_back(t);
        d.texts.push_back("");  // anything else
      } else if (d.kind == Dim::country) {
        const auto& sets = country_sets[d.slot];
        std::map<std::vector<bool>, std::vector<int>> classes;
        for (int c = 0; c < country_slots; ++c) {
          std::string code = country_code(c);
          if (country_index(code) != c) continue;
          std::vector<bool> sig;
          for (const auto& s : sets) {
            if (s.set_index < 0) {
              sig.push_back(s.constant == c);
              continue;
            }
            const ActiveSet& act = s.side == 0 ? active_of(a) : active_of(b);
            const auto& bits = act.country_bits[static_cast<size_t>(s.set_index)];
            sig.push_back(((bits[static_cast<size_t>(c / 64)] >> (c % 64)) & 1u) != 0);
          }
          classes[sig].push_back(c);
        }
        for (auto& [sig, members] : classes) d.country_classes.push_back(members);
        for (const auto& st : sets) {
          if (st.set_index < 0) continue;
          const DiffSide& side = st.side == 0 ? a : b;
          const auto& cs = side.program->country_sets[static_cast<size_t>(st.set_index)];
          if (cs.name.empty()) continue;
          const auto& bits = active_of(side).country_bits[static_cast<size_t>(st.set_index)];
          std::vector<int> members;
          for (int c = 0; c < country_slots; ++c)
            if ((bits[static_cast<size_t>(c / 64)] >> (c % 64)) & 1u) members.push_back(c);
          if (std::none_of(d.groups.begin(), d.groups.end(), [&](auto& g) { return g.first == cs.name; }))
            d.groups.emplace_back(cs.name, members);
        }
        // Larger classes last, so that descriptions start with the specific ones.
        std::stable_sort(d.country_classes.begin(), d.country_classes.end(),
                         [](const auto& x, const auto& y) { return x.size() < y.size(); });
        for (const auto& cls : d.country_classes) d.representatives.push_back(representative(cls));
      }
    }
    // Chip dimensions first (tpp, pd, ...), then countries.
    std::stable_sort(dims.begin(), dims.end(), [](const Dim& x, const Dim& y) {
      auto rank = [](const Dim& d) { return d.kind == Dim::country ? 2 : d.kind == Dim::text ? 1 : 0; };
      return rank(x) < rank(y);
    });
  }
};

// A country class's representative: a well-known member if there is one.
int representative(const std::vector<int>& members) {
  static const char* preferred[] = {"CN", "US", "HK", "MO", "RU", "TW", "SG", "DE", "IN", "AE", "SA", "VN",
                                    "MY", "IL", "KZ", "GB", "JP", "KR", "NL", "FR", "IR", "KP", "CU", "SY"};
  for (const char* c : preferred) {
    int i = country_index(c);
    if (std::find(members.begin(), members.end(), i) != members.end()) return i;
  }
  return members.front();
}

// Whether value v of a number dimension is one of its cuts (values: [absent], below, cut, between, cut, ..., above).
bool on_cut(const Dim& d, int v) {
  const int k = v - (d.can_be_absent ? 1 : 0);
  return !d.cuts.empty() && k >= 0 && k % 2 == 1;
}

// The die area that gives the cell's pd with its tpp. Between pd thresholds: the nearest millionth of a mm2 (pd
// stays between them). On a pd threshold: exactly, tpp / pd, if that is a whole number of millionths; else the
// next whole mm2 above tpp / pd, with tpp raised to pd × area (by less than pd). When tpp is itself on a threshold
// (tpp 4000 and pd 5.92: the die area would be 675.675...), no record has the cell's values; it is then judged as
// the point just above that tpp, the side `>=` thresholds put it on.
void set_pd(const std::vector<Dim>& dims, const std::vector<int>& cell, double pd, Facts& f) {
  bool pd_cut = false;
  for (size_t i = 0; i < dims.size(); ++i)
    if (cell[i] >= 0 && dims[i].kind == Dim::number && dims[i].slot < 0) pd_cut = on_cut(dims[i], cell[i]);
  const Exact exact_pd = units_exact(pd);
  const double tpp_units = held_to_units(true, f.num[s_chip_tpp]);
  Exact area, tpp;
  std::optional<int64_t> micro, tpp_micro;
  if (exact_div(exact_from_micro(f.num[s_chip_tpp]), exact_pd, area)) micro = micro_from_exact(area);
  const Exact whole{std::max<int64_t>(1, static_cast<int64_t>(std::ceil(tpp_units / pd))), 1};
  if (!micro && pd_cut && exact_mul(exact_pd, whole, tpp)) tpp_micro = micro_from_exact(tpp);
  if (tpp_micro) {
    f.set_number(s_chip_tpp, *tpp_micro);
    f.set_number(s_chip_die_area_mm2, whole.num * micro_per_unit);
  } else {
    f.set_number(s_chip_die_area_mm2, micro ? *micro : units_to_micro(tpp_units / pd));
  }
}

// The shipment of one cell; a dimension at -1 is left absent (the three-valued evaluation then tells whether the
// outcome depends on it). Fields no rule reads get plain defaults.
Facts cell_facts(const std::vector<Dim>& dims, const std::vector<int>& cell, Day day) {
  Facts f;
  f.kind = RecordKind::shipment;
  f.set_raw(s_date, day);
  f.set_number(s_quantity, micro_per_unit);
  auto is_dim = [&](int slot) {
    return std::any_of(dims.begin(), dims.end(), [&](const Dim& d) { return d.slot == slot && d.kind == Dim::country; });
  };
  if (!is_dim(s_destination)) f.set_raw(s_destination, country_index("CN"));
  if (!is_dim(s_export_from)) f.set_raw(s_export_from, country_index("US"));
  double pd = std::nan("");
  bool pd_dim = false;
  for (size_t i = 0; i < dims.size(); ++i) {
    const Dim& d = dims[i];
    int v = cell[i];
    if (v < 0) continue;
    switch (d.kind) {
      case Dim::number:
      case Dim::boolean: {
        double x = d.values[static_cast<size_t>(v)];
        if (d.slot < 0) {
          pd_dim = true;
          pd = x;
        } else if (!is_absent_value(x)) {
          set_units(f, d, x);
        }
        break;
      }
      case Dim::text:
        f.set_text(d.slot, d.texts[static_cast<size_t>(v)].empty() ? "Other" : d.texts[static_cast<size_t>(v)]);
        break;
      case Dim::country:
        f.set_raw(d.slot, d.representatives[static_cast<size_t>(v)]);
        break;
    }
  }
  if (!is_dim(s_end_user_hq) && f.has(s_destination)) f.set_raw(s_end_user_hq, f.num[s_destination]);
  // The end user is its own ultimate parent (end_user_parent_hq is not a dimension of the regions).
  if (f.has(s_end_user_hq)) f.set_raw(s_end_user_parent_hq, f.num[s_end_user_hq]);
  if (pd_dim && !is_absent_value(pd) && f.has(s_chip_tpp)) set_pd(dims, cell, pd, f);
  return f;
}

// ---- semantic_diff, step by step -----------------------------------------------------------------------------------
// 1. the dimensions (Builder), 2. the always-cut combinations, 3. lazy splitting of each combination on all cores
// (Splitter), 4. joining the parts in combination order, 5. merging the changed cells into boxes, 6. the regions.

// A cell (or a box of cells left open) that the two sides judge differently.
struct Changed {
  std::vector<int> cell;  // -1: every value
  int sig;                // index into the signatures (old and new outcome)
  uint64_t cells = 1;
};
// What the lazy splitting of one combination of the always-cut dimensions found; signature ids local to it.
struct Part {
  std::vector<Changed> changed;
  std::vector<std::pair<Outcome, Outcome>> sigs;
  uint64_t judged = 0;
};
// A box of changed cells being merged: a set of values per dimension.
struct Box {
  std::vector<uint64_t> masks;
  int sig;
  std::vector<int> first;  // the witness cell
  uint64_t cells = 1;
};
// Rule id -> the dimensions its conditions read (Rule::reads).
using RuleDims = std::map<std::string, std::vector<int>>;

// Step 1: the dimensions both sides' rules cut, and the notes on what the analysis cannot take into account
// (sorted, without repeats).
void build_dimensions(const DiffSide& a, const DiffSide& b, SemanticDiff& out) {
  Builder bld;
  bld.scan(a, 0);
  bld.scan(b, 1);
  bld.finish(a, b);
  out.dims = bld.dims;
  std::sort(bld.notes.begin(), bld.notes.end());
  bld.notes.erase(std::unique(bld.notes.begin(), bld.notes.end()), bld.notes.end());
  out.notes = bld.notes;
}

// The number of cells of the whole space (the product of the dimensions' sizes).
uint64_t count_cells(const std::vector<Dim>& dims) {
  uint64_t total = 1;
  for (const auto& d : dims) total *= std::max<size_t>(d.size(), 1);
  return total;
}

// The dimensions each rule's conditions read, on one side: where to split when a rule is undecided for want of a
// field that is already fixed (an absent date it reads, say) but another open dimension of it may decide it.
RuleDims rule_dims(const Program& p, const std::vector<Dim>& dims) {
  RuleDims out_dims;
  for (const Rule& r : p.rules) {
    std::vector<int> ds;
    for (size_t i = 0; i < dims.size(); ++i) {
      const Dim& d = dims[i];
      bool read = d.slot < 0 ? ((r.reads >> s_chip_die_area_mm2) & 1u) != 0  // pd: tpp / die area
                  : d.kind == Dim::text ? ((r.reads_text >> d.slot) & 1u) != 0
                                        : ((r.reads >> d.slot) & 1u) != 0;
      if (read) ds.push_back(static_cast<int>(i));
    }
    out_dims[r.id] = ds;
  }
  return out_dims;
}

// Step 2: every combination of the dimensions whose absence is itself a case the rules test (a die area, a date
// first marketed); those are always cut, the others left open (-1).
std::vector<std::vector<int>> eager_combinations(const std::vector<Dim>& dims) {
  std::vector<int> eager;
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i].can_be_absent) eager.push_back(static_cast<int>(i));
  std::vector<std::vector<int>> combos(1, std::vector<int>(dims.size(), -1));
  for (int e : eager) {
    std::vector<std::vector<int>> next;
    for (const auto& c : combos)
      for (size_t v = 0; v < dims[static_cast<size_t>(e)].size(); ++v) {
        next.push_back(c);
        next.back()[static_cast<size_t>(e)] = static_cast<int>(v);
      }
    combos = std::move(next);
  }
  return combos;
}

// Step 3: the lazy splitting of one combination. Every dimension not yet cut is left absent until the three-valued
// evaluation of one side needs it (evaluate() names the missing field it could not decide without). A box on which
// both sides decide without a dimension has one outcome for all of that dimension's values (Kleene logic is sound
// for every completion), so it is judged once: exact, and far fewer judgements than one per cell.
class Splitter {
 public:
  Splitter(const std::vector<Dim>& dims, const DiffSide& a, const DiffSide& b)
      : dims_(dims), a_(a), b_(b), dims_a_(rule_dims(*a.program, dims)), dims_b_(rule_dims(*b.program, dims)) {}

  // The changed cells and boxes under `start` (a combination of the always-cut dimensions).
  Part explore(const std::vector<int>& start) const {
    Part part;
    std::map<std::string, int> local_ids;
    std::vector<int> cell = start;
    explore_cell(cell, part, local_ids);
    return part;
  }

 private:
  // The dimension a field is, or -1 (the density stands for the die area).
  int dim_of(const std::string& field) const {
    for (size_t i = 0; i < dims_.size(); ++i)
      if (dims_[i].name == field || (dims_[i].slot < 0 && field == "chip.die_area_mm2")) return static_cast<int>(i);
    return -1;
  }

  // Where to split a cell on which a side could not decide: the field it named, if still open; else another open
  // dimension the undecided rule reads (countries first, the usual deciders); -1 if the rule reads no open
  // dimension (a real "cannot be judged").
  int split_dim(const std::vector<int>& cell, const std::string& missing, const std::string& rule,
                const RuleDims& by_rule) const {
    int d = dim_of(missing);
    if (d >= 0 && cell[static_cast<size_t>(d)] >= 0) d = -1;
    if (d >= 0) return d;
    auto it = by_rule.find(rule);
    for (Dim::Kind k : {Dim::country, Dim::boolean, Dim::text, Dim::number})
      for (size_t i = 0; it != by_rule.end() && i < it->second.size() && d < 0; ++i) {
        int c = it->second[i];
        if (cell[static_cast<size_t>(c)] < 0 && dims_[static_cast<size_t>(c)].kind == k) d = c;
      }
    if (it == by_rule.end())  // no rule named: any open dimension
      for (size_t i = 0; i < dims_.size() && d < 0; ++i)
        if (cell[i] < 0) d = static_cast<int>(i);
    return d;
  }

  // Judges `cell` on both sides; splits it where a side cannot decide, or records it if the sides differ.
  void explore_cell(std::vector<int>& cell, Part& part, std::map<std::string, int>& local_ids) const {
    Facts fa = cell_facts(dims_, cell, a_.day), fb = fa;
    fb.set_raw(s_date, b_.day);
    std::string ma, mb, ra, rb;
    Outcome oa = outcome_of(*a_.program, fa, a_.day, a_.options(), nullptr, &ma, &ra);
    Outcome ob = outcome_of(*b_.program, fb, b_.day, b_.options(), nullptr, &mb, &rb);
    ++part.judged;
    for (int side = 0; side < 2; ++side) {
      if (!(side == 0 ? oa.error : ob.error)) continue;
      int d = side == 0 ? split_dim(cell, ma, ra, dims_a_) : split_dim(cell, mb, rb, dims_b_);
      if (d < 0) continue;
      for (size_t v = 0; v < dims_[static_cast<size_t>(d)].size(); ++v) {
        cell[static_cast<size_t>(d)] = static_cast<int>(v);
        explore_cell(cell, part, local_ids);
      }
      cell[static_cast<size_t>(d)] = -1;
      return;
    }
    if (oa == ob) return;
    uint64_t n = 1;
    for (size_t i = 0; i < dims_.size(); ++i)
      if (cell[i] < 0) n *= dims_[i].size();
    auto [it, fresh] = local_ids.emplace(oa.text() + "\n" + ob.text(), static_cast<int>(part.sigs.size()));
    if (fresh) part.sigs.emplace_back(oa, ob);
    part.changed.push_back({cell, it->second, n});
  }

  const std::vector<Dim>& dims_;
  const DiffSide &a_, &b_;
  RuleDims dims_a_, dims_b_;
};

// Step 3, on all cores: each combination explored independently, its result kept at its index (so the regions do
// not depend on the number of threads).
std::vector<Part> explore_all(const Splitter& splitter, const std::vector<std::vector<int>>& combos) {
  std::vector<Part> parts(combos.size());
  std::atomic<size_t> next{0};
  unsigned threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                                      static_cast<unsigned>(combos.size())));
  auto worker = [&] {
    for (size_t ci; (ci = next++) < combos.size();) parts[ci] = splitter.explore(combos[ci]);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  return parts;
}

// Step 4: the parts joined in combination order, their signatures numbered globally; returns the judgements made.
uint64_t join_parts(std::vector<Part>& parts, std::vector<Changed>& changed,
                    std::vector<std::pair<Outcome, Outcome>>& sigs) {
  std::map<std::string, int> sig_ids;
  uint64_t judged = 0;
  for (auto& part : parts) {
    judged += part.judged;
    std::vector<int> remap;
    for (const auto& [oa, ob] : part.sigs) {
      auto [it, fresh] = sig_ids.emplace(oa.text() + "\n" + ob.text(), static_cast<int>(sigs.size()));
      if (fresh) sigs.emplace_back(oa, ob);
      remap.push_back(it->second);
    }
    for (auto& c : part.changed) {
      c.sig = remap[static_cast<size_t>(c.sig)];
      changed.push_back(std::move(c));
    }
    part = Part{};
  }
  return judged;
}

// Step 5a: each changed cell or open box as a Box (an open dimension covers all its values); `changed` is emptied.
std::vector<Box> boxes_of(const std::vector<Dim>& dims, std::vector<Changed>& changed) {
  std::vector<Box> boxes;
  boxes.reserve(changed.size());
  for (auto& c : changed) {
    Box bx;
    for (size_t i = 0; i < dims.size(); ++i) {
      size_t n = dims[i].size();
      bx.masks.push_back(c.cell[i] >= 0 ? uint64_t{1} << c.cell[i] : n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1);
    }
    bx.sig = c.sig;
    bx.first = std::move(c.cell);
    for (int& v : bx.first) v = std::max(v, 0);  // the witness takes any value where the outcome does not depend on it
    bx.cells = c.cells;
    boxes.push_back(std::move(bx));
  }
  changed.clear();
  changed.shrink_to_fit();
  return boxes;
}

struct MasksHash {
  size_t operator()(const std::vector<uint64_t>& k) const {
    uint64_t h = 1469598103934665603ull;
    for (uint64_t x : k) h = (h ^ x) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

// Step 5b, one pass over dimension d: boxes with the same change that agree on every other dimension become one
// box (the union on d). Returns whether anything merged.
bool merge_over(size_t d, std::vector<Box>& boxes) {
  bool again = false;
  std::unordered_map<std::vector<uint64_t>, size_t, MasksHash> at;
  at.reserve(boxes.size());
  std::vector<Box> merged;
  merged.reserve(boxes.size());
  std::vector<uint64_t> key;
  for (auto& bx : boxes) {
    key = bx.masks;
    key[d] = static_cast<uint64_t>(bx.sig);  // the signature takes the place of the dimension merged over
    auto [it, fresh] = at.emplace(key, merged.size());
    if (fresh) {
      merged.push_back(std::move(bx));
    } else {
      Box& m = merged[it->second];
      if ((m.masks[d] & bx.masks[d]) == 0) {
        m.masks[d] |= bx.masks[d];
        m.cells += bx.cells;
        again = true;
      } else {
        merged.push_back(std::move(bx));  // overlapping on d (cannot happen for disjoint boxes): keep apart
      }
    }
  }
  boxes = std::move(merged);
  return again;
}

// Step 5: merge over every dimension in turn until stable, then largest first.
void merge_boxes(const std::vector<Dim>& dims, std::vector<Box>& boxes) {
  for (bool again = true; again;) {
    again = false;
    for (size_t d = 0; d < dims.size(); ++d) again |= merge_over(d, boxes);
  }
  std::stable_sort(boxes.begin(), boxes.end(), [](const Box& x, const Box& y) { return x.cells > y.cells; });
}

}  // namespace

SemanticDiff semantic_diff(const DiffSide& a, const DiffSide& b) {
  SemanticDiff out;
  build_dimensions(a, b, out);
  out.cells = count_cells(out.dims);
  // Split the space lazily (Splitter), each combination of the always-cut dimensions on its own.
  std::vector<Part> parts = explore_all(Splitter(out.dims, a, b), eager_combinations(out.dims));
  std::vector<Changed> changed;
  std::vector<std::pair<Outcome, Outcome>> sigs;
  out.judged = join_parts(parts, changed, sigs);
  for (const auto& c : changed) out.changed_cells += c.cells;
  std::vector<Box> boxes = boxes_of(out.dims, changed);
  merge_boxes(out.dims, boxes);
  for (auto& bx : boxes) {
    Region r;
    r.masks = bx.masks;
    r.old_outcome = sigs[static_cast<size_t>(bx.sig)].first;
    r.new_outcome = sigs[static_cast<size_t>(bx.sig)].second;
    r.witness = cell_facts(out.dims, bx.first, b.day);
    r.cells = bx.cells;
    out.regions.push_back(std::move(r));
  }
  return out;
}

std::optional<std::vector<int>> SemanticDiff::cell_of(const Facts& f) const {
  std::vector<int> cell;
  for (const auto& d : dims) {
    switch (d.kind) {
      case Dim::number:
      case Dim::boolean: {
        bool present;
        double v = 0;
        int exact_index = -1;  // pd: its cell found exactly (on a threshold or not)
        if (d.slot < 0) {
          present = f.has(s_chip_die_area_mm2) && f.has(s_chip_tpp);
          Exact pd;
          if (present && exact_div(exact_from_micro(f.num[s_chip_tpp]), exact_from_micro(f.num[s_chip_die_area_mm2]), pd))
            exact_index = number_index_exact(d, pd);
        } else {
          present = f.has(d.slot);
          if (present) v = held_to_units(d.micro, f.num[static_cast<size_t>(d.slot)]);
        }
        if (!present) {
          if (!d.can_be_absent) return std::nullopt;
          cell.push_back(0);
        } else if (d.kind == Dim::boolean) {
          cell.push_back((d.can_be_absent ? 1 : 0) + (v != 0 ? 1 : 0));
        } else {
          cell.push_back(exact_index >= 0 ? exact_index : number_index(d, v));
        }
        break;
      }
      case Dim::text: {
        std::string_view t = f.has_text(d.slot) ? f.text(d.slot) : std::string_view();
        auto it = std::find(d.texts.begin(), d.texts.end(), std::string(t));
        cell.push_back(static_cast<int>(it == d.texts.end() ? d.texts.size() - 1 : it - d.texts.begin()));
        break;
      }
      case Dim::country: {
        if (!f.has(d.slot)) return std::nullopt;
        int c = static_cast<int>(f.num[static_cast<size_t>(d.slot)]);
        int found = -1;
        for (size_t i = 0; i < d.country_classes.size() && found < 0; ++i)
          if (std::find(d.country_classes[i].begin(), d.country_classes[i].end(), c) != d.country_classes[i].end())
            found = static_cast<int>(i);
        if (found < 0) return std::nullopt;
        cell.push_back(found);
        break;
      }
    }
  }
  return cell;
}

const Region* SemanticDiff::region_of(const Facts& f) const {
  auto cell = cell_of(f);
  if (!cell) return nullptr;
  for (const auto& r : regions) {
    bool in = true;
    for (size_t i = 0; i < dims.size() && in; ++i) in = ((r.masks[i] >> (*cell)[i]) & 1u) != 0;
    if (in) return &r;
  }
  return nullptr;
}

std::string Region::describe(const std::vector<Dim>& dims) const {
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) {
    std::string d = dims[i].describe(masks[i]);
    if (d.empty()) continue;
    out += (out.empty() ? "" : ", ") + d;
  }
  return out.empty() ? "every shipment" : out;
}

std::string Region::witness_json(const std::vector<Dim>& dims) const {
  nlohmann::ordered_json j;
  j["type"] = "shipment";
  j["id"] = "witness";
  nlohmann::ordered_json chip;
  const Facts& f = witness;
  // The engine's own chip fields (numbers, then texts), then any other chip field a dimension varies.
  for (bool text : {false, true})
    for (const auto& fi : core_schema().fields) {
      if (fi.name.rfind("chip.", 0) != 0 || fi.slot < 0 || (fi.type == ValueType::text) != text) continue;
      std::string key = fi.name.substr(5);
      if (fi.type == ValueType::text) {
        if (f.has_text(fi.slot)) chip[key] = std::string(f.text(fi.slot));
      } else if (f.has(fi.slot)) {
        const int64_t v = f.num[static_cast<size_t>(fi.slot)];
        if (fi.type == ValueType::boolean) chip[key] = v != 0;
        else if (fi.type == ValueType::date) chip[key] = format_date(static_cast<Day>(v));
        else chip[key] = nlohmann::ordered_json::parse(format_micro(v));
      }
    }
  for (const Dim& d : dims) {
    if (d.slot < core_slot_count || d.name.rfind("chip.", 0) != 0 || d.kind == Dim::text || !f.has(d.slot)) continue;
    const int64_t v = f.num[static_cast<size_t>(d.slot)];
    const std::string key = d.name.substr(5);
    if (d.kind == Dim::boolean) chip[key] = v != 0;
    else if (d.kind == Dim::country) chip[key] = country_code(static_cast<int>(v));
    else if (!d.micro) chip[key] = format_date(static_cast<Day>(v));
    else chip[key] = nlohmann::ordered_json::parse(format_micro(v));
  }
  if (!chip.contains("name")) chip["name"] = "witness";
  j["chip"] = chip;
  for (auto [k, s] : {std::pair<const char*, int>{"destination", s_destination}, {"end_user_hq", s_end_user_hq},
                      {"end_user_parent_hq", s_end_user_parent_hq}, {"export_from", s_export_from}})
    if (f.has(s)) j[k] = country_code(static_cast<int>(f.num[static_cast<size_t>(s)]));
  j["quantity"] = 1;
  j["unit_price_usd"] = "1.00";
  return j.dump();
}

// ---- impact --------------------------------------------------------------------------------------------------------

std::vector<ChipFlip> catalog_impact(const DiffSide& a, const DiffSide& b, const Catalog& catalog,
                                     const SemanticDiff& sem) {
  std::vector<ChipFlip> out;
  const Dim* dest = nullptr;
  for (const auto& d : sem.dims)
    if (d.kind == Dim::country && d.slot == s_destination) dest = &d;
  std::vector<std::vector<int>> classes = dest ? dest->country_classes : std::vector<std::vector<int>>{{country_index("CN")}};
  for (const auto& [name, chip] : catalog.chips()) {
    for (const auto& cls : classes) {
      int rep = representative(cls);
      Outcome oa = outcome_of(*a.program, as_shipment(chip, rep, a.day), a.day, a.options());
      Outcome ob = outcome_of(*b.program, as_shipment(chip, rep, b.day), b.day, b.options());
      if (oa == ob) continue;
      ChipFlip fl;
      fl.chip = name;
      std::vector<int> sorted = cls;
      std::sort(sorted.begin(), sorted.end());
      std::string members;
      for (size_t i = 0; i < sorted.size() && i < 8; ++i) {
        if (i) members += ", ";
        members += country_code(sorted[i]);
      }
      if (sorted.size() > 8) members += ", ... " + std::to_string(sorted.size()) + " countries";
      fl.destinations = members;
      fl.representative = country_code(rep);
      fl.old_outcome = oa;
      fl.new_outcome = ob;
      out.push_back(std::move(fl));
    }
  }
  return out;
}

namespace {

// A verdict as a log flip names it: "LICENSE_REQUIRED (presumption_of_denial)", with the licence exception when
// `exception` (the two sides' exceptions differ), "cannot be judged" for a failed decision.
std::string flip_words(const Decision& d, bool exception) {
  if (d.failed) return "cannot be judged";
  std::string out = to_string(d.verdict);
  if (d.review != Review::none) out += std::string(" (") + to_string(d.review) + ")";
  if (exception && d.exception != LicenseException::none) out += std::string(" ") + to_string(d.exception);
  return out;
}

// Why a side decided as it did, where the rules alone do not say: its error ("; new: end_user: possible match ..."),
// or the screening list entry that set its verdict ("; new: EL entry pub-huawei 'Huawei Technologies Co., Ltd.'").
std::string side_why(const char* side, const Decision& d, const PartyOutcome* o) {
  if (d.failed)
    return std::string("; ") + side + ": " + (d.error().field.empty() ? "" : d.error().field + ": ") + d.error().message;
  if (o && !o->listed_entry.empty() && o->verdict == d.verdict)
    return std::string("; ") + side + ": " + std::string(o->listed_list) + " entry " + std::string(o->listed_entry) +
           " '" + printable(o->listed_name) + "'" +
           (o->listed_via_owners ? " (the end user's owners: the affiliates rule)" : "");
  return "";
}

}  // namespace

LogImpact log_impact(const DiffSide& a, const DiffSide& b, const std::string& path, const Catalog& catalog,
                     bool use_side_dates) {
  auto t0 = std::chrono::steady_clock::now();
  LogImpact out;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error("'" + path + "' is a folder: --log takes one shipment log file (CSV or JSONL)");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!fp) throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
  char head[256];
  size_t got = std::fread(head, 1, sizeof head, fp.get());
  if (got == 0) throw std::runtime_error("'" + path + "' is empty: no shipments to compare");
  std::rewind(fp.get());
  InputFormat fmt = guess_format(path, std::string_view(head, got));
  if (fmt == InputFormat::json) throw std::runtime_error("'" + path + "': give a CSV or JSONL log");
  RowReader rr(fp.get(), fmt);
  if (!rr.read_header()) throw std::runtime_error("'" + path + "': bad CSV header: " + rr.header_error());
  // One screen a side, verdicts only (no evidence JSON): its cache holds results for that side's lists.
  std::unique_ptr<PartyScreen> sa = a.lists ? std::make_unique<PartyScreen>(a.lists, false) : nullptr;
  std::unique_ptr<PartyScreen> sb = b.lists ? std::make_unique<PartyScreen>(b.lists, false) : nullptr;
  constexpr size_t max_listed = 10;  // examples kept, and problems kept of each reason
  auto problem = [&](const Record& r, const std::string& text) {
    const uint64_t of_reason = r.ok && r.has_date ? out.judged_by_neither : out.unreadable;  // (counted already)
    if (of_reason <= max_listed)
      out.problems.push_back(path + ":" + std::to_string(r.line) + (r.id.empty() ? "" : " id " + printable(r.id)) +
                             ": " + text);
  };
  RowReader::Row row;
  ClassCache ca, cb;
  Record r;
  while (rr.next(row)) {
    ++out.records;
    read_row(fmt, rr.header(), rr.header_id(), row.text, row.line, &catalog, false, r);
    if (!r.ok || !r.has_date) {
      ++out.unreadable;
      problem(r, r.ok ? "date: the record has no date" : (r.error.field.empty() ? "" : r.error.field + ": ") + r.error.message);
      continue;
    }
    if (r.kind != RecordKind::shipment) {
      ++out.not_shipments;
      continue;
    }
    Day da = use_side_dates ? a.day : r.date, db = use_side_dates ? b.day : r.date;
    Decision x = evaluate(*a.program, r.facts, r.base_cents, da, a.options(), &ca);
    Decision y = evaluate(*b.program, r.facts, r.base_cents, db, b.options(), &cb);
    const PartyOutcome* ox = sa ? &sa->apply(r.facts, r.kind, da, x) : nullptr;
    const PartyOutcome* oy = sb ? &sb->apply(r.facts, r.kind, db, y) : nullptr;
    if (x.failed && y.failed) {
      ++out.judged_by_neither;
      problem(r, "judged by neither side" + side_why("old", x, nullptr) + side_why("new", y, nullptr));
      continue;
    }
    int64_t delta = 0;
    if (!x.failed && !y.failed) {
      ++out.judged;
      out.old_fees_cents += x.fee_total_cents;
      out.new_fees_cents += y.fee_total_cents;
      bool flip = x.klass != y.klass || x.verdict != y.verdict || x.review != y.review || x.exception != y.exception ||
                  x.fee_total_cents != y.fee_total_cents;
      if (!flip) continue;
      delta = y.fee_total_cents - x.fee_total_cents;
    } else {
      ++out.judged_by_one;
    }
    ++out.flipped;
    std::string from = flip_words(x, x.exception != y.exception), to = flip_words(y, x.exception != y.exception);
    if (from == to) from += ", fee", to += ", fee";
    out.by_transition[from + " -> " + to]++;
    std::string dest = r.facts.has(s_destination) ? country_code(static_cast<int>(r.facts.num[s_destination])) : "?";
    auto& d = out.by_destination[dest];
    ++d.first;
    d.second += delta;
    auto& m = out.by_month[format_date(r.date).substr(0, 7)];
    ++m.first;
    m.second += delta;
    if (out.examples.size() < max_listed)
      out.examples.push_back(path + ":" + std::to_string(r.line) + " id " + printable(r.id) + " (" +
                             record_subject(r) + "): " + from + " -> " + to +
                             (delta ? ", fee " + dollars(delta) : "") + side_why("old", x, ox) + side_why("new", y, oy));
  }
  if (out.records == 0)
    throw std::runtime_error("'" + path + "' holds no records (" +
                             (fmt == InputFormat::csv ? "a header only" : "only blank lines") + "): no shipments to compare");
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace tollgate
