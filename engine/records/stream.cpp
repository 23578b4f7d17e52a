// tollgate — streaming row reader (see stream.hpp).
#include "engine/records/stream.hpp"

#include "engine/records/decode.hpp"

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace tollgate {
namespace {

// Whether a quoted cell is still open at the end of `s`, given whether one was open at its start. Only a quote that
// opens a cell (at the row's start or just after a comma) opens a quoted cell; inside one, "" is a quote and a lone
// quote closes it; a quote anywhere else is a literal character (split_csv_line reads cells the same way).
bool quote_open_after(std::string_view s, bool open) {
  const bool row_start = !open;  // a line that does not continue a quoted cell starts a row
  for (size_t i = s.find('"'); i != std::string_view::npos; i = s.find('"', i + 1)) {
    if (!open) {
      if (i == 0 ? row_start : s[i - 1] == ',') open = true;  // else a literal quote
    } else if (i + 1 < s.size() && s[i + 1] == '"') {
      ++i;  // "" inside a quoted cell
    } else {
      open = false;
    }
  }
  return open;
}

bool blank(std::string_view s, std::string_view also) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && also.find(c) == std::string_view::npos) return false;
  return true;
}
}  // namespace

RowReader::RowReader(std::FILE* file, InputFormat fmt, size_t chunk)
    : file_(file), fmt_(fmt), chunk_(std::max<size_t>(chunk, 1)) {}
RowReader::RowReader(std::string_view text, InputFormat fmt) : fmt_(fmt), text_(text), eof_(true) {}

bool RowReader::fill() {
  if (!file_ || eof_) return false;
  // Drop what has been consumed (but not what a row being joined may go back to), then append a chunk.
  size_t cut = std::min(pos_, mark_);
  if (cut > 0) {
    buf_.erase(0, cut);
    base_ += cut;
    pos_ -= cut;
    if (mark_ != std::string::npos) mark_ -= cut;
  }
  size_t old = buf_.size();
  buf_.resize(old + chunk_);
  size_t got = std::fread(buf_.data() + old, 1, chunk_, file_);
  buf_.resize(old + got);
  if (got < chunk_) {
    if (std::ferror(file_)) read_error_ = std::strerror(errno);
    eof_ = true;
  }
  return got > 0;
}

bool RowReader::next_line(std::string_view& line) {
  if (!file_) {
    if (pos_ >= text_.size()) return false;
    size_t e = text_.find('\n', pos_);
    if (e == std::string_view::npos) e = text_.size();
    line = text_.substr(pos_, e - pos_);
    pos_ = std::min(e + 1, text_.size());
    if (e == text_.size()) pos_ = e;
  } else {
    size_t e;
    size_t searched = pos_;
    for (;;) {
      e = buf_.find('\n', searched);
      if (e != std::string::npos) break;
      size_t have = buf_.size() - pos_;
      if (!fill()) {
        if (pos_ >= buf_.size()) return false;
        e = buf_.size();
        break;
      }
      searched = pos_ + have;  // fill() may have moved the unread part to the front
    }
    line = std::string_view(buf_).substr(pos_, e - pos_);
    pos_ = e < buf_.size() ? e + 1 : e;
  }
  ++line_no_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // A UTF-8 byte order mark (spreadsheet exports write one) is not part of the first field's name.
  if (line_no_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  return true;
}

bool RowReader::read_header() {
  if (fmt_ != InputFormat::csv) return true;
  std::string_view line;
  for (;;) {
    if (!next_line(line)) return true;  // no header, no rows
    if (!blank(line, "")) break;
    ++blank_lines_;  // blank lines before the header are accounted for like any other
  }
  header_line_ = line_no_;
  std::string err;
  if (!split_csv_line(line, header_, &err)) {
    header_error_ = err;
    header_.clear();
    return false;
  }
  // An empty last column (a header ending in a comma, as spreadsheets save one) is no column: rows may have an
  // empty cell there (record.cpp drops it).
  while (header_.size() > 1 && header_.back().empty()) header_.pop_back();
  for (auto& h : header_) {
    if (h.empty()) {
      header_error_ = "an empty column name";
      return false;
    }
    if (std::count(header_.begin(), header_.end(), h) > 1) {
      header_error_ = "column '" + h + "' appears twice";
      return false;
    }
  }
  header_end_ = offset();
  static std::atomic<uint64_t> next_id{1};
  header_id_ = next_id++;
  return true;
}

void RowReader::resume_at(uint64_t off, uint64_t next_line_no) {
  if (file_) {
    std::fseek(file_, static_cast<long>(off), SEEK_SET);
    buf_.clear();
    pos_ = 0;
    base_ = off;
    eof_ = false;
  } else {
    pos_ = std::min<size_t>(off, text_.size());
  }
  line_no_ = next_line_no - 1;
}

bool RowReader::next(Row& row) {
  std::string_view line;
  for (;;) {
    if (!next_line(line)) return false;
    row.line = line_no_;
    row.lines = 1;
    if (fmt_ == InputFormat::csv && quote_open_after(line, false)) line = join(line, row.lines);
    if (blank(line, fmt_ == InputFormat::csv ? "," : "")) {
      blank_lines_ += row.lines;
      continue;
    }
    row.text = line;
    row.end = offset();
    ++rows_;
    return true;
  }
}

std::string_view RowReader::join(std::string_view first, uint64_t& lines) {
  // A quoted cell spans lines: join until it closes. The join stands only if the joined row is sound (it splits,
  // and has the header's number of cells) within max_row_lines lines and max_row_bytes bytes; otherwise the
  // quote was a mistake, and the row is its first line alone (which split_csv_line rejects: an unclosed quote),
  // and reading goes on with the next line. So a stray quote costs its own line, never the rows after it.
  row_.assign(first);
  const size_t first_size = row_.size();
  const uint64_t first_line = line_no_;
  mark_ = pos_;  // file mode: fill() keeps the bytes from here; text mode: where to go back to
  bool open = true;
  std::string_view more;
  while (open && lines < max_row_lines && row_.size() < max_row_bytes && next_line(more)) {
    row_ += '\n';
    row_ += more;
    open = quote_open_after(more, true);
    ++lines;
  }
  bool sound = !open;
  if (sound && !header_.empty()) {
    std::string err;
    sound = split_csv_line(row_, cells_, &err);
    while (sound && cells_.size() > header_.size() && cells_.back().empty()) cells_.pop_back();
    sound = sound && cells_.size() == header_.size();
  }
  if (!sound) {
    pos_ = mark_;
    line_no_ = first_line;
    lines = 1;
    row_.resize(first_size);
  }
  mark_ = std::string::npos;
  return row_;
}

namespace {
std::string shown_name(const std::string& path) { return path == "-" ? "standard input" : "'" + path + "'"; }

// A file-level error for input with no record at all: empty, blank, a CSV header alone, an empty JSON array.
[[noreturn]] void no_records(const std::string& path, InputFormat fmt, bool header) {
  if (header)
    throw std::runtime_error(shown_name(path) + " has a CSV header but no rows: no record to judge");
  throw std::runtime_error(shown_name(path) + (fmt == InputFormat::json ? " holds no records (an empty array)"
                                                                        : " is empty: no record to judge"));
}
}  // namespace

ReadCounts for_each_record(const std::string& path, const Catalog* catalog, const std::function<void(const Record&)>& f) {
  return for_each_record(path, catalog, f, ReadOptions{});
}

ReadCounts for_each_record(const std::string& path, const Catalog* catalog, const std::function<void(const Record&)>& f,
                           const ReadOptions& options) {
  // Spreadsheet encodings, delimiters, .xlsx and column maps are rewritten into plain CSV as the file is read
  // (decode.hpp); a plain file is read as it is.
  DecodedInput in(path, nullptr, options);
  std::FILE* fp = in.file();
  InputFormat fmt = in.format();
  ReadCounts counts;
  if (fmt == InputFormat::json) {  // one document: read it whole
    std::string text(in.head());
    char buf[1 << 16];
    for (size_t got; (got = std::fread(buf, 1, sizeof buf, fp)) > 0;) text.append(buf, got);
    if (std::ferror(fp)) throw std::runtime_error("cannot read '" + path + "'");
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) no_records(path, InputFormat::jsonl, false);
    std::vector<Record> recs = read_records(text, fmt, catalog);
    if (recs.empty()) no_records(path, fmt, false);
    for (const Record& r : recs) f(r);
    counts.rows = recs.size();
    return counts;
  }
  RowReader rr(fp, fmt);
  rr.prime(in.head());
  if (!rr.read_header()) {
    Record r;
    r.line = rr.header_line();
    r.ok = false;
    r.error = {"tollgate.input.csv", "", "bad CSV header: " + rr.header_error()};
    f(r);
    counts.rows = 1;  // the header line, rejected: the rest of the file cannot be read without it
    return counts;
  }
  RowReader::Row row;
  Record rec;
  while (rr.next(row)) {
    read_row(fmt, rr.header(), rr.header_id(), row.text, row.line, catalog, true, rec);
    f(rec);
  }
  if (!rr.read_error().empty()) throw std::runtime_error("reading '" + path + "': " + rr.read_error());
  if (rr.rows_read() == 0) no_records(path, fmt, !rr.header().empty());
  counts.rows = rr.rows_read();
  counts.lines = rr.lines_read();
  counts.blank_lines = rr.blank_lines();
  return counts;
}

std::string input_file_problem(const std::string& path) { return input_file_problem(path, ReadOptions{}); }

std::string input_file_problem(const std::string& path, const ReadOptions& options) {
  try {
    DecodedInput in(path, nullptr, options);
    if (in.format() == InputFormat::json) return "";  // read whole by its reader
    RowReader rr(in.file(), in.format());
    rr.prime(in.head());
    if (!rr.read_header()) return "";  // a bad header is reported by the reader, with its line
    RowReader::Row row;
    if (rr.next(row)) return "";
    no_records(path, in.format(), !rr.header().empty());
  } catch (const std::exception& e) {
    return e.what();
  }
}

Record record_from_row(InputFormat fmt, const std::vector<std::string>& header, uint64_t header_id,
                       std::string_view row, uint64_t line, const Catalog* catalog) {
  if (fmt == InputFormat::csv) return record_from_csv(header, header_id, row, line, catalog);
  return record_from_json(row, line, catalog);
}

void read_row(InputFormat fmt, const std::vector<std::string>& header, uint64_t header_id, std::string_view row,
              uint64_t line, const Catalog* catalog, bool want_canonical, Record& rec) {
  if (fmt == InputFormat::csv) read_csv_row(header, header_id, row, line, catalog, want_canonical, rec);
  else rec = record_from_json(row, line, catalog);
}

}  // namespace tollgate
