/*
 * Small helpers for messages. The failure sentence and log lines are plugins/support's
 * (lb_psup_fail, lb_psup_logf).
 */
#include <stdio.h>
#include <string.h>
#include "s3_internal.h"

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
