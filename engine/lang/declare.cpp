// tollgate — the record schema from the rules' `field` declarations (compile stage "schema"; docs/language.md,
// "Fields"). Checks each declaration, merges the declarations of one field on several record kinds, checks the core
// fields (core_fields(): those the C++ engine reads by a named slot) against theirs, and assigns every other field a
// free slot in Facts.
#include "engine/lang/declare.hpp"

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "engine/lang/compile.hpp"

namespace tollgate {
namespace {
using syntax::Clause;
using syntax::Decl;

constexpr uint8_t kind_bit(RecordKind k) { return static_cast<uint8_t>(1u << static_cast<int>(k)); }

std::string kinds_text(uint8_t kinds) {
  std::string out;
  for (auto k : {RecordKind::chip, RecordKind::shipment, RecordKind::fab_order})
    if (kinds & kind_bit(k)) out += (out.empty() ? "" : " and ") + std::string(to_string(k));
  return out.empty() ? "none" : out;
}

std::optional<InputType> input_type(const std::string& s) {
  for (auto t : {InputType::number, InputType::integer, InputType::money, InputType::boolean, InputType::date,
                 InputType::country, InputType::text, InputType::chip, InputType::tops_list})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

ValueType value_type(InputType t) {
  switch (t) {
    case InputType::boolean: return ValueType::boolean;
    case InputType::date: return ValueType::date;
    case InputType::country: return ValueType::country;
    case InputType::text: return ValueType::text;
    default: return ValueType::number;
  }
}

class SchemaBuilder {
 public:
  SchemaBuilder(Schema& s, std::vector<Diagnostic>& diags) : s_(s), diags_(diags) {}

  void declare(const Decl& d) {
    std::map<std::string, const Clause*> cl;
    static const std::set<std::string> allowed = {"on", "type", "unit", "doc", "required", "positive"};
    for (const auto& c : d.clauses) {
      if (!allowed.count(c.key)) {
        error("tollgate.check.clause", "'" + c.key + "' does not belong in a field declaration", c.span,
              "a field has `on`, `type`, and optionally `unit`, `required`, `positive`, `doc`");
        continue;
      }
      if (cl.count(c.key)) {
        error("tollgate.check.duplicate-clause", "'" + c.key + "' is given twice in field '" + d.name.text + "'",
              c.span);
        continue;
      }
      cl[c.key] = &c;
    }
    if (!cl.count("on") || !cl.count("type")) {
      error("tollgate.check.missing-clause", "field '" + d.name.text + "' needs `on` and `type`", d.name.span,
            "e.g. `field tpp on chip` then `type number`");
      return;
    }
    FieldInfo f;
    RecordKind kind;
    const std::string& on = cl["on"]->token.text;
    if (on == "chip") kind = RecordKind::chip;
    else if (on == "shipment") kind = RecordKind::shipment;
    else if (on == "fab_order") kind = RecordKind::fab_order;
    else return error("tollgate.check.record-kind", "unknown record kind '" + on + "'", cl["on"]->token.span,
                      "records are chip, shipment or fab_order");
    if (d.name.text == "type" || d.name.text == "class" || (kind != RecordKind::chip && d.name.text == "source"))
      return error("tollgate.check.shadow", "'" + d.name.text + "' cannot name a field", d.name.span,
                   d.name.text == "type" ? "`type` says which kind a record is" :
                   d.name.text == "class" ? "`class` is computed while judging" : "");
    f.name = kind == RecordKind::chip ? "chip." + d.name.text : d.name.text;
    // A chip's fields are also the fields of a shipment's chip (catalog or inline).
    f.kinds = kind == RecordKind::chip ? kind_bit(RecordKind::chip) | kind_bit(RecordKind::shipment) : kind_bit(kind);
    auto t = input_type(cl["type"]->token.text);
    if (!t)
      return error("tollgate.check.type", "unknown field type '" + cl["type"]->token.text + "'",
                   cl["type"]->token.span,
                   "types are number, integer, boolean, date, country, text (and money, chip, tops_list for the "
                   "engine's own fields)");
    f.input = *t;
    f.type = value_type(*t);
    f.readable = *t != InputType::money && *t != InputType::chip && *t != InputType::tops_list;
    if (cl.count("unit")) {
      f.unit = cl["unit"]->token.text;
      static const std::set<std::string> units = {"GB/s", "mm2", "nm", "billion"};
      if (!units.count(f.unit) || (f.input != InputType::number && f.input != InputType::integer))
        return error("tollgate.check.unit", "unit '" + f.unit + "' on field '" + f.name + "'", cl["unit"]->span,
                     "a number field may have the unit \"GB/s\", \"mm2\", \"nm\" or \"billion\"");
    }
    f.positive = cl.count("positive") > 0;
    if (f.positive && f.input != InputType::number && f.input != InputType::integer)
      return error("tollgate.check.type", "only a number can be `positive`", cl["positive"]->span);
    if (cl.count("required")) {
      if (kind == RecordKind::chip)
        return error("tollgate.check.clause", "a chip field cannot be `required`", cl["required"]->span,
                     "the rules say which chip figures they need (a missing one makes the record an error)");
      f.required = kind_bit(kind);
    }
    if (cl.count("doc")) f.doc[static_cast<size_t>(kind)] = cl["doc"]->token.text;
    f.span = d.name.span;
    merge(std::move(f), kind, d);
  }

  // After every declaration: the core fields as the engine reads them, `class`, and the free slots.
  void finish() {
    for (const FieldInfo& c : core_fields()) {
      const FieldInfo* f = s_.find(c.name);
      std::string want = "a " + std::string(to_string(c.input)) + (c.unit.empty() ? "" : " in " + c.unit) + " on " +
                         kinds_text(c.kinds) + (c.required ? ", required on " + kinds_text(c.required) : "") +
                         (c.positive ? ", positive" : "");
      if (!f) {
        error("tollgate.check.core-field", "the schema declares no field '" + c.name + "', which the engine reads",
              first_span_, "declare it (rules/schema.tg): " + want);
        continue;
      }
      if (f->input != c.input || f->unit != c.unit || f->kinds != c.kinds || f->required != c.required ||
          f->positive != c.positive) {
        error("tollgate.check.core-field", "field '" + c.name + "' is read by the engine as " + want, f->span,
              "declare it so (see rules/schema.tg)");
        continue;
      }
      FieldInfo& m = s_.fields[static_cast<size_t>(f - s_.fields.data())];
      m.slot = c.slot;
      m.core = true;
      m.readable = c.readable;
    }
    int next_num = core_slot_count, next_text = core_text_slot_count;
    for (FieldInfo& f : s_.fields) {
      if (f.core) continue;
      if (!f.readable)
        return error("tollgate.check.type", "a " + std::string(to_string(f.input)) + " field is read only by the " +
                                                "engine; '" + f.name + "' is not one of its fields", f.span);
      int& next = f.type == ValueType::text ? next_text : next_num;
      const int cap = f.type == ValueType::text ? text_slot_count : slot_count;
      if (next >= cap)
        return error("tollgate.check.schema-full",
                     "too many " + std::string(f.type == ValueType::text ? "text" : "non-text") + " fields: '" +
                         f.name + "' would be number " + std::to_string(next + 1) + " of " + std::to_string(cap),
                     f.span, "a record holds at most " + std::to_string(slot_count) + " non-text and " +
                         std::to_string(text_slot_count) + " text fields (Facts, program.hpp)");
      f.slot = next++;
    }
    s_.fields.push_back(computed_class_field());
    finish_schema(s_);
  }

 private:
  // One field on several record kinds (destination on shipment and fab_order): one slot, one type.
  void merge(FieldInfo f, RecordKind kind, const Decl& d) {
    if (first_span_.file == nullptr) first_span_ = d.name.span;
    auto it = index_.find(f.name);
    if (it == index_.end()) {
      index_[f.name] = s_.fields.size();
      s_.by_kind[static_cast<size_t>(kind)].push_back(static_cast<int>(s_.fields.size()));
      s_.fields.push_back(std::move(f));
      return;
    }
    FieldInfo& g = s_.fields[it->second];
    if (g.kinds & f.kinds) {
      Diagnostic diag;
      diag.code = "tollgate.check.duplicate";
      diag.message = "field '" + f.name + "' is declared twice on " + to_string(kind);
      diag.span = d.name.span;
      diag.notes.push_back({g.span, "first declared here"});
      diags_.push_back(std::move(diag));
      return;
    }
    if (g.input != f.input || g.unit != f.unit || g.positive != f.positive)
      return error("tollgate.check.field-mismatch",
                   "field '" + f.name + "' has another type, unit or `positive` than where it was declared first",
                   d.name.span, "a field has one type and unit on every record kind");
    s_.by_kind[static_cast<size_t>(kind)].push_back(static_cast<int>(it->second));
    g.kinds |= f.kinds;
    g.required |= f.required;
    g.doc[static_cast<size_t>(kind)] = f.doc[static_cast<size_t>(kind)];
  }

  void error(std::string code, std::string message, Span span, std::string help = "") {
    Diagnostic d;
    d.code = std::move(code);
    d.message = std::move(message);
    d.span = std::move(span);
    d.help = std::move(help);
    diags_.push_back(std::move(d));
  }

  Schema& s_;
  std::vector<Diagnostic>& diags_;
  std::map<std::string, size_t> index_;
  Span first_span_;
};

}  // namespace

std::optional<syntax::File> bundled_schema_file(std::vector<Diagnostic>& diags) {
  const std::string path = default_rules_dir() + "/schema.tg";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  if (in) ss << in.rdbuf();
  if (!in) {
    Diagnostic d;
    d.code = "tollgate.check.no-schema";
    d.message = "the rules declare no record fields, and the bundled schema '" + path + "' cannot be read";
    d.help = "add the `field` declarations (copy rules/schema.tg) to the rules";
    diags.push_back(std::move(d));
    return std::nullopt;
  }
  // Parsed once per text (tests and fuzzers compile many small programs).
  static std::mutex mu;
  static std::map<std::string, ParseResult> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(ss.str());
  if (it == cache.end()) it = cache.emplace(ss.str(), parse_rules(ss.str(), path)).first;
  if (!it->second.ok()) {
    for (const auto& d : it->second.diagnostics) diags.push_back(d);
    return std::nullopt;
  }
  return it->second.file;
}

void build_schema(const std::vector<const syntax::Decl*>& fields, Schema& out, std::vector<Diagnostic>& diags) {
  out = Schema{};
  SchemaBuilder b(out, diags);
  for (const Decl* d : fields) b.declare(*d);
  if (has_errors(diags)) return;
  b.finish();
}

}  // namespace tollgate
