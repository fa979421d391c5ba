/* Snapshots: snapshots/<id>, encrypted (and compressed) JSON like restic's. */
#include "fc_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
lb_fscopy__snapshot_free(fc_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n_paths; i++)
		free(s->paths[i]);
	for (i = 0; i < s->n_tags; i++)
		free(s->tags[i]);
	free(s->paths);
	free(s->tags);
	free(s->hostname);
	free(s->username);
	memset(s, 0, sizeof(*s));
}

int
lb_fscopy__snapshot_save(lb_fscopy_repo *r, fc_snapshot *s)
{
	fc_buf js = {0};
	char t[64], hex[65];
	size_t i;
	int rc;

	lb_fscopy__time_fmt(s->time_ns, t);
	rc = lb_fscopy__buf_printf(&js, "{\"time\":\"%s\"", t);
	if (!rc && s->has_parent)
		rc = lb_fscopy__buf_printf(&js, ",\"parent\":\"%s\"", s->parent);
	lb_fscopy__hex(s->tree, 32, hex);
	rc = rc ? rc : lb_fscopy__buf_printf(&js, ",\"tree\":\"%s\",\"paths\":[", hex);
	for (i = 0; !rc && i < s->n_paths; i++) {
		rc = i ? lb_fscopy__buf_puts(&js, ",") : 0;
		rc = rc ? rc : lb_fscopy__buf_json_str(&js, s->paths[i], strlen(s->paths[i]));
	}
	rc = rc ? rc : lb_fscopy__buf_puts(&js, "]");
	if (!rc && s->hostname) {
		rc = lb_fscopy__buf_puts(&js, ",\"hostname\":");
		rc = rc ? rc : lb_fscopy__buf_json_str(&js, s->hostname, strlen(s->hostname));
	}
	if (!rc && s->username) {
		rc = lb_fscopy__buf_puts(&js, ",\"username\":");
		rc = rc ? rc : lb_fscopy__buf_json_str(&js, s->username, strlen(s->username));
	}
	if (!rc && s->n_tags) {
		rc = lb_fscopy__buf_puts(&js, ",\"tags\":[");
		for (i = 0; !rc && i < s->n_tags; i++) {
			rc = i ? lb_fscopy__buf_puts(&js, ",") : 0;
			rc = rc ? rc : lb_fscopy__buf_json_str(&js, s->tags[i], strlen(s->tags[i]));
		}
		rc = rc ? rc : lb_fscopy__buf_puts(&js, "]");
	}
	rc = rc ? rc : lb_fscopy__buf_puts(&js, "}");
	if (rc == 0)
		rc = lb_fscopy__save_unpacked(r, "snapshots", js.data, js.len, s->id);
	lb_fscopy__buf_free(&js);
	return rc;
}

static char **
str_array(cJSON *a, size_t *n_out)
{
	size_t n = cJSON_IsArray(a) ? (size_t) cJSON_GetArraySize(a) : 0, i = 0;
	char **v = calloc(n + 1, sizeof(char *));
	cJSON *e;

	if (!v)
		return NULL;
	cJSON_ArrayForEach(e, a)
	{
		v[i++] = strdup(cJSON_GetStringValue(e) ?: "");
	}
	*n_out = i;
	return v;
}

typedef struct snap_list {
	lb_fscopy_repo *r;
	fc_snapshot *v;
	size_t n, cap;
} snap_list;

static int
load_snap(void *ctx, const char *key)
{
	snap_list *l = ctx;
	const char *base = strrchr(key, '/');
	fc_buf js = {0};
	fc_snapshot *s;
	char k[128];
	cJSON *j = NULL;
	int rc;

	base = base ? base + 1 : key;
	snprintf(k, sizeof(k), "snapshots/%s", base);
	rc = lb_fscopy__load_unpacked(l->r, k, &js);
	if (rc < 0)
		goto done;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		fc_snapshot *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
			goto done;
		}
		l->v = v;
		l->cap = cap;
	}
	s = &l->v[l->n];
	memset(s, 0, sizeof(*s));
	j = cJSON_ParseWithLength((char *) js.data, js.len);
	if (!j || lb_fscopy__unhex(cJSON_GetStringValue(cJSON_GetObjectItem(j, "tree")), s->tree,
	                           32) < 0) {
		rc = lb_fscopy__err(LB_ECORRUPT, "%s is not a valid snapshot", k);
		goto done;
	}
	snprintf(s->id, sizeof(s->id), "%s", base);
	lb_fscopy__time_parse(cJSON_GetStringValue(cJSON_GetObjectItem(j, "time")), &s->time_ns);
	if (cJSON_GetStringValue(cJSON_GetObjectItem(j, "parent"))) {
		s->has_parent = 1;
		snprintf(s->parent, sizeof(s->parent), "%s",
		         cJSON_GetStringValue(cJSON_GetObjectItem(j, "parent")));
	}
	s->paths = str_array(cJSON_GetObjectItem(j, "paths"), &s->n_paths);
	s->tags = str_array(cJSON_GetObjectItem(j, "tags"), &s->n_tags);
	if (cJSON_GetStringValue(cJSON_GetObjectItem(j, "hostname")))
		s->hostname = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(j, "hostname")));
	if (cJSON_GetStringValue(cJSON_GetObjectItem(j, "username")))
		s->username = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(j, "username")));
	l->n++;
done:
	cJSON_Delete(j);
	lb_fscopy__buf_free(&js);
	return rc;
}

static int
by_time(const void *a, const void *b)
{
	const fc_snapshot *x = a, *y = b;

	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

int
lb_fscopy__snapshots_load(lb_fscopy_repo *r, fc_snapshot **out, size_t *n_out)
{
	snap_list l = {r, NULL, 0, 0};
	int rc = r->be->list(r->be, "snapshots", load_snap, &l);
	size_t i;

	if (rc < 0) {
		for (i = 0; i < l.n; i++)
			lb_fscopy__snapshot_free(&l.v[i]);
		free(l.v);
		return rc;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_time);
	*out = l.v;
	*n_out = l.n;
	return 0;
}

int
lb_fscopy__snapshot_find(fc_snapshot *all, size_t n, const char *spec, const char *host,
                         fc_snapshot **out)
{
	fc_snapshot *hit = NULL;
	size_t i, hits = 0;

	if (strcmp(spec, "latest") == 0) {
		for (i = n; i-- > 0;) {
			if (!host || (all[i].hostname && strcmp(all[i].hostname, host) == 0)) {
				*out = &all[i];
				return 0;
			}
		}
		return lb_fscopy__err(LB_ENOTFOUND, "the repository has no snapshot%s%s",
		                      host ? " for host " : "", host ? host : "");
	}
	for (i = 0; i < n; i++) {
		if (strncmp(all[i].id, spec, strlen(spec)) == 0) {
			hit = &all[i];
			hits++;
		}
	}
	if (hits != 1)
		return lb_fscopy__err(hits ? LB_EINVAL : LB_ENOTFOUND,
		                      hits ? "snapshot ID prefix %s is ambiguous"
		                           : "no snapshot %s in the repository",
		                      spec);
	*out = hit;
	return 0;
}

int
lb_fscopy_snapshots(lb_fscopy_repo *r, void (*cb)(void *, const lb_fscopy_snapinfo *), void *ctx)
{
	fc_snapshot *v = NULL;
	size_t n = 0, i;
	char tree[65];
	int rc = lb_fscopy__snapshots_load(r, &v, &n);

	for (i = 0; rc == 0 && i < n; i++) {
		lb_fscopy_snapinfo si = {0};
		lb_fscopy__hex(v[i].tree, 32, tree);
		si.id = v[i].id;
		si.time_ns = v[i].time_ns;
		si.hostname = v[i].hostname;
		si.paths = (const char *const *) v[i].paths;
		si.n_paths = v[i].n_paths;
		si.tags = (const char *const *) v[i].tags;
		si.n_tags = v[i].n_tags;
		si.tree = tree;
		cb(ctx, &si);
	}
	for (i = 0; i < n; i++)
		lb_fscopy__snapshot_free(&v[i]);
	free(v);
	return rc;
}
