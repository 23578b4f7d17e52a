// tollgate — record readers. JSON goes through a SAX handler into a small value tree that keeps each number's
// text as written (so money is exact and duplicate keys are caught); CSV rows become the same tree with untyped
// cells; one validator turns either into Facts.
#include "engine/records/record.hpp"

#include <algorithm>
#include <mutex>
#include <array>
#include <bit>
#include <bitset>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <fstream>
#include <optional>
#include <random>
#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <sstream>
#include <stdexcept>

#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "engine/base/money.hpp"
#include "engine/base/number.hpp"
#include "engine/base/text.hpp"
#include "engine/lang/compile.hpp"
#include "engine/records/stream.hpp"

namespace tollgate {
namespace {

// Numbers a record gives, exactly (whole millionths): at most 1e12, and bit_length a whole number from 1 to 64.
constexpr int64_t max_number_micro = 1'000'000'000'000 * micro_per_unit;
bool whole_bits(int64_t micro) {
  return micro % micro_per_unit == 0 && micro >= micro_per_unit && micro <= 64 * micro_per_unit;
}

// The first byte of `s` that is not UTF-8 text, or is a control character other than tab, CR and LF (a quoted
// CSV cell may run over lines; a bidirectional control is one too), or npos. Text fields must pass: a NUL, an escape
// sequence or a right-to-left override in one is an error.
size_t first_unprintable(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = printable_char(s, i);
    if (!n && (s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) n = 1;
    if (!n) return i;
    i += n;
  }
  return std::string_view::npos;
}

// Why the byte at s[bad] (first_unprintable's answer) makes `s` no text field, for the message.
std::string unprintable_reason(std::string_view s, size_t bad) {
  if (char32_t cp = bidi_control(s, bad)) {
    char u[16];
    std::snprintf(u, sizeof u, "%04X", static_cast<unsigned>(cp));
    return "byte " + std::to_string(bad + 1) + " starts U+" + u +
           ", a bidirectional control character: it can make the text display other than it reads";
  }
  return "byte " + std::to_string(bad + 1) + " is a control character or not UTF-8";
}

// A parsed value: JSON with number texts kept, or a CSV cell (kind cell, typed by the schema later).
struct JV {
  enum K { null_, boolean, number, string, object, array, cell } k = null_;
  std::string text;   // string contents, number text, or cell text
  bool b = false;
  std::vector<struct JVMember> members;  // (a vector of an incomplete type: std::pair<std::string, JV> is not
                                         // allowed here, and clang's library rejects it)
  std::vector<JV> items;
};

// An object member. A struct with a constructor rather than std::pair or an aggregate: clang 14 has no
// parenthesised aggregate initialisation (emplace_back(key, value)).
struct JVMember {
  std::string first;
  JV second;
  JVMember(std::string k, JV v) : first(std::move(k)), second(std::move(v)) {}
};

struct Sax : nlohmann::json_sax<nlohmann::json> {
  std::vector<JV*> stack;
  std::vector<std::string> keys;
  JV root;
  bool have_root = false;
  std::string error;
  int depth = 0;       // objects and arrays open now
  int depth_base = 0;  // levels above a record (1 inside a JSON array document)

  // Bounds the tree (and every walk over it: canonical form, validation, destruction) to max_record_depth levels
  // below the record: deeper input fails here, as a per-record error, instead of recursing without end.
  bool open_level() {
    if (++depth - depth_base <= max_record_depth) return true;
    error = "the record is nested more than " + std::to_string(max_record_depth) +
            " levels deep (objects and arrays); a record needs 2";
    return false;
  }

  JV* put(JV v) {
    if (stack.empty()) {
      root = std::move(v);
      have_root = true;
      return &root;
    }
    JV* top = stack.back();
    if (top->k == JV::array) {
      top->items.push_back(std::move(v));
      return &top->items.back();
    }
    for (const auto& m : top->members)
      if (m.first == keys.back()) {
        error = "duplicate field '" + keys.back() + "'";
        return nullptr;
      }
    top->members.emplace_back(keys.back(), std::move(v));
    return &top->members.back().second;
  }
  bool scalar(JV v) { return put(std::move(v)) != nullptr; }
  bool null() override { return scalar(JV{}); }
  bool boolean(bool val) override { JV v; v.k = JV::boolean; v.b = val; return scalar(v); }
  bool number_integer(number_integer_t val) override { JV v; v.k = JV::number; v.text = std::to_string(val); return scalar(v); }
  bool number_unsigned(number_unsigned_t val) override { JV v; v.k = JV::number; v.text = std::to_string(val); return scalar(v); }
  bool number_float(number_float_t, const string_t& s) override { JV v; v.k = JV::number; v.text = s; return scalar(v); }
  bool string(string_t& val) override { JV v; v.k = JV::string; v.text = val; return scalar(v); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override {
    if (!open_level()) return false;
    JV v; v.k = JV::object;
    JV* p = put(std::move(v));
    if (!p) return false;
    stack.push_back(p);
    return true;
  }
  bool key(string_t& val) override { keys.push_back(val); return true; }
  bool end_object() override {
    --depth;
    stack.pop_back();
    if (!stack.empty() && stack.back()->k == JV::object) keys.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    if (!open_level()) return false;
    JV v; v.k = JV::array;
    JV* p = put(std::move(v));
    if (!p) return false;
    stack.push_back(p);
    return true;
  }
  bool end_array() override {
    --depth;
    stack.pop_back();
    if (!stack.empty() && stack.back()->k == JV::object) keys.pop_back();
    return true;
  }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();
    auto p = what.find("syntax error");
    error = printable("not valid JSON at byte " + std::to_string(pos) +
                      (p != std::string::npos ? ": " + what.substr(p, 300) : ""));
    return false;
  }
};

// `levels_above`: 1 for a JSON array document, whose elements are the records.
bool parse_json(std::string_view text, JV& out, std::string& error, int levels_above = 0) {
  Sax sax;
  sax.depth_base = levels_above;
  bool ok = nlohmann::json::sax_parse(text, &sax);
  if (!ok || !sax.have_root) {
    error = sax.error.empty() ? "not valid JSON" : sax.error;
    return false;
  }
  out = std::move(sax.root);
  return true;
}

// ---- canonical JSON (sorted keys, number texts as given) ------------------------------------------------------
void canonical(const JV& v, std::string& out, bool cell_as_string) {
  switch (v.k) {
    case JV::null_: out += "null"; break;
    case JV::boolean: out += v.b ? "true" : "false"; break;
    case JV::number: out += v.text; break;
    case JV::string: append_json_string(out, v.text); break;
    case JV::cell:
      if (cell_as_string) append_json_string(out, v.text);
      else out += v.text;
      break;
    case JV::array:
      out += '[';
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ',';
        canonical(v.items[i], out, cell_as_string);
      }
      out += ']';
      break;
    case JV::object: {
      std::vector<const JVMember*> ms;
      for (const auto& m : v.members) ms.push_back(&m);
      std::sort(ms.begin(), ms.end(), [](auto a, auto b) { return a->first < b->first; });
      out += '{';
      for (size_t i = 0; i < ms.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, ms[i]->first);
        out += ':';
        canonical(ms[i]->second, out, cell_as_string);
      }
      out += '}';
      break;
    }
  }
}

// A Micro product that may exceed int64 (a peak_dense_tops × bit_length), as decimal text.
std::string format_product(i128 micro) {
  const int64_t whole = static_cast<int64_t>(micro / micro_per_unit), frac = static_cast<int64_t>(micro % micro_per_unit);
  return std::to_string(whole) + (frac ? format_micro(frac).substr(1) : std::string());
}

// ---- the schema of input fields ---------------------------------------------------------------------------------
// How each field is read, from the compiled Schema (the rules' `field` declarations): the core fields the engine
// reads itself keep their special readers (the enumerated texts, quantity, money, the chip reference), every other
// field is read by its declared type.
enum class In {
  text, date, country, integer, money, number, boolean, chip, type, role, designer_status,
  packaged_by,        // front_end_fabricator | approved_osat | other (encoding.md r2, §5)
  tops_by_precision,  // [{"peak_dense_tops": N, "bit_length": B}, ...] (encoding.md r2, §2 TPP)
  owners,             // end_user_owners: [{"name", "percent", "country", "of"}, ...]; CSV "Name:percent[:CC[:of]];..."
  whole               // a declared integer field other than quantity: a whole number from 0 to 10^12
};
struct InField {
  std::string name;        // as the record gives it ("tpp" in a chip object, "chip_tpp" in CSV stripped to "tpp")
  In in = In::text;
  int slot = -1;           // Slot, or TextSlot for text-like; -1 for input-only fields
  bool positive = false;   // a number that must be greater than 0
  bool required = false;   // in this record kind
};

}  // namespace

// The reader's tables for one Schema: its fields per record kind, in declaration order.
struct InputSchema {
  uint64_t serial = 0;   // the Schema's
  std::array<std::vector<InField>, 3> kinds;  // [RecordKind]; chip: the chip object's fields
  std::array<std::vector<std::string>, 3> names;  // the same names (for "did you mean")
  uint64_t chip_slots = 0;
  uint32_t chip_text_slots = 0;
};

std::shared_ptr<const InputSchema> make_input_schema(const Schema& schema) {
  auto in = std::make_shared<InputSchema>();
  in->serial = schema.serial;
  in->chip_slots = schema.chip_slots;
  in->chip_text_slots = schema.chip_text_slots;
  for (auto kind : {RecordKind::chip, RecordKind::shipment, RecordKind::fab_order}) {
    auto& table = in->kinds[static_cast<size_t>(kind)];
    if (kind != RecordKind::chip) table.push_back({"type", In::type, -1, false, false});
    for (int i : schema.by_kind[static_cast<size_t>(kind)]) {
      const FieldInfo& f = schema.fields[static_cast<size_t>(i)];
      InField x;
      x.name = kind == RecordKind::chip ? f.name.substr(5) : f.name;
      x.slot = f.slot;
      x.positive = f.positive;
      x.required = (f.required >> static_cast<int>(kind)) & 1;
      switch (f.input) {
        case InputType::number: x.in = In::number; break;
        case InputType::integer: x.in = f.core ? In::integer : In::whole; break;
        case InputType::money: x.in = In::money; break;
        case InputType::boolean: x.in = In::boolean; break;
        case InputType::date: x.in = In::date; break;
        case InputType::country: x.in = In::country; break;
        case InputType::text: x.in = In::text; break;
        case InputType::chip: x.in = In::chip; break;
        case InputType::tops_list: x.in = In::tops_by_precision; break;
      }
      if (f.core && f.slot == t_role && f.type == ValueType::text) x.in = In::role;
      if (f.core && f.slot == t_designer_status && f.type == ValueType::text) x.in = In::designer_status;
      if (f.core && f.slot == t_packaged_by && f.type == ValueType::text) x.in = In::packaged_by;
      if (f.core && f.slot == t_end_user_owners && f.type == ValueType::text) x.in = In::owners;
      table.push_back(std::move(x));
    }
    for (const auto& x : table) in->names[static_cast<size_t>(kind)].push_back(x.name);
  }
  return in;
}

namespace {

const std::shared_ptr<const InputSchema>& core_input_ptr() {
  static const std::shared_ptr<const InputSchema> in = make_input_schema(core_schema());
  return in;
}
const InputSchema& core_input() { return *core_input_ptr(); }

// The fields column maps and decoded spreadsheets are checked against (column_kind): those of the catalog loaded
// last (each Catalog is built from a compiled program's schema, rules/schema.tg), else the core fields.
std::mutex columns_schema_mutex;
std::shared_ptr<const InputSchema> columns_schema_ptr;
std::shared_ptr<const InputSchema> columns_schema() {
  std::lock_guard<std::mutex> lock(columns_schema_mutex);
  return columns_schema_ptr ? columns_schema_ptr : core_input_ptr();
}

// The tables a reader uses: the catalog's (built from the rules' schema), or the core fields' without a catalog.
const InputSchema& input_of(const Catalog* catalog) {
  return catalog && catalog->input() ? *catalog->input() : core_input();
}

// A record's fields seen so far, by index in its kind's table.
using Seen = std::bitset<128>;

// For a number that failed to read: a hint when it is written with a decimal comma ("25.000,00", "12,5"), which is
// never guessed (a comma may also separate thousands): the user says so with --decimal-comma.
std::string comma_hint(std::string_view text) {
  if (text.find(',') == std::string_view::npos) return "";
  return " (a decimal comma? tollgate reads '.' as the decimal point unless given --decimal-comma)";
}

// The marker that starts a rejected-row line (rejected_row_text): \x01, a token drawn once per process, \x01.
const std::string& rejected_marker() {
  static const std::string m = [] {
    std::random_device rd;
    char buf[32];
    std::snprintf(buf, sizeof buf, "\x01%08x%08x\x01", rd(), rd());
    return std::string(buf);
  }();
  return m;
}

// A rejected-row line back into its error; false if the line is not one (then it is read as a CSV row).
bool read_rejected_row(std::string_view row, Record& rec) {
  const std::string& m = rejected_marker();
  if (row.substr(0, m.size()) != m) return false;
  row.remove_prefix(m.size());
  std::string_view parts[5];
  for (int i = 0; i < 4; ++i) {
    size_t e = row.find('\x1f');
    if (e == std::string_view::npos) return false;
    parts[i] = row.substr(0, e);
    row.remove_prefix(e + 1);
  }
  parts[4] = row;
  rec.ok = false;
  rec.file_level = parts[0] == "F";
  rec.error = {std::string(parts[1]), std::string(parts[2]), std::string(parts[3])};
  rec.canonical = std::string(parts[3]);
  rec.rewriter_reject = true;
  rec.rejected_raw.clear();
  for (size_t i = 0; i < parts[4].size(); ++i) {  // (rejected_row_text's %-escapes undone)
    const char c = parts[4][i];
    if (c == '%' && i + 2 < parts[4].size()) {
      auto hex = [](char h) { return h >= '0' && h <= '9' ? h - '0' : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1; };
      const int hi = hex(parts[4][i + 1]), lo = hex(parts[4][i + 2]);
      if (hi >= 0 && lo >= 0) {
        rec.rejected_raw += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    rec.rejected_raw += c;
  }
  return true;
}

// One owner of the end user (the affiliates rule, encoding.md r2 §7), checked and put in the canonical form
// "name:percent[:CC[:of]]": the name without ':' or ';' (the form's separators), the percent an exact decimal from
// 0 to 100 (as format_micro writes it), the country an ISO alpha-2 code, `of` the name of the owner it owns (an
// indirect owner) or empty when it owns the end user itself. False with the part and the reason if not.
bool canonical_owner(std::string_view name, std::string_view percent, std::string_view country, std::string_view of,
                     std::string& out, std::string& part, std::string& why) {
  auto bad_name = [](std::string_view n) {
    return n.empty() || n.size() > 300 || n.find_first_of(":;") != std::string_view::npos ||
           first_unprintable(n) != std::string_view::npos;
  };
  if (bad_name(name)) {
    part = "name";
    why = "an owner's name must be 1-300 characters of text without ':' or ';'";
    return false;
  }
  NumberError e = NumberError::none;
  auto pct = parse_micro(percent, &e);
  if (!pct || *pct < 0 || *pct > 100 * micro_per_unit) {
    part = "percent";
    why = "percent '" + std::string(percent) + "' must be a decimal from 0 to 100";
    return false;
  }
  if (!country.empty() && country_index(country) < 0) {
    part = "country";
    why = "country '" + std::string(country) + "' is not an ISO 3166-1 alpha-2 code";
    return false;
  }
  if (!of.empty() && bad_name(of)) {
    part = "of";
    why = "'of' must name another owner (1-300 characters, no ':' or ';')";
    return false;
  }
  if (!out.empty()) out += ';';
  out.append(name).append(":").append(format_micro(*pct));
  if (!country.empty() || !of.empty()) out.append(":").append(country);
  if (!of.empty()) out.append(":").append(of);
  return true;
}

// end_user_owners as a CSV cell: "Name:percent[:CC[:of]];..." (DESIGN §4, docs/records.md). False with the
// failing part ("[2].percent") and the reason if any owner is malformed; an empty list is malformed.
bool owners_from_cell(std::string_view cell, std::string& out, std::string& part, std::string& why) {
  out.clear();
  if (cell.size() > 1000) {
    part = "", why = "is longer than 1000 characters";
    return false;
  }
  size_t index = 0;
  for (size_t at = 0; at <= cell.size(); ++index) {
    size_t end = cell.find(';', at);
    if (end == std::string_view::npos) end = cell.size();
    std::string_view item = cell.substr(at, end - at);
    std::string_view parts[4];
    size_t n = 0;
    for (size_t p = 0;; ++n) {
      size_t c = item.find(':', p);
      if (n < 4) parts[n] = item.substr(p, c == std::string_view::npos ? std::string_view::npos : c - p);
      if (c == std::string_view::npos) break;
      p = c + 1;
    }
    ++n;  // the number of parts
    std::string sub;
    if (n < 2 || n > 4) {
      part = "[" + std::to_string(index) + "]";
      why = "owner '" + std::string(item) + "' must be Name:percent, Name:percent:CC or Name:percent:CC:OwnerOf";
      return false;
    }
    if (!canonical_owner(parts[0], parts[1], parts[2], parts[3], out, sub, why)) {
      part = "[" + std::to_string(index) + "]." + sub;
      return false;
    }
    at = end + 1;
  }
  return true;
}

struct Builder {
  Record& rec;
  const Catalog* catalog;
  const InputSchema& in;
  bool bare_chip = false;  // no "type" means chip
  int64_t qty = -1, price = -1;
  // The highest peak_dense_tops × bit_length of tops_by_precision, in millionths (exact; may exceed int64's Micro
  // range, so i128), for the highest-TPP rule (encoding.md r2, Technical Note 2).
  std::optional<i128> best_product{};
  std::string best_product_why{};             // "1978.9 × 8"
  bool inline_chip = false;                   // the shipment's chip is given by its figures, not by a catalog name

  bool fail(std::string code, std::string field, std::string message) {
    if (rec.ok) rec.error = {std::move(code), printable(field), printable(message)};
    rec.ok = false;
    return false;
  }

  static const char* kind_name(JV::K k) {
    switch (k) {
      case JV::null_: return "null";
      case JV::boolean: return "a boolean";
      case JV::number: return "a number";
      case JV::string: return "a string";
      case JV::object: return "an object";
      case JV::array: return "an array";
      default: return "text";
    }
  }

  // The scalar text of a value that must be a string (or a CSV cell).
  bool want_string(const JV& v, const std::string& path, std::string_view& out) {
    if (v.k == JV::string || v.k == JV::cell) { out = v.text; return true; }
    return fail("tollgate.input.type", path, path + " must be a string, not " + kind_name(v.k));
  }

  // The catalog chip `name` names: its exact catalog name, or a name as sold that names one chip (names.cpp); null
  // (the record failed: unknown, or ambiguous) otherwise. The candidates, with their classes, are added by finish().
  const Facts* named_chip(const std::string& name, const std::string& path) {
    if (const Facts* c = catalog->find(name)) return c;
    Catalog::Resolution r = catalog->resolve(name);
    if (r.ambiguous)
      fail("tollgate.input.ambiguous-chip", path,
           "chip '" + name + "' may be any of " + std::to_string(r.candidates.size()) + " catalog chips");
    else if (!r.chip)
      fail("tollgate.input.unknown-chip", path, "chip '" + name + "' is not in the catalog");
    return r.chip;
  }

  bool field(const InField& f, const JV& v, const std::string& path, Facts& facts) {
    std::string_view s;  // into v.text: no copy
    switch (f.in) {
      case In::type: return true;
      case In::text:
        if (!want_string(v, path, s)) return false;
        if (s.empty()) return fail("tollgate.input.value", path, path + " is empty");
        if (s.size() > 1000) return fail("tollgate.input.value", path, path + " is longer than 1000 characters");
        if (size_t bad = first_unprintable(s); bad != std::string_view::npos)
          return fail("tollgate.input.value", path, path + " is not printable UTF-8 text (" + unprintable_reason(s, bad) + ")");
        facts.set_text(f.slot, s);
        return true;
      case In::role: case In::designer_status: case In::packaged_by: {
        if (!want_string(v, path, s)) return false;
        static const std::vector<std::string> roles = {"front_end_fabricator", "osat"};
        static const std::vector<std::string> statuses = {"approved", "authorized", "none"};
        static const std::vector<std::string> packagers = {"front_end_fabricator", "approved_osat", "other"};
        const auto& ok = f.in == In::role ? roles : f.in == In::designer_status ? statuses : packagers;
        if (std::find(ok.begin(), ok.end(), s) == ok.end()) {
          std::string list;
          for (const auto& o : ok) list += (list.empty() ? "" : ", ") + o;
          return fail("tollgate.input.value", path, path + " is '" + std::string(s) + "'; expected one of " + list);
        }
        facts.set_text(f.slot, s);
        return true;
      }
      case In::date: {
        if (!want_string(v, path, s)) return false;
        auto d = parse_date(s);
        if (!d)
          return fail("tollgate.input.date", path,
                      path + " '" + std::string(s) + "' is not a real date (" + std::string(date_form) + ")");
        facts.set_raw(f.slot, *d);
        if (f.slot == s_date) { rec.date = *d; rec.has_date = true; }
        return true;
      }
      case In::country: {
        if (!want_string(v, path, s)) return false;
        int c = country_index(s);
        if (c < 0) {
          std::string upper(s);
          for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          std::string help = upper != s && country_index(upper) >= 0 ? " (codes are upper case)" : "";
          return fail("tollgate.input.country", path,
                      path + " '" + std::string(s) + "' is not an ISO 3166-1 alpha-2 country code" + help);
        }
        facts.set_raw(f.slot, c);
        return true;
      }
      case In::integer: {
        if (v.k != JV::number && v.k != JV::cell) return fail("tollgate.input.type", path, path + " must be a number, not " + kind_name(v.k));
        const std::string& t = v.text;
        if (t.empty() || t.size() > 12 || !std::all_of(t.begin(), t.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
          return fail("tollgate.input.value", path, path + " '" + t + "' must be a whole number from 1 to 1000000000");
        int64_t q = std::stoll(t);
        if (q < 1 || q > 1'000'000'000) return fail("tollgate.input.value", path, path + " " + t + " must be from 1 to 1000000000");
        qty = q;
        facts.set_number(f.slot, q * micro_per_unit);
        return true;
      }
      case In::money: {
        if (v.k != JV::number && v.k != JV::string && v.k != JV::cell)
          return fail("tollgate.input.type", path, path + " must be a decimal amount, not " + kind_name(v.k));
        std::string why;
        auto c = parse_money_cents(v.text, &why);
        if (!c) return fail("tollgate.input.money", path, path + " '" + v.text + "' " + why + comma_hint(v.text));
        price = *c;
        return true;
      }
      case In::number: {
        if (v.k != JV::number && v.k != JV::cell) return fail("tollgate.input.type", path, path + " must be a number, not " + kind_name(v.k));
        // Exact: the decimal text as whole millionths, never a binary double (engine/base/number.hpp).
        NumberError why = NumberError::none;
        auto d = parse_micro(v.text, &why);
        if (!d) return fail("tollgate.input.value", path, path + " '" + v.text + "' " + describe(why) + comma_hint(v.text));
        if (*d < 0) return fail("tollgate.input.value", path, path + " " + v.text + " must not be negative");
        if (*d > max_number_micro) return fail("tollgate.input.value", path, path + " " + v.text + " is absurdly large");
        if (f.positive && *d == 0) return fail("tollgate.input.value", path, path + " must be greater than 0");
        if (f.slot == s_chip_bit_length && !whole_bits(*d))
          return fail("tollgate.input.value", path, path + " " + v.text + " must be a whole number of bits from 1 to 64");
        facts.set_number(f.slot, *d);
        return true;
      }
      case In::tops_by_precision: return tops_list(v, path);
      case In::owners: return owners_list(v, path, facts);
      case In::whole: {
        if (v.k != JV::number && v.k != JV::cell) return fail("tollgate.input.type", path, path + " must be a number, not " + kind_name(v.k));
        const std::string& t = v.text;
        const int64_t low = f.positive ? 1 : 0;
        if (t.empty() || t.size() > 12 || !std::all_of(t.begin(), t.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) ||
            std::stoll(t) < low)
          return fail("tollgate.input.value", path, path + " '" + t + "' must be a whole number from " +
                                                      std::to_string(low) + " to 999999999999");
        facts.set_number(f.slot, std::stoll(t) * micro_per_unit);
        return true;
      }
      case In::boolean: {
        bool b;
        if (v.k == JV::boolean) b = v.b;
        else if (v.k == JV::cell && (v.text == "true" || v.text == "false")) b = v.text == "true";
        else return fail("tollgate.input.type", path, path + " must be true or false");
        facts.set_raw(f.slot, b ? 1 : 0);
        return true;
      }
      case In::chip: {
        if (v.k == JV::string || v.k == JV::cell) {
          if (!catalog) return fail("tollgate.input.catalog", path, "chip '" + v.text + "' named, but no catalog is loaded");
          const Facts* c = named_chip(v.text, path);
          if (!c) return false;
          copy_chip(in, *c, facts);
          return true;
        }
        if (v.k == JV::object) return chip_object(v, "chip.", facts);
        return fail("tollgate.input.type", path, "chip must be a catalog name or an object, not " + std::string(kind_name(v.k)));
      }
    }
    return true;
  }

  // end_user_owners: a non-empty JSON array of {name, percent, country?, of?}, or a CSV cell (owners_from_cell);
  // kept in the canonical text form (canonical_owner) in t_end_user_owners.
  bool owners_list(const JV& v, const std::string& path, Facts& facts) {
    std::string out, part, why;
    if (v.k == JV::cell || v.k == JV::string) {
      if (!owners_from_cell(v.text, out, part, why)) return fail("tollgate.input.value", path + part, path + part + ": " + why);
      facts.set_text(t_end_user_owners, out);
      return true;
    }
    if (v.k != JV::array || v.items.empty())
      return fail("tollgate.input.type", path, path + " must be a non-empty array of {name, percent, country}");
    for (size_t i = 0; i < v.items.size(); ++i) {
      const JV& e = v.items[i];
      const std::string at = path + "[" + std::to_string(i) + "]";
      if (e.k != JV::object) return fail("tollgate.input.type", at, at + " must be an object {name, percent, country}");
      std::string_view name, percent, country, of;
      for (const auto& [k, x] : e.members) {
        const bool number_ok = k == "percent" && x.k == JV::number;
        if (x.k != JV::string && !number_ok)
          return fail("tollgate.input.type", at + "." + k, at + "." + k + " must be " + (k == "percent" ? "a number" : "a string"));
        if (k == "name") name = x.text;
        else if (k == "percent") percent = x.text;
        else if (k == "country") country = x.text;
        else if (k == "of") of = x.text;
        else return fail("tollgate.input.unknown-field", at + "." + k,
                         "unknown field '" + k + "' in " + at + "; expected name, percent, country, of");
      }
      if (percent.empty()) return fail("tollgate.input.missing-field", at + ".percent", at + " needs a percent");
      if (!canonical_owner(name, percent, country, of, out, part, why))
        return fail("tollgate.input.value", at + "." + part, at + "." + part + ": " + why);
    }
    if (out.size() > 1000) return fail("tollgate.input.value", path, path + " is longer than 1000 characters");
    facts.set_text(t_end_user_owners, out);
    return true;
  }

  // tops_by_precision: a non-empty array of {peak_dense_tops, bit_length}; keeps the highest product, exactly.
  bool tops_list(const JV& v, const std::string& path) {
    JV parsed;  // in CSV the cell holds the array as JSON text
    const JV* arr = &v;
    if (v.k == JV::cell) {
      std::string err;
      if (!parse_json(v.text, parsed, err)) return fail("tollgate.input.value", path, path + " is not a JSON array: " + err);
      arr = &parsed;
    }
    if (arr->k != JV::array || arr->items.empty())
      return fail("tollgate.input.type", path, path + " must be a non-empty array of {peak_dense_tops, bit_length}");
    for (size_t i = 0; i < arr->items.size(); ++i) {
      const JV& e = arr->items[i];
      const std::string at = path + "[" + std::to_string(i) + "]";
      if (e.k != JV::object) return fail("tollgate.input.type", at, at + " must be an object");
      std::string_view pdt, bl;
      for (const auto& [k, x] : e.members) {
        if (x.k != JV::number) return fail("tollgate.input.type", at + "." + k, at + "." + k + " must be a number");
        if (k == "peak_dense_tops") pdt = x.text;
        else if (k == "bit_length") bl = x.text;
        else return fail("tollgate.input.unknown-field", at + "." + k,
                         "unknown field '" + k + "' in " + at + "; expected peak_dense_tops and bit_length");
      }
      if (pdt.empty() || bl.empty())
        return fail("tollgate.input.missing-field", at, at + " needs both peak_dense_tops and bit_length");
      NumberError why = NumberError::none;
      auto p = parse_micro(pdt, &why);
      auto bits = parse_micro(bl);
      if (!p) return fail("tollgate.input.value", at + ".peak_dense_tops", at + ".peak_dense_tops '" + std::string(pdt) + "' " + describe(why));
      if (*p < 0 || *p > max_number_micro)
        return fail("tollgate.input.value", at + ".peak_dense_tops",
                    at + ".peak_dense_tops '" + std::string(pdt) + "' is not a number from 0 to 10^12");
      if (!bits || !whole_bits(*bits))
        return fail("tollgate.input.value", at + ".bit_length",
                    at + ".bit_length " + std::string(bl) + " must be a whole number of bits from 1 to 64");
      const i128 prod = static_cast<i128>(*p) * (*bits / micro_per_unit);
      if (!best_product || *best_product < prod) {
        best_product = prod;
        best_product_why = std::string(pdt) + " × " + std::string(bl);
      }
    }
    return true;
  }

  // TPP (encoding.md r2; 15 CFR 774 Supp. 1, 3A090 Technical Notes 1-2): the highest of the given tpp and every
  // peak_dense_tops × bit_length (the single pair and each entry of tops_by_precision), computed exactly on the
  // decimal texts. A given tpp lower than a product is an error; without a tpp, the highest product is the TPP.
  bool finish_tpp(Facts& f, const std::string& prefix) {
    std::optional<i128> best = best_product;
    std::string why = best_product_why;
    if (f.has(s_chip_peak_dense_tops) && f.has(s_chip_bit_length)) {
      const i128 prod = static_cast<i128>(f.num[s_chip_peak_dense_tops]) * (f.num[s_chip_bit_length] / micro_per_unit);
      if (!best || *best < prod) {
        best = prod;
        why = format_micro(f.num[s_chip_peak_dense_tops]) + " × " + format_micro(f.num[s_chip_bit_length]);
      }
    }
    if (!best) return true;
    if (f.has(s_chip_tpp)) {
      if (static_cast<i128>(f.num[s_chip_tpp]) < *best)
        return fail("tollgate.input.tpp", prefix + "tpp",
                    prefix + "tpp " + format_micro(f.num[s_chip_tpp]) + " is lower than peak_dense_tops × bit_length = " +
                        why + " = " + format_product(*best) + "; TPP is the highest value over all bit lengths " +
                        "(15 CFR 774 Supp. 1, 3A090 Technical Note 2)");
      return true;
    }
    if (*best > max_number_micro)
      return fail("tollgate.input.value", prefix + "tpp", prefix + "tpp " + format_product(*best) + " is absurdly large");
    f.set_number(s_chip_tpp, static_cast<int64_t>(*best));
    return true;
  }

  // A catalog chip's fields into a shipment's facts: every slot the schema gives a chip field.
  static void copy_chip(const InputSchema& in, const Facts& from, Facts& to) {
    for (uint64_t bits = from.known & in.chip_slots; bits; bits &= bits - 1) {
      const int s = std::countr_zero(bits);
      to.set_raw(s, from.num[static_cast<size_t>(s)]);  // copied as held
    }
    for (uint32_t bits = from.text_known & in.chip_text_slots; bits; bits &= bits - 1) {
      const int t = std::countr_zero(bits);
      to.set_text(t, from.text(t));
    }
  }

  bool chip_object(const JV& obj, const std::string& prefix, Facts& facts) {
    for (const auto& [k, v] : obj.members) {
      if (v.k == JV::null_ || (v.k == JV::cell && v.text.empty())) continue;
      const auto& chip_fields = in.kinds[static_cast<size_t>(RecordKind::chip)];
      auto it = std::find_if(chip_fields.begin(), chip_fields.end(), [&key = k](const InField& f) { return key == f.name; });
      if (it == chip_fields.end()) {
        if (k == "type" && prefix.empty()) continue;
        std::string guess = closest(k, in.names[static_cast<size_t>(RecordKind::chip)]);
        return fail("tollgate.input.unknown-field", prefix + k, "unknown chip field '" + prefix + k + "'" +
                                                                     (guess.empty() ? "" : "; did you mean '" + prefix + guess + "'?"));
      }
      if (!field(*it, v, prefix + k, facts)) return false;
    }
    finish_tpp(facts, prefix);
    if (prefix == "chip.") inline_chip = true;
    return rec.ok;
  }

  // What a chip's facts may not say together (found by a new user, session 6), checked on every path (JSON, CSV
  // general and fast, catalog chips):
  // - hbm_stack true is a high-bandwidth memory stack shipped as such, with no processing units (encoding.md r2,
  //   §2 "3A090.c HBM"), and the 3A090.a/.b tests do not apply to it; a record that also gives processor figures
  //   (tpp, peak rates, die area, interconnect) contradicts itself, and judging it as a stack could ALLOW a
  //   processor: an error, never a guess.
  // - an inline chip (chip object, chip_ columns) named as a catalog chip would be judged on its own figures but
  //   shown under the catalog chip's name: an error; name the catalog chip alone, or give the inline chip a name of
  //   its own.
  bool chip_consistent(const Facts& f, const std::string& prefix) {
    if (f.has(s_chip_hbm_stack) && f.num[s_chip_hbm_stack] != 0) {
      static const std::pair<int, const char*> processor[] = {
          {s_chip_tpp, "tpp"}, {s_chip_peak_dense_tops, "peak_dense_tops"}, {s_chip_die_area_mm2, "die_area_mm2"},
          {s_chip_interconnect_gbps, "interconnect_gbps"}};
      for (const auto& [slot, name] : processor)
        if (f.has(slot))
          return fail("tollgate.input.hbm-stack", prefix + "hbm_stack",
                      prefix + "hbm_stack is true (a high-bandwidth memory stack, which has no processing units) but " +
                          prefix + name + " is given: a processor with HBM on its package is not an HBM stack " +
                          "(3A090.c); give hbm_stack false, or drop the processor figures");
    }
    if ((inline_chip || bare_chip) && catalog && f.has_text(t_chip_name)) return not_a_catalog_name(f, prefix);
    return true;
  }

  // A chip given by its figures (inline in a shipment, or classify's JSON chip) may not carry a name that names a
  // catalog chip, by its exact name or as it is sold (an alias, a part number, another spelling): it would be judged
  // on its own figures under that chip's name. False (the record fails, naming prefix + "name") if it does. (A name
  // that may be several chips is left alone: resolve() finds several for a mere "S" or "Test chip".)
  bool not_a_catalog_name(const Facts& f, const std::string& prefix) {
    const std::string name(f.text(t_chip_name));
    std::string is, catalog_name = name;
    if (catalog->find(name)) {
      is = "is a catalog chip";
    } else {
      const Catalog::Resolution r = catalog->resolve(name);
      if (!r.chip) return true;
      is = "is catalog chip '" + r.name + "' (" + r.via + ")";
      catalog_name = r.name;
    }
    // (The chip's own figures: a name with none of them, as {"type": "chip", "name": "H20"}, asks for the catalog
    // chip, and is told how to name it; with some, the figures would be judged under the catalog chip's name.)
    bool figures = false;
    for (int slot = s_chip_datacenter; slot <= s_chip_us_available_on; ++slot) figures = figures || f.has(slot);
    const std::string alone = bare_chip ? "{\"name\": \"" + catalog_name + "\"} with no other member, or tollgate " +
                                              "classify '" + catalog_name + "'"
                                        : "\"chip\": \"" + catalog_name + "\"";
    if (!figures)
      return fail("tollgate.input.chip", prefix + "name",
                  prefix + "name '" + name + "' " + is + ", and the record gives none of its figures: to judge " +
                      "the catalog chip, name it alone (" + alone + ")");
    return fail("tollgate.input.chip", prefix + "name",
                prefix + "name '" + name + "' " + is + ", but the record gives the chip's figures: name the " +
                    "catalog chip alone (" + alone + "), or give the inline chip a name of its own");
  }

  void build(const JV& obj) {
    if (obj.k != JV::object) { fail("tollgate.input.type", "", "a record must be a JSON object"); return; }
    std::string type = bare_chip ? "chip" : "shipment";
    // The id first: a record rejected for its type still names itself.
    for (const auto& [k, v] : obj.members)
      if (k == "id" && (v.k == JV::string || v.k == JV::cell))  // as given if it is text (as the CSV fast path)
        rec.id = first_unprintable(v.text) == std::string::npos ? v.text : printable(v.text.substr(0, 1000));
    for (const auto& [k, v] : obj.members)
      if (k == "type") {
        if (v.k != JV::string && v.k != JV::cell) { fail("tollgate.input.type", "type", "type must be a string"); return; }
        if (!v.text.empty()) type = v.text;
      }
    if (type == "chip") {
      rec.kind = RecordKind::chip;
      rec.facts.kind = RecordKind::chip;
      if (chip_object(obj, "", rec.facts)) chip_consistent(rec.facts, "");
      if (rec.facts.has_text(t_chip_name)) rec.id = std::string(rec.facts.text(t_chip_name));
      return;
    }
    if (type != "shipment" && type != "fab_order") {
      fail("tollgate.input.type", "type", "type '" + type + "' is not shipment, fab_order or chip");
      return;
    }
    rec.kind = type == "shipment" ? RecordKind::shipment : RecordKind::fab_order;
    rec.facts.kind = rec.kind;
    const auto& schema = in.kinds[static_cast<size_t>(rec.kind)];
    Seen seen;  // bit i: schema field i was given
    for (const auto& [k, v] : obj.members) {
      if (v.k == JV::null_ || (v.k == JV::cell && v.text.empty())) continue;
      auto it = std::find_if(schema.begin(), schema.end(), [&key = k](const InField& f) { return key == f.name; });
      if (it == schema.end()) {
        std::string guess = closest(k, in.names[static_cast<size_t>(rec.kind)]);
        fail("tollgate.input.unknown-field", k, "unknown field '" + k + "' for a " + type +
                                                    (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
        return;
      }
      if (!field(*it, v, k, rec.facts)) return;
      seen.set(static_cast<size_t>(it - schema.begin()));
    }
    complete(seen);
  }

  // After the fields: required ones present (the schema's `required`), the export_from default, the exact base.
  void complete(const Seen& seen) {
    if (!chip_consistent(rec.facts, "chip.")) return;
    const auto& schema = in.kinds[static_cast<size_t>(rec.kind)];
    for (size_t i = 0; i < schema.size(); ++i)
      if (schema[i].required && !seen.test(i)) {
        fail("tollgate.input.missing-field", schema[i].name, "missing required field '" + schema[i].name + "'");
        return;
      }
    // packager_approved: true stays accepted as a synonym of packaged_by: approved_osat (encoding.md r2, §5).
    if (rec.kind == RecordKind::fab_order && rec.facts.has(s_packager_approved) &&
        rec.facts.num[s_packager_approved] != 0) {
      if (rec.facts.has_text(t_packaged_by) && rec.facts.text(t_packaged_by) != "approved_osat") {
        fail("tollgate.input.value", "packaged_by", "packager_approved is true but packaged_by is '" +
                                                        std::string(rec.facts.text(t_packaged_by)) + "'; give one");
        return;
      }
      rec.facts.set_text(t_packaged_by, "approved_osat");
    }
    static const int us = country_index("US");
    if (rec.kind == RecordKind::shipment && !rec.facts.has(s_export_from))
      rec.facts.set_raw(s_export_from, us);  // docs/records.md, "shipment": export_from defaults to US
    if (qty >= 0 && price >= 0) {
      i128 base = static_cast<i128>(qty) * price;
      if (base > max_money_cents) {
        fail("tollgate.input.money", "unit_price_usd", "quantity × unit_price_usd overflows (more than 10^14 dollars)");
        return;
      }
      rec.base_cents = static_cast<int64_t>(base);
    }
  }
};

// The record's own date, if it gives a real one (for the classes shown with a suggested chip); 0 if not.
Day date_of(const JV& obj) {
  if (obj.k != JV::object) return 0;
  for (const auto& [k, v] : obj.members)
    if (k == "date" && (v.k == JV::string || v.k == JV::cell))
      if (auto d = parse_date(v.text)) return *d;
  return 0;
}

Record finish(const JV& obj, uint64_t line, const Catalog* catalog, bool csv, bool bare_chip = false,
              const InputSchema* schema = nullptr) {
  Record rec;
  rec.line = line;
  canonical(obj, rec.canonical, csv);
  Builder b{rec, catalog, schema ? *schema : input_of(catalog), bare_chip};
  b.build(obj);
  if (!rec.ok && (rec.error.code == "tollgate.input.unknown-chip" || rec.error.code == "tollgate.input.ambiguous-chip") &&
      catalog)
    for (const auto& [k, v] : obj.members)
      if (k == "chip" && (v.k == JV::string || v.k == JV::cell))
        rec.error.message += catalog->suggestion_text(v.text, date_of(obj));
  return rec;
}


thread_local uint64_t csv_fast_count = 0;

// ---- CSV fast path -------------------------------------------------------------------------------------------
// A header analysed once: which field each column feeds, and the canonical key order. Rows that go through
// cleanly are built directly from their cells; a row with any problem is built again by the general path above,
// so that errors are reported by one piece of code (tests/records/record_test.cpp checks the two paths agree).
struct CsvPlan {
  std::vector<std::string> header;
  std::vector<std::string> keys, paths, quoted_keys;  // per column: key (chip_ stripped), error path, JSON key
  std::vector<char> chip_col;                         // 1 for chip_<field> columns
  std::vector<size_t> chip_cols, other_cols;          // the chip_<field> columns; the rest
  std::vector<int> ship_field, fab_field, chip_field;  // index into the schemas, or -1
  std::vector<int> order;       // top-level canonical order of columns; -1 stands for the inline chip object
  std::vector<int> chip_order;  // chip_ columns in canonical order
  int type_col = -1, id_col = -1, chip_name_col = -1;
};

int field_index(const std::vector<InField>& schema, std::string_view name) {  // -1 if none
  for (size_t i = 0; i < schema.size(); ++i)
    if (name == schema[i].name) return static_cast<int>(i);
  return -1;
}

const CsvPlan& plan_for(const std::vector<std::string>& header, uint64_t id, const InputSchema& in) {
  thread_local CsvPlan plan;
  thread_local bool have = false;
  thread_local uint64_t have_id = 0, have_schema = 0;
  if (have && have_schema == in.serial && id != 0 && id == have_id) return plan;
  if (have && have_schema == in.serial && id == 0 && plan.header == header) return plan;
  have_id = id;
  have_schema = in.serial;
  plan = CsvPlan{};
  plan.header = header;
  std::vector<std::pair<std::string, int>> top, chip;
  bool any_chip = false;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& h = header[i];
    bool is_chip = h.rfind("chip_", 0) == 0;
    std::string key = is_chip ? h.substr(5) : h;
    plan.keys.push_back(key);
    plan.paths.push_back(is_chip ? "chip." + key : key);
    std::string q;
    append_json_string(q, key);
    plan.quoted_keys.push_back(q);
    plan.chip_col.push_back(is_chip ? 1 : 0);
    (is_chip ? plan.chip_cols : plan.other_cols).push_back(i);
    plan.ship_field.push_back(is_chip ? -1 : field_index(in.kinds[static_cast<size_t>(RecordKind::shipment)], key));
    plan.fab_field.push_back(is_chip ? -1 : field_index(in.kinds[static_cast<size_t>(RecordKind::fab_order)], key));
    plan.chip_field.push_back(is_chip ? field_index(in.kinds[static_cast<size_t>(RecordKind::chip)], key) : -1);
    if (is_chip) {
      chip.emplace_back(key, static_cast<int>(i));
      any_chip = true;
    } else {
      top.emplace_back(key, static_cast<int>(i));
      if (key == "type") plan.type_col = static_cast<int>(i);
      if (key == "id") plan.id_col = static_cast<int>(i);
      if (key == "chip") plan.chip_name_col = static_cast<int>(i);
    }
  }
  if (any_chip) top.emplace_back("chip", -1);
  std::stable_sort(top.begin(), top.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::stable_sort(chip.begin(), chip.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& t : top) plan.order.push_back(t.second);
  for (auto& c : chip) plan.chip_order.push_back(c.second);
  have = true;
  return plan;
}

// One cell of the fast path: the same checks as Builder::field for a CSV cell, but only yes or no; a row with any
// "no" is read again by the general path, which says why.
bool fast_cell(const InField& f, std::string_view s, Builder& b, Facts& facts) {
  switch (f.in) {
    case In::type: return true;
    case In::text:
      if (s.size() > 1000 || first_unprintable(s) != std::string_view::npos) return false;
      facts.set_text(f.slot, s);
      return true;
    case In::role:
      if (s != "front_end_fabricator" && s != "osat") return false;
      facts.set_text(f.slot, s);
      return true;
    case In::designer_status:
      if (s != "approved" && s != "authorized" && s != "none") return false;
      facts.set_text(f.slot, s);
      return true;
    case In::packaged_by:
      if (s != "front_end_fabricator" && s != "approved_osat" && s != "other") return false;
      facts.set_text(f.slot, s);
      return true;
    case In::tops_by_precision: case In::whole: return false;  // the general path reads these
    case In::owners: {
      std::string canonical, field, why;
      if (!owners_from_cell(s, canonical, field, why)) return false;
      facts.set_text(f.slot, canonical);
      return true;
    }
    case In::date: {
      auto d = parse_date(s);
      if (!d) return false;
      facts.set_raw(f.slot, *d);
      if (f.slot == s_date) {
        b.rec.date = *d;
        b.rec.has_date = true;
      }
      return true;
    }
    case In::country: {
      int c = country_index(s);
      if (c < 0) return false;
      facts.set_raw(f.slot, c);
      return true;
    }
    case In::integer: {
      if (s.empty() || s.size() > 12) return false;
      int64_t q = 0;
      for (char ch : s) {
        if (ch < '0' || ch > '9') return false;
        q = q * 10 + (ch - '0');
      }
      if (q < 1 || q > 1'000'000'000) return false;
      b.qty = q;
      facts.set_number(f.slot, q * micro_per_unit);
      return true;
    }
    case In::money: {
      auto c = parse_money_cents(s, nullptr);
      if (!c) return false;
      b.price = *c;
      return true;
    }
    case In::number: {
      auto d = parse_micro(s);
      if (!d || *d < 0 || *d > max_number_micro) return false;
      if (f.positive && *d == 0) return false;
      if (f.slot == s_chip_bit_length && !whole_bits(*d)) return false;
      facts.set_number(f.slot, *d);
      return true;
    }
    case In::boolean:
      if (s == "true") facts.set_raw(f.slot, 1);
      else if (s == "false") facts.set_raw(f.slot, 0);
      else return false;
      return true;
    case In::chip: {
      if (!b.catalog) return false;
      const Facts* c = b.catalog->find(s);
      if (!c) return false;
      Builder::copy_chip(b.in, *c, facts);
      return true;
    }
  }
  return false;
}

// The canonical JSON of a CSV row (sorted keys, cells as strings; the input hash covers it). When no cell needs
// escaping (nearly always), the size is added up first and the bytes are copied in place: a row is some sixty
// small pieces, and appending them one by one cost more than the hashing.
void canonical_row(const CsvPlan& plan, const std::vector<std::string_view>& cells, bool inline_chip, std::string& c) {
  // Each cell's JSON string text (without its quotes): the cell itself, or (almost never) the cell escaped.
  thread_local std::vector<std::string> escaped;
  thread_local std::vector<std::string_view> text;
  if (escaped.size() < cells.size()) escaped.resize(cells.size());
  text.assign(cells.begin(), cells.end());
  size_t need = 2;
  auto member_size = [&](int col) -> size_t {
    auto i = static_cast<size_t>(col);
    if (text[i].empty()) return 0;
    if (json_needs_escape(text[i])) {
      escaped[i].clear();
      append_json_string(escaped[i], text[i]);
      text[i] = std::string_view(escaped[i]).substr(1, escaped[i].size() - 2);
    }
    return plan.quoted_keys[i].size() + text[i].size() + 4;  // key, ':', two quotes, ','
  };
  for (int col : plan.order) {
    if (col >= 0) {
      need += member_size(col);
    } else if (inline_chip) {
      need += 10;  // "chip":{ } ,
      for (int cc : plan.chip_order) need += member_size(cc);
    }
  }
  c.resize(need);  // an upper bound; cut to size below
  char* p = c.data();
  auto put = [&](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  auto member = [&](int col, bool& first) {
    std::string_view v = text[static_cast<size_t>(col)];
    if (v.empty()) return;
    if (!first) *p++ = ',';
    first = false;
    put(plan.quoted_keys[static_cast<size_t>(col)]);
    *p++ = ':';
    *p++ = '"';
    put(v);
    *p++ = '"';
  };
  *p++ = '{';
  bool first = true;
  for (int col : plan.order) {
    if (col >= 0) {
      member(col, first);
    } else if (inline_chip) {
      if (!first) *p++ = ',';
      first = false;
      put("\"chip\":{");
      bool first_chip = true;
      for (int cc : plan.chip_order) member(cc, first_chip);
      *p++ = '}';
    }
  }
  *p++ = '}';
  c.resize(static_cast<size_t>(p - c.data()));
}

// The fast path; false if the row needs the general path (any problem, or an unusual record type). `cells` are the
// row's cells, unquoted.
bool csv_fast(const CsvPlan& plan, const std::vector<std::string_view>& cells, Record& rec, const Catalog* catalog,
              const InputSchema& in, bool want_canonical) {
  bool inline_chip = false;
  for (size_t i : plan.chip_cols)
    if (!cells[i].empty()) inline_chip = true;
  bool named_chip = plan.chip_name_col >= 0 && !cells[static_cast<size_t>(plan.chip_name_col)].empty();
  if (inline_chip && named_chip) return false;
  std::string_view type = "shipment";
  if (plan.type_col >= 0 && !cells[static_cast<size_t>(plan.type_col)].empty()) type = cells[static_cast<size_t>(plan.type_col)];
  if (type != "shipment" && type != "fab_order") return false;
  rec.kind = type == "shipment" ? RecordKind::shipment : RecordKind::fab_order;
  rec.facts.kind = rec.kind;
  if (plan.id_col >= 0) rec.id.assign(cells[static_cast<size_t>(plan.id_col)]);
  if (want_canonical) canonical_row(plan, cells, inline_chip, rec.canonical);
  // fields
  Builder b{rec, catalog, in, false};
  const auto& schema = in.kinds[static_cast<size_t>(rec.kind)];
  const auto& chip_fields = in.kinds[static_cast<size_t>(RecordKind::chip)];
  const auto& index = rec.kind == RecordKind::shipment ? plan.ship_field : plan.fab_field;
  Seen seen;
  for (size_t i : plan.other_cols) {
    std::string_view cell = cells[i];
    if (cell.empty()) continue;
    int f = index[i];
    if (f < 0) return false;
    if (!fast_cell(schema[static_cast<size_t>(f)], cell, b, rec.facts)) return false;
    seen.set(static_cast<size_t>(f));
  }
  if (inline_chip) {
    if (rec.kind != RecordKind::shipment) return false;
    for (size_t i : plan.chip_cols) {
      std::string_view cell = cells[i];
      if (cell.empty()) continue;
      int f = plan.chip_field[i];
      if (f < 0) return false;
      // TPP from peak rates is derived and checked exactly, on the cells' texts, by the general path.
      const int slot = chip_fields[static_cast<size_t>(f)].slot;
      if (slot == s_chip_peak_dense_tops || slot == s_chip_bit_length) return false;
      if (!fast_cell(chip_fields[static_cast<size_t>(f)], cell, b, rec.facts)) return false;
    }
    seen.set(static_cast<size_t>(field_index(schema, "chip")));
  }
  b.inline_chip = inline_chip;
  b.complete(seen);
  return rec.ok;
}

// A row split into views of itself, in one pass; false if it needs split_csv_line (a doubled quote inside a quoted
// cell, or any malformed quoting: that function then unquotes it or says what is wrong). The cells are the same.
bool split_views(std::string_view row, std::vector<std::string_view>& out) {
  out.clear();
  const char* p = row.data();
  const char* const e = p + row.size();
#if defined(__SSE2__)
  // Most rows have no quote: find the commas sixteen bytes at a time.
  {
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
    const char* start = p;
    const char* q = p;
    bool plain = true;
    for (; q + 16 <= e; q += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote))) {
        plain = false;
        break;
      }
      for (unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma))); m; m &= m - 1) {
        const char* c = q + __builtin_ctz(m);
        out.emplace_back(start, static_cast<size_t>(c - start));
        start = c + 1;
      }
    }
    if (plain) {
      for (; q < e; ++q) {
        if (*q == '"') {
          plain = false;
          break;
        }
        if (*q == ',') {
          out.emplace_back(start, static_cast<size_t>(q - start));
          start = q + 1;
        }
      }
    }
    if (plain) {
      const char* end = e;
      if (end > start && end[-1] == '\r') --end;
      out.emplace_back(start, static_cast<size_t>(end - start));
      return true;
    }
    out.clear();  // a quote: the careful loop below
  }
#endif
  for (;;) {
    if (p < e && *p == '"') {
      const char* start = ++p;
      const void* q = std::memchr(p, '"', static_cast<size_t>(e - p));
      if (!q) return false;
      p = static_cast<const char*>(q);
      if (p + 1 < e && p[1] == '"') return false;
      out.emplace_back(start, static_cast<size_t>(p - start));
      ++p;
      if (p < e && *p != ',') {
        if (*p == '\r' && p + 1 == e) ++p;
        else return false;
      }
    } else {
      const char* start = p;
      while (p < e && *p != ',' && *p != '"') ++p;
      if (p < e && *p == '"') return false;
      const char* end = p;
      if (p == e && end > start && end[-1] == '\r') --end;
      out.emplace_back(start, static_cast<size_t>(end - start));
    }
    if (p >= e) break;
    ++p;  // the comma
    if (p == e) {
      out.emplace_back();  // a trailing comma: an empty last cell
      break;
    }
  }
  return true;
}

void reset(Record& r, uint64_t line) {
  r.line = line;
  r.id.clear();
  r.kind = RecordKind::shipment;
  r.facts.kind = RecordKind::shipment;
  // Unset slots are zero already (a Record starts zeroed, and every slot set is cleared here): clear only those.
  for (uint64_t bits = r.facts.known; bits; bits &= bits - 1) r.facts.num[static_cast<size_t>(std::countr_zero(bits))] = 0;
  r.facts.known = 0;
  for (uint32_t bits = r.facts.text_known; bits; bits &= bits - 1) {
    r.facts.text_at[static_cast<size_t>(std::countr_zero(bits))] = 0;
    r.facts.text_len[static_cast<size_t>(std::countr_zero(bits))] = 0;
  }
  r.facts.text_known = 0;
  r.facts.text_buf.clear();
  r.base_cents = -1;
  r.date = 0;
  r.has_date = false;
  r.canonical.clear();
  r.ok = true;
  r.file_level = false;
  r.error.code.clear();
  r.error.field.clear();
  r.error.message.clear();
  r.rejected_raw.clear();
  r.rewriter_reject = false;
}

// ---- JSONL fast path ----------------------------------------------------------------------------------------------
// A JSON record that is one flat object of scalars (nearly every line of a log: a shipment or a foundry order naming
// a catalog chip) is read with simdjson's On Demand parser straight into the Record, as csv_fast reads a CSV row. Any
// other line, and any line with a problem (not JSON, trailing text, a duplicate or unknown key, a value the schema
// refuses, an inline chip, an empty string, a control character, a chip name that is not exact), is read again by
// the general path (nlohmann's SAX parser into a JV tree), which says why: errors come from one piece of code, and
// both paths give the same Record (tests/records/record_test.cpp and the jsonl fuzzer check it). Numbers are kept
// as the raw text of their token and read exactly (parse_micro, parse_money_cents), never through a double.
thread_local uint64_t json_fast_count = 0;
// Longer lines take the general path: the fast parser's buffers stay bounded (a line of a log is some 250 bytes).
constexpr size_t json_fast_max_bytes = 16 << 10;

// True if `t` is a JSON number token (RFC 8259 §6): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool json_number_token(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > from;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < t.size() && t[i] == '.' && (++i, !digits())) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

// One member of a flat record object: its key and value as the general path would hold them (a string unescaped,
// a number's token text, true/false/null). Views into the parser's buffers, valid for one line.
struct FlatMember {
  std::string_view key, text;
  JV::K kind;
};

// The members of `line` if it is exactly one JSON object whose values are all scalars; false otherwise (or if any
// string holds a control character or is empty: the general path judges those).
bool flat_members(std::string_view line, std::vector<FlatMember>& out) {
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string padded;
  out.clear();
  if (line.size() > json_fast_max_bytes) return false;
  padded.assign(line);
  padded.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::document doc;
  if (parser.iterate(padded.data(), line.size(), padded.size()).get(doc)) return false;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto result : obj) {
    simdjson::ondemand::field f;
    if (std::move(result).get(f)) return false;
    FlatMember m{};
    if (f.unescaped_key().get(m.key)) return false;
    simdjson::ondemand::value v = f.value();
    simdjson::ondemand::json_type t;
    if (v.type().get(t)) return false;
    switch (t) {
      case simdjson::ondemand::json_type::string:
        if (v.get_string().get(m.text) || m.text.empty()) return false;
        if (std::any_of(m.text.begin(), m.text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
          return false;
        m.kind = JV::string;
        break;
      case simdjson::ondemand::json_type::number: {
        std::string_view raw = v.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r'))
          raw.remove_suffix(1);
        // "-0": nlohmann holds it as the integer 0, and the canonical JSON says 0; the general path keeps that.
        if (!json_number_token(raw) || raw == "-0") return false;
        m.text = raw;
        m.kind = JV::number;
        break;
      }
      case simdjson::ondemand::json_type::boolean: {
        bool b = false;
        if (v.get_bool().get(b)) return false;
        m.text = b ? "true" : "false";
        m.kind = JV::boolean;
        break;
      }
      case simdjson::ondemand::json_type::null: {
        bool is_null = false;
        if (v.is_null().get(is_null) || !is_null) return false;
        m.text = "null";
        m.kind = JV::null_;
        break;
      }
      default: return false;  // an object or array: the general path (inline chips, nesting limit)
    }
    out.push_back(m);
  }
  // Nothing may follow the object ({"a":1} {"b":2}): at the end, current_location() has nowhere to point.
  const char* rest = nullptr;
  return doc.current_location().get(rest) == simdjson::OUT_OF_BOUNDS;
}

// The canonical JSON of a flat record (sorted keys; values as canonical() writes them).
void canonical_flat(std::vector<FlatMember>& ms, std::string& c) {
  std::sort(ms.begin(), ms.end(), [](const FlatMember& a, const FlatMember& b) { return a.key < b.key; });
  c = "{";
  for (size_t i = 0; i < ms.size(); ++i) {
    if (i) c += ',';
    append_json_string(c, ms[i].key);
    c += ':';
    if (ms[i].kind == JV::string) append_json_string(c, ms[i].text);
    else c += ms[i].text;
  }
  c += '}';
}

// The fast path for one JSON record line; false if it needs the general path. `rec` has been reset().
bool json_fast(std::string_view line, Record& rec, const Catalog* catalog, bool want_canonical) {
  thread_local std::vector<FlatMember> ms;
  if (!flat_members(line, ms)) return false;
  std::string_view type = "shipment";
  for (const auto& m : ms)
    if (m.key == "type") {
      if (m.kind != JV::string) return false;
      type = m.text;
    }
  if (type != "shipment" && type != "fab_order") return false;
  rec.kind = type == "shipment" ? RecordKind::shipment : RecordKind::fab_order;
  rec.facts.kind = rec.kind;
  // The same tables as the general path (record_from_json): the rules' schema through the catalog, or the core
  // fields without one, so a field declared only in rules/ is read here exactly as there.
  const InputSchema& in = input_of(catalog);
  Builder b{rec, catalog, in, false};
  const auto& schema = in.kinds[static_cast<size_t>(rec.kind)];
  Seen seen, given;  // bit i: schema field i given a value; given at all (null too)
  // The keys of a log's lines come in the same order line after line: the last line's key at the same place, and
  // its field, is checked first (one comparison instead of a search of the schema). Per record kind, and valid
  // only for the schema it was made with.
  thread_local std::vector<std::pair<std::string, int>> last[2];
  thread_local uint64_t last_serial[2] = {0, 0};
  const size_t k = rec.kind == RecordKind::shipment ? 0 : 1;
  auto& memo = last[k];
  if (last_serial[k] != in.serial) {
    memo.clear();
    last_serial[k] = in.serial;
  }
  if (memo.size() < ms.size()) memo.resize(ms.size(), {std::string(), -1});
  for (size_t i = 0; i < ms.size(); ++i) {
    const FlatMember& m = ms[i];
    if (memo[i].first != m.key) memo[i] = {std::string(m.key), field_index(schema, m.key)};
    const int f = memo[i].second;
    if (f < 0) return false;  // unknown (or null under an unknown key): the general path
    const auto bit = static_cast<size_t>(f);
    if (given.test(bit)) return false;  // a duplicate key
    given.set(bit);
    if (m.kind == JV::null_) continue;
    const InField& field = schema[bit];
    const bool ok_kind = m.kind == JV::string
                             ? field.in != In::integer && field.in != In::number && field.in != In::boolean &&
                                   field.in != In::whole
                             : m.kind == JV::number ? field.in == In::integer || field.in == In::number || field.in == In::money
                                                    : field.in == In::boolean;
    if (!ok_kind || !fast_cell(field, m.text, b, rec.facts)) return false;
    if (field.slot == t_id && field.in == In::text) rec.id.assign(m.text);
    seen.set(bit);
  }
  b.complete(seen);
  if (!rec.ok) return false;
  if (want_canonical) canonical_flat(ms, rec.canonical);
  return true;
}

}  // namespace

uint64_t csv_fast_rows() { return csv_fast_count; }
uint64_t json_fast_rows() { return json_fast_count; }

void read_json_row(std::string_view row, uint64_t line, const Catalog* catalog, bool want_canonical, Record& rec) {
  reset(rec, line);
  if (json_fast(row, rec, catalog, want_canonical)) {
    ++json_fast_count;
    return;
  }
  rec = record_from_json(row, line, catalog);
}

std::optional<std::string> catalog_chip_name(std::string_view json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_object() && j.size() == 1 && j.contains("name") && j["name"].is_string()) return j["name"].get<std::string>();
  return std::nullopt;
}

Record record_from_json(std::string_view text, uint64_t line, const Catalog* catalog, bool bare_chip) {
  JV v;
  std::string err;
  if (!parse_json(text, v, err)) {
    Record rec;
    rec.line = line;
    rec.ok = false;
    rec.error = {"tollgate.input.json", "", err};
    rec.canonical = std::string(text);
    return rec;
  }
  return finish(v, line, catalog, false, bare_chip);
}

bool split_csv_line(std::string_view line, std::vector<std::string>& out, std::string* error) {
  // Cells are assigned into `out`'s existing strings (their capacity is reused from row to row); an unquoted cell
  // is found with one search for the next comma rather than byte by byte.
  size_t n = 0, i = 0;
  auto next_cell = [&]() -> std::string& {
    if (n == out.size()) out.emplace_back();
    std::string& c = out[n++];
    c.clear();
    return c;
  };
  auto fail = [&](const char* why) {
    if (error) *error = why;
    out.resize(n);
    return false;
  };
  for (;;) {
    std::string& cur = next_cell();
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        size_t q = line.find('"', i);
        if (q == std::string_view::npos) return fail("an unclosed quote");
        cur.append(line.data() + i, q - i);
        if (q + 1 < line.size() && line[q + 1] == '"') {
          cur += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < line.size() && line[i] != ',') {
        if (line[i] == '\r' && i + 1 == line.size()) ++i;
        else return fail("text after a closing quote");
      }
    } else {
      size_t c = line.find(',', i);
      size_t end = c == std::string_view::npos ? line.size() : c;
      // A quote inside an unquoted cell (19" Rack) is a literal character, as common CSV readers take it: only a
      // quote that opens a cell starts a quoted cell (docs/records.md, "CSV").
      std::string_view v = line.substr(i, end - i);
      if (c == std::string_view::npos && !v.empty() && v.back() == '\r') v.remove_suffix(1);
      cur.assign(v);
      i = end;
    }
    if (i >= line.size()) break;
    ++i;  // the comma
    if (i == line.size()) {
      next_cell();  // a trailing comma: an empty last cell
      break;
    }
  }
  out.resize(n);
  return true;
}

InputFormat guess_format(const std::string& path, std::string_view head) {
  auto ends = [&](const char* s) {
    std::string_view e(s);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".csv")) return InputFormat::csv;
  if (ends(".jsonl") || ends(".ndjson")) return InputFormat::jsonl;
  if (ends(".json")) return InputFormat::json;
  size_t i = head.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) return InputFormat::jsonl;
  if (head[i] == '[') return InputFormat::json;
  if (head[i] == '{') {
    // One object a line (JSON lines), or one object over several lines (a pretty-printed record, as README's
    // `echo '{...\n ...}' | tollgate check -` gives): JSON lines unless the first line is not a whole JSON value
    // while all that was read is one. A damaged first line of a JSON lines file stays JSON lines (its row alone is
    // rejected); a multi-line object longer than the head read here is read as JSON lines and its rows rejected.
    const size_t nl = head.find('\n', i);
    if (nl == std::string_view::npos) return InputFormat::jsonl;
    JV v;
    std::string err;
    if (parse_json(head.substr(i, nl - i), v, err, 1)) return InputFormat::jsonl;
    if (parse_json(head.substr(i), v, err, 1)) return InputFormat::json;
    return InputFormat::jsonl;
  }
  return InputFormat::csv;
}

Record record_from_csv(const std::vector<std::string>& header, std::string_view row, uint64_t line,
                       const Catalog* catalog) {
  return record_from_csv(header, 0, row, line, catalog);
}

Record record_from_csv(const std::vector<std::string>& header, uint64_t header_id, std::string_view row,
                       uint64_t line, const Catalog* catalog) {
  Record rec;
  read_csv_row(header, header_id, row, line, catalog, true, rec);
  return rec;
}

namespace {
// The id of a CSV row that does not split into the header's cells (a stray quote, a missing or extra comma), where it
// can still be read without guessing, so that an officer can find the row: the header's id column is its first, or
// its second after a `type` column whose cell is a record type, and the cells up to it hold no quote (a misplaced
// comma after the id cannot have moved it); "" otherwise, and "" for an id that is not a valid text field.
std::string salvage_csv_id(const std::vector<std::string>& header, std::string_view row) {
  const auto at = std::find(header.begin(), header.end(), "id");
  if (at == header.end()) return "";
  const auto col = static_cast<size_t>(at - header.begin());
  if (col > 1 || (col == 1 && header[0] != "type")) return "";
  std::string_view cell;
  for (size_t i = 0; i <= col; ++i) {
    const size_t comma = row.find(',');
    if (comma == std::string_view::npos && i < col) return "";
    cell = row.substr(0, comma);
    if (cell.find('"') != std::string_view::npos) return "";
    if (i == 0 && col == 1 && cell != "shipment" && cell != "fab_order" && cell != "chip") return "";
    row.remove_prefix(comma == std::string_view::npos ? row.size() : comma + 1);
  }
  if (!cell.empty() && cell.back() == '\r') cell.remove_suffix(1);
  if (cell.empty() || cell.size() > 1000 || first_unprintable(cell) != std::string_view::npos) return "";
  return std::string(cell);
}
}  // namespace

void read_csv_row(const std::vector<std::string>& header, uint64_t header_id, std::string_view row, uint64_t line,
                  const Catalog* catalog, bool want_canonical, Record& rec) {
  thread_local std::vector<std::string> cells;
  thread_local std::vector<std::string_view> views;
  reset(rec, line);
  if (!row.empty() && row[0] == '\x01' && read_rejected_row(row, rec)) return;
  auto bad = [&](std::string message) {
    rec.ok = false;
    rec.error = {"tollgate.input.csv", "", std::move(message)};
    rec.canonical = std::string(row);
    rec.id = salvage_csv_id(header, row);  // the row cannot be read, but its id often can
  };
  bool quoted = !split_views(row, views);
  if (quoted) {
    std::string err;
    if (!split_csv_line(row, cells, &err)) return bad("bad CSV row: " + err);
    views.assign(cells.begin(), cells.end());
  }
  // A header that ends in a comma (an empty last column, as spreadsheets save one) was read without it: its cells
  // are dropped when they are empty.
  while (views.size() > header.size() && views.back().empty()) views.pop_back();
  if (quoted) cells.resize(views.size());
  if (views.size() != header.size())
    return bad("row has " + std::to_string(views.size()) + " cells; the header has " + std::to_string(header.size()));
  const InputSchema& in = input_of(catalog);
  if (csv_fast(plan_for(header, header_id, in), views, rec, catalog, in, want_canonical)) {
    ++csv_fast_count;
    return;
  }
  if (!quoted) cells.assign(views.begin(), views.end());
  rec = record_from_csv_general(header, cells, line, catalog, row);
}

Record record_from_csv_general(const std::vector<std::string>& header, std::vector<std::string>& cells, uint64_t line,
                               const Catalog* catalog, std::string_view row) {
  Record bad;
  bad.line = line;
  bad.ok = false;
  JV obj;
  obj.k = JV::object;
  JV chip;
  chip.k = JV::object;
  bool inline_chip = false;
  for (size_t i = 0; i < header.size(); ++i) {
    if (cells[i].empty()) continue;
    JV cell;
    cell.k = JV::cell;
    cell.text = std::move(cells[i]);
    if (header[i].rfind("chip_", 0) == 0) {
      chip.members.emplace_back(header[i].substr(5), std::move(cell));
      inline_chip = true;
    } else {
      obj.members.emplace_back(header[i], std::move(cell));
    }
  }
  if (inline_chip) {
    bool named = std::any_of(obj.members.begin(), obj.members.end(), [](auto& m) { return m.first == "chip"; });
    if (named) {
      bad.error = {"tollgate.input.chip", "chip", "a row names a catalog chip and also gives chip_ columns; give one"};
      bad.canonical = std::string(row);
      for (const auto& m : obj.members)  // the id, as the general reader takes it
        if (m.first == "id" && first_unprintable(m.second.text) == std::string_view::npos) bad.id = m.second.text;
      return bad;
    }
    obj.members.emplace_back("chip", std::move(chip));
  }
  return finish(obj, line, catalog, true);
}

std::vector<Record> read_records(std::string_view text, InputFormat fmt, const Catalog* catalog) {
  std::vector<Record> out;
  if (fmt == InputFormat::json) {
    JV v;
    std::string err;
    if (!parse_json(text, v, err, 1)) {
      Record r;
      r.line = 1;
      r.ok = false;
      r.error = {"tollgate.input.json", "", err};
      out.push_back(std::move(r));
      return out;
    }
    if (v.k == JV::array) {
      for (size_t i = 0; i < v.items.size(); ++i) out.push_back(finish(v.items[i], i + 1, catalog, false));
    } else {
      out.push_back(finish(v, 1, catalog, false));
    }
    return out;
  }
  RowReader reader(text, fmt);
  if (!reader.read_header()) {
    Record r;
    r.line = reader.header_line();
    r.ok = false;
    r.error = {"tollgate.input.csv", "", "bad CSV header: " + reader.header_error()};
    out.push_back(std::move(r));
    return out;
  }
  RowReader::Row row;
  while (reader.next(row))
    out.push_back(record_from_row(fmt, reader.header(), reader.header_id(), row.text, row.line, catalog));
  return out;
}

Catalog Catalog::load(const std::string& path, const Schema& schema) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read chip catalog '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  Catalog cat(schema);
  cat.path = path;
  std::vector<std::string> header, cells;
  std::map<std::string, uint64_t, std::less<>> lines;  // chip name -> its line (for check_names)
  std::string err;
  size_t pos = 0;
  uint64_t line_no = 0;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    if (e == std::string::npos) e = text.size();
    std::string line = text.substr(pos, e - pos);
    pos = e + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    bool is_header = header.empty();
    if (!split_csv_line(line, is_header ? header : cells, &err))
      throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + err);
    if (is_header) continue;
    if (cells.size() != header.size())
      throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + std::to_string(cells.size()) +
                               " cells, header has " + std::to_string(header.size()));
    JV obj;
    obj.k = JV::object;
    obj.members.emplace_back("type", JV{JV::string, "chip", false, {}, {}});
    ChipNames names;
    for (size_t i = 0; i < header.size(); ++i) {
      // The names' columns are kept as text, not read as record fields: held to the same rule here (`catalog`
      // prints them, and a control character or a bidirectional override would act on the terminal).
      if ((header[i] == "source" || header[i] == "aliases" || header[i] == "part_numbers") &&
          first_unprintable(cells[i]) != std::string::npos)
        throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + header[i] + " is not printable text (" +
                                 unprintable_reason(cells[i], first_unprintable(cells[i])) + ")");
      if (header[i] == "source") names.source = cells[i];
      if (header[i] == "aliases" || header[i] == "part_numbers") {  // "a; b; c"
        for (size_t at = 0; at < cells[i].size();) {
          size_t end = std::min(cells[i].find(';', at), cells[i].size());
          std::string_view one = std::string_view(cells[i]).substr(at, end - at);
          while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
          while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
          if (!one.empty()) (header[i] == "aliases" ? names.aliases : names.part_numbers).emplace_back(one);
          at = end + 1;
        }
      }
      if (header[i] == "source" || header[i] == "aliases" || header[i] == "part_numbers" || cells[i].empty()) continue;
      obj.members.emplace_back(header[i], JV{JV::cell, cells[i], false, {}, {}});
    }
    Record r = finish(obj, line_no, nullptr, true, false, cat.input_.get());
    if (!r.ok) throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + r.error.message);
    if (!r.facts.has_text(t_chip_name)) throw std::runtime_error(path + ":" + std::to_string(line_no) + ": chip has no name");
    const std::string name(r.facts.text(t_chip_name));
    if (!cat.chips_.emplace(name, r.facts).second)
      throw std::runtime_error(path + ":" + std::to_string(line_no) + ": duplicate chip '" + name + "'");
    cat.names_.emplace(name, std::move(names));
    lines.emplace(name, line_no);
    cells.clear();
  }
  cat.reindex();
  cat.check_names(lines);
  return cat;
}

Catalog::Catalog(const Schema& schema) : input_(make_input_schema(schema)) {
  std::lock_guard<std::mutex> lock(columns_schema_mutex);
  columns_schema_ptr = input_;
}

void Catalog::reindex() {
  index_.clear();
  for (const auto& [name, facts] : chips_) index_.emplace(std::string_view(name), &facts);
  entries_ = chip_entries(chips_, names_);
}

const Facts* Catalog::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

std::vector<std::string> Catalog::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : chips_) out.push_back(k);
  return out;
}

namespace {
std::string fold(std::string_view s) { return fold_alnum(s); }

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::vector<std::string> Catalog::suggest(std::string_view typed) const {
  std::vector<std::string> out;
  const std::string t = fold(typed.substr(0, 200));
  if (t.empty()) return out;
  // Names that contain the typed text ("H100" -> "H100 SXM5 80GB", "H100 PCIe 80GB"); else names it contains.
  for (const auto& [name, facts] : chips_)
    if (fold(name).find(t) != std::string::npos) out.push_back(name);
  if (out.empty())  // "H100 SXM5 80GB HBM3" -> "H100 SXM5 80GB"
    for (const auto& [name, facts] : chips_) {
      std::string n = fold(name);
      if (n.size() >= 3 && t.find(n) != std::string::npos) out.push_back(name);
    }
  if (!out.empty()) {
    // Closest in length first (the most specific reading), then by name.
    std::stable_sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
      auto da = fold(a).size() > t.size() ? fold(a).size() - t.size() : t.size() - fold(a).size();
      auto db = fold(b).size() > t.size() ? fold(b).size() - t.size() : t.size() - fold(b).size();
      return da < db;
    });
    return out;
  }
  // A typo: every name at the smallest distance, if that is at most a third of the typed text; and every name
  // sharing the longest common start, if that is most of it ("Gaudi 4": "Gaudi 2" and "Gaudi 3 (HL-325L OAM)").
  size_t best = SIZE_MAX, longest = 0;
  std::vector<std::string> near, same_start;
  for (const auto& [name, facts] : chips_) {
    const std::string n = fold(name);
    size_t d = edit_distance(t, n);
    if (d < best) { best = d; near.clear(); }
    if (d == best) near.push_back(name);
    size_t p = 0;
    while (p < n.size() && p < t.size() && n[p] == t[p]) ++p;
    if (p > longest) { longest = p; same_start.clear(); }
    if (p == longest && p > 0) same_start.push_back(name);
  }
  if (best <= std::max<size_t>(1, t.size() / 3)) out = near;
  if (longest >= 3 && 2 * longest >= t.size())
    for (auto& n : same_start)
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Catalog::suggestion_text(std::string_view typed, Day day) const {
  const Resolution r = resolve(typed);
  const std::vector<std::string>& c = r.candidates;
  if (r.ambiguous)  // every candidate: none may be left out
    return ": " + candidates_text(c, day) +
           (classify_ && day != 0 ? " (classes as of " + format_date(day) + ")" : std::string()) +
           "; name the exact model (form factor, memory size or part number; `tollgate catalog` lists them): the "
           "class decides the verdict";
  if (c.empty()) return "";
  constexpr size_t shown = 8;
  bool classes = classify_ && day != 0;
  std::string s = c.size() == 1 ? "; did you mean " : "; did you mean one of these? ";
  for (size_t i = 0; i < c.size() && i < shown; ++i) {
    if (i) s += ", ";
    s += "'" + c[i] + "'";
    if (classes) s += " (" + classify_(*find(c[i]), day) + ")";
  }
  if (c.size() > shown) s += ", and " + std::to_string(c.size() - shown) + " more";
  s += c.size() == 1 ? "?" : "";
  if (classes) s += " (classes as of " + format_date(day) + "; check the exact model: the class decides the verdict)";
  return s;
}

std::string unreadable_input(const std::string& path, std::string_view head) {
  auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  auto ends = [&](std::string_view e) {
    if (path.size() < e.size()) return false;
    for (size_t i = 0; i < e.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(path[path.size() - e.size() + i])) != e[i]) return false;
    return true;
  };
  const std::string name = path == "-" ? "standard input" : "'" + path + "'";
  // A byte order mark after the byte order mark: the file was converted to UTF-8 twice (its other non-ASCII text may
  // be doubly encoded too). Said once for the file, rather than an unknown column "\uFEFFtype" on every row.
  if (std::string_view t = starts("\xEF\xBB\xBF") ? head.substr(3) : head; t.substr(0, 3) == "\xEF\xBB\xBF")
    return name + " starts with the UTF-8 byte order mark twice (bytes EF BB BF EF BB BF): it was converted to UTF-8 "
                  "twice; remove the extra mark and check its text";
  if (starts("PK\x03\x04") || starts("PK\x05\x06")) {
    if (ends(".xlsx") || ends(".xlsm")) return name + " is an Excel workbook (.xlsx): save it as CSV (UTF-8) and check that";
    if (ends(".ods")) return name + " is an OpenDocument spreadsheet (.ods): save it as CSV (UTF-8) and check that";
    return name + " is a ZIP archive (perhaps a spreadsheet): records are read from CSV, JSONL or JSON; save it as CSV";
  }
  if (starts("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
    return name + " is an Excel workbook (.xls): save it as CSV (UTF-8) and check that";
  if (starts(std::string_view("\xFF\xFE\0\0", 4)) || starts(std::string_view("\0\0\xFE\xFF", 4)))
    return name + " is UTF-32 text: save it as UTF-8";
  if (starts("\xFF\xFE") || starts("\xFE\xFF")) return name + " is UTF-16 text: save it as UTF-8";
  // UTF-16 without a byte order mark: ASCII text with a NUL after (or before) every character.
  if (head.size() >= 4 && ((head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0) ||
                           (head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0)))
    return name + " is UTF-16 text: save it as UTF-8";
  // Binary data: control bytes (other than tab, newlines and form feed) are some 11% of random bytes, and next to
  // none of a text file. More than 1 in 32 is not text; a few stray ones are left to cost their rows.
  size_t control = 0, first = std::string_view::npos;
  for (size_t i = 0; i < head.size(); ++i) {
    auto c = static_cast<unsigned char>(head[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f) {
      ++control;
      if (first == std::string_view::npos) first = i;
    }
  }
  if (control > 0 && control * 32 > head.size())
    return name + " is not text (" + std::to_string(control) + " control bytes in its first " +
           std::to_string(head.size()) + ", the first at byte " + std::to_string(first) +
           "): records are read from CSV, JSONL or JSON text in UTF-8";
  return "";
}

std::string rejected_row_text(const RecordError& error, bool file_level, std::string_view raw) {
  // No quote (a quote would open a cell for the row splitter), no line break, no separator inside a part.
  auto clean = [](std::string_view t) {
    std::string out(t);
    for (char& c : out)
      if (c == '"') c = '\'';
      else if (c == '\n' || c == '\r' || c == '\x1f') c = ' ';
    return out;
  };
  std::string out = rejected_marker() + (file_level ? "F" : "R") + "\x1f" + clean(error.code) + "\x1f" +
                    clean(error.field) + "\x1f" + clean(error.message) + "\x1f";
  for (char c : raw) {  // the row as read, whole: only what would end the line, open a cell or split parts escaped
    if (c == '%' || c == '"' || c == '\n' || c == '\r' || c == '\x1f') {
      static const char* digits = "0123456789ABCDEF";
      out += '%';
      out += digits[static_cast<unsigned char>(c) >> 4];
      out += digits[static_cast<unsigned char>(c) & 15];
    } else {
      out += c;
    }
  }
  return out;
}

ColumnKind column_kind(std::string_view column) {
  auto kind_of = [](In in) {
    switch (in) {
      case In::text: return ColumnKind::text;
      case In::date: return ColumnKind::date;
      case In::country: return ColumnKind::country;
      case In::integer: return ColumnKind::integer;
      case In::money: return ColumnKind::money;
      case In::number: return ColumnKind::number;
      case In::boolean: return ColumnKind::boolean;
      case In::chip: return ColumnKind::chip;
      case In::type: return ColumnKind::type;
      case In::tops_by_precision: return ColumnKind::list;
      default: return ColumnKind::choice;
    }
  };
  const auto in = columns_schema();
  if (column.substr(0, 5) == "chip_") {
    for (const auto& f : in->kinds[static_cast<size_t>(RecordKind::chip)])
      if (column.substr(5) == f.name) return kind_of(f.in);
    return ColumnKind::unknown;
  }
  for (auto kind : {RecordKind::shipment, RecordKind::fab_order})
    for (const auto& f : in->kinds[static_cast<size_t>(kind)])
      if (column == f.name) return kind_of(f.in);
  return ColumnKind::unknown;
}

std::vector<std::string> record_column_names() {
  const auto in = columns_schema();
  std::vector<std::string> n;
  for (auto kind : {RecordKind::shipment, RecordKind::fab_order})
    for (const auto& f : in->kinds[static_cast<size_t>(kind)])
      if (std::find(n.begin(), n.end(), f.name) == n.end()) n.push_back(f.name);
  for (const auto& f : in->kinds[static_cast<size_t>(RecordKind::chip)]) n.push_back("chip_" + f.name);
  return n;
}

}  // namespace tollgate
