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

// The first path of `paths` that names the same input as an earlier one (the same file through another path or a
// link, or "-", standard input, twice), as a message naming both ("'b.csv' is the same file as 'a.csv', given
// earlier"); "" if every input is given once. A file judged twice would count its records twice.
std::string duplicate_input(const std::vector<std::string>& paths);

}  // namespace tollgate
