// tollgate tests — shared helpers: the source tree, the bundled program and catalog, file reading.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "engine/lang/compile.hpp"
#include "engine/records/record.hpp"
#include "engine/eval/evaluate.hpp"

namespace tollgate::test {

inline std::string source_dir() { return TOLLGATE_SOURCE_DIR; }

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The bundled rules, compiled once for the whole test run.
inline const Program& bundled() {
  static const std::shared_ptr<const Program> p = [] {
    auto r = load_and_compile({source_dir() + "/rules"});
    for (const auto& d : r.diagnostics) MESSAGE(render_human(d));
    REQUIRE(r.program);
    return r.program;
  }();
  return *p;
}

inline const Catalog& catalog() {
  static const Catalog c = Catalog::load(source_dir() + "/fixtures/chips.csv", bundled().schema);
  return c;
}

// Two readings of one record agree exactly: outcome, error, line, id, kind, canonical text, base, date and every
// given slot (the fast paths against the general path, a reused Record against a fresh one).
inline void same_record(const Record& a, const Record& b) {
  CHECK(a.ok == b.ok);
  CHECK(a.error.code == b.error.code);
  CHECK(a.error.field == b.error.field);
  CHECK(a.error.message == b.error.message);
  CHECK(a.line == b.line);
  if (!a.ok || !b.ok) return;
  CHECK(a.id == b.id);
  CHECK(a.kind == b.kind);
  CHECK(a.canonical == b.canonical);
  CHECK(a.base_cents == b.base_cents);
  CHECK(a.date == b.date);
  CHECK(a.has_date == b.has_date);
  CHECK(a.facts.known == b.facts.known);
  CHECK(a.facts.text_known == b.facts.text_known);
  for (int s = 0; s < slot_count; ++s)
    if (a.facts.has(s)) CHECK(a.facts.num[static_cast<size_t>(s)] == b.facts.num[static_cast<size_t>(s)]);
  for (int t = 0; t < text_slot_count; ++t)
    if (a.facts.has_text(t)) CHECK(a.facts.text(t) == b.facts.text(t));
}

}  // namespace tollgate::test
