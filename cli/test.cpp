// tollgate test — run data-driven case files against the rules, with coverage of rules and citations.
#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "engine/base/files.hpp"
#include "engine/audit/cases.hpp"

namespace tollgate::cli {

Command add_test(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("test", "Run case files (expected verdicts) against the rules, with coverage");
  app->footer(R"(Examples:
  tollgate test                          # the bundled fixtures/cases/ against the bundled rules
  tollgate test --require-coverage fixtures/cases
  tollgate test --rules my_rules/ my_cases.json
Exit: 0 all cases pass (and, with --require-coverage, every rule fired somewhere), 2 otherwise.)");
  struct Opts {
    std::vector<std::string> paths;
    bool require_coverage = false;
    OutputOptions out;
  };
  auto o = std::make_shared<Opts>();
  app->add_option("paths", o->paths, "Case files or folders (default: the bundled fixtures/cases/)");
  app->add_flag("--require-coverage", o->require_coverage, "Fail if a rule never fires or a citation never appears");
  add_output_options(*app, o->out, {"text", "json"});
  add_rules_options(*app, g);
  return {app, [o, &g]() -> int {
            auto program = load_program(g);
            if (!program) return exit_bad_input;
            auto catalog = load_catalog(g, *program);
            if (!catalog) return exit_bad_input;
            std::vector<std::string> paths = o->paths;
            if (paths.empty()) paths.push_back(default_cases_dir());
            CaseReport rep = run_case_files(*program, *catalog, paths);
            bool coverage_ok = rep.uncovered_rules.empty() && rep.uncovered_citations.empty();
            const int rc = rep.failed == 0 && (!o->require_coverage || coverage_ok) ? exit_ok : exit_bad_input;
            auto out = open_output(o->out, files_read(g, expand_paths(paths, ".json")));
            if (!out) return exit_bad_input;
            if (o->out.chosen() == "json") {
              nlohmann::ordered_json j;
              j["passed"] = rep.passed;
              j["failed"] = rep.failed;
              j["failures"] = rep.failures;
              j["rules"] = program->rules.size();
              j["rules_fired"] = program->rules.size() - rep.uncovered_rules.size();
              j["never_fired"] = rep.uncovered_rules;
              j["citations_never_seen"] = rep.uncovered_citations;
              *out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
              return rc;
            }
            std::ostream& os = *out;
            for (const auto& f : rep.failures) os << "FAIL " << f << "\n";
            os << "coverage: " << (program->rules.size() - rep.uncovered_rules.size()) << " of "
                      << program->rules.size() << " rules fired in some case\n";
            for (const auto& r : rep.uncovered_rules) os << "  never fired: " << r << "\n";
            for (const auto& c : rep.uncovered_citations) os << "  citation never seen: " << c << "\n";
            os << rep.passed << " passed, " << rep.failed << " failed\n";
            return rc;
          }};
}

}  // namespace tollgate::cli
