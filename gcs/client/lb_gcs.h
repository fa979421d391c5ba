/*
 * Lifeboat GCS client: the small Google Cloud Storage JSON-API subset an object-store plugin
 * needs, in C (libcurl, OpenSSL, cJSON).
 *
 * A static library (PIC) linked into the gcp plugin. It does not depend on the plugin host:
 * the caller passes per-call hooks (cancel, progress, log) in an lb_gcs_op and reads the
 * failure sentence back from it. Functions return 0 or a negative lb_error_code with op->msg
 * set. One lb_gcs_client serves one call at a time.
 */
#ifndef LB_GCS_H
#define LB_GCS_H

#include <stddef.h>
#include <stdint.h>
#include <lifeboat/plugin/errors.h>
#include <lifeboat/plugin/host.h>
#include "lb_psup.h"

#define LB_GCS_CHUNK_QUANTUM (256 * 1024LL)
#define LB_GCS_DEFAULT_CHUNK (8 * 1024 * 1024LL)
#define LB_GCS_MAX_CHUNK (1024 * 1024 * 1024LL)
#define LB_GCS_DEFAULT_ENDPOINT "https://storage.googleapis.com"
#define LB_GCS_DEFAULT_TOKEN_URI "https://oauth2.googleapis.com/token"
#define LB_GCS_SCOPE "https://www.googleapis.com/auth/devstorage.read_write"
#define LB_GCS_MAX_SIGNED_TTL_MS (604800 * 1000LL)

/** Per-call hooks and the failure message (plugins/support): zero it, fill what you have. */
typedef lb_psup_op lb_gcs_op;

typedef struct lb_gcs_options {
	char *endpoint;         /**< "scheme://authority[/base]", no trailing '/' */
	char *credentials_file; /**< service-account JSON key */
	char *service_account;  /**< email for signed URLs when it differs from the key's */
	char *kms_key_name;     /**< objects.insert kmsKeyName, or NULL */
	char *ca_pem;           /**< extra CA bundle, PEM text */
	int64_t chunk_size;     /**< resumable chunk, a multiple of 256 KiB */
	int max_retries;
	int64_t retry_base_ms; /**< first backoff (doubled per attempt, jittered) */
	int64_t retry_cap_ms;
	int64_t connect_timeout_ms;
	int64_t stall_timeout_ms; /**< below 1 byte/s for this long: fail (retryable) */
} lb_gcs_options;

/** A service-account key (the JSON file Google hands out). */
typedef struct lb_gcs_key {
	char *client_email;
	char *private_key_id;
	char *token_uri;
	void *pkey; /**< EVP_PKEY * */
	char source[300];
} lb_gcs_key;

typedef struct lb_gcs_client lb_gcs_client;

/* options.c: Velero-named config keys -> options. Unknown keys and bad values: LB_EINVAL
 * naming the key. */
int lb_gcs_options_parse(const lb_kv *items, uint32_t count, lb_gcs_options *out, lb_gcs_op *op);
void lb_gcs_options_free(lb_gcs_options *o);
/** "8MiB", "256KiB", "1048576" -> bytes. 0 or LB_EINVAL. */
int lb_gcs_parse_size(const char *s, int64_t *out);

/* key.c */
int lb_gcs_key_load(const char *path, lb_gcs_key *out, lb_gcs_op *op);
/** Parse key JSON text; @p source names it in messages. */
int lb_gcs_key_parse(const char *json, const char *source, lb_gcs_key *out, lb_gcs_op *op);
void lb_gcs_key_free(lb_gcs_key *k);
/** RSA-SHA256 signature of @p data; *sig_out malloc'd. */
int lb_gcs_rs256(const lb_gcs_key *k,
                 const void *data,
                 size_t len,
                 unsigned char **sig_out,
                 size_t *sig_len,
                 lb_gcs_op *op);
/** The signed JWT assertion for the token request (header.claims.signature), malloc'd. */
int lb_gcs_jwt(const lb_gcs_key *k, const char *scope, int64_t now, char **jwt_out, lb_gcs_op *op);

/* uri.c */
/* Percent-encoding is plugins/support's lb_psup_pct_encode. */
char *lb_gcs_b64url(const unsigned char *p, size_t n);

/* client.c. Takes ownership of @p opts and @p key (zeroed on success). @p key may be empty
 * (no credentials file): anonymous requests. */
int lb_gcs_client_new(lb_gcs_options *opts, lb_gcs_key *key, lb_gcs_client **out, lb_gcs_op *op);
void lb_gcs_client_free(lb_gcs_client *c);

/* objects.c */
int lb_gcs_put(
    lb_gcs_client *c, lb_gcs_op *op, const char *bucket, const char *name, int fd, int64_t size);
int lb_gcs_get(lb_gcs_client *c, lb_gcs_op *op, const char *bucket, const char *name, int fd);
int
lb_gcs_exists(lb_gcs_client *c, lb_gcs_op *op, const char *bucket, const char *name, int *exists);
int lb_gcs_delete(lb_gcs_client *c, lb_gcs_op *op, const char *bucket, const char *name);
/** Every page. @p delimiter NULL: object names (is_prefix 0); else the prefixes only. */
int lb_gcs_list(lb_gcs_client *c,
                lb_gcs_op *op,
                const char *bucket,
                const char *prefix,
                const char *delimiter,
                int (*cb)(void *ud, const char *s, int is_prefix),
                void *ud);

/* signurl.c */
/** V4 signed GET URL (GOOG4-RSA-SHA256) valid @p ttl_ms (1 s .. 7 days) from @p now (unix
 *  seconds; 0: the current time). */
int lb_gcs_sign_url(const lb_gcs_options *o,
                    const lb_gcs_key *k,
                    lb_gcs_op *op,
                    const char *bucket,
                    const char *name,
                    int64_t ttl_ms,
                    int64_t now,
                    char **url_out);
int lb_gcs_client_sign_url(lb_gcs_client *c,
                           lb_gcs_op *op,
                           const char *bucket,
                           const char *name,
                           int64_t ttl_ms,
                           char **url_out);

#endif
