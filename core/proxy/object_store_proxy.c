/* ObjectStore proxies: same signatures as lb_object_store_methods. */
#include "proxy.h"

#include <stdlib.h>

static int
os_init(lb_call *call, const lb_config *config, lb_object_store **self_out)
{
	(void) config, (void) self_out;
	return lb_call_set_error(call, LB_EINVAL, "use lb_plugins_open_object_store()");
}

static int
os_put_object(lb_object_store *self,
              lb_call *call,
              const char *bucket,
              const char *key,
              int body_fd,
              int64_t size)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "bucket", bucket);
	lb_proxy__str(req, "key", key);
	cJSON_AddNumberToObject(req, "size", (double) size);
	error = lb_proxy__call(self, call, LB_METHOD_OS_PUT_OBJECT, req, body_fd, &ans);
	cJSON_Delete(ans);
	return error;
}

static int
os_object_exists(
    lb_object_store *self, lb_call *call, const char *bucket, const char *key, int *exists_out)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "bucket", bucket);
	lb_proxy__str(req, "key", key);
	error = lb_proxy__call(self, call, LB_METHOD_OS_OBJECT_EXISTS, req, -1, &ans);
	if (error >= 0)
		*exists_out = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "exists"));
	cJSON_Delete(ans);
	return error;
}

static int
os_get_object(
    lb_object_store *self, lb_call *call, const char *bucket, const char *key, int sink_fd)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "bucket", bucket);
	lb_proxy__str(req, "key", key);
	error = lb_proxy__call(self, call, LB_METHOD_OS_GET_OBJECT, req, sink_fd, &ans);
	cJSON_Delete(ans);
	return error;
}

static int
os_list_common_prefixes(lb_object_store *self,
                        lb_call *call,
                        const char *bucket,
                        const char *prefix,
                        const char *delimiter,
                        lb_strlist *prefixes_out)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "bucket", bucket);
	lb_proxy__str(req, "prefix", prefix);
	lb_proxy__str(req, "delimiter", delimiter);
	error = lb_proxy__call(self, call, LB_METHOD_OS_LIST_COMMON_PREFIXES, req, -1, &ans);
	if (error >= 0)
		error = lb_proxy__items(ans, prefixes_out);
	cJSON_Delete(ans);
	return error;
}

static int
os_list_objects(lb_object_store *self,
                lb_call *call,
                const char *bucket,
                const char *prefix,
                lb_strlist *keys_out)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "bucket", bucket);
	lb_proxy__str(req, "prefix", prefix);
	error = lb_proxy__call(self, call, LB_METHOD_OS_LIST_OBJECTS, req, -1, &ans);
	if (error >= 0)
		error = lb_proxy__items(ans, keys_out);
	cJSON_Delete(ans);
	return error;
}

static int
os_delete_object(lb_object_store *self, lb_call *call, const char *bucket, const char *key)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "bucket", bucket);
	lb_proxy__str(req, "key", key);
	error = lb_proxy__call(self, call, LB_METHOD_OS_DELETE_OBJECT, req, -1, &ans);
	cJSON_Delete(ans);
	return error;
}

static int
os_create_signed_url(lb_object_store *self,
                     lb_call *call,
                     const char *bucket,
                     const char *key,
                     int64_t ttl_ms,
                     lb_buf *url_out)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "bucket", bucket);
	lb_proxy__str(req, "key", key);
	cJSON_AddNumberToObject(req, "ttlMs", (double) ttl_ms);
	error = lb_proxy__call(self, call, LB_METHOD_OS_CREATE_SIGNED_URL, req, -1, &ans);
	if (error >= 0)
		error = lb_proxy__text(ans, "text", url_out);
	cJSON_Delete(ans);
	return error;
}

static void
os_destroy(lb_object_store *self)
{
	lb_proxy__destroy(self);
}

static const lb_object_store_methods os_proxy = {
    LB_OBJECT_STORE_METHODS_HEADER,
    "proxy",
    os_init,
    os_put_object,
    os_object_exists,
    os_get_object,
    os_list_common_prefixes,
    os_list_objects,
    os_delete_object,
    os_create_signed_url,
    os_destroy,
};

int
lb_plugins_open_object_store(lb_plugin_manager *mgr,
                             const char *name,
                             const lb_config *config,
                             lb_call *call,
                             lb_object_store_handle **out)
{
	lb_proxy *px = NULL;
	int error = lb_proxy__open(mgr, LB_KIND_OBJECT_STORE, name, config, call, &px);

	if (error < 0)
		return error;
	px->h.os.m = &os_proxy;
	px->h.os.self = (lb_object_store *) px;
	*out = &px->h.os;
	return 0;
}

void
lb_object_store_handle_close(lb_object_store_handle *h)
{
	lb_proxy__close((lb_proxy *) h);
}
