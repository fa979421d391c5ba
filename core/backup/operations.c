/* Asynchronous item operations: records, the poll loop, and Velero's JSON. */
#include "operations.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "util/error.h"
#include "util/time.h"

void
lb_item_ops_init(lb_item_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	pthread_mutex_init(&ops->mu, NULL);
}

void
lb_item_ops_dispose(lb_item_ops *ops)
{
	size_t i;

	for (i = 0; i < ops->n; i++) {
		lb_item_op *op = &ops->v[i];

		free(op->action);
		free(op->op_id);
		free(op->error);
		free(op->units);
		free(op->description);
		cJSON_Delete(op->id);
		cJSON_Delete(op->post);
	}
	free(ops->v);
	pthread_mutex_destroy(&ops->mu);
	memset(ops, 0, sizeof(*ops));
}

static void
set_text(char **dst, const char *src)
{
	char *n = strdup(src ? src : "");

	if (!n)
		return;
	free(*dst);
	*dst = n;
}

int
lb_item_ops_add(lb_item_ops *ops,
                const char *action,
                void *handle,
                const char *op_id,
                const cJSON *id,
                const cJSON *post)
{
	lb_item_op *op;

	pthread_mutex_lock(&ops->mu);
	if (ops->n == ops->cap) {
		size_t cap = ops->cap ? ops->cap * 2 : 8;
		lb_item_op *v = realloc(ops->v, cap * sizeof(*v));

		if (!v) {
			pthread_mutex_unlock(&ops->mu);
			return lb_error_set(LB_ENOMEM, "out of memory recording operation %s",
			                    op_id);
		}
		ops->v = v;
		ops->cap = cap;
	}
	op = &ops->v[ops->n++];
	memset(op, 0, sizeof(*op));
	set_text(&op->action, action);
	set_text(&op->op_id, op_id);
	set_text(&op->error, "");
	set_text(&op->units, "");
	set_text(&op->description, "");
	op->handle = handle;
	op->id = id ? cJSON_Duplicate(id, 1) : cJSON_CreateObject();
	op->post =
	    cJSON_IsArray(post) && cJSON_GetArraySize(post) ? cJSON_Duplicate(post, 1) : NULL;
	op->phase = LB_OP_IN_PROGRESS;
	op->created = op->updated = time(NULL);
	op->start_ms = lb_now_ms();
	pthread_mutex_unlock(&ops->mu);
	return 0;
}

static int64_t
num(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(x) ? (int64_t) x->valuedouble : 0;
}

void
lb_item_op_apply_progress(lb_item_op *op, const char *progress_json)
{
	cJSON *p = cJSON_Parse(progress_json ? progress_json : "");
	const char *err, *s;

	op->updated = time(NULL);
	if (!cJSON_IsObject(p)) {
		op->phase = LB_OP_FAILED;
		set_text(&op->error, "the action's progress is not a JSON object");
		cJSON_Delete(p);
		return;
	}
	op->n_completed = num(p, "nCompleted");
	op->n_total = num(p, "nTotal");
	if ((s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "operationUnits"))))
		set_text(&op->units, s);
	if ((s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "description"))))
		set_text(&op->description, s);
	err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "err"));
	if (err && *err) {
		op->phase = LB_OP_FAILED;
		set_text(&op->error, err);
	} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "completed"))) {
		op->phase = LB_OP_COMPLETED;
	}
	cJSON_Delete(p);
}

static void fail(lb_item_op *op, const lb_item_ops_wait_opts *o, int cancel, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
fail(lb_item_op *op, const lb_item_ops_wait_opts *o, int cancel, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cancel && o->cancel_op) {
		o->cancel_op(o->ud, op);
		op->canceled = 1;
	}
	op->phase = LB_OP_FAILED;
	op->updated = time(NULL);
	set_text(&op->error, msg);
}

size_t
lb_item_ops_wait(lb_item_ops *ops, const lb_item_ops_wait_opts *o)
{
	int64_t poll = o->poll_ms > 0 ? o->poll_ms : LB_ITEM_OP_POLL_MS_DEFAULT;
	int64_t limit = o->timeout_ms > 0 ? o->timeout_ms : LB_ITEM_OP_TIMEOUT_MS_DEFAULT;
	size_t i, left, failed = 0;

	for (;;) {
		left = 0;
		for (i = 0; i < ops->n; i++) {
			lb_item_op *op = &ops->v[i];
			char why[1024] = "", *json = NULL;

			if (strcmp(op->phase, LB_OP_IN_PROGRESS) != 0)
				continue;
			if (o->cancel && lb_cancel_is_set(o->cancel)) {
				fail(op, o, 1, "canceled with its task (operation %s of %s)",
				     op->op_id, op->action);
				continue;
			}
			op->polls++;
			if (o->progress(o->ud, op, &json, why, sizeof(why)) < 0) {
				fail(op, o, 0, "progress of operation %s: %s", op->op_id,
				     why[0] ? why : "failed");
				continue;
			}
			lb_item_op_apply_progress(op, json);
			free(json);
			if (strcmp(op->phase, LB_OP_IN_PROGRESS) != 0)
				continue;
			if (lb_now_ms() - op->start_ms >= limit) {
				char d[32];

				lb_item_ops_format_ms(limit, d, sizeof(d));
				fail(op, o, 1,
				     "timed out after %s (the item operation timeout); it was "
				     "canceled",
				     d);
				continue;
			}
			left++;
		}
		if (!left)
			break;
		/* sleep in slices so a canceled task stops waiting quickly */
		for (int64_t slept = 0; slept < poll; slept += 50) {
			if (o->cancel && lb_cancel_is_set(o->cancel))
				break;
			usleep((useconds_t) ((poll - slept < 50 ? poll - slept : 50) * 1000));
		}
	}
	for (i = 0; i < ops->n; i++)
		if (strcmp(ops->v[i].phase, LB_OP_FAILED) == 0)
			failed++;
	return failed;
}

void
lb_item_ops_format_ms(int64_t ms, char *buf, size_t size)
{
	if (ms % 1000)
		snprintf(buf, size, "%lldms", (long long) ms);
	else
		lb_duration_format(ms, buf, size);
}

static cJSON *
velero_id(const cJSON *id)
{
	static const char *const k[][2] = {{"group", "Group"},
	                                   {"resource", "Resource"},
	                                   {"namespace", "Namespace"},
	                                   {"name", "Name"}};
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; i < 4; i++) {
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(id, k[i][0]));

		cJSON_AddStringToObject(o, k[i][1], v ? v : "");
	}
	return o;
}

char *
lb_item_ops_json(lb_item_ops *ops, const char *kind, const char *name, const char *uid)
{
	cJSON *a = cJSON_CreateArray(), *rec, *spec, *st, *post, *it;
	char key[64], ts[32];
	size_t i;
	char *text;

	pthread_mutex_lock(&ops->mu);
	for (i = 0; i < ops->n; i++) {
		lb_item_op *op = &ops->v[i];

		rec = cJSON_CreateObject();
		spec = cJSON_AddObjectToObject(rec, "spec");
		snprintf(key, sizeof(key), "%sName", kind);
		cJSON_AddStringToObject(spec, key, name ? name : "");
		snprintf(key, sizeof(key), "%sUID", kind);
		cJSON_AddStringToObject(spec, key, uid ? uid : "");
		snprintf(key, sizeof(key), "%sItemAction", kind);
		cJSON_AddStringToObject(spec, key, op->action);
		cJSON_AddItemToObject(spec, "resourceIdentifier", velero_id(op->id));
		cJSON_AddStringToObject(spec, "operationID", op->op_id);
		if (op->post) {
			post = cJSON_AddArrayToObject(spec, "postOperationItems");
			cJSON_ArrayForEach(it, op->post) cJSON_AddItemToArray(post, velero_id(it));
		}
		st = cJSON_AddObjectToObject(rec, "status");
		cJSON_AddStringToObject(st, "phase", op->phase);
		if (op->error && *op->error)
			cJSON_AddStringToObject(st, "error", op->error);
		cJSON_AddNumberToObject(st, "nCompleted", (double) op->n_completed);
		cJSON_AddNumberToObject(st, "nTotal", (double) op->n_total);
		if (*op->units)
			cJSON_AddStringToObject(st, "operationUnits", op->units);
		if (*op->description)
			cJSON_AddStringToObject(st, "description", op->description);
		lb_time_rfc3339(op->created, ts, sizeof(ts));
		cJSON_AddStringToObject(st, "created", ts);
		cJSON_AddStringToObject(st, "started", ts);
		lb_time_rfc3339(op->updated, ts, sizeof(ts));
		cJSON_AddStringToObject(st, "updated", ts);
		cJSON_AddItemToArray(a, rec);
	}
	pthread_mutex_unlock(&ops->mu);
	text = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return text;
}
