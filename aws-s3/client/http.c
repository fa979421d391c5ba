/*
 * One signed S3 request over libcurl, with retries: exponential backoff with full jitter on
 * connection errors, 5xx, 429 and throttling codes; GETs resume with a Range request after a
 * broken connection; the final failure becomes one sentence in op->msg.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include "s3_internal.h"

#define RESP_CAP (32 * 1024 * 1024)

void
lb_s3_req_init(lb_s3_req *r, const char *method, const char *bucket, const char *key)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->bucket = bucket;
	r->key = key;
	r->sink_fd = -1;
	r->content_length = -1;
	r->object_size = -1;
}

void
lb_s3_req_reset(lb_s3_req *r)
{
	free(r->resp);
	r->resp = NULL;
	r->resp_len = r->resp_cap = 0;
}

CURL *
lb_s3_curl_new(const lb_s3_client *c)
{
	(void) c;
	return curl_easy_init();
}

/* The socket of this thread's connection (one handle per thread, one server): curl gives no
 * socket to callbacks during a transfer. A stale value only makes setsockopt fail. */
static __thread curl_socket_t tl_sock = CURL_SOCKET_BAD;

static int
on_sockopt(void *ud, curl_socket_t fd, curlsocktype purpose)
{
	(void) ud, (void) purpose;
	tl_sock = fd;
	return CURL_SOCKOPT_OK;
}

static void
setup_common(const lb_s3_client *c, CURL *h)
{
	lb_psup_curl_setup(h, c->o.connect_timeout_ms, c->o.stall_timeout_ms, c->o.ca_pem,
	                   c->o.insecure_tls);
	/* S3 keys may hold "." and ".." segments: the path goes out as signed */
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
}

int
lb_s3_url(const lb_s3_client *c,
          int public_url,
          const char *bucket,
          const char *key,
          char **url_out,
          char **host_out,
          char **canon_uri_out)
{
	const char *scheme = public_url ? c->pub_scheme : c->scheme;
	const char *auth = public_url ? c->pub_authority : c->authority;
	const char *host = public_url ? c->pub_host : c->host;
	char *ebucket = lb_psup_pct_encode(bucket, 0);
	char *ekey = key ? lb_psup_pct_encode(key, 1) : strdup("");
	char *url = NULL, *hh = NULL, *canon = NULL;
	int path_style = c->o.path_style || !lb_s3_bucket_dns_ok(bucket) || lb_s3_host_is_ip(host);
	size_t n;
	int error = LB_ENOMEM;
	if (ebucket == NULL || ekey == NULL)
		goto done;
	n = strlen(scheme) + strlen(auth) + strlen(ebucket) + strlen(ekey) + 16;
	url = malloc(n);
	canon = malloc(n);
	hh = malloc(n);
	if (url == NULL || canon == NULL || hh == NULL)
		goto done;
	if (path_style) {
		snprintf(hh, n, "%s", auth);
		snprintf(canon, n, "/%s%s%s", ebucket, key ? "/" : "", ekey);
	} else {
		snprintf(hh, n, "%s.%s", bucket, auth);
		snprintf(canon, n, "/%s", ekey);
	}
	snprintf(url, n, "%s://%s%s", scheme, hh, canon);
	*url_out = url;
	*host_out = hh;
	*canon_uri_out = canon;
	url = hh = canon = NULL;
	error = 0;
done:
	free(ebucket);
	free(ekey);
	free(url);
	free(hh);
	free(canon);
	return error;
}

static size_t
on_write(char *p, size_t sz, size_t nm, void *ud)
{
	lb_s3_req *r = ud;
	size_t n = sz * nm;
	long st = 0;
	curl_easy_getinfo(r->h_, CURLINFO_RESPONSE_CODE, &st);
	if (r->sink_fd >= 0 && st >= 200 && st < 300) {
		if (r->written > 0 && !r->attempt_wrote && st != 206) {
			r->range_ignored = 1; /* would duplicate bytes already written */
			return 0;
		}
		if ((r->sink_errno = lb_psup_write_all(r->sink_fd, p, n)) != 0)
			return 0;
		r->written += (int64_t) n;
		r->attempt_wrote = 1;
		return n;
	}
	return lb_psup_buf_append(&r->resp, &r->resp_len, &r->resp_cap, RESP_CAP, p, n) < 0 ? 0 : n;
}

static size_t
on_header(char *p, size_t sz, size_t nm, void *ud)
{
	lb_s3_req *r = ud;
	size_t n = sz * nm;
	char line[512];
	size_t l = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
	memcpy(line, p, l);
	line[l] = '\0';
	while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == '\n'))
		line[--l] = '\0';
	if (l == 0) {
		/* End of the headers: acknowledge them now. On a reused connection Linux delays
		 * this ACK (pingpong mode) and a server with Nagle then holds back a small body
		 * for the 40 ms delayed-ACK timer: every small GET took 44 ms, not 1 ms. */
		if (tl_sock != CURL_SOCKET_BAD) {
			int one = 1;
			setsockopt(tl_sock, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		}
		return n;
	}
	if (strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = strchr(line, ' ');
		r->content_length = -1;
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
	} else if (strncasecmp(line, "content-length:", 15) == 0) {
		r->content_length = strtoll(line + 15, NULL, 10);
		if (r->status == 200 && r->sink_fd >= 0)
			r->object_size = r->content_length; /* the full object */
	} else if (r->status == 206 && strncasecmp(line, "content-range:", 14) == 0) {
		const char *slash = strrchr(line, '/');
		if (slash && slash[1] != '*')
			r->object_size = strtoll(slash + 1, NULL, 10);
	} else if (strncasecmp(line, "etag:", 5) == 0) {
		const char *v = line + 5;
		while (*v == ' ')
			v++;
		if (r->status >= 200 && r->status < 300)
			snprintf(r->etag, sizeof(r->etag), "%.150s", v);
	}
	return n;
}

typedef struct body_cursor {
	const unsigned char *p;
	size_t n, off;
} body_cursor;

static size_t
on_read(char *buf, size_t sz, size_t nm, void *ud)
{
	body_cursor *b = ud;
	size_t n = sz * nm, left = b->n - b->off;
	if (n > left)
		n = left;
	memcpy(buf, b->p + b->off, n);
	b->off += n;
	return n;
}

static int
on_seek(void *ud, curl_off_t off, int origin)
{
	body_cursor *b = ud;
	if (origin != SEEK_SET || off < 0 || (size_t) off > b->n)
		return CURL_SEEKFUNC_FAIL;
	b->off = (size_t) off;
	return CURL_SEEKFUNC_OK;
}

static int
on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	lb_s3_req *r = ud;
	lb_s3_op *op = r->op_;
	(void) dt, (void) dn, (void) ut, (void) un;
	if (r->abort_flag && *r->abort_flag) {
		r->canceled = 1;
		return 1;
	}
	if (lb_psup_cancelled(op)) {
		r->canceled = 1;
		return 1;
	}
	if (op && op->progress && r->sink_fd >= 0) {
		int64_t now = lb_psup_mono_ms();
		if (now - r->progress_at_ms >= 250) {
			r->progress_at_ms = now;
			if (op->progress(op->ud, r->written, r->object_size) < 0) {
				r->canceled = 1;
				return 1;
			}
		}
	}
	return 0;
}

static void
parse_error_body(lb_s3_req *r)
{
	char *code, *msg;
	r->s3_code[0] = r->s3_msg[0] = '\0';
	if (r->resp == NULL)
		return;
	code = lb_s3_xml_text(r->resp, r->resp_len, "Code");
	msg = lb_s3_xml_text(r->resp, r->resp_len, "Message");
	if (code)
		snprintf(r->s3_code, sizeof(r->s3_code), "%s", code);
	if (msg)
		snprintf(r->s3_msg, sizeof(r->s3_msg), "%s", msg);
	free(code);
	free(msg);
}

static int
exec_once(lb_s3_client *c, CURL *h, lb_s3_req *r, lb_s3_op *op)
{
	char *url = NULL, *host = NULL, *canon = NULL, *auth = NULL, *q = NULL, *full = NULL;
	char hash[65], date[17], hbuf[4][600];
	lb_s3_kvp hd[16];
	size_t nh = 0;
	struct curl_slist *sl = NULL;
	body_cursor bc = {r->body, r->body_len, 0};
	int error;
	struct timespec now;

	if ((error = lb_s3_url(c, 0, r->bucket, r->key, &url, &host, &canon)) < 0)
		return error;
	if (r->payload_hash)
		snprintf(hash, sizeof(hash), "%s", r->payload_hash);
	else if (r->body)
		lb_s3_sha256_hex(r->body, r->body_len, hash);
	else
		snprintf(hash, sizeof(hash), "%s", LB_S3_EMPTY_SHA256);
	clock_gettime(CLOCK_REALTIME, &now);
	lb_psup_iso8601_basic(now.tv_sec, date);

	hd[nh++] = (lb_s3_kvp){"host", host};
	hd[nh++] = (lb_s3_kvp){"x-amz-content-sha256", hash};
	hd[nh++] = (lb_s3_kvp){"x-amz-date", date};
	if (c->creds.session_token)
		hd[nh++] = (lb_s3_kvp){"x-amz-security-token", c->creds.session_token};
	for (size_t i = 0; i < r->nheaders; i++)
		hd[nh++] = r->headers[i];
	lb_s3_sign_input in = {r->method,
	                       canon,
	                       r->query,
	                       r->nquery,
	                       hd,
	                       nh,
	                       hash,
	                       date,
	                       c->o.region,
	                       "s3",
	                       c->creds.access_key,
	                       c->creds.secret_key};
	error = LB_ENOMEM;
	if ((auth = lb_s3_authorization(&in)) == NULL)
		goto done;
	if ((q = lb_s3_canonical_query(r->query, r->nquery)) == NULL)
		goto done;
	size_t fl = strlen(url) + strlen(q) + 2;
	if ((full = malloc(fl)) == NULL)
		goto done;
	snprintf(full, fl, "%s%s%s", url, *q ? "?" : "", q);

	for (size_t i = 0; i < nh; i++) {
		size_t l = strlen(hd[i].k) + strlen(hd[i].v) + 3;
		char *line = malloc(l);
		if (line == NULL)
			goto done;
		snprintf(line, l, "%s: %s", i == 0 ? "Host" : hd[i].k, hd[i].v);
		struct curl_slist *t = curl_slist_append(sl, line);
		free(line);
		if (t == NULL)
			goto done;
		sl = t;
	}
	size_t al = strlen(auth) + 20;
	char *aline = malloc(al);
	if (aline == NULL)
		goto done;
	snprintf(aline, al, "Authorization: %s", auth);
	sl = curl_slist_append(sl, aline);
	free(aline);
	sl = curl_slist_append(sl, "Expect:");
	if (r->sink_fd >= 0 && r->written > 0) {
		/* resume a broken download; If-Match makes a replaced object fail, not mix */
		snprintf(hbuf[0], sizeof(hbuf[0]), "Range: bytes=%" PRId64 "-", r->written);
		sl = curl_slist_append(sl, hbuf[0]);
		if (r->etag[0]) {
			snprintf(hbuf[1], sizeof(hbuf[1]), "If-Match: %s", r->etag);
			sl = curl_slist_append(sl, hbuf[1]);
		}
	}
	if (r->body && strcmp(r->method, "POST") == 0)
		sl = curl_slist_append(sl, "Content-Type: application/xml");
	if (sl == NULL)
		goto done;

	curl_easy_reset(h);
	setup_common(c, h);
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, sl);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curl_err);
	if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(r->method, "PUT") == 0) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, &bc);
		curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(h, CURLOPT_SEEKDATA, &bc);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t) r->body_len);
	} else if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? (const char *) r->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) r->body_len);
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	}
	r->h_ = h;
	r->op_ = op;
	r->attempt_wrote = 0;
	r->curl_err[0] = '\0';
	r->status = 0;
	r->s3_code[0] = r->s3_msg[0] = '\0';
	lb_s3_req_reset(r);
	r->curl_code = (int) curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	r->h_ = NULL;
	if (r->curl_code == CURLE_OK && (r->status < 200 || r->status >= 300))
		parse_error_body(r);
	if (r->curl_code == CURLE_OK && r->sink_fd >= 0 && r->status >= 200 && r->status < 300 &&
	    r->object_size >= 0 && r->written != r->object_size)
		r->curl_code = CURLE_PARTIAL_FILE; /* short body without a transport error */
	error = 0;
done:
	curl_slist_free_all(sl);
	free(url);
	free(host);
	free(canon);
	free(auth);
	free(q);
	free(full);
	return error;
}

/* Stop waiting to retry: another thread gave up (abort_flag) or the call was canceled. */
static int
retry_wait_stop(void *ud)
{
	lb_s3_req *r = ud;
	return (r->abort_flag && *r->abort_flag) || lb_psup_cancelled(r->op_);
}

static int
final_error(lb_s3_client *c, lb_s3_req *r, lb_s3_op *op, const char *what)
{
	char hint[16];
	const char *ep = c->endpoint_display;
	int code;
	if (r->canceled)
		return lb_psup_fail(op, LB_ECANCELED, "%s: canceled", what);
	if (r->sink_errno)
		return lb_psup_fail(op, LB_EIO, "%s: writing the object to the output failed: %s",
		                    what, strerror(r->sink_errno));
	if (r->range_ignored)
		return lb_psup_fail(
		    op, LB_EIO,
		    "%s: the connection broke after %" PRId64
		    " bytes and %s ignored the Range request to resume; retry the call",
		    what, r->written, ep);
	if (r->curl_code != CURLE_OK) {
		const char *why = r->curl_err[0] ? r->curl_err : curl_easy_strerror(r->curl_code);
		if (r->curl_code == CURLE_PEER_FAILED_VERIFICATION ||
		    r->curl_code == CURLE_SSL_CACERT_BADFILE)
			return lb_psup_fail(
			    op, LB_EAUTH,
			    "%s: the TLS certificate of %s is not trusted: %s; set caCert "
			    "to the CA that signed it (or insecureSkipTLSVerify for tests)",
			    what, ep, why);
		if (r->curl_code == CURLE_PARTIAL_FILE && r->sink_fd >= 0)
			return lb_psup_fail(
			    op, LB_ECORRUPT,
			    "%s: received %" PRId64 " of %" PRId64
			    " bytes from %s after %d attempts; the object was not read "
			    "completely",
			    what, r->written, r->object_size, ep, r->attempts);
		return lb_psup_fail(
		    op, LB_EIO,
		    "%s: could not talk to %s after %d attempt%s: %s; check s3Url and "
		    "that the server is up",
		    what, ep, r->attempts, r->attempts == 1 ? "" : "s", why);
	}
	code = lb_s3_error_code(r->status, r->s3_code);
	const char *s3c = r->s3_code[0] ? r->s3_code : NULL;
	lb_s3_key_hint(c->creds.access_key, hint);
	if (code == LB_EAUTH || (r->status == 403 && s3c == NULL && r->head))
		return lb_psup_fail(op, LB_EAUTH,
		                    "access key '%s' was refused by %s: %s%s%s; check "
		                    "credentialsFile/profile (credentials from %s)",
		                    hint, ep, s3c ? s3c : "403 Forbidden", r->s3_msg[0] ? ": " : "",
		                    r->s3_msg, c->creds.source);
	if (s3c && strcmp(s3c, "NoSuchBucket") == 0)
		return lb_psup_fail(
		    op, LB_ENOTFOUND,
		    "bucket '%s' does not exist at %s; create it or fix 'bucket' in "
		    "the storage location",
		    r->bucket, ep);
	if (s3c && strcmp(s3c, "NoSuchKey") == 0)
		return lb_psup_fail(op, LB_ENOTFOUND, "%s: no such key", what);
	if (s3c && strcmp(s3c, "AccessDenied") == 0)
		return lb_psup_fail(op, LB_EPERM,
		                    "%s: access key '%s' is not allowed to do this at %s "
		                    "(AccessDenied%s%s); check the bucket policy and the user's "
		                    "permissions",
		                    what, hint, ep, r->s3_msg[0] ? ": " : "", r->s3_msg);
	if (code == LB_EAGAIN)
		return lb_psup_fail(op, LB_EAGAIN,
		                    "%s: %s answered %ld %s after %d attempts%s%s; the server is "
		                    "overloaded or failing, try again later",
		                    what, ep, r->status, s3c ? s3c : "", r->attempts,
		                    r->s3_msg[0] ? ": " : "", r->s3_msg);
	return lb_psup_fail(op, code, "%s: %s answered %ld %s%s%s", what, ep, r->status,
	                    s3c ? s3c : "", r->s3_msg[0] ? ": " : "", r->s3_msg);
}

int
lb_s3_exec(lb_s3_client *c, CURL *h, lb_s3_req *r, lb_s3_op *op, const char *what)
{
	int error, max_retries = r->max_retries > 0 ? r->max_retries : c->o.max_retries;
	if (h == NULL)
		h = c->curl;
	for (int attempt = 0;; attempt++) {
		r->attempts = attempt + 1;
		if ((error = exec_once(c, h, r, op)) < 0)
			return lb_psup_fail(op, error, "%s: out of memory", what);
		if (r->canceled || r->sink_errno || r->range_ignored)
			return final_error(c, r, op, what);
		lb_s3_retry_class cls = lb_s3_retry_classify(r->curl_code, r->status, r->s3_code);
		if (cls == LB_S3_DONE)
			return 0;
		/* a GET that wrote bytes resumes from there; without an ETag it cannot */
		if (cls == LB_S3_RETRY && r->sink_fd >= 0 && r->written > 0 && r->etag[0] == '\0')
			cls = LB_S3_FAIL;
		if (cls != LB_S3_RETRY || attempt >= max_retries)
			return final_error(c, r, op, what);
		int64_t wait = lb_psup_backoff_ms(attempt, c->o.retry_base_ms, c->o.retry_cap_ms,
		                                  lb_psup_jitter());
		char why[300];
		if (r->curl_code)
			snprintf(why, sizeof(why), "%s", curl_easy_strerror(r->curl_code));
		else
			snprintf(why, sizeof(why), "HTTP %ld%s%s", r->status,
			         r->s3_code[0] ? " " : "", r->s3_code);
		lb_psup_logf(op, LB_LOG_WARN,
		             "%s: attempt %d failed (%s), retrying in %" PRId64 " ms", what,
		             attempt + 1, why, wait);
		if (lb_psup_sleep(wait, retry_wait_stop, r)) {
			r->canceled = 1;
			return final_error(c, r, op, what);
		}
	}
}
