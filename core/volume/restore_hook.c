/* The restore side of volume data: CSI snapshots come back as spec.dataSource of the
 * re-created PVC (pre-provisioned VolumeSnapshotContent + VolumeSnapshot); fs-copy
 * snapshots are restored into the new volume's directory once the PVC is bound, by the
 * lifeboat.io/fs-copy plugin. */
#include "vol_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/gzip.h"
#include "backup/layout.h"
#include "backup/results.h"
#include "csi-snapshot/csi.h"
#include "locator.h"
#include "util/error.h"
#include "util/time.h"

typedef struct pvc_rec {
	char *src_ns, *name, *dst_ns;
	int via_csi;
} pvc_rec;

struct lb_volume_restore {
	lb_volume_restore_in in;
	const lb_volume_opts *o;
	cJSON *pvbs, *vss, *vscs;
	pthread_mutex_t mu;
	pvc_rec *pvcs;
	size_t npvcs;
};

#define RLOG(v, level, ...)                                                                        \
	lb_volume__log((v)->in.log, (v)->in.log_mu, "restore", (v)->in.restore, level, __VA_ARGS__)

static cJSON *
read_side(lb_volume_restore *v, const char *suffix)
{
	lb_buf raw = LB_BUF_INIT, text = LB_BUF_INIT;
	char key[1024];
	cJSON *arr = NULL;
	int exists = 0;

	if (lb_layout_backup_key(key, sizeof(key), v->in.backup, suffix) < 0 ||
	    lb_location_exists(v->in.loc, v->in.call, key, &exists) < 0 || !exists)
		goto done;
	if (lb_location_get_bytes(v->in.loc, v->in.call, key, &raw) < 0) {
		lb_results_error(v->in.results, "", "volume data: read %s: %s", key,
		                 lb_call_error_message(v->in.call));
		goto done;
	}
	if (lb_gunzip(raw.ptr, raw.len, 0, key, &text) < 0 || lb_buf_put(&text, "", 1) < 0 ||
	    !(arr = cJSON_Parse(text.ptr)) || !cJSON_IsArray(arr)) {
		lb_results_error(v->in.results, "", "volume data: %s is not a gzipped JSON array",
		                 key);
		cJSON_Delete(arr);
		arr = NULL;
	}
done:
	lb_buf_dispose(&raw);
	lb_buf_dispose(&text);
	return arr;
}

void
lb_volume_restore_begin(const lb_volume_restore_in *in, lb_volume_restore **out)
{
	lb_volume_restore *v;

	*out = NULL;
	if (!in->backup || !*in->backup || !lb_volume_options()->restore_volumes)
		return;
	v = calloc(1, sizeof(*v));
	if (!v)
		return;
	v->in = *in;
	v->o = lb_volume_options();
	pthread_mutex_init(&v->mu, NULL);
	v->pvbs = read_side(v, "-podvolumebackups.json.gz");
	v->vss = read_side(v, "-csi-volumesnapshots.json.gz");
	v->vscs = read_side(v, "-csi-volumesnapshotcontents.json.gz");
	if (!v->pvbs && !v->vss) {
		pthread_mutex_destroy(&v->mu);
		free(v);
		return;
	}
	RLOG(v, "info", "volume data: %d fs-copy snapshots, %d CSI snapshots in backup %s",
	     cJSON_GetArraySize(v->pvbs), cJSON_GetArraySize(v->vss), in->backup);
	*out = v;
}

static const cJSON *
find_vs(lb_volume_restore *v, const char *ns, const char *pvc)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, v->vss)
	{
		const char *sn = lb_volume__str(s, "metadata", "namespace");
		const char *sp = lb_volume__str(cJSON_GetObjectItemCaseSensitive(s, "spec"),
		                                "source", "persistentVolumeClaimName");

		if (sn && sp && strcmp(sn, ns) == 0 && strcmp(sp, pvc) == 0)
			return s;
	}
	return NULL;
}

static const cJSON *
find_vsc(lb_volume_restore *v, const char *name)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, v->vscs)
	{
		const char *n = lb_volume__str(c, "metadata", "name");

		if (n && name && strcmp(n, name) == 0)
			return c;
	}
	return NULL;
}

static const cJSON *
find_pvb(lb_volume_restore *v, const char *ns, const char *pvc)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, v->pvbs)
	{
		const cJSON *tags = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(p, "spec"), "tags");
		const char *tn = lb_volume__str(tags, "ns", NULL),
		           *tp = lb_volume__str(tags, "pvc", NULL);
		const char *phase = lb_volume__str(p, "status", "phase");

		if (tn && tp && phase && strcmp(tn, ns) == 0 && strcmp(tp, pvc) == 0 &&
		    strcmp(phase, "Completed") == 0 && lb_volume__str(p, "status", "snapshotID"))
			return p;
	}
	return NULL;
}

void
lb_volume_restore_pvc(lb_volume_restore *v, cJSON *pvc, const char *src_ns, const char *dst_ns)
{
	const char *name = lb_volume__str(pvc, "metadata", "name");
	const cJSON *vs, *vsc;
	pvc_rec *n;
	int via_csi = 0;

	if (!v || !name || !src_ns || !dst_ns)
		return;
	vs = find_vs(v, src_ns, name);
	if (vs) {
		char vsname[256];
		int error;

		vsc = find_vsc(v, lb_volume__str(vs, "status", "boundVolumeSnapshotContentName"));
		error = vsc ? lb_csi_restore_snapshot(v->in.kube, vs, vsc, dst_ns, v->in.restore,
		                                      v->o->csi_timeout_ms, vsname, sizeof(vsname))
		            : lb_error_set(LB_ENOTFOUND,
		                           "the backup has no VolumeSnapshotContent for "
		                           "VolumeSnapshot %s",
		                           lb_volume__str(vs, "metadata", "name"));
		if (error < 0) {
			const cJSON *pvb = find_pvb(v, src_ns, name);

			if (pvb)
				lb_results_warning(v->in.results, dst_ns,
				                   "volume data of PVC %s/%s: CSI snapshot: %s; "
				                   "restoring the fs-copy snapshot instead",
				                   dst_ns, name, lb_error_last(error));
			else
				lb_results_error(v->in.results, dst_ns,
				                 "volume data of PVC %s/%s (CSI snapshot): %s",
				                 dst_ns, name, lb_error_last(error));
		} else {
			cJSON *spec = cJSON_GetObjectItemCaseSensitive(pvc, "spec"), *ds;

			if (!spec)
				spec = cJSON_AddObjectToObject(pvc, "spec");
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "dataSource");
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "dataSourceRef");
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "volumeName");
			ds = cJSON_AddObjectToObject(spec, "dataSource");
			cJSON_AddStringToObject(ds, "apiGroup", "snapshot.storage.k8s.io");
			cJSON_AddStringToObject(ds, "kind", "VolumeSnapshot");
			cJSON_AddStringToObject(ds, "name", vsname);
			via_csi = 1;
			RLOG(v, "info", "PVC %s/%s: from CSI snapshot %s (VolumeSnapshot %s/%s)",
			     dst_ns, name, lb_volume__str(vsc, "status", "snapshotHandle"), dst_ns,
			     vsname);
		}
	}
	pthread_mutex_lock(&v->mu);
	n = realloc(v->pvcs, (v->npvcs + 1) * sizeof(*n));
	if (n) {
		v->pvcs = n;
		n[v->npvcs].src_ns = strdup(src_ns);
		n[v->npvcs].name = strdup(name);
		n[v->npvcs].dst_ns = strdup(dst_ns);
		n[v->npvcs].via_csi = via_csi;
		v->npvcs++;
	}
	pthread_mutex_unlock(&v->mu);
}

static void
pause_a_little(void)
{
	struct timespec ts = {0, 200 * 1000 * 1000};

	nanosleep(&ts, NULL);
}

static int
is_default_class(const cJSON *item, void *ud)
{
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(item, "metadata"), "annotations");
	const char *d = lb_volume__str(ann, "storageclass.kubernetes.io/is-default-class", NULL);

	if (d && !strcmp(d, "true"))
		*(int *) ud = 1;
	return 0;
}

/* Can @ns/@name ever bind? Not when the restore did not create it, nor when it is unbound
 * and names a storage class the cluster does not have (the restore reported that), nor
 * when it names none and the cluster has no default class. Then its data is not restored
 * and there is nothing to wait for. 0: worth waiting. */
static int
can_bind(lb_volume_restore *v, const char *ns, const char *name)
{
	lb_kube_gvr pvcg = {"", "v1", "persistentvolumeclaims", 1};
	lb_kube_gvr scg = {"storage.k8s.io", "v1", "storageclasses", 0};
	const cJSON *sc_item;
	cJSON *pvc = NULL;
	const char *sc;
	int error, has_default = 0;

	if ((error = lb_kube_get(v->in.kube, &pvcg, ns, name, NULL, &pvc)) == LB_ENOTFOUND)
		return lb_error_set(LB_ENOTFOUND,
		                    "PVC %s/%s does not exist (the restore did not create it)", ns,
		                    name);
	if (error < 0)
		return 0; /* wait_bound says what is wrong */
	if (lb_volume__str(pvc, "spec", "volumeName")) {
		cJSON_Delete(pvc);
		return 0;
	}
	sc_item = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pvc, "spec"),
	                                           "storageClassName");
	sc = cJSON_GetStringValue(sc_item);
	if (sc && *sc) {
		error =
		    lb_kube_get(v->in.kube, &scg, NULL, sc, NULL, NULL) == LB_ENOTFOUND
		        ? lb_error_set(LB_ENOTFOUND,
		                       "PVC %s/%s names storage class \"%s\", which the cluster "
		                       "does not have: it cannot bind, so there is no volume to "
		                       "restore into",
		                       ns, name, sc)
		        : 0;
	} else if (!sc_item || cJSON_IsNull(sc_item)) {
		error =
		    lb_kube_list(v->in.kube, &scg, NULL, NULL, is_default_class, &has_default,
		                 NULL) == 0 &&
		            !has_default
		        ? lb_error_set(LB_ENOTFOUND,
		                       "PVC %s/%s names no storage class and the cluster has no "
		                       "default one: it cannot bind, so there is no volume to "
		                       "restore into",
		                       ns, name)
		        : 0;
	} else {
		error = 0; /* "": static binding only, a PV may still come */
	}
	cJSON_Delete(pvc);
	return error;
}

/* Wait for @ns/@name to be Bound and ours; *pvc_out and *pv_out on success. */
static int
wait_bound(lb_volume_restore *v, const char *ns, const char *name, cJSON **pvc_out, cJSON **pv_out)
{
	lb_kube_gvr pvcg = {"", "v1", "persistentvolumeclaims", 1};
	lb_kube_gvr pvg = {"", "v1", "persistentvolumes", 0};
	int64_t limit = v->o->bind_timeout_ms > 0 ? v->o->bind_timeout_ms : 300000;
	lb_deadline dl = lb_deadline_in(limit);
	int error;

	for (;;) {
		cJSON *pvc = NULL;
		const char *phase, *vn, *rn;

		if ((error = lb_kube_get(v->in.kube, &pvcg, ns, name, NULL, &pvc)) < 0)
			return lb_error_set(error, "PVC %s/%s: %s", ns, name, lb_error_last(error));
		rn =
		    lb_volume__str(cJSON_GetObjectItemCaseSensitive(
		                       cJSON_GetObjectItemCaseSensitive(pvc, "metadata"), "labels"),
		                   "velero.io/restore-name", NULL);
		if (!rn || strcmp(rn, v->in.restore) != 0) {
			cJSON_Delete(pvc);
			return lb_error_set(
			    LB_EEXISTS,
			    "PVC %s/%s was not created by this restore (it existed): "
			    "its data is left alone",
			    ns, name);
		}
		phase = lb_volume__str(pvc, "status", "phase");
		vn = lb_volume__str(pvc, "spec", "volumeName");
		if (phase && strcmp(phase, "Bound") == 0 && vn) {
			if ((error = lb_kube_get(v->in.kube, &pvg, NULL, vn, NULL, pv_out)) < 0) {
				cJSON_Delete(pvc);
				return lb_error_set(error, "PV %s: %s", vn, lb_error_last(error));
			}
			*pvc_out = pvc;
			return 0;
		}
		cJSON_Delete(pvc);
		if (lb_deadline_passed(dl))
			return lb_error_set(LB_ETIMEDOUT, "PVC %s/%s is not Bound after %llds", ns,
			                    name, (long long) limit / 1000);
		pause_a_little();
	}
}

static void
fs_restore_one(lb_volume_restore *v,
               const pvc_rec *p,
               const cJSON *pvb,
               lb_volume_fscopy *fc,
               int fc_error,
               const char *fc_msg)
{
	const char *id = lb_volume__str(pvb, "status", "snapshotID");
	cJSON *pvc = NULL, *pv = NULL, *pods = NULL, *req = NULL, *res = NULL;
	const cJSON **parr = NULL, *it;
	size_t np = 0;
	lb_volume_locator cfg;
	lb_volume_location where;
	char repo[300];
	double files, bytes;
	int error;

	if (!fc) { /* no password or no plugin: said at once, no wait for the PVC */
		error = lb_error_set(fc_error, "%s", fc_msg);
		goto fail;
	}
	if ((error = can_bind(v, p->dst_ns, p->name)) < 0 ||
	    (error = wait_bound(v, p->dst_ns, p->name, &pvc, &pv)) < 0)
		goto fail;
	if (lb_volume__list_pods(v->in.kube, p->dst_ns, &pods) < 0)
		pods = cJSON_CreateArray();
	parr = calloc((size_t) cJSON_GetArraySize(pods) + 1, sizeof(*parr));
	cJSON_ArrayForEach(it, pods) parr[np++] = it;
	cfg.kubelet_dir = lb_volume__kubelet_dir(v->o);
	cfg.csi_dirs = lb_volume__csi_dirs(v->o);
	if ((error = lb_volume_locate(&cfg, pvc, pv, parr, np, &where)) < 0)
		goto fail;
	/* the plugin restores the contents of the backed-up directory (status.path) */
	req = cJSON_CreateObject();
	snprintf(repo, sizeof(repo), "restic/%s", p->src_ns);
	cJSON_AddStringToObject(req, "repository", repo);
	cJSON_AddStringToObject(req, "snapshotID", id);
	cJSON_AddStringToObject(req, "targetPath", where.path);
	if ((error = lb_volume__fscopy_call(fc, "restore", req, &res)) < 0) {
		lb_error_set(error, "fs-copy restore of snapshot %.8s into %s: %s", id, where.path,
		             lb_error_last(error));
		goto fail;
	}
	files = lb_volume__num(res, "files");
	bytes = lb_volume__num(res, "bytes");
	RLOG(v, "info",
	     "PVC %s/%s: restored fs-copy snapshot %.8s into %s (%s): %.0f files, %.0f bytes",
	     p->dst_ns, p->name, id, where.path, where.how, files, bytes);
	goto done;
fail:
	lb_results_error(v->in.results, p->dst_ns, "volume data of PVC %s/%s (fs-copy): %s",
	                 p->dst_ns, p->name, lb_error_last(error));
	RLOG(v, "error", "PVC %s/%s: fs-copy restore failed: %s", p->dst_ns, p->name,
	     lb_error_last(error));
done:
	free(parr);
	cJSON_Delete(req);
	cJSON_Delete(res);
	cJSON_Delete(pods);
	cJSON_Delete(pvc);
	cJSON_Delete(pv);
}

void
lb_volume_restore_end(lb_volume_restore *v)
{
	lb_volume_fscopy *fc = NULL;
	char *password = NULL, fc_msg[1024] = "";
	int fc_error = 0;
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->npvcs; i++) {
		const pvc_rec *p = &v->pvcs[i];
		const cJSON *pvb = p->via_csi ? NULL : find_pvb(v, p->src_ns, p->name);

		if (!pvb)
			continue;
		/* the plugin, opened with the repository password at the first fs-copy PVC; a
		 * failure (no password, no plugin) is an error for every such PVC */
		if (!fc && !fc_error &&
		    ((fc_error = lb_volume_password(v->o, &password)) < 0 ||
		     (fc_error = lb_volume__fscopy_open(v->in.plugins, v->in.loc, v->in.call,
		                                        password, &fc)) < 0))
			snprintf(fc_msg, sizeof(fc_msg), "%s", lb_error_last(fc_error));
		fs_restore_one(v, p, pvb, fc, fc_error, fc_msg);
	}
	lb_volume__fscopy_close(fc);
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	for (i = 0; i < v->npvcs; i++) {
		free(v->pvcs[i].src_ns);
		free(v->pvcs[i].name);
		free(v->pvcs[i].dst_ns);
	}
	free(v->pvcs);
	cJSON_Delete(v->pvbs);
	cJSON_Delete(v->vss);
	cJSON_Delete(v->vscs);
	pthread_mutex_destroy(&v->mu);
	free(v);
}
