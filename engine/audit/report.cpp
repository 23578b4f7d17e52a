// tollgate — audit summaries and reports (see report.hpp).
#include "engine/base/text.hpp"
#include "engine/base/hash.hpp"
#include "engine/base/money.hpp"
#include "engine/render/render.hpp"
#include "engine/audit/report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace tollgate {
namespace {

const char* const verdict_names[] = {"ALLOWED", "NOTIFY", "LICENSE_REQUIRED", "PROHIBITED", "error"};
const char* const verdict_colors[] = {"#9bbf85", "#6fa8dc", "#f0a830", "#d9453d", "#9e9e9e"};

Tally total_of(const AuditSummary& s) {
  auto d = s.tallies.find(std::string_view("all"));
  if (d == s.tallies.end()) return {};
  auto k = d->second.find(std::string_view("total"));
  return k == d->second.end() ? Tally{} : k->second;
}

// The keys of a dimension, in the order a reader wants: months and classifications in their own order, the
// others by records (then fees) descending.
std::vector<std::pair<std::string, Tally>> rows_of(const AuditSummary& s, const char* dim) {
  std::vector<std::pair<std::string, Tally>> out;
  auto d = s.tallies.find(std::string_view(dim));
  if (d == s.tallies.end()) return out;
  for (const auto& [k, t] : d->second) out.emplace_back(k, t);
  std::string_view name(dim);
  if (name == "month" || name == "classification") return out;  // std::map order: chronological / by class
  if (name == "chip")
    std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) {
      return a.second.fee_cents != b.second.fee_cents ? a.second.fee_cents > b.second.fee_cents
                                                      : a.second.total() > b.second.total();
    });
  else
    std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.second.total() > b.second.total(); });
  return out;
}

std::string pct(uint64_t part, uint64_t whole) {
  if (!whole) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string input_name(const AuditSummary& s, uint32_t file) {
  return file < s.inputs.size() ? s.inputs[file].path : "input " + std::to_string(file);
}

std::string pad(std::string s, size_t w, bool right = false) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}



std::string rate(const AuditSummary& s) {
  if (s.seconds <= 0 || !s.judged_now) return "";
  return ", " + group_digits(static_cast<uint64_t>(static_cast<double>(s.judged_now) / s.seconds)) + " records/s";
}

std::string headline(const AuditSummary& s) {
  uint64_t n = s.decisions + s.rejected;
  std::string out = group_digits(n) + " record" + (n == 1 ? "" : "s") + " from " + std::to_string(s.inputs.size()) +
                    " log" + (s.inputs.size() == 1 ? "" : "s");
  if (s.reused) return out + ": already audited in this store as run " + std::to_string(s.run) + " (" +
                       s.finished_at + "); nothing was judged again";
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", s.seconds);
  out += " in " + std::string(secs) + " s" + rate(s);
  if (s.resumed) out += " (resumed run " + std::to_string(s.run) + ": " + group_digits(s.judged_now) + " judged now)";
  return out;
}

}  // namespace

std::string group_digits(uint64_t n) {
  std::string d = std::to_string(n), out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) out += ',';
    out += d[i];
  }
  return out;
}

std::string dollars(int64_t cents) { return format_dollars(cents); }

std::string summary_text(const AuditSummary& s, size_t list_rows) {
  std::string out = "audit: " + headline(s) + "\n";
  if (s.run)
    out += "store: " + s.db + ", run " + std::to_string(s.run) + ", chain head " + s.head + "\n" +
           "seal:  " + s.seal + " (the rows and this run's record, tallies included)\n";
  else out += "store: none (--no-store)\n";
  Tally t = total_of(s);
  uint64_t n = t.total();
  out += "\n  verdict            records    share\n";
  for (int i = 0; i < Tally::kinds; ++i) {
    if (!t.n[i] && i != Tally::allowed) continue;
    out += "  " + pad(i == Tally::error ? "rejected" : verdict_names[i], 17) + pad(group_digits(t.n[i]), 9, true) +
           pad(pct(t.n[i], n), 9, true) + "\n";
  }
  out += "  " + pad("total", 17) + pad(group_digits(n), 9, true) + pad("", 9) + "  " + dollars(t.fee_cents) + "\n";
  auto table = [&](const char* title, const char* dim, size_t limit) {
    auto rows = rows_of(s, dim);
    if (rows.empty()) return;
    size_t w = std::string_view(title).size();
    for (size_t i = 0; i < rows.size() && i < limit; ++i) w = std::max(w, std::min<size_t>(rows[i].first.size(), 40));
    out += "\n  " + pad(title, w) + "     records  licence  prohib.  fees\n";
    size_t shown = 0;
    for (const auto& [k, v] : rows) {
      if (shown++ == limit) {
        out += "  ... " + std::to_string(rows.size() - limit) + " more (all in the report)\n";
        break;
      }
      out += "  " + pad(k.size() > 40 ? k.substr(0, 39) + "~" : k, w) + pad(group_digits(v.total()), 12, true) +
             pad(group_digits(v.n[Tally::license_required]), 9, true) +
             pad(group_digits(v.n[Tally::prohibited]), 9, true) + "  " + dollars(v.fee_cents) + "\n";
    }
  };
  table("classification", "classification", 10);
  table("destination", "destination", 10);
  table("chip (by fees)", "chip", 10);
  table("note (decisions carrying it)", "note", 10);
  auto months = rows_of(s, "month");
  while (!months.empty() && months.front().first[0] == '(') months.erase(months.begin());  // "(no date)"
  if (!months.empty()) {
    int64_t fees = 0;
    for (const auto& m : months) fees += m.second.fee_cents;
    out += "\n  months: " + months.front().first + " to " + months.back().first + " (" +
           std::to_string(months.size()) + "); fees " + dollars(fees) + "; by month in the report\n";
  }
  uint64_t flagged = t.n[Tally::license_required] + t.n[Tally::prohibited];
  if (flagged) {
    out += "\n" + group_digits(flagged) + " record" + (flagged == 1 ? " needs" : "s need") +
           " a licence or " + (flagged == 1 ? "is" : "are") + " prohibited" +
           (flagged > list_rows ? " (first " + std::to_string(list_rows) + ")" : "") + ":\n";
    for (size_t i = 0; i < s.flagged.size() && i < list_rows; ++i) {
      const Listed& l = s.flagged[i];
      out += "  " + input_name(s, l.file) + ":" + std::to_string(l.line) + "  " + (l.id.empty() ? "-" : l.id) + "  " +
             l.verdict + (l.review.empty() ? "" : " (" + l.review + ")") + "  " + l.classification + "  " + l.subject +
             (l.fee_total_cents ? "  fee " + dollars(l.fee_total_cents) : "") +
             (l.rule.empty() ? "" : "  [" + l.rule + "]") + "\n";
    }
  }
  if (s.rejected) {
    out += "\n" + group_digits(s.rejected) + " record" + (s.rejected == 1 ? "" : "s") + " could not be judged" +
           (s.rejected > list_rows ? " (first " + std::to_string(list_rows) + ")" : "") + ":\n";
    for (size_t i = 0; i < s.rejects.size() && i < list_rows; ++i) {
      const Listed& l = s.rejects[i];
      out += "  " + input_name(s, l.file) + ":" + std::to_string(l.line) + ": error[" + l.code + "]" +
             (l.field.empty() ? "" : " in " + l.field) + ": " + l.message + "\n";
    }
  }
  return out;
}

std::string report_json(const AuditSummary& s) {
  using ojson = nlohmann::ordered_json;
  ojson j;
  j["schema"] = "tollgate.audit-report/1";
  j["engine"] = s.engine;
  j["run"] = s.run ? ojson(s.run) : ojson(nullptr);
  j["store"] = s.db.empty() ? ojson(nullptr) : ojson(s.db);
  j["chain_head"] = s.head.empty() ? ojson(nullptr) : ojson(s.head);
  j["seal"] = s.seal.empty() ? ojson(nullptr) : ojson(s.seal);
  j["reused"] = s.reused;
  j["resumed"] = s.resumed;
  j["started_at"] = s.started_at;
  j["finished_at"] = s.finished_at;
  j["options"] = ojson::parse(s.options_json.empty() ? "{}" : s.options_json);
  j["inputs"] = ojson::array();
  for (const auto& in : s.inputs)  // no hash without a store (--no-store hashes nothing)
    j["inputs"].push_back({{"path", in.path},
                           {"sha256", in.sha256.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(in.sha256)},
                           {"bytes", in.bytes}});
  j["rulesets"] = ojson::array();
  for (const auto& [id, sha] : s.rulesets) j["rulesets"].push_back({{"id", id}, {"sha256", sha}});
  j["records"] = s.decisions + s.rejected;
  j["decisions"] = s.decisions;
  j["rejects"] = s.rejected;
  auto tally = [](const Tally& t) {
    ojson o;
    o["records"] = t.total();
    for (int i = 0; i < Tally::kinds; ++i) o[verdict_names[i]] = t.n[i];
    o["fee_cents"] = t.fee_cents;
    return o;
  };
  j["total"] = tally(total_of(s));
  for (const char* dim : {"classification", "destination", "month", "chip", "note"}) {
    ojson d = ojson::object();
    for (const auto& [k, t] : rows_of(s, dim)) d[k] = tally(t);
    j[std::string("by_") + dim] = d;
  }
  j["flagged"] = ojson::array();
  for (const auto& l : s.flagged)
    j["flagged"].push_back({{"seq", l.seq}, {"input", input_name(s, l.file)}, {"line", l.line}, {"id", l.id},
                            {"verdict", l.verdict}, {"review", l.review.empty() ? ojson(nullptr) : ojson(l.review)},
                            {"classification", l.classification}, {"subject", l.subject}, {"as_of", l.as_of},
                            {"fee_total_cents", l.fee_total_cents},
                            {"deciding_rule", l.rule.empty() ? ojson(nullptr) : ojson(l.rule)},
                            {"citation", l.citation.empty() ? ojson(nullptr) : ojson(l.citation)}});
  j["rejected"] = ojson::array();
  for (const auto& l : s.rejects)
    j["rejected"].push_back({{"seq", l.seq}, {"input", input_name(s, l.file)}, {"line", l.line},
                             {"id", l.id.empty() ? ojson(nullptr) : ojson(l.id)}, {"stage", l.stage},
                             {"code", l.code}, {"field", l.field.empty() ? ojson(nullptr) : ojson(l.field)},
                             {"message", l.message}});
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {
// The report's content, once: the run's facts, then tables. Markdown and HTML differ only in markup.
struct Table {
  std::string title, note;
  std::vector<std::string> head;
  std::vector<bool> numeric;  // per column: right-aligned
  std::vector<std::vector<std::string>> rows;
  bool bad = false;           // rejects: shown as a warning
  size_t shown = SIZE_MAX;    // rows shown at once; the rest collapsed (HTML <details>) or in a CSV (Markdown)
  std::string slug{};         // the table's part of its CSV's name: report.md -> report.<slug>.csv
  std::string css{};          // HTML: the table's class ("flagged": column widths for the list to act on)
};

// Rows shown at once in a long table; the rest are collapsed.
constexpr size_t top_rows = 15;
constexpr size_t top_flagged = 50;

std::vector<std::pair<std::string, std::string>> meta_of(const AuditSummary& s) {
  std::vector<std::pair<std::string, std::string>> m = {{"engine", s.engine}};
  if (s.run) m.emplace_back("store", s.db + ", run " + std::to_string(s.run));
  if (!s.head.empty()) m.emplace_back("chain head", s.head);
  if (!s.seal.empty()) m.emplace_back("seal (trace verify --head)", s.seal);
  m.emplace_back("started / finished", s.started_at + " / " + s.finished_at);
  m.emplace_back("options", s.options_json);
  for (const auto& in : s.inputs)
    m.emplace_back("input", in.path + " (" + group_digits(in.bytes) + " bytes, " +
                                (in.sha256.empty() ? std::string("not hashed: --no-store") : "sha256 " + in.sha256) + ")");
  for (const auto& [id, sha] : s.rulesets) m.emplace_back("ruleset", id + " " + sha);
  return m;
}

Table verdict_table(const AuditSummary& s) {
  Table t{"Verdicts", "", {"verdict", "records", "share"}, {false, true, true}, {}};
  Tally total = total_of(s);
  for (int i = 0; i < Tally::kinds; ++i)
    t.rows.push_back({i == Tally::error ? "rejected" : verdict_names[i], group_digits(total.n[i]),
                      pct(total.n[i], total.total())});
  t.rows.push_back({"total", group_digits(total.total()), "fees " + dollars(total.fee_cents)});
  return t;
}

// A log's file name without its folder: the table stays narrow (the full path is under "About this run").
std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The records that need action, first in every report: each with its date, id, chip, destination, end user, value,
// verdict, review, the deciding rule and its citation, and where it is in the log.
Table flagged_table(const AuditSummary& s) {
  Tally total = total_of(s);
  uint64_t flagged = total.n[Tally::license_required] + total.n[Tally::prohibited];
  Table t{"Records that need a licence or are prohibited",
          group_digits(flagged) + " in all" +
              (flagged > s.flagged.size() ? "; the first " + group_digits(s.flagged.size()) +
                                                " here, all with tollgate trace export"
                                          : "") +
              ".",
          {"date", "id", "chip", "destination", "end user", "value", "verdict", "review", "deciding rule", "citation",
           "input:line"},
          {false, false, false, false, false, true, false, false, false, false, false},
          {}};
  t.shown = top_flagged;
  t.css = "flagged";
  t.slug = "flagged";
  for (const auto& l : s.flagged) {
    SubjectParts sp = parse_subject(l.subject);
    std::string end_user = sp.end_user;
    if (!sp.end_user_hq.empty()) end_user += (end_user.empty() ? "HQ " : " (HQ ") + sp.end_user_hq + (end_user.empty() ? "" : ")");
    t.rows.push_back({l.as_of, l.id, sp.chip.empty() ? l.subject : sp.chip, sp.destination, end_user, sp.value, l.verdict,
                      l.review, l.rule, l.citation, base_name(input_name(s, l.file)) + ":" + std::to_string(l.line)});
  }
  if (flagged == 0) t.note = "None: no record needs a licence or is prohibited.";
  return t;
}

Table rejects_table(const AuditSummary& s) {
  Table t{"Records that could not be judged",
          group_digits(s.rejected) + " in all" +
              (s.rejected > s.rejects.size() ? "; the first " + group_digits(s.rejects.size()) + " here" : "") +
              ". Each must be fixed and judged again: tollgate never lets a record it cannot judge through.",
          {"input:line", "id", "code", "field", "reason"}, {false, false, false, false, false}, {}, true};
  t.shown = top_rows;
  t.slug = "rejects";
  for (const auto& l : s.rejects)
    t.rows.push_back({input_name(s, l.file) + ":" + std::to_string(l.line), l.id, l.code, l.field, l.message});
  return t;
}

std::vector<Table> dimension_tables(const AuditSummary& s) {
  std::vector<Table> out;
  for (const char* dim : {"classification", "destination", "chip", "month", "note"}) {
    auto rows = rows_of(s, dim);
    if (rows.empty()) continue;
    const bool note = std::string_view(dim) == "note";
    Table t{std::string("By ") + dim,
            note ? "The decisions that carry each note (the decision's `notes`: an uncertain strict reading, an exception "
                   "that may apply, a relaxation withheld), by note rule; a decision counts under each of its notes."
                 : "",
            {dim, "records", "ALLOWED", "NOTIFY", "LICENSE_REQUIRED", "PROHIBITED", "rejected", "fees"},
            {false, true, true, true, true, true, true, true}, {}};
    t.shown = top_rows;
    t.slug = dim;
    for (const auto& [k, v] : rows) {
      std::vector<std::string> r = {k, group_digits(v.total())};
      for (int i = 0; i < Tally::kinds; ++i) r.push_back(group_digits(v.n[i]));
      r.push_back(dollars(v.fee_cents));
      t.rows.push_back(std::move(r));
    }
    out.push_back(std::move(t));
  }
  return out;
}

// A CSV file's name for a table of the report `csv_base` ("out/report" -> "out/report.destination.csv").
std::string csv_name(const std::string& csv_base, const Table& t) { return csv_base + "." + t.slug + ".csv"; }

// A cell of a CSV file (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string csv_cell(const std::string& c) {
  if (c.find_first_of(",\"\r\n") == std::string::npos) return c;
  std::string out = "\"";
  for (char ch : c) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

// Every row of a table, with its header, as CSV (the cells as the report shows them: "1,234", "$1,234.56").
std::string table_csv(const Table& t) {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i]);
    out += "\r\n";
  };
  line(t.head);
  for (const auto& r : t.rows) line(r);
  return out;
}

// `csv_base` (a file name without folder or extension, "report"): a table cut to its top rows links the CSV file
// with all of them, report.<slug>.csv, which write_report() writes next to the Markdown. Empty: no CSV exists (the
// Markdown went to standard output or to the server's client), so the text names where the rows are.
std::string markdown_table(const Table& t, const std::string& csv_base) {
  std::string out = "\n## " + t.title + "\n\n" + (t.note.empty() ? "" : md_escape(t.note) + "\n\n");
  if (t.rows.empty()) return out;
  out += "|";
  for (const auto& h : t.head) out.append(" ").append(md_escape(h)).append(" |");  // appends: GCC 12 -Wrestrict
  out += "\n|";
  for (bool n : t.numeric) out += n ? "--:|" : "---|";
  out += "\n";
  for (size_t i = 0; i < t.rows.size() && i < t.shown; ++i) {
    out += "|";
    for (const auto& c : t.rows[i]) out.append(" ").append(md_escape(c)).append(" |");
    out += "\n";
  }
  if (t.rows.size() > t.shown && !csv_base.empty()) {
    const std::string name = csv_name(csv_base, t);
    out += "\n" + group_digits(t.rows.size() - t.shown) + " more rows: all " + group_digits(t.rows.size()) + " in [" +
           name + "](" + name + ") (CSV).\n";
  } else if (t.rows.size() > t.shown) {
    out += "\n" + group_digits(t.rows.size() - t.shown) +
           " more rows: in the HTML or JSON report (`--report FILE.md` writes them as CSV files next to it).\n";
  }
  return out;
}

std::string html_rows(const Table& t, size_t from, size_t to) {
  std::string out = t.css.empty() ? "<table><thead><tr>" : "<table class=\"" + t.css + "\"><thead><tr>";
  for (size_t i = 0; i < t.head.size(); ++i)
    out += std::string(t.numeric[i] ? "<th class=n>" : "<th>") + html_escape(t.head[i]) + "</th>";
  out += "</tr></thead><tbody>";
  for (size_t k = from; k < to && k < t.rows.size(); ++k) {
    out += "<tr>";
    for (size_t i = 0; i < t.rows[k].size(); ++i)
      out += std::string(t.numeric[i] ? "<td class=n>" : "<td>") + html_escape(t.rows[k][i]) + "</td>";
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

// A table with its first `shown` rows; the others in a collapsed section (left out when printed, which says so).
std::string html_table(const Table& t, const std::string& id = "") {
  std::string out = std::string("<h2") + (id.empty() ? "" : " id=\"" + id + "\"") + (t.bad ? " class=bad" : "") +
                    ">" + html_escape(t.title) + "</h2>" + (t.note.empty() ? "" : "<p>" + html_escape(t.note) + "</p>");
  if (t.rows.empty()) return out + "\n";
  out += html_rows(t, 0, t.shown);
  if (t.rows.size() > t.shown) {
    const std::string more = group_digits(t.rows.size() - t.shown);
    out += "<details><summary>" + more + " more rows</summary>" + html_rows(t, t.shown, t.rows.size()) +
           "</details><p class=print-only>" + more +
           " more rows are not printed: open the report on screen, or use tollgate trace export.</p>";
  }
  return out + "\n";
}
}  // namespace

// One sentence on what needs action: the first thing a reader sees.
std::string action_line(const AuditSummary& s) {
  Tally t = total_of(s);
  const uint64_t lic = t.n[Tally::license_required], pro = t.n[Tally::prohibited], rej = s.rejected;
  if (!lic && !pro && !rej) return "No record needs action: none needs a licence, none is prohibited, all were judged.";
  std::string out = "Action needed: ";
  std::vector<std::string> parts;
  if (lic) parts.push_back(group_digits(lic) + (lic == 1 ? " record needs" : " records need") + " a licence");
  if (pro) parts.push_back(group_digits(pro) + (pro == 1 ? " record is" : " records are") + " prohibited");
  if (rej) parts.push_back(group_digits(rej) + (rej == 1 ? " record" : " records") + " could not be judged");
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? (i + 1 == parts.size() ? " and " : ", ") : "") + parts[i];
  return out + ". Fees due: " + dollars(t.fee_cents) + ".";
}

std::string report_markdown(const AuditSummary& s, const std::string& csv_base) {
  std::string out = "# tollgate audit report\n\n" + md_escape(headline(s)) + ".\n\n**" + md_escape(action_line(s)) +
                    "**\n";
  out += markdown_table(flagged_table(s), csv_base);
  if (s.rejected) out += markdown_table(rejects_table(s), csv_base);
  out += markdown_table(verdict_table(s), csv_base);
  for (const auto& t : dimension_tables(s)) out += markdown_table(t, csv_base);
  out += "\n## About this run\n\n| | |\n|---|---|\n";
  for (const auto& [k, v] : meta_of(s)) out += "| " + k + " | " + md_escape(v) + " |\n";
  return out;
}

namespace {
// Stacked columns: records by month and verdict.
std::string month_chart(const AuditSummary& s) {
  auto months = rows_of(s, "month");
  while (!months.empty() && months.front().first[0] == '(') months.erase(months.begin());  // "(no date)"
  if (months.empty()) return "";
  const double w = 960, h = 260, left = 60, bottom = 40, top = 20;
  uint64_t peak = 1;
  for (const auto& m : months) peak = std::max(peak, m.second.total());
  double bw = (w - left - 10) / static_cast<double>(months.size());
  char buf[256];
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 960 260\" role=\"img\" "
                    "aria-label=\"Records by month and verdict\">";
  for (int g = 0; g <= 4; ++g) {
    double y = h - bottom - (h - bottom - top) * g / 4.0;
    std::snprintf(buf, sizeof buf, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, y,
                  w - 10, y);
    out += buf;
    std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>",
                  left - 6, y + 4, group_digits(peak * static_cast<uint64_t>(g) / 4).c_str());
    out += buf;
  }
  for (size_t i = 0; i < months.size(); ++i) {
    double x = left + bw * static_cast<double>(i), y = h - bottom;
    for (int v = 0; v < Tally::kinds; ++v) {
      double bh = (h - bottom - top) * static_cast<double>(months[i].second.n[v]) / static_cast<double>(peak);
      if (bh <= 0) continue;
      y -= bh;
      std::snprintf(buf, sizeof buf,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %s</title>"
                    "</rect>",
                    x + 0.5, y, std::max(bw - 1, 0.5), bh, verdict_colors[v], months[i].first.c_str(),
                    v == Tally::error ? "rejected" : verdict_names[v], group_digits(months[i].second.n[v]).c_str());
      out += buf;
    }
    if (months[i].first.size() == 7 && (months[i].first.substr(5) == "01" || months.size() <= 12)) {
      std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\">%s</text>", x, h - bottom + 16,
                    months[i].first.c_str());
      out += buf;
    }
  }
  double lx = left;
  for (int v = 0; v < Tally::kinds; ++v) {
    std::snprintf(buf, sizeof buf,
                  "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\" "
                  "font-size=\"11\">%s</text>",
                  lx, h - 14, verdict_colors[v], lx + 14, h - 5, v == Tally::error ? "rejected" : verdict_names[v]);
    out += buf;
    lx += 140;
  }
  return out + "</svg>";
}

// Horizontal bars: fees by destination (the 12 largest).
std::string fee_chart(const AuditSummary& s) {
  auto rows = rows_of(s, "destination");
  std::stable_sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.second.fee_cents > b.second.fee_cents; });
  while (!rows.empty() && rows.back().second.fee_cents <= 0) rows.pop_back();
  if (rows.size() > 12) rows.resize(12);
  if (rows.empty()) return "<p>No fees were due.</p>";
  int64_t peak = rows.front().second.fee_cents;
  char buf[256];
  double h = 24.0 * static_cast<double>(rows.size()) + 10;
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 960 %.0f\" role=\"img\" "
                "aria-label=\"Fees by destination\">",
                h);
  std::string out = buf;
  for (size_t i = 0; i < rows.size(); ++i) {
    double y = 5 + 24.0 * static_cast<double>(i);
    double bw = 700.0 * static_cast<double>(rows[i].second.fee_cents) / static_cast<double>(peak);
    std::snprintf(buf, sizeof buf,
                  "<text x=\"50\" y=\"%.0f\" font-size=\"12\" text-anchor=\"end\">%s</text><rect x=\"60\" y=\"%.0f\" "
                  "width=\"%.1f\" height=\"18\" fill=\"#4a7bb7\"/><text x=\"%.1f\" y=\"%.0f\" font-size=\"12\">%s</text>",
                  y + 14, html_escape(rows[i].first).c_str(), y, std::max(bw, 1.0), 66 + bw, y + 14,
                  dollars(rows[i].second.fee_cents).c_str());
    out += buf;
  }
  return out + "</svg>";
}
}  // namespace

std::string report_html(const AuditSummary& s) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tollgate audit report</title><style>"
      "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1500px;color:#222;padding:0 1em}"
      "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ccc}"
      "table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;border-bottom:1px solid #eee;"
      "text-align:left;vertical-align:top}th{background:#f4f4f4;position:sticky;top:0}"
      "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}code{font-size:12px}"
      ".action{font-size:1.1em;padding:.6em 1em;border-left:5px solid #d9453d;background:#fdf1f0}"
      ".ok{border-left-color:#9bbf85;background:#f3f8f0}"
      ".meta td:first-child{color:#666;white-space:nowrap}.meta td{word-break:break-all}.bad{color:#b3261e}"
      "svg{width:100%;height:auto}details summary{cursor:pointer;color:#1a5fb4;margin:.3em 0}.print-only{display:none}"
      "nav a{margin-right:1em}.flagged td:nth-child(-n+2),.flagged td:nth-child(4),.flagged td:nth-child(7),"
      ".flagged td:nth-child(11){white-space:nowrap}.flagged td:nth-child(10){min-width:16em;color:#444}"
      ".flagged{font-size:12px;width:100%}.flagged td,.flagged th{padding:2px 5px}"
      ".flagged td:nth-child(3),.flagged td:nth-child(5){min-width:8em}"
      "@media print{body{font-size:10px;max-width:none;margin:0}h2{break-after:avoid}tr{break-inside:avoid}"
      "nav,details{display:none}.print-only{display:block;font-style:italic}th{position:static}"
      "svg{max-height:6cm}@page{size:A4 landscape;margin:12mm}}"
      "</style></head><body>\n<h1>tollgate audit report</h1>\n<p>" +
      html_escape(headline(s)) + ".</p>\n";
  Tally total = total_of(s);
  const bool action = total.n[Tally::license_required] + total.n[Tally::prohibited] + s.rejected > 0;
  out += std::string("<p class=\"action") + (action ? "" : " ok") + "\">" + html_escape(action_line(s)) + "</p>\n";
  out += "<nav><a href=\"#flagged\">flagged records</a>" + std::string(s.rejected ? "<a href=\"#rejects\">not judged</a>" : "") +
         "<a href=\"#charts\">charts</a><a href=\"#tables\">by class, destination, chip, month</a>"
         "<a href=\"#run\">about this run</a></nav>\n";
  out += html_table(flagged_table(s), "flagged");
  if (s.rejected) out += html_table(rejects_table(s), "rejects");
  out += "<h2 id=\"charts\">Records by month</h2>" + month_chart(s) + "\n<h2>Fees by destination</h2>" + fee_chart(s) +
         "\n";
  out += html_table(verdict_table(s), "tables");
  for (const auto& t : dimension_tables(s)) out += html_table(t);
  out += "<h2 id=\"run\">About this run</h2><table class=\"meta\">";
  for (const auto& [k, v] : meta_of(s)) out += "<tr><td>" + html_escape(k) + "</td><td>" + html_escape(v) + "</td></tr>";
  return out + "</table>\n</body></html>\n";
}

namespace {
void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write report '" + path + "'");
}
}  // namespace

std::vector<std::pair<std::string, std::string>> report_csv_files(const AuditSummary& s, const std::string& csv_base) {
  std::vector<Table> tables = dimension_tables(s);
  tables.insert(tables.begin(), flagged_table(s));
  if (s.rejected) tables.insert(tables.begin() + 1, rejects_table(s));
  std::vector<std::pair<std::string, std::string>> out;
  for (const Table& t : tables)
    if (t.rows.size() > t.shown) out.emplace_back(csv_name(csv_base, t), table_csv(t));
  return out;
}

void write_report(const AuditSummary& s, const std::string& path) {
  auto ends = [&](std::string_view e) {
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html") || ends(".htm")) return write_file(path, report_html(s));
  if (ends(".json")) return write_file(path, report_json(s));
  if (!ends(".md") && !ends(".markdown"))
    throw std::runtime_error("--report '" + path + "': give a file ending in .html, .md or .json");
  const std::string stem = path.substr(0, path.rfind('.'));  // "out/report"; the Markdown links "report.<slug>.csv"
  const size_t slash = stem.find_last_of('/');
  for (const auto& [name, csv] : report_csv_files(s, stem)) write_file(name, csv);
  write_file(path, report_markdown(s, slash == std::string::npos ? stem : stem.substr(slash + 1)));
}

}  // namespace tollgate
