/* JSON patches on cJSON documents: RFC 6902 (add, remove, replace, move, copy, test),
 * RFC 7386 merge patch, and a strategic merge patch close to Kubernetes' for the common
 * case (lists of objects with a "name" merge by name; other lists are replaced). */
#ifndef LB_RESTORE_JSONPATCH_H
#define LB_RESTORE_JSONPATCH_H

#include <cjson/cJSON.h>

/* Resolve an RFC 6901 pointer; NULL if absent. */
cJSON *lb_json_pointer_get(cJSON *doc, const char *pointer);
/* Apply one operation {"op","path","value"|"from"} to *@doc (may replace the root).
 * LB_EINVAL names the operation and path. */
int lb_json_patch_op(cJSON **doc, const cJSON *op);
/* Apply an array of operations atomically: on error *@doc is unchanged. */
int lb_json_patch(cJSON **doc, const cJSON *ops);
/* RFC 7386. */
void lb_json_merge_patch(cJSON **doc, const cJSON *patch);
void lb_json_strategic_merge(cJSON **doc, const cJSON *patch);

#endif
