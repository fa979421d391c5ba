#!/bin/sh
# run-kit.sh LIFEBOAT MODE [TEST_PLUGIN_DIR]
# Runs `lifeboat plugin test` the way a vendor's CI does and checks its verdict:
#   file   the first-party lifeboat.io/file store passes the object-store suite (exit 0)
#   hang   a fixture that hangs in a call fails at the call deadline, exit non-zero
#   crash  a fixture that crashes mid-call is reported as a crash, exit non-zero
set -u
lifeboat=$1
mode=$2
fixtures=${3:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/lb-kit-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/root"
out=$work/tap

fail() {
	echo "run-kit.sh ($mode): $*" >&2
	echo "---- TAP output ----" >&2
	cat "$out" >&2 2>/dev/null
	exit 1
}

# A fixture by the words in its file name (the plugin-host fixtures' names may vary a bit).
fixture() {
	for f in "$fixtures"/*.so; do
		case $(basename "$f") in
		*$1*$2*) echo "$f"; return 0 ;;
		esac
	done
	return 1
}

case $mode in
file)
	"$lifeboat" plugin test lifeboat.io/file --kind object-store --config root="$work/root" \
		--large-mib 64 --call-timeout-ms 120000 >"$out" 2>"$work/err"
	rc=$?
	[ $rc -eq 0 ] || fail "expected exit 0, got $rc; stderr: $(cat "$work/err")"
	grep -q '^TAP version 13$' "$out" || fail "no TAP header"
	grep -q '^1\.\.[0-9]' "$out" || fail "no plan"
	! grep -q '^not ok' "$out" || fail "a test failed"
	grep -q '^# PASS' "$out" || fail "no PASS summary"
	# Everything the kit wrote was cleaned up.
	left=$(find "$work/root" -type f | wc -l)
	[ "$left" -eq 0 ] || fail "$left files left under the store root"
	;;
hang)
	so=$(fixture hang call) || { echo "no hang-in-call fixture in $fixtures" >&2; exit 1; }
	"$lifeboat" plugin test "$so" --kind object-store --config root="$work/root" \
		--call-timeout-ms 500 --large-mib 1 >"$out" 2>"$work/err"
	rc=$?
	[ $rc -ne 0 ] || fail "expected a non-zero exit against $so"
	grep -q '^not ok' "$out" || fail "no failing test"
	grep -q 'did not return within its deadline' "$out" || fail "no deadline diagnostic"
	grep -q '^# FAIL' "$out" || fail "no FAIL summary"
	;;
crash)
	so=$(fixture crash "") || { echo "no crash fixture in $fixtures" >&2; exit 1; }
	"$lifeboat" plugin test "$so" --kind object-store --config root="$work/root" \
		--call-timeout-ms 5000 --large-mib 1 >"$out" 2>"$work/err"
	rc=$?
	[ $rc -ne 0 ] || fail "expected a non-zero exit against $so"
	grep -q 'the plugin crashed during the call' "$out" || fail "no crash diagnostic"
	grep -q '^# FAIL' "$out" || fail "no FAIL summary"
	;;
*)
	echo "usage: run-kit.sh LIFEBOAT file|hang|crash [TEST_PLUGIN_DIR]" >&2
	exit 2
	;;
esac
echo "run-kit.sh ($mode): ok"
