/*
 * Percent-encoding (RFC 3986 unreserved kept, as SigV4 and the GCS JSON API both want it)
 * and hex.
 */
#include <stdlib.h>
#include <string.h>
#include "lb_psup.h"

static int
unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

char *
lb_psup_pct_encode(const char *s, int keep_slash)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(n * 3 + 1), *o = out;
	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		if (unreserved(*p) || (keep_slash && *p == '/')) {
			*o++ = (char) *p;
		} else {
			*o++ = '%';
			*o++ = hx[*p >> 4];
			*o++ = hx[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

void
lb_psup_hex(const unsigned char *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}
