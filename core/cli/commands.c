/* The command table: one line per command; each command is in cmd_<name>.c. */
#include "cli.h"
#include "commands.h"

const lb_cli_command lb_cli_commands[] = {
	{"version", "print client (and, when reachable, cluster) versions", lb_cmd_version},
	{"fs-copy", "restic-format volume backup: init|backup|restore|snapshots|forget|prune|check|key", lb_cmd_fscopy},
	{"task", "list queued and running tasks, or cancel one", lb_cmd_task},
	{"plugin", "list plugins, or run the conformance kit against one", lb_cmd_plugin},
	{NULL, NULL, NULL},
};
