// tollgate fuzz target — inputs as they come (engine/records/decode.hpp, xlsx.hpp, columns.hpp): each input is
// written to a file and read as `check` reads it (for_each_record), as a workbook if it starts like a zip ("PK")
// and as delimited text otherwise (UTF-16 byte order marks, sep= lines, semicolons, tabs, quotes), with the options
// its last byte picks: --decimal-comma (bit 0) and a column map (bit 1, fixtures/imports/sap_columns.json). Every
// record handed on must be counted (read = judged + rejected), and each good one is judged.
// A crash, a sanitizer report, a hang, or a broken invariant (abort) is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "engine/eval/evaluate.hpp"
#include "engine/lang/compile.hpp"
#include "engine/records/columns.hpp"
#include "engine/records/decode.hpp"
#include "engine/records/stream.hpp"

namespace {
using namespace tollgate;

const Program* program = nullptr;
const Catalog* catalog = nullptr;
std::shared_ptr<const ColumnMap> map;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_decode: invariant broken: %s\n", what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static CompileResult r = load_and_compile({std::string(TOLLGATE_SOURCE_DIR) + "/rules"});
  if (!r.program) std::abort();
  program = r.program.get();
  static Catalog c = Catalog::load(std::string(TOLLGATE_SOURCE_DIR) + "/fixtures/chips.csv", program->schema);
  catalog = &c;
  map = load_column_map(std::string(TOLLGATE_SOURCE_DIR) + "/fixtures/imports/sap_columns.json");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const bool workbook = text.rfind("PK", 0) == 0;
  static const std::string base = "/tmp/tollgate_fuzz_decode_" + std::to_string(getpid());
  const std::string path = base + (workbook ? ".xlsx" : ".txt");
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  } else {
    return 0;
  }
  ReadOptions o;
  o.decimal_comma = (data[size - 1] & 1) != 0;
  if (data[size - 1] & 2) o.columns = map;
  uint64_t seen = 0;
  try {
    ReadCounts n = for_each_record(path, catalog, [&](const Record& r) {
      ++seen;
      if (!r.ok) return;
      Decision d = evaluate(*program, r.facts, r.base_cents, r.has_date ? r.date : 20000, EvalOptions{});
      (void)d;
    }, o);
    require(n.rows == seen, "every row read is handed on once");
  } catch (const std::runtime_error&) {
    // a file-level error: fine, as long as it is an error and not a crash
  }
  return 0;
}
