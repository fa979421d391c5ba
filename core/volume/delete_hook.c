/* The deletion side of volume data, as Velero's backup deletion: before `backup delete`
 * removes the backup's files, its fs-copy snapshots are forgotten (through the
 * lifeboat.io/fs-copy plugin; no prune) and the CSI snapshots it retained are deleted
 * (each VolumeSnapshotContent comes back with deletionPolicy Delete and is deleted, so the
 * CSI driver deletes the snapshot). */
#include "vol_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/gzip.h"
#include "backup/layout.h"
#include "backup/record.h"
#include "csi-snapshot/csi.h"
#include "util/error.h"
#include "util/time.h"

/* The backup's side file @suffix (a gzipped JSON array); NULL when it does not exist. */
static int
read_side(const lb_volume_delete_in *in, const char *suffix, cJSON **out)
{
	lb_buf raw = LB_BUF_INIT, text = LB_BUF_INIT;
	char key[1024];
	int exists = 0, error;

	*out = NULL;
	if ((error = lb_layout_backup_key(key, sizeof(key), in->backup, suffix)) < 0)
		return lb_error_set(error, "\"%s\" is not a valid backup name", in->backup);
	if ((error = lb_location_exists(in->loc, in->call, key, &exists)) < 0 ||
	    (exists && (error = lb_location_get_bytes(in->loc, in->call, key, &raw)) < 0)) {
		error = lb_error_set(error, "read %s: %s", key, lb_call_error_message(in->call));
		goto done;
	}
	if (!exists)
		goto done;
	if (lb_gunzip(raw.ptr, raw.len, 0, key, &text) < 0 || lb_buf_put(&text, "", 1) < 0 ||
	    !(*out = cJSON_Parse(text.ptr)) || !cJSON_IsArray(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		error = lb_error_set(LB_ECORRUPT, "%s is not a gzipped JSON array", key);
	}
done:
	lb_buf_dispose(&raw);
	lb_buf_dispose(&text);
	return error;
}

/* Forget the snapshots of the backup in the repository of namespace @ns: the IDs its
 * PodVolumeBackups name there, and every snapshot tagged backup=<name>. */
static int
forget_ns(const lb_volume_delete_in *in,
          lb_volume_fscopy *fc,
          const cJSON *pvbs,
          const char *ns,
          int *forgotten)
{
	cJSON *req = cJSON_CreateObject(), *ids, *tags, *res = NULL;
	const cJSON *p;
	char repo[300], tag[600];
	int error;

	snprintf(repo, sizeof(repo), "restic/%s", ns);
	snprintf(tag, sizeof(tag), "backup=%s", in->backup);
	cJSON_AddStringToObject(req, "repository", repo);
	cJSON_AddStringToObject(req, "op", "forget");
	ids = cJSON_AddArrayToObject(req, "snapshotIDs");
	tags = cJSON_AddArrayToObject(req, "tags");
	cJSON_AddItemToArray(tags, cJSON_CreateString(tag));
	cJSON_ArrayForEach(p, pvbs)
	{
		const char *pns =
		    lb_volume__str(cJSON_GetObjectItemCaseSensitive(
		                       cJSON_GetObjectItemCaseSensitive(p, "spec"), "tags"),
		                   "ns", NULL);
		const char *id = lb_volume__str(p, "status", "snapshotID");

		if (pns && id && !strcmp(pns, ns))
			cJSON_AddItemToArray(ids, cJSON_CreateString(id));
	}
	error = lb_volume__fscopy_call(fc, "maintain", req, &res);
	if (error == LB_ENOTFOUND) /* no repository: nothing to forget */
		error = 0;
	else if (error < 0)
		lb_error_set(error, "forget the fs-copy snapshots of backup %s in %s: %s",
		             in->backup, repo, lb_error_last(error));
	else
		*forgotten += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "removed"));
	cJSON_Delete(req);
	cJSON_Delete(res);
	return error;
}

static int
forget_all(const lb_volume_delete_in *in, const cJSON *pvbs, int *forgotten)
{
	lb_volume_fscopy *fc = NULL;
	char *password = NULL;
	cJSON *done = cJSON_CreateArray();
	const cJSON *p;
	int error;

	if ((error = lb_volume_password(lb_volume_options(), &password)) < 0 ||
	    (error = lb_volume__fscopy_open(in->plugins, in->loc, in->call, password, &fc)) < 0)
		goto out;
	cJSON_ArrayForEach(p, pvbs)
	{
		const char *ns =
		    lb_volume__str(cJSON_GetObjectItemCaseSensitive(
		                       cJSON_GetObjectItemCaseSensitive(p, "spec"), "tags"),
		                   "ns", NULL);
		const cJSON *d;
		int seen = 0;

		cJSON_ArrayForEach(d, done) seen |= !strcmp(d->valuestring, ns ? ns : "");
		if (!ns || seen)
			continue;
		cJSON_AddItemToArray(done, cJSON_CreateString(ns));
		if ((error = forget_ns(in, fc, pvbs, ns, forgotten)) < 0)
			goto out;
	}
out:
	lb_volume__fscopy_close(fc);
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	cJSON_Delete(done);
	return error;
}

/* The retained content @vsc as a new VolumeSnapshotContent with deletionPolicy Delete,
 * then deleted: the driver deletes the snapshot (Velero does the same). */
static int
delete_snapshot(const lb_volume_delete_in *in, const cJSON *vsc)
{
	const char *handle = lb_volume__str(vsc, "status", "snapshotHandle");
	const char *driver = lb_volume__str(vsc, "spec", "driver");
	const char *orig = lb_volume__str(vsc, "metadata", "name");
	cJSON *o, *md, *spec, *src, *ref, *l;
	char name[300], uid[37];
	int error;

	if (!handle)
		handle =
		    lb_volume__str(cJSON_GetObjectItemCaseSensitive(
		                       cJSON_GetObjectItemCaseSensitive(vsc, "spec"), "source"),
		                   "snapshotHandle", NULL);
	if (!handle || !driver)
		return 0; /* nothing the driver could delete */
	lb_uuid4(uid);
	snprintf(name, sizeof(name), "%.200s-delete-%.5s", orig ? orig : "snapcontent", uid);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "apiVersion", "snapshot.storage.k8s.io/v1");
	cJSON_AddStringToObject(o, "kind", "VolumeSnapshotContent");
	md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	l = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(l, "velero.io/backup-name", in->backup);
	spec = cJSON_AddObjectToObject(o, "spec");
	cJSON_AddStringToObject(spec, "deletionPolicy", "Delete");
	cJSON_AddStringToObject(spec, "driver", driver);
	src = cJSON_AddObjectToObject(spec, "source");
	cJSON_AddStringToObject(src, "snapshotHandle", handle);
	ref = cJSON_AddObjectToObject(spec, "volumeSnapshotRef");
	cJSON_AddStringToObject(ref, "name", name);
	cJSON_AddStringToObject(ref, "namespace", "velero");
	error = lb_kube_create(in->kube, &lb_csi_gvr_contents, NULL, o, NULL);
	cJSON_Delete(o);
	if (error < 0)
		return lb_error_set(error, "CSI snapshot %s of backup %s: create content %s: %s",
		                    handle, in->backup, name, lb_error_last(error));
	if ((error = lb_kube_delete(in->kube, &lb_csi_gvr_contents, NULL, name, "Background",
	                            NULL)) < 0 &&
	    error != LB_ENOTFOUND)
		return lb_error_set(error, "CSI snapshot %s of backup %s: delete content %s: %s",
		                    handle, in->backup, name, lb_error_last(error));
	return 0;
}

int
lb_volume_backup_delete(const lb_volume_delete_in *in, char *summary_out, size_t summary_size)
{
	cJSON *pvbs = NULL, *vscs = NULL;
	const cJSON *c;
	int error, forgotten = 0, deleted = 0;

	if (lb_location_read_only(in->loc))
		return lb_error_set(LB_EPERM,
		                    "storage location \"%s\" is ReadOnly: backup \"%s\" cannot be "
		                    "deleted there (nor its volume snapshots)",
		                    lb_location_name(in->loc), in->backup);
	if ((error = read_side(in, "-podvolumebackups.json.gz", &pvbs)) < 0 ||
	    (error = read_side(in, "-csi-volumesnapshotcontents.json.gz", &vscs)) < 0)
		goto done;
	if (cJSON_GetArraySize(vscs) && !in->kube) {
		error = lb_error_set(LB_EINVAL,
		                     "backup %s has %d CSI snapshots to delete, but there is no "
		                     "Kubernetes client (--kubeconfig)",
		                     in->backup, cJSON_GetArraySize(vscs));
		goto done;
	}
	if (cJSON_GetArraySize(pvbs) && (error = forget_all(in, pvbs, &forgotten)) < 0)
		goto done;
	cJSON_ArrayForEach(c, vscs)
	{
		if ((error = delete_snapshot(in, c)) < 0)
			goto done;
		deleted++;
	}
	if (summary_out)
		snprintf(summary_out, summary_size,
		         "%d fs-copy snapshots forgotten (no prune), %d CSI snapshots deleted",
		         forgotten, deleted);
done:
	cJSON_Delete(pvbs);
	cJSON_Delete(vscs);
	return error;
}
