/* Client-side rate limit: a token bucket (QPS refill, burst capacity) shared by every
 * thread of a client, like client-go's flowcontrol; and the retry backoff. */
#include "kube_internal.h"

#include <stdlib.h>
#include <time.h>

#include "util/time.h"

void
lb_kube__ratelimit_init(lb_kube_ratelimit *rl, double qps, int burst, int64_t now_ms)
{
	pthread_mutex_init(&rl->lock, NULL);
	rl->qps = qps;
	rl->burst = burst > 0 ? burst : 1;
	rl->tokens = rl->burst;
	rl->last_ms = now_ms;
}

int64_t
lb_kube__ratelimit_reserve(lb_kube_ratelimit *rl, int64_t now_ms)
{
	int64_t wait = 0;

	if (rl->qps <= 0)
		return 0;
	pthread_mutex_lock(&rl->lock);
	if (now_ms > rl->last_ms) {
		rl->tokens += (double) (now_ms - rl->last_ms) * rl->qps / 1000.0;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
		rl->last_ms = now_ms;
	}
	/* Reserve even when empty: the debt makes later callers queue behind this one. */
	rl->tokens -= 1.0;
	if (rl->tokens < 0)
		wait = (int64_t) (-rl->tokens * 1000.0 / rl->qps + 0.999);
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

void
lb_kube__ratelimit_wait(lb_kube_ratelimit *rl)
{
	int64_t wait = lb_kube__ratelimit_reserve(rl, lb_now_ms());

	if (wait > 0) {
		struct timespec ts = {wait / 1000, (long) (wait % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) < 0)
			;
	}
}

int64_t
lb_kube__backoff_ms(int attempt, int64_t retry_after_ms)
{
	int64_t ms = 200;

	if (retry_after_ms >= 0)
		return retry_after_ms > 60000 ? 60000 : retry_after_ms;
	for (int i = 0; i < attempt && ms < 10000; i++)
		ms *= 2;
	if (ms > 10000)
		ms = 10000;
	/* up to 25% jitter so parallel workers do not retry in lockstep */
	return ms + (int64_t) (random() % (ms / 4 + 1));
}
