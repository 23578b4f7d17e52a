// tollgate check — judge shipments and fab orders (JSONL, JSON, CSV; a file or standard input) as of their dates.
#include <algorithm>
#include <map>

#include "engine/base/date.hpp"
#include "engine/base/files.hpp"
#include "engine/base/money.hpp"
#include "cli/common.hpp"
#include "engine/parties/parties.hpp"
#include "engine/render/render.hpp"
#include "engine/records/stream.hpp"

namespace tollgate::cli {
namespace {

// Rows rejected for a problem of their whole file (a header column that is no field, text that is not UTF-8): the
// problem is printed once per file, with how many rows it cost and their first and last lines, not once per row.
struct FileProblems {
  struct Seen {
    Record first;
    uint64_t rows = 0, last_line = 0;
  };
  std::vector<Seen> seen;
  void add(const Record& r) {
    for (auto& s : seen)
      if (s.first.error.message == r.error.message) {
        ++s.rows;
        s.last_line = r.line;
        return;
      }
    seen.push_back({r, 1, r.line});
  }
  void print(const std::string& path, std::ostream& os) const {
    for (const auto& s : seen) {
      const Record& r = s.first;
      os << "'" << path << "': error[" << r.error.code << "]" << (r.error.field.empty() ? "" : " in " + r.error.field)
         << ": " << r.error.message << "\n  " << s.rows << " row" << (s.rows == 1 ? "" : "s") << " rejected for this ("
         << (s.rows == 1 ? "line " + std::to_string(r.line)
                         : "lines " + std::to_string(r.line) + " to " + std::to_string(s.last_line))
         << ")\n\n";
    }
  }
};

struct CheckOpts {
  std::vector<std::string> inputs;
  OutputOptions out;
  bool explain = false;
  std::string as_of;
  bool include_proposed = false, include_unenforced = false;
  InputOptions read;
  ListsOptions lists;  // --lists/--resolutions: the parties screened (issue 16)
};

// What a check run counted, for its last lines and its exit code.
struct CheckTally {
  std::map<std::string, int> counts;
  bool any_error = false, any_license = false, any_prohibited = false;
  size_t total = 0, judged = 0, rejected = 0, rows_read = 0, bad_files = 0, lines_printed = 0;
  int64_t fees = 0;
  size_t action = 0;                      // records that need action: a licence, prohibited, or not judged
  std::vector<std::string> action_rows;   // the first summary_rows of them, as table rows (memory stays bounded)
  FileProblems file_problems;             // the current file's whole-file problems (text and table: shown once)
};

// More than this many lines of records in text mode: a summary follows them (the records needing action again).
constexpr size_t screen_lines = 40;
constexpr size_t summary_rows = 20;

void summarise(std::ostream& os, const CheckTally& t, const std::string& format) {
  if (format == "json") return;
  if (t.lines_printed > screen_lines && t.total > 1) {
    os << "== summary\n";
    if (t.action) {
      os << t.action << " record" << (t.action == 1 ? " needs" : "s need")
         << " action (a licence, prohibited, or not judged)"
         << (t.action > summary_rows ? "; the first " + std::to_string(summary_rows) : std::string()) << ":\n"
         << decision_table_header();
      for (const auto& row : t.action_rows) os << row;
    } else {
      os << "no record needs action\n";
    }
    os << "fees due: " << format_dollars(t.fees) << "\n";
  }
  if (t.total > 0) {
    os << t.total << " record" << (t.total == 1 ? "" : "s") << ":";
    bool first = true;
    for (const char* k : {"ALLOWED", "NOTIFY", "LICENSE_REQUIRED", "PROHIBITED", "error"}) {
      auto c = t.counts.find(k);
      if (c == t.counts.end() || !c->second) continue;
      os << (first ? " " : ", ") << c->second << " " << k;
      first = false;
    }
    os << "\n";
  }
  // Every row read is accounted for: judged (a verdict) or rejected (an error above).
  os << t.rows_read << " row" << (t.rows_read == 1 ? "" : "s") << " read: " << t.judged << " judged, " << t.rejected
     << " rejected";
  if (t.bad_files) os << "; " << t.bad_files << " file" << (t.bad_files == 1 ? "" : "s") << " not read (errors above)";
  os << "\n";
}

// Judges one record (its parties screened when `parties` is not null) and prints it in the chosen format.
void check_record(std::ostream& os, const CheckOpts& o, const Program& program, std::optional<Day> as_of,
                  ClassCache& cache, PartyScreen* parties, const Record& r, CheckTally& t) {
  const std::string format = o.out.chosen();
  ++t.total;
  std::string text;
  if (!r.ok) {
    t.any_error = true;
    ++t.rejected;
    ++t.counts["error"];
    if (r.file_level && format != "json") {  // a problem of the whole file: printed once, after the file
      if (t.action++ < summary_rows) t.action_rows.push_back(error_table_row(r, r.error.code, r.error.field, r.error.message));
      return t.file_problems.add(r);
    }
    text = format == "json"    ? error_json(r, r.error.code, r.error.field, r.error.message) + "\n"
           : format == "table" ? error_table_row(r, r.error.code, r.error.field, r.error.message)
                               : error_text(r, r.error.code, r.error.field, r.error.message) + "\n";
    if (t.action++ < summary_rows) t.action_rows.push_back(error_table_row(r, r.error.code, r.error.field, r.error.message));
  } else {
    Day day = as_of ? *as_of : r.has_date ? r.date : today();
    const EvalOptions opts{o.include_proposed, o.include_unenforced};
    Decision d = evaluate(program, r.facts, r.base_cents, day, opts, &cache);
    const std::string screening_text = parties ? parties->apply(r.facts, r.kind, day, d).json() : std::string();
    const std::string* screening = parties ? &screening_text : nullptr;
    if (d.failed) {
      t.any_error = true;
      ++t.rejected;
      ++t.counts["error"];
    } else {
      ++t.judged;
      ++t.counts[to_string(d.verdict)];
      t.fees += d.fee_total_cents;
      t.any_license |= d.verdict == Verdict::license_required;
      t.any_prohibited |= d.verdict == Verdict::prohibited;
    }
    if ((d.failed || d.verdict >= Verdict::license_required) && t.action++ < summary_rows)
      t.action_rows.push_back(decision_table_row(program, r, d));
    const size_t shown = o.explain ? SIZE_MAX : 3;
    if (format == "table") {
      text = decision_table_row(program, r, d);
    } else if (screening && !d.failed) {  // the decision's JSON with its screening member; the text from it
      std::string json = with_screening(format == "json" && !o.explain ? decision_json(program, r, d)
                                                                       : decision_json_explained(program, r, d, opts),
                                        *screening);
      text = (format == "json" ? json : decision_text_from_json(json, record_subject(r), shown)) + "\n";
    } else if (format == "json") {
      text = (o.explain ? decision_json_explained(program, r, d, opts) : decision_json(program, r, d)) + "\n";
    } else {
      text = decision_text(program, r, d, opts, shown) + "\n";
    }
  }
  t.lines_printed += static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  os << text;
}

}  // namespace

Command add_check(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("check", "Judge shipments and fab orders: verdict, review, exception, fees, and why");
  app->footer(R"(Examples:
  tollgate check fixtures/orders/sample_orders.jsonl
  tollgate check --format table fixtures/orders/sample_log.csv      # one line per record, then a summary
  tollgate check --format json --as-of 2026-03-01 orders.csv        # one tollgate.decision/1 object per record
  tollgate check --explain orders.csv                                # every rule that did not fire, and by how much
  echo '{"type":"shipment","id":"S-1","date":"2025-09-01","chip":"H20","destination":"CN",
         "end_user_hq":"CN","quantity":10,"unit_price_usd":"12000.00"}' | tollgate check -
Records are judged by the rules in force on their `date`, unless --as-of is given. Proposed rules (the AI
OVERWATCH Act) are left out unless --include-proposed; rules on the books but not enforced (the AI Diffusion
rule's worldwide licence requirement) unless --include-unenforced. Text shows, for each record, the nearest rules
that did not fire ("why not", with the margin to each threshold); --explain shows all of them, and adds the
why_not array to the JSON.
Exit: 0 all allowed or NOTIFY, 3 a licence is needed, 4 prohibited, 2 bad input or rules, 1 internal error.)");
  auto o = std::make_shared<CheckOpts>();
  app->add_option("input", o->inputs, "Records: .jsonl, .json or .csv files, or - for standard input")->required();
  add_output_options(*app, o->out, {"text", "json", "table"});
  app->add_flag("--explain", o->explain,
                "Why not: every rule in force that did not fire (text), and the why_not array (json)");
  app->add_option("--as-of", o->as_of, "Judge every record as of this date (YYYY-MM-DD) instead of its own");
  app->add_flag("--include-proposed", o->include_proposed, "Also apply proposed rulesets (bills)");
  app->add_flag("--include-unenforced", o->include_unenforced,
                "Also apply rulesets on the books but not enforced (status unenforced)");
  add_lists_options(*app, o->lists);
  add_input_options(*app, o->read);
  add_rules_options(*app, g);
  return {app, [o, &g]() -> int {
            std::optional<Day> as_of;
            if (!o->as_of.empty()) {
              as_of = parse_date(o->as_of);
              if (!as_of) {
                std::cerr << "tollgate: error: --as-of '" << o->as_of
                          << "' is not a real date (" << date_form << ")\n";
                return exit_bad_input;
              }
            }
            if (std::string dup = duplicate_input(o->inputs); !dup.empty()) {  // its records would count twice
              std::cerr << "tollgate: error: " << dup << "\n";
              return exit_bad_input;
            }
            auto program = load_program(g);
            if (!program) return exit_bad_input;
            auto catalog = load_catalog(g, *program);
            if (!catalog) return exit_bad_input;
            // (after the catalog: a column map names fields of the rules' schema, rules/schema.tg)
            auto ropts = read_options(o->read);
            if (!ropts) return exit_bad_input;
            catalog->classify_with(chip_classifier(program));  // an unknown chip's suggestions show their classes
            bool lists_ok = true;
            auto lists = load_lists(o->lists, lists_ok);
            if (!lists_ok) return exit_bad_input;
            std::unique_ptr<PartyScreen> parties = lists ? std::make_unique<PartyScreen>(lists) : nullptr;
            std::vector<std::string> reads = o->inputs;
            reads.push_back(o->read.columns);
            reads.insert(reads.end(), o->lists.lists.begin(), o->lists.lists.end());  // nor the lists
            reads.push_back(o->lists.resolutions);
            auto out = open_output(o->out, files_read(g, reads));
            if (!out) return exit_bad_input;
            const std::string format = o->out.chosen();
            ClassCache cache;  // logs repeat chips: classify each once per stretch of time
            CheckTally t;
            if (format == "table") *out << decision_table_header();
            for (const auto& path : o->inputs) {
              if (o->inputs.size() > 1 && format != "json") *out << "== " << path << "\n";
              t.file_problems = {};
              try {
                // Streamed: a log of any size is judged in constant memory, each record printed as it comes.
                t.rows_read += for_each_record(path, &*catalog, [&](const Record& r) {
                  check_record(*out, *o, *program, as_of, cache, parties.get(), r, t);
                }, *ropts).rows;
                t.file_problems.print(path, *out);
              } catch (const std::exception& e) {
                // A file that cannot be read as records at all: a file-level error; the other files go on.
                std::cerr << "tollgate: error: " << e.what() << "\n";
                t.any_error = true;
                ++t.bad_files;
              }
            }
            summarise(*out, t, format);
            out->flush();
            if (t.judged + t.rejected != t.rows_read) {  // cannot happen: the reader hands on every row it reads
              std::cerr << "tollgate: internal error: " << t.rows_read << " rows read but " << t.judged + t.rejected
                        << " accounted for\n";
              return exit_internal;
            }
            if (t.any_prohibited) return exit_prohibited;
            if (t.any_error) return exit_bad_input;
            if (t.any_license) return exit_license;
            return exit_ok;
          }};
}

}  // namespace tollgate::cli
