/*
 * Uploads. An object that fits in one chunk goes up in one uploadType=media POST; a larger
 * one (or a pipe longer than a chunk) in a resumable session: chunks of chunkSize (a
 * multiple of 256 KiB) PUT with Content-Range, 308 + Range until the last. After a failed
 * chunk the session is asked how much it holds (Content-Range: bytes * / total) and the
 * chunk resumes from there. The input is read once, one chunk (+1 byte of look-ahead, so the
 * last chunk always carries the total) at a time; size -1 (a pipe) works the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "gcs_internal.h"

static int64_t
read_full(int fd, char *buf, int64_t want, int *err)
{
	int64_t got = 0;
	*err = 0;
	while (got < want) {
		ssize_t n = read(fd, buf + got, (size_t) (want - got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

static char *
upload_url(lb_gcs_client *c, const char *bucket, const char *name, const char *type)
{
	char *base = lb_gcs_object_url(c, "/upload/storage/v1", bucket, NULL);
	char *ename = lb_psup_pct_encode(name, 0), *kms = NULL, *url = NULL;
	if (c->o.kms_key_name)
		kms = lb_psup_pct_encode(c->o.kms_key_name, 0);
	if (base && ename && (c->o.kms_key_name == NULL || kms)) {
		size_t n = strlen(base) + strlen(ename) + (kms ? strlen(kms) : 0) + 64;
		if ((url = malloc(n)) != NULL)
			snprintf(url, n, "%s?uploadType=%s&name=%s%s%s", base, type, ename,
			         kms ? "&kmsKeyName=" : "", kms ? kms : "");
	}
	free(base);
	free(ename);
	free(kms);
	return url;
}

static int
put_media(lb_gcs_client *c,
          lb_gcs_op *op,
          const char *bucket,
          const char *name,
          const char *buf,
          int64_t len,
          const char *what)
{
	char *url = upload_url(c, bucket, name, "media");
	lb_gcs_req r;
	int error = 0;
	lb_gcs_req_init(&r, "POST", url, what);
	if (url == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	r.body = buf;
	r.body_len = (size_t) len;
	r.content_type = "application/octet-stream";
	if ((error = lb_gcs_http(c, op, &r)) < 0)
		goto done;
	if (r.status != 200 && r.status != 201)
		error = lb_gcs_http_fail(c, op, &r);
done:
	lb_gcs_req_free(&r);
	free(url);
	return error;
}

static int
start_session(lb_gcs_client *c,
              lb_gcs_op *op,
              const char *bucket,
              const char *name,
              const char *what,
              char **session_out)
{
	char *url = upload_url(c, bucket, name, "resumable"), *body = NULL;
	cJSON *meta = cJSON_CreateObject();
	lb_gcs_req r;
	int error = 0;
	lb_gcs_req_init(&r, "POST", url, what);
	if (url == NULL || meta == NULL || cJSON_AddStringToObject(meta, "name", name) == NULL ||
	    (c->o.kms_key_name &&
	     cJSON_AddStringToObject(meta, "kmsKeyName", c->o.kms_key_name) == NULL) ||
	    (body = cJSON_PrintUnformatted(meta)) == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	r.body = body;
	r.body_len = strlen(body);
	r.content_type = "application/json; charset=UTF-8";
	if ((error = lb_gcs_http(c, op, &r)) < 0)
		goto done;
	if (r.status != 200 && r.status != 201) {
		error = lb_gcs_http_fail(c, op, &r);
		goto done;
	}
	if (r.location[0] == '\0') {
		error = lb_psup_fail(op, LB_EPROTO,
		                     "%s: the resumable upload was started but the answer has no "
		                     "Location header",
		                     what);
		goto done;
	}
	if ((*session_out = strdup(r.location)) == NULL)
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
done:
	cJSON_Delete(meta);
	free(body);
	lb_gcs_req_free(&r);
	free(url);
	return error;
}

/* Bytes the session holds, from a 308's "Range: bytes=0-N" (none: 0). */
static int64_t
persisted(const lb_gcs_req *r)
{
	const char *dash = strchr(r->range_hdr, '-');
	return dash ? strtoll(dash + 1, NULL, 10) + 1 : 0;
}

static int
put_chunk(lb_gcs_client *c,
          lb_gcs_op *op,
          const char *session,
          const char *buf,
          int64_t len,
          int64_t offset,
          int64_t total,
          const char *what)
{
	char cr[96], tot[32];
	lb_gcs_req r;
	int64_t pos = 0;
	int error = 0, attempt = 0;
	if (total >= 0)
		snprintf(tot, sizeof(tot), "%" PRId64, total);
	else
		strcpy(tot, "*");
	lb_gcs_req_init(&r, "PUT", session, what);
	for (;;) {
		int failed;
		snprintf(cr, sizeof(cr), "bytes %" PRId64 "-%" PRId64 "/%s", offset + pos,
		         offset + len - 1, tot);
		r.content_range = cr;
		r.body = buf + pos;
		r.body_len = (size_t) (len - pos);
		r.retry = 0;
		if ((error = lb_gcs_http(c, op, &r)) < 0 && error == LB_ECANCELED)
			goto done;
		if (error < 0 && error != LB_EAGAIN)
			goto done; /* auth, our own I/O: another try would fail the same way */
		failed = error < 0 || lb_gcs_retryable(r.curl_code, r.status);
		if (!failed) {
			if (r.status == 200 || r.status == 201) {
				if (total >= 0 && offset + len == total)
					goto done;
				error = lb_psup_fail(op, LB_EPROTO,
				                     "%s: the session finished after %" PRId64
				                     " bytes, before the last chunk",
				                     what, offset + len);
				goto done;
			}
			if (r.status == 308) {
				int64_t have = persisted(&r);
				if (have == offset + len)
					goto done;
				if (have < offset || have > offset + len) {
					error =
					    lb_psup_fail(op, LB_EPROTO,
					                 "%s: the session holds %" PRId64
					                 " bytes after a chunk ending at %" PRId64,
					                 what, have, offset + len);
					goto done;
				}
				pos = have - offset; /* partly taken: send the rest */
				if (++attempt > c->o.max_retries + 1) {
					error = lb_psup_fail(
					    op, LB_EIO,
					    "%s: the session keeps taking part of a chunk", what);
					goto done;
				}
				continue;
			}
			error = lb_gcs_http_fail(c, op, &r);
			goto done;
		}
		if (attempt >= c->o.max_retries) {
			if (error == 0)
				error = lb_gcs_http_fail(c, op, &r);
			goto done;
		}
		int64_t ms = lb_psup_backoff_ms(attempt, c->o.retry_base_ms, c->o.retry_cap_ms,
		                                lb_psup_jitter());
		lb_psup_logf(op, LB_LOG_WARN,
		             "%s: chunk at %" PRId64 " failed (%s); retry %d of %d in %" PRId64
		             " ms",
		             what, offset, error < 0 ? op->msg : "HTTP 5xx/429", attempt + 1,
		             c->o.max_retries, ms);
		attempt++;
		if ((error = lb_gcs_sleep(op, ms)) < 0)
			goto done;
		/* Ask the session how much it holds before sending again. */
		snprintf(cr, sizeof(cr), "bytes */%s", tot);
		r.content_range = cr;
		r.body = NULL;
		r.body_len = 0;
		r.retry = 1;
		if ((error = lb_gcs_http(c, op, &r)) < 0)
			goto done;
		if (r.status == 200 || r.status == 201) {
			if (total >= 0 && offset + len == total)
				goto done;
			error = lb_psup_fail(op, LB_EPROTO, "%s: the session finished early", what);
			goto done;
		}
		if (r.status != 308) {
			error = lb_gcs_http_fail(c, op, &r);
			goto done;
		}
		int64_t have = persisted(&r);
		if (have < offset || have > offset + len) {
			error = lb_psup_fail(op, LB_EPROTO,
			                     "%s: the session holds %" PRId64
			                     " bytes, outside the chunk %" PRId64 "..%" PRId64,
			                     what, have, offset, offset + len);
			goto done;
		}
		if (have == offset + len && !(total >= 0 && offset + len == total))
			goto done;
		pos = have - offset;
	}
done:
	lb_gcs_req_free(&r);
	return error;
}

static void
cancel_session(lb_gcs_client *c, const char *session)
{
	lb_gcs_op quiet = {0};
	lb_gcs_req r;
	lb_gcs_req_init(&r, "DELETE", session, "cancel upload session");
	r.retry = 0;
	(void) lb_gcs_http(c, &quiet, &r);
	lb_gcs_req_free(&r);
}

int
lb_gcs_put(
    lb_gcs_client *c, lb_gcs_op *op, const char *bucket, const char *name, int fd, int64_t size)
{
	int64_t chunk = c->o.chunk_size, have, offset = 0;
	char what[1200], *buf = malloc((size_t) chunk + 1), *session = NULL;
	int error = 0, rerr;
	snprintf(what, sizeof(what), "upload gs://%s/%s", bucket, name);
	if (buf == NULL)
		return lb_psup_fail(op, LB_ENOMEM, "%s: no memory for a %" PRId64 "-byte chunk",
		                    what, chunk);
	if ((have = read_full(fd, buf, chunk + 1, &rerr)) < 0) {
		error = lb_psup_fail(op, LB_EIO, "%s: reading the input failed: %s", what,
		                     strerror(rerr));
		goto done;
	}
	if (have <= chunk) {
		if (size >= 0 && have != size) {
			error = lb_psup_fail(op, LB_EIO,
			                     "%s: the input had %" PRId64 " bytes, not the %" PRId64
			                     " announced",
			                     what, have, size);
			goto done;
		}
		if ((error = put_media(c, op, bucket, name, buf, have, what)) < 0)
			goto done;
		if (op->progress)
			op->progress(op->ud, have, have);
		goto done;
	}
	if ((error = start_session(c, op, bucket, name, what, &session)) < 0)
		goto done;
	for (;;) {
		int final = have <= chunk;
		int64_t len = final ? have : chunk;
		int64_t total = final ? offset + len : (size >= 0 ? size : -1);
		if (final && size >= 0 && total != size) {
			error = lb_psup_fail(op, LB_EIO,
			                     "%s: the input had %" PRId64 " bytes, not the %" PRId64
			                     " announced",
			                     what, total, size);
			goto done;
		}
		if (!final && size >= 0 && offset + len >= size) {
			error = lb_psup_fail(op, LB_EIO,
			                     "%s: the input is longer than the %" PRId64
			                     " bytes announced",
			                     what, size);
			goto done;
		}
		if ((error = put_chunk(c, op, session, buf, len, offset, total, what)) < 0)
			goto done;
		offset += len;
		if (op->progress && op->progress(op->ud, offset, size) < 0) {
			error = lb_psup_fail(op, LB_ECANCELED, "%s was canceled", what);
			goto done;
		}
		if (final)
			break;
		buf[0] = buf[chunk];
		int64_t more = read_full(fd, buf + 1, chunk, &rerr);
		if (more < 0) {
			error = lb_psup_fail(op, LB_EIO, "%s: reading the input failed: %s", what,
			                     strerror(rerr));
			goto done;
		}
		have = 1 + more;
	}
done:
	if (error < 0 && session)
		cancel_session(c, session);
	free(session);
	free(buf);
	return error;
}
