/* AppliesTo selectors of item actions. */
#include "applies_to.h"

#include <string.h>

#include "util/error.h"

static int
add_list(const cJSON *o, const char *key, lb_strlist *out)
{
	const cJSON *it;

	cJSON_ArrayForEach(
	    it, cJSON_GetObjectItemCaseSensitive(o, key)) if (cJSON_IsString(it) &&
	                                                      lb_strlist_add(out, it->valuestring) <
	                                                          0) return LB_ENOMEM;
	return 0;
}

int
lb_applies_to_parse(const char *selector_json, const char *what, lb_applies_to *out)
{
	cJSON *o = cJSON_Parse(selector_json && *selector_json ? selector_json : "{}");
	const char *ls;
	int error;

	memset(out, 0, sizeof(*out));
	if (!o || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return lb_error_set(LB_EPROTO, "%s: AppliesTo is not a JSON object", what);
	}
	if ((error = add_list(o, "includedNamespaces", &out->ns.include)) < 0 ||
	    (error = add_list(o, "excludedNamespaces", &out->ns.exclude)) < 0 ||
	    (error = add_list(o, "includedResources", &out->res.include)) < 0 ||
	    (error = add_list(o, "excludedResources", &out->res.exclude)) < 0)
		goto done;
	out->names_namespaces = !lb_ns_filter_includes_all(&out->ns) || out->ns.exclude.count;
	ls = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "labelSelector"));
	if ((error = lb_label_selector_parse(ls, &out->labels)) < 0)
		lb_error_set(error, "%s: AppliesTo labelSelector: %s", what, lb_error_last(error));
done:
	cJSON_Delete(o);
	if (error < 0)
		lb_applies_to_dispose(out);
	return error;
}

int
lb_applies_to_match(const lb_applies_to *a,
                    const lb_res_names *r,
                    const char *ns,
                    const cJSON *labels)
{
	if (!lb_res_filter_match(&a->res, r))
		return 0;
	if (!ns || !*ns) {
		if (a->names_namespaces)
			return 0;
	} else if (!lb_ns_filter_match(&a->ns, ns)) {
		return 0;
	}
	return lb_label_selector_match(a->labels, labels);
}

void
lb_applies_to_dispose(lb_applies_to *a)
{
	lb_ns_filter_dispose(&a->ns);
	lb_res_filter_dispose(&a->res);
	lb_label_selector_free(a->labels);
	a->labels = NULL;
}
