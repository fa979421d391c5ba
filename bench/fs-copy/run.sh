#!/usr/bin/env bash
# Side-by-side: restic 0.14 then fs-copy, same dataset, same phases (../../shared/bench kit).
# usage: [FSB_ORDER=fscopy-first] run.sh [SIZE_MIB] [PROFILE]
#   (results: $TMPDIR/fscopy-bench/all-PROFILE-SIZE.tsv)
set -euo pipefail
SIZE=${1:-2048}
export FSB_PROFILE=${2:-mixed}
KIT=${FSB_KIT:-/work/shared/bench}
LB=${LB:-$(cd "$(dirname "$0")/../.." && pwd)/build-fscopy/bin/lifeboat}  # LB=... for another build dir
T=${TMPDIR:-/tmp}/fscopy-bench
mkdir -p "$T"
export FSB_RESULTS=$T/all-$FSB_PROFILE-$SIZE.tsv
: >"$FSB_RESULTS"
echo fsbench-password >"$T/pw"
export LIFEBOAT_REPO_PASSWORD=fsbench-password
run_restic() {
  "$KIT/restic-baseline.sh" "$T/data-$FSB_PROFILE" "$SIZE" "$T/work-restic"
}
run_fscopy() {
  FSB_CMD_VERSION="echo fs-copy" \
  FSB_CMD_INIT="$LB fs-copy init --repo \"\$FSB_REPO\"" \
  FSB_CMD_BACKUP="$LB fs-copy backup --repo \"\$FSB_REPO\" --no-progress ." \
  FSB_CMD_RESTORE="$LB fs-copy restore --repo \"\$FSB_REPO\" --no-progress latest \"\$FSB_TARGET\"" \
    "$KIT/baseline.sh" cmd "$T/data-$FSB_PROFILE" "$SIZE" "$T/work-fscopy"
}
# The machine is shared: record the load next to the numbers. FSB_ORDER=fscopy-first swaps
# the tools to expose order effects. Before each tool: `sync` and FSB_SETTLE seconds (default
# 65): this ext4 has no journal, and for ~60 s after inodes are freed (360 s while their table
# block is dirty) it skips them on every file creation (find_inode_bit/recently_deleted), which
# made a restore right after the other tool's deleted restore tree pay several seconds of sys.
settle() { sync; sleep "${FSB_SETTLE:-65}"; }
echo "load before: $(uptime)"
if [ "${FSB_ORDER:-restic-first}" = fscopy-first ]; then
  settle; run_fscopy; settle; echo "load between: $(uptime)"; run_restic
else
  settle; run_restic; settle; echo "load between: $(uptime)"; run_fscopy
fi
echo "load after: $(uptime)"
column -t "$FSB_RESULTS"
