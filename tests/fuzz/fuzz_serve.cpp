// tollgate fuzz target — what `tollgate serve` does with a request body, apart from HTTP (engine/serve/service.hpp):
// /v1/check bodies in each layout (one JSON object, an array, JSON lines, CSV), judged with the bundled rules and
// catalog and with the parties screened against the bundled sample list (as `serve --lists` does), /v1/classify
// bodies and /v1/screen bodies. The first byte of an input picks the layout (or classify) and the options (as_of, explain, proposed);
// the rest is the body. For each answer:
//  * judge_body/classify_body return (never throw) with 200, 400 or 413;
//  * the answer is JSON in its content type (one document, or one per line for application/x-ndjson);
//  * every record answered is one store entry, and the verdict counts add up to the entries (nothing lost);
//  * the same body judged again gives the same bytes (the thread_local reader state leaves nothing behind).
// A crash, a sanitizer report, a hang, or a broken invariant (abort) is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/date.hpp"
#include "engine/eval/evaluate.hpp"
#include "engine/lang/compile.hpp"
#include "engine/serve/screening.hpp"
#include "engine/serve/service.hpp"

namespace {
using namespace tollgate;
using namespace tollgate::serve;

const Engine* engine = nullptr;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_serve: invariant broken: %s\n", what);
    std::abort();
  }
}

void check_answer(const Judgement& j) {
  require(j.status == 200 || j.status == 400 || j.status == 413, "a status other than 200, 400 or 413");
  if (j.content_type == "application/x-ndjson") {
    size_t at = 0;
    while (at < j.body.size()) {
      size_t end = j.body.find('\n', at);
      if (end == std::string::npos) end = j.body.size();
      if (end > at) require(nlohmann::json::accept(std::string_view(j.body).substr(at, end - at)), "a line is not JSON");
      at = end + 1;
    }
  } else {
    require(j.content_type == "application/json", "an unknown content type");
    require(nlohmann::json::accept(j.body), "the answer is not JSON");
  }
  const uint64_t counted = std::accumulate(j.counts.begin(), j.counts.end(), uint64_t{0});
  require(counted == j.log.entries.size(), "the verdict counts do not add up to the store entries");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static std::shared_ptr<const Program> p = load_and_compile({std::string(TOLLGATE_SOURCE_DIR) + "/rules"}).program;
  if (!p) std::abort();
  static auto c = std::make_shared<Catalog>(Catalog::load(std::string(TOLLGATE_SOURCE_DIR) + "/fixtures/chips.csv",
                                                          p->schema));
  c->classify_with([](const Facts& chip, Day day) -> std::string {
    Facts f = chip;
    f.kind = RecordKind::chip;
    return klass_name(evaluate(*p, f, -1, day, EvalOptions{}).klass);
  });
  static Engine e;
  e.program = p;
  e.catalog = c;
  e.generation = 1;
  std::string error;
  e.screening = load_screening({std::string(TOLLGATE_SOURCE_DIR) + "/fixtures/lists/csl_sample.csv"}, "", error);
  if (!e.screening) std::abort();
  engine = &e;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t how = data[0];
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  JudgeOptions o;
  static const Day new_year_2026 = *parse_date("2026-01-01");
  if (how & 0x08) o.as_of = new_year_2026;
  o.explain = how & 0x10;
  o.include_proposed = how & 0x20;
  Judgement a, b;
  switch (how % 6) {
    case 4:
      a = classify_body(*engine, body, o);
      b = classify_body(*engine, body, o);
      break;
    case 5:
      a = screen_body(*engine, body, 64);
      b = screen_body(*engine, body, 64);
      break;
    default: {
      const BodyFormat fmt = static_cast<BodyFormat>(how % 4);
      a = judge_body(*engine, body, fmt, o, 64);
      b = judge_body(*engine, body, fmt, o, 64);
      // (body_format, which picks the layout from the Content-Type and the body, must take any body too)
      (void)body_format(how & 0x40 ? "text/csv" : "application/json", body);
    }
  }
  check_answer(a);
  require(a.status == b.status && a.body == b.body, "the same body judged twice answers differently");
  return 0;
}
