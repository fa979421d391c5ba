/* plugins/support: retry classification, backoff bounds, cancellable sleep, percent-encoding,
 * hex and time formatting, config checks, the response buffer and fd streaming. */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lb_psup.h"

static void
test_curl_transient(void **state)
{
	(void) state;
	assert_true(lb_psup_curl_transient(CURLE_COULDNT_CONNECT));
	assert_true(lb_psup_curl_transient(CURLE_COULDNT_RESOLVE_HOST));
	assert_true(lb_psup_curl_transient(CURLE_RECV_ERROR));
	assert_true(lb_psup_curl_transient(CURLE_SEND_ERROR));
	assert_true(lb_psup_curl_transient(CURLE_GOT_NOTHING));
	assert_true(lb_psup_curl_transient(CURLE_PARTIAL_FILE));
	assert_true(lb_psup_curl_transient(CURLE_OPERATION_TIMEDOUT));
	assert_true(lb_psup_curl_transient(CURLE_SSL_CONNECT_ERROR));
	assert_true(lb_psup_curl_transient(CURLE_WEIRD_SERVER_REPLY));
	assert_true(lb_psup_curl_transient(CURLE_HTTP2));
	assert_true(lb_psup_curl_transient(CURLE_HTTP2_STREAM));
	/* our own abort from a callback, TLS trust, a bad URL: trying again cannot help */
	assert_false(lb_psup_curl_transient(CURLE_OK));
	assert_false(lb_psup_curl_transient(CURLE_ABORTED_BY_CALLBACK));
	assert_false(lb_psup_curl_transient(CURLE_WRITE_ERROR));
	assert_false(lb_psup_curl_transient(CURLE_PEER_FAILED_VERIFICATION));
	assert_false(lb_psup_curl_transient(CURLE_URL_MALFORMAT));
	assert_false(lb_psup_curl_transient(CURLE_UNSUPPORTED_PROTOCOL));
}

static void
test_backoff_bounds(void **state)
{
	(void) state;
	for (uint32_t r = 0; r < 100000; r += 13) {
		for (int a = 0; a < 40; a++) {
			int64_t hi = 200;
			for (int i = 0; i < a && hi < 10000; i++)
				hi *= 2;
			if (hi > 10000)
				hi = 10000;
			int64_t b = lb_psup_backoff_ms(a, 200, 10000, r);
			assert_true(b >= hi / 2 && b <= hi);
		}
	}
	/* the extremes of the jitter are reachable */
	assert_int_equal(lb_psup_backoff_ms(0, 200, 10000, 0), 100);
	assert_int_equal(lb_psup_backoff_ms(0, 200, 10000, 100), 200);
	assert_int_equal(lb_psup_backoff_ms(30, 200, 10000, 0), 5000);
	/* degenerate bases do not divide by zero or go negative */
	assert_int_equal(lb_psup_backoff_ms(0, 0, 10000, 12345), 0);
	assert_int_equal(lb_psup_backoff_ms(5, 1, 1, 7), 1);
	/* a huge attempt number stops doubling at the cap */
	assert_true(lb_psup_backoff_ms(1000000, 200, 10000, 99) <= 10000);
}

static int
stop_after(void *ud)
{
	int *n = ud;
	return --*n < 0;
}

static void
test_sleep(void **state)
{
	(void) state;
	int n = 0;
	int64_t t0 = lb_psup_mono_ms();
	assert_int_equal(lb_psup_sleep(60000, stop_after, &n), 1); /* canceled at once */
	n = 1;
	assert_int_equal(lb_psup_sleep(60000, stop_after, &n), 1); /* after one 50 ms slice */
	assert_true(lb_psup_mono_ms() - t0 < 1000);
	t0 = lb_psup_mono_ms();
	assert_int_equal(lb_psup_sleep(30, NULL, NULL), 0);
	assert_true(lb_psup_mono_ms() - t0 >= 30);
	assert_int_equal(lb_psup_sleep(0, NULL, NULL), 0);
}

static void
test_pct_encode(void **state)
{
	(void) state;
	char *a = lb_psup_pct_encode("a b/c+d~e_f.g-h\xc3\xa9", 1);
	char *b = lb_psup_pct_encode("a/b=c&?%#", 0);
	char *c = lb_psup_pct_encode("", 0);
	char *d = lb_psup_pct_encode("AZaz09", 0);
	char *e = lb_psup_pct_encode("\x01\xff", 0);
	assert_string_equal(a, "a%20b/c%2Bd~e_f.g-h%C3%A9");
	assert_string_equal(b, "a%2Fb%3Dc%26%3F%25%23");
	assert_string_equal(c, "");
	assert_string_equal(d, "AZaz09");
	assert_string_equal(e, "%01%FF");
	free(a), free(b), free(c), free(d), free(e);
}

static void
test_hex_and_time(void **state)
{
	(void) state;
	char h[9], t[17];
	lb_psup_hex((const unsigned char *) "\x00\x9f\xa0\xff", 4, h);
	assert_string_equal(h, "009fa0ff");
	lb_psup_iso8601_basic(1369353600, t); /* 2013-05-24 00:00:00 UTC */
	assert_string_equal(t, "20130524T000000Z");
	lb_psup_iso8601_basic(0, t);
	assert_string_equal(t, "19700101T000000Z");
}

typedef struct logcap {
	int level;
	char last[1024];
} logcap;

static void
cap_log(void *ud, int level, const char *msg)
{
	logcap *l = ud;
	l->level = level;
	snprintf(l->last, sizeof(l->last), "%s", msg);
}

static int
yes(void *ud)
{
	(void) ud;
	return 1;
}

static void
test_op(void **state)
{
	(void) state;
	logcap l = {0};
	lb_psup_op op = {0};
	assert_int_equal(lb_psup_fail(NULL, LB_EIO, "x %d", 1), LB_EIO);
	assert_int_equal(lb_psup_fail(&op, LB_EINVAL, "config %s is bad", "k"), LB_EINVAL);
	assert_int_equal(op.code, LB_EINVAL);
	assert_string_equal(op.msg, "config k is bad");
	lb_psup_logf(&op, LB_LOG_WARN, "no hook: %s", "dropped");
	lb_psup_logf(NULL, LB_LOG_WARN, "no op");
	op.log = cap_log;
	op.ud = &l;
	lb_psup_logf(&op, LB_LOG_WARN, "retry %d", 3);
	assert_int_equal(l.level, LB_LOG_WARN);
	assert_string_equal(l.last, "retry 3");
	assert_false(lb_psup_cancelled(NULL));
	assert_false(lb_psup_cancelled(&op));
	op.cancelled = yes;
	assert_true(lb_psup_cancelled(&op));
}

static void
test_config(void **state)
{
	(void) state;
	static const char *const keys[] = {"bucket", "caCert", "maxRetries", NULL};
	lb_psup_op op = {0};
	int v = -1;
	assert_true(lb_psup_in_list("caCert", keys));
	assert_false(lb_psup_in_list("cacert", keys));
	assert_false(lb_psup_in_list("", keys));
	assert_int_equal(lb_psup_parse_int("0", 0, 100, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(lb_psup_parse_int("100", 0, 100, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(lb_psup_parse_int("101", 0, 100, &v), LB_EINVAL);
	assert_int_equal(lb_psup_parse_int("-1", 0, 100, &v), LB_EINVAL);
	assert_int_equal(lb_psup_parse_int("", 0, 100, &v), LB_EINVAL);
	assert_int_equal(lb_psup_parse_int("5x", 0, 100, &v), LB_EINVAL);
	assert_int_equal(lb_psup_parse_int("99999999999999999999999", 0, 100, &v), LB_EINVAL);
	assert_int_equal(v, 100); /* written only on success */
	assert_int_equal(lb_psup_check_ca_pem(&op, ""), 0);
	assert_int_equal(lb_psup_check_ca_pem(
	                     &op, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
	                 0);
	assert_int_equal(lb_psup_check_ca_pem(&op, "/etc/ssl/ca.pem"), LB_EINVAL);
	assert_int_equal(op.code, LB_EINVAL);
	assert_non_null(strstr(op.msg, "caCert"));
	assert_non_null(strstr(op.msg, "not its path"));
}

static void
test_buf_append(void **state)
{
	(void) state;
	char *b = NULL;
	size_t len = 0, cap = 0;
	assert_int_equal(lb_psup_buf_append(&b, &len, &cap, 8192, "abc", 3), 0);
	assert_string_equal(b, "abc");
	assert_int_equal(cap, 4096);
	char big[5000];
	memset(big, 'x', sizeof(big));
	assert_int_equal(lb_psup_buf_append(&b, &len, &cap, 8192, big, sizeof(big)), 0);
	assert_int_equal(len, 5003);
	assert_int_equal(b[len], '\0');
	/* beyond the cap: refused, the buffer unchanged */
	assert_int_equal(lb_psup_buf_append(&b, &len, &cap, 8192, big, sizeof(big)), -1);
	assert_int_equal(len, 5003);
	assert_memory_equal(b, "abcxx", 5);
	free(b);
}

static void
test_write_all(void **state)
{
	(void) state;
	int p[2];
	char in[100000], out[100000];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char) (i * 7);
	assert_int_equal(pipe(p), 0);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	assert_int_equal(lb_psup_write_all(p[1], in, sizeof(in)), 0);
	close(p[1]);
	size_t got = 0;
	ssize_t r;
	while ((r = read(p[0], out + got, sizeof(out) - got)) > 0)
		got += (size_t) r;
	assert_int_equal(got, sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
	/* a closed read end: the errno comes back (SIGPIPE ignored for the test) */
	close(p[0]);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(lb_psup_write_all(p[1], "x", 1), EPIPE);
	close(p[1]);
	assert_int_equal(lb_psup_write_all(-1, "x", 1), EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_curl_transient), cmocka_unit_test(test_backoff_bounds),
	    cmocka_unit_test(test_sleep),          cmocka_unit_test(test_pct_encode),
	    cmocka_unit_test(test_hex_and_time),   cmocka_unit_test(test_op),
	    cmocka_unit_test(test_config),         cmocka_unit_test(test_buf_append),
	    cmocka_unit_test(test_write_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
