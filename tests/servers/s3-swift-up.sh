#!/usr/bin/env bash
# Project copy of the tested recipe /work/shared/reference/lab/s3-swift-up.sh (pitfalls:
# reference/test-servers.md §1b). Installs the packages via install-s3.sh when missing.
# Start a throw-away OpenStack Swift all-in-one (1 replica, 1 device) with the
# s3api middleware + tempauth, bound to 127.0.0.1, for S3 integration tests.
#
# Needs (Debian 12): apt-get install --no-install-recommends swift swift-proxy swift-object \
#                      swift-container swift-account memcached
# Works as root or as an ordinary user (config is read from LAB_DIR, not /etc/swift).
#
# Environment (all optional):
#   LAB_DIR     state dir                         (default: ${TMPDIR:-/tmp}/s3lab-swift)
#   S3_PORT     proxy (S3 + Swift API) port       (default: 8380)
#   SWIFT_PORT_BASE  object/container/account/memcached ports = base..base+3 (default: 16200)
# The S3 access key is "<account>:<user>" of tempauth: test:tester / testing.
# Prints S3_ENDPOINT=..., S3_ACCESS_KEY=..., S3_SECRET_KEY=... lines on stdout.
# Stop with: s3-down.sh DIR (same LAB_DIR).
set -euo pipefail
LAB_DIR=${LAB_DIR:-${TMPDIR:-/tmp}/s3lab-swift}
S3_PORT=${S3_PORT:-8380}
BASE=${SWIFT_PORT_BASE:-16200}
OBJ_PORT=$BASE CONT_PORT=$((BASE+1)) ACCT_PORT=$((BASE+2)) MC_PORT=$((BASE+3))
ME=$(id -un)
t0=$(date +%s%N)
el() { echo $(( ($(date +%s%N) - t0) / 1000000 )) | awk '{printf "%.2f", $1/1000}'; }
log() { echo "[swift-up $(el)s] $*" >&2; }

for b in swift-ring-builder swift-proxy-server swift-object-server swift-container-server swift-account-server memcached; do
  command -v "$b" >/dev/null || { "$(dirname "$0")/install-s3.sh" >&2; break; }
done
for b in swift-ring-builder swift-proxy-server swift-object-server swift-container-server swift-account-server memcached; do
  command -v "$b" >/dev/null || { echo "missing $b (tests/servers/install-s3.sh)" >&2; exit 1; }
done
if ls "$LAB_DIR"/run/*.pid >/dev/null 2>&1; then echo "$LAB_DIR in use; run s3-down.sh $LAB_DIR" >&2; exit 1; fi
rm -rf "$LAB_DIR"; mkdir -p "$LAB_DIR"/{srv/d1,run,log}
D=$LAB_DIR

cat >"$D/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = lab$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
swift_hash_path_prefix = lab
[storage-policy:0]
name = Policy-0
default = yes
EOF

for r in object:$OBJ_PORT container:$CONT_PORT account:$ACCT_PORT; do
  n=${r%%:*} p=${r##*:}
  swift-ring-builder "$D/$n.builder" create 6 1 1 >/dev/null
  swift-ring-builder "$D/$n.builder" add "r1z1-127.0.0.1:$p/d1" 1 >/dev/null
  swift-ring-builder "$D/$n.builder" rebalance >/dev/null 2>&1 || true
  cat >"$D/$n-server.conf" <<EOF
[DEFAULT]
devices = $D/srv
mount_check = false
disable_fallocate = true
bind_ip = 127.0.0.1
bind_port = $p
workers = 0
user = $ME
swift_dir = $D
log_level = WARNING
[pipeline:main]
pipeline = $n-server
[app:$n-server]
use = egg:swift#$n
# One replica on a small, shared machine: give container updates time instead of
# leaving them for an updater daemon we do not run (listings would then lag behind).
container_update_timeout = 30
EOF
done
log "rings built"

cat >"$D/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $S3_PORT
workers = 0
user = $ME
swift_dir = $D
log_level = WARNING
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
# With a single replica there is no other node to try: never error-limit the only one
# (a busy 2-core CI machine can miss the 0.5 s default connect timeout, and Swift would then
# answer 404/503 for a container that exists).
conn_timeout = 5
node_timeout = 60
error_suppression_limit = 100000
error_suppression_interval = 1
[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC_PORT
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
EOF

start() { # name cmd...
  local name=$1; shift
  "$@" >"$D/log/$name.log" 2>&1 &
  echo $! >"$D/run/$name.pid"
}
start memcached memcached -u "$ME" -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 64
for n in object container account; do start "$n" "swift-$n-server" "$D/$n-server.conf"; done
start proxy swift-proxy-server "$D/proxy-server.conf"
for i in $(seq 1 150); do
  curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/healthcheck" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/healthcheck" || { echo "proxy did not come up; see $D/log" >&2; exit 1; }
# wait until the backend servers answer too
for p in $OBJ_PORT $CONT_PORT $ACCT_PORT; do
  for i in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$p/healthcheck" && break; sleep 0.1; done
done
log "ready"
cat <<EOF
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
S3_ACCESS_KEY=test:tester
S3_SECRET_KEY=testing
S3_REGION=us-east-1
S3_LAB_DIR=$D
S3_STARTUP_SECONDS=$(el)
EOF
