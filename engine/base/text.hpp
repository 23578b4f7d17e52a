// tollgate — text helpers and escaping: JSON string literals, CSV cells, HTML, Markdown.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// ---- text ----------------------------------------------------------------------------------------------------
// open + s + close, built by appending. NOTE: GCC 12 gives a false -Wrestrict on `"(" + s + ")"`.
std::string enclose(char open, std::string_view s, char close);

// ---- JSON ----------------------------------------------------------------------------------------------------
// Appends s as a JSON string literal, byte for byte as nlohmann's dump(-1, ' ', false, replace) writes it: plain
// printable ASCII is copied directly (the common case, and fast); well-formed UTF-8 is escaped here as nlohmann
// escapes it; only ill-formed UTF-8 (which nlohmann replaces with U+FFFD) goes through nlohmann.
// True if a JSON string of these bytes needs escaping or UTF-8 checking (append_json_string then asks nlohmann).
bool json_needs_escape(std::string_view s);
void append_json_string(std::string& out, std::string_view s);

// ---- escaping for the report formats ----------------------------------------------------------------------------
std::string csv_cell(std::string_view s);      // RFC 4180: quoted (quotes doubled) if it holds , " CR or LF
std::string html_escape(std::string_view s);   // & < > " (also fine for SVG text)
// Text as one Markdown table cell, shown as written and never as markup: | \\ [ ] ` * backslash-escaped, < > & as
// entities (renderers pass raw HTML through: a record's id or end user could carry a script), line breaks as spaces.
std::string md_escape(std::string_view s);
// ASCII letters and digits only, lower case, for matching names as typed: "H100 SXM5 80GB" -> "h100sxm580gb".
std::string fold_alnum(std::string_view s);

// ---- differences ------------------------------------------------------------------------------------------------
// A unified diff (as `diff -u` writes it: "--- a", "+++ b", "@@ -l,n +l,n @@" hunks with `context` lines around each
// change) of two texts split into lines; "" if they are equal. Lines are compared exactly (a lone CR is part of its
// line). Longest common subsequence by dynamic programming: O(lines(a) × lines(b)) time and memory, meant for rules
// files (a few thousand lines); texts beyond 20,000 lines each are compared as one hunk replacing the whole.
std::string unified_diff(std::string_view a, std::string_view b, const std::string& name_a, const std::string& name_b,
                         size_t context = 3);

}  // namespace tollgate
