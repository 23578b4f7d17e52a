#!/usr/bin/env bash
# tollgate tests — parties screened inside decisions (issue 16): check and audit with --lists, the evidence in the
# decision's JSON and text, the trace store covering it (a tamper test), the run key, and `trace rescreen` finding
# exactly the decisions a planted list change affects. Usage: cli_screening.sh TOLLGATE SRC WORKDIR
source "$(dirname "$0")/lib.sh" "$@"
LIST="$SRC/fixtures/lists/csl_sample.csv"
expect() {  # expect FILE TEXT WHY
  grep -qF -- "$2" "$1" || { echo "FAIL ($3): '$2' not in $1"; fail=1; }
}
rc_is() {  # rc_is GOT WANT WHY
  [ "$1" = "$2" ] || { echo "FAIL ($3): exit $1, wanted $2"; fail=1; }
}
CHIP='"chip":{"name":"Tiny Edge NPU","datacenter":false,"tpp":100},"destination":"DE","end_user_hq":"DE","end_user_parent_hq":"DE","quantity":1,"unit_price_usd":"10.00"'
cat > "$WORK/log.jsonl" <<JSONL
{"type":"shipment","id":"S-HUAWEI","date":"2026-11-15",$CHIP,"end_user":"Huawei Technologies Co., Ltd."}
{"type":"shipment","id":"S-MUSTER","date":"2026-11-15",$CHIP,"end_user":"Musterstadt Robotics GmbH","end_user_owners":[{"name":"Rheinland Family Holding","percent":100}]}
{"type":"shipment","id":"S-AFFILIATE","date":"2026-11-15",$CHIP,"end_user":"Kleinstadt Optics GmbH","end_user_owners":[{"name":"Testville Quantum Devices GmbH","percent":"50.0","country":"DE"},{"name":"Rheinland Family Holding","percent":50}]}
{"type":"shipment","id":"S-SOPHGO","date":"2026-11-15",$CHIP,"end_user":"Musterstadt Robotics GmbH","consignee":"Sophgo Technologies Ltd."}
{"type":"shipment","id":"S-CLEAN","date":"2026-11-15",$CHIP,"end_user":"Alpha Clean Instruments GmbH","end_user_owners":[{"name":"Rheinland Family Holding","percent":100}]}
{"type":"shipment","id":"S-POSSIBLE","date":"2026-11-15","chip":{"name":"Tiny Edge NPU","datacenter":false,"tpp":100},"destination":"DE","end_user_hq":"CN","end_user_parent_hq":"CN","quantity":1,"unit_price_usd":"10.00","end_user":"Huawen Technologies Co., Ltd."}
JSONL

# check --lists: verdicts, evidence, the possible match as an error
"$TG" check --lists "$LIST" --json "$WORK/log.jsonl" > "$WORK/check.jsonl" 2> "$WORK/check.err"
rc_is $? 2 "check: a possible match makes the run exit 2"
python3 - "$WORK/check.jsonl" "$(sha256sum "$LIST" | cut -c1-64)" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["id"]: r for r in rows}
assert by["S-HUAWEI"]["verdict"] == "LICENSE_REQUIRED" and by["S-HUAWEI"]["review"] == "presumption_of_denial", by["S-HUAWEI"]
s = by["S-HUAWEI"]["screening"]
assert s["lists"][0]["sha256"] == sys.argv[2] and s["lists"][0]["date"] == "2026-11-30", s["lists"]
assert s["effect"]["entry"] == "pub-huawei" and s["effect"]["federal_register_notice"] == "84 FR 22961", s["effect"]
m = s["parties"][0]["matches"][0]
assert m["tokens"] and m["matched"] == "Huawei Technologies Co., Ltd." and "CN" in m["country"], m
assert by["S-AFFILIATE"]["verdict"] == "LICENSE_REQUIRED", by["S-AFFILIATE"]
a = by["S-AFFILIATE"]["screening"]["affiliates"]
assert a["applies"] and a["end_user"]["arithmetic"] == "50 % (Testville Quantum Devices GmbH) = 50 % >= 50 %", a
assert by["S-SOPHGO"]["verdict"] == "LICENSE_REQUIRED", by["S-SOPHGO"]
assert by["S-CLEAN"]["verdict"] == "ALLOWED" and by["S-CLEAN"]["screening"]["effect"] is None
e = by["S-POSSIBLE"]["error"]
assert e["code"] == "tollgate.screen.possible-match" and e["field"] == "end_user" and "resolve it" in e["message"], e
PY
"$TG" check --lists "$LIST" "$WORK/log.jsonl" > "$WORK/check.txt" 2>&1
expect "$WORK/check.txt" 'screening gives LICENSE_REQUIRED, review presumption_of_denial (EL entry pub-huawei)' "text: the effect"
expect "$WORK/check.txt" "end user's listed owners: 50 % (Testville Quantum Devices GmbH) = 50 % >= 50 %" "text: the arithmetic"
expect "$WORK/check.txt" "possible match: end_user 'Huawen Technologies Co., Ltd.'" "text: the possible match"
# A resolution settles the possible match (and is hashed into the decision)
printf 'party,entry,who,when,why\n"Huawen Technologies Co., Ltd.",pub-huawei,A. Officer,2026-11-20,Huawen is a Shenzhen textile firm (registry no. 123)\n' > "$WORK/res.csv"
"$TG" check --lists "$LIST" --resolutions "$WORK/res.csv" --json "$WORK/log.jsonl" > "$WORK/check_res.jsonl" 2>&1
rc_is $? 3 "check with the resolution: no error left, licences needed"
expect "$WORK/check_res.jsonl" '"resolution":{"who":"A. Officer"' "the resolution in the evidence"
expect "$WORK/check_res.jsonl" "\"sha256\":\"$(sha256sum "$WORK/res.csv" | cut -c1-64)\"" "the resolution file's hash"
# A list with a row that cannot be read is refused (the row could be the party)
{ cat "$LIST"; echo 'Entity List (EL) - Bureau of Industry and Security,,,,,,,,,,,,,,,,,,,,,,,,,,,,'; } > "$WORK/bad_list.csv"
"$TG" check --lists "$WORK/bad_list.csv" "$WORK/log.jsonl" > /dev/null 2> "$WORK/bad_list.err"
rc_is $? 2 "a list with an unreadable row"
expect "$WORK/bad_list.err" "does not screen with this file" "the refusal says why"

# audit --lists into a store: the evidence is stored and covered by the chain
grep -v S-POSSIBLE "$WORK/log.jsonl" > "$WORK/audit.jsonl"
"$TG" audit --lists "$LIST" --db "$WORK/a.db" --no-progress "$WORK/audit.jsonl" > "$WORK/audit.txt" 2>&1
rc_is $? 3 "audit --lists"
"$TG" trace verify "$WORK/a.db" > "$WORK/verify.txt" 2>&1
rc_is $? 0 "verify"
"$TG" trace show "$WORK/a.db" S-AFFILIATE > "$WORK/show.txt" 2>&1
expect "$WORK/show.txt" "end user's listed owners: 50 % (Testville Quantum Devices GmbH) = 50 % >= 50 %" "trace show: the arithmetic"
"$TG" trace export "$WORK/a.db" --no-rejects > "$WORK/export.jsonl"
grep -v S-POSSIBLE "$WORK/check.jsonl" | cmp -s - "$WORK/export.jsonl" || { echo "FAIL: the store's JSON differs from check's"; fail=1; }
# The same log again with the same lists: already audited; without lists, or with other lists: a new run
"$TG" audit --lists "$LIST" --db "$WORK/a.db" --no-progress "$WORK/audit.jsonl" > "$WORK/again.txt" 2>&1
expect "$WORK/again.txt" "already audited" "the lists are part of the run key"
"$TG" audit --db "$WORK/a.db" --no-progress "$WORK/audit.jsonl" > "$WORK/nolists.txt" 2>&1
grep -q "already audited" "$WORK/nolists.txt" && { echo "FAIL: an audit without lists taken for the one with"; fail=1; }
# Tamper with the stored evidence: verify names it
cp "$WORK/a.db" "$WORK/t.db"
sqlite3 "$WORK/t.db" "UPDATE texts SET text = replace(text, '50 % >= 50 %', '49 % < 50 %') WHERE text LIKE '%50 \% >= 50 \%%' ESCAPE '\\';"
"$TG" trace verify "$WORK/t.db" > "$WORK/tampered.txt" 2>&1
rc_is $? 5 "verify after the affiliates arithmetic was edited"
cp "$WORK/a.db" "$WORK/t2.db"
sqlite3 "$WORK/t2.db" "UPDATE runs SET options = replace(options, 'csl_sample.csv', 'other.csv');"
"$TG" trace verify "$WORK/t2.db" > "$WORK/tampered2.txt" 2>&1
rc_is $? 5 "verify after the run's list name was edited"

# rescreen: a planted change (Sophgo removed, Musterstadt Robotics added, Huawei's policy text changed) finds
# exactly S-MUSTER (end user now listed) and S-SOPHGO (consignee no longer listed, end user now listed)
python3 - "$LIST" "$WORK/newer.csv" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines(keepends=True)
out = []
for l in lines:
    if l.startswith("pub-sophgo,"):
        continue
    if l.startswith("pub-huawei,"):
        l = l.replace("Presumption of denial.", "Presumption of denial (amended).")
    out.append(l)
header = [l for l in lines if l.startswith("_id,")][0].rstrip("\n").split(",")
row = {h: "" for h in header}
row.update({"_id": "test-muster", "source": "Entity List (EL) - Bureau of Industry and Security",
            "name": "Musterstadt Robotics GmbH", "license_policy": "Presumption of denial.",
            "remarks": "made up for tests"})
out.append(",".join(row[h] for h in header) + "\n")
open(sys.argv[2], "w", encoding="utf-8").write("".join(out))
PY
"$TG" trace rescreen "$WORK/a.db" --lists "$WORK/newer.csv" --old-lists "$LIST" > "$WORK/rescreen.txt" 2>&1
rc_is $? 3 "rescreen finds decisions"
expect "$WORK/rescreen.txt" "list delta: 1 added, 1 removed, 1 changed" "the delta"
expect "$WORK/rescreen.txt" "  ~ pub-huawei (license_policy)" "the changed entry"
"$TG" trace rescreen "$WORK/a.db" --lists "$WORK/newer.csv" --old-lists "$LIST" --json > "$WORK/rescreen.json" 2>&1
python3 - "$WORK/rescreen.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
ids = sorted(h["id"] for h in j["hits"])
assert ids == ["S-MUSTER", "S-SOPHGO"], ids
assert j["delta"]["added"] == ["test-muster"] and j["delta"]["removed"] == ["pub-sophgo"], j["delta"]
assert j["screened"] == 5 and j["decisions"] == 10 and j["not_screened"] == 5, j
PY
"$TG" trace rescreen "$WORK/a.db" --lists "$LIST" > "$WORK/rescreen_same.txt" 2>&1
rc_is $? 0 "rescreen with the same lists finds nothing"
# A list's texts reach the terminal escaped (engine/base printable()): an entry whose name holds an escape sequence
# and a right-to-left override, and whose policy recolours the screen, must not move the cursor or reorder the
# text in `screen`, `check` or `trace rescreen` (the bytes ESC and U+202E never printed; \x1B and \u202E instead).
python3 - "$LIST" "$WORK/evil.csv" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines(keepends=True)
header = [l for l in lines if l.startswith("_id,")][0].rstrip("\n").split(",")
row = {h: "" for h in header}
row.update({"_id": "test-evil", "source": "Entity List (EL) - Bureau of Industry and Security",
            "name": "Evil\x1b[2J Robotics \u202eLtd", "license_policy": "Presumption of denial.\x1b[31m",
            "alt_names": "Evil Robotix\u202e Ltd", "remarks": "made up for tests"})
out = [l for l in lines if l.startswith("#") or l.startswith("_id,")]
out.append(",".join(row[h] for h in header) + "\n")
open(sys.argv[2], "w", encoding="utf-8").write("".join(out))
PY
raw_free() {  # raw_free FILE WHY: no ESC byte and no U+202E in FILE, and the escaped forms present
  python3 - "$1" "$2" <<'PY' || fail=1
import sys
b = open(sys.argv[1], "rb").read()
assert b"\x1b" not in b and "\u202e".encode() not in b, (sys.argv[2], b[:400])
assert b"\\x1B" in b and b"\\u202E" in b, (sys.argv[2], "escaped forms missing", b[:400])
PY
}
"$TG" screen "Evil Robotics Ltd" --lists "$WORK/evil.csv" > "$WORK/evil_screen.txt" 2>&1
rc_is $? 7 "screen: the look-alike is a possible match"
raw_free "$WORK/evil_screen.txt" "screen's text"
printf '%s\n' '{"type":"shipment","id":"S-EVIL","date":"2026-11-15",'"$CHIP"',"end_user":"Evil Robotics Ltd"}' \
  > "$WORK/evil.jsonl"
"$TG" check --lists "$WORK/evil.csv" "$WORK/evil.jsonl" > "$WORK/evil_check.txt" 2>&1
rc_is $? 2 "check: the possible match is an error"
raw_free "$WORK/evil_check.txt" "check's text"
"$TG" trace rescreen "$WORK/a.db" --lists "$WORK/evil.csv" --old-lists "$LIST" > "$WORK/evil_rescreen.txt" 2>&1
grep -q "test-evil" "$WORK/evil_rescreen.txt" || { echo "FAIL: rescreen does not list the added entry"; fail=1; }
python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); assert b"\x1b" not in b and "\u202e".encode() not in b' \
  "$WORK/evil_rescreen.txt" || { echo "FAIL: rescreen printed raw control bytes"; fail=1; }
# diff --lists: the log's shipments screened on both sides. The affiliates rule is suspended until 2026-11-09 and
# back from 2026-11-10 (FR Doc 2025-19001; encoding.md r2 §7): across those two days only S-AFFILIATE (owned 50 % by
# a listed party) flips; S-POSSIBLE is judged by neither side (an unresolved possible match), and said why.
"$TG" diff --as-of 2026-11-09 --vs 2026-11-10 --log "$WORK/log.jsonl" --lists "$LIST" --json > "$WORK/diff_aff.json" \
  2> "$WORK/diff_aff.err"
rc_is $? 0 "diff --lists"
python3 - "$WORK/diff_aff.json" "$(sha256sum "$LIST" | cut -c1-64)" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
for side in ("old", "new"):
    assert j[side]["screening"]["lists"][0]["sha256"] == sys.argv[2], j[side]
    assert "screening against csl_sample.csv" in j[side]["label"], j[side]["label"]
log = j["log"]
assert log["flipped"] == 1 and log["by_transition"] == {"ALLOWED -> LICENSE_REQUIRED (presumption_of_denial)": 1}, log
assert len(log["examples"]) == 1 and "S-AFFILIATE" in log["examples"][0], log["examples"]
assert "new: EL entry test-quantum" in log["examples"][0] and "affiliates rule" in log["examples"][0], log["examples"]
assert log["not_compared_by_reason"] == {"unreadable": 0, "not_shipment": 0, "judged_by_neither": 1}, log
assert log["not_compared"] == 1 and "S-POSSIBLE" in log["problems"][0] and "possible match" in log["problems"][0], log
PY
# --new-lists: what screening adds to the same rules and day. Listed parties flip (the end user, a consignee, an
# affiliate); the possible match becomes "cannot be judged" (never ALLOWED); clean parties do not flip.
"$TG" diff --as-of 2026-11-30 --log "$WORK/log.jsonl" --new-lists "$LIST" --json > "$WORK/diff_new.json" 2>&1
rc_is $? 0 "diff --new-lists"
python3 - "$WORK/diff_new.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
assert j["old"]["screening"] is None and j["new"]["screening"]["lists"][0]["name"] == "csl_sample.csv", j["old"]
log = j["log"]
flipped = sorted(e.split()[2] for e in log["examples"])  # "log.jsonl:3 id S-SOPHGO (…)"
assert flipped == ["S-AFFILIATE", "S-HUAWEI", "S-POSSIBLE", "S-SOPHGO"], flipped
assert log["by_transition"]["ALLOWED -> cannot be judged"] == 1, log["by_transition"]
sophgo = [e for e in log["examples"] if "S-SOPHGO" in e][0]
assert "new: EL entry" in sophgo and "Sophgo" in sophgo, sophgo
assert log["not_compared"] == 0 and log["judged_by_one_side"] == 1, log
assert log["records"] == log["judged_by_both"] + log["judged_by_one_side"] + log["not_compared"], log
PY
# The same with the resolution: the possible match is settled on the new side, and nothing is left uncompared.
"$TG" diff --as-of 2026-11-30 --log "$WORK/log.jsonl" --new-lists "$LIST" --resolutions "$WORK/res.csv" --json \
  > "$WORK/diff_res.json" 2>&1
rc_is $? 0 "diff --new-lists --resolutions"
python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["log"]; assert l["flipped"] == 3 and "ALLOWED -> cannot be judged" not in l["by_transition"], l' \
  "$WORK/diff_res.json" || fail=1
# Refused: lists without a log (the regions carry no parties), --lists with --new-lists, --resolutions alone.
"$TG" diff --as-of 2026-11-30 --lists "$LIST" > /dev/null 2> "$WORK/diff_nolog.err"
rc_is $? 2 "diff --lists without --log"
expect "$WORK/diff_nolog.err" "give --log" "diff --lists without --log: why"
"$TG" diff --as-of 2026-11-30 --log "$WORK/log.jsonl" --lists "$LIST" --new-lists "$LIST" > /dev/null 2>&1
rc_is $? 2 "diff --lists with --new-lists"
"$TG" diff --as-of 2026-11-30 --log "$WORK/log.jsonl" --resolutions "$WORK/res.csv" > /dev/null 2>&1
rc_is $? 2 "diff --resolutions without lists"
"$TG" diff --as-of 2026-11-30 --log "$WORK/log.jsonl" --new-lists "$WORK/bad_list.csv" > /dev/null 2>&1
rc_is $? 2 "diff with a list holding an unreadable row"
# A list with no entry (a header only: a truncated export) is refused by every command that screens (found by a
# new user: it passed every party, and against an older list read as every entry delisted).
head -2 "$LIST" > "$WORK/header_only_list.csv"
"$TG" screen "Huawei" --lists "$WORK/header_only_list.csv" > /dev/null 2> "$WORK/hol.err"
rc_is $? 2 "screen with a header-only list"
expect "$WORK/hol.err" "holds no entries" "screen with a header-only list: why"
"$TG" check --lists "$WORK/header_only_list.csv" "$WORK/log.jsonl" > /dev/null 2>&1
rc_is $? 2 "check with a header-only list"
"$TG" diff --as-of 2026-11-30 --log "$WORK/log.jsonl" --new-lists "$WORK/header_only_list.csv" > /dev/null 2>&1
rc_is $? 2 "diff with a header-only list"
# An affiliate of a denied person (60 % owned by a DPL entry): PROHIBITED, with a note that this is the strict
# reading (FR Doc 2025-19001 names the Entity List and the MEU list; encoding.md r2 §7 says "listed parties").
printf '%s\n' "{\"type\":\"shipment\",\"id\":\"S-DPL-AFF\",\"date\":\"2026-11-15\",$CHIP,\"end_user\":\"Nordstadt Tools GmbH\",\"end_user_owners\":[{\"name\":\"Example Denied Exporter LLC\",\"percent\":60,\"country\":\"US\"}]}" \
  > "$WORK/dpl_aff.jsonl"
"$TG" check --lists "$LIST" --json "$WORK/dpl_aff.jsonl" > "$WORK/dpl_aff.json" 2>&1
rc_is $? 4 "an affiliate of a denied person is prohibited (exit 4)"
expect "$WORK/dpl_aff.json" '"verdict":"PROHIBITED"' "the affiliate of a denied person: PROHIBITED"
expect "$WORK/dpl_aff.json" '"takes_note":"FR Doc 2025-19001 extends the Entity List and Military End-User List' \
  "the strict reading said in a note"
# The short text's log lines add up: the kinds of change it does not show are counted (found by a new user).
"$TG" generate --rows 2000 --seed 3 --parties -o "$WORK/gen_parties.csv" 2> /dev/null
"$TG" diff --as-of 2026-11-09 --vs 2026-11-10 --log "$WORK/gen_parties.csv" --lists "$LIST" > "$WORK/diff_short.txt" 2>&1
python3 - "$WORK/diff_short.txt" <<'PY' || fail=1
import re, sys
text = open(sys.argv[1]).read()
flipped = int(re.search(r"Log: [\d,]+ records, ([\d,]+) judged differently", text).group(1).replace(",", ""))
block = text.split("judged differently", 1)[1].split("by destination")[0]
shown = sum(int(n.replace(",", "")) for n in re.findall(r"^  ([\d,]+)  ", block, re.M))
more = re.search(r"\.\.\. ([\d,]+) more in \d+ other kinds? of change", block)
assert flipped > 0 and shown + (int(more.group(1).replace(",", "")) if more else 0) == flipped, (flipped, shown, block)
assert more, "this log has more than three kinds of change: the rest must be counted"
PY
# An audit reads each row ahead of its judging and fetches its parties' cached screening while the row before is
# judged (engine/audit, PartyScreen::Ahead): a hint only. What it stores must be byte for byte what `check` (no
# hints) writes for the same log, with one worker or two, and with rows that cannot be read between the parties.
awk 'NR == 50 || NR == 51 {print "shipment,BAD-" NR ",not-a-date,H20,CN,Bad Row Ltd,CN,1,1.00,US"} {print}' \
  "$WORK/gen_parties.csv" > "$WORK/gen_bad.csv"
"$TG" check --json --lists "$LIST" "$WORK/gen_bad.csv" > "$WORK/gen_check.jsonl" 2> /dev/null
for jobs in 1 2; do
  rm -f "$WORK/gen_$jobs.db"
  "$TG" audit "$WORK/gen_bad.csv" --db "$WORK/gen_$jobs.db" --jobs $jobs --no-progress --lists "$LIST" > /dev/null 2>&1
  "$TG" trace export "$WORK/gen_$jobs.db" > "$WORK/gen_export_$jobs.jsonl"
  cmp -s "$WORK/gen_export_$jobs.jsonl" "$WORK/gen_check.jsonl" ||
    { echo "FAIL (audit --jobs $jobs --lists stores what check writes)"; fail=1; }
done
[ "$(grep -c '"BAD-5[01]"' "$WORK/gen_export_2.jsonl")" = 2 ] || { echo "FAIL (the unreadable rows are kept)"; fail=1; }
[ "$(grep -c '"screening"' "$WORK/gen_export_2.jsonl")" -gt 1000 ] || { echo "FAIL (the parties were screened)"; fail=1; }
[ $fail = 0 ] && echo "cli_screening: all passed"
exit $fail
