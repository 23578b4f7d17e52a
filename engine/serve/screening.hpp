// tollgate serve — the screening lists the server holds (`serve --lists FILE... [--resolutions FILE]`) and
// POST /v1/screen (docs/server.md, docs/screening.md). The lists are read and checked once, kept immutable in the
// Engine (service.hpp) beside the rules, and replaced whole by a reload: every part of the server that screens
// parties (/v1/screen, and /v1/check's party screening) reaches them through Engine::screening.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/parties/parties.hpp"
#include "engine/screen/match.hpp"

namespace tollgate::serve {

struct Engine;
struct Judgement;

// The lists and resolutions in force. Screeners (ICU state, not thread-safe) are made per thread from it.
struct ScreeningSet {
  std::vector<ScreeningList> lists;
  std::optional<Resolutions> resolutions;
  const Resolutions* resolutions_or_null() const { return resolutions ? &*resolutions : nullptr; }
  // The same lists for screening a /v1/check record's parties inside its decision (engine/parties, as check --lists
  // does); a copy, indexed once and shared by the threads.
  std::shared_ptr<const PartyLists> parties;
};

// Reads the lists (CSL CSV or JSON) and the resolutions file, if any. Fails closed: a row that cannot be read could
// be the listed party, so any problem row (or an unreadable file) is an error, returned in `error` (file names and
// lines, no folders) with a null result; as `tollgate screen` refuses to screen.
std::shared_ptr<const ScreeningSet> load_screening(const std::vector<std::string>& lists,
                                                   const std::string& resolutions, std::string& error);

// This thread's Screener for these lists (built on first use per thread and per ScreeningSet: indexing a large
// list takes a while, once). Null if the engine has no lists.
Screener* thread_screener(const Engine& e);
// This thread's PartyScreen for /v1/check (its caches are its own; rebuilt when the lists are reloaded). Null if
// the engine has no lists.
PartyScreen* thread_party_screen(const Engine& e);

// POST /v1/screen: {"name": "...", "country": "CN"} (country optional, ISO 3166-1 alpha-2), or an array of them
// (at most `max_parties`). The answer is, for each party, the document of `tollgate screen --format json`
// (engine/screen/report.hpp; lists named by file name), in the request's layout (an object or an array). A party
// that cannot be screened (no name, a name with no letters or digits or over 1,000 bytes, a bad country) is an
// error object {"error": {"code", "field", "message"}} in its place and the status is 400; the others are still
// screened. Status 503 if the server has no lists. Never throws on bad input.
Judgement screen_body(const Engine& e, std::string_view body, size_t max_parties = 1000);

// The lists and resolutions in force, for GET /v1/rulesets and /healthz:
// "screening":{"lists":[{"name","date","sha256","entries"}],"resolutions":{"name","sha256","items"}|null}, or
// "screening":null without --lists.
std::string screening_json(const Engine& e);

}  // namespace tollgate::serve
