// tollgate tests — the diagnostics corpus: every fixtures/grammar/bad/*.tg gives exactly the text in its
// .expected file (caret lines included); every fixtures/grammar/good/*.tg checks clean. Set
// TOLLGATE_UPDATE_GOLDENS=1 to rewrite the .expected files, then review every change in `git diff`.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support.hpp"

using namespace tollgate;
namespace fs = std::filesystem;

namespace {
std::vector<std::string> files_in(const std::string& dir, const std::string& ext) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Renders all diagnostics of one file, with the path relative to the source tree.
std::string diagnose(const std::string& rel) {
  auto cwd = fs::current_path();
  fs::current_path(test::source_dir());
  auto r = load_and_compile({rel});
  fs::current_path(cwd);
  std::string out;
  for (const auto& d : r.diagnostics) out += render_human(d);
  return out;
}
}  // namespace

TEST_CASE("bad rules: each file gives its exact expected diagnostics") {
  const std::string dir = "fixtures/grammar/bad";
  auto names = files_in(test::source_dir() + "/" + dir, ".tg");
  CHECK(names.size() >= 40);
  bool update = std::getenv("TOLLGATE_UPDATE_GOLDENS") != nullptr;
  for (const auto& n : names) {
    CAPTURE(n);
    std::string rel = dir + "/" + n;
    std::string got = diagnose(rel);
    CHECK_MESSAGE(got.find("error[") != std::string::npos, "a bad input must give at least one error");
    std::string golden = test::source_dir() + "/" + rel.substr(0, rel.size() - 3) + ".expected";
    if (update) {
      std::ofstream(golden, std::ios::binary) << got;
      continue;
    }
    REQUIRE_MESSAGE(fs::exists(golden), (std::string("missing ") + golden));
    CHECK(got == test::slurp(golden));
  }
}

TEST_CASE("good rules: each file checks clean") {
  const std::string dir = "fixtures/grammar/good";
  auto names = files_in(test::source_dir() + "/" + dir, ".tg");
  CHECK(names.size() >= 5);
  for (const auto& n : names) {
    CAPTURE(n);
    CHECK(diagnose(dir + "/" + n) == "");
  }
}

TEST_CASE("JSON diagnostics carry code, place and help") {
  auto r = load_and_compile({test::source_dir() + "/fixtures/grammar/bad/unknown_field.tg"});
  REQUIRE(!r.diagnostics.empty());
  auto j = nlohmann::json::parse(render_json(r.diagnostics[0]));
  CHECK(j["code"] == "tollgate.check.unknown-name");
  CHECK(j["severity"] == "error");
  CHECK(j["line"].is_number());
  CHECK(j["column"].is_number());
  CHECK(j["help"].get<std::string>().find("did you mean") != std::string::npos);
}
