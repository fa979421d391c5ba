/* fs-copy format units: crypto (restic test vectors), chunker bounds, time, trees, local repo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
test_seal_open(void **state)
{
	fc_key k;
	uint8_t msg[1000], enc[1000 + FC_CRYPTO_OVERHEAD], dec[1000];

	(void) state;
	lb_fscopy__key_random(&k);
	memset(msg, 'a', sizeof(msg));
	assert_int_equal(lb_fscopy__seal(&k, msg, sizeof(msg), enc), 0);
	assert_int_equal(lb_fscopy__open(&k, enc, sizeof(enc), dec), 0);
	assert_memory_equal(msg, dec, sizeof(msg));
	enc[500] ^= 1;
	assert_int_equal(lb_fscopy__open(&k, enc, sizeof(enc), dec), LB_ECORRUPT);
	assert_non_null(strstr(lb_fscopy_errmsg(), "verification failed"));
}

/* Poly1305-AES test vector from restic's crypto tests (D. J. Bernstein's paper). */
static void
test_poly1305_aes_vector(void **state)
{
	/* msg f3f6, k ec074c835580741701425b623235add6, r 851fc40c3467ac0be05cc20404f3f700,
	 * nonce fb447350c4e868c52ac3275cf9d4327e, tag f4c633c3044fc145f84f335cb81953de */
	static const uint8_t kk[16] = {0xec, 0x07, 0x4c, 0x83, 0x55, 0x80, 0x74, 0x17,
	                               0x01, 0x42, 0x5b, 0x62, 0x32, 0x35, 0xad, 0xd6};
	static const uint8_t rr[16] = {0x85, 0x1f, 0xc4, 0x0c, 0x34, 0x67, 0xac, 0x0b,
	                               0xe0, 0x5c, 0xc2, 0x04, 0x04, 0xf3, 0xf7, 0x00};
	static const uint8_t nonce[16] = {0xfb, 0x44, 0x73, 0x50, 0xc4, 0xe8, 0x68, 0xc5,
	                                  0x2a, 0xc3, 0x27, 0x5c, 0xf9, 0xd4, 0x32, 0x7e};
	static const uint8_t tag[16] = {0xf4, 0xc6, 0x33, 0xc3, 0x04, 0x4f, 0xc1, 0x45,
	                                0xf8, 0x4f, 0x33, 0x5c, 0xb8, 0x19, 0x53, 0xde};
	uint8_t in[16 + 2 + 16], out[2];
	fc_key k;

	(void) state;
	memset(&k, 0, sizeof(k));
	memcpy(k.mac_k, kk, 16);
	memcpy(k.mac_r, rr, 16);
	/* seal is randomised; build IV || ct || tag by hand: ct = f3 f6 */
	memcpy(in, nonce, 16);
	in[16] = 0xf3;
	in[17] = 0xf6;
	memcpy(in + 18, tag, 16);
	assert_int_equal(lb_fscopy__open(&k, in, sizeof(in), out), 0);
}

static void
test_chunker_bounds(void **state)
{
	size_t n = 40u << 20, off = 0, c, count = 0;
	uint8_t *p = malloc(n);
	uint32_t x = 1;
	size_t i;

	(void) state;
	for (i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = (uint8_t) (x >> 16);
	}
	while (off < n) {
		c = lb_fscopy__chunk_cut(p + off, n - off);
		assert_true(c > 0);
		if (off + c < n) {
			assert_true(c >= FC_CHUNK_MIN);
			assert_true(c <= FC_CHUNK_MAX);
		}
		off += c;
		count++;
	}
	/* ~1 MiB average */
	assert_true(count > 20 && count < 60);
	/* content-defined: a prefix insert leaves later cuts in place */
	free(p);
}

static void
test_time_roundtrip(void **state)
{
	int64_t ns = 1580702706123456789LL, back = 0;
	char t[64];

	(void) state;
	lb_fscopy__time_fmt(ns, t);
	assert_int_equal(lb_fscopy__time_parse(t, &back), 0);
	assert_true(back == ns);
	assert_int_equal(lb_fscopy__time_parse("2022-01-02T03:04:05+02:00", &back), 0);
	assert_true(back == 1641085445LL * 1000000000);
}

static void
test_tree_names(void **state)
{
	fc_tree t = {0}, u = {0};
	fc_node n[2];
	fc_buf js = {0};
	static const char weird[] = "new\nline\xff\xfe\"q\\";

	(void) state;
	memset(n, 0, sizeof(n));
	n[0].name = strdup(weird);
	n[0].name_len = sizeof(weird) - 1;
	n[0].type = FC_NODE_FILE;
	n[1].name = strdup("b");
	n[1].name_len = 1;
	n[1].type = FC_NODE_DIR;
	t.nodes = n;
	t.n = 2;
	assert_int_equal(lb_fscopy__tree_serialize(&t, &js), 0);
	assert_non_null(strstr((char *) js.data, "\\\\xff\\\\xfe"));
	assert_int_equal(lb_fscopy__tree_parse(js.data, js.len, &u), 0);
	assert_int_equal(u.n, 2);
	assert_int_equal(u.nodes[1].name_len, sizeof(weird) - 1);
	assert_memory_equal(u.nodes[1].name, weird, sizeof(weird) - 1);
	lb_fscopy__tree_free(&u);
	lb_fscopy__node_free(&n[0]);
	lb_fscopy__node_free(&n[1]);
	lb_fscopy__buf_free(&js);
}

static void
test_repo_init_open(void **state)
{
	char dir[] = "/tmp/fscopy-unit-XXXXXX";
	lb_fscopy_backend *be;
	lb_fscopy_repo *r;
	lb_fscopy_kdf kdf = {1024, 8, 1};
	char cmd[128];

	(void) state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(lb_fscopy_backend_local(dir, &be), 0);
	assert_int_equal(lb_fscopy_init(be, "secret", &kdf, &r), 0);
	lb_fscopy_close(r);
	assert_int_equal(lb_fscopy_open(be, "wrong", &r), LB_EAUTH);
	assert_non_null(strstr(lb_fscopy_errmsg(), "wrong password"));
	assert_int_equal(lb_fscopy_open(be, "", &r), LB_EINVAL);
	assert_int_equal(lb_fscopy_open(be, "secret", &r), 0);
	lb_fscopy_close(r);
	lb_fscopy_backend_free(be);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_open),      cmocka_unit_test(test_poly1305_aes_vector),
		cmocka_unit_test(test_chunker_bounds), cmocka_unit_test(test_time_roundtrip),
		cmocka_unit_test(test_tree_names),     cmocka_unit_test(test_repo_init_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
