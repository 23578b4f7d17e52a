// tollgate — implementation of engine/base/country.hpp.
#include "engine/base/country.hpp"

#include <string>

namespace tollgate {

// ISO 3166-1 alpha-2 officially assigned codes (249), from the ISO 3166 Maintenance Agency list.
static const char* const iso_codes =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO "
    "FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE "
    "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO "
    "MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW "
    "PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM "
    "TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

namespace {
struct CountryTable {
  std::array<bool, country_slots> assigned{};
  CountryTable() {
    std::string_view all(iso_codes);
    for (size_t i = 0; i + 1 < all.size(); i += 3) assigned[26 * (all[i] - 'A') + (all[i + 1] - 'A')] = true;
  }
};
const CountryTable& countries() {
  static const CountryTable table;
  return table;
}
}  // namespace

int country_index(std::string_view code) {
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') return -1;
  int idx = 26 * (code[0] - 'A') + (code[1] - 'A');
  return countries().assigned[idx] ? idx : -1;
}

std::string country_code(int index) {
  if (index < 0 || index >= country_slots) return "??";
  return std::string{static_cast<char>('A' + index / 26), static_cast<char>('A' + index % 26)};
}

}  // namespace tollgate
