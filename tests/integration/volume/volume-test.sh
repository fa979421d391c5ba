#!/usr/bin/env bash
# Volume data end to end against the Kubernetes simulator and the sample app.
# usage: volume-test.sh LIFEBOAT_BINARY CASE
#   fscopy     mounted PVC: fs-copy backup, delete namespace, restore, files identical
#   unmounted  a PVC no pod mounts: copied and restored
#   csi        CSI snapshot backup, restore through spec.dataSource (namespace mapped)
#   both       fs-copy + CSI in one backup; both records present; each restores
#   broken     one volume dir missing: PartiallyFailed naming the PVC, the other copied
#   restic     restic 0.14 checks the repository written under the file store's directory
set -uo pipefail
LB=${1:?lifeboat binary}
CASE=${2:?case}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$HERE/../../..
W=$(mktemp -d /tmp/volume-test.XXXXXX)
SIM_PID=
cleanup() {
  [ -n "$SIM_PID" ] && "$ROOT/tests/servers/k8s-sim-down.sh" "$SIM_PID" "$W/sim" >/dev/null 2>&1
  rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

UP=$("$ROOT/tests/servers/k8s-sim-up.sh" --dir "$W/sim") || fail "simulator did not start"
eval "$UP"
SIM_PID=$K8S_SIM_PID
KC=$K8S_SIM_KUBECONFIG
export LIFEBOAT_DATA_DIR=$W/data LIFEBOAT_REPO_PASSWORD=volume-test-pw
export LIFEBOAT_KUBELET_DIR=$K8S_SIM_KUBELET_DIR
STORE=$W/data/storage/backups
lb() { "$LB" --kubeconfig "$KC" "$@"; }
# kapi METHOD PATH [JSON]: the simulator's API over plain HTTP; prints the answer
kapi() {
  /usr/bin/python3 - "$K8S_SIM_HTTP_URL" "$@" <<'PY'
import json, sys, urllib.request
url, method, path = sys.argv[1], sys.argv[2], sys.argv[3]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(url + path, data=body, method=method,
                             headers={"Content-Type": "application/json"})
try:
    print(urllib.request.urlopen(req).read().decode())
except urllib.error.HTTPError as e:
    print(e.read().decode(), file=sys.stderr)
    sys.exit(1)
PY
}
jget() { /usr/bin/python3 -c 'import json,sys; o=json.load(sys.stdin)
for k in sys.argv[1].split("."): o=o.get(k, {}) if isinstance(o, dict) else {}
print(o if not isinstance(o, dict) else "")' "$1"; }
# the directory of PVC ns/name (the PV's sim.lifeboat.io/path)
voldir() {
  local pv
  pv=$(kapi GET "/api/v1/namespaces/$1/persistentvolumeclaims/$2" | jget spec.volumeName)
  [ -n "$pv" ] || return 1
  kapi GET "/api/v1/persistentvolumes/$pv" | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)["metadata"]["annotations"]["sim.lifeboat.io/path"])'
}
# manifest: path, type, mode, size, sha256, link target, mtime of files
manifest() {
  (cd "$1" && find . -mindepth 1 -printf '%P\0' | sort -z | while IFS= read -r -d '' p; do
    if [ -L "$p" ]; then printf 'L %q %s\n' "$p" "$(readlink "$p")"
    elif [ -d "$p" ]; then printf 'D %q %s\n' "$p" "$(stat -c '%a %u %g' "$p")"
    elif [ -f "$p" ]; then printf 'F %q %s %s\n' "$p" "$(stat -c '%a %u %g %s %Y' "$p")" "$(sha256sum <"$p" | cut -c1-64)"
    else printf 'O %q %s\n' "$p" "$(stat -c '%F %a' "$p")"; fi
  done) | sha256sum | cut -c1-64
}
delete_ns() {
  kapi DELETE "/api/v1/namespaces/$1" >/dev/null || fail "delete namespace $1"
}
phase_of() { jget status.phase <"$STORE/backups/$1/velero-backup.json"; }
restore_phase() { jget status.phase <"$STORE/restores/$1/velero-restore.json"; }
side() { zcat "$STORE/backups/$1/$1-$2.json.gz"; }
wait_bound() {
  local i=0
  until [ "$(kapi GET "/api/v1/namespaces/$1/persistentvolumeclaims/$2" | jget status.phase)" = Bound ]; do
    i=$((i + 1)); [ $i -gt 300 ] && fail "PVC $1/$2 never bound"; sleep 0.1
  done
}
# an unmounted PVC ns/name with a few files (mode 0600 file, a subdir, a symlink)
make_loose() {
  kapi POST /api/v1/namespaces "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$1\"}}" >/dev/null 2>&1 || true
  kapi POST "/api/v1/namespaces/$1/persistentvolumeclaims" "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"$2\"},\"spec\":{\"storageClassName\":\"lifeboat-csi\",\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}" >/dev/null || fail "create PVC $1/$2"
  wait_bound "$1" "$2"
  local d; d=$(voldir "$1" "$2") || fail "no dir for $1/$2"
  mkdir -p "$d/sub/deeper"
  head -c 200000 /dev/urandom >"$d/sub/deeper/random.bin"
  printf 'loose %s\n' "$2" >"$d/note.txt"
  chmod 0600 "$d/note.txt"
  ln -s note.txt "$d/link"
  touch -d '2021-03-04 05:06:07' "$d/note.txt"
}

"$ROOT/tests/k8s-sim/load-sample-app.sh" "$KC" >"$W/load.out" 2>"$W/load.err" ||
  { cat "$W/load.err" >&2; fail "load the sample app"; }
DEMO=$(voldir demo demo-data) || fail "sample app volume"
M_DEMO=$(manifest "$DEMO")

case "$CASE" in
fscopy)
  lb backup create b1 --include-namespaces demo --volume-data fs-copy >"$W/b1.out" 2>&1 || { cat "$W/b1.out"; fail "backup"; }
  [ "$(phase_of b1)" = Completed ] || fail "backup phase $(phase_of b1)"
  side b1 podvolumebackups | grep -q '"snapshotID"' || fail "no PodVolumeBackup with a snapshotID"
  side b1 podvolumebackups | grep -q '"phase":"Completed"' || fail "PodVolumeBackup not Completed"
  [ ! -e "$STORE/backups/b1/b1-csi-volumesnapshots.json.gz" ] || fail "CSI records with --volume-data fs-copy"
  delete_ns demo
  lb restore create r1 --from-backup b1 >"$W/r1.out" 2>&1 || { cat "$W/r1.out"; fail "restore"; }
  [ "$(restore_phase r1)" = Completed ] || { cat "$W/r1.out"; fail "restore phase $(restore_phase r1)"; }
  NEW=$(voldir demo demo-data) || fail "restored PVC has no volume"
  [ "$NEW" != "$DEMO" ] || fail "the volume was not provisioned again"
  [ "$(manifest "$NEW")" = "$M_DEMO" ] || fail "restored files differ"
  ;;
unmounted)
  make_loose loose data1
  D=$(voldir loose data1); M=$(manifest "$D")
  lb backup create b1 --include-namespaces loose >"$W/b1.out" 2>&1 || { cat "$W/b1.out"; fail "backup"; }
  [ "$(phase_of b1)" = Completed ] || { cat "$W/b1.out"; fail "backup phase $(phase_of b1)"; }
  side b1 podvolumebackups | grep -q '"pvc":"data1"' || fail "no PodVolumeBackup for the unmounted PVC"
  delete_ns loose
  [ ! -d "$D" ] || fail "the volume dir survived the namespace"
  lb restore create r1 --from-backup b1 >"$W/r1.out" 2>&1 || { cat "$W/r1.out"; fail "restore"; }
  [ "$(restore_phase r1)" = Completed ] || { cat "$W/r1.out"; fail "restore phase"; }
  NEW=$(voldir loose data1) || fail "restored PVC has no volume"
  [ "$(manifest "$NEW")" = "$M" ] || fail "restored files of the unmounted PVC differ"
  ;;
csi)
  lb backup create b1 --include-namespaces demo --volume-data csi >"$W/b1.out" 2>&1 || { cat "$W/b1.out"; fail "backup"; }
  [ "$(phase_of b1)" = Completed ] || { cat "$W/b1.out"; fail "backup phase"; }
  side b1 csi-volumesnapshots | grep -q '"readyToUse":true' || fail "no ready VolumeSnapshot recorded"
  side b1 csi-volumesnapshotcontents | grep -q '"deletionPolicy":"Retain"' || fail "content not Retain"
  [ ! -e "$STORE/backups/b1/b1-podvolumebackups.json.gz" ] || fail "fs-copy ran with --volume-data csi"
  [ -z "$(kapi GET /apis/snapshot.storage.k8s.io/v1/namespaces/demo/volumesnapshots | grep '"name": *"velero-')" ] || fail "VolumeSnapshot left in the namespace"
  delete_ns demo
  lb restore create r1 --from-backup b1 --namespace-mappings demo:demo-copy >"$W/r1.out" 2>&1 || { cat "$W/r1.out"; fail "restore"; }
  [ "$(restore_phase r1)" = Completed ] || { cat "$W/r1.out"; fail "restore phase"; }
  kapi GET /api/v1/namespaces/demo-copy/persistentvolumeclaims/demo-data | grep -q '"kind": *"VolumeSnapshot"' || fail "PVC has no VolumeSnapshot dataSource"
  NEW=$(voldir demo-copy demo-data) || fail "restored PVC has no volume"
  [ "$(manifest "$NEW")" = "$M_DEMO" ] || fail "files restored from the CSI snapshot differ"
  # backup delete deletes the retained CSI snapshot (its content comes back with Delete)
  H=$(side b1 csi-volumesnapshotcontents | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["status"]["snapshotHandle"])')
  [ -n "$H" ] && [ -d "$K8S_SIM_STORAGE/snapshots/$H" ] || fail "no snapshot $H on the driver before the delete"
  lb backup delete b1 >"$W/d1.out" 2>&1 || { cat "$W/d1.out"; fail "backup delete"; }
  grep -q "1 CSI snapshots deleted" "$W/d1.out" || { cat "$W/d1.out"; fail "backup delete did not report the CSI snapshot"; }
  [ ! -e "$K8S_SIM_STORAGE/snapshots/$H" ] || fail "backup delete left the CSI snapshot $H on the driver"
  [ ! -e "$STORE/backups/b1" ] || fail "backup delete left backups/b1"
  ;;
both)
  make_loose loose data1
  M_LOOSE=$(manifest "$(voldir loose data1)")
  lb backup create b1 --include-namespaces demo,loose --volume-data both >"$W/b1.out" 2>&1 || { cat "$W/b1.out"; fail "backup"; }
  [ "$(phase_of b1)" = Completed ] || { cat "$W/b1.out"; fail "backup phase"; }
  [ "$(side b1 podvolumebackups | grep -o '"snapshotID"' | wc -l)" = 2 ] || fail "want 2 fs-copy snapshots"
  [ "$(side b1 csi-volumesnapshots | grep -o '"readyToUse":true' | wc -l)" = 2 ] || fail "want 2 CSI snapshots"
  delete_ns demo; delete_ns loose
  # CSI first: the restore uses the snapshots (dataSource)
  lb restore create r1 --from-backup b1 --namespace-mappings demo:demo-a,loose:loose-a >"$W/r1.out" 2>&1 || { cat "$W/r1.out"; fail "restore"; }
  [ "$(restore_phase r1)" = Completed ] || { cat "$W/r1.out"; fail "restore r1 phase"; }
  [ "$(manifest "$(voldir demo-a demo-data)")" = "$M_DEMO" ] || fail "demo-a differs"
  [ "$(manifest "$(voldir loose-a data1)")" = "$M_LOOSE" ] || fail "loose-a differs"
  # the off-site copy alone: the snapshots are gone (another cluster)
  rm -rf "$K8S_SIM_STORAGE"/snapshots/*
  lb restore create r2 --from-backup b1 --namespace-mappings demo:demo-b,loose:loose-b --csi-snapshot-timeout 3s >"$W/r2.out" 2>&1
  [ "$(restore_phase r2)" != Failed ] || { cat "$W/r2.out"; fail "restore r2 failed"; }
  zcat "$STORE/restores/r2/restore-r2-results.gz" | grep -q "restoring the fs-copy snapshot instead" || { zcat "$STORE/restores/r2/restore-r2-results.gz"; fail "no fallback warning"; }
  [ "$(manifest "$(voldir demo-b demo-data)")" = "$M_DEMO" ] || fail "demo-b (fs-copy) differs"
  [ "$(manifest "$(voldir loose-b data1)")" = "$M_LOOSE" ] || fail "loose-b (fs-copy) differs"
  ;;
broken)
  make_loose loose good
  make_loose loose bad
  M_GOOD=$(manifest "$(voldir loose good)")
  rm -rf "$(voldir loose bad)"
  lb backup create b1 --include-namespaces loose >"$W/b1.out" 2>&1
  [ "$(phase_of b1)" = PartiallyFailed ] || { cat "$W/b1.out"; fail "backup phase $(phase_of b1), want PartiallyFailed"; }
  zcat "$STORE/backups/b1/b1-results.gz" | grep -q 'PVC loose/bad (fs-copy): cannot find the data' || { zcat "$STORE/backups/b1/b1-results.gz"; fail "no result entry naming loose/bad"; }
  side b1 podvolumebackups | grep -q '"phase":"Failed"' || fail "no Failed PodVolumeBackup"
  side b1 podvolumebackups | grep -q '"pvc":"good"' || fail "the good PVC was not copied"
  delete_ns loose
  lb restore create r1 --from-backup b1 >"$W/r1.out" 2>&1
  [ "$(manifest "$(voldir loose good)")" = "$M_GOOD" ] || fail "good PVC not restored"
  # without the lifeboat.io/fs-copy plugin: an error per PVC naming it, the rest backed up
  mkdir -p "$W/plugins"
  for so in "$(dirname "$LB")"/../lib/lifeboat/plugins/*.so; do
    [ "$(basename "$so")" = fs-copy.so ] || ln -s "$(readlink -f "$so")" "$W/plugins/"
  done
  LIFEBOAT_PLUGIN_DIRS=$W/plugins lb backup create b2 --include-namespaces loose >"$W/b2.out" 2>&1
  [ "$(phase_of b2)" = PartiallyFailed ] || { cat "$W/b2.out"; fail "no plugin: backup phase $(phase_of b2), want PartiallyFailed"; }
  zcat "$STORE/backups/b2/b2-results.gz" | grep -q "PVC loose/good (fs-copy): volume data needs the plugin lifeboat.io/fs-copy.*lifeboat plugin list" || { zcat "$STORE/backups/b2/b2-results.gz"; fail "no plugin: no error naming lifeboat.io/fs-copy"; }
  ;;
restic)
  "$ROOT/tests/servers/install-restic.sh" >/dev/null || fail "install restic"
  make_loose loose data1
  lb backup create b1 --include-namespaces demo,loose >"$W/b1.out" 2>&1 || { cat "$W/b1.out"; fail "backup"; }
  lb backup create b2 --include-namespaces demo,loose >"$W/b2.out" 2>&1 || { cat "$W/b2.out"; fail "backup 2"; }
  for ns in demo loose; do
    RESTIC_PASSWORD=$LIFEBOAT_REPO_PASSWORD RESTIC_CACHE_DIR=$W/cache restic -r "$STORE/restic/$ns" check --read-data >"$W/check.out" 2>&1 || { cat "$W/check.out"; fail "restic check of restic/$ns"; }
    RESTIC_PASSWORD=$LIFEBOAT_REPO_PASSWORD RESTIC_CACHE_DIR=$W/cache restic -r "$STORE/restic/$ns" snapshots --tag backup=b2 --json | grep -q "pvc=" || fail "restic sees no tagged snapshot in restic/$ns"
  done
  # backup delete forgets b1's snapshots in every repository, keeps b2's; restic agrees
  lb backup delete b1 >"$W/d1.out" 2>&1 || { cat "$W/d1.out"; fail "backup delete b1"; }
  grep -q "2 fs-copy snapshots forgotten" "$W/d1.out" || { cat "$W/d1.out"; fail "backup delete did not forget 2 snapshots"; }
  for ns in demo loose; do
    n1=$(RESTIC_PASSWORD=$LIFEBOAT_REPO_PASSWORD RESTIC_CACHE_DIR=$W/cache restic -r "$STORE/restic/$ns" snapshots --tag backup=b1 --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin) or []))')
    [ "$n1" = 0 ] || fail "restic still sees $n1 snapshots of deleted backup b1 in restic/$ns"
    n2=$(RESTIC_PASSWORD=$LIFEBOAT_REPO_PASSWORD RESTIC_CACHE_DIR=$W/cache restic -r "$STORE/restic/$ns" snapshots --tag backup=b2 --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin) or []))')
    [ "$n2" = 1 ] || fail "restic sees $n2 snapshots of backup b2 in restic/$ns after deleting b1, want 1"
    RESTIC_PASSWORD=$LIFEBOAT_REPO_PASSWORD RESTIC_CACHE_DIR=$W/cache restic -r "$STORE/restic/$ns" check >"$W/check.out" 2>&1 || { cat "$W/check.out"; fail "restic check of restic/$ns after the delete"; }
  done
  [ ! -e "$STORE/backups/b1" ] || fail "backup delete left backups/b1"
  # without a password: a clear error, the backup is kept as PartiallyFailed
  LIFEBOAT_REPO_PASSWORD= lb backup create b3 --include-namespaces loose >"$W/b3.out" 2>&1
  [ "$(phase_of b3)" = PartiallyFailed ] || fail "no password: phase $(phase_of b3)"
  zcat "$STORE/backups/b3/b3-results.gz" | grep -q 'LIFEBOAT_REPO_PASSWORD' || fail "no password: unclear error"
  ;;
*) fail "unknown case $CASE" ;;
esac
echo "PASS: volume $CASE"
