#!/usr/bin/env bash
# The lab's official-client format check (reference/lab/gcs-client-check.mjs, kept here as
# gcs-client-check.mjs) against the emulator: it sends no credentials, so the emulator runs
# with --anonymous (tokens are still verified when sent).
set -u
. "$(dirname "$0")/lib.sh"
gcs_start --anonymous
node "$(dirname "$0")/gcs-client-check.mjs"
