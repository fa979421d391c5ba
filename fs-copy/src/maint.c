/* Maintenance: forget (retention policy), prune (drop and repack unused blobs), check
 * (structure; with read_data every blob is decrypted and verified). */
#include "fc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- reachability ---- */

typedef struct used_set {
	fc_index *blobs; /* used blobs (pack field unused) */
	int64_t errors;
	int verbose_errors;
} used_set;

static int
mark_tree(lb_fscopy_repo *r, fc_index *ix, used_set *u, const uint8_t id[32], const char *where)
{
	fc_blob_loc l = {0};
	fc_tree t = {0};
	char hex[65];
	size_t i, c;
	int rc;

	if (lb_fscopy__index_find(u->blobs, id, 1))
		return 0;
	memcpy(l.id, id, 32);
	l.type = 1;
	rc = lb_fscopy__index_add(u->blobs, &l);
	if (rc < 0)
		return rc;
	{
		fc_buf b = {0};
		rc = lb_fscopy__blob_load_ix(r, ix, id, 1, &b);
		if (rc == 0)
			rc = lb_fscopy__tree_parse(b.data, b.len, &t);
		lb_fscopy__buf_free(&b);
	}
	if (rc < 0) {
		lb_fscopy__hex(id, 32, hex);
		fprintf(stderr, "error: tree %s (in %s): %s\n", hex, where, lb_fscopy_errmsg());
		u->errors++;
		return rc == LB_ENOMEM ? rc : 0;
	}
	for (i = 0; i < t.n && rc == 0; i++) {
		fc_node *n = &t.nodes[i];
		for (c = 0; c < n->n_content && rc == 0; c++) {
			fc_blob_loc d = {0};
			memcpy(d.id, n->content + 32 * c, 32);
			if (!lb_fscopy__index_find(ix, d.id, 0)) {
				lb_fscopy__hex(d.id, 32, hex);
				fprintf(stderr, "error: file %s: data blob %s is missing\n", n->name,
				        hex);
				u->errors++;
			}
			rc = lb_fscopy__index_add(u->blobs, &d);
		}
		if (rc == 0 && n->has_subtree)
			rc = mark_tree(r, ix, u, n->subtree, n->name);
	}
	lb_fscopy__tree_free(&t);
	return rc;
}

static int
mark_all(lb_fscopy_repo *r, used_set *u)
{
	fc_snapshot *v = NULL;
	size_t n = 0, i;
	int rc = lb_fscopy__snapshots_load(r, &v, &n);

	u->blobs = lb_fscopy__index_new();
	if (!u->blobs)
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++) {
		char where[80];
		snprintf(where, sizeof(where), "snapshot %.8s", v[i].id);
		rc = mark_tree(r, r->index, u, v[i].tree, where);
	}
	for (i = 0; i < n; i++)
		lb_fscopy__snapshot_free(&v[i]);
	free(v);
	return rc;
}

/* ---- check ---- */

typedef struct pack_list {
	char **v;
	size_t n, cap;
} pack_list;

static int
add_name(void *ctx, const char *key)
{
	pack_list *l = ctx;
	const char *base = strrchr(key, '/');

	base = base ? base + 1 : key;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof(char *));
		if (!v)
			return lb_fscopy__err(LB_ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = strdup(base);
	return 0;
}

static void
names_free(pack_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
read_pack(lb_fscopy_repo *r, const char *name, int64_t *errors)
{
	fc_buf whole = {0}, out = {0};
	fc_pack_entry *e = NULL;
	size_t n = 0, i;
	uint8_t pid[32], got[32];
	char key[80];
	int rc;

	if (lb_fscopy__unhex(name, pid, 32) < 0)
		return 0;
	lb_fscopy__pack_key(pid, key);
	rc = lb_fscopy__be_get_buf(r->be, key, &whole);
	if (rc < 0)
		goto bad;
	lb_fscopy__sha256(whole.data, whole.len, got);
	if (memcmp(got, pid, 32) != 0) {
		rc = lb_fscopy__err(LB_ECORRUPT, "content does not match the pack's name");
		goto bad;
	}
	rc = lb_fscopy__pack_header(r, whole.data, whole.len, whole.len, &e, &n);
	if (rc < 0)
		goto bad;
	for (i = 0; i < n; i++) {
		rc = lb_fscopy__blob_decode(r, whole.data + e[i].offset, e[i].length, e[i].raw_len,
		                            e[i].id, &out);
		if (rc < 0) {
			fprintf(stderr, "error: pack %s: %s\n", name, lb_fscopy_errmsg());
			(*errors)++;
		}
	}
	rc = 0;
	goto done;
bad:
	fprintf(stderr, "error: pack %s: %s\n", name, lb_fscopy_errmsg());
	(*errors)++;
	rc = 0;
done:
	free(e);
	lb_fscopy__buf_free(&whole);
	lb_fscopy__buf_free(&out);
	return rc;
}

int
lb_fscopy_check(lb_fscopy_repo *r, int read_data, int64_t *errors_out)
{
	fc_lock *lk = NULL;
	pack_list packs = {0};
	used_set u = {0};
	fc_index *present = NULL;
	int64_t errors = 0;
	size_t i;
	uint32_t p;
	int rc;

	rc = lb_fscopy__lock(r, 0, &lk);
	if (rc < 0)
		return rc;
	rc = lb_fscopy__index_load(r, NULL, NULL);
	if (rc < 0) {
		fprintf(stderr, "error: %s\n", lb_fscopy_errmsg());
		errors++;
		rc = 0;
	}
	rc = r->be->list(r->be, "data", add_name, &packs);
	if (rc < 0)
		goto done;
	present = lb_fscopy__index_new();
	for (i = 0; present && i < packs.n; i++) {
		uint8_t pid[32];
		if (lb_fscopy__unhex(packs.v[i], pid, 32) < 0) {
			fprintf(stderr, "error: data/%s is not a pack name\n", packs.v[i]);
			errors++;
			continue;
		}
		lb_fscopy__index_pack(present, pid);
		{
			uint32_t before = lb_fscopy__index_npacks(r->index);
			if (lb_fscopy__index_pack(r->index, pid) == before)
				fprintf(stderr, "pack %s: not referenced in any index (run prune)\n",
				        packs.v[i]);
		}
	}
	for (p = 0; present && p < lb_fscopy__index_npacks(r->index); p++) {
		const uint8_t *pid = lb_fscopy__index_pack_id(r->index, p);
		uint32_t before = lb_fscopy__index_npacks(present);
		if (lb_fscopy__index_pack(present, pid) == before) {
			char hex[65];
			int any = 0;
			size_t b;
			for (b = 0; b < lb_fscopy__index_count(r->index) && !any; b++)
				any = lb_fscopy__index_at(r->index, b)->pack == p;
			if (any) {
				lb_fscopy__hex(pid, 32, hex);
				fprintf(stderr, "error: pack %s is in the index but missing\n", hex);
				errors++;
			}
		}
	}
	rc = mark_all(r, &u);
	if (rc < 0)
		goto done;
	errors += u.errors;
	if (read_data) {
		for (i = 0; i < packs.n && rc == 0; i++) {
			rc = read_pack(r, packs.v[i], &errors);
			if (rc == 0)
				rc = lb_fscopy__check_cancel(r);
		}
	}
done:
	lb_fscopy__index_free(present);
	lb_fscopy__index_free(u.blobs);
	names_free(&packs);
	lb_fscopy__unlock(lk);
	if (errors_out)
		*errors_out = errors;
	if (rc == 0 && errors)
		rc = lb_fscopy__err(LB_ECORRUPT, "check found %lld error(s)", (long long) errors);
	return rc;
}

/* ---- forget ---- */

static int64_t
bucket(int64_t ns, int kind)
{
	time_t s = (time_t) (ns / 1000000000);
	struct tm tm;
	char b[32];

	localtime_r(&s, &tm);
	switch (kind) {
	case 0:
		strftime(b, sizeof(b), "%Y%m%d%H", &tm);
		break;
	case 1:
		strftime(b, sizeof(b), "%Y%m%d", &tm);
		break;
	case 2:
		strftime(b, sizeof(b), "%G%V", &tm);
		break;
	case 3:
		strftime(b, sizeof(b), "%Y%m", &tm);
		break;
	default:
		strftime(b, sizeof(b), "%Y", &tm);
	}
	return strtoll(b, NULL, 10);
}

int
lb_fscopy_forget(lb_fscopy_repo *r, const lb_fscopy_forget_opts *o,
                 void (*cb)(void *, const char *id, int kept), void *ctx)
{
	fc_snapshot *v = NULL;
	size_t n = 0, i, j;
	int *keep = NULL, rc, any_policy;
	fc_lock *lk = NULL;

	any_policy = o->keep_last || o->keep_hourly || o->keep_daily || o->keep_weekly ||
	             o->keep_monthly || o->keep_yearly;
	if (!any_policy && !o->n_ids)
		return lb_fscopy__err(LB_EINVAL, "forget needs snapshot IDs or a --keep-* policy "
		                                 "(refusing to remove every snapshot)");
	rc = lb_fscopy__lock(r, 0, &lk);
	if (rc < 0)
		return rc;
	rc = lb_fscopy__snapshots_load(r, &v, &n);
	if (rc < 0)
		goto done;
	keep = calloc(n + 1, sizeof(int));
	if (!keep) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	if (o->n_ids) {
		for (i = 0; i < n; i++)
			keep[i] = 1;
		for (j = 0; j < o->n_ids; j++) {
			fc_snapshot *s;
			rc = lb_fscopy__snapshot_find(v, n, o->ids[j], NULL, &s);
			if (rc < 0)
				goto done;
			keep[s - v] = 0;
		}
	} else {
		/* per group (host + paths), newest first */
		int *done_g = calloc(n + 1, sizeof(int));
		for (i = n; done_g && i-- > 0;) {
			int lim[6] = {o->keep_hourly, o->keep_daily, o->keep_weekly, o->keep_monthly,
			              o->keep_yearly, 0};
			int64_t lastb[5] = {-1, -1, -1, -1, -1};
			int last = o->keep_last;
			size_t k;
			if (done_g[i])
				continue;
			for (j = i + 1; j-- > 0;) {
				int same = (v[i].hostname && v[j].hostname
				                    ? strcmp(v[i].hostname, v[j].hostname) == 0
				                    : v[i].hostname == v[j].hostname) &&
				           v[i].n_paths == v[j].n_paths &&
				           (!v[i].n_paths || strcmp(v[i].paths[0], v[j].paths[0]) == 0);
				if (!same || done_g[j])
					continue;
				done_g[j] = 1;
				if (last > 0) {
					keep[j] = 1;
					last--;
				}
				for (k = 0; k < 5; k++) {
					int64_t bk = bucket(v[j].time_ns, (int) k);
					if (lim[k] > 0 && bk != lastb[k]) {
						keep[j] = 1;
						lastb[k] = bk;
						lim[k]--;
					}
				}
			}
		}
		free(done_g);
	}
	for (i = 0; i < n; i++) {
		if (!keep[i] && !o->dry_run) {
			char key[128];
			snprintf(key, sizeof(key), "snapshots/%s", v[i].id);
			rc = r->be->del(r->be, key);
			if (rc < 0)
				goto done;
		}
		if (cb)
			cb(ctx, v[i].id, keep[i]);
	}
done:
	free(keep);
	for (i = 0; i < n; i++)
		lb_fscopy__snapshot_free(&v[i]);
	free(v);
	lb_fscopy__unlock(lk);
	if (rc == 0 && o->prune && !o->dry_run)
		rc = lb_fscopy_prune(r, NULL, NULL);
	return rc;
}

/* ---- prune ---- */

int
lb_fscopy_prune(lb_fscopy_repo *r, int64_t *packs_removed, int64_t *bytes_freed)
{
	fc_lock *lk = NULL;
	pack_list idx_files = {0}, packs = {0};
	used_set u = {0};
	fc_index *old = NULL, *nw = NULL;
	fc_packer *pk = NULL;
	uint8_t *state = NULL; /* per old pack: 0 unused, 1 fully used, 2 partly used */
	uint32_t np, p, kept = 0;
	size_t i;
	int64_t removed = 0, freed = 0;
	int rc;

	rc = lb_fscopy__lock(r, 1, &lk);
	if (rc < 0)
		return rc;
	rc = lb_fscopy__index_load(r, add_name, &idx_files);
	if (rc < 0)
		goto done;
	rc = mark_all(r, &u);
	if (rc < 0)
		goto done;
	if (u.errors) {
		rc = lb_fscopy__err(LB_ECORRUPT, "prune stopped: %lld snapshot(s) reference "
		                                 "missing or unreadable data; run check",
		                    (long long) u.errors);
		goto done;
	}
	old = r->index;
	np = lb_fscopy__index_npacks(old);
	state = calloc(np + 1, 1);
	{
		uint8_t *has_unused = calloc(np + 1, 1), *has_used = calloc(np + 1, 1);
		if (!state || !has_unused || !has_used) {
			free(has_unused);
			free(has_used);
			rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
			goto done;
		}
		for (i = 0; i < lb_fscopy__index_count(old); i++) {
			const fc_blob_loc *l = lb_fscopy__index_at(old, i);
			if (lb_fscopy__index_find(u.blobs, l->id, l->type))
				has_used[l->pack] = 1;
			else
				has_unused[l->pack] = 1;
		}
		for (p = 0; p < np; p++)
			state[p] = has_used[p] ? (has_unused[p] ? 2 : 1) : 0;
		free(has_unused);
		free(has_used);
	}
	nw = lb_fscopy__index_new();
	if (!nw) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	for (p = 0; p < np; p++)
		if (state[p] == 1)
			lb_fscopy__index_pack(nw, lb_fscopy__index_pack_id(old, p));
	kept = lb_fscopy__index_npacks(nw);
	for (i = 0; i < lb_fscopy__index_count(old) && rc == 0; i++) {
		const fc_blob_loc *l = lb_fscopy__index_at(old, i);
		if (state[l->pack] == 1) {
			fc_blob_loc c = *l;
			c.pack = lb_fscopy__index_pack(nw, lb_fscopy__index_pack_id(old, l->pack));
			rc = lb_fscopy__index_add(nw, &c);
		}
	}
	if (rc < 0)
		goto done;
	r->index = nw;
	pk = lb_fscopy__packer_new(r, 2);
	if (!pk) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < lb_fscopy__index_count(old) && rc == 0; i++) {
		const fc_blob_loc *l = lb_fscopy__index_at(old, i);
		fc_buf b = {0};
		if (state[l->pack] != 2 || !lb_fscopy__index_find(u.blobs, l->id, l->type))
			continue;
		if (lb_fscopy__packer_claim(pk, l->type, l->id))
			continue;
		rc = lb_fscopy__blob_load_ix(r, old, l->id, l->type, &b);
		if (rc == 0)
			rc = lb_fscopy__packer_add(pk, l->type, l->id, b.data, b.len);
		else
			lb_fscopy__buf_free(&b);
	}
	if (rc == 0)
		rc = lb_fscopy__packer_finish(pk);
	if (rc < 0)
		goto done;
	if (kept) {
		uint32_t *list = malloc(kept * sizeof(uint32_t));
		char id[65];
		if (!list) {
			rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
			goto done;
		}
		for (p = 0; p < kept; p++)
			list[p] = p;
		rc = lb_fscopy__index_write(r, list, kept, idx_files.v, idx_files.n, id);
		free(list);
		if (rc < 0)
			goto done;
	}
	for (i = 0; i < idx_files.n && rc == 0; i++) {
		char key[128];
		snprintf(key, sizeof(key), "index/%s", idx_files.v[i]);
		rc = r->be->del(r->be, key);
	}
	/* packs: everything on disk not in the new index goes (including orphans) */
	rc = rc ? rc : r->be->list(r->be, "data", add_name, &packs);
	for (i = 0; i < packs.n && rc == 0; i++) {
		uint8_t pid[32];
		char key[80];
		uint32_t before = lb_fscopy__index_npacks(nw);
		if (lb_fscopy__unhex(packs.v[i], pid, 32) < 0)
			continue;
		if (lb_fscopy__index_pack(nw, pid) != before)
			continue;
		lb_fscopy__pack_key(pid, key);
		{
			int fd = r->be->open_read ? r->be->open_read(r->be, key) : -1;
			if (fd >= 0) {
				off_t sz = lseek(fd, 0, SEEK_END);
				freed += sz > 0 ? sz : 0;
				close(fd);
			}
		}
		rc = r->be->del(r->be, key);
		removed++;
	}
	if (packs_removed)
		*packs_removed = removed;
	if (bytes_freed)
		*bytes_freed = freed;
done:
	lb_fscopy__packer_free(pk);
	if (old && r->index != old) {
		lb_fscopy__index_free(old);
	} else {
		lb_fscopy__index_free(nw);
	}
	free(state);
	lb_fscopy__index_free(u.blobs);
	names_free(&idx_files);
	names_free(&packs);
	lb_fscopy__unlock(lk);
	return rc;
}
