// tollgate — implementation of engine/screen/report.hpp.
#include "engine/screen/report.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

namespace tollgate {
namespace {

std::string name_of(const std::string& path, ListNaming naming) {
  return naming == ListNaming::path ? path : std::filesystem::path(path).filename().string();
}

nlohmann::json candidate_json(const Candidate& c, ListNaming naming) {
  nlohmann::json toks = nlohmann::json::array();
  for (const auto& t : c.tokens)
    toks.push_back({{"party", t.party}, {"list", t.list}, {"how", t.how}, {"similarity", t.similarity},
                    {"weight", t.weight}});
  nlohmann::json j = {{"score", c.score}, {"name_score", c.name_score}, {"outcome", outcome_name(c.outcome)},
                      {"list", name_of(c.list->path, naming)}, {"source", c.entry->source}, {"entry", c.entry->key()},
                      {"name", c.entry->name}, {"matched_name", c.matched_name}, {"alias", c.alias},
                      {"tokens", toks}, {"unmatched", c.unmatched}, {"country", c.country},
                      {"addresses", c.entry->addresses}, {"federal_register_notice", c.entry->federal_register_notice},
                      {"start_date", c.entry->start_date}, {"license_requirement", c.entry->license_requirement},
                      {"license_policy", c.entry->license_policy}, {"effect", c.effect()}};
  if (c.resolution)
    j["resolution"] = {{"who", c.resolution->who}, {"when", c.resolution->when}, {"why", c.resolution->why},
                       {"line", c.resolution->line}};
  return j;
}

}  // namespace

std::string screen_result_json(const ScreenResult& r, const std::vector<ScreeningList>& lists,
                               const Resolutions* res, int indent, ListNaming naming) {
  nlohmann::json j = {{"party", r.party}, {"country", r.country}, {"normalized", r.normal.key()},
                      {"legal_forms", r.normal.legal_forms}, {"transliterated", r.normal.transliterated},
                      {"outcome", outcome_name(r.outcome)},
                      {"thresholds", {{"certain", certain_match_score}, {"possible", possible_match_score}}}};
  for (const auto& l : lists)
    j["lists"].push_back({{"path", name_of(l.path, naming)}, {"date", l.date}, {"sha256", l.sha256},
                          {"entries", l.entries.size()}});
  if (res) j["resolutions"] = {{"path", name_of(res->path, naming)}, {"sha256", res->sha256}, {"items", res->items.size()}};
  j["candidates"] = nlohmann::json::array();
  for (const auto& c : r.candidates) j["candidates"].push_back(candidate_json(c, naming));
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tollgate
