// tollgate — ISO 3166-1 alpha-2 country codes as small integers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// ---- countries: ISO 3166-1 alpha-2, as an index 0..675 (26 * (c0 - 'A') + (c1 - 'A')) ------------------------
inline constexpr int country_slots = 26 * 26;
// The index of an assigned ISO 3166-1 alpha-2 code, or -1 (unknown code, lower case, wrong length).
int country_index(std::string_view code);
std::string country_code(int index);

}  // namespace tollgate
