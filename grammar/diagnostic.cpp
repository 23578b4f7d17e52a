// tollgate — SourceFile line tables and the two renderers of a Diagnostic (human text, JSON). No X3 here.
#include <algorithm>
#include <nlohmann/json.hpp>

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
  out += " " + pad + " |\n";
  out += " " + num + " | " + prefix + std::string(text) + suffix + "\n";
  uint32_t caret_col = col - 1 - start + static_cast<uint32_t>(prefix.size());
  std::string marker(caret_col, ' ');
  // Keep tabs aligned under the source text.
  for (uint32_t i = 0; i < caret_col && i < prefix.size() + text.size(); ++i)
    if (i >= prefix.size() && text[i - prefix.size()] == '\t') marker[i] = '\t';
  uint32_t line_len = static_cast<uint32_t>(text.size() + prefix.size());
  uint32_t width = std::max<uint32_t>(1, std::min<uint32_t>(span.length, line_len > caret_col ? line_len - caret_col : 1));
  out += " " + pad + " | " + marker + std::string(width, '^') + "\n";
}

std::string location(const Span& span) {
  if (!span.valid()) return "tollgate";
  auto [line, col] = span.file->line_col(span.offset);
  return span.file->path + ":" + std::to_string(line) + ":" + std::to_string(col);
}
}  // namespace

std::string render_human(const Diagnostic& d) {
  std::string out = location(d.span) + ": " + (d.severity == Severity::error ? "error" : "warning") + "[" + d.code +
                    "]: " + d.message + "\n";
  append_location_block(out, d.span);
  for (const auto& [span, note] : d.notes) {
    out += "note: " + location(span) + ": " + note + "\n";
    append_location_block(out, span);
  }
  if (!d.help.empty()) out += "help: " + d.help + "\n";
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
