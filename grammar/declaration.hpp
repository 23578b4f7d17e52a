// tollgate — the declaration sub-grammar (one top-level declaration): declaration and accessor. Private to grammar/.
#pragma once

#include "grammar/ast.hpp"
#include "grammar/config.hpp"

namespace tollgate::grammar {
namespace parser {
struct declaration_class;
using declaration_type = x3::rule<declaration_class, ast::declaration>;
BOOST_SPIRIT_DECLARE(declaration_type)
}  // namespace parser

parser::declaration_type const& declaration();
}  // namespace tollgate::grammar
