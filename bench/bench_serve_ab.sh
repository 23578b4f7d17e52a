#!/usr/bin/env bash
# bench_serve_ab: two builds of tollgate compared on issue 17's figures in one sitting (the machine is shared and
# noisy: runs of bench_serve.sh alternate A, B, A, B, ... and medians are taken). For each build: the constant
# handler's and /v1/check's requests/s, the server's CPU per request (steadier than throughput here), and the ratio.
# Usage: bash bench/bench_serve_ab.sh BUILD_A BUILD_B [RUNS] [SECONDS] [CONNECTIONS]   (defaults: 5, 5, 32)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
A=$1 B=$2 n=${3:-5} secs=${4:-5} conns=${5:-32}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$n"); do
  for bin in A B; do
    bash "$here/bench_serve.sh" "${!bin}" "$secs" "$conns" 2>&1 | awk -v b="$bin" '
      /^constant: [0-9.]+ requests/ { c = $2 } /^check: [0-9.]+ requests/ { k = $2; p = $5; sub(",", "", p) }
      /^constant: server CPU/ { cu = $6 } /^check: server CPU/ { ku = $6 }
      END { printf "%s %s %s %s %s %s %.3f\n", b, c, cu, k, ku, p, k / c }' >> "$out"
  done
done
med() { sort -n | sed -n "$(( (n + 1) / 2 ))p"; }
echo "$n runs each, alternating, ${secs} s, ${conns} connections; load $(cut -d' ' -f1 /proc/loadavg)"
for b in A B; do
  col() { awk -v b="$b" -v i="$1" '$1 == b { print $i }' "$out" | med; }
  printf '%s (%s): constant %s req/s (%s us CPU each); check %s req/s (%s us CPU each, p99 %s); ratio %s\n' \
    "$b" "${!b}" "$(col 2)" "$(col 3)" "$(col 4)" "$(col 5)" "$(col 6)" "$(col 7)"
  printf '   ratios: %s\n' "$(awk -v b="$b" '$1 == b { printf "%s ", $7 }' "$out")"
done
