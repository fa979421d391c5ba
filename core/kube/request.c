/* Object paths and the single-object verbs: get, create, update, patch, delete; /version
 * and raw requests. */
#include "kube_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

int
lb_kube_path(const lb_kube_gvr *gvr,
             const char *ns,
             const char *name,
             const char *subresource,
             char *buf,
             size_t bufsize)
{
	lb_buf b = LB_BUF_INIT;
	int error = 0;

	if (!gvr || !gvr->resource || !*gvr->resource || !gvr->version || !*gvr->version)
		return lb_error_set(LB_EINVAL, "kube path: resource and version are required");
	if (gvr->group && *gvr->group)
		error = lb_buf_printf(&b, "/apis/%s/%s", gvr->group, gvr->version);
	else
		error = lb_buf_printf(&b, "/api/%s", gvr->version);
	if (error == 0 && gvr->namespaced && ns && *ns)
		error = lb_buf_printf(&b, "/namespaces/%s", ns);
	if (error == 0)
		error = lb_buf_printf(&b, "/%s", gvr->resource);
	if (error == 0 && name && *name)
		error = lb_buf_printf(&b, "/%s", name);
	if (error == 0 && name && *name && subresource && *subresource)
		error = lb_buf_printf(&b, "/%s", subresource);
	if (error == 0 && b.len >= bufsize)
		error = lb_error_set(LB_EINVAL, "kube path too long: %s", b.ptr);
	if (error == 0)
		memcpy(buf, b.ptr, b.len + 1);
	lb_buf_dispose(&b);
	return error;
}

lb_kube_gvr
lb_kube_gvr_of(const lb_kube_resource *res)
{
	lb_kube_gvr g = {res->group, res->version, res->name, res->namespaced};
	return g;
}

/* "create configmaps/x in namespace demo" / "get deployments.apps/x" */
void
lb_kube__describe(char *out,
                  size_t n,
                  const char *verb,
                  const lb_kube_gvr *gvr,
                  const char *ns,
                  const char *name,
                  const char *sub)
{
	snprintf(out, n, "%s %s%s%s%s%s%s%s%s%s", verb, gvr->resource,
	         gvr->group && *gvr->group ? "." : "", gvr->group ? gvr->group : "",
	         name && *name ? "/" : "", name ? name : "", sub && *sub ? "/" : "", sub ? sub : "",
	         gvr->namespaced && ns && *ns ? " in namespace " : "",
	         gvr->namespaced && ns && *ns ? ns : "");
}

/* Send @body (JSON text); on success parse the answer into *@out when @out is given. With
 * @strict an answer that is not JSON is an error, else *@out is NULL then. */
static int
call(lb_kube_client *c,
     const char *method,
     const char *path,
     const char *ctype,
     const char *body,
     const char *what,
     int strict,
     cJSON **out)
{
	lb_kube_http_req req = {0};
	lb_buf resp = LB_BUF_INIT;
	cJSON *j;
	int error;

	req.method = method;
	req.path = path;
	req.content_type = ctype;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.what = what;
	if ((error = lb_kube__http(c, &req, out ? &resp : NULL)) < 0 || !out)
		goto done;
	j = cJSON_ParseWithLength(resp.ptr ? resp.ptr : "", resp.len);
	if (!j && strict)
		error = lb_error_set(LB_EPROTO, "%s: the server's answer is not JSON", what);
	else
		*out = j;
done:
	lb_buf_dispose(&resp);
	return error;
}

/* The same with a JSON document as the body. */
static int
call_json(lb_kube_client *c,
          const char *method,
          const char *path,
          const char *ctype,
          const cJSON *json,
          const char *what,
          cJSON **out)
{
	char *body = cJSON_PrintUnformatted(json);
	int error;

	if (!body)
		return lb_error_set(LB_ENOMEM, "%s: cannot serialise the request body", what);
	error = call(c, method, path, ctype, body, what, 1, out);
	free(body);
	return error;
}

int
lb_kube__query_add(lb_buf *b, int *first, const char *key, const char *value)
{
	int error;

	if (!value || !*value)
		return 0;
	if ((error = lb_buf_printf(b, "%c%s=", *first ? '?' : '&', key)) < 0)
		return error;
	*first = 0;
	return lb_kube__urlencode(b, value);
}

int
lb_kube_request(lb_kube_client *c,
                const char *method,
                const char *path,
                const char *content_type,
                const char *body,
                cJSON **json_out)
{
	char what[512];

	snprintf(what, sizeof(what), "%s %s", method, path);
	return call(c, method, path, content_type, body, what, 0, json_out);
}

int
lb_kube_server_version(lb_kube_client *c, cJSON **version_out)
{
	return call(c, "GET", "/version", NULL, NULL, "get server version", 1, version_out);
}

int
lb_kube_get(lb_kube_client *c,
            const lb_kube_gvr *gvr,
            const char *ns,
            const char *name,
            const char *subresource,
            cJSON **obj_out)
{
	char path[1024], what[600];
	int error;

	lb_kube__describe(what, sizeof(what), "get", gvr, ns, name, subresource);
	if (!name || !*name)
		return lb_error_set(LB_EINVAL, "%s: no name given", what);
	if ((error = lb_kube_path(gvr, ns, name, subresource, path, sizeof(path))) < 0)
		return error;
	return call(c, "GET", path, NULL, NULL, what, 1, obj_out);
}

static const char *
meta_str(const cJSON *obj, const char *key)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, key));
}

int
lb_kube_create(
    lb_kube_client *c, const lb_kube_gvr *gvr, const char *ns, const cJSON *obj, cJSON **obj_out)
{
	char path[1024], what[600];
	const char *name = meta_str(obj, "name");
	int error;

	if (!name || !*name)
		name = meta_str(obj, "generateName");
	lb_kube__describe(what, sizeof(what), "create", gvr, ns, name, NULL);
	if ((error = lb_kube_path(gvr, ns, NULL, NULL, path, sizeof(path))) < 0)
		return error;
	return call_json(c, "POST", path, "application/json", obj, what, obj_out);
}

int
lb_kube_update(lb_kube_client *c,
               const lb_kube_gvr *gvr,
               const char *ns,
               const cJSON *obj,
               const char *subresource,
               cJSON **obj_out)
{
	char path[1024], what[600];
	const char *name = meta_str(obj, "name");
	int error;

	lb_kube__describe(what, sizeof(what), "update", gvr, ns, name, subresource);
	if (!name || !*name)
		return lb_error_set(LB_EINVAL, "%s: the object has no metadata.name", what);
	if ((error = lb_kube_path(gvr, ns, name, subresource, path, sizeof(path))) < 0)
		return error;
	return call_json(c, "PUT", path, "application/json", obj, what, obj_out);
}

int
lb_kube_patch(lb_kube_client *c,
              const lb_kube_gvr *gvr,
              const char *ns,
              const char *name,
              const char *subresource,
              lb_kube_patch_type type,
              const cJSON *patch,
              cJSON **obj_out)
{
	static const char *const ctypes[] = {"application/merge-patch+json",
	                                     "application/json-patch+json",
	                                     "application/strategic-merge-patch+json"};
	char path[1024], what[600];
	int error;

	lb_kube__describe(what, sizeof(what), "patch", gvr, ns, name, subresource);
	if (!name || !*name)
		return lb_error_set(LB_EINVAL, "%s: no name given", what);
	if ((unsigned) type > LB_KUBE_PATCH_STRATEGIC)
		return lb_error_set(LB_EINVAL, "%s: unknown patch type %d", what, (int) type);
	if ((error = lb_kube_path(gvr, ns, name, subresource, path, sizeof(path))) < 0)
		return error;
	return call_json(c, "PATCH", path, ctypes[type], patch, what, obj_out);
}

int
lb_kube_delete(lb_kube_client *c,
               const lb_kube_gvr *gvr,
               const char *ns,
               const char *name,
               const char *propagation,
               cJSON **obj_out)
{
	char path[1024], what[600], body[200];
	int error;

	lb_kube__describe(what, sizeof(what), "delete", gvr, ns, name, NULL);
	if (!name || !*name)
		return lb_error_set(LB_EINVAL, "%s: no name given", what);
	if ((error = lb_kube_path(gvr, ns, name, NULL, path, sizeof(path))) < 0)
		return error;
	if (propagation && strcspn(propagation, "\"\\") != strlen(propagation))
		return lb_error_set(LB_EINVAL, "%s: bad propagationPolicy '%s'", what, propagation);
	if (propagation && *propagation)
		snprintf(body, sizeof(body),
		         "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
		         "\"propagationPolicy\":\"%s\"}",
		         propagation);
	else
		snprintf(body, sizeof(body), "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\"}");
	return call(c, "DELETE", path, "application/json", body, what, 1, obj_out);
}
