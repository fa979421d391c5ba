/*
 * Lifeboat S3 client: the small S3 API subset an object-store plugin needs, in C.
 *
 * A static library (PIC) linked into the aws and minio plugins. It does not depend on the
 * plugin host: the caller passes per-call hooks (cancel, progress, log) in an lb_s3_op and
 * reads the failure sentence back from it. Functions return 0 or a negative lb_error_code
 * (plugin-api/include/lifeboat/plugin/errors.h) with op->msg set.
 *
 * Threads: one lb_s3_client may be used by one call at a time (the plugin host runs one call
 * at a time per instance); multipart uploads start their own worker threads, which never call
 * the hooks (only the calling thread does).
 */
#ifndef LB_S3_H
#define LB_S3_H

#include <stddef.h>
#include <stdint.h>
#include <lifeboat/plugin/errors.h>
#include <lifeboat/plugin/host.h>
#include "lb_psup.h"

#define LB_S3_MIN_PART_SIZE (5 * 1024 * 1024LL)
#define LB_S3_MAX_PART_SIZE (5 * 1024 * 1024 * 1024LL)
#define LB_S3_MAX_PARTS 10000

/** Per-call hooks and the failure message (plugins/support): zero it, fill what you have. */
typedef lb_psup_op lb_s3_op;

/** Which plugin is parsing its config: the defaults and checks differ. */
typedef enum lb_s3_flavor {
	LB_S3_FLAVOR_AWS = 0,
	LB_S3_FLAVOR_MINIO = 1,
} lb_s3_flavor;

typedef struct lb_s3_options {
	char *endpoint;        /**< "scheme://authority" without trailing '/', NULL: AWS */
	char *public_endpoint; /**< for presigned URLs; NULL: endpoint */
	char *region;
	int path_style; /**< 1: bucket in the path; 0: virtual-hosted where possible */
	char *ca_pem;   /**< extra CA bundle, PEM text */
	int insecure_tls;
	char *sse;        /**< x-amz-server-side-encryption value or NULL */
	char *kms_key_id; /**< with sse aws:kms */
	char *credentials_file;
	char *profile;
	int64_t part_size;
	int parallel_parts;
	int max_retries;
	int64_t retry_base_ms; /**< first backoff (then doubled, full jitter) */
	int64_t retry_cap_ms;
	int64_t connect_timeout_ms;
	int64_t stall_timeout_ms; /**< a transfer below 1 byte/s for this long fails (retryable) */
} lb_s3_options;

typedef struct lb_s3_creds {
	char *access_key;
	char *secret_key;
	char *session_token;
	char source[300]; /**< where they came from, for messages (never the secret) */
} lb_s3_creds;

typedef struct lb_s3_client lb_s3_client;

/* options.c: Velero-named config keys -> options. Unknown keys and bad values: LB_EINVAL
 * naming the key. Ignored keys are reported through op->log. */
int lb_s3_options_parse(
    lb_s3_flavor flavor, const lb_kv *items, uint32_t count, lb_s3_options *out, lb_s3_op *op);
void lb_s3_options_free(lb_s3_options *o);
/** Parse "8MiB", "16M", "1048576" (bytes). 0 or LB_EINVAL. */
int lb_s3_parse_size(const char *s, int64_t *out);
int lb_s3_parse_bool(const char *s, int *out);

/* creds.c */
/** Credentials in AWS order: credentials_file (with profile) if set, else the environment
 *  (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN), else the shared credentials
 *  file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) with profile or AWS_PROFILE. */
int lb_s3_creds_load(const lb_s3_options *o, lb_s3_creds *out, lb_s3_op *op);
/** Read one profile of an AWS shared credentials file (INI). */
int lb_s3_creds_from_file(const char *path, const char *profile, lb_s3_creds *out, lb_s3_op *op);
void lb_s3_creds_free(lb_s3_creds *c);

/* client.c. Takes ownership of @p opts and @p creds (zeroed on success). */
int lb_s3_client_new(lb_s3_options *opts, lb_s3_creds *creds, lb_s3_client **out, lb_s3_op *op);
void lb_s3_client_free(lb_s3_client *c);
const lb_s3_options *lb_s3_client_options(const lb_s3_client *c);

/** Store bytes read from @p fd until EOF. @p size -1: unknown (pipe). */
int
lb_s3_put(lb_s3_client *c, lb_s3_op *op, const char *bucket, const char *key, int fd, int64_t size);
int lb_s3_get(lb_s3_client *c, lb_s3_op *op, const char *bucket, const char *key, int fd);
int lb_s3_head(lb_s3_client *c, lb_s3_op *op, const char *bucket, const char *key, int *exists);
int lb_s3_delete(lb_s3_client *c, lb_s3_op *op, const char *bucket, const char *key);
/** ListObjectsV2 over every page. @p delimiter NULL: keys (is_prefix 0); else the common
 *  prefixes only (is_prefix 1). A callback returning <0 stops the listing with that code. */
int lb_s3_list(lb_s3_client *c,
               lb_s3_op *op,
               const char *bucket,
               const char *prefix,
               const char *delimiter,
               int (*cb)(void *ud, const char *s, int is_prefix),
               void *ud);
/** Presigned GET URL valid for @p ttl_ms (1 s .. 7 days), signed at @p now (unix seconds;
 *  0: current time). */
int lb_s3_presign(lb_s3_client *c,
                  lb_s3_op *op,
                  const char *bucket,
                  const char *key,
                  int64_t ttl_ms,
                  int64_t now,
                  char **url_out);

#endif
