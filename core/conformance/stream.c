#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <openssl/evp.h>

#define CHUNK (1024 * 1024)

/* splitmix64: fast, and the same on every platform. */
static uint64_t
next_u64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The @n bytes of @body at offset @off into @buf; @state advances with the offset. */
static void
body_bytes(const lb_kit_body *body, uint64_t *state, int64_t off, unsigned char *buf, size_t n)
{
	size_t i;

	if (body->data != NULL) {
		memcpy(buf, body->data + off, n);
		return;
	}
	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v = next_u64(state);
		memcpy(buf + i, &v, 8);
	}
	if (i < n) {
		uint64_t v = next_u64(state);
		memcpy(buf + i, &v, n - i);
	}
}

static void
to_hex(const unsigned char *md, unsigned len, char hex[LB_KIT_SHA_HEX])
{
	unsigned i;

	for (i = 0; i < len && i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[2 * i] = '\0';
}

static void
finish_digest(EVP_MD_CTX *md, char hex[LB_KIT_SHA_HEX])
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	EVP_DigestFinal_ex(md, out, &len);
	to_hex(out, len, hex);
}

int
lb_kit_body_digest(const lb_kit_body *body, char hex_out[LB_KIT_SHA_HEX])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = malloc(CHUNK);
	uint64_t state = body->seed;
	int64_t off = 0;

	if (md == NULL || buf == NULL) {
		EVP_MD_CTX_free(md);
		free(buf);
		return -1;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while (off < body->size) {
		size_t n = body->size - off < CHUNK ? (size_t) (body->size - off) : CHUNK;
		body_bytes(body, &state, off, buf, n);
		EVP_DigestUpdate(md, buf, n);
		off += (int64_t) n;
	}
	finish_digest(md, hex_out);
	EVP_MD_CTX_free(md);
	free(buf);
	return 0;
}

/* Wait until @fd is ready for @events or the call is over; 1 ready, 0 over, -1 error. */
static int
wait_ready(const lb_kit_stream *s, short events)
{
	struct pollfd p[2] = {{s->fd, events, 0}, {s->done_fd, POLLIN, 0}};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[0].revents)
			return 1;
		if (p[1].revents)
			return 0;
	}
}

static void *
feeder(void *arg)
{
	lb_kit_stream *s = arg;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = malloc(CHUNK);
	uint64_t state = s->body.seed;
	int64_t off = 0;

	if (md == NULL || buf == NULL) {
		s->error = ENOMEM;
		goto done;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while (off < s->body.size) {
		size_t n = s->body.size - off < CHUNK ? (size_t) (s->body.size - off) : CHUNK;
		size_t put = 0;

		body_bytes(&s->body, &state, off, buf, n);
		EVP_DigestUpdate(md, buf, n);
		while (put < n) {
			ssize_t w;
			int r = wait_ready(s, POLLOUT);
			if (r <= 0) {
				s->error = r < 0 ? errno : EPIPE;
				goto done;
			}
			w = write(s->fd, buf + put, n - put);
			if (w < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (w < 0) {
				s->error = errno;
				goto done;
			}
			put += (size_t) w;
			s->bytes += w;
		}
		off += (int64_t) n;
	}
done:
	if (md != NULL) {
		finish_digest(md, s->hex);
		EVP_MD_CTX_free(md);
	}
	/* EOF for the plugin as soon as the body is complete. */
	close(s->fd);
	s->fd = -1;
	free(buf);
	return NULL;
}

static void *
drainer(void *arg)
{
	lb_kit_stream *s = arg;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = malloc(CHUNK);
	int over = 0;

	if (md == NULL || buf == NULL) {
		s->error = ENOMEM;
		goto done;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (;;) {
		ssize_t n;
		if (!over) {
			int r = wait_ready(s, POLLIN);
			if (r < 0) {
				s->error = errno;
				break;
			}
			if (r == 0) {
				/* The call returned: what it wrote is in the pipe already. */
				over = 1;
				fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
			}
		}
		n = read(s->fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && !over)
			continue;
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN)
				s->error = errno;
			break;
		}
		EVP_DigestUpdate(md, buf, (size_t) n);
		s->bytes += n;
	}
done:
	if (md != NULL) {
		finish_digest(md, s->hex);
		EVP_MD_CTX_free(md);
	}
	free(buf);
	return NULL;
}

static int
start(lb_kit_stream *s, int is_feeder)
{
	int fds[2];

	s->fd = s->fd_for_plugin = s->done_fd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	s->is_feeder = is_feeder;
	s->fd = is_feeder ? fds[1] : fds[0];
	s->fd_for_plugin = is_feeder ? fds[0] : fds[1];
	if ((s->done_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    pthread_create(&s->thread, NULL, is_feeder ? feeder : drainer, s) != 0) {
		int err = errno ? errno : EAGAIN;
		close(fds[0]);
		close(fds[1]);
		if (s->done_fd >= 0)
			close(s->done_fd);
		s->fd = s->fd_for_plugin = s->done_fd = -1;
		errno = err;
		return -1;
	}
	s->started = 1;
	return 0;
}

int
lb_kit_stream_feed(lb_kit_stream *s, const lb_kit_body *body)
{
	memset(s, 0, sizeof(*s));
	s->body = *body;
	return start(s, 1);
}

int
lb_kit_stream_drain(lb_kit_stream *s)
{
	memset(s, 0, sizeof(*s));
	return start(s, 0);
}

void
lb_kit_stream_finish(lb_kit_stream *s)
{
	uint64_t one = 1;

	if (!s->started)
		return;
	/* Our copy of the plugin's end goes first: a drainer then sees EOF from a plugin that
	 * already closed its copy. */
	if (s->fd_for_plugin >= 0)
		close(s->fd_for_plugin);
	s->fd_for_plugin = -1;
	while (write(s->done_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(s->thread, NULL);
	close(s->done_fd);
	s->done_fd = -1;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->started = 0;
}

int
lb_kit_body_file(const lb_kit_body *body, char hex_out[LB_KIT_SHA_HEX])
{
	FILE *f = tmpfile();
	EVP_MD_CTX *md = NULL;
	unsigned char *buf = NULL;
	uint64_t state = body->seed;
	int64_t off = 0;
	int fd = -1;

	if (f == NULL)
		return -1;
	md = EVP_MD_CTX_new();
	buf = malloc(CHUNK);
	if (md == NULL || buf == NULL) {
		errno = ENOMEM;
		goto done;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while (off < body->size) {
		size_t n = body->size - off < CHUNK ? (size_t) (body->size - off) : CHUNK;
		body_bytes(body, &state, off, buf, n);
		EVP_DigestUpdate(md, buf, n);
		if (fwrite(buf, 1, n, f) != n)
			goto done;
		off += (int64_t) n;
	}
	if (fflush(f) != 0)
		goto done;
	finish_digest(md, hex_out);
	fd = dup(fileno(f));
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		fd = -1;
	}
done:
	EVP_MD_CTX_free(md);
	free(buf);
	fclose(f);
	return fd;
}

int
lb_kit_file_digest(int fd, int64_t *len_out, char hex_out[LB_KIT_SHA_HEX])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = malloc(CHUNK);
	int64_t len = 0, off = 0;
	int error = -1;

	if (md == NULL || buf == NULL)
		goto done;
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (;;) {
		ssize_t n = pread(fd, buf, CHUNK, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto done;
		if (n == 0)
			break;
		EVP_DigestUpdate(md, buf, (size_t) n);
		len += n;
		off += n;
	}
	finish_digest(md, hex_out);
	*len_out = len;
	error = 0;
done:
	EVP_MD_CTX_free(md);
	free(buf);
	return error;
}
