// tollgate — decision renderers. The JSON field order is the contract's (docs/records.md, "Decisions"); nlohmann's
// ordered_json keeps it. Hashes: input_sha256 is the SHA-256 of the record's canonical JSON (sorted keys, numbers as
// written).
#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "engine/base/money.hpp"
#include "engine/base/text.hpp"
#include "engine/base/hash.hpp"
#include "engine/render/render.hpp"

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
// ordered_json dump, which tests/eval/decision_test.cpp checks against nlohmann on every case of the corpus.
std::string decision_json(const Program& p, const Record& r, const Decision& d, JsonLayout* layout) {
  if (d.failed) return error_json(r, d.error().code, d.error().field, d.error().message);
  std::string out;
  out.reserve(1024);
  decision_json_into(out, p, r, d, layout);
  return out;
}

namespace {
// The arrays of a decision, rendered from the program (callers may pass texts rendered before instead).
void render_fees(std::string& out, const Program& p, const Decision& d) {
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
}
void render_fired(std::string& out, const Program& p, const Record& r, const Decision& d) {
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
void render_notes(std::string& out, const Program& p, const Decision& d) {
  out += ",\"notes\":[";
  bool first = true;
  for (size_t i = 0; i < p.rules.size(); ++i) {
    const Rule& rule = p.rules[i];
    if (rule.kind != RuleKind::note || !d.has_fired(static_cast<int>(i))) continue;
    if (!first) out += ',';
    first = false;
    out += '{';
    put_member(out, "rule", rule.id);
    put_member(out, "citation", rule.citation);
    put_key(out, "text");
    put_string(out, rule.text);
    out += '}';
  }
  out += ']';
}
void render_rulesets(std::string& out, const Program& p, const Decision& d) {
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

// The one assembler of a decision's JSON, for rendering and for reading a store back. An audit renders a million
// of these: the pieces are gathered, the size added up, and the bytes copied once (appending some thirty pieces
// one by one cost a third of a microsecond). A string that needs escaping (almost never) is escaped first.
void assemble(std::string& out, const DecisionParts& d, JsonLayout* layout) {
  thread_local std::string escaped[8];
  size_t n_escaped = 0;
  auto str = [&](std::string_view s) -> std::string_view {  // a JSON string's text, without its quotes
    if (!json_needs_escape(s)) return s;
    std::string& e = escaped[n_escaped++];
    e.clear();
    append_json_string(e, s);
    return std::string_view(e).substr(1, e.size() - 2);
  };
  char total[24];
  auto tr = std::to_chars(total, total + sizeof total, d.fee_total_cents);
  static const std::string head = "{\"schema\":\"" + std::string(decision_schema) + "\",\"id\":\"";
  std::string_view review = d.review.empty() ? "null" : str(d.review);
  std::string_view exception = d.exception.empty() ? "null" : str(d.exception);
  const char* q_review = d.review.empty() ? "" : "\"";
  const char* q_exception = d.exception.empty() ? "" : "\"";
  std::string_view pieces[] = {
      head, str(d.id), "\",\"type\":\"", str(d.type), "\",\"as_of\":\"", str(d.as_of), "\",\"classification\":\"",
      str(d.classification), "\",\"verdict\":\"", str(d.verdict), "\",\"review\":", q_review, review, q_review,
      ",\"exception\":", q_exception, exception, q_exception, ",\"fees\":",
      d.fees,  // 19
      ",\"fee_total_cents\":", std::string_view(total, static_cast<size_t>(tr.ptr - total)), ",\"fired\":",
      d.fired,  // 23
      d.screening[0], d.screening[1], d.screening[2], d.screening[3], d.screening[4], d.screening[5],  // 24-29
      ",\"rulesets\":",
      d.rulesets,  // 31
      ",\"input_sha256\":\"", str(d.input_sha256), "\",\"engine\":\"", str(d.engine), "\"}"};
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
      if (i == 31) layout->rulesets_begin = at;
      if (i == 32) layout->rulesets_end = at;
    }
    if (pieces[i].empty()) continue;  // (an absent piece may have no data pointer: memcpy must not see null)
    std::memcpy(w, pieces[i].data(), pieces[i].size());
    w += pieces[i].size();
  }
}
}  // namespace

void decision_json_into(std::string& out, const Program& p, const Record& r, const Decision& d, JsonLayout* layout,
                        const std::string* fired, const Sha256* input_sha, const std::string* rulesets,
                        const std::array<std::string_view, 6>& screening) {
  thread_local std::string fees_text, fired_text, rulesets_text;
  std::string_view fees = "[]";
  if (d.fee_count) {
    fees_text.clear();
    render_fees(fees_text, p, d);
    fees = fees_text;
  }
  if (!fired) {
    fired_text.clear();
    render_fired(fired_text, p, r, d);
    render_notes(fired_text, p, d);
    fired = &fired_text;
  }
  if (!rulesets) {
    rulesets_text.clear();
    render_rulesets(rulesets_text, p, d);
    rulesets = &rulesets_text;
  }
  char date[10];
  std::string date_text;  // (a year outside 0-9999 is written as format_date writes it)
  std::string_view as_of;
  constexpr Day year_0 = -719468, year_9999_end = 2932896;  // 0000-01-01 and 9999-12-31
  if (d.as_of >= year_0 && d.as_of <= year_9999_end) {
    format_date_into(date, d.as_of);
    as_of = std::string_view(date, 10);
  } else {
    date_text = format_date(d.as_of);
    as_of = date_text;
  }
  char hex[64];
  {
    static const char* digits = "0123456789abcdef";
    const Sha256 in = input_sha ? *input_sha : sha256(r.canonical);
    for (size_t i = 0; i < 32; ++i) {
      hex[2 * i] = digits[in[i] >> 4];
      hex[2 * i + 1] = digits[in[i] & 15];
    }
  }
  DecisionParts parts{r.id,
                      to_string(r.kind),
                      as_of,
                      klass_name(d.klass),
                      to_string(d.verdict),
                      to_string(d.review),
                      to_string(d.exception),
                      fees,
                      *fired,
                      *rulesets,
                      std::string_view(hex, 64),
                      engine_version,
                      d.fee_total_cents,
                      screening};
  assemble(out, parts, layout);
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

void append_notes(std::string& out, const Program& p, const Decision& d) { render_notes(out, p, d); }

void append_why_not(std::string& out, const Program& p, const std::vector<WhyNotRule>& why) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? ojson(nullptr) : ojson(s); };
  ojson arr = ojson::array();
  for (const WhyNotRule& w : why) {
    const Rule& rule = p.rules[static_cast<size_t>(w.rule)];
    ojson o;
    o["rule"] = rule.id;
    o["ruleset"] = p.rulesets[static_cast<size_t>(rule.ruleset)].id;
    o["citation"] = rule.citation;
    o["would"] = rule.kind == RuleKind::classify ? std::string(klass_name(rule.klass))
                 : rule.kind == RuleKind::levy   ? "fee " + rule.rate_text
                                                 : std::string(to_string(rule.verdict));
    o["takes_effect"] = w.takes_effect == day_min ? ojson(nullptr) : ojson(format_date(w.takes_effect));
    o["set_aside_by"] = text_or_null(w.set_aside_by);
    o["by_exception"] = w.by_exception;
    ojson conds = ojson::array();
    for (const WhyNotCondition& c : w.conditions)
      conds.push_back({{"field", c.field}, {"value", text_or_null(c.value)}, {"needs", c.needs},
                       {"threshold", text_or_null(c.threshold)}, {"margin", text_or_null(c.margin)},
                       {"margin_exact", c.margin_exact}, {"unit", text_or_null(c.unit)}, {"text", c.text}});
    o["conditions"] = std::move(conds);
    arr.push_back(std::move(o));
  }
  out += ",\"why_not\":";
  out += dump(arr);
}

std::string decision_json_explained(const Program& p, const Record& r, const Decision& d, const EvalOptions& o) {
  if (d.failed) return error_json(r, d.error().code, d.error().field, d.error().message);
  JsonLayout layout;
  std::string out = decision_json(p, r, d, &layout);
  std::string why;
  append_why_not(why, p, why_not(p, r.facts, r.base_cents, d, o));
  out.insert(layout.fired_end, why);  // after the notes, before the rulesets
  return out;
}

std::string decision_json_from_parts(const DecisionParts& d) {
  std::string out;
  assemble(out, d, nullptr);
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
    // The ultimate parent, when it is not the end user's own headquarters (encoding.md r2).
    if (f.has(s_end_user_parent_hq) &&
        (!f.has(s_end_user_hq) || f.num[s_end_user_parent_hq] != f.num[s_end_user_hq]))
      code(", parent HQ ", s_end_user_parent_hq);
    code(", from ", s_export_from);
    // The end user's name and the shipment's value, for the lists people act on (the audit report's flagged table).
    if (f.has_text(t_end_user)) {
      out += "; end user ";
      out += f.text(t_end_user);
    }
    if (r.base_cents >= 0) {
      out += "; value ";
      out += format_dollars(r.base_cents);
    }
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

SubjectParts parse_subject(std::string_view s) {
  SubjectParts p;
  if (s.substr(0, 5) != "chip ") return p;
  if (size_t v = s.rfind("; value "); v != std::string_view::npos) {
    p.value = std::string(s.substr(v + 8));
    s = s.substr(0, v);
  }
  if (size_t u = s.find("; end user "); u != std::string_view::npos) {
    p.end_user = std::string(s.substr(u + 11));
    s = s.substr(0, u);
  }
  const size_t arrow = s.find(" -> ");
  p.chip = std::string(s.substr(5, arrow == std::string_view::npos ? std::string_view::npos : arrow - 5));
  if (arrow != std::string_view::npos) p.destination = std::string(s.substr(arrow + 4, 2));
  if (size_t hq = s.find(", end user HQ "); hq != std::string_view::npos) p.end_user_hq = std::string(s.substr(hq + 14, 2));
  return p;
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

namespace {
// The "screening" member of a decision (written by the parties stage, issue 16), for a person: the lists, each
// party's outcome with its evidence, the affiliates arithmetic and the notes. Nothing if the member is absent.
// Appends each piece to `out` (one append per piece: no temporaries, and no GCC 12 -Wrestrict false positive).
template <class... T>
void add(std::string& out, const T&... pieces) {
  (out.append(std::string_view(pieces)), ...);
}

void append_screening_text(std::string& out, const nlohmann::json& j) {
  if (!j.contains("screening")) return;
  const auto& s = j["screening"];
  auto str = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string(); };
  auto num = [](const nlohmann::json& v) { return v.is_number() ? std::to_string(v.get<int64_t>()) : std::string(); };
  add(out, "  screening       lists");
  for (const auto& l : s["lists"])
    add(out, " ", str(l["name"]), " (", (l["date"].is_string() ? str(l["date"]) : "date unknown"), ", sha256 ",
           str(l["sha256"]).substr(0, 16), "…)");
  if (s["resolutions"].is_object())
    add(out, "; resolutions ", str(s["resolutions"]["name"]), " (sha256 ", str(s["resolutions"]["sha256"]).substr(0, 16), "…)");
  add(out, "\n");
  auto match_lines = [&](const nlohmann::json& ms, const char* indent) {
    for (const auto& m : ms) {
      add(out, std::string(indent), "[", num(m["score"]), "] ", str(m["outcome"]), ": ", str(m["list"]), " \"",
             str(m["name"]), "\" (entry ", str(m["entry"]), "), matched ",
             (m["alias"].is_boolean() && m["alias"].get<bool>() ? "alias" : "name"), " \"", str(m["matched"]), "\"");
      std::string toks;
      for (const auto& t : m["tokens"]) toks.append(" ").append(str(t["party"])).append("=").append(str(t["list"]));
      if (!toks.empty()) add(out, ";", toks);
      if (!str(m["country"]).empty()) add(out, "; ", str(m["country"]));
      add(out, "\n", std::string(indent), "  -> ", str(m["effect"]));
      if (m.contains("review")) add(out, ", review ", str(m["review"]));
      add(out, "; ", (str(m["federal_register_notice"]).empty() ? std::string("no FR notice given")
                                                              : str(m["federal_register_notice"])));
      if (m.contains("resolution"))
        add(out, "; resolved as not this party by ", str(m["resolution"]["who"]), " on ", str(m["resolution"]["when"]),
               ": ", str(m["resolution"]["why"]));
      add(out, "\n");
    }
  };
  for (const auto& p : s["parties"]) {
    add(out, "    ", str(p["role"]), " \"", str(p["name"]), "\": ", str(p["outcome"]), "\n");
    match_lines(p["matches"], "      ");
  }
  const auto& a = s["affiliates"];
  if (a.contains("owners")) {
    add(out, std::string("    affiliates rule ("), (a["in_force"].get<bool>() ? "in force" : "not in force"), " on this date; ",
           str(a["citation"]), ")\n");
    for (const auto& o : a["owners"]) {
      add(out, "      owner \"", str(o["name"]), "\" ", str(o["percent"]), " % of ", str(o["of"]), ": ",
             str(o["outcome"]), "\n");
      match_lines(o["matches"], "        ");
      if (o.contains("owned")) add(out, "        its listed owners: ", str(o["owned"]["arithmetic"]), "\n");
    }
    add(out, "      end user's listed owners: ", str(a["end_user"]["arithmetic"]),
           (a["applies"].get<bool>() ? ": the end user takes " + str(a["end_user"]["takes"]) + "'s listing\n"
                                     : (a["in_force"].get<bool>() ? ": not an affiliate\n" : ": the rule does not apply\n")));
  }
  for (const auto& n : s["notes"]) add(out, "    * ", str(n["rule"]), "  [", str(n["citation"]), "]\n      ", str(n["text"]), "\n");
  if (s["effect"].is_object())
    add(out, "    screening gives ", str(s["effect"]["verdict"]),
           (s["effect"]["review"].is_string() ? ", review " + str(s["effect"]["review"]) : std::string()), " (",
           str(s["effect"]["list"]), " entry ", str(s["effect"]["entry"]), ")\n");
}
}  // namespace

std::string decision_text(const Program& p, const Record& r, const Decision& d, const EvalOptions& o,
                          size_t why_not_shown) {
  if (d.failed) return error_text(r, d.error().code, d.error().field, d.error().message);
  return decision_text_from_json(decision_json_explained(p, r, d, o), record_subject(r), why_not_shown);
}

namespace {
// The "why not" lines of a decision's text: each rule that did not fire, what it would have given, and what kept it.
std::string why_not_text(const nlohmann::json& why, size_t shown, bool fired_any) {
  auto str = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string(); };
  std::string out;
  if (why.empty()) {
    return fired_any ? "" : "  why not         no rule in force could make it stricter\n";
  }
  out += "  why not         " + std::to_string(why.size()) + " rule" + (why.size() == 1 ? "" : "s") +
         " in force or coming would make it stricter" +
         (why.size() > shown ? "; the nearest " + std::to_string(shown) + " (all with --explain)" : "") + "\n";
  for (size_t i = 0; i < why.size() && i < shown; ++i) {
    const auto& w = why[i];
    out += "    - " + str(w["rule"]) + " would give " + str(w["would"]) + "  [" + str(w["citation"]) + "]\n";
    if (w["set_aside_by"].is_string()) out += "      it holds, but " + str(w["set_aside_by"]) + " sets it aside\n";
    if (w["by_exception"].is_boolean() && w["by_exception"].get<bool>()) out += "      its exception applies:\n";
    for (const auto& c : w["conditions"]) out += "      " + str(c["text"]) + "\n";
  }
  return out;
}
}  // namespace

std::string decision_text_from_json(std::string_view decision, std::string_view subject, size_t why_not_shown) {
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
      out += format_dollars(j["fee_total_cents"].get<int64_t>()) + "\n";
      for (const auto& f : j["fees"])
        out += "    " + str(f["rate"]) + " of " + format_dollars(f["base_cents"].get<int64_t>()) + " = " +
               format_dollars(f["amount_cents"].get<int64_t>()) + "  (" + str(f["rule"]) + "; " + str(f["citation"]) +
               ")\n";
    }
  }
  if (j["fired"].empty()) out += "  because         no rule in force fired\n";
  else out += "  because\n";
  for (const auto& f : j["fired"]) {
    out += "    - " + str(f["rule"]) + "  [" + str(f["citation"]) + "]\n";
    out += "      " + str(f["because"]) + "\n";
  }
  if (j.contains("notes") && !j["notes"].empty()) {
    out += "  notes\n";
    for (const auto& n : j["notes"]) {
      out += "    * " + str(n["rule"]) + "  [" + str(n["citation"]) + "]\n";
      out += "      " + str(n["text"]) + "\n";
    }
  }
  append_screening_text(out, j);
  if (j.contains("why_not")) out += why_not_text(j["why_not"], why_not_shown, !j["fired"].empty());
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

namespace {
// `text` padded (or cut, ending in "~") to `width` columns; UTF-8 continuation bytes take no column.
std::string cell(std::string_view text, size_t width, bool right = false) {
  size_t cols = 0, cut = text.size();
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (cols == width - 1 && cut == text.size()) cut = i;
    ++cols;
  }
  std::string out;
  if (cols > width) {
    out.assign(text.substr(0, cut));
    out += '~';
    return out;
  }
  const std::string pad(width - cols, ' ');
  return right ? pad + std::string(text) : std::string(text) + pad;
}

std::string table_line(const std::vector<std::string>& cols) {
  static const size_t widths[] = {6, 12, 10, 20, 4, 8, 17, 23, 16};
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out += "  ";
    if (i < std::size(widths)) out += cell(cols[i], widths[i], i == 0 || i == 8);
    else out += cols[i];
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\n";
}
}  // namespace

std::string decision_table_header() {
  return table_line({"line", "id", "as of", "chip", "to", "class", "verdict", "review", "fee", "deciding rule"});
}

std::string decision_table_row(const Program& p, const Record& r, const Decision& d) {
  if (d.failed) return error_table_row(r, d.error().code, d.error().field, d.error().message);
  const Facts& f = r.facts;
  std::string chip = r.kind == RecordKind::fab_order ? std::string(f.has_text(t_role) ? f.text(t_role) : "fab order")
                     : f.has_text(t_chip_name)       ? std::string(f.text(t_chip_name))
                                                     : std::string("(inline spec)");
  const int rule = deciding_rule(p, d);
  return table_line({std::to_string(r.line), r.id, format_date(d.as_of), chip,
                     f.has(s_destination) ? country_code(static_cast<int>(f.num[s_destination])) : "",
                     klass_name(d.klass), r.kind == RecordKind::chip ? "" : to_string(d.verdict), to_string(d.review),
                     d.fee_count ? format_dollars(d.fee_total_cents) : "",
                     rule >= 0 ? p.rules[static_cast<size_t>(rule)].id : ""});
}

std::string error_table_row(const Record& r, const std::string& code, const std::string& field,
                            const std::string& message) {
  return cell(std::to_string(r.line), 6, true) + "  " + cell(r.id, 12) + "  error[" + code + "]" +
         (field.empty() ? "" : " in " + field) + ": " + message + "\n";
}

}  // namespace tollgate
