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

}  // namespace tollgate::test
