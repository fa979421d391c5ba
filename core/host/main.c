/* lifeboat-plugin-host: the child that loads one plugin .so and serves calls on fd 3.
 * Started only by the engine (LIFEBOAT_PLUGIN_HOST=1); the engine never loads plugins. */
#include "host.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "rpc/frame.h"
#include "util/error.h"

static char *
hello_json(lb_host *h)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	char *text;

	cJSON_AddNumberToObject(o, "protocol", LB_PLUGIN_PROTOCOL);
	cJSON_AddNumberToObject(o, "sdkMajor", h->sdk_major);
	cJSON_AddNumberToObject(o, "sdkMinor", h->sdk_minor);
	cJSON_AddStringToObject(o, "name", h->name);
	cJSON_AddStringToObject(o, "version", h->version);
	cJSON_AddNumberToObject(o, "pid", getpid());
	arr = cJSON_AddArrayToObject(o, "impls");
	for (int i = 0; i < h->nimpls; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddNumberToObject(e, "kind", h->impls[i].kind);
		cJSON_AddStringToObject(e, "name", h->impls[i].name);
		cJSON_AddNumberToObject(e, "abiMinor", h->impls[i].abi_minor);
		cJSON_AddNumberToObject(e, "methods", h->impls[i].bits);
		cJSON_AddItemToArray(arr, e);
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static _Noreturn void
fatal(lb_host *h, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "message", msg);
	text = cJSON_PrintUnformatted(o);
	if (text)
		(void) lb_frame_send(h->chan, LB_FRAME_FATAL, 0, 0, text, strlen(text), -1,
		                     lb_deadline_in(1000));
	fprintf(stderr, "lb-log:0:%s\n", msg);
	_exit(LB_HOST_EXIT_FATAL);
}

int
main(int argc, char **argv)
{
	lb_host *h = &lb__the_host;
	const char *ppid = getenv("LIFEBOAT_PLUGIN_PPID");
	char msg[1024];
	char *text;
	lb_frame f;

	if (argc != 2 || !getenv("LIFEBOAT_PLUGIN_HOST") || fcntl(LB_CHANNEL_FD, F_GETFD) < 0) {
		fprintf(stderr,
		        "This program is a Lifeboat plugin host; it is started by the engine "
		        "(lifeboat), not by hand.\n");
		return 64;
	}
	/* No PR_SET_PDEATHSIG: it fires when the engine *thread* that spawned us exits (the
	 * engine spawns on demand from worker threads). EOF on the channel is the death signal:
	 * an idle host is blocked reading it, a busy one sees it in cancelled()/progress(). */
	if (ppid && atoi(ppid) != (int) getppid())
		_exit(0);
	(void) dup2(2, 1); /* stdout is never the protocol */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	h->path = argv[1];
	h->file = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	if (lb_host_load(h, argv[1], msg, sizeof(msg)) < 0)
		fatal(h, msg);
	text = hello_json(h);
	if (!text || lb_frame_send(h->chan, LB_FRAME_HELLO, 0, 0, text, strlen(text), -1,
	                           LB_DEADLINE_NONE) < 0)
		_exit(0);
	free(text);
	if (lb_frame_recv(h->chan, &f, LB_DEADLINE_NONE) < 0)
		_exit(0);
	if (f.hdr.type == LB_FRAME_REFUSE)
		_exit(LB_HOST_EXIT_FATAL);
	if (f.hdr.type != LB_FRAME_WELCOME)
		lb_host_proto_fail("expected WELCOME, got frame type %u", f.hdr.type);
	lb_frame_dispose(&f);

	for (;;) {
		int error = lb_frame_recv(h->chan, &f, LB_DEADLINE_NONE);

		if (error == LB_ECRASHED)
			_exit(0); /* the engine closed the channel: shut down */
		if (error < 0)
			lb_host_proto_fail("bad frame: %s", lb_strerror(error));
		if (f.hdr.type == LB_FRAME_CANCEL) { /* late cancel of a finished call */
			lb_frame_dispose(&f);
			continue;
		}
		if (f.hdr.type != LB_FRAME_CALL)
			lb_host_proto_fail("unexpected frame type %u", f.hdr.type);
		if (lb_host_dispatch(h, f.hdr.call_id, f.hdr.budget_ms, f.payload, f.fd) < 0)
			_exit(0);
		lb_frame_dispose(&f);
	}
}
