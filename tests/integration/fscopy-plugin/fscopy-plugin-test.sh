#!/usr/bin/env bash
# The lifeboat.io/fs-copy VolumeCopier plugin through the conformance kit, its repository in
# a lifeboat.io/file storage location, then judged by Debian's restic 0.14:
#   restic -r <file store dir>/<bucket>/restic/<ns> check --read-data
# usage: fscopy-plugin-test.sh LIFEBOAT_BINARY PLUGIN_DIR
set -uo pipefail
LB=${1:?lifeboat binary}
PLUGINS=${2:?plugin dir}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$HERE/../../..
W=$(mktemp -d /tmp/fscopy-plugin-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$ROOT/tests/servers/install-restic.sh" || fail "restic 0.14 is needed (tests/servers/install-restic.sh)"
mkdir -p "$W/store"
export LIFEBOAT_PLUGIN_DIRS=$PLUGINS
"$LB" plugin test lifeboat.io/fs-copy --kind volume-copier --config password=plugin-test-pw \
  --location-plugin lifeboat.io/file --location-config root="$W/store" \
  --location-config createBucket=true --bucket vols --repository restic/itest >"$W/tap" 2>"$W/err"
rc=$?
cat "$W/tap"
[ $rc = 0 ] || { cat "$W/err" >&2; fail "the kit failed (exit $rc)"; }
grep -q '^# PASS' "$W/tap" || fail "no '# PASS' line in the kit's TAP"
REPO=$W/store/vols/restic/itest
[ -f "$REPO/config" ] || fail "no repository config at $REPO (the plugin did not write through the location)"
RESTIC_PASSWORD=plugin-test-pw restic -r "$REPO" --no-cache check --read-data >"$W/check" 2>&1 ||
  { cat "$W/check" >&2; fail "restic check --read-data of $REPO failed"; }
n=$(RESTIC_PASSWORD=plugin-test-pw restic -r "$REPO" --no-cache snapshots --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 2 ] || fail "restic sees $n snapshots in $REPO, want 2 (backup + incremental)"
echo "ok: restic check --read-data of $REPO passed, $n snapshots"
