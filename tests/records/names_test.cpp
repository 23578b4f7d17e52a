// Chip names as sold (engine/records/names.cpp, Catalog::resolve): every alias and part number of the bundled
// catalog resolves to its chip; ambiguous short names are errors listing every candidate with its class; a name
// is never resolved unless it names one chip. Golden names: NVIDIA's own product names (the H100 datasheet's
// "H100 SXM" column; "HGX H20") and the issue 15 examples.
#include <algorithm>
#include <cstdio>
#include <fstream>

#include "engine/base/text.hpp"
#include "tests/support.hpp"

namespace tollgate {
namespace {

// The bundled catalog with the bundled rules as its classifier (as the CLI sets it).
const Catalog& classified() {
  static const Catalog c = [] {
    Catalog k = test::catalog();
    k.classify_with([](const Facts& chip, Day day) -> std::string {
      Facts f = chip;
      f.kind = RecordKind::chip;
      Decision d = evaluate(test::bundled(), f, -1, day, EvalOptions{});
      return d.failed ? "class unknown" : klass_name(d.klass);
    });
    return k;
  }();
  return c;
}

Record shipment_naming(const std::string& chip) {
  std::string json = R"({"id":"S1","date":"2025-01-01","chip":)";
  append_json_string(json, chip);
  json += R"(,"destination":"CN","quantity":1,"unit_price_usd":"1.00"})";
  return record_from_json(json, 1, &classified());
}

}  // namespace

TEST_CASE("every catalog name, alias and part number resolves to its own chip") {
  const Catalog& c = test::catalog();
  size_t aliases = 0, parts = 0, series = 0;
  for (const auto& chip : c.chips()) {  // (no structured binding: clang 14 cannot capture one in CAPTURE's lambda)
    const auto& name = chip.first;
    const auto& facts = chip.second;
    CAPTURE(name);
    Catalog::Resolution own = c.resolve(name);
    CHECK(own.chip == &facts);
    for (const auto& a : c.aliases(name)) {
      CAPTURE(a);
      Catalog::Resolution r = c.resolve(a);
      if (a.size() > 7 && a.substr(a.size() - 7) == " series") {  // a family: never one chip, its own among them
        ++series;
        CHECK(r.chip == nullptr);
        CHECK(r.ambiguous);
        CHECK(std::find(r.candidates.begin(), r.candidates.end(), name) != r.candidates.end());
        continue;
      }
      ++aliases;
      CHECK(r.chip == &facts);
      CHECK(r.name == name);
      // Written as sold: other case, other punctuation, the vendor's name in front.
      std::string shouted = a;
      for (char& ch : shouted) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      CHECK(c.resolve(shouted).chip == &facts);
      CHECK(c.resolve(std::string(facts.text(t_chip_vendor).substr(0, facts.text(t_chip_vendor).find(' '))) + " " + a)
                .chip == &facts);
    }
    for (const auto& p : c.part_numbers(name)) {
      CAPTURE(p);
      ++parts;
      CHECK(c.resolve(p).chip == &facts);
      std::string bare;
      for (char ch : p)
        if (std::isalnum(static_cast<unsigned char>(ch))) bare += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      CHECK(c.resolve(bare).chip == &facts);  // "hl325l"
    }
  }
  CHECK(aliases >= 8);
  CHECK(parts >= 1);
  CHECK(series == 3);
}

TEST_CASE("names as sold resolve by their model words, form factor and memory size") {
  const Catalog& c = test::catalog();
  auto is = [&](const char* typed, const char* chip) {
    CAPTURE(typed);
    Catalog::Resolution r = c.resolve(typed);
    CHECK(r.chip == c.find(chip));
    CHECK(r.name == chip);
  };
  is("NVIDIA H100 80GB HBM3 SXM5", "H100 SXM5 80GB");  // issue 15's example
  is("nvidia h100-sxm5 80 gb", "H100 SXM5 80GB");
  is("H100 PCIe 80GB HBM2e", "H100 PCIe 80GB");
  is("NVIDIA H20", "H20");
  is("HGX H20", "H20");
  is("NVIDIA H200 141GB HBM3e SXM", "H200 SXM 141GB");
  is("HGX B300", "B300 (HGX B300 per GPU)");  // HGX: SXM modules, not the GB300 NVL72's
  is("GB300 NVL72", "B300 in GB300 NVL72 (per GPU)");
  is("AMD Instinct MI300X", "Instinct MI300X");
  is("RTX 4090", "GeForce RTX 4090");
  is("Intel Gaudi2", "Gaudi 2");
  is("HL-325L", "Gaudi 3 (HL-325L OAM)");
  // A name resolves through the record readers too, and the record holds the catalog chip's facts.
  Record r = shipment_naming("NVIDIA H100 80GB HBM3 SXM5");
  REQUIRE(r.ok);
  CHECK(r.facts.text(t_chip_name) == "H100 SXM5 80GB");
  CHECK(r.facts.num[s_chip_tpp] == c.find("H100 SXM5 80GB")->num[s_chip_tpp]);
}

TEST_CASE("an ambiguous short name is an error listing every candidate with its class") {
  struct Case {
    const char* typed;
    std::vector<std::string> candidates;
  };
  const std::vector<Case> cases = {
      {"H100", {"H100 PCIe 80GB", "H100 SXM5 80GB"}},
      {"A100", {"A100 PCIe 80GB", "A100 SXM4 80GB"}},
      {"MI300", {"Instinct MI300X", "Instinct MI308X", "Instinct MI325X"}},  // the "MI300 series" aliases
      {"NVIDIA A100 80GB", {"A100 PCIe 80GB", "A100 SXM4 80GB"}},
      {"B300", {"B300 (HGX B300 per GPU)", "B300 in GB300 NVL72 (per GPU)"}},
      {"RTX 5090D", {"GeForce RTX 5090D", "GeForce RTX 5090D V2"}},
  };
  for (const auto& k : cases) {
    CAPTURE(k.typed);
    Catalog::Resolution res = classified().resolve(k.typed);
    CHECK(res.chip == nullptr);
    CHECK(res.ambiguous);
    CHECK(res.candidates == k.candidates);
    Record r = shipment_naming(k.typed);
    CHECK_FALSE(r.ok);
    CHECK(r.error.code == "tollgate.input.ambiguous-chip");
    CHECK(r.error.field == "chip");
    CAPTURE(r.error.message);
    CHECK(r.error.message.find("may be any of " + std::to_string(k.candidates.size()) + " catalog chips") !=
          std::string::npos);
    for (const auto& name : k.candidates) {
      const std::string cls = classified().class_of(name, *parse_date("2025-01-01"));
      CHECK(r.error.message.find("'" + name + "' (" + cls + ")") != std::string::npos);
    }
    CHECK(r.error.message.find("classes as of 2025-01-01") != std::string::npos);
  }
  // Issue 15: "H100" was answered "did you mean 'H20'?" (another class, ALLOWED where H100 needs a licence).
  CHECK(shipment_naming("H100").error.message.find("'H20'") == std::string::npos);
}

TEST_CASE("fail closed: a name that does not name one chip is never resolved") {
  const Catalog& c = classified();
  // The catalog lists one of several products these names cover: a hint, never an answer.
  for (const char* typed : {"H800", "A100 40GB", "A100 PCIe", "H200", "GB200", "Gaudi 3", "H100 NVL", "H100 SXM 94GB",
                            "H20 PCIe", "NVIDIA", "80GB SXM5", "", "MI300X PCIe"}) {
    CAPTURE(typed);
    Catalog::Resolution r = c.resolve(typed);
    CHECK(r.chip == nullptr);
    Record rec = shipment_naming(typed);
    CHECK_FALSE(rec.ok);
  }
  // A hint with one candidate is given only when no other chip is as near (never one picked among equals).
  Catalog::Resolution h800 = c.resolve("H800");
  CHECK(h800.candidates == std::vector<std::string>{"H800 SXM5"});
  CHECK_FALSE(h800.ambiguous);
  CHECK(shipment_naming("H800").error.message.find("did you mean 'H800 SXM5' (3A090.a)?") != std::string::npos);
}

TEST_CASE("a catalog whose alias does not name its chip alone is refused when loaded") {
  const std::string path = "/tmp/tollgate_names_test_catalog.csv";
  auto write = [&](const std::string& aliases) {
    std::ofstream out(path);
    out << "name,vendor,datacenter,tpp,aliases,source\n"
        << "H100 SXM5 80GB,NVIDIA,true,15831.2," << aliases << ",test\n"
        << "H100 PCIe 80GB,NVIDIA,true,12104,,test\n";
  };
  write("H100 SXM");
  CHECK(Catalog::load(path, test::bundled().schema).resolve("h100 sxm").name == "H100 SXM5 80GB");
  write("H100");  // names both H100s
  CHECK_THROWS_WITH_AS(Catalog::load(path, test::bundled().schema), doctest::Contains("alias 'H100' of 'H100 SXM5 80GB' does not name it alone"),
                       std::runtime_error);
  write("Hopper series");  // a series must name several chips
  CHECK_THROWS_WITH_AS(Catalog::load(path, test::bundled().schema), doctest::Contains("should name several chips"), std::runtime_error);
  // Names that `catalog` prints are held to the record fields' rule: no control character, no bidirectional control.
  write("H100 SXM\xE2\x80\xAE" "5");  // U+202E RIGHT-TO-LEFT OVERRIDE inside an alias
  CHECK_THROWS_WITH_AS(Catalog::load(path, test::bundled().schema),
                       doctest::Contains(":2: aliases is not printable text (byte 9 starts U+202E"), std::runtime_error);
  write("H100 SXM\x1B[2J");  // an escape sequence
  CHECK_THROWS_WITH_AS(Catalog::load(path, test::bundled().schema), doctest::Contains("aliases is not printable text"),
                       std::runtime_error);
  std::remove(path.c_str());
}

TEST_CASE("catalog search: the resolved chip or the candidates first, then names, vendor and family containing it") {
  const Catalog& c = test::catalog();
  CHECK(c.search("").size() == c.size());
  CHECK(c.search("NVIDIA H20").front() == "H20");
  std::vector<std::string> h100 = c.search("H100");
  REQUIRE(h100.size() >= 2);
  CHECK(h100[0] == "H100 PCIe 80GB");
  CHECK(h100[1] == "H100 SXM5 80GB");
  std::vector<std::string> amd = c.search("amd");
  CHECK(std::find(amd.begin(), amd.end(), "Instinct MI355X") != amd.end());
  CHECK(std::find(amd.begin(), amd.end(), "H20") == amd.end());
  CHECK(c.search("no such chip anywhere").empty());
}

}  // namespace tollgate
