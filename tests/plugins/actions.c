/*
 * test.lifeboat.io/actions: item-action fixtures for the restore and backup engines. Every
 * action applies only to items labelled for it, so the plugin may sit in any plugin dir.
 *
 *   RestoreItemActions (label fx-ria=...):
 *     test.lifeboat.io/ria-additional  additional items from annotation fx/additional
 *                                      ("secrets/s1,widgets.example.lifeboat.io/w", in the
 *                                      item's namespace of the backup)
 *     test.lifeboat.io/ria-wait        the same, with waitForAdditionalItems; ready after
 *                                      3 checks, never when the first name has "never";
 *                                      annotation fx/ready-timeout-ms sets the timeout
 *     test.lifeboat.io/ria-skip        skipRestore (and additional items, to be ignored)
 *     test.lifeboat.io/ria-async       an async operation (annotation fx/polls: N | never)
 *   BackupItemAction (label fx-bia=async):
 *     test.lifeboat.io/bia-async       an async operation as above, postOperationItems: the
 *                                      item itself; in phase Finalizing it only annotates
 *                                      the item fx/finalized=yes
 *
 * Counters are files in $LB_FX_ACTIONS_DIR (default /tmp), one byte per call, so they count
 * across plugin children: ready-<name>, progress-<operation>, cancel-<operation>.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <lifeboat/plugin/sdk.h>

LB_PLUGIN_DECLARE("test.lifeboat.io/actions", "0.1.0");

/* Append one byte to <dir>/<what>-<id>; return the count after. */
static long
bump(const char *what, const char *id)
{
	const char *dir = getenv("LB_FX_ACTIONS_DIR");
	char path[1024];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s-%s", dir && *dir ? dir : "/tmp", what, id);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	(void) !write(fd, "x", 1);
	if (fstat(fd, &st) < 0)
		st.st_size = -1;
	close(fd);
	return (long) st.st_size;
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

static const char *
annotation(const cJSON *item, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "metadata"),
	                                     "annotations"),
	    key));
}

static const char *
meta(const cJSON *item, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(item, "metadata"), key));
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

/* "secrets/s1,widgets.example.lifeboat.io/w" -> identifiers in @ns */
static cJSON *
parse_items(const char *spec, const char *ns)
{
	cJSON *a = cJSON_CreateArray();
	char *copy = strdup(spec ? spec : ""), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(tok, '/'), *dot;

		if (!slash)
			continue;
		*slash = '\0';
		dot = strchr(tok, '.');
		if (dot)
			*dot = '\0';
		cJSON_AddItemToArray(a, identifier(dot ? dot + 1 : "", tok, ns, slash + 1));
	}
	free(copy);
	return a;
}

static void
destroy(void *self)
{
	(void) self;
}

/* ---- restore ---- */

typedef enum { RIA_ADDITIONAL, RIA_WAIT, RIA_SKIP, RIA_ASYNC } ria_kind;

static const char *const ria_label[] = {"additional", "wait", "skip", "async"};

static int
ria_init(ria_kind k, lb_restore_item_action **self_out)
{
	*self_out = (lb_restore_item_action *) (uintptr_t) (k + 1);
	return 0;
}

static ria_kind
ria_of(lb_restore_item_action *self)
{
	return (ria_kind) ((uintptr_t) self - 1);
}

#define RIA_INIT(fn, k)                                                                            \
	static int fn(lb_call *call, const lb_config *config, lb_restore_item_action **self_out)   \
	{                                                                                          \
		(void) call;                                                                       \
		(void) config;                                                                     \
		return ria_init(k, self_out);                                                      \
	}
RIA_INIT(init_additional, RIA_ADDITIONAL)
RIA_INIT(init_wait, RIA_WAIT)
RIA_INIT(init_skip, RIA_SKIP)
RIA_INIT(init_async, RIA_ASYNC)

static int
ria_applies(lb_restore_item_action *self, lb_call *call, lb_buf *out)
{
	char sel[128];

	(void) call;
	snprintf(sel, sizeof(sel), "{\"labelSelector\":\"fx-ria=%s\"}", ria_label[ria_of(self)]);
	return lb_buf_append_str(out, sel);
}

static int
ria_execute(lb_restore_item_action *self, lb_call *call, const char *input, lb_buf *out)
{
	cJSON *in = cJSON_Parse(input), *o = cJSON_CreateObject();
	const cJSON *orig = cJSON_GetObjectItemCaseSensitive(in, "itemFromBackup");
	const char *ns = meta(orig, "namespace"), *name = meta(orig, "name");
	const char *v;
	int error;

	if (!in || !name) {
		cJSON_Delete(in);
		cJSON_Delete(o);
		return lb_set_error(call, LB_EINVAL, "test.lifeboat.io/actions: bad input");
	}
	switch (ria_of(self)) {
	case RIA_SKIP:
		/* with additional items too, which the engine must ignore */
		cJSON_AddBoolToObject(o, "skipRestore", 1);
		/* fall through */
	case RIA_ADDITIONAL:
		cJSON_AddItemToObject(o, "additionalItems",
		                      parse_items(annotation(orig, "fx/additional"), ns));
		break;
	case RIA_WAIT:
		cJSON_AddItemToObject(o, "additionalItems",
		                      parse_items(annotation(orig, "fx/additional"), ns));
		cJSON_AddBoolToObject(o, "waitForAdditionalItems", 1);
		if ((v = annotation(orig, "fx/ready-timeout-ms")))
			cJSON_AddNumberToObject(o, "additionalItemsReadyTimeoutMs", atof(v));
		break;
	case RIA_ASYNC: {
		char id[512];

		v = annotation(orig, "fx/polls");
		snprintf(id, sizeof(id), "ria.%s.%s.%s", ns ? ns : "", name, v ? v : "1");
		cJSON_AddStringToObject(o, "operationID", id);
		break;
	}
	}
	error = put_json(out, o);
	cJSON_Delete(o);
	cJSON_Delete(in);
	return error;
}

/* Operation IDs end in ".<N>" (complete at the N-th check) or ".never". */
static int
op_progress(const char *op, lb_buf *out)
{
	const char *n = strrchr(op, '.');
	long polls = bump("progress", op), want = n && strcmp(n + 1, "never") ? atol(n + 1) : -1;
	char text[256];

	snprintf(text, sizeof(text),
	         "{\"completed\":%s,\"nCompleted\":%ld,\"nTotal\":%ld,"
	         "\"operationUnits\":\"checks\",\"description\":\"check %ld\"}",
	         want >= 0 && polls >= want ? "true" : "false", polls, want, polls);
	return lb_buf_append_str(out, text);
}

static int
ria_progress(
    lb_restore_item_action *self, lb_call *call, const char *op, const char *restore, lb_buf *out)
{
	(void) self;
	(void) call;
	(void) restore;
	return op_progress(op, out);
}

static int
ria_cancel(lb_restore_item_action *self, lb_call *call, const char *op, const char *restore)
{
	(void) self;
	(void) call;
	(void) restore;
	bump("cancel", op);
	return 0;
}

static int
ria_ready(lb_restore_item_action *self,
          lb_call *call,
          const char *items,
          const char *restore,
          int *ready_out)
{
	cJSON *a = cJSON_Parse(items);
	const char *name = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(a, 0), "name"));
	long n;

	(void) self;
	(void) restore;
	if (!name) {
		cJSON_Delete(a);
		return lb_set_error(call, LB_EINVAL, "test.lifeboat.io/ria-wait: no items");
	}
	n = bump("ready", name);
	*ready_out = !strstr(name, "never") && n >= 3;
	cJSON_Delete(a);
	return 0;
}

static void
ria_destroy(lb_restore_item_action *self)
{
	destroy(self);
}

#define RIA(var, nm, init)                                                                         \
	static const lb_restore_item_action_methods var = {                                        \
	    LB_RESTORE_ITEM_ACTION_METHODS_HEADER,                                                 \
	    nm,                                                                                    \
	    init,                                                                                  \
	    ria_applies,                                                                           \
	    ria_execute,                                                                           \
	    ria_progress,                                                                          \
	    ria_cancel,                                                                            \
	    ria_ready,                                                                             \
	    ria_destroy,                                                                           \
	}

RIA(ria_additional, "test.lifeboat.io/ria-additional", init_additional);
RIA(ria_wait, "test.lifeboat.io/ria-wait", init_wait);
RIA(ria_skip, "test.lifeboat.io/ria-skip", init_skip);
RIA(ria_async, "test.lifeboat.io/ria-async", init_async);

/* ---- backup ---- */

static int
bia_applies(lb_backup_item_action *self, lb_call *call, lb_buf *out)
{
	(void) self;
	(void) call;
	return lb_buf_append_str(out, "{\"labelSelector\":\"fx-bia=async\"}");
}

static int
bia_execute(lb_backup_item_action *self,
            lb_call *call,
            const char *item_json,
            const char *backup_json,
            lb_buf *out)
{
	cJSON *item = cJSON_Parse(item_json), *b = cJSON_Parse(backup_json);
	cJSON *o = cJSON_CreateObject(), *post, *md, *ann;
	const char *ns = meta(item, "namespace"), *name = meta(item, "name"), *v;
	const char *phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(b, "status"), "phase"));
	char id[512];
	int error;

	(void) self;
	if (!item || !name) {
		cJSON_Delete(item);
		cJSON_Delete(b);
		cJSON_Delete(o);
		return lb_set_error(call, LB_EINVAL, "test.lifeboat.io/bia-async: bad item");
	}
	if (phase && !strcmp(phase, "Finalizing")) {
		/* backed up again after the operation: no new operation, mark the item */
		md = cJSON_GetObjectItemCaseSensitive(item, "metadata");
		ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
		if (!ann)
			ann = cJSON_AddObjectToObject(md, "annotations");
		cJSON_DeleteItemFromObjectCaseSensitive(ann, "fx/finalized");
		cJSON_AddStringToObject(ann, "fx/finalized", "yes");
		cJSON_AddItemToObject(o, "updatedItem", cJSON_Duplicate(item, 1));
	} else {
		v = annotation(item, "fx/polls");
		snprintf(id, sizeof(id), "bia.%s.%s.%s", ns ? ns : "", name, v ? v : "1");
		cJSON_AddStringToObject(o, "operationID", id);
		post = cJSON_AddArrayToObject(o, "postOperationItems");
		cJSON_AddItemToArray(post, identifier("", "configmaps", ns, name));
	}
	error = put_json(out, o);
	cJSON_Delete(o);
	cJSON_Delete(item);
	cJSON_Delete(b);
	return error;
}

static int
bia_progress(
    lb_backup_item_action *self, lb_call *call, const char *op, const char *backup, lb_buf *out)
{
	(void) self;
	(void) call;
	(void) backup;
	return op_progress(op, out);
}

static int
bia_cancel(lb_backup_item_action *self, lb_call *call, const char *op, const char *backup)
{
	(void) self;
	(void) call;
	(void) backup;
	bump("cancel", op);
	return 0;
}

static void
bia_destroy(lb_backup_item_action *self)
{
	destroy(self);
}

static const lb_backup_item_action_methods bia_async = {
    LB_BACKUP_ITEM_ACTION_METHODS_HEADER,
    "test.lifeboat.io/bia-async",
    NULL,
    bia_applies,
    bia_execute,
    bia_progress,
    bia_cancel,
    bia_destroy,
};

int
lb_plugin_init(lb_registrar *reg)
{
	int error;

	if ((error = lb_register_restore_item_action(reg, &ria_additional)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_wait)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_skip)) < 0 ||
	    (error = lb_register_restore_item_action(reg, &ria_async)) < 0 ||
	    (error = lb_register_backup_item_action(reg, &bia_async)) < 0)
		return error;
	return 0;
}
