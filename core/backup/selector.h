/* What a backup or restore includes (velero-and-peers.md §3; Velero's
 * pkg/util/collections/includes_excludes.go):
 * - namespaces: include list (empty or "*" = all) and exclude list, both with globs; an
 *   exclude always wins;
 * - resources: include/exclude terms in any form kubectl takes: plural, singular, short
 *   name or kind, alone or as "<term>.<group>" ("deploy", "deployments.apps"), or "*";
 * - cluster-scoped resources: auto (only when every namespace is included), true, false;
 * - a label selector, equality- and set-based ("app=x,tier!=db,env in (a,b),!legacy").
 */
#ifndef LB_BACKUP_SELECTOR_H
#define LB_BACKUP_SELECTOR_H

#include <cjson/cJSON.h>

#include "util/buf.h"

/* Split a comma-separated list, trimming blanks, into @out. NULL/"" adds nothing. */
int lb_csv_split(const char *csv, lb_strlist *out);

typedef struct lb_ns_filter {
	lb_strlist include;
	lb_strlist exclude;
} lb_ns_filter;

int lb_ns_filter_init(lb_ns_filter *f, const char *include_csv, const char *exclude_csv);
int lb_ns_filter_match(const lb_ns_filter *f, const char *ns);
/* 1 when the include list covers all namespaces (empty or "*"). */
int lb_ns_filter_includes_all(const lb_ns_filter *f);
void lb_ns_filter_dispose(lb_ns_filter *f);

/* A resource as the filters see it. */
typedef struct lb_res_names {
	const char *group;
	const char *plural;
	const char *singular;     /* may be NULL */
	const char *kind;         /* may be NULL */
	const char **short_names; /* NULL-terminated, may be NULL */
} lb_res_names;

typedef struct lb_res_filter {
	lb_strlist include;
	lb_strlist exclude;
} lb_res_filter;

int lb_res_filter_init(lb_res_filter *f, const char *include_csv, const char *exclude_csv);
/* Does @term name the resource? */
int lb_res_term_matches(const char *term, const lb_res_names *r);
int lb_res_filter_match(const lb_res_filter *f, const lb_res_names *r);
/* 1 when the include list names @r explicitly (not through "*" or an empty list). */
int lb_res_filter_names(const lb_res_filter *f, const lb_res_names *r);
void lb_res_filter_dispose(lb_res_filter *f);

typedef enum lb_cluster_mode {
	LB_CLUSTER_AUTO = 0,
	LB_CLUSTER_TRUE = 1,
	LB_CLUSTER_FALSE = 2,
} lb_cluster_mode;

int lb_cluster_mode_parse(const char *s, lb_cluster_mode *out);
/* Whether cluster-scoped resource @r is included (Velero's rule; namespaces are handled by
 * the caller: the Namespace objects of included namespaces are always included). */
int lb_cluster_scoped_included(lb_cluster_mode mode,
                               const lb_ns_filter *ns,
                               const lb_res_filter *res,
                               const lb_res_names *r);

typedef struct lb_label_selector lb_label_selector;

/* "" or NULL gives a selector that matches everything. LB_EINVAL names the bad part. */
int lb_label_selector_parse(const char *text, lb_label_selector **out);
/* @labels: the object's metadata.labels (may be NULL). */
int lb_label_selector_match(const lb_label_selector *s, const cJSON *labels);
int lb_label_selector_empty(const lb_label_selector *s);
/* As a metav1.LabelSelector {"matchLabels":{..},"matchExpressions":[..]}. */
cJSON *lb_label_selector_to_json(const lb_label_selector *s);
/* From a metav1.LabelSelector (as Velero's resource modifiers and Backup spec carry it). */
int lb_label_selector_from_json(const cJSON *json, lb_label_selector **out);
void lb_label_selector_free(lb_label_selector *s);

#endif
