// tollgate — the RFC 4180 CSV records that screening lists and resolution files are made of (internal to screen/).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::screen_csv {

// RFC 4180 records: quoted cells may hold commas, doubled quotes and line breaks. `line` is each record's first line.
// As engine/records reads CSV (issue 13): a quote opens a quoted cell only at the cell's start (elsewhere it is a
// literal character: 19" Rack); a record with an unclosed quote is its first line alone, and an error, so that one
// stray quote never swallows the rest of the file (the rows after it are read as rows); text after a closing quote
// is an error. `error` says why the record just returned cannot be read ("" if it can).
struct CsvReader {
  std::string_view s;
  size_t pos = 0;
  int line = 1;
  std::string error = {};
  bool next(std::vector<std::string>& cells, int& first_line) {
    cells.clear();
    error.clear();
    if (pos >= s.size()) return false;
    first_line = line;
    const size_t start = pos;
    std::string cell;
    bool quoted = false, was_quoted = false, closed = false;
    while (pos < s.size()) {
      char c = s[pos++];
      if (quoted) {
        if (c == '"' && pos < s.size() && s[pos] == '"') cell += '"', ++pos;
        else if (c == '"') quoted = false, closed = true;
        else { if (c == '\n') ++line; cell += c; }
      } else if (c == '"' && cell.empty() && !was_quoted) {
        quoted = was_quoted = true;
      } else if (c == ',') {
        cells.push_back(std::move(cell)), cell.clear(), was_quoted = closed = false;
      } else if (c == '\n') {
        ++line;
        break;
      } else if (c != '\r') {
        if (closed && error.empty()) error = "text after a closing quote";
        cell += c;
      }
    }
    // Unclosed, or a quoted cell joined across lines into a record that cannot be read: the record is its first
    // line alone (an unclosed quote there), and reading goes on at the next line.
    if (quoted || (!error.empty() && line > first_line + 1)) {
      error = "an unclosed quote";
      size_t nl = s.find('\n', start);
      pos = nl == std::string::npos ? s.size() : nl + 1;
      line = first_line + 1;
      cells.assign(1, std::string());
      return true;
    }
    cells.push_back(std::move(cell));
    return true;
  }
};

}  // namespace tollgate::screen_csv
