#include "frame.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/error.h"

_Static_assert(sizeof(lb_frame_hdr) == 16, "frame header is 16 bytes");

static int
wait_fd(int fd, short events, lb_deadline dl)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		int n = poll(&p, 1, lb_deadline_poll_ms(dl));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lb_error_errno(errno, "poll on plugin channel");
		if (n == 0)
			return lb_error_set(LB_ETIMEDOUT, "plugin channel: deadline exceeded");
		return 0;
	}
}

int
lb_io_write_full(int fd, const void *buf, size_t n, lb_deadline dl)
{
	const char *p = buf;
	size_t done = 0;
	int error;

	while (done < n) {
		ssize_t w = send(fd, p + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == ENOTSOCK)
			w = write(fd, p + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if ((error = wait_fd(fd, POLLOUT, dl)) < 0)
					return error;
				continue;
			}
			if (errno == EPIPE || errno == ECONNRESET)
				return lb_error_set(LB_ECRASHED, "plugin channel closed by peer");
			return lb_error_errno(errno, "write to plugin channel");
		}
		done += (size_t) w;
	}
	return 0;
}

int
lb_io_read_full(int fd, void *buf, size_t n, lb_deadline dl)
{
	char *p = buf;
	size_t done = 0;
	int error;

	while (done < n) {
		ssize_t r = recv(fd, p + done, n - done, MSG_DONTWAIT);

		if (r < 0 && errno == ENOTSOCK)
			r = read(fd, p + done, n - done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if ((error = wait_fd(fd, POLLIN, dl)) < 0)
					return error;
				continue;
			}
			if (errno == ECONNRESET)
				return lb_error_set(LB_ECRASHED, "plugin channel reset by peer");
			return lb_error_errno(errno, "read from plugin channel");
		}
		if (r == 0)
			return lb_error_set(LB_ECRASHED, "plugin channel closed mid-frame");
		done += (size_t) r;
	}
	return 0;
}

int
lb_frame_send(int chan,
              uint16_t type,
              uint32_t call_id,
              uint32_t budget_ms,
              const char *payload,
              size_t len,
              int fd,
              lb_deadline dl)
{
	lb_frame_hdr hdr = {(uint32_t) len, type, 0, call_id, budget_ms};
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov[2];
	struct msghdr msg;
	ssize_t w;
	size_t sent;
	int error;

	if (len > LB_FRAME_MAX)
		return lb_error_set(LB_EPROTO, "frame of %zu bytes exceeds the %u byte limit", len,
		                    LB_FRAME_MAX);
	if (fd >= 0)
		hdr.flags |= LB_FRAME_HAS_FD;
	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *) payload;
	iov[1].iov_len = payload ? len : 0;
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		w = sendmsg(chan, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((error = wait_fd(chan, POLLOUT, dl)) < 0)
				return error;
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return lb_error_set(LB_ECRASHED, "plugin channel closed by peer");
		return lb_error_errno(errno, "sendmsg on plugin channel");
	}
	/* The descriptor went with the first byte; the rest is plain bytes. */
	sent = (size_t) w;
	if (sent < sizeof(hdr)) {
		if ((error = lb_io_write_full(chan, (char *) &hdr + sent, sizeof(hdr) - sent, dl)) <
		    0)
			return error;
		sent = sizeof(hdr);
	}
	sent -= sizeof(hdr);
	if (payload && sent < len)
		return lb_io_write_full(chan, payload + sent, len - sent, dl);
	return 0;
}

int
lb_frame_recv(int chan, lb_frame *frame_out, lb_deadline dl)
{
	lb_frame f = {{0, 0, 0, 0, 0}, NULL, -1};
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct iovec iov;
	struct msghdr msg;
	ssize_t r;
	int error;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &f.hdr;
	iov.iov_len = sizeof(f.hdr);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	for (;;) {
		r = recvmsg(chan, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (r >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((error = wait_fd(chan, POLLIN, dl)) < 0)
				return error;
			continue;
		}
		if (errno == ECONNRESET)
			return lb_error_set(LB_ECRASHED, "plugin channel reset by peer");
		return lb_error_errno(errno, "recvmsg on plugin channel");
	}
	if (r == 0)
		return lb_error_set(LB_ECRASHED, "plugin channel closed");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			error =
			    lb_error_set(LB_EPROTO, "frame carries an unexpected control message");
			goto done;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (f.fd < 0)
				f.fd = got;
			else
				(void) close(got);
			if (i > 0) {
				error = lb_error_set(LB_EPROTO,
				                     "frame carries more than one descriptor");
				goto done;
			}
		}
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		error = lb_error_set(LB_EPROTO, "frame descriptors truncated (MSG_CTRUNC)");
		goto done;
	}
	if ((size_t) r < sizeof(f.hdr) &&
	    (error = lb_io_read_full(chan, (char *) &f.hdr + r, sizeof(f.hdr) - (size_t) r, dl)) <
	        0) {
		if (error == LB_ECRASHED)
			error = lb_error_set(LB_EPROTO, "truncated frame header");
		goto done;
	}
	if (f.hdr.len > LB_FRAME_MAX) {
		error = lb_error_set(LB_EPROTO, "frame of %u bytes exceeds the %u byte limit",
		                     f.hdr.len, LB_FRAME_MAX);
		goto done;
	}
	if (((f.hdr.flags & LB_FRAME_HAS_FD) != 0) != (f.fd >= 0)) {
		error = lb_error_set(LB_EPROTO,
		                     "frame type %u: descriptor flag and descriptor disagree",
		                     f.hdr.type);
		goto done;
	}
	if (f.hdr.len > 0) {
		f.payload = malloc((size_t) f.hdr.len + 1);
		if (!f.payload) {
			error =
			    lb_error_set(LB_ENOMEM, "out of memory for a %u byte frame", f.hdr.len);
			goto done;
		}
		if ((error = lb_io_read_full(chan, f.payload, f.hdr.len, dl)) < 0) {
			if (error == LB_ECRASHED)
				error = lb_error_set(LB_EPROTO, "truncated frame payload");
			goto done;
		}
		f.payload[f.hdr.len] = '\0';
	}
	*frame_out = f;
	return 0;
done:
	lb_frame_dispose(&f);
	return error;
}

void
lb_frame_dispose(lb_frame *f)
{
	if (!f)
		return;
	free(f->payload);
	f->payload = NULL;
	if (f->fd >= 0)
		(void) close(f->fd);
	f->fd = -1;
}
