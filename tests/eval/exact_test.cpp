// tollgate tests — issue 13: exact thresholds (items 1), coverage (item 2), true explanations (item 6).
//
// Expected values here are computed independently of the engine's arithmetic: decimal strings built from integers
// by hand, and comparisons of decimal texts digit by digit (DecimalText below), never through engine/base/number.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <set>

#include "engine/base/date.hpp"
#include "engine/base/number.hpp"
#include "grammar/parse.hpp"
#include "tests/support.hpp"

using namespace tollgate;

namespace {

// ---- an independent decimal: sign, digits, and the count of them after the point ------------------------------
struct DecimalText {
  bool negative = false;
  std::string digits;  // no leading zeros ("" for zero)
  size_t scale = 0;    // digits after the point
};

std::optional<DecimalText> read_decimal(const std::string& t) {
  static const std::regex re(R"(^(-?)(\d+)(?:\.(\d+))?$)");
  std::smatch m;
  if (!std::regex_match(t, m, re)) return std::nullopt;
  DecimalText d;
  d.negative = m[1].length() > 0;
  d.digits = m[2].str() + m[3].str();
  d.scale = static_cast<size_t>(m[3].length());
  while (!d.digits.empty() && d.digits[0] == '0') d.digits.erase(0, 1);
  if (d.digits.empty()) d.negative = false;
  return d;
}

// -1, 0, 1: compares two decimal texts exactly (aligned on the point, then as digit strings).
int compare_decimal(const std::string& a, const std::string& b) {
  auto x = read_decimal(a), y = read_decimal(b);
  REQUIRE(x);
  REQUIRE(y);
  if (x->negative != y->negative) return x->negative ? -1 : 1;
  size_t s = std::max(x->scale, y->scale);
  std::string dx = x->digits + std::string(s - x->scale, '0'), dy = y->digits + std::string(s - y->scale, '0');
  while (!dx.empty() && dx[0] == '0') dx.erase(0, 1);
  while (!dy.empty() && dy[0] == '0') dy.erase(0, 1);
  int c = dx.size() != dy.size() ? (dx.size() < dy.size() ? -1 : 1) : (dx < dy ? -1 : dx > dy ? 1 : 0);
  return x->negative ? -c : c;
}

bool holds(int sign, const std::string& op) {
  if (op == "<") return sign < 0;
  if (op == "<=") return sign <= 0;
  if (op == ">") return sign > 0;
  if (op == ">=") return sign >= 0;
  if (op == "==") return sign == 0;
  return sign != 0;
}

// The decimal text of digits / 10^scale ("592", 2 -> "5.92").
std::string place_point(std::string digits, size_t scale) {
  if (digits.size() <= scale) digits = std::string(scale - digits.size() + 1, '0') + digits;
  if (scale == 0) return digits;
  return digits.substr(0, digits.size() - scale) + "." + digits.substr(digits.size() - scale);
}

// Compiles rules given as texts, one file each.
std::shared_ptr<const Program> compile_text(const std::string& text, const std::string& second = "") {
  std::vector<syntax::File> files;
  for (const auto* t : {&text, &second}) {
    if (t->empty()) continue;
    auto parsed = parse_rules(*t, "test" + std::to_string(files.size()) + ".tg");
    for (const auto& d : parsed.diagnostics) MESSAGE(render_human(d));
    REQUIRE(parsed.ok());
    files.push_back(parsed.file);
  }
  auto r = compile(files);
  for (const auto& d : r.diagnostics) MESSAGE(render_human(d));
  REQUIRE(r.program);
  return r.program;
}

Record chip(const std::string& json) {
  Record r = record_from_json(json, 1, &test::catalog(), /*bare_chip=*/true);
  REQUIRE_MESSAGE(r.ok, r.error.message);
  return r;
}

Decision judge(const Program& p, const std::string& json, const char* as_of) {
  Record r = record_from_json(json, 1, &test::catalog());
  REQUIRE_MESSAGE(r.ok, r.error.message);
  return evaluate(p, r.facts, r.base_cents, *parse_date(as_of), EvalOptions{});
}

// Every comparison with a number constant in the bundled rules: (left side as written, constant, unit).
struct Threshold {
  std::string name, constant, unit;
};

void thresholds_in(const syntax::Expr& e, std::set<std::tuple<std::string, std::string, std::string>>& out) {
  if (e.kind == syntax::ExprKind::compare)
    for (size_t i = 0; i + 1 < e.args.size(); ++i) {
      const auto &a = e.args[i], &b = e.args[i + 1];
      if (a.kind == syntax::ExprKind::name && b.kind == syntax::ExprKind::number) out.insert({a.text, b.text, b.unit});
      if (b.kind == syntax::ExprKind::name && a.kind == syntax::ExprKind::number) out.insert({b.text, a.text, a.unit});
    }
  for (const auto& a : e.args) thresholds_in(a, out);
}

std::vector<Threshold> bundled_thresholds() {
  std::set<std::tuple<std::string, std::string, std::string>> found;
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() + "/rules")) {
    if (e.path().extension() != ".tg") continue;
    auto r = parse_rules(test::slurp(e.path().string()), e.path().string());
    REQUIRE(r.ok());
    for (const auto& d : r.file.decls) {
      thresholds_in(d.value, found);
      for (const auto& c : d.clauses) thresholds_in(c.expr, found);
    }
  }
  std::vector<Threshold> out;
  for (const auto& [n, c, u] : found) out.push_back({n, c, u});
  return out;
}

}  // namespace

TEST_CASE("numbers: exact decimal text in, exact comparisons, limits refused (never rounded)") {
  CHECK(parse_micro("4114.4") == 4'114'400'000);
  CHECK(parse_micro("4114.40000000") == 4'114'400'000);  // trailing zeros are not precision
  CHECK(parse_micro("1e3") == 1'000'000'000);
  CHECK(parse_micro("0.000001") == 1);
  NumberError why = NumberError::none;
  CHECK(!parse_micro("0.0000001", &why));
  CHECK(why == NumberError::too_precise);
  CHECK(!parse_micro("10000000000000", &why));
  CHECK(why == NumberError::too_large);
  CHECK(!parse_micro("1.", &why));
  CHECK(why == NumberError::syntax);
  CHECK(format_micro(4'114'400'000) == "4114.4");
  CHECK(format_micro(-1) == "-0.000001");
  // 4114.4 / 695 is 5.92 exactly; in binary doubles it is 5.919999999999999.
  Exact pd;
  REQUIRE(exact_div(exact_from_micro(4'114'400'000), exact_from_micro(695'000'000), pd));
  CHECK(pd == *parse_exact("5.92"));
  CHECK(format_exact_terminating(pd) == "5.92");
  REQUIRE(exact_div(*parse_exact("1601.6"), *parse_exact("500.5"), pd));
  CHECK(exact_cmp(pd, *parse_exact("3.2")) == 0);
  CHECK(!format_exact_terminating(Exact{1, 3}));
  CHECK(format_exact_rounded(Exact{2, 3}, 4) == "0.6667");
  // Overflow is reported, not rounded: (2^62)^2 does not fit.
  Exact big{int64_t{1} << 62, 1}, out;
  CHECK(!exact_mul(big, big, out));
  bool by_zero = false;
  CHECK(!exact_div(big, Exact{0, 1}, out, &by_zero));
  CHECK(by_zero);
}

// Issue 13 item 1: "A chip with TPP 4114.4 and die area 695 mm² has a performance density of exactly 5.92, so it is
// 3A090.a (LICENSE_REQUIRED, presumption_of_denial, to CN)" (encoding.md §0, Exact numbers).
TEST_CASE("exact thresholds: the issue's examples") {
  const Program& p = test::bundled();
  Record a = chip(R"({"tpp": 4114.4, "die_area_mm2": 695, "datacenter": true})");
  Decision d = evaluate(p, a.facts, -1, *parse_date("2024-06-01"), EvalOptions{});
  REQUIRE(!d.failed);
  CHECK(klass_name(d.klass) == std::string("3A090.a"));
  Decision s = judge(p, R"({"type": "shipment", "id": "X", "date": "2024-06-01", "destination": "CN",
      "end_user_hq": "CN", "quantity": 1, "unit_price_usd": "1.00",
      "chip": {"tpp": 4114.4, "die_area_mm2": 695, "datacenter": true, "interconnect_gbps": 900,
               "memory_bw_gbps": 3000}})", "2024-06-01");
  REQUIRE_MESSAGE(!s.failed, s.error().message);
  CHECK(klass_name(s.klass) == std::string("3A090.a"));
  CHECK(s.verdict == Verdict::license_required);
  CHECK(s.review == Review::presumption_of_denial);
  // The reason prints what was compared.
  bool said = false;
  for (size_t i = 0; i < p.rules.size(); ++i)
    if (d.has_fired(static_cast<int>(i)) && p.rules[i].kind == RuleKind::classify)
      said |= explain_rule(p, static_cast<int>(i), a.facts, d.as_of, d.klass).find("pd = 5.92 >= 5.92") != std::string::npos;
  CHECK(said);
  // 1601.6 / 500.5 is exactly 3.2: 3A090.b.2 (TPP >= 1600 and PD >= 3.2).
  Record b = chip(R"({"tpp": 1601.6, "die_area_mm2": 500.5, "datacenter": true})");
  d = evaluate(p, b.facts, -1, *parse_date("2024-06-01"), EvalOptions{});
  REQUIRE(!d.failed);
  CHECK(klass_name(d.klass) == std::string("3A090.b"));
  // A record with more decimal places than tollgate keeps is refused, never rounded.
  Record c = record_from_json(R"({"tpp": 4114.4000001, "die_area_mm2": 695, "datacenter": true})", 1, nullptr, true);
  CHECK(!c.ok);
  CHECK(c.error.code == "tollgate.input.value");
}

// For each number threshold written in the bundled rules and each comparison kind, both as `x OP c` and `c OP x`
// (and through the pd metric, a quotient, for pd's thresholds): values exactly on it, one unit of its last decimal
// below, and one above, built as decimal text from integers; the engine's classification must agree with the
// comparison decided on the decimal texts.
TEST_CASE("exact thresholds: every bundled threshold, every comparison, on / one unit below / one unit above") {
  const auto thresholds = bundled_thresholds();
  size_t checked = 0, with_pd = 0;
  const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
  for (const auto& t : thresholds) {
    const bool metric = t.name == "pd";
    if (!metric && t.name.rfind("chip.", 0) != 0) continue;  // fab order fields: not a chip record
    auto c = read_decimal(t.constant);
    REQUIRE(c);
    const std::string constant = t.constant + (t.unit.empty() ? "" : " " + t.unit);
    for (const char* op : ops)
      for (bool constant_first : {false, true}) {
        // `c < x` states `x > c`: the expected truth uses the mirrored operator.
        static const std::map<std::string, std::string> mirror = {{"<", ">"}, {"<=", ">="}, {">", "<"},
                                                                  {">=", "<="}, {"==", "=="}, {"!=", "!="}};
        const std::string cond = constant_first ? constant + " " + op + " " + t.name : t.name + " " + op + " " + constant;
        auto prog = compile_text(
            "ruleset t \"t\" {\n  source \"test\"\n  status enacted\n  effective 2020-01-01\n}\n"
            "metric pd = chip.tpp / chip.die_area_mm2\n"
            "classify c as \"3A090.a\" on chip\n  when " + cond + "\n  cite \"test\"\n");
        for (int delta : {-1, 0, 1}) {
          // The value one unit of the constant's last decimal away, as decimal text from integers.
          const uint64_t m = std::stoull(c->digits.empty() ? "0" : c->digits);
          if (m == 0 && delta < 0) continue;
          const std::string value = place_point(std::to_string(static_cast<uint64_t>(static_cast<int64_t>(m) + delta)), c->scale);
          std::string json;
          if (metric) {
            // pd = tpp / 695 with tpp = value × 695, exactly.
            const std::string tpp = place_point(std::to_string(static_cast<uint64_t>(static_cast<int64_t>(m) + delta) * 695), c->scale);
            json = "{\"tpp\": " + tpp + ", \"die_area_mm2\": 695}";
          } else {
            json = "{\"" + t.name.substr(5) + "\": " + value + "}";
          }
          Record r = chip(json);
          Decision d = evaluate(*prog, r.facts, -1, *parse_date("2024-06-01"), EvalOptions{});
          REQUIRE(!d.failed);
          const int sign = compare_decimal(value, t.constant);
          const bool expect = holds(sign, constant_first ? mirror.at(op) : std::string(op));
          CAPTURE(cond);
          CAPTURE(json);
          CHECK((d.klass == k_3a090a) == expect);
          ++checked;
          with_pd += metric;
        }
      }
  }
  CHECK(checked > 300);
  CHECK(with_pd > 50);
}

// Issue 13 item 6: every comparison a reason prints must hold for the values it prints. Each `a OP b` in every
// reason of every case (fixtures/cases) and every sample order is parsed back and checked on its decimal texts.
TEST_CASE("explanations: every printed comparison holds for the printed values") {
  const Program& p = test::bundled();
  // A side: "label = value" or a constant with an optional unit; values are numbers or ISO dates.
  static const std::regex cmp_re(
      R"((?:([A-Za-z_][\w.]*) = )?(\d{4}-\d{2}-\d{2}|-?\d+(?:\.\d+)?)(?: (?:GB/s|mm2|nm|billion))? (<=|>=|==|!=|<|>) (?:([A-Za-z_][\w.]*) = )?(\d{4}-\d{2}-\d{2}|-?\d+(?:\.\d+)?))");
  size_t comparisons = 0, records = 0;
  auto check_reasons = [&](const Record& r, Day day, const EvalOptions& o) {
    if (!r.ok) return;
    Decision d = evaluate(p, r.facts, r.base_cents, day, o);
    if (d.failed) return;
    ++records;
    for (size_t i = 0; i < p.rules.size(); ++i) {
      if (!d.has_fired(static_cast<int>(i))) continue;
      const std::string why = explain_rule(p, static_cast<int>(i), r.facts, day, d.klass);
      for (std::sregex_iterator it(why.begin(), why.end(), cmp_re), end; it != end; ++it) {
        const std::string a = (*it)[2], op = (*it)[3], b = (*it)[5];
        CAPTURE(why);
        const bool dates = a.size() == 10 && a[4] == '-';
        const int sign = dates ? (a < b ? -1 : a > b ? 1 : 0) : compare_decimal(a, b);
        CHECK_MESSAGE(holds(sign, op), p.rules[i].id << ": " << it->str());
        ++comparisons;
      }
    }
  };
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() + "/fixtures/cases")) {
    if (e.path().extension() != ".json") continue;
    auto doc = nlohmann::json::parse(test::slurp(e.path().string()));
    for (const auto& c : doc["cases"]) {
      Record r = record_from_json(c["record"].dump(), 1, &test::catalog());
      Day day = c.contains("as_of") ? *parse_date(c["as_of"].get<std::string>()) : r.has_date ? r.date : 0;
      check_reasons(r, day, EvalOptions{c.value("include_proposed", false)});
    }
  }
  for (const char* name : {"sample_orders.csv", "sample_orders.jsonl"}) {
    const std::string path = test::source_dir() + "/fixtures/orders/" + name;
    const std::string text = test::slurp(path);
    for (const auto& r : read_records(text, guess_format(path, text), &test::catalog()))
      check_reasons(r, r.date, EvalOptions{});
  }
  CHECK(records > 100);
  CHECK(comparisons > 300);
}

// Issue 13 item 2: "A shipment of an H100 to CN dated 1999-01-01 is ALLOWED with 'rules in force (none)'."
TEST_CASE("coverage: a date the rules do not cover is an error, never ALLOWED") {
  const Program& p = test::bundled();
  const std::string h100 = R"({"type": "shipment", "id": "S", "date": "1999-01-01", "chip": "H100 SXM5 80GB",
      "destination": "CN", "end_user_hq": "CN", "quantity": 1, "unit_price_usd": "1.00"})";
  Decision d = judge(p, h100, "1999-01-01");
  CHECK(d.failed);
  CHECK(d.error().code == "tollgate.eval.coverage");
  CHECK(d.error().field == "date");
  // The day before the bundled rules' coverage starts and that day itself: encoding.md §0 puts it at 2022-08-26, the
  // first is-informed letters (covers_from in rules/us_2022_letters.tg; main had 2022-10-21 before they were encoded).
  CHECK(judge(p, h100, "2022-08-25").error().code == "tollgate.eval.coverage");
  Decision first = judge(p, h100, "2022-08-26");
  CHECK(!first.failed);
  REQUIRE(first.active);
  CHECK(!first.active->rulesets.empty());
  // Declared coverage: before covers_from is an error even where a ruleset is in force; after covers_until too.
  const std::string head = "ruleset t \"t\" {\n  source \"test\"\n  status enacted\n  effective 2020-01-01\n";
  const std::string rule = "classify c as \"3A090.a\" on chip\n  when chip.tpp >= 4800\n  cite \"test\"\n";
  auto declared = compile_text(head + "  covers_from 2021-01-01\n  covers_until 2030-12-31\n}\n" + rule);
  Record r = chip(R"({"tpp": 5000})");
  CHECK(evaluate(*declared, r.facts, -1, *parse_date("2020-06-01"), EvalOptions{}).error().code ==
        "tollgate.eval.coverage");
  CHECK(!evaluate(*declared, r.facts, -1, *parse_date("2021-01-01"), EvalOptions{}).failed);
  CHECK(!evaluate(*declared, r.facts, -1, *parse_date("2030-12-31"), EvalOptions{}).failed);
  CHECK(evaluate(*declared, r.facts, -1, *parse_date("2031-01-01"), EvalOptions{}).error().code ==
        "tollgate.eval.coverage");
  // A gap between rulesets (no ruleset in force) inside the declared period is not covered either.
  const std::string other = "ruleset u \"u\" {\n  source \"test\"\n  status enacted\n  effective 2022-01-01\n";
  auto gap = compile_text(head + "  until 2020-12-31\n  covers_from 2020-01-01\n}\n" + rule, other + "}\n");
  CHECK(evaluate(*gap, r.facts, -1, *parse_date("2021-06-01"), EvalOptions{}).error().code == "tollgate.eval.coverage");
  CHECK(!evaluate(*gap, r.facts, -1, *parse_date("2022-06-01"), EvalOptions{}).failed);
  // Two rulesets that disagree on the coverage are an error of the rules.
  auto p1 = parse_rules(head + "  covers_from 2021-01-01\n}\n" + rule, "t1.tg");
  auto p2 = parse_rules(other + "  covers_from 2022-01-01\n}\n", "t2.tg");
  REQUIRE(p1.ok());
  REQUIRE(p2.ok());
  auto bad = compile({p1.file, p2.file});
  CHECK(!bad.program);
  bool coverage_error = false;
  for (const auto& diag : bad.diagnostics) coverage_error |= diag.code == "tollgate.check.coverage";
  CHECK(coverage_error);
}
