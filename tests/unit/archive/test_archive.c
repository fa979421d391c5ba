/* Tarball writer/reader: round trip, Velero's entry rules, and every unsafe input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "archive/archive.h"
#include "archive/gzip.h"
#include "util/error.h"

typedef struct seen {
	int n;
	char paths[8][128];
	char data[8][64];
} seen;

static int
collect(const char *path, const char *data, size_t len, void *ud)
{
	seen *s = ud;

	if (s->n < 8) {
		snprintf(s->paths[s->n], 128, "%s", path);
		snprintf(s->data[s->n], 64, "%.*s", (int) len, data);
	}
	s->n++;
	return 0;
}

static void
test_round_trip(void **state)
{
	int fd = memfd_create("t", 0);
	lb_archive_writer *w = NULL;
	seen s;

	(void) state;
	assert_int_equal(lb_archive_writer_open_fd(fd, &w), 0);
	assert_int_equal(lb_archive_writer_add(w, "metadata/version", "1.1.0\n", 6), 0);
	assert_int_equal(lb_archive_writer_add(w, "resources/pods/namespaces/a/p.json", "{}", 2),
	                 0);
	assert_int_equal(lb_archive_writer_finish(w), 0);
	assert_int_equal(lb_archive_writer_count(w), 2);
	lb_archive_writer_free(w);
	/* a path that would escape is refused at write time too */
	lseek(fd, 0, SEEK_SET);
	memset(&s, 0, sizeof(s));
	assert_int_equal(lb_archive_read_fd(fd, NULL, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.paths[1], "resources/pods/namespaces/a/p.json");
	assert_string_equal(s.data[0], "1.1.0\n");
	close(fd);
}

static void
test_entry_mode(void **state)
{
	/* Velero writes regular files with mode 0755 */
	int fd = memfd_create("t", 0);
	lb_archive_writer *w = NULL;
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	(void) state;
	lb_archive_writer_open_fd(fd, &w);
	lb_archive_writer_add(w, "resources/x/cluster/y.json", "{}", 2);
	lb_archive_writer_finish(w);
	lb_archive_writer_free(w);
	lseek(fd, 0, SEEK_SET);
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_fd(a, fd, 4096), ARCHIVE_OK);
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	assert_int_equal(archive_entry_filetype(e), AE_IFREG);
	assert_int_equal(archive_entry_perm(e), 0755);
	archive_read_free(a);
	close(fd);
}

/* Build a hostile tarball with libarchive directly. */
enum kind { K_DOTDOT, K_ABS, K_SYMLINK, K_HARDLINK, K_DEVICE, K_BIG };

static int
hostile(enum kind k, size_t big)
{
	int fd = memfd_create("h", 0);
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char *zeros = NULL;

	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fd);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_filetype(e, AE_IFREG);
	switch (k) {
	case K_DOTDOT:
		archive_entry_set_pathname(e, "resources/../../etc/passwd");
		break;
	case K_ABS:
		archive_entry_set_pathname(e, "/etc/passwd");
		break;
	case K_SYMLINK:
		archive_entry_set_pathname(e, "resources/pods/cluster/x.json");
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, "/etc/shadow");
		break;
	case K_HARDLINK:
		archive_entry_set_pathname(e, "resources/pods/cluster/x.json");
		archive_entry_set_hardlink(e, "metadata/version");
		break;
	case K_DEVICE:
		archive_entry_set_pathname(e, "resources/pods/cluster/x.json");
		archive_entry_set_filetype(e, AE_IFCHR);
		archive_entry_set_rdev(e, 0x0101);
		break;
	case K_BIG:
		archive_entry_set_pathname(e, "resources/pods/cluster/bomb.json");
		archive_entry_set_size(e, (la_int64_t) big);
		break;
	}
	if (k != K_BIG)
		archive_entry_set_size(e, 0);
	archive_write_header(a, e);
	if (k == K_BIG) {
		zeros = calloc(1, big);
		archive_write_data(a, zeros, big);
		free(zeros);
	}
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void
expect_refused(enum kind k, const lb_archive_limits *l, const char *needle)
{
	int fd = hostile(k, 4u << 20);
	seen s;
	int error;

	memset(&s, 0, sizeof(s));
	error = lb_archive_read_fd(fd, l, collect, &s);
	close(fd);
	assert_int_equal(error, LB_ECORRUPT);
	assert_int_equal(s.n, 0); /* the callback never saw it */
	if (!strstr(lb_error_last(error), needle))
		fail_msg("message \"%s\" lacks \"%s\"", lb_error_last(error), needle);
}

static void
test_dotdot(void **state)
{
	(void) state;
	expect_refused(K_DOTDOT, NULL, "\"resources/../../etc/passwd\": \"..\" path");
}

static void
test_absolute(void **state)
{
	(void) state;
	expect_refused(K_ABS, NULL, "\"/etc/passwd\": absolute path");
}

static void
test_symlink(void **state)
{
	(void) state;
	expect_refused(K_SYMLINK, NULL, "symbolic link refused");
}

static void
test_hardlink(void **state)
{
	(void) state;
	expect_refused(K_HARDLINK, NULL, "hard link");
}

static void
test_device(void **state)
{
	(void) state;
	expect_refused(K_DEVICE, NULL, "character device refused");
}

static void
test_bomb_total(void **state)
{
	lb_archive_limits l = {0};

	(void) state;
	l.max_total_bytes = 1u << 20;
	expect_refused(K_BIG, &l, "bomb.json\": expanded size passes the limit");
}

static void
test_bomb_ratio(void **state)
{
	lb_archive_limits l = {0};

	(void) state;
	l.max_ratio = 50;
	l.ratio_floor = 1u << 20;
	expect_refused(K_BIG, &l, "decompression bomb");
}

static void
test_bomb_entry(void **state)
{
	lb_archive_limits l = {0};

	(void) state;
	l.max_entry_bytes = 1024;
	expect_refused(K_BIG, &l, "per-entry limit");
}

static void
test_not_gzip(void **state)
{
	int fd = memfd_create("x", 0);
	seen s;

	(void) state;
	assert_int_equal(write(fd, "hello world, not a tarball at all....", 37), 37);
	lseek(fd, 0, SEEK_SET);
	memset(&s, 0, sizeof(s));
	assert_int_equal(lb_archive_read_fd(fd, NULL, collect, &s), LB_ECORRUPT);
	close(fd);
}

static void
test_writer_refuses_bad_path(void **state)
{
	int fd = memfd_create("t", 0);
	lb_archive_writer *w = NULL;

	(void) state;
	lb_archive_writer_open_fd(fd, &w);
	assert_int_equal(lb_archive_writer_add(w, "../x", "", 0), LB_ECORRUPT);
	assert_int_equal(lb_archive_writer_add(w, "/x", "", 0), LB_ECORRUPT);
	lb_archive_writer_free(w);
	close(fd);
}

static void
test_gzip(void **state)
{
	lb_buf gz = LB_BUF_INIT, out = LB_BUF_INIT;
	char *big = calloc(1, 1 << 20);

	(void) state;
	assert_int_equal(lb_gzip("hello", 5, &gz), 0);
	assert_int_equal(lb_gunzip(gz.ptr, gz.len, 0, "t", &out), 0);
	assert_string_equal(out.ptr, "hello");
	lb_buf_dispose(&gz);
	lb_buf_clear(&out);
	lb_gzip(big, 1 << 20, &gz);
	assert_int_equal(lb_gunzip(gz.ptr, gz.len, 4096, "x-logs.gz", &out), LB_ECORRUPT);
	assert_non_null(strstr(lb_error_last(LB_ECORRUPT), "x-logs.gz"));
	lb_buf_clear(&out);
	assert_int_equal(lb_gunzip("garbage", 7, 0, "y", &out), LB_ECORRUPT);
	lb_buf_dispose(&gz);
	lb_buf_dispose(&out);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_entry_mode),
	    cmocka_unit_test(test_dotdot),     cmocka_unit_test(test_absolute),
	    cmocka_unit_test(test_symlink),    cmocka_unit_test(test_hardlink),
	    cmocka_unit_test(test_device),     cmocka_unit_test(test_bomb_total),
	    cmocka_unit_test(test_bomb_ratio), cmocka_unit_test(test_bomb_entry),
	    cmocka_unit_test(test_not_gzip),   cmocka_unit_test(test_writer_refuses_bad_path),
	    cmocka_unit_test(test_gzip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
