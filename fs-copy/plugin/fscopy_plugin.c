/*
 * lifeboat.io/fs-copy: the fs-copy library (restic repository format v2) as a VolumeCopier
 * plugin (SDK 1.1, volume_copier.h). The repository lives in the task's storage location and
 * is reached only through the host table's location_* callbacks; a listing goes into a list
 * of the plugin's own (strlist_new) and is read back with strlist_count/strlist_get.
 *
 * fs-copy uploads and downloads from worker threads. SDK 1.1 lets any thread of the plugin
 * call the host table while the method call is in flight and the host serialises those
 * calls (PLUGIN-ABI.md), so the callbacks below take no lock of their own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <lifeboat/plugin/sdk.h>
#include <lifeboat/fscopy.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

LB_PLUGIN_DECLARE("lifeboat.io/fs-copy", "1.1.0");

#define FC_NAME "lifeboat.io/fs-copy"

struct lb_volume_copier {
	char *password;
	int threads;
};

/* One method call: the backend's callbacks reach the host with this call. @canceled is set
 * by the progress callback (any worker thread) and read atomically. */
typedef struct fc_ctx {
	lb_call *call;
	int canceled;
} fc_ctx;

static void
wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

static int
cb_put(void *p, const char *key, int fd, int64_t size)
{
	fc_ctx *c = p;

	return lb_location_put(c->call, key, fd, size);
}

static int
cb_get(void *p, const char *key, int fd)
{
	fc_ctx *c = p;

	return lb_location_get(c->call, key, fd);
}

static int
cb_exists(void *p, const char *key, int *exists_out)
{
	fc_ctx *c = p;

	return lb_location_exists(c->call, key, exists_out);
}

/* The keys go into a list of our own (strlist_new, SDK 1.1), read back and handed to @add. */
static int
cb_list(void *p, const char *prefix, int (*add)(void *, const char *), void *list_ctx)
{
	fc_ctx *c = p;
	lb_strlist *keys = lb_strlist_new();
	size_t n, i;
	int error;

	if (!keys)
		return lb_set_error(c->call, LB_ENOMEM, "out of memory");
	error = lb_location_list(c->call, prefix, NULL, keys);
	n = error < 0 ? 0 : lb_strlist_count(keys);
	for (i = 0; error >= 0 && i < n; i++)
		error = add(list_ctx, lb_strlist_get(keys, i));
	lb_strlist_free(keys);
	return error < 0 ? error : 0;
}

static int
cb_del(void *p, const char *key)
{
	fc_ctx *c = p;

	return lb_location_delete(c->call, key);
}

static int
on_progress(void *p, const lb_fscopy_progress *pr)
{
	fc_ctx *c = p;

	if (lb_progress(c->call, pr->bytes_done, pr->bytes_total, "bytes") == LB_ECANCELED ||
	    lb_cancelled(c->call))
		__atomic_store_n(&c->canceled, 1, __ATOMIC_RELAXED);
	return __atomic_load_n(&c->canceled, __ATOMIC_RELAXED);
}

/* ---- request helpers ---------------------------------------------------------------- */

static const char *
jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static int
jint(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valueint : 0;
}

static int
parse(lb_call *call, const char *what, const char *json, cJSON **out)
{
	cJSON *o = cJSON_Parse(json ? json : "");

	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return lb_set_error(call, LB_EINVAL, "%s request is not a JSON object", what);
	}
	*out = o;
	return 0;
}

static int
reply(lb_call *call, cJSON *o, lb_buf *out)
{
	char *text = cJSON_PrintUnformatted(o);
	int error;

	cJSON_Delete(o);
	if (!text)
		return lb_set_error(call, LB_ENOMEM, "out of memory");
	error = lb_buf_append_str(out, text);
	free(text);
	return error;
}

/* An fs-copy error: the library's sentence, prefixed with what was being done. */
static int
fc_fail(fc_ctx *c, int error, const char *what, const char *repo)
{
	if (__atomic_load_n(&c->canceled, __ATOMIC_RELAXED) || error == LB_ECANCELED)
		return lb_set_error(c->call, LB_ECANCELED, "%s in %s: canceled", what, repo);
	return lb_set_error(c->call, error, "%s in repository %s: %s", what, repo,
	                    *lb_fscopy_errmsg() ? lb_fscopy_errmsg() : "failed");
}

/* Open (or, when @create, initialise) the repository at @repo in the call's location. */
static int
repo_open(lb_volume_copier *self,
          fc_ctx *c,
          const char *repo,
          int create,
          lb_fscopy_backend **be_out,
          lb_fscopy_repo **r_out)
{
	lb_fscopy_store_ops ops = {c, cb_put, cb_get, cb_exists, cb_list, cb_del};
	char key[1024];
	int error, exists = 0;

	if (!repo || !*repo)
		return lb_set_error(c->call, LB_EINVAL, "request field \"repository\" is required");
	if (!LB_HOST_HAS(strlist_new) || !LB_HOST_HAS(strlist_free))
		return lb_set_error(c->call, LB_EVERSION,
		                    "the host has no strlist_new/strlist_free: Lifeboat with "
		                    "plugin SDK 1.1 or newer is required");
	snprintf(key, sizeof(key), "%s/config", repo);
	error = lb_location_exists(c->call, key, &exists);
	if (error < 0)
		return error; /* the host's message stands */
	if (!exists && !create)
		return lb_set_error(c->call, LB_ENOTFOUND,
		                    "no fs-copy repository at %s in the storage location", repo);
	if ((error = lb_fscopy_backend_ops(&ops, repo, be_out)) < 0)
		return fc_fail(c, error, "backend", repo);
	error = exists ? lb_fscopy_open(*be_out, self->password, r_out)
	               : lb_fscopy_init(*be_out, self->password, NULL, r_out);
	if (error < 0) {
		fc_fail(c, error, exists ? "open" : "create", repo);
		lb_fscopy_backend_free(*be_out);
		*be_out = NULL;
		return error;
	}
	lb_fscopy_set_progress(*r_out, on_progress, c);
	return 0;
}

static void
repo_close(lb_fscopy_backend *be, lb_fscopy_repo *r)
{
	if (r)
		lb_fscopy_close(r);
	if (be)
		lb_fscopy_backend_free(be);
}

/* ---- methods ------------------------------------------------------------------------- */

static int
fc_init(lb_call *call, const lb_config *config, lb_volume_copier **self_out)
{
	const char *pw = lb_config_get(config, "password");
	const char *pwfile = lb_config_get(config, "passwordFile");
	const char *threads = lb_config_get(config, "threads");
	lb_volume_copier *self;

	if ((!pw || !*pw) && (!pwfile || !*pwfile))
		return lb_set_error(call, LB_EINVAL,
		                    "config key \"password\" or \"passwordFile\" is required (the "
		                    "fs-copy repository password)");
	if (!(self = calloc(1, sizeof(*self))))
		return lb_set_error(call, LB_ENOMEM, "out of memory");
	if (pw && *pw) {
		self->password = strdup(pw);
	} else {
		FILE *f = fopen(pwfile, "r");
		char line[4096];
		size_t n;

		if (!f) {
			int e = errno;

			free(self);
			return lb_set_error(call, LB_EINVAL, "passwordFile %s: %s", pwfile,
			                    strerror(e));
		}
		n = fread(line, 1, sizeof(line) - 1, f);
		fclose(f);
		line[n] = '\0';
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n) {
			free(self);
			return lb_set_error(call, LB_EINVAL, "passwordFile %s is empty", pwfile);
		}
		self->password = strdup(line);
		memset(line, 0, sizeof(line));
	}
	if (!self->password) {
		free(self);
		return lb_set_error(call, LB_ENOMEM, "out of memory");
	}
	self->threads = threads ? atoi(threads) : 2;
	if (self->threads <= 0 || self->threads > 64) {
		wipe_free(self->password);
		free(self);
		return lb_set_error(call, LB_EINVAL, "config key \"threads\": \"%s\" is not 1..64",
		                    threads);
	}
	*self_out = self;
	return 0;
}

static int
fc_backup(lb_volume_copier *self, lb_call *call, const char *request_json, lb_buf *out)
{
	fc_ctx c = {call, 0};
	cJSON *req = NULL, *res, *tags;
	const char *repo, *src, *parent, *host;
	const char **tagv = NULL;
	lb_fscopy_backend *be = NULL;
	lb_fscopy_repo *r = NULL;
	lb_fscopy_backup_opts fo;
	lb_fscopy_backup_stats st;
	size_t ntags = 0;
	int error;

	if ((error = parse(call, "backup", request_json, &req)) < 0)
		return error;
	repo = jstr(req, "repository");
	src = jstr(req, "sourcePath");
	parent = jstr(req, "parent");
	host = jstr(req, "hostname");
	if (!src || src[0] != '/') {
		error = lb_set_error(call, LB_EINVAL,
		                     "request field \"sourcePath\" must be an absolute directory");
		goto done;
	}
	tags = cJSON_GetObjectItemCaseSensitive(req, "tags");
	tagv = calloc((size_t) cJSON_GetArraySize(tags) + 1, sizeof(*tagv));
	if (!tagv) {
		error = lb_set_error(call, LB_ENOMEM, "out of memory");
		goto done;
	}
	{
		const cJSON *t;

		cJSON_ArrayForEach(t, tags)
		{
			if (cJSON_IsString(t))
				tagv[ntags++] = t->valuestring;
		}
	}
	if ((error = repo_open(self, &c, repo, 1, &be, &r)) < 0)
		goto done;
	memset(&fo, 0, sizeof(fo));
	memset(&st, 0, sizeof(st));
	fo.paths = &src;
	fo.n_paths = 1;
	fo.hostname = host && *host ? host : "lifeboat";
	fo.tags = tagv;
	fo.n_tags = ntags;
	fo.parent = parent && *parent ? parent : NULL;
	fo.threads = self->threads;
	if ((error = lb_fscopy_backup(r, &fo, &st)) < 0) {
		fc_fail(&c, error, "backup of sourcePath", repo);
		goto done;
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "snapshotID", st.snapshot_id);
	cJSON_AddNumberToObject(res, "filesNew", (double) (st.files - st.files_unchanged));
	cJSON_AddNumberToObject(res, "filesChanged", 0);
	cJSON_AddNumberToObject(res, "filesUnmodified", (double) st.files_unchanged);
	cJSON_AddNumberToObject(res, "bytesAdded", (double) st.bytes_added);
	cJSON_AddNumberToObject(res, "totalBytes", (double) st.bytes_read);
	cJSON_AddNumberToObject(res, "totalFiles", (double) st.files);
	cJSON_AddNumberToObject(res, "dirs", (double) st.dirs);
	cJSON_AddNumberToObject(res, "errors", (double) st.errors);
	error = reply(call, res, out);
done:
	repo_close(be, r);
	free(tagv);
	cJSON_Delete(req);
	return error;
}

/* The snapshot that @want names ("latest", an ID or a unique ID prefix), found while
 * listing the repository's snapshots. */
typedef struct snap_pick {
	const char *want;
	char id[80];
	char path[1024];
	int64_t time_ns;
	int hits;
	int npaths;
} snap_pick;

static void
pick_snap(void *p, const lb_fscopy_snapinfo *s)
{
	snap_pick *k = p;

	if (!strcmp(k->want, "latest")) {
		if (k->hits && s->time_ns < k->time_ns)
			return;
		k->hits = 1;
	} else if (!strncmp(s->id, k->want, strlen(k->want))) {
		k->hits++;
	} else {
		return;
	}
	snprintf(k->id, sizeof(k->id), "%s", s->id);
	snprintf(k->path, sizeof(k->path), "%s", s->n_paths ? s->paths[0] : "");
	k->time_ns = s->time_ns;
	k->npaths = (int) s->n_paths;
}

/* The restore spec "<id>:<path>" for fs-copy: a backup stores sourcePath under its absolute
 * path in the snapshot (as restic does), so the snapshot's one path is the directory whose
 * contents go to targetPath, and "include" is relative to it. An unknown or ambiguous
 * snapshot is left to the library, which says so. */
static int
restore_spec(
    fc_ctx *c, lb_fscopy_repo *r, const char *snap, const char *include, char *spec, size_t size)
{
	snap_pick k;
	size_t n;

	memset(&k, 0, sizeof(k));
	k.want = snap;
	if (lb_fscopy_snapshots(r, pick_snap, &k) < 0 || k.hits != 1 || k.npaths != 1 || !k.path[0])
		n = (size_t) snprintf(spec, size, "%s%s%s", snap, include && *include ? ":" : "",
		                      include && *include ? include : "");
	else
		n = (size_t) snprintf(spec, size, "%s:%s%s%s", k.id, k.path,
		                      include && *include ? "/" : "",
		                      include && *include ? include : "");
	if (n >= size || n >= 255) /* the library's limit for a spec */
		return lb_set_error(
		    c->call, LB_EINVAL, "snapshot %s: the path %s%s%s is too long to restore", snap,
		    k.path, include && *include ? "/" : "", include && *include ? include : "");
	return 0;
}

static int
fc_restore(lb_volume_copier *self, lb_call *call, const char *request_json, lb_buf *out)
{
	fc_ctx c = {call, 0};
	cJSON *req = NULL, *res;
	const char *repo, *snap, *target, *include;
	lb_fscopy_backend *be = NULL;
	lb_fscopy_repo *r = NULL;
	lb_fscopy_restore_opts ro;
	int64_t files = 0, bytes = 0;
	char spec[1200];
	int error;

	if ((error = parse(call, "restore", request_json, &req)) < 0)
		return error;
	repo = jstr(req, "repository");
	snap = jstr(req, "snapshotID");
	target = jstr(req, "targetPath");
	include = jstr(req, "include");
	if (!snap || !*snap || strchr(snap, ':')) {
		error = lb_set_error(call, LB_EINVAL, "request field \"snapshotID\" is required");
		goto done;
	}
	if (!target || target[0] != '/') {
		error = lb_set_error(call, LB_EINVAL,
		                     "request field \"targetPath\" must be an absolute directory");
		goto done;
	}
	if ((error = repo_open(self, &c, repo, 0, &be, &r)) < 0)
		goto done;
	if ((error = restore_spec(&c, r, snap, include, spec, sizeof(spec))) < 0)
		goto done;
	memset(&ro, 0, sizeof(ro));
	ro.snapshot = spec;
	ro.target = target;
	ro.delete_extra = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "delete"));
	ro.threads = self->threads;
	if ((error = lb_fscopy_restore(r, &ro, &files, &bytes)) < 0) {
		char what[1300];

		snprintf(what, sizeof(what), "restore of snapshot %s", spec);
		fc_fail(&c, error, what, repo);
		goto done;
	}
	res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "files", (double) files);
	cJSON_AddNumberToObject(res, "bytes", (double) bytes);
	error = reply(call, res, out);
done:
	repo_close(be, r);
	cJSON_Delete(req);
	return error;
}

static void
add_snap(void *p, const lb_fscopy_snapinfo *s)
{
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(o, "id", s->id);
	cJSON_AddNumberToObject(o, "timeNs", (double) s->time_ns);
	cJSON_AddStringToObject(o, "hostname", s->hostname ? s->hostname : "");
	a = cJSON_AddArrayToObject(o, "paths");
	for (size_t i = 0; i < s->n_paths; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(s->paths[i]));
	a = cJSON_AddArrayToObject(o, "tags");
	for (size_t i = 0; i < s->n_tags; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(s->tags[i]));
	cJSON_AddItemToArray(p, o);
}

static void
add_forgot(void *p, const char *id, int kept)
{
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(p, kept ? "kept" : "removed"),
	                     cJSON_CreateString(id));
}

static void
add_unlocked(void *p, const char *id)
{
	cJSON_AddItemToArray(p, cJSON_CreateString(id));
}

/* forget by selection: the snapshots whose ID is in @ids (full IDs) or that carry every tag
 * of @tags ("k=v"). Nothing selected forgets nothing (never "all"). */
typedef struct forget_sel {
	const cJSON *ids, *tags;
	cJSON *hits; /* IDs, strings */
} forget_sel;

static void
select_snap(void *p, const lb_fscopy_snapinfo *s)
{
	forget_sel *f = p;
	const cJSON *t;
	int match = 0;

	cJSON_ArrayForEach(t, f->ids)
	{
		if (cJSON_IsString(t) && !strcmp(t->valuestring, s->id))
			match = 1;
	}
	if (!match && cJSON_GetArraySize(f->tags) > 0) {
		match = 1;
		cJSON_ArrayForEach(t, f->tags)
		{
			size_t i;
			int has = 0;

			for (i = 0; cJSON_IsString(t) && i < s->n_tags && !has; i++)
				has = !strcmp(s->tags[i], t->valuestring);
			match &= has;
		}
	}
	if (match)
		cJSON_AddItemToArray(f->hits, cJSON_CreateString(s->id));
}

static int
forget_selected(fc_ctx *c, lb_fscopy_repo *r, const cJSON *ids, const cJSON *tags, cJSON *res)
{
	forget_sel f = {ids, tags, cJSON_CreateArray()};
	lb_fscopy_forget_opts fo;
	const char **idv = NULL;
	const cJSON *t;
	size_t n = 0;
	int error;

	cJSON_AddArrayToObject(res, "kept");
	cJSON_AddArrayToObject(res, "removed");
	if (!f.hits)
		return lb_set_error(c->call, LB_ENOMEM, "out of memory");
	if ((error = lb_fscopy_snapshots(r, select_snap, &f)) < 0 || !cJSON_GetArraySize(f.hits))
		goto done;
	if (!(idv = calloc((size_t) cJSON_GetArraySize(f.hits), sizeof(*idv)))) {
		error = lb_set_error(c->call, LB_ENOMEM, "out of memory");
		goto done;
	}
	cJSON_ArrayForEach(t, f.hits) idv[n++] = t->valuestring;
	memset(&fo, 0, sizeof(fo));
	fo.ids = idv;
	fo.n_ids = n;
	error = lb_fscopy_forget(r, &fo, add_forgot, res);
done:
	free(idv);
	cJSON_Delete(f.hits);
	return error;
}

static int
fc_maintain(lb_volume_copier *self, lb_call *call, const char *request_json, lb_buf *out)
{
	fc_ctx c = {call, 0};
	cJSON *req = NULL, *res = NULL;
	const char *repo, *op;
	lb_fscopy_backend *be = NULL;
	lb_fscopy_repo *r = NULL;
	int error;

	if ((error = parse(call, "maintain", request_json, &req)) < 0)
		return error;
	repo = jstr(req, "repository");
	op = jstr(req, "op");
	if (!op || (strcmp(op, "snapshots") && strcmp(op, "forget") && strcmp(op, "prune") &&
	            strcmp(op, "check") && strcmp(op, "unlock"))) {
		error = lb_set_error(call, LB_EINVAL,
		                     "request field \"op\" must be snapshots, forget, prune, check "
		                     "or unlock");
		goto done;
	}
	if ((error = repo_open(self, &c, repo, 0, &be, &r)) < 0)
		goto done;
	res = cJSON_CreateObject();
	if (!strcmp(op, "snapshots")) {
		error = lb_fscopy_snapshots(r, add_snap, cJSON_AddArrayToObject(res, "snapshots"));
	} else if (!strcmp(op, "forget")) {
		lb_fscopy_forget_opts fo;
		const char *id = jstr(req, "snapshotID");
		const cJSON *sel_ids = cJSON_GetObjectItemCaseSensitive(req, "snapshotIDs");
		const cJSON *sel_tags = cJSON_GetObjectItemCaseSensitive(req, "tags");

		if (cJSON_IsArray(sel_ids) || cJSON_IsArray(sel_tags)) {
			error = forget_selected(&c, r, sel_ids, sel_tags, res);
			goto answer;
		}
		memset(&fo, 0, sizeof(fo));
		fo.keep_last = jint(req, "keepLast");
		fo.keep_hourly = jint(req, "keepHourly");
		fo.keep_daily = jint(req, "keepDaily");
		fo.keep_weekly = jint(req, "keepWeekly");
		fo.keep_monthly = jint(req, "keepMonthly");
		fo.keep_yearly = jint(req, "keepYearly");
		fo.prune = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "prune"));
		if (id && *id) {
			fo.ids = &id;
			fo.n_ids = 1;
		}
		cJSON_AddArrayToObject(res, "kept");
		cJSON_AddArrayToObject(res, "removed");
		error = lb_fscopy_forget(r, &fo, add_forgot, res);
	} else if (!strcmp(op, "prune")) {
		int64_t packs = 0, bytes = 0;

		if ((error = lb_fscopy_prune(r, &packs, &bytes)) >= 0) {
			cJSON_AddNumberToObject(res, "packsRemoved", (double) packs);
			cJSON_AddNumberToObject(res, "bytesFreed", (double) bytes);
		}
	} else if (!strcmp(op, "check")) {
		int64_t errors = 0;

		error = lb_fscopy_check(
		    r, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "readData")), &errors);
		if (error >= 0)
			cJSON_AddNumberToObject(res, "errors", (double) errors);
	} else {
		error =
		    lb_fscopy_unlock(r, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "all")),
		                     add_unlocked, cJSON_AddArrayToObject(res, "removed"));
	}
answer:
	if (error < 0) {
		fc_fail(&c, error, op, repo);
		goto done;
	}
	error = reply(call, res, out);
	res = NULL;
done:
	cJSON_Delete(res);
	repo_close(be, r);
	cJSON_Delete(req);
	return error;
}

static void
fc_destroy(lb_volume_copier *self)
{
	if (!self)
		return;
	wipe_free(self->password);
	free(self);
}

static const lb_volume_copier_methods fscopy_methods = {
    LB_VOLUME_COPIER_METHODS_HEADER,
    FC_NAME,
    fc_init,
    fc_backup,
    fc_restore,
    fc_maintain,
    fc_destroy,
};

int
lb_plugin_init(lb_registrar *reg)
{
	if (!LB_HOST_HAS(register_volume_copier))
		return LB_EVERSION; /* a 1.0 host cannot run volume copiers */
	return lb_register_volume_copier(reg, &fscopy_methods);
}
