/* fs-copy restore through an object-store backend (lb_fscopy_backend_ops, no random access):
 * blob reads are grouped by pack, so every data pack is downloaded at most once, and the
 * restored tree is byte-exact. The store is a directory behind put/get/exists/list/delete
 * callbacks that count downloads per key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fc_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KEYS 4096

typedef struct dir_store {
	char root[512];
	char *keys[MAX_KEYS];
	int gets[MAX_KEYS];
	int nkeys;
	pthread_mutex_t mu; /* restore workers download concurrently */
} dir_store;

static int
copy_fd(int in, int out)
{
	char b[65536];
	ssize_t n;

	while ((n = read(in, b, sizeof(b))) > 0)
		if (write(out, b, (size_t) n) != n)
			return -1;
	return n < 0 ? -1 : 0;
}

static void
mkparents(char *path)
{
	char *s;

	for (s = path + 1; *s; s++) {
		if (*s == '/') {
			*s = 0;
			mkdir(path, 0700);
			*s = '/';
		}
	}
}

static int
ds_put(void *ctx, const char *key, int fd, int64_t size)
{
	dir_store *d = ctx;
	char p[PATH_MAX];
	int out, rc;

	(void) size;
	snprintf(p, sizeof(p), "%s/%s", d->root, key);
	mkparents(p);
	out = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		return LB_EIO;
	rc = copy_fd(fd, out);
	close(out);
	return rc < 0 ? LB_EIO : 0;
}

static int
ds_get(void *ctx, const char *key, int fd)
{
	dir_store *d = ctx;
	char p[PATH_MAX];
	int in, rc, i;

	pthread_mutex_lock(&d->mu);
	for (i = 0; i < d->nkeys && strcmp(d->keys[i], key) != 0; i++)
		;
	if (i == d->nkeys && d->nkeys < MAX_KEYS)
		d->keys[d->nkeys++] = strdup(key);
	if (i < MAX_KEYS)
		d->gets[i]++;
	pthread_mutex_unlock(&d->mu);
	snprintf(p, sizeof(p), "%s/%s", d->root, key);
	in = open(p, O_RDONLY);
	if (in < 0)
		return LB_ENOTFOUND;
	rc = copy_fd(in, fd);
	close(in);
	return rc < 0 ? LB_EIO : 0;
}

static int
ds_exists(void *ctx, const char *key, int *exists_out)
{
	dir_store *d = ctx;
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", d->root, key);
	*exists_out = stat(p, &st) == 0;
	return 0;
}

static int
list_rec(const char *root, const char *rel, int (*add)(void *, const char *), void *lctx)
{
	char p[4096], sub[2048];
	struct dirent *de;
	DIR *dir;
	int rc = 0;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	dir = opendir(p);
	if (!dir)
		return 0;
	while (rc == 0 && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name);
		rc = de->d_type == DT_DIR ? list_rec(root, sub, add, lctx) : add(lctx, sub);
	}
	closedir(dir);
	return rc;
}

static int
ds_list(void *ctx, const char *prefix, int (*add)(void *, const char *), void *lctx)
{
	dir_store *d = ctx;
	char rel[1024];
	size_t n;

	snprintf(rel, sizeof(rel), "%s", prefix);
	n = strlen(rel);
	while (n && rel[n - 1] == '/')
		rel[--n] = 0;
	return list_rec(d->root, rel, add, lctx);
}

static int
ds_del(void *ctx, const char *key)
{
	dir_store *d = ctx;
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", d->root, key);
	return unlink(p) < 0 && errno != ENOENT ? LB_EIO : 0;
}

static void
write_file(const char *path, size_t len, uint64_t seed)
{
	uint8_t *b = malloc(len);
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	size_t i;
	FILE *f;

	assert_non_null(b);
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t) (x >> 24);
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
	free(b);
}

static void
test_restore_groups_by_pack(void **state)
{
	char base[] = "/tmp/fscopy-store-XXXXXX";
	char src[1024], dst[1024], p[1200], cmd[4096];
	const char *paths[1];
	lb_fscopy_store_ops ops = {0};
	lb_fscopy_backend *be = NULL;
	lb_fscopy_repo *r = NULL;
	lb_fscopy_kdf kdf = {1024, 8, 1};
	lb_fscopy_backup_opts bo = {0};
	lb_fscopy_restore_opts ro = {0};
	lb_fscopy_backup_stats st;
	dir_store *d = calloc(1, sizeof(*d));
	int64_t files = 0, bytes = 0;
	int i, data_keys = 0;

	(void) state;
	assert_non_null(d);
	pthread_mutex_init(&d->mu, NULL);
	assert_non_null(mkdtemp(base));
	snprintf(d->root, sizeof(d->root), "%s/store", base);
	snprintf(src, sizeof(src), "%s/src", base);
	snprintf(dst, sizeof(dst), "%s/dst", base);
	assert_int_equal(mkdir(d->root, 0700), 0);
	assert_int_equal(mkdir(src, 0700), 0);
	/* ~70 MiB of incompressible data (several 16 MiB packs) plus small files in subdirs */
	for (i = 0; i < 24; i++) {
		snprintf(p, sizeof(p), "%s/big%02d", src, i);
		write_file(p, (size_t) (3u << 20) - (size_t) i * 4099, (uint64_t) i + 1);
	}
	for (i = 0; i < 300; i++) {
		if (i % 50 == 0) {
			snprintf(p, sizeof(p), "%s/d%d", src, i / 50);
			assert_int_equal(mkdir(p, 0700), 0);
		}
		snprintf(p, sizeof(p), "%s/d%d/f%03d", src, i / 50, i);
		write_file(p, 100 + (size_t) i * 97, (uint64_t) i + 1000);
	}

	ops.ctx = d;
	ops.put = ds_put;
	ops.get = ds_get;
	ops.exists = ds_exists;
	ops.list = ds_list;
	ops.del = ds_del;
	assert_int_equal(lb_fscopy_backend_ops(&ops, "restic/ns", &be), 0);
	assert_int_equal(lb_fscopy_init(be, "secret", &kdf, &r), 0);
	paths[0] = src;
	bo.paths = paths;
	bo.n_paths = 1;
	bo.hostname = "unit";
	bo.threads = 2;
	assert_int_equal(lb_fscopy_backup(r, &bo, &st), 0);
	assert_int_equal(st.files, 324);
	lb_fscopy_close(r);
	r = NULL;

	for (i = 0; i < d->nkeys; i++)
		d->gets[i] = 0;
	assert_int_equal(lb_fscopy_open(be, "secret", &r), 0);
	ro.snapshot = "latest";
	ro.target = dst;
	ro.threads = 2;
	ro.no_owner = 1;
	assert_int_equal(lb_fscopy_restore(r, &ro, &files, &bytes), 0);
	assert_int_equal(files, 324);

	for (i = 0; i < d->nkeys; i++) {
		if (strncmp(d->keys[i], "restic/ns/data/", 15) != 0 || !d->gets[i])
			continue;
		data_keys++;
		if (d->gets[i] != 1)
			fail_msg("%s was downloaded %d times", d->keys[i], d->gets[i]);
	}
	print_message("%d data packs, each downloaded once\n", data_keys);
	assert_true(data_keys >= 5);
	assert_int_equal(lb_fscopy__pcache_fetches(r), (uint64_t) data_keys);
	lb_fscopy_close(r);
	lb_fscopy_backend_free(be);

	snprintf(cmd, sizeof(cmd), "diff -r %s %s%s", src, dst, src);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	assert_int_equal(system(cmd), 0);
	for (i = 0; i < d->nkeys; i++)
		free(d->keys[i]);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_restore_groups_by_pack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
