/*
 * The few S3 XML documents the client reads (ListBucketResult, InitiateMultipartUploadResult,
 * Error) are flat and small, so a tag scanner does instead of a general XML parser.
 */
#include <stdlib.h>
#include <string.h>
#include "s3_internal.h"

int
lb_s3_xml_next(const char **pos, const char *end, const char *tag, lb_s3_span *inner)
{
	size_t tl = strlen(tag);
	const char *p = *pos;
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t) (end - p));
		if (lt == NULL || (size_t) (end - lt) < tl + 2)
			return 0;
		p = lt + 1;
		if (strncmp(p, tag, tl) != 0)
			continue;
		char c = p[tl];
		if (c != '>' && c != ' ' && c != '/' && c != '\t' && c != '\n' && c != '\r')
			continue;
		const char *gt = memchr(p, '>', (size_t) (end - p));
		if (gt == NULL)
			return 0;
		if (gt[-1] == '/') { /* <tag/> */
			inner->p = gt + 1;
			inner->n = 0;
			*pos = gt + 1;
			return 1;
		}
		const char *body = gt + 1, *q = body;
		/* the matching close tag; S3 elements of one name do not nest */
		for (;;) {
			const char *cl = memchr(q, '<', (size_t) (end - q));
			if (cl == NULL || (size_t) (end - cl) < tl + 3)
				return 0;
			if (cl[1] == '/' && strncmp(cl + 2, tag, tl) == 0 && cl[2 + tl] == '>') {
				inner->p = body;
				inner->n = (size_t) (cl - body);
				*pos = cl + 3 + tl;
				return 1;
			}
			q = cl + 1;
		}
	}
	return 0;
}

char *
lb_s3_xml_unescape(lb_s3_span s)
{
	char *out = malloc(s.n + 1), *o = out;
	const char *p = s.p, *e = s.p + s.n;
	if (out == NULL)
		return NULL;
	while (p < e) {
		if (*p != '&') {
			*o++ = *p++;
			continue;
		}
		const char *semi = memchr(p, ';', (size_t) (e - p));
		size_t n = semi ? (size_t) (semi - p) : 0;
		if (n == 3 && strncmp(p, "&lt", 3) == 0)
			*o++ = '<';
		else if (n == 3 && strncmp(p, "&gt", 3) == 0)
			*o++ = '>';
		else if (n == 4 && strncmp(p, "&amp", 4) == 0)
			*o++ = '&';
		else if (n == 5 && strncmp(p, "&quot", 5) == 0)
			*o++ = '"';
		else if (n == 5 && strncmp(p, "&apos", 5) == 0)
			*o++ = '\'';
		else if (n > 2 && p[1] == '#') {
			unsigned long cp =
			    p[2] == 'x' ? strtoul(p + 3, NULL, 16) : strtoul(p + 2, NULL, 10);
			/* UTF-8 encode */
			if (cp < 0x80) {
				*o++ = (char) cp;
			} else if (cp < 0x800) {
				*o++ = (char) (0xC0 | (cp >> 6));
				*o++ = (char) (0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				*o++ = (char) (0xE0 | (cp >> 12));
				*o++ = (char) (0x80 | ((cp >> 6) & 0x3F));
				*o++ = (char) (0x80 | (cp & 0x3F));
			} else {
				*o++ = (char) (0xF0 | (cp >> 18));
				*o++ = (char) (0x80 | ((cp >> 12) & 0x3F));
				*o++ = (char) (0x80 | ((cp >> 6) & 0x3F));
				*o++ = (char) (0x80 | (cp & 0x3F));
			}
		} else {
			*o++ = *p++; /* not an entity we know: keep the text */
			continue;
		}
		p = semi + 1;
	}
	*o = '\0';
	return out;
}

char *
lb_s3_xml_text(const char *doc, size_t len, const char *tag)
{
	const char *pos = doc;
	lb_s3_span s;
	if (doc == NULL || !lb_s3_xml_next(&pos, doc + len, tag, &s))
		return NULL;
	return lb_s3_xml_unescape(s);
}

char *
lb_s3_xml_escape(const char *s)
{
	char *out = malloc(6 * strlen(s) + 1), *o = out;
	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		const char *r = NULL;
		switch (*s) {
		case '<':
			r = "&lt;";
			break;
		case '>':
			r = "&gt;";
			break;
		case '&':
			r = "&amp;";
			break;
		case '"':
			r = "&quot;";
			break;
		case '\'':
			r = "&apos;";
			break;
		}
		if (r) {
			size_t n = strlen(r);
			memcpy(o, r, n);
			o += n;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}
