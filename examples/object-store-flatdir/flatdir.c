/*
 * example.com/flatdir: an object store that keeps each object as one file in a flat
 * directory, <root>/<bucket>/<encoded key>. A small but complete Lifeboat plugin, built only
 * against the installed SDK (see README.md); `lifeboat plugin test` passes against it.
 *
 * Keys are percent-encoded into file names, so any key (slashes, spaces, unicode) maps to
 * one file and "a" and "a/b" can both exist, as in S3. Writes go to a temporary file that is
 * renamed into place, so a reader never sees half an object.
 *
 * Config: root (required, an existing directory). bucket, prefix, caCert and
 * credentialsFile are accepted because the engine injects them, as Velero does.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lifeboat/plugin/sdk.h>

LB_PLUGIN_DECLARE("example.com/flatdir", "1.0.0");

#define COPY_CHUNK (1024 * 1024)
#define PROGRESS_EVERY (16 * 1024 * 1024)

struct lb_object_store {
	char *root;
};

static const char *const known_keys[] = {"root", "bucket", "prefix", "caCert", "credentialsFile"};

static char *
dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

static int
flat_init(lb_call *call, const lb_config *config, lb_object_store **self_out)
{
	const char *root;
	struct stat st;
	lb_object_store *self;
	uint32_t i;
	size_t k;

	for (i = 0; i < config->count; i++) {
		for (k = 0; k < sizeof(known_keys) / sizeof(known_keys[0]); k++)
			if (strcmp(config->items[i].key, known_keys[k]) == 0)
				break;
		if (k == sizeof(known_keys) / sizeof(known_keys[0]))
			return lb_set_error(
			    call, LB_EINVAL,
			    "unknown config key \"%s\"; example.com/flatdir accepts "
			    "root, bucket, prefix, caCert, credentialsFile",
			    config->items[i].key);
	}
	root = lb_config_get(config, "root");
	if (root == NULL || root[0] == '\0')
		return lb_set_error(call, LB_EINVAL,
		                    "config key \"root\" is required: the directory that holds "
		                    "the buckets");
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return lb_set_error(call, LB_EINVAL,
		                    "config key \"root\": %s is not an existing directory", root);
	self = calloc(1, sizeof(*self));
	if (self == NULL || (self->root = dup_str(root)) == NULL) {
		free(self);
		return lb_set_error(call, LB_ENOMEM, "out of memory");
	}
	*self_out = self;
	return 0;
}

static void
flat_destroy(lb_object_store *self)
{
	if (self == NULL)
		return;
	free(self->root);
	free(self);
}

static int
is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* <root>/<bucket>[/<encoded key>]; a leading '.' is encoded so that no key can be ".",
 * ".." or look like one of our temporary files. */
static char *
make_path(const lb_object_store *self, const char *bucket, const char *key)
{
	size_t n = strlen(self->root) + strlen(bucket) + 3 + (key ? strlen(key) * 3 : 0);
	char *path = malloc(n);
	char *p;
	const unsigned char *k;

	if (path == NULL)
		return NULL;
	p = path + sprintf(path, "%s/%s", self->root, bucket);
	if (key == NULL)
		return path;
	*p++ = '/';
	for (k = (const unsigned char *) key; *k; k++) {
		if (is_plain(*k) && !(*k == '.' && k == (const unsigned char *) key))
			*p++ = (char) *k;
		else
			p += sprintf(p, "%%%02X", *k);
	}
	*p = '\0';
	return path;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes @name in place; 0 if it is not one of our encoded keys. */
static int
decode_name(char *name)
{
	char *in = name, *out = name;

	while (*in) {
		if (*in == '%') {
			int hi = hexval(in[1]), lo = hi < 0 ? -1 : hexval(in[2]);
			if (lo < 0)
				return 0;
			*out++ = (char) (hi * 16 + lo);
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return 1;
}

static int
check_bucket(lb_call *call, const char *bucket)
{
	if (bucket == NULL || bucket[0] == '\0' || strchr(bucket, '/') != NULL || bucket[0] == '.')
		return lb_set_error(call, LB_EINVAL,
		                    "bucket \"%s\" is not a valid bucket name (non-empty, no '/', "
		                    "not starting with '.')",
		                    bucket ? bucket : "(null)");
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t) w;
	}
	return 0;
}

static int
flat_put(lb_object_store *self,
         lb_call *call,
         const char *bucket,
         const char *key,
         int body_fd,
         int64_t size)
{
	char *dir = NULL, *path = NULL, *tmp = NULL, *chunk = NULL;
	int fd = -1, error;
	int64_t total = 0, reported = 0;

	if ((error = check_bucket(call, bucket)) < 0)
		return error;
	dir = make_path(self, bucket, NULL);
	path = make_path(self, bucket, key);
	chunk = malloc(COPY_CHUNK);
	if (dir == NULL || path == NULL || chunk == NULL ||
	    (tmp = malloc(strlen(dir) + 16)) == NULL) {
		error = lb_set_error(call, LB_ENOMEM, "out of memory");
		goto done;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		error = lb_set_error(call, LB_EIO, "mkdir %s: %s", dir, strerror(errno));
		goto done;
	}
	sprintf(tmp, "%s/.tmp-XXXXXX", dir);
	if ((fd = mkstemp(tmp)) < 0) {
		error = lb_set_error(call, LB_EIO, "create %s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto done;
	}
	for (;;) {
		ssize_t n = read(body_fd, chunk, COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = lb_set_error(call, LB_EIO, "reading the body of %s: %s", key,
			                     strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (write_all(fd, chunk, (size_t) n) < 0) {
			error = lb_set_error(call, LB_EIO, "write %s: %s", tmp, strerror(errno));
			goto done;
		}
		total += n;
		if (total - reported >= PROGRESS_EVERY) {
			reported = total;
			if (lb_progress(call, total, size, "bytes") == LB_ECANCELED) {
				error = lb_set_error(call, LB_ECANCELED, "put %s canceled", key);
				goto done;
			}
		}
	}
	if (size >= 0 && total != size) {
		error = lb_set_error(call, LB_EIO,
		                     "put %s: body had %lld bytes, the caller announced %lld", key,
		                     (long long) total, (long long) size);
		goto done;
	}
	if (fdatasync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		error = lb_set_error(call, LB_EIO, "flush %s: %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		error =
		    lb_set_error(call, LB_EIO, "rename %s to %s: %s", tmp, path, strerror(errno));
		goto done;
	}
	tmp[0] = '\0';
	error = 0;
done:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL && tmp[0] != '\0')
		unlink(tmp);
	free(tmp);
	free(chunk);
	free(path);
	free(dir);
	return error;
}

static int
flat_exists(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int *out)
{
	struct stat st;
	char *path;
	int error;

	if ((error = check_bucket(call, bucket)) < 0)
		return error;
	if ((path = make_path(self, bucket, key)) == NULL)
		return lb_set_error(call, LB_ENOMEM, "out of memory");
	if (stat(path, &st) == 0) {
		*out = 1;
	} else if (errno == ENOENT) {
		*out = 0;
	} else {
		error = lb_set_error(call, LB_EIO, "stat %s: %s", path, strerror(errno));
	}
	free(path);
	return error;
}

static int
flat_get(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int sink_fd)
{
	char *path = NULL, *chunk = NULL;
	int fd = -1, error;

	if ((error = check_bucket(call, bucket)) < 0)
		return error;
	path = make_path(self, bucket, key);
	chunk = malloc(COPY_CHUNK);
	if (path == NULL || chunk == NULL) {
		error = lb_set_error(call, LB_ENOMEM, "out of memory");
		goto done;
	}
	if ((fd = open(path, O_RDONLY)) < 0) {
		if (errno == ENOENT)
			error = lb_set_error(call, LB_ENOTFOUND,
			                     "object \"%s\" not found in "
			                     "bucket \"%s\"",
			                     key, bucket);
		else
			error = lb_set_error(call, LB_EIO, "open %s: %s", path, strerror(errno));
		goto done;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = lb_set_error(call, LB_EIO, "read %s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (write_all(sink_fd, chunk, (size_t) n) < 0) {
			error = lb_set_error(call, LB_EIO, "writing %s to the sink: %s", key,
			                     strerror(errno));
			goto done;
		}
	}
	error = 0;
done:
	if (fd >= 0)
		close(fd);
	free(chunk);
	free(path);
	return error;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every key in @bucket that starts with @prefix, decoded and sorted, into *keys_out. */
static int
scan(lb_object_store *self,
     lb_call *call,
     const char *bucket,
     const char *prefix,
     char ***keys_out,
     size_t *count_out)
{
	char *dir = NULL, **keys = NULL;
	size_t count = 0, cap = 0;
	size_t plen = strlen(prefix);
	DIR *d = NULL;
	struct dirent *de;
	int error;

	if ((error = check_bucket(call, bucket)) < 0)
		return error;
	if ((dir = make_path(self, bucket, NULL)) == NULL) {
		error = lb_set_error(call, LB_ENOMEM, "out of memory");
		goto done;
	}
	if ((d = opendir(dir)) == NULL) {
		error = errno == ENOENT
		            ? 0
		            : lb_set_error(call, LB_EIO, "opendir %s: %s", dir, strerror(errno));
		goto done;
	}
	while ((de = readdir(d)) != NULL) {
		char *name;
		if (de->d_name[0] == '.')
			continue; /* ".", "..", temporary files */
		if ((name = dup_str(de->d_name)) == NULL) {
			error = lb_set_error(call, LB_ENOMEM, "out of memory");
			goto done;
		}
		if (!decode_name(name) || strncmp(name, prefix, plen) != 0) {
			free(name);
			continue;
		}
		if (count == cap) {
			char **grown;
			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(keys, cap * sizeof(*keys))) == NULL) {
				free(name);
				error = lb_set_error(call, LB_ENOMEM, "out of memory");
				goto done;
			}
			keys = grown;
		}
		keys[count++] = name;
	}
	if (count > 0)
		qsort(keys, count, sizeof(*keys), cmp_str);
	error = 0;
done:
	if (d != NULL)
		closedir(d);
	free(dir);
	if (error < 0) {
		while (count > 0)
			free(keys[--count]);
		free(keys);
		keys = NULL;
	}
	*keys_out = keys;
	*count_out = count;
	return error;
}

static void
free_keys(char **keys, size_t count)
{
	while (count > 0)
		free(keys[--count]);
	free(keys);
}

static int
flat_list_objects(
    lb_object_store *self, lb_call *call, const char *bucket, const char *prefix, lb_strlist *out)
{
	char **keys;
	size_t count, i;
	int error;

	if ((error = scan(self, call, bucket, prefix, &keys, &count)) < 0)
		return error;
	for (i = 0; i < count && error == 0; i++)
		error = lb_strlist_append(out, keys[i]);
	free_keys(keys, count);
	return error;
}

static int
flat_list_common_prefixes(lb_object_store *self,
                          lb_call *call,
                          const char *bucket,
                          const char *prefix,
                          const char *delimiter,
                          lb_strlist *out)
{
	char **keys;
	size_t count, i, plen = strlen(prefix), dlen;
	char *last = NULL;
	int error;

	if (delimiter == NULL || delimiter[0] == '\0')
		return lb_set_error(call, LB_EINVAL, "list_common_prefixes needs a delimiter");
	dlen = strlen(delimiter);
	if ((error = scan(self, call, bucket, prefix, &keys, &count)) < 0)
		return error;
	/* Keys are sorted, so equal common prefixes are adjacent. */
	for (i = 0; i < count && error == 0; i++) {
		char *cut = strstr(keys[i] + plen, delimiter);
		if (cut == NULL)
			continue; /* a key at this level, not a prefix */
		cut[dlen] = '\0';
		if (last != NULL && strcmp(last, keys[i]) == 0)
			continue;
		last = keys[i];
		error = lb_strlist_append(out, keys[i]);
	}
	free_keys(keys, count);
	return error;
}

static int
flat_delete(lb_object_store *self, lb_call *call, const char *bucket, const char *key)
{
	char *path;
	int error;

	if ((error = check_bucket(call, bucket)) < 0)
		return error;
	if ((path = make_path(self, bucket, key)) == NULL)
		return lb_set_error(call, LB_ENOMEM, "out of memory");
	if (unlink(path) < 0 && errno != ENOENT)
		error = lb_set_error(call, LB_EIO, "unlink %s: %s", path, strerror(errno));
	free(path);
	return error;
}

static const lb_object_store_methods flat_methods = {
    LB_OBJECT_STORE_METHODS_HEADER,
    "example.com/flatdir",
    flat_init,
    flat_put,
    flat_exists,
    flat_get,
    flat_list_common_prefixes,
    flat_list_objects,
    flat_delete,
    NULL, /* create_signed_url: optional; plain files have no URL */
    flat_destroy,
};

int
lb_plugin_init(lb_registrar *reg)
{
	return lb_register_object_store(reg, &flat_methods);
}
