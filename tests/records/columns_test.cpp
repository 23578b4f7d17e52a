// tollgate tests — column maps and the exact value rewrites of engine/records/columns.hpp (issue 15).
#include <doctest/doctest.h>

#include <stdexcept>

#include "engine/records/columns.hpp"

using namespace tollgate;

TEST_CASE("columns: a unit factor is applied exactly in decimal, keeping the value's decimals") {
  CHECK(decimal_times("1234567", "0.01") == "12345.67");
  CHECK(decimal_times("25000.00", "1000") == "25000000.00");
  CHECK(decimal_times("0.1", "3") == "0.3");            // 0.1 * 3 is 0.30000000000000004 in binary floating point
  CHECK(decimal_times("12.5", "0.001") == "0.0125");
  CHECK(decimal_times("-2", "0.5") == "-1");
  CHECK(decimal_times("0", "0.01") == "0");
  CHECK_FALSE(decimal_times("1e3", "2").has_value());
  CHECK_FALSE(decimal_times("12,5", "2").has_value());
  CHECK_FALSE(decimal_times("", "2").has_value());
}

TEST_CASE("columns: decimal commas are read only as groups of three digits") {
  CHECK(from_decimal_comma("25.000,00") == "25000.00");
  CHECK(from_decimal_comma("1 250,5") == "1250.5");
  CHECK(from_decimal_comma("12") == "12");
  CHECK(from_decimal_comma("1.234.567,89") == "1234567.89");
  CHECK(from_decimal_comma("-3,25") == "-3.25");
  CHECK_FALSE(from_decimal_comma("25000.00").has_value());  // with --decimal-comma, '.' separates thousands
  CHECK_FALSE(from_decimal_comma("25.00,1").has_value());
  CHECK_FALSE(from_decimal_comma("1.234 567,0").has_value());  // two kinds of separator
  CHECK_FALSE(from_decimal_comma("12,").has_value());
  CHECK_FALSE(from_decimal_comma(",5").has_value());
  CHECK_FALSE(from_decimal_comma("1,2,3").has_value());
}

TEST_CASE("columns: Excel serial dates, 1900 and 1904 systems") {
  // 45915 is 2025-09-15 (Excel: =DATE(2025,9,15) shows 45915 as a number); 1 is 1900-01-01; 61 is 1900-03-01.
  CHECK(excel_serial_date("45915", false) == "2025-09-15");
  CHECK(excel_serial_date("1", false) == "1900-01-01");
  CHECK(excel_serial_date("59", false) == "1900-02-28");
  CHECK_FALSE(excel_serial_date("60", false).has_value());  // 1900-02-29: Excel's (Lotus 1-2-3's) phantom day
  CHECK(excel_serial_date("61", false) == "1900-03-01");
  CHECK(excel_serial_date("0", true) == "1904-01-01");      // the 1904 date system starts at serial 0
  CHECK(excel_serial_date("44453", true) == "2025-09-15");  // 45915 - 1462
  CHECK_FALSE(excel_serial_date("45915.5", false).has_value());  // a time of day
  CHECK_FALSE(excel_serial_date("0", false).has_value());
  CHECK_FALSE(excel_serial_date("-1", false).has_value());
  CHECK_FALSE(excel_serial_date("9999999", false).has_value());
}

TEST_CASE("columns: date layouts") {
  CHECK(date_in_layout("15.09.2025", "DD.MM.YYYY") == "2025-09-15");
  CHECK(date_in_layout("09/15/2025", "MM/DD/YYYY") == "2025-09-15");
  CHECK(date_in_layout("20250915", "YYYYMMDD") == "2025-09-15");
  CHECK_FALSE(date_in_layout("31.02.2025", "DD.MM.YYYY").has_value());
  CHECK_FALSE(date_in_layout("15/09/2025", "MM/DD/YYYY").has_value());
  CHECK_FALSE(date_in_layout("5.9.2025", "DD.MM.YYYY").has_value());
}

TEST_CASE("columns: country names from Debian's iso-codes") {
  CHECK(country_from_name("China") == "CN");
  CHECK(country_from_name("  viet   nam ") == "VN");
  CHECK(country_from_name("Taiwan") == "TW");                      // common_name
  CHECK(country_from_name("Taiwan, Province of China") == "TW");   // name
  CHECK(country_from_name("Federal Republic of Germany") == "DE");  // official_name
  CHECK(country_from_name("DEU") == "DE");
  CHECK(country_from_name("DE") == "DE");
  CHECK_FALSE(country_from_name("Vietnamm").has_value());
  CHECK_FALSE(country_from_name("").has_value());
}

TEST_CASE("columns: maps are strict") {
  auto m = parse_column_map(R"({"columns": {"LAND1": {"field": "destination", "values": "country-names"},
                                 "P": {"field": "unit_price_usd", "factor": "0.01"}},
                                 "ignore": ["WERKS"], "fixed": {"export_from": "US"}})",
                            false, "m.json");
  CHECK(m->columns.at("LAND1").country_names);
  CHECK(m->columns.at("P").factor == "0.01");
  CHECK(m->fixed.size() == 1);
  CHECK(m->sha256.size() == 64);
  auto t = parse_column_map("ignore = [\"X\"]\n[columns]\nA = \"id\"\n[columns.B]\nfield = \"date\"\n"
                            "date_format = \"DD.MM.YYYY\"\n", true, "m.toml");
  CHECK(t->columns.at("B").date_format == "DD.MM.YYYY");
  auto bad = [](const char* text) { CHECK_THROWS_AS(parse_column_map(text, false, "m.json"), std::runtime_error); };
  bad(R"({"columns": {"A": "destinaton"}})");                                   // not a field
  bad(R"({"columns": {"A": "id", "B": "id"}})");                                // a field fed twice
  bad(R"({"columns": {"A": "export_from"}, "fixed": {"export_from": "US"}})");  // ... by a column and a value
  bad(R"({"columns": {"A": {"field": "quantity", "factor": 1000}}})");          // a binary number
  bad(R"({"columns": {"A": {"field": "quantity", "factor": "0"}}})");
  bad(R"({"columns": {"A": {"field": "date", "date_format": "D/M/Y"}}})");
  bad(R"({"columns": {"A": "id"}, "ignore": ["A"]})");
  bad(R"({"columns": {"A": "id"}, "colums": {}})");                             // an unknown key
  bad(R"({"columns": {"A": {"field": "id", "valeus": {}}}})");
  CHECK_THROWS_AS(parse_column_map("[columns\nA = 1", true, "m.toml"), std::runtime_error);
}
