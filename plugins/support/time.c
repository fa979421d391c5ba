/*
 * Clocks and the timestamp format request signing uses.
 */
#include <time.h>
#include "lb_psup.h"

int64_t
lb_psup_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
lb_psup_iso8601_basic(int64_t unix_s, char out[17])
{
	time_t t = (time_t) unix_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}
