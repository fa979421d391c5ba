/* The plugin host end to end: fixtures for every failure mode, each failing with the right
 * sentence; restart after a crash; only idempotent retries; concurrent calls; cancel;
 * progress; host location_* callbacks; `lifeboat plugin list -o json`. No timed asserts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
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

#include "rpc/location_fwd.h"
#include "supervise/manager.h"
#include "util/buf.h"
#include "util/error.h"

static char tmpdir[256];

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static lb_plugin_manager *
start(const char *fixture_or_path)
{
	lb_plugin_settings s;
	lb_plugin_manager *mgr = NULL;
	char path[1024];

	lb_plugin_settings_init(&s);
	s.host_path = LB_TEST_HOST_PATH;
	s.limit_ms[LB_CALL_CLASS_META] = 1000;
	s.limit_ms[LB_CALL_CLASS_DATA] = 2000;
	s.grace_ms = 300;
	s.backoff_ms = 20;
	assert_int_equal(lb_plugins_start(&s, &mgr), 0);
	if (fixture_or_path[0] == '/')
		snprintf(path, sizeof(path), "%s", fixture_or_path);
	else
		snprintf(path, sizeof(path), "%s/%s.so", LB_TEST_PLUGIN_DIR, fixture_or_path);
	assert_int_equal(lb_plugins_add_file(mgr, path, NULL), 0);
	return mgr;
}

static lb_object_store_handle *
open_store(lb_plugin_manager *mgr, const char *name, lb_call *call, const lb_kv *kv, uint32_t n)
{
	lb_config cfg = {n, 0, kv};
	lb_object_store_handle *h = NULL;
	int error = lb_plugins_open_object_store(mgr, name, &cfg, call, &h);

	if (error < 0)
		fail_msg("open %s: %s", name, lb_call_error_message(call));
	return h;
}

static int
memfd_with(const char *data)
{
	int fd = memfd_create("body", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t) strlen(data));
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* One buffer per thread: test_concurrent_calls reads from four threads at once. */
static char *
read_all(int fd)
{
	static _Thread_local char buf[4096];
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static size_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t) st.st_size : 0;
}

static void
test_ok_round_trip(void **state)
{
	lb_plugin_manager *mgr = start("ok");
	lb_call *call = lb_call_new(NULL);
	lb_object_store_handle *h = open_store(mgr, "test.lifeboat.io/ok", call, NULL, 0);
	lb_strlist keys = LB_STRLIST_INIT;
	lb_kv bad[] = {{"fail", "x"}};
	lb_object_store_handle *h2 = NULL;
	lb_config badcfg = {1, 0, bad};
	int fd, exists = -1;

	(void) state;
	fd = memfd_with("hello");
	assert_int_equal(h->m->put_object(h->self, call, "b", "k/1", fd, 5), 0);
	close(fd);
	/* one child only, so the instance's memory is there */
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k/1", &exists), 0);
	assert_int_equal(exists, 1);
	fd = memfd_create("sink", MFD_CLOEXEC);
	assert_int_equal(h->m->get_object(h->self, call, "b", "k/1", fd), 0);
	assert_string_equal(read_all(fd), "hello");
	close(fd);
	assert_int_equal(h->m->list_objects(h->self, call, "b", "k/", &keys), 0);
	assert_int_equal(keys.count, 1);
	assert_string_equal(keys.items[0], "k/1");
	assert_int_equal(h->m->delete_object(h->self, call, "b", "k/1"), 0);
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k/1", &exists), 0);
	assert_int_equal(exists, 0);
	/* plugin errors travel with their message */
	fd = memfd_create("sink", MFD_CLOEXEC);
	assert_int_equal(h->m->get_object(h->self, call, "b", "nope", fd), LB_ENOTFOUND);
	assert_string_equal(lb_call_error_message(call), "no such key 'nope'");
	close(fd);
	/* an optional method the plugin lacks */
	assert_int_equal(h->m->create_signed_url(h->self, call, "b", "k", 1000, NULL),
	                 LB_EUNSUPPORTED);
	/* bad config fails at open, with the plugin's sentence */
	assert_int_equal(
	    lb_plugins_open_object_store(mgr, "test.lifeboat.io/ok", &badcfg, call, &h2),
	    LB_EINVAL);
	assert_string_equal(lb_call_error_message(call), "config 'fail' set: x");
	/* unknown names */
	assert_int_equal(lb_plugins_open_object_store(mgr, "nope", NULL, call, &h2), LB_ENOTFOUND);
	lb_strlist_dispose(&keys);
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_plugins_stop(mgr);
}

static void
test_resolve_aliases(void **state)
{
	lb_plugin_manager *mgr = start(LB_TEST_FILE_PLUGIN);
	lb_strlist impls = LB_STRLIST_INIT;

	(void) state;
	assert_string_equal(lb_plugins_resolve(mgr, LB_KIND_OBJECT_STORE, "file"),
	                    "lifeboat.io/file");
	assert_string_equal(lb_plugins_resolve(mgr, LB_KIND_OBJECT_STORE, "velero.io/file"),
	                    "lifeboat.io/file");
	assert_string_equal(lb_plugins_resolve(mgr, LB_KIND_OBJECT_STORE, "lifeboat.io/file"),
	                    "lifeboat.io/file");
	assert_null(lb_plugins_resolve(mgr, LB_KIND_VOLUME_SNAPSHOTTER, "file"));
	assert_int_equal(lb_plugins_list_impls(mgr, LB_KIND_OBJECT_STORE, &impls), 0);
	assert_int_equal(impls.count, 1);
	lb_strlist_dispose(&impls);
	lb_plugins_stop(mgr);
}

static void
test_hang_in_call(void **state)
{
	lb_plugin_manager *mgr = start("hang_in_call");
	lb_call *call = lb_call_new(NULL);
	lb_object_store_handle *h = open_store(mgr, "test.lifeboat.io/hang-in-call", call, NULL, 0);
	lb_plugin_info info;
	char want[256];
	int exists;

	(void) state;
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k", &exists), LB_ETIMEDOUT);
	assert_non_null(
	    strstr(lb_call_error_message(call), "plugin 'test.lifeboat.io/hang-in-call' (pid "));
	snprintf(want, sizeof(want), "%s",
	         ") did not answer ObjectStore.ObjectExists within 1000 ms; killed");
	assert_non_null(strstr(lb_call_error_message(call), want));
	/* the plugin is still usable (restarted), and still ok */
	lb_plugins_info(mgr, 0, &info);
	assert_string_equal(info.state, "ok");
	assert_true(info.restarts >= 1);
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_plugins_stop(mgr);
}

static void
test_progress_extends_deadline(void **state)
{
	lb_plugin_manager *mgr = start("ok");
	lb_call_opts o = LB_CALL_OPTS_INIT;
	lb_call *call;
	lb_object_store_handle *h;
	int fd = memfd_with("");

	(void) state;
	o.limit_ms = 400; /* the call takes ~1 s but reports progress every 100 ms */
	call = lb_call_new(&o);
	h = open_store(mgr, "test.lifeboat.io/ok", call, NULL, 0);
	assert_int_equal(h->m->put_object(h->self, call, "progress", "k", fd, 0), 0);
	assert_int_equal(call->progress_done, 10);
	close(fd);
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_plugins_stop(mgr);
}

static void
test_crash_restart_and_retry(void **state)
{
	char counter[512], marker[512];
	lb_kv kv[2];
	lb_plugin_manager *mgr = start("crash_in_call");
	lb_call *call = lb_call_new(NULL);
	lb_object_store_handle *h;
	int fd, exists = 0;

	(void) state;
	snprintf(counter, sizeof(counter), "%s/crash-counter", tmpdir);
	snprintf(marker, sizeof(marker), "%s/crash-marker", tmpdir);
	unlink(counter);
	unlink(marker);
	kv[0] = (lb_kv){"counter", counter};
	kv[1] = (lb_kv){"marker", marker};
	h = open_store(mgr, "test.lifeboat.io/crash-in-call", call, kv, 2);
	/* PutObject is not idempotent: it crashes once and is not retried */
	fd = memfd_with("x");
	assert_int_equal(h->m->put_object(h->self, call, "b", "k", fd, 1), LB_ECRASHED);
	close(fd);
	assert_non_null(
	    strstr(lb_call_error_message(call), "plugin 'test.lifeboat.io/crash-in-call' (pid "));
	assert_non_null(strstr(lb_call_error_message(call),
	                       ") crashed (signal 11, SIGSEGV) during ObjectStore.PutObject"));
	assert_int_equal(file_size(counter), 1);
	/* ObjectExists is idempotent: first attempt crashes, the retry on a fresh child works */
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k", &exists), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(file_size(counter), 3);
	/* and the next call just works */
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k", &exists), 0);
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_plugins_stop(mgr);
}

static void
test_exit_in_call(void **state)
{
	lb_plugin_manager *mgr = start("exit_in_call");
	lb_call *call = lb_call_new(NULL);
	lb_object_store_handle *h = open_store(mgr, "test.lifeboat.io/exit-in-call", call, NULL, 0);
	int exists;

	(void) state;
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k", &exists), LB_ECRASHED);
	assert_non_null(strstr(lb_call_error_message(call),
	                       ") exited (status 7) during ObjectStore.ObjectExists"));
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_plugins_stop(mgr);
}

static void
test_stdout_spam(void **state)
{
	lb_plugin_manager *mgr = start("stdout_spam");
	lb_call *call = lb_call_new(NULL);
	lb_object_store_handle *h = open_store(mgr, "test.lifeboat.io/stdout-spam", call, NULL, 0);
	int exists = -1;

	(void) state;
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k", &exists), 0);
	assert_int_equal(exists, 0);
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_plugins_stop(mgr);
}

static int
proc_gone(pid_t pid)
{
	char path[64], st[256];
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	if (!(f = fopen(path, "r")))
		return 1;
	p = fgets(st, sizeof(st), f);
	fclose(f);
	p = p ? strrchr(st, ')') : NULL;
	return p && (p[2] == 'Z' || p[2] == 'X');
}

static void
test_grandchild_group_kill(void **state)
{
	char pidfile[512];
	lb_kv kv[1];
	lb_plugin_manager *mgr = start("grandchild_ignores_sigterm");
	lb_call *call = lb_call_new(NULL);
	lb_object_store_handle *h;
	FILE *f;
	int exists, gpid = 0;

	(void) state;
	snprintf(pidfile, sizeof(pidfile), "%s/grandchild.pid", tmpdir);
	kv[0] = (lb_kv){"pidfile", pidfile};
	h = open_store(mgr, "test.lifeboat.io/grandchild-ignores-sigterm", call, kv, 1);
	call->limit_ms = 500;
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k", &exists), LB_ETIMEDOUT);
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &gpid), 1);
	fclose(f);
	/* SIGKILL went to the whole group: wait (bounded) for the kernel to finish it. */
	for (int i = 0; i < 200 && !proc_gone(gpid); i++)
		sleep_ms(10);
	assert_true(proc_gone(gpid));
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_plugins_stop(mgr);
}

static void *
cancel_later(void *arg)
{
	sleep_ms(200);
	lb_cancel_trigger(arg);
	return NULL;
}

static void
test_cancel(void **state)
{
	lb_plugin_manager *mgr = start("ok");
	lb_cancel *cancel = lb_cancel_new();
	lb_call_opts o = LB_CALL_OPTS_INIT;
	lb_call *call;
	lb_object_store_handle *h;
	lb_strlist keys = LB_STRLIST_INIT;
	lb_plugin_info info;
	pthread_t t;
	int exists;

	(void) state;
	o.cancel = cancel;
	o.limit_ms = 60000;
	call = lb_call_new(&o);
	h = open_store(mgr, "test.lifeboat.io/ok", call, NULL, 0);
	/* cooperative: the plugin sees cancelled() and answers */
	pthread_create(&t, NULL, cancel_later, cancel);
	assert_int_equal(h->m->list_objects(h->self, call, "cancel", "", &keys), LB_ECANCELED);
	pthread_join(t, NULL);
	lb_plugins_info(mgr, 0, &info);
	assert_int_equal(info.restarts, 0);
	/* later calls of the canceled task fail at once */
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k", &exists), LB_ECANCELED);
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_cancel_free(cancel);
	lb_plugins_stop(mgr);

	/* uncooperative: the busy child is killed */
	mgr = start("hang_in_call");
	cancel = lb_cancel_new();
	o.cancel = cancel;
	call = lb_call_new(&o);
	h = open_store(mgr, "test.lifeboat.io/hang-in-call", call, NULL, 0);
	pthread_create(&t, NULL, cancel_later, cancel);
	assert_int_equal(h->m->object_exists(h->self, call, "b", "k", &exists), LB_ECANCELED);
	pthread_join(t, NULL);
	assert_non_null(
	    strstr(lb_call_error_message(call), "ObjectStore.ObjectExists canceled; killed"));
	lb_plugins_info(mgr, 0, &info);
	assert_int_equal(info.restarts, 1);
	lb_strlist_dispose(&keys);
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_cancel_free(cancel);
	lb_plugins_stop(mgr);
}

/* Concurrent calls from several threads to one plugin (file store: shared disk). */
typedef struct worker {
	lb_object_store_handle *h;
	int id;
	int failures;
} worker;

static void *
work(void *arg)
{
	worker *w = arg;
	lb_call_opts o = LB_CALL_OPTS_INIT;
	lb_call *call;

	o.limit_ms = 60000; /* waiting for a free child counts against the call (slow under ASan) */
	call = lb_call_new(&o);

	for (int i = 0; i < 25; i++) {
		char key[64], body[64];
		int fd, exists = 0;

		snprintf(key, sizeof(key), "t%d/k%d", w->id, i);
		snprintf(body, sizeof(body), "body of %s", key);
		fd = memfd_with(body);
		if (w->h->m->put_object(w->h->self, call, "bkt", key, fd, (int64_t) strlen(body)) <
		    0)
			w->failures++;
		close(fd);
		if (w->h->m->object_exists(w->h->self, call, "bkt", key, &exists) < 0 || !exists)
			w->failures++;
		fd = memfd_create("sink", MFD_CLOEXEC);
		if (w->h->m->get_object(w->h->self, call, "bkt", key, fd) < 0 ||
		    strcmp(read_all(fd), body))
			w->failures++;
		close(fd);
	}
	lb_call_free(call);
	return NULL;
}

static void
test_concurrent_calls(void **state)
{
	lb_plugin_manager *mgr = start(LB_TEST_FILE_PLUGIN);
	lb_call *call = lb_call_new(NULL);
	char root[512];
	lb_kv kv[1];
	lb_object_store_handle *h;
	lb_strlist keys = LB_STRLIST_INIT;
	pthread_t t[4];
	worker w[4];

	(void) state;
	snprintf(root, sizeof(root), "%s/fileroot", tmpdir);
	mkdir(root, 0755);
	kv[0] = (lb_kv){"root", root};
	h = open_store(mgr, "lifeboat.io/file", call, kv, 1);
	for (int i = 0; i < 4; i++) {
		w[i] = (worker){h, i, 0};
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(h->m->list_objects(h->self, call, "bkt", "", &keys), 0);
	assert_int_equal(keys.count, 100);
	lb_strlist_dispose(&keys);
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_plugins_stop(mgr);
}

/* Host callbacks: an in-memory location behind the hooks. */
static lb_buf loc_data = LB_BUF_INIT;
static char loc_key[128];

static int
h_put(struct lb_location *loc, lb_call *call, const char *key, int fd, int64_t size)
{
	char buf[256];
	ssize_t n;

	(void) loc, (void) call, (void) size;
	lb_buf_clear(&loc_data);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		lb_buf_put(&loc_data, buf, (size_t) n);
	snprintf(loc_key, sizeof(loc_key), "%s", key);
	return 0;
}

static int
h_get(struct lb_location *loc, lb_call *call, const char *key, int fd)
{
	(void) loc;
	if (strcmp(key, loc_key))
		return lb_call_set_error(call, LB_ENOTFOUND, "location: no key '%s'", key);
	return write(fd, loc_data.ptr, loc_data.len) == (ssize_t) loc_data.len ? 0 : LB_EIO;
}

static int
h_exists(struct lb_location *loc, lb_call *call, const char *key, int *exists_out)
{
	(void) loc, (void) call;
	*exists_out = !strcmp(key, loc_key);
	return 0;
}

static int
h_list(
    struct lb_location *loc, lb_call *call, const char *prefix, const char *delim, lb_strlist *out)
{
	(void) loc, (void) call, (void) delim;
	if (loc_key[0] && !strncmp(loc_key, prefix, strlen(prefix)))
		lb_strlist_add(out, loc_key);
	return 0;
}

static int
h_del(struct lb_location *loc, lb_call *call, const char *key)
{
	(void) loc;
	if (!strcmp(key, "readonly"))
		return lb_call_set_error(call, LB_EPERM, "location 'x' is ReadOnly");
	loc_key[0] = '\0';
	return 0;
}

static const lb_location_hooks test_hooks = {h_put, h_get, h_exists, h_list, h_del};

static void
test_host_callbacks(void **state)
{
	lb_plugin_manager *mgr = start("ok");
	lb_call_opts o = LB_CALL_OPTS_INIT;
	lb_call *call, *nocall;
	lb_object_store_handle *h;
	lb_strlist keys = LB_STRLIST_INIT;
	int fd, exists = 0;

	(void) state;
	lb_location_hooks_set(&test_hooks);
	o.location = (struct lb_location *) &loc_data; /* any non-NULL: the hooks ignore it */
	call = lb_call_new(&o);
	nocall = lb_call_new(NULL);
	h = open_store(mgr, "test.lifeboat.io/ok", call, NULL, 0);
	fd = memfd_with("via the host");
	assert_int_equal(h->m->put_object(h->self, call, "@location", "repo/config", fd, 12), 0);
	close(fd);
	assert_string_equal(loc_key, "repo/config");
	assert_string_equal(loc_data.ptr, "via the host");
	assert_int_equal(h->m->object_exists(h->self, call, "@location", "repo/config", &exists),
	                 0);
	assert_int_equal(exists, 1);
	fd = memfd_create("sink", MFD_CLOEXEC);
	assert_int_equal(h->m->get_object(h->self, call, "@location", "repo/config", fd), 0);
	assert_string_equal(read_all(fd), "via the host");
	close(fd);
	fd = memfd_create("sink", MFD_CLOEXEC);
	assert_int_equal(h->m->get_object(h->self, call, "@location", "nope", fd), LB_ENOTFOUND);
	assert_string_equal(lb_call_error_message(call), "location: no key 'nope'");
	close(fd);
	assert_int_equal(h->m->list_objects(h->self, call, "@location", "repo/", &keys), 0);
	assert_int_equal(keys.count, 1);
	assert_int_equal(h->m->delete_object(h->self, call, "@location", "readonly"), LB_EPERM);
	assert_int_equal(h->m->delete_object(h->self, call, "@location", "repo/config"), 0);
	assert_int_equal(h->m->object_exists(h->self, call, "@location", "repo/config", &exists),
	                 0);
	assert_int_equal(exists, 0);
	/* a call without a location */
	assert_int_equal(h->m->object_exists(h->self, nocall, "@location", "x", &exists),
	                 LB_EUNSUPPORTED);
	lb_location_hooks_set(NULL);
	lb_strlist_dispose(&keys);
	lb_buf_dispose(&loc_data);
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_call_free(nocall);
	lb_plugins_stop(mgr);
}

/* SDK 1.0 plugin (built against the 1.0 headers, host table of 144 bytes) on this 1.1 host:
 * loads, says SDK 1.0, and its host callbacks work. */
static void
test_sdk_1_0_plugin(void **state)
{
	lb_plugin_manager *mgr = start("sdk_1_0");
	lb_call_opts o = LB_CALL_OPTS_INIT;
	lb_plugin_info info;
	lb_object_store_handle *h;
	lb_strlist keys = LB_STRLIST_INIT;
	lb_call *call;
	int fd, exists = 0;

	(void) state;
	assert_int_equal(lb_plugins_info(mgr, 0, &info), 0);
	assert_string_equal(info.state, "ok");
	assert_string_equal(info.sdk, "1.0");
	lb_location_hooks_set(&test_hooks);
	o.location = (struct lb_location *) &loc_data;
	call = lb_call_new(&o);
	h = open_store(mgr, "test.lifeboat.io/sdk-1-0", call, NULL, 0);
	fd = memfd_with("old plugin");
	assert_int_equal(h->m->put_object(h->self, call, "mem", "k", fd, 10), 0);
	close(fd);
	fd = memfd_create("sink", MFD_CLOEXEC);
	assert_int_equal(h->m->get_object(h->self, call, "mem", "k", fd), 0);
	assert_string_equal(read_all(fd), "old plugin");
	close(fd);
	fd = memfd_with("via the host");
	assert_int_equal(h->m->put_object(h->self, call, "@location", "old/config", fd, 12), 0);
	close(fd);
	assert_int_equal(h->m->object_exists(h->self, call, "@location", "old/config", &exists), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(h->m->list_objects(h->self, call, "@location", "old/", &keys), 0);
	assert_int_equal(keys.count, 1);
	lb_location_hooks_set(NULL);
	lb_strlist_dispose(&keys);
	lb_buf_dispose(&loc_data);
	loc_key[0] = '\0';
	lb_object_store_handle_close(h);
	lb_call_free(call);
	lb_plugins_stop(mgr);
}

/* SDK 1.1: a volume copier (kind 4) whose calls reach the call's location (also from its own
 * worker threads), and a plugin that lists into a list of its own (strlist_new) and reads it
 * back with strlist_count/strlist_get (LB_HOST_HAS). */
static void
test_volume_copier_kind(void **state)
{
	lb_plugin_manager *mgr = start("copier");
	lb_call_opts o = LB_CALL_OPTS_INIT;
	lb_kv pw = {"password", "x"};
	lb_config cfg = {1, 0, &pw}, none = {0, 0, NULL};
	lb_volume_copier_handle *vc = NULL;
	lb_object_store_handle *h;
	lb_plugin_info info;
	lb_strlist keys = LB_STRLIST_INIT, names = LB_STRLIST_INIT;
	lb_buf out = LB_BUF_INIT;
	lb_call *call, *nocall;
	const char *req = "{\"repository\":\"fx-repo\",\"sourcePath\":\"/tmp\"}";
	const char *req_threads =
	    "{\"repository\":\"fx-repo\",\"sourcePath\":\"/tmp\",\"threads\":true}";
	int found = 0;

	(void) state;
	assert_int_equal(lb_plugins_info(mgr, 0, &info), 0);
	assert_string_equal(info.sdk, "1.1");
	for (size_t k = 0; k < info.nimpls; k++)
		found |= info.impls[k].kind == LB_KIND_VOLUME_COPIER &&
		         !strcmp(info.impls[k].name, "test.lifeboat.io/copier");
	assert_true(found);
	assert_string_equal(lb_plugin_kind_name(LB_KIND_VOLUME_COPIER), "volume-copier");
	assert_int_equal(lb_plugin_kind_parse("volume-copier"), LB_KIND_VOLUME_COPIER);
	assert_int_equal(lb_plugins_list_impls(mgr, LB_KIND_VOLUME_COPIER, &names), 0);
	assert_int_equal(names.count, 1);
	lb_location_hooks_set(&test_hooks);
	o.location = (struct lb_location *) &loc_data;
	call = lb_call_new(&o);
	nocall = lb_call_new(NULL);
	/* init without a password: the plugin's EINVAL with its sentence */
	assert_int_equal(lb_plugins_open_volume_copier(mgr, "test.lifeboat.io/copier", &none, call,
	                                               &vc),
	                 LB_EINVAL);
	assert_non_null(strstr(lb_call_error_message(call), "password"));
	assert_int_equal(
	    lb_plugins_open_volume_copier(mgr, "test.lifeboat.io/copier", &cfg, call, &vc), 0);
	assert_int_equal(vc->m->backup(vc->self, call, req, &out), 0);
	assert_non_null(strstr(out.ptr, "\"snapshotID\":\"fx\""));
	assert_string_equal(loc_key, "fx-repo/request");
	assert_string_equal(loc_data.ptr, req);
	/* host calls from 4 plugin worker threads at once, no lock in the plugin: the host
	 * serialises them and every exists/list/progress answer is right */
	lb_buf_clear(&out);
	assert_int_equal(vc->m->backup(vc->self, call, req_threads, &out), 0);
	assert_non_null(strstr(out.ptr, "\"snapshotID\":\"fx\""));
	assert_string_equal(loc_data.ptr, req_threads);
	/* without a location the host callback says so */
	lb_buf_clear(&out);
	assert_int_equal(vc->m->backup(vc->self, nocall, req, &out), LB_EUNSUPPORTED);
	assert_non_null(strstr(lb_call_error_message(nocall), "no storage location"));
	lb_buf_clear(&out);
	assert_int_equal(vc->m->restore(vc->self, call, "{\"snapshotID\":\"nope\"}", &out),
	                 LB_ENOTFOUND);
	lb_buf_clear(&out);
	assert_int_equal(vc->m->restore(vc->self, call, "{\"snapshotID\":\"fx\"}", &out), 0);
	assert_string_equal(out.ptr, "{\"files\":0,\"bytes\":0}");
	/* maintain is optional and NULL here */
	lb_buf_clear(&out);
	assert_int_equal(vc->m->maintain(vc->self, call, "{\"op\":\"check\"}", &out),
	                 LB_EUNSUPPORTED);
	/* read-back of a host-owned list inside the plugin */
	h = open_store(mgr, "test.lifeboat.io/copier", call, NULL, 0);
	assert_int_equal(h->m->list_objects(h->self, call, "@readback", "fx-repo/", &keys), 0);
	assert_int_equal(keys.count, 2);
	assert_string_equal(keys.items[1], "#count=1,first=fx-repo/request");
	lb_location_hooks_set(NULL);
	lb_volume_copier_handle_close(vc);
	lb_object_store_handle_close(h);
	lb_strlist_dispose(&keys);
	lb_strlist_dispose(&names);
	lb_buf_dispose(&out);
	lb_buf_dispose(&loc_data);
	loc_key[0] = '\0';
	lb_call_free(call);
	lb_call_free(nocall);
	lb_plugins_stop(mgr);
}

static const char *
reason_of(lb_plugin_manager *mgr, const char *file, const char **state_out)
{
	static lb_plugin_info info;

	for (size_t i = 0; i < lb_plugins_count(mgr); i++) {
		lb_plugins_info(mgr, i, &info);
		if (strstr(info.path, file)) {
			*state_out = info.state;
			return info.reason;
		}
	}
	fail_msg("no plugin %s", file);
	return NULL;
}

/* All fixtures start in parallel: the failures say why, the rest are ok. */
static void
test_start_failures(void **state)
{
	static const char *const dirs[] = {LB_TEST_PLUGIN_DIR};
	lb_plugin_override ov[] = {{"hang_in_init.so", 500, 0}};
	static const struct {
		const char *file, *state, *reason;
	} want[] = {
	    {"/hang_in_init.so", "failed", "did not start within 500 ms"},
	    {"/slow_hello.so", "ok", ""},
	    {"/ok.so", "ok", ""},
	    {"/older_minor.so", "ok", ""},
	    {"/newer_minor.so", "ok", ""},
	    {"/bad_magic.so", "failed", "has a malformed magic block"},
	    {"/no_magic.so", "failed", "has no magic block (lb_plugin_magic_v1)"},
	    {"/newer_major.so", "failed",
	     "plugin 'newer_major.so' was built for SDK 2.x, engine provides 1.1: rebuild the "
	     "plugin against SDK 1.x or upgrade Lifeboat"},
	    {"/missing_method.so", "failed", "missing required method 'list_objects'"},
	    {"/short_struct.so", "failed", "shorter than the"},
	    {"/sdk_1_0.so", "ok", ""},
	    {"/copier.so", "ok", ""},
	};
	lb_plugin_settings s;
	lb_plugin_manager *mgr = NULL;

	(void) state;
	lb_plugin_settings_init(&s);
	s.host_path = LB_TEST_HOST_PATH;
	s.dirs = dirs;
	s.ndirs = 1;
	s.overrides = ov;
	s.noverrides = 1;
	s.grace_ms = 300;
	assert_int_equal(lb_plugins_start(&s, &mgr), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *st = NULL, *reason = reason_of(mgr, want[i].file, &st);

		if (strcmp(st, want[i].state) || !strstr(reason, want[i].reason))
			fail_msg("%s: state %s reason '%s', want %s '%s'", want[i].file, st, reason,
			         want[i].state, want[i].reason);
	}
	lb_plugins_stop(mgr);
}

/* `lifeboat plugin list -o json`: file ok, a never-HELLO plugin failed with the reason. */
static void
test_cli_plugin_list(void **state)
{
	char dir[512], cfg[600], cmd[4096], out[65536];
	FILE *f;
	size_t n;

	(void) state;
	snprintf(dir, sizeof(dir), "%s/plugdir", tmpdir);
	mkdir(dir, 0755);
	snprintf(cmd, sizeof(cmd), "ln -sf %s/hang_in_init.so %s/hang.so", LB_TEST_PLUGIN_DIR, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cfg, sizeof(cfg), "%s/lifeboat.yaml", tmpdir);
	f = fopen(cfg, "w");
	fprintf(f,
	        "storageLocations:\n  - name: default\n    provider: file\n    bucket: b\n"
	        "    config:\n      root: %s\n"
	        "plugins:\n  overrides:\n    - name: hang.so\n      startTimeoutMs: 500\n",
	        tmpdir);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
	         "LIFEBOAT_PLUGIN_DIRS=%s:%s %s plugin list -o json --config %s 2>/dev/null",
	         LB_PLUGIN_DIR, dir, LB_TEST_LIFEBOAT_BIN, cfg);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
	assert_non_null(strstr(out, "\"name\":\t\"lifeboat.io/file\""));
	assert_non_null(strstr(out, "\"reason\":\t\"did not start within 500 ms\""));
	assert_non_null(strstr(out, "\"state\":\t\"failed\""));
	assert_non_null(strstr(out, "\"state\":\t\"ok\""));
}

static int
setup(void **state)
{
	(void) state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lb-plugin-host-test-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void) state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ok_round_trip),
	    cmocka_unit_test(test_resolve_aliases),
	    cmocka_unit_test(test_hang_in_call),
	    cmocka_unit_test(test_progress_extends_deadline),
	    cmocka_unit_test(test_crash_restart_and_retry),
	    cmocka_unit_test(test_exit_in_call),
	    cmocka_unit_test(test_stdout_spam),
	    cmocka_unit_test(test_grandchild_group_kill),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_concurrent_calls),
	    cmocka_unit_test(test_host_callbacks),
	    cmocka_unit_test(test_sdk_1_0_plugin),
	    cmocka_unit_test(test_volume_copier_kind),
	    cmocka_unit_test(test_start_failures),
	    cmocka_unit_test(test_cli_plugin_list),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("LB_TEST_QUIET_LOGS") == NULL)
		setenv("LB_TEST_QUIET_LOGS", "1", 0);
	return cmocka_run_group_tests_name("integration.plugin-host", tests, setup, teardown);
}
