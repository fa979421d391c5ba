#include "tap.h"

#include <stdarg.h>
#include <string.h>

void
lb_tap_begin(lb_tap *tap, FILE *out, const char *plugin, int planned)
{
	memset(tap, 0, sizeof(*tap));
	tap->out = out;
	tap->plugin = plugin;
	tap->planned = planned;
	fprintf(out, "TAP version 13\n1..%d\n", planned);
	fflush(out);
}

void
lb_tap_comment(lb_tap *tap, const char *fmt, ...)
{
	va_list ap;

	fputs("# ", tap->out);
	va_start(ap, fmt);
	vfprintf(tap->out, fmt, ap);
	va_end(ap);
	fputc('\n', tap->out);
	fflush(tap->out);
}

/* A description must stay on one line and must not start a directive with '#'. */
static void
put_desc(FILE *out, const char *desc)
{
	for (; *desc; desc++)
		fputc(*desc == '\n' || *desc == '#' ? ' ' : *desc, out);
}

void
lb_tap_ok(lb_tap *tap, const char *desc)
{
	tap->n++;
	tap->passed++;
	fprintf(tap->out, "ok %d - ", tap->n);
	put_desc(tap->out, desc);
	fputc('\n', tap->out);
	fflush(tap->out);
}

void
lb_tap_skip(lb_tap *tap, const char *desc, const char *reason)
{
	tap->n++;
	tap->skipped++;
	fprintf(tap->out, "ok %d - ", tap->n);
	put_desc(tap->out, desc);
	fputs(" # SKIP ", tap->out);
	put_desc(tap->out, reason);
	fputc('\n', tap->out);
	fflush(tap->out);
}

void
lb_tap_yaml_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *) s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\x%02x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void
put_field(FILE *out, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	fprintf(out, "  %s: ", name);
	lb_tap_yaml_string(out, value);
	fputc('\n', out);
}

void
lb_tap_not_ok(lb_tap *tap, const char *desc, const lb_tap_diag *diag)
{
	tap->n++;
	tap->failed++;
	fprintf(tap->out, "not ok %d - ", tap->n);
	put_desc(tap->out, desc);
	fputs("\n  ---\n", tap->out);
	put_field(tap->out, "message", diag->message[0] ? diag->message : "test failed");
	put_field(tap->out, "plugin", tap->plugin);
	put_field(tap->out, "call", diag->call);
	put_field(tap->out, "expected", diag->expected);
	put_field(tap->out, "got", diag->got);
	put_field(tap->out, "code", diag->code);
	put_field(tap->out, "error", diag->error);
	fputs("  ...\n", tap->out);
	fflush(tap->out);
}

void
lb_tap_bail_out(lb_tap *tap, const char *reason)
{
	fputs("Bail out! ", tap->out);
	put_desc(tap->out, reason);
	fputc('\n', tap->out);
	fflush(tap->out);
}

int
lb_tap_end(lb_tap *tap)
{
	int ok = tap->failed == 0 && tap->n == tap->planned;

	fprintf(tap->out, "# %s: %d tests, %d passed, %d failed, %d skipped%s\n",
	        ok ? "PASS" : "FAIL", tap->planned, tap->passed, tap->failed, tap->skipped,
	        tap->n == tap->planned ? "" : " (not all tests ran)");
	fflush(tap->out);
	return ok ? 0 : 1;
}
