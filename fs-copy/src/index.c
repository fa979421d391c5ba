/* In-memory index (blob ID -> pack, offset, length) and index/ files. */
#include "fc_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fc_index {
	fc_blob_loc *blobs;
	size_t n, cap;
	uint32_t *slots; /* open addressing, value = blob number + 1 */
	size_t nslots;
	uint8_t *packs; /* 32 bytes each */
	uint32_t npacks, packs_cap;
	uint32_t *pack_slots;
	size_t npack_slots;
};

fc_index *
lb_fscopy__index_new(void)
{
	return calloc(1, sizeof(fc_index));
}

void
lb_fscopy__index_free(fc_index *ix)
{
	if (!ix)
		return;
	free(ix->blobs);
	free(ix->slots);
	free(ix->packs);
	free(ix->pack_slots);
	free(ix);
}

static uint64_t
h64(const uint8_t *id)
{
	uint64_t h;

	memcpy(&h, id, 8);
	return h;
}

static int
grow_slots(fc_index *ix)
{
	size_t ns = ix->nslots ? ix->nslots * 2 : 1024, i;
	uint32_t *s = calloc(ns, sizeof(uint32_t));

	if (!s)
		return lb_fscopy__err(LB_ENOMEM, "out of memory growing the index");
	for (i = 0; i < ix->n; i++) {
		size_t j = h64(ix->blobs[i].id) & (ns - 1);
		while (s[j])
			j = (j + 1) & (ns - 1);
		s[j] = (uint32_t) i + 1;
	}
	free(ix->slots);
	ix->slots = s;
	ix->nslots = ns;
	return 0;
}

const fc_blob_loc *
lb_fscopy__index_find(fc_index *ix, const uint8_t id[FC_ID_LEN], int type)
{
	size_t j;

	if (!ix->nslots)
		return NULL;
	j = h64(id) & (ix->nslots - 1);
	while (ix->slots[j]) {
		const fc_blob_loc *b = &ix->blobs[ix->slots[j] - 1];
		if (memcmp(b->id, id, 32) == 0 && (type < 0 || b->type == type))
			return b;
		j = (j + 1) & (ix->nslots - 1);
	}
	return NULL;
}

int
lb_fscopy__index_add(fc_index *ix, const fc_blob_loc *loc)
{
	size_t j;
	int rc;

	if (lb_fscopy__index_find(ix, loc->id, loc->type))
		return 0;
	if ((ix->n + 1) * 2 > ix->nslots && (rc = grow_slots(ix)) < 0)
		return rc;
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 1024;
		fc_blob_loc *b = realloc(ix->blobs, cap * sizeof(*b));
		if (!b)
			return lb_fscopy__err(LB_ENOMEM, "out of memory growing the index");
		ix->blobs = b;
		ix->cap = cap;
	}
	ix->blobs[ix->n] = *loc;
	j = h64(loc->id) & (ix->nslots - 1);
	while (ix->slots[j])
		j = (j + 1) & (ix->nslots - 1);
	ix->slots[j] = (uint32_t) ++ix->n;
	return 0;
}

uint32_t
lb_fscopy__index_pack(fc_index *ix, const uint8_t id[FC_ID_LEN])
{
	size_t j, i;

	if ((ix->npacks + 1) * 2 > ix->npack_slots) {
		size_t ns = ix->npack_slots ? ix->npack_slots * 2 : 256;
		uint32_t *s = calloc(ns, sizeof(uint32_t));
		if (!s)
			return UINT32_MAX;
		for (i = 0; i < ix->npacks; i++) {
			j = h64(ix->packs + 32 * i) & (ns - 1);
			while (s[j])
				j = (j + 1) & (ns - 1);
			s[j] = (uint32_t) i + 1;
		}
		free(ix->pack_slots);
		ix->pack_slots = s;
		ix->npack_slots = ns;
	}
	j = h64(id) & (ix->npack_slots - 1);
	while (ix->pack_slots[j]) {
		if (memcmp(ix->packs + 32 * (ix->pack_slots[j] - 1), id, 32) == 0)
			return ix->pack_slots[j] - 1;
		j = (j + 1) & (ix->npack_slots - 1);
	}
	if (ix->npacks == ix->packs_cap) {
		uint32_t cap = ix->packs_cap ? ix->packs_cap * 2 : 256;
		uint8_t *p = realloc(ix->packs, (size_t) cap * 32);
		if (!p)
			return UINT32_MAX;
		ix->packs = p;
		ix->packs_cap = cap;
	}
	memcpy(ix->packs + 32 * ix->npacks, id, 32);
	ix->pack_slots[j] = ++ix->npacks;
	return ix->npacks - 1;
}

const uint8_t *
lb_fscopy__index_pack_id(fc_index *ix, uint32_t pack)
{
	return ix->packs + 32 * (size_t) pack;
}

uint32_t
lb_fscopy__index_npacks(fc_index *ix)
{
	return ix->npacks;
}

size_t
lb_fscopy__index_count(fc_index *ix)
{
	return ix->n;
}

const fc_blob_loc *
lb_fscopy__index_at(fc_index *ix, size_t i)
{
	return &ix->blobs[i];
}

static int
parse_index(lb_fscopy_repo *r, const char *name, const fc_buf *js)
{
	cJSON *j = cJSON_ParseWithLength((const char *) js->data, js->len), *packs, *p, *b;
	int rc = 0;

	packs = cJSON_GetObjectItem(j, "packs");
	if (!j || !(cJSON_IsArray(packs) || cJSON_IsNull(packs))) {
		rc = lb_fscopy__err(LB_ECORRUPT, "index/%s is not a valid index file", name);
		goto done;
	}
	cJSON_ArrayForEach(p, packs)
	{
		uint8_t pid[32];
		uint32_t pn;
		rc = lb_fscopy__unhex(cJSON_GetStringValue(cJSON_GetObjectItem(p, "id")), pid, 32);
		if (rc < 0)
			goto done;
		pn = lb_fscopy__index_pack(r->index, pid);
		if (pn == UINT32_MAX) {
			rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
			goto done;
		}
		cJSON_ArrayForEach(b, cJSON_GetObjectItem(p, "blobs"))
		{
			fc_blob_loc loc = {0};
			const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(b, "type"));
			rc = lb_fscopy__unhex(cJSON_GetStringValue(cJSON_GetObjectItem(b, "id")),
			                      loc.id, 32);
			if (rc < 0)
				goto done;
			loc.pack = pn;
			loc.offset = (uint32_t) cJSON_GetNumberValue(cJSON_GetObjectItem(b, "offset"));
			loc.length = (uint32_t) cJSON_GetNumberValue(cJSON_GetObjectItem(b, "length"));
			if (cJSON_GetObjectItem(b, "uncompressed_length"))
				loc.raw_len = (uint32_t) cJSON_GetNumberValue(
					cJSON_GetObjectItem(b, "uncompressed_length"));
			loc.type = t && strcmp(t, "tree") == 0;
			rc = lb_fscopy__index_add(r->index, &loc);
			if (rc < 0)
				goto done;
		}
	}
done:
	cJSON_Delete(j);
	return rc;
}

typedef struct load_ctx {
	lb_fscopy_repo *r;
	int (*cb)(void *, const char *);
	void *ctx;
} load_ctx;

static int
load_one(void *p, const char *key)
{
	load_ctx *c = p;
	const char *base = strrchr(key, '/');
	fc_buf js = {0};
	char k[128];
	int rc;

	base = base ? base + 1 : key;
	snprintf(k, sizeof(k), "index/%s", base);
	rc = lb_fscopy__load_unpacked(c->r, k, &js);
	if (rc == 0)
		rc = parse_index(c->r, base, &js);
	if (rc == 0 && c->cb)
		rc = c->cb(c->ctx, base);
	lb_fscopy__buf_free(&js);
	return rc;
}

int
lb_fscopy__index_load(lb_fscopy_repo *r, int (*cb)(void *, const char *), void *ctx)
{
	load_ctx c = {r, cb, ctx};

	return r->be->list(r->be, "index", load_one, &c);
}

int
lb_fscopy__index_write(lb_fscopy_repo *r, const uint32_t *packs, size_t npacks,
                       char **supersedes, size_t nsup, char id_out[65])
{
	fc_index *ix = r->index;
	fc_buf js = {0};
	char hex[65];
	size_t i, k;
	int rc, first;
	uint8_t *want = calloc(ix->npacks + 1, 1);
	fc_blob_loc **by_pack = NULL;
	size_t *cnt = NULL, *pos = NULL;

	if (!want)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	for (i = 0; i < npacks; i++)
		want[packs[i]] = 1;
	/* bucket blobs by pack */
	cnt = calloc(ix->npacks + 1, sizeof(size_t));
	pos = calloc(ix->npacks + 1, sizeof(size_t));
	by_pack = malloc((ix->n + 1) * sizeof(*by_pack));
	if (!cnt || !pos || !by_pack) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < ix->n; i++)
		if (want[ix->blobs[i].pack])
			cnt[ix->blobs[i].pack]++;
	for (i = 1; i <= ix->npacks; i++)
		pos[i] = pos[i - 1] + cnt[i - 1];
	for (i = 0; i < ix->n; i++)
		if (want[ix->blobs[i].pack])
			by_pack[pos[ix->blobs[i].pack]++] = &ix->blobs[i];
	rc = lb_fscopy__buf_puts(&js, "{");
	if (!rc && nsup) {
		rc = lb_fscopy__buf_puts(&js, "\"supersedes\":[");
		for (i = 0; !rc && i < nsup; i++)
			rc = lb_fscopy__buf_printf(&js, "%s\"%s\"", i ? "," : "", supersedes[i]);
		rc = rc ? rc : lb_fscopy__buf_puts(&js, "],");
	}
	rc = rc ? rc : lb_fscopy__buf_puts(&js, "\"packs\":[");
	first = 1;
	k = 0;
	for (i = 0; !rc && i < ix->npacks; i++) {
		size_t start = k, b;
		if (!want[i])
			continue;
		k += cnt[i];
		lb_fscopy__hex(ix->packs + 32 * i, 32, hex);
		rc = lb_fscopy__buf_printf(&js, "%s{\"id\":\"%s\",\"blobs\":[", first ? "" : ",",
		                           hex);
		first = 0;
		for (b = start; !rc && b < k; b++) {
			const fc_blob_loc *l = by_pack[b];
			lb_fscopy__hex(l->id, 32, hex);
			rc = lb_fscopy__buf_printf(&js,
			                           "%s{\"id\":\"%s\",\"type\":\"%s\",\"offset\":%u,"
			                           "\"length\":%u",
			                           b > start ? "," : "", hex,
			                           l->type ? "tree" : "data", l->offset, l->length);
			if (!rc && l->raw_len)
				rc = lb_fscopy__buf_printf(&js, ",\"uncompressed_length\":%u",
				                           l->raw_len);
			rc = rc ? rc : lb_fscopy__buf_puts(&js, "}");
		}
		rc = rc ? rc : lb_fscopy__buf_puts(&js, "]}");
	}
	rc = rc ? rc : lb_fscopy__buf_puts(&js, "]}");
	if (rc == 0)
		rc = lb_fscopy__save_unpacked(r, "index", js.data, js.len, id_out);
done:
	free(want);
	free(cnt);
	free(pos);
	free(by_pack);
	lb_fscopy__buf_free(&js);
	return rc;
}
