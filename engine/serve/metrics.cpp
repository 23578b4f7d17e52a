// tollgate serve — /metrics (see metrics.hpp).
#include "engine/serve/metrics.hpp"

#include <cstdio>

namespace tollgate::serve {

void Metrics::request(const std::string& endpoint, int status, double seconds) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[{endpoint, status}];
  }
  size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) ++i;
  ++buckets_[i];
  ++count_;
  sum_us_ += static_cast<uint64_t>(seconds * 1e6);
}

void Metrics::decisions(const VerdictCounts& c) {
  for (size_t i = 0; i < c.size(); ++i)
    if (c[i]) verdicts_[i] += c[i];
}

void Metrics::reload(bool ok) {
  ++(ok ? reloads_ok_ : reloads_failed_);
}

std::string Metrics::text(const Store& store, uint64_t generation, uint64_t audits_running) const {
  std::string out;
  char buf[2048];
  out += "# HELP tollgate_http_requests_total HTTP requests answered, by endpoint and status.\n"
         "# TYPE tollgate_http_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [k, n] : requests_) {
      std::snprintf(buf, sizeof buf, "tollgate_http_requests_total{endpoint=\"%s\",code=\"%d\"} %llu\n",
                    k.first.c_str(), k.second, static_cast<unsigned long long>(n));
      out += buf;
    }
  }
  out += "# HELP tollgate_http_request_duration_seconds Time from a request's header to its reply.\n"
         "# TYPE tollgate_http_request_duration_seconds histogram\n";
  uint64_t cum = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cum += buckets_[i].load();
    if (i < bounds.size())
      std::snprintf(buf, sizeof buf, "tollgate_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[i],
                    static_cast<unsigned long long>(cum));
    else
      std::snprintf(buf, sizeof buf, "tollgate_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                    static_cast<unsigned long long>(cum));
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                "tollgate_http_request_duration_seconds_sum %.6f\ntollgate_http_request_duration_seconds_count %llu\n",
                static_cast<double>(sum_us_.load()) / 1e6, static_cast<unsigned long long>(count_.load()));
  out += buf;
  out += "# HELP tollgate_decisions_total Records judged, by verdict (error: could not be read or judged).\n"
         "# TYPE tollgate_decisions_total counter\n";
  const char* names[] = {"ALLOWED", "NOTIFY", "LICENSE_REQUIRED", "PROHIBITED", "error"};
  for (size_t i = 0; i < verdicts_.size(); ++i) {
    std::snprintf(buf, sizeof buf, "tollgate_decisions_total{verdict=\"%s\"} %llu\n", names[i],
                  static_cast<unsigned long long>(verdicts_[i].load()));
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                "# HELP tollgate_store_rows_total Rows (decisions and rejects) committed to the decision log.\n"
                "# TYPE tollgate_store_rows_total counter\ntollgate_store_rows_total %llu\n"
                "# HELP tollgate_store_commits_total Group commits of the decision log.\n"
                "# TYPE tollgate_store_commits_total counter\ntollgate_store_commits_total %llu\n"
                "# HELP tollgate_store_commit_seconds_total Time spent writing and committing the decision log.\n"
                "# TYPE tollgate_store_commit_seconds_total counter\ntollgate_store_commit_seconds_total %.6f\n"
                "# HELP tollgate_store_failures_total Requests whose rows the store refused (answered 503).\n"
                "# TYPE tollgate_store_failures_total counter\ntollgate_store_failures_total %llu\n",
                static_cast<unsigned long long>(store.rows), static_cast<unsigned long long>(store.commits),
                store.commit_seconds, static_cast<unsigned long long>(store.failures));
  out += buf;
  std::snprintf(buf, sizeof buf,
                "# HELP tollgate_rules_generation Rules generation in force (1 at start, +1 per reload).\n"
                "# TYPE tollgate_rules_generation gauge\ntollgate_rules_generation %llu\n"
                "# HELP tollgate_reloads_total Rules reloads, by result.\n# TYPE tollgate_reloads_total counter\n"
                "tollgate_reloads_total{result=\"ok\"} %llu\ntollgate_reloads_total{result=\"failed\"} %llu\n"
                "# HELP tollgate_audits_running Audit uploads queued or running.\n"
                "# TYPE tollgate_audits_running gauge\ntollgate_audits_running %llu\n",
                static_cast<unsigned long long>(generation), static_cast<unsigned long long>(reloads_ok_.load()),
                static_cast<unsigned long long>(reloads_failed_.load()),
                static_cast<unsigned long long>(audits_running));
  out += buf;
  return out;
}

}  // namespace tollgate::serve
