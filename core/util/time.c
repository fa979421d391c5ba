#include "time.h"

#include <limits.h>
#include <time.h>

int64_t
lb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
lb_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

lb_deadline
lb_deadline_in(int64_t ms)
{
	lb_deadline dl = LB_DEADLINE_NONE;

	if (ms >= 0)
		dl.at_ms = lb_now_ms() + ms;
	return dl;
}

int64_t
lb_deadline_left_ms(lb_deadline dl)
{
	int64_t left;

	if (dl.at_ms == INT64_MAX)
		return INT64_MAX;
	left = dl.at_ms - lb_now_ms();
	return left > 0 ? left : 0;
}

int
lb_deadline_passed(lb_deadline dl)
{
	return dl.at_ms != INT64_MAX && lb_now_ms() >= dl.at_ms;
}

lb_deadline
lb_deadline_min(lb_deadline a, lb_deadline b)
{
	return a.at_ms <= b.at_ms ? a : b;
}

int
lb_deadline_poll_ms(lb_deadline dl)
{
	int64_t left = lb_deadline_left_ms(dl);

	if (left == INT64_MAX)
		return -1;
	return left > INT_MAX ? INT_MAX : (int) left;
}
