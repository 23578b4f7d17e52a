// tollgate — the record schema of DESIGN §4 as data, and the names of verdicts, reviews, classes.
#include <string_view>

#include "engine/base/date.hpp"
#include "engine/lang/program.hpp"

namespace tollgate {

namespace {
constexpr uint8_t CHIP = 1, SHIP = 2, FAB = 4;
}

const std::vector<FieldInfo>& all_fields() {
  static const std::vector<FieldInfo> fields = {
      {"chip.datacenter", ValueType::boolean, "", s_chip_datacenter, CHIP | SHIP},
      {"chip.tpp", ValueType::number, "", s_chip_tpp, CHIP | SHIP},
      {"chip.peak_dense_tops", ValueType::number, "", s_chip_peak_dense_tops, CHIP | SHIP},
      {"chip.bit_length", ValueType::number, "", s_chip_bit_length, CHIP | SHIP},
      {"chip.die_area_mm2", ValueType::number, "mm2", s_chip_die_area_mm2, CHIP | SHIP},
      {"chip.interconnect_gbps", ValueType::number, "GB/s", s_chip_interconnect_gbps, CHIP | SHIP},
      {"chip.memory_bw_gbps", ValueType::number, "GB/s", s_chip_memory_bw_gbps, CHIP | SHIP},
      {"chip.transistors_billion", ValueType::number, "billion", s_chip_transistors_billion, CHIP | SHIP},
      {"chip.process_nm", ValueType::number, "nm", s_chip_process_nm, CHIP | SHIP},
      {"chip.non_planar", ValueType::boolean, "", s_chip_non_planar, CHIP | SHIP},
      {"chip.has_hbm", ValueType::boolean, "", s_chip_has_hbm, CHIP | SHIP},
      {"chip.first_marketed", ValueType::date, "", s_chip_first_marketed, CHIP | SHIP},
      {"chip.hbm_stack", ValueType::boolean, "", s_chip_hbm_stack, CHIP | SHIP},
      {"chip.package_area_mm2", ValueType::number, "mm2", s_chip_package_area_mm2, CHIP | SHIP},
      {"chip.us_available_on", ValueType::date, "", s_chip_us_available_on, CHIP | SHIP},
      {"chip.name", ValueType::text, "", t_chip_name, CHIP | SHIP},
      {"chip.vendor", ValueType::text, "", t_chip_vendor, CHIP | SHIP},
      {"chip.family", ValueType::text, "", t_chip_family, CHIP | SHIP},
      {"destination", ValueType::country, "", s_destination, SHIP | FAB},
      {"end_user_hq", ValueType::country, "", s_end_user_hq, SHIP},
      {"end_user_parent_hq", ValueType::country, "", s_end_user_parent_hq, SHIP},
      {"quantity", ValueType::number, "", s_quantity, SHIP | FAB},
      {"export_from", ValueType::country, "", s_export_from, SHIP},
      {"end_user", ValueType::text, "", t_end_user, SHIP},
      {"license", ValueType::text, "", t_license, SHIP},
      {"consignee", ValueType::text, "", t_consignee, SHIP},
      {"intermediate_consignee", ValueType::text, "", t_intermediate_consignee, SHIP},
      {"purchaser", ValueType::text, "", t_purchaser, SHIP},
      {"end_user_owners", ValueType::text, "", t_end_user_owners, SHIP},
      {"id", ValueType::text, "", t_id, SHIP | FAB},
      {"role", ValueType::text, "", t_role, FAB},
      {"designer", ValueType::text, "", t_designer, FAB},
      {"designer_hq", ValueType::country, "", s_designer_hq, FAB},
      {"designer_status", ValueType::text, "", t_designer_status, FAB},
      {"designer_attests_not_3a090a", ValueType::boolean, "", s_designer_attests_not_3a090a, FAB},
      {"process_nm", ValueType::number, "nm", s_process_nm, FAB},
      {"non_planar", ValueType::boolean, "", s_non_planar, FAB},
      {"transistors_billion", ValueType::number, "billion", s_transistors_billion, FAB},
      {"has_hbm", ValueType::boolean, "", s_has_hbm, FAB},
      {"packager_approved", ValueType::boolean, "", s_packager_approved, FAB},
      {"packaged_in", ValueType::country, "", s_packaged_in, FAB},
      {"packaged_by", ValueType::text, "", t_packaged_by, FAB},
      {"designer_applied_on", ValueType::date, "", s_designer_applied_on, FAB},
      {"designer_location", ValueType::country, "", s_designer_location, FAB},
      {"designer_parent_hq", ValueType::country, "", s_designer_parent_hq, FAB},
      {"class", ValueType::klass, "", s_class, SHIP | FAB},
  };
  return fields;
}

const FieldInfo* find_field(std::string_view name) {
  for (const auto& f : all_fields())
    if (name == f.name) return &f;
  return nullptr;
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
