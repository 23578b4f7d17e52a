// tollgate — streaming input: splits a JSONL or CSV log into raw rows (a JSONL line; a CSV row, which may span
// lines inside quotes) with their line numbers and byte offsets, reading a bounded buffer at a time, so that a
// log of any size is read in constant memory. Turning a row into a Record is record.hpp's job.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/records/record.hpp"

namespace tollgate {

class RowReader {
 public:
  struct Row {
    std::string_view text;  // valid until the next call to next()
    uint64_t line = 0;      // 1-based line where the row starts
    uint64_t lines = 1;     // physical lines it spans (more than 1 only for a CSV quoted cell with newlines)
    uint64_t end = 0;       // byte offset just past the row (and its newline): where a resumed read continues
  };

  // Reads from an open file (not owned; not closed), `chunk` bytes at a time (tests and fuzzers use tiny chunks to
  // reach the refills). fmt must be jsonl or csv.
  RowReader(std::FILE* file, InputFormat fmt, size_t chunk = size_t{1} << 20);
  // Reads from text in memory (the caller keeps it alive).
  RowReader(std::string_view text, InputFormat fmt);

  // For CSV: reads the header row. False (and header_error() says why) if the header is missing or malformed;
  // a file with no rows at all has an empty header and no error. For JSONL: does nothing, returns true.
  bool read_header();
  const std::vector<std::string>& header() const { return header_; }
  uint64_t header_id() const { return header_id_; }  // unique in the process, for record_from_row
  const std::string& header_error() const { return header_error_; }
  uint64_t header_line() const { return header_line_; }
  uint64_t header_end() const { return header_end_; }

  // Bytes already read from the file (to guess its format) that come before the rest of it.
  void prime(std::string_view head) { buf_.assign(head); }

  // Continues after a committed position (byte offset just past a row, and the line that follows). File mode:
  // seeks; text mode: jumps. Call after read_header().
  void resume_at(uint64_t offset, uint64_t next_line);

  // The next non-blank row; false at the end of the input (or on a read error: read_error()).
  //
  // Accounting (every physical line is one of these, exactly once): the header line (CSV; header_line() > 0),
  // a blank line (blank_lines(): empty, or only spaces, tabs and, in CSV, commas), or a line of exactly one row
  // returned by next(). So header + blank_lines() + the rows' `lines` == lines_read() at the end, and each row
  // returned is judged or rejected by its reader: judged + rejected == rows_read().
  //
  // CSV rows: a quote that opens a cell starts a quoted cell, which may run over lines; a quote elsewhere in a
  // cell is a literal character. A quoted cell that does not close (within max_row_lines lines and
  // max_row_bytes), or whose joined row does not split into the header's cells, makes its first line a row of
  // its own (rejected by the record reader: an unclosed quote); the lines after it are read as rows again.
  bool next(Row& row);
  uint64_t rows_read() const { return rows_; }
  uint64_t blank_lines() const { return blank_lines_; }
  static constexpr uint64_t max_row_lines = 100;
  static constexpr size_t max_row_bytes = 64 << 10;  // a text field holds at most 1000 bytes
  const std::string& read_error() const { return read_error_; }
  uint64_t offset() const { return base_ + pos_; }  // bytes consumed so far
  uint64_t lines_read() const { return line_no_; }

 private:
  bool next_line(std::string_view& line);  // one physical line, without its '\n' (and a trailing '\r')
  bool fill();                             // reads more of the file into buf_; false at EOF
  std::string_view join(std::string_view first, uint64_t& lines);  // a CSV row whose quoted cell spans lines

  std::FILE* file_ = nullptr;
  InputFormat fmt_;
  size_t chunk_ = size_t{1} << 20;
  std::string buf_;        // file mode: buf_[pos_..] is unread; text mode: unused
  std::string_view text_;  // text mode: the whole input
  size_t pos_ = 0;         // read position in buf_ (file mode) or text_ (text mode)
  uint64_t base_ = 0;      // file offset of buf_[0]
  bool eof_ = false;
  uint64_t line_no_ = 0;
  std::string row_;        // a CSV row joined across lines
  std::vector<std::string> cells_;  // scratch: checking a joined row
  size_t mark_ = std::string::npos;  // buf_/text_ position a join may go back to (fill() keeps it)
  uint64_t rows_ = 0, blank_lines_ = 0;
  std::vector<std::string> header_;
  uint64_t header_id_ = 0;
  std::string header_error_;
  uint64_t header_line_ = 0, header_end_ = 0;
  std::string read_error_;
};

// What for_each_record read: rows (records handed to `f`, good or bad), and for CSV and JSONL the physical lines
// and the blank ones among them (RowReader's accounting).
struct ReadCounts {
  uint64_t rows = 0, lines = 0, blank_lines = 0;
};

// How many leading bytes are sniffed for a file-level problem (unreadable_input) and the format.
inline constexpr size_t sniff_bytes = 4096;

// Reads every record of a file, or of standard input for "-", in order, calling `f` with each: CSV and JSONL are
// streamed (constant memory), a JSON document is read whole. Bad records come with ok == false, as from
// read_records; a CSV file whose header cannot be read gives one such record (for the header line).
// Throws std::runtime_error, with a message for the user, if the input cannot be read at all: unreadable, not
// records (unreadable_input: a spreadsheet, UTF-16, binary data), or holding no record (empty, blank, a CSV header
// alone, an empty JSON array).
ReadCounts for_each_record(const std::string& path, const Catalog* catalog, const std::function<void(const Record&)>& f);
// The same, reading spreadsheet exports and .xlsx as they come and, with a column map, ERP exports (decode.hpp).
// Rows that a file-level problem costs come with `file_level` set (a reader shows the problem once).
struct ReadOptions;
ReadCounts for_each_record(const std::string& path, const Catalog* catalog, const std::function<void(const Record&)>& f,
                           const ReadOptions& options);

// The same file-level checks for a file that another reader (audit) will stream: "" if it has a record to read,
// else why not (as for_each_record would throw). Reads the file's head, and up to its first row.
std::string input_file_problem(const std::string& path);
std::string input_file_problem(const std::string& path, const ReadOptions& options);

// Turns one raw row into a Record: a JSONL line, or a CSV row read against its header. Never throws on bad input.
Record record_from_row(InputFormat fmt, const std::vector<std::string>& header, uint64_t header_id,
                       std::string_view row, uint64_t line, const Catalog* catalog);
// The same into `rec`, reused from row to row; the canonical JSON (for the input hash) only if `want_canonical`.
void read_row(InputFormat fmt, const std::vector<std::string>& header, uint64_t header_id, std::string_view row,
              uint64_t line, const Catalog* catalog, bool want_canonical, Record& rec);

}  // namespace tollgate
