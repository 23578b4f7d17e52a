#!/usr/bin/env bash
# The README's first command: set up, build, and run tollgate's main job on the bundled rules and fixtures:
# lint the rules, classify a chip, check the bundled sample orders (one of which is deliberately bad), and audit
# the bundled sample log into a trace store, with a report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
tg=build/cli/tollgate
echo
echo "== tollgate lint rules/   (the bundled rulesets, checked)"
$tg lint rules/
echo
echo "== tollgate classify \"H20\" --as-of 2025-09-01"
$tg classify "H20" --as-of 2025-09-01
echo
echo "== tollgate check fixtures/orders/sample_orders.jsonl"
set +e
$tg check fixtures/orders/sample_orders.jsonl
rc=$?
set -e
case $rc in
  0) echo "exit 0: every order is allowed (or needs only a NAC notification)";;
  2) echo "exit 2: some record could not be judged (its error is shown above; the others were judged)";;
  3) echo "exit 3: some order needs a licence";;
  4) echo "exit 4: some order is prohibited";;
  *) echo "exit $rc: internal error"; exit "$rc";;
esac
echo
echo "== tollgate audit fixtures/orders/sample_log.csv --db build/demo-trace.db --report build/demo-audit.html"
rm -f build/demo-trace.db build/demo-trace.db-wal build/demo-trace.db-shm
set +e
$tg audit fixtures/orders/sample_log.csv --db build/demo-trace.db --report build/demo-audit.html --list 5
rc=$?
set -e
[ "$rc" -eq 1 ] && exit 1
echo "(exit $rc: 0 all allowed, 3 licences needed, 4 something prohibited, 2 some rows could not be judged)"
echo
echo "== tollgate trace verify build/demo-trace.db"
$tg trace verify build/demo-trace.db
echo
echo "The report: $(pwd)/build/demo-audit.html (also .md or .json by extension). The trace store:"
echo "$(pwd)/build/demo-trace.db (SQLite; docs/trace.md). Next: tollgate trace show build/demo-trace.db ID,"
echo "tollgate check --json ..., tollgate check --include-proposed ..., tollgate --help"
