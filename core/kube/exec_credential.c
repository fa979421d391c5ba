/* exec credential plugins (client.authentication.k8s.io v1 and v1beta1 ExecCredential):
 * run the command with posix_spawn (safe in a threaded process), KUBERNETES_EXEC_INFO in
 * its environment, read its stdout, and take status.{token, clientCertificateData,
 * clientKeyData, expirationTimestamp}. The client caches the answer until it expires. */
#include "kube_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/error.h"
#include "util/time.h"

#define MAX_OUTPUT (1024 * 1024)

extern char **environ;

time_t
lb_kube__parse_rfc3339(const char *s)
{
	struct tm tm = {0};
	const char *p;
	time_t t;

	if (!s)
		return -1;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	t = timegm(&tm);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return -1;
		t += (*p == '+' ? -1 : 1) * (hh * 3600 + mm * 60);
		p += 6;
	} else {
		return -1;
	}
	return *p ? -1 : t;
}

static char *
exec_info(const lb_kube_exec_spec *spec, const lb_kube_config *cfg)
{
	cJSON *root = cJSON_CreateObject(), *sp, *cl;
	char *out = NULL;

	if (!root)
		return NULL;
	cJSON_AddStringToObject(root, "apiVersion", spec->api_version);
	cJSON_AddStringToObject(root, "kind", "ExecCredential");
	sp = cJSON_AddObjectToObject(root, "spec");
	cJSON_AddBoolToObject(sp, "interactive", 0);
	if (spec->provide_cluster_info && cfg) {
		cl = cJSON_AddObjectToObject(sp, "cluster");
		cJSON_AddStringToObject(cl, "server", cfg->server ? cfg->server : "");
		if (cfg->tls_server_name)
			cJSON_AddStringToObject(cl, "tls-server-name", cfg->tls_server_name);
		if (cfg->insecure)
			cJSON_AddBoolToObject(cl, "insecure-skip-tls-verify", 1);
		if (cfg->ca_data) {
			/* PEM as the raw bytes, base64 like the kubeconfig field */
			static const char tbl[] =
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
			size_t n = cfg->ca_data_len, o = 0;
			char *b64 = malloc((n + 2) / 3 * 4 + 1);
			const unsigned char *d = (const unsigned char *) cfg->ca_data;
			if (b64) {
				for (size_t i = 0; i < n; i += 3) {
					unsigned v = d[i] << 16;
					if (i + 1 < n)
						v |= d[i + 1] << 8;
					if (i + 2 < n)
						v |= d[i + 2];
					b64[o++] = tbl[(v >> 18) & 63];
					b64[o++] = tbl[(v >> 12) & 63];
					b64[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
					b64[o++] = i + 2 < n ? tbl[v & 63] : '=';
				}
				b64[o] = '\0';
				cJSON_AddStringToObject(cl, "certificate-authority-data", b64);
				free(b64);
			}
		}
	}
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

static int
parse_cred(const lb_kube_exec_spec *spec, const char *out, lb_kube_exec_cred *cred)
{
	cJSON *doc = cJSON_Parse(out);
	const cJSON *st, *v;
	const char *api;
	int error = 0;

	if (!doc || !cJSON_IsObject(doc)) {
		error = lb_error_set(LB_EPROTO,
		                     "exec credential plugin %s printed no JSON ExecCredential",
		                     spec->command);
		goto done;
	}
	api = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "apiVersion"));
	if (!api || strcmp(api, spec->api_version) != 0) {
		error = lb_error_set(LB_EPROTO,
		                     "exec credential plugin %s answered apiVersion '%s', but the "
		                     "kubeconfig asks for '%s'",
		                     spec->command, api ? api : "", spec->api_version);
		goto done;
	}
	st = cJSON_GetObjectItemCaseSensitive(doc, "status");
	if (!cJSON_IsObject(st)) {
		error = lb_error_set(LB_EPROTO,
		                     "exec credential plugin %s printed an ExecCredential without "
		                     "status",
		                     spec->command);
		goto done;
	}
	v = cJSON_GetObjectItemCaseSensitive(st, "token");
	if (cJSON_IsString(v) && *v->valuestring)
		cred->token = strdup(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(st, "clientCertificateData");
	if (cJSON_IsString(v) && *v->valuestring)
		cred->cert_data = strdup(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(st, "clientKeyData");
	if (cJSON_IsString(v) && *v->valuestring)
		cred->key_data = strdup(v->valuestring);
	if (!cred->token && !(cred->cert_data && cred->key_data)) {
		error = lb_error_set(LB_EPROTO,
		                     "exec credential plugin %s gave neither status.token nor "
		                     "clientCertificateData and clientKeyData",
		                     spec->command);
		goto done;
	}
	v = cJSON_GetObjectItemCaseSensitive(st, "expirationTimestamp");
	if (cJSON_IsString(v)) {
		cred->expires = lb_kube__parse_rfc3339(v->valuestring);
		if (cred->expires == (time_t) -1) {
			error =
			    lb_error_set(LB_EPROTO,
			                 "exec credential plugin %s: expirationTimestamp '%s' is "
			                 "not RFC 3339",
			                 spec->command, v->valuestring);
			goto done;
		}
	}
done:
	if (error < 0)
		lb_kube__exec_cred_dispose(cred);
	cJSON_Delete(doc);
	return error;
}

int
lb_kube__exec_run(const lb_kube_exec_spec *spec,
                  const lb_kube_config *cfg,
                  int64_t timeout_ms,
                  lb_kube_exec_cred *cred_out)
{
	int outp[2] = {-1, -1}, errp[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	char **argv = NULL, **envp = NULL, *info = NULL, *info_env = NULL;
	size_t nargs = 0, nenv = 0, nenv_spec = 0, k = 0;
	lb_buf out = LB_BUF_INIT, err = LB_BUF_INIT;
	lb_kube_exec_cred cred = {0};
	lb_deadline dl = lb_deadline_in(timeout_ms > 0 ? timeout_ms : 60000);
	pid_t pid = -1;
	int status = 0, error = 0, fa_init = 0;

	while (spec->args && spec->args[nargs])
		nargs++;
	while (environ[nenv])
		nenv++;
	while (spec->env && spec->env[nenv_spec])
		nenv_spec++;
	argv = calloc(nargs + 2, sizeof(char *));
	envp = calloc(nenv + nenv_spec + 2, sizeof(char *));
	info = exec_info(spec, cfg);
	if (!argv || !envp || !info || asprintf(&info_env, "KUBERNETES_EXEC_INFO=%s", info) < 0) {
		error = LB_ENOMEM;
		goto done;
	}
	argv[0] = spec->command;
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = spec->args[i];
	/* the plugin's env entries override ours of the same name */
	for (size_t i = 0; i < nenv; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nl = eq ? (size_t) (eq - environ[i]) : strlen(environ[i]);
		int shadowed = !strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21);
		for (size_t j = 0; j < nenv_spec && !shadowed; j++)
			shadowed =
			    !strncmp(spec->env[j], environ[i], nl) && spec->env[j][nl] == '=';
		if (!shadowed)
			envp[k++] = environ[i];
	}
	for (size_t j = 0; j < nenv_spec; j++)
		envp[k++] = spec->env[j];
	envp[k++] = info_env;

	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		error = lb_error_errno(errno, "exec credential plugin %s: pipe", spec->command);
		goto done;
	}
	posix_spawn_file_actions_init(&fa);
	fa_init = 1;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	error = strchr(spec->command, '/')
	            ? posix_spawn(&pid, spec->command, &fa, NULL, argv, envp)
	            : posix_spawnp(&pid, spec->command, &fa, NULL, argv, envp);
	if (error) {
		pid = -1;
		error = lb_error_set(
		    LB_ENOTFOUND,
		    "cannot run exec credential plugin '%s' (user '%s' in kubeconfig "
		    "%s): %s%s%s",
		    spec->command, cfg && cfg->user ? cfg->user : "",
		    cfg && cfg->config_path ? cfg->config_path : "", strerror(error),
		    spec->install_hint ? ": " : "", spec->install_hint ? spec->install_hint : "");
		goto done;
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;

	while (outp[0] >= 0 || errp[0] >= 0) {
		struct pollfd pf[2] = {{outp[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
		int r = poll(pf, 2, lb_deadline_poll_ms(dl));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			kill(pid, SIGKILL);
			error = lb_error_set(
			    LB_ETIMEDOUT, "exec credential plugin %s did not finish within %lld ms",
			    spec->command, (long long) (timeout_ms > 0 ? timeout_ms : 60000));
			goto done;
		}
		for (int i = 0; i < 2; i++) {
			char chunk[4096];
			ssize_t n;
			int *fd = i == 0 ? &outp[0] : &errp[0];
			lb_buf *b = i == 0 ? &out : &err;
			if (*fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(*fd, chunk, sizeof(chunk));
			if (n <= 0) {
				close(*fd);
				*fd = -1;
			} else if (b->len < MAX_OUTPUT) {
				lb_buf_put(b, chunk, (size_t) n);
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (err.len && (err.ptr[err.len - 1] == '\n'))
			err.ptr[--err.len] = '\0';
		error =
		    lb_error_set(LB_EAUTH,
		                 "exec credential plugin %s (user '%s' in kubeconfig %s) failed "
		                 "with status %d: %s",
		                 spec->command, cfg && cfg->user ? cfg->user : "",
		                 cfg && cfg->config_path ? cfg->config_path : "",
		                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
		                 err.len ? err.ptr : "(no output on stderr)");
		goto done;
	}
	if ((error = parse_cred(spec, out.ptr ? out.ptr : "", &cred)) < 0)
		goto done;
	*cred_out = cred;
done:
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	lb_buf_dispose(&out);
	lb_buf_dispose(&err);
	free(argv);
	free(envp);
	free(info);
	free(info_env);
	return error;
}

void
lb_kube__exec_cred_dispose(lb_kube_exec_cred *cred)
{
	if (!cred)
		return;
	free(cred->token);
	free(cred->cert_data);
	free(cred->key_data);
	memset(cred, 0, sizeof(*cred));
}
