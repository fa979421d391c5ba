/* Where the data of a PVC lives on this node: a running pod's kubelet mount of it, else
 * the PersistentVolume's own backing path (hostPath, local, a data-mover mapping for CSI
 * volumes, or the simulator's sim.lifeboat.io/path annotation). Pure: reads objects and
 * stats paths, talks to no server. */
#ifndef LB_VOLUME_LOCATOR_H
#define LB_VOLUME_LOCATOR_H

#include <limits.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define LB_VOLUME_SIM_PATH_ANNOTATION "sim.lifeboat.io/path"

typedef struct lb_volume_locator {
	const char *kubelet_dir; /* "/var/lib/kubelet" */
	const char *csi_dirs;    /* "driver=/dir/{volumeHandle},..."; may be NULL */
} lb_volume_locator;

typedef struct lb_volume_location {
	char path[PATH_MAX]; /* the directory to copy from / restore into */
	char how[32];        /* "mounted", "hostPath", "local", "data-mover", "annotation" */
	char pod[256];       /* the pod whose mount is used ("" when unmounted) */
	char pod_uid[64];
	char volume[256]; /* the pod's volume name for the claim ("" when unmounted) */
} lb_volume_location;

/* The pod's volume name that mounts @claim, or NULL. */
const char *lb_volume_pod_volume_for(const cJSON *pod, const char *claim);

/* Find the directory of @pvc (bound to @pv) given @pods (the pods of its namespace; any
 * order; those not mounting it are ignored). A pod must be Running with a uid and its
 * kubelet mount must exist to be used. Returns 0, LB_ENOTFOUND with a message saying what
 * was tried, or LB_EINVAL for a PVC that is not bound. */
int lb_volume_locate(const lb_volume_locator *cfg,
                     const cJSON *pvc,
                     const cJSON *pv,
                     const cJSON *const *pods,
                     size_t npods,
                     lb_volume_location *out);

/* Expand a data-mover template for @driver from @map ("drv=/x/{volumeHandle},..."):
 * {volumeHandle}, {pv}, {driver}. 0, or LB_ENOTFOUND when the map has no such driver. */
int lb_volume_csi_dir(const char *map,
                      const char *driver,
                      const char *handle,
                      const char *pv,
                      char *buf,
                      size_t size);

#endif
