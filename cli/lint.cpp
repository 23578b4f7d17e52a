// tollgate lint — parse and check rules files; report every problem with file:line:col and a caret.
#include "cli/common.hpp"

namespace tollgate::cli {

Command add_lint(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("lint", "Check rules files: syntax, names, types, units, citations, windows");
  app->footer(R"(Examples:
  tollgate lint rules/
  tollgate --error-format json lint my_rules.tg
Exit: 0 clean, 2 errors found.)");
  auto paths = std::make_shared<std::vector<std::string>>();
  app->add_option("paths", *paths, "Rules files or folders (default: the bundled rules/)");
  return {app, [paths, &g]() -> int {
            std::vector<std::string> p = paths->empty() ? std::vector<std::string>{default_rules_dir()} : *paths;
            CompileResult r = load_and_compile(p);
            print_diagnostics(r.diagnostics, g);
            size_t errors = 0, warnings = 0;
            for (const auto& d : r.diagnostics) (d.severity == Severity::error ? errors : warnings)++;
            if (g.error_format != "json") {
              if (r.program)
                std::cerr << "lint: " << r.program->rulesets.size() << " rulesets, " << r.program->rules.size()
                          << " rules: " << (warnings ? std::to_string(warnings) + " warnings" : "clean") << "\n";
              else
                std::cerr << "lint: " << errors << " error" << (errors == 1 ? "" : "s") << "\n";
            }
            return errors ? exit_bad_input : exit_ok;
          }};
}

}  // namespace tollgate::cli
