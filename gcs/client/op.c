/*
 * The failure sentence and log lines of one call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "gcs_internal.h"

int
lb_gcs_fail(lb_gcs_op *op, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(op->msg, sizeof(op->msg), fmt, ap);
	va_end(ap);
	op->code = code;
	return code;
}

void
lb_gcs_logf(lb_gcs_op *op, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (op->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	op->log(op->ud, level, line);
}

int64_t
lb_gcs_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
