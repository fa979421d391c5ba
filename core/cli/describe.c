/* The sections `backup describe` and `restore describe` share (Velero's output). */
#include "describe.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/catalog.h"
#include "backup/yaml_print.h"
#include "util/buf.h"

const char *
lb_describe_str(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	return cJSON_GetStringValue(x);
}

double
lb_describe_num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	return cJSON_IsNumber(x) ? x->valuedouble : 0;
}

int
lb_describe_print_doc(const cJSON *doc, const char *format)
{
	if (format && !strcmp(format, "yaml")) {
		lb_buf b = LB_BUF_INIT;

		lb_json_print_yaml(doc, &b);
		fputs(b.ptr ? b.ptr : "", stdout);
		lb_buf_dispose(&b);
	} else {
		char *s = cJSON_Print(doc);

		puts(s ? s : "null");
		free(s);
	}
	return LB_EXIT_OK;
}

static cJSON *
get_json(lb_location *loc, lb_call *call, const char *key)
{
	lb_buf buf = LB_BUF_INIT;
	cJSON *doc = NULL;

	if (lb_backup_catalog_get_gz(loc, call, key, &buf) == 0)
		doc = cJSON_Parse(buf.ptr);
	lb_buf_dispose(&buf);
	return doc;
}

static void
print_result_entries(const char *title, const cJSON *res)
{
	const cJSON *it, *ns;

	printf("%s:\n", title);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(res, "velero"))
	    printf("  Velero:   %s\n", cJSON_GetStringValue(it));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(res, "cluster"))
	    printf("  Cluster:  %s\n", cJSON_GetStringValue(it));
	cJSON_ArrayForEach(ns, cJSON_GetObjectItem(res, "namespaces")) cJSON_ArrayForEach(it, ns)
	    printf("  Namespace %s: %s\n", ns->string, cJSON_GetStringValue(it));
}

void
lb_describe_results(lb_location *loc, lb_call *call, const char *key)
{
	cJSON *doc = get_json(loc, call, key);

	if (!doc)
		return;
	printf("\n");
	print_result_entries("Errors", cJSON_GetObjectItem(doc, "errors"));
	print_result_entries("Warnings", cJSON_GetObjectItem(doc, "warnings"));
	cJSON_Delete(doc);
}

void
lb_describe_resource_list(lb_location *loc, lb_call *call, const char *key)
{
	cJSON *doc = get_json(loc, call, key);
	const cJSON *kind, *it;

	if (!doc)
		return;
	printf("\nResource List:\n");
	cJSON_ArrayForEach(kind, doc)
	{
		printf("  %s:\n", kind->string);
		cJSON_ArrayForEach(it, kind) printf("    - %s\n", cJSON_GetStringValue(it));
	}
	cJSON_Delete(doc);
}

/* Velero's "Item Operations" section of describe --details. */
static void
print_operations(const cJSON *ops, const char *action_key)
{
	const cJSON *op, *it;

	printf("\n%s Item Operations:\n",
	       strcmp(action_key, "backupItemAction") ? "Restore" : "Backup");
	if (!cJSON_GetArraySize(ops))
		printf("  <none>\n");
	cJSON_ArrayForEach(op, ops)
	{
		const cJSON *spec = cJSON_GetObjectItem(op, "spec"),
		            *st = cJSON_GetObjectItem(op, "status");
		const cJSON *id = cJSON_GetObjectItem(spec, "resourceIdentifier");
		const char *ns = lb_describe_str(id, "Namespace", NULL);

		printf("  Operation for %s %s%s%s:\n", lb_describe_str(id, "Resource", NULL),
		       ns ? ns : "", ns && *ns ? "/" : "", lb_describe_str(id, "Name", NULL));
		printf("    Item Action Plugin:  %s\n", lb_describe_str(spec, action_key, NULL));
		printf("    Operation ID:        %s\n", lb_describe_str(spec, "operationID", NULL));
		if (cJSON_GetArraySize(cJSON_GetObjectItem(spec, "postOperationItems"))) {
			printf("    Items to Update:\n");
			cJSON_ArrayForEach(it, cJSON_GetObjectItem(spec, "postOperationItems"))
			{
				const char *ins = lb_describe_str(it, "Namespace", NULL);

				printf("      %s %s%s%s\n", lb_describe_str(it, "Resource", NULL),
				       ins ? ins : "", ins && *ins ? "/" : "",
				       lb_describe_str(it, "Name", NULL));
			}
		}
		printf("    Phase:               %s\n", lb_describe_str(st, "phase", NULL));
		if (lb_describe_str(st, "error", NULL))
			printf("    Operation Error:     %s\n", lb_describe_str(st, "error", NULL));
		if (cJSON_GetObjectItem(st, "nTotal") &&
		    cJSON_GetObjectItem(st, "nTotal")->valuedouble > 0)
			printf("    Progress:            %.0f of %.0f complete (%s)\n",
			       cJSON_GetObjectItem(st, "nCompleted")->valuedouble,
			       cJSON_GetObjectItem(st, "nTotal")->valuedouble,
			       lb_describe_str(st, "operationUnits", NULL)
			           ? lb_describe_str(st, "operationUnits", NULL)
			           : "");
		if (lb_describe_str(st, "description", NULL))
			printf("    Progress description: %s\n",
			       lb_describe_str(st, "description", NULL));
		printf("    Created:             %s\n", lb_describe_str(st, "created", NULL));
		printf("    Updated:             %s\n", lb_describe_str(st, "updated", NULL));
	}
}

void
lb_describe_operations(lb_location *loc, lb_call *call, const char *key, const char *action_key)
{
	cJSON *doc = get_json(loc, call, key);

	if (!doc)
		return;
	print_operations(doc, action_key);
	cJSON_Delete(doc);
}
