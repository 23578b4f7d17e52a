// tollgate classify — the 3A090 class of a chip under the rules in force on a date, with the arithmetic shown.
#include <cstdio>
#include <nlohmann/json.hpp>  // (the canonical {"name": ...} of a chip given by name)

#include "engine/base/date.hpp"
#include "engine/base/money.hpp"
#include "engine/base/number.hpp"
#include "cli/common.hpp"
#include "engine/render/render.hpp"

namespace tollgate::cli {

namespace {

struct Opts {
  std::string name, json_input, as_of;
  // Numbers as the text typed, read exactly (parse_micro), never through a double.
  std::optional<std::string> tpp, die_area, interconnect, memory_bw, peak, bits;
  bool datacenter = false, no_datacenter = false;
  bool include_proposed = false, explain = false;
  OutputOptions out;  // --format text|json (--json), -o
};

// The chip given by flags, into r.facts; false (with a message on stderr) if a flag's value is not a number a
// record may give. --datacenter / --no-datacenter are never assumed: with neither, the fact is not given, and a
// rule it decides makes the answer an error naming chip.datacenter (as for a chip given as JSON).
bool chip_from_flags(const Opts& o, Record& r) {
  r.facts.kind = RecordKind::chip;
  r.id = "(chip from flags)";
  bool ok = true;
  auto put = [&](const std::optional<std::string>& v, int slot, const char* flag) {
    if (!v || !ok) return;
    NumberError why = NumberError::none;
    auto m = parse_micro(*v, &why);
    if (m && *m < 0) why = NumberError::syntax;
    if (!m || *m < 0) {
      std::cerr << "tollgate: error: " << flag << " '" << *v << "' " << (m ? "must not be negative" : describe(why))
                << "\n";
      ok = false;
      return;
    }
    r.facts.set_number(slot, *m);
  };
  put(o.tpp, s_chip_tpp, "--tpp");
  put(o.peak, s_chip_peak_dense_tops, "--peak-dense-tops");
  put(o.bits, s_chip_bit_length, "--bit-length");
  put(o.die_area, s_chip_die_area_mm2, "--die-area");
  put(o.interconnect, s_chip_interconnect_gbps, "--interconnect");
  put(o.memory_bw, s_chip_memory_bw_gbps, "--memory-bw");
  if (!ok) return false;
  if (o.datacenter && o.no_datacenter) {
    std::cerr << "tollgate: error: give --datacenter or --no-datacenter, not both\n";
    return false;
  }
  if (o.datacenter || o.no_datacenter) r.facts.set_raw(s_chip_datacenter, o.datacenter ? 1 : 0);
  const auto bits = r.facts.num[s_chip_bit_length];
  if (r.facts.has(s_chip_bit_length) && (bits % micro_per_unit != 0 || bits < micro_per_unit || bits > 64 * micro_per_unit)) {
    std::cerr << "tollgate: error: --bit-length must be a whole number of bits from 1 to 64\n";
    return false;
  }
  if (!r.facts.has(s_chip_tpp) && r.facts.has(s_chip_peak_dense_tops) && r.facts.has(s_chip_bit_length)) {
    const i128 tpp = static_cast<i128>(r.facts.num[s_chip_peak_dense_tops]) * (bits / micro_per_unit);
    if (tpp <= micro_max) r.facts.set_number(s_chip_tpp, static_cast<int64_t>(tpp));
  }
  if (!r.facts.has(s_chip_tpp)) {
    std::cerr << "tollgate: error: give a catalog name, --tpp (or --peak-dense-tops with --bit-length), "
                 "or --json-input\n";
    return false;
  }
  r.canonical = "{}";
  return true;
}

// The arithmetic behind the class, with the exact values compared: PD exactly where its decimal ends ("5.92"),
// else to six significant digits, marked "≈".
void print_arithmetic(std::ostream& os, const Facts& f) {
  os << "  arithmetic\n";
  if (f.has(s_chip_tpp)) {
    os << "    TPP = " << format_micro(f.num[s_chip_tpp]);
    if (f.has(s_chip_peak_dense_tops) && f.has(s_chip_bit_length))
      os << " (" << format_micro(f.num[s_chip_peak_dense_tops]) << " dense TOPS x "
                << format_micro(f.num[s_chip_bit_length]) << " bits)";
    os << "\n";
  }
  Exact pd;
  if (f.has(s_chip_tpp) && f.has(s_chip_die_area_mm2) &&
      exact_div(exact_from_micro(f.num[s_chip_tpp]), exact_from_micro(f.num[s_chip_die_area_mm2]), pd)) {
    auto exact = format_exact_terminating(pd);
    os << "    PD  = TPP / die area = " << format_micro(f.num[s_chip_tpp]) << " / "
              << format_micro(f.num[s_chip_die_area_mm2]) << " mm2 "
              << (exact ? "= " + *exact : "\u2248 " + format_exact_rounded(pd, 4)) << "\n";
  } else {
    os << "    PD  = not computable (no die area): judged on TPP alone\n";
  }
}

// The ways the chip was given (a catalog name, --json-input, the spec flags), as the user wrote them; more than one is
// a usage error: which one would win is not for tollgate to guess.
std::vector<std::string> chip_sources(const Opts& o) {
  std::vector<std::string> given;
  if (!o.name.empty()) given.push_back("the catalog name '" + o.name + "'");
  if (!o.json_input.empty()) given.push_back("--json-input");
  std::string flags;
  auto flag = [&](bool on, const char* name) { if (on) flags += (flags.empty() ? "" : ", ") + std::string(name); };
  flag(o.tpp.has_value(), "--tpp");
  flag(o.peak.has_value(), "--peak-dense-tops");
  flag(o.bits.has_value(), "--bit-length");
  flag(o.die_area.has_value(), "--die-area");
  flag(o.interconnect.has_value(), "--interconnect");
  flag(o.memory_bw.has_value(), "--memory-bw");
  flag(o.datacenter, "--datacenter");
  flag(o.no_datacenter, "--no-datacenter");
  if (!flags.empty()) given.push_back("the spec flags (" + flags + ")");
  return given;
}

// "H20  (chip, as of 2026-12-02)" -> "H20  (chip, as of 2026-12-02 (today))": a decision judged as of today with no
// --as-of says so on its first line.
std::string mark_today(std::string text, Day day) {
  const std::string date = "as of " + format_date(day);
  const size_t eol = text.find('\n');
  const size_t at = text.rfind(date, eol);
  if (at != std::string::npos) text.insert(at + date.size(), " (today)");
  return text;
}

}  // namespace

Command add_classify(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("classify", "Classify a chip (catalog name, flags, or JSON) as of a date");
  app->footer(R"(Examples:
  tollgate classify "H100 SXM5 80GB" --as-of 2024-01-01
  tollgate classify --tpp 4706.4 --die-area 609 --no-datacenter --as-of 2024-06-01
  echo '{"tpp": 2368, "die_area_mm2": 814, "datacenter": true}' | tollgate classify --json-input -
Give the chip one way: a catalog name, the spec flags, or --json-input (two of them: exit 2). Without --as-of the
chip is classified as of today, and the output says so: as of 2026-03-01 (today).
Exit: 0 classified, 2 bad input or rules (or the chip given two ways), 1 internal error.)");
  auto o = std::make_shared<Opts>();
  app->add_option("name", o->name, "Catalog chip name (see fixtures/chips.csv)");
  app->add_option("--tpp", o->tpp, "Total processing performance");
  app->add_option("--peak-dense-tops", o->peak, "Peak dense TOPS/TFLOPS (with --bit-length, gives TPP)");
  app->add_option("--bit-length", o->bits, "Bit length of the operation for --peak-dense-tops");
  app->add_option("--die-area", o->die_area, "Applicable die area, mm2");
  app->add_option("--interconnect", o->interconnect, "Aggregate bidirectional interconnect, GB/s");
  app->add_option("--memory-bw", o->memory_bw, "Total DRAM bandwidth, GB/s");
  app->add_flag("--datacenter", o->datacenter, "Designed or marketed for datacenters (give this or --no-datacenter "
                "where it decides: it is never assumed)");
  app->add_flag("--no-datacenter", o->no_datacenter, "Not designed or marketed for datacenters");
  app->add_option("--json-input", o->json_input, "A chip as a JSON object, from a file or - (stdin)");
  app->add_option("--as-of", o->as_of, "Date to classify under (default: today)");
  add_output_options(*app, o->out, {"text", "json"});
  app->add_flag("--explain", o->explain, "Why not: every class rule that did not fire, with its margins (and in JSON)");
  app->add_flag("--include-proposed", o->include_proposed, "Also apply proposed rulesets");
  add_rules_options(*app, g);
  return {app, [o, &g]() -> int {
            if (const auto given = chip_sources(*o); given.size() > 1) {
              std::cerr << "tollgate: error: the chip is given twice, by " << given[0] << " and " << given[1]
                        << ": give a catalog name, --json-input, or the spec flags, one of them\n";
              return exit_bad_input;
            }
            Day day = today();
            if (!o->as_of.empty()) {
              auto d = parse_date(o->as_of);
              if (!d) {
                std::cerr << "tollgate: error: --as-of '" << o->as_of
                          << "' is not a real date (" << date_form << ")\n";
                return exit_bad_input;
              }
              day = *d;
            }
            auto program = load_program(g);
            if (!program) return exit_bad_input;
            auto catalog = load_catalog(g, *program);
            if (!catalog) return exit_bad_input;
            catalog->classify_with(chip_classifier(program));  // an unknown chip's suggestions show their classes
            Record r;
            std::string name = o->name;
            if (!o->json_input.empty()) {
              auto input = read_input_or_report(o->json_input);
              if (!input) return exit_bad_input;
              const std::string& text = *input;
              // {"name": "H20"} alone names a catalog chip, as POST /v1/classify reads it; else the chip's fields.
              if (auto catalog_name = catalog_chip_name(text)) name = *catalog_name;
              else r = record_from_json(text, 1, &*catalog, /*bare_chip=*/true);
            }
            if (!name.empty()) {
              const Catalog::Resolution res = catalog->resolve(name);  // a name as sold, if it names one chip
              if (!res.chip) {
                std::cerr << "tollgate: error: " << catalog->unresolved_message(name, day) << "\n";
                return exit_bad_input;
              }
              if (res.name != name) std::cerr << "tollgate: '" << name << "' is catalog chip '" << res.name << "' (" << res.via << ")\n";
              r.facts = *res.chip;
              r.id = name;
              r.canonical = nlohmann::json{{"name", name}}.dump();
            } else if (o->json_input.empty() && !chip_from_flags(*o, r)) {
              return exit_bad_input;
            }
            r.kind = RecordKind::chip;
            r.facts.kind = RecordKind::chip;
            auto out = open_output(o->out, files_read(g, {o->json_input}));
            if (!out) return exit_bad_input;
            const bool json = o->out.chosen() == "json";
            if (!r.ok) {
              *out << (json ? error_json(r, r.error.code, r.error.field, r.error.message)
                                    : error_text(r, r.error.code, r.error.field, r.error.message))
                        << "\n";
              return exit_bad_input;
            }
            Decision d = evaluate(*program, r.facts, -1, day, EvalOptions{o->include_proposed});
            const bool from_flags = o->json_input.empty() && o->name.empty();
            if (d.failed && from_flags && d.error().field == "chip.datacenter")
              std::cerr << "tollgate: give --datacenter or --no-datacenter: the class depends on it\n";
            const EvalOptions opts{o->include_proposed};
            if (json) {
              if (o->as_of.empty())  // (the JSON's as_of is the date; the schema has no member for "today")
                std::cerr << "tollgate: classified as of today, " << format_date(day) << " (no --as-of)\n";
              *out << (o->explain ? decision_json_explained(*program, r, d, opts) : decision_json(*program, r, d))
                   << "\n";
              return d.failed ? exit_bad_input : exit_ok;
            }
            const std::string text = decision_text(*program, r, d, opts, o->explain ? SIZE_MAX : 3);
            *out << (o->as_of.empty() ? mark_today(text, day) : text);
            if (!d.failed) print_arithmetic(*out, r.facts);
            return d.failed ? exit_bad_input : exit_ok;
          }};
}

}  // namespace tollgate::cli
