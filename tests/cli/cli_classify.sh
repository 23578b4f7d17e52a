#!/usr/bin/env bash
# tollgate tests — issue 13 examples through the CLI: exact thresholds in `classify` (its arithmetic block prints
# what was compared), no defaulted datacenter fact from flags, and dates the rules do not cover.
# Usage: cli_classify.sh TOLLGATE
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

# Item 1: TPP 4114.4 on 695 mm2 is PD 5.92 exactly: 3A090.a (encoding.md §0, Exact numbers).
expect "4114.4 / 695" 0 "$TG" classify --tpp 4114.4 --die-area 695 --datacenter --as-of 2024-06-01
has "4114.4 / 695 is 3A090.a" "classification  3A090.a"
has "the arithmetic prints what was compared" "PD  = TPP / die area = 4114.4 / 695 mm2 = 5.92"
has "the reason prints what was compared" "pd = 5.92 >= 5.92"
expect "1601.6 / 500.5" 0 "$TG" classify --tpp 1601.6 --die-area 500.5 --datacenter --as-of 2024-06-01
has "1601.6 / 500.5 is exactly 3.2: 3A090.b.2" "classification  3A090.b"
has "constant-first comparison printed as written" "3.2 <= pd = 3.2"
expect "more decimals than kept" 2 "$TG" classify --tpp 4114.40000001 --die-area 695 --datacenter --as-of 2024-06-01
has "refused, not rounded" "more than 6 decimal places"

# Item 7: no datacenter flag where it decides is an error naming the fact, never the exempting answer.
expect "no datacenter flag" 2 "$TG" classify --tpp 4000 --die-area 500 --as-of 2024-06-01
has "names the missing fact" "chip.datacenter is not given"
has "says which flag" "give --datacenter or --no-datacenter"
expect "--no-datacenter" 0 "$TG" classify --tpp 4000 --die-area 500 --no-datacenter --as-of 2024-06-01
has "the note applies when asked" "classification  none"
expect "--datacenter" 0 "$TG" classify --tpp 4000 --die-area 500 --datacenter --as-of 2024-06-01
has "datacenter chip" "classification  3A090.a"
expect "both flags" 2 "$TG" classify --tpp 4000 --die-area 500 --datacenter --no-datacenter --as-of 2024-06-01
expect "where it does not decide" 0 "$TG" classify --tpp 5000 --die-area 500 --as-of 2024-06-01
has "TPP 5000 is 3A090.a whatever the datacenter" "classification  3A090.a"

# Item 2: an H100 to CN dated 1999-01-01 is an error, not ALLOWED with "rules in force (none)".
expect "1999" 2 bash -c "echo '{\"type\":\"shipment\",\"id\":\"S-1\",\"date\":\"1999-01-01\",\"chip\":\"H100 SXM5 80GB\",\"destination\":\"CN\",\"end_user_hq\":\"CN\",\"quantity\":1,\"unit_price_usd\":\"1.00\"}' | '$TG' check -"
has "coverage error" "tollgate.eval.coverage"
expect "classify before coverage" 2 "$TG" classify "H100 SXM5 80GB" --as-of 2022-01-01
has "classify: coverage error" "tollgate.eval.coverage"

# {"name": ...} alone through --json-input names the catalog chip, as POST /v1/classify reads it (it was an error
# telling the user to send exactly that); with "type" beside it, the error says how to name the chip.
expect "json-input name" 0 bash -c "echo '{\"name\":\"H100 SXM5 80GB\"}' | '$TG' classify --json-input - --as-of 2024-06-01 --format json"
has "json-input name: the catalog chip" '"classification":"3A090.a"'
expect "json-input name and type" 2 bash -c "echo '{\"type\":\"chip\",\"name\":\"H20\"}' | '$TG' classify --json-input - --as-of 2024-06-01"
has "json-input name and type: how to name it" "with no other member"
exit $fail
