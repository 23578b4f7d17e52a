// tollgate — numbers read from and written as decimal text, and compared exactly.
//
// Exact numbers (DESIGN: no binary floating point on a path that decides). A number a record gives, or a rule
// writes, is kept exactly as the decimal it was written as:
//  - Micro: a record's number as a whole count of millionths (int64): "4114.4" is 4'114'400'000. Up to six
//    decimal places and up to 9'000'000'000'000 in magnitude; text beyond either is refused, never rounded.
//  - Exact: a fraction num/den of int64s in lowest terms (den > 0), for what rules compute from those numbers
//    (pd = tpp / die area). Arithmetic runs in 128 bits and is reduced; a result whose reduced numerator or
//    denominator does not fit in int64 is reported as an overflow (an error for the record, never a rounding).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// ---- numbers -------------------------------------------------------------------------------------------------
// Shortest text that reads back as the same double ("15831.2", "4800", "0.1"). Display only (charts, diff axes);
// never on a path that decides.
std::string format_number(double v);
// Strict decimal number: optional '-', digits, optional fraction, optional exponent; no trailing text. Display
// and non-deciding uses only; deciding paths use parse_micro / parse_exact.
std::optional<double> parse_number(std::string_view text);

// A decimal text with its whole part's digits grouped in thousands, for people: "15831.2" -> "15,831.2",
// "-2432" -> "-2,432". Text that is not a plain decimal ("1e-9", "") is returned unchanged.
std::string group_thousands(std::string_view decimal);

// ---- exact numbers ----------------------------------------------------------------------------------------------
inline constexpr int64_t micro_per_unit = 1'000'000;       // a Micro is this many to the unit
inline constexpr int64_t micro_max = 9'000'000'000'000'000'000;  // 9e12 units: the largest magnitude kept

enum class NumberError : uint8_t { none, syntax, too_precise, too_large };
// Why a text is not a Micro, for messages: "is not a number", "has more than 6 decimal places ...", "is too large".
const char* describe(NumberError e);

// The same strict syntax as parse_number, read exactly into millionths. On failure, nullopt and `why` (if given)
// says which limit was hit: syntax, more than six decimal places (after dropping trailing zeros), or beyond 9e12.
std::optional<int64_t> parse_micro(std::string_view text, NumberError* why = nullptr);
// "4114.4", "4800", "-0.000001": the shortest decimal text of a Micro (no exponent, no trailing zeros).
std::string format_micro(int64_t micro);

// A fraction, den > 0: in lowest terms as the functions below return it (the evaluator also reads a record's field
// as micro / 1'000'000 unreduced, which every function here accepts).
struct Exact {
  int64_t num = 0;
  int64_t den = 1;
  friend bool operator==(const Exact&, const Exact&) = default;
};
// From a Micro (reduced: 4114.4 is 20572/5). Never fails.
Exact exact_from_micro(int64_t micro);
// The Micro of a fraction, if it is a whole number of millionths within micro_max.
std::optional<int64_t> micro_from_exact(Exact e);
// Any decimal text, with any number of decimal places (a rule's constant "5.92", "1e-9"); nullopt if the syntax is
// wrong or the reduced fraction does not fit.
std::optional<Exact> parse_exact(std::string_view text);
// The four operations. False on overflow (the reduced result does not fit) or division by zero (`div_by_zero`
// tells which, if given); `out` is then unspecified.
bool exact_add(Exact a, Exact b, Exact& out);
bool exact_sub(Exact a, Exact b, Exact& out);
bool exact_mul(Exact a, Exact b, Exact& out);
bool exact_div(Exact a, Exact b, Exact& out, bool* div_by_zero = nullptr);
// -1, 0 or 1 as a < b, a == b, a > b. Exact (cross products in 128 bits cannot overflow).
int exact_cmp(Exact a, Exact b);
// Whether `a <op> b` holds, op 0 <, 1 <=, 2 >, 3 >=, 4 ==, 5 !=.
bool exact_holds(Exact a, int op, Exact b);
// The decimal text of a fraction whose decimal expansion ends (denominator of 2s and 5s only): "5.92", "0.0009765625";
// nullopt for 1/3 and the like.
std::optional<std::string> format_exact_terminating(Exact a);
// The value rounded half-up (away from zero) to `places` decimal places, as text ("19.4486" for 15831.2/814 at 4).
std::string format_exact_rounded(Exact a, int places);

}  // namespace tollgate
