// tollgate — the canonical layout of rules files (`tollgate fmt`). Formatting never drops a comment, and is
// checked on every run: the output must parse to the same tree (spans aside) with the same comments.
#pragma once

#include <string>

#include "grammar/syntax.hpp"

namespace tollgate {

// The canonical text of a parsed file (which must have parsed without errors).
std::string format_file(const syntax::File& file);
// Structural equality of two syntax trees, ignoring spans (and comment positions, but not their text).
bool same_tree(const syntax::File& a, const syntax::File& b, std::string* where = nullptr);

}  // namespace tollgate
