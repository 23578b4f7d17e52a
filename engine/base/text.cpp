// tollgate — implementation of engine/base/text.hpp.
#include "engine/base/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tollgate {

// Bidirectional controls are 3 bytes in UTF-8: E2 80 AA..AE (U+202A-U+202E) and E2 81 A6..A9 (U+2066-U+2069).
char32_t bidi_control(std::string_view s, size_t i) {
  if (i + 3 > s.size() || s[i] != '\xE2') return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
  if ((b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9))
    return static_cast<char32_t>(0x2000 + ((b1 & 0x3f) << 6) + (b2 & 0x3f));
  return 0;
}

size_t printable_char(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return c >= 0x20 && c != 0x7f ? 1 : 0;
  size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;  // overlong
  if (c == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0) return 0;  // C1: U+0080-U+009F
  if (c == 0xE2 && bidi_control(s, i)) return 0;
  return n;
}

std::string printable(std::string_view s) {
  bool clean = true;
  for (size_t i = 0; i < s.size() && clean;) {
    size_t n = printable_char(s, i);
    clean = n != 0;
    i += n;
  }
  if (clean) return std::string(s);
  std::string out;
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < s.size();) {
    size_t n = printable_char(s, i);
    if (n) {
      out.append(s.data() + i, n);
      i += n;
      continue;
    }
    const bool c1 = s[i] == '\xC2' && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xE0) == 0x80;
    if (char32_t cp = c1 ? static_cast<char32_t>(static_cast<unsigned char>(s[i + 1])) : bidi_control(s, i)) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += hex[(cp >> shift) & 15];
      i += c1 ? 2 : 3;
      continue;
    }
    auto c = static_cast<unsigned char>(s[i++]);
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}


namespace {
// Bytes that need nlohmann's escaping or UTF-8 handling: controls, '"', '\\', and everything from 0x7f up.
bool json_special(std::string_view s) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                del = _mm_set1_epi8(0x7f);
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // Signed: bytes from 0x80 up are negative, so "less than 0x20" covers them as well as the controls.
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, quote)),
                             _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, del)));
    if (_mm_movemask_epi8(m)) return true;
  }
#endif
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return true;
  }
  return false;
}
}  // namespace

std::string enclose(char open, std::string_view s, char close) {
  std::string out;
  out.reserve(s.size() + 2);
  out += open;
  out += s;
  out += close;
  return out;
}


bool json_needs_escape(std::string_view s) { return json_special(s); }

namespace {
// True if s is well-formed UTF-8 (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF):
// what nlohmann's dump(ensure_ascii = false) copies as it is, but for the escapes. (It replaces ill-formed
// sequences with U+FFFD: those are left to it.)
bool well_formed_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
#if defined(__SSE2__)
    if (end - p >= 16 && !_mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))) {
      p += 16;  // sixteen ASCII bytes
      continue;
    }
#endif
    unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    long n;  // continuation bytes
    unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the first continuation byte
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) n = 2, lo = 0xA0;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) n = 2;
    else if (c == 0xED) n = 2, hi = 0x9F;
    else if (c == 0xF0) n = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) n = 3, hi = 0x8F;
    else return false;
    if (end - p <= n || p[1] < lo || p[1] > hi) return false;
    for (long i = 2; i <= n; ++i)
      if ((p[i] & 0xC0) != 0x80) return false;
    p += n + 1;
  }
  return true;
}

// nlohmann's escapes (serializer::dump_escaped, ensure_ascii = false): the two-character forms, \u00xx (lower-case
// hex) for the other controls, every other byte as it is.
void append_escaped(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 8);  // (libstdc++ still grows geometrically)
  out += '"';
  size_t run = 0;  // the bytes from here to i are copied as they are, in one go
  for (size_t i = 0; i < s.size(); ++i) {
#if defined(__SSE2__)
    if (s.size() - i >= 16) {  // sixteen bytes with no control, '"' or '\\' (bytes from 0x80 up are negative: unsigned max)
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
      __m128i m = _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
      if (!_mm_movemask_epi8(m)) {
        i += 15;
        continue;
      }
    }
#endif
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static const char hex[] = "0123456789abcdef";
        const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(u, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}
}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  // Names and citations with "§", "×", "≥", Chinese, or quotes ("because" texts) are escaped here as nlohmann
  // would; asking nlohmann (a json value, a serializer) cost a fifth of rendering a decision in the server's profile.
  if (json_special(s) && well_formed_utf8(s)) return append_escaped(out, s);
  if (json_special(s)) {
    out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  size_t at = out.size();
  out.resize(at + s.size() + 2);
  char* p = out.data() + at;
  *p = '"';
  std::memcpy(p + 1, s.data(), s.size());
  p[s.size() + 1] = '"';
}

std::string csv_cell(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fold_alnum(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z')) out += c;
    else if (u >= 'A' && u <= 'Z') out += static_cast<char>(u - 'A' + 'a');
  }
  return out;
}

std::string md_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '|': case '\\': case '[': case ']': case '`': case '*': out += '\\'; out += c; break;
      case '<': out += "&lt;"; break;  // raw HTML passes through Markdown renderers: a record's text is never markup
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\n': case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

namespace {
std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < s.size()) {
    size_t nl = s.find('\n', at);
    size_t end = nl == std::string_view::npos ? s.size() : nl + 1;
    out.push_back(s.substr(at, end - at));
    at = end;
  }
  return out;
}

// The edit script: for each step, ' ' (kept), '-' (a's line removed) or '+' (b's line added), with line indexes.
struct Step {
  char op;
  size_t a, b;
};

std::vector<Step> edit_script(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<Step> out;
  if (n > 20000 || m > 20000) {
    for (size_t i = 0; i < n; ++i) out.push_back({'-', i, 0});
    for (size_t j = 0; j < m; ++j) out.push_back({'+', n, j});
    return out;
  }
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);  // lcs[i][j]: of a[i..] and b[j..]
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;) at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) out.push_back({' ', i++, j++});
    // Where both keep the longest common part, the line removed comes before the line added (as diff -u prints a
    // changed line: "-old" then "+new").
    else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) out.push_back({'-', i++, j});
    else out.push_back({'+', i, j++});
  }
  return out;
}
}  // namespace

std::string unified_diff(std::string_view a, std::string_view b, const std::string& name_a, const std::string& name_b,
                         size_t context) {
  if (a == b) return "";
  const auto la = split_lines(a), lb = split_lines(b);
  const std::vector<Step> steps = edit_script(la, lb);
  std::string out = "--- " + name_a + "\n+++ " + name_b + "\n";
  size_t k = 0;
  while (k < steps.size()) {
    if (steps[k].op == ' ') { ++k; continue; }
    // A hunk: from `context` kept lines before this change to `context` after the last change within reach.
    size_t from = k >= context ? k - context : 0;
    while (from < k && steps[from].op != ' ') ++from;
    // The hunk runs on while at most 2 × context kept lines separate changes (as diff -u: their contexts touch).
    size_t last = k;
    for (size_t s = k; s < steps.size() && s - last <= 2 * context + 1; ++s)
      if (steps[s].op != ' ') last = s;
    const size_t to = std::min(steps.size(), last + 1 + context);
    size_t na = 0, nb = 0;
    for (size_t s = from; s < to; ++s) {
      na += steps[s].op != '+';
      nb += steps[s].op != '-';
    }
    auto start = [](size_t line, size_t count) { return count ? line + 1 : line; };
    out += "@@ -" + std::to_string(start(steps[from].a, na)) + "," + std::to_string(na) + " +" +
           std::to_string(start(steps[from].b, nb)) + "," + std::to_string(nb) + " @@\n";
    for (size_t s = from; s < to; ++s) {
      std::string_view line = steps[s].op == '+' ? lb[steps[s].b] : la[steps[s].a];
      out += steps[s].op;
      out += line;
      if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
    }
    k = to;
  }
  return out;
}

}  // namespace tollgate
