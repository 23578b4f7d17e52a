// tollgate serve — judging request bodies into decision objects and trace store entries (see service.hpp).
#include "engine/serve/service.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "engine/base/country.hpp"
#include "engine/base/hash.hpp"
#include "engine/base/number.hpp"
#include "engine/base/text.hpp"
#include "engine/eval/evaluate.hpp"
#include "engine/records/decode.hpp"
#include "engine/render/reasons.hpp"
#include "engine/render/render.hpp"
#include "engine/serve/screening.hpp"

namespace tollgate::serve {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

void bump(Tallies& t, const char* dim, const std::string& key, int slot, int64_t fee) {
  auto& tally = t[dim][key];
  ++tally.n[slot];
  tally.fee_cents += fee;
}

// Tallies a record as `audit` does: overall, by classification, destination, month and chip.
void tally(Tallies& t, const Record& r, const char* klass, int slot, int64_t fee) {
  bump(t, "all", "total", slot, fee);
  bump(t, "classification", klass, slot, fee);
  std::string dest = !r.ok ? "(unread)"
                     : r.facts.has(s_destination) ? country_code(static_cast<int>(r.facts.num[s_destination]))
                                                  : "(none)";
  bump(t, "destination", dest, slot, fee);
  bump(t, "month", r.has_date ? format_month(month_index(r.date)) : "(no date)", slot, fee);
  std::string chip = slot == Tally::error                 ? "(error)"
                     : r.kind == RecordKind::fab_order     ? "(fab order)"
                     : r.facts.has_text(t_chip_name)       ? std::string(r.facts.text(t_chip_name))
                                                           : "(inline spec)";
  bump(t, "chip", chip, slot, fee);
}

TextRef put(std::string& texts, std::string_view s) {
  TextRef ref{static_cast<uint32_t>(texts.size()), static_cast<uint32_t>(s.size())};
  texts.append(s);
  return ref;
}

// This thread's caches for these rules: the classification cache (a ClassCache is 400 kB: one per thread, not per
// request) and the reasons cache (engine/render/reasons.hpp: a log of orders repeats its fired arrays). Both are
// keyed by the Program's addresses, so they are made again when the rules change.
struct ThreadCaches {
  explicit ThreadCaches(const Program& p) : reasons(p) {}
  ClassCache classes;
  ReasonsCache reasons;
};
ThreadCaches& thread_caches(const Engine& e) {
  thread_local const Program* program = nullptr;
  thread_local uint64_t generation = 0;
  thread_local std::unique_ptr<ThreadCaches> caches;
  if (!caches || program != e.program.get() || generation != e.generation) {
    caches.reset();
    caches = std::make_unique<ThreadCaches>(*e.program);
    program = e.program.get();
    generation = e.generation;
  }
  return *caches;
}

// Builds what judging one record gives: its JSON (appended to `out`) and its trace store entry.
class Judge {
 public:
  Judge(const Engine& e, const JudgeOptions& o, Judgement& j)
      : e_(e), o_(o), j_(j), caches_(thread_caches(e)) {}

  // `raw` is the record as sent (kept with a reject).
  void record(const Record& r, std::string_view raw, std::string& out) {
    if (!r.ok) return reject(r, "input", r.error.code, r.error.field, r.error.message, raw, out);
    if (!o_.as_of && !r.has_date)
      return reject(r, "input", "tollgate.input.missing", "date",
                    "the record has no date and no as_of query parameter was given", raw, out);
    Day day = o_.as_of ? *o_.as_of : r.date;
    Decision d = evaluate(*e_.program, r.facts, r.base_cents, day, EvalOptions{o_.include_proposed, o_.include_unenforced}, &caches_.classes);
    // With `serve --lists`: the record's parties screened as `check --lists` does (engine/parties).
    PartyScreen* parties = thread_party_screen(e_);
    const PartyOutcome* screened = parties ? &parties->apply(r.facts, r.kind, day, d) : nullptr;
    if (d.failed) return reject(r, "evaluation", d.error().code, d.error().field, d.error().message, raw, out);
    decision(r, d, day, out, screened);
  }

  // `screened`: the record's screening (null without lists), whose member goes after the notes; the decision log
  // keeps it in its parts, as the audit's trace store does (docs/trace.md), so the decision's hash covers it.
  void decision(const Record& r, const Decision& d, Day day, std::string& out, const PartyOutcome* screened) {
    JsonLayout layout;
    Entry e;
    e.input_sha = sha256(r.canonical);
    const ReasonsCache::Reasons& reasons = caches_.reasons.get(r, d, day);
    decision_json_into(json_, *e_.program, r, d, &layout, reasons.text.get(), &e.input_sha, nullptr,
                       screened ? screened->pieces() : std::array<std::string_view, 6>{});
    if (o_.explain)  // (cold path: why_not() evaluates the record again); the screening member as check places it
      out += with_screening(decision_json_explained(*e_.program, r, d, EvalOptions{o_.include_proposed, o_.include_unenforced}),
                            screened ? screened->json() : std::string());
    else
      out += json_;
    LogBatch& log = j_.log;
    e.line = r.line;
    e.id = put(log.texts, r.id);
    e.type = to_string(r.kind);
    e.as_of = put(log.texts, format_date(day));
    e.subject = put(log.texts, record_subject(r));
    e.classification = klass_name(d.klass);
    e.verdict = to_string(d.verdict);
    e.review = to_string(d.review);
    e.exception = to_string(d.exception);
    e.fee_total_cents = d.fee_total_cents;
    e.sha = sha256(json_);
    auto part = [&](size_t from, size_t end) { return std::string_view(json_).substr(from, end - from); };
    e.fees = put(log.texts, part(layout.fees_begin, layout.fees_end));
    e.rulesets = put(log.texts, part(layout.rulesets_begin, layout.rulesets_end));
    e.fired = reasons.text;
    e.fired_sha = reasons.sha;
    if (screened) {  // (its parts stay valid while the entry owns `keep`, whatever the screen does next)
      e.screening = screened->parts;
      e.screening_serials = screened->serials;
      e.screening_keep = screened->keep;
    }
    log.entries.push_back(std::move(e));
    int slot = verdict_slot(d.verdict);
    ++j_.counts[static_cast<size_t>(slot)];
    tally(log.delta, r, klass_name(d.klass), slot, d.fee_total_cents);
  }

  void reject(const Record& r, const char* stage, const std::string& code, const std::string& field,
              const std::string& message, std::string_view raw, std::string& out) {
    std::string json = error_json(r, code, field, message);
    out += json;
    j_.status = 400;
    LogBatch& log = j_.log;
    Entry e;
    e.reject = true;
    e.line = r.line;
    e.id = put(log.texts, r.id);
    e.stage = stage;
    e.code = put(log.texts, code);
    e.field = put(log.texts, field);
    e.message = put(log.texts, message);
    e.raw = put(log.texts, raw);
    e.json = put(log.texts, json);
    e.sha = sha256(json + "\n" + std::string(raw));
    log.entries.push_back(std::move(e));
    ++j_.counts[Tally::error];
    tally(log.delta, r, "(error)", Tally::error, 0);
  }

 private:
  const Engine& e_;
  const JudgeOptions& o_;
  Judgement& j_;
  ThreadCaches& caches_;
  std::string json_;
};

// The lines of a JSON lines body that hold a record (blank lines skipped), by line number.
std::vector<std::pair<uint64_t, std::string_view>> body_lines(std::string_view body) {
  std::vector<std::pair<uint64_t, std::string_view>> out;
  uint64_t n = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    ++n;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) out.emplace_back(n, line);
    if (nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  return out;
}

// A text/csv body read as decode.hpp reads a file: plain CSV text back. Throws std::runtime_error with a message
// for the caller if the body is not text that holds records (binary data, UTF-32, a workbook).
std::string decoded_csv_body(std::string_view body) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> mem(
      fmemopen(const_cast<char*>(body.data()), body.size(), "rb"), &std::fclose);
  if (!mem) throw std::runtime_error("the body cannot be read");
  DecodedInput in("the body (text/csv)", mem.get(), ReadOptions{});
  std::string text(in.head());
  char buf[1 << 16];
  for (size_t got; (got = std::fread(buf, 1, sizeof buf, in.file())) > 0;) text.append(buf, got);
  if (std::ferror(in.file())) throw std::runtime_error("the body cannot be read");
  return text;
}
}  // namespace

BodyFormat body_format(std::string_view content_type, std::string_view body) {
  if (starts_with_ci(content_type, "application/x-ndjson") || starts_with_ci(content_type, "application/jsonl") ||
      starts_with_ci(content_type, "application/x-jsonlines"))
    return BodyFormat::jsonl;
  if (starts_with_ci(content_type, "text/csv")) return BodyFormat::csv;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '[') return BodyFormat::array;
  // A second record starting a line of its own (pretty-printed objects indent their inner lines).
  for (size_t nl = body.find('\n', first); nl != std::string_view::npos; nl = body.find('\n', nl + 1))
    if (nl + 1 < body.size() && body[nl + 1] == '{') return BodyFormat::jsonl;
  return BodyFormat::single;
}

Judgement judge_body(const Engine& e, std::string_view body, BodyFormat fmt, const JudgeOptions& o,
                     size_t max_records) {
  Judgement j;
  Judge judge(e, o, j);
  // A record read into this thread's Record (its buffers kept from request to request), by the records' reader
  // that an audit's JSONL uses: simdjson for a flat object, else record_from_json (the same record and errors).
  thread_local Record rec;
  if (fmt == BodyFormat::single) {
    read_json_row(body, 1, e.catalog.get(), /*want_canonical=*/true, rec);
    judge.record(rec, body, j.body);
    j.body += '\n';
    return j;
  }
  if (fmt == BodyFormat::jsonl) {
    auto lines = body_lines(body);
    if (lines.size() > max_records) {  // (the whole request refused: one Error object, as JSON)
      j.status = 413;
      j.body = error_body(413, "tollgate.serve.too-many-records",
                          "a request may hold at most " + std::to_string(max_records) + " records");
      return j;
    }
    j.content_type = "application/x-ndjson";
    for (const auto& [n, line] : lines) {
      read_json_row(line, n, e.catalog.get(), /*want_canonical=*/true, rec);
      judge.record(rec, line, j.body);
      j.body += '\n';
    }
    return j;
  }
  // CSV as spreadsheets export it (a UTF-8 byte order mark, ';' or tab between cells, a sep= line, UTF-16 "Unicode
  // Text") is read as `tollgate check` reads a file (decode.hpp), into plain CSV first; a body that is no text at all
  // is one 400.
  std::string decoded;
  if (fmt == BodyFormat::csv && !body.empty()) {
    try {
      decoded = decoded_csv_body(body);
    } catch (const std::runtime_error& ex) {
      j.status = 400;
      j.body = error_body(400, "tollgate.input.csv", ex.what());
      return j;
    }
    body = decoded;
  }
  std::vector<Record> records =
      read_records(body, fmt == BodyFormat::csv ? InputFormat::csv : InputFormat::json, e.catalog.get());
  if (records.size() > max_records) {
    j.status = 413;
    j.body = error_body(413, "tollgate.serve.too-many-records",
                        "a request may hold at most " + std::to_string(max_records) + " records");
    return j;
  }
  if (fmt == BodyFormat::csv) j.content_type = "application/x-ndjson";
  else j.body += '[';
  for (size_t i = 0; i < records.size(); ++i) {
    if (fmt == BodyFormat::array && i) j.body += ',';
    const Record& r = records[i];
    judge.record(r, r.rewriter_reject ? r.rejected_raw : r.canonical, j.body);
    if (fmt == BodyFormat::csv) j.body += '\n';
  }
  if (fmt == BodyFormat::array) j.body += "]\n";
  return j;
}

namespace {

// "4992 (312 dense TOPS x 16 bits)" and "6.04358 = 4992 / 826 mm2", as `tollgate classify` prints them.
std::string arithmetic_json(const Facts& f) {
  std::string out = "{";
  auto field = [&](const char* name, const std::string& text) {
    if (out.size() > 1) out += ',';
    append_json_string(out, name);
    out += ':';
    append_json_string(out, text);
  };
  if (f.has(s_chip_tpp)) {
    std::string tpp = format_micro(f.num[s_chip_tpp]);
    if (f.has(s_chip_peak_dense_tops) && f.has(s_chip_bit_length))
      tpp += " = " + format_micro(f.num[s_chip_peak_dense_tops]) + " dense TOPS x " +
             format_micro(f.num[s_chip_bit_length]) + " bits";
    field("tpp", tpp);
  }
  Exact pd;  // exactly where its decimal expansion ends ("5.92"), else about six significant digits, marked "≈"
  if (f.has(s_chip_tpp) && f.has(s_chip_die_area_mm2) &&
      exact_div(exact_from_micro(f.num[s_chip_tpp]), exact_from_micro(f.num[s_chip_die_area_mm2]), pd)) {
    auto exact = format_exact_terminating(pd);
    field("performance_density", (exact ? *exact : "\u2248 " + format_exact_rounded(pd, 4)) + " = TPP / die area = " +
                                     format_micro(f.num[s_chip_tpp]) + " / " + format_micro(f.num[s_chip_die_area_mm2]) +
                                     " mm2");
  } else {
    field("performance_density", "not computable (no die area): judged on TPP alone");
  }
  return out + "}";
}

}  // namespace

Judgement classify_body(const Engine& e, std::string_view body, const JudgeOptions& o) {
  Judgement j;
  Judge judge(e, o, j);
  Record r;
  // {"name": "H20"} alone names a catalog chip (as `tollgate classify NAME`); anything else is the chip's fields.
  if (auto catalog_name = catalog_chip_name(body)) {
    const std::string& name = *catalog_name;
    r.line = 1;
    r.id = name;
    r.kind = RecordKind::chip;
    r.canonical = nlohmann::json{{"name", name}}.dump();
    const Catalog::Resolution res = e.catalog->resolve(name);  // a name as sold, if it names one chip
    if (res.chip) {
      r.facts = *res.chip;
      r.facts.kind = RecordKind::chip;
    } else {
      r.ok = false;
      r.error = {res.ambiguous ? "tollgate.input.ambiguous-chip" : "tollgate.input.unknown-chip", "name",
                 e.catalog->unresolved_message(name, o.as_of ? *o.as_of : 0) + " (see GET /v1/catalog?q=)"};
    }
  } else {
    r = record_from_json(body, 1, e.catalog.get(), /*bare_chip=*/true);
  }
  if (r.ok && r.kind != RecordKind::chip) {
    r.ok = false;
    r.error = {"tollgate.input.type", "type", "/v1/classify takes a chip; send shipments to /v1/check"};
  }
  if (r.ok && !o.as_of) {
    r.ok = false;
    r.error = {"tollgate.input.missing", "as_of", "a chip has no date: give the as_of query parameter"};
  }
  std::string json;
  judge.record(r, body, json);
  if (j.status == 200 && json.size() > 1 && json.back() == '}') {
    json.pop_back();
    json += ",\"arithmetic\":" + arithmetic_json(r.facts) + "}";
  }
  j.body = json + "\n";
  return j;
}

std::string rulesets_json(const Engine& e) {
  std::string out = "{\"generation\":" + std::to_string(e.generation) + ",\"loaded_at\":";
  append_json_string(out, e.loaded_at);
  out += ",\"rulesets\":[";
  bool first = true;
  for (const Ruleset& rs : e.program->rulesets) {
    if (!first) out += ',';
    first = false;
    auto day = [](Day d) { return d <= day_min ? std::string("null") : d >= day_max ? "null" : "\"" + format_date(d) + "\""; };
    out += "{\"id\":";
    append_json_string(out, rs.id);
    out += ",\"title\":";
    append_json_string(out, rs.title);
    out += ",\"status\":";
    append_json_string(out, to_string(rs.status));
    out += ",\"from\":" + day(rs.from) + ",\"until\":" + day(rs.until) + ",\"source\":";
    append_json_string(out, rs.source);
    out += ",\"sha256\":";
    append_json_string(out, rs.sha256);
    out += '}';
  }
  return out + "]," + screening_json(e) + "}\n";
}

namespace {

// A catalog chip as JSON: its fields as the rules' schema declares them (numbers and dates first, then texts).
void chip_json(std::string& out, const std::string& name, const Facts& f, const Schema& schema) {
  out += "{\"name\":";
  append_json_string(out, name);
  for (bool text : {false, true})
    for (const FieldInfo& fi : schema.fields) {
      std::string_view n = fi.name;
      if (n.substr(0, 5) != "chip." || n == "chip.name" || fi.slot < 0 || (fi.type == ValueType::text) != text) continue;
      n.remove_prefix(5);
      if (fi.type == ValueType::text) {
        if (!f.has_text(fi.slot)) continue;
        out += ",\"" + std::string(n) + "\":";
        append_json_string(out, f.text(fi.slot));
        continue;
      }
      if (!f.has(fi.slot)) continue;
      out += ",\"" + std::string(n) + "\":";
      const int64_t v = f.num[static_cast<size_t>(fi.slot)];
      if (fi.type == ValueType::boolean) out += v != 0 ? "true" : "false";
      else if (fi.type == ValueType::date) out += "\"" + format_date(static_cast<Day>(v)) + "\"";
      else if (fi.type == ValueType::country) append_json_string(out, country_code(static_cast<int>(v)));
      else out += format_micro(v);
    }
  out += ",\"arithmetic\":" + arithmetic_json(f) + "}";
}

}  // namespace

std::string catalog_json(const Engine& e, std::string_view q, size_t limit) {
  std::string out = "{\"chips\":[";
  size_t n = 0, matched = 0;
  for (const std::string& name : e.catalog->search(q)) {  // as `tollgate catalog QUERY`: resolved or candidates first
    ++matched;
    if (n >= limit) continue;
    if (n++) out += ',';
    chip_json(out, name, *e.catalog->find(name), e.program->schema);
  }
  return out + "],\"matched\":" + std::to_string(matched) + "}\n";
}

std::string error_body(int status, std::string_view code, std::string_view message) {
  std::string out = "{\"error\":{\"status\":" + std::to_string(status) + ",\"code\":";
  append_json_string(out, code);
  out += ",\"message\":";
  append_json_string(out, message);
  return out + "}}\n";
}

}  // namespace tollgate::serve
