/* Open addressing, FNV-1a, grown at 50% load. */
#include "itemset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char) *s++) * 1099511628211ULL;
	return h;
}

void
lb_itemset_init(lb_itemset *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
}

static size_t
find(char **slots, size_t cap, const char *key)
{
	size_t i = (size_t) hash(key) & (cap - 1);

	while (slots[i] && strcmp(slots[i], key) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static int
grow(lb_itemset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024, i;
	char **n = calloc(cap, sizeof(*n));

	if (!n)
		return -1;
	for (i = 0; i < s->cap; i++)
		if (s->slots[i])
			n[find(n, cap, s->slots[i])] = s->slots[i];
	free(s->slots);
	s->slots = n;
	s->cap = cap;
	return 0;
}

int
lb_itemset_add(lb_itemset *s, const char *key)
{
	size_t i;
	int added = 0;

	pthread_mutex_lock(&s->mu);
	if ((s->count + 1) * 2 > s->cap && grow(s) < 0)
		goto done;
	i = find(s->slots, s->cap, key);
	if (!s->slots[i] && (s->slots[i] = strdup(key))) {
		s->count++;
		added = 1;
	}
done:
	pthread_mutex_unlock(&s->mu);
	return added;
}

int
lb_itemset_has(lb_itemset *s, const char *key)
{
	int has;

	pthread_mutex_lock(&s->mu);
	has = s->cap && s->slots[find(s->slots, s->cap, key)] != NULL;
	pthread_mutex_unlock(&s->mu);
	return has;
}

void
lb_itemset_dispose(lb_itemset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	s->slots = NULL;
	s->cap = s->count = 0;
	pthread_mutex_destroy(&s->mu);
}
