// tollgate — implementation of engine/base/money.hpp.
#include "engine/base/money.hpp"

#include <string>

namespace tollgate {

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::optional<int64_t> parse_money_cents(std::string_view t, std::string* why) {
  auto fail = [&](const char* msg) -> std::optional<int64_t> {
    if (why) *why = msg;
    return std::nullopt;
  };
  if (t.empty()) return fail("is empty");
  if (t[0] == '-') return fail("is negative");
  size_t dot = t.find('.');
  std::string_view whole = t.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
  if (whole.empty()) return fail("needs digits before the decimal point");
  if (dot != std::string_view::npos && frac.empty()) return fail("needs digits after the decimal point");
  if (frac.size() > 2) return fail("has more than two decimals (amounts are in dollars and cents)");
  for (char c : whole)
    if (!is_digit(c)) return fail("is not a decimal amount (digits, at most two decimals, no exponent)");
  for (char c : frac)
    if (!is_digit(c)) return fail("is not a decimal amount (digits, at most two decimals, no exponent)");
  // Leading zeros are harmless; strip them before the length check.
  size_t lead = 0;
  while (lead + 1 < whole.size() && whole[lead] == '0') ++lead;
  whole.remove_prefix(lead);
  if (whole.size() > 15) return fail("is too large (more than 10^14 dollars)");
  int64_t cents = 0;
  for (char c : whole) cents = cents * 10 + (c - '0');
  cents *= 100;
  if (frac.size() >= 1) cents += (frac[0] - '0') * 10;
  if (frac.size() == 2) cents += frac[1] - '0';
  if (cents > max_money_cents) return fail("is too large (more than 10^14 dollars)");
  return cents;
}

int64_t div_round_half_up(i128 n, i128 d) {
  // n >= 0, d > 0: floor((2n + d) / 2d) is n/d rounded half up.
  return static_cast<int64_t>((2 * n + d) / (2 * d));
}

std::string format_cents(int64_t cents) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", cents < 0 ? "-" : "", static_cast<long long>(llabs(cents) / 100),
                static_cast<long long>(llabs(cents) % 100));
  return buf;
}

std::string format_dollars(int64_t cents) {
  const bool neg = cents < 0;
  const uint64_t c = neg ? static_cast<uint64_t>(-(cents + 1)) + 1 : static_cast<uint64_t>(cents);
  const std::string whole = std::to_string(c / 100);
  std::string out = neg ? "-$" : "$";
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i && (whole.size() - i) % 3 == 0) out += ',';
    out += whole[i];
  }
  out += '.';
  out += static_cast<char>('0' + c % 100 / 10);
  out += static_cast<char>('0' + c % 10);
  return out;
}

}  // namespace tollgate
