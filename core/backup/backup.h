/* `lifeboat backup create`: discover what the cluster serves, list it page by page with
 * parallel workers, run BackupItemActions (in their plugin children), and write the backup
 * to a storage location in Velero's layout (layout.h). velero-backup.json is written last,
 * so a backup that crashes half way never reads as finished. */
#ifndef LB_BACKUP_BACKUP_H
#define LB_BACKUP_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "kube/kube.h"
#include "rpc/call.h"
#include "selector.h"
#include "store/location.h"
#include "supervise/manager.h"

typedef void (*lb_backup_progress_fn)(void *ud, uint64_t done, uint64_t listed);

typedef struct lb_backup_opts {
	const char *name;
	const char *include_namespaces; /* csv, globs; NULL/"": all */
	const char *exclude_namespaces;
	const char *include_resources; /* csv: plural, singular, short, kind, x.group, "*" */
	const char *exclude_resources;
	const char *selector;              /* label selector text */
	lb_cluster_mode cluster;           /* --include-cluster-resources */
	int64_t ttl_ms;                    /* 0: 720h */
	int workers;                       /* 0: 4 */
	int preferred_only;                /* 1: skip the copies in non-preferred versions */
	lb_plugin_manager *plugins;        /* NULL: no item actions */
	lb_cancel *cancel;                 /* may be NULL */
	int64_t item_operation_timeout_ms; /* async operations of item actions; 0: 4 h */
	int64_t operation_poll_ms;         /* their progress; 0: 10 s (Velero) */
	lb_backup_progress_fn progress;
	void *progress_ud;
} lb_backup_opts;

typedef struct lb_backup_summary {
	char phase[32];
	uint64_t items;  /* items backed up (preferred version) */
	uint64_t copies; /* tarball entries (all versions) */
	size_t errors;
	size_t warnings;
	int64_t duration_ms;
	int64_t list_ms; /* time spent waiting for the API server (sum over workers) */
} lb_backup_summary;

/* Run a backup. Returns 0 when a record was written (phase Completed, PartiallyFailed or
 * Failed: see @out), <0 when nothing could be written (name taken, read-only location,
 * no cluster). */
int lb_backup_run(lb_kube_client *kube,
                  lb_location *loc,
                  const lb_backup_opts *opts,
                  lb_backup_summary *out);

#endif
