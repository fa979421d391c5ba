/* The kube client against the cluster simulator (started by run.sh over TLS with a bearer
 * token; K8S_SIM_KUBECONFIG, K8S_SIM_HTTP_URL, K8S_SIM_DIR in the environment). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "kube/kube.h"
#include "kube/yaml_json.h"
#include "util/error.h"

static lb_kube_client *cl;
static const lb_kube_gvr cm = {"", "v1", "configmaps", 1};
static const lb_kube_gvr nsr = {"", "v1", "namespaces", 0};

static lb_kube_client *
new_client(const char *kubeconfig, const char *context)
{
	lb_kube_options o = {0};
	lb_kube_client *c = NULL;
	int error;

	o.kubeconfig = kubeconfig;
	o.context = context;
	error = lb_kube_client_new(&o, &c);
	if (error < 0)
		fail_msg("%s", lb_error_last(error));
	return c;
}

static int
setup(void **state)
{
	cJSON *ns = cJSON_Parse(
	    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"itest\"}}");
	int error;
	(void) state;

	cl = new_client(getenv("K8S_SIM_KUBECONFIG"), NULL);
	error = lb_kube_create(cl, &nsr, NULL, ns, NULL);
	cJSON_Delete(ns);
	return error == 0 || error == LB_EEXISTS ? 0 : -1;
}

static int
teardown(void **state)
{
	(void) state;
	lb_kube_client_free(cl);
	return 0;
}

static void
test_version_tls_token(void **state)
{
	cJSON *v = NULL;
	(void) state;

	assert_int_equal(lb_kube_server_version(cl, &v), 0);
	assert_non_null(strstr(cJSON_GetObjectItem(v, "gitVersion")->valuestring, "v1."));
	assert_memory_equal(lb_kube_client_server(cl), "https://127.0.0.1:", 18);
	cJSON_Delete(v);
}

static void
test_wrong_token(void **state)
{
	char path[512], want[1024], cmd[1200];
	lb_kube_client *c;
	cJSON *out = NULL;
	(void) state;

	snprintf(path, sizeof(path), "%s/wrong-token.kubeconfig", getenv("K8S_SIM_DIR"));
	snprintf(cmd, sizeof(cmd), "sed 's/token: .*/token: not-the-token/' '%s' > '%s'",
	         getenv("K8S_SIM_KUBECONFIG"), path);
	assert_int_equal(system(cmd), 0);
	c = new_client(path, NULL);
	assert_int_equal(lb_kube_list(c, &cm, "itest", NULL, NULL, NULL, NULL), LB_EAUTH);
	snprintf(want, sizeof(want),
	         "the server at %s refused the credentials of user '%s' in kubeconfig %s (401 "
	         "Unauthorized): check the token",
	         lb_kube_client_server(c), lb_kube_client_user(c), path);
	assert_string_equal(lb_error_last(LB_EAUTH), want);
	assert_int_equal(lb_kube_last_status()->http_status, 401);
	(void) out;
	lb_kube_client_free(c);
}

static void
test_client_cert_context(void **state)
{
	lb_kube_client *c = new_client(getenv("K8S_SIM_KUBECONFIG"), "k8s-sim-cert");
	cJSON *out = NULL;
	(void) state;

	assert_int_equal(lb_kube_get(c, &nsr, NULL, "itest", NULL, &out), 0);
	cJSON_Delete(out);
	lb_kube_client_free(c);
}

/* Write a copy of the simulator's kubeconfig (as JSON, which is YAML) with @edit applied
 * to the first cluster and user; returns its path. */
static const char *
variant(const char *name, void (*edit)(cJSON *cluster, cJSON *user))
{
	static char path[512];
	cJSON *kc = NULL;
	char *text;
	FILE *f;

	assert_int_equal(lb_yaml_file_to_json(getenv("K8S_SIM_KUBECONFIG"), &kc), 0);
	edit(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(kc, "clusters"), 0),
	                         "cluster"),
	     cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(kc, "users"), 0), "user"));
	snprintf(path, sizeof(path), "%s/%s.kubeconfig", getenv("K8S_SIM_DIR"), name);
	text = cJSON_Print(kc);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
	cJSON_Delete(kc);
	return path;
}

static void
set_str(cJSON *obj, const char *key, const char *value)
{
	cJSON_DeleteItemFromObject(obj, key);
	if (value)
		cJSON_AddStringToObject(obj, key, value);
}

static void
edit_sni_ok(cJSON *clu, cJSON *us)
{
	(void) us;
	set_str(clu, "tls-server-name", "localhost");
}

static void
edit_sni_bad(cJSON *clu, cJSON *us)
{
	(void) us;
	set_str(clu, "tls-server-name", "not-in-the-cert.example");
}

static void
edit_ca_data(cJSON *clu, cJSON *us)
{
	char cmd[600], b64[8192];
	FILE *p;
	size_t n;
	(void) us;

	snprintf(cmd, sizeof(cmd), "base64 -w0 '%s'",
	         cJSON_GetObjectItem(clu, "certificate-authority")->valuestring);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(b64, 1, sizeof(b64) - 1, p);
	pclose(p);
	b64[n] = '\0';
	set_str(clu, "certificate-authority", NULL);
	set_str(clu, "certificate-authority-data", b64);
}

static void
edit_no_ca(cJSON *clu, cJSON *us)
{
	(void) us;
	set_str(clu, "certificate-authority", NULL);
}

static void
edit_insecure(cJSON *clu, cJSON *us)
{
	(void) us;
	set_str(clu, "certificate-authority", NULL);
	cJSON_AddBoolToObject(clu, "insecure-skip-tls-verify", 1);
}

static void
tls_ok(const char *kubeconfig)
{
	lb_kube_client *c = new_client(kubeconfig, NULL);
	cJSON *out = NULL;
	int error = lb_kube_get(c, &nsr, NULL, "itest", NULL, &out);

	if (error < 0)
		fail_msg("%s: %s", kubeconfig, lb_error_last(error));
	cJSON_Delete(out);
	lb_kube_client_free(c);
}

static void
test_tls_variants(void **state)
{
	lb_kube_client *c;
	(void) state;

	tls_ok(variant("sni-ok", edit_sni_ok));
	tls_ok(variant("ca-data", edit_ca_data));
	tls_ok(variant("insecure", edit_insecure));

	c = new_client(variant("sni-bad", edit_sni_bad), NULL);
	assert_int_equal(lb_kube_server_version(c, NULL), LB_EAUTH);
	assert_non_null(
	    strstr(lb_error_last(LB_EAUTH), "TLS with the server at https://127.0.0.1:"));
	lb_kube_client_free(c);

	/* the self-signed CA is not in the system store */
	c = new_client(variant("no-ca", edit_no_ca), NULL);
	assert_int_equal(lb_kube_server_version(c, NULL), LB_EAUTH);
	assert_non_null(strstr(lb_error_last(LB_EAUTH), "check certificate-authority"));
	lb_kube_client_free(c);
}

static char plugin_path[512];

static void
edit_exec(cJSON *clu, cJSON *us)
{
	cJSON *ex = cJSON_CreateObject();
	(void) clu;
	cJSON_DeleteItemFromObject(us, "token");
	cJSON_AddStringToObject(ex, "apiVersion", "client.authentication.k8s.io/v1beta1");
	cJSON_AddStringToObject(ex, "command", plugin_path);
	cJSON_AddItemToObject(us, "exec", ex);
}

static void
test_exec_credential_cached(void **state)
{
	char script[1024], runs_path[600], line[64];
	lb_kube_client *c;
	FILE *f;
	int n = 0;
	(void) state;

	snprintf(plugin_path, sizeof(plugin_path), "%s/token-plugin.sh", getenv("K8S_SIM_DIR"));
	snprintf(runs_path, sizeof(runs_path), "%s/token-plugin.runs", getenv("K8S_SIM_DIR"));
	snprintf(script, sizeof(script),
	         "#!/bin/sh\necho run >> '%s'\n"
	         "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":"
	         "\"ExecCredential\",\"status\":{\"token\":\"%s\",\"expirationTimestamp\":"
	         "\"2099-01-01T00:00:00Z\"}}'\n",
	         runs_path, getenv("K8S_SIM_TOKEN"));
	f = fopen(plugin_path, "w");
	assert_non_null(f);
	fputs(script, f);
	fclose(f);
	assert_int_equal(chmod(plugin_path, 0755), 0);

	c = new_client(variant("exec", edit_exec), NULL);
	for (int i = 0; i < 5; i++) {
		cJSON *out = NULL;
		int error = lb_kube_get(c, &nsr, NULL, "itest", NULL, &out);
		if (error < 0)
			fail_msg("%s", lb_error_last(error));
		cJSON_Delete(out);
	}
	lb_kube_client_free(c);
	f = fopen(runs_path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	assert_int_equal(n, 1); /* cached until it expires */
}

static void
test_discovery(void **state)
{
	lb_kube_discovery *d = NULL;
	const lb_kube_resource *r;
	const lb_kube_group *g;
	int error;
	(void) state;

	error = lb_kube_discover(cl, &d);
	if (error < 0)
		fail_msg("%s", lb_error_last(error));
	r = lb_kube_discovery_find(d, "", "configmaps");
	assert_non_null(r);
	assert_true(r->namespaced);
	assert_true(lb_kube_resource_supports(r, "list"));
	assert_true(lb_kube_resource_supports(r, "create"));
	r = lb_kube_discovery_find_kind(d, "apps/v1", "Deployment");
	assert_non_null(r);
	assert_string_equal(r->name, "deployments");
	assert_true(lb_kube_resource_has_subresource(r, "status"));
	r = lb_kube_discovery_find(d, "", "namespaces");
	assert_false(r->namespaced);
	g = lb_kube_discovery_group(d, "apps");
	assert_string_equal(g->preferred_version, "v1");
	/* every group's preferred version is one it serves, and versions are in priority order */
	for (size_t i = 0; i < d->group_count; i++) {
		int found = 0;
		g = &d->groups[i];
		for (size_t j = 0; j < g->version_count; j++) {
			found |= !strcmp(g->versions[j].version, g->preferred_version);
			if (j)
				assert_true(lb_kube_version_compare(g->versions[j - 1].version,
				                                    g->versions[j].version) <= 0);
		}
		assert_true(found);
	}
	lb_kube_discovery_free(d);
}

static cJSON *
cm_obj(const char *name, const char *value)
{
	char buf[512];
	snprintf(buf, sizeof(buf),
	         "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
	         "\"labels\":{\"app\":\"itest\"}},\"data\":{\"k\":\"%s\"}}",
	         name, value);
	return cJSON_Parse(buf);
}

static void
test_crud(void **state)
{
	cJSON *o = cm_obj("crud", "1"), *out = NULL, *stale, *p;
	const char *rv;
	(void) state;

	lb_kube_delete(cl, &cm, "itest", "crud", NULL, NULL);
	assert_int_equal(lb_kube_create(cl, &cm, "itest", o, &out), 0);
	rv = cJSON_GetObjectItem(cJSON_GetObjectItem(out, "metadata"), "resourceVersion")
	         ->valuestring;
	stale = cJSON_Duplicate(out, 1);
	assert_non_null(rv);
	cJSON_Delete(out);

	assert_int_equal(lb_kube_create(cl, &cm, "itest", o, NULL), LB_EEXISTS);
	assert_string_equal(lb_kube_last_status()->reason, "AlreadyExists");
	assert_int_equal(lb_kube_last_status()->http_status, 409);
	assert_non_null(
	    strstr(lb_error_last(LB_EEXISTS), "create configmaps/crud in namespace itest: "));

	assert_int_equal(lb_kube_get(cl, &cm, "itest", "crud", NULL, &out), 0);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(out, "data"), "k", cJSON_CreateString("2"));
	assert_int_equal(lb_kube_update(cl, &cm, "itest", out, NULL, NULL), 0);
	cJSON_Delete(out);
	/* the stale resourceVersion now conflicts */
	assert_int_equal(lb_kube_update(cl, &cm, "itest", stale, NULL, NULL), LB_ECONFLICT);
	assert_string_equal(lb_kube_last_status()->reason, "Conflict");
	cJSON_Delete(stale);

	p = cJSON_Parse("{\"data\":{\"m\":\"merge\"}}");
	assert_int_equal(
	    lb_kube_patch(cl, &cm, "itest", "crud", NULL, LB_KUBE_PATCH_MERGE, p, NULL), 0);
	cJSON_Delete(p);
	p = cJSON_Parse("[{\"op\":\"add\",\"path\":\"/data/j\",\"value\":\"json\"}]");
	assert_int_equal(lb_kube_patch(cl, &cm, "itest", "crud", NULL, LB_KUBE_PATCH_JSON, p, NULL),
	                 0);
	cJSON_Delete(p);
	p = cJSON_Parse("{\"data\":{\"s\":\"smp\"}}");
	assert_int_equal(
	    lb_kube_patch(cl, &cm, "itest", "crud", NULL, LB_KUBE_PATCH_STRATEGIC, p, &out), 0);
	cJSON_Delete(p);
	p = cJSON_GetObjectItem(out, "data");
	assert_string_equal(cJSON_GetObjectItem(p, "k")->valuestring, "2");
	assert_string_equal(cJSON_GetObjectItem(p, "m")->valuestring, "merge");
	assert_string_equal(cJSON_GetObjectItem(p, "j")->valuestring, "json");
	assert_string_equal(cJSON_GetObjectItem(p, "s")->valuestring, "smp");
	cJSON_Delete(out);

	assert_int_equal(lb_kube_delete(cl, &cm, "itest", "crud", "Background", NULL), 0);
	assert_int_equal(lb_kube_get(cl, &cm, "itest", "crud", NULL, &out), LB_ENOTFOUND);
	assert_string_equal(lb_kube_last_status()->reason, "NotFound");
	assert_int_equal(lb_kube_delete(cl, &cm, "itest", "crud", NULL, NULL), LB_ENOTFOUND);

	/* namespace missing -> NotFound; invalid name -> 422 Invalid */
	assert_int_equal(lb_kube_create(cl, &cm, "no-such-ns", o, NULL), LB_ENOTFOUND);
	cJSON_Delete(o);
	o = cm_obj("Bad_Name", "x");
	assert_int_equal(lb_kube_create(cl, &cm, "itest", o, NULL), LB_EINVAL);
	assert_string_equal(lb_kube_last_status()->reason, "Invalid");
	assert_int_equal(lb_kube_last_status()->http_status, 422);
	cJSON_Delete(o);
}

static void
test_status_subresource(void **state)
{
	lb_kube_gvr dep = {"apps", "v1", "deployments", 1};
	cJSON *o = cJSON_Parse(
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
	    "\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
	    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
	    "[{\"name\":\"c\",\"image\":\"nginx\"}]}}},\"status\":{\"replicas\":7}}");
	cJSON *out = NULL, *st, *p;
	(void) state;

	lb_kube_delete(cl, &dep, "itest", "web", NULL, NULL);
	assert_int_equal(lb_kube_create(cl, &dep, "itest", o, &out), 0);
	st = cJSON_GetObjectItem(out, "status");
	assert_true(st == NULL || cJSON_GetObjectItem(st, "replicas") == NULL ||
	            cJSON_GetObjectItem(st, "replicas")->valueint != 7);
	cJSON_DeleteItemFromObject(out, "status");
	cJSON_AddItemToObject(out, "status", cJSON_Parse("{\"replicas\":3,\"readyReplicas\":3}"));
	assert_int_equal(lb_kube_update(cl, &dep, "itest", out, "status", NULL), 0);
	cJSON_Delete(out);
	p = cJSON_Parse("{\"status\":{\"availableReplicas\":2}}");
	assert_int_equal(
	    lb_kube_patch(cl, &dep, "itest", "web", "status", LB_KUBE_PATCH_MERGE, p, NULL), 0);
	cJSON_Delete(p);
	assert_int_equal(lb_kube_get(cl, &dep, "itest", "web", "status", &out), 0);
	st = cJSON_GetObjectItem(out, "status");
	assert_int_equal(cJSON_GetObjectItem(st, "replicas")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(st, "availableReplicas")->valueint, 2);
	cJSON_Delete(out);
	cJSON_Delete(o);
	assert_int_equal(lb_kube_delete(cl, &dep, "itest", "web", "Foreground", NULL), 0);
}

typedef struct counter {
	size_t n;
	size_t mod3;
	int kinds_ok;
} counter;

static int
count_item(const cJSON *item, void *ud)
{
	counter *c = ud;
	const cJSON *l = cJSON_GetObjectItem(cJSON_GetObjectItem(item, "metadata"), "labels");
	const cJSON *m = cJSON_GetObjectItem(l, "mod10");

	const char *name =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(item, "metadata"), "name")->valuestring;

	/* the namespace also holds kube-root-ca.crt, as in a real cluster */
	if (strncmp(name, "configmap-", 10) != 0)
		return 0;
	c->n++;
	if (m && cJSON_IsString(m) && !strcmp(m->valuestring, "3"))
		c->mod3++;
	if (!cJSON_GetObjectItem(item, "kind") ||
	    strcmp(cJSON_GetObjectItem(item, "kind")->valuestring, "ConfigMap"))
		c->kinds_ok = -1;
	return 0;
}

static void
test_pagination(void **state)
{
	lb_kube_list_options lo = {0};
	lb_kube_list_result res;
	counter c = {0};
	int error;
	(void) state;

	/* run.sh seeds 3000 configmaps in namespace seeded */
	lo.page_size = 500;
	error = lb_kube_list(cl, &cm, "seeded", &lo, count_item, &c, &res);
	if (error < 0)
		fail_msg("%s", lb_error_last(error));
	assert_int_equal(c.n, 3000);
	assert_true(res.item_count >= 3000);
	assert_int_equal(res.pages, (int) (res.item_count + 499) / 500);
	assert_int_equal(c.mod3, 300);
	assert_int_equal(c.kinds_ok, 0);
	assert_true(res.resource_version[0] != '\0');

	memset(&c, 0, sizeof(c));
	lo.label_selector = "mod10=3";
	lo.page_size = 7;
	assert_int_equal(lb_kube_list(cl, &cm, "seeded", &lo, count_item, &c, &res), 0);
	assert_int_equal(c.n, 300);
	assert_int_equal(c.mod3, 300);
	assert_int_equal(res.pages, 43);

	memset(&c, 0, sizeof(c));
	lo.label_selector = NULL;
	lo.field_selector = "metadata.name=configmap-000042";
	assert_int_equal(lb_kube_list(cl, &cm, NULL, &lo, count_item, &c, &res), 0);
	assert_int_equal(c.n, 1);
}

static void
test_retry_faults(void **state)
{
	cJSON *res = NULL;
	counter c = {0};
	lb_kube_list_options lo = {NULL, "metadata.name=configmap-000001", 0};
	(void) state;

	assert_int_equal(
	    lb_kube_request(cl, "POST", "/sim/v1/faults", NULL,
	                    "[{\"pathPrefix\":\"/api/v1/namespaces/seeded/configmaps\","
	                    "\"method\":\"GET\",\"code\":429,\"count\":1,\"retryAfter\":1},"
	                    "{\"pathPrefix\":\"/api/v1/namespaces/seeded/configmaps\","
	                    "\"method\":\"GET\",\"code\":503,\"count\":1}]",
	                    &res),
	    0);
	cJSON_Delete(res);
	assert_int_equal(lb_kube_list(cl, &cm, "seeded", &lo, count_item, &c, NULL), 0);
	assert_int_equal(c.n, 1);
	res = NULL;
	assert_int_equal(lb_kube_request(cl, "GET", "/sim/v1/faults", NULL, NULL, &res), 0);
	cJSON_Delete(res);
}

typedef struct watcher {
	lb_kube_client *c;
	char rv[64];
	int added, modified, deleted;
	int error;
} watcher;

static int
on_event(const char *type, const cJSON *obj, void *ud)
{
	watcher *w = ud;
	const char *name =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "metadata"), "name")->valuestring;

	if (strcmp(name, "watched") != 0)
		return 0;
	if (!strcmp(type, "ADDED"))
		w->added++;
	else if (!strcmp(type, "MODIFIED"))
		w->modified++;
	else if (!strcmp(type, "DELETED"))
		w->deleted++;
	return w->deleted > 0;
}

static void *
watch_thread(void *arg)
{
	watcher *w = arg;
	lb_kube_watch_options wo = {0};

	wo.resource_version = w->rv;
	wo.timeout_ms = 60000;
	w->error = lb_kube_watch(w->c, &cm, "itest", &wo, on_event, w);
	return NULL;
}

static void
test_watch(void **state)
{
	lb_kube_list_result res;
	watcher w = {0};
	pthread_t t;
	cJSON *o = cm_obj("watched", "1"), *p = cJSON_Parse("{\"data\":{\"k\":\"2\"}}");
	(void) state;

	lb_kube_delete(cl, &cm, "itest", "watched", NULL, NULL);
	assert_int_equal(lb_kube_list(cl, &cm, "itest", NULL, NULL, NULL, &res), 0);
	snprintf(w.rv, sizeof(w.rv), "%s", res.resource_version);
	w.c = cl;
	/* the watch starts at the list's resourceVersion, so events made meanwhile are not lost */
	assert_int_equal(pthread_create(&t, NULL, watch_thread, &w), 0);
	assert_int_equal(lb_kube_create(cl, &cm, "itest", o, NULL), 0);
	assert_int_equal(
	    lb_kube_patch(cl, &cm, "itest", "watched", NULL, LB_KUBE_PATCH_MERGE, p, NULL), 0);
	assert_int_equal(lb_kube_delete(cl, &cm, "itest", "watched", NULL, NULL), 0);
	pthread_join(t, NULL);
	assert_int_equal(w.error, 0);
	assert_int_equal(w.added, 1);
	assert_int_equal(w.modified, 1);
	assert_int_equal(w.deleted, 1);
	cJSON_Delete(o);
	cJSON_Delete(p);
}

static void *
list_thread(void *arg)
{
	counter *c = arg;
	lb_kube_list_options lo = {"mod10=5", NULL, 50};
	if (lb_kube_list(cl, &cm, "seeded", &lo, count_item, c, NULL) < 0)
		c->n = 0;
	return NULL;
}

static void
test_parallel_lists(void **state)
{
	pthread_t t[4];
	counter c[4];
	(void) state;

	memset(c, 0, sizeof(c));
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, list_thread, &c[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(c[i].n, 300);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version_tls_token),
	    cmocka_unit_test(test_wrong_token),
	    cmocka_unit_test(test_client_cert_context),
	    cmocka_unit_test(test_tls_variants),
	    cmocka_unit_test(test_exec_credential_cached),
	    cmocka_unit_test(test_discovery),
	    cmocka_unit_test(test_crud),
	    cmocka_unit_test(test_status_subresource),
	    cmocka_unit_test(test_pagination),
	    cmocka_unit_test(test_retry_faults),
	    cmocka_unit_test(test_watch),
	    cmocka_unit_test(test_parallel_lists),
	};
	if (!getenv("K8S_SIM_KUBECONFIG")) {
		fprintf(stderr, "run through run.sh: K8S_SIM_KUBECONFIG is not set\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
