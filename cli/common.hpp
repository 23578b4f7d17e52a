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
#include "engine/records/decode.hpp"
#include "engine/records/record.hpp"

namespace tollgate::cli {

// The exit codes, the same for every subcommand (docs/cli.md).
enum Exit { exit_ok = 0, exit_internal = 1, exit_bad_input = 2, exit_license = 3, exit_prohibited = 4,
           exit_tampered = 5 /* trace verify: the store was altered */,
           exit_changes = 6 /* diff --exit-code found changes; fmt --check found a file that would change */,
           exit_unresolved = 7 /* screen: a possible match, to be resolved (neither a pass nor bad input) */ };

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
Command add_schema(CLI::App& root, Globals& g);
Command add_fmt(CLI::App& root, Globals& g);
Command add_test(CLI::App& root, Globals& g);
Command add_generate(CLI::App& root, Globals& g);
Command add_audit(CLI::App& root, Globals& g);
Command add_trace(CLI::App& root, Globals& g);
Command add_diff(CLI::App& root, Globals& g);
Command add_serve(CLI::App& root, Globals& g);
Command add_screen(CLI::App& root, Globals& g);
Command add_catalog(CLI::App& root, Globals& g);

// The output conventions every subcommand that prints shares (docs/cli.md): --format FMT, one of the subcommand's
// formats (the first is the default); --json, a synonym of --format json; -o/--output FILE, written instead of
// standard output.
struct OutputOptions {
  std::string format;
  bool json = false;
  std::string output;
  // The format asked for: "json" with --json, else --format's.
  std::string chosen() const { return json ? std::string("json") : format; }
};
// Adds --format (checked against `formats`), --json (if "json" is one of them) and, with `with_file`, -o/--output.
void add_output_options(CLI::App& app, OutputOptions& o, const std::vector<std::string>& formats, bool with_file = true);
// Whether `output` (an -o FILE) may be written: it must not be one of `reads` (the files this command reads: its
// inputs, column map, lists, rules files, catalog, trace store; the same file by any path or link), and an existing
// SQLite database (a trace store) is never overwritten with output. Prints why not on stderr. "" and "-" (standard
// output) are always allowed. Found by a new user: `check x.csv -o x.csv` truncated its input, `audit --db a.db -o
// a.db` replaced a trace store with its summary.
bool output_allowed(const std::string& output, const std::vector<std::string>& reads);
// `more` and the files every subcommand may read: the rules files (--rules) and the catalog (--catalog).
std::vector<std::string> files_read(const Globals& g, std::vector<std::string> more);
// Where a subcommand prints: standard output, or the -o file (created or truncated). Null, with a message on
// stderr, if the file cannot be opened or output_allowed(o.output, reads) says no.
std::unique_ptr<std::ostream> open_output(const OutputOptions& o, const std::vector<std::string>& reads = {});
// The global error format's default: the environment variable TOLLGATE_ERROR_FORMAT (human | json) if set to one of
// those, else human; --error-format overrides it.
std::string default_error_format();
// With --error-format json, every line written to std::cerr from then on becomes one JSON object (docs/cli.md): a
// line "tollgate: error: MESSAGE" becomes {"code":"tollgate.cli.error","severity":"error","message":"MESSAGE"};
// "tollgate: internal error: ..." code tollgate.internal; "tollgate: warning: ..." severity warning; any other line
// severity note; a line that is already a JSON object (a rule diagnostic) is passed on as is. So the input errors
// every subcommand prints are JSON too, without each one formatting its own. Call once, after parsing the options.
void use_error_format(const Globals& g);

// Help texts without CLI11's placeholders: an option's value is named for what it is (DATE, FILE, FORMAT, NAME...),
// never "TEXT", and a positional taking up to N values reads "rules..." rather than "rules(0x)". Call on the root
// app after every subcommand is added (use_tollgate_formatter before adding them).
void name_placeholders(CLI::App& app);
void use_tollgate_formatter(CLI::App& app);

void print_diagnostics(const std::vector<Diagnostic>& ds, const Globals& g, std::ostream& os = std::cerr);
// Loads and compiles the rules (bundled unless --rules); prints diagnostics; null on errors.
std::shared_ptr<const Program> load_program(const Globals& g);
// Loads the catalog (bundled unless --catalog) with the program's record schema (its chip fields are the catalog's
// columns; records read with the catalog are read by that schema); prints the problem and returns nullopt on failure.
std::optional<Catalog> load_catalog(const Globals& g, const Program& program);
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

// How inputs are read (check, audit): --columns FILE, --decimal-comma, --sheet NAME (docs/records.md).
struct InputOptions {
  std::string columns, sheet;
  bool decimal_comma = false;
};
void add_input_options(CLI::App& app, InputOptions& o);
// The ReadOptions they give (the column map loaded); prints the problem and returns nullopt if the map is bad.
std::optional<ReadOptions> read_options(const InputOptions& o);

}  // namespace tollgate::cli
