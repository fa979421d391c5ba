/* The plugin-host child (lifeboat-plugin-host): loads one plugin .so and serves calls on
 * fd 3. Internal to the host executable. */
#ifndef LB_HOST_HOST_H
#define LB_HOST_HOST_H

#include <pthread.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <lifeboat/plugin/sdk.h>

#include "util/buf.h"
#include "util/time.h"

/* The child's per-call context; plugins see it as an opaque lb_call *. */
typedef struct lb_host_call {
	uint32_t id;
	int64_t budget_ms; /* 0: none */
	lb_deadline deadline;
	int cancelled;
	int code;
	char message[1024];
} lb_host_call;

#define LB_HOST_MAX_IMPLS 16

typedef struct lb_host_impl {
	int kind; /* lb_plugin_kind */
	const char *name;
	uint32_t abi_minor;
	uint32_t bits; /* methods implemented natively */
	union {
		lb_object_store_methods os;
		lb_volume_snapshotter_methods vs;
		lb_backup_item_action_methods bia;
		lb_restore_item_action_methods ria;
		lb_volume_copier_methods vc;
	} m; /* normalised copy */
} lb_host_impl;

typedef struct lb_host {
	int chan;
	const char *path;
	const char *file; /* basename of path */
	char name[128];
	char version[64];
	uint32_t sdk_major, sdk_minor;
	void *dl;
	lb_host_impl impls[LB_HOST_MAX_IMPLS];
	int nimpls;
	int registering; /* inside lb_plugin_init */
	char reg_error[512];
	lb_host_call *current; /* the call in flight */
} lb_host;

extern lb_host lb__the_host;
extern const lb_host_api lb__host_api;
/* Serialises the host table's members across the plugin's threads (host_api.c); held while
 * the current call changes. */
extern pthread_mutex_t lb__host_mu;

/* Load @path, check the magic block, bind, init. On failure a refusal sentence goes to
 * @msg and the result is <0. */
int lb_host_load(lb_host *h, const char *path, char *msg, size_t msgsize);
/* Normalise and add a registered table (register_* in the host table). */
int lb_host_register(lb_host *h, int kind, const void *methods);
/* Serve one CALL frame; writes the ANSWER. <0: fatal for the child. */
int lb_host_dispatch(lb_host *h, uint32_t call_id, uint32_t budget_ms, const char *payload, int fd);
/* Read and handle frames that arrive while a call runs (CANCEL); @wait_type: return when a
 * frame of that type arrives (its payload into @out, caller frees), 0: do not block. */
int lb_host_pump(lb_host *h, int wait_type, char **payload_out);
/* Exit for a protocol violation, after saying why on stderr. */
_Noreturn void lb_host_proto_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
