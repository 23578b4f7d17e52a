// tollgate — diff output: text, Markdown, JSON, and the SVG of the TPP x performance-density plane.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <array>
#include <map>

#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "engine/base/number.hpp"
#include "engine/base/text.hpp"
#include "engine/diff/diff.hpp"
#include "engine/audit/report.hpp"

namespace tollgate {
namespace {

constexpr size_t text_regions = 40;



std::string change_line(const StructuralChange& c) {
  return c.what + " " + c.change + "  " + c.name + (c.detail.empty() ? "" : ": " + c.detail) +
         (c.citation.empty() ? "" : "  [" + c.citation + "]");
}

// Catalog flips grouped by chip and by the same change.
std::map<std::string, std::vector<const ChipFlip*>> by_chip(const std::vector<ChipFlip>& flips) {
  std::map<std::string, std::vector<const ChipFlip*>> out;
  for (const auto& f : flips) out[f.chip].push_back(&f);
  return out;
}

// ---- the short text (the default): grouped by change, at most a screen -----------------------------------------

constexpr size_t screen_lines = 40, screen_width = 118;

// `s` cut to `width` bytes (not inside a UTF-8 sequence), "..." marking the cut.
std::string clip(const std::string& s, size_t width = screen_width) {
  if (s.size() <= width) return s;
  size_t n = width - 3;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

// A field's name as an analyst says it.
std::string field_words(const std::string& name) {
  static const std::map<std::string, std::string> words = {
      {"chip.tpp", "TPP"},
      {"pd", "performance density"},
      {"chip.die_area_mm2", "die area"},
      {"chip.interconnect_gbps", "interconnect"},
      {"chip.memory_bw_gbps", "memory bandwidth"},
      {"chip.datacenter", "datacenter chip"},
      {"chip.first_marketed", "first marketed"},
      {"chip.transistors_billion", "transistors"},
      {"chip.process_nm", "process"},
      {"chip.peak_dense_tops", "peak dense TOPS"},
      {"chip.bit_length", "bit length"},
      {"chip.has_hbm", "HBM"},
      {"chip.non_planar", "non-planar transistors"},
      {"chip.name", "chip name"},
      {"chip.family", "chip family"},
      {"chip.vendor", "chip vendor"},
      {"end_user_hq", "end user HQ"},
      {"export_from", "exported from"},
  };
  auto it = words.find(name);
  return it == words.end() ? name : it->second;
}

// One dimension of a region in words: its name spelled out and, for a quantity with a unit, the unit after each
// number ("memory bandwidth <= 4500 GB/s"); "" if the region covers all its values.
std::string dim_words(const Dim& d, uint64_t mask) {
  std::string text = d.describe(mask);
  if (text.empty()) return text;
  std::string unit;
  if (d.kind == Dim::number) unit = d.unit;
  if (unit == "mm2") unit = "mm²";
  std::string out, name = field_words(d.name);
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, d.name.size(), d.name) == 0 && (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]))) &&
        (i + d.name.size() == text.size() || !std::isalnum(static_cast<unsigned char>(text[i + d.name.size()])))) {
      out += name;
      i += d.name.size();
    } else if (!unit.empty() && std::isdigit(static_cast<unsigned char>(text[i])) &&
               (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])))) {
      size_t e = i;
      while (e < text.size() && (std::isdigit(static_cast<unsigned char>(text[e])) || text[e] == '.')) ++e;
      out += text.substr(i, e - i) + " " + unit;
      i = e;
    } else {
      out += text[i++];
    }
  }
  return out;
}

// A region in words: its conditions, joined.
std::string region_words(const Region& g, const std::vector<Dim>& dims) {
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) {
    std::string w = dim_words(dims[i], g.masks[i]);
    if (!w.empty()) out += (out.empty() ? "" : ", ") + w;
  }
  return out.empty() ? "every shipment" : out;
}

// The regions and catalog chips of one change (old outcome -> new outcome).
struct ChangeGroup {
  std::string from, to;                // the outcomes as text (the key)
  Outcome old_outcome, new_outcome;
  uint64_t cells = 0;
  std::vector<const Region*> regions;  // largest first
  std::vector<std::string> chips;      // catalog chips that make this change for some destination
};

// The regions grouped by their change, largest total first; the catalog flips attached to their change (those
// that match no region's change, a chip's own spec being outside the plane of regions, in a group of their own).
std::vector<ChangeGroup> change_groups(const DiffReport& r) {
  std::vector<ChangeGroup> groups;
  std::map<std::pair<std::string, std::string>, size_t> at;
  for (const auto& g : r.semantic.regions) {
    auto [it, fresh] = at.emplace(std::make_pair(g.old_outcome.text(), g.new_outcome.text()), groups.size());
    if (fresh) groups.push_back({g.old_outcome.text(), g.new_outcome.text(), g.old_outcome, g.new_outcome, 0, {}, {}});
    groups[it->second].cells += g.cells;
    groups[it->second].regions.push_back(&g);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const ChangeGroup& x, const ChangeGroup& y) { return x.cells > y.cells; });
  at.clear();
  for (size_t i = 0; i < groups.size(); ++i) at[{groups[i].from, groups[i].to}] = i;
  for (const auto& f : r.chips) {
    auto key = std::make_pair(f.old_outcome.text(), f.new_outcome.text());
    auto it = at.find(key);
    if (it == at.end()) {
      it = at.emplace(key, groups.size()).first;
      groups.push_back({key.first, key.second, f.old_outcome, f.new_outcome, 0, {}, {}});
    }
    auto& chips = groups[it->second].chips;
    if (std::find(chips.begin(), chips.end(), f.chip) == chips.end()) chips.push_back(f.chip);
  }
  return groups;
}

// "A800 80GB PCIe, H800 SXM5 and 3 more".
std::string some_chips(const std::vector<std::string>& chips, size_t shown = 5) {
  std::string out;
  for (size_t i = 0; i < chips.size() && i < shown; ++i) out += (i ? ", " : "") + chips[i];
  if (chips.size() > shown) out += " and " + std::to_string(chips.size() - shown) + " more";
  return out;
}

// Why records were not compared: "3 not compared: 1 unreadable, 2 not shipments" (the reasons that occur).
std::string not_compared_words(const LogImpact& l) {
  std::string out = group_digits(l.not_compared()) + " not compared";
  const std::pair<uint64_t, const char*> why[] = {{l.unreadable, "unreadable (or without a date)"},
                                                  {l.not_shipments, "not shipments"},
                                                  {l.judged_by_neither, "judged by neither side"}};
  bool first = true;
  for (const auto& [n, what] : why) {
    if (!n) continue;
    out += (first ? ": " : ", ") + group_digits(n) + " " + what;
    first = false;
  }
  return out;
}

// The short log summary: totals, the largest transitions, the top destinations.
std::vector<std::string> log_lines(const LogImpact& l) {
  std::vector<std::string> out;
  out.push_back("Log: " + group_digits(l.records) + " records, " + group_digits(l.flipped) + " judged differently, " +
                group_digits(l.not_compared()) + " not compared; fees " + dollars(l.old_fees_cents) + " -> " +
                dollars(l.new_fees_cents) + " (delta " + dollars(l.new_fees_cents - l.old_fees_cents) + ")");
  std::vector<std::pair<std::string, uint64_t>> trans(l.by_transition.begin(), l.by_transition.end());
  std::stable_sort(trans.begin(), trans.end(), [](auto& x, auto& y) { return x.second > y.second; });
  const size_t shown = std::min<size_t>(trans.size(), 3);
  for (size_t i = 0; i < shown; ++i) out.push_back("  " + group_digits(trans[i].second) + "  " + trans[i].first);
  if (trans.size() > shown) {  // (the rest counted, so that the lines add up to the total)
    uint64_t rest = 0;
    for (size_t i = shown; i < trans.size(); ++i) rest += trans[i].second;
    out.push_back("  ... " + group_digits(rest) + " more in " + std::to_string(trans.size() - shown) +
                  " other kind" + (trans.size() - shown == 1 ? "" : "s") + " of change (--detail)");
  }
  std::vector<std::pair<std::string, std::pair<uint64_t, int64_t>>> dests(l.by_destination.begin(), l.by_destination.end());
  std::stable_sort(dests.begin(), dests.end(), [](auto& x, auto& y) { return x.second.first > y.second.first; });
  std::string d;
  for (size_t i = 0; i < dests.size() && i < 6; ++i) d += (i ? ", " : "") + dests[i].first + " " + group_digits(dests[i].second.first);
  if (!d.empty()) out.push_back("  by destination: " + d);
  if (l.unreadable + l.judged_by_neither) out.push_back("  " + not_compared_words(l) + " (--detail)");
  return out;
}

// A verdict as an exporter reads it: "LICENSE_REQUIRED (case_by_case)", ", exception NAC" if one applies.
std::string verdict_words(const Outcome& o) {
  std::string out = to_string(o.verdict);
  if (o.review != Review::none) out += std::string(" (") + to_string(o.review) + ")";
  if (o.exception != LicenseException::none) out += std::string(", exception ") + to_string(o.exception);
  return out;
}

// A change said by what changes, what stays before the colon: "3A090.a, fee h20_levy 15%: LICENSE_REQUIRED
// (presumption_of_denial) -> LICENSE_REQUIRED (case_by_case)"; "none -> 3A090.a: ALLOWED -> LICENSE_REQUIRED
// (presumption_of_denial)"; "3A090.a, NOTIFY, exception NAC: fee none -> s232_duty 25%".
std::string change_words(const Outcome& a, const Outcome& b) {
  auto fees = [](const std::string& f) {  // "h20_levy 15% + s232_duty 25%"
    std::string out = f.empty() ? "none" : f;
    for (size_t at; (at = out.find("; ")) != std::string::npos;) out.replace(at, 2, " + ");
    return out;
  };
  auto whole = [&](const Outcome& o) {
    return o.uncovered ? std::string("not covered (the date is outside the rules' coverage)")
           : o.error   ? std::string("cannot be judged (a field is missing)")
                   : std::string(klass_name(o.klass)) + ", " + verdict_words(o) + (o.fees.empty() ? "" : ", fee " + fees(o.fees));
  };
  if (a.error || b.error) return whole(a) + " -> " + whole(b);
  std::string kept = a.klass == b.klass ? std::string(klass_name(a.klass))
                                        : std::string(klass_name(a.klass)) + " -> " + klass_name(b.klass);
  std::vector<std::string> changes;
  if (verdict_words(a) == verdict_words(b)) kept += ", " + verdict_words(a);
  else changes.push_back(verdict_words(a) + " -> " + verdict_words(b));
  if (a.fees == b.fees) {
    if (!a.fees.empty()) kept += ", fee " + fees(a.fees);
  } else {
    changes.push_back("fee " + fees(a.fees) + " -> " + fees(b.fees));
  }
  if (changes.empty()) return kept;  // only the classification changes: "none -> 3A090.a, ALLOWED"
  std::string out = kept + ":";
  for (size_t i = 0; i < changes.size(); ++i) out += (i ? "; " : " ") + changes[i];
  return out;
}

// The lines of one change: what turns into what, where (its largest region, in words), which catalog chips.
std::vector<std::string> group_lines(size_t n, const ChangeGroup& c, const std::vector<Dim>& dims) {
  std::vector<std::string> out;
  std::string count = c.regions.empty() ? "catalog chips only"
                                        : std::to_string(c.regions.size()) + " region" + (c.regions.size() == 1 ? "" : "s");
  out.push_back(clip("  " + std::to_string(n) + ". " + change_words(c.old_outcome, c.new_outcome) + "  (" + count + ")"));
  if (!c.regions.empty())
    out.push_back(clip(std::string("     ") + (c.regions.size() == 1 ? "where: " : "largest: ") +
                       region_words(*c.regions.front(), dims)));
  if (!c.chips.empty()) out.push_back(clip("     catalog chips: " + some_chips(c.chips)));
  return out;
}

// The short answer: what changed in the rules, then the changes to shipments grouped by change, catalog, log and
// notes, in at most `screen_lines` lines of at most `screen_width` bytes; --detail has the rest.
std::string diff_short_text(const DiffReport& r) {
  const SemanticDiff& s = r.semantic;
  std::vector<std::string> head = {"tollgate diff (the short answer; --detail lists every region with a witness, and every chip)",
                                   clip("  old: " + r.old_side.label), clip("  new: " + r.new_side.label), ""};
  head.push_back("What changed in the rules (" + std::to_string(r.structure.size()) + ")");
  if (r.structure.empty()) head.push_back("  none: the same rules are in force on both sides");
  const size_t rule_lines = 7;
  for (size_t i = 0; i < r.structure.size() && i < rule_lines; ++i) head.push_back(clip("  " + change_line(r.structure[i])));
  if (r.structure.size() > rule_lines)
    head.push_back("  ... " + std::to_string(r.structure.size() - rule_lines) + " more (--detail)");
  head.push_back("");
  std::vector<ChangeGroup> groups = change_groups(r);
  head.push_back(clip("Shipments judged differently: " + std::to_string(s.regions.size()) + " region" +
                      (s.regions.size() == 1 ? "" : "s") + ", " + std::to_string(groups.size()) + " kind" +
                      (groups.size() == 1 ? "" : "s") + " of change, largest first (what stays: what changes)"));
  if (s.regions.empty() && groups.empty()) head.push_back("  none: every shipment is judged the same on both sides");
  std::vector<std::string> tail;
  if (!r.chips.empty())
    tail.push_back("Catalog: " + std::to_string(by_chip(r.chips).size()) +
                   " chips change for some destination (shipped there, end user there, from US; per destination: --detail)");
  if (r.log) {
    if (!tail.empty()) tail.push_back("");
    for (auto& l : log_lines(*r.log)) tail.push_back(clip(l));
  }
  for (const auto& n : s.notes) tail.push_back(clip("note: " + n));
  if (!tail.empty()) tail.insert(tail.begin(), "");
  // The changes fill what is left of the screen; the ones that do not fit are counted.
  size_t room = screen_lines > head.size() + tail.size() + 1 ? screen_lines - head.size() - tail.size() - 1 : 0;
  std::vector<std::string> body;
  size_t shown = 0;
  for (; shown < groups.size(); ++shown) {
    auto lines = group_lines(shown + 1, groups[shown], s.dims);
    if (body.size() + lines.size() > room) break;
    body.insert(body.end(), lines.begin(), lines.end());
  }
  if (shown < groups.size()) {
    size_t regions = 0;
    for (size_t i = shown; i < groups.size(); ++i) regions += groups[i].regions.size();
    body.push_back("  ... " + std::to_string(groups.size() - shown) + " more kinds of change, " + std::to_string(regions) +
                   " regions (--detail)");
  }
  std::string out;
  for (const auto* part : {&head, &body, &tail})
    for (const auto& l : *part) out += l + "\n";
  return out;
}

}  // namespace

std::string diff_text(const DiffReport& r, bool detail) {
  if (!detail) return diff_short_text(r);
  std::string out = "tollgate diff\n  old: " + r.old_side.label + "\n  new: " + r.new_side.label + "\n";
  out += "\nStructural changes (" + std::to_string(r.structure.size()) + ")\n";
  if (r.structure.empty()) out += "  none: the same rules are in force on both sides\n";
  for (const auto& c : r.structure) out += "  " + change_line(c) + "\n";
  const SemanticDiff& s = r.semantic;
  out += "\nSemantic changes: " + std::to_string(s.regions.size()) + " region" + (s.regions.size() == 1 ? "" : "s") +
         " of shipments judged differently (" + group_digits(s.changed_cells) + " of " + group_digits(s.cells) +
         " cells of the record space, cut at every threshold of both sides)\n";
  if (s.regions.empty()) out += "  none: every shipment is judged the same on both sides\n";
  // First the changes themselves, largest first: what turns into what, in how many regions and cells.
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, size_t>> changes;
  for (const auto& g : s.regions) {
    auto& c = changes[{g.old_outcome.text(), g.new_outcome.text()}];
    c.first += g.cells;
    ++c.second;
  }
  std::vector<std::pair<std::pair<uint64_t, size_t>, std::pair<std::string, std::string>>> ranked;
  for (const auto& [k, v] : changes) ranked.push_back({v, k});
  std::stable_sort(ranked.begin(), ranked.end(), [](auto& x, auto& y) { return x.first.first > y.first.first; });
  if (!ranked.empty()) out += "  in short (cells, regions: old -> new):\n";
  for (const auto& [v, k] : ranked)
    out += "    " + group_digits(v.first) + " cells, " + std::to_string(v.second) + " region" +
           (v.second == 1 ? "" : "s") + ": " + k.first + "  ->  " + k.second + "\n";
  if (!ranked.empty()) out += "  the regions, largest first:\n";
  for (size_t i = 0; i < s.regions.size() && i < text_regions; ++i) {
    const Region& g = s.regions[i];
    out += "  " + std::to_string(i + 1) + ". " + g.describe(s.dims) + "\n";
    out += "       old: " + g.old_outcome.text() + "\n       new: " + g.new_outcome.text() + "\n";
    out += "       witness: " + g.witness_json(s.dims) + "\n";
  }
  if (s.regions.size() > text_regions)
    out += "  ... " + std::to_string(s.regions.size() - text_regions) + " more regions (all in --format json)\n";
  out += "\nCatalog chips that change (shipped to each class of destinations, end user there, from US): " +
         std::to_string(by_chip(r.chips).size()) + " chips\n";
  for (const auto& [chip, flips] : by_chip(r.chips)) {
    out += "  " + chip + "\n";
    for (const ChipFlip* f : flips)
      out += "    to " + f->destinations + ": " + f->old_outcome.text() + "  ->  " + f->new_outcome.text() + "\n";
  }
  if (r.log) {
    const LogImpact& l = *r.log;
    out += "\nLog: " + group_digits(l.records) + " records, " + group_digits(l.flipped) + " judged differently; fees " +
           dollars(l.old_fees_cents) + " -> " + dollars(l.new_fees_cents) + " (delta " +
           dollars(l.new_fees_cents - l.old_fees_cents) + "); " + not_compared_words(l) + "\n";
    for (const auto& [t, n] : l.by_transition) out += "  " + group_digits(n) + "  " + t + "\n";
    std::vector<std::pair<std::string, std::pair<uint64_t, int64_t>>> dests(l.by_destination.begin(),
                                                                            l.by_destination.end());
    std::stable_sort(dests.begin(), dests.end(), [](auto& x, auto& y) { return x.second.first > y.second.first; });
    if (!dests.empty()) out += "  by destination:";
    for (size_t i = 0; i < dests.size() && i < 12; ++i)
      out += " " + dests[i].first + " " + group_digits(dests[i].second.first) +
             (dests[i].second.second ? " (" + dollars(dests[i].second.second) + ")" : "") + (i + 1 < dests.size() && i < 11 ? "," : "");
    if (!dests.empty()) out += "\n";
    if (!l.by_month.empty())
      out += "  months: " + l.by_month.begin()->first + " to " + l.by_month.rbegin()->first + " (" +
             std::to_string(l.by_month.size()) + "; all in --format json)\n";
    for (const auto& e : l.examples) out += "  e.g. " + e + "\n";
    for (const auto& p : l.problems) out += "  not compared: " + p + "\n";
  }
  for (const auto& n : s.notes) out += "\nnote: " + n + "\n";
  return out;
}

std::string diff_markdown(const DiffReport& r) {
  std::string out = "# tollgate diff\n\n- old: " + r.old_side.label + "\n- new: " + r.new_side.label + "\n";
  out += "\n## Structural changes\n\n| what | change | name | detail | citation |\n|---|---|---|---|---|\n";
  for (const auto& c : r.structure)
    out += "| " + c.what + " | " + c.change + " | `" + c.name + "` | " + md_escape(c.detail) + " | " + md_escape(c.citation) + " |\n";
  const SemanticDiff& s = r.semantic;
  out += "\n## Regions judged differently\n\n" + std::to_string(s.regions.size()) + " regions (" +
         group_digits(s.changed_cells) + " of " + group_digits(s.cells) + " cells).\n\n| # | region | old | new |\n|---|---|---|---|\n";
  for (size_t i = 0; i < s.regions.size(); ++i) {
    const Region& g = s.regions[i];
    out += "| " + std::to_string(i + 1) + " | " + md_escape(g.describe(s.dims)) + " | " + md_escape(g.old_outcome.text()) + " | " +
           md_escape(g.new_outcome.text()) + " |\n";
  }
  out += "\n## Catalog chips that change\n\n| chip | destinations | old | new |\n|---|---|---|---|\n";
  for (const auto& f : r.chips)
    out += "| " + md_escape(f.chip) + " | " + md_escape(f.destinations) + " | " + md_escape(f.old_outcome.text()) + " | " +
           md_escape(f.new_outcome.text()) + " |\n";
  if (r.log) {
    const LogImpact& l = *r.log;
    out += "\n## Log\n\n" + group_digits(l.records) + " records, " + group_digits(l.flipped) +
           " judged differently; fees " + dollars(l.old_fees_cents) + " -> " + dollars(l.new_fees_cents) + "; " +
           not_compared_words(l) + ".\n\n";
    out += "| change | records |\n|---|--:|\n";
    for (const auto& [t, n] : l.by_transition) out += "| " + md_escape(t) + " | " + group_digits(n) + " |\n";
    out += "\n| month | flips | fee delta |\n|---|--:|--:|\n";
    for (const auto& [m, v] : l.by_month) out += "| " + m + " | " + group_digits(v.first) + " | " + dollars(v.second) + " |\n";
    if (!l.examples.empty()) out += "\nFor example:\n\n";
    for (const auto& e : l.examples) out += "- " + md_escape(e) + "\n";
    if (!l.problems.empty()) out += "\nNot compared:\n\n";
    for (const auto& p : l.problems) out += "- " + md_escape(p) + "\n";
  }
  for (const auto& n : s.notes) out += "\n> note: " + md_escape(n) + "\n";
  return out;
}

std::string diff_json(const DiffReport& r) {
  using ojson = nlohmann::ordered_json;
  ojson j;
  j["schema"] = "tollgate.diff/1";
  auto side = [](const DiffSide& s) {
    ojson o{{"label", s.label}, {"as_of", format_date(s.day)}, {"include_proposed", s.proposed}};
    if (s.unenforced) o["include_unenforced"] = true;  // (absent when false, as before rulesets could be unenforced)
    // The lists the side screens the log's parties against: {"lists":[{name, date, sha256, entries}], "resolutions"}
    // (as a decision's screening member has them); null without lists.
    o["screening"] = s.lists ? ojson::parse("{" + s.lists->lists_json + "}") : ojson();
    return o;
  };
  j["old"] = side(r.old_side);
  j["new"] = side(r.new_side);
  j["structural"] = ojson::array();
  for (const auto& c : r.structure)
    j["structural"].push_back(
        {{"what", c.what}, {"change", c.change}, {"name", c.name}, {"detail", c.detail}, {"citation", c.citation}});
  auto outcome = [](const Outcome& o) {
    ojson x;
    x["error"] = o.error;
    if (o.uncovered) x["uncovered"] = true;  // the side's date is outside its rules' coverage (absent otherwise)
    if (o.error) {  // cannot be judged: no classification, verdict or fee to read (never "ALLOWED")
      x["classification"] = x["verdict"] = x["review"] = x["exception"] = nullptr;
      x["fees"] = ojson::array();
      return x;
    }
    x["classification"] = klass_name(o.klass);
    x["verdict"] = to_string(o.verdict);
    x["review"] = *to_string(o.review) ? ojson(to_string(o.review)) : ojson(nullptr);
    x["exception"] = *to_string(o.exception) ? ojson(to_string(o.exception)) : ojson(nullptr);
    x["fees"] = o.fees;
    return x;
  };
  const SemanticDiff& s = r.semantic;
  j["cells"] = s.cells;
  j["changed_cells"] = s.changed_cells;
  j["judgements"] = s.judged;  // pairs of evaluations the lazy splitting needed
  j["regions"] = ojson::array();
  for (const auto& g : s.regions) {
    ojson x;
    x["region"] = g.describe(s.dims);
    ojson conds = ojson::array();
    for (size_t i = 0; i < s.dims.size(); ++i) {
      std::string d = s.dims[i].describe(g.masks[i]);
      if (!d.empty()) conds.push_back(d);
    }
    x["conditions"] = conds;
    x["old"] = outcome(g.old_outcome);
    x["new"] = outcome(g.new_outcome);
    x["cells"] = g.cells;
    // The sides whose rules do not cover the region's date (tollgate.eval.coverage): its cells there are errors,
    // not decisions. Absent when both sides cover it.
    if (g.old_outcome.uncovered || g.new_outcome.uncovered) {
      ojson sides = ojson::array();
      if (g.old_outcome.uncovered) sides.push_back("old");
      if (g.new_outcome.uncovered) sides.push_back("new");
      x["uncovered"] = sides;
    }
    x["witness"] = ojson::parse(g.witness_json(s.dims));
    j["regions"].push_back(x);
  }
  j["catalog"] = ojson::array();
  for (const auto& f : r.chips)
    j["catalog"].push_back({{"chip", f.chip}, {"destinations", f.destinations}, {"representative", f.representative},
                            {"old", outcome(f.old_outcome)}, {"new", outcome(f.new_outcome)}});
  if (r.log) {
    const LogImpact& l = *r.log;
    ojson x;
    x["records"] = l.records;
    x["flipped"] = l.flipped;
    x["judged_by_both"] = l.judged;
    x["judged_by_one_side"] = l.judged_by_one;  // (each a flip to or from "cannot be judged")
    x["not_compared"] = l.not_compared();
    x["not_compared_by_reason"] = {{"unreadable", l.unreadable}, {"not_shipment", l.not_shipments},
                                   {"judged_by_neither", l.judged_by_neither}};
    x["old_fees_cents"] = l.old_fees_cents;
    x["new_fees_cents"] = l.new_fees_cents;
    x["fee_delta_cents"] = l.new_fees_cents - l.old_fees_cents;
    x["by_transition"] = l.by_transition;
    for (const auto& [k, v] : l.by_destination) x["by_destination"][k] = {{"flipped", v.first}, {"fee_delta_cents", v.second}};
    for (const auto& [k, v] : l.by_month) x["by_month"][k] = {{"flipped", v.first}, {"fee_delta_cents", v.second}};
    x["examples"] = l.examples;
    x["problems"] = l.problems;
    j["log"] = x;
  }
  j["notes"] = s.notes;
  return j.dump(2) + "\n";
}

namespace {

// ---- SVG -----------------------------------------------------------------------------------------------------------
// diff_svg in steps: the slice (which destination; which interconnect and memory bandwidth), the plane judged cell
// by cell on both sides, its changed cells grouped by change (one colour each), then the layers of the picture in
// drawing order: title, shaded changes, boundaries, axes and thresholds, catalog chips, legend.

// The page and the plot area: [L, W-R] x [T, H-B]; log10 TPP from x0 to x1 (100..200k), log10 PD from y0 to y1
// (0.1..100), cut into nx x ny cells.
struct SvgFrame {
  static constexpr int W = 1120, H = 660, L = 80, R = 330, T = 70, B = 60;
  static constexpr double x0 = 2, x1 = 5.3, y0 = -1, y1 = 2;
  static constexpr int nx = 220, ny = 150;
  double pw = W - L - R, ph = H - T - B;
  double cw = pw / nx, ch = ph / ny;
  double X(double lt) const { return L + (lt - x0) / (x1 - x0) * pw; }
  double Y(double lp) const { return T + ph - (lp - y0) / (y1 - y0) * ph; }
};

// Appends printf-formatted text (at most 4095 characters, as one buffer holds).
__attribute__((format(printf, 2, 3))) void appendf(std::string& out, const char* fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  out += buf;
}

// The shipment behind the plane: a datacenter chip shipped from the US to China, or, if no changed region
// includes China, to the destination of the largest changed region; its end user there.
int svg_destination(const DiffReport& r) {
  int dest = country_index("CN");
  bool china_changes = false;
  for (const auto& g : r.semantic.regions) {
    auto cell = r.semantic.cell_of([&] {
      Facts f = g.witness;
      f.set_raw(s_destination, dest);
      return f;
    }());
    if (!cell) continue;
    bool in = true;
    for (size_t i = 0; i < r.semantic.dims.size() && in; ++i)
      if (r.semantic.dims[i].kind == Dim::country && r.semantic.dims[i].slot == s_destination)
        in = ((g.masks[i] >> (*cell)[i]) & 1u) != 0;
    if (in) china_changes = true;
  }
  if (!china_changes && !r.semantic.regions.empty())
    dest = static_cast<int>(r.semantic.regions.front().witness.num[s_destination]);
  return dest;
}

// The chip fields the plane holds fixed besides TPP and density: interconnect and memory bandwidth, in GB/s.
struct Slice {
  double interconnect_gbps = 900, memory_bw_gbps = 4800;
};

// A generic datacenter accelerator at (tpp, pd) with the slice's other figures, shipped to `dest` on `day`.
Facts plane_facts(int dest, double tpp, double pd, Day day, const Slice& slice) {
  Facts f = as_shipment(Facts{}, dest, day);
  // A point of the chart (a cell's centre), to the nearest millionth.
  auto micro = [](double x) { return std::llround(x * static_cast<double>(micro_per_unit)); };
  f.set_raw(s_chip_datacenter, 1);
  f.set_number(s_chip_tpp, micro(tpp));
  f.set_number(s_chip_die_area_mm2, micro(tpp / pd));
  f.set_number(s_chip_interconnect_gbps, micro(slice.interconnect_gbps));
  f.set_number(s_chip_memory_bw_gbps, micro(slice.memory_bw_gbps));
  f.set_raw(s_chip_us_available_on, *parse_date("2025-01-01"));  // on the US market (the H200 rule's condition)
  f.set_text(t_chip_name, "Generic accelerator");  // matches no rule's name or family constant
  f.set_text(t_chip_family, "Generic");
  f.set_text(t_chip_vendor, "Generic");
  return f;
}

// Each side's outcome (as text) at the centre of every cell of the plane, row by row from the bottom.
struct PlaneOutcomes {
  std::vector<std::string> old_side, new_side;
  bool changed(size_t k) const { return old_side[k] != new_side[k]; }
  double changed_share() const {
    size_t n = 0;
    for (size_t k = 0; k < old_side.size(); ++k) n += changed(k);
    return old_side.empty() ? 0 : static_cast<double>(n) / static_cast<double>(old_side.size());
  }
};
PlaneOutcomes judge_plane(const DiffReport& r, const SvgFrame& fr, int dest, const Slice& slice) {
  PlaneOutcomes p;
  p.old_side.resize(static_cast<size_t>(fr.nx * fr.ny));
  p.new_side.resize(p.old_side.size());
  const DiffSide &o = r.old_side, &n = r.new_side;
  for (int j = 0; j < fr.ny; ++j)
    for (int i = 0; i < fr.nx; ++i) {
      double lt = fr.x0 + (i + 0.5) / fr.nx * (fr.x1 - fr.x0), lp = fr.y0 + (j + 0.5) / fr.ny * (fr.y1 - fr.y0);
      double tpp = std::pow(10, lt), pd = std::pow(10, lp);
      size_t k = static_cast<size_t>(j * fr.nx + i);
      p.old_side[k] = outcome_of(*o.program, plane_facts(dest, tpp, pd, o.day, slice), o.day, o.options()).text();
      p.new_side[k] = outcome_of(*n.program, plane_facts(dest, tpp, pd, n.day, slice), n.day, n.options()).text();
    }
  return p;
}

// The slice that shows the change: the default (a current datacenter part: 900 GB/s interconnect, 4,800 GB/s
// memory) if the changed area covers between 2 % and 85 % of the plane; otherwise, of a few lesser parts, the one
// whose changed share is nearest a third (a plane shaded edge to edge, or not at all, shows no boundary).
// `why` receives the reason when the slice is not the default.
std::pair<Slice, PlaneOutcomes> choose_slice(const DiffReport& r, const SvgFrame& fr, int dest, std::string& why) {
  static const Slice candidates[] = {{900, 4800}, {600, 3000}, {400, 2000}, {400, 1200}, {200, 800}, {100, 400}};
  std::pair<Slice, PlaneOutcomes> best{candidates[0], judge_plane(r, fr, dest, candidates[0])};
  double share = best.second.changed_share();
  if (share == 0 || (share >= 0.02 && share <= 0.85)) return best;
  why = std::string("chosen to show the change: at 900 and 4,800 GB/s ") +
        (share > 0.85 ? "almost the whole plane changes" : "almost nothing changes");
  double best_score = std::abs(share - 1.0 / 3);
  for (size_t i = 1; i < std::size(candidates); ++i) {
    PlaneOutcomes p = judge_plane(r, fr, dest, candidates[i]);
    double sh = p.changed_share(), score = std::abs(sh - 1.0 / 3);
    if (sh > 0 && score < best_score) {
      best = {candidates[i], std::move(p)};
      best_score = score;
    }
  }
  return best;
}

// The plane's changed cells by kind of change (old -> new outcome): the largest kinds each an area of its own
// colour, the rest one area "other changes". `of_cell` is the area of each cell, -1 where the sides agree.
struct Areas {
  static constexpr size_t max_areas = 6;
  std::vector<int> of_cell;
  std::vector<std::pair<std::string, std::string>> kinds;  // per area: old, new ("" for the other changes)
  std::vector<size_t> cells;                               // per area
  size_t other_kinds = 0;                                  // kinds in the last area, if it is "other changes"
};
Areas plane_areas(const PlaneOutcomes& p) {
  std::map<std::pair<std::string, std::string>, size_t> count;
  for (size_t k = 0; k < p.old_side.size(); ++k)
    if (p.changed(k)) count[{p.old_side[k], p.new_side[k]}]++;
  std::vector<std::pair<size_t, std::pair<std::string, std::string>>> sorted;
  for (auto& [k, v] : count) sorted.push_back({v, k});
  std::stable_sort(sorted.begin(), sorted.end(), [](auto& x, auto& y) { return x.first > y.first; });
  Areas a;
  std::map<std::pair<std::string, std::string>, int> index;
  bool lump = sorted.size() > Areas::max_areas;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (lump && i + 1 >= Areas::max_areas) {
      if (a.kinds.size() < Areas::max_areas) {
        a.kinds.push_back({"", ""});
        a.cells.push_back(0);
      }
      ++a.other_kinds;
    } else {
      a.kinds.push_back(sorted[i].second);
      a.cells.push_back(0);
    }
    index[sorted[i].second] = static_cast<int>(a.kinds.size() - 1);
    a.cells.back() += sorted[i].first;
  }
  a.of_cell.assign(p.old_side.size(), -1);
  for (size_t k = 0; k < p.old_side.size(); ++k)
    if (p.changed(k)) a.of_cell[k] = index[{p.old_side[k], p.new_side[k]}];
  return a;
}

// The fill of each area: light, distinct, none of them the boundaries' orange or blue; grey for "other changes".
const char* area_colour(size_t area, const Areas& a) {
  static const char* palette[] = {"#f4a3a3", "#9ecae1", "#b8e186", "#dab6e8", "#fdd87a", "#8fd3c7"};
  if (a.other_kinds > 0 && area + 1 == a.kinds.size()) return "#c8c8c8";
  return palette[area % std::size(palette)];
}

// The svg element (`height` tall, for the legend), a white page, and the title lines: the shipment, the slice and
// why it was chosen, both sides.
std::string svg_header(const DiffReport& r, const SvgFrame& fr, int dest, const Slice& slice,
                       const std::string& why_moved, int height) {
  std::string out;
  appendf(out,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
          "font-family=\"DejaVu Sans, Arial, sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
          fr.W, height, fr.W, height);
  std::string title = "TPP x performance density: a datacenter chip shipped from US to " + country_code(dest) +
                      ", end user there";
  std::string sub = "slice: interconnect " + format_number(slice.interconnect_gbps) + " GB/s, memory bandwidth " +
                    group_digits(static_cast<uint64_t>(slice.memory_bw_gbps)) + " GB/s, no first-marketed date" +
                    (why_moved.empty() ? "; other chip fields as the rules need them" : " (" + why_moved + ")");
  appendf(out,
          "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>\n"
          "<text x=\"%d\" y=\"40\" font-size=\"11.5\" fill=\"#444\">%s</text>\n"
          "<text x=\"%d\" y=\"56\" font-size=\"11.5\" fill=\"#444\">old: %s  |  new: %s</text>\n",
          fr.L, html_escape(title).c_str(), fr.L, html_escape(sub).c_str(), fr.L, html_escape(r.old_side.label).c_str(),
          html_escape(r.new_side.label).c_str());
  return out;
}

// The cells judged differently, shaded in their area's colour (one rectangle per run of an area along a row,
// marked data-area="N", N from 1, as its legend entry is marked data-legend="N").
std::string svg_shading(const SvgFrame& fr, const Areas& a) {
  std::string out;
  for (int j = 0; j < fr.ny; ++j)
    for (int i = 0; i < fr.nx;) {
      int area = a.of_cell[static_cast<size_t>(j * fr.nx + i)];
      if (area < 0) {
        ++i;
        continue;
      }
      int e = i;
      while (e + 1 < fr.nx && a.of_cell[static_cast<size_t>(j * fr.nx + e + 1)] == area) ++e;
      appendf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" data-area=\"%d\"/>\n",
              fr.L + i * fr.cw, fr.T + fr.ph - (j + 1) * fr.ch, (e - i + 1) * fr.cw + 0.3, fr.ch + 0.3,
              area_colour(static_cast<size_t>(area), a), area + 1);
      i = e + 1;
    }
  return out;
}

// One side's boundaries: a path along every edge between cells that side judges differently ("" if none).
std::string svg_boundaries(const SvgFrame& fr, const std::vector<std::string>& o, const char* color, const char* dash,
                           double width) {
  std::string path;
  for (int j = 0; j < fr.ny; ++j)
    for (int i = 0; i < fr.nx; ++i) {
      size_t k = static_cast<size_t>(j * fr.nx + i);
      if (i + 1 < fr.nx && o[k] != o[k + 1])
        appendf(path, "M%.1f %.1fV%.1f", fr.L + (i + 1) * fr.cw, fr.T + fr.ph - j * fr.ch, fr.T + fr.ph - (j + 1) * fr.ch);
      if (j + 1 < fr.ny && o[k] != o[k + static_cast<size_t>(fr.nx)])
        appendf(path, "M%.1f %.1fH%.1f", fr.L + i * fr.cw, fr.T + fr.ph - (j + 1) * fr.ch, fr.L + (i + 1) * fr.cw);
    }
  if (path.empty()) return std::string();
  return "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"" + std::to_string(width) +
         "\"" + (*dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : "") + "/>\n";
}

// The plot's frame, the decade grid lines with their values, and the axis titles.
std::string svg_axes(const SvgFrame& fr) {
  std::string out;
  appendf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#333\"/>\n", fr.L,
          fr.T, fr.pw, fr.ph);
  for (double lt : {2.0, 3.0, 4.0, 5.0})
    appendf(out,
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ccc\" stroke-width=\"0.6\"/>"
            "<text x=\"%.1f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
            fr.X(lt), fr.T, fr.X(lt), fr.T + fr.ph, fr.X(lt), fr.T + fr.ph + 16,
            group_digits(static_cast<uint64_t>(std::pow(10, lt))).c_str());
  for (double lp : {-1.0, 0.0, 1.0, 2.0})
    appendf(out,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ccc\" stroke-width=\"0.6\"/>"
            "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%s</text>\n",
            fr.L, fr.Y(lp), fr.L + fr.pw, fr.Y(lp), fr.L - 6, fr.Y(lp) + 4, format_number(std::pow(10, lp)).c_str());
  return out;
}

// The thresholds of both sides on the two axes, in grey (a label too close to the previous one is left out).
std::string svg_thresholds(const SvgFrame& fr, const SemanticDiff& sem) {
  std::string out;
  for (const auto& d : sem.dims) {
    if (d.kind != Dim::number || !(d.slot == s_chip_tpp || d.slot == -1)) continue;
    double last = -1e9;
    for (double c : d.cuts) {
      if (c <= 0) continue;
      double l = std::log10(c);
      double at = d.slot == s_chip_tpp ? fr.X(l) : -fr.Y(l);
      if (at - last < 30) continue;
      last = at;
      if (d.slot == s_chip_tpp && l > fr.x0 && l < fr.x1)
        appendf(out, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" fill=\"#666\" text-anchor=\"middle\">%s</text>\n",
                fr.X(l), fr.T + fr.ph + 30, format_number(c).c_str());
      else if (d.slot == -1 && l > fr.y0 && l < fr.y1)
        appendf(out, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" fill=\"#666\">%s</text>\n", fr.L + fr.pw + 4,
                fr.Y(l) + 3, format_number(c).c_str());
    }
  }
  return out;
}

// The axis titles.
std::string svg_axis_titles(const SvgFrame& fr) {
  std::string out;
  appendf(out,
          "<text x=\"%.0f\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">Total Processing Performance "
          "(TPP, log scale; threshold values in grey)</text>\n"
          "<text transform=\"translate(22 %.0f) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">"
          "performance density (TPP / mm², log scale)</text>\n",
          fr.L + fr.pw / 2, fr.H - 12, fr.T + fr.ph / 2);
  return out;
}

// Boxes labels must not overlap: the labels placed so far and the chips' dots (x, top y, width, height).
using Boxes = std::vector<std::array<double, 4>>;

bool overlaps(const Boxes& boxes, double x, double y, double w, double h) {
  for (const auto& b : boxes)
    if (x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h) return true;
  return false;
}

// Where a label of width w goes for its dot at (cx, cy): the first of the spots right, left, above and below it,
// then ever further above and below (up to 75 px away, joined by a leader line), that stays in the plot and overlaps
// no earlier label and no dot; beside the dot if none does. Returns the baseline's start; the box is remembered.
std::pair<double, double> place_label(const SvgFrame& fr, double cx, double cy, double w, Boxes& taken) {
  const double h = 10;  // the text's height above its baseline, with a margin
  std::vector<std::pair<double, double>> spots = {{cx + 6, cy + 3.5}, {cx - 6 - w, cy + 3.5}, {cx - w / 2, cy - 7},
                                                  {cx - w / 2, cy + 14}};
  for (double dy : {-5.0, 9.0, -16.0, 20.0, -27.0, 31.0, -38.0, 42.0, -49.0, 53.0, -60.0, 64.0, -71.0, 75.0})
    for (bool right : {true, false}) spots.push_back({right ? cx + 6 : cx - 6 - w, cy + dy});
  std::pair<double, double> at = {cx + 6, cy + 3.5};
  for (const auto& [tx, ty] : spots) {
    if (tx < fr.L + 1 || tx + w > fr.L + fr.pw - 1 || ty - h < fr.T || ty > fr.T + fr.ph) continue;
    if (overlaps(taken, tx - 1, ty - h + 1, w + 2, h + 1)) continue;
    at = {tx, ty};
    break;
  }
  taken.push_back({at.first - 1, at.second - h + 1, w + 2, h + 1});
  return at;
}

// A catalog chip as plotted.
struct PlottedChip {
  std::string label;
  double cx, cy;
  bool datacenter, flips;
};

// The catalog's chips with a die area inside the plane, and whether each one itself (its own interconnect, memory,
// family ...) flips for this destination.
std::vector<PlottedChip> plotted_chips(const DiffReport& r, const Catalog& catalog, const SvgFrame& fr, int dest) {
  std::vector<PlottedChip> out;
  for (const auto& [name, f] : catalog.chips()) {
    if (!f.has(s_chip_tpp) || !f.has(s_chip_die_area_mm2)) continue;
    // Where to plot it (display only): the exact values as doubles.
    double tpp = static_cast<double>(f.num[s_chip_tpp]) / static_cast<double>(micro_per_unit);
    double pd = static_cast<double>(f.num[s_chip_tpp]) / static_cast<double>(f.num[s_chip_die_area_mm2]);
    double lt = std::log10(tpp), lp = std::log10(pd);
    if (lt < fr.x0 || lt > fr.x1 || lp < fr.y0 || lp > fr.y1) continue;
    const DiffSide &o = r.old_side, &n = r.new_side;
    bool flips = !(outcome_of(*o.program, as_shipment(f, dest, o.day), o.day, o.options()) ==
                   outcome_of(*n.program, as_shipment(f, dest, n.day), n.day, n.options()));
    bool dc = f.has(s_chip_datacenter) && f.num[s_chip_datacenter] != 0;
    out.push_back({name.size() > 24 ? name.substr(0, 23) + "..." : name, fr.X(lt), fr.Y(lp), dc, flips});
  }
  return out;
}

// The chips: a dot each (filled for datacenter chips), a red ring on those that themselves flip; then their labels,
// those of the flipping chips placed first, none over another label or a dot, with a leader line when moved away.
std::string svg_chips(const DiffReport& r, const Catalog& catalog, const SvgFrame& fr, int dest) {
  std::string out;
  std::vector<PlottedChip> chips = plotted_chips(r, catalog, fr, dest);
  Boxes taken;
  for (const auto& c : chips) {
    if (c.flips)
      appendf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\"/>\n",
              c.cx, c.cy);
    appendf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"#222\" stroke-width=\"0.7\"/>\n",
            c.cx, c.cy, c.datacenter ? "#222" : "white");
    double rr = c.flips ? 7 : 4;
    taken.push_back({c.cx - rr, c.cy - rr, 2 * rr, 2 * rr});
  }
  std::vector<size_t> order(chips.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return chips[x].flips && !chips[y].flips; });
  for (size_t i : order) {
    const PlottedChip& c = chips[i];
    double w = (c.flips ? 6.6 : 5.9) * static_cast<double>(c.label.size());  // DejaVu Sans at 9.5 px; bold wider
    auto [x, y] = place_label(fr, c.cx, c.cy, w, taken);
    bool beside = std::abs(y - (c.cy + 3.5)) < 1 && (std::abs(x - (c.cx + 6)) < 1 || std::abs(x + w - (c.cx - 6)) < 1);
    if (!beside) {
      double lx = x > c.cx ? x : x + w < c.cx ? x + w : c.cx, ly = y > c.cy ? y - 9 : y;
      appendf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" stroke-width=\"0.5\"/>\n",
              c.cx, c.cy, lx, ly);
    }
    appendf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9.5\" fill=\"%s\"%s>%s</text>\n", x, y,
            c.flips ? "#c0392b" : "#222", c.flips ? " font-weight=\"bold\"" : "", html_escape(c.label).c_str());
  }
  return out;
}

// The legend's key: both sides' boundaries, the chip markers.
std::string svg_legend_key(int lx, int ly) {
  std::string out;
  appendf(out,
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d9822b\" stroke-width=\"2.5\" "
          "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%d\" font-size=\"12\">old boundaries</text>\n"
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f4e9a\" stroke-width=\"1.6\"/>"
          "<text x=\"%d\" y=\"%d\" font-size=\"12\">new boundaries</text>\n"
          "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"#222\"/><text x=\"%d\" y=\"%d\" font-size=\"12\">"
          "catalog chip (datacenter)</text>\n"
          "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"white\" stroke=\"#222\"/><text x=\"%d\" y=\"%d\" "
          "font-size=\"12\">catalog chip (other)</text>\n"
          "<circle cx=\"%d\" cy=\"%d\" r=\"7\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\"/><text x=\"%d\" "
          "y=\"%d\" font-size=\"12\" fill=\"#c0392b\">this chip itself flips (own specs)</text>\n",
          lx, ly, lx + 14, ly, lx + 20, ly + 4, lx, ly + 22, lx + 14, ly + 22, lx + 20, ly + 26, lx + 7, ly + 44, lx + 20,
          ly + 48, lx + 7, ly + 66, lx + 20, ly + 70, lx + 7, ly + 88, lx + 20, ly + 92);
  return out;
}

// `s` as legend lines at x = lx from y = ty on, wrapped at spaces to at most 38 characters a line.
void svg_wrapped(std::string& out, const std::string& s, int lx, int& ty) {
  std::vector<std::string> lines(1);
  size_t from = 0;
  while (from < s.size()) {
    size_t sp = s.find(' ', from);
    std::string word = s.substr(from, sp == std::string::npos ? std::string::npos : sp - from);
    from = sp == std::string::npos ? s.size() : sp + 1;
    if (!lines.back().empty() && lines.back().size() + 1 + word.size() > 38) lines.push_back("    ");
    lines.back() += (lines.back().empty() || lines.back() == "    " ? "" : " ") + word;
  }
  for (const auto& l : lines) {
    appendf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n", lx, ty, html_escape(l).c_str());
    ty += 14;
  }
}

// One legend entry per area, in its colour (marked data-legend="N"): what the area was and becomes, and its share
// of the changed plane. Returns the y below the last line.
int svg_area_legend(std::string& out, const Areas& a, int lx, int ty) {
  size_t total = 0;
  for (size_t c : a.cells) total += c;
  if (a.kinds.empty()) {
    appendf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\">no change in this picture</text>\n", lx, ty);
    return ty + 16;
  }
  appendf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">judged differently:</text>\n", lx, ty);
  ty += 18;
  for (size_t i = 0; i < a.kinds.size(); ++i) {
    appendf(out,
            "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"%s\" stroke=\"#555\" stroke-width=\"0.5\" "
            "data-legend=\"%zu\"/><text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">area %zu (%.0f%% of "
            "the change)</text>\n",
            lx, ty - 10, area_colour(i, a), i + 1, lx + 20, ty, i + 1,
            100.0 * static_cast<double>(a.cells[i]) / static_cast<double>(total));
    ty += 15;
    if (a.kinds[i].first.empty()) {
      svg_wrapped(out, "other changes (" + std::to_string(a.other_kinds) + " kinds; all in the text output)", lx + 20, ty);
    } else {
      svg_wrapped(out, "was: " + a.kinds[i].first, lx + 20, ty);
      svg_wrapped(out, "now: " + a.kinds[i].second, lx + 20, ty);
    }
    ty += 8;
  }
  return ty;
}

}  // namespace

std::string diff_svg(const DiffReport& r, const Catalog& catalog) {
  const SvgFrame fr;
  int dest = svg_destination(r);
  std::string why_moved;
  auto [slice, plane] = choose_slice(r, fr, dest, why_moved);
  Areas areas = plane_areas(plane);
  int lx = fr.W - fr.R + 30, ly = fr.T + 10;
  std::string legend = svg_legend_key(lx, ly);
  int bottom = svg_area_legend(legend, areas, lx, ly + 124);
  if (slice.memory_bw_gbps == Slice{}.memory_bw_gbps) why_moved.clear();
  std::string out = svg_header(r, fr, dest, slice, why_moved, std::max(fr.H, bottom + 10));
  out += svg_shading(fr, areas);
  out += svg_boundaries(fr, plane.old_side, "#d9822b", "6 4", 2.5);
  out += svg_boundaries(fr, plane.new_side, "#1f4e9a", "", 1.6);
  out += svg_axes(fr);
  out += svg_thresholds(fr, r.semantic);
  out += svg_axis_titles(fr);
  out += svg_chips(r, catalog, fr, dest);
  out += legend;
  return out + "</svg>\n";
}

}  // namespace tollgate
