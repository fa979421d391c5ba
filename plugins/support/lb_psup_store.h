/*
 * ObjectStore glue to the plugin host, for plugins whose store methods wrap a client that
 * takes an lb_psup_op. Uses the plugin's host table (lb__host): link only into plugin
 * modules and test doubles that define lb__host.
 */
#ifndef LB_PSUP_STORE_H
#define LB_PSUP_STORE_H

#include <lifeboat/plugin/sdk.h>
#include "lb_psup.h"

/** Hooks that forward to the host: lb_cancelled, lb_progress (in "bytes"), lb_log. */
void lb_psup_op_init(lb_psup_op *op, lb_call *call);
/** The method's return: 0 on success, else the error set on @p call with op->msg (or
 *  @p fallback when the client left no sentence). */
int lb_psup_store_finish(lb_call *call, const lb_psup_op *op, int rc, const char *fallback);
/** A list callback appending each name to the lb_strlist @p ud. */
int lb_psup_strlist_add(void *ud, const char *s, int is_prefix);

#endif
