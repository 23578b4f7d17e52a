#!/usr/bin/env bash
# tollgate tests — issue 15: `tollgate catalog` lists and searches the catalog with the resolver records use; chip
# names as sold through `classify` and `check`; an ambiguous name is an error listing every candidate with its class.
# Usage: cli_catalog.sh TOLLGATE
set -u
TG=$1
fail=0
expect() {  # expect WHY WANT_RC CMD...: the command's exit code is WANT_RC; its output is left in $out
  local why=$1 want=$2
  shift 2
  out=$("$@" 2>&1)
  local rc=$?
  [ "$rc" = "$want" ] || { echo "FAIL ($why): exit $rc, expected $want"; echo "$out"; fail=1; }
}
has() {  # has WHY TEXT: $out contains TEXT
  grep -qF -- "$2" <<<"$out" || { echo "FAIL ($1): '$2' not in:"; echo "$out"; fail=1; }
}
hasnt() {
  if grep -qF -- "$2" <<<"$out"; then echo "FAIL ($1): '$2' in:"; echo "$out"; fail=1; fi
}

expect "list" 0 "$TG" catalog --as-of 2025-01-01
n=$(grep -c "" "$(dirname "$0")/../../fixtures/chips.csv")
has "list" "$((n - 1)) of $((n - 1)) catalog chips; classes as of 2025-01-01"
expect "resolve" 0 "$TG" catalog "NVIDIA H100 80GB HBM3 SXM5" --as-of 2025-01-01
has "resolve" "'NVIDIA H100 80GB HBM3 SXM5' is catalog chip 'H100 SXM5 80GB'"
expect "ambiguous" 0 "$TG" catalog H100 --as-of 2025-01-01
has "ambiguous" "chip 'H100' may be any of 2 catalog chips: 'H100 PCIe 80GB' (3A090.a), 'H100 SXM5 80GB' (3A090.a)"
expect "json" 0 "$TG" catalog MI300 --format json --as-of 2025-01-01
python3 - "$out" <<'PY' || fail=1
import json, sys
d = json.loads(sys.argv[1])
names = [c["name"] for c in d["chips"]]
assert d["ambiguous"] and d["resolved"] is None, d
assert names[:3] == ["Instinct MI300X", "Instinct MI308X", "Instinct MI325X"], names
assert d["chips"][0]["class"] == "3A090.a" and d["chips"][0]["tpp"] == 20919.2, d["chips"][0]
PY
# The CLI conventions (docs/cli.md): --json is --format json; -o FILE writes what would be printed.
json_out=$out
expect "--json" 0 "$TG" catalog MI300 --json --as-of 2025-01-01
[ "$out" = "$json_out" ] || { echo "FAIL (--json differs from --format json)"; fail=1; }
tmp=$(mktemp)
expect "-o FILE" 0 "$TG" catalog MI300 --json --as-of 2025-01-01 -o "$tmp"
[ -z "$out" ] && [ "$(cat "$tmp")" = "$json_out" ] || { echo "FAIL (-o FILE: '$out')"; fail=1; }
# -o never overwrites the catalog it reads (docs/cli.md): exit 2, the file unchanged.
cp "$(dirname "$0")/../../fixtures/chips.csv" "$tmp"
expect "-o the catalog read" 2 "$TG" catalog --catalog "$tmp" -o "$tmp"
cmp -s "$tmp" "$(dirname "$0")/../../fixtures/chips.csv" || { echo "FAIL (-o overwrote the catalog it reads)"; fail=1; }
rm -f "$tmp"
expect "nothing" 2 "$TG" catalog "no such chip anywhere"
# classify and check read names as sold; an ambiguous one is an error (exit 2) listing both H100s.
expect "classify as sold" 0 "$TG" classify "HGX H20" --as-of 2025-01-01
has "classify as sold" "'HGX H20' is catalog chip 'H20' (alias 'HGX H20')"
expect "classify ambiguous" 2 "$TG" classify H100 --as-of 2025-01-01
has "classify ambiguous" "may be any of 2 catalog chips"
hasnt "classify ambiguous" "'H20'"
rec='{"id":"S-1","date":"2025-09-01","chip":"NVIDIA H20","destination":"CN","end_user_hq":"CN","end_user_parent_hq":"CN","quantity":10,"unit_price_usd":"12000.00"}'
expect "check as sold" 3 bash -c "echo '$rec' | '$TG' check -"
has "check as sold" "LICENSE_REQUIRED"
expect "check ambiguous" 2 bash -c "echo '${rec/NVIDIA H20/H100}' | '$TG' check --json -"
has "check ambiguous" "tollgate.input.ambiguous-chip"
exit $fail
