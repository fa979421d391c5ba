#include "kit.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rpc/call.h"
#include "util/error.h"

char *
lb_kit_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

const char *
lb_kit_code_str(int code, char *buf, size_t len)
{
	if (code == 0)
		return lb_kit_fmt(buf, len, "0 (success)");
	if (code < 0 && code > LB_ERROR_MIN_)
		return lb_kit_fmt(buf, len, "%s (%d)", lb_errname(code), code);
	return lb_kit_fmt(buf, len, "%d (not an lb_error_code)", code);
}

int
lb_kit_clean_error(int code, const lb_call *c)
{
	const char *msg = lb_call_error_message(c);

	return code < 0 && code > LB_ERROR_MIN_ && code != LB_ETIMEDOUT && code != LB_ECRASHED &&
	       code != LB_EPROTO && msg != NULL && msg[0] != '\0';
}

lb_call *
lb_kit_call_new(const lb_kit *kit)
{
	lb_call_opts opts = LB_CALL_OPTS_INIT;

	opts.limit_ms = kit->opts->call_timeout_ms;
	opts.location = kit->opts->location;
	opts.task = "conformance";
	return lb_call_new(&opts);
}

lb_call *
lb_kit_call(lb_kit *kit)
{
	lb_call_clear_error(kit->call);
	return kit->call;
}

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

void
lb_kit_fail(
    lb_kit *kit, const char *call, const char *expected, const char *got, const char *fmt, ...)
{
	va_list ap;

	if (kit->failed++)
		return;
	va_start(ap, fmt);
	vsnprintf(kit->diag.message, sizeof(kit->diag.message), fmt, ap);
	va_end(ap);
	copy(kit->diag.call, sizeof(kit->diag.call), call);
	copy(kit->diag.expected, sizeof(kit->diag.expected), expected);
	copy(kit->diag.got, sizeof(kit->diag.got), got);
}

void
lb_kit_fail_code(lb_kit *kit, const char *call, const char *expected, int code, lb_call *c)
{
	char cs[64];
	const char *msg = c ? lb_call_error_message(c) : "";

	if (kit->failed)
		return;
	lb_kit_code_str(code, cs, sizeof(cs));
	if (code == LB_ETIMEDOUT)
		lb_kit_fail(kit, call, expected, cs,
		            "the call did not return within its deadline%s%s", msg[0] ? ": " : "",
		            msg);
	else if (code == LB_ECRASHED)
		lb_kit_fail(kit, call, expected, cs, "the plugin crashed during the call%s%s",
		            msg[0] ? ": " : "", msg);
	else if (code < 0 && msg[0] == '\0')
		lb_kit_fail(kit, call, expected, cs,
		            "the call failed without a message (set one with lb_set_error)");
	else
		lb_kit_fail(kit, call, expected, cs, "the call returned %s where %s was expected",
		            cs, expected);
	copy(kit->diag.code, sizeof(kit->diag.code), cs);
	copy(kit->diag.error, sizeof(kit->diag.error), msg);
}

void
lb_kit_skip(lb_kit *kit, const char *fmt, ...)
{
	va_list ap;

	kit->skipped = 1;
	va_start(ap, fmt);
	vsnprintf(kit->skip_reason, sizeof(kit->skip_reason), fmt, ap);
	va_end(ap);
}

static const char *
kind_name(lb_plugin_kind kind)
{
	static const char *const names[] = {"object-store", "volume-snapshotter",
	                                    "backup-item-action", "restore-item-action",
	                                    "volume-copier"};

	return (unsigned) kind < LB_KIND_COUNT_ ? names[kind] : "unknown";
}

int
lb_kit_run(lb_kit *kit, const lb_kit_case *cases, size_t ncases)
{
	size_t i;

	lb_tap_begin(&kit->tap, kit->opts->out, kit->opts->plugin, (int) ncases);
	lb_tap_comment(&kit->tap, "lifeboat plugin conformance kit, SDK %s, kind %s",
	               LB_SDK_VERSION_STRING, kind_name(kit->opts->kind));
	lb_tap_comment(&kit->tap, "plugin: %s", kit->opts->plugin);
	if (kit->run_prefix[0])
		lb_tap_comment(&kit->tap, "bucket: %s, run prefix: %s", kit->bucket,
		               kit->run_prefix);
	for (i = 0; i < ncases; i++) {
		kit->failed = 0;
		kit->skipped = 0;
		kit->skip_reason[0] = '\0';
		memset(&kit->diag, 0, sizeof(kit->diag));
		if (cases[i].needs_instance && kit->handle == NULL) {
			lb_kit_fail(kit, NULL, "an instance of the plugin", "none",
			            "not run: the plugin could not be initialised (see test 1)");
		} else if ((kit->call = lb_kit_call_new(kit)) == NULL) {
			lb_kit_fail(kit, NULL, NULL, NULL, "out of memory");
		} else {
			cases[i].fn(kit);
			lb_call_free(kit->call);
			kit->call = NULL;
		}
		if (kit->failed)
			lb_tap_not_ok(&kit->tap, cases[i].desc, &kit->diag);
		else if (kit->skipped)
			lb_tap_skip(&kit->tap, cases[i].desc, kit->skip_reason);
		else
			lb_tap_ok(&kit->tap, cases[i].desc);
	}
	return lb_tap_end(&kit->tap);
}

int
lb_conformance_run(const lb_kit_opts *opts)
{
	lb_kit kit;
	const char *prefix = opts->prefix ? opts->prefix : "";
	size_t plen = strlen(prefix);
	struct timespec ts;
	int status;

	/* A plugin that stops reading a body pipe must not kill the kit. */
	signal(SIGPIPE, SIG_IGN);
	memset(&kit, 0, sizeof(kit));
	kit.opts = opts;
	kit.bucket = opts->bucket ? opts->bucket : LB_KIT_DEFAULT_BUCKET;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Unique per run, so that runs of several CI jobs against one bucket never meet. */
	lb_kit_fmt(kit.run_prefix, sizeof(kit.run_prefix),
	           "%s%slifeboat-conformance-%lld-%d-%06ld/", prefix,
	           plen > 0 && prefix[plen - 1] != '/' ? "/" : "", (long long) ts.tv_sec,
	           (int) getpid(), (long) (ts.tv_nsec / 1000));

	switch (opts->kind) {
	case LB_KIND_OBJECT_STORE:
		status = lb_kit_object_store_suite(&kit);
		break;
	case LB_KIND_VOLUME_SNAPSHOTTER:
		kit.run_prefix[0] = '\0';
		status = lb_kit_volume_snapshotter_suite(&kit);
		break;
	case LB_KIND_BACKUP_ITEM_ACTION:
		kit.run_prefix[0] = '\0';
		status = lb_kit_backup_item_action_suite(&kit);
		break;
	case LB_KIND_RESTORE_ITEM_ACTION:
		kit.run_prefix[0] = '\0';
		status = lb_kit_restore_item_action_suite(&kit);
		break;
	case LB_KIND_VOLUME_COPIER:
		status = lb_kit_volume_copier_suite(&kit);
		break;
	default:
		fprintf(opts->out, "Bail out! unknown plugin kind %d\n", (int) opts->kind);
		return 1;
	}
	if (kit.handle != NULL)
		opts->opener.close(opts->opener.ctx, kit.handle);
	return status;
}

void
lb_kit_t_init(lb_kit *kit)
{
	lb_call *call = lb_kit_call(kit);
	int error;

	kit->handle = NULL;
	error =
	    kit->opts->opener.open(kit->opts->opener.ctx, kit->opts->config, call, &kit->handle);
	if (error < 0) {
		kit->handle = NULL;
		lb_kit_fail_code(kit, "init(config=<the --config under test>)", "0 and an instance",
		                 error, call);
	}
}

void
lb_kit_t_init_unknown_key_lenient(lb_kit *kit)
{
	const lb_config *base = kit->opts->config;
	lb_kv *items = calloc(base->count + 1, sizeof(*items));
	lb_config config = {base->count + 1, 0, items};
	lb_call *call = lb_kit_call(kit);
	void *h = NULL;
	int error;

	if (items == NULL)
		abort();
	if (base->count)
		memcpy(items, base->items, base->count * sizeof(*items));
	items[base->count].key = "lifeboat-conformance-unknown-key";
	items[base->count].value = "1";
	error = kit->opts->opener.open(kit->opts->opener.ctx, &config, call, &h);
	if (error == 0)
		kit->opts->opener.close(kit->opts->opener.ctx, h);
	else if (!lb_kit_clean_error(error, call))
		lb_kit_fail_code(kit,
		                 "init(config=<the --config under test> + "
		                 "lifeboat-conformance-unknown-key=\"1\")",
		                 "0, or LB_EINVAL with a message naming the key", error, call);
	free(items);
}

void
lb_kit_check_outcome(lb_kit *kit,
                     const char *call,
                     int code,
                     lb_call *c,
                     const char *out,
                     const char *(*check_json)(const char *, char *, size_t))
{
	char why[512];
	const char *err;

	if (code == LB_EUNSUPPORTED)
		return;
	if (code < 0) {
		if (!lb_kit_clean_error(code, c))
			lb_kit_fail_code(kit, call,
			                 "0, LB_EUNSUPPORTED, or an error with a message", code, c);
		return;
	}
	if (check_json != NULL && (err = check_json(out ? out : "", why, sizeof(why))) != NULL)
		lb_kit_fail(kit, call, "valid JSON output (see the SDK header for the shape)",
		            out ? out : "", "%s", err);
}
