/* Bulk bytes for the conformance kit: deterministic pseudo-random bodies, SHA-256 of what
 * went in and what came out, and pipe feeders/drainers on their own threads so that objects
 * of any size stream through a plugin without being held in memory. */
#ifndef LB_CONFORMANCE_STREAM_H
#define LB_CONFORMANCE_STREAM_H

#include <pthread.h>
#include <stdint.h>

#define LB_KIT_SHA_HEX 65

/* The bytes of a body: @size bytes generated from @seed (the same seed gives the same
 * bytes), or literal @data when non-NULL. */
typedef struct lb_kit_body {
	int64_t size;
	uint64_t seed;
	const unsigned char *data;
} lb_kit_body;

/* SHA-256 (hex) and length of @body without sending it anywhere. */
int lb_kit_body_digest(const lb_kit_body *body, char hex_out[LB_KIT_SHA_HEX]);

/* A thread writing @body into the write end of a pipe (then closing it), or reading the read
 * end of one to EOF while hashing. lb_kit_stream_finish() tells it that the plugin call
 * returned: a feeder stops writing (the plugin will read no more), a drainer takes what is
 * still buffered and stops. The main thread passes the other end (fd_for_plugin) to the
 * plugin and closes it with finish. */
typedef struct lb_kit_stream {
	pthread_t thread;
	int started;
	int is_feeder;
	lb_kit_body body;
	int fd;            /* the thread's end */
	int fd_for_plugin; /* the end the plugin gets */
	int done_fd;       /* eventfd: the call returned */
	int64_t bytes;     /* fed or drained */
	char hex[LB_KIT_SHA_HEX];
	int error; /* errno of a local failure, 0 if none */
} lb_kit_stream;

int lb_kit_stream_feed(lb_kit_stream *s, const lb_kit_body *body);
int lb_kit_stream_drain(lb_kit_stream *s);
/* Signal the call's end, join the thread; bytes, hex and error are final afterwards. */
void lb_kit_stream_finish(lb_kit_stream *s);

/* A regular (unlinked temporary) file holding @body, positioned at 0; -1 with errno. */
int lb_kit_body_file(const lb_kit_body *body, char hex_out[LB_KIT_SHA_HEX]);
/* SHA-256 and length of everything in regular file @fd from offset 0. */
int lb_kit_file_digest(int fd, int64_t *len_out, char hex_out[LB_KIT_SHA_HEX]);

#endif
