// tollgate — reading records (docs/records.md, "Records") from JSON, JSONL and CSV into Facts, with strict validation,
// and the chip catalog. Money is read exactly from its text; numbers never pass through a double on their way to cents.
#pragma once

#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <string>
#include <vector>

#include "engine/base/date.hpp"
#include "engine/lang/program.hpp"
#include "engine/records/names.hpp"

namespace tollgate {

// An input problem with one record: where, which field, what is wrong.
struct RecordError {
  std::string code;     // "tollgate.input.unknown-field", ...
  std::string field;    // JSON-pointer-like path: "chip.tpp", "quantity"; "" for the whole record
  std::string message;
};

// How deep a record's JSON may nest (objects and arrays, the record itself counted): a shipment with an inline
// chip needs 2. Deeper input is a per-record error (tollgate.input.json), so no walk over a record recurses
// without bound.
inline constexpr int max_record_depth = 16;

struct Record {
  uint64_t line = 0;          // 1-based line in its file (for JSON arrays: the element number)
  std::string id;             // "" if unknown
  RecordKind kind = RecordKind::shipment;
  Facts facts;
  int64_t base_cents = -1;    // quantity × unit_price_usd, exact; -1 if not both given
  Day date = 0;               // the record's own date (shipments / fab orders); 0 if none
  bool has_date = false;
  std::string canonical;      // canonical JSON of the record as given (the input hash covers this)
  bool ok = true;
  RecordError error;
  bool file_level = false;    // the error is the file's (a header column, the encoding): shared by its rows, and
                              // shown once for the file with their count (docs/records.md, "File problems")
  // A row a rewriting reader (decode.hpp) could not rewrite: the row as that reader read it (its cells as CSV for a
  // workbook; "" for a damaged workbook's rest), which an audit stores as the reject's `raw` (not the marker line:
  // rejected_row_text). Set with rewriter_reject.
  std::string rejected_raw;
  bool rewriter_reject = false;
};

// The record reader's tables for one compiled Schema (record.cpp): which fields each record kind has and how each is
// read. Built by a Catalog from the rules' schema.
struct InputSchema;
std::shared_ptr<const InputSchema> make_input_schema(const Schema& schema);

// The chip catalog, and the record schema the readers use with it (records are read with the catalog they name
// chips from; a reader given no catalog reads the core fields only: core_schema()).
class Catalog {
 public:
  Catalog() = default;
  // An empty catalog whose records are read by `schema` (Program::schema).
  explicit Catalog(const Schema& schema);
  Catalog(const Catalog& o)
      : path(o.path), chips_(o.chips_), names_(o.names_), classify_(o.classify_), input_(o.input_) {
    reindex();
  }
  Catalog(Catalog&&) = default;  // (map nodes move with the map: the index stays valid)
  Catalog& operator=(const Catalog& o) {
    if (this != &o) {
      path = o.path;
      chips_ = o.chips_;
      names_ = o.names_;
      classify_ = o.classify_;
      input_ = o.input_;
      reindex();
    }
    return *this;
  }
  Catalog& operator=(Catalog&&) = default;
  // Loads a catalog CSV (fixtures/chips.csv layout: chip field names as columns, plus `source`, and optionally
  // `aliases` and `part_numbers`: names the chip is sold under, separated by ';'), reading the chip fields `schema`
  // declares (pass Program::schema; a column the schema does not declare is an error). Records read with this
  // catalog are read by the same schema. Throws std::runtime_error with file:line on a malformed catalog, or on an
  // alias or part number that does not name its chip alone (an alias ending in " series", such as "MI300 series",
  // names a family: it must name several chips, its own among them).
  static Catalog load(const std::string& path, const Schema& schema);
  // By hash (an audit looks a chip up on every row), without copying the name.
  const Facts* find(std::string_view name) const;
  std::vector<std::string> names() const;
  // The catalog chips a user may have meant by `typed` (a name not in the catalog), best first: every chip whose
  // name contains the typed text (letters and digits compared, case ignored); else every chip whose name the
  // typed text contains; else every chip at the smallest edit distance (if small) and every chip sharing the
  // longest common start (if most of it). Never one candidate picked from several that are as near. Empty if
  // nothing is plausible.
  std::vector<std::string> suggest(std::string_view typed) const;
  // "; did you mean one of these? 'H100 PCIe 80GB' (3A090.a), ..." for an unknown chip name: the candidates of
  // resolve() (its hints, or suggest()'s), each with its class as of `day` by the classifier given to
  // classify_with() (no classes without one, or if `day` is 0). For an ambiguous name, ": " and every candidate
  // with its class. "" if there is no candidate.
  std::string suggestion_text(std::string_view typed, Day day) const;
  // Gives a catalog chip's class name ("3A090.a", "none") on a day: the rules, applied by a later stage (records
  // does not evaluate). Optional; used only to show a suggested chip's class.
  using Classifier = std::function<std::string(const Facts& chip, Day day)>;
  void classify_with(Classifier classify) { classify_ = std::move(classify); }
  // A name as sold, resolved against the catalog (names.hpp; docs/records.md, "Unknown chips"). Resolved (`chip`
  // set) only if it names exactly one catalog chip: its exact catalog name; one of its part numbers; or model words
  // equal to those of one of its names or aliases (with the form factor and memory size that name states, if it
  // states them), while no other chip's names contain those words with a form factor and memory size that agree
  // (a form factor or memory size the typed name gives must be one the chip's names give).
  // Otherwise `candidates` lists the chips it may mean, by name: `ambiguous` if several chips' names contain its
  // words ("H100": 'H100 PCIe 80GB' and 'H100 SXM5 80GB'); else the one chip whose names contain them without
  // equalling them ("H800": 'H800 SXM5'), or the nearest names (suggest()), as hints. Never throws.
  struct Resolution {
    const Facts* chip = nullptr;
    std::string name;                     // the catalog name of `chip`
    std::string via;                      // how it was found: "name", "alias 'HGX H20'", "part number 'HL-325L'"
    std::vector<std::string> candidates;  // if not resolved
    bool ambiguous = false;
  };
  Resolution resolve(std::string_view typed) const;
  // A chip's aliases, part numbers and source as the catalog gives them (empty if none, or no such chip).
  const std::vector<std::string>& aliases(std::string_view chip) const;
  const std::vector<std::string>& part_numbers(std::string_view chip) const;
  std::string_view source(std::string_view chip) const;
  // The catalog's chips ranked for a search (`tollgate catalog QUERY`, GET /v1/catalog?q=): what resolve() finds
  // (the chip, or every candidate), then chips whose name, aliases, part numbers, vendor or family contain the
  // query (case and punctuation ignored), by name. Every chip for an empty query; none for a query with no letter
  // or digit a chip name could hold ("!!!", "华": case and punctuation ignored, it asks for nothing).
  std::vector<std::string> search(std::string_view query) const;
  // "'H100 PCIe 80GB' (3A090.a), 'H100 SXM5 80GB' (3A090.a)": the names, each with its class as of `day` by the
  // classifier (classify_with), if there is one and `day` is not 0.
  std::string candidates_text(const std::vector<std::string>& names, Day day) const;
  // Why `typed` names no one chip, as a record's error says it: "chip 'H100' may be any of 2 catalog chips: ..." or
  // "chip 'X' is not in the catalog; did you mean ...?" (suggestion_text). For a name resolve() does not resolve.
  std::string unresolved_message(std::string_view typed, Day day) const;
  // The class of a catalog chip as of `day` by the classifier, or "" without one (or on day 0).
  std::string class_of(std::string_view chip, Day day) const;
  size_t size() const { return chips_.size(); }
  const std::map<std::string, Facts, std::less<>>& chips() const { return chips_; }
  // The reader's tables (nullptr for a default-constructed catalog: then the core fields).
  const std::shared_ptr<const InputSchema>& input() const { return input_; }
  std::string path;

 private:
  std::map<std::string, Facts, std::less<>> chips_;
  std::unordered_map<std::string_view, const Facts*> index_;  // into chips_ (its keys and values)
  std::map<std::string, ChipNames, std::less<>> names_;         // aliases, part numbers, source; by chip name
  std::vector<ChipEntry> entries_;                              // every chip's names normalized (names.hpp)
  Classifier classify_;
  std::shared_ptr<const InputSchema> input_;
  void reindex();
  void check_names(const std::map<std::string, uint64_t, std::less<>>& lines) const;
};

enum class InputFormat { jsonl, json, csv };
InputFormat guess_format(const std::string& path, std::string_view head);

// Why a file whose first bytes are `head` cannot be read as records at all, or "" if it may be: a spreadsheet
// (.xlsx/.ods/.xls: "save it as CSV"), UTF-16 or UTF-32 text, or binary data (more than 1 byte in 32 a control
// byte: random bytes have some 11%; a stray NUL in a row is left to reject that row). Says
// what the file is, never echoes its bytes. `path` gives the name shown and the extension. `head` should be at
// least the first 4 KiB (or the whole file).
std::string unreadable_input(const std::string& path, std::string_view head);

// Reads every record of a text in the given format. Never throws on bad input: bad records come back with
// ok == false and the reason; the others are judged.
std::vector<Record> read_records(std::string_view text, InputFormat fmt, const Catalog* catalog);

// One JSON object (as text) to a Record; `line` is used in errors. An object without "type" is a shipment, or a
// chip if `bare_chip` (as `tollgate classify --json-input` reads it).
Record record_from_json(std::string_view json_text, uint64_t line, const Catalog* catalog, bool bare_chip = false);
// A chip to classify given as {"name": "H20"} and nothing else names a catalog chip (tollgate classify --json-input,
// POST /v1/classify): that name; nullopt for anything else (the chip's fields, read by record_from_json).
std::optional<std::string> catalog_chip_name(std::string_view json_text);

// One CSV row (already joined across lines inside quotes) read against its header: named catalog chip, or
// chip_<field> columns for an inline spec. `line` is where the row starts.
Record record_from_csv(const std::vector<std::string>& header, std::string_view row, uint64_t line,
                       const Catalog* catalog);
// The same for a header with a process-unique id (RowReader::header_id()), which saves comparing the header with
// the last one seen on every row. Id 0: compare.
Record record_from_csv(const std::vector<std::string>& header, uint64_t header_id, std::string_view row,
                       uint64_t line, const Catalog* catalog);

// The same into `rec`, which is reused from row to row (its buffers keep their capacity): the audit's path. The
// canonical JSON (what the input hash covers) is built only if `want_canonical`.
void read_csv_row(const std::vector<std::string>& header, uint64_t header_id, std::string_view row, uint64_t line,
                  const Catalog* catalog, bool want_canonical, Record& rec);

// The general (slower) path of record_from_csv, which the fast path falls back to for any row it cannot take
// cleanly; exposed so that tests can check both give the same Record. `cells` is split_csv_line's output.
Record record_from_csv_general(const std::vector<std::string>& header, std::vector<std::string>& cells, uint64_t line,
                               const Catalog* catalog, std::string_view row);

// How many rows this thread has read through the fast path (for tests).
uint64_t csv_fast_rows();

// One JSON record (a JSONL line) into `rec`, reused from line to line: the audit's path. A flat object of scalars
// is read by a fast path (simdjson) through the same InputSchema as record_from_json (the catalog's, or the core
// fields without one), anything else by record_from_json, with the same result and the same errors; the canonical
// JSON (what the input hash covers) is built only if `want_canonical`.
void read_json_row(std::string_view row, uint64_t line, const Catalog* catalog, bool want_canonical, Record& rec);
// How many records this thread has read through the JSON fast path (for tests).
uint64_t json_fast_rows();

// What a CSV column (a record field name, or chip_<field>) holds, for readers that rewrite cells before the
// record reader sees them (engine/records/decode.hpp: decimal commas, dates, column maps). unknown: not a column.
enum class ColumnKind { unknown, text, choice, date, country, integer, money, number, boolean, chip, type, list };
ColumnKind column_kind(std::string_view column);
// Every column name a CSV header may hold (shipment and fab order fields, chip_<field>), for "did you mean".
std::vector<std::string> record_column_names();

// A row that a rewriting reader (decode.hpp) could not rewrite, as a line of text the CSV record reader turns
// into a rejected Record with this error (file_level as given) and `raw`, the row as read, in rejected_raw. The line
// starts with a marker unique to this process, so no input can forge one; it holds no quote and no line break (the
// raw row's are %-escaped in it). The marker never reaches a store: the same log gives the same rejects and hashes.
std::string rejected_row_text(const RecordError& error, bool file_level, std::string_view raw);

// Splits one CSV row (RFC 4180 quoting; the caller joins lines inside quoted fields). A quote that opens a cell
// starts a quoted cell ("" inside it is one quote); a quote anywhere else in an unquoted cell (19" Rack) is a
// literal character. False, with the reason, on an unclosed quote or text after a closing quote.
bool split_csv_line(std::string_view line, std::vector<std::string>& out, std::string* error);

}  // namespace tollgate
