#include "engine.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/fs.h"

typedef struct open_location {
	char *name;
	lb_location *loc;
} open_location;

struct lb_engine {
	lb_cli *cli;
	lb_settings *settings;
	lb_plugin_settings psettings;
	lb_strlist dirs;
	lb_plugin_override *overrides;
	lb_plugin_manager *plugins;
	lb_kube_client *kube;
	lb_queue *queue;
	open_location *locations;
	size_t nlocations;
	pthread_mutex_t lock;
};

static int
derive_plugin_settings(lb_engine *e)
{
	const lb_settings *s = e->settings;
	int error;

	lb_plugin_settings_init(&e->psettings);
	for (size_t i = 0; i < s->nplugin_dirs; i++)
		if ((error = lb_strlist_add(&e->dirs, s->plugin_dirs[i])) < 0)
			return error;
	if (e->dirs.count == 0 && (error = lb_plugins_default_dirs(&e->dirs)) < 0)
		return error;
	e->psettings.dirs = (const char *const *) e->dirs.items;
	e->psettings.ndirs = e->dirs.count;
	e->psettings.start_timeout_ms = s->plugin_start_timeout_ms;
	e->psettings.children = s->plugin_children;
	e->psettings.limit_ms[LB_CALL_CLASS_META] = s->call_metadata_ms;
	e->psettings.limit_ms[LB_CALL_CLASS_DATA] = s->call_data_ms;
	e->psettings.limit_ms[LB_CALL_CLASS_ITEM] = s->call_action_ms;
	if (s->noverrides) {
		e->overrides = calloc(s->noverrides, sizeof(*e->overrides));
		if (!e->overrides)
			return LB_ENOMEM;
		for (size_t i = 0; i < s->noverrides; i++) {
			e->overrides[i].match = s->overrides[i].name;
			e->overrides[i].start_timeout_ms =
				s->overrides[i].start_timeout_ms > 0 ? s->overrides[i].start_timeout_ms
								     : 0;
			e->overrides[i].children = s->overrides[i].children;
		}
		e->psettings.overrides = e->overrides;
		e->psettings.noverrides = s->noverrides;
	}
	return 0;
}

int
lb_engine_open(lb_cli *cli, lb_engine **out)
{
	lb_engine *e = calloc(1, sizeof(*e));
	const char *path;
	int error;

	if (!e)
		return LB_ENOMEM;
	pthread_mutex_init(&e->lock, NULL);
	e->cli = cli;
	path = cli ? lb_cli_config_path(cli) : NULL;
	if ((error = lb_settings_load(path, &e->settings)) < 0 ||
	    (error = derive_plugin_settings(e)) < 0) {
		lb_engine_close(e);
		return error;
	}
	*out = e;
	return 0;
}

void
lb_engine_close(lb_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nlocations; i++) {
		lb_location_close(e->locations[i].loc);
		free(e->locations[i].name);
	}
	free(e->locations);
	lb_queue_free(e->queue);
	lb_plugins_stop(e->plugins);
	lb_kube_client_free(e->kube);
	lb_strlist_dispose(&e->dirs);
	free(e->overrides);
	lb_settings_free(e->settings);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

const lb_settings *
lb_engine_settings(const lb_engine *e)
{
	return e->settings;
}

const lb_plugin_settings *
lb_engine_plugin_settings(lb_engine *e)
{
	return &e->psettings;
}

int
lb_engine_plugins(lb_engine *e, lb_plugin_manager **out)
{
	int error = 0;

	pthread_mutex_lock(&e->lock);
	if (!e->plugins)
		error = lb_plugins_start(&e->psettings, &e->plugins);
	if (error == 0)
		*out = e->plugins;
	pthread_mutex_unlock(&e->lock);
	return error;
}

const lb_storage_location_cfg *
lb_engine_location_cfg(lb_engine *e, const char *name)
{
	return lb_settings_location(e->settings, name);
}

/* The embedded default location lives in a directory of ours: make it on first use. */
static int
prepare_embedded_root(const lb_engine *e, const lb_storage_location_cfg *cfg)
{
	const char *root = lb_kvlist_get(&cfg->config, "root");

	if (cfg->line != 0 || strcmp(e->settings->source, "<embedded defaults>") || !root)
		return 0;
	return lb_mkdirs(root, 0700);
}

int
lb_engine_location(lb_engine *e, const char *name, lb_location **out)
{
	const lb_storage_location_cfg *cfg = lb_settings_location(e->settings, name);
	lb_plugin_manager *mgr = NULL;
	lb_location *loc = NULL;
	open_location *grown;
	lb_call *call;
	int error;

	if (!cfg)
		return LB_ENOTFOUND;
	for (size_t i = 0; i < e->nlocations; i++)
		if (!strcmp(e->locations[i].name, cfg->name)) {
			*out = e->locations[i].loc;
			return 0;
		}
	if ((error = prepare_embedded_root(e, cfg)) < 0 || (error = lb_engine_plugins(e, &mgr)) < 0)
		return error;
	call = lb_call_new(NULL);
	if (!call)
		return LB_ENOMEM;
	error = lb_location_open(mgr, cfg, call, &loc);
	lb_call_free(call);
	if (error < 0)
		return error;
	grown = realloc(e->locations, (e->nlocations + 1) * sizeof(*grown));
	if (!grown) {
		lb_location_close(loc);
		return LB_ENOMEM;
	}
	e->locations = grown;
	e->locations[e->nlocations].name = strdup(cfg->name);
	e->locations[e->nlocations++].loc = loc;
	*out = loc;
	return 0;
}

void
lb_engine_set_kube_rate(lb_engine *e, const double *qps, const int *burst)
{
	if (qps)
		e->settings->kube_qps = *qps;
	if (burst)
		e->settings->kube_burst = *burst;
}

int
lb_engine_kube(lb_engine *e, lb_kube_client **out)
{
	lb_kube_options opts;
	int error = 0;

	pthread_mutex_lock(&e->lock);
	if (!e->kube) {
		memset(&opts, 0, sizeof(opts));
		opts.kubeconfig = e->cli ? e->cli->kubeconfig : NULL;
		opts.context = e->cli ? e->cli->context : NULL;
		opts.qps = e->settings->kube_qps;
		opts.burst = e->settings->kube_burst;
		error = lb_kube_client_new(&opts, &e->kube);
	}
	if (error == 0)
		*out = e->kube;
	pthread_mutex_unlock(&e->lock);
	return error;
}

int
lb_engine_queue(lb_engine *e, lb_queue **out)
{
	lb_queue_opts o;
	int error = 0;

	pthread_mutex_lock(&e->lock);
	if (!e->queue) {
		o.workers = e->settings->queue_workers;
		o.task_timeout_ms = e->settings->task_timeout_ms;
		o.state_dir = e->settings->state_dir;
		error = lb_queue_new(&o, &e->queue);
		if (error == 0 && o.state_dir)
			error = lb_queue_recover(o.state_dir, NULL, NULL);
	}
	if (error == 0)
		*out = e->queue;
	pthread_mutex_unlock(&e->lock);
	return error;
}

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	(void) sig;
	got_signal = 1; /* the waiting loop cancels the task */
}

int
lb_engine_run_task(lb_engine *e, const lb_task_spec *spec, lb_task_fn fn, void *ud)
{
	struct sigaction sa, old_int, old_term;
	lb_queue *q;
	lb_task *t;
	lb_task_phase phase;
	char err[1024];
	int error;

	if ((error = lb_engine_queue(e, &q)) < 0)
		return error;
	error = lb_queue_register(q, spec->kind, fn, ud);
	if (error < 0 && error != LB_EEXISTS)
		return error;
	if ((error = lb_queue_submit(q, spec, &t)) < 0)
		return error;
	got_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!lb_task_phase_final(phase = lb_task_phase_get(t))) {
		if (got_signal) {
			got_signal = 0;
			lb_queue_cancel(q, lb_task_id(t));
		}
		usleep(20000);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	lb_task_error(t, err, sizeof(err));
	lb_task_release(t);
	switch (phase) {
	case LB_TASK_SUCCEEDED:
		return 0;
	case LB_TASK_CANCELED:
		return lb_error_set(LB_ECANCELED, "%s", err);
	case LB_TASK_TIMED_OUT:
		return lb_error_set(LB_ETIMEDOUT, "%s", err);
	default:
		return lb_error_set(LB_ERROR, "%s", err[0] ? err : "task failed");
	}
}
