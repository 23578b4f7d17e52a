#!/usr/bin/env bash
# Issue 15 (first half): spreadsheet exports, .xlsx and ERP exports through column maps, read as they come.
#  1. The same five shipments (fixtures/imports/, scripts/make_import_fixtures.py) as tollgate CSV, semicolon CSV
#     with a sep= line, a UTF-8 byte order mark and --decimal-comma, Excel "Unicode Text" (UTF-16LE, tab), .xlsx
#     (first sheet, and --sheet), an SAP-like export through a JSON map and an Oracle-like export through a TOML
#     map, and the semicolon file on standard input: byte-identical `check --json` output, five decisions.
#  2. Each file-level message: shown once with its row count, every row accounted for.
#  3. Bad cells cost their row only, named by sheet, cell and column; bad maps and sheets are file-level errors.
#  4. audit reads them too, and the map's SHA-256 is in the run's options.
# Usage: cli_imports.sh TOLLGATE SOURCE_DIR WORK_DIR
set -u
TG=$1
SRC=$2
W=$3
F=$SRC/fixtures/imports
rm -rf "$W" && mkdir -p "$W"
fail=0
die() { echo "FAIL: $*"; fail=1; }

# ---- 1. byte-identical decisions ---------------------------------------------------------------------------------
"$TG" check --json "$F/orders.csv" > "$W/plain.json"
[ "$(grep -c '"schema":"tollgate.decision/1"' "$W/plain.json")" = 5 ] || die "orders.csv: expected 5 decisions"
grep -q '"error"' "$W/plain.json" && die "orders.csv: an error"
same() {  # NAME ARGS...: check --json ARGS gives plain.json's bytes
  local name=$1; shift
  "$TG" check --json "$@" > "$W/$name.json" 2> "$W/$name.err"
  cmp -s "$W/plain.json" "$W/$name.json" || { die "$name differs from orders.csv:"; diff "$W/plain.json" "$W/$name.json" | head -5; cat "$W/$name.err"; }
}
same semicolon --decimal-comma "$F/orders_semicolon.csv"
same unicode "$F/orders_unicode.txt"
same xlsx "$F/orders.xlsx"
same xlsx_sheet --sheet Orders "$F/orders.xlsx"
same sap --columns "$F/sap_columns.json" --decimal-comma "$F/sap_export.csv"
same oracle --columns "$F/oracle_columns.toml" "$F/oracle_export.csv"
"$TG" check --json --decimal-comma - < "$F/orders_semicolon.csv" > "$W/stdin.json"
cmp -s "$W/plain.json" "$W/stdin.json" || die "semicolon CSV on standard input differs"
# A UTF-8 byte order mark on standard input before JSONL: sniffed as JSONL, not CSV.
printf '\xef\xbb\xbf{"type":"shipment","id":"B-1","date":"2025-09-15","chip":"H20","destination":"CN","end_user_hq":"CN","end_user_parent_hq":"CN","quantity":1,"unit_price_usd":"100.00"}\n' |
  "$TG" check --json - > "$W/bom.json"
grep -q '"id":"B-1","type":"shipment"' "$W/bom.json" || die "BOM + JSONL on standard input not read as JSONL: $(head -c 300 "$W/bom.json")"

# ---- 2. file-level messages, once, with their row counts -----------------------------------------------------------
printf 'id,date,chip,destination,end_user_hq,end_user_parent_hq,quantity,unit_price_usd,hs_code,incoterm\nX-1,2025-09-15,H20,CN,CN,CN,1,100.00,8473.30,FCA\nX-2,2025-09-15,H20,CN,CN,CN,2,100.00,8473.30,FCA\n' > "$W/extra.csv"
"$TG" check "$W/extra.csv" > "$W/extra.out" 2>&1; rc=$?
[ $rc = 2 ] || die "extra columns: exit $rc, expected 2"
[ "$(grep -c "column 'hs_code' is not a record field" "$W/extra.out")" = 1 ] || die "extra columns: message not once: $(cat "$W/extra.out")"
grep -q "column 'incoterm' is not a record field" "$W/extra.out" || die "extra columns: incoterm not named"
grep -q "2 rows rejected for this (lines 2 to 3)" "$W/extra.out" || die "extra columns: no row count: $(cat "$W/extra.out")"
grep -q "2 rows read: 0 judged, 2 rejected" "$W/extra.out" || die "extra columns: accounting: $(cat "$W/extra.out")"

printf 'id,date,chip,destination,end_user_hq,end_user_parent_hq,quantity,unit_price_usd,\nT-1,2025-09-15,H20,CN,CN,CN,1,100.00,\nT-2,2025-09-15,H20,CN,CN,CN,2,100.00,\n' > "$W/trailing.csv"
"$TG" check "$W/trailing.csv" > "$W/trailing.out" 2>&1
grep -q "2 rows read: 2 judged, 0 rejected" "$W/trailing.out" || die "trailing empty column: $(cat "$W/trailing.out")"

printf 'id|date|chip|destination\nP-1|2025-09-15|H20|CN\nP-2|2025-09-15|H20|CN\nP-3|2025-09-15|H20|CN\n' > "$W/pipe.csv"
"$TG" check "$W/pipe.csv" > "$W/pipe.out" 2>&1
[ "$(grep -c "is the file delimited by '|'" "$W/pipe.out")" = 1 ] || die "pipe-delimited: $(cat "$W/pipe.out")"
grep -q "3 rows rejected for this (lines 2 to 4)" "$W/pipe.out" || die "pipe-delimited: count: $(cat "$W/pipe.out")"

printf 'id,date,chip,destination,end_user,end_user_hq,end_user_parent_hq,quantity,unit_price_usd\nL-1,2025-09-15,H20,CN,M\xfcller GmbH,CN,CN,1,100.00\nL-2,2025-09-15,H20,CN,Lab,CN,CN,1,100.00\nL-3,2025-09-15,H20,CN,B\xe4r AG,CN,CN,1,100.00\n' > "$W/latin1.csv"
"$TG" check "$W/latin1.csv" > "$W/latin1.out" 2>&1
[ "$(grep -c "not UTF-8" "$W/latin1.out")" = 1 ] || die "Latin-1: message not once: $(cat "$W/latin1.out")"
grep -q "2 rows rejected for this (lines 2 to 4)" "$W/latin1.out" || die "Latin-1: count: $(cat "$W/latin1.out")"
grep -q "3 rows read: 1 judged, 2 rejected" "$W/latin1.out" || die "Latin-1: accounting: $(cat "$W/latin1.out")"

printf 'id;date;chip;destination;end_user_hq;end_user_parent_hq;quantity;unit_price_usd\nC-1;2025-09-15;H20;CN;CN;CN;1;12345,67\n' > "$W/comma.csv"
"$TG" check "$W/comma.csv" > "$W/comma.out" 2>&1
grep -q "unit_price_usd '12345,67'.*--decimal-comma" "$W/comma.out" || die "decimal comma without the flag: $(cat "$W/comma.out")"
"$TG" check --decimal-comma "$W/comma.csv" > "$W/comma2.out" 2>&1
grep -q "1 rows\? read: 1 judged" "$W/comma2.out" || die "decimal comma with the flag: $(cat "$W/comma2.out")"

# A map that does not fit the file: an unmapped column, once.
sed 's/^VBELN;/VBELN;EXTRA;/; 2,$s/^\([^;]*\);/\1;x;/' "$F/sap_export.csv" > "$W/sap_extra.csv"
"$TG" check --columns "$F/sap_columns.json" --decimal-comma "$W/sap_extra.csv" > "$W/sap_extra.out" 2>&1
[ "$(grep -c "column 'EXTRA' is neither mapped nor ignored" "$W/sap_extra.out")" = 1 ] || die "unmapped column: $(cat "$W/sap_extra.out")"
grep -q "5 rows read: 0 judged, 5 rejected" "$W/sap_extra.out" || die "unmapped column: accounting"

# ---- 3. bad maps, sheets and cells --------------------------------------------------------------------------------
echo '{"columns": {"A": "destinaton"}}' > "$W/bad_map.json"
"$TG" check --columns "$W/bad_map.json" "$F/orders.csv" > "$W/bad_map.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "'destinaton' is not a record field; did you mean 'destination'" "$W/bad_map.out" || die "bad map: $rc $(cat "$W/bad_map.out")"
echo '{"columns": {"P": {"field": "unit_price_usd", "factor": 0.01}}}' > "$W/float_map.json"
"$TG" check --columns "$W/float_map.json" "$F/orders.csv" > "$W/float_map.out" 2>&1
grep -q "factor must be written as a string" "$W/float_map.out" || die "float factor: $(cat "$W/float_map.out")"
"$TG" check --sheet Missing "$F/orders.xlsx" > "$W/sheet.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "has no sheet named 'Missing' (its sheets: 'Orders', 'Notes')" "$W/sheet.out" || die "missing sheet: $(cat "$W/sheet.out")"
python3 - "$F/orders.xlsx" "$W/bad_cells.xlsx" <<'EOF'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
    for info in z.infolist():
        data = z.read(info.filename)
        if info.filename == "xl/worksheets/sheet1.xml":
            t = data.decode()
            t = t.replace('<c r="B3" s="1"><v>45323</v></c>', '<c r="B3" s="1"><v>45323.5</v></c>', 1)  # a time
            t = t.replace('<c r="M5"><v>16</v></c>', '<c r="M5" t="e"><v>#N/A</v></c>', 1)              # an error
            data = t.encode()
        out.writestr(info, data)
EOF
"$TG" check "$W/bad_cells.xlsx" > "$W/bad_cells.out" 2>&1
grep -q "line 3: error\[tollgate.input.value\] in date: sheet 'Orders' cell B3 (column 'date'): '45323.5' is not a whole Excel date" "$W/bad_cells.out" || die "bad date cell: $(cat "$W/bad_cells.out")"
grep -q "line 5: error\[tollgate.input.value\] in quantity: sheet 'Orders' cell M5 (column 'quantity'): the cell holds the error #N/A" "$W/bad_cells.out" || die "error cell: $(cat "$W/bad_cells.out")"
grep -q "5 rows read: 3 judged, 2 rejected" "$W/bad_cells.out" || die "bad cells: accounting: $(cat "$W/bad_cells.out")"
# Oracle: an unknown country name costs its row.
sed 's/,Viet Nam,/,Vietnamm,/' "$F/oracle_export.csv" > "$W/oracle_bad.csv"
"$TG" check --columns "$F/oracle_columns.toml" "$W/oracle_bad.csv" > "$W/oracle_bad.out" 2>&1
grep -q "line 3: error\[tollgate.input.value\] in destination: column 'SHIP_TO_COUNTRY': 'Vietnamm' is not a country name" "$W/oracle_bad.out" || die "bad country name: $(cat "$W/oracle_bad.out")"

# ---- 4. audit --------------------------------------------------------------------------------------------------
"$TG" audit --no-progress --db "$W/a.db" --columns "$F/sap_columns.json" --decimal-comma "$F/sap_export.csv" > "$W/audit.out" 2>&1
grep -q "5 records" "$W/audit.out" || die "audit of the SAP export: $(head -20 "$W/audit.out")"
sha=$(sha256sum "$F/sap_columns.json" | cut -d' ' -f1)
python3 - "$W/a.db" "$sha" <<'EOF' || die "audit: the map's SHA-256 is not in the run's options"
import sqlite3, sys, json
con = sqlite3.connect(sys.argv[1])
opts = json.loads(con.execute("select options from runs").fetchone()[0])
assert opts["columns"]["sha256"] == sys.argv[2], opts
assert opts["decimal_comma"] is True, opts
EOF
"$TG" trace verify "$W/a.db" > /dev/null || die "audit store does not verify"
"$TG" audit --no-progress --no-store "$F/orders.xlsx" > "$W/audit_x.out" 2>&1
grep -q "5 records" "$W/audit_x.out" || die "audit of the .xlsx: $(head -20 "$W/audit_x.out")"

# A rewritten input (UTF-16, tab-delimited) killed after its first commit and resumed: the offsets where it goes on
# are in the rewritten text; the store must equal an uninterrupted run's.
"$TG" audit --no-progress --db "$W/ref.db" "$F/orders_unicode.txt" > /dev/null 2>&1
"$TG" trace export "$W/ref.db" > "$W/ref.jsonl"
( "$TG" audit --no-progress --db "$W/crash.db" --commit-rows 2 --crash-after-commits 1 "$F/orders_unicode.txt" ) > /dev/null 2>&1
"$TG" audit --no-progress --db "$W/crash.db" --resume "$F/orders_unicode.txt" > "$W/resume.out" 2>&1
"$TG" trace verify "$W/crash.db" > /dev/null || die "resumed UTF-16 audit: store does not verify"
"$TG" trace export "$W/crash.db" | cmp -s - "$W/ref.jsonl" || die "resumed UTF-16 audit differs from an uninterrupted run: $(cat "$W/resume.out")"

# A quote opened by mistake that a later bad quote "closes" (lines 2-4 joined would split, badly): as with commas,
# the first line alone is rejected and every row after it is read (found by a new user: G2 had no answer).
printf 'type;id;date;chip;destination;end_user_hq;quantity;unit_price_usd\nshipment;"B3;2025-09-01;H20;CN;CN;10;12000.00\nshipment;G2;2025-09-01;H20;CN;CN;10;12000.00\nshipment;B4;2025-09-01;"H20"x;CN;CN;10;12000.00\nshipment;G5;2025-09-01;H20;CN;CN;10;12000.00\n' > "$W/stray_quote.csv"
"$TG" check --json "$W/stray_quote.csv" > "$W/stray_quote.json" 2>/dev/null
python3 - "$W/stray_quote.json" <<'EOF2' || die "a stray quote in a semicolon file cost the rows after it: $(cat "$W/stray_quote.json")"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
assert [(d.get("id"), d.get("verdict"), d.get("error", {}).get("line")) for d in got] == \
    [(None, None, 2), ("G2", "LICENSE_REQUIRED", None), (None, None, 4), ("G5", "LICENSE_REQUIRED", None)], got
EOF2

# Rows a rewriting reader rejects (a bad quote, too few cells) in a semicolon file: the store keeps each row as read
# (never the line that carried the error inside the process, which held a token drawn per process), so two audits of
# the same file store the same rejects and the same chain head.
{ cat "$F/orders_semicolon.csv"; printf 'S-9;2025-09-15;H20;"x"y;;;;;CN;Lab;CN;CN;1;1,00;US\r\nS-10;2025-09-15;H20\r\n'; } > "$W/bad_semicolon.csv"
for n in 1 2; do
  "$TG" audit --no-progress --decimal-comma --db "$W/bad$n.db" "$W/bad_semicolon.csv" > "$W/bad$n.out" 2>&1
done
grep -q "5 records\|7 records" "$W/bad1.out" || die "audit of the semicolon file with bad rows: $(head -5 "$W/bad1.out")"
python3 - "$W/bad1.db" "$W/bad2.db" <<'EOF2' || die "rejected rows of a rewritten input: not the rows as read, or not the same in two runs"
import sqlite3, sys
got = []
for db in sys.argv[1:]:
    c = sqlite3.connect(db)
    rows = c.execute("SELECT line, raw, hex(sha256) FROM rejects ORDER BY seq").fetchall()
    head = c.execute("SELECT hex(head) FROM runs").fetchall()
    got.append((rows, head))
rows, head = got[0]
raws = [r[1] for r in rows]
assert raws == ['S-9;2025-09-15;H20;"x"y;;;;;CN;Lab;CN;CN;1;1,00;US', 'S-10;2025-09-15;H20'], raws
assert got[0] == got[1], "two runs differ"
EOF2
"$TG" trace verify "$W/bad1.db" > /dev/null || die "the store with rewritten rejects does not verify"

[ $fail = 0 ] && echo "cli_imports: all passed"
exit $fail
