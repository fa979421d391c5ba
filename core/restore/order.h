/* Velero's restore order (velero-and-peers.md §3): the high-priority list, then every other
 * group-resource alphabetically, then the low-priority list; and what is never restored. */
#ifndef LB_RESTORE_ORDER_H
#define LB_RESTORE_ORDER_H

#include <stddef.h>

/* Sort @grs ("deployments.apps", "pods", ...) in place into restore order. */
void lb_restore_order(const char **grs, size_t n);
/* Rank used by the sort: high list index, then 1000 (alphabetical), then 2000+low index. */
int lb_restore_rank(const char *gr);
/* 1 for nodes, events, Velero's own CRs, csinodes, volumeattachments. */
int lb_restore_never(const char *gr);

#endif
