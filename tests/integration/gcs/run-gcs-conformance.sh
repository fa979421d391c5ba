#!/usr/bin/env bash
# The conformance kit (`lifeboat plugin test`) for lifeboat.io/gcp against the GCS emulator,
# through the real runtime: once by path, once by the Velero alias velero.io/gcp.
#   run-gcs-conformance.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?build dir}" && pwd)
LB=$BUILD/bin/lifeboat
[ -x "$LB" ] || { echo "1..0 # SKIP $LB not built"; exit 0; }
. "$(dirname "$0")/lib.sh"
GCS_BUCKETS=lb-conf gcs_start
cfg=(--config "storeEndpoint=$GCS_ENDPOINT" --config "credentialsFile=$GCS_SA_JSON"
     --config chunkSize=512KiB --config maxRetries=3)
rc=0
echo "# lifeboat.io/gcp by path against $GCS_ENDPOINT"
"$LB" plugin test "$BUILD/lib/lifeboat/plugins/gcp.so" --kind object-store --bucket lb-conf "${cfg[@]}" || rc=1
echo "# velero.io/gcp by name"
LIFEBOAT_PLUGIN_DIRS=$BUILD/lib/lifeboat/plugins \
  "$LB" plugin test velero.io/gcp --kind object-store --bucket lb-conf "${cfg[@]}" || rc=1
exit $rc
