/* The backup runner. One list task per (resource, version[, namespace]); workers take tasks
 * and, for each listed item, run the applicable item actions, write the item's tarball
 * entries and record it in the resource list. */
#include "backup.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "applies_to.h"
#include "archive/archive.h"
#include "catalog.h"
#include "itemset.h"
#include "layout.h"
#include "operations.h"
#include "record.h"
#include "reslist.h"
#include "results.h"
#include "runlog.h"
#include "util/error.h"
#include "util/log.h"
#include "util/time.h"
#include "volume/volume.h" /* volume data */

typedef struct task {
	const lb_kube_resource *res;
	lb_kube_gvr gvr;
	char gr[256];
	char api_version[128];
	const char *ns;          /* NULL: all namespaces / cluster */
	const char *version_dir; /* NULL: preferred version */
	char preferred_dir[96];
} task;

typedef struct run run;

typedef struct action {
	run *owner;
	lb_backup_item_action_handle *h;
	char name[128];
	lb_applies_to applies;
} action;

struct run {
	lb_kube_client *kube;
	lb_location *loc;
	const lb_backup_opts *o;
	lb_kube_discovery *disc;
	lb_ns_filter ns;
	lb_res_filter res;
	lb_label_selector *labels;
	lb_strlist namespaces; /* included namespaces, when not all */
	task *tasks;
	size_t ntasks, next_task;
	action *actions;
	size_t nactions;
	lb_itemset seen;
	lb_archive_writer *tar;
	lb_results results;
	pthread_mutex_t mu; /* log */
	lb_buf log;
	lb_reslist reslist;
	uint64_t items, copies, listed;
	int64_t list_us;
	char *backup_json;   /* the record as given to item actions */
	char *finalize_json; /* the same in phase Finalizing */
	int fatal;
	pthread_mutex_t rbac_mu; /* bindings, listed once on the first service account */
	cJSON *bindings;         /* [rolebindings..., clusterrolebindings...] with "gr" added */
	lb_item_ops ops;         /* async operations the actions started */
};

static void blog(run *r, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
blog(run *r, const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_runlog_vadd(&r->log, &r->mu, "backup", r->o->name, level, fmt, ap);
	va_end(ap);
}

static void
names_of(const lb_kube_resource *res, lb_res_names *n)
{
	n->group = res->group;
	n->plural = res->name;
	n->singular = res->singular_name;
	n->kind = res->kind;
	n->short_names = res->short_names;
}

static void
reslist_add(run *r, const char *api_version, const char *kind, const char *ns, const char *name)
{
	char val[600];

	if (ns && *ns)
		snprintf(val, sizeof(val), "%s/%s", ns, name);
	else
		snprintf(val, sizeof(val), "%s", name);
	lb_reslist_add(&r->reslist, api_version, kind, val);
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
set_str(cJSON *o, const char *key, const char *v)
{
	cJSON *old = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(old))
		return;
	if (old)
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddStringToObject(o, key, v);
}

static int process_item(run *r, lb_call *call, const task *t, cJSON *item, int additional);

/* Back up an item an action asked for ({"group","resource","namespace","name"}). */
static void
backup_additional(run *r, lb_call *call, const cJSON *id, int depth)
{
	const char *group = jstr(id, "group", NULL), *resource = jstr(id, "resource", NULL);
	const char *ns = jstr(id, "namespace", NULL), *name = jstr(id, "name", NULL);
	const lb_kube_resource *res;
	lb_res_names names;
	task t;
	cJSON *obj = NULL;
	int error;

	if (!resource || !name || depth > 8)
		return;
	if (!group)
		group = "";
	res = lb_kube_discovery_find(r->disc, group, resource);
	if (!res) {
		lb_results_warning(&r->results, ns && *ns ? ns : NULL,
		                   "additional item %s.%s %s/%s: the cluster does not serve this "
		                   "resource",
		                   resource, group, ns ? ns : "", name);
		return;
	}
	names_of(res, &names);
	{
		/* additional items follow only the exclude list (Velero backs up the PV of a
		 * PVC even when cluster-scoped resources are otherwise left out) */
		lb_res_filter ex = {LB_STRLIST_INIT, r->res.exclude};

		if (!lb_res_filter_match(&ex, &names))
			return;
	}
	if (!res->namespaced && r->o->cluster == LB_CLUSTER_FALSE)
		return;
	memset(&t, 0, sizeof(t));
	t.res = res;
	t.gvr = lb_kube_gvr_of(res);
	lb_layout_gr(t.gr, sizeof(t.gr), res->group, res->name);
	snprintf(t.api_version, sizeof(t.api_version), "%s%s%s", res->group, *res->group ? "/" : "",
	         res->version);
	snprintf(t.preferred_dir, sizeof(t.preferred_dir), "%s%s", res->version,
	         LB_PREFERRED_SUFFIX);
	error = lb_kube_get(r->kube, &t.gvr, res->namespaced ? ns : NULL, name, NULL, &obj);
	if (error == LB_ENOTFOUND) {
		blog(r, "info", "additional item %s %s/%s no longer exists", t.gr, ns ? ns : "",
		     name);
		return;
	}
	if (error < 0) {
		lb_results_error(&r->results, res->namespaced ? ns : NULL,
		                 "get additional item %s %s/%s: %s", t.gr, ns ? ns : "", name,
		                 lb_error_last(error));
		return;
	}
	process_item(r, call, &t, obj, depth + 1);
	cJSON_Delete(obj);
}

static int
collect_binding(const cJSON *item, void *ud)
{
	cJSON_AddItemToArray(ud, cJSON_Duplicate(item, 1));
	return 0;
}

/* Velero's velero.io/service-account action: a service account brings the RoleBindings
 * and ClusterRoleBindings that name it (and, through them, nothing else: roles follow
 * the normal rules). The bindings are listed once per backup. */
static void
backup_sa_bindings(run *r, lb_call *call, const char *ns, const char *name, int depth)
{
	static const char *const kinds[] = {"rolebindings", "clusterrolebindings"};
	const cJSON *b, *s;
	size_t k;

	pthread_mutex_lock(&r->rbac_mu);
	if (!r->bindings) {
		r->bindings = cJSON_CreateArray();
		for (k = 0; k < 2; k++) {
			const lb_kube_resource *res =
			    lb_kube_discovery_find(r->disc, "rbac.authorization.k8s.io", kinds[k]);
			lb_kube_gvr gvr;
			cJSON *list = cJSON_CreateArray(), *it;

			if (!res)
				continue;
			gvr = lb_kube_gvr_of(res);
			lb_kube_list(r->kube, &gvr, NULL, NULL, collect_binding, list, NULL);
			cJSON_ArrayForEach(it, list)
			    cJSON_AddStringToObject(it, "lifeboat.gr", kinds[k]);
			while (cJSON_GetArraySize(list))
				cJSON_AddItemToArray(r->bindings,
				                     cJSON_DetachItemFromArray(list, 0));
			cJSON_Delete(list);
		}
	}
	pthread_mutex_unlock(&r->rbac_mu);
	cJSON_ArrayForEach(b, r->bindings)
	{
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(b, "subjects"))
		{
			const char *kind = jstr(s, "kind", NULL), *sn = jstr(s, "name", NULL);
			const char *sns = jstr(s, "namespace", NULL);
			cJSON *id;

			if (!kind || strcmp(kind, "ServiceAccount") != 0 || !sn || !sns ||
			    strcmp(sn, name) != 0 || strcmp(sns, ns) != 0)
				continue;
			id = cJSON_CreateObject();
			cJSON_AddStringToObject(id, "group", "rbac.authorization.k8s.io");
			cJSON_AddStringToObject(id, "resource", jstr(b, "lifeboat.gr", NULL));
			cJSON_AddStringToObject(id, "namespace",
			                        jstr(b, "metadata", "namespace")
			                            ? jstr(b, "metadata", "namespace")
			                            : "");
			cJSON_AddStringToObject(id, "name", jstr(b, "metadata", "name"));
			backup_additional(r, call, id, depth);
			cJSON_Delete(id);
			break;
		}
	}
}

/* @finalize: the item is backed up again after its operations (Velero's Finalizing): the
 * actions see the backup in phase Finalizing and must not start operations. */
static int
run_actions(
    run *r, lb_call *call, const task *t, cJSON **itemp, cJSON **additional_out, int finalize)
{
	lb_res_names names;
	char nsbuf[256];
	const char *ns = jstr(*itemp, "metadata", "namespace");
	size_t i;

	/* a copy: an action's updatedItem replaces the object ns pointed into */
	if (ns) {
		snprintf(nsbuf, sizeof(nsbuf), "%s", ns);
		ns = nsbuf;
	}
	names_of(t->res, &names);
	for (i = 0; i < r->nactions; i++) {
		action *a = &r->actions[i];
		lb_buf out = LB_BUF_INIT;
		char *in;
		cJSON *o, *upd, *add, *it;
		const char *opid;
		int error;

		if (!lb_applies_to_match(
		        &a->applies, &names, t->res->namespaced ? ns : NULL,
		        cJSON_GetObjectItemCaseSensitive(
		            cJSON_GetObjectItemCaseSensitive(*itemp, "metadata"), "labels")))
			continue;
		in = cJSON_PrintUnformatted(*itemp);
		error = a->h->m->execute(a->h->self, call, in,
		                         finalize ? r->finalize_json : r->backup_json, &out);
		free(in);
		if (error < 0) {
			lb_results_error(&r->results, t->res->namespaced ? ns : NULL,
			                 "backup item action %s on %s %s/%s: %s", a->name, t->gr,
			                 ns ? ns : "", jstr(*itemp, "metadata", "name"),
			                 lb_call_error_message(call));
			lb_buf_dispose(&out);
			return error;
		}
		o = cJSON_Parse(out.ptr ? out.ptr : "{}");
		lb_buf_dispose(&out);
		if (!o)
			continue;
		upd = cJSON_DetachItemFromObjectCaseSensitive(o, "updatedItem");
		if (cJSON_IsObject(upd)) {
			cJSON_Delete(*itemp);
			*itemp = upd;
		} else {
			cJSON_Delete(upd);
		}
		add = cJSON_GetObjectItemCaseSensitive(o, "additionalItems");
		cJSON_ArrayForEach(it, add)
		    cJSON_AddItemToArray(*additional_out, cJSON_Duplicate(it, 1));
		opid = jstr(o, "operationID", NULL);
		if (opid && *opid && finalize) {
			lb_results_warning(&r->results, t->res->namespaced ? ns : NULL,
			                   "backup item action %s started operation %s on %s %s/%s "
			                   "while finalizing; it is ignored",
			                   a->name, opid, t->gr, ns ? ns : "",
			                   jstr(*itemp, "metadata", "name"));
		} else if (opid && *opid) {
			/* an async operation (BackupItemAction v2): polled after all items */
			cJSON *id = cJSON_CreateObject();

			cJSON_AddStringToObject(id, "group", t->res->group);
			cJSON_AddStringToObject(id, "resource", t->res->name);
			cJSON_AddStringToObject(id, "namespace", ns ? ns : "");
			cJSON_AddStringToObject(id, "name", jstr(*itemp, "metadata", "name"));
			lb_item_ops_add(&r->ops, a->name, a, opid, id,
			                cJSON_GetObjectItemCaseSensitive(o, "postOperationItems"));
			blog(r, "info",
			     "backup item action %s on %s %s/%s started async operation %s",
			     a->name, t->gr, ns ? ns : "", jstr(*itemp, "metadata", "name"), opid);
			cJSON_Delete(id);
		}
		cJSON_Delete(o);
	}
	return 0;
}

/* @additional: 0 for listed items, depth+1 for items actions asked for. Takes nothing:
 * @item stays the caller's. */
static int
process_item(run *r, lb_call *call, const task *t, cJSON *listed, int additional)
{
	const char *name, *ns;
	char key[1024], path[1200];
	cJSON *item = NULL, *more = NULL, *it;
	char *text = NULL;
	int error = 0;

	name = jstr(listed, "metadata", "name");
	ns = t->res->namespaced ? jstr(listed, "metadata", "namespace") : NULL;
	if (!name)
		return 0;
	if (t->res->namespaced && (!ns || !lb_ns_filter_match(&r->ns, ns)))
		return 0;
	if (!additional && !t->version_dir && strcmp(t->gr, "namespaces") == 0 &&
	    !lb_ns_filter_match(&r->ns, name))
		return 0;
	if (!additional && strcmp(t->gr, "namespaces") != 0 &&
	    !lb_label_selector_match(
	        r->labels, cJSON_GetObjectItemCaseSensitive(
	                       cJSON_GetObjectItemCaseSensitive(listed, "metadata"), "labels")))
		return 0;
	snprintf(key, sizeof(key), "%s|%s|%s|%s", t->gr, t->version_dir ? t->version_dir : "",
	         ns ? ns : "", name);
	if (!lb_itemset_add(&r->seen, key))
		return 0;

	item = cJSON_Duplicate(listed, 1);
	more = cJSON_CreateArray();
	if (!item || !more) {
		error = LB_ENOMEM;
		goto done;
	}
	set_str(item, "apiVersion", t->api_version);
	set_str(item, "kind", t->res->kind);

	if (!t->version_dir && r->nactions &&
	    (error = run_actions(r, call, t, &item, &more, 0)) < 0) {
		error = 0; /* recorded in results; the item is not backed up (as Velero) */
		goto done;
	}
	text = cJSON_PrintUnformatted(item);
	if (!text) {
		error = LB_ENOMEM;
		goto done;
	}
	if (t->version_dir) {
		if ((error = lb_layout_item_path(path, sizeof(path), t->gr, t->version_dir, ns,
		                                 name)) < 0 ||
		    (error = lb_archive_writer_add(r->tar, path, text, strlen(text))) < 0)
			goto fail;
		__atomic_add_fetch(&r->copies, 1, __ATOMIC_RELAXED);
		goto done;
	}
	if ((error = lb_layout_item_path(path, sizeof(path), t->gr, NULL, ns, name)) < 0 ||
	    (error = lb_archive_writer_add(r->tar, path, text, strlen(text))) < 0 ||
	    (error = lb_layout_item_path(path, sizeof(path), t->gr, t->preferred_dir, ns, name)) <
	        0 ||
	    (error = lb_archive_writer_add(r->tar, path, text, strlen(text))) < 0)
		goto fail;
	__atomic_add_fetch(&r->copies, 2, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->items, 1, __ATOMIC_RELAXED);
	reslist_add(r, t->api_version, t->res->kind, ns, name);
	cJSON_ArrayForEach(it, more) backup_additional(r, call, it, additional);
	if (strcmp(t->gr, "serviceaccounts") == 0 && ns && r->o->cluster != LB_CLUSTER_FALSE)
		backup_sa_bindings(r, call, ns, name, additional);
	goto done;
fail:
	lb_results_error(&r->results, ns, "write %s %s/%s into the tarball: %s", t->gr,
	                 ns ? ns : "", name, lb_error_last(error));
	r->fatal = error;
done:
	free(text);
	cJSON_Delete(item);
	cJSON_Delete(more);
	return error;
}

typedef struct list_ctx {
	run *r;
	lb_call *call;
	const task *t;
} list_ctx;

static int
on_item(const cJSON *item, void *ud)
{
	list_ctx *c = ud;
	uint64_t n;

	if (c->r->fatal || (c->r->o->cancel && lb_cancel_is_set(c->r->o->cancel)))
		return LB_ECANCELED;
	n = __atomic_add_fetch(&c->r->listed, 1, __ATOMIC_RELAXED);
	process_item(c->r, c->call, c->t, (cJSON *) item, 0);
	if (c->r->o->progress && n % 1000 == 0)
		c->r->o->progress(c->r->o->progress_ud,
		                  __atomic_load_n(&c->r->items, __ATOMIC_RELAXED), n);
	return 0;
}

static void *
worker(void *arg)
{
	run *r = arg;
	lb_call_opts co = LB_CALL_OPTS_INIT;
	lb_call *call;

	co.cancel = r->o->cancel;
	co.location = r->loc;
	co.task = r->o->name;
	call = lb_call_new(&co);
	for (;;) {
		size_t i = __atomic_fetch_add(&r->next_task, 1, __ATOMIC_RELAXED);
		list_ctx c;
		const task *t;
		int64_t t0;
		int error;

		if (i >= r->ntasks || r->fatal)
			break;
		t = &r->tasks[i];
		c.r = r;
		c.call = call;
		c.t = t;
		t0 = lb_now_us();
		error = lb_kube_list(r->kube, &t->gvr, t->ns, NULL, on_item, &c, NULL);
		__atomic_add_fetch(&r->list_us, lb_now_us() - t0, __ATOMIC_RELAXED);
		if (error == LB_ECANCELED && r->o->cancel && lb_cancel_is_set(r->o->cancel))
			break;
		if (error < 0 && !r->fatal) {
			if (t->version_dir)
				lb_results_warning(&r->results,
				                   t->res->namespaced && t->ns ? t->ns : NULL,
				                   "list %s in version %s: %s", t->gr,
				                   t->version_dir, lb_error_last(error));
			else
				lb_results_error(
				    &r->results, t->res->namespaced && t->ns ? t->ns : NULL,
				    "list %s%s%s: %s", t->gr, t->ns ? " in namespace " : "",
				    t->ns ? t->ns : "", lb_error_last(error));
			blog(r, "error", "list %s: %s", t->gr, lb_error_last(error));
		}
		if (r->o->progress)
			r->o->progress(r->o->progress_ud,
			               __atomic_load_n(&r->items, __ATOMIC_RELAXED),
			               __atomic_load_n(&r->listed, __ATOMIC_RELAXED));
	}
	lb_call_free(call);
	return NULL;
}

static int
add_task(run *r, const lb_kube_resource *res, const char *ns, const char *version_dir)
{
	task *n = realloc(r->tasks, (r->ntasks + 1) * sizeof(*n));
	task *t;

	if (!n)
		return LB_ENOMEM;
	r->tasks = n;
	t = &n[r->ntasks++];
	memset(t, 0, sizeof(*t));
	t->res = res;
	t->gvr = lb_kube_gvr_of(res);
	t->ns = ns;
	t->version_dir = version_dir;
	lb_layout_gr(t->gr, sizeof(t->gr), res->group, res->name);
	snprintf(t->api_version, sizeof(t->api_version), "%s%s%s", res->group,
	         *res->group ? "/" : "", res->version);
	snprintf(t->preferred_dir, sizeof(t->preferred_dir), "%s%s", res->version,
	         LB_PREFERRED_SUFFIX);
	return 0;
}

static int
collect_namespaces(const cJSON *item, void *ud)
{
	run *r = ud;
	const char *name = jstr(item, "metadata", "name");

	if (name && lb_ns_filter_match(&r->ns, name))
		lb_strlist_add(&r->namespaces, name);
	return 0;
}

static int
plan(run *r)
{
	size_t gi, vi, ri, k;
	int error;

	if (!lb_ns_filter_includes_all(&r->ns)) {
		lb_kube_gvr nsg = {"", "v1", "namespaces", 0};

		if ((error = lb_kube_list(r->kube, &nsg, NULL, NULL, collect_namespaces, r, NULL)) <
		    0)
			return lb_error_set(error, "list namespaces: %s", lb_error_last(error));
		lb_strlist_sort(&r->namespaces);
	}
	for (gi = 0; gi < r->disc->group_count; gi++) {
		const lb_kube_group *g = &r->disc->groups[gi];
		const lb_kube_group_version *pv = NULL;

		for (vi = 0; vi < g->version_count; vi++)
			if (strcmp(g->versions[vi].version, g->preferred_version) == 0)
				pv = &g->versions[vi];
		if (!pv)
			continue;
		for (ri = 0; ri < pv->resource_count; ri++) {
			const lb_kube_resource *res = &pv->resources[ri];
			lb_res_names names;
			int is_ns;

			if (strchr(res->name, '/') || !lb_kube_resource_supports(res, "list"))
				continue;
			names_of(res, &names);
			is_ns = strcmp(res->name, "namespaces") == 0 && !*res->group;
			if (is_ns) {
				if (!lb_res_filter_match(&r->res, &names))
					continue;
			} else if (!res->namespaced) {
				if (!lb_cluster_scoped_included(r->o->cluster, &r->ns, &r->res,
				                                &names))
					continue;
			} else if (!lb_res_filter_match(&r->res, &names)) {
				continue;
			}
			/* the preferred version, then every other version serving it */
			for (vi = 0; vi <= g->version_count; vi++) {
				const lb_kube_resource *vres = res;
				const char *vdir = NULL;

				if (vi < g->version_count) {
					const lb_kube_group_version *v = &g->versions[vi];

					if (v == pv || r->o->preferred_only)
						continue;
					vres = lb_kube_discovery_find_version(
					    r->disc, g->name, v->version, res->name);
					if (!vres || !lb_kube_resource_supports(vres, "list"))
						continue;
					vdir = v->version;
				}
				if (!res->namespaced || lb_ns_filter_includes_all(&r->ns)) {
					if ((error = add_task(r, vres, NULL, vdir)) < 0)
						return error;
					continue;
				}
				for (k = 0; k < r->namespaces.count; k++)
					if ((error = add_task(r, vres, r->namespaces.items[k],
					                      vdir)) < 0)
						return error;
			}
		}
	}
	return 0;
}

/* Velero adds the CRD of every custom resource it backs up, even when cluster-scoped
 * resources are otherwise left out. */
static void
add_crds(run *r, lb_call *call)
{
	const lb_kube_resource *crd =
	    lb_kube_discovery_find(r->disc, "apiextensions.k8s.io", "customresourcedefinitions");
	size_t i;
	task t;

	if (!crd || r->o->cluster == LB_CLUSTER_FALSE)
		return;
	memset(&t, 0, sizeof(t));
	t.res = crd;
	t.gvr = lb_kube_gvr_of(crd);
	lb_layout_gr(t.gr, sizeof(t.gr), crd->group, crd->name);
	snprintf(t.api_version, sizeof(t.api_version), "%s/%s", crd->group, crd->version);
	snprintf(t.preferred_dir, sizeof(t.preferred_dir), "%s%s", crd->version,
	         LB_PREFERRED_SUFFIX);
	for (i = 0; i < r->reslist.n; i++) {
		char group[256], *slash;
		const lb_kube_resource *res;
		cJSON *obj = NULL;

		snprintf(group, sizeof(group), "%s", r->reslist.v[i].key);
		slash = strchr(group, '/');
		if (!slash || !strchr(group, '.'))
			continue;
		*slash = '\0';
		{
			char *ver = slash + 1, *kslash = strchr(ver, '/'), av[300];

			if (!kslash)
				continue;
			*kslash = '\0';
			snprintf(av, sizeof(av), "%s/%s", group, ver);
			res = lb_kube_discovery_find_kind(r->disc, av, kslash + 1);
		}
		if (!res)
			continue;
		{
			char name[512];

			snprintf(name, sizeof(name), "%s.%s", res->name, res->group);
			if (lb_kube_get(r->kube, &t.gvr, NULL, name, NULL, &obj) == 0) {
				process_item(r, call, &t, obj, 1);
				cJSON_Delete(obj);
			}
		}
	}
}

static int
open_actions(run *r, lb_call *call)
{
	lb_strlist names = LB_STRLIST_INIT;
	size_t i;
	int error = 0;

	if (!r->o->plugins)
		return 0;
	if ((error = lb_plugins_list_impls(r->o->plugins, LB_KIND_BACKUP_ITEM_ACTION, &names)) < 0)
		goto done;
	r->actions = calloc(names.count ? names.count : 1, sizeof(*r->actions));
	if (!r->actions) {
		error = LB_ENOMEM;
		goto done;
	}
	for (i = 0; i < names.count; i++) {
		action *a = &r->actions[r->nactions];
		lb_buf sel = LB_BUF_INIT;

		snprintf(a->name, sizeof(a->name), "%s", names.items[i]);
		a->owner = r;
		if (lb_plugins_open_backup_item_action(r->o->plugins, a->name, NULL, call, &a->h) <
		    0) {
			lb_results_error(&r->results, "", "backup item action %s: %s", a->name,
			                 lb_call_error_message(call));
			continue;
		}
		/* AppliesTo once per backup */
		if (a->h->m->applies_to(a->h->self, call, &sel) < 0 ||
		    lb_applies_to_parse(sel.ptr, a->name, &a->applies) < 0) {
			lb_results_error(&r->results, "", "backup item action %s: AppliesTo: %s",
			                 a->name,
			                 *lb_call_error_message(call) ? lb_call_error_message(call)
			                                              : lb_error_last(LB_ERROR));
			lb_backup_item_action_handle_close(a->h);
			lb_buf_dispose(&sel);
			continue;
		}
		lb_buf_dispose(&sel);
		r->nactions++;
		blog(r, "info", "backup item action %s applies", a->name);
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
	lb_buf out = LB_BUF_INIT;
	int error;

	error = a->h->m->progress(a->h->self, call, op->op_id, a->owner->backup_json, &out);
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

	if (a->h->m->cancel(a->h->self, call, op->op_id, a->owner->backup_json) < 0)
		lb_log_warn("cancel operation %s of %s: %s", op->op_id, a->name,
		            lb_call_error_message(call));
}

/* Velero's WaitingForPluginOperations: poll the async operations until all are done or
 * timed out (canceled); each failure is an error of the backup. */
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

	blog(r, "info", "Backup phase %s: %zu async operation(s)", "WaitingForPluginOperations",
	     r->ops.n);
	lb_item_ops_wait(&r->ops, &wo);
	for (i = 0; i < r->ops.n; i++) {
		lb_item_op *op = &r->ops.v[i];
		const char *ns = jstr(op->id, "namespace", NULL);

		if (strcmp(op->phase, LB_OP_FAILED) == 0)
			lb_results_error(
			    &r->results, ns && *ns ? ns : NULL,
			    "async operation %s of backup item action %s on %s %s%s%s: "
			    "%s",
			    op->op_id, op->action, jstr(op->id, "resource", NULL), ns ? ns : "",
			    ns && *ns ? "/" : "", jstr(op->id, "name", NULL), op->error);
		else
			blog(r, "info", "async operation %s of %s: %s after %d progress checks",
			     op->op_id, op->action, op->phase, op->polls);
	}
}

/* One tarball entry that replaces (or joins) the written ones. */
typedef struct final_entry {
	char path[1200];
	char *text;
	int written;
} final_entry;

typedef struct finalize_ctx {
	lb_archive_writer *w;
	final_entry *e;
	size_t n;
	int error;
} finalize_ctx;

static int
copy_entry(const char *path, const char *data, size_t len, void *ud)
{
	finalize_ctx *c = ud;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].path, path) == 0) {
			c->e[i].written = 1;
			return lb_archive_writer_add(c->w, path, c->e[i].text,
			                             strlen(c->e[i].text));
		}
	return lb_archive_writer_add(c->w, path, data, len);
}

/* Velero's Finalizing: the postOperationItems of the operations are read again from the
 * cluster (no actions run: they are done) and replace their entries in the tarball, which
 * is copied once into @fd_new. */
static int
finalize_tarball(run *r, lb_call *call, int fd, int fd_new)
{
	finalize_ctx c;
	size_t i, cap = 0;
	int error = 0;

	memset(&c, 0, sizeof(c));
	blog(r, "info", "Backup phase %s", "Finalizing");
	{
		cJSON *rec = cJSON_Parse(r->backup_json);

		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(rec, "status"), "phase",
		                          cJSON_CreateString("Finalizing"));
		r->finalize_json = cJSON_PrintUnformatted(rec);
		cJSON_Delete(rec);
	}
	for (i = 0; i < r->ops.n; i++) {
		const cJSON *id;

		cJSON_ArrayForEach(id, r->ops.v[i].post)
		{
			const char *group = jstr(id, "group", NULL), *name = jstr(id, "name", NULL);
			const char *ns = jstr(id, "namespace", NULL);
			const lb_kube_resource *res = lb_kube_discovery_find(
			    r->disc, group ? group : "",
			    jstr(id, "resource", NULL) ? jstr(id, "resource", NULL) : "");
			lb_kube_gvr gvr;
			char gr[256], av[128], pref[96];
			cJSON *obj = NULL;
			char *text;
			int k;

			if (!res || !name) {
				lb_results_warning(
				    &r->results, ns && *ns ? ns : NULL,
				    "post-operation item %s %s%s%s of operation %s: "
				    "the cluster does not serve this resource",
				    jstr(id, "resource", NULL) ? jstr(id, "resource", NULL) : "?",
				    ns ? ns : "", ns && *ns ? "/" : "", name ? name : "?",
				    r->ops.v[i].op_id);
				continue;
			}
			if (!res->namespaced)
				ns = NULL;
			gvr = lb_kube_gvr_of(res);
			if ((error = lb_kube_get(r->kube, &gvr, ns, name, NULL, &obj)) < 0) {
				lb_results_error(
				    &r->results, ns,
				    "post-operation item %s %s%s%s of operation %s: %s", res->name,
				    ns ? ns : "", ns ? "/" : "", name, r->ops.v[i].op_id,
				    lb_error_last(error));
				error = 0;
				continue;
			}
			lb_layout_gr(gr, sizeof(gr), res->group, res->name);
			snprintf(av, sizeof(av), "%s%s%s", res->group, *res->group ? "/" : "",
			         res->version);
			snprintf(pref, sizeof(pref), "%s%s", res->version, LB_PREFERRED_SUFFIX);
			set_str(obj, "apiVersion", av);
			set_str(obj, "kind", res->kind);
			if (r->nactions) {
				task t;
				cJSON *more = cJSON_CreateArray();

				memset(&t, 0, sizeof(t));
				t.res = res;
				t.gvr = gvr;
				snprintf(t.gr, sizeof(t.gr), "%s", gr);
				snprintf(t.api_version, sizeof(t.api_version), "%s", av);
				run_actions(r, call, &t, &obj, &more,
				            1); /* errors are in results */
				cJSON_Delete(more);
			}
			text = cJSON_PrintUnformatted(obj);
			cJSON_Delete(obj);
			for (k = 0; text && k < 2; k++) {
				final_entry *e;

				if (c.n == cap) {
					final_entry *ne =
					    realloc(c.e, (cap = cap ? cap * 2 : 8) * sizeof(*ne));

					if (!ne)
						break;
					c.e = ne;
				}
				e = &c.e[c.n];
				memset(e, 0, sizeof(*e));
				if (lb_layout_item_path(e->path, sizeof(e->path), gr,
				                        k ? pref : NULL, ns, name) < 0 ||
				    !(e->text = strdup(text)))
					continue;
				c.n++;
			}
			free(text);
			{
				char key[1024];

				snprintf(key, sizeof(key), "%s||%s|%s", gr, ns ? ns : "", name);
				if (lb_itemset_add(&r->seen, key)) { /* new in this backup */
					reslist_add(r, av, res->kind, ns, name);
					__atomic_add_fetch(&r->items, 1, __ATOMIC_RELAXED);
				}
			}
			blog(r, "info", "post-operation item %s %s%s%s backed up again", gr,
			     ns ? ns : "", ns ? "/" : "", name);
		}
	}
	if ((error = lb_archive_writer_open_fd(fd_new, &c.w)) < 0)
		goto done;
	lseek(fd, 0, SEEK_SET);
	if ((error = lb_archive_read_fd(fd, NULL, copy_entry, &c)) < 0)
		goto done;
	for (i = 0; i < c.n; i++)
		if (!c.e[i].written && (error = lb_archive_writer_add(c.w, c.e[i].path, c.e[i].text,
		                                                      strlen(c.e[i].text))) < 0)
			goto done;
	error = lb_archive_writer_finish(c.w);
done:
	if (error < 0)
		lb_results_error(&r->results, "", "finalize the tarball: %s", lb_error_last(error));
	lb_archive_writer_free(c.w);
	for (i = 0; i < c.n; i++)
		free(c.e[i].text);
	free(c.e);
	return error;
}

static int
has_post_items(run *r)
{
	size_t i;

	for (i = 0; i < r->ops.n; i++)
		if (r->ops.v[i].post)
			return 1;
	return 0;
}

static void
add_csv_array(cJSON *spec, const char *key, const char *csv, const char *dflt)
{
	lb_strlist l = LB_STRLIST_INIT;
	cJSON *a;
	size_t i;

	lb_csv_split(csv, &l);
	if (!l.count && !dflt)
		return;
	a = cJSON_AddArrayToObject(spec, key);
	if (!l.count)
		cJSON_AddItemToArray(a, cJSON_CreateString(dflt));
	for (i = 0; i < l.count; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(l.items[i]));
	lb_strlist_dispose(&l);
}

static cJSON *
make_record(run *r, const char *uid, time_t start, cJSON *version)
{
	cJSON *b = cJSON_CreateObject(), *md, *spec, *st, *lab, *ann;
	char ts[32], ttl[64];
	int64_t ttl_ms = r->o->ttl_ms > 0 ? r->o->ttl_ms : LB_DEFAULT_TTL_MS;

	cJSON_AddStringToObject(b, "kind", "Backup");
	cJSON_AddStringToObject(b, "apiVersion", "velero.io/v1");
	md = cJSON_AddObjectToObject(b, "metadata");
	cJSON_AddStringToObject(md, "name", r->o->name);
	cJSON_AddStringToObject(md, "namespace", LB_VELERO_NAMESPACE);
	cJSON_AddStringToObject(md, "uid", uid);
	lb_time_rfc3339(start, ts, sizeof(ts));
	cJSON_AddStringToObject(md, "creationTimestamp", ts);
	lab = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(lab, "velero.io/storage-location", lb_location_name(r->loc));
	ann = cJSON_AddObjectToObject(md, "annotations");
	if (version) {
		const char *gv = cJSON_GetStringValue(cJSON_GetObjectItem(version, "gitVersion"));
		const char *maj = cJSON_GetStringValue(cJSON_GetObjectItem(version, "major"));
		const char *min = cJSON_GetStringValue(cJSON_GetObjectItem(version, "minor"));

		if (gv)
			cJSON_AddStringToObject(ann, "velero.io/source-cluster-k8s-gitversion", gv);
		if (maj)
			cJSON_AddStringToObject(ann, "velero.io/source-cluster-k8s-major-version",
			                        maj);
		if (min)
			cJSON_AddStringToObject(ann, "velero.io/source-cluster-k8s-minor-version",
			                        min);
	}
	cJSON_AddStringToObject(ann, "velero.io/resource-timeout", "10m0s");
	cJSON_AddStringToObject(ann, "lifeboat.io/created-by", "lifeboat");

	spec = cJSON_AddObjectToObject(b, "spec");
	cJSON_AddObjectToObject(spec, "metadata");
	add_csv_array(spec, "includedNamespaces", r->o->include_namespaces, "*");
	add_csv_array(spec, "excludedNamespaces", r->o->exclude_namespaces, NULL);
	add_csv_array(spec, "includedResources", r->o->include_resources, NULL);
	add_csv_array(spec, "excludedResources", r->o->exclude_resources, NULL);
	if (!lb_label_selector_empty(r->labels))
		cJSON_AddItemToObject(spec, "labelSelector", lb_label_selector_to_json(r->labels));
	if (r->o->cluster == LB_CLUSTER_TRUE)
		cJSON_AddTrueToObject(spec, "includeClusterResources");
	else if (r->o->cluster == LB_CLUSTER_FALSE)
		cJSON_AddFalseToObject(spec, "includeClusterResources");
	lb_duration_format(ttl_ms, ttl, sizeof(ttl));
	cJSON_AddStringToObject(spec, "ttl", ttl);
	cJSON_AddStringToObject(spec, "storageLocation", lb_location_name(r->loc));
	cJSON_AddArrayToObject(spec, "volumeSnapshotLocations");
	cJSON_AddObjectToObject(spec, "hooks");
	cJSON_AddFalseToObject(spec, "defaultVolumesToFsBackup");
	cJSON_AddStringToObject(spec, "csiSnapshotTimeout", "10m0s");
	cJSON_AddStringToObject(spec, "itemOperationTimeout", "4h0m0s");

	st = cJSON_AddObjectToObject(b, "status");
	cJSON_AddNumberToObject(st, "version", 1);
	cJSON_AddStringToObject(st, "formatVersion", LB_BACKUP_FORMAT_VERSION);
	lb_time_rfc3339(start + (time_t) (ttl_ms / 1000), ts, sizeof(ts));
	cJSON_AddStringToObject(st, "expiration", ts);
	cJSON_AddStringToObject(st, "phase", LB_PHASE_IN_PROGRESS);
	lb_time_rfc3339(start, ts, sizeof(ts));
	cJSON_AddStringToObject(st, "startTimestamp", ts);
	return b;
}

static int
put_gz(run *r, lb_call *call, const char *suffix, const char *text)
{
	char key[1024];
	int error;

	if ((error = lb_layout_backup_key(key, sizeof(key), r->o->name, suffix)) < 0)
		return error;
	return lb_backup_catalog_put_gz(r->loc, call, key, text);
}

int
lb_backup_run(lb_kube_client *kube,
              lb_location *loc,
              const lb_backup_opts *o,
              lb_backup_summary *out)
{
	run r;
	lb_call_opts co = LB_CALL_OPTS_INIT;
	lb_call *call = NULL;
	cJSON *record = NULL, *version = NULL, *st;
	char uid[37], key[1024], ts[32], tmpl[4096];
	const char *tmpdir = getenv("TMPDIR"), *phase;
	pthread_t *threads = NULL;
	int64_t t0 = lb_now_ms();
	time_t start = time(NULL);
	int error = 0, exists = 0, fd = -1, nworkers, i;
	char *text = NULL;
	struct stat sb;

	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	r.kube = kube;
	r.loc = loc;
	r.o = o;
	pthread_mutex_init(&r.mu, NULL);
	pthread_mutex_init(&r.rbac_mu, NULL);
	lb_results_init(&r.results);
	lb_reslist_init(&r.reslist);
	lb_itemset_init(&r.seen);
	lb_item_ops_init(&r.ops);
	co.cancel = o->cancel;
	co.location = loc;
	co.task = o->name;
	call = lb_call_new(&co);
	if (!call) {
		error = LB_ENOMEM;
		goto done;
	}

	if (!lb_layout_valid_name(o->name)) {
		error = lb_error_set(LB_EINVAL,
		                     "backup name \"%s\": use lower-case letters, digits, '-' and "
		                     "'.' (a DNS-1123 subdomain)",
		                     o->name ? o->name : "");
		goto done;
	}
	if (lb_location_read_only(loc)) {
		error = lb_error_set(LB_EPERM,
		                     "storage location \"%s\" is ReadOnly: backups cannot be "
		                     "created there",
		                     lb_location_name(loc));
		goto done;
	}
	lb_layout_backup_record_key(key, sizeof(key), o->name);
	if ((error = lb_location_exists(loc, call, key, &exists)) < 0) {
		lb_error_set(error, "storage location \"%s\": %s", lb_location_name(loc),
		             lb_call_error_message(call));
		goto done;
	}
	if (exists) {
		error = lb_error_set(LB_EEXISTS,
		                     "backup \"%s\" already exists in storage location \"%s\"",
		                     o->name, lb_location_name(loc));
		goto done;
	}
	if ((error = lb_ns_filter_init(&r.ns, o->include_namespaces, o->exclude_namespaces)) < 0 ||
	    (error = lb_res_filter_init(&r.res, o->include_resources, o->exclude_resources)) < 0 ||
	    (error = lb_label_selector_parse(o->selector, &r.labels)) < 0)
		goto done;

	if ((error = lb_kube_discover(kube, &r.disc)) < 0) {
		lb_error_set(error, "discover the cluster's resources: %s", lb_error_last(error));
		goto done;
	}
	lb_kube_server_version(kube, &version);
	lb_uuid4(uid);
	record = make_record(&r, uid, start, version);
	r.backup_json = cJSON_PrintUnformatted(record);
	blog(&r, "info", "Starting backup");

	snprintf(tmpl, sizeof(tmpl), "%s/lifeboat-backup-XXXXXX", tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(tmpl);
	if (fd < 0) {
		error = lb_error_errno(errno, "temporary file for the tarball in %s", tmpl);
		goto done;
	}
	unlink(tmpl);
	if ((error = lb_archive_writer_open_fd(fd, &r.tar)) < 0 ||
	    (error = lb_archive_writer_add(r.tar, "metadata/version", LB_BACKUP_FORMAT_VERSION "\n",
	                                   strlen(LB_BACKUP_FORMAT_VERSION) + 1)) < 0)
		goto done;

	if ((error = plan(&r)) < 0) {
		lb_results_error(&r.results, "", "%s", lb_error_last(error));
		r.fatal = error;
	}
	if (!r.fatal && (error = open_actions(&r, call)) < 0)
		lb_results_error(&r.results, "", "item actions: %s", lb_error_last(error));
	error = 0;
	blog(&r, "info", "%zu list tasks, %zu item actions", r.ntasks, r.nactions);

	nworkers = o->workers > 0 ? o->workers : 4;
	threads = calloc((size_t) nworkers, sizeof(*threads));
	for (i = 0; threads && i < nworkers; i++)
		if (pthread_create(&threads[i], NULL, worker, &r) != 0)
			break;
	nworkers = i;
	if (!nworkers && !r.fatal)
		worker(&r);
	for (i = 0; i < nworkers; i++)
		pthread_join(threads[i], NULL);
	if (!r.fatal)
		add_crds(&r, call);
	/* volume data (core/volume): fs-copy and CSI snapshots of the backed-up PVCs */
	for (i = 0; !r.fatal && i < (int) r.reslist.n; i++)
		if (strcmp(r.reslist.v[i].key, "v1/PersistentVolumeClaim") == 0)
			lb_volume_backup(&(lb_volume_backup_in){kube, loc, call, o->name, uid,
			                                        &r.reslist.v[i].names, &r.results,
			                                        &r.log, &r.mu, o->plugins});
	if (o->progress)
		o->progress(o->progress_ud, r.items, r.listed);

	/* async operations of item actions (Velero's WaitingForPluginOperations) */
	if (!r.fatal && r.ops.n)
		wait_operations(&r, call);

	/* the tarball */
	if (!r.fatal && (error = lb_archive_writer_finish(r.tar)) < 0)
		r.fatal = error;
	if (!r.fatal && has_post_items(&r)) {
		/* Finalizing: post-operation items replace their entries in a new tarball */
		int fd_new;

		snprintf(tmpl, sizeof(tmpl), "%s/lifeboat-backup-XXXXXX", tmpdir ? tmpdir : "/tmp");
		fd_new = mkstemp(tmpl);
		if (fd_new < 0) {
			r.fatal =
			    lb_error_errno(errno, "temporary file for the tarball in %s", tmpl);
			lb_results_error(&r.results, "", "%s", lb_error_last(r.fatal));
		} else {
			unlink(tmpl);
			if ((error = finalize_tarball(&r, call, fd, fd_new)) < 0) {
				r.fatal = error;
				close(fd_new);
			} else {
				close(fd);
				fd = fd_new;
			}
		}
	}
	if (o->cancel && lb_cancel_is_set(o->cancel)) {
		lb_results_error(&r.results, "", "backup canceled");
		r.fatal = LB_ECANCELED;
	}
	if (!r.fatal) {
		fstat(fd, &sb);
		lseek(fd, 0, SEEK_SET);
		lb_layout_backup_key(key, sizeof(key), o->name, ".tar.gz");
		if ((error = lb_location_put(loc, call, key, fd, (int64_t) sb.st_size)) < 0) {
			lb_results_error(&r.results, "", "upload %s: %s", key,
			                 lb_call_error_message(call));
			r.fatal = error;
		}
	}
	error = 0;
	blog(&r, "info", "Backed up a total of %llu items (%llu tarball entries)",
	     (unsigned long long) r.items, (unsigned long long) r.copies);

	phase = r.fatal             ? LB_PHASE_FAILED
	        : r.results.nerrors ? LB_PHASE_PARTIALLY_FAILED
	                            : LB_PHASE_COMPLETED;
	blog(&r, "info", "Backup finished with phase %s", phase);
	/* side files; a failure here fails the backup but never hides it */
	text = lb_reslist_print(&r.reslist);
	if (!r.fatal && put_gz(&r, call, "-resource-list.json.gz", text) < 0) {
		lb_results_error(&r.results, "", "%s", lb_error_last(LB_EIO));
		phase = LB_PHASE_FAILED;
	}
	free(text);
	text = lb_item_ops_json(&r.ops, "backup", o->name, uid);
	if (!r.fatal && (put_gz(&r, call, "-volumesnapshots.json.gz", "[]") < 0 ||
	                 put_gz(&r, call, "-itemoperations.json.gz", text ? text : "[]") < 0)) {
		lb_results_error(&r.results, "", "%s", lb_error_last(LB_EIO));
		phase = LB_PHASE_FAILED;
	}
	free(text);
	text = lb_results_print(&r.results);
	put_gz(&r, call, "-results.gz", text);
	free(text);
	pthread_mutex_lock(&r.mu);
	text = strdup(r.log.ptr ? r.log.ptr : "");
	pthread_mutex_unlock(&r.mu);
	put_gz(&r, call, "-logs.gz", text);
	free(text);

	/* velero-backup.json, last */
	st = cJSON_GetObjectItem(record, "status");
	cJSON_ReplaceItemInObject(st, "phase", cJSON_CreateString(phase));
	lb_time_rfc3339(time(NULL), ts, sizeof(ts));
	cJSON_AddStringToObject(st, "completionTimestamp", ts);
	{
		cJSON *pr = cJSON_AddObjectToObject(st, "progress");

		cJSON_AddNumberToObject(pr, "totalItems", (double) r.items);
		cJSON_AddNumberToObject(pr, "itemsBackedUp", (double) r.items);
	}
	if (r.results.nerrors)
		cJSON_AddNumberToObject(st, "errors", (double) r.results.nerrors);
	if (r.results.nwarnings)
		cJSON_AddNumberToObject(st, "warnings", (double) r.results.nwarnings);
	if (r.fatal)
		cJSON_AddStringToObject(st, "failureReason", lb_error_last(r.fatal));
	text = cJSON_Print(record);
	lb_layout_backup_record_key(key, sizeof(key), o->name);
	if ((error = lb_location_put_bytes(loc, call, key, text, strlen(text))) < 0) {
		lb_error_set(error, "upload %s: %s", key, lb_call_error_message(call));
		goto done;
	}
	snprintf(out->phase, sizeof(out->phase), "%s", phase);
	out->items = r.items;
	out->copies = r.copies;
	out->errors = r.results.nerrors;
	out->warnings = r.results.nwarnings;
	out->duration_ms = lb_now_ms() - t0;
	out->list_ms = r.list_us / 1000;
done:
	free(text);
	free(threads);
	for (i = 0; i < (int) r.nactions; i++) {
		lb_backup_item_action_handle_close(r.actions[i].h);
		lb_applies_to_dispose(&r.actions[i].applies);
	}
	free(r.actions);
	lb_reslist_dispose(&r.reslist);
	lb_archive_writer_free(r.tar);
	if (fd >= 0)
		close(fd);
	free(r.tasks);
	free(r.backup_json);
	free(r.finalize_json);
	cJSON_Delete(record);
	cJSON_Delete(version);
	lb_kube_discovery_free(r.disc);
	lb_strlist_dispose(&r.namespaces);
	lb_label_selector_free(r.labels);
	lb_res_filter_dispose(&r.res);
	lb_ns_filter_dispose(&r.ns);
	lb_itemset_dispose(&r.seen);
	lb_item_ops_dispose(&r.ops);
	lb_results_dispose(&r.results);
	lb_buf_dispose(&r.log);
	pthread_mutex_destroy(&r.mu);
	pthread_mutex_destroy(&r.rbac_mu);
	cJSON_Delete(r.bindings);
	lb_call_free(call);
	return error;
}
