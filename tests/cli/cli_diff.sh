#!/usr/bin/env bash
# tollgate tests — golden diffs of the bundled regimes (the public record, via shared/reference/regulations.md and
# encoding.md): what each rule change must show, line by line. Usage: cli_diff.sh TOLLGATE WORKDIR
set -u
TG=$1
WORK=$2
mkdir -p "$WORK"
fail=0
expect() {  # expect FILE TEXT WHY
  grep -qF -- "$2" "$1" || { echo "FAIL ($3): '$2' not in $1"; fail=1; }
}

# Oct 2022 (87 FR 62186) vs Oct 2023 (88 FR 73458): the interconnect criterion goes, performance density comes in,
# 3A090.b and License Exception NAC appear, and the A800 and H800 (made to pass the 2022 interconnect test) need a
# licence for China.
d="$WORK/2022_vs_2023.txt"
"$TG" diff --as-of 2023-06-01 --vs 2023-12-01 --svg "$WORK/2022_vs_2023.svg" > "$d" || { echo "FAIL: diff 1"; fail=1; }
# (r2: an HBM stack has no processing units and is not tested, hence the first operand)
expect "$d" "rule removed  r2022_3a090_a: classify 3A090.a when not (chip.hbm_stack is given and chip.hbm_stack) and chip.interconnect_gbps >= 600 GB/s and chip.tpp >= 4800" "interconnect criterion gone"
# encoding.md r2: a.2 no longer skips a missing die area (it fails closed), and an HBM stack is not tested.
expect "$d" "rule added  r2023_3a090_a_2: classify 3A090.a when not is_hbm_stack and chip.tpp >= 1600 and pd >= 5.92 and not datacenter_note_excludes" "performance density"
expect "$d" "rule added  r2023_3a090_b_1" ".b appears"
expect "$d" "rule added  r2023_nac: NOTIFY, exception NAC" "NAC appears"
# r2: the embargoes (15 CFR 746) split CU IR KP SY and RU BY out of D:5 (licence on both sides there), so the density
# region to China, Macau and the rest of D:5 is listed with its countries.
expect "$d" "1600 <= chip.tpp < 4800, chip.datacenter, pd >= 5.92, destination in {AF, CD, CF, CN, ER, HK" "the density region, to D:5 and Macau"
# r2: a datacenter chip in the density range with no die area can no longer be judged under the Oct 2023 rule.
expect "$d" "none, ALLOWED, no fee  ->  cannot be judged (a field a rule needs is missing)" "missing die area fails closed"
expect "$d" "new: 3A090.a, LICENSE_REQUIRED (presumption_of_denial), no fee" "the density region's new verdict"
grep -A8 "^  A800 80GB PCIe" "$d" | grep -qF "to CN, HK, MO: none, ALLOWED, no fee  ->  3A090.a, LICENSE_REQUIRED (presumption_of_denial)" \
  || { echo "FAIL: A800 to China does not flip to licence required"; fail=1; }
grep -A8 "^  H800 SXM5" "$d" | grep -qF "to CN, HK, MO: none, ALLOWED, no fee  ->  3A090.a, LICENSE_REQUIRED (presumption_of_denial)" \
  || { echo "FAIL: H800 to China does not flip to licence required"; fail=1; }
grep -q "<svg" "$WORK/2022_vs_2023.svg" || { echo "FAIL: no SVG"; fail=1; }
# r2: the UAE enters rs_scope on 2023-11-17: the A800 to the UAE needs a licence, presumption of approval.
grep -A8 "^  A800 80GB PCIe" "$d" | grep -qF "to AE: none, ALLOWED, no fee  ->  3A090.a, LICENSE_REQUIRED (presumption_of_approval)" \
  || { echo "FAIL: A800 to the UAE does not flip to licence required"; fail=1; }

# 2025-12-31 vs 2026-03-01 (91 FR 1684; Proclamation 11002): H200-class chips to China move to case-by-case review
# and the 25 % duty band appears.
d="$WORK/h200.txt"
"$TG" diff --as-of 2025-12-31 --vs 2026-03-01 > "$d" || { echo "FAIL: diff 2"; fail=1; }
expect "$d" "ruleset added  us_2026_h200" "the H200 ruleset"
expect "$d" "rule added  s232_duty: fee 25%" "the duty"
grep -A1 "^  H200 SXM 141GB" "$d" | grep -qF "3A090.a, LICENSE_REQUIRED (presumption_of_denial), no fee  ->  3A090.a, LICENSE_REQUIRED (case_by_case), fee s232_duty 25%" \
  || { echo "FAIL: H200 to China does not move to case-by-case with the 25% duty"; fail=1; }

# Enacted vs enacted + the AI OVERWATCH Act (S. 4456 / H.R. 6875, proposed): Blackwell to China becomes prohibited.
d="$WORK/overwatch.txt"
"$TG" diff --as-of 2026-06-01 --new-proposed > "$d" || { echo "FAIL: diff 3"; fail=1; }
expect "$d" "ruleset added  us_ai_overwatch" "the bill's ruleset"
grep -A6 "^  B200 (HGX B200 per GPU)" "$d" | grep -qF "to CN, HK, MO: 3A090.a, LICENSE_REQUIRED (presumption_of_denial), no fee  ->  3A090.a, PROHIBITED" \
  || { echo "FAIL: Blackwell to China does not become prohibited"; fail=1; }
expect "$d" "note: \`chip.memory_bw_gbps + chip.interconnect_gbps >= 1700 GB/s\`" "the one threshold that is not a box"

# The first is-informed letter (2022-08-26; encoding.md r2, NVIDIA Form 8-K of 2022-08-31): the A100 and H100 to
# China need a licence from that day, under no classification yet.
d="$WORK/letter_2022.txt"
"$TG" diff --as-of 2022-08-25 --vs 2022-08-26 > "$d" || { echo "FAIL: diff letters"; fail=1; }
expect "$d" "ruleset added  us_2022_letters" "the letters' ruleset"
expect "$d" "chip.name mentions {\"A100\", \"H100\", \"MI250\"}, destination in {CN, HK}" "the named chips to China"
grep -A1 "^  A100 SXM4 80GB" "$d" | grep -qF "to CN, HK: none, ALLOWED, no fee  ->  none, LICENSE_REQUIRED (presumption_of_denial), no fee" \
  || { echo "FAIL: A100 to China does not need a licence from 2022-08-26"; fail=1; }

# Enacted vs enacted + unenforced (encoding.md r2, the AI Diffusion rule, 90 FR 4544): datacenter 3A090.a outside
# Tier 1 needs a licence, presumption of approval; Tier 1 and the rs_scope destinations do not change.
d="$WORK/diffusion.txt"
"$TG" diff --as-of 2026-06-01 --new-unenforced > "$d" || { echo "FAIL: diff unenforced"; fail=1; }
expect "$d" "ruleset added  us_2025_diffusion" "the unenforced ruleset"
expect "$d" "3A090.a, ALLOWED, no fee  ->  3A090.a, LICENSE_REQUIRED (presumption_of_approval), no fee" "the worldwide region"
grep -A1 "^  H100 SXM5 80GB" "$d" | grep -qF "183 countries: 3A090.a, ALLOWED, no fee  ->  3A090.a, LICENSE_REQUIRED (presumption_of_approval)" \
  || { echo "FAIL: H100 outside Tier 1 does not need a licence with the unenforced rule"; fail=1; }
if grep -A3 "^  H100 SXM5 80GB" "$d" | grep -q "to JP"; then echo "FAIL: Tier 1 (JP) changes"; fail=1; fi

# The same regime on both sides: nothing.
d="$WORK/none.txt"
"$TG" diff --as-of 2024-06-01 --vs 2024-06-02 > "$d"
expect "$d" "none: every shipment is judged the same on both sides" "no change, no region"

# JSON parses and has the regions; --log counts flips on a generated log.
"$TG" generate --rows 3000 --seed 5 -o "$WORK/log.csv"
"$TG" diff --as-of 2025-12-31 --vs 2026-03-01 --log "$WORK/log.csv" --format json > "$WORK/h200.json" || { echo "FAIL: json"; fail=1; }
python3 - "$WORK/h200.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
assert j["schema"] == "tollgate.diff/1"
assert j["regions"] and all(r["witness"]["type"] == "shipment" for r in j["regions"])
assert j["log"]["records"] == 3000 and j["log"]["flipped"] > 0, j["log"]
PY
[ "$fail" -eq 0 ] && echo "diff golden tests: all passed"
exit "$fail"
