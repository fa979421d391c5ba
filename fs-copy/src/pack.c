/* Pack files: blobs || encrypted header || u32 LE header length. Reading side. */
#include "fc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
lb_fscopy__pack_key(const uint8_t id[FC_ID_LEN], char *out)
{
	char hex[65];

	lb_fscopy__hex(id, 32, hex);
	snprintf(out, 80, "data/%.2s/%s", hex, hex);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
	       (uint32_t) p[3] << 24;
}

int
lb_fscopy__pack_header(lb_fscopy_repo *r, const uint8_t *tail, size_t tail_len,
                       uint64_t pack_size, fc_pack_entry **out, size_t *n_out)
{
	uint32_t hl;
	uint8_t *plain = NULL;
	fc_pack_entry *e = NULL;
	size_t n = 0, cap = 0, i;
	uint64_t off = 0;
	int rc;

	if (tail_len < 4)
		return lb_fscopy__err(LB_ECORRUPT, "pack too short for a header");
	hl = le32(tail + tail_len - 4);
	if (hl + 4ull > tail_len || hl + 4ull > pack_size || hl < FC_CRYPTO_OVERHEAD)
		return lb_fscopy__err(LB_ECORRUPT, "pack header length %u is invalid (pack size "
		                                   "%llu)",
		                      hl, (unsigned long long) pack_size);
	plain = malloc(hl);
	if (!plain)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	rc = lb_fscopy__open(&r->master, tail + tail_len - 4 - hl, hl, plain);
	if (rc < 0)
		goto done;
	hl -= FC_CRYPTO_OVERHEAD;
	for (i = 0; i < hl;) {
		uint8_t t = plain[i];
		size_t esz = t >= 2 ? 41 : 37;
		if (t > 3 || i + esz > hl) {
			rc = lb_fscopy__err(LB_ECORRUPT, "pack header entry %zu is malformed", n);
			goto done;
		}
		if (n == cap) {
			fc_pack_entry *ne;
			cap = cap ? cap * 2 : 64;
			ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
				goto done;
			}
			e = ne;
		}
		e[n].type = t & 1;
		e[n].length = le32(plain + i + 1);
		e[n].raw_len = t >= 2 ? le32(plain + i + 5) : 0;
		memcpy(e[n].id, plain + i + esz - 32, 32);
		e[n].offset = (uint32_t) off;
		off += e[n].length;
		n++;
		i += esz;
	}
	if (off + hl + FC_CRYPTO_OVERHEAD + 4 != pack_size) {
		rc = lb_fscopy__err(LB_ECORRUPT, "pack header describes %llu bytes of blobs, the "
		                                 "pack holds %llu",
		                    (unsigned long long) off,
		                    (unsigned long long) (pack_size - hl - FC_CRYPTO_OVERHEAD - 4));
		goto done;
	}
	*out = e;
	*n_out = n;
	e = NULL;
done:
	free(plain);
	free(e);
	return rc;
}

int
lb_fscopy__pack_read_header(lb_fscopy_repo *r, const char *key, fc_pack_entry **out,
                            size_t *n_out)
{
	fc_buf b = {0};
	int rc = lb_fscopy__be_get_buf(r->be, key, &b);

	if (rc == 0)
		rc = lb_fscopy__pack_header(r, b.data, b.len, b.len, out, n_out);
	if (rc < 0)
		rc = lb_fscopy__err(rc, "%s: %s", key, lb_fscopy_errmsg());
	lb_fscopy__buf_free(&b);
	return rc;
}

/* Per-thread scratch buffers of blob_decode and blob_load_ix, released by
 * lb_fscopy__thread_done() when a worker thread ends. */
static _Thread_local fc_buf decode_tmp;
static _Thread_local fc_buf load_enc;

void
lb_fscopy__pack_thread_done(void)
{
	lb_fscopy__buf_free(&decode_tmp);
	lb_fscopy__buf_free(&load_enc);
}

int
lb_fscopy__blob_decode(lb_fscopy_repo *r, const uint8_t *enc, size_t len, uint32_t raw_len,
                       const uint8_t id[FC_ID_LEN], fc_buf *out)
{
	uint8_t got[32];
	char hex[65];
	int rc;

	out->len = 0;
	if (len < FC_CRYPTO_OVERHEAD)
		return lb_fscopy__err(LB_ECORRUPT, "blob too short");
	if (raw_len) {
		decode_tmp.len = 0;
		rc = lb_fscopy__buf_reserve(&decode_tmp, len);
		if (rc < 0)
			return rc;
		rc = lb_fscopy__open(&r->master, enc, len, decode_tmp.data);
		if (rc < 0)
			goto bad;
		rc = lb_fscopy__zstd_decompress(decode_tmp.data, len - FC_CRYPTO_OVERHEAD, out, raw_len);
		if (rc < 0)
			goto bad;
	} else {
		rc = lb_fscopy__buf_reserve(out, len);
		if (rc < 0)
			return rc;
		rc = lb_fscopy__open(&r->master, enc, len, out->data);
		if (rc < 0)
			goto bad;
		out->len = len - FC_CRYPTO_OVERHEAD;
	}
	lb_fscopy__sha256(out->data, out->len, got);
	if (memcmp(got, id, 32) != 0) {
		lb_fscopy__hex(id, 32, hex);
		return lb_fscopy__err(LB_ECORRUPT, "blob %.16s... does not match its ID", hex);
	}
	return 0;
bad:
	lb_fscopy__hex(id, 32, hex);
	return lb_fscopy__err(rc, "blob %.16s...: %s", hex, lb_fscopy_errmsg());
}

int
lb_fscopy__blob_load(lb_fscopy_repo *r, const uint8_t id[FC_ID_LEN], int type, fc_buf *out)
{
	return lb_fscopy__blob_load_ix(r, r->index, id, type, out);
}

int
lb_fscopy__blob_load_ix(lb_fscopy_repo *r, fc_index *ix, const uint8_t id[FC_ID_LEN], int type,
                        fc_buf *out)
{
	const fc_blob_loc *l = lb_fscopy__index_find(ix, id, type);
	char key[80], hex[65];
	int fd, rc;

	if (!l) {
		lb_fscopy__hex(id, 32, hex);
		return lb_fscopy__err(LB_ENOTFOUND, "%s blob %s is not in the index",
		                      type == 1 ? "tree" : "data", hex);
	}
	lb_fscopy__pack_key(lb_fscopy__index_pack_id(ix, l->pack), key);
	load_enc.len = 0;
	if (r->be->open_read) {
		fd = r->be->open_read(r->be, key);
		if (fd < 0)
			return fd;
		rc = lb_fscopy__buf_reserve(&load_enc, l->length);
		if (rc == 0 && pread(fd, load_enc.data, l->length, l->offset) != (ssize_t) l->length)
			rc = lb_fscopy__err(LB_ECORRUPT, "%s: short read of blob at offset %u", key,
			                    l->offset);
		close(fd);
		if (rc < 0)
			return rc;
	} else {
		/* object store: each pack is downloaded once and kept for the blobs that follow */
		rc = lb_fscopy__pcache_read(r, lb_fscopy__index_pack_id(ix, l->pack), l->offset,
		                            l->length, &load_enc);
		if (rc < 0)
			return rc;
	}
	rc = lb_fscopy__blob_decode(r, load_enc.data, l->length, l->raw_len, id, out);
	if (rc < 0)
		return lb_fscopy__err(rc, "%s: %s", key, lb_fscopy_errmsg());
	return 0;
}
