// tollgate — command-line entry point: global options and dispatch. Each subcommand lives in its own file.
#include <iostream>

#include "cli/common.hpp"
#include "engine/render/render.hpp"

int main(int argc, char** argv) {
  using namespace tollgate::cli;
  CLI::App app{"tollgate: an export-control compliance rules engine for AI chips (US 3A090 regimes, 2022-2026)",
               "tollgate"};
  app.set_version_flag("--version", std::string(tollgate::engine_version));
  app.require_subcommand(1);
  use_tollgate_formatter(app);  // before the subcommands: they take the root's formatter
  app.fallthrough();  // global options (--error-format) may also follow the subcommand
  app.footer(
      "Exit codes (every subcommand; docs/cli.md): 0 success (all allowed or NOTIFY only), 1 internal error,\n"
      "2 bad input, options or rules (diagnostics printed), 3 some record needs a licence, 4 some record is\n"
      "prohibited, 5 trace verify: the store fails verification (tampered), 6 changes found (diff --exit-code,\n"
      "fmt --check), 7 screen: a possible match to resolve.\n"
      "Run `tollgate SUBCOMMAND --help` for examples. Docs: README.md and docs/ in the source tree.");
  Globals g;
  g.error_format = default_error_format();  // TOLLGATE_ERROR_FORMAT, else human
  app.add_option("--error-format", g.error_format,
                 "Every diagnostic (rule errors, input errors, option errors) as human text or JSON lines; default: "
                 "the environment variable TOLLGATE_ERROR_FORMAT, else human")
      ->check(CLI::IsMember({"human", "json"}));
  std::vector<Command> cmds = {add_check(app, g), add_classify(app, g), add_lint(app, g), add_fmt(app, g),
                               add_test(app, g), add_generate(app, g), add_audit(app, g), add_trace(app, g), add_diff(app, g),
                               add_serve(app, g),
                               add_screen(app, g), add_schema(app, g),
                               add_catalog(app, g)};
  name_placeholders(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e) == 0 ? 0 : exit_bad_input;  // help and --version, as they are
    // An option error is an error (also in --error-format json, where a bare CLI11 line would read as a note).
    use_error_format(g);
    std::string why = e.what();
    if (app.get_subcommands().empty() && argc > 1 && argv[1][0] != '-')
      why = "'" + std::string(argv[1]) + "' is not a tollgate subcommand";
    std::cerr << "tollgate: error: " << why << "\n"
              << "run `tollgate --help` for the subcommands, `tollgate SUBCOMMAND --help` for their options\n";
    return exit_bad_input;
  }
  use_error_format(g);
  try {
    for (auto& c : cmds)
      if (c.app->parsed()) return c.run();
  } catch (const std::exception& e) {
    std::cerr << "tollgate: internal error: " << e.what() << "\n";
    return exit_internal;
  }
  return exit_internal;
}
