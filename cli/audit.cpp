// tollgate audit — judge whole shipment logs on all cores into the trace store, with a progress bar, a summary
// and a report.
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "engine/base/date.hpp"
#include "engine/base/hash.hpp"
#include "cli/common.hpp"
#include "engine/audit/report.hpp"

namespace tollgate::cli {
namespace {

void draw_progress(const AuditProgress& p) {
  double frac = p.bytes_total ? static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total) : 0;
  frac = std::min(1.0, std::max(0.0, frac));
  const int width = 28;
  int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < width) bar += '>';
  bar.resize(width, ' ');
  double rate = p.seconds > 0 ? static_cast<double>(p.records) / p.seconds : 0;
  std::string eta = "--:--";
  if (frac > 0.001 && frac < 1) {
    auto left = static_cast<long>(p.seconds * (1 - frac) / frac);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", left / 60, left % 60);
    eta = buf;
  } else if (frac >= 1) {
    eta = "0:00";
  }
  std::fprintf(stderr, "\r%3d%% [%s] %s records  %s/s  ETA %s   ", static_cast<int>(frac * 100), bar.c_str(),
               group_digits(p.records).c_str(), group_digits(static_cast<uint64_t>(rate)).c_str(), eta.c_str());
  std::fflush(stderr);
}

}  // namespace

// The run's summary as --format asks (text, json, md or html; -o FILE), and the --report file. The exit code.
static int print_summary(const AuditSummary& sum, const OutputOptions& o, const std::string& report, size_t list,
                  const std::string& db) {
  const std::string format = o.chosen();
  auto out = open_output(o);
  if (!out) return exit_bad_input;
  try {
    if (format != "text") *out << (format == "json" ? report_json(sum) : format == "md" ? report_markdown(sum) : report_html(sum));
    else *out << summary_text(sum, list);
    if (!report.empty()) write_report(sum, report);
  } catch (const std::exception& e) {
    std::cerr << "tollgate: error: " << e.what() << "\n";
    return exit_bad_input;
  }
  if (format == "text" && !report.empty()) *out << "\nreport: " << report << "\n";
  if (format == "text" && sum.run) *out << "verify: tollgate trace verify " << db << " --head " << sum.seal << "\n";
  return sum.exit_code();
}

// The command line of `tollgate audit`.
struct AuditCommand {
  std::vector<std::string> inputs;
  std::string db = "tollgate-trace.db";
  bool no_store = false, resume = false, include_proposed = false, no_progress = false, include_unenforced = false;
  unsigned jobs = 0;
  std::string report, as_of;
  size_t list = 10;
  uint64_t commit_rows = 65536, crash_after = 0, stop_after = 0;
  bool crash_mid = false;
  ListsOptions lists;
  OutputOptions out;  // the summary printed: --format text|json|md|html, -o FILE
  InputOptions read;
};

// Runs `tollgate audit` as the command line asks: checks the options, loads the rules, catalog and lists, audits
// and prints the summary. The exit code (docs/cli.md); what went wrong is said on standard error.
static int run_audit_command(const AuditCommand& o, Globals& g) {
  AuditOptions opts;
  if (!o.as_of.empty()) {
    opts.as_of = parse_date(o.as_of);
    if (!opts.as_of) {
      std::cerr << "tollgate: error: --as-of '" << o.as_of << "' is not a real date (" << date_form << ")\n";
      return exit_bad_input;
    }
  }
  {  // before any work: -o or --report must not name an input or the trace store
    std::vector<std::string> reads = o.inputs;
    reads.push_back(o.db);
    reads.push_back(o.read.columns);
    reads.insert(reads.end(), o.lists.lists.begin(), o.lists.lists.end());  // nor the screening lists
    reads.push_back(o.lists.resolutions);
    reads = files_read(g, reads);
    if (!output_allowed(o.out.output, reads) || !output_allowed(o.report, reads)) return exit_bad_input;
  }
  if (o.no_store && o.resume) {
    std::cerr << "tollgate: error: --resume needs a trace store (drop --no-store)\n";
    return exit_bad_input;
  }
  auto program = load_program(g);
  if (!program) return exit_bad_input;
  auto catalog = load_catalog(g, *program);
  if (!catalog) return exit_bad_input;
  catalog->classify_with(chip_classifier(program));  // an unknown chip's suggestions show their classes
  // (after the catalog: a column map names fields of the rules' schema, rules/schema.tg)
  auto ropts = read_options(o.read);
  if (!ropts) return exit_bad_input;
  opts.read = *ropts;
  opts.inputs = o.inputs;
  opts.include_proposed = o.include_proposed;
  opts.include_unenforced = o.include_unenforced;
  opts.jobs = o.jobs;
  opts.db = o.no_store ? "" : o.db;
  opts.resume = o.resume;
  opts.commit_rows = std::max<uint64_t>(1, o.commit_rows);
  opts.crash_after_commits = o.crash_after;
  opts.crash_mid_commit = o.crash_mid;
  opts.stop_after_commits = o.stop_after;
  bool lists_ok = true;
  opts.parties = load_lists(o.lists, lists_ok);
  if (!lists_ok) return exit_bad_input;
  bool bar = !o.no_progress && isatty(STDERR_FILENO);
  if (bar) opts.progress = draw_progress;
  AuditSummary sum;
  try {
    sum = run_audit(*program, *catalog, sha256_file(catalog->path), opts);
  } catch (const StoreTampered& e) {
    if (bar) std::fputs("\n", stderr);
    std::cerr << "tollgate: error: TAMPERED: " << e.what() << "\n";
    return exit_tampered;
  } catch (const AuditInternalError& e) {
    if (bar) std::fputs("\n", stderr);
    std::cerr << "tollgate: " << e.what() << "\n";
    return exit_internal;
  } catch (const std::exception& e) {
    if (bar) std::fputs("\n", stderr);
    std::cerr << "tollgate: error: " << e.what() << "\n";
    return exit_bad_input;
  }
  if (bar) std::fputs("\n", stderr);
  return print_summary(sum, o.out, o.report, o.list, o.db);
}

Command add_audit(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand(
      "audit", "Judge whole shipment logs on all cores; keep every decision in a hash-chained SQLite trace store");
  app->footer(R"(Examples:
  tollgate audit fixtures/orders/sample_log.csv
  tollgate audit shipments-2025.csv --db audit.db --report audit.html
  tollgate audit big.csv --db audit.db --resume          # finish a run that was killed
  tollgate audit big.csv --no-store --jobs 2              # verdicts and tallies only
Logs are CSV or JSONL files, read as a stream (any size). Each record is judged as of its own date unless
--as-of is given. Every decision goes to the store (--db, default tollgate-trace.db) in input order with its
SHA-256 and a hash chain (`tollgate trace verify`); records that cannot be judged are kept as rejects with
their file, line, field and reason, and the run goes on. Auditing the same logs with the same rules again
does not store anything twice: the earlier run is reported. A progress bar shows on a terminal.
--report FILE writes the summary as .html (self-contained, with charts), .md or .json by the file's ending, and
prints the text summary too; --format json|md|html prints the summary in that format instead (-o FILE writes it).
Exit: 0 all allowed or NOTIFY, 3 a license is needed, 4 prohibited, 2 a record could not be judged or bad
input/rules (or an input changed while it was read), 5 the store's record of an earlier run was altered,
1 internal error.)");
  auto o = std::make_shared<AuditCommand>();
  add_output_options(*app, o->out, {"text", "json", "md", "html"});
  // "-" passes to the audit, which says why standard input cannot be audited (rather than "File does not exist: -").
  app->add_option("log", o->inputs, "Shipment logs: .csv or .jsonl files (not standard input: use check for a stream)")
      ->required()
      ->check(CLI::Validator([](std::string& p) { return p == "-" ? std::string() : CLI::ExistingFile(p); }, "FILE"));
  app->add_option("--db", o->db, "Trace store (SQLite; created if missing)")->capture_default_str();
  app->add_flag("--no-store", o->no_store, "Judge and summarise only: no trace store, nothing rendered or hashed (the quick look)");
  app->add_option("--jobs,-j", o->jobs, "Worker threads (default: one per core)");
  app->add_option("--report", o->report, "Write the summary to FILE: .html, .md or .json");
  app->add_flag("--resume", o->resume, "Finish an interrupted run of the same audit");
  app->add_option("--as-of", o->as_of, "Judge every record as of this date (YYYY-MM-DD) instead of its own");
  app->add_flag("--include-proposed", o->include_proposed, "Also apply proposed rulesets (bills)");
  app->add_flag("--include-unenforced", o->include_unenforced,
                "Also apply rulesets on the books but not enforced (status unenforced)");
  app->add_option("--list", o->list, "Flagged and rejected records listed in the printed summary")->capture_default_str();
  app->add_flag("--no-progress", o->no_progress, "No progress bar, even on a terminal");
  add_lists_options(*app, o->lists);
  // For the crash tests (tests/cli/cli_audit_crash.sh): not for users.
  app->add_option("--commit-rows", o->commit_rows, "Rows per transaction")->group("");
  app->add_option("--crash-after-commits", o->crash_after, "Kill this process after N commits")->group("");
  app->add_flag("--crash-mid-commit", o->crash_mid, "... inside the Nth commit instead")->group("");
  app->add_option("--stop-after-commits", o->stop_after, "Stop this process (SIGSTOP) after N commits")->group("");
  add_input_options(*app, o->read);
  add_rules_options(*app, g);
  return {app, [o, &g]() -> int { return run_audit_command(*o, g); }};
}

}  // namespace tollgate::cli
