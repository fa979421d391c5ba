/*
 * Service-account keys: the JSON file, its PEM private key, RSA-SHA256 signatures and the
 * RS256 JWT assertion of the OAuth2 jwt-bearer flow.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "gcs_internal.h"

#define KEY_FILE_MAX (64 * 1024)

void
lb_gcs_key_free(lb_gcs_key *k)
{
	free(k->client_email);
	free(k->private_key_id);
	free(k->token_uri);
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

static char *
json_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) && v->valuestring[0] ? strdup(v->valuestring) : NULL;
}

int
lb_gcs_key_parse(const char *json, const char *source, lb_gcs_key *out, lb_gcs_op *op)
{
	lb_gcs_key k = {0};
	cJSON *root = cJSON_Parse(json);
	const cJSON *type, *pem;
	BIO *bio = NULL;
	int error = 0;
	snprintf(k.source, sizeof(k.source), "%s", source);
	if (root == NULL || !cJSON_IsObject(root)) {
		error =
		    lb_psup_fail(op, LB_EINVAL,
		                 "credentialsFile %s is not JSON; expected a service-account key "
		                 "file from the Google Cloud console",
		                 source);
		goto done;
	}
	type = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (!cJSON_IsString(type) || strcmp(type->valuestring, "service_account") != 0) {
		error =
		    lb_psup_fail(op, LB_EINVAL,
		                 "credentialsFile %s has type '%s', not 'service_account'; only "
		                 "service-account keys are supported",
		                 source, cJSON_IsString(type) ? type->valuestring : "(missing)");
		goto done;
	}
	pem = cJSON_GetObjectItemCaseSensitive(root, "private_key");
	k.client_email = json_str(root, "client_email");
	k.private_key_id = json_str(root, "private_key_id");
	k.token_uri = json_str(root, "token_uri");
	if (k.client_email == NULL || !cJSON_IsString(pem)) {
		error =
		    lb_psup_fail(op, LB_EINVAL,
		                 "credentialsFile %s lacks %s; download a new key for the service "
		                 "account",
		                 source, k.client_email ? "private_key" : "client_email");
		goto done;
	}
	if (k.token_uri == NULL && (k.token_uri = strdup(LB_GCS_DEFAULT_TOKEN_URI)) == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	bio = BIO_new_mem_buf(pem->valuestring, -1);
	if (bio == NULL || (k.pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_base_id(k.pkey) != EVP_PKEY_RSA) {
		error = lb_psup_fail(
		    op, LB_EINVAL,
		    "credentialsFile %s: private_key is not an RSA private key in PEM", source);
		goto done;
	}
	*out = k;
	memset(&k, 0, sizeof(k));
done:
	BIO_free(bio);
	cJSON_Delete(root);
	lb_gcs_key_free(&k);
	return error;
}

int
lb_gcs_key_load(const char *path, lb_gcs_key *out, lb_gcs_op *op)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	int error;
	if (f == NULL)
		return lb_psup_fail(op, LB_EINVAL, "cannot open credentialsFile %s: %s", path,
		                    strerror(errno));
	if ((buf = malloc(KEY_FILE_MAX + 1)) == NULL) {
		error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
		goto done;
	}
	n = fread(buf, 1, KEY_FILE_MAX + 1, f);
	if (n > KEY_FILE_MAX) {
		error = lb_psup_fail(op, LB_EINVAL,
		                     "credentialsFile %s is larger than 64 KiB; not a key", path);
		goto done;
	}
	buf[n] = '\0';
	error = lb_gcs_key_parse(buf, path, out, op);
done:
	if (buf)
		memset(buf, 0, KEY_FILE_MAX + 1);
	free(buf);
	fclose(f);
	return error;
}

int
lb_gcs_rs256(const lb_gcs_key *k,
             const void *data,
             size_t len,
             unsigned char **sig_out,
             size_t *sig_len,
             lb_gcs_op *op)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t n = 0;
	int error = 0;
	if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &n, data, len) != 1 || (sig = malloc(n)) == NULL ||
	    EVP_DigestSign(md, sig, &n, data, len) != 1) {
		error = lb_psup_fail(op, LB_ERROR, "RSA-SHA256 signing with the key of %s failed",
		                     k->client_email);
		free(sig);
		goto done;
	}
	*sig_out = sig;
	*sig_len = n;
done:
	EVP_MD_CTX_free(md);
	return error;
}

int
lb_gcs_jwt(const lb_gcs_key *k, const char *scope, int64_t now, char **jwt_out, lb_gcs_op *op)
{
	cJSON *h = cJSON_CreateObject(), *c = cJSON_CreateObject();
	char *hs = NULL, *cs = NULL, *h64 = NULL, *c64 = NULL, *s64 = NULL, *input = NULL;
	unsigned char *sig = NULL;
	size_t sig_len = 0, n;
	int error = 0;
	if (h == NULL || c == NULL)
		goto nomem;
	cJSON_AddStringToObject(h, "alg", "RS256");
	cJSON_AddStringToObject(h, "typ", "JWT");
	if (k->private_key_id)
		cJSON_AddStringToObject(h, "kid", k->private_key_id);
	cJSON_AddStringToObject(c, "iss", k->client_email);
	cJSON_AddStringToObject(c, "scope", scope);
	cJSON_AddStringToObject(c, "aud", k->token_uri);
	cJSON_AddNumberToObject(c, "iat", (double) now);
	cJSON_AddNumberToObject(c, "exp", (double) (now + 3600));
	if ((hs = cJSON_PrintUnformatted(h)) == NULL || (cs = cJSON_PrintUnformatted(c)) == NULL ||
	    (h64 = lb_gcs_b64url((unsigned char *) hs, strlen(hs))) == NULL ||
	    (c64 = lb_gcs_b64url((unsigned char *) cs, strlen(cs))) == NULL)
		goto nomem;
	n = strlen(h64) + 1 + strlen(c64);
	if ((input = malloc(n + 1 + 512)) == NULL)
		goto nomem;
	snprintf(input, n + 1, "%s.%s", h64, c64);
	if ((error = lb_gcs_rs256(k, input, n, &sig, &sig_len, op)) < 0)
		goto done;
	if ((s64 = lb_gcs_b64url(sig, sig_len)) == NULL || strlen(s64) > 511)
		goto nomem;
	input[n] = '.';
	strcpy(input + n + 1, s64);
	*jwt_out = input;
	input = NULL;
	goto done;
nomem:
	error = lb_psup_fail(op, LB_ENOMEM, "out of memory while building the token request");
done:
	cJSON_Delete(h);
	cJSON_Delete(c);
	free(hs);
	free(cs);
	free(h64);
	free(c64);
	free(s64);
	free(sig);
	free(input);
	return error;
}
