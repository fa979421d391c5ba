/* The storage-location layer over an in-process fake object store: prefixes, relative
 * listings, and ReadOnly refused in the engine even though the store would accept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/location.h"
#include "util/error.h"

#define MAXK 64

static struct {
	char *keys[MAXK];
	char *vals[MAXK];
	int n;
	int puts, deletes;
	char last_bucket[64];
} fake;

static int
find(const char *k)
{
	for (int i = 0; i < fake.n; i++)
		if (!strcmp(fake.keys[i], k))
			return i;
	return -1;
}

static int
f_put(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int fd,
      int64_t size)
{
	char buf[4096];
	ssize_t r = read(fd, buf, sizeof(buf) - 1);
	int i = find(key);

	(void) self, (void) call, (void) size;
	snprintf(fake.last_bucket, sizeof(fake.last_bucket), "%s", bucket);
	fake.puts++;
	buf[r > 0 ? r : 0] = '\0';
	if (i < 0) {
		i = fake.n++;
		fake.keys[i] = strdup(key);
	} else {
		free(fake.vals[i]);
	}
	fake.vals[i] = strdup(buf);
	return 0;
}

static int
f_exists(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int *out)
{
	(void) self, (void) call, (void) bucket;
	*out = find(key) >= 0;
	return 0;
}

static int
f_get(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int fd)
{
	int i = find(key);

	(void) self, (void) bucket;
	if (i < 0)
		return lb_call_set_error(call, LB_ENOTFOUND, "no such key %s", key);
	return write(fd, fake.vals[i], strlen(fake.vals[i])) < 0 ? LB_EIO : 0;
}

static int
f_prefixes(lb_object_store *self, lb_call *call, const char *bucket, const char *prefix,
	   const char *delim, lb_strlist *out)
{
	(void) self, (void) call, (void) bucket;
	for (int i = 0; i < fake.n; i++) {
		const char *k = fake.keys[i], *rest, *d;

		if (strncmp(k, prefix, strlen(prefix)))
			continue;
		rest = k + strlen(prefix);
		d = strstr(rest, delim);
		if (!d)
			continue;
		{
			size_t n = (size_t) (d - k) + strlen(delim);
			char tmp[512];

			memcpy(tmp, k, n);
			tmp[n] = '\0';
			if (!lb_strlist_contains(out, tmp))
				lb_strlist_add(out, tmp);
		}
	}
	return 0;
}

static int
f_list(lb_object_store *self, lb_call *call, const char *bucket, const char *prefix,
       lb_strlist *out)
{
	(void) self, (void) call, (void) bucket;
	for (int i = 0; i < fake.n; i++)
		if (!strncmp(fake.keys[i], prefix, strlen(prefix)))
			lb_strlist_add(out, fake.keys[i]);
	return 0;
}

static int
f_delete(lb_object_store *self, lb_call *call, const char *bucket, const char *key)
{
	int i = find(key);

	(void) self, (void) call, (void) bucket;
	fake.deletes++;
	if (i >= 0) {
		free(fake.keys[i]);
		free(fake.vals[i]);
		fake.keys[i] = fake.keys[--fake.n];
		fake.vals[i] = fake.vals[fake.n];
	}
	return 0;
}

static const lb_object_store_methods fake_methods = {
	LB_OBJECT_STORE_METHODS_HEADER,
	"test/fake",
	NULL,
	f_put,
	f_exists,
	f_get,
	f_prefixes,
	f_list,
	f_delete,
	NULL,
	NULL,
};
static const lb_object_store_handle fake_handle = {&fake_methods, NULL};

static int
reset(void **state)
{
	(void) state;
	for (int i = 0; i < fake.n; i++) {
		free(fake.keys[i]);
		free(fake.vals[i]);
	}
	memset(&fake, 0, sizeof(fake));
	return 0;
}

static void
prefix_is_applied_and_stripped(void **state)
{
	(void) state;
	lb_location *loc;
	lb_strlist l = LB_STRLIST_INIT;
	lb_buf b = LB_BUF_INIT;
	lb_call *call = lb_call_new(NULL);
	int exists = 0;

	assert_int_equal(lb_location_wrap(&fake_handle, "main", "bkt", "/cl-a/", 0, &loc), 0);
	assert_string_equal(lb_location_prefix(loc), "cl-a");
	assert_int_equal(lb_location_put_bytes(loc, call, "backups/b1/velero-backup.json", "{}", 2), 0);
	assert_int_equal(lb_location_put_bytes(loc, call, "backups/b2/velero-backup.json", "{}", 2), 0);
	assert_int_equal(lb_location_put_bytes(loc, call, "restores/r1/x", "data", 4), 0);
	assert_string_equal(fake.last_bucket, "bkt");
	assert_int_not_equal(find("cl-a/backups/b1/velero-backup.json"), -1);

	assert_int_equal(lb_location_list(loc, call, "backups/", "/", &l), 0);
	lb_strlist_sort(&l);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.items[0], "backups/b1/");
	assert_string_equal(l.items[1], "backups/b2/");
	lb_strlist_dispose(&l);

	assert_int_equal(lb_location_list(loc, call, NULL, NULL, &l), 0);
	assert_int_equal(l.count, 3);
	lb_strlist_dispose(&l);

	assert_int_equal(lb_location_get_bytes(loc, call, "restores/r1/x", &b), 0);
	assert_string_equal(b.ptr, "data");
	assert_int_equal(lb_location_exists(loc, call, "restores/r1/x", &exists), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(lb_location_get_bytes(loc, call, "nope", &b), LB_ENOTFOUND);
	assert_non_null(strstr(lb_error_last(LB_ENOTFOUND), "cl-a/nope"));
	assert_int_equal(lb_location_put_bytes(loc, call, "/abs", "x", 1), LB_EINVAL);
	lb_buf_dispose(&b);
	lb_location_close(loc);
	lb_call_free(call);
}

static void
read_only_refused_in_engine(void **state)
{
	(void) state;
	lb_location *loc;
	lb_call *call = lb_call_new(NULL);
	lb_buf b = LB_BUF_INIT;

	assert_int_equal(lb_location_wrap(&fake_handle, "archive", "bkt", "", 1, &loc), 0);
	assert_int_equal(lb_location_put_bytes(loc, call, "backups/b1/x", "{}", 2), LB_EPERM);
	assert_non_null(strstr(lb_call_error_message(call), "storage location 'archive' is ReadOnly"));
	assert_int_equal(lb_location_delete(loc, call, "backups/b1/x"), LB_EPERM);
	/* The store was never asked. */
	assert_int_equal(fake.puts, 0);
	assert_int_equal(fake.deletes, 0);
	/* Reads still work. */
	assert_int_equal(lb_location_get_bytes(loc, call, "backups/b1/x", &b), LB_ENOTFOUND);
	lb_buf_dispose(&b);
	lb_location_close(loc);
	lb_call_free(call);
}

static void
engine_keys_are_not_the_plugins(void **state)
{
	(void) state;
	assert_true(lb_location_engine_key("repoPassword"));
	assert_true(lb_location_engine_key("repoPasswordFile"));
	assert_false(lb_location_engine_key("region"));
	assert_false(lb_location_engine_key("root"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(prefix_is_applied_and_stripped, reset),
		cmocka_unit_test_setup(read_only_refused_in_engine, reset),
		cmocka_unit_test(engine_keys_are_not_the_plugins),
	};
	return cmocka_run_group_tests_name("store.location", tests, NULL, reset);
}
