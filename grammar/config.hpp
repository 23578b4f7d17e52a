// tollgate — the X3 types, spelled out once: iterator, skipper (whitespace and '#' comments), context.
// Every X3 translation unit in grammar/ uses exactly these; a mismatch shows up as an undefined parse_rule at link.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <boost/spirit/home/x3/support/ast/position_tagged.hpp>
#include <boost/spirit/home/x3/support/utility/annotate_on_success.hpp>
#include <boost/spirit/home/x3/support/utility/error_reporting.hpp>
#include <string>
#include <vector>

namespace tollgate::grammar {
namespace x3 = boost::spirit::x3;

using iterator_type = const char*;

// One expectation failure or unexpected token, recorded by the error handler (error_handler.hpp) and turned
// into a Diagnostic by parse.cpp.
struct raw_error {
  iterator_type where;
  std::string expected;  // a human phrase: "an expression", "a date (YYYY-MM-DD)", "'}'"
};

// The state threaded through a parse with x3::with<parse_state_tag>: positions of tagged AST nodes, and errors.
struct parse_state {
  x3::position_cache<std::vector<iterator_type>> positions;
  std::vector<raw_error> errors;
  parse_state(iterator_type first, iterator_type last) : positions(first, last) {}
  template <typename T>
  void tag(T& ast, iterator_type first, iterator_type last) {
    positions.annotate(ast, first, last);
  }
};

// annotate_on_success looks the state up under x3::error_handler_tag; we reuse that tag for our state.
using parse_state_tag = x3::error_handler_tag;

namespace skip {
// Whitespace (ASCII only: x3::space would assert on a byte above 127), and comments from '#' to the end of the
// line (any bytes).
// A comment ends at '\n' only (a lone '\r' inside it is part of it), as the comment scan in parse.cpp reads it.
const auto comment = x3::lexeme['#' >> *(x3::char_ - '\n')];
const auto skipper = x3::ascii::space | comment;
}  // namespace skip
using skipper_type = std::remove_cv_t<decltype(skip::skipper)>;

using phrase_context_type = x3::phrase_parse_context<skipper_type>::type;
using context_type = x3::context<parse_state_tag, std::reference_wrapper<parse_state>, phrase_context_type>;

}  // namespace tollgate::grammar
