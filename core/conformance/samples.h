/* Sample Kubernetes documents the kit feeds to snapshotters and item actions. */
#ifndef LB_CONFORMANCE_SAMPLES_H
#define LB_CONFORMANCE_SAMPLES_H

/* An NFS PersistentVolume: no snapshotter of a cloud or CSI driver owns it. */
#define LB_KIT_FOREIGN_PV                                                                          \
	"{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":"             \
	"\"lifeboat-conformance-nfs\"},\"spec\":{\"capacity\":{\"storage\":\"1Gi\"},"              \
	"\"accessModes\":[\"ReadWriteOnce\"],\"persistentVolumeReclaimPolicy\":\"Retain\","        \
	"\"nfs\":{\"server\":\"nfs.conformance.invalid\",\"path\":\"/exports/lifeboat\"}}}"

#define LB_KIT_BARE_PV                                                                             \
	"{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":"             \
	"\"lifeboat-conformance-bare\"}}"

#define LB_KIT_CONFIGMAP                                                                           \
	"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"conformance\","    \
	"\"namespace\":\"lifeboat-conformance\",\"uid\":\"0b7f2a52-1b1e-4c55-9a3e-1c2d3e4f5a6b\"," \
	"\"labels\":{\"app\":\"conformance\"}},\"data\":{\"key\":\"value\"}}"

#define LB_KIT_PVC                                                                                 \
	"{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":"        \
	"\"data\",\"namespace\":\"lifeboat-conformance\"},\"spec\":{\"accessModes\":"              \
	"[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}},"                  \
	"\"volumeName\":\"lifeboat-conformance-nfs\"},\"status\":{\"phase\":\"Bound\"}}"

#define LB_KIT_BACKUP                                                                              \
	"{\"apiVersion\":\"velero.io/v1\",\"kind\":\"Backup\",\"metadata\":{\"name\":"             \
	"\"lifeboat-conformance\",\"namespace\":\"velero\"},\"spec\":{\"includedNamespaces\":"     \
	"[\"lifeboat-conformance\"],\"ttl\":\"720h0m0s\"}}"

#define LB_KIT_RESTORE                                                                             \
	"{\"apiVersion\":\"velero.io/v1\",\"kind\":\"Restore\",\"metadata\":{\"name\":"            \
	"\"lifeboat-conformance\",\"namespace\":\"velero\"},\"spec\":{\"backupName\":"             \
	"\"lifeboat-conformance\"}}"

#define LB_KIT_RIA_INPUT(ITEM)                                                                     \
	"{\"item\":" ITEM ",\"itemFromBackup\":" ITEM ",\"restore\":" LB_KIT_RESTORE "}"

#define LB_KIT_UNKNOWN_OPERATION "lifeboat-conformance-no-such-operation"

#endif
