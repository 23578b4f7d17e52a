#!/usr/bin/env bash
# compare_binaries: does a refactoring change what tollgate outputs? Runs two tollgate binaries on the same inputs
# and compares their outputs byte for byte (standard output, standard error where it holds no timings, and the exit
# code), printing one line per comparison ("same" or "DIFFERENT") and a total. For a refactoring that must not
# change behaviour (docs/architecture.md): build the old commit in one folder and the new in another, then
#
#   bash scripts/compare_binaries.sh OLD/build/cli/tollgate NEW/build/cli/tollgate /tmp/compare
#
# What it compares (each binary reads the bundled rules and catalog it was built with):
#   1. `check --json` of every file in fixtures/orders/;
#   2. `generate` (200,000 rows, CSV) by both, then `check --json` of that log;
#   3. `audit --db` of a generated 1,000,000-row log (CSV) by each binary into its own store: the chain head the
#      audit prints, `trace verify`'s output, `trace export` as JSONL and as CSV (compared by size and SHA-256,
#      streamed: the JSONL is about 1 GB), and the rejects export;
#   4. the golden diffs of tests/cli/cli_diff.sh (Oct 2022 vs Oct 2023, the H200 opening, enacted vs the AI
#      OVERWATCH Act, the same regime on both sides) as text (and --detail text, where both binaries have it),
#      Markdown, JSON and SVG, and the JSON and text with --log over a generated 3,000-row log.
# Sizes: CHECK_ROWS (default 200000) and AUDIT_ROWS (default 1000000) in the environment. Generated logs are kept in
# WORKDIR and reused; each side's outputs are kept in WORKDIR/old and WORKDIR/new. Exit code: 0 if everything matched, 1 if anything differed, 2 on bad usage.
set -u
if [ $# -ne 3 ]; then
  echo "usage: $0 OLD_TOLLGATE NEW_TOLLGATE WORKDIR" >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
work=$3
for b in "$old" "$new"; do
  [ -x "$b" ] || { echo "compare_binaries: '$b' is not an executable" >&2; exit 2; }
done
src=$(cd "$(dirname "$0")/.." && pwd)
check_rows=${CHECK_ROWS:-200000}
audit_rows=${AUDIT_ROWS:-1000000}
mkdir -p "$work/old" "$work/new"
same=0
different=0

# compare LABEL FILE: $work/old/FILE against $work/new/FILE
compare() {
  local label=$1 f=$2
  if cmp -s "$work/old/$f" "$work/new/$f"; then
    printf 'same       %-58s %12s bytes  sha256 %.16s\n' "$label" "$(stat -c %s "$work/new/$f")" \
      "$(sha256sum < "$work/new/$f")"
    same=$((same + 1))
  else
    printf 'DIFFERENT  %-58s (%s)\n' "$label" "$(cmp "$work/old/$f" "$work/new/$f" 2>&1 | head -1)"
    diff <(head -c 200000 "$work/old/$f") <(head -c 200000 "$work/new/$f") | head -6 | sed 's/^/             /'
    different=$((different + 1))
  fi
}

# compare_rc NAME: the exit codes of a run_both.
compare_rc() {
  if cmp -s "$work/old/$1.rc" "$work/new/$1.rc"; then
    printf 'same       %s\n' "$1: exit code $(cat "$work/new/$1.rc")"
    same=$((same + 1))
  else
    printf 'DIFFERENT  %s\n' "$1: exit code $(cat "$work/old/$1.rc") -> $(cat "$work/new/$1.rc")"
    different=$((different + 1))
  fi
}

# run_both NAME ARGS...: runs each binary with ARGS in its own folder WORKDIR/SIDE (old or new; so that relative
# paths, which the outputs quote, are the same string on both sides), its stdout in SIDE/NAME.out, stderr in
# SIDE/NAME.err, exit code in SIDE/NAME.rc. Shared inputs are given as ../FILE.
run_both() {
  local name=$1
  shift
  for side in old new; do
    local tg=$old
    [ "$side" = new ] && tg=$new
    (cd "$work/$side" && "$tg" "$@" > "$name.out" 2> "$name.err"; echo $? > "$name.rc")
  done
}

# both NAME ARGS...: run_both, then compares stdout, stderr and the exit code.
both() {
  run_both "$@"
  compare "$1: stdout" "$1.out"
  compare "$1: stderr" "$1.err"
  compare_rc "$1"
}

# streamed NAME ARGS...: as both, but keeps only the size and SHA-256 of stdout (outputs too big to keep twice).
streamed() {
  local name=$1
  shift
  for side in old new; do
    local tg=$old
    [ "$side" = new ] && tg=$new
    (cd "$work/$side" && "$tg" "$@" 2> "$name.err" | python3 -c '
import hashlib, sys
h, n = hashlib.sha256(), 0
for b in iter(lambda: sys.stdin.buffer.read(1 << 20), b""):
    h.update(b)
    n += len(b)
print(n, "bytes, sha256", h.hexdigest())' > "$name.sum"; echo "${PIPESTATUS[0]}" > "$name.rc")
  done
  compare "$name: size and SHA-256 of stdout ($(cut -d' ' -f1 "$work/new/$name.sum") bytes)" "$name.sum"
  compare "$name: stderr" "$name.err"
  compare_rc "$name"
}

echo "old: $old"
echo "new: $new"
echo "work: $work ($(date -u +%FT%TZ))"

echo "== 1. check --json, fixtures/orders/*"
for f in "$src"/fixtures/orders/*; do
  both "check-$(basename "$f")" check --json "$f"
done

echo "== 2. generate $check_rows rows (CSV) and check --json of it"
both "generate-$check_rows" generate --rows "$check_rows" --format csv -o "gen-$check_rows.csv"
compare "generate-$check_rows: the log" "gen-$check_rows.csv"
cp "$work/new/gen-$check_rows.csv" "$work/log-$check_rows.csv"
both "check-log-$check_rows" check --json "../log-$check_rows.csv"

echo "== 3. audit of a generated $audit_rows-row log: chain head, trace verify, trace export"
log="log-$audit_rows.csv"
[ -f "$work/$log" ] || "$new" generate --rows "$audit_rows" --format csv -o "$work/$log"
for side in old new; do rm -f "$work/$side/audit.db" "$work/$side/audit.db-journal" "$work/$side/audit.db-wal"; done
run_both "audit-$audit_rows" audit "../$log" --db audit.db --no-progress
compare_rc "audit-$audit_rows"
# The audit's summary holds its timings; the chain head is the line compared.
for side in old new; do
  grep -i "chain head" "$work/$side/audit-$audit_rows.out" > "$work/$side/audit-head.txt"
done
compare "audit-$audit_rows: the chain head it printed" "audit-head.txt"
both "trace-verify" trace verify audit.db
streamed "trace-export-jsonl" trace export audit.db
streamed "trace-export-csv" trace export audit.db --format csv
both "trace-export-rejects" trace export audit.db --rejects-only

echo "== 4. golden diffs (tests/cli/cli_diff.sh)"
# `diff --detail` (the full text; the default became the short answer) where both binaries have it.
detail=no
"$old" diff --help 2>/dev/null | grep -q -- --detail && "$new" diff --help 2>/dev/null | grep -q -- --detail && detail=yes
diff_case() {  # NAME ARGS...
  local name=$1
  shift
  both "diff-$name-text" diff "$@" --svg "diff-$name.svg"
  compare "diff-$name: SVG" "diff-$name.svg"
  if [ "$detail" = yes ]; then both "diff-$name-detail" diff "$@" --detail; fi
  both "diff-$name-md" diff "$@" --format md
  both "diff-$name-json" diff "$@" --format json
}
diff_case 2022_vs_2023 --as-of 2023-06-01 --vs 2023-12-01
diff_case h200 --as-of 2025-12-31 --vs 2026-03-01
diff_case overwatch --as-of 2026-06-01 --new-proposed
diff_case none --as-of 2024-06-01 --vs 2024-06-02
[ -f "$work/difflog.csv" ] || "$new" generate --rows 3000 --seed 5 -o "$work/difflog.csv"
both "diff-h200-log-json" diff --as-of 2025-12-31 --vs 2026-03-01 --log ../difflog.csv --format json
both "diff-h200-log-text" diff --as-of 2025-12-31 --vs 2026-03-01 --log ../difflog.csv

echo "== $same same, $different different"
[ "$different" -eq 0 ]
