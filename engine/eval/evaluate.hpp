// tollgate — evaluation: a compiled Program judges one record's Facts on a date, giving a Decision.
//
// evaluate() is a pure function of (program, facts, base, as_of, options): no clock, no globals, no I/O, and it
// builds no strings unless the record fails. See engine/lang/program.hpp for the Program's invariants.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/lang/program.hpp"

namespace tollgate {

struct EvalError {
  std::string code;      // "tollgate.eval.unknown"
  std::string field;     // the missing field
  std::string message;
};

// What evaluate() returns. No strings unless `failed`.
struct Decision {
  Day as_of = 0;
  int klass = k_none;
  Verdict verdict = Verdict::allowed;
  Review review = Review::none;
  LicenseException exception = LicenseException::none;
  std::array<uint64_t, max_rules / 64> fired{};   // bit per rule index: fired and stands
  int fee_count = 0;
  // Fee entries [0, fee_count) are set; the rest are left unset on purpose (the hot path does not clear them).
  std::array<int, max_fees> fee_rule;
  std::array<int64_t, max_fees> fee_base_cents;
  std::array<int64_t, max_fees> fee_cents;
  int64_t fee_total_cents = 0;
  const ActiveSet* active = nullptr;
  bool failed = false;
  // The reason when `failed`; kept out of line so that a decision that did not fail carries no strings.
  std::shared_ptr<const EvalError> err;
  const EvalError& error() const {
    static const EvalError none;
    return err ? *err : none;
  }
  void fail(EvalError e) {
    failed = true;
    err = std::make_shared<const EvalError>(std::move(e));
  }
  bool has_fired(int r) const { return (fired[r / 64] >> (r % 64)) & 1u; }
};

// Remembers classifications (class, fired classify rules and chip notes) by the exact values of the chip fields
// classification reads (Program::class_inputs), the stretch of time and the record kind. Shipment logs name the
// same few chips over and over; with a cache, each is classified once per stretch of time. A cache is owned by one
// caller (one thread) and may be reused across calls with the same Program; results are identical with or
// without it (keys are compared exactly, never by hash alone).
class ClassCache {
 public:
  struct Entry {
    const ActiveSet* segment = nullptr;       // null: empty
    RecordKind kind = RecordKind::shipment;
    uint64_t known = 0;                       // known bits of the inputs
    std::array<int64_t, 16> values{};         // the inputs, in Program::class_inputs order (as Facts holds them)
    int klass = k_none;
    std::array<uint64_t, 4> fired{};          // classify rules and chip notes that fired
  };
  // `capacity` is rounded up to a power of two. The default (2048 entries, about 400 kB) stays mostly in cache and
  // holds a catalog's chips over a dozen stretches of time.
  explicit ClassCache(size_t capacity = 2048) : table_(std::bit_ceil(std::max<size_t>(capacity, 16))) {}
  std::vector<Entry> table_;
  uint64_t hits = 0, misses = 0;
  // The stretch of time found last, for runs of records in date order: [from, to) under `options`.
  const ActiveSet* last = nullptr;
  Day last_from = 0, last_to = 0;
  size_t last_mode = 0;  // EvalOptions::mode() of `last`
};

// Judges one record. `base_cents` holds quantity × unit price in cents (the levy base), or -1 if not given.
// `cache`, if given, memoizes classification (see ClassCache).
Decision evaluate(const Program& p, const Facts& f, int64_t base_cents, Day as_of, const EvalOptions& o,
                  ClassCache* cache = nullptr);

// The reason a rule fired, e.g. "chip.tpp = 15831.2 >= 4800". Cold path.
std::string explain_rule(const Program& p, int rule, const Facts& f, Day as_of, int klass);

// The rule that decided the verdict: the first standing verdict rule (in rule order) that gives the final verdict with
// the final review policy (else the first that gives the final verdict); -1 if none did (ALLOWED with no verdict
// rule fired, or a failed decision). What the audit report and `check --format table` name as "the deciding rule".
int deciding_rule(const Program& p, const Decision& d);

// ---- why not (cold path: computed only when asked, never by the audit) ------------------------------------------
// One condition that kept a rule from firing, with how far the record's value is from the rule's threshold,
// computed exactly on the decimal values (engine/base/number.hpp).
struct WhyNotCondition {
  std::string field;      // as the rules name it: "chip.tpp", "pd", "chip.memory_bw_gbps", "destination", "date"
  std::string value;      // the record's value as text ("2368", "2.90909", "2025-12-31"); "" if not given
  std::string needs;      // what the rule needs of it: ">=", ">", "<", "<=", "==", "!=", "in", "not in", "mentions",
                          // "not mentions", "given", "absent", "true", "false", "in force"
  std::string threshold;  // "4800", "5.92", "2026-01-15", a set's name ("d5_or_macau"); "" if none
  std::string margin;     // |threshold - value|: exact decimal text when it ends, else rounded to six significant
                          // digits ("3.01091"); whole days for dates; "" when not a number or date (or not given)
  bool margin_exact = true;  // false: `margin` is rounded (the exact fraction does not end in decimals)
  std::string unit;       // of value, threshold and margin: "GB/s", "mm2", "days", "" (none)
  std::string text;       // for people, digits grouped: "chip.tpp = 2,368 is 2,432 below 4,800"
};
// A rule that did not fire, though it would have made the outcome stricter (a higher class, a stricter verdict, or a
// fee), and what kept it from firing.
struct WhyNotRule {
  int rule = -1;                   // index into Program::rules
  Day takes_effect = day_min;      // day_min: in force on the as-of date; else the day it takes effect (later)
  std::string set_aside_by;        // the rule's condition held but this exception rule removed it ("" if not)
  bool by_exception = false;       // the rule's condition held but its own `except` clause held too
  std::vector<WhyNotCondition> conditions;  // each must change for the rule to fire (for an `or`, the nearest branch)
};
// The rules in force on `d.as_of` for the record's kind (and its chip's classification rules) that did not fire and
// would have made the outcome stricter, nearest first (fewest conditions to change, then rule order); then the rules
// of the next stretches of time (up to four) that would make it stricter from the day they take effect, each with
// that day's margin in days. `d` must be the decision evaluate() gave for (p, f, base_cents, d.as_of, o) and must not
// have failed. Pure, like evaluate(); builds strings, so it is kept off the audit's hot path.
std::vector<WhyNotRule> why_not(const Program& p, const Facts& f, int64_t base_cents, const Decision& d,
                                const EvalOptions& o);

}  // namespace tollgate
