#!/usr/bin/env bash
# S3 throughput and peak memory: our aws plugin (driven in-process by lb-s3-drv, one plugin
# instance, as one plugin-host child runs it) against awscli (`aws s3 cp`, Debian's
# /usr/bin/aws), same RGW, same run. Prints a Markdown table (see README.md).
#   bench/s3/run-bench.sh BUILD_DIR [BIG_MIB=1024] [SMALL_COUNT=1000] [SMALL_BYTES=16384]
# Starts its own RGW (memstore, 4 GiB cap) on port 27480 and stops it by pid on exit.
set -u
BUILD=$(cd "${1:?build dir}" && pwd)
BIG_MIB=${2:-1024}
SMALL_N=${3:-1000}
SMALL_BYTES=${4:-16384}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DRV=$BUILD/bin/lb-s3-drv
SO=$BUILD/lib/lifeboat/plugins/aws.so
AWS=/usr/bin/aws
"$SRC/tests/servers/install-s3.sh" >/dev/null 2>&1 || { echo "install-s3.sh failed" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/lb-s3-bench.XXXXXX")
trap '"$SRC/tests/servers/s3-down.sh" "$work/lab" 2>/dev/null; rm -rf "$work"' EXIT
LAB_DIR=$work/lab RGW_PORT=27480 MON_PORT=23300 OSD_PORT_MIN=26800 STORE_BYTES=$((4 << 30)) \
  "$SRC/tests/servers/s3-rgw-up.sh" >"$work/env" 2>"$work/up.log" || { cat "$work/up.log" >&2; exit 1; }
eval "$(cat "$work/env")"
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
B=bench
"$AWS" --endpoint-url "$S3_ENDPOINT" s3api create-bucket --bucket $B >/dev/null
C=(-c "s3Url=$S3_ENDPOINT" ${LB_S3_BENCH_CONFIG:-})

head -c $((BIG_MIB << 20)) /dev/urandom >"$work/big"
mkdir -p "$work/small" "$work/small.plugin" "$work/small.cli"
for i in $(seq -f %06g 0 $((SMALL_N - 1))); do head -c "$SMALL_BYTES" /dev/urandom >"$work/small/$i"; done
head -c "$SMALL_BYTES" /dev/urandom >"$work/one"

measure() { # NAME BYTES cmd...  -> "NAME|seconds|MiB/s|peak RSS MiB"
  local name=$1 bytes=$2; shift 2
  sync
  /usr/bin/time -v -o "$work/time" "$@" >/dev/null 2>"$work/cmd.err" || { echo "$name failed: $(tail -2 "$work/cmd.err")" >&2; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
  awk -v n="$name" -v w="$wall" -v b="$bytes" -v r="$rss" \
    'BEGIN {printf "| %s | %.2f | %.1f | %.1f |\n", n, w, b / 1048576 / w, r / 1024}'
}
a() { "$AWS" --endpoint-url "$S3_ENDPOINT" "$@"; }
big=$((BIG_MIB << 20)) small=$((SMALL_N * SMALL_BYTES))
echo "RGW $S3_ENDPOINT (memstore), ${BIG_MIB} MiB object, $SMALL_N x $SMALL_BYTES B objects; plugin config: ${C[*]:2}"
echo
echo "| run | seconds | MiB/s | peak RSS MiB |"
echo "|---|---|---|---|"
measure "plugin upload ${BIG_MIB} MiB" $big "$DRV" "$SO" "${C[@]}" put $B big.plugin "$work/big"
measure "awscli upload ${BIG_MIB} MiB" $big "$AWS" --endpoint-url "$S3_ENDPOINT" s3 cp "$work/big" s3://$B/big.cli
measure "plugin download ${BIG_MIB} MiB" $big "$DRV" "$SO" "${C[@]}" get $B big.plugin "$work/big.back"
cmp -s "$work/big" "$work/big.back" || echo "plugin download differs!" >&2
rm -f "$work/big.back"
measure "awscli download ${BIG_MIB} MiB" $big "$AWS" --endpoint-url "$S3_ENDPOINT" s3 cp s3://$B/big.cli "$work/big.back"
cmp -s "$work/big" "$work/big.back" || echo "awscli download differs!" >&2
rm -f "$work/big.back"
a s3 rm s3://$B/big.cli >/dev/null; a s3 rm s3://$B/big.plugin >/dev/null
measure "plugin upload $SMALL_N small (sequential, 1 process)" $small "$DRV" "$SO" "${C[@]}" putmany $B small.plugin/ $SMALL_N "$work/one"
measure "awscli upload $SMALL_N small (cp --recursive, 10 threads)" $small "$AWS" --endpoint-url "$S3_ENDPOINT" s3 cp --recursive --quiet "$work/small" s3://$B/small.cli/
measure "plugin download $SMALL_N small (sequential, 1 process)" $small "$DRV" "$SO" "${C[@]}" getmany $B small.plugin/ $SMALL_N "$work/small.plugin"
measure "awscli download $SMALL_N small (cp --recursive, 10 threads)" $small "$AWS" --endpoint-url "$S3_ENDPOINT" s3 cp --recursive --quiet s3://$B/small.cli/ "$work/small.cli"
got=$(ls "$work/small.cli" | wc -l); [ "$got" = "$SMALL_N" ] || echo "awscli downloaded $got files" >&2
got=$(ls "$work/small.plugin" | wc -l); [ "$got" = "$SMALL_N" ] || echo "plugin downloaded $got files" >&2
