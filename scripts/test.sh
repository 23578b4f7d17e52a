#!/usr/bin/env bash
# The README's test command: set up, build, and run the whole test suite through CTest; then the sanitizer stage:
# the doctest suite built with clang under AddressSanitizer and UndefinedBehaviorSanitizer (the fuzz build,
# build-fuzz/) and run through its tests, and each libFuzzer target for a bounded time (scripts/fuzz.sh;
# TOLLGATE_FUZZ_SECONDS, default 20 each: seven targets; 0 skips the fuzzing, TOLLGATE_SANITIZE=0 the whole stage).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/build.sh
ctest --test-dir build --output-on-failure
if [ "${TOLLGATE_SANITIZE:-1}" != 0 ]; then
  FUZZ_WITH_TESTS=1 bash scripts/fuzz.sh "${TOLLGATE_FUZZ_SECONDS:-20}"
fi
echo "test: all passed in $(( $(date +%s) - start )) s"
