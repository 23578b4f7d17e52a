// tollgate — implementation of engine/base/number.hpp.
#include "engine/base/number.hpp"

#include <charconv>
#include <cstdio>
#include <limits>
#include <numeric>
#include <string>

namespace tollgate {

namespace {
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal as read: sign, significant digits (no leading or trailing zeros), and the power of ten of the last.
struct Decimal {
  bool negative = false;
  std::string digits;  // "41144" for 4114.40
  int64_t exp10 = 0;   // value = digits × 10^exp10
};

// The strict syntax of parse_number: optional '-', digits, optional '.' and digits, optional exponent.
std::optional<Decimal> scan(std::string_view t) {
  Decimal d;
  size_t i = 0;
  if (i < t.size() && t[i] == '-') { d.negative = true; ++i; }
  size_t int_digits = 0, frac_digits = 0;
  for (; i < t.size() && is_digit(t[i]); ++i, ++int_digits)
    if (!d.digits.empty() || t[i] != '0') d.digits += t[i];
  if (i < t.size() && t[i] == '.') {
    ++i;
    for (; i < t.size() && is_digit(t[i]); ++i, ++frac_digits) {
      if (!d.digits.empty() || t[i] != '0') d.digits += t[i];
      --d.exp10;
    }
    if (frac_digits == 0) return std::nullopt;
  }
  if (int_digits == 0) return std::nullopt;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool neg = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
    size_t e = 0;
    int64_t ev = 0;
    for (; i < t.size() && is_digit(t[i]); ++i, ++e) ev = std::min<int64_t>(ev * 10 + (t[i] - '0'), 1'000'000);
    if (e == 0) return std::nullopt;
    d.exp10 += neg ? -ev : ev;
  }
  if (i != t.size()) return std::nullopt;
  while (!d.digits.empty() && d.digits.back() == '0') { d.digits.pop_back(); ++d.exp10; }
  if (d.digits.empty()) d.exp10 = 0;
  return d;
}

u128 pow10_u128(int n) {
  u128 p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

u128 digits_value(const std::string& s) {
  u128 v = 0;
  for (char c : s) v = v * 10 + static_cast<u128>(c - '0');
  return v;
}

u128 gcd_u128(u128 a, u128 b) {
  while (b != 0) {
    if ((a >> 64) == 0 && (b >> 64) == 0) return std::gcd(static_cast<uint64_t>(a), static_cast<uint64_t>(b));
    u128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

constexpr i128 int64_top = std::numeric_limits<int64_t>::max();

// n/d reduced into `out`; false if d is 0 or the reduced fraction does not fit in int64s.
bool make(i128 n, i128 d, Exact& out) {
  if (d == 0) return false;
  if (d < 0) { n = -n; d = -d; }
  const u128 an = static_cast<u128>(n < 0 ? -n : n);
  const u128 g = n == 0 ? static_cast<u128>(d) : gcd_u128(an, static_cast<u128>(d));
  const u128 rn = an / g, rd = static_cast<u128>(d) / g;
  if (rn > static_cast<u128>(int64_top) || rd > static_cast<u128>(int64_top)) return false;
  out.num = n < 0 ? -static_cast<int64_t>(rn) : static_cast<int64_t>(rn);
  out.den = static_cast<int64_t>(rd);
  return true;
}

// |a| as decimal digits: the whole part, then `places` fraction digits rounded half up (or all of a terminating
// expansion when places < 0). Long division: the remainder stays below den < 2^63, so ×10 fits in 128 bits.
std::string long_division(Exact a, int places) {
  const u128 den = static_cast<u128>(a.den);
  u128 n = static_cast<u128>(a.num < 0 ? -static_cast<i128>(a.num) : static_cast<i128>(a.num));
  u128 whole = n / den, rem = n % den;
  std::string frac;
  const int limit = places < 0 ? 200 : places + 1;
  while (static_cast<int>(frac.size()) < limit && (rem != 0 || places >= 0)) {
    rem *= 10;
    frac += static_cast<char>('0' + static_cast<int>(rem / den));
    rem %= den;
  }
  std::string w = std::to_string(static_cast<uint64_t>(whole));
  if (places >= 0) {
    bool up = frac.back() >= '5';
    frac.pop_back();
    if (up) {
      int k = static_cast<int>(frac.size()) - 1;
      while (k >= 0 && frac[static_cast<size_t>(k)] == '9') frac[static_cast<size_t>(k--)] = '0';
      if (k >= 0) ++frac[static_cast<size_t>(k)];
      else w = std::to_string(static_cast<uint64_t>(whole + 1));
    }
  }
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string out = w;
  if (!frac.empty()) out += "." + frac;
  bool zero = out.find_first_not_of("0.") == std::string::npos;
  return (a.num < 0 && !zero ? "-" : "") + out;
}
}  // namespace

std::string format_number(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::optional<double> parse_number(std::string_view t) {
  if (!scan(t)) return std::nullopt;
  double v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

const char* describe(NumberError e) {
  switch (e) {
    case NumberError::none: return "is a number";
    case NumberError::syntax: return "is not a number";
    case NumberError::too_precise:
      return "has more than 6 decimal places (tollgate compares numbers exactly and does not round them)";
    case NumberError::too_large: return "is too large (at most 9000000000000)";
  }
  return "is not a number";
}

std::optional<int64_t> parse_micro(std::string_view text, NumberError* why) {
  auto fail = [&](NumberError e) -> std::optional<int64_t> {
    if (why) *why = e;
    return std::nullopt;
  };
  auto d = scan(text);
  if (!d) return fail(NumberError::syntax);
  if (d->digits.empty()) return int64_t{0};
  const int64_t k = static_cast<int64_t>(d->digits.size());
  if (k + d->exp10 > 13) return fail(NumberError::too_large);
  if (d->exp10 < -6) return fail(NumberError::too_precise);
  const u128 v = digits_value(d->digits) * pow10_u128(static_cast<int>(d->exp10 + 6));
  if (v > static_cast<u128>(micro_max)) return fail(NumberError::too_large);
  return d->negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

std::string format_micro(int64_t micro) {
  return long_division(exact_from_micro(micro), -1);
}

Exact exact_from_micro(int64_t micro) {
  Exact e;
  make(micro, micro_per_unit, e);  // cannot fail: both already fit
  return e;
}

std::optional<int64_t> micro_from_exact(Exact e) {
  if (micro_per_unit % e.den != 0) return std::nullopt;
  const i128 v = static_cast<i128>(e.num) * (micro_per_unit / e.den);
  if (v > micro_max || v < -static_cast<i128>(micro_max)) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<Exact> parse_exact(std::string_view text) {
  auto d = scan(text);
  if (!d) return std::nullopt;
  if (d->digits.empty()) return Exact{};
  const int64_t k = static_cast<int64_t>(d->digits.size());
  if (k > 18) return std::nullopt;
  Exact e;
  const i128 sign = d->negative ? -1 : 1;
  if (d->exp10 >= 0) {
    if (k + d->exp10 > 18) return std::nullopt;
    if (!make(sign * static_cast<i128>(digits_value(d->digits) * pow10_u128(static_cast<int>(d->exp10))), 1, e))
      return std::nullopt;
  } else {
    if (d->exp10 < -18) return std::nullopt;
    if (!make(sign * static_cast<i128>(digits_value(d->digits)), static_cast<i128>(pow10_u128(static_cast<int>(-d->exp10))), e))
      return std::nullopt;
  }
  return e;
}

// Same denominators (two fields read as millionths): no cross products, and the gcd stays in 64 bits.
bool exact_add(Exact a, Exact b, Exact& out) {
  if (a.den == b.den) return make(static_cast<i128>(a.num) + b.num, a.den, out);
  return make(static_cast<i128>(a.num) * b.den + static_cast<i128>(b.num) * a.den, static_cast<i128>(a.den) * b.den, out);
}
bool exact_sub(Exact a, Exact b, Exact& out) {
  if (a.den == b.den) return make(static_cast<i128>(a.num) - b.num, a.den, out);
  return make(static_cast<i128>(a.num) * b.den - static_cast<i128>(b.num) * a.den, static_cast<i128>(a.den) * b.den, out);
}
bool exact_mul(Exact a, Exact b, Exact& out) {
  return make(static_cast<i128>(a.num) * b.num, static_cast<i128>(a.den) * b.den, out);
}
bool exact_div(Exact a, Exact b, Exact& out, bool* div_by_zero) {
  if (div_by_zero) *div_by_zero = b.num == 0;
  if (b.num == 0) return false;
  if (a.den == b.den) return make(a.num, b.num, out);
  return make(static_cast<i128>(a.num) * b.den, static_cast<i128>(a.den) * b.num, out);
}

int exact_cmp(Exact a, Exact b) {
  if (a.den == b.den) return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
  const i128 l = static_cast<i128>(a.num) * b.den, r = static_cast<i128>(b.num) * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

bool exact_holds(Exact a, int op, Exact b) {
  const int c = exact_cmp(a, b);
  switch (op) {
    case 0: return c < 0;
    case 1: return c <= 0;
    case 2: return c > 0;
    case 3: return c >= 0;
    case 4: return c == 0;
    default: return c != 0;
  }
}

std::optional<std::string> format_exact_terminating(Exact a) {
  int64_t d = a.den;
  while (d % 2 == 0) d /= 2;
  while (d % 5 == 0) d /= 5;
  if (d != 1) return std::nullopt;
  return long_division(a, -1);
}

std::string format_exact_rounded(Exact a, int places) { return long_division(a, places); }

std::string group_thousands(std::string_view decimal) {
  const size_t sign = !decimal.empty() && decimal[0] == '-' ? 1 : 0;
  size_t end = sign;
  while (end < decimal.size() && decimal[end] >= '0' && decimal[end] <= '9') ++end;
  const std::string_view rest = decimal.substr(end);
  const bool plain = end > sign && (rest.empty() || (rest[0] == '.' && rest.find_first_not_of("0123456789", 1) ==
                                                                          std::string_view::npos));
  if (!plain) return std::string(decimal);
  std::string out(decimal.substr(0, sign));
  const size_t digits = end - sign;
  for (size_t i = 0; i < digits; ++i) {
    if (i && (digits - i) % 3 == 0) out += ',';
    out += decimal[sign + i];
  }
  out += rest;
  return out;
}

}  // namespace tollgate
