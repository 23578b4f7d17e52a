// tollgate — loading rules files (with includes) and compiling them into a Program.
//
// Compilation is a named list of stages (OPA's compiler style), each appending diagnostics:
//   1. collect      declarations by kind; duplicate ids; rules outside a ruleset
//   2. rulesets     status, source, effective windows, replaced_by / replaces
//   3. definitions  cycles among groups / metrics / conditions
//   4. rules        clauses per kind, citations, windows, overrides (exists, same record kind, acyclic)
//   5. expressions  names (with "did you mean"), types, units; lowering into Program::nodes
//   6. reachability conditions that can never hold, decided from their thresholds
//   7. time         the partition of time into stretches with a constant set of rules in force
// Compilation stops after the stage in which an error was found.
#pragma once

#include <string>
#include <vector>

#include "engine/lang/program.hpp"
#include "grammar/parse.hpp"

namespace tollgate {

struct LoadResult {
  std::vector<syntax::File> files;      // each file once, includes resolved, in a deterministic order
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return !has_errors(diagnostics); }
};

// Loads rules from files and folders (every *.tg file in a folder, sorted by name), following includes
// relative to the including file. A file reached twice is loaded once.
LoadResult load_rules(const std::vector<std::string>& paths);

struct CompileResult {
  std::shared_ptr<const Program> program;  // null if there were errors
  std::vector<Diagnostic> diagnostics;      // errors and warnings, sorted
};

CompileResult compile(const std::vector<syntax::File>& files);

// load_rules + compile, the usual way in.
CompileResult load_and_compile(const std::vector<std::string>& paths);

// The folder of the bundled rules: $TOLLGATE_RULES if set, else the one this build was configured with.
std::string default_rules_dir();
std::string default_catalog_path();
std::string default_cases_dir();

// Edit distance, for "did you mean" help.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace tollgate
