// tollgate — evaluate(): the pure, allocation-free judgement of one record, and explain_rule(), the cold-path
// rendering of why a rule fired. Three-valued logic (Kleene): a missing field is Unknown; `and` is false if any
// operand is false, `or` is true if any is true, otherwise Unknown propagates.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "engine/base/money.hpp"
#include "engine/base/number.hpp"
#include "engine/base/text.hpp"
#include "engine/lang/program.hpp"
#include "engine/eval/evaluate.hpp"

namespace tollgate {
namespace {

enum Tri : uint8_t { F = 0, T = 1, U = 2 };

struct Ctx {
  const Program& p;
  const Facts& f;
  Day as_of;
  int klass;
  const ActiveSet* act = nullptr;  // the rules and country sets in force on as_of
  // Shared boolean nodes already decided for this record (0xff: not yet). The memo lives in one evaluation, so
  // evaluate() stays a pure function. A node that reads `class` is evaluated only after classification ends (the
  // checker forbids `class` in classify rules), so no memoized value changes within an evaluation.
  mutable std::array<uint8_t, max_memo> memo;
  mutable std::array<Exact, max_memo> memo_num;   // shared numeric nodes (a metric used twice): the value
  // Set when a computed number did not fit (engine/base/number.hpp: Exact); that value is then unknown, and a
  // record it decides fails with tollgate.eval.overflow instead of a rounded answer.
  mutable bool overflow = false;

  Ctx(const Program& prog, const Facts& facts, Day day, int k, const ActiveSet& active)
      : p(prog), f(facts), as_of(day), klass(k), act(&active) {
    std::fill_n(memo.begin(), p.memo_slots, uint8_t{0xff});
  }

  bool in_set(int set_index, int country) const {
    const auto& bits = act->country_bits[static_cast<size_t>(set_index)];
    return (bits[static_cast<size_t>(country) / 64] >> (country % 64)) & 1u;
  }

  static bool compare(int64_t a, uint8_t op, int64_t b) {
    switch (op) {
      case 0: return a < b;
      case 1: return a <= b;
      case 2: return a > b;
      case 3: return a >= b;
      case 4: return a == b;
      default: return a != b;
    }
  }

  const Node& child(const Node& n, uint32_t i) const { return p.nodes[p.children[n.first_child + i]]; }
  const Node& eval_child(const Node& n, uint32_t i) const { return p.nodes[p.eval_children[n.first_child + i]]; }

  // A number (or date / country / bool as a whole number), exactly; false if unknown (a field not given, a division
  // by zero, or an overflow). Shared numeric nodes (a metric used in several rules) are computed once.
  bool num(const Node& n, Exact& out) const {
    if (n.memo < 0 || n.type == ValueType::boolean) return num_uncached(n, out);
    uint8_t& m = memo[static_cast<size_t>(n.memo)];
    if (m == 0xff) {
      m = num_uncached(n, memo_num[static_cast<size_t>(n.memo)]) ? 1 : 0;
    }
    out = memo_num[static_cast<size_t>(n.memo)];
    return m == 1;
  }

  bool num_uncached(const Node& n, Exact& out) const {
    switch (n.op) {
      case Node::const_num: case Node::const_bool: out = n.exact; return true;
      case Node::field:
        if (n.slot == -2) { out = {as_of, 1}; return true; }
        if (n.slot == s_class) { out = {klass, 1}; return true; }
        if (!f.has(n.slot)) return false;
        // A number as micro / 10^6, unreduced: pd = tpp / area then divides two fractions with the same
        // denominator, which needs no 128-bit gcd (engine/base/number.cpp).
        out = n.type == ValueType::number ? Exact{f.num[static_cast<size_t>(n.slot)], micro_per_unit}
                                          : Exact{f.num[static_cast<size_t>(n.slot)], 1};
        return true;
      case Node::ref: return num(child(n, 0), out);
      case Node::neg: {
        if (!num(child(n, 0), out)) return false;
        out.num = -out.num;  // |num| < 2^63: cannot overflow
        return true;
      }
      case Node::add: case Node::sub: case Node::mul: case Node::div: {
        Exact a, b;
        if (!num(child(n, 0), a) || !num(child(n, 1), b)) return false;
        bool ok, by_zero = false;
        switch (n.op) {
          case Node::add: ok = exact_add(a, b, out); break;
          case Node::sub: ok = exact_sub(a, b, out); break;
          case Node::mul: ok = exact_mul(a, b, out); break;
          default: ok = exact_div(a, b, out, &by_zero);  // by zero: undefined, treated as unknown
        }
        if (!ok && !by_zero) overflow = true;
        return ok;
      }
      default: {
        Tri t = tri(n);
        if (t == U) return false;
        out = {t == T ? 1 : 0, 1};
        return true;
      }
    }
  }

  // The hot path: the node kinds nearly every record meets, in a small function (a big one would save and restore
  // many registers on every call). Shared nodes go through the memo; every other kind through tri_uncached.
  // NOTE(perf): tri_uncached repeats these cases (it also evaluates shared nodes, which are often `and`/`or`).
  // Folding the two into one function, or into a shared always-inline helper, measured 5-8% slower on
  // bench_eval (code layout of the hot loop), so the repetition is deliberate; keep the two copies identical.
  Tri tri(const Node& n) const {
    if (n.memo >= 0) [[unlikely]]
      return tri_memo(n);
    switch (n.op) {
      case Node::cmp_field_const: {
        if (n.slot == -2) return compare(as_of, n.cmp_op, n.value) ? T : F;
        if (!f.has(n.slot)) return U;
        return compare(f.num[static_cast<size_t>(n.slot)], n.cmp_op, n.value) ? T : F;
      }
      case Node::in_countries_field:
        if (!f.has(n.slot)) return U;
        return in_set(n.set_index, static_cast<int>(f.num[static_cast<size_t>(n.slot)])) ? T : F;
      case Node::in_classes: return (n.mask >> klass) & 1u ? T : F;
      case Node::and_: {
        Tri acc = T;
        for (uint32_t i = 0; i < n.child_count; ++i) {
          Tri t = tri(eval_child(n, i));
          if (t == F) return F;
          if (t == U) acc = U;
        }
        return acc;
      }
      case Node::or_: {
        Tri acc = F;
        for (uint32_t i = 0; i < n.child_count; ++i) {
          Tri t = tri(eval_child(n, i));
          if (t == T) return T;
          if (t == U) acc = U;
        }
        return acc;
      }
      case Node::not_: {
        Tri t = tri(eval_child(n, 0));
        return t == U ? U : t == T ? F : T;
      }
      default: return tri_uncached(n);
    }
  }

  [[gnu::noinline]] Tri tri_memo(const Node& n) const {
    uint8_t& m = memo[static_cast<size_t>(n.memo)];
    if (m == 0xff) m = tri_uncached(n);
    return static_cast<Tri>(m);
  }

  [[gnu::noinline]] Tri tri_uncached(const Node& n) const {
    switch (n.op) {
      case Node::const_bool: return n.value != 0 ? T : F;
      case Node::field: {
        Exact v;
        if (!num(n, v)) return U;
        return v.num != 0 ? T : F;
      }
      case Node::ref: return tri(child(n, 0));
      case Node::not_: {
        Tri t = tri(child(n, 0));
        return t == U ? U : t == T ? F : T;
      }
      case Node::and_: {
        Tri acc = T;
        for (uint32_t i = 0; i < n.child_count; ++i) {
          Tri t = tri(eval_child(n, i));
          if (t == F) return F;
          if (t == U) acc = U;
        }
        return acc;
      }
      case Node::or_: {
        Tri acc = F;
        for (uint32_t i = 0; i < n.child_count; ++i) {
          Tri t = tri(eval_child(n, i));
          if (t == T) return T;
          if (t == U) acc = U;
        }
        return acc;
      }
      case Node::cmp: {
        Exact a, b;
        if (!num(child(n, 0), a) || !num(child(n, 1), b)) return U;
        return exact_holds(a, n.cmp_op, b) ? T : F;
      }
      case Node::cmp_field_const: {
        if (n.slot == -2) return compare(as_of, n.cmp_op, n.value) ? T : F;
        if (!f.has(n.slot)) return U;
        return compare(f.num[static_cast<size_t>(n.slot)], n.cmp_op, n.value) ? T : F;
      }
      case Node::in_countries_field: {
        if (!f.has(n.slot)) return U;
        return in_set(n.set_index, static_cast<int>(f.num[static_cast<size_t>(n.slot)])) ? T : F;
      }
      case Node::in_countries: {
        Exact c;
        if (!num(child(n, 0), c)) return U;
        return in_set(n.set_index, static_cast<int>(c.num)) ? T : F;
      }
      case Node::in_classes: {
        const Node& c = child(n, 0);
        int k = klass;
        if (c.op == Node::text_field) return U;  // not reachable: checked at compile time
        return (n.mask >> k) & 1u ? T : F;
      }
      case Node::in_texts: {
        const Node& c = child(n, 0);
        if (!f.has_text(c.slot)) return U;
        const std::string_view v = f.text(c.slot);
        for (const auto& s : p.text_sets[static_cast<size_t>(n.set_index)])
          if (v == s) return T;
        return F;
      }
      case Node::mentions: {
        const Node& c = child(n, 0);
        if (!f.has_text(c.slot)) return U;
        const std::string_view v = f.text(c.slot);
        for (const auto& s : p.text_sets[static_cast<size_t>(n.set_index)])
          if (mentions(v, s)) return T;
        return F;
      }
      case Node::is_given: return (n.text_slot ? f.has_text(n.slot) : f.has(n.slot)) ? T : F;
      case Node::is_absent: return (n.text_slot ? f.has_text(n.slot) : f.has(n.slot)) ? F : T;
      default: return U;
    }
  }

  // `text mentions pattern`: some word of the text (case-insensitive) starts with the pattern and the next
  // character is not a digit. So "H20" mentions H20 in "H20", "H20E" and "NVIDIA H20 96GB", not in "H200";
  // "MI308" mentions it in "Instinct MI308X".
  // ASCII only and locale-free on purpose (chip names are ASCII; <cctype> would consult the C locale).
  static bool mentions(std::string_view text, std::string_view pat) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    auto alnum = [&](char c) { return digit(c) || (lower(c) >= 'a' && lower(c) <= 'z'); };
    if (pat.empty() || pat.size() > text.size()) return false;
    const char first = lower(pat[0]);
    for (size_t i = 0; i + pat.size() <= text.size(); ++i) {
      if (lower(text[i]) != first || (i > 0 && alnum(text[i - 1]))) continue;
      size_t k = 1;
      while (k < pat.size() && lower(text[i + k]) == lower(pat[k])) ++k;
      if (k < pat.size()) continue;
      size_t j = i + pat.size();
      if (j < text.size() && digit(text[j])) continue;
      return true;
    }
    return false;
  }

  // Whether rule r fires: T fires, F does not, U cannot be decided. `excepted` is set when the rule's own
  // condition held but its exception removed it.
  Tri fires(const Rule& r, bool& excepted) const {
    excepted = false;
    Tri w = tri(p.nodes[static_cast<size_t>(r.eval_when)]);
    if (w != T || r.eval_except < 0) return w;
    Tri e = tri(p.nodes[static_cast<size_t>(r.eval_except)]);
    if (e == T) { excepted = true; return F; }
    return e == U ? U : T;
  }
};

void set_bit(Decision& d, int r) { d.fired[static_cast<size_t>(r / 64)] |= uint64_t{1} << (r % 64); }
void clear_bit(Decision& d, int r) { d.fired[static_cast<size_t>(r / 64)] &= ~(uint64_t{1} << (r % 64)); }

// The first field under `node` that is missing where it matters (cold path, for the error message).
std::string first_missing(const Ctx& c, const Node& n) {
  switch (n.op) {
    case Node::field:
      if (n.slot >= 0 && n.slot != s_class && !c.f.has(n.slot)) return c.p.names[static_cast<size_t>(n.name_index)];
      return "";
    case Node::text_field:
      if (!c.f.has_text(n.slot)) return c.p.names[static_cast<size_t>(n.name_index)];
      return "";
    default:
      for (uint32_t i = 0; i < n.child_count; ++i) {
        const Node& k = c.child(n, i);
        if ((k.type == ValueType::boolean && k.op != Node::field && c.tri(k) != U)) continue;
        auto s = first_missing(c, k);
        if (!s.empty()) return s;
      }
      return "";
  }
}

// A date the loaded rules do not speak for (before their coverage starts, after it ends, or with no ruleset in force):
// an error, never ALLOWED (encoding.md §0, Coverage).
[[gnu::noinline, gnu::cold]] void fail_coverage(const Program& p, Decision& d, Day as_of, const EvalOptions& o) {
  std::string period = "from " + format_date(p.covers_from) +
                       (p.covers_until < day_max ? " to " + format_date(p.covers_until) : std::string(" on"));
  std::string why = as_of < p.covers_from || as_of > p.covers_until
                        ? "the loaded rules cover " + period
                        : std::string("no ruleset is in force on that date") +
                              (o.include_proposed ? "" : " (proposed rulesets are left out without --include-proposed)");
  d.fail({"tollgate.eval.coverage", "date",
          "no rules speak for " + format_date(as_of) + ": " + why + "; tollgate does not judge a record its rules do "
          "not cover"});
}

void fail_unknown(Decision& d, const Ctx& c, const Rule& r) {
  if (c.overflow) {
    d.fail({"tollgate.eval.overflow", "",
            "rule " + r.id + " (" + r.citation + ") cannot be decided: a number it computes from this record does not "
            "fit tollgate's exact arithmetic (a fraction of 64-bit integers); tollgate does not round, so this record "
            "is not judged"});
    return;
  }
  std::string field = first_missing(c, c.p.nodes[static_cast<size_t>(r.when)]);
  if (field.empty() && r.except >= 0) field = first_missing(c, c.p.nodes[static_cast<size_t>(r.except)]);
  std::string message = "rule " + r.id + " (" + r.citation + ") cannot be decided: " +
                        (field.empty() ? std::string("a field it needs is missing") : field + " is not given") +
                        "; tollgate does not guess, so this record is not judged";
  d.fail({"tollgate.eval.unknown", field, std::move(message)});
}

}  // namespace

// ---- judging: the per-record logic --------------------------------------------------------------------------
// An Outcome answers `fires(rule)` (T, F or U for the record being judged) and `unknown(decision, rule)` (fills
// the fail-closed error). The scalar evaluator is the one outcome today; the split keeps the verdict logic apart
// from how conditions are computed. (A column-wise batch evaluator was tried and measured: it matched this one on
// chronological logs and was slower on shuffled ones, so it was not kept; see the issue notes.)
namespace {

template <class Outcome>
bool judge_class(const Program& p, const ActiveSet& act, RecordKind kind, Decision& d, Outcome& out) {
  // A shipment is classified by its chip's rules; a chip and a fab order by their own.
  const auto& classify = act.rules[kind == RecordKind::shipment ? static_cast<size_t>(RecordKind::chip)
                                                                : static_cast<size_t>(kind)]
                                  [static_cast<size_t>(RuleKind::classify)];
  int best = k_none;
  int undecided = -1;
  for (int ri : classify) {
    const Rule& r = p.rules[static_cast<size_t>(ri)];
    Tri t = out.fires(ri);
    if (t == T) {
      set_bit(d, ri);
      best = std::max(best, r.klass);
    } else if (t == U && (undecided < 0 || r.klass > p.rules[static_cast<size_t>(undecided)].klass)) {
      undecided = ri;
    }
  }
  // An undecidable rule matters only if it could have raised the class.
  if (undecided >= 0 && p.rules[static_cast<size_t>(undecided)].klass > best) {
    out.unknown(d, undecided);
    return false;
  }
  d.klass = best;
  // Chip notes belong to classification: they read only the chip (shown on chips and on shipments of them).
  if (kind == RecordKind::chip || kind == RecordKind::shipment)
    for (int ri : act.rules[static_cast<size_t>(RecordKind::chip)][static_cast<size_t>(RuleKind::note)])
      if (out.fires(ri) == T) set_bit(d, ri);
  return true;
}

template <class Outcome>
void judge_rest(const Program& p, const ActiveSet& act, RecordKind rk, int64_t base_cents, Decision& d, Outcome& out) {
  const auto kind = static_cast<size_t>(rk);
  if (rk == RecordKind::chip) return;  // a chip on its own: classification (and its notes) is the whole answer
  // Verdict rules: any undecidable one fails the record (it could raise the verdict).
  const auto& verdicts = act.rules[kind][static_cast<size_t>(RuleKind::verdict)];
  std::array<int, max_rules> fired;
  size_t n_fired = 0;
  for (int ri : verdicts) {
    Tri t = out.fires(ri);
    if (t == U) { out.unknown(d, ri); return; }
    if (t == T) {
      set_bit(d, ri);
      fired[n_fired++] = ri;
    }
  }
  // Exceptions: a standing rule removes the rules it overrides (overriders come before their targets).
  for (int ri : act.overriders) {
    if (!d.has_fired(ri)) continue;
    for (int target : p.rules[static_cast<size_t>(ri)].overrides) clear_bit(d, target);
  }
  for (size_t k = 0; k < n_fired; ++k) {
    const int ri = fired[k];
    if (!d.has_fired(ri)) continue;
    const Rule& r = p.rules[static_cast<size_t>(ri)];
    if (r.verdict > d.verdict) {
      d.verdict = r.verdict;
      d.review = Review::none;
      d.exception = LicenseException::none;
    }
    if (r.verdict == d.verdict) {
      d.review = std::max(d.review, r.review);
      if (d.exception == LicenseException::none) d.exception = r.exception;
    }
  }
  // Levies: exact integer arithmetic, rounded half up once per fee.
  i128 total = 0;
  for (int ri : act.rules[kind][static_cast<size_t>(RuleKind::levy)]) {
    const Rule& r = p.rules[static_cast<size_t>(ri)];
    Tri t = out.fires(ri);
    if (t == U) { out.unknown(d, ri); return; }
    if (t != T) continue;
    if (base_cents < 0) {
      d.fail({"tollgate.eval.no-base", "unit_price_usd",
              "levy " + r.id + " applies but quantity and unit_price_usd are not both given"});
      return;
    }
    if (d.fee_count == max_fees) {
      d.fail({"tollgate.eval.too-many-fees", "", "more than " + std::to_string(max_fees) + " levies apply"});
      return;
    }
    set_bit(d, ri);
    int64_t amount = div_round_half_up(static_cast<i128>(base_cents) * r.rate_ppm, 1'000'000);
    d.fee_rule[static_cast<size_t>(d.fee_count)] = ri;
    d.fee_base_cents[static_cast<size_t>(d.fee_count)] = base_cents;
    d.fee_cents[static_cast<size_t>(d.fee_count)] = amount;
    ++d.fee_count;
    total += amount;
  }
  d.fee_total_cents = static_cast<int64_t>(total);
  // The record's own notes (its chip's were given with classification).
  for (int ri : act.rules[kind][static_cast<size_t>(RuleKind::note)])
    if (out.fires(ri) == T) set_bit(d, ri);
}

// The scalar outcome: evaluates a rule's condition for one record on demand.
struct ScalarOutcome {
  Ctx& c;
  Tri fires(int ri) {
    const Rule& r = c.p.rules[static_cast<size_t>(ri)];
    if (!((r.class_gate >> c.klass) & 1u)) return F;  // see Rule::class_gate
    bool excepted;
    return c.fires(r, excepted);
  }
  void unknown(Decision& d, int ri) { fail_unknown(d, c, c.p.rules[static_cast<size_t>(ri)]); }
};

}  // namespace

namespace {
// The cache slot for a record's classification inputs, and whether it holds them (exact comparison).
ClassCache::Entry* cache_slot(const Program& p, ClassCache& cache, const ActiveSet& act, const Facts& f, bool& hit) {
  uint64_t known = 0;
  // Seeded with the segment's start day, not its address: the same input then hits the same slots on every run.
  uint64_t h = (static_cast<uint64_t>(static_cast<uint32_t>(act.start)) << 8 | static_cast<uint64_t>(f.kind)) *
               0x9e3779b97f4a7c15ULL;
  const size_t n = p.class_inputs.size();
  std::array<int64_t, 16> values;  // entries [0, n) are used; unknown inputs hold 0
  for (size_t k = 0; k < n; ++k) {
    values[k] = 0;
    const int slot = p.class_inputs[k];
    if (!f.has(slot)) continue;
    known |= uint64_t{1} << k;
    values[k] = f.num[static_cast<size_t>(slot)];
    uint64_t bits;
    std::memcpy(&bits, &values[k], sizeof bits);
    h = (h ^ bits ^ (k << 56)) * 0xff51afd7ed558ccdULL;
  }
  h ^= known * 0xc4ceb9fe1a85ec53ULL;
  // fmix64 (MurmurHash3's finalizer): whole numbers have all-zero low mantissa bits, so mix before indexing.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  ClassCache::Entry& e = cache.table_[h & (cache.table_.size() - 1)];  // a power of two: no division
  // Exact comparison of the inputs as Facts holds them (whole numbers).
  hit = e.segment == &act && e.kind == f.kind && e.known == known &&
        std::memcmp(values.data(), e.values.data(), n * sizeof(int64_t)) == 0;
  if (!hit) {
    e.segment = nullptr;  // filled by the caller once classification succeeds
    e.kind = f.kind;
    e.known = known;
    std::copy_n(values.begin(), n, e.values.begin());
  }
  return &e;
}
}  // namespace

Decision evaluate(const Program& p, const Facts& f, int64_t base_cents, Day as_of, const EvalOptions& o,
                  ClassCache* cache) {
  Decision d;
  d.as_of = as_of;
  const ActiveSet* active;
  if (cache && cache->last && cache->last_mode == o.mode() && cache->last_from <= as_of &&
      as_of < cache->last_to) {
    active = cache->last;
  } else {
    active = &p.active(as_of, o);
    if (cache) {
      cache->last = active;
      cache->last_from = active->start;
      cache->last_to = p.active_end(*active, o);
      cache->last_mode = o.mode();
    }
  }
  const ActiveSet& act = *active;
  d.active = &act;
  if (!act.covered) [[unlikely]] {
    fail_coverage(p, d, as_of, o);
    return d;
  }
  Ctx c{p, f, as_of, k_none, act};
  ScalarOutcome out{c};
  ClassCache::Entry* slot = nullptr;
  bool hit = false;
  if (cache && p.class_cacheable && f.kind != RecordKind::fab_order) slot = cache_slot(p, *cache, act, f, hit);
  if (hit) {
    ++cache->hits;
    d.klass = slot->klass;
    d.fired = slot->fired;
  } else {
    if (cache) ++cache->misses;
    if (!judge_class(p, act, f.kind, d, out)) return d;
    if (slot) {
      slot->klass = d.klass;
      slot->fired = d.fired;
      slot->segment = &act;
    }
  }
  c.klass = d.klass;
  judge_rest(p, act, f.kind, base_cents, d, out);
  return d;
}

// ---- reasons (cold path) --------------------------------------------------------------------------------------
namespace {

struct Explainer {
  const Ctx& c;

  std::string label(const Node& n) const {
    return n.name_index >= 0 ? c.p.names[static_cast<size_t>(n.name_index)] : std::string("?");
  }

  std::string value_text(const Node& n) const {
    if (n.op == Node::text_field)
      return c.f.has_text(n.slot) ? enclose('"', c.f.text(n.slot), '"') : "(not given)";
    Exact v;
    if (!c.num(n, v)) return "(not given)";
    switch (n.type) {
      case ValueType::date: return format_date(static_cast<Day>(v.num));
      case ValueType::country: return country_code(static_cast<int>(v.num));
      case ValueType::boolean: return v.num != 0 ? "true" : "false";
      case ValueType::klass: return klass_name(static_cast<int>(v.num));
      default: return number_text(v);
    }
  }

  // Decimal places that show about six significant digits of v (as printf's %.6g would).
  static int six_digits(Exact v) {
    const uint64_t den = static_cast<uint64_t>(v.den);
    uint64_t whole = static_cast<uint64_t>(v.num < 0 ? -v.num : v.num) / den;
    if (whole > 0) {
      int digits = 0;
      for (; whole > 0; whole /= 10) ++digits;
      return std::max(0, 6 - digits);
    }
    uint64_t rem = static_cast<uint64_t>(v.num < 0 ? -v.num : v.num) % den;  // < den < 2^63
    int zeros = 0;
    while (rem != 0 && rem < (den + 9) / 10 && zeros < 30) { rem *= 10; ++zeros; }  // rem × 10 < den
    return zeros + 6;
  }

  // A computed number: exactly if its decimal expansion ends ("5.92"), else to about six significant digits.
  static std::string number_text(Exact v) {
    if (auto t = format_exact_terminating(v)) return *t;
    return format_exact_rounded(v, six_digits(v));
  }

  // "chip.tpp = 15831.2" for inputs, "4800" for constants.
  std::string operand(const Node& n) const {
    if (n.op == Node::const_num || n.op == Node::const_bool) return label(n);
    return label(n) + " = " + value_text(n);
  }

  // The text of a value that still compares with `other` the way the value does: exact when its decimal
  // expansion ends ("5.92"), else rounded to six significant digits ("19.4486"), with more digits only if the
  // rounding would seem to cross the threshold. So every comparison printed holds for the values printed.
  std::string shown(Exact v, const Node& n, Exact other, int cmp_op) const {
    if (n.type != ValueType::number) return value_text(n);
    if (auto t = format_exact_terminating(v)) return *t;
    const bool truth = exact_holds(v, cmp_op, other);
    for (int places = six_digits(v); places <= 36; ++places) {
      std::string text = format_exact_rounded(v, places);
      auto r = parse_exact(text);
      if (r && exact_holds(*r, cmp_op, other) == truth) return text;
    }
    return std::to_string(v.num) + "/" + std::to_string(v.den);
  }

  std::string side(const Node& n, const Node& other, int cmp_op, bool left) const {
    if (n.op == Node::const_num || n.op == Node::const_bool) return label(n);
    Exact v, o;
    if (!c.num(n, v)) return label(n) + " = (not given)";
    c.num(other, o);
    // Mirror the operator when this side is on the right: `c < x` tests x against c with `>`.
    static const int mirror[] = {2, 3, 0, 1, 4, 5};
    return label(n) + " = " + shown(v, n, o, left ? cmp_op : mirror[cmp_op]);
  }

  std::string why(const Node& n, bool truth) const {
    static const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
    static const int negated[] = {3, 2, 1, 0, 5, 4};
    switch (n.op) {
      case Node::cmp: case Node::cmp_field_const: {
        const Node& a = c.child(n, 0);
        const Node& b = c.child(n, 1);
        // The operator as written: the compiler turns `c < x` into `x > c` (cmp_field_const) but keeps the children
        // in the written order, which is the order printed here.
        static const int mirror[] = {2, 3, 0, 1, 4, 5};
        const int written = n.op == Node::cmp_field_const && a.op == Node::const_num ? mirror[n.cmp_op] : n.cmp_op;
        int op = truth ? written : negated[written];
        // Equality with a constant country, bool or date reads better as "field = value".
        bool simple = (written == 4 || written == 5) && b.op == Node::const_num && b.type != ValueType::number;
        if (simple) return label(a) + " = " + value_text(a);
        return side(a, b, op, true) + " " + ops[op] + " " + side(b, a, op, false);
      }
      case Node::and_: case Node::or_: {
        // True `and` / false `or`: every part explains it (joined with "and"); otherwise the first decisive part.
        bool all = (n.op == Node::and_) == truth;
        std::string out;
        std::vector<std::string> parts;
        for (uint32_t i = 0; i < n.child_count; ++i) {
          const Node& k = c.child(n, i);
          if (c.tri(k) != (truth ? T : F)) continue;
          std::string part = why(k, truth);
          if (std::find(parts.begin(), parts.end(), part) != parts.end()) continue;  // say each fact once
          if (!out.empty()) out += " and ";
          out += part;
          parts.push_back(std::move(part));
          if (!all) break;
        }
        return out;
      }
      case Node::not_: return why(c.child(n, 0), !truth);
      case Node::ref:
        if (n.type == ValueType::boolean)
          return (truth ? "" : "not ") + label(n) + " (" + why(c.child(n, 0), truth) + ")";
        return label(n) + " = " + value_text(n);
      case Node::field:
        return label(n) + " = " + value_text(n);
      case Node::in_countries: case Node::in_countries_field: case Node::in_classes: case Node::in_texts: {
        const Node& k = c.child(n, 0);
        std::string v = label(k) + " = " + value_text(k);
        if (n.op != Node::in_countries && n.op != Node::in_countries_field && n.value == 2)  // written as `==`
          return v + (truth ? " == " : " != ") + label(n);
        return v + (truth ? " in " : " not in ") + label(n);
      }
      case Node::mentions: {
        const Node& k = c.child(n, 0);
        return label(k) + " = " + value_text(k) + (truth ? " mentions " : " does not mention ") + label(n);
      }
      case Node::is_given: return label(n) + (truth ? " is given" : " is absent");
      case Node::is_absent: return label(n) + (truth ? " is absent" : " is given");
      default: return label(n);
    }
  }
};

}  // namespace

std::string explain_rule(const Program& p, int rule, const Facts& f, Day as_of, int klass) {
  const Rule& r = p.rules[static_cast<size_t>(rule)];
  Ctx c{p, f, as_of, klass, p.active(as_of, EvalOptions{})};  // country sets do not depend on the options
  Explainer e{c};
  std::string out = e.why(p.nodes[static_cast<size_t>(r.when)], true);
  if (r.except >= 0) out += "; exception does not apply: " + e.why(p.nodes[static_cast<size_t>(r.except)], false);
  return out;
}

}  // namespace tollgate

namespace tollgate {
int deciding_rule(const Program& p, const Decision& d) {
  if (d.failed) return -1;
  int first = -1;
  for (size_t i = 0; i < p.rules.size(); ++i) {
    const Rule& r = p.rules[i];
    if (r.kind != RuleKind::verdict || !d.has_fired(static_cast<int>(i)) || r.verdict != d.verdict) continue;
    if (r.review == d.review) return static_cast<int>(i);
    if (first < 0) first = static_cast<int>(i);
  }
  return first;
}
}  // namespace tollgate

// ---- why not (cold path) --------------------------------------------------------------------------------------
// For each rule that did not fire but would have made the outcome stricter: the leaves of its condition that kept it
// from firing. A leaf is a comparison, a set membership, a `mentions`, a given/absent test or a boolean field. To
// make an `and` true every false operand must change; to make an `or` true one operand must, and the one with the
// fewest leaves to change is shown (the nearest branch); `not` flips what is needed.
namespace tollgate {
namespace {

struct Leaf {
  const Node* node;
  bool want;  // the truth the rule needs of it
};

struct WhyNotFinder {
  const Ctx& c;
  Explainer e{c};

  static constexpr const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
  static constexpr int negated[] = {3, 2, 1, 0, 5, 4};
  static constexpr int mirror[] = {2, 3, 0, 1, 4, 5};

  // The leaves under `n` that must change for `n` to have the truth `want`; empty if it has it already.
  void leaves(const Node& n, bool want, std::vector<Leaf>& out) const {
    const Tri t = c.tri(n);
    if (t == (want ? T : F)) return;
    const bool all = (n.op == Node::and_) == want;  // and->true, or->false: every operand must change
    switch (n.op) {
      case Node::and_: case Node::or_: {
        // The nearest branch: the fewest leaves to change; on a tie, one whose leaves are all comparisons (a margin
        // says more than "the name does not mention H20").
        auto cost = [](const std::vector<Leaf>& ls) {
          size_t other = 0;
          for (const auto& l : ls) other |= l.node->op != Node::cmp && l.node->op != Node::cmp_field_const;
          return ls.size() * 2 + other;
        };
        std::vector<Leaf> best;
        bool found = false;
        for (uint32_t i = 0; i < n.child_count; ++i) {
          std::vector<Leaf> part;
          leaves(c.child(n, i), want, part);
          if (all) out.insert(out.end(), part.begin(), part.end());
          else if (!part.empty() && (!found || cost(part) < cost(best))) {
            best = std::move(part);
            found = true;
          }
        }
        out.insert(out.end(), best.begin(), best.end());
        return;
      }
      case Node::not_: leaves(c.child(n, 0), !want, out); return;
      case Node::ref:
        if (n.type == ValueType::boolean) { leaves(c.child(n, 0), want, out); return; }
        break;
      default: break;
    }
    out.push_back({&n, want});
  }

  std::string unit_of(const Node& n) const {
    if (n.op != Node::field || n.slot < 0 || n.slot == s_class) return "";
    for (const auto& fi : c.p.schema.fields)
      if (fi.slot == n.slot && fi.type != ValueType::text) return fi.unit;
    return "";
  }

  // A comparison leaf: the field's value against the threshold, and the exact distance between them.
  WhyNotCondition compare(const Node& n, bool want) const {
    const Node* a = &c.child(n, 0);
    const Node* b = &c.child(n, 1);
    const int written = n.op == Node::cmp_field_const && a->op == Node::const_num ? mirror[n.cmp_op] : n.cmp_op;
    int needs = want ? written : negated[written];
    if (a->op == Node::const_num && b->op != Node::const_num) {  // "4800 <= chip.tpp": put the field first
      std::swap(a, b);
      needs = mirror[needs];
    }
    WhyNotCondition w;
    w.field = e.label(*a);
    w.needs = ops[needs];
    w.unit = unit_of(*a);
    Exact v, t;
    const bool has_v = c.num(*a, v), has_t = c.num(*b, t);
    w.threshold = has_t ? e.value_text(*b) : "";  // the constant's value ("4000", not "4000 GB/s" as written)
    if (!has_v || !has_t) {
      w.value = has_v ? e.value_text(*a) : "";
      w.text = (has_v ? e.label(*b) : w.field) + " is not given";
      return w;
    }
    const bool date = a->type == ValueType::date;
    w.value = a->type == ValueType::number ? e.shown(v, *a, t, needs) : e.value_text(*a);
    if (a->type != ValueType::number && !date) {
      w.text = w.field + " = " + w.value + "; the rule needs " + w.field + " " + w.needs + " " + w.threshold;
      return w;
    }
    Exact gap;
    if (!exact_sub(t, v, gap)) return w;  // cannot happen for values that compared; no margin then
    const int side = exact_cmp(v, t);     // -1 below, 0 equal, 1 above
    if (gap.num < 0) gap.num = -gap.num;
    if (date) {
      w.margin = std::to_string(gap.num);
      w.unit = "days";
    } else if (auto exact = format_exact_terminating(gap)) {
      w.margin = *exact;
    } else {
      w.margin = format_exact_rounded(gap, Explainer::six_digits(gap));
      w.margin_exact = false;
    }
    const std::string unit = w.unit.empty() || date ? "" : " " + w.unit;
    auto shown = [&](const std::string& s) { return date ? s : group_thousands(s); };
    std::string text = w.field + " = " + shown(w.value) + unit;
    if (side == 0) {
      text += " equals " + shown(w.threshold) + "; the rule needs " + w.field + " " + w.needs + " " + shown(w.threshold);
    } else if (needs == 4 || needs == 5) {
      text += "; the rule needs " + w.field + " " + w.needs + " " + shown(w.threshold);
    } else {
      const char* where = side < 0 ? (date ? " before " : " below ") : (date ? " after " : " above ");
      text += " is " + (w.margin_exact ? "" : std::string("about ")) + shown(w.margin) +
              (date ? (w.margin == "1" ? " day" : " days") : unit) + where + shown(w.threshold) + unit;
    }
    w.text = std::move(text);
    return w;
  }

  WhyNotCondition describe(const Leaf& l) const {
    const Node& n = *l.node;
    if (n.op == Node::cmp || n.op == Node::cmp_field_const) return compare(n, l.want);
    WhyNotCondition w;
    const Tri now = c.tri(n);
    switch (n.op) {
      case Node::in_countries: case Node::in_countries_field: case Node::in_classes: case Node::in_texts:
      case Node::mentions: {
        const Node& k = c.child(n, 0);
        const bool eq = n.op != Node::in_countries && n.op != Node::in_countries_field && n.value == 2;
        w.field = e.label(k);
        Exact unused;
        w.value = (k.op == Node::text_field ? c.f.has_text(k.slot) : c.num(k, unused)) ? e.value_text(k) : "";
        if (n.op == Node::mentions) w.needs = l.want ? "mentions" : "not mentions";
        else w.needs = eq ? (l.want ? "==" : "!=") : (l.want ? "in" : "not in");
        w.threshold = e.label(n);
        if (w.value.empty()) w.text = w.field + " is not given";
        else w.text = e.why(n, now == T) + "; the rule needs " + w.field + " " + w.needs + " " + w.threshold;
        return w;
      }
      case Node::is_given: case Node::is_absent:
        w.field = e.label(n);
        w.needs = (n.op == Node::is_given) == l.want ? "given" : "absent";
        w.text = e.why(n, now == T);
        return w;
      default:
        w.field = e.label(n);
        w.needs = l.want ? "true" : "false";
        if (now == U) w.text = w.field + " is not given";
        else {
          w.value = now == T ? "true" : "false";
          w.text = w.field + " = " + w.value + "; the rule needs " + w.needs;
        }
        return w;
    }
  }

  std::vector<WhyNotCondition> conditions(int node, bool want) const {
    std::vector<Leaf> ls;
    leaves(c.p.nodes[static_cast<size_t>(node)], want, ls);
    std::vector<WhyNotCondition> out;
    for (const auto& l : ls) {
      WhyNotCondition w = describe(l);
      bool seen = false;  // a shared leaf (a metric's test read twice), or a field missing twice, is said once
      for (const auto& o : out) seen |= o.text == w.text || (w.value.empty() && o.field == w.field);
      if (!seen) out.push_back(std::move(w));
    }
    return out;
  }
};

// Whether rule r, had it fired, would make decision d stricter.
bool stricter(const Rule& r, const Decision& d) {
  switch (r.kind) {
    case RuleKind::classify: return r.klass > d.klass;
    case RuleKind::verdict: return r.verdict > d.verdict;
    case RuleKind::levy: return true;
    default: return false;
  }
}

// The rules that apply to a record of `kind` on one stretch of time: its chip's classification, then its own.
std::vector<int> considered_rules(const ActiveSet& act, RecordKind kind) {
  std::vector<int> out;
  const auto k = static_cast<size_t>(kind);
  const auto chip = static_cast<size_t>(RecordKind::chip);
  const auto& classify = act.rules[kind == RecordKind::shipment ? chip : k][static_cast<size_t>(RuleKind::classify)];
  out.insert(out.end(), classify.begin(), classify.end());
  if (kind == RecordKind::chip) return out;
  for (RuleKind rk : {RuleKind::verdict, RuleKind::levy}) {
    const auto& rules = act.rules[k][static_cast<size_t>(rk)];
    out.insert(out.end(), rules.begin(), rules.end());
  }
  return out;
}

// Rules of the next stretches of time, not in force on the as-of date, that would make the outcome stricter.
void upcoming(const Program& p, const Facts& f, int64_t base_cents, const Decision& d, const EvalOptions& o,
              std::vector<WhyNotRule>& out) {
  const auto& segments = p.segments[o.mode()];
  const std::vector<int> now = considered_rules(*d.active, f.kind);
  int looked = 0;
  for (const ActiveSet& seg : segments) {
    if (seg.start <= d.as_of || !seg.covered) continue;
    if (++looked > 4) break;
    const Decision later = evaluate(p, f, base_cents, seg.start, o);
    if (later.failed) continue;
    for (int ri : considered_rules(seg, f.kind)) {
      const Rule& r = p.rules[static_cast<size_t>(ri)];
      if (!later.has_fired(ri) || !stricter(r, d) || std::find(now.begin(), now.end(), ri) != now.end()) continue;
      bool listed = false;
      for (const auto& w : out) listed |= w.rule == ri;
      if (listed) continue;
      WhyNotRule w;
      w.rule = ri;
      w.takes_effect = seg.start;
      WhyNotCondition cond;
      cond.field = "date";
      cond.value = format_date(d.as_of);
      cond.needs = ">=";
      cond.threshold = format_date(seg.start);
      cond.margin = std::to_string(seg.start - d.as_of);
      cond.unit = "days";
      cond.text = "the as-of date " + cond.value + " is " + cond.margin + (cond.margin == "1" ? " day" : " days") +
                  " before " + cond.threshold + ", when " + r.id + " (" + p.rulesets[static_cast<size_t>(r.ruleset)].id +
                  ") takes effect";
      w.conditions.push_back(std::move(cond));
      out.push_back(std::move(w));
    }
  }
}

}  // namespace

std::vector<WhyNotRule> why_not(const Program& p, const Facts& f, int64_t base_cents, const Decision& d,
                                const EvalOptions& o) {
  std::vector<WhyNotRule> out;
  if (d.failed || !d.active) return out;
  const ActiveSet& act = *d.active;
  Ctx c{p, f, d.as_of, d.klass, act};
  WhyNotFinder finder{c};
  for (int ri : considered_rules(act, f.kind)) {
    const Rule& r = p.rules[static_cast<size_t>(ri)];
    if (d.has_fired(ri) || !stricter(r, d)) continue;
    WhyNotRule w;
    w.rule = ri;
    const Tri when = c.tri(p.nodes[static_cast<size_t>(r.when)]);
    if (when == T && r.except >= 0 && c.tri(p.nodes[static_cast<size_t>(r.except)]) == T) {
      w.by_exception = true;
      w.conditions = finder.conditions(r.except, false);
    } else if (when == T) {  // it held and stands on its own: an exception rule set it aside
      for (int x : act.overriders) {
        const auto& targets = p.rules[static_cast<size_t>(x)].overrides;
        if (d.has_fired(x) && std::find(targets.begin(), targets.end(), ri) != targets.end()) {
          w.set_aside_by = p.rules[static_cast<size_t>(x)].id;
          break;
        }
      }
      if (w.set_aside_by.empty()) continue;  // (an undecided lower class: nothing kept it from firing)
    } else {
      w.conditions = finder.conditions(r.when, true);
    }
    out.push_back(std::move(w));
  }
  std::stable_sort(out.begin(), out.end(), [](const WhyNotRule& a, const WhyNotRule& b) {
    return a.conditions.size() < b.conditions.size();
  });
  upcoming(p, f, base_cents, d, o, out);
  return out;
}

}  // namespace tollgate
