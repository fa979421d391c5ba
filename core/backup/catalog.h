/* The backups a storage location holds. Object storage is the source of truth: a backup
 * exists when <prefix>backups/<name>/velero-backup.json exists, whoever wrote it (another
 * cluster, Velero itself). */
#ifndef LB_BACKUP_CATALOG_H
#define LB_BACKUP_CATALOG_H

#include <cjson/cJSON.h>

#include "store/location.h"
#include "util/buf.h"

/* Every backup record (parsed velero-backup.json) as a JSON array, sorted by name.
 * Directories without a record (a backup still running or one that crashed) are left out. */
int lb_backup_catalog_list(lb_location *loc, lb_call *call, cJSON **records_out);
/* One record; LB_ENOTFOUND names the backup and the location. */
int lb_backup_catalog_get(lb_location *loc, lb_call *call, const char *name, cJSON **record_out);
/* A gzip side file (suffix "-logs.gz", "-results.gz", ...), expanded. */
int lb_backup_catalog_get_gz(lb_location *loc, lb_call *call, const char *key, lb_buf *out);
/* Write @text gzipped as the side file @key (a backup's or a restore's). */
int lb_backup_catalog_put_gz(lb_location *loc, lb_call *call, const char *key, const char *text);
/* Write the tarball to @path (created, replaced). */
int lb_backup_catalog_download(lb_location *loc, lb_call *call, const char *name, const char *path);
/* Remove every object of the backup, the record first (so it stops reading as a backup
 * at once). LB_EPERM on a ReadOnly location. */
int lb_backup_catalog_delete(lb_location *loc, lb_call *call, const char *name);

#endif
