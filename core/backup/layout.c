/* Velero's bucket and tarball layout. */
#include "layout.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

static int
fits(int n, size_t size, const char *what)
{
	if (n < 0 || (size_t) n >= size)
		return lb_error_set(LB_EINVAL, "%s: name too long", what);
	return 0;
}

int
lb_layout_gr(char *buf, size_t size, const char *group, const char *resource)
{
	int n = group && *group ? snprintf(buf, size, "%s.%s", resource, group)
	                        : snprintf(buf, size, "%s", resource);
	return fits(n, size, resource);
}

void
lb_layout_gr_split(const char *gr, char *resource, size_t rsize, char *group, size_t gsize)
{
	const char *dot = strchr(gr, '.');

	if (!dot) {
		snprintf(resource, rsize, "%s", gr);
		snprintf(group, gsize, "%s", "");
		return;
	}
	snprintf(resource, rsize, "%.*s", (int) (dot - gr), gr);
	snprintf(group, gsize, "%s", dot + 1);
}

int
lb_layout_item_path(char *buf,
                    size_t size,
                    const char *gr,
                    const char *version_dir,
                    const char *ns,
                    const char *name)
{
	char vd[96] = "";
	int n;

	if (version_dir && *version_dir)
		snprintf(vd, sizeof(vd), "%s/", version_dir);
	if (ns && *ns)
		n = snprintf(buf, size, "resources/%s/%snamespaces/%s/%s.json", gr, vd, ns, name);
	else
		n = snprintf(buf, size, "resources/%s/%scluster/%s.json", gr, vd, name);
	return fits(n, size, name);
}

static int
take(const char **p, char *out, size_t size)
{
	const char *s = *p, *slash = strchr(s, '/');
	size_t n = slash ? (size_t) (slash - s) : strlen(s);

	if (n == 0 || n >= size)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	*p = slash ? slash + 1 : s + n;
	return 1;
}

int
lb_layout_parse(const char *path, lb_layout_entry *out)
{
	const char *p = path;
	char seg[256], file[300];
	size_t n, sl = strlen(LB_PREFERRED_SUFFIX);

	memset(out, 0, sizeof(*out));
	if (strncmp(p, "resources/", 10) != 0)
		return 0;
	p += 10;
	if (!take(&p, out->gr, sizeof(out->gr)) || !take(&p, seg, sizeof(seg)))
		return 0;
	if (strcmp(seg, "cluster") != 0 && strcmp(seg, "namespaces") != 0) {
		n = strlen(seg);
		if (n > sl && strcmp(seg + n - sl, LB_PREFERRED_SUFFIX) == 0) {
			out->preferred = 1;
			seg[n - sl] = '\0';
		}
		if (strlen(seg) >= sizeof(out->version))
			return 0;
		strcpy(out->version, seg);
		if (!take(&p, seg, sizeof(seg)))
			return 0;
	}
	if (strcmp(seg, "namespaces") == 0) {
		if (!take(&p, out->ns, sizeof(out->ns)))
			return 0;
	} else if (strcmp(seg, "cluster") != 0) {
		return 0;
	}
	if (!take(&p, file, sizeof(file)) || *p)
		return 0;
	n = strlen(file);
	if (n <= 5 || strcmp(file + n - 5, ".json") != 0 || n - 5 >= sizeof(out->name))
		return 0;
	memcpy(out->name, file, n - 5);
	out->name[n - 5] = '\0';
	return 1;
}

int
lb_layout_backup_key(char *buf, size_t size, const char *backup, const char *suffix)
{
	return fits(snprintf(buf, size, "backups/%s/%s%s", backup, backup, suffix), size, backup);
}

int
lb_layout_backup_record_key(char *buf, size_t size, const char *backup)
{
	return fits(snprintf(buf, size, "backups/%s/velero-backup.json", backup), size, backup);
}

int
lb_layout_restore_key(char *buf, size_t size, const char *restore, const char *suffix)
{
	return fits(snprintf(buf, size, "restores/%s/restore-%s%s", restore, restore, suffix), size,
	            restore);
}

int
lb_layout_valid_name(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char) name[i];

		if (!(islower(c) || isdigit(c) || c == '-' || c == '.'))
			return 0;
	}
	return isalnum((unsigned char) name[0]) && isalnum((unsigned char) name[n - 1]);
}
