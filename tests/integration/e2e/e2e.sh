#!/usr/bin/env bash
# Lifeboat's main job end to end against a real object store:
#   e2e.sh rgw|swift|gcs BUILD_DIR [PROVIDER]
#     rgw    aws plugin (provider aws, or PROVIDER e.g. velero.io/aws) against Ceph RGW
#     swift  minio plugin against OpenStack Swift's s3api (path-style, test:tester/testing)
#     gcs    gcp plugin against the GCS emulator (service-account key, storeEndpoint)
# Starts the store and two cluster simulators (cluster A: profile default, with the sample
# app; cluster B: profile new, empty), stops them by pid on exit. Backs up namespace demo
# with its volume data to bucket lb-e2e, prefix cluster-a; checks the layout with an
# independent client (Debian's awscli /usr/bin/aws for S3, Google's Node client for GCS);
# deletes the namespace and restores it (objects, PVC files, Widget status); cluster B reads
# the same bucket+prefix through a ReadOnly location, sees and restores the backup, and is
# refused a delete; cluster A deletes the backup and the listing shows it gone.
# Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
# No timed assertions. KEEP=1 keeps the work dir.
set -uo pipefail
BACKEND=${1:?usage: e2e.sh rgw|swift|gcs BUILD_DIR [PROVIDER]}
BUILD=$(cd "${2:?build dir}" && pwd)
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
HERE=$SRC/tests/integration/e2e
LB=$BUILD/bin/lifeboat
export LIFEBOAT_PLUGIN_DIRS=$BUILD/lib/lifeboat/plugins
AWS=/usr/bin/aws          # Debian's awscli, not a pyenv shim that may come first on PATH
BUCKET=lb-e2e PREFIX=cluster-a NAME=e2e-demo
case $BACKEND in
rgw) PROVIDER=${3:-aws}; PORT_BASE=${LB_E2E_PORT_BASE:-19480} ;;
swift) PROVIDER=${3:-minio}; PORT_BASE=${LB_E2E_PORT_BASE:-19380} ;;
gcs) PROVIDER=${3:-gcp} ;;
*) echo "unknown backend $BACKEND" >&2; exit 2 ;;
esac
[ -x "$LB" ] || { echo "$LB not built" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/lb-e2e-$BACKEND.XXXXXX")
sims=()
cleanup() {
  for s in "${sims[@]}"; do "$SRC/tests/servers/k8s-sim-down.sh" $s >/dev/null 2>&1; done
  case $BACKEND in
  rgw | swift) "$SRC/tests/servers/s3-down.sh" "$work/lab" 2>/dev/null ;;
  gcs) "$SRC/tests/servers/gcs-emu-down.sh" "$work/emu" 2>/dev/null ;;
  esac
  if [ "${KEEP:-0}" = 1 ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
no() { fail=$((fail + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else no "$what"; fi; }
contains() { grep -q -- "$2" <<<"$1"; }
bail() { echo "Bail out! $*"; no "$*"; echo "$pass passed, $fail failed"; exit 1; }

# ---- object store ---------------------------------------------------------------------------
case $BACKEND in
rgw | swift)
  "$SRC/tests/servers/install-s3.sh" >/dev/null 2>&1 || bail "tests/servers/install-s3.sh failed"
  if [ "$BACKEND" = rgw ]; then
    LAB_DIR=$work/lab RGW_PORT=$PORT_BASE MON_PORT=$((PORT_BASE - 4170)) OSD_PORT_MIN=$((PORT_BASE - 700)) \
      "$SRC/tests/servers/s3-rgw-up.sh" >"$work/env" 2>"$work/up.log"
  else
    LAB_DIR=$work/lab S3_PORT=$PORT_BASE SWIFT_PORT_BASE=$((PORT_BASE - 4100)) \
      "$SRC/tests/servers/s3-swift-up.sh" >"$work/env" 2>"$work/up.log"
  fi || bail "$BACKEND did not start: $(tail -3 "$work/up.log" | tr '\n' ' ')"
  eval "$(cat "$work/env")"
  echo "# $BACKEND at $S3_ENDPOINT, provider $PROVIDER"
  export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
  a() { "$AWS" --endpoint-url "$S3_ENDPOINT" "$@"; }
  a s3api create-bucket --bucket "$BUCKET" >/dev/null 2>"$work/mb.err" || bail "create bucket: $(cat "$work/mb.err")"
  printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/creds"
  if [ "$BACKEND" = rgw ]; then
    LOCCFG="{region: us-east-1, s3Url: \"$S3_ENDPOINT\", s3ForcePathStyle: \"true\", partSize: 5MiB"
  else
    LOCCFG="{s3Url: \"$S3_ENDPOINT\", partSize: 5MiB"
  fi
  LOCCRED="credentialsFile: $work/creds"
  # ls PREFIX: every key under PREFIX, one a line; get KEY FILE
  ls_keys() { a s3api list-objects-v2 --bucket "$BUCKET" --prefix "$1" --query 'Contents[].[Key]' --output text | grep -v '^None$'; }
  get_obj() { a s3 cp --quiet "s3://$BUCKET/$1" "$2"; }
  ;;
gcs)
  out=$("$SRC/tests/servers/install-gcs.sh" 2>"$work/install.log") || bail "install-gcs.sh failed: $(tail -3 "$work/install.log")"
  eval "$out"; export GCS_NPM_DIR
  GCS_RUN_DIR=$work/emu GCS_BUCKETS=$BUCKET "$SRC/tests/servers/gcs-emu-up.sh" >"$work/env" 2>"$work/up.log" ||
    bail "GCS emulator did not start: $(tail -3 "$work/up.log" | tr '\n' ' ')"
  eval "$(cat "$work/env")"; export GCS_ENDPOINT GCS_SA_JSON
  echo "# GCS emulator at $GCS_ENDPOINT, provider $PROVIDER"
  LOCCFG="{storeEndpoint: \"$GCS_ENDPOINT\", chunkSize: 1MiB"
  LOCCRED="credentialsFile: $GCS_SA_JSON"
  ls_keys() { node "$HERE/gcs-tool.mjs" ls "$BUCKET" "$1"; }
  get_obj() { node "$HERE/gcs-tool.mjs" get "$BUCKET" "$1" "$2"; }
  ;;
esac
# listing with an error check: "ls_ok PREFIX VAR" fails when the client fails
list() { ls_keys "$1" 2>"$work/ls.err"; }

# ---- two clusters -----------------------------------------------------------------------------
kubectl=$("$SRC/tests/servers/install-k8s-clients.sh" 2>/dev/null | tail -n 1)
[ -x "$kubectl" ] || bail "kubectl 1.20 not installed (tests/servers/install-k8s-clients.sh)"
"$SRC/tests/servers/install-restic.sh" >/dev/null 2>&1
eval "$("$SRC/tests/servers/k8s-sim-up.sh" --dir "$work/sim-a")" || bail "simulator A did not start"
sims+=("$K8S_SIM_PID $K8S_SIM_DIR"); KA=$K8S_SIM_KUBECONFIG KUBELET_A=$K8S_SIM_KUBELET_DIR
eval "$("$SRC/tests/servers/k8s-sim-up.sh" --dir "$work/sim-b" --profile new)" || bail "simulator B did not start"
sims+=("$K8S_SIM_PID $K8S_SIM_DIR"); KB=$K8S_SIM_KUBECONFIG KUBELET_B=$K8S_SIM_KUBELET_DIR
ka() { "$kubectl" --kubeconfig "$KA" --cache-dir "$work/kc-a" "$@"; }
kb() { "$kubectl" --kubeconfig "$KB" --cache-dir "$work/kc-b" "$@"; }
KUBECTL=$kubectl "$SRC/tests/k8s-sim/load-sample-app.sh" "$KA" >"$work/load.out" 2>"$work/load.log" ||
  bail "load the sample app: $(tail -3 "$work/load.log")"

echo "e2e-repository-password" >"$work/repo-pw"
# Cluster A: read-write. Cluster B: the same bucket and prefix, ReadOnly, another storage class.
cat >"$work/a.yaml" <<EOT
storageLocations:
  - name: default
    provider: $PROVIDER
    bucket: $BUCKET
    prefix: $PREFIX
    default: true
    $LOCCRED
    config: $LOCCFG}
queue: {stateDir: $work/state-a}
repository: {passwordFile: $work/repo-pw}
EOT
cat >"$work/b.yaml" <<EOT
storageLocations:
  - name: shared
    provider: $PROVIDER
    bucket: $BUCKET
    prefix: $PREFIX
    accessMode: ReadOnly
    default: true
    $LOCCRED
    config: $LOCCFG}
queue: {stateDir: $work/state-b}
repository: {passwordFile: $work/repo-pw}
restore:
  storageClassMappings: {lifeboat-csi: standard}
EOT
lba() { LIFEBOAT_KUBELET_DIR=$KUBELET_A "$LB" --config "$work/a.yaml" --kubeconfig "$KA" "$@"; }
lbb() { LIFEBOAT_KUBELET_DIR=$KUBELET_B "$LB" --config "$work/b.yaml" --kubeconfig "$KB" "$@"; }

# the directory of PVC demo/demo-data in a cluster (kubectl function as $1)
voldir() {
  local pv
  pv=$("$1" get pvc demo-data -n demo -o jsonpath='{.spec.volumeName}' 2>/dev/null)
  [ -n "$pv" ] || return 1
  "$1" get pv "$pv" -o jsonpath='{.metadata.annotations.sim\.lifeboat\.io/path}'
}
# manifest digest: path, type, mode, owner, size, mtime, sha256, link target of every entry
manifest() {
  [ -d "$1" ] || { echo "no-dir"; return; }
  (cd "$1" && find . -mindepth 1 -printf '%P\0' | sort -z | while IFS= read -r -d '' p; do
    if [ -L "$p" ]; then printf 'L %q %s\n' "$p" "$(readlink "$p")"
    elif [ -d "$p" ]; then printf 'D %q %s\n' "$p" "$(stat -c '%a %u %g' "$p")"
    elif [ -f "$p" ]; then printf 'F %q %s %s\n' "$p" "$(stat -c '%a %u %g %s %Y' "$p")" "$(sha256sum <"$p" | cut -c1-64)"
    else printf 'O %q %s\n' "$p" "$(stat -c '%F %a' "$p")"; fi
  done) | sha256sum | cut -c1-64
}
# kinds/names of the namespace's objects (the default ServiceAccount is made by the cluster)
snap() {
  "$1" get configmaps,secrets,services,deployments,serviceaccounts,persistentvolumeclaims,pods,widgets \
    -n demo -o name 2>/dev/null | grep -v '^serviceaccount/default$' | sort
}
pvb_ok() { # the PodVolumeBackup record of the backup: Completed with a snapshot id
  get_obj "$PREFIX/backups/$NAME/$NAME-podvolumebackups.json.gz" "$work/pvb.json.gz" &&
    /usr/bin/python3 -c "import gzip,json,sys; d=json.load(gzip.open(sys.argv[1]))
assert d and all(p['status']['phase']=='Completed' and p['status']['snapshotID'] for p in d), d" "$work/pvb.json.gz"
}

DIR_A=$(voldir ka) || bail "sample app: PVC demo/demo-data has no volume dir"
# a bigger file too, so that packs go up as multipart / resumable uploads (5 MiB parts)
mkdir -p "$DIR_A/big" && head -c 25165824 /dev/urandom >"$DIR_A/big/random.bin"
M_A=$(manifest "$DIR_A")
BEFORE=$(snap ka)
data() { "$1" get cm demo-config -n demo -o jsonpath='{.data}' 2>/dev/null; echo; "$1" get secret -n demo -o jsonpath='{range .items[?(@.type=="Opaque")]}{.metadata.name}={.data}{"\n"}{end}' 2>/dev/null; }
DATA=$(data ka)
check "sample app: ConfigMap data and an Opaque Secret read" test "$(grep -c . <<<"$DATA")" -ge 2
echo "# sample app: $(wc -l <<<"$BEFORE") objects in demo, volume $DIR_A"

# ---- 1. backup --------------------------------------------------------------------------------
out=$(lba backup create "$NAME" --include-namespaces demo --volume-data fs-copy 2>&1)
echo "$out" >"$work/backup.out"; echo "# $(tail -1 <<<"$out")"
check "backup create $NAME: Completed" contains "$out" "Completed"
contains "$out" "Completed" || sed 's/^/#   /' "$work/backup.out" | tail -15
keys=$(list "$PREFIX/")
check "listing with the independent client works" test -n "$keys"
bp=$PREFIX/backups/$NAME
for f in velero-backup.json "$NAME.tar.gz" "$NAME-logs.gz" "$NAME-resource-list.json.gz" \
         "$NAME-results.gz" "$NAME-podvolumebackups.json.gz"; do
  check "object $bp/$f" contains "$keys" "^$bp/$f\$"
done
for f in config keys/ index/ snapshots/ data/; do
  check "restic repository object $PREFIX/restic/demo/$f" contains "$keys" "^$PREFIX/restic/demo/$f"
done
check "nothing written outside the prefix" test -z "$(list "" | grep -v "^$PREFIX/")"
get_obj "$bp/velero-backup.json" "$work/velero-backup.json"
check "velero-backup.json (read by the other client): Backup velero.io/v1, Completed" /usr/bin/python3 -c "
import json; d=json.load(open('$work/velero-backup.json'))
assert d['kind']=='Backup' and d['apiVersion']=='velero.io/v1' and d['status']['phase']=='Completed'"
get_obj "$bp/$NAME.tar.gz" "$work/store.tar.gz"
tl=$(tar tzf "$work/store.tar.gz" 2>/dev/null)
check "tarball (read by the other client): configmap demo-config" contains "$tl" "^resources/configmaps/namespaces/demo/demo-config.json$"
check "tarball: widget demo-widget" contains "$tl" "^resources/widgets.example.lifeboat.io/namespaces/demo/demo-widget.json$"
check "tarball: PVC demo-data" contains "$tl" "^resources/persistentvolumeclaims/namespaces/demo/demo-data.json$"
check "PodVolumeBackup record Completed with a snapshot id" pvb_ok
check "backup get lists it Completed" contains "$(lba backup get 2>&1)" "^$NAME .*Completed"
check "backup logs from the store" contains "$(lba backup logs "$NAME" 2>&1)" "Backup finished with phase Completed"
(cd "$work" && lba backup download "$NAME" >/dev/null 2>&1)
check "backup download = the object the other client reads" cmp -s "$work/$NAME-data.tar.gz" "$work/store.tar.gz"
if [ "$BACKEND" != gcs ]; then
  # informational: the biggest objects and whether they went up as multipart (ETag "...-N")
  a s3api list-objects-v2 --bucket "$BUCKET" --prefix "$PREFIX/" --query 'Contents[].[Size,ETag,Key]' --output text |
    sort -n | tail -2 | sed 's/^/# info: size etag key: /'
  # restic 0.14 (minio-go) cannot PUT to Swift's s3api ("Transfering payloads in multiple
  # chunks using aws-chunked is not supported"), so it cannot take its lock there: --no-lock
  nolock=(); [ "$BACKEND" = swift ] && nolock=(--no-lock)
  rout=$(RESTIC_PASSWORD_FILE=$work/repo-pw restic --no-cache "${nolock[@]}" \
         -r "s3:$S3_ENDPOINT/$BUCKET/$PREFIX/restic/demo" check --read-data 2>&1)
  echo "$rout" >"$work/restic.out"
  snaps=$(RESTIC_PASSWORD_FILE=$work/repo-pw restic --no-cache "${nolock[@]}" \
          -r "s3:$S3_ENDPOINT/$BUCKET/$PREFIX/restic/demo" snapshots --tag "backup=$NAME" 2>&1)
  check "restic 0.14 check --read-data over S3 ($BACKEND)" contains "$rout" "no errors were found"
  contains "$rout" "no errors were found" || tail -3 <<<"$rout" | sed 's/^/#   /'
  check "restic 0.14 sees the snapshot tagged backup=$NAME" contains "$snaps" "pvc=demo-data"
else
  # restic 0.14 cannot talk to a GCS emulator: copy the repository down with Google's client
  node "$HERE/gcs-tool.mjs" sync "$BUCKET" "$PREFIX/restic/demo/" "$work/repo-copy" 2>"$work/sync.err"
  rout=$(RESTIC_PASSWORD_FILE=$work/repo-pw restic --no-cache -r "$work/repo-copy" check --read-data 2>&1)
  check "restic 0.14 check --read-data of the repository as downloaded by Google's client" \
    contains "$rout" "no errors were found"
  contains "$rout" "no errors were found" || { cat "$work/sync.err"; tail -3 <<<"$rout"; } | sed 's/^/#   /'
  check "restic 0.14 sees the snapshot tagged backup=$NAME" contains \
    "$(RESTIC_PASSWORD_FILE=$work/repo-pw restic --no-cache -r "$work/repo-copy" snapshots --tag "backup=$NAME" 2>&1)" "pvc=demo-data"
fi

# ---- 2. delete the namespace, restore in cluster A -------------------------------------------
ka delete namespace demo --wait=true >/dev/null 2>&1
check "namespace demo deleted" test -z "$(ka get ns demo -o name 2>/dev/null)"
out=$(lba restore create r-a --from-backup "$NAME" --restore-status widgets.example.lifeboat.io 2>&1)
echo "$out" >"$work/restore-a.out"; echo "# $(tail -1 <<<"$out")"
check "restore r-a: Completed" contains "$out" "Completed"
contains "$out" "Completed" || sed 's/^/#   /' "$work/restore-a.out" | tail -15
AFTER=$(snap ka)
check "cluster A: every object back (names and kinds)" test "$BEFORE" = "$AFTER"
[ "$BEFORE" = "$AFTER" ] || diff <(echo "$BEFORE") <(echo "$AFTER") | sed 's/^/#   /'
DIR_A2=$(voldir ka)
check "cluster A: PVC bound to a new volume" test -n "$DIR_A2" -a "$DIR_A2" != "$DIR_A"
check "cluster A: PVC files identical (manifest digest)" test "$(manifest "$DIR_A2")" = "$M_A"
check "cluster A: Widget status restored" test "$(ka get widget demo-widget -n demo -o jsonpath='{.status.phase}' 2>/dev/null)" = Ready
check "cluster A: ConfigMap and Secret data identical" test "$(data ka)" = "$DATA"
check "restore logs from the store" contains "$(lba restore logs r-a 2>&1)" "Restore finished"
check "restore results stored under $PREFIX/restores/r-a/" contains "$(list "$PREFIX/restores/r-a/")" "restore-r-a-results.gz"

# ---- 3. cluster B: ReadOnly view of the same bucket and prefix --------------------------------
check "cluster B: backup get sees $NAME" contains "$(lbb backup get 2>&1)" "^$NAME .*Completed"
before_del=$(list "$PREFIX/")
out=$(lbb backup delete "$NAME" 2>&1)
check "cluster B: backup delete refused (ReadOnly)" contains "$out" "ReadOnly"
check "cluster B: nothing deleted" test "$(list "$PREFIX/")" = "$before_del"
out=$(lbb backup create b-ro --include-namespaces demo 2>&1)
check "cluster B: backup create refused (ReadOnly)" contains "$out" "ReadOnly"
out=$(lbb restore create r-b --from-backup "$NAME" --restore-status widgets.example.lifeboat.io 2>&1)
echo "$out" >"$work/restore-b.out"; echo "# $(tail -1 <<<"$out")"
check "cluster B (profile new): restore r-b Completed" contains "$out" "Completed"
contains "$out" "Completed" || sed 's/^/#   /' "$work/restore-b.out" | tail -15
check "cluster B: every object there (names and kinds)" test "$BEFORE" = "$(snap kb)"
[ "$BEFORE" = "$(snap kb)" ] || diff <(echo "$BEFORE") <(snap kb) | sed 's/^/#   /'
check "cluster B: PVC on the mapped storage class" test "$(kb get pvc demo-data -n demo -o jsonpath='{.spec.storageClassName}' 2>/dev/null)" = standard
check "cluster B: PVC files identical (manifest digest)" test "$(manifest "$(voldir kb)")" = "$M_A"
check "cluster B: ConfigMap and Secret data identical" test "$(data kb)" = "$DATA"
check "cluster B: Widget status restored" test "$(kb get widget demo-widget -n demo -o jsonpath='{.status.phase}' 2>/dev/null)" = Ready
check "cluster B: still nothing deleted under $PREFIX/backups/" test \
  "$(list "$PREFIX/backups/")" = "$(grep "^$PREFIX/backups/" <<<"$before_del")"

# ---- 4. delete on cluster A ---------------------------------------------------------------------
out=$(lba backup delete "$NAME" 2>&1)
check "cluster A: backup delete $NAME" contains "$out" "deleted"
left=$(list "$PREFIX/backups/$NAME/"); lrc=$?
check "listing: no object left under $PREFIX/backups/$NAME/" test $lrc -le 1 -a -z "$left"
[ -z "$left" ] || sed 's/^/#   left: /' <<<"$left"
if [ "$BACKEND" = rgw ]; then  # informational: Velero also forgets the backup's restic snapshots
  n=$(RESTIC_PASSWORD_FILE=$work/repo-pw restic --no-cache -r "s3:$S3_ENDPOINT/$BUCKET/$PREFIX/restic/demo" \
      snapshots --tag "backup=$NAME" --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin) or []))')
  echo "# info: restic snapshots tagged backup=$NAME after backup delete: ${n:-?}"
fi
check "backup get no longer lists it (A)" test -z "$(lba backup get 2>&1 | grep "^$NAME ")"
check "backup get no longer lists it (B)" test -z "$(lbb backup get 2>&1 | grep "^$NAME ")"

# ---- 5. the repository password in the location's config (docs/VOLUMES.md, first in order) --
# Same bucket, prefix cluster-pw, no repository.passwordFile: repoPasswordFile in config only.
echo "location-password" >"$work/loc-pw"
sed -e "s|prefix: $PREFIX|prefix: cluster-pw|" -e "s|config: {|config: {repoPasswordFile: $work/loc-pw, |" \
    -e '/^repository:/d' -e "s|state-a|state-pw|" "$work/a.yaml" >"$work/pw.yaml"
out=$(LIFEBOAT_KUBELET_DIR=$KUBELET_A "$LB" --config "$work/pw.yaml" --kubeconfig "$KA" \
      backup create pw-check --include-namespaces demo 2>&1)
echo "$out" >"$work/pw.out"
check "location config repoPasswordFile accepted: backup Completed" contains "$out" "Completed"
contains "$out" "Completed" || sed 's/^/#   /' "$work/pw.out" | tail -3
check "location config repoPasswordFile: repository under cluster-pw/restic/demo/" \
  contains "$(list cluster-pw/restic/demo/)" "^cluster-pw/restic/demo/config$"
if [ "$BACKEND" = rgw ]; then
  check "restic opens cluster-pw/restic/demo with the location's password" env RESTIC_PASSWORD_FILE="$work/loc-pw" \
    restic --no-cache -r "s3:$S3_ENDPOINT/$BUCKET/cluster-pw/restic/demo" cat config
fi

echo "# $BACKEND ($PROVIDER): $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
