/* The command table: one line per command; each command is in cmd_<name>.c. */
#include "cli.h"
#include "commands.h"

const lb_cli_command lb_cli_commands[] = {
	{"version", "print client (and, when reachable, cluster) versions", lb_cmd_version},
	{"backup", "back up cluster resources in Velero's format: create|get|describe|logs|download|delete", lb_cmd_backup},
	{"restore", "restore a backup into the cluster: create|get|describe|logs", lb_cmd_restore},
	{"fs-copy", "restic-format volume backup: init|backup|restore|snapshots|forget|prune|check|key", lb_cmd_fscopy},
	{"task", "list queued and running tasks, or cancel one", lb_cmd_task},
	{"plugin", "list plugins, or run the conformance kit against one", lb_cmd_plugin},
	{NULL, NULL, NULL},
};
