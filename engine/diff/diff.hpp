// tollgate — diffing two rule regimes (docs/diff.md): what changed in the rules' text (structural), where in the space
// of shipments the two sides judge differently (semantic regions, computed from the rules' own thresholds), and
// what that does to the catalog's chips and to a logged shipment history (impact).
//
// A side is a compiled Program, a date and whether proposed rulesets count. The semantic diff cuts every chip
// quantity a rule compares with a constant at each such constant (the constants themselves are cells of their
// own, so `<` and `<=` are told apart), every text a rule matches into its constants and "anything else", and every
// country field into the classes of countries that no group or constant tells apart, on either side. Within one
// cell every condition of every rule on both sides has one truth value, so judging one representative per cell
// judges the whole cell, exactly; the cells that differ are merged into boxes (products of per-dimension sets).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/lang/program.hpp"
#include "engine/records/record.hpp"
#include "engine/trace/store.hpp"
#include "engine/eval/evaluate.hpp"
#include "engine/parties/parties.hpp"

namespace tollgate {

struct DiffSide {
  const Program* program = nullptr;
  Day day = 0;
  bool proposed = false;
  std::string label;  // "bundled rules as of 2023-06-01"
  bool unenforced = false;  // apply rulesets with status unenforced (--include-unenforced)
  // The screening lists (and resolutions) this side screens a logged shipment's parties against (--lists,
  // --old-lists, --new-lists; docs/screening.md): null, no screening. Only log_impact() uses them: the regions and
  // the catalog's chips carry no parties.
  std::shared_ptr<const PartyLists> lists = nullptr;
  EvalOptions options() const { return EvalOptions{proposed, unenforced}; }
};

// What one side decides for a shipment, in the terms the diff compares.
struct Outcome {
  bool error = false;
  bool uncovered = false;  // the error is tollgate.eval.coverage: the side's date is outside the rules' coverage
  int klass = k_none;
  Verdict verdict = Verdict::allowed;
  Review review = Review::none;
  LicenseException exception = LicenseException::none;
  std::string fees;  // fee rules and rates that apply, "s232_duty 25%"; "" for none
  bool operator==(const Outcome&) const = default;
  std::string text() const;  // "3A090.a, LICENSE_REQUIRED (presumption_of_denial), fee 25%"
};
// `missing` and `rule`, if given, receive the field that kept a side from deciding and the rule it could not decide
// (when the outcome is an error).
Outcome outcome_of(const Program& p, const Facts& f, Day day, const EvalOptions& options, ClassCache* cache = nullptr,
                   std::string* missing = nullptr, std::string* rule = nullptr);

// A chip (catalog facts) as a shipment of one unit from the US to `destination`, its end user there, on `day`.
Facts as_shipment(const Facts& chip, int destination, Day day);

// ---- structural ------------------------------------------------------------------------------------------------
struct StructuralChange {
  std::string what;      // "ruleset", "rule", "group", "threshold", "rate", "window", "review", "verdict", ...
  std::string change;    // "added", "removed", "changed"
  std::string name;      // id
  std::string detail;    // the old and new values, in words
  std::string citation;  // of the rule or ruleset concerned
};
std::vector<StructuralChange> structural_diff(const DiffSide& a, const DiffSide& b);

// ---- semantic --------------------------------------------------------------------------------------------------
struct Dim {
  enum Kind { number, boolean, text, country } kind = number;
  std::string name;          // "chip.tpp", "pd", "destination"
  int slot = -1;             // Slot or TextSlot; -1 for pd
  bool micro = false;        // a number field: Facts holds it in millionths (else a date, bool or country as is)
  std::string unit;          // a number field's unit ("GB/s", "mm2", ...; the schema's), "" if none
  bool can_be_absent = false;
  std::vector<double> cuts;  // number: the thresholds, ascending
  // Values, in order. number: [absent?] below cuts[0], cuts[0], between, cuts[1], ..., above the last.
  std::vector<double> values;
  std::vector<std::string> texts;                // text: the constants, then "" for "anything else"
  std::vector<std::vector<int>> country_classes; // country: members (country indexes) of each class
  std::vector<int> representatives;              // country: the member each class is judged by
  std::vector<std::pair<std::string, std::vector<int>>> groups;  // country: named groups, to describe with
  size_t size() const;
  std::string describe(uint64_t mask) const;     // "" if the mask covers every value
};

struct Region {
  std::vector<uint64_t> masks;  // per dimension: the values (bit i: value i) the region covers
  Outcome old_outcome, new_outcome;
  Facts witness;                // a shipment in the region
  uint64_t cells = 0;
  std::string describe(const std::vector<Dim>& dims) const;
  std::string witness_json(const std::vector<Dim>& dims) const;
};

struct SemanticDiff {
  std::vector<Dim> dims;
  std::vector<Region> regions;
  uint64_t cells = 0, changed_cells = 0, judged = 0;  // cells of the space, of them judged differently; judgements
  std::vector<std::string> notes;  // what the analysis could not take into account
  // The cell of a shipment (its value index per dimension), or nullopt if a value is not representable.
  std::optional<std::vector<int>> cell_of(const Facts& f) const;
  // The region holding a shipment, or null if the two sides agree on it.
  const Region* region_of(const Facts& f) const;
};
SemanticDiff semantic_diff(const DiffSide& a, const DiffSide& b);

// ---- impact ------------------------------------------------------------------------------------------------------
struct ChipFlip {
  std::string chip;
  std::string destinations;  // the country class, described
  std::string representative;
  Outcome old_outcome, new_outcome;
};
std::vector<ChipFlip> catalog_impact(const DiffSide& a, const DiffSide& b, const Catalog& catalog,
                                     const SemanticDiff& sem);

struct LogImpact {
  // Every record read is one of: judged by both sides (`judged`, flipped or not), judged by one side only (a flip
  // to or from "cannot be judged"), or not compared (below).
  uint64_t records = 0, judged = 0, judged_by_one = 0, flipped = 0;
  // The records not compared, by why: a row that could not be read (or has no date), a record that is not a
  // shipment (only shipments are compared), a shipment neither side could judge (an error on both: a missing field,
  // a date the rules do not cover, a possible match not resolved). Their sum is what the outputs call not compared.
  uint64_t unreadable = 0, not_shipments = 0, judged_by_neither = 0;
  uint64_t not_compared() const { return unreadable + not_shipments + judged_by_neither; }
  // The first ten rows not compared of each reason (unreadable; judged by neither side), each one line
  // "FILE:LINE id ID: FIELD: REASON" ("log.csv:12 id S-1: date: ..."; "...: judged by neither side; old: FIELD: ...").
  std::vector<std::string> problems;
  int64_t old_fees_cents = 0, new_fees_cents = 0;
  std::map<std::string, uint64_t> by_transition;    // "ALLOWED -> LICENSE_REQUIRED"
  std::map<std::string, std::pair<uint64_t, int64_t>> by_destination, by_month;  // flips, fee delta
  std::vector<std::string> examples;                // the first flips, "log.csv:12 id S-1 (subject): old -> new"
  double seconds = 0;
};
// Judges every shipment of a log on both sides: as of each side's date if `use_side_dates`, else its own date; a
// side with lists also screens the shipment's parties (PartyScreen::apply, on that side's date: the affiliates rule
// is in force on some dates only). A shipment one side judges and the other cannot is a flip ("cannot be judged"),
// with the reason in its example.
// Throws std::runtime_error (bad input) for a folder, a missing or unreadable file, a JSON array, a bad CSV header,
// and a log with no records (empty, header only): there is nothing to compare, which is not "no change".
LogImpact log_impact(const DiffSide& a, const DiffSide& b, const std::string& path, const Catalog& catalog,
                     bool use_side_dates);

// ---- output ------------------------------------------------------------------------------------------------------
struct DiffReport {
  DiffSide old_side, new_side;
  std::vector<StructuralChange> structure;
  SemanticDiff semantic;
  std::vector<ChipFlip> chips;
  std::optional<LogImpact> log;
  double seconds = 0;
};
// Text: by default the short answer (at most 40 lines of at most 118 bytes: the rule changes, the changes to
// shipments grouped by old -> new outcome with each one's largest region in words and its catalog chips, the log
// and the notes); with `detail`, every structural change, region (with a witness) and chip per destination.
std::string diff_text(const DiffReport& r, bool detail = false);
std::string diff_markdown(const DiffReport& r);
std::string diff_json(const DiffReport& r);
// The TPP x performance-density plane (log scales) for datacenter chips shipped to the first changed destination
// class: both sides' classification boundaries, the changed area shaded, the catalog's chips plotted and labelled.
std::string diff_svg(const DiffReport& r, const Catalog& catalog);

}  // namespace tollgate
