/*
 * base64url, malloc'd (percent-encoding is lb_psup_pct_encode).
 */
#include <stdlib.h>
#include "lb_gcs.h"

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
