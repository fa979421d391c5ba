#include "yaml_tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/buf.h"
#include "util/error.h"

#define MAX_DEPTH 64
#define MAX_FILE_BYTES (16 * 1024 * 1024)

static lb_ynode *
node_new(lb_ynode_kind kind, yaml_mark_t mark)
{
	lb_ynode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (int) mark.line + 1;
	n->column = (int) mark.column + 1;
	return n;
}

void
lb_ynode_free(lb_ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->count; i++) {
		if (n->keys)
			lb_ynode_free(n->keys[i]);
		lb_ynode_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->value);
	free(n);
}

static int
push(lb_ynode *parent, lb_ynode *key, lb_ynode *item)
{
	size_t cap = parent->count + 1;
	lb_ynode **items = realloc(parent->items, cap * sizeof(*items));

	if (!items)
		return LB_ENOMEM;
	parent->items = items;
	if (parent->kind == LB_YMAP) {
		lb_ynode **keys = realloc(parent->keys, cap * sizeof(*keys));

		if (!keys)
			return LB_ENOMEM;
		parent->keys = keys;
		parent->keys[parent->count] = key;
	}
	parent->items[parent->count++] = item;
	return 0;
}

typedef struct parse_state {
	yaml_parser_t parser;
	const char *file;
} parse_state;

static int
fail_at(parse_state *st, yaml_mark_t mark, const char *what)
{
	return lb_error_set(LB_EINVAL,
			    "%s:%zu:%zu: %s",
			    st->file,
			    mark.line + 1,
			    mark.column + 1,
			    what);
}

static int parse_node(parse_state *st, yaml_event_t *ev, int depth, lb_ynode **out);

static int
next_event(parse_state *st, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&st->parser, ev)) {
		const char *problem = st->parser.problem ? st->parser.problem : "malformed YAML";

		return fail_at(st, st->parser.problem_mark, problem);
	}
	return 0;
}

/* Parse the collection begun by @start, filling @n. */
static int
parse_children(parse_state *st, lb_ynode *n, int depth)
{
	yaml_event_t ev;
	int error;

	for (;;) {
		lb_ynode *key = NULL, *item = NULL;

		if ((error = next_event(st, &ev)) < 0)
			return error;
		if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (n->kind == LB_YMAP) {
			if (ev.type != YAML_SCALAR_EVENT) {
				error = fail_at(st, ev.start_mark, "mapping keys must be plain strings");
				yaml_event_delete(&ev);
				return error;
			}
			error = parse_node(st, &ev, depth + 1, &key);
			yaml_event_delete(&ev);
			if (error < 0)
				return error;
			for (size_t i = 0; i < n->count; i++) {
				if (!strcmp(n->keys[i]->value, key->value)) {
					char msg[512];

					snprintf(msg,
						 sizeof(msg),
						 "duplicate key '%s' (first at line %d)",
						 key->value,
						 n->keys[i]->line);
					error = lb_error_set(LB_EINVAL,
							     "%s:%d:%d: %s",
							     st->file,
							     key->line,
							     key->column,
							     msg);
					lb_ynode_free(key);
					return error;
				}
			}
			if ((error = next_event(st, &ev)) < 0) {
				lb_ynode_free(key);
				return error;
			}
		}
		error = parse_node(st, &ev, depth + 1, &item);
		yaml_event_delete(&ev);
		if (error < 0 || (error = push(n, key, item)) < 0) {
			lb_ynode_free(key);
			lb_ynode_free(item);
			return error;
		}
	}
}

static int
parse_node(parse_state *st, yaml_event_t *ev, int depth, lb_ynode **out)
{
	lb_ynode *n = NULL;
	int error;

	if (depth > MAX_DEPTH)
		return fail_at(st, ev->start_mark, "document nested too deeply");
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *v = (const char *) ev->data.scalar.value;
		int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

		if (plain && (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
			      !strcmp(v, "NULL"))) {
			n = node_new(LB_YNULL, ev->start_mark);
			if (!n)
				return LB_ENOMEM;
			break;
		}
		n = node_new(LB_YSCALAR, ev->start_mark);
		if (!n || !(n->value = strdup(v))) {
			lb_ynode_free(n);
			return LB_ENOMEM;
		}
		n->quoted = !plain;
		break;
	}
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		n = node_new(ev->type == YAML_MAPPING_START_EVENT ? LB_YMAP : LB_YSEQ, ev->start_mark);
		if (!n)
			return LB_ENOMEM;
		if ((error = parse_children(st, n, depth)) < 0) {
			lb_ynode_free(n);
			return error;
		}
		break;
	case YAML_ALIAS_EVENT:
		return fail_at(st, ev->start_mark, "YAML aliases are not supported here");
	default:
		return fail_at(st, ev->start_mark, "unexpected YAML event");
	}
	*out = n;
	return 0;
}

int
lb_yaml_parse(const char *file, const char *text, size_t len, lb_ynode **root_out)
{
	parse_state st = {.file = file};
	yaml_event_t ev;
	lb_ynode *root = NULL;
	int error, started = 0;

	if (!yaml_parser_initialize(&st.parser))
		return LB_ENOMEM;
	yaml_parser_set_input_string(&st.parser, (const unsigned char *) text, len);
	for (;;) {
		if ((error = next_event(&st, &ev)) < 0)
			goto done;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			if (started) {
				error = fail_at(&st, ev.start_mark, "only one YAML document is allowed");
				yaml_event_delete(&ev);
				goto done;
			}
			started = 1;
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		error = parse_node(&st, &ev, 0, &root);
		yaml_event_delete(&ev);
		if (error < 0)
			goto done;
	}
	if (!root) {
		yaml_mark_t m = {0, 0, 0};

		root = node_new(LB_YNULL, m);
		if (!root) {
			error = LB_ENOMEM;
			goto done;
		}
	}
	*root_out = root;
	root = NULL;
	error = 0;
done:
	lb_ynode_free(root);
	yaml_parser_delete(&st.parser);
	return error;
}

int
lb_yaml_parse_file(const char *path, lb_ynode **root_out)
{
	lb_buf b = LB_BUF_INIT;
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;
	int error;

	if (!f)
		return lb_error_errno(errno, "cannot open configuration file %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > MAX_FILE_BYTES) {
			fclose(f);
			lb_buf_dispose(&b);
			return lb_error_set(LB_EINVAL, "%s: file is larger than 16 MiB", path);
		}
		if (lb_buf_put(&b, chunk, n) < 0) {
			fclose(f);
			lb_buf_dispose(&b);
			return LB_ENOMEM;
		}
	}
	fclose(f);
	error = lb_yaml_parse(path, b.ptr ? b.ptr : "", b.len, root_out);
	lb_buf_dispose(&b);
	return error;
}

lb_ynode *
lb_ynode_get(const lb_ynode *n, const char *key)
{
	if (!n || n->kind != LB_YMAP)
		return NULL;
	for (size_t i = 0; i < n->count; i++)
		if (!strcmp(n->keys[i]->value, key))
			return n->items[i];
	return NULL;
}

const char *
lb_ynode_kind_name(lb_ynode_kind k)
{
	switch (k) {
	case LB_YSCALAR:
		return "a scalar";
	case LB_YMAP:
		return "a mapping";
	case LB_YSEQ:
		return "a list";
	default:
		return "null";
	}
}
