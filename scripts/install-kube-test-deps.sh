#!/usr/bin/env bash
# Install what the Kubernetes fidelity suite judges with: Debian's kubectl 1.20
# (package kubernetes-client) and python3-kubernetes. Prints the kubectl path on its last line.
#
# kubectl: used from PATH when it is 1.20; otherwise the package is installed, or, when another
# package already owns /usr/bin/kubectl (google-cloud-cli's kubectl does), extracted with
# dpkg-deb -x into .deps/kubernetes-client/ without touching the system.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps=$root/.deps/kubernetes-client
sudo=""
if [ "$(id -u)" != 0 ]; then sudo=sudo; fi

updated=0
apt_update() {
  if [ "$updated" = 0 ]; then
    $sudo apt-get update -qq >&2
    updated=1
  fi
}
apt_install() {
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || { apt_update; $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
           --no-install-recommends "$@" >&2; }
}

is_120() { "$1" version --client -o json 2>/dev/null | grep -q '"minor": "20"'; }

if ! /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
  echo "install-kube-test-deps: installing python3-kubernetes" >&2
  apt_install python3-kubernetes
fi
command -v openssl >/dev/null || apt_install openssl

kubectl=""
if [ -x "$deps/usr/bin/kubectl" ] && is_120 "$deps/usr/bin/kubectl"; then
  kubectl=$deps/usr/bin/kubectl
elif command -v kubectl >/dev/null && is_120 "$(command -v kubectl)"; then
  kubectl=$(command -v kubectl)
elif ! dpkg -S /usr/bin/kubectl >/dev/null 2>&1; then
  echo "install-kube-test-deps: installing kubernetes-client (kubectl 1.20)" >&2
  apt_install kubernetes-client
  kubectl=/usr/bin/kubectl
else
  echo "install-kube-test-deps: /usr/bin/kubectl belongs to $(dpkg -S /usr/bin/kubectl | cut -d: -f1);" \
       "extracting kubernetes-client into $deps" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  ( cd "$tmp" && { apt-get download kubernetes-client >&2 2>/dev/null \
                   || { apt_update; apt-get download kubernetes-client >&2; }; } )
  rm -rf "$deps"
  mkdir -p "$deps"
  dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$deps"
  kubectl=$deps/usr/bin/kubectl
fi
is_120 "$kubectl" || { echo "install-kube-test-deps: $kubectl is not kubectl 1.20" >&2; exit 1; }
echo "$kubectl"
