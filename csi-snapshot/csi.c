/* CSI VolumeSnapshots for backup and restore (csi.h). */
#include "csi.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "util/time.h"

const lb_kube_gvr lb_csi_gvr_snapshots = {"snapshot.storage.k8s.io", "v1", "volumesnapshots", 1};
const lb_kube_gvr lb_csi_gvr_contents = {"snapshot.storage.k8s.io", "v1", "volumesnapshotcontents",
                                         0};
const lb_kube_gvr lb_csi_gvr_classes = {"snapshot.storage.k8s.io", "v1", "volumesnapshotclasses",
                                        0};

static const cJSON *
get(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	return b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
}

static const char *
gets(const cJSON *o, const char *a, const char *b)
{
	return cJSON_GetStringValue(get(o, a, b));
}

static const char *
meta(const cJSON *o, const char *map, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(get(o, "metadata", map), key));
}

const cJSON *
lb_csi_pick_class(const cJSON *classes, const char *driver)
{
	const cJSON *c, *labelled = NULL, *dflt = NULL, *only = NULL;
	int n = 0;

	cJSON_ArrayForEach(c, classes)
	{
		const char *d = gets(c, "driver", NULL), *v;

		if (!d || strcmp(d, driver) != 0)
			continue;
		n++;
		only = c;
		if ((v = meta(c, "labels", LB_CSI_CLASS_LABEL)) && strcmp(v, "true") == 0 &&
		    !labelled)
			labelled = c;
		if ((v = meta(c, "annotations", LB_CSI_DEFAULT_CLASS_ANNOTATION)) &&
		    strcmp(v, "true") == 0 && !dflt)
			dflt = c;
	}
	return labelled ? labelled : dflt ? dflt : n == 1 ? only : NULL;
}

static int
add_item(const cJSON *item, void *ud)
{
	cJSON_AddItemToArray(ud, cJSON_Duplicate(item, 1));
	return 0;
}

static void
pause_a_little(void)
{
	struct timespec ts = {0, 200 * 1000 * 1000};

	nanosleep(&ts, NULL);
}

/* Poll @gvr ns/name until status.readyToUse (and @need_field in status, if given). */
static int
wait_ready(lb_kube_client *kube,
           const lb_kube_gvr *gvr,
           const char *ns,
           const char *name,
           const char *need_field,
           int64_t timeout_ms,
           cJSON **obj_out)
{
	lb_deadline dl = lb_deadline_in(timeout_ms > 0 ? timeout_ms : 600000);
	const char *what =
	    gvr == &lb_csi_gvr_snapshots ? "VolumeSnapshot" : "VolumeSnapshotContent";
	int error;

	for (;;) {
		cJSON *o = NULL;
		const cJSON *st;
		const char *msg;

		if ((error = lb_kube_get(kube, gvr, ns, name, NULL, &o)) < 0)
			return lb_error_set(error, "%s %s%s%s: %s", what, ns ? ns : "",
			                    ns ? "/" : "", name, lb_error_last(error));
		st = get(o, "status", NULL);
		if (cJSON_IsTrue(get(st, "readyToUse", NULL)) &&
		    (!need_field || cJSON_GetObjectItemCaseSensitive(st, need_field))) {
			*obj_out = o;
			return 0;
		}
		msg = gets(st, "error", "message");
		if (lb_deadline_passed(dl)) {
			error = lb_error_set(
			    LB_ETIMEDOUT, "%s %s%s%s is not readyToUse after %llds%s%s", what,
			    ns ? ns : "", ns ? "/" : "", name,
			    (long long) (timeout_ms > 0 ? timeout_ms : 600000) / 1000,
			    msg ? ": " : "", msg ? msg : "");
			cJSON_Delete(o);
			return error;
		}
		cJSON_Delete(o);
		pause_a_little();
	}
}

int
lb_csi_snapshot_pvc(lb_kube_client *kube,
                    const cJSON *pvc,
                    const cJSON *pv,
                    const char *backup,
                    const char *backup_uid,
                    int64_t timeout_ms,
                    cJSON **vs_out,
                    cJSON **vsc_out)
{
	const char *ns = gets(pvc, "metadata", "namespace"), *name = gets(pvc, "metadata", "name");
	const char *driver = gets(get(pv, "spec", "csi"), "driver", NULL), *cls, *vsname, *vscname;
	cJSON *classes = cJSON_CreateArray(), *vs = NULL, *created = NULL, *ready = NULL,
	      *vsc = NULL, *patch = NULL, *md, *spec;
	char gen[300];
	int error;

	if (!driver) {
		error = lb_error_set(LB_EINVAL, "PV %s is not a CSI volume",
		                     gets(pv, "metadata", "name"));
		goto done;
	}
	if ((error = lb_kube_list(kube, &lb_csi_gvr_classes, NULL, NULL, add_item, classes, NULL)) <
	    0) {
		lb_error_set(error, "list VolumeSnapshotClasses: %s", lb_error_last(error));
		goto done;
	}
	cls = gets(lb_csi_pick_class(classes, driver), "metadata", "name");
	if (!cls) {
		error = lb_error_set(LB_ENOTFOUND,
		                     "no VolumeSnapshotClass for CSI driver %s: label one %s=true "
		                     "or make one the default class",
		                     driver, LB_CSI_CLASS_LABEL);
		goto done;
	}
	vs = cJSON_CreateObject();
	cJSON_AddStringToObject(vs, "apiVersion", "snapshot.storage.k8s.io/v1");
	cJSON_AddStringToObject(vs, "kind", "VolumeSnapshot");
	md = cJSON_AddObjectToObject(vs, "metadata");
	snprintf(gen, sizeof(gen), "velero-%.200s-", name);
	cJSON_AddStringToObject(md, "generateName", gen);
	cJSON_AddStringToObject(md, "namespace", ns);
	{
		cJSON *l = cJSON_AddObjectToObject(md, "labels");

		cJSON_AddStringToObject(l, "velero.io/backup-name", backup);
		if (backup_uid)
			cJSON_AddStringToObject(l, "velero.io/backup-uid", backup_uid);
	}
	spec = cJSON_AddObjectToObject(vs, "spec");
	cJSON_AddStringToObject(spec, "volumeSnapshotClassName", cls);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(spec, "source"),
	                        "persistentVolumeClaimName", name);
	if ((error = lb_kube_create(kube, &lb_csi_gvr_snapshots, ns, vs, &created)) < 0) {
		lb_error_set(error, "create a VolumeSnapshot of PVC %s/%s: %s", ns, name,
		             lb_error_last(error));
		goto done;
	}
	vsname = gets(created, "metadata", "name");
	if ((error = wait_ready(kube, &lb_csi_gvr_snapshots, ns, vsname,
	                        "boundVolumeSnapshotContentName", timeout_ms, &ready)) < 0)
		goto cleanup;
	vscname = gets(ready, "status", "boundVolumeSnapshotContentName");
	if ((error = wait_ready(kube, &lb_csi_gvr_contents, NULL, vscname, "snapshotHandle",
	                        timeout_ms, &vsc)) < 0)
		goto cleanup;
	/* keep the snapshot when the VolumeSnapshot goes (Velero does the same) */
	patch = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(patch, "spec"), "deletionPolicy", "Retain");
	{
		cJSON *patched = NULL;

		if ((error = lb_kube_patch(kube, &lb_csi_gvr_contents, NULL, vscname, NULL,
		                           LB_KUBE_PATCH_MERGE, patch, &patched)) < 0) {
			lb_error_set(error,
			             "set deletionPolicy Retain on VolumeSnapshotContent %s: %s",
			             vscname, lb_error_last(error));
			goto cleanup;
		}
		if (!cJSON_GetObjectItemCaseSensitive(patched, "status"))
			cJSON_AddItemToObject(patched, "status",
			                      cJSON_Duplicate(get(vsc, "status", NULL), 1));
		cJSON_Delete(vsc);
		vsc = patched;
	}
	lb_kube_delete(kube, &lb_csi_gvr_snapshots, ns, vsname, NULL, NULL);
	lb_kube_delete(kube, &lb_csi_gvr_contents, NULL, vscname, NULL, NULL);
	*vs_out = ready;
	*vsc_out = vsc;
	ready = vsc = NULL;
	error = 0;
	goto done;
cleanup:
	/* a snapshot that never became ready is not left behind */
	lb_kube_delete(kube, &lb_csi_gvr_snapshots, ns, vsname, NULL, NULL);
done:
	cJSON_Delete(classes);
	cJSON_Delete(vs);
	cJSON_Delete(created);
	cJSON_Delete(ready);
	cJSON_Delete(vsc);
	cJSON_Delete(patch);
	return error;
}

int
lb_csi_restore_snapshot(lb_kube_client *kube,
                        const cJSON *vs,
                        const cJSON *vsc,
                        const char *dst_ns,
                        const char *restore,
                        int64_t timeout_ms,
                        char *name_out,
                        size_t name_size)
{
	const char *handle = gets(vsc, "status", "snapshotHandle");
	const char *driver = gets(vsc, "spec", "driver");
	const char *cls = gets(vs, "spec", "volumeSnapshotClassName");
	const char *vsname = gets(vs, "metadata", "name");
	cJSON *c = NULL, *s = NULL, *created_c = NULL, *created_s = NULL, *ready = NULL, *md, *spec,
	      *ref;
	char gen[300];
	int error;

	if (!handle)
		handle = gets(get(vsc, "spec", "source"), "snapshotHandle", NULL);
	if (!handle || !driver || !vsname)
		return lb_error_set(
		    LB_EINVAL,
		    "the backed-up VolumeSnapshotContent %s has no snapshotHandle or "
		    "driver",
		    gets(vsc, "metadata", "name") ? gets(vsc, "metadata", "name") : "(unnamed)");
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "apiVersion", "snapshot.storage.k8s.io/v1");
	cJSON_AddStringToObject(c, "kind", "VolumeSnapshotContent");
	md = cJSON_AddObjectToObject(c, "metadata");
	snprintf(gen, sizeof(gen), "%.200s-", vsname);
	cJSON_AddStringToObject(md, "generateName", gen);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "labels"), "velero.io/restore-name",
	                        restore);
	spec = cJSON_AddObjectToObject(c, "spec");
	cJSON_AddStringToObject(spec, "deletionPolicy", "Retain");
	cJSON_AddStringToObject(spec, "driver", driver);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(spec, "source"), "snapshotHandle", handle);
	if (cls)
		cJSON_AddStringToObject(spec, "volumeSnapshotClassName", cls);
	ref = cJSON_AddObjectToObject(spec, "volumeSnapshotRef");
	cJSON_AddStringToObject(ref, "apiVersion", "snapshot.storage.k8s.io/v1");
	cJSON_AddStringToObject(ref, "kind", "VolumeSnapshot");
	cJSON_AddStringToObject(ref, "namespace", dst_ns);
	cJSON_AddStringToObject(ref, "name", vsname);
	if ((error = lb_kube_create(kube, &lb_csi_gvr_contents, NULL, c, &created_c)) < 0) {
		lb_error_set(error, "create VolumeSnapshotContent for snapshot %s: %s", handle,
		             lb_error_last(error));
		goto done;
	}
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "apiVersion", "snapshot.storage.k8s.io/v1");
	cJSON_AddStringToObject(s, "kind", "VolumeSnapshot");
	md = cJSON_AddObjectToObject(s, "metadata");
	cJSON_AddStringToObject(md, "name", vsname);
	cJSON_AddStringToObject(md, "namespace", dst_ns);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "labels"), "velero.io/restore-name",
	                        restore);
	spec = cJSON_AddObjectToObject(s, "spec");
	if (cls)
		cJSON_AddStringToObject(spec, "volumeSnapshotClassName", cls);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(spec, "source"),
	                        "volumeSnapshotContentName", gets(created_c, "metadata", "name"));
	error = lb_kube_create(kube, &lb_csi_gvr_snapshots, dst_ns, s, &created_s);
	if (error == LB_EEXISTS) {
		/* left by an earlier restore: make a fresh one beside it */
		cJSON_DeleteItemFromObjectCaseSensitive(md, "name");
		cJSON_AddStringToObject(md, "generateName", gen);
		error = lb_kube_create(kube, &lb_csi_gvr_snapshots, dst_ns, s, &created_s);
	}
	if (error < 0) {
		lb_error_set(error, "create VolumeSnapshot %s/%s: %s", dst_ns, vsname,
		             lb_error_last(error));
		lb_kube_delete(kube, &lb_csi_gvr_contents, NULL,
		               gets(created_c, "metadata", "name"), NULL, NULL);
		goto done;
	}
	if ((error = wait_ready(kube, &lb_csi_gvr_snapshots, dst_ns,
	                        gets(created_s, "metadata", "name"), NULL, timeout_ms, &ready)) <
	    0) {
		/* not left behind half made (the content is Retain: the snapshot stays) */
		lb_kube_delete(kube, &lb_csi_gvr_snapshots, dst_ns,
		               gets(created_s, "metadata", "name"), NULL, NULL);
		lb_kube_delete(kube, &lb_csi_gvr_contents, NULL,
		               gets(created_c, "metadata", "name"), NULL, NULL);
		goto done;
	}
	snprintf(name_out, name_size, "%s", gets(created_s, "metadata", "name"));
done:
	cJSON_Delete(c);
	cJSON_Delete(s);
	cJSON_Delete(created_c);
	cJSON_Delete(created_s);
	cJSON_Delete(ready);
	return error;
}
