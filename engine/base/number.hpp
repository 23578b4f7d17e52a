// tollgate — numbers read from and written as decimal text.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// ---- numbers -------------------------------------------------------------------------------------------------
// Shortest text that reads back as the same double ("15831.2", "4800", "0.1").
std::string format_number(double v);
// Strict decimal number: optional '-', digits, optional fraction, optional exponent; no trailing text.
std::optional<double> parse_number(std::string_view text);

}  // namespace tollgate
