// tollgate — the checker and compiler: syntax::File list -> Program. See compile.hpp for the stages.
#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "engine/base/number.hpp"
#include "engine/base/text.hpp"
#include "engine/base/files.hpp"
#include "engine/base/hash.hpp"
#include "engine/lang/compile.hpp"
#include "engine/lang/declare.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace tollgate {
namespace fs = std::filesystem;
using syntax::Clause;
using syntax::Decl;
using syntax::DeclKind;
using syntax::Expr;
using syntax::ExprKind;

#ifndef TOLLGATE_DATA_DIR
#define TOLLGATE_DATA_DIR "."
#endif

std::string default_rules_dir() {
  if (const char* env = std::getenv("TOLLGATE_RULES")) return env;
  return std::string(TOLLGATE_DATA_DIR) + "/rules";
}
std::string default_cases_dir() { return std::string(TOLLGATE_DATA_DIR) + "/fixtures/cases"; }

std::string default_catalog_path() {
  if (const char* env = std::getenv("TOLLGATE_CATALOG")) return env;
  return std::string(TOLLGATE_DATA_DIR) + "/fixtures/chips.csv";
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    if (c.size() > word.size() + best_d || word.size() > c.size() + best_d) continue;
    std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] == c[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_d) { best_d = prev[c.size()]; best = c; }
  }
  return best;
}

// ---- loading ----------------------------------------------------------------------------------------------------
namespace {
Diagnostic make_diag(std::string code, std::string message, Span span, std::string help = "") {
  Diagnostic d;
  d.code = std::move(code);
  d.message = std::move(message);
  d.span = std::move(span);
  d.help = std::move(help);
  return d;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}
}  // namespace

LoadResult load_rules(const std::vector<std::string>& paths) {
  LoadResult r;
  std::set<std::string> seen;
  std::function<void(const std::string&, const Span&)> load_file = [&](const std::string& path, const Span& from) {
    std::error_code ec;
    std::string canon = fs::weakly_canonical(path, ec).string();
    if (ec) canon = path;
    if (!seen.insert(canon).second) return;
    std::string text;
    if (!read_file(path, text)) {
      r.diagnostics.push_back(make_diag("tollgate.load.unreadable", "cannot read rules file '" + path + "'", from));
      return;
    }
    ParseResult pr = parse_rules(std::move(text), path);
    for (auto& d : pr.diagnostics) r.diagnostics.push_back(std::move(d));
    syntax::File file = std::move(pr.file);
    for (const auto& d : file.decls) {
      if (d.kind != DeclKind::include) continue;
      fs::path target = fs::path(path).parent_path() / d.name.text;
      std::error_code exists_ec;  // (the throwing fs::exists fails on a name over 255 bytes: a user error)
      const bool exists = fs::exists(target, exists_ec);
      if (exists_ec) {
        r.diagnostics.push_back(make_diag("tollgate.load.include",
                                          "included file '" + d.name.text.substr(0, 300) + "' cannot be read: " +
                                              exists_ec.message(),
                                          d.name.span, "includes are relative to the including file"));
        continue;
      }
      if (!exists) {
        r.diagnostics.push_back(make_diag("tollgate.load.include", "included file '" + d.name.text + "' not found",
                                          d.name.span, "includes are relative to the including file"));
        continue;
      }
      load_file(target.lexically_normal().string(), d.name.span);
    }
    r.files.push_back(std::move(file));
  };
  for (const auto& p : paths) {
    std::error_code ec;
    auto files = expand_paths({p}, ".tg");
    if (fs::is_directory(p, ec) && files.empty())
      r.diagnostics.push_back(make_diag("tollgate.load.empty-dir", "no .tg rules files in folder '" + p + "'", {}));
    for (const auto& f : files) load_file(f, {});
  }
  return r;
}

// ---- compiling --------------------------------------------------------------------------------------------------
namespace {

struct TypeInfo {
  enum K { invalid, number, boolean, date, country, text, klass, country_set, class_set, text_set, percent } k = invalid;
  std::string unit;
};

const char* type_name(TypeInfo::K k) {
  switch (k) {
    case TypeInfo::number: return "a number";
    case TypeInfo::boolean: return "a condition (true/false)";
    case TypeInfo::date: return "a date";
    case TypeInfo::country: return "a country";
    case TypeInfo::text: return "text";
    case TypeInfo::klass: return "a classification";
    case TypeInfo::country_set: return "a set of countries";
    case TypeInfo::class_set: return "a set of classifications";
    case TypeInfo::text_set: return "a set of strings";
    case TypeInfo::percent: return "a percentage";
    default: return "invalid";
  }
}

// A country set as constant pieces over time: members[i] holds on [starts[i], starts[i+1]).
struct SetVal {
  std::vector<Day> starts{day_min};
  std::vector<std::array<uint64_t, 11>> members{std::array<uint64_t, 11>{}};
  const std::array<uint64_t, 11>& at(Day d) const {
    size_t seg = 0;
    for (size_t i = 0; i < starts.size(); ++i)
      if (starts[i] <= d) seg = i;
    return members[seg];
  }
};

SetVal combine(const SetVal& a, const SetVal& b, char op) {
  std::vector<Day> starts = a.starts;
  starts.insert(starts.end(), b.starts.begin(), b.starts.end());
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  SetVal out;
  out.starts.clear();
  out.members.clear();
  for (Day s : starts) {
    const auto& x = a.at(s);
    const auto& y = b.at(s);
    std::array<uint64_t, 11> m{};
    for (size_t i = 0; i < m.size(); ++i)
      m[i] = op == '|' ? (x[i] | y[i]) : op == '&' ? (x[i] & y[i]) : (x[i] & ~y[i]);
    if (!out.members.empty() && out.members.back() == m) continue;  // merge equal neighbours
    out.starts.push_back(s);
    out.members.push_back(m);
  }
  return out;
}

struct DefInfo {
  const Decl* decl = nullptr;
  int ruleset = -1;
};

class Compiler {
 public:
  explicit Compiler(const std::vector<syntax::File>& files) : files_(files) {}

  CompileResult run() {
    auto prog = std::make_shared<Program>();
    p_ = prog.get();
    for (const auto& f : files_) p_->sources.push_back(f.source);
    using Stage = std::pair<const char*, void (Compiler::*)()>;
    static const Stage stages[] = {
        {"schema", &Compiler::declare_fields},
        {"collect", &Compiler::collect},         {"rulesets", &Compiler::check_rulesets},
        {"definitions", &Compiler::check_cycles}, {"rules", &Compiler::check_rules},
        {"expressions", &Compiler::lower_rules},  {"reachability", &Compiler::check_reachability},
        {"evaluation order", &Compiler::order_for_evaluation}, {"time", &Compiler::partition_time}};
    CompileResult r;
    for (const auto& [name, fn] : stages) {
      (this->*fn)();
      if (has_errors(diags_)) break;
    }
    sort_diagnostics(diags_);
    r.diagnostics = std::move(diags_);
    if (!has_errors(r.diagnostics)) r.program = std::move(prog);
    return r;
  }

 private:
  // ---- stage 0: schema ------------------------------------------------------------------------------------------
  // The record fields from the `field` declarations (engine/lang/declare.cpp); rules that declare none use the
  // bundled rules/schema.tg.
  void declare_fields() {
    std::vector<const Decl*> fields;
    for (const auto& f : files_)
      for (const auto& d : f.decls)
        if (d.kind == DeclKind::field) fields.push_back(&d);
    if (fields.empty()) {
      bundled_ = bundled_schema_file(diags_);
      if (!bundled_) return;
      p_->sources.push_back(bundled_->source);
      for (const auto& d : bundled_->decls)
        if (d.kind == DeclKind::field) fields.push_back(&d);
    }
    build_schema(fields, p_->schema, diags_);
  }

  // A field rules may read by this name, or nullptr.
  const FieldInfo* find_field(const std::string& name) const {
    const FieldInfo* f = p_->schema.find(name);
    return f && f->readable ? f : nullptr;
  }

  // ---- stage 1: collect -----------------------------------------------------------------------------------------
  void collect() {
    std::map<std::string, Span> rule_ids;
    for (size_t fi = 0; fi < files_.size(); ++fi) {
      const auto& f = files_[fi];
      int current_ruleset = -1;
      for (const auto& d : f.decls) {
        switch (d.kind) {
          case DeclKind::include: case DeclKind::field: break;
          case DeclKind::ruleset: {
            if (current_ruleset >= 0) {
              error("tollgate.check.two-rulesets", "a file holds one ruleset; '" + d.name.text +
                                                       "' is the second in this file", d.name.span,
                    "put each ruleset in its own file");
              break;
            }
            if (auto it = ruleset_ids_.find(d.name.text); it != ruleset_ids_.end()) {
              duplicate(d.name, ruleset_decls_[it->second]->name.span, "ruleset");
              break;
            }
            current_ruleset = static_cast<int>(ruleset_decls_.size());
            ruleset_ids_[d.name.text] = current_ruleset;
            ruleset_decls_.push_back(&d);
            Ruleset rs;
            rs.id = d.name.text;
            rs.title = d.title.text;
            rs.path = f.source->path;
            rs.sha256 = sha256_hex(f.source->text);
            p_->rulesets.push_back(rs);
            break;
          }
          case DeclKind::group: case DeclKind::metric: case DeclKind::condition: {
            if (auto it = defs_.find(d.name.text); it != defs_.end()) {
              duplicate(d.name, it->second.decl->name.span, syntax::to_string(d.kind));
              break;
            }
            if (country_index(d.name.text) >= 0) {
              error("tollgate.check.shadow", "'" + d.name.text + "' is a country code and cannot name a " +
                                                 syntax::to_string(d.kind), d.name.span);
              break;
            }
            if (find_field(d.name.text) || d.name.text == "date") {
              error("tollgate.check.shadow", "'" + d.name.text + "' is a record field and cannot name a " +
                                                 syntax::to_string(d.kind), d.name.span);
              break;
            }
            defs_[d.name.text] = {&d, current_ruleset};
            break;
          }
          default: {
            if (current_ruleset < 0) {
              error("tollgate.check.no-ruleset", std::string(syntax::to_string(d.kind)) + " '" + d.name.text +
                                                     "' is not inside a ruleset", d.name.span,
                    "start the file with `ruleset id \"title\" { source ... status ... effective ... }`");
              break;
            }
            if (auto it = rule_ids.find(d.name.text); it != rule_ids.end()) {
              duplicate(d.name, it->second, "rule");
              break;
            }
            rule_ids[d.name.text] = d.name.span;
            rule_decls_.push_back({&d, current_ruleset});
          }
        }
      }
    }
  }

  void duplicate(const syntax::Token& name, const Span& first, const std::string& what) {
    Diagnostic d = make_diag("tollgate.check.duplicate", "duplicate " + what + " id '" + name.text + "'", name.span,
                             "ids are unique across all loaded rules files");
    d.notes.push_back({first, "first defined here"});
    diags_.push_back(std::move(d));
  }

  // ---- stage 2: rulesets ------------------------------------------------------------------------------------------
  void check_rulesets() {
    std::vector<std::string> replaced_by(ruleset_decls_.size());
    std::vector<Span> replaced_by_span(ruleset_decls_.size());
    for (size_t i = 0; i < ruleset_decls_.size(); ++i) {
      const Decl& d = *ruleset_decls_[i];
      Ruleset& rs = p_->rulesets[i];
      std::set<std::string> seen;
      bool has_effective = false, has_status = false, has_source = false, has_until = false;
      for (const auto& c : d.clauses) {
        if (!seen.insert(c.key).second) {
          error("tollgate.check.duplicate-clause", "'" + c.key + "' is given twice in ruleset '" + rs.id + "'", c.span);
          continue;
        }
        if (c.key == "source") { rs.source = c.token.text; has_source = true; }
        else if (c.key == "status") {
          has_status = true;
          if (c.token.text == "enacted") rs.status = Status::enacted;
          else if (c.token.text == "arrangement") rs.status = Status::arrangement;
          else if (c.token.text == "proposed") rs.status = Status::proposed;
          else if (c.token.text == "unenforced") rs.status = Status::unenforced;
          else error("tollgate.check.status", "unknown status '" + c.token.text + "'", c.token.span,
                     "a ruleset's status is enacted, arrangement, proposed or unenforced");
        } else if (c.key == "effective") {
          has_effective = true;
          if (auto day = date_of(c.token)) rs.from = *day;
        } else if (c.key == "until") {
          has_until = true;
          if (auto day = date_of(c.token)) rs.until = *day;
        } else if (c.key == "replaced_by") {
          replaced_by[i] = c.token.text;
          replaced_by_span[i] = c.token.span;
        } else if (c.key == "replaces") {
          if (!ruleset_ids_.count(c.token.text))
            unknown_name(c.token.text, c.token.span, "ruleset", ruleset_names());
        } else if (c.key == "covers_from" || c.key == "covers_until") {
          if (auto day = date_of(c.token)) coverage_bound(c.key, *day, c.token.span);
        }
      }
      if (!has_source) error("tollgate.check.no-source", "ruleset '" + rs.id + "' has no source", d.name.span,
                             "add e.g. `source \"88 FR 73458\"` (Federal Register, CFR, proclamation or bill)");
      if (!has_status) error("tollgate.check.no-status", "ruleset '" + rs.id + "' has no status", d.name.span,
                             "add `status enacted`, `status arrangement` or `status proposed`");
      if (!has_effective) error("tollgate.check.no-effective", "ruleset '" + rs.id + "' has no effective date",
                                d.name.span, "add `effective YYYY-MM-DD`");
      if (has_until && !replaced_by[i].empty())
        error("tollgate.check.window", "ruleset '" + rs.id + "' has both `until` and `replaced_by`",
              replaced_by_span[i], "keep one: `replaced_by` ends the ruleset the day before its successor starts");
    }
    for (size_t i = 0; i < ruleset_decls_.size(); ++i) {
      if (replaced_by[i].empty()) continue;
      auto it = ruleset_ids_.find(replaced_by[i]);
      if (it == ruleset_ids_.end()) {
        unknown_name(replaced_by[i], replaced_by_span[i], "ruleset", ruleset_names());
        continue;
      }
      p_->rulesets[i].until = p_->rulesets[it->second].from - 1;
    }
    if (!coverage_span_.count("covers_from") && !p_->rulesets.empty()) {
      p_->covers_from = day_max;
      for (const auto& rs : p_->rulesets) p_->covers_from = std::min(p_->covers_from, rs.from);
    }
    if (p_->covers_until < p_->covers_from)
      error("tollgate.check.coverage", "the rules' coverage ends (" + format_date(p_->covers_until) +
                                           ") before it starts (" + format_date(p_->covers_from) + ")",
            coverage_span_.count("covers_until") ? coverage_span_["covers_until"] : Span{});
    for (size_t i = 0; i < ruleset_decls_.size(); ++i) {
      const Ruleset& rs = p_->rulesets[i];
      if (rs.until < rs.from)
        error("tollgate.check.window", "ruleset '" + rs.id + "' ends (" + format_date(rs.until) +
                                           ") before it starts (" + format_date(rs.from) + ")",
              ruleset_decls_[i]->name.span);
    }
  }

  // `covers_from` / `covers_until` in a ruleset header: the period all the loaded rules speak for. Several rulesets
  // may say it, with the same date.
  void coverage_bound(const std::string& key, Day day, const Span& span) {
    Day& bound = key == "covers_from" ? p_->covers_from : p_->covers_until;
    if (auto it = coverage_span_.find(key); it != coverage_span_.end()) {
      if (bound == day) return;
      Diagnostic d = make_diag("tollgate.check.coverage", "`" + key + " " + format_date(day) + "` disagrees with `" +
                                                              key + " " + format_date(bound) + "`", span,
                               "the loaded rules cover one period: give the same date, or give it once");
      d.notes.push_back({it->second, "given here"});
      diags_.push_back(std::move(d));
      return;
    }
    bound = day;
    coverage_span_[key] = span;
  }

  std::vector<std::string> ruleset_names() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : ruleset_ids_) out.push_back(k);
    return out;
  }

  std::optional<Day> date_of(const syntax::Token& t) {
    auto d = parse_date(t.text);
    if (!d) error("tollgate.check.date", "'" + t.text + "' is not a calendar date", t.span,
                  "dates are YYYY-MM-DD, years 1900-2999, and must exist (no 2023-02-30)");
    return d;
  }

  // ---- stage 3: definitions: cycles --------------------------------------------------------------------------------
  void check_cycles() {
    std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
    std::vector<std::string> stack;
    std::function<void(const std::string&)> visit = [&](const std::string& name) {
      state[name] = 1;
      stack.push_back(name);
      std::vector<const Expr*> refs;
      collect_names(defs_.at(name).decl->value, refs);
      for (const Expr* e : refs) {
        if (!defs_.count(e->text)) continue;
        int s = state[e->text];
        if (s == 1) {
          auto from = std::find(stack.begin(), stack.end(), e->text);
          std::string cycle;
          for (auto it = from; it != stack.end(); ++it) cycle += *it + " -> ";
          cycle += e->text;
          error("tollgate.check.cycle", "definitions refer to each other in a cycle: " + cycle, e->span,
                "a group, metric or condition cannot use itself, directly or through others");
        } else if (s == 0) {
          visit(e->text);
        }
      }
      stack.pop_back();
      state[name] = 2;
    };
    for (const auto& [name, info] : defs_)
      if (state[name] == 0) visit(name);
  }

  static void collect_names(const Expr& e, std::vector<const Expr*>& out) {
    if (e.kind == ExprKind::name) out.push_back(&e);
    for (const auto& a : e.args) collect_names(a, out);
  }

  // ---- stage 4: rules ---------------------------------------------------------------------------------------------
  struct RuleDecl {
    const Decl* decl;
    int ruleset;
  };

  // Each rule's clauses (allowed, given once, required), its record kind, verdict, levy and window, then the
  // overrides between rules and their order.
  void check_rules() {
    std::map<std::string, int> index;
    for (size_t i = 0; i < rule_decls_.size(); ++i) index[rule_decls_[i].decl->name.text] = static_cast<int>(i);
    p_->rules.resize(rule_decls_.size());
    for (size_t i = 0; i < rule_decls_.size(); ++i) check_rule(i, index);
    if (has_errors(diags_)) return;
    check_overrides();
    if (has_errors(diags_)) return;
    order_overrides();
  }

  using ClauseMap = std::map<std::string, const Clause*>;

  // One rule: its clauses by key (unknown or repeated ones reported), then each clause's meaning.
  void check_rule(size_t i, const std::map<std::string, int>& index) {
    const Decl& d = *rule_decls_[i].decl;
    Rule& r = p_->rules[i];
    r.id = d.name.text;
    r.ruleset = rule_decls_[i].ruleset;
    r.span = d.name.span;
    r.kind = d.kind == DeclKind::classify ? RuleKind::classify
           : d.kind == DeclKind::levy    ? RuleKind::levy
           : d.kind == DeclKind::note    ? RuleKind::note
                                         : RuleKind::verdict;
    ClauseMap clauses = rule_clauses(d, r);
    auto need = [&](const char* key, const char* help) {
      if (clauses.count(key)) return true;
      error(std::string(key) == "cite" ? "tollgate.check.no-citation" : "tollgate.check.missing-clause",
            describe(r.kind, r.id) + " has no `" + key + "` clause", d.name.span, help);
      return false;
    };
    need("cite", "every rule cites the law it encodes, e.g. `cite \"15 CFR 742.6(a)(6)(iii)\"`");
    need("when", "add `when <condition>`");
    if (need("on", r.kind == RuleKind::classify ? "add `on chip` or `on fab_order`"
                                                : "add `on shipment` or `on fab_order`"))
      check_record_kind(r, clauses["on"]->token);
    if (clauses.count("cite")) r.citation = clauses["cite"]->token.text;
    if (clauses.count("cite") && r.citation.empty())
      error("tollgate.check.no-citation", "rule '" + r.id + "' has an empty citation", clauses["cite"]->span);
    if (clauses.count("quote")) r.quote = clauses["quote"]->token.text;
    // A note's `as` is what it says in the decision (DESIGN §5 `notes`): the uncertainty, the exception that may
    // apply, the relaxation withheld.
    if (r.kind == RuleKind::note && clauses.count("as")) r.text = clauses["as"]->token.text;
    if (r.kind == RuleKind::classify && need("as", "add `as \"3A090.a\"` (or .b, .c, none)")) {
      const auto& t = clauses["as"]->token;
      int k = klass_from_name(t.text);
      if (k < 0) error("tollgate.check.class", "unknown classification '" + t.text + "'", t.span,
                       "classifications are \"3A090.a\", \"3A090.b\", \"3A090.c\" and \"none\"");
      else r.klass = k;
    }
    if (r.kind == RuleKind::verdict && need("then", "add `then LICENSE_REQUIRED` (or ALLOWED, NOTIFY, PROHIBITED)"))
      check_verdict(r, clauses["then"]->token);
    check_review_and_exception(r, clauses);
    if (r.kind == RuleKind::levy) {
      if (need("fee", "add `fee 15%`")) check_fee(r, *clauses["fee"]);
      if (need("of", "add `of value` (quantity × unit_price_usd)")) {
        const auto& t = clauses["of"]->token;
        if (t.text != "value")
          error("tollgate.check.fee-base", "unknown fee base '" + t.text + "'", t.span,
                "the base is `value`: quantity × unit_price_usd");
      }
    }
    check_rule_window(r, clauses, d);
    if (clauses.count("overrides")) {
      for (const auto& t : clauses["overrides"]->tokens) {
        auto it = index.find(t.text);
        if (it == index.end()) {
          std::vector<std::string> names;
          for (const auto& [k, v] : index) names.push_back(k);
          unknown_name(t.text, t.span, "rule", names);
          continue;
        }
        r.overrides.push_back(it->second);
        override_spans_[{static_cast<int>(i), it->second}] = t.span;
      }
    }
    when_[i] = clauses.count("when") ? clauses["when"] : nullptr;
    except_[i] = clauses.count("except") ? clauses["except"] : nullptr;
  }

  // The clauses a rule of its kind may have, each given once.
  ClauseMap rule_clauses(const Decl& d, const Rule& r) {
    static const std::map<RuleKind, std::set<std::string>> allowed = {
        {RuleKind::classify, {"on", "as", "when", "except", "effective", "until", "cite", "quote"}},
        {RuleKind::verdict, {"on", "when", "except", "then", "review", "exception", "overrides", "effective", "until",
                             "cite", "quote"}},
        {RuleKind::levy, {"on", "when", "except", "fee", "of", "effective", "until", "cite", "quote"}},
        {RuleKind::note, {"on", "as", "when", "effective", "until", "cite", "quote"}}};
    ClauseMap clauses;
    for (const auto& c : d.clauses) {
      if (!allowed.at(r.kind).count(c.key)) {
        error("tollgate.check.clause", "'" + c.key + "' does not belong in " + article(r.kind), c.span,
              clause_help(r.kind));
        continue;
      }
      if (clauses.count(c.key)) {
        error("tollgate.check.duplicate-clause", "'" + c.key + "' is given twice in rule '" + r.id + "'", c.span);
        continue;
      }
      clauses[c.key] = &c;
    }
    return clauses;
  }

  // `on chip | shipment | fab_order`, and whether the rule's kind may judge it.
  void check_record_kind(Rule& r, const syntax::Token& t) {
    if (t.text == "chip") r.on = RecordKind::chip;
    else if (t.text == "shipment") r.on = RecordKind::shipment;
    else if (t.text == "fab_order") r.on = RecordKind::fab_order;
    else error("tollgate.check.record-kind", "unknown record kind '" + t.text + "'", t.span,
               "records are chip, shipment or fab_order");
    if (r.kind == RuleKind::classify && r.on == RecordKind::shipment)
      error("tollgate.check.record-kind", "classify rules apply to a chip or a fab_order, not a shipment",
            t.span, "a shipment is classified by its chip: write `on chip`");
    if (r.kind != RuleKind::classify && r.kind != RuleKind::note && r.on == RecordKind::chip)
      error("tollgate.check.record-kind", "verdict and levy rules apply to shipments or fab orders", t.span);
  }

  void check_verdict(Rule& r, const syntax::Token& t) {
    static const std::map<std::string, Verdict> verdicts = {{"ALLOWED", Verdict::allowed},
                                                            {"NOTIFY", Verdict::notify},
                                                            {"LICENSE_REQUIRED", Verdict::license_required},
                                                            {"PROHIBITED", Verdict::prohibited}};
    if (auto it = verdicts.find(t.text); it != verdicts.end()) r.verdict = it->second;
    else unknown_name(t.text, t.span, "verdict", {"ALLOWED", "NOTIFY", "LICENSE_REQUIRED", "PROHIBITED"});
  }

  void check_review_and_exception(Rule& r, ClauseMap& clauses) {
    if (clauses.count("review")) {
      const auto& t = clauses["review"]->token;
      static const std::map<std::string, Review> reviews = {
          {"presumption_of_approval", Review::presumption_of_approval}, {"case_by_case", Review::case_by_case},
          {"congressional_review", Review::congressional_review},
          {"presumption_of_denial", Review::presumption_of_denial}, {"policy_of_denial", Review::policy_of_denial}};
      if (auto it = reviews.find(t.text); it != reviews.end()) r.review = it->second;
      else unknown_name(t.text, t.span, "review policy",
                        {"presumption_of_approval", "case_by_case", "congressional_review", "presumption_of_denial",
                         "policy_of_denial"});
    }
    if (clauses.count("exception")) {
      const auto& t = clauses["exception"]->token;
      if (t.text == "NAC") r.exception = LicenseException::nac;
      else if (t.text == "ACA") r.exception = LicenseException::aca;
      else unknown_name(t.text, t.span, "license exception", {"NAC", "ACA"});
    }
  }

  // `fee 15%`: a percentage from 0% to 100% with at most four decimals, kept in millionths.
  void check_fee(Rule& r, const Clause& fee) {
    const Expr& e = fee.expr;
    if (fee.kind != Clause::Kind::expr || e.kind != ExprKind::percent) {
      error("tollgate.check.fee", "a fee is a percentage, e.g. `fee 15%`", fee.span);
    } else if (auto ppm = percent_ppm(e.text); !ppm || *ppm > 1'000'000) {
      error("tollgate.check.fee", "fee rate '" + e.text + "%' must be between 0% and 100% with at most four "
                                  "decimals", e.span);
    } else {
      r.rate_ppm = *ppm;
      r.rate_text = e.text + "%";
    }
  }

  // Windows: the rule's own, inside its ruleset's.
  void check_rule_window(Rule& r, ClauseMap& clauses, const Decl& d) {
    const Ruleset& rs = p_->rulesets[static_cast<size_t>(r.ruleset)];
    r.from = rs.from;
    r.until = rs.until;
    if (clauses.count("effective"))
      if (auto day = date_of(clauses["effective"]->token)) {
        if (*day < rs.from)
          error("tollgate.check.window", "rule '" + r.id + "' starts before its ruleset '" + rs.id +
                                             "' is in force (" + format_date(rs.from) + ")",
                clauses["effective"]->token.span);
        r.from = *day;
      }
    if (clauses.count("until"))
      if (auto day = date_of(clauses["until"]->token)) {
        if (*day > rs.until)
          error("tollgate.check.window", "rule '" + r.id + "' ends after its ruleset '" + rs.id + "' (" +
                                             format_date(rs.until) + ")", clauses["until"]->token.span);
        r.until = *day;
      }
    if (r.until < r.from)
      error("tollgate.check.window", "rule '" + r.id + "' ends (" + format_date(r.until) + ") before it starts (" +
                                         format_date(r.from) + ")", d.name.span);
  }

  // Overrides: between verdict rules on the same record kind, never a rule itself.
  void check_overrides() {
    for (size_t i = 0; i < p_->rules.size(); ++i) {
      const Rule& r = p_->rules[i];
      for (int t : r.overrides) {
        const Rule& target = p_->rules[static_cast<size_t>(t)];
        Span at = override_spans_[{static_cast<int>(i), t}];
        if (r.kind != RuleKind::verdict || target.kind != RuleKind::verdict)
          error("tollgate.check.override", "only verdict rules override verdict rules ('" + target.id + "' is a " +
                                               (target.kind == RuleKind::verdict ? "verdict" : "non-verdict") + " rule)",
                at);
        else if (target.on != r.on)
          error("tollgate.check.override", "'" + r.id + "' judges " + to_string(r.on) + "s but overrides '" +
                                               target.id + "', which judges " + to_string(target.on) + "s", at);
        else if (t == static_cast<int>(i))
          error("tollgate.check.override-cycle", "rule '" + r.id + "' overrides itself", at);
      }
    }
  }

  // Topological order (Program::override_order): a rule comes before every rule it overrides; cycles reported.
  void order_overrides() {
    std::vector<int> state(p_->rules.size(), 0);
    std::function<bool(int)> visit = [&](int i) -> bool {
      if (state[static_cast<size_t>(i)] == 2) return true;
      if (state[static_cast<size_t>(i)] == 1) return false;
      state[static_cast<size_t>(i)] = 1;
      // Visit overriders of i first.
      for (size_t j = 0; j < p_->rules.size(); ++j) {
        const auto& ov = p_->rules[j].overrides;
        if (std::find(ov.begin(), ov.end(), i) != ov.end() && !visit(static_cast<int>(j))) {
          error("tollgate.check.override-cycle", "rules '" + p_->rules[j].id + "' and '" +
                                                     p_->rules[static_cast<size_t>(i)].id + "' override each other "
                                                     "(directly or through others)",
                p_->rules[j].span);
          return true;
        }
      }
      state[static_cast<size_t>(i)] = 2;
      p_->override_order.push_back(i);
      return true;
    };
    for (size_t i = 0; i < p_->rules.size(); ++i)
      if (p_->rules[i].kind == RuleKind::verdict) visit(static_cast<int>(i));
  }

  static std::string article(RuleKind k) {
    switch (k) {
      case RuleKind::classify: return "a classify rule";
      case RuleKind::verdict: return "a rule";
      case RuleKind::levy: return "a levy";
      case RuleKind::note: return "a note";
    }
    return "";
  }
  static std::string describe(RuleKind k, const std::string& id) {
    switch (k) {
      case RuleKind::classify: return "classify rule '" + id + "'";
      case RuleKind::verdict: return "rule '" + id + "'";
      case RuleKind::levy: return "levy '" + id + "'";
      case RuleKind::note: return "note '" + id + "'";
    }
    return id;
  }

  static std::string clause_help(RuleKind k) {
    switch (k) {
      case RuleKind::classify: return "a classify rule takes: on, as, when, except when, effective, until, cite, quote";
      case RuleKind::verdict:
        return "a rule takes: on, when, except when, then, review, exception, overrides, effective, until, cite, quote";
      case RuleKind::levy: return "a levy takes: on, when, except when, fee, of, effective, until, cite, quote";
      case RuleKind::note: return "a note takes: on, as (what it says), when, effective, until, cite, quote";
    }
    return "";
  }

  static std::optional<int64_t> percent_ppm(const std::string& digits) {
    size_t dot = digits.find('.');
    std::string whole = digits.substr(0, dot);
    std::string frac = dot == std::string::npos ? "" : digits.substr(dot + 1);
    if (frac.size() > 4 || whole.size() > 4) return std::nullopt;
    while (frac.size() < 4) frac += '0';
    return std::stoll(whole) * 10000 + std::stoll(frac);
  }

  // ---- stage 5: expressions -----------------------------------------------------------------------------------------
  void lower_rules() {
    for (size_t i = 0; i < p_->rules.size(); ++i) {
      Rule& r = p_->rules[i];
      current_rule_ = &r;
      if (when_[i]) {
        r.when = lower_condition(*when_[i]);
        r.when_span = when_[i]->expr.span;
      }
      if (except_[i]) r.except = lower_condition(*except_[i]);
    }
  }

  int lower_condition(const Clause& c) {
    if (c.kind != Clause::Kind::expr) return -1;
    TypeInfo t;
    int n = lower(c.expr, t);
    if (n >= 0 && t.k != TypeInfo::boolean && t.k != TypeInfo::invalid)
      error("tollgate.check.type", "a condition must be true or false, but this is " + std::string(type_name(t.k)),
            c.expr.span, "compare it, e.g. `chip.tpp >= 4800`");
    return n;
  }

  // Emits a node, or returns the identical one emitted before (hash-consing): the same subexpression written in
  // several rules, or a named condition used in several places, becomes one node, evaluated once per record.
  int emit(Node n, std::vector<int> kids = {}) {
    std::string key;
    key.reserve(64);
    auto put = [&](const void* data, size_t size) { key.append(static_cast<const char*>(data), size); };
    put(&n.op, sizeof n.op);
    put(&n.cmp_op, sizeof n.cmp_op);
    put(&n.type, sizeof n.type);
    put(&n.slot, sizeof n.slot);
    put(&n.text_slot, sizeof n.text_slot);
    put(&n.value, sizeof n.value);
    put(&n.exact.num, sizeof n.exact.num);
    put(&n.exact.den, sizeof n.exact.den);
    put(&n.set_index, sizeof n.set_index);
    put(&n.mask, sizeof n.mask);
    if (n.name_index >= 0) key += p_->names[static_cast<size_t>(n.name_index)];
    key += '|';
    for (int k : kids) put(&k, sizeof k);
    if (auto it = consed_.find(key); it != consed_.end()) return it->second;
    n.first_child = static_cast<uint32_t>(p_->children.size());
    n.child_count = static_cast<uint32_t>(kids.size());
    for (int k : kids) p_->children.push_back(static_cast<uint32_t>(k));
    p_->nodes.push_back(std::move(n));
    int idx = static_cast<int>(p_->nodes.size()) - 1;
    consed_.emplace(std::move(key), idx);
    return idx;
  }

  int name_id(const std::string& s) {
    p_->names.push_back(s);
    return static_cast<int>(p_->names.size()) - 1;
  }

  bool field_allowed(const FieldInfo& f) const {
    uint8_t bit = static_cast<uint8_t>(1u << static_cast<int>(current_rule_->on));
    if (!(f.kinds & bit)) return false;
    if (f.slot == s_class && f.type == ValueType::klass && current_rule_->kind == RuleKind::classify) return false;
    return true;
  }

  std::vector<std::string> visible_names() const {
    std::vector<std::string> out{"date"};
    for (const auto& f : p_->schema.fields)
      if (f.readable && field_allowed(f)) out.push_back(f.name);
    for (const auto& [k, v] : defs_) out.push_back(k);
    return out;
  }

  int lower(const Expr& e, TypeInfo& t) {
    t = {};
    Node n;
    switch (e.kind) {
      case ExprKind::number: {
        auto v = parse_exact(e.text);
        if (!v) {
          error("tollgate.check.number", "'" + e.text + "' cannot be kept exactly", e.span,
                "a number in a rule has at most 18 significant digits and fits in 64 bits as a fraction");
          return -1;
        }
        n.op = Node::const_num;
        n.exact = *v;
        n.value = micro_from_exact(*v).value_or(0);  // used only if exact (see specialise)
        n.name_index = name_id(e.text + (e.unit.empty() ? "" : " " + e.unit));
        t = {TypeInfo::number, e.unit};
        return emit(n, {});
      }
      case ExprKind::percent:
        error("tollgate.check.type", "a percentage only appears in `fee`", e.span);
        return -1;
      case ExprKind::date: {
        auto d = parse_date(e.text);
        if (!d) {
          error("tollgate.check.date", "'" + e.text + "' is not a calendar date", e.span,
                "dates are YYYY-MM-DD and must exist (no 2023-02-30)");
          return -1;
        }
        n.op = Node::const_num;
        n.type = ValueType::date;
        n.value = *d;
        n.exact = {*d, 1};
        n.name_index = name_id(e.text);
        t = {TypeInfo::date, ""};
        return emit(n, {});
      }
      case ExprKind::string:
        error("tollgate.check.type", "a string only appears after `==`, `!=`, `in` or `mentions` here", e.span);
        return -1;
      case ExprKind::boolean:
        n.op = Node::const_bool;
        n.type = ValueType::boolean;
        n.value = e.flag ? 1 : 0;
        n.exact = {n.value, 1};
        n.name_index = name_id(e.flag ? "true" : "false");
        t = {TypeInfo::boolean, ""};
        return emit(n, {});
      case ExprKind::name: return lower_name(e, t);
      case ExprKind::set:
        error("tollgate.check.type", "a set only appears after `in`, `not in` or `mentions`", e.span);
        return -1;
      case ExprKind::not_: {
        TypeInfo a;
        int k = lower(e.args[0], a);
        if (k < 0) return -1;
        if (!expect_bool(a, e.args[0])) return -1;
        n.op = Node::not_;
        n.type = ValueType::boolean;
        t = {TypeInfo::boolean, ""};
        return emit(n, {k});
      }
      case ExprKind::neg: {
        TypeInfo a;
        int k = lower(e.args[0], a);
        if (k < 0) return -1;
        if (a.k != TypeInfo::number) return type_error(e.args[0], a, "a number");
        n.op = Node::neg;
        n.name_index = name_id("-");
        t = a;
        return emit(n, {k});
      }
      case ExprKind::binary: return lower_binary(e, t);
      case ExprKind::compare: return lower_compare(e, t);
      case ExprKind::in: case ExprKind::not_in: return lower_in(e, t);
      case ExprKind::mentions: return lower_mentions(e, t);
      case ExprKind::is_given: case ExprKind::is_absent: {
        const Expr& a = e.args[0];
        const FieldInfo* f = a.kind == ExprKind::name ? find_field(a.text) : nullptr;
        if (!f || !field_allowed(*f) || f->type == ValueType::klass) {
          error("tollgate.check.type", "`is given` and `is absent` apply to record fields only", a.span,
                "e.g. `chip.die_area_mm2 is given`");
          return -1;
        }
        n.op = e.kind == ExprKind::is_given ? Node::is_given : Node::is_absent;
        n.type = ValueType::boolean;
        n.slot = f->slot;
        n.text_slot = f->type == ValueType::text;
        n.name_index = name_id(f->name);
        t = {TypeInfo::boolean, ""};
        return emit(n, {});
      }
    }
    return -1;
  }

  bool expect_bool(const TypeInfo& a, const Expr& e) {
    if (a.k == TypeInfo::boolean) return true;
    type_error(e, a, "a condition (true/false)");
    return false;
  }

  int type_error(const Expr& e, const TypeInfo& got, const std::string& wanted) {
    error("tollgate.check.type", "expected " + wanted + ", but this is " + type_name(got.k), e.span);
    return -1;
  }

  int lower_name(const Expr& e, TypeInfo& t) {
    Node n;
    if (e.text == "date") {
      n.op = Node::field;
      n.slot = -2;  // the as-of date
      n.type = ValueType::date;
      n.name_index = name_id("date");
      t = {TypeInfo::date, ""};
      return emit(n, {});
    }
    if (const FieldInfo* f = find_field(e.text)) {
      if (!field_allowed(*f)) {
        std::string why = f->slot == s_class && f->type == ValueType::klass && current_rule_->kind == RuleKind::classify
                              ? "a classify rule cannot read `class`: it computes it"
                              : std::string("'") + f->name + "' is not a field of a " + to_string(current_rule_->on);
        error("tollgate.check.unknown-name", why, e.span);
        return -1;
      }
      n.slot = f->slot;
      n.name_index = name_id(f->name);
      switch (f->type) {
        case ValueType::text: n.op = Node::text_field; t = {TypeInfo::text, ""}; break;
        case ValueType::klass: n.op = Node::field; t = {TypeInfo::klass, ""}; break;
        case ValueType::number: n.op = Node::field; t = {TypeInfo::number, f->unit}; break;
        case ValueType::boolean: n.op = Node::field; t = {TypeInfo::boolean, ""}; break;
        case ValueType::date: n.op = Node::field; t = {TypeInfo::date, ""}; break;
        case ValueType::country: n.op = Node::field; t = {TypeInfo::country, ""}; break;
      }
      n.type = f->type;
      return emit(n, {});
    }
    if (auto it = defs_.find(e.text); it != defs_.end()) {
      const Decl& d = *it->second.decl;
      if (d.kind == DeclKind::group) {
        error("tollgate.check.type", "'" + e.text + "' is a group of countries, not a value", e.span,
              "test membership with `in`, e.g. `destination in " + e.text + "`");
        return -1;
      }
      TypeInfo inner;
      int k = lower(d.value, inner);
      if (k < 0) return -1;
      if (d.kind == DeclKind::metric && inner.k != TypeInfo::number) {
        error("tollgate.check.type", "metric '" + e.text + "' must be a number, but it is " + type_name(inner.k),
              d.value.span, "use `condition` for a true/false definition");
        return -1;
      }
      if (d.kind == DeclKind::condition && inner.k != TypeInfo::boolean) {
        error("tollgate.check.type", "condition '" + e.text + "' must be true or false, but it is " +
                                         type_name(inner.k), d.value.span, "use `metric` for a number");
        return -1;
      }
      n.op = Node::ref;
      n.type = inner.k == TypeInfo::number ? ValueType::number : ValueType::boolean;
      n.name_index = name_id(e.text);
      t = inner;
      return emit(n, {k});
    }
    if (int c = country_index(e.text); c >= 0) {
      n.op = Node::const_num;
      n.type = ValueType::country;
      n.value = c;
      n.exact = {c, 1};
      n.name_index = name_id(e.text);
      t = {TypeInfo::country, ""};
      return emit(n, {});
    }
    unknown_name(e.text, e.span, "name", visible_names());
    return -1;
  }

  int lower_binary(const Expr& e, TypeInfo& t) {
    const std::string& op0 = e.ops[0];
    if (op0 == "and" || op0 == "or") {
      std::vector<int> kids;
      for (const auto& a : e.args) {
        TypeInfo at;
        int k = lower(a, at);
        if (k < 0) return -1;
        if (!expect_bool(at, a)) return -1;
        kids.push_back(k);
      }
      Node n;
      n.op = op0 == "and" ? Node::and_ : Node::or_;
      n.type = ValueType::boolean;
      t = {TypeInfo::boolean, ""};
      return emit(n, kids);
    }
    // Set algebra (| & -) or arithmetic (+ - * /), decided by the first operand's type.
    TypeInfo first;
    if (is_set_expr(e.args[0])) {
      error("tollgate.check.type", "a set of countries is not a value here", e.span,
            "test membership with `in`, e.g. `destination in (D1 | D4)`");
      return -1;
    }
    int acc = lower(e.args[0], first);
    if (acc < 0) return -1;
    // One date minus another is the number of days between them (`date - designer_applied_on < 180`).
    if (first.k == TypeInfo::date && e.args.size() == 2 && e.ops[0] == "-") {
      TypeInfo rt;
      int k = lower(e.args[1], rt);
      if (k < 0) return -1;
      if (rt.k != TypeInfo::date) return type_error(e.args[1], rt, "a date (a date minus a date is a number of days)");
      Node n;
      n.op = Node::sub;
      n.name_index = name_id(label_of(acc) + " - " + label_of(k));
      t = {TypeInfo::number, ""};
      return emit(n, {acc, k});
    }
    if (first.k != TypeInfo::number) return type_error(e.args[0], first, "a number");
    std::string unit = first.unit;
    std::string label = p_->names[static_cast<size_t>(p_->nodes[static_cast<size_t>(acc)].name_index)];
    for (size_t i = 1; i < e.args.size(); ++i) {
      const std::string& op = e.ops[i - 1];
      if (op == "|" || op == "&") {
        error("tollgate.check.type", "'" + op + "' joins sets, not numbers", e.span);
        return -1;
      }
      TypeInfo rt;
      int k = lower(e.args[i], rt);
      if (k < 0) return -1;
      if (rt.k != TypeInfo::number) return type_error(e.args[i], rt, "a number");
      if (op == "+" || op == "-") {
        if (!unit.empty() && !rt.unit.empty() && unit != rt.unit) {
          error("tollgate.check.unit", "cannot " + std::string(op == "+" ? "add" : "subtract") + " " + rt.unit +
                                           " " + (op == "+" ? "to" : "from") + " " + unit, e.args[i].span);
          return -1;
        }
        if (unit.empty()) unit = rt.unit;
      } else if (op == "*") {
        unit = unit.empty() ? rt.unit : rt.unit.empty() ? unit : unit + "*" + rt.unit;
      } else {
        unit = rt.unit.empty() ? unit : (unit.empty() ? "1" : unit) + "/" + rt.unit;
      }
      Node n;
      n.op = op == "+" ? Node::add : op == "-" ? Node::sub : op == "*" ? Node::mul : Node::div;
      label += " " + op + " " + p_->names[static_cast<size_t>(p_->nodes[static_cast<size_t>(k)].name_index)];
      n.name_index = name_id(label);
      acc = emit(n, {acc, k});
    }
    t = {TypeInfo::number, unit};
    return acc;
  }

  const std::string& label_of(int node) const {
    return p_->names[static_cast<size_t>(p_->nodes[static_cast<size_t>(node)].name_index)];
  }

  bool is_set_expr(const Expr& e) const {
    if (e.kind == ExprKind::set) return true;
    if (e.kind == ExprKind::name) {
      auto it = defs_.find(e.text);
      return it != defs_.end() && it->second.decl->kind == DeclKind::group;
    }
    if (e.kind == ExprKind::binary) return is_set_expr(e.args[0]);
    return false;
  }

  // Evaluates a country-set expression (group names, literals, | & -) into a dated set.
  std::optional<SetVal> set_value(const Expr& e) {
    if (e.kind == ExprKind::name) {
      auto it = defs_.find(e.text);
      if (it == defs_.end() || it->second.decl->kind != DeclKind::group) {
        if (it == defs_.end()) unknown_name(e.text, e.span, "group", group_names());
        else error("tollgate.check.type", "'" + e.text + "' is not a group of countries", e.span);
        return std::nullopt;
      }
      if (auto c = group_cache_.find(e.text); c != group_cache_.end()) return c->second;
      auto v = set_value(it->second.decl->value);
      if (v) group_cache_[e.text] = *v;
      return v;
    }
    if (e.kind == ExprKind::set) {
      SetVal v;
      std::array<uint64_t, 11> m{};
      for (const auto& item : e.items) {
        int c = item.quoted ? -1 : country_index(item.text);
        if (c < 0) {
          std::string help = defs_.count(item.text) ? "to use group '" + item.text + "', write `" + item.text +
                                                          " | {...}` instead of listing it inside braces"
                                                    : "countries are ISO 3166-1 alpha-2 codes in upper case, e.g. CN";
          error("tollgate.check.country", "'" + item.text + "' is not an ISO 3166-1 alpha-2 country code",
                item.span, help);
          return std::nullopt;
        }
        m[static_cast<size_t>(c) / 64] |= uint64_t{1} << (c % 64);
      }
      Day from = day_min, until = day_max;
      if (!e.from.empty()) {
        auto d = parse_date(e.from);
        if (!d) { error("tollgate.check.date", "'" + e.from + "' is not a calendar date", e.from_span); return std::nullopt; }
        from = *d;
      }
      if (!e.until.empty()) {
        auto d = parse_date(e.until);
        if (!d) { error("tollgate.check.date", "'" + e.until + "' is not a calendar date", e.until_span); return std::nullopt; }
        until = *d;
      }
      if (until < from) {
        error("tollgate.check.window", "this set's membership ends before it starts", e.until_span);
        return std::nullopt;
      }
      v.members[0] = from == day_min ? m : std::array<uint64_t, 11>{};
      if (from != day_min) { v.starts.push_back(from); v.members.push_back(m); }
      if (until != day_max) { v.starts.push_back(until + 1); v.members.push_back({}); }
      return v;
    }
    if (e.kind == ExprKind::binary) {
      auto acc = set_value(e.args[0]);
      if (!acc) return std::nullopt;
      for (size_t i = 1; i < e.args.size(); ++i) {
        const std::string& op = e.ops[i - 1];
        if (op != "|" && op != "&" && op != "-") {
          error("tollgate.check.type", "'" + op + "' does not apply to sets; use |, & or -", e.span);
          return std::nullopt;
        }
        auto rhs = set_value(e.args[i]);
        if (!rhs) return std::nullopt;
        acc = combine(*acc, *rhs, op[0]);
      }
      return acc;
    }
    error("tollgate.check.type", "expected a set of countries (a group, {CN, HK}, or | & - of them)", e.span);
    return std::nullopt;
  }

  std::vector<std::string> group_names() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : defs_)
      if (v.decl->kind == DeclKind::group) out.push_back(k);
    return out;
  }

  int add_set(const SetVal& v, const std::string& name) {
    DatedCountrySet s;
    s.name = name;
    s.starts = v.starts;
    s.members = v.members;
    p_->country_sets.push_back(std::move(s));
    return static_cast<int>(p_->country_sets.size()) - 1;
  }

  int group_set(const std::string& name) {
    if (auto it = group_index_.find(name); it != group_index_.end()) return it->second;
    auto v = set_value(defs_.at(name).decl->value);
    if (!v) return -1;
    int idx = add_set(*v, name);
    group_index_[name] = idx;
    return idx;
  }

  static std::string set_label(const Expr& e) {
    if (e.kind == ExprKind::name) return e.text;
    std::string s = "{";
    for (size_t i = 0; i < e.items.size(); ++i) {
      if (i) s += ", ";
      s += e.items[i].quoted ? "\"" + e.items[i].text + "\"" : e.items[i].text;
    }
    s += "}";
    if (!e.from.empty()) s += " from " + e.from;
    if (!e.until.empty()) s += " until " + e.until;
    return s;
  }

  // `x in S` / `x not in S` for countries, classes and text.
  int lower_in(const Expr& e, TypeInfo& t) {
    TypeInfo lt;
    int lhs = lower(e.args[0], lt);
    if (lhs < 0) return -1;
    const Expr& rhs = e.args[1];
    Node n;
    n.type = ValueType::boolean;
    if (lt.k == TypeInfo::country) {
      if (rhs.kind == ExprKind::name && !defs_.count(rhs.text)) {
        unknown_name(rhs.text, rhs.span, "group", group_names());
        return -1;
      }
      if (!is_set_expr(rhs)) {
        error("tollgate.check.type", "expected a set of countries after `in`", rhs.span,
              "a group name, a literal like {CN, HK, MO}, or | & - of them");
        return -1;
      }
      int idx;
      if (rhs.kind == ExprKind::name) {
        idx = group_set(rhs.text);
      } else {
        auto v = set_value(rhs);
        if (!v) return -1;
        idx = add_set(*v, "");
      }
      if (idx < 0) return -1;
      n.op = Node::in_countries;
      n.set_index = idx;
      std::string label = rhs.kind == ExprKind::binary ? describe_set(rhs) : set_label(rhs);
      if (rhs.kind == ExprKind::binary) label = enclose('(', label, ')');
      n.name_index = name_id(label);
    } else if (lt.k == TypeInfo::klass || lt.k == TypeInfo::text) {
      if (rhs.kind != ExprKind::set) {
        error("tollgate.check.type", std::string("expected a set of strings after `in`, like {\"a\", \"b\"}"),
              rhs.span);
        return -1;
      }
      if (!text_items(rhs, lt, n)) return -1;
      n.name_index = name_id(set_label(rhs));
    } else {
      return type_error(e.args[0], lt, "a country, a classification or text (before `in`)");
    }
    t = {TypeInfo::boolean, ""};
    int k = emit(n, {lhs});
    if (e.kind == ExprKind::not_in) {
      Node neg;
      neg.op = Node::not_;
      neg.type = ValueType::boolean;
      neg.value = 1;  // marks "not in" for reasons
      return emit(neg, {k});
    }
    return k;
  }

  std::string describe_set(const Expr& e) const {
    if (e.kind != ExprKind::binary) return set_label(e);
    std::string s = describe_set(e.args[0]);
    for (size_t i = 1; i < e.args.size(); ++i) s += " " + e.ops[i - 1] + " " + describe_set(e.args[i]);
    return s;
  }

  bool text_items(const Expr& set, const TypeInfo& lt, Node& n) {
    if (!set.from.empty() || !set.until.empty()) {
      error("tollgate.check.type", "only country sets can be dated", set.from_span);
      return false;
    }
    if (lt.k == TypeInfo::klass) {
      n.op = Node::in_classes;
      for (const auto& item : set.items) {
        int k = item.quoted ? klass_from_name(item.text) : -1;
        if (k < 0) {
          error("tollgate.check.class", "'" + item.text + "' is not a classification", item.span,
                "classifications are \"3A090.a\", \"3A090.b\", \"3A090.c\" and \"none\" (quoted)");
          return false;
        }
        n.mask |= 1u << k;
      }
      return true;
    }
    n.op = Node::in_texts;
    std::vector<std::string> texts;
    for (const auto& item : set.items) {
      if (!item.quoted) {
        error("tollgate.check.type", "text values are quoted: \"" + item.text + "\"", item.span);
        return false;
      }
      texts.push_back(item.text);
    }
    p_->text_sets.push_back(std::move(texts));
    n.set_index = static_cast<int>(p_->text_sets.size()) - 1;
    return true;
  }

  int lower_mentions(const Expr& e, TypeInfo& t) {
    TypeInfo lt;
    int lhs = lower(e.args[0], lt);
    if (lhs < 0) return -1;
    if (lt.k != TypeInfo::text) return type_error(e.args[0], lt, "text (before `mentions`)");
    Node n;
    n.type = ValueType::boolean;
    n.op = Node::mentions;
    const Expr& rhs = e.args[1];
    std::vector<std::string> pats;
    if (rhs.kind == ExprKind::string) pats.push_back(rhs.text);
    else if (rhs.kind == ExprKind::set && std::all_of(rhs.items.begin(), rhs.items.end(), [](auto& i) { return i.quoted; }))
      for (const auto& i : rhs.items) pats.push_back(i.text);
    else {
      error("tollgate.check.type", "expected a string or a set of strings after `mentions`", rhs.span);
      return -1;
    }
    for (const auto& s : pats)
      if (s.empty()) {
        error("tollgate.check.type", "an empty pattern mentions everything", rhs.span);
        return -1;
      }
    p_->text_sets.push_back(pats);
    n.set_index = static_cast<int>(p_->text_sets.size()) - 1;
    n.name_index = name_id(rhs.kind == ExprKind::string ? "\"" + rhs.text + "\"" : set_label(rhs));
    t = {TypeInfo::boolean, ""};
    return emit(n, {lhs});
  }

  static int cmp_code(const std::string& op) {
    static const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
    for (int i = 0; i < 6; ++i)
      if (op == ops[i]) return i;
    return -1;
  }

  int lower_compare(const Expr& e, TypeInfo& t) {
    std::vector<int> kids;
    std::vector<TypeInfo> types;
    for (const auto& a : e.args) {
      // Equality against a string literal: text or class membership.
      if (a.kind == ExprKind::string) { kids.push_back(-1); types.push_back({TypeInfo::text_set, ""}); continue; }
      TypeInfo at;
      int k = lower(a, at);
      if (k < 0) return -1;
      kids.push_back(k);
      types.push_back(at);
    }
    std::vector<int> parts;
    for (size_t i = 0; i + 1 < e.args.size(); ++i) {
      int part = compare_pair(e, i, kids, types);
      if (part < 0) return -1;
      parts.push_back(part);
    }
    t = {TypeInfo::boolean, ""};
    if (parts.size() == 1) return parts[0];
    Node n;
    n.op = Node::and_;
    n.type = ValueType::boolean;
    return emit(n, parts);
  }

  int compare_pair(const Expr& e, size_t i, const std::vector<int>& kids, const std::vector<TypeInfo>& types) {
    const std::string& op = e.ops[i];
    int code = cmp_code(op);
    const TypeInfo& a = types[i];
    const TypeInfo& b = types[i + 1];
    const Expr& ea = e.args[i];
    const Expr& eb = e.args[i + 1];
    Node n;
    n.type = ValueType::boolean;
    bool equality = op == "==" || op == "!=";
    // text / class == "literal"
    if (a.k == TypeInfo::text_set || b.k == TypeInfo::text_set) {
      const Expr& lit = a.k == TypeInfo::text_set ? ea : eb;
      const TypeInfo& other = a.k == TypeInfo::text_set ? b : a;
      int other_node = a.k == TypeInfo::text_set ? kids[i + 1] : kids[i];
      if (!equality || (other.k != TypeInfo::text && other.k != TypeInfo::klass)) {
        error("tollgate.check.type", "a string compares with text or a classification, and only with == or !=",
              lit.span);
        return -1;
      }
      syntax::Expr set;
      set.kind = ExprKind::set;
      set.items.push_back({lit.text, true, lit.span});
      if (!text_items(set, other, n)) return -1;
      n.name_index = name_id("\"" + lit.text + "\"");
      n.value = 2;  // marks "written as an equality" for reasons
      int k = emit(n, {other_node});
      if (op == "!=") {
        Node neg;
        neg.op = Node::not_;
        neg.type = ValueType::boolean;
        return emit(neg, {k});
      }
      return k;
    }
    if (a.k != b.k) {
      error("tollgate.check.type", "cannot compare " + std::string(type_name(a.k)) + " with " + type_name(b.k),
            e.span);
      return -1;
    }
    if (a.k == TypeInfo::number) {
      if (!a.unit.empty() && !b.unit.empty() && a.unit != b.unit) {
        error("tollgate.check.unit", "unit mismatch: " + a.unit + " compared with " + b.unit, eb.span,
              "both sides of a comparison need the same unit");
        return -1;
      }
    } else if (a.k == TypeInfo::country || a.k == TypeInfo::boolean) {
      if (!equality) {
        error("tollgate.check.type", std::string("only == and != compare ") + type_name(a.k) + "s", e.span);
        return -1;
      }
    } else if (a.k != TypeInfo::date) {
      error("tollgate.check.type", std::string("cannot compare ") + type_name(a.k) + " with `" + op + "`", e.span);
      return -1;
    }
    n.op = Node::cmp;
    n.cmp_op = static_cast<uint8_t>(code);
    return emit(n, {kids[i], kids[i + 1]});
  }

  // ---- stage 6: reachability ----------------------------------------------------------------------------------------
  struct Bound {
    Exact lo, hi;                        // exact; meaningful only when has_lo / has_hi
    bool has_lo = false, has_hi = false;
    bool lo_open = false, hi_open = false;
    std::vector<std::string> why;
  };

  void gather(int node, std::map<std::string, Bound>& bounds) {
    const Node& n = p_->nodes[static_cast<size_t>(node)];
    if (n.op == Node::and_ || (n.op == Node::ref && n.type == ValueType::boolean)) {
      for (uint32_t c = 0; c < n.child_count; ++c)
        gather(static_cast<int>(p_->children[n.first_child + c]), bounds);
      return;
    }
    if (n.op != Node::cmp) return;
    const Node& l = p_->nodes[p_->children[n.first_child]];
    const Node& r = p_->nodes[p_->children[n.first_child + 1]];
    bool lf = l.op == Node::field || l.op == Node::ref, rf = r.op == Node::field || r.op == Node::ref;
    bool lc = l.op == Node::const_num, rc = r.op == Node::const_num;
    if (!((lf && rc) || (lc && rf))) return;
    const Node& f = lf ? l : r;
    const Exact v = lf ? r.exact : l.exact;
    int op = n.cmp_op;
    if (!lf) op = op == 0 ? 2 : op == 1 ? 3 : op == 2 ? 0 : op == 3 ? 1 : op;  // mirror: c < x  ==  x > c
    const std::string& name = p_->names[static_cast<size_t>(f.name_index)];
    Bound& b = bounds[name];
    static const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
    b.why.push_back(name + " " + ops[op] + " " + p_->names[static_cast<size_t>((lf ? r : l).name_index)]);
    auto lower_to = [&](Exact x, bool open) {
      const int c = b.has_lo ? exact_cmp(x, b.lo) : 1;
      if (c > 0 || (c == 0 && open)) { b.lo = x; b.lo_open = open; b.has_lo = true; }
    };
    auto upper_to = [&](Exact x, bool open) {
      const int c = b.has_hi ? exact_cmp(x, b.hi) : -1;
      if (c < 0 || (c == 0 && open)) { b.hi = x; b.hi_open = open; b.has_hi = true; }
    };
    switch (op) {
      case 0: upper_to(v, true); break;
      case 1: upper_to(v, false); break;
      case 2: lower_to(v, true); break;
      case 3: lower_to(v, false); break;
      case 4: lower_to(v, false); upper_to(v, false); break;
      default: break;
    }
  }

  void check_reachability() {
    for (auto& r : p_->rules) {
      if (r.when < 0) continue;
      std::map<std::string, Bound> bounds;
      gather(r.when, bounds);
      for (const auto& [name, b] : bounds) {
        const int c = b.has_lo && b.has_hi ? exact_cmp(b.lo, b.hi) : -1;
        bool empty = c > 0 || (c == 0 && (b.lo_open || b.hi_open));
        if (!empty) continue;
        std::string why;
        for (size_t i = 0; i < b.why.size(); ++i) why += (i ? " and " : "") + b.why[i];
        error("tollgate.check.unreachable", "rule '" + r.id + "' can never fire: " + why + " cannot all hold",
              r.when_span, "check the thresholds and their directions");
        break;
      }
    }
  }

  // ---- stage 7: evaluation order ------------------------------------------------------------------------------------
  // A rough cost per node (a comparison is 1, a country test 2, a text search 20); `and` / `or` children are then
  // evaluated cheapest first, so a shipment to a destination outside every scope is dismissed by one bit test.
  void order_for_evaluation() {
    specialise();
    std::vector<int> cost(p_->nodes.size(), -1);
    std::function<int(size_t)> cost_of = [&](size_t i) -> int {
      if (cost[i] >= 0) return cost[i];
      const Node& n = p_->nodes[i];
      int c = 0;
      switch (n.op) {
        case Node::mentions: c = 20; break;
        case Node::in_texts: c = 5; break;
        case Node::in_countries: c = 2; break;
        default: c = 1;
      }
      for (uint32_t k = 0; k < n.child_count; ++k) c += cost_of(p_->children[n.first_child + k]);
      return cost[i] = c;
    };
    // The evaluation graph: children ordered cheapest first, with named metrics and conditions (`ref` nodes, kept
    // for reasons) skipped over.
    auto skip_refs = [&](uint32_t i) {
      while (p_->nodes[i].op == Node::ref) i = p_->children[p_->nodes[i].first_child];
      return i;
    };
    p_->eval_children = p_->children;
    for (auto& c : p_->eval_children) c = skip_refs(c);
    for (auto& r : p_->rules) {
      if (r.when >= 0) r.eval_when = static_cast<int>(skip_refs(static_cast<uint32_t>(r.when)));
      if (r.except >= 0) r.eval_except = static_cast<int>(skip_refs(static_cast<uint32_t>(r.except)));
    }
    for (size_t i = 0; i < p_->nodes.size(); ++i) {
      const Node& n = p_->nodes[i];
      if (n.op != Node::and_ && n.op != Node::or_) continue;
      auto b = p_->eval_children.begin() + n.first_child;
      std::stable_sort(b, b + n.child_count, [&](uint32_t x, uint32_t y) { return cost_of(x) < cost_of(y); });
    }
    // Boolean nodes with several parents in the evaluation graph (shared by rules, or a named condition used
    // twice) get a memo slot, costliest first, so each is evaluated at most once per record.
    std::vector<int> parents(p_->nodes.size(), 0);
    for (size_t i = 0; i < p_->nodes.size(); ++i) {
      const Node& n = p_->nodes[i];
      if (n.op == Node::ref) continue;  // not on the evaluation path
      for (uint32_t k = 0; k < n.child_count; ++k) ++parents[p_->eval_children[n.first_child + k]];
    }
    for (const auto& r : p_->rules) {
      if (r.eval_when >= 0) ++parents[static_cast<size_t>(r.eval_when)];
      if (r.eval_except >= 0) ++parents[static_cast<size_t>(r.eval_except)];
    }
    std::vector<size_t> shared;
    for (size_t i = 0; i < p_->nodes.size(); ++i) {
      const Node& n = p_->nodes[i];
      bool cheap = n.op == Node::const_bool || n.op == Node::const_num || n.op == Node::field ||
                   n.op == Node::is_given || n.op == Node::is_absent || n.op == Node::cmp_field_const ||
                   n.op == Node::in_countries_field || n.op == Node::in_classes;
      if (parents[i] >= 2 && !cheap && n.op != Node::ref) shared.push_back(i);
    }
    std::stable_sort(shared.begin(), shared.end(), [&](size_t a, size_t b) { return cost_of(a) > cost_of(b); });
    int slot = 0;
    for (size_t i : shared) {
      if (slot == max_memo) break;
      p_->nodes[i].memo = slot++;
    }
    p_->memo_slots = slot;
    find_class_inputs();
    for (auto& r : p_->rules) {
      if (r.kind == RuleKind::classify || r.eval_when < 0) continue;
      const Node& w = p_->nodes[static_cast<size_t>(r.eval_when)];
      auto gate_of = [&](const Node& n) { return n.op == Node::in_classes ? n.mask : ~0u; };
      r.class_gate = gate_of(w);
      if (w.op == Node::and_)
        for (uint32_t k = 0; k < w.child_count; ++k) r.class_gate &= gate_of(p_->nodes[p_->eval_children[w.first_child + k]]);
    }
  }

  // What each rule reads (Rule::reads), and from that what classification reads (Program::class_inputs): the
  // fields that classify rules and chip notes read; not cacheable if they read text or the as-of date itself.
  void find_class_inputs() {
    for (auto& r : p_->rules) {
      std::vector<char> seen(p_->nodes.size(), 0);
      std::function<void(size_t)> walk = [&](size_t i) {
        if (seen[i]) return;
        seen[i] = 1;
        const Node& n = p_->nodes[i];
        bool text = n.op == Node::text_field || ((n.op == Node::is_given || n.op == Node::is_absent) && n.text_slot);
        bool num = n.op == Node::field || n.op == Node::cmp_field_const || n.op == Node::in_countries_field ||
                   ((n.op == Node::is_given || n.op == Node::is_absent) && !n.text_slot);
        if (num && n.slot == -2) r.reads_as_of = true;
        else if (text && n.slot >= 0) r.reads_text |= 1u << n.slot;
        else if (num && n.slot >= 0) r.reads |= uint64_t{1} << n.slot;
        for (uint32_t k = 0; k < n.child_count; ++k) walk(p_->children[n.first_child + k]);
      };
      if (r.when >= 0) walk(static_cast<size_t>(r.when));
      if (r.except >= 0) walk(static_cast<size_t>(r.except));
    }
    std::set<int> slots;
    for (const auto& r : p_->rules) {
      // Chips only: fab orders are never cached (their classification reads the order's date).
      bool classifying = (r.kind == RuleKind::classify || r.kind == RuleKind::note) && r.on == RecordKind::chip;
      if (!classifying) continue;
      if (r.reads_text || r.reads_as_of) p_->class_cacheable = false;
      for (int sl = 0; sl < 64; ++sl)
        if ((r.reads >> sl) & 1u) slots.insert(sl);
    }
    p_->class_inputs.assign(slots.begin(), slots.end());
    if (p_->class_inputs.size() > 16) p_->class_cacheable = false;
  }

  // `field <op> constant` and `field in set` become one node each: no child visits on the hot path. The children
  // stay in place for reasons and for naming a missing field.
  void specialise() {
    static const uint8_t mirror[] = {2, 3, 0, 1, 4, 5};  // c < x  is  x > c
    auto plain_field = [](const Node& n) {
      return n.op == Node::field && n.slot != s_class && (n.type == ValueType::number || n.type == ValueType::date);
    };
    // A constant the fast path compares as Facts holds numbers (millionths): only if it is exactly that. A constant
    // with more decimals stays a general comparison, done on exact fractions.
    auto as_held = [](const Node& n) {
      return n.op == Node::const_num && (n.type != ValueType::number || micro_from_exact(n.exact));
    };
    for (auto& n : p_->nodes) {
      if (n.op == Node::cmp) {
        const Node& a = p_->nodes[p_->children[n.first_child]];
        const Node& b = p_->nodes[p_->children[n.first_child + 1]];
        if (plain_field(a) && as_held(b)) {
          n.op = Node::cmp_field_const;
          n.slot = a.slot;
          n.value = b.value;
        } else if (as_held(a) && plain_field(b)) {
          n.op = Node::cmp_field_const;
          n.slot = b.slot;
          n.value = a.value;
          n.cmp_op = mirror[n.cmp_op];
        }
      } else if (n.op == Node::in_countries) {
        const Node& a = p_->nodes[p_->children[n.first_child]];
        if (a.op == Node::field && a.slot >= 0) {
          n.op = Node::in_countries_field;
          n.slot = a.slot;
        }
      }
    }
  }

  // ---- stage 8: time -------------------------------------------------------------------------------------------------
  void partition_time() {
    std::vector<Day> cuts{day_min, p_->covers_from};
    if (p_->covers_until < day_max) cuts.push_back(p_->covers_until + 1);
    for (const auto& rs : p_->rulesets) {
      cuts.push_back(rs.from);
      if (rs.until < day_max) cuts.push_back(rs.until + 1);
    }
    for (const auto& r : p_->rules) {
      cuts.push_back(r.from);
      if (r.until < day_max) cuts.push_back(r.until + 1);
    }
    for (const auto& set : p_->country_sets) cuts.insert(cuts.end(), set.starts.begin(), set.starts.end());
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    // One partition per option mode (EvalOptions::mode()): bit 0 applies proposed rulesets, bit 1 unenforced ones.
    auto applies = [](const Ruleset& rs, int mode) {
      if (rs.status == Status::proposed) return (mode & 1) != 0;
      if (rs.status == Status::unenforced) return (mode & 2) != 0;
      return true;
    };
    for (int mode = 0; mode < 4; ++mode) {
      auto& segs = p_->segments[static_cast<size_t>(mode)];
      for (Day s : cuts) {
        ActiveSet a;
        a.start = s;
        for (size_t i = 0; i < p_->rulesets.size(); ++i) {
          const Ruleset& rs = p_->rulesets[i];
          if (rs.from <= s && s <= rs.until && applies(rs, mode))
            a.rulesets.push_back(static_cast<int>(i));
        }
        for (size_t i = 0; i < p_->rules.size(); ++i) {
          const Rule& r = p_->rules[i];
          const Ruleset& rs = p_->rulesets[static_cast<size_t>(r.ruleset)];
          if (!(rs.from <= s && s <= rs.until) || !applies(rs, mode)) continue;
          if (!(r.from <= s && s <= r.until)) continue;
          a.rules[static_cast<size_t>(r.on)][static_cast<size_t>(r.kind)].push_back(static_cast<int>(i));
        }
        for (int ri : p_->override_order) {
          const Rule& r = p_->rules[static_cast<size_t>(ri)];
          const auto& on = a.rules[static_cast<size_t>(r.on)][static_cast<size_t>(RuleKind::verdict)];
          if (!r.overrides.empty() && std::find(on.begin(), on.end(), ri) != on.end()) a.overriders.push_back(ri);
        }
        a.covered = !a.rulesets.empty() && p_->covers_from <= s && s <= p_->covers_until;
        for (const auto& set : p_->country_sets) {
          size_t seg = 0;
          for (size_t k = 0; k < set.starts.size(); ++k)
            if (set.starts[k] <= s) seg = k;
          a.country_bits.push_back(set.members[seg]);
        }
        segs.push_back(std::move(a));
      }
    }
    if (p_->rules.size() > static_cast<size_t>(max_rules))
      error("tollgate.check.too-many-rules", "more than " + std::to_string(max_rules) + " rules are loaded", {});
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------
  void error(std::string code, std::string message, Span span, std::string help = "") {
    diags_.push_back(make_diag(std::move(code), std::move(message), std::move(span), std::move(help)));
  }

  void unknown_name(const std::string& name, const Span& span, const std::string& what,
                    const std::vector<std::string>& candidates) {
    std::string guess = closest(name, candidates);
    error("tollgate.check.unknown-name", "unknown " + what + " '" + name + "'", span,
          guess.empty() ? "" : "did you mean '" + guess + "'?");
  }

  const std::vector<syntax::File>& files_;
  Program* p_ = nullptr;
  std::vector<Diagnostic> diags_;
  std::map<std::string, int> ruleset_ids_;
  std::map<std::string, Span> coverage_span_;  // where covers_from / covers_until were given
  std::vector<const Decl*> ruleset_decls_;
  std::map<std::string, DefInfo> defs_;
  std::vector<RuleDecl> rule_decls_;
  std::map<size_t, const Clause*> when_, except_;
  std::map<std::pair<int, int>, Span> override_spans_;
  std::map<std::string, SetVal> group_cache_;
  std::map<std::string, int> group_index_;
  std::map<std::string, int> consed_;
  const Rule* current_rule_ = nullptr;
  std::optional<syntax::File> bundled_;  // the bundled schema file, when the rules declare no field
};

}  // namespace

CompileResult compile(const std::vector<syntax::File>& files) { return Compiler(files).run(); }

CompileResult load_and_compile(const std::vector<std::string>& paths) {
  LoadResult lr = load_rules(paths);
  if (!lr.ok()) {
    CompileResult r;
    r.diagnostics = std::move(lr.diagnostics);
    return r;
  }
  CompileResult r = compile(lr.files);
  for (auto& d : lr.diagnostics) r.diagnostics.push_back(std::move(d));
  sort_diagnostics(r.diagnostics);
  return r;
}

}  // namespace tollgate
