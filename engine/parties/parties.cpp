// tollgate — a record's parties screened inside its decision; the affiliates rule (see parties.hpp).
#include "engine/parties/parties.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "engine/base/country.hpp"
#include "engine/base/number.hpp"
#include "engine/base/text.hpp"

namespace tollgate {

using ojson = nlohmann::ordered_json;

const std::vector<AffiliatesWindow>& affiliates_rule_windows() {
  // encoding.md r2 §7: "effective 2025-09-29; suspended 2025-11-10 to 2026-11-09; back from 2026-11-10".
  static const std::vector<AffiliatesWindow> w = {
      {*parse_date("2025-09-29"), *parse_date("2025-11-09")},
      {*parse_date("2026-11-10"), day_max},
  };
  return w;
}

bool affiliates_rule_in_force(Day d) {
  for (const auto& w : affiliates_rule_windows())
    if (w.from <= d && d <= w.until) return true;
  return false;
}

Review review_from_policy(const std::string& policy, bool* stated) {
  std::string t;
  for (char c : policy) t += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c == '-' ? ' ' : c);
  Review r = Review::none;
  auto raise = [&](const char* words, Review v) {
    if (t.find(words) != std::string::npos && v > r) r = v;
  };
  raise("presumption of approval", Review::presumption_of_approval);
  raise("case by case", Review::case_by_case);
  raise("presumption of denial", Review::presumption_of_denial);
  raise("policy of denial", Review::policy_of_denial);
  if (stated) *stated = r != Review::none;
  return r == Review::none ? Review::presumption_of_denial : r;
}

namespace {

void throw_problems(const std::vector<ListProblem>& ps, const char* what) {
  if (ps.empty()) return;
  const ListProblem& p = ps.front();
  throw std::runtime_error(p.file + ":" + std::to_string(p.line) + ": " + what + " row not read (" + p.field +
                           ": " + p.reason + ")" +
                           (ps.size() > 1 ? " and " + std::to_string(ps.size() - 1) + " more" : "") +
                           "; a row not read could be the party, so tollgate does not screen with this file");
}

std::string base_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

}  // namespace

std::shared_ptr<const PartyLists> make_party_lists(std::vector<ScreeningList> lists,
                                                   std::unique_ptr<Resolutions> resolutions) {
  auto out = std::make_shared<PartyLists>();
  out->lists = std::move(lists);
  out->resolutions = std::move(resolutions);
  ojson l = ojson::array();
  for (const auto& s : out->lists)
    l.push_back({{"name", base_name(s.path)}, {"date", s.date.empty() ? ojson() : ojson(s.date)}, {"sha256", s.sha256},
                 {"entries", s.entries.size()}});
  ojson res;
  if (out->resolutions)
    res = {{"name", base_name(out->resolutions->path)}, {"sha256", out->resolutions->sha256},
           {"items", out->resolutions->items.size()}};
  out->lists_json = "\"lists\":" + l.dump() + ",\"resolutions\":" + res.dump();
  out->index = std::make_unique<Screener>(out->lists, out->resolutions.get());
  return out;
}

std::shared_ptr<const PartyLists> load_party_lists(const std::vector<std::string>& paths,
                                                   const std::string& resolutions_path) {
  std::vector<ScreeningList> lists;
  for (const auto& p : paths) {
    lists.push_back(read_screening_list(p));
    throw_problems(lists.back().problems, "list");
  }
  std::unique_ptr<Resolutions> res;
  if (!resolutions_path.empty()) {
    res = std::make_unique<Resolutions>(read_resolutions(resolutions_path));
    throw_problems(res->problems, "resolution");
  }
  return make_party_lists(std::move(lists), std::move(res));
}

namespace {

// A listing's force: the verdict and review a match on it gives (encoding.md r2 §7).
struct Listing {
  Verdict verdict = Verdict::allowed;
  Review review = Review::none;
  std::string entry, list, name, fr_notice, policy;  // what it rests on
  bool policy_stated = true;
  bool stricter_than(const Listing& o) const {
    return verdict != o.verdict ? verdict > o.verdict : review > o.review;
  }
};

Listing listing_of(const Candidate& c) {
  Listing l;
  l.entry = c.entry->key();
  l.list = c.entry->source_short;
  l.name = c.entry->name;
  l.fr_notice = c.entry->federal_register_notice;
  l.policy = c.entry->license_policy;
  if (c.effect() == "LICENSE_REQUIRED") {
    l.verdict = Verdict::license_required;
    l.review = review_from_policy(c.entry->license_policy, &l.policy_stated);
  } else {
    l.verdict = Verdict::prohibited;
  }
  return l;
}

ojson candidate_json(const Candidate& c) {
  ojson toks = ojson::array();
  for (const auto& t : c.tokens)
    toks.push_back({{"party", t.party}, {"list", t.list}, {"how", t.how}, {"similarity", t.similarity}});
  ojson j = {{"outcome", outcome_name(c.outcome)}, {"score", c.score}, {"list", c.entry->source_short},
             {"list_file", base_name(c.list->path)}, {"entry", c.entry->key()}, {"name", c.entry->name},
             {"matched", c.matched_name}, {"alias", c.alias}, {"tokens", toks}, {"unmatched", c.unmatched},
             {"country", c.country}, {"federal_register_notice", c.entry->federal_register_notice},
             {"start_date", c.entry->start_date}, {"license_policy", c.entry->license_policy},
             {"effect", c.effect()}};
  if (c.effect() == "LICENSE_REQUIRED") {
    bool stated = true;
    j["review"] = to_string(review_from_policy(c.entry->license_policy, &stated));
    if (!stated) j["review_note"] = "the entry states no review policy; tollgate takes the strict reading";
  } else if (c.entry->source_short != "DPL") {
    j["effect_note"] = "encoding.md r2 §7 gives no effect for the " + c.entry->source_short +
                       " list; tollgate takes the strict reading (PROHIBITED)";
  }
  if (c.resolution)
    j["resolution"] = {{"who", c.resolution->who}, {"when", c.resolution->when}, {"why", c.resolution->why}};
  return j;
}

// What one name's screening says: the strongest listing among its certain matches, and its possible ones.
struct NameVerdict {
  const ScreenResult* result = nullptr;
  std::optional<Listing> listing;   // the strictest certain match
  std::vector<const Candidate*> possible;
  bool unscreenable = false;  // no letter or digit in the name: nothing was compared (an error, never "no match")
};

NameVerdict judge_name(Screener& s, const std::string& name, const std::string& country) {
  NameVerdict v;
  v.result = &s.screen(name, country);
  v.unscreenable = v.result->normal.tokens.empty();
  for (const auto& c : v.result->candidates) {
    if (c.outcome == MatchOutcome::certain) {
      Listing l = listing_of(c);
      if (!v.listing || l.stricter_than(*v.listing)) v.listing = l;
    } else if (c.outcome == MatchOutcome::possible) {
      v.possible.push_back(&c);
    }
  }
  return v;
}

std::string possible_text(const std::string& role, const std::string& name, const Candidate& c) {
  // (The list's texts escaped as error messages are: the message is printed, and a list may hold any bytes.)
  return "possible match: " + role + " '" + printable(name) + "' resembles " + printable(c.entry->source_short) +
         " entry '" + printable(c.entry->name) + "' (" + printable(c.entry->key()) + ", score " +
         std::to_string(c.score) + " of 1000, matched " + (c.alias ? "alias" : "name") + " '" +
         printable(c.matched_name) + "'); resolve it (a --resolutions row: party,entry,who,when,why)";
}

// One owner of the end user, as end_user_owners gives it (the reader's canonical "name:percent[:CC[:of]]").
struct Owner {
  std::string name, country, of;
  int64_t percent = 0;   // millionths of a percent point
};

// A party whose name has no letters or digits (e.g. "!!!", only spaces or emoji) matches no entry because nothing of
// it is compared: that is not "no match" but a party not screened (fail closed).
std::string unscreenable_text(std::string_view role, std::string_view name) {
  return std::string(role) + " '" + printable(name) + "' cannot be screened: the name has no letters or digits to " +
         "compare with the lists; give the party's name as its documents write it";
}

std::vector<Owner> parse_owners(std::string_view text) {
  std::vector<Owner> out;
  for (size_t at = 0; at <= text.size();) {
    size_t end = std::min(text.find(';', at), text.size());
    std::string_view item = text.substr(at, end - at);
    std::vector<std::string> parts;
    for (size_t p = 0;;) {
      size_t c = item.find(':', p);
      parts.emplace_back(item.substr(p, c == std::string_view::npos ? std::string_view::npos : c - p));
      if (c == std::string_view::npos) break;
      p = c + 1;
    }
    Owner o;
    o.name = parts[0];
    o.percent = parts.size() > 1 ? parse_micro(parts[1]).value_or(0) : 0;
    if (parts.size() > 2) o.country = parts[2];
    if (parts.size() > 3) o.of = parts[3];
    out.push_back(std::move(o));
    at = end + 1;
  }
  return out;
}

}  // namespace

// A party's stored part in one role, and the country it was made with (the end user's HQ; the same name screened
// without candidates is judged once whatever the country, but its evidence names the country), with the text's
// bytes and serial (PartyOutcome::views, serials). A cache line each.
struct alignas(64) PartyScreen::PartText {
  std::string country;
  const HashedText* text = nullptr;  // owned by PartyScreen::texts_
  std::string_view view;
  uint64_t serial = 0;
};

// One party's screening, kept by name and country: its strictest certain listing, its first possible match, and
// its evidence as JSON members (the role, name and country are put before them per record).
//
// Laid out for the lookup (judge_exactly, judge), which a log makes once or twice a party and which was mostly
// cache misses: its first cache line holds all a probe compares (the name's size and first bytes, the country)
// and what judge() reads next; a party's part in a role is a line of its own.
struct alignas(64) PartyScreen::NameEval {
  static constexpr size_t head_size = 40;
  uint32_t name_size = 0;
  uint8_t country_size = 0;
  char country_head[3] = {};
  char name_head[head_size] = {};  // the name's first bytes
  bool any_candidate = false;
  bool listed = false, has_possible = false;  // listing and possible are set (read here, not on their lines)
  bool unscreenable = false;  // the name has no letters or digits: nothing to screen (an error, never "no match")
  // The same name judged with a country (judge()): the last one looked up, so that an end user whose HQ is the same
  // on every row is found by one probe, not two.
  mutable const NameEval* with_country = nullptr;
  // (the second line on)
  const Candidate* possible = nullptr;  // into the Screener's cache, which keeps its results
  std::optional<Listing> listing;
  std::string name, country;            // what it was judged for
  std::string tail;                     // `"normalized":…,"outcome":…,"matches":[…]}` (with evidence only)
  mutable std::array<PartText, 4> parts;  // the party's stored part in each role (party_text())

  NameEval(std::string_view n, const std::string& c) : name(n), country(c) {
    name_size = static_cast<uint32_t>(name.size());
    country_size = static_cast<uint8_t>(std::min<size_t>(country.size(), 255));
    std::memcpy(name_head, name.data(), std::min(name.size(), head_size));
    std::memcpy(country_head, country.data(), std::min<size_t>(country.size(), sizeof country_head));
  }
  // Whether it was judged for this name and country (the first line answers, but for long names or countries).
  bool is(std::string_view n, std::string_view c) const {
    if (n.size() != name_size || c.size() != country_size) return false;
    if (std::memcmp(country_head, c.data(), std::min(c.size(), sizeof country_head)) != 0) return false;
    if (std::memcmp(name_head, n.data(), std::min(n.size(), head_size)) != 0) return false;
    return (n.size() <= head_size || n.substr(head_size) == std::string_view(name).substr(head_size)) &&
           (c.size() <= sizeof country_head || c == country);
  }
};

// One record's screening under way.
struct PartyScreen::Result {
  explicit Result(PartyOutcome& o) : out(o) {}
  PartyOutcome& out;                    // PartyScreen::last_, reset
  const Listing* strictest = nullptr;   // into a NameEval or an OwnersEval (kept while the record is screened)
  const Listing* via_owners = nullptr;  // the listing the end user takes through its owners, if in force
  bool end_user_listed = false;
  const std::string* affiliates = nullptr;
  const std::string* notes = &empty_array;
  // What the tail depends on besides the effect (affiliates()): without owners, a number (2 * in force + Red Flag
  // note); with them, whether the rule is in force and the owners' text.
  int fixed_tail = -1;
  bool in_force = false;
  std::string_view owners;
  void raise(const Listing& l);
  void error(const std::string& code, const std::string& field, const std::string& message);
  static inline const std::string empty_array = "[]";
};

// The texts of the parts that outcomes show (PartyOutcome::parts), made since the caches were last emptied.
struct PartyScreen::Texts {
  std::vector<std::unique_ptr<const HashedText>> all;
  size_t bytes = 0;
};

PartyScreen::PartyScreen(std::shared_ptr<const PartyLists> lists, bool evidence, size_t cache_limit,
                         uint64_t hash_mask)
    : lists_(std::move(lists)), evidence_(evidence), cache_limit_(std::max<size_t>(cache_limit, 4)),
      hash_mask_(hash_mask),
      screener_(Screener::ShareIndex{}, *lists_->index) {
  texts_ = std::make_shared<Texts>();
  if (evidence_) head_ = keep_text(",\"screening\":{" + lists_->lists_json + ",\"parties\":[");
}

const HashedText* PartyScreen::keep_text(std::string text) {
  grown_ = true;
  texts_->bytes += text.size();
  texts_->all.push_back(std::make_unique<const HashedText>(std::move(text)));
  return texts_->all.back().get();
}

// Bounded memory, between records only (a NameEval points into the Screener's results, a Result into NameEvals and
// OwnersEvals): the caches that point to texts are emptied with them, and new texts go to a new Texts (the old one
// lives on while a decision not yet written shows its texts).
void PartyScreen::trim() {
  if (!grown_) return;  // nothing was added since the last look (most records): no cache can have reached its limit
  grown_ = false;
  if (owners_.size() >= cache_limit_ / 4) owners_.clear();
  if (screener_.cache_size() < cache_limit_ && names_.size() < cache_limit_ && tails_.size() < cache_limit_ / 4 &&
      texts_->all.size() < cache_limit_ && texts_->bytes < (64u << 20))
    return;
  names_.clear();
  name_slots_.clear();
  ++generation_;
  screener_.clear_cache();
  tails_.clear();
  fixed_tails_ = {};
  texts_ = std::make_shared<Texts>();
  if (evidence_) head_ = keep_text(",\"screening\":{" + lists_->lists_json + ",\"parties\":[");
}

std::array<std::string_view, 6> PartyOutcome::pieces() const {
  std::array<std::string_view, 6> out = views;
  for (size_t i = 1; i <= 4; ++i)
    if (!out[i].empty()) {
      out[i].remove_prefix(1);  // the first party without its leading comma
      break;
    }
  return out;
}

std::string PartyOutcome::json() const {
  std::string out;
  for (std::string_view piece : pieces()) out.append(piece);
  return out;
}

PartyScreen::~PartyScreen() = default;

namespace {

// The affiliates rule over the owners (FR Doc 2025-19001): an owner is listed if it matches an entry, or (an
// affiliate) if listed owners of its own hold 50 % or more of it; the end user is an affiliate if its listed
// direct owners hold 50 % or more, individually or in aggregate. The arithmetic goes into `j`.
struct Affiliates {
  Screener& s;
  const std::vector<Owner>& owners;
  bool evidence;                          // false: verdicts only, no JSON (an audit without a store)
  ojson owners_json = ojson::array();
  std::string error_code = {}, error_field = {}, error = {};
  std::vector<int> state = {};            // 0 unseen, 1 in progress, 2 done
  std::vector<std::optional<Listing>> listed = {};

  // Sums the listed owners of `of` ("" for the end user); returns the strictest listing if the sum reaches 50 %.
  std::optional<Listing> held(const std::string& of, ojson& sum_json) {
    int64_t total = 0, listed_total = 0;
    std::optional<Listing> strictest;
    std::string arithmetic;
    ojson parts = ojson::array();
    for (size_t i = 0; i < owners.size(); ++i) {
      if (owners[i].of != of) continue;
      total += owners[i].percent;
      std::optional<Listing> l = owner_listing(i);
      if (!l) continue;
      listed_total += owners[i].percent;
      if (evidence) {
        arithmetic += (arithmetic.empty() ? "" : " + ") + format_micro(owners[i].percent) + " % (" + owners[i].name + ")";
        parts.push_back(owners[i].name);
      }
      if (!strictest || l->stricter_than(*strictest)) strictest = l;
    }
    if (total > 100 * micro_per_unit && error.empty()) {
      error_code = "tollgate.screen.owners";
      error_field = "end_user_owners";
      error = "the owners of " + (of.empty() ? std::string("the end user") : "'" + of + "'") + " hold " +
              format_micro(total) + " % in all, more than 100 %";
    }
    const bool reaches = listed_total >= 50 * micro_per_unit;
    if (!evidence) return reaches ? strictest : std::nullopt;  // (sum_json is left empty)
    sum_json = {{"of", of.empty() ? ojson("end_user") : ojson(of)}, {"listed_owners", parts},
                {"arithmetic", (arithmetic.empty() ? "0 %" : arithmetic) + " = " + format_micro(listed_total) +
                                   " % " + (reaches ? ">=" : "<") + " 50 %"},
                {"affiliate", reaches}};
    if (reaches && strictest) sum_json["takes"] = strictest->entry;
    if (reaches && strictest && strictest->list != "EL" && strictest->list != "MEU")  // (say where the law is unclear)
      sum_json["takes_note"] = "FR Doc 2025-19001 extends the Entity List and Military End-User List listings to "
                               "affiliates; encoding.md r2 §7 says the listings of listed parties, and tollgate takes "
                               "that strict reading for the " + strictest->list + " listing too";
    return reaches ? strictest : std::nullopt;
  }

  std::optional<Listing> owner_listing(size_t i) {
    if (state[i] == 2) return listed[i];
    if (state[i] == 1) {  // a cycle of ownership: not listed through itself
      return std::nullopt;
    }
    state[i] = 1;
    const Owner& o = owners[i];
    NameVerdict v = judge_name(s, o.name, o.country);
    if (v.unscreenable && error.empty()) {  // fail closed: a name that cannot be screened
      error_code = "tollgate.screen.name";
      error_field = "end_user_owners";
      error = unscreenable_text("owner", o.name);
    } else if (!v.possible.empty() && !v.listing && error.empty()) {
      error_code = "tollgate.screen.possible-match";
      error_field = "end_user_owners";
      error = possible_text("owner", o.name, *v.possible.front());
    }
    if (!evidence) {
      std::optional<Listing> l = v.listing;
      ojson sum;
      std::optional<Listing> via = held(o.name, sum);
      if (via && (!l || via->stricter_than(*l))) l = via;
      listed[i] = l;
      state[i] = 2;
      return l;
    }
    ojson j = {{"name", o.name}, {"percent", format_micro(o.percent)}, {"country", o.country},
               {"of", o.of.empty() ? ojson("end_user") : ojson(o.of)}, {"outcome", outcome_name(v.result->outcome)}};
    ojson matches = ojson::array();
    for (const auto& c : v.result->candidates) matches.push_back(candidate_json(c));
    j["matches"] = matches;
    std::optional<Listing> l = v.listing;
    ojson sum;
    std::optional<Listing> via = held(o.name, sum);
    if (!sum["listed_owners"].empty() || via) j["owned"] = sum;
    if (via && (!l || via->stricter_than(*l))) l = via;
    owners_json.push_back(j);
    listed[i] = l;
    state[i] = 2;
    return l;
  }
};

}  // namespace

const PartyScreen::NameEval& PartyScreen::judge(std::string_view name, const std::string& country,
                                                const NameEval* hint) {
  // The country evidence only ever lowers a score (docs/screening.md §3): a name with no candidate without a
  // country has none with any, so most parties are screened once by name, whatever their country.
  if (hint && hint->is(name, "")) ++hits_;
  else hint = nullptr;
  const NameEval& base = hint ? *hint : judge_exactly(name, "");
  if (country.empty() || !base.any_candidate) return base;
  if (base.with_country && base.with_country->country == country) return *base.with_country;
  const NameEval& e = judge_exactly(name, country);
  base.with_country = &e;
  return e;
}

namespace {
uint64_t name_hash(std::string_view name, std::string_view country) {
  uint64_t h = std::hash<std::string_view>{}(name);
  if (!country.empty()) h ^= (std::hash<std::string_view>{}(country) | 1) * 0x9E3779B97F4A7C15ull;
  return h;
}
}  // namespace

// names_ is an open-addressing table (linear probing, at most half full) of the NameEvals: a log's parties are
// looked up once or twice a row, and a node-based map's pointer chasing was most of a lookup's time.
const PartyScreen::NameEval& PartyScreen::judge_exactly(std::string_view name, const std::string& country) {
  const uint64_t h = name_hash(name, country) & hash_mask_;
  size_t mask = name_slots_.size() - 1, i = name_slots_.empty() ? 0 : (h ^ (h >> 32)) & mask;
  for (; !name_slots_.empty() && name_slots_[i].second; i = (i + 1) & mask) {
    if (name_slots_[i].first != h) continue;
    const NameEval& e = *name_slots_[i].second;
    if (e.is(name, country)) {
      ++hits_;
      return e;
    }
  }
  // Judged in full before it is kept (a throw keeps nothing half-made).
  auto owned = std::make_unique<NameEval>(name, country);
  NameEval& e = *owned;
  grown_ = true;  // (the Screener's cache, then names_)
  NameVerdict v = judge_name(screener_, e.name, country);
  e.listing = v.listing;
  e.possible = v.possible.empty() ? nullptr : v.possible.front();
  e.any_candidate = !v.result->candidates.empty();
  e.listed = e.listing.has_value();
  e.has_possible = e.possible != nullptr;
  e.unscreenable = v.unscreenable;
  if (evidence_) {
    ojson matches = ojson::array();
    for (const auto& c : v.result->candidates) matches.push_back(candidate_json(c));
    ojson tail = {{"normalized", v.result->normal.key()}, {"outcome", outcome_name(v.result->outcome)},
                  {"matches", matches}};
    e.tail = tail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(1);  // without its "{"
  }
  if ((names_.size() + 1) * 2 > name_slots_.size()) {  // grow (and place every NameEval again)
    std::vector<std::pair<uint64_t, NameEval*>> slots(std::max<size_t>(1024, name_slots_.size() * 2));
    mask = slots.size() - 1;
    for (const auto& [kept_hash, kept] : name_slots_) {
      if (!kept) continue;
      size_t k = (kept_hash ^ (kept_hash >> 32)) & mask;
      while (slots[k].second) k = (k + 1) & mask;
      slots[k] = {kept_hash, kept};
    }
    name_slots_ = std::move(slots);
    for (i = (h ^ (h >> 32)) & mask; name_slots_[i].second;) i = (i + 1) & mask;
  }
  names_.reserve(names_.size() + 1);  // (so that the push cannot throw after the slot is taken)
  name_slots_[i] = {h, &e};
  names_.push_back(std::move(owned));
  return e;
}

namespace {
constexpr const char* red_flag_29 =
    R"x({"rule":"affiliates_ownership_unknown","citation":"15 CFR 744 Supp. 3, Red Flag 29 (FR Doc 2025-19001)",)x"
    R"x("text":"The end user's ownership is not given (end_user_owners): the affiliates rule cannot be checked. )x"
    R"x(Red Flag 29: find out whether listed parties own 50 % or more of it."})x";
constexpr const char* affiliates_citation =
    "FR Doc 2025-19001 (15 CFR 744.11; effective 2025-09-29, suspended 2025-11-10 to 2026-11-09)";
}  // namespace

// The affiliates member and its effect, from end_user_owners (a record with owners: a twentieth of a log at most).
// The affiliates rule over one end user's owners on days it is (or is not) in force: what affiliates() needs, cached
// by the owners' text (a log names an end user with the same owners on each of its rows).
struct PartyScreen::OwnersEval {
  std::optional<Listing> via;            // the listing the end user takes through its owners (>= 50 %)
  std::string error_code, error_field, error;  // owners that do not add up, an owner's possible match, or an
                                               // owner's name that cannot be screened
  std::string json;                      // the affiliates member (with evidence only)
};

const PartyScreen::OwnersEval& PartyScreen::owners_eval(std::string_view text, bool in_force) {
  key_.assign(1, in_force ? '1' : '0').append(text);
  auto it = owners_.find(key_);
  if (it != owners_.end()) return it->second;
  OwnersEval& ev = owners_[key_];
  grown_ = true;
  std::vector<Owner> owners = parse_owners(text);
  for (const auto& o : owners)
    if (!o.of.empty() && std::none_of(owners.begin(), owners.end(), [&](const Owner& x) { return x.name == o.of; })) {
      ev.error_code = "tollgate.screen.owners";
      ev.error_field = "end_user_owners";
      ev.error = "owner '" + o.name + "' is given as an owner of '" + o.of + "', which is not among the end user's owners";
      break;
    }
  Affiliates aff{screener_, owners, evidence_};
  aff.state.assign(owners.size(), 0);
  aff.listed.assign(owners.size(), std::nullopt);
  ojson sum;
  ev.via = aff.held("", sum);
  for (size_t i = 0; i < owners.size(); ++i) aff.owner_listing(i);  // owners of no one reached: still screened
  if (ev.error.empty() && !aff.error.empty())
    ev.error_code = aff.error_code, ev.error_field = aff.error_field, ev.error = aff.error;
  if (evidence_) {
    ojson a = {{"in_force", in_force}, {"citation", affiliates_citation}};
    a["owners"] = aff.owners_json;
    a["end_user"] = sum;
    a["applies"] = ev.via.has_value() && in_force;
    ev.json = a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return ev;
}

// The affiliates member and its effect, from end_user_owners (a record with owners: a twentieth of a log at most).
// Sets r's affiliates and notes texts and the part of the tail's cache key they decide.
void PartyScreen::affiliates(const Facts& f, Day d, Result& r) {
  const bool in_force = affiliates_rule_in_force(d);
  static const std::string no_owners[2] = {ojson{{"in_force", false}, {"citation", affiliates_citation}}.dump(),
                                           ojson{{"in_force", true}, {"citation", affiliates_citation}}.dump()};
  static const std::string red_flag_note = std::string("[") + red_flag_29 + "]";
  if (!f.has_text(t_end_user_owners)) {  // most records: two fixed texts
    r.affiliates = &no_owners[in_force ? 1 : 0];
    const bool red_flag = in_force && f.has_text(t_end_user) && !r.end_user_listed;
    if (red_flag) r.notes = &red_flag_note;
    r.fixed_tail = (in_force ? 2 : 0) + (red_flag ? 1 : 0);
    return;
  }
  const OwnersEval& ev = owners_eval(f.text(t_end_user_owners), in_force);
  if (!ev.error.empty()) r.error(ev.error_code, ev.error_field, ev.error);
  if (ev.via && in_force) {
    r.via_owners = &*ev.via;
    r.raise(*ev.via);
  }
  r.affiliates = &ev.json;
  r.in_force = in_force;
  r.owners = f.text(t_end_user_owners);
}

void PartyScreen::ahead_slots(const Facts& f, RecordKind kind, Ahead& a) const {
  a.roles = 0;
  if (kind != RecordKind::shipment || name_slots_.empty()) return;
  const int slots[4] = {t_end_user, t_consignee, t_intermediate_consignee, t_purchaser};
  const size_t mask = name_slots_.size() - 1;
  for (size_t i = 0; i < 4; ++i) {
    if (!f.has_text(slots[i])) continue;
    const uint64_t h = name_hash(f.text(slots[i]), "") & hash_mask_;
    a.hash[i] = h;
    a.roles |= static_cast<uint8_t>(1u << i);
    __builtin_prefetch(&name_slots_[(h ^ (h >> 32)) & mask]);
  }
}

void PartyScreen::ahead_evals(Ahead& a) const {
  a.generation = generation_;
  a.eval = {};
  if (!a.roles || name_slots_.empty()) return;
  const size_t mask = name_slots_.size() - 1;
  for (size_t i = 0; i < 4; ++i) {
    if (!(a.roles >> i & 1u)) continue;
    const uint64_t h = a.hash[i];
    for (size_t k = (h ^ (h >> 32)) & mask; name_slots_[k].second; k = (k + 1) & mask)
      if (name_slots_[k].first == h) {
        const NameEval* e = name_slots_[k].second;
        a.eval[i] = e;
        __builtin_prefetch(e);
        __builtin_prefetch(&e->parts[i]);
        break;
      }
  }
}

void PartyScreen::ahead_texts(const Ahead& a) const {
  if (a.generation != generation_) return;  // the caches were emptied since ahead_evals(): its evaluations are gone
  for (size_t i = 0; i < 4; ++i) {
    if (!(a.roles >> i & 1u) || !a.eval[i]) continue;
    const NameEval* e = a.eval[i];
    std::string_view v = e->parts[i].view;
    for (size_t at = 0; at < v.size(); at += 64) __builtin_prefetch(v.data() + at);
  }
}

void PartyScreen::Result::raise(const Listing& l) {
  if (!strictest || l.stricter_than(*strictest)) strictest = &l;
}
void PartyScreen::Result::error(const std::string& code, const std::string& field, const std::string& message) {
  if (out.error) return;
  out.error = true;
  out.error_code = code;
  out.error_field = field;
  out.error_message = message;
}

const PartyOutcome& PartyScreen::screen(const Facts& f, RecordKind kind, Day d, const Ahead* ahead) {
  if (kind != RecordKind::shipment) return none_;
  trim();
  static constexpr const char* roles[4] = {"end_user", "consignee", "intermediate_consignee", "purchaser"};
  const int slots[4] = {t_end_user, t_consignee, t_intermediate_consignee, t_purchaser};
  last_.verdict = Verdict::allowed;
  last_.review = Review::none;
  last_.error = false;
  last_.error_code.clear();
  last_.error_field.clear();
  last_.error_message.clear();
  last_.parts = {};
  last_.views = {};
  last_.serials = {};
  Result r(last_);
  for (size_t i = 0; i < 4; ++i) {
    if (!f.has_text(slots[i])) continue;
    std::string_view name = f.text(slots[i]);
    // The end user's HQ is the country evidence for the end user; the other parties' countries are not given.
    const std::string country = slots[i] == t_end_user && f.has(s_end_user_hq)
                                    ? country_code(static_cast<int>(f.num[s_end_user_hq])) : std::string();
    const NameEval* hint =
        ahead && (ahead->roles >> i & 1u) && ahead->generation == generation_ ? ahead->eval[i] : nullptr;
    const NameEval& e = judge(name, country, hint);
    if (e.listed) r.raise(*e.listing);
    else if (e.unscreenable) r.error("tollgate.screen.name", roles[i], unscreenable_text(roles[i], name));
    else if (e.has_possible)
      r.error("tollgate.screen.possible-match", roles[i], possible_text(roles[i], std::string(name), *e.possible));
    if (slots[i] == t_end_user) r.end_user_listed = e.listed;
    if (evidence_) {
      const PartText& part = party_text(i, roles[i], name, country, e);
      r.out.parts[i + 1] = part.text;
      r.out.views[i + 1] = part.view;
      r.out.serials[i + 1] = part.serial;
    }
  }
  affiliates(f, d, r);
  PartyOutcome& out = r.out;
  out.listed_entry = out.listed_list = out.listed_name = {};
  out.listed_via_owners = false;
  if (r.strictest) {
    out.verdict = r.strictest->verdict;
    out.review = r.strictest->verdict == Verdict::license_required ? r.strictest->review : Review::none;
    out.listed_entry = r.strictest->entry;
    out.listed_list = r.strictest->list;
    out.listed_name = r.strictest->name;
    out.listed_via_owners = r.strictest == r.via_owners;
  }
  if (evidence_) {
    const HashedText* tail = tail_text(r);  // (the head and the tails are few, and read every record: no cache miss)
    out.parts[0] = head_;
    out.parts[5] = tail;
    out.views[0] = head_->text;
    out.views[5] = tail->text;
    out.serials[0] = head_->serial;
    out.serials[5] = tail->serial;
    if (out.keep != texts_) out.keep = texts_;  // (a reference count touched only when the texts are renewed)
  }
  return last_;
}

// `],"affiliates":…,"notes":…,"effect":…}`, from the cache: by what affiliates() set and the strictest listing.
const HashedText* PartyScreen::tail_text(const Result& r) {
  // Most records: no owners and no listing, one of four tails (no lookup by text).
  const bool fixed = !r.strictest && r.fixed_tail >= 0;
  if (!fixed) {
    if (r.fixed_tail >= 0) key_.assign(1, 'n').append(1, static_cast<char>('0' + r.fixed_tail));
    else key_.assign(r.in_force ? "o1" : "o0").append(r.owners);
    key_.append(1, '\x1e');
    if (r.strictest)
      key_.append(r.strictest->entry).append(1, '\x1f').append(r.strictest->list).append(1, '\x1f')
          .append(to_string(r.strictest->verdict)).append(1, '\x1f').append(to_string(r.strictest->review));
  }
  const HashedText*& tail = fixed ? fixed_tails_[static_cast<size_t>(r.fixed_tail)] : tails_[key_];
  if (tail) return tail;
  grown_ = true;
  tail_.assign("],\"affiliates\":").append(*r.affiliates).append(",\"notes\":").append(*r.notes).append(",\"effect\":");
  if (r.strictest) {
    const Verdict v = r.strictest->verdict;
    const Review rv = v == Verdict::license_required ? r.strictest->review : Review::none;
    ojson e = {{"verdict", to_string(v)}, {"review", rv == Review::none ? ojson() : ojson(to_string(rv))},
               {"entry", r.strictest->entry}, {"list", r.strictest->list},
               {"federal_register_notice", r.strictest->fr_notice}};
    tail_.append(e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    tail_.append("null");
  }
  tail_ += '}';
  tail = keep_text(tail_);
  return tail;
}

// `,{"role":…,"name":…,"country":…,"normalized":…,"outcome":…,"matches":[…]}` for a party, kept with its NameEval.
const PartyScreen::PartText& PartyScreen::party_text(size_t role_index, const char* role, std::string_view name,
                                                     const std::string& country, const NameEval& e) {
  PartText& part = e.parts[role_index];
  if (part.text && part.country == country) return part;
  std::string text = ",{\"role\":\"";
  text.append(role).append("\",\"name\":");
  append_json_string(text, name);
  text.append(",\"country\":\"").append(country).append("\",").append(e.tail);
  part.country = country;
  part.text = keep_text(std::move(text));
  part.view = part.text->text;
  part.serial = part.text->serial;
  return part;
}

const PartyOutcome& PartyScreen::apply(const Facts& f, RecordKind kind, Day d, Decision& dec, const Ahead* ahead) {
  const PartyOutcome& o = screen(f, kind, d, ahead);
  if (dec.failed) return o;
  if (o.error) {
    dec.fail({o.error_code, o.error_field, o.error_message});
    return o;
  }
  if (o.verdict > dec.verdict) {
    dec.verdict = o.verdict;
    dec.review = o.review;
    dec.exception = LicenseException::none;  // a licence exception does not cover a listed party (15 CFR 744.11)
  }
  if (dec.verdict == Verdict::license_required && o.verdict == Verdict::license_required && o.review > dec.review)
    dec.review = o.review;
  return o;
}

std::string with_screening(std::string json, const std::string& member) {
  if (member.empty()) return json;
  size_t at = json.rfind(",\"rulesets\":");
  if (at == std::string::npos) return json;
  json.insert(at, member);
  return json;
}

}  // namespace tollgate
