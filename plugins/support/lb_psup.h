/*
 * Plugin support: the pieces the HTTP object-store plugins (aws, minio, gcp) share.
 *
 * Host-independent (store.c aside, see lb_psup_store.h): the caller passes per-call hooks in
 * an lb_psup_op and reads the failure sentence back from it. Functions that fail return a
 * negative lb_error_code (plugin-api/include/lifeboat/plugin/errors.h).
 */
#ifndef LB_PSUP_H
#define LB_PSUP_H

#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include <lifeboat/plugin/errors.h>
#include <lifeboat/plugin/host.h>

/** Per-call hooks and the failure message. Zero it, fill what you have. */
typedef struct lb_psup_op {
	int (*cancelled)(void *ud);                             /**< nonzero: stop */
	int (*progress)(void *ud, int64_t done, int64_t total); /**< <0: stop (canceled) */
	void (*log)(void *ud, int level, const char *msg);      /**< LB_LOG_* levels */
	void *ud;
	int code;       /**< last error code (also returned) */
	char msg[1024]; /**< one sentence: what failed, on what, why, what to do */
} lb_psup_op;

/* ---- op.c ---- */
/** Set op->msg and op->code (op may be NULL); returns @p code. */
int lb_psup_fail(lb_psup_op *op, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** One log line through op->log, if any. */
void lb_psup_logf(lb_psup_op *op, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Nonzero when the call has been canceled (op->cancelled says so). */
int lb_psup_cancelled(lb_psup_op *op);

/* ---- retry.c ---- */
/** A libcurl result worth another try: the connection failed, broke or timed out. Our own
 *  abort (callbacks), TLS trust and bad URLs are not. */
int lb_psup_curl_transient(int curl_code);
/** Backoff before retry number @p attempt (0-based): full jitter in [hi/2, hi] with
 *  hi = min(cap, base*2^attempt), @p rnd a random 32-bit value. */
int64_t lb_psup_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd);
/** A random 32-bit value for lb_psup_backoff_ms (getrandom, else the clock). */
uint32_t lb_psup_jitter(void);
/** Sleep @p ms in 50 ms slices; 1 as soon as @p stop(ud) returns nonzero, else 0. */
int lb_psup_sleep(int64_t ms, int (*stop)(void *ud), void *ud);

/* ---- curl.c ---- */
/** The options every request sets: no signals, connect timeout, stall timeout (below
 *  1 byte/s for @p stall_timeout_ms fails as CURLE_OPERATION_TIMEDOUT), an extra CA bundle
 *  (PEM text, copied) and, for tests, no TLS verification. */
void lb_psup_curl_setup(CURL *h,
                        int64_t connect_timeout_ms,
                        int64_t stall_timeout_ms,
                        const char *ca_pem,
                        int insecure_tls);
/** Append @p n bytes to a NUL-terminated growing buffer of at most @p max bytes. 0, or -1
 *  when it would grow beyond @p max or memory ran out (the buffer is left as it was). */
int lb_psup_buf_append(char **buf, size_t *len, size_t *cap, size_t max, const char *p, size_t n);
/** Write all @p n bytes to @p fd (EINTR retried). 0, or the errno of the failure (EIO when
 *  write returned 0). */
int lb_psup_write_all(int fd, const void *p, size_t n);

/* ---- encode.c ---- */
/** Percent-encode everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~),
 *  uppercase hex; keep '/' when @p keep_slash. malloc'd, NULL on ENOMEM. */
char *lb_psup_pct_encode(const char *s, int keep_slash);
/** Lowercase hex of @p n bytes into @p out (2n + 1 bytes). */
void lb_psup_hex(const unsigned char *d, size_t n, char *out);

/* ---- time.c ---- */
/** CLOCK_MONOTONIC in milliseconds. */
int64_t lb_psup_mono_ms(void);
/** ISO 8601 basic UTC time, "YYYYMMDDTHHMMSSZ" (SigV4 x-amz-date, GOOG4 X-Goog-Date). */
void lb_psup_iso8601_basic(int64_t unix_s, char out[17]);

/* ---- config.c ---- */
/** 1 when @p s is one of the NULL-terminated @p list. */
int lb_psup_in_list(const char *s, const char *const *list);
/** A whole decimal number in [lo, hi]. 0 or LB_EINVAL. */
int lb_psup_parse_int(const char *s, long lo, long hi, int *out);
/** The caCert value must be PEM text, not a path; LB_EINVAL with the sentence saying so. */
int lb_psup_check_ca_pem(lb_psup_op *op, const char *v);

#endif
