/* Velero layout, include/exclude rules, label selectors, results, records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/applies_to.h"
#include "backup/itemset.h"
#include "backup/layout.h"
#include "backup/record.h"
#include "backup/results.h"
#include "backup/selector.h"
#include "backup/yaml_print.h"
#include "util/error.h"

static void
test_layout_paths(void **state)
{
	char b[512], gr[128];

	(void) state;
	lb_layout_gr(gr, sizeof(gr), "apps", "deployments");
	assert_string_equal(gr, "deployments.apps");
	lb_layout_gr(gr, sizeof(gr), "", "pods");
	assert_string_equal(gr, "pods");
	lb_layout_item_path(b, sizeof(b), "deployments.apps", NULL, "demo", "web");
	assert_string_equal(b, "resources/deployments.apps/namespaces/demo/web.json");
	lb_layout_item_path(b, sizeof(b), "deployments.apps", "v1-preferredversion", "demo", "web");
	assert_string_equal(
	    b, "resources/deployments.apps/v1-preferredversion/namespaces/demo/web.json");
	lb_layout_item_path(b, sizeof(b), "persistentvolumes", NULL, NULL, "pv1");
	assert_string_equal(b, "resources/persistentvolumes/cluster/pv1.json");
	lb_layout_item_path(b, sizeof(b), "gadgets.example.lifeboat.io", "v1beta1", NULL, "g");
	assert_string_equal(b, "resources/gadgets.example.lifeboat.io/v1beta1/cluster/g.json");
	lb_layout_backup_key(b, sizeof(b), "nightly", ".tar.gz");
	assert_string_equal(b, "backups/nightly/nightly.tar.gz");
	lb_layout_backup_key(b, sizeof(b), "nightly", "-resource-list.json.gz");
	assert_string_equal(b, "backups/nightly/nightly-resource-list.json.gz");
	lb_layout_backup_record_key(b, sizeof(b), "nightly");
	assert_string_equal(b, "backups/nightly/velero-backup.json");
	lb_layout_restore_key(b, sizeof(b), "r1", "-results.gz");
	assert_string_equal(b, "restores/r1/restore-r1-results.gz");
}

static void
test_layout_parse(void **state)
{
	lb_layout_entry e;

	(void) state;
	assert_int_equal(lb_layout_parse("resources/pods/namespaces/ns1/p.json", &e), 1);
	assert_string_equal(e.gr, "pods");
	assert_string_equal(e.ns, "ns1");
	assert_string_equal(e.name, "p");
	assert_string_equal(e.version, "");
	assert_int_equal(
	    lb_layout_parse("resources/crds.x.io/v1-preferredversion/cluster/a.b.json", &e), 1);
	assert_int_equal(e.preferred, 1);
	assert_string_equal(e.version, "v1");
	assert_string_equal(e.name, "a.b");
	assert_int_equal(lb_layout_parse("resources/hpa.autoscaling/v1/namespaces/n/h.json", &e),
	                 1);
	assert_string_equal(e.version, "v1");
	assert_int_equal(e.preferred, 0);
	assert_int_equal(lb_layout_parse("metadata/version", &e), 0);
	assert_int_equal(lb_layout_parse("resources/pods/namespaces/x.json", &e), 0);
	assert_int_equal(lb_layout_parse("resources/pods/cluster/a/b.json", &e), 0);
	assert_int_equal(lb_layout_valid_name("nightly-1.a"), 1);
	assert_int_equal(lb_layout_valid_name("Bad_Name"), 0);
	assert_int_equal(lb_layout_valid_name("../x"), 0);
}

static void
test_namespaces(void **state)
{
	lb_ns_filter f;

	(void) state;
	lb_ns_filter_init(&f, NULL, NULL);
	assert_true(lb_ns_filter_includes_all(&f));
	assert_true(lb_ns_filter_match(&f, "x"));
	lb_ns_filter_dispose(&f);
	lb_ns_filter_init(&f, "app-*, demo", "app-test*");
	assert_false(lb_ns_filter_includes_all(&f));
	assert_true(lb_ns_filter_match(&f, "app-prod"));
	assert_true(lb_ns_filter_match(&f, "demo"));
	assert_false(lb_ns_filter_match(&f, "app-test1")); /* exclude wins */
	assert_false(lb_ns_filter_match(&f, "kube-system"));
	lb_ns_filter_dispose(&f);
	lb_ns_filter_init(&f, "*", "kube-*");
	assert_true(lb_ns_filter_includes_all(&f));
	assert_false(lb_ns_filter_match(&f, "kube-system"));
	lb_ns_filter_dispose(&f);
}

static void
test_resources(void **state)
{
	const char *deploy_short[] = {"deploy", NULL};
	lb_res_names d = {"apps", "deployments", "deployment", "Deployment", deploy_short};
	const char *pod_short[] = {"po", NULL};
	lb_res_names p = {"", "pods", "pod", "Pod", pod_short};
	lb_res_names pv = {"", "persistentvolumes", "persistentvolume", "PersistentVolume", NULL};
	lb_res_filter f;
	lb_ns_filter all, some;

	(void) state;
	assert_true(lb_res_term_matches("deploy", &d));
	assert_true(lb_res_term_matches("deployments.apps", &d));
	assert_true(lb_res_term_matches("Deployment", &d));
	assert_true(lb_res_term_matches("deploy.apps", &d));
	assert_false(lb_res_term_matches("deployments.extensions", &d));
	assert_true(lb_res_term_matches("*", &p));
	lb_res_filter_init(&f, "deploy,po", "pods");
	assert_true(lb_res_filter_match(&f, &d));
	assert_false(lb_res_filter_match(&f, &p)); /* exclude wins */
	lb_res_filter_dispose(&f);

	/* cluster-scoped: auto = only when all namespaces, or named explicitly */
	lb_ns_filter_init(&all, NULL, NULL);
	lb_ns_filter_init(&some, "demo", NULL);
	lb_res_filter_init(&f, NULL, NULL);
	assert_true(lb_cluster_scoped_included(LB_CLUSTER_AUTO, &all, &f, &pv));
	assert_false(lb_cluster_scoped_included(LB_CLUSTER_AUTO, &some, &f, &pv));
	assert_true(lb_cluster_scoped_included(LB_CLUSTER_TRUE, &some, &f, &pv));
	assert_false(lb_cluster_scoped_included(LB_CLUSTER_FALSE, &all, &f, &pv));
	lb_res_filter_dispose(&f);
	lb_res_filter_init(&f, "persistentvolumes,pods", NULL);
	assert_true(lb_cluster_scoped_included(LB_CLUSTER_AUTO, &some, &f, &pv));
	lb_res_filter_dispose(&f);
	lb_ns_filter_dispose(&all);
	lb_ns_filter_dispose(&some);
	{
		lb_cluster_mode m;

		assert_int_equal(lb_cluster_mode_parse("maybe", &m), LB_EINVAL);
		assert_int_equal(lb_cluster_mode_parse("true", &m), 0);
		assert_int_equal(m, LB_CLUSTER_TRUE);
	}
}

static void
test_labels(void **state)
{
	lb_label_selector *s = NULL;
	cJSON *l = cJSON_Parse("{\"app\":\"web\",\"tier\":\"front\",\"env\":\"prod\"}");
	cJSON *j;
	char *t;

	(void) state;
	assert_int_equal(
	    lb_label_selector_parse("app=web,tier!=db,env in (prod, stage),!legacy", &s), 0);
	assert_true(lb_label_selector_match(s, l));
	j = lb_label_selector_to_json(s);
	t = cJSON_PrintUnformatted(j);
	assert_non_null(strstr(t, "\"matchLabels\":{\"app\":\"web\"}"));
	assert_non_null(strstr(t, "\"operator\":\"DoesNotExist\""));
	free(t);
	cJSON_Delete(j);
	lb_label_selector_free(s);
	assert_int_equal(lb_label_selector_parse("app==db", &s), 0);
	assert_false(lb_label_selector_match(s, l));
	assert_false(lb_label_selector_match(s, NULL));
	lb_label_selector_free(s);
	assert_int_equal(lb_label_selector_parse("tier notin (db),app", &s), 0);
	assert_true(lb_label_selector_match(s, l));
	lb_label_selector_free(s);
	assert_int_equal(lb_label_selector_parse("app in web", &s), LB_EINVAL);
	assert_non_null(strstr(lb_error_last(LB_EINVAL), "app in web"));
	assert_int_equal(lb_label_selector_parse("", &s), 0);
	assert_true(lb_label_selector_empty(s));
	assert_true(lb_label_selector_match(s, NULL));
	lb_label_selector_free(s);
	j = cJSON_Parse("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":"
	                "\"env\",\"operator\":\"In\",\"values\":[\"prod\"]}]}");
	assert_int_equal(lb_label_selector_from_json(j, &s), 0);
	assert_true(lb_label_selector_match(s, l));
	lb_label_selector_free(s);
	cJSON_Delete(j);
	cJSON_Delete(l);
}

static void
test_applies_to(void **state)
{
	lb_applies_to a;
	lb_res_names pvc = {"", "persistentvolumeclaims", "persistentvolumeclaim",
	                    "PersistentVolumeClaim", NULL};
	lb_res_names pv = {"", "persistentvolumes", NULL, NULL, NULL};

	(void) state;
	assert_int_equal(
	    lb_applies_to_parse("{\"includedResources\":[\"persistentvolumeclaims\","
	                        "\"persistentvolumes\"],\"includedNamespaces\":[\"a\"]}",
	                        "t", &a),
	    0);
	assert_true(lb_applies_to_match(&a, &pvc, "a", NULL));
	assert_false(lb_applies_to_match(&a, &pvc, "b", NULL));
	/* names namespaces: never a cluster-scoped item */
	assert_false(lb_applies_to_match(&a, &pv, NULL, NULL));
	lb_applies_to_dispose(&a);
	assert_int_equal(lb_applies_to_parse("{}", "t", &a), 0);
	assert_true(lb_applies_to_match(&a, &pv, NULL, NULL));
	lb_applies_to_dispose(&a);
	assert_int_equal(lb_applies_to_parse("[1]", "t", &a), LB_EPROTO);
}

static void
test_results(void **state)
{
	lb_results r;
	char *s;
	cJSON *doc;
	size_t e, w;

	(void) state;
	lb_results_init(&r);
	lb_results_error(&r, "demo", "error restoring services/demo/web: port 30080 is allocated");
	lb_results_warning(&r, NULL, "cluster warning");
	lb_results_error(&r, "", "engine error");
	s = lb_results_print(&r);
	assert_string_equal(s,
	                    "{\"errors\":{\"namespaces\":{\"demo\":[\"error restoring "
	                    "services/demo/web: port 30080 is allocated\"]},\"velero\":[\"engine "
	                    "error\"]},\"warnings\":{\"cluster\":[\"cluster warning\"]}}");
	doc = cJSON_Parse(s);
	lb_results_count(doc, &e, &w);
	assert_int_equal(e, 2);
	assert_int_equal(w, 1);
	cJSON_Delete(doc);
	free(s);
	lb_results_dispose(&r);
}

static void
test_record_helpers(void **state)
{
	int64_t ms;
	char b[64];

	(void) state;
	assert_int_equal(lb_duration_parse("720h", &ms), 0);
	assert_int_equal(ms, (int64_t) 720 * 3600 * 1000);
	assert_int_equal(lb_duration_parse("1h30m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(lb_duration_parse("720h0m0s", &ms), 0);
	lb_duration_format(ms, b, sizeof(b));
	assert_string_equal(b, "720h0m0s");
	assert_int_equal(lb_duration_parse("soon", &ms), LB_EINVAL);
	lb_time_rfc3339(0, b, sizeof(b));
	assert_string_equal(b, "1970-01-01T00:00:00Z");
	assert_int_equal(lb_time_parse_rfc3339("2024-01-02T03:04:05Z"), 1704164645);
	assert_int_equal(lb_time_parse_rfc3339("2024-01-02T04:04:05+01:00"), 1704164645);
	lb_uuid4(b);
	assert_int_equal(strlen(b), 36);
	assert_int_equal(b[14], '4');
}

static void
test_itemset(void **state)
{
	lb_itemset s;
	char k[32];
	int i;

	(void) state;
	lb_itemset_init(&s);
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "pods|ns|p%d", i);
		assert_int_equal(lb_itemset_add(&s, k), 1);
	}
	assert_int_equal(lb_itemset_add(&s, "pods|ns|p42"), 0);
	assert_true(lb_itemset_has(&s, "pods|ns|p4999"));
	assert_false(lb_itemset_has(&s, "pods|ns|p5000"));
	lb_itemset_dispose(&s);
}

static void
test_yaml_print(void **state)
{
	cJSON *j = cJSON_Parse(
	    "{\"kind\":\"Backup\",\"spec\":{\"ttl\":\"720h0m0s\",\"includedNamespaces\":"
	    "[\"*\"],\"n\":3,\"b\":true},\"items\":[{\"a\":\"x: y\"}]}");
	lb_buf b = LB_BUF_INIT;

	(void) state;
	lb_json_print_yaml(j, &b);
	assert_string_equal(b.ptr, "kind: Backup\nspec:\n  ttl: 720h0m0s\n  includedNamespaces:\n  "
	                           "  - \"*\"\n  n: 3\n  b: true\nitems:\n  - a: \"x: y\"\n");
	lb_buf_dispose(&b);
	cJSON_Delete(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_paths), cmocka_unit_test(test_layout_parse),
	    cmocka_unit_test(test_namespaces),   cmocka_unit_test(test_resources),
	    cmocka_unit_test(test_labels),       cmocka_unit_test(test_applies_to),
	    cmocka_unit_test(test_results),      cmocka_unit_test(test_record_helpers),
	    cmocka_unit_test(test_itemset),      cmocka_unit_test(test_yaml_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
