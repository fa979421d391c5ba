#!/usr/bin/env bash
# Install what the GCS tests need, idempotently: node + npm from Debian when missing, and
# Google's official Node client (@google-cloud/storage@7, for cross-checks only; the emulator
# itself has no npm dependencies) into a project cache dir.
#   GCS_NPM_DIR  default <repo>/.deps/gcs-npm (git-ignored)
# Usage: tests/servers/install-gcs.sh   (prints GCS_NPM_DIR=...; does nothing when present)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
GCS_NPM_DIR=${GCS_NPM_DIR:-$repo/.deps/gcs-npm}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "install-gcs: need root to install nodejs npm from Debian" >&2; exit 1; }
  echo "install-gcs: installing nodejs npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends nodejs npm
fi
if [ ! -f "$GCS_NPM_DIR/node_modules/@google-cloud/storage/package.json" ]; then
  echo "install-gcs: installing @google-cloud/storage@7 into $GCS_NPM_DIR" >&2
  mkdir -p "$GCS_NPM_DIR"
  [ -f "$GCS_NPM_DIR/package.json" ] || printf '{"name":"lifeboat-gcs-deps","private":true}\n' >"$GCS_NPM_DIR/package.json"
  npm install --prefix "$GCS_NPM_DIR" --no-audit --no-fund @google-cloud/storage@7 >&2
fi
echo "GCS_NPM_DIR=$GCS_NPM_DIR"
