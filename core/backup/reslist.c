/* Velero's resource list. */
#include "reslist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

void
lb_reslist_init(lb_reslist *l)
{
	pthread_mutex_init(&l->mu, NULL);
	l->v = NULL;
	l->n = 0;
}

void
lb_reslist_dispose(lb_reslist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		lb_strlist_dispose(&l->v[i].names);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
	pthread_mutex_destroy(&l->mu);
}

void
lb_reslist_add(lb_reslist *l, const char *api_version, const char *kind, const char *name)
{
	char key[256];
	size_t i;

	snprintf(key, sizeof(key), "%s/%s", api_version ? api_version : "", kind ? kind : "");
	pthread_mutex_lock(&l->mu);
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			break;
	if (i == l->n) {
		lb_reslist_entry *n = realloc(l->v, (l->n + 1) * sizeof(*n));

		if (!n)
			goto done;
		l->v = n;
		memset(&n[i], 0, sizeof(n[i]));
		n[i].key = strdup(key);
		l->n++;
	}
	lb_strlist_add(&l->v[i].names, name);
done:
	pthread_mutex_unlock(&l->mu);
}

char *
lb_reslist_print(lb_reslist *l)
{
	cJSON *o = cJSON_CreateObject();
	char *s;
	size_t i, j;

	pthread_mutex_lock(&l->mu);
	for (i = 0; i < l->n; i++) {
		cJSON *a = cJSON_AddArrayToObject(o, l->v[i].key);

		lb_strlist_sort(&l->v[i].names);
		for (j = 0; j < l->v[i].names.count; j++)
			cJSON_AddItemToArray(a, cJSON_CreateString(l->v[i].names.items[j]));
	}
	pthread_mutex_unlock(&l->mu);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
