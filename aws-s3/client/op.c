/*
 * The per-call hooks: failure sentence, log lines, and small helpers for messages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "s3_internal.h"

int
lb_s3_fail(lb_s3_op *op, int code, const char *fmt, ...)
{
	va_list ap;
	if (op != NULL) {
		va_start(ap, fmt);
		vsnprintf(op->msg, sizeof(op->msg), fmt, ap);
		va_end(ap);
		op->code = code;
	}
	return code;
}

void
lb_s3_logf(lb_s3_op *op, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (op == NULL || op->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	op->log(op->ud, level, line);
}

int64_t
lb_s3_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
lb_s3_key_hint(const char *access_key, char out[16])
{
	size_t n = access_key ? strlen(access_key) : 0;
	if (n == 0) {
		snprintf(out, 16, "(none)");
		return;
	}
	snprintf(out, 16, "%.4s\xe2\x80\xa6", access_key); /* "AKIA…" */
}
