// tollgate serve — audit uploads: POST /v1/audits streams a CSV or JSONL log to a file in the spool folder (never
// whole in memory); a job then runs engine/audit's run_audit on it, one job at a time on its own thread, into the
// audit store (a trace store of its own: the decision log's store has one writer, the server). GET
// /v1/audits/{id} shows the progress, then the summary (the audit report's JSON); .../report the report.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/audit/audit.hpp"
#include "engine/serve/service.hpp"

namespace tollgate::serve {

class AuditJobs {
 public:
  // `spool`: an existing folder for uploads (each deleted once audited); `db`: the audit store's path.
  AuditJobs(std::string spool, std::string db);
  ~AuditJobs();  // stops after the running job
  AuditJobs(const AuditJobs&) = delete;
  AuditJobs& operator=(const AuditJobs&) = delete;

  // Reserves a job id and the file its upload goes to; `format` is "csv" or "jsonl" (by the Content-Type or a
  // `format` query parameter; "" to tell from the first bytes once uploaded).
  std::pair<std::string, std::string> reserve(const std::string& format);
  // Queues the uploaded job with the rules it is judged by. Returns false if the id is unknown.
  bool start(const std::string& id, std::shared_ptr<const Engine> engine, const JudgeOptions& o, uint64_t bytes);
  // Forgets a reserved job whose upload failed (its file is removed).
  void abandon(const std::string& id);
  // {"id", "status": queued|running|done|failed, "progress": {...}, "summary": report JSON, "error"}; nullopt if
  // unknown.
  std::optional<std::string> status_json(const std::string& id);
  // The finished job's report ("html", "md", "json"); nullopt if unknown or not done.
  std::optional<std::string> report(const std::string& id, const std::string& format);
  uint64_t active() const { return active_.load(); }

 private:
  struct Job {
    std::string id, file, format, status = "uploading", error;
    std::shared_ptr<const Engine> engine;
    JudgeOptions options;
    uint64_t bytes = 0;
    std::atomic<uint64_t> records{0}, bytes_done{0};
    std::optional<AuditSummary> summary;
  };
  void worker();
  void run(Job& job);

  std::string spool_, db_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::shared_ptr<Job>> queue_;
  uint64_t next_ = 0;
  bool stopping_ = false;
  std::atomic<uint64_t> active_{0};
  std::thread thread_;
};

}  // namespace tollgate::serve
