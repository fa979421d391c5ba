/*
 * Config keys -> options. The names are Velero's GCP plugin's (velero-plugin-for-gcp
 * object_store.go: credentialsFile, serviceAccount, kmsKeyName, storeEndpoint,
 * universeDomain) plus Lifeboat's chunkSize and maxRetries; bucket, prefix and caCert are
 * injected by the engine. Anything else is LB_EINVAL naming the key.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "gcs_internal.h"

static const char *const known_keys[] = {"bucket",          "prefix",         "caCert",
                                         "credentialsFile", "serviceAccount", "serviceAccountEmail",
                                         "kmsKeyName",      "storeEndpoint",  "universeDomain",
                                         "chunkSize",       "maxRetries",     NULL};

int
lb_gcs_parse_size(const char *s, int64_t *out)
{
	char *end;
	int64_t mul = 1;
	errno = 0;
	if (s == NULL || !isdigit((unsigned char) *s))
		return LB_EINVAL;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0)
		return LB_EINVAL;
	if (*end == '\0' || strcmp(end, "B") == 0)
		mul = 1;
	else if (strcmp(end, "KiB") == 0 || strcmp(end, "K") == 0 || strcmp(end, "k") == 0)
		mul = 1024;
	else if (strcmp(end, "MiB") == 0 || strcmp(end, "M") == 0)
		mul = 1024 * 1024;
	else if (strcmp(end, "GiB") == 0 || strcmp(end, "G") == 0)
		mul = 1024 * 1024 * 1024;
	else
		return LB_EINVAL;
	if (v > (unsigned long long) (INT64_MAX / mul))
		return LB_EINVAL;
	*out = (int64_t) v * mul;
	return 0;
}

static int
set_str(char **dst, const char *v)
{
	char *s = strdup(v);
	if (s == NULL)
		return LB_ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

void
lb_gcs_options_free(lb_gcs_options *o)
{
	free(o->endpoint);
	free(o->credentials_file);
	free(o->service_account);
	free(o->kms_key_name);
	free(o->ca_pem);
	memset(o, 0, sizeof(*o));
}

int
lb_gcs_options_parse(const lb_kv *items, uint32_t count, lb_gcs_options *out, lb_gcs_op *op)
{
	lb_gcs_options o = {0};
	const char *universe = NULL;
	int error = 0;
	o.chunk_size = LB_GCS_DEFAULT_CHUNK;
	o.max_retries = 5;
	o.retry_base_ms = 200;
	o.retry_cap_ms = 10000;
	o.connect_timeout_ms = 10000;
	o.stall_timeout_ms = 60000;
	for (uint32_t i = 0; i < count; i++) {
		const char *k = items[i].key, *v = items[i].value ? items[i].value : "";
		if (k == NULL || !lb_psup_in_list(k, known_keys)) {
			error = lb_psup_fail(
			    op, LB_EINVAL,
			    "config key '%s' is not known to lifeboat.io/gcp; valid keys: "
			    "credentialsFile, serviceAccount, kmsKeyName, storeEndpoint, "
			    "universeDomain, chunkSize, maxRetries",
			    k ? k : "(null)");
			goto done;
		}
		if (strcmp(k, "credentialsFile") == 0 && *v) {
			error = set_str(&o.credentials_file, v);
		} else if ((strcmp(k, "serviceAccount") == 0 ||
		            strcmp(k, "serviceAccountEmail") == 0) &&
		           *v) {
			if (strchr(v, '@') == NULL) {
				error =
				    lb_psup_fail(op, LB_EINVAL,
				                 "config %s '%s' is not a service-account email "
				                 "(name@project.iam.gserviceaccount.com)",
				                 k, v);
				goto done;
			}
			error = set_str(&o.service_account, v);
		} else if (strcmp(k, "kmsKeyName") == 0 && *v) {
			if (strncmp(v, "projects/", 9) != 0 || strstr(v, "/cryptoKeys/") == NULL) {
				error = lb_psup_fail(
				    op, LB_EINVAL,
				    "config kmsKeyName '%s' is not a key resource name "
				    "(projects/P/locations/L/keyRings/R/cryptoKeys/K)",
				    v);
				goto done;
			}
			error = set_str(&o.kms_key_name, v);
		} else if (strcmp(k, "storeEndpoint") == 0 && *v) {
			size_t n = strlen(v);
			if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
				error = lb_psup_fail(
				    op, LB_EINVAL,
				    "config storeEndpoint '%s' must start with http:// or "
				    "https:// (e.g. https://storage.googleapis.com)",
				    v);
				goto done;
			}
			if ((error = set_str(&o.endpoint, v)) < 0)
				goto nomem;
			while (n > 8 && o.endpoint[n - 1] == '/')
				o.endpoint[--n] = '\0';
			/* Go clients take ".../storage/v1/" as the endpoint; the JSON paths are
			 * ours. */
			if (n > 11 && strcmp(o.endpoint + n - 11, "/storage/v1") == 0)
				o.endpoint[n - 11] = '\0';
		} else if (strcmp(k, "universeDomain") == 0 && *v) {
			universe = v;
		} else if (strcmp(k, "chunkSize") == 0 && *v) {
			int64_t s;
			if (lb_gcs_parse_size(v, &s) < 0 || s <= 0 ||
			    s % LB_GCS_CHUNK_QUANTUM != 0 || s > LB_GCS_MAX_CHUNK) {
				error = lb_psup_fail(
				    op, LB_EINVAL,
				    "config chunkSize '%s' must be a multiple of 256KiB up "
				    "to 1GiB (e.g. 8MiB)",
				    v);
				goto done;
			}
			o.chunk_size = s;
		} else if (strcmp(k, "maxRetries") == 0 && *v) {
			if (lb_psup_parse_int(v, 0, 100, &o.max_retries) < 0) {
				error = lb_psup_fail(
				    op, LB_EINVAL,
				    "config maxRetries '%s' must be a whole number 0..100", v);
				goto done;
			}
		} else if (strcmp(k, "caCert") == 0 && *v) {
			if ((error = lb_psup_check_ca_pem(op, v)) < 0)
				goto done;
			error = set_str(&o.ca_pem, v);
		}
		if (error < 0)
			goto nomem;
	}
	if (o.endpoint == NULL) {
		char buf[300];
		if (universe)
			snprintf(buf, sizeof(buf), "https://storage.%s", universe);
		if ((error = set_str(&o.endpoint, universe ? buf : LB_GCS_DEFAULT_ENDPOINT)) < 0)
			goto nomem;
	}
	*out = o;
	memset(&o, 0, sizeof(o));
	error = 0;
	goto done;
nomem:
	error = lb_psup_fail(op, LB_ENOMEM, "out of memory while reading the gcp config");
done:
	lb_gcs_options_free(&o);
	return error;
}
