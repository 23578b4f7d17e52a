// tollgate fuzz target — the record readers as `check` and `audit` read them. Built three times (CMake:
// TOLLGATE_FUZZ=ON), with FUZZ_FORMAT csv, jsonl or json. For each input:
//  * the file-level sniff (unreadable_input) and the format guess run on it;
//  * JSON: read_records reads it whole, and each good record is judged by the bundled rules;
//  * CSV / JSONL: the rows are read as `check` does (text in memory) and as `audit` does (a FILE, here read a
//    few bytes at a time so that every refill and every join across refills is reached), and both must give the
//    same rows; every physical line must be the header, blank, or in exactly one row (RowReader's accounting);
//    each row becomes a Record (with and without its canonical JSON, as audit reads it, which must agree), and
//    each good one is judged; a JSONL line read by the fast path (simdjson) must give the Record, canonical JSON
//    and error the general path (nlohmann) gives;
//  * the first judged records' parties are screened against the bundled sample list (fixtures/lists/): the
//    decision's screening member must be JSON, and the same when the record is screened again.
// A crash, a sanitizer report, a hang, or a broken invariant (abort) is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/eval/evaluate.hpp"
#include "engine/parties/parties.hpp"
#include "engine/lang/compile.hpp"
#include "engine/records/record.hpp"
#include "engine/records/stream.hpp"

#ifndef FUZZ_FORMAT
#error "define FUZZ_FORMAT as csv, jsonl or json"
#endif

namespace {
using namespace tollgate;

const Program* program = nullptr;
const Catalog* catalog = nullptr;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_records: invariant broken: %s\n", what);
    std::abort();
  }
}

PartyScreen* parties = nullptr;  // the bundled sample list
// Records screened in this input, at most `screened_max`: a log's every row screened (a new name is screened in
// full) cut the CSV target's executions to a third; the first rows of each input keep the coverage.
size_t screened = 0;
constexpr size_t screened_max = 4;

// Judges a good record, and screens its parties (their names and owners as the reader gave them) against the
// sample list: the screening member must be one JSON object, the same each time the record is screened.
void judge(const Record& r) {
  if (!r.ok) return;
  Day day = r.has_date ? r.date : 20000;
  Decision d = evaluate(*program, r.facts, r.base_cents, day, EvalOptions{});
  if (screened++ >= screened_max) return;
  const std::string member = parties->apply(r.facts, r.kind, day, d).json();
  if (member.empty()) return;
  require(member.rfind(",\"screening\":{", 0) == 0, "the screening member does not start as it should");
  require(nlohmann::json::accept("{" + member.substr(1) + "}"), "the screening member is not JSON");
  require(parties->screen(r.facts, r.kind, day).json() == member, "screening the same record twice differs");
}

struct RowCopy {
  std::string text;
  uint64_t line, lines;
};

std::vector<RowCopy> read_rows(RowReader& rr, std::string_view text, InputFormat fmt, bool& header_ok) {
  std::vector<RowCopy> rows;
  header_ok = rr.read_header();
  if (!header_ok) return rows;
  RowReader::Row row;
  uint64_t spanned = 0;
  while (rr.next(row)) {
    rows.push_back({std::string(row.text), row.line, row.lines});
    spanned += row.lines;
    require(row.text.size() <= text.size(), "a row longer than the input");
  }
  require(rr.rows_read() == rows.size(), "rows_read() counts the rows returned");
  uint64_t header_lines = fmt == InputFormat::csv && rr.header_line() > 0 ? 1 : 0;
  require(header_lines + rr.blank_lines() + spanned == rr.lines_read(), "every line is header, blank, or in a row");
  return rows;
}

// The Record read_json_row fills, kept from row to row and from input to input, as an audit's worker and each of
// the server's threads keep theirs: nothing of one record may show in the next.
Record reused_json;

// The JSON fast path (simdjson, read_json_row: audit's JSONL, serve's bodies) against the general path.
void same_record(const Record& fast, const Record& full) {
  require(fast.ok == full.ok && fast.error.code == full.error.code && fast.error.field == full.error.field &&
              fast.error.message == full.error.message,
          "the JSONL fast path and the general path give the same error");
  require(!fast.ok || (fast.canonical == full.canonical && fast.id == full.id && fast.kind == full.kind &&
                       fast.facts.known == full.facts.known && fast.facts.text_known == full.facts.text_known &&
                       fast.base_cents == full.base_cents && fast.date == full.date),
          "the JSONL fast path and the general path give the same record");
  for (int s = 0; fast.ok && s < slot_count; ++s)
    require(!fast.facts.has(s) || fast.facts.num[static_cast<size_t>(s)] == full.facts.num[static_cast<size_t>(s)],
            "the JSONL fast path and the general path give the same facts");
}

void rows(std::string_view text, InputFormat fmt) {
  bool ok_text = false, ok_file = false;
  RowReader in_memory(text, fmt);
  std::vector<RowCopy> a = read_rows(in_memory, text, fmt, ok_text);
  if (!text.empty()) {  // (fmemopen wants at least one byte)
    std::string copy(text);
    std::FILE* f = fmemopen(copy.data(), copy.size(), "rb");
    if (!f) return;
    size_t chunk = 1 + static_cast<unsigned char>(text[0]) % 13;
    RowReader from_file(f, fmt, chunk);
    std::vector<RowCopy> b = read_rows(from_file, text, fmt, ok_file);
    std::fclose(f);
    require(ok_text == ok_file, "the header reads the same from memory and from a file");
    require(a.size() == b.size(), "the same rows from memory and from a file");
    for (size_t i = 0; i < a.size(); ++i)
      require(a[i].text == b[i].text && a[i].line == b[i].line && a[i].lines == b[i].lines,
              "the same row from memory and from a file");
  }
  if (!ok_text) return;
  RowReader rr(text, fmt);
  rr.read_header();
  Record reused;
  for (const auto& r : a) {
    Record full = record_from_row(fmt, rr.header(), rr.header_id(), r.text, r.line, catalog);
    read_row(fmt, rr.header(), rr.header_id(), r.text, r.line, catalog, false, reused);  // audit, no store
    require(full.ok == reused.ok && full.error.message == reused.error.message, "audit and check read a row alike");
    if (fmt == InputFormat::jsonl) {  // the JSONL fast path (simdjson) against the general path, canonical JSON too
      read_json_row(r.text, r.line, catalog, true, reused_json);
      same_record(reused_json, full);
    }
    judge(full);
  }
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static std::shared_ptr<const Program> p = load_and_compile({std::string(TOLLGATE_SOURCE_DIR) + "/rules"}).program;
  if (!p) std::abort();
  static Catalog c = Catalog::load(std::string(TOLLGATE_SOURCE_DIR) + "/fixtures/chips.csv", p->schema);
  c.classify_with([](const Facts& chip, Day day) -> std::string {
    Facts f = chip;
    f.kind = RecordKind::chip;
    return klass_name(evaluate(*program, f, -1, day, EvalOptions{}).klass);
  });
  program = p.get();
  catalog = &c;
  static PartyScreen screen(load_party_lists({std::string(TOLLGATE_SOURCE_DIR) + "/fixtures/lists/csl_sample.csv"}, ""),
                            true, 4096);
  parties = &screen;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const InputFormat fmt = InputFormat::FUZZ_FORMAT;
  screened = 0;
  (void)unreadable_input("fuzz." + std::string(fmt == InputFormat::csv ? "csv" : fmt == InputFormat::json ? "json" : "jsonl"),
                         text.substr(0, sniff_bytes));
  (void)guess_format("-", text.substr(0, sniff_bytes));
  if (fmt == InputFormat::json) {
    for (const Record& r : read_records(text, fmt, catalog)) judge(r);
    {  // a whole body as `serve` reads a single-record /v1/check (any layout, pretty-printed too)
      read_json_row(text, 1, catalog, true, reused_json);
      same_record(reused_json, record_from_json(text, 1, catalog));
    }
    Record chip = record_from_json(text, 1, catalog, /*bare_chip=*/true);  // classify --json-input
    judge(chip);
    return 0;
  }
  rows(text, fmt);
  return 0;
}
