/* `lifeboat restore create|get|describe|logs` (core/restore). */
#include "cli.h"
#include "commands.h"
#include "describe.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "archive/gzip.h"
#include "backup/catalog.h"
#include "backup/layout.h"
#include "backup/record.h"
#include "engine/engine.h"
#include "restore/restore.h"
#include "util/error.h"
#include "volume/volume.h" /* volume data */
#include "util/time.h"

/* The restore runs as a task on the engine's queue: it gets the queue's per-task timeout,
 * a record in the state dir (`lifeboat task list`), and cancellation by Ctrl-C or by
 * `lifeboat task cancel ID` from another shell. */
typedef struct restore_task {
	lb_kube_client *kube;
	lb_location *loc;
	lb_restore_opts *o;
	lb_restore_summary *s;
} restore_task;

static int
run_restore_task(void *ud, const cJSON *params, lb_cancel *cancel, lb_task *task)
{
	restore_task *t = ud;
	int error;

	(void) params;
	t->o->cancel = cancel;
	error = lb_restore_run(t->kube, t->loc, t->o, t->s);
	if (error == 0)
		lb_task_set_progress(task, t->s->phase);
	return error;
}

typedef struct progress {
	int64_t last_ms;
	int quiet;
} progress;

static void
on_progress(void *ud, uint64_t done, uint64_t total)
{
	progress *p = ud;
	int64_t now = lb_now_ms();

	(void) total;
	if (p->quiet || now - p->last_ms < 1000)
		return;
	p->last_ms = now;
	fprintf(stderr, "Restore in progress: %llu items processed\n", (unsigned long long) done);
}

static int
restore_create(lb_cli *cli)
{
	lb_restore_opts o;
	lb_restore_summary s;
	lb_engine *e = NULL;
	lb_location *loc = NULL;
	lb_kube_client *kube = NULL; /* the engine's */
	lb_plugin_manager *mgr = NULL;
	const lb_settings *cfg;
	const char *v, *loc_name = NULL, *policy = NULL;
	const char **sk = NULL, **sv = NULL, **ik = NULL, **iv = NULL;
	progress p = {0, 0};
	double qps = 0; /* --client-qps/--client-burst, when given */
	int burst = 0, have_qps = 0, have_burst = 0;
	int i, missing = 0, error, rc = LB_EXIT_FAIL;
	lb_volume_opts vo = LB_VOLUME_OPTS_INIT; /* volume data */
	size_t k;

	memset(&o, 0, sizeof(o));
	for (i = 2; i < cli->argc; i++) {
		const char *a = cli->argv[i];

		if ((v = lb_cli_flag(cli, &i, "--from-backup", &missing)))
			o.backup = v;
		else if ((v = lb_cli_flag(cli, &i, "--include-namespaces", &missing)))
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
		else if ((v = lb_cli_flag(cli, &i, "--namespace-mappings", &missing)))
			o.namespace_mappings = v;
		else if ((v = lb_cli_flag(cli, &i, "--existing-resource-policy", &missing)))
			policy = v;
		else if ((v = lb_cli_flag(cli, &i, "--restore-status", &missing)))
			o.restore_status = v;
		else if ((v = lb_cli_flag(cli, &i, "--resource-modifiers", &missing)))
			o.resource_modifiers = v;
		else if ((v = lb_cli_flag(cli, &i, "--include-cluster-resources", &missing))) {
			if (lb_cluster_mode_parse(v, &o.cluster) < 0)
				return lb_cli_usage("%s", lb_error_last(LB_EINVAL));
		} else if ((v = lb_cli_flag(cli, &i, "--storage-location", &missing)))
			loc_name = v;
		else if ((v = lb_cli_flag(cli, &i, "--workers", &missing)))
			o.workers = atoi(v);
		else if ((v = lb_cli_flag(cli, &i, "--client-qps", &missing)))
			qps = atof(v), have_qps = 1;
		else if ((v = lb_cli_flag(cli, &i, "--client-burst", &missing)))
			burst = atoi(v), have_burst = 1;
		else if ((v = lb_cli_flag(cli, &i, "--from-file", &missing)))
			o.tarball = v;
		else if ((v = lb_cli_flag(cli, &i, "--item-operation-timeout", &missing))) {
			if (lb_duration_parse(v, &o.item_operation_timeout_ms) < 0)
				return lb_cli_usage("--item-operation-timeout: %s",
				                    lb_error_last(LB_EINVAL));
		} else if ((v = lb_cli_flag(cli, &i, "--item-operation-poll-interval", &missing))) {
			if (lb_duration_parse(v, &o.operation_poll_ms) < 0)
				return lb_cli_usage("--item-operation-poll-interval: %s",
				                    lb_error_last(LB_EINVAL));
		} else if ((v = lb_cli_flag(cli, &i, "--additional-items-ready-timeout",
		                            &missing))) {
			if (lb_duration_parse(v, &o.additional_items_timeout_ms) < 0)
				return lb_cli_usage("--additional-items-ready-timeout: %s",
				                    lb_error_last(LB_EINVAL));
		} else if (!strcmp(a, "--preserve-nodeports") ||
		           !strcmp(a, "--preserve-nodeports=true"))
			o.preserve_nodeports = 1;
		else if (!strcmp(a, "--preserve-nodeports=false"))
			o.preserve_nodeports = 0;
		else if (!strcmp(a, "--wait") || !strcmp(a, "--wait=true"))
			p.quiet = 0;
		else if (!strcmp(a, "--wait=false"))
			p.quiet = 1;
		else if ((error = lb_volume_cli_flag(cli->argc, cli->argv, &i, &vo)) != 0) {
			if (error < 0) /* volume data flags */
				return lb_cli_usage("restore create: %s", lb_error_last(error));
		} else if (missing)
			break;
		else if (a[0] == '-')
			return lb_cli_usage("restore create: unknown flag %s", a);
		else if (!o.name)
			o.name = a;
		else
			return lb_cli_usage("restore create: unexpected argument %s", a);
		if (missing)
			break;
	}
	if (missing)
		return lb_cli_usage("restore create: %s needs a value", cli->argv[i]);
	if (!o.backup && !o.tarball)
		return lb_cli_usage(
		    "usage: lifeboat restore create [NAME] --from-backup B "
		    "[--include-namespaces a] [--exclude-namespaces b] "
		    "[--include-resources r] [--exclude-resources r] [--selector k=v] "
		    "[--namespace-mappings a:b,...] "
		    "[--existing-resource-policy none|update] "
		    "[--restore-status RESOURCES] [--preserve-nodeports] "
		    "[--resource-modifiers FILE] [--item-operation-timeout 4h] "
		    "[--item-operation-poll-interval 10s] "
		    "[--additional-items-ready-timeout 10m] [--wait]");
	if (policy && strcmp(policy, "none") != 0 && strcmp(policy, "update") != 0)
		return lb_cli_usage("--existing-resource-policy: \"%s\" is not none or update",
		                    policy);
	o.existing_update = policy && !strcmp(policy, "update");
	if ((error = lb_engine_open(cli, &e)) < 0) {
		lb_cli_fail("%s", lb_error_last(error));
		goto done;
	}
	if ((error = lb_engine_location(e, loc_name, &loc)) < 0) {
		lb_cli_fail("storage location %s: %s", loc_name ? loc_name : "(default)",
		            lb_error_last(error));
		goto done;
	}
	lb_engine_set_kube_rate(e, have_qps ? &qps : NULL, have_burst ? &burst : NULL);
	if ((error = lb_engine_kube(e, &kube)) < 0) {
		lb_cli_fail("Kubernetes client: %s", lb_error_last(error));
		goto done;
	}
	if (lb_engine_plugins(e, &mgr) == 0)
		o.plugins = mgr;
	cfg = lb_engine_settings(e);
	if (cfg && cfg->storage_class_mappings.count) {
		sk = calloc(cfg->storage_class_mappings.count, sizeof(*sk));
		sv = calloc(cfg->storage_class_mappings.count, sizeof(*sv));
		for (k = 0; sk && sv && k < cfg->storage_class_mappings.count; k++) {
			sk[k] = cfg->storage_class_mappings.items[k].key;
			sv[k] = cfg->storage_class_mappings.items[k].value;
		}
		o.storage_classes =
		    (lb_strmap){sk, sv, sk && sv ? cfg->storage_class_mappings.count : 0};
	}
	if (cfg && cfg->image_mappings.count) {
		ik = calloc(cfg->image_mappings.count, sizeof(*ik));
		iv = calloc(cfg->image_mappings.count, sizeof(*iv));
		for (k = 0; ik && iv && k < cfg->image_mappings.count; k++) {
			ik[k] = cfg->image_mappings.items[k].key;
			iv[k] = cfg->image_mappings.items[k].value;
		}
		o.images = (lb_strmap){ik, iv, ik && iv ? cfg->image_mappings.count : 0};
	}
	o.progress = on_progress;
	o.progress_ud = &p;
	vo.settings = lb_engine_settings(e); /* volume data */
	vo.location = lb_engine_location_cfg(e, loc_name);
	lb_volume_set_options(&vo);
	{
		restore_task t = {kube, loc, &o, &s};
		cJSON *params = cJSON_CreateObject();
		lb_task_spec spec = {.kind = "restore", .name = o.name, .params = params};

		cJSON_AddStringToObject(params, "name", o.name);
		cJSON_AddStringToObject(params, "storageLocation", lb_location_name(loc));
		error = lb_engine_run_task(e, &spec, run_restore_task, &t);
		cJSON_Delete(params);
	}
	if (error < 0) {
		lb_cli_fail("restore: %s", lb_error_last(error));
		goto done;
	}
	printf("Restore %s: %s. %llu items: %llu created, %llu updated, %llu skipped, %llu "
	       "failed in %.1f s; %zu errors, %zu warnings.\n",
	       s.name, s.phase, (unsigned long long) s.total, (unsigned long long) s.created,
	       (unsigned long long) s.updated, (unsigned long long) s.skipped,
	       (unsigned long long) s.failed, (double) s.duration_ms / 1000.0, s.errors,
	       s.warnings);
	if (s.errors || s.warnings)
		printf("Run `lifeboat restore describe %s --details` for details.\n", s.name);
	rc = strcmp(s.phase, "Completed") == 0 ? LB_EXIT_OK : LB_EXIT_FAIL;
done:
	free(sk);
	free(sv);
	free(ik);
	free(iv);
	lb_engine_close(e);
	return rc;
}

static int
open_loc(lb_cli *cli, lb_engine **e, lb_location **loc, int *first)
{
	const char *ln = NULL;
	int i, missing = 0, error;

	*first = -1;
	for (i = 2; i < cli->argc; i++) {
		const char *v = lb_cli_flag(cli, &i, "--storage-location", &missing);

		if (v)
			ln = v;
		else if (cli->argv[i][0] != '-' && *first < 0)
			*first = i;
	}
	if ((error = lb_engine_open(cli, e)) < 0)
		return lb_cli_fail("%s", lb_error_last(error));
	if ((error = lb_engine_location(*e, ln, loc)) < 0)
		return lb_cli_fail("storage location: %s", lb_error_last(error));
	return 0;
}

static int
get_record(lb_location *loc, lb_call *call, const char *name, cJSON **out)
{
	lb_buf b = LB_BUF_INIT;
	char key[1024];
	int error;

	snprintf(key, sizeof(key), "restores/%s/velero-restore.json", name);
	if ((error = lb_location_get_bytes(loc, call, key, &b)) < 0) {
		lb_buf_dispose(&b);
		return lb_error_set(error, "restore \"%s\" not found in storage location \"%s\"",
		                    name, lb_location_name(loc));
	}
	*out = cJSON_Parse(b.ptr ? b.ptr : "");
	lb_buf_dispose(&b);
	return *out ? 0 : lb_error_set(LB_ECORRUPT, "%s: not JSON", key);
}

static int
restore_get(lb_cli *cli)
{
	lb_engine *e = NULL;
	lb_location *loc = NULL;
	lb_call *call = NULL;
	lb_strlist prefixes = LB_STRLIST_INIT;
	cJSON *list = cJSON_CreateArray(), *r;
	int first, error, rc = LB_EXIT_FAIL;
	size_t i;

	if (open_loc(cli, &e, &loc, &first) != 0)
		goto done;
	call = lb_call_new(NULL);
	if (first > 0) {
		lb_strlist_add(&prefixes, cli->argv[first]);
	} else {
		if ((error = lb_location_list(loc, call, "restores/", "/", &prefixes)) < 0) {
			lb_cli_fail("list restores: %s", lb_call_error_message(call));
			goto done;
		}
		lb_strlist_sort(&prefixes);
	}
	for (i = 0; i < prefixes.count; i++) {
		char name[512], *p = prefixes.items[i];
		size_t n;

		if (!strncmp(p, "restores/", 9))
			p += 9;
		snprintf(name, sizeof(name), "%s", p);
		n = strlen(name);
		if (n && name[n - 1] == '/')
			name[n - 1] = '\0';
		if (get_record(loc, call, name, &r) == 0)
			cJSON_AddItemToArray(list, r);
		else if (first > 0) {
			lb_cli_fail("%s", lb_error_last(LB_ENOTFOUND));
			goto done;
		}
	}
	if (cli->output && (!strcmp(cli->output, "json") || !strcmp(cli->output, "yaml"))) {
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddStringToObject(doc, "apiVersion", "velero.io/v1");
		cJSON_AddStringToObject(doc, "kind", "RestoreList");
		cJSON_AddItemReferenceToObject(doc, "items", list);
		lb_describe_print_doc(doc, cli->output);
		cJSON_Delete(doc);
		rc = LB_EXIT_OK;
		goto done;
	}
	printf("%-40s %-24s %-16s %-7s %-9s %s\n", "NAME", "BACKUP", "STATUS", "ERRORS", "WARNINGS",
	       "CREATED");
	cJSON_ArrayForEach(r, list)
	{
		cJSON *st = cJSON_GetObjectItem(r, "status");

		printf(
		    "%-40s %-24s %-16s %-7d %-9d %s\n", lb_describe_str(r, "metadata", "name"),
		    lb_describe_str(r, "spec", "backupName"), lb_describe_str(r, "status", "phase"),
		    cJSON_GetObjectItem(st, "errors") ? cJSON_GetObjectItem(st, "errors")->valueint
		                                      : 0,
		    cJSON_GetObjectItem(st, "warnings")
		        ? cJSON_GetObjectItem(st, "warnings")->valueint
		        : 0,
		    lb_describe_str(r, "metadata", "creationTimestamp"));
	}
	rc = LB_EXIT_OK;
done:
	cJSON_Delete(list);
	lb_strlist_dispose(&prefixes);
	lb_call_free(call);
	lb_engine_close(e);
	return rc;
}

static int
restore_describe_or_logs(lb_cli *cli, int logs)
{
	lb_engine *e = NULL;
	lb_location *loc = NULL;
	lb_call *call = NULL;
	lb_buf b = LB_BUF_INIT;
	cJSON *r = NULL, *it;
	char key[1024];
	int first, error, rc = LB_EXIT_FAIL, details = 0, i;

	for (i = 2; i < cli->argc; i++)
		if (!strcmp(cli->argv[i], "--details"))
			details = 1;
	if (open_loc(cli, &e, &loc, &first) != 0)
		goto done;
	if (first < 0) {
		rc = lb_cli_usage("usage: lifeboat restore %s NAME", logs ? "logs" : "describe");
		goto done;
	}
	call = lb_call_new(NULL);
	if (logs) {
		lb_layout_restore_key(key, sizeof(key), cli->argv[first], "-logs.gz");
		if ((error = lb_backup_catalog_get_gz(loc, call, key, &b)) < 0) {
			lb_cli_fail("%s", lb_error_last(error));
			goto done;
		}
		fwrite(b.ptr, 1, b.len, stdout);
		rc = LB_EXIT_OK;
		goto done;
	}
	if ((error = get_record(loc, call, cli->argv[first], &r)) < 0) {
		lb_cli_fail("%s", lb_error_last(error));
		goto done;
	}
	printf("Name:         %s\n", lb_describe_str(r, "metadata", "name"));
	printf("Phase:        %s\n", lb_describe_str(r, "status", "phase"));
	printf("Backup:       %s\n", lb_describe_str(r, "spec", "backupName"));
	printf("Started:      %s\n", lb_describe_str(r, "status", "startTimestamp"));
	printf("Completed:    %s\n", lb_describe_str(r, "status", "completionTimestamp"));
	printf("Existing resource policy: %s\n",
	       lb_describe_str(r, "spec", "existingResourcePolicy"));
	if (cJSON_GetObjectItem(cJSON_GetObjectItem(r, "spec"), "namespaceMapping")) {
		printf("Namespace mappings:");
		cJSON_ArrayForEach(
		    it, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "spec"), "namespaceMapping"))
		    printf(" %s=%s", it->string, cJSON_GetStringValue(it));
		printf("\n");
	}
	{
		cJSON *pr = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "status"), "progress");

		printf("Total items:  %d\nRestored:     %d\n",
		       cJSON_GetObjectItem(pr, "totalItems")
		           ? cJSON_GetObjectItem(pr, "totalItems")->valueint
		           : 0,
		       cJSON_GetObjectItem(pr, "itemsRestored")
		           ? cJSON_GetObjectItem(pr, "itemsRestored")->valueint
		           : 0);
	}
	lb_layout_restore_key(key, sizeof(key), cli->argv[first], "-results.gz");
	lb_describe_results(loc, call, key);
	if (details) {
		lb_layout_restore_key(key, sizeof(key), cli->argv[first], "-resource-list.json.gz");
		lb_describe_resource_list(loc, call, key);
		lb_layout_restore_key(key, sizeof(key), cli->argv[first],
		                      "-itemoperations.json.gz");
		lb_describe_operations(loc, call, key, "restoreItemAction");
	}
	rc = LB_EXIT_OK;
done:
	cJSON_Delete(r);
	lb_buf_dispose(&b);
	lb_call_free(call);
	lb_engine_close(e);
	return rc;
}

int
lb_cmd_restore(lb_cli *cli)
{
	const char *sub = cli->argc > 1 ? cli->argv[1] : "";

	if (!strcmp(sub, "create"))
		return restore_create(cli);
	if (!strcmp(sub, "get"))
		return restore_get(cli);
	if (!strcmp(sub, "describe"))
		return restore_describe_or_logs(cli, 0);
	if (!strcmp(sub, "logs"))
		return restore_describe_or_logs(cli, 1);
	return lb_cli_usage("usage: lifeboat restore create|get|describe|logs ...");
}
