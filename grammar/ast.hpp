// tollgate — the X3 parser's internal AST. Private to grammar/: parse.cpp lowers it into syntax.hpp's tree.
// Plain structs with x3::position_tagged on every node that needs a span; x3::variant + forward_ast for
// recursion (the layout of Spirit X3's calc9 / rexpr examples). No semantic actions anywhere.
#pragma once

#include <boost/optional.hpp>
#include <boost/spirit/home/x3/support/ast/position_tagged.hpp>
#include <boost/spirit/home/x3/support/ast/variant.hpp>
#include <string>
#include <vector>

namespace tollgate::grammar::ast {
namespace x3 = boost::spirit::x3;

struct nil {};
struct expression;
struct unary;

struct number_lit : x3::position_tagged { std::string digits; boost::optional<std::string> unit; };
struct percent_lit : x3::position_tagged { std::string digits; };
struct date_lit : x3::position_tagged { std::string text; };
struct string_lit : x3::position_tagged { std::string text; };
struct bool_lit : x3::position_tagged { std::string text; };  // "true" / "false"
struct path : x3::position_tagged { std::string dotted; };  // "chip.tpp"

struct set_item : x3::position_tagged { std::string text; bool quoted = false; };
struct set_lit : x3::position_tagged {
  std::vector<set_item> items;
  boost::optional<date_lit> from;
  boost::optional<date_lit> until;
};

struct operand : x3::variant<nil, number_lit, percent_lit, date_lit, string_lit, bool_lit, path, set_lit,
                             x3::forward_ast<unary>, x3::forward_ast<expression>> {
  using base_type::base_type;
  using base_type::operator=;
};

struct unary : x3::position_tagged { std::string op; operand operand_; };        // "not" or "-"
struct operation : x3::position_tagged { std::string op; operand operand_; };    // binary op and its rhs
struct expression : x3::position_tagged { operand first; std::vector<operation> rest; };

// ---- declarations -------------------------------------------------------------------------------------------
struct token : x3::position_tagged { std::string text; bool quoted = false; };

struct clause_value : x3::variant<expression, token, std::vector<token>> {
  using base_type::base_type;
  using base_type::operator=;
};

struct clause : x3::position_tagged { std::string key; clause_value value; };

struct declaration : x3::position_tagged {
  std::string kind;             // include, ruleset, group, metric, condition, classify, rule, levy, note
  token name;                   // include: the path
  boost::optional<token> title; // ruleset only
  std::vector<clause> clauses;  // ruleset items or rule clauses
  boost::optional<expression> value;  // group / metric / condition
};

}  // namespace tollgate::grammar::ast
