/*
 * Which failures are worth another try and which lb code a final failure becomes (the
 * backoff is plugins/support's lb_psup_backoff_ms). Retry: connection errors, 5xx, 429 and S3's
 * throttling codes. Never: 4xx auth and request errors, which would only fail again.
 */
#include <string.h>
#include <curl/curl.h>
#include "s3_internal.h"

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
		/* our own abort, TLS trust, bad URL: no use; a proxy that does not resolve
		 * may be a DNS hiccup */
		if (curl_code == CURLE_COULDNT_RESOLVE_PROXY || lb_psup_curl_transient(curl_code))
			return LB_S3_RETRY;
		return LB_S3_FAIL;
	}
	if (status >= 200 && status < 300)
		return LB_S3_DONE;
	if (s3_code && *s3_code && lb_psup_in_list(s3_code, throttle_codes))
		return LB_S3_RETRY;
	if (status == 429 || status >= 500)
		return LB_S3_RETRY;
	return LB_S3_FAIL;
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
		return lb_psup_in_list(c, auth);
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
