#!/usr/bin/env bash
# tollgate tests — a new user's review of the command line: each item found, as the user met it, with the answer a
# compliance tool owes (fail closed, a bad row costs only itself, no crash, clear exit codes).
# Usage: cli_review.sh TOLLGATE SOURCE_DIR WORKDIR
source "$(dirname "$0")/lib.sh" "$@"
no_raw_bytes() {  # the terminal output holds no control byte other than newline, no invalid UTF-8, no bidi control
  if ! python3 -c 'import sys
d = open("out.txt","rb").read() + open("err.txt","rb").read()
t = d.decode("utf-8")
sys.exit(any(b < 32 and b != 10 for b in d) or any(0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069 for c in t))'
  then die "$1: raw control bytes on the terminal"; fi
}
H=type,id,date,chip,destination,end_user,end_user_hq,quantity,unit_price_usd
OK_ROW='shipment,S-OK,2025-03-01,H20,DE,Acme GmbH,DE,2,12000.00'

# Item 7: bidirectional controls (U+202A-U+202E, U+2066-U+2069) in a text field reject the field ("Trojan Source"):
# an id or end user that displays other than it reads is never judged, and is never echoed raw.
{ echo "$H"
  printf 'shipment,S-1\xe2\x80\xae,2025-03-01,H20,DE,Acme GmbH,DE,2,12000.00\n'
  printf 'shipment,S-2,2025-03-01,H20,DE,Acme\xe2\x81\xa6 GmbH,DE,2,12000.00\n'
  echo "$OK_ROW"; } > bidi.csv
run check bidi.csv
expect_rc 2 "bidi.csv"
no_raw_bytes "bidi.csv"
echo "$out" | grep -q '^line 2 (S-1\\u202E): error\[tollgate.input.value\] in id: id is not printable UTF-8 text (byte 4 starts U+202E, a bidirectional control' \
  || die "bidi.csv: S-1's id not rejected for U+202E: $out"
echo "$out" | grep -q '^line 3 (S-2): error\[tollgate.input.value\] in end_user: .*U+2066, a bidirectional control' \
  || die "bidi.csv: S-2's end user not rejected for U+2066: $out"
echo "$out" | grep -q '^3 rows read: 1 judged, 2 rejected$' || die "bidi.csv: the good row not judged alone: $out"
printf '{"type":"shipment","id":"J-1","date":"2025-03-01","chip":"H20","destination":"DE","end_user":"Acme \\u202d GmbH","end_user_hq":"DE","quantity":1,"unit_price_usd":"1.00"}\n' > bidi.jsonl
run check bidi.jsonl --format json
expect_rc 2 "bidi.jsonl"
echo "$out" | grep -q '"id":"J-1","error":{"code":"tollgate.input.value","line":1,"field":"end_user","message":"end_user is not printable UTF-8 text (byte 6 starts U+202D' \
  || die "bidi.jsonl: the escaped U+202D not rejected: $out"
run audit bidi.csv --no-store --no-progress
expect_rc 2 "audit bidi.csv"
no_raw_bytes "audit bidi.csv"

# Item 9: the same log twice (by the same path, or another path to it) is an error naming it, not counted twice.
{ echo "$H"; echo "$OK_ROW"; } > one.csv
ln -s one.csv link.csv
run audit one.csv one.csv --no-store --no-progress
expect_rc 2 "audit one.csv one.csv"
echo "$err" | grep -q "tollgate: error: 'one.csv' is given twice" || die "audit x x: no error naming it: $err"
run audit one.csv link.csv --db dup.db --no-progress
expect_rc 2 "audit one.csv link.csv"
echo "$err" | grep -q "'link.csv' is the same file as 'one.csv'" || die "audit x link-to-x: no error: $err"
[ ! -e dup.db ] || die "audit x link-to-x: a store was created before the error"
run check one.csv ./one.csv
expect_rc 2 "check one.csv ./one.csv"
echo "$err" | grep -q "'./one.csv' is the same file as 'one.csv'" || die "check x ./x: no error: $err"

# Item 10: audit cannot read standard input or a pipe (it measures, hashes and resumes its logs): a clear error,
# exit 2, pointing to check for a stream.
run audit - --no-store < one.csv
expect_rc 2 "audit -"
echo "$err" | grep -q "audit reads log files, not standard input ('-').*tollgate check -" || die "audit -: unclear: $err"
cat one.csv | "$TG" audit /dev/stdin --no-store --no-progress > out.txt 2> err.txt; rc=$?; err=$(cat err.txt)
expect_rc 2 "audit /dev/stdin (a pipe)"
echo "$err" | grep -q "'/dev/stdin' is not a regular file (a pipe, socket or device)" || die "audit pipe: unclear: $err"
"$TG" audit /dev/stdin --no-store --no-progress < one.csv > out.txt 2> err.txt; rc=$?
expect_rc 0 "audit /dev/stdin redirected from a file"

# Item 14: trace on what is not a store, or a store SQLite cannot read: exit 2 with the reason, never a crash or
# "internal error"; trace verify on a damaged store: TAMPERED (5), it cannot be verified.
head -c 20000 /dev/urandom > random.db
for sub in verify runs export; do
  run trace $sub random.db
  expect_rc 2 "trace $sub random.db"
  echo "$err" | grep -q "trace store 'random.db': file is not a database" || die "trace $sub random.db: $err"
done
python3 -c "
import json
for i in range(3000):
    print(json.dumps({'type':'shipment','id':'S-%d'%i,'date':'2025-03-01','chip':'H20','destination':'DE','end_user':'Acme %d'%i,'end_user_hq':'DE','quantity':1,'unit_price_usd':'1.00'}))" > log.jsonl
run audit log.jsonl --db good.db --no-progress
expect_rc 0 "audit log.jsonl"
python3 - <<'PY'
import random
random.seed(7)
d = bytearray(open('good.db', 'rb').read())
for k in range(20):  # the schema (the first pages) intact: the store opens; rows further in are garbage
    i = random.randrange(len(d) // 3, len(d) - 300)
    d[i:i + 100] = bytes(random.randrange(256) for _ in range(100))
open('damaged.db', 'wb').write(d)
PY
for sub in "export damaged.db" "export damaged.db --format csv"; do
  run trace $sub
  expect_rc 2 "trace $sub"
  echo "$err" | grep -q "^tollgate: error: trace store 'damaged.db' cannot be read: .*damaged or is not a tollgate trace store" \
    || die "trace $sub: $err"
done
run trace verify damaged.db
[ "$rc" -eq 5 ] || [ "$rc" -eq 2 ] || die "trace verify damaged.db: exit 5 or 2 expected, got $rc ($out $err)"
echo "$out$err" | grep -q "internal error" && die "trace verify damaged.db: an internal error: $out $err"

# Item 4: a rejected record keeps its id wherever it can be read: a CSV row that does not split (an unclosed quote,
# text after a closing quote, a cell too many or too few) when the id column comes first or after `type`; a JSON
# record rejected for its type. Never an id from a row whose cells before it could have moved.
{ echo "$H"
  echo 'shipment,S-3,2025-03-01,H20,DE,Acme,DE,2,12000.00,extra'
  echo 'shipment,S-4,2025-03-01,H20,DE,"Acme,DE,2,12000.00'
  echo 'shipment,S-5,2025-03-01,H20,DE,Acme,DE,2'
  echo 'shipment,S-6,2025-03-01,H20,DE,"Ac"me,DE,2,12000.00'
  echo 'S-7,2025-03-01,H20,DE,Acme,DE,2,12000.00'
  echo '"shipment",S-8,2025-03-01,H20,DE,"Ac"me,DE,2,12000.00'
  echo 'shipment,S-9,2025-03-01,H20,DE,Acme,DE,2,12000.00'; } > ids.csv
run check ids.csv --format json
expect_rc 2 "ids.csv"
for want in '"id":"S-3","error":{"code":"tollgate.input.csv","line":2' '"id":"S-4","error":{"code":"tollgate.input.csv","line":3' \
            '"id":"S-5","error":{"code":"tollgate.input.csv","line":4' '"id":"S-6","error":{"code":"tollgate.input.csv","line":5' \
            '"id":null,"error":{"code":"tollgate.input.csv","line":6' '"id":null,"error":{"code":"tollgate.input.csv","line":7'; do
  echo "$out" | grep -qF "$want" || die "ids.csv: expected $want in: $out"
done
run check ids.csv
echo "$out" | grep -q '^line 3 (S-4): error\[tollgate.input.csv\]: bad CSV row: an unclosed quote' || die "ids.csv text: no id: $out"
run audit ids.csv --db ids.db --no-progress
expect_rc 2 "audit ids.csv"
run trace export ids.db --rejects-only --format csv
echo "$out" | grep -q '^[0-9]*,1,3,S-4,' || die "trace export: the reject of line 3 lost its id: $out"
{ echo '{"type":5,"id":"J-5"}'; echo '{"type":"shipmnt","id":"J-6"}'; } > ids.jsonl
run check ids.jsonl --format json
echo "$out" | grep -qF '{"id":"J-5","error":{"code":"tollgate.input.type"' || die "ids.jsonl: J-5 lost its id: $out"

# Item 5: CR-only line endings (classic Mac OS): a file-level error naming them, never one giant row.
printf '%s\r%s\r%s\r' "$H" "$OK_ROW" 'shipment,S-2,2025-03-01,H20,DE,Acme,DE,1,1.00' > cr.csv
run check cr.csv
expect_rc 2 "cr.csv"
echo "$err" | grep -q "'cr.csv' ends its lines with CR alone (classic Mac OS line endings)" || die "cr.csv: no CR-only error: $err"
run audit cr.csv --no-store --no-progress
expect_rc 2 "audit cr.csv"
echo "$err" | grep -q "ends its lines with CR alone" || die "audit cr.csv: no CR-only error: $err"
printf '%s\r\n%s\r\n' "$H" "$OK_ROW" > crlf.csv
run check crlf.csv
expect_rc 0 "crlf.csv (CRLF is read)"

# Item 6: a doubled UTF-8 byte order mark: one clear file-level error, not an unknown column "\uFEFFtype".
printf '\xef\xbb\xbf\xef\xbb\xbf%s\n%s\n' "$H" "$OK_ROW" > bom2.csv
run check bom2.csv
expect_rc 2 "bom2.csv"
echo "$err" | grep -q "'bom2.csv' starts with the UTF-8 byte order mark twice" || die "bom2.csv: no doubled-BOM error: $err / $out"
no_raw_bytes "bom2.csv"
printf '\xef\xbb\xbf%s\n%s\n' "$H" "$OK_ROW" > bom1.csv
run check bom1.csv
expect_rc 0 "bom1.csv (one byte order mark is read)"

# Item 1: classify given the chip two ways (a catalog name and spec flags, or --json-input and flags): exit 2.
run classify "H100 SXM5 80GB" --tpp 100 --as-of 2024-01-01
expect_rc 2 "classify NAME --tpp"
echo "$err" | grep -q "the chip is given twice, by the catalog name 'H100 SXM5 80GB' and the spec flags (--tpp)" || die "classify NAME --tpp: $err"
echo '{"tpp": 5000}' > chip.json
run classify --json-input chip.json --no-datacenter --as-of 2024-01-01
expect_rc 2 "classify --json-input --no-datacenter"
# Item 2: without --as-of, the date used is stated, marked as today.
run classify H20
expect_rc 0 "classify H20"
echo "$out" | head -1 | grep -q "^H20  (chip, as of [0-9-]* (today))$" || die "classify without --as-of: no (today): $out"
run classify H20 --as-of 2025-01-01
echo "$out" | head -1 | grep -q "^H20  (chip, as of 2025-01-01)$" || die "classify --as-of: $out"

# Item 11: an inline chip named by a catalog chip's alias is an error naming chip.name, as its exact catalog name is;
# the same for classify's JSON chip.
for n in "H100 SXM5 80GB" "NVIDIA H100 80GB HBM3 SXM5" "nvidia h100 sxm5 80gb"; do
  echo "{\"type\":\"shipment\",\"id\":\"S-1\",\"date\":\"2025-09-01\",\"chip\":{\"name\":\"$n\",\"tpp\":100,\"datacenter\":true},\"destination\":\"CN\",\"end_user_hq\":\"CN\",\"quantity\":10,\"unit_price_usd\":\"12000.00\"}" > alias.jsonl
  run check alias.jsonl
  expect_rc 2 "inline chip named '$n'"
  echo "$out" | grep -q "^line 1 (S-1): error\[tollgate.input.chip\] in chip.name: chip.name '$n' " || die "inline chip '$n': $out"
done
printf 'type,id,date,chip_name,chip_tpp,chip_datacenter,destination,end_user_hq,quantity,unit_price_usd\nshipment,S-2,2025-09-01,NVIDIA H100 80GB HBM3 SXM5,100,true,CN,CN,1,1.00\n' > alias.csv
run check alias.csv
echo "$out" | grep -q "^line 2 (S-2): error\[tollgate.input.chip\] in chip.name: chip.name 'NVIDIA H100 80GB HBM3 SXM5' is catalog chip 'H100 SXM5 80GB'" || die "alias.csv: $out"
echo '{"name":"NVIDIA H100 80GB HBM3 SXM5","tpp":100,"datacenter":true}' > alias_chip.json
run classify --json-input alias_chip.json --as-of 2025-01-01
expect_rc 2 "classify --json-input with an alias name"

# Item 8: more than six decimal places is an error, never rounded; trailing zeros are exact and accepted.
run classify --tpp 4799.9999999 --die-area 600 --no-datacenter --as-of 2024-06-01
expect_rc 2 "classify --tpp with 7 decimals"
echo "$err" | grep -q "has more than 6 decimal places" || die "7 decimals: $err"
run classify --tpp 4800.0000000 --die-area 600 --no-datacenter --as-of 2024-06-01
expect_rc 0 "classify --tpp 4800.0000000"

# Item 13: a rules file with control bytes or bytes that are not UTF-8: the error shows them escaped.
printf 'ruleset x\x07y \xff\xfe bad\n' > ctl.tg
run lint ctl.tg
expect_rc 2 "lint ctl.tg"
no_raw_bytes "lint ctl.tg"
echo "$err" | grep -qF ' 1 | ruleset x\x07y \xFF\xFE bad' || die "lint ctl.tg: bytes not escaped: $err"
printf 'ruleset x {\n  rule \x1b[31m r {\n' > esc.tg
run lint esc.tg
no_raw_bytes "lint esc.tg"

exit $fail
