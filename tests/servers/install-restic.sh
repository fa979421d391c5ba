#!/usr/bin/env bash
# Install Debian's restic (0.14 on Debian 12), the judge of fs-copy's repository format.
set -euo pipefail
if command -v restic >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-restic.sh: restic missing and not root; run: apt-get install restic" >&2
  exit 1
fi
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends restic >/dev/null
restic version
