/* Frames: round trip, fd passing, truncated and oversized frames are EPROTO. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rpc/frame.h"
#include "rpc/methods.h"
#include "util/error.h"

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void
test_round_trip(void **state)
{
	int sv[2];
	lb_frame f;

	(void) state;
	pair(sv);
	assert_int_equal(
	    lb_frame_send(sv[0], LB_FRAME_CALL, 7, 1234, "{\"a\":1}", 7, -1, lb_deadline_in(1000)),
	    0);
	assert_int_equal(lb_frame_recv(sv[1], &f, lb_deadline_in(1000)), 0);
	assert_int_equal(f.hdr.type, LB_FRAME_CALL);
	assert_int_equal(f.hdr.call_id, 7);
	assert_int_equal(f.hdr.budget_ms, 1234);
	assert_int_equal(f.hdr.len, 7);
	assert_string_equal(f.payload, "{\"a\":1}");
	assert_int_equal(f.fd, -1);
	lb_frame_dispose(&f);
	/* empty payload */
	assert_int_equal(lb_frame_send(sv[0], LB_FRAME_CANCEL, 9, 0, NULL, 0, -1, LB_DEADLINE_NONE),
	                 0);
	assert_int_equal(lb_frame_recv(sv[1], &f, lb_deadline_in(1000)), 0);
	assert_int_equal(f.hdr.type, LB_FRAME_CANCEL);
	assert_null(f.payload);
	lb_frame_dispose(&f);
	close(sv[0]);
	close(sv[1]);
}

static void
test_fd_passing(void **state)
{
	int sv[2], p[2];
	char buf[8] = {0};
	lb_frame f;

	(void) state;
	pair(sv);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(lb_frame_send(sv[0], LB_FRAME_CALL, 1, 0, "{}", 2, p[1], LB_DEADLINE_NONE),
	                 0);
	close(p[1]);
	assert_int_equal(lb_frame_recv(sv[1], &f, lb_deadline_in(1000)), 0);
	assert_true(f.hdr.flags & LB_FRAME_HAS_FD);
	assert_true(f.fd >= 0);
	assert_int_equal(write(f.fd, "bytes", 5), 5);
	lb_frame_dispose(&f); /* closes the passed write end */
	assert_int_equal(read(p[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "bytes", 5);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 0); /* every write end closed */
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static void
test_truncated(void **state)
{
	lb_frame_hdr h = {100, LB_FRAME_ANSWER, 0, 1, 0};
	int sv[2];
	lb_frame f;

	(void) state;
	/* header promises 100 bytes, peer closes after 3 */
	pair(sv);
	assert_int_equal(write(sv[0], &h, sizeof(h)), (ssize_t) sizeof(h));
	assert_int_equal(write(sv[0], "abc", 3), 3);
	close(sv[0]);
	assert_int_equal(lb_frame_recv(sv[1], &f, lb_deadline_in(1000)), LB_EPROTO);
	close(sv[1]);
	/* half a header */
	pair(sv);
	assert_int_equal(write(sv[0], &h, 5), 5);
	close(sv[0]);
	assert_int_equal(lb_frame_recv(sv[1], &f, lb_deadline_in(1000)), LB_EPROTO);
	close(sv[1]);
	/* EOF at a frame boundary: the peer is gone, not a violation */
	pair(sv);
	close(sv[0]);
	assert_int_equal(lb_frame_recv(sv[1], &f, lb_deadline_in(1000)), LB_ECRASHED);
	close(sv[1]);
}

static void
test_oversized_and_flags(void **state)
{
	lb_frame_hdr big = {LB_FRAME_MAX + 1, LB_FRAME_ANSWER, 0, 1, 0};
	lb_frame_hdr liar = {0, LB_FRAME_ANSWER, LB_FRAME_HAS_FD, 1, 0};
	int sv[2];
	lb_frame f;

	(void) state;
	pair(sv);
	assert_int_equal(write(sv[0], &big, sizeof(big)), (ssize_t) sizeof(big));
	assert_int_equal(lb_frame_recv(sv[1], &f, lb_deadline_in(1000)), LB_EPROTO);
	assert_non_null(strstr(lb_error_last(LB_EPROTO), "exceeds"));
	assert_int_equal(lb_frame_send(sv[0], 1, 1, 0, "x", LB_FRAME_MAX + 1, -1, LB_DEADLINE_NONE),
	                 LB_EPROTO);
	close(sv[0]);
	close(sv[1]);
	/* HAS_FD without a descriptor */
	pair(sv);
	assert_int_equal(write(sv[0], &liar, sizeof(liar)), (ssize_t) sizeof(liar));
	assert_int_equal(lb_frame_recv(sv[1], &f, lb_deadline_in(1000)), LB_EPROTO);
	close(sv[0]);
	close(sv[1]);
}

static void
test_timeout(void **state)
{
	int sv[2];
	lb_frame f;

	(void) state;
	pair(sv);
	assert_int_equal(lb_frame_recv(sv[1], &f, lb_deadline_in(0)), LB_ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
}

static void
test_methods(void **state)
{
	(void) state;
	assert_int_equal(lb_method_lookup("ObjectStore.PutObject"), LB_METHOD_OS_PUT_OBJECT);
	assert_int_equal(lb_method_lookup("Nope.Nope"), -1);
	assert_false(lb_methods[LB_METHOD_OS_PUT_OBJECT].flags & LB_M_IDEMPOTENT);
	assert_true(lb_methods[LB_METHOD_OS_GET_OBJECT].flags & LB_M_IDEMPOTENT);
	assert_true(lb_methods[LB_METHOD_OS_OBJECT_EXISTS].flags & LB_M_IDEMPOTENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_fd_passing),
	    cmocka_unit_test(test_truncated),  cmocka_unit_test(test_oversized_and_flags),
	    cmocka_unit_test(test_timeout),    cmocka_unit_test(test_methods),
	};

	return cmocka_run_group_tests_name("rpc.frame", tests, NULL, NULL);
}
