// tollgate — input paths: folders expanded to their files, sorted.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

// ---- files -------------------------------------------------------------------------------------------------
// Each path as given, except that a folder stands for its files with extension `ext` (e.g. ".tg"), sorted by
// name, so runs are deterministic.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths, const std::string& ext);

}  // namespace tollgate
