/* Pack writer: worker threads compress (zstd) and encrypt blobs and append them to the open
 * data or tree pack; a full pack goes to a small queue that one uploader thread drains (pack
 * header, upload, fdatasync in the backend), so no worker waits for the disk. The uploader
 * adds a pack to the in-memory index only once it is durable and writes an index file every
 * few packs, so an interrupted backup loses at most those packs' index entries (and the next
 * run recovers them from the pack headers). Pack buffers are page-aligned so the local
 * backend can write them with direct I/O. */
#include "fc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FC_PACK_TARGET (16u << 20)
#define FC_INDEX_EVERY 8 /* packs per index file while running */
/* a pack never exceeds target + one maximal blob before it is queued; slack for the header */
#define FC_PACK_CAP (FC_PACK_TARGET + FC_CHUNK_MAX + (1u << 20))
/* Blobs waiting for a worker: bounded in bytes; sleeping workers are woken only once a
 * batch has gathered, so small files do not cost a futex wake-up and a context switch each. */
#define FC_QUEUE_JOBS 512
#define FC_QUEUE_BYTES (4u << 20)
#define FC_WAKE_BYTES (256u << 10)
#define FC_WAKE_JOBS 32
#define FC_UPQ 1 /* full packs queued or being uploaded (each ~17-24 MiB resident) */

typedef struct job {
	int type;
	uint8_t id[FC_ID_LEN];
	uint8_t *data;
	size_t len;
} job;

typedef struct open_pack {
	fc_buf buf;
	fc_pack_entry *e;
	size_t n, cap;
} open_pack;

struct fc_packer {
	lb_fscopy_repo *r;
	pthread_mutex_t mu;
	pthread_cond_t cv_job, cv_space, cv_idle;
	job *q;
	size_t qcap, qhead, qlen, qbytes;
	int busy; /* workers processing a job */
	int stop;
	pthread_t *th;
	int nth;
	open_pack open[2];
	fc_index *claimed;
	uint32_t *pending; /* pack numbers not yet in an index file */
	size_t npending, pending_cap;
	int err;
	char errmsg[1024];
	uint64_t added, stored, blobs;
	fc_buf spare[4];
	int nspare;
	open_pack upq[FC_UPQ];
	size_t uphead, uplen;
	int uploading, upstop, have_up;
	pthread_t up;
	pthread_cond_t cv_up, cv_upspace;
};

static void
set_err(fc_packer *p, int rc)
{
	if (!p->err) {
		p->err = rc;
		snprintf(p->errmsg, sizeof(p->errmsg), "%s", lb_fscopy_errmsg());
	}
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
	p[2] = (uint8_t) (v >> 16);
	p[3] = (uint8_t) (v >> 24);
}

/* Only the uploader thread (or finish, once the uploader is idle) changes r->index, so
 * serialising it needs no lock; claim() reads it under the lock. */
static int
write_index(fc_packer *p, uint32_t *packs, size_t n)
{
	char id[65];

	if (!n)
		return 0;
	return lb_fscopy__index_write(p->r, packs, n, NULL, 0, id);
}

static int
get_pack_buf(fc_packer *p, fc_buf *out)
{
	void *m = NULL;

	if (p->nspare) {
		*out = p->spare[--p->nspare];
		return 0;
	}
	if (posix_memalign(&m, FC_DIRECT_ALIGN, FC_PACK_CAP) != 0)
		return lb_fscopy__err(LB_ENOMEM, "out of memory for a pack buffer");
	out->data = m;
	out->len = 0;
	out->cap = FC_PACK_CAP;
	return 0;
}

/* Called without the lock; takes ownership of pk. */
static int
upload_pack(fc_packer *p, open_pack *pk)
{
	fc_buf hdr = {0};
	uint8_t pid[32];
	char key[80];
	uint32_t batch[FC_INDEX_EVERY * 2];
	size_t i, nbatch = 0;
	int rc;

	for (i = 0; i < pk->n; i++) {
		uint8_t e[41];
		size_t n = 0;
		e[n++] = (uint8_t) (pk->e[i].type | (pk->e[i].raw_len ? 2 : 0));
		put_le32(e + n, pk->e[i].length);
		n += 4;
		if (pk->e[i].raw_len) {
			put_le32(e + n, pk->e[i].raw_len);
			n += 4;
		}
		memcpy(e + n, pk->e[i].id, 32);
		n += 32;
		rc = lb_fscopy__buf_put(&hdr, e, n);
		if (rc < 0)
			goto done;
	}
	rc = lb_fscopy__buf_reserve(&pk->buf, hdr.len + FC_CRYPTO_OVERHEAD + 4);
	if (rc < 0)
		goto done;
	rc = lb_fscopy__seal(&p->r->master, hdr.data, hdr.len, pk->buf.data + pk->buf.len);
	if (rc < 0)
		goto done;
	pk->buf.len += hdr.len + FC_CRYPTO_OVERHEAD;
	put_le32(pk->buf.data + pk->buf.len, (uint32_t) (hdr.len + FC_CRYPTO_OVERHEAD));
	pk->buf.len += 4;
	lb_fscopy__sha256(pk->buf.data, pk->buf.len, pid);
	lb_fscopy__pack_key(pid, key);
	rc = lb_fscopy__be_put_buf(p->r->be, key, pk->buf.data, pk->buf.len);
	if (rc < 0)
		goto done;
	pthread_mutex_lock(&p->mu);
	{
		uint32_t pn = lb_fscopy__index_pack(p->r->index, pid);
		for (i = 0; pn != UINT32_MAX && i < pk->n; i++) {
			fc_blob_loc l = {0};
			memcpy(l.id, pk->e[i].id, 32);
			l.pack = pn;
			l.offset = pk->e[i].offset;
			l.length = pk->e[i].length;
			l.raw_len = pk->e[i].raw_len;
			l.type = pk->e[i].type;
			rc = lb_fscopy__index_add(p->r->index, &l);
			if (rc < 0)
				break;
		}
		if (pn == UINT32_MAX)
			rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		if (rc == 0 && p->npending == p->pending_cap) {
			size_t cap = p->pending_cap ? p->pending_cap * 2 : 64;
			uint32_t *np = realloc(p->pending, cap * sizeof(uint32_t));
			if (np) {
				p->pending = np;
				p->pending_cap = cap;
			} else {
				rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
			}
		}
		if (rc == 0) {
			p->pending[p->npending++] = pn;
			p->stored += pk->buf.len;
			if (p->npending >= FC_INDEX_EVERY &&
			    p->npending <= sizeof(batch) / sizeof(batch[0])) {
				nbatch = p->npending;
				memcpy(batch, p->pending, nbatch * sizeof(uint32_t));
				p->npending = 0;
			}
		}
		if (p->nspare < 2 && pk->buf.cap == FC_PACK_CAP) {
			pk->buf.len = 0;
			p->spare[p->nspare++] = pk->buf;
			pk->buf.data = NULL;
		}
	}
	pthread_mutex_unlock(&p->mu);
	if (rc == 0)
		rc = write_index(p, batch, nbatch);
done:
	lb_fscopy__buf_free(&hdr);
	lb_fscopy__buf_free(&pk->buf);
	free(pk->e);
	memset(pk, 0, sizeof(*pk));
	return rc;
}

/* Hand a full pack to the uploader; waits while FC_UPQ packs are queued. */
static int
enqueue_locked(fc_packer *p, open_pack *pk)
{
	while (p->uplen + (size_t) p->uploading >= FC_UPQ && !p->err)
		pthread_cond_wait(&p->cv_upspace, &p->mu);
	if (p->err)
		return lb_fscopy__err(p->err, "%s", p->errmsg);
	p->upq[(p->uphead + p->uplen) % FC_UPQ] = *pk;
	p->uplen++;
	memset(pk, 0, sizeof(*pk));
	pthread_cond_signal(&p->cv_up);
	return 0;
}

static void *
uploader(void *arg)
{
	fc_packer *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		open_pack pk;
		int rc;

		while (!p->uplen && !p->upstop)
			pthread_cond_wait(&p->cv_up, &p->mu);
		if (!p->uplen)
			break;
		pk = p->upq[p->uphead];
		p->uphead = (p->uphead + 1) % FC_UPQ;
		p->uplen--;
		p->uploading = 1;
		pthread_mutex_unlock(&p->mu);
		/* after an error packs are dropped: nothing more may be indexed */
		rc = p->err ? 0 : upload_pack(p, &pk);
		if (p->err) {
			lb_fscopy__buf_free(&pk.buf);
			free(pk.e);
		}
		pthread_mutex_lock(&p->mu);
		if (rc < 0)
			set_err(p, rc);
		p->uploading = 0;
		pthread_cond_broadcast(&p->cv_upspace);
	}
	pthread_mutex_unlock(&p->mu);
	lb_fscopy__thread_done();
	return NULL;
}

static int
process(fc_packer *p, job *j, fc_buf *cbuf, fc_buf *ebuf)
{
	const uint8_t *plain = j->data;
	size_t plen = j->len;
	uint32_t raw_len = 0;
	open_pack *pk;
	int rc;

	if (p->r->version >= 2 && (p->r->compress || j->type == 1)) {
		cbuf->len = 0;
		rc = lb_fscopy__zstd_compress(j->data, j->len, cbuf, p->r->zstd_level);
		if (rc < 0)
			return rc;
		if (cbuf->len < j->len) {
			plain = cbuf->data;
			plen = cbuf->len;
			raw_len = (uint32_t) j->len;
		}
	}
	ebuf->len = 0;
	rc = lb_fscopy__buf_reserve(ebuf, plen + FC_CRYPTO_OVERHEAD);
	if (rc < 0)
		return rc;
	rc = lb_fscopy__seal(&p->r->master, plain, plen, ebuf->data);
	if (rc < 0)
		return rc;
	ebuf->len = plen + FC_CRYPTO_OVERHEAD;

	pthread_mutex_lock(&p->mu);
	pk = &p->open[j->type];
	rc = pk->buf.data ? 0 : get_pack_buf(p, &pk->buf);
	rc = rc ? rc : lb_fscopy__buf_reserve(&pk->buf, ebuf->len);
	if (rc == 0 && pk->n == pk->cap) {
		size_t cap = pk->cap ? pk->cap * 2 : 64;
		fc_pack_entry *ne = realloc(pk->e, cap * sizeof(*ne));
		if (ne) {
			pk->e = ne;
			pk->cap = cap;
		} else {
			rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		}
	}
	if (rc == 0) {
		fc_pack_entry *e = &pk->e[pk->n++];
		memcpy(e->id, j->id, 32);
		e->offset = (uint32_t) pk->buf.len;
		e->length = (uint32_t) ebuf->len;
		e->raw_len = raw_len;
		e->type = (uint8_t) j->type;
		memcpy(pk->buf.data + pk->buf.len, ebuf->data, ebuf->len);
		pk->buf.len += ebuf->len;
		p->added += j->len;
		p->blobs++;
		if (pk->buf.len >= FC_PACK_TARGET)
			rc = enqueue_locked(p, pk);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static void *
worker(void *arg)
{
	fc_packer *p = arg;
	fc_buf cbuf = {0}, ebuf = {0};

	for (;;) {
		job j;
		int rc;

		pthread_mutex_lock(&p->mu);
		while (!p->qlen && !p->stop)
			pthread_cond_wait(&p->cv_job, &p->mu);
		if (!p->qlen && p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		j = p->q[p->qhead];
		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
		p->qbytes -= j.len;
		p->busy++;
		pthread_cond_signal(&p->cv_space);
		pthread_mutex_unlock(&p->mu);

		rc = p->err ? 0 : process(p, &j, &cbuf, &ebuf);
		free(j.data);

		pthread_mutex_lock(&p->mu);
		if (rc < 0)
			set_err(p, rc);
		p->busy--;
		if (!p->busy && !p->qlen)
			pthread_cond_broadcast(&p->cv_idle);
		pthread_mutex_unlock(&p->mu);
	}
	lb_fscopy__buf_free(&cbuf);
	lb_fscopy__buf_free(&ebuf);
	lb_fscopy__thread_done();
	return NULL;
}

fc_packer *
lb_fscopy__packer_new(lb_fscopy_repo *r, int threads)
{
	fc_packer *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		return NULL;
	p->r = r;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv_job, NULL);
	pthread_cond_init(&p->cv_space, NULL);
	pthread_cond_init(&p->cv_idle, NULL);
	pthread_cond_init(&p->cv_up, NULL);
	pthread_cond_init(&p->cv_upspace, NULL);
	p->nth = threads > 0 ? threads : 2;
	p->qcap = FC_QUEUE_JOBS;
	p->q = calloc(p->qcap, sizeof(job));
	p->th = calloc((size_t) p->nth, sizeof(pthread_t));
	p->claimed = lb_fscopy__index_new();
	if (!p->q || !p->th || !p->claimed)
		goto fail;
	if (pthread_create(&p->up, NULL, uploader, p) != 0)
		goto fail;
	p->have_up = 1;
	for (i = 0; i < p->nth; i++) {
		if (pthread_create(&p->th[i], NULL, worker, p) != 0) {
			p->nth = i;
			goto fail;
		}
	}
	return p;
fail:
	lb_fscopy__packer_free(p);
	return NULL;
}

int
lb_fscopy__packer_claim(fc_packer *p, int type, const uint8_t id[FC_ID_LEN])
{
	fc_blob_loc l = {0};
	int have;

	pthread_mutex_lock(&p->mu);
	have = lb_fscopy__index_find(p->r->index, id, type) != NULL ||
	       lb_fscopy__index_find(p->claimed, id, type) != NULL;
	if (!have) {
		memcpy(l.id, id, 32);
		l.type = (uint8_t) type;
		lb_fscopy__index_add(p->claimed, &l);
	}
	pthread_mutex_unlock(&p->mu);
	return have;
}

int
lb_fscopy__packer_has(fc_packer *p, int type, const uint8_t id[FC_ID_LEN])
{
	int have;

	pthread_mutex_lock(&p->mu);
	have = lb_fscopy__index_find(p->r->index, id, type) != NULL;
	pthread_mutex_unlock(&p->mu);
	return have;
}

int
lb_fscopy__packer_add(fc_packer *p, int type, const uint8_t id[FC_ID_LEN], uint8_t *data,
                      size_t len)
{
	int rc;

	pthread_mutex_lock(&p->mu);
	while ((p->qlen == p->qcap || (p->qlen && p->qbytes + len > FC_QUEUE_BYTES)) && !p->err) {
		pthread_cond_broadcast(&p->cv_job);
		pthread_cond_wait(&p->cv_space, &p->mu);
	}
	if (p->err) {
		rc = lb_fscopy__err(p->err, "%s", p->errmsg);
		pthread_mutex_unlock(&p->mu);
		free(data);
		return rc;
	}
	{
		job *j = &p->q[(p->qhead + p->qlen) % p->qcap];
		j->type = type;
		memcpy(j->id, id, 32);
		j->data = data;
		j->len = len;
		p->qlen++;
		p->qbytes += len;
	}
	if (p->qbytes >= FC_WAKE_BYTES || p->qlen >= FC_WAKE_JOBS)
		pthread_cond_signal(&p->cv_job);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

int
lb_fscopy__packer_finish(fc_packer *p)
{
	int rc = 0, t;

	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->cv_job);
	while (p->qlen || p->busy)
		pthread_cond_wait(&p->cv_idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
	if (p->err)
		return lb_fscopy__err(p->err, "%s", p->errmsg);
	pthread_mutex_lock(&p->mu);
	for (t = 0; t < 2 && rc == 0; t++)
		if (p->open[t].n)
			rc = enqueue_locked(p, &p->open[t]);
	while (rc == 0 && (p->uplen || p->uploading) && !p->err)
		pthread_cond_wait(&p->cv_upspace, &p->mu);
	pthread_mutex_unlock(&p->mu);
	if (rc == 0 && p->err)
		rc = lb_fscopy__err(p->err, "%s", p->errmsg);
	if (rc == 0) {
		rc = write_index(p, p->pending, p->npending);
		if (rc == 0)
			p->npending = 0;
	}
	return rc;
}

/* Packs recovered from an interrupted run are indexed again with the next index file. */
int
lb_fscopy__packer_adopt(fc_packer *p, uint32_t pack)
{
	int rc = 0;

	pthread_mutex_lock(&p->mu);
	if (p->npending == p->pending_cap) {
		size_t cap = p->pending_cap ? p->pending_cap * 2 : 64;
		uint32_t *np = realloc(p->pending, cap * sizeof(uint32_t));
		if (!np)
			rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		else {
			p->pending = np;
			p->pending_cap = cap;
		}
	}
	if (rc == 0)
		p->pending[p->npending++] = pack;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void
lb_fscopy__packer_free(fc_packer *p)
{
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv_job);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	if (p->have_up) {
		pthread_mutex_lock(&p->mu);
		p->upstop = 1;
		/* unfinished: drop queued packs, index nothing more */
		if (!p->err)
			p->err = LB_ECANCELED;
		pthread_cond_broadcast(&p->cv_up);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->up, NULL);
	}
	while (p->uplen) {
		lb_fscopy__buf_free(&p->upq[p->uphead].buf);
		free(p->upq[p->uphead].e);
		p->uphead = (p->uphead + 1) % FC_UPQ;
		p->uplen--;
	}
	while (p->qlen) {
		free(p->q[p->qhead].data);
		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
	}
	for (i = 0; i < 2; i++) {
		lb_fscopy__buf_free(&p->open[i].buf);
		free(p->open[i].e);
	}
	for (i = 0; i < p->nspare; i++)
		lb_fscopy__buf_free(&p->spare[i]);
	lb_fscopy__index_free(p->claimed);
	free(p->pending);
	free(p->q);
	free(p->th);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_job);
	pthread_cond_destroy(&p->cv_space);
	pthread_cond_destroy(&p->cv_idle);
	pthread_cond_destroy(&p->cv_up);
	pthread_cond_destroy(&p->cv_upspace);
	free(p);
}

void
lb_fscopy__packer_stats(fc_packer *p, uint64_t *added_bytes, uint64_t *stored_bytes,
                        uint64_t *blobs)
{
	*added_bytes = p->added;
	*stored_bytes = p->stored;
	*blobs = p->blobs;
}
