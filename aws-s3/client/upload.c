/*
 * PUT from a file descriptor: one PUT when the body fits in one part, else a multipart upload
 * whose parts are read by the calling thread into a fixed ring of buffers and sent by worker
 * threads. Memory is parallel_parts x part_size whatever the object size. On failure or
 * cancel the upload is aborted so that no parts stay behind on the server.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "s3_internal.h"

typedef struct part_slot {
	unsigned char *buf;
	size_t cap, len;
	int number;
	int state; /* 0 free, 1 queued, 2 uploading */
} part_slot;

typedef struct mpu {
	lb_s3_client *c;
	const char *bucket, *key, *upload_id;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	part_slot *slots;
	int nslots;
	char **etags; /* by part number - 1 */
	int max_part;
	int error;
	char msg[1024];
	volatile int abort;
	int quit;
	int64_t bytes_done;
} mpu;

static ssize_t
read_full(int fd, unsigned char *buf, size_t want)
{
	size_t got = 0;
	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t) n;
	}
	return (ssize_t) got;
}

static void
add_sse(lb_s3_client *c, lb_s3_req *r)
{
	if (c->o.sse) {
		r->headers[r->nheaders++] = (lb_s3_kvp){"x-amz-server-side-encryption", c->o.sse};
		if (c->o.kms_key_id)
			r->headers[r->nheaders++] = (lb_s3_kvp){
			    "x-amz-server-side-encryption-aws-kms-key-id", c->o.kms_key_id};
	}
}

int
lb_s3__put_single(lb_s3_client *c,
                  lb_s3_op *op,
                  const char *bucket,
                  const char *key,
                  const unsigned char *data,
                  size_t len)
{
	lb_s3_req r;
	char what[600];
	int error;
	static const unsigned char empty[1];
	snprintf(what, sizeof(what), "PUT s3://%s/%s", bucket, key);
	lb_s3_req_init(&r, "PUT", bucket, key);
	r.body = data ? data : empty;
	r.body_len = len;
	add_sse(c, &r);
	error = lb_s3_exec(c, NULL, &r, op, what);
	lb_s3_req_reset(&r);
	return error;
}

static void
set_error(mpu *m, int code, const char *msg)
{
	pthread_mutex_lock(&m->mu);
	if (m->error == 0) {
		m->error = code;
		snprintf(m->msg, sizeof(m->msg), "%s", msg);
	}
	m->abort = 1;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

static void *
worker(void *arg)
{
	mpu *m = arg;
	CURL *h = lb_s3_curl_new(m->c);
	pthread_mutex_lock(&m->mu);
	for (;;) {
		part_slot *s = NULL;
		for (int i = 0; i < m->nslots; i++)
			if (m->slots[i].state == 1) {
				s = &m->slots[i];
				break;
			}
		if (s == NULL) {
			if (m->quit)
				break;
			pthread_cond_wait(&m->cv, &m->mu);
			continue;
		}
		s->state = 2;
		pthread_mutex_unlock(&m->mu);

		lb_s3_op wop = {0};
		lb_s3_req r;
		char what[600], num[16];
		int error;
		snprintf(num, sizeof(num), "%d", s->number);
		snprintf(what, sizeof(what), "PUT s3://%s/%s part %d", m->bucket, m->key,
		         s->number);
		lb_s3_req_init(&r, "PUT", m->bucket, m->key);
		r.query[r.nquery++] = (lb_s3_kvp){"partNumber", num};
		r.query[r.nquery++] = (lb_s3_kvp){"uploadId", m->upload_id};
		r.body = s->buf;
		r.body_len = s->len;
		r.abort_flag = &m->abort;
		if (m->abort)
			error = LB_ECANCELED;
		else if (h == NULL)
			error = lb_psup_fail(&wop, LB_ENOMEM, "cannot create a curl handle");
		else
			error = lb_s3_exec(m->c, h, &r, &wop, what);
		if (error == 0 && r.etag[0] == '\0')
			error = lb_psup_fail(&wop, LB_EPROTO, "%s: the server sent no ETag", what);
		char *etag = error == 0 ? strdup(r.etag) : NULL;
		if (error == 0 && etag == NULL)
			error = lb_psup_fail(&wop, LB_ENOMEM, "out of memory");
		lb_s3_req_reset(&r);
		if (error < 0 && error != LB_ECANCELED)
			set_error(m, error, wop.msg);

		pthread_mutex_lock(&m->mu);
		if (error == 0) {
			m->etags[s->number - 1] = etag;
			m->bytes_done += (int64_t) s->len;
		}
		s->state = 0;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	if (h)
		curl_easy_cleanup(h);
	return NULL;
}

/* Wait (lock held) until @p done(m) or an error; polls cancel and reports progress. */
static void
wait_for(mpu *m, lb_s3_op *op, int64_t total, int (*done)(mpu *))
{
	while (!done(m)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&m->cv, &m->mu, &ts);
		int64_t bytes = m->bytes_done;
		pthread_mutex_unlock(&m->mu);
		int stop = op && op->cancelled && op->cancelled(op->ud);
		if (!stop && op && op->progress && op->progress(op->ud, bytes, total) < 0)
			stop = 1;
		pthread_mutex_lock(&m->mu);
		if (stop && m->error == 0) {
			m->error = LB_ECANCELED;
			snprintf(m->msg, sizeof(m->msg), "PUT s3://%s/%s: canceled", m->bucket,
			         m->key);
			m->abort = 1;
			pthread_cond_broadcast(&m->cv);
		}
	}
}

static int
have_free_slot(mpu *m)
{
	if (m->error)
		return 1;
	for (int i = 0; i < m->nslots; i++)
		if (m->slots[i].state == 0)
			return 1;
	return 0;
}

static int
all_idle(mpu *m)
{
	for (int i = 0; i < m->nslots; i++)
		if (m->slots[i].state != 0)
			return 0;
	return 1;
}

static int64_t
part_size_for(int64_t base, int number)
{
	int64_t s = base << ((number - 1) / 2000);
	return s > LB_S3_MAX_PART_SIZE ? LB_S3_MAX_PART_SIZE : s;
}

static int
initiate(lb_s3_client *c, lb_s3_op *op, const char *bucket, const char *key, char **id_out)
{
	lb_s3_req r;
	char what[600];
	int error;
	snprintf(what, sizeof(what), "CreateMultipartUpload s3://%s/%s", bucket, key);
	lb_s3_req_init(&r, "POST", bucket, key);
	r.query[r.nquery++] = (lb_s3_kvp){"uploads", ""};
	add_sse(c, &r);
	if ((error = lb_s3_exec(c, NULL, &r, op, what)) == 0) {
		*id_out = lb_s3_xml_text(r.resp, r.resp_len, "UploadId");
		if (*id_out == NULL || **id_out == '\0') {
			free(*id_out);
			*id_out = NULL;
			error =
			    lb_psup_fail(op, LB_EPROTO, "%s: the answer holds no UploadId", what);
		}
	}
	lb_s3_req_reset(&r);
	return error;
}

static int
complete(mpu *m, lb_s3_op *op, int nparts)
{
	size_t cap = 128 + (size_t) nparts * 256, n = 0;
	char *body = malloc(cap), what[600];
	int error = 0;
	if (body == NULL)
		return lb_psup_fail(op, LB_ENOMEM, "out of memory");
	n += (size_t) snprintf(body + n, cap - n, "<CompleteMultipartUpload>");
	for (int i = 0; i < nparts; i++) {
		char *e = lb_s3_xml_escape(m->etags[i]);
		if (e == NULL || strlen(e) > 180) {
			free(e);
			free(body);
			return lb_psup_fail(op, LB_EPROTO, "part %d has an unusable ETag", i + 1);
		}
		n += (size_t) snprintf(body + n, cap - n,
		                       "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
		                       i + 1, e);
		free(e);
	}
	n += (size_t) snprintf(body + n, cap - n, "</CompleteMultipartUpload>");
	snprintf(what, sizeof(what), "CompleteMultipartUpload s3://%s/%s", m->bucket, m->key);
	/* a 200 answer may still carry an <Error> (S3 reports late failures that way) */
	for (int attempt = 0; attempt <= m->c->o.max_retries; attempt++) {
		lb_s3_req r;
		lb_s3_req_init(&r, "POST", m->bucket, m->key);
		r.query[r.nquery++] = (lb_s3_kvp){"uploadId", m->upload_id};
		r.body = (const unsigned char *) body;
		r.body_len = n;
		error = lb_s3_exec(m->c, NULL, &r, op, what);
		char *code = NULL;
		if (error == 0 && r.resp && strstr(r.resp, "<Error>") != NULL) {
			code = lb_s3_xml_text(r.resp, r.resp_len, "Code");
			error = lb_psup_fail(op, LB_EIO, "%s: %s answered 200 with error %s", what,
			                     m->c->endpoint_display, code ? code : "(no code)");
		}
		int again = code && lb_s3_retry_classify(0, 500, code) == LB_S3_RETRY;
		free(code);
		lb_s3_req_reset(&r);
		if (!again)
			break;
	}
	free(body);
	return error;
}

static void
abort_upload(mpu *m, lb_s3_op *op)
{
	/* not cancellable: a canceled call must still clean up its parts */
	lb_s3_op aop = {0};
	lb_s3_req r;
	char what[600];
	aop.log = op ? op->log : NULL;
	aop.ud = op ? op->ud : NULL;
	snprintf(what, sizeof(what), "AbortMultipartUpload s3://%s/%s", m->bucket, m->key);
	lb_s3_req_init(&r, "DELETE", m->bucket, m->key);
	r.query[r.nquery++] = (lb_s3_kvp){"uploadId", m->upload_id};
	/* a longer budget than other calls (about a minute): cheap, and it decides whether
	 * parts stay behind on the server, e.g. across a short server restart */
	r.max_retries = m->c->o.max_retries > 10 ? m->c->o.max_retries : 10;
	int error = lb_s3_exec(m->c, NULL, &r, &aop, what);
	lb_s3_req_reset(&r);
	if (error < 0 && error != LB_ENOTFOUND) {
		size_t l = strlen(op->msg);
		snprintf(
		    op->msg + l, sizeof(op->msg) - l,
		    "; the unfinished multipart upload could not be aborted (%s): remove it "
		    "with: aws s3api abort-multipart-upload --bucket %s --key %s --upload-id %s",
		    aop.msg, m->bucket, m->key, m->upload_id);
	} else {
		lb_psup_logf(op, LB_LOG_INFO, "aborted multipart upload of s3://%s/%s", m->bucket,
		             m->key);
	}
}

static int
put_multipart(lb_s3_client *c,
              lb_s3_op *op,
              const char *bucket,
              const char *key,
              int fd,
              int64_t size,
              int64_t part_size,
              unsigned char *first,
              size_t first_len,
              unsigned char carry)
{
	mpu m = {0};
	pthread_t *th = NULL;
	int nthreads = 0, error = 0, part = 1, has_carry = 1;
	char *upload_id = NULL;
	int max_parts = LB_S3_MAX_PARTS;

	if ((error = initiate(c, op, bucket, key, &upload_id)) < 0) {
		free(first);
		return error;
	}
	m.c = c;
	m.bucket = bucket;
	m.key = key;
	m.upload_id = upload_id;
	m.nslots = c->o.parallel_parts + 1; /* one being filled while the others upload */
	pthread_mutex_init(&m.mu, NULL);
	pthread_cond_init(&m.cv, NULL);
	m.slots = calloc((size_t) m.nslots, sizeof(*m.slots));
	m.etags = calloc((size_t) max_parts, sizeof(char *));
	th = calloc((size_t) c->o.parallel_parts, sizeof(*th));
	if (m.slots == NULL || m.etags == NULL || th == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		free(first);
		goto abort;
	}
	m.slots[0].buf = first; /* part 1 was read by the caller */
	m.slots[0].cap = first_len + 1;
	m.slots[0].len = first_len;
	m.slots[0].number = 1;
	m.slots[0].state = 1;
	part = 2;
	for (int i = 0; i < c->o.parallel_parts; i++) {
		if (pthread_create(&th[i], NULL, worker, &m) != 0) {
			error = lb_psup_fail(op, LB_ENOMEM, "cannot start upload threads");
			goto abort;
		}
		nthreads++;
	}

	pthread_mutex_lock(&m.mu);
	for (int eof = 0; !eof;) {
		wait_for(&m, op, size, have_free_slot);
		if (m.error)
			break;
		part_slot *s = NULL;
		for (int i = 0; i < m.nslots; i++)
			if (m.slots[i].state == 0) {
				s = &m.slots[i];
				break;
			}
		pthread_mutex_unlock(&m.mu);
		int64_t want = size >= 0 ? part_size : part_size_for(part_size, part);
		if (part > max_parts) {
			set_error(&m, LB_EINVAL, "object is larger than 10,000 parts allow");
			pthread_mutex_lock(&m.mu);
			break;
		}
		if (s->cap < (size_t) want) {
			free(s->buf);
			s->cap = 0;
			if ((s->buf = malloc((size_t) want)) == NULL) {
				set_error(&m, LB_ENOMEM, "out of memory for an upload part");
				pthread_mutex_lock(&m.mu);
				break;
			}
			s->cap = (size_t) want;
		}
		size_t off = 0;
		if (has_carry) {
			s->buf[0] = carry;
			off = 1;
			has_carry = 0;
		}
		ssize_t n = read_full(fd, s->buf + off, (size_t) want - off);
		if (n < 0) {
			char msg[300];
			snprintf(msg, sizeof(msg), "PUT s3://%s/%s: reading the input failed: %s",
			         bucket, key, strerror(errno));
			set_error(&m, LB_EIO, msg);
			pthread_mutex_lock(&m.mu);
			break;
		}
		size_t len = off + (size_t) n;
		pthread_mutex_lock(&m.mu);
		if (len < (size_t) want)
			eof = 1;
		if (len == 0)
			break;
		s->len = len;
		s->number = part++;
		s->state = 1;
		if (s->number > m.max_part)
			m.max_part = s->number;
		pthread_cond_broadcast(&m.cv);
	}
	m.max_part = part - 1;
	m.quit = 1;
	pthread_cond_broadcast(&m.cv);
	wait_for(&m, op, size, all_idle);
	pthread_mutex_unlock(&m.mu);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	nthreads = 0;
	if (m.error) {
		error = lb_psup_fail(op, m.error, "%s", m.msg);
		goto abort;
	}
	for (int i = 0; i < m.max_part; i++)
		if (m.etags[i] == NULL) {
			error = lb_psup_fail(op, LB_EIO, "PUT s3://%s/%s: part %d was not uploaded",
			                     bucket, key, i + 1);
			goto abort;
		}
	if ((error = complete(&m, op, m.max_part)) < 0)
		goto abort;
	if (op && op->progress)
		op->progress(op->ud, m.bytes_done, m.bytes_done);
	goto done;
abort:
	if (nthreads) {
		pthread_mutex_lock(&m.mu);
		m.abort = 1;
		m.quit = 1;
		pthread_cond_broadcast(&m.cv);
		pthread_mutex_unlock(&m.mu);
		for (int i = 0; i < nthreads; i++)
			pthread_join(th[i], NULL);
	}
	abort_upload(&m, op);
done:
	for (int i = 0; m.slots && i < m.nslots; i++)
		free(m.slots[i].buf);
	for (int i = 0; m.etags && i < max_parts; i++)
		free(m.etags[i]);
	free(m.slots);
	free(m.etags);
	free(th);
	free(upload_id);
	pthread_mutex_destroy(&m.mu);
	pthread_cond_destroy(&m.cv);
	return error;
}

int
lb_s3_put(lb_s3_client *c, lb_s3_op *op, const char *bucket, const char *key, int fd, int64_t size)
{
	int64_t part_size = c->o.part_size;
	size_t first_cap;
	unsigned char *first;
	ssize_t n;
	int error;

	if (size >= 0 && (size + part_size - 1) / part_size > LB_S3_MAX_PARTS) {
		part_size = (size + LB_S3_MAX_PARTS - 1) / LB_S3_MAX_PARTS;
		part_size = (part_size + (1 << 20) - 1) & ~((int64_t) (1 << 20) - 1);
	}
	/* read one byte beyond a part: if it is there, the body needs a multipart upload */
	first_cap = (size_t) part_size + 1;
	if (size >= 0 && size < part_size)
		first_cap = (size_t) size + 1;
	if ((first = malloc(first_cap)) == NULL)
		return lb_psup_fail(op, LB_ENOMEM, "out of memory");
	n = read_full(fd, first, first_cap);
	if (n < 0) {
		error = lb_psup_fail(op, LB_EIO, "PUT s3://%s/%s: reading the input failed: %s",
		                     bucket, key, strerror(errno));
		free(first);
		return error;
	}
	if ((size_t) n < first_cap || (size_t) n <= (size_t) part_size) {
		if (size >= 0 && (size_t) n == first_cap && first_cap < (size_t) part_size + 1) {
			/* more bytes than announced: keep reading, the size was only a hint */
			free(first);
			if (lseek(fd, 0, SEEK_CUR) >= (off_t) n &&
			    lseek(fd, -(off_t) n, SEEK_CUR) >= 0)
				return lb_s3_put(c, op, bucket, key, fd, -1);
			return lb_psup_fail(
			    op, LB_EINVAL,
			    "PUT s3://%s/%s: the input holds more than the announced "
			    "%" PRId64 " bytes",
			    bucket, key, size);
		}
		error = lb_s3__put_single(c, op, bucket, key, first, (size_t) n);
		if (error == 0 && op && op->progress)
			op->progress(op->ud, n, n);
		free(first);
		return error;
	}
	/* part 1 = first part_size bytes; the extra byte starts part 2 */
	return put_multipart(c, op, bucket, key, fd, size, part_size, first, (size_t) part_size,
	                     first[part_size]);
}
