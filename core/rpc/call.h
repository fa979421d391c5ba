/*
 * The engine's side of a plugin call: the SDK's opaque `struct lb_call`, call options, and
 * the cancellation token shared by all calls of a task.
 *
 * Engine code makes a call object per plugin method call (or reuses one for a sequence of
 * calls of one task), passes it to a proxy method (h->m->put_object(h->self, call, ...)),
 * and after a failure reads lb_call_error_message(call) for the one-sentence reason.
 */
#ifndef LB_RPC_CALL_H
#define LB_RPC_CALL_H

#include <stdint.h>
#include <lifeboat/plugin/host.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lb_location; /* core/store/location.h (the task's storage location) */

/* Method classes: each has its own default per-call limit (lb_plugin_settings). */
typedef enum lb_call_class {
	LB_CALL_CLASS_META = 0, /* exists, list, delete, init, signed url ... (30 s) */
	LB_CALL_CLASS_DATA = 1, /* put/get object, snapshots (10 min, extended by progress) */
	LB_CALL_CLASS_ITEM = 2, /* item actions (60 s) */
	LB_CALL_CLASS_COUNT_
} lb_call_class;

/* Cancellation token. Thread-safe; one per task, shared by all the task's calls. Triggering
 * it abandons the calls in flight (their busy children are killed) and fails later calls
 * with LB_ECANCELED. */
typedef struct lb_cancel lb_cancel;

lb_cancel *lb_cancel_new(void);
void lb_cancel_free(lb_cancel *c);    /* NULL-safe; no call may still use it */
void lb_cancel_trigger(lb_cancel *c); /* idempotent, async-signal-safe */
int lb_cancel_is_set(const lb_cancel *c);
int lb_cancel_fd(const lb_cancel *c); /* readable once triggered (for poll), or -1 */

typedef struct lb_call_opts {
	int64_t limit_ms;             /* -1 (or 0): the method class default */
	lb_cancel *cancel;            /* borrowed, may be NULL */
	struct lb_location *location; /* borrowed, may be NULL: host location_* get EUNSUPPORTED */
	const char *task;             /* for logs ("backup/nightly-1"), copied, may be NULL */
} lb_call_opts;

#define LB_CALL_OPTS_INIT                                                                          \
	{                                                                                          \
		-1, NULL, NULL, NULL                                                               \
	}

struct lb_call {
	int64_t limit_ms;
	lb_cancel *cancel;
	struct lb_location *location;
	char *task;
	int code;           /* code of the last failure, 0 if none */
	char message[1024]; /* message of the last failure, "" if none */
	/* Progress of the method in flight (updated by the supervisor). */
	int64_t progress_done;
	int64_t progress_total;
};

/* A new call context; opts may be NULL (defaults). NULL on out of memory. */
lb_call *lb_call_new(const lb_call_opts *opts);
void lb_call_free(lb_call *call); /* NULL-safe */

/* The message of the last failure ("" if none); valid until the next call with @call. */
const char *lb_call_error_message(const lb_call *call);
/* The code of the last failure, 0 if none. */
int lb_call_error_code(const lb_call *call);
/* Set code and message (the last one wins) and return @code. */
int lb_call_set_error(lb_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Forget the last failure (the proxies do this at the start of every method). */
void lb_call_clear_error(lb_call *call);

#ifdef __cplusplus
}
#endif
#endif
