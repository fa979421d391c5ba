/*
 * The plugin manager: discovers plugin .so files, runs each in a pool of forked
 * `lifeboat-plugin-host` children under a watchdog, and hands out proxies whose methods
 * have the SDK's own signatures (engine code calls h->m->put_object(h->self, call, ...)).
 *
 * Thread-safe: any engine thread may open handles and call their methods concurrently.
 * A handle's instance is re-created transparently in a restarted child (the init config
 * is remembered). The engine process never runs plugin code.
 */
#ifndef LB_SUPERVISE_MANAGER_H
#define LB_SUPERVISE_MANAGER_H

#include <stddef.h>
#include <stdint.h>
#include <lifeboat/plugin/sdk.h>

#include "rpc/call.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lb_plugin_manager lb_plugin_manager;

typedef enum lb_plugin_kind {
	LB_KIND_OBJECT_STORE = 0,
	LB_KIND_VOLUME_SNAPSHOTTER = 1,
	LB_KIND_BACKUP_ITEM_ACTION = 2,
	LB_KIND_RESTORE_ITEM_ACTION = 3,
	LB_KIND_VOLUME_COPIER = 4, /* SDK 1.1 */
	LB_KIND_COUNT_
} lb_plugin_kind;

/* "object-store", "volume-snapshotter", "backup-item-action", "restore-item-action",
 * "volume-copier". */
const char *lb_plugin_kind_name(lb_plugin_kind kind);
/* The kind for such a name, or -1. */
int lb_plugin_kind_parse(const char *name);

/* Settings for one plugin, matched by plugin name ("lifeboat.io/file"), file name
 * ("file.so") or full path. Zero fields keep the global value. */
typedef struct lb_plugin_override {
	const char *match;
	int64_t start_timeout_ms;
	int children;
} lb_plugin_override;

typedef struct lb_plugin_settings {
	const char *const *dirs; /* directories searched for *.so (non-recursive), in order */
	size_t ndirs;
	const char
	    *host_path; /* NULL: <dir of /proc/self/exe>/../lib/lifeboat/lifeboat-plugin-host,
	                   then the install libexec dir */
	int64_t start_timeout_ms;               /* no HELLO by then: failed (default 10000) */
	int children;                           /* max children per plugin (default 2) */
	int64_t grace_ms;                       /* SIGTERM -> SIGKILL (default 2000) */
	int64_t limit_ms[LB_CALL_CLASS_COUNT_]; /* per-call limits (30000, 600000, 60000) */
	int64_t backoff_ms;                     /* first restart delay, doubling (default 200) */
	int64_t backoff_max_ms;                 /* cap (default 10000) */
	int restart_budget; /* max restarts per window; then the plugin is failed (default 10) */
	int64_t restart_window_ms; /* (default 60000) */
	const lb_plugin_override *overrides;
	size_t noverrides;
} lb_plugin_settings;

/* Fill @s with the defaults above (no dirs). */
void lb_plugin_settings_init(lb_plugin_settings *s);

/* The default plugin directories: $LIFEBOAT_PLUGIN_DIRS (colon-separated) if set, else
 * <dir of /proc/self/exe>/../lib/lifeboat/plugins and the installed plugin dir. Appended
 * to @dirs_out. */
int lb_plugins_default_dirs(lb_strlist *dirs_out);

/* Discover every *.so in the settings' dirs and start them all in parallel; returns when
 * each has said HELLO, failed or exceeded its start timeout. A failing plugin does not fail
 * the manager: it is listed with state "failed" and a reason. @settings is copied. */
int lb_plugins_start(const lb_plugin_settings *settings, lb_plugin_manager **mgr_out);
/* Start one more plugin from @path (`lifeboat plugin test ./x.so`); waits for its HELLO.
 * Returns 0 even when the plugin failed (see lb_plugins_info); <0 on bad input. The index
 * of the new plugin goes to @index_out (may be NULL). */
int lb_plugins_add_file(lb_plugin_manager *mgr, const char *path, size_t *index_out);
/* Stop every child (TERM, grace, KILL, reap) and free the manager. NULL-safe. Every handle
 * must be closed first. */
void lb_plugins_stop(lb_plugin_manager *mgr);

typedef struct lb_plugin_impl_info {
	lb_plugin_kind kind;
	char name[128];
} lb_plugin_impl_info;

typedef struct lb_plugin_info {
	char path[1024];   /* the .so */
	char name[128];    /* from the magic block ("" if it never got that far) */
	char version[64];  /* plugin's own version */
	char sdk[32];      /* "1.0" */
	const char *state; /* "ok", "failed" */
	char reason[512];  /* why failed, "" when ok */
	int pid;           /* a live child's pid, 0 if none */
	int restarts;      /* restarts so far */
	size_t nimpls;
	lb_plugin_impl_info impls[16];
} lb_plugin_info;

size_t lb_plugins_count(lb_plugin_manager *mgr);
int lb_plugins_info(lb_plugin_manager *mgr, size_t i, lb_plugin_info *info_out);

/* The canonical implementation name for @name of @kind: exact match, else
 * "lifeboat.io/<name>", also for "velero.io/<name>". NULL (with lb_error_set) when no
 * running plugin provides it. The string lives as long as the manager. */
const char *lb_plugins_resolve(lb_plugin_manager *mgr, lb_plugin_kind kind, const char *name);
/* Append the names of all implementations of @kind (ok plugins only). */
int lb_plugins_list_impls(lb_plugin_manager *mgr, lb_plugin_kind kind, lb_strlist *out);

/* Handles: an instance of an implementation, whose methods are proxies. Open runs the
 * plugin's init with @config (copied: re-used when a child restarts); a bad config fails
 * here with the plugin's message in lb_call_error_message(call). @call may be NULL. */
typedef struct lb_object_store_handle {
	const lb_object_store_methods *m;
	lb_object_store *self;
} lb_object_store_handle;

typedef struct lb_volume_snapshotter_handle {
	const lb_volume_snapshotter_methods *m;
	lb_volume_snapshotter *self;
} lb_volume_snapshotter_handle;

typedef struct lb_backup_item_action_handle {
	const lb_backup_item_action_methods *m;
	lb_backup_item_action *self;
} lb_backup_item_action_handle;

typedef struct lb_restore_item_action_handle {
	const lb_restore_item_action_methods *m;
	lb_restore_item_action *self;
} lb_restore_item_action_handle;

typedef struct lb_volume_copier_handle {
	const lb_volume_copier_methods *m;
	lb_volume_copier *self;
} lb_volume_copier_handle;

int lb_plugins_open_object_store(lb_plugin_manager *mgr,
                                 const char *name,
                                 const lb_config *config,
                                 lb_call *call,
                                 lb_object_store_handle **out);
int lb_plugins_open_volume_snapshotter(lb_plugin_manager *mgr,
                                       const char *name,
                                       const lb_config *config,
                                       lb_call *call,
                                       lb_volume_snapshotter_handle **out);
int lb_plugins_open_backup_item_action(lb_plugin_manager *mgr,
                                       const char *name,
                                       const lb_config *config,
                                       lb_call *call,
                                       lb_backup_item_action_handle **out);
int lb_plugins_open_restore_item_action(lb_plugin_manager *mgr,
                                        const char *name,
                                        const lb_config *config,
                                        lb_call *call,
                                        lb_restore_item_action_handle **out);
/* Calls of a volume copier need call->location (the task's storage location): the plugin
 * keeps its repository there through the host's location_* callbacks. */
int lb_plugins_open_volume_copier(lb_plugin_manager *mgr,
                                  const char *name,
                                  const lb_config *config,
                                  lb_call *call,
                                  lb_volume_copier_handle **out);

/* Destroy the remote instance(s) and free the handle. NULL-safe. (h->m->destroy(h->self)
 * does the same for the instance but leaves the handle allocated; prefer these.) */
void lb_object_store_handle_close(lb_object_store_handle *h);
void lb_volume_snapshotter_handle_close(lb_volume_snapshotter_handle *h);
void lb_backup_item_action_handle_close(lb_backup_item_action_handle *h);
void lb_restore_item_action_handle_close(lb_restore_item_action_handle *h);
void lb_volume_copier_handle_close(lb_volume_copier_handle *h);

#ifdef __cplusplus
}
#endif
#endif
