/*
 * Configuration keys as Velero's AWS plugin names them, plus the C client's own (partSize,
 * parallelParts, maxRetries). Unknown keys are refused by name: a typo must not silently
 * fall back to a default.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "s3_internal.h"

/* Accepted and without effect here; each gets one log line saying so. */
static const char *const ignored_keys[] = {"tagging", "enableSharedConfig",
                                           "customerKeyEncryptionFile", "signatureVersion", NULL};

static const char *const known_keys[] = {"bucket",
                                         "prefix",
                                         "region",
                                         "s3Url",
                                         "publicUrl",
                                         "s3ForcePathStyle",
                                         "profile",
                                         "credentialsFile",
                                         "caCert",
                                         "insecureSkipTLSVerify",
                                         "serverSideEncryption",
                                         "kmsKeyId",
                                         "checksumAlgorithm",
                                         "partSize",
                                         "parallelParts",
                                         "maxRetries",
                                         NULL};

int
lb_s3_parse_size(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	if (s == NULL || !isdigit((unsigned char) *s))
		return LB_EINVAL;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return LB_EINVAL;
	uint64_t mul = 1;
	if (*end) {
		static const struct {
			const char *suffix;
			uint64_t mul;
		} units[] = {{"K", 1000ULL},       {"KB", 1000ULL},
		             {"Ki", 1024ULL},      {"KiB", 1024ULL},
		             {"M", 1000000ULL},    {"MB", 1000000ULL},
		             {"Mi", 1ULL << 20},   {"MiB", 1ULL << 20},
		             {"G", 1000000000ULL}, {"GB", 1000000000ULL},
		             {"Gi", 1ULL << 30},   {"GiB", 1ULL << 30},
		             {"B", 1ULL}};
		size_t i;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(end, units[i].suffix) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return LB_EINVAL;
		mul = units[i].mul;
	}
	if (v > (uint64_t) INT64_MAX / mul)
		return LB_EINVAL;
	*out = (int64_t) (v * mul);
	return 0;
}

int
lb_s3_parse_bool(const char *s, int *out)
{
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcasecmp(s, "yes") == 0) {
		*out = 1;
		return 0;
	}
	if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 || strcasecmp(s, "no") == 0 ||
	    *s == '\0') {
		*out = 0;
		return 0;
	}
	return LB_EINVAL;
}

static int
set_str(char **dst, const char *v, lb_s3_op *op, const char *key)
{
	free(*dst);
	*dst = (v && *v) ? strdup(v) : NULL;
	if (v && *v && *dst == NULL)
		return lb_psup_fail(op, LB_ENOMEM, "config %s: out of memory", key);
	return 0;
}

static int
check_url(const char *key, const char *v, lb_s3_op *op)
{
	char *s, *a, *h;
	int error = lb_s3_endpoint_split(v, &s, &a, &h);
	if (error == LB_ENOMEM)
		return lb_psup_fail(op, error, "config %s: out of memory", key);
	if (error < 0)
		return lb_psup_fail(op, LB_EINVAL,
		                    "config %s '%s' is not an endpoint URL; write it as "
		                    "http://host:port or https://host (scheme required)",
		                    key, v);
	free(s), free(a), free(h);
	return 0;
}

void
lb_s3_options_free(lb_s3_options *o)
{
	if (o == NULL)
		return;
	free(o->endpoint);
	free(o->public_endpoint);
	free(o->region);
	if (o->ca_pem)
		memset(o->ca_pem, 0, strlen(o->ca_pem));
	free(o->ca_pem);
	free(o->sse);
	free(o->kms_key_id);
	free(o->credentials_file);
	free(o->profile);
	memset(o, 0, sizeof(*o));
}

static void
strip_slash(char *s)
{
	size_t n = s ? strlen(s) : 0;
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
}

int
lb_s3_options_parse(
    lb_s3_flavor flavor, const lb_kv *items, uint32_t count, lb_s3_options *out, lb_s3_op *op)
{
	lb_s3_options o = {0};
	const char *plugin = flavor == LB_S3_FLAVOR_MINIO ? "minio" : "aws";
	int path_style_set = 0, error = 0;

	o.part_size = 8LL << 20;
	o.parallel_parts = 4;
	o.max_retries = 5;
	o.retry_base_ms = 200;
	o.retry_cap_ms = 10000;
	o.connect_timeout_ms = 10000;
	o.stall_timeout_ms = 60000;
	o.path_style = flavor == LB_S3_FLAVOR_MINIO;

	for (uint32_t i = 0; i < count; i++) {
		const char *k = items[i].key, *v = items[i].value ? items[i].value : "";
		if (k == NULL)
			continue;
		if (lb_psup_in_list(k, ignored_keys)) {
			lb_psup_logf(op, LB_LOG_INFO, "config %s is accepted and ignored by %s", k,
			             plugin);
			continue;
		}
		if (!lb_psup_in_list(k, known_keys)) {
			error = lb_psup_fail(
			    op, LB_EINVAL,
			    "unknown config key '%s' for the %s object store; known "
			    "keys: region, s3Url, publicUrl, s3ForcePathStyle, profile, "
			    "credentialsFile, caCert, insecureSkipTLSVerify, "
			    "serverSideEncryption, kmsKeyId, checksumAlgorithm, "
			    "partSize, parallelParts, maxRetries",
			    k, plugin);
			goto done;
		}
		if (strcmp(k, "bucket") == 0 || strcmp(k, "prefix") == 0) {
			continue; /* injected by the engine; used per call */
		} else if (strcmp(k, "region") == 0) {
			error = set_str(&o.region, v, op, k);
		} else if (strcmp(k, "s3Url") == 0 || strcmp(k, "publicUrl") == 0) {
			if (*v && (error = check_url(k, v, op)) < 0)
				goto done;
			error = set_str(k[0] == 's' ? &o.endpoint : &o.public_endpoint, v, op, k);
		} else if (strcmp(k, "s3ForcePathStyle") == 0 ||
		           strcmp(k, "insecureSkipTLSVerify") == 0) {
			int b;
			if (lb_s3_parse_bool(v, &b) < 0) {
				error = lb_psup_fail(
				    op, LB_EINVAL,
				    "config %s '%s' is not a boolean; use true or false", k, v);
				goto done;
			}
			if (k[0] == 's') {
				o.path_style = b;
				path_style_set = 1;
			} else {
				o.insecure_tls = b;
			}
		} else if (strcmp(k, "profile") == 0) {
			error = set_str(&o.profile, v, op, k);
		} else if (strcmp(k, "credentialsFile") == 0) {
			error = set_str(&o.credentials_file, v, op, k);
		} else if (strcmp(k, "caCert") == 0) {
			if ((error = lb_psup_check_ca_pem(op, v)) < 0)
				goto done;
			error = set_str(&o.ca_pem, v, op, k);
		} else if (strcmp(k, "serverSideEncryption") == 0) {
			if (*v && strcmp(v, "AES256") != 0 && strcmp(v, "aws:kms") != 0 &&
			    strcmp(v, "aws:kms:dsse") != 0) {
				error =
				    lb_psup_fail(op, LB_EINVAL,
				                 "config serverSideEncryption '%s' is not one of "
				                 "AES256, aws:kms, aws:kms:dsse",
				                 v);
				goto done;
			}
			error = set_str(&o.sse, v, op, k);
		} else if (strcmp(k, "kmsKeyId") == 0) {
			error = set_str(&o.kms_key_id, v, op, k);
		} else if (strcmp(k, "checksumAlgorithm") == 0) {
			if (*v && strcmp(v, "CRC32") != 0 && strcmp(v, "CRC32C") != 0 &&
			    strcmp(v, "SHA1") != 0 && strcmp(v, "SHA256") != 0) {
				error = lb_psup_fail(op, LB_EINVAL,
				                     "config checksumAlgorithm '%s' is not one of "
				                     "\"\", CRC32, CRC32C, SHA1, SHA256",
				                     v);
				goto done;
			}
			lb_psup_logf(
			    op, LB_LOG_INFO,
			    "config checksumAlgorithm=%s: every request body is verified by "
			    "the server against its signed SHA-256 (x-amz-content-sha256) "
			    "instead",
			    *v ? v : "\"\"");
		} else if (strcmp(k, "partSize") == 0) {
			if (lb_s3_parse_size(v, &o.part_size) < 0 ||
			    o.part_size < LB_S3_MIN_PART_SIZE || o.part_size > (1LL << 30)) {
				error =
				    lb_psup_fail(op, LB_EINVAL,
				                 "config partSize '%s' must be a size between 5MiB "
				                 "and 1GiB (e.g. 16MiB)",
				                 v);
				goto done;
			}
		} else if (strcmp(k, "parallelParts") == 0) {
			if (lb_psup_parse_int(v, 1, 64, &o.parallel_parts) < 0) {
				error = lb_psup_fail(
				    op, LB_EINVAL,
				    "config parallelParts '%s' must be a number from 1 "
				    "to 64",
				    v);
				goto done;
			}
		} else if (strcmp(k, "maxRetries") == 0) {
			if (lb_psup_parse_int(v, 0, 100, &o.max_retries) < 0) {
				error = lb_psup_fail(
				    op, LB_EINVAL,
				    "config maxRetries '%s' must be a number from 0 to "
				    "100",
				    v);
				goto done;
			}
		}
		if (error < 0)
			goto done;
	}

	if (o.kms_key_id && (o.sse == NULL || strncmp(o.sse, "aws:kms", 7) != 0)) {
		error = lb_psup_fail(op, LB_EINVAL,
		                     "config kmsKeyId needs serverSideEncryption aws:kms");
		goto done;
	}
	if (flavor == LB_S3_FLAVOR_MINIO) {
		if (o.endpoint == NULL) {
			error = lb_psup_fail(op, LB_EINVAL,
			                     "config s3Url is required for minio (e.g. "
			                     "http://minio.example:9000)");
			goto done;
		}
		if (path_style_set && !o.path_style)
			lb_psup_logf(
			    op, LB_LOG_INFO,
			    "config s3ForcePathStyle=false: using virtual-hosted buckets on "
			    "MinIO (needs MINIO_DOMAIN on the server)");
		if (o.region == NULL && (o.region = strdup("us-east-1")) == NULL) {
			error = lb_psup_fail(op, LB_ENOMEM, "config: out of memory");
			goto done;
		}
	} else if (o.region == NULL) {
		if (o.endpoint == NULL) {
			error = lb_psup_fail(op, LB_EINVAL,
			                     "config region is required for AWS S3 (e.g. region: "
			                     "eu-west-1), or set s3Url for another S3 server");
			goto done;
		}
		if ((o.region = strdup("us-east-1")) == NULL) {
			error = lb_psup_fail(op, LB_ENOMEM, "config: out of memory");
			goto done;
		}
	}
	strip_slash(o.endpoint);
	strip_slash(o.public_endpoint);
	*out = o;
	memset(&o, 0, sizeof(o));
done:
	lb_s3_options_free(&o);
	return error;
}
