/* Growable byte buffer and JSON string escaping. */
#include "fc_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
lb_fscopy__buf_reserve(fc_buf *b, size_t extra)
{
	size_t want = b->len + extra, cap;
	uint8_t *p;

	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return lb_fscopy__err(LB_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

int
lb_fscopy__buf_put(fc_buf *b, const void *p, size_t n)
{
	int rc = lb_fscopy__buf_reserve(b, n + 1);

	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int
lb_fscopy__buf_puts(fc_buf *b, const char *s)
{
	return lb_fscopy__buf_put(b, s, strlen(s));
}

int
lb_fscopy__buf_printf(fc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	rc = lb_fscopy__buf_reserve(b, (size_t) n + 1);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *) b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
	return 0;
}

void
lb_fscopy__buf_free(fc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
lb_fscopy__buf_json_str(fc_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	int rc = lb_fscopy__buf_reserve(b, n * 6 + 3);
	uint8_t *o;
	size_t i;

	if (rc < 0)
		return rc;
	o = b->data + b->len;
	*o++ = '"';
	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t) s[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = c;
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c == '\r') {
			*o++ = '\\';
			*o++ = 'r';
		} else if (c == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = (uint8_t) hex[c >> 4];
			*o++ = (uint8_t) hex[c & 15];
		} else {
			*o++ = c;
		}
	}
	*o++ = '"';
	b->len = (size_t) (o - b->data);
	b->data[b->len] = 0;
	return 0;
}
