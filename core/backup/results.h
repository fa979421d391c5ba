/* Velero's per-backup/restore results: {"errors":Result,"warnings":Result} with
 * Result = {"velero":[..],"cluster":[..],"namespaces":{"<ns>":[..]}} (pkg/util/results).
 * Thread-safe: workers add entries concurrently. Empty parts are omitted, as Velero does. */
#ifndef LB_BACKUP_RESULTS_H
#define LB_BACKUP_RESULTS_H

#include <pthread.h>
#include <stddef.h>

#include <cjson/cJSON.h>

typedef struct lb_results {
	pthread_mutex_t mu;
	cJSON *errors;
	cJSON *warnings;
	size_t nerrors;
	size_t nwarnings;
} lb_results;

int lb_results_init(lb_results *r);
void lb_results_dispose(lb_results *r);

/* @ns: NULL for "cluster", "" for "velero" (engine-wide), else the namespace. */
void lb_results_error(lb_results *r, const char *ns, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void lb_results_warning(lb_results *r, const char *ns, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The JSON text {"errors":..,"warnings":..}; caller frees. */
char *lb_results_print(lb_results *r);
/* Count the entries of a results document (for describe). */
void lb_results_count(const cJSON *doc, size_t *errors_out, size_t *warnings_out);

#endif
