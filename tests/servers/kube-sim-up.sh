#!/usr/bin/env bash
# Start Lifeboat's Kubernetes cluster simulator on 127.0.0.1 and a free port: TLS with a bearer
# token and a client certificate, plus a plain-HTTP listener, and a kubeconfig for both.
# Prints eval-able KUBESIM_* lines on stdout; stop it with kube-sim-down.sh "$KUBESIM_DIR".
#
#   eval "$(tests/servers/kube-sim-up.sh [--dir DIR] [--persist] [--log-requests] [-- ARGS])"
#
# --dir DIR      keep everything (pki, token, kubeconfig, log, volume data) in DIR; an existing
#                DIR is reused, so --persist + the same DIR restarts with the same objects
# --persist      keep objects in DIR/state across restarts (the simulator's --state-dir)
# --log-requests one line per request in DIR/kubesim.log
# ARGS           passed to the simulator (python3 -m kubesim --help)
# Env: PYTHON (default python3), KUBESIM_START_TIMEOUT (seconds, default 15).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir="" persist=0 log=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --persist) persist=1; shift ;;
    --log-requests) log=(--log-requests); shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "kube-sim-up: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
if [ -z "$dir" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/kubesim.XXXXXX")
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
py=${PYTHON:-python3}

if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
  echo "kube-sim-up: a simulator already runs from $dir (pid $(cat "$dir/pid")); stop it with" \
       "kube-sim-down.sh $dir" >&2
  exit 1
fi

pki=$dir/pki
if [ ! -f "$pki/ca.crt" ]; then
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kubesim-ca" \
      -keyout ca.key -out ca.crt -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
      -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=lifeboat-admin" \
      -keyout client.key -out client.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out client.crt 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
fi
if [ ! -f "$dir/token" ]; then
  openssl rand -hex 24 >"$dir/token"
fi
token=$(cat "$dir/token")

args=(--listen 127.0.0.1 --port 0 --http-port 0 --tls-cert "$pki/server.crt"
      --tls-key "$pki/server.key" --client-ca "$pki/ca.crt" --token "$token:lifeboat-admin"
      --port-file "$dir/port.json" --data-dir "$dir/data")
if [ "$persist" = 1 ]; then
  args+=(--state-dir "$dir/state")
fi
rm -f "$dir/port.json"
PYTHONPATH="$here/kubesim${PYTHONPATH:+:$PYTHONPATH}" \
  nohup "$py" -m kubesim "${args[@]}" "${log[@]}" "${extra[@]}" \
  >>"$dir/kubesim.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$dir/pid"

deadline=$(( $(date +%s) + ${KUBESIM_START_TIMEOUT:-15} ))
while [ ! -s "$dir/port.json" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "kube-sim-up: the simulator exited during start; its log ($dir/kubesim.log):" >&2
    tail -n 30 "$dir/kubesim.log" >&2
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "kube-sim-up: the simulator did not listen within ${KUBESIM_START_TIMEOUT:-15}s;" \
         "stopping pid $pid. Log: $dir/kubesim.log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  sleep 0.05
done

read -r port http_port < <("$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["port"], d["httpPort"])' "$dir/port.json")
b64() { base64 -w0 <"$1"; }
cat >"$dir/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: kube-sim
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority-data: $(b64 "$pki/ca.crt")
- name: kube-sim-http
  cluster:
    server: http://127.0.0.1:$http_port
users:
- name: kube-sim-token
  user:
    token: $token
- name: kube-sim-cert
  user:
    client-certificate-data: $(b64 "$pki/client.crt")
    client-key-data: $(b64 "$pki/client.key")
- name: kube-sim-anonymous
  user: {}
contexts:
- name: kube-sim
  context:
    cluster: kube-sim
    user: kube-sim-token
    namespace: default
- name: kube-sim-cert
  context:
    cluster: kube-sim
    user: kube-sim-cert
- name: kube-sim-http
  context:
    cluster: kube-sim-http
    user: kube-sim-anonymous
current-context: kube-sim
KCFG

cat <<ENV
KUBESIM_DIR=$dir
KUBESIM_PID=$pid
KUBESIM_URL=https://127.0.0.1:$port
KUBESIM_HTTP_URL=http://127.0.0.1:$http_port
KUBESIM_TOKEN=$token
KUBESIM_CA=$pki/ca.crt
KUBESIM_CLIENT_CERT=$pki/client.crt
KUBESIM_CLIENT_KEY=$pki/client.key
KUBESIM_KUBECONFIG=$dir/kubeconfig
KUBESIM_NODE_ROOT=$dir/data/node
KUBESIM_KUBELET_DIR=$dir/data/node/var/lib/kubelet
KUBESIM_SNAPSHOT_DIR=$dir/data/snapshots
ENV
