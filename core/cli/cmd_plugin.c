/* `lifeboat plugin list [-o json]` and `lifeboat plugin test ...` (core/conformance). */
#include "cli.h"

#define MAX_W(a, b) ((a) > (b) ? (a) : (b))
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "supervise/manager.h"
#include "util/buf.h"
#include "util/error.h"

#if __has_include("config/config.h")
#include "config/config.h"
#define LB_HAVE_CONFIG 1
#endif
#if __has_include("conformance/conformance.h")
#include "conformance/conformance.h"
#define LB_HAVE_CONFORMANCE 1
#endif

/* Plugin settings from the config file (if any); $LIFEBOAT_PLUGIN_DIRS overrides the
 * directories; else the built-in defaults. @dirs and @ov keep what settings point to. */
static int
load_settings(lb_cli *cli, lb_plugin_settings *s, lb_strlist *dirs, lb_plugin_override **ov)
{
	const char *env = getenv("LIFEBOAT_PLUGIN_DIRS");
	int error = 0;

	lb_plugin_settings_init(s);
	*ov = NULL;
#ifdef LB_HAVE_CONFIG
	{
		const char *path = lb_cli_config_path(cli);
		lb_settings *cfg = NULL;

		if (path) {
			if ((error = lb_settings_load(path, &cfg)) < 0)
				return lb_cli_fail("%s", lb_error_last(error)), error;
			for (size_t i = 0; i < cfg->nplugin_dirs && !(env && *env); i++)
				lb_strlist_add(dirs, cfg->plugin_dirs[i]);
			if (cfg->plugin_start_timeout_ms > 0)
				s->start_timeout_ms = cfg->plugin_start_timeout_ms;
			if (cfg->call_metadata_ms > 0)
				s->limit_ms[LB_CALL_CLASS_META] = cfg->call_metadata_ms;
			if (cfg->call_data_ms > 0)
				s->limit_ms[LB_CALL_CLASS_DATA] = cfg->call_data_ms;
			if (cfg->call_action_ms > 0)
				s->limit_ms[LB_CALL_CLASS_ITEM] = cfg->call_action_ms;
			if (cfg->plugin_children > 0)
				s->children = cfg->plugin_children;
			if (cfg->noverrides) {
				*ov = calloc(cfg->noverrides, sizeof(**ov));
				for (size_t i = 0; *ov && i < cfg->noverrides; i++) {
					(*ov)[i].match = strdup(cfg->overrides[i].name);
					(*ov)[i].start_timeout_ms =
					    cfg->overrides[i].start_timeout_ms;
					(*ov)[i].children = cfg->overrides[i].children;
				}
				if (*ov)
					s->noverrides = cfg->noverrides;
			}
			lb_settings_free(cfg);
		}
	}
#else
	(void) cli;
#endif
	if (dirs->count == 0 && (error = lb_plugins_default_dirs(dirs)) < 0)
		return error;
	s->dirs = (const char *const *) dirs->items;
	s->ndirs = dirs->count;
	s->overrides = *ov;
	return 0;
}

static void
kinds_of(const lb_plugin_info *info, lb_buf *out)
{
	for (size_t k = 0; k < info->nimpls; k++) {
		int dup = 0;

		for (size_t j = 0; j < k; j++)
			dup |= info->impls[j].kind == info->impls[k].kind;
		if (dup)
			continue;
		if (out->len)
			lb_buf_puts(out, ",");
		lb_buf_puts(out, lb_plugin_kind_name(info->impls[k].kind));
	}
	if (!out->len)
		lb_buf_puts(out, "-");
}

static int
plugin_list(lb_cli *cli)
{
	lb_plugin_settings s;
	lb_strlist dirs = LB_STRLIST_INIT;
	lb_plugin_override *ov = NULL;
	lb_plugin_manager *mgr = NULL;
	int json = cli->output && !strcmp(cli->output, "json");
	int error, rc = LB_EXIT_OK;

	if (cli->output && *cli->output && !json && strcmp(cli->output, "table"))
		return lb_cli_usage("plugin list: unsupported output '%s' (use -o json or table)",
		                    cli->output);
	if ((error = load_settings(cli, &s, &dirs, &ov)) < 0) {
		rc = LB_EXIT_FAIL;
		goto done;
	}
	if ((error = lb_plugins_start(&s, &mgr)) < 0) {
		rc = lb_cli_fail("%s", lb_error_last(error));
		goto done;
	}
	if (json) {
		cJSON *arr = cJSON_CreateArray();
		char *text;

		for (size_t i = 0; i < lb_plugins_count(mgr); i++) {
			lb_plugin_info info;
			cJSON *o = cJSON_CreateObject(), *impls;

			lb_plugins_info(mgr, i, &info);
			cJSON_AddStringToObject(o, "name", info.name);
			cJSON_AddStringToObject(o, "version", info.version);
			cJSON_AddStringToObject(o, "sdk", info.sdk);
			cJSON_AddStringToObject(o, "state", info.state);
			cJSON_AddStringToObject(o, "path", info.path);
			cJSON_AddStringToObject(o, "reason", info.reason);
			impls = cJSON_AddArrayToObject(o, "implementations");
			for (size_t k = 0; k < info.nimpls; k++) {
				cJSON *e = cJSON_CreateObject();

				cJSON_AddStringToObject(e, "kind",
				                        lb_plugin_kind_name(info.impls[k].kind));
				cJSON_AddStringToObject(e, "name", info.impls[k].name);
				cJSON_AddItemToArray(impls, e);
			}
			cJSON_AddItemToArray(arr, o);
		}
		text = cJSON_Print(arr);
		printf("%s\n", text ? text : "[]");
		free(text);
		cJSON_Delete(arr);
	} else {
		size_t n = lb_plugins_count(mgr);
		int wname = 4, wkinds = 5, wpath = 4;

		/* Columns as wide as their widest cell, like kubectl's tables. */
		for (size_t i = 0; i < n; i++) {
			lb_plugin_info info;
			lb_buf kinds = LB_BUF_INIT;

			lb_plugins_info(mgr, i, &info);
			kinds_of(&info, &kinds);
			wname = MAX_W(wname, (int) strlen(info.name[0] ? info.name : "-"));
			wkinds = MAX_W(wkinds, (int) kinds.len);
			wpath = MAX_W(wpath, (int) strlen(info.path));
			lb_buf_dispose(&kinds);
		}
		printf("%-*s  %-*s  %-5s  %-7s  %-*s  %s\n", wname, "NAME", wkinds, "KINDS", "SDK",
		       "STATE", wpath, "PATH", "REASON");
		for (size_t i = 0; i < n; i++) {
			lb_plugin_info info;
			lb_buf kinds = LB_BUF_INIT;

			lb_plugins_info(mgr, i, &info);
			kinds_of(&info, &kinds);
			printf("%-*s  %-*s  %-5s  %-7s  %-*s  %s\n", wname,
			       info.name[0] ? info.name : "-", wkinds, kinds.ptr ? kinds.ptr : "-",
			       info.sdk[0] ? info.sdk : "-", info.state, wpath, info.path, info.reason);
			lb_buf_dispose(&kinds);
		}
	}
done:
	lb_plugins_stop(mgr);
	for (size_t i = 0; ov && i < s.noverrides; i++)
		free((char *) ov[i].match);
	free(ov);
	lb_strlist_dispose(&dirs);
	return rc;
}

int
lb_cmd_plugin(lb_cli *cli)
{
	const char *sub = cli->argc > 1 ? cli->argv[1] : NULL;

	if (!sub || !strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		printf("Usage: lifeboat plugin list [-o json]\n"
		       "       lifeboat plugin test NAME-or-PATH --kind KIND [--bucket B] "
		       "[--config k=v ...]\n"
		       "KIND: object-store, volume-snapshotter, backup-item-action, "
		       "restore-item-action, volume-copier\n");
		return sub ? LB_EXIT_OK : LB_EXIT_USAGE;
	}
	if (!strcmp(sub, "list"))
		return plugin_list(cli);
	if (!strcmp(sub, "test")) {
#ifdef LB_HAVE_CONFORMANCE
		return lb_conformance_main(cli);
#else
		return lb_cli_fail("plugin test: the conformance kit is not built in");
#endif
	}
	return lb_cli_usage("plugin: unknown subcommand '%s' (list, test)", sub);
}
