// tollgate — the formatter. Layout:
//  * one declaration per paragraph; blank lines between declarations kept (at most one), none invented;
//  * rules: `kind name as "..." on record` on the first line, then one clause per line, indented two spaces,
//    in source order; a long `when` is broken before each top-level `or` / `and`;
//  * ruleset headers: one item per line inside the braces;
//  * expressions printed with the fewest parentheses that keep the tree, plus parentheses around an `and`
//    inside an `or` (for the reader);
//  * comments: own-line comments stay on their own line before what follows them; end-of-line comments stay at
//    the end of the line of the clause they were on.
#include "engine/lang/format.hpp"
#include "engine/base/text.hpp"

#include <algorithm>

namespace tollgate {
namespace {
using syntax::Clause;
using syntax::Comment;
using syntax::Decl;
using syntax::DeclKind;
using syntax::Expr;
using syntax::ExprKind;

constexpr size_t max_width = 116;  // the width of the legal quotations in the bundled rules

int prec(const Expr& e) {
  switch (e.kind) {
    case ExprKind::binary: {
      const std::string& op = e.ops[0];
      if (op == "or") return 1;
      if (op == "and") return 2;
      if (op == "|" || op == "&") return 5;
      if (op == "+" || op == "-") return 6;
      return 7;
    }
    case ExprKind::not_: return 3;
    case ExprKind::compare: case ExprKind::in: case ExprKind::not_in: case ExprKind::mentions:
    case ExprKind::is_given: case ExprKind::is_absent: return 4;
    case ExprKind::neg: return 8;
    default: return 9;
  }
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string print(const Expr& e);

std::string parenthesised(const std::string& s) { return enclose('(', s, ')'); }

// A child printed inside a parent of precedence `parent`: parenthesised if it would not reparse the same way.
std::string child(const Expr& c, int parent, bool same_level_needs_parens = true) {
  int p = prec(c);
  bool parens = p < parent || (p == parent && same_level_needs_parens && p != 9);
  if (parent == 1 && p == 2) parens = true;  // and inside or: for the reader
  std::string s = print(c);
  return parens ? parenthesised(s) : s;
}

std::string print(const Expr& e) {
  switch (e.kind) {
    case ExprKind::number: return e.text + (e.unit.empty() ? "" : " " + e.unit);
    case ExprKind::percent: return e.text + "%";
    case ExprKind::date: return e.text;
    case ExprKind::string: return quote(e.text);
    case ExprKind::boolean: return e.flag ? "true" : "false";
    case ExprKind::name: return e.text;
    case ExprKind::set: {
      std::string s = "{";
      for (size_t i = 0; i < e.items.size(); ++i) {
        if (i) s += ", ";
        s += e.items[i].quoted ? quote(e.items[i].text) : e.items[i].text;
      }
      s += "}";
      if (!e.from.empty()) s += " from " + e.from;
      if (!e.until.empty()) s += " until " + e.until;
      return s;
    }
    case ExprKind::not_: return "not " + child(e.args[0], 3, false);
    case ExprKind::neg: return std::string(1, '-').append(child(e.args[0], 8, false));
    case ExprKind::binary: {
      int p = prec(e);
      std::string s = child(e.args[0], p);
      for (size_t i = 1; i < e.args.size(); ++i) s += " " + e.ops[i - 1] + " " + child(e.args[i], p);
      return s;
    }
    case ExprKind::compare: {
      std::string s = child(e.args[0], 4);
      for (size_t i = 1; i < e.args.size(); ++i) s += " " + e.ops[i - 1] + " " + child(e.args[i], 4);
      return s;
    }
    // A set expression after `in` keeps its parentheses, for the reader: `x in (A1 | A5)`.
    case ExprKind::in: case ExprKind::not_in: {
      const Expr& set = e.args[1];
      std::string rhs = set.kind == ExprKind::binary ? parenthesised(print(set)) : child(set, 4);
      return child(e.args[0], 4) + (e.kind == ExprKind::in ? " in " : " not in ") + rhs;
    }
    case ExprKind::mentions: return child(e.args[0], 4) + " mentions " + child(e.args[1], 4);
    case ExprKind::is_given: return child(e.args[0], 4) + " is given";
    case ExprKind::is_absent: return child(e.args[0], 4) + " is absent";
  }
  return "";
}

bool is_chain(const Expr& e) { return e.kind == ExprKind::binary && prec(e) <= 2; }

// Fills an `or` / `and` chain starting at column `col`: operands stay on the line while they fit, and the line
// breaks before the operator that would overflow; a parenthesised chain that cannot fit is filled the same way,
// its continuation lines indented two more spaces. Continuation lines of this chain start at `cont`.
std::string fill_chain(const Expr& e, size_t col, const std::string& cont) {
  int p = prec(e);
  std::string out;
  size_t width = col;
  for (size_t i = 0; i < e.args.size(); ++i) {
    const Expr& a = e.args[i];
    std::string op = i ? e.ops[i - 1] + " " : "";
    std::string flat = op + child(a, p);
    bool first = i == 0;
    bool fits = width + (first ? 0 : 1) + flat.size() <= max_width;
    if (!first && !fits) {
      out += "\n" + cont;
      width = cont.size();
    } else if (!first) {
      out += " ";
      ++width;
    }
    if (width + flat.size() > max_width && is_chain(a) && child(a, p)[0] == '(') {
      std::string inner = fill_chain(a, width + op.size() + 1, cont + "  ");
      out += op + "(" + inner + ")";
      size_t nl = out.rfind('\n');
      width = nl == std::string::npos ? col + out.size() : out.size() - nl - 1;
    } else {
      out += flat;
      width += flat.size();
    }
  }
  return out;
}

// The expression after a clause keyword. When the line would pass max_width: a top-level `or` / `and` chain is
// filled (fill_chain); a set literal is filled after its commas. Continuation lines are indented two more
// spaces than the clause.
std::string print_clause_expr(const Expr& e, size_t prefix_width, const std::string& indent) {
  std::string flat = print(e);
  if (prefix_width + flat.size() <= max_width) return flat;
  const std::string cont = indent + "  ";
  if (is_chain(e)) return fill_chain(e, prefix_width, cont);
  if (e.kind != ExprKind::set || !e.from.empty() || !e.until.empty()) return flat;
  std::string out;
  size_t width = prefix_width;
  for (size_t i = 0; i < e.items.size(); ++i) {
    std::string item = e.items[i].quoted ? quote(e.items[i].text) : e.items[i].text;
    std::string piece = (i == 0 ? "{" : "") + item + (i + 1 == e.items.size() ? "}" : ",");
    if (i > 0 && width + 1 + piece.size() > max_width) {
      out += "\n" + cont + piece;
      width = cont.size() + piece.size();
    } else {
      out += (i ? " " : "") + piece;
      width += (i ? 1 : 0) + piece.size();
    }
  }
  return out;
}

class Printer {
 public:
  explicit Printer(const syntax::File& f) : f_(f), text_(f.source->text) {}

  std::string run() {
    for (size_t i = 0; i < f_.decls.size(); ++i) {
      const Decl& d = f_.decls[i];
      own_line_comments_before(d.span.offset, "");
      separate(d.span.offset);
      decl(d);
      last_end_ = d.span.end();
    }
    own_line_comments_before(static_cast<uint32_t>(text_.size()) + 1, "");
    while (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return out_ + "\n";
  }

 private:
  // A blank line before the next item if the source had one (and this is not the file's start).
  void separate(uint32_t offset) {
    if (out_.empty()) return;
    if (blank_line_between(last_end_, offset) && !ends_with_blank()) out_ += "\n";
  }
  bool ends_with_blank() const { return out_.size() >= 2 && out_[out_.size() - 1] == '\n' && out_[out_.size() - 2] == '\n'; }
  bool blank_line_between(uint32_t a, uint32_t b) const {
    int newlines = 0;
    for (uint32_t i = a; i < b && i < text_.size(); ++i) {
      if (text_[i] == '\n') { if (++newlines >= 2) return true; }
      else if (text_[i] != ' ' && text_[i] != '\t' && text_[i] != '\r') newlines = 0;
    }
    return false;
  }

  void own_line_comments_before(uint32_t offset, const std::string& indent) {
    while (next_ < f_.comments.size() && f_.comments[next_].offset < offset) {
      const Comment& c = f_.comments[next_];
      if (!c.own_line) {  // a trailing comment not claimed by a clause line: keep it at the line's end
        if (!out_.empty() && out_.back() == '\n') out_.pop_back();
        out_ += "  " + c.text + "\n";
      } else {
        if (indent.empty()) separate(c.offset);
        out_ += indent + c.text + "\n";
      }
      last_end_ = c.offset + static_cast<uint32_t>(c.text.size());
      ++next_;
    }
  }

  // End-of-line comments that sit on the same source line as `offset` (the end of what was just printed), after
  // any comments from inside the expression just printed (skip_inner_comments). A comment runs to the end of its
  // line, so a line holds at most one: the first ends the printed line, each other one gets a line of its own
  // (at `indent`), in order. (Two comments joined on one line would read back as one.)
  void trailing_comments_up_to_line_end(uint32_t offset, const std::string& indent = "") {
    size_t eol = text_.find('\n', offset);
    if (eol == std::string::npos) eol = text_.size();
    while (next_ < f_.comments.size() && !f_.comments[next_].own_line && f_.comments[next_].offset < eol) {
      pending_.push_back(&f_.comments[next_].text);
      ++next_;
    }
    for (size_t i = 0; i < pending_.size(); ++i) out_ += (i ? "\n" + indent : "  ") + *pending_[i];
    pending_.clear();
    out_ += "\n";
  }

  void decl(const Decl& d) {
    switch (d.kind) {
      case DeclKind::include:
        out_ += "include " + quote(d.name.text);
        trailing_comments_up_to_line_end(d.span.end());
        return;
      case DeclKind::ruleset: {
        out_ += "ruleset " + d.name.text + " " + quote(d.title.text) + " {";
        trailing_comments_up_to_line_end(d.title.span.end());
        for (const auto& c : d.clauses) {
          own_line_comments_before(c.span.offset, "  ");
          out_ += "  " + c.key + " " + (c.token.quoted ? quote(c.token.text) : c.token.text);
          trailing_comments_up_to_line_end(c.token.span.end(), "  ");
        }
        own_line_comments_before(d.span.end(), "  ");
        out_ += "}";
        trailing_comments_up_to_line_end(d.span.end());
        return;
      }
      case DeclKind::group: case DeclKind::metric: case DeclKind::condition: {
        std::string head = std::string(syntax::to_string(d.kind)) + " " + d.name.text + " = ";
        own_line_comments_before(d.value.span.offset, "");
        out_ += head + print_clause_expr(d.value, head.size(), "");
        skip_inner_comments(d.span.end());
        trailing_comments_up_to_line_end(d.span.end());
        return;
      }
      default: break;
    }
    // Rules: header line with `as` and `on`, then the other clauses.
    std::string head = std::string(syntax::to_string(d.kind)) + " " + d.name.text;
    const Clause* as = nullptr;
    const Clause* on = nullptr;
    for (const auto& c : d.clauses) {
      if (c.key == "as" && !as) as = &c;
      if (c.key == "on" && !on) on = &c;
    }
    if (as) head += " as " + quote(as->token.text);
    if (on) head += " on " + on->token.text;
    out_ += head;
    uint32_t head_end = d.name.span.end();
    for (const Clause* c : {as, on})
      if (c) head_end = std::max(head_end, c->token.span.end());
    trailing_comments_up_to_line_end(head_end);
    for (const auto& c : d.clauses) {
      if (&c == as || &c == on) continue;
      own_line_comments_before(c.span.offset, "  ");
      std::string line = "  " + (c.key == "except" ? std::string("except when") : c.key) + " ";
      uint32_t end = c.span.end();
      switch (c.kind) {
        case Clause::Kind::expr:
          line += print_clause_expr(c.expr, line.size(), "  ");
          end = c.expr.span.end();
          break;
        case Clause::Kind::token:
          if (!c.token.quoted && c.token.text.empty()) {  // a flag: `required`, `positive`
            line.pop_back();
            break;
          }
          line += c.token.quoted ? quote(c.token.text) : c.token.text;
          end = c.token.span.end();
          break;
        case Clause::Kind::tokens:
          for (size_t i = 0; i < c.tokens.size(); ++i) line += (i ? ", " : "") + c.tokens[i].text;
          end = c.tokens.back().span.end();
          break;
      }
      out_ += line;
      if (c.kind == Clause::Kind::expr) skip_inner_comments(end);
      trailing_comments_up_to_line_end(end, "  ");
    }
  }

  // Comments inside a multi-line expression: own-line ones are moved before the clause would be surprising, so
  // they follow the clause's line, in order (trailing_comments_up_to_line_end prints them).
  void skip_inner_comments(uint32_t end) {
    while (next_ < f_.comments.size() && f_.comments[next_].offset < end) {
      pending_.push_back(&f_.comments[next_].text);
      ++next_;
    }
  }

  const syntax::File& f_;
  const std::string& text_;
  std::string out_;
  size_t next_ = 0;
  uint32_t last_end_ = 0;
  std::vector<const std::string*> pending_;  // comments waiting for the end of the printed line
};

bool same_expr(const Expr& a, const Expr& b) {
  if (a.kind != b.kind || a.text != b.text || a.unit != b.unit || a.flag != b.flag || a.ops != b.ops ||
      a.from != b.from || a.until != b.until || a.args.size() != b.args.size() || a.items.size() != b.items.size())
    return false;
  for (size_t i = 0; i < a.items.size(); ++i)
    if (a.items[i].text != b.items[i].text || a.items[i].quoted != b.items[i].quoted) return false;
  for (size_t i = 0; i < a.args.size(); ++i)
    if (!same_expr(a.args[i], b.args[i])) return false;
  return true;
}

}  // namespace

std::string format_file(const syntax::File& file) { return Printer(file).run(); }

bool same_tree(const syntax::File& a, const syntax::File& b, std::string* where) {
  auto fail = [&](const std::string& w) {
    if (where) *where = w;
    return false;
  };
  if (a.decls.size() != b.decls.size()) return fail("number of declarations");
  for (size_t i = 0; i < a.decls.size(); ++i) {
    const Decl& x = a.decls[i];
    const Decl& y = b.decls[i];
    if (x.kind != y.kind || x.name.text != y.name.text || x.title.text != y.title.text ||
        x.clauses.size() != y.clauses.size() || !same_expr(x.value, y.value))
      return fail("declaration '" + x.name.text + "'");
    // Clauses: same multiset in the same relative order apart from `as`/`on`, which move to the header.
    auto key = [](const Decl& d) {
      std::vector<const Clause*> v;
      for (const auto& c : d.clauses) v.push_back(&c);
      std::stable_sort(v.begin(), v.end(), [](const Clause* p, const Clause* q) {
        auto rank = [](const Clause* c) { return c->key == "as" ? 0 : c->key == "on" ? 1 : 2; };
        return rank(p) < rank(q);
      });
      return v;
    };
    auto cx = key(x), cy = key(y);
    for (size_t j = 0; j < cx.size(); ++j) {
      const Clause& p = *cx[j];
      const Clause& q = *cy[j];
      if (p.key != q.key || p.kind != q.kind || p.token.text != q.token.text || p.token.quoted != q.token.quoted ||
          !same_expr(p.expr, q.expr) || p.tokens.size() != q.tokens.size())
        return fail("clause '" + p.key + "' of '" + x.name.text + "'");
      for (size_t k = 0; k < p.tokens.size(); ++k)
        if (p.tokens[k].text != q.tokens[k].text) return fail("clause '" + p.key + "' of '" + x.name.text + "'");
    }
  }
  if (a.comments.size() != b.comments.size()) return fail("number of comments");
  for (size_t i = 0; i < a.comments.size(); ++i)
    if (a.comments[i].text != b.comments[i].text) return fail("comment " + a.comments[i].text);
  return true;
}

}  // namespace tollgate
