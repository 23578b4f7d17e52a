#!/usr/bin/env bash
# tollgate tests — `tollgate screen`: exit codes (0 no match, 3/4 certain, 7 possible, 2 bad input), the evidence and
# the list's hash in text and JSON, resolutions, a bad list row refused. Usage: cli_screen.sh TOLLGATE SRC WORKDIR
set -u
TG=$1
SRC=$2
WORK=$3
mkdir -p "$WORK"
fail=0
LIST="$SRC/fixtures/lists/csl_sample.csv"
run() {  # run WANT_RC OUT ARGS...: runs tollgate screen, checks the exit code
  local want=$1 out=$2
  shift 2
  "$TG" screen "$@" > "$out" 2> "$out.err"
  local rc=$?
  [ "$rc" = "$want" ] || { echo "FAIL: screen $* exited $rc, wanted $want"; cat "$out.err"; fail=1; }
}
expect() {  # expect FILE TEXT WHY
  grep -qF -- "$2" "$1" || { echo "FAIL ($3): '$2' not in $1"; fail=1; }
}

run 3 "$WORK/certain.txt" "HUAWEI TECHNOLOGIES CO LTD" --country CN --lists "$LIST"
expect "$WORK/certain.txt" '[1000] certain match: EL "Huawei Technologies Co., Ltd." (entry pub-huawei)' "certain match"
expect "$WORK/certain.txt" "country: CN matches an address of the entry" "country evidence"
expect "$WORK/certain.txt" "listed: 84 FR 22961, from 2019-05-16; review policy: Presumption of denial." "FR citation"
expect "$WORK/certain.txt" "sha256 $(sha256sum "$LIST" | cut -c1-64)" "the list's hash"
expect "$WORK/certain.txt" "dated 2026-11-30" "the list's date"

run 3 "$WORK/zh.json" "北京壁仞科技开发有限公司" --lists "$LIST" --format json
python3 - "$WORK/zh.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
c = j["candidates"][0]
assert j["transliterated"] and j["normalized"] == "beijing biren technology development", j["normalized"]
assert c["entry"] == "pub-biren-beijing" and c["score"] == 1000 and c["outcome"] == "certain match", c
assert c["effect"] == "LICENSE_REQUIRED" and c["federal_register_notice"] == "88 FR 71991", c
assert j["lists"][0]["date"] == "2026-11-30" and len(j["lists"][0]["sha256"]) == 64
PY

run 4 "$WORK/denied.txt" "Exdenex" --lists "$LIST"
expect "$WORK/denied.txt" "effect of a match: PROHIBITED" "Denied Persons"

run 7 "$WORK/possible.txt" "Huawen Technologies Co., Ltd." --lists "$LIST"
expect "$WORK/possible.txt.err" 'possible match: "Huawen Technologies Co., Ltd." resembles EL entry "Huawei Technologies Co., Ltd."' "possible match is an error"
expect "$WORK/possible.txt.err" "resolve it" "what to do"

printf 'party,entry,who,when,why\n"Huawen Technologies Co., Ltd.",pub-huawei,A. Officer,2026-11-30,"Huawen: other registry number, no Huawei ownership"\n' > "$WORK/res.csv"
run 0 "$WORK/resolved.txt" "Huawen Technologies Co., Ltd." --lists "$LIST" --resolutions "$WORK/res.csv"
expect "$WORK/resolved.txt" "resolved as a non-match by A. Officer on 2026-11-30" "resolution applied"
expect "$WORK/resolved.txt" "resolutions: $WORK/res.csv, sha256 $(sha256sum "$WORK/res.csv" | cut -c1-64)" "resolution hash"

run 0 "$WORK/none.txt" "Nvidia Corporation" --lists "$LIST"
expect "$WORK/none.txt" "outcome: no match" "no match"

run 2 "$WORK/badcc.txt" "Huawei" --country XX --lists "$LIST"
printf 'source,name\nEntity List (EL) - Bureau of Industry and Security,\n' > "$WORK/bad.csv"
run 2 "$WORK/badlist.txt" "Huawei" --lists "$WORK/bad.csv"
expect "$WORK/badlist.txt.err" "bad.csv:2: error: name: missing" "bad row reported"

"$TG" screen --generate-list 50 --seed 3 > "$WORK/syn1.csv" && "$TG" screen --generate-list 50 --seed 3 > "$WORK/syn2.csv"
cmp -s "$WORK/syn1.csv" "$WORK/syn2.csv" || { echo "FAIL: --generate-list is not deterministic"; fail=1; }
[ "$(grep -c '^syn' "$WORK/syn1.csv")" = 50 ] || { echo "FAIL: --generate-list 50 rows"; fail=1; }
exit $fail
