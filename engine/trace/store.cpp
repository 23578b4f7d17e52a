// tollgate — the trace store (see store.hpp and docs/trace.md).
#include "engine/trace/store.hpp"

#include "engine/base/hash.hpp"
#include "engine/render/render.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>
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
  status TEXT NOT NULL CHECK (status IN ('running', 'complete')),
  next_file INTEGER NOT NULL DEFAULT 0,
  next_offset INTEGER NOT NULL DEFAULT 0,
  next_line INTEGER NOT NULL DEFAULT 1,
  decisions INTEGER NOT NULL DEFAULT 0,
  rejects INTEGER NOT NULL DEFAULT 0,
  first_seq INTEGER,
  last_seq INTEGER,
  head BLOB);
CREATE INDEX runs_by_key ON runs(run_key);
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
  link BLOB NOT NULL);
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
-- The DESIGN §5 JSON of each decision, put back together (for strings that need no escaping beyond
-- json_quote's, byte for byte what `tollgate trace export` writes; the export is the reference).
CREATE VIEW decision_json AS
  SELECT d.seq, d.run, d.file, d.line, d.id,
         '{"schema":"tollgate.decision/1","id":' || json_quote(d.id) || ',"type":' || json_quote(o.type) ||
         ',"as_of":' || json_quote(d.as_of) || ',"classification":' || json_quote(o.classification) ||
         ',"verdict":' || json_quote(o.verdict) || ',"review":' || coalesce(json_quote(nullif(o.review, '')), 'null') ||
         ',"exception":' || coalesce(json_quote(nullif(o.exception, '')), 'null') || ',"fees":' || d.fees ||
         ',"fee_total_cents":' || d.fee_total_cents || ',"fired":' || f.text || ',"rulesets":' || l.text ||
         ',"input_sha256":"' || lower(hex(d.input_sha256)) || '","engine":' || json_quote(r.engine) || '}' AS json,
         lower(hex(d.sha256)) AS sha256
  FROM decisions d JOIN outcomes o ON o.id = d.outcome JOIN texts f ON f.id = d.fired JOIN texts l ON l.id = d.rulesets
  JOIN runs r ON r.run = d.run;
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
  return r;
}

const char* run_columns =
    "run, run_key, engine, rulesets, catalog_sha256, inputs, options, started_at, finished_at, status, next_file, "
    "next_offset, next_line, decisions, rejects, first_seq, last_seq, head";


}  // namespace

Sha256 chain_link(const Sha256& prev, int64_t seq, int64_t run, uint32_t file, uint64_t line, char kind,
                  const Sha256& sha) {
  std::array<char, 32 + 8 + 8 + 4 + 8 + 1 + 32> buf;  // on the stack: one link per stored row
  size_t at = 0;
  auto put = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) buf[at++] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  std::memcpy(buf.data(), prev.data(), 32);
  at = 32;
  put(static_cast<uint64_t>(seq), 8);
  put(static_cast<uint64_t>(run), 8);
  put(file, 4);
  put(line, 8);
  buf[at++] = kind;
  std::memcpy(buf.data() + at, sha.data(), 32);
  at += 32;
  return sha256(std::string_view(buf.data(), at));
}

TraceStore::TraceStore(const std::string& path, Mode mode) : path_(path) {
  namespace fs = std::filesystem;
  // SQLite's memory statistics take a global lock on every allocation; tollgate never reads them (measured: 6 % of
  // an insert). This must precede SQLite's initialisation, so the first store opened does it, once.
  static std::once_flag no_memstatus;
  std::call_once(no_memstatus, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  bool exists = fs::exists(path);
  if (mode == Mode::read && !exists) throw std::runtime_error("no trace store at '" + path + "'");
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
    if (!has_meta) {
      int64_t objects = db_->execAndGet("SELECT count(*) FROM sqlite_master").getInt64();
      if (objects != 0 || mode == Mode::read) throw std::runtime_error("'" + path + "' is not a tollgate trace store");
      db_->exec("PRAGMA page_size = 65536");
      SQLite::Transaction tx(*db_);
      db_->exec(schema_sql);
      SQLite::Statement m(*db_, "INSERT INTO meta VALUES ('schema', ?), ('created_by', ?)");
      m.bind(1, trace_schema);
      m.bind(2, "tollgate");
      m.exec();
      tx.commit();
    } else {
      SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = 'schema'");
      std::string schema = q.executeStep() ? q.getColumn(0).getString() : "";
      if (schema != trace_schema)
        throw std::runtime_error("'" + path + "' is a trace store of schema '" + schema + "'; this tollgate reads " +
                                 trace_schema);
    }
    if (mode == Mode::write) {
      // One writer at a time: the lock is held from the first write until the store is closed. A rollback journal,
      // not WAL: an audit only appends, and SQLite journals only the pages a transaction changes that existed
      // before it, so each row is written once (WAL writes it twice, the second time when it checkpoints;
      // measured 6 % slower). A transaction killed halfway is rolled back from the journal when the store is next
      // opened. (Stores made with WAL are switched back here.)
      db_->exec("PRAGMA journal_mode = DELETE");
      db_->exec("PRAGMA synchronous = NORMAL");
      db_->exec("PRAGMA locking_mode = EXCLUSIVE");
      db_->exec("PRAGMA cache_size = -32768");  // 32 MB: a transaction of 65,536 rows stays in memory until it commits
      db_->exec("BEGIN EXCLUSIVE; COMMIT");
      for (const char* table : {"decisions", "rejects"}) {
        SQLite::Statement q(*db_, std::string("SELECT seq, link FROM ") + table + " ORDER BY seq DESC LIMIT 1");
        if (q.executeStep() && q.getColumn(0).getInt64() > last_seq_) {
          last_seq_ = q.getColumn(0).getInt64();
          last_link_ = blob_hash(q.getColumn(1));
        }
      }
      prepare_writes();
    } else {
      db_->exec("PRAGMA query_only = 1");
    }
  } catch (const SQLite::Exception& e) {
    std::string what = e.what();
    if (what.find("locked") != std::string::npos || what.find("busy") != std::string::npos)
      throw std::runtime_error("trace store '" + path + "' is in use by another tollgate audit");
    throw std::runtime_error("trace store '" + path + "': " + what);
  }
}


SQLite::Database& TraceStore::db() { return *db_; }

void TraceStore::prepare_writes() {
  if (sqlite3_prepare_v3(db_->getHandle(), "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
  SQLite::Statement q(*db_, std::string("SELECT ") + run_columns + " FROM runs WHERE run_key = ? ORDER BY run DESC LIMIT 1");
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
  return db_->getLastInsertRowid();
}

void TraceStore::begin() {
  if (in_tx_) throw std::logic_error("a trace store transaction is already open");
  db_->exec("BEGIN");
  in_tx_ = true;
  tx_seq0_ = last_seq_;
  tx_link0_ = last_link_;
  tx_first_ = 0;
  tx_decisions_ = tx_rejects_ = 0;
}

void TraceStore::rollback() {
  if (!in_tx_) return;
  in_tx_ = false;
  for (auto* q : {ins_reject_.get(), ins_text_.get(), find_text_.get(), upsert_tally_.get(),
                  upd_progress_.get(), ins_outcome_.get(), find_outcome_.get()})
    if (q) q->tryReset();
  if (ins_decision_raw_.stmt) sqlite3_reset(ins_decision_raw_.stmt);
  try {
    db_->exec("ROLLBACK");
  } catch (...) {  // SQLite may have rolled back already (after an I/O error); nothing of it stays either way
  }
  last_seq_ = tx_seq0_;
  last_link_ = tx_link0_;
  texts_.clear();  // ids added in the rolled-back transaction are gone
  by_key_.clear();
  outcomes_.clear();
}

void TraceStore::add(int64_t run_id, const Entry& entry, const char* texts) {
  const Entry* e = &entry;
  if (!in_tx_) throw std::logic_error("trace store: add() outside a transaction");
  int64_t seq = last_seq_ + 1;
  Sha256 link = chain_link(last_link_, seq, run_id, e->file, e->line, e->reject ? 'R' : 'D', e->sha);
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
    int rc = sqlite3_bind_int64(q, 1, seq) | sqlite3_bind_int64(q, 2, run_id) |
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

void TraceStore::finish_run(int64_t run_id, const std::string& finished_at) {
  SQLite::Statement q(*db_, "UPDATE runs SET status = 'complete', finished_at = ? WHERE run = ?");
  q.bind(1, finished_at);
  q.bind(2, run_id);
  q.exec();
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
                      "d.fee_total_cents FROM decisions d JOIN outcomes o ON o.id = d.outcome "
                      "WHERE d.seq BETWEEN ? AND ? AND d.run = ? "
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
    "d.subject, d.input_sha256, d.sha256, d.link FROM decisions d ";

class Shared {
 public:
  explicit Shared(SQLite::Database& db)
      : text_(db, "SELECT text FROM texts WHERE id = ?"),
        outcome_(db, "SELECT type, classification, verdict, review, exception FROM outcomes WHERE id = ?"),
        engine_(db, "SELECT engine FROM runs WHERE run = ?") {}
  struct Outcome {
    std::string type, classification, verdict, review, exception;
  };
  // A text by id; "" if there is none (the decision's JSON then does not match its hash: verify says "altered").
  const std::string& text(int64_t id) {
    auto it = texts_.find(id);
    if (it != texts_.end()) return it->second;
    if (texts_.size() >= 65536) texts_.clear();  // bounded memory
    text_.bind(1, id);
    std::string t = text_.executeStep() ? text_.getColumn(0).getString() : std::string();
    text_.reset();
    return texts_.emplace(id, std::move(t)).first->second;
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
  std::unordered_map<int64_t, std::string> texts_, engines_;
  std::unordered_map<int64_t, Outcome> outcomes_;
};

std::string_view text_of(const SQLite::Column& c) {
  const char* t = c.getText();
  return std::string_view(t, static_cast<size_t>(c.getBytes()));
}

void read_decision(SQLite::Statement& q, Shared& shared, TraceStore::Shown& s, Sha256& sha, Sha256& link) {
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
                      q.getColumn(8).getInt64()};
  s.json = decision_json_from_parts(parts);
  s.subject.assign(text_of(q.getColumn(11)));
  s.raw.clear();
  s.code.clear();
  s.field.clear();
  s.message.clear();
  s.input_path.clear();
  sha = blob_hash(q.getColumn(13));
  link = blob_hash(q.getColumn(14));
}

const char* reject_select = "SELECT seq, run, file, line, id, json, raw, sha256, link, code, field, message FROM rejects ";

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
// After the rows: each run's recorded counts and head against the rows the store holds.
void check_run_totals(VerifyReport& rep, const std::vector<RunRecord>& all_runs,
                      std::map<int64_t, std::pair<uint64_t, uint64_t>>& counts,
                      std::map<int64_t, Sha256>& link_at_last) {
  for (const auto& r : all_runs) {
    auto held = counts[r.run];
    std::string run_name = "run " + std::to_string(r.run);
    if (held.first != r.decisions || held.second != r.rejects) {
      rep.ok = false;
      rep.bad_seq = r.last_seq;
      rep.problem = run_name + " recorded " + std::to_string(r.decisions) + " decisions and " +
                    std::to_string(r.rejects) + " rejects; the store holds " + std::to_string(held.first) + " and " +
                    std::to_string(held.second) + ": rows removed or inserted";
      return;
    }
    if (r.decisions + r.rejects > 0 && to_hex(link_at_last[r.run]) != r.head) {
      rep.ok = false;
      rep.bad_seq = r.last_seq;
      rep.problem = run_name + ": its recorded chain head does not match its last row: altered";
      return;
    }
  }
}
}  // namespace

VerifyReport TraceStore::verify(const std::function<void(uint64_t)>& progress) {
  VerifyReport rep;
  auto all_runs = runs();
  rep.runs = all_runs.size();
  std::map<int64_t, const RunRecord*> by_id;
  for (const auto& r : all_runs) by_id[r.run] = &r;
  std::map<int64_t, std::pair<uint32_t, uint64_t>> last_pos;  // run -> last (file, line)
  std::map<int64_t, std::pair<uint64_t, uint64_t>> counts;    // run -> decisions, rejects
  std::map<int64_t, Sha256> link_at_last;
  Sha256 prev{};
  int64_t prev_seq = 0;
  auto fail = [&](int64_t seq, std::string what) {
    rep.ok = false;
    rep.bad_seq = seq;
    rep.problem = std::move(what);
  };
  // Rows are read in batches; while this thread checks one batch in order (sequence, position, chain), another
  // hashes the next batch's contents (the SHA-256 of each JSON is most of the work).
  struct Row {
    int64_t seq = 0, run = 0;
    uint32_t file = 0;
    uint64_t line = 0;
    bool reject = false;
    std::string content;  // what `sha` covers
    Sha256 sha{}, link{}, computed{};
  };
  auto check = [&](const Row& s) {
    ++rep.rows;
    (s.reject ? rep.rejects : rep.decisions)++;
    auto where = [&] {
      return "row " + std::to_string(s.seq) + " (run " + std::to_string(s.run) + ", input " + std::to_string(s.file) +
             ", line " + std::to_string(s.line) + ")";
    };
    if (s.seq <= 0) return fail(s.seq, where() + " has a sequence number before the first: inserted"), false;
    if (s.seq != prev_seq + 1) {
      fail(prev_seq + 1, s.seq - prev_seq == 2
                             ? "row " + std::to_string(prev_seq + 1) + " is missing: removed"
                             : "rows " + std::to_string(prev_seq + 1) + " to " + std::to_string(s.seq - 1) +
                                   " are missing: removed");
      return false;
    }
    auto run_it = by_id.find(s.run);
    if (run_it == by_id.end() || s.seq < run_it->second->first_seq || s.seq > run_it->second->last_seq)
      return fail(s.seq, where() + " lies outside the rows its run recorded: inserted"), false;
    if (s.computed != s.sha)
      return fail(s.seq, where() + ": its " + (s.reject ? "rejected record" : "decision JSON") +
                             " does not match its SHA-256: altered"),
             false;
    auto lp = last_pos.find(s.run);
    if (lp != last_pos.end() && std::make_pair(s.file, s.line) <= lp->second)
      return fail(s.seq, where() + " comes after input " + std::to_string(lp->second.first) + " line " +
                             std::to_string(lp->second.second) + " of the same run: reordered"),
             false;
    Sha256 want = chain_link(prev, s.seq, s.run, s.file, s.line, s.reject ? 'R' : 'D', s.sha);
    if (want != s.link)
      return fail(s.seq, where() + ": the hash chain breaks here (the row or its hash was rewritten, or rows were "
                                   "inserted or reordered before it)"),
             false;
    last_pos[s.run] = {s.file, s.line};
    auto& c = counts[s.run];
    (s.reject ? c.second : c.first)++;
    link_at_last[s.run] = s.link;
    prev = s.link;
    prev_seq = s.seq;
    if (progress && rep.rows % 65536 == 0) progress(rep.rows);
    return true;
  };
  Walker w(*db_, std::nullopt, true, true);
  Shown shown;
  auto read_batch = [&](std::vector<Row>& batch) {
    batch.clear();
    Row r;
    while (batch.size() < 4096 && w.next(shown, r.sha, r.link)) {
      r.seq = shown.seq;
      r.run = shown.run;
      r.file = shown.file;
      r.line = shown.line;
      r.reject = shown.reject;
      r.content = shown.reject ? shown.json + "\n" + shown.raw : shown.json;
      batch.push_back(std::move(r));
      r = Row{};
    }
  };
  auto hash_batch = [](std::vector<Row>* batch) {
    for (Row& r : *batch) r.computed = sha256(r.content);
  };
  // Three batches turn: one is checked, one hashed by the helper thread, one read, all at once.
  std::vector<Row> a, b, c;
  std::vector<Row>*checking = &a, *hashing = &b, *reading = &c;
  read_batch(*hashing);
  std::thread hasher(hash_batch, hashing);
  bool ok = true;
  for (;;) {
    read_batch(*reading);
    hasher.join();
    std::swap(checking, hashing);  // the batch just hashed is checked next
    std::swap(hashing, reading);   // the batch just read is hashed next
    if (!hashing->empty()) hasher = std::thread(hash_batch, hashing);
    for (const Row& r : *checking)
      if (!(ok = check(r))) break;
    if (!ok || hashing->empty()) break;
  }
  if (hasher.joinable()) hasher.join();
  if (!ok) return rep;
  rep.head = rep.rows ? to_hex(prev) : "";
  check_run_totals(rep, all_runs, counts, link_at_last);
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
