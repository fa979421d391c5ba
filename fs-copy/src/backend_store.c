/* Object-store backends: the plugin host table (lb_location_*) and a generic put/get/exists/
 * list/delete table (used by the engine's storage-location layer). Keys are prefixed with the
 * repository's place in the location, e.g. "restic/<namespace>/". */
#include "fc_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct store_be {
	fc_backend be;
	lb_fscopy_store_ops ops;
	const lb_host_api *host;
	lb_call *call;
	char *prefix; /* "restic/ns" without trailing slash */
} store_be;

static void
full_key(store_be *s, const char *key, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", s->prefix, *s->prefix ? "/" : "", key);
}

static int
map_rc(int rc, const char *what, const char *key)
{
	if (rc >= 0)
		return rc;
	if (!*lb_fscopy_errmsg())
		lb_fscopy__err(rc, "%s %s failed in the object store (code %d)", what, key, rc);
	return rc;
}

static int
st_put(fc_backend *be, const char *key, int fd, int64_t size)
{
	store_be *s = (store_be *) be;
	char k[PATH_MAX];

	full_key(s, key, k, sizeof(k));
	if (s->host)
		return map_rc(s->host->location_put(s->call, k, fd, size), "put", k);
	return map_rc(s->ops.put(s->ops.ctx, k, fd, size), "put", k);
}

static int
st_get(fc_backend *be, const char *key, int fd)
{
	store_be *s = (store_be *) be;
	char k[PATH_MAX];

	full_key(s, key, k, sizeof(k));
	if (s->host)
		return map_rc(s->host->location_get(s->call, k, fd), "get", k);
	return map_rc(s->ops.get(s->ops.ctx, k, fd), "get", k);
}

static int
st_exists(fc_backend *be, const char *key, int *exists_out)
{
	store_be *s = (store_be *) be;
	char k[PATH_MAX];

	full_key(s, key, k, sizeof(k));
	if (s->host)
		return map_rc(s->host->location_exists(s->call, k, exists_out), "exists", k);
	return map_rc(s->ops.exists(s->ops.ctx, k, exists_out), "exists", k);
}

typedef struct strip_ctx {
	size_t skip;
	int (*cb)(void *, const char *);
	void *ctx;
} strip_ctx;

static int
strip_cb(void *p, const char *key)
{
	strip_ctx *c = p;

	if (strlen(key) <= c->skip)
		return 0;
	return c->cb(c->ctx, key + c->skip);
}

static int
st_list(fc_backend *be, const char *prefix, int (*cb)(void *, const char *), void *ctx)
{
	store_be *s = (store_be *) be;
	char k[PATH_MAX];
	strip_ctx sc = {strlen(s->prefix) + (*s->prefix ? 1 : 0), cb, ctx};

	full_key(s, prefix, k, sizeof(k));
	if (s->host) {
		/* The SDK's lb_strlist is a host-owned output builder a plugin cannot read back,
		 * so listing through the host table needs an SDK addition (see the README). */
		return lb_fscopy__err(LB_EUNSUPPORTED,
		                      "listing %s through the plugin host table is not possible "
		                      "with SDK ABI 1.0 (lb_strlist cannot be read by a plugin)",
		                      k);
	}
	return map_rc(s->ops.list(s->ops.ctx, k, strip_cb, &sc), "list", k);
}

static int
st_del(fc_backend *be, const char *key)
{
	store_be *s = (store_be *) be;
	char k[PATH_MAX];

	full_key(s, key, k, sizeof(k));
	if (s->host)
		return map_rc(s->host->location_delete(s->call, k), "delete", k);
	return map_rc(s->ops.del(s->ops.ctx, k), "delete", k);
}

static void
st_close(fc_backend *be)
{
	store_be *s = (store_be *) be;

	free(s->prefix);
	free(s);
}

static int
st_new(const char *prefix, store_be **out)
{
	store_be *s = calloc(1, sizeof(*s));
	size_t n;

	if (!s || !(s->prefix = strdup(prefix ? prefix : ""))) {
		free(s);
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	}
	n = strlen(s->prefix);
	while (n && s->prefix[n - 1] == '/')
		s->prefix[--n] = 0;
	s->be.put = st_put;
	s->be.get = st_get;
	s->be.exists = st_exists;
	s->be.list = st_list;
	s->be.del = st_del;
	s->be.close = st_close;
	*out = s;
	return 0;
}

int
lb_fscopy_backend_host(const lb_host_api *host, lb_call *call, const char *prefix,
                       lb_fscopy_backend **out)
{
	store_be *s;
	int rc;

	if (!host || host->struct_size < offsetof(lb_host_api, location_delete) + sizeof(void *) ||
	    !host->location_put || !host->location_get)
		return lb_fscopy__err(LB_EVERSION, "the host table has no storage-location calls");
	rc = st_new(prefix, &s);
	if (rc < 0)
		return rc;
	s->host = host;
	s->call = call;
	*out = &s->be;
	return 0;
}

int
lb_fscopy_backend_ops(const lb_fscopy_store_ops *ops, const char *prefix,
                      lb_fscopy_backend **out)
{
	store_be *s;
	int rc = st_new(prefix, &s);

	if (rc < 0)
		return rc;
	s->ops = *ops;
	*out = &s->be;
	return 0;
}
