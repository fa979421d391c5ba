/* Asynchronous item operations (Velero's BackupItemAction/RestoreItemAction v2): an action
 * that returns an operation ID has started work that goes on after Execute returns. The
 * runner records each one here, and once every item is processed polls their progress
 * until all are done or the item operation timeout expires (then they are canceled and
 * fail). The records are written as <B>-itemoperations.json.gz (BackupOperation) or
 * restore-<R>-itemoperations.json.gz (RestoreOperation). Thread-safe adds; polling from
 * one thread. The plugin calls are the caller's callbacks, so this file has no plugins. */
#ifndef LB_BACKUP_OPERATIONS_H
#define LB_BACKUP_OPERATIONS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "rpc/call.h"

#define LB_OP_IN_PROGRESS "InProgress"
#define LB_OP_COMPLETED "Completed"
#define LB_OP_FAILED "Failed"

#define LB_ITEM_OP_TIMEOUT_MS_DEFAULT (4LL * 3600 * 1000) /* Velero's itemOperationTimeout */
#define LB_ITEM_OP_POLL_MS_DEFAULT 10000                  /* Velero's operation sync period */

typedef struct lb_item_op {
	char *action;      /* the action's name */
	void *handle;      /* the caller's (its action handle) */
	char *op_id;       /* as the action returned it */
	cJSON *id;         /* {"group","resource","namespace","name"} of the item */
	cJSON *post;       /* postOperationItems (backup), an array or NULL */
	const char *phase; /* LB_OP_* */
	char *error;       /* "" unless Failed */
	int64_t n_completed, n_total;
	char *units, *description;
	time_t created, updated;
	int polls;        /* progress calls so far */
	int canceled;     /* cancel was called */
	int64_t start_ms; /* monotonic, for the timeout */
} lb_item_op;

typedef struct lb_item_ops {
	pthread_mutex_t mu;
	lb_item_op *v;
	size_t n, cap;
} lb_item_ops;

void lb_item_ops_init(lb_item_ops *ops);
void lb_item_ops_dispose(lb_item_ops *ops);

/* Record an operation. @id and @post are copied (@post may be NULL). */
int lb_item_ops_add(lb_item_ops *ops,
                    const char *action,
                    void *handle,
                    const char *op_id,
                    const cJSON *id,
                    const cJSON *post);

/* The plugin's Progress: the progress JSON (backup_item_action.h) into *@json_out (malloc'd),
 * or <0 with the reason in @why. */
typedef int (*lb_item_op_progress_fn)(
    void *ud, lb_item_op *op, char **json_out, char *why, size_t why_size);
/* The plugin's Cancel (best effort). */
typedef void (*lb_item_op_cancel_fn)(void *ud, lb_item_op *op);
/* Progress JSON text -> the op's fields (completed sets the phase). Exposed for tests. */
void lb_item_op_apply_progress(lb_item_op *op, const char *progress_json);

typedef struct lb_item_ops_wait_opts {
	int64_t poll_ms;    /* <= 0: LB_ITEM_OP_POLL_MS_DEFAULT */
	int64_t timeout_ms; /* <= 0: LB_ITEM_OP_TIMEOUT_MS_DEFAULT; counted from each op's add */
	const lb_cancel *cancel;
	lb_item_op_progress_fn progress;
	lb_item_op_cancel_fn cancel_op;
	void *ud;
} lb_item_ops_wait_opts;

/* Poll every in-progress operation (at once, then every poll_ms) until none is left. An
 * operation whose progress fails or reports "err" fails; one past the timeout (or all, when
 * @cancel is set) is canceled and fails. Returns the number of failed operations. */
size_t lb_item_ops_wait(lb_item_ops *ops, const lb_item_ops_wait_opts *o);

/* "300ms" below a whole second, else Velero's "0h5m0s". */
void lb_item_ops_format_ms(int64_t ms, char *buf, size_t size);

/* The records as Velero writes them: [{"spec":{<kind>Name, <kind>UID, <kind>ItemAction,
 * resourceIdentifier, operationID[, postOperationItems]}, "status":{phase, error,
 * nCompleted, nTotal, operationUnits, description, created, updated}}]. @kind is
 * "backup" or "restore". Caller frees. */
char *lb_item_ops_json(lb_item_ops *ops, const char *kind, const char *name, const char *uid);

#endif
