/* Unit tests without a server: YAML to JSON, kubeconfig loading/merging/contexts, exec
 * credential plugins, the rate limiter's arithmetic, backoff, version priority. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kube/kube.h"
#include "kube/kube_internal.h"
#include "kube/yaml_json.h"
#include "util/error.h"

static char tmpdir[256];

static void
write_file(const char *name, const char *text, int mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t) mode);
}

static const char *
tpath(const char *name)
{
	static char buf[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

static int
setup(void **state)
{
	(void) state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lb-kube-unit.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	unsetenv("KUBECONFIG");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];
	(void) state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_yaml_scalars(void **state)
{
	const char *y = "a: 1\nb: \"1\"\nc: true\nd: ~\ne: hello\nf: [x, 2.5]\ng:\n  h: 'no'\n"
	                "i: 0x10\nj: -3\nk: 1.2.3\nl: null\nm: &x {n: 1}\no: *x\n";
	cJSON *j = NULL;
	(void) state;

	assert_int_equal(lb_yaml_to_json(y, strlen(y), "test", &j), 0);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "a")));
	assert_string_equal(cJSON_GetObjectItem(j, "b")->valuestring, "1");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "c")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "d")));
	assert_string_equal(cJSON_GetObjectItem(j, "e")->valuestring, "hello");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "f")), 2);
	assert_true(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "f"), 1)->valuedouble == 2.5);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "g"), "h")->valuestring,
	                    "no");
	assert_int_equal(cJSON_GetObjectItem(j, "i")->valueint, 16);
	assert_int_equal(cJSON_GetObjectItem(j, "j")->valueint, -3);
	assert_string_equal(cJSON_GetObjectItem(j, "k")->valuestring, "1.2.3");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "l")));
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "o"), "n")->valueint, 1);
	cJSON_Delete(j);
}

static void
test_yaml_errors_and_multidoc(void **state)
{
	const char *bad = "a: [1, 2\nb: 3\n";
	const char *multi = "a: 1\n---\nb: 2\n---\n";
	cJSON *j = NULL;
	(void) state;

	assert_int_equal(lb_yaml_to_json(bad, strlen(bad), "manifest x.yaml", &j), LB_EINVAL);
	assert_non_null(strstr(lb_error_last(LB_EINVAL), "manifest x.yaml: line "));
	assert_int_equal(lb_yaml_to_json_all(multi, strlen(multi), "m", &j), 0);
	assert_int_equal(cJSON_GetArraySize(j), 2);
	cJSON_Delete(j);
	assert_int_equal(lb_yaml_to_json("", 0, "empty", &j), 0);
	assert_true(cJSON_IsNull(j));
	cJSON_Delete(j);
}

static const char *kc_a =
    "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
    "clusters:\n- name: ca\n  cluster:\n    server: https://a.example:6443/\n"
    "    certificate-authority: certs/ca.crt\n    tls-server-name: api.internal\n"
    "- name: shared\n  cluster:\n    server: https://first.example\n"
    "users:\n- name: ua\n  user:\n    token: tok-a\n"
    "- name: ucert\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ\n"
    "contexts:\n- name: a\n  context:\n    cluster: ca\n    user: ua\n    namespace: demo\n"
    "- name: cert\n  context:\n    cluster: shared\n    user: ucert\n";

static const char *kc_b =
    "apiVersion: v1\nkind: Config\ncurrent-context: b\n"
    "clusters:\n- name: shared\n  cluster:\n    server: https://second.example\n"
    "    insecure-skip-tls-verify: true\n"
    "- name: cb\n  cluster:\n    server: http://127.0.0.1:1\n"
    "users:\n- name: ub\n  user:\n    tokenFile: tok.txt\n"
    "contexts:\n- name: b\n  context:\n    cluster: cb\n    user: ub\n"
    "- name: c\n  context:\n    cluster: shared\n    user: ub\n";

static void
test_kubeconfig_single(void **state)
{
	lb_kube_config cfg = {0};
	(void) state;

	write_file("a.yaml", kc_a, 0600);
	assert_int_equal(lb_kube__config_load(tpath("a.yaml"), NULL, 0, &cfg), 0);
	assert_string_equal(cfg.context, "a");
	assert_string_equal(cfg.server, "https://a.example:6443");
	assert_string_equal(cfg.token, "tok-a");
	assert_string_equal(cfg.ns, "demo");
	assert_string_equal(cfg.tls_server_name, "api.internal");
	assert_string_equal(cfg.ca_file, tpath("certs/ca.crt")); /* relative to the file */
	lb_kube__config_dispose(&cfg);

	assert_int_equal(lb_kube__config_load(tpath("a.yaml"), "cert", 0, &cfg), 0);
	assert_string_equal(cfg.server, "https://first.example");
	assert_int_equal(cfg.cert_data_len, 4);
	assert_memory_equal(cfg.cert_data, "CERT", 4);
	assert_memory_equal(cfg.key_data, "KEY", 3);
	lb_kube__config_dispose(&cfg);
}

static void
test_kubeconfig_unknown_context(void **state)
{
	lb_kube_config cfg = {0};
	char want[700];
	(void) state;

	write_file("a.yaml", kc_a, 0600);
	assert_int_equal(lb_kube__config_load(tpath("a.yaml"), "foo", 0, &cfg), LB_ENOTFOUND);
	snprintf(want, sizeof(want), "context 'foo' not found in kubeconfig %s; contexts: a, cert",
	         tpath("a.yaml"));
	assert_string_equal(lb_error_last(LB_ENOTFOUND), want);
	assert_int_equal(lb_kube__config_load(tpath("missing.yaml"), NULL, 0, &cfg), LB_ENOTFOUND);
	assert_non_null(strstr(lb_error_last(LB_ENOTFOUND), "missing.yaml"));
}

static void
test_kubeconfig_merge(void **state)
{
	lb_kube_config cfg = {0};
	char env[1200];
	(void) state;

	write_file("a.yaml", kc_a, 0600);
	write_file("b.yaml", kc_b, 0600);
	write_file("tok.txt", "file-token\n", 0600);
	/* first file wins: current-context a, cluster "shared" from a */
	snprintf(env, sizeof(env), "%s:%s:%s", tpath("a.yaml"), tpath("nope.yaml"),
	         tpath("b.yaml"));
	setenv("KUBECONFIG", env, 1);
	assert_int_equal(lb_kube__config_load(NULL, NULL, 0, &cfg), 0);
	assert_string_equal(cfg.context, "a");
	lb_kube__config_dispose(&cfg);
	assert_int_equal(lb_kube__config_load(NULL, "c", 0, &cfg), 0);
	assert_string_equal(cfg.server, "https://first.example");
	assert_int_equal(cfg.insecure, 0);
	assert_string_equal(cfg.token_file, tpath("tok.txt"));
	lb_kube__config_dispose(&cfg);
	/* other order */
	snprintf(env, sizeof(env), "%s:%s", tpath("b.yaml"), tpath("a.yaml"));
	setenv("KUBECONFIG", env, 1);
	assert_int_equal(lb_kube__config_load(NULL, NULL, 0, &cfg), 0);
	assert_string_equal(cfg.context, "b");
	lb_kube__config_dispose(&cfg);
	assert_int_equal(lb_kube__config_load(NULL, "c", 0, &cfg), 0);
	assert_string_equal(cfg.server, "https://second.example");
	assert_int_equal(cfg.insecure, 1);
	lb_kube__config_dispose(&cfg);
	assert_int_equal(lb_kube__config_load(NULL, "zzz", 0, &cfg), LB_ENOTFOUND);
	assert_non_null(strstr(lb_error_last(LB_ENOTFOUND), "contexts: b, c, a, cert"));
	unsetenv("KUBECONFIG");
}

static void
test_kubeconfig_bad(void **state)
{
	lb_kube_config cfg = {0};
	(void) state;

	write_file("bad.yaml", "clusters: [\n", 0600);
	assert_int_equal(lb_kube__config_load(tpath("bad.yaml"), NULL, 0, &cfg), LB_EINVAL);
	assert_non_null(strstr(lb_error_last(LB_EINVAL), "bad.yaml: line"));
	write_file("nouser.yaml",
	           "current-context: x\nclusters:\n- name: c\n  cluster: {server: https://h}\n"
	           "contexts:\n- name: x\n  context: {cluster: c, user: ghost}\n",
	           0600);
	assert_int_equal(lb_kube__config_load(tpath("nouser.yaml"), NULL, 0, &cfg), LB_EINVAL);
	assert_non_null(strstr(lb_error_last(LB_EINVAL), "user 'ghost'"));
}

static void
test_in_cluster(void **state)
{
	lb_kube_config cfg = {0};
	(void) state;

	mkdir(tpath("sa"), 0700);
	write_file("sa/token", "sa-token\n", 0600);
	write_file("sa/ca.crt", "PEM", 0600);
	write_file("sa/namespace", "velero\n", 0600);
	setenv("LB_KUBE_SERVICEACCOUNT_DIR", tpath("sa"), 1);
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(lb_kube__config_in_cluster(&cfg), 0);
	assert_string_equal(cfg.server, "https://10.0.0.1:443");
	assert_string_equal(cfg.token_file, tpath("sa/token"));
	assert_string_equal(cfg.ca_file, tpath("sa/ca.crt"));
	assert_string_equal(cfg.ns, "velero");
	lb_kube__config_dispose(&cfg);
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(lb_kube__config_in_cluster(&cfg), LB_ENOTFOUND);
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("LB_KUBE_SERVICEACCOUNT_DIR");
}

static void
test_exec_plugin(void **state)
{
	char kc[2000], count[600];
	lb_kube_config cfg = {0};
	lb_kube_exec_cred cred = {0};
	FILE *f;
	int n = 0;
	(void) state;

	/* The plugin checks its env and KUBERNETES_EXEC_INFO, counts its runs. */
	snprintf(
	    kc, sizeof(kc),
	    "#!/bin/sh\n"
	    "echo run >> '%s/exec-runs'\n"
	    "case \"$KUBERNETES_EXEC_INFO\" in *'\"kind\":\"ExecCredential\"'*) ;; *) echo "
	    "\"bad exec info\" >&2; exit 3;; esac\n"
	    "[ \"$MYVAR\" = hello ] || { echo \"MYVAR missing\" >&2; exit 4; }\n"
	    "[ \"$1\" = --fail ] && { echo 'login required' >&2; exit 1; }\n"
	    "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
	    "\"status\":{\"token\":\"exec-token\",\"expirationTimestamp\":\"2099-01-02T03:04:05Z\"}"
	    "}'\n",
	    tmpdir);
	write_file("plugin.sh", kc, 0755);
	snprintf(
	    kc, sizeof(kc),
	    "current-context: x\nclusters:\n- name: c\n  cluster: {server: https://h}\n"
	    "users:\n- name: u\n  user:\n    exec:\n      apiVersion: "
	    "client.authentication.k8s.io/v1\n"
	    "      command: ./plugin.sh\n      args: [get-token]\n"
	    "      env: [{name: MYVAR, value: hello}]\n      provideClusterInfo: true\n"
	    "- name: fail\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
	    "      command: ./plugin.sh\n      args: [--fail]\n"
	    "      env: [{name: MYVAR, value: hello}]\n"
	    "- name: beta\n  user:\n    exec:\n      apiVersion: "
	    "client.authentication.k8s.io/v1beta1\n"
	    "      command: ./plugin.sh\n      env: [{name: MYVAR, value: hello}]\n"
	    "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
	    "- name: f\n  context: {cluster: c, user: fail}\n"
	    "- name: b\n  context: {cluster: c, user: beta}\n");
	write_file("exec.yaml", kc, 0600);

	assert_int_equal(lb_kube__config_load(tpath("exec.yaml"), NULL, 0, &cfg), 0);
	assert_non_null(cfg.exec);
	assert_string_equal(cfg.exec->command, tpath("./plugin.sh"));
	assert_int_equal(lb_kube__exec_run(cfg.exec, &cfg, 10000, &cred), 0);
	assert_string_equal(cred.token, "exec-token");
	assert_int_equal((long long) cred.expires, 4071006245LL);
	lb_kube__exec_cred_dispose(&cred);
	lb_kube__config_dispose(&cfg);

	assert_int_equal(lb_kube__config_load(tpath("exec.yaml"), "f", 0, &cfg), 0);
	assert_int_equal(lb_kube__exec_run(cfg.exec, &cfg, 10000, &cred), LB_EAUTH);
	assert_non_null(strstr(lb_error_last(LB_EAUTH), "login required"));
	lb_kube__config_dispose(&cfg);

	/* apiVersion mismatch: the plugin answers v1 to a v1beta1 request */
	assert_int_equal(lb_kube__config_load(tpath("exec.yaml"), "b", 0, &cfg), 0);
	assert_int_equal(lb_kube__exec_run(cfg.exec, &cfg, 10000, &cred), LB_EPROTO);
	assert_non_null(strstr(lb_error_last(LB_EPROTO), "v1beta1"));
	lb_kube__config_dispose(&cfg);

	f = fopen(tpath("exec-runs"), "r");
	assert_non_null(f);
	while (fgets(count, sizeof(count), f))
		n++;
	fclose(f);
	assert_int_equal(n, 3);
}

static void
test_rfc3339(void **state)
{
	(void) state;
	assert_int_equal((long long) lb_kube__parse_rfc3339("1970-01-01T00:00:10Z"), 10);
	assert_int_equal((long long) lb_kube__parse_rfc3339("1970-01-01T01:00:10.123+01:00"), 10);
	assert_int_equal((long long) lb_kube__parse_rfc3339("yesterday"), -1);
}

static void
test_ratelimit_math(void **state)
{
	lb_kube_ratelimit rl;
	(void) state;

	lb_kube__ratelimit_init(&rl, 10, 3, 1000);
	/* burst of 3 is free */
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 1000), 0);
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 1000), 0);
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 1000), 0);
	/* then one token per 100 ms; queued callers wait behind each other */
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 1000), 100);
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 1000), 200);
	/* 500 ms later: 5 tokens refilled, 2 owed -> 3 left, no wait */
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 1500), 0);
	/* refill is capped at burst */
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 100000), 0);
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 100000), 0);
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 100000), 0);
	assert_int_equal(lb_kube__ratelimit_reserve(&rl, 100000), 100);
	pthread_mutex_destroy(&rl.lock);

	lb_kube__ratelimit_init(&rl, 0, 1, 0); /* unlimited */
	for (int i = 0; i < 100; i++)
		assert_int_equal(lb_kube__ratelimit_reserve(&rl, 0), 0);
	pthread_mutex_destroy(&rl.lock);
}

static void
test_backoff(void **state)
{
	(void) state;
	assert_int_equal(lb_kube__backoff_ms(0, 3000), 3000);
	assert_int_equal(lb_kube__backoff_ms(5, 120000), 60000);
	for (int a = 0; a < 10; a++) {
		int64_t ms = lb_kube__backoff_ms(a, -1);
		int64_t base = 200LL << (a > 6 ? 6 : a);
		if (base > 10000)
			base = 10000;
		assert_true(ms >= base && ms <= base + base / 4);
	}
}

static void
test_version_priority(void **state)
{
	const char *in[] = {"v1alpha1", "foo", "v2beta1", "v1", "v1beta2", "v2", "v1beta1", "v10"};
	const char *want[] = {"v10",     "v2",      "v1",       "v2beta1",
	                      "v1beta2", "v1beta1", "v1alpha1", "foo"};
	(void) state;

	for (size_t i = 0; i < 8; i++)
		for (size_t j = i + 1; j < 8; j++)
			assert_true(lb_kube_version_compare(want[i], want[j]) < 0);
	(void) in;
	assert_int_equal(lb_kube_version_compare("v1", "v1"), 0);
}

static void
test_path(void **state)
{
	char buf[256];
	lb_kube_gvr cm = {"", "v1", "configmaps", 1};
	lb_kube_gvr dep = {"apps", "v1", "deployments", 1};
	lb_kube_gvr ns = {"", "v1", "namespaces", 0};
	(void) state;

	assert_int_equal(lb_kube_path(&cm, "demo", "x", NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/api/v1/namespaces/demo/configmaps/x");
	assert_int_equal(lb_kube_path(&dep, NULL, NULL, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/apis/apps/v1/deployments");
	assert_int_equal(lb_kube_path(&dep, "d", "web", "status", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/apis/apps/v1/namespaces/d/deployments/web/status");
	assert_int_equal(lb_kube_path(&ns, "ignored", "demo", NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/api/v1/namespaces/demo");
	assert_int_equal(lb_kube_path(&ns, NULL, "demo", NULL, buf, 5), LB_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_yaml_scalars),
	    cmocka_unit_test(test_yaml_errors_and_multidoc),
	    cmocka_unit_test(test_kubeconfig_single),
	    cmocka_unit_test(test_kubeconfig_unknown_context),
	    cmocka_unit_test(test_kubeconfig_merge),
	    cmocka_unit_test(test_kubeconfig_bad),
	    cmocka_unit_test(test_in_cluster),
	    cmocka_unit_test(test_exec_plugin),
	    cmocka_unit_test(test_rfc3339),
	    cmocka_unit_test(test_ratelimit_math),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_version_priority),
	    cmocka_unit_test(test_path),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
