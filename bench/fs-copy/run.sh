#!/usr/bin/env bash
# Side-by-side: restic 0.14 then fs-copy, same dataset, same phases (../../shared/bench kit).
# usage: run.sh [SIZE_MIB] [PROFILE]   (results: $TMPDIR/fscopy-bench/all.tsv)
set -euo pipefail
SIZE=${1:-2048}
export FSB_PROFILE=${2:-mixed}
KIT=${FSB_KIT:-/work/shared/bench}
LB=${LB:-$(cd "$(dirname "$0")/../.." && pwd)/build-fscopy/bin/lifeboat}
T=${TMPDIR:-/tmp}/fscopy-bench
mkdir -p "$T"
export FSB_RESULTS=$T/all-$FSB_PROFILE-$SIZE.tsv
: >"$FSB_RESULTS"
echo fsbench-password >"$T/pw"
"$KIT/restic-baseline.sh" "$T/data-$FSB_PROFILE" "$SIZE" "$T/work-restic"
export LIFEBOAT_REPO_PASSWORD=fsbench-password
FSB_CMD_VERSION="echo fs-copy" \
FSB_CMD_INIT="$LB fs-copy init --repo \"\$FSB_REPO\"" \
FSB_CMD_BACKUP="$LB fs-copy backup --repo \"\$FSB_REPO\" --no-progress ." \
FSB_CMD_RESTORE="$LB fs-copy restore --repo \"\$FSB_REPO\" --no-progress latest \"\$FSB_TARGET\"" \
  "$KIT/baseline.sh" cmd "$T/data-$FSB_PROFILE" "$SIZE" "$T/work-fscopy"
column -t "$FSB_RESULTS"
