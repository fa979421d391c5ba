/* `lifeboat restore create`: read a backup (Velero's format, ours or Velero's own), and
 * create its items in the target cluster in Velero's order, with the built-in transforms,
 * RestoreItemActions (in their plugin children), resource modifiers, namespace mapping and
 * version selection. Every conflict becomes a result entry; one failing item never stops
 * the rest. Results, logs and the resource list go to <prefix>restores/<name>/. */
#ifndef LB_RESTORE_RESTORE_H
#define LB_RESTORE_RESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "backup/selector.h"
#include "kube/kube.h"
#include "rpc/call.h"
#include "store/location.h"
#include "supervise/manager.h"
#include "transform.h"

typedef void (*lb_restore_progress_fn)(void *ud, uint64_t done, uint64_t total);

typedef struct lb_restore_opts {
	const char *name; /* NULL: <backup>-<yyyymmddhhmmss> */
	const char *backup;
	const char *include_namespaces;
	const char *exclude_namespaces;
	const char *include_resources;
	const char *exclude_resources;
	const char *selector;
	const char *namespace_mappings; /* "a:b,c:d" */
	int existing_update;            /* --existing-resource-policy update */
	const char *restore_status;     /* csv of resources whose status is restored; "*" */
	int preserve_nodeports;
	const char *resource_modifiers; /* YAML file */
	lb_cluster_mode cluster;
	lb_strmap storage_classes;
	lb_strmap images;
	int workers;                         /* 0: 4 */
	int64_t crd_ready_timeout_ms;        /* 0: 60000 */
	int64_t additional_items_timeout_ms; /* waitForAdditionalItems without its own; 0: 10 min */
	int64_t item_operation_timeout_ms;   /* async operations; 0: 4 h (Velero) */
	int64_t operation_poll_ms;           /* their progress; 0: 10 s (Velero) */
	lb_plugin_manager *plugins;          /* NULL: built-in transforms in-process only */
	lb_cancel *cancel;
	const char *tarball; /* a local tarball instead of the location's (tests) */
	lb_restore_progress_fn progress;
	void *progress_ud;
} lb_restore_opts;

typedef struct lb_restore_summary {
	char name[256];
	char phase[32];
	uint64_t total;
	uint64_t created;
	uint64_t updated;
	uint64_t skipped;
	uint64_t failed;
	size_t errors;
	size_t warnings;
	int64_t duration_ms;
	int64_t api_ms; /* time spent waiting for the API server (sum over workers) */
} lb_restore_summary;

int lb_restore_run(lb_kube_client *kube,
                   lb_location *loc,
                   const lb_restore_opts *opts,
                   lb_restore_summary *out);

/* Parse "a:b,c:d" into parallel arrays (owned by @keys/@values). */
int lb_restore_parse_mappings(const char *text, lb_strlist *keys, lb_strlist *values);

#endif
