// tollgate — screening a party's name against screening lists: candidates, scores, evidence, resolutions
// (docs/screening.md §3-§5). Scores are integers per mille; no floating point decides.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/screen/list.hpp"
#include "engine/screen/normalize.hpp"

namespace tollgate {

// The two thresholds (per mille), docs/screening.md §4.
inline constexpr int certain_match_score = 900;   // at or above: the entry applies to the party
inline constexpr int possible_match_score = 750;  // at or above (and below certain): an error until resolved

enum class MatchOutcome { none, possible, resolved, certain };
const char* outcome_name(MatchOutcome o);  // "no match", "possible match", "resolved non-match", "certain match"

// An accepted non-match ("positive list"): this party is not that entry, said by someone, when, and why.
struct Resolution {
  std::string party;      // the party name as written (matched on its normalized form)
  std::string entry;      // ListEntry::key() of the entry
  std::string who, when, why;
  int line = 0;
};

// A resolution file: CSV with header party,entry,who,when,why (all required). Its SHA-256 is kept.
struct Resolutions {
  std::string path, sha256;
  std::vector<Resolution> items;
  std::vector<ListProblem> problems;   // rows that could not be read (missing field, bad date)
};
Resolutions read_resolutions(const std::string& path);   // throws std::runtime_error if unreadable / no header
// The same from bytes already in memory (`path` names them in problems); throws if there is no header.
Resolutions parse_resolutions(const std::string& bytes, const std::string& path);

// Why a token counted: the party's token, the list's token, how (exact, typo, split, joined) and its similarity.
struct TokenEvidence {
  std::string party, list;
  const char* how = "exact";
  int similarity = 1000;   // per mille
  int weight = 0;          // the list token's weight (10 distinctive, 2 generic)
};

// One entry that resembles the party, with the name or alias that came closest.
struct Candidate {
  const ScreeningList* list = nullptr;
  const ListEntry* entry = nullptr;
  std::string matched_name;            // the entry's name, or the alias that scored best
  bool alias = false;
  std::string party_form;              // the form of the party's name that scored (as written, or a part of it)
  size_t form = 0;                     // 0: as written; 1: without its parenthesized parts; 2...: a part alone
  int score = 0;                       // per mille, after the country evidence
  int name_score = 0;                  // per mille, from the names alone
  std::vector<TokenEvidence> tokens;
  std::vector<std::string> unmatched;  // the party's tokens that matched nothing
  std::string country;                 // "CN matches an address", "DE: entry's addresses are in CN", or ""
  MatchOutcome outcome = MatchOutcome::none;
  const Resolution* resolution = nullptr;  // set when a resolution settles this possible match
  // What a match on this entry does (encoding.md §7): "LICENSE_REQUIRED" (Entity List; with license_policy),
  // "PROHIBITED" (Denied Persons; and, by the strict reading, a list whose effect is not encoded).
  std::string effect() const;
};

// The answer for one party: every candidate scoring at or above the possible threshold, best first.
struct ScreenResult {
  std::string party, country;
  NormalName normal;
  std::vector<Candidate> candidates;
  MatchOutcome outcome = MatchOutcome::none;   // the strongest unresolved candidate's
};

// Screens parties against lists. Build once (indexes every name and alias), then screen many parties; results
// are cached by name as written and country. The lists and resolutions must outlive the Screener. Not
// thread-safe (ICU state and the cache): one Screener per thread.
class Screener {
 public:
  explicit Screener(const std::vector<ScreeningList>& lists, const Resolutions* resolutions = nullptr);
  // A Screener for another thread that shares `other`'s index (read-only once built; kept alive by both) but has
  // its own normalizer and cache: a large list is indexed once, not once per thread. The lists and resolutions
  // must outlive both.
  struct ShareIndex {};
  Screener(ShareIndex, const Screener& other);
  ~Screener();
  // `country`: ISO alpha-2 of the party's address, or "" if not known (then no country evidence). Cached by the
  // name as written and the country (not by the normalized name: the forms screened, e.g. a parenthesized part
  // alone, depend on the name as written). The reference stays valid until clear_cache().
  const ScreenResult& screen(const std::string& party, const std::string& country = "");
  size_t cache_size() const { return cache_.size(); }
  void clear_cache() { cache_.clear(); }   // invalidates every reference screen() returned
  ScreenResult screen_uncached(const std::string& party, const std::string& country = "") const;
  size_t names_indexed() const;
  uint64_t cache_hits() const { return hits_; }

 private:
  struct Index;
  std::shared_ptr<const Index> ix_;
  std::unique_ptr<Normalizer> norm_;
  std::unordered_map<std::string, ScreenResult> cache_;   // by name as written \x1f country
  std::string key_;
  uint64_t hits_ = 0;
};

}  // namespace tollgate
