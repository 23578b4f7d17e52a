// tollgate — inputs as they come: spreadsheet exports (UTF-16 with a byte order mark, a UTF-8 byte order mark,
// semicolon- or tab-delimited, Excel's `sep=;` first line, decimal commas), .xlsx workbooks (xlsx.hpp) and ERP
// exports read through a column map (columns.hpp), turned into the CSV the record reader reads, as a stream.
//
// DecodedInput opens an input and gives a FILE* to read records from, and its format. A plain UTF-8, comma-
// delimited CSV whose header names record fields, read without a map, is not touched: the FILE* is the file itself
// (the audit's speed is unchanged). Anything else is rewritten on the fly, row by row, into UTF-8 comma-delimited
// CSV whose header names record fields, in constant memory, keeping every row on the line it came from (a sheet
// row's number for .xlsx), so that errors name the input's own lines. A cell that cannot be rewritten costs its row
// (rejected_row_text); a problem of the whole file (a column that is no field, a header that cannot be read, text
// that is not UTF-8) costs every row it touches, each rejected with `file_level` set, which readers report once.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/records/columns.hpp"
#include "engine/records/record.hpp"

namespace tollgate {

// How inputs are read (the CLI's --columns, --decimal-comma, --sheet). The default reads tollgate's own CSV, JSONL
// and JSON, and spreadsheet CSV and .xlsx whose header names record fields.
struct ReadOptions {
  std::shared_ptr<const ColumnMap> columns;  // null: the header must name record fields
  bool decimal_comma = false;                // numbers written "25.000,00": ',' decimal point, '.' or ' ' thousands
  std::string sheet;                         // .xlsx: the sheet to read; "" the first
  bool any() const { return columns || decimal_comma || !sheet.empty(); }
};

class DecodedInput {
 public:
  // Opens `path` ("-": standard input). `raw`, if given, is the file already open at its start (not owned; the
  // audit's hashing reader); else the path is opened. Throws std::runtime_error, with a message for the user, if
  // the input cannot be read as records at all (unreadable_input: binary, UTF-16 without a byte order mark, UTF-32,
  // an OpenDocument or .xls spreadsheet; a workbook with no such sheet; a JSON input given a column map).
  DecodedInput(const std::string& path, std::FILE* raw, const ReadOptions& options);
  ~DecodedInput();
  DecodedInput(const DecodedInput&) = delete;
  DecodedInput& operator=(const DecodedInput&) = delete;

  std::FILE* file() const { return out_ ? out_ : raw_; }  // read records from here
  // Bytes already read from file() that come before the rest of it (RowReader::prime); empty when rewritten.
  std::string_view head() const { return out_ ? std::string_view() : std::string_view(head_); }
  InputFormat format() const { return format_; }
  bool rewritten() const { return out_ != nullptr; }
  // What was done to read it ("UTF-16LE; ';'-delimited; column map 'sap.json'"), "" if nothing.
  const std::string& how() const { return how_; }

  struct Producer;  // (decode.cpp) makes the rewritten text, a piece at a time

 private:
  static ssize_t read(void* cookie, char* buf, size_t n);
  static int seek(void* cookie, off64_t* off, int whence);
  void restart();

  std::string path_;
  ReadOptions options_;
  std::FILE* raw_ = nullptr;
  bool own_raw_ = false;
  std::FILE* out_ = nullptr;  // the rewritten stream (fopencookie), or null
  std::string head_;          // the first bytes of raw_
  InputFormat format_ = InputFormat::csv;
  std::string how_;
  std::function<std::unique_ptr<Producer>()> make_;  // a fresh producer (restart: seeking back)
  std::unique_ptr<Producer> producer_;
  std::string pending_;       // produced, not yet read
  size_t pending_at_ = 0;
  uint64_t served_ = 0;       // bytes handed out (the stream's position)
};

}  // namespace tollgate
