// tollgate tests — the server's judging of request bodies (engine/serve/service.hpp), without HTTP: the decision
// objects are render's, byte for byte; bad records cost only themselves; every record becomes one store entry; the
// body's layout is told from its Content-Type and first bytes. (The server itself: tests/cli/cli_serve.py.)
#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/records/record.hpp"
#include "engine/render/render.hpp"
#include "engine/serve/decision_log.hpp"
#include "engine/serve/http.hpp"
#include "engine/serve/service.hpp"
#include "tests/support.hpp"

using namespace tollgate;
using namespace tollgate::serve;

namespace {

std::shared_ptr<Engine> engine() {
  auto e = std::make_shared<Engine>();
  e->program = std::shared_ptr<const Program>(&test::bundled(), [](const Program*) {});
  e->catalog = std::shared_ptr<const Catalog>(&test::catalog(), [](const Catalog*) {});
  e->generation = 1;
  return e;
}

const char* h20 = R"({"type":"shipment","id":"S-1","date":"2025-09-01","chip":"H20","destination":"CN",)"
                  R"("end_user_hq":"CN","quantity":10,"unit_price_usd":"12000.00"})";

}  // namespace

TEST_CASE("serve: one record is judged into render's decision object and one store entry") {
  auto e = engine();
  Judgement j = judge_body(*e, h20, BodyFormat::single, {});
  Record r = record_from_json(h20, 1, e->catalog.get());
  Decision d = evaluate(*e->program, r.facts, r.base_cents, r.date, EvalOptions{});
  CHECK(j.status == 200);
  CHECK(j.body == decision_json(*e->program, r, d) + "\n");
  REQUIRE(j.log.entries.size() == 1);
  const Entry& en = j.log.entries[0];
  CHECK(!en.reject);
  CHECK(std::string(en.verdict) == "LICENSE_REQUIRED");
  CHECK(en.fee_total_cents == 1800000);  // 15 % of 10 x $12,000.00 (encoding.md, H20 levy)
  CHECK(en.sha == sha256(decision_json(*e->program, r, d)));
  CHECK(j.counts[Tally::license_required] == 1);
  CHECK(j.log.delta.at("all").at("total").n[Tally::license_required] == 1);
}

TEST_CASE("serve: a batch with bad records answers each in its place; the others are judged") {
  auto e = engine();
  std::string body = std::string("[") + h20 + R"(,{"type":"shipment","id":"S-2","date":"2025-09-01","chip":"H2O",)" +
                     R"("destination":"CN","end_user_hq":"CN"},{"type":"shipment","id":"S-3","chip":"H20",)" +
                     R"("destination":"DE","end_user_hq":"DE"},)" + h20 + "]";
  Judgement j = judge_body(*e, body, body_format("application/json", body), {});
  CHECK(j.status == 400);
  auto out = nlohmann::json::parse(j.body);
  REQUIRE(out.size() == 4);
  CHECK(out[0]["verdict"] == "LICENSE_REQUIRED");
  CHECK(out[1]["error"]["field"] == "chip");
  CHECK(out[2]["error"]["field"] == "date");  // no date and no as_of: never the clock
  CHECK(out[3]["verdict"] == "LICENSE_REQUIRED");
  REQUIRE(j.log.entries.size() == 4);
  CHECK(j.log.entries[1].reject);
  CHECK(j.log.entries[2].reject);
  CHECK(j.counts[Tally::error] == 2);
  // as_of judges every record as of that date instead of its own.
  Judgement k = judge_body(*e, body, BodyFormat::array, JudgeOptions{parse_date("2026-03-01"), false});
  CHECK(nlohmann::json::parse(k.body)[0]["as_of"] == "2026-03-01");
}

TEST_CASE("serve: the layout of a body") {
  CHECK(body_format("application/json", h20) == BodyFormat::single);
  CHECK(body_format("application/json", " [ {} ]") == BodyFormat::array);
  CHECK(body_format("application/json", "{\"a\":1}\n{\"a\":2}\n") == BodyFormat::jsonl);
  CHECK(body_format("application/json", "{\n  \"a\": {\n    \"b\": 1\n  }\n}\n") == BodyFormat::single);
  CHECK(body_format("application/x-ndjson; charset=utf-8", "{}") == BodyFormat::jsonl);
  CHECK(body_format("text/csv", "type,id\n") == BodyFormat::csv);
}

TEST_CASE("serve: classify a catalog chip by name, with its arithmetic") {
  auto e = engine();
  Judgement j = classify_body(*e, R"({"name":"H20"})", JudgeOptions{parse_date("2025-09-01"), false});
  CHECK(j.status == 200);
  auto d = nlohmann::json::parse(j.body);
  CHECK(d["arithmetic"]["performance_density"].get<std::string>().find("2368 / 814") != std::string::npos);
  Judgement no_date = classify_body(*e, R"({"name":"H20"})", {});
  CHECK(no_date.status == 400);
  CHECK(nlohmann::json::parse(no_date.body)["error"]["field"] == "as_of");
}

TEST_CASE("serve: classify a catalog name given with no figures, or with figures: an error that says which") {
  // Found by a new user over REST: {"type": "chip", "name": "H20"} was told "the record gives the chip's figures".
  auto e = engine();
  const JudgeOptions o{parse_date("2025-09-01"), false};
  Judgement none = classify_body(*e, R"({"type":"chip","name":"H20"})", o);
  CHECK(none.status == 400);
  std::string m = nlohmann::json::parse(none.body)["error"]["message"].get<std::string>();
  CAPTURE(m);
  CHECK(m.find("gives none of its figures") != std::string::npos);
  CHECK(m.find(R"({"name": "H20"} with no other member)") != std::string::npos);
  Judgement some = classify_body(*e, R"({"name":"H20","tpp":2368,"die_area_mm2":814})", o);
  CHECK(some.status == 400);
  m = nlohmann::json::parse(some.body)["error"]["message"].get<std::string>();
  CHECK(m.find("gives the chip's figures") != std::string::npos);
}

TEST_CASE("serve: listen addresses and loopback") {
  CHECK(split_listen("127.0.0.1:8470") == std::pair<std::string, unsigned short>{"127.0.0.1", 8470});
  CHECK(split_listen("[::1]:0").first == "::1");
  CHECK_THROWS(split_listen("127.0.0.1"));
  CHECK_THROWS(split_listen("127.0.0.1:99999"));
  CHECK(is_loopback("127.0.0.1"));
  CHECK(is_loopback("::1"));
  CHECK(is_loopback("localhost"));
  CHECK(!is_loopback("0.0.0.0"));
  CHECK(!is_loopback("192.168.1.10"));
}

// The decision log hands a commit's callbacks to the server in one task (DecisionLog::deliver_with): each request
// is answered exactly once, on the thread that runs the tasks (never the writer's), after its rows are committed,
// with its own request id; and a group of requests committed together is delivered by one task.
TEST_CASE("serve: the decision log delivers a commit's answers in one task, after the commit") {
  namespace fs = std::filesystem;
  const fs::path db = fs::temp_directory_path() / ("tollgate-test-deliver-" + std::to_string(::getpid()) + ".db");
  fs::remove(db);
  auto e = engine();
  e->rulesets_json = "[]";
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::function<void()>> tasks;
  struct Answer {
    bool ok;
    std::string id;
    std::thread::id thread;
    int64_t rows_then;  // decisions in the store (read apart from the writer) when the answer was given
  };
  std::vector<Answer> answers;
  const int n = 12;
  {
    DecisionLog log(db.string(), "test");
    log.deliver_with([&](std::function<void()> task) {
      std::lock_guard<std::mutex> l(mu);
      tasks.push_back(std::move(task));
      cv.notify_all();
    });
    for (int i = 0; i < n; ++i) {
      Judgement j = judge_body(*e, h20, BodyFormat::single, {});
      j.log.engine = e;
      j.log.token = "test";
      log.submit(std::move(j.log), [&, db](bool ok, const std::string& id) {
        SQLite::Database reader(db.string(), SQLite::OPEN_READONLY);
        answers.push_back({ok, id, std::this_thread::get_id(),
                           reader.execAndGet("SELECT count(*) FROM decisions").getInt64()});
      });
    }
    // Run the tasks here, as a serving thread would, until every request is answered.
    size_t ran = 0;
    while (answers.size() < static_cast<size_t>(n)) {
      std::unique_lock<std::mutex> l(mu);
      REQUIRE(cv.wait_for(l, std::chrono::seconds(10), [&] { return tasks.size() > ran; }));
      std::vector<std::function<void()>> todo(tasks.begin() + static_cast<long>(ran), tasks.end());
      ran = tasks.size();
      l.unlock();
      for (auto& t : todo) t();
    }
    CHECK(log.stats().commits == ran);  // one task per commit
    CHECK(log.stats().requests == static_cast<uint64_t>(n));
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < answers.size(); ++i) {
    const Answer& a = answers[i];
    CHECK(a.ok);
    CHECK(a.thread == std::this_thread::get_id());
    ids.insert(a.id);
    CHECK(a.rows_then >= static_cast<int64_t>(i + 1));  // its row, and those answered before, are committed
  }
  CHECK(ids.size() == static_cast<size_t>(n));
  CHECK(ids.count("1-0") == 1);
  CHECK(ids.count("1-" + std::to_string(n - 1)) == 1);
  fs::remove(db);
  fs::remove(db.string() + "-wal");
  fs::remove(db.string() + "-shm");
}
