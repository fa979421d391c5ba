# Shared by the run-gcs-*.sh scripts: start the emulator (installing node and the official
# client when missing) and stop it by pid on exit. Sets GCS_ENDPOINT, GCS_SA_JSON, GCS_NPM_DIR.
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
gcs_start() {   # gcs_start [emulator args...]
  local out
  out=$("$SRC/tests/servers/install-gcs.sh" 2>"$work/install.log") ||
    { echo "Bail out! install-gcs.sh failed: $(tail -3 "$work/install.log" | tr '\n' ' ')"; exit 1; }
  eval "$out"
  export GCS_NPM_DIR
  GCS_RUN_DIR=$work/emu GCS_EMU_ARGS="$*" GCS_BUCKETS=${GCS_BUCKETS:-} \
    "$SRC/tests/servers/gcs-emu-up.sh" >"$work/env" 2>"$work/up.log" ||
    { echo "Bail out! the GCS emulator did not start: $(tail -3 "$work/up.log" | tr '\n' ' ')"; exit 1; }
  eval "$(cat "$work/env")"
  export GCS_ENDPOINT GCS_SA_JSON GCS_RUN_DIR
}
work=$(mktemp -d "${TMPDIR:-/tmp}/lb-gcs-it.XXXXXX")
trap '"$SRC/tests/servers/gcs-emu-down.sh" "$work/emu" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {   # check "description" command...
  local d=$1; shift
  if "$@" >"$work/out" 2>"$work/err"; then ok "$d"; else notok "$d"; sed 's/^/# /' "$work/err" | tail -5; fi
}
