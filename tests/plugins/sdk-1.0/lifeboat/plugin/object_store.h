/*
 * Lifeboat plugin SDK: ObjectStore, the interface of a backup storage backend.
 *
 * Semantics follow Velero's ObjectStore (pkg/plugin/velero/object_store.go) exactly, so a
 * bucket written by Lifeboat reads the same through Velero and back.
 *
 * Context: methods run in the plugin-host child, one call at a time per instance; the
 * engine runs several children of one plugin for concurrency. All pointers passed in are
 * borrowed for the call; outputs go into host-owned builders (lb_strlist, lb_buf).
 * Methods return 0 or a negative lb_error_code, with a message set by lb_set_error().
 */
#ifndef LIFEBOAT_PLUGIN_OBJECT_STORE_H
#define LIFEBOAT_PLUGIN_OBJECT_STORE_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LB_OBJECT_STORE_ABI_MINOR 0

/** Plugin-defined instance, opaque to the host. */
typedef struct lb_object_store lb_object_store;

typedef struct lb_object_store_methods {
	uint32_t struct_size; /**< sizeof(lb_object_store_methods) as the plugin was built */
	uint32_t abi_minor;   /**< LB_OBJECT_STORE_ABI_MINOR the plugin was built with */
	const char *name;     /**< "<dns-subdomain>/<name>", e.g. "lifeboat.io/aws" */

	/** Required. Validate @p config and create an instance. Unknown keys and bad values are
	 *  LB_EINVAL with a message naming the key. Expected errors: LB_EINVAL, LB_EAUTH. */
	int (*init)(lb_call *call, const lb_config *config, lb_object_store **self_out);

	/** Required. Store the bytes read from @p body_fd until EOF under @p key, replacing any
	 *  object there; nothing is visible under @p key until the write is complete.
	 *  @p size is the byte count when known (regular file, memfd), else -1 (pipe).
	 *  The fd is borrowed; do not close it. Not idempotent: never retried by the host. */
	int (*put_object)(
		lb_object_store *self,
		lb_call *call,
		const char *bucket,
		const char *key,
		int body_fd,
		int64_t size);

	/** Required. *exists_out = 1 or 0. Idempotent. */
	int (*object_exists)(
		lb_object_store *self,
		lb_call *call,
		const char *bucket,
		const char *key,
		int *exists_out);

	/** Required. Write the object's bytes to @p sink_fd (borrowed). LB_ENOTFOUND if absent.
	 *  Idempotent only while nothing was written; the host retries it on a fresh fd. */
	int (*get_object)(
		lb_object_store *self,
		lb_call *call,
		const char *bucket,
		const char *key,
		int sink_fd);

	/** Required. Keys under @p prefix cut at the next @p delimiter, returned as full prefixes
	 *  including the delimiter: keys "a/x/1", "a/y/2", prefix "a/", delimiter "/" give
	 *  "a/x/", "a/y/". Keys without a further delimiter are not returned. Idempotent. */
	int (*list_common_prefixes)(
		lb_object_store *self,
		lb_call *call,
		const char *bucket,
		const char *prefix,
		const char *delimiter,
		lb_strlist *prefixes_out);

	/** Required. Every key (recursive) that starts with @p prefix, full keys. Idempotent. */
	int (*list_objects)(
		lb_object_store *self,
		lb_call *call,
		const char *bucket,
		const char *prefix,
		lb_strlist *keys_out);

	/** Required. Delete @p key; deleting a missing key succeeds. Idempotent. */
	int (*delete_object)(
		lb_object_store *self,
		lb_call *call,
		const char *bucket,
		const char *key);

	/** Optional (NULL: LB_EUNSUPPORTED). A URL that GETs the object without credentials for
	 *  @p ttl_ms milliseconds. */
	int (*create_signed_url)(
		lb_object_store *self,
		lb_call *call,
		const char *bucket,
		const char *key,
		int64_t ttl_ms,
		lb_buf *url_out);

	/** Required. Release the instance. Called once; @p self may be NULL. */
	void (*destroy)(lb_object_store *self);
	/* Members above: abi_minor >= 0. Append only; never reorder, retype or remove. */
} lb_object_store_methods;

#define LB_OBJECT_STORE_METHODS_HEADER                                                             \
	sizeof(lb_object_store_methods), LB_OBJECT_STORE_ABI_MINOR

#ifdef __cplusplus
}
#endif
#endif /* LIFEBOAT_PLUGIN_OBJECT_STORE_H */
