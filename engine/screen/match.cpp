// tollgate — the screening matcher: an index of every listed name and alias, candidates by token, integer scores
// with evidence (see match.hpp and docs/screening.md §3-§5).
#include "engine/screen/match.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/screen/csv.hpp"

namespace tollgate {
namespace {

// Word weights. A distinctive word weighs 10 on both sides. A generic word weighs 1 in a listed name (a party often
// leaves "Technology" or "(Beijing)" out) but 4 in the party's name (a generic word the listed name lacks,
// "Computing" for "Devices", counts against), except places, 2 (a party often adds one: "SMIC Beijing").
constexpr int distinctive_weight = 10, generic_weight = 1, party_generic_weight = 4, party_place_weight = 2;
constexpr int country_mismatch = 100;  // subtracted when the party's country is none of the entry's addresses'

int weight_of(const std::string& t) { return generic_word(t) ? generic_weight : distinctive_weight; }
int party_weight_of(const std::string& t) {
  return place_word(t) ? party_place_weight : generic_word(t) ? party_generic_weight : distinctive_weight;
}

// Letters that look alike, in print or after OCR: 0/o, 1/l/i, 5/s, 8/b, 2/z.
bool look_alike(char x, char y) {
  static const char* const pairs[] = {"0o", "1l", "1i", "li", "5s", "8b", "2z"};
  for (const char* p : pairs)
    if ((x == p[0] && y == p[1]) || (x == p[1] && y == p[0])) return true;
  return false;
}

// How close two different words are: 900 for a typing or reading slip (two neighbouring letters swapped, a letter
// doubled, a look-alike letter: Huaweii, Sophg0, Huawel) or for one edit in a word of 8+ letters; 800 for another
// single edit in a shorter word (Huawei/Huawen are different companies as often as a typo); 0 for more than one
// edit. The shorter word must have 4+ letters, the longer 5+.
int edit_similarity(const std::string& a, const std::string& b) {
  size_t n = a.size(), m = b.size();
  if (n + 1 < m || m + 1 < n || std::min(n, m) < 4 || std::max(n, m) < 5 || a == b) return 0;
  size_t i = 0;
  while (i < n && i < m && a[i] == b[i]) ++i;
  int one_edit = std::max(n, m) >= 8 ? 900 : 800;
  if (n == m) {
    if (a.compare(i + 1, std::string::npos, b, i + 1, std::string::npos) == 0)
      return look_alike(a[i], b[i]) ? 900 : one_edit;                                                // changed
    if (i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
        a.compare(i + 2, std::string::npos, b, i + 2, std::string::npos) == 0) return 900;          // swapped
    return 0;
  }
  const std::string& longer = n > m ? a : b;
  const std::string& shorter = n > m ? b : a;
  if (longer.compare(i + 1, std::string::npos, shorter, i, std::string::npos) != 0) return 0;
  bool doubled = (i > 0 && longer[i] == longer[i - 1]) || (i + 1 < longer.size() && longer[i] == longer[i + 1]);
  return doubled ? 900 : one_edit;                                                                   // added
}

struct QTok {
  std::string text;                 // the token as matched (after joining/splitting)
  std::string party;                // what the party wrote (normalized)
  int32_t id = -1;                  // in the vocabulary, or -1
  std::vector<std::pair<uint32_t, int>> fuzzy;  // vocabulary words one edit away, with their similarity
  int weight = distinctive_weight;
  const char* how = "exact";
};

}  // namespace

const char* outcome_name(MatchOutcome o) {
  switch (o) {
    case MatchOutcome::none: return "no match";
    case MatchOutcome::possible: return "possible match";
    case MatchOutcome::resolved: return "resolved non-match";
    case MatchOutcome::certain: return "certain match";
  }
  return "?";
}

std::string Candidate::effect() const {
  if (entry->source_short == "EL") return "LICENSE_REQUIRED";
  return "PROHIBITED";  // DPL; and lists whose effect encoding.md §7 does not give: the strict reading
}

struct Screener::Index {
  const std::vector<ScreeningList>& lists;
  const Resolutions* resolutions;
  Normalizer norm;
  std::unordered_map<std::string, uint32_t> vocab;
  std::vector<std::string> words;
  std::vector<int> weights;
  struct Name {
    uint32_t list, entry;
    int alias;                      // -1: the entry's name; else the index in alt_names
    std::vector<uint32_t> toks;
    int total = 0;                  // sum of the tokens' weights
  };
  std::vector<Name> names;
  std::vector<std::vector<uint32_t>> postings;                  // word -> names holding it
  // The deletion index: for each word of 5+ letters and each letter of it, (hash of the word without that letter,
  // the word), sorted once built (one flat array: indexing a 15,000-entry list allocates no map node per deletion).
  // A hash is only where to look: each word found is checked to be the deletion's (so a collision finds nothing).
  std::vector<std::pair<uint64_t, uint32_t>> deletes;
  static uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }
  // Whether `d` is `w` without one letter.
  static bool is_deletion_of(std::string_view d, std::string_view w) {
    if (w.size() != d.size() + 1) return false;
    size_t i = 0;
    while (i < d.size() && d[i] == w[i]) ++i;
    return d.substr(i) == w.substr(i + 1);
  }
  // Calls f(id) for each word of the vocabulary that `d` is a deletion of (a word may come more than once).
  template <class F>
  void for_each_deleted(const std::string& d, F&& f) const {
    auto it = std::lower_bound(deletes.begin(), deletes.end(), std::pair<uint64_t, uint32_t>{hash_of(d), 0});
    for (; it != deletes.end() && it->first == hash_of(d); ++it)
      if (is_deletion_of(d, words[it->second])) f(it->second);
  }
  void finish() { std::sort(deletes.begin(), deletes.end()); }
  std::unordered_map<std::string, const Resolution*> resolved;  // normalized party \x1f entry key

  Index(const std::vector<ScreeningList>& l, const Resolutions* r) : lists(l), resolutions(r) {}

  uint32_t intern(const std::string& w) {
    auto [it, fresh] = vocab.emplace(w, static_cast<uint32_t>(words.size()));
    if (fresh) {
      words.push_back(w);
      weights.push_back(weight_of(w));
      postings.emplace_back();
      if (w.size() >= 5)
        for (size_t i = 0; i < w.size(); ++i) {
          std::string d = w.substr(0, i) + w.substr(i + 1);
          deletes.emplace_back(hash_of(d), it->second);
        }
    }
    return it->second;
  }

  void add_name(uint32_t li, uint32_t ei, int alias, const std::string& text) {
    NormalName n = norm.normalize(text);
    if (n.tokens.empty()) return;
    Name nm{li, ei, alias, {}, 0};
    for (const auto& t : n.tokens) {
      uint32_t id = intern(t);
      nm.toks.push_back(id);
      nm.total += weights[id];
      auto& p = postings[id];
      if (p.empty() || p.back() != names.size()) p.push_back(static_cast<uint32_t>(names.size()));
    }
    names.push_back(std::move(nm));
  }

  int32_t lookup(const std::string& w) const {
    auto it = vocab.find(w);
    return it == vocab.end() ? -1 : static_cast<int32_t>(it->second);
  }

  // The vocabulary words one edit away from the party's word (the deletion index finds them without a scan).
  void fuzzy_words(QTok& q) const {
    const std::string& w = q.text;
    if (w.size() < 4) return;
    std::unordered_set<uint32_t> seen;
    auto consider = [&](uint32_t id) {
      int s = static_cast<int32_t>(id) == q.id ? 0 : edit_similarity(w, words[id]);
      if (s > 0 && seen.insert(id).second) q.fuzzy.push_back({id, s});
    };
    for_each_deleted(w, consider);                       // the party left a letter out
    std::string d;
    for (size_t i = 0; i < w.size() && w.size() >= 5; ++i) {
      d.assign(w, 0, i).append(w, i + 1, std::string::npos);
      if (int32_t id = lookup(d); id >= 0) consider(static_cast<uint32_t>(id));  // the party added a letter
      for_each_deleted(d, consider);                     // a letter changed, or two swapped
    }
    std::sort(q.fuzzy.begin(), q.fuzzy.end());
  }

  // The party's tokens against the vocabulary: words run together are split, words split apart are joined.
  std::vector<QTok> query_tokens(const NormalName& n) const {
    std::vector<QTok> out;
    const auto& t = n.tokens;
    for (size_t i = 0; i < t.size(); ++i) {
      int32_t id = lookup(t[i]);
      if (i + 1 < t.size()) {
        int32_t joined = lookup(t[i] + t[i + 1]);
        if (joined >= 0 && (id < 0 || lookup(t[i + 1]) < 0)) {
          out.push_back({t[i] + t[i + 1], t[i] + " " + t[i + 1], joined, {}, party_weight_of(words[joined]), "joined"});
          ++i;
          continue;
        }
      }
      if (id < 0 && t[i].size() >= 4) {
        bool split = false;
        for (size_t k = 2; k + 2 <= t[i].size() && !split; ++k) {
          int32_t a = lookup(canonical_word(t[i].substr(0, k))), b = lookup(canonical_word(t[i].substr(k)));
          if (a >= 0 && b >= 0) {
            out.push_back({words[a], t[i], a, {}, party_weight_of(words[a]), "split"});
            out.push_back({words[b], t[i], b, {}, party_weight_of(words[b]), "split"});
            split = true;
          }
        }
        if (split) continue;
      }
      QTok q{t[i], t[i], id, {}, party_weight_of(t[i]), "exact"};
      fuzzy_words(q);
      if (id < 0 && q.fuzzy.empty() && t[i].size() > 5 && t[i].back() == 's') {  // a misspelt plural: technolgies
        std::string stem = t[i].compare(t[i].size() - 3, 3, "ies") == 0 ? t[i].substr(0, t[i].size() - 3) + "y"
                                                                        : t[i].substr(0, t[i].size() - 1);
        QTok st{stem, t[i], lookup(stem), {}, party_weight_of(stem), "exact"};
        fuzzy_words(st);
        if (st.id >= 0 || !st.fuzzy.empty()) q = std::move(st);
      }
      out.push_back(std::move(q));
    }
    return out;
  }

  // The names that could score at or above the possible threshold: those sharing a distinctive word (or one a
  // typo away) with the party, and, only if generic words alone could reach the threshold, those sharing one.
  // Bound: a name sharing only generic words covers at most generic/total of the party's weight and all of its
  // own, so it scores at most 0.6 x generic/total + 0.4.
  std::vector<uint32_t> candidate_names(const std::vector<QTok>& q) const {
    int64_t total = 0, generic = 0;
    for (const auto& t : q) total += t.weight, generic += t.weight == distinctive_weight ? 0 : t.weight;
    bool generic_can_reach = total > 0 && 6 * generic * 1000 + 4 * total * 1000 >= 10 * total * possible_match_score;
    std::vector<uint32_t> c;
    for (const auto& t : q) {
      if (t.weight != distinctive_weight && !generic_can_reach) continue;
      if (t.id >= 0) c.insert(c.end(), postings[t.id].begin(), postings[t.id].end());
      for (auto [f, sim] : t.fuzzy) c.insert(c.end(), postings[f].begin(), postings[f].end());
    }
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
    return c;
  }

  // The names-only score (per mille) of one listed name, with its evidence.
  int score_name(const std::vector<QTok>& q, const Name& nm, std::vector<TokenEvidence>* ev,
                 std::vector<std::string>* unmatched) const {
    std::vector<bool> used(nm.toks.size(), false);
    int64_t party_matched = 0, list_matched = 0, party_weight = 0;
    for (const auto& t : q) {
      party_weight += t.weight;
      int best = 0;
      size_t at = 0;
      for (size_t j = 0; j < nm.toks.size(); ++j) {
        if (used[j]) continue;
        int s = 0;
        if (static_cast<int32_t>(nm.toks[j]) == t.id) {
          s = 1000;
        } else {
          auto f = std::lower_bound(t.fuzzy.begin(), t.fuzzy.end(), std::pair<uint32_t, int>{nm.toks[j], 0});
          if (f != t.fuzzy.end() && f->first == nm.toks[j]) s = f->second;
        }
        if (s > best) best = s, at = j;
      }
      if (best == 0) {
        if (unmatched) unmatched->push_back(t.party);
        continue;
      }
      used[at] = true;
      int w = weights[nm.toks[at]];
      party_matched += static_cast<int64_t>(best) * t.weight;
      list_matched += static_cast<int64_t>(best) * w;
      if (ev) ev->push_back({t.party, words[nm.toks[at]], best == 1000 ? t.how : "typo", best, w});
    }
    if (party_weight == 0 || nm.total == 0) return 0;
    // 0.6 x the party's words covered + 0.4 x the listed name's words covered, per mille, rounded down once.
    int64_t num = 6 * party_matched * nm.total + 4 * list_matched * party_weight, den = 10 * party_weight * nm.total;
    return static_cast<int>(std::min<int64_t>(1000, num / den));
  }
};

Screener::Screener(const std::vector<ScreeningList>& lists, const Resolutions* resolutions)
    : norm_(std::make_unique<Normalizer>()) {
  auto ix = std::make_shared<Index>(lists, resolutions);
  for (uint32_t li = 0; li < lists.size(); ++li)
    for (uint32_t ei = 0; ei < lists[li].entries.size(); ++ei) {
      const ListEntry& e = lists[li].entries[ei];
      ix->add_name(li, ei, -1, e.name);
      for (size_t a = 0; a < e.alt_names.size(); ++a) ix->add_name(li, ei, static_cast<int>(a), e.alt_names[a]);
    }
  ix->finish();
  if (resolutions)
    for (const auto& r : resolutions->items)
      ix->resolved.emplace(ix->norm.normalize(r.party).key() + '\x1f' + r.entry, &r);
  ix_ = std::move(ix);
}

Screener::Screener(ShareIndex, const Screener& other) : ix_(other.ix_), norm_(std::make_unique<Normalizer>()) {}

Screener::~Screener() = default;

size_t Screener::names_indexed() const { return ix_->names.size(); }

namespace {

// The country evidence: the party's country among the entry's address countries, or not (then a deduction).
void country_evidence(Candidate& c, const std::string& country) {
  if (country.empty() || c.entry->countries.empty()) return;
  std::string all;
  for (const auto& cc : c.entry->countries) {
    if (cc == country) {
      c.country = country + " matches an address of the entry";
      return;
    }
    all += (all.empty() ? "" : ", ") + cc;
  }
  c.country = "party in " + country + "; the entry's addresses are in " + all;
  c.score = std::max(0, c.score - country_mismatch);
}

// The forms of a party's name screened: as written; without its parenthesized parts; each parenthesized part
// alone ("Semiconductor Manufacturing International Corporation (SMIC)" is also screened as "SMIC").
std::vector<std::string> name_forms(const std::string& party) {
  std::vector<std::string> forms{party};
  std::string outside, inside;
  std::vector<std::string> parts;
  int depth = 0;
  for (char ch : party) {
    if (ch == '(' || ch == '[') {
      if (depth++ == 0) inside.clear();
      outside += ' ';
    } else if ((ch == ')' || ch == ']') && depth > 0) {
      if (--depth == 0) parts.push_back(inside);
      outside += ' ';
    } else {
      (depth > 0 ? inside : outside) += ch;
    }
  }
  if (parts.empty()) return forms;
  forms.push_back(outside);
  for (auto& p : parts) forms.push_back(p);
  return forms;
}

}  // namespace

ScreenResult Screener::screen_uncached(const std::string& party, const std::string& country) const {
  const Index& ix = *ix_;
  ScreenResult r;
  r.party = party, r.country = country;
  r.normal = norm_->normalize(party);
  struct Best { int score; uint32_t name; size_t form; };
  std::vector<std::pair<uint64_t, Best>> best;  // (list << 32 | entry) -> its best name and form
  std::unordered_map<uint64_t, size_t> at;
  std::vector<std::string> forms = name_forms(party);
  std::vector<std::vector<QTok>> queries;
  for (size_t f = 0; f < forms.size(); ++f) {
    std::vector<QTok> q = ix.query_tokens(f == 0 ? r.normal : norm_->normalize(forms[f]));
    bool distinctive = std::any_of(q.begin(), q.end(), [](const QTok& t) { return t.weight == distinctive_weight; });
    queries.push_back(q);
    if (f > 1 && !distinctive) continue;  // a generic parenthesized part alone ("(Beijing)") says nothing
    for (uint32_t ni : ix.candidate_names(q)) {
      const auto& nm = ix.names[ni];
      int s = ix.score_name(q, nm, nullptr, nullptr);
      uint64_t key = (static_cast<uint64_t>(nm.list) << 32) | nm.entry;
      auto [it, fresh] = at.emplace(key, best.size());
      if (fresh) best.push_back({key, {s, ni, f}});
      else if (s > best[it->second].second.score) best[it->second].second = {s, ni, f};
    }
  }
  std::string party_key = r.normal.key();
  for (const auto& [key, b] : best) {
    // A country deduction never lifts a score, so names below the possible threshold can be skipped here.
    if (b.score < possible_match_score) continue;
    const auto& nm = ix.names[b.name];
    Candidate c;
    c.list = &ix.lists[nm.list];
    c.entry = &c.list->entries[nm.entry];
    c.alias = nm.alias >= 0;
    c.matched_name = c.alias ? c.entry->alt_names[nm.alias] : c.entry->name;
    c.party_form = forms[b.form];
    c.form = b.form;
    c.name_score = c.score = ix.score_name(queries[b.form], nm, &c.tokens, &c.unmatched);
    country_evidence(c, country);
    if (c.score < possible_match_score) continue;
    c.outcome = c.score >= certain_match_score ? MatchOutcome::certain : MatchOutcome::possible;
    if (c.outcome == MatchOutcome::possible) {
      auto it = ix.resolved.find(party_key + '\x1f' + c.entry->key());
      if (it != ix.resolved.end()) c.outcome = MatchOutcome::resolved, c.resolution = it->second;
    }
    r.candidates.push_back(std::move(c));
  }
  std::sort(r.candidates.begin(), r.candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.form != b.form) return a.form < b.form;  // the name as written before its parts
    if (a.list != b.list) return a.list < b.list;
    return a.entry < b.entry;
  });
  auto rank = [](MatchOutcome o) {
    return o == MatchOutcome::certain ? 3 : o == MatchOutcome::possible ? 2 : o == MatchOutcome::resolved ? 1 : 0;
  };
  for (const auto& c : r.candidates)
    if (rank(c.outcome) > rank(r.outcome)) r.outcome = c.outcome;
  return r;
}

const ScreenResult& Screener::screen(const std::string& party, const std::string& country) {
  key_.assign(party).append(1, '\x1f').append(country);
  auto it = cache_.find(key_);
  if (it != cache_.end()) {
    ++hits_;
    return it->second;
  }
  return cache_.emplace(key_, screen_uncached(party, country)).first->second;
}

Resolutions read_resolutions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read the resolution file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_resolutions(ss.str(), path);
}

Resolutions parse_resolutions(const std::string& bytes, const std::string& path) {
  Resolutions res;
  res.path = path;
  res.sha256 = sha256_hex(bytes);
  screen_csv::CsvReader r{bytes};
  std::vector<std::string> cells;
  int line = 0;
  if (!r.next(cells, line) || cells.size() < 5 || cells[0] != "party" || cells[1] != "entry" || cells[2] != "who" ||
      cells[3] != "when" || cells[4] != "why")
    throw std::runtime_error(path + ": a resolution file starts with the header party,entry,who,when,why");
  static const char* const fields[] = {"party", "entry", "who", "when", "why"};
  while (r.next(cells, line)) {
    if (!r.error.empty()) {
      res.problems.push_back({path, line, "", r.error});
      continue;
    }
    if (cells.size() == 1 && cells[0].empty()) continue;
    cells.resize(5);
    bool ok = true;
    for (int f = 0; f < 5 && ok; ++f)
      if (cells[f].empty()) res.problems.push_back({path, line, fields[f], "missing: a resolution says who, when and why"}), ok = false;
    if (ok && !parse_date(cells[3].substr(0, 10))) {
      res.problems.push_back({path, line, "when", "not a real date (" + std::string(date_form) + "): '" + cells[3] + "'"});
      ok = false;
    }
    if (ok) res.items.push_back({cells[0], cells[1], cells[2], cells[3], cells[4], line});
  }
  return res;
}

}  // namespace tollgate
