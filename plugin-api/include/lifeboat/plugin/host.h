/*
 * Lifeboat plugin SDK: the host table.
 *
 * A plugin reaches the host only through this table, handed to it once at load time
 * (see LB_PLUGIN_DECLARE in sdk.h). A plugin never links against the engine.
 *
 * Context: every function here is called in the plugin-host child process. From
 * lb_plugin_init (register_*, log) and from a plugin method: the method's own thread or any
 * other thread of the plugin while that method call is in flight (it has not returned yet).
 * The host serialises the calls (one at a time, in the order they take its lock), so a
 * plugin whose worker threads do I/O through location_* needs no lock of its own around
 * them. No host function may be called with a call's lb_call * after its method returned.
 *
 * Versioning: the table starts with struct_size and abi_minor, and only grows at the end.
 * A plugin may call a member only if it lies inside struct_size and is non-NULL; the
 * LB_HOST_HAS() macro in sdk.h does that test.
 */
#ifndef LIFEBOAT_PLUGIN_HOST_H
#define LIFEBOAT_PLUGIN_HOST_H

#include <stddef.h>
#include <stdint.h>
#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LB_HOST_API_ABI_MINOR 1

#if defined(__GNUC__) || defined(__clang__)
#define LB_PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define LB_PRINTF_LIKE(fmt, args)
#endif

/** Per-call context. Host-owned; valid only until the method it was passed to returns. */
typedef struct lb_call lb_call;
/** Host-owned list-of-strings builder (an output parameter). */
typedef struct lb_strlist lb_strlist;
/** Host-owned byte/string builder (an output parameter). Contents need not be NUL-free. */
typedef struct lb_buf lb_buf;
/** Registration handle, valid only during lb_plugin_init(). */
typedef struct lb_registrar lb_registrar;

struct lb_object_store_methods;
struct lb_volume_snapshotter_methods;
struct lb_backup_item_action_methods;
struct lb_restore_item_action_methods;
struct lb_volume_copier_methods;

/** One configuration entry. Borrowed: copy what you keep. */
typedef struct lb_kv {
	const char *key;
	const char *value;
} lb_kv;

/** A configuration map (a location's `config`, plus `bucket`, `prefix`, `credentialsFile`,
 *  `caCert` injected by the engine as Velero does). Borrowed for the call it is passed to. */
typedef struct lb_config {
	uint32_t count;
	uint32_t reserved;
	const lb_kv *items;
} lb_config;

/* Log levels for lb_host_api.log. */
#define LB_LOG_ERROR 0
#define LB_LOG_WARN 1
#define LB_LOG_INFO 2
#define LB_LOG_DEBUG 3

typedef struct lb_host_api {
	uint32_t struct_size; /**< sizeof(lb_host_api) as the host was built */
	uint32_t abi_minor;   /**< LB_HOST_API_ABI_MINOR of the host */

	/** Structured log line, re-emitted by the engine as `plugin=<name> pid=<pid> msg=...`.
	 *  @p call may be NULL outside a method. Never log credentials. */
	void (*log)(lb_call *call, int level, const char *fmt, ...) LB_PRINTF_LIKE(3, 4);

	/** Attach a message to the failing call and return @p code, so that a method can say
	 *  `return lb_set_error(call, LB_EINVAL, "region is required");`. The message should say
	 *  what failed, on what, why, and what to do. The last message set wins. */
	int (*set_error)(lb_call *call, int code, const char *fmt, ...) LB_PRINTF_LIKE(3, 4);

	/** Report progress of a long data call. Each report extends the call's deadline by its
	 *  per-call limit (a call that keeps making progress is not killed). @p unit is e.g.
	 *  "bytes"; @p total is -1 when unknown. Returns LB_ECANCELED once the call was canceled,
	 *  0 otherwise. */
	int (*progress)(lb_call *call, int64_t done, int64_t total, const char *unit);

	/** Nonzero once the engine canceled this call. Long loops should test it often. */
	int (*cancelled)(lb_call *call);

	/** Milliseconds left before this call's deadline, or -1 when it has none. */
	int64_t (*deadline_left_ms)(lb_call *call);

	/** Value for @p key in @p config, or NULL. The pointer is borrowed like the config. */
	const char *(*config_get)(const lb_config *config, const char *key);

	/** Append a copy of NUL-terminated @p s to an output list. 0 or LB_ENOMEM. */
	int (*strlist_append)(lb_strlist *list, const char *s);

	/** Append a copy of @p len bytes to an output buffer. 0 or LB_ENOMEM. */
	int (*buf_append)(lb_buf *buf, const void *data, size_t len);

	/** Registration; only valid during lb_plugin_init(). The methods table must stay valid
	 *  for the life of the process (use a static const). Returns LB_EINVAL with a message
	 *  when a required method is missing or the name is malformed. */
	int (*register_object_store)(lb_registrar *reg, const struct lb_object_store_methods *m);
	int (*register_volume_snapshotter)(
		lb_registrar *reg,
		const struct lb_volume_snapshotter_methods *m);
	int (*register_backup_item_action)(
		lb_registrar *reg,
		const struct lb_backup_item_action_methods *m);
	int (*register_restore_item_action)(
		lb_registrar *reg,
		const struct lb_restore_item_action_methods *m);

	/* The object store of the storage location the current task works on (volume-data
	 * plugins such as fs-copy keep their repositories there). Keys are relative to the
	 * location's prefix; the engine adds bucket and prefix, enforces ReadOnly locations
	 * (LB_EPERM) and routes the call to that location's ObjectStore plugin. Bulk data
	 * travels as file descriptors: @p fd is borrowed and read to EOF (put) or written
	 * (get). LB_EUNSUPPORTED when the call has no storage location. */
	int (*location_put)(lb_call *call, const char *key, int fd, int64_t size);
	int (*location_get)(lb_call *call, const char *key, int fd);
	int (*location_exists)(lb_call *call, const char *key, int *exists_out);
	/** @p delimiter NULL: every key under @p prefix (ListObjects); otherwise the common
	 *  prefixes up to the delimiter (ListCommonPrefixes). Results are relative keys. */
	int (*location_list)(
		lb_call *call,
		const char *prefix,
		const char *delimiter,
		lb_strlist *out);
	int (*location_delete)(lb_call *call, const char *key);
	/* Members above: abi_minor >= 0. Append only; never reorder, retype or remove. */

	/** Read back a host-owned list: the number of strings in @p list (one the host handed
	 *  to the method as an output, or one from strlist_new). */
	size_t (*strlist_count)(const lb_strlist *list);
	/** String @p i of @p list, or NULL when @p i is out of range. Borrowed until the list
	 *  changes (an append, a location_list into it), is freed, or (for an output list) the
	 *  method returns. */
	const char *(*strlist_get)(const lb_strlist *list, size_t i);
	/** Registration of a VolumeCopier (volume_copier.h); as register_object_store. */
	int (*register_volume_copier)(lb_registrar *reg, const struct lb_volume_copier_methods *m);
	/** A new, empty host-owned list that the plugin owns: pass it to location_list (or
	 *  strlist_append), read it with strlist_count/strlist_get, release it with strlist_free.
	 *  Not tied to a call: it may be kept across method calls. NULL when out of memory. */
	lb_strlist *(*strlist_new)(void);
	/** Release a list from strlist_new and its strings; NULL is ignored. Never pass a list
	 *  the host handed to a method. */
	void (*strlist_free)(lb_strlist *list);
	/* Members above: abi_minor >= 1. */
} lb_host_api;

#ifdef __cplusplus
}
#endif
#endif /* LIFEBOAT_PLUGIN_HOST_H */
