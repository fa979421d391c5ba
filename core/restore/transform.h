/* The built-in restore transforms, as Velero's restore core and built-in RestoreItemActions
 * do them (velero-and-peers.md §3). Only cJSON: this file is also compiled into the
 * lifeboat.io/builtin plugin, so the same code runs in-process or in a plugin child. */
#ifndef LB_RESTORE_TRANSFORM_H
#define LB_RESTORE_TRANSFORM_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* A small string map (namespace, storage-class and image mappings). */
typedef struct lb_strmap {
	const char *const *keys;
	const char *const *values;
	size_t n;
} lb_strmap;

const char *lb_strmap_get(const lb_strmap *m, const char *key);

/* Remove what the server sets: generateName, selfLink, uid, resourceVersion, generation,
 * creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds, ownerReferences,
 * managedFields; and status. The status is detached into *@status_out (may be NULL). */
void lb_transform_reset(cJSON *obj, cJSON **status_out);

/* Why Velero would not restore this item at all (mirror pod, finished pod, completed job),
 * or NULL. */
const char *lb_transform_skip_reason(const char *gr, const cJSON *obj);

/* velero.io/service: clusterIP(s) cleared unless "None"; nodePorts removed unless
 * @preserve_nodeports or set explicitly (in last-applied-configuration). */
void lb_transform_service(cJSON *obj, int preserve_nodeports);
/* velero.io/pod: nodeName, priority and service-account token volumes removed. */
void lb_transform_pod(cJSON *obj);
/* velero.io/job: the generated selector and controller-uid labels removed. */
void lb_transform_job(cJSON *obj);
/* velero.io/pvc: binding annotations removed; volumeName removed when the PV is not
 * restored (@pv_restored 0: dynamic provisioning). */
void lb_transform_pvc(cJSON *obj, int pv_restored);
/* PV: claimRef uid/resourceVersion cleared, claimRef.namespace mapped; returns 1 when the
 * PV should be restored (reclaim policy Retain), 0 when it is left to re-provisioning. */
int lb_transform_pv(cJSON *obj, const lb_strmap *ns_map);
/* (Cluster)RoleBinding subjects: namespace mapped. */
void lb_transform_role_binding(cJSON *obj, const lb_strmap *ns_map);
/* velero.io/change-storage-class: PV/PVC spec.storageClassName, StatefulSet
 * volumeClaimTemplates. Returns the number of changes. */
int lb_transform_storage_class(const char *gr, cJSON *obj, const lb_strmap *map);
/* velero.io/change-image-name: every container/initContainer image in a pod spec (pods,
 * deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs): a key found in the
 * image is replaced by its value. Returns the number of changes. */
int lb_transform_images(const char *gr, cJSON *obj, const lb_strmap *map);
/* Set metadata.namespace (or the name, for a Namespace object). */
void lb_transform_namespace(cJSON *obj, const char *ns);
/* Add velero.io/backup-name and velero.io/restore-name labels. */
void lb_transform_labels(cJSON *obj, const char *backup, const char *restore);

#endif
