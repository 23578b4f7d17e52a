// tollgate — a screening result as JSON: the document of `tollgate screen --format json` and of the server's
// POST /v1/screen (docs/screening.md, docs/server.md), from one function so that the two cannot drift apart.
#pragma once
#include <string>
#include <vector>

#include "engine/screen/match.hpp"

namespace tollgate {

// How a screening document names list and resolution files.
enum class ListNaming {
  path,       // as given on the command line (the CLI)
  file_name,  // the file name only (the server: its folders are its own business)
};

// {party, country, normalized, legal_forms, transliterated, outcome, thresholds, lists: [{path, date, sha256,
// entries}], resolutions?: {path, sha256, items}, candidates: [{score, name_score, outcome, list, source, entry,
// name, matched_name, alias, tokens, unmatched, country, addresses, federal_register_notice, start_date,
// license_requirement, license_policy, effect, resolution?}]}. Scores are integers per mille. `indent` < 0: one
// line; else pretty-printed with that many spaces. Invalid UTF-8 in names is replaced (U+FFFD), never an error.
std::string screen_result_json(const ScreenResult& r, const std::vector<ScreeningList>& lists,
                               const Resolutions* resolutions, int indent, ListNaming naming = ListNaming::path);

}  // namespace tollgate
