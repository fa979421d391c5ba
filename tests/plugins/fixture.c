/*
 * Fixture plugins, one source: each fixture is this file built with one FX_* define.
 * The base is a tiny in-memory object store; bucket "@location" forwards to the host's
 * location_* callbacks. Each fixture changes one thing to fail in one way.
 */
#define _GNU_SOURCE
#include <lifeboat/plugin/sdk.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef FX_NAME
#define FX_NAME "test.lifeboat.io/ok"
#endif

#if defined(FX_SDK_1_0)
/* Built against the SDK 1.0 headers snapshot (tests/plugins/sdk-1.0): a host table of
 * abi_minor 0 (144 bytes) as the plugin sees it, no volume_copier.h. */
typedef char fx_sdk_is_1_0[(LB_SDK_MINOR == 0 && LB_HOST_API_ABI_MINOR == 0) ? 1 : -1];
#endif

#if defined(FX_NO_MAGIC)
const lb_host_api *lb__host;
LB_PLUGIN_EXPORT void lb_plugin_bind_v1(const lb_host_api *host);
void
lb_plugin_bind_v1(const lb_host_api *host)
{
	lb__host = host;
}
#elif defined(FX_BAD_MAGIC) || defined(FX_NEWER_MAJOR)
const lb_host_api *lb__host;
LB_PLUGIN_EXPORT const lb_plugin_magic *lb_plugin_magic_v1(void);
const lb_plugin_magic *
lb_plugin_magic_v1(void)
{
#ifdef FX_BAD_MAGIC
	static const lb_plugin_magic m = {4, 0, 0, 0, 0, 0, NULL, NULL};
#else
	static const lb_plugin_magic m = {
	    sizeof(lb_plugin_magic), LB_PLUGIN_PROTOCOL, 2, 0, sizeof(void *), 0, FX_NAME, "9"};
#endif
	return &m;
}
LB_PLUGIN_EXPORT void lb_plugin_bind_v1(const lb_host_api *host);
void
lb_plugin_bind_v1(const lb_host_api *host)
{
	lb__host = host;
}
#else
LB_PLUGIN_DECLARE(FX_NAME, "1.2.3");
#endif

__attribute__((unused)) static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* A real SIGSEGV death even under ASan (whose handler would exit with status 1). */
__attribute__((unused)) static void
crash(void)
{
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
}

__attribute__((unused)) static void
hang(void)
{
	for (;;)
		pause();
}

/* Append one byte to config "counter" (if set): counts how often a method ran. */
static char counter_path[512], marker_path[512], pid_path[512];

static void
count(void)
{
	int fd;

	if (!counter_path[0])
		return;
	fd = open(counter_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		(void) !write(fd, "x", 1);
		close(fd);
	}
}

typedef struct obj {
	char *key;
	char *data;
	size_t len;
} obj;

struct lb_object_store {
	obj *objs;
	size_t n;
};

static int
fx_init(lb_call *call, const lb_config *config, lb_object_store **self_out)
{
	const char *v;

	if ((v = lb_config_get(config, "fail")) != NULL)
		return lb_set_error(call, LB_EINVAL, "config 'fail' set: %s", v);
	if ((v = lb_config_get(config, "counter")) != NULL)
		snprintf(counter_path, sizeof(counter_path), "%s", v);
	if ((v = lb_config_get(config, "marker")) != NULL)
		snprintf(marker_path, sizeof(marker_path), "%s", v);
	if ((v = lb_config_get(config, "pidfile")) != NULL)
		snprintf(pid_path, sizeof(pid_path), "%s", v);
	*self_out = calloc(1, sizeof(**self_out));
	return *self_out ? 0 : LB_ENOMEM;
}

static obj *
find(lb_object_store *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->objs[i].key, key))
			return &s->objs[i];
	return NULL;
}

static int
fx_put_object(
    lb_object_store *s, lb_call *call, const char *bucket, const char *key, int fd, int64_t size)
{
	char *data = NULL;
	size_t len = 0, cap = 0;
	obj *o;

	count();
#if defined(FX_CRASH_IN_CALL)
	crash();
#elif defined(FX_NULL_STORE)
	{
		static char sink[1 << 20];
		ssize_t r;

		(void) s, (void) bucket, (void) key, (void) size;
		while ((r = read(fd, sink, sizeof(sink))) > 0)
			;
		return r < 0 ? lb_set_error(call, LB_EIO, "read failed") : 0;
	}
#endif
	(void) size;
	if (!strcmp(bucket, "@location"))
		return lb_location_put(call, key, fd, size);
	if (!strcmp(bucket, "progress")) { /* 10 x 100 ms, reporting progress each time */
		for (int i = 0; i < 10; i++) {
			sleep_ms(100);
			if (lb_progress(call, i + 1, 10, "steps") == LB_ECANCELED)
				return lb_set_error(call, LB_ECANCELED, "canceled at step %d", i);
		}
		return 0;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *p = realloc(data, cap ? cap * 2 : 4096);

			if (!p)
				return free(data), LB_ENOMEM;
			data = p;
			cap = cap ? cap * 2 : 4096;
		}
		r = read(fd, data + len, cap - len);
		if (r < 0)
			return free(data), lb_set_error(call, LB_EIO, "read body of %s", key);
		if (r == 0)
			break;
		len += (size_t) r;
	}
	if ((o = find(s, key)) == NULL) {
		obj *p = realloc(s->objs, (s->n + 1) * sizeof(*p));

		if (!p)
			return free(data), LB_ENOMEM;
		s->objs = p;
		o = &s->objs[s->n++];
		o->key = strdup(key);
	} else {
		free(o->data);
	}
	o->data = data;
	o->len = len;
	return 0;
}

static int
fx_object_exists(
    lb_object_store *s, lb_call *call, const char *bucket, const char *key, int *exists_out)
{
	count();
#if defined(FX_HANG_IN_CALL)
	hang();
#elif defined(FX_CRASH_IN_CALL)
	/* Crash the first time only (a marker file remembers): the retry succeeds. */
	if (marker_path[0] && access(marker_path, F_OK) != 0) {
		close(open(marker_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		crash();
	}
	if (!marker_path[0])
		crash();
#elif defined(FX_EXIT_IN_CALL)
	_exit(7);
#elif defined(FX_STDOUT_SPAM)
	for (int i = 0; i < 20000; i++)
		printf("spam line %d: stdout is not the protocol\n", i);
	fflush(stdout);
#elif defined(FX_GRANDCHILD)
	{
		pid_t pid = fork();

		if (pid == 0) {
			signal(SIGTERM, SIG_IGN);
			hang();
		}
		if (pid_path[0]) {
			FILE *f = fopen(pid_path, "w");

			if (f) {
				fprintf(f, "%d\n", (int) pid);
				fclose(f);
			}
		}
		signal(SIGTERM, SIG_IGN);
		hang();
	}
#elif defined(FX_NULL_STORE)
	(void) s, (void) bucket, (void) key, (void) call;
	*exists_out = 1;
	return 0;
#endif
	if (!strcmp(bucket, "@location"))
		return lb_location_exists(call, key, exists_out);
	*exists_out = find(s, key) != NULL;
	return 0;
}

static int
fx_get_object(lb_object_store *s, lb_call *call, const char *bucket, const char *key, int fd)
{
	obj *o;

	count();
	if (!strcmp(bucket, "@location"))
		return lb_location_get(call, key, fd);
	if ((o = find(s, key)) == NULL)
		return lb_set_error(call, LB_ENOTFOUND, "no such key '%s'", key);
	for (size_t off = 0; off < o->len;) {
		ssize_t w = write(fd, o->data + off, o->len - off);

		if (w < 0)
			return lb_set_error(call, LB_EIO, "write");
		off += (size_t) w;
	}
	return 0;
}

static int
fx_list_common_prefixes(lb_object_store *s,
                        lb_call *call,
                        const char *bucket,
                        const char *prefix,
                        const char *delimiter,
                        lb_strlist *out)
{
	(void) s, (void) call, (void) bucket, (void) prefix, (void) delimiter, (void) out;
	return 0;
}

#if defined(FX_COPIER)
/* Lists @prefix in the location into a list of the plugin's own (strlist_new), reads it back
 * with strlist_count/get, copies it to @out and appends "#count=<n>,first=<first>" (so the
 * test sees what the plugin read). */
static int
fx_readback(lb_call *call, const char *prefix, lb_strlist *out)
{
	lb_strlist *own;
	char line[512];
	size_t n;
	int error;

	if (!LB_HOST_HAS(strlist_get) || !LB_HOST_HAS(strlist_new) || !LB_HOST_HAS(strlist_free))
		return lb_set_error(call, LB_EUNSUPPORTED, "host has no strlist_new (SDK < 1.1)");
	lb_strlist_free(NULL); /* NULL-safe */
	if (!(own = lb_strlist_new()))
		return lb_set_error(call, LB_ENOMEM, "strlist_new");
	if (lb_strlist_count(own) != 0 || lb_strlist_get(own, 0) != NULL) {
		lb_strlist_free(own);
		return lb_set_error(call, LB_ERROR, "a new list is not empty");
	}
	if ((error = lb_location_list(call, prefix, NULL, own)) < 0) {
		lb_strlist_free(own);
		return error;
	}
	n = lb_strlist_count(own);
	if (lb_strlist_get(own, n) != NULL) {
		lb_strlist_free(own);
		return lb_set_error(call, LB_ERROR, "strlist_get(list, count) is not NULL");
	}
	for (size_t i = 0; error >= 0 && i < n; i++)
		error = lb_strlist_append(out, lb_strlist_get(own, i));
	snprintf(line, sizeof(line), "#count=%zu,first=%s", n, n ? lb_strlist_get(own, 0) : "(none)");
	lb_strlist_free(own);
	if (error < 0)
		return error;
	/* location_list into no list at all is refused (there is no scratch list) */
	if (lb_location_list(call, prefix, NULL, NULL) != LB_EINVAL)
		return lb_set_error(call, LB_ERROR, "location_list(NULL) was not LB_EINVAL");
	return lb_strlist_append(out, line);
}

/* Worker threads that call the host table without a lock of their own while the method
 * runs (SDK 1.1: the host serialises them). Each checks every answer. */
#define FX_THREADS 4
#define FX_ROUNDS 25

typedef struct fx_worker {
	pthread_t tid;
	lb_call *call;
	int bad;
} fx_worker;

static void *
fx_work(void *p)
{
	fx_worker *w = p;

	for (int i = 0; i < FX_ROUNDS; i++) {
		lb_strlist *l = lb_strlist_new();
		int exists = -1;

		if (lb_location_exists(w->call, "fx-repo/request", &exists) < 0 || exists != 1)
			w->bad++;
		if (!l || lb_location_list(w->call, "fx-repo/", NULL, l) < 0 ||
		    lb_strlist_count(l) != 1 || strcmp(lb_strlist_get(l, 0), "fx-repo/request") != 0)
			w->bad++;
		lb_strlist_free(l);
		if (lb_progress(w->call, i, FX_ROUNDS, "rounds") < 0)
			w->bad++;
		lb_log(w->call, LB_LOG_DEBUG, "worker round %d", i);
	}
	return NULL;
}

static int
fx_threads(lb_call *call)
{
	fx_worker w[FX_THREADS];
	int bad = 0, n = 0;

	for (; n < FX_THREADS; n++) {
		w[n].call = call;
		w[n].bad = 0;
		if (pthread_create(&w[n].tid, NULL, fx_work, &w[n]) != 0)
			break;
	}
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		bad += w[i].bad;
	}
	if (n < FX_THREADS)
		return lb_set_error(call, LB_ENOMEM, "pthread_create");
	if (bad)
		return lb_set_error(call, LB_ERROR, "%d host calls from worker threads failed", bad);
	return 0;
}

/* A VolumeCopier whose backup stores the request under "<repository>/request" in the
 * task's location and answers {"snapshotID":"fx","bytes":N}; restore reads it back. */
struct lb_volume_copier {
	int unused;
};

static int
fx_vc_init(lb_call *call, const lb_config *config, lb_volume_copier **self_out)
{
	if (!lb_config_get(config, "password") && !lb_config_get(config, "passwordFile"))
		return lb_set_error(call, LB_EINVAL,
		                    "config key \"password\" or \"passwordFile\" is required");
	*self_out = calloc(1, sizeof(**self_out));
	return *self_out ? 0 : LB_ENOMEM;
}

static int
fx_vc_backup(lb_volume_copier *self, lb_call *call, const char *request, lb_buf *out)
{
	int fd = memfd_create("req", MFD_CLOEXEC), error;
	char line[128];

	(void) self;
	if (fd < 0 || write(fd, request, strlen(request)) != (ssize_t) strlen(request))
		return lb_set_error(call, LB_EIO, "memfd");
	lseek(fd, 0, SEEK_SET);
	lb_progress(call, 1, 1, "bytes");
	error = lb_location_put(call, "fx-repo/request", fd, (int64_t) strlen(request));
	close(fd);
	if (error < 0)
		return error;
	if (strstr(request, "\"threads\":true") && (error = fx_threads(call)) < 0)
		return error;
	snprintf(line, sizeof(line), "{\"snapshotID\":\"fx\",\"bytes\":%zu}", strlen(request));
	return lb_buf_append_str(out, line);
}

static int
fx_vc_restore(lb_volume_copier *self, lb_call *call, const char *request, lb_buf *out)
{
	(void) self;
	if (strstr(request, "\"snapshotID\":\"fx\"") == NULL)
		return lb_set_error(call, LB_ENOTFOUND, "no snapshot in %s", request);
	return lb_buf_append_str(out, "{\"files\":0,\"bytes\":0}");
}

static void
fx_vc_destroy(lb_volume_copier *self)
{
	free(self);
}

static const lb_volume_copier_methods copier = {
    LB_VOLUME_COPIER_METHODS_HEADER, "test.lifeboat.io/copier", fx_vc_init, fx_vc_backup,
    fx_vc_restore, NULL, fx_vc_destroy,
};
#endif

__attribute__((unused)) static int
fx_list_objects(
    lb_object_store *s, lb_call *call, const char *bucket, const char *prefix, lb_strlist *out)
{
	if (!strcmp(bucket, "@location"))
		return lb_location_list(call, prefix, NULL, out);
#if defined(FX_COPIER)
	if (!strcmp(bucket, "@readback")) /* SDK 1.1: read the host-owned list back */
		return fx_readback(call, prefix, out);
#endif
	if (!strcmp(bucket, "cancel")) { /* cooperative: loops until canceled */
		while (!lb_cancelled(call))
			sleep_ms(10);
		return lb_set_error(call, LB_ECANCELED, "list canceled");
	}
	for (size_t i = 0; i < s->n; i++)
		if (!strncmp(s->objs[i].key, prefix, strlen(prefix)))
			lb_strlist_append(out, s->objs[i].key);
	return 0;
}

static int
fx_delete_object(lb_object_store *s, lb_call *call, const char *bucket, const char *key)
{
	obj *o;

	if (!strcmp(bucket, "@location"))
		return lb_location_delete(call, key);
	if ((o = find(s, key)) != NULL) {
		free(o->key);
		free(o->data);
		*o = s->objs[--s->n];
	}
	return 0;
}

static void
fx_destroy(lb_object_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->objs[i].key);
		free(s->objs[i].data);
	}
	free(s->objs);
	free(s);
}

#if defined(FX_NEWER_MINOR)
/* A plugin built against a future SDK 1.1: one more method at the end. */
typedef struct future_methods {
	lb_object_store_methods v0;
	int (*stat_object)(lb_object_store *, lb_call *, const char *, const char *, int64_t *);
} future_methods;

static int
fx_stat(lb_object_store *s, lb_call *c, const char *b, const char *k, int64_t *n)
{
	(void) s, (void) c, (void) b, (void) k;
	*n = 0;
	return 0;
}

static const future_methods store = {
    {sizeof(future_methods), 1, FX_NAME, fx_init, fx_put_object, fx_object_exists, fx_get_object,
     fx_list_common_prefixes, fx_list_objects, fx_delete_object, NULL, fx_destroy},
    fx_stat,
};
#define STORE (&store.v0)
#else
static const lb_object_store_methods store = {
    LB_OBJECT_STORE_METHODS_HEADER,
    FX_NAME,
    fx_init,
    fx_put_object,
    fx_object_exists,
    fx_get_object,
    fx_list_common_prefixes,
#if defined(FX_MISSING_METHOD)
    NULL,
#else
    fx_list_objects,
#endif
    fx_delete_object,
    NULL,
    fx_destroy,
};
#define STORE (&store)
#endif

#if defined(FX_SHORT_STRUCT)
/* Claims a table shorter than abi_minor 0 (a broken or pre-release build). */
static lb_object_store_methods short_store;
#endif

int
lb_plugin_init(lb_registrar *reg)
{
#if defined(FX_HANG_IN_INIT)
	hang();
#elif defined(FX_SLOW_HELLO)
	sleep_ms(300);
#elif defined(FX_STDOUT_SPAM)
	for (int i = 0; i < 1000; i++)
		printf("init spam %d\n", i);
#endif
#if defined(FX_SHORT_STRUCT)
	short_store = store;
	short_store.struct_size = (uint32_t) offsetof(lb_object_store_methods, list_objects);
	return lb_register_object_store(reg, &short_store);
#elif defined(FX_COPIER)
	int error = lb_register_object_store(reg, STORE);

	if (error < 0)
		return error;
	if (!LB_HOST_HAS(register_volume_copier))
		return LB_EVERSION;
	return lb_register_volume_copier(reg, &copier);
#else
	return lb_register_object_store(reg, STORE);
#endif
}
