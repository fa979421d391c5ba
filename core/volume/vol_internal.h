/* Shared inside core/volume only. */
#ifndef LB_VOLUME_INTERNAL_H
#define LB_VOLUME_INTERNAL_H

#include <pthread.h>

#include <lifeboat/fscopy.h>

#include "volume.h"

/* An fs-copy repository at <prefix>/restic/<ns>/ of a storage location. */
typedef struct lb_volume_repo {
	lb_location *loc;
	lb_call *call;
	pthread_mutex_t mu; /* one location call at a time (fs-copy uploads from threads) */
	char prefix[512];
	lb_fscopy_backend *be;
	lb_fscopy_repo *repo;
} lb_volume_repo;

/* Open the repository of namespace @ns (create it when @create and it does not exist). */
int lb_volume__repo_open(lb_location *loc,
                         lb_call *call,
                         const char *ns,
                         const char *password,
                         int create,
                         lb_volume_repo **out);
void lb_volume__repo_close(lb_volume_repo *r);

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
