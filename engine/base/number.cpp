// tollgate — implementation of engine/base/number.hpp.
#include "engine/base/number.hpp"

#include <charconv>
#include <cstdio>
#include <string>

namespace tollgate {

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::string format_number(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::optional<double> parse_number(std::string_view t) {
  if (t.empty()) return std::nullopt;
  size_t i = 0;
  if (t[i] == '-') ++i;
  size_t digits = 0;
  while (i < t.size() && is_digit(t[i])) ++i, ++digits;
  if (i < t.size() && t[i] == '.') {
    ++i;
    size_t f = 0;
    while (i < t.size() && is_digit(t[i])) ++i, ++f;
    if (f == 0) return std::nullopt;
  }
  if (digits == 0) return std::nullopt;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    size_t e = 0;
    while (i < t.size() && is_digit(t[i])) ++i, ++e;
    if (e == 0) return std::nullopt;
  }
  if (i != t.size()) return std::nullopt;
  double v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

}  // namespace tollgate
