#include "call.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct lb_cancel {
	atomic_int set;
	int fd; /* eventfd, written once on trigger; never read, so it stays readable */
};

lb_cancel *
lb_cancel_new(void)
{
	lb_cancel *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	atomic_init(&c->set, 0);
	c->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->fd < 0) {
		free(c);
		return NULL;
	}
	return c;
}

void
lb_cancel_free(lb_cancel *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		(void) close(c->fd);
	free(c);
}

void
lb_cancel_trigger(lb_cancel *c)
{
	uint64_t one = 1;

	if (!c || atomic_exchange(&c->set, 1))
		return;
	while (write(c->fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

int
lb_cancel_is_set(const lb_cancel *c)
{
	return c && atomic_load(&((lb_cancel *) c)->set);
}

int
lb_cancel_fd(const lb_cancel *c)
{
	return c ? c->fd : -1;
}

lb_call *
lb_call_new(const lb_call_opts *opts)
{
	lb_call *call = calloc(1, sizeof(*call));

	if (!call)
		return NULL;
	call->limit_ms = -1;
	if (opts) {
		call->limit_ms = opts->limit_ms > 0 ? opts->limit_ms : -1;
		call->cancel = opts->cancel;
		call->location = opts->location;
		if (opts->task && !(call->task = strdup(opts->task))) {
			free(call);
			return NULL;
		}
	}
	call->progress_total = -1;
	return call;
}

void
lb_call_free(lb_call *call)
{
	if (!call)
		return;
	free(call->task);
	free(call);
}

const char *
lb_call_error_message(const lb_call *call)
{
	return call ? call->message : "";
}

int
lb_call_error_code(const lb_call *call)
{
	return call ? call->code : 0;
}

int
lb_call_set_error(lb_call *call, int code, const char *fmt, ...)
{
	va_list ap;

	if (!call)
		return code;
	call->code = code;
	va_start(ap, fmt);
	vsnprintf(call->message, sizeof(call->message), fmt, ap);
	va_end(ap);
	return code;
}

void
lb_call_clear_error(lb_call *call)
{
	if (!call)
		return;
	call->code = 0;
	call->message[0] = '\0';
}
