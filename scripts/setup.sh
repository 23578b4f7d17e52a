#!/usr/bin/env bash
# Installs what tollgate needs to build, from Debian's packages, non-interactively and idempotently.
# As root on Debian (or with sudo available); elsewhere it says what to install and stops.
set -euo pipefail
pkgs=(g++ cmake ninja-build pkg-config libboost-dev nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev
      doctest-dev libcli11-dev libssl-dev
      libsimdjson-dev  # the JSONL/JSON record reader's fast path (engine/records)
      libjemalloc-dev  # the programs' memory allocator (CMakeLists.txt: TOLLGATE_JEMALLOC)
      libicu-dev  # party screening: Unicode normalization, Han-Latin transliteration (engine/screen)
      python3 sqlite3  # python3: the JSON checks of tests/cli/*; sqlite3: the store edits of cli_audit_input.sh
      chromium nodejs wrk  # the web page's browser tests (tests/browser) and the serve benchmark (bench/)
      clang libclang-rt-14-dev time  # clang: the fuzzers and the sanitizer build (scripts/fuzz.sh); time: memory checks
      libzip-dev libexpat1-dev libtomlplusplus-dev iso-codes)  # .xlsx (zip, XML), TOML column maps, country names
# Multi-buffer SHA-256 for the audit's decision hashes (optional: x86-64 only; without it OpenSSL hashes them)
[ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] && pkgs+=(libipsec-mb-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The browser tests' npm packages (puppeteer-core, which drives Debian's chromium and never downloads a browser),
# installed from tests/browser/package-lock.json when missing or older than the lock file.
browser_deps() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
  if [ ! -d "$dir/node_modules/puppeteer-core" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in tests/browser"
    (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
      { if [ -n "${CI:-}" ]; then echo "setup: npm ci failed in tests/browser (CI: the browser tests must run)" >&2; exit 1; fi
        echo "setup: warning: npm ci failed in tests/browser; the browser tests will be skipped" >&2; }
  fi
}
command -v npm >/dev/null 2>&1 || missing+=(npm)  # (some Node.js builds bring their own npm)
if [ ${#missing[@]} -eq 0 ]; then
  browser_deps
  echo "setup: all build dependencies present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: this is not a Debian-like system; install these (or their equivalents) first: ${missing[*]}" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: need root to install: ${missing[*]} (run as root, or install them yourself)" >&2
    exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
browser_deps
echo "setup: done"
