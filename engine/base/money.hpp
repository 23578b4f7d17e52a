// tollgate — money in integer cents, read from decimal text exactly; exact rounding.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// 128-bit integers for exact money products (a GCC/Clang extension on every platform tollgate supports).
__extension__ typedef __int128 i128;

// ---- money ----------------------------------------------------------------------------------------------------
// Parses a non-negative decimal amount of US dollars with at most two decimals ("1234", "1234.5", "1234.56")
// into integer cents, exactly, without ever going through binary floating point. Rejects signs, exponents,
// more than two decimals, and amounts above max_money_cents.
inline constexpr int64_t max_money_cents = 100'000'000'000'000'00LL;  // 10^14 dollars
std::optional<int64_t> parse_money_cents(std::string_view text, std::string* why = nullptr);
// round_half_up(numerator / denominator) for non-negative values, exact.
int64_t div_round_half_up(i128 numerator, i128 denominator);
std::string format_cents(int64_t cents);  // "1234.56"
// Money as people read it, the one format every text, Markdown and HTML output uses: "$1,800,000.00",
// "-$12.50" (JSON outputs carry exact integer cents instead).
std::string format_dollars(int64_t cents);

}  // namespace tollgate
