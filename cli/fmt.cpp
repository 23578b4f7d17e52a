// tollgate fmt — rewrite rules files in the canonical layout (or, with --check, list those that differ).
// Every run checks itself: the formatted text must parse to the same tree with the same comments.
#include <fstream>
#include <filesystem>

#include "cli/common.hpp"
#include "engine/format.hpp"

namespace tollgate::cli {

Command add_fmt(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("fmt", "Format rules files in the canonical layout");
  app->footer(R"(Examples:
  tollgate fmt rules/            # rewrite in place
  tollgate fmt --check rules/    # exit 1 and list files that are not formatted
Exit: 0 formatted (or already so), 1 --check found files to format, 2 a file does not parse.)");
  struct Opts {
    std::vector<std::string> paths;
    bool check = false;
  };
  auto o = std::make_shared<Opts>();
  app->add_option("paths", o->paths, "Rules files or folders")->required();
  app->add_flag("--check", o->check, "Change nothing; exit 1 if a file is not in canonical format");
  return {app, [o, &g]() -> int {
            std::vector<std::string> files;
            for (const auto& p : o->paths) {
              if (std::filesystem::is_directory(p)) {
                std::vector<std::string> names;
                for (const auto& e : std::filesystem::directory_iterator(p))
                  if (e.path().extension() == ".tg") names.push_back(e.path().string());
                std::sort(names.begin(), names.end());
                files.insert(files.end(), names.begin(), names.end());
              } else {
                files.push_back(p);
              }
            }
            int rc = 0;
            for (const auto& path : files) {
              std::string text;
              try {
                text = read_input(path);
              } catch (const std::exception& e) {
                std::cerr << "tollgate: error: " << e.what() << "\n";
                return exit_bad_input;
              }
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
