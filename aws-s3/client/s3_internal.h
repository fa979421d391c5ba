/*
 * Internals of the S3 client shared between its files (and its unit tests).
 */
#ifndef LB_S3_INTERNAL_H
#define LB_S3_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <curl/curl.h>
#include "lb_s3.h"

#define LB_S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct lb_s3_kvp {
	const char *k;
	const char *v;
} lb_s3_kvp;

/* ---- sigv4.c: AWS Signature Version 4 (pure functions, no I/O) ---- */
void lb_s3_sha256_hex(const void *data, size_t len, char hex_out[65]);
void lb_s3_hmac_sha256(
    const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[32]);

typedef struct lb_s3_sign_input {
	const char *method;
	const char *canonical_uri; /**< already URI-encoded path, "/" at least */
	const lb_s3_kvp *query;    /**< unencoded; encoded and sorted here */
	size_t nquery;
	const lb_s3_kvp *headers; /**< names any case; lowercased, trimmed, sorted here */
	size_t nheaders;
	const char *payload_hash; /**< hex sha256 or "UNSIGNED-PAYLOAD" */
	const char *amz_date;     /**< YYYYMMDDTHHMMSSZ */
	const char *region;
	const char *service; /**< "s3" */
	const char *access_key;
	const char *secret_key;
} lb_s3_sign_input;

/** Canonical query string ("a=1&b=2", sorted, encoded); malloc'd. */
char *lb_s3_canonical_query(const lb_s3_kvp *q, size_t n);
/** Canonical request (the thing hashed), malloc'd; *signed_headers_out malloc'd too. */
char *lb_s3_canonical_request(const lb_s3_sign_input *in, char **signed_headers_out);
/** Signature hex (64 chars + NUL) and the signed header list; 0 or LB_ENOMEM. */
int lb_s3_sign(const lb_s3_sign_input *in, char sig_out[65], char **signed_headers_out);
/** The Authorization header value. malloc'd or NULL. */
char *lb_s3_authorization(const lb_s3_sign_input *in);
/** Query-string presign: returns "X-Amz-Algorithm=...&...&X-Amz-Signature=..." to append to
 *  the URL after '?'. @p in->query holds any other query parameters (also returned). */
char *lb_s3_presign_query(const lb_s3_sign_input *in, int64_t expires_s, const char *token);

/* ---- uri.c ---- */
/** Decode %XX (and not '+'); malloc'd. NULL on a bad escape. */
char *lb_s3_uri_decode(const char *s);
/** Split "scheme://host[:port][/...]" ; 0 or LB_EINVAL. */
int lb_s3_endpoint_split(const char *url, char **scheme, char **authority, char **host);
int lb_s3_host_is_ip(const char *host);
int lb_s3_bucket_dns_ok(const char *bucket);

/* ---- xml.c: the few S3 XML responses, without a general parser ---- */
typedef struct lb_s3_span {
	const char *p;
	size_t n;
} lb_s3_span;
/** Next element <tag ...>inner</tag> (or <tag/>) at or after *pos, not beyond end. Moves
 *  *pos past it. 1 found, 0 not. */
int lb_s3_xml_next(const char **pos, const char *end, const char *tag, lb_s3_span *inner);
/** First element's text with entities decoded, malloc'd; NULL if absent. */
char *lb_s3_xml_text(const char *doc, size_t len, const char *tag);
/** Decode XML entities of a span; malloc'd. */
char *lb_s3_xml_unescape(lb_s3_span s);
/** Escape text for an XML body; malloc'd. */
char *lb_s3_xml_escape(const char *s);

/* ---- retry.c ---- */
typedef enum lb_s3_retry_class {
	LB_S3_DONE = 0,  /**< success */
	LB_S3_RETRY = 1, /**< transient: back off and try again */
	LB_S3_FAIL = 2,  /**< permanent */
} lb_s3_retry_class;
lb_s3_retry_class lb_s3_retry_classify(int curl_code, long status, const char *s3_code);
/** lb error code for a final HTTP/S3 failure. */
int lb_s3_error_code(long status, const char *s3_code);
int lb_s3_is_auth_error(long status, const char *s3_code);

/* ---- http.c: one signed request with retries ---- */
typedef struct lb_s3_req {
	const char *method;
	const char *bucket;
	const char *key; /**< NULL: bucket-level request */
	lb_s3_kvp query[8];
	size_t nquery;
	lb_s3_kvp headers[8]; /**< extra signed headers */
	size_t nheaders;
	const unsigned char *body; /**< NULL: no body */
	size_t body_len;
	const char *payload_hash; /**< hex; NULL: computed from body */
	int sink_fd;              /**< >=0: 2xx body streams there (GET) */
	int head;                 /**< HEAD: no body expected */
	volatile int *abort_flag; /**< set by another thread: stop (workers) */
	int max_retries;          /**< >0: overrides the client's maxRetries */
	/* results */
	long status;
	char *resp; /**< error body or small response body, NUL-terminated */
	size_t resp_len, resp_cap;
	char etag[160];
	int64_t content_length; /**< of the last response, -1 unknown */
	int64_t object_size;    /**< GET: full size from the first response */
	int64_t written;        /**< GET: bytes written to sink_fd over all attempts */
	int attempt_wrote;
	int range_ignored;
	int curl_code;
	char curl_err[CURL_ERROR_SIZE];
	char s3_code[64];
	char s3_msg[256];
	int64_t progress_at_ms;
	int canceled;
	int sink_errno;
	int attempts;
	CURL *h_; /* during a transfer */
	lb_s3_op *op_;
} lb_s3_req;

struct lb_s3_client {
	lb_s3_options o;
	lb_s3_creds creds;
	char *scheme;    /* "http" | "https" */
	char *authority; /* host[:port] of the endpoint */
	char *host;      /* host only */
	char *pub_scheme, *pub_authority, *pub_host;
	CURL *curl; /* the calling thread's handle (kept for connection reuse) */
	char endpoint_display[300];
};

void lb_s3_req_init(lb_s3_req *r, const char *method, const char *bucket, const char *key);
void lb_s3_req_reset(lb_s3_req *r);
/** Run @p r with retries on @p h (NULL: the client's handle). On failure sets op->msg with a
 *  sentence that starts with @p what (e.g. "PUT s3://b/k") and returns the lb code. */
int lb_s3_exec(lb_s3_client *c, CURL *h, lb_s3_req *r, lb_s3_op *op, const char *what);
CURL *lb_s3_curl_new(const lb_s3_client *c);
/** Build the URL and Host for a bucket/key under the client's addressing style. */
int lb_s3_url(const lb_s3_client *c,
              int public_url,
              const char *bucket,
              const char *key,
              char **url_out,
              char **host_out,
              char **canon_uri_out);

/** Key id for messages: first 4 characters and an ellipsis, never the whole key. */
void lb_s3_key_hint(const char *access_key, char out[16]);

/* ---- upload.c ---- */
int lb_s3__put_single(lb_s3_client *c,
                      lb_s3_op *op,
                      const char *bucket,
                      const char *key,
                      const unsigned char *data,
                      size_t len);

#endif
