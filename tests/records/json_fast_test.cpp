// The JSONL fast path (read_json_row: simdjson On Demand, engine/records/record.cpp) against the general path
// (record_from_json: nlohmann's SAX parser): for any line, the same Record or the same error, word for word; good
// flat lines do take the fast path; the checks the general path makes (duplicate keys, exact number texts,
// nesting, trailing text) are kept.
#include <random>

#include "tests/support.hpp"

namespace tollgate {
namespace {

// Both paths on one line; true if the fast path took it.
bool compare(const std::string& line, Record& reused, const Catalog& catalog = test::catalog()) {
  CAPTURE(line);
  const uint64_t before = json_fast_rows();
  read_json_row(line, 7, &catalog, true, reused);
  const bool fast = json_fast_rows() != before;
  Record general = record_from_json(line, 7, &catalog);
  test::same_record(reused, general);
  Record no_canonical;  // as the audit reads without a store: the same but for the canonical JSON
  read_json_row(line, 7, &catalog, false, no_canonical);
  CHECK(no_canonical.ok == general.ok);
  CHECK(no_canonical.error.message == general.error.message);
  return fast;
}

const char* const ship =
    R"({"type":"shipment","id":"2","date":"2022-08-26","chip":"H20","destination":"TW","end_user":"Hosting Co, Ltd","end_user_hq":"TW","quantity":25,"unit_price_usd":"19769.30","export_from":"US","end_user_parent_hq":"TW"})";
const char* const fab =
    R"({"type":"fab_order","id":"F-1","date":"2022-08-26","role":"front_end_fabricator","designer":"Startup Inc","designer_hq":"JP","designer_status":"none","designer_attests_not_3a090a":false,"process_nm":12,"non_planar":true,"transistors_billion":14.8,"has_hbm":true,"packaged_by":"front_end_fabricator","packaged_in":"TW","designer_location":"JP","designer_parent_hq":"RU","destination":"JP","quantity":3280,"unit_price_usd":158.33})";

// The bundled rules plus fields declared in rules/ only (as tests/cli/cli_schema_field.sh adds them to a copy of
// rules/schema.tg), compiled together: the catalog loaded with that schema reads records by it.
const Program& extended() {
  static const std::shared_ptr<const Program> p = [] {
    LoadResult bundled = load_rules({test::source_dir() + "/rules"});
    REQUIRE(bundled.ok());
    std::vector<syntax::File> files = bundled.files;
    auto extra = parse_rules(R"(field rack_power_kw on shipment
  type number
  positive
  doc "Test field: the racks' power in kW"

field site_code on shipment
  type text
  doc "Test field"

field racks on shipment
  type integer
  doc "Test field: a whole number"

field liquid_cooled on shipment
  type boolean
  doc "Test field"

field commissioned on fab_order
  type date
  doc "Test field"

field site_country on fab_order
  type country
  doc "Test field"
)", "extra.tg");
    for (const auto& d : extra.diagnostics) MESSAGE(render_human(d));
    REQUIRE(extra.ok());
    files.push_back(extra.file);
    auto r = compile(files);
    for (const auto& d : r.diagnostics) MESSAGE(render_human(d));
    REQUIRE(r.program);
    return r.program;
  }();
  return *p;
}

const Catalog& extended_catalog() {
  static const Catalog c = Catalog::load(test::source_dir() + "/fixtures/chips.csv", extended().schema);
  return c;
}

}  // namespace

TEST_CASE("JSONL lines read by the fast path and by the general path give the same record or the same error") {
  Record reused;
  // Good lines (as `tollgate generate` writes them): the fast path.
  CHECK(compare(ship, reused));
  CHECK(compare(fab, reused));
  CHECK(compare(R"(  {"id":"x","date":"2025-01-01","chip":"H100 SXM5 80GB","destination":"CN","quantity":1,"unit_price_usd":100.5, "license": null}  )", reused));
  CHECK(compare(R"({"id":"\u0041\"b","date":"2025-01-01","chip":"A30","destination":"CN","quantity":1,"unit_price_usd":"0.5"})", reused));
  // Anything unusual: the general path, with its own error (or result).
  const std::vector<std::string> general = {
      R"({"id":"2","id":"3","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1"})",  // duplicate key
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1"} {"a":1})",  // trailing text
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1"}])",
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1")",  // unclosed
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":-0,"unit_price_usd":"1"})",
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":01,"unit_price_usd":"1"})",
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1.0,"unit_price_usd":"1"})",
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":0.005})",
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":"1","unit_price_usd":"1"})",
      R"({"id":"2","date":"2025-01-01","chip":"NVIDIA H20","destination":"CN","quantity":1,"unit_price_usd":"1"})",  // a name as sold
      R"({"id":"2","date":"2025-01-01","chip":"H100","destination":"CN","quantity":1,"unit_price_usd":"1"})",  // ambiguous
      R"({"id":"2","date":"2025-01-01","chip":{"tpp":4800,"datacenter":true},"destination":"CN","quantity":1,"unit_price_usd":"1"})",
      R"({"id":"","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1"})",
      R"({"id":"a\u0001","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1"})",
      R"({"id":"2","date":"2025-02-30","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1"})",
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"cn","quantity":1,"unit_price_usd":"1"})",
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1","hs_code":"8542"})",
      R"({"id":"2","zzz":null,"date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1"})",
      R"({"type":null,"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1"})",
      R"({"type":"chip","name":"x","tpp":1})",
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1})",  // missing field
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1e400,"unit_price_usd":"1"})",
      R"({"id":"2","date":"2025-01-01","chip":"H20","destination":"CN","quantity":99999999999999999999999,"unit_price_usd":"1"})",
      R"({"a":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]})",  // deeper than the nesting limit
      "[1,2]", "1", "\"x\"", "{}", "", "   ", "{\"id\":\"\xff\"}", "\xef\xbb\xbf{}",
  };
  for (const auto& line : general) CHECK_FALSE(compare(line, reused));
}

TEST_CASE("a field declared only in rules/ is read by the JSONL fast path as by the general path") {
  const Catalog& c = extended_catalog();
  const Schema& schema = extended().schema;
  const FieldInfo* power = schema.find("rack_power_kw");
  const FieldInfo* site = schema.find("site_code");
  const FieldInfo* cooled = schema.find("liquid_cooled");
  const FieldInfo* commissioned = schema.find("commissioned");
  const FieldInfo* site_country = schema.find("site_country");
  REQUIRE(power);
  REQUIRE(site);
  REQUIRE(cooled);
  REQUIRE(commissioned);
  REQUIRE(site_country);
  Record reused;
  const std::string head = R"({"id":"x","date":"2025-01-01","chip":"H20","destination":"CN","quantity":1,"unit_price_usd":"1")";
  // With the catalog of the bundled schema, which does not declare the field: an unknown field by both paths. (First:
  // the next line, the same keys read by the other schema, must not be judged by what this one learnt of them.)
  CHECK_FALSE(compare(head + R"(,"rack_power_kw":120.5,"site_code":"FRA-2","liquid_cooled":true})", reused));
  CHECK(reused.error.code == "tollgate.input.unknown-field");
  // Good values: the fast path, and the field in its slot.
  CHECK(compare(head + R"(,"rack_power_kw":120.5,"site_code":"FRA-2","liquid_cooled":true})", reused, c));
  REQUIRE(reused.ok);
  CHECK(reused.facts.num[static_cast<size_t>(power->slot)] == 120'500'000);
  CHECK(reused.facts.text(site->slot) == "FRA-2");
  CHECK(reused.facts.num[static_cast<size_t>(cooled->slot)] == 1);
  std::string fab_line = fab;
  fab_line.insert(fab_line.size() - 1, R"(,"commissioned":"2024-03-01","site_country":"DE")");
  CHECK(compare(fab_line, reused, c));
  REQUIRE(reused.ok);
  CHECK(reused.facts.has(commissioned->slot));
  CHECK(reused.facts.has(site_country->slot));
  // Bad values of the declared fields, and a declared integer: the general path, with the same error or record.
  for (const std::string tail : {R"(,"rack_power_kw":0})", R"(,"rack_power_kw":"120"})", R"(,"rack_power_kw":-1})",
                                 R"(,"liquid_cooled":"yes"})", R"(,"site_code":5})", R"(,"racks":12})",
                                 R"(,"racks":"12"})", R"(,"racks":1.5})", R"(,"rack_power_kw":1,"rack_power_kw":2})"})
    CHECK_FALSE(compare(head + tail, reused, c));
  const std::string fab_text = fab;
  CHECK_FALSE(compare(fab_text.substr(0, fab_text.size() - 1) + R"(,"site_country":"de"})", reused, c));
}

TEST_CASE("randomly damaged JSONL lines: the fast path never accepts what the general path refuses") {
  // Bytes of the good lines, dropped, doubled or replaced by JSON's special characters: whatever comes out, the
  // record (or the error) must be what the general path makes of it.
  std::mt19937 rng(15);
  const std::string alphabet = "{}[]\":,\\ 0123456789.-+eEtrufalsn\x01\xc3\xa9";
  int fast = 0, ok = 0;
  Record reused;
  for (int i = 0; i < 20000; ++i) {
    std::string line = i % 2 ? ship : fab;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % line.size();
      switch (rng() % 3) {
        case 0: line.erase(at, 1); break;
        case 1: line.insert(at, 1, line[at]); break;
        default: line[at] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    fast += compare(line, reused);
    ok += reused.ok;
  }
  CHECK(fast > 100);  // many damaged lines are still good ones (a text changed), and took the fast path
  CHECK(ok >= fast);
}

}  // namespace tollgate
