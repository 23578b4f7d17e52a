// The server's per-request cost apart from HTTP, split in its two halves (bench/README.md): judging one
// single-record /v1/check body (engine/serve/service.hpp: parse, evaluate, render, hash, trace entry) on this
// thread, and the decision log's writer (decision_log.hpp: group commits to the trace store) fed groups of G
// requests. Prints CPU microseconds per request of each (getrusage of the process and of the writer thread).
//   bench_decision_log [REQUESTS] [GROUP] [DB]     (defaults: 20000, 16, a temporary file, removed)
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "engine/base/hash.hpp"
#include "engine/lang/compile.hpp"
#include "engine/serve/decision_log.hpp"
#include "engine/serve/service.hpp"

namespace {
double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  auto s = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace tollgate;
  using namespace tollgate::serve;
  const int requests = argc > 1 ? std::stoi(argv[1]) : 20000;
  const int group = argc > 2 ? std::stoi(argv[2]) : 16;
  std::string db = argc > 3 ? argv[3] : (std::filesystem::temp_directory_path() / "bench_decision_log.db").string();
  if (argc <= 3) std::filesystem::remove(db);
  CompileResult c = load_and_compile({default_rules_dir()});
  if (!c.program) return 2;
  auto e = std::make_shared<Engine>();
  e->program = c.program;
  e->catalog = std::make_shared<const Catalog>(Catalog::load(default_catalog_path(), e->program->schema));
  e->generation = 1;
  e->rulesets_json = "[]";
  const std::string body = R"({"type":"shipment","id":"S-1","date":"2025-09-01","chip":"H20","destination":"CN",)"
                           R"("end_user_hq":"CN","quantity":10,"unit_price_usd":"12000.00"})";
  // 1. Judging, on this thread.
  std::vector<LogBatch> batches;
  batches.reserve(static_cast<size_t>(requests));
  double t0 = cpu_seconds(RUSAGE_THREAD);
  for (int i = 0; i < requests; ++i) {
    Judgement j = judge_body(*e, body, BodyFormat::single, JudgeOptions{});
    j.log.engine = e;
    j.log.token = "bench";
    batches.push_back(std::move(j.log));
  }
  double judge = cpu_seconds(RUSAGE_THREAD) - t0;
  // 2. The writer: groups of G requests queued at once, the next group once the last is committed.
  double w0 = cpu_seconds(RUSAGE_SELF), m0 = cpu_seconds(RUSAGE_THREAD);
  auto wall0 = std::chrono::steady_clock::now();
  {
    DecisionLog log(db, "bench");
    std::mutex mu;
    std::condition_variable cv;
    int done = 0;
    for (int i = 0; i < requests; i += group) {
      int n = std::min(group, requests - i);
      for (int k = 0; k < n; ++k)
        log.submit(std::move(batches[static_cast<size_t>(i + k)]), [&](bool, const std::string&) {
          std::lock_guard<std::mutex> l(mu);
          ++done;
          cv.notify_all();
        });
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return done == i + n; });
    }
    log.stop();
    std::printf("commits: %llu\n", static_cast<unsigned long long>(log.stats().commits));
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  double writer = (cpu_seconds(RUSAGE_SELF) - w0) - (cpu_seconds(RUSAGE_THREAD) - m0);
  std::printf("judge:  %.2f us CPU per request\n", judge / requests * 1e6);
  std::printf("writer: %.2f us CPU per request in groups of %d (%.2f s wall for %d requests)\n",
              writer / requests * 1e6, group, wall, requests);
  if (argc <= 3) std::filesystem::remove(db);
  return 0;
}
