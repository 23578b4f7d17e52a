#!/usr/bin/env bash
# tollgate tests — one set of CLI conventions (issue 18, docs/cli.md): every subcommand that prints accepts
# --format json and its output parses; --error-format json (and TOLLGATE_ERROR_FORMAT) covers input errors; fmt
# prints, diffs, writes only with --write, and --check exits 6; each exit code case (2 bad input, 5 tampered,
# 6 changes found; screen: 0 no match, 3/4 a certain match, 7 a possible match); check --format table; the audit
# report's first table is the flagged list; help texts have no placeholders.
# Usage: cli_conventions.sh TOLLGATE SOURCE_DIR WORKDIR
source "$(dirname "$0")/lib.sh" "$@"
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
"$TG" screen "Example Trading Ltd" --lists "$SRC/fixtures/lists/csl_sample.csv" --format json > screen.json; json_lines screen.json "screen --format json"
"$TG" generate --rows 5 --format json > gen.json; json_lines gen.json "generate --format json"
"$TG" catalog H20 --format json > catalog.json; json_lines catalog.json "catalog --format json"
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
# screen: each outcome its own code (docs/cli.md): no match 0; a certain match the verdict the list implies (Entity
# List: 3, licence required; Denied Persons: 4, prohibited); a possible match 7 (resolve it: neither a pass nor bad
# input); a possible match resolved 0; bad input 2. The bundled sample list (fixtures/lists/csl_sample.csv).
screen_rc() {  # screen_rc WANT WHAT ARGS...
  local want=$1 what=$2
  shift 2
  case " $* " in *" --lists "*) ;; *) set -- "$@" --lists "$SRC/fixtures/lists/csl_sample.csv" ;; esac
  "$TG" screen "$@" > /dev/null 2>&1
  local rc=$?
  [ "$rc" -eq "$want" ] || die "screen, $what: exit $want expected, got $rc"
}
screen_rc 0 "no match" "Nvidia Corporation"
screen_rc 3 "a certain Entity List match (licence required)" "HUAWEI TECHNOLOGIES CO LTD" --country CN
screen_rc 4 "a certain Denied Persons match (prohibited)" "Exdenex"
screen_rc 7 "a possible match (unresolved)" "Huawen Technologies Co., Ltd."
printf 'party,entry,who,when,why\n"Huawen Technologies Co., Ltd.",pub-huawei,A. Officer,2026-11-30,other company\n' > res.csv
screen_rc 0 "a possible match resolved" "Huawen Technologies Co., Ltd." --resolutions res.csv
screen_rc 2 "a bad country code (bad input)" "Huawei" --country XX
screen_rc 2 "no name (bad input)"
"$TG" screen "Nvidia Corporation" > /dev/null 2>&1; [ $? -eq 2 ] || die "screen without --lists: exit 2 expected (a 'no match' against the bundled demonstration list would read as clean)"
screen_rc 7 "a possible match, --format json" "Huawen Technologies Co., Ltd." --format json
# Several candidates: the strictest. (HUAWEI ... above is also a possible match of "Huawei Cloud Beijing", another
# Entity List entry: it cannot make the licence stricter, so 3.) A certain Entity List match with a possible Denied
# Persons match: 7, the match to resolve could prohibit; with a certain Denied Persons match: 4.
printf 'source,name\nEntity List (EL) - Bureau of Industry and Security,Zentrix Dynamics\nDenied Persons List (DPL) - Bureau of Industry and Security,Zentrix Dynamics Huawen\n' > mixed.csv
screen_rc 7 "a certain EL match and a possible DPL match" "Zentrix Dynamics" --lists mixed.csv
printf 'source,name\nEntity List (EL) - Bureau of Industry and Security,Zentrix Dynamics\nDenied Persons List (DPL) - Bureau of Industry and Security,Zentrix Dinamics\n' > mixed2.csv
screen_rc 4 "a certain EL match and a certain DPL match" "Zentrix Dynamics" --lists mixed2.csv

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

# ---- the audit report's long tables: every row reachable ----------------------------------------------------------
# HTML: the top rows, the rest in a collapsed <details> of the same page (self-contained: no link to another file).
# Markdown (--report FILE.md): the top rows, the rest linked as FILE.<table>.csv written next to it, with every row.
# Each checked against the JSON report's rows.
mkdir -p rep
"$TG" audit "$LOG" --no-store --report rep/r.json --no-progress > /dev/null
"$TG" audit "$LOG" --no-store --report rep/r.html --no-progress > /dev/null
"$TG" audit "$LOG" --no-store --report rep/r.md --no-progress > /dev/null
python3 - rep <<'PY' || fail=1
import csv, json, os, re, sys
d = sys.argv[1]
j = json.load(open(os.path.join(d, "r.json")))
html = open(os.path.join(d, "r.html")).read()
md = open(os.path.join(d, "r.md")).read()
want = {"flagged": [f["id"] for f in j["flagged"]], "rejects": [r["line"] for r in j["rejected"]],
        "destination": list(j["by_destination"]), "chip": list(j["by_chip"]), "month": list(j["by_month"])}
titles = {"flagged": "Records that need a licence or are prohibited", "rejects": "Records that could not be judged",
          "destination": "By destination", "chip": "By chip", "month": "By month"}
cut = 0
for slug, keys in want.items():
    # HTML: the section from its heading to the next, its rows in the tables shown and the <details> below them
    sec = re.search(r"<h2[^>]*>" + re.escape(titles[slug]) + r"</h2>(.*?)(?=<h2|</body>)", html, re.S).group(1)
    rows = re.findall(r"<tr><td", sec)
    assert len(rows) == len(keys), (slug, "HTML rows", len(rows), len(keys))
    if len(keys) > 15:
        assert "<details><summary>" in sec, (slug, "no collapsed section")
    # Markdown: a table cut to its top rows links its CSV, which holds every row
    name = "r." + slug + ".csv"
    if "more rows" in md.split("## " + titles[slug])[1].split("\n## ")[0]:
        cut += 1
        assert "[" + name + "](" + name + ")" in md, (slug, "the Markdown does not link", name)
        with open(os.path.join(d, name), newline="") as f:
            got = list(csv.reader(f))
        assert len(got) == len(keys) + 1, (slug, "CSV rows", len(got) - 1, len(keys))
        if slug in ("destination", "chip", "month"):
            assert [r[0] for r in got[1:]] == keys, (slug, "CSV keys differ from the JSON report's")
        if slug == "flagged":
            assert [r[1] for r in got[1:]] == keys, (slug, "CSV ids differ from the JSON report's")
assert cut >= 4, ("tables cut in the Markdown", cut)
assert not re.search(r'href="(?!#)', html), "the HTML report links another file: not self-contained"
PY
"$TG" audit "$LOG" --no-store --format md --no-progress > stdout.md
grep -q 'more rows: in the HTML or JSON report' stdout.md || die "audit --format md: the cut tables do not say where the rows are"

# ---- help texts without placeholders -------------------------------------------------------------------------------
for sub in check classify lint fmt test generate audit trace diff serve screen catalog; do
  "$TG" "$sub" --help > help.txt 2>&1
  grep -qE '\(0x\)|TEXT:FILE|\bTEXT\b' help.txt && die "$sub --help shows a placeholder: $(grep -E '\(0x\)|TEXT' help.txt | head -2)"
done

# ---- option errors are errors, also in --error-format json (a new user saw them as notes); an unknown subcommand is
# named --------------------------------------------------------------------------------------------------------------
"$TG" --error-format json check --format xml x.csv 2> opt.err; [ $? -eq 2 ] || die "a bad --format: not exit 2"
head -1 opt.err | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["severity"]=="error" and d["code"]=="tollgate.cli.error", d' \
  || die "an option error in --error-format json is not an error: $(head -1 opt.err)"
"$TG" bogus 2> sub.err; [ $? -eq 2 ] || die "an unknown subcommand: not exit 2"
grep -q "'bogus' is not a tollgate subcommand" sub.err || die "an unknown subcommand is not named: $(cat sub.err)"

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
