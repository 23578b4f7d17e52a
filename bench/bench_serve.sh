#!/usr/bin/env bash
# Load benchmark of `tollgate serve` (docs/server.md, bench/README.md): single-record POST /v1/check with the
# decision log on (every decision committed to the trace store before it is answered), and, in the same run, the
# same HTTP layer with a constant handler (build/bench/bench_http_constant). wrk from Debian, to 127.0.0.1 only,
# bounded in time. Afterwards the store is verified and its rows counted against wrk's answered requests.
#   bash bench/bench_serve.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
secs=${2:-10}
conns=${3:-32}
tg=$build/cli/tollgate
constant=$build/bench/bench_http_constant
command -v wrk >/dev/null || { echo "bench_serve: wrk is missing (apt-get install wrk)" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no port in $1" >&2; exit 1; }

cat > "$work/check.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"type":"shipment","id":"S-1","date":"2025-09-01","chip":"H20","destination":"CN","end_user_hq":"CN","quantity":10,"unit_price_usd":"12000.00"}'
LUA
cat > "$work/get.lua" <<'LUA'
wrk.method = "GET"
LUA
# The CPU a server process has used so far, in seconds (user + system; its threads included).
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
# Its CPU per answered request, in microseconds: steadier than throughput on a shared machine (wrk's own CPU and
# other tenants' load change how many requests fit in the time, much less what each one costs the server).
cpu_line() {  # name pid
  awk -v c="$(cpu_of "$2")" -v n="$(awk '/requests in/ {print $1}' "$work/$1.txt")" \
    'BEGIN { printf "%s: server CPU %.1f s, %.1f us per request\n", "'"$1"'", c, 1e6 * c / n }'
}
run_wrk() {  # name url script
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$3" "$2" > "$work/$1.txt"
  local rps p99 n
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/$1.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$1.txt")
  n=$(awk '/requests in/ {print $1}' "$work/$1.txt")
  non2xx=$(awk '/Non-2xx/ {print $4}' "$work/$1.txt")
  echo "$1: ${rps} requests/s, p99 ${p99}, ${n} requests${non2xx:+, $non2xx non-2xx}"
  echo "$rps" > "$work/$1.rps"
}

"$constant" "$work/constant.port" & pids+=($!)
wait_port "$work/constant.port"
run_wrk constant "http://127.0.0.1:$(cat "$work/constant.port")/" "$work/get.lua"
cpu_line constant "${pids[0]}"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true

"$tg" serve ${SERVE_FLAGS:-} --listen 127.0.0.1:0 --db "$work/decisions.db" --port-file "$work/serve.port" 2> "$work/serve.log" & spid=$!
pids+=($spid)
wait_port "$work/serve.port"
run_wrk check "http://127.0.0.1:$(cat "$work/serve.port")/v1/check" "$work/check.lua"
cpu_line check "$spid"
kill -TERM "$spid"; wait "$spid" 2>/dev/null || true
grep -o 'stopped;.*' "$work/serve.log" | sed 's/^/check: /' || true  # (how many commits: the group sizes)
awk -v a="$(cat "$work/check.rps")" -v b="$(cat "$work/constant.rps")" \
  'BEGIN { printf "ratio: /v1/check with the decision log reaches %.0f%% of the constant handler\n", 100 * a / b }'
"$tg" trace verify "$work/decisions.db" | head -1
rows=$(sqlite3 "$work/decisions.db" 'SELECT count(*) FROM decisions' 2>/dev/null || echo "?")
echo "decisions stored: $rows (wrk counts requests completed within the time; the server answers only after commit)"
