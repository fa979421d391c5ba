/*
 * Unit tests of the GCS client: config keys, escaping, base64url, the RS256 JWT assertion,
 * V4 signed URLs (signature verified independently) and the retry policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include "gcs_internal.h"

static EVP_PKEY *test_pkey;
static char *test_key_json;

static int
setup(void **state)
{
	(void) state;
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long n;
	cJSON *j = cJSON_CreateObject();
	test_pkey = EVP_RSA_gen(2048);
	assert_non_null(test_pkey);
	PEM_write_bio_PrivateKey(bio, test_pkey, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(bio, &pem);
	char *p = strndup(pem, (size_t) n);
	cJSON_AddStringToObject(j, "type", "service_account");
	cJSON_AddStringToObject(j, "project_id", "p");
	cJSON_AddStringToObject(j, "private_key_id", "kid1");
	cJSON_AddStringToObject(j, "private_key", p);
	cJSON_AddStringToObject(j, "client_email", "sa@p.iam.gserviceaccount.com");
	cJSON_AddStringToObject(j, "token_uri", "http://127.0.0.1:1/token");
	test_key_json = cJSON_PrintUnformatted(j);
	free(p);
	cJSON_Delete(j);
	BIO_free(bio);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	EVP_PKEY_free(test_pkey);
	free(test_key_json);
	return 0;
}

static int
parse(const lb_kv *kv, uint32_t n, lb_gcs_options *o, lb_gcs_op *op)
{
	memset(op, 0, sizeof(*op));
	return lb_gcs_options_parse(kv, n, o, op);
}

static void
t_options(void **state)
{
	(void) state;
	lb_gcs_options o;
	lb_gcs_op op;
	lb_kv ok[] = {{"bucket", "b"},
	              {"prefix", "p"},
	              {"storeEndpoint", "http://127.0.0.1:9/storage/v1/"},
	              {"chunkSize", "512KiB"},
	              {"maxRetries", "2"},
	              {"kmsKeyName", "projects/p/locations/l/keyRings/r/cryptoKeys/k"}};
	assert_int_equal(parse(ok, 6, &o, &op), 0);
	assert_string_equal(o.endpoint, "http://127.0.0.1:9");
	assert_int_equal(o.chunk_size, 512 * 1024);
	assert_int_equal(o.max_retries, 2);
	lb_gcs_options_free(&o);

	assert_int_equal(parse(NULL, 0, &o, &op), 0);
	assert_string_equal(o.endpoint, LB_GCS_DEFAULT_ENDPOINT);
	assert_int_equal(o.chunk_size, LB_GCS_DEFAULT_CHUNK);
	lb_gcs_options_free(&o);

	lb_kv uni[] = {{"universeDomain", "example.com"}};
	assert_int_equal(parse(uni, 1, &o, &op), 0);
	assert_string_equal(o.endpoint, "https://storage.example.com");
	lb_gcs_options_free(&o);

	lb_kv unknown[] = {{"region", "x"}};
	assert_int_equal(parse(unknown, 1, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "'region'"));
	lb_kv badchunk[] = {{"chunkSize", "100000"}};
	assert_int_equal(parse(badchunk, 1, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "chunkSize"));
	lb_kv badep[] = {{"storeEndpoint", "127.0.0.1:9"}};
	assert_int_equal(parse(badep, 1, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "storeEndpoint"));
	lb_kv badkms[] = {{"kmsKeyName", "k"}};
	assert_int_equal(parse(badkms, 1, &o, &op), LB_EINVAL);
	lb_kv badsa[] = {{"serviceAccount", "nobody"}};
	assert_int_equal(parse(badsa, 1, &o, &op), LB_EINVAL);
	lb_kv badretry[] = {{"maxRetries", "-1"}};
	assert_int_equal(parse(badretry, 1, &o, &op), LB_EINVAL);
}

static void
t_escape_b64(void **state)
{
	(void) state;
	char *s = lb_psup_pct_encode("a/b c+ü~", 0);
	assert_string_equal(s, "a%2Fb%20c%2B%C3%BC~");
	free(s);
	s = lb_psup_pct_encode("a/b c", 1);
	assert_string_equal(s, "a/b%20c");
	free(s);
	s = lb_gcs_b64url((const unsigned char *) "\xfb\xff", 2);
	assert_string_equal(s, "-_8");
	free(s);
	s = lb_gcs_b64url((const unsigned char *) "abc", 3);
	assert_string_equal(s, "YWJj");
	free(s);
}

static void
t_key_errors(void **state)
{
	(void) state;
	lb_gcs_key k;
	lb_gcs_op op = {0};
	assert_int_equal(lb_gcs_key_parse("{", "f.json", &k, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "f.json"));
	assert_int_equal(lb_gcs_key_parse("{\"type\":\"authorized_user\"}", "u.json", &k, &op),
	                 LB_EINVAL);
	assert_non_null(strstr(op.msg, "service_account"));
	assert_int_equal(lb_gcs_key_parse("{\"type\":\"service_account\",\"client_email\":\"a@b\"}",
	                                  "n.json", &k, &op),
	                 LB_EINVAL);
	assert_non_null(strstr(op.msg, "private_key"));
}

static unsigned char *
b64url_decode(const char *s, size_t n, size_t *out_len)
{
	char *t = malloc(n + 4);
	size_t i;
	for (i = 0; i < n; i++)
		t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (i % 4)
		t[i++] = '=';
	unsigned char *out = malloc(i);
	int len = EVP_DecodeBlock(out, (unsigned char *) t, (int) i);
	*out_len = (size_t) len - (n % 4 == 2 ? 2 : n % 4 == 3 ? 1 : 0);
	free(t);
	return out;
}

static int
verify(const void *data, size_t len, const unsigned char *sig, size_t slen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, test_pkey) == 1 &&
	         EVP_DigestVerify(md, sig, slen, data, len) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

static void
t_jwt(void **state)
{
	(void) state;
	lb_gcs_key k;
	lb_gcs_op op = {0};
	char *jwt = NULL;
	size_t n;
	assert_int_equal(lb_gcs_key_parse(test_key_json, "t.json", &k, &op), 0);
	assert_string_equal(k.token_uri, "http://127.0.0.1:1/token");
	assert_int_equal(lb_gcs_jwt(&k, LB_GCS_SCOPE, 1700000000, &jwt, &op), 0);
	char *d1 = strchr(jwt, '.'), *d2 = strrchr(jwt, '.');
	assert_true(d1 && d2 && d1 != d2);
	unsigned char *claims = b64url_decode(d1 + 1, (size_t) (d2 - d1 - 1), &n);
	cJSON *c = cJSON_ParseWithLength((char *) claims, n);
	assert_non_null(c);
	assert_string_equal(cJSON_GetObjectItem(c, "iss")->valuestring,
	                    "sa@p.iam.gserviceaccount.com");
	assert_string_equal(cJSON_GetObjectItem(c, "aud")->valuestring, "http://127.0.0.1:1/token");
	assert_string_equal(cJSON_GetObjectItem(c, "scope")->valuestring, LB_GCS_SCOPE);
	assert_int_equal((int64_t) cJSON_GetObjectItem(c, "exp")->valuedouble -
	                     (int64_t) cJSON_GetObjectItem(c, "iat")->valuedouble,
	                 3600);
	unsigned char *hdr = b64url_decode(jwt, (size_t) (d1 - jwt), &n);
	assert_non_null(strstr((char *) hdr, "\"alg\":\"RS256\""));
	assert_non_null(strstr((char *) hdr, "\"kid\":\"kid1\""));
	unsigned char *sig = b64url_decode(d2 + 1, strlen(d2 + 1), &n);
	assert_int_equal(n, 256);
	assert_true(verify(jwt, (size_t) (d2 - jwt), sig, n));
	cJSON_Delete(c);
	free(claims);
	free(hdr);
	free(sig);
	free(jwt);
	lb_gcs_key_free(&k);
}

static void
t_sign_url(void **state)
{
	(void) state;
	lb_gcs_key k;
	lb_gcs_op op = {0};
	lb_gcs_options o = {0};
	char *url = NULL, canon[4096], sts[1024], sha[65];
	unsigned char dg[SHA256_DIGEST_LENGTH], sig[512];
	assert_int_equal(lb_gcs_key_parse(test_key_json, "t.json", &k, &op), 0);
	o.endpoint = "http://127.0.0.1:4443";
	assert_int_equal(lb_gcs_sign_url(&o, &k, &op, "b", "dir/a b.txt", 600000, 1700000000, &url),
	                 0);
	const char *q = "X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p.iam."
	                "gserviceaccount.com%2F20231114%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-"
	                "Date=20231114T221320Z&X-Goog-Expires=600&X-Goog-SignedHeaders=host";
	char want[2048];
	snprintf(want, sizeof(want),
	         "http://127.0.0.1:4443/b/dir/a%%20b.txt?%s&X-Goog-Signature=", q);
	assert_memory_equal(url, want, strlen(want));
	/* Recompute the string to sign and verify the hex signature with the public key. */
	snprintf(canon, sizeof(canon),
	         "GET\n/b/dir/a%%20b.txt\n%s\nhost:127.0.0.1:4443\n\nhost\nUNSIGNED-PAYLOAD", q);
	SHA256((unsigned char *) canon, strlen(canon), dg);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		sprintf(sha + 2 * i, "%02x", dg[i]);
	snprintf(sts, sizeof(sts),
	         "GOOG4-RSA-SHA256\n20231114T221320Z\n20231114/auto/storage/goog4_request\n%s",
	         sha);
	const char *hex = url + strlen(want);
	assert_int_equal(strlen(hex), 512);
	for (int i = 0; i < 256; i++) {
		unsigned int v;
		sscanf(hex + 2 * i, "%2x", &v);
		sig[i] = (unsigned char) v;
	}
	assert_true(verify(sts, strlen(sts), sig, 256));
	free(url);
	url = NULL;
	/* A default port is not part of the signed host; a base path is kept. */
	o.endpoint = "https://storage.googleapis.com:443";
	assert_int_equal(lb_gcs_sign_url(&o, &k, &op, "b", "o", 1000, 1700000000, &url), 0);
	assert_memory_equal(url, "https://storage.googleapis.com:443/b/o?", 38);
	free(url);
	assert_int_equal(lb_gcs_sign_url(&o, &k, &op, "b", "o", 604801000, 0, &url), LB_EINVAL);
	assert_non_null(strstr(op.msg, "7 days"));
	assert_int_equal(lb_gcs_sign_url(&o, &k, &op, "b", "o", 10, 0, &url), LB_EINVAL);
	lb_gcs_key_free(&k);
}

static void
t_retry_policy(void **state)
{
	(void) state;
	assert_true(lb_gcs_retryable(CURLE_OK, 503));
	assert_true(lb_gcs_retryable(CURLE_OK, 429));
	assert_true(lb_gcs_retryable(CURLE_OK, 500));
	assert_false(lb_gcs_retryable(CURLE_OK, 401));
	assert_false(lb_gcs_retryable(CURLE_OK, 404));
	assert_false(lb_gcs_retryable(CURLE_OK, 308));
	assert_true(lb_gcs_retryable(CURLE_COULDNT_CONNECT, 0));
	assert_true(lb_gcs_retryable(CURLE_RECV_ERROR, 0));
	assert_false(lb_gcs_retryable(CURLE_URL_MALFORMAT, 0));
	for (int a = 0; a < 12; a++) {
		int64_t lo = lb_psup_backoff_ms(a, 200, 10000, 0);
		int64_t hi = lb_psup_backoff_ms(a, 200, 10000, 0xffffffffu);
		assert_true(lo >= 100 && hi <= 10000 && lo <= hi);
	}
	assert_int_equal(lb_psup_backoff_ms(20, 200, 10000, 0), 5000);
}

static void
t_parse_size(void **state)
{
	(void) state;
	int64_t v;
	assert_int_equal(lb_gcs_parse_size("8MiB", &v), 0);
	assert_int_equal(v, 8 << 20);
	assert_int_equal(lb_gcs_parse_size("256K", &v), 0);
	assert_int_equal(v, 256 << 10);
	assert_int_equal(lb_gcs_parse_size("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(lb_gcs_parse_size("1XB", &v), LB_EINVAL);
	assert_int_equal(lb_gcs_parse_size("-1", &v), LB_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_options),    cmocka_unit_test(t_escape_b64),
	    cmocka_unit_test(t_key_errors), cmocka_unit_test(t_jwt),
	    cmocka_unit_test(t_sign_url),   cmocka_unit_test(t_retry_policy),
	    cmocka_unit_test(t_parse_size),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
