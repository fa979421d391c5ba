/* One plugin-host child: spawn (posix_spawn into its own process group, channel on fd 3,
 * stderr a pipe), the wait primitive's fds, stop (TERM group, grace, KILL group, reap) and
 * the classification of how it ended. Internal to the supervisor. */
#ifndef LB_SUPERVISE_CHILD_H
#define LB_SUPERVISE_CHILD_H

#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"

/* The per-child state machine (see policy in manager.c). */
typedef enum lb_child_state {
	LB_CHILD_DEAD = 0, /* no process (initial) */
	LB_CHILD_SPAWNING, /* process started, no HELLO yet ("up, not ready") */
	LB_CHILD_READY,    /* HELLO accepted, idle */
	LB_CHILD_BUSY,     /* serving one call, owned by the calling thread */
	LB_CHILD_DRAINING, /* being stopped (TERM, grace, KILL, reap) */
	LB_CHILD_BACKOFF,  /* dead, respawn not before backoff_until_ms */
} lb_child_state;

const char *lb_child_state_name(lb_child_state s);

typedef struct lb_child {
	lb_child_state state;
	pid_t pid;
	int pidfd;            /* readable once the child exited */
	int chan;             /* our end of the socketpair */
	int err_fd;           /* read end of the child's stderr (and stdout) */
	lb_buf errline;       /* partial stderr line */
	char last_line[512];  /* last stderr line, for crash reasons */
	const char *log_name; /* plugin name or file, for re-logged lines */
	uint32_t next_call_id;
	int status;        /* wait status once reaped, -1 before */
	double *instances; /* instance ids initialised in this child */
	size_t ninstances, capinstances;
} lb_child;

/* Spawn @host_path @plugin_path. On success @c is SPAWNING. */
int lb_child_spawn(lb_child *c, const char *host_path, const char *plugin_path);
/* Drain whatever the child wrote on stderr and re-log it (non-blocking). */
void lb_child_drain_log(lb_child *c);
/* Stop: close the channel, TERM the group, wait up to @grace_ms, KILL the group, reap.
 * Idempotent; afterwards @c is DRAINING (the owner moves it on under the manager's lock),
 * status is set and fds are closed. */
void lb_child_stop(lb_child *c, int64_t grace_ms);
/* Release the instance list and buffers (after stop). */
void lb_child_dispose(lb_child *c);
/* "signal 11, SIGSEGV" / "status 3" from c->status into @buf. Returns 1 for a signal. */
int lb_child_describe_exit(const lb_child *c, char *buf, size_t size);

#endif
