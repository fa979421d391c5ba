/*
 * The wall clock of token expiry. The failure sentence and log lines of a call are
 * plugins/support's (lb_psup_fail, lb_psup_logf).
 */
#include <time.h>
#include "gcs_internal.h"

int64_t
lb_gcs_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
