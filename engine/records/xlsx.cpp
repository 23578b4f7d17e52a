// tollgate — .xlsx sheets read row by row (see xlsx.hpp). The workbook's parts (ECMA-376 Part 1): xl/workbook.xml
// names the sheets and their relationship ids; xl/_rels/workbook.xml.rels gives each id its part; the sheet part
// (xl/worksheets/sheetN.xml) holds <row r="N"><c r="B2" t="s"><v>3</v></c>...; xl/sharedStrings.xml holds the
// strings that t="s" cells index. Element names are matched without their namespace prefix. A DOCTYPE (which a
// workbook never has) stops the parse: no entity is ever expanded.
#include "engine/records/xlsx.hpp"

#include <expat.h>
#include <zip.h>

#include <deque>
#include <functional>
#include <map>
#include <stdexcept>
#include <string_view>

namespace tollgate {
namespace {

constexpr uint32_t max_columns = 16384;    // XFD, Excel's last column
constexpr uint32_t max_rows = 1048576;     // Excel's last row
constexpr size_t max_cell_bytes = 1 << 16;  // a cell's text kept (Excel's limit is 32,767 characters)
constexpr uint64_t max_part_bytes = uint64_t{256} << 20;  // the workbook, its relationships, the shared strings

std::string_view local_name(const XML_Char* name) {
  std::string_view n(name);
  size_t c = n.rfind(':');
  return c == std::string_view::npos ? n : n.substr(c + 1);
}

const XML_Char* attr(const XML_Char** atts, std::string_view want) {
  for (size_t i = 0; atts[i]; i += 2)
    if (local_name(atts[i]) == want) return atts[i + 1];
  return nullptr;
}

// A parse with expat, handlers given as functions; DOCTYPE refused. `feed` gives the bytes a piece at a time.
struct Xml {
  XML_Parser p = XML_ParserCreate("UTF-8");
  std::function<void(std::string_view, const XML_Char**)> start;
  std::function<void(std::string_view)> end;
  std::function<void(std::string_view)> text;
  std::string error;
  Xml() {
    XML_SetUserData(p, this);
    XML_SetElementHandler(
        p, [](void* u, const XML_Char* n, const XML_Char** a) { static_cast<Xml*>(u)->start(local_name(n), a); },
        [](void* u, const XML_Char* n) { static_cast<Xml*>(u)->end(local_name(n)); });
    XML_SetCharacterDataHandler(p, [](void* u, const XML_Char* s, int len) {
      auto* x = static_cast<Xml*>(u);
      if (x->text) x->text(std::string_view(s, static_cast<size_t>(len)));
    });
    XML_SetStartDoctypeDeclHandler(p, [](void* u, const XML_Char*, const XML_Char*, const XML_Char*, int) {
      auto* x = static_cast<Xml*>(u);
      x->error = "a DOCTYPE declaration (a workbook has none)";
      XML_StopParser(x->p, XML_FALSE);
    });
  }
  ~Xml() { XML_ParserFree(p); }
  Xml(const Xml&) = delete;
  Xml& operator=(const Xml&) = delete;
  bool parse(std::string_view s, bool last) {
    if (!error.empty()) return false;
    if (XML_Parse(p, s.data(), static_cast<int>(s.size()), last ? XML_TRUE : XML_FALSE) == XML_STATUS_ERROR) {
      if (error.empty())
        error = std::string(XML_ErrorString(XML_GetErrorCode(p))) + " at line " +
                std::to_string(XML_GetCurrentLineNumber(p));
      return false;
    }
    return error.empty();
  }
};

// "C5" -> column 2 (0-based); false if it is not a cell reference within Excel's columns.
bool column_of(std::string_view ref, uint32_t& col) {
  uint32_t c = 0;
  size_t i = 0;
  for (; i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z'; ++i) {
    c = c * 26 + static_cast<uint32_t>(ref[i] - 'A' + 1);
    if (c > max_columns) return false;
  }
  if (i == 0) return false;
  col = c - 1;
  return true;
}

}  // namespace

struct XlsxSheet::Impl {
  zip_t* zip = nullptr;
  zip_file_t* part = nullptr;
  std::string path;
  std::vector<std::string> shared;
  Xml xml;
  std::deque<std::pair<uint32_t, std::vector<SheetCell>>> ready;  // rows parsed, not yet taken
  bool done = false;
  // The sheet's parse state.
  uint32_t row = 0, last_row = 0, next_col = 0;
  std::vector<SheetCell> cells;
  SheetCell cell;
  std::string type, value, inline_text;
  bool in_v = false, in_t = false, in_is = false, in_cell = false, too_long = false;

  ~Impl() {
    if (part) zip_fclose(part);
    if (zip) zip_discard(zip);
  }

  // A whole part (small ones: the workbook, its relationships), through `x`.
  void read_part(const std::string& name, Xml& x, bool required) {
    zip_file_t* f = zip_fopen(zip, name.c_str(), 0);
    if (!f) {
      if (!required) return;
      throw std::runtime_error("'" + path + "' is not an Excel workbook (no " + name + ")");
    }
    char buf[1 << 16];
    uint64_t total = 0;
    zip_int64_t got;
    bool ok = true;
    while (ok && (got = zip_fread(f, buf, sizeof buf)) > 0) {
      total += static_cast<uint64_t>(got);
      ok = total <= max_part_bytes && x.parse(std::string_view(buf, static_cast<size_t>(got)), false);
    }
    zip_fclose(f);
    if (ok && got < 0) x.error = "the zip is damaged";
    if (ok && got == 0) ok = x.parse("", true);
    if (total > max_part_bytes) x.error = "larger than 256 MiB";
    if (!x.error.empty()) throw std::runtime_error("'" + path + "': " + name + ": " + x.error);
  }

  void load_shared_strings() {
    Xml x;
    bool in_si = false, in_text = false, in_rph = false;
    std::string s;
    x.start = [&](std::string_view n, const XML_Char**) {
      if (n == "si") in_si = true, s.clear();
      else if (n == "rPh") in_rph = true;  // phonetic reading (Japanese): not the cell's text
      else if (n == "t" && in_si && !in_rph) in_text = true;
    };
    x.end = [&](std::string_view n) {
      if (n == "si") in_si = false, shared.push_back(std::move(s));
      else if (n == "rPh") in_rph = false;
      else if (n == "t") in_text = false;
    };
    x.text = [&](std::string_view t) {
      if (in_text && s.size() < max_cell_bytes) s.append(t);
    };
    read_part("xl/sharedStrings.xml", x, false);
  }

  void cell_start(const XML_Char** atts) {
    in_cell = true;
    cell = SheetCell{};
    const XML_Char* r = attr(atts, "r");
    uint32_t col = next_col;
    if (r && !column_of(r, col)) {
      xml.error = "cell reference '" + std::string(r).substr(0, 20) + "' is not one Excel has";
      XML_StopParser(xml.p, XML_FALSE);
    }
    cell.col = col;
    next_col = col + 1;
    const XML_Char* t = attr(atts, "t");
    type = t ? t : "n";
    value.clear();
    inline_text.clear();
    too_long = false;
  }

  void cell_end() {
    in_cell = false;
    std::string& v = type == "inlineStr" ? inline_text : value;
    if (v.empty() && type != "inlineStr" && type != "s") return;  // a styled empty cell
    if (type == "s") {
      size_t i = 0;
      bool ok = !value.empty() && value.size() < 10 && value.find_first_not_of("0123456789") == std::string::npos;
      if (ok) i = std::stoul(value);
      if (!ok || i >= shared.size()) {
        cell.kind = SheetCell::error;
        cell.value = "(a shared string index '" + value.substr(0, 12) + "' the workbook does not have)";
      } else {
        cell.value = shared[i];
      }
    } else {
      cell.kind = type == "n" ? SheetCell::number : type == "b" ? SheetCell::boolean
                  : type == "e" ? SheetCell::error : SheetCell::text;  // str, inlineStr, d (an ISO date text)
      cell.value = std::move(v);
    }
    if (too_long) cell = {cell.col, SheetCell::error, "(text longer than 64 KiB)"};
    if (!cell.value.empty() || cell.kind != SheetCell::text) cells.push_back(std::move(cell));
  }

  void sheet_handlers() {
    xml.start = [this](std::string_view n, const XML_Char** atts) {
      if (n == "row") {
        const XML_Char* r = attr(atts, "r");
        uint64_t num = last_row + 1;
        if (r) num = std::string_view(r).find_first_not_of("0123456789") == std::string_view::npos &&
                             std::string_view(r).size() < 9 ? std::stoull(r) : 0;
        if (num <= last_row || num > max_rows) {
          xml.error = "row " + std::string(r ? r : "?").substr(0, 12) + " is out of order or beyond Excel's rows";
          XML_StopParser(xml.p, XML_FALSE);
          return;
        }
        row = static_cast<uint32_t>(num);
        next_col = 0;
        cells.clear();
      } else if (n == "c") {
        cell_start(atts);
      } else if (n == "v" && in_cell) {
        in_v = true;
      } else if (n == "is" && in_cell) {
        in_is = true;
      } else if (n == "t" && in_is) {
        in_t = true;
      }
    };
    xml.end = [this](std::string_view n) {
      if (n == "row") {
        last_row = row;
        if (!cells.empty()) ready.emplace_back(row, std::move(cells));
        cells.clear();
      } else if (n == "c") {
        cell_end();
      } else if (n == "v") {
        in_v = false;
      } else if (n == "is") {
        in_is = false;
      } else if (n == "t") {
        in_t = false;
      }
    };
    xml.text = [this](std::string_view t) {
      std::string* into = in_v ? &value : in_t ? &inline_text : nullptr;
      if (!into) return;
      if (into->size() + t.size() > max_cell_bytes) too_long = true;
      else into->append(t);
    };
  }
};

XlsxSheet::XlsxSheet(const std::string& path, const std::string& sheet) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  int err = 0;
  m.zip = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!m.zip) throw std::runtime_error("'" + path + "' is not a readable .xlsx workbook (the zip cannot be opened)");
  // The workbook: its sheets in order, and the 1904 date system.
  std::vector<std::pair<std::string, std::string>> sheets;  // name, relationship id
  {
    Xml x;
    x.start = [&](std::string_view n, const XML_Char** atts) {
      if (n == "sheet") {
        const XML_Char* name = attr(atts, "name");
        const XML_Char* id = attr(atts, "id");
        if (name && id) sheets.emplace_back(name, id);
      } else if (n == "workbookPr") {
        const XML_Char* d = attr(atts, "date1904");
        date1904_ = d && (std::string_view(d) == "1" || std::string_view(d) == "true");
      }
    };
    x.end = [](std::string_view) {};
    m.read_part("xl/workbook.xml", x, true);
  }
  std::map<std::string, std::string> targets;  // relationship id -> part
  {
    Xml x;
    x.start = [&](std::string_view n, const XML_Char** atts) {
      const XML_Char* id = attr(atts, "Id");
      const XML_Char* target = attr(atts, "Target");
      if (n == "Relationship" && id && target) {
        std::string t = target;
        targets[id] = t.rfind('/', 0) == 0 ? t.substr(1) : "xl/" + t;
      }
    };
    x.end = [](std::string_view) {};
    m.read_part("xl/_rels/workbook.xml.rels", x, true);
  }
  std::string list;
  const std::pair<std::string, std::string>* chosen = nullptr;
  for (const auto& s : sheets) {
    list += (list.empty() ? "'" : ", '") + s.first + "'";
    if (!chosen && (sheet.empty() || s.first == sheet)) chosen = &s;
  }
  if (!chosen)
    throw std::runtime_error("'" + path + "' has " + (sheet.empty() ? "no sheet" : "no sheet named '" + sheet + "'") +
                             (list.empty() ? "" : " (its sheets: " + list + ")"));
  name_ = chosen->first;
  auto t = targets.find(chosen->second);
  if (t == targets.end()) throw std::runtime_error("'" + path + "': sheet '" + name_ + "' has no part in the workbook");
  m.load_shared_strings();
  m.part = zip_fopen(m.zip, t->second.c_str(), 0);
  if (!m.part) throw std::runtime_error("'" + path + "': sheet '" + name_ + "' (" + t->second + ") is missing");
  m.sheet_handlers();
}

XlsxSheet::~XlsxSheet() = default;

bool XlsxSheet::next_row(uint32_t& row, std::vector<SheetCell>& cells) {
  Impl& m = *impl_;
  char buf[1 << 16];
  while (m.ready.empty() && !m.done) {
    zip_int64_t got = zip_fread(m.part, buf, sizeof buf);
    if (got < 0) {
      error_ = "sheet '" + name_ + "': the zip is damaged after row " + std::to_string(m.last_row);
      m.done = true;
    } else if (!m.xml.parse(std::string_view(buf, static_cast<size_t>(got)), got == 0)) {
      error_ = "sheet '" + name_ + "' after row " + std::to_string(m.last_row) + ": " + m.xml.error;
      m.done = true;
    } else if (got == 0) {
      m.done = true;
    }
  }
  if (m.ready.empty()) return false;
  row = m.ready.front().first;
  cells = std::move(m.ready.front().second);
  m.ready.pop_front();
  return true;
}

std::string column_letters(uint32_t col) {
  std::string s;
  for (uint64_t c = uint64_t{col} + 1; c > 0; c = (c - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (c - 1) % 26));
  return s;
}

}  // namespace tollgate
