// tollgate — the trace store (docs/trace.md): a SQLite file (through SQLiteCpp) that keeps every decision and every
// rejected record of every audit run, hash-chained so that `tollgate trace verify` names the first row altered,
// removed, inserted or reordered. Layout and the exact hashing are documented in docs/trace.md.
//
// Writes are transactional: a batch of entries, the run's progress (where in which input to continue) and its
// running tallies are committed together, so a run killed at any point leaves a store that verifies and can be
// resumed without losing or repeating a record.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <string>
#include <vector>

#include "engine/base/hash.hpp"
#include "engine/lang/program.hpp"

struct sqlite3_stmt;  // SQLite's prepared statement

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace tollgate {

inline constexpr const char* trace_schema = "tollgate.trace/4";

// Thrown when a store's own records contradict its hash chain (found without a full `trace verify`, e.g. when an
// audit reads an earlier run back): the store was altered. The CLI exits with its own code for it (5).
struct StoreTampered : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Counts by verdict and fees for one key of one dimension (a destination, a month, ...).
struct Tally {
  enum { allowed, notify, license_required, prohibited, error, kinds };
  uint64_t n[kinds] = {};
  int64_t fee_cents = 0;
  uint64_t total() const {
    uint64_t t = 0;
    for (uint64_t v : n) t += v;
    return t;
  }
  Tally& operator+=(const Tally& o) {
    for (int i = 0; i < kinds; ++i) n[i] += o.n[i];
    fee_cents += o.fee_cents;
    return *this;
  }
};

// The Tally slot of a verdict (Tally::allowed ... Tally::prohibited).
inline int verdict_slot(Verdict v) {
  switch (v) {
    case Verdict::allowed: return Tally::allowed;
    case Verdict::notify: return Tally::notify;
    case Verdict::license_required: return Tally::license_required;
    case Verdict::prohibited: return Tally::prohibited;
  }
  return Tally::error;
}

// The dimensions a run is tallied by. "all" has one key, "total".
inline constexpr const char* tally_dims[] = {"all", "classification", "destination", "month", "chip"};
// Dimensions whose keys do not split the records: `note` counts, by note rule, the decisions that carry that note (a
// decision counts under each of its notes, or under none). Each key counts at most the run's records.
inline constexpr const char* tally_extra_dims[] = {"note"};
using TallyMap = std::map<std::string, Tally, std::less<>>;
using Tallies = std::map<std::string, TallyMap, std::less<>>;  // dim -> key -> tally

// One judged record as stored. A decision is kept as the parts of its decision JSON (docs/records.md, "Decisions"; the
// repeated ones, such as the fired rules with their reasons, once in the `texts` table), from which the JSON is put
// back byte for byte; its SHA-256 is that of the whole JSON. A reject keeps its error JSON and the raw row.
//
// A text of an entry: where it sits in its batch's text buffer (texts are kept back to back, one buffer a batch,
// so that an entry is a few cache lines that the writer thread reads, not a dozen strings on the heap).
struct TextRef {
  uint32_t at = 0, len = 0;
  std::string_view in(const char* texts) const { return {texts + at, len}; }
  bool empty() const { return len == 0; }
};

struct Entry {
  bool reject = false;
  uint32_t file = 0;  // index into the run's inputs
  uint64_t line = 0;
  TextRef id;
  // decisions
  TextRef as_of, subject;
  // static strings (to_string / klass_name); "" for no review / no exception
  const char* type = "";
  const char* classification = "";
  const char* verdict = "";
  const char* review = "";
  const char* exception = "";
  int64_t fee_total_cents = 0;
  TextRef fees, rulesets;              // the §5 JSON's arrays, as text (rulesets: only the first time, see below)
  // The fired array's text, shared with the worker's reasons cache (a log repeats it: it is neither copied nor, when
  // the writer has seen this very string before, compared again).
  std::shared_ptr<const std::string> fired;
  const void* rulesets_key = nullptr;  // identity of `rulesets` (the same array text has the same key) or null
  Sha256 fired_sha{};       // SHA-256 of `fired`, computed by the worker once per text: the writer knows texts by it
  // The screening member in its parts (PartyOutcome::parts: head, the four parties, tail; null where absent), all
  // null for a decision without screening. Stored as shared texts: a log repeats each party's evidence.
  std::array<const HashedText*, 6> screening{};
  std::array<uint64_t, 6> screening_serials{};  // their HashedText::serial (PartyOutcome::serials): read without them
  std::shared_ptr<const void> screening_keep;  // owns what `screening` points to (PartyOutcome::keep)
  Sha256 input_sha{};
  // rejects
  const char* stage = "";
  TextRef code, field, message, raw, json;
  Sha256 sha{};  // decision: SHA-256 of the full §5 JSON; reject: of error JSON + "\n" + raw row
  int rule = -1;  // the deciding rule (Program::rules index; -1 none): for the summary's list, not stored
};

struct RunRecord {
  int64_t run = 0;
  std::string run_key, engine, rulesets, catalog_sha256, inputs, options, started_at, finished_at, status;
  std::string note;  // why a run failed ("" otherwise)
  uint32_t next_file = 0;
  uint64_t next_offset = 0, next_line = 1, decisions = 0, rejects = 0;
  int64_t first_seq = 0, last_seq = 0;
  std::string head;  // hex link of last_seq; "" if the run has no rows yet
};

// A row of a listing (flagged decisions, rejects) for reports and `trace show`.
struct Listed {
  int64_t seq = 0;
  uint32_t file = 0;
  uint64_t line = 0;
  std::string id, verdict, review, classification, subject, as_of;
  int64_t fee_total_cents = 0;
  std::string code, field, message, stage;  // rejects
  // Decisions: the fired array's stored text (with its notes; TraceStore::flagged), and the deciding rule and its
  // citation, which the audit names from it (engine/audit: name_deciding_rules).
  std::string fired, rule, citation;
};

struct VerifyReport {
  bool ok = true;
  std::string problem;      // the first problem, in words
  int64_t bad_seq = 0;      // the row it concerns (0: none / the run table)
  uint64_t rows = 0, decisions = 0, rejects = 0, runs = 0;
  std::string head;         // hex link of the last row
  std::string seal;         // hex link of the last seal: the rows up to it and every run's record as committed
  std::vector<std::pair<int64_t, std::string>> seals;  // every seal's run and hex link, in order
};

class TraceStore {
 public:
  enum class Mode { read, write };
  // Opens (write: creates if missing) a store. Throws std::runtime_error with a clear message if the file is not a
  // tollgate store, has another schema, or is locked by another writer.
  // Every writer holds an exclusive flock on the file while open: one writer at a time, whatever the journal.
  // `readers` (write mode; the server's decision log): WAL, so that readers (trace verify, show, runs, ...) see the
  // last commit while the writer goes on; without it, a rollback journal and SQLite's exclusive lock, which keeps
  // every other connection out until the store is closed (an audit's store: each row written once). A read-mode
  // store reads one snapshot, taken when it is opened (a writer's later commits are not seen).
  // `page_size` (bytes, a power of two from 512 to 65536) applies to a store this call creates: large pages suit an
  // audit's long transactions, small ones a server's many small commits (each commit writes every page it changed).
  TraceStore(const std::string& path, Mode mode, bool readers = false, int page_size = 65536);
  ~TraceStore();
  TraceStore(const TraceStore&) = delete;
  TraceStore& operator=(const TraceStore&) = delete;

  const std::string& path() const { return path_; }

  // The most recent run with this key that has not failed, if any.
  std::optional<RunRecord> find_run(const std::string& run_key);
  std::optional<RunRecord> run(int64_t id);
  // Whether any run's inputs have exactly these sizes, in this order (a run of the same inputs would).
  bool has_run_with_input_sizes(const std::vector<uint64_t>& sizes);
  std::vector<RunRecord> runs();
  // Starts a run (status running), sealed in the chain in the same transaction. Fields other than the descriptive
  // ones are ignored.
  int64_t begin_run(const RunRecord& r);
  // Throws StoreTampered if the run's record (its `runs` row and tallies) no longer matches its last seal, or the
  // seal does not follow the chain element before it (a quick check; `verify` checks everything).
  void check_sealed(int64_t run);
  // check_sealed for every run in the store: an audit appends only to a store whose earlier runs' records are as
  // sealed (docs/cli.md, exit 5). Quick: one record and its tallies per run, not the row chain.
  void check_all_sealed();
  std::string last_seal(int64_t run);  // hex link of the run's last seal ("" if none)

  // Entries are appended in order, each given its seq and chain link, in transactions that also add to the run's
  // tallies and record where the run continues.
  struct Position {
    uint32_t next_file = 0;
    uint64_t next_offset = 0, next_line = 1;
  };
  // In steps, so that rows go in as they come: begin(), add() each entry (its texts in `texts`), then commit() with
  // the tallies and the position. Any exception in between leaves the transaction open: call rollback(), which
  // forgets everything since begin() (as a crash would).
  void begin();
  void add(int64_t run, const Entry& e, const char* texts);
  // Fetches into the cache what add() will read for `e` (the table of its screening parts' ids): a hint, called
  // for the next entry while this one is added.
  void prefetch(const Entry& e) const;
  void commit(int64_t run, const Tallies& delta, const Position& pos);
  void rollback();
  bool in_transaction() const { return in_tx_; }
  // Marks the run complete, or failed with a note (an input changed while it was read: the run is never resumed
  // nor reported as done), and seals it.
  void finish_run(int64_t run, const std::string& finished_at);
  void fail_run(int64_t run, const std::string& finished_at, const std::string& note);

  Tallies tallies(int64_t run);
  std::vector<Listed> flagged(int64_t run, size_t limit);   // LICENSE_REQUIRED and PROHIBITED, in input order
  std::vector<Listed> rejected(int64_t run, size_t limit);

  // Checks the whole store: its schema against this tollgate's (views included), every text's hash, every row's
  // JSON, hash and link and every seal in chain order, and each run's record against its last seal, its counts and
  // tallies against its rows. Stops at the first problem.
  VerifyReport verify(const std::function<void(uint64_t rows)>& progress = {});

  // The full §5 JSON (or error JSON) of the entry with this seq, its subject, and whether it is a reject.
  struct Shown {
    int64_t seq = 0, run = 0;
    uint32_t file = 0;
    uint64_t line = 0;
    bool reject = false;
    std::string id, json, subject, raw, code, field, message, stage, verdict;
    int64_t fee_total_cents = 0;
    std::string input_path;
  };
  std::optional<Shown> show(int64_t seq);
  std::vector<int64_t> find_by_id(const std::string& record_id);

  // Every entry in seq order (optionally one run; optionally decisions or rejects only), full JSON.
  void each(std::optional<int64_t> run, bool decisions, bool rejects, const std::function<void(const Shown&)>& f);

  SQLite::Database& db();
  // Crash tests only: called inside a transaction after its rows are written, before it commits.
  std::function<void()> before_commit;

 private:
  void prepare_writes();
  void create(const std::string& path, int page_size);
  void seal(int64_t run);  // inside a transaction: the run's state, chained; the run's head set to its link
  void set_status(int64_t run, const char* status, const std::string& finished_at, const std::string& note);
  // Write mode: the descriptor holding the flock. Declared before db_, so closed after it (closing a descriptor of
  // the file drops this process's POSIX locks on it, SQLite's included).
  struct LockFd {
    int fd = -1;
    ~LockFd();
  } lock_;
  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  // The id of a text in `texts` (found by its SHA-256, given), adding it if new.
  int64_t text_id(std::string_view text, const Sha256& sha);
  int64_t text_id(uint64_t serial, const HashedText& t);  // the same, known by its serial (t's) once stored
  struct ShaHash {
    size_t operator()(const Sha256& h) const {
      size_t v;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };

  // The decision insert, prepared with SQLite's own API (the hot path binds through it directly); finalized before
  // the database closes, being declared after it.
  struct RawStatement {
    ::sqlite3_stmt* stmt = nullptr;
    ~RawStatement();
  } ins_decision_raw_;
  std::unique_ptr<SQLite::Statement> ins_reject_, ins_text_, find_text_, upsert_tally_, upd_progress_,
      ins_outcome_, find_outcome_;
  // The seal's statements, prepared once (a seal per commit: preparing them each time was a third of a small commit).
  std::unique_ptr<SQLite::Statement> seal_run_, seal_stats_, ins_seal_;
  int64_t outcome_id(const Entry& e);  // the id in `outcomes` of the entry's type, class, verdict, review, exception
  struct OutcomeKey {
    const char *type, *classification, *verdict, *review, *exception;
    auto as_ints() const {
      auto u = [](const char* p) { return reinterpret_cast<std::uintptr_t>(p); };
      return std::make_tuple(u(type), u(classification), u(verdict), u(review), u(exception));
    }
    bool operator<(const OutcomeKey& o) const { return as_ints() < o.as_ints(); }
  };
  std::map<OutcomeKey, int64_t> outcomes_;
  std::unordered_map<Sha256, int64_t, ShaHash> texts_;  // a cache of `texts`: id by the text's SHA-256
  std::unordered_map<const void*, int64_t> by_key_;    // rulesets_key -> text id
  // HashedText::serial -> text id (screening parts), direct-mapped by the serial's low bits (serials are handed
  // out in sequence, so the texts in use rarely collide; a collision only costs a lookup by hash).
  std::vector<std::pair<uint64_t, int64_t>> by_serial_;
  int64_t last_seq_ = 0, last_seal_ = 0;
  Sha256 last_link_{}, last_seal_link_{};  // of the last row, of the last seal
  // The open transaction: where it started, and what it added so far.
  bool in_tx_ = false;
  int64_t tx_seq0_ = 0, tx_first_ = 0, tx_seal0_ = 0;
  Sha256 tx_link0_{}, tx_seal_link0_{};
  uint64_t tx_decisions_ = 0, tx_rejects_ = 0;
};

// The chain (docs/trace.md): a row's link = SHA-256(prev || le64 seq || le64 run || le32 file || le64 line || kind
// || sha || le32 len(shown) || shown), kind one byte ('D' decision, 'R' reject), shown the decision's subject or the
// reject's stage; prev the link of the row before, 32 zero bytes for the first.
Sha256 chain_link(const Sha256& prev, int64_t seq, int64_t run, uint32_t file, uint64_t line, char kind,
                  const Sha256& sha, std::string_view shown);
// A seal's link = SHA-256(prev || le64 n || le64 run || le64 after_seq || 'S' || row_link || state), state =
// run_state(): the state of the run at a commit. Seals are chained among themselves and each covers the row chain up to its place: prev is the seal before (32 zero
// bytes for the first), row_link the link of row after_seq (zero bytes for none). The rows' chain does not depend on
// where the commits fall (time, thread count); the seals' does.
Sha256 seal_link(const Sha256& prev, int64_t n, int64_t run, int64_t after_seq, const Sha256& row_link,
                 const Sha256& state);
// The SHA-256 of a run's state: every column of its `runs` row but `head`, and every row of its `run_stats`
// (by dim and key), each value with its type.
Sha256 run_state(SQLite::Database& db, int64_t run);

}  // namespace tollgate
