#include "json_check.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *say(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *
say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return why;
}

static cJSON *
parse_object(const char *json, const char **err, char *why, size_t len)
{
	cJSON *root;

	*err = NULL;
	if (json == NULL || json[0] == '\0') {
		*err = "the output is empty; a JSON object was expected";
		return NULL;
	}
	root = cJSON_Parse(json);
	if (root == NULL) {
		const char *at = cJSON_GetErrorPtr();
		*err = say(why, len, "the output is not valid JSON (error near: %.40s)",
		           at ? at : "?");
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		*err = "the output is valid JSON but not an object";
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static const char *
string_array(const cJSON *root, const char *field, char *why, size_t len)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, field), *e;

	if (a == NULL || cJSON_IsNull(a))
		return NULL;
	if (!cJSON_IsArray(a))
		return say(why, len, "\"%s\" must be an array of strings", field);
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsString(e))
			return say(why, len, "\"%s\" must contain only strings", field);
	}
	return NULL;
}

static const char *
typed(const cJSON *root,
      const char *field,
      int (*is)(const cJSON *),
      const char *what,
      char *why,
      size_t len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, field);
	char buf[128];

	if (v == NULL || cJSON_IsNull(v) || is(v))
		return NULL;
	snprintf(buf, sizeof(buf), "\"%s\" must be %s", field, what);
	return say(why, len, "%s", buf);
}

static int
is_string(const cJSON *v)
{
	return cJSON_IsString(v);
}

static int
is_bool(const cJSON *v)
{
	return cJSON_IsBool(v);
}

static int
is_number(const cJSON *v)
{
	return cJSON_IsNumber(v);
}

static int
is_object(const cJSON *v)
{
	return cJSON_IsObject(v);
}

/* An array of {"group","resource","namespace","name"} identifiers. */
static const char *
identifiers(const cJSON *root, const char *field, char *why, size_t len)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, field), *e;

	if (a == NULL || cJSON_IsNull(a))
		return NULL;
	if (!cJSON_IsArray(a))
		return say(why, len, "\"%s\" must be an array of identifiers", field);
	cJSON_ArrayForEach(e, a)
	{
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "resource");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
		if (!cJSON_IsObject(e) || !cJSON_IsString(res) || !cJSON_IsString(name) ||
		    res->valuestring[0] == '\0' || name->valuestring[0] == '\0')
			return say(why, len,
			           "every entry of \"%s\" must be an identifier object with "
			           "non-empty \"resource\" and \"name\"",
			           field);
	}
	return NULL;
}

static const char *
updated_item(const cJSON *root, char *why, size_t len)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "updatedItem");

	if (item == NULL || cJSON_IsNull(item))
		return NULL;
	if (!cJSON_IsObject(item))
		return say(why, len, "%s", "\"updatedItem\" must be an object");
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "apiVersion")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "kind")))
		return say(why, len, "%s",
		           "\"updatedItem\" must be a Kubernetes object with \"apiVersion\" and "
		           "\"kind\"");
	return NULL;
}

const char *
lb_kit_check_selector(const char *json, char *why, size_t len)
{
	const char *err;
	cJSON *root = parse_object(json, &err, why, len);
	static const char *const lists[] = {"includedNamespaces", "excludedNamespaces",
	                                    "includedResources", "excludedResources"};
	size_t i;

	if (root == NULL)
		return err;
	for (i = 0; i < 4 && err == NULL; i++)
		err = string_array(root, lists[i], why, len);
	if (err == NULL)
		err = typed(root, "labelSelector", is_string, "a string (\"k=v,k2=v2\")", why, len);
	cJSON_Delete(root);
	return err;
}

const char *
lb_kit_check_bia_output(const char *json, char *why, size_t len)
{
	const char *err;
	cJSON *root = parse_object(json, &err, why, len);

	if (root == NULL)
		return err;
	if ((err = updated_item(root, why, len)) == NULL &&
	    (err = identifiers(root, "additionalItems", why, len)) == NULL &&
	    (err = typed(root, "operationID", is_string, "a string", why, len)) == NULL)
		err = identifiers(root, "postOperationItems", why, len);
	cJSON_Delete(root);
	return err;
}

const char *
lb_kit_check_ria_output(const char *json, char *why, size_t len)
{
	const char *err;
	cJSON *root = parse_object(json, &err, why, len);

	if (root == NULL)
		return err;
	if ((err = updated_item(root, why, len)) == NULL &&
	    (err = identifiers(root, "additionalItems", why, len)) == NULL &&
	    (err = typed(root, "skipRestore", is_bool, "a boolean", why, len)) == NULL &&
	    (err = typed(root, "operationID", is_string, "a string", why, len)) == NULL &&
	    (err = typed(root, "waitForAdditionalItems", is_bool, "a boolean", why, len)) == NULL)
		err = typed(root, "additionalItemsReadyTimeoutMs", is_number, "a number", why, len);
	cJSON_Delete(root);
	return err;
}

const char *
lb_kit_check_progress(const char *json, char *why, size_t len)
{
	const char *err;
	cJSON *root = parse_object(json, &err, why, len);

	if (root == NULL)
		return err;
	if ((err = typed(root, "completed", is_bool, "a boolean", why, len)) == NULL &&
	    (err = typed(root, "err", is_string, "a string", why, len)) == NULL &&
	    (err = typed(root, "nCompleted", is_number, "a number", why, len)) == NULL)
		err = typed(root, "nTotal", is_number, "a number", why, len);
	cJSON_Delete(root);
	return err;
}

const char *
lb_kit_check_object(const char *json, char *why, size_t len)
{
	const char *err;
	cJSON *root = parse_object(json, &err, why, len);

	if (root == NULL)
		return err;
	err = typed(root, "spec", is_object, "an object", why, len);
	cJSON_Delete(root);
	return err;
}
