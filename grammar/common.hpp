// tollgate — lexemes shared by the sub-grammars: keywords, identifiers, numbers, dates, strings, units.
// Private to grammar/; included only by *_def.hpp.
#pragma once

#include "grammar/ast.hpp"
#include "grammar/ast_adapted.hpp"
#include "grammar/config.hpp"

namespace tollgate::grammar::common {
// ASCII classes only: the standard ones assert (and are undefined in a release build) on a byte above 127,
// which any UTF-8 text in a rules file has. A non-ASCII byte is simply not a letter, digit or space here.
using x3::ascii::alnum;
using x3::ascii::alpha;
using x3::char_;
using x3::ascii::digit;
using x3::lexeme;
using x3::lit;
using x3::raw;

// A keyword: the word, not followed by an identifier character ("in" must not match "interconnect").
inline auto kw(const char* word) { return lexeme[lit(word) >> !(alnum | '_')]; }
// A keyword that also yields its own text as the attribute (to fill a `kind`/`key` member).
inline auto kwa(const char* word) { return kw(word) >> x3::attr(std::string(word)); }

// Words that cannot be a name inside an expression.
// Clause and declaration keywords are reserved too, so that an unfinished condition reports "expected a value"
// at `then` instead of reading `then` as a name.
const auto expression_keyword = lexeme[(lit("and") | "or" | "not" | "in" | "mentions" | "is" | "given" |
                                        "absent" | "true" | "false" | "from" | "until" | "when" | "except" |
                                        "then" | "review" | "exception" | "overrides" | "fee" | "of" |
                                        "effective" | "cite" | "quote" | "on" | "as" | "ruleset" | "include" |
                                        "group" | "metric" | "condition" | "classify" | "rule" | "levy" |
                                        "note") >>
                                       !(alnum | '_')];

const auto identifier_text = lexeme[raw[(alpha | '_') >> *(alnum | '_')]];

// Unit symbols accepted after a number; the checker knows their dimensions.
struct unit_symbols : x3::symbols<std::string> {
  unit_symbols() {
    add("GB/s", "GB/s")("mm2", "mm2")("nm", "nm")("billion", "billion");
  }
};
const unit_symbols units;

// NOTE: every string-valued lexeme is one raw[...] around the whole pattern (boundary checks included). A
// sequence parsed into a std::string is parsed element by element as into a container, where raw[] would be
// asked to produce a char.
const auto digits_pattern = +digit >> -('.' >> +digit);
const auto date_pattern = x3::repeat(4)[digit] >> '-' >> x3::repeat(2)[digit] >> '-' >> x3::repeat(2)[digit];
const auto date_text = lexeme[raw[date_pattern >> !(alnum | '_')]];

}  // namespace tollgate::grammar::common
