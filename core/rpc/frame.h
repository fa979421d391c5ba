/*
 * Frames on the engine <-> plugin-host channel (plugin-api/docs/PROTOCOL.md is normative):
 * a 16-byte header {u32 len, u16 type, u16 flags, u32 call_id, u32 budget_ms} in native
 * byte order, then @len bytes of JSON. A descriptor rides in the same sendmsg as the header
 * (LB_FRAME_HAS_FD). Every read and write on the channel goes through this file.
 */
#ifndef LB_RPC_FRAME_H
#define LB_RPC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "util/time.h"

#define LB_FRAME_MAX (16u * 1024u * 1024u)
#define LB_FRAME_HAS_FD 0x0001u
#define LB_CHANNEL_FD 3      /* the child's end of the channel */
#define LB_HOST_EXIT_FATAL 2 /* the host refused the plugin: do not respawn */
#define LB_HOST_EXIT_PROTO 3 /* protocol violation seen by the host */

typedef enum lb_frame_type {
	LB_FRAME_HELLO = 1,        /* child -> engine: ready, what is registered */
	LB_FRAME_WELCOME = 2,      /* engine -> child: accepted */
	LB_FRAME_REFUSE = 3,       /* engine -> child: refused, {reason}; child exits */
	LB_FRAME_FATAL = 4,        /* child -> engine: could not load, {message}; child exits */
	LB_FRAME_CALL = 16,        /* engine -> child: {method, instance, ...args} */
	LB_FRAME_ANSWER = 17,      /* child -> engine: {code, message, ...outputs} */
	LB_FRAME_CANCEL = 18,      /* engine -> child: cancel the call in flight */
	LB_FRAME_PROGRESS = 19,    /* child -> engine: {done, total, unit}; extends the deadline */
	LB_FRAME_HOST = 20,        /* child -> engine: {op, key, ...} a host location_* request */
	LB_FRAME_HOST_ANSWER = 21, /* engine -> child: {code, message, ...outputs} */
	LB_FRAME_LOG = 22,         /* child -> engine: {level, msg} */
} lb_frame_type;

typedef struct lb_frame_hdr {
	uint32_t len;
	uint16_t type;
	uint16_t flags;
	uint32_t call_id;
	uint32_t budget_ms;
} lb_frame_hdr;

typedef struct lb_frame {
	lb_frame_hdr hdr;
	char *payload; /* NUL-terminated JSON text (len bytes), malloc'ed; NULL when len == 0 */
	int fd;        /* received descriptor or -1; the receiver owns it */
} lb_frame;

/* Send one frame; @fd >= 0 is passed (borrowed, not closed). EPIPE => LB_ECRASHED. */
int lb_frame_send(int chan,
                  uint16_t type,
                  uint32_t call_id,
                  uint32_t budget_ms,
                  const char *payload,
                  size_t len,
                  int fd,
                  lb_deadline dl);
/* Receive one frame. Returns 0, LB_ECRASHED on EOF at a frame boundary, LB_EPROTO on a
 * bad, oversized or truncated frame or an unexpected fd, LB_ETIMEDOUT at @dl. */
int lb_frame_recv(int chan, lb_frame *frame_out, lb_deadline dl);

void lb_frame_dispose(lb_frame *f); /* frees payload, closes fd */

/* Full read/write helpers (OpenSSH atomicio): loop on short transfers and EINTR, poll on
 * EAGAIN until @dl. EOF mid-buffer: LB_ECRASHED. */
int lb_io_write_full(int fd, const void *buf, size_t n, lb_deadline dl);
int lb_io_read_full(int fd, void *buf, size_t n, lb_deadline dl);

#endif
