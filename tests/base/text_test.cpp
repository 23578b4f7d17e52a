// append_json_string (engine/base/text.hpp) against nlohmann's dump(-1, ' ', false, replace), which it promises to
// match byte for byte: every boundary of well-formed UTF-8 (Unicode table 3-7) and the ill-formed sequences next
// to them, escapes, and many random byte strings.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/text.hpp"

namespace {
std::string via_nlohmann(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string via_tollgate(const std::string& s) {
  std::string out = "x";  // appends: what was there stays
  tollgate::append_json_string(out, s);
  return out.substr(1);
}
}  // namespace

TEST_CASE("append_json_string writes what nlohmann writes: UTF-8 boundaries, escapes") {
  const char* cases[] = {
      "", "plain", "\xC2\xA7 744.23", "\xC3\x97", "\xE2\x89\xA5 4800", "\xE5\x8C\x97\xE4\xBA\xAC", "\xF0\x9F\x98\x80",
      "\x7F", "a\"b", "a\\b", "\n\t\r\b\f\x01\x1F", "\xC2\xA7\"", "\xC2\xA7\x01",
      "\xC0\x80", "\xC1\xBF", "\xC2\x80", "\xDF\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xE0\xA0\x80", "\xEC\xBF\xBF",
      "\xED\x80\x80", "\xED\x9F\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF",
      "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF", "\xF0\x90\x80\x80", "\xF3\xBF\xBF\xBF", "\xF4\x80\x80\x80",
      "\xF4\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\x80", "\xBF",
      "\xC2", "\xE2\x89", "\xF0\x9F\x98", "a\xC2", "\xE2\x89\xA5\xE2", "\xC2\x41", "\xE2\x41\xA5", "\xF0\x9F\x41\x80"};
  for (const char* c : cases) {
    std::string s(c);
    CAPTURE(s);
    CHECK(via_tollgate(s) == via_nlohmann(s));
  }
}

TEST_CASE("append_json_string writes what nlohmann writes: random bytes") {
  // Bytes drawn mostly from the interesting ones (lead and continuation bytes, controls, quote, backslash).
  const unsigned char pool[] = {'a', 'Z', ' ', '"', '\\', '\n', '\t', '\b', '\f', '\r', 0x01, 0x1F, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xA5, 0xBF,
                                0xC0, 0xC2, 0xDF, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
  std::mt19937_64 rng(20261201);
  for (int n = 0; n < 200000; ++n) {
    std::string s(rng() % 48, ' ');  // (past 16 and 32 bytes: the SIMD paths)
    for (char& ch : s) ch = static_cast<char>(rng() % 4 == 0 ? static_cast<unsigned char>(rng() % 256) : pool[rng() % sizeof pool]);
    if (via_tollgate(s) != via_nlohmann(s)) {
      CAPTURE(s);
      FAIL("differs from nlohmann");
    }
  }
}

TEST_CASE("append_json_string writes what nlohmann writes: random well-formed UTF-8 with escapes") {
  // Well-formed text is escaped by tollgate itself (16 bytes at a time where it can): pieces that are each
  // well-formed, so that long strings reach those paths, and every byte nlohmann escapes among them.
  const char* pieces[] = {"a", "Z", " ", "0", "\"", "\\", "\n", "\t", "\b", "\f", "\r", "\x01", "\x1e", "\x1f", "\x7f",
                          "\xC2\xA7", "\xC3\x97", "\xE2\x89\xA5", "\xE5\x8C\x97", "\xED\x9F\xBF", "\xEF\xBF\xBF",
                          "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "abcdefghijklmnop"};
  std::mt19937_64 rng(1201);
  for (int n = 0; n < 100000; ++n) {
    std::string s;
    for (size_t k = rng() % 24; k > 0; --k) s += pieces[rng() % (sizeof pieces / sizeof *pieces)];
    if (via_tollgate(s) != via_nlohmann(s)) {
      CAPTURE(s);
      FAIL("differs from nlohmann");
    }
  }
}
