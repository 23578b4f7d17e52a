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

// Found by a new user (session 6): a record's id `<script>alert(1)</script>` reached the Markdown report raw.
TEST_CASE("md_escape: a record's text is never Markdown or HTML markup") {
  CHECK(tollgate::md_escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;");
  CHECK(tollgate::md_escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;");
  CHECK(tollgate::md_escape("[click](javascript:alert(1))") == "\\[click\\](javascript:alert(1))");
  CHECK(tollgate::md_escape("a|b\nc & `d` *e*") == "a\\|b c &amp; \\`d\\` \\*e\\*");
  CHECK(tollgate::md_escape("H20 -> CN, $1,800,000.00") == "H20 -&gt; CN, $1,800,000.00");
}

// A new user's review (item 12): fmt --diff printed a changed line as "+new" before "-old", and split changes 2 ×
// context lines apart into two hunks; diff -u (and Python's difflib) print "-old" first and join them.
TEST_CASE("unified_diff: a changed line is '-' then '+'; changes 2 x context apart share a hunk") {
  CHECK(tollgate::unified_diff("a\nb\nc\n", "a\nB\nc\n", "a", "b") == "--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  CHECK(tollgate::unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nX\n3\n4\n5\n6\n7\n8\nY\n10\n11\n12\n", "a",
                               "b") ==
        "--- a\n+++ b\n@@ -1,12 +1,12 @@\n 1\n-2\n+X\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+Y\n 10\n 11\n 12\n");
  CHECK(tollgate::unified_diff("x\n}", "x\n}\n", "a", "b") ==
        "--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-}\n\\ No newline at end of file\n+}\n");
}

TEST_CASE("printable: control bytes, bytes that are not UTF-8 and bidirectional controls are escaped") {
  CHECK(tollgate::printable("S-1") == "S-1");
  CHECK(tollgate::printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(tollgate::printable("a\x07z\xff") == "a\\x07z\\xFF");
  CHECK(tollgate::printable("S-1\xe2\x80\xae" "1gpj") == "S-1\\u202E1gpj");
  CHECK(tollgate::printable("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u2066x\\u2069");
  // C1 controls (U+0080-U+009F): U+009B is CSI, which some terminals act on as ESC [ (found by a new user)
  CHECK(tollgate::printable("a\xc2\x9b" "31mz\xc2\x85") == "a\\u009B31mz\\u0085");
  CHECK(tollgate::printable("\xc2\xa0\xc2\xa9") == "\xc2\xa0\xc2\xa9");  // NBSP and (c) are printable
  CHECK(tollgate::printable_char("\xc2\x9f", 0) == 0);
  CHECK(tollgate::bidi_control("\xe2\x80\xa9", 0) == 0);  // U+2029, the paragraph separator: not a bidi control
}
