/* The pool of children of one plugin and its restart policy: acquire a READY child (or
 * spawn one, after backoff, up to the plugin's max), release it, fail it. The per-child
 * states are in child.h; every transition happens here under the manager's mutex. */
#include "plugin.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "rpc/frame.h"
#include "util/error.h"
#include "util/log.h"

int64_t
lb_pool__limit_ms(lb_plugin *p, lb_call *call, int mid)
{
	if (call && call->limit_ms > 0)
		return call->limit_ms;
	return p->mgr->s.limit_ms[lb_methods[mid].cls];
}

static void
set_failed(lb_plugin *p, const char *reason)
{
	p->failed = 1;
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
}

/* Apply a HELLO (first one fills the plugin's info). Returns a refusal reason or NULL. */
static const char *
take_hello(lb_plugin *p, const char *payload, char *why, size_t size)
{
	cJSON *o = cJSON_Parse(payload ? payload : ""), *impls, *it;
	const cJSON *proto, *major, *minor, *name, *version;
	const char *result = NULL;

	if (!cJSON_IsObject(o)) {
		result = "HELLO is not a JSON object";
		goto done;
	}
	proto = cJSON_GetObjectItemCaseSensitive(o, "protocol");
	major = cJSON_GetObjectItemCaseSensitive(o, "sdkMajor");
	minor = cJSON_GetObjectItemCaseSensitive(o, "sdkMinor");
	name = cJSON_GetObjectItemCaseSensitive(o, "name");
	version = cJSON_GetObjectItemCaseSensitive(o, "version");
	if (!cJSON_IsNumber(proto) || proto->valueint != LB_PLUGIN_PROTOCOL) {
		snprintf(why, size,
		         "plugin host speaks protocol %d, engine speaks %d: reinstall "
		         "Lifeboat (lifeboat-plugin-host does not match)",
		         cJSON_IsNumber(proto) ? proto->valueint : -1, LB_PLUGIN_PROTOCOL);
		result = why;
		goto done;
	}
	if (!cJSON_IsString(name) || !cJSON_IsNumber(major) || major->valueint != LB_SDK_MAJOR) {
		result = "HELLO lacks a name or has the wrong SDK major";
		goto done;
	}
	if (p->name[0] && strcmp(p->name, name->valuestring)) {
		snprintf(why, size, "plugin changed its name from '%s' to '%s' on restart", p->name,
		         name->valuestring);
		result = why;
		goto done;
	}
	if (p->name[0])
		goto done;
	snprintf(p->name, sizeof(p->name), "%s", name->valuestring);
	snprintf(p->version, sizeof(p->version), "%s",
	         cJSON_IsString(version) ? version->valuestring : "");
	snprintf(p->sdk, sizeof(p->sdk), "%d.%d", major->valueint,
	         cJSON_IsNumber(minor) ? minor->valueint : 0);
	impls = cJSON_GetObjectItemCaseSensitive(o, "impls");
	cJSON_ArrayForEach(it, impls)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "kind");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *bits = cJSON_GetObjectItemCaseSensitive(it, "methods");

		if (p->nimpls >= sizeof(p->impls) / sizeof(p->impls[0]) || !cJSON_IsNumber(k) ||
		    k->valueint < 0 || k->valueint >= LB_KIND_COUNT_ || !cJSON_IsString(n))
			continue;
		p->impls[p->nimpls].kind = (lb_plugin_kind) k->valueint;
		snprintf(p->impls[p->nimpls].name, sizeof(p->impls[0].name), "%s", n->valuestring);
		p->impl_bits[p->nimpls] = cJSON_IsNumber(bits) ? (uint32_t) bits->valuedouble : 0;
		p->nimpls++;
	}
done:
	cJSON_Delete(o);
	return result;
}

static const char *
fatal_message(const char *payload, char *buf, size_t size)
{
	cJSON *o = cJSON_Parse(payload ? payload : "");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");

	snprintf(buf, size, "%s",
	         cJSON_IsString(m) ? m->valuestring : "plugin host refused to load it");
	cJSON_Delete(o);
	return buf;
}

/* Record a failed start of @c for @p (lock held by the caller). */
static void start_failed(lb_plugin *p, const char *reason, int fatal);
static void record_restart(lb_plugin *p, const char *why);

void
lb_pool__wait_hellos(lb_plugin **ps, lb_child **cs, size_t n)
{
	lb_deadline *dls = calloc(n, sizeof(*dls));
	struct pollfd *pfd = calloc(n * 3, sizeof(*pfd));
	size_t pending = n;

	if (!dls || !pfd) {
		for (size_t i = 0; i < n; i++)
			lb_child_stop(cs[i], 0);
		free(dls);
		free(pfd);
		return;
	}
	for (size_t i = 0; i < n; i++)
		dls[i] = lb_deadline_in(ps[i]->start_timeout_ms);
	while (pending > 0) {
		lb_deadline next = LB_DEADLINE_NONE;
		int r;

		for (size_t i = 0; i < n; i++) {
			int on = cs[i]->state == LB_CHILD_SPAWNING;

			pfd[3 * i] = (struct pollfd){on ? cs[i]->chan : -1, POLLIN, 0};
			pfd[3 * i + 1] = (struct pollfd){on ? cs[i]->pidfd : -1, POLLIN, 0};
			pfd[3 * i + 2] = (struct pollfd){on ? cs[i]->err_fd : -1, POLLIN, 0};
			if (on)
				next = lb_deadline_min(next, dls[i]);
		}
		r = poll(pfd, (nfds_t) (n * 3), lb_deadline_poll_ms(next));
		if (r < 0 && errno == EINTR)
			continue;
		for (size_t i = 0; i < n; i++) {
			lb_child *c = cs[i];
			lb_plugin *p = ps[i];
			char why[512], msg[1200];
			const char *reason = NULL;
			int fatal = 0;

			if (c->state != LB_CHILD_SPAWNING)
				continue;
			if (pfd[3 * i + 2].revents)
				lb_child_drain_log(c);
			if (pfd[3 * i].revents) {
				lb_frame f;
				int error = lb_frame_recv(c->chan, &f, lb_deadline_in(1000));

				if (error < 0) {
					pfd[3 * i + 1].revents = POLLIN; /* treat as death */
				} else if (f.hdr.type == LB_FRAME_HELLO) {
					pthread_mutex_lock(&p->mgr->mu);
					reason = take_hello(p, f.payload, why, sizeof(why));
					pthread_mutex_unlock(&p->mgr->mu);
					if (!reason) {
						error = lb_frame_send(c->chan, LB_FRAME_WELCOME, 0,
						                      0, "{}", 2, -1,
						                      lb_deadline_in(1000));
						if (error < 0)
							reason = "plugin host closed the channel "
							         "after HELLO";
					} else {
						cJSON *o = cJSON_CreateObject();
						char *t;

						cJSON_AddStringToObject(o, "reason", reason);
						t = cJSON_PrintUnformatted(o);
						if (t)
							(void) lb_frame_send(
							    c->chan, LB_FRAME_REFUSE, 0, 0, t,
							    strlen(t), -1, lb_deadline_in(1000));
						free(t);
						cJSON_Delete(o);
						fatal = 1;
					}
					if (!reason) {
						c->state = LB_CHILD_READY;
						pending--;
					}
				} else if (f.hdr.type == LB_FRAME_FATAL) {
					reason = fatal_message(f.payload, why, sizeof(why));
					fatal = 1;
				} else {
					snprintf(why, sizeof(why),
					         "sent frame type %u before HELLO", f.hdr.type);
					reason = why;
					fatal = 1;
				}
				if (error >= 0)
					lb_frame_dispose(&f);
			}
			if (!reason && c->state == LB_CHILD_SPAWNING && pfd[3 * i + 1].revents) {
				lb_child_stop(c, 0);
				fatal = WIFEXITED(c->status) &&
				        WEXITSTATUS(c->status) == LB_HOST_EXIT_FATAL;
				lb_child_describe_exit(c, why, sizeof(why));
				snprintf(msg, sizeof(msg),
				         "plugin host exited (%s) before HELLO%s%s", why,
				         c->last_line[0] ? ": " : "", c->last_line);
				reason = msg;
			}
			if (!reason && c->state == LB_CHILD_SPAWNING &&
			    lb_deadline_passed(dls[i])) {
				snprintf(why, sizeof(why), "did not start within %lld ms",
				         (long long) p->start_timeout_ms);
				reason = why;
			}
			if (reason) {
				lb_child_stop(c, p->mgr->s.grace_ms);
				pthread_mutex_lock(&p->mgr->mu);
				start_failed(p, reason, fatal);
				pthread_mutex_unlock(&p->mgr->mu);
				pending--;
			}
		}
	}
	free(dls);
	free(pfd);
}

static void
start_failed(lb_plugin *p, const char *reason, int fatal)
{
	/* Never started before, or refused: the plugin is failed for good. */
	if (fatal || !p->name[0] || p->nimpls == 0) {
		if (!p->failed)
			set_failed(p, reason);
		return;
	}
	record_restart(p, reason);
}

static void
record_restart(lb_plugin *p, const char *why)
{
	lb_plugin_settings *s = &p->mgr->s;
	int64_t now = lb_now_ms();
	int budget = s->restart_budget > 0 ? s->restart_budget : 1;

	/* The ring holds the last `budget` restart instants: if the oldest is inside the
	 * window, this is restart budget+1 within it. */
	if (p->restarts >= budget &&
	    now - p->restart_times[p->restarts % budget] < s->restart_window_ms) {
		char reason[512];

		snprintf(reason, sizeof(reason),
		         "restarted %d times within %lld ms; giving up (last failure: %s)", budget,
		         (long long) s->restart_window_ms, why);
		set_failed(p, reason);
		lb_log_emit(LB_LOG_ERROR, NULL, "plugin '%s': %s", p->name, reason);
		return;
	}
	p->restart_times[p->restarts % budget] = now;
	p->restarts++;
	p->backoff_until_ms = now + p->backoff_ms;
	p->backoff_ms =
	    p->backoff_ms * 2 > s->backoff_max_ms ? s->backoff_max_ms : p->backoff_ms * 2;
}

void
lb_pool__fail(lb_plugin *p, lb_child *c)
{
	lb_child_stop(c, p->mgr->s.grace_ms);
	pthread_mutex_lock(&p->mgr->mu);
	if (WIFEXITED(c->status) && WEXITSTATUS(c->status) == LB_HOST_EXIT_FATAL)
		set_failed(p, "plugin host refused to continue (fatal exit)");
	else
		record_restart(p, c->last_line[0] ? c->last_line : "call failed");
	c->state = LB_CHILD_BACKOFF;
	pthread_cond_broadcast(&p->mgr->cv);
	pthread_mutex_unlock(&p->mgr->mu);
}

void
lb_pool__release(lb_plugin *p, lb_child *c)
{
	pthread_mutex_lock(&p->mgr->mu);
	if (c->state == LB_CHILD_BUSY)
		c->state = LB_CHILD_READY;
	p->backoff_ms = p->mgr->s.backoff_ms;
	pthread_cond_broadcast(&p->mgr->cv);
	pthread_mutex_unlock(&p->mgr->mu);
}

int
lb_pool__acquire(lb_plugin *p, lb_call *call, lb_deadline dl, lb_child **child_out)
{
	lb_plugin_manager *mgr = p->mgr;
	int error = 0;

	pthread_mutex_lock(&mgr->mu);
	for (;;) {
		lb_child *ready = NULL, *slot = NULL;
		lb_deadline wake;
		struct timespec ts;
		int64_t now, at;

		if (p->failed) {
			error =
			    lb_call_set_error(call, LB_ECRASHED, "plugin '%s' is not running: %s",
			                      p->name[0] ? p->name : p->file, p->reason);
			break;
		}
		if (call && lb_cancel_is_set(call->cancel)) {
			error = lb_call_set_error(
			    call, LB_ECANCELED, "canceled before plugin '%s' was called", p->name);
			break;
		}
		for (int i = 0; i < p->max_children; i++) {
			lb_child *c = &p->children[i];

			if (c->state == LB_CHILD_READY && !ready)
				ready = c;
			if ((c->state == LB_CHILD_DEAD || c->state == LB_CHILD_BACKOFF) && !slot)
				slot = c;
		}
		if (ready) {
			ready->state = LB_CHILD_BUSY;
			*child_out = ready;
			break;
		}
		now = lb_now_ms();
		if (slot && now >= p->backoff_until_ms) {
			slot->state = LB_CHILD_SPAWNING;
			pthread_mutex_unlock(&mgr->mu);
			slot->log_name = p->name;
			error = lb_child_spawn(slot, mgr->host_path, p->path);
			if (error >= 0)
				lb_pool__wait_hellos(&p, &slot, 1);
			pthread_mutex_lock(&mgr->mu);
			if (error < 0) {
				slot->state = LB_CHILD_DEAD;
				set_failed(p, lb_error_last(error));
				continue;
			}
			if (slot->state == LB_CHILD_READY) {
				slot->state = LB_CHILD_BUSY;
				*child_out = slot;
				error = 0;
				break;
			}
			if (slot->state != LB_CHILD_DEAD)
				slot->state = LB_CHILD_DEAD;
			pthread_cond_broadcast(&mgr->cv);
			continue;
		}
		if (lb_deadline_passed(dl)) {
			error =
			    lb_call_set_error(call, LB_ETIMEDOUT,
			                      "plugin '%s' had no free process before the call's "
			                      "deadline (%d busy)",
			                      p->name, p->max_children);
			break;
		}
		/* Wait for a release, the end of the backoff, or (every 100 ms) a cancel. */
		wake = lb_deadline_min(dl, lb_deadline_in(100));
		if (slot)
			wake = lb_deadline_min(wake, (lb_deadline){p->backoff_until_ms});
		at = wake.at_ms;
		ts.tv_sec = (time_t) (at / 1000);
		ts.tv_nsec = (long) (at % 1000) * 1000000L;
		(void) pthread_cond_timedwait(&mgr->cv, &mgr->mu, &ts);
	}
	pthread_mutex_unlock(&mgr->mu);
	return error;
}
