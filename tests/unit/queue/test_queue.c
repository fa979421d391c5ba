/* The task queue: concurrency, per-task timeout, cancel (in-process and through the state
 * dir), persistence and recovery of interrupted tasks. No timed assertions: tasks block on
 * their cancel token or on explicit gates, never on the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <poll.h>
#include <pthread.h>
#include <cmocka.h>

#include "queue/queue.h"
#include "util/error.h"

static char state_dir[256];

/* Blocks until its token is triggered (a stand-in for a task whose plugin hangs). */
static int
hang_task(void *ud, const cJSON *params, lb_cancel *cancel, lb_task *task)
{
	struct pollfd p = {.fd = lb_cancel_fd(cancel), .events = POLLIN};

	(void) ud, (void) params, (void) task;
	while (!lb_cancel_is_set(cancel))
		poll(&p, 1, 1000);
	return lb_error_set(LB_ECANCELED, "abandoned");
}

static int counter;
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;

static int
quick_task(void *ud, const cJSON *params, lb_cancel *cancel, lb_task *task)
{
	const cJSON *fail = cJSON_GetObjectItemCaseSensitive(params, "fail");

	(void) ud, (void) cancel;
	lb_task_set_progress(task, "1/1");
	pthread_mutex_lock(&counter_lock);
	counter++;
	pthread_mutex_unlock(&counter_lock);
	if (cJSON_IsTrue(fail))
		return lb_error_set(LB_EIO, "item x failed: disk on fire");
	return 0;
}

static int
setup(void **state)
{
	(void) state;
	snprintf(state_dir, sizeof(state_dir), "/tmp/lb-queue-test-XXXXXX");
	assert_non_null(mkdtemp(state_dir));
	counter = 0;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void) state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
hung_task_times_out_while_others_complete(void **state)
{
	(void) state;
	lb_queue_opts o = {.workers = 2, .task_timeout_ms = 0, .state_dir = state_dir};
	lb_queue *q;
	lb_task *hung, *quick[5];
	lb_task_spec hs = {.kind = "hang", .name = "h", .timeout_ms = 300};
	lb_task_spec qs = {.kind = "quick", .name = "q"};
	char err[1024];

	assert_int_equal(lb_queue_new(&o, &q), 0);
	assert_int_equal(lb_queue_register(q, "hang", hang_task, NULL), 0);
	assert_int_equal(lb_queue_register(q, "quick", quick_task, NULL), 0);
	assert_int_equal(lb_queue_submit(q, &hs, &hung), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(lb_queue_submit(q, &qs, &quick[i]), 0);
	/* The quick tasks finish on the other worker while the hung one still runs. */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(lb_task_wait(quick[i]), LB_TASK_SUCCEEDED);
		lb_task_release(quick[i]);
	}
	assert_int_equal(counter, 5);
	assert_int_equal(lb_task_wait(hung), LB_TASK_TIMED_OUT);
	lb_task_error(hung, err, sizeof(err));
	assert_non_null(strstr(err, "exceeded its timeout of 300 ms"));
	lb_task_release(hung);
	lb_queue_free(q);
}

static void
cancel_running_and_queued(void **state)
{
	(void) state;
	lb_queue_opts o = {.workers = 1, .state_dir = state_dir};
	lb_queue *q;
	lb_task *a, *b;
	lb_task_spec hs = {.kind = "hang", .name = "a"};
	lb_task_spec qs = {.kind = "quick", .name = "b"};

	assert_int_equal(lb_queue_new(&o, &q), 0);
	lb_queue_register(q, "hang", hang_task, NULL);
	lb_queue_register(q, "quick", quick_task, NULL);
	assert_int_equal(lb_queue_submit(q, &hs, &a), 0);
	assert_int_equal(lb_queue_submit(q, &qs, &b), 0);
	while (lb_task_phase_get(a) != LB_TASK_RUNNING)
		usleep(1000);
	/* b is queued behind a on the single worker: cancel it first, then a. */
	assert_int_equal(lb_queue_cancel(q, lb_task_id(b)), 0);
	/* a is canceled by another process, through the state dir. */
	assert_int_equal(lb_queue_request_cancel(state_dir, lb_task_id(a)), 0);
	assert_int_equal(lb_task_wait(a), LB_TASK_CANCELED);
	assert_int_equal(lb_task_wait(b), LB_TASK_CANCELED);
	assert_int_equal(counter, 0); /* b never ran */
	assert_int_equal(lb_queue_cancel(q, "no-such-task"), LB_ENOTFOUND);
	assert_int_equal(lb_queue_request_cancel(state_dir, "../etc"), LB_EINVAL);
	lb_task_release(a);
	lb_task_release(b);
	lb_queue_free(q);
}

static void
failure_message_and_records_persist(void **state)
{
	(void) state;
	lb_queue_opts o = {.workers = 1, .state_dir = state_dir};
	lb_queue *q;
	lb_task *t;
	cJSON *params = cJSON_Parse("{\"fail\":true}"), *recs = cJSON_CreateArray(), *r;
	lb_task_spec s = {.kind = "quick", .name = "f", .params = params};
	char err[1024];

	assert_int_equal(lb_queue_new(&o, &q), 0);
	lb_queue_register(q, "quick", quick_task, NULL);
	assert_int_equal(lb_queue_submit(q, &s, &t), 0);
	assert_int_equal(lb_task_wait(t), LB_TASK_FAILED);
	lb_task_error(t, err, sizeof(err));
	assert_string_equal(err, "item x failed: disk on fire");
	lb_task_release(t);
	lb_queue_free(q);

	assert_int_equal(lb_queue_recover(state_dir, NULL, recs), 0);
	assert_int_equal(cJSON_GetArraySize(recs), 1);
	r = cJSON_GetArrayItem(recs, 0);
	assert_string_equal(cJSON_GetObjectItem(r, "phase")->valuestring, "Failed");
	assert_string_equal(cJSON_GetObjectItem(r, "error")->valuestring,
			    "item x failed: disk on fire");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "params"), "fail")));
	cJSON_Delete(recs);
	cJSON_Delete(params);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
recovery_marks_dead_runner_and_requeues(void **state)
{
	(void) state;
	char dir[300], path[400];
	cJSON *recs = cJSON_CreateArray();
	lb_queue_opts o = {.workers = 1, .state_dir = state_dir};
	lb_queue *q;
	int held_fd, n_interrupted = 0, n_running = 0;

	snprintf(dir, sizeof(dir), "%s/tasks", state_dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	/* A runner that died: Running, lock not held. */
	snprintf(path, sizeof(path), "%s/dead.json", dir);
	write_file(path, "{\"id\":\"dead\",\"kind\":\"quick\",\"name\":\"d\",\"phase\":\"Running\"}");
	/* A runner that lives (we hold its lock): stays Running. */
	snprintf(path, sizeof(path), "%s/alive.json", dir);
	write_file(path, "{\"id\":\"alive\",\"kind\":\"quick\",\"name\":\"a\",\"phase\":\"Running\"}");
	snprintf(path, sizeof(path), "%s/alive.lock", dir);
	held_fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_int_equal(flock(held_fd, LOCK_EX), 0);
	/* Queued before a restart: runs again. */
	snprintf(path, sizeof(path), "%s/waiting.json", dir);
	write_file(path,
		   "{\"id\":\"waiting\",\"kind\":\"quick\",\"name\":\"w\",\"phase\":\"Queued\"}");

	assert_int_equal(lb_queue_new(&o, &q), 0);
	lb_queue_register(q, "quick", quick_task, NULL);
	assert_int_equal(lb_queue_recover(state_dir, q, recs), 0);
	for (int i = 0; i < cJSON_GetArraySize(recs); i++) {
		const char *p = cJSON_GetObjectItem(cJSON_GetArrayItem(recs, i), "phase")->valuestring;

		n_interrupted += !strcmp(p, "Interrupted");
		n_running += !strcmp(p, "Running");
	}
	assert_int_equal(n_interrupted, 1);
	assert_int_equal(n_running, 1);
	lb_queue_free(q); /* waits for the requeued task */
	assert_int_equal(counter, 1);
	cJSON_Delete(recs);
	close(held_fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(hung_task_times_out_while_others_complete,
						setup,
						teardown),
		cmocka_unit_test_setup_teardown(cancel_running_and_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(failure_message_and_records_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(recovery_marks_dead_runner_and_requeues,
						setup,
						teardown),
	};
	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
