/* TAP version 13 output for the conformance kit: a plan, one line per test, a YAML
 * diagnostic block under each failure, and a summary line. Vendors run the kit in CI, so
 * every failure says what was called, what was expected and what came back. */
#ifndef LB_CONFORMANCE_TAP_H
#define LB_CONFORMANCE_TAP_H

#include <stdio.h>

/* Diagnostic of a failed test; empty strings are left out of the YAML block. */
typedef struct lb_tap_diag {
	char message[1024]; /* what went wrong, in one sentence */
	char call[1024];    /* the plugin call, with its arguments */
	char expected[1024];
	char got[2048];
	char code[64];    /* "LB_EINVAL (-4)" when the call failed */
	char error[1024]; /* the plugin's (or supervisor's) message */
} lb_tap_diag;

typedef struct lb_tap {
	FILE *out;
	const char *plugin; /* shown in every diagnostic */
	int planned;
	int n;
	int passed;
	int failed;
	int skipped;
} lb_tap;

void lb_tap_begin(lb_tap *tap, FILE *out, const char *plugin, int planned);
void lb_tap_comment(lb_tap *tap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lb_tap_ok(lb_tap *tap, const char *desc);
void lb_tap_skip(lb_tap *tap, const char *desc, const char *reason);
void lb_tap_not_ok(lb_tap *tap, const char *desc, const lb_tap_diag *diag);
/* "Bail out!" line: the rest of the plan cannot run. */
void lb_tap_bail_out(lb_tap *tap, const char *reason);
/* Print the summary line; 0 when every planned test ran and none failed, else 1. */
int lb_tap_end(lb_tap *tap);

/* Write @s as a double-quoted YAML scalar (escapes quotes, backslashes, control bytes;
 * UTF-8 passes through). */
void lb_tap_yaml_string(FILE *out, const char *s);

#endif
