#!/usr/bin/env bash
# Backup and restore rates for N small objects (ConfigMaps seeded by the simulator).
#   run.sh [N ...]            default: 10000 100000
#   LIFEBOAT=path/to/lifeboat (default: build/bin/lifeboat)   WORKERS=4
# For each N: start a simulator seeded with N ConfigMaps in namespace "bench", back the
# namespace up to a local file store, then restore it into a second namespace of the same
# simulator (namespace mapping bench:bench-r). Reports wall time, items/s, and the
# simulator's own CPU time during each step (its share of the work: it is a Python
# process on the same 2 cores). Nothing here asserts on time.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lifeboat=$(realpath "${LIFEBOAT:-$top/build/bin/lifeboat}")
workers=${WORKERS:-4}
qps=${CLIENT_QPS:--1}   # -1: no client-side rate limit (the CLI default is 500 QPS, burst 1000)
export LIFEBOAT_PLUGIN_DIRS=${LIFEBOAT_PLUGIN_DIRS:-$(dirname "$lifeboat")/../lib/lifeboat/plugins}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
tick=$(getconf CLK_TCK)

cpu_s() { awk -v t="$tick" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
now() { date +%s.%N; }

printf '%-8s %-8s %9s %10s %12s %14s\n' N step "wall s" "items/s" "sim cpu s" "lifeboat cpu s"
for n in "${sizes[@]}"; do
  work=$(mktemp -d "${TMPDIR:-/tmp}/lb-bench.XXXXXX")
  eval "$("$top/tests/servers/k8s-sim-up.sh" --dir "$work/sim" -- --seed "configmaps/bench=$n")"
  trap '"$top/tests/servers/k8s-sim-down.sh" "$K8S_SIM_PID" >/dev/null 2>&1; rm -rf "$work"' EXIT
  mkdir -p "$work/store"
  cat > "$work/lifeboat.yaml" <<EOT
storageLocations:
  - {name: default, provider: file, bucket: b, config: {root: $work/store, createBucket: "true"}}
queue: {stateDir: $work/state}
EOT
  lb() { "$lifeboat" --config "$work/lifeboat.yaml" --kubeconfig "$K8S_SIM_KUBECONFIG" "$@"; }
  for step in backup restore; do
    c0=$(cpu_s "$K8S_SIM_PID"); t0=$(now)
    if [ $step = backup ]; then
      /usr/bin/time -f '%U %S' -o "$work/time" "$lifeboat" --config "$work/lifeboat.yaml" \
        --kubeconfig "$K8S_SIM_KUBECONFIG" backup create bench --include-namespaces bench \
        --workers "$workers" --client-qps "$qps" --wait=false > "$work/out" 2>&1 || { cat "$work/out"; exit 1; }
    else
      /usr/bin/time -f '%U %S' -o "$work/time" "$lifeboat" --config "$work/lifeboat.yaml" \
        --kubeconfig "$K8S_SIM_KUBECONFIG" restore create bench-r --from-backup bench \
        --namespace-mappings bench:bench-r --workers "$workers" --client-qps "$qps" --wait=false > "$work/out" 2>&1 \
        || { cat "$work/out"; exit 1; }
    fi
    t1=$(now); c1=$(cpu_s "$K8S_SIM_PID")
    items=$(grep -oE '[0-9]+ items' "$work/out" | head -1 | cut -d' ' -f1)
    awk -v n="$n" -v s="$step" -v w="$(echo "$t1 - $t0" | bc)" -v i="$items" \
        -v c="$(echo "$c1 - $c0" | bc)" -v l="$(awk '{print $1 + $2}' "$work/time")" \
        'BEGIN { printf "%-8s %-8s %9.2f %10.0f %12.2f %14.2f\n", n, s, w, i / w, c, l }'
    tail -1 "$work/out" | sed 's/^/    /'
  done
  ls -l "$work/store/b/backups/bench/bench.tar.gz" | awk '{print "    tarball " $5 " bytes"}'
  "$top/tests/servers/k8s-sim-down.sh" "$K8S_SIM_PID" >/dev/null 2>&1; rm -rf "$work"; trap - EXIT
done
