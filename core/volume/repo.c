/* fs-copy repositories in a storage location (<prefix>/restic/<namespace>/, as Velero's),
 * reached only through the lifeboat.io/fs-copy VolumeCopier plugin: the copy runs in the
 * plugin's child under the watchdog, and the child reads and writes the repository through
 * the host's location_* callbacks, which the engine routes to this task's location. */
#include "vol_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/record.h"
#include "util/error.h"
#include "util/log.h"

struct lb_volume_fscopy {
	lb_volume_copier_handle *h;
	lb_location *loc;
	lb_call *task_call;
};

/* A call for one copier method: the task's cancel token and name, the storage location
 * for the plugin's location_* callbacks, the DATA class limit (extended by progress). */
static lb_call *
method_call(lb_volume_fscopy *f)
{
	lb_call_opts co = LB_CALL_OPTS_INIT;

	co.cancel = f->task_call ? f->task_call->cancel : NULL;
	co.task = f->task_call ? f->task_call->task : NULL;
	co.location = f->loc;
	return lb_call_new(&co);
}

static const char *
call_msg(lb_call *call, int error)
{
	const char *m = call ? lb_call_error_message(call) : "";

	return m && *m ? m : lb_error_last(error);
}

int
lb_volume__fscopy_open(lb_plugin_manager *plugins,
                       lb_location *loc,
                       lb_call *task_call,
                       const char *password,
                       lb_volume_fscopy **out)
{
	lb_kv kv = {"password", password};
	lb_config cfg = {1, 0, &kv};
	lb_volume_fscopy *f;
	lb_call *call;
	int error;

	if (!plugins)
		return lb_error_set(LB_EUNSUPPORTED,
		                    "volume data needs the plugin " LB_VOLUME_FSCOPY_PLUGIN
		                    " (volume-copier), but this run has no plugins "
		                    "(see 'lifeboat plugin list')");
	if (!(f = calloc(1, sizeof(*f))))
		return LB_ENOMEM;
	f->loc = loc;
	f->task_call = task_call;
	if (!(call = method_call(f))) {
		free(f);
		return LB_ENOMEM;
	}
	error = lb_plugins_open_volume_copier(plugins, LB_VOLUME_FSCOPY_PLUGIN, &cfg, call, &f->h);
	if (error < 0) {
		const char *why = call_msg(call, error);

		lb_error_set(error,
		             "volume data needs the plugin " LB_VOLUME_FSCOPY_PLUGIN
		             " (volume-copier): %s%s",
		             why,
		             strstr(why, "lifeboat plugin list") ? ""
		                                                 : " (see 'lifeboat plugin list')");
		lb_call_free(call);
		free(f);
		return error;
	}
	lb_call_free(call);
	*out = f;
	return 0;
}

int
lb_volume__fscopy_call(lb_volume_fscopy *f, const char *method, cJSON *req, cJSON **res_out)
{
	lb_buf out = LB_BUF_INIT;
	char *text = cJSON_PrintUnformatted(req);
	lb_call *call = method_call(f);
	int error;

	*res_out = NULL;
	if (!text || !call) {
		error = LB_ENOMEM;
		goto done;
	}
	if (!strcmp(method, "backup"))
		error = f->h->m->backup(f->h->self, call, text, &out);
	else if (!strcmp(method, "restore"))
		error = f->h->m->restore(f->h->self, call, text, &out);
	else
		error = f->h->m->maintain(f->h->self, call, text, &out);
	if (error < 0) {
		lb_error_set(error, "%s", call_msg(call, error));
		goto done;
	}
	if (lb_buf_put(&out, "", 1) < 0 || !(*res_out = cJSON_Parse(out.ptr)) ||
	    !cJSON_IsObject(*res_out)) {
		cJSON_Delete(*res_out);
		*res_out = NULL;
		error = lb_error_set(LB_EPROTO,
		                     "plugin " LB_VOLUME_FSCOPY_PLUGIN
		                     ": the %s result is not a JSON object",
		                     method);
	}
done:
	free(text);
	lb_call_free(call);
	lb_buf_dispose(&out);
	return error;
}

void
lb_volume__fscopy_close(lb_volume_fscopy *f)
{
	if (!f)
		return;
	lb_volume_copier_handle_close(f->h);
	free(f);
}

double
lb_volume__num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
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
