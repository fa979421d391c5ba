/*
 * The per-call hooks: failure sentence, log lines, cancellation.
 */
#include <stdarg.h>
#include <stdio.h>
#include "lb_psup.h"

int
lb_psup_fail(lb_psup_op *op, int code, const char *fmt, ...)
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
lb_psup_logf(lb_psup_op *op, int level, const char *fmt, ...)
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

int
lb_psup_cancelled(lb_psup_op *op)
{
	return op != NULL && op->cancelled != NULL && op->cancelled(op->ud);
}
