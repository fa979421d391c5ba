/* The host table handed to the plugin (lb_host_api), as implemented in the child.
 *
 * Threads: a plugin may call the table from any of its threads while a method call is in
 * flight (PLUGIN-ABI.md, "Threads, processes and deadlines"). Every member takes lb__host_mu,
 * so one request/answer exchange on the channel, a set_error and a list append are each
 * whole. The static helpers below the public members assume the lock is held. */
#include "host.h"

#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc/frame.h"

lb_host lb__the_host = {.chan = LB_CHANNEL_FD};

pthread_mutex_t lb__host_mu = PTHREAD_MUTEX_INITIALIZER;

#define LOCKED(expr)                                                                               \
	do {                                                                                       \
		pthread_mutex_lock(&lb__host_mu);                                                  \
		expr;                                                                              \
		pthread_mutex_unlock(&lb__host_mu);                                                \
	} while (0)

_Noreturn void
lb_host_proto_fail(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "lb-log:0:plugin host protocol violation: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t) n - 1, fmt, ap);
	va_end(ap);
	if (n > (int) sizeof(line) - 2)
		n = (int) sizeof(line) - 2;
	line[n++] = '\n';
	(void) !write(2, line, (size_t) n);
	_exit(LB_HOST_EXIT_PROTO);
}

static lb_host_call *
hc_of(lb_call *call)
{
	return (lb_host_call *) call;
}

static void
host_log(lb_call *call, int level, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	(void) call;
	if (level < LB_LOG_ERROR || level > LB_LOG_DEBUG)
		level = LB_LOG_INFO;
	n = snprintf(line, sizeof(line), "lb-log:%d:", level);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t) n - 1, fmt, ap);
	va_end(ap);
	if (n > (int) sizeof(line) - 2)
		n = (int) sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';
	LOCKED((void) !write(2, line, (size_t) n));
}

static int
host_set_error(lb_call *call, int code, const char *fmt, ...)
{
	lb_host_call *hc = hc_of(call);
	char message[sizeof(hc->message)];
	va_list ap;

	if (!hc)
		return code;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&lb__host_mu);
	hc->code = code;
	memcpy(hc->message, message, sizeof(message));
	pthread_mutex_unlock(&lb__host_mu);
	return code;
}

/* set_error with lb__host_mu held (host_request). */
static int
set_error_locked(lb_host_call *hc, int code, const char *message)
{
	hc->code = code;
	snprintf(hc->message, sizeof(hc->message), "%s", message);
	return code;
}

int
lb_host_pump(lb_host *h, int wait_type, char **payload_out)
{
	for (;;) {
		struct pollfd p = {.fd = h->chan, .events = POLLIN};
		lb_frame f;
		int n, error;

		if (!wait_type) {
			n = poll(&p, 1, 0);
			if (n <= 0)
				return 0;
		}
		if ((error = lb_frame_recv(h->chan, &f, LB_DEADLINE_NONE)) < 0) {
			if (error == LB_ECRASHED)
				_exit(0); /* the engine is gone */
			lb_host_proto_fail("bad frame while a call runs");
		}
		if (f.hdr.type == LB_FRAME_CANCEL) {
			if (h->current && f.hdr.call_id == h->current->id)
				h->current->cancelled = 1;
			lb_frame_dispose(&f);
			continue;
		}
		if (wait_type && f.hdr.type == wait_type && h->current &&
		    f.hdr.call_id == h->current->id && f.fd < 0) {
			*payload_out = f.payload;
			f.payload = NULL;
			lb_frame_dispose(&f);
			return 0;
		}
		lb_host_proto_fail("unexpected frame type %u during a call", f.hdr.type);
	}
}

/* Held: lb__host_mu. */
static int
cancelled_locked(lb_host_call *hc)
{
	if (!hc->cancelled)
		(void) lb_host_pump(&lb__the_host, 0, NULL);
	return hc->cancelled;
}

static int
host_cancelled(lb_call *call)
{
	lb_host_call *hc = hc_of(call);
	int cancelled;

	if (!hc)
		return 0;
	LOCKED(cancelled = cancelled_locked(hc));
	return cancelled;
}

static int
host_progress(lb_call *call, int64_t done, int64_t total, const char *unit)
{
	lb_host_call *hc = hc_of(call);
	cJSON *o;
	char *text;
	int cancelled;

	if (!hc)
		return 0;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "done", (double) done);
	cJSON_AddNumberToObject(o, "total", (double) total);
	cJSON_AddStringToObject(o, "unit", unit ? unit : "");
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	pthread_mutex_lock(&lb__host_mu);
	if (text && lb_frame_send(lb__the_host.chan, LB_FRAME_PROGRESS, hc->id, 0, text,
	                          strlen(text), -1, LB_DEADLINE_NONE) < 0)
		_exit(0);
	if (hc->budget_ms > 0)
		hc->deadline = lb_deadline_in(hc->budget_ms);
	cancelled = cancelled_locked(hc);
	pthread_mutex_unlock(&lb__host_mu);
	free(text);
	return cancelled ? LB_ECANCELED : 0;
}

static int64_t
host_deadline_left_ms(lb_call *call)
{
	lb_host_call *hc = hc_of(call);
	int64_t left;

	if (!hc || hc->budget_ms <= 0)
		return -1;
	LOCKED(left = lb_deadline_left_ms(hc->deadline));
	return left;
}

static const char *
host_config_get(const lb_config *config, const char *key)
{
	if (!config || !key)
		return NULL;
	for (uint32_t i = 0; i < config->count; i++)
		if (config->items[i].key && !strcmp(config->items[i].key, key))
			return config->items[i].value;
	return NULL;
}

static int
host_strlist_append(lb_strlist *list, const char *s)
{
	int error;

	LOCKED(error = lb_strlist_add(list, s ? s : ""));
	return error;
}

static int
host_buf_append(lb_buf *buf, const void *data, size_t len)
{
	int error;

	LOCKED(error = lb_buf_put(buf, data, len));
	return error;
}

static size_t
host_strlist_count(const lb_strlist *list)
{
	size_t n;

	if (!list)
		return 0;
	LOCKED(n = list->count);
	return n;
}

static const char *
host_strlist_get(const lb_strlist *list, size_t i)
{
	const char *s;

	if (!list)
		return NULL;
	LOCKED(s = i < list->count ? list->items[i] : NULL);
	return s;
}

/* Lists the plugin owns (abi_minor 1): not tied to a call, released only by strlist_free. */
static lb_strlist *
host_strlist_new(void)
{
	return calloc(1, sizeof(lb_strlist));
}

static void
host_strlist_free(lb_strlist *list)
{
	if (!list)
		return;
	lb_strlist_dispose(list);
	free(list);
}

static int
reg_os(lb_registrar *reg, const struct lb_object_store_methods *m)
{
	return lb_host_register((lb_host *) reg, 0, m);
}

static int
reg_vs(lb_registrar *reg, const struct lb_volume_snapshotter_methods *m)
{
	return lb_host_register((lb_host *) reg, 1, m);
}

static int
reg_bia(lb_registrar *reg, const struct lb_backup_item_action_methods *m)
{
	return lb_host_register((lb_host *) reg, 2, m);
}

static int
reg_ria(lb_registrar *reg, const struct lb_restore_item_action_methods *m)
{
	return lb_host_register((lb_host *) reg, 3, m);
}

static int
reg_vc(lb_registrar *reg, const struct lb_volume_copier_methods *m)
{
	return lb_host_register((lb_host *) reg, 4, m);
}

/* One host request: send HOST {op,...} (with @fd), wait for HOST_ANSWER. Held: lb__host_mu,
 * so the exchange is whole when several plugin threads make requests. */
static int
host_request(lb_call *call, cJSON *req, int fd, cJSON **ans_out)
{
	lb_host_call *hc = hc_of(call);
	char *text = NULL, *reply = NULL;
	cJSON *ans = NULL, *code, *msg;
	int error;

	if (!hc || hc != lb__the_host.current) {
		cJSON_Delete(req);
		/* a stale or foreign call: its context may be gone, so no message in it */
		(void) !write(2, "lb-log:0:location_* called outside a plugin method\n", 51);
		return LB_EINVAL;
	}
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (!text)
		return set_error_locked(hc, LB_ENOMEM, "out of memory");
	if (lb_frame_send(lb__the_host.chan, LB_FRAME_HOST, hc->id, 0, text, strlen(text), fd,
	                  LB_DEADLINE_NONE) < 0)
		_exit(0);
	free(text);
	(void) lb_host_pump(&lb__the_host, LB_FRAME_HOST_ANSWER, &reply);
	ans = cJSON_Parse(reply ? reply : "");
	free(reply);
	if (!cJSON_IsObject(ans))
		lb_host_proto_fail("HOST_ANSWER is not a JSON object");
	code = cJSON_GetObjectItemCaseSensitive(ans, "code");
	msg = cJSON_GetObjectItemCaseSensitive(ans, "message");
	error = cJSON_IsNumber(code) ? (int) code->valuedouble : LB_EPROTO;
	if (error < 0)
		set_error_locked(hc, error, cJSON_IsString(msg) ? msg->valuestring : "");
	if (error < 0 || !ans_out)
		cJSON_Delete(ans);
	else
		*ans_out = ans;
	return error;
}

static cJSON *
op(const char *name, const char *key)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "op", name);
	if (key)
		cJSON_AddStringToObject(o, "key", key);
	return o;
}

static int
host_location_put(lb_call *call, const char *key, int fd, int64_t size)
{
	cJSON *req = op("put", key);

	int error;

	cJSON_AddNumberToObject(req, "size", (double) size);
	LOCKED(error = host_request(call, req, fd, NULL));
	return error;
}

static int
host_location_get(lb_call *call, const char *key, int fd)
{
	int error;

	LOCKED(error = host_request(call, op("get", key), fd, NULL));
	return error;
}

static int
host_location_exists(lb_call *call, const char *key, int *exists_out)
{
	cJSON *ans = NULL;
	int error;

	LOCKED(error = host_request(call, op("exists", key), -1, &ans));
	if (error >= 0) {
		*exists_out = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "exists"));
		cJSON_Delete(ans);
	}
	return error;
}

static int
host_location_list(lb_call *call, const char *prefix, const char *delimiter, lb_strlist *out)
{
	cJSON *req = op("list", NULL), *ans = NULL, *items, *it;
	int error;

	cJSON_AddStringToObject(req, "prefix", prefix ? prefix : "");
	if (delimiter)
		cJSON_AddStringToObject(req, "delimiter", delimiter);
	if (!out) {
		cJSON_Delete(req);
		return host_set_error(call, LB_EINVAL,
		                      "location_list needs an output list (strlist_new)");
	}
	pthread_mutex_lock(&lb__host_mu);
	if ((error = host_request(call, req, -1, &ans)) >= 0) {
		items = cJSON_GetObjectItemCaseSensitive(ans, "items");
		cJSON_ArrayForEach(it, items)
		{
			if (cJSON_IsString(it) &&
			    (error = lb_strlist_add(out, it->valuestring)) < 0)
				break;
		}
		cJSON_Delete(ans);
	}
	pthread_mutex_unlock(&lb__host_mu);
	return error;
}

static int
host_location_delete(lb_call *call, const char *key)
{
	int error;

	LOCKED(error = host_request(call, op("delete", key), -1, NULL));
	return error;
}

const lb_host_api lb__host_api = {
    sizeof(lb_host_api),
    LB_HOST_API_ABI_MINOR,
    host_log,
    host_set_error,
    host_progress,
    host_cancelled,
    host_deadline_left_ms,
    host_config_get,
    host_strlist_append,
    host_buf_append,
    reg_os,
    reg_vs,
    reg_bia,
    reg_ria,
    host_location_put,
    host_location_get,
    host_location_exists,
    host_location_list,
    host_location_delete,
    /* abi_minor 1 */
    host_strlist_count,
    host_strlist_get,
    reg_vc,
    host_strlist_new,
    host_strlist_free,
};
