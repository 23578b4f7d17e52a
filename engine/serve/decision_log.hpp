// tollgate serve — the decision log: every decision and reject the server makes, appended to a trace store
// (engine/trace, hash-chained) by one writer thread in group commits, and answered only once committed.
//
// Layout in the store (docs/server.md): the server opens one *run* per caller token and rules generation (its
// options name the server instance, the token and the generation; its rulesets those in force). Within a run,
// each request is one *input*: its records are that input's lines (1-based: the record's line or array element),
// so `decisions.file` is the request's number in its run, and the request id `<run>-<file>` names exactly the
// rows of one request; the chain covers run, file and line of each row.
//
// Guarantee: submit()'s callback is called after the transaction holding the request's rows has committed, and
// only then does the server answer. A process killed at any moment (SIGKILL) loses no answered decision. A power
// cut or an operating system crash may lose the last commits unless `fsync` (SQLite synchronous = NORMAL, as
// `audit`: each group commit waits for the disk, about 40 ms on the project's machine).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <atomic>
#include <chrono>

#include "engine/serve/service.hpp"
#include "engine/trace/store.hpp"

namespace tollgate::serve {

class DecisionLog {
 public:
  // Called from the writer thread: the request id ("<run>-<file>"), or ok = false if the store refused the rows
  // (the request must then be answered with an error: nothing unlogged is answered).
  using Done = std::function<void(bool ok, const std::string& request_id)>;

  // Opens (creates) the store at `path`; throws std::runtime_error if it cannot (not a store, in use).
  // `instance` names this server process in its runs' options (start time and process id).
  DecisionLog(const std::string& path, std::string instance, bool fsync = false);
  ~DecisionLog();  // stop()s
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  // Where the writer calls the `done` callbacks of a commit: in one task given to `post` (HttpServer::poster(): a
  // serving thread then sends all their replies, instead of the writer waking one for each). Unset (the default),
  // the writer calls them itself. Set it before the first submit().
  void deliver_with(std::function<void(std::function<void()>)> post) { post_ = std::move(post); }

  // Queues a request's rows; `done` is called once they are committed (or failed). A batch with no entries is
  // answered at once with request id "".
  void submit(LogBatch batch, Done done);

  // Says that a request is being judged and will submit() in a moment: the writer, finding rows queued while
  // requests are being judged, holds the group open until the judgements under way at that moment have ended
  // (as many judgements as had started then), for at most `window` after the last commit began, so that they join
  // the commit instead of each costing one (a commit is the writer's main cost). Requests that start later go to
  // the next group: under a steady load a group is not held open for newcomers, whose wait would add to every
  // answer. A lone caller (nothing else being judged) is committed at once. Ends when the Expecting is destroyed
  // (after submit()).
  class Expecting {
   public:
    explicit Expecting(DecisionLog& log);
    ~Expecting();
    Expecting(const Expecting&) = delete;
    Expecting& operator=(const Expecting&) = delete;

   private:
    DecisionLog& log_;
  };
  static constexpr std::chrono::microseconds window{1000};
  // Commits everything queued, marks this instance's runs finished, and stops the writer. Idempotent.
  void stop();

  struct Stats {
    uint64_t rows = 0, commits = 0, requests = 0, failures = 0;
    double commit_seconds = 0;  // total time in begin..commit
  };
  Stats stats() const;
  const std::string& path() const { return path_; }

 private:
  struct Pending {
    LogBatch batch;
    Done done;
  };
  struct Outcome {
    bool ok = false;
    std::string request_id;
  };
  void writer();
  // Commits the group's rows; the outcome of each request, in the group's order.
  std::vector<Outcome> write_group(std::deque<Pending>& group);
  void deliver(std::deque<Pending> group, std::vector<Outcome> outcomes);
  int64_t run_for(const LogBatch& b);

  std::string path_, instance_;
  std::function<void(std::function<void()>)> post_;
  std::unique_ptr<TraceStore> store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
  // writer thread only
  struct RunState {
    int64_t run = 0;
    uint32_t next_request = 0;
  };
  std::map<std::pair<std::string, uint64_t>, RunState> runs_;  // (token, generation) -> run
  std::atomic<uint64_t> rows_{0}, commits_{0}, requests_{0}, failures_{0}, commit_ns_{0};
  // The group window (Expecting): requests being judged, judgements started and ended so far, whether the writer
  // waits, and for which: until `ended_` reaches `awaited_` (the judgements started when it looked), when it last
  // took a group.
  std::atomic<int> expected_{0};
  std::atomic<uint64_t> started_{0}, ended_{0}, awaited_{0};
  std::atomic<bool> window_open_{false};
  std::chrono::steady_clock::time_point last_group_{};
  std::chrono::microseconds window_ = window;
};

}  // namespace tollgate::serve
