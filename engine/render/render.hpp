// tollgate — rendering decisions: the decision JSON contract (schema tollgate.decision/1; docs/records.md,
// "Decisions") and human text.
#pragma once

#include <array>
#include <string>

#include "engine/base/hash.hpp"
#include "engine/lang/program.hpp"
#include "engine/records/record.hpp"
#include "engine/eval/evaluate.hpp"

namespace tollgate {

inline constexpr const char* engine_version = "tollgate 0.1.0";
inline constexpr const char* decision_schema = "tollgate.decision/1";

// One line of JSON (no trailing newline), fields in the contract's order. Deterministic: the same program,
// record and as-of give the same bytes.
// `layout`, if given, receives where the arrays sit (the trace store keeps each part once; see store.hpp):
// [fees_begin, fees_end) is the fees array's text "[…]", and so on. The fired part runs on over the notes:
// [fired_begin, fired_end) is `[…fired…],"notes":[…notes…]`, so that the store keeps, and hashes, a decision's notes
// with its reasons (both depend only on the rules that fired).
struct JsonLayout {
  size_t fees_begin = 0, fees_end = 0, fired_begin = 0, fired_end = 0, rulesets_begin = 0, rulesets_end = 0;
};
std::string decision_json(const Program& p, const Record& r, const Decision& d, JsonLayout* layout = nullptr);
// The same into `out` (cleared first; its capacity reused). `d` must not have failed. For speed, a caller may
// pass the fired array's text as rendered before for the same rules, classification and facts (`fired`), the
// record's input SHA-256 (`input_sha`), and the rulesets array's text as rendered before for the same stretch of time
// (`rulesets`); each must be exactly what would be computed here.
// `screening`: the decision's screening member in its pieces (PartyOutcome::pieces()), placed after the notes
// (all empty for none).
void decision_json_into(std::string& out, const Program& p, const Record& r, const Decision& d,
                        JsonLayout* layout = nullptr, const std::string* fired = nullptr,
                        const Sha256* input_sha = nullptr, const std::string* rulesets = nullptr,
                        const std::array<std::string_view, 6>& screening = {});
// One element of the fired array: {"rule", "ruleset", "citation", "because"} of a rule that fired for `d`.
void append_fired_entry(std::string& out, const Program& p, int rule_index, const Record& r, const Decision& d);
// `,"notes":[…]`: one {"rule", "citation", "text"} per note rule that fired for `d`, in program order
// (docs/records.md, "Decisions"; encoding.md r2: uncertain strict readings, exceptions that may apply, relaxations
// withheld). A caller that passes its own fired text to decision_json_into appends this after the fired array.
void append_notes(std::string& out, const Program& p, const Decision& d);
// `,"why_not":[…]` (docs/records.md, "why not"): one object per rule of why_not(), nearest first: {"rule", "ruleset",
// "citation", "would" (the class, verdict or "fee 15%" it would have given), "takes_effect" (null, or the later date
// it takes effect), "set_aside_by" (null, or the exception rule that removed it), "by_exception" (its own `except`
// held), "conditions": [{"field", "value", "needs", "threshold", "margin", "margin_exact", "unit", "text"}]}.
void append_why_not(std::string& out, const Program& p, const std::vector<WhyNotRule>& why);
// decision_json() with the why_not array after the notes: what `check --explain --format json` prints. A failed
// decision gives error_json(). Cold path (why_not() evaluates the record again for the rules not in force yet).
std::string decision_json_explained(const Program& p, const Record& r, const Decision& d, const EvalOptions& o);
// `{ "id": …, "error": { "code", "line", "field", "message" } }` for a record that could not be judged.
std::string error_json(const Record& r, const std::string& code, const std::string& field, const std::string& message);
// The parts a decision's JSON is stored as in the trace store; decision_json_from_parts() puts them together
// byte for byte as decision_json() wrote them (review/exception "" stand for null; `fired` includes the notes array,
// as JsonLayout says).
struct DecisionParts {
  std::string_view id, type, as_of, classification, verdict, review, exception, fees, fired, rulesets, input_sha256,
      engine;
  int64_t fee_total_cents = 0;
  // `,"screening":{…}` (docs/screening.md §7) after the notes, in pieces (PartyOutcome::pieces()), or all empty
  std::array<std::string_view, 6> screening = {};
};
std::string decision_json_from_parts(const DecisionParts& d);

// A compliance officer's view: verdict, review, exception, fees, and each fired rule with citation and reason.
std::string decision_text(const Program& p, const Record& r, const Decision& d);
// The same with "why not": the `why_not_shown` nearest rules that did not fire, with their margins (all of them
// with SIZE_MAX), from decision_json_explained(). What `check` prints (three; all with --explain).
std::string decision_text(const Program& p, const Record& r, const Decision& d, const EvalOptions& o,
                          size_t why_not_shown);
// The same view from a decision's JSON and its subject line (what `tollgate trace show` has at hand); the
// subject is record_subject() of the record: "chip H20 -> CN, end user HQ CN, from US". A why_not array in the JSON
// is shown under "why not", its first `why_not_shown` entries.
std::string decision_text_from_json(std::string_view decision_json, std::string_view subject,
                                    size_t why_not_shown = 3);
// Shipments: "chip H20 -> CN, end user HQ CN, from US; end user Acme Corp; value $120,000.00" (the end user's
// name and the value quantity × unit price when given). Fab orders: "osat for Designer (HQ CN) -> CN".
std::string record_subject(const Record& r);
// A shipment's subject taken apart again (the audit report's columns); empty parts for what it does not hold.
struct SubjectParts {
  std::string chip, destination, end_user_hq, end_user, value;  // value as written: "$120,000.00"
};
SubjectParts parse_subject(std::string_view subject);
void record_subject_into(std::string& out, const Record& r);  // the same, into a reused string
std::string error_text(const Record& r, const std::string& code, const std::string& field, const std::string& message);

// `check --format table`: one line per record, columns padded to fixed widths (long texts cut with "~"): line, id,
// as of, chip, destination, class, verdict, review, fee (format_dollars) and the deciding rule (deciding_rule()).
std::string decision_table_header();
std::string decision_table_row(const Program& p, const Record& r, const Decision& d);
// A record that could not be read or judged, on one line: its line, id and error.
std::string error_table_row(const Record& r, const std::string& code, const std::string& field,
                            const std::string& message);

}  // namespace tollgate
