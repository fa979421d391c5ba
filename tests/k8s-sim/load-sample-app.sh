#!/bin/sh
# Load the demo app into a simulator: load-sample-app.sh KUBECONFIG
# Applies sample-app/*.yaml with kubectl 1.20, writes data files into the PVC's volume
# directory (the same files then show under the demo-data pod's kubelet dir), and sets
# the Widget's status through its /status subresource. Prints the volume dir last.
# KUBECTL may name the kubectl binary; default: the one install-k8s-clients.sh provides.
set -eu
kc=${1:?usage: load-sample-app.sh KUBECONFIG}
here=$(cd "$(dirname "$0")" && pwd)
kubectl=${KUBECTL:-$("$here/../servers/install-k8s-clients.sh" | tail -n 1)}
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
k() { "$kubectl" --kubeconfig "$kc" --cache-dir "$cache" "$@"; }

k apply -f "$here/sample-app/00-cluster.yaml" >&2
k wait --for condition=established --timeout=60s crd/widgets.example.lifeboat.io >&2
k apply -f "$here/sample-app/10-app.yaml" >&2
k apply -f "$here/sample-app/20-widget.yaml" >&2

pv=$(k get pvc demo-data -n demo -o jsonpath='{.spec.volumeName}')
[ -n "$pv" ] || { echo "load-sample-app: PVC demo/demo-data is not bound" >&2; exit 1; }
dir=$(k get pv "$pv" -o jsonpath='{.metadata.annotations.sim\.lifeboat\.io/path}')
[ -d "$dir" ] || { echo "load-sample-app: volume dir of $pv not found ($dir)" >&2; exit 1; }
mkdir -p "$dir/orders" "$dir/images"
printf 'id,item,qty\n1,lifejacket,4\n2,paddle,2\n3,flare,12\n' > "$dir/orders/2026-11.csv"
printf 'lifeboat demo volume\n' > "$dir/README.txt"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4096)' \
  > "$dir/images/blob.bin"
ln -sf README.txt "$dir/readme-link"

tmp=$cache/widget-status.json
k get widget demo-widget -n demo -o json | /usr/bin/python3 -c '
import json, sys
o = json.load(sys.stdin)
o["status"] = {"phase": "Ready", "observedGeneration": o["metadata"].get("generation", 1),
               "conditions": [{"type": "Ready", "status": "True", "reason": "Provisioned"}]}
json.dump(o, sys.stdout)' > "$tmp"
k replace --raw /apis/example.lifeboat.io/v1/namespaces/demo/widgets/demo-widget/status \
  -f "$tmp" >/dev/null
echo "$dir"
