#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and builds tollgate into build/ (Release, Ninja). Extra arguments go to cmake.
# The compiler's output goes to build/build.log, and is shown in full if the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p build
# ccache, where installed, makes rebuilds across clones and worktrees cheap (not required).
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" > build/configure.log 2>&1 || { cat build/configure.log; exit 1; }
start=$(date +%s)
if ! cmake --build build -j "$(nproc)" > build/build.log 2>&1; then
  cat build/build.log
  echo "build: FAILED (log above, also in build/build.log)" >&2
  exit 1
fi
echo "build: ok in $(( $(date +%s) - start )) s (log in build/build.log)"
