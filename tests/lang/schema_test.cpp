// tollgate tests — the record schema declared in the rules (issue 14 item 1; rules/schema.tg, engine/lang/declare.cpp):
// core fields keep their named slots, other fields get free slots, the declarations are checked, the capacity of
// Facts is enforced, and rules without declarations use the bundled schema.
#include <algorithm>
#include <set>

#include "tests/support.hpp"

using namespace tollgate;

namespace {
// The bundled schema plus `extra` (more declarations, or rules), compiled together.
CompileResult with_schema(const std::string& extra) {
  auto base = parse_rules(test::slurp(test::source_dir() + "/rules/schema.tg"), "schema.tg");
  REQUIRE(base.ok());
  auto more = parse_rules(extra, "extra.tg");
  for (const auto& d : more.diagnostics) MESSAGE(render_human(d));
  REQUIRE(more.ok());
  return compile({base.file, more.file});
}
bool has_code(const CompileResult& r, const std::string& code) {
  return std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [&](const Diagnostic& d) { return d.code == code; });
}
const char* const ruleset_head = "ruleset t \"T\" {\n  source \"s\"\n  status enacted\n  effective 2024-01-01\n}\n";
}  // namespace

TEST_CASE("schema: core fields keep their named slots; the others get free slots, each slot once") {
  const Schema& s = test::bundled().schema;
  REQUIRE(s.find("chip.tpp"));
  CHECK(s.find("chip.tpp")->core);
  CHECK(s.find("chip.tpp")->slot == s_chip_tpp);
  CHECK(s.find("end_user")->slot == t_end_user);
  const FieldInfo* np = s.find("chip.non_planar");
  REQUIRE(np);
  CHECK_FALSE(np->core);
  CHECK(np->slot >= core_slot_count);
  CHECK(np->slot < slot_count);
  CHECK(s.find("license")->slot >= core_text_slot_count);
  CHECK(s.find("destination")->kinds == 6);     // shipment and fab_order: one field
  CHECK(s.find("destination")->required == 6);  // required on both
  CHECK(s.find("quantity")->required == 2);     // required on shipments only
  CHECK_FALSE(s.find("unit_price_usd")->readable);
  CHECK(s.find("class")->computed);
  std::set<int> num, text;
  for (const auto& f : s.fields) {
    if (f.slot < 0) continue;
    CHECK_MESSAGE((f.type == ValueType::text ? text : num).insert(f.slot).second, f.name);
  }
  CHECK(((s.chip_slots >> s_chip_tpp) & 1) == 1);
  CHECK(((s.chip_slots >> np->slot) & 1) == 1);
  CHECK(((s.chip_slots >> s_destination) & 1) == 0);
  MESSAGE("sizeof(Facts) = " << sizeof(Facts) << " bytes; slots used: " << s.number_slots << " of " << slot_count
                             << ", " << s.text_slots << " of " << text_slot_count);
}

TEST_CASE("schema: a declared field is readable by rules with its type and unit") {
  auto r = with_schema(std::string("field pod_power_kw on shipment\n  type number\n  unit \"nm\"\n") + ruleset_head +
                       "rule big on shipment\n  when pod_power_kw > 100 nm\n  then NOTIFY\n  cite \"c\"\n");
  for (const auto& d : r.diagnostics) MESSAGE(render_human(d));
  REQUIRE(r.program);
  CHECK(r.program->schema.find("pod_power_kw")->slot >= core_slot_count);
  auto bad = with_schema(std::string("field pod_power_kw on shipment\n  type number\n  unit \"nm\"\n") + ruleset_head +
                         "rule big on shipment\n  when pod_power_kw > 100 GB/s\n  then NOTIFY\n  cite \"c\"\n");
  CHECK(has_code(bad, "tollgate.check.unit"));
}

TEST_CASE("schema: declarations are checked") {
  CHECK(has_code(with_schema("field license on fab_order\n  type number\n"), "tollgate.check.field-mismatch"));
  CHECK(has_code(with_schema("field license on shipment\n  type text\n"), "tollgate.check.duplicate"));
  CHECK(has_code(with_schema("field x on shipment\n  type float\n"), "tollgate.check.type"));
  CHECK(has_code(with_schema("field x on shipment\n  type text\n  unit \"nm\"\n"), "tollgate.check.unit"));
  CHECK(has_code(with_schema("field x on shipment\n  type text\n  positive\n"), "tollgate.check.type"));
  CHECK(has_code(with_schema("field x on shipment\n  type number\n  cite \"c\"\n"), "tollgate.check.clause"));
  CHECK(has_code(with_schema("field x on parcel\n  type number\n"), "tollgate.check.record-kind"));
  CHECK(has_code(with_schema("field x on shipment\n  doc \"no type\"\n"), "tollgate.check.missing-clause"));
  CHECK(has_code(with_schema("field x on chip\n  type number\n  required\n"), "tollgate.check.clause"));
  CHECK(has_code(with_schema("field type on shipment\n  type text\n"), "tollgate.check.shadow"));
  CHECK(has_code(with_schema("field price on shipment\n  type money\n"), "tollgate.check.type"));
  // A rule cannot read an input-only field.
  CHECK(has_code(with_schema(std::string(ruleset_head) +
                             "rule r on shipment\n  when unit_price_usd > 1\n  then NOTIFY\n  cite \"c\"\n"),
                 "tollgate.check.unknown-name"));
}

TEST_CASE("schema: Facts has room for slot_count number and text_slot_count text fields, and no more") {
  const Schema& s = test::bundled().schema;
  std::string fit, over;
  for (int i = s.number_slots; i < slot_count; ++i) fit += "field n" + std::to_string(i) + " on shipment\n  type boolean\n";
  for (int i = s.text_slots; i < text_slot_count; ++i) fit += "field t" + std::to_string(i) + " on fab_order\n  type text\n";
  auto ok = with_schema(fit);
  for (const auto& d : ok.diagnostics) MESSAGE(render_human(d));
  CHECK(ok.program);
  CHECK(has_code(with_schema(fit + "field one_more on shipment\n  type date\n"), "tollgate.check.schema-full"));
  CHECK(has_code(with_schema(fit + "field one_more on chip\n  type text\n"), "tollgate.check.schema-full"));
}

TEST_CASE("schema: rules that declare no field use the bundled schema") {
  auto p = parse_rules(std::string(ruleset_head) + "rule r on shipment\n  when chip.tpp > 1\n  then NOTIFY\n  cite \"c\"\n",
                       "alone.tg");
  REQUIRE(p.ok());
  auto r = compile({p.file});
  REQUIRE(r.program);
  CHECK(r.program->schema.find("chip.non_planar"));
  CHECK(r.program->schema.fields.size() == test::bundled().schema.fields.size());
}
