# tollgate tests — the shared preamble of the CLI checks that run tollgate and judge its exit code and output.
# Sourced as: source "$(dirname "$0")/lib.sh" "$@"   with arguments TOLLGATE SOURCE_DIR WORKDIR.
# Sets TG, SRC, WORK (emptied, and the current directory) and fail=0; defines die, run and expect_rc.
set -u
TG=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1
fail=0
die() { echo "FAIL: $*"; fail=1; }
# Runs tollgate with ARGS; sets rc, out (stdout) and err (stderr).
run() { "$TG" "$@" > out.txt 2> err.txt; rc=$?; out=$(cat out.txt); err=$(cat err.txt); }
expect_rc() { [ "$rc" -eq "$1" ] || die "$2: exit $1 expected, got $rc (stdout: ${out:0:400}; stderr: ${err:0:400})"; }
