/* One request to the API server: rate limit, credentials, TLS, retries of 429/5xx with
 * backoff honouring Retry-After, and the answer's Status mapped to an lb error. */
#include "kube_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "util/log.h"
#include "util/time.h"

#define MAX_ERROR_BODY (64 * 1024)
#define TOKEN_FILE_TTL_MS 60000 /* client-go re-reads a tokenFile once a minute */

static __thread lb_kube_status last_status;

const lb_kube_status *
lb_kube_last_status(void)
{
	return &last_status;
}

void
lb_kube__set_status(long http_status, const char *reason, const char *message)
{
	last_status.http_status = (int) http_status;
	snprintf(last_status.reason, sizeof(last_status.reason), "%s", reason ? reason : "");
	snprintf(last_status.message, sizeof(last_status.message), "%s", message ? message : "");
}

int
lb_kube__urlencode(lb_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int error = 0;

	for (; *s && error == 0; s++) {
		unsigned char ch = (unsigned char) *s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			error = lb_buf_put(b, s, 1);
		} else {
			char enc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
			error = lb_buf_put(b, enc, 3);
		}
	}
	return error;
}

static const char *
reason_for(long code)
{
	switch (code) {
	case 400:
		return "BadRequest";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "NotFound";
	case 405:
		return "MethodNotAllowed";
	case 409:
		return "Conflict";
	case 410:
		return "Expired";
	case 415:
		return "UnsupportedMediaType";
	case 422:
		return "Invalid";
	case 429:
		return "TooManyRequests";
	case 500:
		return "InternalError";
	case 503:
		return "ServiceUnavailable";
	case 504:
		return "Timeout";
	default:
		return "";
	}
}

static const char *
cred_hint(const lb_kube_client *c)
{
	if (c->cfg.exec)
		return "check the exec credential plugin and that its user may log in";
	if (c->cfg.cert_data || c->cfg.cert_file)
		return "check the client certificate and key";
	if (c->cfg.token || c->cfg.token_file)
		return "check the token";
	return "the kubeconfig user has no credentials: add a token, client certificate or "
	       "exec plugin";
}

int
lb_kube__map_error(lb_kube_client *c, const char *what, long code, const char *body)
{
	cJSON *st = body ? cJSON_Parse(body) : NULL;
	const char *reason = NULL, *message = NULL;
	char snippet[200];
	int error;

	if (cJSON_IsObject(st)) {
		const char *kind =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "kind"));
		if (kind && !strcmp(kind, "Status")) {
			reason =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "reason"));
			message =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "message"));
		}
	}
	if (!reason || !*reason)
		reason = reason_for(code);
	if (!message || !*message) {
		size_t n = 0;
		if (body) {
			while (body[n] && n < sizeof(snippet) - 1 && body[n] != '\n')
				n++;
		}
		snprintf(snippet, sizeof(snippet), "the server answered HTTP %ld%s%.*s", code,
		         n ? ": " : "", (int) n, body ? body : "");
		message = snippet;
	}
	lb_kube__set_status(code, reason, message);

	switch (code) {
	case 400:
	case 422:
		error = LB_EINVAL;
		break;
	case 401:
		error = LB_EAUTH;
		break;
	case 403:
		error = LB_EPERM;
		break;
	case 404:
		error = LB_ENOTFOUND;
		break;
	case 405:
	case 415:
		error = LB_EUNSUPPORTED;
		break;
	case 409:
		error = !strcmp(reason, "AlreadyExists") ? LB_EEXISTS : LB_ECONFLICT;
		break;
	case 410:
	case 429:
		error = LB_EAGAIN;
		break;
	default:
		error = code >= 500 ? LB_EAGAIN : LB_ERROR;
		break;
	}
	if (code == 401) {
		error = lb_error_set(error,
		                     "the server at %s refused the credentials of user '%s' in "
		                     "kubeconfig %s (401 Unauthorized): %s",
		                     c->cfg.server, c->cfg.user ? c->cfg.user : "",
		                     c->cfg.config_path ? c->cfg.config_path : "", cred_hint(c));
	} else if (what) {
		error = lb_error_set(error, "%s: %s", what, message);
	} else {
		error = lb_error_set(error, "%s", message);
	}
	cJSON_Delete(st);
	return error;
}

/* The bearer token and client certificate for this request (exec plugin or tokenFile
 * answers are cached). Copies under the lock so another thread may refresh meanwhile. */
static int
credentials(lb_kube_client *c, char **token_out, char **cert_out, char **key_out)
{
	int error = 0;

	pthread_mutex_lock(&c->lock);
	if (c->cfg.exec) {
		time_t now = time(NULL);
		if (c->have_cred && c->cred.expires && now + 10 >= c->cred.expires) {
			lb_kube__exec_cred_dispose(&c->cred);
			c->have_cred = 0;
		}
		if (!c->have_cred) {
			if ((error = lb_kube__exec_run(c->cfg.exec, &c->cfg, 60000, &c->cred)) < 0)
				goto done;
			c->have_cred = 1;
		}
		*token_out = c->cred.token ? strdup(c->cred.token) : NULL;
		*cert_out = c->cred.cert_data ? strdup(c->cred.cert_data) : NULL;
		*key_out = c->cred.key_data ? strdup(c->cred.key_data) : NULL;
	} else if (c->cfg.token) {
		*token_out = strdup(c->cfg.token);
	} else if (c->cfg.token_file) {
		int64_t now = lb_now_ms();
		if (!c->file_token || now - c->file_token_read_ms > TOKEN_FILE_TTL_MS) {
			FILE *f = fopen(c->cfg.token_file, "r");
			char buf[16384];
			size_t n;
			if (!f) {
				error = lb_error_errno(errno,
				                       "cannot read tokenFile %s of user '%s' in "
				                       "kubeconfig %s",
				                       c->cfg.token_file, c->cfg.user,
				                       c->cfg.config_path);
				goto done;
			}
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
				n--;
			buf[n] = '\0';
			free(c->file_token);
			c->file_token = strdup(buf);
			c->file_token_read_ms = now;
		}
		*token_out = strdup(c->file_token);
	}
done:
	pthread_mutex_unlock(&c->lock);
	return error;
}

static void
forget_exec_cred(lb_kube_client *c)
{
	pthread_mutex_lock(&c->lock);
	lb_kube__exec_cred_dispose(&c->cred);
	c->have_cred = 0;
	pthread_mutex_unlock(&c->lock);
}

static CURL *
handle_get(lb_kube_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->handle_count)
		h = c->handles[--c->handle_count];
	pthread_mutex_unlock(&c->lock);
	if (h)
		curl_easy_reset(h); /* keeps the connection cache */
	else
		h = curl_easy_init();
	return h;
}

static void
handle_put(lb_kube_client *c, CURL *h)
{
	pthread_mutex_lock(&c->lock);
	if (c->handle_count == c->handle_cap) {
		size_t cap = c->handle_cap ? c->handle_cap * 2 : 8;
		CURL **n = realloc(c->handles, cap * sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&c->lock);
			curl_easy_cleanup(h);
			return;
		}
		c->handles = n;
		c->handle_cap = cap;
	}
	c->handles[c->handle_count++] = h;
	pthread_mutex_unlock(&c->lock);
}

typedef struct sink {
	CURL *h;
	const lb_kube_http_req *req;
	lb_buf *body;
	long code;
	int streamed;
} sink;

static size_t
on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	sink *s = ud;
	size_t n = size * nmemb;

	if (!s->code)
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->code);
	if (s->req->stream_fn && s->code >= 200 && s->code < 300) {
		s->streamed = 1;
		return s->req->stream_fn(data, size, nmemb, s->req->stream_ud);
	}
	if (s->req->stream_fn && s->body->len > MAX_ERROR_BODY)
		return n;
	return lb_buf_put(s->body, data, n) < 0 ? 0 : n;
}

static int
on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c_, curl_off_t d)
{
	const lb_kube_http_req *req = ud;
	(void) a;
	(void) b;
	(void) c_;
	(void) d;
	return req->stop && *req->stop ? 1 : 0;
}

static int
transport_error(lb_kube_client *c,
                const lb_kube_http_req *req,
                CURLcode rc,
                const char *detail,
                int64_t timeout_ms)
{
	const char *msg = detail && *detail ? detail : curl_easy_strerror(rc);

	lb_kube__set_status(0, "", msg);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return lb_error_set(LB_ETIMEDOUT,
		                    "%s%sthe server at %s did not answer within %lld ms (context "
		                    "'%s' in kubeconfig %s): check that the cluster is healthy",
		                    req->what ? req->what : "", req->what ? ": " : "",
		                    c->cfg.server, (long long) timeout_ms, c->cfg.context,
		                    c->cfg.config_path);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CONNECT_ERROR:
		return lb_error_set(LB_EAUTH,
		                    "TLS with the server at %s failed (cluster '%s' in kubeconfig "
		                    "%s): %s: check certificate-authority, tls-server-name and the "
		                    "client certificate",
		                    c->cfg.server, c->cfg.cluster, c->cfg.config_path, msg);
	default:
		return lb_error_set(
		    LB_EIO,
		    "cannot reach the server at %s (context '%s' in kubeconfig %s): "
		    "%s: check that the cluster is running and the server address is "
		    "right",
		    c->cfg.server, c->cfg.context, c->cfg.config_path, msg);
	}
}

static int
retryable_transport(CURLcode rc, const char *method)
{
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
		return 1; /* nothing was sent */
	if (strcmp(method, "GET") != 0)
		return 0;
	return rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
	       rc == CURLE_PARTIAL_FILE;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0)
		;
}

int
lb_kube__http(lb_kube_client *c, const lb_kube_http_req *req, lb_buf *resp)
{
	lb_buf body = LB_BUF_INIT, url = LB_BUF_INIT, auth = LB_BUF_INIT;
	char *token = NULL, *cert = NULL, *key = NULL;
	char errbuf[CURL_ERROR_SIZE];
	int64_t timeout_ms = req->timeout_ms ? req->timeout_ms : c->timeout_ms;
	int error = 0, attempt = 0, auth_retried = 0;
	CURL *h = NULL;

	if ((error = lb_buf_printf(&url, "%s%s", c->url_base, req->path)) < 0)
		goto done;
	if (!(h = handle_get(c))) {
		error = lb_error_set(LB_ENOMEM, "cannot create a curl handle");
		goto done;
	}
	for (;;) {
		struct curl_slist *hdrs = NULL, *connect_to = NULL;
		struct curl_blob ca_blob, cert_blob, key_blob;
		sink s = {h, req, &body, 0, 0};
		curl_off_t retry_after = -1;
		CURLcode rc;

		lb_buf_clear(&body);
		lb_buf_clear(&auth);
		free(token);
		free(cert);
		free(key);
		token = cert = key = NULL;
		if ((error = credentials(c, &token, &cert, &key)) < 0)
			goto done;
		lb_kube__ratelimit_wait(&c->rl);

		curl_easy_reset(h);
		errbuf[0] = '\0';
		curl_easy_setopt(h, CURLOPT_URL, url.ptr);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
		curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
		                 timeout_ms > 0 && timeout_ms < 30000 ? (long) timeout_ms : 30000L);
		if (timeout_ms > 0)
			curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
		if (req->stop) {
			curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
			curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
			curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *) req);
		}
		if (!strcmp(req->method, "GET")) {
			curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		} else {
			if (strcmp(req->method, "POST") != 0)
				curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
			if (req->body || !strcmp(req->method, "POST")) {
				curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				                 (curl_off_t) (req->body ? req->body_len : 0));
				curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
			}
		}
		if (c->is_https) {
			if (c->cfg.insecure) {
				curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
				curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
			} else if (c->cfg.ca_data) {
				ca_blob = (struct curl_blob){c->cfg.ca_data, c->cfg.ca_data_len,
				                             CURL_BLOB_NOCOPY};
				curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca_blob);
			} else if (c->cfg.ca_file) {
				curl_easy_setopt(h, CURLOPT_CAINFO, c->cfg.ca_file);
			}
			if (c->connect_to) {
				connect_to = curl_slist_append(NULL, c->connect_to);
				curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
				hdrs = curl_slist_append(hdrs, c->host_header);
			}
			if (cert && key) {
				cert_blob =
				    (struct curl_blob){cert, strlen(cert), CURL_BLOB_NOCOPY};
				key_blob = (struct curl_blob){key, strlen(key), CURL_BLOB_NOCOPY};
				curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert_blob);
				curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key_blob);
				curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
			} else if (c->cfg.cert_data) {
				cert_blob = (struct curl_blob){
				    c->cfg.cert_data, c->cfg.cert_data_len, CURL_BLOB_NOCOPY};
				key_blob = (struct curl_blob){c->cfg.key_data, c->cfg.key_data_len,
				                              CURL_BLOB_NOCOPY};
				curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert_blob);
				curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key_blob);
				curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
			} else if (c->cfg.cert_file) {
				curl_easy_setopt(h, CURLOPT_SSLCERT, c->cfg.cert_file);
				curl_easy_setopt(h, CURLOPT_SSLKEY, c->cfg.key_file);
			}
			/* client-go sends bearer tokens only over TLS */
			if (token) {
				lb_buf_printf(&auth, "Authorization: Bearer %s", token);
				hdrs = curl_slist_append(hdrs, auth.ptr);
			}
		}
		hdrs = curl_slist_append(hdrs, "Expect:");
		{
			char line[256];
			snprintf(line, sizeof(line), "Accept: %s",
			         req->accept ? req->accept : "application/json");
			hdrs = curl_slist_append(hdrs, line);
			if (req->body || strcmp(req->method, "GET") != 0) {
				snprintf(line, sizeof(line), "Content-Type: %s",
				         req->content_type ? req->content_type
				                           : "application/json");
				hdrs = curl_slist_append(hdrs, line);
			}
		}
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

		rc = curl_easy_perform(h);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, NULL);
		curl_slist_free_all(hdrs);
		curl_slist_free_all(connect_to);
		if (!s.code)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &s.code);

		if (rc != CURLE_OK) {
			if (req->stream_fn && s.code >= 200 && s.code < 300 &&
			    (rc == CURLE_WRITE_ERROR || rc == CURLE_ABORTED_BY_CALLBACK ||
			     rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_PARTIAL_FILE ||
			     rc == CURLE_RECV_ERROR)) {
				lb_kube__set_status(s.code, "", "");
				break; /* the watch ended: stop, timeout or server closed */
			}
			if (rc == CURLE_ABORTED_BY_CALLBACK) {
				error = lb_error_set(LB_ECANCELED, "%s: stopped",
				                     req->what ? req->what : req->path);
				goto done;
			}
			if (!req->no_retry && attempt < c->max_retries &&
			    retryable_transport(rc, req->method)) {
				lb_log_debug("kube: %s %s: %s, retry %d", req->method, req->path,
				             errbuf[0] ? errbuf : curl_easy_strerror(rc),
				             attempt + 1);
				sleep_ms(lb_kube__backoff_ms(attempt++, -1));
				continue;
			}
			error = transport_error(c, req, rc, errbuf, timeout_ms);
			goto done;
		}
		if (s.code >= 200 && s.code < 300) {
			lb_kube__set_status(s.code, "", "");
			break;
		}
		if (s.code == 401 && c->cfg.exec && !auth_retried) {
			/* the cached credential may have been revoked: ask the plugin again */
			auth_retried = 1;
			forget_exec_cred(c);
			continue;
		}
		if ((s.code == 429 || s.code >= 500) && !req->no_retry &&
		    attempt < c->max_retries) {
			int64_t wait;
			curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after);
			wait = lb_kube__backoff_ms(attempt++,
			                           retry_after > 0 ? retry_after * 1000 : -1);
			lb_log_debug("kube: %s %s answered %ld, retry %d in %lld ms", req->method,
			             req->path, s.code, attempt, (long long) wait);
			sleep_ms(wait);
			continue;
		}
		error = lb_kube__map_error(c, req->what, s.code, body.ptr);
		goto done;
	}
	if (resp) {
		lb_buf_dispose(resp);
		*resp = body;
		memset(&body, 0, sizeof(body));
	}
done:
	if (h)
		handle_put(c, h);
	free(token);
	if (cert) {
		memset(cert, 0, strlen(cert));
		free(cert);
	}
	if (key) {
		memset(key, 0, strlen(key));
		free(key);
	}
	if (auth.ptr)
		memset(auth.ptr, 0, auth.len);
	lb_buf_dispose(&auth);
	lb_buf_dispose(&url);
	lb_buf_dispose(&body);
	return error;
}
