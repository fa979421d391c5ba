#!/usr/bin/env bash
# Project copy of the tested recipe /work/shared/reference/lab/s3-rgw-up.sh (pitfalls:
# reference/test-servers.md §1a). Installs the packages via install-s3.sh when missing.
# Start a throw-away single-node Ceph cluster (1 mon, 1 OSD, no mgr) plus a
# RADOS Gateway (S3 API) bound to 127.0.0.1, for integration tests.
#
# Needs (Debian 12): apt-get install --no-install-recommends radosgw ceph-mon ceph-osd
# Works as root or as an ordinary user (nothing privileged is used).
#
# Environment (all optional):
#   LAB_DIR        state dir            (default: ${TMPDIR:-/tmp}/s3lab-rgw)
#   RGW_PORT       S3 endpoint port     (default: 7480)
#   MON_PORT       mon msgr2 port       (default: 13300)
#   OSD_PORT_MIN   OSD port range start (default: 16800; the OSD takes a few ports above)
#   OSD_STORE      memstore | bluestore (default: memstore; bluestore uses a sparse file)
#   STORE_BYTES    memstore RAM cap / bluestore file size (default: 1073741824)
#   S3_ACCESS_KEY / S3_SECRET_KEY  keys of the test user (defaults below)
#   S3_USER        rgw uid of the test user (default: lab)
# Prints shell-evaluable lines: S3_ENDPOINT=..., S3_ACCESS_KEY=..., ... on stdout.
# Stop with: s3-down.sh (same LAB_DIR).
set -euo pipefail

LAB_DIR=${LAB_DIR:-${TMPDIR:-/tmp}/s3lab-rgw}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-13300}
OSD_PORT_MIN=${OSD_PORT_MIN:-16800}
OSD_STORE=${OSD_STORE:-memstore}
STORE_BYTES=${STORE_BYTES:-1073741824}
S3_USER=${S3_USER:-lab}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-LABACCESSKEY0000001}
S3_SECRET_KEY=${S3_SECRET_KEY:-labsecretkey000000000000000000000000000001}

t0=$(date +%s%N)
el() { echo $(( ($(date +%s%N) - t0) / 1000000 )) | awk '{printf "%.2f", $1/1000}'; }
log() { echo "[rgw-up $(el)s] $*" >&2; }

for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph uuidgen; do
  command -v "$b" >/dev/null || { "$(dirname "$0")/install-s3.sh" >&2; break; }
done
for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph uuidgen; do
  command -v "$b" >/dev/null || { echo "missing $b (tests/servers/install-s3.sh)" >&2; exit 1; }
done
if [ -e "$LAB_DIR/run" ] && ls "$LAB_DIR"/run/*.pid >/dev/null 2>&1; then
  echo "$LAB_DIR seems in use; run s3-down.sh first" >&2; exit 1
fi
rm -rf "$LAB_DIR"
mkdir -p "$LAB_DIR"/{mon.a,osd.0,run,log,rgw}
CONF=$LAB_DIR/ceph.conf
FSID=$(uuidgen)

cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
ms bind ipv6 = false
ms bind port min = $OSD_PORT_MIN
ms bind port max = $((OSD_PORT_MIN + 100))
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
# auth 'none' cannot do msgr2 'secure' mode; radosgw asks for secure-only by default
ms mon client mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
ms cluster mode = crc
ms service mode = crc
keyring = $LAB_DIR/keyring
run dir = $LAB_DIR/run
admin socket = $LAB_DIR/run/\$name.asok
pid file = $LAB_DIR/run/\$name.pid
log file = $LAB_DIR/log/\$name.log
mon cluster log file = $LAB_DIR/log/cluster.log
log to stderr = false
err to stderr = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd crush initial weight = 1
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail crit = 1
# faster map changes (pool creation) on a one-node throw-away cluster
paxos propose interval = 0.05
paxos min wait = 0.01
mon osd reporter subtree level = osd
mon data avail warn = 2
osd objectstore = $OSD_STORE
memstore device bytes = $STORE_BYTES
bluestore block path = $LAB_DIR/osd.0/block.file
bluestore block size = $STORE_BYTES
bluestore block create = true
bluestore cache size = 134217728
bluestore fsck on mount = false
osd memory target = 939524096
osd op num shards = 1
osd op num threads per shard = 2

[mon.a]
mon data = $LAB_DIR/mon.a

[osd.0]
osd data = $LAB_DIR/osd.0

[client.rgw.a]
rgw data = $LAB_DIR/rgw
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw thread pool size = 64
rgw enable usage log = false
rgw dns name = localhost
EOF
: >"$LAB_DIR/keyring"

log "mon mkfs"
monmaptool --create --clobber --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$LAB_DIR/monmap" >/dev/null
ceph-mon -c "$CONF" -i a --mkfs --monmap "$LAB_DIR/monmap"
ceph-mon -c "$CONF" -i a
log "mon started"
# wait for quorum
for i in $(seq 1 100); do
  ceph -c "$CONF" --connect-timeout 2 mon stat >/dev/null 2>&1 && break
  sleep 0.2
done
log "mon in quorum"

OSD_UUID=$(uuidgen)
OSD_ID=$(ceph -c "$CONF" osd new "$OSD_UUID")
[ "$OSD_ID" = 0 ] || { echo "unexpected osd id $OSD_ID" >&2; exit 1; }
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$LAB_DIR/log/osd-mkfs.out" 2>&1
log "osd mkfs ($OSD_STORE)"
ceph-osd -c "$CONF" -i 0 2>>"$LAB_DIR/log/osd-start.err"
for i in $(seq 1 150); do
  ceph -c "$CONF" osd dump 2>/dev/null | grep -q '^osd.0 up' && break
  sleep 0.2
done
log "osd up"

# create rgw's pools up front in one batch (rgw would otherwise create them one by one, ~2 s each)
pools=".rgw.root default.rgw.control default.rgw.meta default.rgw.log default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec"
pids=()
for p in $pools; do ceph -c "$CONF" osd pool create "$p" 8 8 >/dev/null 2>&1 & pids+=($!); done
wait "${pids[@]}"
pids=()
for p in $pools; do ceph -c "$CONF" osd pool application enable "$p" rgw >/dev/null 2>&1 & pids+=($!); done
wait "${pids[@]}"
log "pools created"
radosgw -c "$CONF" -n client.rgw.a
for i in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$RGW_PORT/" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$RGW_PORT/" || { echo "rgw did not come up; see $LAB_DIR/log" >&2; exit 1; }
log "rgw answering on 127.0.0.1:$RGW_PORT"

radosgw-admin -c "$CONF" -n client.admin user create --uid="$S3_USER" --display-name="$S3_USER" \
  --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >"$LAB_DIR/user.json" 2>"$LAB_DIR/log/user-create.err"
log "user $S3_USER created; ready"

cat <<EOF
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_ACCESS_KEY=$S3_ACCESS_KEY
S3_SECRET_KEY=$S3_SECRET_KEY
S3_REGION=us-east-1
S3_LAB_DIR=$LAB_DIR
S3_STARTUP_SECONDS=$(el)
EOF
