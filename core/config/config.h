/* Lifeboat settings: one YAML file (see docs/CONFIG.md) or the embedded defaults.
 * Every error names the file, line and column. */
#ifndef LB_CONFIG_CONFIG_H
#define LB_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <lifeboat/plugin/host.h>

typedef struct lb_kvlist {
	size_t count;
	lb_kv *items; /* owned strings */
} lb_kvlist;

typedef struct lb_storage_location_cfg {
	char *name;
	char *provider; /* as written: "aws", "lifeboat.io/aws", "velero.io/aws", "file" */
	char *bucket;
	char *prefix; /* trimmed of '/', may be "" */
	int read_only; /* accessMode: ReadOnly */
	int is_default;
	char *credentials_file; /* may be NULL */
	lb_kvlist config;       /* provider config */
	int line;               /* where it was defined (0: embedded default) */
} lb_storage_location_cfg;

typedef struct lb_snapshot_location_cfg {
	char *name;
	char *provider;
	char *credentials_file;
	lb_kvlist config;
	int line;
} lb_snapshot_location_cfg;

typedef struct lb_plugin_override_cfg {
	char *name; /* plugin name or file name */
	int64_t start_timeout_ms; /* -1: default */
	int children;             /* 0: default */
} lb_plugin_override_cfg;

typedef struct lb_settings {
	char *source; /* file path, or "<embedded defaults>" */

	lb_storage_location_cfg *storage;
	size_t nstorage;
	lb_snapshot_location_cfg *snapshot;
	size_t nsnapshot;

	char **plugin_dirs; /* NULL-terminated; empty: built-in default dirs */
	size_t nplugin_dirs;
	int64_t plugin_start_timeout_ms;
	int64_t call_metadata_ms;
	int64_t call_data_ms;
	int64_t call_action_ms;
	int plugin_children;
	lb_plugin_override_cfg *overrides;
	size_t noverrides;

	int queue_workers;
	int64_t task_timeout_ms;
	char *state_dir;

	lb_kvlist storage_class_mappings;
	lb_kvlist image_mappings;

	char *repo_password_file; /* fs-copy repository password; may be NULL */

	double kube_qps; /* client-side rate limit for the cluster API (default 500) */
	int kube_burst;  /* (default 1000) */
} lb_settings;

/* Load @path; NULL loads the embedded defaults (one ReadWrite location "default" on the
 * local file store under $LIFEBOAT_DATA_DIR, $XDG_DATA_HOME/lifeboat or
 * ~/.local/share/lifeboat). */
int lb_settings_load(const char *path, lb_settings **out);
int lb_settings_parse(const char *file, const char *text, size_t len, lb_settings **out);
void lb_settings_free(lb_settings *s);

/* The location named @name, or the default one when @name is NULL/empty (the one marked
 * default, else the one named "default", else the only one). NULL with a message set. */
const lb_storage_location_cfg *lb_settings_location(const lb_settings *s, const char *name);
const char *lb_kvlist_get(const lb_kvlist *l, const char *key);

/* Canonical plugin name for a provider: "aws" -> "lifeboat.io/aws",
 * "velero.io/aws" -> "lifeboat.io/aws", "x.io/y" unchanged. Returns a malloc'd string. */
char *lb_provider_plugin_name(const char *provider);

#endif
