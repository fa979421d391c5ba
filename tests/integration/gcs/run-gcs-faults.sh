#!/usr/bin/env bash
# Faults against the emulator: a wrong key (token refused), a missing bucket, injected 503s
# and dropped connections (bounded retries, clear errors), a 503 in the middle of a resumable
# upload, bad config. TAP.   run-gcs-faults.sh PATH/TO/lb-gcs-drv
set -u
DRV=${1:?path to lb-gcs-drv}
. "$(dirname "$0")/lib.sh"
GCS_BUCKETS=faults gcs_start
cfg=("storeEndpoint=$GCS_ENDPOINT" "credentialsFile=$GCS_SA_JSON" chunkSize=256KiB)
fault() { curl -sS -X POST "$GCS_ENDPOINT/_emu/faults" -d "$1" >/dev/null; }
nofaults() { curl -sS -X DELETE "$GCS_ENDPOINT/_emu/faults" >/dev/null; }
clearlog() { curl -sS -X DELETE "$GCS_ENDPOINT/_emu/requests" >/dev/null; }
count() {   # count STATUS [path substring]: logged requests with that status
  curl -sS "$GCS_ENDPOINT/_emu/requests" |
    node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const l=JSON.parse(s);
      console.log(l.filter(e=>e.status==$1&&e.path.includes('${2:-}')).length)})"
}
expect_fail() {   # expect_fail "desc" EXIT_CODE "message regex" drv-args...
  local d=$1 code=$2 re=$3; shift 3
  "$DRV" "$@" >"$work/out" 2>"$work/err"; local rc=$?
  if [ "$rc" = "$code" ] && grep -Eq "$re" "$work/err"; then ok "$d"; echo "#   $(grep -v 'log\[' "$work/err" | head -1)"
  else notok "$d (exit $rc, want $code)"; sed 's/^/# /' "$work/err" | tail -4; fi
}
head -c 100000 /dev/urandom >"$work/small"
head -c 1000000 /dev/urandom >"$work/big"
echo "TAP version 13"

# A key with the right email and a different RSA key: the emulator refuses the JWT.
"$SRC/tests/gcs-emu/make-sa-key.sh" "$work/wrong.json" "$(node -p "require('$GCS_SA_JSON').client_email")" \
  "$GCS_ENDPOINT/token"
expect_fail "wrong key: token refused, LB_EAUTH (16), one sentence naming account, server and file" 16 \
  "service account .* was refused by $GCS_ENDPOINT/token: invalid_grant \(Invalid JWT Signature\.\); check credentialsFile" \
  "storeEndpoint=$GCS_ENDPOINT" "credentialsFile=$work/wrong.json" put faults k "$work/small"
expect_fail "missing bucket: LB_ENOTFOUND (2) naming the bucket" 2 "bucket no-such-bucket does not exist" \
  "${cfg[@]}" put no-such-bucket k "$work/small"
expect_fail "missing bucket on list: LB_ENOTFOUND" 2 "bucket no-such-bucket does not exist" \
  "${cfg[@]}" list no-such-bucket ""
expect_fail "unknown config key: LB_EINVAL (4) naming the key" 4 "config key 'region' is not known" \
  "${cfg[@]}" region=us put faults k "$work/small"
expect_fail "chunkSize not a multiple of 256KiB: LB_EINVAL" 4 "chunkSize '300KiB' must be a multiple of 256KiB" \
  "${cfg[@]}" chunkSize=300KiB put faults k "$work/small"
expect_fail "missing credentialsFile: LB_EINVAL naming the path" 4 "cannot open credentialsFile /nonexistent.json" \
  "storeEndpoint=$GCS_ENDPOINT" credentialsFile=/nonexistent.json put faults k "$work/small"

# Injected 503s: two on the upload, recovered; then a permanent one, bounded by maxRetries.
clearlog; fault '{"status":503,"count":2,"match":"^POST /upload/"}'
check "two injected 503s on a media upload: retried and stored" "$DRV" "${cfg[@]}" put faults a "$work/small"
[ "$(count 503 /upload/)" = 2 ] && ok "exactly the 2 injected 503s were seen, then success" || notok "503 count $(count 503 /upload/)"
check "the object arrived whole" bash -c "'$DRV' ${cfg[*]} get faults a - | cmp - '$work/small'"
nofaults; clearlog; fault '{"status":503,"count":100,"match":"^GET /storage/v1/b/faults/o/a"}'
expect_fail "permanent 503 with maxRetries=2: LB_EAGAIN (14) after 2 retries" 14 "unavailable \(HTTP 503 backendError.*after 2 retries" \
  "${cfg[@]}" maxRetries=2 get faults a "$work/got"
[ "$(count 503 /o/a)" = 3 ] && ok "bounded: 1 try + 2 retries = 3 requests" || notok "requests $(count 503 /o/a), want 3"
nofaults; fault '{"status":429,"count":1,"match":"^GET /storage/v1/b/faults/o\\?"}'
check "429 on a list page: retried" "$DRV" "${cfg[@]}" list faults ""
nofaults; fault '{"status":0,"count":2,"match":"alt=media"}'
check "two dropped connections on a download: retried, bytes verified" bash -c "'$DRV' ${cfg[*]} get faults a - | cmp - '$work/small'"
nofaults; clearlog; fault '{"status":503,"count":1,"match":"^PUT .*upload_id"}'
check "503 on a resumable chunk: status query, resume, object whole" bash -c \
  "'$DRV' ${cfg[*]} put faults big '$work/big' && '$DRV' ${cfg[*]} get faults big - | cmp - '$work/big'"
q=$(curl -sS "$GCS_ENDPOINT/_emu/requests" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{
  console.log(JSON.parse(s).filter(e=>e.contentRange&&e.contentRange.startsWith('bytes */')).length)})")
[ "$q" -ge 1 ] && ok "the failed chunk was followed by a Content-Range: bytes */N status query" || notok "no status query"
nofaults; fault '{"status":503,"count":100,"match":"."}'
expect_fail "token endpoint down: LB_EAGAIN naming the token URL" 14 "token request .* to $GCS_ENDPOINT/token" \
  "storeEndpoint=$GCS_ENDPOINT" "credentialsFile=$work/wrong.json" maxRetries=1 exists faults a
nofaults
expect_fail "nothing listening: connection error after retries, naming the server" 14 "cannot reach http://127.0.0.1:9/" \
  storeEndpoint=http://127.0.0.1:9 "credentialsFile=$GCS_SA_JSON" maxRetries=1 exists faults a
echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
