/* The engine's Kubernetes API client (libcurl + cJSON).
 *
 * One lb_kube_client per cluster; it is safe to use from several threads at once (each
 * thread gets its own reused connection, the rate limiter and the exec-credential cache are
 * shared). Every call returns 0 or a negative lb_error_code with a message set through
 * lb_error_set ("create configmaps/x in namespace demo: <server message>"); the HTTP
 * status and the server's Status reason of the last call on this thread are in
 * lb_kube_last_status().
 *
 * Error mapping: 404 -> LB_ENOTFOUND, 409 AlreadyExists -> LB_EEXISTS, 409 Conflict ->
 * LB_ECONFLICT, 401 -> LB_EAUTH, 403 -> LB_EPERM, 400/422 -> LB_EINVAL, 429/5xx (after
 * retries with backoff honouring Retry-After) -> LB_EAGAIN, transport failure -> LB_EIO,
 * timeout -> LB_ETIMEDOUT.
 *
 * Ownership: every cJSON ** output belongs to the caller (cJSON_Delete). Inputs are
 * borrowed for the call. Objects passed to list/watch callbacks are borrowed for the
 * duration of the callback only (cJSON_DetachItem... or cJSON_Duplicate to keep them).
 */
#ifndef LB_KUBE_KUBE_H
#define LB_KUBE_KUBE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct lb_kube_client lb_kube_client;

typedef struct lb_kube_options {
	/* --kubeconfig; NULL: $KUBECONFIG (merged), else ~/.kube/config, else in-cluster */
	const char *kubeconfig;
	const char *context;    /* --context; NULL: current-context */
	int in_cluster;         /* 1: ignore kubeconfig, use the service account */
	double qps;             /* client-side rate limit; 0: default 50; < 0: unlimited */
	int burst;              /* 0: default 100 */
	int page_size;          /* list limit per page; 0: default 500 */
	int64_t timeout_ms;     /* per request (not watch); 0: default 60000; <0: none */
	int max_retries;        /* for 429/5xx/connection errors; 0: default 5; <0: none */
	const char *user_agent; /* NULL: "lifeboat/<version>" */
} lb_kube_options;

/* Build a client: resolve the kubeconfig (or in-cluster config) and the context. Nothing is
 * sent to the server yet. Errors: LB_ENOTFOUND (no kubeconfig / unknown context, message
 * lists the contexts), LB_EINVAL (malformed kubeconfig, with file and key). */
int lb_kube_client_new(const lb_kube_options *opts, lb_kube_client **client_out);
void lb_kube_client_free(lb_kube_client *c);

/* What the client talks to, for messages: the server URL, the kubeconfig file(s), the
 * context and user names ("" when not known, e.g. in-cluster). Borrowed from the client. */
const char *lb_kube_client_server(const lb_kube_client *c);
const char *lb_kube_client_config_path(const lb_kube_client *c);
const char *lb_kube_client_context(const lb_kube_client *c);
const char *lb_kube_client_user(const lb_kube_client *c);

/* The HTTP status (0 for transport errors) and Status of the last request on this thread. */
typedef struct lb_kube_status {
	int http_status;   /* 200, 404, ...; 0: no HTTP answer */
	char reason[64];   /* Status.reason: "NotFound", "AlreadyExists", "Conflict", "Invalid",
	                      "Forbidden", "Unauthorized", ... ("" if none) */
	char message[512]; /* Status.message, truncated ("" if none) */
} lb_kube_status;
const lb_kube_status *lb_kube_last_status(void);

/* GET /version (gitVersion, major, minor, platform, ...). */
int lb_kube_server_version(lb_kube_client *c, cJSON **version_out);

/* ---- Discovery ------------------------------------------------------------------------- */

typedef struct lb_kube_resource {
	const char *group;         /* "" for core */
	const char *version;       /* "v1" */
	const char *name;          /* plural: "deployments" */
	const char *singular_name; /* "deployment" (may be "") */
	const char *kind;          /* "Deployment" */
	int namespaced;
	const char **verbs;        /* NULL-terminated */
	const char **short_names;  /* NULL-terminated */
	const char **subresources; /* NULL-terminated: "status", "scale", ... */
} lb_kube_resource;

typedef struct lb_kube_group_version {
	const char *group_version; /* "apps/v1" or "v1" */
	const char *version;       /* "v1" */
	lb_kube_resource *resources;
	size_t resource_count;
} lb_kube_group_version;

typedef struct lb_kube_group {
	const char *name;                /* "" for core, "apps", ... */
	const char *preferred_version;   /* server's preferredVersion, else highest by priority */
	lb_kube_group_version *versions; /* sorted by kube version priority: v1 > v1beta1 > ... */
	size_t version_count;
} lb_kube_group;

typedef struct lb_kube_discovery {
	lb_kube_group *groups; /* core group ("") first, then as /apis lists them */
	size_t group_count;
} lb_kube_discovery;

/* Read /api, /apis and every group-version's resource list. A group-version that fails
 * to answer (e.g. an unavailable aggregated API) is kept with no resources and logged. */
int lb_kube_discover(lb_kube_client *c, lb_kube_discovery **discovery_out);
void lb_kube_discovery_free(lb_kube_discovery *d);

/* Find a resource by group and plural name (or singular or short name) in the group's
 * preferred version; NULL if none. @group "" for core. */
const lb_kube_resource *
lb_kube_discovery_find(const lb_kube_discovery *d, const char *group, const char *resource);
/* Same, in an exact version. */
const lb_kube_resource *lb_kube_discovery_find_version(const lb_kube_discovery *d,
                                                       const char *group,
                                                       const char *version,
                                                       const char *resource);
/* Find by apiVersion ("apps/v1", "v1") and kind ("Deployment"); NULL if none. */
const lb_kube_resource *
lb_kube_discovery_find_kind(const lb_kube_discovery *d, const char *api_version, const char *kind);
const lb_kube_group *lb_kube_discovery_group(const lb_kube_discovery *d, const char *group);
int lb_kube_resource_supports(const lb_kube_resource *res, const char *verb);
int lb_kube_resource_has_subresource(const lb_kube_resource *res, const char *sub);
/* Kube version priority: < 0 when @a sorts before (is preferred over) @b. */
int lb_kube_version_compare(const char *a, const char *b);

/* ---- Requests -------------------------------------------------------------------------- */

/* What a request is about: group ("" core), version, plural resource, namespaced. Build
 * one from a discovered resource with lb_kube_gvr_of(), or by hand. */
typedef struct lb_kube_gvr {
	const char *group;
	const char *version;
	const char *resource;
	int namespaced;
} lb_kube_gvr;

lb_kube_gvr lb_kube_gvr_of(const lb_kube_resource *res);

typedef struct lb_kube_list_options {
	const char *label_selector; /* NULL: none */
	const char *field_selector; /* NULL: none */
	int page_size;              /* 0: the client's page_size */
} lb_kube_list_options;

/* Called once per item, in order. @item is borrowed for the call; return non-zero to stop
 * the list (lb_kube_list then returns that value). Items get the list's apiVersion and
 * kind (e.g. "ConfigMap") when the server left them out. */
typedef int (*lb_kube_item_fn)(const cJSON *item, void *ud);

typedef struct lb_kube_list_result {
	char resource_version[64]; /* the list's metadata.resourceVersion (of the last page) */
	size_t item_count;
	int pages;
} lb_kube_list_result;

/* List every object of @gvr in @ns (NULL or "" for all namespaces / cluster-scoped), one
 * page at a time (limit/continue); each page is freed before the next is fetched. An
 * expired continue token (410) is an LB_EAGAIN error. @result may be NULL. */
int lb_kube_list(lb_kube_client *c,
                 const lb_kube_gvr *gvr,
                 const char *ns,
                 const lb_kube_list_options *opts,
                 lb_kube_item_fn fn,
                 void *ud,
                 lb_kube_list_result *result);

/* GET one object. @subresource NULL or "status". */
int lb_kube_get(lb_kube_client *c,
                const lb_kube_gvr *gvr,
                const char *ns,
                const char *name,
                const char *subresource,
                cJSON **obj_out);

/* POST. @obj is sent as-is (its metadata.name or generateName decides the name).
 * @obj_out (may be NULL) receives the created object. */
int lb_kube_create(
    lb_kube_client *c, const lb_kube_gvr *gvr, const char *ns, const cJSON *obj, cJSON **obj_out);

/* PUT to the object (name from obj metadata.name) or its @subresource ("status"). */
int lb_kube_update(lb_kube_client *c,
                   const lb_kube_gvr *gvr,
                   const char *ns,
                   const cJSON *obj,
                   const char *subresource,
                   cJSON **obj_out);

typedef enum lb_kube_patch_type {
	LB_KUBE_PATCH_MERGE = 0, /* application/merge-patch+json */
	LB_KUBE_PATCH_JSON,      /* application/json-patch+json */
	LB_KUBE_PATCH_STRATEGIC, /* application/strategic-merge-patch+json */
} lb_kube_patch_type;

int lb_kube_patch(lb_kube_client *c,
                  const lb_kube_gvr *gvr,
                  const char *ns,
                  const char *name,
                  const char *subresource,
                  lb_kube_patch_type type,
                  const cJSON *patch,
                  cJSON **obj_out);

/* DELETE with {"propagationPolicy": @propagation} ("Background", "Foreground", "Orphan",
 * NULL: server default). @obj_out (may be NULL) receives the answer (object or Status). */
int lb_kube_delete(lb_kube_client *c,
                   const lb_kube_gvr *gvr,
                   const char *ns,
                   const char *name,
                   const char *propagation,
                   cJSON **obj_out);

/* ---- Watch ----------------------------------------------------------------------------- */

/* @type "ADDED", "MODIFIED", "DELETED", "BOOKMARK" or "ERROR"; @obj borrowed. Return
 * non-zero to stop watching (lb_kube_watch returns 0 then). */
typedef int (*lb_kube_event_fn)(const char *type, const cJSON *obj, void *ud);

typedef struct lb_kube_watch_options {
	const char *label_selector;
	const char *field_selector;
	const char *resource_version; /* start after this version; NULL: current state first */
	int64_t timeout_ms;           /* server-side timeoutSeconds and client deadline; 0: 60000 */
	volatile int *stop;           /* optional: set to non-zero from another thread to stop
	                                 (checked at least every second) */
} lb_kube_watch_options;

/* Stream events until the timeout, the server closing the stream, @fn returning non-zero
 * or *stop. Returns 0 in those cases. */
int lb_kube_watch(lb_kube_client *c,
                  const lb_kube_gvr *gvr,
                  const char *ns,
                  const lb_kube_watch_options *opts,
                  lb_kube_event_fn fn,
                  void *ud);

/* ---- Raw ------------------------------------------------------------------------------- */

/* Any request: @method "GET"..., @path with query ("/apis/apps/v1/..."), @body NULL or
 * JSON text with @content_type (NULL: application/json). On 2xx *json_out (may be NULL)
 * gets the parsed answer (NULL if the body is not JSON). */
int lb_kube_request(lb_kube_client *c,
                    const char *method,
                    const char *path,
                    const char *content_type,
                    const char *body,
                    cJSON **json_out);

/* The object path for @gvr: "/apis/<g>/<v>/namespaces/<ns>/<res>[/<name>[/<sub>]]" into
 * @buf; returns LB_EINVAL if it does not fit. */
int lb_kube_path(const lb_kube_gvr *gvr,
                 const char *ns,
                 const char *name,
                 const char *subresource,
                 char *buf,
                 size_t bufsize);

#endif
