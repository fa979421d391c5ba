/* Supervisor internals shared by manager.c (discovery, start, info), pool.c (children,
 * restart policy) and invoke.c (one call). Not for other layers: they use manager.h and,
 * for the proxies, lb_plugin__invoke below. */
#ifndef LB_SUPERVISE_PLUGIN_H
#define LB_SUPERVISE_PLUGIN_H

#include <pthread.h>
#include <cjson/cJSON.h>

#include "child.h"
#include "manager.h"
#include "rpc/methods.h"
#include "util/time.h"

typedef struct lb_plugin {
	lb_plugin_manager *mgr;
	char path[1024];
	const char *file; /* basename inside path */
	char name[128];
	char version[64];
	char sdk[32];
	int failed; /* permanently: never (re)spawned again */
	char reason[512];
	lb_plugin_impl_info impls[16];
	uint32_t impl_bits[16];
	size_t nimpls;
	int64_t start_timeout_ms;
	int max_children;
	lb_child *children; /* max_children slots */
	int restarts;
	int64_t backoff_ms;       /* next restart delay */
	int64_t backoff_until_ms; /* no spawn before this (monotonic) */
	int64_t *restart_times;   /* ring of the last restart_budget restart instants */
	double *closed;           /* instance ids closed by the engine */
	size_t nclosed, capclosed;
} lb_plugin;

struct lb_plugin_manager {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	lb_plugin_settings s;
	lb_strlist dirs;
	lb_plugin_override *overrides;
	char host_path[4200];
	lb_plugin **plugins;
	size_t nplugins;
	double next_instance;
};

/* One engine-side instance: what a proxy's self points to. */
typedef struct lb_instance {
	lb_plugin *plugin;
	int kind;
	char *impl;
	char *config_json; /* the init config, replayed in every child */
	double id;
	void *handle; /* the lb_*_handle that owns it */
} lb_instance;

/* Create @inst in a child (runs the plugin's init); used by open. */
int lb_plugin__open(lb_plugin_manager *mgr,
                    int kind,
                    const char *name,
                    const lb_config *config,
                    lb_call *call,
                    lb_instance **inst_out);
/* Destroy @inst everywhere (lazily in busy children) and free it. */
void lb_plugin__close(lb_instance *inst);
/* Call method @mid on @inst with request fields @req (consumed), descriptor @fd (borrowed,
 * -1 for none). The answer's JSON goes to @ans_out (caller deletes) on success. Failures
 * carry their sentence in lb_call_error_message(call). */
int
lb_plugin__invoke(lb_instance *inst, lb_call *call, int mid, cJSON *req, int fd, cJSON **ans_out);

/* Make sure child @c (BUSY, owned by the caller) has @inst, replaying init. */
int lb_plugin__prepare(lb_instance *inst, lb_child *c, lb_call *call, int *dead_out);

/* pool.c */
int lb_pool__acquire(lb_plugin *p, lb_call *call, lb_deadline dl, lb_child **child_out);
void lb_pool__release(lb_plugin *p, lb_child *c);
/* The child failed (timeout, crash, protocol): stop it and apply the restart policy. */
void lb_pool__fail(lb_plugin *p, lb_child *c);
/* Start the given children (already spawned, SPAWNING) and wait for their HELLOs in one
 * poll loop. Each ends READY or DEAD; a DEAD one's plugin reason is set. */
void lb_pool__wait_hellos(lb_plugin **ps, lb_child **cs, size_t n);
int64_t lb_pool__limit_ms(lb_plugin *p, lb_call *call, int mid);

#endif
