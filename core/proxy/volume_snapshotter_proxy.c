/* VolumeSnapshotter proxies: same signatures as lb_volume_snapshotter_methods. */
#include "proxy.h"

static int
vs_init(lb_call *call, const lb_config *config, lb_volume_snapshotter **self_out)
{
	(void) config, (void) self_out;
	return lb_call_set_error(call, LB_EINVAL, "use lb_plugins_open_volume_snapshotter()");
}

static int
text_call(void *self, lb_call *call, int mid, cJSON *req, lb_buf *out)
{
	cJSON *ans = NULL;
	int error = lb_proxy__call(self, call, mid, req, -1, &ans);

	if (error >= 0)
		error = lb_proxy__text(ans, "text", out);
	cJSON_Delete(ans);
	return error;
}

static int
vs_create_volume_from_snapshot(lb_volume_snapshotter *self,
                               lb_call *call,
                               const char *snapshot_id,
                               const char *volume_type,
                               const char *volume_az,
                               int64_t iops,
                               lb_buf *volume_id_out)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "snapshotId", snapshot_id);
	lb_proxy__str(req, "volumeType", volume_type);
	lb_proxy__str(req, "volumeAZ", volume_az);
	cJSON_AddNumberToObject(req, "iops", (double) iops);
	return text_call(self, call, LB_METHOD_VS_CREATE_VOLUME_FROM_SNAPSHOT, req, volume_id_out);
}

static int
vs_get_volume_id(lb_volume_snapshotter *self,
                 lb_call *call,
                 const char *pv_json,
                 lb_buf *volume_id_out)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "pv", pv_json);
	return text_call(self, call, LB_METHOD_VS_GET_VOLUME_ID, req, volume_id_out);
}

static int
vs_set_volume_id(lb_volume_snapshotter *self,
                 lb_call *call,
                 const char *pv_json,
                 const char *volume_id,
                 lb_buf *pv_json_out)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "pv", pv_json);
	lb_proxy__str(req, "volumeId", volume_id);
	return text_call(self, call, LB_METHOD_VS_SET_VOLUME_ID, req, pv_json_out);
}

static int
vs_get_volume_info(lb_volume_snapshotter *self,
                   lb_call *call,
                   const char *volume_id,
                   const char *volume_az,
                   lb_buf *volume_type_out,
                   int64_t *iops_out)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "volumeId", volume_id);
	lb_proxy__str(req, "volumeAZ", volume_az);
	error = lb_proxy__call(self, call, LB_METHOD_VS_GET_VOLUME_INFO, req, -1, &ans);
	if (error >= 0) {
		const cJSON *iops = cJSON_GetObjectItemCaseSensitive(ans, "iops");

		error = lb_proxy__text(ans, "text", volume_type_out);
		*iops_out = cJSON_IsNumber(iops) ? (int64_t) iops->valuedouble : -1;
	}
	cJSON_Delete(ans);
	return error;
}

static int
vs_create_snapshot(lb_volume_snapshotter *self,
                   lb_call *call,
                   const char *volume_id,
                   const char *volume_az,
                   const lb_config *tags,
                   lb_buf *snapshot_id_out)
{
	cJSON *req = lb_proxy__req(), *t = cJSON_CreateObject();

	lb_proxy__str(req, "volumeId", volume_id);
	lb_proxy__str(req, "volumeAZ", volume_az);
	for (uint32_t i = 0; tags && i < tags->count; i++)
		if (tags->items[i].key)
			cJSON_AddStringToObject(t, tags->items[i].key,
			                        tags->items[i].value ? tags->items[i].value : "");
	cJSON_AddItemToObject(req, "tags", t);
	return text_call(self, call, LB_METHOD_VS_CREATE_SNAPSHOT, req, snapshot_id_out);
}

static int
vs_delete_snapshot(lb_volume_snapshotter *self, lb_call *call, const char *snapshot_id)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "snapshotId", snapshot_id);
	return text_call(self, call, LB_METHOD_VS_DELETE_SNAPSHOT, req, NULL);
}

static void
vs_destroy(lb_volume_snapshotter *self)
{
	lb_proxy__destroy(self);
}

static const lb_volume_snapshotter_methods vs_proxy = {
    LB_VOLUME_SNAPSHOTTER_METHODS_HEADER,
    "proxy",
    vs_init,
    vs_create_volume_from_snapshot,
    vs_get_volume_id,
    vs_set_volume_id,
    vs_get_volume_info,
    vs_create_snapshot,
    vs_delete_snapshot,
    vs_destroy,
};

int
lb_plugins_open_volume_snapshotter(lb_plugin_manager *mgr,
                                   const char *name,
                                   const lb_config *config,
                                   lb_call *call,
                                   lb_volume_snapshotter_handle **out)
{
	lb_proxy *px = NULL;
	int error = lb_proxy__open(mgr, LB_KIND_VOLUME_SNAPSHOTTER, name, config, call, &px);

	if (error < 0)
		return error;
	px->h.vs.m = &vs_proxy;
	px->h.vs.self = (lb_volume_snapshotter *) px;
	*out = &px->h.vs;
	return 0;
}

void
lb_volume_snapshotter_handle_close(lb_volume_snapshotter_handle *h)
{
	lb_proxy__close((lb_proxy *) h);
}
