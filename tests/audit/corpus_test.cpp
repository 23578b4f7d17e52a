// tollgate tests — the data-driven case corpus (fixtures/cases/*.json) against the bundled rules: every case
// passes, every rule fires in some case, every citation appears.
#include "engine/audit/cases.hpp"
#include "tests/support.hpp"

using namespace tollgate;

TEST_CASE("every case in fixtures/cases passes, with full rule and citation coverage") {
  CaseReport rep = run_case_files(test::bundled(), test::catalog(), {test::source_dir() + "/fixtures/cases"});
  for (const auto& f : rep.failures) FAIL_CHECK(f);
  CHECK(rep.cases() >= 150);
  for (const auto& r : rep.uncovered_rules) FAIL_CHECK("rule never fired in any case: " << r);
  for (const auto& c : rep.uncovered_citations) FAIL_CHECK("citation never seen: " << c);
}
