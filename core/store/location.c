#include "location.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpc/location_fwd.h"
#include "util/error.h"

#define MAX_BYTES_OBJECT (512LL * 1024 * 1024)

struct lb_location {
	lb_object_store_handle *owned; /* opened here; NULL when wrapped */
	const lb_object_store_handle *h;
	char *name;
	char *bucket;
	char *prefix; /* "" or "p/q" without slashes at the ends */
	int read_only;
};

static const lb_location_hooks store_hooks = {
	lb_location_put,
	lb_location_get,
	lb_location_exists,
	lb_location_list,
	lb_location_delete,
};

static int fail(lb_call *call, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(lb_call *call, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (call)
		lb_call_set_error(call, code, "%s", msg);
	return lb_error_set(code, "%s", msg);
}

/* Propagate a plugin failure's message into the thread's error. */
static int
from_call(lb_call *call, int code, const char *what, const char *key)
{
	const char *m = call ? lb_call_error_message(call) : "";

	if (code >= 0)
		return code;
	if (m && *m)
		return lb_error_set(code, "%s %s: %s", what, key, m);
	return lb_error_set(code, "%s %s: %s", what, key, lb_strerror(code));
}

int
lb_location_engine_key(const char *key)
{
	static const char *const engine_keys[] = {"repoPassword", "repoPasswordFile", NULL};

	for (const char *const *k = engine_keys; *k; k++)
		if (!strcmp(*k, key))
			return 1;
	return 0;
}

static int
valid_key(const char *key)
{
	return key && *key && key[0] != '/';
}

static char *
full_key(const lb_location *loc, const char *key)
{
	size_t np = strlen(loc->prefix), nk = strlen(key);
	char *out = malloc(np + nk + 2);

	if (!out)
		return NULL;
	if (np) {
		memcpy(out, loc->prefix, np);
		out[np] = '/';
		memcpy(out + np + 1, key, nk + 1);
	} else {
		memcpy(out, key, nk + 1);
	}
	return out;
}

static int
init_common(lb_location *loc, const char *name, const char *bucket, const char *prefix, int ro)
{
	while (prefix && *prefix == '/')
		prefix++;
	loc->name = strdup(name ? name : "");
	loc->bucket = strdup(bucket ? bucket : "");
	loc->prefix = strdup(prefix ? prefix : "");
	loc->read_only = ro;
	if (!loc->name || !loc->bucket || !loc->prefix)
		return LB_ENOMEM;
	{
		size_t n = strlen(loc->prefix);

		while (n && loc->prefix[n - 1] == '/')
			loc->prefix[--n] = '\0';
	}
	lb_location_hooks_set(&store_hooks);
	return 0;
}

int
lb_location_wrap(const lb_object_store_handle *h,
		 const char *name,
		 const char *bucket,
		 const char *prefix,
		 int read_only,
		 lb_location **out)
{
	lb_location *loc = calloc(1, sizeof(*loc));
	int error;

	if (!loc)
		return LB_ENOMEM;
	loc->h = h;
	if ((error = init_common(loc, name, bucket, prefix, read_only)) < 0) {
		lb_location_close(loc);
		return error;
	}
	*out = loc;
	return 0;
}

int
lb_location_open(lb_plugin_manager *mgr,
		 const lb_storage_location_cfg *cfg,
		 lb_call *call,
		 lb_location **out)
{
	lb_location *loc = NULL;
	lb_kv *kv = NULL;
	lb_config config;
	char *plugin = NULL;
	const char *impl;
	size_t n = 0;
	int error;

	plugin = lb_provider_plugin_name(cfg->provider);
	if (!plugin)
		return LB_ENOMEM;
	impl = lb_plugins_resolve(mgr, LB_KIND_OBJECT_STORE, plugin);
	if (!impl) {
		error = lb_error_set(LB_ENOTFOUND,
				     "storage location '%s': provider '%s' needs the object-store "
				     "plugin '%s', which is not loaded (see 'lifeboat plugin list')",
				     cfg->name,
				     cfg->provider,
				     plugin);
		goto done;
	}
	kv = calloc(cfg->config.count + 3, sizeof(*kv));
	if (!kv) {
		error = LB_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < cfg->config.count; i++)
		if (!lb_location_engine_key(cfg->config.items[i].key))
			kv[n++] = cfg->config.items[i];
	kv[n++] = (lb_kv){"bucket", cfg->bucket};
	kv[n++] = (lb_kv){"prefix", cfg->prefix ? cfg->prefix : ""};
	if (cfg->credentials_file)
		kv[n++] = (lb_kv){"credentialsFile", cfg->credentials_file};
	config.count = (uint32_t) n;
	config.reserved = 0;
	config.items = kv;

	loc = calloc(1, sizeof(*loc));
	if (!loc) {
		error = LB_ENOMEM;
		goto done;
	}
	if ((error = init_common(loc, cfg->name, cfg->bucket, cfg->prefix, cfg->read_only)) < 0)
		goto done;
	error = lb_plugins_open_object_store(mgr, impl, &config, call, &loc->owned);
	if (error < 0) {
		const char *m = call ? lb_call_error_message(call) : "";

		error = lb_error_set(error,
				     "storage location '%s' (%s): %s",
				     cfg->name,
				     impl,
				     m && *m ? m : lb_error_last(error));
		goto done;
	}
	loc->h = loc->owned;
	*out = loc;
	loc = NULL;
done:
	lb_location_close(loc);
	free(kv);
	free(plugin);
	return error;
}

void
lb_location_close(lb_location *loc)
{
	if (!loc)
		return;
	if (loc->owned)
		lb_object_store_handle_close(loc->owned);
	free(loc->name);
	free(loc->bucket);
	free(loc->prefix);
	free(loc);
}

const char *
lb_location_name(const lb_location *loc)
{
	return loc->name;
}

const char *
lb_location_bucket(const lb_location *loc)
{
	return loc->bucket;
}

const char *
lb_location_prefix(const lb_location *loc)
{
	return loc->prefix;
}

int
lb_location_read_only(const lb_location *loc)
{
	return loc->read_only;
}

static int
refuse_write(lb_location *loc, lb_call *call, const char *verb, const char *key)
{
	char what[512];

	snprintf(what, sizeof(what), "%s '%s'", verb, key);
	return fail(call, LB_EPERM, "storage location '%s' is ReadOnly: refusing to %s", loc->name, what);
}

int
lb_location_put(lb_location *loc, lb_call *call, const char *key, int fd, int64_t size)
{
	char *fk;
	int error;

	if (!valid_key(key))
		return fail(call, LB_EINVAL, "invalid object key '%s'", key ? key : "");
	if (loc->read_only)
		return refuse_write(loc, call, "write", key);
	if (!(fk = full_key(loc, key)))
		return LB_ENOMEM;
	error = loc->h->m->put_object(loc->h->self, call, loc->bucket, fk, fd, size);
	error = from_call(call, error, "put", fk);
	free(fk);
	return error;
}

int
lb_location_get(lb_location *loc, lb_call *call, const char *key, int fd)
{
	char *fk;
	int error;

	if (!valid_key(key))
		return fail(call, LB_EINVAL, "invalid object key '%s'", key ? key : "");
	if (!(fk = full_key(loc, key)))
		return LB_ENOMEM;
	error = loc->h->m->get_object(loc->h->self, call, loc->bucket, fk, fd);
	error = from_call(call, error, "get", fk);
	free(fk);
	return error;
}

int
lb_location_exists(lb_location *loc, lb_call *call, const char *key, int *exists_out)
{
	char *fk;
	int error, exists = 0;

	if (!valid_key(key))
		return fail(call, LB_EINVAL, "invalid object key '%s'", key ? key : "");
	if (!(fk = full_key(loc, key)))
		return LB_ENOMEM;
	error = loc->h->m->object_exists(loc->h->self, call, loc->bucket, fk, &exists);
	error = from_call(call, error, "exists", fk);
	free(fk);
	if (error == 0)
		*exists_out = exists;
	return error;
}

int
lb_location_list(lb_location *loc,
		 lb_call *call,
		 const char *prefix,
		 const char *delimiter,
		 lb_strlist *out)
{
	lb_strlist raw = LB_STRLIST_INIT;
	size_t np = strlen(loc->prefix);
	char *fp;
	int error;

	/* An empty relative prefix lists the whole location: "<prefix>/". */
	if (!(fp = full_key(loc, prefix ? prefix : "")))
		return LB_ENOMEM;
	if (np && !(prefix && *prefix)) {
		char *with = malloc(np + 2);

		if (!with) {
			free(fp);
			return LB_ENOMEM;
		}
		memcpy(with, loc->prefix, np);
		memcpy(with + np, "/", 2);
		free(fp);
		fp = with;
	}
	if (delimiter)
		error = loc->h->m->list_common_prefixes(loc->h->self,
							call,
							loc->bucket,
							fp,
							delimiter,
							&raw);
	else
		error = loc->h->m->list_objects(loc->h->self, call, loc->bucket, fp, &raw);
	error = from_call(call, error, "list", fp);
	for (size_t i = 0; error == 0 && i < raw.count; i++) {
		const char *k = raw.items[i];

		if (np) {
			if (strncmp(k, loc->prefix, np) || k[np] != '/')
				continue; /* a plugin answering outside the prefix: ignore it */
			k += np + 1;
		}
		error = lb_strlist_add(out, k);
	}
	lb_strlist_dispose(&raw);
	free(fp);
	return error;
}

int
lb_location_delete(lb_location *loc, lb_call *call, const char *key)
{
	char *fk;
	int error;

	if (!valid_key(key))
		return fail(call, LB_EINVAL, "invalid object key '%s'", key ? key : "");
	if (loc->read_only)
		return refuse_write(loc, call, "delete", key);
	if (!(fk = full_key(loc, key)))
		return LB_ENOMEM;
	error = loc->h->m->delete_object(loc->h->self, call, loc->bucket, fk);
	error = from_call(call, error, "delete", fk);
	free(fk);
	return error;
}

int
lb_location_signed_url(lb_location *loc,
		       lb_call *call,
		       const char *key,
		       int64_t ttl_ms,
		       lb_buf *url_out)
{
	char *fk;
	int error;

	if (!loc->h->m->create_signed_url)
		return fail(call, LB_EUNSUPPORTED, "storage location '%s' cannot make signed URLs", loc->name);
	if (!(fk = full_key(loc, key)))
		return LB_ENOMEM;
	error = loc->h->m->create_signed_url(loc->h->self, call, loc->bucket, fk, ttl_ms, url_out);
	error = from_call(call, error, "signed url", fk);
	free(fk);
	return error;
}

int
lb_location_put_bytes(lb_location *loc,
		      lb_call *call,
		      const char *key,
		      const void *data,
		      size_t len)
{
	const char *p = data;
	size_t off = 0;
	int fd, error;

	fd = memfd_create("lifeboat-put", MFD_CLOEXEC);
	if (fd < 0)
		return lb_error_errno(errno, "memfd_create");
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			error = lb_error_errno(errno, "writing %s to a memfd", key);
			close(fd);
			return error;
		}
		off += (size_t) w;
	}
	lseek(fd, 0, SEEK_SET);
	error = lb_location_put(loc, call, key, fd, (int64_t) len);
	close(fd);
	return error;
}

int
lb_location_get_bytes(lb_location *loc, lb_call *call, const char *key, lb_buf *out)
{
	struct stat st;
	int fd, error;

	fd = memfd_create("lifeboat-get", MFD_CLOEXEC);
	if (fd < 0)
		return lb_error_errno(errno, "memfd_create");
	if ((error = lb_location_get(loc, call, key, fd)) < 0)
		goto done;
	if (fstat(fd, &st) < 0) {
		error = lb_error_errno(errno, "fstat");
		goto done;
	}
	if (st.st_size > MAX_BYTES_OBJECT) {
		error = lb_error_set(LB_EINVAL, "object %s is too large to read into memory", key);
		goto done;
	}
	lb_buf_clear(out);
	if ((error = lb_buf_grow(out, (size_t) st.st_size)) < 0)
		goto done;
	for (off_t off = 0; off < st.st_size;) {
		ssize_t r = pread(fd, out->ptr + off, (size_t) (st.st_size - off), off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			error = lb_error_errno(r < 0 ? errno : EIO, "reading %s back", key);
			goto done;
		}
		off += r;
	}
	out->len = (size_t) st.st_size;
	out->ptr[out->len] = '\0';
done:
	close(fd);
	return error;
}
