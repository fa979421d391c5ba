/* YAML to cJSON through libyaml's document loader (aliases arrive already resolved as
 * shared nodes, so a depth limit guards against alias bombs). */
#include "yaml_json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util/buf.h"
#include "util/error.h"

#define MAX_DEPTH 128

static int
is_plain_null(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '~') ||
	       (n == 4 &&
	        (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

static int
plain_bool(const char *s, size_t n, int *out)
{
	if ((n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4)))) {
		*out = 1;
		return 1;
	}
	if ((n == 5 &&
	     (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5)))) {
		*out = 0;
		return 1;
	}
	return 0;
}

/* YAML 1.2 core schema numbers: [-+]?[0-9]+, 0o.., 0x.., floats, .inf, .nan. */
static int
plain_number(const char *s, size_t n, double *out)
{
	char tmp[64];
	char *end;
	size_t i = 0;

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!strcmp(tmp, ".inf") || !strcmp(tmp, "+.inf") || !strcmp(tmp, ".Inf"))
		return 0; /* JSON cannot hold infinities: keep the text */
	if (n > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'o')) {
		errno = 0;
		long long v = strtoll(tmp + 2, &end, tmp[1] == 'x' ? 16 : 8);
		if (*end || errno)
			return 0;
		*out = (double) v;
		return 1;
	}
	if (tmp[i] == '-' || tmp[i] == '+')
		i++;
	if (!(tmp[i] >= '0' && tmp[i] <= '9') &&
	    !(tmp[i] == '.' && tmp[i + 1] >= '0' && tmp[i + 1] <= '9'))
		return 0;
	for (size_t j = i; j < n; j++) {
		char ch = tmp[j];
		if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == 'e' || ch == 'E' ||
		      ch == '-' || ch == '+'))
			return 0;
	}
	errno = 0;
	*out = strtod(tmp, &end);
	return *end == '\0' && errno == 0 && isfinite(*out);
}

static cJSON *
scalar_to_json(const yaml_node_t *node)
{
	const char *s = (const char *) node->data.scalar.value;
	size_t n = node->data.scalar.length;
	int b;
	double d;

	if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (is_plain_null(s, n))
			return cJSON_CreateNull();
		if (plain_bool(s, n, &b))
			return cJSON_CreateBool(b);
		if (plain_number(s, n, &d))
			return cJSON_CreateNumber(d);
	}
	if (memchr(s, '\0', n)) /* cJSON strings are NUL-terminated */
		return NULL;
	return cJSON_CreateString(s);
}

static int
node_to_json(yaml_document_t *doc, yaml_node_t *node, const char *what, int depth, cJSON **out)
{
	cJSON *json = NULL;
	int error = 0;

	if (depth > MAX_DEPTH)
		return lb_error_set(LB_EINVAL, "%s: line %zu: nesting deeper than %d levels", what,
		                    node->start_mark.line + 1, MAX_DEPTH);
	switch (node->type) {
	case YAML_SCALAR_NODE:
		json = scalar_to_json(node);
		if (!json)
			return lb_error_set(LB_EINVAL, "%s: line %zu: scalar holds a NUL byte",
			                    what, node->start_mark.line + 1);
		break;
	case YAML_SEQUENCE_NODE:
		json = cJSON_CreateArray();
		if (!json)
			return LB_ENOMEM;
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++) {
			cJSON *child = NULL;
			if ((error = node_to_json(doc, yaml_document_get_node(doc, *it), what,
			                          depth + 1, &child)) < 0)
				goto done;
			cJSON_AddItemToArray(json, child);
		}
		break;
	case YAML_MAPPING_NODE:
		json = cJSON_CreateObject();
		if (!json)
			return LB_ENOMEM;
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			cJSON *child = NULL;
			if (!k || k->type != YAML_SCALAR_NODE) {
				error = lb_error_set(
				    LB_EINVAL,
				    "%s: line %zu column %zu: a mapping key must be a "
				    "scalar",
				    what, node->start_mark.line + 1, node->start_mark.column + 1);
				goto done;
			}
			if ((error = node_to_json(doc, yaml_document_get_node(doc, p->value), what,
			                          depth + 1, &child)) < 0)
				goto done;
			/* Last key wins, as in sigs.k8s.io/yaml's non-strict mode. */
			cJSON_DeleteItemFromObjectCaseSensitive(
			    json, (const char *) k->data.scalar.value);
			cJSON_AddItemToObject(json, (const char *) k->data.scalar.value, child);
		}
		break;
	default:
		json = cJSON_CreateNull();
		break;
	}
done:
	if (error < 0) {
		cJSON_Delete(json);
		return error;
	}
	*out = json;
	return 0;
}

static int
parse(const char *text, size_t len, const char *what, int all, cJSON **out)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	cJSON *arr = NULL, *first = NULL;
	int error = 0;

	if (!what)
		what = "YAML";
	if (!yaml_parser_initialize(&parser))
		return lb_error_set(LB_ENOMEM, "%s: cannot initialise the YAML parser", what);
	yaml_parser_set_input_string(&parser, (const unsigned char *) text, len);
	if (all && !(arr = cJSON_CreateArray())) {
		error = LB_ENOMEM;
		goto done;
	}
	for (;;) {
		yaml_node_t *root;
		cJSON *json = NULL;

		if (!yaml_parser_load(&parser, &doc)) {
			error = lb_error_set(
			    LB_EINVAL, "%s: line %zu column %zu: %s%s%s", what,
			    parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			    parser.problem ? parser.problem : "invalid YAML",
			    parser.context ? " " : "", parser.context ? parser.context : "");
			goto done;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		error = node_to_json(&doc, root, what, 0, &json);
		yaml_document_delete(&doc);
		if (error < 0)
			goto done;
		if (!all) {
			first = json;
			break;
		}
		if (cJSON_IsNull(json)) /* "---" followed by nothing */
			cJSON_Delete(json);
		else
			cJSON_AddItemToArray(arr, json);
	}
	if (all) {
		*out = arr;
		arr = NULL;
	} else {
		*out = first ? first : cJSON_CreateNull();
	}
done:
	cJSON_Delete(arr);
	yaml_parser_delete(&parser);
	return error;
}

int
lb_yaml_to_json(const char *text, size_t len, const char *what, cJSON **json_out)
{
	return parse(text, len, what, 0, json_out);
}

int
lb_yaml_to_json_all(const char *text, size_t len, const char *what, cJSON **array_out)
{
	return parse(text, len, what, 1, array_out);
}

int
lb_yaml_file_to_json(const char *path, cJSON **json_out)
{
	lb_buf b = LB_BUF_INIT;
	char chunk[8192];
	size_t n;
	int error = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return lb_error_errno(errno, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if ((error = lb_buf_put(&b, chunk, n)) < 0)
			goto done;
	}
	if (ferror(f)) {
		error = lb_error_errno(EIO, "cannot read %s", path);
		goto done;
	}
	error = lb_yaml_to_json(b.ptr ? b.ptr : "", b.len, path, json_out);
done:
	fclose(f);
	lb_buf_dispose(&b);
	return error;
}
