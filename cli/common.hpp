// tollgate CLI — what the subcommands share: options for rules and catalog, diagnostics printing, file reading.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/lang/compile.hpp"
#include "engine/parties/parties.hpp"
#include "engine/records/record.hpp"

namespace tollgate::cli {

// DESIGN §8.
enum Exit { exit_ok = 0, exit_internal = 1, exit_bad_input = 2, exit_license = 3, exit_prohibited = 4,
           exit_tampered = 5 /* trace verify: the store was altered */ };

struct Globals {
  std::string error_format = "human";   // human | json
  std::vector<std::string> rules;       // rules files/folders; empty: the bundled rules
  std::string catalog;                  // empty: the bundled catalog
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_check(CLI::App& root, Globals& g);
Command add_classify(CLI::App& root, Globals& g);
Command add_lint(CLI::App& root, Globals& g);
Command add_fmt(CLI::App& root, Globals& g);
Command add_test(CLI::App& root, Globals& g);
Command add_generate(CLI::App& root, Globals& g);
Command add_audit(CLI::App& root, Globals& g);
Command add_trace(CLI::App& root, Globals& g);
Command add_diff(CLI::App& root, Globals& g);
Command add_serve(CLI::App& root, Globals& g);
Command add_screen(CLI::App& root, Globals& g);

void print_diagnostics(const std::vector<Diagnostic>& ds, const Globals& g, std::ostream& os = std::cerr);
// Loads and compiles the rules (bundled unless --rules); prints diagnostics; null on errors.
std::shared_ptr<const Program> load_program(const Globals& g);
// Loads the catalog (bundled unless --catalog); prints the problem and returns nullopt on failure.
std::optional<Catalog> load_catalog(const Globals& g);
// A catalog chip's class name on a day under `program` ("class unknown" if the rules cannot classify it), for the
// classes shown with an unknown chip's suggestions (Catalog::classify_with). Keeps `program` alive.
Catalog::Classifier chip_classifier(std::shared_ptr<const Program> program);
// Reads a file, or standard input for "-". Throws std::runtime_error if unreadable.
std::string read_input(const std::string& path);
// read_input, or a message on stderr and nullopt.
std::optional<std::string> read_input_or_report(const std::string& path);
// Today's date (UTC) from the system clock: used only as the CLI's default as-of for a chip with no date.
Day today();
void add_rules_options(CLI::App& app, Globals& g);

// --lists FILE... and --resolutions FILE (party screening, issue 16), for check, audit and diff.
struct ListsOptions {
  std::vector<std::string> lists;
  std::string resolutions;
};
void add_lists_options(CLI::App& app, ListsOptions& o);
// The lists read (null when no --lists); on an unreadable file or row: the message on stderr and `ok` false.
std::shared_ptr<const PartyLists> load_lists(const ListsOptions& o, bool& ok);

}  // namespace tollgate::cli
