// tollgate fuzz target — the rules front end: parse, check and compile (as `lint` and `check` load rules), and
// the formatter (as `fmt` runs): a file that parses must format to text that parses to the same tree with the
// same comments (else `fmt` would report an internal error on user input). A crash, a sanitizer report, a hang,
// or a broken invariant (abort) is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/lang/compile.hpp"
#include "engine/lang/format.hpp"
#include "grammar/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tollgate;
  std::string text(reinterpret_cast<const char*>(data), size);
  ParseResult pr = parse_rules(text, "fuzz.tg");
  for (const auto& d : pr.diagnostics) (void)render_human(d);
  if (!pr.ok()) return 0;
  CompileResult cr = compile({pr.file});
  for (const auto& d : cr.diagnostics) (void)render_human(d);
  std::string out = format_file(pr.file);
  ParseResult again = parse_rules(out, "fuzz.tg");
  std::string where;
  if (!again.ok() || !same_tree(pr.file, again.file, &where)) {
    std::fprintf(stderr, "fuzz_rules: formatting changed the file's meaning (%s)\n", where.c_str());
    std::abort();
  }
  return 0;
}
