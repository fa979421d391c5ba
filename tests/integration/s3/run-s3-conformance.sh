#!/usr/bin/env bash
# The conformance kit (`lifeboat plugin test`) for the aws and minio plugins against a real
# S3 server, through the real runtime (the plugin runs in a forked plugin-host child).
#   run-s3-conformance.sh rgw|swift BUILD_DIR
# Server started by tests/servers/ scripts on its own ports, stopped by pid on exit.
set -u
SERVER=${1:?rgw or swift}
BUILD=$(cd "${2:?build dir}" && pwd)
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
LB=$BUILD/bin/lifeboat
PLUGDIR=$BUILD/lib/lifeboat/plugins
AWS=/usr/bin/aws
[ -x "$LB" ] || { echo "1..0 # SKIP $LB not built"; exit 0; }
case $SERVER in
rgw) PORT=${LB_S3_CONF_PORT:-17580} ;;
swift) PORT=${LB_S3_CONF_PORT:-18580} ;;
*) echo "Bail out! unknown server $SERVER"; exit 1 ;;
esac
"$SRC/tests/servers/install-s3.sh" >/dev/null 2>&1 || { echo "Bail out! install-s3.sh failed"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/lb-s3-conf-$SERVER.XXXXXX")
trap '"$SRC/tests/servers/s3-down.sh" "$work/lab" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
if [ "$SERVER" = rgw ]; then
  LAB_DIR=$work/lab RGW_PORT=$PORT MON_PORT=$((PORT - 4170)) OSD_PORT_MIN=$((PORT - 700)) \
    "$SRC/tests/servers/s3-rgw-up.sh" >"$work/env" 2>"$work/up.log"
else
  LAB_DIR=$work/lab S3_PORT=$PORT SWIFT_PORT_BASE=$((PORT - 2200)) \
    "$SRC/tests/servers/s3-swift-up.sh" >"$work/env" 2>"$work/up.log"
fi
[ $? = 0 ] || { echo "Bail out! $SERVER did not start: $(tail -3 "$work/up.log" | tr '\n' ' ')"; exit 1; }
eval "$(cat "$work/env")"
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/creds"
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
rc=0
for pl in aws minio; do
  B=lb-conf-$pl-$SERVER
  "$AWS" --endpoint-url "$S3_ENDPOINT" s3api create-bucket --bucket "$B" >/dev/null 2>&1
  extra=()
  [ $pl = aws ] && extra=(--config region=us-east-1 --config s3ForcePathStyle=true)
  echo "# $pl against $SERVER ($S3_ENDPOINT), bucket $B"
  "$LB" plugin test "$PLUGDIR/$pl.so" --kind object-store --bucket "$B" \
    --config "s3Url=$S3_ENDPOINT" --config "credentialsFile=$work/creds" --config partSize=5MiB \
    "${extra[@]}" || rc=1
done
exit $rc
