// tollgate — the one way into the rules-language parser. Plain C++: no Boost.Spirit here.
//
// parse_rules(text, path) returns the syntax tree of every declaration that parsed, and one diagnostic per
// declaration that did not: the parser recovers at the next top-level keyword, so a file with five mistakes reports
// five errors. Inputs that are not text (NUL bytes, invalid UTF-8), empty, or nested too deeply are rejected with a
// diagnostic before X3 sees them, so no input can crash or hang the parser.
#pragma once

#include <string>
#include <vector>

#include "grammar/syntax.hpp"

namespace tollgate {

struct ParseResult {
  syntax::File file;                     // the declarations that parsed (possibly some, even with errors)
  std::vector<Diagnostic> diagnostics;   // parse errors, sorted; empty on success
  bool ok() const { return !has_errors(diagnostics); }
};

// Deepest nesting of parentheses / braces accepted (deeper input is rejected with tollgate.parse.too-deep).
// `not` and unary `-` count as levels too: each is a level of the parser's recursion.
inline constexpr int max_nesting_depth = 64;
// Largest rules file parsed, in bytes (larger: tollgate.parse.too-large). Parsing takes some hundred bytes of
// memory per byte of rules; the bound keeps that to a known size whatever file is given.
inline constexpr size_t max_rules_bytes = size_t{1} << 20;

ParseResult parse_rules(std::string text, std::string path);

}  // namespace tollgate
