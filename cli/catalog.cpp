// tollgate catalog — lists the chip catalog, or searches it for a name as sold (the resolver records use:
// Catalog::resolve, names.cpp), with each chip's class under the rules in force on a date, its key figures, the
// names it is sold under and the source of its facts.
#include "cli/common.hpp"
#include "engine/base/number.hpp"
#include "engine/base/text.hpp"

namespace tollgate::cli {

namespace {

struct Opts {
  std::string query, as_of;
  OutputOptions out;  // --format text|json, --json, -o FILE (docs/cli.md)
};

// Performance density (TPP / die area), exactly where the decimal ends, else to four places marked "≈"; "" if
// there is no die area.
std::string density(const Facts& f) {
  Exact pd;
  if (!f.has(s_chip_tpp) || !f.has(s_chip_die_area_mm2) ||
      !exact_div(exact_from_micro(f.num[s_chip_tpp]), exact_from_micro(f.num[s_chip_die_area_mm2]), pd))
    return "";
  auto exact = format_exact_terminating(pd);
  return exact ? *exact : "\u2248" + format_exact_rounded(pd, 4);
}

std::string number_or(const Facts& f, int slot, const char* none) {
  return f.has(slot) ? format_micro(f.num[static_cast<size_t>(slot)]) : std::string(none);
}

void json_list(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, v[i]);
  }
  out += ']';
}

std::string chip_json(const Catalog& c, const std::string& name, Day day) {
  const Facts& f = *c.find(name);
  std::string out = "{\"name\":";
  append_json_string(out, name);
  for (auto [key, slot] : {std::pair{"vendor", t_chip_vendor}, std::pair{"family", t_chip_family}}) {
    out += ",\"" + std::string(key) + "\":";
    if (f.has_text(slot)) append_json_string(out, f.text(slot));
    else out += "null";
  }
  out += ",\"class\":";
  append_json_string(out, c.class_of(name, day));
  for (auto [key, slot] : {std::pair{"tpp", s_chip_tpp}, std::pair{"die_area_mm2", s_chip_die_area_mm2},
                           std::pair{"interconnect_gbps", s_chip_interconnect_gbps},
                           std::pair{"memory_bw_gbps", s_chip_memory_bw_gbps}})
    out += ",\"" + std::string(key) + "\":" + number_or(f, slot, "null");
  out += ",\"performance_density\":";
  if (std::string pd = density(f); pd.empty()) out += "null";
  else append_json_string(out, pd);
  out += ",\"aliases\":";
  json_list(out, c.aliases(name));
  out += ",\"part_numbers\":";
  json_list(out, c.part_numbers(name));
  out += ",\"source\":";
  append_json_string(out, c.source(name));
  return out + "}";
}

void chip_text(std::ostream& os, const Catalog& c, const std::string& name, Day day) {
  const Facts& f = *c.find(name);
  os << name << "  (" << (f.has_text(t_chip_vendor) ? f.text(t_chip_vendor) : "vendor unknown") << ")\n";
  os << "  class " << c.class_of(name, day) << "   TPP " << number_or(f, s_chip_tpp, "unknown") << "   die area "
            << number_or(f, s_chip_die_area_mm2, "unknown") << " mm2   PD "
            << (density(f).empty() ? "not computable" : density(f)) << "\n";
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
    return s;
  };
  if (!c.aliases(name).empty()) os << "  aliases       " << list(c.aliases(name)) << "\n";
  if (!c.part_numbers(name).empty()) os << "  part numbers  " << list(c.part_numbers(name)) << "\n";
  os << "  source        " << c.source(name) << "\n";
}

// The search as one JSON object: {"query", "as_of", "resolved", "via", "ambiguous", "chips": [...]}.
std::string search_json(const Catalog& c, const Opts& o, const Catalog::Resolution& r,
                        const std::vector<std::string>& found, Day day) {
  std::string out = "{\"query\":";
  append_json_string(out, o.query);
  out += ",\"as_of\":\"" + format_date(day) + "\",\"resolved\":";
  if (r.chip) append_json_string(out, r.name);
  else out += "null";
  out += ",\"via\":";
  if (r.chip) append_json_string(out, r.via);
  else out += "null";
  out += std::string(",\"ambiguous\":") + (r.ambiguous ? "true" : "false") + ",\"chips\":[";
  for (size_t i = 0; i < found.size(); ++i) out += (i ? "," : "") + chip_json(c, found[i], day);
  return out + "]}\n";
}

int run(const Opts& o, const Globals& g) {
  Day day = today();
  if (!o.as_of.empty()) {
    auto d = parse_date(o.as_of);
    if (!d) {
      std::cerr << "tollgate: error: --as-of '" << o.as_of << "' is not a real date (" << date_form << ")\n";
      return exit_bad_input;
    }
    day = *d;
  }
  auto out = open_output(o.out, files_read(g, {}));  // never the rules or the catalog it reads
  if (!out) return exit_bad_input;
  auto program = load_program(g);
  if (!program) return exit_bad_input;
  auto catalog = load_catalog(g, *program);
  if (!catalog) return exit_bad_input;
  catalog->classify_with(chip_classifier(program));
  const std::vector<std::string> found = catalog->search(o.query);
  const Catalog::Resolution r = o.query.empty() ? Catalog::Resolution{} : catalog->resolve(o.query);
  const int rc = found.empty() ? exit_bad_input : exit_ok;
  if (o.out.chosen() == "json") {
    *out << search_json(*catalog, o, r, found, day);
    return rc;
  }
  if (!o.query.empty()) {
    if (r.chip) *out << "'" << o.query << "' is catalog chip '" << r.name << "' (" << r.via << ")\n";
    else *out << catalog->unresolved_message(o.query, day) << "\n";
    if (!found.empty()) *out << "\n";
  }
  for (size_t i = 0; i < found.size(); ++i) {
    if (i) *out << "\n";
    chip_text(*out, *catalog, found[i], day);
  }
  *out << "\n" << found.size() << " of " << catalog->size() << " catalog chips; classes as of " << format_date(day)
       << "\n";
  return rc;
}

}  // namespace

Command add_catalog(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("catalog", "List the chip catalog, or search it for a chip name as sold");
  app->footer(R"(Examples:
  tollgate catalog                                   every chip, with its class today
  tollgate catalog "NVIDIA H100 80GB HBM3 SXM5"      the chip this name resolves to (here H100 SXM5 80GB)
  tollgate catalog H100 --as-of 2024-01-01           an ambiguous name: every candidate, with its class
  tollgate catalog nvidia --format json
A name resolves only if it names one catalog chip (docs/records.md, "Unknown chips"); the chips listed after it
are the candidates, then every chip whose names, vendor or family contain the query.
Exit: 0 chips listed, 2 none matched (or bad input).)");
  auto o = std::make_shared<Opts>();
  app->add_option("query", o->query, "A chip name as sold, part number, vendor or family (default: list all)");
  add_output_options(*app, o->out, {"text", "json"});
  app->add_option("--as-of", o->as_of, "Date of the rules that give each chip's class (default: today)");
  add_rules_options(*app, g);
  return {app, [o, &g]() -> int { return run(*o, g); }};
}

}  // namespace tollgate::cli
