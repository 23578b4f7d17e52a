// tollgate tests — the parser facade: trees with spans, recovery, and hostile inputs.
#include <chrono>

#include "grammar/parse.hpp"
#include "tests/support.hpp"

using namespace tollgate;

TEST_CASE("a ruleset parses into declarations with spans") {
  auto r = parse_rules(R"(ruleset t "T" {
  source "x"
  status enacted
  effective 2024-01-01
}
group g = {CN, HK} | {MO} from 2023-01-17
rule r on shipment
  when destination in g and 2400 <= chip.tpp < 4800
  then LICENSE_REQUIRED
  cite "c"
)", "t.tg");
  REQUIRE(r.ok());
  REQUIRE(r.file.decls.size() == 3);
  CHECK(r.file.decls[0].kind == syntax::DeclKind::ruleset);
  CHECK(r.file.decls[1].kind == syntax::DeclKind::group);
  const auto& rule = r.file.decls[2];
  CHECK(rule.name.text == "r");
  auto [line, col] = rule.name.span.file->line_col(rule.name.span.offset);
  CHECK(line == 7);
  CHECK(col == 6);
  REQUIRE(rule.clauses.size() == 4);
  const auto& when = rule.clauses[1].expr;
  CHECK(when.kind == syntax::ExprKind::binary);
  CHECK(when.args[1].kind == syntax::ExprKind::compare);
  CHECK(when.args[1].ops == std::vector<std::string>{"<=", "<"});
  const auto& g = r.file.decls[1].value;
  CHECK(g.args[1].from == "2023-01-17");
}

TEST_CASE("five mistakes give five errors: the parser recovers at the next declaration") {
  auto r = parse_rules(R"(group a = {CN
rule b on shipment when chip.tpp >= then X
metric c = chip.tpp / (chip.die_area_mm2
condition d = chip.tpp >=
group e = {CN,}
group ok = {US}
)", "five.tg");
  CHECK(r.diagnostics.size() == 5);
  for (const auto& d : r.diagnostics) CHECK(d.code == "tollgate.parse.expected");
  REQUIRE(r.file.decls.size() == 1);
  CHECK(r.file.decls[0].name.text == "ok");
}

TEST_CASE("hostile inputs get a diagnostic, not a crash or a hang") {
  auto start = std::chrono::steady_clock::now();
  SUBCASE("not text: NUL bytes") {
    auto r = parse_rules(std::string("rule x\0\1\2", 9), "bin.tg");
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].code == "tollgate.parse.not-text");
  }
  SUBCASE("not text: invalid UTF-8") {
    auto r = parse_rules("group g = {CN} \xff\xfe", "bad.tg");
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].code == "tollgate.parse.not-text");
  }
  SUBCASE("empty, and only comments") {
    CHECK(parse_rules("", "e.tg").diagnostics.at(0).code == "tollgate.parse.empty");
    CHECK(parse_rules("  # nothing\n\n", "e.tg").diagnostics.at(0).code == "tollgate.parse.empty");
  }
  SUBCASE("1 MB of nested parentheses") {
    std::string text = "condition c = " + std::string(1'000'000, '(');
    auto r = parse_rules(text, "deep.tg");
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].code == "tollgate.parse.too-deep");
  }
  SUBCASE("a prefix operator 100,000 deep, and a file over the size limit (issue 13)") {
    std::string text = "condition c = ";
    for (int k = 0; k < 100000; ++k) text += k % 2 ? "not " : "- ";
    auto r = parse_rules(text + "true\n", "unary.tg");
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].code == "tollgate.parse.too-deep");
    CHECK(r.diagnostics[0].message.find("prefix operators") != std::string::npos);
    auto big = parse_rules("condition c = true\n" + std::string(max_rules_bytes, '#'), "big.tg");
    REQUIRE(big.diagnostics.size() == 1);
    CHECK(big.diagnostics[0].code == "tollgate.parse.too-large");
  }
  SUBCASE("bytes above 127 outside strings and comments: a diagnostic (Spirit's classes are ASCII only)") {
    for (const char* t : {"condition \xc3\xa9 = true\n", "condition c = \xc3\xa9\n", "condition c =\xc2\xa0true\n"}) {
      auto r = parse_rules(t, "high.tg");
      CHECK(has_errors(r.diagnostics));
    }
  }
  SUBCASE("a 100 kB identifier") {
    std::string text = "condition " + std::string(100'000, 'x') + " = true\n";
    auto r = parse_rules(text, "long.tg");
    REQUIRE(!r.diagnostics.empty());
    CHECK(r.diagnostics[0].code == "tollgate.parse.too-long");
    std::string shown = render_human(r.diagnostics[0]);
    CHECK(shown.size() < 1000);  // the source line is clipped around the caret
  }
  SUBCASE("nesting at the limit still parses") {
    std::string text = "condition c = " + std::string(max_nesting_depth, '(') + "true" +
                       std::string(max_nesting_depth, ')') + "\n";
    CHECK(parse_rules(text, "ok.tg").ok());
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(secs < 5.0);
}
