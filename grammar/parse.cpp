// tollgate — the parser facade: pre-checks, the declaration-at-a-time parse loop with recovery, and lowering of
// the internal X3 AST into the public syntax tree (syntax.hpp). Includes only the *declarations* of the X3 rules;
// their definitions are compiled once, in expression.cpp and declaration.cpp.
#include "grammar/parse.hpp"

#include <algorithm>
#include <string_view>

#include "grammar/ast_adapted.hpp"
#include "grammar/config.hpp"
#include "grammar/declaration.hpp"

namespace tollgate {
namespace {
namespace ast = grammar::ast;
using syntax::Expr;
using syntax::ExprKind;

constexpr size_t max_identifier_length = 128;

const char* const top_level_keywords[] = {"ruleset", "include", "group",    "metric", "condition",
                                          "classify", "rule",   "levy",     "note", "field"};

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Offset of the first byte that makes `text` not UTF-8 text (a NUL, a bad sequence), or npos.
size_t first_non_text_byte(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return i;
    if (c < 0x80) { ++i; continue; }
    int n = (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (n < 0) return i;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= text.size() || (static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

// Walks the text once, outside strings: collects comments and finds the first place nested too deeply.
struct Scan {
  std::vector<syntax::Comment> comments;
  size_t too_deep_at = std::string_view::npos;
  bool too_deep_unary = false;  // prefix operators (not only brackets) made it too deep
  bool only_trivia = true;  // nothing but whitespace and comments
};

Scan scan(std::string_view text) {
  Scan s;
  int depth = 0;
  int unary = 0;  // `not` and `-` in a row (each is a level of the parser's recursion, like a parenthesis)
  bool in_string = false;
  bool line_has_code = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') { line_has_code = false; in_string = false; continue; }
    if (in_string) {
      if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '#') {
      size_t end = text.find('\n', i);
      if (end == std::string_view::npos) end = text.size();
      std::string body(text.substr(i, end - i));
      while (!body.empty() && (body.back() == ' ' || body.back() == '\t' || body.back() == '\r')) body.pop_back();
      s.comments.push_back({static_cast<uint32_t>(i), std::move(body), !line_has_code});
      i = end - 1;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    line_has_code = true;
    s.only_trivia = false;
    bool deeper = false;
    if (c == '"') {
      in_string = true;
      unary = 0;
    } else if (c == '(' || c == '{') {
      deeper = ++depth + unary > max_nesting_depth;
    } else if (c == '-') {
      deeper = depth + ++unary > max_nesting_depth;
    } else if (is_ident_char(c)) {
      size_t e = i;
      while (e < text.size() && is_ident_char(text[e])) ++e;
      if (text.substr(i, e - i) == "not") deeper = depth + ++unary > max_nesting_depth;
      else unary = 0;
      i = e - 1;
    } else {
      if ((c == ')' || c == '}') && depth > 0) --depth;
      unary = 0;
    }
    if (deeper && s.too_deep_at == std::string_view::npos) {
      s.too_deep_at = i;
      s.too_deep_unary = unary > 0;
    }
  }
  return s;
}

class Lowerer {
 public:
  Lowerer(std::shared_ptr<const SourceFile> src, grammar::parse_state& st, std::vector<Diagnostic>& diags,
          const std::vector<syntax::Comment>& comments)
      : src_(std::move(src)), state_(st), diags_(diags), comments_(comments) {}

  // X3 leaves the skipper's work (whitespace, comments) at the end of some nodes; spans exclude it.
  Span span_of(const boost::spirit::x3::position_tagged& node) const {
    auto range = state_.positions.position_of(node);
    Span s;
    s.file = src_;
    s.offset = static_cast<uint32_t>(range.begin() - src_->text.data());
    uint32_t end = static_cast<uint32_t>(range.end() - src_->text.data());
    const std::string& t = src_->text;
    for (;;) {
      while (end > s.offset && (t[end - 1] == ' ' || t[end - 1] == '\t' || t[end - 1] == '\r' || t[end - 1] == '\n'))
        --end;
      auto c = std::find_if(comments_.begin(), comments_.end(), [&](const syntax::Comment& cm) {
        return cm.offset >= s.offset && cm.offset < end && end <= cm.offset + cm.text.size();
      });
      if (c == comments_.end()) break;
      end = c->offset;
    }
    s.length = end - s.offset;
    return s;
  }

  syntax::Token token(const ast::token& t) {
    syntax::Token out{t.text, span_of(t), t.quoted};
    check_identifier(out.text, out.span, t.quoted);
    return out;
  }

  void check_identifier(const std::string& text, const Span& span, bool quoted) {
    if (!quoted && text.size() > max_identifier_length) {
      Diagnostic d;
      d.code = "tollgate.parse.too-long";
      d.message = "identifier is " + std::to_string(text.size()) + " characters long; the limit is " +
                  std::to_string(max_identifier_length);
      d.span = span;
      d.span.length = 1;
      diags_.push_back(std::move(d));
    }
  }

  Expr expression(const ast::expression& e) {
    if (e.rest.empty()) return operand(e.first);
    Expr out;
    out.span = span_of(e);
    out.args.push_back(operand(e.first));
    for (const auto& op : e.rest) {
      out.ops.push_back(op.op);
      out.args.push_back(operand(op.operand_));
    }
    const std::string& first_op = out.ops.front();
    auto is_cmp = [](const std::string& o) {
      return o == "<" || o == "<=" || o == ">" || o == ">=" || o == "==" || o == "!=";
    };
    if (is_cmp(first_op) || first_op == "in" || first_op == "not in" || first_op == "mentions" ||
        first_op == "is given" || first_op == "is absent") {
      bool all_cmp = std::all_of(out.ops.begin(), out.ops.end(), is_cmp);
      if (all_cmp) {
        out.kind = ExprKind::compare;
        if (out.ops.size() > 2) error(out.span, "tollgate.parse.chain", "a comparison chain has at most two operators",
                                      "write `low <= x < high`, or join comparisons with `and`");
        return out;
      }
      if (out.ops.size() > 1) {
        error(out.span, "tollgate.parse.chain",
              "'" + (is_cmp(first_op) ? out.ops[1] : first_op) + "' cannot be chained with another comparison",
              "put parentheses around each comparison and join them with `and` or `or`");
        return out.args.front();
      }
      if (first_op == "in") out.kind = ExprKind::in;
      else if (first_op == "not in") out.kind = ExprKind::not_in;
      else if (first_op == "mentions") out.kind = ExprKind::mentions;
      else {
        out.kind = first_op == "is given" ? ExprKind::is_given : ExprKind::is_absent;
        out.args.pop_back();  // the nil placeholder
      }
      out.ops.clear();
      return out;
    }
    out.kind = ExprKind::binary;
    return out;
  }

  Expr operand(const ast::operand& o) {
    struct V {
      Lowerer& self;
      Expr operator()(const ast::nil&) const { return Expr{}; }
      Expr operator()(const ast::number_lit& n) const {
        Expr e;
        e.kind = ExprKind::number;
        e.span = self.span_of(n);
        e.text = n.digits;
        if (n.unit) e.unit = *n.unit;
        return e;
      }
      Expr operator()(const ast::percent_lit& n) const {
        Expr e;
        e.kind = ExprKind::percent;
        e.span = self.span_of(n);
        e.text = n.digits.substr(0, n.digits.size() - 1);  // drop the '%'
        return e;
      }
      Expr operator()(const ast::date_lit& n) const {
        Expr e;
        e.kind = ExprKind::date;
        e.span = self.span_of(n);
        e.text = n.text;
        return e;
      }
      Expr operator()(const ast::string_lit& n) const {
        Expr e;
        e.kind = ExprKind::string;
        e.span = self.span_of(n);
        e.text = n.text;
        return e;
      }
      Expr operator()(const ast::bool_lit& n) const {
        Expr e;
        e.kind = ExprKind::boolean;
        e.span = self.span_of(n);
        e.flag = n.text == "true";
        return e;
      }
      Expr operator()(const ast::path& n) const {
        Expr e;
        e.kind = ExprKind::name;
        e.span = self.span_of(n);
        e.text = n.dotted;
        self.check_identifier(e.text, e.span, false);
        return e;
      }
      Expr operator()(const ast::set_lit& n) const {
        Expr e;
        e.kind = ExprKind::set;
        e.span = self.span_of(n);
        for (const auto& it : n.items) {
          e.items.push_back({it.text, it.quoted, self.span_of(it)});
          self.check_identifier(it.text, e.items.back().span, it.quoted);
        }
        if (n.from) { e.from = n.from->text; e.from_span = self.span_of(*n.from); }
        if (n.until) { e.until = n.until->text; e.until_span = self.span_of(*n.until); }
        return e;
      }
      Expr operator()(const boost::spirit::x3::forward_ast<ast::unary>& u) const {
        Expr e;
        e.kind = u.get().op == "not" ? ExprKind::not_ : ExprKind::neg;
        e.span = self.span_of(u.get());
        e.args.push_back(self.operand(u.get().operand_));
        return e;
      }
      Expr operator()(const boost::spirit::x3::forward_ast<ast::expression>& x) const {
        return self.expression(x.get());
      }
    };
    return boost::apply_visitor(V{*this}, o);
  }

  syntax::Clause clause(const ast::clause& c) {
    syntax::Clause out;
    out.key = c.key;
    out.span = span_of(c);
    out.span.length = static_cast<uint32_t>(c.key.size());
    struct V {
      Lowerer& self;
      syntax::Clause& out;
      void operator()(const ast::expression& e) const {
        out.kind = syntax::Clause::Kind::expr;
        out.expr = self.expression(e);
      }
      void operator()(const ast::token& t) const {
        out.kind = syntax::Clause::Kind::token;
        if (t.text.empty() && !t.quoted) {  // a flag clause (`required`): no token of its own, no position
          out.token.span = out.span;
          return;
        }
        out.token = self.token(t);
      }
      void operator()(const std::vector<ast::token>& ts) const {
        out.kind = syntax::Clause::Kind::tokens;
        for (const auto& t : ts) out.tokens.push_back(self.token(t));
      }
    };
    boost::apply_visitor(V{*this, out}, c.value);
    return out;
  }

  syntax::Decl declaration(const ast::declaration& d) {
    syntax::Decl out;
    static const std::pair<const char*, syntax::DeclKind> kinds[] = {
        {"include", syntax::DeclKind::include}, {"ruleset", syntax::DeclKind::ruleset},
        {"group", syntax::DeclKind::group},     {"metric", syntax::DeclKind::metric},
        {"condition", syntax::DeclKind::condition}, {"classify", syntax::DeclKind::classify},
        {"rule", syntax::DeclKind::rule},       {"levy", syntax::DeclKind::levy},
        {"note", syntax::DeclKind::note},       {"field", syntax::DeclKind::field}};
    for (const auto& [word, kind] : kinds)
      if (d.kind == word) out.kind = kind;
    out.span = span_of(d);
    out.name = token(d.name);
    if (d.title) out.title = token(*d.title);
    for (const auto& c : d.clauses) out.clauses.push_back(clause(c));
    if (d.value) out.value = expression(*d.value);
    return out;
  }

 private:
  void error(const Span& at, std::string code, std::string message, std::string help) {
    Diagnostic d;
    d.code = std::move(code);
    d.message = std::move(message);
    d.span = at;
    d.help = std::move(help);
    diags_.push_back(std::move(d));
  }

  std::shared_ptr<const SourceFile> src_;
  grammar::parse_state& state_;
  std::vector<Diagnostic>& diags_;
  const std::vector<syntax::Comment>& comments_;
};

// The first offset at or after `from`, and after `start`, where a line starts with a top-level keyword (the
// line holding `from` counts if `from` is at its first token), or the end of the text.
size_t recovery_point(std::string_view text, size_t start, size_t from) {
  size_t i = text.rfind('\n', from == 0 ? 0 : from - 1);
  i = (i == std::string_view::npos || from == 0) ? std::string_view::npos : i;
  bool first = true;
  while (first || i != std::string_view::npos) {
    size_t j = first && i == std::string_view::npos ? 0 : i + 1;
    first = false;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r')) ++j;
    for (const char* kw : top_level_keywords) {
      std::string_view k(kw);
      if (j > start && j >= from && text.substr(j, k.size()) == k &&
          (j + k.size() == text.size() || !is_ident_char(text[j + k.size()])))
        return j;
    }
    i = text.find('\n', j);
  }
  return text.size();
}

std::string describe_found(std::string_view text, size_t at) {
  if (at >= text.size()) return "the end of the file";
  size_t n = 0;
  if (is_ident_char(text[at])) {
    while (at + n < text.size() && is_ident_char(text[at + n]) && n < 40) ++n;
  } else {
    n = 1;
  }
  return "'" + std::string(text.substr(at, n)) + "'";
}

}  // namespace

ParseResult parse_rules(std::string text, std::string path) {
  ParseResult result;
  auto src = std::make_shared<const SourceFile>(std::move(path), std::move(text));
  result.file.source = src;
  const std::string_view view(src->text);

  auto fail = [&](uint32_t at, std::string code, std::string message, std::string help) {
    Diagnostic d;
    d.code = std::move(code);
    d.message = std::move(message);
    d.span = Span{src, at, at < view.size() ? 1u : 0u};
    d.help = std::move(help);
    result.diagnostics.push_back(std::move(d));
  };

  if (view.size() > max_rules_bytes) {
    fail(0, "tollgate.parse.too-large",
         "this file is " + std::to_string(view.size()) + " bytes; a rules file may hold at most " +
             std::to_string(max_rules_bytes) + " (the bundled law is some 25 kB in all)",
         "split it into several files, or check that this is a rules file");
    return result;
  }
  if (size_t bad = first_non_text_byte(view); bad != std::string_view::npos) {
    fail(static_cast<uint32_t>(bad), "tollgate.parse.not-text",
         "this file is not UTF-8 text (byte " + std::to_string(bad) + " is " +
             (view[bad] == 0 ? std::string("NUL") : "not valid UTF-8") + ")",
         "rules files are plain UTF-8 text; is this the right file?");
    return result;
  }
  Scan sc = scan(view);
  result.file.comments = std::move(sc.comments);
  if (sc.only_trivia) {
    fail(0, "tollgate.parse.empty", "this file has no declarations",
         "a rules file holds at least one declaration, e.g. `ruleset id \"title\" { ... }`");
    return result;
  }
  if (sc.too_deep_at != std::string_view::npos) {
    fail(static_cast<uint32_t>(sc.too_deep_at), "tollgate.parse.too-deep",
         (sc.too_deep_unary ? "parentheses, braces and the prefix operators `not` and `-` are nested more than "
                            : "parentheses and braces are nested more than ") +
             std::to_string(max_nesting_depth) + " deep here",
         "split the condition into named `condition` or `metric` definitions");
    return result;
  }

  namespace x3 = boost::spirit::x3;
  const char* const begin = view.data();
  const char* const end = begin + view.size();
  grammar::parse_state state(begin, end);
  Lowerer lower(src, state, result.diagnostics, result.file.comments);
  const char* pos = begin;
  // Skip leading whitespace and comments once; phrase_parse post-skips after each declaration.
  x3::parse(pos, end, *grammar::skip::skipper);
  while (pos != end) {
    ast::declaration d;
    const char* start = pos;
    size_t errors_before = state.errors.size();
    bool ok = x3::phrase_parse(pos, end, x3::with<grammar::parse_state_tag>(std::ref(state))[grammar::declaration()],
                               grammar::skip::skipper, d);
    if (ok && pos != start) {
      result.file.decls.push_back(lower.declaration(d));
      continue;
    }
    size_t at;
    if (state.errors.size() > errors_before) {
      const auto& e = state.errors.back();
      at = static_cast<size_t>(e.where - begin);
      if (e.expected == "'\"'") {  // a string stopped at the end of its line
        fail(static_cast<uint32_t>(at), "tollgate.parse.unterminated-string",
             "unterminated string: expected a closing '\"' before the end of the line",
             "strings stay on one line; write \\\" for a quote inside a string");
        pos = begin + recovery_point(view, static_cast<size_t>(start - begin), at);
        continue;
      }
      // Point at the next token, not at the whitespace before it.
      size_t tok = at;
      while (tok < view.size() && (view[tok] == ' ' || view[tok] == '\t' || view[tok] == '\r' || view[tok] == '\n'))
        ++tok;
      fail(static_cast<uint32_t>(tok), "tollgate.parse.expected",
           "expected " + e.expected + ", found " + describe_found(view, tok), "");
    } else {
      at = static_cast<size_t>(start - begin);
      fail(static_cast<uint32_t>(at), "tollgate.parse.expected",
           "expected a declaration (ruleset, include, group, metric, condition, classify, rule, levy, note or field), "
           "found " + describe_found(view, at),
           "");
    }
    pos = begin + recovery_point(view, static_cast<size_t>(start - begin), std::max(at, static_cast<size_t>(start - begin)));
  }
  sort_diagnostics(result.diagnostics);
  return result;
}

}  // namespace tollgate
