#!/bin/sh
# Start the Kubernetes API simulator on 127.0.0.1 and a free port.
#
# usage: k8s-sim-up.sh [--tls] [--state-dir D] [--profile NAME] [--dir D] [-- SIM-ARGS...]
#   --tls          also serve HTTPS with a self-signed CA (SAN IP:127.0.0.1) and a bearer
#                  token; the kubeconfig then points at HTTPS with CA and token
#   --state-dir D  keep objects (and volume data) in D across restarts
#   --profile N    served-version profile: default, old, new (see tests/k8s-sim/README.md)
#   --dir D        working directory (default: a fresh mktemp dir)
#   SIM-ARGS       passed to k8s-sim.py (e.g. --serve autoscaling=v2 --seed configmaps/b=1000)
#
# Prints eval-able lines:
#   K8S_SIM_URL=...         https URL with --tls, else http URL
#   K8S_SIM_HTTP_URL=...    plain HTTP URL (no authentication)
#   K8S_SIM_KUBECONFIG=...  kubeconfig for K8S_SIM_URL
#   K8S_SIM_TOKEN=...       bearer token (with --tls; empty otherwise)
#   K8S_SIM_CA=...          CA certificate (with --tls; empty otherwise)
#   K8S_SIM_CLIENT_CERT/KEY client certificate + key signed by the CA (with --tls only);
#                           the kubeconfig's context "k8s-sim-cert" uses them
#   K8S_SIM_PID=...         stop with: k8s-sim-down.sh $K8S_SIM_PID $K8S_SIM_DIR
#   K8S_SIM_DIR=...         working dir: kubeconfig, certs, sim.log, storage/, kubelet/
#   K8S_SIM_STORAGE=...     storage root (volume and snapshot data)
#   K8S_SIM_KUBELET_DIR=... node kubelet dir (pods/<uid>/volumes/<plugin>/<name>)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sim=$here/../k8s-sim/k8s-sim.py
tls=0 state= profile=default dir=
while [ $# -gt 0 ]; do
  case $1 in
    --tls) tls=1 ;;
    --state-dir) state=$2; shift ;;
    --profile) profile=$2; shift ;;
    --dir) dir=$2; shift ;;
    --) shift; break ;;
    *) echo "k8s-sim-up: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$dir" ] || dir=$(mktemp -d "${TMPDIR:-/tmp}/k8s-sim.XXXXXX")
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
: > "$dir/.k8s-sim"
set -- --port 0 --port-file "$dir/ports.json" --profile "$profile" "$@"
if [ -n "$state" ]; then
  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  set -- --state-dir "$state" "$@"
  storage=$state/storage kubelet=$state/kubelet
else
  set -- --data-dir "$dir" "$@"
  storage=$dir/storage kubelet=$dir/kubelet
fi
token= ca=
if [ $tls = 1 ]; then
  command -v openssl >/dev/null || { echo "k8s-sim-up: openssl missing (run tests/servers/install-k8s-clients.sh)" >&2; exit 1; }
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj /CN=k8s-sim-ca -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
      -subj /CN=k8s-sim 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out server.crt -days 3650 -extfile server.ext 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
      -subj "/O=system:masters/CN=lifeboat-test" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' > client.ext
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out client.crt -days 3650 -extfile client.ext 2>/dev/null
  )
  token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  ca=$dir/ca.crt
  set -- --tls-port 0 --tls-cert "$dir/server.crt" --tls-key "$dir/server.key" --token "$token" \
    --client-ca "$dir/ca.crt" "$@"
fi
rm -f "$dir/ports.json"
/usr/bin/python3 "$sim" "$@" > "$dir/sim.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$dir/ports.json" ]; do
  if ! kill -0 $pid 2>/dev/null; then
    echo "k8s-sim-up: the simulator exited; its log ($dir/sim.log):" >&2
    cat "$dir/sim.log" >&2
    exit 1
  fi
  i=$((i + 1))
  if [ $i -gt 600 ]; then
    echo "k8s-sim-up: the simulator did not start listening; see $dir/sim.log" >&2
    kill $pid 2>/dev/null || true
    exit 1
  fi
  sleep 0.1
done
http_port=$(sed -n 's/.*"http": *\([0-9]*\).*/\1/p' "$dir/ports.json")
https_port=$(sed -n 's/.*"https": *\([0-9]*\).*/\1/p' "$dir/ports.json")
http_url=http://127.0.0.1:$http_port
if [ $tls = 1 ]; then
  url=https://127.0.0.1:$https_port
  cat > "$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: k8s-sim
  cluster:
    server: $url
    certificate-authority: $ca
contexts:
- name: k8s-sim
  context:
    cluster: k8s-sim
    user: k8s-sim
    namespace: default
- name: k8s-sim-cert
  context:
    cluster: k8s-sim
    user: k8s-sim-cert
    namespace: default
current-context: k8s-sim
users:
- name: k8s-sim
  user:
    token: $token
- name: k8s-sim-cert
  user:
    client-certificate: $dir/client.crt
    client-key: $dir/client.key
KC
else
  url=$http_url
  cat > "$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: k8s-sim
  cluster:
    server: $url
contexts:
- name: k8s-sim
  context:
    cluster: k8s-sim
    user: k8s-sim
    namespace: default
current-context: k8s-sim
users:
- name: k8s-sim
  user: {}
KC
fi
echo "$pid" > "$dir/pid"
echo "K8S_SIM_URL=$url"
echo "K8S_SIM_HTTP_URL=$http_url"
echo "K8S_SIM_KUBECONFIG=$dir/kubeconfig"
echo "K8S_SIM_TOKEN=$token"
echo "K8S_SIM_CA=$ca"
if [ $tls = 1 ]; then
  echo "K8S_SIM_CLIENT_CERT=$dir/client.crt"
  echo "K8S_SIM_CLIENT_KEY=$dir/client.key"
fi
echo "K8S_SIM_PID=$pid"
echo "K8S_SIM_DIR=$dir"
echo "K8S_SIM_STORAGE=$storage"
echo "K8S_SIM_KUBELET_DIR=$kubelet"
