/* Monotonic time. Durations are int64_t milliseconds named *_ms; deadlines are absolute
 * CLOCK_MONOTONIC instants, never wall time. */
#ifndef LB_UTIL_TIME_H
#define LB_UTIL_TIME_H

#include <stdint.h>

typedef struct lb_deadline {
	int64_t at_ms; /* CLOCK_MONOTONIC ms; INT64_MAX = none */
} lb_deadline;

#define LB_DEADLINE_NONE ((lb_deadline){INT64_MAX})

int64_t lb_now_ms(void);
int64_t lb_now_us(void);
lb_deadline lb_deadline_in(int64_t ms); /* ms < 0: none */
int64_t lb_deadline_left_ms(lb_deadline dl); /* INT64_MAX for none, 0 when passed */
int lb_deadline_passed(lb_deadline dl);
lb_deadline lb_deadline_min(lb_deadline a, lb_deadline b);
/* poll()-style timeout for the deadline: -1 for none, capped at INT_MAX */
int lb_deadline_poll_ms(lb_deadline dl);

#endif
