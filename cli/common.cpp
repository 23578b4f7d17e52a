// tollgate CLI — shared helpers (see common.hpp).
#include "engine/base/date.hpp"
#include "cli/common.hpp"
#include "engine/eval/evaluate.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace tollgate::cli {

void print_diagnostics(const std::vector<Diagnostic>& ds, const Globals& g, std::ostream& os) {
  for (const auto& d : ds) {
    if (g.error_format == "json") os << render_json(d) << "\n";
    else os << render_human(d);
  }
}

void add_output_options(CLI::App& app, OutputOptions& o, const std::vector<std::string>& formats, bool with_file) {
  o.format = formats.front();
  std::string list;
  for (const auto& f : formats) list += (list.empty() ? "" : ", ") + f;
  app.add_option("--format", o.format, "Output format: " + list + " (default " + formats.front() + ")")
      ->check(CLI::IsMember(formats));
  if (std::find(formats.begin(), formats.end(), "json") != formats.end())
    app.add_flag("--json", o.json, "The same as --format json");
  if (with_file) app.add_option("-o,--output", o.output, "Write to FILE instead of standard output");
}

bool output_allowed(const std::string& output, const std::vector<std::string>& reads) {
  if (output.empty() || output == "-") return true;
  std::error_code ec;
  if (!std::filesystem::exists(output, ec)) return true;
  for (const auto& r : reads) {
    if (r.empty() || r == "-") continue;
    if (std::filesystem::equivalent(output, r, ec)) {
      std::cerr << "tollgate: error: -o '" << output << "' is a file this command reads ('" << r
                << "'); tollgate does not overwrite its own input: write the output elsewhere\n";
      return false;
    }
  }
  std::ifstream in(output, std::ios::binary);
  char head[16] = {};
  if (in.read(head, sizeof head) && std::string_view(head, sizeof head) == std::string_view("SQLite format 3\0", 16)) {
    std::cerr << "tollgate: error: -o '" << output << "' is a SQLite database (a trace store?); tollgate does not "
              << "overwrite a database with output: write the output elsewhere\n";
    return false;
  }
  return true;
}

std::vector<std::string> files_read(const Globals& g, std::vector<std::string> more) {
  more.insert(more.end(), g.rules.begin(), g.rules.end());
  more.push_back(g.catalog);
  return more;
}

std::unique_ptr<std::ostream> open_output(const OutputOptions& o, const std::vector<std::string>& reads) {
  if (!output_allowed(o.output, reads)) return nullptr;
  if (o.output.empty() || o.output == "-") return std::make_unique<std::ostream>(std::cout.rdbuf());
  auto file = std::make_unique<std::ofstream>(o.output, std::ios::binary | std::ios::trunc);
  if (!*file) {
    std::cerr << "tollgate: error: cannot write '" << o.output << "'\n";
    return nullptr;
  }
  return file;
}

std::string default_error_format() {
  const char* env = std::getenv("TOLLGATE_ERROR_FORMAT");
  if (env && (std::string_view(env) == "json" || std::string_view(env) == "human")) return env;
  return "human";
}

namespace {
// A stream buffer that turns each line written to it into one JSON diagnostic line (see use_error_format).
class JsonLines : public std::streambuf {
 public:
  explicit JsonLines(std::streambuf* to) : to_(to) {}
  ~JsonLines() override { flush_line(); }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return 0;
    if (c == '\n') flush_line();
    else line_ += static_cast<char>(c);
    return c;
  }
  int sync() override { return to_->pubsync(); }

 private:
  void flush_line() {
    if (line_.empty()) return;
    std::string out;
    if (line_.front() == '{') out = line_;
    else {
      nlohmann::ordered_json j;
      auto starts = [&](std::string_view p) { return line_.compare(0, p.size(), p) == 0; };
      std::string_view code = "tollgate.cli.note", severity = "note";
      size_t skip = 0;
      if (starts("tollgate: error: ")) code = "tollgate.cli.error", severity = "error", skip = 17;
      else if (starts("tollgate: internal error: ")) code = "tollgate.internal", severity = "error", skip = 26;
      else if (starts("tollgate: warning: ")) code = "tollgate.cli.warning", severity = "warning", skip = 19;
      else if (starts("tollgate: ")) skip = 10;
      j["code"] = code;
      j["severity"] = severity;
      j["message"] = line_.substr(skip);
      out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    out += '\n';
    to_->sputn(out.data(), static_cast<std::streamsize>(out.size()));
    line_.clear();
  }
  std::streambuf* to_;
  std::string line_;
};
}  // namespace

void use_error_format(const Globals& g) {
  if (g.error_format != "json") return;
  static bool done = false;
  if (done) return;
  done = true;
  // Never freed: std::cerr may be written to (and flushed) until the very end of the program.
  std::cerr.rdbuf(new JsonLines(std::cerr.rdbuf()));
}

namespace {
class Formatter : public CLI::Formatter {
 public:
  std::string make_option_usage(const CLI::Option* opt) const override {
    std::string out = make_option_name(opt, true);
    if (opt->get_expected_max() > 1) out += "...";
    return opt->get_required() ? out : "[" + out + "]";
  }
};

std::string placeholder(const std::string& name) {
  static const std::map<std::string, std::string> names = {
      {"as-of", "DATE"}, {"vs", "DATE"}, {"rules", "PATH"}, {"catalog", "FILE"}, {"db", "FILE"},
      {"audit-db", "FILE"}, {"log", "FILE"}, {"lists", "FILE"}, {"report", "FILE"}, {"output", "FILE"},
      {"o", "FILE"}, {"svg", "FILE"}, {"json-input", "FILE"}, {"token-file", "FILE"}, {"port-file", "FILE"},
      {"spool", "DIR"}, {"resolutions", "FILE"}, {"input", "FILE"}, {"paths", "PATH"}, {"head", "HASH"},
      {"name", "NAME"}, {"country", "CODE"}, {"format", "FORMAT"}, {"error-format", "FORMAT"},
      {"listen", "HOST:PORT"}, {"id", "ID"}, {"tpp", "NUMBER"}, {"die-area", "MM2"}, {"interconnect", "GB/S"},
      {"memory-bw", "GB/S"}, {"peak-dense-tops", "NUMBER"}, {"bit-length", "BITS"}};
  auto it = names.find(name);
  if (it != names.end()) return it->second;
  std::string up;
  for (char c : name) up += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return up.empty() ? "VALUE" : up;
}
}  // namespace

void use_tollgate_formatter(CLI::App& app) { app.formatter(std::make_shared<Formatter>()); }

void name_placeholders(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    const std::string type = opt->get_type_name();
    if (type.rfind("TEXT", 0) != 0) continue;
    std::string name = opt->get_single_name();
    while (!name.empty() && name.front() == '-') name.erase(name.begin());
    opt->type_name(placeholder(name));
  }
  for (CLI::App* sub : app.get_subcommands({})) name_placeholders(*sub);
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

std::optional<Catalog> load_catalog(const Globals& g, const Program& program) {
  try {
    return Catalog::load(g.catalog.empty() ? default_catalog_path() : g.catalog, program.schema);
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
