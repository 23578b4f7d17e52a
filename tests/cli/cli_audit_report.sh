#!/usr/bin/env bash
# tollgate tests — what an audit shows: the reports in each format agree with the store, the HTML page is
# self-contained, `trace show` prints a decision exactly as `check` does, `--no-store` gives the same tallies, and
# the exit code follows docs/cli.md, "Exit codes". Usage: cli_audit_report.sh TOLLGATE SOURCE_DIR WORKDIR
source "$(dirname "$0")/lib.sh" "$@"
LOG=$SRC/fixtures/orders/sample_log.csv

"$TG" audit "$LOG" --db t.db --report r.json --no-progress > summary.txt
rc=$?
[ "$rc" -eq 2 ] || die "the sample log has rows that cannot be judged: exit 2 expected, got $rc"
"$TG" audit "$LOG" --db t.db --report r.html --no-progress > /dev/null
"$TG" audit "$LOG" --db t.db --report r.md --no-progress > /dev/null
"$TG" audit "$LOG" --no-store --report n.json --no-progress > /dev/null
"$TG" trace export t.db > all.jsonl

python3 - <<'PY' || fail=1
import json
r = json.load(open("r.json"))
n = json.load(open("n.json"))
rows = [json.loads(l) for l in open("all.jsonl")]
decisions = [x for x in rows if "error" not in x]
errors = [x for x in rows if "error" in x]
assert r["schema"] == "tollgate.audit-report/1"
assert r["records"] == len(rows) == 2000, (r["records"], len(rows))
assert r["decisions"] == len(decisions) and r["rejects"] == len(errors)
t = r["total"]
for v in ("ALLOWED", "NOTIFY", "LICENSE_REQUIRED", "PROHIBITED"):
    assert t[v] == sum(1 for d in decisions if d["verdict"] == v), v
assert t["fee_cents"] == sum(d["fee_total_cents"] for d in decisions)
assert sum(x["records"] for x in r["by_destination"].values()) == 2000
assert sum(x["fee_cents"] for x in r["by_month"].values()) == t["fee_cents"]
# Notes (issue 14): by note rule, how many decisions carry it, by verdict; the same with and without a store.
from collections import Counter
carry = Counter(n["rule"] for d in decisions for n in d.get("notes", []))
assert carry, "the sample log has decisions with notes"
assert {k: v["records"] for k, v in r["by_note"].items()} == dict(carry), (r["by_note"], carry)
for k, v in r["by_note"].items():
    assert v["LICENSE_REQUIRED"] == sum(1 for d in decisions if d["verdict"] == "LICENSE_REQUIRED"
                                        and any(n["rule"] == k for n in d.get("notes", []))), k
assert n["by_note"] == r["by_note"]
flagged = [d for d in decisions if d["verdict"] in ("LICENSE_REQUIRED", "PROHIBITED")]
assert [f["id"] for f in r["flagged"]] == [d["id"] for d in flagged][:1000]
# the deciding rule is named alike from the store (its fired array) and without one (the decision), and it fired
assert [(f["deciding_rule"], f["citation"]) for f in r["flagged"]] == [(f["deciding_rule"], f["citation"]) for f in n["flagged"]]
by_id = {d["id"]: d for d in flagged}
for f in r["flagged"]:
    assert f["deciding_rule"] in [x["rule"] for x in by_id[f["id"]]["fired"]], f
# without a store: the same tallies
for k in ("total", "by_classification", "by_destination", "by_month", "by_chip"):
    assert r[k] == n[k], k
PY

grep -q "<svg" r.html || die "no chart in the HTML report"
[ "$(grep -o "<svg" r.html | wc -l)" -eq 2 ] || die "the HTML report should have two charts"
if grep -Eq '(src|href)="(https?:)?//' r.html; then die "the HTML report loads something from the network"; fi
grep -q "^| destination | records |" r.md || die "no destination table in the Markdown report"
grep -q "LICENSE_REQUIRED" summary.txt || die "the summary does not list flagged records"
grep -q "^  note (decisions carrying it)" summary.txt || die "the summary has no notes table"
grep -q "^| note | records |" r.md || die "no notes table in the Markdown report"
grep -q "<h2>By note</h2>\|By note" r.html || die "no notes table in the HTML report"

# trace show prints a decision as check does (after its "# row" line)
id=$(python3 -c "import json; print(next(json.loads(l)['id'] for l in open('all.jsonl') if 'fired' in l and json.loads(l).get('fired')))")
line=$(grep -n "^[^,]*,$id," "$LOG" | head -1 | cut -d: -f1)
{ head -1 "$LOG"; sed -n "${line}p" "$LOG"; } > one.csv
# less the two summary lines, and the "why not" block: computed by check from the rules, not stored (docs/records.md)
"$TG" check one.csv | head -n -2 | sed '$d' | awk '/^  why not/{skip=1} /^  rules in force/{skip=0} !skip' > check.txt
"$TG" trace show t.db "$id" | tail -n +2 > show.txt
diff -q check.txt show.txt > /dev/null || { die "trace show differs from check for $id"; diff check.txt show.txt | head; }

[ "$fail" -eq 0 ] && echo "audit report tests: all passed"
exit "$fail"
