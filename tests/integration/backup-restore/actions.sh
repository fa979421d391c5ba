#!/usr/bin/env bash
# Item actions end to end: actions.sh LIFEBOAT_BINARY ACTION_PLUGIN_DIR
# RestoreItemActions that ask for additional items (restored first, not duplicated, a
# warning when missing), wait for them to be ready, skip items; and async operations of
# RestoreItemActions and BackupItemActions (polled to completion, or canceled at the item
# operation timeout), against the cluster simulator with the fixture plugin
# test.lifeboat.io/actions. Counts come from the fixture's counter files, never from time.
set -uo pipefail
lifeboat=$(realpath "${1:?usage: actions.sh path/to/lifeboat action-plugin-dir}")
fxdir=$(realpath "${2:?usage: actions.sh path/to/lifeboat action-plugin-dir}")
top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lb-actions-it.XXXXXX")
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
lacks() { ! grep -q -- "$2" <<<"$1"; }
count() { [ -f "$1" ] && stat -c %s "$1" || echo 0; } # bytes = calls

export LIFEBOAT_PLUGIN_DIRS="${LIFEBOAT_PLUGIN_DIRS:+$LIFEBOAT_PLUGIN_DIRS:}$fxdir"
export LB_FX_ACTIONS_DIR=$work/fx
mkdir -p "$LB_FX_ACTIONS_DIR"

eval "$("$top/tests/servers/k8s-sim-up.sh" --dir "$work/sim" -- --log "$work/requests.log")"
pids+=("$K8S_SIM_PID")
KA=$K8S_SIM_KUBECONFIG
ka() { "$kubectl" --kubeconfig "$KA" --cache-dir "$work/kc" "$@"; }
store=$work/store
mkdir -p "$store"
cat > "$work/lifeboat.yaml" <<EOT
storageLocations:
  - name: default
    provider: file
    bucket: bkt
    prefix: fx
    default: true
    config: {root: $store, createBucket: "true"}
queue:
  stateDir: $work/state
EOT
lb() { "$lifeboat" --config "$work/lifeboat.yaml" --kubeconfig "$KA" "$@"; }
bdir=$store/bkt/fx/backups
rdir=$store/bkt/fx/restores
results() { gzip -dc "$rdir/$1/restore-$1-results.gz"; }

# ---- the source namespace ------------------------------------------------------------------
ka apply -f - >/dev/null <<'EOT'
apiVersion: v1
kind: Namespace
metadata: {name: fx}
---
apiVersion: v1
kind: Secret
metadata: {name: s1, namespace: fx}
stringData: {k: one}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-add, namespace: fx, labels: {fx-ria: additional},
           annotations: {fx/additional: "secrets/s1,secrets/missing-one"}}
data: {k: v}
---
apiVersion: v1
kind: Secret
metadata: {name: s2, namespace: fx}
stringData: {k: two}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-wait, namespace: fx, labels: {fx-ria: wait},
           annotations: {fx/additional: "secrets/s2"}}
---
apiVersion: v1
kind: Secret
metadata: {name: s-never, namespace: fx}
stringData: {k: never}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-never, namespace: fx, labels: {fx-ria: wait},
           annotations: {fx/additional: "secrets/s-never", fx/ready-timeout-ms: "200"}}
---
apiVersion: v1
kind: Secret
metadata: {name: s3, namespace: fx}
stringData: {k: three}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-skip, namespace: fx, labels: {fx-ria: skip},
           annotations: {fx/additional: "secrets/s3"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-async, namespace: fx, labels: {fx-ria: async}, annotations: {fx/polls: "3"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-async-never, namespace: fx, labels: {fx-ria: async},
           annotations: {fx/polls: "never"}}
EOT

out=$(lb backup create src --include-namespaces fx 2>&1); echo "$out" | tail -1
check "source backup: Completed" contains "$out" "Completed"
check "source backup: no item operations (no BIA applies)" \
  test "$(gzip -dc "$bdir/src/src-itemoperations.json.gz")" = "[]"

# ---- 1. additional items -------------------------------------------------------------------
: > "$work/requests.log"
out=$(lb restore create r-add --from-backup src --selector fx-ria=additional \
      --namespace-mappings fx:fx-a 2>&1); echo "$out" | tail -1
check "additional: the requested secret was restored (mapped namespace)" ka get secret s1 -n fx-a
check "additional: the item itself was created" ka get configmap cm-add -n fx-a
check "additional: the other secrets were not (label selector)" \
  test -z "$(ka get secrets -n fx-a -o name 2>/dev/null | grep -v 's1$')"
posts=$(grep '^POST ' "$work/requests.log" | grep -n 'namespaces/fx-a/\(secrets\|configmaps\)')
check "additional: the secret was created before the configmap that asked for it" \
  test "$(grep -m1 -o 'fx-a/[a-z]*' <<<"$posts")" = "fx-a/secrets"
res=$(results r-add)
check "additional: a missing item is a warning naming it" contains "$res" "missing-one"
check "additional: that warning says it is not in the backup" contains "$res" "not in the backup"
check "additional: the restore is Completed (a warning only)" contains "$out" "Completed"
logs=$(lb restore logs r-add 2>&1)
check "additional: the log names the action that asked" \
  contains "$logs" "Restoring additional item secrets fx/s1 for restore item action test.lifeboat.io/ria-additional"

# the whole namespace: secrets come before configmaps, so s1 is already restored
out=$(lb restore create r-all --from-backup src --namespace-mappings fx:fx-b \
      --selector 'fx-ria notin (wait,async)' 2>&1); echo "$out" | tail -1
logs=$(lb restore logs r-all 2>&1)
check "additional: an item already restored is not restored again" \
  contains "$logs" "secrets fx-b/s1: already restored"
check "additional: no conflict on it" lacks "$(results r-all)" "s1"
# again into fx-a: both exist in the cluster -> skipped, never duplicated
out=$(lb restore create r-again --from-backup src --selector fx-ria=additional \
      --namespace-mappings fx:fx-a 2>&1); echo "$out" | tail -1
check "additional: existing items are not duplicated (restore still Completed)" contains "$out" "Completed"
check "additional: one secret s1 in fx-a" test "$(ka get secrets -n fx-a -o name | grep -c 's1$')" = 1

# ---- 2. waitForAdditionalItems -------------------------------------------------------------
out=$(lb restore create r-wait --from-backup src --selector fx-ria=wait \
      --namespace-mappings fx:fx-w --item-operation-poll-interval 20ms \
      --additional-items-ready-timeout 10m 2>&1); echo "$out" | tail -1
check "wait: the item whose additional items got ready was created" ka get configmap cm-wait -n fx-w
check "wait: its additional item was restored" ka get secret s2 -n fx-w
check "wait: readiness was checked until ready (3 checks)" test "$(count "$LB_FX_ACTIONS_DIR/ready-s2")" = 3
check "wait: the never-ready item was not created" test -z "$(ka get configmap cm-never -n fx-w -o name 2>/dev/null)"
check "wait: its additional item was restored all the same" ka get secret s-never -n fx-w
res=$(results r-wait)
check "wait: the timeout is an error naming the item" contains "$res" "cm-never"
check "wait: ... and saying it timed out waiting" contains "$res" "timed out after 200ms waiting for additional items"
check "wait: the action's timeout overrides the flag (checked more than once)" \
  test "$(count "$LB_FX_ACTIONS_DIR/ready-s-never")" -gt 1
check "wait: the restore is PartiallyFailed" contains "$out" "PartiallyFailed"

# ---- 3. skipRestore ------------------------------------------------------------------------
out=$(lb restore create r-skip --from-backup src --selector fx-ria=skip \
      --namespace-mappings fx:fx-s 2>&1); echo "$out" | tail -1
check "skip: the item was not created" test -z "$(ka get configmap cm-skip -n fx-s -o name 2>/dev/null)"
check "skip: its additional items were ignored" test -z "$(ka get secret s3 -n fx-s -o name 2>/dev/null)"
check "skip: the log names the action" contains "$(lb restore logs r-skip 2>&1)" "skipped by restore item action test.lifeboat.io/ria-skip"
check "skip: the restore is Completed" contains "$out" "Completed"

# ---- 4. async operations of a RestoreItemAction --------------------------------------------
out=$(lb restore create r-ops --from-backup src --selector fx-ria=async \
      --namespace-mappings fx:fx-o --item-operation-poll-interval 20ms \
      --item-operation-timeout 500ms 2>&1); echo "$out" | tail -1
check "restore ops: the items were created" ka get configmap cm-async cm-async-never -n fx-o
check "restore ops: progress polled until completed (3 polls, then no more)" \
  test "$(count "$LB_FX_ACTIONS_DIR/progress-ria.fx.cm-async.3")" = 3
check "restore ops: the completed one was not canceled" test ! -e "$LB_FX_ACTIONS_DIR/cancel-ria.fx.cm-async.3"
check "restore ops: the never-completing one was canceled at the timeout" \
  test "$(count "$LB_FX_ACTIONS_DIR/cancel-ria.fx.cm-async-never.never")" = 1
res=$(results r-ops)
check "restore ops: the timeout is an error naming the operation" contains "$res" "ria.fx.cm-async-never.never"
check "restore ops: ... saying it timed out" contains "$res" "timed out after 500ms"
check "restore ops: PartiallyFailed" contains "$out" "PartiallyFailed"
check "restore ops: restore-r-ops-itemoperations.json.gz holds Velero's RestoreOperation records" \
  /usr/bin/python3 -c "
import gzip, json
d = json.load(gzip.open('$rdir/r-ops/restore-r-ops-itemoperations.json.gz'))
ops = {o['spec']['operationID']: o for o in d}
a, n = ops['ria.fx.cm-async.3'], ops['ria.fx.cm-async-never.never']
assert a['spec']['restoreName'] == 'r-ops' and a['spec']['restoreItemAction'] == 'test.lifeboat.io/ria-async'
assert a['spec']['resourceIdentifier'] == {'Group': '', 'Resource': 'configmaps', 'Namespace': 'fx-o', 'Name': 'cm-async'}
assert a['status']['phase'] == 'Completed' and a['status']['nCompleted'] == 3 and a['status']['nTotal'] == 3
assert n['status']['phase'] == 'Failed' and 'timed out' in n['status']['error']
"
d=$(lb restore describe r-ops --details 2>&1)
check "restore ops: describe --details lists the operations" contains "$d" "Restore Item Operations:"
check "restore ops: ... with ID and phase" contains "$d" "Operation ID:        ria.fx.cm-async.3"
logs=$(lb restore logs r-ops 2>&1)
check "restore ops: the log shows WaitingForPluginOperations" contains "$logs" "Restore phase WaitingForPluginOperations"

# ---- 5. async operations of a BackupItemAction ---------------------------------------------
ka apply -f - >/dev/null <<'EOT'
apiVersion: v1
kind: Namespace
metadata: {name: fxb}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b-async, namespace: fxb, labels: {fx-bia: async, fx-case: done},
           annotations: {fx/polls: "2"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b-never, namespace: fxb, labels: {fx-bia: async, fx-case: never},
           annotations: {fx/polls: "never"}}
EOT
out=$(lb backup create bops --include-namespaces fxb --selector fx-case=done \
      --item-operation-poll-interval 20ms 2>&1); echo "$out" | tail -1
check "backup ops: Completed" contains "$out" "Completed"
check "backup ops: progress polled until completed (2 polls)" \
  test "$(count "$LB_FX_ACTIONS_DIR/progress-bia.fxb.b-async.2")" = 2
check "backup ops: bops-itemoperations.json.gz holds Velero's BackupOperation records" \
  /usr/bin/python3 -c "
import gzip, json
d = json.load(gzip.open('$bdir/bops/bops-itemoperations.json.gz'))
assert len(d) == 1, d
s, st = d[0]['spec'], d[0]['status']
assert s['backupName'] == 'bops' and s['backupUID'] and s['backupItemAction'] == 'test.lifeboat.io/bia-async'
assert s['operationID'] == 'bia.fxb.b-async.2'
assert s['postOperationItems'] == [{'Group': '', 'Resource': 'configmaps', 'Namespace': 'fxb', 'Name': 'b-async'}]
assert st['phase'] == 'Completed' and st['nCompleted'] == 2
"
check "backup ops: the post-operation item was backed up again while Finalizing" \
  /usr/bin/python3 -c "
import json, tarfile
t = tarfile.open('$bdir/bops/bops.tar.gz')
names = t.getnames()
for p in ('resources/configmaps/namespaces/fxb/b-async.json',
          'resources/configmaps/v1-preferredversion/namespaces/fxb/b-async.json'):
    assert names.count(p) == 1, (p, names.count(p))
    o = json.load(t.extractfile(p))
    assert o['metadata']['annotations']['fx/finalized'] == 'yes', o
"
logs=$(lb backup logs bops 2>&1)
check "backup ops: the log shows WaitingForPluginOperations" contains "$logs" "Backup phase WaitingForPluginOperations"
check "backup ops: ... then Finalizing" contains "$logs" "Backup phase Finalizing"
d=$(lb backup describe bops --details 2>&1)
check "backup ops: describe --details lists the operation" contains "$d" "Operation ID:        bia.fxb.b-async.2"
check "backup ops: ... and its items to update" contains "$d" "configmaps fxb/b-async"
check "backup ops: velero-backup.json is Completed" /usr/bin/python3 -c "
import json; d = json.load(open('$bdir/bops/velero-backup.json')); assert d['status']['phase'] == 'Completed'"

out=$(lb backup create bnever --include-namespaces fxb --selector fx-case=never \
      --item-operation-poll-interval 20ms --item-operation-timeout 300ms 2>&1); echo "$out" | tail -1
check "backup ops timeout: PartiallyFailed" contains "$out" "PartiallyFailed"
check "backup ops timeout: cancel was called once" \
  test "$(count "$LB_FX_ACTIONS_DIR/cancel-bia.fxb.b-never.never")" = 1
res=$(gzip -dc "$bdir/bnever/bnever-results.gz")
check "backup ops timeout: an error naming the operation" contains "$res" "bia.fxb.b-never.never"
check "backup ops timeout: ... saying it timed out" contains "$res" "timed out after 300ms"
check "backup ops timeout: the record says Failed" /usr/bin/python3 -c "
import gzip, json
d = json.load(gzip.open('$bdir/bnever/bnever-itemoperations.json.gz'))
assert d[0]['status']['phase'] == 'Failed' and 'canceled' in d[0]['status']['error']"
check "backup ops timeout: the backup is still restorable (tarball written)" test -s "$bdir/bnever/bnever.tar.gz"

echo "actions: $pass passed, $fail failed"
[ "$fail" = 0 ]
