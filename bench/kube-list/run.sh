#!/bin/sh
# Benchmark: how fast the engine lists configmaps from the simulator, and how much of that
# time the simulator spends in its own handlers. Seeds 10k and 100k configmaps at start
# (k8s-sim --seed, the bulk path), then for each: lb_kube_list over HTTP and over TLS with a
# token (page size 500), and a minimal Python client over HTTP for comparison.
# usage: bench/kube-list/run.sh [BUILD_DIR]   (default build; needs kube_list_bench built)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
build=${1:-$root/build}
bench=$build/bin/kube_list_bench
[ -x "$bench" ] || { echo "build kube_list_bench first (cmake --build $build --target kube_list_bench)" >&2; exit 1; }
eval "$("$root/tests/servers/k8s-sim-up.sh" --tls -- --seed configmaps/bench10k=10000 --seed configmaps/bench100k=100000)"
trap '"$root/tests/servers/k8s-sim-down.sh" "$K8S_SIM_PID" "$K8S_SIM_DIR" >/dev/null 2>&1' EXIT
http_kc=$K8S_SIM_DIR/http.kubeconfig
sed "s#server: .*#server: $K8S_SIM_HTTP_URL#" "$K8S_SIM_KUBECONFIG" > "$http_kc"
for ns in bench10k bench100k; do
  echo "== $ns: lb_kube_list over HTTP (page 500)"
  "$bench" "$http_kc" $ns 500 3
  echo "== $ns: lb_kube_list over TLS + token (page 500)"
  "$bench" "$K8S_SIM_KUBECONFIG" $ns 500 2
  echo "== $ns: raw Python http.client + json.loads over HTTP (page 500)"
  /usr/bin/python3 "$here/raw_fetch.py" "$K8S_SIM_HTTP_URL" $ns 500
done
