// tollgate tests — the decision JSON contract (DESIGN §5), determinism, and fail-closed evaluation.
#include <nlohmann/json.hpp>

#include "engine/render.hpp"
#include "support.hpp"

using namespace tollgate;
using json = nlohmann::json;

namespace {
std::string judge(const std::string& record, bool proposed = false) {
  Record r = record_from_json(record, 1, &test::catalog());
  REQUIRE(r.ok);
  Decision d = evaluate(test::bundled(), r.facts, r.base_cents, r.date, EvalOptions{proposed});
  return decision_json(test::bundled(), r, d);
}
}  // namespace

TEST_CASE("check --json output matches the contract field for field") {
  std::string line = judge(R"({"type":"shipment","id":"S-1","date":"2025-09-01","chip":"H20","destination":"CN","end_user_hq":"CN","quantity":10,"unit_price_usd":"12000.00"})");
  auto j = json::parse(line);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  // nlohmann::json sorts keys; the order on the wire is checked below on the raw text.
  std::vector<std::string> want = {"as_of", "classification", "engine", "exception", "fee_total_cents", "fees",
                                   "fired", "id", "input_sha256", "review", "rulesets", "schema", "type", "verdict"};
  CHECK(keys == want);
  CHECK(line.rfind("{\"schema\":\"tollgate.decision/1\",\"id\":\"S-1\",\"type\":\"shipment\",\"as_of\":", 0) == 0);
  CHECK(j["schema"] == "tollgate.decision/1");
  CHECK(j["as_of"] == "2025-09-01");
  CHECK(j["classification"] == "none");
  CHECK(j["verdict"] == "LICENSE_REQUIRED");
  CHECK(j["review"] == "case_by_case");
  CHECK(j["exception"].is_null());
  REQUIRE(j["fees"].size() == 1);
  const auto& fee = j["fees"][0];
  std::vector<std::string> fee_keys;
  for (auto it = fee.begin(); it != fee.end(); ++it) fee_keys.push_back(it.key());
  CHECK(fee_keys == std::vector<std::string>{"amount_cents", "base_cents", "citation", "rate", "rule"});
  CHECK(fee["rate"] == "15%");
  CHECK(fee["base_cents"] == 12000000);
  CHECK(fee["amount_cents"] == 1800000);
  CHECK(j["fee_total_cents"] == 1800000);
  for (const auto& f : j["fired"]) {
    CHECK(f["rule"].is_string());
    CHECK(f["ruleset"].is_string());
    CHECK(!f["citation"].get<std::string>().empty());
    CHECK(!f["because"].get<std::string>().empty());
  }
  for (const auto& rs : j["rulesets"]) CHECK(rs["sha256"].get<std::string>().size() == 64);
  CHECK(j["input_sha256"].get<std::string>().size() == 64);
  CHECK(j["engine"].get<std::string>().rfind("tollgate ", 0) == 0);
}

TEST_CASE("the same input gives byte-identical output") {
  const std::string rec = R"({"type":"shipment","id":"S-2","date":"2026-03-01","chip":"H200 SXM 141GB","destination":"CN","end_user_hq":"CN","quantity":3,"unit_price_usd":"30000.10"})";
  std::string a = judge(rec), b = judge(rec);
  CHECK(a == b);
  // Key order and spacing in the input do not change the input hash.
  const std::string same = R"({"unit_price_usd":"30000.10","quantity":3,"end_user_hq":"CN","destination":"CN","chip":"H200 SXM 141GB","date":"2026-03-01","id":"S-2","type":"shipment"})";
  CHECK(json::parse(judge(same))["input_sha256"] == json::parse(a)["input_sha256"]);
}

TEST_CASE("fail closed: a record the rules cannot judge is an error, never ALLOWED") {
  // The L20 (not 3A090: TPP 1912, PD 3.14) gives no interconnect; the H20 notice needs it for a datacenter chip
  // to China (memory bandwidth 864 GB/s does not decide it alone).
  Record r = record_from_json(R"({"type":"shipment","id":"S-3","date":"2025-06-01","chip":"L20","destination":"CN","end_user_hq":"CN","quantity":1,"unit_price_usd":"1.00"})",
                              1, &test::catalog());
  REQUIRE(r.ok);
  Decision d = evaluate(test::bundled(), r.facts, r.base_cents, r.date, EvalOptions{});
  CHECK(d.failed);
  CHECK(d.error().field == "chip.interconnect_gbps");
  auto j = json::parse(decision_json(test::bundled(), r, d));
  CHECK(j["id"] == "S-3");
  CHECK(j["error"]["code"] == "tollgate.eval.unknown");
  CHECK(j["error"]["line"] == 1);
  CHECK(j["error"]["field"] == "chip.interconnect_gbps");
  // Missing end user HQ matters for a 3A090.a chip anywhere (the headquarters rule).
  Record r2 = record_from_json(R"({"type":"shipment","id":"S-4","date":"2025-06-01","chip":"H100 SXM5 80GB","destination":"DE","quantity":1,"unit_price_usd":"1.00"})",
                               1, &test::catalog());
  Decision d2 = evaluate(test::bundled(), r2.facts, r2.base_cents, r2.date, EvalOptions{});
  CHECK(d2.failed);
  CHECK(d2.error().field == "end_user_hq");
}
