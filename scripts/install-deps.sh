#!/usr/bin/env bash
# Install what building Lifeboat needs (Debian 12). Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/apt.sh"
lb_apt_install build-essential cmake pkg-config git ca-certificates curl openssl \
	libcurl4-openssl-dev libcjson-dev libyaml-dev libssl-dev libcmocka-dev \
	libarchive-dev libzstd-dev zlib1g-dev
