// tollgate serve — what the server does with a request, apart from HTTP: judging the records of a body with the
// rules in force, classifying a chip, listing rulesets and catalog chips. Each judged record (decision or reject)
// also becomes a trace store Entry (engine/trace), which the decision log (decision_log.hpp) commits before the
// answer is sent. The decision objects are engine/render's, byte for byte those of `tollgate check --json`.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/lang/program.hpp"
#include "engine/records/record.hpp"
#include "engine/trace/store.hpp"

namespace tollgate::serve {

struct ScreeningSet;  // screening.hpp

// The rules and catalog the server judges with. Immutable once built; a reload builds a new one and swaps it
// in whole (requests in flight keep the one they started with).
struct Engine {
  std::shared_ptr<const Program> program;
  std::shared_ptr<const Catalog> catalog;
  std::string catalog_sha256;
  uint64_t generation = 0;  // 1 for the rules loaded at start, one more per successful reload
  std::string loaded_at;    // UTC, ISO 8601
  std::string rulesets_json;  // the run record's `rulesets`: [{"id","sha256"}]
  // The screening lists and resolutions (`--lists`, `--resolutions`; screening.hpp), reloaded with the rules; null
  // without --lists. The one place where /v1/screen and /v1/check find them.
  std::shared_ptr<const ScreeningSet> screening;
};

// Query parameters of /v1/check and /v1/classify.
struct JudgeOptions {
  std::optional<Day> as_of;  // judge every record as of this date instead of its own
  bool include_proposed = false;
  bool include_unenforced = false;  // rulesets on the books but not enforced (encoding.md r2, the AI Diffusion rule)
};

// How a /v1/check body is laid out: one JSON object, a JSON array of objects, JSON lines, or CSV with a header.
enum class BodyFormat { single, array, jsonl, csv };
// From the Content-Type (application/x-ndjson, application/jsonl, text/csv) and, for JSON, the body's first
// non-blank byte ('[' array) and whether another line starts with '{' (JSON lines).
BodyFormat body_format(std::string_view content_type, std::string_view body);

// What one request adds to the trace store: its entries (texts back to back in `texts`) and their tallies.
// `file` of each entry is set by the decision log (the request's number in its run).
struct LogBatch {
  std::vector<Entry> entries;
  std::string texts;
  Tallies delta;
  std::shared_ptr<const Engine> engine;  // the rules the entries were judged with (their run records them)
  std::string token;                     // the caller's token name ("local" without --token-file)
};

// Counts of one request's outcomes, for /metrics: ALLOWED, NOTIFY, LICENSE_REQUIRED, PROHIBITED, error.
using VerdictCounts = std::array<uint64_t, Tally::kinds>;

struct Judgement {
  int status = 200;            // 400 if any record could not be read or judged (the others are still judged)
  std::string body;            // decision objects (and error objects) in the request's layout
  std::string content_type = "application/json";
  LogBatch log;
  VerdictCounts counts{};
};

// Judges every record of a /v1/check body. Never throws on bad input: a record that cannot be read or judged is an
// error object in its place (DESIGN §5) and a reject in the log; a record with no date and no `as_of` is one too
// (the server never judges against its clock). `max_records` bounds a batch (more: one error, nothing judged).
Judgement judge_body(const Engine& e, std::string_view body, BodyFormat fmt, const JudgeOptions& o,
                     size_t max_records = 100000);

// /v1/classify: one chip, as a JSON object of chip fields ({"tpp": 2368, ...}) or {"name": "H20"} for a catalog
// chip; needs `as_of` (a chip has no date). The answer is the chip's decision object, as `classify --json` prints
// it, with an "arithmetic" object added (TPP and performance density, as exact decimal texts where given).
Judgement classify_body(const Engine& e, std::string_view body, const JudgeOptions& o);

// GET /v1/rulesets: {"generation", "loaded_at", "rulesets": [{id, title, status, from, until, source, sha256}]}.
std::string rulesets_json(const Engine& e);
// GET /v1/catalog?q=: the catalog chips whose name, vendor or family contains q (case-insensitive; all if empty),
// at most `limit`, each with its fields, TPP and performance density.
std::string catalog_json(const Engine& e, std::string_view q, size_t limit = 50);

// The JSON error body every failing endpoint answers: {"error": {"status", "code", "message"}}. `message` must not
// hold a path or anything internal: the callers pass fixed texts or what the user sent.
std::string error_body(int status, std::string_view code, std::string_view message);

}  // namespace tollgate::serve
