/* lifeboat task list [-o json] | task cancel ID: the queue's records in the state dir. */
#include "cli.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "config/config.h"
#include "queue/queue.h"
#include "util/error.h"

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int
cmp_created(const void *a, const void *b)
{
	return strcmp(str(*(cJSON *const *) a, "created"), str(*(cJSON *const *) b, "created"));
}

static int
task_list(lb_cli *cli, const lb_settings *s)
{
	cJSON *recs = cJSON_CreateArray(), **sorted;
	int n, error;

	if ((error = lb_queue_recover(s->state_dir, NULL, recs)) < 0) {
		cJSON_Delete(recs);
		return lb_cli_fail("%s", lb_error_last(error));
	}
	if (!strcmp(cli->output, "json")) {
		char *text = cJSON_Print(recs);

		puts(text);
		free(text);
		cJSON_Delete(recs);
		return LB_EXIT_OK;
	}
	n = cJSON_GetArraySize(recs);
	sorted = calloc((size_t) n + 1, sizeof(*sorted));
	for (int i = 0; i < n; i++)
		sorted[i] = cJSON_GetArrayItem(recs, i);
	qsort(sorted, (size_t) n, sizeof(*sorted), cmp_created);
	printf("%-48s %-10s %-12s %-20s %s\n", "ID", "KIND", "PHASE", "CREATED", "ERROR");
	for (int i = 0; i < n; i++)
		printf("%-48s %-10s %-12s %-20s %s\n",
		       str(sorted[i], "id"),
		       str(sorted[i], "kind"),
		       str(sorted[i], "phase"),
		       str(sorted[i], "created"),
		       str(sorted[i], "error"));
	free(sorted);
	cJSON_Delete(recs);
	return LB_EXIT_OK;
}

int
lb_cmd_task(lb_cli *cli)
{
	lb_settings *s = NULL;
	int error, rc;

	if (cli->argc < 2 || (strcmp(cli->argv[1], "list") && strcmp(cli->argv[1], "cancel")))
		return lb_cli_usage("usage: lifeboat task list [-o json] | lifeboat task cancel ID");
	if ((error = lb_settings_load(lb_cli_config_path(cli), &s)) < 0)
		return lb_cli_fail("%s", lb_error_last(error));
	if (!strcmp(cli->argv[1], "list")) {
		rc = task_list(cli, s);
	} else if (cli->argc != 3) {
		rc = lb_cli_usage("usage: lifeboat task cancel ID");
	} else if ((error = lb_queue_request_cancel(s->state_dir, cli->argv[2])) < 0) {
		rc = lb_cli_fail("%s", lb_error_last(error));
	} else {
		printf("cancel requested for task %s\n", cli->argv[2]);
		rc = LB_EXIT_OK;
	}
	lb_settings_free(s);
	return rc;
}
