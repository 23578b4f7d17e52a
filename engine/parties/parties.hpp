// tollgate — the parties of a record screened inside its decision (issue 16; encoding.md r2 §7; docs/screening.md
// §7): end_user, consignee, intermediate_consignee and purchaser against the screening lists, the affiliates rule
// over end_user_owners, and what a match does to the decision. A stage after eval that uses screen: it changes a
// Decision and writes the decision's "screening" member; the render, trace and audit stages carry that text as is.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/eval/evaluate.hpp"
#include "engine/lang/program.hpp"
#include "engine/screen/match.hpp"

namespace tollgate {

// The affiliates rule (FR Doc 2025-19001, 90 FR 47201, "Expansion of End-User Controls to Cover Affiliates of
// Certain Listed Entities"): the days it is in force, [from, until] each (encoding.md r2 §7; regulations.md §14 U9):
// effective 2025-09-29, suspended 2025-11-10 through 2026-11-09, back from 2026-11-10 (no extension found).
struct AffiliatesWindow {
  Day from = day_min, until = day_max;
};
// The windows above, read from their dated text (so the dates appear once, as the sources give them).
const std::vector<AffiliatesWindow>& affiliates_rule_windows();
bool affiliates_rule_in_force(Day d);

// The lists and resolutions of a run, read once and shared (read-only) by every thread. `lists_json` is the
// decision's "lists" member: each list's file name (not its folder), date and SHA-256, and the resolution file's.
struct PartyLists {
  std::vector<ScreeningList> lists;
  std::unique_ptr<Resolutions> resolutions;   // null without --resolutions
  std::string lists_json;                     // "lists":[…],"resolutions":{…}|null
  std::unique_ptr<Screener> index;            // built once; each PartyScreen shares its index (Screener::ShareIndex)
};
// Reads the lists (and the resolution file, if `resolutions_path` is not empty). Throws std::runtime_error if a
// file cannot be read, or if any row of a list or of the resolution file could not be read: a row not read could
// be the party, so "no match" would not be known (fail closed; the message names file, line, field and reason).
std::shared_ptr<const PartyLists> load_party_lists(const std::vector<std::string>& paths,
                                                   const std::string& resolutions_path);
// The same from lists already read (tests, the server).
std::shared_ptr<const PartyLists> make_party_lists(std::vector<ScreeningList> lists,
                                                   std::unique_ptr<Resolutions> resolutions);

// What screening did to one record: a verdict and review to raise the decision to, or an error; and the
// decision's `,"screening":{…}` member (JSON text, deterministic: same lists, record and day, same bytes).
struct PartyOutcome {
  Verdict verdict = Verdict::allowed;     // at least this (ALLOWED: screening adds nothing)
  Review review = Review::none;           // at least this review, when verdict is LICENSE_REQUIRED
  bool error = false;  // a possible match not resolved, owners that do not add up, a name that cannot be screened
  // tollgate.screen.possible-match, tollgate.screen.owners or tollgate.screen.name; e.g. "end_user";
  // "possible match: …; resolve it (--resolutions)"
  std::string error_code, error_field, error_message;
  // The decision's `,"screening":{…}` member (to follow the notes in its JSON), in the parts the trace store keeps
  // it as (docs/trace.md): parts[0] (the head, up to `"parties":[`), then parts[1..4] (end_user, consignee,
  // intermediate_consignee, purchaser: each `,{…}`, or null when the party is not given), then parts[5] (the tail,
  // `],…}`). A log repeats them: each is made and hashed once, owned by `keep` (which the parts stay valid as long
  // as). All null without evidence, and for records that are not shipments.
  std::array<const HashedText*, 6> parts{};
  std::shared_ptr<const void> keep;
  // Each part's text and HashedText::serial, copied where the part was found (a HashedText is a heap object of its
  // own: reading these instead of it spares the renderer and the store's writer a cache miss a part).
  std::array<std::string_view, 6> views{};
  std::array<uint64_t, 6> serials{};
  // The listing that sets `verdict` (the strictest certain match, the party's own or through its owners): its
  // entry key, list (the CSL's short source name, "EL") and name; empty when no party is listed. Valid until the
  // next screen(), as the outcome is.
  std::string_view listed_entry, listed_list, listed_name;
  bool listed_via_owners = false;  // that listing is the end user's through its owners (the affiliates rule)
  // The member's pieces in order (the first party's leading comma dropped; empty where a part is null).
  std::array<std::string_view, 6> pieces() const;
  std::string json() const;  // the pieces joined ("" without evidence)
};

// Screens one record's parties. One per thread (a Screener's cache and ICU state are not shared); results are
// cached by the parties' texts, the end user's HQ and whether the affiliates rule is in force, so logs that
// repeat parties cost a lookup.
class PartyScreen {
  struct NameEval;  // (private: one party's screening, cached)

 public:
  // `evidence` false: verdicts only, no JSON (an audit without a store renders nothing).
  // `cache_limit`: the caches are emptied between records when one of them holds that many results (names, the
  // Screener's results, texts; a quarter of it for tails and owners): bounded memory. Small only in tests.
  // `hash_mask`: the names' hashes are masked with it (tests only: 0 makes every name hash alike, so that each
  // lookup compares names over the whole probe chain).
  explicit PartyScreen(std::shared_ptr<const PartyLists> lists, bool evidence = true, size_t cache_limit = 262144,
                       uint64_t hash_mask = ~uint64_t{0});
  ~PartyScreen();
  // A record's parties looked up ahead (an audit reads the next row before it judges the current one): three steps,
  // each fetching the cache lines the next step will read, with other work between them, so that screen() finds
  // them in the cache. A hint only: screen() gives the same outcome with or without it (it checks every name).
  struct Ahead {
    uint8_t roles = 0;                      // bit per role (PartyOutcome::parts[1..4]) whose name is given
    uint64_t generation = 0;                // the caches' generation the evaluations were found in (trim())
    std::array<uint64_t, 4> hash{};         // each name's hash (judge_exactly's, without a country)
    std::array<const NameEval*, 4> eval{};  // its cached evaluation, or null (not judged yet)
  };
  void ahead_slots(const Facts& f, RecordKind kind, Ahead& a) const;  // 1: the names' table slots
  void ahead_evals(Ahead& a) const;                                   // 2: their evaluations (NameEval)
  void ahead_texts(const Ahead& a) const;                             // 3: their stored parts' bytes
  // The outcome for a shipment's parties on day `d` (other record kinds: nothing screened, an empty json). The
  // reference is valid until the next call.
  // `ahead`: this record's parties looked up ahead (or null).
  const PartyOutcome& screen(const Facts& f, RecordKind kind, Day d, const Ahead* ahead = nullptr);
  // Screens and applies: raises `dec`'s verdict and review (a licence exception no longer applies once a licence
  // is required), or fails it with tollgate.screen.possible-match (an unresolved possible match),
  // tollgate.screen.owners (owners that do not add up) or tollgate.screen.name (a party's name with no letters or
  // digits: it cannot be screened, which is never "no match"). A decision that failed already is left as it is.
  // Returns the outcome (its json is what the decision's JSON carries).
  const PartyOutcome& apply(const Facts& f, RecordKind kind, Day d, Decision& dec, const Ahead* ahead = nullptr);
  uint64_t cache_hits() const { return hits_; }

 private:
  struct PartText;
  struct OwnersEval;
  struct Result;
  const NameEval& judge(std::string_view name, const std::string& country, const NameEval* hint = nullptr);
  const NameEval& judge_exactly(std::string_view name, const std::string& country);
  const PartText& party_text(size_t role_index, const char* role, std::string_view name, const std::string& country,
                             const NameEval& e);
  const HashedText* tail_text(const Result& r);
  const HashedText* keep_text(std::string text);
  void trim();
  void affiliates(const Facts& f, Day d, Result& r);
  const OwnersEval& owners_eval(std::string_view owners_text, bool in_force);
  std::shared_ptr<const PartyLists> lists_;
  bool evidence_;
  size_t cache_limit_;
  uint64_t hash_mask_;
  Screener screener_;
  std::vector<std::unique_ptr<NameEval>> names_;  // by name and country (name_slots_): verdict, evidence
  // Open addressing over names_ (see judge_exactly): each slot holds the NameEval's hash, so that a probe reads
  // the slot alone and follows the pointer only when the hashes agree.
  std::vector<std::pair<uint64_t, NameEval*>> name_slots_;
  // The stored parts (PartyOutcome::parts), owned by texts_ (a record's outcome shares it, so a text outlives the
  // caches until the last decision that shows it is written): the head; each party's, kept with its NameEval, by
  // role (and the country it was written with); the tails by what they depend on (few: the affiliates rule in force
  // or not, the Red Flag note, the owners, the effect). Emptied together, between records, when they grow large.
  struct Texts;
  std::shared_ptr<Texts> texts_;
  const HashedText* head_ = nullptr;
  std::unordered_map<std::string, const HashedText*> tails_;  // by Result's fixed_tail or owners, and the effect
  std::array<const HashedText*, 4> fixed_tails_{};             // no owners, no listing: by Result::fixed_tail
  std::unordered_map<std::string, OwnersEval> owners_;  // by whether the rule is in force and the owners' text
  std::string key_, tail_;
  PartyOutcome none_, last_;
  uint64_t hits_ = 0;
  uint64_t generation_ = 0;  // counts trim()'s emptyings: an Ahead's evaluations are of the generation it was made in
  bool grown_ = true;        // a cache got an entry since trim() last looked at their sizes
};

// The review a list entry's license_policy states (as published: "Presumption of denial.", "case-by-case ..."):
// the strictest policy the text names; none named -> presumption_of_denial, the strict reading (`stated` false).
Review review_from_policy(const std::string& license_policy, bool* stated = nullptr);

// Inserts a decision's screening member into its JSON: after the notes, before "rulesets" (JsonLayout's fired_end).
std::string with_screening(std::string decision_json, const std::string& screening_member);

}  // namespace tollgate
