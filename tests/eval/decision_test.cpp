// tollgate tests — the decision JSON contract (docs/records.md, "Decisions"), determinism, and fail-closed evaluation.
#include <nlohmann/json.hpp>

#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/render/render.hpp"
#include "tests/support.hpp"

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
  std::vector<std::string> want = {"as_of",        "classification", "engine", "exception", "fee_total_cents",
                                   "fees",         "fired",          "id",     "input_sha256", "notes",
                                   "review",       "rulesets",       "schema", "type",      "verdict"};
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

namespace {
// The reference rendering of the decision contract (docs/records.md) through nlohmann's ordered_json (the renderer
// before it was written by hand for speed). The production renderer must give the same bytes.
std::string reference_json(const Program& p, const Record& r, const Decision& d) {
  using ojson = nlohmann::ordered_json;
  auto null_or = [](const char* s) { return *s ? ojson(s) : ojson(nullptr); };
  ojson j;
  j["schema"] = decision_schema;
  j["id"] = r.id;
  j["type"] = to_string(r.kind);
  j["as_of"] = format_date(d.as_of);
  j["classification"] = klass_name(d.klass);
  j["verdict"] = to_string(d.verdict);
  j["review"] = null_or(to_string(d.review));
  j["exception"] = null_or(to_string(d.exception));
  ojson fees = ojson::array();
  for (int i = 0; i < d.fee_count; ++i) {
    const Rule& rule = p.rules[static_cast<size_t>(d.fee_rule[static_cast<size_t>(i)])];
    ojson f;
    f["rule"] = rule.id;
    f["rate"] = rule.rate_text;
    f["base_cents"] = d.fee_base_cents[static_cast<size_t>(i)];
    f["amount_cents"] = d.fee_cents[static_cast<size_t>(i)];
    f["citation"] = rule.citation;
    fees.push_back(f);
  }
  j["fees"] = fees;
  j["fee_total_cents"] = d.fee_total_cents;
  ojson fired = ojson::array();
  for (size_t i = 0; i < p.rules.size(); ++i) {
    if (!d.has_fired(static_cast<int>(i))) continue;
    const Rule& rule = p.rules[i];
    ojson f;
    f["rule"] = rule.id;
    f["ruleset"] = p.rulesets[static_cast<size_t>(rule.ruleset)].id;
    f["citation"] = rule.citation;
    f["because"] = explain_rule(p, static_cast<int>(i), r.facts, d.as_of, d.klass);
    fired.push_back(f);
  }
  j["fired"] = fired;
  ojson notes = ojson::array();  // docs/records.md, encoding.md r2: each fired note's rule, citation and text
  for (size_t i = 0; i < p.rules.size(); ++i) {
    if (!d.has_fired(static_cast<int>(i)) || p.rules[i].kind != RuleKind::note) continue;
    ojson n;
    n["rule"] = p.rules[i].id;
    n["citation"] = p.rules[i].citation;
    n["text"] = p.rules[i].text;
    notes.push_back(n);
  }
  j["notes"] = notes;
  ojson sets = ojson::array();
  for (int rs : d.active->rulesets) {
    ojson s;
    s["id"] = p.rulesets[static_cast<size_t>(rs)].id;
    s["sha256"] = p.rulesets[static_cast<size_t>(rs)].sha256;
    sets.push_back(s);
  }
  j["rulesets"] = sets;
  j["input_sha256"] = sha256_hex(r.canonical);
  j["engine"] = engine_version;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

TEST_CASE("the hand-written JSON renderer gives nlohmann's bytes, on every sample and case record") {
  std::vector<Record> records =
      read_records(test::slurp(test::source_dir() + "/fixtures/orders/sample_orders.jsonl"), InputFormat::jsonl,
                   &test::catalog());
  auto csv = read_records(test::slurp(test::source_dir() + "/fixtures/orders/sample_orders.csv"), InputFormat::csv,
                          &test::catalog());
  records.insert(records.end(), csv.begin(), csv.end());
  // Strings that need escaping: quotes, backslashes, control characters, non-ASCII, invalid UTF-8.
  records.push_back(record_from_json(
      R"({"type":"shipment","id":"S-\"q\"\\ \t é \u0001","date":"2025-09-01","chip":"H20","destination":"CN","end_user_hq":"CN","quantity":10,"unit_price_usd":"12000.00"})",
      1, &test::catalog()));
  records.push_back(record_from_json(
      "{\"type\":\"shipment\",\"id\":\"bad \xff utf8\",\"date\":\"2026-03-01\",\"chip\":\"H200 SXM 141GB\","
      "\"destination\":\"CN\",\"end_user_hq\":\"CN\",\"quantity\":3,\"unit_price_usd\":\"30000.05\"}",
      1, &test::catalog()));
  int compared = 0;
  for (const auto& r : records) {
    if (!r.ok) continue;
    for (Day day : {*parse_date("2022-11-01"), *parse_date("2023-12-01"), *parse_date("2025-09-01"),
                    *parse_date("2026-03-01")})  // 2025-09-01 and 2026-03-01 carry notes (H20 levy, H200, Diffusion)
      for (bool proposed : {false, true}) {
        Decision d = evaluate(test::bundled(), r.facts, r.base_cents, day, EvalOptions{proposed});
        if (d.failed) continue;
        JsonLayout layout;
        std::string fast = decision_json(test::bundled(), r, d, &layout);
        CHECK(fast == reference_json(test::bundled(), r, d));
        // The trace store keeps the parts; put together they give the same bytes.
        auto sub = [&](size_t b, size_t e) { return std::string_view(fast).substr(b, e - b); };
        auto jj = json::parse(fast);
        std::string id = jj["id"], type = jj["type"], as_of = jj["as_of"], klass = jj["classification"],
                    verdict = jj["verdict"], in_sha = jj["input_sha256"], engine = jj["engine"];
        std::string review = jj["review"].is_null() ? "" : jj["review"].get<std::string>();
        std::string exception = jj["exception"].is_null() ? "" : jj["exception"].get<std::string>();
        DecisionParts parts{id, type, as_of, klass, verdict, review, exception,
                            sub(layout.fees_begin, layout.fees_end), sub(layout.fired_begin, layout.fired_end),
                            sub(layout.rulesets_begin, layout.rulesets_end), in_sha, engine,
                            jj["fee_total_cents"].get<int64_t>()};
        CHECK(decision_json_from_parts(parts) == fast);
        for (auto [b, e, key] : {std::tuple{layout.fees_begin, layout.fees_end, "\"fees\":"},
                                 std::tuple{layout.fired_begin, layout.fired_end, "\"fired\":"},
                                 std::tuple{layout.rulesets_begin, layout.rulesets_end, "\"rulesets\":"}}) {
          std::string k(key);
          CHECK(fast.compare(b - k.size(), k.size(), k) == 0);
          CHECK(fast[b] == '[');
          CHECK(fast[e - 1] == ']');
          // The fired part runs on over the notes array (render.hpp, JsonLayout): the store keeps both as one text.
          if (k == "\"fired\":") {
            auto both = json::parse("{" + std::string(fast.substr(b - k.size(), e - b + k.size())) + "}");
            CHECK(both["fired"].is_array());
            CHECK(both["notes"].is_array());
            CHECK(both.size() == 2);
          } else {
            CHECK(json::parse(fast.substr(b, e - b)).is_array());
          }
        }
        ++compared;
      }
  }
  CHECK(compared > 100);
}
