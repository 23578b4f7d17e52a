#!/usr/bin/env bash
# bench_screening: `tollgate audit` of a generated log whose records name parties (`generate --parties`: end users,
# consignees and purchasers from 3,000 made-up companies, about 2 % names on the bundled sample list; each end user with
# one HQ and, one in twenty, owners, the same on each of its rows), with screening on (--lists: the 15,000-entry synthetic list and the sample list) and off,
# with --no-store and with the store. Prints each configuration's median wall time over REPEAT runs and the ratio
# off/on (issue 16's goal: screening on runs at no less than 85 % of the speed without it).
# Usage: bash bench/bench_screening.sh [ROWS] [WORKDIR] [REPEAT]   (default 1,000,000 rows, /tmp/tollgate-bench-scr, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=${2:-/tmp/tollgate-bench-scr}
repeat=${3:-3}
tg=build/cli/tollgate
mkdir -p "$work"
log="$work/parties-$rows.csv"
[ -f "$log" ] || "$tg" generate --rows "$rows" --seed 1 --parties -o "$log"
[ -f "$work/synthetic-15000.csv" ] || "$tg" screen --generate-list 15000 > "$work/synthetic-15000.csv"
lists=(--lists "$work/synthetic-15000.csv" fixtures/lists/csl_sample.csv)
echo "log: $log ($(du -h "$log" | cut -f1), $rows rows); lists: 15,000 synthetic entries + the sample list;" \
     "machine: $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); $repeat runs each"
median() {  # median LABEL ARGS...: prints the median wall seconds of REPEAT audits
  local label=$1
  shift
  local times=() cpus=() rss=0
  for _ in $(seq "$repeat"); do
    rm -f "$work/b.db" "$work/b.db-journal"
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$work/time" "$tg" audit "$log" --no-progress "$@" > "$work/out.txt" \
      2> "$work/err.txt" || true
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
    cpus+=("$(tail -1 "$work/time" | awk '{print $1 + $2}')")
    rss=$(tail -1 "$work/time" | awk '{print int($3 / 1024)}')
  done
  local med cpu
  med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (repeat + 1) / 2 ))p")
  cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (repeat + 1) / 2 ))p")
  printf '%-28s median wall %6.2f s (%8.0f records/s), CPU %6.2f s, peak %4d MB\n' "$label" "$med" \
    "$(echo "$rows / $med" | bc -l)" "$cpu" "$rss" >&2
  echo "$med $cpu"
}
# The ratio of wall times, and of CPU times (steadier on a shared machine, where other work takes the cores).
ratio() {  # ratio WHAT "OFF_WALL OFF_CPU" "ON_WALL ON_CPU"
  read -r ow oc <<< "$2"
  read -r nw nc <<< "$3"
  printf '%-9s screening on at %3.0f %% of the speed without it (wall), %3.0f %% (CPU)\n' "$1" \
    "$(echo "100 * $ow / $nw" | bc -l)" "$(echo "100 * $oc / $nc" | bc -l)"
}
off=$(median "--no-store, screening off" --no-store)
on=$(median "--no-store, screening on" --no-store "${lists[@]}")
ratio "no store:" "$off" "$on"
off=$(median "store, screening off" --db "$work/b.db")
on=$(median "store, screening on" --db "$work/b.db" "${lists[@]}")
ratio "store:" "$off" "$on"
rm -f "$work/b.db" "$work/b.db-journal"
