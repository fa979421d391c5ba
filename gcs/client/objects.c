/*
 * Object calls: get (alt=media, streamed to an fd, length and MD5 verified), exists
 * (metadata GET), delete (a missing object is fine) and list (every page).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include "gcs_internal.h"

static void
describe(char *what, size_t cap, const char *verb, const char *bucket, const char *name)
{
	snprintf(what, cap, "%s gs://%s/%s", verb, bucket, name ? name : "");
}

/* A 404 names either the bucket or the object; a missing bucket is a configuration error. */
static int
bucket_missing(const lb_gcs_req *r)
{
	return r->status == 404 && r->resp && strstr(r->resp, "bucket") != NULL;
}

static int
fail_bucket(lb_gcs_op *op, const char *bucket)
{
	return lb_psup_fail(op, LB_ENOTFOUND,
	                    "bucket %s does not exist (HTTP 404); create it or fix the location's "
	                    "bucket",
	                    bucket);
}

int
lb_gcs_get(lb_gcs_client *c, lb_gcs_op *op, const char *bucket, const char *name, int fd)
{
	char what[1200], *base = lb_gcs_object_url(c, "/storage/v1", bucket, name), *url = NULL;
	lb_gcs_req r;
	int error = 0;
	describe(what, sizeof(what), "download", bucket, name);
	lb_gcs_req_init(&r, "GET", NULL, what);
	if (base == NULL || (url = malloc(strlen(base) + 16)) == NULL ||
	    (r.md5 = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(r.md5, EVP_md5(), NULL) != 1) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	sprintf(url, "%s?alt=media", base);
	r.url = url;
	r.sink_fd = fd;
	if ((error = lb_gcs_http(c, op, &r)) < 0)
		goto done;
	if (r.status < 200 || r.status > 299) {
		error = bucket_missing(&r) ? fail_bucket(op, bucket) : lb_gcs_http_fail(c, op, &r);
		goto done;
	}
	if (r.content_length >= 0 && r.sink_written != r.content_length) {
		error = lb_psup_fail(op, LB_EIO,
		                     "%s: got %" PRId64 " bytes but the object has %" PRId64
		                     "; the connection was cut, retry",
		                     what, r.sink_written, r.content_length);
		goto done;
	}
	if (r.goog_hash_md5[0]) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;
		char b64[64];
		EVP_DigestFinal_ex(r.md5, md, &mdlen);
		EVP_EncodeBlock((unsigned char *) b64, md, (int) mdlen);
		if (strcmp(b64, r.goog_hash_md5) != 0) {
			error = lb_psup_fail(
			    op, LB_ECORRUPT,
			    "%s: MD5 of the bytes received (%s) differs from the object's "
			    "(%s)",
			    what, b64, r.goog_hash_md5);
			goto done;
		}
	}
	if (op->progress)
		op->progress(op->ud, r.sink_written, r.sink_written);
done:
	EVP_MD_CTX_free(r.md5);
	lb_gcs_req_free(&r);
	free(base);
	free(url);
	return error;
}

int
lb_gcs_exists(lb_gcs_client *c, lb_gcs_op *op, const char *bucket, const char *name, int *exists)
{
	char what[1200], *base = lb_gcs_object_url(c, "/storage/v1", bucket, name), *url = NULL;
	lb_gcs_req r;
	int error = 0;
	describe(what, sizeof(what), "metadata of", bucket, name);
	lb_gcs_req_init(&r, "GET", NULL, what);
	if (base == NULL || (url = malloc(strlen(base) + 32)) == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	sprintf(url, "%s?fields=name,size", base);
	r.url = url;
	if ((error = lb_gcs_http(c, op, &r)) < 0)
		goto done;
	if (r.status == 200)
		*exists = 1;
	else if (r.status == 404 && !bucket_missing(&r))
		*exists = 0;
	else
		error = bucket_missing(&r) ? fail_bucket(op, bucket) : lb_gcs_http_fail(c, op, &r);
done:
	lb_gcs_req_free(&r);
	free(base);
	free(url);
	return error;
}

int
lb_gcs_delete(lb_gcs_client *c, lb_gcs_op *op, const char *bucket, const char *name)
{
	char what[1200], *url = lb_gcs_object_url(c, "/storage/v1", bucket, name);
	lb_gcs_req r;
	int error = 0;
	describe(what, sizeof(what), "delete", bucket, name);
	lb_gcs_req_init(&r, "DELETE", url, what);
	if (url == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = lb_gcs_http(c, op, &r)) < 0)
		goto done;
	if (r.status == 404 && !bucket_missing(&r))
		goto done; /* deleting a missing object succeeds */
	if (r.status < 200 || r.status > 299)
		error = bucket_missing(&r) ? fail_bucket(op, bucket) : lb_gcs_http_fail(c, op, &r);
done:
	lb_gcs_req_free(&r);
	free(url);
	return error;
}

int
lb_gcs_list(lb_gcs_client *c,
            lb_gcs_op *op,
            const char *bucket,
            const char *prefix,
            const char *delimiter,
            int (*cb)(void *ud, const char *s, int is_prefix),
            void *ud)
{
	char what[1200], *base = lb_gcs_object_url(c, "/storage/v1", bucket, NULL);
	char *eprefix = lb_psup_pct_encode(prefix ? prefix : "", 0);
	char *edelim = lb_psup_pct_encode(delimiter ? delimiter : "", 0);
	char *token = NULL, *url = NULL;
	lb_gcs_req r;
	cJSON *root = NULL;
	int error = 0, pages = 0;
	describe(what, sizeof(what), "list", bucket, prefix);
	lb_gcs_req_init(&r, "GET", NULL, what);
	if (base == NULL || eprefix == NULL || edelim == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	do {
		size_t n = strlen(base) + strlen(eprefix) + strlen(edelim) +
		           (token ? strlen(token) : 0) + 128;
		free(url);
		if ((url = malloc(n)) == NULL) {
			error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
			goto done;
		}
		snprintf(url, n, "%s?maxResults=1000&prefix=%s%s%s%s%s%s", base, eprefix,
		         delimiter ? "&delimiter=" : "", delimiter ? edelim : "",
		         delimiter ? "&fields=prefixes,nextPageToken"
		                   : "&fields=items(name),nextPageToken",
		         token ? "&pageToken=" : "", token ? token : "");
		r.url = url;
		if ((error = lb_gcs_http(c, op, &r)) < 0)
			goto done;
		if (r.status != 200) {
			error =
			    r.status == 404 ? fail_bucket(op, bucket) : lb_gcs_http_fail(c, op, &r);
			goto done;
		}
		cJSON_Delete(root);
		if ((root = cJSON_Parse(r.resp ? r.resp : "")) == NULL) {
			error = lb_psup_fail(op, LB_EPROTO, "%s: the answer is not JSON", what);
			goto done;
		}
		const cJSON *arr =
		    cJSON_GetObjectItemCaseSensitive(root, delimiter ? "prefixes" : "items");
		const cJSON *it;
		cJSON_ArrayForEach(it, arr)
		{
			const cJSON *s =
			    delimiter ? it : cJSON_GetObjectItemCaseSensitive(it, "name");
			if (!cJSON_IsString(s))
				continue;
			if ((error = cb(ud, s->valuestring, delimiter != NULL)) < 0) {
				if (op->code != error)
					lb_psup_fail(op, error, "%s: storing the result failed",
					             what);
				goto done;
			}
		}
		const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "nextPageToken");
		free(token);
		token = NULL;
		if (cJSON_IsString(next) && next->valuestring[0] &&
		    (token = lb_psup_pct_encode(next->valuestring, 0)) == NULL) {
			error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
			goto done;
		}
		if (++pages % 10 == 0 && lb_psup_cancelled(op)) {
			error = lb_psup_fail(op, LB_ECANCELED, "%s was canceled", what);
			goto done;
		}
	} while (token);
done:
	cJSON_Delete(root);
	lb_gcs_req_free(&r);
	free(base);
	free(eprefix);
	free(edelim);
	free(token);
	free(url);
	return error;
}
