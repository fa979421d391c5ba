/* Velero's layout, in one place (velero-and-peers.md §2, §2.1):
 *
 * bucket:  <prefix>backups/<B>/velero-backup.json, <B>.tar.gz, <B>-logs.gz, <B>-results.gz,
 *          <B>-resource-list.json.gz, <B>-volumesnapshots.json.gz, <B>-itemoperations.json.gz,
 *          <B>-podvolumebackups.json.gz, <B>-volumeinfo.json.gz
 *          <prefix>restores/<R>/restore-<R>-logs.gz, restore-<R>-results.gz,
 *          restore-<R>-resource-list.json.gz, restore-<R>-itemoperations.json.gz
 * tarball: metadata/version ("1.1.0\n")
 *          resources/<gr>/namespaces/<ns>/<name>.json         (the preferred version)
 *          resources/<gr>/cluster/<name>.json
 *          resources/<gr>/<ver>-preferredversion/{namespaces/<ns>,cluster}/<name>.json
 *          resources/<gr>/<ver>/{namespaces/<ns>,cluster}/<name>.json  (other served versions)
 * <gr> is GroupResource.String(): "pods", "deployments.apps". Keys here are relative to the
 * location prefix (the location adds it).
 */
#ifndef LB_BACKUP_LAYOUT_H
#define LB_BACKUP_LAYOUT_H

#include <stddef.h>

#define LB_BACKUP_FORMAT_VERSION "1.1.0"
#define LB_PREFERRED_SUFFIX "-preferredversion"

/* "<resource>" or "<resource>.<group>". */
int lb_layout_gr(char *buf, size_t size, const char *group, const char *resource);
/* Split "<resource>.<group>" at the first dot. */
void lb_layout_gr_split(const char *gr, char *resource, size_t rsize, char *group, size_t gsize);

/* Tarball entry for an item. @version_dir NULL: the plain copy; else "<ver>" or
 * "<ver>-preferredversion". @ns NULL or "" for cluster-scoped. */
int lb_layout_item_path(char *buf,
                        size_t size,
                        const char *gr,
                        const char *version_dir,
                        const char *ns,
                        const char *name);

/* A parsed tarball entry under resources/. */
typedef struct lb_layout_entry {
	char gr[256];
	char version[64]; /* "" for the plain copy */
	int preferred;    /* version dir ends with -preferredversion */
	char ns[256];     /* "" for cluster */
	char name[256];
} lb_layout_entry;

/* Parse @path; 1 if it is an item entry, 0 if it is something else (metadata/version,
 * unknown files: ignored by readers, as Velero does). */
int lb_layout_parse(const char *path, lb_layout_entry *out);

/* Object keys (relative to the location prefix). @suffix e.g. ".tar.gz", "-logs.gz",
 * "velero-backup.json" is special-cased by lb_layout_backup_record_key. */
int lb_layout_backup_key(char *buf, size_t size, const char *backup, const char *suffix);
int lb_layout_backup_record_key(char *buf, size_t size, const char *backup);
int lb_layout_restore_key(char *buf, size_t size, const char *restore, const char *suffix);

/* Kubernetes object names for backups/restores: DNS-1123 subdomain. */
int lb_layout_valid_name(const char *name);

#endif
