// tollgate — audit summaries and reports: the text summary printed at the end of `tollgate audit`, and the report
// written by --report as a self-contained HTML page (inline CSS and SVG charts, no network), Markdown, or JSON.
#pragma once

#include <string>

#include "engine/audit/audit.hpp"

namespace tollgate {

std::string summary_text(const AuditSummary& s, size_t list_rows = 10);
std::string report_markdown(const AuditSummary& s);
std::string report_html(const AuditSummary& s);
std::string report_json(const AuditSummary& s);
// By the file's extension: .html/.htm, .md/.markdown, .json. Throws std::runtime_error otherwise or if unwritable.
void write_report(const AuditSummary& s, const std::string& path);

// 1234567 -> "1,234,567"; cents -> "$1,234.56".
std::string group_digits(uint64_t n);
std::string dollars(int64_t cents);

}  // namespace tollgate
