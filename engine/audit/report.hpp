// tollgate — audit summaries and reports: the text summary printed at the end of `tollgate audit`, and the report
// written by --report as a self-contained HTML page (inline CSS and SVG charts, no network), Markdown, or JSON.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/audit/audit.hpp"

namespace tollgate {

std::string summary_text(const AuditSummary& s, size_t list_rows = 10);
// Markdown. A long table shows its top rows; `csv_base` given ("report"), the rest are linked as the CSV file
// report.<table>.csv (flagged, rejects, classification, destination, chip, month, note) with all its rows, which
// write_report() writes next to the Markdown; without it the text says where the rows are (HTML, JSON report).
std::string report_markdown(const AuditSummary& s, const std::string& csv_base = "");
std::string report_html(const AuditSummary& s);
std::string report_json(const AuditSummary& s);
// The CSV files (name, RFC 4180 text with a header row) of the report's tables cut to their top rows, named
// `csv_base` + ".<table>.csv": every row of each, the cells as the report shows them.
std::vector<std::pair<std::string, std::string>> report_csv_files(const AuditSummary& s, const std::string& csv_base);
// By the file's extension: .html/.htm (long tables: the rest in a collapsed <details>, the page self-contained),
// .md/.markdown (long tables: the rest in report_csv_files() written next to it, "out/r.md" -> "out/r.flagged.csv",
// and linked), .json (every row). Throws std::runtime_error otherwise or if unwritable.
void write_report(const AuditSummary& s, const std::string& path);

// 1234567 -> "1,234,567"; cents -> "$1,234.56".
std::string group_digits(uint64_t n);
std::string dollars(int64_t cents);

}  // namespace tollgate
