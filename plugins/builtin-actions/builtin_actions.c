/* lifeboat.io/builtin: built-in item actions, run in a plugin child like any other.
 *
 * BackupItemActions (additional items, as Velero's velero.io/pod and velero.io/pv):
 *   lifeboat.io/pod  pods -> their PVCs and their service account
 *   lifeboat.io/pvc  persistentvolumeclaims -> their bound PV
 * RestoreItemActions (Velero's built-ins of the same names):
 *   lifeboat.io/service, lifeboat.io/pod, lifeboat.io/job, lifeboat.io/pvc,
 *   lifeboat.io/role-bindings, lifeboat.io/change-storage-class,
 *   lifeboat.io/change-image-name.
 * The restore actions read the Restore object for spec.preserveNodePorts and
 * spec.namespaceMapping; the mapping actions take their map as init config
 * (old -> new), as Velero's take their plugin ConfigMap's data. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lifeboat/plugin/sdk.h>

#include "restore/transform.h"

LB_PLUGIN_DECLARE("lifeboat.io/builtin", "0.1.0");

static const char *
str(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static int
put_json(lb_buf *out, cJSON *doc)
{
	char *s = cJSON_PrintUnformatted(doc);
	int error;

	if (!s)
		return LB_ENOMEM;
	error = lb_buf_append_str(out, s);
	free(s);
	return error;
}

static int
selector(lb_buf *out, const char *json)
{
	return lb_buf_append_str(out, json);
}

static void
destroy(void *self)
{
	(void) self;
}

static cJSON *
identifier(const char *group, const char *resource, const char *ns, const char *name)
{
	cJSON *id = cJSON_CreateObject();

	cJSON_AddStringToObject(id, "group", group);
	cJSON_AddStringToObject(id, "resource", resource);
	cJSON_AddStringToObject(id, "namespace", ns ? ns : "");
	cJSON_AddStringToObject(id, "name", name);
	return id;
}

/* ---- backup: pod -> PVCs, service account ---- */

static int
bia_pod_applies(lb_backup_item_action *self, lb_call *call, lb_buf *out)
{
	(void) self;
	(void) call;
	return selector(out, "{\"includedResources\":[\"pods\"]}");
}

static int
bia_pod_execute(lb_backup_item_action *self,
                lb_call *call,
                const char *item_json,
                const char *backup_json,
                lb_buf *out)
{
	cJSON *item = cJSON_Parse(item_json), *o = cJSON_CreateObject(), *add, *v;
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(item, "spec");
	const char *ns = str(cJSON_GetObjectItemCaseSensitive(item, "metadata"), "namespace");
	const char *sa = str(spec, "serviceAccountName");
	int error;

	(void) self;
	(void) backup_json;
	if (!item) {
		cJSON_Delete(o);
		return lb_set_error(call, LB_EINVAL, "lifeboat.io/pod: item is not JSON");
	}
	add = cJSON_AddArrayToObject(o, "additionalItems");
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(spec, "volumes"))
	{
		const char *claim =
		    str(cJSON_GetObjectItemCaseSensitive(v, "persistentVolumeClaim"), "claimName");

		if (claim)
			cJSON_AddItemToArray(add,
			                     identifier("", "persistentvolumeclaims", ns, claim));
	}
	if (sa && *sa)
		cJSON_AddItemToArray(add, identifier("", "serviceaccounts", ns, sa));
	error = put_json(out, o);
	cJSON_Delete(o);
	cJSON_Delete(item);
	return error;
}

/* ---- backup: PVC -> PV ---- */

static int
bia_pvc_applies(lb_backup_item_action *self, lb_call *call, lb_buf *out)
{
	(void) self;
	(void) call;
	return selector(out, "{\"includedResources\":[\"persistentvolumeclaims\"]}");
}

static int
bia_pvc_execute(lb_backup_item_action *self,
                lb_call *call,
                const char *item_json,
                const char *backup_json,
                lb_buf *out)
{
	cJSON *item = cJSON_Parse(item_json), *o = cJSON_CreateObject(), *add;
	const char *pv = str(cJSON_GetObjectItemCaseSensitive(item, "spec"), "volumeName");
	int error;

	(void) self;
	(void) backup_json;
	if (!item) {
		cJSON_Delete(o);
		return lb_set_error(call, LB_EINVAL, "lifeboat.io/pvc: item is not JSON");
	}
	add = cJSON_AddArrayToObject(o, "additionalItems");
	if (pv && *pv)
		cJSON_AddItemToArray(add, identifier("", "persistentvolumes", "", pv));
	error = put_json(out, o);
	cJSON_Delete(o);
	cJSON_Delete(item);
	return error;
}

#define BIA(var, nm, applies, exec)                                                                \
	static const lb_backup_item_action_methods var = {                                         \
	    LB_BACKUP_ITEM_ACTION_METHODS_HEADER,        nm, NULL, applies, exec, NULL, NULL,      \
	    (void (*)(lb_backup_item_action *)) destroy,                                           \
	}

BIA(bia_pod, "lifeboat.io/pod", bia_pod_applies, bia_pod_execute);
BIA(bia_pvc, "lifeboat.io/pvc", bia_pvc_applies, bia_pvc_execute);

/* ---- restore actions ---- */

/* An instance keeps its init config as a string map (for the mapping actions). */
struct lb_restore_item_action {
	int kind;
	size_t n;
	char **keys;
	char **values;
};

enum { R_SERVICE, R_POD, R_JOB, R_PVC, R_ROLE_BINDINGS, R_STORAGE_CLASS, R_IMAGE };

static int
ria_new(lb_call *call, const lb_config *config, int kind, lb_restore_item_action **out)
{
	lb_restore_item_action *a = calloc(1, sizeof(*a));
	uint32_t i;

	if (!a)
		return lb_set_error(call, LB_ENOMEM, "out of memory");
	a->kind = kind;
	if (config && config->count) {
		a->keys = calloc(config->count, sizeof(char *));
		a->values = calloc(config->count, sizeof(char *));
		for (i = 0; a->keys && a->values && i < config->count; i++) {
			const char *k = config->items[i].key, *v = config->items[i].value;

			/* Velero's change-image-name form "caseN: old,new" is accepted too */
			if (kind == R_IMAGE && strchr(v, ',') && strncmp(k, "case", 4) == 0) {
				const char *comma = strchr(v, ',');

				a->keys[a->n] = strndup(v, (size_t) (comma - v));
				a->values[a->n] = strdup(comma + 1);
			} else {
				a->keys[a->n] = strdup(k);
				a->values[a->n] = strdup(v);
			}
			a->n++;
		}
	}
	*out = a;
	return 0;
}

#define RIA_INIT(fn, kind)                                                                         \
	static int fn(lb_call *call, const lb_config *config, lb_restore_item_action **out)        \
	{                                                                                          \
		return ria_new(call, config, kind, out);                                           \
	}

RIA_INIT(init_service, R_SERVICE)
RIA_INIT(init_pod, R_POD)
RIA_INIT(init_job, R_JOB)
RIA_INIT(init_pvc, R_PVC)
RIA_INIT(init_rb, R_ROLE_BINDINGS)
RIA_INIT(init_sc, R_STORAGE_CLASS)
RIA_INIT(init_image, R_IMAGE)

static void
ria_destroy(lb_restore_item_action *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->keys[i]);
		free(a->values[i]);
	}
	free(a->keys);
	free(a->values);
	free(a);
}

static int
ria_applies(lb_restore_item_action *a, lb_call *call, lb_buf *out)
{
	static const char *const sel[] = {
	    "{\"includedResources\":[\"services\"]}",
	    "{\"includedResources\":[\"pods\"]}",
	    "{\"includedResources\":[\"jobs.batch\"]}",
	    "{\"includedResources\":[\"persistentvolumeclaims\"]}",
	    "{\"includedResources\":[\"rolebindings.rbac.authorization.k8s.io\","
	    "\"clusterrolebindings.rbac.authorization.k8s.io\"]}",
	    "{\"includedResources\":[\"persistentvolumes\",\"persistentvolumeclaims\","
	    "\"statefulsets.apps\"]}",
	    "{\"includedResources\":[\"pods\",\"deployments.apps\",\"statefulsets.apps\","
	    "\"daemonsets.apps\",\"replicasets.apps\",\"jobs.batch\",\"cronjobs.batch\","
	    "\"replicationcontrollers\"]}",
	};

	(void) call;
	return selector(out, sel[a->kind]);
}

static const char *
gr_of(const cJSON *item)
{
	const char *kind = str(item, "kind");

	if (!kind)
		return "";
	if (!strcmp(kind, "Pod"))
		return "pods";
	if (!strcmp(kind, "Deployment"))
		return "deployments.apps";
	if (!strcmp(kind, "StatefulSet"))
		return "statefulsets.apps";
	if (!strcmp(kind, "DaemonSet"))
		return "daemonsets.apps";
	if (!strcmp(kind, "ReplicaSet"))
		return "replicasets.apps";
	if (!strcmp(kind, "Job"))
		return "jobs.batch";
	if (!strcmp(kind, "CronJob"))
		return "cronjobs.batch";
	if (!strcmp(kind, "ReplicationController"))
		return "replicationcontrollers";
	if (!strcmp(kind, "PersistentVolume"))
		return "persistentvolumes";
	if (!strcmp(kind, "PersistentVolumeClaim"))
		return "persistentvolumeclaims";
	return "";
}

static int
ria_execute(lb_restore_item_action *a, lb_call *call, const char *input_json, lb_buf *out)
{
	cJSON *in = cJSON_Parse(input_json), *o = cJSON_CreateObject();
	cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(in, "item");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(in, "restore"), "spec");
	lb_strmap map = {(const char *const *) a->keys, (const char *const *) a->values, a->n};
	const cJSON *nsm = cJSON_GetObjectItemCaseSensitive(spec, "namespaceMapping"), *it;
	const char *nk[64], *nv[64];
	lb_strmap nsmap = {nk, nv, 0};
	int error;

	if (!item) {
		cJSON_Delete(in);
		cJSON_Delete(o);
		return lb_set_error(call, LB_EINVAL, "restore item action: input has no item");
	}
	cJSON_ArrayForEach(it, nsm) if (cJSON_IsString(it) && nsmap.n < 64)
	{
		nk[nsmap.n] = it->string;
		nv[nsmap.n++] = it->valuestring;
	}
	switch (a->kind) {
	case R_SERVICE:
		lb_transform_service(item, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		                               spec, "preserveNodePorts")));
		break;
	case R_POD:
		lb_transform_pod(item);
		break;
	case R_JOB:
		lb_transform_job(item);
		break;
	case R_PVC:
		/* volumeName is the engine's decision (it knows which PVs it restored) */
		{
			cJSON *sp = cJSON_GetObjectItemCaseSensitive(item, "spec");
			const char *vn = str(sp, "volumeName");

			lb_transform_pvc(item, vn != NULL);
		}
		break;
	case R_ROLE_BINDINGS:
		lb_transform_role_binding(item, &nsmap);
		break;
	case R_STORAGE_CLASS:
		lb_transform_storage_class(gr_of(item), item, &map);
		break;
	case R_IMAGE:
		lb_transform_images(gr_of(item), item, &map);
		break;
	}
	cJSON_AddItemToObject(o, "updatedItem", item);
	error = put_json(out, o);
	cJSON_Delete(o);
	cJSON_Delete(in);
	return error;
}

#define RIA(var, nm, init)                                                                         \
	static const lb_restore_item_action_methods var = {                                        \
	    LB_RESTORE_ITEM_ACTION_METHODS_HEADER,                                                 \
	    nm,                                                                                    \
	    init,                                                                                  \
	    ria_applies,                                                                           \
	    ria_execute,                                                                           \
	    NULL,                                                                                  \
	    NULL,                                                                                  \
	    NULL,                                                                                  \
	    ria_destroy,                                                                           \
	}

RIA(ria_service, "lifeboat.io/service", init_service);
RIA(ria_pod, "lifeboat.io/pod", init_pod);
RIA(ria_job, "lifeboat.io/job", init_job);
RIA(ria_pvc, "lifeboat.io/pvc", init_pvc);
RIA(ria_rb, "lifeboat.io/role-bindings", init_rb);
RIA(ria_sc, "lifeboat.io/change-storage-class", init_sc);
RIA(ria_image, "lifeboat.io/change-image-name", init_image);

int
lb_plugin_init(lb_registrar *reg)
{
	int error = 0;

	if ((error = lb_register_backup_item_action(reg, &bia_pod)) < 0 ||
	    (error = lb_register_backup_item_action(reg, &bia_pvc)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_service)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_pod)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_job)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_pvc)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_rb)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_sc)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_image)) < 0)
		return error;
	return 0;
}
