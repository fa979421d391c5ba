/* Times, durations and ids as Velero's records spell them. */
#include "record.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

void
lb_time_rfc3339(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

time_t
lb_time_parse_rfc3339(const char *s)
{
	struct tm tm;
	const char *p;
	int oh = 0, om = 0, sign = 0;
	time_t t;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.')
		while (*++p >= '0' && *p <= '9')
			;
	if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (sscanf(p + 1, "%d:%d", &oh, &om) != 2)
			return -1;
	} else if (*p != 'Z') {
		return -1;
	}
	t = timegm(&tm);
	return t - sign * (oh * 3600 + om * 60);
}

int
lb_duration_parse(const char *s, int64_t *ms_out)
{
	const char *p = s;
	double total = 0;

	if (!s || !*s)
		goto bad;
	while (*p) {
		char *end;
		double v = strtod(p, &end);

		if (end == p)
			goto bad;
		p = end;
		if (strncmp(p, "ms", 2) == 0) {
			total += v;
			p += 2;
		} else if (*p == 'h') {
			total += v * 3600000.0;
			p++;
		} else if (*p == 'm') {
			total += v * 60000.0;
			p++;
		} else if (*p == 's') {
			total += v * 1000.0;
			p++;
		} else if (*p == 'd') { /* convenience; Go has no days */
			total += v * 86400000.0;
			p++;
		} else {
			goto bad;
		}
	}
	*ms_out = (int64_t) total;
	return 0;
bad:
	return lb_error_set(LB_EINVAL, "duration \"%s\": use Go syntax such as 720h, 1h30m, 90s",
	                    s ? s : "");
}

void
lb_duration_format(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms / 1000;

	snprintf(buf, size, "%lldh%lldm%llds", (long long) (s / 3600), (long long) ((s / 60) % 60),
	         (long long) (s % 60));
}

void
lb_uuid4(char buf[37])
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), i;

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t) sizeof(b))
		for (i = 0; i < 16; i++)
			b[i] = (unsigned char) rand();
	if (fd >= 0)
		close(fd);
	b[6] = (unsigned char) ((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char) ((b[8] & 0x3f) | 0x80);
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
}
