// tollgate fmt — rules files in the canonical layout: prints the formatted text (or, with --diff, a unified diff),
// writes files only with --write, and with --check exits 6 if a file would change (docs/cli.md).
// Every run checks itself: the formatted text must parse to the same tree with the same comments.
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/base/files.hpp"
#include "engine/base/text.hpp"
#include "cli/common.hpp"
#include "engine/lang/format.hpp"

namespace tollgate::cli {
namespace {

struct FmtOpts {
  std::vector<std::string> paths;
  bool check = false, diff = false, write = false;
  OutputOptions out;
};

// What fmt says about one file that parsed and formatted: its formatted text, or its diff, or that it changed.
void report_file(std::ostream& os, const FmtOpts& o, const std::string& path, const std::string& text,
                 const std::string& formatted, bool several) {
  const bool changed = formatted != text;
  if (o.out.chosen() == "json") {
    nlohmann::ordered_json j;
    j["file"] = path;
    j["changed"] = changed;
    if (o.diff) j["diff"] = unified_diff(text, formatted, path, path + " (formatted)");
    else if (!o.check && !o.write) j["formatted"] = formatted;
    os << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  if (o.diff) os << unified_diff(text, formatted, path, path + " (formatted)");
  else if (o.check && changed) os << path << ": not in canonical format\n";
  else if (o.write && changed) os << "formatted " << path << "\n";
  else if (!o.check && !o.write) os << (several ? "== " + path + "\n" : "") << formatted;
}

}  // namespace

Command add_fmt(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("fmt", "Format rules files in the canonical layout");
  app->footer(R"(Examples:
  tollgate fmt rules/us_2023_ac.tg          # print the formatted text; change nothing
  tollgate fmt --diff rules/                # a unified diff of what formatting would change
  tollgate fmt --write rules/               # rewrite the files that are not formatted
  tollgate fmt --check rules/               # exit 6 and list the files that would change
Exit: 0 formatted (or already so), 6 --check found files that would change, 2 a file does not parse (or a folder
holds no .tg file), 1 internal error.)");
  auto o = std::make_shared<FmtOpts>();
  app->add_option("paths", o->paths, "Rules files or folders")->required();
  app->add_flag("--check", o->check, "Change nothing; exit 6 if a file is not in canonical format");
  app->add_flag("--diff", o->diff, "Print a unified diff of the changes formatting would make");
  app->add_flag("--write", o->write, "Rewrite the files that are not in canonical format");
  add_output_options(*app, o->out, {"text", "json"});
  return {app, [o, &g]() -> int {
            for (const auto& p : o->paths) {
              std::error_code ec;
              if (std::filesystem::is_directory(p, ec) && expand_paths({p}, ".tg").empty()) {
                // Nothing to format is not "all formatted": a wrong folder must not pass a --check.
                std::cerr << "tollgate: error: no .tg rules files in folder '" << p << "'\n";
                return exit_bad_input;
              }
            }
            if (o->write && o->check) {
              std::cerr << "tollgate: error: give --write or --check, not both\n";
              return exit_bad_input;
            }
            auto out = open_output(o->out, files_read(g, expand_paths(o->paths, ".tg")));
            if (!out) return exit_bad_input;
            const std::vector<std::string> files = expand_paths(o->paths, ".tg");
            int rc = exit_ok;
            for (const auto& path : files) {
              auto input = read_input_or_report(path);
              if (!input) return exit_bad_input;
              const std::string& text = *input;
              ParseResult pr = parse_rules(text, path);
              if (!pr.ok()) {
                print_diagnostics(pr.diagnostics, g);
                return exit_bad_input;
              }
              std::string formatted = format_file(pr.file);
              ParseResult again = parse_rules(formatted, path);
              std::string where;
              if (!again.ok() || !same_tree(pr.file, again.file, &where)) {
                std::cerr << "tollgate: internal error: formatting " << path << " changed its meaning (" << where
                          << "); the file is left as it is\n";
                return exit_internal;
              }
              report_file(*out, *o, path, text, formatted, files.size() > 1);
              if (formatted == text) continue;
              if (o->check) rc = exit_changes;
              if (o->write && !(std::ofstream(path, std::ios::binary | std::ios::trunc) << formatted)) {
                std::cerr << "tollgate: error: cannot write '" << path << "'\n";
                return exit_bad_input;
              }
            }
            return rc;
          }};
}

}  // namespace tollgate::cli
