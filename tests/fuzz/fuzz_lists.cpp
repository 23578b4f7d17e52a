// tollgate fuzz target — what party screening reads from outside (issue 16): screening lists in the CSL's CSV and
// JSON layouts, resolution files, and party names. The first byte of an input picks what the rest is:
//  0  a screening list (parse_screening_list: CSV, or JSON if it starts with '{' or '['). Every row is accounted
//     for (an entry or a problem); a list read with no problem is indexed, and its first entries' names are
//     screened against it (screen_checked below);
//  1  a resolution file (parse_resolutions), used with the bundled sample list: each resolution's party screened;
//  2  a party name, screened against the bundled sample list with and without a country (the next two bytes).
// screen_checked: the cached and uncached answers agree, candidates come best first, and each candidate's outcome
// is the one its score gives (docs/screening.md §4: certain at 900 per mille and above, possible from 750).
// A crash, a sanitizer report, a hang, a throw other than a list's or resolution file's own refusal
// (std::runtime_error), or a broken invariant (abort) is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/screen/list.hpp"
#include "engine/screen/match.hpp"

namespace {
using namespace tollgate;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_lists: invariant broken: %s\n", what);
    std::abort();
  }
}

const std::vector<ScreeningList>& sample_lists() {
  static const std::vector<ScreeningList> lists = [] {
    std::vector<ScreeningList> l;
    l.push_back(read_screening_list(TOLLGATE_SOURCE_DIR "/fixtures/lists/csl_sample.csv"));
    return l;
  }();
  return lists;
}

void screen_checked(Screener& s, const std::string& name, const std::string& country) {
  const ScreenResult& cached = s.screen(name, country);
  const ScreenResult again = s.screen_uncached(name, country);
  require(cached.outcome == again.outcome && cached.candidates.size() == again.candidates.size(),
          "the cached and uncached answers differ");
  for (size_t i = 0; i < cached.candidates.size(); ++i) {
    const Candidate& c = cached.candidates[i];
    require(c.score == again.candidates[i].score && c.entry == again.candidates[i].entry,
            "the cached and uncached candidates differ");
    require(c.score >= possible_match_score && c.score <= 1000, "a candidate's score is out of range");
    require(i == 0 || cached.candidates[i - 1].score >= c.score, "candidates are not best first");
    if (c.score >= certain_match_score) require(c.outcome == MatchOutcome::certain, "a certain score not certain");
    else require(c.outcome == MatchOutcome::possible || c.outcome == MatchOutcome::resolved,
                 "a possible score neither possible nor resolved");
    require(c.outcome != MatchOutcome::resolved || c.resolution, "a resolved candidate without its resolution");
  }
}

void fuzz_list(const std::string& bytes) {
  ScreeningList list;
  try {
    list = parse_screening_list(bytes, "fuzz");
  } catch (const std::runtime_error&) {
    return;  // not a list at all (no header naming `name`, malformed JSON): refused, as it should be
  }
  // Every row read is an entry or one problem (file, line, field, reason): none is lost.
  require(list.entries.size() + list.problems.size() == static_cast<size_t>(list.rows),
          "entries and problems do not account for the rows");
  for (const auto& e : list.entries) require(!e.name.empty() && !e.source_short.empty(), "an entry without a name or list");
  if (!list.problems.empty()) return;  // (tollgate refuses to screen with such a list)
  std::vector<ScreeningList> lists;
  lists.push_back(std::move(list));
  Screener s(lists);
  for (size_t i = 0; i < lists[0].entries.size() && i < 4; ++i) screen_checked(s, lists[0].entries[i].name, "");
}

void fuzz_resolutions(const std::string& bytes) {
  Resolutions res;
  try {
    res = parse_resolutions(bytes, "fuzz");
  } catch (const std::runtime_error&) {
    return;  // no header: refused
  }
  for (const auto& r : res.items)
    require(!r.party.empty() && !r.entry.empty() && !r.who.empty() && !r.when.empty() && !r.why.empty(),
            "a resolution without who, when or why was kept");
  if (!res.problems.empty()) return;
  Screener s(sample_lists(), &res);
  for (size_t i = 0; i < res.items.size() && i < 4; ++i) screen_checked(s, res.items[i].party, "");
}

void fuzz_name(const std::string& bytes) {
  static Screener s(sample_lists());
  std::string country = bytes.size() >= 2 ? bytes.substr(0, 2) : "";
  std::string name = bytes.size() >= 2 ? bytes.substr(2) : bytes;
  screen_checked(s, name, "");
  screen_checked(s, name, country);
  if (s.cache_size() > 4096) s.clear_cache();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: fuzz_list(rest); break;
    case 1: fuzz_resolutions(rest); break;
    default: fuzz_name(rest); break;
  }
  return 0;
}
