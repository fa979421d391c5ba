/*
 * Percent-encoding of object names and base64url, both malloc'd.
 */
#include <stdlib.h>
#include <string.h>
#include "lb_gcs.h"

static int
unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

char *
lb_gcs_escape(const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(n * 3 + 1), *p = out;
	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = (unsigned char) *s;
		if (unreserved(ch) || (keep_slash && ch == '/')) {
			*p++ = (char) ch;
		} else {
			*p++ = '%';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		}
	}
	*p = '\0';
	return out;
}

char *
lb_gcs_b64url(const unsigned char *in, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = malloc((n + 2) / 3 * 4 + 1), *p = out;
	size_t i;
	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
		*p++ = tab[v >> 18 & 63];
		*p++ = tab[v >> 12 & 63];
		*p++ = tab[v >> 6 & 63];
		*p++ = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t) in[i] << 16 | (i + 1 < n ? (uint32_t) in[i + 1] << 8 : 0);
		*p++ = tab[v >> 18 & 63];
		*p++ = tab[v >> 12 & 63];
		if (i + 1 < n)
			*p++ = tab[v >> 6 & 63];
	}
	*p = '\0';
	return out;
}
