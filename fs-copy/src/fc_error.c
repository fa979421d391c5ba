/* Thread-local error messages for the self-contained fs-copy library. */
#include "fc_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char fc_msg[1024];

const char *
lb_fscopy_errmsg(void)
{
	return fc_msg;
}

int
lb_fscopy__err(int code, const char *fmt, ...)
{
	char tmp[sizeof(fc_msg)];
	va_list ap;

	/* through a copy: callers may wrap the previous message ("%s: %s", key, errmsg) */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(fc_msg, tmp, sizeof(fc_msg));
	return code;
}

int
lb_fscopy__errno(int err, const char *fmt, ...)
{
	char tmp[sizeof(fc_msg)];
	va_list ap;
	size_t n;
	int code;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	n = strlen(tmp);
	snprintf(tmp + n, sizeof(tmp) - n, ": %s", strerror(err));
	memcpy(fc_msg, tmp, sizeof(fc_msg));
	switch (err) {
	case ENOENT:
		code = LB_ENOTFOUND;
		break;
	case EEXIST:
		code = LB_EEXISTS;
		break;
	case EACCES:
	case EPERM:
		code = LB_EPERM;
		break;
	case ENOMEM:
		code = LB_ENOMEM;
		break;
	case EINVAL:
		code = LB_EINVAL;
		break;
	default:
		code = LB_EIO;
	}
	return code;
}
