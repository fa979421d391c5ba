/*
 * An engine session for one CLI invocation (or one server): the settings, the running
 * plugins, the storage locations opened so far and the Kubernetes client, each made on
 * first use. Commands open one, use it, close it.
 */
#ifndef LB_ENGINE_ENGINE_H
#define LB_ENGINE_ENGINE_H

#include "cli/cli.h"
#include "config/config.h"
#include "kube/kube.h"
#include "store/location.h"
#include "supervise/manager.h"
#include "queue/queue.h"

typedef struct lb_engine lb_engine;

/* Load the settings named by the CLI (--config, ./lifeboat.yaml, $XDG_CONFIG_HOME, else the
 * embedded defaults). Nothing else starts until asked for. */
int lb_engine_open(lb_cli *cli, lb_engine **out);
void lb_engine_close(lb_engine *e);

const lb_settings *lb_engine_settings(const lb_engine *e);
/* The plugin settings derived from the config (dirs, timeouts, overrides); valid as long
 * as @e. */
const lb_plugin_settings *lb_engine_plugin_settings(lb_engine *e);
/* Start every plugin (once). */
int lb_engine_plugins(lb_engine *e, lb_plugin_manager **out);
/* The storage location @name (NULL: the default), opened once and cached. */
int lb_engine_location(lb_engine *e, const char *name, lb_location **out);
/* The location's configuration, without opening it. */
const lb_storage_location_cfg *lb_engine_location_cfg(lb_engine *e, const char *name);
/* The Kubernetes client for --kubeconfig/--context (once), rate-limited by the settings'
 * kube.qps/burst. */
int lb_engine_kube(lb_engine *e, lb_kube_client **out);
/* Override kube.qps/burst (a command's --client-qps/--client-burst; qps < 0: no limit).
 * Takes effect only before the first lb_engine_kube(). */
void lb_engine_set_kube_rate(lb_engine *e, const double *qps, const int *burst);

/* The task queue of this session (workers, timeout and state dir from the settings),
 * created on first use; interrupted tasks found in the state dir are marked so. */
int lb_engine_queue(lb_engine *e, lb_queue **out);
/* Run one task through the queue and wait for it: registers @kind -> @fn if needed,
 * submits, waits. Returns 0 when it succeeded, else its error (message in lb_error_last).
 * Ctrl-C (SIGINT/SIGTERM) cancels the task. */
int lb_engine_run_task(lb_engine *e, const lb_task_spec *spec, lb_task_fn fn, void *ud);

#endif
