#include "memstore.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc/call.h"
#include "util/buf.h"

typedef struct object {
	char *key;
	char *data;
	size_t len;
} object;

typedef struct memstore {
	pthread_mutex_t lock;
	unsigned flags;
	object *objs;
	size_t count;
} memstore;

struct lb_object_store {
	memstore *store;
};

static int
err(lb_call *call, unsigned flags, int code, const char *msg)
{
	if (flags & MEM_NO_MESSAGE) {
		call->code = code;
		return code;
	}
	return lb_call_set_error(call, code, "%s", msg);
}

static object *
find(memstore *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		if (strcmp(m->objs[i].key, key) == 0)
			return &m->objs[i];
	return NULL;
}

static int
mem_init(lb_call *call, const lb_config *config, lb_object_store **self_out)
{
	(void) call;
	(void) config;
	(void) self_out;
	return LB_EUNSUPPORTED; /* instances come from the opener, which knows the store */
}

static int
mem_put(
    lb_object_store *self, lb_call *call, const char *bucket, const char *key, int fd, int64_t size)
{
	memstore *m = self->store;
	lb_buf body = LB_BUF_INIT;
	char chunk[65536];
	object *o;

	(void) bucket;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lb_buf_dispose(&body);
			return err(call, m->flags, LB_EIO, "read body failed");
		}
		if (n == 0)
			break;
		if (lb_buf_put(&body, chunk, (size_t) n) < 0)
			return err(call, m->flags, LB_ENOMEM, "out of memory");
	}
	if (size >= 0 && (int64_t) body.len != size) {
		lb_buf_dispose(&body);
		return err(call, m->flags, LB_EIO, "body size differs from the announced size");
	}
	if ((m->flags & MEM_TRUNCATE) && body.len > 1024 * 1024)
		body.len = 1024 * 1024;
	pthread_mutex_lock(&m->lock);
	if ((o = find(m, key)) == NULL) {
		m->objs = realloc(m->objs, (m->count + 1) * sizeof(*m->objs));
		o = &m->objs[m->count++];
		o->key = strdup(key);
	} else {
		free(o->data);
	}
	o->len = body.len;
	o->data = lb_buf_detach(&body);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int
mem_exists(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int *out)
{
	(void) call;
	(void) bucket;
	pthread_mutex_lock(&self->store->lock);
	*out = find(self->store, key) != NULL;
	pthread_mutex_unlock(&self->store->lock);
	return 0;
}

static int
mem_get(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int fd)
{
	memstore *m = self->store;
	char *copy = NULL;
	size_t len = 0, off = 0;
	object *o;

	(void) bucket;
	if (m->flags & MEM_TIMEOUT_GET)
		return lb_call_set_error(
		    call, LB_ETIMEDOUT,
		    "plugin example.com/mem pid 4242: get_object did not return "
		    "within 100 ms; killed");
	pthread_mutex_lock(&m->lock);
	if ((o = find(m, key)) != NULL && (copy = malloc(o->len + 1)) != NULL) {
		memcpy(copy, o->data, o->len);
		len = o->len;
	}
	pthread_mutex_unlock(&m->lock);
	if (o == NULL)
		return m->flags & MEM_MISSING_EIO
		           ? err(call, m->flags, LB_EIO, "no such object")
		           : err(call, m->flags, LB_ENOTFOUND, "no such object");
	while (off < len) {
		ssize_t n = write(fd, copy + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(copy);
			return err(call, m->flags, LB_EIO, "write to sink failed");
		}
		off += (size_t) n;
	}
	free(copy);
	return 0;
}

static int
mem_list_prefixes(lb_object_store *self,
                  lb_call *call,
                  const char *bucket,
                  const char *prefix,
                  const char *delim,
                  lb_strlist *out)
{
	memstore *m = self->store;
	size_t i, plen = strlen(prefix), dlen = strlen(delim);

	(void) call;
	(void) bucket;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->count; i++) {
		const char *k = m->objs[i].key, *cut;
		char *p;
		size_t n;
		if (strncmp(k, prefix, plen) != 0)
			continue;
		cut = strstr(k + plen, delim);
		if (cut == NULL) {
			if ((m->flags & MEM_LEAF_AS_PREFIX) && !lb_strlist_contains(out, k))
				lb_strlist_add(out, k);
			continue;
		}
		n = (size_t) (cut - k) + ((m->flags & MEM_PREFIX_NO_DELIM) ? 0 : dlen);
		p = strndup(k, n);
		if (!lb_strlist_contains(out, p))
			lb_strlist_add(out, p);
		free(p);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int
mem_list_objects(
    lb_object_store *self, lb_call *call, const char *bucket, const char *prefix, lb_strlist *out)
{
	memstore *m = self->store;
	size_t i, plen = strlen(prefix);

	(void) call;
	(void) bucket;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->count; i++) {
		const char *k = m->objs[i].key;
		if (!(m->flags & MEM_OUTSIDE_PREFIX) && strncmp(k, prefix, plen) != 0)
			continue;
		/* Directory semantics: "list/a" only matches "list/a/..." */
		if ((m->flags & MEM_DIR_PREFIX) && plen > 0 && prefix[plen - 1] != '/' &&
		    k[plen] != '/')
			continue;
		lb_strlist_add(out, k);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int
mem_delete(lb_object_store *self, lb_call *call, const char *bucket, const char *key)
{
	memstore *m = self->store;
	object *o;

	(void) bucket;
	pthread_mutex_lock(&m->lock);
	if ((o = find(m, key)) != NULL) {
		free(o->key);
		free(o->data);
		*o = m->objs[--m->count];
	}
	pthread_mutex_unlock(&m->lock);
	if (o == NULL && (m->flags & MEM_DELETE_MISSING))
		return err(call, m->flags, LB_ENOTFOUND, "no such object");
	return 0;
}

static void
mem_destroy(lb_object_store *self)
{
	free(self);
}

static const lb_object_store_methods mem_methods = {
    LB_OBJECT_STORE_METHODS_HEADER,
    "example.com/mem",
    mem_init,
    mem_put,
    mem_exists,
    mem_get,
    mem_list_prefixes,
    mem_list_objects,
    mem_delete,
    NULL,
    mem_destroy,
};

static int
mem_open(void *ctx, const lb_config *config, lb_call *call, void **handle_out)
{
	memstore *m = ctx;
	lb_object_store_handle *h;
	uint32_t i;

	for (i = 0; i < config->count; i++) {
		if (strcmp(config->items[i].key, "region") == 0) {
			if (config->items[i].value[0] == '\0')
				return err(call, m->flags, LB_EINVAL,
				           "config key \"region\" is empty");
			continue;
		}
		if (!(m->flags & MEM_ACCEPT_UNKNOWN))
			return m->flags & MEM_NO_MESSAGE
			           ? err(call, m->flags, LB_EINVAL, "")
			           : lb_call_set_error(call, LB_EINVAL, "unknown config key \"%s\"",
			                               config->items[i].key);
	}
	h = calloc(1, sizeof(*h));
	h->m = &mem_methods;
	h->self = calloc(1, sizeof(*h->self));
	h->self->store = m;
	*handle_out = h;
	return 0;
}

static void
mem_close(void *ctx, void *handle)
{
	lb_object_store_handle *h = handle;

	(void) ctx;
	if (h == NULL)
		return;
	h->m->destroy(h->self);
	free(h);
}

void
memstore_opener(lb_kit_opener *opener, unsigned flags)
{
	memstore *m = calloc(1, sizeof(*m));

	pthread_mutex_init(&m->lock, NULL);
	m->flags = flags;
	opener->ctx = m;
	opener->open = mem_open;
	opener->close = mem_close;
}

void
memstore_opener_dispose(lb_kit_opener *opener)
{
	memstore *m = opener->ctx;
	size_t i;

	for (i = 0; i < m->count; i++) {
		free(m->objs[i].key);
		free(m->objs[i].data);
	}
	free(m->objs);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ---- item actions and a snapshotter ---------------------------------------------------- */

struct lb_backup_item_action {
	unsigned flags;
};
struct lb_restore_item_action {
	unsigned flags;
};
struct lb_volume_snapshotter {
	unsigned flags;
};

static int
bia_applies(lb_backup_item_action *self, lb_call *call, lb_buf *out)
{
	(void) call;
	return lb_buf_puts(
	    out, self->flags & ACT_BAD_SELECTOR
	             ? "includedResources: [configmaps]"
	             : "{\"includedResources\":[\"configmaps\",\"persistentvolumeclaims\"]}");
}

static int
bia_execute(
    lb_backup_item_action *self, lb_call *call, const char *item, const char *backup, lb_buf *out)
{
	(void) call;
	(void) backup;
	if (self->flags & ACT_BAD_OUTPUT)
		return lb_buf_puts(out, "{\"additionalItems\":[{\"resource\":\"pods\"}]}");
	return lb_buf_printf(out, "{\"updatedItem\":%s,\"additionalItems\":[]}", item);
}

static void
bia_destroy(lb_backup_item_action *self)
{
	free(self);
}

static const lb_backup_item_action_methods bia_methods = {
    LB_BACKUP_ITEM_ACTION_METHODS_HEADER,
    "example.com/bia",
    NULL,
    bia_applies,
    bia_execute,
    NULL,
    NULL,
    bia_destroy,
};

static int
ria_applies(lb_restore_item_action *self, lb_call *call, lb_buf *out)
{
	(void) call;
	return lb_buf_puts(out, self->flags & ACT_BAD_SELECTOR ? "[\"configmaps\"]" : "{}");
}

static int
ria_execute(lb_restore_item_action *self, lb_call *call, const char *input, lb_buf *out)
{
	(void) call;
	(void) input;
	return lb_buf_puts(out, self->flags & ACT_BAD_OUTPUT ? "{\"skipRestore\":\"no\"}"
	                                                     : "{\"skipRestore\":false}");
}

static int
ria_cancel(lb_restore_item_action *self, lb_call *call, const char *op, const char *restore)
{
	(void) self;
	(void) op;
	(void) restore;
	return lb_call_set_error(call, LB_ENOTFOUND, "no such operation");
}

static void
ria_destroy(lb_restore_item_action *self)
{
	free(self);
}

static const lb_restore_item_action_methods ria_methods = {
    LB_RESTORE_ITEM_ACTION_METHODS_HEADER,
    "example.com/ria",
    NULL,
    ria_applies,
    ria_execute,
    NULL,
    ria_cancel,
    NULL,
    ria_destroy,
};

static int
vs_get_volume_id(lb_volume_snapshotter *self, lb_call *call, const char *pv, lb_buf *out)
{
	(void) call;
	if (strstr(pv, "\"csi\"") != NULL || (self->flags & ACT_CLAIM_FOREIGN))
		return lb_buf_puts(out, "vol-0123");
	return 0;
}

static int
vs_set_volume_id(
    lb_volume_snapshotter *self, lb_call *call, const char *pv, const char *id, lb_buf *out)
{
	(void) self;
	(void) pv;
	(void) id;
	(void) out;
	return lb_call_set_error(call, LB_EINVAL, "not a CSI volume");
}

static int
vs_info(lb_volume_snapshotter *self,
        lb_call *call,
        const char *id,
        const char *az,
        lb_buf *type,
        int64_t *iops)
{
	(void) self;
	(void) az;
	(void) type;
	(void) iops;
	return lb_call_set_error(call, LB_ENOTFOUND, "volume %s not found", id);
}

static int
vs_create_from(lb_volume_snapshotter *self,
               lb_call *call,
               const char *snap,
               const char *type,
               const char *az,
               int64_t iops,
               lb_buf *out)
{
	(void) self;
	(void) type;
	(void) az;
	(void) iops;
	(void) out;
	return lb_call_set_error(call, LB_ENOTFOUND, "snapshot %s not found", snap);
}

static int
vs_create_snapshot(lb_volume_snapshotter *self,
                   lb_call *call,
                   const char *id,
                   const char *az,
                   const lb_config *tags,
                   lb_buf *out)
{
	(void) self;
	(void) id;
	(void) az;
	(void) tags;
	(void) out;
	return lb_call_set_error(call, LB_EUNSUPPORTED, "test double");
}

static int
vs_delete(lb_volume_snapshotter *self, lb_call *call, const char *id)
{
	(void) self;
	(void) call;
	(void) id;
	return 0;
}

static void
vs_destroy(lb_volume_snapshotter *self)
{
	free(self);
}

static const lb_volume_snapshotter_methods vs_methods = {
    LB_VOLUME_SNAPSHOTTER_METHODS_HEADER,
    "example.com/vs",
    NULL,
    vs_create_from,
    vs_get_volume_id,
    vs_set_volume_id,
    vs_info,
    vs_create_snapshot,
    vs_delete,
    vs_destroy,
};

typedef struct action_ctx {
	int kind;
	unsigned flags;
} action_ctx;

/* All three handle types are { methods, self }. */
typedef struct any_handle {
	const void *m;
	void *self;
} any_handle;

static int
act_open(void *arg, const lb_config *config, lb_call *call, void **handle_out)
{
	action_ctx *ctx = arg;
	any_handle *h = calloc(1, sizeof(*h));
	unsigned *self = calloc(1, sizeof(unsigned));

	(void) config;
	(void) call;
	*self = ctx->flags;
	h->self = self;
	h->m = ctx->kind == LB_KIND_BACKUP_ITEM_ACTION    ? (const void *) &bia_methods
	       : ctx->kind == LB_KIND_RESTORE_ITEM_ACTION ? (const void *) &ria_methods
	                                                  : (const void *) &vs_methods;
	*handle_out = h;
	return 0;
}

static void
act_close(void *arg, void *handle)
{
	any_handle *h = handle;

	(void) arg;
	if (h == NULL)
		return;
	free(h->self);
	free(h);
}

static void
action_opener(lb_kit_opener *opener, int kind, unsigned flags)
{
	action_ctx *ctx = calloc(1, sizeof(*ctx));

	ctx->kind = kind;
	ctx->flags = flags;
	opener->ctx = ctx;
	opener->open = act_open;
	opener->close = act_close;
}

void
bia_opener(lb_kit_opener *opener, unsigned flags)
{
	action_opener(opener, LB_KIND_BACKUP_ITEM_ACTION, flags);
}

void
ria_opener(lb_kit_opener *opener, unsigned flags)
{
	action_opener(opener, LB_KIND_RESTORE_ITEM_ACTION, flags);
}

void
vs_opener(lb_kit_opener *opener, unsigned flags)
{
	action_opener(opener, LB_KIND_VOLUME_SNAPSHOTTER, flags);
}

void
action_opener_dispose(lb_kit_opener *opener)
{
	free(opener->ctx);
}
