/* The backup side of volume data: for every backed-up PVC, fs-copy its directory into
 * restic/<ns>/ (through the lifeboat.io/fs-copy plugin) and/or take a CSI snapshot, and
 * record PodVolumeBackups and the snapshots in the backup, as Velero does. */
#include "vol_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/gzip.h"
#include "backup/layout.h"
#include "backup/record.h"
#include "backup/results.h"
#include "csi-snapshot/csi.h"
#include "locator.h"
#include "select.h"
#include "util/error.h"
#include "util/log.h"
#include "util/time.h"

typedef struct bk {
	const lb_volume_backup_in *in;
	const lb_volume_opts *o;
	char *password;
	int password_error;
	char password_msg[512];
	cJSON *pvbs, *vss, *vscs;
	lb_volume_fscopy *fc; /* the plugin, opened at the first fs-copy */
	int fc_error;
	char fc_msg[1024];
} bk;

#define BLOG(b, level, ...)                                                                        \
	lb_volume__log((b)->in->log, (b)->in->log_mu, "backup", (b)->in->backup, level, __VA_ARGS__)

/* The fs-copy plugin, opened with the repository password on first use; a failure (no
 * password, no plugin) is remembered and repeated for every PVC. */
static int
copier(bk *b)
{
	int error;

	if (b->fc)
		return 0;
	if (b->fc_error)
		return lb_error_set(b->fc_error, "%s", b->fc_msg);
	if (!b->password && (error = lb_volume_password(b->o, &b->password)) < 0)
		goto fail;
	if ((error = lb_volume__fscopy_open(b->in->plugins, b->in->loc, b->in->call, b->password,
	                                    &b->fc)) < 0)
		goto fail;
	return 0;
fail:
	b->fc_error = error;
	snprintf(b->fc_msg, sizeof(b->fc_msg), "%s", lb_error_last(error));
	return error;
}

static void
add_tag(cJSON *tags, cJSON *list, const char *k, const char *v)
{
	char kv[600];

	cJSON_AddStringToObject(tags, k, v ? v : "");
	snprintf(kv, sizeof(kv), "%s=%s", k, v ? v : "");
	cJSON_AddItemToArray(list, cJSON_CreateString(kv));
}

/* One fs-copy of @pvc into its namespace's repository; a PodVolumeBackup into b->pvbs. */
static void
fs_one(bk *b, const cJSON *pvc, const cJSON *pv, const lb_volume_location *where, int locate_rc)
{
	const char *ns = lb_volume__str(pvc, "metadata", "namespace");
	const char *name = lb_volume__str(pvc, "metadata", "name");
	const char *pvc_uid = lb_volume__str(pvc, "metadata", "uid");
	cJSON *pvb = cJSON_CreateObject(), *md, *spec, *st, *tags, *l, *pod;
	cJSON *req = cJSON_CreateObject(), *taglist, *res = NULL;
	char ts[32], suffix[12], pvbname[300], abs[PATH_MAX] = "", repo_id[1024], repo[300];
	const char *snap_id;
	double errors, files, bytes_read, bytes_added;
	char uid[37];
	int error;

	lb_uuid4(uid);
	snprintf(suffix, sizeof(suffix), "%.5s", uid);
	snprintf(pvbname, sizeof(pvbname), "%.200s-%s", b->in->backup, suffix);
	cJSON_AddStringToObject(pvb, "apiVersion", "velero.io/v1");
	cJSON_AddStringToObject(pvb, "kind", "PodVolumeBackup");
	md = cJSON_AddObjectToObject(pvb, "metadata");
	cJSON_AddStringToObject(md, "name", pvbname);
	cJSON_AddStringToObject(md, "namespace", "velero");
	l = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(l, "velero.io/backup-name", b->in->backup);
	if (b->in->backup_uid)
		cJSON_AddStringToObject(l, "velero.io/backup-uid", b->in->backup_uid);
	if (pvc_uid)
		cJSON_AddStringToObject(l, "velero.io/pvc-uid", pvc_uid);
	spec = cJSON_AddObjectToObject(pvb, "spec");
	cJSON_AddStringToObject(spec, "node", "");
	pod = cJSON_AddObjectToObject(spec, "pod");
	cJSON_AddStringToObject(pod, "kind", "Pod");
	cJSON_AddStringToObject(pod, "namespace", ns);
	cJSON_AddStringToObject(pod, "name", where->pod);
	cJSON_AddStringToObject(pod, "uid", where->pod_uid);
	cJSON_AddStringToObject(spec, "volume", *where->volume ? where->volume : name);
	cJSON_AddStringToObject(spec, "backupStorageLocation", lb_location_name(b->in->loc));
	snprintf(repo_id, sizeof(repo_id), "%s/%s%srestic/%s", lb_location_bucket(b->in->loc),
	         lb_location_prefix(b->in->loc), *lb_location_prefix(b->in->loc) ? "/" : "", ns);
	cJSON_AddStringToObject(spec, "repoIdentifier", repo_id);
	cJSON_AddStringToObject(spec, "uploaderType", "restic");
	tags = cJSON_AddObjectToObject(spec, "tags");
	snprintf(repo, sizeof(repo), "restic/%s", ns);
	cJSON_AddStringToObject(req, "repository", repo);
	taglist = cJSON_AddArrayToObject(req, "tags");
	add_tag(tags, taglist, "backup", b->in->backup);
	add_tag(tags, taglist, "backup-uid", b->in->backup_uid);
	add_tag(tags, taglist, "ns", ns);
	add_tag(tags, taglist, "pod", where->pod);
	add_tag(tags, taglist, "pod-uid", where->pod_uid);
	add_tag(tags, taglist, "pvc", name);
	add_tag(tags, taglist, "pvc-uid", pvc_uid);
	add_tag(tags, taglist, "volume", *where->volume ? where->volume : name);
	cJSON_AddStringToObject(req, "hostname", "lifeboat");
	st = cJSON_AddObjectToObject(pvb, "status");
	lb_time_rfc3339(time(NULL), ts, sizeof(ts));
	cJSON_AddStringToObject(st, "startTimestamp", ts);

	if (locate_rc < 0) {
		error = locate_rc;
		goto fail;
	}
	if (!realpath(where->path, abs)) {
		error = lb_error_errno(errno, "volume directory %s", where->path);
		goto fail;
	}
	cJSON_AddStringToObject(st, "path", abs);
	cJSON_AddStringToObject(req, "sourcePath", abs);
	if ((error = copier(b)) < 0)
		goto fail;
	if ((error = lb_volume__fscopy_call(b->fc, "backup", req, &res)) < 0) {
		lb_error_set(error, "fs-copy backup of %s: %s", abs, lb_error_last(error));
		goto fail;
	}
	snap_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "snapshotID"));
	if (!snap_id || !*snap_id) {
		error = lb_error_set(
		    LB_EPROTO, "fs-copy backup of %s: the plugin's result has no snapshotID", abs);
		goto fail;
	}
	errors = lb_volume__num(res, "errors");
	files = lb_volume__num(res, "totalFiles");
	bytes_read = lb_volume__num(res, "totalBytes");
	bytes_added = lb_volume__num(res, "bytesAdded");
	cJSON_AddStringToObject(st, "phase", "Completed");
	cJSON_AddStringToObject(st, "snapshotID", snap_id);
	lb_time_rfc3339(time(NULL), ts, sizeof(ts));
	cJSON_AddStringToObject(st, "completionTimestamp", ts);
	{
		cJSON *pr = cJSON_AddObjectToObject(st, "progress");

		cJSON_AddNumberToObject(pr, "totalBytes", bytes_read);
		cJSON_AddNumberToObject(pr, "bytesDone", bytes_read);
	}
	if (errors > 0) {
		cJSON_AddStringToObject(st, "message", "some files could not be read");
		lb_results_error(b->in->results, ns,
		                 "volume data of PVC %s/%s (fs-copy): %.0f files could not be read "
		                 "from %s (snapshot %.8s holds the rest)",
		                 ns, name, errors, abs, snap_id);
	}
	BLOG(b, "info",
	     "PVC %s/%s: fs-copy snapshot %.8s of %s (%s%s%s), %.0f files, %.0f bytes read, %.0f "
	     "added",
	     ns, name, snap_id, abs, where->how, *where->pod ? " by pod " : "", where->pod, files,
	     bytes_read, bytes_added);
	cJSON_AddItemToArray(b->pvbs, pvb);
	(void) pv;
	cJSON_Delete(req);
	cJSON_Delete(res);
	return;
fail:
	cJSON_AddStringToObject(st, "phase", "Failed");
	cJSON_AddStringToObject(st, "message", lb_error_last(error));
	lb_time_rfc3339(time(NULL), ts, sizeof(ts));
	cJSON_AddStringToObject(st, "completionTimestamp", ts);
	lb_results_error(b->in->results, ns, "volume data of PVC %s/%s (fs-copy): %s", ns, name,
	                 lb_error_last(error));
	BLOG(b, "error", "PVC %s/%s: fs-copy failed: %s", ns, name, lb_error_last(error));
	cJSON_AddItemToArray(b->pvbs, pvb);
	cJSON_Delete(req);
	cJSON_Delete(res);
}

static void
csi_one(bk *b, const cJSON *pvc, const cJSON *pv)
{
	const char *ns = lb_volume__str(pvc, "metadata", "namespace");
	const char *name = lb_volume__str(pvc, "metadata", "name");
	cJSON *vs = NULL, *vsc = NULL;
	int error;

	error = lb_csi_snapshot_pvc(b->in->kube, pvc, pv, b->in->backup, b->in->backup_uid,
	                            b->o->csi_timeout_ms, &vs, &vsc);
	if (error < 0) {
		lb_results_error(b->in->results, ns, "volume data of PVC %s/%s (CSI snapshot): %s",
		                 ns, name, lb_error_last(error));
		BLOG(b, "error", "PVC %s/%s: CSI snapshot failed: %s", ns, name,
		     lb_error_last(error));
		return;
	}
	BLOG(b, "info", "PVC %s/%s: CSI snapshot %s (content %s, handle %s)", ns, name,
	     lb_volume__str(vs, "metadata", "name"), lb_volume__str(vsc, "metadata", "name"),
	     lb_volume__str(vsc, "status", "snapshotHandle"));
	cJSON_AddItemToArray(b->vss, vs);
	cJSON_AddItemToArray(b->vscs, vsc);
}

static void
one_pvc(bk *b, const char *ns, const char *name, const cJSON *pods)
{
	lb_kube_gvr pvcg = {"", "v1", "persistentvolumeclaims", 1};
	lb_kube_gvr pvg = {"", "v1", "persistentvolumes", 0};
	cJSON *pvc = NULL, *pv = NULL;
	const cJSON **parr = NULL, *p;
	size_t np = 0;
	const char *vn, *phase;
	char why[512];
	lb_volume_location where;
	lb_volume_locator cfg;
	int bits, error, rc = 0;

	if ((error = lb_kube_get(b->in->kube, &pvcg, ns, name, NULL, &pvc)) < 0) {
		lb_results_error(b->in->results, ns, "volume data of PVC %s/%s: %s", ns, name,
		                 lb_error_last(error));
		goto done;
	}
	phase = lb_volume__str(pvc, "status", "phase");
	vn = lb_volume__str(pvc, "spec", "volumeName");
	if (!phase || strcmp(phase, "Bound") != 0 || !vn) {
		lb_results_warning(
		    b->in->results, ns,
		    "volume data of PVC %s/%s: not bound (phase %s), no data to back up", ns, name,
		    phase ? phase : "unknown");
		goto done;
	}
	if ((error = lb_kube_get(b->in->kube, &pvg, NULL, vn, NULL, &pv)) < 0) {
		lb_results_error(b->in->results, ns, "volume data of PVC %s/%s: PV %s: %s", ns,
		                 name, vn, lb_error_last(error));
		goto done;
	}
	parr = calloc((size_t) cJSON_GetArraySize(pods) + 1, sizeof(*parr));
	cJSON_ArrayForEach(p, pods) parr[np++] = p;
	bits = lb_volume_select(pvc, parr, np, b->o->mode, b->o->default_fs,
	                        cJSON_GetObjectItemCaseSensitive(
	                            cJSON_GetObjectItemCaseSensitive(pv, "spec"), "csi") != NULL,
	                        why, sizeof(why));
	if (bits < 0) {
		lb_results_error(b->in->results, ns, "volume data of PVC %s/%s: %s", ns, name, why);
		goto done;
	}
	BLOG(b, "info", "PVC %s/%s: volume data %s%s%s (%s)", ns, name,
	     bits & LB_VOLUME_FSCOPY ? "fs-copy" : "",
	     bits == (LB_VOLUME_FSCOPY | LB_VOLUME_CSI) ? " + " : "",
	     bits & LB_VOLUME_CSI ? "CSI snapshot"
	     : bits               ? ""
	                          : "skipped",
	     why);
	if (bits & LB_VOLUME_CSI)
		csi_one(b, pvc, pv);
	if (bits & LB_VOLUME_FSCOPY) {
		cfg.kubelet_dir = lb_volume__kubelet_dir(b->o);
		cfg.csi_dirs = lb_volume__csi_dirs(b->o);
		rc = lb_volume_locate(&cfg, pvc, pv, parr, np, &where);
		fs_one(b, pvc, pv, &where, rc);
	}
done:
	free(parr);
	cJSON_Delete(pvc);
	cJSON_Delete(pv);
}

static int
put_side(bk *b, const char *suffix, cJSON *arr)
{
	lb_buf gz = LB_BUF_INIT;
	char key[1024], *text = cJSON_PrintUnformatted(arr);
	int error;

	if (!text)
		return LB_ENOMEM;
	if ((error = lb_layout_backup_key(key, sizeof(key), b->in->backup, suffix)) < 0 ||
	    (error = lb_gzip(text, strlen(text), &gz)) < 0)
		goto done;
	if ((error = lb_location_put_bytes(b->in->loc, b->in->call, key, gz.ptr, gz.len)) < 0) {
		lb_error_set(error, "upload %s: %s", key, lb_call_error_message(b->in->call));
		lb_results_error(b->in->results, "", "%s", lb_error_last(error));
	}
done:
	free(text);
	lb_buf_dispose(&gz);
	return error;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

int
lb_volume_backup(const lb_volume_backup_in *in)
{
	bk b;
	char **names = NULL, cur_ns[256] = "";
	cJSON *pods = NULL;
	size_t i;
	int error = 0;

	memset(&b, 0, sizeof(b));
	b.in = in;
	b.o = lb_volume_options();
	if (!in->pvcs || !in->pvcs->count)
		return 0;
	if (!b.o->mode) {
		BLOG(&b, "info", "volume data: off (--volume-data none), %zu PVCs not copied",
		     in->pvcs->count);
		return 0;
	}
	b.pvbs = cJSON_CreateArray();
	b.vss = cJSON_CreateArray();
	b.vscs = cJSON_CreateArray();
	names = calloc(in->pvcs->count, sizeof(*names));
	if (!names || !b.pvbs || !b.vss || !b.vscs) {
		error = LB_ENOMEM;
		goto done;
	}
	memcpy(names, in->pvcs->items, in->pvcs->count * sizeof(*names));
	qsort(names, in->pvcs->count, sizeof(*names), cmp_str);
	for (i = 0; i < in->pvcs->count; i++) {
		char ns[256];
		const char *slash = strchr(names[i], '/');

		if (!slash || (size_t) (slash - names[i]) >= sizeof(ns))
			continue;
		snprintf(ns, sizeof(ns), "%.*s", (int) (slash - names[i]), names[i]);
		if (strcmp(ns, cur_ns) != 0) {
			cJSON_Delete(pods);
			pods = NULL;
			snprintf(cur_ns, sizeof(cur_ns), "%s", ns);
			if (lb_volume__list_pods(in->kube, ns, &pods) < 0) {
				lb_results_warning(in->results, ns,
				                   "volume data: %s; only unmounted paths are used",
				                   lb_error_last(LB_ERROR));
				pods = cJSON_CreateArray();
			}
		}
		one_pvc(&b, ns, slash + 1, pods);
	}
	if (cJSON_GetArraySize(b.pvbs) &&
	    (error = put_side(&b, "-podvolumebackups.json.gz", b.pvbs)) < 0)
		goto done;
	if (cJSON_GetArraySize(b.vss) &&
	    ((error = put_side(&b, "-csi-volumesnapshots.json.gz", b.vss)) < 0 ||
	     (error = put_side(&b, "-csi-volumesnapshotcontents.json.gz", b.vscs)) < 0))
		goto done;
done:
	lb_volume__fscopy_close(b.fc);
	if (b.password) {
		memset(b.password, 0, strlen(b.password));
		free(b.password);
	}
	free(names);
	cJSON_Delete(pods);
	cJSON_Delete(b.pvbs);
	cJSON_Delete(b.vss);
	cJSON_Delete(b.vscs);
	return error;
}
