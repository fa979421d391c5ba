/* Issue 2's promise, with real forked plugins: a task whose plugin hangs fails at its
 * deadline (its call abandoned, its child killed) while the other tasks on the queue,
 * using another plugin, complete. No timed assertions: the hung call only ends because
 * the task's deadline cancels it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <cmocka.h>

#include "queue/queue.h"
#include "supervise/manager.h"
#include "util/error.h"

static lb_plugin_manager *mgr;
static char root[256];
static int hang_pid;

static int
call_hang(void *ud, const cJSON *params, lb_cancel *cancel, lb_task *task)
{
	lb_call_opts o = LB_CALL_OPTS_INIT;
	lb_object_store_handle *h = NULL;
	lb_call *call;
	lb_kv kv[] = {{"root", root}};
	lb_config cfg = {1, 0, kv};
	lb_plugin_info info;
	int exists = 0, error;

	(void) ud, (void) params, (void) task;
	o.cancel = cancel;
	call = lb_call_new(&o);
	error = lb_plugins_open_object_store(mgr, "test.lifeboat.io/hang-in-call", &cfg, call, &h);
	if (error == 0) {
		for (size_t i = 0; i < lb_plugins_count(mgr); i++)
			if (lb_plugins_info(mgr, i, &info) == 0 &&
			    !strcmp(info.name, "test.lifeboat.io/hang-in-call"))
				hang_pid = info.pid;
		error = h->m->object_exists(h->self, call, "b", "k", &exists);
	}
	if (error < 0)
		lb_error_set(error, "%s", lb_call_error_message(call));
	lb_object_store_handle_close(h);
	lb_call_free(call);
	return error;
}

static int
call_file(void *ud, const cJSON *params, lb_cancel *cancel, lb_task *task)
{
	lb_call_opts o = LB_CALL_OPTS_INIT;
	lb_object_store_handle *h = NULL;
	lb_kv kv[] = {{"root", root}, {"createBucket", "true"}};
	lb_config cfg = {2, 0, kv};
	lb_call *call;
	char key[64];
	int exists = 0, error, fds[2];

	(void) ud, (void) params;
	o.cancel = cancel;
	call = lb_call_new(&o);
	snprintf(key, sizeof(key), "k-%s", lb_task_id(task));
	if ((error = lb_plugins_open_object_store(mgr, "lifeboat.io/file", &cfg, call, &h)) < 0)
		goto done;
	if (pipe(fds) < 0) {
		error = LB_EIO;
		goto done;
	}
	(void) !write(fds[1], "hello", 5);
	close(fds[1]);
	error = h->m->put_object(h->self, call, "bkt", key, fds[0], -1);
	close(fds[0]);
	if (error == 0)
		error = h->m->object_exists(h->self, call, "bkt", key, &exists);
	if (error == 0 && !exists)
		error = lb_error_set(LB_ERROR, "object %s missing after put", key);
done:
	if (error < 0 && lb_call_error_message(call)[0])
		lb_error_set(error, "%s", lb_call_error_message(call));
	lb_object_store_handle_close(h);
	lb_call_free(call);
	return error;
}

static int
setup(void **state)
{
	lb_plugin_settings s;

	(void) state;
	snprintf(root, sizeof(root), "/tmp/lb-queue-plugins-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	lb_plugin_settings_init(&s);
	s.ndirs = 0;
	s.limit_ms[LB_CALL_CLASS_META] = 600000; /* only the task deadline may end the hang */
	if (lb_plugins_start(&s, &mgr) < 0)
		return -1;
	if (lb_plugins_add_file(mgr, LB_TEST_PLUGIN_DIR "/hang_in_call.so", NULL) < 0 ||
	    lb_plugins_add_file(mgr, LB_PLUGIN_DIR "/file.so", NULL) < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void) state;
	lb_plugins_stop(mgr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void
hung_plugin_task_fails_at_deadline_others_complete(void **state)
{
	(void) state;
	lb_queue_opts qo = {.workers = 2};
	lb_task_spec hs = {.kind = "hang", .name = "stuck", .timeout_ms = 1500};
	lb_task_spec fs = {.kind = "file", .name = "ok"};
	lb_task *hung, *ok[6];
	lb_queue *q;
	char err[1024];

	assert_int_equal(lb_queue_new(&qo, &q), 0);
	assert_int_equal(lb_queue_register(q, "hang", call_hang, NULL), 0);
	assert_int_equal(lb_queue_register(q, "file", call_file, NULL), 0);
	assert_int_equal(lb_queue_submit(q, &hs, &hung), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(lb_queue_submit(q, &fs, &ok[i]), 0);
	for (int i = 0; i < 6; i++) {
		lb_task_phase p = lb_task_wait(ok[i]);

		lb_task_error(ok[i], err, sizeof(err));
		if (p != LB_TASK_SUCCEEDED)
			fail_msg("file task %d: %s: %s", i, lb_task_phase_name(p), err);
		lb_task_release(ok[i]);
	}
	assert_int_equal(lb_task_wait(hung), LB_TASK_TIMED_OUT);
	lb_task_error(hung, err, sizeof(err));
	assert_non_null(strstr(err, "exceeded its timeout of 1500 ms"));
	lb_task_release(hung);
	lb_queue_free(q);
	/* The hung child was killed and reaped, not left behind. */
	assert_true(hang_pid > 0);
	assert_int_equal(kill(hang_pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(hung_plugin_task_fails_at_deadline_others_complete,
						setup,
						teardown),
	};
	return cmocka_run_group_tests_name("queue.plugins", tests, NULL, NULL);
}
