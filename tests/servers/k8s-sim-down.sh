#!/bin/sh
# Stop a simulator started by k8s-sim-up.sh: k8s-sim-down.sh PID [DIR]
# SIGTERM (the simulator saves its --state-dir), wait, SIGKILL if needed. With DIR (the
# K8S_SIM_DIR it printed), also removes that working dir; a --state-dir is kept.
set -u
pid=${1:?usage: k8s-sim-down.sh PID [DIR]}
dir=${2:-}
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
fi
if [ -n "$dir" ] && [ -f "$dir/.k8s-sim" ]; then
  rm -rf "$dir"
fi
exit 0
