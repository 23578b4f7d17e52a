#!/usr/bin/env bash
# bench_screening_ab: two builds of tollgate compared on issue 16's figure in one sitting (the machine is shared and
# noisy: runs alternate A off, A on, B off, B on, and medians are taken). Each run is `tollgate audit` of the log
# bench_screening.sh generates, with the store, screening off and on (the 15,000-entry synthetic list and the sample
# list). Prints each build's median wall and CPU seconds, and its on-vs-off ratio.
# Usage: bash bench/bench_screening_ab.sh TOLLGATE_A TOLLGATE_B [RUNS] [WORKDIR]   (defaults: 5, /tmp/tollgate-bench-scr)
#   (run bench_screening.sh once first: it makes the log and the list in WORKDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1 B=$2 n=${3:-5} work=${4:-/tmp/tollgate-bench-scr}
log=$(ls "$work"/parties-*.csv | head -1)
lists=(--lists "$work/synthetic-15000.csv" fixtures/lists/csl_sample.csv)
declare -A W C
for _ in $(seq "$n"); do
  for bin in A B; do
    for m in off on; do
      args=()
      [ "$m" = on ] && args=("${lists[@]}")
      rm -f "$work/ab.db" "$work/ab.db-journal"
      t0=$(date +%s.%N)
      /usr/bin/time -f "%U %S" -o "$work/ab.time" "${!bin}" audit "$log" --no-progress --db "$work/ab.db" "${args[@]}" \
        > /dev/null 2>&1 || true
      t1=$(date +%s.%N)
      W[$bin$m]+="$(echo "$t1 - $t0" | bc) "
      C[$bin$m]+="$(tail -1 "$work/ab.time" | awk '{print $1 + $2}') "
    done
  done
done
rm -f "$work/ab.db" "$work/ab.db-journal"
med() { printf '%s\n' $1 | sort -n | sed -n "$(( (n + 1) / 2 ))p"; }
echo "log: $log; $n runs each, alternating; load $(cut -d' ' -f1 /proc/loadavg)"
for b in A B; do
  printf '%s (%s): off %6.2f s wall (%6.2f s CPU), on %6.2f s (%6.2f s); on vs off %3.0f %% (wall), %3.0f %% (CPU)\n' \
    "$b" "${!b}" "$(med "${W[${b}off]}")" "$(med "${C[${b}off]}")" "$(med "${W[${b}on]}")" "$(med "${C[${b}on]}")" \
    "$(echo "100 * $(med "${W[${b}off]}") / $(med "${W[${b}on]}")" | bc -l)" \
    "$(echo "100 * $(med "${C[${b}off]}") / $(med "${C[${b}on]}")" | bc -l)"
done
