// tollgate tests — the same decisions whatever the evaluation mode: with and without a ClassCache (one cache reused
// across all records, as `check` does), over every catalog chip x destinations x dates x end-user HQs, with and
// without proposed rules (Cedar-style cross-checking of evaluation modes).
#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "tests/support.hpp"

using namespace tollgate;

namespace {
bool same(const Decision& a, const Decision& b) {
  return a.failed == b.failed && a.klass == b.klass && a.verdict == b.verdict && a.review == b.review &&
         a.exception == b.exception && a.fired == b.fired && a.fee_count == b.fee_count &&
         a.fee_total_cents == b.fee_total_cents && a.error().code == b.error().code &&
         a.error().field == b.error().field && a.active == b.active;
}
}  // namespace

TEST_CASE("a ClassCache never changes a decision") {
  const Program& p = test::bundled();
  const char* dests[] = {"CN", "HK", "MO", "US", "DE", "VN", "SA", "AE", "IL", "RU", "CU", "TW", "SG", "IN", "VE"};
  const char* dates[] = {"2022-10-20", "2022-10-21", "2023-01-16", "2023-01-17", "2023-11-16", "2023-11-17",
                         "2024-04-03", "2024-04-04", "2025-01-30", "2025-01-31", "2025-04-08", "2025-04-09",
                         "2025-08-10", "2025-08-11", "2026-01-14", "2026-01-15", "2026-01-20", "2026-01-21",
                         "2026-12-30", "2026-12-31", "2027-06-01", "2028-06-01", "2029-06-01", "2031-01-01"};
  size_t checked = 0, failed = 0;
  for (bool proposed : {false, true}) {
    ClassCache cache(64);  // small, so that collisions and evictions happen too
    EvalOptions o{proposed};
    for (const auto& [name, chip] : test::catalog().chips())
      for (const char* dest : dests)
        for (const char* date : dates)
          for (const char* hq : {dest, "CN"}) {
            Facts f = chip;
            f.kind = RecordKind::shipment;
            Day day = *parse_date(date);
            f.set_raw(s_date, day);
            f.set_raw(s_destination, country_index(dest));
            f.set_raw(s_end_user_hq, country_index(hq));
            f.set_raw(s_export_from, country_index("US"));
            f.set_number(s_quantity, 3 * micro_per_unit);
            Decision plain = evaluate(p, f, 300000, day, o);
            Decision cached = evaluate(p, f, 300000, day, o, &cache);
            CAPTURE(name);
            CAPTURE(dest);
            CAPTURE(date);
            CHECK(same(plain, cached));
            ++checked;
            failed += plain.failed;
          }
  }
  CHECK(checked > 40000);
  CHECK(failed > 0);  // chips with missing data are errors with and without the cache alike
}
