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
# (--detail: the full list, every structural change, region and chip; the short default is checked further down.)
d="$WORK/2022_vs_2023.txt"
"$TG" diff --as-of 2023-06-01 --vs 2023-12-01 --detail --svg "$WORK/2022_vs_2023.svg" > "$d" || { echo "FAIL: diff 1"; fail=1; }
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
"$TG" diff --as-of 2025-12-31 --vs 2026-03-01 --detail --svg "$WORK/h200.svg" > "$d" || { echo "FAIL: diff 2"; fail=1; }
expect "$d" "ruleset added  us_2026_h200" "the H200 ruleset"
expect "$d" "rule added  s232_duty: fee 25%" "the duty"
grep -A1 "^  H200 SXM 141GB" "$d" | grep -qF "3A090.a, LICENSE_REQUIRED (presumption_of_denial), no fee  ->  3A090.a, LICENSE_REQUIRED (case_by_case), fee s232_duty 25%" \
  || { echo "FAIL: H200 to China does not move to case-by-case with the 25% duty"; fail=1; }

# Enacted vs enacted + the AI OVERWATCH Act (S. 4456 / H.R. 6875, proposed): Blackwell to China becomes prohibited.
d="$WORK/overwatch.txt"
"$TG" diff --as-of 2026-06-01 --new-proposed --detail --svg "$WORK/overwatch.svg" > "$d" || { echo "FAIL: diff 3"; fail=1; }
expect "$d" "ruleset added  us_ai_overwatch" "the bill's ruleset"
grep -A6 "^  B200 (HGX B200 per GPU)" "$d" | grep -qF "to CN, HK, MO: 3A090.a, LICENSE_REQUIRED (presumption_of_denial), no fee  ->  3A090.a, PROHIBITED" \
  || { echo "FAIL: Blackwell to China does not become prohibited"; fail=1; }
expect "$d" "note: \`chip.memory_bw_gbps + chip.interconnect_gbps >= 1700 GB/s\`" "the one threshold that is not a box"

# The first is-informed letter (2022-08-26; encoding.md r2, NVIDIA Form 8-K of 2022-08-31): the A100 and H100 to
# China need a licence from that day, under no classification yet. The day before is outside the bundled rules'
# coverage (encoding.md §0: covers_from 2022-08-26), so the old side is "not covered", never ALLOWED.
d="$WORK/letter_2022.txt"
"$TG" diff --as-of 2022-08-25 --vs 2022-08-26 --detail > "$d" || { echo "FAIL: diff letters"; fail=1; }
expect "$d" "ruleset added  us_2022_letters" "the letters' ruleset"
expect "$d" "chip.name mentions {\"A100\", \"H100\", \"MI250\"}, destination in {CN, HK}" "the named chips to China"
grep -A8 "^  A100 SXM4 80GB" "$d" | grep -qF "to CN, HK: not covered (the date is outside the rules' coverage)  ->  none, LICENSE_REQUIRED (presumption_of_denial), no fee" \
  || { echo "FAIL: A100 to China does not need a licence from 2022-08-26"; fail=1; }

# Enacted vs enacted + unenforced (encoding.md r2, the AI Diffusion rule, 90 FR 4544): datacenter 3A090.a outside
# Tier 1 needs a licence, presumption of approval; Tier 1 and the rs_scope destinations do not change.
d="$WORK/diffusion.txt"
"$TG" diff --as-of 2026-06-01 --new-unenforced --detail > "$d" || { echo "FAIL: diff unenforced"; fail=1; }
expect "$d" "ruleset added  us_2025_diffusion" "the unenforced ruleset"
expect "$d" "3A090.a, ALLOWED, no fee  ->  3A090.a, LICENSE_REQUIRED (presumption_of_approval), no fee" "the worldwide region"
grep -A1 "^  H100 SXM5 80GB" "$d" | grep -qF "183 countries: 3A090.a, ALLOWED, no fee  ->  3A090.a, LICENSE_REQUIRED (presumption_of_approval)" \
  || { echo "FAIL: H100 outside Tier 1 does not need a licence with the unenforced rule"; fail=1; }
if grep -A3 "^  H100 SXM5 80GB" "$d" | grep -q "to JP"; then echo "FAIL: Tier 1 (JP) changes"; fail=1; fi

# The same regime on both sides: nothing.
d="$WORK/none.txt"
"$TG" diff --as-of 2024-06-01 --vs 2024-06-02 --detail > "$d"
expect "$d" "none: every shipment is judged the same on both sides" "no change, no region"

# The default text is the short answer an analyst reads (issue 18): at most 40 lines of at most 120 characters for
# each bundled regime pair, the changes grouped by old -> new outcome, with the chips that make each change.
short() {  # short NAME ARGS... : the default text of a diff into $WORK/NAME.short.txt, its size checked
  local name=$1
  shift
  "$TG" diff "$@" > "$WORK/$name.short.txt" || { echo "FAIL: short diff $name"; fail=1; }
  local n
  n=$(wc -l < "$WORK/$name.short.txt")
  [ "$n" -le 40 ] || { echo "FAIL: the default diff $name has $n lines, more than 40"; fail=1; }
  awk 'length($0) > 120 { print "FAIL: '"$name"' line " NR " is " length($0) " characters"; bad = 1 } END { exit bad }' \
    "$WORK/$name.short.txt" || fail=1
}
short 2022_vs_2023 --as-of 2023-06-01 --vs 2023-12-01
d="$WORK/2022_vs_2023.short.txt"
expect "$d" "ruleset added  us_2023_ac" "the new regime, in short"
expect "$d" "none -> 3A090.a: ALLOWED -> LICENSE_REQUIRED (presumption_of_denial)" "the density change, grouped"
expect "$d" "catalog chips: A800 80GB PCIe, H800 SXM5" "the chips made to pass the 2022 test, under their change"
expect "$d" "more (--detail)" "the rest behind --detail"
short h200 --as-of 2025-12-31 --vs 2026-03-01
d="$WORK/h200.short.txt"
expect "$d" "rule added  s232_duty: fee 25%" "the duty, in short"
expect "$d" "3A090.a: LICENSE_REQUIRED (presumption_of_denial) -> LICENSE_REQUIRED (case_by_case)" "case-by-case, grouped"
expect "$d" "fee none -> s232_duty 25%" "the duty's change, grouped"
expect "$d" "H200 SXM 141GB" "the H200 under its change"
short overwatch --as-of 2026-06-01 --new-proposed
d="$WORK/overwatch.short.txt"
expect "$d" "3A090.a: LICENSE_REQUIRED (presumption_of_denial) -> PROHIBITED" "Blackwell to China prohibited, grouped"
expect "$d" "B200 (HGX B200 per GPU)" "the B200 under its change"
expect "$d" "note: \`chip.memory_bw_gbps + chip.interconnect_gbps >= 1700 GB/s\`" "the note, in short"
short letter_2022 --as-of 2022-08-25 --vs 2022-08-26
d="$WORK/letter_2022.short.txt"
expect "$d" "not covered (the date is outside the rules' coverage) -> none, LICENSE_REQUIRED (presumption_of_denial)" "the first letter, in short (the day before is not covered)"
expect "$d" "catalog chips: A100 PCIe 80GB, A100 SXM4 80GB" "the A100 under the letter"
short diffusion --as-of 2026-06-01 --new-unenforced
d="$WORK/diffusion.short.txt"
expect "$d" "3A090.a: ALLOWED -> LICENSE_REQUIRED (presumption_of_approval)" "the worldwide requirement, in short"
short none --as-of 2024-06-01 --vs 2024-06-02 --svg "$WORK/none.svg"
expect "$WORK/none.short.txt" "none: every shipment is judged the same on both sides" "no change, in short"

# The pictures: every shaded area of the plane has a colour of its own, and a legend entry in that same colour
# (issue 18); the bundled changes show at least one area, the same regime on both sides none.
python3 - "$WORK" <<'PY' || fail=1
import re, sys
work = sys.argv[1]
bad = False
for name, changes in (("2022_vs_2023", True), ("h200", True), ("overwatch", True), ("none", False)):
    svg = open(f"{work}/{name}.svg").read()
    fills = {}
    for m in re.finditer(r'<rect [^>]*fill="(#[0-9a-f]{6})" data-area="(\d+)"', svg):
        fills.setdefault(m.group(2), set()).add(m.group(1))
    legend = {m.group(2): m.group(1) for m in re.finditer(r'<rect [^>]*fill="(#[0-9a-f]{6})"[^>]*data-legend="(\d+)"', svg)}
    problems = []
    if changes and not fills:
        problems.append("no shaded area")
    if not changes and fills:
        problems.append("shaded areas where nothing changes")
    for area, f in sorted(fills.items()):
        if len(f) != 1:
            problems.append(f"area {area} has several colours {sorted(f)}")
        elif legend.get(area) != next(iter(f)):
            problems.append(f"area {area} is {next(iter(f))}, its legend entry {legend.get(area)}")
    colours = [next(iter(f)) for f in fills.values() if len(f) == 1]
    if len(set(colours)) != len(colours):
        problems.append(f"two areas share a colour: {sorted(colours)}")
    if set(legend) != set(fills):
        problems.append(f"legend entries {sorted(legend)} but areas {sorted(fills)}")
    for p in problems:
        print(f"FAIL: {name}.svg: {p}")
        bad = True
sys.exit(1 if bad else 0)
PY

# JSON parses and has the regions; --log counts flips on a generated log.
"$TG" generate --rows 3000 --seed 5 -o "$WORK/log.csv"
"$TG" diff --as-of 2025-12-31 --vs 2026-03-01 --log "$WORK/log.csv" --format json > "$WORK/h200.json" || { echo "FAIL: json"; fail=1; }
python3 - "$WORK/h200.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
assert j["schema"] == "tollgate.diff/1"
assert j["regions"] and all(r["witness"]["type"] == "shipment" for r in j["regions"])
assert j["log"]["records"] == 3000 and j["log"]["flipped"] > 0, j["log"]
# every record read is accounted for: judged by both sides, by one, or not compared (and why)
l = j["log"]
assert l["records"] == l["judged_by_both"] + l["judged_by_one_side"] + l["not_compared"], l
assert l["not_compared"] == sum(l["not_compared_by_reason"].values()) and l["not_compared_by_reason"]["not_shipment"] > 0, l
# the first ten rows of each reason that needs action are named (one reason's rows do not hide the other's)
by = l["not_compared_by_reason"]
neither = [p for p in l["problems"] if "judged by neither side" in p]
assert len(neither) == min(10, by["judged_by_neither"]), (len(neither), by)
assert len(l["problems"]) - len(neither) == min(10, by["unreadable"]), (l["problems"], by)
assert all("uncovered" not in r and "uncovered" not in r["old"] for r in j["regions"]), "covered dates: no flag"
PY
# A region outside a side's coverage carries `uncovered` (issue 14): 2022-08-25 is before the rules' coverage.
"$TG" diff --as-of 2022-08-25 --vs 2022-08-26 --format json > "$WORK/letter.json" || { echo "FAIL: json letters"; fail=1; }
python3 - "$WORK/letter.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
assert j["regions"], "no regions"
for r in j["regions"]:
    assert r.get("uncovered") == ["old"], r
    assert r["old"]["uncovered"] is True and r["old"]["error"] is True and "uncovered" not in r["new"], r
    # a side that cannot judge carries no verdict a consumer could take for ALLOWED (found by a new user)
    assert r["old"]["verdict"] is None and r["old"]["classification"] is None and r["old"]["fees"] == [], r
    assert r["new"]["verdict"] is not None, r
PY
# --log with nothing to compare is bad input (exit 2, the reason named), never "no change" (issue 13): an empty
# folder, a missing file, an empty file, a CSV with a header only.
mkdir -p "$WORK/empty_dir"
: > "$WORK/empty.csv"
head -1 "$WORK/log.csv" > "$WORK/header_only.csv"
for bad in "empty_dir:is a folder" "missing.csv:cannot read" "empty.csv:is empty" "header_only.csv:holds no records"; do
  f="$WORK/${bad%%:*}"
  "$TG" diff --as-of 2025-12-31 --vs 2026-03-01 --log "$f" > "$WORK/bad.out" 2> "$WORK/bad.err"
  rc=$?
  [ "$rc" -eq 2 ] || { echo "FAIL: diff --log ${bad%%:*} exits $rc, not 2 (bad input)"; fail=1; }
  grep -qF "${bad#*:}" "$WORK/bad.err" || { echo "FAIL: diff --log ${bad%%:*} does not say '${bad#*:}'"; fail=1; }
  [ -s "$WORK/bad.out" ] && { echo "FAIL: diff --log ${bad%%:*} printed a diff"; fail=1; }
done

[ "$fail" -eq 0 ] && echo "diff golden tests: all passed"
exit "$fail"
