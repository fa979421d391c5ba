/* BackupItemAction and RestoreItemAction proxies: same signatures as their methods. */
#include "proxy.h"

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
bia_init(lb_call *call, const lb_config *config, lb_backup_item_action **self_out)
{
	(void) config, (void) self_out;
	return lb_call_set_error(call, LB_EINVAL, "use lb_plugins_open_backup_item_action()");
}

static int
bia_applies_to(lb_backup_item_action *self, lb_call *call, lb_buf *selector_json_out)
{
	return text_call(self, call, LB_METHOD_BIA_APPLIES_TO, lb_proxy__req(), selector_json_out);
}

static int
bia_execute(lb_backup_item_action *self,
            lb_call *call,
            const char *item_json,
            const char *backup_json,
            lb_buf *output_json_out)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "item", item_json);
	lb_proxy__str(req, "backup", backup_json);
	return text_call(self, call, LB_METHOD_BIA_EXECUTE, req, output_json_out);
}

static int
bia_progress(lb_backup_item_action *self,
             lb_call *call,
             const char *operation_id,
             const char *backup_json,
             lb_buf *progress_json_out)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "operationId", operation_id);
	lb_proxy__str(req, "backup", backup_json);
	return text_call(self, call, LB_METHOD_BIA_PROGRESS, req, progress_json_out);
}

static int
bia_cancel(lb_backup_item_action *self,
           lb_call *call,
           const char *operation_id,
           const char *backup_json)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "operationId", operation_id);
	lb_proxy__str(req, "backup", backup_json);
	return text_call(self, call, LB_METHOD_BIA_CANCEL, req, NULL);
}

static void
bia_destroy(lb_backup_item_action *self)
{
	lb_proxy__destroy(self);
}

static const lb_backup_item_action_methods bia_proxy = {
    LB_BACKUP_ITEM_ACTION_METHODS_HEADER,
    "proxy",
    bia_init,
    bia_applies_to,
    bia_execute,
    bia_progress,
    bia_cancel,
    bia_destroy,
};

static int
ria_init(lb_call *call, const lb_config *config, lb_restore_item_action **self_out)
{
	(void) config, (void) self_out;
	return lb_call_set_error(call, LB_EINVAL, "use lb_plugins_open_restore_item_action()");
}

static int
ria_applies_to(lb_restore_item_action *self, lb_call *call, lb_buf *selector_json_out)
{
	return text_call(self, call, LB_METHOD_RIA_APPLIES_TO, lb_proxy__req(), selector_json_out);
}

static int
ria_execute(lb_restore_item_action *self,
            lb_call *call,
            const char *input_json,
            lb_buf *output_json_out)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "input", input_json);
	return text_call(self, call, LB_METHOD_RIA_EXECUTE, req, output_json_out);
}

static int
ria_progress(lb_restore_item_action *self,
             lb_call *call,
             const char *operation_id,
             const char *restore_json,
             lb_buf *progress_json_out)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "operationId", operation_id);
	lb_proxy__str(req, "restore", restore_json);
	return text_call(self, call, LB_METHOD_RIA_PROGRESS, req, progress_json_out);
}

static int
ria_cancel(lb_restore_item_action *self,
           lb_call *call,
           const char *operation_id,
           const char *restore_json)
{
	cJSON *req = lb_proxy__req();

	lb_proxy__str(req, "operationId", operation_id);
	lb_proxy__str(req, "restore", restore_json);
	return text_call(self, call, LB_METHOD_RIA_CANCEL, req, NULL);
}

static int
ria_are_additional_items_ready(lb_restore_item_action *self,
                               lb_call *call,
                               const char *additional_items_json,
                               const char *restore_json,
                               int *ready_out)
{
	cJSON *req = lb_proxy__req(), *ans = NULL;
	int error;

	lb_proxy__str(req, "additionalItems", additional_items_json);
	lb_proxy__str(req, "restore", restore_json);
	error = lb_proxy__call(self, call, LB_METHOD_RIA_ARE_ADDITIONAL_ITEMS_READY, req, -1, &ans);
	if (error >= 0)
		*ready_out = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ans, "ready"));
	cJSON_Delete(ans);
	return error;
}

static void
ria_destroy(lb_restore_item_action *self)
{
	lb_proxy__destroy(self);
}

static const lb_restore_item_action_methods ria_proxy = {
    LB_RESTORE_ITEM_ACTION_METHODS_HEADER,
    "proxy",
    ria_init,
    ria_applies_to,
    ria_execute,
    ria_progress,
    ria_cancel,
    ria_are_additional_items_ready,
    ria_destroy,
};

int
lb_plugins_open_backup_item_action(lb_plugin_manager *mgr,
                                   const char *name,
                                   const lb_config *config,
                                   lb_call *call,
                                   lb_backup_item_action_handle **out)
{
	lb_proxy *px = NULL;
	int error = lb_proxy__open(mgr, LB_KIND_BACKUP_ITEM_ACTION, name, config, call, &px);

	if (error < 0)
		return error;
	px->h.bia.m = &bia_proxy;
	px->h.bia.self = (lb_backup_item_action *) px;
	*out = &px->h.bia;
	return 0;
}

int
lb_plugins_open_restore_item_action(lb_plugin_manager *mgr,
                                    const char *name,
                                    const lb_config *config,
                                    lb_call *call,
                                    lb_restore_item_action_handle **out)
{
	lb_proxy *px = NULL;
	int error = lb_proxy__open(mgr, LB_KIND_RESTORE_ITEM_ACTION, name, config, call, &px);

	if (error < 0)
		return error;
	px->h.ria.m = &ria_proxy;
	px->h.ria.self = (lb_restore_item_action *) px;
	*out = &px->h.ria;
	return 0;
}

void
lb_backup_item_action_handle_close(lb_backup_item_action_handle *h)
{
	lb_proxy__close((lb_proxy *) h);
}

void
lb_restore_item_action_handle_close(lb_restore_item_action_handle *h)
{
	lb_proxy__close((lb_proxy *) h);
}
