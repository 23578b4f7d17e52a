#!/usr/bin/env bash
# tollgate tests — an audit records only what it read (docs/trace.md, "Runs, re-runs and crashes"):
#  - a log cut short, changed or grown while it is audited: the run is not recorded as complete (it is marked
#    failed, never resumed nor reported as done), the audit exits 2 saying so, and the store verifies;
#  - --resume after the log changed is refused with what changed, and the store is left as it was; a plain audit
#    of the changed log is a new run holding every row of it exactly once;
#  - every row read is accounted for: judged + rejected = rows of the log, in the summary and the store;
#  - an audit killed in its first milliseconds leaves no store, or one that verifies.
# The audit is stopped at a chosen commit (a hidden test option raises SIGSTOP) while the test changes the log.
# Usage: cli_audit_input.sh TOLLGATE SOURCE_DIR WORKDIR
source "$(dirname "$0")/lib.sh" "$@"

"$TG" generate --rows 120000 --seed 21 --bad-share 0.01 -o orig.csv > /dev/null || { echo "FAIL: generate"; exit 1; }
rows=$(($(wc -l < orig.csv) - 1))

# Waits until process $1 is stopped (state T); fails after 60 s.
wait_stopped() {
  for _ in $(seq 600); do
    case "$(ps -o stat= -p "$1" 2> /dev/null)" in T*) return 0 ;; "") return 1 ;; esac
    sleep 0.1
  done
  return 1
}

# An audit stopped after its first commit while `change` is done to the log, then let go.
audit_while() {
  local name=$1 change=$2
  cp orig.csv log.csv
  rm -f "$name.db"
  "$TG" audit log.csv --db "$name.db" --no-progress --jobs 1 --commit-rows 2048 --stop-after-commits 1 \
    > "$name.out" 2> "$name.err" &
  local pid=$!
  wait_stopped "$pid" || die "$name: the audit did not stop at its first commit"
  eval "$change"
  kill -CONT "$pid"
  wait "$pid"
  local rc=$?
  [ "$rc" -eq 2 ] || die "$name: exit $rc, expected 2 (input changed)"
  grep -q "changed while it was being audited" "$name.err" || die "$name: no clear message: $(cat "$name.err")"
  "$TG" trace verify "$name.db" > /dev/null || die "$name: the store does not verify"
  "$TG" trace runs "$name.db" | grep -q "^run 1  failed" || die "$name: the run is not marked failed"
  # The same log again, as it is now: a new run, complete, every row once.
  "$TG" audit log.csv --db "$name.db" --no-progress > "$name.again" 2>&1
  "$TG" trace runs "$name.db" | grep -q "^run 2  complete" || die "$name: auditing the log again did not make a run"
  local now held
  now=$(awk 'END { print NR - 1 }' log.csv)  # rows: lines after the header, a last one without its newline too
  held=$("$TG" trace export "$name.db" --run 2 | wc -l)
  [ "$held" -eq "$now" ] || die "$name: run 2 holds $held records for $now rows"
  [ "$fail" -eq 0 ] && echo "ok: $name"
}
audit_while truncated 'truncate -s 4000000 log.csv'
audit_while changed 'printf "X" | dd of=log.csv bs=1 seek=9000000 conv=notrunc 2> /dev/null'
audit_while grown 'tail -n 100 orig.csv >> log.csv'

# --resume after the log changed: refused, the store untouched.
cp orig.csv log.csv
"$TG" audit log.csv --db resume.db --no-progress --commit-rows 5000 --crash-after-commits 2 > /dev/null 2>&1
"$TG" trace export resume.db > before.jsonl
tail -n 10 orig.csv >> log.csv
out=$("$TG" audit log.csv --db resume.db --resume --no-progress 2>&1)
rc=$?
[ "$rc" -eq 2 ] || die "resume after a change: exit $rc, expected 2"
echo "$out" | grep -q -- "--resume: run 1 of these inputs was interrupted" || die "resume after a change: $out"
"$TG" trace export resume.db | cmp -s - before.jsonl || die "resume after a change: the store changed"
# Restored: the resume finishes the run, every row once.
cp orig.csv log.csv
"$TG" audit log.csv --db resume.db --resume --no-progress > /dev/null 2>&1
[ "$("$TG" trace export resume.db --run 1 | wc -l)" -eq "$rows" ] || die "resume after restoring: rows lost or doubled"
"$TG" trace verify resume.db > /dev/null || die "resume after restoring: the store does not verify"
[ "$fail" -eq 0 ] && echo "ok: --resume after a change"

# Every row read accounted for: the summary's and the store's judged + rejected = rows of the log.
"$TG" audit orig.csv --db count.db --no-progress > count.out 2>&1
sum=$(sed -n 's/^audit: \([0-9,]*\) records.*/\1/p' count.out | tr -d ,)
[ "$sum" = "$rows" ] || die "accounting: the summary says $sum records for $rows rows"
read -r d r < <("$TG" trace runs count.db | sed -n 's/^run 1 .*  \([0-9,]*\) decisions, \([0-9,]*\) rejects$/\1 \2/p' | tr -d ,)
[ $((d + r)) -eq "$rows" ] || die "accounting: the store holds $d + $r records for $rows rows"
[ "$fail" -eq 0 ] && echo "ok: judged + rejected = rows read"

# The audit's own "verify:" line works as printed, and in upper case; a --head that is not one is bad input (2);
# a store edited fails verification with its own exit code (5), and so does a re-run that reads the edited run.
hint=$(sed -n 's/^verify: tollgate //p' count.out)
case "$hint" in *--head\ ????????????????????????????????????????????????????????????????) ;;
  *) die "the audit's verify line has no --head: $hint" ;; esac
"$TG" $hint > /dev/null || die "the audit's own verify line fails: $hint"
seal=${hint##* }
"$TG" trace verify count.db --head "${seal^^}" > /dev/null || die "an upper-case --head is reported as tampered"
"$TG" trace verify count.db --head nothex > /dev/null 2>&1
[ $? -eq 2 ] || die "a --head that is not 64 hex digits is not bad input"
if command -v sqlite3 > /dev/null; then
  cp count.db edited.db
  sqlite3 edited.db "UPDATE run_stats SET fee_cents = 0"
  "$TG" trace verify edited.db > /dev/null
  [ $? -eq 5 ] || die "an edited store does not exit 5 from trace verify"
  "$TG" audit orig.csv --db edited.db --no-progress > /dev/null 2>&1
  [ $? -eq 5 ] || die "a re-run over an edited run does not exit 5"
else
  echo "note: no sqlite3 command: the edited-store exit codes are tested in tests/trace/store_test.cpp only"
fi
[ "$fail" -eq 0 ] && echo "ok: verify's exit codes and --head"

# The same bytes under another name, read as JSON lines instead of CSV: other records (as CSV, the first line is a
# header and the second a bad row), so a new run, never "already audited" with the first reading (found over REST:
# an upload sent again with the right ?format=).
for i in 1 2; do
  printf '{"type":"shipment","id":"J-%s","date":"2025-06-01","chip":"H20","destination":"CN","end_user_hq":"CN","quantity":1,"unit_price_usd":"12000.00"}\n' "$i"
done > same.jsonl
cp same.jsonl same.csv
rm -f formats.db
"$TG" audit same.csv --db formats.db --no-progress > as_csv.txt 2>&1
grep -q "run 1" as_csv.txt || die "the JSON lines named .csv: no run 1: $(head -3 as_csv.txt)"
"$TG" audit same.jsonl --db formats.db --no-progress > as_jsonl.txt 2>&1
grep -q "already audited" as_jsonl.txt && die "the same bytes as JSON lines taken for their CSV run: $(head -3 as_jsonl.txt)"
grep -q "2 records.*run 2\|run 2" as_jsonl.txt && grep -q "J-1" as_jsonl.txt ||
  die "the JSON lines run did not judge its records: $(head -5 as_jsonl.txt)"
"$TG" audit same.jsonl --db formats.db --no-progress 2>&1 | grep -q "already audited" ||
  die "the JSON lines run, run again, is not found"
[ "$fail" -eq 0 ] && echo "ok: the same bytes read another way are another run"

# Killed in its first milliseconds: no store, or one that verifies (never an empty or half-made file).
for delay in 0.001 0.003 0.006 0.009 0.012 0.013 0.014 0.02 0.03 0.05; do
  rm -f early.db early.db-journal
  "$TG" audit orig.csv --db early.db --no-progress > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  if [ -e early.db ]; then
    "$TG" trace verify early.db > /dev/null 2>&1 || die "killed after ${delay}s: the store left does not verify"
  fi
done
[ "$fail" -eq 0 ] && echo "ok: early kills"

[ "$fail" -eq 0 ] && echo "audit input tests: all passed"
exit "$fail"
