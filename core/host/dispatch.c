/* The child's dispatch: one CALL frame -> one plugin method -> one ANSWER frame. */
#include "host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/frame.h"
#include "rpc/methods.h"

typedef struct instance {
	double id;
	lb_host_impl *impl;
	void *self;
} instance;

static instance *instances;
static size_t ninstances, cap_instances;

static instance *
find_instance(double id)
{
	for (size_t i = 0; i < ninstances; i++)
		if (instances[i].id == id)
			return &instances[i];
	return NULL;
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *
str0(const cJSON *o, const char *k)
{
	const char *s = str(o, k);

	return s ? s : "";
}

static int64_t
num(const cJSON *o, const char *k, int64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (int64_t) v->valuedouble : dflt;
}

/* A JSON object of strings as an lb_config; the items point into @o. */
static int
config_of(const cJSON *o, lb_config *cfg, lb_kv **items_out)
{
	const cJSON *it;
	lb_kv *items;
	uint32_t n = 0;

	items = calloc((size_t) cJSON_GetArraySize(o) + 1, sizeof(*items));
	if (!items)
		return LB_ENOMEM;
	cJSON_ArrayForEach(it, o)
	{
		if (cJSON_IsString(it)) {
			items[n].key = it->string;
			items[n].value = it->valuestring;
			n++;
		}
	}
	cfg->count = n;
	cfg->reserved = 0;
	cfg->items = items;
	*items_out = items;
	return 0;
}

static lb_host_impl *
find_impl(lb_host *h, int kind, const char *name)
{
	for (int i = 0; i < h->nimpls; i++)
		if (h->impls[i].kind == kind && name && !strcmp(h->impls[i].name, name))
			return &h->impls[i];
	return NULL;
}

static int
do_init(lb_host *h, lb_call *call, int kind, const cJSON *req, double id)
{
	lb_host_impl *impl = find_impl(h, kind, str(req, "impl"));
	lb_config cfg;
	lb_kv *items = NULL;
	void *self = NULL;
	int error;

	if (!impl)
		return lb__host_api.set_error(
		    call, LB_ENOTFOUND, "no implementation '%s' in plugin", str0(req, "impl"));
	if (find_instance(id))
		lb_host_proto_fail("instance %.0f initialised twice", id);
	if ((error = config_of(cJSON_GetObjectItemCaseSensitive(req, "config"), &cfg, &items)) < 0)
		return error;
	switch (kind) {
	case 0:
		error = impl->m.os.init(call, &cfg, (lb_object_store **) &self);
		break;
	case 1:
		error = impl->m.vs.init(call, &cfg, (lb_volume_snapshotter **) &self);
		break;
	case 2:
		error = impl->m.bia.init
		            ? impl->m.bia.init(call, &cfg, (lb_backup_item_action **) &self)
		            : 0;
		break;
	case 3:
		error = impl->m.ria.init
		            ? impl->m.ria.init(call, &cfg, (lb_restore_item_action **) &self)
		            : 0;
		break;
	default:
		error = impl->m.vc.init(call, &cfg, (lb_volume_copier **) &self);
		break;
	}
	free(items);
	if (error < 0)
		return error;
	if (ninstances == cap_instances) {
		size_t cap = cap_instances ? cap_instances * 2 : 8;
		instance *p = realloc(instances, cap * sizeof(*p));

		if (!p)
			return LB_ENOMEM;
		instances = p;
		cap_instances = cap;
	}
	instances[ninstances++] = (instance){id, impl, self};
	return 0;
}

static void
do_destroy(instance *in)
{
	switch (in->impl->kind) {
	case 0:
		in->impl->m.os.destroy(in->self);
		break;
	case 1:
		in->impl->m.vs.destroy(in->self);
		break;
	case 2:
		in->impl->m.bia.destroy(in->self);
		break;
	case 3:
		in->impl->m.ria.destroy(in->self);
		break;
	default:
		in->impl->m.vc.destroy(in->self);
		break;
	}
	*in = instances[--ninstances];
}

static void
add_items(cJSON *ans, const lb_strlist *l)
{
	cJSON *arr = cJSON_AddArrayToObject(ans, "items");

	for (size_t i = 0; i < l->count; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(l->items[i]));
}

static int
unsupported(lb_call *call, const char *method)
{
	return lb__host_api.set_error(call, LB_EUNSUPPORTED, "%s is not implemented by this plugin",
	                              method);
}

/* Run method @mid on @in; outputs into @ans. */
static int
run(lb_call *call, int mid, instance *in, const cJSON *req, int fd, cJSON *ans)
{
	lb_buf buf = LB_BUF_INIT, buf2 = LB_BUF_INIT;
	lb_strlist list = LB_STRLIST_INIT;
	lb_config tags = {0, 0, NULL};
	lb_kv *tag_items = NULL;
	int flag = 0, error = 0;
	int64_t iops = -1;
	void *self = in->self;
	lb_host_impl *im = in->impl;

	switch (mid) {
	case LB_METHOD_OS_PUT_OBJECT:
		error = im->m.os.put_object(self, call, str0(req, "bucket"), str0(req, "key"), fd,
		                            num(req, "size", -1));
		break;
	case LB_METHOD_OS_OBJECT_EXISTS:
		error = im->m.os.object_exists(self, call, str0(req, "bucket"), str0(req, "key"),
		                               &flag);
		if (error >= 0)
			cJSON_AddBoolToObject(ans, "exists", flag);
		break;
	case LB_METHOD_OS_GET_OBJECT:
		error = im->m.os.get_object(self, call, str0(req, "bucket"), str0(req, "key"), fd);
		break;
	case LB_METHOD_OS_LIST_COMMON_PREFIXES:
		error = im->m.os.list_common_prefixes(self, call, str0(req, "bucket"),
		                                      str0(req, "prefix"), str0(req, "delimiter"),
		                                      &list);
		break;
	case LB_METHOD_OS_LIST_OBJECTS:
		error = im->m.os.list_objects(self, call, str0(req, "bucket"), str0(req, "prefix"),
		                              &list);
		break;
	case LB_METHOD_OS_DELETE_OBJECT:
		error = im->m.os.delete_object(self, call, str0(req, "bucket"), str0(req, "key"));
		break;
	case LB_METHOD_OS_CREATE_SIGNED_URL:
		error =
		    im->m.os.create_signed_url
		        ? im->m.os.create_signed_url(self, call, str0(req, "bucket"),
		                                     str0(req, "key"), num(req, "ttlMs", 0), &buf)
		        : unsupported(call, lb_methods[mid].name);
		break;
	case LB_METHOD_VS_CREATE_VOLUME_FROM_SNAPSHOT:
		error = im->m.vs.create_volume_from_snapshot(
		    self, call, str0(req, "snapshotId"), str0(req, "volumeType"),
		    str0(req, "volumeAZ"), num(req, "iops", -1), &buf);
		break;
	case LB_METHOD_VS_GET_VOLUME_ID:
		error = im->m.vs.get_volume_id(self, call, str0(req, "pv"), &buf);
		break;
	case LB_METHOD_VS_SET_VOLUME_ID:
		error = im->m.vs.set_volume_id(self, call, str0(req, "pv"), str0(req, "volumeId"),
		                               &buf);
		break;
	case LB_METHOD_VS_GET_VOLUME_INFO:
		error = im->m.vs.get_volume_info(self, call, str0(req, "volumeId"),
		                                 str0(req, "volumeAZ"), &buf, &iops);
		if (error >= 0)
			cJSON_AddNumberToObject(ans, "iops", (double) iops);
		break;
	case LB_METHOD_VS_CREATE_SNAPSHOT:
		if ((error = config_of(cJSON_GetObjectItemCaseSensitive(req, "tags"), &tags,
		                       &tag_items)) < 0)
			break;
		error = im->m.vs.create_snapshot(self, call, str0(req, "volumeId"),
		                                 str0(req, "volumeAZ"), &tags, &buf);
		break;
	case LB_METHOD_VS_DELETE_SNAPSHOT:
		error = im->m.vs.delete_snapshot(self, call, str0(req, "snapshotId"));
		break;
	case LB_METHOD_BIA_APPLIES_TO:
		error = im->m.bia.applies_to(self, call, &buf);
		break;
	case LB_METHOD_BIA_EXECUTE:
		error = im->m.bia.execute(self, call, str0(req, "item"), str0(req, "backup"), &buf);
		break;
	case LB_METHOD_BIA_PROGRESS:
		error = im->m.bia.progress
		            ? im->m.bia.progress(self, call, str0(req, "operationId"),
		                                 str0(req, "backup"), &buf)
		            : unsupported(call, lb_methods[mid].name);
		break;
	case LB_METHOD_BIA_CANCEL:
		error = im->m.bia.cancel ? im->m.bia.cancel(self, call, str0(req, "operationId"),
		                                            str0(req, "backup"))
		                         : unsupported(call, lb_methods[mid].name);
		break;
	case LB_METHOD_RIA_APPLIES_TO:
		error = im->m.ria.applies_to(self, call, &buf);
		break;
	case LB_METHOD_RIA_EXECUTE:
		error = im->m.ria.execute(self, call, str0(req, "input"), &buf);
		break;
	case LB_METHOD_RIA_PROGRESS:
		error = im->m.ria.progress
		            ? im->m.ria.progress(self, call, str0(req, "operationId"),
		                                 str0(req, "restore"), &buf)
		            : unsupported(call, lb_methods[mid].name);
		break;
	case LB_METHOD_RIA_CANCEL:
		error = im->m.ria.cancel ? im->m.ria.cancel(self, call, str0(req, "operationId"),
		                                            str0(req, "restore"))
		                         : unsupported(call, lb_methods[mid].name);
		break;
	case LB_METHOD_RIA_ARE_ADDITIONAL_ITEMS_READY:
		flag = 1;
		if (im->m.ria.are_additional_items_ready)
			error = im->m.ria.are_additional_items_ready(
			    self, call, str0(req, "additionalItems"), str0(req, "restore"), &flag);
		if (error >= 0)
			cJSON_AddBoolToObject(ans, "ready", flag);
		break;
	case LB_METHOD_VC_BACKUP:
		error = im->m.vc.backup(self, call, str0(req, "request"), &buf);
		break;
	case LB_METHOD_VC_RESTORE:
		error = im->m.vc.restore(self, call, str0(req, "request"), &buf);
		break;
	case LB_METHOD_VC_MAINTAIN:
		error = im->m.vc.maintain ? im->m.vc.maintain(self, call, str0(req, "request"), &buf)
		                          : unsupported(call, lb_methods[mid].name);
		break;
	default:
		lb_host_proto_fail("method %s cannot be called on an instance",
		                   lb_methods[mid].name);
	}
	if (error >= 0) {
		if (list.count || mid == LB_METHOD_OS_LIST_OBJECTS ||
		    mid == LB_METHOD_OS_LIST_COMMON_PREFIXES)
			add_items(ans, &list);
		if (buf.ptr)
			cJSON_AddStringToObject(ans, "text", buf.ptr);
		if (buf2.ptr)
			cJSON_AddStringToObject(ans, "text2", buf2.ptr);
	}
	free(tag_items);
	lb_buf_dispose(&buf);
	lb_buf_dispose(&buf2);
	lb_strlist_dispose(&list);
	return error;
}

int
lb_host_dispatch(lb_host *h, uint32_t call_id, uint32_t budget_ms, const char *payload, int fd)
{
	lb_host_call hc;
	cJSON *req = cJSON_Parse(payload ? payload : ""), *ans = cJSON_CreateObject();
	const char *mname;
	char *text;
	instance *in;
	double id;
	int mid, error = 0;

	if (!cJSON_IsObject(req))
		lb_host_proto_fail("CALL payload is not a JSON object");
	mname = str(req, "method");
	mid = lb_method_lookup(mname);
	if (mid < 0)
		lb_host_proto_fail("unknown method '%s'", mname ? mname : "(none)");
	if (((lb_methods[mid].flags & LB_M_TAKES_FD) != 0) != (fd >= 0))
		lb_host_proto_fail("method %s: descriptor missing or unexpected", mname);
	id = (double) num(req, "instance", -1);

	memset(&hc, 0, sizeof(hc));
	hc.id = call_id;
	hc.budget_ms = budget_ms;
	hc.deadline = budget_ms ? lb_deadline_in(budget_ms) : LB_DEADLINE_NONE;
	h->current = &hc;

	switch (mid) {
	case LB_METHOD_OS_INIT:
	case LB_METHOD_VS_INIT:
	case LB_METHOD_BIA_INIT:
	case LB_METHOD_RIA_INIT:
	case LB_METHOD_VC_INIT:
		error = do_init(h, (lb_call *) &hc, lb_methods[mid].kind, req, id);
		break;
	case LB_METHOD_OS_DESTROY:
	case LB_METHOD_VS_DESTROY:
	case LB_METHOD_BIA_DESTROY:
	case LB_METHOD_RIA_DESTROY:
	case LB_METHOD_VC_DESTROY:
		if ((in = find_instance(id)) != NULL)
			do_destroy(in);
		break;
	default:
		in = find_instance(id);
		if (!in || in->impl->kind != lb_methods[mid].kind)
			lb_host_proto_fail("method %s on unknown instance %.0f", mname, id);
		error = run((lb_call *) &hc, mid, in, req, fd, ans);
	}
	pthread_mutex_lock(&lb__host_mu);
	h->current = NULL;
	pthread_mutex_unlock(&lb__host_mu);
	if (error > 0 || error < LB_ERROR_MIN_)
		error = LB_ERROR;
	cJSON_AddNumberToObject(ans, "code", error);
	if (error < 0)
		cJSON_AddStringToObject(ans, "message", hc.message);
	text = cJSON_PrintUnformatted(ans);
	cJSON_Delete(ans);
	cJSON_Delete(req);
	if (!text)
		return LB_ENOMEM;
	error = lb_frame_send(h->chan, LB_FRAME_ANSWER, call_id, 0, text, strlen(text), -1,
	                      LB_DEADLINE_NONE);
	free(text);
	return error;
}
