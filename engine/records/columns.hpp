// tollgate — column maps (`--columns FILE`): how an ERP export or a spreadsheet's columns become record fields.
//
// A map says, for each column of the export, which record field it feeds (or that it is ignored), how its values
// are rewritten (a value table, country names to ISO 3166-1 alpha-2 codes from Debian's iso-codes data, yes/no to
// booleans, a date layout, a unit factor applied exactly in decimal), and which fields take a fixed value because the
// export lacks them. It is written in JSON or TOML (docs/records.md, "Column maps"); its SHA-256 identifies it in an
// audit's run. The map only rewrites cells: the rewritten row is read by the same strict reader as any CSV row.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// One export column's treatment. Invariant: `field` is a record column name (record.hpp column_kind() knows it).
struct ColumnRule {
  std::string field;                                  // the record field ("destination", "chip_tpp")
  std::map<std::string, std::string, std::less<>> values;  // cell text (spaces trimmed) -> field text; first
  bool country_names = false;   // "values": "country-names": ISO 3166-1 names, official and common names -> alpha-2
  bool yes_no = false;          // "values": "yes-no": yes/y/x/true/1 -> true, no/n/false/0 -> false (any case)
  std::string date_format;      // "DD.MM.YYYY", "MM/DD/YYYY", "DD/MM/YYYY", "YYYYMMDD", "YYYY-MM-DD"; "" none
  std::string factor;           // decimal text the value is multiplied by, exactly ("0.01", "1000"); "" none
};

struct ColumnMap {
  std::string path;    // as given
  std::string sha256;  // of the map file's bytes (what identifies it in a run)
  std::map<std::string, ColumnRule, std::less<>> columns;  // by export column name (exact)
  std::vector<std::string> ignore;                         // export columns dropped
  std::vector<std::pair<std::string, std::string>> fixed;  // field -> value, for fields the export lacks
};

// Loads a column map from a .json or .toml file (TOML through toml++, Debian's libtomlplusplus-dev). Throws
// std::runtime_error naming the file and the entry on: a syntax error, an unknown key, a field that is not a record
// field, a field fed twice (two columns, or a column and a fixed value), a bad factor or date layout, a column both
// mapped and ignored.
std::shared_ptr<const ColumnMap> load_column_map(const std::string& path);

// The same from text (`toml`: TOML, else JSON); `path` is used in messages and kept. `sha256` as for the file.
std::shared_ptr<const ColumnMap> parse_column_map(std::string_view text, bool toml, const std::string& path);

// The alpha-2 code for a country name or code: an assigned alpha-2 or alpha-3 code, or a name, official name or
// common name from iso-codes' iso_3166-1.json (case, accents kept; spaces and case folded). nullopt if none.
std::optional<std::string> country_from_name(std::string_view name);

// `value` (decimal text) times `factor` (decimal text), exactly: "1234567" x "0.01" = "12345.67". Trailing zeros of
// the fraction are dropped down to the scale `value` was written with. nullopt if either is not a plain decimal
// (digits, one optional '.', an optional leading '-') or the result has more than 40 digits.
std::optional<std::string> decimal_times(std::string_view value, std::string_view factor);

// A date written in `layout` (see ColumnRule::date_format) as YYYY-MM-DD, if it is one; nullopt otherwise.
std::optional<std::string> date_in_layout(std::string_view text, std::string_view layout);

// Excel's serial day number (the 1900 date system, or 1904 if `date1904`) as YYYY-MM-DD. The 1900 system counts
// 1900-02-29, which never was (serial 60): that serial, serials below 1, and a fraction of a day (a time) are
// refused (nullopt), never rounded.
std::optional<std::string> excel_serial_date(std::string_view serial, bool date1904);

// A number written with a decimal comma and '.' (or a space) between thousands ("25.000,00", "1 250,5", "12") as
// plain decimal text ("25000.00"). nullopt if it is not such a number (groups of three digits after the first).
std::optional<std::string> from_decimal_comma(std::string_view text);

}  // namespace tollgate
