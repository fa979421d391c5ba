#!/usr/bin/env bash
# Integration tests of the aws and minio plugins against a real S3 server, TAP output.
#   run-s3-it.sh rgw|swift BUILD_DIR
# Starts the server with tests/servers/s3-{rgw,swift}-up.sh (installing it first through
# install-s3.sh when missing) on its own ports and state dir, stops it by pid on exit.
# The plugins are driven in-process by lb-s3-drv (the host test double); awscli (Debian's
# /usr/bin/aws, not a pyenv one), s3cmd and curl check interoperability; faultproxy.py
# injects 503 SlowDown, connection resets and cut bodies.
set -u
SERVER=${1:?rgw or swift}
BUILD=$(cd "${2:?build dir}" && pwd)
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
DRV=$BUILD/bin/lb-s3-drv
PLUGDIR=$BUILD/lib/lifeboat/plugins
AWS=/usr/bin/aws
PROXY=$SRC/tests/integration/s3/faultproxy.py
case $SERVER in
rgw) PORT_BASE=${LB_S3_IT_PORT_BASE:-17480} ;;
swift) PORT_BASE=${LB_S3_IT_PORT_BASE:-18380} ;;
*) echo "Bail out! unknown server $SERVER"; exit 1 ;;
esac
PX_PORT=$((PORT_BASE + 1))

"$SRC/tests/servers/install-s3.sh" >/dev/null 2>&1 || { echo "Bail out! tests/servers/install-s3.sh failed"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/lb-s3-it-$SERVER.XXXXXX")
PX=
cleanup() {
  [ -n "$PX" ] && kill "$PX" 2>/dev/null && wait "$PX" 2>/dev/null
  "$SRC/tests/servers/s3-down.sh" "$work/lab" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$SERVER" = rgw ]; then
  LAB_DIR=$work/lab RGW_PORT=$PORT_BASE MON_PORT=$((PORT_BASE - 4170)) OSD_PORT_MIN=$((PORT_BASE - 600)) \
    "$SRC/tests/servers/s3-rgw-up.sh" >"$work/env" 2>"$work/up.log"
else
  LAB_DIR=$work/lab S3_PORT=$PORT_BASE SWIFT_PORT_BASE=$((PORT_BASE - 2100)) \
    "$SRC/tests/servers/s3-swift-up.sh" >"$work/env" 2>"$work/up.log"
fi
[ $? = 0 ] || { echo "Bail out! $SERVER did not start: $(tail -3 "$work/up.log" | tr '\n' ' ')"; exit 1; }
eval "$(cat "$work/env")"
echo "# $SERVER at $S3_ENDPOINT (started in ${S3_STARTUP_SECONDS}s)"

export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
a() { "$AWS" --endpoint-url "$S3_ENDPOINT" "$@"; }
printf '[default]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n\n[lab]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/creds"
printf '[lab]\naws_access_key_id = %s\naws_secret_access_key = wrong-secret-wrong-secret-0000\n' "$S3_ACCESS_KEY" >"$work/badcreds"
cat >"$work/s3cfg" <<EOC
[default]
access_key = $S3_ACCESS_KEY
secret_key = $S3_SECRET_KEY
host_base = ${S3_ENDPOINT#http://}
host_bucket = ${S3_ENDPOINT#http://}
use_https = False
bucket_location = us-east-1
signature_v2 = False
EOC

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
errline() { grep '^error:' "$1" | head -1; }

head -c 23068672 /dev/urandom >"$work/big"     # 22 MiB: 5 parts of 5 MiB
echo "hello from lifeboat" >"$work/small"
: >"$work/empty"

run_plugin() { # PLUGIN
  local pl=$1 so=$PLUGDIR/$1.so B=lb-$1-$SERVER
  local C=(-c "s3Url=$S3_ENDPOINT" -c "credentialsFile=$work/creds" -c profile=lab -c partSize=5MiB -c parallelParts=3)
  [ "$pl" = aws ] && C+=(-c region=us-east-1 -c s3ForcePathStyle=true)
  d() { "$DRV" "$so" "${C[@]}" "$@"; }
  echo "# plugin $pl ($so), bucket $B"
  a s3api create-bucket --bucket "$B" >/dev/null 2>&1
  check "$pl: small put/get round trip" bash -c "'$DRV' '$so' $(printf '%q ' "${C[@]}") put $B dir/a.txt '$work/small' && '$DRV' '$so' $(printf '%q ' "${C[@]}") get $B dir/a.txt '$work/small.back' && cmp -s '$work/small' '$work/small.back'"
  d put "$B" "dir/sub/odd key +&=?.txt" "$work/small" && d put "$B" top.txt "$work/small" && d put "$B" empty "$work/empty"
  check "$pl: empty object round trip" bash -c "'$DRV' '$so' $(printf '%q ' "${C[@]}") get $B empty '$work/e.back' && [ ! -s '$work/e.back' ]"
  check "$pl: exists 1 for a key" [ "$(d exists "$B" dir/a.txt)" = 1 ]
  check "$pl: exists 0 for a missing key" [ "$(d exists "$B" dir/nope)" = 0 ]
  d put "$B" big.bin "$work/big" 2>"$work/err"
  d get "$B" big.bin "$work/big.back" 2>>"$work/err"
  check "$pl: 22 MiB multipart (known size) round trip" cmp -s "$work/big" "$work/big.back"
  check "$pl: multipart ETag shows 5 parts" bash -c "'$AWS' --endpoint-url '$S3_ENDPOINT' s3api head-object --bucket $B --key big.bin --query ETag --output text | grep -q -- '-5'"
  cat "$work/big" | d put "$B" piped.bin - 2>>"$work/err"
  d get "$B" piped.bin - 2>>"$work/err" | cmp -s "$work/big" - && ok "$pl: 22 MiB from a pipe (size -1) round trip" || nok "$pl: pipe round trip $(errline "$work/err")"
  got=$(d ls "$B" "" | sort | tr '\n' '|')
  check "$pl: list_objects (recursive, full keys)" [ "$got" = "big.bin|dir/a.txt|dir/sub/odd key +&=?.txt|empty|piped.bin|top.txt|" ]
  got=$(d prefixes "$B" "" / | tr '\n' '|')
  check "$pl: list_common_prefixes at the root" [ "$got" = "dir/|" ]
  got=$(d prefixes "$B" dir/ / | tr '\n' '|')
  check "$pl: list_common_prefixes under dir/" [ "$got" = "dir/sub/|" ]
  if [ "$pl" = aws ]; then
    d putmany "$B" many/k 1005 "$work/small" 2>"$work/err"
    got=$(d ls "$B" many/ | wc -l)
    check "$pl: ListObjectsV2 continuation (1005 keys over 2 pages) -> $got" [ "$got" = 1005 ]
  fi
  # interoperability
  a s3 cp "s3://$B/big.bin" "$work/cli.back" >/dev/null 2>&1
  check "$pl: awscli reads the plugin's multipart object" cmp -s "$work/big" "$work/cli.back"
  a s3 cp "$work/big" "s3://$B/fromcli.bin" >/dev/null 2>&1
  d get "$B" fromcli.bin "$work/fromcli.back" 2>"$work/err"
  check "$pl: plugin reads awscli's multipart object" cmp -s "$work/big" "$work/fromcli.back"
  s3cmd -c "$work/s3cfg" get --force "s3://$B/dir/a.txt" "$work/s3cmd.back" >/dev/null 2>&1
  check "$pl: s3cmd reads the plugin's object" cmp -s "$work/small" "$work/s3cmd.back"
  s3cmd -c "$work/s3cfg" put "$work/small" "s3://$B/from-s3cmd.txt" >/dev/null 2>&1
  check "$pl: plugin reads s3cmd's object" bash -c "'$DRV' '$so' $(printf '%q ' "${C[@]}") get $B from-s3cmd.txt - | cmp -s '$work/small' -"
  url=$(d url "$B" dir/a.txt 300000)
  check "$pl: presigned URL fetched with plain curl" bash -c "curl -sf '$url' | cmp -s '$work/small' -"
  code=$(curl -s -o /dev/null -w '%{http_code}' "${url/X-Amz-Signature=/X-Amz-Signature=0}")
  check "$pl: tampered presigned URL refused ($code)" [ "$code" = 403 ]
  code=$(curl -s -o /dev/null -w '%{http_code}' "${url/dir\/a.txt/top.txt}")
  check "$pl: presigned URL does not open another key ($code)" [ "$code" = 403 ]
  d rm "$B" top.txt && check "$pl: delete_object, then exists 0" [ "$(d exists "$B" top.txt)" = 0 ]
  check "$pl: deleting a missing key succeeds" d rm "$B" never-there
  # cancel mid-upload: the multipart upload is aborted, no parts stay behind
  d --cancel-after 8000000 put "$B" canceled.bin "$work/big" 2>"$work/err"
  check "$pl: cancel mid-upload -> ECANCELED" grep -q '^error: ECANCELED' "$work/err"
  ups=$(a s3api list-multipart-uploads --bucket "$B" --query 'Uploads[].Key' --output text 2>&1)
  check "$pl: no multipart upload left after cancel (list: $ups)" [ "$ups" = None ]
  check "$pl: canceled key not visible" [ "$(d exists "$B" canceled.bin)" = 0 ]
  # errors
  "$DRV" "$so" "${C[@]/$work\/creds/$work/badcreds}" ls "$B" "" 2>"$work/err"
  grep -q "^error: EAUTH: access key '.*' was refused by $S3_ENDPOINT: SignatureDoesNotMatch.*check credentialsFile/profile" "$work/err" \
    && ok "$pl: wrong secret -> $(errline "$work/err" | cut -c1-150)" || nok "$pl: wrong secret: $(errline "$work/err")"
  check "$pl: the secret is not in the message" bash -c "! grep -q wrong-secret '$work/err'"
  d put lb-no-such-bucket k "$work/small" 2>"$work/err"
  grep -q "^error: ENOTFOUND: bucket 'lb-no-such-bucket' does not exist at $S3_ENDPOINT" "$work/err" \
    && ok "$pl: missing bucket (put) -> $(errline "$work/err")" || nok "$pl: missing bucket put: $(errline "$work/err")"
  d exists lb-no-such-bucket k 2>"$work/err"
  check "$pl: missing bucket (exists) -> ENOTFOUND" grep -q "^error: ENOTFOUND: bucket 'lb-no-such-bucket' does not exist" "$work/err"
  d -c regoin=x ls "$B" "" 2>"$work/err"
  check "$pl: unknown config key -> EINVAL naming it" grep -q "^error: EINVAL: unknown config key 'regoin'" "$work/err"
}

run_plugin aws
run_plugin minio
"$DRV" "$PLUGDIR/minio.so" -c "credentialsFile=$work/creds" ls x "" 2>"$work/err"
check "minio: s3Url required" grep -q "^error: EINVAL: config s3Url is required" "$work/err"
"$DRV" "$PLUGDIR/minio.so" -c "s3Url=127.0.0.1:9000" ls x "" 2>"$work/err"
check "minio: s3Url without scheme refused" grep -q "^error: EINVAL: config s3Url '127.0.0.1:9000' is not an endpoint URL" "$work/err"

# ---- faults through the proxy (aws plugin) ----
B=lb-aws-$SERVER
so=$PLUGDIR/aws.so
proxy() { # faults...
  [ -n "$PX" ] && kill "$PX" 2>/dev/null && wait "$PX" 2>/dev/null
  : >"$work/px.log"
  "$PROXY" --port "$PX_PORT" --upstream "$S3_ENDPOINT" --log "$work/px.log" "$@" 2>/dev/null &
  PX=$!
  for i in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$PX_PORT/" && break; sleep 0.1; done
  : >"$work/px.log" # forget the readiness probe (the log is opened for append)
}
P=(-c "s3Url=http://127.0.0.1:$PX_PORT" -c "credentialsFile=$work/creds" -c profile=lab -c partSize=5MiB -c parallelParts=3)
pd() { "$DRV" "$so" "${P[@]}" "$@"; }
proxy --slowdown 2 --reset 3
pd -c maxRetries=8 put "$B" flaky.bin "$work/big" 2>"$work/err" && pd -c maxRetries=8 get "$B" flaky.bin "$work/flaky.back" 2>>"$work/err"
check "fault: 503 SlowDown every 2nd + reset every 3rd request: multipart put and get succeed" cmp -s "$work/big" "$work/flaky.back"
s=$(grep -c 503-slowdown "$work/px.log"); r=$(grep -c reset "$work/px.log")
check "fault: the proxy did inject them ($s SlowDown, $r resets; retries logged: $(grep -c 'retrying in' "$work/err"))" [ "$s" -gt 2 ] && [ "$r" -gt 2 ]
proxy --cut 1 --match flaky.bin
pd get "$B" flaky.bin "$work/cut.back" 2>"$work/err"
check "fault: body cut mid-GET -> resumed with a Range request (206) and verified" bash -c "cmp -s '$work/big' '$work/cut.back' && grep -q 'forward 206' '$work/px.log'"
proxy --slowdown 1
pd -c maxRetries=2 ls "$B" "" 2>"$work/err"
reqs=$(wc -l <"$work/px.log")
check "fault: persistent SlowDown -> EAGAIN after 3 attempts (bounded: $reqs requests): $(errline "$work/err" | cut -c1-120)" \
  bash -c "grep -q '^error: EAGAIN: .*after 3 attempts' '$work/err' && [ $reqs = 3 ]"
proxy
"$DRV" "$so" "${P[@]/$work\/creds/$work/badcreds}" -c maxRetries=5 ls "$B" "" 2>"$work/err"
reqs=$(wc -l <"$work/px.log")
check "fault: auth errors are not retried ($reqs request)" bash -c "grep -q '^error: EAUTH' '$work/err' && [ $reqs = 1 ]"
proxy --slowdown 1 --match partNumber=3
pd -c maxRetries=2 put "$B" partfail.bin "$work/big" 2>"$work/err"
check "fault: part 3 always refused -> put fails clearly: $(errline "$work/err" | cut -c1-140)" grep -q '^error: EAGAIN: PUT s3://.*part 3' "$work/err"
check "fault: the multipart upload was aborted (DELETE ?uploadId seen)" grep -q 'DELETE .*uploadId=.* forward 204' "$work/px.log"
ups=$(a s3api list-multipart-uploads --bucket "$B" --query 'Uploads[].Key' --output text 2>&1)
check "fault: no orphan multipart uploads (list: $ups)" [ "$ups" = None ]
check "fault: the failed key is not visible" [ "$(pd exists "$B" partfail.bin 2>/dev/null)" = 0 ]
# ---- TLS with a custom CA (the proxy terminates TLS with a certificate of a test CA) ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 -subj /CN=lb-s3-test-ca >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$work/srv.key" -out "$work/srv.csr" -subj /CN=127.0.0.1 >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$work/san.ext"
openssl x509 -req -in "$work/srv.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -out "$work/srv.pem" -days 2 -extfile "$work/san.ext" >/dev/null 2>&1
[ -n "$PX" ] && kill "$PX" 2>/dev/null && wait "$PX" 2>/dev/null
"$PROXY" --port "$PX_PORT" --upstream "$S3_ENDPOINT" --log "$work/px.log" --tls-cert "$work/srv.pem" --tls-key "$work/srv.key" 2>/dev/null &
PX=$!
for i in $(seq 1 50); do curl -sk -o /dev/null "https://127.0.0.1:$PX_PORT/" && break; sleep 0.1; done
T=(-c "s3Url=https://127.0.0.1:$PX_PORT" -c "credentialsFile=$work/creds" -c profile=lab -c maxRetries=1)
"$DRV" "$so" "${T[@]}" -c "caCert=@$work/ca.pem" put "$B" tls.txt "$work/small" 2>"$work/err" && "$DRV" "$so" "${T[@]}" -c "caCert=@$work/ca.pem" get "$B" tls.txt - 2>>"$work/err" | cmp -s "$work/small" - \
  && ok "tls: https endpoint trusted through caCert (PEM content)" || nok "tls: caCert: $(errline "$work/err")"
"$DRV" "$so" "${T[@]}" ls "$B" "" 2>"$work/err"
check "tls: without caCert the certificate is refused clearly: $(errline "$work/err" | cut -c1-110)" grep -q '^error: EAUTH: .*TLS certificate of https://127.0.0.1:.* is not trusted.*set caCert' "$work/err"
"$DRV" "$so" "${T[@]}" -c insecureSkipTLSVerify=true exists "$B" tls.txt >"$work/out" 2>"$work/err"
check "tls: insecureSkipTLSVerify=true connects anyway" [ "$(cat "$work/out")" = 1 ]
kill "$PX" 2>/dev/null; wait "$PX" 2>/dev/null; PX=

if [ "$SERVER" = rgw ]; then
  # virtual-hosted addressing (bucket.localhost; RGW has rgw dns name = localhost)
  V=(-c "s3Url=http://localhost:$PORT_BASE" -c "credentialsFile=$work/creds" -c profile=lab)
  "$DRV" "$so" -v "${V[@]}" put "$B" vhost.txt "$work/small" 2>"$work/err" && "$DRV" "$so" "${V[@]}" get "$B" vhost.txt - 2>>"$work/err" | cmp -s "$work/small" - \
    && ok "aws: virtual-hosted addressing (http://$B.localhost:$PORT_BASE) round trip" || nok "aws: virtual-hosted: $(errline "$work/err")"
  check "aws: virtual-hosted request seen by RGW with the bucket in Host" bash -c "grep -q 'PUT /vhost.txt' '$S3_LAB_DIR/log/client.rgw.a.log'"
fi

if [ "$SERVER" = rgw ]; then
  # the server stops mid-upload and comes back while the plugin retries the abort
  C=(-c "s3Url=$S3_ENDPOINT" -c "credentialsFile=$work/creds" -c profile=lab -c partSize=5MiB -c maxRetries=2)
  mkfifo "$work/fifo"
  ( cat "$work/big"; sleep 2; cat "$work/big" ) >"$work/fifo" &
  feeder=$!
  "$DRV" "$so" -v "${C[@]}" put "$B" stopped.bin - <"$work/fifo" 2>"$work/err" &
  putter=$!
  sleep 1
  rgwpid=$(cat "$S3_LAB_DIR/run/client.rgw.a.pid")
  kill "$rgwpid"; while kill -0 "$rgwpid" 2>/dev/null; do sleep 0.1; done
  echo "# radosgw $rgwpid stopped mid-upload"
  for i in $(seq 1 300); do grep -q 'AbortMultipartUpload.*retrying' "$work/err" && break; sleep 0.1; done
  radosgw -c "$S3_LAB_DIR/ceph.conf" -n client.rgw.a
  for i in $(seq 1 100); do curl -s -o /dev/null "$S3_ENDPOINT/" && break; sleep 0.2; done
  echo "# radosgw restarted"
  wait "$putter"; rc=$?
  wait "$feeder" 2>/dev/null
  check "fault: server stopped mid-upload -> clear error: $(errline "$work/err" | cut -c1-160)" \
    bash -c "[ $rc != 0 ] && grep -q '^error: EIO: PUT s3://$B/stopped.bin part [0-9]*: could not talk to $S3_ENDPOINT after 3 attempts' '$work/err'"
  check "fault: the abort was retried across the restart and succeeded" grep -q 'aborted multipart upload of s3://' "$work/err"
  ups=$(a s3api list-multipart-uploads --bucket "$B" --query 'Uploads[].Key' --output text 2>&1)
  check "fault: no orphan multipart uploads after the restart (list: $ups)" [ "$ups" = None ]
fi

echo "1..$n"
echo "# $SERVER: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
