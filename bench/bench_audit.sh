#!/usr/bin/env bash
# bench_audit: `tollgate audit` end to end over a generated shipment log (reading, parsing, judging, rendering,
# hashing, chaining and storing), with the trace store and without, at one and at all worker threads; prints
# records/s from the whole process's wall time, peak memory, the store's size, and where the CPU time went
# (TOLLGATE_AUDIT_STATS). Each configuration runs REPEAT times (default 5): the median and the best are shown, since
# a shared 2-core machine varies by several per cent from one minute to the next.
# Usage: bash bench/bench_audit.sh [ROWS] [WORKDIR] [REPEAT]   (default 1,000,000 rows in /tmp/tollgate-bench, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=${2:-/tmp/tollgate-bench}
repeat=${3:-5}
tg=build/cli/tollgate
[ -x "$tg" ] || bash scripts/build.sh
mkdir -p "$work"
log="$work/log-$rows.csv"
[ -f "$log" ] || "$tg" generate --rows "$rows" --seed 1 -o "$log"
echo "log: $log ($(du -h "$log" | cut -f1), $rows rows); machine: $(nproc) cores; $repeat runs each"
run() {
  local label=$1
  shift
  local times=() rss=0 size=0 cpu=""
  for _ in $(seq "$repeat"); do
    rm -f "$work/bench.db" "$work/bench.db-journal" "$work/bench.db-wal" "$work/bench.db-shm"
    local t0 t1
    t0=$(date +%s.%N)
    TOLLGATE_AUDIT_STATS=1 /usr/bin/time -f "%M" -o "$work/rss" "$tg" audit "$log" --no-progress "$@" \
      > "$work/out.txt" 2> "$work/err.txt" || true
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
    local r=$(($(tail -1 "$work/rss") / 1024))
    [ "$r" -gt "$rss" ] && rss=$r
    size=$([ -f "$work/bench.db" ] && du -m "$work/bench.db" | cut -f1 || echo 0)
    cpu=$(grep " s CPU" "$work/err.txt" | awk '{printf "%s %s ", $1, $2}')
  done
  local sorted med best
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  best=$(echo "$sorted" | head -1)
  med=$(echo "$sorted" | sed -n "$(( (repeat + 1) / 2 ))p")
  printf '%-24s median %5.2f s %9.0f records/s   best %5.2f s %9.0f records/s   peak %4d MB  store %5d MB  cpu (last): %s\n' \
    "$label" "$med" "$(echo "$rows / $med" | bc -l)" "$best" "$(echo "$rows / $best" | bc -l)" "$rss" "$size" "$cpu"
}
run "store, all cores" --db "$work/bench.db"
run "store, one worker" --db "$work/bench.db" --jobs 1
run "--no-store, all cores" --no-store
run "--no-store, one worker" --no-store --jobs 1
rm -f "$work/bench.db" "$work/bench.db-journal" "$work/bench.db-wal" "$work/bench.db-shm"
