#!/usr/bin/env bash
# tollgate tests — fail closed on the input side, as a user meets it (issue 13, items 3, 4, 5, 8, 12): every
# example of the issue, with the right answer. Usage: cli_failclosed.sh TOLLGATE SOURCE_DIR WORKDIR
source "$(dirname "$0")/lib.sh" "$@"
no_raw_bytes() {  # the terminal output holds no NUL, no control byte other than newline, no invalid UTF-8
  if ! python3 -c 'import sys
d = open("out.txt","rb").read() + open("err.txt","rb").read()
d.decode("utf-8")
sys.exit(any(b < 32 and b != 10 for b in d))'; then die "$1: raw bytes on the terminal"; fi
}
H=type,id,date,chip,destination,end_user,end_user_hq,quantity,unit_price_usd

# Item 3: an inch mark costs nothing; the three H100 rows after it are judged, and every row is accounted for.
{ echo "$H"
  echo 'shipment,S-1,2025-03-01,H20,DE,Example 19" Rack GmbH,DE,2,12000.00'
  echo 'shipment,S-2,2025-03-01,H100 SXM5 80GB,CN,Acme,CN,1,30000.00'
  echo 'shipment,S-3,2025-03-01,H100 SXM5 80GB,RU,Acme,RU,1,30000.00'
  echo 'shipment,S-4,2025-03-01,H100 SXM5 80GB,IR,Acme,IR,1,30000.00'
  echo 'shipment,S-5,2025-03-01,H20,DE,"unclosed,DE,2,12000.00'
  echo 'shipment,S-6,2025-03-01,H100 SXM5 80GB,CN,Acme,CN,1,30000.00'; } > rack.csv
run check rack.csv
[ "$rc" -eq 4 ] || [ "$rc" -eq 2 ] || die "rack.csv: exit 2 (a bad row) or 4 expected, got $rc"
echo "$out" | grep -q '^6 rows read: 5 judged, 1 rejected$' || die "rack.csv: summary must account for 6 rows: $out"
for id in S-2 S-3 S-4 S-6; do
  echo "$out" | grep -A4 "^$id " | grep -q 'verdict *\(LICENSE_REQUIRED\|PROHIBITED\)' || die "rack.csv: $id not judged as needing a licence"
done
echo "$out" | grep -q '^line 6 (S-5): error\[tollgate.input.csv\]: bad CSV row: an unclosed quote' || die "rack.csv: S-5 not rejected alone: $out"
run audit rack.csv --no-store --no-progress
echo "$out" | grep -q "6" || die "audit rack.csv: no count"
[ "$rc" -ne 0 ] || die "audit rack.csv: exit 0"

# Item 4: a record nested 100,000 deep is one rejected row; the next record is judged.
python3 -c '
d = "{\"type\":\"shipment\",\"id\":\"DEEP\",\"chip\":" + "[" * 100000 + "]" * 100000 + "}"
print(d)
print("{\"type\":\"shipment\",\"id\":\"OK\",\"date\":\"2025-03-01\",\"chip\":\"H20\",\"destination\":\"DE\",\"end_user_hq\":\"DE\",\"quantity\":1,\"unit_price_usd\":\"1.00\"}")' > deep.jsonl
run check deep.jsonl
expect_rc 2 "deep.jsonl"
echo "$out" | grep -q 'nested more than 16 levels' || die "deep.jsonl: no nesting error: ${out:0:300}"
echo "$out" | grep -q '^2 rows read: 1 judged, 1 rejected$' || die "deep.jsonl: summary: $out"
run audit deep.jsonl --db deep.db --no-progress
[ "$rc" -eq 2 ] || die "audit deep.jsonl: exit 2 expected, got $rc: $err"
run trace verify deep.db
expect_rc 0 "trace verify deep.db"
# The rules parser: bytes above 127 outside strings and comments, and a prefix operator 100,000 deep.
printf 'ruleset t "T" {\n  status enacted\n}\nrule r\xc3\xa9 as "x" on shipment\n  when destination == CN\n  then NOTIFY\n' > high.tg
run lint high.tg
expect_rc 2 "lint high.tg"
python3 -c 'print("ruleset t \"T\" {\n  status enacted\n}\ncondition c = " + "not " * 100000 + "true")' > unary.tg
run lint unary.tg
expect_rc 2 "lint unary.tg"
echo "$err$out" | grep -q 'tollgate.parse.too-deep' || die "unary.tg: no too-deep diagnostic"

# Item 5: files with no records are file-level errors (exit 2), never "0 records"; never raw bytes on the terminal.
: > empty.csv
printf '%s\n' "$H" > header.csv
python3 -c 'import os; open("random.bin","wb").write(os.urandom(8192))'
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("orders.xlsx", "w") as z:  # the parts of a real workbook
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    z.writestr("xl/workbook.xml", '<workbook/>')
    z.writestr("xl/worksheets/sheet1.xml", '<worksheet><sheetData/></worksheet>')
# (UTF-16 with a byte order mark is read since issue 15; without one it cannot be told from binary reliably)
open("utf16.csv", "wb").write(open("rack.csv", encoding="utf-8").read().encode("utf-16-le"))
PY
for f in empty.csv header.csv random.bin orders.xlsx utf16.csv; do
  run check "$f"
  expect_rc 2 "check $f"
  echo "$out" | grep -q 'records' && die "check $f: says N records: $out"
  echo "$out" | grep -q '^0 rows read: 0 judged, 0 rejected; 1 file not read' || die "check $f: summary: $out"
  no_raw_bytes "check $f"
  run audit "$f" --db "$f.db" --no-progress
  expect_rc 2 "audit $f"
  [ -e "$f.db" ] && die "audit $f: a store was created for a file that holds no records"
  no_raw_bytes "audit $f"
done
# (.xlsx is read since issue 15: a workbook with no sheet relationships is not one)
run check orders.xlsx; echo "$err" | grep -q 'is not an Excel workbook' || die "xlsx: no 'is not an Excel workbook': $err"
run check utf16.csv; echo "$err" | grep -q 'is UTF-16' || die "utf16: no 'is UTF-16': $err"
run check header.csv; echo "$err" | grep -q 'header but no rows' || die "header.csv: $err"
run check empty.csv; echo "$err" | grep -q 'is empty' || die "empty.csv: $err"
: | "$TG" check - > out.txt 2> err.txt; rc=$?; expect_rc 2 "check of empty standard input"
# One unreadable file among good ones: the good one is still judged.
run check empty.csv rack.csv
expect_rc 2 "check empty.csv rack.csv"
echo "$out" | grep -q '1 file not read' || die "two files: the unread one is not counted: $out"

# Item 8: hints list the plausible chips with their classes, never the one wrong chip.
for chip in H100 H200 H800 A800; do
  printf '%s\nshipment,U-1,2025-06-01,%s,CN,Acme,CN,1,1.00\n' "$H" "$chip" > "u_$chip.csv"
  run check "u_$chip.csv"
  expect_rc 2 "unknown chip $chip"
  echo "$out" | grep -q "'$chip[^']*' (3A090.a)" || die "unknown chip $chip: no candidate with its class: $out"
  echo "$out" | grep -q "'H20'\|'A30'" && die "unknown chip $chip: the wrong lone chip is offered: $out"
done
run classify H100 --as-of 2025-06-01
expect_rc 2 "classify H100"
echo "$err" | grep -q "'H100 PCIe 80GB' (3A090.a)" || die "classify H100: $err"

# Item 12: fmt and lint give diagnostics, never "internal error", on user input.
printf 'ruleset t "T" {\n  status enacted\n}\n# a comment with a lone CR\r inside\ncondition c = true\n' > cr.tg
run fmt --write cr.tg
expect_rc 0 "fmt cr.tg (a lone CR in a comment)"
run fmt --check cr.tg
expect_rc 0 "fmt --check cr.tg after formatting"
grep -q "$(printf 'lone CR\r inside')" cr.tg || die "fmt cr.tg changed the comment"
printf 'ruleset t "T" {\n  status enacted\n}\ncondition c = true\n  # one\n  # two\n  and false\n' > comments.tg
run fmt --write comments.tg
expect_rc 0 "fmt comments.tg"
run fmt --check comments.tg
expect_rc 0 "fmt --check comments.tg after formatting"
grep -q '# one' comments.tg && grep -q '# two' comments.tg || die "fmt comments.tg lost a comment"
python3 -c 'print("include \"" + "a" * 300 + ".tg\"\nruleset t \"T\" {\n  status enacted\n}")' > longinc.tg
run lint longinc.tg
expect_rc 2 "lint longinc.tg"
echo "$err$out" | grep -q 'internal error' && die "lint longinc.tg: internal error"
echo "$err$out" | grep -q 'tollgate.load.include' || die "lint longinc.tg: no include diagnostic"
python3 -c '
import sys
body = open(sys.argv[1]).read()
with open("big.tg", "w") as f:
    while f.tell() < 55 * 2**20: f.write(body)' "$SRC/rules/us_2023_ac.tg"
/usr/bin/time -f '%M' -o mem.txt "$TG" lint big.tg > out.txt 2> err.txt; rc=$?
expect_rc 2 "lint big.tg (55 MB)"
grep -q 'tollgate.parse.too-large' out.txt err.txt || die "lint big.tg: no too-large diagnostic"
[ "$(tail -1 mem.txt)" -lt 400000 ] || die "lint of a 55 MB file took $(tail -1 mem.txt) kB"
mkdir -p emptydir
run fmt --check emptydir
expect_rc 2 "fmt --check on an empty folder"

# A date outside the years tollgate reads is refused with its range, not as "not a date" (found by a new user).
run check --as-of 3000-01-01 "$SRC/fixtures/orders/sample_orders.jsonl"
expect_rc 2 "check --as-of 3000-01-01"
[[ "$err" == *"years 1900-2999"* ]] || die "the as-of message names the years read: $err"
printf '{"type":"shipment","id":"S","date":"3000-01-01","chip":"H20","destination":"CN","end_user_hq":"CN","end_user_parent_hq":"CN","quantity":1,"unit_price_usd":"1.00"}\n' > far.jsonl
run check --json far.jsonl
[[ "$out" == *"years 1900-2999"* ]] || die "a record's date outside the years read says so: $out"

[ "$fail" -eq 0 ] && echo "cli_failclosed: ok"
exit $fail
