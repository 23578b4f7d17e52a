// tollgate tests — record readers: every kind of bad record is reported with its line, field and reason, and
// the records after it are still judged.
#include "support.hpp"

using namespace tollgate;

namespace {
const char* good = R"({"type":"shipment","id":"OK","date":"2025-01-10","chip":"H100 SXM5 80GB","destination":"DE","end_user_hq":"DE","quantity":1,"unit_price_usd":"1.00"})";

// Reads `bad` followed by a good record; returns the first record after checking the second went through.
Record read_bad(const std::string& bad) {
  auto recs = read_records(bad + "\n" + good + "\n", InputFormat::jsonl, &test::catalog());
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].ok);
  CHECK(recs[1].line == 2);
  CHECK(recs[0].line == 1);
  return recs[0];
}
}  // namespace

TEST_CASE("each kind of bad record gives its error, and the next record goes through") {
  struct Bad {
    const char* json;
    const char* code;
    const char* field;
  };
  const Bad cases[] = {
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1.00","colour":"red"})",
       "tollgate.input.unknown-field", "colour"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"CN","quantity":"ten","unit_price_usd":"1.00"})",
       "tollgate.input.type", "quantity"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"CN","quantity":-5,"unit_price_usd":"1.00"})",
       "tollgate.input.value", "quantity"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"CN","quantity":0,"unit_price_usd":"1.00"})",
       "tollgate.input.value", "quantity"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"CN","quantity":99999999999,"unit_price_usd":"1.00"})",
       "tollgate.input.value", "quantity"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"XX","quantity":1,"unit_price_usd":"1.00"})",
       "tollgate.input.country", "destination"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"cn","quantity":1,"unit_price_usd":"1.00"})",
       "tollgate.input.country", "destination"},
      {R"({"type":"shipment","id":"A","date":"2025-02-30","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1.00"})",
       "tollgate.input.date", "date"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"CN","quantity":1000000000,"unit_price_usd":"99999999999.00"})",
       "tollgate.input.money", "unit_price_usd"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1.001"})",
       "tollgate.input.money", "unit_price_usd"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":1e3})",
       "tollgate.input.money", "unit_price_usd"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H2O","destination":"CN","quantity":1,"unit_price_usd":"1.00"})",
       "tollgate.input.unknown-chip", "chip"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":{"tpp":-1},"destination":"CN","quantity":1,"unit_price_usd":"1.00"})",
       "tollgate.input.value", "chip.tpp"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":{"tpp":5000,"die_area":800},"destination":"CN","quantity":1,"unit_price_usd":"1.00"})",
       "tollgate.input.unknown-field", "chip.die_area"},
      {R"({"type":"shipment","id":"A","date":"2025-01-10","chip":"H20","destination":"CN","quantity":1})",
       "tollgate.input.missing-field", "unit_price_usd"},
      {R"({"type":"shipment","id":"A","id":"B","date":"2025-01-10","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1.00"})",
       "tollgate.input.json", ""},
      {R"({"type":"shipment", "id": )", "tollgate.input.json", ""},
      {R"({"type":"parcel","id":"A"})", "tollgate.input.type", "type"},
      {R"({"type":"fab_order","id":"F","date":"2025-06-01","role":"foundry","designer_hq":"US","designer_status":"none","destination":"US"})",
       "tollgate.input.value", "role"},
      {R"([1,2,3])", "tollgate.input.type", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    Record r = read_bad(c.json);
    CHECK_FALSE(r.ok);
    CHECK(r.error.code == c.code);
    CHECK(r.error.field == c.field);
    CHECK(!r.error.message.empty());
  }
}

TEST_CASE("CSV rows: catalog chip or chip_ columns, empty cells are absent, bad rows keep their line") {
  std::string csv =
      "type,id,date,chip,chip_tpp,chip_die_area_mm2,chip_datacenter,destination,end_user_hq,quantity,unit_price_usd\n"
      "shipment,C1,2024-01-10,H20,,,,CN,CN,10,\"12,000.00\"\n"
      "shipment,C2,2024-01-10,,5000,800,true,CN,CN,10,100.50\n"
      "shipment,C3,2024-01-10,,5000,800,maybe,CN,CN,10,100.50\n"
      "shipment,C4,2024-01-10,H20,,,,CN,CN,10\n"
      "shipment,\"C5\nwith newline\",2024-01-10,H20,,,,CN,CN,10,1.00\n"
      "shipment,C6,2024-01-10,H20,,,,CN,CN,10,1.00\n";
  auto recs = read_records(csv, InputFormat::csv, &test::catalog());
  REQUIRE(recs.size() == 6);
  CHECK_FALSE(recs[0].ok);  // "12,000.00" is not a decimal amount
  CHECK(recs[0].error.field == "unit_price_usd");
  CHECK(recs[0].line == 2);
  CHECK(recs[1].ok);
  CHECK(recs[1].facts.num[s_chip_tpp] == 5000);
  CHECK(recs[1].base_cents == 100500);
  CHECK_FALSE(recs[2].ok);
  CHECK(recs[2].error.field == "chip.datacenter");
  CHECK_FALSE(recs[3].ok);
  CHECK(recs[3].error.code == "tollgate.input.csv");
  CHECK(recs[4].ok);  // a quoted cell may hold a newline
  CHECK(recs[4].line == 6);
  CHECK(recs[5].ok);
  CHECK(recs[5].line == 8);
}

TEST_CASE("TPP is derived from peak dense TOPS x bit length when not given") {
  auto r = record_from_json(R"({"type":"chip","name":"X","peak_dense_tops":600,"bit_length":8})", 1, nullptr);
  REQUIRE(r.ok);
  CHECK(r.facts.num[s_chip_tpp] == 4800);
}
