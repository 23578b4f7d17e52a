// tollgate tests — the formatter's properties over every good input and every bundled rules file: the output
// reparses to the same tree with the same comments, and formatting twice changes nothing.
#include <filesystem>

#include "engine/lang/format.hpp"
#include "grammar/parse.hpp"
#include "tests/support.hpp"

using namespace tollgate;
namespace fs = std::filesystem;

TEST_CASE("fmt round-trips every good input and every rules file") {
  std::vector<std::string> files;
  for (const char* dir : {"/rules", "/fixtures/grammar/good"})
    for (const auto& e : fs::directory_iterator(test::source_dir() + dir))
      if (e.path().extension() == ".tg") files.push_back(e.path().string());
  REQUIRE(files.size() >= 10);
  for (const auto& f : files) {
    CAPTURE(f);
    auto a = parse_rules(test::slurp(f), f);
    REQUIRE(a.ok());
    std::string once = format_file(a.file);
    auto b = parse_rules(once, f);
    REQUIRE(b.ok());
    std::string where;
    CHECK_MESSAGE(same_tree(a.file, b.file, &where), (where));
    CHECK(format_file(b.file) == once);
  }
}

TEST_CASE("the bundled rules are already in canonical format") {
  for (const auto& e : fs::directory_iterator(test::source_dir() + "/rules")) {
    if (e.path().extension() != ".tg") continue;
    CAPTURE(e.path().string());
    std::string text = test::slurp(e.path().string());
    auto r = parse_rules(text, e.path().string());
    REQUIRE(r.ok());
    CHECK(format_file(r.file) == text);
  }
}

TEST_CASE("fmt keeps comments and adds readable parentheses") {
  auto r = parse_rules("# head\ncondition c = a or b and c  # tail\n", "x.tg");
  REQUIRE(r.ok());
  CHECK(format_file(r.file) == "# head\ncondition c = a or (b and c)  # tail\n");
}
