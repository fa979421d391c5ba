/* CSI snapshots through the snapshot.storage.k8s.io/v1 API, as Velero's CSI support does:
 * VolumeSnapshot of a PVC at backup time (class by driver / label
 * velero.io/csi-volumesnapshot-class), pre-provisioned VolumeSnapshotContent +
 * VolumeSnapshot at restore time for a PVC's spec.dataSource. Built into lifeboat_volume. */
#ifndef LB_CSI_CSI_H
#define LB_CSI_CSI_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "kube/kube.h"

#define LB_CSI_CLASS_LABEL "velero.io/csi-volumesnapshot-class"
#define LB_CSI_DEFAULT_CLASS_ANNOTATION "snapshot.storage.kubernetes.io/is-default-class"

extern const lb_kube_gvr lb_csi_gvr_snapshots;
extern const lb_kube_gvr lb_csi_gvr_contents;
extern const lb_kube_gvr lb_csi_gvr_classes;

/* Pick the VolumeSnapshotClass for @driver among @classes (a JSON array): the one labelled
 * velero.io/csi-volumesnapshot-class=true, else the default class, else the only one.
 * NULL when none matches. Pure. */
const cJSON *lb_csi_pick_class(const cJSON *classes, const char *driver);

/* Snapshot @pvc (bound to the CSI @pv): create a VolumeSnapshot, wait until readyToUse
 * (@timeout_ms), set its content's deletionPolicy to Retain, keep copies of both, and
 * delete them from the cluster (the snapshot itself stays, as Velero does). */
int lb_csi_snapshot_pvc(lb_kube_client *kube,
                        const cJSON *pvc,
                        const cJSON *pv,
                        const char *backup,
                        const char *backup_uid,
                        int64_t timeout_ms,
                        cJSON **vs_out,
                        cJSON **vsc_out);

/* Re-create the backed-up snapshot in @dst_ns: a pre-provisioned VolumeSnapshotContent
 * (spec.source.snapshotHandle, Retain) and a VolumeSnapshot bound to it; wait until
 * readyToUse. @name_out gets the VolumeSnapshot's name. */
int lb_csi_restore_snapshot(lb_kube_client *kube,
                            const cJSON *vs,
                            const cJSON *vsc,
                            const char *dst_ns,
                            const char *restore,
                            int64_t timeout_ms,
                            char *name_out,
                            size_t name_size);

#endif
