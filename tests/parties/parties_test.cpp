// tollgate tests — parties screened inside decisions (engine/parties): the new record fields, what a match does to a
// decision, possible matches as errors, resolutions, the affiliates arithmetic and its dates, the JSON evidence.
// Entries: fixtures/lists/csl_sample.csv (public Entity List rows and made-up test parties).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "engine/parties/parties.hpp"
#include "engine/render/render.hpp"
#include "tests/support.hpp"

using namespace tollgate;

namespace {

std::shared_ptr<const PartyLists> sample_lists() {
  static auto l = load_party_lists({test::source_dir() + "/fixtures/lists/csl_sample.csv"}, "");
  return l;
}

Record shipment(const std::string& extra, const std::string& date = "2026-11-15", const std::string& hq = "DE") {
  std::string json = R"({"type":"shipment","id":"P-1","date":")" + date +
                     R"(","chip":{"name":"Tiny Edge NPU","datacenter":false,"tpp":100},"destination":"DE",)"
                     R"("end_user_hq":")" + hq + R"(","end_user_parent_hq":"DE","quantity":1,"unit_price_usd":"1.00")" + extra + "}";
  Record r = record_from_json(json, 1, &test::catalog());
  REQUIRE_MESSAGE(r.ok, r.error.message);
  return r;
}

struct Judged {
  Decision d;
  nlohmann::json screening;
};

Judged judge(PartyScreen& ps, const Record& r, const PartyScreen::Ahead* ahead = nullptr) {
  Judged j;
  j.d = evaluate(test::bundled(), r.facts, r.base_cents, r.date, EvalOptions{});
  const PartyOutcome& o = ps.apply(r.facts, r.kind, r.date, j.d, ahead);
  if (!o.json().empty()) {
    std::string member = "{";
    member.append(o.json(), 1);
    member += '}';
    j.screening = nlohmann::json::parse(member)["screening"];
  }
  return j;
}

}  // namespace

TEST_CASE("parties: end_user_owners read from a JSON array and from a CSV cell to the same canonical text") {
  Record a = shipment(R"(,"end_user":"X GmbH","end_user_owners":[{"name":"Alpha AG","percent":"49.90","country":"DE"},)"
                      R"({"name":"Beta","percent":50.1},{"name":"Gamma","percent":10,"of":"Alpha AG"}])");
  CHECK(a.facts.text(t_end_user_owners) == "Alpha AG:49.9:DE;Beta:50.1;Gamma:10::Alpha AG");
  std::vector<std::string> header = {"type", "id", "date", "chip", "destination", "quantity", "unit_price_usd",
                                     "end_user_owners"};
  Record b = record_from_csv(header, "shipment,C-1,2026-01-01,H100 SXM5 80GB,DE,1,1.00,Alpha AG:49.90:DE;Beta:50.1;Gamma:10::Alpha AG",
                             2, &test::catalog());
  REQUIRE_MESSAGE(b.ok, b.error.message);
  CHECK(b.facts.text(t_end_user_owners) == a.facts.text(t_end_user_owners));
  // Bad owners cost only their record, naming the part.
  Record c = record_from_json(R"({"type":"shipment","id":"B","date":"2026-01-01","chip":"H100 SXM5 80GB","destination":"DE",)"
                              R"("quantity":1,"unit_price_usd":"1.00","end_user_owners":[{"name":"A","percent":100.5}]})",
                              1, &test::catalog());
  CHECK_FALSE(c.ok);
  CHECK(c.error.field == "end_user_owners[0].percent");
  Record d = record_from_csv(header, "shipment,C-2,2026-01-01,H100 SXM5 80GB,DE,1,1.00,A:1:DE:B:C", 2, &test::catalog());
  CHECK_FALSE(d.ok);
  CHECK(d.error.field == "end_user_owners[0]");
  Record e = record_from_csv(header, "shipment,C-3,2026-01-01,H100 SXM5 80GB,DE,1,1.00,A:ten", 2, &test::catalog());
  CHECK_FALSE(e.ok);
  CHECK(e.error.field == "end_user_owners[0].percent");
}

TEST_CASE("parties: an Entity List end user -> LICENSE_REQUIRED with the entry's review policy, cited") {
  PartyScreen ps(sample_lists());
  Judged j = judge(ps, shipment(R"(,"end_user":"HUAWEI TECHNOLOGIES CO LTD")"));
  CHECK(j.d.verdict == Verdict::license_required);
  CHECK(j.d.review == Review::presumption_of_denial);
  CHECK(j.screening["effect"]["entry"] == "pub-huawei");
  CHECK(j.screening["effect"]["federal_register_notice"] == "84 FR 22961");
  const auto& m = j.screening["parties"][0]["matches"][0];
  CHECK(m["score"] == 900);  // HQ DE: the entry's address is in CN, so 100 off the names' 1000
  CHECK(m["country"].get<std::string>().find("DE") != std::string::npos);
  CHECK(j.screening["lists"][0]["name"] == "csl_sample.csv");
  CHECK(j.screening["lists"][0]["sha256"] == sha256_file(test::source_dir() + "/fixtures/lists/csl_sample.csv"));
}

TEST_CASE("parties: Denied Persons -> PROHIBITED; an unverified-list match is PROHIBITED by the strict reading") {
  PartyScreen ps(sample_lists());
  Judged a = judge(ps, shipment(R"(,"end_user":"Musterstadt Robotics GmbH","purchaser":"Example Denied Exporter LLC")"));
  CHECK(a.d.verdict == Verdict::prohibited);
  CHECK(a.d.review == Review::none);
  Judged b = judge(ps, shipment(R"(,"intermediate_consignee":"Fictitious Unverified Trading Co., Limited")"));
  CHECK(b.d.verdict == Verdict::prohibited);
  CHECK(b.screening["parties"][0]["matches"][0].contains("effect_note"));
}

TEST_CASE("parties: a possible match is an error naming the party, never ALLOWED; a resolution settles it") {
  PartyScreen ps(sample_lists());
  // HQ CN: the entry's address country (with DE, the country evidence takes the score below the possible threshold)
  Judged j = judge(ps, shipment(R"(,"end_user":"Huawen Technologies Co., Ltd.")", "2026-11-15", "CN"));
  REQUIRE(j.d.failed);
  CHECK(j.d.error().code == "tollgate.screen.possible-match");
  CHECK(j.d.error().field == "end_user");
  CHECK(j.d.error().message.find("possible match: end_user 'Huawen Technologies Co., Ltd.'") == 0);
  CHECK(j.d.error().message.find("resolve it") != std::string::npos);
  // Settled by a resolution row (party, entry, who, when, why): the record is judged, and the evidence shows it.
  Resolutions res;
  res.path = "accepted.csv", res.sha256 = std::string(64, 'a');
  res.items.push_back({"Huawen Technologies Co., Ltd.", "pub-huawei", "A. Officer", "2026-11-20", "a textile firm", 2});
  std::vector<ScreeningList> lists = {read_screening_list(test::source_dir() + "/fixtures/lists/csl_sample.csv")};
  PartyScreen settled(make_party_lists(std::move(lists), std::make_unique<Resolutions>(res)));
  Judged k = judge(settled, shipment(R"(,"end_user":"Huawen Technologies Co., Ltd.")", "2026-11-15", "CN"));
  CHECK_FALSE(k.d.failed);
  CHECK(k.d.verdict == Verdict::allowed);
  CHECK(k.screening["parties"][0]["matches"][0]["resolution"]["who"] == "A. Officer");
  CHECK(k.screening["resolutions"]["sha256"] == std::string(64, 'a'));
}

TEST_CASE("parties: the affiliates arithmetic, exactly, and the rule's dates") {
  PartyScreen ps(sample_lists());
  const std::string tq = R"({"name":"Testville Quantum Devices GmbH","country":"DE","percent":)";
  auto owners = [&](const std::string& pct) {
    return R"(,"end_user":"Musterstadt Robotics GmbH","end_user_owners":[)" + tq + pct +
           R"(},{"name":"Rheinland Family Holding","percent":10}])";
  };
  Judged fifty = judge(ps, shipment(owners("50")));
  CHECK(fifty.d.verdict == Verdict::license_required);
  CHECK(fifty.screening["affiliates"]["applies"] == true);
  CHECK(fifty.screening["affiliates"]["end_user"]["arithmetic"] ==
        "50 % (Testville Quantum Devices GmbH) = 50 % >= 50 %");
  Judged below = judge(ps, shipment(owners("49.999999")));
  CHECK(below.d.verdict == Verdict::allowed);
  CHECK(below.screening["affiliates"]["end_user"]["arithmetic"] ==
        "49.999999 % (Testville Quantum Devices GmbH) = 49.999999 % < 50 %");
  // Suspended 2025-11-10 through 2026-11-09: the same ownership gives nothing then.
  Judged suspended = judge(ps, shipment(owners("50"), "2026-11-09"));
  CHECK(suspended.d.verdict == Verdict::allowed);
  CHECK(suspended.screening["affiliates"]["in_force"] == false);
  CHECK(affiliates_rule_in_force(*parse_date("2025-09-29")));
  CHECK_FALSE(affiliates_rule_in_force(*parse_date("2025-09-28")));
  CHECK(affiliates_rule_in_force(*parse_date("2025-11-09")));
  CHECK_FALSE(affiliates_rule_in_force(*parse_date("2025-11-10")));
  CHECK(affiliates_rule_in_force(*parse_date("2026-11-10")));
  // Owners adding up to more than 100 % are an error, not a guess.
  Judged over = judge(ps, shipment(owners("95")));
  CHECK(over.d.failed);
  CHECK(over.d.error().field == "end_user_owners");
}

TEST_CASE("parties: unknown ownership of an end user that matches nothing is a Red Flag 29 note, not an error") {
  PartyScreen ps(sample_lists());
  Judged j = judge(ps, shipment(R"(,"end_user":"Musterstadt Robotics GmbH")"));
  CHECK(j.d.verdict == Verdict::allowed);
  REQUIRE(j.screening["notes"].size() == 1);
  CHECK(j.screening["notes"][0]["citation"].get<std::string>().find("Red Flag 29") != std::string::npos);
  Judged before = judge(ps, shipment(R"(,"end_user":"Musterstadt Robotics GmbH")", "2026-06-01"));
  CHECK(before.screening["notes"].empty());
}

TEST_CASE("parties: review policy as the list states it; the JSON member goes after the notes; cached results") {
  CHECK(review_from_policy("Presumption of denial.") == Review::presumption_of_denial);
  CHECK(review_from_policy("Case-by-case review.") == Review::case_by_case);
  bool stated = true;
  CHECK(review_from_policy("", &stated) == Review::presumption_of_denial);
  CHECK_FALSE(stated);
  CHECK(review_from_policy("Presumption of denial for items at 10 nm and below; case-by-case for the rest.") ==
        Review::presumption_of_denial);
  CHECK(with_screening(R"({"notes":[],"rulesets":[]})", R"(,"screening":{})") ==
        R"({"notes":[],"screening":{},"rulesets":[]})");
  PartyScreen ps(sample_lists());
  Record r = shipment(R"(,"end_user":"Sophgo Technologies Ltd.")");
  Judged a = judge(ps, r);
  const uint64_t hits = ps.cache_hits();
  Judged b = judge(ps, r);
  CHECK(ps.cache_hits() > hits);  // the second time, the party is known by name (and country)
  CHECK(a.screening == b.screening);
  std::string json = with_screening(decision_json(test::bundled(), r, a.d), ps.screen(r.facts, r.kind, r.date).json());
  CHECK(nlohmann::json::accept(json));
  std::string text = decision_text_from_json(json, record_subject(r));
  CHECK(text.find("screening gives LICENSE_REQUIRED, review presumption_of_denial (EL entry pub-sophgo)") !=
        std::string::npos);
}

TEST_CASE("parties: the name cache tells apart names that differ only past their first bytes, and countries") {
  // The cache compares a name's size and first bytes in place and the rest apart (engine/parties: NameEval::is),
  // after the hashes agree. `colliding` hashes every name alike (hash_mask 0), so that each lookup compares names
  // over the whole probe chain: its decisions must be those of a screen with real hashes.
  PartyScreen colliding(sample_lists(), true, 262144, 0), real(sample_lists());
  const std::string stem(50, 'Q');
  const std::vector<std::pair<std::string, std::string>> parties = {
      {stem + " Alpha Trading", "DE"},  {stem + " Omega Trading", "DE"},  // alike in their first 51 bytes
      {stem + " Alpha Trading", "CN"},  {"Huawei Technologies Co., Ltd.", "CN"},
      {"Huawei Technologies Co., Ltd.", "DE"}, {"Huawei Technologies Co., Ltd.", "CN"},
      {"Sophgo Technologies Ltd.", "CN"}, {"Sophgo Technologies Ltd.", "SG"}, {"Sophgo Technologies Ltd", "CN"}};
  for (int round = 0; round < 2; ++round)
    for (const auto& party : parties) {
      const std::string &name = party.first, &hq = party.second;  // (clang: no structured binding in CAPTURE)
      Record r = shipment(R"(,"end_user":")" + name + "\"", "2026-11-15", hq);
      CAPTURE(name);
      CAPTURE(hq);
      Judged a = judge(colliding, r), b = judge(real, r);
      REQUIRE(b.screening.is_object());
      CHECK(a.screening == b.screening);
      CHECK(a.d.verdict == b.d.verdict);
      // The country is evidence: an HQ away from the entry's addresses lowers the score (docs/screening.md §3),
      // whichever HQ the same name was screened with before.
      if (name.rfind("Huawei", 0) == 0)
        CHECK(b.screening["parties"][0]["matches"][0]["score"] == (hq == "CN" ? 1000 : 900));
    }
  CHECK(colliding.cache_hits() > 0);
}

TEST_CASE("parties: verdicts only (an audit without a store) decide exactly as with the evidence") {
  // PartyScreen(lists, false) builds no JSON (issue 16 item 7): the verdict, review and error must be the same.
  PartyScreen full(sample_lists()), bare(sample_lists(), false);
  const std::string tq = R"({"name":"Testville Quantum Devices GmbH","country":"DE","percent":)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(,"end_user":"Huawei Technologies Co., Ltd.")", "2026-11-15"},
      {R"(,"end_user":"Musterstadt Robotics GmbH","consignee":"Sophgo Technologies Ltd.")", "2026-11-15"},
      {R"(,"end_user":"Musterstadt Robotics GmbH","end_user_owners":[)" + tq + R"(50}])", "2026-11-15"},
      {R"(,"end_user":"Musterstadt Robotics GmbH","end_user_owners":[)" + tq + R"(50}])", "2026-11-09"},
      {R"(,"end_user":"Musterstadt Robotics GmbH","end_user_owners":[)" + tq + R"(49.9}])", "2026-11-15"},
      {R"(,"end_user":"Musterstadt Robotics GmbH","end_user_owners":[)" + tq + R"(25},)" + tq +
           R"(25}])", "2026-11-15"},
      // indirect: an owner held 60 % by a listed party holds 50 % of the end user
      {R"(,"end_user":"Musterstadt Robotics GmbH","end_user_owners":[{"name":"Rheinland Holding","percent":50},)" + tq +
           R"(60,"of":"Rheinland Holding"}])", "2026-11-15"},
      {R"(,"end_user":"Musterstadt Robotics GmbH","end_user_owners":[)" + tq + R"(95},)" + tq + R"(10}])", "2026-11-15"},
      {R"(,"end_user":"Huawen Technologies Co., Ltd.")", "2026-11-15"},
      {R"(,"end_user":"Alpha Clean Instruments GmbH")", "2026-11-15"},
  };
  int listed = 0, failed = 0;
  for (const auto& one : cases) {  // (no structured binding: clang 14 cannot capture one in CAPTURE's lambda)
    const std::string& extra = one.first;
    Record r = shipment(extra, one.second, extra.find("Huawen") != std::string::npos ? "CN" : "DE");
    Judged a = judge(full, r), b = judge(bare, r);
    CAPTURE(extra);
    CHECK(b.screening.is_null());
    CHECK(a.d.failed == b.d.failed);
    if (a.d.failed) {
      ++failed;
      CHECK(a.d.error().code == b.d.error().code);
      CHECK(a.d.error().message == b.d.error().message);
      continue;
    }
    listed += a.d.verdict > Verdict::allowed;
    CHECK(a.d.verdict == b.d.verdict);
    CHECK(a.d.review == b.d.review);
  }
  CHECK(listed == 5);  // Huawei, Sophgo, 50 %, 25+25, indirect
  CHECK(failed == 2);  // owners over 100 %, the possible match
}

TEST_CASE("parties: emptying the caches between records changes no decision, and earlier parts stay valid") {
  // A PartyScreen whose caches hold at most 4 results renews them every few records (in an audit, at 262,144):
  // each decision must be byte for byte what a PartyScreen that never empties them gives, and the parts an outcome
  // handed out (a trace store Entry keeps them until written) must stay readable after a renewal.
  PartyScreen tiny(sample_lists(), true, 4), fresh(sample_lists(), true, 4), big(sample_lists());
  const std::vector<std::string> users = {"Sophgo Technologies Ltd.", "Musterstadt Robotics GmbH",
                                          "Huawei Technologies Co., Ltd.", "Alpha Clean Instruments GmbH",
                                          "Rheinland Holding", "Example Denied Exporter LLC"};
  std::vector<std::pair<std::shared_ptr<const void>, std::array<const HashedText*, 6>>> kept;
  std::vector<std::string> kept_json;
  int renewals = 0;
  const void* last_owner = nullptr;
  for (int i = 0; i < 60; ++i) {
    const std::string extra = R"(,"end_user":")" + users[static_cast<size_t>(i) % users.size()] +
                              R"(","consignee":")" + users[static_cast<size_t>(i * 7 + 3) % users.size()] + "\"";
    Record r = shipment(extra, i % 2 ? "2026-11-15" : "2025-10-01");
    Judged a = judge(tiny, r), b = judge(big, r);
    CAPTURE(i);
    CHECK(a.screening == b.screening);
    // Nothing else keeps `fresh`'s outcomes: a renewal frees the texts no outcome shows any more.
    CHECK(judge(fresh, r).screening == b.screening);
    CHECK(a.d.verdict == b.d.verdict);
    const PartyOutcome& o = tiny.screen(r.facts, r.kind, r.date);
    CHECK(o.json() == big.screen(r.facts, r.kind, r.date).json());
    renewals += o.keep.get() != last_owner;
    last_owner = o.keep.get();
    kept.emplace_back(o.keep, o.parts);
    kept_json.push_back(o.json());
  }
  CHECK(renewals > 5);  // the small limit did renew the texts
  for (size_t i = 0; i < kept.size(); ++i) {  // every outcome's parts, read after all the renewals
    std::string joined;
    bool first = true;
    for (size_t k = 0; k < 6; ++k) {
      const HashedText* t = kept[i].second[k];
      if (!t) continue;
      CHECK(t->sha == sha256(t->text));
      joined.append(t->text, (k >= 1 && k <= 4 && first) ? 1 : 0);
      if (k >= 1 && k <= 4) first = false;
    }
    CHECK(joined == kept_json[i]);
  }
}

TEST_CASE("parties: parties looked up ahead (an audit's hints) give the outcomes of a screen without them") {
  // An audit looks each row's parties up while the rows before it are judged (engine/audit: the table slots two
  // rows ahead, the cached evaluations one row ahead, the stored parts' bytes last) and hands screen() what it found
  // (PartyScreen::Ahead): a hint only. Here hints are made as an audit makes them, in caches small enough to be
  // emptied between a hint and its use, with every name hashing alike, and stale (made for another row): each
  // outcome must be byte for byte what a screen without hints gives.
  const std::vector<std::string> users = {"Sophgo Technologies Ltd.", "Musterstadt Robotics GmbH",
                                          "Huawei Technologies Co., Ltd.", "Alpha Clean Instruments GmbH",
                                          "Rheinland Holding", "Example Denied Exporter LLC", "Huawen Technologies Co., Ltd."};
  std::vector<Record> rows;
  for (size_t i = 0; i < 40; ++i)
    rows.push_back(shipment(R"(,"end_user":")" + users[i % users.size()] + R"(","consignee":")" +
                                users[(i * 5 + 2) % users.size()] + R"(","purchaser":")" +
                                users[(i * 3 + 1) % users.size()] + "\"",
                            i % 3 ? "2026-11-15" : "2025-10-01", i % 4 ? "DE" : "CN"));
  PartyScreen plain(sample_lists());
  std::vector<Judged> want;
  for (const Record& r : rows) want.push_back(judge(plain, r));
  for (size_t limit : {size_t{4}, size_t{262144}})
    for (uint64_t mask : {~uint64_t{0}, uint64_t{0}})
      for (size_t stale : {size_t{0}, size_t{1}}) {  // 1: each row gets the hint made for the row after it
        CAPTURE(limit);
        CAPTURE(mask);
        CAPTURE(stale);
        PartyScreen ps(sample_lists(), true, limit, mask);
        std::vector<PartyScreen::Ahead> ahead(rows.size() + 1);
        const size_t n = rows.size();
        for (size_t k = 0; k < std::min<size_t>(2, n); ++k) ps.ahead_slots(rows[k].facts, rows[k].kind, ahead[k]);
        ps.ahead_evals(ahead[0]);
        for (size_t k = 0; k < n; ++k) {
          CAPTURE(k);
          if (k + 2 < n) ps.ahead_slots(rows[k + 2].facts, rows[k + 2].kind, ahead[k + 2]);
          if (k + 1 < n) ps.ahead_evals(ahead[k + 1]);
          Judged got = judge(ps, rows[k], &ahead[std::min(k + stale, n - 1)]);
          if (k + 1 < n) ps.ahead_texts(ahead[k + 1]);
          CHECK(got.screening == want[k].screening);
          CHECK(got.d.failed == want[k].d.failed);
          CHECK(got.d.verdict == want[k].d.verdict);
          CHECK(got.d.review == want[k].d.review);
        }
      }
}

TEST_CASE("parties: a name with no letters or digits cannot be screened: an error, never ALLOWED") {
  // Found by a new user over REST: "!!!" as the end user was screened as "no match" and the order came back ALLOWED,
  // while /v1/screen refused the same name. Nothing of such a name is compared with the lists, so it is not screened
  // (fail closed): tollgate.screen.name, naming the party, with and without the evidence.
  PartyScreen full(sample_lists()), bare(sample_lists(), false);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(,"end_user":"!!!")", "end_user"},
      {R"(,"end_user":"   ")", "end_user"},
      {R"(,"end_user":"\ud83d\ude00")", "end_user"},  // an emoji
      {R"(,"end_user":"Musterstadt Robotics GmbH","consignee":"---")", "consignee"},
      {R"(,"end_user":"Musterstadt Robotics GmbH","purchaser":"...")", "purchaser"},
      {R"(,"end_user":"Musterstadt Robotics GmbH","end_user_owners":[{"name":"??","percent":10}])", "end_user_owners"},
  };
  for (const auto& one : cases) {
    const std::string& extra = one.first;
    CAPTURE(extra);
    Record r = shipment(extra);
    for (PartyScreen* ps : {&full, &bare}) {
      Judged j = judge(*ps, r);
      REQUIRE(j.d.failed);
      CHECK(j.d.error().code == "tollgate.screen.name");
      CHECK(j.d.error().field == one.second);
      CHECK(j.d.error().message.find("cannot be screened") != std::string::npos);
    }
  }
  // A name with letters among its punctuation is screened as usual.
  Judged ok = judge(full, shipment(R"(,"end_user":"!!! Alpha Clean Instruments GmbH !!!")"));
  CHECK_FALSE(ok.d.failed);
  CHECK(ok.d.verdict == Verdict::allowed);
}
