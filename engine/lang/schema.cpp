// tollgate — the core fields of the record schema (docs/records.md, "Fields"; the schema itself is declared in
// rules/schema.tg), and the names of verdicts, reviews, classes.
#include <algorithm>
#include <atomic>
#include <string_view>

#include "engine/base/date.hpp"
#include "engine/lang/program.hpp"

namespace tollgate {

// The core fields: those the C++ engine reads by a named slot. Every field is DECLARED in the rules (rules/schema.tg);
// this table only says what the schema file must declare for these, so that the engine and the rules agree. A new
// field that only rules read needs no row here: declare it in rules/schema.tg (docs/architecture.md, "Where to add
// a field").
namespace {
constexpr uint8_t CHIP = 1, SHIP = 2, FAB = 4;

FieldInfo core(const char* name, InputType in, const char* unit, int slot, uint8_t kinds, uint8_t required = 0,
               bool positive = false) {
  FieldInfo f;
  f.name = name;
  f.input = in;
  f.unit = unit;
  f.slot = slot;
  f.kinds = kinds;
  f.required = required;
  f.positive = positive;
  f.core = true;
  f.readable = in != InputType::money && in != InputType::chip && in != InputType::tops_list;
  f.type = in == InputType::boolean ? ValueType::boolean
         : in == InputType::date    ? ValueType::date
         : in == InputType::country ? ValueType::country
         : in == InputType::text    ? ValueType::text
                                    : ValueType::number;
  return f;
}
}  // namespace

const std::vector<FieldInfo>& core_fields() {
  using I = InputType;
  static const std::vector<FieldInfo> fields = [] {
    std::vector<FieldInfo> v = {
        core("chip.name", I::text, "", t_chip_name, CHIP | SHIP),
        core("chip.vendor", I::text, "", t_chip_vendor, CHIP | SHIP),
        core("chip.family", I::text, "", t_chip_family, CHIP | SHIP),
        core("chip.datacenter", I::boolean, "", s_chip_datacenter, CHIP | SHIP),
        core("chip.tpp", I::number, "", s_chip_tpp, CHIP | SHIP),
        core("chip.peak_dense_tops", I::number, "", s_chip_peak_dense_tops, CHIP | SHIP),
        core("chip.bit_length", I::number, "", s_chip_bit_length, CHIP | SHIP),
        core("chip.tops_by_precision", I::tops_list, "", -1, CHIP | SHIP),
        core("chip.die_area_mm2", I::number, "mm2", s_chip_die_area_mm2, CHIP | SHIP, 0, true),
        core("chip.interconnect_gbps", I::number, "GB/s", s_chip_interconnect_gbps, CHIP | SHIP),
        core("chip.memory_bw_gbps", I::number, "GB/s", s_chip_memory_bw_gbps, CHIP | SHIP),
        core("chip.first_marketed", I::date, "", s_chip_first_marketed, CHIP | SHIP),
        core("chip.hbm_stack", I::boolean, "", s_chip_hbm_stack, CHIP | SHIP),
        core("chip.package_area_mm2", I::number, "mm2", s_chip_package_area_mm2, CHIP | SHIP, 0, true),
        core("chip.us_available_on", I::date, "", s_chip_us_available_on, CHIP | SHIP),
        core("id", I::text, "", t_id, SHIP | FAB, SHIP | FAB),
        core("date", I::date, "", s_date, SHIP | FAB, SHIP | FAB),
        core("chip", I::chip, "", -1, SHIP, SHIP),
        core("destination", I::country, "", s_destination, SHIP | FAB, SHIP | FAB),
        core("end_user", I::text, "", t_end_user, SHIP),
        core("end_user_hq", I::country, "", s_end_user_hq, SHIP),
        core("end_user_parent_hq", I::country, "", s_end_user_parent_hq, SHIP),
        core("quantity", I::integer, "", s_quantity, SHIP | FAB, SHIP),
        core("unit_price_usd", I::money, "", -1, SHIP | FAB, SHIP),
        core("export_from", I::country, "", s_export_from, SHIP),
        core("role", I::text, "", t_role, FAB, FAB),
        core("designer", I::text, "", t_designer, FAB),
        core("designer_hq", I::country, "", s_designer_hq, FAB, FAB),
        core("designer_status", I::text, "", t_designer_status, FAB, FAB),
        core("packager_approved", I::boolean, "", s_packager_approved, FAB),
        core("packaged_by", I::text, "", t_packaged_by, FAB),
        // The parties screened (issue 16; engine/parties): read by slot; end_user_owners in the canonical text form
        // "Name:percent[:CC[:of]];..." that its reader (engine/records) writes.
        core("consignee", I::text, "", t_consignee, SHIP),
        core("intermediate_consignee", I::text, "", t_intermediate_consignee, SHIP),
        core("purchaser", I::text, "", t_purchaser, SHIP),
        core("end_user_owners", I::text, "", t_end_user_owners, SHIP),
    };
    for (auto& f : v)  // `date` in a rule is the as-of date (the record's date unless --as-of is given)
      if (f.name == "date") f.readable = false;
    return v;
  }();
  return fields;
}

// `class`: the classification, computed while judging (by the classify rules); shipments and fab orders read it.
static FieldInfo class_field() {
  FieldInfo f;
  f.name = "class";
  f.type = ValueType::klass;
  f.slot = s_class;
  f.kinds = SHIP | FAB;
  f.core = true;
  f.computed = true;
  return f;
}

const Schema& core_schema() {
  static const Schema schema = [] {
    Schema s;
    s.fields = core_fields();
    for (size_t i = 0; i < s.fields.size(); ++i) {
      const FieldInfo& f = s.fields[i];
      for (auto k : {RecordKind::chip, RecordKind::shipment, RecordKind::fab_order}) {
        const bool chip_field = f.name.rfind("chip.", 0) == 0;
        if ((f.kinds >> static_cast<int>(k) & 1) && (chip_field == (k == RecordKind::chip)))
          s.by_kind[static_cast<size_t>(k)].push_back(static_cast<int>(i));
      }
    }
    s.fields.push_back(class_field());
    finish_schema(s);
    return s;
  }();
  return schema;
}

void finish_schema(Schema& s) {
  static std::atomic<uint64_t> next_serial{1};
  s.serial = next_serial++;
  s.chip_slots = 0;
  s.chip_text_slots = 0;
  s.number_slots = core_slot_count;
  s.text_slots = core_text_slot_count;
  for (const auto& f : s.fields) {
    if (f.slot < 0) continue;
    const bool text = f.type == ValueType::text;
    if (text) s.text_slots = std::max(s.text_slots, f.slot + 1);
    else s.number_slots = std::max(s.number_slots, f.slot + 1);
    if (f.name.rfind("chip.", 0) == 0) {
      if (text) s.chip_text_slots |= 1u << f.slot;
      else s.chip_slots |= uint64_t{1} << f.slot;
    }
  }
}

FieldInfo computed_class_field() { return class_field(); }

const FieldInfo* Schema::find(std::string_view name) const {
  for (const auto& f : fields)
    if (name == f.name) return &f;
  return nullptr;
}

const char* to_string(InputType t) {
  switch (t) {
    case InputType::number: return "number";
    case InputType::integer: return "integer";
    case InputType::money: return "money";
    case InputType::boolean: return "boolean";
    case InputType::date: return "date";
    case InputType::country: return "country";
    case InputType::text: return "text";
    case InputType::chip: return "chip";
    case InputType::tops_list: return "tops_list";
  }
  return "?";
}

const char* to_string(RecordKind k) {
  switch (k) {
    case RecordKind::chip: return "chip";
    case RecordKind::shipment: return "shipment";
    case RecordKind::fab_order: return "fab_order";
  }
  return "?";
}

const char* klass_name(int k) {
  switch (k) {
    case k_3a090a: return "3A090.a";
    case k_3a090b: return "3A090.b";
    case k_3a090c: return "3A090.c";
    default: return "none";
  }
}

int klass_from_name(std::string_view s) {
  if (s == "3A090.a") return k_3a090a;
  if (s == "3A090.b") return k_3a090b;
  if (s == "3A090.c") return k_3a090c;
  if (s == "none") return k_none;
  return -1;
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::allowed: return "ALLOWED";
    case Verdict::notify: return "NOTIFY";
    case Verdict::license_required: return "LICENSE_REQUIRED";
    case Verdict::prohibited: return "PROHIBITED";
  }
  return "?";
}

const char* to_string(Review r) {
  switch (r) {
    case Review::none: return "";
    case Review::presumption_of_approval: return "presumption_of_approval";
    case Review::case_by_case: return "case_by_case";
    case Review::congressional_review: return "congressional_review";
    case Review::presumption_of_denial: return "presumption_of_denial";
    case Review::policy_of_denial: return "policy_of_denial";
  }
  return "?";
}

const char* to_string(LicenseException e) {
  switch (e) {
    case LicenseException::none: return "";
    case LicenseException::nac: return "NAC";
    case LicenseException::aca: return "ACA";
  }
  return "?";
}

const char* to_string(Status s) {
  switch (s) {
    case Status::enacted: return "enacted";
    case Status::arrangement: return "arrangement";
    case Status::proposed: return "proposed";
    case Status::unenforced: return "unenforced";
  }
  return "?";
}

const ActiveSet& Program::active(Day d, const EvalOptions& o) const {
  const auto& segs = segments[o.mode()];
  size_t lo = 0, hi = segs.size();
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (segs[mid].start <= d) lo = mid; else hi = mid;
  }
  return segs[lo];
}

Day Program::active_end(const ActiveSet& a, const EvalOptions& o) const {
  const auto& segs = segments[o.mode()];
  auto i = static_cast<size_t>(&a - segs.data());
  return i + 1 < segs.size() ? segs[i + 1].start : day_max;
}

}  // namespace tollgate
