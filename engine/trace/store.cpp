// tollgate — the trace store (see store.hpp and docs/trace.md).
#include "engine/trace/store.hpp"

#include "engine/base/hash.hpp"
#include "engine/render/render.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <stdexcept>

namespace tollgate {
namespace {

const char* schema_sql = R"SQL(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs(
  run INTEGER PRIMARY KEY,
  run_key TEXT NOT NULL,
  engine TEXT NOT NULL,
  rulesets TEXT NOT NULL,
  catalog_sha256 TEXT NOT NULL,
  inputs TEXT NOT NULL,
  options TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
  note TEXT,
  next_file INTEGER NOT NULL DEFAULT 0,
  next_offset INTEGER NOT NULL DEFAULT 0,
  next_line INTEGER NOT NULL DEFAULT 1,
  decisions INTEGER NOT NULL DEFAULT 0,
  rejects INTEGER NOT NULL DEFAULT 0,
  first_seq INTEGER,
  last_seq INTEGER,
  head BLOB);
CREATE INDEX runs_by_key ON runs(run_key);
-- The chain's seals: after each commit, the state of the run it committed (its runs row but head, and its tallies),
-- hashed and chained between the rows (after row after_seq). The run's head is the link of its last seal.
CREATE TABLE seals(
  n INTEGER PRIMARY KEY,
  run INTEGER NOT NULL,
  after_seq INTEGER NOT NULL,
  state BLOB NOT NULL,
  link BLOB NOT NULL);
-- Texts that many decisions share (the fired array with its reasons, the rulesets array), once each; found by
-- their SHA-256 (an index of long texts slowed every insert as the store grew).
CREATE TABLE texts(id INTEGER PRIMARY KEY, sha256 BLOB NOT NULL UNIQUE, text TEXT NOT NULL);
-- The five parts of a decision that take few values (about thirty combinations in a log), once each.
CREATE TABLE outcomes(
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  classification TEXT NOT NULL,
  verdict TEXT NOT NULL,
  review TEXT NOT NULL,       -- '' for none
  exception TEXT NOT NULL,    -- '' for none
  UNIQUE (type, classification, verdict, review, exception));
CREATE TABLE decisions(
  seq INTEGER PRIMARY KEY,
  run INTEGER NOT NULL,
  file INTEGER NOT NULL,
  line INTEGER NOT NULL,
  id TEXT NOT NULL,
  as_of TEXT NOT NULL,
  outcome INTEGER NOT NULL REFERENCES outcomes(id),
  fees TEXT NOT NULL,
  fee_total_cents INTEGER NOT NULL,
  fired INTEGER NOT NULL REFERENCES texts(id),
  rulesets INTEGER NOT NULL REFERENCES texts(id),
  subject TEXT NOT NULL,
  input_sha256 BLOB NOT NULL,
  sha256 BLOB NOT NULL,
  link BLOB NOT NULL,
  -- The screening member (with --lists; all NULL without) in parts, each a shared text: its head (the lists, up to
  -- "parties":[), each party's evidence as ',{...}' (NULL: not given), its tail (affiliates, notes, effect).
  scr_head INTEGER REFERENCES texts(id),
  scr_end_user INTEGER REFERENCES texts(id),
  scr_consignee INTEGER REFERENCES texts(id),
  scr_intermediate_consignee INTEGER REFERENCES texts(id),
  scr_purchaser INTEGER REFERENCES texts(id),
  scr_tail INTEGER REFERENCES texts(id));
-- Each decision with its outcome spelled out: what to query.
CREATE VIEW decision_rows AS
  SELECT d.seq, d.run, d.file, d.line, d.id, o.type, d.as_of, o.classification, o.verdict,
         nullif(o.review, '') AS review, nullif(o.exception, '') AS exception, d.fees, d.fee_total_cents, d.subject,
         d.fired, d.rulesets, d.input_sha256, d.sha256, d.link
  FROM decisions d JOIN outcomes o ON o.id = d.outcome;
CREATE TABLE rejects(
  seq INTEGER PRIMARY KEY,
  run INTEGER NOT NULL,
  file INTEGER NOT NULL,
  line INTEGER NOT NULL,
  id TEXT,
  stage TEXT NOT NULL CHECK (stage IN ('input', 'evaluation')),
  code TEXT NOT NULL,
  field TEXT,
  message TEXT NOT NULL,
  raw TEXT NOT NULL,
  json TEXT NOT NULL,
  sha256 BLOB NOT NULL,
  link BLOB NOT NULL);
CREATE INDEX rejects_by_run ON rejects(run, seq);
CREATE TABLE run_stats(
  run INTEGER NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL,
  allowed INTEGER NOT NULL, notify INTEGER NOT NULL, license_required INTEGER NOT NULL,
  prohibited INTEGER NOT NULL, errors INTEGER NOT NULL, fee_cents INTEGER NOT NULL,
  PRIMARY KEY (run, dim, key)) WITHOUT ROWID;
-- The decision JSON (docs/records.md, "Decisions") of each decision, put back together (for strings that need no
-- escaping beyond json_quote's, byte for byte what `tollgate trace export` writes; the export is the reference).
CREATE VIEW decision_json AS
  SELECT d.seq, d.run, d.file, d.line, d.id,
         '{"schema":"tollgate.decision/1","id":' || json_quote(d.id) || ',"type":' || json_quote(o.type) ||
         ',"as_of":' || json_quote(d.as_of) || ',"classification":' || json_quote(o.classification) ||
         ',"verdict":' || json_quote(o.verdict) || ',"review":' || coalesce(json_quote(nullif(o.review, '')), 'null') ||
         ',"exception":' || coalesce(json_quote(nullif(o.exception, '')), 'null') || ',"fees":' || d.fees ||
         ',"fee_total_cents":' || d.fee_total_cents || ',"fired":' || f.text ||
         coalesce(sh.text || substr(coalesce(s1.text, '') || coalesce(s2.text, '') || coalesce(s3.text, '') ||
                                    coalesce(s4.text, ''), 2) || st.text, '') || ',"rulesets":' || l.text ||
         ',"input_sha256":"' || lower(hex(d.input_sha256)) || '","engine":' || json_quote(r.engine) || '}' AS json,
         lower(hex(d.sha256)) AS sha256
  FROM decisions d JOIN outcomes o ON o.id = d.outcome JOIN texts f ON f.id = d.fired JOIN texts l ON l.id = d.rulesets
  JOIN runs r ON r.run = d.run LEFT JOIN texts sh ON sh.id = d.scr_head LEFT JOIN texts s1 ON s1.id = d.scr_end_user
  LEFT JOIN texts s2 ON s2.id = d.scr_consignee LEFT JOIN texts s3 ON s3.id = d.scr_intermediate_consignee
  LEFT JOIN texts s4 ON s4.id = d.scr_purchaser LEFT JOIN texts st ON st.id = d.scr_tail;
)SQL";

Sha256 blob_hash(const SQLite::Column& c) {
  Sha256 h{};
  if (c.getBytes() == 32) std::memcpy(h.data(), c.getBlob(), 32);
  return h;
}

std::string hex_or_empty(const SQLite::Column& c) {
  if (c.isNull() || c.getBytes() != 32) return "";
  return to_hex(static_cast<const uint8_t*>(c.getBlob()), 32);
}

RunRecord read_run(SQLite::Statement& q) {
  RunRecord r;
  r.run = q.getColumn(0).getInt64();
  r.run_key = q.getColumn(1).getString();
  r.engine = q.getColumn(2).getString();
  r.rulesets = q.getColumn(3).getString();
  r.catalog_sha256 = q.getColumn(4).getString();
  r.inputs = q.getColumn(5).getString();
  r.options = q.getColumn(6).getString();
  r.started_at = q.getColumn(7).getString();
  r.finished_at = q.getColumn(8).getString();
  r.status = q.getColumn(9).getString();
  r.next_file = static_cast<uint32_t>(q.getColumn(10).getInt64());
  r.next_offset = static_cast<uint64_t>(q.getColumn(11).getInt64());
  r.next_line = static_cast<uint64_t>(q.getColumn(12).getInt64());
  r.decisions = static_cast<uint64_t>(q.getColumn(13).getInt64());
  r.rejects = static_cast<uint64_t>(q.getColumn(14).getInt64());
  r.first_seq = q.getColumn(15).getInt64();
  r.last_seq = q.getColumn(16).getInt64();
  r.head = hex_or_empty(q.getColumn(17));
  r.note = q.getColumn(18).getString();
  return r;
}

const char* run_columns =
    "run, run_key, engine, rulesets, catalog_sha256, inputs, options, started_at, finished_at, status, next_file, "
    "next_offset, next_line, decisions, rejects, first_seq, last_seq, head, note";


}  // namespace

Sha256 chain_link(const Sha256& prev, int64_t seq, int64_t run, uint32_t file, uint64_t line, char kind,
                  const Sha256& sha, std::string_view shown) {
  constexpr size_t fixed = 32 + 8 + 8 + 4 + 8 + 1 + 32 + 4;
  std::array<char, 512> stack;  // one link per stored row: on the stack unless the shown text is long
  std::string heap;
  char* buf = stack.data();
  if (fixed + shown.size() > stack.size()) {
    heap.resize(fixed + shown.size());
    buf = heap.data();
  }
  size_t at = 0;
  auto put = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) buf[at++] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  std::memcpy(buf, prev.data(), 32);
  at = 32;
  put(static_cast<uint64_t>(seq), 8);
  put(static_cast<uint64_t>(run), 8);
  put(file, 4);
  put(line, 8);
  buf[at++] = kind;
  std::memcpy(buf + at, sha.data(), 32);
  at += 32;
  put(shown.size(), 4);
  if (!shown.empty()) std::memcpy(buf + at, shown.data(), shown.size());
  at += shown.size();
  return sha256(std::string_view(buf, at));
}

Sha256 seal_link(const Sha256& prev, int64_t n, int64_t run, int64_t after_seq, const Sha256& row_link,
                 const Sha256& state) {
  std::string buf(reinterpret_cast<const char*>(prev.data()), 32);
  auto put = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) buf += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  put(static_cast<uint64_t>(n));
  put(static_cast<uint64_t>(run));
  put(static_cast<uint64_t>(after_seq));
  buf += 'S';
  buf.append(reinterpret_cast<const char*>(row_link.data()), 32);
  buf.append(reinterpret_cast<const char*>(state.data()), 32);
  return sha256(buf);
}

namespace {
// Every column of the current row of `q` (but `skip`), as name, type and value, appended to `out`.
void put_row(std::string& out, SQLite::Statement& q, const char* skip) {
  for (int i = 0; i < q.getColumnCount(); ++i) {
    const char* name = q.getColumnName(i);
    if (skip && std::strcmp(name, skip) == 0) continue;
    SQLite::Column c = q.getColumn(i);
    out += name;
    switch (c.getType()) {
      case SQLITE_INTEGER: out += "=i" + std::to_string(c.getInt64()); break;
      case SQLITE_NULL: out += "=n"; break;
      case SQLITE_FLOAT: out += "=f" + std::string(c.getText()); break;
      default: {  // text or blob: length, then the bytes
        out += c.getType() == SQLITE_TEXT ? "=t" : "=b";
        out += std::to_string(c.getBytes()) + ":";
        out.append(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes()));
      }
    }
    out += ';';
  }
  out += '\n';
}
}  // namespace

namespace {
const char* const run_state_runs = "SELECT * FROM runs WHERE run = ?";
const char* const run_state_stats = "SELECT * FROM run_stats WHERE run = ? ORDER BY dim, key";

// run_state() with its two queries prepared by the caller (they are reset before and after).
Sha256 run_state_with(SQLite::Statement& r, SQLite::Statement& t, int64_t run) {
  std::string text = "runs\n";
  r.reset();
  r.bind(1, run);
  if (r.executeStep()) put_row(text, r, "head");
  r.reset();
  text += "run_stats\n";
  t.reset();
  t.bind(1, run);
  while (t.executeStep()) put_row(text, t, nullptr);
  t.reset();
  return sha256(text);
}
}  // namespace

Sha256 run_state(SQLite::Database& db, int64_t run) {
  SQLite::Statement r(db, run_state_runs), t(db, run_state_stats);
  return run_state_with(r, t, run);
}

// Makes a new store whole or not at all: the schema is written to a file of its own, which is then linked under
// the store's name (a kill before that leaves no store, only that file; one after it, an empty store that verifies).
void TraceStore::create(const std::string& path, int page_size) {
  namespace fs = std::filesystem;
  std::string tmp = path + ".new-" + std::to_string(::getpid());
  fs::remove(tmp);
  fs::remove(tmp + "-journal");
  {
    SQLite::Database db(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA page_size = " + std::to_string(page_size));
    SQLite::Transaction tx(db);
    db.exec(schema_sql);
    SQLite::Statement m(db, "INSERT INTO meta VALUES ('schema', ?)");
    m.bind(1, trace_schema);
    m.exec();
    tx.commit();
  }
  bool empty_file = fs::exists(path) && fs::file_size(path) == 0;
  int rc = empty_file ? ::rename(tmp.c_str(), path.c_str()) : ::link(tmp.c_str(), path.c_str());
  int err = errno;
  if (!empty_file) fs::remove(tmp);
  if (rc != 0 && err != EEXIST) {
    fs::remove(tmp);
    throw std::runtime_error("cannot create trace store '" + path + "': " + std::strerror(err));
  }
}

namespace {

// Who holds a lock on the store at `path` (SQLite's POSIX locks, a writer's flock), for the message that says it is
// in use: "a running `tollgate serve` (pid N)", "a running `tollgate audit` (pid N)", "another process (pid N)", or
// "" if none is seen (/proc/locks names the holder of each lock and the file's inode).
std::string lock_holder(const std::string& path) {
#if defined(__linux__)
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  std::ifstream locks("/proc/locks");
  std::string pid, line;
  const std::string inode = ":" + std::to_string(st.st_ino);
  while (pid.empty() && std::getline(locks, line)) {
    std::istringstream ss(line);
    std::vector<std::string> f;
    for (std::string w; ss >> w;) f.push_back(w);
    if (f.size() < 6 || f[1] == "->" || f[4] == std::to_string(::getpid())) continue;
    const std::string& dev_inode = f[5];  // MAJ:MIN:INODE
    if (dev_inode.size() > inode.size() && dev_inode.compare(dev_inode.size() - inode.size(), inode.size(), inode) == 0)
      pid = f[4];
  }
  if (pid.empty()) return "";
  std::ifstream in("/proc/" + pid + "/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string a; std::getline(in, a, '\0');) args.push_back(a);
  bool tollgate = !args.empty() && std::filesystem::path(args[0]).filename().string().find("tollgate") != std::string::npos;
  for (size_t i = 1; tollgate && i < args.size(); ++i)
    if (args[i] == "serve" || args[i] == "audit") return "a running `tollgate " + args[i] + "` (pid " + pid + ")";
  return (tollgate ? "another tollgate process (pid " : "another process (pid ") + pid + ")";
#else
  (void)path;
  return "";
#endif
}

// The refusal of a store in use, naming its holder and what to do.
std::runtime_error in_use(const std::string& path, TraceStore::Mode mode) {
  std::string holder = lock_holder(path);
  bool server = holder.find("tollgate serve") != std::string::npos;
  if (holder.empty()) holder = "another process (a running `tollgate serve` or `tollgate audit`)";
  return std::runtime_error(
      "trace store '" + path + "' is in use by " + holder + ", which holds it for writing until it " +
      (server ? "stops" : "ends") + ": " +
      (mode == TraceStore::Mode::read
           ? std::string("it cannot be read meanwhile; ") +
                 (server ? "stop the server (SIGTERM: it finishes its requests, commits and exits) and run this again"
                         : "run this again when it has finished")
           : std::string("a store has one writer; give this one another store (--db), or ") +
                 (server ? "stop the server first" : "wait until it has finished")));
}

}  // namespace

TraceStore::LockFd::~LockFd() {
  if (fd >= 0) ::close(fd);
}

TraceStore::TraceStore(const std::string& path, Mode mode, bool readers, int page_size) : path_(path) {
  namespace fs = std::filesystem;
  // SQLite's memory statistics take a global lock on every allocation; tollgate never reads them (measured: 6 % of
  // an insert). This must precede SQLite's initialisation, so the first store opened does it, once.
  static std::once_flag no_memstatus;
  std::call_once(no_memstatus, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  bool exists = fs::exists(path);
  if (mode == Mode::read && !exists) throw std::runtime_error("no trace store at '" + path + "'");
  if (mode == Mode::write && (!exists || fs::file_size(path) == 0)) {
    try {
      create(path, page_size);
    } catch (const SQLite::Exception& e) {
      throw std::runtime_error("cannot create trace store '" + path + "': " + e.what());
    }
  }
  if (mode == Mode::write) {
    // One writer at a time, by an exclusive flock held while the store is open (independent of SQLite's own
    // POSIX locks, which a WAL store does not hold between transactions).
    lock_.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (lock_.fd < 0) throw std::runtime_error("cannot open trace store '" + path + "': " + std::strerror(errno));
    if (::flock(lock_.fd, LOCK_EX | LOCK_NB) != 0) throw in_use(path, mode);
  }
  try {
    // Read mode still opens read-write when it can: the first opener after a crash rolls back the journal.
    // One connection, used by one thread at a time: SQLite's own mutexes are not needed.
    int flags = (mode == Mode::write ? SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE : SQLite::OPEN_READWRITE) |
                SQLite::OPEN_NOMUTEX;
    try {
      db_ = std::make_unique<SQLite::Database>(path, flags);
    } catch (const SQLite::Exception&) {
      if (mode == Mode::write) throw;
      db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY);
    }
    db_->setBusyTimeout(2000);
    bool has_meta = db_->tableExists("meta");
    if (!has_meta) {  // (a new store was made whole by create(), above)
      throw std::runtime_error("'" + path + "' is not a tollgate trace store");
    } else {
      SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = 'schema'");
      std::string schema = q.executeStep() ? q.getColumn(0).getString() : "";
      if (schema != trace_schema)
        throw std::runtime_error("'" + path + "' is a trace store of schema '" + schema + "'; this tollgate reads " +
                                 trace_schema + " only (its chain covers more of what a store shows): audit the " +
                                 "logs again into a new store, or read this one with the tollgate that wrote it");
    }
    if (mode == Mode::write) {
      // One writer at a time: the lock is held from the first write until the store is closed. A rollback journal,
      // not WAL: an audit only appends, and SQLite journals only the pages a transaction changes that existed
      // before it, so each row is written once (WAL writes it twice, the second time when it checkpoints;
      // measured 6 % slower). A transaction killed halfway is rolled back from the journal when the store is next
      // opened. (Stores made with WAL are switched back here.)
      // With `readers` (the server's decision log): WAL instead, which readers read while it is written; a
      // transaction killed halfway is then frames in the WAL that no commit marks, ignored when it is next opened.
      if (readers) {
        SQLite::Statement wal(*db_, "PRAGMA journal_mode = WAL");
        if (!wal.executeStep() || wal.getColumn(0).getString() != "wal") throw in_use(path, mode);
      } else {
        db_->exec("PRAGMA journal_mode = DELETE");
      }
      db_->exec("PRAGMA synchronous = NORMAL");
      if (!readers) db_->exec("PRAGMA locking_mode = EXCLUSIVE");
      db_->exec("PRAGMA cache_size = -32768");  // 32 MB: a transaction of 65,536 rows stays in memory until it commits
      if (!readers) db_->exec("BEGIN EXCLUSIVE; COMMIT");
      for (const char* table : {"decisions", "rejects"}) {
        SQLite::Statement q(*db_, std::string("SELECT seq, link FROM ") + table + " ORDER BY seq DESC LIMIT 1");
        if (q.executeStep() && q.getColumn(0).getInt64() > last_seq_) {
          last_seq_ = q.getColumn(0).getInt64();
          last_link_ = blob_hash(q.getColumn(1));
        }
      }
      SQLite::Statement q(*db_, "SELECT n, link FROM seals ORDER BY n DESC LIMIT 1");
      if (q.executeStep()) {
        last_seal_ = q.getColumn(0).getInt64();
        last_seal_link_ = blob_hash(q.getColumn(1));
      }
      prepare_writes();
    } else {
      db_->exec("PRAGMA query_only = 1");
      // A WAL store (a running server's decision log) is written while it is read: one snapshot for all that this
      // store reads (verify compares rows, runs and seals: a commit landing between two of its queries would look
      // like tampering), ended when the store is closed. (A rollback-journal store's writer keeps readers out.)
      SQLite::Statement jm(*db_, "PRAGMA journal_mode");
      if (jm.executeStep() && jm.getColumn(0).getString() == "wal") {
        jm.reset();
        db_->exec("BEGIN");
        db_->exec("SELECT count(*) FROM meta");
      }
    }
  } catch (const SQLite::Exception& e) {
    std::string what = e.what();
    // A store written without `readers` is held from its first write until it closes (an audit until it ends):
    // meanwhile nothing else can read it either.
    if (what.find("locked") != std::string::npos || what.find("busy") != std::string::npos) throw in_use(path, mode);
    throw std::runtime_error("trace store '" + path + "': " + what);
  }
}


SQLite::Database& TraceStore::db() { return *db_; }

void TraceStore::prepare_writes() {
  if (sqlite3_prepare_v3(db_->getHandle(), "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, SQLITE_PREPARE_PERSISTENT, &ins_decision_raw_.stmt, nullptr) != SQLITE_OK)
    throw SQLite::Exception(db_->getHandle(), sqlite3_errcode(db_->getHandle()));
  ins_outcome_ = std::make_unique<SQLite::Statement>(
      *db_, "INSERT INTO outcomes(type, classification, verdict, review, exception) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING");
  find_outcome_ = std::make_unique<SQLite::Statement>(
      *db_, "SELECT id FROM outcomes WHERE type = ? AND classification = ? AND verdict = ? AND review = ? AND "
            "exception = ?");
  ins_reject_ = std::make_unique<SQLite::Statement>(
      *db_, "INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins_text_ = std::make_unique<SQLite::Statement>(*db_, "INSERT INTO texts(sha256, text) VALUES (?, ?)");
  find_text_ = std::make_unique<SQLite::Statement>(*db_, "SELECT id FROM texts WHERE sha256 = ?");
  upsert_tally_ = std::make_unique<SQLite::Statement>(
      *db_,
      "INSERT INTO run_stats VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run, dim, key) DO UPDATE SET "
      "allowed = allowed + excluded.allowed, notify = notify + excluded.notify, "
      "license_required = license_required + excluded.license_required, "
      "prohibited = prohibited + excluded.prohibited, errors = errors + excluded.errors, "
      "fee_cents = fee_cents + excluded.fee_cents");
  upd_progress_ = std::make_unique<SQLite::Statement>(
      *db_,
      "UPDATE runs SET next_file = ?, next_offset = ?, next_line = ?, decisions = decisions + ?, "
      "rejects = rejects + ?, first_seq = coalesce(first_seq, ?), last_seq = coalesce(?, last_seq), "
      "head = coalesce(?, head) WHERE run = ?");
}

std::optional<RunRecord> TraceStore::find_run(const std::string& run_key) {
  SQLite::Statement q(*db_, std::string("SELECT ") + run_columns +
                               " FROM runs WHERE run_key = ? AND status != 'failed' ORDER BY run DESC LIMIT 1");
  q.bind(1, run_key);
  if (!q.executeStep()) return std::nullopt;
  return read_run(q);
}

std::optional<RunRecord> TraceStore::run(int64_t id) {
  SQLite::Statement q(*db_, std::string("SELECT ") + run_columns + " FROM runs WHERE run = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_run(q);
}

bool TraceStore::has_run_with_input_sizes(const std::vector<uint64_t>& sizes) {
  SQLite::Statement q(*db_, "SELECT inputs FROM runs");
  while (q.executeStep()) {
    auto inputs = nlohmann::json::parse(q.getColumn(0).getString(), nullptr, false);
    if (!inputs.is_array()) return true;  // unreadable: assume it might be
    std::vector<uint64_t> theirs;
    for (const auto& in : inputs)
      theirs.push_back(in.contains("bytes") && in["bytes"].is_number_unsigned() ? in["bytes"].get<uint64_t>() : 0);
    if (theirs == sizes) return true;
  }
  return false;
}

std::vector<RunRecord> TraceStore::runs() {
  SQLite::Statement q(*db_, std::string("SELECT ") + run_columns + " FROM runs ORDER BY run");
  std::vector<RunRecord> out;
  while (q.executeStep()) out.push_back(read_run(q));
  return out;
}

int64_t TraceStore::begin_run(const RunRecord& r) {
  begin();
  try {
    SQLite::Statement q(*db_,
                        "INSERT INTO runs(run_key, engine, rulesets, catalog_sha256, inputs, options, started_at, status) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, 'running')");
    q.bind(1, r.run_key);
    q.bind(2, r.engine);
    q.bind(3, r.rulesets);
    q.bind(4, r.catalog_sha256);
    q.bind(5, r.inputs);
    q.bind(6, r.options);
    q.bind(7, r.started_at);
    q.exec();
    int64_t id = db_->getLastInsertRowid();
    seal(id);
    db_->exec("COMMIT");
    in_tx_ = false;
    return id;
  } catch (...) {
    rollback();
    throw;
  }
}

void TraceStore::seal(int64_t run_id) {
  if (!ins_seal_) {
    seal_run_ = std::make_unique<SQLite::Statement>(*db_, run_state_runs);
    seal_stats_ = std::make_unique<SQLite::Statement>(*db_, run_state_stats);
    ins_seal_ = std::make_unique<SQLite::Statement>(*db_, "INSERT INTO seals VALUES (?, ?, ?, ?, ?)");
  }
  Sha256 state = run_state_with(*seal_run_, *seal_stats_, run_id);
  int64_t n = last_seal_ + 1;
  Sha256 link = seal_link(last_seal_link_, n, run_id, last_seq_, last_link_, state);
  SQLite::Statement& q = *ins_seal_;
  q.reset();
  q.bind(1, n);
  q.bind(2, run_id);
  q.bind(3, last_seq_);
  q.bind(4, state.data(), 32);
  q.bind(5, link.data(), 32);
  q.exec();
  q.reset();
  last_seal_ = n;
  last_seal_link_ = link;
}

std::string TraceStore::last_seal(int64_t run_id) {
  SQLite::Statement q(*db_, "SELECT link FROM seals WHERE run = ? ORDER BY n DESC LIMIT 1");
  q.bind(1, run_id);
  return q.executeStep() ? hex_or_empty(q.getColumn(0)) : "";
}

void TraceStore::check_sealed(int64_t run_id) {
  SQLite::Statement q(*db_, "SELECT n, after_seq, state, link FROM seals WHERE run = ? ORDER BY n DESC LIMIT 1");
  q.bind(1, run_id);
  auto tampered = [&](const std::string& what) {
    throw StoreTampered("trace store '" + path_ + "': run " + std::to_string(run_id) + " " + what +
                        ": the store was altered (tollgate trace verify " + path_ + " names what)");
  };
  if (!q.executeStep()) tampered("has no seal");
  int64_t n = q.getColumn(0).getInt64(), after = q.getColumn(1).getInt64();
  Sha256 state = blob_hash(q.getColumn(2)), link = blob_hash(q.getColumn(3));
  if (run_state(*db_, run_id) != state) tampered("no longer matches its last seal (its record or tallies changed)");
  // The seal follows the seal before it and covers the row chain up to row after_seq.
  Sha256 prev{}, row{};
  SQLite::Statement p(*db_, "SELECT link FROM seals WHERE n = ?");
  p.bind(1, n - 1);
  if (p.executeStep()) prev = blob_hash(p.getColumn(0));
  else if (n != 1) tampered("has lost the seal before its last");
  if (after > 0) {
    SQLite::Statement l(*db_, "SELECT link FROM decisions WHERE seq = ?1 UNION ALL SELECT link FROM rejects WHERE seq = ?1");
    l.bind(1, after);
    if (!l.executeStep()) tampered("has lost the row its last seal follows");
    row = blob_hash(l.getColumn(0));
  }
  if (seal_link(prev, n, run_id, after, row, state) != link) tampered("has a last seal that does not follow the chain");
}

void TraceStore::check_all_sealed() {
  std::vector<int64_t> ids;
  {
    SQLite::Statement q(*db_, "SELECT run FROM runs ORDER BY run");
    while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
  }
  for (int64_t id : ids) check_sealed(id);
}

void TraceStore::begin() {
  if (in_tx_) throw std::logic_error("a trace store transaction is already open");
  db_->exec("BEGIN");
  in_tx_ = true;
  tx_seq0_ = last_seq_;
  tx_seal0_ = last_seal_;
  tx_link0_ = last_link_;
  tx_seal_link0_ = last_seal_link_;
  tx_first_ = 0;
  tx_decisions_ = tx_rejects_ = 0;
}

void TraceStore::rollback() {
  if (!in_tx_) return;
  in_tx_ = false;
  for (auto* q : {ins_reject_.get(), ins_text_.get(), find_text_.get(), upsert_tally_.get(),
                  upd_progress_.get(), ins_outcome_.get(), find_outcome_.get(), seal_run_.get(), seal_stats_.get(),
                  ins_seal_.get()})
    if (q) q->tryReset();
  if (ins_decision_raw_.stmt) sqlite3_reset(ins_decision_raw_.stmt);
  try {
    db_->exec("ROLLBACK");
  } catch (...) {  // SQLite may have rolled back already (after an I/O error); nothing of it stays either way
  }
  last_seq_ = tx_seq0_;
  last_seal_ = tx_seal0_;
  last_link_ = tx_link0_;
  last_seal_link_ = tx_seal_link0_;
  texts_.clear();  // ids added in the rolled-back transaction are gone
  by_key_.clear();
  by_serial_.assign(by_serial_.size(), {0, 0});
  outcomes_.clear();
}

void TraceStore::add(int64_t run_id, const Entry& entry, const char* texts) {
  const Entry* e = &entry;
  if (!in_tx_) throw std::logic_error("trace store: add() outside a transaction");
  int64_t seq = last_seq_ + 1;
  Sha256 link = chain_link(last_link_, seq, run_id, e->file, e->line, e->reject ? 'R' : 'D', e->sha,
                           e->reject ? std::string_view(e->stage) : e->subject.in(texts));
  if (!e->reject) {
    int64_t rulesets;
    auto k = e->rulesets_key ? by_key_.find(e->rulesets_key) : by_key_.end();
    if (k != by_key_.end()) {
      rulesets = k->second;
    } else {
      if (e->rulesets.empty()) throw std::logic_error("a rulesets array arrived by key before its text");
      std::string_view rs_text = e->rulesets.in(texts);
      rulesets = text_id(rs_text, sha256(rs_text));
      if (e->rulesets_key) by_key_[e->rulesets_key] = rulesets;
    }
    if (!e->fired) throw std::logic_error("a decision without its fired array");
    int64_t fired = text_id(*e->fired, e->fired_sha);
    int64_t outcome = outcome_id(*e);
    // SQLite's own calls, not the wrapper's: nineteen checked binds a row showed in profiles. Binding cannot fail
    // here but for a programming error; the return codes are gathered and checked once.
    sqlite3_stmt* q = ins_decision_raw_.stmt;
    auto text = [&](int i, std::string_view v) {
      return sqlite3_bind_text(q, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    int rc = SQLITE_OK;
    for (int i = 0; i < 6; ++i) {  // the screening member's parts (NULL where absent)
      const auto& part = e->screening[static_cast<size_t>(i)];
      rc |= part ? sqlite3_bind_int64(q, 16 + i, text_id(e->screening_serials[static_cast<size_t>(i)], *part))
                 : sqlite3_bind_null(q, 16 + i);
    }
    rc |= sqlite3_bind_int64(q, 1, seq) | sqlite3_bind_int64(q, 2, run_id) |
             sqlite3_bind_int64(q, 3, static_cast<int64_t>(e->file)) |
             sqlite3_bind_int64(q, 4, static_cast<int64_t>(e->line)) | text(5, e->id.in(texts)) |
             text(6, e->as_of.in(texts)) | sqlite3_bind_int64(q, 7, outcome) | text(8, e->fees.in(texts)) |
             sqlite3_bind_int64(q, 9, e->fee_total_cents) | sqlite3_bind_int64(q, 10, fired) |
             sqlite3_bind_int64(q, 11, rulesets) | text(12, e->subject.in(texts)) |
             sqlite3_bind_blob(q, 13, e->input_sha.data(), 32, SQLITE_STATIC) |
             sqlite3_bind_blob(q, 14, e->sha.data(), 32, SQLITE_STATIC) |
             sqlite3_bind_blob(q, 15, link.data(), 32, SQLITE_STATIC);
    if (rc != SQLITE_OK) throw std::logic_error("trace store: binding a decision failed");
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) throw SQLite::Exception(db_->getHandle(), rc);
    ++tx_decisions_;
  } else {
    auto& q = *ins_reject_;
    q.bind(1, seq);
    q.bind(2, run_id);
    q.bind(3, static_cast<int64_t>(e->file));
    q.bind(4, static_cast<int64_t>(e->line));
    auto str = [&](TextRef r) { return std::string(r.in(texts)); };  // rejects are rare: copies are fine
    if (e->id.empty()) q.bind(5);
    else q.bind(5, str(e->id));
    q.bind(6, e->stage);
    q.bind(7, str(e->code));
    if (e->field.empty()) q.bind(8);
    else q.bind(8, str(e->field));
    q.bind(9, str(e->message));
    q.bind(10, str(e->raw));
    q.bind(11, str(e->json));
    q.bindNoCopy(12, e->sha.data(), 32);
    q.bindNoCopy(13, link.data(), 32);
    q.exec();
    q.reset();
    ++tx_rejects_;
  }
  last_seq_ = seq;
  last_link_ = link;
  if (!tx_first_) tx_first_ = seq;
}

void TraceStore::commit(int64_t run_id, const Tallies& delta, const Position& pos) {
  if (!in_tx_) throw std::logic_error("trace store: commit() outside a transaction");
  for (const auto& [dim, keys] : delta)
    for (const auto& [key, t] : keys) {
      auto& q = *upsert_tally_;
      q.bind(1, run_id);
      q.bind(2, dim);
      q.bind(3, key);
      for (int i = 0; i < Tally::kinds; ++i) q.bind(4 + i, static_cast<int64_t>(t.n[i]));
      q.bind(9, t.fee_cents);
      q.exec();
      q.reset();
    }
  auto& u = *upd_progress_;
  u.bind(1, static_cast<int64_t>(pos.next_file));
  u.bind(2, static_cast<int64_t>(pos.next_offset));
  u.bind(3, static_cast<int64_t>(pos.next_line));
  u.bind(4, static_cast<int64_t>(tx_decisions_));
  u.bind(5, static_cast<int64_t>(tx_rejects_));
  if (tx_first_) {
    u.bind(6, tx_first_);
    u.bind(7, last_seq_);
    u.bind(8, last_link_.data(), 32);
  } else {
    u.bind(6);
    u.bind(7);
    u.bind(8);
  }
  u.bind(9, run_id);
  u.exec();
  u.reset();
  seal(run_id);
  if (before_commit) before_commit();
  db_->exec("COMMIT");
  in_tx_ = false;
}

TraceStore::RawStatement::~RawStatement() { sqlite3_finalize(stmt); }

TraceStore::~TraceStore() {
  try {
    rollback();
  } catch (...) {
  }
}

int64_t TraceStore::outcome_id(const Entry& e) {
  // The five fields are static strings (to_string / klass_name): their addresses identify them.
  OutcomeKey key{e.type, e.classification, e.verdict, e.review, e.exception};
  auto it = outcomes_.find(key);
  if (it != outcomes_.end()) return it->second;
  for (SQLite::Statement* q : {ins_outcome_.get(), find_outcome_.get()}) {
    q->bind(1, e.type);
    q->bind(2, e.classification);
    q->bind(3, e.verdict);
    q->bind(4, e.review);
    q->bind(5, e.exception);
  }
  ins_outcome_->exec();
  ins_outcome_->reset();
  if (!find_outcome_->executeStep()) throw std::logic_error("trace store: an outcome went missing");
  int64_t id = find_outcome_->getColumn(0).getInt64();
  find_outcome_->reset();
  outcomes_.emplace(key, id);
  return id;
}

void TraceStore::prefetch(const Entry& e) const {
  if (by_serial_.empty()) return;
  for (size_t i = 1; i < 5; ++i)
    if (e.screening[i]) __builtin_prefetch(&by_serial_[e.screening_serials[i] & (by_serial_.size() - 1)]);
}

int64_t TraceStore::text_id(uint64_t serial, const HashedText& t) {
  if (by_serial_.empty()) by_serial_.assign(65536, {0, 0});  // (serials start at 1: 0 is no text)
  auto& slot = by_serial_[serial & (by_serial_.size() - 1)];
  if (slot.first != serial) {  // (t itself is read only here: a heap object a worker made, likely not in this cache)
    if (serial != t.serial) throw std::logic_error("a screening part's serial is not its text's");
    slot = {serial, text_id(t.text, t.sha)};
  }
  return slot.second;
}

int64_t TraceStore::text_id(std::string_view text, const Sha256& sha) {
  // The worker hashed the text (once per distinct text): here a probe, and SQL only for a text not seen lately.
  auto it = texts_.find(sha);
  if (it != texts_.end()) return it->second;
  if (texts_.size() >= 65536) texts_.clear();  // bounded memory (40 bytes an entry): the table is the reference
  find_text_->bindNoCopy(1, sha.data(), 32);
  int64_t id;
  if (find_text_->executeStep()) {
    id = find_text_->getColumn(0).getInt64();
  } else {
    ins_text_->bindNoCopy(1, sha.data(), 32);
    ins_text_->bind(2, std::string(text));
    ins_text_->exec();
    ins_text_->reset();
    id = db_->getLastInsertRowid();
  }
  find_text_->reset();
  texts_.emplace(sha, id);
  return id;
}

void TraceStore::set_status(int64_t run_id, const char* status, const std::string& finished_at,
                            const std::string& note) {
  begin();
  try {
    SQLite::Statement q(*db_, "UPDATE runs SET status = ?, finished_at = ?, note = ? WHERE run = ?");
    q.bind(1, status);
    q.bind(2, finished_at);
    if (note.empty()) q.bind(3);
    else q.bind(3, note);
    q.bind(4, run_id);
    q.exec();
    seal(run_id);
    db_->exec("COMMIT");
    in_tx_ = false;
  } catch (...) {
    rollback();
    throw;
  }
}

void TraceStore::finish_run(int64_t run_id, const std::string& finished_at) {
  set_status(run_id, "complete", finished_at, "");
}

void TraceStore::fail_run(int64_t run_id, const std::string& finished_at, const std::string& note) {
  set_status(run_id, "failed", finished_at, note);
}

Tallies TraceStore::tallies(int64_t run_id) {
  Tallies out;
  SQLite::Statement q(*db_,
                      "SELECT dim, key, allowed, notify, license_required, prohibited, errors, fee_cents FROM run_stats "
                      "WHERE run = ?");
  q.bind(1, run_id);
  while (q.executeStep()) {
    Tally& t = out[q.getColumn(0).getString()][q.getColumn(1).getString()];
    for (int i = 0; i < Tally::kinds; ++i) t.n[i] = static_cast<uint64_t>(q.getColumn(2 + i).getInt64());
    t.fee_cents = q.getColumn(7).getInt64();
  }
  return out;
}

namespace {
// Rows of a listing: seq, file, line, id in the first four columns, the rest by `more`.
std::vector<Listed> read_listed(SQLite::Statement& q, const std::function<void(SQLite::Statement&, Listed&)>& more) {
  std::vector<Listed> out;
  while (q.executeStep()) {
    Listed l;
    l.seq = q.getColumn(0).getInt64();
    l.file = static_cast<uint32_t>(q.getColumn(1).getInt64());
    l.line = static_cast<uint64_t>(q.getColumn(2).getInt64());
    l.id = q.getColumn(3).getString();
    more(q, l);
    out.push_back(std::move(l));
  }
  return out;
}
}  // namespace

std::vector<Listed> TraceStore::flagged(int64_t run_id, size_t limit) {
  // No index: the run's rows are scanned in order from its first seq, until `limit` are found (at most its rows).
  auto span = run(run_id);
  if (!span || !span->first_seq) return {};
  SQLite::Statement q(*db_,
                      "SELECT d.seq, d.file, d.line, d.id, o.verdict, o.review, o.classification, d.subject, d.as_of, "
                      "d.fee_total_cents, (SELECT text FROM texts WHERE id = d.fired) FROM decisions d "
                      "JOIN outcomes o ON o.id = d.outcome WHERE d.seq BETWEEN ? AND ? AND d.run = ? "
                      "AND o.verdict IN ('LICENSE_REQUIRED', 'PROHIBITED') ORDER BY d.seq LIMIT ?");
  q.bind(1, span->first_seq);
  q.bind(2, span->last_seq);
  q.bind(3, run_id);
  q.bind(4, static_cast<int64_t>(limit));
  return read_listed(q, [](SQLite::Statement& r, Listed& l) {
    l.verdict = r.getColumn(4).getString();
    l.review = r.getColumn(5).getString();
    l.classification = r.getColumn(6).getString();
    l.subject = r.getColumn(7).getString();
    l.as_of = r.getColumn(8).getString();
    l.fee_total_cents = r.getColumn(9).getInt64();
    l.fired = r.getColumn(10).getString();
  });
}

std::vector<Listed> TraceStore::rejected(int64_t run_id, size_t limit) {
  SQLite::Statement q(*db_,
                      "SELECT seq, file, line, id, stage, code, field, message FROM rejects WHERE run = ? "
                      "ORDER BY seq LIMIT ?");
  q.bind(1, run_id);
  q.bind(2, static_cast<int64_t>(limit));
  return read_listed(q, [](SQLite::Statement& r, Listed& l) {
    l.stage = r.getColumn(4).getString();
    l.code = r.getColumn(5).getString();
    l.field = r.getColumn(6).getString();
    l.message = r.getColumn(7).getString();
  });
}

namespace {
// A decision row, and how to read it back into its full JSON. The parts decisions share (texts, outcomes, each
// run's engine) are read once and kept (Shared): joining them to every row was most of a walk's time.
const char* decision_select =
    "SELECT d.seq, d.run, d.file, d.line, d.id, d.outcome, d.as_of, d.fees, d.fee_total_cents, d.fired, d.rulesets, "
    "d.subject, d.input_sha256, d.sha256, d.link, d.scr_head, d.scr_end_user, d.scr_consignee, "
    "d.scr_intermediate_consignee, d.scr_purchaser, d.scr_tail FROM decisions d ";

class Shared {
 public:
  explicit Shared(SQLite::Database& db)
      : text_(db, "SELECT text FROM texts WHERE id = ?"),
        outcome_(db, "SELECT type, classification, verdict, review, exception FROM outcomes WHERE id = ?"),
        engine_(db, "SELECT engine FROM runs WHERE run = ?") {}
  struct Outcome {
    std::string type, classification, verdict, review, exception;
  };
  // Bounded memory: called before a row's texts are looked up (the references text() gave stay valid until then).
  void trim() {
    if (texts_.size() >= 65536) texts_.clear();
  }
  // A text by id; "" if there is none (the decision's JSON then does not match its hash: verify says "altered").
  const std::string& text(int64_t id) {
    const std::string* t = find(id);
    return t ? *t : missing_;
  }
  // The same, null if there is none.
  const std::string* find(int64_t id) {
    auto it = texts_.find(id);
    if (it != texts_.end()) return it->second ? &*it->second : nullptr;
    text_.bind(1, id);
    std::optional<std::string> t;
    if (text_.executeStep()) t = text_.getColumn(0).getString();
    text_.reset();
    auto& kept = texts_.emplace(id, std::move(t)).first->second;
    return kept ? &*kept : nullptr;
  }
  const Outcome& outcome(int64_t id) {
    auto it = outcomes_.find(id);
    if (it != outcomes_.end()) return it->second;
    outcome_.bind(1, id);
    Outcome o;
    if (outcome_.executeStep())
      o = {outcome_.getColumn(0).getString(), outcome_.getColumn(1).getString(), outcome_.getColumn(2).getString(),
           outcome_.getColumn(3).getString(), outcome_.getColumn(4).getString()};
    outcome_.reset();
    return outcomes_.emplace(id, std::move(o)).first->second;
  }
  const std::string& engine(int64_t run) {
    auto it = engines_.find(run);
    if (it != engines_.end()) return it->second;
    engine_.bind(1, run);
    std::string e = engine_.executeStep() ? engine_.getColumn(0).getString() : std::string();
    engine_.reset();
    return engines_.emplace(run, std::move(e)).first->second;
  }

 private:
  SQLite::Statement text_, outcome_, engine_;
  std::unordered_map<int64_t, std::optional<std::string>> texts_;  // nullopt: no text has that id
  std::unordered_map<int64_t, std::string> engines_;
  const std::string missing_;
  std::unordered_map<int64_t, Outcome> outcomes_;
};

std::string_view text_of(const SQLite::Column& c) {
  const char* t = c.getText();
  return std::string_view(t, static_cast<size_t>(c.getBytes()));
}

// The screening member from its stored parts (columns 15-20: head, four parties, tail), "" if it has none. A part
// that is not a stored text's id, a head or tail missing while other parts are given, or parts without a head put
// a mark in the member that no decision's JSON holds, so that the JSON does not match its hash ("altered").
void screening_member(SQLite::Statement& q, Shared& shared, std::string& out) {
  out.clear();
  bool any = false, broken = false;
  for (int i = 15; i <= 20; ++i) any |= !q.getColumn(i).isNull();
  if (!any) return;
  auto part = [&](int i) -> std::string_view {
    const SQLite::Column c = q.getColumn(i);
    if (c.isNull()) return {};
    const std::string* t = c.getType() == SQLITE_INTEGER ? shared.find(c.getInt64()) : nullptr;
    if (!t) {
      broken = true;
      return {};
    }
    return *t;
  };
  if (q.getColumn(15).isNull() || q.getColumn(20).isNull()) broken = true;
  out = part(15);
  size_t parties = out.size();
  for (int i = 16; i <= 19; ++i) out += part(i);
  if (out.size() > parties) out.erase(parties, 1);  // the first party's leading comma
  out += part(20);
  if (broken) out += "\x01(a screening part that is not a stored text)";
}

void read_decision(SQLite::Statement& q, Shared& shared, TraceStore::Shown& s, Sha256& sha, Sha256& link) {
  thread_local std::string screening;
  shared.trim();
  screening_member(q, shared, screening);
  s.reject = false;
  s.seq = q.getColumn(0).getInt64();
  s.run = q.getColumn(1).getInt64();
  s.file = static_cast<uint32_t>(q.getColumn(2).getInt64());
  s.line = static_cast<uint64_t>(q.getColumn(3).getInt64());
  s.id.assign(text_of(q.getColumn(4)));
  const Shared::Outcome& o = shared.outcome(q.getColumn(5).getInt64());
  std::string input = hex_or_empty(q.getColumn(12));
  DecisionParts parts{s.id,
                      o.type,
                      text_of(q.getColumn(6)),
                      o.classification,
                      o.verdict,
                      o.review,
                      o.exception,
                      text_of(q.getColumn(7)),
                      shared.text(q.getColumn(9).getInt64()),
                      shared.text(q.getColumn(10).getInt64()),
                      input,
                      shared.engine(s.run),
                      q.getColumn(8).getInt64(),
                      {std::string_view(screening)}};
  s.json = decision_json_from_parts(parts);
  s.subject.assign(text_of(q.getColumn(11)));
  s.verdict = o.verdict;
  s.fee_total_cents = q.getColumn(8).getInt64();
  s.stage.clear();
  s.raw.clear();
  s.code.clear();
  s.field.clear();
  s.message.clear();
  s.input_path.clear();
  sha = blob_hash(q.getColumn(13));
  link = blob_hash(q.getColumn(14));
}

const char* reject_select =
    "SELECT seq, run, file, line, id, json, raw, sha256, link, code, field, message, stage FROM rejects ";

void read_reject(SQLite::Statement& q, TraceStore::Shown& s, Sha256& sha, Sha256& link) {
  s = {};
  s.reject = true;
  s.seq = q.getColumn(0).getInt64();
  s.run = q.getColumn(1).getInt64();
  s.file = static_cast<uint32_t>(q.getColumn(2).getInt64());
  s.line = static_cast<uint64_t>(q.getColumn(3).getInt64());
  s.id = q.getColumn(4).getString();
  s.json = q.getColumn(5).getString();
  s.raw = q.getColumn(6).getString();
  sha = blob_hash(q.getColumn(7));
  link = blob_hash(q.getColumn(8));
  s.code = q.getColumn(9).getString();
  s.field = q.getColumn(10).getString();
  s.message = q.getColumn(11).getString();
  s.stage = q.getColumn(12).getString();
}

// Both tables merged in seq order.
class Walker {
 public:
  Walker(SQLite::Database& db, std::optional<int64_t> run, bool decisions, bool rejects)
      : shared_(db),
        dec_(db, std::string(decision_select) + (run ? "WHERE d.run = ? " : "") + "ORDER BY d.seq"),
        rej_(db, std::string(reject_select) + (run ? "WHERE run = ? " : "") + "ORDER BY seq") {
    if (run) {
      dec_.bind(1, *run);
      rej_.bind(1, *run);
    }
    has_dec_ = decisions && dec_.executeStep();
    has_rej_ = rejects && rej_.executeStep();
  }
  bool next(TraceStore::Shown& s, Sha256& sha, Sha256& link) {
    if (!has_dec_ && !has_rej_) return false;
    bool take_dec = has_dec_ && (!has_rej_ || dec_.getColumn(0).getInt64() < rej_.getColumn(0).getInt64());
    if (take_dec) {
      read_decision(dec_, shared_, s, sha, link);
      has_dec_ = dec_.executeStep();
    } else {
      read_reject(rej_, s, sha, link);
      has_rej_ = rej_.executeStep();
    }
    return true;
  }

 private:
  Shared shared_;
  SQLite::Statement dec_, rej_;
  bool has_dec_ = false, has_rej_ = false;
};
// A row as verify reads it: where it sits, what its hashes cover, and what its run's tallies count of it.
struct VRow {
  int64_t seq = 0, run = 0;
  uint32_t file = 0;
  uint64_t line = 0;
  bool reject = false;
  std::string content;  // what `sha` covers
  std::string shown;    // what the link covers besides: the subject, or the reject's stage
  int slot = Tally::error;
  int64_t fee = 0;
  std::string id, code, field, message;  // a reject's columns, checked against its error JSON
  std::string mismatch;                  // the first of them that disagrees (found by the hashing thread)
  Sha256 sha{}, link{}, computed{};
};

struct Seal {
  int64_t n = 0, run = 0, after = 0;
  Sha256 state{}, link{};
};

int verdict_slot_of(std::string_view v) {
  if (v == "ALLOWED") return Tally::allowed;
  if (v == "NOTIFY") return Tally::notify;
  if (v == "LICENSE_REQUIRED") return Tally::license_required;
  if (v == "PROHIBITED") return Tally::prohibited;
  return Tally::error;
}

// A reject's id, line, code, field and message columns against its error JSON (which its hash covers). The content
// is the error JSON (one line: JSON escapes every line break in its strings), "\n", then the raw row, which may hold
// line breaks of its own (a quoted CSV cell, a pretty-printed JSON body): the JSON ends at the first line break.
std::string reject_mismatch(const VRow& r) {
  auto j = nlohmann::json::parse(r.content.substr(0, r.content.find('\n')), nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return "error JSON";
  const auto& e = j["error"];
  auto str = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string(); };
  if (str(j.value("id", nlohmann::json())) != r.id) return "id";
  if (!e.contains("line") || !e["line"].is_number_unsigned() || e["line"].get<uint64_t>() != r.line) return "line";
  if (str(e.value("code", nlohmann::json())) != r.code) return "code";
  if (str(e.value("field", nlohmann::json())) != r.field) return "field";
  if (str(e.value("message", nlohmann::json())) != r.message) return "message";
  return "";
}

// The objects (tables, indexes, views, triggers) of a database and their SQL, by type and name.
std::vector<std::string> schema_objects(SQLite::Database& db) {
  std::vector<std::string> out;
  SQLite::Statement q(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master "
                          "WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name");
  while (q.executeStep())
    out.push_back(q.getColumn(0).getString() + " " + q.getColumn(1).getString() + " on " +
                  q.getColumn(2).getString() + ": " + q.getColumn(3).getString());
  return out;
}

// trace verify, step by step; the first problem found is the report's.
class Verifier {
 public:
  Verifier(SQLite::Database& db, VerifyReport& rep, const std::function<void(uint64_t)>& progress)
      : db_(db), rep_(rep), progress_(progress) {}

  void run() {
    if (!check_schema() || !check_texts()) return;
    SQLite::Statement q(db_, "SELECT run, first_seq, last_seq FROM runs ORDER BY run");
    while (q.executeStep())
      runs_[q.getColumn(0).getInt64()].span = {q.getColumn(1).getInt64(), q.getColumn(2).getInt64()};
    rep_.runs = runs_.size();
    SQLite::Statement s(db_, "SELECT n, run, after_seq, state, link FROM seals ORDER BY n");
    while (s.executeStep())
      seals_.push_back({s.getColumn(0).getInt64(), s.getColumn(1).getInt64(), s.getColumn(2).getInt64(),
                        blob_hash(s.getColumn(3)), blob_hash(s.getColumn(4))});
    if (!walk() || !seals_before(INT64_MAX)) return;
    rep_.head = prev_seq_ ? to_hex(prev_) : "";
    rep_.seal = seals_.empty() ? "" : to_hex(prev_seal_);
    check_runs();
  }

 private:
  struct Held {
    std::pair<int64_t, int64_t> span;  // first_seq, last_seq as the run recorded them
    uint64_t decisions = 0, rejects = 0;
    Tally all;  // recomputed from the rows
    std::pair<uint32_t, uint64_t> last_pos{0, 0};
    Sha256 last_link{};
    bool any_row = false;
    const Seal* seal = nullptr;  // the run's last
  };

  bool fail(int64_t seq, std::string what) {
    rep_.ok = false;
    rep_.bad_seq = seq;
    rep_.problem = std::move(what);
    return false;
  }

  // The schema must be this tollgate's, views included (a view rewritten would show other values than those hashed).
  bool check_schema() {
    SQLite::Database expected(":memory:", SQLite::OPEN_READWRITE);
    expected.exec(schema_sql);
    auto want = schema_objects(expected), have = schema_objects(db_);
    for (size_t i = 0; i < std::max(want.size(), have.size()); ++i) {
      if (i < want.size() && i < have.size() && want[i] == have[i]) continue;
      std::string what = i < have.size() ? have[i] : want[i];
      return fail(0, "the store's schema is not " + std::string(trace_schema) + "'s: " +
                         what.substr(0, what.find(" on ")) + " was added, removed or rewritten: altered");
    }
    if (db_.execAndGet("SELECT count(*) FROM meta").getInt64() != 1)
      return fail(0, "the meta table holds rows other than the schema: altered");
    return true;
  }

  // Each shared text's SHA-256 (by which the writer finds it) is that of its text.
  bool check_texts() {
    SQLite::Statement q(db_, "SELECT id, sha256, text FROM texts");
    while (q.executeStep())
      if (blob_hash(q.getColumn(1)) != sha256(text_of(q.getColumn(2))) || q.getColumn(1).getBytes() != 32)
        return fail(0, "shared text " + std::to_string(q.getColumn(0).getInt64()) +
                           " does not match its SHA-256: altered");
    return true;
  }

  // Seals come in the chain after the row they follow; those before row `seq` are checked now.
  bool seals_before(int64_t seq) {
    for (; next_seal_ < seals_.size() && seals_[next_seal_].after < seq; ++next_seal_) {
      const Seal& s = seals_[next_seal_];
      std::string name = "seal " + std::to_string(s.n) + " (run " + std::to_string(s.run) + ")";
      if (s.n != last_n_ + 1)
        return fail(0, "seal " + std::to_string(last_n_ + 1) + " is missing: removed (or seals were renumbered)");
      if (s.after != prev_seq_)
        return fail(0, name + " follows row " + std::to_string(s.after) + ", which " +
                           (s.after > prev_seq_ ? "is missing: removed" : "comes earlier in the chain: reordered"));
      auto it = runs_.find(s.run);
      if (it == runs_.end()) return fail(0, name + " seals a run the store does not hold: removed or renumbered");
      if (seal_link(prev_seal_, s.n, s.run, s.after, prev_, s.state) != s.link)
        return fail(0, name + ": the hash chain breaks here (the seal was rewritten, or what comes before it)");
      rep_.seals.emplace_back(s.run, to_hex(s.link));
      it->second.seal = &s;
      prev_seal_ = s.link;
      last_n_ = s.n;
    }
    return true;
  }

  bool check_row(const VRow& s) {
    ++rep_.rows;
    (s.reject ? rep_.rejects : rep_.decisions)++;
    auto where = [&] {
      return "row " + std::to_string(s.seq) + " (run " + std::to_string(s.run) + ", input " + std::to_string(s.file) +
             ", line " + std::to_string(s.line) + ")";
    };
    if (s.seq <= 0) return fail(s.seq, where() + " has a sequence number before the first: inserted");
    if (s.seq != prev_seq_ + 1)
      return fail(prev_seq_ + 1, s.seq - prev_seq_ == 2 ? "row " + std::to_string(prev_seq_ + 1) + " is missing: removed"
                                                        : "rows " + std::to_string(prev_seq_ + 1) + " to " +
                                                              std::to_string(s.seq - 1) + " are missing: removed");
    if (!seals_before(s.seq)) return false;
    auto run_it = runs_.find(s.run);
    if (run_it == runs_.end() || s.seq < run_it->second.span.first || s.seq > run_it->second.span.second)
      return fail(s.seq, where() + " lies outside the rows its run recorded: inserted");
    Held& h = run_it->second;
    if (s.computed != s.sha)
      return fail(s.seq, where() + ": its " + (s.reject ? "rejected record" : "decision JSON") +
                             " does not match its SHA-256: altered");
    if (!s.mismatch.empty())
      return fail(s.seq, where() + ": its " + s.mismatch + " is not the one in its error JSON: altered");
    if (h.any_row && std::make_pair(s.file, s.line) <= h.last_pos)
      return fail(s.seq, where() + " comes after input " + std::to_string(h.last_pos.first) + " line " +
                             std::to_string(h.last_pos.second) + " of the same run: reordered");
    if (chain_link(prev_, s.seq, s.run, s.file, s.line, s.reject ? 'R' : 'D', s.sha, s.shown) != s.link)
      return fail(s.seq, where() + ": the hash chain breaks here (the row, its subject or stage, or its hash was "
                                   "rewritten, or rows were inserted or reordered before it)");
    h.any_row = true;
    h.last_pos = {s.file, s.line};
    h.last_link = s.link;
    (s.reject ? h.rejects : h.decisions)++;
    ++h.all.n[s.slot];
    h.all.fee_cents += s.fee;
    prev_ = s.link;
    prev_seq_ = s.seq;
    if (progress_ && rep_.rows % 65536 == 0) progress_(rep_.rows);
    return true;
  }

  // Rows are read in batches; while this thread checks one batch in order (sequence, position, chain), another
  // hashes the next batch's contents (the SHA-256 of each JSON is most of the work).
  bool walk() {
    Walker w(db_, std::nullopt, true, true);
    TraceStore::Shown shown;
    auto read_batch = [&](std::vector<VRow>& batch) {
      batch.clear();
      VRow r;
      while (batch.size() < 4096 && w.next(shown, r.sha, r.link)) {
        r.seq = shown.seq;
        r.run = shown.run;
        r.file = shown.file;
        r.line = shown.line;
        r.reject = shown.reject;
        r.content = shown.reject ? shown.json + "\n" + shown.raw : shown.json;
        r.shown = shown.reject ? shown.stage : shown.subject;
        r.slot = shown.reject ? Tally::error : verdict_slot_of(shown.verdict);
        r.fee = shown.reject ? 0 : shown.fee_total_cents;
        if (shown.reject) {
          r.id = shown.id;
          r.code = shown.code;
          r.field = shown.field;
          r.message = shown.message;
        }
        batch.push_back(std::move(r));
        r = VRow{};
      }
    };
    auto hash_batch = [](std::vector<VRow>* batch) {
      for (VRow& r : *batch) {
        r.computed = sha256(r.content);
        if (r.reject) r.mismatch = reject_mismatch(r);
      }
    };
    // Three batches turn: one is checked, one hashed by the helper thread, one read, all at once.
    std::vector<VRow> a, b, c;
    std::vector<VRow>*checking = &a, *hashing = &b, *reading = &c;
    read_batch(*hashing);
    std::thread hasher(hash_batch, hashing);
    bool ok = true;
    for (;;) {
      read_batch(*reading);
      hasher.join();
      std::swap(checking, hashing);  // the batch just hashed is checked next
      std::swap(hashing, reading);   // the batch just read is hashed next
      if (!hashing->empty()) hasher = std::thread(hash_batch, hashing);
      for (const VRow& r : *checking)
        if (!(ok = check_row(r))) break;
      if (!ok || hashing->empty()) break;
    }
    if (hasher.joinable()) hasher.join();
    return ok;
  }

  // Each run: sealed, its record as sealed, its head its last seal's, its counts those of its rows, its tallies
  // adding up to what its rows say (verdicts, rejects and fees), in every dimension.
  bool check_runs() {
    for (auto& [id, h] : runs_) {
      std::string name = "run " + std::to_string(id);
      int64_t at = h.span.second;
      if (!h.seal) return fail(at, name + " has no seal: inserted");
      if (run_state(db_, id) != h.seal->state)
        return fail(at, name + ": its record (runs row or run_stats) does not match its last seal (seal " +
                            std::to_string(h.seal->n) + "): altered");
      SQLite::Statement q(db_, "SELECT head, decisions, rejects FROM runs WHERE run = ?");
      q.bind(1, id);
      q.executeStep();
      if (hex_or_empty(q.getColumn(0)) != (h.any_row ? to_hex(h.last_link) : ""))
        return fail(at, name + ": its recorded chain head does not match its last row: altered");
      auto decisions = static_cast<uint64_t>(q.getColumn(1).getInt64()),
           rejects = static_cast<uint64_t>(q.getColumn(2).getInt64());
      if (h.decisions != decisions || h.rejects != rejects)
        return fail(at, name + " recorded " + std::to_string(decisions) + " decisions and " + std::to_string(rejects) +
                            " rejects; the store holds " + std::to_string(h.decisions) + " and " +
                            std::to_string(h.rejects) + ": rows removed or inserted");
      if (!check_tallies(id, h)) return false;
    }
    return true;
  }

  bool check_tallies(int64_t id, const Held& h) {
    Tallies t;
    SQLite::Statement q(db_, "SELECT dim, key, allowed, notify, license_required, prohibited, errors, fee_cents "
                             "FROM run_stats WHERE run = ?");
    q.bind(1, id);
    while (q.executeStep()) {
      Tally& v = t[q.getColumn(0).getString()][q.getColumn(1).getString()];
      for (int i = 0; i < Tally::kinds; ++i) v.n[i] = static_cast<uint64_t>(q.getColumn(2 + i).getInt64());
      v.fee_cents = q.getColumn(7).getInt64();
    }
    auto same = [](const Tally& a, const Tally& b) {
      return std::equal(a.n, a.n + Tally::kinds, b.n) && a.fee_cents == b.fee_cents;
    };
    for (const auto& [dim, keys] : t) {
      const std::string& name = dim;  // (clang 14 cannot capture a structured binding)
      bool known = std::any_of(std::begin(tally_dims), std::end(tally_dims), [&](const char* d) { return name == d; }) ||
                   std::any_of(std::begin(tally_extra_dims), std::end(tally_extra_dims),
                               [&](const char* d) { return name == d; });
      if (!known || (dim == "all" && (keys.size() != 1 || !keys.count("total"))))
        return fail(h.span.second, "run " + std::to_string(id) + ": its tallies have a dimension '" + dim +
                                       "' that tollgate does not keep: inserted");
    }
    for (const char* dim : tally_extra_dims)
      if (auto d = t.find(std::string_view(dim)); d != t.end())
        for (const auto& [key, v] : d->second)
          if (v.total() > h.all.total())
            return fail(h.span.second, "run " + std::to_string(id) + ": its tallies by " + dim + " count " +
                                           std::to_string(v.total()) + " records under '" + key + "', more than its " +
                                           std::to_string(h.all.total()) + " rows: altered");
    for (const char* dim : tally_dims) {
      Tally sum;
      if (auto d = t.find(std::string_view(dim)); d != t.end())
        for (const auto& [key, v] : d->second) sum += v;
      if (!same(sum, h.all))
        return fail(h.span.second, "run " + std::to_string(id) + ": its tallies by " + dim + " add up to " +
                                       std::to_string(sum.total()) + " records and " + std::to_string(sum.fee_cents) +
                                       " cents of fees by verdict other than its rows' " +
                                       std::to_string(h.all.total()) + " and " + std::to_string(h.all.fee_cents) +
                                       ": altered");
    }
    return true;
  }

  SQLite::Database& db_;
  VerifyReport& rep_;
  const std::function<void(uint64_t)>& progress_;
  std::map<int64_t, Held> runs_;
  std::vector<Seal> seals_;
  size_t next_seal_ = 0;
  int64_t last_n_ = 0, prev_seq_ = 0;
  Sha256 prev_{}, prev_seal_{};  // the last row's link, the last seal's
};
}  // namespace

VerifyReport TraceStore::verify(const std::function<void(uint64_t)>& progress) {
  VerifyReport rep;
  Verifier(*db_, rep, progress).run();
  return rep;
}

std::optional<TraceStore::Shown> TraceStore::show(int64_t seq) {
  Shown s;
  Sha256 sha, link;
  SQLite::Statement d(*db_, std::string(decision_select) + "WHERE d.seq = ?");
  d.bind(1, seq);
  if (d.executeStep()) {
    Shared shared(*db_);
    read_decision(d, shared, s, sha, link);
    return s;
  }
  SQLite::Statement r(*db_, std::string(reject_select) + "WHERE seq = ?");
  r.bind(1, seq);
  if (r.executeStep()) {
    read_reject(r, s, sha, link);
    return s;
  }
  return std::nullopt;
}

std::vector<int64_t> TraceStore::find_by_id(const std::string& record_id) {
  std::vector<int64_t> out;
  for (const char* table : {"decisions", "rejects"}) {
    SQLite::Statement q(*db_, std::string("SELECT seq FROM ") + table + " WHERE id = ? ORDER BY seq");
    q.bind(1, record_id);
    while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void TraceStore::each(std::optional<int64_t> run_id, bool decisions, bool rejects,
                      const std::function<void(const Shown&)>& f) {
  Walker w(*db_, run_id, decisions, rejects);
  Shown s;
  Sha256 sha, link;
  while (w.next(s, sha, link)) f(s);
}

}  // namespace tollgate
