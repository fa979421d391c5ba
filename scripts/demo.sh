#!/usr/bin/env bash
# The main job, end to end (README command 1):
#   build -> start the cluster simulator with the sample app -> back it up to the local
#   directory store (lifeboat.io/file, the embedded default location) -> delete the
#   namespace -> restore it -> show that every object (and the Widget's status) is back.
# Works on a fresh Debian 12 machine (installs what it needs). Leaves nothing running.
#   LB_BUILD_DIR   build directory (default: build)
#   DEMO_DIR       working directory (default: a fresh temp dir, removed at the end unless
#                  DEMO_KEEP=1)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${LB_BUILD_DIR:-$top/build}
work=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-demo.XXXXXX")}
mkdir -p "$work"
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "Installing build dependencies and building into $build"
LB_BUILD_DIR=$build "$top/scripts/build.sh" >/dev/null
lifeboat=$build/bin/lifeboat
kubectl=$("$top/tests/servers/install-k8s-clients.sh" | tail -n 1)

say "Starting the Kubernetes API simulator"
eval "$("$top/tests/servers/k8s-sim-up.sh" --dir "$work/sim")"
cleanup() {
  "$top/tests/servers/k8s-sim-down.sh" "$K8S_SIM_PID" >/dev/null 2>&1 || true
  [ "${DEMO_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
export KUBECONFIG=$K8S_SIM_KUBECONFIG
k() { "$kubectl" --cache-dir "$work/kcache" "$@"; }
echo "simulator at $K8S_SIM_URL (kubeconfig $KUBECONFIG)"

say "Loading the sample application (namespace demo)"
voldir=$("$top/tests/k8s-sim/load-sample-app.sh" "$KUBECONFIG" | tail -n 1)
k get all,configmaps,secrets,pvc,widgets -n demo

# The embedded default location: lifeboat.io/file under $LIFEBOAT_DATA_DIR.
export LIFEBOAT_DATA_DIR=$work/lifeboat-data
# The fs-copy repository password (volume data); a real setup keeps it in a file.
export LIFEBOAT_REPO_PASSWORD=${LIFEBOAT_REPO_PASSWORD:-lifeboat-demo-password}
mkdir -p "$LIFEBOAT_DATA_DIR/storage"
snapshot() {
  for r in pods deployments services configmaps secrets persistentvolumeclaims serviceaccounts \
           widgets.example.lifeboat.io; do
    k get "$r" -n demo -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}{"\n"}{end}'
  done | grep -v '^ServiceAccount/default$' | sort
}
before=$(snapshot)
data_sum() { (cd "$1" && find . -type f | sort | xargs sha256sum) | sha256sum | cut -c1-16; }
data_before=$(data_sum "$voldir")
status_before=$(k get widget demo-widget -n demo -o jsonpath='{.status.phase}')

say "lifeboat backup create demo-backup --include-namespaces demo"
"$lifeboat" backup create demo-backup --include-namespaces demo
"$lifeboat" backup get
"$lifeboat" backup describe demo-backup --details | sed -n '1,60p'

say "Deleting namespace demo (the disaster)"
k delete namespace demo --wait=true
k get namespaces

say "lifeboat restore create demo-restore --from-backup demo-backup --restore-status widgets"
"$lifeboat" restore create demo-restore --from-backup demo-backup --restore-status widgets
"$lifeboat" restore describe demo-restore

say "What is back"
k get all,configmaps,secrets,pvc,widgets -n demo
after=$(snapshot)
status_after=$(k get widget demo-widget -n demo -o jsonpath='{.status.phase}')
if [ "$before" != "$after" ]; then
  echo "MISMATCH: objects before and after differ:"; diff <(echo "$before") <(echo "$after") || true
  exit 1
fi
echo "All $(echo "$after" | wc -l) objects are back:"; echo "$after" | sed 's/^/  /'
echo "Widget status.phase before: $status_before, after: $status_after"
[ "$status_before" = "$status_after" ] || { echo "MISMATCH: widget status"; exit 1; }
pv=$(k get pvc demo-data -n demo -o jsonpath='{.spec.volumeName}')
newdir=$(k get pv "$pv" -o jsonpath='{.metadata.annotations.sim\.lifeboat\.io/path}')
data_after=$( [ -d "$newdir" ] && data_sum "$newdir" || echo none)
echo "PVC demo-data files: before $data_before, after $data_after (volume $newdir)"
[ "$data_before" = "$data_after" ] || { echo "MISMATCH: PVC data"; exit 1; }

cat <<EOT

==> Done. The same commands against a real cluster and bucket:

  # lifeboat.yaml
  storageLocations:
    - name: default
      provider: aws                # or minio, gcp, file
      bucket: my-bucket
      prefix: lifeboat             # Velero-compatible layout under <prefix>/backups/...
      config: {region: eu-west-1}
      credentialsFile: ~/.aws/credentials
  repository:
    passwordFile: /etc/lifeboat/repo-password   # encrypts volume data copies (fs-copy)

  lifeboat --config lifeboat.yaml --kubeconfig ~/.kube/config --context prod \\
      backup create nightly --include-namespaces 'app-*' --ttl 720h
  lifeboat --config lifeboat.yaml --kubeconfig ~/.kube/config --context dr \\
      restore create --from-backup nightly --namespace-mappings app-a:app-a-dr

Velero can read these backups (and we read Velero's): point both at the same bucket/prefix.
EOT
