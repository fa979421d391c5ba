/* `lifeboat plugin test NAME-or-PATH --kind KIND ...`: start the plugin under the plugin
 * manager (forked children, watchdog) and run the kind's contract suite over its proxies. */
#include "conformance.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rpc/call.h"
#if __has_include("store/location.h")
#include "store/location.h"
#define LB_KIT_HAVE_LOCATION 1
#endif
#include "tap.h"
#include "util/buf.h"
#include "util/error.h"

#define USAGE                                                                                      \
	"usage: lifeboat plugin test NAME-or-PATH --kind "                                         \
	"object-store|volume-snapshotter|backup-item-action|restore-item-action|volume-copier\n"   \
	"         [--config key=value]... [--bucket B] [--prefix P] [--impl NAME]\n"               \
	"         [--call-timeout-ms N] [--start-timeout-ms N] [--large-mib N] [--threads N]\n"    \
	"         volume-copier: [--location-plugin NAME] [--location-config key=value]...\n"      \
	"                        [--repository KEY-PREFIX]\n"

typedef struct test_args {
	const char *target;
	int kind;
	const char *bucket;
	const char *prefix;
	const char *impl;
	int64_t call_timeout_ms;
	int64_t start_timeout_ms;
	int64_t large_mib;
	int64_t threads;
	lb_kv *kv;
	uint32_t nkv;
	/* volume-copier: the storage location the calls carry */
	const char *location_plugin;
	const char *repository;
	lb_kv *lkv;
	uint32_t nlkv;
} test_args;

typedef struct opener_ctx {
	lb_plugin_manager *mgr;
	lb_plugin_kind kind;
	const char *name;
} opener_ctx;

static int
open_instance(void *arg, const lb_config *config, lb_call *call, void **handle_out)
{
	opener_ctx *ctx = arg;

	switch (ctx->kind) {
	case LB_KIND_OBJECT_STORE:
		return lb_plugins_open_object_store(ctx->mgr, ctx->name, config, call,
		                                    (lb_object_store_handle **) handle_out);
	case LB_KIND_VOLUME_SNAPSHOTTER:
		return lb_plugins_open_volume_snapshotter(
		    ctx->mgr, ctx->name, config, call,
		    (lb_volume_snapshotter_handle **) handle_out);
	case LB_KIND_BACKUP_ITEM_ACTION:
		return lb_plugins_open_backup_item_action(
		    ctx->mgr, ctx->name, config, call,
		    (lb_backup_item_action_handle **) handle_out);
	case LB_KIND_RESTORE_ITEM_ACTION:
		return lb_plugins_open_restore_item_action(
		    ctx->mgr, ctx->name, config, call,
		    (lb_restore_item_action_handle **) handle_out);
	case LB_KIND_VOLUME_COPIER:
		return lb_plugins_open_volume_copier(ctx->mgr, ctx->name, config, call,
		                                     (lb_volume_copier_handle **) handle_out);
	default:
		return lb_call_set_error(call, LB_EINVAL, "unknown plugin kind");
	}
}

static void
close_instance(void *arg, void *handle)
{
	opener_ctx *ctx = arg;

	if (handle == NULL)
		return;
	switch (ctx->kind) {
	case LB_KIND_OBJECT_STORE:
		lb_object_store_handle_close(handle);
		break;
	case LB_KIND_VOLUME_SNAPSHOTTER:
		lb_volume_snapshotter_handle_close(handle);
		break;
	case LB_KIND_BACKUP_ITEM_ACTION:
		lb_backup_item_action_handle_close(handle);
		break;
	case LB_KIND_RESTORE_ITEM_ACTION:
		lb_restore_item_action_handle_close(handle);
		break;
	case LB_KIND_VOLUME_COPIER:
		lb_volume_copier_handle_close(handle);
		break;
	default:
		break;
	}
}

static int
parse_int(const char *name, const char *v, int64_t min, int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end != '\0' || n < min)
		return lb_cli_usage("%s: \"%s\" is not an integer >= %lld", name, v,
		                    (long long) min);
	*out = n;
	return 0;
}

static int
add_kv_to(lb_kv **kv, uint32_t *nkv, const char *opt, const char *v)
{
	const char *eq = strchr(v, '=');
	char *key;
	lb_kv *grown;

	if (eq == NULL || eq == v)
		return lb_cli_usage("%s: \"%s\" is not key=value", opt, v);
	if ((grown = realloc(*kv, (*nkv + 1) * sizeof(*grown))) == NULL)
		return lb_cli_fail("out of memory");
	*kv = grown;
	if ((key = strndup(v, (size_t) (eq - v))) == NULL)
		return lb_cli_fail("out of memory");
	(*kv)[*nkv].key = key;
	(*kv)[*nkv].value = eq + 1;
	(*nkv)++;
	return 0;
}

static int
add_kv(test_args *a, const char *v)
{
	return add_kv_to(&a->kv, &a->nkv, "--config", v);
}

/* A global flag of the CLI hub (with its value), or a --config naming a file. */
static const char *
global_flag(lb_cli *cli, int *i)
{
	static const char *const flags[] = {"--kubeconfig", "--context",   "--output",
	                                    "-o",           "--log-level", "--config"};
	const char *a = cli->argv[*i];
	size_t f, n;

	for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		const char *val = NULL;
		n = strlen(flags[f]);
		if (strcmp(a, flags[f]) == 0 && *i + 1 < cli->argc)
			val = cli->argv[*i + 1];
		else if (strncmp(a, flags[f], n) == 0 && a[n] == '=')
			val = a + n + 1;
		if (val == NULL)
			continue;
		if (strcmp(flags[f], "--config") == 0 && strchr(val, '=') != NULL)
			return NULL; /* key=value: the plugin's config */
		if (val != a + n + 1)
			++*i;
		return val;
	}
	return NULL;
}

static int
parse_args(lb_cli *cli, test_args *a)
{
	int i, missing = 0, rc;
	const char *v;

	a->kind = -1;
	a->call_timeout_ms = -1;
	for (i = 2; i < cli->argc; i++) {
		const char *arg = cli->argv[i];
		if ((v = lb_cli_flag(cli, &i, "--kind", &missing)) != NULL) {
			if ((a->kind = lb_plugin_kind_parse(v)) < 0)
				return lb_cli_usage("--kind: unknown kind \"%s\"\n%s", v, USAGE);
		} else if ((v = lb_cli_flag(cli, &i, "--bucket", &missing)) != NULL) {
			a->bucket = v;
		} else if ((v = lb_cli_flag(cli, &i, "--prefix", &missing)) != NULL) {
			a->prefix = v;
		} else if ((v = lb_cli_flag(cli, &i, "--location-plugin", &missing)) != NULL) {
			a->location_plugin = v;
		} else if ((v = lb_cli_flag(cli, &i, "--location-config", &missing)) != NULL) {
			if ((rc = add_kv_to(&a->lkv, &a->nlkv, "--location-config", v)) != 0)
				return rc;
		} else if ((v = lb_cli_flag(cli, &i, "--repository", &missing)) != NULL) {
			a->repository = v;
		} else if ((v = lb_cli_flag(cli, &i, "--impl", &missing)) != NULL) {
			a->impl = v;
		} else if ((v = lb_cli_flag(cli, &i, "--call-timeout-ms", &missing)) != NULL) {
			if ((rc = parse_int("--call-timeout-ms", v, 1, &a->call_timeout_ms)) != 0)
				return rc;
		} else if ((v = lb_cli_flag(cli, &i, "--start-timeout-ms", &missing)) != NULL) {
			if ((rc = parse_int("--start-timeout-ms", v, 1, &a->start_timeout_ms)) != 0)
				return rc;
		} else if ((v = lb_cli_flag(cli, &i, "--large-mib", &missing)) != NULL) {
			if ((rc = parse_int("--large-mib", v, 1, &a->large_mib)) != 0)
				return rc;
		} else if ((v = lb_cli_flag(cli, &i, "--threads", &missing)) != NULL) {
			if ((rc = parse_int("--threads", v, 1, &a->threads)) != 0)
				return rc;
			if (a->threads > 256)
				return lb_cli_usage("--threads: at most 256");
		} else if ((v = global_flag(cli, &i)) != NULL) {
			continue; /* the hub's, already applied */
		} else if ((v = lb_cli_flag(cli, &i, "--config", &missing)) != NULL) {
			if ((rc = add_kv(a, v)) != 0)
				return rc;
		} else if (missing) {
			break;
		} else if (arg[0] == '-' && arg[1] != '\0') {
			return lb_cli_usage("plugin test: unknown option \"%s\"\n%s", arg, USAGE);
		} else if (a->target == NULL) {
			a->target = arg;
		} else {
			return lb_cli_usage(
			    "plugin test: one plugin at a time (\"%s\" and \"%s\")\n%s", a->target,
			    arg, USAGE);
		}
		if (missing)
			break;
	}
	if (missing)
		return lb_cli_usage("plugin test: %s needs a value\n%s", cli->argv[i], USAGE);
	if (a->target == NULL)
		return lb_cli_usage("plugin test: which plugin? give a name or a .so path\n%s",
		                    USAGE);
	if (a->kind < 0)
		return lb_cli_usage("plugin test: --kind is required\n%s", USAGE);
	return 0;
}

/* The CLI hub takes `--config` anywhere on the line as the global config-file flag and
 * keeps only the last one, but `plugin test` uses `--config key=value` (repeatable) for the
 * plugin's config, as the issue and Velero's BSL `config` do. So the command's own options
 * are read again from the original command line: a `--config` whose value has '=' is the
 * plugin's, one without is the global config file (not ours). Other global flags are
 * skipped. Falls back to the hub's argv if /proc is not there. */
static char **
original_args(int *argc_out, char **buf_out)
{
	FILE *f = fopen("/proc/self/cmdline", "r");
	char *buf = NULL, **args = NULL;
	size_t len = 0, cap = 0, i, n = 0;
	int c, start, found = -1;

	*buf_out = NULL;
	if (f == NULL)
		return NULL;
	while ((c = fgetc(f)) != EOF) {
		if (len + 2 > cap) {
			char *grown = realloc(buf, cap = cap ? cap * 2 : 4096);
			if (grown == NULL)
				goto fail;
			buf = grown;
		}
		buf[len++] = (char) c;
	}
	fclose(f);
	f = NULL;
	if (buf == NULL)
		return NULL;
	buf[len] = '\0';
	for (i = 0; i < len; i++)
		n += buf[i] == '\0';
	if ((args = calloc(n + 2, sizeof(*args))) == NULL)
		goto fail;
	n = 0;
	for (i = 0; i < len; i += strlen(buf + i) + 1)
		args[n++] = buf + i;
	/* "plugin" ... "test": the options start after "test". */
	for (i = 1, start = -1; i < n; i++) {
		if (start < 0 && strcmp(args[i], "plugin") == 0)
			start = (int) i;
		else if (start >= 0 && strcmp(args[i], "test") == 0) {
			found = (int) i;
			break;
		}
	}
	if (found < 0)
		goto fail;
	*argc_out = (int) n;
	*buf_out = buf;
	/* Reuse the array as [plugin, test, options...] for parse_args. */
	args[found - 1] = "plugin";
	*argc_out = (int) n - (found - 1);
	memmove(args, args + found - 1, (size_t) *argc_out * sizeof(*args));
	args[*argc_out] = NULL;
	return args;
fail:
	if (f != NULL)
		fclose(f);
	free(buf);
	free(args);
	return NULL;
}

/* A plugin that cannot be tested still gets a TAP stream, so CI shows why. */
static int tap_refuse(const char *plugin, const char *desc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
tap_refuse(const char *plugin, const char *desc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("TAP version 13\n1..1\nnot ok 1 - %s\n  ---\n  message: ", desc);
	lb_tap_yaml_string(stdout, msg);
	printf("\n  plugin: ");
	lb_tap_yaml_string(stdout, plugin);
	printf("\n  ...\n# FAIL: 1 tests, 0 passed, 1 failed, 0 skipped\n");
	fflush(stdout);
	return LB_EXIT_FAIL;
}

static void
impls_str(const lb_plugin_info *info, char *buf, size_t len)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < info->nimpls && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s %s", i ? ", " : "",
		                 lb_plugin_kind_name(info->impls[i].kind), info->impls[i].name);
	if (info->nimpls == 0)
		snprintf(buf, len, "nothing");
}

int
lb_conformance_main(lb_cli *cli)
{
	test_args a;
	lb_plugin_settings settings;
	lb_plugin_manager *mgr = NULL;
	lb_strlist dirs = LB_STRLIST_INIT;
	lb_plugin_info info;
	lb_config config;
	lb_kit_opts opts;
	opener_ctx ctx;
	lb_cli orig;
	char **orig_argv = NULL, *orig_buf = NULL;
	char label[1400], impls[1024];
	const char *name = NULL;
	struct stat st;
	size_t idx = 0, i, n;
	int rc, error, c;
#ifdef LB_KIT_HAVE_LOCATION
	lb_object_store_handle *loc_store = NULL;
	lb_location *location = NULL;
#endif

	memset(&a, 0, sizeof(a));
	if ((orig_argv = original_args(&orig.argc, &orig_buf)) != NULL) {
		orig = *cli;
		orig.argc = 0;
		while (orig_argv[orig.argc] != NULL)
			orig.argc++;
		orig.argv = orig_argv;
		rc = parse_args(&orig, &a);
	} else {
		rc = parse_args(cli, &a);
		/* The hub kept the last --config; if it is key=value it was ours. */
		if (rc == 0 && cli->config_explicit && cli->config_path != NULL &&
		    strchr(cli->config_path, '=') != NULL)
			rc = add_kv(&a, cli->config_path);
	}
	if (rc != 0)
		goto done;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	lb_plugin_settings_init(&settings);
	if (a.start_timeout_ms > 0)
		settings.start_timeout_ms = a.start_timeout_ms;
	if (a.call_timeout_ms > 0)
		for (c = 0; c < LB_CALL_CLASS_COUNT_; c++)
			settings.limit_ms[c] = a.call_timeout_ms;

	if (stat(a.target, &st) == 0 && S_ISREG(st.st_mode)) {
		/* A path: that .so alone, whatever its name. */
		if ((error = lb_plugins_start(&settings, &mgr)) < 0) {
			rc = lb_cli_fail("cannot start the plugin manager: %s",
			                 lb_error_last(error));
			goto done;
		}
		if ((error = lb_plugins_add_file(mgr, a.target, &idx)) < 0) {
			rc = lb_cli_fail("%s: %s", a.target, lb_error_last(error));
			goto done;
		}
	} else {
		if ((error = lb_plugins_default_dirs(&dirs)) < 0) {
			rc = lb_cli_fail("plugin directories: %s", lb_error_last(error));
			goto done;
		}
		settings.dirs = (const char *const *) dirs.items;
		settings.ndirs = dirs.count;
		if ((error = lb_plugins_start(&settings, &mgr)) < 0) {
			rc = lb_cli_fail("cannot start the plugin manager: %s",
			                 lb_error_last(error));
			goto done;
		}
		if ((name = lb_plugins_resolve(mgr, (lb_plugin_kind) a.kind, a.target)) == NULL) {
			rc =
			    tap_refuse(a.target, "the plugin is found and running",
			               "no running plugin provides %s \"%s\" (see `lifeboat plugin "
			               "list`; a failed plugin shows its reason there)",
			               lb_plugin_kind_name((lb_plugin_kind) a.kind), a.target);
			goto done;
		}
		/* The plugin that provides it, for the diagnostics. */
		n = lb_plugins_count(mgr);
		for (idx = 0; idx < n; idx++) {
			if (lb_plugins_info(mgr, idx, &info) < 0)
				continue;
			for (i = 0; i < info.nimpls; i++)
				if ((int) info.impls[i].kind == a.kind &&
				    strcmp(info.impls[i].name, name) == 0)
					break;
			if (i < info.nimpls)
				break;
		}
	}
	memset(&info, 0, sizeof(info));
	lb_plugins_info(mgr, idx, &info);
	if (info.state != NULL && strcmp(info.state, "ok") != 0) {
		rc = tap_refuse(info.path[0] ? info.path : a.target,
		                "the plugin starts and says HELLO", "%s%s",
		                info.reason[0] ? info.reason : "the plugin failed to start", "");
		goto done;
	}
	if (name == NULL) {
		for (i = 0; i < info.nimpls; i++)
			if ((int) info.impls[i].kind == a.kind &&
			    (a.impl == NULL || strcmp(info.impls[i].name, a.impl) == 0))
				break;
		if (i == info.nimpls) {
			impls_str(&info, impls, sizeof(impls));
			snprintf(label, sizeof(label), "%s %s",
			         lb_plugin_kind_name((lb_plugin_kind) a.kind),
			         a.impl ? a.impl : "implementation");
			rc =
			    tap_refuse(a.target, "the plugin provides the kind under test",
			               "the plugin registers no %s; it provides: %s", label, impls);
			goto done;
		}
		name = info.impls[i].name;
	}
	snprintf(label, sizeof(label), "%s %s (%s, pid %d)", name,
	         info.version[0] ? info.version : "", info.path[0] ? info.path : a.target,
	         info.pid);

	config.count = a.nkv;
	config.reserved = 0;
	config.items = a.kv;
	ctx.mgr = mgr;
	ctx.kind = (lb_plugin_kind) a.kind;
	ctx.name = name;
	memset(&opts, 0, sizeof(opts));
	opts.out = stdout;
	opts.plugin = label;
	opts.kind = (lb_plugin_kind) a.kind;
	opts.opener.ctx = &ctx;
	opts.opener.open = open_instance;
	opts.opener.close = close_instance;
	opts.config = &config;
	opts.bucket = a.bucket;
	opts.prefix = a.prefix;
	opts.call_timeout_ms = a.call_timeout_ms;
	opts.large_mib = a.large_mib;
	opts.threads = (int) a.threads;
	opts.repository = a.repository;
	if (a.kind == LB_KIND_VOLUME_COPIER) {
#ifdef LB_KIT_HAVE_LOCATION
		/* The storage location every call carries: an object store opened like the
		 * engine's (config + bucket + prefix), wrapped without a prefix because the kit's
		 * keys already start with --prefix. */
		lb_call *lcall = lb_call_new(NULL);
		const char *lname = a.location_plugin ? a.location_plugin : "lifeboat.io/file";
		lb_kv *items = calloc(a.nlkv + 2, sizeof(*items));
		lb_config lcfg = {0, 0, items};
		const char *bucket = a.bucket ? a.bucket : LB_KIT_DEFAULT_BUCKET;

		for (i = 0; items && i < a.nlkv; i++)
			items[lcfg.count++] = a.lkv[i];
		if (items)
			items[lcfg.count++] = (lb_kv){"bucket", bucket};
		error = !lcall || !items ? LB_ENOMEM
		                         : lb_plugins_open_object_store(mgr, lname, &lcfg, lcall,
		                                                        &loc_store);
		if (error >= 0)
			error = lb_location_wrap(loc_store, "conformance", bucket, "", 0, &location);
		if (error < 0) {
			rc = tap_refuse(lname, "the storage location for the volume copier opens",
			                "object store %s (bucket %s): %s", lname, bucket,
			                lcall ? lb_call_error_message(lcall) : "out of memory");
			free(items);
			lb_call_free(lcall);
			goto done;
		}
		free(items);
		lb_call_free(lcall);
		opts.location = location;
#else
		rc = lb_cli_fail("plugin test: volume-copier needs the storage-location layer");
		goto done;
#endif
	}
	rc = lb_conformance_run(&opts) == 0 ? LB_EXIT_OK : LB_EXIT_FAIL;
done:
#ifdef LB_KIT_HAVE_LOCATION
	lb_location_close(location);
	lb_object_store_handle_close(loc_store);
#endif
	lb_plugins_stop(mgr);
	lb_strlist_dispose(&dirs);
	for (i = 0; i < a.nkv; i++)
		free((char *) a.kv[i].key);
	free(a.kv);
	for (i = 0; i < a.nlkv; i++)
		free((char *) a.lkv[i].key);
	free(a.lkv);
	free(orig_argv);
	free(orig_buf);
	return rc;
}
