/* Built-in restore transforms. */
#include "transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
lb_strmap_get(const lb_strmap *m, const char *key)
{
	size_t i;

	for (i = 0; m && key && i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return m->values[i];
	return NULL;
}

static cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *
str(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(get(o, k));
}

void
lb_transform_reset(cJSON *obj, cJSON **status_out)
{
	static const char *const drop[] = {
	    "generateName",
	    "selfLink",
	    "uid",
	    "resourceVersion",
	    "generation",
	    "creationTimestamp",
	    "deletionTimestamp",
	    "deletionGracePeriodSeconds",
	    "ownerReferences",
	    "managedFields",
	};
	cJSON *md = get(obj, "metadata"), *st;
	size_t i;

	for (i = 0; md && i < sizeof(drop) / sizeof(drop[0]); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(md, drop[i]);
	st = cJSON_DetachItemFromObjectCaseSensitive(obj, "status");
	if (status_out)
		*status_out = st;
	else
		cJSON_Delete(st);
}

const char *
lb_transform_skip_reason(const char *gr, const cJSON *obj)
{
	const cJSON *md = get(obj, "metadata"), *c;

	if (strcmp(gr, "pods") == 0) {
		const char *phase = str(get(obj, "status"), "phase");

		if (get(get(md, "annotations"), "kubernetes.io/config.mirror"))
			return "mirror pod";
		if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
			return "pod has finished";
	}
	if (strcmp(gr, "jobs.batch") == 0) {
		cJSON_ArrayForEach(c, get(get(obj, "status"), "conditions"))
		{
			const char *t = str(c, "type"), *s = str(c, "status");

			if (t && s && strcmp(t, "Complete") == 0 && strcmp(s, "True") == 0)
				return "job has completed";
		}
	}
	return NULL;
}

/* Was nodePort @port of service port @name given explicitly by the user? */
static int
explicit_node_port(const cJSON *obj, const char *name, int port)
{
	const char *lac = str(get(get(obj, "metadata"), "annotations"),
	                      "kubectl.kubernetes.io/last-applied-configuration");
	cJSON *applied, *p;
	int found = 0;

	if (!lac)
		return 0;
	applied = cJSON_Parse(lac);
	cJSON_ArrayForEach(p, get(get(applied, "spec"), "ports"))
	{
		const cJSON *np = get(p, "nodePort");
		const char *pn = str(p, "name");

		if (cJSON_IsNumber(np) && (int) np->valuedouble == port &&
		    (!name || !pn || strcmp(pn, name) == 0))
			found = 1;
	}
	cJSON_Delete(applied);
	return found;
}

void
lb_transform_service(cJSON *obj, int preserve_nodeports)
{
	cJSON *spec = get(obj, "spec"), *p;
	const char *ip = str(spec, "clusterIP");

	if (!spec)
		return;
	if (!ip || strcmp(ip, "None") != 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIP");
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIPs");
	}
	if (preserve_nodeports)
		return;
	cJSON_ArrayForEach(p, get(spec, "ports"))
	{
		cJSON *np = get(p, "nodePort");

		if (cJSON_IsNumber(np) &&
		    !explicit_node_port(obj, str(p, "name"), (int) np->valuedouble))
			cJSON_DeleteItemFromObjectCaseSensitive(p, "nodePort");
	}
	{
		cJSON *h = get(spec, "healthCheckNodePort");

		if (cJSON_IsNumber(h) && !explicit_node_port(obj, NULL, (int) h->valuedouble))
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "healthCheckNodePort");
	}
}

static int
is_token_volume(const char *name)
{
	return name && (strncmp(name, "default-token-", 14) == 0 ||
	                strncmp(name, "kube-api-access-", 16) == 0);
}

static void
drop_named(cJSON *arr, int (*pred)(const char *))
{
	int i;

	for (i = cJSON_GetArraySize(arr) - 1; i >= 0; i--)
		if (pred(str(cJSON_GetArrayItem(arr, i), "name")))
			cJSON_DeleteItemFromArray(arr, i);
}

void
lb_transform_pod(cJSON *obj)
{
	cJSON *spec = get(obj, "spec"), *c;
	const char *lists[] = {"containers", "initContainers"};
	size_t i;

	if (!spec)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "nodeName");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "priority");
	drop_named(get(spec, "volumes"), is_token_volume);
	for (i = 0; i < 2; i++)
		cJSON_ArrayForEach(c, get(spec, lists[i]))
		{
			cJSON *vm = get(c, "volumeMounts");
			int k;

			for (k = cJSON_GetArraySize(vm) - 1; k >= 0; k--)
				if (is_token_volume(str(cJSON_GetArrayItem(vm, k), "name")))
					cJSON_DeleteItemFromArray(vm, k);
		}
}

void
lb_transform_job(cJSON *obj)
{
	cJSON *spec = get(obj, "spec");
	cJSON *tl = get(get(get(spec, "template"), "metadata"), "labels");

	cJSON_DeleteItemFromObjectCaseSensitive(spec, "selector");
	cJSON_DeleteItemFromObjectCaseSensitive(tl, "controller-uid");
	cJSON_DeleteItemFromObjectCaseSensitive(tl, "batch.kubernetes.io/controller-uid");
}

void
lb_transform_pvc(cJSON *obj, int pv_restored)
{
	cJSON *ann = get(get(obj, "metadata"), "annotations");

	cJSON_DeleteItemFromObjectCaseSensitive(ann, "pv.kubernetes.io/bind-completed");
	cJSON_DeleteItemFromObjectCaseSensitive(ann, "pv.kubernetes.io/bound-by-controller");
	cJSON_DeleteItemFromObjectCaseSensitive(ann, "volume.kubernetes.io/selected-node");
	if (!pv_restored)
		cJSON_DeleteItemFromObjectCaseSensitive(get(obj, "spec"), "volumeName");
}

int
lb_transform_pv(cJSON *obj, const lb_strmap *ns_map)
{
	cJSON *spec = get(obj, "spec"), *cr = get(spec, "claimRef");
	cJSON *ann = get(get(obj, "metadata"), "annotations");
	const char *policy = str(spec, "persistentVolumeReclaimPolicy");
	const char *to;

	cJSON_DeleteItemFromObjectCaseSensitive(ann, "pv.kubernetes.io/bind-completed");
	cJSON_DeleteItemFromObjectCaseSensitive(ann, "pv.kubernetes.io/bound-by-controller");
	if (cr) {
		cJSON_DeleteItemFromObjectCaseSensitive(cr, "uid");
		cJSON_DeleteItemFromObjectCaseSensitive(cr, "resourceVersion");
		if ((to = lb_strmap_get(ns_map, str(cr, "namespace"))))
			cJSON_ReplaceItemInObjectCaseSensitive(cr, "namespace",
			                                       cJSON_CreateString(to));
	}
	return !policy || strcmp(policy, "Delete") != 0;
}

void
lb_transform_role_binding(cJSON *obj, const lb_strmap *ns_map)
{
	cJSON *s;
	const char *to;

	cJSON_ArrayForEach(
	    s, get(obj, "subjects")) if ((to = lb_strmap_get(ns_map, str(s, "namespace"))))
	    cJSON_ReplaceItemInObjectCaseSensitive(s, "namespace", cJSON_CreateString(to));
}

static int
map_sc(cJSON *spec, const lb_strmap *map)
{
	const char *to = lb_strmap_get(map, str(spec, "storageClassName"));

	if (!to)
		return 0;
	cJSON_ReplaceItemInObjectCaseSensitive(spec, "storageClassName", cJSON_CreateString(to));
	return 1;
}

int
lb_transform_storage_class(const char *gr, cJSON *obj, const lb_strmap *map)
{
	cJSON *t;
	int n = 0;

	if (!map || !map->n)
		return 0;
	if (strcmp(gr, "persistentvolumes") == 0 || strcmp(gr, "persistentvolumeclaims") == 0)
		return map_sc(get(obj, "spec"), map);
	if (strcmp(gr, "statefulsets.apps") == 0)
		cJSON_ArrayForEach(t, get(get(obj, "spec"), "volumeClaimTemplates")) n +=
		    map_sc(get(t, "spec"), map);
	return n;
}

static int
map_images(cJSON *podspec, const lb_strmap *map)
{
	const char *lists[] = {"containers", "initContainers", "ephemeralContainers"};
	cJSON *c;
	size_t i, k;
	int n = 0;

	for (i = 0; i < 3; i++)
		cJSON_ArrayForEach(c, get(podspec, lists[i]))
		{
			const char *img = str(c, "image");

			for (k = 0; img && k < map->n; k++) {
				const char *hit = strstr(img, map->keys[k]);
				char buf[2048];

				if (!hit || !*map->keys[k])
					continue;
				snprintf(buf, sizeof(buf), "%.*s%s%s", (int) (hit - img), img,
				         map->values[k], hit + strlen(map->keys[k]));
				cJSON_ReplaceItemInObjectCaseSensitive(c, "image",
				                                       cJSON_CreateString(buf));
				n++;
				break;
			}
		}
	return n;
}

int
lb_transform_images(const char *gr, cJSON *obj, const lb_strmap *map)
{
	cJSON *spec = get(obj, "spec");

	if (!map || !map->n || !spec)
		return 0;
	if (strcmp(gr, "pods") == 0)
		return map_images(spec, map);
	if (strcmp(gr, "cronjobs.batch") == 0)
		return map_images(
		    get(get(get(get(spec, "jobTemplate"), "spec"), "template"), "spec"), map);
	if (strcmp(gr, "deployments.apps") == 0 || strcmp(gr, "statefulsets.apps") == 0 ||
	    strcmp(gr, "daemonsets.apps") == 0 || strcmp(gr, "replicasets.apps") == 0 ||
	    strcmp(gr, "jobs.batch") == 0 || strcmp(gr, "replicationcontrollers") == 0)
		return map_images(get(get(spec, "template"), "spec"), map);
	return 0;
}

void
lb_transform_namespace(cJSON *obj, const char *ns)
{
	cJSON *md = get(obj, "metadata");

	if (!md)
		md = cJSON_AddObjectToObject(obj, "metadata");
	if (get(md, "namespace"))
		cJSON_ReplaceItemInObjectCaseSensitive(md, "namespace", cJSON_CreateString(ns));
	else
		cJSON_AddStringToObject(md, "namespace", ns);
}

void
lb_transform_labels(cJSON *obj, const char *backup, const char *restore)
{
	cJSON *md = get(obj, "metadata"), *l;

	if (!md)
		md = cJSON_AddObjectToObject(obj, "metadata");
	l = get(md, "labels");
	if (!cJSON_IsObject(l)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "labels");
		l = cJSON_AddObjectToObject(md, "labels");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(l, "velero.io/backup-name");
	cJSON_DeleteItemFromObjectCaseSensitive(l, "velero.io/restore-name");
	cJSON_AddStringToObject(l, "velero.io/backup-name", backup);
	cJSON_AddStringToObject(l, "velero.io/restore-name", restore);
}
