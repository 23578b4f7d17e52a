// tollgate serve — audit upload jobs (see audits.hpp).
#include "engine/serve/audits.hpp"

#include <chrono>
#include <filesystem>

#include "engine/audit/report.hpp"
#include "engine/base/text.hpp"

namespace tollgate::serve {

AuditJobs::AuditJobs(std::string spool, std::string db) : spool_(std::move(spool)), db_(std::move(db)) {
  thread_ = std::thread([this] { worker(); });
}

AuditJobs::~AuditJobs() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::error_code ec;
  for (auto& [id, job] : jobs_)
    if (job->status != "done" && !job->file.empty()) std::filesystem::remove(job->file, ec);
}

std::pair<std::string, std::string> AuditJobs::reserve(const std::string& format) {
  std::lock_guard<std::mutex> lock(mu_);
  auto job = std::make_shared<Job>();
  auto stamp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  job->id = "a" + std::to_string(stamp.count()) + "-" + std::to_string(++next_);
  job->format = format;
  std::string ext = format == "csv" ? ".csv" : format == "jsonl" ? ".jsonl" : ".log";
  job->file = (std::filesystem::path(spool_) / ("upload-" + job->id + ext)).string();
  jobs_[job->id] = job;
  ++active_;
  return {job->id, job->file};
}

bool AuditJobs::start(const std::string& id, std::shared_ptr<const Engine> engine, const JudgeOptions& o,
                      uint64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return false;
    it->second->engine = std::move(engine);
    it->second->options = o;
    it->second->bytes = bytes;
    it->second->status = "queued";
    queue_.push_back(it->second);
  }
  cv_.notify_all();
  return true;
}

void AuditJobs::abandon(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  std::error_code ec;
  std::filesystem::remove(it->second->file, ec);
  jobs_.erase(it);
  --active_;
}

void AuditJobs::worker() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
      job->status = "running";
    }
    run(*job);
    --active_;
  }
}

void AuditJobs::run(Job& job) {
  AuditOptions ao;
  ao.inputs = {job.file};
  ao.as_of = job.options.as_of;
  ao.include_proposed = job.options.include_proposed;
  ao.include_unenforced = job.options.include_unenforced;
  ao.jobs = 1;  // the server's cores serve requests first
  ao.db = db_;
  ao.progress = [&job](const AuditProgress& p) {
    job.records = p.records;
    job.bytes_done = p.bytes_done;
  };
  std::string status, error;
  std::optional<AuditSummary> summary;
  try {
    AuditSummary s = run_audit(*job.engine->program, *job.engine->catalog, job.engine->catalog_sha256, ao);
    for (auto& in : s.inputs) in.path = "upload " + job.id;  // the spool folder is the server's business
    s.db = "audit store";
    summary = std::move(s);
    status = "done";
  } catch (const std::exception& e) {
    error = e.what();
    // Say what went wrong without the spool path.
    for (size_t at; (at = error.find(job.file)) != std::string::npos;) error.replace(at, job.file.size(), "the upload");
    for (size_t at; (at = error.find(db_)) != std::string::npos;) error.replace(at, db_.size(), "the audit store");
    status = "failed";
  }
  std::error_code ec;
  std::filesystem::remove(job.file, ec);
  std::lock_guard<std::mutex> lock(mu_);
  job.summary = std::move(summary);
  job.error = error;
  job.status = status;
  if (job.summary) job.records = job.summary->decisions + job.summary->rejected;
  job.bytes_done = job.bytes;
}

std::optional<std::string> AuditJobs::status_json(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  const Job& j = *it->second;
  std::string out = "{\"id\":";
  append_json_string(out, j.id);
  out += ",\"status\":";
  append_json_string(out, j.status);
  out += ",\"progress\":{\"records\":" + std::to_string(j.records.load()) +
         ",\"bytes_done\":" + std::to_string(j.bytes_done.load()) + ",\"bytes_total\":" + std::to_string(j.bytes) + "}";
  if (!j.error.empty()) {
    out += ",\"error\":";
    append_json_string(out, j.error);
  }
  if (j.summary) {
    std::string summary = report_json(*j.summary);
    while (!summary.empty() && (summary.back() == '\n' || summary.back() == ' ')) summary.pop_back();
    out += ",\"summary\":" + summary;
  }
  return out + "}\n";
}

std::optional<std::string> AuditJobs::report(const std::string& id, const std::string& format) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || !it->second->summary) return std::nullopt;
  const AuditSummary& s = *it->second->summary;
  if (format == "md") return report_markdown(s);
  if (format == "json") return report_json(s);
  return report_html(s);
}

}  // namespace tollgate::serve
