// tollgate trace — read a trace store: verify its hash chain, show a decision as `check` prints it, export
// decisions as JSONL or CSV, list its runs.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>

#include "engine/base/text.hpp"
#include "engine/base/hash.hpp"
#include "cli/common.hpp"
#include "engine/render/render.hpp"
#include "engine/audit/report.hpp"
#include "engine/audit/rescreen.hpp"
#include "engine/trace/store.hpp"

namespace tollgate::cli {
namespace {


std::string input_path(TraceStore& store, int64_t run, uint32_t file) {
  auto r = store.run(run);
  if (!r) return "input " + std::to_string(file);
  auto ins = nlohmann::json::parse(r->inputs, nullptr, false);
  if (ins.is_array() && file < ins.size() && ins[file].contains("path")) return ins[file]["path"].get<std::string>();
  return "input " + std::to_string(file);
}

struct TraceOpts {
  std::string db, id, head, format = "jsonl", output;
  bool json = false, no_rejects = false, rejects_only = false;
  std::string verify_format = "text", show_format = "text", runs_format = "text";  // --format of each (docs/cli.md)
  int64_t run = 0;
  ListsOptions lists;                  // rescreen: the newer lists
  std::vector<std::string> old_lists;  // rescreen: the lists the store was screened with (for the delta)
  OutputOptions rescreen_out;          // rescreen: --format text|json (--json), -o FILE
};

// trace rescreen: the stored decisions whose parties match differently under newer lists, and the list delta.
// Exit 0 none, 3 some decisions match differently (they need another look), 2 bad input.
int rescreen_store(TraceStore& store, const TraceOpts& o) {
  bool ok = true;
  auto newer = load_lists(o.lists, ok);
  if (!ok) return exit_bad_input;
  std::optional<ListDelta> delta;
  if (!o.old_lists.empty()) {
    auto older = load_lists(ListsOptions{o.old_lists, ""}, ok);
    if (!ok) return exit_bad_input;
    delta = list_delta(older->lists, newer->lists);
  }
  RescreenReport r;
  try {
    r = rescreen(store, *newer);
  } catch (const std::exception& e) {
    std::cerr << "tollgate: error: " << e.what() << "\n";
    return exit_bad_input;
  }
  std::vector<std::string> reads = {o.db, o.lists.resolutions};  // -o never overwrites the store or the lists
  reads.insert(reads.end(), o.lists.lists.begin(), o.lists.lists.end());
  reads.insert(reads.end(), o.old_lists.begin(), o.old_lists.end());
  auto out = open_output(o.rescreen_out, reads);
  if (!out) return exit_bad_input;
  *out << (o.rescreen_out.chosen() == "json" ? rescreen_json(r, delta ? &*delta : nullptr, *newer)
                                             : rescreen_text(r, delta ? &*delta : nullptr));
  out->flush();
  return r.hits.empty() ? exit_ok : exit_license;
}

// trace verify: every hash and link, and the head if given.
// With --head, the head an audit printed: the chain must pass through it (a later run adds to the chain after it).
int verify_store(TraceStore& store, const TraceOpts& o) {
  std::string want = o.head;
  for (char& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!want.empty() && (want.size() != 64 || want.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    std::cerr << "tollgate: error: --head '" << o.head << "' is not a chain head (64 hexadecimal digits)\n";
    return exit_bad_input;
  }
  VerifyReport r;
  try {
    r = store.verify();
  } catch (const std::exception& e) {
    // A store that opened (its schema reads as a trace store) but whose rows SQLite cannot read: it is damaged or
    // altered below the rows' hashes, and cannot be shown to be as written. It fails verification.
    r = VerifyReport{};
    r.ok = false;
    r.problem = "the store cannot be read in full (" + printable(e.what()) +
                "): damaged or altered; it cannot be verified";
  }
  if (o.verify_format == "json") {
    const bool through = want.empty() || want == r.head ||
                         std::any_of(r.seals.begin(), r.seals.end(), [&](const auto& s) { return s.second == want; });
    nlohmann::ordered_json j;
    j["ok"] = r.ok && through;
    j["store"] = o.db;
    j["problem"] = !r.ok ? nlohmann::ordered_json(r.problem)
                   : !through ? nlohmann::ordered_json("the chain does not pass through " + want)
                              : nlohmann::ordered_json(nullptr);
    j["bad_seq"] = r.bad_seq ? nlohmann::ordered_json(r.bad_seq) : nlohmann::ordered_json(nullptr);
    j["rows"] = r.rows;
    j["decisions"] = r.decisions;
    j["rejects"] = r.rejects;
    j["runs"] = r.runs;
    j["head"] = r.head;
    j["seal"] = r.seal;
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return r.ok && through ? exit_ok : exit_tampered;
  }
  if (!r.ok) {
    std::cout << "TAMPERED: " << o.db << ": " << r.problem << "\n";
    return exit_tampered;
  }
  auto at = std::find_if(r.seals.begin(), r.seals.end(), [&](const auto& s) { return s.second == want; });
  if (!want.empty() && at == r.seals.end() && want != r.head) {
    std::cout << "TAMPERED: " << o.db << ": the chain does not pass through " << want << "; its head is "
              << (r.head.empty() ? "(empty store)" : r.head)
              << " (what that head covered was changed, or removed, since)\n";
    return exit_tampered;
  }
  if (!want.empty() && want == r.head)
    std::cout << "note: " << want << " is the rows' chain head: it covers the rows; the runs' records (tallies, "
              << "inputs, status) are covered by the seal below\n";
  else if (!want.empty() && want != r.seal)
    std::cout << "note: " << want << " is the seal run " << at->first << " had at one of its commits: everything "
              << "up to it is as it was then; what was added after it is covered by the seal below\n";
  std::cout << "ok: " << o.db << ": " << group_digits(r.rows) << " rows (" << group_digits(r.decisions)
            << " decisions, " << group_digits(r.rejects) << " rejects) in " << r.runs << " run"
            << (r.runs == 1 ? "" : "s") << "; every hash and link checks out\n"
            << "chain head " << (r.head.empty() ? "(empty store)" : r.head) << "\n"
            << "seal " << (r.seal.empty() ? "(none)" : r.seal) << "\n";
  return exit_ok;
}

// trace show: a record by id (every run that judged it) or by #seq, as `check` prints it or as JSON.
int show_record(TraceStore& store, TraceOpts o) {
  o.json |= o.show_format == "json";
  std::vector<int64_t> seqs;
  if (!o.id.empty() && o.id[0] == '#') {
    try {
      seqs.push_back(std::stoll(o.id.substr(1)));
    } catch (const std::exception&) {
      std::cerr << "tollgate: error: '" << o.id << "' is not a row number (#SEQ)\n";
      return exit_bad_input;
    }
  } else {
    seqs = store.find_by_id(o.id);
  }
  bool any = false;
  for (int64_t seq : seqs) {
    auto s = store.show(seq);
    if (!s) continue;
    if (any && !o.json) std::cout << "\n";
    any = true;
    if (o.json) {
      std::cout << s->json << "\n";
      continue;
    }
    std::cout << "# row " << s->seq << ", run " << s->run << ", " << input_path(store, s->run, s->file) << ":"
              << s->line << "\n";
    if (s->reject) {
      std::cout << "line " << s->line << (s->id.empty() ? "" : " (" + s->id + ")") << ": error[" << s->code << "]"
                << (s->field.empty() ? "" : " in " + s->field) << ": " << s->message << "\n"
                << "  row: " << s->raw << "\n";
    } else {
      std::cout << decision_text_from_json(s->json, s->subject);
    }
  }
  if (!any) {
    std::cerr << "tollgate: error: no record '" << o.id << "' in " << o.db << "\n";
    return exit_bad_input;
  }
  return exit_ok;
}

// One stored record as a row of the CSV export.
void export_csv_row(std::ostream& out, const TraceStore::Shown& s) {
  auto j = nlohmann::json::parse(s.json);
  auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  out << s.seq << "," << s.run << "," << s.line << "," << csv_cell(s.id) << ",";
  if (s.reject) {
    const auto& e = j["error"];
    out << ",,,,,,," << csv_cell(e["code"].get<std::string>()) << ","
        << csv_cell(e["field"].is_string() ? e["field"].get<std::string>() : "") << ","
        << csv_cell(e["message"].get<std::string>()) << "," << sha256_hex(s.json + "\n" + s.raw) << "\n";
  } else {
    out << str("type") << "," << str("as_of") << "," << str("classification") << "," << str("verdict") << ","
        << str("review") << "," << str("exception") << "," << j["fee_total_cents"].get<int64_t>() << ",,,,"
        << sha256_hex(s.json) << "\n";
  }
}

// trace export: every stored record (or one run's; decisions or rejects only) as JSONL or CSV.
int export_records(TraceStore& store, const TraceOpts& o) {
  std::ofstream file;
  if (!output_allowed(o.output, {o.db})) return exit_bad_input;
  if (!o.output.empty()) {
    file.open(o.output, std::ios::binary);
    if (!file) {
      std::cerr << "tollgate: error: cannot write '" << o.output << "'\n";
      return exit_bad_input;
    }
  }
  std::ostream& out = o.output.empty() ? std::cout : file;
  bool csv = o.format == "csv";
  if (csv)
    out << "seq,run,line,id,type,as_of,classification,verdict,review,exception,fee_total_cents,"
           "error_code,error_field,error_message,sha256\n";
  std::optional<int64_t> run;
  if (o.run) run = o.run;
  store.each(run, !o.rejects_only, !o.no_rejects, [&](const TraceStore::Shown& s) {
    if (csv) export_csv_row(out, s);
    else out << s.json << "\n";
  });
  return exit_ok;
}

// trace runs: each run with its status, counts, inputs, options and head.
int list_runs(TraceStore& store, const TraceOpts& o) {
  if (o.runs_format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& r : store.runs())
      arr.push_back({{"run", r.run}, {"status", r.status}, {"started_at", r.started_at},
                     {"finished_at", r.finished_at.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.finished_at)},
                     {"decisions", r.decisions}, {"rejects", r.rejects},
                     {"inputs", nlohmann::ordered_json::parse(r.inputs, nullptr, false)},
                     {"options", nlohmann::ordered_json::parse(r.options, nullptr, false)},
                     {"head", r.head}, {"note", r.note.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.note)}});
    std::cout << arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return exit_ok;
  }
  for (const auto& r : store.runs()) {
    std::cout << "run " << r.run << "  " << r.status << "  " << r.started_at << " .. "
              << (r.finished_at.empty() ? "(unfinished)" : r.finished_at) << "  " << group_digits(r.decisions)
              << " decisions, " << group_digits(r.rejects) << " rejects\n"
              << "  inputs  " << r.inputs << "\n  options " << r.options << "\n  head    "
              << (r.head.empty() ? "-" : r.head) << "\n";
    if (!r.note.empty()) std::cout << "  note    " << r.note << "\n";
  }
  return exit_ok;
}

}  // namespace

Command add_trace(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("trace", "Read a trace store: verify, show, export, runs");
  app->require_subcommand(1);
  app->footer(R"(Examples:
  tollgate trace verify tollgate-trace.db
  tollgate trace show tollgate-trace.db S-1042        # by record id (every run that judged it)
  tollgate trace show tollgate-trace.db '#17'         # by row number (seq)
  tollgate trace export tollgate-trace.db --format csv -o decisions.csv
Exit: 0 ok, 5 the store failed verification (TAMPERED, or damaged so that it cannot be read), 3 rescreen: some
decisions match differently, 2 no such store or record, a file that is not a store (or a damaged one, for show,
export, runs, rescreen), or bad arguments, 1 internal error.)");
  auto o = std::make_shared<TraceOpts>();

  auto* verify = app->add_subcommand("verify", "Recompute every hash and the chain; name the first row altered, "
                                               "removed, inserted or reordered");
  verify->add_option("db", o->db, "Trace store")->required();
  verify->add_option("--head", o->head, "Also require the chain to pass through this head (printed by each audit)");
  verify->add_option("--format", o->verify_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  auto* show = app->add_subcommand("show", "Print a stored decision as `tollgate check` prints it");
  show->add_option("db", o->db, "Trace store")->required();
  show->add_option("id", o->id, "A record id, or #SEQ for a row number")->required();
  show->add_flag("--json", o->json, "Print the tollgate.decision/1 JSON (the same as --format json)");
  show->add_option("--format", o->show_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  auto* exp = app->add_subcommand("export", "Write every stored decision (and reject) as JSONL or CSV");
  exp->add_option("db", o->db, "Trace store")->required();
  exp->add_option("--format", o->format, "jsonl (one tollgate.decision/1 object a line; json is the same) or csv")
      ->check(CLI::IsMember({"jsonl", "json", "csv"}));
  exp->add_option("--run", o->run, "Only this run");
  exp->add_flag("--no-rejects", o->no_rejects, "Decisions only");
  exp->add_flag("--rejects-only", o->rejects_only, "Rejected records only");
  exp->add_option("-o,--output", o->output, "Output file (default: standard output)");
  auto* runs = app->add_subcommand("runs", "List the audit runs in a store");
  runs->add_option("db", o->db, "Trace store")->required();
  runs->add_option("--format", o->runs_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  auto* rescreen_cmd = app->add_subcommand(
      "rescreen", "The stored decisions whose parties match differently under newer screening lists, and the delta");
  rescreen_cmd->add_option("db", o->db, "Trace store")->required();
  add_lists_options(*rescreen_cmd, o->lists);
  rescreen_cmd->get_option("--lists")->required();
  rescreen_cmd->add_option("--old-lists", o->old_lists,
                           "The lists the store was screened with: prints the delta (entries added, removed, changed)")
      ->expected(1, -1);
  add_output_options(*rescreen_cmd, o->rescreen_out, {"text", "json"});  // json: tollgate.rescreen/1
  (void)g;

  return {app, [o, verify, show, exp, runs, rescreen_cmd]() -> int {
            std::unique_ptr<TraceStore> store;
            try {
              store = std::make_unique<TraceStore>(o->db, TraceStore::Mode::read);
            } catch (const std::exception& e) {
              std::cerr << "tollgate: error: " << e.what() << "\n";
              return exit_bad_input;
            }
            if (verify->parsed()) return verify_store(*store, *o);
            try {
              if (show->parsed()) return show_record(*store, *o);
              if (exp->parsed()) return export_records(*store, *o);
              if (runs->parsed()) return list_runs(*store, *o);
              if (rescreen_cmd->parsed()) return rescreen_store(*store, *o);
            } catch (const std::exception& e) {
              // SQLite cannot read a page of the store (a damaged file): bad input, not a bug in tollgate.
              std::cout.flush();
              std::cerr << "tollgate: error: trace store '" << o->db << "' cannot be read: " << printable(e.what())
                        << " (the file is damaged or is not a tollgate trace store; `tollgate trace verify "
                        << o->db << "` checks it)\n";
              return exit_bad_input;
            }
            return exit_internal;
          }};
}

}  // namespace tollgate::cli
