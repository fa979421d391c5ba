/* Shared inside core/volume only. */
#ifndef LB_VOLUME_INTERNAL_H
#define LB_VOLUME_INTERNAL_H

#include <pthread.h>

#include "supervise/manager.h"
#include "volume.h"

#define LB_VOLUME_FSCOPY_PLUGIN "lifeboat.io/fs-copy"

/* The lifeboat.io/fs-copy VolumeCopier, opened once per task with the repository password;
 * its repositories are restic/<ns> in the task's storage location. */
typedef struct lb_volume_fscopy lb_volume_fscopy;

/* Open the plugin (a missing plugin is an error naming it and `lifeboat plugin list`). */
int lb_volume__fscopy_open(lb_plugin_manager *plugins,
                           lb_location *loc,
                           lb_call *task_call,
                           const char *password,
                           lb_volume_fscopy **out);
/* One method, "backup", "restore" or "maintain", with request @req (volume_copier.h); the
 * result object into *res_out (caller frees). Runs in the plugin's child: a call of its own
 * with call->location = the storage location, the task's cancel token, the DATA class
 * limit (extended by the plugin's progress). The plugin's sentence goes to lb_error. */
int lb_volume__fscopy_call(lb_volume_fscopy *f, const char *method, cJSON *req, cJSON **res_out);
void lb_volume__fscopy_close(lb_volume_fscopy *f); /* NULL-safe */
/* Number @k of @o, 0 when absent. */
double lb_volume__num(const cJSON *o, const char *k);

/* Append a Velero logfmt line to @log (under @mu) and emit it. */
void lb_volume__log(lb_buf *log,
                    pthread_mutex_t *mu,
                    const char *kind,
                    const char *name,
                    const char *level,
                    const char *fmt,
                    ...) __attribute__((format(printf, 6, 7)));

const char *lb_volume__str(const cJSON *o, const char *a, const char *b);
/* The kubelet dir: opts, $LIFEBOAT_KUBELET_DIR, /var/lib/kubelet. */
const char *lb_volume__kubelet_dir(const lb_volume_opts *o);
const char *lb_volume__csi_dirs(const lb_volume_opts *o);
/* Collect every pod of @ns (owned copies) */
int lb_volume__list_pods(lb_kube_client *kube, const char *ns, cJSON **pods_out);

#endif
