#!/usr/bin/env bash
# tollgate tests — docs/records.md's field table is generated from the rules' schema (rules/schema.tg) by
# `tollgate schema --markdown`; this fails when the two drift (regenerate with scripts/schema_doc.sh).
# Usage: cli_schema_doc.sh TOLLGATE SOURCE_DIR
set -u
TG=$1
SRC=$2
doc=$SRC/docs/records.md
begin='<!-- fields: generated from rules/schema.tg by `tollgate schema --markdown` (scripts/schema_doc.sh); do not edit -->'
end='<!-- fields: end -->'
grep -qxF -- "$begin" "$doc" && grep -qxF -- "$end" "$doc" || { echo "FAIL: $doc has no generated field table markers"; exit 1; }
want=$("$TG" schema --markdown --rules "$SRC/rules") || { echo "FAIL: tollgate schema --markdown failed"; exit 1; }
have=$(awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$doc")
if [ "$want" != "$have" ]; then
  echo "FAIL: docs/records.md's field table differs from rules/schema.tg (run scripts/schema_doc.sh):"
  diff <(echo "$have") <(echo "$want")
  exit 1
fi
echo "cli_schema_doc: docs/records.md's field table matches rules/schema.tg"
