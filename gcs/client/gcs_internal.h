/*
 * Inside the GCS client: the client state, one HTTP exchange and the retry policy.
 */
#ifndef LB_GCS_INTERNAL_H
#define LB_GCS_INTERNAL_H

#include <curl/curl.h>
#include <openssl/evp.h>
#include "lb_gcs.h"

struct lb_gcs_client {
	lb_gcs_options o;
	lb_gcs_key key;
	int has_key;
	CURL *curl;
	char *token;          /**< cached bearer token */
	int64_t token_exp_ms; /**< CLOCK_REALTIME ms after which it is refreshed */
};

/** One request. Body from memory (body/body_len) and response into memory (resp), or the
 *  response body into sink_fd when sink_fd >= 0 and the status is 2xx. */
typedef struct lb_gcs_req {
	const char *method;
	const char *url;
	const char *what; /**< "upload dir/a to bucket b", for messages */
	const char *content_type;
	const char *content_range;
	const char *range;
	const void *body;
	size_t body_len;
	int no_auth;     /**< the token request itself */
	int sink_fd;     /**< -1: buffer the response */
	int retry;       /**< retry on connection errors, 429 and 5xx */
	EVP_MD_CTX *md5; /**< fed with every byte written to sink_fd */
	int64_t sink_written;
	int64_t progress_total;
	int64_t progress_base;
	/* response */
	long status;
	char *resp;
	size_t resp_len, resp_cap;
	char location[2048];
	char range_hdr[128];
	char goog_hash_md5[64];
	int64_t content_length;
	int curl_code;
	char curl_err[CURL_ERROR_SIZE];
} lb_gcs_req;

void lb_gcs_req_init(lb_gcs_req *r, const char *method, const char *url, const char *what);
void lb_gcs_req_free(lb_gcs_req *r);

/** Perform @p r with retries and auth; on return r->status holds the final status. Returns 0
 *  when a response arrived (any status), <0 with op->msg when none did (or canceled). */
int lb_gcs_http(lb_gcs_client *c, lb_gcs_op *op, lb_gcs_req *r);
/** Turn a non-2xx response into an lb code and sentence (error JSON parsed). */
int lb_gcs_http_fail(lb_gcs_client *c, lb_gcs_op *op, const lb_gcs_req *r);
/** Retryable status or curl result? */
int lb_gcs_retryable(int curl_code, long status);
/** Sleep @p ms in slices, returning LB_ECANCELED when the call gets canceled. */
int lb_gcs_sleep(lb_gcs_op *op, int64_t ms);
/** A bearer token (cached; refreshed when expired or @p force). */
int lb_gcs_token(lb_gcs_client *c, lb_gcs_op *op, int force, const char **token_out);
/** CLOCK_REALTIME in ms (token expiry is wall-clock time). */
int64_t lb_gcs_now_ms(void);
/** Object URL "{endpoint}{prefix}/b/{bucket}/o/{name}" with both escaped, '/' too. */
char *
lb_gcs_object_url(const lb_gcs_client *c, const char *api, const char *bucket, const char *name);

#endif
