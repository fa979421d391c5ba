/*
 * lifeboat.io/file: an object store on a local directory.
 *
 * Config:
 *   root          required; an existing directory. Bucket B is the subdirectory root/B.
 *   createBucket  "true" (default) creates a missing bucket directory on the first write;
 *                 "false" makes a missing bucket directory an error (LB_ENOTFOUND).
 * Keys map to paths under the bucket; absolute keys, empty components and "." or ".."
 * components are refused (LB_EINVAL). Writes are atomic: a temp file in the same
 * directory, fsync, rename, fsync of the directory; a crash never leaves a torn object.
 * Temp files (".lb-tmp-*") are never listed. Deleting a missing key succeeds.
 * create_signed_url is not supported (there is no HTTP server): LB_EUNSUPPORTED.
 */
#define _GNU_SOURCE
#include <lifeboat/plugin/sdk.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

LB_PLUGIN_DECLARE("lifeboat.io/file", "0.1.0");

#define TMP_PREFIX ".lb-tmp-"

struct lb_object_store {
	char root[PATH_MAX];
	int create_bucket;
};

typedef struct names {
	char **v;
	size_t n, cap;
} names;

static int
names_add(names *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **p = realloc(l->v, cap * sizeof(*p));

		if (!p)
			return LB_ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return LB_ENOMEM;
	l->n++;
	return 0;
}

static void
names_free(names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
io_error(lb_call *call, int err, const char *what, const char *path)
{
	int code = err == ENOENT ? LB_ENOTFOUND : err == EACCES || err == EPERM ? LB_EPERM : LB_EIO;

	return lb_set_error(call, code, "%s %s: %s", what, path, strerror(err));
}

static int
fs_init(lb_call *call, const lb_config *config, lb_object_store **self_out)
{
	const char *root = lb_config_get(config, "root");
	const char *cb = lb_config_get(config, "createBucket");
	lb_object_store *s;
	struct stat st;

	for (uint32_t i = 0; i < config->count; i++) {
		const char *k = config->items[i].key;

		if (strcmp(k, "root") && strcmp(k, "createBucket") && strcmp(k, "bucket") &&
		    strcmp(k, "prefix") && strcmp(k, "credentialsFile") && strcmp(k, "caCert"))
			return lb_set_error(
			    call, LB_EINVAL,
			    "lifeboat.io/file: unknown config key '%s' (known: root, "
			    "createBucket)",
			    k);
	}
	if (!root || !*root)
		return lb_set_error(call, LB_EINVAL,
		                    "lifeboat.io/file: config 'root' is required (a directory)");
	if (cb && strcmp(cb, "true") && strcmp(cb, "false"))
		return lb_set_error(
		    call, LB_EINVAL,
		    "lifeboat.io/file: config 'createBucket' must be true or false, "
		    "not '%s'",
		    cb);
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return lb_set_error(call, LB_EINVAL,
		                    "lifeboat.io/file: root '%s' is not an existing directory",
		                    root);
	if (!(s = calloc(1, sizeof(*s))))
		return lb_set_error(call, LB_ENOMEM, "out of memory");
	if (!realpath(root, s->root))
		snprintf(s->root, sizeof(s->root), "%s", root);
	s->create_bucket = !cb || !strcmp(cb, "true");
	*self_out = s;
	return 0;
}

static int
check_name(lb_call *call, const char *what, const char *s, int allow_empty, int allow_trailing)
{
	size_t n = strlen(s);

	if (n == 0)
		return allow_empty ? 0
		                   : lb_set_error(call, LB_EINVAL, "%s must not be empty", what);
	if (s[0] == '/')
		return lb_set_error(call, LB_EINVAL, "%s '%s' must not be absolute", what, s);
	for (const char *p = s; *p;) {
		size_t len = strcspn(p, "/");

		if ((len == 0 && !(allow_trailing && p[len] == '\0')) ||
		    (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return lb_set_error(call, LB_EINVAL,
			                    "%s '%s' has an empty, '.' or '..' component", what, s);
		if (!strncmp(p, TMP_PREFIX, strlen(TMP_PREFIX)))
			return lb_set_error(call, LB_EINVAL, "%s '%s' uses the reserved prefix %s",
			                    what, s, TMP_PREFIX);
		p += len;
		if (*p == '/')
			p++;
		if (*p == '\0' && p[-1] == '/' && !allow_trailing)
			return lb_set_error(call, LB_EINVAL, "%s '%s' ends with '/'", what, s);
	}
	return 0;
}

static int
bucket_dir(lb_object_store *s, lb_call *call, const char *bucket, char *out, size_t size)
{
	int error;

	if ((error = check_name(call, "bucket", bucket, 0, 0)) < 0)
		return error;
	if (strchr(bucket, '/'))
		return lb_set_error(call, LB_EINVAL, "bucket '%s' must not contain '/'", bucket);
	if ((size_t) snprintf(out, size, "%s/%s", s->root, bucket) >= size)
		return lb_set_error(call, LB_EINVAL, "bucket name too long");
	return 0;
}

static int
key_path(
    lb_object_store *s, lb_call *call, const char *bucket, const char *key, char *out, size_t size)
{
	char dir[PATH_MAX];
	int error;

	if ((error = bucket_dir(s, call, bucket, dir, sizeof(dir))) < 0 ||
	    (error = check_name(call, "key", key, 0, 0)) < 0)
		return error;
	if ((size_t) snprintf(out, size, "%s/%s", dir, key) >= size)
		return lb_set_error(call, LB_EINVAL, "key '%s' too long", key);
	return 0;
}

/* mkdir -p the parents of @path, down from the bucket directory. */
static int
make_parents(lb_object_store *s, lb_call *call, const char *bucket, char *path)
{
	char dir[PATH_MAX];
	size_t base;
	struct stat st;

	bucket_dir(s, call, bucket, dir, sizeof(dir));
	if (stat(dir, &st) < 0) {
		if (!s->create_bucket)
			return lb_set_error(call, LB_ENOTFOUND,
			                    "bucket directory %s does not exist (create it, or set "
			                    "config createBucket=true)",
			                    dir);
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return io_error(call, errno, "cannot create bucket directory", dir);
	}
	base = strlen(dir) + 1;
	for (char *p = path + base; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int err = errno;

			io_error(call, err, "cannot create directory", path);
			*p = '/';
			return err == ENOENT ? LB_ENOTFOUND : LB_EIO;
		}
		*p = '/';
	}
	return 0;
}

static int
copy_fd(lb_call *call, int in, int out, const char *what)
{
	static char buf[1 << 20];
	int64_t done = 0, next_report = 64 << 20;

	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lb_set_error(call, LB_EIO, "%s: read: %s", what, strerror(errno));
		if (r == 0)
			return 0;
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t) (r - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return lb_set_error(call, LB_EIO, "%s: write: %s", what,
				                    strerror(errno));
			off += w;
		}
		done += r;
		if (done >= next_report) {
			next_report += 64 << 20;
			if (lb_progress(call, done, -1, "bytes") == LB_ECANCELED)
				return lb_set_error(call, LB_ECANCELED, "%s: canceled", what);
		}
	}
}

static int
fs_put_object(lb_object_store *s,
              lb_call *call,
              const char *bucket,
              const char *key,
              int body_fd,
              int64_t size)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32], *slash;
	int fd = -1, dfd = -1, error;

	(void) size;
	if ((error = key_path(s, call, bucket, key, path, sizeof(path))) < 0 ||
	    (error = make_parents(s, call, bucket, path)) < 0)
		return error;
	slash = strrchr(path, '/');
	snprintf(tmp, sizeof(tmp), "%.*s/" TMP_PREFIX "XXXXXX", (int) (slash - path), path);
	if ((fd = mkstemp(tmp)) < 0)
		return io_error(call, errno, "cannot create temp file in", path);
	(void) fchmod(fd, 0644);
	if ((error = copy_fd(call, body_fd, fd, key)) < 0)
		goto fail;
	if (fsync(fd) < 0) {
		error = io_error(call, errno, "fsync", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		error = io_error(call, errno, "close", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		error = io_error(call, errno, "rename to", path);
		goto fail;
	}
	*slash = '\0';
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void) fsync(dfd);
		(void) close(dfd);
	}
	return 0;
fail:
	if (fd >= 0)
		(void) close(fd);
	(void) unlink(tmp);
	return error;
}

static int
fs_object_exists(
    lb_object_store *s, lb_call *call, const char *bucket, const char *key, int *exists_out)
{
	char path[PATH_MAX];
	struct stat st;
	int error;

	if ((error = key_path(s, call, bucket, key, path, sizeof(path))) < 0)
		return error;
	*exists_out = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	return 0;
}

static int
fs_get_object(lb_object_store *s, lb_call *call, const char *bucket, const char *key, int sink_fd)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, error = 0;
	off_t left;

	if ((error = key_path(s, call, bucket, key, path, sizeof(path))) < 0)
		return error;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return lb_set_error(call, LB_ENOTFOUND, "object %s/%s not found", bucket,
			                    key);
		return io_error(call, errno, "cannot open", path);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		(void) close(fd);
		return lb_set_error(call, LB_ENOTFOUND, "object %s/%s not found", bucket, key);
	}
	left = st.st_size;
	while (left > 0) {
		ssize_t w =
		    sendfile(sink_fd, fd, NULL, left > (1 << 30) ? (1 << 30) : (size_t) left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EINVAL || errno == ENOSYS)) {
			error = copy_fd(call, fd, sink_fd, key);
			break;
		}
		if (w <= 0) {
			error = lb_set_error(call, LB_EIO, "writing %s/%s: %s", bucket, key,
			                     w < 0 ? strerror(errno) : "short write");
			break;
		}
		left -= w;
	}
	(void) close(fd);
	return error;
}

/* Every key under dir (relative to @base_len chars of the path), recursively. */
static int
walk(lb_call *call, char *path, size_t base_len, const char *prefix, names *out)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t len = strlen(path);
	int error = 0;

	if (!d)
		return errno == ENOENT || errno == ENOTDIR
		           ? 0
		           : io_error(call, errno, "cannot list", path);
	while (error >= 0 && (e = readdir(d)) != NULL) {
		const char *rel;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
			continue;
		if (len + 1 + strlen(e->d_name) >= PATH_MAX)
			continue;
		path[len] = '/';
		strcpy(path + len + 1, e->d_name);
		rel = path + base_len;
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				/* Descend only where keys with the prefix can be. */
				size_t rl = strlen(rel);

				if (!strncmp(rel, prefix,
				             rl < strlen(prefix) ? rl : strlen(prefix)))
					error = walk(call, path, base_len, prefix, out);
			} else if (S_ISREG(st.st_mode) && !strncmp(rel, prefix, strlen(prefix))) {
				error = names_add(out, rel);
			}
		}
		path[len] = '\0';
	}
	closedir(d);
	return error;
}

static int
list_keys(lb_object_store *s, lb_call *call, const char *bucket, const char *prefix, names *out)
{
	char path[PATH_MAX];
	int error;

	if ((error = bucket_dir(s, call, bucket, path, sizeof(path))) < 0)
		return error;
	if ((error = walk(call, path, strlen(path) + 1, prefix ? prefix : "", out)) < 0)
		return error;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp);
	return 0;
}

static int
fs_list_common_prefixes(lb_object_store *s,
                        lb_call *call,
                        const char *bucket,
                        const char *prefix,
                        const char *delimiter,
                        lb_strlist *prefixes_out)
{
	names keys = {0};
	const char *last = NULL;
	size_t plen = strlen(prefix), dlen = strlen(delimiter);
	int error;

	if (dlen == 0)
		return lb_set_error(call, LB_EINVAL, "ListCommonPrefixes needs a delimiter");
	if ((error = list_keys(s, call, bucket, prefix, &keys)) < 0)
		goto done;
	for (size_t i = 0; i < keys.n; i++) {
		char *rest = keys.v[i] + plen, *cut = strstr(rest, delimiter);

		if (!cut)
			continue;
		cut[dlen] = '\0';
		if (last && !strcmp(last, keys.v[i]))
			continue;
		if ((error = lb_strlist_append(prefixes_out, keys.v[i])) < 0)
			goto done;
		last = keys.v[i];
	}
done:
	names_free(&keys);
	return error;
}

static int
fs_list_objects(
    lb_object_store *s, lb_call *call, const char *bucket, const char *prefix, lb_strlist *keys_out)
{
	names keys = {0};
	int error;

	if ((error = list_keys(s, call, bucket, prefix, &keys)) < 0)
		goto done;
	for (size_t i = 0; i < keys.n && error >= 0; i++)
		error = lb_strlist_append(keys_out, keys.v[i]);
done:
	names_free(&keys);
	return error;
}

static int
fs_delete_object(lb_object_store *s, lb_call *call, const char *bucket, const char *key)
{
	char path[PATH_MAX], dir[PATH_MAX], *slash;
	int error;

	if ((error = key_path(s, call, bucket, key, path, sizeof(path))) < 0)
		return error;
	if (unlink(path) < 0 && errno != ENOENT && errno != ENOTDIR)
		return io_error(call, errno, "cannot delete", path);
	/* Drop directories left empty, up to the bucket. */
	bucket_dir(s, call, bucket, dir, sizeof(dir));
	while ((slash = strrchr(path, '/')) != NULL && (size_t) (slash - path) > strlen(dir)) {
		*slash = '\0';
		if (rmdir(path) < 0)
			break;
	}
	return 0;
}

static void
fs_destroy(lb_object_store *s)
{
	free(s);
}

static const lb_object_store_methods file_store = {
    LB_OBJECT_STORE_METHODS_HEADER,
    "lifeboat.io/file",
    fs_init,
    fs_put_object,
    fs_object_exists,
    fs_get_object,
    fs_list_common_prefixes,
    fs_list_objects,
    fs_delete_object,
    NULL, /* create_signed_url: no HTTP server to sign for */
    fs_destroy,
};

int
lb_plugin_init(lb_registrar *reg)
{
	return lb_register_object_store(reg, &file_store);
}
