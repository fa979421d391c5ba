#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MSG_MAX 1024

static __thread char last_msg[MSG_MAX];

const char *
lb_strerror(int code)
{
	switch (code) {
#define XX(name, val, msg)                                                                         \
	case val:                                                                                  \
		return msg;
		LB_ERROR_MAP(XX)
#undef XX
	}
	return "unknown error";
}

const char *
lb_errname(int code)
{
	switch (code) {
#define XX(name, val, msg)                                                                         \
	case val:                                                                                  \
		return "LB_" #name;
		LB_ERROR_MAP(XX)
#undef XX
	}
	return "LB_UNKNOWN";
}

int
lb_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return code;
}

int
lb_error_code_from_errno(int err)
{
	switch (err) {
	case ENOENT:
		return LB_ENOTFOUND;
	case EEXIST:
		return LB_EEXISTS;
	case EINVAL:
		return LB_EINVAL;
	case ETIMEDOUT:
		return LB_ETIMEDOUT;
	case ECANCELED:
		return LB_ECANCELED;
	case ENOMEM:
		return LB_ENOMEM;
	case EACCES:
	case EPERM:
	case EROFS:
		return LB_EPERM;
	case EAGAIN:
		return LB_EAGAIN;
	case EPROTO:
		return LB_EPROTO;
	case ENOTSUP:
		return LB_EUNSUPPORTED;
	default:
		return LB_EIO;
	}
}

int
lb_error_errno(int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t) n < sizeof(last_msg))
		snprintf(last_msg + n, sizeof(last_msg) - (size_t) n, ": %s", strerror(err));
	return lb_error_code_from_errno(err);
}

const char *
lb_error_last(int code)
{
	return last_msg[0] ? last_msg : lb_strerror(code);
}

void
lb_error_clear(void)
{
	last_msg[0] = '\0';
}
