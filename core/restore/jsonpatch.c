/* JSON patch, merge patch, strategic merge (approximation). */
#include "jsonpatch.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* Next token of @p into @tok (unescaped); returns the rest or NULL at the end. */
static const char *
token(const char *p, char *tok, size_t size)
{
	size_t n = 0;

	if (*p != '/')
		return NULL;
	p++;
	while (*p && *p != '/') {
		char c = *p++;

		if (c == '~' && (*p == '0' || *p == '1'))
			c = *p++ == '0' ? '~' : '/';
		if (n + 1 < size)
			tok[n++] = c;
	}
	tok[n] = '\0';
	return p;
}

static int
index_of(const char *tok, int size, int allow_end)
{
	char *end;
	long v;

	if (allow_end && strcmp(tok, "-") == 0)
		return size;
	if (!*tok || (tok[0] == '0' && tok[1]))
		return -1;
	v = strtol(tok, &end, 10);
	if (*end || v < 0 || v > (allow_end ? size : size - 1))
		return -1;
	return (int) v;
}

cJSON *
lb_json_pointer_get(cJSON *doc, const char *pointer)
{
	char tok[512];
	const char *p = pointer;

	while (doc && p && *p) {
		if (!(p = token(p, tok, sizeof(tok))))
			return NULL;
		if (cJSON_IsArray(doc)) {
			int i = index_of(tok, cJSON_GetArraySize(doc), 0);

			doc = i < 0 ? NULL : cJSON_GetArrayItem(doc, i);
		} else if (cJSON_IsObject(doc)) {
			doc = cJSON_GetObjectItemCaseSensitive(doc, tok);
		} else {
			return NULL;
		}
	}
	return doc;
}

/* Split @path into the parent pointer and the last token. */
static int
split(const char *path, char *parent, size_t psize, char *last, size_t lsize)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash)
		return -1;
	n = (size_t) (slash - path);
	if (n >= psize)
		return -1;
	memcpy(parent, path, n);
	parent[n] = '\0';
	return token(slash, last, lsize) ? 0 : -1;
}

static cJSON *
detach(cJSON *doc, const char *path)
{
	char parent[2048], last[512];
	cJSON *p;

	if (split(path, parent, sizeof(parent), last, sizeof(last)) < 0)
		return NULL;
	p = lb_json_pointer_get(doc, parent);
	if (cJSON_IsArray(p)) {
		int i = index_of(last, cJSON_GetArraySize(p), 0);

		return i < 0 ? NULL : cJSON_DetachItemFromArray(p, i);
	}
	if (cJSON_IsObject(p))
		return cJSON_DetachItemFromObjectCaseSensitive(p, last);
	return NULL;
}

/* Insert @v (owned) at @path: objects replace or add, arrays insert. */
static int
insert(cJSON **doc, const char *path, cJSON *v, int replace)
{
	char parent[2048], last[512];
	cJSON *p;

	if (!*path) {
		cJSON_Delete(*doc);
		*doc = v;
		return 0;
	}
	if (split(path, parent, sizeof(parent), last, sizeof(last)) < 0)
		goto bad;
	p = lb_json_pointer_get(*doc, parent);
	if (cJSON_IsArray(p)) {
		int i = index_of(last, cJSON_GetArraySize(p), !replace);

		if (i < 0)
			goto bad;
		if (replace)
			cJSON_ReplaceItemInArray(p, i, v);
		else if (i == cJSON_GetArraySize(p))
			cJSON_AddItemToArray(p, v);
		else
			cJSON_InsertItemInArray(p, i, v);
		return 0;
	}
	if (cJSON_IsObject(p)) {
		if (cJSON_GetObjectItemCaseSensitive(p, last))
			cJSON_ReplaceItemInObjectCaseSensitive(p, last, v);
		else if (replace)
			goto bad;
		else
			cJSON_AddItemToObject(p, last, v);
		return 0;
	}
bad:
	cJSON_Delete(v);
	return -1;
}

int
lb_json_patch_op(cJSON **doc, const cJSON *op)
{
	const char *o = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "op"));
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "path"));
	const char *from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "from"));
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
	cJSON *v;

	if (!o || !path)
		return lb_error_set(LB_EINVAL, "JSON patch operation without \"op\" or \"path\"");
	if (strcmp(o, "add") == 0 || strcmp(o, "replace") == 0) {
		if (!value)
			goto bad;
		if (strcmp(o, "replace") == 0 && !lb_json_pointer_get(*doc, path))
			goto bad;
		if (insert(doc, path, cJSON_Duplicate(value, 1), strcmp(o, "replace") == 0) < 0)
			goto bad;
		return 0;
	}
	if (strcmp(o, "remove") == 0) {
		v = detach(*doc, path);
		if (!v)
			goto bad;
		cJSON_Delete(v);
		return 0;
	}
	if (strcmp(o, "move") == 0 || strcmp(o, "copy") == 0) {
		if (!from)
			goto bad;
		v = strcmp(o, "move") == 0 ? detach(*doc, from)
		                           : cJSON_Duplicate(lb_json_pointer_get(*doc, from), 1);
		if (!v || insert(doc, path, v, 0) < 0)
			goto bad;
		return 0;
	}
	if (strcmp(o, "test") == 0) {
		v = lb_json_pointer_get(*doc, path);
		if (!v || !value || !cJSON_Compare(v, value, 1))
			return lb_error_set(LB_EINVAL, "JSON patch test failed at %s", path);
		return 0;
	}
bad:
	return lb_error_set(LB_EINVAL, "JSON patch \"%s\" at \"%s\" cannot be applied", o, path);
}

int
lb_json_patch(cJSON **doc, const cJSON *ops)
{
	cJSON *copy = cJSON_Duplicate(*doc, 1);
	const cJSON *op;
	int error;

	if (!copy)
		return LB_ENOMEM;
	cJSON_ArrayForEach(op, ops)
	{
		if ((error = lb_json_patch_op(&copy, op)) < 0) {
			cJSON_Delete(copy);
			return error;
		}
	}
	cJSON_Delete(*doc);
	*doc = copy;
	return 0;
}

static void
merge(cJSON **doc, const cJSON *patch, int strategic)
{
	const cJSON *p;

	if (!cJSON_IsObject(patch)) {
		cJSON_Delete(*doc);
		*doc = cJSON_Duplicate(patch, 1);
		return;
	}
	if (!cJSON_IsObject(*doc)) {
		cJSON_Delete(*doc);
		*doc = cJSON_CreateObject();
	}
	cJSON_ArrayForEach(p, patch)
	{
		cJSON *cur = cJSON_GetObjectItemCaseSensitive(*doc, p->string), *n;

		if (cJSON_IsNull(p)) {
			cJSON_DeleteItemFromObjectCaseSensitive(*doc, p->string);
			continue;
		}
		if (strategic && cJSON_IsArray(p) && cJSON_IsArray(cur)) {
			const cJSON *pe;

			cJSON_ArrayForEach(pe, p)
			{
				const char *nm = cJSON_GetStringValue(
				    cJSON_GetObjectItemCaseSensitive(pe, "name"));
				cJSON *ce, *hit = NULL;
				int i = 0, at = -1;

				if (!nm) {
					hit = NULL;
					break;
				}
				cJSON_ArrayForEach(ce, cur)
				{
					const char *cn = cJSON_GetStringValue(
					    cJSON_GetObjectItemCaseSensitive(ce, "name"));

					if (cn && strcmp(cn, nm) == 0) {
						hit = ce;
						at = i;
					}
					i++;
				}
				if (hit) {
					cJSON *m = cJSON_Duplicate(hit, 1);

					merge(&m, pe, 1);
					cJSON_ReplaceItemInArray(cur, at, m);
				} else {
					cJSON_AddItemToArray(cur, cJSON_Duplicate(pe, 1));
				}
			}
			continue;
		}
		n = cur ? cJSON_Duplicate(cur, 1) : NULL;
		merge(&n, p, strategic);
		if (cur)
			cJSON_ReplaceItemInObjectCaseSensitive(*doc, p->string, n);
		else
			cJSON_AddItemToObject(*doc, p->string, n);
	}
}

void
lb_json_merge_patch(cJSON **doc, const cJSON *patch)
{
	merge(doc, patch, 0);
}

void
lb_json_strategic_merge(cJSON **doc, const cJSON *patch)
{
	merge(doc, patch, 1);
}
