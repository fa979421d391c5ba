/*
 * The task queue: backups, restores, deletions and conformance runs are tasks that run on a
 * fixed number of worker threads, each with a per-task timeout and cancellation.
 *
 * Every task has a record in <state_dir>/tasks/<id>.json, rewritten atomically (temp file +
 * rename) on each change of phase, so the state survives restarts. A running task holds an
 * flock on <id>.lock: the kernel drops it when the process dies, so a crashed runner never
 * leaves a lock behind, and a record that says Running without its lock held is known to
 * be interrupted. Another process cancels a task by creating <id>.cancel.
 *
 * Cancel and timeout trigger the task's lb_cancel token: its plugin calls in flight are
 * abandoned and their children killed (core/rpc/call.h), so a hung plugin never stalls
 * the queue.
 */
#ifndef LB_QUEUE_QUEUE_H
#define LB_QUEUE_QUEUE_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "rpc/call.h"

typedef struct lb_queue lb_queue;
typedef struct lb_task lb_task;

typedef enum lb_task_phase {
	LB_TASK_QUEUED = 0,
	LB_TASK_RUNNING,
	LB_TASK_SUCCEEDED,
	LB_TASK_FAILED,
	LB_TASK_CANCELED,
	LB_TASK_TIMED_OUT,
	LB_TASK_INTERRUPTED, /* the process running it died (found on recovery) */
} lb_task_phase;

const char *lb_task_phase_name(lb_task_phase p);
int lb_task_phase_final(lb_task_phase p);

/* What a task does. @params is the task's parameters (borrowed); @cancel is the token to
 * pass to every plugin call; return 0 or an error with lb_error_set (its message becomes
 * the task's error). Runs on a worker thread. */
typedef int (*lb_task_fn)(void *ud, const cJSON *params, lb_cancel *cancel, lb_task *task);

typedef struct lb_queue_opts {
	int workers;            /* default 2 */
	int64_t task_timeout_ms; /* default for tasks; <=0: none */
	const char *state_dir;  /* NULL: in memory only */
} lb_queue_opts;

int lb_queue_new(const lb_queue_opts *opts, lb_queue **out);
/* Cancel what runs, wait for the workers, free. NULL-safe. */
void lb_queue_free(lb_queue *q);

/* Register the function for a task kind ("backup", ...). Needed before submit. */
int lb_queue_register(lb_queue *q, const char *kind, lb_task_fn fn, void *ud);

typedef struct lb_task_spec {
	const char *kind;
	const char *name;   /* e.g. the backup name; for display */
	const cJSON *params; /* copied; may be NULL */
	int64_t timeout_ms; /* 0: queue default; <0: none */
} lb_task_spec;

/* Queue a task; its id (e.g. "backup-nightly-20261124T080000-1a2b") goes to the task,
 * whose reference the caller owns (lb_task_release). */
int lb_queue_submit(lb_queue *q, const lb_task_spec *spec, lb_task **out);
/* Cancel by id: queued tasks never start, a running task's token is triggered. */
int lb_queue_cancel(lb_queue *q, const char *id);
/* Wait until the task is final; returns its phase. */
lb_task_phase lb_task_wait(lb_task *t);
void lb_task_release(lb_task *t);

const char *lb_task_id(const lb_task *t);
lb_task_phase lb_task_phase_get(lb_task *t);
/* The error message of a failed/timed-out/canceled task ("" otherwise); copy out. */
void lb_task_error(lb_task *t, char *buf, size_t len);
/* For the task function: a progress note saved in the record ("1200/5000 items"). */
void lb_task_set_progress(lb_task *t, const char *note);

/* Records in @state_dir: tasks whose runner died are marked Interrupted (and returned as
 * such); queued tasks of registered kinds are re-queued in @q (may be NULL: only
 * inspect). Appends one JSON object per record to @records_out (may be NULL). */
int lb_queue_recover(const char *state_dir, lb_queue *q, cJSON *records_out);
/* Ask whoever runs task @id (maybe another process) to cancel it. */
int lb_queue_request_cancel(const char *state_dir, const char *id);

#endif
