// tollgate tests — exact money: parsing amounts from text, and half-up rounding once per fee.
#include "engine/base/date.hpp"
#include "engine/base/money.hpp"
#include "tests/support.hpp"

using namespace tollgate;

TEST_CASE("money is read exactly from its text, in integer cents") {
  CHECK(parse_money_cents("12000") == 1200000);
  CHECK(parse_money_cents("12000.5") == 1200050);
  CHECK(parse_money_cents("0.01") == 1);
  CHECK(parse_money_cents("1599.99") == 159999);
  CHECK(parse_money_cents("0007.10") == 710);
  // 0.1 + 0.2 style values that binary floating point cannot hold stay exact.
  CHECK(parse_money_cents("0.29") == 29);
  CHECK(parse_money_cents("100000000000000") == 10000000000000000LL);
  std::string why;
  CHECK(!parse_money_cents("1.005", &why));
  CHECK(why.find("two decimals") != std::string::npos);
  CHECK(!parse_money_cents("-1.00"));
  CHECK(!parse_money_cents("1e3"));
  CHECK(!parse_money_cents("1,000.00"));
  CHECK(!parse_money_cents(""));
  CHECK(!parse_money_cents("."));
  CHECK(!parse_money_cents("1."));
  CHECK(!parse_money_cents("100000000000000.01"));
  CHECK(!parse_money_cents("999999999999999999999"));
}

TEST_CASE("half-up rounding") {
  // rate in millionths: 15% = 150000
  CHECK(div_round_half_up(i128{10} * 150000, 1000000) == 2);   // 1.5 cents -> 2
  CHECK(div_round_half_up(i128{30} * 150000, 1000000) == 5);   // 4.5 -> 5
  CHECK(div_round_half_up(i128{29} * 150000, 1000000) == 4);   // 4.35 -> 4
  CHECK(div_round_half_up(i128{2} * 250000, 1000000) == 1);    // 0.5 -> 1
  CHECK(div_round_half_up(i128{1} * 250000, 1000000) == 0);    // 0.25 -> 0
  CHECK(div_round_half_up(i128{3} * 250000, 1000000) == 1);    // 0.75 -> 1
  // The largest base the reader accepts, at 100%, does not overflow.
  CHECK(div_round_half_up(i128{max_money_cents} * 1000000, 1000000) == max_money_cents);
  CHECK(format_cents(123456) == "1234.56");
  CHECK(format_cents(5) == "0.05");
}

TEST_CASE("dates are real calendar days") {
  CHECK(parse_date("2024-02-29"));
  CHECK(!parse_date("2023-02-29"));
  CHECK(!parse_date("2023-13-01"));
  CHECK(!parse_date("2023-1-01"));
  CHECK(!parse_date("20230101"));
  CHECK(format_date(*parse_date("2026-01-15")) == "2026-01-15");
  CHECK(*parse_date("2023-11-17") - *parse_date("2023-11-16") == 1);
}
