// tollgate tests — "why not" (issue 18): for a rule that did not fire, the condition that kept it from firing and the
// margin to its threshold, computed exactly. One case per threshold kind: TPP, performance density, memory
// bandwidth, and a date before a rule takes effect.
#include <string>

#include "engine/base/date.hpp"
#include "engine/render/render.hpp"
#include "tests/support.hpp"

using namespace tollgate;
using namespace tollgate::test;

namespace {

Record shipment(const std::string& json) {
  Record r = record_from_json(json, 1, &catalog());
  REQUIRE_MESSAGE(r.ok, r.error.message);
  return r;
}

struct Found {
  bool rule = false;
  WhyNotCondition cond;
  const WhyNotRule* why = nullptr;
};

// The why-not entry of `rule_id` and its condition on `field`.
Found find(const std::vector<WhyNotRule>& why, const std::string& rule_id, const std::string& field) {
  Found f;
  for (const auto& w : why) {
    if (bundled().rules[static_cast<size_t>(w.rule)].id != rule_id) continue;
    f.rule = true;
    f.why = &w;
    for (const auto& c : w.conditions)
      if (c.field == field) f.cond = c;
  }
  return f;
}

std::vector<WhyNotRule> why_of(const Record& r, Day day, Decision* out = nullptr) {
  Decision d = evaluate(bundled(), r.facts, r.base_cents, day, EvalOptions{});
  REQUIRE_FALSE(d.failed);
  if (out) *out = d;
  return why_not(bundled(), r.facts, r.base_cents, d, EvalOptions{});
}

}  // namespace

TEST_CASE("why not: TPP below 3A090.a.1's 4800, with the exact margin") {
  // The H20: TPP 2,368 (fixtures/chips.csv, from shared/reference/chips.csv); 3A090.a.1 needs TPP >= 4800
  // (15 CFR 774 Supp. 1, 88 FR 73458). 4800 - 2368 = 2432: the issue's own example.
  Record r = shipment(R"({"type":"shipment","id":"W-TPP","date":"2024-06-01","chip":"H20","destination":"FR",
    "end_user_hq":"FR","end_user_parent_hq":"FR","quantity":1,"unit_price_usd":"12000"})");
  Decision d;
  auto why = why_of(r, *parse_date("2024-06-01"), &d);
  CHECK(d.verdict == Verdict::allowed);
  Found f = find(why, "r2023_3a090_a_1", "chip.tpp");
  REQUIRE(f.rule);
  CHECK(f.cond.value == "2368");
  CHECK(f.cond.needs == ">=");
  CHECK(f.cond.threshold == "4800");
  CHECK(f.cond.margin == "2432");
  CHECK(f.cond.margin_exact);
  CHECK(f.cond.text == "chip.tpp = 2,368 is 2,432 below 4,800");
}

TEST_CASE("why not: performance density below 3A090.b.2's 3.2, margin exact as a fraction") {
  // H20: PD = 2368 / 814 mm2 = 2.90909... (fixtures/chips.csv); 3A090.b.2 needs 3.2 <= PD (88 FR 73458).
  // 3.2 - 2368/814 = 236.8/814 = 0.2909090... : not a terminating decimal, so rounded and marked inexact.
  Record r = shipment(R"({"type":"shipment","id":"W-PD","date":"2024-06-01","chip":"H20","destination":"FR",
    "end_user_hq":"FR","end_user_parent_hq":"FR","quantity":1,"unit_price_usd":"12000"})");
  auto why = why_of(r, *parse_date("2024-06-01"));
  Found f = find(why, "r2023_3a090_b_2", "pd");
  REQUIRE(f.rule);
  CHECK(f.cond.value == "2.90909");
  CHECK(f.cond.needs == ">=");
  CHECK(f.cond.threshold == "3.2");
  CHECK(f.cond.margin == "0.290909");
  CHECK_FALSE(f.cond.margin_exact);
  CHECK(f.cond.text == "pd = 2.90909 is about 0.290909 below 3.2");
}

TEST_CASE("why not: memory bandwidth below the H20 rule's 4000 GB/s") {
  // The H20-class test (rules/us_2025_h20.tg; BIS is-informed notice of 2025-04-09): a datacenter chip below
  // 3A090.a with memory bandwidth >= 4,000 GB/s or interconnect >= 900 GB/s. A chip at 3,500 GB/s and 400 GB/s to
  // China is 500 GB/s short of the licence requirement.
  Record r = shipment(R"({"type":"shipment","id":"W-MBW","date":"2025-09-01","chip":{"name":"X1","datacenter":true,
    "tpp":1000,"die_area_mm2":500,"memory_bw_gbps":3500,"interconnect_gbps":400},"destination":"CN",
    "end_user_hq":"CN","end_user_parent_hq":"CN","quantity":1,"unit_price_usd":"1000"})");
  Decision d;
  auto why = why_of(r, *parse_date("2025-09-01"), &d);
  CHECK(d.verdict == Verdict::allowed);
  Found f = find(why, "h20_license_case_by_case", "chip.memory_bw_gbps");
  REQUIRE(f.rule);
  CHECK(f.cond.value == "3500");
  CHECK(f.cond.threshold == "4000");
  CHECK(f.cond.margin == "500");
  CHECK(f.cond.unit == "GB/s");
  CHECK(f.cond.text == "chip.memory_bw_gbps = 3,500 GB/s is 500 GB/s below 4,000 GB/s");
}

TEST_CASE("why not: a date before the H20 licence requirement takes effect") {
  // The H20 licence requirement took effect on 2025-04-09 (BIS is-informed notice; us_2025_h20.tg). An H20
  // shipment to China dated 2025-04-01 is ALLOWED, 8 days before it.
  Record r = shipment(R"({"type":"shipment","id":"W-DATE","date":"2025-04-01","chip":"H20","destination":"CN",
    "end_user_hq":"CN","end_user_parent_hq":"CN","quantity":1,"unit_price_usd":"12000"})");
  Decision d;
  auto why = why_of(r, *parse_date("2025-04-01"), &d);
  CHECK(d.verdict == Verdict::allowed);
  Found f = find(why, "h20_license_denial", "date");
  REQUIRE(f.rule);
  CHECK(f.why->takes_effect == *parse_date("2025-04-09"));
  CHECK(f.cond.value == "2025-04-01");
  CHECK(f.cond.threshold == "2025-04-09");
  CHECK(f.cond.margin == "8");
  CHECK(f.cond.unit == "days");
}

TEST_CASE("why not: the JSON field, nearest first, and nothing for a rule that fired") {
  Record r = shipment(R"({"type":"shipment","id":"W-JSON","date":"2024-06-01","chip":"H20","destination":"FR",
    "end_user_hq":"FR","end_user_parent_hq":"FR","quantity":1,"unit_price_usd":"12000"})");
  Decision d = evaluate(bundled(), r.facts, r.base_cents, *parse_date("2024-06-01"), EvalOptions{});
  const std::string plain = decision_json(bundled(), r, d);
  const std::string explained = decision_json_explained(bundled(), r, d, EvalOptions{});
  CHECK(plain.find("why_not") == std::string::npos);  // the stored contract is unchanged unless asked
  CHECK(explained.find(",\"why_not\":[{\"rule\":") != std::string::npos);
  CHECK(explained.find(",\"rulesets\":") > explained.find("why_not"));
  auto why = why_not(bundled(), r.facts, r.base_cents, d, EvalOptions{});
  for (size_t i = 1; i < why.size(); ++i)
    if (why[i].takes_effect == day_min) CHECK(why[i - 1].conditions.size() <= why[i].conditions.size());
  for (const auto& w : why) CHECK_FALSE(d.has_fired(w.rule));
  const std::string text = decision_text(bundled(), r, d, EvalOptions{}, 3);
  CHECK(text.find("why not") != std::string::npos);
  CHECK(text.find("chip.tpp = 2,368 is 2,432 below 4,800") != std::string::npos);
}
