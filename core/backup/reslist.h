/* Velero's resource list (<name>-resource-list.json.gz) of a backup or a restore:
 * {"<apiVersion>/<Kind>": ["<ns>/<name>", ...]}, each list sorted.
 * Thread-safe: workers add names concurrently. */
#ifndef LB_BACKUP_RESLIST_H
#define LB_BACKUP_RESLIST_H

#include <pthread.h>
#include <stddef.h>

#include "util/buf.h"

typedef struct lb_reslist_entry {
	char *key; /* "apps/v1/Deployment" */
	lb_strlist names;
} lb_reslist_entry;

typedef struct lb_reslist {
	pthread_mutex_t mu;
	lb_reslist_entry *v; /* in the order the keys were first added */
	size_t n;
} lb_reslist;

void lb_reslist_init(lb_reslist *l);
void lb_reslist_dispose(lb_reslist *l);

/* Add @name ("ns/name", "name", or as the caller words it) under "<api_version>/<kind>". */
void lb_reslist_add(lb_reslist *l, const char *api_version, const char *kind, const char *name);

/* The JSON text of the list, names sorted; caller frees. */
char *lb_reslist_print(lb_reslist *l);

#endif
