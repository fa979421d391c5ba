#!/usr/bin/env bash
# `lifeboat fs-copy --storage-location NAME --namespace NS`: the repository lives at
# <prefix>/restic/NS/ of a storage location, reached through its ObjectStore plugin, and is
# judged by Debian's restic 0.14 (check --read-data, byte-exact restores both ways).
#   file  a lifeboat.io/file location: init/backup/snapshots/restore/check through the
#         location, restic reads <root>/<bucket>/<prefix>/restic/<ns>/ directly; a ReadOnly
#         location reads but refuses every write; the password sources and their errors.
#   rgw   an aws location on Ceph RGW (tests/servers/s3-rgw-up.sh): fs-copy writes, restic
#         restores over s3:; restic writes over s3:, fs-copy restores; both repositories pass
#         restic check --read-data.
# usage: fscopy-location-test.sh LIFEBOAT_BINARY PLUGIN_DIR file|rgw
# No timed assertions. KEEP=1 keeps the work dir.
set -uo pipefail
LB=$(realpath "${1:?lifeboat binary}")
PLUGINS=$(realpath "${2:?plugin dir}")
CASE=${3:?file|rgw}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
AWS=/usr/bin/aws # Debian's awscli, not a pyenv shim that may come first on PATH
"$ROOT/tests/servers/install-restic.sh" >/dev/null || { echo "FAIL: restic 0.14 is needed" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/fscopy-location-$CASE.XXXXXX")
cleanup() {
  [ "$CASE" = rgw ] && "$ROOT/tests/servers/s3-down.sh" "$W/lab" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "# kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export LIFEBOAT_PLUGIN_DIRS=$PLUGINS RESTIC_CACHE_DIR=$W/restic-cache
unset LIFEBOAT_REPO_PASSWORD RESTIC_PASSWORD RESTIC_PASSWORD_FILE RESTIC_REPOSITORY

pass=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
fail() { echo "FAIL - $*" >&2; echo "# $pass passed before the failure" >&2; exit 1; }
# manifest: path, type, mode, owner, size, mtime, sha256, link target
manifest() {
  (cd "$1" && find . -mindepth 1 -printf '%P\0' | sort -z | while IFS= read -r -d '' p; do
    if [ -L "$p" ]; then printf 'L %q %s\n' "$p" "$(readlink "$p")"
    elif [ -d "$p" ]; then printf 'D %q %s\n' "$p" "$(stat -c '%a %u %g' "$p")"
    elif [ -f "$p" ]; then printf 'F %q %s %s\n' "$p" "$(stat -c '%a %u %g %s %Y' "$p")" "$(sha256sum <"$p" | cut -c1-64)"
    else printf 'O %q %s\n' "$p" "$(stat -c '%F %a' "$p")"; fi
  done) | sha256sum | cut -c1-64
}
# regular, empty, sparse-ish, symlinks, odd names (restic 0.14 turns non-UTF-8 names into
# U+FFFD, so the tree restic restores is compared without that one file)
mkdata() {
  local d=$1
  mkdir -p "$d/dir/deeper" "$d/empty-dir"
  head -c 3000000 /dev/urandom >"$d/random.bin"
  seq 1 200000 >"$d/text.txt"
  cp "$d/text.txt" "$d/dir/dup.txt"
  echo small >"$d/dir/deeper/small"
  : >"$d/zero-length"
  truncate -s 64M "$d/sparse.img"
  head -c 100000 /dev/urandom | dd of="$d/sparse.img" bs=1M seek=40 conv=notrunc status=none
  ln -s ../text.txt "$d/dir/link"
  ln -s /nonexistent/target "$d/dangling"
  chmod 0640 "$d/dir/deeper/small"
  printf 'x' >"$d/$(printf 'new\nline')"
  printf 'sp' >"$d/with space & 'quote'"
  printf 'u' >"$d/ünïcødé-名前"
  printf 'y' >"$d/$(printf 'bad\xff\xfebytes')"
  touch -d '2020-02-03 04:05:06.123456789' "$d/dir/deeper/small"
}
without_bad() { rm -f "$1/"bad*bytes; }

mkdata "$W/src"
M=$(manifest "$W/src")
cp -a "$W/src" "$W/src-utf8"; without_bad "$W/src-utf8"
M_UTF8=$(manifest "$W/src-utf8")

case "$CASE" in
file)
  store=$W/store
  mkdir -p "$store"
  echo "location-password-1" >"$W/loc-pw"
  echo "settings-password-2" >"$W/settings-pw"
  cat >"$W/lifeboat.yaml" <<EOT
storageLocations:
  - name: default
    provider: file
    bucket: bkt
    prefix: cluster-a
    default: true
    config: {root: $store, createBucket: "true", repoPasswordFile: $W/loc-pw}
  - name: ro
    provider: file
    bucket: bkt
    prefix: cluster-a
    accessMode: ReadOnly
    config: {root: $store, repoPasswordFile: $W/loc-pw}
  - name: nopw
    provider: file
    bucket: bkt
    prefix: cluster-a
    accessMode: ReadOnly
    config: {root: $store}
queue: {stateDir: $W/state}
EOT
  sed -e '/^queue:/a repository: {passwordFile: '"$W/settings-pw"'}' "$W/lifeboat.yaml" >"$W/with-settings-pw.yaml"
  fcl() { "$LB" --config "$W/lifeboat.yaml" fs-copy "$@" --no-progress; }
  REPO=$store/bkt/cluster-a/restic/ns1
  export RESTIC_PASSWORD=location-password-1

  out=$(fcl init --storage-location default 2>&1) && fail "init without --namespace accepted"
  grep -q -- "--namespace" <<<"$out" || fail "missing --namespace message: $out"
  ok "--namespace is required with a storage location"
  fcl init --storage-location default --namespace ns1 >"$W/init.out" 2>&1 || fail "init: $(cat "$W/init.out")"
  [ -f "$REPO/config" ] || fail "no repository config at $REPO"
  grep -q "storage location 'default', restic/ns1" "$W/init.out" || fail "init output: $(cat "$W/init.out")"
  ok "init through the location writes <root>/<bucket>/<prefix>/restic/ns1/config"
  (cd "$W/src" && fcl backup . --storage-location default --namespace ns1) >"$W/b.out" 2>&1 || fail "backup: $(cat "$W/b.out")"
  ok "backup through the location (password from the location's repoPasswordFile)"
  # the location named by default (no --storage-location)
  n=$(fcl snapshots --namespace ns1 | wc -l) || fail "snapshots"
  [ "$n" = 1 ] || fail "snapshots shows $n lines, want 1"
  ok "snapshots on the default location"
  fcl restore latest "$W/fr" --storage-location default --namespace ns1 >/dev/null 2>"$W/r.err" || fail "restore: $(cat "$W/r.err")"
  [ "$(manifest "$W/fr")" = "$M" ] || fail "fs-copy restore through the location differs from the source"
  ok "fs-copy restore through the location is byte-exact (manifest digest)"
  fcl check --read-data --storage-location default --namespace ns1 >/dev/null 2>"$W/c.err" || fail "fs-copy check: $(cat "$W/c.err")"
  ok "fs-copy check --read-data through the location"
  restic -r "$REPO" check --read-data >"$W/rc.out" 2>&1 || fail "restic check --read-data of $REPO: $(cat "$W/rc.out")"
  ok "restic check --read-data passes on $REPO"
  restic -r "$REPO" restore latest --target "$W/rr" >/dev/null 2>"$W/rr.err" || fail "restic restore: $(cat "$W/rr.err")"
  without_bad "$W/rr"
  [ "$(manifest "$W/rr")" = "$M_UTF8" ] || fail "restic restore of the fs-copy snapshot differs"
  ok "restic restore of the fs-copy snapshot is byte-exact (manifest digest)"
  # restic writes into the location's repository; fs-copy restores it through the location
  (cd "$W/src" && restic -r "$REPO" backup --host other . >/dev/null 2>"$W/rb.err") || fail "restic backup: $(cat "$W/rb.err")"
  fcl restore latest "$W/fr2" --host other --storage-location default --namespace ns1 >/dev/null 2>"$W/r2.err" || fail "restore of restic snapshot: $(cat "$W/r2.err")"
  without_bad "$W/fr2"
  [ "$(manifest "$W/fr2")" = "$M_UTF8" ] || fail "fs-copy restore of the restic snapshot differs"
  ok "fs-copy restore of a restic snapshot through the location is byte-exact"

  # ReadOnly: reads work, writes are refused with the engine's message, nothing changes
  before=$(cd "$store" && find . -printf '%p %s %T@\n' | sort | sha256sum)
  n=$(fcl snapshots --storage-location ro --namespace ns1 | wc -l) || fail "snapshots on ro"
  [ "$n" = 2 ] || fail "ro snapshots shows $n lines, want 2"
  fcl restore latest "$W/ro-r" --host "$(hostname)" --storage-location ro --namespace ns1 >/dev/null 2>"$W/ror.err" || fail "restore on ro: $(cat "$W/ror.err")"
  [ "$(manifest "$W/ro-r")" = "$M" ] || fail "restore from the ReadOnly location differs"
  fcl check --read-data --storage-location ro --namespace ns1 >/dev/null 2>"$W/roc.err" || fail "check on ro: $(cat "$W/roc.err")"
  fcl key list --storage-location ro --namespace ns1 >/dev/null 2>"$W/rok.err" || fail "key list on ro: $(cat "$W/rok.err")"
  ok "ReadOnly location: snapshots, restore (byte-exact), check --read-data, key list work"
  echo "new-password" >"$W/new-pw"
  for cmd in "init" "backup $W/src" "forget --keep-last 1" "prune" "key add --new-password-file $W/new-pw" \
    "key remove 00000000" "unlock"; do
    # shellcheck disable=SC2086
    out=$(fcl $cmd --storage-location ro --namespace ns1 2>&1) && fail "ReadOnly location accepted: fs-copy $cmd"
    grep -q "storage location 'ro' is ReadOnly: refusing to" <<<"$out" || fail "fs-copy $cmd on ro: message: $out"
  done
  after=$(cd "$store" && find . -printf '%p %s %T@\n' | sort | sha256sum)
  [ "$before" = "$after" ] || fail "the ReadOnly location's files changed"
  ok "ReadOnly location: init/backup/forget/prune/key add/key remove/unlock refused, nothing written"

  # password sources, in the volume layer's order; and their absence
  out=$(fcl snapshots --storage-location nopw --namespace ns1 2>&1) && fail "no password accepted"
  grep -q "no fs-copy repository password" <<<"$out" || fail "missing password message: $out"
  grep -q -- "--password-file" <<<"$out" || fail "missing password message names no --password-file: $out"
  ok "no password anywhere: clear error"
  LIFEBOAT_REPO_PASSWORD=location-password-1 fcl snapshots --storage-location nopw --namespace ns1 >/dev/null 2>&1 || fail "env password"
  fcl snapshots --storage-location nopw --namespace ns1 --password-file "$W/loc-pw" >/dev/null 2>&1 || fail "--password-file"
  out=$("$LB" --config "$W/with-settings-pw.yaml" fs-copy snapshots --storage-location nopw --namespace ns1 2>&1) && fail "settings password (a wrong one) accepted"
  grep -qi "wrong password" <<<"$out" || fail "repository.passwordFile not used: $out"
  out=$(LIFEBOAT_REPO_PASSWORD=wrong fcl snapshots --storage-location default --namespace ns1 2>&1) || fail "location repoPasswordFile does not come before the environment: $out"
  ok "password from LIFEBOAT_REPO_PASSWORD, --password-file, repository.passwordFile; location config first"
  out=$(fcl snapshots --storage-location nosuch --namespace ns1 2>&1) && fail "unknown location accepted"
  grep -q "nosuch" <<<"$out" || fail "unknown location message: $out"
  ok "unknown storage location: clear error"
  ;;
rgw)
  PORT_BASE=${LB_FSCOPY_S3_PORT_BASE:-21480}
  BUCKET=lb-fscopy PREFIX=cluster-s3
  "$ROOT/tests/servers/install-s3.sh" >/dev/null 2>&1 || fail "tests/servers/install-s3.sh failed"
  LAB_DIR=$W/lab RGW_PORT=$PORT_BASE MON_PORT=$((PORT_BASE - 4170)) OSD_PORT_MIN=$((PORT_BASE - 700)) \
    "$ROOT/tests/servers/s3-rgw-up.sh" >"$W/env" 2>"$W/up.log" ||
    fail "RGW did not start: $(tail -3 "$W/up.log" | tr '\n' ' ')"
  eval "$(cat "$W/env")"
  echo "# RGW at $S3_ENDPOINT"
  export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
  "$AWS" --endpoint-url "$S3_ENDPOINT" s3api create-bucket --bucket "$BUCKET" >/dev/null 2>"$W/mb.err" ||
    fail "create bucket: $(cat "$W/mb.err")"
  printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$W/creds"
  echo "s3-repository-password" >"$W/pw"
  cat >"$W/lifeboat.yaml" <<EOT
storageLocations:
  - name: s3
    provider: aws
    bucket: $BUCKET
    prefix: $PREFIX
    credentialsFile: $W/creds
    config: {region: us-east-1, s3Url: "$S3_ENDPOINT", s3ForcePathStyle: "true", partSize: 5MiB}
queue: {stateDir: $W/state}
repository: {passwordFile: $W/pw}
EOT
  fcl() { "$LB" --config "$W/lifeboat.yaml" fs-copy "$@" --storage-location s3 --no-progress; }
  export RESTIC_PASSWORD_FILE=$W/pw
  # restic 0.14 reaches RGW at 127.0.0.1 without options (minio-go uses path-style requests
  # for an IP endpoint); the options pin path-style and the region for a host-name endpoint.
  rs() { restic -o s3.bucket-lookup=path -o s3.region=us-east-1 "$@"; }
  R1=s3:$S3_ENDPOINT/$BUCKET/$PREFIX/restic/ns1
  R2=s3:$S3_ENDPOINT/$BUCKET/$PREFIX/restic/ns2

  # (a) fs-copy writes on S3, restic reads
  fcl init --namespace ns1 >"$W/init.out" 2>&1 || fail "fs-copy init on S3: $(cat "$W/init.out")"
  (cd "$W/src" && fcl backup . --namespace ns1) >"$W/b.out" 2>&1 || fail "fs-copy backup on S3: $(cat "$W/b.out")"
  "$AWS" --endpoint-url "$S3_ENDPOINT" s3api head-object --bucket "$BUCKET" --key "$PREFIX/restic/ns1/config" >/dev/null 2>&1 ||
    fail "no object $PREFIX/restic/ns1/config in bucket $BUCKET"
  ok "fs-copy init + backup through the aws location: $PREFIX/restic/ns1/ on RGW"
  rs -r "$R1" check --read-data >"$W/c1.out" 2>&1 || fail "restic check --read-data of $R1: $(tail -5 "$W/c1.out")"
  ok "restic check --read-data passes on the fs-copy repository on S3"
  rs -r "$R1" restore latest --target "$W/rr" >/dev/null 2>"$W/rr.err" || fail "restic restore from $R1: $(cat "$W/rr.err")"
  without_bad "$W/rr"
  [ "$(manifest "$W/rr")" = "$M_UTF8" ] || fail "restic restore of the fs-copy snapshot on S3 differs"
  ok "restic restore of the fs-copy snapshot on S3 is byte-exact (manifest digest)"
  fcl restore latest "$W/fr" --namespace ns1 >/dev/null 2>"$W/fr.err" || fail "fs-copy restore from S3: $(cat "$W/fr.err")"
  [ "$(manifest "$W/fr")" = "$M" ] || fail "fs-copy restore from S3 differs"
  ok "fs-copy restore of its own snapshot on S3 is byte-exact"

  # (b) restic writes on S3, fs-copy reads
  rs -r "$R2" init >"$W/i2.out" 2>&1 || fail "restic init $R2: $(cat "$W/i2.out")"
  (cd "$W/src" && rs -r "$R2" backup . >"$W/b2.out" 2>&1) || fail "restic backup to $R2: $(tail -5 "$W/b2.out")"
  ok "restic init + backup into $PREFIX/restic/ns2 on RGW"
  fcl snapshots --namespace ns2 >"$W/s2.out" 2>&1 || fail "fs-copy snapshots of the restic repository: $(cat "$W/s2.out")"
  fcl restore latest --target "$W/fr2" --namespace ns2 >/dev/null 2>"$W/fr2.err" || fail "fs-copy restore from $R2: $(cat "$W/fr2.err")"
  without_bad "$W/fr2"
  [ "$(manifest "$W/fr2")" = "$M_UTF8" ] || fail "fs-copy restore of the restic snapshot on S3 differs"
  ok "fs-copy restore of a restic snapshot on S3 is byte-exact (manifest digest)"
  fcl check --read-data --namespace ns2 >/dev/null 2>"$W/fc2.err" || fail "fs-copy check of the restic repository: $(cat "$W/fc2.err")"
  rs -r "$R2" check --read-data >"$W/c2.out" 2>&1 || fail "restic check --read-data of $R2: $(tail -5 "$W/c2.out")"
  rs -r "$R1" check --read-data >"$W/c1b.out" 2>&1 || fail "restic check --read-data of $R1 (again): $(tail -5 "$W/c1b.out")"
  ok "restic check --read-data passes on both repositories on S3; fs-copy check on restic's"
  ;;
*) echo "unknown case $CASE" >&2; exit 2 ;;
esac
echo "# $CASE: $pass passed"
