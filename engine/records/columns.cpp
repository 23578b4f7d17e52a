// tollgate — column maps (see columns.hpp): loading a map from JSON or TOML, and the exact value rewrites.
#include "engine/records/columns.hpp"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>
#include <unordered_map>

#include "engine/base/country.hpp"
#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/lang/compile.hpp"
#include "engine/records/record.hpp"

namespace tollgate {
namespace {

[[noreturn]] void bad_map(const std::string& path, const std::string& why) {
  throw std::runtime_error("column map '" + path + "': " + why);
}

// TOML to the JSON the loader reads (strings, arrays and tables only are meaningful; a number is kept as a number so
// that the loader can say it must be a string).
nlohmann::json toml_to_json(const toml::node& n) {
  if (auto* t = n.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : *t) j[std::string(k.str())] = toml_to_json(v);
    return j;
  }
  if (auto* a = n.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : *a) j.push_back(toml_to_json(v));
    return j;
  }
  if (auto* s = n.as_string()) return s->get();
  if (auto* b = n.as_boolean()) return b->get();
  if (n.is_integer()) return n.as_integer()->get();
  return 0.5;  // a float or a date: not a string, refused by the loader
}

std::string fold_name(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u == ' ' || u == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(u >= 'A' && u <= 'Z' ? u - 'A' + 'a' : u);
  }
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// Sign, digits (no leading zeros kept beyond one) and number of decimals of a plain decimal text.
struct Dec {
  bool neg = false;
  std::string digits;
  size_t scale = 0;
};
std::optional<Dec> parse_dec(std::string_view s) {
  Dec d;
  if (!s.empty() && s[0] == '-') {
    d.neg = true;
    s.remove_prefix(1);
  }
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot), frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
  for (char c : s)
    if (!(c >= '0' && c <= '9') && c != '.') return std::nullopt;
  if (frac.find('.') != std::string_view::npos || s.size() > 40) return std::nullopt;
  d.digits = std::string(whole) + std::string(frac);
  d.scale = frac.size();
  return d;
}

void load_columns(const nlohmann::json& cols, const std::string& path, ColumnMap& m) {
  if (!cols.is_object()) bad_map(path, "\"columns\" must be a table of export column -> field");
  for (const auto& [name, v] : cols.items()) {
    ColumnRule r;
    const std::string at = "column '" + name + "'";
    if (v.is_string()) {
      r.field = v.get<std::string>();
    } else if (v.is_object()) {
      for (const auto& [k, x] : v.items()) {
        if (k == "field" && x.is_string()) r.field = x.get<std::string>();
        else if (k == "values" && x.is_string() && x == "country-names") r.country_names = true;
        else if (k == "values" && x.is_string() && x == "yes-no") r.yes_no = true;
        else if (k == "values" && x.is_object()) {
          for (const auto& [from, to] : x.items()) {
            if (!to.is_string()) bad_map(path, at + ": value '" + from + "' must map to a string");
            r.values.emplace(trim(from), to.get<std::string>());
          }
        } else if (k == "date_format" && x.is_string()) {
          r.date_format = x.get<std::string>();
          if (r.date_format != "DD.MM.YYYY" &&
              r.date_format != "MM/DD/YYYY" && r.date_format != "DD/MM/YYYY" && r.date_format != "YYYYMMDD" &&
              r.date_format != "YYYY-MM-DD")
            bad_map(path, at + ": date_format '" + r.date_format +
                              "' is not one of DD.MM.YYYY, MM/DD/YYYY, DD/MM/YYYY, YYYYMMDD, YYYY-MM-DD");
        } else if (k == "factor" && x.is_string()) {
          r.factor = x.get<std::string>();
          auto d = parse_dec(r.factor);
          if (!d || d->neg || d->digits.find_first_not_of('0') == std::string::npos)
            bad_map(path, at + ": factor '" + r.factor + "' must be a positive decimal number");
        } else if (k == "factor") {
          bad_map(path, at + ": factor must be written as a string (\"0.01\"): it is applied exactly, in decimal");
        } else if (k == "values") {
          bad_map(path, at + ": values must be a table of cell -> value, \"country-names\" or \"yes-no\"");
        } else {
          bad_map(path, at + ": unknown key '" + k + "' (field, values, date_format, factor)");
        }
      }
    } else {
      bad_map(path, at + " must map to a field name or a table with \"field\"");
    }
    if (r.field.empty()) bad_map(path, at + " has no field");
    if (column_kind(r.field) == ColumnKind::unknown) {
      std::string guess = closest(r.field, record_column_names());
      bad_map(path, at + ": '" + r.field + "' is not a record field" +
                        (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
    }
    m.columns.emplace(name, std::move(r));
  }
}

void check_fields_fed_once(const std::string& path, const ColumnMap& m) {
  std::map<std::string, std::string> fed;  // field -> by what
  auto feed = [&](const std::string& field, const std::string& by) {
    auto [it, fresh] = fed.emplace(field, by);
    if (!fresh) bad_map(path, "field '" + field + "' is fed by " + it->second + " and by " + by + "; give one");
  };
  for (const auto& [name, r] : m.columns) feed(r.field, "column '" + name + "'");
  for (const auto& [field, v] : m.fixed) feed(field, "a fixed value");
  for (const auto& i : m.ignore)
    if (m.columns.count(i)) bad_map(path, "column '" + i + "' is both mapped and ignored");
}

}  // namespace

std::shared_ptr<const ColumnMap> parse_column_map(std::string_view text, bool toml, const std::string& path) {
  nlohmann::json j;
  if (toml) {
    try {
      toml::table t = toml::parse(text, path);
      j = toml_to_json(t);
    } catch (const toml::parse_error& e) {
      bad_map(path, "not valid TOML: " + std::string(e.description()) + " (line " +
                        std::to_string(e.source().begin.line) + ")");
    }
  } else {
    j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) bad_map(path, "not valid JSON");
  }
  if (!j.is_object()) bad_map(path, "must be a table (a JSON object)");
  auto m = std::make_shared<ColumnMap>();
  m->path = path;
  m->sha256 = sha256_hex(text);
  for (const auto& [k, v] : j.items()) {
    if (k == "columns") {
      load_columns(v, path, *m);
    } else if (k == "ignore") {
      if (!v.is_array()) bad_map(path, "\"ignore\" must be a list of export column names");
      for (const auto& c : v) {
        if (!c.is_string()) bad_map(path, "\"ignore\" must be a list of export column names");
        m->ignore.push_back(c.get<std::string>());
      }
    } else if (k == "fixed") {
      if (!v.is_object()) bad_map(path, "\"fixed\" must be a table of field -> value");
      for (const auto& [field, x] : v.items()) {
        if (!x.is_string()) bad_map(path, "fixed value of '" + field + "' must be a string");
        if (column_kind(field) == ColumnKind::unknown) bad_map(path, "fixed field '" + field + "' is not a record field");
        m->fixed.emplace_back(field, x.get<std::string>());
      }
    } else {
      bad_map(path, "unknown key '" + k + "' (columns, ignore, fixed)");
    }
  }
  if (m->columns.empty() && m->fixed.empty()) bad_map(path, "maps no column");
  check_fields_fed_once(path, *m);
  return m;
}

std::shared_ptr<const ColumnMap> load_column_map(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read column map '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  const bool toml = path.size() >= 5 && path.compare(path.size() - 5, 5, ".toml") == 0;
  return parse_column_map(ss.str(), toml, path);
}

std::optional<std::string> country_from_name(std::string_view name) {
  static std::once_flag once;
  static std::unordered_map<std::string, std::string> by_name;
  static std::string load_error;
  std::call_once(once, [] {
    const char* file = "/usr/share/iso-codes/json/iso_3166-1.json";  // Debian's iso-codes package
    std::ifstream in(file, std::ios::binary);
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.contains("3166-1")) {
      load_error = std::string("cannot read ") + file + " (install Debian's iso-codes package)";
      return;
    }
    for (const auto& c : j["3166-1"]) {
      std::string a2 = c.value("alpha_2", "");
      if (a2.empty()) continue;
      for (const char* k : {"name", "official_name", "common_name", "alpha_3"})
        if (c.contains(k)) by_name.emplace(fold_name(c[k].get<std::string>()), a2);
    }
  });
  if (!load_error.empty()) throw std::runtime_error(load_error);
  const std::string t = trim(name);
  if (country_index(t) >= 0) return t;
  auto it = by_name.find(fold_name(t));
  if (it == by_name.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> decimal_times(std::string_view value, std::string_view factor) {
  auto a = parse_dec(value), b = parse_dec(factor);
  if (!a || !b) return std::nullopt;
  // Schoolbook multiplication of the digit strings; the product has scale a.scale + b.scale.
  std::vector<int> acc(a->digits.size() + b->digits.size(), 0);
  for (size_t i = a->digits.size(); i-- > 0;)
    for (size_t j = b->digits.size(); j-- > 0;) acc[i + j + 1] += (a->digits[i] - '0') * (b->digits[j] - '0');
  for (size_t k = acc.size(); k-- > 1;) {
    acc[k - 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  std::string digits;
  for (int d : acc) digits += static_cast<char>('0' + d);
  size_t scale = a->scale + b->scale;
  while (scale > a->scale && digits.back() == '0') {  // drop zeros down to the value's own scale
    digits.pop_back();
    --scale;
  }
  std::string whole = digits.substr(0, digits.size() - scale), frac = digits.substr(digits.size() - scale);
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size() - 1));
  if (whole.empty()) whole = "0";
  if (whole.size() + frac.size() > 40) return std::nullopt;
  const bool zero = (whole + frac).find_first_not_of('0') == std::string::npos;
  return std::string(a->neg != b->neg && !zero ? "-" : "") + whole + (frac.empty() ? "" : "." + frac);
}

std::optional<std::string> date_in_layout(std::string_view t, std::string_view layout) {
  if (t.size() != layout.size()) return std::nullopt;
  std::string y, m, d;
  for (size_t i = 0; i < layout.size(); ++i) {
    char l = layout[i], c = t[i];
    if (l == 'Y' || l == 'M' || l == 'D') {
      if (c < '0' || c > '9') return std::nullopt;
      (l == 'Y' ? y : l == 'M' ? m : d) += c;
    } else if (c != l) {
      return std::nullopt;
    }
  }
  if (y.size() != 4 || m.size() != 2 || d.size() != 2) return std::nullopt;
  std::string iso = y + "-" + m + "-" + d;
  if (!parse_date(iso)) return std::nullopt;
  return iso;
}

std::optional<std::string> excel_serial_date(std::string_view serial, bool date1904) {
  if (serial.empty() || serial.size() > 7) return std::nullopt;
  int64_t n = 0;
  for (char c : serial) {
    if (c < '0' || c > '9') return std::nullopt;  // a fraction (a time of day), a sign, an exponent: refused
    n = n * 10 + (c - '0');
  }
  Day day;
  if (date1904) {
    day = static_cast<Day>(n - 24107);  // 1904-01-01 is serial 0
  } else {
    if (n < 1 || n == 60) return std::nullopt;  // 60 is 1900-02-29, which Excel counts and the calendar does not
    day = static_cast<Day>(n < 60 ? n - 25568 : n - 25569);  // 1970-01-01 is serial 25569
  }
  std::string iso = format_date(day);
  if (!parse_date(iso)) return std::nullopt;  // outside 1900..2999
  return iso;
}

std::optional<std::string> from_decimal_comma(std::string_view s) {
  std::string out;
  size_t i = 0;
  if (!s.empty() && s[0] == '-') {
    out += '-';
    ++i;
  }
  size_t comma = s.find(',', i);
  std::string_view whole = s.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
  std::string_view frac = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
  if (whole.empty() || (comma != std::string_view::npos && frac.empty())) return std::nullopt;
  // Thousands: '.' or a space between groups of exactly three digits (the first group 1 to 3).
  size_t group = 0, groups = 0;
  char sep = 0;
  for (char c : whole) {
    if (c >= '0' && c <= '9') {
      out += c;
      ++group;
      continue;
    }
    if ((c != '.' && c != ' ') || (sep && c != sep) || group == 0 || (groups == 0 ? group > 3 : group != 3))
      return std::nullopt;
    sep = c;
    ++groups;
    group = 0;
  }
  if (group == 0 || (groups > 0 && group != 3)) return std::nullopt;
  for (char c : frac)
    if (c < '0' || c > '9') return std::nullopt;
  if (!frac.empty()) out += "." + std::string(frac);
  return out;
}

}  // namespace tollgate
