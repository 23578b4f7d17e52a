#!/usr/bin/env bash
# Regenerates docs/records.md's field table from the rules' schema (rules/schema.tg): the lines between the two
# markers are replaced by `tollgate schema --markdown`. tests/cli/cli_schema_doc.sh fails when they drift.
# Usage: scripts/schema_doc.sh [TOLLGATE]   (default: build/cli/tollgate)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
tg=${1:-$src/build/cli/tollgate}
doc=$src/docs/records.md
begin='<!-- fields: generated from rules/schema.tg by `tollgate schema --markdown` (scripts/schema_doc.sh); do not edit -->'
end='<!-- fields: end -->'
table=$(mktemp)
"$tg" schema --markdown --rules "$src/rules" >"$table"
awk -v b="$begin" -v e="$end" -v t="$table" '
  $0 == b { print; while ((getline line < t) > 0) print line; skip = 1; next }
  $0 == e { skip = 0 }
  !skip { print }' "$doc" >"$doc.new"
mv "$doc.new" "$doc"
rm -f "$table"
