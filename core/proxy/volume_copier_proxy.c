/* VolumeCopier proxies: same signatures as lb_volume_copier_methods. The request JSON travels
 * as one string field; the plugin's result JSON comes back as "text". */
#include "proxy.h"

static int
vc_init(lb_call *call, const lb_config *config, lb_volume_copier **self_out)
{
	(void) config, (void) self_out;
	return lb_call_set_error(call, LB_EINVAL, "use lb_plugins_open_volume_copier()");
}

static int
json_call(void *self, lb_call *call, int mid, const char *request_json, lb_buf *out)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "request", request_json ? request_json : "{}");
	error = lb_proxy__call(self, call, mid, req, -1, &ans);
	if (error >= 0)
		error = lb_proxy__text(ans, "text", out);
	cJSON_Delete(ans);
	return error;
}

static int
vc_backup(lb_volume_copier *self, lb_call *call, const char *request_json, lb_buf *result_out)
{
	return json_call(self, call, LB_METHOD_VC_BACKUP, request_json, result_out);
}

static int
vc_restore(lb_volume_copier *self, lb_call *call, const char *request_json, lb_buf *result_out)
{
	return json_call(self, call, LB_METHOD_VC_RESTORE, request_json, result_out);
}

static int
vc_maintain(lb_volume_copier *self, lb_call *call, const char *request_json, lb_buf *result_out)
{
	return json_call(self, call, LB_METHOD_VC_MAINTAIN, request_json, result_out);
}

static void
vc_destroy(lb_volume_copier *self)
{
	lb_proxy__destroy(self);
}

static const lb_volume_copier_methods vc_proxy = {
    LB_VOLUME_COPIER_METHODS_HEADER,
    "proxy",
    vc_init,
    vc_backup,
    vc_restore,
    vc_maintain,
    vc_destroy,
};

int
lb_plugins_open_volume_copier(lb_plugin_manager *mgr,
                              const char *name,
                              const lb_config *config,
                              lb_call *call,
                              lb_volume_copier_handle **out)
{
	lb_proxy *px = NULL;
	int error = lb_proxy__open(mgr, LB_KIND_VOLUME_COPIER, name, config, call, &px);

	if (error < 0)
		return error;
	px->h.vc.m = &vc_proxy;
	px->h.vc.self = (lb_volume_copier *) px;
	*out = &px->h.vc;
	return 0;
}

void
lb_volume_copier_handle_close(lb_volume_copier_handle *h)
{
	lb_proxy__close((lb_proxy *) h);
}
