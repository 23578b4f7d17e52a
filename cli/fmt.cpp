// tollgate fmt — rewrite rules files in the canonical layout (or, with --check, list those that differ).
// Every run checks itself: the formatted text must parse to the same tree with the same comments.
#include <filesystem>
#include <fstream>

#include "engine/base/files.hpp"
#include "cli/common.hpp"
#include "engine/lang/format.hpp"

namespace tollgate::cli {

Command add_fmt(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("fmt", "Format rules files in the canonical layout");
  app->footer(R"(Examples:
  tollgate fmt rules/            # rewrite in place
  tollgate fmt --check rules/    # exit 1 and list files that are not formatted
Exit: 0 formatted (or already so), 1 --check found files to format, 2 a file does not parse (or a folder
holds no .tg file).)");
  struct Opts {
    std::vector<std::string> paths;
    bool check = false;
  };
  auto o = std::make_shared<Opts>();
  app->add_option("paths", o->paths, "Rules files or folders")->required();
  app->add_flag("--check", o->check, "Change nothing; exit 1 if a file is not in canonical format");
  return {app, [o, &g]() -> int {
            for (const auto& p : o->paths) {
              std::error_code ec;
              if (std::filesystem::is_directory(p, ec) && expand_paths({p}, ".tg").empty()) {
                // Nothing to format is not "all formatted": a wrong folder must not pass a --check.
                std::cerr << "tollgate: error: no .tg rules files in folder '" << p << "'\n";
                return exit_bad_input;
              }
            }
            const std::vector<std::string> files = expand_paths(o->paths, ".tg");
            int rc = 0;
            for (const auto& path : files) {
              auto input = read_input_or_report(path);
              if (!input) return exit_bad_input;
              const std::string& text = *input;
              ParseResult pr = parse_rules(text, path);
              if (!pr.ok()) {
                print_diagnostics(pr.diagnostics, g);
                return exit_bad_input;
              }
              std::string out = format_file(pr.file);
              ParseResult again = parse_rules(out, path);
              std::string where;
              if (!again.ok() || !same_tree(pr.file, again.file, &where)) {
                std::cerr << "tollgate: internal error: formatting " << path << " changed its meaning (" << where
                          << "); the file is left as it is\n";
                return exit_internal;
              }
              if (out == text) continue;
              if (o->check) {
                std::cout << path << ": not in canonical format\n";
                rc = 1;
              } else {
                std::ofstream(path, std::ios::binary | std::ios::trunc) << out;
                std::cout << "formatted " << path << "\n";
              }
            }
            return rc;
          }};
}

}  // namespace tollgate::cli
