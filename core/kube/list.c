/* Paged list: limit/continue, one page in memory at a time; every item gets the list's
 * apiVersion and kind (the server leaves them out of list items). */
#include "kube_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

int
lb_kube_list(lb_kube_client *c,
             const lb_kube_gvr *gvr,
             const char *ns,
             const lb_kube_list_options *opts,
             lb_kube_item_fn fn,
             void *ud,
             lb_kube_list_result *result)
{
	lb_kube_list_options none = {0};
	lb_kube_list_result res = {{0}, 0, 0};
	char path[1024], what[600], limit[32];
	char *cont = NULL;
	lb_buf url = LB_BUF_INIT, resp = LB_BUF_INIT;
	cJSON *page = NULL;
	int error = 0;

	if (!opts)
		opts = &none;
	snprintf(limit, sizeof(limit), "%d", opts->page_size > 0 ? opts->page_size : c->page_size);
	lb_kube__describe(what, sizeof(what), "list", gvr, ns, NULL, NULL);
	if ((error = lb_kube_path(gvr, ns, NULL, NULL, path, sizeof(path))) < 0)
		return error;
	do {
		lb_kube_http_req req = {0};
		const cJSON *items, *meta;
		cJSON *it;
		const char *kind, *api, *rv, *next;
		char item_kind[256] = "";
		int first = 1;

		lb_buf_clear(&url);
		if ((error = lb_buf_puts(&url, path)) < 0 ||
		    (error = lb_kube__query_add(&url, &first, "labelSelector",
		                                opts->label_selector)) < 0 ||
		    (error = lb_kube__query_add(&url, &first, "fieldSelector",
		                                opts->field_selector)) < 0 ||
		    (error = lb_kube__query_add(&url, &first, "limit", limit)) < 0 ||
		    (error = lb_kube__query_add(&url, &first, "continue", cont)) < 0)
			goto done;
		req.method = "GET";
		req.path = url.ptr;
		req.what = what;
		if ((error = lb_kube__http(c, &req, &resp)) < 0) {
			if (cont && lb_kube_last_status()->http_status == 410)
				error =
				    lb_error_set(LB_EAGAIN,
				                 "%s: the continue token expired after %zu "
				                 "items (410 Expired): list again from the start",
				                 what, res.item_count);
			goto done;
		}
		cJSON_Delete(page);
		page = cJSON_ParseWithLength(resp.ptr ? resp.ptr : "", resp.len);
		lb_buf_dispose(&resp);
		items = cJSON_GetObjectItemCaseSensitive(page, "items");
		if (!cJSON_IsObject(page) || !(cJSON_IsArray(items) || cJSON_IsNull(items))) {
			error =
			    lb_error_set(LB_EPROTO, "%s: the server's answer is not a list", what);
			goto done;
		}
		res.pages++;
		kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(page, "kind"));
		api = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(page, "apiVersion"));
		if (kind && strlen(kind) > 4 && strlen(kind) < sizeof(item_kind) &&
		    !strcmp(kind + strlen(kind) - 4, "List"))
			snprintf(item_kind, sizeof(item_kind), "%.*s", (int) strlen(kind) - 4,
			         kind);
		meta = cJSON_GetObjectItemCaseSensitive(page, "metadata");
		rv =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion"));
		if (rv)
			snprintf(res.resource_version, sizeof(res.resource_version), "%s", rv);
		next = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "continue"));
		free(cont);
		cont = next && *next ? strdup(next) : NULL;
		cJSON_ArrayForEach(it, items)
		{
			int rc;
			if (item_kind[0] && !cJSON_HasObjectItem(it, "kind"))
				cJSON_AddStringToObject(it, "kind", item_kind);
			if (api && !cJSON_HasObjectItem(it, "apiVersion"))
				cJSON_AddStringToObject(it, "apiVersion", api);
			res.item_count++;
			if (fn && (rc = fn(it, ud)) != 0) {
				error = rc;
				goto done;
			}
		}
	} while (cont);
done:
	if (result)
		*result = res;
	free(cont);
	cJSON_Delete(page);
	lb_buf_dispose(&url);
	lb_buf_dispose(&resp);
	return error;
}
