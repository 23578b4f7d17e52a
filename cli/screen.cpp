// tollgate screen — one party against screening lists, for the officer's one-off question: the candidates, their
// scores and the evidence, as text or JSON (docs/screening.md). Exit codes (docs/cli.md): 0 no match (or only
// resolved non-matches); a certain match, the verdict it implies (3 licence required, 4 prohibited); 7 a possible
// match to resolve; 2 bad input.
#include <algorithm>

#include "cli/common.hpp"
#include "engine/base/country.hpp"
#include "engine/base/text.hpp"
#include "engine/screen/match.hpp"
#include "engine/screen/report.hpp"

namespace tollgate::cli {
namespace {

struct ScreenOpts {
  std::string name, country, resolutions, format = "text";
  std::vector<std::string> lists;
  int generate = 0;
  uint64_t seed = 1;
};

void print_json(const ScreenResult& r, const std::vector<ScreeningList>& lists, const Resolutions* res) {
  std::cout << screen_result_json(r, lists, res, 2) << "\n";
}

// Text from a list, a resolution file or the command line, as the terminal shows it: control characters, bytes
// that are not UTF-8 and bidirectional controls escaped (engine/base's printable()), so that a list entry cannot
// move the cursor, recolour the screen or display other than it reads ("Trojan Source", CVE-2021-42574).
std::string P(std::string_view s) { return printable(s); }

void print_candidate(const Candidate& c) {
  const ListEntry& e = *c.entry;
  std::cout << "  [" << c.score << "] " << outcome_name(c.outcome) << ": " << P(e.source_short) << " \""
            << P(e.name) << "\" (entry " << P(e.key()) << ")\n";
  std::cout << "      matched " << (c.alias ? "alias" : "name") << " \"" << P(c.matched_name) << "\", names score "
            << c.name_score << "\n      tokens:";
  for (const auto& t : c.tokens)
    std::cout << " " << P(t.party) << "=" << P(t.list) << " (" << t.how << ", " << t.similarity << ", w" << t.weight
              << ")";
  std::cout << "\n";
  if (!c.unmatched.empty()) {
    std::cout << "      party words matching nothing:";
    for (const auto& u : c.unmatched) std::cout << " " << P(u);
    std::cout << "\n";
  }
  if (!c.country.empty()) std::cout << "      country: " << P(c.country) << "\n";
  std::cout << "      listed: " << (e.federal_register_notice.empty() ? "(no FR notice given)" : P(e.federal_register_notice))
            << (e.start_date.empty() ? "" : ", from " + P(e.start_date)) << "; review policy: "
            << (e.license_policy.empty() ? "(not stated)" : P(e.license_policy)) << "\n";
  std::cout << "      effect of a match: " << c.effect()
            << (e.source_short == "EL" || e.source_short == "DPL"
                    ? " (the encoding decisions, §7)\n"
                    : " (strict reading: the encoding decisions, §7, do not encode this list)\n");
  if (c.resolution)
    std::cout << "      resolved as a non-match by " << P(c.resolution->who) << " on " << P(c.resolution->when) << ": "
              << P(c.resolution->why) << "\n";
}

void print_text(const ScreenResult& r, const std::vector<ScreeningList>& lists, const Resolutions* res) {
  std::cout << "party: " << P(r.party) << (r.country.empty() ? "" : " (" + P(r.country) + ")") << "\nnormalized: "
            << P(r.normal.key()) << (r.normal.transliterated ? " (Chinese transliterated to pinyin)" : "");
  if (!r.normal.legal_forms.empty()) {
    std::cout << "; legal forms dropped:";
    for (const auto& l : r.normal.legal_forms) std::cout << " " << P(l);
  }
  std::cout << "\n";
  for (const auto& l : lists)
    std::cout << "list: " << P(l.path) << ", dated " << (l.date.empty() ? "(unknown)" : P(l.date)) << ", sha256 "
              << l.sha256 << ", " << l.entries.size() << " entries\n";
  if (res) std::cout << "resolutions: " << P(res->path) << ", sha256 " << res->sha256 << "\n";
  std::cout << "thresholds: certain >= " << certain_match_score << ", possible >= " << possible_match_score << "\n";
  for (const auto& c : r.candidates) print_candidate(c);
  std::cout << "outcome: " << outcome_name(r.outcome) << "\n";
  for (const auto& c : r.candidates)
    if (c.outcome == MatchOutcome::possible)
      std::cerr << "tollgate: error: possible match: \"" << P(r.party) << "\" resembles " << P(c.entry->source_short)
                << " entry \"" << P(c.entry->name) << "\" (score " << c.score << ", entry " << P(c.entry->key())
                << "); resolve it: add party,entry,who,when,why to a resolution file (--resolutions)\n";
}

// The exit code of a screening (docs/cli.md): a certain match exits as the verdict its entry implies (Entity List:
// 3, LICENSE_REQUIRED; Denied Persons and lists whose effect is not encoded: 4, PROHIBITED); an unresolved possible
// match 7, unless the certain matches already imply a verdict at least as strict as it could (a party certainly on
// the Denied Persons List that also resembles an Entity List entry is prohibited either way). So a match still to
// resolve never hides behind a licence, as a record not judged does not in `check`; 0 when nothing unresolved matched.
int screen_exit(const ScreenResult& r) {
  auto level = [](const Candidate& c) -> int {
    return c.effect() == "LICENSE_REQUIRED" ? exit_license : exit_prohibited;
  };
  int certain = exit_ok, possible = exit_ok;  // the strictest verdict implied by each kind of candidate
  for (const auto& c : r.candidates) {
    if (c.outcome == MatchOutcome::certain) certain = std::max(certain, level(c));
    if (c.outcome == MatchOutcome::possible) possible = std::max(possible, level(c));
  }
  return possible > certain ? exit_unresolved : certain;
}

int run_screen(const ScreenOpts& o) {
  if (o.generate > 0) {
    std::cout << synthetic_list_csv(o.generate, o.seed);
    return exit_ok;
  }
  if (o.name.empty()) {
    std::cerr << "tollgate: error: screen: give a party NAME (or --generate-list N)\n";
    return exit_bad_input;
  }
  if (!o.country.empty() && country_index(o.country) < 0) {
    std::cerr << "tollgate: error: --country '" << o.country << "' is not an ISO 3166-1 alpha-2 code\n";
    return exit_bad_input;
  }
  if (o.lists.empty()) {  // fail closed: "no match" against a demonstration list would read as a clean party
    std::cerr << "tollgate: error: screen: give --lists FILE (the Consolidated Screening List, CSV or JSON, from "
              << "trade.gov); to try tollgate, --lists " << bundled_screening_list()
              << " is a 27-entry demonstration sample, not the CSL\n";
    return exit_bad_input;
  }
  std::vector<ScreeningList> lists;
  bool bad = false;
  for (const auto& p : o.lists) {
    lists.push_back(read_screening_list(p));
    for (const auto& pr : lists.back().problems) {
      std::cerr << pr.file << ":" << pr.line << ": error: " << pr.field << ": " << pr.reason << "\n";
      bad = true;
    }
  }
  std::optional<Resolutions> res;
  if (!o.resolutions.empty()) {
    res = read_resolutions(o.resolutions);
    for (const auto& pr : res->problems) {
      std::cerr << pr.file << ":" << pr.line << ": error: " << pr.field << ": " << pr.reason << "\n";
      bad = true;
    }
  }
  if (bad) {  // a row not read could be the listed party: no answer rather than a false "no match"
    std::cerr << "tollgate: error: the lists or resolutions have rows that cannot be read; not screening\n";
    return exit_bad_input;
  }
  Screener screener(lists, res ? &*res : nullptr);
  ScreenResult r = screener.screen_uncached(o.name, o.country);
  if (r.normal.tokens.empty()) {  // only punctuation or spaces: nothing that could be compared, so no answer
    std::cerr << "tollgate: error: the name '" << o.name << "' has no letters or digits to screen\n";
    return exit_bad_input;
  }
  if (o.format == "json") print_json(r, lists, res ? &*res : nullptr);
  else print_text(r, lists, res ? &*res : nullptr);
  return screen_exit(r);
}

}  // namespace

Command add_screen(CLI::App& root, Globals&) {
  auto* app = root.add_subcommand("screen", "Screen a party's name against screening lists (CSL CSV/JSON)");
  app->footer(R"(Examples:
  tollgate screen "Huawei Technologies Co., Ltd." --country CN --lists csl.csv
  tollgate screen "北京壁仞科技开发有限公司" --lists csl.csv --format json
  tollgate screen "Example Trading Ltd" --lists csl.csv --resolutions resolved.csv
  tollgate screen --generate-list 15000 > synthetic.csv
--lists is required: a "no match" means something only against the real lists. The bundled sample
(fixtures/lists/csl_sample.csv) is a demonstration, not the CSL.
Exit codes: 0 no match (or only resolved non-matches); a certain match exits as the verdict the entry implies,
3 licence required (Entity List) or 4 prohibited (Denied Persons; other lists by the strict reading); 7 a possible
match (resolve it: add it to --resolutions, or treat it as a match); 2 bad input. See docs/cli.md.)");
  auto o = std::make_shared<ScreenOpts>();
  app->add_option("name", o->name, "The party's name as the order writes it");
  app->add_option("--country", o->country, "ISO alpha-2 country of the party's address (evidence)");
  app->add_option("--lists", o->lists, "Screening list files, CSL CSV or JSON (required)");
  app->add_option("--resolutions", o->resolutions, "Accepted non-matches: CSV party,entry,who,when,why");
  app->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  app->add_option("--generate-list", o->generate, "Write a synthetic list of N entries (CSL CSV) and stop")
      ->check(CLI::Range(1, 10'000'000));
  app->add_option("--seed", o->seed, "Seed for --generate-list");
  return {app, [o]() -> int {
            try {
              return run_screen(*o);
            } catch (const std::runtime_error& e) {
              std::cerr << "tollgate: error: " << e.what() << "\n";
              return exit_bad_input;
            }
          }};
}

}  // namespace tollgate::cli
