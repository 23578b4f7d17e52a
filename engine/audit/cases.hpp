// tollgate — data-driven case files (fixtures/cases/*.json): each case is a record, an as-of date and the
// expected decision. Used by `tollgate test` and by the doctest suite. The format is in docs/cases.md.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "engine/lang/program.hpp"
#include "engine/records/record.hpp"
#include "engine/eval/evaluate.hpp"

namespace tollgate {

struct CaseReport {
  size_t passed = 0, failed = 0;
  std::vector<std::string> failures;            // "file: case: what differed"
  std::vector<std::string> uncovered_rules;     // rules no case saw fire
  std::vector<std::string> uncovered_citations; // citations no fired rule carried
  size_t cases() const { return passed + failed; }
};

// Runs every case of the given files (folders: every *.json inside, sorted). A malformed case file, an unknown
// field, or a case that asserts nothing counts as a failure with the reason.
CaseReport run_case_files(const Program& p, const Catalog& catalog, const std::vector<std::string>& paths);

}  // namespace tollgate
