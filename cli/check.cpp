// tollgate check — judge shipments and fab orders (JSONL, JSON, CSV; a file or standard input) as of their dates.
#include <algorithm>
#include <map>

#include "engine/base/date.hpp"
#include "cli/common.hpp"
#include "engine/parties/parties.hpp"
#include "engine/render/render.hpp"
#include "engine/records/stream.hpp"

namespace tollgate::cli {

Command add_check(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("check", "Judge shipments and fab orders: verdict, review, exception, fees, and why");
  app->footer(R"(Examples:
  tollgate check fixtures/orders/sample_orders.jsonl
  tollgate check --json --as-of 2026-03-01 orders.csv
  echo '{"type":"shipment","id":"S-1","date":"2025-09-01","chip":"H20","destination":"CN",
         "end_user_hq":"CN","quantity":10,"unit_price_usd":"12000.00"}' | tollgate check -
Records are judged by the rules in force on their `date`, unless --as-of is given. Proposed rules (the AI
OVERWATCH Act) are left out unless --include-proposed; rules on the books but not enforced (the AI Diffusion
rule's worldwide licence requirement) unless --include-unenforced.
Exit: 0 all allowed or NOTIFY, 3 a license is needed, 4 prohibited, 2 bad input or rules, 1 internal error.)");
  struct Opts {
    std::vector<std::string> inputs;
    bool json = false;
    std::string as_of;
    bool include_proposed = false, include_unenforced = false;
    ListsOptions lists;
  };
  auto o = std::make_shared<Opts>();
  app->add_option("input", o->inputs, "Records: .jsonl, .json or .csv files, or - for standard input")->required();
  app->add_flag("--json", o->json, "Print one tollgate.decision/1 JSON object per record");
  app->add_option("--as-of", o->as_of, "Judge every record as of this date (YYYY-MM-DD) instead of its own");
  app->add_flag("--include-proposed", o->include_proposed, "Also apply proposed rulesets (bills)");
  app->add_flag("--include-unenforced", o->include_unenforced,
                "Also apply rulesets on the books but not enforced (status unenforced)");
  add_lists_options(*app, o->lists);
  add_rules_options(*app, g);
  return {app, [o, &g]() -> int {
            std::optional<Day> as_of;
            if (!o->as_of.empty()) {
              as_of = parse_date(o->as_of);
              if (!as_of) {
                std::cerr << "tollgate: error: --as-of '" << o->as_of << "' is not a date (YYYY-MM-DD)\n";
                return exit_bad_input;
              }
            }
            auto program = load_program(g);
            if (!program) return exit_bad_input;
            auto catalog = load_catalog(g);
            if (!catalog) return exit_bad_input;
            catalog->classify_with(chip_classifier(program));  // an unknown chip's suggestions show their classes
            bool lists_ok = true;
            auto lists = load_lists(o->lists, lists_ok);
            if (!lists_ok) return exit_bad_input;
            std::unique_ptr<PartyScreen> parties = lists ? std::make_unique<PartyScreen>(lists) : nullptr;
            EvalOptions opts{o->include_proposed, o->include_unenforced};
            ClassCache cache;  // logs repeat chips: classify each once per stretch of time
            std::map<std::string, int> counts;
            bool any_error = false, any_license = false, any_prohibited = false;
            size_t total = 0, judged = 0, rejected = 0, rows_read = 0, bad_files = 0;
            for (const auto& path : o->inputs) {
              if (o->inputs.size() > 1 && !o->json) std::cout << "== " << path << "\n";
              try {
                // Streamed: a log of any size is judged in constant memory, each record printed as it comes.
                rows_read += for_each_record(path, &*catalog, [&](const Record& r) {
                  ++total;
                  if (!r.ok) {
                    any_error = true;
                    ++rejected;
                    ++counts["error"];
                    std::cout << (o->json ? error_json(r, r.error.code, r.error.field, r.error.message) + "\n"
                                          : error_text(r, r.error.code, r.error.field, r.error.message) + "\n");
                    return;
                  }
                  Day day = as_of ? *as_of : r.has_date ? r.date : today();
                  Decision d = evaluate(*program, r.facts, r.base_cents, day, opts, &cache);
                  const std::string* screening = parties ? &parties->apply(r.facts, r.kind, day, d).json : nullptr;
                  if (d.failed) {
                    any_error = true;
                    ++rejected;
                    ++counts["error"];
                  } else {
                    ++judged;
                    ++counts[to_string(d.verdict)];
                    any_license |= d.verdict == Verdict::license_required;
                    any_prohibited |= d.verdict == Verdict::prohibited;
                  }
                  if (screening && !d.failed) {  // the decision's JSON with its screening member; the text from it
                    std::string json = with_screening(decision_json(*program, r, d), *screening);
                    std::cout << (o->json ? json : decision_text_from_json(json, record_subject(r))) << "\n";
                  } else {
                    std::cout << (o->json ? decision_json(*program, r, d) + "\n" : decision_text(*program, r, d) + "\n");
                  }
                }).rows;
              } catch (const std::exception& e) {
                // A file that cannot be read as records at all: a file-level error; the other files go on.
                std::cerr << "tollgate: error: " << e.what() << "\n";
                any_error = true;
                ++bad_files;
              }
            }
            if (!o->json && total > 0) {
              std::cout << total << " record" << (total == 1 ? "" : "s") << ":";
              bool first = true;
              for (const char* k : {"ALLOWED", "NOTIFY", "LICENSE_REQUIRED", "PROHIBITED", "error"}) {
                if (!counts[k]) continue;
                std::cout << (first ? " " : ", ") << counts[k] << " " << k;
                first = false;
              }
              std::cout << "\n";
            }
            if (!o->json) {
              // Every row read is accounted for: judged (a verdict) or rejected (an error above).
              std::cout << rows_read << " row" << (rows_read == 1 ? "" : "s") << " read: " << judged << " judged, "
                        << rejected << " rejected";
              if (bad_files) std::cout << "; " << bad_files << " file" << (bad_files == 1 ? "" : "s") << " not read (errors above)";
              std::cout << "\n";
            }
            if (judged + rejected != rows_read) {  // cannot happen: the reader hands on every row it reads
              std::cerr << "tollgate: internal error: " << rows_read << " rows read but " << judged + rejected
                        << " accounted for\n";
              return exit_internal;
            }
            if (any_prohibited) return exit_prohibited;
            if (any_error) return exit_bad_input;
            if (any_license) return exit_license;
            return exit_ok;
          }};
}

}  // namespace tollgate::cli
