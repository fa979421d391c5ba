/* The CLI: global flags and the command table. Each command lives in its own
 * cmd_<name>.c and is listed once in commands.c. */
#ifndef LB_CLI_CLI_H
#define LB_CLI_CLI_H

#include <stdio.h>

typedef struct lb_cli {
	const char *argv0;
	const char *config_path;     /* --config; NULL: ./lifeboat.yaml, then $XDG_CONFIG_HOME */
	int config_explicit;         /* --config was given */
	const char *kubeconfig;      /* --kubeconfig */
	const char *context;         /* --context */
	const char *output;          /* -o/--output: "", "json", "yaml", "table" */
	int log_level;               /* --log-level */
	int argc;                    /* the command's own arguments, globals removed */
	char **argv;                 /* argv[0] is the command word */
} lb_cli;

typedef int (*lb_cli_fn)(lb_cli *cli);

typedef struct lb_cli_command {
	const char *name;    /* "backup", "plugin", ... */
	const char *summary; /* one line for `lifeboat help` */
	lb_cli_fn fn;
} lb_cli_command;

extern const lb_cli_command lb_cli_commands[];

/* Exit statuses. */
#define LB_EXIT_OK 0
#define LB_EXIT_FAIL 1
#define LB_EXIT_USAGE 2

/* A command's option "--name=value" or "--name value" at cli->argv[*i]: the value, with
 * *i advanced past it; NULL when argv[*i] is not --name (or has no value: then *missing is
 * set). */
const char *lb_cli_flag(lb_cli *cli, int *i, const char *name, int *missing);

/* Print "lifeboat: <msg>" to stderr; returns LB_EXIT_FAIL. */
int lb_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, exit status LB_EXIT_USAGE. */
int lb_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The config file to use: --config, else ./lifeboat.yaml, else
 * $XDG_CONFIG_HOME/lifeboat/lifeboat.yaml (or ~/.config/...); NULL if none exists and
 * none was named. */
const char *lb_cli_config_path(lb_cli *cli);

#endif
