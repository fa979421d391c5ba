/* Restore order, version choice, transforms, JSON patches, resource modifiers, contents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "archive/archive.h"
#include "restore/contents.h"
#include "restore/jsonpatch.h"
#include "restore/modifiers.h"
#include "restore/order.h"
#include "restore/restore.h"
#include "restore/transform.h"
#include "restore/version.h"
#include "util/error.h"

static void
test_order(void **state)
{
	const char *grs[] = {"deployments.apps",
	                     "widgets.example.io",
	                     "pods",
	                     "services",
	                     "namespaces",
	                     "customresourcedefinitions.apiextensions.k8s.io",
	                     "configmaps",
	                     "persistentvolumes",
	                     "persistentvolumeclaims",
	                     "clusters.cluster.x-k8s.io",
	                     "secrets",
	                     "aaa.zzz"};
	const char *want[] = {"customresourcedefinitions.apiextensions.k8s.io",
	                      "namespaces",
	                      "persistentvolumes",
	                      "persistentvolumeclaims",
	                      "secrets",
	                      "configmaps",
	                      "pods",
	                      "services",
	                      "aaa.zzz",
	                      "deployments.apps",
	                      "widgets.example.io",
	                      "clusters.cluster.x-k8s.io"};
	size_t i;

	(void) state;
	lb_restore_order(grs, 12);
	for (i = 0; i < 12; i++)
		assert_string_equal(grs[i], want[i]);
	assert_true(lb_restore_never("nodes"));
	assert_true(lb_restore_never("events.events.k8s.io"));
	assert_false(lb_restore_never("pods"));
}

static void
test_version_choice(void **state)
{
	const char *b1[] = {"v1", "v1beta1"};
	const char *t_old[] = {"v1beta1"};
	const char *t_new[] = {"v2", "v1"};
	const char *t_both[] = {"v1beta1", "v1"};
	const char *b2[] = {"v2beta1", "v1", "v2"};
	const char *t3[] = {"v3", "v2", "v1"};
	const char *none[] = {"v9"};

	(void) state;
	/* 1) target preferred in backup */
	assert_string_equal(lb_restore_choose_version(b1, 2, t_old, 1), "v1beta1");
	assert_string_equal(lb_restore_choose_version(b1, 2, t_both, 2), "v1beta1");
	/* 2) source preferred supported by target */
	assert_string_equal(lb_restore_choose_version(b1, 2, t_new, 2), "v1");
	/* 3) highest common */
	assert_string_equal(lb_restore_choose_version(b2, 3, t3, 3), "v2");
	/* 4) nothing common: source preferred */
	assert_string_equal(lb_restore_choose_version(b1, 2, none, 1), "v1");
}

static cJSON *
j(const char *s)
{
	cJSON *o = cJSON_Parse(s);

	assert_non_null(o);
	return o;
}

static void
assert_json(cJSON *o, const char *want)
{
	char *s = cJSON_PrintUnformatted(o);

	if (strcmp(s, want) != 0)
		fail_msg("got  %s\nwant %s", s, want);
	free(s);
}

static void
test_reset(void **state)
{
	cJSON *o = j("{\"metadata\":{\"name\":\"a\",\"uid\":\"u\",\"resourceVersion\":\"5\","
	             "\"creationTimestamp\":\"t\",\"ownerReferences\":[],\"managedFields\":[],"
	             "\"labels\":{\"x\":\"y\"}},\"spec\":{},\"status\":{\"phase\":\"Ready\"}}");
	cJSON *st = NULL;

	(void) state;
	lb_transform_reset(o, &st);
	assert_json(o, "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"y\"}},\"spec\":{}}");
	assert_json(st, "{\"phase\":\"Ready\"}");
	cJSON_Delete(st);
	lb_transform_labels(o, "b1", "r1");
	assert_json(o, "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"y\",\"velero.io/"
	               "backup-name\":\"b1\",\"velero.io/restore-name\":\"r1\"}},\"spec\":{}}");
	lb_transform_namespace(o, "other");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
	                        cJSON_GetObjectItem(o, "metadata"), "namespace")),
	                    "other");
	cJSON_Delete(o);
}

static void
test_service(void **state)
{
	const char *svc = "{\"metadata\":{\"name\":\"s\"},\"spec\":{\"clusterIP\":\"10.0.0.5\","
	                  "\"clusterIPs\":[\"10.0.0.5\"],\"type\":\"NodePort\",\"ports\":[{"
	                  "\"name\":\"http\",\"port\":80,\"nodePort\":30080},{\"name\":\"m\","
	                  "\"port\":9,\"nodePort\":31111}]}}";
	cJSON *o = j(svc);
	char *text;

	(void) state;
	lb_transform_service(o, 0);
	assert_json(o, "{\"metadata\":{\"name\":\"s\"},\"spec\":{\"type\":\"NodePort\",\"ports\":"
	               "[{\"name\":\"http\",\"port\":80},{\"name\":\"m\",\"port\":9}]}}");
	cJSON_Delete(o);
	o = j(svc);
	lb_transform_service(o, 1);
	text = cJSON_PrintUnformatted(o);
	assert_non_null(strstr(text, "30080"));
	free(text);
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "spec"), "clusterIP"));
	cJSON_Delete(o);
	/* explicitly set nodePort (last-applied) survives */
	o = j(
	    "{\"metadata\":{\"name\":\"s\",\"annotations\":{\"kubectl.kubernetes.io/"
	    "last-applied-configuration\":\"{\\\"spec\\\":{\\\"ports\\\":[{\\\"name\\\":"
	    "\\\"http\\\","
	    "\\\"nodePort\\\":30080}]}}\"}},\"spec\":{\"clusterIP\":\"None\",\"ports\":[{\"name\":"
	    "\"http\",\"nodePort\":30080},{\"name\":\"m\",\"nodePort\":31111}]}}");
	lb_transform_service(o, 0);
	{
		char *s = cJSON_PrintUnformatted(o);

		assert_non_null(strstr(s, "\"nodePort\":30080"));
		assert_null(strstr(s, "31111"));
		assert_non_null(strstr(s, "\"clusterIP\":\"None\""));
		free(s);
	}
	cJSON_Delete(o);
}

static void
test_pod_pv_pvc(void **state)
{
	cJSON *pod = j("{\"spec\":{\"nodeName\":\"n1\",\"priority\":0,\"volumes\":[{\"name\":"
	               "\"data\"},{\"name\":\"kube-api-access-abcde\"}],\"containers\":[{\"name\":"
	               "\"c\",\"image\":\"nginx:1.25\",\"volumeMounts\":[{\"name\":\"data\"},{"
	               "\"name\":\"kube-api-access-abcde\"}]}]}}");
	cJSON *pv =
	    j("{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\",\"claimRef\":{"
	      "\"namespace\":\"a\",\"name\":\"c\",\"uid\":\"u\",\"resourceVersion\":\"1\"}}}");
	cJSON *pvc =
	    j("{\"metadata\":{\"annotations\":{\"pv.kubernetes.io/bind-completed\":"
	      "\"yes\"}},\"spec\":{\"volumeName\":\"pv1\",\"storageClassName\":\"slow\"}}");
	const char *k[] = {"a"}, *v[] = {"b"};
	lb_strmap ns = {k, v, 1};
	const char *sk[] = {"slow"}, *sv[] = {"fast"};
	lb_strmap sc = {sk, sv, 1};
	const char *ik[] = {"nginx:"}, *iv[] = {"mirror.local/nginx:"};
	lb_strmap im = {ik, iv, 1};

	(void) state;
	lb_transform_pod(pod);
	assert_int_equal(lb_transform_images("pods", pod, &im), 1);
	assert_json(pod, "{\"spec\":{\"volumes\":[{\"name\":\"data\"}],\"containers\":[{\"name\":"
	                 "\"c\",\"image\":\"mirror.local/nginx:1.25\",\"volumeMounts\":[{\"name\":"
	                 "\"data\"}]}]}}");
	assert_int_equal(lb_transform_pv(pv, &ns), 1);
	assert_json(pv, "{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\",\"claimRef\":{"
	                "\"namespace\":\"b\",\"name\":\"c\"}}}");
	lb_transform_pvc(pvc, 0);
	assert_int_equal(lb_transform_storage_class("persistentvolumeclaims", pvc, &sc), 1);
	assert_json(pvc, "{\"metadata\":{\"annotations\":{}},\"spec\":{\"storageClassName\":"
	                 "\"fast\"}}");
	assert_null(lb_transform_skip_reason("pods", pod));
	{
		cJSON *done = j("{\"status\":{\"phase\":\"Succeeded\"}}");

		assert_string_equal(lb_transform_skip_reason("pods", done), "pod has finished");
		cJSON_Delete(done);
	}
	cJSON_Delete(pod);
	cJSON_Delete(pv);
	cJSON_Delete(pvc);
	pv = j("{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Delete\"}}");
	assert_int_equal(lb_transform_pv(pv, NULL), 0);
	cJSON_Delete(pv);
}

static void
test_json_patch(void **state)
{
	cJSON *o = j("{\"a\":{\"b\":[1,2]},\"c\":\"x\"}");
	cJSON *ops = j("[{\"op\":\"add\",\"path\":\"/a/b/-\",\"value\":3},{\"op\":\"replace\","
	               "\"path\":\"/c\",\"value\":\"y\"},{\"op\":\"remove\",\"path\":\"/a/b/0\"},"
	               "{\"op\":\"copy\",\"from\":\"/c\",\"path\":\"/d\"},{\"op\":\"move\","
	               "\"from\":\"/d\",\"path\":\"/e~1f\"},{\"op\":\"test\",\"path\":\"/c\","
	               "\"value\":\"y\"}]");
	cJSON *bad = j("[{\"op\":\"add\",\"path\":\"/a/b/-\",\"value\":9},{\"op\":\"replace\","
	               "\"path\":\"/nope\",\"value\":1}]");

	(void) state;
	assert_int_equal(lb_json_patch(&o, ops), 0);
	assert_json(o, "{\"a\":{\"b\":[2,3]},\"c\":\"y\",\"e/f\":\"y\"}");
	/* atomic: a failing op leaves the document as it was */
	assert_int_equal(lb_json_patch(&o, bad), LB_EINVAL);
	assert_json(o, "{\"a\":{\"b\":[2,3]},\"c\":\"y\",\"e/f\":\"y\"}");
	cJSON_Delete(ops);
	cJSON_Delete(bad);
	ops = j("{\"a\":null,\"c\":{\"z\":1}}");
	lb_json_merge_patch(&o, ops);
	assert_json(o, "{\"c\":{\"z\":1},\"e/f\":\"y\"}");
	cJSON_Delete(ops);
	cJSON_Delete(o);
	o = j("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\"}]}}");
	ops = j("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"y\"}]}}");
	lb_json_strategic_merge(&o, ops);
	assert_json(o, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"y\"},{\"name\":"
	               "\"b\"}]}}");
	cJSON_Delete(ops);
	cJSON_Delete(o);
}

static const char modifiers_yaml[] = "version: v1\n"
                                     "resourceModifierRules:\n"
                                     "- conditions:\n"
                                     "    groupResource: persistentvolumeclaims\n"
                                     "    resourceNameRegex: \"^mysql.*$\"\n"
                                     "    namespaces: [bar, foo]\n"
                                     "    labelSelector:\n"
                                     "      matchLabels: {app: db}\n"
                                     "    matches:\n"
                                     "    - path: /spec/storageClassName\n"
                                     "      value: standard\n"
                                     "  patches:\n"
                                     "  - operation: replace\n"
                                     "    path: /spec/storageClassName\n"
                                     "    value: premium\n"
                                     "  - operation: add\n"
                                     "    path: /metadata/labels/size\n"
                                     "    value: \"3\"\n"
                                     "- conditions:\n"
                                     "    groupResource: \"*.apps\"\n"
                                     "  mergePatches:\n"
                                     "  - patchData: |\n"
                                     "      {\"spec\":{\"replicas\":0}}\n"
                                     "  strategicPatches:\n"
                                     "  - patchData: |\n"
                                     "      spec:\n"
                                     "        template:\n"
                                     "          spec:\n"
                                     "            containers:\n"
                                     "            - name: web\n"
                                     "              image: nginx:2\n";

static void
test_modifiers(void **state)
{
	lb_modifiers *m = NULL;
	cJSON *pvc = j("{\"metadata\":{\"name\":\"mysql-0\",\"labels\":{\"app\":\"db\"}},\"spec\":"
	               "{\"storageClassName\":\"standard\"}}");
	cJSON *other = j("{\"metadata\":{\"name\":\"pg-0\",\"labels\":{\"app\":\"db\"}},\"spec\":"
	                 "{\"storageClassName\":\"standard\"}}");
	cJSON *dep = j("{\"metadata\":{\"name\":\"w\"},\"spec\":{\"replicas\":3,\"template\":{"
	               "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1\"},{"
	               "\"name\":\"side\",\"image\":\"s\"}]}}}}");

	(void) state;
	assert_int_equal(lb_modifiers_parse(modifiers_yaml, strlen(modifiers_yaml), "m.yaml", &m),
	                 0);
	assert_int_equal(lb_modifiers_apply(m, "persistentvolumeclaims", "foo", &pvc), 1);
	assert_json(pvc, "{\"metadata\":{\"name\":\"mysql-0\",\"labels\":{\"app\":\"db\",\"size\":"
	                 "3}},\"spec\":{\"storageClassName\":\"premium\"}}");
	assert_int_equal(lb_modifiers_apply(m, "persistentvolumeclaims", "foo", &other), 0);
	assert_int_equal(lb_modifiers_apply(m, "persistentvolumeclaims", "qux", &pvc), 0);
	assert_int_equal(lb_modifiers_apply(m, "deployments.apps", "foo", &dep), 1);
	assert_json(dep, "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"replicas\":0,\"template\":{"
	                 "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:2\"},{"
	                 "\"name\":\"side\",\"image\":\"s\"}]}}}}");
	lb_modifiers_free(m);
	{
		const char *t = "version: v2\nresourceModifierRules: []\n";

		assert_int_equal(lb_modifiers_parse(t, strlen(t), "x.yaml", &m), LB_EINVAL);
	}
	assert_non_null(strstr(lb_error_last(LB_EINVAL), "version: v1"));
	{
		const char *t = "version: v1\nresourceModifierRules:\n- conditions: {}\n";

		assert_int_equal(lb_modifiers_parse(t, strlen(t), "y.yaml", &m), LB_EINVAL);
	}
	assert_non_null(strstr(lb_error_last(LB_EINVAL), "groupResource"));
	cJSON_Delete(pvc);
	cJSON_Delete(other);
	cJSON_Delete(dep);
}

static void
test_contents(void **state)
{
	int fd = memfd_create("c", 0);
	lb_archive_writer *w = NULL;
	lb_contents *c = NULL;
	const lb_content_gr *g;
	const lb_content_set *s;
	const char *vs[4];

	(void) state;
	lb_archive_writer_open_fd(fd, &w);
	lb_archive_writer_add(w, "metadata/version", "1.1.0\n", 6);
	lb_archive_writer_add(w, "resources/gadgets.example.io/namespaces/a/g.json", "{\"v\":1}",
	                      7);
	lb_archive_writer_add(
	    w, "resources/gadgets.example.io/v1-preferredversion/namespaces/a/g.json", "{\"v\":1}",
	    7);
	lb_archive_writer_add(w, "resources/gadgets.example.io/v1beta1/namespaces/a/g.json",
	                      "{\"v\":0}", 7);
	lb_archive_writer_add(w, "resources/README.txt", "x", 1);
	lb_archive_writer_finish(w);
	lb_archive_writer_free(w);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(lb_contents_read_fd(fd, NULL, &c), 0);
	assert_string_equal(c->format_version, "1.1.0");
	assert_int_equal(c->ignored, 1);
	g = lb_contents_find(c, "gadgets.example.io");
	assert_non_null(g);
	assert_string_equal(g->preferred_version, "v1");
	assert_int_equal(lb_contents_versions(g, vs, 4), 2);
	assert_string_equal(vs[0], "v1");
	assert_string_equal(vs[1], "v1beta1");
	s = lb_contents_set(g, "v1beta1");
	assert_string_equal(s->items[0].json, "{\"v\":0}");
	s = lb_contents_set(g, "");
	assert_string_equal(s->items[0].ns, "a");
	assert_string_equal(s->items[0].name, "g");
	lb_contents_free(c);
	close(fd);
}

static void
test_mappings(void **state)
{
	lb_strlist k = LB_STRLIST_INIT, v = LB_STRLIST_INIT;

	(void) state;
	assert_int_equal(lb_restore_parse_mappings("a:b, c:d", &k, &v), 0);
	assert_int_equal(k.count, 2);
	assert_string_equal(v.items[1], "d");
	assert_int_equal(lb_restore_parse_mappings("bad", &k, &v), LB_EINVAL);
	assert_non_null(strstr(lb_error_last(LB_EINVAL), "\"bad\""));
	lb_strlist_dispose(&k);
	lb_strlist_dispose(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order),      cmocka_unit_test(test_version_choice),
	    cmocka_unit_test(test_reset),      cmocka_unit_test(test_service),
	    cmocka_unit_test(test_pod_pv_pvc), cmocka_unit_test(test_json_patch),
	    cmocka_unit_test(test_modifiers),  cmocka_unit_test(test_contents),
	    cmocka_unit_test(test_mappings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
