/*
 * The storage-location operations the supervisor needs to serve a plugin's host
 * location_* callbacks. The location itself is defined by core/store/location.h; until
 * that exists (or in tests), calls go through a replaceable hook table.
 *
 * Keys are relative to the location prefix; ReadOnly is enforced by the location.
 */
#ifndef LB_RPC_LOCATION_FWD_H
#define LB_RPC_LOCATION_FWD_H

#include <stdint.h>
#include "call.h"

struct lb_location;

typedef struct lb_location_hooks {
	int (*put)(struct lb_location *loc, lb_call *call, const char *key, int fd, int64_t size);
	int (*get)(struct lb_location *loc, lb_call *call, const char *key, int fd);
	int (*exists)(struct lb_location *loc, lb_call *call, const char *key, int *exists_out);
	int (*list)(struct lb_location *loc,
	            lb_call *call,
	            const char *prefix,
	            const char *delimiter,
	            lb_strlist *out);
	int (*del)(struct lb_location *loc, lb_call *call, const char *key);
} lb_location_hooks;

/* The hooks in use: core/store's lb_location_* when that layer exists, else stubs that
 * answer LB_EUNSUPPORTED. Tests may install their own (NULL restores the default). */
const lb_location_hooks *lb_location_hooks_get(void);
void lb_location_hooks_set(const lb_location_hooks *hooks);

#endif
