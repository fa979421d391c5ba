/* Resource modifier rules. */
#include "modifiers.h"

#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/selector.h"
#include "jsonpatch.h"
#include "kube/yaml_json.h"
#include "util/buf.h"
#include "util/error.h"

typedef struct rule {
	char *group_resource;
	int has_regex;
	regex_t regex;
	lb_strlist namespaces;
	lb_label_selector *labels;
	cJSON *matches; /* [{path,value}] */
	cJSON *patches; /* RFC 6902 ops */
	cJSON *merges;  /* [patch objects] */
	cJSON *strategic;
} rule;

struct lb_modifiers {
	rule *rules;
	size_t n;
};

void
lb_modifiers_free(lb_modifiers *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		rule *r = &m->rules[i];

		free(r->group_resource);
		if (r->has_regex)
			regfree(&r->regex);
		lb_strlist_dispose(&r->namespaces);
		lb_label_selector_free(r->labels);
		cJSON_Delete(r->matches);
		cJSON_Delete(r->patches);
		cJSON_Delete(r->merges);
		cJSON_Delete(r->strategic);
	}
	free(m->rules);
	free(m);
}

/* Velero's patch value is text: JSON when it parses as a number, bool, null, object or
 * array, else a string. */
static cJSON *
patch_value(const cJSON *v)
{
	cJSON *p;

	if (!cJSON_IsString(v))
		return cJSON_Duplicate(v, 1);
	p = cJSON_Parse(v->valuestring);
	if (p && !cJSON_IsString(p))
		return p;
	cJSON_Delete(p);
	return cJSON_CreateString(v->valuestring);
}

static cJSON *
patch_docs(const cJSON *list, const char *what, int rule_no, int *error)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *it;

	cJSON_ArrayForEach(it, list)
	{
		const char *data =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "patchData"));
		cJSON *doc = NULL;

		if (!data || lb_yaml_to_json(data, strlen(data), what, &doc) < 0 || !doc) {
			*error = lb_error_set(LB_EINVAL,
			                      "%s: rule %d: patchData is missing or not JSON/YAML",
			                      what, rule_no);
			cJSON_Delete(doc);
			break;
		}
		cJSON_AddItemToArray(out, doc);
	}
	return out;
}

static int
parse_rule(const cJSON *j, const char *what, int no, rule *r)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "conditions"), *it;
	const char *gr = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "groupResource"));
	const char *re =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "resourceNameRegex"));
	const cJSON *ls = cJSON_GetObjectItemCaseSensitive(c, "labelSelector");
	int error = 0;

	if (!gr || !*gr)
		return lb_error_set(LB_EINVAL, "%s: rule %d: conditions.groupResource is required",
		                    what, no);
	r->group_resource = strdup(gr);
	if (re && *re) {
		if (regcomp(&r->regex, re, REG_EXTENDED | REG_NOSUB) != 0)
			return lb_error_set(LB_EINVAL,
			                    "%s: rule %d: resourceNameRegex \"%s\" is not a valid "
			                    "regular expression",
			                    what, no, re);
		r->has_regex = 1;
	}
	cJSON_ArrayForEach(
	    it, cJSON_GetObjectItemCaseSensitive(c, "namespaces")) if (cJSON_IsString(it))
	    lb_strlist_add(&r->namespaces, it->valuestring);
	if (ls && (error = lb_label_selector_from_json(ls, &r->labels)) < 0)
		return lb_error_set(error, "%s: rule %d: %s", what, no, lb_error_last(error));
	r->matches = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c, "matches"), 1);
	r->patches = cJSON_CreateArray();
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "patches"))
	{
		cJSON *op = cJSON_CreateObject();
		const char *o =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "operation"));
		const char *path =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "path"));
		const char *from =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "from"));
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");

		if (!o || !path) {
			cJSON_Delete(op);
			return lb_error_set(
			    LB_EINVAL, "%s: rule %d: a patch needs operation and path", what, no);
		}
		cJSON_AddStringToObject(op, "op", o);
		cJSON_AddStringToObject(op, "path", path);
		if (from)
			cJSON_AddStringToObject(op, "from", from);
		if (v)
			cJSON_AddItemToObject(op, "value", patch_value(v));
		cJSON_AddItemToArray(r->patches, op);
	}
	r->merges =
	    patch_docs(cJSON_GetObjectItemCaseSensitive(j, "mergePatches"), what, no, &error);
	if (error < 0)
		return error;
	r->strategic =
	    patch_docs(cJSON_GetObjectItemCaseSensitive(j, "strategicPatches"), what, no, &error);
	return error;
}

int
lb_modifiers_parse(const char *text, size_t len, const char *what, lb_modifiers **out)
{
	lb_modifiers *m = NULL;
	cJSON *doc = NULL, *rules, *it;
	const char *version;
	int error, no = 0;

	if ((error = lb_yaml_to_json(text, len, what, &doc)) < 0)
		return error;
	/* a ConfigMap holding the YAML in its only data key */
	if (cJSON_GetObjectItemCaseSensitive(doc, "data") &&
	    !cJSON_GetObjectItemCaseSensitive(doc, "resourceModifierRules")) {
		cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data"), *inner = NULL;
		const char *y = data && data->child ? cJSON_GetStringValue(data->child) : NULL;

		if (!y || cJSON_GetArraySize(data) != 1) {
			error = lb_error_set(LB_EINVAL,
			                     "%s: a resource-modifier ConfigMap needs exactly one "
			                     "data key",
			                     what);
			goto done;
		}
		if ((error = lb_yaml_to_json(y, strlen(y), what, &inner)) < 0)
			goto done;
		cJSON_Delete(doc);
		doc = inner;
	}
	version = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "version"));
	if (!version || strcmp(version, "v1") != 0) {
		error = lb_error_set(LB_EINVAL, "%s: \"version: v1\" is required (found %s)", what,
		                     version ? version : "none");
		goto done;
	}
	rules = cJSON_GetObjectItemCaseSensitive(doc, "resourceModifierRules");
	if (!cJSON_IsArray(rules)) {
		error = lb_error_set(LB_EINVAL, "%s: resourceModifierRules must be a list", what);
		goto done;
	}
	m = calloc(1, sizeof(*m));
	m->rules = calloc((size_t) cJSON_GetArraySize(rules) + 1, sizeof(rule));
	cJSON_ArrayForEach(it, rules)
	{
		no++;
		if ((error = parse_rule(it, what, no, &m->rules[m->n++])) < 0)
			goto done;
	}
	*out = m;
	m = NULL;
	error = 0;
done:
	lb_modifiers_free(m);
	cJSON_Delete(doc);
	return error;
}

int
lb_modifiers_load(const char *path, lb_modifiers **out)
{
	FILE *f = fopen(path, "rb");
	lb_buf b = LB_BUF_INIT;
	char chunk[8192];
	size_t n;
	int error;

	if (!f)
		return lb_error_errno(errno, "--resource-modifiers %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		lb_buf_put(&b, chunk, n);
	fclose(f);
	error = lb_modifiers_parse(b.ptr ? b.ptr : "", b.len, path, out);
	lb_buf_dispose(&b);
	return error;
}

static int
value_equals(const cJSON *have, const cJSON *want)
{
	char *s;
	int eq;

	if (!have)
		return 0;
	if (cJSON_IsString(want) && cJSON_IsString(have))
		return strcmp(want->valuestring, have->valuestring) == 0;
	if (cJSON_IsString(want)) {
		s = cJSON_PrintUnformatted(have);
		eq = s && strcmp(s, want->valuestring) == 0;
		free(s);
		return eq;
	}
	return cJSON_Compare(have, want, 1);
}

static int
rule_matches(const rule *r, const char *gr, const char *ns, cJSON *obj)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata"), *m;
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));

	if (fnmatch(r->group_resource, gr, 0) != 0)
		return 0;
	if (r->namespaces.count && (!ns || !lb_strlist_contains(&r->namespaces, ns)))
		return 0;
	if (r->has_regex && (!name || regexec(&r->regex, name, 0, NULL, 0) != 0))
		return 0;
	if (r->labels &&
	    !lb_label_selector_match(r->labels, cJSON_GetObjectItemCaseSensitive(md, "labels")))
		return 0;
	cJSON_ArrayForEach(m, r->matches)
	{
		const char *path =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "path"));

		if (!path || !value_equals(lb_json_pointer_get(obj, path),
		                           cJSON_GetObjectItemCaseSensitive(m, "value")))
			return 0;
	}
	return 1;
}

int
lb_modifiers_apply(const lb_modifiers *m, const char *gr, const char *ns, cJSON **obj)
{
	size_t i;
	int applied = 0, error;
	const cJSON *p;

	for (i = 0; m && i < m->n; i++) {
		const rule *r = &m->rules[i];

		if (!rule_matches(r, gr, ns, *obj))
			continue;
		if (cJSON_GetArraySize(r->patches) && (error = lb_json_patch(obj, r->patches)) < 0)
			return lb_error_set(error, "resource modifier rule %zu: %s", i + 1,
			                    lb_error_last(error));
		cJSON_ArrayForEach(p, r->merges) lb_json_merge_patch(obj, p);
		cJSON_ArrayForEach(p, r->strategic) lb_json_strategic_merge(obj, p);
		applied++;
	}
	return applied;
}
