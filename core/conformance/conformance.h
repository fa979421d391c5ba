/*
 * The plugin conformance kit: `lifeboat plugin test NAME-or-PATH --kind KIND ...` runs a
 * contract suite against one plugin implementation and prints TAP (see tap.h). Exit status
 * 0 only if every test passed.
 *
 * The suites are written against the SDK vtables (lb_object_store_methods ...) and get
 * their instance through an opener, so the same tests run against the plugin manager's
 * proxies (the CLI) and against in-process doubles (tests/unit/conformance).
 */
#ifndef LB_CONFORMANCE_CONFORMANCE_H
#define LB_CONFORMANCE_CONFORMANCE_H

#include <stdint.h>
#include <stdio.h>

#include <lifeboat/plugin/sdk.h>

#include "cli/cli.h"
#include "supervise/manager.h"

/* Opens instances of the implementation under test. @handle_out receives an
 * lb_<kind>_handle * (supervise/manager.h) of the kind being tested. open returns 0 or a
 * negative lb_error_code with the message in lb_call_error_message(call). */
typedef struct lb_kit_opener {
	void *ctx;
	int (*open)(void *ctx, const lb_config *config, lb_call *call, void **handle_out);
	void (*close)(void *ctx, void *handle); /* NULL-safe in @handle */
} lb_kit_opener;

typedef struct lb_kit_opts {
	FILE *out;          /* TAP goes here */
	const char *plugin; /* "lifeboat.io/file (/path/file.so)", shown in diagnostics */
	lb_plugin_kind kind;
	lb_kit_opener opener;
	const lb_config *config; /* the config under test (--config k=v ...) */
	const char *bucket;      /* object store; NULL: "lifeboat-conformance" */
	const char *prefix;      /* object store: every key goes under it; NULL: "" */
	int64_t call_timeout_ms; /* per-call limit given to each lb_call; -1: class defaults */
	int64_t large_mib;       /* size of the large streamed object; 0: 64 */
	int threads;             /* concurrent calls; 0: 8 */
	/* volume-copier: the storage location every call carries (call->location), and the
	 * repository key prefix in it (NULL: <run prefix>restic/conformance, deleted at the
	 * end; given: kept for inspection). */
	struct lb_location *location;
	const char *repository;
} lb_kit_opts;

#define LB_KIT_DEFAULT_BUCKET "lifeboat-conformance"
#define LB_KIT_DEFAULT_LARGE_MIB 64
#define LB_KIT_DEFAULT_THREADS 8

/* Run the suite of opts->kind. Returns 0 when every test passed, 1 otherwise. */
int lb_conformance_run(const lb_kit_opts *opts);

/* `lifeboat plugin test ...`: cli->argv[0] = "plugin", argv[1] = "test". Returns an exit
 * status (LB_EXIT_OK, LB_EXIT_FAIL, LB_EXIT_USAGE). */
int lb_conformance_main(lb_cli *cli);

#endif
