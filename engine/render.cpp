// tollgate — decision renderers. The JSON field order is the contract's (DESIGN §5); nlohmann's ordered_json
// keeps it. Hashes: input_sha256 is the SHA-256 of the record's canonical JSON (sorted keys, numbers as written).
#include "engine/render.hpp"

#include <nlohmann/json.hpp>

namespace tollgate {
namespace {
using ojson = nlohmann::ordered_json;

ojson null_or(const char* s) { return *s ? ojson(s) : ojson(nullptr); }

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }
}  // namespace

std::string decision_json(const Program& p, const Record& r, const Decision& d) {
  if (d.failed) return error_json(r, d.error().code, d.error().field, d.error().message);
  ojson j;
  j["schema"] = decision_schema;
  j["id"] = r.id;
  j["type"] = to_string(r.kind);
  j["as_of"] = format_date(d.as_of);
  j["classification"] = klass_name(d.klass);
  j["verdict"] = to_string(d.verdict);
  j["review"] = null_or(to_string(d.review));
  j["exception"] = null_or(to_string(d.exception));
  ojson fees = ojson::array();
  for (int i = 0; i < d.fee_count; ++i) {
    const Rule& rule = p.rules[static_cast<size_t>(d.fee_rule[static_cast<size_t>(i)])];
    ojson f;
    f["rule"] = rule.id;
    f["rate"] = rule.rate_text;
    f["base_cents"] = d.fee_base_cents[static_cast<size_t>(i)];
    f["amount_cents"] = d.fee_cents[static_cast<size_t>(i)];
    f["citation"] = rule.citation;
    fees.push_back(f);
  }
  j["fees"] = fees;
  j["fee_total_cents"] = d.fee_total_cents;
  ojson fired = ojson::array();
  for (size_t i = 0; i < p.rules.size(); ++i) {
    if (!d.has_fired(static_cast<int>(i))) continue;
    const Rule& rule = p.rules[i];
    ojson f;
    f["rule"] = rule.id;
    f["ruleset"] = p.rulesets[static_cast<size_t>(rule.ruleset)].id;
    f["citation"] = rule.citation;
    f["because"] = explain_rule(p, static_cast<int>(i), r.facts, d.as_of, d.klass);
    fired.push_back(f);
  }
  j["fired"] = fired;
  ojson sets = ojson::array();
  for (int rs : d.active->rulesets) {
    ojson s;
    s["id"] = p.rulesets[static_cast<size_t>(rs)].id;
    s["sha256"] = p.rulesets[static_cast<size_t>(rs)].sha256;
    sets.push_back(s);
  }
  j["rulesets"] = sets;
  j["input_sha256"] = sha256_hex(r.canonical);
  j["engine"] = engine_version;
  return dump(j);
}

std::string error_json(const Record& r, const std::string& code, const std::string& field, const std::string& message) {
  ojson j;
  j["id"] = r.id.empty() ? ojson(nullptr) : ojson(r.id);
  ojson e;
  e["code"] = code;
  e["line"] = r.line;
  e["field"] = field.empty() ? ojson(nullptr) : ojson(field);
  e["message"] = message;
  j["error"] = e;
  return dump(j);
}

std::string decision_text(const Program& p, const Record& r, const Decision& d) {
  if (d.failed) return error_text(r, d.error().code, d.error().field, d.error().message);
  std::string out;
  std::string name = r.facts.has_text(t_chip_name) ? std::string(r.facts.text(t_chip_name)) : "";
  out += (r.id.empty() ? std::string(to_string(r.kind)) : r.id) + "  (" + to_string(r.kind) + ", as of " +
         format_date(d.as_of) + ")\n";
  if (r.kind == RecordKind::shipment) {
    out += "  chip " + (name.empty() ? std::string("(inline spec)") : name);
    if (r.facts.has(s_destination)) out += " -> " + country_code(static_cast<int>(r.facts.num[s_destination]));
    if (r.facts.has(s_end_user_hq)) out += ", end user HQ " + country_code(static_cast<int>(r.facts.num[s_end_user_hq]));
    if (r.facts.has(s_export_from)) out += ", from " + country_code(static_cast<int>(r.facts.num[s_export_from]));
    out += "\n";
  } else if (r.kind == RecordKind::fab_order) {
    const Facts& f = r.facts;
    out += "  " + (f.has_text(t_role) ? std::string(f.text(t_role)) : std::string("fab order"));
    if (f.has_text(t_designer)) out += " for " + std::string(f.text(t_designer));
    if (f.has(s_designer_hq)) out += " (HQ " + country_code(static_cast<int>(f.num[s_designer_hq])) + ")";
    if (f.has(s_destination)) out += " -> " + country_code(static_cast<int>(f.num[s_destination]));
    out += "\n";
  }
  out += "  classification  " + std::string(klass_name(d.klass)) + "\n";
  if (r.kind != RecordKind::chip) {
    out += "  verdict         " + std::string(to_string(d.verdict));
    if (d.review != Review::none) out += ", review " + std::string(to_string(d.review));
    if (d.exception != LicenseException::none) out += ", license exception " + std::string(to_string(d.exception));
    out += "\n";
    out += "  fee             ";
    if (d.fee_count == 0) out += "none\n";
    else {
      out += "$" + format_cents(d.fee_total_cents) + "\n";
      for (int i = 0; i < d.fee_count; ++i) {
        const Rule& rule = p.rules[static_cast<size_t>(d.fee_rule[static_cast<size_t>(i)])];
        out += "    " + rule.rate_text + " of $" + format_cents(d.fee_base_cents[static_cast<size_t>(i)]) + " = $" +
               format_cents(d.fee_cents[static_cast<size_t>(i)]) + "  (" + rule.id + "; " + rule.citation + ")\n";
      }
    }
  }
  bool any = false;
  for (size_t i = 0; i < p.rules.size(); ++i) {
    if (!d.has_fired(static_cast<int>(i))) continue;
    if (!any) out += "  because\n";
    any = true;
    const Rule& rule = p.rules[i];
    out += "    - " + rule.id + "  [" + rule.citation + "]\n";
    out += "      " + explain_rule(p, static_cast<int>(i), r.facts, d.as_of, d.klass) + "\n";
  }
  if (!any) out += "  because         no rule in force applies\n";
  out += "  rules in force  ";
  for (size_t i = 0; i < d.active->rulesets.size(); ++i)
    out += (i ? ", " : "") + p.rulesets[static_cast<size_t>(d.active->rulesets[i])].id;
  if (d.active->rulesets.empty()) out += "(none)";
  out += "\n";
  return out;
}

std::string error_text(const Record& r, const std::string& code, const std::string& field, const std::string& message) {
  return "line " + std::to_string(r.line) + (r.id.empty() ? "" : " (" + r.id + ")") + ": error[" + code + "]" +
         (field.empty() ? "" : " in " + field) + ": " + message + "\n";
}

}  // namespace tollgate
