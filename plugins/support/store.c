/*
 * ObjectStore glue: the per-call hooks forward to the host, a failed call's sentence goes
 * back through lb_set_error. Called only from the method's own thread.
 */
#include <string.h>
#include "lb_psup_store.h"

static int
hook_cancelled(void *ud)
{
	return LB_HOST_HAS(cancelled) ? lb_cancelled((lb_call *) ud) : 0;
}

static int
hook_progress(void *ud, int64_t done, int64_t total)
{
	return LB_HOST_HAS(progress) ? lb_progress((lb_call *) ud, done, total, "bytes") : 0;
}

static void
hook_log(void *ud, int level, const char *msg)
{
	if (LB_HOST_HAS(log))
		lb_log((lb_call *) ud, level, "%s", msg);
}

void
lb_psup_op_init(lb_psup_op *op, lb_call *call)
{
	memset(op, 0, sizeof(*op));
	op->cancelled = hook_cancelled;
	op->progress = hook_progress;
	op->log = hook_log;
	op->ud = call;
}

int
lb_psup_store_finish(lb_call *call, const lb_psup_op *op, int rc, const char *fallback)
{
	if (rc >= 0)
		return 0;
	return lb_set_error(call, rc, "%s", op->msg[0] ? op->msg : fallback);
}

int
lb_psup_strlist_add(void *ud, const char *s, int is_prefix)
{
	(void) is_prefix;
	return lb_strlist_append((lb_strlist *) ud, s);
}
