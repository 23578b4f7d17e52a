// tollgate — the declaration sub-grammar: definition. Included only by declaration.cpp (its instantiation).
// Expressions come from the expression sub-grammar through its accessor (compiled in expression.cpp).
//
// Clauses are parsed generically (keyword + value) so that the checker, not the parser, reports a missing
// citation or a clause that does not belong to a kind of rule: those read better as checker diagnostics.
#pragma once

#include "grammar/common.hpp"
#include "grammar/declaration.hpp"
#include "grammar/error_handler.hpp"
#include "grammar/expression.hpp"

namespace tollgate::grammar {
namespace parser {
using namespace common;

// ---- Rule IDs -----------------------------------------------------------------------------------------------
struct declaration_class : x3::annotate_on_success, error_handler_base {};
struct include_decl_class;
struct ruleset_decl_class;
struct def_decl_class;
struct rule_decl_class;
struct header_item_class : x3::annotate_on_success {};
struct clause_class : x3::annotate_on_success {};
struct ident_token_class : x3::annotate_on_success {};
struct string_token_class : x3::annotate_on_success {};
struct date_token_class : x3::annotate_on_success {};
struct quoted_text_class;
struct token_list_class;
struct when_kw_class;
struct close_brace_class;

// ---- Rules --------------------------------------------------------------------------------------------------
const x3::rule<declaration_class, ast::declaration> declaration =
    "a declaration (ruleset, include, group, metric, condition, classify, rule, levy, note or field)";
const x3::rule<include_decl_class, ast::declaration> include_decl = "an include";
const x3::rule<ruleset_decl_class, ast::declaration> ruleset_decl = "a ruleset header";
const x3::rule<def_decl_class, ast::declaration> def_decl = "a definition";
const x3::rule<rule_decl_class, ast::declaration> rule_decl = "a rule";
const x3::rule<header_item_class, ast::clause> header_item =
    "a ruleset item (source, status, effective, until, replaces, replaced_by, covers_from, covers_until) or '}'";
const x3::rule<clause_class, ast::clause> clause = "a clause";
const x3::rule<ident_token_class, ast::token> ident_token = "an identifier";
const x3::rule<string_token_class, ast::token> string_token = "a string in double quotes";
const x3::rule<date_token_class, ast::token> date_token = "a date (YYYY-MM-DD)";
const x3::rule<quoted_text_class, std::string> quoted_text = "a string in double quotes";
const x3::rule<token_list_class, std::vector<ast::token>> token_list = "a list of rule names";
const x3::rule<when_kw_class> when_kw = "'when'";
const x3::rule<close_brace_class> close_brace =
    "'}' or a ruleset item (source, status, effective, until, replaces, replaced_by, covers_from, covers_until)";

// ---- Grammar ------------------------------------------------------------------------------------------------
// declaration = include | ruleset | definition | rule ;
// include     = "include" string ;
// ruleset     = "ruleset" ident string "{" { header_item } "}" ;
// header_item = "source" string | "status" ident | "effective" date | "until" date
//             | "replaces" ident | "replaced_by" ident | "covers_from" date | "covers_until" date ;
// definition  = ("group" | "metric" | "condition") ident "=" expression ;
// rule        = ("classify" | "rule" | "levy" | "note" | "field") ident { clause } ;
// clause      = "on" ident | "as" string | "when" expression | "except" "when" expression | "then" ident
//             | "review" ident | "exception" ident | "overrides" ident { "," ident } | "fee" expression
//             | "of" ident | "effective" date | "until" date | "cite" string | "quote" string
//             | "type" ident | "unit" string | "doc" string | "required" | "positive" ;
// A `field` declaration (the record schema, docs/language.md) is read with the rule grammar: `field tpp on chip`
// followed by its clauses; the checker says which clauses belong to which kind.
using opt_token = boost::optional<ast::token>;
using opt_expr = boost::optional<ast::expression>;
using clause_list = std::vector<ast::clause>;

const auto declaration_def = include_decl | ruleset_decl | def_decl | rule_decl;

// NOTE: parentheses keep each `>` chain apart from the x3::attr() fillers: an expectation on a sequence that
// includes them would be reported with the sequence's mangled type name instead of a phrase.
const auto include_decl_def = (kwa("include") > string_token) >> x3::attr(opt_token()) >> x3::attr(clause_list()) >>
                              x3::attr(opt_expr());
const auto ruleset_decl_def = (kwa("ruleset") > ident_token > string_token > '{' > *header_item > close_brace) >>
                              x3::attr(opt_expr());
const auto def_decl_def = (kwa("group") | kwa("metric") | kwa("condition")) > ident_token >>
                          x3::attr(opt_token()) >> x3::attr(clause_list()) > '=' > expression();
const auto rule_decl_def = ((kwa("classify") | kwa("rule") | kwa("levy") | kwa("note") | kwa("field")) > ident_token) >>
                           x3::attr(opt_token()) >> *clause >> x3::attr(opt_expr());

const auto header_item_def = (kwa("source") > string_token)
                           | (kwa("status") > ident_token)
                           | (kwa("effective") > date_token)
                           | (kwa("until") > date_token)
                           | (kwa("replaces") > ident_token)
                           | (kwa("replaced_by") > ident_token)
                           | (kwa("covers_from") > date_token)
                           | (kwa("covers_until") > date_token);

const auto when_kw_def = kw("when");
const auto close_brace_def = x3::lit('}');
const auto clause_def = (kwa("on") > ident_token)
                      | (kwa("as") > string_token)
                      | (kwa("when") > expression())
                      | ((kwa("except") > when_kw) > expression())
                      | (kwa("then") > ident_token)
                      | (kwa("review") > ident_token)
                      | (kwa("exception") > ident_token)
                      | (kwa("overrides") > token_list)
                      | (kwa("fee") > expression())
                      | (kwa("of") > ident_token)
                      | (kwa("effective") > date_token)
                      | (kwa("until") > date_token)
                      | (kwa("cite") > string_token)
                      | (kwa("quote") > string_token)
                      | (kwa("type") > ident_token)
                      | (kwa("unit") > string_token)
                      | (kwa("doc") > string_token)
                      | (kwa("required") >> x3::attr(ast::token()))
                      | (kwa("positive") >> x3::attr(ast::token()));

const auto ident_token_def = (identifier_text - expression_keyword) >> x3::attr(false);
const auto token_list_def = ident_token % ',';
const auto quoted_text_def = lexeme['"' > *(('\\' > char_("\"\\")) | ~char_("\"\\\n")) > '"'];
const auto string_token_def = quoted_text >> x3::attr(true);
const auto date_token_def = date_text >> x3::attr(false);

BOOST_SPIRIT_DEFINE(declaration, include_decl, ruleset_decl, def_decl, rule_decl, header_item, clause, ident_token,
                    string_token, date_token, quoted_text, token_list, when_kw, close_brace)
}  // namespace parser

parser::declaration_type const& declaration() { return parser::declaration; }
}  // namespace tollgate::grammar
