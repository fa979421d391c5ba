/* The restore runner. */
#include "restore.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup/applies_to.h"
#include "backup/catalog.h"
#include "backup/itemset.h"
#include "backup/layout.h"
#include "backup/operations.h"
#include "backup/record.h"
#include "backup/reslist.h"
#include "backup/results.h"
#include "backup/runlog.h"
#include "contents.h"
#include "modifiers.h"
#include "order.h"
#include "util/error.h"
#include "util/log.h"
#include "util/time.h"
#include "version.h"
#include "volume/volume.h" /* volume data */

typedef struct run run;

typedef struct action {
	run *owner;
	lb_restore_item_action_handle *h;
	char name[128];
	lb_applies_to applies;
} action;

struct run {
	lb_kube_client *kube;
	lb_location *loc;
	const lb_restore_opts *o;
	char name[256];
	lb_contents *contents;
	lb_kube_discovery *disc;
	lb_ns_filter ns;
	lb_res_filter res;
	lb_res_filter status_res;
	lb_label_selector *labels;
	lb_strlist map_keys, map_values;
	lb_strmap ns_map;
	lb_modifiers *modifiers;
	action *actions;
	size_t nactions;
	int builtin_plugin; /* lifeboat.io/builtin's RestoreItemActions run in its child */
	lb_itemset namespaces_done;
	lb_itemset pvs_restored;
	lb_itemset classes_seen; /* storage classes looked up: "+name" exists, "-name" not */
	lb_itemset restored;     /* "gr|source ns|name": restored or claimed (additional items) */
	lb_item_ops ops;         /* async operations RestoreItemActions started */
	pthread_mutex_t ns_mu;
	pthread_mutex_t mu;
	lb_buf log;
	lb_results results;
	lb_reslist reslist;
	char *restore_json;
	uint64_t total, done, created, updated, skipped, failed;
	int64_t api_us;
	lb_volume_restore *volume; /* volume data (core/volume) */
};

/* one group-resource being restored by the workers */
typedef struct batch {
	run *r;
	const char *gr;
	const lb_kube_resource *res; /* target */
	lb_kube_gvr gvr;
	const lb_content_set *set;
	size_t next;
	int cluster_ok;
} batch;

static void rlog(run *r, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
rlog(run *r, const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_runlog_vadd(&r->log, &r->mu, "restore", r->name, level, fmt, ap);
	va_end(ap);
}

static const char *
jstr(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	return cJSON_GetStringValue(x);
}

static void
reslist_add(run *r, const cJSON *obj, const char *ns, const char *name, const char *what)
{
	char val[700];

	snprintf(val, sizeof(val), "%s%s%s(%s)", ns && *ns ? ns : "", ns && *ns ? "/" : "", name,
	         what);
	lb_reslist_add(&r->reslist, jstr(obj, "apiVersion", NULL), jstr(obj, "kind", NULL), val);
}

int
lb_restore_parse_mappings(const char *text, lb_strlist *keys, lb_strlist *values)
{
	lb_strlist pairs = LB_STRLIST_INIT;
	size_t i;
	int error = 0;

	lb_csv_split(text, &pairs);
	for (i = 0; i < pairs.count; i++) {
		char *colon = strchr(pairs.items[i], ':');

		if (!colon || colon == pairs.items[i] || !colon[1]) {
			error = lb_error_set(
			    LB_EINVAL, "--namespace-mappings: \"%s\" is not <source>:<target>",
			    pairs.items[i]);
			break;
		}
		*colon = '\0';
		lb_strlist_add(keys, pairs.items[i]);
		lb_strlist_add(values, colon + 1);
	}
	lb_strlist_dispose(&pairs);
	return error;
}

static const char *
target_ns(run *r, const char *ns)
{
	const char *to = lb_strmap_get(&r->ns_map, ns);

	return to ? to : ns;
}

static int64_t
api_begin(void)
{
	return lb_now_us();
}

static void
api_end(run *r, int64_t t0)
{
	__atomic_add_fetch(&r->api_us, lb_now_us() - t0, __ATOMIC_RELAXED);
}

/* Create the (mapped) namespace once, from its backed-up object when there is one. */
static int
ensure_namespace(run *r, const char *src_ns)
{
	const char *dst = target_ns(r, src_ns);
	const lb_content_gr *g;
	const lb_content_set *s;
	lb_kube_gvr gvr = {"", "v1", "namespaces", 0};
	cJSON *obj = NULL;
	size_t i;
	int error = 0;
	int64_t t0;

	if (lb_itemset_has(&r->namespaces_done, dst))
		return 0;
	pthread_mutex_lock(&r->ns_mu);
	if (lb_itemset_has(&r->namespaces_done, dst))
		goto done;
	g = lb_contents_find(r->contents, "namespaces");
	s = g ? lb_contents_set(g, "") : NULL;
	for (i = 0; s && i < s->count && !obj; i++)
		if (strcmp(s->items[i].name, src_ns) == 0)
			obj = cJSON_Parse(s->items[i].json);
	if (!obj) {
		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(obj, "apiVersion", "v1");
		cJSON_AddStringToObject(obj, "kind", "Namespace");
		cJSON_AddObjectToObject(obj, "metadata");
	}
	lb_transform_reset(obj, NULL);
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "spec"); /* finalizers are the server's */
	{
		cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

		cJSON_DeleteItemFromObjectCaseSensitive(md, "name");
		cJSON_AddStringToObject(md, "name", dst);
	}
	lb_transform_labels(obj, r->o->backup, r->name);
	t0 = api_begin();
	error = lb_kube_create(r->kube, &gvr, NULL, obj, NULL);
	api_end(r, t0);
	if (error == 0) {
		rlog(r, "info", "Restored namespace %s", dst);
		reslist_add(r, obj, NULL, dst, "created");
		__atomic_add_fetch(&r->created, 1, __ATOMIC_RELAXED);
	} else if (error == LB_EEXISTS) {
		error = 0;
	} else {
		lb_results_error(&r->results, dst, "error creating namespace %s: %s", dst,
		                 lb_kube_last_status()->message[0] ? lb_kube_last_status()->message
		                                                   : lb_error_last(error));
		goto done;
	}
	lb_itemset_add(&r->namespaces_done, dst);
done:
	pthread_mutex_unlock(&r->ns_mu);
	cJSON_Delete(obj);
	return error;
}

static const char *
server_message(int error)
{
	const lb_kube_status *st = lb_kube_last_status();

	return st->message[0] ? st->message : lb_error_last(error);
}

static int restore_one(run *r, lb_call *call, const batch *b, const lb_content_item *ci, int depth);
static int prepare_batch(run *r, const lb_content_gr *g, batch *b, int additional);

#define MAX_ADDITIONAL_DEPTH 8

/* Restore an item an action asked for ({"group","resource","namespace","name"}, the
 * namespace as in the backup) from the backup, through the same path as any item. Returns
 * 1 when it is in the cluster afterwards. */
static int
restore_additional(run *r, lb_call *call, const cJSON *id, int depth, const char *asker)
{
	const char *group = jstr(id, "group", NULL), *resource = jstr(id, "resource", NULL);
	const char *ns = jstr(id, "namespace", NULL), *name = jstr(id, "name", NULL);
	const lb_content_gr *g;
	const lb_content_item *ci = NULL;
	char gr[300];
	batch b;
	size_t i;

	if (!ns)
		ns = "";
	if (!resource || !*resource || !name || !*name) {
		lb_results_warning(&r->results, *ns ? ns : NULL,
		                   "%s asked for an additional item without resource and name",
		                   asker);
		return 0;
	}
	lb_layout_gr(gr, sizeof(gr), group ? group : "", resource);
	if (depth >= MAX_ADDITIONAL_DEPTH) {
		lb_results_warning(&r->results, *ns ? ns : NULL,
		                   "additional item %s %s%s%s asked for by %s: more than %d levels "
		                   "of additional items; not restored",
		                   gr, ns, *ns ? "/" : "", name, asker, MAX_ADDITIONAL_DEPTH);
		return 0;
	}
	g = lb_contents_find(r->contents, gr);
	if (g && prepare_batch(r, g, &b, 1) < 0)
		return 0;
	for (i = 0; g && i < b.set->count && !ci; i++)
		if (strcmp(b.set->items[i].ns, ns) == 0 && strcmp(b.set->items[i].name, name) == 0)
			ci = &b.set->items[i];
	if (!ci) {
		lb_results_warning(&r->results, *ns ? ns : NULL,
		                   "additional item %s %s%s%s asked for by %s is not in the backup",
		                   gr, ns, *ns ? "/" : "", name, asker);
		return 0;
	}
	rlog(r, "info", "Restoring additional item %s %s%s%s for %s", gr, ns, *ns ? "/" : "", name,
	     asker);
	return restore_one(r, call, &b, ci, depth + 1);
}

/* Poll the action's AreAdditionalItemsReady until ready or the timeout. */
static int
wait_additional(run *r,
                lb_call *call,
                action *a,
                const cJSON *items,
                int64_t timeout_ms,
                const char *asker,
                const char *ns)
{
	int64_t poll = r->o->operation_poll_ms > 0 && r->o->operation_poll_ms < 1000
	                   ? r->o->operation_poll_ms
	                   : 1000;
	lb_deadline dl;
	char *text = cJSON_PrintUnformatted(items), d[32];
	int ready = 0, error = 0, polls = 0;

	if (timeout_ms <= 0)
		timeout_ms = r->o->additional_items_timeout_ms > 0
		                 ? r->o->additional_items_timeout_ms
		                 : 600000;
	dl = lb_deadline_in(timeout_ms);
	rlog(r, "info", "%s: waiting for its additional items to be ready", asker);
	for (;;) {
		polls++;
		error = a->h->m->are_additional_items_ready(a->h->self, call, text, r->restore_json,
		                                            &ready);
		if (error < 0) {
			lb_results_error(&r->results, ns,
			                 "%s: AreAdditionalItemsReady failed: %s; the item was not "
			                 "restored",
			                 asker, lb_call_error_message(call));
			break;
		}
		if (ready)
			break;
		if (lb_deadline_passed(dl) || (r->o->cancel && lb_cancel_is_set(r->o->cancel))) {
			lb_item_ops_format_ms(timeout_ms, d, sizeof(d));
			lb_results_error(
			    &r->results, ns,
			    "%s: timed out after %s waiting for additional items %s to "
			    "be ready; the item was not restored",
			    asker, d, text);
			error = -1;
			break;
		}
		usleep((useconds_t) (poll * 1000));
	}
	if (ready)
		rlog(r, "info", "%s: additional items ready after %d checks", asker, polls);
	free(text);
	return error < 0 ? -1 : 0;
}

/* Run the RestoreItemActions that apply, as Velero's restoreItem does: each may update the
 * item, start an async operation, skip it, or ask for additional items, restored first
 * (and waited for when it says so). Returns 1 when an action asked to skip, -1 when the
 * item must not be created (error recorded). */
static int
run_actions(run *r,
            lb_call *call,
            const batch *b,
            cJSON **item,
            const lb_content_item *ci,
            const char *ns,
            int depth)
{
	lb_res_names names = {b->res->group, b->res->name, b->res->singular_name, b->res->kind,
	                      b->res->short_names};
	char asker[700];
	size_t i;

	for (i = 0; i < r->nactions; i++) {
		action *a = &r->actions[i];
		lb_buf out = LB_BUF_INIT, in = LB_BUF_INIT;
		char *itext;
		cJSON *o, *upd, *add, *it, *done_items;
		const char *opid;
		int error, skip, wait;
		int64_t wait_ms;

		if (!lb_applies_to_match(
		        &a->applies, &names, b->res->namespaced ? ns : NULL,
		        cJSON_GetObjectItemCaseSensitive(
		            cJSON_GetObjectItemCaseSensitive(*item, "metadata"), "labels")))
			continue;
		snprintf(asker, sizeof(asker), "restore item action %s on %s %s%s%s", a->name,
		         b->gr, ns ? ns : "", ns ? "/" : "", ci->name);
		itext = cJSON_PrintUnformatted(*item);
		lb_buf_printf(&in, "{\"item\":%s,\"itemFromBackup\":%s,\"restore\":%s}", itext,
		              ci->json, r->restore_json);
		free(itext);
		error = a->h->m->execute(a->h->self, call, in.ptr, &out);
		lb_buf_dispose(&in);
		if (error < 0) {
			lb_results_error(&r->results, b->res->namespaced ? ns : NULL, "%s: %s",
			                 asker, lb_call_error_message(call));
			lb_buf_dispose(&out);
			return -1;
		}
		o = cJSON_Parse(out.ptr ? out.ptr : "{}");
		lb_buf_dispose(&out);
		opid = jstr(o, "operationID", NULL);
		if (opid && *opid) {
			cJSON *id = cJSON_CreateObject();

			cJSON_AddStringToObject(id, "group", b->res->group);
			cJSON_AddStringToObject(id, "resource", b->res->name);
			cJSON_AddStringToObject(id, "namespace", ns ? ns : "");
			cJSON_AddStringToObject(id, "name", ci->name);
			lb_item_ops_add(&r->ops, a->name, a, opid, id, NULL);
			rlog(r, "info", "%s started async operation %s", asker, opid);
			cJSON_Delete(id);
		}
		skip = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "skipRestore"));
		if (skip) {
			/* SkipRestore: no further actions, not created, additional items ignored */
			cJSON_Delete(o);
			rlog(r, "info", "%s %s%s%s: skipped by restore item action %s", b->gr,
			     ns ? ns : "", ns ? "/" : "", ci->name, a->name);
			return 1;
		}
		upd = cJSON_DetachItemFromObjectCaseSensitive(o, "updatedItem");
		if (cJSON_IsObject(upd)) {
			cJSON_Delete(*item);
			*item = upd;
		} else {
			cJSON_Delete(upd);
		}
		add = cJSON_GetObjectItemCaseSensitive(o, "additionalItems");
		wait = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "waitForAdditionalItems"));
		wait_ms = cJSON_IsNumber(
		              cJSON_GetObjectItemCaseSensitive(o, "additionalItemsReadyTimeoutMs"))
		              ? (int64_t) cJSON_GetObjectItemCaseSensitive(
		                    o, "additionalItemsReadyTimeoutMs")
		                    ->valuedouble
		              : 0;
		done_items = cJSON_CreateArray();
		cJSON_ArrayForEach(it, add)
		{
			if (restore_additional(r, call, it, depth, asker))
				cJSON_AddItemToArray(done_items, cJSON_Duplicate(it, 1));
		}
		error = 0;
		if (wait && cJSON_GetArraySize(done_items) > 0)
			error = wait_additional(r, call, a, done_items, wait_ms, asker,
			                        b->res->namespaced ? ns : NULL);
		cJSON_Delete(done_items);
		cJSON_Delete(o);
		if (error < 0)
			return -1;
	}
	return 0;
}

static int
restore_status_wanted(run *r, const batch *b)
{
	lb_res_names names = {b->res->group, b->res->name, b->res->singular_name, b->res->kind,
	                      b->res->short_names};

	if (!r->status_res.include.count)
		return 0;
	return lb_res_filter_match(&r->status_res, &names) &&
	       lb_kube_resource_has_subresource(b->res, "status");
}

static void
restore_status(
    run *r, const batch *b, const char *ns, const char *name, cJSON *created, cJSON *status)
{
	int error, tries;
	int64_t t0;

	for (tries = 0; tries < 3; tries++) {
		cJSON *obj = created ? cJSON_Duplicate(created, 1) : NULL;

		if (!obj) {
			t0 = api_begin();
			error = lb_kube_get(r->kube, &b->gvr, ns, name, NULL, &obj);
			api_end(r, t0);
			if (error < 0)
				break;
		}
		created = NULL;
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
		cJSON_AddItemToObject(obj, "status", cJSON_Duplicate(status, 1));
		t0 = api_begin();
		error = lb_kube_update(r->kube, &b->gvr, ns, obj, "status", NULL);
		api_end(r, t0);
		cJSON_Delete(obj);
		if (error != LB_ECONFLICT)
			break;
	}
	if (error < 0)
		lb_results_warning(&r->results, ns && *ns ? ns : NULL,
		                   "could not restore status of %s %s%s%s: %s", b->gr, ns ? ns : "",
		                   ns ? "/" : "", name, server_message(error));
}

/* An existing object: leave it (none) or patch it to the backed-up one (update). */
static void
handle_existing(run *r, const batch *b, const char *ns, const char *name, cJSON *item)
{
	cJSON *live = NULL, *a, *c;
	int error, same = 0;
	int64_t t0 = api_begin();

	error = lb_kube_get(r->kube, &b->gvr, ns, name, NULL, &live);
	api_end(r, t0);
	if (error == 0) {
		/* identical (ignoring what the server owns) -> simply skipped */
		a = cJSON_Duplicate(live, 1);
		c = cJSON_Duplicate(item, 1);
		lb_transform_reset(a, NULL);
		lb_transform_reset(c, NULL);
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItem(a, "metadata"),
		                                        "labels");
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItem(c, "metadata"),
		                                        "labels");
		same = cJSON_Compare(a, c, 1);
		cJSON_Delete(a);
		cJSON_Delete(c);
	}
	if (!r->o->existing_update || strcmp(b->gr, "namespaces") == 0) {
		if (!same)
			lb_results_warning(&r->results, ns && *ns ? ns : NULL,
			                   "could not restore, %s \"%s\" already exists. Warning: "
			                   "the in-cluster version is different than the backed-up "
			                   "version",
			                   b->res->kind, name);
		reslist_add(r, item, ns, name, "skipped");
		__atomic_add_fetch(&r->skipped, 1, __ATOMIC_RELAXED);
		goto done;
	}
	t0 = api_begin();
	error = lb_kube_patch(r->kube, &b->gvr, ns, name, NULL, LB_KUBE_PATCH_MERGE, item, NULL);
	api_end(r, t0);
	if (error < 0) {
		lb_results_warning(&r->results, ns && *ns ? ns : NULL,
		                   "could not update existing %s %s%s%s: %s", b->gr, ns ? ns : "",
		                   ns ? "/" : "", name, server_message(error));
		reslist_add(r, item, ns, name, "failed");
		__atomic_add_fetch(&r->failed, 1, __ATOMIC_RELAXED);
		goto done;
	}
	reslist_add(r, item, ns, name, "updated");
	__atomic_add_fetch(&r->updated, 1, __ATOMIC_RELAXED);
done:
	cJSON_Delete(live);
}

/* A PVC naming a storage class the target does not have stays Pending for ever: say so,
 * naming the object (one lookup per class). */
static void
check_storage_class(run *r, const char *ns, const char *name, const cJSON *item)
{
	const char *sc =
	    jstr(cJSON_GetObjectItemCaseSensitive(item, "spec"), "storageClassName", NULL);
	lb_kube_gvr gvr = {"storage.k8s.io", "v1", "storageclasses", 0};
	char key[300];
	int error;

	if (!sc || !*sc)
		return;
	snprintf(key, sizeof(key), "+%s", sc);
	if (lb_itemset_has(&r->classes_seen, key))
		return;
	key[0] = '-';
	if (!lb_itemset_has(&r->classes_seen, key)) {
		error = lb_kube_get(r->kube, &gvr, NULL, sc, NULL, NULL);
		if (error == 0 || error != LB_ENOTFOUND) {
			key[0] = '+';
			lb_itemset_add(&r->classes_seen, key);
			return;
		}
		lb_itemset_add(&r->classes_seen, key);
	}
	lb_results_error(&r->results, ns,
	                 "persistentvolumeclaims/%s/%s: storage class \"%s\" does not exist in the "
	                 "target cluster; the claim stays Pending (map it with "
	                 "restore.storageClassMappings)",
	                 ns ? ns : "", name, sc);
}

/* Restore one item of the backup. @depth is 0 for items of the batch, n+1 for the
 * additional items an action asked for while restoring an item of depth n. Returns 1 when
 * the item is in the cluster afterwards (created, existing, or restored earlier), else 0. */
static int
restore_one(run *r, lb_call *call, const batch *b, const lb_content_item *ci, int depth)
{
	cJSON *item = cJSON_Parse(ci->json), *status = NULL, *created = NULL;
	const char *src_ns = *ci->ns ? ci->ns : NULL, *dst_ns = NULL, *why;
	char name[256], key[1024];
	int error, act, in_cluster = 0;
	int64_t t0;

	snprintf(name, sizeof(name), "%s", ci->name);
	if (!item) {
		lb_results_error(&r->results, src_ns, "%s %s: the backup holds invalid JSON", b->gr,
		                 ci->name);
		goto done;
	}
	if (b->res->namespaced) {
		if (!src_ns || !lb_ns_filter_match(&r->ns, src_ns))
			goto done;
		dst_ns = target_ns(r, src_ns);
	} else if (depth > 0) {
		/* an additional item: cluster-scoped ones unless explicitly excluded (Velero) */
		if (r->o->cluster == LB_CLUSTER_FALSE)
			goto done;
	} else if (!b->cluster_ok) {
		/* PVs still follow included PVCs, as Velero does */
		const char *cns = jstr(cJSON_GetObjectItem(item, "spec"), "claimRef", "namespace");

		if (strcmp(b->gr, "persistentvolumes") != 0 || !cns ||
		    !lb_ns_filter_match(&r->ns, cns))
			goto done;
	}
	/* the label selector chooses the items, not the additional items they ask for */
	if (depth == 0 && !lb_label_selector_match(
	                      r->labels, cJSON_GetObjectItemCaseSensitive(
	                                     cJSON_GetObjectItem(item, "metadata"), "labels")))
		goto done;
	snprintf(key, sizeof(key), "%s|%s|%s", b->gr, src_ns ? src_ns : "", name);
	if (!lb_itemset_add(&r->restored, key)) {
		rlog(r, "info", "%s %s%s%s: already restored (an additional item)", b->gr,
		     dst_ns ? dst_ns : "", dst_ns ? "/" : "", name);
		in_cluster = 1;
		goto done;
	}
	__atomic_add_fetch(&r->total, 1, __ATOMIC_RELAXED);
	if ((why = lb_transform_skip_reason(b->gr, item))) {
		rlog(r, "info", "Skipping %s %s: %s", b->gr, ci->name, why);
		__atomic_add_fetch(&r->skipped, 1, __ATOMIC_RELAXED);
		goto done;
	}
	if (dst_ns && ensure_namespace(r, src_ns) < 0) {
		__atomic_add_fetch(&r->failed, 1, __ATOMIC_RELAXED);
		goto done;
	}

	lb_transform_reset(item, &status);
	/* Velero's built-in RestoreItemActions: in lifeboat.io/builtin's child when that
	 * plugin runs, else the same code (transform.c) here */
	if (!r->builtin_plugin) {
		if (strcmp(b->gr, "services") == 0)
			lb_transform_service(item, r->o->preserve_nodeports);
		else if (strcmp(b->gr, "pods") == 0)
			lb_transform_pod(item);
		else if (strcmp(b->gr, "jobs.batch") == 0)
			lb_transform_job(item);
		else if (strcmp(b->gr, "rolebindings.rbac.authorization.k8s.io") == 0 ||
		         strcmp(b->gr, "clusterrolebindings.rbac.authorization.k8s.io") == 0)
			lb_transform_role_binding(item, &r->ns_map);
		lb_transform_storage_class(b->gr, item, &r->o->storage_classes);
		lb_transform_images(b->gr, item, &r->o->images);
	}
	/* PV and PVC volume decisions are the restore's own (it knows what it restored) */
	if (strcmp(b->gr, "persistentvolumes") == 0) {
		if (!lb_transform_pv(item, &r->ns_map)) {
			rlog(r, "info",
			     "Skipping persistentvolume %s: reclaim policy Delete and no snapshot, "
			     "it will be provisioned again",
			     name);
			__atomic_add_fetch(&r->skipped, 1, __ATOMIC_RELAXED);
			goto done;
		}
		lb_itemset_add(&r->pvs_restored, name);
	} else if (strcmp(b->gr, "persistentvolumeclaims") == 0) {
		const char *vn = jstr(cJSON_GetObjectItem(item, "spec"), "volumeName", NULL);

		lb_transform_pvc(item, vn && lb_itemset_has(&r->pvs_restored, vn));
		lb_volume_restore_pvc(r->volume, item, src_ns, dst_ns); /* volume data */
	}

	if (r->nactions) {
		act = run_actions(r, call, b, &item, ci, dst_ns, depth);
		if (act != 0) {
			__atomic_add_fetch(act > 0 ? &r->skipped : &r->failed, 1, __ATOMIC_RELAXED);
			goto done;
		}
	}
	if (r->modifiers &&
	    (error = lb_modifiers_apply(r->modifiers, b->gr, src_ns ? src_ns : "", &item)) < 0) {
		lb_results_error(&r->results, dst_ns, "%s %s: %s", b->gr, name,
		                 lb_error_last(error));
		__atomic_add_fetch(&r->failed, 1, __ATOMIC_RELAXED);
		goto done;
	}
	if (dst_ns)
		lb_transform_namespace(item, dst_ns);
	lb_transform_labels(item, r->o->backup, r->name);
	if (strcmp(b->gr, "persistentvolumeclaims") == 0)
		check_storage_class(r, dst_ns, name, item);

	t0 = api_begin();
	error = lb_kube_create(r->kube, &b->gvr, dst_ns, item, &created);
	api_end(r, t0);
	if (error == LB_EEXISTS) {
		handle_existing(r, b, dst_ns, name, item);
		in_cluster = 1;
		goto done;
	}
	if (error < 0) {
		lb_results_error(&r->results, dst_ns, "error restoring %s/%s%s%s: %s", b->gr,
		                 dst_ns ? dst_ns : "", dst_ns ? "/" : "", name,
		                 server_message(error));
		reslist_add(r, item, dst_ns, name, "failed");
		__atomic_add_fetch(&r->failed, 1, __ATOMIC_RELAXED);
		goto done;
	}
	reslist_add(r, item, dst_ns, name, "created");
	__atomic_add_fetch(&r->created, 1, __ATOMIC_RELAXED);
	in_cluster = 1;
	if (status && !cJSON_IsNull(status) && restore_status_wanted(r, b))
		restore_status(r, b, dst_ns, name, created, status);
done:
	if (depth == 0)
		__atomic_add_fetch(&r->done, 1, __ATOMIC_RELAXED);
	cJSON_Delete(item);
	cJSON_Delete(status);
	cJSON_Delete(created);
	return in_cluster;
}

static void *
batch_worker(void *arg)
{
	batch *b = arg;
	run *r = b->r;
	lb_call_opts co = LB_CALL_OPTS_INIT;
	lb_call *call;

	co.cancel = r->o->cancel;
	co.location = r->loc;
	co.task = r->name;
	call = lb_call_new(&co);
	for (;;) {
		size_t i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);

		if (i >= b->set->count || (r->o->cancel && lb_cancel_is_set(r->o->cancel)))
			break;
		restore_one(r, call, b, &b->set->items[i], 0);
		if (r->o->progress && i % 500 == 0)
			r->o->progress(r->o->progress_ud, r->done, 0);
	}
	lb_call_free(call);
	return NULL;
}

static void
run_batch(run *r, batch *b)
{
	int n = r->o->workers > 0 ? r->o->workers : 4, i, started = 0;
	pthread_t th[64];

	if (n > 64)
		n = 64;
	if ((size_t) n > b->set->count)
		n = (int) b->set->count;
	if (strcmp(b->gr, "customresourcedefinitions.apiextensions.k8s.io") == 0)
		n = 1;
	for (i = 1; i < n; i++)
		if (pthread_create(&th[started], NULL, batch_worker, b) == 0)
			started++;
	batch_worker(b);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

static int
crd_established(run *r, const char *name)
{
	lb_kube_gvr gvr = {"apiextensions.k8s.io", "v1", "customresourcedefinitions", 0};
	cJSON *obj = NULL, *c;
	int ok = 0;

	if (lb_kube_get(r->kube, &gvr, NULL, name, NULL, &obj) < 0)
		return 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
	                          cJSON_GetObjectItemCaseSensitive(obj, "status"), "conditions"))
	{
		const char *t = jstr(c, "type", NULL), *s = jstr(c, "status", NULL);

		if (t && s && strcmp(t, "Established") == 0 && strcmp(s, "True") == 0)
			ok = 1;
	}
	cJSON_Delete(obj);
	return ok;
}

/* Wait for every restored CRD to be Established, then read discovery again so their
 * resources can be found. */
static void
wait_crds(run *r, const lb_content_set *set)
{
	int64_t limit = r->o->crd_ready_timeout_ms > 0 ? r->o->crd_ready_timeout_ms : 60000;
	lb_deadline dl = lb_deadline_in(limit);
	size_t i;

	for (i = 0; set && i < set->count; i++) {
		while (!crd_established(r, set->items[i].name)) {
			if (lb_deadline_passed(dl)) {
				lb_results_warning(
				    &r->results, NULL,
				    "customresourcedefinition %s not established after "
				    "%lld ms; its custom resources may fail",
				    set->items[i].name, (long long) limit);
				break;
			}
			usleep(100 * 1000);
		}
	}
	lb_kube_discovery_free(r->disc);
	r->disc = NULL;
	if (lb_kube_discover(r->kube, &r->disc) < 0)
		lb_results_error(&r->results, "", "discovery: %s", lb_error_last(LB_ERROR));
}

/* The target's versions serving @resource of @group, preferred first. */
static size_t
target_versions(run *r, const char *group, const char *resource, const char **out, size_t max)
{
	const lb_kube_group *g = r->disc ? lb_kube_discovery_group(r->disc, group) : NULL;
	size_t i, n = 0;

	if (!g)
		return 0;
	if (lb_kube_discovery_find_version(r->disc, group, g->preferred_version, resource))
		out[n++] = g->preferred_version;
	for (i = 0; i < g->version_count && n < max; i++)
		if (strcmp(g->versions[i].version, g->preferred_version) != 0 &&
		    lb_kube_discovery_find_version(r->disc, group, g->versions[i].version,
		                                   resource))
			out[n++] = g->versions[i].version;
	return n;
}

/* Choose the version and target resource of @g into @b. Returns 0 when its items are to be
 * restored. @additional: for an item an action asked for (quiet; Velero also honours the
 * resource filter there, and the cluster-scoped rule per item). */
static int
prepare_batch(run *r, const lb_content_gr *g, batch *b, int additional)
{
	char resource[256], group[256];
	const char *bv[16], *tv[16], *chosen;
	size_t nb, nt;
	lb_res_names names;

	memset(b, 0, sizeof(*b));
	b->r = r;
	b->gr = g->gr;
	lb_layout_gr_split(g->gr, resource, sizeof(resource), group, sizeof(group));
	nb = lb_contents_versions(g, bv, 16);
	nt = target_versions(r, group, resource, tv, 16);
	chosen = nb ? lb_restore_choose_version(bv, nb, tv, nt) : NULL;
	if (!nt) {
		if (additional)
			rlog(r, "warning", "%s: the target cluster does not serve this resource",
			     g->gr);
		else
			lb_results_error(&r->results, NULL,
			                 "%s: the target cluster does not serve this resource; its "
			                 "items were not restored",
			                 g->gr);
		return -1;
	}
	if (!chosen || !nb)
		chosen = tv[0];
	b->res = lb_kube_discovery_find_version(r->disc, group, chosen, resource);
	if (!b->res) {
		/* no common version: try the target's preferred with the plain copy */
		b->res = lb_kube_discovery_find_version(r->disc, group, tv[0], resource);
		if (!additional)
			lb_results_warning(&r->results, NULL,
			                   "%s: the backup has version(s) the target does not "
			                   "serve; trying %s",
			                   g->gr, tv[0]);
		chosen = *g->preferred_version ? g->preferred_version : "";
	}
	if (!b->res)
		return -1;
	names.group = b->res->group;
	names.plural = b->res->name;
	names.singular = b->res->singular_name;
	names.kind = b->res->kind;
	names.short_names = b->res->short_names;
	if (!lb_res_filter_match(&r->res, &names)) {
		if (additional)
			rlog(r, "info",
			     "%s: not restoring additional items of an excluded resource", g->gr);
		return -1;
	}
	if (!b->res->namespaced && !additional) {
		int crd = strcmp(g->gr, "customresourcedefinitions.apiextensions.k8s.io") == 0;

		b->cluster_ok =
		    lb_cluster_scoped_included(r->o->cluster, &r->ns, &r->res, &names) ||
		    (crd && r->o->cluster != LB_CLUSTER_FALSE);
		if (!b->cluster_ok && strcmp(g->gr, "persistentvolumes") != 0)
			return -1;
	}
	b->gvr = lb_kube_gvr_of(b->res);
	/* the plain copy is the source's preferred version */
	b->set = strcmp(chosen, g->preferred_version) == 0 || !*g->preferred_version
	             ? lb_contents_set(g, "")
	             : lb_contents_set(g, chosen);
	if (!b->set)
		b->set = lb_contents_set(g, "");
	return b->set ? 0 : -1;
}

static void
restore_gr(run *r, const lb_content_gr *g)
{
	batch b;

	if (prepare_batch(r, g, &b, 0) < 0)
		return;
	rlog(r, "info", "Restoring %zu items of %s in version %s", b.set->count, g->gr,
	     b.res->version);
	run_batch(r, &b);
	if (strcmp(g->gr, "customresourcedefinitions.apiextensions.k8s.io") == 0)
		wait_crds(r, b.set);
}

static int
open_actions(run *r, lb_call *call)
{
	lb_strlist names = LB_STRLIST_INIT;
	size_t i;
	int error;

	if (!r->o->plugins)
		return 0;
	if ((error = lb_plugins_list_impls(r->o->plugins, LB_KIND_RESTORE_ITEM_ACTION, &names)) < 0)
		goto done;
	r->actions = calloc(names.count + 1, sizeof(*r->actions));
	for (i = 0; r->actions && i < names.count; i++) {
		action *a = &r->actions[r->nactions];
		lb_buf sel = LB_BUF_INIT;

		const lb_strmap *map = NULL;
		lb_kv kv[64];
		lb_config cfg = {0, 0, kv};
		size_t k;

		snprintf(a->name, sizeof(a->name), "%s", names.items[i]);
		a->owner = r;
		/* the mapping actions take their map as config, as Velero's take a ConfigMap */
		if (!strcmp(a->name, "lifeboat.io/change-storage-class"))
			map = &r->o->storage_classes;
		else if (!strcmp(a->name, "lifeboat.io/change-image-name"))
			map = &r->o->images;
		for (k = 0; map && k < map->n && k < 64; k++) {
			kv[k].key = map->keys[k];
			kv[k].value = map->values[k];
			cfg.count++;
		}
		if (lb_plugins_open_restore_item_action(r->o->plugins, a->name, &cfg, call, &a->h) <
		    0) {
			lb_results_error(&r->results, "", "restore item action %s: %s", a->name,
			                 lb_call_error_message(call));
			continue;
		}
		if (a->h->m->applies_to(a->h->self, call, &sel) < 0 ||
		    lb_applies_to_parse(sel.ptr, a->name, &a->applies) < 0) {
			lb_results_error(&r->results, "",
			                 "restore item action %s: AppliesTo failed", a->name);
			lb_restore_item_action_handle_close(a->h);
			lb_buf_dispose(&sel);
			continue;
		}
		lb_buf_dispose(&sel);
		if (!strcmp(a->name, "lifeboat.io/service"))
			r->builtin_plugin = 1;
		r->nactions++;
	}
done:
	lb_strlist_dispose(&names);
	return error;
}

static int
op_progress(void *ud, lb_item_op *op, char **json_out, char *why, size_t why_size)
{
	lb_call *call = ud;
	action *a = op->handle;
	run *r = a->owner;
	lb_buf out = LB_BUF_INIT;
	int error;

	error = a->h->m->progress(a->h->self, call, op->op_id, r->restore_json, &out);
	if (error < 0) {
		snprintf(why, why_size, "%s", lb_call_error_message(call));
		lb_buf_dispose(&out);
		return error;
	}
	*json_out = strdup(out.ptr ? out.ptr : "{}");
	lb_buf_dispose(&out);
	return 0;
}

static void
op_cancel(void *ud, lb_item_op *op)
{
	lb_call *call = ud;
	action *a = op->handle;

	if (a->h->m->cancel(a->h->self, call, op->op_id, a->owner->restore_json) < 0)
		lb_log_warn("cancel operation %s of %s: %s", op->op_id, a->name,
		            lb_call_error_message(call));
}

/* Velero's WaitingForPluginOperations: every item is restored; poll the async operations
 * the actions started until they finish or time out (then they are canceled). */
static void
wait_operations(run *r, lb_call *call)
{
	lb_item_ops_wait_opts wo = {r->o->operation_poll_ms,
	                            r->o->item_operation_timeout_ms,
	                            r->o->cancel,
	                            op_progress,
	                            op_cancel,
	                            call};
	size_t i;

	rlog(r, "info", "Restore phase %s: %zu async operation(s)", "WaitingForPluginOperations",
	     r->ops.n);
	lb_item_ops_wait(&r->ops, &wo);
	for (i = 0; i < r->ops.n; i++) {
		lb_item_op *op = &r->ops.v[i];
		const char *ns = jstr(op->id, "namespace", NULL);

		if (strcmp(op->phase, LB_OP_FAILED) == 0)
			lb_results_error(
			    &r->results, ns && *ns ? ns : NULL,
			    "async operation %s of restore item action %s on %s %s%s%s: "
			    "%s",
			    op->op_id, op->action, jstr(op->id, "resource", NULL), ns ? ns : "",
			    ns && *ns ? "/" : "", jstr(op->id, "name", NULL), op->error);
		else
			rlog(r, "info", "async operation %s of %s: %s after %d progress checks",
			     op->op_id, op->action, op->phase, op->polls);
	}
	rlog(r, "info", "Restore phase %s", "Finalizing");
}

static cJSON *
make_record(run *r, time_t start)
{
	cJSON *o = cJSON_CreateObject(), *md, *spec, *st, *m;
	char ts[32];
	size_t i;

	cJSON_AddStringToObject(o, "kind", "Restore");
	cJSON_AddStringToObject(o, "apiVersion", "velero.io/v1");
	md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", r->name);
	cJSON_AddStringToObject(md, "namespace", LB_VELERO_NAMESPACE);
	lb_time_rfc3339(start, ts, sizeof(ts));
	cJSON_AddStringToObject(md, "creationTimestamp", ts);
	spec = cJSON_AddObjectToObject(o, "spec");
	cJSON_AddStringToObject(spec, "backupName", r->o->backup ? r->o->backup : "");
	if (r->o->include_namespaces)
		cJSON_AddStringToObject(spec, "includedNamespacesText", r->o->include_namespaces);
	if (r->ns_map.n) {
		m = cJSON_AddObjectToObject(spec, "namespaceMapping");
		for (i = 0; i < r->ns_map.n; i++)
			cJSON_AddStringToObject(m, r->ns_map.keys[i], r->ns_map.values[i]);
	}
	cJSON_AddStringToObject(spec, "existingResourcePolicy",
	                        r->o->existing_update ? "update" : "none");
	cJSON_AddBoolToObject(spec, "preserveNodePorts", r->o->preserve_nodeports);
	st = cJSON_AddObjectToObject(o, "status");
	cJSON_AddStringToObject(st, "phase", LB_PHASE_IN_PROGRESS);
	cJSON_AddStringToObject(st, "startTimestamp", ts);
	return o;
}

static void
put_gz(run *r, lb_call *call, const char *key, const char *text)
{
	int error;

	if ((error = lb_backup_catalog_put_gz(r->loc, call, key, text)) < 0)
		lb_log_warn("%s", lb_error_last(error));
}

static int
fetch_tarball(run *r, lb_call *call, int *fd_out)
{
	char key[1024], tmpl[4096];
	const char *tmpdir = getenv("TMPDIR");
	int fd, error;

	snprintf(tmpl, sizeof(tmpl), "%s/lifeboat-restore-XXXXXX", tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(tmpl);
	if (fd < 0)
		return lb_error_errno(errno, "temporary file %s", tmpl);
	unlink(tmpl);
	lb_layout_backup_key(key, sizeof(key), r->o->backup, ".tar.gz");
	if ((error = lb_location_get(r->loc, call, key, fd)) < 0) {
		close(fd);
		return lb_error_set(error, "download %s from storage location \"%s\": %s", key,
		                    lb_location_name(r->loc), lb_call_error_message(call));
	}
	lseek(fd, 0, SEEK_SET);
	*fd_out = fd;
	return 0;
}

int
lb_restore_run(lb_kube_client *kube,
               lb_location *loc,
               const lb_restore_opts *o,
               lb_restore_summary *out)
{
	run r;
	lb_call_opts co = LB_CALL_OPTS_INIT;
	lb_call *call = NULL;
	cJSON *record = NULL, *brec = NULL, *st;
	const char **grs = NULL;
	const char *phase;
	char key[1024], ts[32];
	time_t start = time(NULL);
	int64_t t0 = lb_now_ms();
	size_t i;
	int error = 0, fd = -1, fatal = 0;
	char *text = NULL;

	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	r.kube = kube;
	r.loc = loc;
	r.o = o;
	pthread_mutex_init(&r.mu, NULL);
	pthread_mutex_init(&r.ns_mu, NULL);
	lb_results_init(&r.results);
	lb_reslist_init(&r.reslist);
	lb_itemset_init(&r.namespaces_done);
	lb_itemset_init(&r.pvs_restored);
	lb_itemset_init(&r.classes_seen);
	lb_itemset_init(&r.restored);
	lb_item_ops_init(&r.ops);
	if (o->name && *o->name) {
		snprintf(r.name, sizeof(r.name), "%s", o->name);
	} else {
		struct tm tm;

		gmtime_r(&start, &tm);
		snprintf(r.name, sizeof(r.name), "%s-", o->backup ? o->backup : "restore");
		strftime(r.name + strlen(r.name), sizeof(r.name) - strlen(r.name), "%Y%m%d%H%M%S",
		         &tm);
	}
	if (!lb_layout_valid_name(r.name)) {
		error = lb_error_set(LB_EINVAL, "restore name \"%s\" is not a DNS-1123 subdomain",
		                     r.name);
		goto done;
	}
	co.cancel = o->cancel;
	co.location = loc;
	co.task = r.name;
	call = lb_call_new(&co);
	if ((error = lb_ns_filter_init(&r.ns, o->include_namespaces, o->exclude_namespaces)) < 0 ||
	    (error = lb_res_filter_init(&r.res, o->include_resources, o->exclude_resources)) < 0 ||
	    (error = lb_res_filter_init(&r.status_res, o->restore_status, NULL)) < 0 ||
	    (error = lb_label_selector_parse(o->selector, &r.labels)) < 0 ||
	    (error = lb_restore_parse_mappings(o->namespace_mappings, &r.map_keys, &r.map_values)) <
	        0)
		goto done;
	r.ns_map.keys = (const char *const *) r.map_keys.items;
	r.ns_map.values = (const char *const *) r.map_values.items;
	r.ns_map.n = r.map_keys.count;
	if (o->resource_modifiers && *o->resource_modifiers &&
	    (error = lb_modifiers_load(o->resource_modifiers, &r.modifiers)) < 0)
		goto done;

	if (o->tarball) {
		if ((error = lb_contents_read_file(o->tarball, NULL, &r.contents)) < 0)
			goto done;
	} else {
		const char *bphase;

		if (!o->backup || !*o->backup) {
			error = lb_error_set(LB_EINVAL, "--from-backup is required");
			goto done;
		}
		if ((error = lb_backup_catalog_get(loc, call, o->backup, &brec)) < 0)
			goto done;
		bphase = jstr(brec, "status", "phase");
		if (!bphase || (strcmp(bphase, LB_PHASE_COMPLETED) != 0 &&
		                strcmp(bphase, LB_PHASE_PARTIALLY_FAILED) != 0)) {
			error = lb_error_set(LB_EINVAL,
			                     "backup \"%s\" has phase %s: only Completed or "
			                     "PartiallyFailed backups can be restored",
			                     o->backup, bphase ? bphase : "(none)");
			goto done;
		}
		if ((error = fetch_tarball(&r, call, &fd)) < 0 ||
		    (error = lb_contents_read_fd(fd, NULL, &r.contents)) < 0)
			goto done;
	}
	if ((error = lb_kube_discover(kube, &r.disc)) < 0) {
		lb_error_set(error, "discover the target cluster: %s", lb_error_last(error));
		goto done;
	}
	record = make_record(&r, start);
	r.restore_json = cJSON_PrintUnformatted(record);
	open_actions(&r, call);
	rlog(&r, "info", "Starting restore of backup %s", o->backup ? o->backup : o->tarball);
	/* volume data (core/volume): CSI dataSource on PVCs, fs-copy files after binding */
	lb_volume_restore_begin(&(lb_volume_restore_in){kube, loc, call,
	                                                o->tarball ? NULL : o->backup, r.name,
	                                                &r.results, &r.log, &r.mu, o->plugins},
	                        &r.volume);

	grs = calloc(r.contents->ngrs + 1, sizeof(*grs));
	for (i = 0; grs && i < r.contents->ngrs; i++)
		grs[i] = r.contents->grs[i].gr;
	lb_restore_order(grs, r.contents->ngrs);
	for (i = 0; grs && i < r.contents->ngrs; i++) {
		if (o->cancel && lb_cancel_is_set(o->cancel)) {
			lb_results_error(&r.results, "", "restore canceled");
			fatal = 1;
			break;
		}
		if (lb_restore_never(grs[i]))
			continue;
		if (strcmp(grs[i], "namespaces") == 0) {
			/* Namespace objects of included namespaces, mapped */
			const lb_content_gr *g = lb_contents_find(r.contents, grs[i]);
			const lb_content_set *s = lb_contents_set(g, "");
			lb_res_names nn = {"", "namespaces", "namespace", "Namespace", NULL};
			size_t k;

			if (!lb_res_filter_match(&r.res, &nn))
				continue;
			for (k = 0; s && k < s->count; k++)
				if (lb_ns_filter_match(&r.ns, s->items[k].name)) {
					__atomic_add_fetch(&r.total, 1, __ATOMIC_RELAXED);
					ensure_namespace(&r, s->items[k].name);
				}
			continue;
		}
		restore_gr(&r, lb_contents_find(r.contents, grs[i]));
	}

	lb_volume_restore_end(r.volume); /* volume data */
	if (r.ops.n)
		wait_operations(&r, call);
	phase = fatal               ? LB_PHASE_FAILED
	        : r.results.nerrors ? LB_PHASE_PARTIALLY_FAILED
	                            : LB_PHASE_COMPLETED;
	rlog(&r, "info", "Restore finished with phase %s", phase);
	st = cJSON_GetObjectItem(record, "status");
	cJSON_ReplaceItemInObject(st, "phase", cJSON_CreateString(phase));
	lb_time_rfc3339(time(NULL), ts, sizeof(ts));
	cJSON_AddStringToObject(st, "completionTimestamp", ts);
	{
		cJSON *pr = cJSON_AddObjectToObject(st, "progress");

		cJSON_AddNumberToObject(pr, "totalItems", (double) r.total);
		cJSON_AddNumberToObject(pr, "itemsRestored", (double) (r.created + r.updated));
	}
	if (r.results.nerrors)
		cJSON_AddNumberToObject(st, "errors", (double) r.results.nerrors);
	if (r.results.nwarnings)
		cJSON_AddNumberToObject(st, "warnings", (double) r.results.nwarnings);

	if (!lb_location_read_only(loc)) {
		text = lb_reslist_print(&r.reslist);
		lb_layout_restore_key(key, sizeof(key), r.name, "-resource-list.json.gz");
		put_gz(&r, call, key, text);
		free(text);
		text = lb_results_print(&r.results);
		lb_layout_restore_key(key, sizeof(key), r.name, "-results.gz");
		put_gz(&r, call, key, text);
		free(text);
		lb_layout_restore_key(key, sizeof(key), r.name, "-itemoperations.json.gz");
		text = lb_item_ops_json(&r.ops, "restore", r.name, "");
		put_gz(&r, call, key, text ? text : "[]");
		free(text);
		pthread_mutex_lock(&r.mu);
		lb_layout_restore_key(key, sizeof(key), r.name, "-logs.gz");
		put_gz(&r, call, key, r.log.ptr ? r.log.ptr : "");
		pthread_mutex_unlock(&r.mu);
		text = cJSON_Print(record);
		snprintf(key, sizeof(key), "restores/%s/velero-restore.json", r.name);
		if (lb_location_put_bytes(loc, call, key, text, strlen(text)) < 0)
			lb_log_warn("upload %s: %s", key, lb_call_error_message(call));
	} else {
		lb_log_warn("storage location %s is ReadOnly: restore results are not stored",
		            lb_location_name(loc));
	}
	snprintf(out->name, sizeof(out->name), "%s", r.name);
	snprintf(out->phase, sizeof(out->phase), "%s", phase);
	out->total = r.total;
	out->created = r.created;
	out->updated = r.updated;
	out->skipped = r.skipped;
	out->failed = r.failed;
	out->errors = r.results.nerrors;
	out->warnings = r.results.nwarnings;
	out->duration_ms = lb_now_ms() - t0;
	out->api_ms = r.api_us / 1000;
	error = 0;
done:
	free(text);
	free(grs);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < r.nactions; i++) {
		lb_restore_item_action_handle_close(r.actions[i].h);
		lb_applies_to_dispose(&r.actions[i].applies);
	}
	free(r.actions);
	lb_reslist_dispose(&r.reslist);
	free(r.restore_json);
	cJSON_Delete(record);
	cJSON_Delete(brec);
	lb_contents_free(r.contents);
	lb_kube_discovery_free(r.disc);
	lb_modifiers_free(r.modifiers);
	lb_strlist_dispose(&r.map_keys);
	lb_strlist_dispose(&r.map_values);
	lb_label_selector_free(r.labels);
	lb_res_filter_dispose(&r.status_res);
	lb_res_filter_dispose(&r.res);
	lb_ns_filter_dispose(&r.ns);
	lb_itemset_dispose(&r.namespaces_done);
	lb_itemset_dispose(&r.pvs_restored);
	lb_itemset_dispose(&r.classes_seen);
	lb_itemset_dispose(&r.restored);
	lb_item_ops_dispose(&r.ops);
	lb_results_dispose(&r.results);
	lb_buf_dispose(&r.log);
	pthread_mutex_destroy(&r.mu);
	pthread_mutex_destroy(&r.ns_mu);
	lb_call_free(call);
	return error;
}
