/* One plugin call, engine side: the watchdog's wait function (one poll over channel,
 * pidfd, stderr and the cancel token against one absolute deadline; data before death),
 * host location_* requests served while waiting, progress extending the deadline, and
 * the one-sentence failures. */
#include "plugin.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rpc/frame.h"
#include "rpc/location_fwd.h"
#include "util/error.h"
#include "util/log.h"

static int
child_has(const lb_child *c, double id)
{
	for (size_t i = 0; i < c->ninstances; i++)
		if (c->instances[i] == id)
			return 1;
	return 0;
}

static int
child_add(lb_child *c, double id)
{
	if (c->ninstances == c->capinstances) {
		size_t cap = c->capinstances ? c->capinstances * 2 : 8;
		double *p = realloc(c->instances, cap * sizeof(*p));

		if (!p)
			return LB_ENOMEM;
		c->instances = p;
		c->capinstances = cap;
	}
	c->instances[c->ninstances++] = id;
	return 0;
}

static void
child_remove(lb_child *c, double id)
{
	for (size_t i = 0; i < c->ninstances; i++)
		if (c->instances[i] == id) {
			c->instances[i] = c->instances[--c->ninstances];
			return;
		}
}

/* Serve one HOST request from the plugin, on the call's storage location. */
static int
serve_host(lb_child *c, lb_call *call, const lb_frame *f)
{
	const lb_location_hooks *hooks = lb_location_hooks_get();
	lb_strlist list = LB_STRLIST_INIT;
	cJSON *req = cJSON_Parse(f->payload ? f->payload : ""), *ans = cJSON_CreateObject();
	const char *op, *key;
	char saved[sizeof(call->message)];
	int saved_code = call ? call->code : 0, exists = 0, error;
	char *text;

	if (call)
		memcpy(saved, call->message, sizeof(saved));
	op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "op"));
	key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "key"));
	if (!op) {
		error = lb_error_set(LB_EPROTO, "HOST request without op");
		goto done_proto;
	}
	lb_call_clear_error(call);
	lb_error_clear();
	if (!call || !call->location) {
		error = lb_call_set_error(call, LB_EUNSUPPORTED,
		                          "this call has no storage location (location_%s)", op);
	} else if (!strcmp(op, "put") && key && f->fd >= 0) {
		const cJSON *sz = cJSON_GetObjectItemCaseSensitive(req, "size");

		error = hooks->put(call->location, call, key, f->fd,
		                   cJSON_IsNumber(sz) ? (int64_t) sz->valuedouble : -1);
	} else if (!strcmp(op, "get") && key && f->fd >= 0) {
		error = hooks->get(call->location, call, key, f->fd);
	} else if (!strcmp(op, "exists") && key && f->fd < 0) {
		error = hooks->exists(call->location, call, key, &exists);
		if (error >= 0)
			cJSON_AddBoolToObject(ans, "exists", exists);
	} else if (!strcmp(op, "list") && f->fd < 0) {
		const char *prefix =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "prefix"));
		const char *delim =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "delimiter"));

		error = hooks->list(call->location, call, prefix ? prefix : "", delim, &list);
		if (error >= 0) {
			cJSON *arr = cJSON_AddArrayToObject(ans, "items");

			for (size_t i = 0; i < list.count; i++)
				cJSON_AddItemToArray(arr, cJSON_CreateString(list.items[i]));
		}
	} else if (!strcmp(op, "delete") && key && f->fd < 0) {
		error = hooks->del(call->location, call, key);
	} else {
		error = lb_error_set(LB_EPROTO, "malformed HOST request '%s'", op);
		goto done_proto;
	}
	if (error > 0)
		error = 0;
	cJSON_AddNumberToObject(ans, "code", error);
	if (error < 0)
		cJSON_AddStringToObject(ans, "message",
		                        call && call->message[0] ? call->message
		                                                 : lb_error_last(error));
	text = cJSON_PrintUnformatted(ans);
	error = text ? lb_frame_send(c->chan, LB_FRAME_HOST_ANSWER, f->hdr.call_id, 0, text,
	                             strlen(text), -1, lb_deadline_in(10000))
	             : LB_ENOMEM;
	free(text);
done_proto:
	if (call) {
		memcpy(call->message, saved, sizeof(saved));
		call->code = saved_code;
	}
	lb_strlist_dispose(&list);
	cJSON_Delete(req);
	cJSON_Delete(ans);
	return error;
}

typedef enum outcome { OUT_ANSWER, OUT_TIMEOUT, OUT_DIED, OUT_PROTO, OUT_CANCELED } outcome;

/* Send one CALL and wait for its ANSWER. Returns the method's code; *dead_out = 1 when
 * the child was stopped (the sentence is in the call). */
static int
one_call(lb_plugin *p,
         lb_child *c,
         lb_call *call,
         int mid,
         const char *text,
         int fd,
         int64_t limit_ms,
         cJSON **ans_out,
         int *dead_out)
{
	const char *method = lb_methods[mid].name;
	uint32_t id = c->next_call_id++;
	lb_deadline dl = lb_deadline_in(limit_ms);
	int cancel_fd = call ? lb_cancel_fd(call->cancel) : -1, cancel_sent = 0;
	outcome out = OUT_ANSWER;
	char how[64], proto[256] = "";
	pid_t pid = c->pid;
	cJSON *ans = NULL;
	int error;

	*dead_out = 0;
	error = lb_frame_send(c->chan, LB_FRAME_CALL, id,
	                      limit_ms > UINT32_MAX ? UINT32_MAX : (uint32_t) limit_ms, text,
	                      strlen(text), fd, dl);
	if (error == LB_ETIMEDOUT)
		out = OUT_TIMEOUT;
	else if (error < 0)
		out = OUT_DIED;
	while (!ans && out == OUT_ANSWER) {
		struct pollfd pfd[4] = {{c->chan, POLLIN, 0},
		                        {c->pidfd, POLLIN, 0},
		                        {c->err_fd, POLLIN, 0},
		                        {cancel_sent ? -1 : cancel_fd, POLLIN, 0}};
		int n = poll(pfd, 4, lb_deadline_poll_ms(dl));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			out = OUT_DIED;
			break;
		}
		if (pfd[2].revents)
			lb_child_drain_log(c);
		/* Data before death: a last answer may precede the exit. */
		if (pfd[0].revents) {
			lb_frame f;

			error = lb_frame_recv(c->chan, &f, lb_deadline_in(10000));
			if (error == LB_ECRASHED) {
				out = OUT_DIED;
				break;
			}
			if (error < 0) {
				snprintf(proto, sizeof(proto), "%s", lb_error_last(error));
				out = OUT_PROTO;
				break;
			}
			if (f.hdr.call_id != id) {
				snprintf(proto, sizeof(proto), "frame for call %u during call %u",
				         f.hdr.call_id, id);
				out = OUT_PROTO;
			} else if (f.hdr.type == LB_FRAME_ANSWER && f.fd < 0) {
				ans = cJSON_Parse(f.payload ? f.payload : "");
				if (!cJSON_IsObject(ans)) {
					snprintf(proto, sizeof(proto),
					         "ANSWER is not a JSON object");
					out = OUT_PROTO;
				}
			} else if (f.hdr.type == LB_FRAME_PROGRESS && f.fd < 0) {
				cJSON *o = cJSON_Parse(f.payload ? f.payload : "");
				const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "done");
				const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "total");

				if (call) {
					call->progress_done =
					    cJSON_IsNumber(d) ? (int64_t) d->valuedouble : 0;
					call->progress_total =
					    cJSON_IsNumber(t) ? (int64_t) t->valuedouble : -1;
				}
				cJSON_Delete(o);
				if (!cancel_sent)
					dl = lb_deadline_in(limit_ms);
			} else if (f.hdr.type == LB_FRAME_HOST) {
				int64_t t0 = lb_now_ms();

				error = serve_host(c, call, &f);
				if (error == LB_EPROTO) {
					snprintf(proto, sizeof(proto), "%s", lb_error_last(error));
					out = OUT_PROTO;
				} else if (error < 0) {
					out = OUT_DIED;
				}
				/* Time spent in the engine is not the plugin's. */
				if (dl.at_ms != INT64_MAX)
					dl.at_ms += lb_now_ms() - t0;
			} else {
				snprintf(proto, sizeof(proto),
				         "unexpected frame type %u during a call", f.hdr.type);
				out = OUT_PROTO;
			}
			lb_frame_dispose(&f);
			continue;
		}
		if (pfd[1].revents) {
			out = OUT_DIED;
			break;
		}
		if (pfd[3].revents && !cancel_sent) {
			cancel_sent = 1;
			(void) lb_frame_send(c->chan, LB_FRAME_CANCEL, id, 0, NULL, 0, -1,
			                     lb_deadline_in(1000));
			dl = lb_deadline_min(dl, lb_deadline_in(p->mgr->s.grace_ms));
			continue;
		}
		if (n == 0 && lb_deadline_passed(dl))
			out = cancel_sent ? OUT_CANCELED : OUT_TIMEOUT;
	}
	if (out == OUT_ANSWER) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(ans, "code");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(ans, "message");

		error = cJSON_IsNumber(code) ? (int) code->valuedouble : LB_EPROTO;
		if (error > 0 || error < LB_ERROR_MIN_)
			error = LB_ERROR;
		if (cancel_sent && error >= 0)
			error = LB_ECANCELED;
		if (error < 0) {
			const char *m = cJSON_GetStringValue((cJSON *) msg);

			if (cancel_sent)
				lb_call_set_error(call, LB_ECANCELED,
				                  "%s to plugin '%s' was canceled", method,
				                  p->name);
			else
				lb_call_set_error(call, error, "%s",
				                  m && *m ? m : lb_strerror(error));
			cJSON_Delete(ans);
		} else {
			*ans_out = ans;
		}
		return error;
	}
	/* The child is gone or must go: stop it (TERM group, grace, KILL, reap), then say why. */
	lb_child_stop(c, out == OUT_DIED ? 0 : p->mgr->s.grace_ms);
	*dead_out = 1;
	switch (out) {
	case OUT_TIMEOUT:
		return lb_call_set_error(
		    call, LB_ETIMEDOUT,
		    "plugin '%s' (pid %d) did not answer %s within %lld ms; killed", p->name,
		    (int) pid, method, (long long) limit_ms);
	case OUT_CANCELED:
		return lb_call_set_error(call, LB_ECANCELED,
		                         "plugin '%s' (pid %d): %s canceled; killed", p->name,
		                         (int) pid, method);
	case OUT_PROTO:
		return lb_call_set_error(
		    call, LB_EPROTO,
		    "plugin '%s' (pid %d) broke the protocol during %s (%s); killed", p->name,
		    (int) pid, method, proto);
	default:
		if (lb_child_describe_exit(c, how, sizeof(how)))
			return lb_call_set_error(call, LB_ECRASHED,
			                         "plugin '%s' (pid %d) crashed (%s) during %s",
			                         p->name, (int) pid, how, method);
		if (WIFEXITED(c->status) && WEXITSTATUS(c->status) == LB_HOST_EXIT_PROTO)
			return lb_call_set_error(call, LB_EPROTO,
			                         "plugin '%s' (pid %d) ended %s with a protocol "
			                         "violation: %s",
			                         p->name, (int) pid, method, c->last_line);
		return lb_call_set_error(call, LB_ECRASHED,
		                         "plugin '%s' (pid %d) exited (%s) during %s", p->name,
		                         (int) pid, how, method);
	}
}

static char *
request_text(cJSON *req, int mid, double instance)
{
	cJSON_AddStringToObject(req, "method", lb_methods[mid].name);
	cJSON_AddNumberToObject(req, "instance", instance);
	return cJSON_PrintUnformatted(req);
}

/* Make sure @c has @inst (replaying init) and has dropped instances closed meanwhile. */
int
lb_plugin__prepare(lb_instance *inst, lb_child *c, lb_call *call, int *dead_out)
{
	static const int init_mid[] = {LB_METHOD_OS_INIT, LB_METHOD_VS_INIT, LB_METHOD_BIA_INIT,
	                               LB_METHOD_RIA_INIT, LB_METHOD_VC_INIT};
	static const int destroy_mid[] = {LB_METHOD_OS_DESTROY, LB_METHOD_VS_DESTROY,
	                                  LB_METHOD_BIA_DESTROY, LB_METHOD_RIA_DESTROY,
	                                  LB_METHOD_VC_DESTROY};
	lb_plugin *p = inst->plugin;
	cJSON *req, *ans = NULL;
	char *text;
	int error = 0;

	*dead_out = 0;
	for (size_t i = 0; i < c->ninstances;) {
		double id = c->instances[i];
		int closed = 0;

		pthread_mutex_lock(&p->mgr->mu);
		for (size_t j = 0; j < p->nclosed; j++)
			closed |= p->closed[j] == id;
		pthread_mutex_unlock(&p->mgr->mu);
		if (!closed) {
			i++;
			continue;
		}
		req = cJSON_CreateObject();
		text = request_text(req, destroy_mid[inst->kind], id);
		cJSON_Delete(req);
		error = text ? one_call(p, c, call, destroy_mid[inst->kind], text, -1,
		                        lb_pool__limit_ms(p, NULL, destroy_mid[inst->kind]), &ans,
		                        dead_out)
		             : LB_ENOMEM;
		free(text);
		cJSON_Delete(ans);
		ans = NULL;
		if (*dead_out)
			return error;
		child_remove(c, id);
	}
	if (child_has(c, inst->id))
		return 0;
	req = cJSON_Parse(inst->config_json);
	if (!req)
		return lb_call_set_error(call, LB_ENOMEM, "out of memory");
	cJSON_AddStringToObject(req, "impl", inst->impl);
	text = request_text(req, init_mid[inst->kind], inst->id);
	cJSON_Delete(req);
	if (!text)
		return lb_call_set_error(call, LB_ENOMEM, "out of memory");
	error = one_call(p, c, call, init_mid[inst->kind], text, -1,
	                 lb_pool__limit_ms(p, NULL, init_mid[inst->kind]), &ans, dead_out);
	free(text);
	cJSON_Delete(ans);
	if (error >= 0)
		error = child_add(c, inst->id);
	return error;
}

int
lb_plugin__invoke(lb_instance *inst, lb_call *call, int mid, cJSON *req, int fd, cJSON **ans_out)
{
	lb_plugin *p = inst->plugin;
	int64_t limit_ms = lb_pool__limit_ms(p, call, mid);
	int retry = (lb_methods[mid].flags & LB_M_IDEMPOTENT) != 0;
	off_t fd_offset = -1;
	char *text;
	int error = 0;

	lb_call_clear_error(call);
	text = request_text(req, mid, inst->id);
	cJSON_Delete(req);
	if (!text)
		return lb_call_set_error(call, LB_ENOMEM, "out of memory");
	/* A retried GetObject must start over on the sink: only possible for a seekable one. */
	if (fd >= 0 && mid == LB_METHOD_OS_GET_OBJECT) {
		fd_offset = lseek(fd, 0, SEEK_CUR);
		if (fd_offset < 0)
			retry = 0;
	}
	for (int attempt = 0;; attempt++) {
		lb_child *c = NULL;
		int dead = 0;

		error = lb_pool__acquire(p, call, lb_deadline_in(limit_ms), &c);
		if (error < 0)
			break;
		error = lb_plugin__prepare(inst, c, call, &dead);
		if (error >= 0 && !dead)
			error = one_call(p, c, call, mid, text, fd, limit_ms, ans_out, &dead);
		if (!dead) {
			lb_pool__release(p, c);
			break;
		}
		lb_log_emit(LB_LOG_ERROR, NULL, "%s", lb_call_error_message(call));
		lb_pool__fail(p, c);
		if (!retry || attempt > 0 || error == LB_ECANCELED ||
		    (call && lb_cancel_is_set(call->cancel)))
			break;
		if (fd_offset >= 0 &&
		    (ftruncate(fd, fd_offset) < 0 || lseek(fd, fd_offset, SEEK_SET) < 0))
			break;
		lb_log_emit(LB_LOG_WARN, NULL,
		            "plugin '%s': retrying idempotent %s on a fresh process", p->name,
		            lb_methods[mid].name);
	}
	if (error >= 0)
		lb_call_clear_error(call);
	free(text);
	return error;
}
