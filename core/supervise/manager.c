/* The plugin manager: settings, discovery, parallel start, info, name resolution, and
 * opening/closing instances. Calls themselves are in invoke.c, children in pool.c. */
#include "plugin.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/log.h"

#ifndef LB_INSTALL_PREFIX
#define LB_INSTALL_PREFIX "/usr/local"
#endif
#ifndef LB_INSTALL_LIBEXEC_DIR
#define LB_INSTALL_LIBEXEC_DIR "lib/lifeboat"
#endif
#ifndef LB_INSTALL_PLUGIN_DIR
#define LB_INSTALL_PLUGIN_DIR "lib/lifeboat/plugins"
#endif

static const char *const kind_names[] = {"object-store", "volume-snapshotter", "backup-item-action",
                                         "restore-item-action", "volume-copier"};

const char *
lb_plugin_kind_name(lb_plugin_kind kind)
{
	return (unsigned) kind < LB_KIND_COUNT_ ? kind_names[kind] : "?";
}

int
lb_plugin_kind_parse(const char *name)
{
	for (int i = 0; i < LB_KIND_COUNT_; i++)
		if (name && !strcmp(name, kind_names[i]))
			return i;
	return -1;
}

void
lb_plugin_settings_init(lb_plugin_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->start_timeout_ms = 10000;
	s->children = 2;
	s->grace_ms = 2000;
	s->limit_ms[LB_CALL_CLASS_META] = 30000;
	s->limit_ms[LB_CALL_CLASS_DATA] = 600000;
	s->limit_ms[LB_CALL_CLASS_ITEM] = 60000;
	s->backoff_ms = 200;
	s->backoff_max_ms = 10000;
	s->restart_budget = 10;
	s->restart_window_ms = 60000;
}

/* The directory holding the running executable ("" if unknown). */
static void
exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
}

int
lb_plugins_default_dirs(lb_strlist *dirs_out)
{
	const char *env = getenv("LIFEBOAT_PLUGIN_DIRS");
	char dir[PATH_MAX], path[PATH_MAX + 64];
	int error;

	if (env && *env) {
		const char *p = env;

		while (*p) {
			size_t n = strcspn(p, ":");

			if (n && (error = lb_strlist_addn(dirs_out, p, n)) < 0)
				return error;
			p += n;
			if (*p == ':')
				p++;
		}
		return 0;
	}
	exe_dir(dir, sizeof(dir));
	if (dir[0]) {
		snprintf(path, sizeof(path), "%s/../lib/lifeboat/plugins", dir);
		if ((error = lb_strlist_add(dirs_out, path)) < 0)
			return error;
	}
	snprintf(path, sizeof(path), "%s/%s", LB_INSTALL_PREFIX, LB_INSTALL_PLUGIN_DIR);
	if (!lb_strlist_contains(dirs_out, path) && access(path, R_OK) == 0)
		return lb_strlist_add(dirs_out, path);
	return 0;
}

static int
find_host(lb_plugin_manager *mgr)
{
	char dir[4000];

	if (mgr->s.host_path) {
		snprintf(mgr->host_path, sizeof(mgr->host_path), "%s", mgr->s.host_path);
		if (access(mgr->host_path, X_OK) == 0)
			return 0;
		return lb_error_set(LB_EINVAL, "plugin host %s is not executable", mgr->host_path);
	}
	exe_dir(dir, sizeof(dir));
	snprintf(mgr->host_path, sizeof(mgr->host_path), "%s/../lib/lifeboat/lifeboat-plugin-host",
	         dir);
	if (dir[0] && access(mgr->host_path, X_OK) == 0)
		return 0;
	snprintf(mgr->host_path, sizeof(mgr->host_path), "%s/../lifeboat/lifeboat-plugin-host",
	         dir); /* the executable lives in lib/ (tests, benches) */
	if (dir[0] && access(mgr->host_path, X_OK) == 0)
		return 0;
	snprintf(mgr->host_path, sizeof(mgr->host_path), "%s/%s/lifeboat-plugin-host",
	         LB_INSTALL_PREFIX, LB_INSTALL_LIBEXEC_DIR);
	if (access(mgr->host_path, X_OK) == 0)
		return 0;
	return lb_error_set(LB_EINVAL,
	                    "cannot find lifeboat-plugin-host next to %s or in %s/%s: reinstall "
	                    "Lifeboat",
	                    dir, LB_INSTALL_PREFIX, LB_INSTALL_LIBEXEC_DIR);
}

static int
match(const lb_plugin *p, const char *m)
{
	return m &&
	       (!strcmp(m, p->path) || !strcmp(m, p->file) || (p->name[0] && !strcmp(m, p->name)));
}

static lb_plugin *
plugin_new(lb_plugin_manager *mgr, const char *path)
{
	lb_plugin *p = calloc(1, sizeof(*p));
	const char *slash;

	if (!p)
		return NULL;
	p->mgr = mgr;
	snprintf(p->path, sizeof(p->path), "%s", path);
	slash = strrchr(p->path, '/');
	p->file = slash ? slash + 1 : p->path;
	p->start_timeout_ms = mgr->s.start_timeout_ms;
	p->max_children = mgr->s.children > 0 ? mgr->s.children : 1;
	for (size_t i = 0; i < mgr->s.noverrides; i++) {
		const lb_plugin_override *o = &mgr->s.overrides[i];

		if (!match(p, o->match))
			continue;
		if (o->start_timeout_ms > 0)
			p->start_timeout_ms = o->start_timeout_ms;
		if (o->children > 0)
			p->max_children = o->children;
	}
	p->backoff_ms = mgr->s.backoff_ms;
	p->children = calloc((size_t) p->max_children, sizeof(*p->children));
	p->restart_times = calloc((size_t) (mgr->s.restart_budget > 0 ? mgr->s.restart_budget : 1),
	                          sizeof(*p->restart_times));
	if (!p->children || !p->restart_times) {
		free(p->children);
		free(p->restart_times);
		free(p);
		return NULL;
	}
	for (int i = 0; i < p->max_children; i++) {
		p->children[i].pidfd = p->children[i].chan = p->children[i].err_fd = -1;
		p->children[i].status = -1;
		p->children[i].log_name = p->file;
	}
	return p;
}

static void
plugin_free(lb_plugin *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->max_children; i++) {
		lb_child_stop(&p->children[i], p->mgr->s.grace_ms);
		lb_child_dispose(&p->children[i]);
	}
	free(p->children);
	free(p->restart_times);
	free(p->closed);
	free(p);
}

static int
add_plugins(lb_plugin_manager *mgr, const lb_strlist *paths, size_t *first_out)
{
	size_t first = mgr->nplugins, n = 0;
	lb_plugin **ps, **grown;
	lb_child **cs;
	int error = 0;

	grown = realloc(mgr->plugins, (mgr->nplugins + paths->count + 1) * sizeof(*grown));
	ps = calloc(paths->count + 1, sizeof(*ps));
	cs = calloc(paths->count + 1, sizeof(*cs));
	if (grown)
		mgr->plugins = grown;
	if (!grown || !ps || !cs) {
		error = lb_error_set(LB_ENOMEM, "out of memory");
		goto done;
	}
	/* Spawn all first, then wait for all HELLOs in one loop: a slow plugin never delays
	 * the others beyond its own start timeout. */
	for (size_t i = 0; i < paths->count; i++) {
		lb_plugin *p = plugin_new(mgr, paths->items[i]);

		if (!p) {
			error = lb_error_set(LB_ENOMEM, "out of memory");
			goto done;
		}
		pthread_mutex_lock(&mgr->mu);
		mgr->plugins[mgr->nplugins++] = p;
		pthread_mutex_unlock(&mgr->mu);
		if (lb_child_spawn(&p->children[0], mgr->host_path, p->path) < 0) {
			p->failed = 1;
			snprintf(p->reason, sizeof(p->reason), "%s", lb_error_last(LB_ERROR));
			continue;
		}
		ps[n] = p;
		cs[n] = &p->children[0];
		n++;
	}
	lb_pool__wait_hellos(ps, cs, n);
	for (size_t i = 0; i < n; i++) {
		lb_plugin *p = ps[i];

		if (p->failed)
			lb_log_emit(LB_LOG_WARN, NULL, "plugin %s failed: %s", p->path, p->reason);
		else
			for (size_t k = 0; k < p->nimpls; k++)
				cs[i]->log_name = p->name;
	}
	if (first_out)
		*first_out = first;
done:
	free(ps);
	free(cs);
	return error;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

int
lb_plugins_start(const lb_plugin_settings *settings, lb_plugin_manager **mgr_out)
{
	lb_plugin_manager *mgr = calloc(1, sizeof(*mgr));
	lb_strlist paths = LB_STRLIST_INIT;
	pthread_condattr_t ca;
	int error = 0;

	if (!mgr)
		return lb_error_set(LB_ENOMEM, "out of memory");
	pthread_mutex_init(&mgr->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mgr->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (settings)
		mgr->s = *settings;
	else
		lb_plugin_settings_init(&mgr->s);
	mgr->next_instance = 1;
	/* Own copies of the borrowed arrays. */
	for (size_t i = 0; i < mgr->s.ndirs; i++)
		if ((error = lb_strlist_add(&mgr->dirs, mgr->s.dirs[i])) < 0)
			goto done;
	mgr->s.dirs = (const char *const *) mgr->dirs.items;
	if (mgr->s.noverrides) {
		mgr->overrides = calloc(mgr->s.noverrides, sizeof(*mgr->overrides));
		if (!mgr->overrides) {
			error = lb_error_set(LB_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < mgr->s.noverrides; i++) {
			mgr->overrides[i] = mgr->s.overrides[i];
			mgr->overrides[i].match =
			    strdup(mgr->s.overrides[i].match ? mgr->s.overrides[i].match : "");
		}
		mgr->s.overrides = mgr->overrides;
	}
	mgr->s.host_path = NULL;
	if (settings && settings->host_path)
		mgr->s.host_path = settings->host_path;
	if ((error = find_host(mgr)) < 0)
		goto done;
	mgr->s.host_path = NULL;
	for (size_t i = 0; i < mgr->dirs.count; i++) {
		DIR *d = opendir(mgr->dirs.items[i]);
		struct dirent *e;
		size_t before = paths.count;

		if (!d) {
			if (errno != ENOENT)
				lb_log_emit(LB_LOG_WARN, NULL, "plugin directory %s: %s",
				            mgr->dirs.items[i], strerror(errno));
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			size_t n = strlen(e->d_name);
			char path[PATH_MAX];

			if (n < 4 || strcmp(e->d_name + n - 3, ".so") || e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", mgr->dirs.items[i], e->d_name);
			if ((error = lb_strlist_add(&paths, path)) < 0)
				break;
		}
		closedir(d);
		if (error < 0)
			goto done;
		qsort(paths.items + before, paths.count - before, sizeof(char *), cmp_str);
	}
	error = add_plugins(mgr, &paths, NULL);
done:
	lb_strlist_dispose(&paths);
	if (error < 0) {
		lb_plugins_stop(mgr);
		return error;
	}
	*mgr_out = mgr;
	return 0;
}

int
lb_plugins_add_file(lb_plugin_manager *mgr, const char *path, size_t *index_out)
{
	lb_strlist one = LB_STRLIST_INIT;
	char real[PATH_MAX];
	int error;

	if (!mgr || !path)
		return lb_error_set(LB_EINVAL, "lb_plugins_add_file: no manager or path");
	if (!realpath(path, real))
		return lb_error_errno(errno, "plugin file %s", path);
	if ((error = lb_strlist_add(&one, real)) < 0)
		return error;
	error = add_plugins(mgr, &one, index_out);
	lb_strlist_dispose(&one);
	return error;
}

void
lb_plugins_stop(lb_plugin_manager *mgr)
{
	if (!mgr)
		return;
	for (size_t i = 0; i < mgr->nplugins; i++)
		plugin_free(mgr->plugins[i]);
	free(mgr->plugins);
	for (size_t i = 0; mgr->overrides && i < mgr->s.noverrides; i++)
		free((char *) mgr->overrides[i].match);
	free(mgr->overrides);
	lb_strlist_dispose(&mgr->dirs);
	pthread_mutex_destroy(&mgr->mu);
	pthread_cond_destroy(&mgr->cv);
	free(mgr);
}

size_t
lb_plugins_count(lb_plugin_manager *mgr)
{
	size_t n;

	if (!mgr)
		return 0;
	pthread_mutex_lock(&mgr->mu);
	n = mgr->nplugins;
	pthread_mutex_unlock(&mgr->mu);
	return n;
}

int
lb_plugins_info(lb_plugin_manager *mgr, size_t i, lb_plugin_info *info_out)
{
	lb_plugin *p;

	if (!mgr || i >= lb_plugins_count(mgr))
		return lb_error_set(LB_EINVAL, "no plugin #%zu", i);
	pthread_mutex_lock(&mgr->mu);
	p = mgr->plugins[i];
	memset(info_out, 0, sizeof(*info_out));
	snprintf(info_out->path, sizeof(info_out->path), "%s", p->path);
	snprintf(info_out->name, sizeof(info_out->name), "%s", p->name);
	snprintf(info_out->version, sizeof(info_out->version), "%s", p->version);
	snprintf(info_out->sdk, sizeof(info_out->sdk), "%s", p->sdk);
	info_out->state = p->failed ? "failed" : "ok";
	snprintf(info_out->reason, sizeof(info_out->reason), "%s", p->failed ? p->reason : "");
	for (int k = 0; k < p->max_children; k++)
		if (p->children[k].pid > 0 && !info_out->pid)
			info_out->pid = (int) p->children[k].pid;
	info_out->restarts = p->restarts;
	info_out->nimpls = p->nimpls;
	memcpy(info_out->impls, p->impls, sizeof(p->impls[0]) * p->nimpls);
	pthread_mutex_unlock(&mgr->mu);
	return 0;
}

/* The ok plugin providing @name of @kind, or NULL (lock held). */
static lb_plugin *
find_provider(lb_plugin_manager *mgr, lb_plugin_kind kind, const char *name, const char **canon)
{
	for (size_t i = 0; i < mgr->nplugins; i++) {
		lb_plugin *p = mgr->plugins[i];

		if (p->failed)
			continue;
		for (size_t k = 0; k < p->nimpls; k++)
			if (p->impls[k].kind == kind && !strcmp(p->impls[k].name, name)) {
				*canon = p->impls[k].name;
				return p;
			}
	}
	return NULL;
}

static lb_plugin *
resolve(lb_plugin_manager *mgr, lb_plugin_kind kind, const char *name, const char **canon)
{
	char alt[256];
	const char *base;
	lb_plugin *p;

	if ((p = find_provider(mgr, kind, name, canon)))
		return p;
	base = !strncmp(name, "velero.io/", 10) ? name + 10 : strchr(name, '/') ? NULL : name;
	if (!base)
		return NULL;
	snprintf(alt, sizeof(alt), "lifeboat.io/%s", base);
	if ((p = find_provider(mgr, kind, alt, canon)))
		return p;
	snprintf(alt, sizeof(alt), "velero.io/%s", base);
	return find_provider(mgr, kind, alt, canon);
}

const char *
lb_plugins_resolve(lb_plugin_manager *mgr, lb_plugin_kind kind, const char *name)
{
	const char *canon = NULL;

	if (!mgr || !name || (unsigned) kind >= LB_KIND_COUNT_) {
		lb_error_set(LB_EINVAL, "lb_plugins_resolve: bad arguments");
		return NULL;
	}
	pthread_mutex_lock(&mgr->mu);
	if (!resolve(mgr, kind, name, &canon))
		canon = NULL;
	pthread_mutex_unlock(&mgr->mu);
	if (!canon)
		lb_error_set(LB_ENOTFOUND,
		             "no running plugin provides %s '%s' (see 'lifeboat plugin list')",
		             lb_plugin_kind_name(kind), name);
	return canon;
}

int
lb_plugins_list_impls(lb_plugin_manager *mgr, lb_plugin_kind kind, lb_strlist *out)
{
	int error = 0;

	pthread_mutex_lock(&mgr->mu);
	for (size_t i = 0; i < mgr->nplugins && error >= 0; i++) {
		lb_plugin *p = mgr->plugins[i];

		for (size_t k = 0; !p->failed && k < p->nimpls && error >= 0; k++)
			if (p->impls[k].kind == kind && !lb_strlist_contains(out, p->impls[k].name))
				error = lb_strlist_add(out, p->impls[k].name);
	}
	pthread_mutex_unlock(&mgr->mu);
	return error;
}

int
lb_plugin__open(lb_plugin_manager *mgr,
                int kind,
                const char *name,
                const lb_config *config,
                lb_call *call,
                lb_instance **inst_out)
{
	lb_instance *inst = NULL;
	const char *canon = NULL;
	cJSON *cfg = NULL, *req = NULL, *ans = NULL;
	lb_plugin *p;
	int error;

	if (!mgr || !name)
		return lb_call_set_error(call, lb_error_set(LB_EINVAL, "open: no manager or name"),
		                         "open: no manager or name");
	pthread_mutex_lock(&mgr->mu);
	p = resolve(mgr, (lb_plugin_kind) kind, name, &canon);
	pthread_mutex_unlock(&mgr->mu);
	if (!p) {
		lb_error_set(LB_ENOTFOUND,
		             "no running plugin provides %s '%s' (see 'lifeboat plugin list')",
		             lb_plugin_kind_name((lb_plugin_kind) kind), name);
		return lb_call_set_error(call, LB_ENOTFOUND, "%s", lb_error_last(LB_ENOTFOUND));
	}
	inst = calloc(1, sizeof(*inst));
	cfg = cJSON_CreateObject();
	if (!inst || !cfg) {
		error = lb_call_set_error(call, LB_ENOMEM, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; config && i < config->count; i++)
		if (config->items[i].key)
			cJSON_AddStringToObject(cfg, config->items[i].key,
			                        config->items[i].value ? config->items[i].value
			                                               : "");
	req = cJSON_CreateObject();
	cJSON_AddItemToObject(req, "config", cfg);
	cfg = NULL;
	inst->plugin = p;
	inst->kind = kind;
	inst->impl = strdup(canon);
	inst->config_json = cJSON_PrintUnformatted(req);
	pthread_mutex_lock(&mgr->mu);
	inst->id = mgr->next_instance++;
	pthread_mutex_unlock(&mgr->mu);
	if (!inst->impl || !inst->config_json) {
		error = lb_call_set_error(call, LB_ENOMEM, "out of memory");
		goto done;
	}
	/* Validate the config now: a cheap idempotent call runs init on a child. */
	{
		static const int probe[] = {LB_METHOD_OS_INIT, LB_METHOD_VS_INIT,
		                            LB_METHOD_BIA_INIT, LB_METHOD_RIA_INIT,
		                            LB_METHOD_VC_INIT};
		lb_child *c = NULL;
		int dead = 0;

		(void) probe;
		error = lb_pool__acquire(
		    p, call, lb_deadline_in(lb_pool__limit_ms(p, NULL, probe[kind])), &c);
		if (error < 0)
			goto done;
		error = lb_plugin__prepare(inst, c, call, &dead);
		if (dead)
			lb_pool__fail(p, c);
		else
			lb_pool__release(p, c);
	}
	if (error < 0)
		goto done;
	*inst_out = inst;
	inst = NULL;
done:
	cJSON_Delete(cfg);
	cJSON_Delete(req);
	cJSON_Delete(ans);
	if (inst) {
		free(inst->impl);
		free(inst->config_json);
		free(inst);
	}
	return error;
}

void
lb_plugin__close(lb_instance *inst)
{
	lb_plugin *p;
	lb_plugin_manager *mgr;

	if (!inst)
		return;
	p = inst->plugin;
	mgr = p->mgr;
	/* Children that have it drop it before their next call (prepare_child). */
	pthread_mutex_lock(&mgr->mu);
	if (p->nclosed == p->capclosed) {
		size_t cap = p->capclosed ? p->capclosed * 2 : 16;
		double *n = realloc(p->closed, cap * sizeof(*n));

		if (n) {
			p->closed = n;
			p->capclosed = cap;
		}
	}
	if (p->nclosed < p->capclosed)
		p->closed[p->nclosed++] = inst->id;
	pthread_mutex_unlock(&mgr->mu);
	free(inst->impl);
	free(inst->config_json);
	free(inst);
}
