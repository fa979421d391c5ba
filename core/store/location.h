/*
 * A storage location: an ObjectStore plugin instance bound to a bucket and a prefix.
 *
 * Keys given here are relative to the location's prefix ("backups/b1/velero-backup.json"
 * lands at "<prefix>/backups/b1/velero-backup.json"). A ReadOnly location refuses every
 * write here, in the engine, whatever the plugin would do.
 */
#ifndef LB_STORE_LOCATION_H
#define LB_STORE_LOCATION_H

#include <stdint.h>
#include <lifeboat/plugin/sdk.h>

#include "config/config.h"
#include "rpc/call.h"
#include "supervise/manager.h"
#include "util/buf.h"

typedef struct lb_location lb_location;

/* Open the location described by @cfg through its provider's plugin. Velero-style, the
 * plugin's config gets `bucket`, `prefix` and `credentialsFile` added to the location's own
 * config map; the keys the engine itself reads there (lb_location_engine_key: the fs-copy
 * repository password) are kept from the plugin. */
int lb_location_open(lb_plugin_manager *mgr,
		     const lb_storage_location_cfg *cfg,
		     lb_call *call,
		     lb_location **out);
/* Wrap an already opened object store (tests, the conformance kit). @h is borrowed. */
int lb_location_wrap(const lb_object_store_handle *h,
		     const char *name,
		     const char *bucket,
		     const char *prefix,
		     int read_only,
		     lb_location **out);
void lb_location_close(lb_location *loc);
/* Nonzero for a location config key that belongs to the engine, not the plugin. */
int lb_location_engine_key(const char *key);

const char *lb_location_name(const lb_location *loc);
const char *lb_location_bucket(const lb_location *loc);
const char *lb_location_prefix(const lb_location *loc);
int lb_location_read_only(const lb_location *loc);

int lb_location_put(lb_location *loc, lb_call *call, const char *key, int fd, int64_t size);
int lb_location_get(lb_location *loc, lb_call *call, const char *key, int fd);
int lb_location_exists(lb_location *loc, lb_call *call, const char *key, int *exists_out);
/* @delimiter NULL: every key under @prefix; else the common prefixes. Relative keys. */
int lb_location_list(lb_location *loc,
		     lb_call *call,
		     const char *prefix,
		     const char *delimiter,
		     lb_strlist *out);
int lb_location_delete(lb_location *loc, lb_call *call, const char *key);
int lb_location_signed_url(lb_location *loc,
			   lb_call *call,
			   const char *key,
			   int64_t ttl_ms,
			   lb_buf *url_out);

/* Convenience for small objects (metadata JSON, logs): through a memfd. */
int lb_location_put_bytes(lb_location *loc,
			  lb_call *call,
			  const char *key,
			  const void *data,
			  size_t len);
int lb_location_get_bytes(lb_location *loc, lb_call *call, const char *key, lb_buf *out);

#endif
