// tollgate — streaming row reader (see stream.hpp).
#include "engine/records/stream.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tollgate {
namespace {
constexpr size_t chunk = 1 << 20;  // bytes read at a time

// Quotes in a line, sixteen bytes at a time (every CSV line is counted, to find rows that span lines).
size_t count_quotes(std::string_view s) {
  size_t n = 0, i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
    if (m) n += static_cast<size_t>(std::popcount(m));  // rare: most lines have no quote
  }
#endif
  for (; i < s.size(); ++i) n += s[i] == '"';
  return n;
}

bool blank(std::string_view s, std::string_view also) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && also.find(c) == std::string_view::npos) return false;
  return true;
}
}  // namespace

RowReader::RowReader(std::FILE* file, InputFormat fmt) : file_(file), fmt_(fmt) {}
RowReader::RowReader(std::string_view text, InputFormat fmt) : fmt_(fmt), text_(text), eof_(true) {}

bool RowReader::fill() {
  if (!file_ || eof_) return false;
  // Drop what has been consumed, then append a chunk.
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    base_ += pos_;
    pos_ = 0;
  }
  size_t old = buf_.size();
  buf_.resize(old + chunk);
  size_t got = std::fread(buf_.data() + old, 1, chunk, file_);
  buf_.resize(old + got);
  if (got < chunk) {
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
      searched = pos_ + have;  // fill() moved the unread part to the front
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
  }
  header_line_ = line_no_;
  std::string err;
  if (!split_csv_line(line, header_, &err)) {
    header_error_ = err;
    header_.clear();
    return false;
  }
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
    if (fmt_ == InputFormat::csv && count_quotes(line) % 2 == 1) {
      // A quoted cell spans lines: join until the quotes balance (or the input ends).
      row_.assign(line);
      size_t quotes = count_quotes(line);
      std::string_view more;
      while (quotes % 2 == 1 && next_line(more)) {
        row_ += '\n';
        row_ += more;
        quotes += count_quotes(more);
      }
      line = row_;
    }
    if (blank(line, fmt_ == InputFormat::csv ? "," : "")) continue;
    row.text = line;
    row.end = offset();
    return true;
  }
}

void for_each_record(const std::string& path, const Catalog* catalog, const std::function<void(const Record&)>& f) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  std::FILE* fp = stdin;
  if (path != "-") {
    owned.reset(std::fopen(path.c_str(), "rb"));
    if (!owned) throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
    fp = owned.get();
  }
  std::string head(256, '\0');
  head.resize(std::fread(head.data(), 1, head.size(), fp));
  InputFormat fmt = guess_format(path, head);
  if (fmt == InputFormat::json) {  // one document: read it whole
    std::string text = head;
    char buf[1 << 16];
    for (size_t got; (got = std::fread(buf, 1, sizeof buf, fp)) > 0;) text.append(buf, got);
    if (std::ferror(fp)) throw std::runtime_error("cannot read '" + path + "'");
    for (const Record& r : read_records(text, fmt, catalog)) f(r);
    return;
  }
  RowReader rr(fp, fmt);
  rr.prime(head);
  if (!rr.read_header()) {
    Record r;
    r.line = rr.header_line();
    r.ok = false;
    r.error = {"tollgate.input.csv", "", "bad CSV header: " + rr.header_error()};
    f(r);
    return;
  }
  RowReader::Row row;
  Record rec;
  while (rr.next(row)) {
    read_row(fmt, rr.header(), rr.header_id(), row.text, row.line, catalog, true, rec);
    f(rec);
  }
  if (!rr.read_error().empty()) throw std::runtime_error("reading '" + path + "': " + rr.read_error());
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
