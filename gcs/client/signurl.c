/*
 * V4 signed URLs (GOOG4-RSA-SHA256), path style: {endpoint}/{bucket}/{object}?X-Goog-...
 * Canonical request: GET, the path, the sorted query, "host:{host}\n", "host",
 * UNSIGNED-PAYLOAD; string to sign: algorithm, date, scope, hex sha256 of the canonical
 * request; signature: hex RSA-SHA256 with the service account's key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/sha.h>
#include "gcs_internal.h"

int
lb_gcs_sign_url(const lb_gcs_options *o,
                const lb_gcs_key *k,
                lb_gcs_op *op,
                const char *bucket,
                const char *name,
                int64_t ttl_ms,
                int64_t now,
                char **url_out)
{
	char date[20], day[9], host[256], scope[64], sha[65];
	char *ebucket = NULL, *ename = NULL, *cred = NULL, *path = NULL, *query = NULL;
	char *canon = NULL, *sts = NULL, *sighex = NULL, *url = NULL;
	unsigned char digest[SHA256_DIGEST_LENGTH], *sig = NULL;
	size_t sig_len = 0, n;
	const char *auth, *slash;
	int error = 0;
	int64_t ttl_s = (ttl_ms + 999) / 1000;
	if (ttl_ms < 1000 || ttl_ms > LB_GCS_MAX_SIGNED_TTL_MS)
		return lb_psup_fail(op, LB_EINVAL,
		                    "signed URL lifetime %" PRId64
		                    " ms is outside 1 s .. 7 days (V4 "
		                    "signing allows at most 604800 s)",
		                    ttl_ms);
	lb_psup_iso8601_basic(now ? now : (int64_t) time(NULL), date);
	memcpy(day, date, 8);
	day[8] = '\0';
	auth = strstr(o->endpoint, "://") + 3;
	slash = strchr(auth, '/');
	n = slash ? (size_t) (slash - auth) : strlen(auth);
	if (n >= sizeof(host))
		return lb_psup_fail(op, LB_EINVAL, "storeEndpoint host is too long");
	memcpy(host, auth, n);
	host[n] = '\0';
	/* The Host header carries no default port. */
	if ((strncmp(o->endpoint, "https://", 8) == 0 && n > 4 &&
	     strcmp(host + n - 4, ":443") == 0) ||
	    (strncmp(o->endpoint, "http://", 7) == 0 && n > 3 && strcmp(host + n - 3, ":80") == 0))
		*strrchr(host, ':') = '\0';
	snprintf(scope, sizeof(scope), "%s/auto/storage/goog4_request", day);
	ebucket = lb_psup_pct_encode(bucket, 0);
	ename = lb_psup_pct_encode(name, 1);
	if (ebucket == NULL || ename == NULL)
		goto nomem;
	n = strlen(k->client_email) + strlen(scope) + 2;
	if ((cred = malloc(n)) == NULL)
		goto nomem;
	snprintf(cred, n, "%s/%s", k->client_email, scope);
	char *ecred = lb_psup_pct_encode(cred, 0);
	if (ecred == NULL)
		goto nomem;
	free(cred);
	cred = ecred;
	n = strlen(slash ? slash : "") + strlen(ebucket) + strlen(ename) + 4;
	if ((path = malloc(n)) == NULL)
		goto nomem;
	snprintf(path, n, "%s/%s/%s", slash ? slash : "", ebucket, ename);
	n = strlen(cred) + 256;
	if ((query = malloc(n)) == NULL)
		goto nomem;
	/* Already in sorted order. */
	snprintf(query, n,
	         "X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=%s&X-Goog-Date=%s"
	         "&X-Goog-Expires=%" PRId64 "&X-Goog-SignedHeaders=host",
	         cred, date, ttl_s);
	n = strlen(path) + strlen(query) + strlen(host) + 64;
	if ((canon = malloc(n)) == NULL)
		goto nomem;
	snprintf(canon, n, "GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", path, query, host);
	SHA256((unsigned char *) canon, strlen(canon), digest);
	lb_psup_hex(digest, sizeof(digest), sha);
	n = strlen(date) + strlen(scope) + 128;
	if ((sts = malloc(n)) == NULL)
		goto nomem;
	snprintf(sts, n, "GOOG4-RSA-SHA256\n%s\n%s\n%s", date, scope, sha);
	if ((error = lb_gcs_rs256(k, sts, strlen(sts), &sig, &sig_len, op)) < 0)
		goto done;
	if ((sighex = malloc(sig_len * 2 + 1)) == NULL)
		goto nomem;
	lb_psup_hex(sig, sig_len, sighex);
	n = strlen(o->endpoint) + strlen(path) + strlen(query) + strlen(sighex) + 32;
	if ((url = malloc(n)) == NULL)
		goto nomem;
	snprintf(url, n, "%.*s%s?%s&X-Goog-Signature=%s",
	         (int) (slash ? (size_t) (slash - o->endpoint) : strlen(o->endpoint)), o->endpoint,
	         path, query, sighex);
	*url_out = url;
	url = NULL;
	goto done;
nomem:
	error = lb_psup_fail(op, LB_ENOMEM, "out of memory while signing a URL");
done:
	free(ebucket);
	free(ename);
	free(cred);
	free(path);
	free(query);
	free(canon);
	free(sts);
	free(sighex);
	free(sig);
	free(url);
	return error;
}
