/* Inside the conformance kit: the test runner and the helpers test cases use to report. */
#ifndef LB_CONFORMANCE_KIT_H
#define LB_CONFORMANCE_KIT_H

#include "conformance.h"
#include "tap.h"

typedef struct lb_kit lb_kit;

typedef void (*lb_kit_case_fn)(lb_kit *kit);

typedef struct lb_kit_case {
	const char *desc;
	lb_kit_case_fn fn;
	int needs_instance; /* skipped as failed when no instance could be opened */
} lb_kit_case;

struct lb_kit {
	const lb_kit_opts *opts;
	lb_tap tap;
	void *handle;         /* the open instance (lb_<kind>_handle *), NULL if none */
	lb_call *call;        /* a fresh call for the case in progress */
	char run_prefix[512]; /* object store: every test key lives under it */
	const char *bucket;
	/* The case in progress. */
	int failed;
	int skipped;
	char skip_reason[512];
	lb_tap_diag diag;
};

/* Run @cases as one TAP stream; returns 0 if all passed, else 1. */
int lb_kit_run(lb_kit *kit, const lb_kit_case *cases, size_t ncases);

/* The case's call, its last failure forgotten (use it for one plugin method at a time). */
lb_call *lb_kit_call(lb_kit *kit);
/* A new call with the kit's limit (for threads); NULL on out of memory. */
lb_call *lb_kit_call_new(const lb_kit *kit);

/* Record a failure (the first one of a case is reported). @call is the plugin call with
 * its arguments, @expected and @got are free text; @fmt is the one-sentence message. */
void lb_kit_fail(
    lb_kit *kit, const char *call, const char *expected, const char *got, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Record that plugin call @call returned @code (with @c's message) where @expected was
 * wanted. Says so plainly when the code is a deadline or a crash. */
void lb_kit_fail_code(lb_kit *kit, const char *call, const char *expected, int code, lb_call *c);
void lb_kit_skip(lb_kit *kit, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "LB_EINVAL (-4)". */
const char *lb_kit_code_str(int code, char *buf, size_t len);
/* Nonzero when @code is a failure the plugin itself chose and explained: a known code
 * other than deadline/crash/protocol, with a non-empty message. */
int lb_kit_clean_error(int code, const lb_call *c);

/* snprintf into @buf that always terminates and returns @buf. */
char *lb_kit_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The suites, one per kind. */
int lb_kit_object_store_suite(lb_kit *kit);
int lb_kit_volume_snapshotter_suite(lb_kit *kit);
int lb_kit_backup_item_action_suite(lb_kit *kit);
int lb_kit_restore_item_action_suite(lb_kit *kit);
int lb_kit_volume_copier_suite(lb_kit *kit);

/* Cases shared by the suites. */
/* Open kit->handle with the config under test. */
void lb_kit_t_init(lb_kit *kit);
/* init with an unknown key: LB_EINVAL naming it, or success (lenient kinds). */
void lb_kit_t_init_unknown_key_lenient(lb_kit *kit);
/* An optional or fallible method's outcome: 0 (then @check_json, if given, validates
 * @out), LB_EUNSUPPORTED, or another failure the plugin explained. */
void lb_kit_check_outcome(lb_kit *kit,
                          const char *call,
                          int code,
                          lb_call *c,
                          const char *out,
                          const char *(*check_json)(const char *, char *, size_t));
#endif
