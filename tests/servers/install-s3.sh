#!/usr/bin/env bash
# Install the S3 test servers and clients from Debian, idempotently: Ceph RADOS Gateway
# (radosgw, ceph-mon, ceph-osd), OpenStack Swift with s3api (+ memcached), awscli, s3cmd.
# Package list from /work/shared/reference/test-servers.md §1 (measured on this image).
# Usage: tests/servers/install-s3.sh   (root; does nothing when everything is present)
set -euo pipefail
pkgs=(radosgw ceph-mon ceph-osd awscli s3cmd swift swift-proxy swift-object swift-container
      swift-account memcached python3-swift curl uuid-runtime)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-s3: all ${#pkgs[@]} packages already installed" >&2
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install-s3: need root to install: ${missing[*]}" >&2; exit 1; }
echo "install-s3: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
