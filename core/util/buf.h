/* Growable byte buffer and string list. These are also the engine's definitions of the
 * SDK's opaque output builders (struct lb_buf, struct lb_strlist). */
#ifndef LB_UTIL_BUF_H
#define LB_UTIL_BUF_H

#include <stddef.h>
#include <lifeboat/plugin/host.h>

struct lb_buf {
	char *ptr;  /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
};

struct lb_strlist {
	char **items;
	size_t count;
	size_t cap;
};

#define LB_BUF_INIT {NULL, 0, 0}
#define LB_STRLIST_INIT {NULL, 0, 0}

int lb_buf_grow(lb_buf *b, size_t extra);
int lb_buf_put(lb_buf *b, const void *data, size_t len);
int lb_buf_puts(lb_buf *b, const char *s);
int lb_buf_printf(lb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lb_buf_clear(lb_buf *b);
/* Hand the string over: returns the NUL-terminated buffer ("" if empty), resets @b. */
char *lb_buf_detach(lb_buf *b);
void lb_buf_dispose(lb_buf *b);

int lb_strlist_add(lb_strlist *l, const char *s);
int lb_strlist_addn(lb_strlist *l, const char *s, size_t n);
void lb_strlist_sort(lb_strlist *l);
int lb_strlist_contains(const lb_strlist *l, const char *s);
void lb_strlist_dispose(lb_strlist *l);

#endif
