// tollgate — the expression sub-grammar: definition. Included only by expression.cpp (its instantiation).
//
// Precedence, loosest first:   or  <  and  <  not  <  comparison (chainable: a <= x < b; in, not in, mentions,
// is given, is absent)  <  | &  (set union / intersection)  <  + -  <  * /  <  unary -  <  primary.
// `-` between sets is set difference; the checker, not the parser, tells sets from numbers.
#pragma once

#include "grammar/common.hpp"
#include "grammar/expression.hpp"

namespace tollgate::grammar {
namespace parser {
using namespace common;

// ---- Rule IDs -----------------------------------------------------------------------------------------------
struct or_expr_class : x3::annotate_on_success {};
struct and_expr_class : x3::annotate_on_success {};
struct not_expr_class;
struct not_op_class : x3::annotate_on_success {};
struct comparison_class : x3::annotate_on_success {};
struct comparison_tail_class : x3::annotate_on_success {};
struct union_class : x3::annotate_on_success {};
struct sum_class : x3::annotate_on_success {};
struct term_class : x3::annotate_on_success {};
struct or_tail_class : x3::annotate_on_success {};
struct and_tail_class : x3::annotate_on_success {};
struct union_tail_class : x3::annotate_on_success {};
struct sum_tail_class : x3::annotate_on_success {};
struct term_tail_class : x3::annotate_on_success {};
struct path_part_class;
struct factor_class;
struct negation_class : x3::annotate_on_success {};
struct primary_class;
struct number_class : x3::annotate_on_success {};
struct percent_class : x3::annotate_on_success {};
struct date_class : x3::annotate_on_success {};
struct string_class : x3::annotate_on_success {};
struct bool_class : x3::annotate_on_success {};
struct path_class : x3::annotate_on_success {};
struct set_class : x3::annotate_on_success {};
struct set_item_class : x3::annotate_on_success {};
struct string_text_class;
struct date_text_class;

// ---- Rules --------------------------------------------------------------------------------------------------
const x3::rule<expression_class, ast::expression> expression = "an expression";
const x3::rule<or_expr_class, ast::expression> or_expr = "an expression";
const x3::rule<and_expr_class, ast::expression> and_expr = "an expression";
const x3::rule<not_expr_class, ast::operand> not_expr = "an expression";
const x3::rule<not_op_class, ast::unary> not_op = "an expression";
const x3::rule<comparison_class, ast::expression> comparison = "an expression";
const x3::rule<comparison_tail_class, ast::operation> comparison_tail = "a comparison";
const x3::rule<union_class, ast::expression> union_expr = "a value";
const x3::rule<sum_class, ast::expression> sum = "a value";
const x3::rule<term_class, ast::expression> term = "a value";
// Binary tails are rules of their own so that their attribute is an ast::operation, not a flattened container.
const x3::rule<or_tail_class, ast::operation> or_tail = "an expression";
const x3::rule<and_tail_class, ast::operation> and_tail = "an expression";
const x3::rule<union_tail_class, ast::operation> union_tail = "a value";
const x3::rule<sum_tail_class, ast::operation> sum_tail = "a value";
const x3::rule<term_tail_class, ast::operation> term_tail = "a value";
const x3::rule<factor_class, ast::operand> factor = "a value";
const x3::rule<negation_class, ast::unary> negation = "a value";
const x3::rule<primary_class, ast::operand> primary = "a value (number, date, string, name, set or '(')";
const x3::rule<number_class, ast::number_lit> number = "a number";
const x3::rule<percent_class, ast::percent_lit> percent = "a percentage";
const x3::rule<date_class, ast::date_lit> date = "a date (YYYY-MM-DD)";
const x3::rule<string_class, ast::string_lit> string = "a string in double quotes";
const x3::rule<bool_class, ast::bool_lit> boolean = "true or false";
const x3::rule<path_class, ast::path> path = "a name";
const x3::rule<path_part_class, std::string> path_part = "a name";
const x3::rule<set_class, ast::set_lit> set = "a set {A, B, ...}";
const x3::rule<set_item_class, ast::set_item> set_item = "a set member (a code or a string)";
const x3::rule<string_text_class, std::string> string_text = "a string in double quotes";
const x3::rule<date_text_class, std::string> date_only = "a date (YYYY-MM-DD)";

// ---- Grammar ------------------------------------------------------------------------------------------------
// expression  = or_expr ;
// or_expr     = and_expr { "or" and_expr } ;
// and_expr    = not_expr { "and" not_expr } ;
// not_expr    = "not" not_expr | comparison ;
// comparison  = union { ("<"|"<="|">"|">="|"=="|"!=") union | ["not"] "in" union | "mentions" union
//                       | "is" ("given"|"absent") } ;
// union       = sum { ("|"|"&") sum } ;
// sum         = term { ("+"|"-") term } ;
// term        = factor { ("*"|"/") factor } ;
// factor      = "-" factor | primary ;
// primary     = date | percent | number [unit] | string | "true" | "false" | set | path | "(" expression ")" ;
// set         = "{" [ member { "," member } ] "}" [ "from" date ] [ "until" date ] ;
const auto comparison_op = x3::string("<=") | x3::string(">=") | x3::string("==") | x3::string("!=") |
                           x3::string("<") | x3::string(">");

const auto expression_def = or_expr;
const auto or_expr_def = and_expr >> *or_tail;
const auto or_tail_def = kwa("or") > and_expr;
const auto and_expr_def = not_expr >> *and_tail;
const auto and_tail_def = kwa("and") > not_expr;
const auto not_expr_def = not_op | comparison;
const auto not_op_def = (kwa("not") >> !kw("in")) > not_expr;
const auto comparison_def = union_expr >> *comparison_tail;
const auto comparison_tail_def = (comparison_op > union_expr)
                               | ((kw("not") >> kw("in") >> x3::attr(std::string("not in"))) > union_expr)
                               | (kwa("in") > union_expr)
                               | (kwa("mentions") > union_expr)
                               | (kw("is") > ((kw("given") >> x3::attr(std::string("is given")))
                                            | (kw("absent") >> x3::attr(std::string("is absent"))))
                                  >> x3::attr(ast::operand()));
const auto union_expr_def = sum >> *union_tail;
const auto union_tail_def = (x3::string("|") | x3::string("&")) > sum;
const auto sum_def = term >> *sum_tail;
const auto sum_tail_def = (x3::string("+") | x3::string("-")) > term;
const auto term_def = factor >> *term_tail;
const auto term_tail_def = (x3::string("*") | x3::string("/")) > factor;
const auto factor_def = negation | primary;
const auto negation_def = x3::string("-") > factor;
const auto primary_def = date | percent | number | string | boolean | set | path | ('(' > expression > ')');

const auto number_def = lexeme[raw[digits_pattern >> !(alpha | '_' | '%')]] >> -units;
const auto percent_def = lexeme[raw[digits_pattern >> '%']];  // text keeps the '%'; lowering drops it
const auto date_only_def = date_text;
const auto date_def = date_only;
const auto string_text_def = lexeme['"' > *(('\\' > char_("\"\\")) | ~char_("\"\\\n")) > '"'];
const auto string_def = string_text;
const auto boolean_def = lexeme[raw[(lit("true") | lit("false")) >> !(alnum | '_')]];
const auto path_part_def = identifier_text - expression_keyword;
const auto path_def = lexeme[raw[path_part % '.']];
const auto set_item_def = (string_text >> x3::attr(true)) | (identifier_text >> x3::attr(false));
const auto set_def = ('{' > -(set_item % ',') > '}') >> -(kw("from") > date) >> -(kw("until") > date);

BOOST_SPIRIT_DEFINE(expression, or_expr, or_tail, and_tail, union_tail, sum_tail, term_tail, and_expr, not_expr, not_op, comparison, comparison_tail, union_expr, sum,
                    term, factor, negation, primary, number, percent, date, date_only, string, string_text, boolean,
                    path, path_part, set, set_item)
}  // namespace parser

parser::expression_type const& expression() { return parser::expression; }
}  // namespace tollgate::grammar
