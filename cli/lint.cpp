// tollgate lint — parse and check rules files; report every problem with file:line:col and a caret.
#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "engine/base/files.hpp"

namespace tollgate::cli {

Command add_lint(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("lint", "Check rules files: syntax, names, types, units, citations, windows");
  app->footer(R"(Examples:
  tollgate lint rules/
  tollgate --error-format json lint my_rules.tg     # diagnostics as JSON lines on stderr
  tollgate lint --format json my_rules.tg           # one JSON object on stdout: counts and diagnostics
Exit: 0 clean, 2 errors found.)");
  auto paths = std::make_shared<std::vector<std::string>>();
  auto out_opts = std::make_shared<OutputOptions>();
  app->add_option("paths", *paths, "Rules files or folders (default: the bundled rules/)");
  add_output_options(*app, *out_opts, {"text", "json"});
  return {app, [paths, out_opts, &g]() -> int {
            std::vector<std::string> p = paths->empty() ? std::vector<std::string>{default_rules_dir()} : *paths;
            CompileResult r = load_and_compile(p);
            size_t errors = 0, warnings = 0;
            for (const auto& d : r.diagnostics) (d.severity == Severity::error ? errors : warnings)++;
            if (out_opts->chosen() == "json") {
              // One object on standard output: the counts and every diagnostic (as --error-format json writes it).
              auto out = open_output(*out_opts, files_read(g, expand_paths(p, ".tg")));
              if (!out) return exit_bad_input;
              nlohmann::ordered_json j;
              j["ok"] = errors == 0;
              j["rulesets"] = r.program ? r.program->rulesets.size() : 0;
              j["rules"] = r.program ? r.program->rules.size() : 0;
              j["errors"] = errors;
              j["warnings"] = warnings;
              j["diagnostics"] = nlohmann::ordered_json::array();
              for (const auto& d : r.diagnostics) j["diagnostics"].push_back(nlohmann::ordered_json::parse(render_json(d)));
              *out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
              return errors ? exit_bad_input : exit_ok;
            }
            print_diagnostics(r.diagnostics, g);
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
