#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_level = LB_LOG_INFO;
static int log_fd = 2;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void
lb_log_set_level(int level)
{
	log_level = level;
}

int
lb_log_get_level(void)
{
	return log_level;
}

void
lb_log_set_fd(int fd)
{
	log_fd = fd;
}

/* Quote @s for a logfmt value: backslash-escape quotes, backslashes and newlines. */
static size_t
quote(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s && n + 3 < cap; s++) {
		if (*s == '"' || *s == '\\') {
			out[n++] = '\\';
			out[n++] = *s;
		} else if (*s == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return n;
}

void
lb_log_emit(int level, const char *fields, const char *fmt, ...)
{
	char msg[2048], qmsg[4200], line[8192], ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	int n;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	quote(qmsg, sizeof(qmsg), msg);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	if (level < 0)
		level = 0;
	if (level > LB_LOG_DEBUG)
		level = LB_LOG_DEBUG;
	n = snprintf(line,
		     sizeof(line),
		     "time=%s.%03ldZ level=%s msg=\"%s\"%s%s\n",
		     ts,
		     now.tv_nsec / 1000000,
		     level_names[level],
		     qmsg,
		     fields && *fields ? " " : "",
		     fields ? fields : "");
	if (n < 0)
		return;
	if ((size_t) n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	pthread_mutex_lock(&log_lock);
	(void) !write(log_fd, line, (size_t) n);
	pthread_mutex_unlock(&log_lock);
}
