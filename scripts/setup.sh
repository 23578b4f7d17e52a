#!/usr/bin/env bash
# Installs what tollgate needs to build, from Debian's packages, non-interactively and idempotently.
# As root on Debian (or with sudo available); elsewhere it says what to install and stops.
set -euo pipefail
pkgs=(g++ cmake ninja-build pkg-config libboost-dev nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev
      doctest-dev libcli11-dev libssl-dev
      python3  # python3: the JSON checks in tests/cli/cli_diff.sh and tests/cli/cli_audit_report.sh
      clang libclang-rt-14-dev time)  # clang: the fuzzers and the sanitizer build (scripts/fuzz.sh); time: memory checks
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
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
echo "setup: done"
