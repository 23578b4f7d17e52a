#!/usr/bin/env bash
# tollgate tests — one set of CLI conventions (issue 18, docs/cli.md): every subcommand that prints accepts
# --format json and its output parses; --error-format json (and TOLLGATE_ERROR_FORMAT) covers input errors; fmt
# prints, diffs, writes only with --write, and --check exits 6; each exit code case (2 bad input, 5 tampered,
# 6 changes found); check --format table; the audit report's first table is the flagged list; help texts have no
# placeholders. Usage: cli_conventions.sh TOLLGATE SOURCE_DIR WORKDIR
set -u
TG=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1
fail=0
die() { echo "FAIL: $*"; fail=1; }
LOG=$SRC/fixtures/orders/sample_log.csv
ORDERS=$SRC/fixtures/orders/sample_orders.jsonl
# FILE is one JSON document, or JSON lines (one object a line); and not empty.
json_lines() {
  python3 -c 'import json,sys
text=open(sys.argv[1]).read()
assert text.strip(), "no output"
try:
    json.loads(text)
except ValueError:
    for l in text.splitlines():
        if l.strip(): json.loads(l)' "$1" 2> /dev/null || die "$2: output is not JSON"
}

# ---- --format json on every subcommand that prints --------------------------------------------------------------
"$TG" check --format json "$ORDERS" > check.json; json_lines check.json "check --format json"
"$TG" check --json "$ORDERS" > check2.json; cmp -s check.json check2.json || die "check --json differs from --format json"
"$TG" check --format json --explain "$ORDERS" > explain.json; json_lines explain.json "check --explain --format json"
grep -q '"why_not":\[' explain.json || die "check --explain --format json has no why_not"
grep -q '"why_not"' check.json && die "check --format json without --explain carries why_not"
"$TG" classify "H20" --as-of 2024-06-01 --format json > classify.json; json_lines classify.json "classify"
"$TG" audit "$LOG" --db t.db --format json --no-progress > audit.json; json_lines audit.json "audit --format json"
"$TG" diff --as-of 2023-06-01 --vs 2023-12-01 --format json > diff.json; json_lines diff.json "diff --format json"
"$TG" diff --as-of 2023-06-01 --vs 2023-12-01 --json > diff2.json; cmp -s diff.json diff2.json || die "diff --json"
"$TG" lint --format json "$SRC/rules" > lint.json; json_lines lint.json "lint --format json"
"$TG" test --format json > test.json; json_lines test.json "test --format json"
"$TG" fmt --format json "$SRC/rules/metrics.tg" > fmt.json; json_lines fmt.json "fmt --format json"
"$TG" trace verify t.db --format json > verify.json; json_lines verify.json "trace verify --format json"
"$TG" trace show t.db '#1' --format json > show.json; json_lines show.json "trace show --format json"
"$TG" trace runs t.db --format json > runs.json; json_lines runs.json "trace runs --format json"
"$TG" trace export t.db --format json > export.json; json_lines export.json "trace export --format json"
"$TG" screen "Example Trading Ltd" --format json > screen.json; json_lines screen.json "screen --format json"
"$TG" generate --rows 5 --format json > gen.json; json_lines gen.json "generate --format json"
# -o FILE writes what would be printed
"$TG" check --format json "$ORDERS" -o out.json; cmp -s out.json check.json || die "check -o FILE"

# ---- exit codes ---------------------------------------------------------------------------------------------------
"$TG" check no-such-file.csv > /dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || die "check on a missing file: exit 2 expected, got $rc"
cp t.db tampered.db
python3 -c 'import sqlite3,sys
db=sqlite3.connect(sys.argv[1]); db.execute("UPDATE decisions SET fee_total_cents = fee_total_cents + 1 WHERE seq = 5"); db.commit()' tampered.db
"$TG" trace verify tampered.db > /dev/null; rc=$?
[ "$rc" -eq 5 ] || die "trace verify on a tampered store: exit 5 expected, got $rc"
"$TG" trace verify tampered.db --format json > tampered.json; rc=$?
[ "$rc" -eq 5 ] || die "trace verify --format json on a tampered store: exit 5 expected, got $rc"
grep -q '"ok":false' tampered.json || die "trace verify --format json: not ok:false"
"$TG" diff --as-of 2023-06-01 --vs 2023-12-01 --exit-code > /dev/null; rc=$?
[ "$rc" -eq 6 ] || die "diff --exit-code with changes: exit 6 expected, got $rc"
"$TG" diff --as-of 2023-12-01 --vs 2023-12-01 --exit-code > /dev/null; rc=$?
[ "$rc" -eq 0 ] || die "diff --exit-code without changes: exit 0 expected, got $rc"
"$TG" diff --as-of 2023-06-01 --vs 2023-12-01 > /dev/null; rc=$?
[ "$rc" -eq 0 ] || die "diff without --exit-code: exit 0 expected, got $rc"

# ---- fmt: prints, --diff, --write, --check -------------------------------------------------------------------------
printf 'ruleset t "T" {\n  status enacted\n}\ncondition   c =   true\n' > messy.tg
cp messy.tg messy.orig
"$TG" fmt messy.tg > fmt.out; rc=$?
[ "$rc" -eq 0 ] || die "fmt FILE: exit 0 expected, got $rc"
cmp -s messy.tg messy.orig || die "fmt FILE changed the file without --write"
grep -q '^condition c = true$' fmt.out || die "fmt FILE does not print the formatted text"
"$TG" fmt --diff messy.tg > fmt.diff
grep -q '^--- messy.tg$' fmt.diff && grep -q '^-condition   c =   true$' fmt.diff && grep -q '^+condition c = true$' fmt.diff \
  || die "fmt --diff is not a unified diff: $(cat fmt.diff)"
"$TG" fmt --check messy.tg > /dev/null; rc=$?
[ "$rc" -eq 6 ] || die "fmt --check on an unformatted file: exit 6 expected, got $rc"
"$TG" fmt --write messy.tg > /dev/null
"$TG" fmt --check messy.tg > /dev/null; rc=$?
[ "$rc" -eq 0 ] || die "fmt --check after --write: exit 0 expected, got $rc"

# ---- --error-format json: input errors too, and the environment variable -----------------------------------------
"$TG" --error-format json check no-such-file.csv > /dev/null 2> err.json
json_lines err.json "--error-format json on a missing input"
grep -q '"code":"tollgate.cli.error"' err.json || die "--error-format json: no tollgate.cli.error: $(cat err.json)"
TOLLGATE_ERROR_FORMAT=json "$TG" check --as-of 2024-13-45 "$ORDERS" > /dev/null 2> env.json
json_lines env.json "TOLLGATE_ERROR_FORMAT=json"
"$TG" check --error-format json --no-such-option "$ORDERS" > /dev/null 2> opt.json
json_lines opt.json "--error-format json on an option error"

# ---- check --format table, and the summary after more than a screen of records ------------------------------------
"$TG" check --format table "$LOG" > table.txt
head -1 table.txt | grep -q '^  line  id  ' || die "check --format table: no header"
rows=$(grep -cE '^ +[0-9]+  ' table.txt)
[ "$rows" -ge 2000 ] || die "check --format table: $rows record lines, 2000 expected"
grep -q '^== summary$' table.txt || die "check --format table: no summary"
grep -q '^fees due: \$1,716,655.69$' table.txt || die "check: fees not formatted \$1,716,655.69"
grep -qE '\$[0-9]{4,}\.' table.txt && die "check: an amount without thousands grouping"

# ---- the audit report: the flagged list first, with its columns ----------------------------------------------------
"$TG" audit "$LOG" --db t.db --report r.html --no-progress > /dev/null
python3 - <<'PY' || fail=1
import re
html = open("r.html").read()
first = re.search(r"<table[^>]*>(.*?)</table>", html, re.S).group(1)
head = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", first)
want = ["date", "id", "chip", "destination", "end user", "value", "verdict", "review", "deciding rule", "citation"]
assert head[:len(want)] == want, head
cells = re.findall(r"<td[^>]*>(.*?)</td>", re.search(r"<tbody>(.*?)</tbody>", first, re.S).group(1))
assert cells[6] in ("LICENSE_REQUIRED", "PROHIBITED"), cells[:11]
assert cells[8] and cells[9], cells[:11]            # a deciding rule and its citation
assert re.fullmatch(r"\$[0-9]{1,3}(,[0-9]{3})*\.[0-9]{2}", cells[5]), cells[5]
assert "@media print" in html and "<details>" in html
assert "http://" not in html.replace('http://www.w3.org/2000/svg', '') and "https://" not in html
PY

# ---- help texts without placeholders -------------------------------------------------------------------------------
for sub in check classify lint fmt test generate audit trace diff serve screen; do
  "$TG" "$sub" --help > help.txt 2>&1
  grep -qE '\(0x\)|TEXT:FILE|\bTEXT\b' help.txt && die "$sub --help shows a placeholder: $(grep -E '\(0x\)|TEXT' help.txt | head -2)"
done

# ---- -o never overwrites what the command reads, nor a trace store (found by a new user: check x.csv -o x.csv
# emptied its input; audit --db a.db -o a.db and trace export a.db -o a.db replaced the store) -----------------------
cp "$SRC/fixtures/orders/sample_orders.csv" own.csv
ln -sf own.csv own_link.csv
sum_before=$(sha256sum own.csv t.db | sha256sum)
"$TG" check own.csv -o own.csv 2> clob.err; [ $? -eq 2 ] || die "check -o its own input: not exit 2"
grep -q "does not overwrite its own input" clob.err || die "check -o its own input: no reason given"
"$TG" check own.csv -o own_link.csv 2> /dev/null; [ $? -eq 2 ] || die "check -o a link to its input: not exit 2"
"$TG" audit own.csv --db t.db -o t.db --no-progress 2> /dev/null; [ $? -eq 2 ] || die "audit -o its store: not exit 2"
"$TG" audit own.csv --no-store -o t.db --no-progress 2> /dev/null; [ $? -eq 2 ] || die "audit -o a database: not exit 2"
"$TG" trace export t.db -o t.db 2> /dev/null; [ $? -eq 2 ] || die "trace export -o its store: not exit 2"
"$TG" classify --json-input own.csv -o own.csv 2> /dev/null; [ $? -eq 2 ] || die "classify -o its input: not exit 2"
[ "$(sha256sum own.csv t.db | sha256sum)" = "$sum_before" ] || die "-o changed an input or the store"
"$TG" trace verify t.db > /dev/null || die "the store fails verification after the refused -o"
"$TG" check own.csv -o fresh.txt > /dev/null; [ -s fresh.txt ] || die "check -o a new file wrote nothing"

[ "$fail" -eq 0 ] && echo "cli_conventions: ok"
exit "$fail"
