#!/usr/bin/env bash
# Backup/restore end to end: run.sh LIFEBOAT_BINARY
# Starts two cluster simulators (profiles default and old), loads the sample app, and runs
# every case below against a local file store. Prints one line per check; exits non-zero
# if any check failed. No timed assertions.
set -uo pipefail
lifeboat=$(realpath "${1:?usage: run.sh path/to/lifeboat}")
top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lb-br-it.XXXXXX")
kubectl=$("$top/tests/servers/install-k8s-clients.sh" | tail -n 1)
pass=0 fail=0
pids=()
cleanup() {
  for p in "${pids[@]}"; do "$top/tests/servers/k8s-sim-down.sh" "$p" >/dev/null 2>&1; done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok   - $*"; }
no() { fail=$((fail + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else no "$what"; fi; }
contains() { grep -q -- "$2" <<<"$1"; }

# ---- clusters and store ----------------------------------------------------------------
eval "$("$top/tests/servers/k8s-sim-up.sh" --dir "$work/sim-a")"; pids+=("$K8S_SIM_PID")
KA=$K8S_SIM_KUBECONFIG
eval "$("$top/tests/servers/k8s-sim-up.sh" --dir "$work/sim-b" --profile old)"; pids+=("$K8S_SIM_PID")
KB=$K8S_SIM_KUBECONFIG
ka() { "$kubectl" --kubeconfig "$KA" --cache-dir "$work/kc-a" "$@"; }
kb() { "$kubectl" --kubeconfig "$KB" --cache-dir "$work/kc-b" "$@"; }
"$top/tests/k8s-sim/load-sample-app.sh" "$KA" >/dev/null 2>"$work/load.log" || { cat "$work/load.log"; exit 1; }

store=$work/store
mkdir -p "$store"
# Volume data is copied by default (fs-copy); its repository needs a password.
echo "br-it-repo-password" > "$work/repo-pass"
cat > "$work/lifeboat.yaml" <<EOT
storageLocations:
  - name: default
    provider: file
    bucket: bkt
    prefix: cluster-a
    default: true
    config: {root: $store, createBucket: "true"}
  - name: ro
    provider: file
    bucket: bkt
    prefix: cluster-a
    accessMode: ReadOnly
    config: {root: $store}
queue:
  stateDir: $work/state
restore:
  storageClassMappings: {lifeboat-csi: lifeboat-csi}
repository:
  passwordFile: $work/repo-pass
EOT
lb() { "$lifeboat" --config "$work/lifeboat.yaml" --kubeconfig "$KA" "$@"; }
lbb() { "$lifeboat" --config "$work/lifeboat.yaml" --kubeconfig "$KB" "$@"; }
bdir=$store/bkt/cluster-a/backups

# A Gadget (example.lifeboat.io, served as v1 and v1beta1 here, only v1beta1 on sim-b).
ka apply -f - >/dev/null <<'EOT'
apiVersion: example.lifeboat.io/v1
kind: Gadget
metadata: {name: g1, namespace: demo, labels: {app: demo-web}}
spec: {size: small}
EOT
# RBAC naming the demo service account (pulled in by the service-account rule).
ka create clusterrolebinding demo-crb --clusterrole=view --serviceaccount=demo:demo-sa >/dev/null
ka create rolebinding demo-rb --clusterrole=view --serviceaccount=demo:demo-sa -n demo >/dev/null
# A NodePort service whose port the server picked (not explicit): reset on restore.
ka create service nodeport auto-np --tcp=81:8081 -n demo >/dev/null

# ---- 1. backup create and the files Velero expects --------------------------------------
out=$(lb backup create full --include-namespaces demo 2>&1); echo "$out" | tail -1
check "backup create full: Completed" contains "$out" "Completed"
tasks=$(lb task list -o json 2>&1)
check "the backup ran as a queue task with a record in the state dir" contains "$tasks" '"kind":	"backup"'
check "its task record says Succeeded" contains "$tasks" '"phase":	"Succeeded"'
for f in velero-backup.json full.tar.gz full-logs.gz full-results.gz full-resource-list.json.gz \
         full-volumesnapshots.json.gz full-itemoperations.json.gz; do
  check "backups/full/$f exists" test -s "$bdir/full/$f"
done
list=$(tar tzf "$bdir/full/full.tar.gz")
check "tarball: metadata/version" contains "$list" "^metadata/version$"
check "tarball: plain copy" contains "$list" "^resources/configmaps/namespaces/demo/demo-config.json$"
check "tarball: preferred copy" contains "$list" "^resources/configmaps/v1-preferredversion/namespaces/demo/demo-config.json$"
check "tarball: other served version (v1beta1)" contains "$list" "^resources/gadgets.example.lifeboat.io/v1beta1/namespaces/demo/g1.json$"
check "tarball: CRD of backed-up CR" contains "$list" "customresourcedefinitions.apiextensions.k8s.io/cluster/widgets.example.lifeboat.io.json"
check "item action lifeboat.io/pvc pulled in the PV (cluster-scoped)" contains "$list" "^resources/persistentvolumes/cluster/pvc-"
check "service account pulled in its ClusterRoleBinding" contains "$list" "^resources/clusterrolebindings.rbac.authorization.k8s.io/cluster/demo-crb.json$"
check "item action lifeboat.io/pod ran in its plugin child" contains "$(lb backup logs full 2>/dev/null)" "backup item action lifeboat.io/pod applies"
check "tarball: no directory entries" test -z "$(tar tzf "$bdir/full/full.tar.gz" | grep '/$')"
check "tarball: cluster-scoped storageclass left out (auto, namespaces filtered)" \
  test -z "$(grep storageclasses <<<"$list")"
rec=$(cat "$bdir/full/velero-backup.json")
check "velero-backup.json: kind Backup velero.io/v1" python3 -c "import json,sys; d=json.load(open('$bdir/full/velero-backup.json')); assert d['kind']=='Backup' and d['apiVersion']=='velero.io/v1' and d['status']['formatVersion']=='1.1.0' and d['status']['phase']=='Completed' and d['status']['version']==1 and d['metadata']['labels']['velero.io/storage-location']=='default'"
check "resource list keyed GV/Kind" python3 -c "import gzip,json; d=json.load(gzip.open('$bdir/full/full-resource-list.json.gz')); assert 'v1/ConfigMap' in d and 'apps/v1/Deployment' in d and 'demo/demo-config' in d['v1/ConfigMap']"

# ---- 2. get / describe / logs / download -------------------------------------------------
check "backup get lists it" contains "$(lb backup get)" "^full .*Completed"
check "backup get -o json" python3 -c "import json,subprocess; d=json.loads(subprocess.check_output(['$lifeboat','--config','$work/lifeboat.yaml','backup','get','-o','json'])); assert d['items'][0]['metadata']['name']=='full'"
check "backup get -o yaml" contains "$(lb backup get -o yaml)" "kind: BackupList"
check "backup describe --details" contains "$(lb backup describe full --details)" "demo/demo-config"
check "backup logs" contains "$(lb backup logs full)" "Backup finished with phase Completed"
(cd "$work" && lb backup download full >/dev/null)
check "backup download writes full-data.tar.gz" test -s "$work/full-data.tar.gz"
# a second cluster pointed at the same bucket sees it (object storage is the truth)
check "second cluster sees the backup" contains "$(lbb backup get)" "^full "

# ---- 3. filters ---------------------------------------------------------------------------
lb backup create filt --include-namespaces 'de*' --exclude-resources secrets,po \
   --selector app=demo-web --include-cluster-resources false >/dev/null 2>&1
l2=$(tar tzf "$bdir/filt/filt.tar.gz")
check "filters: labelled configmap in" contains "$l2" "configmaps/namespaces/demo/demo-config.json"
check "filters: unlabelled configmap out" test -z "$(grep kube-root-ca <<<"$l2")"
check "filters: secrets excluded" test -z "$(grep secrets <<<"$l2")"
check "filters: pods excluded by short name" test -z "$(grep '^resources/pods' <<<"$l2")"
check "filters: no CRDs with cluster resources false" test -z "$(grep customresourcedefinitions <<<"$l2")"
lb backup create clus --include-resources storageclasses.storage.k8s.io,namespaces \
   --include-cluster-resources true --ttl 24h >/dev/null 2>&1
l3=$(tar tzf "$bdir/clus/clus.tar.gz")
check "cluster true: storageclass in" contains "$l3" "storageclasses.storage.k8s.io/cluster/lifeboat-csi.json"
check "ttl 24h recorded" contains "$(cat "$bdir/clus/velero-backup.json")" '"ttl":.*"24h0m0s"'
out=$(lb backup create full 2>&1)
check "backup name taken refused" contains "$out" "already exists"

# ---- 4. atomicity: an unfinished backup is not a backup -----------------------------------
mkdir -p "$bdir/halfway" && cp "$bdir/full/full.tar.gz" "$bdir/halfway/halfway.tar.gz"
check "backup without velero-backup.json not listed" test -z "$(lb backup get | grep halfway)"
out=$(lb restore create --from-backup halfway 2>&1)
check "restore from unfinished backup refused" contains "$out" "not found"

# ---- 5. read-only location -----------------------------------------------------------------
out=$(lb backup create robk --storage-location ro 2>&1)
check "backup create refused on ReadOnly location" contains "$out" "ReadOnly"
out=$(lb backup delete full --storage-location ro 2>&1)
check "backup delete refused on ReadOnly location" contains "$out" "ReadOnly"
check "backup still there after refused delete" test -s "$bdir/full/velero-backup.json"

# ---- 6. round trip: delete the namespace, restore, all back -----------------------------
snap() { "$@" get configmaps,secrets,services,deployments,serviceaccounts,persistentvolumeclaims,pods,widgets,gadgets -n "$ns" -o name 2>/dev/null | grep -v serviceaccount/default | sort; }
ns=demo; before=$(snap ka)
ka delete namespace demo --wait=true >/dev/null
out=$(lb restore create r-full --from-backup full --restore-status widgets 2>&1); echo "$out" | tail -1
check "restore r-full Completed" contains "$out" "Completed"
after=$(snap ka)
check "round trip: every object back" test "$before" = "$after"
check "round trip: Widget status restored via /status" test "$(ka get widget demo-widget -n demo -o jsonpath='{.status.phase}')" = Ready
check "round trip: ClusterRoleBinding present" ka get clusterrolebinding demo-crb
check "round trip: RoleBinding back" ka get rolebinding demo-rb -n demo
check "round trip: Gadget status not restored (not asked)" test -z "$(ka get gadget g1 -n demo -o jsonpath='{.status}')"
check "restored objects carry velero.io/restore-name" test "$(ka get cm demo-config -n demo -o jsonpath='{.metadata.labels.velero\.io/restore-name}')" = r-full
check "restore get" contains "$(lb restore get)" "r-full"
check "restore describe --details" contains "$(lb restore describe r-full --details)" "demo/demo-config(created)"
check "restore logs" contains "$(lb restore logs r-full)" "Restore finished"
check "restore results stored under restores/r-full/" test -s "$store/bkt/cluster-a/restores/r-full/restore-r-full-results.gz"

# ---- 7. existing objects: none warns, update patches -----------------------------------------
ka patch cm demo-config -n demo --type merge -p '{"data":{"greeting":"changed"}}' >/dev/null
out=$(lb restore create r-none --from-backup full --include-resources configmaps 2>&1)
check "policy none: warns already exists" contains "$(lb restore describe r-none)" 'ConfigMap "demo-config" already exists'
check "policy none: object kept" test "$(ka get cm demo-config -n demo -o jsonpath='{.data.greeting}')" = changed
lb restore create r-upd --from-backup full --include-resources configmaps --existing-resource-policy update >/dev/null 2>&1
check "policy update: object patched back" test "$(ka get cm demo-config -n demo -o jsonpath='{.data.greeting}')" = "hello from lifeboat"

# ---- 8. namespace mapping into the same cluster --------------------------------------------
out=$(lb restore create r-map --from-backup full --namespace-mappings demo:demo-copy 2>&1); echo "$out" | tail -1
ns=demo-copy; copy=$(snap ka | sed 's/demo-copy/demo/g')
check "mapping: namespace demo-copy created" ka get ns demo-copy
check "mapping: every object in demo-copy" test "$(ka get cm,secret,deploy,svc,widgets,gadgets -n demo-copy -o name | wc -l)" -ge 6
check "mapping: server-assigned nodePort reset (new port)" test "$(ka get svc auto-np -n demo-copy -o jsonpath='{.spec.ports[0].nodePort}')" != "$(ka get svc auto-np -n demo -o jsonpath='{.spec.ports[0].nodePort}')"
check "mapping: explicit nodePort kept, so its conflict is reported (Velero's rule)" contains "$(lb restore describe r-map)" "services/demo-copy/demo-web: .*already allocated"

# ---- 9. a taken nodePort is reported and the rest restored ----------------------------------
out=$(lb restore create r-np --from-backup full --namespace-mappings demo:demo-np --preserve-nodeports 2>&1); echo "$out" | tail -1
desc=$(lb restore describe r-np)
check "nodePort conflict: PartiallyFailed" contains "$desc" "PartiallyFailed"
check "nodePort conflict: result names the service and the server's message" contains "$desc" "services/demo-np/demo-web: .*30080"
check "nodePort conflict: the rest restored" test "$(ka get cm,secret,deploy,widgets -n demo-np -o name | wc -l)" -ge 4

# ---- 10. resource modifiers, selector, exclusions -------------------------------------------
cat > "$work/mods.yaml" <<'EOT'
version: v1
resourceModifierRules:
- conditions:
    groupResource: configmaps
    resourceNameRegex: "^demo-.*"
    namespaces: [demo]
  patches:
  - operation: replace
    path: /data/greeting
    value: modified
  mergePatches:
  - patchData: '{"metadata":{"labels":{"modified":"yes"}}}'
- conditions:
    groupResource: "*.apps"
  patches:
  - operation: replace
    path: /spec/replicas
    value: "0"
EOT
lb restore create r-mod --from-backup full --namespace-mappings demo:demo-mod --resource-modifiers "$work/mods.yaml" \
   --selector app=demo-web --exclude-resources secrets >/dev/null 2>&1
check "modifiers: JSON patch applied" test "$(ka get cm demo-config -n demo-mod -o jsonpath='{.data.greeting}')" = modified
check "modifiers: merge patch applied" test "$(ka get cm demo-config -n demo-mod -o jsonpath='{.metadata.labels.modified}')" = yes
check "modifiers: *.apps rule applied" test "$(ka get deploy demo-web -n demo-mod -o jsonpath='{.spec.replicas}')" = 0
check "selector: unlabelled object not restored" test -z "$(ka get sa demo-sa -n demo-mod -o name 2>/dev/null)"
check "exclude-resources: secret not restored" test -z "$(ka get secret demo-secret -n demo-mod -o name 2>/dev/null)"
out=$(lb restore create --from-backup full --resource-modifiers /nonexistent.yaml 2>&1)
check "modifiers: missing file is a clear error" contains "$out" "nonexistent.yaml"

# ---- 11. restore into a cluster serving other versions ---------------------------------------
# (the PVC cannot bind there, see the storage-class check: its volume data is reported and
# skipped at once, no wait for a bind that cannot happen)
out=$(lbb restore create r-old --from-backup full 2>&1); echo "$out" | tail -1
check "old profile: Gadget restored as v1beta1" test "$(kb get gadgets.v1beta1.example.lifeboat.io g1 -n demo -o jsonpath='{.apiVersion}')" = example.lifeboat.io/v1beta1
check "old profile: configmap restored" kb get cm demo-config -n demo
check "missing storage class reported, naming the PVC" contains "$(lbb restore describe r-old)" 'persistentvolumeclaims/demo/demo-data: storage class "lifeboat-csi" does not exist'
check "old profile: the rest restored despite it" kb get deploy demo-web -n demo
if zcat "$bdir/full/full-podvolumebackups.json.gz" 2>/dev/null | grep -q '"snapshotID"'; then
  check "old profile: volume data skipped, naming the PVC and the class" contains "$(lbb restore describe r-old)" 'PVC demo/demo-data names storage class "lifeboat-csi", which the cluster does not have'
fi

# ---- 12. golden: hand-laid Velero backup, and lifeboat's own sample backup -----------------
mkdir -p "$bdir/velero-handmade"
cp "$top/tests/golden/velero-handmade/"* "$bdir/velero-handmade/"
out=$(lb restore create r-golden --from-backup velero-handmade 2>&1); echo "$out" | tail -1
check "golden velero: Completed" contains "$out" "Completed"
check "golden velero: configmap" test "$(ka get cm golden-config -n golden -o jsonpath='{.data.motd}')" = "restored from a hand-made Velero backup"
check "golden velero: namespace labels kept" test "$(ka get ns golden -o jsonpath='{.metadata.labels.team}')" = golden
check "golden velero: clusterIP reset" test "$(ka get svc golden-web -n golden -o jsonpath='{.spec.clusterIP}')" != 10.96.77.7
check "golden velero: deployment" ka get deploy golden-web -n golden
check "golden velero: gadget (preferred v1)" ka get gadget golden-gadget -n golden
check "golden velero: finished pod skipped" test -z "$(ka get pod golden-job-xyz -n golden -o name 2>/dev/null)"
check "golden velero: node never restored" test -z "$(ka get node node-1 -o name 2>/dev/null | grep node-1)"
if [ -d "$top/tests/golden/lifeboat-sample" ]; then
  mkdir -p "$bdir/lifeboat-sample"
  cp "$top/tests/golden/lifeboat-sample/"* "$bdir/lifeboat-sample/"
  out=$(lbb restore create r-golden2 --from-backup lifeboat-sample --namespace-mappings demo:demo-golden 2>&1)
  check "golden lifeboat-sample into old profile" kb get cm demo-config -n demo-golden
fi

# ---- 13. unsafe tarballs are refused with a clear error --------------------------------------
mk_bad() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import io, json, sys, tarfile
kind, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w:gz") as tf:
    def reg(name, data=b"{}"):
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o755
        tf.addfile(ti, io.BytesIO(data))
    reg("metadata/version", b"1.1.0\n")
    if kind == "dotdot": reg("resources/../../../tmp/evil.json")
    if kind == "abs": reg("/tmp/evil.json")
    if kind == "symlink":
        ti = tarfile.TarInfo("resources/configmaps/namespaces/x/a.json"); ti.type = tarfile.SYMTYPE
        ti.linkname = "/etc/shadow"; tf.addfile(ti)
    if kind == "bomb":
        ti = tarfile.TarInfo("resources/configmaps/namespaces/x/bomb.json"); ti.size = 200 << 20
        class Z(io.RawIOBase):
            n = 200 << 20
            def readable(self): return True
            def readinto(self, b):
                k = min(len(b), self.n); b[:k] = bytes(k); self.n -= k; return k
        tf.addfile(ti, io.BufferedReader(Z()))
PY
}
for kind in dotdot abs symlink bomb; do
  mkdir -p "$bdir/bad-$kind"
  mk_bad $kind "$bdir/bad-$kind/bad-$kind.tar.gz"
  sed "s/velero-handmade/bad-$kind/" "$top/tests/golden/velero-handmade/velero-backup.json" > "$bdir/bad-$kind/velero-backup.json"
done
out=$(lb restore create --from-backup bad-dotdot 2>&1)
check "unsafe: .. refused, entry named" contains "$out" 'resources/../../../tmp/evil.json".*leaves the archive'
out=$(lb restore create --from-backup bad-abs 2>&1)
check "unsafe: absolute path refused" contains "$out" '"/tmp/evil.json": absolute path refused'
out=$(lb restore create --from-backup bad-symlink 2>&1)
check "unsafe: symlink refused" contains "$out" "symbolic link refused"
out=$(lb restore create --from-backup bad-bomb 2>&1)
check "unsafe: decompression bomb refused" contains "$out" "decompression bomb"
check "unsafe: nothing written outside" test ! -e /tmp/evil.json

# ---- 14. delete -------------------------------------------------------------------------------
lb backup delete filt >/dev/null 2>&1
check "backup delete removes every object" test ! -e "$bdir/filt"
out=$(lb backup delete nope 2>&1)
check "backup delete of a missing backup is an error" contains "$out" "not found"

echo "# backup-restore: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
