// tollgate — the RFC 4180 CSV records that screening lists and resolution files are made of (internal to screen/).
#pragma once
#include <string>
#include <vector>

namespace tollgate::screen_csv {

// RFC 4180 records: quoted cells may hold commas, doubled quotes and line breaks. `line` is each record's first line.
struct CsvReader {
  const std::string& s;
  size_t pos = 0;
  int line = 1;
  bool next(std::vector<std::string>& cells, int& first_line) {
    cells.clear();
    if (pos >= s.size()) return false;
    first_line = line;
    std::string cell;
    bool quoted = false, was_quoted = false;
    while (pos < s.size()) {
      char c = s[pos++];
      if (quoted) {
        if (c == '"' && pos < s.size() && s[pos] == '"') cell += '"', ++pos;
        else if (c == '"') quoted = false;
        else { if (c == '\n') ++line; cell += c; }
      } else if (c == '"' && cell.empty() && !was_quoted) {
        quoted = was_quoted = true;
      } else if (c == ',') {
        cells.push_back(std::move(cell)), cell.clear(), was_quoted = false;
      } else if (c == '\n') {
        ++line;
        break;
      } else if (c != '\r') {
        cell += c;
      }
    }
    cells.push_back(std::move(cell));
    return true;
  }
};


}  // namespace tollgate::screen_csv
