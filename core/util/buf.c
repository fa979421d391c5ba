#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
lb_buf_grow(lb_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap;
	char *p;

	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->ptr, cap);
	if (!p)
		return LB_ENOMEM;
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int
lb_buf_put(lb_buf *b, const void *data, size_t len)
{
	if (lb_buf_grow(b, len) < 0)
		return LB_ENOMEM;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int
lb_buf_puts(lb_buf *b, const char *s)
{
	return lb_buf_put(b, s, strlen(s));
}

int
lb_buf_printf(lb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return LB_EINVAL;
	if (lb_buf_grow(b, (size_t) n) < 0)
		return LB_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
	return 0;
}

void
lb_buf_clear(lb_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *
lb_buf_detach(lb_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void
lb_buf_dispose(lb_buf *b)
{
	if (!b)
		return;
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

int
lb_strlist_addn(lb_strlist *l, const char *s, size_t n)
{
	char *copy;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **items = realloc(l->items, cap * sizeof(*items));

		if (!items)
			return LB_ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	copy = malloc(n + 1);
	if (!copy)
		return LB_ENOMEM;
	memcpy(copy, s, n);
	copy[n] = '\0';
	l->items[l->count++] = copy;
	return 0;
}

int
lb_strlist_add(lb_strlist *l, const char *s)
{
	return lb_strlist_addn(l, s, strlen(s));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

void
lb_strlist_sort(lb_strlist *l)
{
	if (l->count > 1)
		qsort(l->items, l->count, sizeof(*l->items), cmp_str);
}

int
lb_strlist_contains(const lb_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

void
lb_strlist_dispose(lb_strlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}
