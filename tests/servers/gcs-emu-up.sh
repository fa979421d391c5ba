#!/usr/bin/env bash
# Start Lifeboat's GCS emulator (tests/gcs-emu/gcs-emu.mjs) on 127.0.0.1.
#   GCS_RUN_DIR   pid/log/key dir (default ${TMPDIR:-/tmp}/gcs-emu.$$)
#   GCS_PORT      default 0 (a free port)
#   GCS_SA_JSON   service-account key the emulator trusts; generated into GCS_RUN_DIR if unset
#   GCS_BUCKETS   space-separated buckets to create at start (default: none)
#   GCS_EMU_ARGS  extra emulator options (e.g. --anonymous)
# Prints GCS_ENDPOINT=... GCS_SA_JSON=... GCS_RUN_DIR=... GCS_EMU_PID=...
# Stop with tests/servers/gcs-emu-down.sh GCS_RUN_DIR (kills the pid it wrote).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
emu=$here/../gcs-emu
command -v node >/dev/null || "$here/install-gcs.sh" >/dev/null
RUN=${GCS_RUN_DIR:-${TMPDIR:-/tmp}/gcs-emu.$$}
mkdir -p "$RUN"
made_key=0
if [ -z "${GCS_SA_JSON:-}" ]; then
  GCS_SA_JSON=$RUN/sa.json made_key=1
  "$emu/make-sa-key.sh" "$GCS_SA_JSON"
fi
bargs=()
for b in ${GCS_BUCKETS:-}; do bargs+=(--bucket "$b"); done
# shellcheck disable=SC2086
node "$emu/gcs-emu.mjs" --port "${GCS_PORT:-0}" --trust "$GCS_SA_JSON" "${bargs[@]}" ${GCS_EMU_ARGS:-} \
  >"$RUN/emu.log" 2>&1 &
echo $! >"$RUN/emu.pid"
for _ in $(seq 1 100); do grep -q '^GCS_ENDPOINT=' "$RUN/emu.log" && break; sleep 0.1; done
if ! grep -q '^GCS_ENDPOINT=' "$RUN/emu.log"; then
  echo "gcs-emu-up: the emulator did not start; log $RUN/emu.log:" >&2; cat "$RUN/emu.log" >&2; exit 1
fi
endpoint=$(sed -n 's/^GCS_ENDPOINT=//p' "$RUN/emu.log" | head -1)
# A key made here points its token_uri at the emulator (the emulator already read it).
if [ "$made_key" = 1 ]; then
  F=$GCS_SA_JSON T=$endpoint/token node -e '
    const fs = require("fs"); const k = JSON.parse(fs.readFileSync(process.env.F, "utf8"));
    k.token_uri = process.env.T; fs.writeFileSync(process.env.F, JSON.stringify(k, null, 2) + "\n", { mode: 0o600 });'
fi
echo "GCS_ENDPOINT=$endpoint"
echo "GCS_SA_JSON=$GCS_SA_JSON"
echo "GCS_RUN_DIR=$RUN"
echo "GCS_EMU_PID=$(cat "$RUN/emu.pid")"
