// tollgate — the expression sub-grammar: declaration (BOOST_SPIRIT_DECLARE) and accessor. Private to grammar/.
#pragma once

#include "grammar/ast.hpp"
#include "grammar/config.hpp"

namespace tollgate::grammar {
namespace parser {
struct expression_class;
using expression_type = x3::rule<expression_class, ast::expression>;
BOOST_SPIRIT_DECLARE(expression_type)
}  // namespace parser

parser::expression_type const& expression();
}  // namespace tollgate::grammar
