/* lb_kube_client: the resolved config, the rate limiter and a pool of idle curl easy
 * handles (one per concurrent request; each keeps its own keep-alive connections). */
#include "kube_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/time.h"

#ifndef LB_VERSION
#define LB_VERSION "0.1.0"
#endif

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
}

/* For tls-server-name: talk to https://<name>:<port>/<prefix> and let CONNECT_TO route the
 * connection to the real host; the Host header keeps the real address. */
static int
setup_url(lb_kube_client *c)
{
	const char *s = c->cfg.server;
	const char *hp, *end, *colon;
	char host[256], port[16];
	size_t hl;

	c->is_https = !strncmp(s, "https://", 8);
	if (!c->is_https && strncmp(s, "http://", 7) != 0)
		return lb_error_set(LB_EINVAL,
		                    "kubeconfig %s: cluster '%s' server '%s' is not an http:// or "
		                    "https:// URL",
		                    c->cfg.config_path, c->cfg.cluster ? c->cfg.cluster : "", s);
	if (!c->cfg.tls_server_name || !c->is_https) {
		c->url_base = strdup(s);
		return c->url_base ? 0 : LB_ENOMEM;
	}
	hp = s + 8;
	end = strchr(hp, '/');
	if (!end)
		end = hp + strlen(hp);
	colon = hp[0] == '[' ? strchr(hp, ']') : hp;
	colon = colon ? memchr(colon, ':', (size_t) (end - colon)) : NULL;
	hl = (size_t) ((colon ? colon : end) - hp);
	if (hl >= sizeof(host))
		return lb_error_set(LB_EINVAL, "server '%s': host name too long", s);
	memcpy(host, hp, hl);
	host[hl] = '\0';
	snprintf(port, sizeof(port), "%.*s", colon ? (int) (end - colon - 1) : 3,
	         colon ? colon + 1 : "443");
	if (asprintf(&c->url_base, "https://%s:%s%s", c->cfg.tls_server_name, port, end) < 0 ||
	    asprintf(&c->connect_to, "%s:%s:%s:%s", c->cfg.tls_server_name, port, host, port) < 0 ||
	    asprintf(&c->host_header, "Host: %s:%s", host, port) < 0)
		return LB_ENOMEM;
	return 0;
}

int
lb_kube_client_new(const lb_kube_options *opts, lb_kube_client **client_out)
{
	lb_kube_options def = {0};
	lb_kube_client *c;
	int error;

	pthread_once(&curl_once, curl_init_once);
	if (!opts)
		opts = &def;
	c = calloc(1, sizeof(*c));
	if (!c)
		return LB_ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->qps = opts->qps > 0 ? opts->qps : 50;
	c->burst = opts->burst > 0 ? opts->burst : 100;
	if (opts->qps < 0)
		c->qps = 0; /* unlimited */
	c->page_size = opts->page_size > 0 ? opts->page_size : 500;
	c->timeout_ms = opts->timeout_ms == 0 ? 60000 : opts->timeout_ms;
	c->max_retries =
	    opts->max_retries == 0 ? 5 : (opts->max_retries < 0 ? 0 : opts->max_retries);
	c->user_agent = strdup(opts->user_agent ? opts->user_agent : "lifeboat/" LB_VERSION);
	lb_kube__ratelimit_init(&c->rl, c->qps, c->burst, lb_now_ms());
	if ((error = lb_kube__config_load(opts->kubeconfig, opts->context, opts->in_cluster,
	                                  &c->cfg)) < 0)
		goto done;
	if ((error = setup_url(c)) < 0)
		goto done;
done:
	if (error < 0) {
		lb_kube_client_free(c);
		return error;
	}
	*client_out = c;
	return 0;
}

void
lb_kube_client_free(lb_kube_client *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->handle_count; i++)
		curl_easy_cleanup(c->handles[i]);
	free(c->handles);
	lb_kube__config_dispose(&c->cfg);
	lb_kube__exec_cred_dispose(&c->cred);
	free(c->file_token);
	free(c->user_agent);
	free(c->url_base);
	free(c->connect_to);
	free(c->host_header);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->rl.lock);
	free(c);
}

const char *
lb_kube_client_server(const lb_kube_client *c)
{
	return c && c->cfg.server ? c->cfg.server : "";
}

const char *
lb_kube_client_config_path(const lb_kube_client *c)
{
	return c && c->cfg.config_path ? c->cfg.config_path : "";
}

const char *
lb_kube_client_context(const lb_kube_client *c)
{
	return c && c->cfg.context ? c->cfg.context : "";
}

const char *
lb_kube_client_user(const lb_kube_client *c)
{
	return c && c->cfg.user ? c->cfg.user : "";
}
