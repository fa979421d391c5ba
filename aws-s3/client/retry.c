/*
 * Which failures are worth another try, how long to wait, and which lb code a final failure
 * becomes. Retry: connection errors, 5xx, 429 and S3's throttling codes. Never: 4xx auth and
 * request errors, which would only fail again.
 */
#include <string.h>
#include <curl/curl.h>
#include "s3_internal.h"

static int
is_one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static const char *const throttle_codes[] = {"SlowDown",
                                             "Throttling",
                                             "ThrottlingException",
                                             "RequestLimitExceeded",
                                             "RequestThrottled",
                                             "InternalError",
                                             "ServiceUnavailable",
                                             "RequestTimeout",
                                             NULL};

lb_s3_retry_class
lb_s3_retry_classify(int curl_code, long status, const char *s3_code)
{
	if (curl_code != CURLE_OK) {
		switch (curl_code) {
		case CURLE_COULDNT_CONNECT:
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_RECV_ERROR:
		case CURLE_SEND_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_WEIRD_SERVER_REPLY:
			return LB_S3_RETRY;
		default:
			return LB_S3_FAIL; /* our own abort, TLS trust, bad URL: no use */
		}
	}
	if (status >= 200 && status < 300)
		return LB_S3_DONE;
	if (s3_code && *s3_code && is_one_of(s3_code, throttle_codes))
		return LB_S3_RETRY;
	if (status == 429 || status >= 500)
		return LB_S3_RETRY;
	return LB_S3_FAIL;
}

int64_t
lb_s3_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd)
{
	int64_t hi = base_ms;
	for (int i = 0; i < attempt && hi < cap_ms; i++)
		hi *= 2;
	if (hi > cap_ms)
		hi = cap_ms;
	int64_t lo = hi / 2;
	if (hi <= lo)
		return hi;
	return lo + (int64_t) (rnd % (uint64_t) (hi - lo + 1));
}

int
lb_s3_is_auth_error(long status, const char *c)
{
	static const char *const auth[] = {"SignatureDoesNotMatch",
	                                   "InvalidAccessKeyId",
	                                   "InvalidToken",
	                                   "ExpiredToken",
	                                   "InvalidSecurity",
	                                   "AuthorizationHeaderMalformed",
	                                   NULL};
	if (c && *c)
		return is_one_of(c, auth);
	return status == 401;
}

int
lb_s3_error_code(long status, const char *c)
{
	if (lb_s3_is_auth_error(status, c))
		return LB_EAUTH;
	if (c && (strcmp(c, "NoSuchBucket") == 0 || strcmp(c, "NoSuchKey") == 0 ||
	          strcmp(c, "NoSuchUpload") == 0))
		return LB_ENOTFOUND;
	if (c && strcmp(c, "AccessDenied") == 0)
		return LB_EPERM;
	if (c && (strcmp(c, "BadDigest") == 0 || strcmp(c, "XAmzContentSHA256Mismatch") == 0 ||
	          strcmp(c, "InvalidDigest") == 0))
		return LB_ECORRUPT;
	if (status == 404)
		return LB_ENOTFOUND;
	if (status == 403)
		return LB_EPERM;
	if (status == 400 || status == 411 || status == 413)
		return LB_EINVAL;
	if (status == 409)
		return LB_ECONFLICT;
	if (status == 429 || status >= 500)
		return LB_EAGAIN;
	return LB_EIO;
}
