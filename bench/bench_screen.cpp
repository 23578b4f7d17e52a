// bench_screen — one party screened against the 15,000-entry synthetic list (tollgate's generator, CSL CSV layout),
// uncached: the median and 90th percentile of many single calls, on one core. Also the list's read and index time
// and a cached call. Run by hand (bench/README.md); speed is never asserted in tests.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/screen/match.hpp"

using namespace tollgate;
using clk = std::chrono::steady_clock;

namespace {

double ns_since(clk::time_point t0) { return std::chrono::duration<double, std::nano>(clk::now() - t0).count(); }

void run(Screener& s, const std::string& party, const std::string& country, int reps) {
  std::vector<double> ns;
  ns.reserve(reps);
  MatchOutcome outcome = MatchOutcome::none;
  size_t candidates = 0;
  for (int i = 0; i < reps; ++i) {
    auto t0 = clk::now();
    ScreenResult r = s.screen_uncached(party, country);
    ns.push_back(ns_since(t0));
    outcome = r.outcome, candidates = r.candidates.size();
  }
  std::sort(ns.begin(), ns.end());
  std::printf("  %-58s median %7.2f us  p90 %7.2f us  (%s, %zu candidates)\n", ("\"" + party + "\"").c_str(),
              ns[ns.size() / 2] / 1000, ns[ns.size() * 9 / 10] / 1000, outcome_name(outcome), candidates);
}

}  // namespace

int main(int argc, char** argv) {
  int entries = argc > 1 ? std::atoi(argv[1]) : 15000, reps = argc > 2 ? std::atoi(argv[2]) : 20001;
  auto t0 = clk::now();
  std::string csv = synthetic_list_csv(entries, 1);
  std::vector<ScreeningList> lists{parse_screening_list(csv, "synthetic.csv")};
  double read_ms = ns_since(t0) / 1e6;
  t0 = clk::now();
  Screener s(lists);
  double index_ms = ns_since(t0) / 1e6;
  const ListEntry& e = lists[0].entries[entries / 2];
  std::printf("bench_screen: %zu entries, %zu names and aliases indexed; list generated and read in %.1f ms, indexed "
              "in %.1f ms; %d calls each\n",
              lists[0].entries.size(), s.names_indexed(), read_ms, index_ms, reps);
  run(s, e.name, "", reps);                                  // a listed name as written
  std::string upper = e.name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  run(s, upper + " (HK)", "HK", reps);                       // another spelling, a country, a parenthesized part
  run(s, "Example Cloud Computing Co., Ltd.", "US", reps);   // a name not listed
  run(s, "Nvidia Corporation", "", reps);
  run(s, "北京壁仞科技开发有限公司", "CN", reps);               // Chinese, transliterated with ICU
  auto t1 = clk::now();
  for (int i = 0; i < reps; ++i) s.screen(e.name, "CN");
  std::printf("  cached (same normalized name): %.3f us per call\n", ns_since(t1) / reps / 1000);
  return 0;
}
