/*
 * A whole minimal plugin in one translation unit, compiled as strict C99 and as C++ by the
 * headertest: LB_PLUGIN_DECLARE, lb_plugin_init, a method table and the shortcuts must all
 * compile cleanly in both languages. C++ plugins wrap the plugin-facing definitions in
 * extern "C" (see PLUGIN-ABI.md, "Writing a plugin in C++").
 */
#include <lifeboat/plugin/sdk.h>

#ifdef __cplusplus
extern "C" {
#endif

LB_PLUGIN_DECLARE("example.com/headertest", "0.0.0");

static int
ht_init(lb_call *call, const lb_config *config, lb_object_store **self_out)
{
	if (lb_config_get(config, "root") == NULL)
		return lb_set_error(call, LB_EINVAL, "config key \"root\" is required");
	*self_out = NULL;
	return 0;
}

static int
ht_exists(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int *out)
{
	(void) self;
	(void) bucket;
	lb_log(call, LB_LOG_DEBUG, "exists %s", key);
	*out = 0;
	return 0;
}

static void
ht_destroy(lb_object_store *self)
{
	(void) self;
}

static const lb_object_store_methods ht_methods = {
	LB_OBJECT_STORE_METHODS_HEADER,
	"example.com/headertest",
	ht_init,
	NULL,
	ht_exists,
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	ht_destroy,
};

/* SDK 1.1: a VolumeCopier and the list accessors, used only when the host has them. */
static int
ht_vc_init(lb_call *call, const lb_config *config, lb_volume_copier **self_out)
{
	if (lb_config_get(config, "password") == NULL)
		return lb_set_error(call, LB_EINVAL, "config key \"password\" is required");
	*self_out = NULL;
	return 0;
}

static int
ht_vc_backup(lb_volume_copier *self, lb_call *call, const char *request_json, lb_buf *out)
{
	lb_strlist *list;

	(void) self;
	(void) request_json;
	if (!LB_HOST_HAS(strlist_new) || (list = lb_strlist_new()) == NULL)
		return lb_set_error(call, LB_ENOMEM, "strlist_new");
	if (lb_location_list(call, "repo/", NULL, list) == 0 && lb_strlist_count(list) > 0 &&
	    lb_strlist_get(list, 0) != NULL)
		lb_log(call, LB_LOG_DEBUG, "first %s", lb_strlist_get(list, 0));
	lb_strlist_free(list);
	return lb_buf_append_str(out, "{}");
}

static void
ht_vc_destroy(lb_volume_copier *self)
{
	(void) self;
}

static const lb_volume_copier_methods ht_vc_methods = {
	LB_VOLUME_COPIER_METHODS_HEADER,
	"example.com/headertest-copier",
	ht_vc_init,
	ht_vc_backup,
	ht_vc_backup,
	NULL,
	ht_vc_destroy,
};

int
lb_plugin_init(lb_registrar *reg)
{
	int error;

	if (!LB_HOST_HAS(register_object_store))
		return LB_EVERSION;
	if ((error = lb_register_object_store(reg, &ht_methods)) < 0)
		return error;
	if (LB_HOST_HAS(register_volume_copier))
		error = lb_register_volume_copier(reg, &ht_vc_methods);
	return error;
}

#ifdef __cplusplus
}
#endif
