#!/usr/bin/env bash
# bench_audit: `tollgate audit` end to end over a generated shipment log (reading, parsing, judging, rendering,
# hashing, chaining and storing), with the trace store and without, at one and at all worker threads; prints
# records/s, wall time, peak memory and the store's size, and where the CPU time went (TOLLGATE_AUDIT_STATS).
# Usage: bash bench/bench_audit.sh [ROWS] [WORKDIR]      (default 1,000,000 rows in /tmp/tollgate-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=${2:-/tmp/tollgate-bench}
tg=build/cli/tollgate
[ -x "$tg" ] || bash scripts/build.sh
mkdir -p "$work"
log="$work/log-$rows.csv"
[ -f "$log" ] || "$tg" generate --rows "$rows" --seed 1 -o "$log"
echo "log: $log ($(du -h "$log" | cut -f1), $rows rows); machine: $(nproc) cores"
run() {
  local label=$1
  shift
  rm -f "$work/bench.db" "$work/bench.db-wal" "$work/bench.db-shm"
  local t0 t1
  t0=$(date +%s.%N)
  TOLLGATE_AUDIT_STATS=1 /usr/bin/time -f "%M" -o "$work/rss" "$tg" audit "$log" --no-progress "$@" \
    > "$work/out.txt" 2> "$work/err.txt" || true
  t1=$(date +%s.%N)
  local secs rss size
  secs=$(echo "$t1 - $t0" | bc)
  rss=$(($(tail -1 "$work/rss") / 1024))
  size=$([ -f "$work/bench.db" ] && du -m "$work/bench.db" | cut -f1 || echo 0)
  printf '%-34s %8.2f s  %9.0f records/s  peak %4d MB  store %5d MB  cpu: %s\n' "$label" "$secs" \
    "$(echo "$rows / $secs" | bc -l)" "$rss" "$size" "$(grep CPU "$work/err.txt" | awk '{printf "%s %s ", $1, $2}')"
}
run "store, all cores" --db "$work/bench.db"
run "store, one worker" --db "$work/bench.db" --jobs 1
run "--no-store, all cores" --no-store
run "--no-store, one worker" --no-store --jobs 1
rm -f "$work/bench.db" "$work/bench.db-wal" "$work/bench.db-shm"
