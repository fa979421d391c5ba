#!/usr/bin/env bash
# Stop the GCS emulator started by gcs-emu-up.sh: kill the pid recorded in GCS_RUN_DIR/emu.pid.
# Usage: gcs-emu-down.sh [GCS_RUN_DIR]
set -euo pipefail
RUN=${1:-${GCS_RUN_DIR:?usage: gcs-emu-down.sh GCS_RUN_DIR}}
[ -f "$RUN/emu.pid" ] || exit 0
pid=$(cat "$RUN/emu.pid")
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$RUN/emu.pid"
