/* Legacy discovery: /api, /apis and every group-version's APIResourceList. Strings point
 * into the kept answers; subresources ("deployments/status") are folded into their
 * resource. Versions are ordered by Kubernetes version priority. */
#include "kube_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/log.h"

struct discovery_owner {
	lb_kube_discovery pub; /* first: the public pointer is this struct */
	cJSON *answers;        /* every parsed answer; strings point into them */
};

/* kind: 3 GA, 2 beta, 1 alpha, 0 not kube-like */
static int
parse_version(const char *v, long *major, long *minor)
{
	char *end;
	int kind;

	*major = *minor = 0;
	if (v[0] != 'v' || v[1] < '1' || v[1] > '9')
		return 0;
	*major = strtol(v + 1, &end, 10);
	if (!*end)
		return 3;
	if (!strncmp(end, "beta", 4))
		kind = 2, end += 4;
	else if (!strncmp(end, "alpha", 5))
		kind = 1, end += 5;
	else
		return 0;
	if (*end < '1' || *end > '9')
		return 0;
	*minor = strtol(end, &end, 10);
	return *end ? 0 : kind;
}

int
lb_kube_version_compare(const char *a, const char *b)
{
	long amaj, amin, bmaj, bmin;
	int ak = parse_version(a, &amaj, &amin), bk = parse_version(b, &bmaj, &bmin);

	if (ak != bk)
		return bk - ak;
	if (ak == 0)
		return strcmp(a, b);
	if (amaj != bmaj)
		return amaj > bmaj ? -1 : 1;
	if (amin != bmin)
		return amin > bmin ? -1 : 1;
	return 0;
}

static int
cmp_gv(const void *x, const void *y)
{
	const lb_kube_group_version *a = x, *b = y;
	return lb_kube_version_compare(a->version, b->version);
}

static const char **
str_array(const cJSON *arr)
{
	const char **out = calloc((size_t) cJSON_GetArraySize(arr) + 1, sizeof(char *));
	const cJSON *it;
	size_t n = 0;

	if (!out)
		return NULL;
	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsString(it))
			out[n++] = it->valuestring;
	}
	return out;
}

static int
add_sub(lb_kube_resource *r, const char *sub)
{
	size_t n = 0;
	const char **v;

	while (r->subresources[n])
		n++;
	v = realloc((void *) r->subresources, (n + 2) * sizeof(char *));
	if (!v)
		return LB_ENOMEM;
	v[n] = sub;
	v[n + 1] = NULL;
	r->subresources = v;
	return 0;
}

static int
fill_resources(lb_kube_group_version *gv, const cJSON *list, const char *group)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(list, "resources"), *it;
	size_t n = 0;

	gv->resources = calloc((size_t) cJSON_GetArraySize(arr) + 1, sizeof(lb_kube_resource));
	if (!gv->resources)
		return LB_ENOMEM;
	cJSON_ArrayForEach(it, arr)
	{
		const char *name =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "name"));
		lb_kube_resource *r;
		const char *sv;
		if (!name || strchr(name, '/'))
			continue;
		r = &gv->resources[n++];
		r->group = group;
		r->version = gv->version;
		r->name = name;
		sv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "singularName"));
		r->singular_name = sv ? sv : "";
		sv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "kind"));
		r->kind = sv ? sv : "";
		r->namespaced = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "namespaced"));
		r->verbs = str_array(cJSON_GetObjectItemCaseSensitive(it, "verbs"));
		r->short_names = str_array(cJSON_GetObjectItemCaseSensitive(it, "shortNames"));
		r->subresources = calloc(1, sizeof(char *));
		if (!r->verbs || !r->short_names || !r->subresources)
			return LB_ENOMEM;
	}
	gv->resource_count = n;
	cJSON_ArrayForEach(it, arr)
	{
		const char *name =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "name"));
		const char *slash = name ? strchr(name, '/') : NULL;
		if (!slash)
			continue;
		for (size_t i = 0; i < n; i++) {
			lb_kube_resource *r = &gv->resources[i];
			if (strlen(r->name) == (size_t) (slash - name) &&
			    !strncmp(r->name, name, (size_t) (slash - name))) {
				if (add_sub(r, slash + 1) < 0)
					return LB_ENOMEM;
				break;
			}
		}
	}
	return 0;
}

/* GET @path and keep the answer in @o->answers; *out NULL when it failed softly. */
static int
fetch(lb_kube_client *c, struct discovery_owner *o, const char *path, const char *what, cJSON **out)
{
	lb_kube_http_req req = {0};
	lb_buf resp = LB_BUF_INIT;
	cJSON *j;
	int error;

	req.method = "GET";
	req.path = path;
	req.what = what;
	if ((error = lb_kube__http(c, &req, &resp)) < 0)
		goto done;
	j = cJSON_ParseWithLength(resp.ptr ? resp.ptr : "", resp.len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		error =
		    lb_error_set(LB_EPROTO, "%s: the server's answer is not a JSON object", what);
		goto done;
	}
	cJSON_AddItemToArray(o->answers, j);
	*out = j;
done:
	lb_buf_dispose(&resp);
	return error;
}

/* Resources of one group-version; a failing group-version is kept empty (like kubectl,
 * which warns about unavailable aggregated APIs and goes on). */
static int
fetch_gv(lb_kube_client *c, struct discovery_owner *o, lb_kube_group_version *gv, const char *group)
{
	char path[512], what[600];
	cJSON *list = NULL;
	int error;

	snprintf(path, sizeof(path), group[0] ? "/apis/%s" : "/api/%s", gv->group_version);
	snprintf(what, sizeof(what), "discover %s", gv->group_version);
	if ((error = fetch(c, o, path, what, &list)) < 0) {
		if (error == LB_EAUTH || error == LB_EIO || error == LB_ETIMEDOUT)
			return error;
		lb_log_warn("kube: %s", lb_error_last(error));
		gv->resources = calloc(1, sizeof(lb_kube_resource));
		return gv->resources ? 0 : LB_ENOMEM;
	}
	return fill_resources(gv, list, group);
}

int
lb_kube_discover(lb_kube_client *c, lb_kube_discovery **discovery_out)
{
	struct discovery_owner *o = calloc(1, sizeof(*o));
	cJSON *api = NULL, *apis = NULL;
	const cJSON *versions, *groups, *it;
	size_t ng;
	int error = 0;

	if (!o || !(o->answers = cJSON_CreateArray())) {
		free(o);
		return LB_ENOMEM;
	}
	if ((error = fetch(c, o, "/api", "discover /api", &api)) < 0 ||
	    (error = fetch(c, o, "/apis", "discover /apis", &apis)) < 0)
		goto done;
	versions = cJSON_GetObjectItemCaseSensitive(api, "versions");
	groups = cJSON_GetObjectItemCaseSensitive(apis, "groups");
	ng = 1 + (size_t) cJSON_GetArraySize(groups);
	o->pub.groups = calloc(ng, sizeof(lb_kube_group));
	if (!o->pub.groups) {
		error = LB_ENOMEM;
		goto done;
	}
	/* the core group */
	{
		lb_kube_group *g = &o->pub.groups[o->pub.group_count++];
		size_t nv = 0;
		g->name = "";
		g->versions =
		    calloc((size_t) cJSON_GetArraySize(versions) + 1, sizeof(*g->versions));
		if (!g->versions) {
			error = LB_ENOMEM;
			goto done;
		}
		cJSON_ArrayForEach(it, versions)
		{
			if (!cJSON_IsString(it))
				continue;
			g->versions[nv].group_version = it->valuestring;
			g->versions[nv].version = it->valuestring;
			g->version_count = ++nv;
			if ((error = fetch_gv(c, o, &g->versions[nv - 1], "")) < 0)
				goto done;
		}
		qsort(g->versions, g->version_count, sizeof(*g->versions), cmp_gv);
		g->preferred_version = g->version_count ? g->versions[0].version : "";
	}
	cJSON_ArrayForEach(it, groups)
	{
		lb_kube_group *g;
		const cJSON *gvs = cJSON_GetObjectItemCaseSensitive(it, "versions"), *v;
		const cJSON *pref = cJSON_GetObjectItemCaseSensitive(it, "preferredVersion");
		const char *name =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "name"));
		const char *pv =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pref, "version"));
		size_t nv = 0;

		if (!name)
			continue;
		g = &o->pub.groups[o->pub.group_count++];
		g->name = name;
		g->versions = calloc((size_t) cJSON_GetArraySize(gvs) + 1, sizeof(*g->versions));
		if (!g->versions) {
			error = LB_ENOMEM;
			goto done;
		}
		cJSON_ArrayForEach(v, gvs)
		{
			const char *gvn = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(v, "groupVersion"));
			const char *ver =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "version"));
			if (!gvn || !ver)
				continue;
			g->versions[nv].group_version = gvn;
			g->versions[nv].version = ver;
			g->version_count = ++nv;
			if ((error = fetch_gv(c, o, &g->versions[nv - 1], name)) < 0)
				goto done;
		}
		qsort(g->versions, g->version_count, sizeof(*g->versions), cmp_gv);
		g->preferred_version = pv ? pv : (g->version_count ? g->versions[0].version : "");
	}
	/* qsort moved the group-versions: fix the resources' version pointers */
	for (size_t i = 0; i < o->pub.group_count; i++) {
		lb_kube_group *g = &o->pub.groups[i];
		for (size_t j = 0; j < g->version_count; j++)
			for (size_t k = 0; k < g->versions[j].resource_count; k++)
				g->versions[j].resources[k].version = g->versions[j].version;
	}
done:
	if (error < 0) {
		lb_kube_discovery_free(&o->pub);
		return error;
	}
	*discovery_out = &o->pub;
	return 0;
}

void
lb_kube_discovery_free(lb_kube_discovery *d)
{
	struct discovery_owner *o = (struct discovery_owner *) d;

	if (!d)
		return;
	for (size_t i = 0; i < d->group_count; i++) {
		lb_kube_group *g = &d->groups[i];
		for (size_t j = 0; j < g->version_count; j++) {
			lb_kube_group_version *gv = &g->versions[j];
			for (size_t k = 0; gv->resources && k < gv->resource_count; k++) {
				free((void *) gv->resources[k].verbs);
				free((void *) gv->resources[k].short_names);
				free((void *) gv->resources[k].subresources);
			}
			free(gv->resources);
		}
		free(g->versions);
	}
	free(d->groups);
	cJSON_Delete(o->answers);
	free(o);
}

const lb_kube_group *
lb_kube_discovery_group(const lb_kube_discovery *d, const char *group)
{
	if (!group)
		group = "";
	for (size_t i = 0; d && i < d->group_count; i++)
		if (!strcmp(d->groups[i].name, group))
			return &d->groups[i];
	return NULL;
}

static int
in_list(const char **list, const char *s)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcasecmp(list[i], s))
			return 1;
	return 0;
}

static const lb_kube_resource *
find_in_gv(const lb_kube_group_version *gv, const char *resource)
{
	for (size_t k = 0; k < gv->resource_count; k++)
		if (!strcmp(gv->resources[k].name, resource))
			return &gv->resources[k];
	for (size_t k = 0; k < gv->resource_count; k++) {
		const lb_kube_resource *r = &gv->resources[k];
		if ((*r->singular_name && !strcasecmp(r->singular_name, resource)) ||
		    in_list(r->short_names, resource) || !strcasecmp(r->kind, resource))
			return r;
	}
	return NULL;
}

const lb_kube_resource *
lb_kube_discovery_find_version(const lb_kube_discovery *d,
                               const char *group,
                               const char *version,
                               const char *resource)
{
	const lb_kube_group *g = lb_kube_discovery_group(d, group);

	for (size_t j = 0; g && j < g->version_count; j++)
		if (!strcmp(g->versions[j].version, version))
			return find_in_gv(&g->versions[j], resource);
	return NULL;
}

const lb_kube_resource *
lb_kube_discovery_find(const lb_kube_discovery *d, const char *group, const char *resource)
{
	const lb_kube_group *g = lb_kube_discovery_group(d, group);
	const lb_kube_resource *r;

	if (!g)
		return NULL;
	r = lb_kube_discovery_find_version(d, group, g->preferred_version, resource);
	for (size_t j = 0; !r && j < g->version_count; j++)
		r = find_in_gv(&g->versions[j], resource);
	return r;
}

const lb_kube_resource *
lb_kube_discovery_find_kind(const lb_kube_discovery *d, const char *api_version, const char *kind)
{
	const char *slash = strchr(api_version, '/');
	char group[256];
	const char *version = slash ? slash + 1 : api_version;
	const lb_kube_group *g;

	snprintf(group, sizeof(group), "%.*s", slash ? (int) (slash - api_version) : 0,
	         api_version);
	g = lb_kube_discovery_group(d, group);
	for (size_t j = 0; g && j < g->version_count; j++) {
		const lb_kube_group_version *gv = &g->versions[j];
		if (strcmp(gv->version, version) != 0)
			continue;
		for (size_t k = 0; k < gv->resource_count; k++)
			if (!strcmp(gv->resources[k].kind, kind))
				return &gv->resources[k];
	}
	return NULL;
}

int
lb_kube_resource_supports(const lb_kube_resource *res, const char *verb)
{
	for (size_t i = 0; res && res->verbs && res->verbs[i]; i++)
		if (!strcmp(res->verbs[i], verb))
			return 1;
	return 0;
}

int
lb_kube_resource_has_subresource(const lb_kube_resource *res, const char *sub)
{
	for (size_t i = 0; res && res->subresources && res->subresources[i]; i++)
		if (!strcmp(res->subresources[i], sub))
			return 1;
	return 0;
}
