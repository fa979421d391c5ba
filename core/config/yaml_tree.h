/* A YAML document as a small tree of nodes that remember where they stand (file, line,
 * column), so that every configuration error can name its place. Built with libyaml. */
#ifndef LB_CONFIG_YAML_TREE_H
#define LB_CONFIG_YAML_TREE_H

#include <stddef.h>

typedef enum lb_ynode_kind { LB_YSCALAR, LB_YMAP, LB_YSEQ, LB_YNULL } lb_ynode_kind;

typedef struct lb_ynode lb_ynode;
struct lb_ynode {
	lb_ynode_kind kind;
	int line;   /* 1-based */
	int column; /* 1-based */
	int quoted; /* scalar was quoted: never null/bool/number by type */
	char *value;  /* scalar text */
	/* map: keys[i] -> items[i]; seq: items[i] */
	size_t count;
	lb_ynode **keys;
	lb_ynode **items;
};

/* Parse @text (NUL-terminated) read from @file (for messages). On error returns LB_EINVAL
 * with "FILE:LINE:COL: what" in lb_error_last(). An empty document gives a LB_YNULL node. */
int lb_yaml_parse(const char *file, const char *text, size_t len, lb_ynode **root_out);
int lb_yaml_parse_file(const char *path, lb_ynode **root_out);
void lb_ynode_free(lb_ynode *n);
/* Value for @key in map @n, or NULL. */
lb_ynode *lb_ynode_get(const lb_ynode *n, const char *key);
const char *lb_ynode_kind_name(lb_ynode_kind k);

#endif
