/* Async item operations: progress parsing, the poll loop (completion, errors, timeout with
 * cancel, a canceled task), and Velero's operation records. Poll counts, never wall time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/operations.h"

typedef struct fake {
	int done_after[4]; /* completes at this poll; 0: never; -1: progress fails */
	int cancels[4];
} fake;

static int
progress(void *ud, lb_item_op *op, char **json_out, char *why, size_t why_size)
{
	fake *f = ud;
	int i = (int) (intptr_t) op->handle, want = f->done_after[i];
	char buf[128];

	if (want < 0) {
		snprintf(why, why_size, "plugin went away");
		return -1;
	}
	if (want == 99) {
		*json_out = strdup("{\"completed\":true,\"err\":\"disk full\"}");
		return 0;
	}
	snprintf(buf, sizeof(buf), "{\"completed\":%s,\"nCompleted\":%d,\"nTotal\":%d}",
	         want && op->polls >= want ? "true" : "false", op->polls, want);
	*json_out = strdup(buf);
	return 0;
}

static void
cancel_op(void *ud, lb_item_op *op)
{
	((fake *) ud)->cancels[(int) (intptr_t) op->handle]++;
}

static void
add(lb_item_ops *ops, int i, const char *id)
{
	cJSON *rid = cJSON_Parse("{\"group\":\"\",\"resource\":\"configmaps\",\"namespace\":\"ns\","
	                         "\"name\":\"c\"}");
	cJSON *post = cJSON_Parse("[{\"group\":\"\",\"resource\":\"configmaps\","
	                          "\"namespace\":\"ns\",\"name\":\"c\"}]");

	assert_int_equal(lb_item_ops_add(ops, "x.io/a", (void *) (intptr_t) i, id, rid, post), 0);
	cJSON_Delete(rid);
	cJSON_Delete(post);
}

static void
test_apply_progress(void **state)
{
	lb_item_ops ops;
	lb_item_op *op;

	(void) state;
	lb_item_ops_init(&ops);
	add(&ops, 0, "op");
	op = &ops.v[0];
	lb_item_op_apply_progress(op, "{\"completed\":false,\"nCompleted\":2,\"nTotal\":5,"
	                              "\"operationUnits\":\"bytes\",\"description\":\"copying\"}");
	assert_string_equal(op->phase, LB_OP_IN_PROGRESS);
	assert_int_equal(op->n_completed, 2);
	assert_int_equal(op->n_total, 5);
	assert_string_equal(op->units, "bytes");
	assert_string_equal(op->description, "copying");
	lb_item_op_apply_progress(op, "{\"completed\":true}");
	assert_string_equal(op->phase, LB_OP_COMPLETED);
	op->phase = LB_OP_IN_PROGRESS;
	lb_item_op_apply_progress(op, "not json");
	assert_string_equal(op->phase, LB_OP_FAILED);
	assert_non_null(strstr(op->error, "not a JSON object"));
	lb_item_ops_dispose(&ops);
}

static void
test_wait(void **state)
{
	lb_item_ops ops;
	fake f = {{3, -1, 99, 1}, {0}};
	lb_item_ops_wait_opts o = {1, 3600000, NULL, progress, cancel_op, &f};

	(void) state;
	lb_item_ops_init(&ops);
	add(&ops, 0, "three");
	add(&ops, 1, "broken");
	add(&ops, 2, "err");
	add(&ops, 3, "one");
	assert_int_equal(lb_item_ops_wait(&ops, &o), 2);
	assert_string_equal(ops.v[0].phase, LB_OP_COMPLETED);
	assert_int_equal(ops.v[0].polls, 3);
	assert_string_equal(ops.v[1].phase, LB_OP_FAILED);
	assert_non_null(strstr(ops.v[1].error, "plugin went away"));
	assert_string_equal(ops.v[2].phase, LB_OP_FAILED);
	assert_string_equal(ops.v[2].error, "disk full");
	assert_string_equal(ops.v[3].phase, LB_OP_COMPLETED);
	assert_int_equal(ops.v[3].polls, 1);
	assert_int_equal(f.cancels[0] + f.cancels[1] + f.cancels[2] + f.cancels[3], 0);
	lb_item_ops_dispose(&ops);
}

static void
test_timeout_cancels(void **state)
{
	lb_item_ops ops;
	fake f = {{0, 2, 0, 0}, {0}};
	lb_item_ops_wait_opts o = {1, 30, NULL, progress, cancel_op, &f};

	(void) state;
	lb_item_ops_init(&ops);
	add(&ops, 0, "never");
	add(&ops, 1, "two");
	assert_int_equal(lb_item_ops_wait(&ops, &o), 1);
	assert_string_equal(ops.v[0].phase, LB_OP_FAILED);
	assert_int_equal(f.cancels[0], 1);
	assert_true(ops.v[0].canceled);
	assert_non_null(strstr(ops.v[0].error, "timed out after 30ms"));
	assert_string_equal(ops.v[1].phase, LB_OP_COMPLETED);
	assert_int_equal(f.cancels[1], 0);
	lb_item_ops_dispose(&ops);
}

static void
test_task_canceled(void **state)
{
	lb_item_ops ops;
	fake f = {{0, 0, 0, 0}, {0}};
	lb_cancel *c = lb_cancel_new();
	lb_item_ops_wait_opts o = {1, 3600000, c, progress, cancel_op, &f};

	(void) state;
	lb_item_ops_init(&ops);
	add(&ops, 0, "never");
	lb_cancel_trigger(c);
	assert_int_equal(lb_item_ops_wait(&ops, &o), 1);
	assert_int_equal(f.cancels[0], 1);
	assert_int_equal(ops.v[0].polls, 0);
	lb_item_ops_dispose(&ops);
	lb_cancel_free(c);
}

static void
test_records(void **state)
{
	lb_item_ops ops;
	char *text, d[32];
	cJSON *a, *r;

	(void) state;
	lb_item_ops_init(&ops);
	text = lb_item_ops_json(&ops, "backup", "b", "u");
	assert_string_equal(text, "[]");
	free(text);
	add(&ops, 0, "op-1");
	text = lb_item_ops_json(&ops, "backup", "b", "uid-1");
	a = cJSON_Parse(text);
	r = cJSON_GetArrayItem(a, 0);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "spec"), "backupName")->valuestring, "b");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "spec"), "backupUID")->valuestring, "uid-1");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "spec"), "backupItemAction")->valuestring,
	    "x.io/a");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "spec"),
	                                                            "resourceIdentifier"),
	                                        "Resource")
	                        ->valuestring,
	                    "configmaps");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "spec"),
	                                                        "postOperationItems")),
	                 1);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "status"), "phase")->valuestring,
	    "InProgress");
	cJSON_Delete(a);
	free(text);
	text = lb_item_ops_json(&ops, "restore", "r", "");
	assert_non_null(strstr(text, "\"restoreItemAction\":\"x.io/a\""));
	free(text);
	lb_item_ops_format_ms(300, d, sizeof(d));
	assert_string_equal(d, "300ms");
	lb_item_ops_dispose(&ops);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_apply_progress),  cmocka_unit_test(test_wait),
	    cmocka_unit_test(test_timeout_cancels), cmocka_unit_test(test_task_canceled),
	    cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
