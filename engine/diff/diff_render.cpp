// tollgate — diff output: text, Markdown, JSON, and the SVG of the TPP x performance-density plane.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
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

}  // namespace

std::string diff_text(const DiffReport& r) {
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
           dollars(l.new_fees_cents - l.old_fees_cents) + "); " + group_digits(l.unreadable) +
           " not compared (unreadable, or not judged on either side)\n";
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
           " judged differently; fees " + dollars(l.old_fees_cents) + " -> " + dollars(l.new_fees_cents) + ".\n\n";
    out += "| change | records |\n|---|--:|\n";
    for (const auto& [t, n] : l.by_transition) out += "| " + md_escape(t) + " | " + group_digits(n) + " |\n";
    out += "\n| month | flips | fee delta |\n|---|--:|--:|\n";
    for (const auto& [m, v] : l.by_month) out += "| " + m + " | " + group_digits(v.first) + " | " + dollars(v.second) + " |\n";
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
    x["not_compared"] = l.unreadable;
    x["old_fees_cents"] = l.old_fees_cents;
    x["new_fees_cents"] = l.new_fees_cents;
    x["fee_delta_cents"] = l.new_fees_cents - l.old_fees_cents;
    x["by_transition"] = l.by_transition;
    for (const auto& [k, v] : l.by_destination) x["by_destination"][k] = {{"flipped", v.first}, {"fee_delta_cents", v.second}};
    for (const auto& [k, v] : l.by_month) x["by_month"][k] = {{"flipped", v.first}, {"fee_delta_cents", v.second}};
    x["examples"] = l.examples;
    j["log"] = x;
  }
  j["notes"] = s.notes;
  return j.dump(2) + "\n";
}

// ---- SVG -----------------------------------------------------------------------------------------------------------

std::string diff_svg(const DiffReport& r, const Catalog& catalog) {
  const int W = 1120, H = 660, L = 80, R = 330, T = 70, B = 60;  // plot area: [L, W-R] x [T, H-B]
  const double x0 = 2, x1 = 5.3, y0 = -1, y1 = 2;              // log10 TPP 100..200k, log10 PD 0.1..100
  const int nx = 220, ny = 150;                                 // cells of the plane
  double pw = W - L - R, ph = H - T - B;
  auto X = [&](double lt) { return L + (lt - x0) / (x1 - x0) * pw; };
  auto Y = [&](double lp) { return T + ph - (lp - y0) / (y1 - y0) * ph; };
  // The shipment behind the plane: a datacenter chip shipped from the US to China, or, if no changed region
  // includes China, to the destination of the largest changed region; its end user there.
  int dest = country_index("CN");
  bool china_changes = false;
  for (const auto& g : r.semantic.regions) {
    auto cell = r.semantic.cell_of([&] {
      Facts f = g.witness;
      f.set(s_destination, dest);
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
  auto facts = [&](double tpp, double pd, Day day) {
    Facts f = as_shipment(Facts{}, dest, day);
    f.set(s_chip_datacenter, 1);
    f.set(s_chip_tpp, tpp);
    f.set(s_chip_die_area_mm2, tpp / pd);
    f.set(s_chip_interconnect_gbps, 900);
    f.set(s_chip_memory_bw_gbps, 4800);
    f.set(s_chip_us_available_on, *parse_date("2025-01-01"));  // on the US market (the H200 rule's condition)
    f.set_text(t_chip_name, "Generic accelerator");  // matches no rule's name or family constant
    f.set_text(t_chip_family, "Generic");
    f.set_text(t_chip_vendor, "Generic");
    return f;
  };
  std::vector<std::string> oa(static_cast<size_t>(nx * ny)), ob(oa.size());
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      double lt = x0 + (i + 0.5) / nx * (x1 - x0), lp = y0 + (j + 0.5) / ny * (y1 - y0);
      double tpp = std::pow(10, lt), pd = std::pow(10, lp);
      size_t k = static_cast<size_t>(j * nx + i);
      oa[k] = outcome_of(*r.old_side.program, facts(tpp, pd, r.old_side.day), r.old_side.day, r.old_side.options()).text();
      ob[k] = outcome_of(*r.new_side.program, facts(tpp, pd, r.new_side.day), r.new_side.day, r.new_side.options()).text();
    }
  char buf[4096];
  std::string out;
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
                "font-family=\"DejaVu Sans, Arial, sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                W, H, W, H);
  out += buf;
  std::string title = "TPP x performance density: a datacenter chip shipped from US to " + country_code(dest) +
                      ", end user there";
  std::snprintf(buf, sizeof buf,
                "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>\n"
                "<text x=\"%d\" y=\"40\" font-size=\"11.5\" fill=\"#444\">(interconnect 900 GB/s, memory bandwidth "
                "4800 GB/s, no first-marketed date; other chip fields as the rules need them)</text>\n"
                "<text x=\"%d\" y=\"56\" font-size=\"11.5\" fill=\"#444\">old: %s  |  new: %s</text>\n",
                L, html_escape(title).c_str(), L, L, html_escape(r.old_side.label).c_str(), html_escape(r.new_side.label).c_str());
  out += buf;
  double cw = pw / nx, ch = ph / ny;
  // shaded: judged differently (runs along rows)
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx;) {
      size_t k = static_cast<size_t>(j * nx + i);
      if (oa[k] == ob[k]) {
        ++i;
        continue;
      }
      int e = i;
      while (e + 1 < nx && oa[static_cast<size_t>(j * nx + e + 1)] != ob[static_cast<size_t>(j * nx + e + 1)]) ++e;
      std::snprintf(buf, sizeof buf, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#f6c1b8\"/>\n",
                    L + i * cw, T + ph - (j + 1) * ch, (e - i + 1) * cw + 0.3, ch + 0.3);
      out += buf;
      i = e + 1;
    }
  // boundaries of each side: edges between cells judged differently
  auto boundaries = [&](const std::vector<std::string>& o, const char* color, const char* dash, double width) {
    std::string path;
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        size_t k = static_cast<size_t>(j * nx + i);
        if (i + 1 < nx && o[k] != o[k + 1]) {
          std::snprintf(buf, sizeof buf, "M%.1f %.1fV%.1f", L + (i + 1) * cw, T + ph - j * ch, T + ph - (j + 1) * ch);
          path += buf;
        }
        if (j + 1 < ny && o[k] != o[k + static_cast<size_t>(nx)]) {
          std::snprintf(buf, sizeof buf, "M%.1f %.1fH%.1f", L + i * cw, T + ph - (j + 1) * ch, L + (i + 1) * cw);
          path += buf;
        }
      }
    if (path.empty()) return std::string();
    return "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"" + std::to_string(width) +
           "\"" + (*dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : "") + "/>\n";
  };
  out += boundaries(oa, "#d9822b", "6 4", 2.5);
  out += boundaries(ob, "#1f4e9a", "", 1.6);
  // axes and ticks
  std::snprintf(buf, sizeof buf, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#333\"/>\n",
                L, T, pw, ph);
  out += buf;
  for (double lt : {2.0, 3.0, 4.0, 5.0}) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ccc\" stroke-width=\"0.6\"/>"
                  "<text x=\"%.1f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
                  X(lt), T, X(lt), T + ph, X(lt), T + ph + 16, group_digits(static_cast<uint64_t>(std::pow(10, lt))).c_str());
    out += buf;
  }
  for (double lp : {-1.0, 0.0, 1.0, 2.0}) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ccc\" stroke-width=\"0.6\"/>"
                  "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%s</text>\n",
                  L, Y(lp), L + pw, Y(lp), L - 6, Y(lp) + 4, format_number(std::pow(10, lp)).c_str());
    out += buf;
  }
  // the thresholds of both sides on these two axes (a label too close to the previous one is left out)
  for (const auto& d : r.semantic.dims) {
    if (d.kind != Dim::number || !(d.slot == s_chip_tpp || d.slot == -1)) continue;
    double last = -1e9;
    for (double c : d.cuts) {
      if (c <= 0) continue;
      double l = std::log10(c);
      double at = d.slot == s_chip_tpp ? X(l) : -Y(l);
      if (at - last < 30) continue;
      last = at;
      if (d.slot == s_chip_tpp && l > x0 && l < x1) {
        std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" fill=\"#666\" text-anchor=\"middle\">%s</text>\n",
                      X(l), T + ph + 30, format_number(c).c_str());
        out += buf;
      } else if (d.slot == -1 && l > y0 && l < y1) {
        std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" fill=\"#666\">%s</text>\n",
                      L + pw + 4, Y(l) + 3, format_number(c).c_str());
        out += buf;
      }
    }
  }
  std::snprintf(buf, sizeof buf,
                "<text x=\"%.0f\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">Total Processing Performance "
                "(TPP, log scale; threshold values in grey)</text>\n"
                "<text transform=\"translate(22 %.0f) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">"
                "performance density (TPP / mm², log scale)</text>\n",
                L + pw / 2, H - 12, T + ph / 2);
  out += buf;
  // catalog chips with a die area
  std::vector<std::array<double, 3>> labels;  // x, y, width of each label placed
  for (const auto& [name, f] : catalog.chips()) {
    if (!f.has(s_chip_tpp) || !f.has(s_chip_die_area_mm2)) continue;
    double tpp = f.num[s_chip_tpp], pd = tpp / f.num[s_chip_die_area_mm2];
    double lt = std::log10(tpp), lp = std::log10(pd);
    if (lt < x0 || lt > x1 || lp < y0 || lp > y1) continue;
    double cx = X(lt), cy = Y(lp);
    bool dc = f.has(s_chip_datacenter) && f.num[s_chip_datacenter] != 0;
    // Does this very chip (its own interconnect, memory, family ...) flip for this destination?
    const DiffSide &o = r.old_side, &n = r.new_side;
    bool flips = !(outcome_of(*o.program, as_shipment(f, dest, o.day), o.day, o.options()) ==
                   outcome_of(*n.program, as_shipment(f, dest, n.day), n.day, n.options()));
    if (flips) {
      std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\"/>\n",
                    cx, cy);
      out += buf;
    }
    std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"#222\" stroke-width=\"0.7\"/>\n",
                  cx, cy, dc ? "#222" : "white");
    out += buf;
    // place the label beside its dot where it overlaps no earlier label
    std::string shown = name.size() > 24 ? name.substr(0, 23) + "..." : name;
    double w = (flips ? 6.3 : 5.4) * static_cast<double>(shown.size()), h = 10;  // bold labels are wider
    double best_x = cx + 5, best_y = cy - 5;
    bool found = false;
    for (double dy : {-5.0, 9.0, -16.0, 20.0, -27.0, 31.0, -38.0, 42.0})
      for (bool right : {true, false}) {
        if (found) break;
        double tx = right ? cx + 6 : cx - 6 - w, ty = cy + dy;
        if (tx < L || tx + w > L + pw) continue;
        bool clash = false;
        for (const auto& l : labels) clash |= tx < l[0] + l[2] && l[0] < tx + w && std::abs(l[1] - ty) < h + 1;
        if (clash) continue;
        best_x = tx;
        best_y = ty;
        found = true;
      }
    labels.push_back({best_x, best_y, w});
    if (std::abs(best_y - (cy - 5)) > 6 || best_x < cx) {
      std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" stroke-width=\"0.5\"/>\n",
                    cx, cy, best_x < cx ? best_x + w : best_x, best_y - 3);
      out += buf;
    }
    std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9.5\" fill=\"%s\"%s>%s</text>\n", best_x,
                  best_y, flips ? "#c0392b" : "#222", flips ? " font-weight=\"bold\"" : "", html_escape(shown).c_str());
    out += buf;
  }
  // legend
  int lx = W - R + 30, ly = T + 10;
  std::snprintf(buf, sizeof buf,
                "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"#f6c1b8\"/><text x=\"%d\" y=\"%d\" "
                "font-size=\"12\">judged differently</text>\n"
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
                lx, ly, lx + 20, ly + 11, lx, ly + 30, lx + 14, ly + 30, lx + 20, ly + 34, lx, ly + 52, lx + 14, ly + 52,
                lx + 20, ly + 56, lx + 7, ly + 74, lx + 20, ly + 78, lx + 7, ly + 96, lx + 20, ly + 100, lx + 7, ly + 118,
                lx + 20, ly + 122);
  out += buf;
  // what the shaded area turns into: the outcomes in the largest changed areas of the plane
  std::map<std::pair<std::string, std::string>, int> areas;
  for (size_t k = 0; k < oa.size(); ++k)
    if (oa[k] != ob[k]) areas[{oa[k], ob[k]}]++;
  std::vector<std::pair<int, std::pair<std::string, std::string>>> sorted;
  for (auto& [k, v] : areas) sorted.push_back({v, k});
  std::sort(sorted.rbegin(), sorted.rend());
  int ty = ly + 152;
  for (size_t i = 0; i < sorted.size() && i < 3; ++i) {
    auto wrap = [&](const std::string& s) {
      std::string o;
      size_t col = 0;
      for (size_t c = 0; c < s.size(); ++c) {
        if ((s[c] == ' ' && col > 30) || (s[c] == '(' && col > 24)) {
          std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n", lx, ty, o.c_str());
          out += buf;
          ty += 14;
          o = s[c] == '(' ? "  (" : "  ";
          col = o.size();
          continue;
        }
        o += s[c];
        ++col;
      }
      std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n", lx, ty, o.c_str());
      out += buf;
      ty += 16;
    };
    std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">shaded area %zu:</text>\n",
                  lx, ty, i + 1);
    out += buf;
    ty += 15;
    wrap("was: " + sorted[i].second.first);
    wrap("now: " + sorted[i].second.second);
    ty += 6;
  }
  return out + "</svg>\n";
}

}  // namespace tollgate
