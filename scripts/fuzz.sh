#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/: clang, ASan+UBSan) into build-fuzz/ and runs each in turn for
# SECONDS (default 60), one process each, from the seed corpora (tests/fuzz/seeds/<target>/, rules/, fixtures/).
#   bash scripts/fuzz.sh            # a minute each (CI runs it with less)
#   bash scripts/fuzz.sh 600        # ten minutes each
#   FUZZ_TARGETS="csv jsonl" bash scripts/fuzz.sh 120
# A finding (crash, sanitizer report, timeout, out of memory, broken invariant) is written to
# build-fuzz/findings/<target>-*; the script prints each target's executions and exits 1 if any found something.
# Fix it, then add the file to tests/fuzz/seeds/<target>/ (a regression seed) and a test.
# FUZZ_WITH_TESTS=1 also builds the doctest suite in build-fuzz/ and runs it first, under ASan+UBSan (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
targets=${FUZZ_TARGETS:-rules csv jsonl json decode lists serve}
bash scripts/setup.sh
mkdir -p build-fuzz
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DTOLLGATE_FUZZ=ON -DTOLLGATE_BENCH=OFF "${launcher[@]}" > build-fuzz/configure.log 2>&1 || { cat build-fuzz/configure.log; exit 1; }
build_targets=()
for t in $targets; do build_targets+=("fuzz_$t"); done
[ "${FUZZ_WITH_TESTS:-0}" = 1 ] && build_targets+=(tollgate_tests)
if ! cmake --build build-fuzz -j "$(nproc)" --target "${build_targets[@]}" > build-fuzz/build.log 2>&1; then
  cat build-fuzz/build.log
  echo "fuzz: build FAILED" >&2
  exit 1
fi

if [ "${FUZZ_WITH_TESTS:-0}" = 1 ]; then
  # The doctest suite under ASan+UBSan (this build instruments every target): any report fails the run.
  t0=$(date +%s)
  # The three exhaustive semantic-diff cases take six minutes under the sanitizers (seconds in the Release suite,
  # which CTest's `unit` runs in full): left out here, the other diff cases stay in.
  slow='*enacted + AI OVERWATCH Act*,*before and after the H200 opening*,*deterministic whatever the threads*'
  if ! build-fuzz/tests/tollgate_tests -tce="$slow" > build-fuzz/tests_asan.log 2>&1; then
    tail -40 build-fuzz/tests_asan.log
    echo "sanitize: the doctest suite FAILED under ASan+UBSan (log: build-fuzz/tests_asan.log)" >&2
    exit 1
  fi
  echo "sanitize: doctest suite passed under ASan+UBSan in $(( $(date +%s) - t0 )) s ($(grep -o '[0-9]* passed' build-fuzz/tests_asan.log | head -1) test cases)"
fi
[ "$secs" = 0 ] && exit 0

seeds() {  # the seed folders and files of a target
  case $1 in
    rules) echo tests/fuzz/seeds/rules rules fixtures/grammar/good fixtures/grammar/bad ;;
    csv) echo tests/fuzz/seeds/csv fixtures/orders/sample_orders.csv fixtures/orders/sample_log.csv fixtures/chips.csv ;;
    jsonl) echo tests/fuzz/seeds/jsonl fixtures/orders/sample_orders.jsonl ;;
    json) echo tests/fuzz/seeds/json fixtures/cases/input_records.json ;;
    decode) echo tests/fuzz/seeds/decode fixtures/imports/orders.xlsx fixtures/imports/orders_semicolon.csv \
              fixtures/imports/orders_unicode.txt fixtures/imports/sap_export.csv fixtures/imports/oracle_export.csv ;;
    lists) echo tests/fuzz/seeds/lists ;;  # (each seed's first byte picks list, resolutions or name)
    serve) echo tests/fuzz/seeds/serve ;;  # (each seed's first byte picks the body's layout and the options)
  esac
}

found=0
mkdir -p build-fuzz/findings
for t in $targets; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  # Files as seeds: copied into the working corpus (libFuzzer reads folders).
  inputs=("$corpus")
  for s in $(seeds "$t"); do
    if [ -d "$s" ]; then inputs+=("$s"); elif [ -f "$s" ]; then cp "$s" "$corpus/"; fi
  done
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  log=build-fuzz/fuzz_$t.log
  rc=0
  "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$t-" "${dict[@]}" "${inputs[@]}" > "$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  if [ "$rc" -ne 0 ]; then
    found=1
    echo "fuzz_$t: FINDING after ${execs} executions (log: $log; input in build-fuzz/findings/)"
    grep -m 5 -E 'ERROR|SUMMARY|invariant|runtime error|Assertion' "$log" || tail -20 "$log"
  else
    echo "fuzz_$t: ${secs} s, ${execs} executions, no finding"
  fi
done
exit $found
