/* A thread-safe set of strings (items already backed up or restored). */
#ifndef LB_BACKUP_ITEMSET_H
#define LB_BACKUP_ITEMSET_H

#include <pthread.h>
#include <stddef.h>

typedef struct lb_itemset {
	pthread_mutex_t mu;
	char **slots;
	size_t cap;
	size_t count;
} lb_itemset;

void lb_itemset_init(lb_itemset *s);
/* 1 when @key was added, 0 when it was there already (or out of memory). */
int lb_itemset_add(lb_itemset *s, const char *key);
int lb_itemset_has(lb_itemset *s, const char *key);
void lb_itemset_dispose(lb_itemset *s);

#endif
