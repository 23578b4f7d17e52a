// tollgate serve — screening lists and POST /v1/screen (see screening.hpp).
#include "engine/serve/screening.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/base/country.hpp"
#include "engine/base/text.hpp"
#include "engine/screen/report.hpp"
#include "engine/serve/service.hpp"

namespace tollgate::serve {
namespace {

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// At most this many problem rows are named in an error (the count says how many there are).
constexpr size_t problems_shown = 10;

void describe(std::string& error, const std::vector<ListProblem>& problems) {
  for (size_t i = 0; i < problems.size() && i < problems_shown; ++i) {
    const ListProblem& p = problems[i];
    error += file_name(p.file) + ":" + std::to_string(p.line) + ": " + p.field + ": " + p.reason + "\n";
  }
  if (problems.size() > problems_shown)
    error += "... and " + std::to_string(problems.size() - problems_shown) + " more rows that cannot be read\n";
}

// The error object of a party that cannot be screened.
std::string party_error(std::string_view code, std::string_view field, std::string_view message) {
  std::string out = "{\"error\":{\"code\":";
  append_json_string(out, code);
  out += ",\"field\":";
  append_json_string(out, field);
  out += ",\"message\":";
  append_json_string(out, message);
  return out + "}}";
}

// One party ({"name", "country"?}) screened into `out`; false if it could not be (an error object instead).
bool screen_party(const Engine& e, Screener& s, const nlohmann::json& p, std::string& out) {
  if (!p.is_object()) return out += party_error("tollgate.input.type", "", "a party is a JSON object {\"name\", \"country\"}"), false;
  auto name = p.find("name");
  if (name == p.end() || !name->is_string() || name->get_ref<const std::string&>().empty())
    return out += party_error("tollgate.input.missing", "name", "the party's name is missing (a non-empty string)"), false;
  const std::string& n = name->get_ref<const std::string&>();
  if (n.size() > 1000) return out += party_error("tollgate.input.value", "name", "the name is longer than 1,000 bytes"), false;
  // As a record's party fields: no control or bidirectional control character (it would print other than it reads).
  for (size_t i = 0; i < n.size();) {
    const size_t len = printable_char(n, i);
    if (!len)
      return out += party_error("tollgate.input.value", "name",
                                "the name holds a control or bidirectional control character: " + printable(n)),
             false;
    i += len;
  }
  for (const auto& [key, value] : p.items())  // a misspelt member ("contry") must not be dropped silently
    if (key != "name" && key != "country")
      return out += party_error("tollgate.input.unknown-field", key,
                                "unknown member '" + printable(key) + "': a party is {\"name\", \"country\"}"),
             false;
  std::string country;
  if (auto c = p.find("country"); c != p.end() && !c->is_null()) {
    if (!c->is_string() || country_index(c->get_ref<const std::string&>()) < 0)
      return out += party_error("tollgate.input.value", "country", "country is an ISO 3166-1 alpha-2 code, e.g. CN"), false;
    country = c->get<std::string>();
  }
  ScreenResult r = s.screen_uncached(n, country);  // (not screen(): its cache would grow with every caller's name)
  if (r.normal.tokens.empty())
    return out += party_error("tollgate.input.value", "name", "the name has no letters or digits to screen"), false;
  out += screen_result_json(r, e.screening->lists, e.screening->resolutions_or_null(), -1, ListNaming::file_name);
  return true;
}

}  // namespace

std::shared_ptr<const ScreeningSet> load_screening(const std::vector<std::string>& lists,
                                                   const std::string& resolutions, std::string& error) {
  auto set = std::make_shared<ScreeningSet>();
  try {
    for (const auto& path : lists) {
      set->lists.push_back(read_screening_list(path));
      describe(error, set->lists.back().problems);
    }
    if (!resolutions.empty()) {
      set->resolutions = read_resolutions(resolutions);
      describe(error, set->resolutions->problems);
    }
  } catch (const std::exception& ex) {
    std::string what = ex.what();  // the reader names the file by its path: keep the file name only
    for (const auto& path : lists)
      for (size_t at; (at = what.find(path)) != std::string::npos;) what.replace(at, path.size(), file_name(path));
    if (!resolutions.empty())
      for (size_t at; (at = what.find(resolutions)) != std::string::npos;)
        what.replace(at, resolutions.size(), file_name(resolutions));
    error += what + "\n";
  }
  if (error.empty()) {
    try {
      set->parties = make_party_lists(set->lists, set->resolutions ? std::make_unique<Resolutions>(*set->resolutions)
                                                                   : nullptr);
    } catch (const std::exception& ex) {
      error += std::string(ex.what()) + "\n";
    }
  }
  if (!error.empty()) {
    error = "the screening lists have rows that cannot be read, so no party is screened (a row not read could be "
            "the listed party):\n" + error;
    return nullptr;
  }
  return set;
}

Screener* thread_screener(const Engine& e) {
  if (!e.screening) return nullptr;
  thread_local std::shared_ptr<const ScreeningSet> built_for;  // kept alive while its Screener points into it
  thread_local std::unique_ptr<Screener> screener;
  if (!screener || built_for != e.screening) {
    screener.reset();
    built_for = e.screening;
    screener = std::make_unique<Screener>(built_for->lists, built_for->resolutions_or_null());
  }
  if (screener->cache_size() >= 65536) screener->clear_cache();  // bounded memory (no reference outlives a request)
  return screener.get();
}

PartyScreen* thread_party_screen(const Engine& e) {
  if (!e.screening || !e.screening->parties) return nullptr;
  thread_local std::shared_ptr<const ScreeningSet> built_for;  // kept alive while its PartyScreen uses it
  thread_local std::unique_ptr<PartyScreen> screen;
  if (!screen || built_for != e.screening) {
    screen.reset();
    built_for = e.screening;
    screen = std::make_unique<PartyScreen>(built_for->parties);
  }
  return screen.get();
}

Judgement screen_body(const Engine& e, std::string_view body, size_t max_parties) {
  Judgement j;
  Screener* s = thread_screener(e);
  if (!s) {
    j.status = 503;
    j.body = error_body(503, "tollgate.serve.no-lists", "the server has no screening lists (start it with --lists FILE)");
    return j;
  }
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || (!parsed.is_object() && !parsed.is_array())) {
    j.status = 400;
    j.body = error_body(400, "tollgate.input.json", "the body is not a JSON object {\"name\", \"country\"} or an array of them");
    return j;
  }
  if (parsed.is_object()) {
    if (!screen_party(e, *s, parsed, j.body)) j.status = 400;
    j.body += '\n';
    return j;
  }
  if (parsed.empty()) {
    j.status = 400;
    j.body = error_body(400, "tollgate.input.empty", "the array holds no party: nothing to screen");
    return j;
  }
  if (parsed.size() > max_parties) {
    j.status = 413;
    j.body = error_body(413, "tollgate.serve.too-many-records",
                        "a request may hold at most " + std::to_string(max_parties) + " parties");
    return j;
  }
  j.body += '[';
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (i) j.body += ',';
    if (!screen_party(e, *s, parsed[i], j.body)) j.status = 400;
  }
  j.body += "]\n";
  return j;
}

std::string screening_json(const Engine& e) {
  if (!e.screening) return "\"screening\":null";
  std::string out = "\"screening\":{\"lists\":[";
  bool first = true;
  for (const ScreeningList& l : e.screening->lists) {
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    append_json_string(out, file_name(l.path));
    out += ",\"date\":";
    if (l.date.empty()) out += "null";
    else append_json_string(out, l.date);
    out += ",\"sha256\":";
    append_json_string(out, l.sha256);
    out += ",\"entries\":" + std::to_string(l.entries.size()) + "}";
  }
  out += "],\"resolutions\":";
  if (const Resolutions* r = e.screening->resolutions_or_null()) {
    out += "{\"name\":";
    append_json_string(out, file_name(r->path));
    out += ",\"sha256\":";
    append_json_string(out, r->sha256);
    out += ",\"items\":" + std::to_string(r->items.size()) + "}";
  } else {
    out += "null";
  }
  return out + "}";
}

}  // namespace tollgate::serve
