// tollgate — evaluation benchmark: single-thread evaluate() of the compiled bundled rules over N in-memory
// shipment records (default 1,000,000), generated deterministically from the catalog (chips, 120+ destinations,
// dates 2022-10-21 to 2027-12-31: the period the bundled rules cover). Reports decisions per second; the verdict
// histogram is printed so the work cannot be elided.
//
//   build/bench/bench_eval [N] [--proposed] [--sorted] [--no-cache] [--passes K]
//     --sorted: records in date order, as in a real log; --no-cache: no ClassCache (every record classified);
//     --passes K: time K passes over the same records (each with an empty cache) and report the median and the best
//     (on a shared, noisy machine the best pass is the least disturbed one; default 1)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <algorithm>
#include <random>
#include <string>

#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "engine/lang/compile.hpp"
#include "engine/records/record.hpp"
#include "engine/eval/evaluate.hpp"

using namespace tollgate;

int main(int argc, char** argv) {
  size_t n = 1'000'000;
  bool proposed = false, sorted = false, use_cache = true;
  int passes = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--proposed") == 0) proposed = true;
    else if (std::strcmp(argv[i], "--passes") == 0 && i + 1 < argc) passes = std::max(1, std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--no-cache") == 0) use_cache = false;
    else if (std::strcmp(argv[i], "--sorted") == 0) sorted = true;
    else n = std::stoull(argv[i]);
  }
  auto t0 = std::chrono::steady_clock::now();
  CompileResult cr = load_and_compile({default_rules_dir()});
  if (!cr.program) {
    for (const auto& d : cr.diagnostics) std::fputs(render_human(d).c_str(), stderr);
    return 2;
  }
  auto t1 = std::chrono::steady_clock::now();
  const Program& p = *cr.program;
  Catalog cat = Catalog::load(default_catalog_path(), p.schema);
  // Chips with enough data to be judged everywhere.
  std::vector<const Facts*> chips;
  for (const auto& [name, f] : cat.chips())
    if (f.has(s_chip_tpp) && f.has(s_chip_interconnect_gbps) && f.has(s_chip_memory_bw_gbps) && f.has(s_chip_datacenter))
      chips.push_back(&f);
  const char* dests[] = {"CN", "HK", "MO", "US", "DE", "JP", "KR", "TW", "SG", "VN", "SA", "AE", "IL", "IN", "RU",
                         "BR", "MX", "GB", "FR", "NL", "MY", "TH", "ID", "KZ", "IR", "CU", "VE", "PK", "EG", "TR"};
  std::mt19937_64 rng(42);
  std::vector<Facts> records(n);
  std::vector<int64_t> bases(n);
  Day start = *parse_date("2022-10-21"), span = *parse_date("2027-12-31") - start;
  for (size_t i = 0; i < n; ++i) {
    Facts& f = records[i];
    f = *chips[rng() % chips.size()];
    f.kind = RecordKind::shipment;
    f.set_raw(s_date, start + static_cast<Day>(rng() % static_cast<uint64_t>(span)));
    f.set_raw(s_destination, country_index(dests[rng() % std::size(dests)]));
    f.set_raw(s_end_user_hq, country_index(dests[rng() % std::size(dests)]));
    f.set_raw(s_end_user_parent_hq, f.num[s_end_user_hq]);  // its own ultimate parent (no draw: the same records as before)
    f.set_raw(s_export_from, country_index(rng() % 10 ? "US" : "TW"));
    const int64_t quantity = static_cast<int64_t>(1 + rng() % 1000);
    f.set_number(s_quantity, quantity * micro_per_unit);
    bases[i] = quantity * static_cast<int64_t>(100 + rng() % 4'000'000);
  }
  if (sorted) {  // as in a real shipment log: chronological
    std::vector<size_t> idx(n);
    for (size_t i = 0; i < n; ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return records[a].num[s_date] < records[b].num[s_date]; });
    std::vector<Facts> r2(n);
    std::vector<int64_t> b2(n);
    for (size_t i = 0; i < n; ++i) {
      r2[i] = records[idx[i]];
      b2[i] = bases[idx[i]];
    }
    records.swap(r2);
    bases.swap(b2);
  }
  EvalOptions opts{proposed};
  size_t hist[5] = {};
  int64_t fees = 0;
  ClassCache cache;
  std::vector<double> pass_secs;
  for (int pass = 0; pass < passes; ++pass) {
    cache = ClassCache{};
    ClassCache* cp = use_cache ? &cache : nullptr;
    size_t h[5] = {};
    int64_t fsum = 0;
    auto t2 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i) {
      Decision d = evaluate(p, records[i], bases[i], static_cast<Day>(records[i].num[s_date]), opts, cp);
      if (d.failed) ++h[4];
      else ++h[static_cast<int>(d.verdict)];
      fsum += d.fee_total_cents;
    }
    auto t3 = std::chrono::steady_clock::now();
    pass_secs.push_back(std::chrono::duration<double>(t3 - t2).count());
    std::copy(std::begin(h), std::end(h), std::begin(hist));
    fees = fsum;
  }
  const auto hits = cache.hits, misses = cache.misses;
  // Not timed: the cache must not change any decision.
  size_t differ = 0;
  if (use_cache)
    for (size_t i = 0; i < n; ++i) {
      Day day = static_cast<Day>(records[i].num[s_date]);
      Decision a = evaluate(p, records[i], bases[i], day, opts);
      ClassCache one;
      Decision b = evaluate(p, records[i], bases[i], day, opts, &one);
      Decision c = evaluate(p, records[i], bases[i], day, opts, &cache);
      differ += !(a.fired == b.fired && a.fired == c.fired && a.verdict == c.verdict && a.review == c.review &&
                  a.fee_total_cents == c.fee_total_cents && a.failed == c.failed && a.klass == c.klass);
    }
  double compile_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  std::vector<double> sorted_secs = pass_secs;
  std::sort(sorted_secs.begin(), sorted_secs.end());
  const double secs = sorted_secs[sorted_secs.size() / 2], best = sorted_secs.front();
  std::printf("load+compile bundled rules: %.2f ms (%zu rulesets, %zu rules)\n", compile_ms, p.rulesets.size(),
              p.rules.size());
  std::printf("evaluate: %zu decisions in %.3f s = %.2f M decisions/s (single thread%s%s)\n", n, secs,
              static_cast<double>(n) / secs / 1e6, proposed ? ", proposed rules on" : "",
              use_cache ? ", classification cache" : ", no cache");
  if (passes > 1)
    std::printf("passes: %d; median %.2f M decisions/s, best %.2f M decisions/s\n", passes,
                static_cast<double>(n) / secs / 1e6, static_cast<double>(n) / best / 1e6);
  if (use_cache)
    std::printf("classification cache: %llu hits, %llu misses (timed run); %zu decisions differ without it\n",
                static_cast<unsigned long long>(hits), static_cast<unsigned long long>(misses), differ);
  std::printf("verdicts: ALLOWED %zu, NOTIFY %zu, LICENSE_REQUIRED %zu, PROHIBITED %zu, errors %zu; fees %lld cents\n",
              hist[0], hist[1], hist[2], hist[3], hist[4], static_cast<long long>(fees));
  return differ == 0 ? 0 : 1;
}
