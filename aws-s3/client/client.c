/*
 * The client object and the simple calls: HEAD, GET, DELETE, ListObjectsV2, presign.
 * Uploads are in upload.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "s3_internal.h"

int
lb_s3_client_new(lb_s3_options *opts, lb_s3_creds *creds, lb_s3_client **out, lb_s3_op *op)
{
	static int curl_ready;
	lb_s3_client *c = calloc(1, sizeof(*c));
	char aws[300];
	int error;
	if (c == NULL)
		return lb_psup_fail(op, LB_ENOMEM, "out of memory");
	if (!curl_ready) {
		/* the plugin host calls init on one thread before any other call */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	c->o = *opts;
	c->creds = *creds;
	memset(opts, 0, sizeof(*opts));
	memset(creds, 0, sizeof(*creds));
	snprintf(aws, sizeof(aws), "https://s3.%s.amazonaws.com", c->o.region);
	const char *ep = c->o.endpoint ? c->o.endpoint : aws;
	const char *pub = c->o.public_endpoint ? c->o.public_endpoint : ep;
	if ((error = lb_s3_endpoint_split(ep, &c->scheme, &c->authority, &c->host)) < 0 ||
	    (error = lb_s3_endpoint_split(pub, &c->pub_scheme, &c->pub_authority, &c->pub_host)) <
	        0) {
		lb_psup_fail(op, error, "endpoint %s is not a valid URL", ep);
		goto fail;
	}
	snprintf(c->endpoint_display, sizeof(c->endpoint_display), "%s://%s", c->scheme,
	         c->authority);
	if ((c->curl = lb_s3_curl_new(c)) == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "cannot create a curl handle");
		goto fail;
	}
	*out = c;
	return 0;
fail:
	lb_s3_client_free(c);
	return error;
}

void
lb_s3_client_free(lb_s3_client *c)
{
	if (c == NULL)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	lb_s3_options_free(&c->o);
	lb_s3_creds_free(&c->creds);
	free(c->scheme);
	free(c->authority);
	free(c->host);
	free(c->pub_scheme);
	free(c->pub_authority);
	free(c->pub_host);
	free(c);
}

const lb_s3_options *
lb_s3_client_options(const lb_s3_client *c)
{
	return &c->o;
}

static void
what_of(char *buf, size_t n, const char *verb, const char *bucket, const char *key)
{
	snprintf(buf, n, "%s s3://%s/%s", verb, bucket, key ? key : "");
}

int
lb_s3_head(lb_s3_client *c, lb_s3_op *op, const char *bucket, const char *key, int *exists)
{
	lb_s3_req r;
	char what[600];
	int error;
	what_of(what, sizeof(what), "HEAD", bucket, key);
	lb_s3_req_init(&r, "HEAD", bucket, key);
	r.head = 1;
	error = lb_s3_exec(c, NULL, &r, op, what);
	if (error == LB_ENOTFOUND || (error < 0 && r.status == 404)) {
		/* HEAD has no error body: tell a missing key from a missing bucket */
		lb_s3_req b;
		lb_s3_req_init(&b, "HEAD", bucket, NULL);
		b.head = 1;
		int berr = lb_s3_exec(c, NULL, &b, op, what);
		lb_s3_req_reset(&b);
		if (berr == LB_ENOTFOUND || (berr < 0 && b.status == 404)) {
			error = lb_psup_fail(op, LB_ENOTFOUND,
			                     "bucket '%s' does not exist at %s; create it or fix "
			                     "'bucket' in the storage location",
			                     bucket, c->endpoint_display);
		} else if (berr < 0) {
			error = berr;
		} else {
			*exists = 0;
			error = 0;
		}
	} else if (error == 0) {
		*exists = 1;
	}
	lb_s3_req_reset(&r);
	return error;
}

int
lb_s3_get(lb_s3_client *c, lb_s3_op *op, const char *bucket, const char *key, int fd)
{
	lb_s3_req r;
	char what[600];
	int error;
	what_of(what, sizeof(what), "GET", bucket, key);
	lb_s3_req_init(&r, "GET", bucket, key);
	r.sink_fd = fd;
	error = lb_s3_exec(c, NULL, &r, op, what);
	if (error == 0 && r.object_size >= 0 && r.written != r.object_size)
		error = lb_psup_fail(op, LB_ECORRUPT,
		                     "%s: got %" PRId64 " bytes but the server announced %" PRId64,
		                     what, r.written, r.object_size);
	if (error == 0 && op && op->progress)
		op->progress(op->ud, r.written, r.written);
	lb_s3_req_reset(&r);
	return error;
}

int
lb_s3_delete(lb_s3_client *c, lb_s3_op *op, const char *bucket, const char *key)
{
	lb_s3_req r;
	char what[600];
	int error;
	what_of(what, sizeof(what), "DELETE", bucket, key);
	lb_s3_req_init(&r, "DELETE", bucket, key);
	error = lb_s3_exec(c, NULL, &r, op, what);
	if (error == LB_ENOTFOUND && strcmp(r.s3_code, "NoSuchKey") == 0)
		error = 0; /* deleting a missing key succeeds */
	lb_s3_req_reset(&r);
	return error;
}

static int
emit(lb_s3_span s,
     int url_encoded,
     int is_prefix,
     int (*cb)(void *, const char *, int),
     void *ud,
     lb_s3_op *op)
{
	char *t = lb_s3_xml_unescape(s), *d = NULL;
	int error;
	if (t == NULL)
		return lb_psup_fail(op, LB_ENOMEM, "out of memory");
	if (url_encoded) {
		d = lb_s3_uri_decode(t);
		free(t);
		if (d == NULL)
			return lb_psup_fail(op, LB_EPROTO,
			                    "ListObjectsV2: bad URL encoding in a key");
		t = d;
	}
	error = cb(ud, t, is_prefix);
	free(t);
	return error;
}

int
lb_s3_list(lb_s3_client *c,
           lb_s3_op *op,
           const char *bucket,
           const char *prefix,
           const char *delimiter,
           int (*cb)(void *ud, const char *s, int is_prefix),
           void *ud)
{
	char *token = NULL, what[600];
	int error = 0, pages = 0;
	what_of(what, sizeof(what), "ListObjectsV2", bucket, prefix);
	for (;;) {
		lb_s3_req r;
		lb_s3_req_init(&r, "GET", bucket, NULL);
		r.query[r.nquery++] = (lb_s3_kvp){"list-type", "2"};
		r.query[r.nquery++] = (lb_s3_kvp){"encoding-type", "url"};
		if (prefix && *prefix)
			r.query[r.nquery++] = (lb_s3_kvp){"prefix", prefix};
		if (delimiter && *delimiter)
			r.query[r.nquery++] = (lb_s3_kvp){"delimiter", delimiter};
		if (token)
			r.query[r.nquery++] = (lb_s3_kvp){"continuation-token", token};
		error = lb_s3_exec(c, NULL, &r, op, what);
		if (error < 0) {
			lb_s3_req_reset(&r);
			break;
		}
		const char *doc = r.resp ? r.resp : "", *end = doc + r.resp_len, *pos;
		char *enc = lb_s3_xml_text(doc, r.resp_len, "EncodingType");
		int url_encoded = enc && strcmp(enc, "url") == 0;
		free(enc);
		lb_s3_span s, inner;
		pos = doc;
		while (error == 0 && !delimiter && lb_s3_xml_next(&pos, end, "Contents", &s)) {
			const char *ip = s.p;
			if (lb_s3_xml_next(&ip, s.p + s.n, "Key", &inner))
				error = emit(inner, url_encoded, 0, cb, ud, op);
		}
		pos = doc;
		while (error == 0 && delimiter && lb_s3_xml_next(&pos, end, "CommonPrefixes", &s)) {
			const char *ip = s.p;
			if (lb_s3_xml_next(&ip, s.p + s.n, "Prefix", &inner))
				error = emit(inner, url_encoded, 1, cb, ud, op);
		}
		char *trunc = lb_s3_xml_text(doc, r.resp_len, "IsTruncated");
		int more = trunc && strcmp(trunc, "true") == 0;
		free(trunc);
		free(token);
		token = more ? lb_s3_xml_text(doc, r.resp_len, "NextContinuationToken") : NULL;
		if (error == 0 && strstr(doc, "ListBucketResult") == NULL)
			error = lb_psup_fail(op, LB_EPROTO,
			                     "%s: %s answered without a ListBucketResult", what,
			                     c->endpoint_display);
		lb_s3_req_reset(&r);
		pages++;
		if (error < 0 || !more)
			break;
		if (token == NULL || *token == '\0') {
			error = lb_psup_fail(
			    op, LB_EPROTO,
			    "%s: page %d is truncated but has no NextContinuationToken", what,
			    pages);
			break;
		}
	}
	free(token);
	return error;
}

int
lb_s3_presign(lb_s3_client *c,
              lb_s3_op *op,
              const char *bucket,
              const char *key,
              int64_t ttl_ms,
              int64_t now,
              char **url_out)
{
	char *url = NULL, *host = NULL, *canon = NULL, *q = NULL, date[17];
	int64_t exp = (ttl_ms + 999) / 1000;
	int error = 0;
	if (exp < 1 || exp > 604800)
		return lb_psup_fail(op, LB_EINVAL,
		                    "signed URL lifetime %" PRId64 " ms is outside 1 s .. 7 days",
		                    ttl_ms);
	if (now == 0)
		now = (int64_t) time(NULL);
	lb_psup_iso8601_basic(now, date);
	if ((error = lb_s3_url(c, 1, bucket, key, &url, &host, &canon)) < 0)
		return lb_psup_fail(op, error, "out of memory");
	lb_s3_kvp hd[1] = {{"host", host}};
	lb_s3_sign_input in = {"GET",
	                       canon,
	                       NULL,
	                       0,
	                       hd,
	                       1,
	                       "UNSIGNED-PAYLOAD",
	                       date,
	                       c->o.region,
	                       "s3",
	                       c->creds.access_key,
	                       c->creds.secret_key};
	if ((q = lb_s3_presign_query(&in, exp, c->creds.session_token)) == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	size_t n = strlen(url) + strlen(q) + 2;
	if ((*url_out = malloc(n)) == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	snprintf(*url_out, n, "%s?%s", url, q);
done:
	free(url);
	free(host);
	free(canon);
	free(q);
	return error;
}
