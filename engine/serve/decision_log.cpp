// tollgate serve — the decision log's writer thread and group commits (see decision_log.hpp).
#include "engine/serve/decision_log.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <pthread.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/base/text.hpp"
#include "engine/render/render.hpp"

namespace tollgate::serve {


DecisionLog::DecisionLog(const std::string& path, std::string instance, bool fsync)
    : path_(path), instance_(std::move(instance)) {
  // WAL (`readers`): `trace verify`, `show`, `runs` read the log while the server writes it. Small pages: a server
  // commits a group of requests at a time, and each commit writes every page it changes; with an audit's 64 KB
  // pages that was half a megabyte a commit, most of the log writer's time.
  store_ = std::make_unique<TraceStore>(path, TraceStore::Mode::write, /*readers=*/true, /*page_size=*/4096);
  // OFF: COMMIT returns once SQLite has handed the pages to the operating system, which keeps them whatever
  // happens to this process; FULL waits for the disk at each commit (in WAL, NORMAL would only at checkpoints), so
  // that they also survive a power cut.
  store_->db().exec(fsync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF");
  // Crash tests only: hold each transaction open a while after its rows are written, so that a SIGKILL lands
  // inside one (tests/cli/cli_serve.py checks that no answered decision is lost even then).
  if (const char* ms = std::getenv("TOLLGATE_SERVE_TEST_COMMIT_DELAY_MS")) {
    int delay = std::atoi(ms);
    store_->before_commit = [delay] { std::this_thread::sleep_for(std::chrono::milliseconds(delay)); };
  }
  if (const char* us = std::getenv("TOLLGATE_SERVE_GROUP_WINDOW_US")) window_ = std::chrono::microseconds(std::atoi(us));
  thread_ = std::thread([this] { writer(); });
}

DecisionLog::Expecting::Expecting(DecisionLog& log) : log_(log) {
  ++log_.expected_;
  ++log_.started_;
}

DecisionLog::Expecting::~Expecting() {
  const bool none = --log_.expected_ == 0;
  const uint64_t ended = ++log_.ended_;
  if (log_.window_open_ && (none || ended >= log_.awaited_)) {
    std::lock_guard<std::mutex> lock(log_.mu_);  // (taken so that the writer is asleep or has not yet looked)
    log_.cv_.notify_one();
  }
}

DecisionLog::~DecisionLog() {
  try {
    stop();
  } catch (...) {
  }
}

void DecisionLog::submit(LogBatch batch, Done done) {
  if (batch.entries.empty()) return done(true, "");
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      done(false, "");
      return;
    }
    was_empty = queue_.empty();
    queue_.push_back({std::move(batch), std::move(done)});
  }
  if (was_empty) cv_.notify_one();  // else the writer knows: it is busy, or holding the group open
}

void DecisionLog::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (!store_) return;
  std::string now = utc_now();
  for (const auto& [key, rs] : runs_) store_->finish_run(rs.run, now);
  store_.reset();
}

DecisionLog::Stats DecisionLog::stats() const {
  Stats s;
  s.rows = rows_.load();
  s.commits = commits_.load();
  s.requests = requests_.load();
  s.failures = failures_.load();
  s.commit_seconds = static_cast<double>(commit_ns_.load()) / 1e9;
  return s;
}

void DecisionLog::writer() {
  pthread_setname_np(pthread_self(), "tollgate-log");  // (its own line in top -H and perf)
  for (;;) {
    std::deque<Pending> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything committed
      // Requests being judged now will be queued in a moment: they join this group, up to `window` after the
      // last group was taken (never longer, however many keep coming; at once if none is being judged).
      if (expected_ > 0 && window_.count() > 0) {
        awaited_ = started_.load();  // the judgements under way now (and those before them)
        window_open_ = true;
        cv_.wait_until(lock, last_group_ + window_,
                       [&] { return stopping_ || expected_ == 0 || ended_.load() >= awaited_.load(); });
        window_open_ = false;
      }
      group.swap(queue_);
      last_group_ = std::chrono::steady_clock::now();
    }
    // Whatever arrived while the last commit waited for the disk goes in together: one commit for many requests.
    std::vector<Outcome> outcomes = write_group(group);
    deliver(std::move(group), std::move(outcomes));
  }
}

void DecisionLog::deliver(std::deque<Pending> group, std::vector<Outcome> outcomes) {
  auto run = [](std::deque<Pending>& g, std::vector<Outcome>& o) {
    for (size_t i = 0; i < g.size(); ++i) g[i].done(o[i].ok, o[i].request_id);
  };
  if (!post_) return run(group, outcomes);
  // (shared: a std::function must be copyable; the batches are freed on the serving thread that made them, mostly)
  auto done = std::make_shared<std::pair<std::deque<Pending>, std::vector<Outcome>>>(std::move(group),
                                                                                       std::move(outcomes));
  post_([done, run] { run(done->first, done->second); });
}

int64_t DecisionLog::run_for(const LogBatch& b) {
  auto key = std::make_pair(b.token, b.engine->generation);
  auto it = runs_.find(key);
  if (it != runs_.end()) return it->second.run;
  RunRecord r;
  r.run_key = sha256_hex("tollgate serve\n" + instance_ + "\n" + b.token + "\n" + std::to_string(b.engine->generation));
  r.engine = engine_version;
  r.rulesets = b.engine->rulesets_json;
  r.catalog_sha256 = b.engine->catalog_sha256;
  r.inputs = "[]";
  std::string options = "{\"serve\":{\"instance\":";
  append_json_string(options, instance_);
  options += ",\"token\":";
  append_json_string(options, b.token);
  options += ",\"rules_generation\":" + std::to_string(b.engine->generation) + "}}";
  r.options = options;
  r.started_at = utc_now();
  int64_t run = store_->begin_run(r);
  runs_.emplace(key, RunState{run, 0});
  return run;
}

std::vector<DecisionLog::Outcome> DecisionLog::write_group(std::deque<Pending>& group) {
  // One transaction per run present (a run is a token and rules generation: usually one), in arrival order.
  std::vector<Outcome> outcomes(group.size());
  std::vector<std::pair<std::string, uint64_t>> order;
  std::map<std::pair<std::string, uint64_t>, std::vector<size_t>> by_run;
  for (size_t i = 0; i < group.size(); ++i) {
    auto key = std::make_pair(group[i].batch.token, group[i].batch.engine->generation);
    auto& v = by_run[key];
    if (v.empty()) order.push_back(key);
    v.push_back(i);
  }
  for (const auto& key : order) {
    const std::vector<size_t>& items = by_run[key];
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> ids;
    bool ok = true;
    RunState* rs = nullptr;
    uint32_t first_request = 0;
    try {
      int64_t run = run_for(group[items.front()].batch);
      rs = &runs_[key];
      first_request = rs->next_request;
      store_->begin();
      Tallies delta;
      for (size_t i : items) {
        LogBatch& b = group[i].batch;
        uint32_t file = rs->next_request++;
        uint64_t last_line = 0;
        for (Entry& e : b.entries) {
          e.file = file;
          if (e.line <= last_line) e.line = last_line + 1;  // lines strictly increase within an input
          last_line = e.line;
          store_->add(run, e, b.texts.data());
        }
        for (const auto& [dim, keys] : b.delta)
          for (const auto& [k, t] : keys) delta[dim][k] += t;
        ids.push_back(std::to_string(run) + "-" + std::to_string(file));
      }
      store_->commit(run, delta, TraceStore::Position{rs->next_request, 0, 1});
    } catch (const std::exception&) {
      ok = false;
      try {
        store_->rollback();
      } catch (...) {
      }
      if (rs) rs->next_request = first_request;
    }
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    commit_ns_ += static_cast<uint64_t>(ns);
    for (size_t n = 0; n < items.size(); ++n) {
      Outcome& o = outcomes[items[n]];
      o.ok = ok;
      if (ok) {
        rows_ += group[items[n]].batch.entries.size();
        ++requests_;
        o.request_id = std::move(ids[n]);
      } else {
        ++failures_;
      }
    }
    if (ok) ++commits_;
  }
  return outcomes;
}

}  // namespace tollgate::serve
