#!/usr/bin/env bash
# The Kubernetes fidelity suite: kubectl 1.20 and python3-kubernetes judge the cluster
# simulator, plus wire-level checks of its semantics (volumes, snapshots, restore failures).
#   tests/integration/kube-fidelity/run.sh [test_module ...]
# Installs its judges (scripts/install-kube-test-deps.sh) unless KUBECTL is set, starts one
# simulator with tests/servers/kube-sim-up.sh, stops it by pid on exit, and ends with
# "kube-fidelity: N passed, N failed, N skipped".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)

if [ -z "${KUBECTL:-}" ]; then
  KUBECTL=$("$root/scripts/install-kube-test-deps.sh" | tail -n 1)
fi
export KUBECTL

simenv=$("$root/tests/servers/kube-sim-up.sh" --log-requests)
eval "$simenv"
export $(printf '%s\n' "$simenv" | cut -d= -f1)
cleanup() {
  rc=$?
  if [ "$rc" != 0 ] && [ -f "$KUBESIM_DIR/kubesim.log" ]; then
    echo "--- last lines of the simulator log ($KUBESIM_DIR/kubesim.log) ---"
    grep -v ' 20[01] ' "$KUBESIM_DIR/kubesim.log" | tail -n 40 || true
  fi
  "$root/tests/servers/kube-sim-down.sh" "$KUBESIM_DIR"
  exit "$rc"
}
trap cleanup EXIT
cd "$here"
# python3-kubernetes is Debian's: run under Debian's interpreter, not a pyenv shim.
/usr/bin/python3 harness.py "$@"
