// tollgate — implementation of engine/base/files.hpp.
#include "engine/base/files.hpp"

#include <algorithm>
#include <filesystem>

namespace tollgate {

std::vector<std::string> expand_paths(const std::vector<std::string>& paths, const std::string& ext) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(p, ec)) {
      out.push_back(p);
      continue;
    }
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(p, ec))
      if (e.is_regular_file() && e.path().extension() == ext) names.push_back(e.path().string());
    std::sort(names.begin(), names.end());
    out.insert(out.end(), names.begin(), names.end());
  }
  return out;
}

std::string duplicate_input(const std::vector<std::string>& paths) {
  for (size_t i = 1; i < paths.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      std::error_code ec;
      const bool same = paths[i] == paths[j] ||
                        (paths[i] != "-" && paths[j] != "-" && std::filesystem::equivalent(paths[i], paths[j], ec));
      if (!same) continue;
      if (paths[i] == "-") return "standard input ('-') is given twice";
      return "'" + paths[i] + "' is " + (paths[i] == paths[j] ? "given twice" : "the same file as '" + paths[j] + "'") +
             ": each input is read once (its records would be counted twice)";
    }
  return "";
}

}  // namespace tollgate
