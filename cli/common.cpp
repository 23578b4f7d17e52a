// tollgate CLI — shared helpers (see common.hpp).
#include "engine/base/date.hpp"
#include "cli/common.hpp"
#include "engine/eval/evaluate.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

namespace tollgate::cli {

void print_diagnostics(const std::vector<Diagnostic>& ds, const Globals& g, std::ostream& os) {
  for (const auto& d : ds) {
    if (g.error_format == "json") os << render_json(d) << "\n";
    else os << render_human(d);
  }
}

void add_rules_options(CLI::App& app, Globals& g) {
  app.add_option("--rules", g.rules, "Rules file or folder (repeatable; default: the bundled rules/)");
  app.add_option("--catalog", g.catalog, "Chip catalog CSV (default: the bundled fixtures/chips.csv)");
}

std::shared_ptr<const Program> load_program(const Globals& g) {
  std::vector<std::string> paths = g.rules.empty() ? std::vector<std::string>{default_rules_dir()} : g.rules;
  CompileResult r = load_and_compile(paths);
  print_diagnostics(r.diagnostics, g);
  return r.program;
}

std::optional<Catalog> load_catalog(const Globals& g) {
  try {
    return Catalog::load(g.catalog.empty() ? default_catalog_path() : g.catalog);
  } catch (const std::exception& e) {
    std::cerr << "tollgate: error: " << e.what() << "\n";
    return std::nullopt;
  }
}

Catalog::Classifier chip_classifier(std::shared_ptr<const Program> program) {
  return [program](const Facts& chip, Day day) -> std::string {
    Facts f = chip;
    f.kind = RecordKind::chip;
    Decision d = evaluate(*program, f, -1, day, EvalOptions{});
    return d.failed ? "class unknown" : klass_name(d.klass);
  };
}

std::string read_input(const std::string& path) {
  std::ostringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "'");
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> read_input_or_report(const std::string& path) {
  try {
    return read_input(path);
  } catch (const std::exception& e) {
    std::cerr << "tollgate: error: " << e.what() << "\n";
    return std::nullopt;
  }
}

Day today() {
  auto now = std::chrono::system_clock::now();
  auto days = std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count() / 24;
  return static_cast<Day>(days);
}

void add_lists_options(CLI::App& app, ListsOptions& o) {
  app.add_option("--lists", o.lists,
                 "Screen the parties (end_user, consignee, intermediate_consignee, purchaser, end_user_owners) against "
                 "these screening lists (the CSL's CSV or JSON layout; docs/screening.md)")
      ->expected(1, -1);
  app.add_option("--resolutions", o.resolutions,
                 "Accepted non-matches (CSV party,entry,who,when,why) that settle possible matches (needs --lists)");
}

std::shared_ptr<const PartyLists> load_lists(const ListsOptions& o, bool& ok) {
  ok = true;
  if (o.lists.empty()) {
    if (!o.resolutions.empty()) {
      std::cerr << "tollgate: error: --resolutions needs --lists\n";
      ok = false;
    }
    return nullptr;
  }
  try {
    return load_party_lists(o.lists, o.resolutions);
  } catch (const std::exception& e) {
    std::cerr << "tollgate: error: " << e.what() << "\n";
    ok = false;
    return nullptr;
  }
}

}  // namespace tollgate::cli
