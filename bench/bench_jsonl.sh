#!/usr/bin/env bash
# bench_jsonl: `tollgate audit --no-store` of the same generated log as CSV and as JSONL (issue 15: JSONL must reach
# at least 60 % of CSV's records/s). The two are run alternately (CSV, JSONL, CSV, JSONL, ...) REPEAT times each, so
# that the load of a shared machine falls on both alike; records/s is from the whole process's wall time, and the
# medians are compared. Prints each run, the medians and the ratio; exits 1 if the ratio is under 0.60.
# Usage: bash bench/bench_jsonl.sh [ROWS] [WORKDIR] [REPEAT] [TOLLGATE]
#        (default 1,000,000 rows in /tmp/tollgate-bench, 5 runs each, build/cli/tollgate)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=${2:-/tmp/tollgate-bench}
repeat=${3:-5}
tg=${4:-build/cli/tollgate}
mkdir -p "$work"
csv="$work/log-$rows.csv"
jsonl="$work/log-$rows.jsonl"
[ -f "$csv" ] || "$tg" generate --rows "$rows" --seed 1 -o "$csv"
[ -f "$jsonl" ] || "$tg" generate --rows "$rows" --seed 1 --format jsonl -o "$jsonl"
echo "logs: $csv ($(du -h "$csv" | cut -f1)), $jsonl ($(du -h "$jsonl" | cut -f1)); $rows rows; $(nproc) cores;" \
     "load $(cut -d' ' -f1-3 /proc/loadavg); $repeat runs each, alternating"
once() {
  local t0 t1
  t0=$(date +%s.%N)
  "$tg" audit "$1" --no-store --no-progress > /dev/null 2>&1 || true
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
csv_times=() jsonl_times=()
for i in $(seq "$repeat"); do
  c=$(once "$csv")
  j=$(once "$jsonl")
  csv_times+=("$c")
  jsonl_times+=("$j")
  printf 'run %d: CSV %6.2f s (%9.0f records/s)   JSONL %6.2f s (%9.0f records/s)\n' "$i" "$c" \
    "$(echo "$rows / $c" | bc -l)" "$j" "$(echo "$rows / $j" | bc -l)"
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
mc=$(median "${csv_times[@]}")
mj=$(median "${jsonl_times[@]}")
ratio=$(echo "$mc / $mj" | bc -l)
printf 'median: CSV %.2f s (%.0f records/s)   JSONL %.2f s (%.0f records/s)   JSONL/CSV = %.2f\n' "$mc" \
  "$(echo "$rows / $mc" | bc -l)" "$mj" "$(echo "$rows / $mj" | bc -l)" "$ratio"
[ "$(echo "$ratio >= 0.60" | bc)" -eq 1 ]
