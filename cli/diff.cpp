// tollgate diff — what a rule change does: structural changes, the regions of shipments judged differently (with
// witnesses), the catalog chips and logged shipments that flip, and a picture of the TPP x density plane.
#include <chrono>
#include <filesystem>
#include <fstream>

#include "engine/base/date.hpp"
#include "cli/common.hpp"
#include "engine/diff/diff.hpp"

namespace tollgate::cli {

// The diff in the format asked for (-o FILE), and the picture to --svg FILE; false (a message printed) on failure.
static bool write_diff(const DiffReport& rep, const Catalog& catalog, const OutputOptions& o, const std::string& svg,
                       bool detail) {
  const std::string format = o.chosen();
  std::string text = format == "json"  ? diff_json(rep)
                     : format == "md"  ? diff_markdown(rep)
                     : format == "svg" ? diff_svg(rep, catalog)
                                       : diff_text(rep, detail);
  auto out = open_output(o);
  if (!out) return false;
  *out << text;
  out->flush();
  if (!*out) {
    std::cerr << "tollgate: error: cannot write '" << o.output << "'\n";
    return false;
  }
  if (!svg.empty()) {
    std::ofstream f(svg, std::ios::binary);
    f << diff_svg(rep, catalog);
    if (!f) {
      std::cerr << "tollgate: error: cannot write '" << svg << "'\n";
      return false;
    }
  }
  return true;
}

// The options of `tollgate diff`.
struct DiffOptions {
  std::vector<std::string> sides;
  std::string as_of, vs, log, svg;
  OutputOptions out;  // --format text|md|json|svg (--json), -o FILE
  bool exit_code = false;
  bool old_proposed = false, new_proposed = false, both_proposed = false, detail = false;
  bool old_unenforced = false, new_unenforced = false, both_unenforced = false;
  ListsOptions lists;                             // --lists (both sides), --resolutions
  std::vector<std::string> old_lists, new_lists;  // --old-lists, --new-lists
};

// The lists each side screens the log's parties against: --lists on both, or --old-lists/--new-lists (null: that
// side screens nothing). False (the message printed) for options that contradict each other or lists not read.
static bool diff_lists(const DiffOptions& o, std::shared_ptr<const PartyLists>& old_lists,
                       std::shared_ptr<const PartyLists>& new_lists) {
  if (!o.lists.lists.empty() && (!o.old_lists.empty() || !o.new_lists.empty())) {
    std::cerr << "tollgate: error: give --lists (both sides) or --old-lists/--new-lists, not both\n";
    return false;
  }
  const bool screening = !o.lists.lists.empty() || !o.old_lists.empty() || !o.new_lists.empty();
  if (screening && o.log.empty()) {
    std::cerr << "tollgate: error: the lists screen the parties of logged shipments: give --log (the regions "
                 "and catalog chips carry no parties)\n";
    return false;
  }
  if (!o.lists.resolutions.empty() && !screening) {
    std::cerr << "tollgate: error: --resolutions needs --lists (or --old-lists/--new-lists)\n";
    return false;
  }
  auto side_lists = [&](const std::vector<std::string>& own, bool& ok) {
    ListsOptions l = o.lists;
    if (l.lists.empty()) l.lists = own;
    if (l.lists.empty()) l.resolutions.clear();  // (the other side's lists take them)
    return load_lists(l, ok);
  };
  bool ok = true;
  old_lists = side_lists(o.old_lists, ok);
  if (!ok) return false;
  new_lists = o.old_lists.empty() && o.new_lists.empty() ? old_lists : side_lists(o.new_lists, ok);
  return ok;
}

// Runs `tollgate diff` as the options ask; the exit code (docs/diff.md).
static int run_diff(const DiffOptions& o, Globals& g) {
  {  // before the work: -o and --svg must not name a file this run reads
    std::vector<std::string> reads = o.sides;
    reads.push_back(o.log);
    for (const auto* l : {&o.lists.lists, &o.old_lists, &o.new_lists}) reads.insert(reads.end(), l->begin(), l->end());
    reads.push_back(o.lists.resolutions);
    reads = files_read(g, reads);
    if (!output_allowed(o.out.output, reads) || !output_allowed(o.svg, reads)) return exit_bad_input;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto date = [](const std::string& s, const char* what) -> std::optional<Day> {
    auto d = parse_date(s);
    if (!d)
      std::cerr << "tollgate: error: " << what << " '" << s << "' is not a real date (" << date_form << ")\n";
    return d;
  };
  Day d1 = today(), d2;
  if (!o.as_of.empty()) {
    auto d = date(o.as_of, "--as-of");
    if (!d) return exit_bad_input;
    d1 = *d;
  }
  d2 = d1;
  if (!o.vs.empty()) {
    auto d = date(o.vs, "--vs");
    if (!d) return exit_bad_input;
    d2 = *d;
  }
  if (o.sides.size() == 1) {
    std::cerr << "tollgate: error: give both OLD and NEW rules, or neither (the bundled rules on both sides)\n";
    return exit_bad_input;
  }
  Globals ga = g, gb = g;
  if (o.sides.size() == 2) {
    ga.rules = {o.sides[0]};
    gb.rules = {o.sides[1]};
  }
  auto pa = load_program(ga);
  if (!pa) return exit_bad_input;
  auto pb = o.sides.size() == 2 ? load_program(gb) : pa;
  if (!pb) return exit_bad_input;
  auto catalog = load_catalog(g, *pb);  // the catalog is read by the second side's schema
  if (!catalog) return exit_bad_input;
  auto label = [&](const std::string& rules, Day d, bool proposed, bool unenforced) {
    return (rules.empty() ? std::string("bundled rules") : rules) + " as of " + format_date(d) +
           (proposed ? ", with proposed rules" : ", enacted rules only") +
           (unenforced ? ", with unenforced rules" : "");
  };
  const bool old_unenforced = o.old_unenforced || o.both_unenforced;
  const bool new_unenforced = o.new_unenforced || o.both_unenforced;
  std::shared_ptr<const PartyLists> old_lists, new_lists;
  if (!diff_lists(o, old_lists, new_lists)) return exit_bad_input;
  // ", screening against csl.csv (2026-11-30, 27 entries), resolutions res.csv (1)" (the SHA-256s: in JSON)
  auto screened = [](const std::shared_ptr<const PartyLists>& l) {
    if (!l) return std::string();
    auto name = [](const std::string& path) { return std::filesystem::path(path).filename().string(); };
    std::string out = ", screening against ";
    for (size_t i = 0; i < l->lists.size(); ++i)
      out += (i ? ", " : "") + name(l->lists[i].path) + " (" +
             (l->lists[i].date.empty() ? "undated" : l->lists[i].date) + ", " +
             std::to_string(l->lists[i].entries.size()) + " entries)";
    if (l->resolutions)
      out += ", resolutions " + name(l->resolutions->path) + " (" + std::to_string(l->resolutions->items.size()) + ")";
    return out;
  };
  DiffReport rep;
  rep.old_side = {pa.get(), d1, o.old_proposed || o.both_proposed,
                  label(o.sides.size() == 2 ? o.sides[0] : "", d1, o.old_proposed || o.both_proposed,
                        old_unenforced),
                  old_unenforced, old_lists};
  rep.old_side.label += screened(old_lists);
  rep.new_side = {pb.get(), d2, o.new_proposed || o.both_proposed,
                  label(o.sides.size() == 2 ? o.sides[1] : "", d2, o.new_proposed || o.both_proposed,
                        new_unenforced),
                  new_unenforced, new_lists};
  rep.new_side.label += screened(new_lists);
  try {
    rep.structure = structural_diff(rep.old_side, rep.new_side);
    rep.semantic = semantic_diff(rep.old_side, rep.new_side);
    rep.chips = catalog_impact(rep.old_side, rep.new_side, *catalog, rep.semantic);
    if (!o.log.empty())
      rep.log = log_impact(rep.old_side, rep.new_side, o.log, *catalog, !o.vs.empty() || o.sides.empty());
  } catch (const std::exception& e) {
    std::cerr << "tollgate: error: " << e.what() << "\n";
    return exit_bad_input;
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!write_diff(rep, *catalog, o.out, o.svg, o.detail)) return exit_bad_input;
  const bool changed = !rep.structure.empty() || !rep.semantic.regions.empty() || !rep.chips.empty() ||
                       (rep.log && rep.log->flipped > 0) || (rep.log && rep.log->old_fees_cents != rep.log->new_fees_cents);
  return o.exit_code && changed ? exit_changes : exit_ok;
}

Command add_diff(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("diff", "Compare two rule regimes: what changed, for which shipments, at what cost");
  app->footer(R"(Examples:
  tollgate diff --as-of 2023-06-01 --vs 2023-12-01                 # the Oct 2022 rule vs the Oct 2023 rule
  tollgate diff --as-of 2025-12-31 --vs 2026-03-01 --svg h200.svg  # the H200 opening and its 25% duty
  tollgate diff --as-of 2026-06-01 --new-proposed                  # enacted vs enacted + the AI OVERWATCH Act
  tollgate diff --as-of 2026-06-01 --new-unenforced                # enacted vs + the AI Diffusion rule's worldwide scope
  tollgate diff old-rules/ new-rules/ --as-of 2026-06-01 --log shipments.csv --format json
  tollgate diff --as-of 2026-11-09 --vs 2026-11-10 --log shipments.csv --lists csl.csv   # the affiliates rule returns
  tollgate diff --as-of 2026-11-30 --log shipments.csv --old-lists csl-oct.csv --new-lists csl-nov.csv  # a list update
Each side is a set of rules (a file or folder; default the bundled rules/), a date (--as-of for the old side,
--vs for the new, default the same) and whether proposed (and unenforced) rulesets count. With --log, every shipment of the log is
judged on both sides (as of each side's date; as of its own date when OLD and NEW rules are given without --vs)
and the flips are counted;
with --lists (both sides) or --old-lists/--new-lists, a side also screens each shipment's parties (check --lists).
Output: text (default: the short answer, grouped by change; --detail for every region and chip), --format md or
json (complete), --format svg (the TPP x performance-density plane; --svg FILE writes it besides the text).
Exit: 0 done (with --exit-code: no difference), 6 with --exit-code: the sides differ, 2 bad input or rules,
1 internal error.)");
  auto o = std::make_shared<DiffOptions>();
  app->add_option("rules", o->sides, "OLD and NEW rules (files or folders); default: the bundled rules on both sides")
      ->expected(0, 2);
  app->add_option("--as-of", o->as_of, "The old side's date (YYYY-MM-DD; default today)");
  app->add_option("--vs", o->vs, "The new side's date (default: the old side's)");
  app->add_flag("--old-proposed", o->old_proposed, "Include proposed rulesets on the old side");
  app->add_flag("--new-proposed", o->new_proposed, "Include proposed rulesets on the new side");
  app->add_flag("--include-proposed", o->both_proposed, "Include proposed rulesets on both sides");
  app->add_flag("--old-unenforced", o->old_unenforced, "Include unenforced rulesets on the old side");
  app->add_flag("--new-unenforced", o->new_unenforced, "Include unenforced rulesets on the new side");
  app->add_flag("--include-unenforced", o->both_unenforced, "Include unenforced rulesets on both sides");
  app->add_option("--log", o->log, "A shipment log (CSV or JSONL) to judge on both sides");
  add_lists_options(*app, o->lists);
  app->add_option("--old-lists", o->old_lists, "Screen the logged shipments' parties against these lists on the old side only")
      ->expected(1, -1);
  app->add_option("--new-lists", o->new_lists, "Screen the logged shipments' parties against these lists on the new side only")
      ->expected(1, -1);
  app->add_flag("--detail", o->detail, "Text: every region (with a witness) and every chip per destination, not the short answer");
  add_output_options(*app, o->out, {"text", "md", "json", "svg"});
  app->add_option("--svg", o->svg, "Also write the TPP x performance-density picture (--format svg) to FILE");
  app->add_flag("--exit-code", o->exit_code, "Exit 6 if the two sides differ (rules, regions, chips or logged shipments)");
  app->add_option("--catalog", g.catalog, "Chip catalog CSV (default: the bundled fixtures/chips.csv)");
  return {app, [o, &g]() -> int { return run_diff(*o, g); }};
}

}  // namespace tollgate::cli
