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

void add_input_options(CLI::App& app, InputOptions& o) {
  app.add_option("--columns", o.columns,
                 "Column map (.json or .toml): which export column is which field, columns to ignore, value maps, "
                 "fixed values (docs/records.md)");
  app.add_flag("--decimal-comma", o.decimal_comma,
               "Numbers are written with a decimal comma and '.' between thousands (25.000,00); never guessed");
  app.add_option("--sheet", o.sheet, "The .xlsx sheet to read (default: the first)");
}

std::optional<ReadOptions> read_options(const InputOptions& o) {
  ReadOptions r;
  r.decimal_comma = o.decimal_comma;
  r.sheet = o.sheet;
  if (!o.columns.empty()) {
    try {
      r.columns = load_column_map(o.columns);
    } catch (const std::exception& e) {
      std::cerr << "tollgate: error: " << e.what() << "\n";
      return std::nullopt;
    }
  }
  return r;
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

}  // namespace tollgate::cli
