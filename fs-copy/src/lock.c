/* Repository locks (locks/<id>, encrypted JSON like restic's). Non-exclusive locks coexist;
 * an exclusive lock excludes every other. A lock is refreshed (re-written) every 5 minutes
 * while held. Stale locks (older than 30 minutes, or from a dead process on this host) are
 * reported, never silently ignored: they do not block non-exclusive locks (with a warning),
 * and they block an exclusive lock until `fs-copy unlock` removes them. */
#include "fc_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FC_LOCK_REFRESH_S 300
#define FC_LOCK_STALE_S 1800

struct fc_lock {
	lb_fscopy_repo *r;
	int exclusive;
	char id[65];
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
};

typedef struct lock_info {
	char id[65];
	int exclusive, stale;
	char host[256], user[64];
	int pid;
	char time[64];
} lock_info;

typedef struct lock_list {
	lb_fscopy_repo *r;
	lock_info *v;
	size_t n, cap;
	const char *skip;
} lock_list;

static int
lock_json(int exclusive, fc_buf *b)
{
	char host[256] = "", t[64];
	struct passwd *pw = getpwuid(getuid());
	struct timespec ts;
	int rc;

	gethostname(host, sizeof(host) - 1);
	clock_gettime(CLOCK_REALTIME, &ts);
	lb_fscopy__time_fmt((int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec, t);
	rc = lb_fscopy__buf_printf(b, "{\"time\":\"%s\",\"exclusive\":%s,\"hostname\":", t,
	                           exclusive ? "true" : "false");
	rc = rc ? rc : lb_fscopy__buf_json_str(b, host, strlen(host));
	rc = rc ? rc : lb_fscopy__buf_puts(b, ",\"username\":");
	rc = rc ? rc
	        : lb_fscopy__buf_json_str(b, pw ? pw->pw_name : "", pw ? strlen(pw->pw_name) : 0);
	rc = rc ? rc : lb_fscopy__buf_printf(b, ",\"pid\":%d", (int) getpid());
	if (!rc && getuid())
		rc = lb_fscopy__buf_printf(b, ",\"uid\":%u,\"gid\":%u", (unsigned) getuid(),
		                           (unsigned) getgid());
	return rc ? rc : lb_fscopy__buf_puts(b, "}");
}

static int
add_lock(void *ctx, const char *key)
{
	lock_list *l = ctx;
	const char *base = strrchr(key, '/');
	char k[128], host[256] = "";
	fc_buf js = {0};
	cJSON *j;
	lock_info *li;
	int64_t ns = 0;
	int rc;

	base = base ? base + 1 : key;
	if (l->skip && strcmp(base, l->skip) == 0)
		return 0;
	snprintf(k, sizeof(k), "locks/%s", base);
	rc = lb_fscopy__load_unpacked(l->r, k, &js);
	if (rc == LB_ENOTFOUND)
		return 0; /* removed meanwhile */
	if (rc < 0) {
		fprintf(stderr, "fs-copy: warning: cannot read lock %s: %s\n", k, lb_fscopy_errmsg());
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		lock_info *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			lb_fscopy__buf_free(&js);
			return lb_fscopy__err(LB_ENOMEM, "out of memory");
		}
		l->v = v;
		l->cap = cap;
	}
	li = &l->v[l->n++];
	memset(li, 0, sizeof(*li));
	snprintf(li->id, sizeof(li->id), "%s", base);
	j = cJSON_ParseWithLength((char *) js.data, js.len);
	li->exclusive = cJSON_IsTrue(cJSON_GetObjectItem(j, "exclusive"));
	li->pid = (int) cJSON_GetNumberValue(cJSON_GetObjectItem(j, "pid"));
	snprintf(li->host, sizeof(li->host), "%s",
	         cJSON_GetStringValue(cJSON_GetObjectItem(j, "hostname")) ?: "");
	snprintf(li->user, sizeof(li->user), "%s",
	         cJSON_GetStringValue(cJSON_GetObjectItem(j, "username")) ?: "");
	snprintf(li->time, sizeof(li->time), "%s",
	         cJSON_GetStringValue(cJSON_GetObjectItem(j, "time")) ?: "");
	lb_fscopy__time_parse(li->time, &ns);
	gethostname(host, sizeof(host) - 1);
	if ((int64_t) time(NULL) - ns / 1000000000 > FC_LOCK_STALE_S)
		li->stale = 1;
	else if (strcmp(host, li->host) == 0 && li->pid > 0 && kill(li->pid, 0) < 0 &&
	         errno == ESRCH)
		li->stale = 1;
	cJSON_Delete(j);
	lb_fscopy__buf_free(&js);
	return 0;
}

static int
list_locks(lb_fscopy_repo *r, const char *skip, lock_list *out)
{
	memset(out, 0, sizeof(*out));
	out->r = r;
	out->skip = skip;
	return r->be->list(r->be, "locks", add_lock, out);
}

static int
conflicts(lock_list *l, int exclusive, int report_stale)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		lock_info *li = &l->v[i];
		if (li->stale) {
			if (exclusive)
				return lb_fscopy__err(LB_ECONFLICT,
				                      "stale lock locks/%.10s (pid %d on %s, since %s) "
				                      "left by a process that is gone; check that no "
				                      "backup runs and remove it with `fs-copy unlock`",
				                      li->id, li->pid, li->host, li->time);
			if (report_stale)
				fprintf(stderr,
				        "fs-copy: warning: stale lock locks/%.10s (pid %d on %s, since "
				        "%s) left by a process that is gone; remove it with `fs-copy "
				        "unlock`\n",
				        li->id, li->pid, li->host, li->time);
			continue;
		}
		if (exclusive || li->exclusive)
			return lb_fscopy__err(LB_ECONFLICT,
			                      "the repository is locked %s by pid %d on %s (user %s, "
			                      "since %s, locks/%.10s)",
			                      li->exclusive ? "exclusively" : "", li->pid, li->host,
			                      li->user, li->time, li->id);
	}
	return 0;
}

static void *
refresher(void *arg)
{
	fc_lock *l = arg;
	struct timespec ts;

	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += FC_LOCK_REFRESH_S;
		if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) == ETIMEDOUT && !l->stop) {
			fc_buf js = {0};
			char nid[65], key[128];
			if (lock_json(l->exclusive, &js) == 0 &&
			    lb_fscopy__save_unpacked(l->r, "locks", js.data, js.len, nid) == 0) {
				snprintf(key, sizeof(key), "locks/%s", l->id);
				l->r->be->del(l->r->be, key);
				memcpy(l->id, nid, sizeof(nid));
			} else {
				fprintf(stderr, "fs-copy: warning: refreshing the lock failed: %s\n",
				        lb_fscopy_errmsg());
			}
			lb_fscopy__buf_free(&js);
		}
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

int
lb_fscopy__lock(lb_fscopy_repo *r, int exclusive, fc_lock **out)
{
	lock_list ll = {0};
	fc_buf js = {0};
	fc_lock *l = NULL;
	char key[128];
	int rc;

	rc = list_locks(r, NULL, &ll);
	if (rc == 0)
		rc = conflicts(&ll, exclusive, 1);
	free(ll.v);
	if (rc < 0)
		return rc;
	l = calloc(1, sizeof(*l));
	if (!l)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	l->r = r;
	l->exclusive = exclusive;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	rc = lock_json(exclusive, &js);
	rc = rc ? rc : lb_fscopy__save_unpacked(r, "locks", js.data, js.len, l->id);
	lb_fscopy__buf_free(&js);
	if (rc < 0)
		goto fail;
	/* re-check: another writer may have locked at the same moment */
	rc = list_locks(r, l->id, &ll);
	if (rc == 0)
		rc = conflicts(&ll, exclusive, 0);
	free(ll.v);
	if (rc < 0) {
		snprintf(key, sizeof(key), "locks/%s", l->id);
		r->be->del(r->be, key);
		goto fail;
	}
	if (pthread_create(&l->th, NULL, refresher, l) != 0) {
		rc = lb_fscopy__err(LB_ENOMEM, "cannot start the lock refresh thread");
		snprintf(key, sizeof(key), "locks/%s", l->id);
		r->be->del(r->be, key);
		goto fail;
	}
	*out = l;
	return 0;
fail:
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l);
	return rc;
}

void
lb_fscopy__unlock(fc_lock *l)
{
	char key[128];

	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->th, NULL);
	snprintf(key, sizeof(key), "locks/%s", l->id);
	l->r->be->del(l->r->be, key);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l);
}

int
lb_fscopy_unlock(lb_fscopy_repo *r, int all, void (*cb)(void *, const char *), void *ctx)
{
	lock_list ll;
	char key[128], msg[512];
	size_t i;
	int rc;

	rc = list_locks(r, NULL, &ll);
	for (i = 0; rc == 0 && i < ll.n; i++) {
		if (!all && !ll.v[i].stale)
			continue;
		snprintf(key, sizeof(key), "locks/%s", ll.v[i].id);
		rc = r->be->del(r->be, key);
		snprintf(msg, sizeof(msg), "removed %slock %s (pid %d on %s, since %s)",
		         ll.v[i].stale ? "stale " : "", key, ll.v[i].pid, ll.v[i].host,
		         ll.v[i].time);
		if (rc == 0 && cb)
			cb(ctx, msg);
	}
	free(ll.v);
	return rc;
}
