// tollgate — civil dates as days since 1970-01-01 (proleptic Gregorian), parsed and printed exactly.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// ---- dates: days since 1970-01-01 (proleptic Gregorian) ----------------------------------------------------
using Day = int32_t;
inline constexpr Day day_min = INT32_MIN / 2;  // "since forever"
inline constexpr Day day_max = INT32_MAX / 2;  // "until forever"
// Parses exactly YYYY-MM-DD with a real calendar day (2023-02-29 is rejected); years 1900..2999.
// The form parse_date() reads, for messages that refuse a date: "... is not a real date (" + date_form + ")".
inline constexpr std::string_view date_form = "YYYY-MM-DD, years 1900-2999";
std::optional<Day> parse_date(std::string_view text);
std::string format_date(Day d);
void format_date_into(char out[10], Day d);  // YYYY-MM-DD for years 0 to 9999 (no terminator)
// Months as one number (year * 12 + month - 1), and back to "YYYY-MM": the audit's tallies key by it.
int month_index(Day d);
// The current time in UTC as "YYYY-MM-DDTHH:MM:SSZ" (run and server metadata only; never on a path that decides).
std::string utc_now();
std::string format_month(int index);

}  // namespace tollgate
