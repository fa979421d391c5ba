#!/usr/bin/env bash
# Lifeboat's GCS client vs Google's official Node client on the emulator (auth required).
#   run-gcs-crosscheck.sh PATH/TO/lb-gcs-drv
set -u
DRV=${1:?path to lb-gcs-drv}
. "$(dirname "$0")/lib.sh"
gcs_start
LB_GCS_DRV=$DRV node "$(dirname "$0")/gcs-crosscheck.mjs"
