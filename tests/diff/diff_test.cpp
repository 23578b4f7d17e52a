// tollgate tests — the semantic diff is exact: shipments drawn at random (and exactly on every threshold) are judged
// differently by the two sides if and only if they fall inside a reported region, with that region's outcomes.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "engine/diff/diff.hpp"
#include "tests/support.hpp"

using namespace tollgate;

namespace {

// One random shipment within the diff's dimensions: a threshold exactly, or a value between thresholds (log-uniform),
// or absent where the rules test absence; a constant text or another; any assigned country.
// A number in its units as Facts holds it: a cut exactly (from its decimal text), any other to the millionth.
int64_t micro_of(double v) {
  if (auto m = parse_micro(format_number(v))) return *m;
  return std::llround(v * 1e6);
}

Facts random_shipment(const SemanticDiff& s, std::mt19937_64& rng) {
  Facts f;
  f.kind = RecordKind::shipment;
  f.set_number(s_quantity, micro_per_unit);
  f.set_raw(s_destination, country_index("CN"));
  f.set_raw(s_end_user_hq, country_index("CN"));
  f.set_raw(s_export_from, country_index("US"));
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  double pd = -1;
  for (const Dim& d : s.dims) {
    switch (d.kind) {
      case Dim::boolean:
        if (d.can_be_absent && pick(4) == 0) break;
        f.set_raw(d.slot, static_cast<int64_t>(pick(2)));
        break;
      case Dim::number: {
        if (d.can_be_absent && pick(5) == 0) break;
        double v;
        bool date = d.slot == s_chip_first_marketed || d.slot == s_chip_us_available_on;
        if (!d.cuts.empty() && pick(3) == 0) {
          v = d.cuts[pick(d.cuts.size())];
        } else {
          double lo = d.cuts.empty() ? 1 : std::max(d.cuts.front() / 4, 0.01);
          double hi = d.cuts.empty() ? 100000 : d.cuts.back() * 4;
          if (date) {
            lo = d.cuts.empty() ? 19000 : d.cuts.front() - 400;
            hi = d.cuts.empty() ? 21000 : d.cuts.back() + 400;
            v = std::floor(lo + (hi - lo) * static_cast<double>(rng() % 1000000) / 1e6);
          } else {
            v = std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * static_cast<double>(rng() % 1000000) / 1e6);
          }
        }
        if (d.slot < 0) pd = v;
        else if (date) f.set_raw(d.slot, static_cast<int64_t>(v));
        else f.set_number(d.slot, micro_of(v));
        break;
      }
      case Dim::text: {
        size_t i = pick(d.texts.size());
        f.set_text(d.slot, d.texts[i].empty() ? std::string("Zeta 9000") : d.texts[i]);
        break;
      }
      case Dim::country: {
        const auto& cls = d.country_classes[pick(d.country_classes.size())];
        f.set_raw(d.slot, cls[pick(cls.size())]);
        break;
      }
    }
  }
  if (!f.has(s_chip_tpp)) f.set_number(s_chip_tpp, 1000 * micro_per_unit);
  // The end user is its own ultimate parent, as the diff's regions assume (encoding.md r2).
  if (f.has(s_end_user_hq)) f.set_raw(s_end_user_parent_hq, f.num[s_end_user_hq]);
  if (pd > 0) {
    // tpp / area = pd exactly where the area that gives it is a whole number of millionths; else the nearest.
    Exact area;
    std::optional<int64_t> m;
    if (auto e = parse_exact(format_number(pd)); e && exact_div(exact_from_micro(f.num[s_chip_tpp]), *e, area))
      m = micro_from_exact(area);
    f.set_number(s_chip_die_area_mm2, m ? *m : std::llround(static_cast<double>(f.num[s_chip_tpp]) / pd));
  }
  return f;
}

// The diff's notes other than the HBM memory bandwidth density (3A090.c, encoding.md r2): a computed quantity the
// diff does not cut into regions, the same on both sides of every bundled comparison.
std::vector<std::string> notes_but_hbm(const SemanticDiff& s) {
  std::vector<std::string> out;
  for (const auto& n : s.notes)
    if (n.find("`mbd ") == std::string::npos) out.push_back(n);
  return out;
}

bool is_hbm_stack(const Facts& f) { return f.has(s_chip_hbm_stack) && f.num[s_chip_hbm_stack] != 0; }

// `skip`: samples outside what the diff claims to be exact about (see the OVERWATCH case). HBM stacks are left out
// everywhere: their density line is noted, not cut (notes_but_hbm).
// `min_differ`: the fewest samples judged differently, per thousand, for the check to say something.
void check_exact(const DiffSide& a, const DiffSide& b, int samples,
                 const std::function<bool(const Facts&)>& skip = {}, int min_differ = 10) {
  SemanticDiff s = semantic_diff(a, b);
  if (!skip) REQUIRE(notes_but_hbm(s).empty());
  REQUIRE(!s.regions.empty());
  std::mt19937_64 rng(42);
  int differ = 0, agree = 0;
  for (int i = 0; i < samples; ++i) {
    Facts f = random_shipment(s, rng);
    if ((skip && skip(f)) || is_hbm_stack(f)) continue;
    Facts fa = f, fb = f;
    fa.set_raw(s_date, a.day);
    fb.set_raw(s_date, b.day);
    Outcome oa = outcome_of(*a.program, fa, a.day, a.options());
    Outcome ob = outcome_of(*b.program, fb, b.day, b.options());
    const Region* r = s.region_of(f);
    if (oa == ob) {
      ++agree;
      CHECK_MESSAGE(r == nullptr, "both sides agree (" << oa.text() << ") inside region " << r->describe(s.dims));
    } else {
      ++differ;
      REQUIRE_MESSAGE(r != nullptr, "the sides differ (" << oa.text() << " vs " << ob.text() << ") outside every region");
      CHECK(r->old_outcome == oa);
      CHECK(r->new_outcome == ob);
    }
  }
  // Both kinds of sample occur, so the check says something either way.
  CHECK(differ > samples * min_differ / 1000);
  CHECK(agree > samples / 100);
  // Every region's witness is judged as the region says.
  for (const auto& r : s.regions) {
    Facts fa = r.witness, fb = r.witness;
    fa.set_raw(s_date, a.day);
    fb.set_raw(s_date, b.day);
    CHECK(outcome_of(*a.program, fa, a.day, a.options()) == r.old_outcome);
    CHECK(outcome_of(*b.program, fb, b.day, b.options()) == r.new_outcome);
  }
}

DiffSide side(const char* date, bool proposed = false) {
  return DiffSide{&test::bundled(), *parse_date(date), proposed, date};
}

}  // namespace

TEST_CASE("semantic diff, Oct 2022 rule vs Oct 2023 rule: exact on random and boundary shipments") {
  check_exact(side("2023-06-01"), side("2023-12-01"), 20000);
}

TEST_CASE("semantic diff, before and after the H200 opening: exact") {
  // The H200 opening needs a chip on the US market by 2026-01-15 (encoding.md r2), one more dimension: about a
  // quarter of a per cent of random shipments change, so more samples and a lower floor.
  check_exact(side("2025-12-31"), side("2026-03-01"), 40000, {}, 1);
}

TEST_CASE("semantic diff, enacted vs enacted + AI OVERWATCH Act: exact except across the one sum threshold") {
  // The bill's "covered" test includes DRAM + interconnect bandwidth >= 1,700 GB/s: a line, not a box. The diff says
  // so in a note, and is exact everywhere else: outside the square where that sum alone decides (DRAM < 1,400 and
  // interconnect < 1,100 GB/s), where cells are judged at their representative values.
  SemanticDiff s = semantic_diff(side("2026-06-01"), side("2026-06-01", true));
  REQUIRE(notes_but_hbm(s).size() == 1);
  CHECK(notes_but_hbm(s)[0].find("chip.memory_bw_gbps + chip.interconnect_gbps >= 1700") != std::string::npos);
  check_exact(side("2026-06-01"), side("2026-06-01", true), 20000, [](const Facts& f) {
    int64_t m = f.has(s_chip_memory_bw_gbps) ? f.num[s_chip_memory_bw_gbps] : 0;
    int64_t i = f.has(s_chip_interconnect_gbps) ? f.num[s_chip_interconnect_gbps] : 0;
    return m < 1400 * micro_per_unit && i < 1100 * micro_per_unit;
  });
}

TEST_CASE("no change, no region") {
  SemanticDiff s = semantic_diff(side("2024-06-01"), side("2024-06-02"));
  CHECK(s.regions.empty());
  CHECK(s.changed_cells == 0);
}

TEST_CASE("the semantic diff is deterministic whatever the threads' timing") {
  auto describe = [] {
    SemanticDiff s = semantic_diff(side("2026-06-01"), side("2026-06-01", true));
    std::string out;
    for (const auto& r : s.regions)
      out += r.describe(s.dims) + " | " + r.old_outcome.text() + " -> " + r.new_outcome.text() + " | " +
             r.witness_json(s.dims) + "\n";
    return out;
  };
  std::string first = describe();
  CHECK(!first.empty());
  CHECK(describe() == first);
  CHECK(describe() == first);
}

TEST_CASE("semantic diff of two rule folders: a lowered threshold, exactly") {
  // A rule author's change: 3A090.a.1 at TPP 4000 instead of 4800 (a copy of the bundled rules, one line edited).
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("tollgate-diff-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(test::source_dir() + "/rules")) fs::copy_file(e.path(), dir / e.path().filename());
  std::string text = test::slurp((dir / "us_2023_ac.tg").string());
  const std::string was = "  when not is_hbm_stack and chip.tpp >= 4800\n";
  auto at = text.find(was);
  REQUIRE(at != std::string::npos);
  text.replace(at, was.size(), "  when not is_hbm_stack and chip.tpp >= 4000\n");
  { std::ofstream((dir / "us_2023_ac.tg").string(), std::ios::binary) << text; }
  auto changed = load_and_compile({dir.string()});
  REQUIRE(changed.program);
  DiffSide a{&test::bundled(), *parse_date("2025-06-01"), false, "bundled"};
  DiffSide b{changed.program.get(), *parse_date("2025-06-01"), false, "edited"};
  auto st = structural_diff(a, b);
  bool added = false, removed = false;
  for (const auto& c : st) {
    added |= c.what == "threshold" && c.change == "added" && c.detail == "chip.tpp >= 4000";
    removed |= c.what == "threshold" && c.change == "removed" && c.detail == "chip.tpp >= 4800";
  }
  CHECK(added);
  CHECK(removed);
  SemanticDiff s = semantic_diff(a, b);
  REQUIRE(!s.regions.empty());
  // Every region lies in 4000 <= tpp < 4800. The cell tpp = 4000, pd = 5.92 holds no record (the die area would be
  // 675.675...), so a region may start just above 4000 there.
  for (const auto& r : s.regions) {
    const std::string d = r.describe(s.dims);
    CHECK((d.find("4000 <= chip.tpp < 4800") != std::string::npos || d.find("4000 < chip.tpp < 4800") != std::string::npos));
  }
  check_exact(a, b, 10000);
  fs::remove_all(dir);
}
