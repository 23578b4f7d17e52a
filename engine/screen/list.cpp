// tollgate — screening lists in the CSL's CSV and JSON layouts (see list.hpp and docs/screening.md §1).
#include "engine/screen/list.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "engine/base/country.hpp"
#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "engine/base/text.hpp"
#include "engine/screen/csv.hpp"

namespace tollgate {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// A multi-valued CSL cell ("a; b; c"): its values, trimmed, the empty ones dropped.
std::vector<std::string> split_multi(std::string_view cell) {
  std::vector<std::string> out;
  while (!cell.empty()) {
    size_t semi = cell.find(';');
    std::string t = trim(cell.substr(0, semi));
    if (!t.empty()) out.push_back(std::move(t));
    if (semi == std::string_view::npos) break;
    cell.remove_prefix(semi + 1);
  }
  return out;
}

// "Entity List (EL) - Bureau of Industry and Security" -> "EL"; a bare abbreviation stays as it is.
std::string short_source(const std::string& source) {
  auto open = source.find('('), close = source.find(')');
  if (open != std::string::npos && close != std::string::npos && close > open + 1)
    return source.substr(open + 1, close - open - 1);
  return source;
}

// The country of a CSV address: its last comma-separated part, if an assigned ISO code.
std::string address_country(const std::string& address) {
  auto comma = address.rfind(',');
  std::string last = trim(comma == std::string::npos ? address : address.substr(comma + 1));
  return country_index(last) >= 0 ? last : std::string();
}

void add_country(ListEntry& e, const std::string& cc) {
  if (cc.empty()) return;
  for (const auto& c : e.countries)
    if (c == cc) return;
  e.countries.push_back(cc);
}

bool bad_date(const std::string& d) { return !d.empty() && !parse_date(d.substr(0, 10)); }

// Checks what every entry needs; a failing row becomes a problem. Returns true if the entry is kept.
bool check_entry(ListEntry& e, ScreeningList& list) {
  auto problem = [&](const char* field, std::string reason) {
    list.problems.push_back({list.path, e.line, field, std::move(reason)});
    return false;
  };
  if (trim(e.name).empty()) return problem("name", "missing: an entry without a name cannot be screened");
  if (trim(e.source).empty()) return problem("source", "missing: the list an entry is on decides what a match does");
  if (bad_date(e.start_date))
    return problem("start_date", "not a real date (" + std::string(date_form) + "): '" + e.start_date + "'");
  if (bad_date(e.end_date))
    return problem("end_date", "not a real date (" + std::string(date_form) + "): '" + e.end_date + "'");
  e.source_short = short_source(e.source);
  if (e.start_date.size() > 10) e.start_date.resize(10);
  if (e.end_date.size() > 10) e.end_date.resize(10);
  return true;
}

void parse_csv(std::string_view bytes, ScreeningList& list) {
  screen_csv::CsvReader r{bytes};
  std::vector<std::string> cells;
  int line = 0;
  std::map<std::string, size_t> col;
  static const std::regex date_line(R"(#\s*list_date:\s*(\d{4}-\d{2}-\d{2})\s*)");
  while (r.next(cells, line)) {  // comment lines, then the header
    if (!r.error.empty())
      throw std::runtime_error(list.path + ":" + std::to_string(line) + ": the header cannot be read: " + r.error);
    if (cells.size() == 1 && trim(cells[0]).empty()) continue;
    if (!cells[0].empty() && cells[0][0] == '#') {
      std::string joined = cells[0];
      for (size_t i = 1; i < cells.size(); ++i) joined += "," + cells[i];
      std::smatch m;
      if (std::regex_match(joined, m, date_line)) list.date = m[1];
      continue;
    }
    for (size_t i = 0; i < cells.size(); ++i) col[trim(cells[i])] = i;
    break;
  }
  if (!col.count("name") || !col.count("source"))
    throw std::runtime_error(list.path + ": not a screening list: no header row with the CSL columns `source` and `name`");
  // The CSL columns' places in this file's header (npos: not given), looked up once.
  enum Column { c_id, c_source, c_entity_number, c_type, c_programs, c_name, c_title, c_addresses, c_fr_notice,
                c_start_date, c_end_date, c_license_requirement, c_license_policy, c_source_list_url, c_alt_names,
                n_columns };
  static constexpr const char* column_names[n_columns] = {
      "_id", "source", "entity_number", "type", "programs", "name", "title", "addresses", "federal_register_notice",
      "start_date", "end_date", "license_requirement", "license_policy", "source_list_url", "alt_names"};
  size_t at[n_columns];
  for (int c = 0; c < n_columns; ++c) {
    auto it = col.find(column_names[c]);
    at[c] = it == col.end() ? std::string::npos : it->second;
  }
  auto cell = [&](Column c) -> std::string_view {
    return at[c] >= cells.size() ? std::string_view() : std::string_view(cells[at[c]]);
  };
  auto get = [&](Column c) { return trim(cell(c)); };
  list.entries.reserve(list.entries.size() + static_cast<size_t>(std::count(bytes.begin(), bytes.end(), '\n')));
  while (r.next(cells, line)) {
    if (!r.error.empty()) {  // a row not read costs only itself, and is reported
      ++list.rows;
      list.problems.push_back({list.path, line, "", r.error});
      continue;
    }
    if (cells.size() == 1 && trim(cells[0]).empty()) continue;
    ++list.rows;
    ListEntry e;
    e.line = line;
    e.id = get(c_id), e.source = get(c_source), e.entity_number = get(c_entity_number), e.type = get(c_type);
    e.programs = split_multi(cell(c_programs)), e.name = get(c_name), e.title = get(c_title);
    e.addresses = split_multi(cell(c_addresses)), e.federal_register_notice = get(c_fr_notice);
    e.start_date = get(c_start_date), e.end_date = get(c_end_date);
    e.license_requirement = get(c_license_requirement), e.license_policy = get(c_license_policy);
    e.source_list_url = get(c_source_list_url), e.alt_names = split_multi(cell(c_alt_names));
    for (const auto& a : e.addresses) add_country(e, address_country(a));
    if (check_entry(e, list)) list.entries.push_back(std::move(e));
  }
}

std::string jstr(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  return it->is_string() ? trim(it->get<std::string>()) : it->dump();
}

std::vector<std::string> jlist(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (it->is_string()) return split_multi(it->get<std::string>());
  if (!it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string() && !trim(v.get<std::string>()).empty()) out.push_back(trim(v.get<std::string>()));
  return out;
}

// One JSON result: addresses are objects {address, city, state, postal_code, country} (or strings).
ListEntry json_entry(const nlohmann::json& j, int index) {
  ListEntry e;
  e.line = index + 1;
  e.id = jstr(j, "id"), e.source = jstr(j, "source"), e.entity_number = jstr(j, "entity_number");
  e.type = jstr(j, "type"), e.name = jstr(j, "name"), e.title = jstr(j, "title");
  e.programs = jlist(j, "programs"), e.alt_names = jlist(j, "alt_names");
  e.federal_register_notice = jstr(j, "federal_register_notice");
  e.start_date = jstr(j, "start_date"), e.end_date = jstr(j, "end_date");
  e.license_requirement = jstr(j, "license_requirement"), e.license_policy = jstr(j, "license_policy");
  e.source_list_url = jstr(j, "source_list_url");
  if (auto it = j.find("addresses"); it != j.end() && it->is_array()) {
    for (const auto& a : *it) {
      if (a.is_string()) {
        e.addresses.push_back(a.get<std::string>());
        add_country(e, address_country(a.get<std::string>()));
        continue;
      }
      if (!a.is_object()) continue;
      std::string text;
      for (const char* k : {"address", "city", "state", "postal_code", "country"}) {
        std::string v = jstr(a, k);
        if (!v.empty()) text += (text.empty() ? "" : ", ") + v;
      }
      e.addresses.push_back(text);
      std::string cc = jstr(a, "country");
      add_country(e, country_index(cc) >= 0 ? cc : std::string());
    }
  }
  return e;
}

void parse_json(const std::string& bytes, ScreeningList& list) {
  nlohmann::json doc = nlohmann::json::parse(bytes, nullptr, false);
  if (doc.is_discarded()) throw std::runtime_error(list.path + ": not a screening list: malformed JSON");
  const nlohmann::json* results = doc.is_array() ? &doc : nullptr;
  if (doc.is_object() && doc.contains("results") && doc["results"].is_array()) results = &doc["results"];
  if (!results) throw std::runtime_error(list.path + ": not a screening list: no \"results\" array");
  if (doc.is_object() && doc.contains("sources_used") && doc["sources_used"].is_array())
    for (const auto& s : doc["sources_used"]) {
      std::string d = s.is_object() ? jstr(s, "source_last_updated").substr(0, 10) : std::string();
      if (parse_date(d) && d > list.date) list.date = d;
    }
  int index = 0;
  for (const auto& j : *results) {
    ++list.rows;
    if (!j.is_object()) {
      list.problems.push_back({list.path, index + 1, "", "not an object"});
    } else {
      ListEntry e = json_entry(j, index);
      if (check_entry(e, list)) list.entries.push_back(std::move(e));
    }
    ++index;
  }
}

}  // namespace

std::string ListEntry::key() const { return id.empty() ? source_short + ":" + name : id; }

ScreeningList parse_screening_list(const std::string& bytes, const std::string& path) {
  ScreeningList list;
  list.path = path;
  list.sha256 = sha256_hex(bytes);
  size_t first = bytes.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first != std::string::npos && (bytes[first] == '{' || bytes[first] == '[')) parse_json(bytes, list);
  else parse_csv(std::string_view(bytes).substr(bytes.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0), list);
  if (list.date.empty()) {
    static const std::regex in_name(R"((\d{4}-\d{2}-\d{2}))");
    std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    std::smatch m;
    if (std::regex_search(base, m, in_name) && parse_date(m[1].str())) list.date = m[1];
  }
  return list;
}

ScreeningList read_screening_list(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read the screening list");
  std::string bytes;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) bytes.append(buf, static_cast<size_t>(in.gcount()));
  if (in.bad()) throw std::runtime_error(path + ": cannot read the screening list");
  ScreeningList list = parse_screening_list(bytes, path);
  // Fail closed: a list with no entry (a header only: a truncated export) would pass every party as "no match",
  // and against an older list would read as every entry delisted.
  if (list.entries.empty() && list.problems.empty())
    throw std::runtime_error(path + ": the screening list holds no entries (a header only?): screening against it "
                             "would pass every party, so tollgate does not screen with it");
  return list;
}

std::string synthetic_list_csv(int entries, uint64_t seed) {
  static const char* const syll[] = {"ba", "ren", "hua", "wei", "zhi", "xin", "long", "tai", "kun", "lan", "mo",
                                     "sheng", "feng", "jin", "yu", "da", "hai", "qi", "ming", "tong", "ke", "rui",
                                     "an", "bo", "chen", "de", "fu", "guo", "heng", "jia", "kai", "li", "nan", "ou"};
  static const char* const words[] = {"Technology", "Electronics", "Semiconductor", "Information", "Industry",
                                      "Trading", "Intelligent", "Microelectronics", "Computing", "Systems"};
  static const char* const places[] = {"Beijing", "Shanghai", "Shenzhen", "Hangzhou", "Chengdu", "Wuxi", "Tianjin"};
  static const char* const forms[] = {"Co., Ltd.", "Limited", "Inc.", "Corporation", "GmbH", "Co. Ltd"};
  static const char* const cc[] = {"CN", "CN", "CN", "HK", "RU", "IR", "AE", "SG", "TR", "PK"};
  static const char* const src[] = {"Entity List (EL) - Bureau of Industry and Security",
                                    "Entity List (EL) - Bureau of Industry and Security",
                                    "Denied Persons List (DPL) - Bureau of Industry and Security",
                                    "Unverified List (UVL) - Bureau of Industry and Security"};
  std::mt19937_64 rng(seed);
  auto pick = [&](auto& a) { return a[rng() % (sizeof(a) / sizeof(a[0]))]; };
  auto brand = [&] {
    std::string b;
    for (int k = 0, n = 2 + static_cast<int>(rng() % 2); k < n; ++k) b += pick(syll);
    b[0] = static_cast<char>(b[0] - 'a' + 'A');
    return b;
  };
  std::string out = "# list_date: 2026-11-30\n_id,source,entity_number,type,programs,name,title,addresses,"
                    "federal_register_notice,start_date,end_date,license_requirement,license_policy,alt_names\n";
  for (int i = 0; i < entries; ++i) {
    std::string b = brand(), c = pick(cc), name = b + " " + pick(words) + " " + pick(forms);
    if (rng() % 3 == 0) name = std::string(pick(places)) + " " + name;
    std::string alts;
    for (int k = 0, n = static_cast<int>(rng() % 4); k < n; ++k)
      alts += (k ? "; " : "") + (k == 0 ? b : brand() + " " + pick(words));
    out += "syn" + std::to_string(i) + "," + csv_cell(pick(src)) + ",,Entity,," + csv_cell(name) + ",," +
           csv_cell(std::to_string(1 + rng() % 999) + " Synthetic Road, " + pick(places) + ", " + c) + "," +
           std::to_string(80 + rng() % 11) + " FR " + std::to_string(1000 + rng() % 90000) + ",2020-01-01,," +
           "For all items subject to the EAR,Presumption of denial," + csv_cell(alts) + "\n";
  }
  return out;
}

}  // namespace tollgate

namespace tollgate {
#ifndef TOLLGATE_DATA_DIR
#define TOLLGATE_DATA_DIR "."
#endif
std::string bundled_screening_list() { return std::string(TOLLGATE_DATA_DIR) + "/fixtures/lists/csl_sample.csv"; }
}  // namespace tollgate
