#!/usr/bin/env bash
# tollgate tests — crash safety of `tollgate audit`, for real: a run is killed with SIGKILL at several points
# (inside a transaction, right after a commit, before the first commit, and by an outside `kill -9` at moments
# chosen by the clock), then the store must verify, a plain re-run must refuse to start over, and `--resume` must
# finish it so that the store holds every record exactly once: byte for byte the store of an uninterrupted run.
# Also: the same audit again adds nothing, and one worker or two give the same store.
# Usage: cli_audit_crash.sh TOLLGATE SOURCE_DIR WORKDIR
source "$(dirname "$0")/lib.sh" "$@"

"$TG" generate --rows 40000 --seed 11 --bad-share 0.01 -o log.csv || { echo "FAIL: generate"; exit 1; }
"$TG" audit log.csv --db ref.db --no-progress > ref.txt
ref_rc=$?
[ "$ref_rc" -eq 2 ] || [ "$ref_rc" -eq 3 ] || [ "$ref_rc" -eq 4 ] || die "reference audit exited $ref_rc"
"$TG" trace export ref.db > ref.jsonl || die "export of the reference"
rows=$(($(wc -l < log.csv) - 1))
[ "$(wc -l < ref.jsonl)" -eq "$rows" ] || die "reference store holds $(wc -l < ref.jsonl) records for $rows rows"
# The store holds exactly what `check --json` prints for the same log, record for record, byte for byte
# (decisions put back together from their stored parts, reasons from the audit's cache, rejects as errors).
"$TG" check --json log.csv | cmp -s - ref.jsonl || die "the stored decisions differ from check --json"
ref_head=$("$TG" trace verify ref.db | sed -n 's/^chain head //p')
[ -n "$ref_head" ] || die "reference store does not verify"

# The same audit again: reported, nothing added.
"$TG" audit log.csv --db ref.db --no-progress > again.txt
[ $? -eq "$ref_rc" ] || die "re-run exit code differs"
grep -q "already audited" again.txt || die "re-run did not say the audit was already in the store"
"$TG" trace export ref.db | cmp -s - ref.jsonl || die "re-run changed the store"

# One worker gives the same store as two.
"$TG" audit log.csv --db one.db --jobs 1 --no-progress > /dev/null
"$TG" trace export one.db | cmp -s - ref.jsonl || die "--jobs 1 store differs from --jobs 2"
[ "$("$TG" trace verify one.db | sed -n 's/^chain head //p')" = "$ref_head" ] || die "--jobs 1 chain head differs"

# After a crash: verifies; a plain re-run refuses; --resume finishes; the result is the reference store.
check_recovery() {
  local name=$1 db=$2 expect_refusal=$3
  local out before=$fail
  out=$("$TG" trace verify "$db" 2>&1) || die "$name: store does not verify after the kill: $out"
  if [ "$expect_refusal" = yes ]; then
    out=$("$TG" audit log.csv --db "$db" --no-progress 2>&1)
    [ $? -eq 2 ] || die "$name: a plain re-run of an interrupted audit did not refuse"
    echo "$out" | grep -q -- "--resume" || die "$name: the refusal does not mention --resume: $out"
  fi
  "$TG" audit log.csv --db "$db" --resume --no-progress > "$name.resume.txt" 2>&1
  local rc=$?
  [ "$rc" -eq "$ref_rc" ] || die "$name: --resume exited $rc, the reference $ref_rc"
  "$TG" trace verify "$db" > /dev/null || die "$name: store does not verify after --resume"
  "$TG" trace export "$db" | cmp -s - ref.jsonl || die "$name: the resumed store differs from an uninterrupted run"
  [ "$("$TG" trace verify "$db" | sed -n 's/^chain head //p')" = "$ref_head" ] || die "$name: chain head differs"
  [ "$fail" -eq "$before" ] && echo "ok: $name"
}

# Deterministic kill points (the process raises SIGKILL itself).
for point in "1 mid" "1 after" "3 mid" "5 after"; do
  set -- $point
  db="crash-$1-$2.db"
  extra=()
  [ "$2" = mid ] && extra=(--crash-mid-commit)
  "$TG" audit log.csv --db "$db" --no-progress --commit-rows 5000 --crash-after-commits "$1" "${extra[@]}" \
    > /dev/null 2>&1
  rc=$?
  [ "$rc" -eq 137 ] || die "crash point $point: expected death by SIGKILL (137), got $rc"
  check_recovery "kill at commit $1 ($2)" "$db" yes
done

# Outside kills at moments chosen by the clock (wherever the run happens to be), twice in a row on one store.
db=clock.db
for delay in 0.15 0.4; do
  "$TG" audit log.csv --db "$db" --resume --no-progress --commit-rows 1000 > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  [ ! -e "$db" ] || "$TG" trace verify "$db" > /dev/null 2>&1 || die "clock kill after ${delay}s: store does not verify"
done
check_recovery "kill -9 by the clock" "$db" no

# Two inputs (CSV then JSONL): a kill in the second file, and one right at the boundary between them.
"$TG" generate --rows 6000 --seed 12 --format jsonl -o log2.jsonl || die "generate jsonl"
"$TG" audit log.csv log2.jsonl --db ref2.db --no-progress > /dev/null 2>&1
"$TG" trace export ref2.db > ref2.jsonl
[ "$(wc -l < ref2.jsonl)" -eq $((rows + $(wc -l < log2.jsonl))) ] || die "two inputs: records lost or duplicated"
for n in 3 9; do
  "$TG" audit log.csv log2.jsonl --db two-$n.db --no-progress --commit-rows 5000 --crash-after-commits $n \
    > /dev/null 2>&1
  "$TG" trace verify two-$n.db > /dev/null || die "two inputs, kill at commit $n: store does not verify"
  "$TG" audit log.csv log2.jsonl --db two-$n.db --resume --no-progress > /dev/null 2>&1
  "$TG" trace export two-$n.db | cmp -s - ref2.jsonl || die "two inputs, kill at commit $n: resumed store differs"
  echo "ok: two inputs, kill at commit $n"
done

[ "$fail" -eq 0 ] && echo "audit crash tests: all passed"
exit "$fail"
