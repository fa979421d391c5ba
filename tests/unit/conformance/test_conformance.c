/*
 * The conformance kit against in-process doubles: a correct in-memory store passes, and
 * each deliberately broken variant fails exactly the test that covers the broken rule,
 * with a diagnostic that says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "memstore.h"
#include "tap.h"

typedef struct run {
	int status;
	char *out; /* the TAP text */
} run;

static lb_kv region_kv[] = {{"region", "eu-1"}};
static const lb_config region_config = {1, 0, region_kv};

static void
run_kit(run *r, lb_plugin_kind kind, const lb_kit_opener *opener)
{
	size_t len = 0;
	FILE *f = open_memstream(&r->out, &len);
	lb_kit_opts opts;

	assert_non_null(f);
	memset(&opts, 0, sizeof(opts));
	opts.out = f;
	opts.plugin = "example.com/double (in-process)";
	opts.kind = kind;
	opts.opener = *opener;
	opts.config = &region_config;
	opts.bucket = "b";
	opts.call_timeout_ms = -1;
	opts.large_mib = 3;
	opts.threads = 4;
	r->status = lb_conformance_run(&opts);
	fclose(f);
}

static void
run_store(run *r, unsigned flags)
{
	lb_kit_opener opener;

	memstore_opener(&opener, flags);
	run_kit(r, LB_KIND_OBJECT_STORE, &opener);
	memstore_opener_dispose(&opener);
}

/* The line of the test whose description starts with @desc, or fail. */
static const char *
line_of(const run *r, const char *desc)
{
	const char *p = r->out;

	while ((p = strstr(p, " - ")) != NULL) {
		p += 3;
		if (strncmp(p, desc, strlen(desc)) == 0) {
			const char *bol = p;
			while (bol > r->out && bol[-1] != '\n')
				bol--;
			return bol;
		}
	}
	fail_msg("no test \"%s\" in:\n%s", desc, r->out);
	return NULL;
}

static void
assert_ok(const run *r, const char *desc)
{
	const char *l = line_of(r, desc);

	if (strncmp(l, "ok ", 3) != 0) {
		fputs(r->out, stderr);
		fail_msg("expected ok: %s (TAP above)", desc);
	}
}

static void
assert_not_ok(const run *r, const char *desc, const char *diag_needle)
{
	const char *l = line_of(r, desc);
	const char *end;

	if (strncmp(l, "not ok ", 7) != 0) {
		fputs(r->out, stderr);
		fail_msg("expected not ok: %s (TAP above)", desc);
	}
	end = strstr(l, "  ...\n");
	assert_non_null(end);
	if (diag_needle != NULL) {
		const char *hit = strstr(l, diag_needle);
		if (hit == NULL || hit > end) {
			fputs(r->out, stderr);
			fail_msg("diagnostic of \"%s\" lacks \"%s\" (TAP above)", desc,
			         diag_needle);
		}
	}
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
test_good_store_passes(void **state)
{
	run r;

	(void) state;
	run_store(&r, 0);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.out, "TAP version 13\n1..", 18) == 0);
	assert_int_equal(count(r.out, "not ok"), 0);
	assert_non_null(strstr(r.out, "# SKIP create_signed_url is not implemented"));
	assert_non_null(strstr(r.out, "# PASS: "));
	assert_ok(&r, "list_common_prefixes returns full prefixes including the delimiter");
	free(r.out);
}

static void
test_prefix_without_delimiter(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_PREFIX_NO_DELIM);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "list_common_prefixes returns full prefixes including the delimiter",
	              "does not end with the delimiter");
	assert_ok(&r, "list_objects returns every key under a prefix");
	assert_non_null(strstr(r.out, "# FAIL: "));
	free(r.out);
}

static void
test_keys_outside_prefix(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_OUTSIDE_PREFIX);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "list_objects returns every key under a prefix",
	              "does not start with the prefix");
	free(r.out);
}

static void
test_leaf_as_prefix(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_LEAF_AS_PREFIX);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "list_common_prefixes does not return keys at the prefix level",
	              "is a key at the prefix level, not a common prefix");
	free(r.out);
}

static void
test_directory_prefix(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_DIR_PREFIX);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "list_objects matches the prefix as a string", "is missing");
	free(r.out);
}

static void
test_missing_is_not_enotfound(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_MISSING_EIO);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "get_object of a missing key returns LB_ENOTFOUND",
	              "code: \"LB_EIO (-9)\"");
	free(r.out);
}

static void
test_accepts_unknown_key(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_ACCEPT_UNKNOWN);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "init rejects an unknown config key", "init accepted an unknown");
	free(r.out);
}

static void
test_truncating_store(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_TRUNCATE);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "put/get round trip: 3 MiB streamed through a pipe",
	              "expected: \"3145735 bytes, sha256 ");
	assert_not_ok(&r, "put/get round trip: 3 MiB regular file", "got: \"1048576 bytes");
	assert_ok(&r, "put/get round trip: small objects");
	free(r.out);
}

static void
test_delete_missing(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_DELETE_MISSING);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "delete_object of a missing key succeeds", "LB_ENOTFOUND (-2)");
	free(r.out);
}

static void
test_deadline_reported(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_TIMEOUT_GET);
	assert_int_equal(r.status, 1);
	/* Every get fails, every such test reports the supervisor's sentence, and the kit
	 * goes on to the end of the plan. */
	assert_not_ok(&r, "put/get round trip: empty object",
	              "the call did not return within its deadline: plugin example.com/mem pid "
	              "4242: get_object did not return within 100 ms; killed");
	assert_ok(&r, "delete_object of a missing key succeeds");
	assert_non_null(strstr(r.out, "# FAIL: "));
	free(r.out);
}

static void
test_errors_without_message(void **state)
{
	run r;

	(void) state;
	run_store(&r, MEM_NO_MESSAGE);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "get_object of a missing key returns LB_ENOTFOUND with a message",
	              "without a message");
	free(r.out);
}

static void
test_actions(void **state)
{
	lb_kit_opener o;
	run r;

	(void) state;
	bia_opener(&o, 0);
	run_kit(&r, LB_KIND_BACKUP_ITEM_ACTION, &o);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "# SKIP progress is not implemented"));
	free(r.out);
	action_opener_dispose(&o);

	bia_opener(&o, ACT_BAD_SELECTOR | ACT_BAD_OUTPUT);
	run_kit(&r, LB_KIND_BACKUP_ITEM_ACTION, &o);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "applies_to returns valid selector JSON", "not valid JSON");
	assert_not_ok(&r, "execute on a ConfigMap returns valid output JSON",
	              "non-empty \\\"resource\\\" and \\\"name\\\"");
	free(r.out);
	action_opener_dispose(&o);

	ria_opener(&o, 0);
	run_kit(&r, LB_KIND_RESTORE_ITEM_ACTION, &o);
	assert_int_equal(r.status, 0);
	assert_ok(&r, "cancel of an unknown operation");
	free(r.out);
	action_opener_dispose(&o);

	ria_opener(&o, ACT_BAD_SELECTOR | ACT_BAD_OUTPUT);
	run_kit(&r, LB_KIND_RESTORE_ITEM_ACTION, &o);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "applies_to returns valid selector JSON", "not an object");
	assert_not_ok(&r, "execute on a ConfigMap", "\\\"skipRestore\\\" must be a boolean");
	free(r.out);
	action_opener_dispose(&o);

	vs_opener(&o, 0);
	run_kit(&r, LB_KIND_VOLUME_SNAPSHOTTER, &o);
	assert_int_equal(r.status, 0);
	free(r.out);
	action_opener_dispose(&o);

	vs_opener(&o, ACT_CLAIM_FOREIGN);
	run_kit(&r, LB_KIND_VOLUME_SNAPSHOTTER, &o);
	assert_int_equal(r.status, 1);
	assert_not_ok(&r, "get_volume_id of a foreign (NFS) PV", "got: \"vol-0123\"");
	free(r.out);
	action_opener_dispose(&o);
}

static void
test_yaml_escaping(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void) state;
	lb_tap_yaml_string(f, "a \"q\" \\ b\nc\t\x01 \xc3\xbc");
	fclose(f);
	assert_string_equal(buf, "\"a \\\"q\\\" \\\\ b\\nc\\t\\x01 \xc3\xbc\"");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_store_passes),
	    cmocka_unit_test(test_prefix_without_delimiter),
	    cmocka_unit_test(test_keys_outside_prefix),
	    cmocka_unit_test(test_leaf_as_prefix),
	    cmocka_unit_test(test_directory_prefix),
	    cmocka_unit_test(test_missing_is_not_enotfound),
	    cmocka_unit_test(test_accepts_unknown_key),
	    cmocka_unit_test(test_truncating_store),
	    cmocka_unit_test(test_delete_missing),
	    cmocka_unit_test(test_deadline_reported),
	    cmocka_unit_test(test_errors_without_message),
	    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_yaml_escaping),
	};

	return cmocka_run_group_tests_name("conformance", tests, NULL, NULL);
}
