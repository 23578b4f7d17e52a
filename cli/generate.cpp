// tollgate generate — a deterministic generator of realistic shipment logs (CSV or JSONL) for tests and
// benchmarks: catalog chips, 120+ destinations weighted toward the real trade, dates in order over 2022-2027,
// end users headquartered elsewhere now and then, reexports, some foundry orders, and a small share of bad rows.
// Same seed and options give the same bytes on every machine: only std::mt19937_64's raw output is used (the
// standard library's distributions differ between implementations).
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "engine/base/date.hpp"
#include "engine/base/country.hpp"
#include "engine/base/money.hpp"
#include "engine/base/number.hpp"
#include "engine/base/text.hpp"
#include "cli/common.hpp"

namespace tollgate::cli {
namespace {

struct Gen {
  std::mt19937_64 rng;
  uint64_t below(uint64_t n) { return rng() % n; }
  bool chance(double p) { return static_cast<double>(rng() % 1'000'000) < p * 1'000'000; }
  template <class T, size_t N>
  const T& pick(const T (&a)[N]) { return a[below(N)]; }
};

// Destinations: a weighted head (the real trade) and a long tail of other countries.
const char* const head[] = {"CN", "CN", "CN", "HK", "HK", "SG", "SG", "TW", "TW", "US", "US", "US", "JP", "KR", "DE",
                            "NL", "GB", "FR", "IN", "VN", "MY", "TH", "AE", "SA", "IL", "MO", "RU", "KZ", "IR", "BY"};

std::string money(uint64_t cents) { return std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + std::to_string(cents % 100); }


std::string json_str(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Ultimate parents (encoding.md r2): most end users are their own parent; some are subsidiaries of a group
// headquartered elsewhere (a Singapore subsidiary of a Chinese group, a Chinese subsidiary of a US group).
const char* const parents[] = {"CN", "CN", "CN", "HK", "US", "US", "JP", "KR", "TW", "SG", "DE", "RU"};

// One foundry order (CSV cells in the header's order, or a JSON object).
void write_fab_order(std::ostream& os, Gen& gen, bool csv, const std::string& id, const std::string& date,
                     const std::string& dest, const std::string& hq, Day day) {
  const char* const designers[] = {"Designer Co", "Startup Inc", "Accelerator Ltd"};
  const char* const statuses[] = {"approved", "authorized", "none"};
  const char* const packagers[] = {"front_end_fabricator", "front_end_fabricator", "approved_osat", "other"};
  std::string role = gen.chance(0.8) ? "front_end_fabricator" : "osat";
  std::string nm = std::to_string(gen.pick({3, 5, 7, 12, 16, 28}));
  std::string tb = std::to_string(10 + gen.below(60)) + "." + std::to_string(gen.below(10));
  std::string parent = gen.chance(0.85) ? hq : gen.pick(parents);
  std::string location = gen.chance(0.9) ? hq : gen.pick(head);
  std::string status = gen.pick(statuses);
  // Authorized designers that applied for approved status, a few months before the order (Note 1 (a)(3)).
  std::string applied = status == "authorized" && gen.chance(0.5) ? format_date(day - static_cast<Day>(gen.below(300))) : "";
  std::string f[] = {"fab_order", "F-" + id, date, "", dest, "", "", std::to_string(100 + gen.below(5000)),
                     money(2000 + gen.below(50000)), "", "", role, gen.pick(designers), hq, status,
                     gen.chance(0.5) ? "true" : "false", nm, nm == "28" ? "false" : "true", tb,
                     gen.chance(0.5) ? "true" : "false", gen.pick(packagers), gen.chance(0.8) ? "TW" : gen.pick(head),
                     applied, location, parent};
  if (csv) {
    for (size_t k = 0; k < std::size(f); ++k) os << (k ? "," : "") << csv_cell(f[k]);
    os << "\n";
    return;
  }
  os << "{\"type\":\"fab_order\",\"id\":" << json_str(f[1]) << ",\"date\":" << json_str(f[2])
     << ",\"role\":" << json_str(role) << ",\"designer\":" << json_str(f[12]) << ",\"designer_hq\":"
     << json_str(hq) << ",\"designer_status\":" << json_str(f[14])
     << ",\"designer_attests_not_3a090a\":" << f[15] << ",\"process_nm\":" << nm << ",\"non_planar\":" << f[17]
     << ",\"transistors_billion\":" << tb << ",\"has_hbm\":" << f[19] << ",\"packaged_by\":" << json_str(f[20])
     << ",\"packaged_in\":" << json_str(f[21]) << (applied.empty() ? "" : ",\"designer_applied_on\":" + json_str(applied))
     << ",\"designer_location\":" << json_str(location) << ",\"designer_parent_hq\":" << json_str(parent)
     << ",\"destination\":" << json_str(dest) << ",\"quantity\":" << f[7]
     << ",\"unit_price_usd\":" << json_str(f[8]) << "}\n";
}

// Parties for screening benchmarks: names from a pool of a few thousand made-up companies (a log repeats its
// customers), about 2 % of them names on the bundled sample list (fixtures/lists/csl_sample.csv), a consignee on
// a third of the rows, a purchaser on a tenth, owners for a twentieth of the end users. Each end user has one
// headquarters country and one set of owners on every row that names it (a customer's headquarters and owners do
// not change between shipments), and most of its shipments go to that country.
struct GeneratedParties {
  std::string consignee, purchaser, owners_cell, owners_json;
};
std::string made_up_company(Gen& gen) {
  static const char* const first[] = {"Aurora", "Belmont", "Cobalt", "Delta", "Evergreen", "Falcon", "Granite",
                                      "Harbor", "Ion", "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchid",
                                      "Pioneer", "Quartz", "Redwood", "Summit", "Tidewater"};
  static const char* const second[] = {"Data", "Compute", "Cloud", "Vision", "Logic", "Systems", "Networks",
                                       "Analytics", "Robotics", "Labs", "Digital", "Silicon", "Photonics", "Dynamics"};
  static const char* const forms[] = {"Ltd.", "GmbH", "Inc.", "Pte. Ltd.", "LLC", "S.A.", "B.V.", "K.K."};
  uint64_t n = gen.below(3000);  // 3,000 customers: 20 x 14 x (number suffix) x 8 forms, each always the same name
  return std::string(first[n % 20]) + " " + second[(n / 20) % 14] + " " + std::to_string(n % 11 + 1) + " " +
         forms[n % 8];
}
// A made-up company's headquarters: one of the weighted head countries, fixed by its name.
std::string company_hq(const std::string& name) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a: the same on every platform (std::hash need not be)
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return head[h % std::size(head)];
}
// The CSV log's header (with the parties' columns for screening benchmarks).
std::string csv_header(bool parties) {
  return std::string("type,id,date,chip,destination,end_user,end_user_hq,quantity,unit_price_usd,export_from,"
                     "end_user_parent_hq,role,designer,designer_hq,designer_status,designer_attests_not_3a090a,"
                     "process_nm,non_planar,transistors_billion,has_hbm,packaged_by,packaged_in,designer_applied_on,"
                     "designer_location,designer_parent_hq") +
         (parties ? ",consignee,purchaser,end_user_owners" : "") + "\n";
}
// Draws the parties; sets the end user, its headquarters `hq` (the listed ones where the list places them) and,
// most of the time, the destination to it (`dest` "XX", a deliberately bad row, is left as it is).
GeneratedParties generate_parties(Gen& gen, std::string& user, std::string& hq, std::string& dest) {
  static const char* const listed[] = {"Huawei Technologies Co., Ltd.", "Sophgo Technologies Ltd.",
                                       "Inspur Group Co., Ltd.", "Beijing Biren Technology Development Co., Ltd.",
                                       "Example Denied Exporter LLC"};
  GeneratedParties p;
  const bool on_list = gen.chance(0.02);
  user = on_list ? gen.pick(listed) : made_up_company(gen);
  hq = on_list ? (user == listed[4] ? "US" : "CN") : company_hq(user);
  if (gen.chance(0.85) && dest != "XX") dest = hq;
  if (gen.chance(0.33)) p.consignee = made_up_company(gen);
  if (gen.chance(0.1)) p.purchaser = made_up_company(gen);
  // Owners are the end user's own (one made-up end user in twenty gives them, the same on each of its rows): drawn
  // from a generator seeded by its name, not from the log's.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : user) h = (h ^ c) * 1099511628211ull;
  Gen own{std::mt19937_64(h)};
  if (!on_list && own.chance(0.05)) {
    std::string a = made_up_company(own), b = own.chance(0.2) ? own.pick(listed) : made_up_company(own);
    std::string pa = std::to_string(20 + own.below(60));
    std::string pb = std::to_string(100 - std::stoi(pa));
    p.owners_cell = a + ":" + pa + ";" + b + ":" + pb;
    p.owners_json = ",\"end_user_owners\":[{\"name\":" + json_str(a) + ",\"percent\":" + pa + "},{\"name\":" +
                    json_str(b) + ",\"percent\":" + pb + "}]";
  }
  return p;
}

}  // namespace

Command add_generate(CLI::App& root, Globals& g) {
  auto* app = root.add_subcommand("generate", "Write a deterministic, realistic shipment log (for tests and benchmarks)");
  app->footer(R"(Examples:
  tollgate generate --rows 1000000 --format csv -o /tmp/log.csv
  tollgate generate --rows 5000 --seed 7 --bad-share 0.01 | tollgate check --json -
Rows are in date order over the period the rules cover (the bundled rules: from 2022-08-26) to 2027-12-31. About
2% are foundry orders; --bad-share of the rows (default 0.002) are deliberately invalid (unknown country,
impossible date, negative quantity, bad amount, unknown field, a date before the rules' coverage), so that a run
exercises error reporting.)");
  struct Opts {
    uint64_t rows = 10000, seed = 1;
    std::string format = "csv", out;
    double bad_share = 0.002;
    bool parties = false;
  };
  auto o = std::make_shared<Opts>();
  app->add_option("--rows", o->rows, "Number of rows")->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000}));
  app->add_option("--seed", o->seed, "Random seed (same seed, same log)");
  app->add_option("--format", o->format, "csv or jsonl (json: the same as jsonl)")->check(CLI::IsMember({"csv", "jsonl", "json"}));
  app->add_option("--bad-share", o->bad_share, "Share of invalid rows, 0 to 1")->check(CLI::Range(0.0, 1.0));
  app->add_option("-o,--output", o->out, "Output file (default: standard output)");
  app->add_flag("--parties", o->parties,
                "Also write parties for screening benchmarks (issue 16): end users, consignees and purchasers drawn "
                "from a few thousand made-up names repeated as real logs repeat them, about 2 % of them names on the "
                "bundled sample list, and some end_user_owners (without it, the log is as before, byte for byte)");
  add_rules_options(*app, g);
  return {app, [o, &g]() -> int {
            auto program = load_program(g);  // the period its rules cover bounds the dates
            if (!program) return exit_bad_input;
            auto catalog = load_catalog(g, *program);
            if (!catalog) return exit_bad_input;
            // 90% of rows name chips whose specs are complete (with the die area where the Oct 2023 test needs it,
            // encoding.md r2); the rest any catalog chip (some fail closed; a few are HBM stacks).
            std::vector<std::string> chips = catalog->names(), full;
            for (const auto& [name, f] : catalog->chips()) {
              const bool area_needed = f.has(s_chip_tpp) && f.num[s_chip_tpp] >= 1600 * micro_per_unit &&
                                       f.num[s_chip_tpp] < 4800 * micro_per_unit;
              if (f.has(s_chip_tpp) && f.has(s_chip_interconnect_gbps) && f.has(s_chip_memory_bw_gbps) &&
                  f.has(s_chip_datacenter) && (!area_needed || f.has(s_chip_die_area_mm2)))
                full.push_back(name);
            }
            if (full.empty()) full = chips;
            std::vector<std::string> tail;  // every assigned ISO code: the long tail of destinations
            for (int c = 0; c < country_slots; ++c)
              if (country_index(country_code(c)) >= 0) tail.push_back(country_code(c));
            std::ofstream file;
            if (!o->out.empty()) {
              file.open(o->out, std::ios::binary | std::ios::trunc);
              if (!file) {
                std::cerr << "tollgate: error: cannot write '" << o->out << "'\n";
                return exit_bad_input;
              }
            }
            std::ostream& os = o->out.empty() ? std::cout : file;
            const bool csv = o->format == "csv";
            if (csv) os << csv_header(o->parties);
            Gen gen{std::mt19937_64(o->seed)};
            const Day first = std::max(program->covers_from, *parse_date("2022-01-01"));
            const Day last = std::max(first, std::min(program->covers_until, *parse_date("2027-12-31")));
            const char* const users[] = {"Example Cloud Co.", "Research Institute", "Hosting Co, Ltd",
                                         "Example AI Lab", "Retail Distributor", "Telecom Operator"};
            for (uint64_t i = 0; i < o->rows; ++i) {
              Day day = first + static_cast<Day>(static_cast<i128>(i) * (last - first) / static_cast<i128>(o->rows));
              std::string date = format_date(day);
              std::string id = std::to_string(i + 1);
              std::string dest = gen.chance(0.7) ? gen.pick(head) : tail[gen.below(tail.size())];
              std::string hq = gen.chance(0.85) ? dest : gen.pick(head);
              bool bad = gen.chance(o->bad_share);
              int flaw = static_cast<int>(gen.below(6));
              if (bad && flaw == 0) dest = "XX";
              if (bad && flaw == 1) date = date.substr(0, 8) + "32";
              if (bad && flaw == 5) date = format_date(first - 1 - static_cast<Day>(gen.below(365)));  // not covered
              if (gen.chance(0.02)) {  // a foundry order
                std::ostringstream fab;
                write_fab_order(fab, gen, csv, id, date, dest, hq, day);
                std::string line = fab.str();
                if (o->parties && csv) line.insert(line.size() - 1, ",,,");
                os << line;
                continue;
              }
              std::string qty = std::to_string(1 + gen.below(gen.chance(0.9) ? 64 : 5000));
              std::string price = money(15000 + gen.below(4'000'000));
              if (bad && flaw == 2) qty = "-" + qty;
              if (bad && flaw == 3) price += "5";  // three decimals
              std::string from = gen.chance(0.9) ? "US" : gen.pick({"TW", "SG", "MY", "KR"});
              std::string chip = gen.chance(0.9) ? full[gen.below(full.size())] : chips[gen.below(chips.size())];
              if (bad && flaw == 4 && csv) chip = "no such chip";  // CSV has no per-row unknown field: an unknown chip
              std::string user = gen.pick(users);
              GeneratedParties gp;
              if (o->parties) gp = generate_parties(gen, user, hq, dest);
              std::string parent = gen.chance(0.85) ? hq : gen.pick(parents);
              if (csv) {
                os << "shipment," << id << "," << date << "," << csv_cell(chip) << "," << dest << "," << csv_cell(user)
                   << "," << hq << "," << qty << "," << price << "," << from << "," << parent
                   << ",,,,,,,,,,,,,," << (o->parties ? "," + csv_cell(gp.consignee) + "," + csv_cell(gp.purchaser) + "," +
                                                               csv_cell(gp.owners_cell) : "")
                   << "\n";
              } else {
                os << "{\"type\":\"shipment\",\"id\":" << json_str(id) << ",\"date\":" << json_str(date)
                   << ",\"chip\":" << json_str(chip) << ",\"destination\":" << json_str(dest) << ",\"end_user\":"
                   << json_str(user) << ",\"end_user_hq\":" << json_str(hq) << ",\"quantity\":" << qty
                   << ",\"unit_price_usd\":" << json_str(price) << ",\"export_from\":" << json_str(from)
                   << ",\"end_user_parent_hq\":" << json_str(parent)
                   << (gp.consignee.empty() ? "" : ",\"consignee\":" + json_str(gp.consignee))
                   << (gp.purchaser.empty() ? "" : ",\"purchaser\":" + json_str(gp.purchaser))
                   << gp.owners_json << (bad && flaw == 4 ? ",\"colour\":\"red\"" : "") << "}\n";
              }
            }
            os.flush();
            if (!os) {
              std::cerr << "tollgate: error: writing the log failed\n";
              return exit_internal;
            }
            return exit_ok;
          }};
}

}  // namespace tollgate::cli
