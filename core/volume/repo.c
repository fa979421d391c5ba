/* fs-copy repositories in a storage location: <prefix>/restic/<namespace>/, as Velero's. */
#include "vol_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/record.h"
#include "util/error.h"
#include "util/log.h"

static int
op_put(void *ctx, const char *key, int fd, int64_t size)
{
	lb_volume_repo *r = ctx;
	int error;

	pthread_mutex_lock(&r->mu);
	error = lb_location_put(r->loc, r->call, key, fd, size);
	pthread_mutex_unlock(&r->mu);
	return error;
}

static int
op_get(void *ctx, const char *key, int fd)
{
	lb_volume_repo *r = ctx;
	int error;

	pthread_mutex_lock(&r->mu);
	error = lb_location_get(r->loc, r->call, key, fd);
	pthread_mutex_unlock(&r->mu);
	return error;
}

static int
op_exists(void *ctx, const char *key, int *exists_out)
{
	lb_volume_repo *r = ctx;
	int error;

	pthread_mutex_lock(&r->mu);
	error = lb_location_exists(r->loc, r->call, key, exists_out);
	pthread_mutex_unlock(&r->mu);
	return error;
}

static int
op_list(void *ctx, const char *prefix, int (*add)(void *, const char *), void *list_ctx)
{
	lb_volume_repo *r = ctx;
	lb_strlist keys = LB_STRLIST_INIT;
	size_t i;
	int error;

	pthread_mutex_lock(&r->mu);
	error = lb_location_list(r->loc, r->call, prefix, NULL, &keys);
	pthread_mutex_unlock(&r->mu);
	for (i = 0; error >= 0 && i < keys.count; i++)
		error = add(list_ctx, keys.items[i]);
	lb_strlist_dispose(&keys);
	return error < 0 ? error : 0;
}

static int
op_del(void *ctx, const char *key)
{
	lb_volume_repo *r = ctx;
	int error;

	pthread_mutex_lock(&r->mu);
	error = lb_location_delete(r->loc, r->call, key);
	pthread_mutex_unlock(&r->mu);
	return error;
}

int
lb_volume__repo_open(lb_location *loc,
                     lb_call *call,
                     const char *ns,
                     const char *password,
                     int create,
                     lb_volume_repo **out)
{
	lb_volume_repo *r = calloc(1, sizeof(*r));
	lb_fscopy_store_ops ops;
	char key[600];
	int error, exists = 0;

	if (!r)
		return LB_ENOMEM;
	r->loc = loc;
	r->call = call;
	pthread_mutex_init(&r->mu, NULL);
	snprintf(r->prefix, sizeof(r->prefix), "restic/%s", ns);
	ops.ctx = r;
	ops.put = op_put;
	ops.get = op_get;
	ops.exists = op_exists;
	ops.list = op_list;
	ops.del = op_del;
	if ((error = lb_fscopy_backend_ops(&ops, r->prefix, &r->be)) < 0) {
		lb_error_set(error, "%s", lb_fscopy_errmsg());
		goto fail;
	}
	snprintf(key, sizeof(key), "%s/config", r->prefix);
	if ((error = lb_location_exists(loc, call, key, &exists)) < 0) {
		lb_error_set(error, "repository %s in storage location %s: %s", r->prefix,
		             lb_location_name(loc), lb_call_error_message(call));
		goto fail;
	}
	if (!exists && !create) {
		error =
		    lb_error_set(LB_ENOTFOUND, "no fs-copy repository at %s in storage location %s",
		                 r->prefix, lb_location_name(loc));
		goto fail;
	}
	error = exists ? lb_fscopy_open(r->be, password, &r->repo)
	               : lb_fscopy_init(r->be, password, NULL, &r->repo);
	if (error < 0) {
		lb_error_set(error, "%s fs-copy repository %s in storage location %s: %s",
		             exists ? "open" : "create", r->prefix, lb_location_name(loc),
		             lb_fscopy_errmsg());
		goto fail;
	}
	*out = r;
	return 0;
fail:
	lb_volume__repo_close(r);
	return error;
}

void
lb_volume__repo_close(lb_volume_repo *r)
{
	if (!r)
		return;
	if (r->repo)
		lb_fscopy_close(r->repo);
	if (r->be)
		lb_fscopy_backend_free(r->be);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

void
lb_volume__log(lb_buf *log,
               pthread_mutex_t *mu,
               const char *kind,
               const char *name,
               const char *level,
               const char *fmt,
               ...)
{
	char msg[2048], ts[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log) {
		lb_time_rfc3339(time(NULL), ts, sizeof(ts));
		if (mu)
			pthread_mutex_lock(mu);
		lb_buf_printf(log, "time=\"%s\" level=%s msg=\"%s\" %s=velero/%s\n", ts, level, msg,
		              kind, name);
		if (mu)
			pthread_mutex_unlock(mu);
	}
	lb_log_emit(strcmp(level, "error") == 0     ? LB_LOG_ERROR
	            : strcmp(level, "warning") == 0 ? LB_LOG_WARN
	                                            : LB_LOG_INFO,
	            NULL, "%s", msg);
}

const char *
lb_volume__str(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	return cJSON_GetStringValue(x);
}

const char *
lb_volume__kubelet_dir(const lb_volume_opts *o)
{
	const char *e = getenv("LIFEBOAT_KUBELET_DIR");

	if (o->kubelet_dir && *o->kubelet_dir)
		return o->kubelet_dir;
	return e && *e ? e : "/var/lib/kubelet";
}

const char *
lb_volume__csi_dirs(const lb_volume_opts *o)
{
	const char *e = getenv("LIFEBOAT_CSI_VOLUME_DIRS");

	if (o->csi_dirs && *o->csi_dirs)
		return o->csi_dirs;
	return e && *e ? e : NULL;
}

static int
add_pod(const cJSON *item, void *ud)
{
	cJSON_AddItemToArray(ud, cJSON_Duplicate(item, 1));
	return 0;
}

int
lb_volume__list_pods(lb_kube_client *kube, const char *ns, cJSON **pods_out)
{
	lb_kube_gvr pods = {"", "v1", "pods", 1};
	cJSON *a = cJSON_CreateArray();
	int error;

	if (!a)
		return LB_ENOMEM;
	if ((error = lb_kube_list(kube, &pods, ns, NULL, add_pod, a, NULL)) < 0) {
		cJSON_Delete(a);
		return lb_error_set(error, "list pods in namespace %s: %s", ns,
		                    lb_error_last(error));
	}
	*pods_out = a;
	return 0;
}
