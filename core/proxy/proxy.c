#include "proxy.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/error.h"

int
lb_proxy__open(lb_plugin_manager *mgr,
               int kind,
               const char *name,
               const lb_config *config,
               lb_call *call,
               lb_proxy **out)
{
	lb_proxy *px;
	int error;

	if (!out)
		return lb_call_set_error(call, LB_EINVAL, "open: no output handle");
	px = calloc(1, sizeof(*px));
	if (!px)
		return lb_call_set_error(call, LB_ENOMEM, "out of memory");
	lb_call_clear_error(call);
	if ((error = lb_plugin__open(mgr, kind, name, config, call, &px->inst)) < 0) {
		free(px);
		return error;
	}
	*out = px;
	return 0;
}

void
lb_proxy__destroy(void *self)
{
	lb_proxy *px = self;

	if (!px || !px->inst)
		return;
	lb_plugin__close(px->inst);
	px->inst = NULL;
}

void
lb_proxy__close(lb_proxy *px)
{
	if (!px)
		return;
	lb_proxy__destroy(px);
	free(px);
}

int
lb_proxy__call(void *self, lb_call *call, int mid, cJSON *req, int fd, cJSON **ans_out)
{
	lb_proxy *px = self;

	*ans_out = NULL;
	if (!px || !px->inst) {
		cJSON_Delete(req);
		return lb_call_set_error(call, LB_EINVAL, "%s on a closed or NULL handle",
		                         lb_methods[mid].name);
	}
	if (!req)
		return lb_call_set_error(call, LB_ENOMEM, "out of memory");
	return lb_plugin__invoke(px->inst, call, mid, req, fd, ans_out);
}

int
lb_proxy__text(const cJSON *ans, const char *field, lb_buf *out)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ans, field));

	if (!s || !out)
		return 0;
	return lb_buf_puts(out, s);
}

int
lb_proxy__items(const cJSON *ans, lb_strlist *out)
{
	const cJSON *it;
	int error = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ans, "items"))
	{
		if (cJSON_IsString(it) && (error = lb_strlist_add(out, it->valuestring)) < 0)
			break;
	}
	return error;
}

cJSON *
lb_proxy__req(void)
{
	return cJSON_CreateObject();
}

void
lb_proxy__str(cJSON *req, const char *field, const char *value)
{
	if (req && value)
		cJSON_AddStringToObject(req, field, value);
}
