// tollgate serve — counters for GET /metrics, in the Prometheus text format (version 0.0.4): requests by endpoint
// and status, a request latency histogram, decisions by verdict, and what the decision log has stored.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "engine/serve/service.hpp"

namespace tollgate::serve {

class Metrics {
 public:
  // The histogram's upper bounds, seconds.
  static constexpr std::array<double, 12> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                 0.05,   0.1,   0.25,   0.5,   1,     5};
  // `endpoint` is the route's pattern ("/v1/check", "/v1/audits/{id}", "other"), not the raw path.
  void request(const std::string& endpoint, int status, double seconds);
  void decisions(const VerdictCounts& c);
  void reload(bool ok);

  struct Store {
    uint64_t rows = 0, commits = 0, requests = 0, failures = 0;
    double commit_seconds = 0;
  };
  // The text of /metrics; `store` and `generation` are read by the caller at the time of the request.
  std::string text(const Store& store, uint64_t generation, uint64_t audits_running) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::array<std::atomic<uint64_t>, bounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0}, sum_us_{0};
  std::array<std::atomic<uint64_t>, Tally::kinds> verdicts_{};
  std::atomic<uint64_t> reloads_ok_{0}, reloads_failed_{0};
};

}  // namespace tollgate::serve
