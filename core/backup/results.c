/* Velero-shaped results. */
#include "results.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/error.h"

int
lb_results_init(lb_results *r)
{
	pthread_mutex_init(&r->mu, NULL);
	r->errors = cJSON_CreateObject();
	r->warnings = cJSON_CreateObject();
	r->nerrors = r->nwarnings = 0;
	return r->errors && r->warnings ? 0 : LB_ENOMEM;
}

void
lb_results_dispose(lb_results *r)
{
	cJSON_Delete(r->errors);
	cJSON_Delete(r->warnings);
	r->errors = r->warnings = NULL;
	pthread_mutex_destroy(&r->mu);
}

static cJSON *
child(cJSON *o, const char *key, int array)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!c)
		c = array ? cJSON_AddArrayToObject(o, key) : cJSON_AddObjectToObject(o, key);
	return c;
}

static void
add(lb_results *r, int is_error, const char *ns, const char *fmt, va_list ap)
{
	char msg[2048];
	cJSON *res, *list;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	pthread_mutex_lock(&r->mu);
	res = is_error ? r->errors : r->warnings;
	if (!ns)
		list = child(res, "cluster", 1);
	else if (!*ns)
		list = child(res, "velero", 1);
	else
		list = child(child(res, "namespaces", 0), ns, 1);
	cJSON_AddItemToArray(list, cJSON_CreateString(msg));
	if (is_error)
		r->nerrors++;
	else
		r->nwarnings++;
	pthread_mutex_unlock(&r->mu);
}

void
lb_results_error(lb_results *r, const char *ns, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(r, 1, ns, fmt, ap);
	va_end(ap);
}

void
lb_results_warning(lb_results *r, const char *ns, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(r, 0, ns, fmt, ap);
	va_end(ap);
}

char *
lb_results_print(lb_results *r)
{
	cJSON *doc = cJSON_CreateObject();
	char *s;

	pthread_mutex_lock(&r->mu);
	cJSON_AddItemReferenceToObject(doc, "errors", r->errors);
	cJSON_AddItemReferenceToObject(doc, "warnings", r->warnings);
	s = cJSON_PrintUnformatted(doc);
	pthread_mutex_unlock(&r->mu);
	cJSON_Delete(doc);
	return s;
}

static size_t
count_result(const cJSON *res)
{
	const cJSON *ns;
	size_t n = 0;

	n += (size_t) cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "velero"));
	n += (size_t) cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "cluster"));
	cJSON_ArrayForEach(ns, cJSON_GetObjectItemCaseSensitive(res, "namespaces")) n +=
	    (size_t) cJSON_GetArraySize(ns);
	return n;
}

void
lb_results_count(const cJSON *doc, size_t *errors_out, size_t *warnings_out)
{
	*errors_out = count_result(cJSON_GetObjectItemCaseSensitive(doc, "errors"));
	*warnings_out = count_result(cJSON_GetObjectItemCaseSensitive(doc, "warnings"));
}
