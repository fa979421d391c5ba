/*
 * URI decoding, endpoint splitting and bucket-name checks (encoding is lb_psup_pct_encode).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "s3_internal.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
lb_s3_uri_decode(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		if (*s == '%') {
			int a = hexval((unsigned char) s[1]),
			    b = a < 0 ? -1 : hexval((unsigned char) s[2]);
			if (a < 0 || b < 0) {
				free(out);
				return NULL;
			}
			*o++ = (char) (a * 16 + b);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

int
lb_s3_endpoint_split(const char *url, char **scheme, char **authority, char **host)
{
	const char *p = strstr(url, "://"), *a, *e;
	*scheme = *authority = *host = NULL;
	if (p == NULL)
		return LB_EINVAL;
	if (!((p - url == 4 && strncasecmp(url, "http", 4) == 0) ||
	      (p - url == 5 && strncasecmp(url, "https", 5) == 0)))
		return LB_EINVAL;
	a = p + 3;
	e = a + strcspn(a, "/?#");
	if (e == a || memchr(a, '@', (size_t) (e - a)) != NULL)
		return LB_EINVAL;
	*scheme = strndup(url, (size_t) (p - url));
	*authority = strndup(a, (size_t) (e - a));
	if (*scheme == NULL || *authority == NULL)
		goto oom;
	for (char *c = *scheme; *c; c++)
		*c = (char) tolower((unsigned char) *c);
	if (**authority == '[') {
		const char *rb = strchr(*authority, ']');
		if (rb == NULL)
			goto bad;
		*host = strndup(*authority, (size_t) (rb - *authority) + 1);
	} else {
		*host = strndup(*authority, strcspn(*authority, ":"));
	}
	if (*host == NULL)
		goto oom;
	if (**host == '\0')
		goto bad;
	return 0;
bad:
	free(*scheme), free(*authority), free(*host);
	*scheme = *authority = *host = NULL;
	return LB_EINVAL;
oom:
	free(*scheme), free(*authority), free(*host);
	*scheme = *authority = *host = NULL;
	return LB_ENOMEM;
}

int
lb_s3_host_is_ip(const char *host)
{
	if (host[0] == '[')
		return 1;
	for (const char *p = host; *p; p++)
		if (!isdigit((unsigned char) *p) && *p != '.')
			return 0;
	return 1;
}

/* Virtual-hosted addressing needs a DNS label: 3..63 of [a-z0-9-], no dots (dots break TLS
 * wildcard certificates). Anything else goes path-style. */
int
lb_s3_bucket_dns_ok(const char *b)
{
	size_t n = strlen(b);
	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char) b[i]) || isdigit((unsigned char) b[i]) ||
		      b[i] == '-'))
			return 0;
	return 1;
}
