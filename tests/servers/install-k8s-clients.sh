#!/bin/sh
# Install the Kubernetes clients the fidelity suite judges the simulator with:
# kubectl 1.20 (Debian package kubernetes-client) and python3-kubernetes.
# Idempotent. Prints the path of a kubectl 1.20 binary on its last line.
#
# Where /usr/bin/kubectl belongs to another package (google-cloud-cli ships one), the
# Debian package is not installed over it: its .deb is downloaded and extracted with
# dpkg-deb -x into the project's cache dir, <repo>/.deps/kubectl-1.20/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${LB_DEPS_DIR:-$repo/.deps}/kubectl-1.20
apt_install() {
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@" >&2
}
is_120() { [ -x "$1" ] && "$1" version --client --short 2>/dev/null | grep -q 'v1\.20\.'; }

if ! /usr/bin/python3 -c 'import kubernetes.dynamic' 2>/dev/null; then
  apt-get update >&2 || true
  apt_install python3-kubernetes
fi
command -v openssl >/dev/null 2>&1 || apt_install openssl

for k in "$cache/usr/bin/kubectl" /usr/bin/kubectl; do
  if is_120 "$k"; then echo "$k"; exit 0; fi
done

owner=$(dpkg -S /usr/bin/kubectl 2>/dev/null | cut -d: -f1 || true)
if [ -z "$owner" ] || [ "$owner" = kubernetes-client ]; then
  apt-get update >&2 || true
  apt_install kubernetes-client
  if is_120 /usr/bin/kubectl; then echo /usr/bin/kubectl; exit 0; fi
fi
# The path is taken by another package: extract the .deb instead.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && { apt-get download kubernetes-client >&2 || { apt-get update >&2 && apt-get download kubernetes-client >&2; }; } )
rm -rf "$cache"
mkdir -p "$cache"
dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$cache"
if ! is_120 "$cache/usr/bin/kubectl"; then
  echo "install-k8s-clients: $cache/usr/bin/kubectl is not kubectl 1.20; check the Debian kubernetes-client package version" >&2
  exit 1
fi
echo "$cache/usr/bin/kubectl"
