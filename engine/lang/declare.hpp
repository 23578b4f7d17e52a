// tollgate — the record schema from the rules' `field` declarations (docs/language.md, "Fields"). Used by compile().
#pragma once

#include <optional>
#include <vector>

#include "engine/lang/program.hpp"
#include "grammar/parse.hpp"

namespace tollgate {

// Builds `out` from the `field` declarations (in load order): checks each (kind, type, unit, clauses), merges one
// field's declarations on several record kinds (one type and unit), checks that every core field (core_fields()) is
// declared as the engine reads it, assigns the other fields free slots (at most slot_count / text_slot_count in
// all), and adds the computed `class`. Errors go to `diags` (tollgate.check.core-field, .schema-full, ...).
void build_schema(const std::vector<const syntax::Decl*>& fields, Schema& out, std::vector<Diagnostic>& diags);

// The bundled schema file (default_rules_dir()/schema.tg), parsed (once per content), for rules that declare no
// field at all (a single rules file, a test's snippet). nullopt, with a diagnostic, if it cannot be read or parsed.
std::optional<syntax::File> bundled_schema_file(std::vector<Diagnostic>& diags);

}  // namespace tollgate
