/*
 * One GCS JSON-API exchange over libcurl: bearer token, retries with exponential backoff
 * and jitter on connection errors, 429 and 5xx, one token refresh on 401, the response body
 * into memory or a sink fd (resuming with Range after a broken download), cancellation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "gcs_internal.h"

#define RESP_CAP (64 * 1024 * 1024)
#define PROGRESS_STEP (4 * 1024 * 1024)

void
lb_gcs_req_init(lb_gcs_req *r, const char *method, const char *url, const char *what)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->url = url;
	r->what = what;
	r->sink_fd = -1;
	r->retry = 1;
	r->content_length = -1;
	r->progress_total = -1;
}

void
lb_gcs_req_free(lb_gcs_req *r)
{
	free(r->resp);
	r->resp = NULL;
	r->resp_len = r->resp_cap = 0;
}

int
lb_gcs_retryable(int curl_code, long status)
{
	if (curl_code != CURLE_OK)
		return lb_psup_curl_transient(curl_code);
	return status == 408 || status == 429 || status >= 500;
}

static int
op_cancelled(void *ud)
{
	return lb_psup_cancelled(ud);
}

int
lb_gcs_sleep(lb_gcs_op *op, int64_t ms)
{
	if (ms > 0 && lb_psup_sleep(ms, op_cancelled, op))
		return lb_psup_fail(op, LB_ECANCELED, "canceled while waiting to retry");
	return 0;
}

typedef struct xfer {
	lb_gcs_req *r;
	lb_gcs_op *op;
	CURL *curl;
	int64_t skip; /* bytes to drop: a resumed GET that got the whole object again */
	int64_t last_progress;
	int sink_error;
	int canceled;
} xfer;

static size_t
on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	xfer *x = ud;
	lb_gcs_req *r = x->r;
	size_t n = size * nmemb, off = 0;
	long status = 0;
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (r->sink_fd < 0 || status < 200 || status > 299)
		return lb_psup_buf_append(&r->resp, &r->resp_len, &r->resp_cap, RESP_CAP, p, n) < 0
		           ? 0
		           : n;
	if (x->skip > 0) {
		off = (size_t) x->skip < n ? (size_t) x->skip : n;
		x->skip -= (int64_t) off;
	}
	if (off < n) {
		if ((x->sink_error = lb_psup_write_all(r->sink_fd, p + off, n - off)) != 0)
			return 0;
		if (r->md5)
			EVP_DigestUpdate(r->md5, p + off, n - off);
		r->sink_written += (int64_t) (n - off);
	}
	if (x->op->progress && r->sink_written - x->last_progress >= PROGRESS_STEP) {
		x->last_progress = r->sink_written;
		if (x->op->progress(x->op->ud, r->sink_written, r->progress_total) < 0) {
			x->canceled = 1;
			return 0;
		}
	}
	return n;
}

static void
copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n > 0 && *v == ' ')
		v++, n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	xfer *x = ud;
	lb_gcs_req *r = x->r;
	size_t n = size * nmemb;
	char v[256];
	if (n > 9 && strncasecmp(p, "location:", 9) == 0)
		copy_value(r->location, sizeof(r->location), p + 9, n - 9);
	else if (n > 6 && strncasecmp(p, "range:", 6) == 0)
		copy_value(r->range_hdr, sizeof(r->range_hdr), p + 6, n - 6);
	else if (n > 29 && strncasecmp(p, "x-goog-stored-content-length:", 29) == 0) {
		copy_value(v, sizeof(v), p + 29, n - 29);
		r->content_length = strtoll(v, NULL, 10);
	} else if (n > 12 && strncasecmp(p, "x-goog-hash:", 12) == 0) {
		copy_value(v, sizeof(v), p + 12, n - 12);
		char *m = strstr(v, "md5=");
		if (m) {
			m += 4;
			size_t len = strcspn(m, ", ");
			copy_value(r->goog_hash_md5, sizeof(r->goog_hash_md5), m, len);
		}
	}
	return n;
}

static int
on_xferinfo(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	xfer *x = ud;
	(void) dlt, (void) dln, (void) ult, (void) uln;
	if (lb_psup_cancelled(x->op)) {
		x->canceled = 1;
		return 1;
	}
	return 0;
}

static int
perform_once(lb_gcs_client *c, lb_gcs_op *op, lb_gcs_req *r, const char *token, int64_t resume_from)
{
	CURL *h = c->curl;
	struct curl_slist *hl = NULL;
	char line[4096];
	xfer x = {r, op, h, 0, r->sink_written, 0, 0};
	int error = 0;
	curl_easy_reset(h);
	r->resp_len = 0;
	if (r->resp)
		r->resp[0] = '\0';
	r->location[0] = r->range_hdr[0] = r->goog_hash_md5[0] = '\0';
	r->status = 0;
	r->curl_err[0] = '\0';
	if (token) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		hl = curl_slist_append(hl, line);
	}
	if (r->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", r->content_type);
		hl = curl_slist_append(hl, line);
	}
	if (r->content_range) {
		snprintf(line, sizeof(line), "Content-Range: %s", r->content_range);
		hl = curl_slist_append(hl, line);
	}
	if (resume_from > 0) {
		snprintf(line, sizeof(line), "Range: bytes=%" PRId64 "-", resume_from);
		hl = curl_slist_append(hl, line);
		x.skip = 0;
	} else if (r->range) {
		snprintf(line, sizeof(line), "Range: %s", r->range);
		hl = curl_slist_append(hl, line);
	}
	hl = curl_slist_append(hl, "Expect:");
	hl = curl_slist_append(hl, "User-Agent: lifeboat-gcp/0.1.0");
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	lb_psup_curl_setup(h, c->o.connect_timeout_ms, c->o.stall_timeout_ms, c->o.ca_pem, 0);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curl_err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	if (strcmp(r->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(r->method, "DELETE") == 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
	} else {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) r->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body_len ? r->body : "");
		if (strcmp(r->method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	}
	r->curl_code = (int) curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (x.canceled) {
		error = lb_psup_fail(op, LB_ECANCELED, "%s was canceled", r->what);
	} else if (x.sink_error) {
		error = lb_psup_fail(op, LB_EIO, "%s: writing to the output failed: %s", r->what,
		                     strerror(x.sink_error));
	} else if (r->curl_code == CURLE_WRITE_ERROR) {
		error = lb_psup_fail(op, LB_EIO, "%s: the response was larger than %d MiB", r->what,
		                     RESP_CAP >> 20);
	}
	curl_slist_free_all(hl);
	return error;
}

int
lb_gcs_http(lb_gcs_client *c, lb_gcs_op *op, lb_gcs_req *r)
{
	int refreshed = 0, error;
	for (int attempt = 0;; attempt++) {
		const char *token = NULL;
		int64_t resume = r->sink_fd >= 0 ? r->sink_written : 0;
		if (lb_psup_cancelled(op))
			return lb_psup_fail(op, LB_ECANCELED, "%s was canceled", r->what);
		if (!r->no_auth && c->has_key && (error = lb_gcs_token(c, op, 0, &token)) < 0)
			return error;
		if ((error = perform_once(c, op, r, token, resume)) < 0)
			return error;
		if (r->curl_code == CURLE_OK && r->status == 401 && !r->no_auth && c->has_key &&
		    !refreshed) {
			refreshed = 1;
			lb_psup_logf(op, LB_LOG_INFO, "%s: 401, fetching a fresh token", r->what);
			if ((error = lb_gcs_token(c, op, 1, &token)) < 0)
				return error;
			attempt--;
			continue;
		}
		if (r->retry && attempt < c->o.max_retries &&
		    lb_gcs_retryable(r->curl_code, r->status)) {
			int64_t ms = lb_psup_backoff_ms(attempt, c->o.retry_base_ms,
			                                c->o.retry_cap_ms, lb_psup_jitter());
			if (r->curl_code != CURLE_OK)
				lb_psup_logf(op, LB_LOG_WARN,
				             "%s: %s; retry %d of %d in %" PRId64 " ms", r->what,
				             r->curl_err[0] ? r->curl_err
				                            : curl_easy_strerror(r->curl_code),
				             attempt + 1, c->o.max_retries, ms);
			else
				lb_psup_logf(op, LB_LOG_WARN,
				             "%s: HTTP %ld; retry %d of %d in %" PRId64 " ms",
				             r->what, r->status, attempt + 1, c->o.max_retries, ms);
			if ((error = lb_gcs_sleep(op, ms)) < 0)
				return error;
			continue;
		}
		if (r->curl_code != CURLE_OK)
			return lb_psup_fail(
			    op, lb_gcs_retryable(r->curl_code, 0) ? LB_EAGAIN : LB_EIO,
			    "%s failed: cannot reach %.*s: %s%s", r->what,
			    (int) strcspn(r->url, "?"), r->url,
			    r->curl_err[0] ? r->curl_err : curl_easy_strerror(r->curl_code),
			    r->retry && attempt > 0 ? " (retries exhausted)" : "");
		if (resume > 0 && r->status == 200)
			return lb_psup_fail(
			    op, LB_EIO,
			    "%s: the server ignored the Range request after a broken "
			    "download; retry the call",
			    r->what);
		return 0;
	}
}

static void
parse_error(const lb_gcs_req *r, char *reason, size_t rcap, char *message, size_t mcap)
{
	cJSON *root = r->resp ? cJSON_Parse(r->resp) : NULL;
	const cJSON *e = root ? cJSON_GetObjectItemCaseSensitive(root, "error") : NULL;
	reason[0] = message[0] = '\0';
	if (cJSON_IsObject(e)) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
		const cJSON *errs = cJSON_GetObjectItemCaseSensitive(e, "errors");
		const cJSON *first = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) : NULL;
		const cJSON *rs = first ? cJSON_GetObjectItemCaseSensitive(first, "reason") : NULL;
		if (cJSON_IsString(m))
			snprintf(message, mcap, "%s", m->valuestring);
		if (cJSON_IsString(rs))
			snprintf(reason, rcap, "%s", rs->valuestring);
	} else if (r->resp && r->resp_len) {
		snprintf(message, mcap, "%.200s", r->resp);
		for (char *p = message; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	cJSON_Delete(root);
}

int
lb_gcs_http_fail(lb_gcs_client *c, lb_gcs_op *op, const lb_gcs_req *r)
{
	char reason[128], message[512];
	const char *who = c->has_key ? c->key.client_email : "anonymous";
	parse_error(r, reason, sizeof(reason), message, sizeof(message));
	if (r->status == 401)
		return lb_psup_fail(op, LB_EAUTH,
		                    "%s: %s refused the credentials of %s (HTTP 401 %s: %s); check "
		                    "credentialsFile",
		                    r->what, c->o.endpoint, who, reason, message);
	if (r->status == 403)
		return lb_psup_fail(
		    op, LB_EPERM,
		    "%s: service account %s is not allowed (HTTP 403 %s: %s); grant it "
		    "roles/storage.objectAdmin on the bucket",
		    r->what, who, reason, message);
	if (r->status == 404 && strstr(message, "bucket") && strstr(r->what, "gs://")) {
		const char *b = strstr(r->what, "gs://") + 5;
		return lb_psup_fail(op, LB_ENOTFOUND,
		                    "bucket %.*s does not exist (HTTP 404); create it or fix the "
		                    "location's bucket",
		                    (int) strcspn(b, "/"), b);
	}
	if (r->status == 404)
		return lb_psup_fail(op, LB_ENOTFOUND, "%s: not found (HTTP 404 %s: %s)", r->what,
		                    reason, message);
	if (r->status == 409 || r->status == 412)
		return lb_psup_fail(op, LB_ECONFLICT, "%s: conflict (HTTP %ld %s: %s)", r->what,
		                    r->status, reason, message);
	if (r->status == 429 || r->status >= 500)
		return lb_psup_fail(
		    op, LB_EAGAIN,
		    "%s: %s is unavailable (HTTP %ld %s: %s) after %d retries; try again "
		    "later",
		    r->what, c->o.endpoint, r->status, reason, message, c->o.max_retries);
	return lb_psup_fail(op, r->status == 400 ? LB_EINVAL : LB_EIO, "%s: HTTP %ld %s: %s",
	                    r->what, r->status, reason, message);
}
