/* fs-copy: deduplicating, encrypted file-level backup in restic's repository format v2.
 *
 * The library is self-contained (OpenSSL, zstd, cJSON; no engine code) so that it can be
 * linked into the CLI and into a plugin .so alike. Errors: negative lb_error_code values
 * with a thread-local message from lb_fscopy_errmsg(). */
#ifndef LIFEBOAT_FSCOPY_H
#define LIFEBOAT_FSCOPY_H

#include <lifeboat/plugin/errors.h>
#include <lifeboat/plugin/host.h>

#include <stddef.h>
#include <stdint.h>

typedef struct lb_fscopy_repo lb_fscopy_repo;
typedef struct fc_backend lb_fscopy_backend;

/* The message of the last error on this thread ("" when none). */
const char *lb_fscopy_errmsg(void);

/* Backends. Keys given to the backend are relative to the repository root. */
int lb_fscopy_backend_local(const char *dir, lb_fscopy_backend **out);
/* Through the plugin host table: keys become "<prefix>/<key>" (e.g. "restic/<ns>"). */
int lb_fscopy_backend_host(const lb_host_api *host, lb_call *call, const char *prefix,
                           lb_fscopy_backend **out);
/* Any put/get/exists/list/delete implementation (e.g. the engine's storage locations). */
typedef struct lb_fscopy_store_ops {
	void *ctx;
	int (*put)(void *ctx, const char *key, int fd, int64_t size);
	int (*get)(void *ctx, const char *key, int fd);
	int (*exists)(void *ctx, const char *key, int *exists_out);
	/* calls add(list_ctx, key) for every key (relative to the store) under prefix */
	int (*list)(void *ctx, const char *prefix, int (*add)(void *, const char *), void *list_ctx);
	int (*del)(void *ctx, const char *key);
} lb_fscopy_store_ops;
int lb_fscopy_backend_ops(const lb_fscopy_store_ops *ops, const char *prefix,
                          lb_fscopy_backend **out);
void lb_fscopy_backend_free(lb_fscopy_backend *be);

/* Repository. init writes config + first key; open tries every key with the password. The
 * repository borrows the backend. */
typedef struct lb_fscopy_kdf {
	uint64_t n, r, p; /* 0: defaults (N=32768, r=8, p=1) */
} lb_fscopy_kdf;
int lb_fscopy_init(lb_fscopy_backend *be, const char *password, const lb_fscopy_kdf *kdf,
                   lb_fscopy_repo **out);
int lb_fscopy_open(lb_fscopy_backend *be, const char *password, lb_fscopy_repo **out);
void lb_fscopy_close(lb_fscopy_repo *r);
const char *lb_fscopy_repo_id(lb_fscopy_repo *r);

/* Progress: files/bytes done and totals (-1 unknown). Return nonzero to cancel. */
typedef struct lb_fscopy_progress {
	const char *phase; /* "backup", "restore", "check" */
	int64_t files_done, bytes_done;
	int64_t files_total, bytes_total;
	int64_t elapsed_ms;
} lb_fscopy_progress;
typedef int (*lb_fscopy_progress_fn)(void *ctx, const lb_fscopy_progress *p);
void lb_fscopy_set_progress(lb_fscopy_repo *r, lb_fscopy_progress_fn fn, void *ctx);
void lb_fscopy_set_compression(lb_fscopy_repo *r, int on, int zstd_level);

typedef struct lb_fscopy_backup_opts {
	const char *const *paths; /* exactly one for now */
	size_t n_paths;
	const char *hostname;      /* NULL: gethostname() */
	const char *const *tags;
	size_t n_tags;
	const char *parent;        /* NULL: latest snapshot of same host + paths; "none": none */
	int threads;               /* worker threads; 0: number of CPUs */
} lb_fscopy_backup_opts;
typedef struct lb_fscopy_backup_stats {
	char snapshot_id[65];
	int64_t files, dirs, files_unchanged;
	int64_t bytes_read, bytes_added, bytes_stored;
	int64_t blobs_added;
	int64_t errors; /* files that could not be read (warnings printed) */
} lb_fscopy_backup_stats;
int lb_fscopy_backup(lb_fscopy_repo *r, const lb_fscopy_backup_opts *o,
                     lb_fscopy_backup_stats *stats_out);

typedef struct lb_fscopy_restore_opts {
	const char *snapshot; /* "latest", ID or prefix; "ID:sub/path" restores a sub-tree */
	const char *target;
	const char *hostname; /* filter for latest; NULL any */
	int delete_extra;     /* --delete: remove what the snapshot does not hold */
	int threads;
	int no_owner; /* do not chown (automatically when not root) */
} lb_fscopy_restore_opts;
int lb_fscopy_restore(lb_fscopy_repo *r, const lb_fscopy_restore_opts *o, int64_t *files_out,
                      int64_t *bytes_out);

/* Snapshots listing through a callback. */
typedef struct lb_fscopy_snapinfo {
	const char *id;
	int64_t time_ns;
	const char *hostname;
	const char *const *paths;
	size_t n_paths;
	const char *const *tags;
	size_t n_tags;
	const char *tree;
} lb_fscopy_snapinfo;
int lb_fscopy_snapshots(lb_fscopy_repo *r, void (*cb)(void *, const lb_fscopy_snapinfo *),
                        void *ctx);

typedef struct lb_fscopy_forget_opts {
	int keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, keep_yearly;
	const char *const *ids; /* explicit snapshot IDs to remove */
	size_t n_ids;
	int dry_run;
	int prune;
} lb_fscopy_forget_opts;
int lb_fscopy_forget(lb_fscopy_repo *r, const lb_fscopy_forget_opts *o,
                     void (*cb)(void *, const char *id, int kept), void *ctx);
int lb_fscopy_prune(lb_fscopy_repo *r, int64_t *packs_removed, int64_t *bytes_freed);
/* read_data: also download and verify every blob. */
int lb_fscopy_check(lb_fscopy_repo *r, int read_data, int64_t *errors_out);

typedef struct lb_fscopy_keyinfo {
	const char *id;
	int current;
	const char *username, *hostname, *created;
} lb_fscopy_keyinfo;
int lb_fscopy_key_add(lb_fscopy_repo *r, const char *new_password, const lb_fscopy_kdf *kdf,
                      char id_out[65]);
int lb_fscopy_key_list(lb_fscopy_repo *r, void (*cb)(void *, const lb_fscopy_keyinfo *),
                       void *ctx);
int lb_fscopy_key_remove(lb_fscopy_repo *r, const char *id_prefix);
/* Remove stale locks (all locks when all != 0). Reports each through cb. */
int lb_fscopy_unlock(lb_fscopy_repo *r, int all, void (*cb)(void *, const char *), void *ctx);

#endif
