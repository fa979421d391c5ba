#!/usr/bin/env bash
# Project copy of /work/shared/reference/lab/s3-down.sh: stops by recorded pid only.
# Stop what s3-rgw-up.sh / s3-swift-up.sh started (by the PIDs they recorded) and
# remove the state dir.  Usage: LAB_DIR=... s3-down.sh   (or: s3-down.sh DIR ...)
set -u
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  dirs=("${LAB_DIR:-${TMPDIR:-/tmp}/s3lab-rgw}")
fi
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  pids=()
  for f in "$d"/run/*.pid; do
    [ -e "$f" ] || continue
    p=$(cat "$f" 2>/dev/null || true)
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null && { kill "$p" 2>/dev/null; pids+=("$p"); }
  done
  for i in $(seq 1 50); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null; done
  rm -rf "$d"
  echo "stopped ${#pids[@]} process(es), removed $d" >&2
done
