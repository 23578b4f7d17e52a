// tollgate — decision renderers. The JSON field order is the contract's (DESIGN §5); nlohmann's ordered_json
// keeps it. Hashes: input_sha256 is the SHA-256 of the record's canonical JSON (sorted keys, numbers as written).
#include "engine/render.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstring>

namespace tollgate {
namespace {
using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }
}  // namespace

namespace {
void put_string(std::string& out, std::string_view s) { append_json_string(out, s); }
template <size_t N>
void lit(std::string& out, const char (&s)[N]) {
  out.append(s, N - 1);
}
void put_key(std::string& out, const char* key) {
  out += '"';
  out += key;
  out += "\":";
}
void put_member(std::string& out, const char* key, std::string_view value) {
  put_key(out, key);
  put_string(out, value);
  out += ',';
}
}  // namespace

// Written by hand for speed (an audit renders hundreds of thousands a second); the bytes are those of an
// ordered_json dump, which tests/decision_test.cpp checks against nlohmann on every case of the corpus.
std::string decision_json(const Program& p, const Record& r, const Decision& d, JsonLayout* layout) {
  if (d.failed) return error_json(r, d.error().code, d.error().field, d.error().message);
  std::string out;
  out.reserve(1024);
  decision_json_into(out, p, r, d, layout);
  return out;
}

namespace {
// The general renderer: piece by piece, escaping every string as needed.
void decision_json_general(std::string& out, const Program& p, const Record& r, const Decision& d, JsonLayout* layout,
                           const std::string* fired, const Sha256* input_sha, const std::string* rulesets) {
  static const std::string head = [] {
    std::string h = "{\"schema\":";
    put_string(h, decision_schema);
    return h + ",\"id\":";
  }();
  static const std::string tail = [] {
    std::string t = ",\"engine\":";
    put_string(t, engine_version);
    return t + "}";
  }();
  out.clear();
  out += head;
  put_string(out, r.id);
  lit(out, ",\"type\":");
  put_string(out, to_string(r.kind));
  lit(out, ",\"as_of\":");
  put_string(out, format_date(d.as_of));
  lit(out, ",\"classification\":");
  put_string(out, klass_name(d.klass));
  lit(out, ",\"verdict\":");
  put_string(out, to_string(d.verdict));
  lit(out, ",\"review\":");
  if (const char* v = to_string(d.review); *v) put_string(out, v);
  else lit(out, "null");
  lit(out, ",\"exception\":");
  if (const char* v = to_string(d.exception); *v) put_string(out, v);
  else lit(out, "null");
  lit(out, ",\"fees\":");
  if (layout) layout->fees_begin = out.size();
  out += '[';
  for (int i = 0; i < d.fee_count; ++i) {
    const Rule& rule = p.rules[static_cast<size_t>(d.fee_rule[static_cast<size_t>(i)])];
    if (i) out += ',';
    out += '{';
    put_member(out, "rule", rule.id);
    put_member(out, "rate", rule.rate_text);
    put_key(out, "base_cents");
    out += std::to_string(d.fee_base_cents[static_cast<size_t>(i)]);
    out += ',';
    put_key(out, "amount_cents");
    out += std::to_string(d.fee_cents[static_cast<size_t>(i)]);
    out += ',';
    put_key(out, "citation");
    put_string(out, rule.citation);
    out += '}';
  }
  out += ']';
  if (layout) layout->fees_end = out.size();
  lit(out, ",\"fee_total_cents\":");
  out += std::to_string(d.fee_total_cents);
  lit(out, ",\"fired\":");
  if (layout) layout->fired_begin = out.size();
  if (fired) {
    out += *fired;
  } else {
    out += '[';
    bool first = true;
    for (size_t i = 0; i < p.rules.size(); ++i) {
      if (!d.has_fired(static_cast<int>(i))) continue;
      if (!first) out += ',';
      first = false;
      append_fired_entry(out, p, static_cast<int>(i), r, d);
    }
    out += ']';
  }
  if (layout) layout->fired_end = out.size();
  lit(out, ",\"rulesets\":");
  if (layout) layout->rulesets_begin = out.size();
  if (rulesets) {
    out += *rulesets;
  } else {
    out += '[';
    for (size_t i = 0; i < d.active->rulesets.size(); ++i) {
      const Ruleset& rs = p.rulesets[static_cast<size_t>(d.active->rulesets[i])];
      if (i) out += ',';
      out += '{';
      put_member(out, "id", rs.id);
      put_key(out, "sha256");
      put_string(out, rs.sha256);
      out += '}';
    }
    out += ']';
  }
  if (layout) layout->rulesets_end = out.size();
  lit(out, ",\"input_sha256\":\"");
  append_hex(out, input_sha ? *input_sha : sha256(r.canonical));  // hex digits need no escaping
  out += '"';
  out += tail;
}
}  // namespace

void decision_json_into(std::string& out, const Program& p, const Record& r, const Decision& d, JsonLayout* layout,
                        const std::string* fired, const Sha256* input_sha, const std::string* rulesets) {
  // An audit renders a million of these: the pieces are gathered, the size added up, and the bytes copied once
  // (appending some thirty pieces one by one cost a third of a microsecond). Every piece but the id is a fixed
  // name or a number, or an array rendered as JSON already; an id that needs escaping goes the general way.
  constexpr Day year_0 = -719468, year_9999_end = 2932896;  // 0000-01-01 and 9999-12-31: four-digit years
  if (json_needs_escape(r.id) || d.as_of < year_0 || d.as_of > year_9999_end)
    return decision_json_general(out, p, r, d, layout, fired, input_sha, rulesets);
  static const std::string head = [] {
    std::string h = "{\"schema\":";
    append_json_string(h, decision_schema);
    return h + ",\"id\":\"";
  }();
  static const std::string tail = [] {
    std::string t = "\",\"engine\":";
    append_json_string(t, engine_version);
    return t + "}";
  }();
  thread_local std::string fees_text, fired_text, rulesets_text;
  const Sha256 in = input_sha ? *input_sha : sha256(r.canonical);
  std::string_view fees = "[]";
  if (d.fee_count || !fired || !rulesets) {  // the parts not given, rendered the general way, once
    std::string whole;
    JsonLayout at;
    decision_json_general(whole, p, r, d, &at, fired, &in, rulesets);
    auto part = [&](std::string& to, size_t from, size_t end) -> const std::string* {
      to.assign(whole, from, end - from);
      return &to;
    };
    if (d.fee_count) fees = *part(fees_text, at.fees_begin, at.fees_end);
    if (!fired) fired = part(fired_text, at.fired_begin, at.fired_end);
    if (!rulesets) rulesets = part(rulesets_text, at.rulesets_begin, at.rulesets_end);
  }
  char date[10];
  format_date_into(date, d.as_of);
  char total[24];
  auto tr = std::to_chars(total, total + sizeof total, d.fee_total_cents);
  char hex[64];
  {
    static const char* digits = "0123456789abcdef";
    for (size_t i = 0; i < 32; ++i) {
      hex[2 * i] = digits[in[i] >> 4];
      hex[2 * i + 1] = digits[in[i] & 15];
    }
  }
  const char* review = to_string(d.review);
  const char* exception = to_string(d.exception);
  std::string_view pieces[] = {
      head, r.id, "\",\"type\":\"", to_string(r.kind), "\",\"as_of\":\"", std::string_view(date, 10),
      "\",\"classification\":\"", klass_name(d.klass), "\",\"verdict\":\"", to_string(d.verdict), "\",\"review\":",
      *review ? "\"" : "", *review ? review : "null", *review ? "\"" : "", ",\"exception\":",
      *exception ? "\"" : "", *exception ? exception : "null", *exception ? "\"" : "", ",\"fees\":",
      fees,  // 19
      ",\"fee_total_cents\":", std::string_view(total, static_cast<size_t>(tr.ptr - total)), ",\"fired\":",
      *fired,  // 23
      ",\"rulesets\":",
      *rulesets,  // 25
      ",\"input_sha256\":\"", std::string_view(hex, 64), tail};
  size_t size = 0;
  for (auto piece : pieces) size += piece.size();
  out.resize(size);
  char* w = out.data();
  for (size_t i = 0; i < std::size(pieces); ++i) {
    if (layout) {
      size_t at = static_cast<size_t>(w - out.data());
      if (i == 19) layout->fees_begin = at;
      if (i == 20) layout->fees_end = at;
      if (i == 23) layout->fired_begin = at;
      if (i == 24) layout->fired_end = at;
      if (i == 25) layout->rulesets_begin = at;
      if (i == 26) layout->rulesets_end = at;
    }
    std::memcpy(w, pieces[i].data(), pieces[i].size());
    w += pieces[i].size();
  }
}

void append_fired_entry(std::string& out, const Program& p, int rule_index, const Record& r, const Decision& d) {
  const Rule& rule = p.rules[static_cast<size_t>(rule_index)];
  out += '{';
  put_member(out, "rule", rule.id);
  put_member(out, "ruleset", p.rulesets[static_cast<size_t>(rule.ruleset)].id);
  put_member(out, "citation", rule.citation);
  put_key(out, "because");
  put_string(out, explain_rule(p, rule_index, r.facts, d.as_of, d.klass));
  out += '}';
}

std::string decision_json_from_parts(const DecisionParts& d) {
  std::string out;
  out.reserve(256 + d.fees.size() + d.fired.size() + d.rulesets.size());
  out += '{';
  put_member(out, "schema", decision_schema);
  put_member(out, "id", d.id);
  put_member(out, "type", d.type);
  put_member(out, "as_of", d.as_of);
  put_member(out, "classification", d.classification);
  put_member(out, "verdict", d.verdict);
  put_key(out, "review");
  if (d.review.empty()) out += "null";
  else put_string(out, d.review);
  out += ',';
  put_key(out, "exception");
  if (d.exception.empty()) out += "null";
  else put_string(out, d.exception);
  out += ',';
  put_key(out, "fees");
  out += d.fees;
  out += ',';
  put_key(out, "fee_total_cents");
  out += std::to_string(d.fee_total_cents);
  out += ',';
  put_key(out, "fired");
  out += d.fired;
  out += ',';
  put_key(out, "rulesets");
  out += d.rulesets;
  out += ',';
  put_member(out, "input_sha256", d.input_sha256);
  put_key(out, "engine");
  put_string(out, d.engine);
  out += '}';
  return out;
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

void record_subject_into(std::string& out, const Record& r) {
  const Facts& f = r.facts;
  out.clear();
  auto code = [&](const char* before, int slot, const char* after = "") {
    if (!f.has(slot)) return;
    int c = static_cast<int>(f.num[static_cast<size_t>(slot)]);
    out += before;
    if (c >= 0 && c < country_slots) {
      out += static_cast<char>('A' + c / 26);
      out += static_cast<char>('A' + c % 26);
    } else {
      out += "??";
    }
    out += after;
  };
  if (r.kind == RecordKind::shipment) {
    out += "chip ";
    out += f.has_text(t_chip_name) ? f.text(t_chip_name) : std::string_view("(inline spec)");
    code(" -> ", s_destination);
    code(", end user HQ ", s_end_user_hq);
    code(", from ", s_export_from);
  } else if (r.kind == RecordKind::fab_order) {
    out += f.has_text(t_role) ? f.text(t_role) : std::string_view("fab order");
    if (f.has_text(t_designer)) {
      out += " for ";
      out += f.text(t_designer);
    }
    code(" (HQ ", s_designer_hq, ")");
    code(" -> ", s_destination);
  }
}

std::string record_subject(const Record& r) {
  std::string out;
  record_subject_into(out, r);
  return out;
}

std::string decision_text(const Program& p, const Record& r, const Decision& d) {
  if (d.failed) return error_text(r, d.error().code, d.error().field, d.error().message);
  return decision_text_from_json(decision_json(p, r, d), record_subject(r));
}

std::string decision_text_from_json(std::string_view decision, std::string_view subject) {
  auto j = nlohmann::json::parse(decision);
  auto str = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string(); };
  std::string type = str(j["type"]), id = str(j["id"]);
  std::string out = (id.empty() ? type : id) + "  (" + type + ", as of " + str(j["as_of"]) + ")\n";
  if (!subject.empty()) out += "  " + std::string(subject) + "\n";
  out += "  classification  " + str(j["classification"]) + "\n";
  if (type != "chip") {
    out += "  verdict         " + str(j["verdict"]);
    if (j["review"].is_string()) out += ", review " + str(j["review"]);
    if (j["exception"].is_string()) out += ", license exception " + str(j["exception"]);
    out += "\n";
    out += "  fee             ";
    if (j["fees"].empty()) out += "none\n";
    else {
      out += "$" + format_cents(j["fee_total_cents"].get<int64_t>()) + "\n";
      for (const auto& f : j["fees"])
        out += "    " + str(f["rate"]) + " of $" + format_cents(f["base_cents"].get<int64_t>()) + " = $" +
               format_cents(f["amount_cents"].get<int64_t>()) + "  (" + str(f["rule"]) + "; " + str(f["citation"]) +
               ")\n";
    }
  }
  if (j["fired"].empty()) out += "  because         no rule in force applies\n";
  else out += "  because\n";
  for (const auto& f : j["fired"]) {
    out += "    - " + str(f["rule"]) + "  [" + str(f["citation"]) + "]\n";
    out += "      " + str(f["because"]) + "\n";
  }
  out += "  rules in force  ";
  bool first = true;
  for (const auto& rs : j["rulesets"]) {
    out += (first ? "" : ", ") + str(rs["id"]);
    first = false;
  }
  if (first) out += "(none)";
  out += "\n";
  return out;
}

std::string error_text(const Record& r, const std::string& code, const std::string& field, const std::string& message) {
  return "line " + std::to_string(r.line) + (r.id.empty() ? "" : " (" + r.id + ")") + ": error[" + code + "]" +
         (field.empty() ? "" : " in " + field) + ": " + message + "\n";
}

}  // namespace tollgate
