/* `lifeboat backup create|get|describe|logs|download|delete` (core/backup). */
#include "cli.h"
#include "commands.h"
#include "describe.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backup/backup.h"
#include "backup/catalog.h"
#include "backup/layout.h"
#include "backup/record.h"
#include "backup/results.h"
#include "engine/engine.h"
#include "util/error.h"
#include "volume/volume.h" /* volume data */
#include "util/time.h"

static int
open_location(lb_cli *cli, const char *name, lb_engine **e, lb_location **loc)
{
	int error;

	if ((error = lb_engine_open(cli, e)) < 0)
		return lb_cli_fail("%s", lb_error_last(error));
	if ((error = lb_engine_location(*e, name, loc)) < 0)
		return lb_cli_fail("storage location %s: %s", name ? name : "(default)",
		                   lb_error_last(error));
	return 0;
}

/* The backup runs as a task on the engine's queue: it gets the queue's per-task timeout,
 * a record in the state dir (`lifeboat task list`), and cancellation by Ctrl-C or by
 * `lifeboat task cancel ID` from another shell. */
typedef struct backup_task {
	lb_kube_client *kube;
	lb_location *loc;
	lb_backup_opts *o;
	lb_backup_summary *s;
} backup_task;

static int
run_backup_task(void *ud, const cJSON *params, lb_cancel *cancel, lb_task *task)
{
	backup_task *t = ud;
	int error;

	(void) params;
	t->o->cancel = cancel;
	error = lb_backup_run(t->kube, t->loc, t->o, t->s);
	if (error == 0)
		lb_task_set_progress(task, t->s->phase);
	return error;
}

typedef struct progress {
	int64_t last_ms;
	int quiet;
} progress;

static void
on_progress(void *ud, uint64_t done, uint64_t listed)
{
	progress *p = ud;
	int64_t now = lb_now_ms();

	if (p->quiet || now - p->last_ms < 1000)
		return;
	p->last_ms = now;
	fprintf(stderr, "Backup in progress: %llu items backed up (%llu listed)\n",
	        (unsigned long long) done, (unsigned long long) listed);
}

static int
backup_create(lb_cli *cli)
{
	lb_backup_opts o;
	lb_backup_summary s;
	lb_engine *e = NULL;
	lb_location *loc = NULL;
	lb_kube_client *kube = NULL; /* the engine's */
	lb_plugin_manager *mgr = NULL;
	const char *loc_name = NULL, *v;
	progress p = {0, 0};
	double qps = 0; /* --client-qps/--client-burst, when given */
	int burst = 0, have_qps = 0, have_burst = 0;
	int i, missing = 0, error, rc = LB_EXIT_FAIL;
	lb_volume_opts vo = LB_VOLUME_OPTS_INIT; /* volume data */

	memset(&o, 0, sizeof(o));
	for (i = 2; i < cli->argc; i++) {
		const char *a = cli->argv[i];

		if ((v = lb_cli_flag(cli, &i, "--include-namespaces", &missing)))
			o.include_namespaces = v;
		else if ((v = lb_cli_flag(cli, &i, "--exclude-namespaces", &missing)))
			o.exclude_namespaces = v;
		else if ((v = lb_cli_flag(cli, &i, "--include-resources", &missing)))
			o.include_resources = v;
		else if ((v = lb_cli_flag(cli, &i, "--exclude-resources", &missing)))
			o.exclude_resources = v;
		else if ((v = lb_cli_flag(cli, &i, "--selector", &missing)) ||
		         (v = lb_cli_flag(cli, &i, "-l", &missing)))
			o.selector = v;
		else if ((v = lb_cli_flag(cli, &i, "--include-cluster-resources", &missing))) {
			if (lb_cluster_mode_parse(v, &o.cluster) < 0)
				return lb_cli_usage("%s", lb_error_last(LB_EINVAL));
		} else if ((v = lb_cli_flag(cli, &i, "--storage-location", &missing)))
			loc_name = v;
		else if ((v = lb_cli_flag(cli, &i, "--ttl", &missing))) {
			if (lb_duration_parse(v, &o.ttl_ms) < 0)
				return lb_cli_usage("--ttl: %s", lb_error_last(LB_EINVAL));
		} else if ((v = lb_cli_flag(cli, &i, "--item-operation-timeout", &missing))) {
			if (lb_duration_parse(v, &o.item_operation_timeout_ms) < 0)
				return lb_cli_usage("--item-operation-timeout: %s",
				                    lb_error_last(LB_EINVAL));
		} else if ((v = lb_cli_flag(cli, &i, "--item-operation-poll-interval", &missing))) {
			if (lb_duration_parse(v, &o.operation_poll_ms) < 0)
				return lb_cli_usage("--item-operation-poll-interval: %s",
				                    lb_error_last(LB_EINVAL));
		} else if ((v = lb_cli_flag(cli, &i, "--workers", &missing)))
			o.workers = atoi(v);
		else if ((v = lb_cli_flag(cli, &i, "--client-qps", &missing)))
			qps = atof(v), have_qps = 1;
		else if ((v = lb_cli_flag(cli, &i, "--client-burst", &missing)))
			burst = atoi(v), have_burst = 1;
		else if (!strcmp(a, "--wait") || !strcmp(a, "--wait=true"))
			p.quiet = 0;
		else if (!strcmp(a, "--wait=false"))
			p.quiet = 1;
		else if (!strcmp(a, "--preferred-version-only"))
			o.preferred_only = 1;
		else if ((error = lb_volume_cli_flag(cli->argc, cli->argv, &i, &vo)) != 0) {
			if (error < 0) /* volume data flags */
				return lb_cli_usage("backup create: %s", lb_error_last(error));
		} else if (missing)
			break;
		else if (a[0] == '-')
			return lb_cli_usage("backup create: unknown flag %s", a);
		else if (!o.name)
			o.name = a;
		else
			return lb_cli_usage("backup create: unexpected argument %s", a);
		if (missing)
			break;
	}
	if (missing)
		return lb_cli_usage("backup create: %s needs a value", cli->argv[i]);
	if (!o.name)
		return lb_cli_usage(
		    "usage: lifeboat backup create NAME [--include-namespaces a,b] "
		    "[--exclude-namespaces x] [--include-resources r] "
		    "[--exclude-resources r] [--selector k=v] "
		    "[--include-cluster-resources auto|true|false] "
		    "[--storage-location L] [--ttl 720h] [--item-operation-timeout 4h] "
		    "[--item-operation-poll-interval 10s] [--wait]");
	if (open_location(cli, loc_name, &e, &loc) != 0)
		goto done;
	lb_engine_set_kube_rate(e, have_qps ? &qps : NULL, have_burst ? &burst : NULL);
	if ((error = lb_engine_kube(e, &kube)) < 0) {
		lb_cli_fail("Kubernetes client: %s", lb_error_last(error));
		goto done;
	}
	if (lb_engine_plugins(e, &mgr) == 0)
		o.plugins = mgr;
	o.progress = on_progress;
	o.progress_ud = &p;
	vo.settings = lb_engine_settings(e); /* volume data */
	vo.location = lb_engine_location_cfg(e, loc_name);
	lb_volume_set_options(&vo);
	{
		backup_task t = {kube, loc, &o, &s};
		cJSON *params = cJSON_CreateObject();
		lb_task_spec spec = {.kind = "backup", .name = o.name, .params = params};

		cJSON_AddStringToObject(params, "name", o.name);
		cJSON_AddStringToObject(params, "storageLocation", lb_location_name(loc));
		error = lb_engine_run_task(e, &spec, run_backup_task, &t);
		cJSON_Delete(params);
	}
	if (error < 0) {
		lb_cli_fail("backup %s: %s", o.name, lb_error_last(error));
		goto done;
	}
	printf("Backup %s: %s. %llu items in %.1f s; %zu errors, %zu warnings.\n", o.name, s.phase,
	       (unsigned long long) s.items, (double) s.duration_ms / 1000.0, s.errors, s.warnings);
	if (s.errors || s.warnings)
		printf("Run `lifeboat backup describe %s --details` for details.\n", o.name);
	rc = strcmp(s.phase, LB_PHASE_COMPLETED) == 0 ? LB_EXIT_OK : LB_EXIT_FAIL;
done:
	lb_engine_close(e);
	return rc;
}

static const char *
loc_flag(lb_cli *cli, int *first_arg)
{
	const char *loc = NULL;
	int i, missing = 0;

	*first_arg = -1;
	for (i = 2; i < cli->argc; i++) {
		const char *v = lb_cli_flag(cli, &i, "--storage-location", &missing);

		if (v)
			loc = v;
		else if (cli->argv[i][0] != '-' && *first_arg < 0)
			*first_arg = i;
	}
	return loc;
}

/* What get, describe, logs, download and delete work on: the engine, the storage location
 * (--storage-location, else the default) and the backup the first argument names. */
typedef struct target {
	lb_engine *e;
	lb_location *loc;
	lb_call *call;
	const char *loc_name;
	const char *name; /* NULL: no NAME was given */
} target;

/* Open @t. A missing NAME is a usage error when @usage is given. Returns LB_EXIT_OK, or the
 * exit status with nothing left open. */
static int
target_open(lb_cli *cli, const char *usage, target *t)
{
	int first;

	memset(t, 0, sizeof(*t));
	t->loc_name = loc_flag(cli, &first);
	t->name = first > 0 ? cli->argv[first] : NULL;
	if (!t->name && usage)
		return lb_cli_usage("%s", usage);
	if (open_location(cli, t->loc_name, &t->e, &t->loc) != 0) {
		lb_engine_close(t->e);
		return LB_EXIT_FAIL;
	}
	t->call = lb_call_new(NULL);
	return LB_EXIT_OK;
}

static void
target_close(target *t)
{
	lb_call_free(t->call);
	lb_engine_close(t->e);
}

static int
has_flag(lb_cli *cli, const char *name)
{
	int i;

	for (i = 2; i < cli->argc; i++)
		if (!strcmp(cli->argv[i], name))
			return 1;
	return 0;
}

static int
backup_get(lb_cli *cli)
{
	target t;
	cJSON *list = NULL, *b;
	int error, rc;

	if ((rc = target_open(cli, NULL, &t)) != LB_EXIT_OK)
		return rc;
	rc = LB_EXIT_FAIL;
	if (t.name) {
		cJSON *one = NULL;

		if ((error = lb_backup_catalog_get(t.loc, t.call, t.name, &one)) < 0) {
			lb_cli_fail("%s", lb_error_last(error));
			goto done;
		}
		list = cJSON_CreateArray();
		cJSON_AddItemToArray(list, one);
	} else if ((error = lb_backup_catalog_list(t.loc, t.call, &list)) < 0) {
		lb_cli_fail("%s", lb_error_last(error));
		goto done;
	}
	if (cli->output && (!strcmp(cli->output, "json") || !strcmp(cli->output, "yaml"))) {
		cJSON *doc = list;

		if (t.name)
			doc = cJSON_GetArrayItem(list, 0);
		else {
			doc = cJSON_CreateObject();
			cJSON_AddStringToObject(doc, "apiVersion", "velero.io/v1");
			cJSON_AddStringToObject(doc, "kind", "BackupList");
			cJSON_AddItemReferenceToObject(doc, "items", list);
		}
		lb_describe_print_doc(doc, cli->output);
		if (doc != cJSON_GetArrayItem(list, 0))
			cJSON_Delete(doc);
		rc = LB_EXIT_OK;
		goto done;
	}
	printf("%-30s %-16s %-7s %-9s %-21s %-21s %-16s %s\n", "NAME", "STATUS", "ERRORS",
	       "WARNINGS", "CREATED", "EXPIRES", "STORAGE LOCATION", "SELECTOR");
	cJSON_ArrayForEach(b, list)
	{
		const char *sel = "<none>";
		char selbuf[256] = "";
		cJSON *ls = cJSON_GetObjectItem(cJSON_GetObjectItem(b, "spec"), "labelSelector");

		if (ls) {
			char *text = cJSON_PrintUnformatted(ls);

			snprintf(selbuf, sizeof(selbuf), "%s", text);
			free(text);
			sel = selbuf;
		}
		printf("%-30s %-16s %-7.0f %-9.0f %-21s %-21s %-16s %s\n",
		       lb_describe_str(b, "metadata", "name"),
		       lb_describe_str(b, "status", "phase") ? lb_describe_str(b, "status", "phase")
		                                             : "",
		       lb_describe_num(b, "status", "errors"),
		       lb_describe_num(b, "status", "warnings"),
		       lb_describe_str(b, "status", "startTimestamp")
		           ? lb_describe_str(b, "status", "startTimestamp")
		           : "",
		       lb_describe_str(b, "status", "expiration")
		           ? lb_describe_str(b, "status", "expiration")
		           : "",
		       lb_describe_str(b, "spec", "storageLocation")
		           ? lb_describe_str(b, "spec", "storageLocation")
		           : "",
		       sel);
	}
	rc = LB_EXIT_OK;
done:
	cJSON_Delete(list);
	target_close(&t);
	return rc;
}

static void
print_list(const char *title, const cJSON *spec, const char *key, const char *dflt)
{
	const cJSON *it;
	int n = 0;

	printf("  %s:", title);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(spec, key))
	    printf("%s%s", n++ ? ", " : " ", cJSON_GetStringValue(it));
	if (!n)
		printf(" %s", dflt);
	printf("\n");
}

static int
backup_describe(lb_cli *cli)
{
	target t;
	cJSON *b = NULL, *spec;
	char key[1024];
	int error, rc;

	if ((rc = target_open(cli, "usage: lifeboat backup describe NAME [--details]", &t)) !=
	    LB_EXIT_OK)
		return rc;
	rc = LB_EXIT_FAIL;
	if ((error = lb_backup_catalog_get(t.loc, t.call, t.name, &b)) < 0) {
		lb_cli_fail("%s", lb_error_last(error));
		goto done;
	}
	spec = cJSON_GetObjectItem(b, "spec");
	printf("Name:         %s\n", lb_describe_str(b, "metadata", "name"));
	printf("Namespace:    %s\n", lb_describe_str(b, "metadata", "namespace"));
	printf("Phase:        %s\n", lb_describe_str(b, "status", "phase"));
	printf("Errors:       %.0f\n", lb_describe_num(b, "status", "errors"));
	printf("Warnings:     %.0f\n", lb_describe_num(b, "status", "warnings"));
	printf("\nNamespaces:\n");
	print_list("Included", spec, "includedNamespaces", "*");
	print_list("Excluded", spec, "excludedNamespaces", "<none>");
	printf("\nResources:\n");
	print_list("Included", spec, "includedResources", "*");
	print_list("Excluded", spec, "excludedResources", "<none>");
	{
		const cJSON *icr = cJSON_GetObjectItem(spec, "includeClusterResources");

		printf("  Cluster-scoped:  %s\n", cJSON_IsTrue(icr)    ? "included"
		                                  : cJSON_IsFalse(icr) ? "excluded"
		                                                       : "auto");
	}
	if (cJSON_GetObjectItem(spec, "labelSelector")) {
		char *text = cJSON_PrintUnformatted(cJSON_GetObjectItem(spec, "labelSelector"));

		printf("\nLabel selector:  %s\n", text);
		free(text);
	} else {
		printf("\nLabel selector:  <none>\n");
	}
	printf("\nStorage Location:  %s\n", lb_describe_str(spec, "storageLocation", NULL));
	printf("TTL:               %s\n", lb_describe_str(spec, "ttl", NULL));
	printf("Format version:    %s\n", lb_describe_str(b, "status", "formatVersion"));
	printf("\nStarted:    %s\n", lb_describe_str(b, "status", "startTimestamp"));
	printf("Completed:  %s\n", lb_describe_str(b, "status", "completionTimestamp")
	                               ? lb_describe_str(b, "status", "completionTimestamp")
	                               : "<n/a>");
	printf("Expiration: %s\n", lb_describe_str(b, "status", "expiration"));
	printf("\nTotal items to be backed up:  %.0f\n",
	       lb_describe_num(cJSON_GetObjectItem(b, "status"), "progress", "totalItems"));
	printf("Items backed up:              %.0f\n",
	       lb_describe_num(cJSON_GetObjectItem(b, "status"), "progress", "itemsBackedUp"));
	if (lb_describe_str(b, "status", "failureReason"))
		printf("Failure reason: %s\n", lb_describe_str(b, "status", "failureReason"));
	if (has_flag(cli, "--details")) {
		lb_layout_backup_key(key, sizeof(key), t.name, "-resource-list.json.gz");
		lb_describe_resource_list(t.loc, t.call, key);
		lb_layout_backup_key(key, sizeof(key), t.name, "-itemoperations.json.gz");
		lb_describe_operations(t.loc, t.call, key, "backupItemAction");
		lb_layout_backup_key(key, sizeof(key), t.name, "-results.gz");
		lb_describe_results(t.loc, t.call, key);
	}
	rc = LB_EXIT_OK;
done:
	cJSON_Delete(b);
	target_close(&t);
	return rc;
}

static int
backup_logs(lb_cli *cli)
{
	target t;
	lb_buf buf = LB_BUF_INIT;
	char key[1024];
	int error, rc;

	if ((rc = target_open(cli, "usage: lifeboat backup logs NAME", &t)) != LB_EXIT_OK)
		return rc;
	rc = LB_EXIT_FAIL;
	lb_layout_backup_key(key, sizeof(key), t.name, "-logs.gz");
	if ((error = lb_backup_catalog_get_gz(t.loc, t.call, key, &buf)) < 0) {
		lb_cli_fail("logs of backup %s: %s", t.name, lb_error_last(error));
		goto done;
	}
	fwrite(buf.ptr, 1, buf.len, stdout);
	rc = LB_EXIT_OK;
done:
	lb_buf_dispose(&buf);
	target_close(&t);
	return rc;
}

static int
backup_download(lb_cli *cli)
{
	target t;
	char path[1024];
	int error, rc;

	if ((rc = target_open(cli, "usage: lifeboat backup download NAME", &t)) != LB_EXIT_OK)
		return rc;
	rc = LB_EXIT_FAIL;
	snprintf(path, sizeof(path), "%s-data.tar.gz", t.name);
	if ((error = lb_backup_catalog_download(t.loc, t.call, t.name, path)) < 0) {
		lb_cli_fail("%s", lb_error_last(error));
		goto done;
	}
	printf("Backup %s has been successfully downloaded to %s\n", t.name, path);
	rc = LB_EXIT_OK;
done:
	target_close(&t);
	return rc;
}

static int
backup_delete(lb_cli *cli)
{
	target t;
	int error, rc;
	lb_volume_opts vo = LB_VOLUME_OPTS_INIT;                 /* volume data */
	lb_volume_delete_in vd = {NULL, NULL, NULL, NULL, NULL}; /* volume data */
	char vsum[256] = "";                                     /* volume data */

	if ((rc = target_open(cli, "usage: lifeboat backup delete NAME", &t)) != LB_EXIT_OK)
		return rc;
	rc = LB_EXIT_FAIL;
	/* volume data (core/volume): forget the backup's fs-copy snapshots, delete its CSI ones */
	vo.settings = lb_engine_settings(t.e);
	vo.location = lb_engine_location_cfg(t.e, t.loc_name);
	lb_volume_set_options(&vo);
	vd.loc = t.loc;
	vd.call = t.call;
	vd.backup = t.name;
	if (lb_engine_kube(t.e, &vd.kube) < 0)
		vd.kube = NULL; /* then CSI snapshots of the backup cannot be deleted (an error) */
	if (lb_engine_plugins(t.e, &vd.plugins) < 0)
		vd.plugins = NULL; /* then fs-copy snapshots cannot be forgotten (an error) */
	if ((error = lb_volume_backup_delete(&vd, vsum, sizeof(vsum))) < 0) {
		lb_cli_fail("backup %s was not deleted: %s", t.name, lb_error_last(error));
		goto done;
	}
	if ((error = lb_backup_catalog_delete(t.loc, t.call, t.name)) < 0) {
		lb_cli_fail("%s", lb_error_last(error));
		goto done;
	}
	printf("Backup %s deleted (%s).\n", t.name, vsum); /* volume data */
	rc = LB_EXIT_OK;
done:
	target_close(&t);
	return rc;
}

int
lb_cmd_backup(lb_cli *cli)
{
	const char *sub = cli->argc > 1 ? cli->argv[1] : "";

	if (!strcmp(sub, "create"))
		return backup_create(cli);
	if (!strcmp(sub, "get"))
		return backup_get(cli);
	if (!strcmp(sub, "describe"))
		return backup_describe(cli);
	if (!strcmp(sub, "logs"))
		return backup_logs(cli);
	if (!strcmp(sub, "download"))
		return backup_download(cli);
	if (!strcmp(sub, "delete"))
		return backup_delete(cli);
	return lb_cli_usage("usage: lifeboat backup create|get|describe|logs|download|delete ...");
}
