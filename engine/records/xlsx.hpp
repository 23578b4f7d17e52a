// tollgate — reading a sheet of an Excel workbook (.xlsx, Office Open XML, ECMA-376 Part 1 §18) row by row: the zip
// through libzip, the XML through expat, streamed (the sheet's XML is inflated and parsed a piece at a time; only
// the shared strings table is held, as every reader must). Cells come as their text: shared strings, inline strings,
// formula results, numbers as written in the file, booleans as 0/1; which cells are dates is the caller's business
// (decode.cpp converts serial numbers in date fields).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tollgate {

// One cell of a sheet row.
struct SheetCell {
  enum Kind { text, number, boolean, error };
  uint32_t col = 0;    // 0-based column (A = 0)
  Kind kind = text;
  std::string value;   // text; a number as written (<v>, may have an exponent); a boolean "0"/"1"; an error "#N/A"
};

class XlsxSheet {
 public:
  // Opens the workbook at `path` and its sheet named `sheet` ("" the first). Throws std::runtime_error naming the
  // file on: not a zip, not a workbook, no such sheet (listing the sheets), a malformed shared strings table.
  XlsxSheet(const std::string& path, const std::string& sheet);
  ~XlsxSheet();
  XlsxSheet(const XlsxSheet&) = delete;
  XlsxSheet& operator=(const XlsxSheet&) = delete;

  // The next row that has a cell: its 1-based number and its cells in column order. False at the end of the sheet;
  // then error() says why if the sheet could not be read to its end (damaged zip or XML).
  bool next_row(uint32_t& row, std::vector<SheetCell>& cells);
  const std::string& error() const { return error_; }
  bool date1904() const { return date1904_; }      // the workbook counts days from 1904 (workbookPr date1904)
  const std::string& sheet_name() const { return name_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::string error_, name_;
  bool date1904_ = false;
};

// "A" for column 0, "Z" for 25, "AA" for 26.
std::string column_letters(uint32_t col);

}  // namespace tollgate
