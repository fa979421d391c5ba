#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rpc/frame.h"
#include "util/error.h"
#include "util/log.h"
#include "util/time.h"

extern char **environ;

const char *
lb_child_state_name(lb_child_state s)
{
	static const char *const names[] = {"dead", "spawning", "ready",
	                                    "busy", "draining", "backoff"};

	return (unsigned) s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		(void) close(*fd);
	*fd = -1;
}

int
lb_child_spawn(lb_child *c, const char *host_path, const char *plugin_path)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, deflt;
	int sv[2] = {-1, -1}, ep[2] = {-1, -1};
	char **envp = NULL, ppid_env[64];
	char *argv[3];
	size_t n = 0;
	pid_t pid;
	int error = 0, rc;

	c->pid = 0;
	c->pidfd = c->chan = c->err_fd = -1;
	c->status = -1;
	c->next_call_id = 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return lb_error_errno(errno, "socketpair for plugin host");
	if (pipe2(ep, O_CLOEXEC) < 0) {
		error = lb_error_errno(errno, "pipe for plugin host stderr");
		goto done;
	}
	/* dup2 onto the same number would not clear CLOEXEC: keep the child's end off fd 3. */
	if (sv[1] == LB_CHANNEL_FD) {
		int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, 10);

		if (moved < 0) {
			error = lb_error_errno(errno, "fcntl");
			goto done;
		}
		close_fd(&sv[1]);
		sv[1] = moved;
	}
	while (environ[n])
		n++;
	envp = calloc(n + 3, sizeof(*envp));
	if (!envp) {
		error = lb_error_set(LB_ENOMEM, "out of memory");
		goto done;
	}
	n = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "LIFEBOAT_PLUGIN_HOST=", 21) &&
		    strncmp(*e, "LIFEBOAT_PLUGIN_PPID=", 21))
			envp[n++] = *e;
	snprintf(ppid_env, sizeof(ppid_env), "LIFEBOAT_PLUGIN_PPID=%d", (int) getpid());
	envp[n++] = "LIFEBOAT_PLUGIN_HOST=1";
	envp[n++] = ppid_env;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 1);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	posix_spawn_file_actions_adddup2(&fa, sv[1], LB_CHANNEL_FD);
	posix_spawn_file_actions_addclosefrom_np(&fa, LB_CHANNEL_FD + 1);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGPIPE);
	sigaddset(&deflt, SIGTERM);
	sigaddset(&deflt, SIGINT);
	sigaddset(&deflt, SIGHUP);
	sigaddset(&deflt, SIGCHLD);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &deflt);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                    POSIX_SPAWN_SETSIGDEF);
	argv[0] = (char *) host_path;
	argv[1] = (char *) plugin_path;
	argv[2] = NULL;
	rc = posix_spawn(&pid, host_path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		error = lb_error_errno(rc, "cannot start plugin host %s", host_path);
		goto done;
	}
	c->pid = pid;
	c->pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
	if (c->pidfd < 0) {
		error = lb_error_errno(errno, "pidfd_open");
		(void) kill(-pid, SIGKILL);
		(void) waitpid(pid, NULL, 0);
		c->pid = 0;
		goto done;
	}
	c->chan = sv[0];
	sv[0] = -1;
	c->err_fd = ep[0];
	ep[0] = -1;
	(void) fcntl(c->err_fd, F_SETFL, O_NONBLOCK);
	c->state = LB_CHILD_SPAWNING;
done:
	free(envp);
	close_fd(&sv[0]);
	close_fd(&sv[1]);
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	return error;
}

static void
emit_line(lb_child *c, char *line)
{
	char fields[256];
	int level = LB_LOG_INFO;

	if (!strncmp(line, "lb-log:", 7) && line[7] >= '0' && line[7] <= '3' && line[8] == ':') {
		level = line[7] - '0';
		line += 9;
	}
	snprintf(c->last_line, sizeof(c->last_line), "%s", line);
	snprintf(fields, sizeof(fields), "plugin=%s pid=%d", c->log_name ? c->log_name : "?",
	         (int) c->pid);
	lb_log_emit(level, fields, "%s", line);
}

void
lb_child_drain_log(lb_child *c)
{
	char chunk[4096];

	if (c->err_fd < 0)
		return;
	for (;;) {
		ssize_t r = read(c->err_fd, chunk, sizeof(chunk));
		char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0) { /* EOF: flush a last partial line */
				if (c->errline.len)
					emit_line(c, c->errline.ptr);
				lb_buf_clear(&c->errline);
				close_fd(&c->err_fd);
			}
			return;
		}
		if (lb_buf_put(&c->errline, chunk, (size_t) r) < 0)
			lb_buf_clear(&c->errline);
		while (c->errline.ptr && (nl = memchr(c->errline.ptr, '\n', c->errline.len))) {
			size_t used = (size_t) (nl - c->errline.ptr) + 1;

			*nl = '\0';
			emit_line(c, c->errline.ptr);
			memmove(c->errline.ptr, nl + 1, c->errline.len - used);
			c->errline.len -= used;
			c->errline.ptr[c->errline.len] = '\0';
		}
		if (c->errline.len > 4096) { /* a line that never ends: cut it */
			emit_line(c, c->errline.ptr);
			lb_buf_clear(&c->errline);
		}
	}
}

/* Wait for the leader to exit, up to @dl, draining its log meanwhile. 1 if it exited. */
static int
wait_exit(lb_child *c, lb_deadline dl)
{
	for (;;) {
		struct pollfd p[2] = {{c->pidfd, POLLIN, 0}, {c->err_fd, POLLIN, 0}};
		int n = poll(p, c->err_fd >= 0 ? 2 : 1, lb_deadline_poll_ms(dl));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (p[1].revents)
			lb_child_drain_log(c);
		if (p[0].revents)
			return 1;
	}
}

void
lb_child_stop(lb_child *c, int64_t grace_ms)
{
	int st;

	if (c->pid <= 0)
		return;
	c->state = LB_CHILD_DRAINING;
	close_fd(&c->chan);
	/* Signal before reaping: an unreaped leader pins the pid and the group id. */
	(void) kill(-c->pid, SIGTERM);
	if (!wait_exit(c, lb_deadline_in(grace_ms)))
		(void) kill(-c->pid, SIGKILL);
	/* Grandchildren that ignore SIGTERM share the group: kill them too. */
	(void) kill(-c->pid, SIGKILL);
	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (c->status < 0)
		c->status = st;
	lb_child_drain_log(c);
	close_fd(&c->pidfd);
	close_fd(&c->err_fd);
	lb_buf_clear(&c->errline);
	c->ninstances = 0;
	c->pid = 0;
	/* Stays DRAINING: the owner sets DEAD/BACKOFF under the manager's lock, so no other
	 * thread can pick the slot up half-way. */
}

void
lb_child_dispose(lb_child *c)
{
	if (!c)
		return;
	close_fd(&c->chan);
	close_fd(&c->pidfd);
	close_fd(&c->err_fd);
	lb_buf_dispose(&c->errline);
	free(c->instances);
	c->instances = NULL;
	c->ninstances = c->capinstances = 0;
}

int
lb_child_describe_exit(const lb_child *c, char *buf, size_t size)
{
	if (c->status >= 0 && WIFSIGNALED(c->status)) {
		int sig = WTERMSIG(c->status);
		const char *abbrev = sigabbrev_np(sig);

		snprintf(buf, size, "signal %d, SIG%s", sig, abbrev ? abbrev : "?");
		return 1;
	}
	snprintf(buf, size, "status %d", c->status >= 0 ? WEXITSTATUS(c->status) : -1);
	return 0;
}
