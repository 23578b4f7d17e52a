// tollgate — implementation of engine/base/date.hpp.
#include "engine/base/date.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>

namespace tollgate {

namespace {
// Howard Hinnant's days_from_civil / civil_from_days.
Day days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}
void civil_from_days(Day z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::optional<Day> parse_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(t[i])) return std::nullopt;
  int y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
  unsigned m = static_cast<unsigned>((t[5] - '0') * 10 + (t[6] - '0'));
  unsigned d = static_cast<unsigned>((t[8] - '0') * 10 + (t[9] - '0'));
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  unsigned maxd = mdays[m - 1] + (m == 2 && leap ? 1 : 0);
  if (d > maxd) return std::nullopt;
  return days_from_civil(y, m, d);
}

void format_date_into(char out[10], Day z) {
  int y;
  unsigned m, d;
  civil_from_days(z, y, m, d);
  if (y < 0 || y > 9999) y = 0;
  auto uy = static_cast<unsigned>(y);
  out[0] = static_cast<char>('0' + uy / 1000);
  out[1] = static_cast<char>('0' + uy / 100 % 10);
  out[2] = static_cast<char>('0' + uy / 10 % 10);
  out[3] = static_cast<char>('0' + uy % 10);
  out[4] = '-';
  out[5] = static_cast<char>('0' + m / 10);
  out[6] = static_cast<char>('0' + m % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + d / 10);
  out[9] = static_cast<char>('0' + d % 10);
}

std::string format_date(Day z) {
  if (z <= day_min) return "-inf";
  if (z >= day_max) return "+inf";
  int y;
  unsigned m, d;
  civil_from_days(z, y, m, d);
  if (y < 0 || y > 9999) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
    return buf;
  }
  // By hand: snprintf showed in audit profiles (two dates a record).
  std::string out = "0000-00-00";
  auto uy = static_cast<unsigned>(y);
  out[0] = static_cast<char>('0' + uy / 1000);
  out[1] = static_cast<char>('0' + uy / 100 % 10);
  out[2] = static_cast<char>('0' + uy / 10 % 10);
  out[3] = static_cast<char>('0' + uy % 10);
  out[5] = static_cast<char>('0' + m / 10);
  out[6] = static_cast<char>('0' + m % 10);
  out[8] = static_cast<char>('0' + d / 10);
  out[9] = static_cast<char>('0' + d % 10);
  return out;
}

int month_index(Day z) {
  int y;
  unsigned m, d;
  civil_from_days(z, y, m, d);
  return y * 12 + static_cast<int>(m) - 1;
}

std::string format_month(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d", index / 12, index % 12 + 1);
  return buf;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace tollgate
