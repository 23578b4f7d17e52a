// tollgate tests — record readers: every kind of bad record is reported with its line, field and reason, and
// the records after it are still judged.
#include <random>

#include "tests/support.hpp"

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
  CHECK(recs[1].facts.num[s_chip_tpp] == 5000 * micro_per_unit);
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
  CHECK(r.facts.num[s_chip_tpp] == 4800 * micro_per_unit);
}

TEST_CASE("the CSV fast path and the general path build the same records") {
  // Every row of the sample CSV, rows from a generated-style log, inline chips, and rows with problems of each
  // kind: whichever path builds a row, the Record must be the same.
  const std::vector<std::string> header = {
      "type", "id", "date", "chip", "destination", "end_user", "end_user_hq", "quantity", "unit_price_usd",
      "export_from", "role", "designer", "designer_hq", "designer_status", "designer_attests_not_3a090a",
      "process_nm", "non_planar", "transistors_billion", "has_hbm", "packager_approved", "packaged_in",
      "chip_name", "chip_tpp", "chip_die_area_mm2", "chip_datacenter", "chip_peak_dense_tops", "chip_bit_length"};
  const std::vector<std::string> rows = {
      "shipment,1,2025-09-01,H20,CN,\"Hosting Co, Ltd\",CN,10,12000.00,US,,,,,,,,,,,,,,,,,",
      "shipment,2,2024-01-15,A800 80GB PCIe,CN,Lab,CN,3,9000,,,,,,,,,,,,,,,,,,",
      "fab_order,F-1,2025-02-01,,CN,,,3876,175.63,,front_end_fabricator,Accelerator Ltd,CN,none,true,12,true,14.8,false,false,TW,,,,,,",
      "shipment,3,2025-09-01,,AE,Lab,AE,1,1.5,US,,,,,,,,,,,,Custom,5000,800,true,,",
      "shipment,4,2025-09-01,,AE,Lab,AE,1,1.5,US,,,,,,,,,,,,,,600,false,300,16",
      ",5,2026-03-01,H200 SXM 141GB,CN,Lab,CN,2,30000.05,TW,,,,,,,,,,,,,,,,,",
      "shipment,6,2025-09-01,H20,XX,Lab,CN,10,12000.00,US,,,,,,,,,,,,,,,,,",        // unknown country
      "shipment,7,2025-02-30,H20,CN,Lab,CN,10,12000.00,US,,,,,,,,,,,,,,,,,",        // impossible date
      "shipment,8,2025-09-01,H20,CN,Lab,CN,-1,12000.00,US,,,,,,,,,,,,,,,,,",        // negative quantity
      "shipment,9,2025-09-01,H20,CN,Lab,CN,1,12000.001,US,,,,,,,,,,,,,,,,,",        // three decimals
      "shipment,10,2025-09-01,H2O,CN,Lab,CN,1,12000,US,,,,,,,,,,,,,,,,,",           // unknown chip
      "shipment,11,2025-09-01,H20,CN,Lab,CN,1,12000,US,osat,,,,,,,,,,,,,,,,",       // fab field on a shipment
      "shipment,12,2025-09-01,H20,CN,Lab,CN,1,12000,US,,,,,,,,,,,,X,100,,,,",       // chip named and inline
      "shipment,13,2025-09-01,,CN,Lab,CN,1,12000,US,,,,,,,,,,,,,,,,,",              // no chip at all
      "chip,14,,,,,,,,,,,,,,,,,,,,Z,100,,,,",                                         // a record type audit rejects
      "widget,15,2025-09-01,H20,CN,Lab,CN,1,12000,US,,,,,,,,,,,,,,,,,",             // unknown type
      "shipment,16,2025-09-01,,CN,Lab,CN,1,12000,US,,,,,,,,,,,,X,abc,,,,",          // bad inline number
  };

  int fast_ok = 0;
  uint64_t fast_before = csv_fast_rows();
  for (size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(rows[i]);
    Record fast = record_from_csv(header, rows[i], i + 2, &test::catalog());
    std::vector<std::string> cells;
    REQUIRE(split_csv_line(rows[i], cells, nullptr));
    REQUIRE(cells.size() == header.size());
    Record general = record_from_csv_general(header, cells, i + 2, &test::catalog(), rows[i]);
    test::same_record(fast, general);
    fast_ok += fast.ok;
  }
  CHECK(fast_ok == 6);
  // The good rows did take the fast path, but for row 4: TPP from peak_dense_tops × bit_length is derived and checked
  // exactly on the cells' texts, by the general path (encoding.md r2).
  CHECK(csv_fast_rows() - fast_before == 5);
  // The audit reads every row into one reused Record: nothing of a row may stay for the next (read forwards, then
  // backwards, so that every row follows a different one), and without the canonical JSON the rest is the same.
  for (bool want_canonical : {true, false}) {
    Record reused;
    for (int pass = 0; pass < 2; ++pass)
      for (size_t k = 0; k < rows.size(); ++k) {
        size_t i = pass == 0 ? k : rows.size() - 1 - k;
        CAPTURE(rows[i]);
        read_csv_row(header, 0, rows[i], i + 2, &test::catalog(), want_canonical, reused);
        Record fresh = record_from_csv(header, rows[i], i + 2, &test::catalog());
        if (!want_canonical && reused.ok) reused.canonical = fresh.canonical;
        test::same_record(reused, fresh);
        for (int sl = 0; sl < slot_count; ++sl)  // nothing of an earlier row lingers in the unset slots either
          if (!reused.facts.has(sl)) CHECK(reused.facts.num[static_cast<size_t>(sl)] == 0);
        CHECK(reused.line == fresh.line);
        CHECK(reused.has_date == fresh.has_date);
      }
  }
}

TEST_CASE("rows split sixteen bytes at a time give the cells split_csv_line gives, quotes and all") {
  // Random cells of commas, quotes, carriage returns and letters, in two text columns of a shipment row: whatever
  // the splitter used, the record (or the error) must be what split_csv_line and the general path make of it.
  const std::vector<std::string> header = {"type", "id", "date", "chip", "destination", "end_user", "end_user_hq",
                                           "quantity", "unit_price_usd", "export_from"};
  std::mt19937 rng(7);
  const char alphabet[] = {'a', ',', '"', '\r', ' ', 'b'};
  auto cell = [&] {
    std::string c;
    int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) c += alphabet[rng() % sizeof alphabet];
    if (rng() % 3 == 0) {  // a well-formed quoted cell
      std::string q = "\"";
      for (char ch : c) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      c = q + "\"";
    }
    return c;
  };
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string row = "shipment," + cell() + ",2025-01-01,H20,CN," + cell() + ",CN,1,1.00,US";
    if (rng() % 4 == 0) row += "\r";
    CAPTURE(row);
    Record got;
    read_csv_row(header, 0, row, 2, &test::catalog(), true, got);
    std::vector<std::string> cells;
    std::string err;
    if (!split_csv_line(row, cells, &err)) {
      CHECK_FALSE(got.ok);
      CHECK(got.error.message == "bad CSV row: " + err);
      continue;
    }
    if (cells.size() != header.size()) {
      CHECK_FALSE(got.ok);
      CHECK(got.error.message == "row has " + std::to_string(cells.size()) + " cells; the header has " +
                                     std::to_string(header.size()));
      continue;
    }
    Record want = record_from_csv_general(header, cells, 2, &test::catalog(), row);
    CHECK(got.ok == want.ok);
    CHECK(got.error.message == want.error.message);
    CHECK(got.canonical == want.canonical);
    CHECK(got.id == want.id);
    ok += got.ok;
  }
  CHECK(ok > 1000);  // plenty of rows were good ones
}

TEST_CASE("a UTF-8 byte order mark before the CSV header or the first JSONL line is not part of the data") {
  // Spreadsheet exports often start with one; the first column would otherwise be "\xEF\xBB\xBFtype".
  auto csv = read_records("\xEF\xBB\xBFtype,id,date,chip,destination,end_user_hq,quantity,unit_price_usd\n"
                          "shipment,B-1,2025-09-01,H20,CN,CN,1,100.00\n",
                          InputFormat::csv, &test::catalog());
  REQUIRE(csv.size() == 1);
  CHECK(csv[0].ok);
  auto jsonl = read_records(std::string("\xEF\xBB\xBF") + good + "\n", InputFormat::jsonl, &test::catalog());
  REQUIRE(jsonl.size() == 1);
  CHECK(jsonl[0].ok);
}

TEST_CASE("a copied catalog finds its chips in itself, after the original is gone") {
  // Catalog::find goes through an index into the catalog's own map: a copy must index its own copy.
  auto copy = std::make_unique<Catalog>(test::catalog());
  Catalog assigned;
  {
    Catalog original = Catalog::load(test::catalog().path, test::bundled().schema);
    assigned = original;
  }
  for (const Catalog* c : {copy.get(), &assigned}) {
    const Facts* h20 = c->find("H20");
    REQUIRE(h20 != nullptr);
    CHECK(h20->text(t_chip_name) == "H20");
    bool inside = false;
    for (const auto& [name, f] : c->chips()) inside |= &f == h20;
    CHECK(inside);
    CHECK(c->find("H2O") == nullptr);
  }
}

// Found by a new user (session 6): README's `echo '{...\n ...}' | tollgate check -` (one record over two lines) was
// read as JSON lines and rejected twice. Standard input starting with '{' is JSON lines unless its first line is not
// a whole value while all that was read is one.
TEST_CASE("standard input: one object over several lines is one JSON record; JSON lines stay JSON lines") {
  CHECK(guess_format("-", "{\"id\":\"a\",\n \"date\":\"2025-09-01\"}\n") == InputFormat::json);
  CHECK(guess_format("-", "  {\n  \"id\": \"a\"\n}") == InputFormat::json);
  CHECK(guess_format("-", "{\"id\":\"a\"}\n{\"id\":\"b\"}\n") == InputFormat::jsonl);
  CHECK(guess_format("-", "{\"id\":\"a\"}") == InputFormat::jsonl);
  // A damaged first line of a JSON lines log: still JSON lines, so only that row is rejected.
  CHECK(guess_format("-", "{\"id\":\"a\"\n{\"id\":\"b\"}\n") == InputFormat::jsonl);
  // A multi-line object cut off by the sniffed head: JSON lines (its rows are rejected, never judged partly).
  CHECK(guess_format("-", "{\"id\":\n\"a\",") == InputFormat::jsonl);
  CHECK(guess_format("x.jsonl", "{\"id\":\"a\",\n \"date\":\"2025-09-01\"}\n") == InputFormat::jsonl);
  auto recs = read_records("{\"type\":\"shipment\",\"id\":\"S-1\",\"date\":\"2025-09-01\",\"chip\":\"H20\",\n"
                           " \"destination\":\"CN\",\"end_user_hq\":\"CN\",\"quantity\":10,\"unit_price_usd\":\"12000.00\"}\n",
                           InputFormat::json, &test::catalog());
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].ok);
}

// Found by a new user (session 6). An HBM stack (hbm_stack true) has no processing units (encoding.md r2, §2
// "3A090.c HBM"): a record that also gives processor figures was judged as a stack, class none, ALLOWED to CN. An
// inline chip named as a catalog chip was judged on its own figures under the catalog chip's name.
TEST_CASE("a chip that contradicts itself, or an inline chip under a catalog name, is an error on every path") {
  const char* hbm = R"({"type":"shipment","id":"HB1","date":"2025-06-01","chip":{"name":"GPU X","tpp":50000,)"
                    R"("die_area_mm2":800,"datacenter":true,"hbm_stack":true,"memory_bw_gbps":100,"package_area_mm2":1000},)"
                    R"("destination":"CN","end_user_hq":"CN","end_user_parent_hq":"CN","quantity":1,"unit_price_usd":"1"})";
  Record r = record_from_json(hbm, 1, &test::catalog());
  CHECK_FALSE(r.ok);
  CHECK(r.error.code == "tollgate.input.hbm-stack");
  CHECK(r.error.field == "chip.hbm_stack");
  Record stack = record_from_json(R"({"type":"chip","name":"My HBM","hbm_stack":true,"memory_bw_gbps":1000,)"
                                  R"("package_area_mm2":121})", 1, &test::catalog());
  CHECK(stack.ok);
  Record chip = record_from_json(R"({"type":"chip","name":"X","peak_dense_tops":100,"bit_length":8,"hbm_stack":true})", 1,
                                 &test::catalog());
  CHECK(chip.error.code == "tollgate.input.hbm-stack");
  Record named = record_from_json(R"({"type":"shipment","id":"N1","date":"2025-06-01","chip":{"name":"H100 SXM5 80GB",)"
                                  R"("tpp":100,"datacenter":false},"destination":"CN","end_user_hq":"CN","quantity":1})", 1,
                                  &test::catalog());
  CHECK(named.error.code == "tollgate.input.chip");
  CHECK(named.error.field == "chip.name");
  // CSV, through the fast path and the general path alike.
  const std::vector<std::string> header = {"id", "date", "chip_name", "chip_tpp", "chip_datacenter", "destination",
                                           "end_user_hq", "quantity", "unit_price_usd"};
  Record c1 = record_from_csv(header, "C1,2025-06-01,H100 SXM5 80GB,100,false,CN,CN,1,1.00", 2, &test::catalog());
  CHECK(c1.error.code == "tollgate.input.chip");
  Record c2 = record_from_csv(header, "C2,2025-06-01,Mine,100,false,CN,CN,1,1.00", 3, &test::catalog());
  CHECK(c2.ok);
  const std::vector<std::string> hbm_header = {"id", "date", "chip_name", "chip_tpp", "chip_hbm_stack", "destination",
                                               "end_user_hq", "quantity", "unit_price_usd"};
  Record c3 = record_from_csv(hbm_header, "C3,2025-06-01,GPU X,50000,true,CN,CN,1,1.00", 4, &test::catalog());
  CHECK(c3.error.code == "tollgate.input.hbm-stack");
}

TEST_CASE("a row a rewriting reader rejected comes back with its error and the row as read, whatever it holds") {
  // decode.hpp's readers (semicolons, UTF-16, .xlsx, column maps) pass a row they cannot rewrite as one line of
  // text; the audit stores the row it carries as the reject's raw (tests/cli/cli_imports.sh: the same in two runs).
  const std::vector<std::string> header = {"id", "date"};
  for (std::string raw : {std::string("S-9;2025-09-15;\"x\"y"), std::string("a%41b\r\nc\x1f" "d%"), std::string()}) {
    CAPTURE(raw);
    const std::string line = rejected_row_text({"tollgate.input.csv", "date", "bad CSV row: why"}, false, raw);
    CHECK(line.find_first_of("\"\r\n") == std::string::npos);  // one line, no quote for the row splitter
    Record got;
    read_csv_row(header, 0, line, 7, &test::catalog(), true, got);
    CHECK(!got.ok);
    CHECK(got.rewriter_reject);
    CHECK(got.rejected_raw == raw);
    CHECK(got.error.code == "tollgate.input.csv");
    CHECK(got.error.field == "date");
    CHECK(got.error.message == "bad CSV row: why");
    CHECK(!got.file_level);
  }
  Record plain;  // an ordinary row is no such reject
  read_csv_row(header, 0, "S-1,2025-01-01", 2, &test::catalog(), true, plain);
  CHECK(!plain.rewriter_reject);
  CHECK(plain.rejected_raw.empty());
}
