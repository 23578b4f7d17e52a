// tollgate tests — the trace store: an audit's decisions are exactly check's, and `trace verify` catches a
// stored decision altered, deleted, swapped with another, or a row inserted (each on a fresh copy of one store).
#include <SQLiteCpp/SQLiteCpp.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "engine/base/hash.hpp"
#include "engine/audit/audit.hpp"
#include "engine/render/render.hpp"
#include "tests/support.hpp"

using namespace tollgate;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() / ("tollgate-store-test-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
};

// A log whose shipments name parties (end user, consignee, purchaser, owners; some listed on the bundled sample list).
std::string parties_log(const fs::path& dir) {
  std::string path = (dir / "parties.csv").string();
  std::ofstream(path) << "type,id,date,chip,destination,end_user,end_user_hq,end_user_parent_hq,consignee,purchaser,"
                         "end_user_owners,quantity,unit_price_usd\n"
                         "shipment,P-1,2026-11-20,H20,CN,\"Huawei Technologies Co., Ltd.\",CN,CN,Example Freight,,,10,"
                         "12000.00\n"
                         "shipment,P-2,2026-11-20,L4,VN,Hosting Co,SG,SG,,Example Buyer Ltd,,5,2500.00\n"
                         "shipment,P-3,2026-11-20,L4,VN,Hosting Co,SG,SG,Example Freight,Example Buyer Ltd,"
                         "Example Holdings:60;Other Holdings:40,5,2500.00\n"
                         "shipment,P-4,2026-11-20,L4,VN,Other Lab,SG,SG,,,,5,2500.00\n";
  return path;
}

// `screened`: the parties log of parties_log() instead, screened against the bundled sample list.
AuditSummary audit_into(const std::string& db, unsigned jobs = 2, bool force_speculation = false,
                        bool screened = false) {
  AuditOptions o;
  o.force_speculation = force_speculation;
  o.inputs = {test::source_dir() + "/fixtures/orders/sample_orders.csv",
              test::source_dir() + "/fixtures/orders/sample_orders.jsonl"};
  if (screened) {
    o.inputs = {parties_log(fs::path(db).parent_path())};
    o.parties = load_party_lists({test::source_dir() + "/fixtures/lists/csl_sample.csv"}, "");
  }
  o.db = db;
  o.jobs = jobs;
  o.commit_rows = 4;  // several transactions even for a small log
  return run_audit(test::bundled(), test::catalog(), "catalog-hash", o);
}

// A copy of the pristine store with `sql` applied, then verified.
VerifyReport tamper(const fs::path& pristine, const fs::path& dir, const std::string& name, const std::string& sql) {
  fs::path copy = dir / (name + ".db");
  fs::copy_file(pristine, copy, fs::copy_options::overwrite_existing);
  {
    SQLite::Database db(copy.string(), SQLite::OPEN_READWRITE);
    db.exec(sql);
  }
  try {
    TraceStore store(copy.string(), TraceStore::Mode::read);
    return store.verify();
  } catch (const std::runtime_error& e) {  // not a store of this schema any more
    VerifyReport r;
    r.ok = false;
    r.problem = e.what();
    return r;
  }
}

}  // namespace

TEST_CASE("an audit stores exactly what check decides, and verifies") {
  Scratch s;
  std::string db = (s.dir / "trace.db").string();
  AuditSummary sum = audit_into(db);
  CHECK(sum.decisions == 17);
  CHECK(sum.rejected == 2);
  CHECK(sum.exit_code() == 2);  // two rows cannot be judged; nothing prohibited
  TraceStore store(db, TraceStore::Mode::read);
  VerifyReport v = store.verify();
  CHECK(v.ok);
  CHECK(v.rows == 19);
  CHECK(v.head == sum.head);
  // Every stored decision is byte for byte what check --json prints for the same record.
  std::vector<std::string> expected;
  for (const char* f : {"/fixtures/orders/sample_orders.csv", "/fixtures/orders/sample_orders.jsonl"}) {
    std::string path = test::source_dir() + f;
    for (const Record& r : read_records(test::slurp(path), guess_format(path, ""), &test::catalog())) {
      if (!r.ok) {
        expected.push_back(error_json(r, r.error.code, r.error.field, r.error.message));
        continue;
      }
      Decision d = evaluate(test::bundled(), r.facts, r.base_cents, r.date, EvalOptions{});
      expected.push_back(decision_json(test::bundled(), r, d));
    }
  }
  std::vector<std::string> stored;
  store.each(std::nullopt, true, true, [&](const TraceStore::Shown& e) { stored.push_back(e.json); });
  CHECK(stored == expected);
  // The notes (encoding.md r2; docs/records.md, "Decisions") are stored with the decision: the H20 levy's, the H200
  // rule's conditions.
  auto stored_with = [&](const std::string& text) {
    return std::count_if(stored.begin(), stored.end(), [&](const std::string& j) { return j.find(text) != j.npos; });
  };
  CHECK(stored_with("\"notes\":[{\"rule\":\"h20_levy_not_collected\"") >= 1);
  CHECK(stored_with("\"notes\":[{\"rule\":\"h200_conditions\"") >= 1);
}

TEST_CASE("the same audit again stores nothing twice; one thread or two give the same store") {
  Scratch s;
  std::string a = (s.dir / "a.db").string(), b = (s.dir / "b.db").string();
  AuditSummary first = audit_into(a, 2);
  AuditSummary again = audit_into(a, 2);
  CHECK(again.reused);
  CHECK(again.run == first.run);
  CHECK(again.decisions + again.rejected == 19);
  TraceStore store(a, TraceStore::Mode::read);
  CHECK(store.verify().rows == 19);
  AuditSummary single = audit_into(b, 1);
  CHECK(single.head == first.head);  // the chain covers every byte of every decision, in order
}

TEST_CASE("a speculative start that meets the same audit once the inputs are hashed starts over and finds it") {
  // Judging starts before the inputs are hashed when no run in the store has inputs of the same sizes. Make the
  // store's record of the earlier run's sizes disagree, so that only the hash finds it: the audit must still report
  // the earlier run, and store nothing twice. The first audit, into an empty store, starts speculatively.
  Scratch s;
  std::string db = (s.dir / "speculate.db").string();
  AuditSummary first = audit_into(db);
  CHECK_FALSE(first.reused);
  {
    TraceStore store(db, TraceStore::Mode::read);
    CHECK(store.runs().at(0).inputs.find("\"sha256\":\"\"") == std::string::npos);  // the hashes were stored
  }
  // (The store's record of the sizes cannot be edited to force this any more: the run's record is sealed. The
  // audit is told to speculate instead.)
  AuditSummary again = audit_into(db, 2, /*force_speculation=*/true);
  CHECK(again.reused);
  CHECK(again.run == first.run);
  TraceStore store(db, TraceStore::Mode::read);
  CHECK(store.runs().size() == 1);
  CHECK(store.verify().rows == 19);
}

TEST_CASE("trace verify names the first row altered, removed, inserted or reordered") {
  Scratch s;
  fs::path pristine = s.dir / "pristine.db";
  audit_into(pristine.string());
  {
    TraceStore store(pristine.string(), TraceStore::Mode::read);
    REQUIRE(store.verify().ok);
  }
  SUBCASE("a decision's verdict altered") {
    // Verdicts live in the shared `outcomes` rows: the row is pointed at another one.
    auto r = tamper(pristine, s.dir, "verdict",
                    "UPDATE decisions SET outcome = (SELECT min(id) FROM outcomes WHERE id != decisions.outcome) "
                    "WHERE seq = 3");
    CHECK_FALSE(r.ok);
    CHECK(r.bad_seq == 3);
    CHECK(r.problem.find("altered") != std::string::npos);
  }
  SUBCASE("an outcome shared by several decisions altered") {
    auto r = tamper(pristine, s.dir, "outcome", "UPDATE outcomes SET verdict = 'ALLOWED' WHERE verdict != 'ALLOWED'");
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("altered") != std::string::npos);
  }
  SUBCASE("a fee altered") {
    auto r = tamper(pristine, s.dir, "fee", "UPDATE decisions SET fee_total_cents = 1 WHERE fee_total_cents > 0");
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("altered") != std::string::npos);
  }
  SUBCASE("a note's text altered (the notes are kept, and hashed, with the reasons)") {
    auto r = tamper(pristine, s.dir, "note", "UPDATE texts SET text = replace(text, 'never codified', 'codified')");
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("altered") != std::string::npos);
  }
  SUBCASE("a reason shared by several decisions altered") {
    auto r = tamper(pristine, s.dir, "reason", "UPDATE texts SET text = replace(text, '>= 4800', '>= 9999')");
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("altered") != std::string::npos);
  }
  SUBCASE("a decision altered and its hash recomputed: the chain breaks") {
    // The attacker rewrites the verdict and the row's SHA-256 to match; the link no longer follows.
    fs::path copy = s.dir / "rehash.db";
    fs::copy_file(pristine, copy);
    {
      TraceStore store(copy.string(), TraceStore::Mode::read);
      auto shown = store.show(3);
      REQUIRE(shown);
      std::string json = shown->json;
      auto at = json.find("\"verdict\":\"");
      REQUIRE(at != std::string::npos);
      json.replace(at, json.find('"', at + 11) - at, "\"verdict\":\"ALLOWED");
      Sha256 h = sha256(json);
      SQLite::Database raw(copy.string(), SQLite::OPEN_READWRITE);
      raw.exec("INSERT OR IGNORE INTO outcomes(type, classification, verdict, review, exception) "
               "SELECT type, classification, 'ALLOWED', review, exception FROM outcomes "
               "WHERE id = (SELECT outcome FROM decisions WHERE seq = 3)");
      SQLite::Statement q(raw,
                          "UPDATE decisions SET outcome = (SELECT n.id FROM outcomes n JOIN outcomes o "
                          "ON o.id = decisions.outcome WHERE n.type = o.type AND n.classification = o.classification "
                          "AND n.verdict = 'ALLOWED' AND n.review = o.review AND n.exception = o.exception), "
                          "sha256 = ? WHERE seq = 3");
      q.bind(1, h.data(), 32);
      q.exec();
    }
    TraceStore store(copy.string(), TraceStore::Mode::read);
    auto r = store.verify();
    CHECK_FALSE(r.ok);
    CHECK(r.bad_seq == 3);
    CHECK(r.problem.find("chain breaks") != std::string::npos);
  }
  SUBCASE("a decision deleted") {
    auto r = tamper(pristine, s.dir, "delete", "DELETE FROM decisions WHERE seq = 9");
    CHECK_FALSE(r.ok);
    CHECK(r.bad_seq == 9);
    CHECK(r.problem.find("removed") != std::string::npos);
  }
  SUBCASE("the last row deleted") {
    auto r = tamper(pristine, s.dir, "tail", "DELETE FROM decisions WHERE seq = (SELECT max(seq) FROM decisions)");
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("removed") != std::string::npos);
  }
  SUBCASE("a reject deleted") {
    auto r = tamper(pristine, s.dir, "reject", "DELETE FROM rejects");
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("removed") != std::string::npos);
  }
  SUBCASE("two decisions swapped") {
    auto r = tamper(pristine, s.dir, "swap",
                    "UPDATE decisions SET seq = -1 WHERE seq = 7; UPDATE decisions SET seq = 7 WHERE seq = 8; "
                    "UPDATE decisions SET seq = 8 WHERE seq = -1;");
    CHECK_FALSE(r.ok);
    CHECK(r.bad_seq == 7);
    CHECK(r.problem.find("reordered") != std::string::npos);
  }
  SUBCASE("a decision inserted at the end") {
    auto r = tamper(pristine, s.dir, "insert",
                    "INSERT INTO decisions SELECT (SELECT max(seq) FROM (SELECT seq FROM decisions UNION ALL SELECT seq "
                    "FROM rejects)) + 1, run, file, line + 1000, id, as_of, outcome, fees, fee_total_cents, fired, "
                    "rulesets, subject, input_sha256, sha256, link, scr_head, scr_end_user, scr_consignee, "
                    "scr_intermediate_consignee, scr_purchaser, scr_tail FROM decisions WHERE seq = 3");
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("inserted") != std::string::npos);
  }
  SUBCASE("a rejected row's text altered") {
    auto r = tamper(pristine, s.dir, "raw", "UPDATE rejects SET raw = raw || ' '");
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("altered") != std::string::npos);
  }
}

TEST_CASE("a transaction rolled back leaves nothing behind, and the chain goes on from the last commit") {
  // The writer's error path: rows added, then rollback() (as when the disk fills up) must leave the store as it was
  // at the last commit, seqs and chain included, so that the next transaction continues it without a gap.
  Scratch s;
  std::string db = (s.dir / "rollback.db").string();
  {
    TraceStore store(db, TraceStore::Mode::write);
    RunRecord r;
    r.run_key = "k";
    r.engine = engine_version;
    r.rulesets = r.inputs = "[]";
    r.catalog_sha256 = r.options = "{}";
    r.started_at = "2026-01-01T00:00:00Z";
    int64_t run = store.begin_run(r);
    std::string texts = "S-1" "2025-01-01" "chip X" "[]" "[]";
    auto entry = [&](uint64_t line) {
      Entry e;
      e.file = 0;
      e.line = line;
      e.id = {0, 3};
      e.as_of = {3, 10};
      e.subject = {13, 6};
      e.fees = {19, 2};
      e.rulesets = {21, 2};
      e.type = "shipment";
      e.classification = "none";
      e.verdict = "ALLOWED";
      e.fired = std::make_shared<const std::string>("[]");
      e.fired_sha = sha256("[]");
      std::string input_hex(64, '0');
      DecisionParts parts{"S-1", "shipment", "2025-01-01", "none", "ALLOWED", "", "", "[]", "[]", "[]", input_hex,
                          engine_version, 0};
      e.sha = sha256(decision_json_from_parts(parts));  // what verify recomputes
      return e;
    };
    // The tallies committed with the rows: verify checks that they add up to the rows, in every dimension.
    auto allowed = [](uint64_t n) {
      Tallies t;
      Tally one;
      one.n[Tally::allowed] = n;
      for (const char* dim : tally_dims) t[dim][std::string(dim) == "all" ? "total" : "x"] = one;
      return t;
    };
    store.begin();
    store.add(run, entry(2), texts.data());
    store.commit(run, allowed(1), {0, 10, 3});
    store.begin();
    store.add(run, entry(3), texts.data());
    store.add(run, entry(4), texts.data());
    store.rollback();
    CHECK_FALSE(store.in_transaction());
    CHECK(store.run(run)->decisions == 1);
    CHECK(store.run(run)->next_offset == 10);
    store.begin();
    store.add(run, entry(3), texts.data());
    store.commit(run, allowed(1), {0, 20, 4});
    auto v = store.verify();
    CHECK_MESSAGE(v.ok, v.problem);
    CHECK(v.rows == 2);
  }
  SQLite::Database raw(db, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT group_concat(seq) FROM decisions").getString() == "1,2");
  CHECK(raw.execAndGet("SELECT count(*) FROM texts").getInt() == 1);  // "[]" once, for fired and rulesets alike
}

namespace {
// The columns `trace verify` checks by recomputing them from covered values, and a word of the message it gives
// when one is edited (docs/trace.md, "What the chain covers", has the same list). Every other column is covered
// directly: by a row's JSON (rebuilt from its parts and hashed), by its link, or by its run's seal.
const std::map<std::string, std::string> derived_columns = {
    {"decisions.sha256", "does not match its SHA-256"},  // SHA-256 of the decision JSON rebuilt from its parts
    {"rejects.sha256", "does not match its SHA-256"},    // SHA-256 of error JSON + "\n" + raw row
    {"decisions.link", "chain breaks"},                  // chain_link() of the row before and this one
    {"rejects.link", "chain breaks"},
    {"seals.link", "chain breaks"},                      // seal_link() of the element before and the state
    {"seals.state", "chain breaks"},                     // run_state() of the run (for its last seal)
    {"texts.sha256", "does not match its SHA-256"},      // SHA-256 of the text
    {"runs.head", "head"},                               // the link of the run's last seal
    {"rejects.id", "error JSON"},                        // the id, line, code, field, message of the error JSON
    {"rejects.code", "error JSON"},
    {"rejects.field", "error JSON"},
    {"rejects.message", "error JSON"},
};

// Every table of a store and its columns, from the store's own schema; and the primary key's columns.
struct Column {
  std::string table, name;
  bool pk;
};
std::vector<Column> store_columns(const std::string& db) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  std::vector<Column> out;
  SQLite::Statement t(d, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  while (t.executeStep()) {
    std::string table = t.getColumn(0).getString();
    SQLite::Statement c(d, "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid");
    c.bind(1, table);
    while (c.executeStep()) out.push_back({table, c.getColumn(0).getString(), c.getColumn(1).getInt() > 0});
  }
  return out;
}
}  // namespace

TEST_CASE("trace verify fails when any column of any table is edited (generated from the store's schema)") {
  Scratch s;
  fs::path pristine = s.dir / "pristine.db";
  // A store with screened decisions (their screening parts stored: scr_* columns) and ones without (NULL there).
  bool screened = false;
  SUBCASE("decisions without screening (scr_* NULL)") { screened = false; }
  SUBCASE("screened decisions too (their screening parts in scr_*)") { screened = true; }
  CAPTURE(screened);
  if (screened) {
    audit_into(pristine.string(), 2, false, false);
    TraceStore store(pristine.string(), TraceStore::Mode::read);
    REQUIRE(store.verify().ok);
  }
  audit_into(pristine.string(), 2, false, screened);
  {
    TraceStore store(pristine.string(), TraceStore::Mode::read);
    REQUIRE(store.verify().ok);
    SQLite::Database d(pristine.string(), SQLite::OPEN_READONLY);
    // Screened: four decisions with their parts, one of them with three parties and one with a listed end user.
    CHECK(d.execAndGet("SELECT count(*) FROM decisions WHERE scr_head IS NOT NULL").getInt64() == (screened ? 4 : 0));
    if (screened)
      CHECK(d.execAndGet("SELECT count(*) FROM decisions WHERE scr_consignee IS NOT NULL AND scr_purchaser IS NOT NULL "
                         "AND scr_end_user IS NOT NULL").getInt64() == 1);
  }
  auto columns = store_columns(pristine.string());
  REQUIRE(columns.size() > 40);
  std::set<std::string> seen;
  for (const Column& c : columns) {
    std::string key = c.table + "." + c.name;
    seen.insert(key);
    // A different value of the same type: numbers moved far (past every key), text lengthened, blobs redrawn.
    std::string value = "CASE typeof(" + c.name + ") WHEN 'integer' THEN " + c.name + " + 1000003 WHEN 'real' THEN " +
                        c.name + " + 7 WHEN 'text' THEN " + c.name + " || 'x' WHEN 'blob' THEN randomblob(length(" +
                        c.name + ")) ELSE 'x' END";
    std::string pk;
    for (const Column& p : columns)
      if (p.table == c.table && p.pk) pk += (pk.empty() ? "" : ", ") + p.name;
    for (bool one_row : {false, true}) {
      CAPTURE(key);
      CAPTURE(one_row);
      std::string sql = "PRAGMA ignore_check_constraints = ON; UPDATE " + c.table + " SET " + c.name + " = " + value;
      if (one_row) sql += " WHERE (" + pk + ") = (SELECT " + pk + " FROM " + c.table + " ORDER BY " + pk + " LIMIT 1)";
      auto r = tamper(pristine, s.dir, "col", sql);
      CHECK_FALSE(r.ok);
      auto d = derived_columns.find(key);
      if (d != derived_columns.end()) CHECK_MESSAGE(r.problem.find(d->second) != std::string::npos, r.problem);
    }
  }
  for (const auto& entry : derived_columns) CHECK_MESSAGE(seen.count(entry.first), entry.first);  // the list is true
  // The schema itself: each view rewritten (it would show other values than those hashed), a trigger added.
  SQLite::Database d(pristine.string(), SQLite::OPEN_READONLY);
  SQLite::Statement v(d, "SELECT name, sql FROM sqlite_master WHERE type = 'view'");
  int views = 0;
  while (v.executeStep()) {
    ++views;
    std::string name = v.getColumn(0).getString();
    auto r = tamper(pristine, s.dir, "view", "DROP VIEW " + name + "; " + v.getColumn(1).getString() + " LIMIT 1");
    CHECK_FALSE(r.ok);
    CHECK(r.problem.find("schema") != std::string::npos);
  }
  CHECK(views == 2);
  auto r = tamper(pristine, s.dir, "trigger",
                  "CREATE TRIGGER t AFTER INSERT ON decisions BEGIN UPDATE decisions SET subject = 'x'; END");
  CHECK_FALSE(r.ok);
}

// Found by a new user (session 6): a server reject of a body with a line break in it made an untouched store fail
// verification (the error JSON was split from the raw row at the last line break, not the first).
TEST_CASE("a reject whose raw row spans lines verifies, and its altered message is still caught") {
  Scratch s;
  fs::path log = s.dir / "multiline.csv";
  {
    std::ofstream out(log);
    out << "type,id,date,chip,destination,end_user_hq,quantity,unit_price_usd\n"
        << "shipment,M-1,2025-09-01,\"H20\nsecond line\",CN,CN,10,12000.00\n"
        << "shipment,M-2,2025-09-01,H20,CN,CN,10,\"12000.00\n\n\"\n";
  }
  AuditOptions o;
  o.inputs = {log.string()};
  o.db = (s.dir / "multiline.db").string();
  o.jobs = 1;
  AuditSummary sum = run_audit(test::bundled(), test::catalog(), "catalog-hash", o);
  REQUIRE(sum.rejected == 2);
  {
    SQLite::Database db(o.db, SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("SELECT count(*) FROM rejects WHERE instr(raw, char(10)) > 0").getInt() == 2);
  }
  VerifyReport v = TraceStore(o.db, TraceStore::Mode::read).verify();
  CHECK(v.ok);
  CHECK(v.problem == "");
  auto r = tamper(o.db, s.dir, "message", "UPDATE rejects SET message = 'fine' WHERE id = 'M-1'");
  CHECK_FALSE(r.ok);
  CHECK(r.problem.find("message") != std::string::npos);
}

TEST_CASE("a reject's stage and a decision's subject are chained; an edited run record is refused on reuse") {
  Scratch s;
  fs::path pristine = s.dir / "pristine.db";
  audit_into(pristine.string());
  auto r = tamper(pristine, s.dir, "subject", "UPDATE decisions SET subject = 'chip H20 -> US' WHERE seq = 2");
  CHECK_FALSE(r.ok);
  CHECK(r.bad_seq == 2);
  CHECK(r.problem.find("chain breaks") != std::string::npos);
  r = tamper(pristine, s.dir, "stage",
             "PRAGMA ignore_check_constraints = ON; UPDATE rejects SET stage = 'evaluation' WHERE stage = 'input'");
  CHECK_FALSE(r.ok);
  CHECK(r.problem.find("chain breaks") != std::string::npos);
  // A re-run of the same audit reads the earlier run back: an edited tally is caught there, not reported.
  {
    SQLite::Database raw(pristine.string(), SQLite::OPEN_READWRITE);
    raw.exec("UPDATE run_stats SET fee_cents = 0");
  }
  CHECK_THROWS_AS(audit_into(pristine.string()), StoreTampered);
}

// Found by a new user (session 6): an audit of another log appended to a store whose earlier run's record had been
// edited (docs/cli.md: exit 5 for an audit on a store whose record of an earlier run was altered).
TEST_CASE("an audit of another log refuses a store whose earlier run was altered") {
  Scratch s;
  std::string db = (s.dir / "other.db").string();
  audit_into(db);
  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE runs SET options = '{}' WHERE run = 1");
  }
  AuditOptions o;
  o.inputs = {test::source_dir() + "/fixtures/orders/sample_orders.jsonl"};  // not the first run's inputs
  o.db = db;
  o.jobs = 1;
  CHECK_THROWS_AS(run_audit(test::bundled(), test::catalog(), "catalog-hash", o), StoreTampered);
  SQLite::Database after(db, SQLite::OPEN_READONLY);
  CHECK(after.execAndGet("SELECT count(*) FROM runs").getInt() == 1);  // nothing appended
}
