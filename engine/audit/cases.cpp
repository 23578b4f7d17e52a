// tollgate — the case runner (see cases.hpp).
#include "engine/base/date.hpp"
#include "engine/base/files.hpp"
#include "engine/audit/cases.hpp"
#include "engine/parties/parties.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tollgate {
namespace {
using json = nlohmann::json;

std::string str_or_null(const json& j) { return j.is_null() ? "null" : j.is_string() ? j.get<std::string>() : j.dump(); }

void check_keys(const json& j, const std::vector<std::string>& allowed, const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      throw std::runtime_error(where + ": unknown field '" + it.key() + "'");
}

// A case file's screening lists ("lists": paths relative to the case file), or null if it gives none.
std::unique_ptr<PartyScreen> case_screen(const json& doc, const std::string& file) {
  if (!doc.contains("lists")) return nullptr;
  std::vector<std::string> paths;
  for (const auto& l : doc["lists"])
    paths.push_back((std::filesystem::path(file).parent_path() / l.get<std::string>()).string());
  return std::make_unique<PartyScreen>(load_party_lists(paths, ""));
}

// The expected decision against the one made: classification, verdict, review, exception, fees, the rules that
// fired, and (with lists) the entry screening rests on and whether the affiliates rule gave the verdict.
void compare_expect(const Program& p, const json& ex, const Decision& d, const PartyOutcome* screened,
                    std::vector<bool>& fired_any, std::vector<std::string>& diffs) {
  auto cmp = [&](const char* key, const std::string& got) {
    if (!ex.contains(key)) return;
    std::string want = str_or_null(ex[key]);
    if (want != got) diffs.push_back(std::string(key) + ": expected " + want + ", got " + got);
  };
  cmp("classification", klass_name(d.klass));
  cmp("verdict", to_string(d.verdict));
  cmp("review", *to_string(d.review) ? to_string(d.review) : "null");
  cmp("exception", *to_string(d.exception) ? to_string(d.exception) : "null");
  if (ex.contains("fee_cents") && ex["fee_cents"].get<int64_t>() != d.fee_total_cents)
    diffs.push_back("fee_cents: expected " + std::to_string(ex["fee_cents"].get<int64_t>()) + ", got " +
                    std::to_string(d.fee_total_cents));
  std::vector<std::string> fired;
  for (size_t i = 0; i < p.rules.size(); ++i)
    if (d.has_fired(static_cast<int>(i))) {
      fired.push_back(p.rules[i].id);
      fired_any[i] = true;
    }
  if (ex.contains("fired")) {
    std::vector<std::string> want = ex["fired"].get<std::vector<std::string>>();
    for (const auto& w : want)
      if (std::find_if(p.rules.begin(), p.rules.end(), [&](const Rule& rr) { return rr.id == w; }) == p.rules.end())
        diffs.push_back("fired: '" + w + "' is not a rule");
    std::sort(want.begin(), want.end());
    std::vector<std::string> got = fired;
    std::sort(got.begin(), got.end());
    if (want != got) {
      std::string a, b;
      for (const auto& s : want) a += (a.empty() ? "" : ", ") + s;
      for (const auto& s : got) b += (b.empty() ? "" : ", ") + s;
      diffs.push_back("fired: expected [" + a + "], got [" + b + "]");
    }
  }
  if (ex.contains("screening_entry") || ex.contains("affiliate")) {
    if (!screened) {
      diffs.push_back("screening_entry/affiliate: the case file gives no \"lists\"");
      return;
    }
    json s = json::parse("{" + screened->json().substr(1) + "}")["screening"];
    if (ex.contains("screening_entry")) {
      std::string got = s["effect"].is_object() ? s["effect"]["entry"].get<std::string>() : "null";
      if (str_or_null(ex["screening_entry"]) != got)
        diffs.push_back("screening_entry: expected " + str_or_null(ex["screening_entry"]) + ", got " + got);
    }
    if (ex.contains("affiliate")) {
      bool got = s["affiliates"].value("applies", false);
      if (ex["affiliate"].get<bool>() != got)
        diffs.push_back(std::string("affiliate: expected ") + (got ? "false, got true" : "true, got false"));
    }
  }
}
}  // namespace

CaseReport run_case_files(const Program& p, const Catalog& catalog, const std::vector<std::string>& paths) {
  CaseReport rep;
  const std::vector<std::string> files = expand_paths(paths, ".json");
  std::vector<bool> fired_any(p.rules.size(), false);
  for (const auto& file : files) {
    json doc;
    std::unique_ptr<PartyScreen> screen;
    try {
      std::ifstream in(file);
      if (!in) throw std::runtime_error("cannot read");
      doc = json::parse(in);
      check_keys(doc, {"regime", "description", "sources", "lists", "cases"}, file);
      if (!doc.contains("cases") || !doc["cases"].is_array()) throw std::runtime_error("no \"cases\" array");
      screen = case_screen(doc, file);
    } catch (const std::exception& e) {
      ++rep.failed;
      rep.failures.push_back(file + ": " + e.what());
      continue;
    }
    for (const auto& c : doc["cases"]) {
      std::string name = c.value("name", std::string("(unnamed)"));
      std::string where = file + ": " + name;
      std::vector<std::string> diffs;
      try {
        check_keys(c, {"name", "source", "as_of", "include_proposed", "include_unenforced", "record", "expect"}, where);
        if (!c.contains("record")) throw std::runtime_error("no record");
        if (!c.contains("expect") || !c["expect"].is_object() || c["expect"].empty())
          throw std::runtime_error("the case asserts nothing (\"expect\" is missing or empty)");
        const json& ex = c["expect"];
        check_keys(ex, {"classification", "verdict", "review", "exception", "fee_cents", "fired", "error",
                        "error_field", "screening_entry", "affiliate"}, where + ": expect");
        Record r = record_from_json(c["record"].dump(), 1, &catalog);
        Day day = r.has_date ? r.date : 0;
        if (c.contains("as_of")) {
          auto d = parse_date(c["as_of"].get<std::string>());
          if (!d) throw std::runtime_error("bad as_of");
          day = *d;
        } else if (!r.has_date && r.ok) {
          throw std::runtime_error("a chip case needs \"as_of\"");
        }
        EvalOptions opts{c.value("include_proposed", false), c.value("include_unenforced", false)};
        std::string err_code, err_field;
        Decision d;
        const PartyOutcome* screened = nullptr;
        if (!r.ok) {
          err_code = r.error.code;
          err_field = r.error.field;
        } else {
          d = evaluate(p, r.facts, r.base_cents, day, opts);
          if (screen) screened = &screen->apply(r.facts, r.kind, day, d);
          if (d.failed) { err_code = d.error().code; err_field = d.error().field; }
        }
        if (ex.contains("error")) {
          if (err_code != ex["error"].get<std::string>())
            diffs.push_back("error: expected " + ex["error"].get<std::string>() + ", got " +
                            (err_code.empty() ? "no error" : err_code));
          if (ex.contains("error_field") && err_field != ex["error_field"].get<std::string>())
            diffs.push_back("error field: expected " + ex["error_field"].get<std::string>() + ", got " + err_field);
        } else if (!err_code.empty()) {
          diffs.push_back("unexpected error " + err_code + ": " + (r.ok ? d.error().message : r.error.message));
        } else {
          compare_expect(p, ex, d, screened, fired_any, diffs);
        }
      } catch (const std::exception& e) {
        diffs.push_back(e.what());
      }
      if (diffs.empty()) {
        ++rep.passed;
      } else {
        ++rep.failed;
        std::string msg = where;
        for (const auto& d : diffs) msg += "\n    " + d;
        rep.failures.push_back(msg);
      }
    }
  }
  std::set<std::string> cited, all_citations;
  for (size_t i = 0; i < p.rules.size(); ++i) {
    all_citations.insert(p.rules[i].citation);
    if (fired_any[i]) cited.insert(p.rules[i].citation);
    else rep.uncovered_rules.push_back(p.rules[i].id);
  }
  for (const auto& c : all_citations)
    if (!cited.count(c)) rep.uncovered_citations.push_back(c);
  return rep;
}

}  // namespace tollgate
