#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "util/error.h"

static lb_settings *
parse_ok(const char *text)
{
	lb_settings *s = NULL;
	int error = lb_settings_parse("t.yaml", text, strlen(text), &s);

	if (error < 0)
		fail_msg("unexpected error: %s", lb_error_last(error));
	return s;
}

/* Parse must fail and the message must contain @want. */
static void
parse_fails(const char *text, const char *want)
{
	lb_settings *s = NULL;
	int error;

	lb_error_clear();
	error = lb_settings_parse("t.yaml", text, strlen(text), &s);
	assert_int_equal(error, LB_EINVAL);
	assert_null(s);
	if (!strstr(lb_error_last(error), want))
		fail_msg("message '%s' does not contain '%s'", lb_error_last(error), want);
}

static void
full_config(void **state)
{
	(void) state;
	lb_settings *s = parse_ok("apiVersion: lifeboat.io/v1\n"
				  "storageLocations:\n"
				  "  - name: primary\n"
				  "    provider: aws\n"
				  "    bucket: b1\n"
				  "    prefix: /cluster-a/\n"
				  "    default: true\n"
				  "    credentialsFile: /etc/creds\n"
				  "    config: {region: eu-west-1, s3ForcePathStyle: \"true\"}\n"
				  "  - name: archive\n"
				  "    provider: velero.io/aws\n"
				  "    bucket: b2\n"
				  "    accessMode: ReadOnly\n"
				  "snapshotLocations:\n"
				  "  - name: csi\n"
				  "    provider: lifeboat.io/csi\n"
				  "plugins:\n"
				  "  dirs: [/opt/p1, /opt/p2]\n"
				  "  startTimeoutMs: 2500\n"
				  "  callTimeouts: {metadataMs: 1000, dataMs: 2000, actionMs: 3000}\n"
				  "  overrides:\n"
				  "    - {name: lifeboat.io/aws, startTimeoutMs: 20000, children: 4}\n"
				  "queue: {workers: 3, taskTimeoutMs: 60000, stateDir: /var/lib/lb}\n"
				  "restore:\n"
				  "  storageClassMappings: {gp2: standard}\n"
				  "kube: {qps: 500, burst: 1000}\n");
	const lb_storage_location_cfg *l;

	assert_int_equal(s->nstorage, 2);
	l = lb_settings_location(s, NULL);
	assert_string_equal(l->name, "primary");
	assert_string_equal(l->prefix, "cluster-a");
	assert_string_equal(l->credentials_file, "/etc/creds");
	assert_string_equal(lb_kvlist_get(&l->config, "region"), "eu-west-1");
	assert_string_equal(lb_kvlist_get(&l->config, "s3ForcePathStyle"), "true");
	assert_int_equal(l->read_only, 0);
	l = lb_settings_location(s, "archive");
	assert_int_equal(l->read_only, 1);
	assert_null(lb_settings_location(s, "nope"));
	assert_int_equal(s->nplugin_dirs, 2);
	assert_string_equal(s->plugin_dirs[1], "/opt/p2");
	assert_int_equal(s->plugin_start_timeout_ms, 2500);
	assert_int_equal(s->call_data_ms, 2000);
	assert_int_equal(s->noverrides, 1);
	assert_int_equal(s->overrides[0].children, 4);
	assert_int_equal(s->queue_workers, 3);
	assert_string_equal(s->state_dir, "/var/lib/lb");
	assert_string_equal(lb_kvlist_get(&s->storage_class_mappings, "gp2"), "standard");
	assert_true(s->kube_qps == 500.0);
	assert_int_equal(s->kube_burst, 1000);
	lb_settings_free(s);
}

static void
errors_name_file_line_column(void **state)
{
	(void) state;
	parse_fails("storageLocations:\n  - name: a\n    provider: aws\n    bukcet: x\n",
		    "t.yaml:4:5: unknown key 'bukcet' in storageLocations[0]");
	parse_fails("storageLocations:\n  - name: a\n    provider: aws\n",
		    "t.yaml:2:5: storageLocations[0]: missing required key 'bucket'");
	parse_fails("storageLocations:\n  - {name: a, provider: aws, bucket: b, accessMode: RW}\n",
		    "accessMode must be ReadWrite or ReadOnly, not 'RW'");
	parse_fails("storageLocations: {name: a}\n", "t.yaml:1:19: storageLocations must be a list");
	parse_fails("storageLocations:\n  - {name: a, provider: aws, bucket: b}\nqueue: {workers: "
		    "two}\n",
		    "t.yaml:3:18: queue.workers must be a whole number, not 'two'");
	parse_fails("storageLocations:\n  - {name: a, provider: aws, bucket: b}\n"
		    "  - {name: a, provider: aws, bucket: c}\n",
		    "a storage location named 'a' is already defined");
	parse_fails("storageLocations:\n  - {name: A_B, provider: aws, bucket: b}\n",
		    "must be lowercase letters");
	parse_fails("storageLocations:\n  - name: a\n    name: b\n", "t.yaml:3:5: duplicate key 'name'");
	parse_fails("storageLocations: [\n", "t.yaml:");
	parse_fails("", "the file is empty");
	parse_fails("queue: {workers: 1}\n", "missing required key 'storageLocations'");
	parse_fails("storageLocations:\n  - {name: a, provider: aws, bucket: b, default: yes}\n",
		    "default must be true or false, not 'yes'");
	parse_fails("storageLocations:\n  - {name: a, provider: aws, bucket: b, config: {x: [1]}}\n",
		    "storageLocations[0].config.x must be a scalar");
}

static void
default_location_rules(void **state)
{
	(void) state;
	lb_settings *s = parse_ok("storageLocations:\n"
				  "  - {name: one, provider: file, bucket: b}\n"
				  "  - {name: default, provider: file, bucket: c}\n");

	assert_string_equal(lb_settings_location(s, NULL)->name, "default");
	lb_settings_free(s);
	s = parse_ok("storageLocations:\n"
		     "  - {name: one, provider: file, bucket: b}\n"
		     "  - {name: two, provider: file, bucket: c}\n");
	assert_null(lb_settings_location(s, NULL));
	assert_non_null(strstr(lb_error_last(LB_ENOTFOUND), "none is the default"));
	lb_settings_free(s);
}

static void
embedded_defaults(void **state)
{
	(void) state;
	lb_settings *s = NULL;

	setenv("LIFEBOAT_DATA_DIR", "/tmp/lbdata", 1);
	assert_int_equal(lb_settings_load(NULL, &s), 0);
	assert_string_equal(lb_settings_location(s, NULL)->provider, "lifeboat.io/file");
	assert_string_equal(lb_kvlist_get(&lb_settings_location(s, NULL)->config, "root"),
			    "/tmp/lbdata/storage");
	assert_string_equal(s->state_dir, "/tmp/lbdata/state");
	lb_settings_free(s);
}

static void
provider_names(void **state)
{
	(void) state;
	char *n = lb_provider_plugin_name("aws");

	assert_string_equal(n, "lifeboat.io/aws");
	free(n);
	n = lb_provider_plugin_name("velero.io/aws");
	assert_string_equal(n, "lifeboat.io/aws");
	free(n);
	n = lb_provider_plugin_name("example.com/store");
	assert_string_equal(n, "example.com/store");
	free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_config),
		cmocka_unit_test(errors_name_file_line_column),
		cmocka_unit_test(default_location_rules),
		cmocka_unit_test(embedded_defaults),
		cmocka_unit_test(provider_names),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
