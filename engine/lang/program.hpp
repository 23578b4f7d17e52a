// tollgate — the compiled Program: the record schema, rules, rulesets and country sets, built once by compile().
//
// Flow (docs/architecture.md): rules/*.tg --parse_rules--> syntax::File --compile--> Program (immutable, shared by
// all threads) ; Record --evaluate(Program, Record, as_of, options)--> Decision --render--> JSON / text.
//
// Invariants:
//  a. A Program is built once by compile() and never mutated; evaluate() only reads it, so one Program may be
//     shared by any number of threads.
//  b. evaluate() is a pure function of (program, record, as_of, options): no clock, no globals, no I/O, and it
//     builds no strings. Reasons ("because" texts) are rendered afterwards, only for the rules that fired.
//  c. Logic is three-valued (true / false / unknown): a missing field is unknown. A rule whose condition is unknown
//     where it could change the outcome makes the record an error (fail closed), never ALLOWED.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/base/number.hpp"
#include "grammar/syntax.hpp"

namespace tollgate {

// ---- the record schema (docs/records.md, "Fields"): every field a record may carry ------------------------------
// The fields are DECLARED IN THE RULES LANGUAGE (rules/schema.tg: `field tpp on chip`, `type number`, `unit "mm2"`,
// `required`, `doc "..."`; docs/language.md "Fields"). The compiler builds Program::schema from those declarations
// and gives each field its slot in Facts. A field the C++ engine itself interprets (the date, destination, the chip
// block the catalog fills, ...) keeps a named constant below (Slot / TextSlot) and a row in core_fields()
// (engine/lang/schema.cpp); the compiler checks that the schema file declares it with the same type, record kinds
// and requiredness. Every other declared field gets a free slot from the compiler: adding such a field needs no C++.
enum class ValueType : uint8_t { number, boolean, date, country, text, klass };
enum class RecordKind : uint8_t { chip, shipment, fab_order };
const char* to_string(RecordKind k);

// Named slots of the fields the C++ engine reads itself (core fields). Chip fields are prefixed chip_; the same chip
// layout serves a catalog chip, an inline chip, and the chip being classified on its own.
enum Slot : uint8_t {
  // chip
  s_chip_datacenter, s_chip_tpp, s_chip_peak_dense_tops, s_chip_bit_length, s_chip_die_area_mm2,
  s_chip_interconnect_gbps, s_chip_memory_bw_gbps, s_chip_first_marketed,
  // chip, encoding.md r2: an HBM stack shipped as such (3A090.c), its package area, and the date it became
  // commercially available in the United States (the H200 rule).
  s_chip_hbm_stack, s_chip_package_area_mm2, s_chip_us_available_on,
  // shipment
  s_date, s_destination, s_end_user_hq, s_quantity, s_export_from,
  s_end_user_parent_hq,  // r2: the ultimate parent's headquarters (15 CFR 744.23(a)(3))
  // fab order
  s_designer_hq, s_packager_approved,
  // computed while judging
  s_class,
  core_slot_count  // the compiler assigns the declared fields that are not core from here up to slot_count
};
// Text fields live apart from numbers.
enum TextSlot : uint8_t {
  t_chip_name, t_chip_vendor, t_chip_family, t_id, t_end_user, t_role, t_designer, t_designer_status,
  t_packaged_by,  // r2: front_end_fabricator | approved_osat | other
  // issue 16 (encoding.md r2 §7): the other parties screened, and the end user's owners for the affiliates rule,
  // held as "Name:percent[:CC[:of]];..." (the reader's canonical form; percent an exact decimal, 0-100).
  t_consignee, t_intermediate_consignee, t_purchaser, t_end_user_owners,
  core_text_slot_count
};
// Facts' fixed capacity: number-like slots (one bit each in Facts::known) and text slots (Facts::text_known). The
// bundled schema uses 33 and 10; the rest is room for fields declared in rules/. Measured (bench_eval, pinned to one
// core, issue 14): 64/32 (696 bytes) judged 12 % fewer records per second than 48/24, which is within noise of the
// schema before it moved into rules/: the records stream through memory, so their size is the cost.
inline constexpr int slot_count = 48;
inline constexpr int text_slot_count = 24;

// How a record gives a field (the `type` of its declaration). number, boolean, date, country and text are read by
// rules as such (integer as a number); money, chip and tops_list are input only (rules read what they feed).
enum class InputType : uint8_t { number, integer, money, boolean, date, country, text, chip, tops_list };
const char* to_string(InputType t);

struct FieldInfo {
  std::string name;         // as written in rules: "chip.tpp", "destination"
  InputType input = InputType::number;
  ValueType type = ValueType::number;  // as rules see it
  bool readable = true;     // rules may read it (not money, chip, tops_list, nor `date`: rules' `date` is the as-of)
  bool computed = false;    // set while judging (`class`), never given by a record
  bool positive = false;    // a number that must be greater than 0 (`positive`)
  bool core = false;        // the C++ engine reads it by its named slot
  std::string unit;         // "" or "GB/s", "mm2", "nm", "billion"
  int slot = -1;            // Slot or TextSlot (by type: text -> TextSlot); -1 for input-only fields
  uint8_t kinds = 0;        // bit per RecordKind in which the field exists (a chip field: chip and shipment)
  uint8_t required = 0;     // bit per RecordKind in which a record must give it
  std::array<std::string, 3> doc;  // the `doc` line, per RecordKind where declared
  Span span;                // the first declaration (none for core_schema())
  bool is_text() const { return type == ValueType::text && readable; }
};

// The record schema: every field a record may carry, as declared (Program::schema), in declaration order.
struct Schema {
  std::vector<FieldInfo> fields;
  uint64_t chip_slots = 0;       // bit per Slot of the chip fields (copied from a catalog chip into a shipment)
  uint32_t chip_text_slots = 0;  // bit per TextSlot of the chip's text fields
  int number_slots = 0, text_slots = 0;  // slots in use (the capacity is slot_count / text_slot_count)
  uint64_t serial = 0;           // unique in the process (readers cache per-schema tables under it)
  // Per RecordKind, the fields declared on it (indices into `fields`), in declaration order: a record's own fields
  // (chip: the chip's fields, without the "chip." prefix's kind shipment).
  std::array<std::vector<int>, 3> by_kind;
  // nullptr for a name no field has ("chip.tpp", "destination", "class").
  const FieldInfo* find(std::string_view name) const;
};

// The fields the C++ engine reads itself (engine/lang/schema.cpp), each with its named slot, type, kinds and
// requiredness: what the schema file must declare for them. The compiler also adds `class` (computed).
const std::vector<FieldInfo>& core_fields();
// A schema of the core fields alone (no docs): what the record readers use when they are given no compiled schema.
const Schema& core_schema();
// Sets a schema's slot masks and counts from its fields, and gives it a new serial.
void finish_schema(Schema& s);
// The `class` field (computed while judging), which the compiler adds to every schema.
FieldInfo computed_class_field();

// Classification values, ordered by how strict their controls are: none < c < b < a.
enum Klass : uint8_t { k_none = 0, k_3a090c = 1, k_3a090b = 2, k_3a090a = 3 };
const char* klass_name(int k);
int klass_from_name(std::string_view s);  // -1 if unknown

// The facts of one record, ready for evaluation. Plain data, copyable, fixed size (about 530 bytes: 48 number and 24
// text slots), since batch runs stream millions of them: the text fields share one buffer.
struct Facts {
  RecordKind kind = RecordKind::shipment;
  // Exact values: numbers as Micro (whole millionths, engine/base/number.hpp: "4114.4" is 4'114'400'000); bools as
  // 0/1; dates as Day; countries as index. No binary floating point: every comparison on them is exact.
  std::array<int64_t, slot_count> num{};
  uint64_t known = 0;                       // bit per Slot: the value is given
  uint32_t text_known = 0;                  // bit per TextSlot
  std::array<uint16_t, text_slot_count> text_at{}, text_len{};  // each text's place in text_buf
  std::string text_buf;                     // the text fields, one after another

  bool has(int slot) const { return (known >> slot) & 1u; }
  // A number field (ValueType::number), in millionths (parse_micro).
  void set_number(int slot, int64_t micro) { num[static_cast<size_t>(slot)] = micro; known |= uint64_t{1} << slot; }
  // A bool (0/1), date (Day) or country (index) field, as is.
  void set_raw(int slot, int64_t v) { num[static_cast<size_t>(slot)] = v; known |= uint64_t{1} << slot; }
  bool has_text(int slot) const { return (text_known >> slot) & 1u; }
  std::string_view text(int slot) const {
    return std::string_view(text_buf).substr(text_at[static_cast<size_t>(slot)], text_len[static_cast<size_t>(slot)]);
  }
  // Texts are at most 1000 bytes each (the record reader enforces it), so offsets fit in 16 bits.
  void set_text(int slot, std::string_view v) {
    if (has_text(slot) && v == text(slot)) return;
    text_at[static_cast<size_t>(slot)] = static_cast<uint16_t>(text_buf.size());
    text_len[static_cast<size_t>(slot)] = static_cast<uint16_t>(v.size());
    text_buf.append(v);
    text_known |= 1u << slot;
  }
};

// ---- verdicts -------------------------------------------------------------------------------------------------
enum class Verdict : uint8_t { allowed, notify, license_required, prohibited };
// Review policies in order of strictness (the strictest among the rules at the final verdict stands). docs/records.md
// ("Decisions") and encoding.md r2: presumption_of_approval < case_by_case < congressional_review <
// presumption_of_denial < policy_of_denial (the embargoes of 15 CFR 746).
enum class Review : uint8_t {
  none, presumption_of_approval, case_by_case, congressional_review, presumption_of_denial, policy_of_denial
};
enum class LicenseException : uint8_t { none, nac, aca };
const char* to_string(Verdict v);
const char* to_string(Review r);   // "" for none
const char* to_string(LicenseException e);  // "" for none

// A ruleset's standing: enacted law, an unpublished government arrangement, a bill (applied only with
// --include-proposed), or a rule on the books that the government does not enforce (applied only with
// --include-unenforced; encoding.md r2, the AI Diffusion rule).
enum class Status : uint8_t { enacted, arrangement, proposed, unenforced };
const char* to_string(Status s);

// ---- the compiled program -------------------------------------------------------------------------------------
// Expression nodes in one flat array; children by index. Named metrics/conditions are kept as `ref` nodes so
// that reasons can name them.
struct Node {
  enum Op : uint8_t {
    const_num, const_bool, field, text_field, add, sub, mul, div, neg,
    cmp,        // a[0] <op> a[1]
    and_, or_, not_, in_countries, in_classes, in_texts, mentions, is_given, is_absent, ref,
    // Specialised forms made by the compiler's last stage (children kept, for reasons and error messages):
    cmp_field_const,       // field `slot` <cmp_op> `value`  (slot -2: the as-of date)
    in_countries_field     // field `slot` in country set `set_index`
  } op;
  uint8_t cmp_op = 0;           // 0 <, 1 <=, 2 >, 3 >=, 4 ==, 5 !=
  ValueType type = ValueType::number;
  int slot = -1;                // field / text_field / is_given / is_absent: Slot or TextSlot; text fields negative-free
  bool text_slot = false;       // is_given / is_absent on a text field
  int64_t value = 0;            // const_num / const_bool / cmp_field_const: a number in millionths (Micro), a date,
                                // country or bool as Facts holds it
  Exact exact;                  // const_num: the constant exactly (numbers as written; others value/1)
  uint32_t first_child = 0;     // children are children_[first_child .. first_child + child_count)
  uint32_t child_count = 0;
  int set_index = -1;           // in_countries: Program::country_sets; in_classes: class bitmask in `mask`;
                                // in_texts / mentions: Program::text_sets
  uint32_t mask = 0;
  int name_index = -1;          // display label in Program::names (field name, constant as written, set name)
  int memo = -1;                // a node shared by several parents: its slot in the per-record memo
};

// A country set whose membership may change with the date: segments [start_i, start_{i+1}) with their members.
struct DatedCountrySet {
  std::string name;                       // group name, or "" for a literal
  std::vector<Day> starts;                // ascending; starts[0] == day_min
  std::vector<std::array<uint64_t, 11>> members;  // 676 bits per segment
};

enum class RuleKind : uint8_t { classify, verdict, levy, note };

struct Rule {
  std::string id;                // unique across the program
  RuleKind kind = RuleKind::verdict;
  RecordKind on = RecordKind::shipment;
  int ruleset = -1;              // index into Program::rulesets
  std::string citation;
  std::string quote;             // the legal text, if given
  std::string text;              // note: what the note says (its `as` clause); "" if none
  Day from = day_min, until = day_max;  // the rule's own window (inclusive), within its ruleset's
  int when = -1, except = -1;    // node indices; except = -1 if none (identical subtrees are shared)
  Span when_span;                // the rule's own `when` text (its node may be shared with another rule)
  int eval_when = -1, eval_except = -1;  // the same conditions with pass-through `ref` nodes skipped
  // Classes for which the rule can fire at all: its `when` is an `and` with a `class in {...}` operand (or is one).
  // A record of another class is false for it whatever the other operands are (false and unknown is false).
  uint32_t class_gate = ~0u;
  int klass = k_none;            // classify
  Verdict verdict = Verdict::allowed;   // verdict
  Review review = Review::none;
  LicenseException exception = LicenseException::none;
  std::vector<int> overrides;    // rule indices this rule removes when it fires
  // What the rule's conditions read, found by the compiler: record fields (bit per Slot / TextSlot) and whether
  // the as-of date itself. The audit's reasons cache and the diff's splitting key on these.
  uint64_t reads = 0;
  uint32_t reads_text = 0;
  bool reads_as_of = false;
  int64_t rate_ppm = 0;          // levy: rate in millionths (15% = 150000)
  std::string rate_text;         // levy: "15%"
  Span span;
};

struct Ruleset {
  std::string id, title, source;
  Status status = Status::enacted;
  Day from = day_min, until = day_max;   // in force on [from, until]
  std::string sha256;                    // of the file's bytes
  std::string path;
};

struct EvalOptions {
  bool include_proposed = false;    // apply rulesets with status proposed (bills)
  bool include_unenforced = false;  // apply rulesets with status unenforced
  // Index into Program::segments.
  size_t mode() const { return (include_proposed ? 1u : 0u) | (include_unenforced ? 2u : 0u); }
};

// The rules in force on one stretch of time, by record kind and rule kind, in program order.
struct ActiveSet {
  Day start = day_min;
  std::array<std::array<std::vector<int>, 4>, 3> rules;  // [RecordKind][RuleKind]
  std::vector<int> rulesets;
  std::vector<std::array<uint64_t, 11>> country_bits;     // each country set's members on this stretch of time
  std::vector<int> overriders;   // verdict rules in force that override others, overriders before their targets
  // The loaded rules speak for this stretch of time: it lies inside Program::covers_from .. covers_until and some
  // ruleset is in force. A record dated on a stretch that is not covered is an error (tollgate.eval.coverage).
  bool covered = false;
};

struct Program {
  Schema schema;                         // the record fields, as the rules declare them (field declarations)
  std::vector<Ruleset> rulesets;
  std::vector<Rule> rules;
  std::vector<Node> nodes;
  std::vector<uint32_t> children;
  // The same child lists, with each `and` / `or` node's children ordered cheapest first (three-valued `and` and `or`
  // give the same result in any order). evaluate() reads these; reasons read `children`, in the written order.
  std::vector<uint32_t> eval_children;
  int memo_slots = 0;                    // shared nodes memoized per record (at most max_memo)
  // What classification (classify rules and chip notes) reads: it depends on these chip fields and the stretch of
  // time only, so ClassCache can key on them. class_cacheable is false if it reads text or the as-of date itself.
  std::vector<int> class_inputs;
  bool class_cacheable = true;
  std::vector<DatedCountrySet> country_sets;
  std::vector<std::vector<std::string>> text_sets;
  std::vector<std::string> names;        // metric / condition names for ref nodes
  std::vector<int> override_order;       // verdict rules, overriders before the rules they override
  // The period the loaded rules cover (inclusive): from a ruleset's `covers_from` / `covers_until` (the same date
  // wherever several give one), else from the earliest ruleset's effective date, with no end.
  Day covers_from = day_min, covers_until = day_max;
  // Time partition, computed once: [EvalOptions::mode()][segment].
  std::array<std::vector<ActiveSet>, 4> segments;
  std::vector<std::shared_ptr<const SourceFile>> sources;  // keeps spans valid

  const ActiveSet& active(Day d, const EvalOptions& o) const;
  // The end (exclusive) of the stretch of time that `a` starts.
  Day active_end(const ActiveSet& a, const EvalOptions& o) const;
};

// ---- decisions ------------------------------------------------------------------------------------------------
inline constexpr int max_rules = 256;
inline constexpr int max_memo = 64;
inline constexpr int max_fees = 8;

}  // namespace tollgate
