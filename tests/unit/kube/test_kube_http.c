/* Unit tests of the kube client against canned HTTP answers (canned_server.py, started per
 * test on 127.0.0.1 with a free port and stopped by pid): error mapping, pagination,
 * retries and Retry-After, discovery, request shapes, watch, several threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kube/kube.h"
#include "util/error.h"
#include "util/log.h"

typedef struct canned {
	char dir[256];
	char kubeconfig[300];
	char log[300];
	pid_t pid;
	int port;
} canned;

static canned srv;

/* Start the server with @routes (JSON text). */
static void
canned_start(const char *routes)
{
	char path[300], line[64];
	int out[2];
	FILE *f;
	ssize_t n;

	snprintf(srv.dir, sizeof(srv.dir), "/tmp/lb-kube-http.XXXXXX");
	assert_non_null(mkdtemp(srv.dir));
	snprintf(path, sizeof(path), "%s/routes.json", srv.dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(routes, f);
	fclose(f);
	snprintf(srv.log, sizeof(srv.log), "%s/log.jsonl", srv.dir);
	assert_int_equal(pipe(out), 0);
	srv.pid = fork();
	assert_true(srv.pid >= 0);
	if (srv.pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execl("/usr/bin/python3", "python3", LB_CANNED_SERVER, path, srv.log,
		      (char *) NULL);
		_exit(127);
	}
	close(out[1]);
	/* read the whole first line: the port and its newline may come in two writes */
	{
		size_t got = 0;
		while (got < sizeof(line) - 1 && (!got || line[got - 1] != '\n')) {
			n = read(out[0], line + got, sizeof(line) - 1 - got);
			if (n <= 0)
				break;
			got += (size_t) n;
		}
		line[got] = '\0';
	}
	close(out[0]);
	srv.port = atoi(line);
	assert_true(srv.port > 0);
	snprintf(srv.kubeconfig, sizeof(srv.kubeconfig), "%s/kubeconfig", srv.dir);
	f = fopen(srv.kubeconfig, "w");
	assert_non_null(f);
	fprintf(f,
	        "apiVersion: v1\nkind: Config\ncurrent-context: canned\n"
	        "clusters:\n- name: canned\n  cluster:\n    server: http://127.0.0.1:%d\n"
	        "users:\n- name: tester\n  user:\n    token: secret\n"
	        "contexts:\n- name: canned\n  context:\n    cluster: canned\n    user: tester\n",
	        srv.port);
	fclose(f);
}

static void
canned_stop(void)
{
	char cmd[400];

	if (srv.pid > 0) {
		kill(srv.pid, SIGTERM);
		waitpid(srv.pid, NULL, 0);
		srv.pid = -1;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", srv.dir);
}

/* The logged requests as a JSON array. */
static cJSON *
canned_log(void)
{
	cJSON *arr = cJSON_CreateArray();
	char line[65536];
	FILE *f = fopen(srv.log, "r");

	if (!f)
		return arr;
	while (fgets(line, sizeof(line), f))
		cJSON_AddItemToArray(arr, cJSON_Parse(line));
	fclose(f);
	return arr;
}

static const char *
log_field(cJSON *log, int i, const char *key)
{
	return cJSON_GetObjectItem(cJSON_GetArrayItem(log, i), key)->valuestring;
}

static lb_kube_client *
client(int max_retries)
{
	lb_kube_options o = {0};
	lb_kube_client *c = NULL;

	o.kubeconfig = srv.kubeconfig;
	o.max_retries = max_retries;
	o.page_size = 2;
	assert_int_equal(lb_kube_client_new(&o, &c), 0);
	return c;
}

#define STATUS(code, reason, msg)                                                                  \
	"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"" reason   \
	"\",\"message\":\"" msg "\",\"code\":" #code "}"

static void
test_version(void **state)
{
	lb_kube_client *c;
	cJSON *v = NULL, *log;
	(void) state;

	canned_start("[{\"path\":\"/version\",\"responses\":[{\"body\":{\"major\":\"1\",\"minor\":"
	             "\"29\",\"gitVersion\":\"v1.29.0\"}}]}]");
	c = client(0);
	assert_int_equal(lb_kube_server_version(c, &v), 0);
	assert_string_equal(cJSON_GetObjectItem(v, "gitVersion")->valuestring, "v1.29.0");
	assert_int_equal(lb_kube_last_status()->http_status, 200);
	cJSON_Delete(v);
	log = canned_log();
	/* like client-go: no bearer token over plain HTTP */
	assert_string_equal(log_field(log, 0, "authorization"), "");
	cJSON_Delete(log);
	lb_kube_client_free(c);
	canned_stop();
}

static void
test_error_mapping(void **state)
{
	lb_kube_gvr cm = {"", "v1", "configmaps", 1};
	lb_kube_client *c;
	cJSON *obj = cJSON_Parse("{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"1\"}}");
	cJSON *patch = cJSON_Parse("{\"data\":{\"a\":\"b\"}}");
	cJSON *out = NULL;
	(void) state;

	canned_start("["
	             "{\"method\":\"GET\",\"path\":\"/api/v1/namespaces/demo/configmaps/"
	             "x\",\"responses\":"
	             "[{\"status\":404,\"body\":" STATUS(
	                 404, "NotFound",
	                 "configmaps \\\"x\\\" not found") "}]},"
	                                                   "{\"method\":\"POST\",\"path\":\"/api/"
	                                                   "v1/namespaces/demo/"
	                                                   "configmaps\",\"responses\":"
	                                                   "[{\"status\":409,\"body\":" STATUS(
	                                                       409, "AlreadyExists",
	                                                       "configmaps \\\"x\\\" already "
	                                                       "exists") "}]},"
	                                                                 "{\"method\":\"PUT\","
	                                                                 "\"responses\":"
	                                                                 "[{\"status\":409,"
	                                                                 "\"body\":" STATUS(
	                                                                     409, "Conflict",
	                                                                     "the object has been "
	                                                                     "modified") "}]},"
	                                                                                 "{\"method"
	                                                                                 "\":"
	                                                                                 "\"PATCH\""
	                                                                                 ",\"respon"
	                                                                                 "ses\":"
	                                                                                 "[{"
	                                                                                 "\"status"
	                                                                                 "\":422,"
	                                                                                 "\"body\""
	                                                                                 ":" STATUS(
	                                                                                     422,
	                                                                                     "Inval"
	                                                                                     "id",
	                                                                                     "data."
	                                                                                     "a: "
	                                                                                     "Inval"
	                                                                                     "id "
	                                                                                     "valu"
	                                                                                     "e") "}]},"
	                                                                                          "{\"method\":\"DELETE\",\"responses\":"
	                                                                                          "[{\"status\":403,\"body\":" STATUS(
	                                                                                              403,
	                                                                                              "Forbidden",
	                                                                                              "user cannot delete") "}]},"
	                                                                                                                    "{\"path\":\"/api/v1/namespaces/demo/configmaps/plain\",\"responses\":"
	                                                                                                                    "[{\"status\":400,\"body\":\"oops\"}]},"
	                                                                                                                    "{\"path\":\"/version\",\"responses\":"
	                                                                                                                    "[{\"status\":401,\"body\":" STATUS(
	                                                                                                                        401,
	                                                                                                                        "Unauthorized",
	                                                                                                                        "Unauthorized") "}]}"
	                                                                                                                                        "]");
	c = client(0);
	assert_int_equal(lb_kube_get(c, &cm, "demo", "x", NULL, &out), LB_ENOTFOUND);
	assert_string_equal(lb_error_last(LB_ENOTFOUND),
	                    "get configmaps/x in namespace demo: configmaps \"x\" not found");
	assert_int_equal(lb_kube_last_status()->http_status, 404);
	assert_string_equal(lb_kube_last_status()->reason, "NotFound");

	assert_int_equal(lb_kube_create(c, &cm, "demo", obj, NULL), LB_EEXISTS);
	assert_string_equal(
	    lb_error_last(LB_EEXISTS),
	    "create configmaps/x in namespace demo: configmaps \"x\" already exists");
	assert_string_equal(lb_kube_last_status()->reason, "AlreadyExists");

	assert_int_equal(lb_kube_update(c, &cm, "demo", obj, NULL, NULL), LB_ECONFLICT);
	assert_string_equal(lb_kube_last_status()->reason, "Conflict");
	assert_string_equal(lb_kube_last_status()->message, "the object has been modified");

	assert_int_equal(lb_kube_patch(c, &cm, "demo", "x", NULL, LB_KUBE_PATCH_MERGE, patch, NULL),
	                 LB_EINVAL);
	assert_int_equal(lb_kube_last_status()->http_status, 422);
	assert_string_equal(lb_kube_last_status()->reason, "Invalid");

	assert_int_equal(lb_kube_delete(c, &cm, "demo", "x", "Background", NULL), LB_EPERM);
	assert_string_equal(lb_kube_last_status()->reason, "Forbidden");

	assert_int_equal(lb_kube_get(c, &cm, "demo", "plain", NULL, &out), LB_EINVAL);
	assert_string_equal(
	    lb_error_last(LB_EINVAL),
	    "get configmaps/plain in namespace demo: the server answered HTTP 400: oops");
	assert_string_equal(lb_kube_last_status()->reason, "BadRequest");

	assert_int_equal(lb_kube_server_version(c, &out), LB_EAUTH);
	{
		char want[800];
		snprintf(
		    want, sizeof(want),
		    "the server at http://127.0.0.1:%d refused the credentials of user 'tester' "
		    "in kubeconfig %s (401 Unauthorized): check the token",
		    srv.port, srv.kubeconfig);
		assert_string_equal(lb_error_last(LB_EAUTH), want);
	}
	cJSON_Delete(obj);
	cJSON_Delete(patch);
	lb_kube_client_free(c);
	canned_stop();
}

typedef struct collect {
	int n;
	char names[10][32];
	int stop_after;
} collect;

static int
on_item(const cJSON *item, void *ud)
{
	collect *col = ud;
	const cJSON *m = cJSON_GetObjectItem(item, "metadata");

	assert_string_equal(cJSON_GetObjectItem(item, "kind")->valuestring, "ConfigMap");
	assert_string_equal(cJSON_GetObjectItem(item, "apiVersion")->valuestring, "v1");
	if (col->n < 10)
		snprintf(col->names[col->n], 32, "%s", cJSON_GetObjectItem(m, "name")->valuestring);
	col->n++;
	return col->stop_after && col->n >= col->stop_after ? 7 : 0;
}

#define CM(n) "{\"metadata\":{\"name\":\"" n "\"}}"

static void
test_pagination(void **state)
{
	lb_kube_gvr cm = {"", "v1", "configmaps", 1};
	lb_kube_list_options lo = {"app=web,tier in (a,b)", NULL, 0};
	lb_kube_list_result res;
	collect col = {0};
	lb_kube_client *c;
	cJSON *log;
	(void) state;

	canned_start(
	    "["
	    "{\"path\":\"/api/v1/namespaces/demo/"
	    "configmaps?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&limit=2\","
	    "\"responses\":[{\"body\":{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\","
	    "\"metadata\":"
	    "{\"resourceVersion\":\"10\",\"continue\":\"t1\"},\"items\":[" CM("a") "," CM(
	        "b") "]}}]},"
	             "{\"path\":\"/api/v1/namespaces/demo/"
	             "configmaps?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&limit=2&"
	             "continue=t1\","
	             "\"responses\":[{\"body\":{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\","
	             "\"metadata\":"
	             "{\"resourceVersion\":\"10\",\"continue\":\"t2\"},\"items\":[" CM("c") "," CM(
	                 "d") "]}}]},"
	                      "{\"path\":\"/api/v1/namespaces/demo/"
	                      "configmaps?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&limit="
	                      "2&continue=t2\","
	                      "\"responses\":[{\"body\":{\"kind\":\"ConfigMapList\",\"apiVersion\":"
	                      "\"v1\",\"metadata\":"
	                      "{\"resourceVersion\":\"10\"},\"items\":[" CM(
	                          "e") "]}}]},"
	                               "{\"path\":\"/api/v1/"
	                               "configmaps?limit=2\",\"responses\":[{\"body\":{\"kind\":"
	                               "\"ConfigMapList\","
	                               "\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":"
	                               "\"11\",\"continue\":\"old\"},\"items\":[" CM(
	                                   "a") "," CM("b") "]}}]},"
	                                                    "{\"path\":\"/api/v1/"
	                                                    "configmaps?limit=2&continue=old\","
	                                                    "\"responses\":[{\"status\":410,"
	                                                    "\"body\":" STATUS(
	                                                        410, "Expired",
	                                                        "The provided continue parameter "
	                                                        "is too old") "}]}"
	                                                                      "]");
	c = client(0);
	assert_int_equal(lb_kube_list(c, &cm, "demo", &lo, on_item, &col, &res), 0);
	assert_int_equal(col.n, 5);
	assert_string_equal(col.names[0], "a");
	assert_string_equal(col.names[4], "e");
	assert_int_equal(res.pages, 3);
	assert_int_equal(res.item_count, 5);
	assert_string_equal(res.resource_version, "10");

	/* the callback stops the list: its value comes back, no more pages */
	memset(&col, 0, sizeof(col));
	col.stop_after = 3;
	assert_int_equal(lb_kube_list(c, &cm, "demo", &lo, on_item, &col, &res), 7);
	assert_int_equal(col.n, 3);

	/* all namespaces; expired continue token */
	memset(&col, 0, sizeof(col));
	assert_int_equal(lb_kube_list(c, &cm, NULL, NULL, on_item, &col, &res), LB_EAGAIN);
	assert_non_null(strstr(lb_error_last(LB_EAGAIN), "continue token expired after 2 items"));
	assert_int_equal(lb_kube_last_status()->http_status, 410);
	log = canned_log();
	assert_int_equal(cJSON_GetArraySize(log), 7);
	cJSON_Delete(log);
	lb_kube_client_free(c);
	canned_stop();
}

static void
test_retry(void **state)
{
	lb_kube_client *c;
	cJSON *v = NULL, *log;
	(void) state;

	canned_start(
	    "["
	    "{\"path\":\"/version\",\"responses\":["
	    "{\"status\":503,\"headers\":{\"Retry-After\":\"1\"},\"body\":" STATUS(
	        503, "ServiceUnavailable",
	        "busy") "},"
	                "{\"status\":429,\"headers\":{\"Retry-After\":\"1\"},\"body\":" STATUS(
	                    429, "TooManyRequests",
	                    "slow down") "},"
	                                 "{\"body\":{\"gitVersion\":\"v1.30.1\"}}]},"
	                                 "{\"path\":\"/"
	                                 "api\",\"responses\":[{\"status\":500,\"body\":" STATUS(
	                                     500, "InternalError", "boom") "}]}"
	                                                                   "]");
	c = client(3);
	assert_int_equal(lb_kube_server_version(c, &v), 0);
	assert_string_equal(cJSON_GetObjectItem(v, "gitVersion")->valuestring, "v1.30.1");
	cJSON_Delete(v);
	/* always 500: 1 + 3 retries, then LB_EAGAIN with the server's message */
	assert_int_equal(lb_kube_request(c, "GET", "/api", NULL, NULL, NULL), LB_EAGAIN);
	assert_string_equal(lb_error_last(LB_EAGAIN), "GET /api: boom");
	assert_int_equal(lb_kube_last_status()->http_status, 500);
	log = canned_log();
	assert_int_equal(cJSON_GetArraySize(log), 3 + 4);
	cJSON_Delete(log);
	lb_kube_client_free(c);
	canned_stop();
}

static void
test_discovery(void **state)
{
	lb_kube_discovery *d = NULL;
	const lb_kube_resource *r;
	const lb_kube_group *g;
	lb_kube_client *c;
	(void) state;

	canned_start(
	    "["
	    "{\"path\":\"/"
	    "api\",\"responses\":[{\"body\":{\"kind\":\"APIVersions\",\"versions\":[\"v1\"]}}]},"
	    "{\"path\":\"/api/"
	    "v1\",\"responses\":[{\"body\":{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\","
	    "\"resources\":["
	    "{\"name\":\"pods\",\"singularName\":\"pod\",\"namespaced\":true,\"kind\":\"Pod\","
	    "\"verbs\":[\"create\",\"get\",\"list\"],\"shortNames\":[\"po\"]},"
	    "{\"name\":\"pods/"
	    "status\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\",\"patch\"]},"
	    "{\"name\":\"pods/log\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\"]},"
	    "{\"name\":\"namespaces\",\"singularName\":\"namespace\",\"namespaced\":false,\"kind\":"
	    "\"Namespace\",\"verbs\":[\"list\"],\"shortNames\":[\"ns\"]}]}}]},"
	    "{\"path\":\"/apis\",\"responses\":[{\"body\":{\"kind\":\"APIGroupList\",\"groups\":["
	    "{\"name\":\"apps\",\"versions\":[{\"groupVersion\":\"apps/"
	    "v1\",\"version\":\"v1\"}],\"preferredVersion\":{\"groupVersion\":\"apps/"
	    "v1\",\"version\":\"v1\"}},"
	    "{\"name\":\"example.com\",\"versions\":[{\"groupVersion\":\"example.com/"
	    "v1alpha1\",\"version\":\"v1alpha1\"},"
	    "{\"groupVersion\":\"example.com/"
	    "v1beta1\",\"version\":\"v1beta1\"},{\"groupVersion\":\"example.com/"
	    "v1\",\"version\":\"v1\"}]},"
	    "{\"name\":\"broken.io\",\"versions\":[{\"groupVersion\":\"broken.io/"
	    "v1\",\"version\":\"v1\"}]}]}}]},"
	    "{\"path\":\"/apis/apps/v1\",\"responses\":[{\"body\":{\"resources\":["
	    "{\"name\":\"deployments\",\"singularName\":\"deployment\",\"namespaced\":true,"
	    "\"kind\":\"Deployment\",\"verbs\":[\"list\",\"create\"],\"shortNames\":[\"deploy\"]},"
	    "{\"name\":\"deployments/"
	    "status\",\"namespaced\":true,\"kind\":\"Deployment\",\"verbs\":[\"get\"]},"
	    "{\"name\":\"deployments/"
	    "scale\",\"namespaced\":true,\"kind\":\"Scale\",\"verbs\":[\"get\"]}]}}]},"
	    "{\"prefix\":\"/apis/example.com/v1\",\"responses\":[{\"body\":{\"resources\":["
	    "{\"name\":\"widgets\",\"singularName\":\"widget\",\"namespaced\":true,\"kind\":"
	    "\"Widget\",\"verbs\":[\"list\"]}]}}]},"
	    "{\"path\":\"/apis/broken.io/v1\",\"responses\":[{\"status\":503,\"body\":" STATUS(
	        503, "ServiceUnavailable", "down") "}]}"
	                                           "]");
	c = client(-1);
	assert_int_equal(lb_kube_discover(c, &d), 0);
	assert_int_equal(d->group_count, 4);
	assert_string_equal(d->groups[0].name, "");
	g = lb_kube_discovery_group(d, "example.com");
	assert_non_null(g);
	assert_string_equal(g->preferred_version, "v1"); /* no preferredVersion: priority */
	assert_int_equal(g->version_count, 3);
	assert_string_equal(g->versions[0].version, "v1");
	assert_string_equal(g->versions[1].version, "v1beta1");
	assert_string_equal(g->versions[2].version, "v1alpha1");
	assert_string_equal(g->versions[2].group_version, "example.com/v1alpha1");

	r = lb_kube_discovery_find(d, "", "pods");
	assert_non_null(r);
	assert_string_equal(r->kind, "Pod");
	assert_true(r->namespaced);
	assert_true(lb_kube_resource_supports(r, "list"));
	assert_false(lb_kube_resource_supports(r, "delete"));
	assert_true(lb_kube_resource_has_subresource(r, "status"));
	assert_true(lb_kube_resource_has_subresource(r, "log"));
	assert_ptr_equal(lb_kube_discovery_find(d, "", "po"), r);
	r = lb_kube_discovery_find(d, "", "ns");
	assert_non_null(r);
	assert_false(r->namespaced);
	r = lb_kube_discovery_find_kind(d, "apps/v1", "Deployment");
	assert_non_null(r);
	assert_string_equal(r->name, "deployments");
	assert_string_equal(r->group, "apps");
	assert_string_equal(r->version, "v1");
	assert_true(lb_kube_resource_has_subresource(r, "scale"));
	assert_null(lb_kube_discovery_find_kind(d, "apps/v1", "Scale"));
	r = lb_kube_discovery_find_version(d, "example.com", "v1alpha1", "widgets");
	assert_non_null(r);
	assert_string_equal(r->version, "v1alpha1");
	g = lb_kube_discovery_group(d, "broken.io");
	assert_int_equal(g->versions[0].resource_count, 0);
	assert_null(lb_kube_discovery_find(d, "nope", "x"));
	lb_kube_discovery_free(d);
	lb_kube_client_free(c);
	canned_stop();
}

static void
test_request_shapes(void **state)
{
	lb_kube_gvr dep = {"apps", "v1", "deployments", 1};
	lb_kube_gvr ns = {"", "v1", "namespaces", 0};
	cJSON *obj = cJSON_Parse("{\"metadata\":{\"generateName\":\"web-\"},\"status\":{\"x\":1}}");
	cJSON *upd = cJSON_Parse("{\"metadata\":{\"name\":\"web\"},\"status\":{\"x\":2}}");
	cJSON *jp = cJSON_Parse("[{\"op\":\"add\",\"path\":\"/x\",\"value\":1}]");
	cJSON *out = NULL, *log;
	lb_kube_client *c;
	(void) state;

	canned_start("[{\"prefix\":\"/"
	             "\",\"responses\":[{\"body\":{\"kind\":\"Deployment\",\"metadata\":{\"name\":"
	             "\"web-abc\"}}}]}]");
	c = client(0);
	assert_int_equal(lb_kube_create(c, &dep, "d", obj, &out), 0);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(out, "metadata"), "name")->valuestring,
	    "web-abc");
	cJSON_Delete(out);
	assert_int_equal(lb_kube_update(c, &dep, "d", upd, "status", NULL), 0);
	assert_int_equal(lb_kube_patch(c, &dep, "d", "web", NULL, LB_KUBE_PATCH_JSON, jp, NULL), 0);
	assert_int_equal(
	    lb_kube_patch(c, &dep, "d", "web", "status", LB_KUBE_PATCH_STRATEGIC, upd, NULL), 0);
	assert_int_equal(lb_kube_get(c, &dep, "d", "web", "status", &out), 0);
	cJSON_Delete(out);
	assert_int_equal(lb_kube_delete(c, &ns, NULL, "demo", "Foreground", NULL), 0);
	log = canned_log();
	assert_string_equal(log_field(log, 0, "method"), "POST");
	assert_string_equal(log_field(log, 0, "path"), "/apis/apps/v1/namespaces/d/deployments");
	assert_string_equal(log_field(log, 0, "content_type"), "application/json");
	assert_string_equal(log_field(log, 1, "method"), "PUT");
	assert_string_equal(log_field(log, 1, "path"),
	                    "/apis/apps/v1/namespaces/d/deployments/web/status");
	assert_string_equal(log_field(log, 2, "content_type"), "application/json-patch+json");
	assert_string_equal(log_field(log, 2, "body"),
	                    "[{\"op\":\"add\",\"path\":\"/x\",\"value\":1}]");
	assert_string_equal(log_field(log, 3, "content_type"),
	                    "application/strategic-merge-patch+json");
	assert_string_equal(log_field(log, 3, "path"),
	                    "/apis/apps/v1/namespaces/d/deployments/web/status");
	assert_string_equal(log_field(log, 4, "method"), "GET");
	assert_string_equal(log_field(log, 5, "method"), "DELETE");
	assert_string_equal(log_field(log, 5, "path"), "/api/v1/namespaces/demo");
	assert_non_null(strstr(log_field(log, 5, "body"), "\"propagationPolicy\":\"Foreground\""));
	cJSON_Delete(log);
	cJSON_Delete(obj);
	cJSON_Delete(upd);
	cJSON_Delete(jp);
	lb_kube_client_free(c);
	canned_stop();
}

typedef struct events {
	int n;
	char types[8][16];
	int stop_at;
} events;

static int
on_event(const char *type, const cJSON *obj, void *ud)
{
	events *e = ud;
	assert_non_null(obj);
	if (e->n < 8)
		snprintf(e->types[e->n], 16, "%s", type);
	e->n++;
	return e->stop_at && e->n >= e->stop_at;
}

static void
test_watch(void **state)
{
	lb_kube_gvr cm = {"", "v1", "configmaps", 1};
	lb_kube_watch_options wo = {0};
	events e = {0};
	lb_kube_client *c;
	cJSON *log;
	(void) state;

	canned_start(
	    "[{\"prefix\":\"/api/v1/namespaces/demo/"
	    "configmaps?watch=true\",\"responses\":[{\"stream\":true,\"body\":["
	    "{\"type\":\"ADDED\",\"object\":" CM(
	        "a") "},"
	             "{\"type\":\"MODIFIED\",\"object\":" CM(
	                 "a") "},"
	                      "{\"type\":\"DELETED\",\"object\":" CM(
	                          "a") "}]}]},"
	                               "{\"prefix\":\"/api/v1/namespaces/"
	                               "gone\",\"responses\":[{\"status\":404,\"body\":" STATUS(
	                                   404, "NotFound",
	                                   "namespaces \\\"gone\\\" not found") "}]}]");
	c = client(0);
	wo.resource_version = "5";
	wo.label_selector = "a=b";
	wo.timeout_ms = 30000;
	assert_int_equal(lb_kube_watch(c, &cm, "demo", &wo, on_event, &e), 0);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.types[0], "ADDED");
	assert_string_equal(e.types[2], "DELETED");
	memset(&e, 0, sizeof(e));
	e.stop_at = 1;
	assert_int_equal(lb_kube_watch(c, &cm, "demo", &wo, on_event, &e), 0);
	assert_int_equal(e.n, 1);
	assert_int_equal(lb_kube_watch(c, &cm, "gone", &wo, on_event, &e), LB_ENOTFOUND);
	assert_non_null(
	    strstr(lb_error_last(LB_ENOTFOUND), "watch configmaps in namespace gone: "));
	log = canned_log();
	assert_string_equal(log_field(log, 0, "path"),
	                    "/api/v1/namespaces/demo/configmaps?watch=true&allowWatchBookmarks=true"
	                    "&timeoutSeconds=30&resourceVersion=5&labelSelector=a%3Db");
	cJSON_Delete(log);
	lb_kube_client_free(c);
	canned_stop();
}

static void *
worker(void *arg)
{
	lb_kube_client *c = arg;
	long ok = 0;

	for (int i = 0; i < 25; i++) {
		cJSON *v = NULL;
		if (lb_kube_server_version(c, &v) == 0)
			ok++;
		cJSON_Delete(v);
	}
	return (void *) ok;
}

static void
test_threads(void **state)
{
	pthread_t t[4];
	lb_kube_client *c;
	long total = 0;
	(void) state;

	canned_start(
	    "[{\"path\":\"/version\",\"responses\":[{\"body\":{\"gitVersion\":\"v1\"}}]}]");
	c = client(0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, c), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		total += (long) r;
	}
	assert_int_equal(total, 100);
	lb_kube_client_free(c);
	canned_stop();
}

static void
test_unreachable(void **state)
{
	lb_kube_client *c;
	cJSON *v = NULL;
	int port;
	(void) state;

	canned_start("[]");
	port = srv.port;
	kill(srv.pid, SIGTERM);
	waitpid(srv.pid, NULL, 0);
	srv.pid = -1;
	c = client(-1);
	assert_int_equal(lb_kube_server_version(c, &v), LB_EIO);
	{
		char want[600];
		snprintf(want, sizeof(want),
		         "cannot reach the server at http://127.0.0.1:%d (context 'canned' in "
		         "kubeconfig %s): ",
		         port, srv.kubeconfig);
		assert_memory_equal(lb_error_last(LB_EIO), want, strlen(want));
	}
	assert_int_equal(lb_kube_last_status()->http_status, 0);
	lb_kube_client_free(c);
	canned_stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version),     cmocka_unit_test(test_error_mapping),
	    cmocka_unit_test(test_pagination),  cmocka_unit_test(test_retry),
	    cmocka_unit_test(test_discovery),   cmocka_unit_test(test_request_shapes),
	    cmocka_unit_test(test_watch),       cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_unreachable),
	};
	unsetenv("KUBECONFIG");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
