// tollgate — SourceFile line tables and the two renderers of a Diagnostic (human text, JSON). No X3 here.
#include <algorithm>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "engine/base/text.hpp"
#include "grammar/syntax.hpp"

namespace tollgate {

SourceFile::SourceFile(std::string p, std::string t) : path(std::move(p)), text(std::move(t)) {
  line_starts.push_back(0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') line_starts.push_back(static_cast<uint32_t>(i + 1));
}

std::pair<uint32_t, uint32_t> SourceFile::line_col(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  auto line = static_cast<uint32_t>(it - line_starts.begin());  // 1-based
  return {line, offset - line_starts[line - 1] + 1};
}

std::string_view SourceFile::line(uint32_t line) const {
  if (line == 0 || line > line_starts.size()) return {};
  uint32_t b = line_starts[line - 1];
  uint32_t e = line < line_starts.size() ? line_starts[line] - 1 : static_cast<uint32_t>(text.size());
  std::string_view v(text.data() + b, e - b);
  if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
  return v;
}

namespace {
// Shows at most this many bytes of a source line around the caret (a 100 kB line stays readable).
constexpr uint32_t max_shown = 100;

// The length of the printable UTF-8 character at s[i] (engine/base/text.hpp's printable_char), tab included; 0 for a
// byte a terminal must not be sent raw (a control, a byte that is not UTF-8, a bidirectional control).
size_t shown_char(std::string_view s, size_t i) { return s[i] == '\t' ? 1 : printable_char(s, i); }

// `s` as it may be shown on a terminal: every byte shown_char refuses as \xNN (a BEL, an escape sequence, a byte
// that is not UTF-8 in a rules file are shown, never sent). `cols`, if given, gets the column (from 0) at which each
// byte of `s` is shown, and one more entry for the end: the caret under a source line lines up with it.
std::string shown_text(std::string_view s, std::vector<uint32_t>* cols = nullptr, bool keep_newlines = false) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  uint32_t col = 0;
  if (cols) cols->assign(s.size() + 1, 0);
  for (size_t i = 0; i < s.size();) {
    size_t n = shown_char(s, i);
    if (cols) for (size_t k = 0; k < std::max<size_t>(n, 1); ++k) (*cols)[i + k] = col;
    if (n || (keep_newlines && s[i] == '\n')) {
      out.append(s.data() + i, std::max<size_t>(n, 1));
      i += std::max<size_t>(n, 1);
      ++col;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i++]);
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 15];
    col += 4;
  }
  if (cols) cols->back() = col;
  return out;
}

void append_location_block(std::string& out, const Span& span) {
  if (!span.valid()) return;
  auto [line, col] = span.file->line_col(span.offset);
  std::string_view text = span.file->line(line);
  uint32_t start = 0;
  std::string prefix, suffix;
  if (text.size() > max_shown) {
    start = col > max_shown / 2 ? col - max_shown / 2 : 0;
    if (start > 0) prefix = "...";
    if (start + max_shown < text.size()) suffix = "...";
    text = text.substr(start, max_shown);
  }
  std::string num = std::to_string(line);
  std::string pad(num.size(), ' ');
  std::vector<uint32_t> cols;  // where each byte of the line is shown (a control byte takes 4 columns: \x07)
  out += " " + pad + " |\n";
  out += " " + num + " | " + prefix + shown_text(text, &cols) + suffix + "\n";
  const uint32_t at = col - 1 - start;  // the caret's byte in `text` (may be just past its end)
  const auto shown_at = [&](uint32_t byte) {
    return byte < cols.size() ? cols[byte] : cols.back() + (byte - static_cast<uint32_t>(text.size()));
  };
  std::string marker(prefix.size() + shown_at(at), ' ');
  // Keep tabs aligned under the source text.
  for (uint32_t i = 0; i < at && i < text.size(); ++i)
    if (text[i] == '\t') marker[prefix.size() + cols[i]] = '\t';
  const uint32_t end = std::min<uint32_t>(at + std::max<uint32_t>(span.length, 1), static_cast<uint32_t>(text.size()));
  const uint32_t width = std::max<uint32_t>(1, end > at ? shown_at(end) - shown_at(at) : 1);
  out += " " + pad + " | " + marker + std::string(width, '^') + "\n";
}

std::string location(const Span& span) {
  if (!span.valid()) return "tollgate";
  auto [line, col] = span.file->line_col(span.offset);
  return span.file->path + ":" + std::to_string(line) + ":" + std::to_string(col);
}
}  // namespace

std::string render_human(const Diagnostic& d) {
  // Messages quote the source (a name, a string): shown as the source lines are, never with raw control bytes.
  std::string out = location(d.span) + ": " + (d.severity == Severity::error ? "error" : "warning") + "[" + d.code +
                    "]: " + shown_text(d.message, nullptr, true) + "\n";
  append_location_block(out, d.span);
  for (const auto& [span, note] : d.notes) {
    out += "note: " + location(span) + ": " + shown_text(note, nullptr, true) + "\n";
    append_location_block(out, span);
  }
  if (!d.help.empty()) out += "help: " + shown_text(d.help, nullptr, true) + "\n";
  return out;
}

std::string render_json(const Diagnostic& d) {
  nlohmann::ordered_json j;
  j["code"] = d.code;
  j["severity"] = d.severity == Severity::error ? "error" : "warning";
  j["message"] = d.message;
  if (d.span.valid()) {
    auto [line, col] = d.span.file->line_col(d.span.offset);
    j["file"] = d.span.file->path;
    j["line"] = line;
    j["column"] = col;
    j["offset"] = d.span.offset;
    j["length"] = d.span.length;
  }
  if (!d.help.empty()) j["help"] = d.help;
  if (!d.notes.empty()) {
    auto& notes = j["notes"] = nlohmann::ordered_json::array();
    for (const auto& [span, note] : d.notes) {
      nlohmann::ordered_json n;
      n["message"] = note;
      if (span.valid()) {
        auto [line, col] = span.file->line_col(span.offset);
        n["file"] = span.file->path;
        n["line"] = line;
        n["column"] = col;
      }
      notes.push_back(n);
    }
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void sort_diagnostics(std::vector<Diagnostic>& ds) {
  std::stable_sort(ds.begin(), ds.end(), [](const Diagnostic& a, const Diagnostic& b) {
    const std::string& fa = a.span.valid() ? a.span.file->path : std::string();
    const std::string& fb = b.span.valid() ? b.span.file->path : std::string();
    if (fa != fb) return fa < fb;
    if (a.span.offset != b.span.offset) return a.span.offset < b.span.offset;
    return a.code < b.code;
  });
}

bool has_errors(const std::vector<Diagnostic>& ds) {
  return std::any_of(ds.begin(), ds.end(), [](const Diagnostic& d) { return d.severity == Severity::error; });
}

namespace syntax {
const char* to_string(DeclKind k) {
  switch (k) {
    case DeclKind::include: return "include";
    case DeclKind::ruleset: return "ruleset";
    case DeclKind::group: return "group";
    case DeclKind::metric: return "metric";
    case DeclKind::condition: return "condition";
    case DeclKind::classify: return "classify";
    case DeclKind::rule: return "rule";
    case DeclKind::levy: return "levy";
    case DeclKind::note: return "note";
    case DeclKind::field: return "field";
  }
  return "?";
}
}  // namespace syntax
}  // namespace tollgate
