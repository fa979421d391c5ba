/* Shared inside core/kube only: the resolved connection config, the exec credential
 * plugin, the rate limiter and the HTTP layer. */
#ifndef LB_KUBE_KUBE_INTERNAL_H
#define LB_KUBE_KUBE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "kube.h"
#include "util/buf.h"

/* users[].user.exec */
typedef struct lb_kube_exec_spec {
	char *api_version; /* client.authentication.k8s.io/v1 or v1beta1 */
	char *command;
	char **args; /* NULL-terminated */
	char **env;  /* NULL-terminated "NAME=value" */
	int provide_cluster_info;
	char *install_hint;
} lb_kube_exec_spec;

/* What one context resolves to. Strings are heap-owned; NULL when absent. */
typedef struct lb_kube_config {
	char *config_path; /* the kubeconfig file(s) for messages ("a:b"), "in-cluster" */
	char *context;
	char *cluster;
	char *user;
	char *ns;     /* context namespace, or the service account's */
	char *server; /* without trailing '/' */
	char *ca_file;
	char *ca_data; /* PEM bytes (decoded from base64) */
	size_t ca_data_len;
	int insecure;
	char *tls_server_name;
	char *token;
	char *token_file;
	char *cert_file;
	char *key_file;
	char *cert_data;
	size_t cert_data_len;
	char *key_data;
	size_t key_data_len;
	lb_kube_exec_spec *exec;
} lb_kube_config;

/* Resolve @kubeconfig/@context the client-go way (see lb_kube_options). */
int lb_kube__config_load(const char *kubeconfig,
                         const char *context,
                         int in_cluster,
                         lb_kube_config *cfg_out);
/* The service-account config; the base dir is $LB_KUBE_SERVICEACCOUNT_DIR or
 * /var/run/secrets/kubernetes.io/serviceaccount. */
int lb_kube__config_in_cluster(lb_kube_config *cfg_out);
void lb_kube__config_dispose(lb_kube_config *cfg);
int lb_kube__base64_decode(const char *in, char **out, size_t *len_out);

/* An ExecCredential's status. */
typedef struct lb_kube_exec_cred {
	char *token;
	char *cert_data;
	char *key_data;
	time_t expires; /* wall clock seconds; 0: never */
} lb_kube_exec_cred;

/* Run the plugin and parse its ExecCredential. */
int lb_kube__exec_run(const lb_kube_exec_spec *spec,
                      const lb_kube_config *cfg,
                      int64_t timeout_ms,
                      lb_kube_exec_cred *cred_out);
void lb_kube__exec_cred_dispose(lb_kube_exec_cred *cred);
/* RFC 3339 to time_t; -1 if malformed. */
time_t lb_kube__parse_rfc3339(const char *s);

/* Token bucket. */
typedef struct lb_kube_ratelimit {
	pthread_mutex_t lock;
	double qps; /* <= 0: unlimited */
	double burst;
	double tokens;
	int64_t last_ms;
} lb_kube_ratelimit;

void lb_kube__ratelimit_init(lb_kube_ratelimit *rl, double qps, int burst, int64_t now_ms);
/* Take one token at @now_ms; returns how long the caller must wait first (ms, >= 0). */
int64_t lb_kube__ratelimit_reserve(lb_kube_ratelimit *rl, int64_t now_ms);
void lb_kube__ratelimit_wait(lb_kube_ratelimit *rl);

/* Backoff before retry @attempt (0-based): Retry-After wins when given (>= 0). */
int64_t lb_kube__backoff_ms(int attempt, int64_t retry_after_ms);

struct lb_kube_client {
	lb_kube_config cfg;
	double qps;
	int burst;
	int page_size;
	int64_t timeout_ms;
	int max_retries;
	char *user_agent;
	lb_kube_ratelimit rl;

	/* host/port of the server URL, and the URL base requests are built on */
	char *url_base;    /* server, or https://<tls-server-name>:port/prefix */
	char *connect_to;  /* CURLOPT_CONNECT_TO entry for tls-server-name, or NULL */
	char *host_header; /* "Host: host:port" for tls-server-name, or NULL */
	int is_https;

	pthread_mutex_t lock; /* handles, exec credential, token file cache */
	CURL **handles;       /* idle easy handles: each keeps its connections */
	size_t handle_count;
	size_t handle_cap;
	lb_kube_exec_cred cred; /* exec plugin cache */
	int have_cred;
	char *file_token; /* tokenFile cache */
	int64_t file_token_read_ms;
};

/* One request. */
typedef struct lb_kube_http_req {
	const char *method;
	const char *path;         /* with query */
	const char *content_type; /* for @body */
	const char *body;
	size_t body_len;
	const char *accept; /* NULL: application/json */
	const char *what;   /* "create configmaps/x in namespace demo", for messages */
	int64_t timeout_ms; /* 0: the client's */
	int no_retry;
	/* streaming: when set, 2xx bodies go here instead of @resp */
	size_t (*stream_fn)(char *data, size_t size, size_t nmemb, void *ud);
	void *stream_ud;
	volatile int *stop;
} lb_kube_http_req;

/* Send @req with rate limiting, credentials, retries; fill lb_kube_last_status(); on a
 * non-2xx answer return the mapped error with the server's message. @resp receives the
 * body on success (may be NULL). */
int lb_kube__http(lb_kube_client *c, const lb_kube_http_req *req, lb_buf *resp);
/* Map a finished answer to an error code and set the message ("<what>: <message>"). */
int lb_kube__map_error(lb_kube_client *c, const char *what, long http_status, const char *body);
void lb_kube__set_status(long http_status, const char *reason, const char *message);

/* "create configmaps/x in namespace demo", "list deployments.apps" (for messages). */
void lb_kube__describe(char *out,
                       size_t n,
                       const char *verb,
                       const lb_kube_gvr *gvr,
                       const char *ns,
                       const char *name,
                       const char *sub);
/* Append "?key=value" or "&key=value" (value percent-encoded) unless @value is NULL/"". */
int lb_kube__query_add(lb_buf *b, int *first, const char *key, const char *value);

/* Percent-encode @s into @b (query values). */
int lb_kube__urlencode(lb_buf *b, const char *s);

#endif
