/* Reading a tarball into an index. */
#include "contents.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static lb_content_gr *
gr_get(lb_contents *c, const char *gr)
{
	lb_content_gr *n;
	size_t i;

	for (i = c->ngrs; i > 0; i--)
		if (strcmp(c->grs[i - 1].gr, gr) == 0)
			return &c->grs[i - 1];
	n = realloc(c->grs, (c->ngrs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	c->grs = n;
	n = &c->grs[c->ngrs++];
	memset(n, 0, sizeof(*n));
	n->gr = strdup(gr);
	n->preferred_version = strdup("");
	return n;
}

static lb_content_set *
set_get(lb_content_gr *g, const char *version, int preferred)
{
	lb_content_set *n;
	size_t i;

	for (i = 0; i < g->nsets; i++)
		if (strcmp(g->sets[i].version, version) == 0 && g->sets[i].preferred == preferred)
			return &g->sets[i];
	n = realloc(g->sets, (g->nsets + 1) * sizeof(*n));
	if (!n)
		return NULL;
	g->sets = n;
	n = &g->sets[g->nsets++];
	memset(n, 0, sizeof(*n));
	n->version = strdup(version);
	n->preferred = preferred;
	if (preferred) {
		free(g->preferred_version);
		g->preferred_version = strdup(version);
	}
	return n;
}

static int
on_entry(const char *path, const char *data, size_t len, void *ud)
{
	lb_contents *c = ud;
	lb_layout_entry e;
	lb_content_gr *g;
	lb_content_set *s;
	lb_content_item *it;

	if (strcmp(path, "metadata/version") == 0) {
		size_t n =
		    len < sizeof(c->format_version) - 1 ? len : sizeof(c->format_version) - 1;

		memcpy(c->format_version, data, n);
		c->format_version[n] = '\0';
		while (n && (c->format_version[n - 1] == '\n' || c->format_version[n - 1] == ' '))
			c->format_version[--n] = '\0';
		return 0;
	}
	if (!lb_layout_parse(path, &e)) {
		c->ignored++;
		return 0;
	}
	if (!(g = gr_get(c, e.gr)) || !(s = set_get(g, e.version, e.preferred)))
		return lb_error_set(LB_ENOMEM, "out of memory reading the backup");
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		lb_content_item *n = realloc(s->items, cap * sizeof(*n));

		if (!n)
			return lb_error_set(LB_ENOMEM, "out of memory reading the backup");
		s->items = n;
		s->cap = cap;
	}
	it = &s->items[s->count];
	it->ns = strdup(e.ns);
	it->name = strdup(e.name);
	it->json = malloc(len + 1);
	if (!it->ns || !it->name || !it->json) {
		free(it->ns);
		free(it->name);
		free(it->json);
		return lb_error_set(LB_ENOMEM, "out of memory reading the backup");
	}
	memcpy(it->json, data, len);
	it->json[len] = '\0';
	it->len = len;
	s->count++;
	return 0;
}

int
lb_contents_read_fd(int fd, const lb_archive_limits *limits, lb_contents **out)
{
	lb_contents *c = calloc(1, sizeof(*c));
	int error;

	if (!c)
		return LB_ENOMEM;
	if ((error = lb_archive_read_fd(fd, limits, on_entry, c)) < 0) {
		lb_contents_free(c);
		return error;
	}
	*out = c;
	return 0;
}

int
lb_contents_read_file(const char *path, const lb_archive_limits *limits, lb_contents **out)
{
	lb_contents *c = calloc(1, sizeof(*c));
	int error;

	if (!c)
		return LB_ENOMEM;
	if ((error = lb_archive_read_file(path, limits, on_entry, c)) < 0) {
		lb_contents_free(c);
		return error;
	}
	*out = c;
	return 0;
}

void
lb_contents_free(lb_contents *c)
{
	size_t i, j, k;

	if (!c)
		return;
	for (i = 0; i < c->ngrs; i++) {
		for (j = 0; j < c->grs[i].nsets; j++) {
			lb_content_set *s = &c->grs[i].sets[j];

			for (k = 0; k < s->count; k++) {
				free(s->items[k].ns);
				free(s->items[k].name);
				free(s->items[k].json);
			}
			free(s->items);
			free(s->version);
		}
		free(c->grs[i].sets);
		free(c->grs[i].gr);
		free(c->grs[i].preferred_version);
	}
	free(c->grs);
	free(c);
}

const lb_content_gr *
lb_contents_find(const lb_contents *c, const char *gr)
{
	size_t i;

	for (i = 0; i < c->ngrs; i++)
		if (strcmp(c->grs[i].gr, gr) == 0)
			return &c->grs[i];
	return NULL;
}

const lb_content_set *
lb_contents_set(const lb_content_gr *g, const char *version)
{
	size_t i;

	if (!version)
		version = "";
	for (i = 0; i < g->nsets; i++)
		if (strcmp(g->sets[i].version, version) == 0 && !g->sets[i].preferred)
			return &g->sets[i];
	/* a plain copy missing (hand-written tarballs): the preferred dir holds it too */
	for (i = 0; i < g->nsets; i++)
		if (strcmp(g->sets[i].version, version) == 0 || (!*version && g->sets[i].preferred))
			return &g->sets[i];
	return NULL;
}

size_t
lb_contents_versions(const lb_content_gr *g, const char **out, size_t max)
{
	size_t i, j, n = 0;

	if (*g->preferred_version && n < max)
		out[n++] = g->preferred_version;
	for (i = 0; i < g->nsets && n < max; i++) {
		const char *v = g->sets[i].version;
		int dup = !*v;

		for (j = 0; j < n && !dup; j++)
			dup = strcmp(out[j], v) == 0;
		if (!dup)
			out[n++] = v;
	}
	return n;
}
