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

// ---- printable text ---------------------------------------------------------------------------------------------
// The code point of the bidirectional control character that starts at s[i] (U+202A-U+202E embeddings and
// overrides, U+2066-U+2069 isolates), or 0 if none does. In an id or a party's name one makes the text display other
// than it reads ("Trojan Source", CVE-2021-42574): record fields refuse them, messages escape them.
char32_t bidi_control(std::string_view s, size_t i);
// The length of the valid UTF-8 sequence at s[i] if it is printable (not C0, DEL, a C1 control U+0080-U+009F, some
// of which terminals act on as ESC sequences, or a bidirectional control), else 0.
size_t printable_char(std::string_view s, size_t i);
// `s` safe to print on one line of a terminal: printable UTF-8 as it is; C0 control characters (tab, CR and LF too)
// and bytes that are not UTF-8 as \xNN; C1 controls as \u009B and bidirectional controls as \u202E. Error messages that echo input go through it.
std::string printable(std::string_view s);

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
