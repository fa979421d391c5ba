#!/usr/bin/env bash
# Stop a simulator started by kube-sim-up.sh, by the pid it recorded, and remove its directory.
#   tests/servers/kube-sim-down.sh DIR [--keep]     (--keep: leave DIR for a later restart)
set -euo pipefail
dir=${1:?usage: kube-sim-down.sh DIR [--keep]}
keep=${2:-}
if [ -f "$dir/pid" ]; then
  pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "kube-sim-down: pid $pid ignored SIGTERM for 10s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/pid"
fi
if [ "$keep" != "--keep" ]; then
  case "$dir" in
    /|"") echo "kube-sim-down: refusing to remove '$dir'" >&2; exit 2 ;;
  esac
  rm -rf "$dir"
fi
