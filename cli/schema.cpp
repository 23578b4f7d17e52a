// tollgate schema — the record schema the rules declare (`field` declarations, rules/schema.tg): every field a chip,
// shipment or fab order may carry, with its type, unit, whether it is required, and its doc line. `--markdown` prints
// the field table of docs/records.md (tests/cli/cli_schema_doc.sh fails when the two drift).
#include "cli/common.hpp"

namespace tollgate::cli {
namespace {

// A table cell: pipes escaped, so a doc line cannot break the Markdown table.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// The fields of one record kind as a Markdown table, in declaration order.
std::string kind_table(const Schema& s, RecordKind kind) {
  static const char* titles[] = {"chip (a catalog row, an inline chip, or a chip classified on its own; in a "
                                 "shipment's CSV row, `chip_<field>` columns)",
                                 "shipment", "fab_order"};
  const auto k = static_cast<size_t>(kind);
  std::string out = "#### " + std::string(titles[k]) + "\n\n| field | type | unit | required | what it is |\n|---|---|---|---|---|\n";
  for (int i : s.by_kind[k]) {
    const FieldInfo& f = s.fields[static_cast<size_t>(i)];
    std::string name = kind == RecordKind::chip ? f.name.substr(5) : f.name;
    std::string type = to_string(f.input);
    if (f.positive) type += ", > 0";
    out += "| `" + name + "` | " + type + " | " + f.unit + " | " + ((f.required >> k) & 1 ? "yes" : "") + " | " +
           cell(f.doc[k]) + " |\n";
  }
  return out;
}

}  // namespace

// The generated part of docs/records.md: one table per record kind.
std::string schema_markdown(const Schema& s) {
  std::string out;
  for (auto kind : {RecordKind::shipment, RecordKind::fab_order, RecordKind::chip})
    out += (out.empty() ? "" : "\n") + kind_table(s, kind);
  return out;
}

Command add_schema(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("schema", "List the record fields the rules declare (type, unit, required, doc)");
  app->footer(R"(Examples:
  tollgate schema                          # every field, one per line
  tollgate schema --markdown               # the field table of docs/records.md
  tollgate schema --rules my_rules/        # the schema of other rules
Exit: 0, or 2 if the rules do not compile.)");
  auto markdown = std::make_shared<bool>(false);
  app->add_flag("--markdown", *markdown, "Print docs/records.md's field table (Markdown)");
  add_rules_options(*app, g);
  return {app, [markdown, &g]() -> int {
            auto program = load_program(g);
            if (!program) return exit_bad_input;
            const Schema& s = program->schema;
            if (*markdown) {
              std::cout << schema_markdown(s);
              return exit_ok;
            }
            for (auto kind : {RecordKind::shipment, RecordKind::fab_order, RecordKind::chip})
              for (int i : s.by_kind[static_cast<size_t>(kind)]) {
                const FieldInfo& f = s.fields[static_cast<size_t>(i)];
                const auto k = static_cast<size_t>(kind);
                std::cout << to_string(kind) << "\t" << f.name << "\t" << to_string(f.input)
                          << (f.unit.empty() ? "" : " " + f.unit) << ((f.required >> k) & 1 ? "\trequired" : "\toptional")
                          << (f.core ? "\tcore" : "\tslot " + std::to_string(f.slot)) << "\t" << f.doc[k] << "\n";
              }
            std::cout << "slots used: " << s.number_slots << " of " << slot_count << " (numbers, dates, booleans, "
                      << "countries), " << s.text_slots << " of " << text_slot_count << " (texts)\n";
            return exit_ok;
          }};
}

}  // namespace tollgate::cli
