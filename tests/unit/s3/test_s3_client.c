/*
 * Unit tests of the S3 client without a server: SigV4 against the examples of the AWS
 * documentation ("Signature Calculations for the Authorization Header" and "Query String
 * Authentication", AKIAIOSFODNN7EXAMPLE), XML parsing, retry classification, config and
 * credentials parsing, addressing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "s3_internal.h"

#define AK "AKIAIOSFODNN7EXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static void
test_sigv4_get_object(void **state)
{
	(void) state;
	lb_s3_kvp h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
	                 {"Range", "bytes=0-9"},
	                 {"x-amz-content-sha256", LB_S3_EMPTY_SHA256},
	                 {"x-amz-date", "20130524T000000Z"}};
	lb_s3_sign_input in = {
	    "GET",       "/test.txt", NULL, 0, h, 4, LB_S3_EMPTY_SHA256, "20130524T000000Z",
	    "us-east-1", "s3",        AK,   SK};
	char *sh = NULL, *creq = lb_s3_canonical_request(&in, &sh);
	assert_string_equal(creq,
	                    "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n"
	                    "range:bytes=0-9\nx-amz-content-sha256:" LB_S3_EMPTY_SHA256
	                    "\nx-amz-date:20130524T000000Z\n\n"
	                    "host;range;x-amz-content-sha256;x-amz-date\n" LB_S3_EMPTY_SHA256);
	assert_string_equal(sh, "host;range;x-amz-content-sha256;x-amz-date");
	char *auth = lb_s3_authorization(&in);
	assert_string_equal(
	    auth, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
	          "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
	          "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	free(creq);
	free(sh);
	free(auth);
}

static void
test_sigv4_put_object(void **state)
{
	(void) state;
	char hash[65];
	const char *body = "Welcome to Amazon S3.";
	lb_s3_sha256_hex(body, strlen(body), hash);
	assert_string_equal(hash,
	                    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	char *uri = lb_psup_pct_encode("/test$file.text", 1);
	assert_string_equal(uri, "/test%24file.text");
	lb_s3_kvp h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
	                 {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
	                 {"x-amz-date", "20130524T000000Z"},
	                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
	                 {"x-amz-content-sha256", hash}};
	lb_s3_sign_input in = {"PUT",       uri,  NULL, 0, h, 5, hash, "20130524T000000Z",
	                       "us-east-1", "s3", AK,   SK};
	char sig[65];
	assert_int_equal(lb_s3_sign(&in, sig, NULL), 0);
	assert_string_equal(sig,
	                    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	free(uri);
}

static void
test_sigv4_list_objects(void **state)
{
	(void) state;
	lb_s3_kvp q[] = {{"prefix", "J"}, {"max-keys", "2"}};
	lb_s3_kvp h[] = {{"host", "examplebucket.s3.amazonaws.com"},
	                 {"x-amz-date", "20130524T000000Z"},
	                 {"x-amz-content-sha256", LB_S3_EMPTY_SHA256}};
	lb_s3_sign_input in = {
	    "GET",       "/",  q,  2, h, 3, LB_S3_EMPTY_SHA256, "20130524T000000Z",
	    "us-east-1", "s3", AK, SK};
	char *cq = lb_s3_canonical_query(q, 2);
	assert_string_equal(cq, "max-keys=2&prefix=J");
	char sig[65];
	assert_int_equal(lb_s3_sign(&in, sig, NULL), 0);
	assert_string_equal(sig,
	                    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
	free(cq);
}

static void
test_sigv4_lifecycle_empty_value(void **state)
{
	(void) state;
	lb_s3_kvp q[] = {{"lifecycle", ""}};
	lb_s3_kvp h[] = {{"host", "examplebucket.s3.amazonaws.com"},
	                 {"x-amz-date", "20130524T000000Z"},
	                 {"x-amz-content-sha256", LB_S3_EMPTY_SHA256}};
	lb_s3_sign_input in = {
	    "GET",       "/",  q,  1, h, 3, LB_S3_EMPTY_SHA256, "20130524T000000Z",
	    "us-east-1", "s3", AK, SK};
	char sig[65];
	assert_int_equal(lb_s3_sign(&in, sig, NULL), 0);
	assert_string_equal(sig,
	                    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

static void
test_sigv4_presign(void **state)
{
	(void) state;
	lb_s3_kvp h[] = {{"host", "examplebucket.s3.amazonaws.com"}};
	lb_s3_sign_input in = {
	    "GET",       "/test.txt", NULL, 0, h, 1, "UNSIGNED-PAYLOAD", "20130524T000000Z",
	    "us-east-1", "s3",        AK,   SK};
	char *q = lb_s3_presign_query(&in, 86400, NULL);
	assert_non_null(q);
	assert_non_null(strstr(q,
	                       "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3"
	                       "%2Faws4_request"));
	assert_non_null(strstr(q, "X-Amz-Expires=86400&X-Amz-SignedHeaders=host"));
	assert_non_null(strstr(q, "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c2659"
	                          "57d157751f604d404"));
	free(q);
}

static void
test_amz_date(void **state)
{
	(void) state;
	char d[17];
	lb_psup_iso8601_basic(1369353600, d); /* 2013-05-24 00:00:00 UTC */
	assert_string_equal(d, "20130524T000000Z");
}

static void
test_uri(void **state)
{
	(void) state;
	char *e = lb_psup_pct_encode("a b/c+d~e_é", 1), *f = lb_psup_pct_encode("a/b=c&", 0);
	assert_string_equal(e, "a%20b/c%2Bd~e_%C3%A9");
	assert_string_equal(f, "a%2Fb%3Dc%26");
	char *d = lb_s3_uri_decode("a%20b%2Fc+");
	assert_string_equal(d, "a b/c+");
	assert_null(lb_s3_uri_decode("bad%zz"));
	free(e), free(f), free(d);
	char *s, *a, *h;
	assert_int_equal(lb_s3_endpoint_split("http://127.0.0.1:7480/", &s, &a, &h), 0);
	assert_string_equal(s, "http");
	assert_string_equal(a, "127.0.0.1:7480");
	assert_string_equal(h, "127.0.0.1");
	free(s), free(a), free(h);
	assert_int_equal(lb_s3_endpoint_split("minio:9000", &s, &a, &h), LB_EINVAL);
	assert_int_equal(lb_s3_endpoint_split("ftp://x", &s, &a, &h), LB_EINVAL);
	assert_true(lb_s3_host_is_ip("127.0.0.1"));
	assert_false(lb_s3_host_is_ip("localhost"));
	assert_true(lb_s3_bucket_dns_ok("my-bucket"));
	assert_false(lb_s3_bucket_dns_ok("my.bucket"));
	assert_false(lb_s3_bucket_dns_ok("My_Bucket"));
}

static const char list_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
    "<Prefix/><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter>"
    "<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/"
    "wm36Hy4vbOwM=</NextContinuationToken>"
    "<Contents><Key>a&amp;b &lt;1&gt;.txt</Key><Size>5</Size></Contents>"
    "<Contents><Key>top.txt</Key></Contents>"
    "<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>"
    "<CommonPrefixes><Prefix>d&#233;j&#xE0;/</Prefix></CommonPrefixes>"
    "</ListBucketResult>";

static void
test_xml_list(void **state)
{
	(void) state;
	const char *pos = list_xml, *end = list_xml + strlen(list_xml);
	lb_s3_span s, k;
	char *got[4];
	int n = 0;
	while (lb_s3_xml_next(&pos, end, "Contents", &s)) {
		const char *ip = s.p;
		assert_true(lb_s3_xml_next(&ip, s.p + s.n, "Key", &k));
		got[n++] = lb_s3_xml_unescape(k);
	}
	assert_int_equal(n, 2);
	assert_string_equal(got[0], "a&b <1>.txt");
	assert_string_equal(got[1], "top.txt");
	free(got[0]), free(got[1]);
	pos = list_xml;
	n = 0;
	while (lb_s3_xml_next(&pos, end, "CommonPrefixes", &s)) {
		const char *ip = s.p;
		assert_true(lb_s3_xml_next(&ip, s.p + s.n, "Prefix", &k));
		got[n++] = lb_s3_xml_unescape(k);
	}
	assert_int_equal(n, 2);
	assert_string_equal(got[0], "dir/");
	assert_string_equal(got[1], "d\xc3\xa9j\xc3\xa0/");
	free(got[0]), free(got[1]);
	char *t = lb_s3_xml_text(list_xml, strlen(list_xml), "NextContinuationToken");
	assert_string_equal(t, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	free(t);
	t = lb_s3_xml_text(list_xml, strlen(list_xml), "Prefix"); /* <Prefix/> */
	assert_string_equal(t, "");
	free(t);
	/* a tag that only starts like another is not it */
	assert_null(lb_s3_xml_text(list_xml, strlen(list_xml), "Key "));
	const char *err = "<Error><Code>SlowDown</Code><Message></Message></Error>";
	t = lb_s3_xml_text(err, strlen(err), "Code");
	assert_string_equal(t, "SlowDown");
	free(t);
	t = lb_s3_xml_escape("\"etag\"&<>");
	assert_string_equal(t, "&quot;etag&quot;&amp;&lt;&gt;");
	free(t);
}

static void
test_retry_classify(void **state)
{
	(void) state;
	assert_int_equal(lb_s3_retry_classify(CURLE_OK, 200, ""), LB_S3_DONE);
	assert_int_equal(lb_s3_retry_classify(CURLE_OK, 503, "SlowDown"), LB_S3_RETRY);
	assert_int_equal(lb_s3_retry_classify(CURLE_OK, 500, ""), LB_S3_RETRY);
	assert_int_equal(lb_s3_retry_classify(CURLE_OK, 429, ""), LB_S3_RETRY);
	assert_int_equal(lb_s3_retry_classify(CURLE_OK, 400, "RequestTimeout"), LB_S3_RETRY);
	assert_int_equal(lb_s3_retry_classify(CURLE_OK, 403, "SignatureDoesNotMatch"), LB_S3_FAIL);
	assert_int_equal(lb_s3_retry_classify(CURLE_OK, 403, "InvalidAccessKeyId"), LB_S3_FAIL);
	assert_int_equal(lb_s3_retry_classify(CURLE_OK, 404, "NoSuchBucket"), LB_S3_FAIL);
	assert_int_equal(lb_s3_retry_classify(CURLE_COULDNT_CONNECT, 0, ""), LB_S3_RETRY);
	assert_int_equal(lb_s3_retry_classify(CURLE_RECV_ERROR, 0, ""), LB_S3_RETRY);
	assert_int_equal(lb_s3_retry_classify(CURLE_GOT_NOTHING, 0, ""), LB_S3_RETRY);
	assert_int_equal(lb_s3_retry_classify(CURLE_ABORTED_BY_CALLBACK, 0, ""), LB_S3_FAIL);
	assert_int_equal(lb_s3_retry_classify(CURLE_PEER_FAILED_VERIFICATION, 0, ""), LB_S3_FAIL);
	assert_int_equal(lb_s3_error_code(403, "SignatureDoesNotMatch"), LB_EAUTH);
	assert_int_equal(lb_s3_error_code(404, "NoSuchBucket"), LB_ENOTFOUND);
	assert_int_equal(lb_s3_error_code(403, "AccessDenied"), LB_EPERM);
	assert_int_equal(lb_s3_error_code(400, "XAmzContentSHA256Mismatch"), LB_ECORRUPT);
	assert_int_equal(lb_s3_error_code(503, "SlowDown"), LB_EAGAIN);
}

static void
test_backoff(void **state)
{
	(void) state;
	for (uint32_t r = 0; r < 5000; r += 7) {
		int64_t b0 = lb_psup_backoff_ms(0, 200, 10000, r);
		int64_t b3 = lb_psup_backoff_ms(3, 200, 10000, r);
		int64_t b20 = lb_psup_backoff_ms(20, 200, 10000, r);
		assert_true(b0 >= 100 && b0 <= 200);
		assert_true(b3 >= 800 && b3 <= 1600);
		assert_true(b20 >= 5000 && b20 <= 10000);
	}
}

typedef struct logcap {
	char last[1024];
	int n;
} logcap;

static void
cap_log(void *ud, int level, const char *msg)
{
	logcap *c = ud;
	(void) level;
	snprintf(c->last, sizeof(c->last), "%s", msg);
	c->n++;
}

static void
test_options(void **state)
{
	(void) state;
	lb_s3_options o;
	logcap lc = {0};
	lb_s3_op op = {0};
	op.log = cap_log;
	op.ud = &lc;
	lb_kv ok[] = {{"bucket", "b"},
	              {"prefix", "p"},
	              {"region", "eu-west-1"},
	              {"s3ForcePathStyle", "true"},
	              {"partSize", "8MiB"},
	              {"parallelParts", "3"},
	              {"maxRetries", "2"},
	              {"tagging", "a=b"},
	              {"s3Url", "http://127.0.0.1:7480/"}};
	assert_int_equal(lb_s3_options_parse(LB_S3_FLAVOR_AWS, ok, 9, &o, &op), 0);
	assert_string_equal(o.region, "eu-west-1");
	assert_string_equal(o.endpoint, "http://127.0.0.1:7480");
	assert_int_equal(o.path_style, 1);
	assert_int_equal(o.part_size, 8 << 20);
	assert_int_equal(o.parallel_parts, 3);
	assert_int_equal(o.max_retries, 2);
	assert_non_null(strstr(lc.last, "tagging"));
	lb_s3_options_free(&o);

	lb_kv typo[] = {{"regoin", "x"}};
	assert_int_equal(lb_s3_options_parse(LB_S3_FLAVOR_AWS, typo, 1, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "'regoin'"));
	lb_kv noregion[] = {{"bucket", "b"}};
	assert_int_equal(lb_s3_options_parse(LB_S3_FLAVOR_AWS, noregion, 1, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "region"));
	lb_kv small[] = {{"region", "x"}, {"partSize", "1MiB"}};
	assert_int_equal(lb_s3_options_parse(LB_S3_FLAVOR_AWS, small, 2, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "partSize"));
	lb_kv badbool[] = {{"region", "x"}, {"insecureSkipTLSVerify", "maybe"}};
	assert_int_equal(lb_s3_options_parse(LB_S3_FLAVOR_AWS, badbool, 2, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "insecureSkipTLSVerify"));
	lb_kv capath[] = {{"region", "x"}, {"caCert", "/etc/ssl/ca.pem"}};
	assert_int_equal(lb_s3_options_parse(LB_S3_FLAVOR_AWS, capath, 2, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "caCert"));

	/* minio: s3Url required, with a scheme; path-style and us-east-1 by default */
	assert_int_equal(lb_s3_options_parse(LB_S3_FLAVOR_MINIO, noregion, 1, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "s3Url is required"));
	lb_kv noscheme[] = {{"s3Url", "minio:9000"}};
	assert_int_equal(lb_s3_options_parse(LB_S3_FLAVOR_MINIO, noscheme, 1, &o, &op), LB_EINVAL);
	assert_non_null(strstr(op.msg, "scheme"));
	lb_kv minio[] = {{"s3Url", "https://minio.example:9000"}};
	assert_int_equal(lb_s3_options_parse(LB_S3_FLAVOR_MINIO, minio, 1, &o, &op), 0);
	assert_int_equal(o.path_style, 1);
	assert_string_equal(o.region, "us-east-1");
	lb_s3_options_free(&o);

	int64_t sz;
	assert_int_equal(lb_s3_parse_size("16MiB", &sz), 0);
	assert_int_equal(sz, 16 << 20);
	assert_int_equal(lb_s3_parse_size("5M", &sz), 0);
	assert_int_equal(sz, 5000000);
	assert_int_equal(lb_s3_parse_size("12X", &sz), LB_EINVAL);
	assert_int_equal(lb_s3_parse_size("-1", &sz), LB_EINVAL);
}

static void
test_creds_file(void **state)
{
	(void) state;
	char path[] = "/tmp/lb-s3-creds-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "# comment\n[default]\naws_access_key_id = AKDEFAULT\n"
	                   "aws_secret_access_key=sdefault\n\n[profile other]\n"
	                   "aws_access_key_id=AKOTHER\naws_secret_access_key = sother \n"
	                   "aws_session_token=tok\n[broken]\naws_access_key_id=x\n";
	assert_true(write(fd, text, strlen(text)) == (ssize_t) strlen(text));
	close(fd);
	lb_s3_creds c = {0};
	lb_s3_op op = {0};
	assert_int_equal(lb_s3_creds_from_file(path, NULL, &c, &op), 0);
	assert_string_equal(c.access_key, "AKDEFAULT");
	assert_string_equal(c.secret_key, "sdefault");
	assert_null(c.session_token);
	assert_null(strstr(c.source, "sdefault"));
	lb_s3_creds_free(&c);
	assert_int_equal(lb_s3_creds_from_file(path, "other", &c, &op), 0);
	assert_string_equal(c.secret_key, "sother");
	assert_string_equal(c.session_token, "tok");
	lb_s3_creds_free(&c);
	assert_int_equal(lb_s3_creds_from_file(path, "nope", &c, &op), LB_EAUTH);
	assert_non_null(strstr(op.msg, "[nope]"));
	assert_int_equal(lb_s3_creds_from_file(path, "broken", &c, &op), LB_EAUTH);
	assert_null(strstr(op.msg, "sdefault"));
	assert_int_equal(lb_s3_creds_from_file("/nonexistent/creds", NULL, &c, &op), LB_EAUTH);
	assert_non_null(strstr(op.msg, "/nonexistent/creds"));
	unlink(path);
}

static lb_s3_client *
client_for(const char *url, int path_style, const char *region)
{
	lb_s3_options o = {0};
	lb_s3_creds cr = {0};
	lb_s3_client *c = NULL;
	lb_s3_op op = {0};
	o.endpoint = url ? strdup(url) : NULL;
	o.region = strdup(region);
	o.path_style = path_style;
	o.max_retries = 1;
	o.connect_timeout_ms = 1000;
	o.stall_timeout_ms = 1000;
	cr.access_key = strdup(AK);
	cr.secret_key = strdup(SK);
	assert_int_equal(lb_s3_client_new(&o, &cr, &c, &op), 0);
	return c;
}

static void
test_addressing(void **state)
{
	(void) state;
	char *url, *host, *canon;
	lb_s3_client *c = client_for(NULL, 0, "eu-west-1");
	assert_int_equal(lb_s3_url(c, 0, "mybucket", "a b/c.txt", &url, &host, &canon), 0);
	assert_string_equal(url, "https://mybucket.s3.eu-west-1.amazonaws.com/a%20b/c.txt");
	assert_string_equal(host, "mybucket.s3.eu-west-1.amazonaws.com");
	assert_string_equal(canon, "/a%20b/c.txt");
	free(url), free(host), free(canon);
	/* dots in the name break TLS wildcards: path-style */
	assert_int_equal(lb_s3_url(c, 0, "my.bucket", "k", &url, &host, &canon), 0);
	assert_string_equal(url, "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
	free(url), free(host), free(canon);
	lb_s3_client_free(c);
	c = client_for("http://127.0.0.1:7480", 0, "us-east-1");
	assert_int_equal(lb_s3_url(c, 0, "mybucket", NULL, &url, &host, &canon), 0);
	assert_string_equal(url, "http://127.0.0.1:7480/mybucket");
	assert_string_equal(host, "127.0.0.1:7480");
	assert_string_equal(canon, "/mybucket");
	free(url), free(host), free(canon);
	lb_s3_client_free(c);
	c = client_for("http://localhost:7480", 0, "us-east-1");
	assert_int_equal(lb_s3_url(c, 0, "mybucket", "k", &url, &host, &canon), 0);
	assert_string_equal(url, "http://mybucket.localhost:7480/k");
	free(url), free(host), free(canon);
	char *p = NULL;
	lb_s3_op op = {0};
	assert_int_equal(lb_s3_presign(c, &op, "mybucket", "k", 0, 1369353600, &p), LB_EINVAL);
	assert_int_equal(lb_s3_presign(c, &op, "mybucket", "k", 60000, 1369353600, &p), 0);
	assert_non_null(strstr(p, "http://mybucket.localhost:7480/k?X-Amz-Algorithm="));
	assert_non_null(strstr(p, "X-Amz-Expires=60&"));
	free(p);
	lb_s3_client_free(c);
	c = client_for("http://localhost:7480", 1, "us-east-1");
	assert_int_equal(lb_s3_url(c, 0, "mybucket", "k", &url, &host, &canon), 0);
	assert_string_equal(url, "http://localhost:7480/mybucket/k");
	free(url), free(host), free(canon);
	lb_s3_client_free(c);
}

static void
test_unreachable_is_clear(void **state)
{
	(void) state;
	/* port 9 on loopback: nothing listens; connection refused fast, retried once */
	lb_s3_client *c = client_for("http://127.0.0.1:9", 1, "us-east-1");
	lb_s3_op op = {0};
	int e = 0;
	assert_int_equal(lb_s3_head(c, &op, "bucket", "key", &e), LB_EIO);
	assert_non_null(strstr(op.msg, "could not talk to http://127.0.0.1:9 after 2 attempts"));
	assert_null(strstr(op.msg, SK));
	lb_s3_client_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sigv4_get_object),
	    cmocka_unit_test(test_sigv4_put_object),
	    cmocka_unit_test(test_sigv4_list_objects),
	    cmocka_unit_test(test_sigv4_lifecycle_empty_value),
	    cmocka_unit_test(test_sigv4_presign),
	    cmocka_unit_test(test_amz_date),
	    cmocka_unit_test(test_uri),
	    cmocka_unit_test(test_xml_list),
	    cmocka_unit_test(test_retry_classify),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_creds_file),
	    cmocka_unit_test(test_addressing),
	    cmocka_unit_test(test_unreachable_is_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
