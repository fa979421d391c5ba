/*
 * The parts of a retry policy that do not depend on the protocol: which libcurl results are
 * transient, how long to wait (exponential backoff, full jitter), and a sleep that stops
 * when the call is canceled. Which HTTP statuses and service error codes are worth another
 * try is each client's own.
 */
#include <sys/random.h>
#include <time.h>
#include "lb_psup.h"

int
lb_psup_curl_transient(int curl_code)
{
	switch (curl_code) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

int64_t
lb_psup_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd)
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

uint32_t
lb_psup_jitter(void)
{
	uint32_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t) lb_psup_mono_ms();
	return rnd;
}

int
lb_psup_sleep(int64_t ms, int (*stop)(void *ud), void *ud)
{
	int64_t end = lb_psup_mono_ms() + ms;
	for (;;) {
		if (stop != NULL && stop(ud))
			return 1;
		int64_t left = end - lb_psup_mono_ms();
		if (left <= 0)
			return 0;
		struct timespec ts = {0, (left > 50 ? 50 : left) * 1000000L};
		nanosleep(&ts, NULL);
	}
}
