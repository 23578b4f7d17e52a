// tollgate tests — every threshold, rate and date written in rules/ appears in the project's reference
// (../shared/reference/encoding.md or regulations.md), so a typo in a rule (4080 for 4800, 2025-04-19 for
// 2025-04-09) cannot pass. Accepted spellings: "4800" or "4,800"; a date as written; for an `until` date, the day
// after it (the documented start of what replaces it); for a year boundary (YYYY-01-01 or YYYY-12-31), the year.
#include <filesystem>
#include <regex>
#include <set>

#include "engine/base/date.hpp"
#include "grammar/parse.hpp"
#include "tests/support.hpp"

using namespace tollgate;

namespace {
std::string with_commas(const std::string& digits) {
  auto dot = digits.find('.');
  std::string whole = digits.substr(0, dot), rest = dot == std::string::npos ? "" : digits.substr(dot);
  std::string out;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i && (whole.size() - i) % 3 == 0) out += ',';
    out += whole[i];
  }
  return out + rest;
}

// The text contains `token` not as part of a longer number ("4800" is not in "14800" nor "4800.5").
bool mentions_number(const std::string& text, const std::string& token) {
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + 1)) {
    bool left = at == 0 || !(std::isdigit(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == ',' || text[at - 1] == '.');
    size_t end = at + token.size();
    bool right = end >= text.size() || !(std::isdigit(static_cast<unsigned char>(text[end])) ||
                                         (text[end] == '.' && end + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[end + 1]))) ||
                                         (text[end] == ',' && end + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[end + 1]))));
    if (left && right) return true;
  }
  return false;
}

void collect(const syntax::Expr& e, std::set<std::string>& numbers, std::set<std::string>& dates) {
  if (e.kind == syntax::ExprKind::number || e.kind == syntax::ExprKind::percent) numbers.insert(e.text);
  if (e.kind == syntax::ExprKind::date) dates.insert(e.text);
  if (!e.from.empty()) dates.insert(e.from);
  if (!e.until.empty()) dates.insert(e.until);
  for (const auto& a : e.args) collect(a, numbers, dates);
}
}  // namespace

TEST_CASE("every threshold and date in rules/ is in the reference") {
  const std::string ref = test::source_dir() + "/../shared/reference";
  if (!std::filesystem::exists(ref + "/encoding.md")) {
    MESSAGE("SKIPPED: ../shared/reference is not beside this checkout (CI and developers have it)");
    return;
  }
  const std::string text = test::slurp(ref + "/encoding.md") + "\n" + test::slurp(ref + "/regulations.md");
  std::set<std::string> numbers, dates, untils;
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() + "/rules")) {
    if (e.path().extension() != ".tg") continue;
    auto r = parse_rules(test::slurp(e.path().string()), e.path().string());
    REQUIRE(r.ok());
    for (const auto& d : r.file.decls) {
      collect(d.value, numbers, dates);
      for (const auto& c : d.clauses) {
        collect(c.expr, numbers, dates);
        if (c.key == "effective") dates.insert(c.token.text);
        if (c.key == "until") untils.insert(c.token.text);
      }
    }
  }
  CHECK(numbers.size() >= 25);
  CHECK(dates.size() + untils.size() >= 12);
  for (const auto& n : numbers) {
    CAPTURE(n);
    CHECK((mentions_number(text, n) || mentions_number(text, with_commas(n))));
  }
  for (const auto& d : dates) {
    CAPTURE(d);
    bool year_edge = d.substr(5) == "01-01" || d.substr(5) == "12-31";
    CHECK((text.find(d) != std::string::npos || (year_edge && text.find(d.substr(0, 4)) != std::string::npos)));
  }
  for (const auto& d : untils) {
    CAPTURE(d);
    std::string next = format_date(*parse_date(d) + 1);
    CHECK((text.find(d) != std::string::npos || text.find(next) != std::string::npos));
  }
}
