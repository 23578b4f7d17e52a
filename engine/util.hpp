// tollgate — small exact helpers shared by the engine: civil dates, ISO 3166-1 alpha-2 codes, money in integer
// cents read from text, shortest round-trip number formatting, and SHA-256 (OpenSSL's libcrypto).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// ---- dates: days since 1970-01-01 (proleptic Gregorian) ----------------------------------------------------
using Day = int32_t;
// 128-bit integers for exact money products (a GCC/Clang extension on every platform tollgate supports).
__extension__ typedef __int128 i128;
inline constexpr Day day_min = INT32_MIN / 2;  // "since forever"
inline constexpr Day day_max = INT32_MAX / 2;  // "until forever"
// Parses exactly YYYY-MM-DD with a real calendar day (2023-02-29 is rejected); years 1900..2999.
std::optional<Day> parse_date(std::string_view text);
std::string format_date(Day d);
void format_date_into(char out[10], Day d);  // YYYY-MM-DD for years 0 to 9999 (no terminator)
// Months as one number (year * 12 + month - 1), and back to "YYYY-MM": the audit's tallies key by it.
int month_index(Day d);
std::string format_month(int index);

// ---- countries: ISO 3166-1 alpha-2, as an index 0..675 (26 * (c0 - 'A') + (c1 - 'A')) ------------------------
inline constexpr int country_slots = 26 * 26;
// The index of an assigned ISO 3166-1 alpha-2 code, or -1 (unknown code, lower case, wrong length).
int country_index(std::string_view code);
std::string country_code(int index);

// ---- money ----------------------------------------------------------------------------------------------------
// Parses a non-negative decimal amount of US dollars with at most two decimals ("1234", "1234.5", "1234.56")
// into integer cents, exactly, without ever going through binary floating point. Rejects signs, exponents,
// more than two decimals, and amounts above max_money_cents.
inline constexpr int64_t max_money_cents = 100'000'000'000'000'00LL;  // 10^14 dollars
std::optional<int64_t> parse_money_cents(std::string_view text, std::string* why = nullptr);
// round_half_up(numerator / denominator) for non-negative values, exact.
int64_t div_round_half_up(i128 numerator, i128 denominator);
std::string format_cents(int64_t cents);  // "1234.56"

// ---- numbers -------------------------------------------------------------------------------------------------
// Shortest text that reads back as the same double ("15831.2", "4800", "0.1").
std::string format_number(double v);
// Strict decimal number: optional '-', digits, optional fraction, optional exponent; no trailing text.
std::optional<double> parse_number(std::string_view text);

// ---- text ----------------------------------------------------------------------------------------------------
// open + s + close, built by appending. NOTE: GCC 12 gives a false -Wrestrict on `"(" + s + ")"`.
std::string enclose(char open, std::string_view s, char close);

// ---- JSON ----------------------------------------------------------------------------------------------------
// Appends s as a JSON string literal, byte for byte as nlohmann's dump(-1, ' ', false, replace) writes it: plain
// printable ASCII is copied directly (the common case, and fast); anything else goes through nlohmann.
// True if a JSON string of these bytes needs escaping or UTF-8 checking (append_json_string then asks nlohmann).
bool json_needs_escape(std::string_view s);
void append_json_string(std::string& out, std::string_view s);

// ---- escaping for the report formats ----------------------------------------------------------------------------
std::string csv_cell(std::string_view s);      // RFC 4180: quoted (quotes doubled) if it holds , " CR or LF
std::string html_escape(std::string_view s);   // & < > " (also fine for SVG text)
std::string md_escape(std::string_view s);     // | escaped, line breaks as spaces (a Markdown table cell)

// ---- files -------------------------------------------------------------------------------------------------
// Each path as given, except that a folder stands for its files with extension `ext` (e.g. ".tg"), sorted by
// name, so runs are deterministic.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths, const std::string& ext);

// ---- hashing -------------------------------------------------------------------------------------------------
std::string sha256_hex(std::string_view data);
using Sha256 = std::array<uint8_t, 32>;
Sha256 sha256(std::string_view data);
std::string to_hex(const uint8_t* data, size_t size);
inline std::string to_hex(const Sha256& h) { return to_hex(h.data(), h.size()); }
void append_hex(std::string& out, const Sha256& h);  // the same, appended
// SHA-256 (hex) of a file's bytes, read a megabyte at a time; `bytes` gets its size. Throws if unreadable.
std::string sha256_file(const std::string& path, uint64_t* bytes = nullptr);
// SHA-256 of data given in pieces (a file hashed as it is read).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view data);
  Sha256 final();  // once
  uint64_t bytes() const { return bytes_; }

 private:
  void* ctx_;  // EVP_MD_CTX
  uint64_t bytes_ = 0;
};

}  // namespace tollgate
