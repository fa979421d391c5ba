#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/error.h"
#include "yaml_tree.h"

#define DEFAULT_START_TIMEOUT_MS 10000
#define DEFAULT_CALL_METADATA_MS 30000
#define DEFAULT_CALL_DATA_MS 600000
#define DEFAULT_CALL_ACTION_MS 60000
#define DEFAULT_TASK_TIMEOUT_MS (4 * 3600 * 1000LL)

typedef struct ctx {
	const char *file;
	lb_settings *s;
} ctx;

static int err_at(ctx *c, const lb_ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
err_at(ctx *c, const lb_ynode *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lb_error_set(LB_EINVAL, "%s:%d:%d: %s", c->file, n->line, n->column, msg);
}

/* Every key of map @n must be in @allowed; @where names the section for messages. */
static int
check_keys(ctx *c, const lb_ynode *n, const char *where, const char *const *allowed)
{
	for (size_t i = 0; i < n->count; i++) {
		const char *k = n->keys[i]->value;
		int ok = 0;
		lb_buf list = LB_BUF_INIT;
		int error;

		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(*a, k);
		if (ok)
			continue;
		for (const char *const *a = allowed; *a; a++)
			lb_buf_printf(&list, "%s%s", a == allowed ? "" : ", ", *a);
		{
			char msg[1024];

			snprintf(msg,
				 sizeof(msg),
				 "unknown key '%s' in %s (expected one of: %s)",
				 k,
				 where,
				 list.ptr ? list.ptr : "");
			error = lb_error_set(LB_EINVAL,
					     "%s:%d:%d: %s",
					     c->file,
					     n->keys[i]->line,
					     n->keys[i]->column,
					     msg);
		}
		lb_buf_dispose(&list);
		return error;
	}
	return 0;
}

static int
expect(ctx *c, const lb_ynode *n, lb_ynode_kind kind, const char *what)
{
	char msg[512];

	if (n->kind == kind)
		return 0;
	snprintf(msg,
		 sizeof(msg),
		 "%s must be %s, not %s",
		 what,
		 lb_ynode_kind_name(kind),
		 lb_ynode_kind_name(n->kind));
	return lb_error_set(LB_EINVAL, "%s:%d:%d: %s", c->file, n->line, n->column, msg);
}

static int
get_str(ctx *c, const lb_ynode *map, const char *key, const char *where, int required, char **out)
{
	lb_ynode *v = lb_ynode_get(map, key);
	char what[256];

	if (!v || v->kind == LB_YNULL) {
		if (required)
			return err_at(c, map, "%s: missing required key '%s'", where, key);
		return 0;
	}
	snprintf(what, sizeof(what), "%s.%s", where, key);
	if (expect(c, v, LB_YSCALAR, what) < 0)
		return LB_EINVAL;
	if (required && !*v->value)
		return err_at(c, v, "%s must not be empty", what);
	free(*out);
	*out = strdup(v->value);
	return *out ? 0 : LB_ENOMEM;
}

static int
get_int(ctx *c, const lb_ynode *map, const char *key, const char *where, int64_t min,
	int64_t *out)
{
	lb_ynode *v = lb_ynode_get(map, key);
	char what[256], *end;
	long long x;

	if (!v || v->kind == LB_YNULL)
		return 0;
	snprintf(what, sizeof(what), "%s.%s", where, key);
	if (expect(c, v, LB_YSCALAR, what) < 0)
		return LB_EINVAL;
	errno = 0;
	x = strtoll(v->value, &end, 10);
	if (v->quoted || errno || end == v->value || *end)
		return err_at(c, v, "%s must be a whole number, not '%s'", what, v->value);
	if (x < min) {
		return err_at(c, v, "%s must be at least %lld", what, (long long) min);
	}
	*out = x;
	return 0;
}

static int
get_bool(ctx *c, const lb_ynode *map, const char *key, const char *where, int *out)
{
	lb_ynode *v = lb_ynode_get(map, key);
	char what[256];

	if (!v || v->kind == LB_YNULL)
		return 0;
	snprintf(what, sizeof(what), "%s.%s", where, key);
	if (expect(c, v, LB_YSCALAR, what) < 0)
		return LB_EINVAL;
	if (!v->quoted && (!strcmp(v->value, "true") || !strcmp(v->value, "True"))) {
		*out = 1;
		return 0;
	}
	if (!v->quoted && (!strcmp(v->value, "false") || !strcmp(v->value, "False"))) {
		*out = 0;
		return 0;
	}
	return err_at(c, v, "%s must be true or false, not '%s'", what, v->value);
}

static int
kvlist_add(lb_kvlist *l, const char *k, const char *v)
{
	lb_kv *items = realloc(l->items, (l->count + 1) * sizeof(*items));

	if (!items)
		return LB_ENOMEM;
	l->items = items;
	items[l->count].key = strdup(k);
	items[l->count].value = strdup(v);
	if (!items[l->count].key || !items[l->count].value)
		return LB_ENOMEM;
	l->count++;
	return 0;
}

static void
kvlist_dispose(lb_kvlist *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free((char *) l->items[i].key);
		free((char *) l->items[i].value);
	}
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

const char *
lb_kvlist_get(const lb_kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->count; i++)
		if (!strcmp(l->items[i].key, key))
			return l->items[i].value;
	return NULL;
}

/* A string-to-string map (provider config, mappings). Values must be scalars. */
static int
get_map(ctx *c, const lb_ynode *map, const char *key, const char *where, lb_kvlist *out)
{
	lb_ynode *v = lb_ynode_get(map, key);
	char what[256];
	int error;

	if (!v || v->kind == LB_YNULL)
		return 0;
	snprintf(what, sizeof(what), "%s.%s", where, key);
	if ((error = expect(c, v, LB_YMAP, what)) < 0)
		return error;
	for (size_t i = 0; i < v->count; i++) {
		char w2[512];

		snprintf(w2, sizeof(w2), "%s.%s", what, v->keys[i]->value);
		if (v->items[i]->kind == LB_YNULL) {
			if ((error = kvlist_add(out, v->keys[i]->value, "")) < 0)
				return error;
			continue;
		}
		if ((error = expect(c, v->items[i], LB_YSCALAR, w2)) < 0)
			return error;
		if ((error = kvlist_add(out, v->keys[i]->value, v->items[i]->value)) < 0)
			return error;
	}
	return 0;
}

static char *
trim_slashes(const char *s)
{
	size_t n;

	while (*s == '/')
		s++;
	n = strlen(s);
	while (n && s[n - 1] == '/')
		n--;
	return strndup(s, n);
}

static int
valid_name(const char *s)
{
	if (!*s || strlen(s) > 63)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return 0;
	return 1;
}

static int
parse_storage(ctx *c, const lb_ynode *seq)
{
	static const char *const keys[] = {"name",
					   "provider",
					   "bucket",
					   "prefix",
					   "accessMode",
					   "default",
					   "credentialsFile",
					   "config",
					   NULL};
	int error;

	if ((error = expect(c, seq, LB_YSEQ, "storageLocations")) < 0)
		return error;
	c->s->storage = calloc(seq->count ? seq->count : 1, sizeof(*c->s->storage));
	if (!c->s->storage)
		return LB_ENOMEM;
	for (size_t i = 0; i < seq->count; i++) {
		const lb_ynode *m = seq->items[i];
		lb_storage_location_cfg *l = &c->s->storage[i];
		char where[64], *mode = NULL, *prefix = NULL;

		snprintf(where, sizeof(where), "storageLocations[%zu]", i);
		c->s->nstorage = i + 1;
		l->line = m->line;
		if ((error = expect(c, m, LB_YMAP, where)) < 0 ||
		    (error = check_keys(c, m, where, keys)) < 0 ||
		    (error = get_str(c, m, "name", where, 1, &l->name)) < 0 ||
		    (error = get_str(c, m, "provider", where, 1, &l->provider)) < 0 ||
		    (error = get_str(c, m, "bucket", where, 1, &l->bucket)) < 0 ||
		    (error = get_str(c, m, "prefix", where, 0, &prefix)) < 0 ||
		    (error = get_str(c, m, "accessMode", where, 0, &mode)) < 0 ||
		    (error = get_bool(c, m, "default", where, &l->is_default)) < 0 ||
		    (error = get_str(c, m, "credentialsFile", where, 0, &l->credentials_file)) < 0 ||
		    (error = get_map(c, m, "config", where, &l->config)) < 0) {
			free(mode);
			free(prefix);
			return error;
		}
		l->prefix = trim_slashes(prefix ? prefix : "");
		free(prefix);
		if (!valid_name(l->name)) {
			free(mode);
			return err_at(c,
				      lb_ynode_get(m, "name"),
				      "%s.name '%s' must be lowercase letters, digits, '-' or '.' (at most "
				      "63)",
				      where,
				      l->name);
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->s->storage[j].name, l->name)) {
				free(mode);
				return err_at(c,
					      lb_ynode_get(m, "name"),
					      "%s: a storage location named '%s' is already defined",
					      where,
					      l->name);
			}
		if (mode && !strcmp(mode, "ReadOnly"))
			l->read_only = 1;
		else if (mode && strcmp(mode, "ReadWrite")) {
			error = err_at(c,
				       lb_ynode_get(m, "accessMode"),
				       "%s.accessMode must be ReadWrite or ReadOnly, not '%s'",
				       where,
				       mode);
			free(mode);
			return error;
		}
		free(mode);
	}
	return 0;
}

static int
parse_snapshot(ctx *c, const lb_ynode *seq)
{
	static const char *const keys[] = {"name", "provider", "credentialsFile", "config", NULL};
	int error;

	if ((error = expect(c, seq, LB_YSEQ, "snapshotLocations")) < 0)
		return error;
	c->s->snapshot = calloc(seq->count ? seq->count : 1, sizeof(*c->s->snapshot));
	if (!c->s->snapshot)
		return LB_ENOMEM;
	for (size_t i = 0; i < seq->count; i++) {
		const lb_ynode *m = seq->items[i];
		lb_snapshot_location_cfg *l = &c->s->snapshot[i];
		char where[64];

		snprintf(where, sizeof(where), "snapshotLocations[%zu]", i);
		c->s->nsnapshot = i + 1;
		l->line = m->line;
		if ((error = expect(c, m, LB_YMAP, where)) < 0 ||
		    (error = check_keys(c, m, where, keys)) < 0 ||
		    (error = get_str(c, m, "name", where, 1, &l->name)) < 0 ||
		    (error = get_str(c, m, "provider", where, 1, &l->provider)) < 0 ||
		    (error = get_str(c, m, "credentialsFile", where, 0, &l->credentials_file)) < 0 ||
		    (error = get_map(c, m, "config", where, &l->config)) < 0)
			return error;
	}
	return 0;
}

static int
parse_plugins(ctx *c, const lb_ynode *m)
{
	static const char *const keys[] = {"dirs",
					   "startTimeoutMs",
					   "callTimeouts",
					   "children",
					   "overrides",
					   NULL};
	static const char *const tkeys[] = {"metadataMs", "dataMs", "actionMs", NULL};
	static const char *const okeys[] = {"name", "startTimeoutMs", "children", NULL};
	lb_settings *s = c->s;
	lb_ynode *dirs, *timeouts, *ovr;
	int64_t children = 0;
	int error;

	if ((error = expect(c, m, LB_YMAP, "plugins")) < 0 ||
	    (error = check_keys(c, m, "plugins", keys)) < 0 ||
	    (error = get_int(c, m, "startTimeoutMs", "plugins", 1, &s->plugin_start_timeout_ms)) <
		    0 ||
	    (error = get_int(c, m, "children", "plugins", 1, &children)) < 0)
		return error;
	if (children)
		s->plugin_children = (int) (children > 64 ? 64 : children);
	dirs = lb_ynode_get(m, "dirs");
	if (dirs && dirs->kind != LB_YNULL) {
		if ((error = expect(c, dirs, LB_YSEQ, "plugins.dirs")) < 0)
			return error;
		s->plugin_dirs = calloc(dirs->count + 1, sizeof(char *));
		if (!s->plugin_dirs)
			return LB_ENOMEM;
		for (size_t i = 0; i < dirs->count; i++) {
			if ((error = expect(c, dirs->items[i], LB_YSCALAR, "plugins.dirs[]")) < 0)
				return error;
			s->plugin_dirs[i] = strdup(dirs->items[i]->value);
			s->nplugin_dirs = i + 1;
		}
	}
	timeouts = lb_ynode_get(m, "callTimeouts");
	if (timeouts && timeouts->kind != LB_YNULL) {
		const char *w = "plugins.callTimeouts";

		if ((error = expect(c, timeouts, LB_YMAP, w)) < 0 ||
		    (error = check_keys(c, timeouts, w, tkeys)) < 0 ||
		    (error = get_int(c, timeouts, "metadataMs", w, 1, &s->call_metadata_ms)) < 0 ||
		    (error = get_int(c, timeouts, "dataMs", w, 1, &s->call_data_ms)) < 0 ||
		    (error = get_int(c, timeouts, "actionMs", w, 1, &s->call_action_ms)) < 0)
			return error;
	}
	ovr = lb_ynode_get(m, "overrides");
	if (ovr && ovr->kind != LB_YNULL) {
		if ((error = expect(c, ovr, LB_YSEQ, "plugins.overrides")) < 0)
			return error;
		s->overrides = calloc(ovr->count + 1, sizeof(*s->overrides));
		if (!s->overrides)
			return LB_ENOMEM;
		for (size_t i = 0; i < ovr->count; i++) {
			lb_plugin_override_cfg *o = &s->overrides[i];
			const lb_ynode *om = ovr->items[i];
			char where[64];
			int64_t ch = 0;

			snprintf(where, sizeof(where), "plugins.overrides[%zu]", i);
			o->start_timeout_ms = -1;
			s->noverrides = i + 1;
			if ((error = expect(c, om, LB_YMAP, where)) < 0 ||
			    (error = check_keys(c, om, where, okeys)) < 0 ||
			    (error = get_str(c, om, "name", where, 1, &o->name)) < 0 ||
			    (error = get_int(c, om, "startTimeoutMs", where, 1, &o->start_timeout_ms)) <
				    0 ||
			    (error = get_int(c, om, "children", where, 1, &ch)) < 0)
				return error;
			o->children = (int) (ch > 64 ? 64 : ch);
		}
	}
	return 0;
}

static int
parse_queue(ctx *c, const lb_ynode *m)
{
	static const char *const keys[] = {"workers", "taskTimeoutMs", "stateDir", NULL};
	int64_t workers = 0;
	int error;

	if ((error = expect(c, m, LB_YMAP, "queue")) < 0 ||
	    (error = check_keys(c, m, "queue", keys)) < 0 ||
	    (error = get_int(c, m, "workers", "queue", 1, &workers)) < 0 ||
	    (error = get_int(c, m, "taskTimeoutMs", "queue", 1, &c->s->task_timeout_ms)) < 0 ||
	    (error = get_str(c, m, "stateDir", "queue", 0, &c->s->state_dir)) < 0)
		return error;
	if (workers)
		c->s->queue_workers = (int) (workers > 256 ? 256 : workers);
	return 0;
}

static int
parse_restore(ctx *c, const lb_ynode *m)
{
	static const char *const keys[] = {"storageClassMappings", "imageMappings", NULL};
	int error;

	if ((error = expect(c, m, LB_YMAP, "restore")) < 0 ||
	    (error = check_keys(c, m, "restore", keys)) < 0 ||
	    (error = get_map(c,
			     m,
			     "storageClassMappings",
			     "restore",
			     &c->s->storage_class_mappings)) < 0 ||
	    (error = get_map(c, m, "imageMappings", "restore", &c->s->image_mappings)) < 0)
		return error;
	return 0;
}

static int
parse_repository(ctx *c, const lb_ynode *m)
{
	static const char *const keys[] = {"passwordFile", NULL};
	int error;

	if ((error = expect(c, m, LB_YMAP, "repository")) < 0 ||
	    (error = check_keys(c, m, "repository", keys)) < 0 ||
	    (error = get_str(c, m, "passwordFile", "repository", 0, &c->s->repo_password_file)) < 0)
		return error;
	return 0;
}

static int
parse_kube(ctx *c, const lb_ynode *m)
{
	static const char *const keys[] = {"qps", "burst", NULL};
	int64_t qps = 0, burst = 0;
	int error;

	if ((error = expect(c, m, LB_YMAP, "kube")) < 0 ||
	    (error = check_keys(c, m, "kube", keys)) < 0 ||
	    (error = get_int(c, m, "qps", "kube", 1, &qps)) < 0 ||
	    (error = get_int(c, m, "burst", "kube", 1, &burst)) < 0)
		return error;
	if (qps)
		c->s->kube_qps = (double) qps;
	if (burst)
		c->s->kube_burst = (int) (burst > 100000 ? 100000 : burst);
	return 0;
}

static lb_settings *
settings_new(const char *source)
{
	lb_settings *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->source = strdup(source);
	s->plugin_start_timeout_ms = DEFAULT_START_TIMEOUT_MS;
	s->call_metadata_ms = DEFAULT_CALL_METADATA_MS;
	s->call_data_ms = DEFAULT_CALL_DATA_MS;
	s->call_action_ms = DEFAULT_CALL_ACTION_MS;
	s->plugin_children = 2;
	s->queue_workers = 2;
	s->task_timeout_ms = DEFAULT_TASK_TIMEOUT_MS;
	s->kube_qps = 500; /* a restore is one create per item */
	s->kube_burst = 1000;
	return s;
}

int
lb_settings_parse(const char *file, const char *text, size_t len, lb_settings **out)
{
	static const char *const keys[] = {"apiVersion",
					   "storageLocations",
					   "snapshotLocations",
					   "plugins",
					   "queue",
					   "restore",
					   "repository",
					   "kube",
					   NULL};
	lb_ynode *root = NULL, *v;
	ctx c = {.file = file};
	int error;

	if ((error = lb_yaml_parse(file, text, len, &root)) < 0)
		return error;
	c.s = settings_new(file);
	if (!c.s) {
		error = LB_ENOMEM;
		goto done;
	}
	if (root->kind == LB_YNULL) {
		error = lb_error_set(LB_EINVAL,
				     "%s: the file is empty; it needs at least storageLocations",
				     file);
		goto done;
	}
	if ((error = expect(&c, root, LB_YMAP, "the top level")) < 0 ||
	    (error = check_keys(&c, root, "the top level", keys)) < 0)
		goto done;
	if ((v = lb_ynode_get(root, "apiVersion")) &&
	    (v->kind != LB_YSCALAR || strcmp(v->value, "lifeboat.io/v1"))) {
		error = err_at(&c, v, "apiVersion must be lifeboat.io/v1");
		goto done;
	}
	if (!(v = lb_ynode_get(root, "storageLocations")) || v->kind == LB_YNULL) {
		error = lb_error_set(LB_EINVAL,
				     "%s: missing required key 'storageLocations' (a list of "
				     "locations with name, provider and bucket)",
				     file);
		goto done;
	}
	if ((error = parse_storage(&c, v)) < 0)
		goto done;
	if ((v = lb_ynode_get(root, "snapshotLocations")) && v->kind != LB_YNULL &&
	    (error = parse_snapshot(&c, v)) < 0)
		goto done;
	if ((v = lb_ynode_get(root, "plugins")) && v->kind != LB_YNULL &&
	    (error = parse_plugins(&c, v)) < 0)
		goto done;
	if ((v = lb_ynode_get(root, "queue")) && v->kind != LB_YNULL &&
	    (error = parse_queue(&c, v)) < 0)
		goto done;
	if ((v = lb_ynode_get(root, "restore")) && v->kind != LB_YNULL &&
	    (error = parse_restore(&c, v)) < 0)
		goto done;
	if ((v = lb_ynode_get(root, "repository")) && v->kind != LB_YNULL &&
	    (error = parse_repository(&c, v)) < 0)
		goto done;
	if ((v = lb_ynode_get(root, "kube")) && v->kind != LB_YNULL &&
	    (error = parse_kube(&c, v)) < 0)
		goto done;
	{
		int ndefault = 0;

		for (size_t i = 0; i < c.s->nstorage; i++)
			ndefault += c.s->storage[i].is_default;
		if (ndefault > 1) {
			error = lb_error_set(LB_EINVAL,
					     "%s: %d storage locations are marked default; mark at "
					     "most one",
					     file,
					     ndefault);
			goto done;
		}
	}
	*out = c.s;
	c.s = NULL;
	error = 0;
done:
	lb_settings_free(c.s);
	lb_ynode_free(root);
	return error;
}

static char *
default_data_dir(void)
{
	const char *d = getenv("LIFEBOAT_DATA_DIR"), *x = getenv("XDG_DATA_HOME"),
		   *h = getenv("HOME");
	char path[PATH_MAX];

	if (d && *d)
		return strdup(d);
	if (x && *x)
		snprintf(path, sizeof(path), "%s/lifeboat", x);
	else
		snprintf(path, sizeof(path), "%s/.local/share/lifeboat", h && *h ? h : "/tmp");
	return strdup(path);
}

static int
embedded_defaults(lb_settings **out)
{
	lb_settings *s = settings_new("<embedded defaults>");
	lb_storage_location_cfg *l;
	char *data;
	char storage[PATH_MAX], state[PATH_MAX];

	if (!s)
		return LB_ENOMEM;
	data = default_data_dir();
	s->storage = calloc(1, sizeof(*s->storage));
	if (!data || !s->storage) {
		free(data);
		lb_settings_free(s);
		return LB_ENOMEM;
	}
	snprintf(storage, sizeof(storage), "%s/storage", data);
	snprintf(state, sizeof(state), "%s/state", data);
	free(data);
	s->nstorage = 1;
	l = &s->storage[0];
	l->name = strdup("default");
	l->provider = strdup("lifeboat.io/file");
	l->bucket = strdup("backups");
	l->prefix = strdup("");
	l->is_default = 1;
	s->state_dir = strdup(state);
	kvlist_add(&l->config, "root", storage);
	kvlist_add(&l->config, "createBucket", "true");
	*out = s;
	return 0;
}

int
lb_settings_load(const char *path, lb_settings **out)
{
	lb_ynode *root = NULL;
	lb_buf b = LB_BUF_INIT;
	char chunk[65536];
	FILE *f;
	size_t n;
	int error;

	(void) root;
	if (!path)
		return embedded_defaults(out);
	f = fopen(path, "rb");
	if (!f)
		return lb_error_errno(errno, "cannot open configuration file %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (lb_buf_put(&b, chunk, n) < 0) {
			fclose(f);
			lb_buf_dispose(&b);
			return LB_ENOMEM;
		}
	fclose(f);
	error = lb_settings_parse(path, b.ptr ? b.ptr : "", b.len, out);
	lb_buf_dispose(&b);
	if (error == 0 && !(*out)->state_dir) {
		char *data = default_data_dir();
		char state[PATH_MAX];

		snprintf(state, sizeof(state), "%s/state", data ? data : "/tmp/lifeboat");
		free(data);
		(*out)->state_dir = strdup(state);
	}
	return error;
}

void
lb_settings_free(lb_settings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nstorage; i++) {
		lb_storage_location_cfg *l = &s->storage[i];

		free(l->name);
		free(l->provider);
		free(l->bucket);
		free(l->prefix);
		free(l->credentials_file);
		kvlist_dispose(&l->config);
	}
	free(s->storage);
	for (size_t i = 0; i < s->nsnapshot; i++) {
		free(s->snapshot[i].name);
		free(s->snapshot[i].provider);
		free(s->snapshot[i].credentials_file);
		kvlist_dispose(&s->snapshot[i].config);
	}
	free(s->snapshot);
	for (size_t i = 0; i < s->nplugin_dirs; i++)
		free(s->plugin_dirs[i]);
	free(s->plugin_dirs);
	for (size_t i = 0; i < s->noverrides; i++)
		free(s->overrides[i].name);
	free(s->overrides);
	kvlist_dispose(&s->storage_class_mappings);
	kvlist_dispose(&s->image_mappings);
	free(s->state_dir);
	free(s->repo_password_file);
	free(s->source);
	free(s);
}

const lb_storage_location_cfg *
lb_settings_location(const lb_settings *s, const char *name)
{
	if (name && *name) {
		for (size_t i = 0; i < s->nstorage; i++)
			if (!strcmp(s->storage[i].name, name))
				return &s->storage[i];
		lb_error_set(LB_ENOTFOUND,
			     "no storage location named '%s' in %s",
			     name,
			     s->source);
		return NULL;
	}
	for (size_t i = 0; i < s->nstorage; i++)
		if (s->storage[i].is_default)
			return &s->storage[i];
	for (size_t i = 0; i < s->nstorage; i++)
		if (!strcmp(s->storage[i].name, "default"))
			return &s->storage[i];
	if (s->nstorage == 1)
		return &s->storage[0];
	lb_error_set(LB_ENOTFOUND,
		     "%s defines %zu storage locations and none is the default: name one with "
		     "--storage-location or mark one 'default: true'",
		     s->source,
		     s->nstorage);
	return NULL;
}

char *
lb_provider_plugin_name(const char *provider)
{
	const char *slash = strchr(provider, '/');
	char out[256];

	if (!slash) {
		snprintf(out, sizeof(out), "lifeboat.io/%s", provider);
		return strdup(out);
	}
	if (!strncmp(provider, "velero.io/", 10)) {
		snprintf(out, sizeof(out), "lifeboat.io/%s", provider + 10);
		return strdup(out);
	}
	return strdup(provider);
}
