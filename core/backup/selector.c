/* Include/exclude rules for namespaces, resources, cluster scope and labels. */
#include "selector.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"

int
lb_csv_split(const char *csv, lb_strlist *out)
{
	const char *p = csv, *s, *e;
	int error;

	if (!csv)
		return 0;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		s = p;
		while (*p && *p != ',')
			p++;
		e = p;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s && (error = lb_strlist_addn(out, s, (size_t) (e - s))) < 0)
			return error;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ---- namespaces ---- */

int
lb_ns_filter_init(lb_ns_filter *f, const char *include_csv, const char *exclude_csv)
{
	int error;

	memset(f, 0, sizeof(*f));
	if ((error = lb_csv_split(include_csv, &f->include)) < 0 ||
	    (error = lb_csv_split(exclude_csv, &f->exclude)) < 0)
		return error;
	return 0;
}

static int
glob_any(const lb_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (fnmatch(l->items[i], s, 0) == 0)
			return 1;
	return 0;
}

int
lb_ns_filter_includes_all(const lb_ns_filter *f)
{
	return f->include.count == 0 || lb_strlist_contains(&f->include, "*");
}

int
lb_ns_filter_match(const lb_ns_filter *f, const char *ns)
{
	if (glob_any(&f->exclude, ns))
		return 0;
	return lb_ns_filter_includes_all(f) || glob_any(&f->include, ns);
}

void
lb_ns_filter_dispose(lb_ns_filter *f)
{
	lb_strlist_dispose(&f->include);
	lb_strlist_dispose(&f->exclude);
}

/* ---- resources ---- */

int
lb_res_filter_init(lb_res_filter *f, const char *include_csv, const char *exclude_csv)
{
	int error;

	memset(f, 0, sizeof(*f));
	if ((error = lb_csv_split(include_csv, &f->include)) < 0 ||
	    (error = lb_csv_split(exclude_csv, &f->exclude)) < 0)
		return error;
	return 0;
}

static int
name_is(const char *a, const char *b, size_t blen)
{
	return a && strlen(a) == blen && strncasecmp(a, b, blen) == 0;
}

static int
names_match(const char *t, size_t n, const lb_res_names *r)
{
	size_t i;

	if (name_is(r->plural, t, n) || name_is(r->singular, t, n) || name_is(r->kind, t, n))
		return 1;
	for (i = 0; r->short_names && r->short_names[i]; i++)
		if (name_is(r->short_names[i], t, n))
			return 1;
	return 0;
}

int
lb_res_term_matches(const char *term, const lb_res_names *r)
{
	const char *dot = strchr(term, '.');
	const char *group = r->group ? r->group : "";

	if (strcmp(term, "*") == 0)
		return 1;
	if (!dot)
		return names_match(term, strlen(term), r);
	/* "<name>.<group>"; the group part may itself be a glob ("*.apps" style is for
	 * resource modifiers, handled there) */
	return strcasecmp(dot + 1, group) == 0 && names_match(term, (size_t) (dot - term), r);
}

static int
any_term(const lb_strlist *l, const lb_res_names *r)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (lb_res_term_matches(l->items[i], r))
			return 1;
	return 0;
}

int
lb_res_filter_match(const lb_res_filter *f, const lb_res_names *r)
{
	if (any_term(&f->exclude, r))
		return 0;
	return f->include.count == 0 || any_term(&f->include, r);
}

int
lb_res_filter_names(const lb_res_filter *f, const lb_res_names *r)
{
	size_t i;

	for (i = 0; i < f->include.count; i++)
		if (strcmp(f->include.items[i], "*") != 0 &&
		    lb_res_term_matches(f->include.items[i], r))
			return 1;
	return 0;
}

void
lb_res_filter_dispose(lb_res_filter *f)
{
	lb_strlist_dispose(&f->include);
	lb_strlist_dispose(&f->exclude);
}

int
lb_cluster_mode_parse(const char *s, lb_cluster_mode *out)
{
	if (!s || !*s || strcmp(s, "auto") == 0)
		*out = LB_CLUSTER_AUTO;
	else if (strcmp(s, "true") == 0)
		*out = LB_CLUSTER_TRUE;
	else if (strcmp(s, "false") == 0)
		*out = LB_CLUSTER_FALSE;
	else
		return lb_error_set(
		    LB_EINVAL, "--include-cluster-resources: \"%s\" is not auto, true or false", s);
	return 0;
}

int
lb_cluster_scoped_included(lb_cluster_mode mode,
                           const lb_ns_filter *ns,
                           const lb_res_filter *res,
                           const lb_res_names *r)
{
	if (!lb_res_filter_match(res, r))
		return 0;
	switch (mode) {
	case LB_CLUSTER_TRUE:
		return 1;
	case LB_CLUSTER_FALSE:
		return 0;
	default:
		/* Velero: nil IncludeClusterResources includes cluster-scoped resources when
		 * the backup covers all namespaces, or when the resource is named
		 * explicitly in the include list. */
		return lb_ns_filter_includes_all(ns) || lb_res_filter_names(res, r);
	}
}

/* ---- labels ---- */

typedef enum { OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOTEXISTS } req_op;

typedef struct requirement {
	char *key;
	req_op op;
	lb_strlist values;
} requirement;

struct lb_label_selector {
	requirement *reqs;
	size_t n;
};

static int
add_req(lb_label_selector *s, const char *key, size_t klen, req_op op, requirement **out)
{
	requirement *r = realloc(s->reqs, (s->n + 1) * sizeof(*r));

	if (!r)
		return LB_ENOMEM;
	s->reqs = r;
	r = &s->reqs[s->n++];
	memset(r, 0, sizeof(*r));
	r->key = strndup(key, klen);
	r->op = op;
	*out = r;
	return r->key ? 0 : LB_ENOMEM;
}

static void
skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static int
is_key_char(char c)
{
	return isalnum((unsigned char) c) || c == '-' || c == '_' || c == '.' || c == '/';
}

int
lb_label_selector_parse(const char *text, lb_label_selector **out)
{
	lb_label_selector *s = calloc(1, sizeof(*s));
	const char *p = text ? text : "", *k, *v;
	size_t klen;
	requirement *r;
	int error = 0, neg;

	if (!s)
		return LB_ENOMEM;
	for (;;) {
		skip_ws(&p);
		if (!*p)
			break;
		neg = 0;
		if (*p == '!') {
			neg = 1;
			p++;
			skip_ws(&p);
		}
		k = p;
		while (is_key_char(*p))
			p++;
		klen = (size_t) (p - k);
		if (!klen)
			goto bad;
		skip_ws(&p);
		if (neg) {
			if ((error = add_req(s, k, klen, OP_NOTEXISTS, &r)) < 0)
				goto fail;
		} else if (*p == ',' || !*p) {
			if ((error = add_req(s, k, klen, OP_EXISTS, &r)) < 0)
				goto fail;
		} else if (p[0] == '!' && p[1] == '=') {
			p += 2;
			if ((error = add_req(s, k, klen, OP_NE, &r)) < 0)
				goto fail;
			goto one_value;
		} else if (*p == '=') {
			p += p[1] == '=' ? 2 : 1;
			if ((error = add_req(s, k, klen, OP_EQ, &r)) < 0)
				goto fail;
			goto one_value;
		} else if (strncmp(p, "in", 2) == 0 || strncmp(p, "notin", 5) == 0) {
			int notin = p[0] == 'n';

			p += notin ? 5 : 2;
			if ((error = add_req(s, k, klen, notin ? OP_NOTIN : OP_IN, &r)) < 0)
				goto fail;
			skip_ws(&p);
			if (*p != '(')
				goto bad;
			p++;
			for (;;) {
				skip_ws(&p);
				v = p;
				while (is_key_char(*p))
					p++;
				if (p > v)
					lb_strlist_addn(&r->values, v, (size_t) (p - v));
				skip_ws(&p);
				if (*p == ',') {
					p++;
					continue;
				}
				if (*p == ')') {
					p++;
					break;
				}
				goto bad;
			}
		} else {
			goto bad;
		}
		goto next;
	one_value:
		skip_ws(&p);
		v = p;
		while (is_key_char(*p))
			p++;
		lb_strlist_addn(&r->values, v, (size_t) (p - v));
	next:
		skip_ws(&p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p)
			goto bad;
	}
	*out = s;
	return 0;
bad:
	error = lb_error_set(LB_EINVAL,
	                     "label selector \"%s\": cannot parse at \"%s\" (use k=v, k!=v, "
	                     "k in (a,b), k notin (a,b), k, !k)",
	                     text, p);
fail:
	lb_label_selector_free(s);
	return error;
}

int
lb_label_selector_empty(const lb_label_selector *s)
{
	return !s || s->n == 0;
}

int
lb_label_selector_match(const lb_label_selector *s, const cJSON *labels)
{
	size_t i;

	if (!s)
		return 1;
	for (i = 0; i < s->n; i++) {
		const requirement *r = &s->reqs[i];
		const cJSON *l = labels ? cJSON_GetObjectItemCaseSensitive(labels, r->key) : NULL;
		const char *v = cJSON_IsString(l) ? l->valuestring : NULL;
		int in = v && lb_strlist_contains(&r->values, v);

		switch (r->op) {
		case OP_EQ:
		case OP_IN:
			if (!in)
				return 0;
			break;
		case OP_NE:
		case OP_NOTIN:
			if (in)
				return 0;
			break;
		case OP_EXISTS:
			if (!v)
				return 0;
			break;
		case OP_NOTEXISTS:
			if (v)
				return 0;
			break;
		}
	}
	return 1;
}

cJSON *
lb_label_selector_to_json(const lb_label_selector *s)
{
	static const char *const ops[] = {"In", "NotIn", "In", "NotIn", "Exists", "DoesNotExist"};
	cJSON *o = cJSON_CreateObject(), *ml = NULL, *me = NULL;
	size_t i, j;

	for (i = 0; s && i < s->n; i++) {
		const requirement *r = &s->reqs[i];
		cJSON *e, *vals;

		if (r->op == OP_EQ && r->values.count == 1) {
			if (!ml)
				ml = cJSON_AddObjectToObject(o, "matchLabels");
			cJSON_AddStringToObject(ml, r->key, r->values.items[0]);
			continue;
		}
		if (!me)
			me = cJSON_AddArrayToObject(o, "matchExpressions");
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "key", r->key);
		cJSON_AddStringToObject(e, "operator", ops[r->op]);
		if (r->values.count) {
			vals = cJSON_AddArrayToObject(e, "values");
			for (j = 0; j < r->values.count; j++)
				cJSON_AddItemToArray(vals, cJSON_CreateString(r->values.items[j]));
		}
		cJSON_AddItemToArray(me, e);
	}
	return o;
}

int
lb_label_selector_from_json(const cJSON *json, lb_label_selector **out)
{
	lb_label_selector *s = calloc(1, sizeof(*s));
	const cJSON *it, *v;
	requirement *r;
	int error = 0;

	if (!s)
		return LB_ENOMEM;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(json, "matchLabels"))
	{
		if ((error = add_req(s, it->string, strlen(it->string), OP_EQ, &r)) < 0)
			goto fail;
		lb_strlist_add(&r->values, cJSON_IsString(it) ? it->valuestring : "");
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(json, "matchExpressions"))
	{
		const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "key"));
		const char *op =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "operator"));
		req_op o;

		if (!key || !op)
			goto bad;
		if (strcmp(op, "In") == 0)
			o = OP_IN;
		else if (strcmp(op, "NotIn") == 0)
			o = OP_NOTIN;
		else if (strcmp(op, "Exists") == 0)
			o = OP_EXISTS;
		else if (strcmp(op, "DoesNotExist") == 0)
			o = OP_NOTEXISTS;
		else
			goto bad;
		if ((error = add_req(s, key, strlen(key), o, &r)) < 0)
			goto fail;
		cJSON_ArrayForEach(
		    v, cJSON_GetObjectItemCaseSensitive(it, "values")) if (cJSON_IsString(v))
		    lb_strlist_add(&r->values, v->valuestring);
	}
	*out = s;
	return 0;
bad:
	error = lb_error_set(LB_EINVAL,
	                     "labelSelector: matchExpressions need key and an operator of In, "
	                     "NotIn, Exists, DoesNotExist");
fail:
	lb_label_selector_free(s);
	return error;
}

void
lb_label_selector_free(lb_label_selector *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->reqs[i].key);
		lb_strlist_dispose(&s->reqs[i].values);
	}
	free(s->reqs);
	free(s);
}
