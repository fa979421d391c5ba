/* Which PVCs get which method: Velero's pod annotations backup.velero.io/backup-volumes
 * (opt-in) and backup.velero.io/backup-volumes-excludes (opt-out) on the pods that mount
 * the claim, the default (--default-volumes-to-fs-backup), and Lifeboat's per-PVC
 * annotation lifeboat.io/volume-data: none|fs-copy|csi|both. Pure. */
#ifndef LB_VOLUME_SELECT_H
#define LB_VOLUME_SELECT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define LB_VOLUME_ANN_INCLUDE "backup.velero.io/backup-volumes"
#define LB_VOLUME_ANN_EXCLUDE "backup.velero.io/backup-volumes-excludes"
#define LB_VOLUME_ANN_PVC "lifeboat.io/volume-data"

/* 1 when @name is an item of the comma-separated @csv (spaces trimmed). */
int lb_volume_csv_has(const char *csv, const char *name);

/* The methods (LB_VOLUME_* bits) for @pvc given the run's @mode, @default_fs and @pods of
 * its namespace. @is_csi: the bound PV is a CSI volume. @why gets a short reason. A PVC
 * annotation with a bad value gives -1 with @why saying so. */
int lb_volume_select(const cJSON *pvc,
                     const cJSON *const *pods,
                     size_t npods,
                     int mode,
                     int default_fs,
                     int is_csi,
                     char *why,
                     size_t why_size);

#endif
