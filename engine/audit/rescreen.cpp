// tollgate — re-screening a trace store (see rescreen.hpp).
#include "engine/audit/rescreen.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/base/text.hpp"

namespace tollgate {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// The fields of an entry that a change in matters to a screening officer, as one comparable text per field.
std::vector<std::pair<const char*, std::string>> entry_fields(const ListEntry& e) {
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + '\x1f';
    return s;
  };
  return {{"source", e.source},           {"name", e.name},
          {"alt_names", join(e.alt_names)}, {"addresses", join(e.addresses)},
          {"federal_register_notice", e.federal_register_notice},
          {"license_requirement", e.license_requirement}, {"license_policy", e.license_policy},
          {"start_date", e.start_date},     {"end_date", e.end_date}};
}

std::map<std::string, const ListEntry*> by_key(const std::vector<ScreeningList>& lists) {
  std::map<std::string, const ListEntry*> m;
  for (const auto& l : lists)
    for (const auto& e : l.entries) m.emplace(e.key(), &e);
  return m;
}

// "certain match pub-huawei; possible match pub-x" from a stored matches array, or "no match".
std::string stored_signature(const json& matches) {
  std::vector<std::string> v;
  for (const auto& m : matches) v.push_back(m.value("outcome", "") + " " + m.value("entry", ""));
  std::sort(v.begin(), v.end());
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
  return s.empty() ? "no match" : s;
}

std::string new_signature(const ScreenResult& r) {
  std::vector<std::string> v;
  for (const auto& c : r.candidates) v.push_back(std::string(outcome_name(c.outcome)) + " " + c.entry->key());
  std::sort(v.begin(), v.end());
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
  return s.empty() ? "no match" : s;
}

}  // namespace

ListDelta list_delta(const std::vector<ScreeningList>& older, const std::vector<ScreeningList>& newer) {
  ListDelta d;
  auto a = by_key(older), b = by_key(newer);
  for (const auto& [k, e] : b) {
    auto it = a.find(k);
    if (it == a.end()) {
      d.added.push_back(k);
      continue;
    }
    auto fa = entry_fields(*it->second), fb = entry_fields(*e);
    std::string fields;
    for (size_t i = 0; i < fa.size(); ++i)
      if (fa[i].second != fb[i].second) fields += (fields.empty() ? "" : ", ") + std::string(fa[i].first);
    if (!fields.empty()) {
      d.changed.push_back(k);
      d.changed_fields.push_back(fields);
    }
  }
  for (const auto& [k, e] : a)
    if (!b.count(k)) d.removed.push_back(k);
  return d;
}

RescreenReport rescreen(TraceStore& store, const PartyLists& newer) {
  RescreenReport rep;
  Screener screener(Screener::ShareIndex{}, *newer.index);
  std::map<std::string, bool> lists_seen;
  store.each(std::nullopt, true, false, [&](const TraceStore::Shown& s) {
    ++rep.decisions;
    if (s.json.find(",\"screening\":{") == std::string::npos) {
      ++rep.not_screened;
      return;
    }
    ++rep.screened;
    json j = json::parse(s.json)["screening"];
    for (const auto& l : j["lists"]) {
      std::string k = l.value("name", "") + " " + l.value("sha256", "");
      if (!lists_seen[k]) rep.stored_lists.push_back(k), lists_seen[k] = true;
    }
    RescreenHit hit;
    auto check = [&](const std::string& role, const json& p) {
      std::string name = p.value("name", ""), country = p.value("country", "");
      std::string before = stored_signature(p["matches"]);
      std::string after = new_signature(screener.screen(name, country));
      if (before != after) hit.changes.push_back({role, name, before, after});
    };
    for (const auto& p : j["parties"]) check(p.value("role", ""), p);
    if (j["affiliates"].contains("owners"))
      for (const auto& o : j["affiliates"]["owners"]) check("owner", o);
    if (hit.changes.empty()) return;
    hit.seq = s.seq, hit.run = s.run, hit.line = s.line, hit.id = s.id, hit.verdict = s.verdict;
    hit.input_path = s.input_path;
    rep.hits.push_back(std::move(hit));
  });
  return rep;
}

// (Every text from a list or the store is escaped as the terminal shows it, engine/base's printable(): a list entry
// or a stored party name cannot move the cursor or display other than it reads.)
std::string rescreen_text(const RescreenReport& r, const ListDelta* delta) {
  const auto P = [](std::string_view s) { return printable(s); };
  std::string out;
  if (delta) {
    out += "list delta: " + std::to_string(delta->added.size()) + " added, " + std::to_string(delta->removed.size()) +
           " removed, " + std::to_string(delta->changed.size()) + " changed\n";
    for (const auto& k : delta->added) out += "  + " + P(k) + "\n";
    for (const auto& k : delta->removed) out += "  - " + P(k) + "\n";
    for (size_t i = 0; i < delta->changed.size(); ++i)
      out += "  ~ " + P(delta->changed[i]) + " (" + P(delta->changed_fields[i]) + ")\n";
  }
  out += std::to_string(r.decisions) + " stored decisions: " + std::to_string(r.screened) + " screened (lists:";
  for (const auto& l : r.stored_lists) out += " " + P(l);
  out += "), " + std::to_string(r.not_screened) + " stored without screening (not re-screened)\n";
  out += std::to_string(r.hits.size()) + " decision" + (r.hits.size() == 1 ? "" : "s") +
         " whose parties match differently under the newer lists\n";
  for (const auto& h : r.hits) {
    out += "  seq " + std::to_string(h.seq) + " (run " + std::to_string(h.run) + ", " +
           (h.input_path.empty() ? "line " : P(h.input_path) + ":") + std::to_string(h.line) + ") " + P(h.id) +
           ", stored verdict " + P(h.verdict) + "\n";
    for (const auto& c : h.changes)
      out += "    " + P(c.role) + " \"" + P(c.name) + "\": was " + P(c.before) + "; now " + P(c.after) + "\n";
  }
  return out;
}

std::string rescreen_json(const RescreenReport& r, const ListDelta* delta, const PartyLists& newer) {
  ojson j;
  j["schema"] = "tollgate.rescreen/1";
  j["newer"] = ojson::parse("{" + newer.lists_json + "}");
  j["stored_lists"] = r.stored_lists;
  j["decisions"] = r.decisions;
  j["screened"] = r.screened;
  j["not_screened"] = r.not_screened;
  if (delta) {
    ojson changed = ojson::array();
    for (size_t i = 0; i < delta->changed.size(); ++i)
      changed.push_back({{"entry", delta->changed[i]}, {"fields", delta->changed_fields[i]}});
    j["delta"] = {{"added", delta->added}, {"removed", delta->removed}, {"changed", changed}};
  } else {
    j["delta"] = nullptr;
  }
  ojson hits = ojson::array();
  for (const auto& h : r.hits) {
    ojson ch = ojson::array();
    for (const auto& c : h.changes)
      ch.push_back({{"role", c.role}, {"name", c.name}, {"before", c.before}, {"after", c.after}});
    hits.push_back({{"seq", h.seq}, {"run", h.run}, {"input", h.input_path}, {"line", h.line}, {"id", h.id},
                    {"verdict", h.verdict}, {"changes", ch}});
  }
  j["hits"] = hits;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace tollgate
