#!/bin/sh
# Integration tests of core/kube against the cluster simulator over TLS with a token:
# the C test program, then `lifeboat version` (server version and its three errors).
# usage: run.sh TEST-BINARY LIFEBOAT-BINARY
set -u
test_bin=$1 lifeboat=$2
here=$(cd "$(dirname "$0")" && pwd)
servers=$here/../../servers
out=$(mktemp -d "${TMPDIR:-/tmp}/kube-it.XXXXXX")
eval "$("$servers/k8s-sim-up.sh" --tls -- --seed configmaps/seeded=3000)" || exit 1
export K8S_SIM_KUBECONFIG K8S_SIM_DIR K8S_SIM_URL K8S_SIM_HTTP_URL K8S_SIM_TOKEN
trap '"$servers/k8s-sim-down.sh" "$K8S_SIM_PID" "$K8S_SIM_DIR" >/dev/null 2>&1; rm -rf "$out"' EXIT
unset KUBECONFIG
fails=0
check() { # name, condition result
  if [ "$2" = 0 ]; then echo "ok   - $1"; else echo "FAIL - $1"; fails=$((fails + 1)); fi
}

"$test_bin"
check "C integration tests" $?

"$lifeboat" version --kubeconfig "$K8S_SIM_KUBECONFIG" > "$out/v" 2>&1
rc=$?
cat "$out/v"
grep -q "Client:" "$out/v" && grep -q "Server:" "$out/v" && grep -q "Version: v1\." "$out/v" \
  && [ $rc = 0 ]
check "version prints client and server" $?

KUBECONFIG=$K8S_SIM_KUBECONFIG "$lifeboat" version > "$out/v" 2>&1
grep -q "Server:" "$out/v"
check "version uses KUBECONFIG" $?

sed 's/token: .*/token: wrong/' "$K8S_SIM_KUBECONFIG" > "$out/wrong"
"$lifeboat" version --kubeconfig "$out/wrong" > "$out/v" 2>&1
rc=$?
cat "$out/v"
[ $rc != 0 ] && grep -q "lifeboat: the server at $K8S_SIM_URL refused the credentials of user '.*' in kubeconfig $out/wrong (401 Unauthorized): check the token" "$out/v"
check "version: wrong token" $?

"$lifeboat" version --kubeconfig "$K8S_SIM_KUBECONFIG" --context foo > "$out/v" 2>&1
rc=$?
cat "$out/v"
[ $rc != 0 ] && grep -q "lifeboat: context 'foo' not found in kubeconfig $K8S_SIM_KUBECONFIG; contexts: k8s-sim" "$out/v"
check "version: unknown context" $?

# a port nobody listens on: bind one, then let it go
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed "s#server: .*#server: https://127.0.0.1:$port#" "$K8S_SIM_KUBECONFIG" > "$out/down"
"$lifeboat" version --kubeconfig "$out/down" > "$out/v" 2>&1
rc=$?
cat "$out/v"
[ $rc != 0 ] && grep -q "lifeboat: cannot reach the server at https://127.0.0.1:$port (context 'k8s-sim' in kubeconfig $out/down): .*: check that the cluster is running" "$out/v"
check "version: unreachable server" $?

HOME=$out/nohome "$lifeboat" version > "$out/v" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "Client:" "$out/v" && ! grep -q "Server:" "$out/v"
check "version without a cluster prints the client only" $?

echo "kube integration: $fails failed"
[ $fails = 0 ]
