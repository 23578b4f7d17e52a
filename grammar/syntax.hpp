// tollgate — the public syntax tree of the rules language, and the Diagnostic type shared by every stage.
//
// This header is plain C++: it includes nothing from Boost.Spirit. The X3 parser (grammar/*_def.hpp) builds its
// own internal AST and lowers it into these structs before returning (grammar/parse.cpp), converting every X3
// position into a Span that owns its source through a shared pointer. So a syntax tree, and every diagnostic that
// points into it, stays valid after the parse buffer is gone. The language is described in docs/language.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate {

// One source text (a rules file, a record file, or a command-line snippet). Immutable once built.
struct SourceFile {
  std::string path;                   // as given by the user, used in diagnostics
  std::string text;                   // the whole content
  std::vector<uint32_t> line_starts;  // byte offset of each line's first byte; line_starts[0] == 0

  SourceFile(std::string p, std::string t);
  // 1-based line and column (in bytes) of a byte offset; offsets past the end map to the end.
  std::pair<uint32_t, uint32_t> line_col(uint32_t offset) const;
  // The text of 1-based line `line`, without its newline.
  std::string_view line(uint32_t line) const;
};

// A byte range in a source. An empty `file` means "no location" (command-line options, say).
struct Span {
  std::shared_ptr<const SourceFile> file;
  uint32_t offset = 0;  // first byte
  uint32_t length = 0;  // bytes covered; 0 points between two bytes
  bool valid() const { return file != nullptr; }
  uint32_t end() const { return offset + length; }
};

enum class Severity { error, warning };

// A diagnostic is data: a stable code, a severity, a message, where, and an optional help line. Rendering is
// separate (render_human / render_json) so that lint, check and the tests all share one shape.
struct Diagnostic {
  std::string code;      // stable, e.g. "tollgate.parse.expected", "tollgate.check.unknown-name"
  Severity severity = Severity::error;
  std::string message;   // one sentence, no trailing period
  Span span;             // primary location
  std::string help;      // optional: how to fix it ("did you mean 'tpp'?")
  std::vector<std::pair<Span, std::string>> notes;  // related locations ("first defined here")
};

// file:line:col: error[code]: message, then the source line with a caret under the spot, then notes and help.
std::string render_human(const Diagnostic& d);
// One JSON object per diagnostic (no trailing newline).
std::string render_json(const Diagnostic& d);
// Sort by file, offset, then code: the order in which diagnostics are reported.
void sort_diagnostics(std::vector<Diagnostic>& ds);
bool has_errors(const std::vector<Diagnostic>& ds);

namespace syntax {

// ---- Expressions -------------------------------------------------------------------------------------------
// One node type with a kind tag, so the engine can walk it with one switch. Parentheses produce no node.
enum class ExprKind {
  number,    // text = digits as written ("5.92"), unit = "" or a unit symbol ("GB/s", "mm2", "nm", "billion")
  percent,   // text = digits without '%' ("15")
  date,      // text = "YYYY-MM-DD" (validated by the checker, not the parser)
  string,    // text = unescaped contents
  boolean,   // flag
  name,      // text = dotted path ("chip.tpp", "destination", "rs_scope", "CN")
  set,       // items (+ optional from / until dates): {CN, HK} or {"3A090.a"} from 2023-01-17
  not_,      // args[0]
  neg,       // args[0]
  binary,    // args.size() >= 2, ops.size() == args.size() - 1; ops from one precedence level
             // ("or", "and", "|", "&", "+", "-", "*", "/")
  compare,   // chain: args[0] ops[0] args[1] [ops[1] args[2]]; ops are <, <=, >, >=, ==, !=
  in,        // args[0] in args[1]
  not_in,    // args[0] not in args[1]
  mentions,  // args[0] mentions args[1]  (a word of the text starts with the pattern, not followed by a digit)
  is_given,  // args[0] is given
  is_absent  // args[0] is absent
};

struct SetItem {
  std::string text;  // "CN" or 3A090.a (unquoted)
  bool quoted = false;
  Span span;
};

struct Expr {
  ExprKind kind = ExprKind::boolean;
  Span span;
  std::string text;
  std::string unit;
  bool flag = false;
  std::vector<Expr> args;
  std::vector<std::string> ops;
  std::vector<SetItem> items;
  std::string from, until;  // set literals only: the dated window of the listed members
  Span from_span, until_span;
};

// ---- Declarations -------------------------------------------------------------------------------------------
// A clause of a rule or ruleset header: a keyword followed by an expression, a token, or a list of tokens.
struct Token {
  std::string text;
  Span span;
  bool quoted = false;
};

struct Clause {
  std::string key;  // "on", "as", "when", "except", "then", "review", "exception", "overrides", "fee", "of",
                    // "effective", "until", "cite", "quote"; in field declarations "type", "unit", "doc",
                    // "required", "positive" (the last two with an empty token); in ruleset headers also "source", "status",
                    // "replaces", "replaced_by", "covers_from", "covers_until"
  Span span;        // the keyword
  enum class Kind { expr, token, tokens } kind = Kind::token;
  Expr expr;
  Token token;
  std::vector<Token> tokens;
};

// field: a record field declared in the rules (the record schema; docs/language.md "Fields").
enum class DeclKind { include, ruleset, group, metric, condition, classify, rule, levy, note, field };

struct Decl {
  DeclKind kind = DeclKind::rule;
  Span span;       // the whole declaration
  Token name;      // ruleset id, group/metric/condition/rule name; include: the path (quoted)
  Token title;     // ruleset only
  std::vector<Clause> clauses;  // ruleset header items, or rule clauses, in source order
  Expr value;      // group, metric, condition
};

// A comment as written, kept so that `tollgate fmt` never drops one.
struct Comment {
  uint32_t offset = 0;    // of the '#'
  std::string text;       // from '#' to the end of the line, trailing space removed
  bool own_line = false;  // nothing but whitespace before it on its line
};

struct File {
  std::shared_ptr<const SourceFile> source;
  std::vector<Decl> decls;
  std::vector<Comment> comments;
};

const char* to_string(DeclKind k);

}  // namespace syntax
}  // namespace tollgate
