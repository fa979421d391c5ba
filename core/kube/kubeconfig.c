/* kubeconfig as client-go reads it: --kubeconfig (one file) or $KUBECONFIG (a ':' list,
 * merged, the first file wins for each cluster/user/context name and current-context),
 * else ~/.kube/config, else the in-cluster service account. Relative file paths inside a
 * kubeconfig are relative to that file's directory. */
#include "kube_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "yaml_json.h"

#define DIR_KEY "\x01lb_dir" /* where an entry came from, for relative paths */

typedef struct merged {
	cJSON *clusters; /* name -> cluster object (+ DIR_KEY) */
	cJSON *users;
	cJSON *contexts;
	char *current_context;
	lb_buf paths;
} merged;

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static const char *
str_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
lb_kube__base64_decode(const char *in, char **out, size_t *len_out)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), o = 0;
	unsigned acc = 0;
	int bits = 0;
	char *buf = malloc(n / 4 * 3 + 4);

	if (!buf)
		return LB_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *p;
		char ch = in[i];
		if (ch == '=' || ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t')
			continue;
		if (ch == '-')
			ch = '+';
		else if (ch == '_')
			ch = '/';
		p = strchr(alphabet, ch);
		if (!p || !ch) {
			free(buf);
			return LB_EINVAL;
		}
		acc = (acc << 6) | (unsigned) (p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (char) ((acc >> bits) & 0xff);
		}
	}
	buf[o] = '\0';
	*out = buf;
	*len_out = o;
	return 0;
}

static char *
resolve_path(const char *dir, const char *p)
{
	char *out;

	if (!p || !*p)
		return NULL;
	if (p[0] == '/' || !dir || !*dir)
		return strdup(p);
	if (asprintf(&out, "%s/%s", dir, p) < 0)
		return NULL;
	return out;
}

static char *
dir_of(const char *path)
{
	char *d = strdup(path);
	char *slash;

	if (!d)
		return NULL;
	slash = strrchr(d, '/');
	if (!slash)
		strcpy(d, ".");
	else if (slash == d)
		d[1] = '\0';
	else
		*slash = '\0';
	return d;
}

/* Add the named entries of @list (clusters: [{name, cluster: {...}}]) under @field. */
static int
merge_list(cJSON *into,
           const cJSON *doc,
           const char *list_key,
           const char *field,
           const char *dir,
           const char *path)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, list_key);
	const cJSON *it;

	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list))
		return lb_error_set(LB_EINVAL, "kubeconfig %s: '%s' must be a list", path,
		                    list_key);
	cJSON_ArrayForEach(it, list)
	{
		const char *name = str_of(it, "name");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(it, field);
		cJSON *copy;

		if (!name || !*name)
			return lb_error_set(LB_EINVAL,
			                    "kubeconfig %s: an entry of '%s' has no name", path,
			                    list_key);
		if (cJSON_GetObjectItemCaseSensitive(into, name))
			continue; /* first file wins */
		copy =
		    body && cJSON_IsObject(body) ? cJSON_Duplicate(body, 1) : cJSON_CreateObject();
		if (!copy)
			return LB_ENOMEM;
		cJSON_AddStringToObject(copy, DIR_KEY, dir);
		cJSON_AddItemToObject(into, name, copy);
	}
	return 0;
}

static int
merge_file(merged *m, const char *path)
{
	cJSON *doc = NULL;
	char *dir = NULL;
	const char *cur;
	int error;

	if ((error = lb_yaml_file_to_json(path, &doc)) < 0) {
		if (error == LB_EINVAL)
			return lb_error_set(LB_EINVAL, "kubeconfig %s", lb_error_last(error));
		return error;
	}
	if (cJSON_IsNull(doc))
		goto done; /* empty file */
	if (!cJSON_IsObject(doc)) {
		error = lb_error_set(LB_EINVAL, "kubeconfig %s: not a YAML mapping", path);
		goto done;
	}
	if (!(dir = dir_of(path))) {
		error = LB_ENOMEM;
		goto done;
	}
	if ((error = merge_list(m->clusters, doc, "clusters", "cluster", dir, path)) < 0 ||
	    (error = merge_list(m->users, doc, "users", "user", dir, path)) < 0 ||
	    (error = merge_list(m->contexts, doc, "contexts", "context", dir, path)) < 0)
		goto done;
	cur = str_of(doc, "current-context");
	if (!m->current_context && cur && *cur)
		m->current_context = strdup(cur);
done:
	if (error == 0) {
		if (m->paths.len)
			lb_buf_puts(&m->paths, ":");
		lb_buf_puts(&m->paths, path);
	}
	free(dir);
	cJSON_Delete(doc);
	return error;
}

static void
list_names(lb_buf *b, const cJSON *obj)
{
	const cJSON *it;
	int n = 0;

	cJSON_ArrayForEach(it, obj)
	{
		lb_buf_printf(b, "%s%s", n++ ? ", " : "", it->string);
	}
	if (!n)
		lb_buf_puts(b, "(none)");
}

static int
load_exec(
    const cJSON *ex, const char *dir, const char *path, const char *user, lb_kube_exec_spec **out)
{
	lb_kube_exec_spec *e = calloc(1, sizeof(*e));
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(ex, "args");
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(ex, "env");
	const cJSON *pci = cJSON_GetObjectItemCaseSensitive(ex, "provideClusterInfo");
	const char *cmd = str_of(ex, "command");
	const cJSON *it;
	size_t i = 0;
	int error = 0;

	if (!e)
		return LB_ENOMEM;
	if (!cmd || !*cmd) {
		error = lb_error_set(
		    LB_EINVAL, "kubeconfig %s: user '%s' has an exec section without a command",
		    path, user);
		goto done;
	}
	/* client-go: a relative command with a '/' is relative to the kubeconfig. */
	e->command = (cmd[0] != '/' && strchr(cmd, '/')) ? resolve_path(dir, cmd) : strdup(cmd);
	e->api_version = xstrdup(str_of(ex, "apiVersion"));
	if (!e->api_version)
		e->api_version = strdup("client.authentication.k8s.io/v1");
	e->install_hint = xstrdup(str_of(ex, "installHint"));
	e->provide_cluster_info = cJSON_IsTrue(pci);
	e->args = calloc((size_t) cJSON_GetArraySize(args) + 1, sizeof(char *));
	e->env = calloc((size_t) cJSON_GetArraySize(env) + 1, sizeof(char *));
	if (!e->command || !e->api_version || !e->args || !e->env) {
		error = LB_ENOMEM;
		goto done;
	}
	cJSON_ArrayForEach(it, args)
	{
		if (!cJSON_IsString(it)) {
			error = lb_error_set(LB_EINVAL,
			                     "kubeconfig %s: user '%s': exec args must be strings",
			                     path, user);
			goto done;
		}
		e->args[i++] = strdup(it->valuestring);
	}
	i = 0;
	cJSON_ArrayForEach(it, env)
	{
		const char *n = str_of(it, "name"), *v = str_of(it, "value");
		if (!n || !v) {
			error = lb_error_set(
			    LB_EINVAL,
			    "kubeconfig %s: user '%s': exec env entries need name and value", path,
			    user);
			goto done;
		}
		if (asprintf(&e->env[i++], "%s=%s", n, v) < 0) {
			error = LB_ENOMEM;
			goto done;
		}
	}
done:
	if (error < 0) {
		lb_kube_exec_spec *tmp = e;
		lb_kube_config c = {0};
		c.exec = tmp;
		lb_kube__config_dispose(&c);
		return error;
	}
	*out = e;
	return 0;
}

static int
decode_field(
    const cJSON *obj, const char *key, const char *path, const char *owner, char **out, size_t *len)
{
	const char *v = str_of(obj, key);
	int error;

	if (!v || !*v)
		return 0;
	if ((error = lb_kube__base64_decode(v, out, len)) < 0)
		return lb_error_set(error, "kubeconfig %s: %s: %s is not valid base64", path, owner,
		                    key);
	return 0;
}

static int
resolve(merged *m, const char *context, lb_kube_config *cfg)
{
	const char *path = m->paths.ptr ? m->paths.ptr : "";
	const char *ctx_name = context && *context ? context : m->current_context;
	const cJSON *ctx, *cl, *us;
	const char *cl_name, *us_name, *dir, *v;
	char owner[300];
	lb_buf b = LB_BUF_INIT;
	int error;

	if (!ctx_name) {
		list_names(&b, m->contexts);
		error = lb_error_set(LB_ENOTFOUND,
		                     "kubeconfig %s sets no current-context: choose one with "
		                     "--context (contexts: %s)",
		                     path, b.ptr);
		lb_buf_dispose(&b);
		return error;
	}
	ctx = cJSON_GetObjectItemCaseSensitive(m->contexts, ctx_name);
	if (!ctx) {
		list_names(&b, m->contexts);
		error = lb_error_set(LB_ENOTFOUND,
		                     "context '%s' not found in kubeconfig %s; contexts: %s",
		                     ctx_name, path, b.ptr);
		lb_buf_dispose(&b);
		return error;
	}
	cl_name = str_of(ctx, "cluster");
	us_name = str_of(ctx, "user");
	cl = cl_name ? cJSON_GetObjectItemCaseSensitive(m->clusters, cl_name) : NULL;
	if (!cl)
		return lb_error_set(
		    LB_EINVAL,
		    "context '%s' in kubeconfig %s names cluster '%s', which is not "
		    "defined: add it under clusters",
		    ctx_name, path, cl_name ? cl_name : "");
	us = us_name && *us_name ? cJSON_GetObjectItemCaseSensitive(m->users, us_name) : NULL;
	if (us_name && *us_name && !us)
		return lb_error_set(LB_EINVAL,
		                    "context '%s' in kubeconfig %s names user '%s', which is not "
		                    "defined: add it under users",
		                    ctx_name, path, us_name);

	cfg->config_path = strdup(path);
	cfg->context = strdup(ctx_name);
	cfg->cluster = strdup(cl_name);
	cfg->user = strdup(us_name ? us_name : "");
	cfg->ns = xstrdup(str_of(ctx, "namespace"));

	dir = str_of(cl, DIR_KEY);
	v = str_of(cl, "server");
	if (!v || !*v)
		return lb_error_set(LB_EINVAL, "kubeconfig %s: cluster '%s' has no server", path,
		                    cl_name);
	cfg->server = strdup(v);
	while (cfg->server[0] && cfg->server[strlen(cfg->server) - 1] == '/')
		cfg->server[strlen(cfg->server) - 1] = '\0';
	cfg->insecure =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cl, "insecure-skip-tls-verify"));
	cfg->tls_server_name = xstrdup(str_of(cl, "tls-server-name"));
	snprintf(owner, sizeof(owner), "cluster '%s'", cl_name);
	if ((error = decode_field(cl, "certificate-authority-data", path, owner, &cfg->ca_data,
	                          &cfg->ca_data_len)) < 0)
		return error;
	if (!cfg->ca_data)
		cfg->ca_file = resolve_path(dir, str_of(cl, "certificate-authority"));

	if (!us)
		return 0;
	dir = str_of(us, DIR_KEY);
	snprintf(owner, sizeof(owner), "user '%s'", us_name);
	cfg->token = xstrdup(str_of(us, "token"));
	if (cfg->token && !*cfg->token) {
		free(cfg->token);
		cfg->token = NULL;
	}
	if (!cfg->token)
		cfg->token_file = resolve_path(dir, str_of(us, "tokenFile"));
	if ((error = decode_field(us, "client-certificate-data", path, owner, &cfg->cert_data,
	                          &cfg->cert_data_len)) < 0 ||
	    (error = decode_field(us, "client-key-data", path, owner, &cfg->key_data,
	                          &cfg->key_data_len)) < 0)
		return error;
	if (!cfg->cert_data)
		cfg->cert_file = resolve_path(dir, str_of(us, "client-certificate"));
	if (!cfg->key_data)
		cfg->key_file = resolve_path(dir, str_of(us, "client-key"));
	if ((cfg->cert_data || cfg->cert_file) != (cfg->key_data || cfg->key_file))
		return lb_error_set(LB_EINVAL,
		                    "kubeconfig %s: %s has a client certificate without a key or a "
		                    "key without a certificate",
		                    path, owner);
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(us, "exec")))
		return load_exec(cJSON_GetObjectItemCaseSensitive(us, "exec"), dir, path, us_name,
		                 &cfg->exec);
	if (cJSON_GetObjectItemCaseSensitive(us, "auth-provider"))
		return lb_error_set(LB_EUNSUPPORTED,
		                    "kubeconfig %s: %s uses an auth-provider, which is not "
		                    "supported: use an exec credential plugin instead",
		                    path, owner);
	return 0;
}

int
lb_kube__config_load(const char *kubeconfig,
                     const char *context,
                     int in_cluster,
                     lb_kube_config *cfg_out)
{
	merged m = {0};
	lb_kube_config cfg = {0};
	const char *env = getenv("KUBECONFIG");
	int error = 0, files = 0;

	if (in_cluster)
		return lb_kube__config_in_cluster(cfg_out);
	m.clusters = cJSON_CreateObject();
	m.users = cJSON_CreateObject();
	m.contexts = cJSON_CreateObject();
	if (!m.clusters || !m.users || !m.contexts) {
		error = LB_ENOMEM;
		goto done;
	}
	if (kubeconfig && *kubeconfig) {
		if (access(kubeconfig, R_OK) < 0) {
			error = lb_error_errno(errno, "cannot read kubeconfig %s", kubeconfig);
			goto done;
		}
		if ((error = merge_file(&m, kubeconfig)) < 0)
			goto done;
		files = 1;
	} else if (env && *env) {
		char *list = strdup(env), *save = NULL;
		for (char *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
			if (access(p, F_OK) < 0)
				continue; /* client-go skips missing files in $KUBECONFIG */
			if ((error = merge_file(&m, p)) < 0)
				break;
			files++;
		}
		free(list);
		if (error < 0)
			goto done;
		if (!files) {
			error = lb_error_set(LB_ENOTFOUND,
			                     "none of the files in KUBECONFIG=%s exists: point "
			                     "KUBECONFIG or --kubeconfig at a kubeconfig file",
			                     env);
			goto done;
		}
	} else {
		const char *home = getenv("HOME");
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/.kube/config", home ? home : "");
		if (home && access(path, F_OK) == 0) {
			if ((error = merge_file(&m, path)) < 0)
				goto done;
			files = 1;
		} else if (getenv("KUBERNETES_SERVICE_HOST")) {
			error = lb_kube__config_in_cluster(cfg_out);
			goto done;
		} else {
			error = lb_error_set(LB_ENOTFOUND,
			                     "no kubeconfig: ~/.kube/config does not exist and "
			                     "KUBECONFIG is not set; pass --kubeconfig FILE");
			goto done;
		}
	}
	if ((error = resolve(&m, context, &cfg)) < 0)
		goto done;
	*cfg_out = cfg;
	memset(&cfg, 0, sizeof(cfg));
done:
	lb_kube__config_dispose(&cfg);
	cJSON_Delete(m.clusters);
	cJSON_Delete(m.users);
	cJSON_Delete(m.contexts);
	free(m.current_context);
	lb_buf_dispose(&m.paths);
	return error;
}

static int
read_small_file(const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	lb_buf b = LB_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return lb_error_errno(errno, "cannot read %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		lb_buf_put(&b, chunk, n);
	fclose(f);
	while (b.len &&
	       (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r' || b.ptr[b.len - 1] == ' '))
		b.ptr[--b.len] = '\0';
	*out = lb_buf_detach(&b);
	return 0;
}

int
lb_kube__config_in_cluster(lb_kube_config *cfg_out)
{
	const char *dir = getenv("LB_KUBE_SERVICEACCOUNT_DIR");
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	lb_kube_config cfg = {0};
	char path[PATH_MAX];
	int error = 0;

	if (!dir || !*dir)
		dir = "/var/run/secrets/kubernetes.io/serviceaccount";
	if (!host || !*host || !port || !*port)
		return lb_error_set(LB_ENOTFOUND,
		                    "not running in a cluster: KUBERNETES_SERVICE_HOST and "
		                    "KUBERNETES_SERVICE_PORT are not set; pass --kubeconfig FILE");
	snprintf(path, sizeof(path), "%s/token", dir);
	if (access(path, R_OK) < 0) {
		error = lb_error_errno(
		    errno, "in-cluster config: cannot read the service account token %s", path);
		goto done;
	}
	cfg.token_file = strdup(path);
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	if (access(path, R_OK) == 0)
		cfg.ca_file = strdup(path);
	snprintf(path, sizeof(path), "%s/namespace", dir);
	if (access(path, R_OK) == 0)
		read_small_file(path, &cfg.ns);
	if (asprintf(&cfg.server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
	             port) < 0) {
		error = LB_ENOMEM;
		goto done;
	}
	cfg.config_path = strdup("in-cluster");
	cfg.context = strdup("");
	cfg.cluster = strdup("");
	cfg.user = strdup("serviceaccount");
	*cfg_out = cfg;
	memset(&cfg, 0, sizeof(cfg));
done:
	lb_kube__config_dispose(&cfg);
	return error;
}

static void
free_strv(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void
lb_kube__config_dispose(lb_kube_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->config_path);
	free(cfg->context);
	free(cfg->cluster);
	free(cfg->user);
	free(cfg->ns);
	free(cfg->server);
	free(cfg->ca_file);
	free(cfg->ca_data);
	free(cfg->tls_server_name);
	free(cfg->token);
	free(cfg->token_file);
	free(cfg->cert_file);
	free(cfg->key_file);
	free(cfg->cert_data);
	free(cfg->key_data);
	if (cfg->exec) {
		free(cfg->exec->api_version);
		free(cfg->exec->command);
		free(cfg->exec->install_hint);
		free_strv(cfg->exec->args);
		free_strv(cfg->exec->env);
		free(cfg->exec);
	}
	memset(cfg, 0, sizeof(*cfg));
}
