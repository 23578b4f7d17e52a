// tollgate — Boost.Fusion adaptation of the internal AST (global scope, as X3 requires). Private to grammar/.
#pragma once

#include <boost/fusion/include/adapt_struct.hpp>

#include "grammar/ast.hpp"

BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::number_lit, digits, unit)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::percent_lit, digits)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::date_lit, text)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::string_lit, text)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::bool_lit, text)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::path, dotted)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::set_item, text, quoted)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::set_lit, items, from, until)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::unary, op, operand_)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::operation, op, operand_)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::expression, first, rest)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::token, text, quoted)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::clause, key, value)
BOOST_FUSION_ADAPT_STRUCT(tollgate::grammar::ast::declaration, kind, name, title, clauses, value)
