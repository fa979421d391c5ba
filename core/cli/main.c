/* lifeboat: backup, disaster recovery and migration for Kubernetes applications. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

int
lb_cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("lifeboat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return LB_EXIT_FAIL;
}

int
lb_cli_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("lifeboat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(see 'lifeboat help')\n", stderr);
	return LB_EXIT_USAGE;
}

const char *
lb_cli_flag(lb_cli *cli, int *i, const char *name, int *missing)
{
	const char *a = cli->argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= cli->argc) {
		*missing = 1;
		return NULL;
	}
	return cli->argv[++*i];
}

const char *
lb_cli_config_path(lb_cli *cli)
{
	static char xdg[4096];
	const char *base = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (cli->config_explicit)
		return cli->config_path;
	if (access("lifeboat.yaml", R_OK) == 0)
		return "lifeboat.yaml";
	if (base && *base)
		snprintf(xdg, sizeof(xdg), "%s/lifeboat/lifeboat.yaml", base);
	else if (home && *home)
		snprintf(xdg, sizeof(xdg), "%s/.config/lifeboat/lifeboat.yaml", home);
	else
		return NULL;
	return access(xdg, R_OK) == 0 ? xdg : NULL;
}

static int
parse_level(const char *s)
{
	if (!strcmp(s, "error"))
		return LB_LOG_ERROR;
	if (!strcmp(s, "warning") || !strcmp(s, "warn"))
		return LB_LOG_WARN;
	if (!strcmp(s, "debug"))
		return LB_LOG_DEBUG;
	return LB_LOG_INFO;
}

/* Global flags may stand before or after the command word; take them out of argv wherever
 * they are, until a "--". Returns -1 on a flag missing its value. */
static int
take_globals(lb_cli *cli, int argc, char **argv)
{
	static const struct {
		const char *lng, *shrt;
	} flags[] = {{"--config", NULL},
		     {"--kubeconfig", NULL},
		     {"--context", NULL},
		     {"--output", "-o"},
		     {"--log-level", NULL}};
	int out = 0, passthrough = 0;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *val = NULL;
		int which = -1;

		if (passthrough) {
			argv[out++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			passthrough = 1;
			argv[out++] = a;
			continue;
		}
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
			size_t n = strlen(flags[f].lng);

			if (!strcmp(a, flags[f].lng) || (flags[f].shrt && !strcmp(a, flags[f].shrt))) {
				if (i + 1 >= argc)
					return lb_cli_usage("flag %s needs a value", a), -1;
				which = (int) f;
				val = argv[++i];
			} else if (!strncmp(a, flags[f].lng, n) && a[n] == '=') {
				which = (int) f;
				val = a + n + 1;
			} else if (flags[f].shrt && !strncmp(a, flags[f].shrt, 2) && a[2] &&
				   flags[f].shrt[1] == 'o' && a[1] == 'o') {
				which = (int) f;
				val = a + 2;
			}
			if (which >= 0)
				break;
		}
		/* `--config k=v` is a command's own option (plugin config for `plugin test`);
		 * only a value without '=' names the configuration file. */
		if (which == 0 && strchr(val, '=')) {
			if (val == a + strlen("--config") + 1) {
				argv[out++] = a;
			} else {
				argv[out++] = a;
				argv[out++] = val;
			}
			continue;
		}
		switch (which) {
		case 0:
			cli->config_path = val;
			cli->config_explicit = 1;
			break;
		case 1:
			cli->kubeconfig = val;
			break;
		case 2:
			cli->context = val;
			break;
		case 3:
			cli->output = val;
			break;
		case 4:
			cli->log_level = parse_level(val);
			break;
		default:
			argv[out++] = a;
		}
	}
	argv[out] = NULL;
	return out;
}

static int
cmd_help(void)
{
	printf("Usage: lifeboat COMMAND [ARGS] [--config FILE] [--kubeconfig FILE] [--context NAME] "
	       "[-o json|yaml]\n\nCommands:\n");
	for (const lb_cli_command *c = lb_cli_commands; c->name; c++)
		printf("  %-12s %s\n", c->name, c->summary);
	return LB_EXIT_OK;
}

int
main(int argc, char **argv)
{
	lb_cli cli = {.argv0 = argv[0], .output = "", .log_level = LB_LOG_INFO};
	int n;

	n = take_globals(&cli, argc, argv);
	if (n < 0)
		return LB_EXIT_USAGE;
	lb_log_set_level(cli.log_level);
	if (n == 0 || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help") ||
	    !strcmp(argv[0], "-h"))
		return cmd_help();
	cli.argc = n;
	cli.argv = argv;
	for (const lb_cli_command *c = lb_cli_commands; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->fn(&cli);
	return lb_cli_usage("unknown command '%s'", argv[0]);
}
