/* A backup tarball read into memory and indexed by group-resource: what Velero's
 * archive.Parser gives a restore (velero-and-peers.md §2.1), without extracting to disk.
 * Items are kept per version directory so a restore can pick the version the target
 * serves. */
#ifndef LB_RESTORE_CONTENTS_H
#define LB_RESTORE_CONTENTS_H

#include <stddef.h>

#include "archive/archive.h"
#include "backup/layout.h"

typedef struct lb_content_item {
	char *ns; /* "" for cluster-scoped */
	char *name;
	char *json; /* the object, as stored */
	size_t len;
} lb_content_item;

/* The items of one group-resource in one directory. */
typedef struct lb_content_set {
	char *version; /* "" for the plain copy (the preferred version) */
	int preferred; /* the "<ver>-preferredversion" directory */
	lb_content_item *items;
	size_t count, cap;
} lb_content_set;

typedef struct lb_content_gr {
	char *gr;                /* "deployments.apps" */
	char *preferred_version; /* from the -preferredversion dir; "" if none (format 1.0) */
	lb_content_set *sets;
	size_t nsets;
} lb_content_gr;

typedef struct lb_contents {
	char format_version[32]; /* metadata/version, "" if absent */
	lb_content_gr *grs;
	size_t ngrs;
	size_t ignored; /* entries that are not items (logged by the caller) */
} lb_contents;

int lb_contents_read_fd(int fd, const lb_archive_limits *limits, lb_contents **out);
int lb_contents_read_file(const char *path, const lb_archive_limits *limits, lb_contents **out);
void lb_contents_free(lb_contents *c);

const lb_content_gr *lb_contents_find(const lb_contents *c, const char *gr);
/* The set for @version ("" or NULL: the plain copy). */
const lb_content_set *lb_contents_set(const lb_content_gr *g, const char *version);
/* Versions present for @g (the preferred first), into @out (borrowed strings). */
size_t lb_contents_versions(const lb_content_gr *g, const char **out, size_t max);

#endif
