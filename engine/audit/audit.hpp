// tollgate — batch audit: streams CSV and JSONL logs through the rules on all cores and writes every decision and
// every rejected record to the trace store, in input order, so that the store is the same whatever the number of
// threads. One thread reads rows, N workers parse, judge, render and hash them, and the calling thread appends
// them to the store in order, committing every few tens of thousands of rows together with where to resume.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/lang/program.hpp"
#include "engine/parties/parties.hpp"
#include "engine/records/decode.hpp"
#include "engine/records/record.hpp"
#include "engine/trace/store.hpp"

namespace tollgate {

struct AuditProgress {
  uint64_t records = 0;                      // judged so far in this process
  uint64_t bytes_done = 0, bytes_total = 0;  // of all inputs
  double seconds = 0;
};

struct AuditOptions {
  std::vector<std::string> inputs;   // CSV or JSONL files
  ReadOptions read;                  // column map, decimal comma, sheet (decode.hpp); part of the run's identity
  std::optional<Day> as_of;          // judge every record as of this date instead of its own
  bool include_proposed = false;
  bool include_unenforced = false;   // apply rulesets with status unenforced
  // Screening lists and resolutions (--lists, --resolutions; issue 16): every record's parties are screened and
  // the decision carries its "screening" member. Null: no screening. Part of the run key.
  std::shared_ptr<const PartyLists> parties;
  unsigned jobs = 0;                 // worker threads; 0: one per core
  std::string db;                    // trace store; "" for none (--no-store)
  bool resume = false;               // finish an interrupted run of the same audit
  size_t list_limit = 1000;          // flagged decisions and rejects listed in the summary
  uint64_t commit_rows = 65536;      // rows per transaction (each commit waits for the disk: fewer, larger ones)
  std::function<void(const AuditProgress&)> progress;  // called from the calling thread, a few times a second
  // For crash tests only: raise SIGKILL after this many commits (0: never), or in the middle of one.
  uint64_t crash_after_commits = 0;
  bool crash_mid_commit = false;
  // For tests only: start judging before the inputs are hashed even when a run has inputs of the same sizes.
  bool force_speculation = false;
  // For tests only: stop this process (SIGSTOP) after this many commits, so that a test can change an input while
  // the run is under way, then let it go on (SIGCONT).
  uint64_t stop_after_commits = 0;
};

struct InputInfo {
  std::string path, sha256;
  uint64_t bytes = 0;
  InputFormat format = InputFormat::csv;  // found once, before the run starts
};

struct AuditSummary {
  int64_t run = 0;          // 0 without a store
  bool reused = false;      // the same audit was already complete in the store: nothing was judged again
  bool resumed = false;     // an interrupted run was finished
  std::string db, run_key, started_at, finished_at, head, engine, options_json;
  std::string seal;         // hex link of the run's last seal: its rows and its record (`trace verify --head`)
  std::vector<InputInfo> inputs;
  std::vector<std::pair<std::string, std::string>> rulesets;  // id, sha256
  Tallies tallies;          // dim -> key -> tally; see store.hpp
  std::vector<Listed> flagged, rejects;  // the first list_limit of each, in input order
  uint64_t decisions = 0, rejected = 0;
  uint64_t judged_now = 0;  // records judged by this process (less than the total after a resume)
  double seconds = 0;
  // docs/cli.md, "Exit codes": 4 if any record is prohibited, else 2 if any could not be judged, else 3 if any needs a
  // licence.
  int exit_code() const;
};

// A count that does not add up (a row judged twice or not at all): a bug in tollgate, never bad input.
struct AuditInternalError : std::logic_error {
  using std::logic_error::logic_error;
};

// Throws std::runtime_error on what stops a run as a whole (an unreadable input, a store that is not a store or is
// in use, an unfinished run of the same audit without `resume`). Bad records never throw: they are rejects.
AuditSummary run_audit(const Program& program, const Catalog& catalog, const std::string& catalog_sha256,
                       const AuditOptions& options);

// The run key: SHA-256 over the engine, the rules' hashes, the catalog's, the options and the inputs' hashes.
std::string audit_run_key(const Program& program, const std::string& catalog_sha256, const AuditOptions& options,
                          const std::vector<InputInfo>& inputs);

}  // namespace tollgate
