// tollgate — inputs as they come (see decode.hpp): the sniffing, the character set (UTF-16 through iconv), the
// delimiter, and the row rewriting shared by delimited text and .xlsx sheets (RowMapper).
#include "engine/records/decode.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "engine/base/country.hpp"
#include "engine/lang/compile.hpp"
#include "engine/records/stream.hpp"
#include "engine/records/xlsx.hpp"

namespace tollgate {

struct DecodedInput::Producer {
  virtual ~Producer() = default;
  // Appends the next piece of the rewritten text to `out`; false when there is no more.
  virtual bool more(std::string& out) = 0;
};

namespace {

enum class Charset { utf8, utf16le, utf16be };

// Length of the UTF-8 sequence at s[i] (1 to 4), or 0 if it is not one (an overlong, a surrogate, cut short).
size_t utf8_at(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size() || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4)) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90))
    return 0;
  return n;
}

// The first byte of `s` that is not UTF-8, or npos. With `cut`, a sequence cut short by the end of `s` is allowed.
size_t first_non_utf8(std::string_view s, bool cut = false) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_at(s, i);
    if (n == 0) {
      if (cut && s.size() - i < 4 && static_cast<unsigned char>(s[i]) >= 0xc2) return std::string_view::npos;
      return i;
    }
    i += n;
  }
  return std::string_view::npos;
}

// UTF-16 to UTF-8 through iconv, a piece at a time (a code unit or surrogate pair split between pieces is kept for
// the next). A unit that is not UTF-16 (a lone surrogate) becomes the byte 0xFF, which is not UTF-8: the row it is
// in is rejected as not text (never silently replaced).
class Utf16 {
 public:
  explicit Utf16(Charset cs) : cd_(iconv_open("UTF-8", cs == Charset::utf16le ? "UTF-16LE" : "UTF-16BE")) {
    if (cd_ == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv cannot convert UTF-16 here");
  }
  ~Utf16() { iconv_close(cd_); }
  Utf16(const Utf16&) = delete;
  Utf16& operator=(const Utf16&) = delete;
  void convert(std::string_view in, std::string& out, bool last) {
    carry_.append(in);
    char* src = carry_.data();
    size_t left = carry_.size();
    char buf[16384];
    while (left > 0) {
      char* dst = buf;
      size_t room = sizeof buf;
      size_t r = iconv(cd_, &src, &left, &dst, &room);
      out.append(buf, static_cast<size_t>(dst - buf));
      if (r != static_cast<size_t>(-1)) continue;
      if (errno == E2BIG) continue;
      if (errno == EINVAL && !last) break;  // a unit cut by the piece's end: wait for the rest
      out += '\xFF';                          // not UTF-16 (or cut by the end of the input)
      size_t skip = std::min<size_t>(2, left);
      src += skip;
      left -= skip;
    }
    carry_.erase(0, carry_.size() - left);
  }

 private:
  iconv_t cd_;
  std::string carry_;
};

// Splits a delimited row: a quote that opens a cell starts a quoted cell ("" inside is a quote; it may hold the
// delimiter and line breaks); a quote elsewhere is a literal character (as split_csv_line reads commas).
bool split_delimited(std::string_view row, char delim, std::vector<std::string>& out, std::string& error) {
  out.clear();
  size_t i = 0;
  for (;;) {
    std::string cell;
    if (i < row.size() && row[i] == '"') {
      ++i;
      for (;;) {
        size_t q = row.find('"', i);
        if (q == std::string_view::npos) return error = "an unclosed quote", false;
        cell.append(row.substr(i, q - i));
        i = q + 1;
        if (i < row.size() && row[i] == '"') {
          cell += '"';
          ++i;
          continue;
        }
        break;
      }
      if (i < row.size() && row[i] != delim) return error = "text after a closing quote", false;
    } else {
      size_t e = row.find(delim, i);
      if (e == std::string_view::npos) e = row.size();
      cell.assign(row.substr(i, e - i));
      i = e;
    }
    out.push_back(std::move(cell));
    if (i >= row.size()) return true;
    ++i;  // the delimiter
    if (i == row.size()) {
      out.emplace_back();
      return true;
    }
  }
}

bool quote_open(std::string_view s, char delim, bool open) {
  const bool row_start = !open;
  for (size_t i = s.find('"'); i != std::string_view::npos; i = s.find('"', i + 1)) {
    if (!open) {
      if (i == 0 ? row_start : s[i - 1] == delim) open = true;
    } else if (i + 1 < s.size() && s[i + 1] == '"') {
      ++i;
    } else {
      open = false;
    }
  }
  return open;
}

bool blank_line(std::string_view s, char delim) {
  return std::all_of(s.begin(), s.end(), [&](char c) { return c == ' ' || c == '\t' || c == '\r' || c == delim; });
}

// Excel's first line naming the delimiter: sep=; (or "sep=;"). The delimiter, or 0.
char sep_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() == 7 && line.front() == '"' && line.back() == '"') line = line.substr(1, 5);
  return line.size() == 5 && line.substr(0, 4) == "sep=" ? line[4] : 0;
}

// The delimiter of a header line: the most frequent of ',', ';' and tab (',' on a tie or none).
char guess_delimiter(std::string_view header) {
  auto n = [&](char c) { return std::count(header.begin(), header.end(), c); };
  auto comma = n(','), semi = n(';'), tab = n('\t');
  if (semi > comma && semi >= tab) return ';';
  if (tab > comma && tab > semi) return '\t';
  return ',';
}

std::string delimiter_name(char d) { return d == '\t' ? "tab" : std::string("'") + d + "'"; }

// A number as written in an .xlsx <v> ("1.5E-2", "12345.67") as plain decimal text ("0.015"), exactly.
std::optional<std::string> plain_decimal(std::string_view v) {
  size_t e = v.find_first_of("eE");
  if (e == std::string_view::npos) return std::string(v);
  std::string_view mant = v.substr(0, e);
  int exp = 0;
  std::string_view es = v.substr(e + 1);
  bool eneg = !es.empty() && es[0] == '-';
  if (!es.empty() && (es[0] == '-' || es[0] == '+')) es.remove_prefix(1);
  if (es.empty() || es.size() > 3) return std::nullopt;
  for (char c : es) {
    if (c < '0' || c > '9') return std::nullopt;
    exp = exp * 10 + (c - '0');
  }
  if (eneg) exp = -exp;
  bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant.remove_prefix(1);
  size_t dot = mant.find('.');
  std::string digits(mant.substr(0, dot));
  int point = static_cast<int>(digits.size());
  if (dot != std::string_view::npos) digits += mant.substr(dot + 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  point += exp;
  if (point < -40 || point > 40) return std::nullopt;
  while (point <= 0) {
    digits.insert(0, 1, '0');
    ++point;
  }
  while (static_cast<int>(digits.size()) < point) digits += '0';
  std::string whole = digits.substr(0, static_cast<size_t>(point)), frac = digits.substr(static_cast<size_t>(point));
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size() - 1));
  return (neg ? "-" : "") + whole + (frac.empty() ? "" : "." + frac);
}

// A cell as the rewriting sees it: text from delimited files, or a typed .xlsx cell.
struct InCell {
  std::string value;
  SheetCell::Kind kind = SheetCell::text;
  std::string ref;  // .xlsx: "C5"; "" for text files
};

// The header analysed once and every row rewritten against it (with or without a column map).
std::string cells_text(const std::vector<InCell>& cells);  // a row's cells as a CSV line (a rejected row's raw)

class RowMapper {
 public:
  RowMapper(const ReadOptions& o, std::string sheet, bool date1904)
      : o_(o), sheet_(std::move(sheet)), date1904_(date1904) {}

  // Reads the header's cells; appends the rewritten header line to `out`.
  void header(std::vector<InCell> cells, std::string& out);
  // Rewrites one row; appends its line (no line break) to `out`.
  // `raw`: the row as read from a text file, kept by a row that cannot be rewritten ("" for a workbook's row: its
  // cells, as CSV, are kept then).
  void row(std::vector<InCell>& cells, std::string& out, std::string_view raw = {});
  // A file-level problem for every row after the header (text that is not UTF-8, a damaged workbook).
  // `raw`: the row as read ("" when there is none: a damaged workbook's rest).
  void file_problem_row(const std::string& code, const std::string& message, std::string_view raw, std::string& out) {
    out += rejected_row_text({code, "", message}, true, raw);
  }
  bool has_problem() const { return !problem_.message.empty(); }
  size_t columns() const { return cols_.size(); }  // the header's cells (0 before the header)

 private:
  struct Col {
    int out = -1;                   // the output column it feeds; -1 ignored
    std::string name;               // as in the input's header
    const ColumnRule* rule = nullptr;
  };
  struct OutCol {
    std::string field;
    ColumnKind kind = ColumnKind::unknown;
  };
  void header_with_map(const std::vector<InCell>& cells);
  void header_plain(const std::vector<InCell>& cells);
  bool rewrite(InCell& c, const Col& col, std::string& value, RecordError& err) const;
  std::string where(const InCell& c, const Col& col) const {
    std::string s = c.ref.empty() ? "column '" + col.name + "'" : "cell " + c.ref + " (column '" + col.name + "')";
    return sheet_.empty() ? s : "sheet '" + sheet_ + "' " + s;
  }

  const ReadOptions& o_;
  std::string sheet_;
  bool date1904_ = false;
  std::vector<Col> cols_;
  std::vector<OutCol> out_;
  std::vector<std::pair<size_t, std::string>> fixed_;  // output column, value
  RecordError problem_;                                 // a header problem: every row is rejected with it
};

void RowMapper::header(std::vector<InCell> cells, std::string& out) {
  while (cells.size() > 1 && cells.back().value.empty()) cells.pop_back();  // a header ending in a delimiter
  if (o_.columns) header_with_map(cells);
  else header_plain(cells);
  if (has_problem()) {
    out += "id";  // a header the reader accepts; every row after it is the problem, rejected
    return;
  }
  for (size_t i = 0; i < out_.size(); ++i) {
    if (i) out += ',';
    out += out_[i].field;
  }
}

void RowMapper::header_plain(const std::vector<InCell>& cells) {
  std::vector<std::string> unknown, seen;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string& n = cells[i].value;
    if (n.empty()) {
      problem_ = {"tollgate.input.header", "", "column " + std::to_string(i + 1) + " of the header has no name"};
      return;
    }
    if (std::find(seen.begin(), seen.end(), n) != seen.end()) {
      problem_ = {"tollgate.input.header", n, "column '" + n + "' appears twice in the header"};
      return;
    }
    seen.push_back(n);
    if (column_kind(n) == ColumnKind::unknown) unknown.push_back(n);
    cols_.push_back({static_cast<int>(out_.size()), n, nullptr});
    out_.push_back({n, column_kind(n)});
  }
  if (unknown.empty()) return;
  std::string msg;
  if (cells.size() == 1 && cells[0].value.find_first_of("|:") != std::string::npos) {
    msg = "the header is one column '" + cells[0].value + "': is the file delimited by '" +
          cells[0].value[cells[0].value.find_first_of("|:")] +
          "'? tollgate reads comma-, semicolon- and tab-delimited files";
  } else {
    for (const auto& u : unknown) {
      std::string guess = closest(u, record_column_names());
      msg += (msg.empty() ? "" : "; ") + ("column '" + u + "' is not a record field") +
             (guess.empty() ? "" : " (did you mean '" + guess + "'?)");
    }
    msg += ": map or ignore the export's columns with --columns FILE (docs/records.md, \"Column maps\")";
  }
  problem_ = {"tollgate.input.column", unknown.front(), msg};
}

void RowMapper::header_with_map(const std::vector<InCell>& cells) {
  const ColumnMap& m = *o_.columns;
  const std::string map_name = "column map '" + m.path + "'";
  std::vector<std::string> seen;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string& n = cells[i].value;
    if (std::find(seen.begin(), seen.end(), n) != seen.end() && !n.empty()) {
      problem_ = {"tollgate.input.header", n, "column '" + n + "' appears twice in the header"};
      return;
    }
    seen.push_back(n);
    auto it = m.columns.find(n);
    if (it != m.columns.end()) {
      cols_.push_back({static_cast<int>(out_.size()), n, &it->second});
      out_.push_back({it->second.field, column_kind(it->second.field)});
    } else if (std::find(m.ignore.begin(), m.ignore.end(), n) != m.ignore.end() || n.empty()) {
      cols_.push_back({-1, n, nullptr});
    } else {
      problem_ = {"tollgate.input.column", n,
                  "column '" + n + "' is neither mapped nor ignored by the " + map_name +
                      ": add it under \"columns\" or \"ignore\""};
      return;
    }
  }
  for (const auto& [name, rule] : m.columns)
    if (std::find(seen.begin(), seen.end(), name) == seen.end()) {
      problem_ = {"tollgate.input.column", rule.field,
                  "the " + map_name + " maps column '" + name + "' to " + rule.field +
                      ", but the file has no such column (is it the map for this export?)"};
      return;
    }
  for (const auto& [field, value] : m.fixed) {
    fixed_.emplace_back(out_.size(), value);
    out_.push_back({field, column_kind(field)});
  }
}

// The value a cell gives its field, or false and why.
bool RowMapper::rewrite(InCell& c, const Col& col, std::string& v, RecordError& err) const {
  const OutCol& oc = out_[static_cast<size_t>(col.out)];
  const std::string path = oc.field.rfind("chip_", 0) == 0 ? "chip." + oc.field.substr(5) : oc.field;
  auto fail = [&](std::string why) {
    err = {"tollgate.input.value", path, where(c, col) + ": " + why};
    return false;
  };
  v = c.value;
  if (c.kind == SheetCell::error) return fail("the cell holds the error " + v);
  if (v.find_first_of("\r\n") != std::string::npos && !c.ref.empty()) return fail("the cell holds a line break");
  const ColumnRule* r = col.rule;
  if (r) {  // a map's cells: spaces around them dropped, then its value table, then its kind of rewriting
    size_t b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t");
    v = b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
    if (v.empty()) return true;
    if (auto it = r->values.find(v); it != r->values.end()) return v = it->second, true;
    if (r->yes_no) {
      std::string l = v;
      for (char& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (l == "yes" || l == "y" || l == "x" || l == "true" || l == "1") return v = "true", true;
      if (l == "no" || l == "n" || l == "false" || l == "0") return v = "false", true;
      return fail("'" + v + "' is not yes or no");
    }
    if (r->country_names) {
      auto code = country_from_name(v);
      if (!code) return fail("'" + v + "' is not a country name or code in ISO 3166-1 (Debian's iso-codes)");
      return v = *code, true;
    }
    if (!r->date_format.empty() && c.kind == SheetCell::text) {
      auto iso = date_in_layout(v, r->date_format);
      if (!iso) return fail("'" + v + "' is not a real date written " + r->date_format);
      return v = *iso, true;
    }
  }
  if (v.empty()) return true;
  const bool numeric = oc.kind == ColumnKind::number || oc.kind == ColumnKind::money || oc.kind == ColumnKind::integer;
  if (c.kind == SheetCell::number && oc.kind == ColumnKind::date) {
    auto iso = excel_serial_date(v, date1904_);
    if (!iso) return fail("'" + v + "' is not a whole Excel date serial number from 1900 to 2999 (a time of day, or "
                          "1900-02-29, which never was)");
    return v = *iso, true;
  }
  if (c.kind == SheetCell::number) {
    auto p = plain_decimal(v);
    if (!p) return fail("'" + v + "' is not a number tollgate can read exactly");
    v = *p;
  } else if (c.kind == SheetCell::boolean) {
    v = v == "1" ? "true" : "false";
  } else if (numeric && o_.decimal_comma) {
    auto p = from_decimal_comma(v);
    if (!p) return fail("'" + v + "' is not a number written with a decimal comma (--decimal-comma: \"25.000,00\")");
    v = *p;
  }
  if (r && !r->factor.empty() && numeric) {
    auto p = decimal_times(v, r->factor);
    if (!p) return fail("'" + v + "' is not a decimal number (it is multiplied by " + r->factor + ")");
    v = *p;
  }
  return true;
}

void append_cell(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

std::string cells_text(const std::vector<InCell>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    append_cell(out, cells[i].value);
  }
  return out;
}

void RowMapper::row(std::vector<InCell>& cells, std::string& out, std::string_view raw) {
  auto as_read = [&] { return raw.empty() ? cells_text(cells) : std::string(raw); };
  if (std::all_of(cells.begin(), cells.end(), [](const InCell& c) { return c.value.empty(); })) return;  // blank
  if (has_problem()) {
    out += rejected_row_text(problem_, true, as_read());
    return;
  }
  while (cells.size() > cols_.size() && cells.back().value.empty()) cells.pop_back();
  if (cells.size() > cols_.size() || (cells.size() < cols_.size() && cells.front().ref.empty())) {
    out += rejected_row_text({"tollgate.input.csv", "", "row has " + std::to_string(cells.size()) +
                                                            " cells; the header has " + std::to_string(cols_.size())},
                             false, as_read());
    return;
  }
  cells.resize(cols_.size());  // (a sheet row may stop before its last columns: those cells are empty)
  std::vector<std::string> values(out_.size());
  RecordError err;
  for (size_t i = 0; i < cols_.size(); ++i) {
    if (cols_[i].out < 0) continue;
    if (!rewrite(cells[i], cols_[i], values[static_cast<size_t>(cols_[i].out)], err)) {
      out += rejected_row_text(err, false, as_read());
      return;
    }
  }
  for (const auto& [at, value] : fixed_) values[at] = value;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    append_cell(out, values[i]);
  }
}

// ---- delimited text ------------------------------------------------------------------------------------------
class TextProducer : public DecodedInput::Producer {
 public:
  TextProducer(std::FILE* raw, std::string head, Charset cs, InputFormat fmt, char delim, const ReadOptions& o)
      : raw_(raw), head_(std::move(head)), cs_(cs), fmt_(fmt), delim_(delim), mapper_(o, "", false) {
    if (cs_ != Charset::utf8) utf16_ = std::make_unique<Utf16>(cs_);
  }
  bool more(std::string& out) override;

 private:
  bool fill();                           // more decoded text into text_; false at the end
  bool next_line(std::string_view& line);
  void csv_row(std::string_view first, std::string& out);

  std::FILE* raw_;
  std::string head_;
  Charset cs_;
  InputFormat fmt_;
  char delim_;
  RowMapper mapper_;
  std::unique_ptr<Utf16> utf16_;
  std::string text_;  // decoded, text_[pos_..] unread
  size_t pos_ = 0;
  size_t mark_ = std::string::npos;  // where a join may go back to (fill() keeps text_ from here)
  bool started_ = false, eof_ = false, header_done_ = false;
  uint64_t line_ = 0;
};

bool TextProducer::fill() {
  if (eof_) return false;
  std::string in;
  if (!started_) {
    started_ = true;
    in = std::move(head_);
    size_t bom = cs_ != Charset::utf8 ? 2 : in.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    in.erase(0, bom);
  } else {
    in.resize(1 << 16);
    in.resize(std::fread(in.data(), 1, in.size(), raw_));
    if (in.empty()) eof_ = true;
  }
  const size_t cut = std::min(pos_, mark_);
  text_.erase(0, cut);
  pos_ -= cut;
  if (mark_ != std::string::npos) mark_ -= cut;
  if (utf16_) utf16_->convert(in, text_, eof_);
  else text_ += in;
  return !in.empty() || !eof_;
}

bool TextProducer::next_line(std::string_view& line) {
  for (;;) {
    size_t e = text_.find('\n', pos_);
    if (e != std::string::npos || eof_) {
      if (e == std::string::npos) {
        if (pos_ >= text_.size()) return false;
        e = text_.size();
      }
      line = std::string_view(text_).substr(pos_, e - pos_);
      pos_ = std::min(e + 1, text_.size());
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      ++line_;
      return true;
    }
    // (text_ may move: the caller copies a line it keeps before asking for the next)
    if (!fill() && eof_ && pos_ >= text_.size()) return false;
  }
}

// One row (joined over lines inside quotes), rewritten; as many line breaks appended as it spanned lines, less one.
void TextProducer::csv_row(std::string_view first, std::string& out) {
  std::string row(first);
  uint64_t lines = 1;
  if (quote_open(first, delim_, false)) {
    mark_ = pos_;
    const uint64_t keep_line = line_;
    std::string joined = row;
    bool open = true;
    std::string_view more;
    while (open && lines < RowReader::max_row_lines && joined.size() < RowReader::max_row_bytes && next_line(more)) {
      joined += '\n';
      joined += more;
      open = quote_open(more, delim_, true);
      ++lines;
    }
    // The join stands only if the joined row is sound: it splits, and has the header's number of cells (as
    // RowReader::join). Otherwise the quote was a mistake (a stray quote, or one that a later bad quote "closed"):
    // the first line alone is rejected below, and reading goes on after it, so no row after it is lost.
    bool sound = !open;
    if (sound && header_done_) {
      std::vector<std::string> cells;
      std::string why;
      sound = split_delimited(joined, delim_, cells, why);
      while (sound && cells.size() > mapper_.columns() && cells.back().empty()) cells.pop_back();
      sound = sound && cells.size() == mapper_.columns();
    }
    if (!sound) {
      pos_ = mark_;
      line_ = keep_line;
      lines = 1;
    } else {
      row = std::move(joined);
    }
    mark_ = std::string::npos;
  }
  std::vector<std::string> raw;
  std::string err;
  const size_t before = out.size();
  if (size_t bad = first_non_utf8(row); bad != std::string::npos) {
    mapper_.file_problem_row("tollgate.input.encoding",
                             cs_ == Charset::utf8
                                 ? "the file is not UTF-8 text (its rows with other bytes, such as Windows-1252 or "
                                   "Latin-1 letters, are rejected): save it as CSV UTF-8"
                                 : "the UTF-16 text holds a code unit that is not a character (a lone surrogate)",
                             row, out);
  } else if (blank_line(row, delim_)) {
  } else if (!split_delimited(row, delim_, raw, err)) {
    out += rejected_row_text({"tollgate.input.csv", "", "bad CSV row: " + err}, false, row);
  } else {
    std::vector<InCell> cells(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) cells[i].value = std::move(raw[i]);
    if (!header_done_) {
      header_done_ = true;
      mapper_.header(std::move(cells), out);
    } else {
      mapper_.row(cells, out, row);
    }
  }
  const auto written = static_cast<uint64_t>(std::count(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(), '\n'));
  for (uint64_t k = written + 1; k < lines; ++k) out += '\n';  // keep every later row on its own line number
  out += '\n';
}

bool TextProducer::more(std::string& out) {
  std::string_view line;
  const size_t start = out.size();
  while (out.size() - start < (1 << 16)) {
    if (pos_ > (1 << 20)) fill();  // (drops what was read)
    if (!next_line(line)) return out.size() > start;
    if (fmt_ != InputFormat::csv) {  // JSON text: only its characters were converted
      out += line;
      out += '\n';
      continue;
    }
    if (!header_done_ && line_ == 1 && sep_line(line)) {
      out += '\n';  // Excel's sep= line: blank to the reader
      continue;
    }
    csv_row(line, out);
  }
  return true;
}

// ---- .xlsx ---------------------------------------------------------------------------------------------------
class SheetProducer : public DecodedInput::Producer {
 public:
  SheetProducer(const std::string& path, const ReadOptions& o)
      : sheet_(path, o.sheet), mapper_(o, sheet_.sheet_name(), sheet_.date1904()) {}
  const std::string& name() const { return sheet_.sheet_name(); }
  bool more(std::string& out) override {
    if (done_) return false;
    const size_t start = out.size();
    uint32_t r = 0;
    while (out.size() - start < (1 << 16)) {
      if (!sheet_.next_row(r, cells_)) {
        done_ = true;
        if (!sheet_.error().empty() && header_done_) {  // a damaged sheet: its rest is one rejected row
          mapper_.file_problem_row("tollgate.input.xlsx", sheet_.error(), "", out);
          out += '\n';
        }
        return out.size() > start;
      }
      for (; line_ + 1 < r; ++line_) out += '\n';  // rows with no cell: blank lines
      line_ = r;
      std::vector<InCell> cells;
      for (auto& c : cells_) {
        cells.resize(std::max<size_t>(cells.size(), c.col + 1));
        InCell& in = cells[c.col];
        in = {std::move(c.value), c.kind, column_letters(c.col) + std::to_string(r)};
      }
      for (uint32_t col = 0; col < cells.size(); ++col)
        if (cells[col].ref.empty()) cells[col].ref = column_letters(col) + std::to_string(r);
      if (!header_done_) {
        header_done_ = true;
        mapper_.header(std::move(cells), out);
      } else {
        mapper_.row(cells, out);
      }
      out += '\n';
    }
    return true;
  }

 private:
  XlsxSheet sheet_;
  RowMapper mapper_;
  std::vector<SheetCell> cells_;
  uint32_t line_ = 0;
  bool header_done_ = false, done_ = false;
};

// True if the head of a text ends its lines with CR alone: it holds no LF, and a CR with text after it (a lone CR at
// the very end may be a one-line file's ending).
bool cr_only_lines(std::string_view head) {
  if (head.find('\n') != std::string_view::npos) return false;
  const size_t cr = head.find('\r');
  return cr != std::string_view::npos && head.find_first_not_of("\r", cr) != std::string_view::npos;
}

bool ends_with_ci(const std::string& path, std::string_view e) {
  if (path.size() < e.size()) return false;
  for (size_t i = 0; i < e.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(path[path.size() - e.size() + i])) != e[i]) return false;
  return true;
}

// What the head of a text input says: its header line (if whole in the head) and delimiter.
struct TextSniff {
  char delim = ',';
  bool sep = false;         // an Excel sep= line first
  bool whole_header = false;
  std::string header;       // the first non-blank line after any sep= line
};

TextSniff sniff_text(std::string_view text, bool complete) {
  TextSniff s;
  size_t pos = 0;
  bool first = true;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    if (e == std::string_view::npos && !complete) return s;
    std::string_view line = text.substr(pos, (e == std::string_view::npos ? text.size() : e) - pos);
    pos = e == std::string_view::npos ? text.size() : e + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first && sep_line(line)) {
      s.delim = sep_line(line);
      s.sep = true;
      first = false;
      continue;
    }
    first = false;
    if (blank_line(line, s.sep ? s.delim : ',')) continue;
    if (!s.sep) s.delim = guess_delimiter(line);
    s.header = std::string(line);
    s.whole_header = true;
    return s;
  }
  return s;
}

// Whether a plain CSV header (comma-delimited, no map) names record fields only, each once, and is whole: then
// the file is read as it is.
bool header_reads_as_is(const TextSniff& s) {
  if (!s.whole_header || s.delim != ',' || quote_open(s.header, ',', false)) return false;
  std::vector<std::string> cells;
  std::string err;
  if (!split_delimited(s.header, ',', cells, err)) return false;
  while (cells.size() > 1 && cells.back().empty()) cells.pop_back();
  for (size_t i = 0; i < cells.size(); ++i) {
    if (column_kind(cells[i]) == ColumnKind::unknown) return false;
    if (std::find(cells.begin(), cells.begin() + static_cast<std::ptrdiff_t>(i), cells[i]) != cells.begin() + static_cast<std::ptrdiff_t>(i))
      return false;
  }
  return true;
}

}  // namespace

DecodedInput::DecodedInput(const std::string& path, std::FILE* raw, const ReadOptions& options)
    : path_(path), options_(options), raw_(raw) {
  const std::string name = path == "-" ? "standard input" : "'" + path + "'";
  if (!raw_) {
    raw_ = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!raw_) throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
    own_raw_ = path != "-";
  }
  head_.resize(sniff_bytes);
  head_.resize(std::fread(head_.data(), 1, head_.size(), raw_));
  if (std::ferror(raw_)) throw std::runtime_error("cannot read " + name + ": " + std::strerror(errno));
  const bool complete = head_.size() < sniff_bytes;
  if (head_.substr(0, 4) == "PK\x03\x04" && (ends_with_ci(path, ".xlsx") || ends_with_ci(path, ".xlsm"))) {
    if (path == "-") throw std::runtime_error("an .xlsx workbook on standard input: give it as a file");
    format_ = InputFormat::csv;
    make_ = [this] { return std::make_unique<SheetProducer>(path_, options_); };
    producer_ = make_();  // opens the workbook now: a missing sheet is a file-level error here
    how_ = "sheet '" + static_cast<SheetProducer&>(*producer_).name() + "'";
  } else {
    Charset cs = head_.substr(0, 2) == "\xFF\xFE" && head_.substr(0, 4) != std::string_view("\xFF\xFE\0\0", 4)
                     ? Charset::utf16le
                 : head_.substr(0, 2) == "\xFE\xFF" ? Charset::utf16be
                                                    : Charset::utf8;
    std::string text;  // the head as UTF-8, without a byte order mark
    if (cs != Charset::utf8) {
      Utf16 u(cs);
      u.convert(std::string_view(head_).substr(2), text, complete);
      how_ = cs == Charset::utf16le ? "UTF-16LE" : "UTF-16BE";
    } else {
      text = head_.substr(0, 3) == "\xEF\xBB\xBF" ? head_.substr(3) : head_;
    }
    if (std::string why = unreadable_input(path, cs == Charset::utf8 ? std::string_view(head_) : text); !why.empty())
      throw std::runtime_error(why);
    format_ = guess_format(path, text);
    // Lines ended by CR alone (classic Mac OS): CSV and JSONL would read as one line, every record in it lost in one
    // rejected row. A file-level error instead. (A JSON document reads CR as white space.)
    if (format_ != InputFormat::json && cr_only_lines(text))
      throw std::runtime_error(name + " ends its lines with CR alone (classic Mac OS line endings): its rows would "
                               "read as one line; save it with LF or CRLF line endings");
    TextSniff s;
    if (format_ == InputFormat::csv) s = sniff_text(text, complete);
    if (format_ != InputFormat::csv && options.columns)
      throw std::runtime_error(name + " is JSON: a column map (--columns) applies to CSV and .xlsx inputs");
    const bool as_is = cs == Charset::utf8 && (format_ != InputFormat::csv ||
                                               (!options.any() && !s.sep && header_reads_as_is(s) &&
                                                first_non_utf8(text, !complete) == std::string::npos));
    if (as_is) return;  // read as it is: file() is the file, head() its first bytes
    if (format_ == InputFormat::csv && s.delim != ',') how_ += std::string(how_.empty() ? "" : "; ") + delimiter_name(s.delim) + "-delimited";
    const char delim = s.delim;
    make_ = [this, cs, delim] {
      return std::make_unique<TextProducer>(raw_, head_, cs, format_, delim, options_);
    };
    producer_ = make_();
  }
  if (options.columns) how_ += std::string(how_.empty() ? "" : "; ") + "column map '" + options.columns->path + "'";
  if (options.decimal_comma) how_ += std::string(how_.empty() ? "" : "; ") + "decimal comma";
  cookie_io_functions_t io{&DecodedInput::read, nullptr, &DecodedInput::seek, nullptr};
  out_ = fopencookie(this, "rb", io);
  if (!out_) throw std::runtime_error("cannot read " + name);
}

DecodedInput::~DecodedInput() {
  if (out_) std::fclose(out_);
  if (own_raw_) std::fclose(raw_);
}

ssize_t DecodedInput::read(void* cookie, char* buf, size_t n) {
  auto* self = static_cast<DecodedInput*>(cookie);
  try {
    while (self->pending_at_ >= self->pending_.size()) {
      self->pending_.clear();
      self->pending_at_ = 0;
      if (!self->producer_->more(self->pending_)) return 0;
    }
  } catch (const std::exception&) {
    errno = EIO;
    return -1;
  }
  size_t k = std::min(n, self->pending_.size() - self->pending_at_);
  std::memcpy(buf, self->pending_.data() + self->pending_at_, k);
  self->pending_at_ += k;
  self->served_ += k;
  return static_cast<ssize_t>(k);
}

void DecodedInput::restart() {
  if (std::fseek(raw_, 0, SEEK_SET) != 0) throw std::runtime_error("cannot go back in " + path_);
  std::string h(sniff_bytes, '\0');
  h.resize(std::fread(h.data(), 1, h.size(), raw_));
  if (h != head_) throw std::runtime_error(path_ + " changed");
  producer_ = make_();  // (raw_ is just past the head, where a fresh producer continues after it)
  pending_.clear();
  pending_at_ = 0;
  served_ = 0;
}

int DecodedInput::seek(void* cookie, off64_t* off, int whence) {
  auto* self = static_cast<DecodedInput*>(cookie);
  int64_t to = whence == SEEK_SET ? *off : whence == SEEK_CUR ? static_cast<int64_t>(self->served_) + *off : -1;
  if (to < 0) return -1;
  try {
    if (static_cast<uint64_t>(to) < self->served_) self->restart();
    char buf[1 << 14];
    while (self->served_ < static_cast<uint64_t>(to)) {
      size_t want = std::min<uint64_t>(sizeof buf, static_cast<uint64_t>(to) - self->served_);
      if (read(self, buf, want) <= 0) return -1;
    }
  } catch (const std::exception&) {
    return -1;
  }
  *off = to;
  return 0;
}

}  // namespace tollgate
