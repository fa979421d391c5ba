/*
 * The client: options, key, one curl handle (connections reused) and the cached OAuth2
 * token of the service-account (jwt-bearer) flow.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "gcs_internal.h"

int
lb_gcs_client_new(lb_gcs_options *opts, lb_gcs_key *key, lb_gcs_client **out, lb_gcs_op *op)
{
	lb_gcs_client *c = calloc(1, sizeof(*c));
	if (c == NULL || (c->curl = curl_easy_init()) == NULL) {
		free(c);
		return lb_psup_fail(op, LB_ENOMEM, "out of memory creating the GCS client");
	}
	c->o = *opts;
	memset(opts, 0, sizeof(*opts));
	if (key && key->pkey) {
		c->key = *key;
		c->has_key = 1;
		memset(key, 0, sizeof(*key));
	}
	*out = c;
	return 0;
}

void
lb_gcs_client_free(lb_gcs_client *c)
{
	if (c == NULL)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	lb_gcs_options_free(&c->o);
	lb_gcs_key_free(&c->key);
	if (c->token)
		memset(c->token, 0, strlen(c->token));
	free(c->token);
	free(c);
}

char *
lb_gcs_object_url(const lb_gcs_client *c, const char *api, const char *bucket, const char *name)
{
	char *b = lb_psup_pct_encode(bucket, 0), *n = name ? lb_psup_pct_encode(name, 0) : NULL,
	     *url = NULL;
	if (b && (name == NULL || n)) {
		size_t len =
		    strlen(c->o.endpoint) + strlen(api) + strlen(b) + (n ? strlen(n) : 0) + 32;
		if ((url = malloc(len)) != NULL)
			snprintf(url, len, "%s%s/b/%s/o%s%s", c->o.endpoint, api, b, n ? "/" : "",
			         n ? n : "");
	}
	free(b);
	free(n);
	return url;
}

/* The token endpoint's refusal: {"error":"invalid_grant","error_description":"..."}. */
static int
token_refused(lb_gcs_client *c, lb_gcs_op *op, const lb_gcs_req *r)
{
	cJSON *root = r->resp ? cJSON_Parse(r->resp) : NULL;
	const cJSON *e = root ? cJSON_GetObjectItemCaseSensitive(root, "error") : NULL;
	const cJSON *d = root ? cJSON_GetObjectItemCaseSensitive(root, "error_description") : NULL;
	char why[400];
	int code = r->status == 400 || r->status == 401 || r->status == 403 ? LB_EAUTH : LB_EAGAIN;
	if (cJSON_IsString(e))
		snprintf(why, sizeof(why), "%s%s%s%s", e->valuestring,
		         cJSON_IsString(d) ? " (" : "", cJSON_IsString(d) ? d->valuestring : "",
		         cJSON_IsString(d) ? ")" : "");
	else
		snprintf(why, sizeof(why), "HTTP %ld", r->status);
	cJSON_Delete(root);
	if (code == LB_EAUTH)
		return lb_psup_fail(
		    op, code, "service account %s was refused by %s: %s; check credentialsFile %s",
		    c->key.client_email, c->key.token_uri, why, c->key.source);
	return lb_psup_fail(op, code, "token request for %s to %s failed: %s; try again later",
	                    c->key.client_email, c->key.token_uri, why);
}

int
lb_gcs_token(lb_gcs_client *c, lb_gcs_op *op, int force, const char **token_out)
{
	char *jwt = NULL, *body = NULL, *assertion = NULL;
	lb_gcs_req r;
	char what[300];
	cJSON *root = NULL;
	int error = 0;
	int64_t now = lb_gcs_now_ms();
	if (!force && c->token && now < c->token_exp_ms) {
		*token_out = c->token;
		return 0;
	}
	snprintf(what, sizeof(what), "token request for %s to %s", c->key.client_email,
	         c->key.token_uri);
	lb_gcs_req_init(&r, "POST", c->key.token_uri, what);
	if ((error = lb_gcs_jwt(&c->key, LB_GCS_SCOPE, now / 1000, &jwt, op)) < 0)
		goto done;
	if ((assertion = lb_psup_pct_encode(jwt, 0)) == NULL ||
	    (body = malloc(strlen(assertion) + 128)) == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	sprintf(body,
	        "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
	        "&assertion=%s",
	        assertion);
	r.body = body;
	r.body_len = strlen(body);
	r.content_type = "application/x-www-form-urlencoded";
	r.no_auth = 1;
	if ((error = lb_gcs_http(c, op, &r)) < 0)
		goto done;
	if (r.status != 200) {
		error = token_refused(c, op, &r);
		goto done;
	}
	root = cJSON_Parse(r.resp ? r.resp : "");
	const cJSON *tok = root ? cJSON_GetObjectItemCaseSensitive(root, "access_token") : NULL;
	const cJSON *exp = root ? cJSON_GetObjectItemCaseSensitive(root, "expires_in") : NULL;
	if (!cJSON_IsString(tok) || tok->valuestring[0] == '\0') {
		error = lb_psup_fail(op, LB_EPROTO, "%s: the answer has no access_token", what);
		goto done;
	}
	if (c->token)
		memset(c->token, 0, strlen(c->token));
	free(c->token);
	if ((c->token = strdup(tok->valuestring)) == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	/* Refresh a minute early so a token never expires in flight. */
	int64_t life_s = cJSON_IsNumber(exp) ? (int64_t) exp->valuedouble : 3600;
	c->token_exp_ms = now + (life_s > 120 ? life_s - 60 : life_s / 2) * 1000;
	lb_psup_logf(op, LB_LOG_DEBUG, "token for %s valid %" PRId64 " s", c->key.client_email,
	             life_s);
	*token_out = c->token;
done:
	cJSON_Delete(root);
	if (jwt)
		memset(jwt, 0, strlen(jwt));
	free(jwt);
	free(assertion);
	free(body);
	lb_gcs_req_free(&r);
	return error;
}

int
lb_gcs_client_sign_url(lb_gcs_client *c,
                       lb_gcs_op *op,
                       const char *bucket,
                       const char *name,
                       int64_t ttl_ms,
                       char **url_out)
{
	if (!c->has_key)
		return lb_psup_fail(
		    op, LB_EUNSUPPORTED,
		    "signed URLs need a service-account key with a private key; set "
		    "credentialsFile (signing through the IAM signBlob API is not "
		    "supported)");
	if (c->o.service_account && strcmp(c->o.service_account, c->key.client_email) != 0)
		return lb_psup_fail(
		    op, LB_EUNSUPPORTED,
		    "serviceAccount %s differs from the key's %s; signing as another "
		    "account needs the IAM signBlob API, which is not supported",
		    c->o.service_account, c->key.client_email);
	return lb_gcs_sign_url(&c->o, &c->key, op, bucket, name, ttl_ms, 0, url_out);
}
