/* Volume data: the data of PersistentVolumeClaims, copied off-site with fs-copy (a restic
 * repository under <prefix>/restic/<namespace>/ of the storage location, written by the
 * lifeboat.io/fs-copy VolumeCopier plugin in its own process) and/or snapshotted with CSI
 * VolumeSnapshots, in the same backup; put back on restore; forgotten with the backup.
 * See docs/VOLUMES.md.
 *
 * The backup and restore engines call the hooks below (each call is marked "volume data"
 * there). The CLI sets the options once per process with lb_volume_set_options(). */
#ifndef LB_VOLUME_VOLUME_H
#define LB_VOLUME_VOLUME_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "kube/kube.h"
#include "rpc/call.h"
#include "store/location.h"
#include "supervise/manager.h"
#include "util/buf.h"

struct lb_results;
struct lb_archive_writer;

/* Methods, a bit set. */
#define LB_VOLUME_FSCOPY 1
#define LB_VOLUME_CSI 2

typedef struct lb_volume_opts {
	int mode;                    /* LB_VOLUME_* bits; default LB_VOLUME_FSCOPY */
	int default_fs;              /* --default-volumes-to-fs-backup: copy every PVC unless
	                                opted out (default 1); 0: only opted-in volumes */
	const char *kubelet_dir;     /* NULL: $LIFEBOAT_KUBELET_DIR, else /var/lib/kubelet */
	const char *csi_dirs;        /* "driver=/dir/{volumeHandle},..." data-mover mapping for
	                                unmounted CSI volumes; NULL: $LIFEBOAT_CSI_VOLUME_DIRS */
	int64_t csi_timeout_ms;      /* wait for readyToUse; 0: 10 min */
	int64_t bind_timeout_ms;     /* restore: wait for the PVC to bind; 0: 5 min */
	int restore_volumes;         /* restore: put the data back (default 1) */
	const lb_settings *settings; /* for repository.passwordFile; may be NULL */
	const lb_storage_location_cfg *location; /* repoPassword(File); may be NULL */
} lb_volume_opts;

#define LB_VOLUME_OPTS_INIT                                                                        \
	{                                                                                          \
		LB_VOLUME_FSCOPY, 1, NULL, NULL, 0, 0, 1, NULL, NULL                               \
	}

/* Set the process-wide options (copied; the pointers inside stay borrowed). Until called,
 * LB_VOLUME_OPTS_INIT applies. */
void lb_volume_set_options(const lb_volume_opts *o);
const lb_volume_opts *lb_volume_options(void);

/* "fs-copy", "csi", "both", "none" -> bits. */
int lb_volume_parse_mode(const char *text, int *mode_out);
/* One CLI flag at argv[*i]: --volume-data M, --snapshot-volumes[=bool],
 * --default-volumes-to-fs-backup[=bool], --kubelet-dir D, --csi-volume-dirs MAP,
 * --csi-snapshot-timeout DUR, --restore-volumes[=bool]. Returns 1 when consumed (advancing
 * *i past a value), 0 when not a volume flag, <0 with a message for a bad value. */
int lb_volume_cli_flag(int argc, char **argv, int *i, lb_volume_opts *o);

/* The repository password: location config repoPassword / repoPasswordFile, then the
 * settings' repository.passwordFile, then $LIFEBOAT_REPO_PASSWORD. Caller frees. */
int lb_volume_password(const lb_volume_opts *o, char **out);

/* ---- Backup hook ---------------------------------------------------------------------- */

typedef struct lb_volume_backup_in {
	lb_kube_client *kube;
	lb_location *loc;
	lb_call *call;
	const char *backup; /* backup name */
	const char *backup_uid;
	const lb_strlist *pvcs;     /* "ns/name" of every PVC backed up */
	struct lb_results *results; /* errors/warnings of the backup */
	lb_buf *log;                /* the backup log (Velero's logfmt), under @log_mu */
	pthread_mutex_t *log_mu;
	lb_plugin_manager *plugins; /* runs lifeboat.io/fs-copy; NULL: fs-copy fails per PVC */
} lb_volume_backup_in;

/* Copy/snapshot the data of @in->pvcs and write <backup>-podvolumebackups.json.gz,
 * -csi-volumesnapshots.json.gz and -csi-volumesnapshotcontents.json.gz. A failing volume
 * becomes a result error naming the PVC; the others go on. Returns 0, or <0 only when the
 * side files could not be written. */
int lb_volume_backup(const lb_volume_backup_in *in);

/* ---- Restore hooks -------------------------------------------------------------------- */

typedef struct lb_volume_restore lb_volume_restore;

typedef struct lb_volume_restore_in {
	lb_kube_client *kube;
	lb_location *loc;
	lb_call *call;
	const char *backup;  /* NULL (restore from a tarball): nothing to do */
	const char *restore; /* restore name */
	struct lb_results *results;
	lb_buf *log;
	pthread_mutex_t *log_mu;
	lb_plugin_manager *plugins; /* runs lifeboat.io/fs-copy; NULL: fs-copy fails per PVC */
} lb_volume_restore_in;

/* Read the backup's volume records. *out may be NULL afterwards (nothing to do); the
 * other calls accept NULL. Problems become result warnings/errors. */
void lb_volume_restore_begin(const lb_volume_restore_in *in, lb_volume_restore **out);
/* Called for every PVC right before it is created (thread-safe): a PVC with a CSI
 * snapshot gets a pre-provisioned VolumeSnapshotContent + VolumeSnapshot in @dst_ns and
 * spec.dataSource pointing at it. */
void
lb_volume_restore_pvc(lb_volume_restore *v, cJSON *pvc, const char *src_ns, const char *dst_ns);
/* After every item: wait for each restored PVC with an fs-copy snapshot to bind, and
 * restore its files into the new volume. Frees @v. */
void lb_volume_restore_end(lb_volume_restore *v);

/* ---- Backup deletion ------------------------------------------------------------------ */

typedef struct lb_volume_delete_in {
	lb_kube_client *kube; /* NULL: the backup's CSI snapshots are not deleted (an error) */
	lb_location *loc;
	lb_call *call;
	lb_plugin_manager *plugins; /* runs lifeboat.io/fs-copy */
	const char *backup;
} lb_volume_delete_in;

/* Before `backup delete` removes the backup's files: forget its fs-copy snapshots (the
 * snapshot IDs of its PodVolumeBackups and every snapshot tagged backup=<name>, per
 * namespace repository; no prune) and delete the CSI snapshots it retained (its
 * VolumeSnapshotContents come back with deletionPolicy Delete and are deleted, so the
 * driver deletes the snapshot). A ReadOnly location refuses everything. <0 with a message:
 * the backup must be kept (its records are still needed to retry). @summary_out (may be
 * NULL) gets "N fs-copy snapshots forgotten, M CSI snapshots deleted". */
int lb_volume_backup_delete(const lb_volume_delete_in *in, char *summary_out, size_t summary_size);

#endif
