#include "queue.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/time.h"

#define WATCH_INTERVAL_MS 50
#define MAX_KINDS 32

struct lb_task {
	int refs;
	lb_queue *q;
	char id[160];
	char *kind;
	char *name;
	cJSON *params;
	int64_t timeout_ms;
	lb_deadline deadline;
	lb_task_phase phase;
	int timed_out;
	int cancel_requested;
	char error[1024];
	char progress[256];
	char created[32], started[32], finished[32];
	lb_cancel *cancel;
	int lock_fd;
	lb_task *next; /* pending FIFO */
};

typedef struct kind_entry {
	char *kind;
	lb_task_fn fn;
	void *ud;
} kind_entry;

struct lb_queue {
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_cond_t changed;
	pthread_t *threads;
	int nthreads;
	pthread_t watcher;
	int watcher_started;
	int stopping;
	lb_task *head, *tail; /* pending */
	lb_task **running;
	int nrunning;
	kind_entry kinds[MAX_KINDS];
	int nkinds;
	int64_t task_timeout_ms;
	char *state_dir; /* <state>/tasks, or NULL */
	unsigned seq;
};

const char *
lb_task_phase_name(lb_task_phase p)
{
	static const char *const names[] = {
		"Queued", "Running", "Succeeded", "Failed", "Canceled", "TimedOut", "Interrupted"};

	return (unsigned) p < sizeof(names) / sizeof(names[0]) ? names[p] : "Unknown";
}

static int
phase_parse(const char *s)
{
	for (int p = LB_TASK_QUEUED; p <= LB_TASK_INTERRUPTED; p++)
		if (!strcmp(lb_task_phase_name((lb_task_phase) p), s))
			return p;
	return -1;
}

int
lb_task_phase_final(lb_task_phase p)
{
	return p >= LB_TASK_SUCCEEDED;
}

static void
now_rfc3339(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cJSON *
task_record(const lb_task *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", t->id);
	cJSON_AddStringToObject(o, "kind", t->kind);
	cJSON_AddStringToObject(o, "name", t->name);
	cJSON_AddStringToObject(o, "phase", lb_task_phase_name(t->phase));
	cJSON_AddNumberToObject(o, "timeoutMs", (double) t->timeout_ms);
	cJSON_AddStringToObject(o, "created", t->created);
	if (t->started[0])
		cJSON_AddStringToObject(o, "started", t->started);
	if (t->finished[0])
		cJSON_AddStringToObject(o, "finished", t->finished);
	if (t->error[0])
		cJSON_AddStringToObject(o, "error", t->error);
	if (t->progress[0])
		cJSON_AddStringToObject(o, "progress", t->progress);
	cJSON_AddNumberToObject(o, "pid", (double) getpid());
	if (t->params)
		cJSON_AddItemToObject(o, "params", cJSON_Duplicate(t->params, 1));
	return o;
}

/* Write @rec to <dir>/<id>.json atomically: a reader sees the old or the new record. */
static int
write_record(const char *dir, const char *id, cJSON *rec)
{
	char path[4096], tmp[4200];
	char *text = cJSON_Print(rec);
	FILE *f;
	int error = 0;

	if (!text)
		return LB_ENOMEM;
	snprintf(path, sizeof(path), "%s/%s.json", dir, id);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int) getpid());
	f = fopen(tmp, "w");
	if (!f) {
		error = lb_error_errno(errno, "cannot write task record %s", tmp);
		goto done;
	}
	fputs(text, f);
	fputc('\n', f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		error = lb_error_errno(errno, "cannot write task record %s", tmp);
		fclose(f);
		unlink(tmp);
		goto done;
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		error = lb_error_errno(errno, "cannot rename %s", tmp);
		unlink(tmp);
	}
done:
	free(text);
	return error;
}

/* Called with q->lock held. */
static void
persist(lb_queue *q, lb_task *t)
{
	cJSON *rec;

	if (!q->state_dir)
		return;
	rec = task_record(t);
	if (write_record(q->state_dir, t->id, rec) < 0)
		lb_log_warn("task %s: %s", t->id, lb_error_last(LB_EIO));
	cJSON_Delete(rec);
}

static void
task_free(lb_task *t)
{
	if (!t)
		return;
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	lb_cancel_free(t->cancel);
	cJSON_Delete(t->params);
	free(t->kind);
	free(t->name);
	free(t);
}

void
lb_task_release(lb_task *t)
{
	lb_queue *q;
	int last;

	if (!t)
		return;
	q = t->q;
	pthread_mutex_lock(&q->lock);
	last = --t->refs == 0;
	pthread_mutex_unlock(&q->lock);
	if (last)
		task_free(t);
}

static kind_entry *
find_kind(lb_queue *q, const char *kind)
{
	for (int i = 0; i < q->nkinds; i++)
		if (!strcmp(q->kinds[i].kind, kind))
			return &q->kinds[i];
	return NULL;
}

static void
cancel_file_path(const lb_queue *q, const char *id, char *out, size_t n)
{
	snprintf(out, n, "%s/%s.cancel", q->state_dir, id);
}

static void
finish(lb_queue *q, lb_task *t, int error)
{
	pthread_mutex_lock(&q->lock);
	if (t->timed_out) {
		t->phase = LB_TASK_TIMED_OUT;
		snprintf(t->error,
			 sizeof(t->error),
			 "task %s exceeded its timeout of %lld ms and was stopped",
			 t->id,
			 (long long) t->timeout_ms);
	} else if (t->cancel_requested) {
		t->phase = LB_TASK_CANCELED;
		snprintf(t->error, sizeof(t->error), "task %s was canceled", t->id);
	} else if (error < 0) {
		t->phase = LB_TASK_FAILED;
		snprintf(t->error, sizeof(t->error), "%s", lb_error_last(error));
	} else {
		t->phase = LB_TASK_SUCCEEDED;
	}
	now_rfc3339(t->finished);
	persist(q, t);
	if (t->lock_fd >= 0) {
		close(t->lock_fd); /* drops the flock */
		t->lock_fd = -1;
	}
	if (q->state_dir) {
		char path[4096];

		cancel_file_path(q, t->id, path, sizeof(path));
		unlink(path);
	}
	for (int i = 0; i < q->nrunning; i++)
		if (q->running[i] == t) {
			q->running[i] = q->running[--q->nrunning];
			break;
		}
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
	lb_task_release(t);
}

static void *
worker(void *arg)
{
	lb_queue *q = arg;

	for (;;) {
		lb_task *t;
		kind_entry *k;
		int error;

		pthread_mutex_lock(&q->lock);
		while (!q->head && !q->stopping)
			pthread_cond_wait(&q->work, &q->lock);
		if (q->stopping && !q->head) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		t = q->head;
		q->head = t->next;
		if (!q->head)
			q->tail = NULL;
		t->next = NULL;
		if (t->cancel_requested || q->stopping) {
			t->cancel_requested = 1;
			pthread_mutex_unlock(&q->lock);
			finish(q, t, LB_ECANCELED);
			continue;
		}
		k = find_kind(q, t->kind);
		t->phase = LB_TASK_RUNNING;
		now_rfc3339(t->started);
		t->deadline = lb_deadline_in(t->timeout_ms > 0 ? t->timeout_ms : -1);
		q->running[q->nrunning++] = t;
		if (q->state_dir) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s.lock", q->state_dir, t->id);
			t->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			if (t->lock_fd >= 0 && flock(t->lock_fd, LOCK_EX | LOCK_NB) < 0) {
				close(t->lock_fd);
				t->lock_fd = -1;
			}
		}
		persist(q, t);
		pthread_mutex_unlock(&q->lock);

		lb_error_clear();
		if (!k)
			error = lb_error_set(LB_EINVAL, "no handler for task kind '%s'", t->kind);
		else
			error = k->fn(k->ud, t->params, t->cancel, t);
		finish(q, t, error);
	}
}

/* Deadlines and cancel requests from other processes. */
static void *
watcher(void *arg)
{
	lb_queue *q = arg;

	pthread_mutex_lock(&q->lock);
	while (!q->stopping) {
		struct timespec ts;

		for (int i = 0; i < q->nrunning; i++) {
			lb_task *t = q->running[i];

			if (!t->timed_out && !t->cancel_requested && lb_deadline_passed(t->deadline)) {
				t->timed_out = 1;
				lb_cancel_trigger(t->cancel);
			}
		}
		if (q->state_dir) {
			for (int i = 0; i < q->nrunning; i++) {
				char path[4096];

				cancel_file_path(q, q->running[i]->id, path, sizeof(path));
				if (!q->running[i]->cancel_requested && access(path, F_OK) == 0) {
					q->running[i]->cancel_requested = 1;
					lb_cancel_trigger(q->running[i]->cancel);
				}
			}
			for (lb_task *t = q->head; t; t = t->next) {
				char path[4096];

				cancel_file_path(q, t->id, path, sizeof(path));
				if (access(path, F_OK) == 0)
					t->cancel_requested = 1;
			}
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += WATCH_INTERVAL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&q->changed, &q->lock, &ts);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int
lb_queue_new(const lb_queue_opts *opts, lb_queue **out)
{
	lb_queue *q = calloc(1, sizeof(*q));
	int workers = opts && opts->workers > 0 ? opts->workers : 2;
	int error = 0;

	if (!q)
		return LB_ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->changed, NULL);
	q->task_timeout_ms = opts ? opts->task_timeout_ms : 0;
	q->seq = (unsigned) getpid();
	if (opts && opts->state_dir) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/tasks", opts->state_dir);
		if ((error = lb_mkdirs(dir, 0700)) < 0)
			goto fail;
		q->state_dir = strdup(dir);
	}
	q->running = calloc((size_t) workers, sizeof(*q->running));
	q->threads = calloc((size_t) workers, sizeof(*q->threads));
	if (!q->running || !q->threads) {
		error = LB_ENOMEM;
		goto fail;
	}
	for (int i = 0; i < workers; i++) {
		if (pthread_create(&q->threads[i], NULL, worker, q) != 0) {
			error = lb_error_set(LB_ENOMEM, "cannot start queue worker threads");
			goto fail;
		}
		q->nthreads++;
	}
	if (pthread_create(&q->watcher, NULL, watcher, q) != 0) {
		error = lb_error_set(LB_ENOMEM, "cannot start the queue watchdog thread");
		goto fail;
	}
	q->watcher_started = 1;
	*out = q;
	return 0;
fail:
	lb_queue_free(q);
	return error;
}

void
lb_queue_free(lb_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	for (lb_task *t = q->head; t; t = t->next)
		t->cancel_requested = 1;
	for (int i = 0; i < q->nrunning; i++) {
		q->running[i]->cancel_requested = 1;
		lb_cancel_trigger(q->running[i]->cancel);
	}
	pthread_cond_broadcast(&q->work);
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	if (q->watcher_started)
		pthread_join(q->watcher, NULL);
	for (int i = 0; i < q->nkinds; i++)
		free(q->kinds[i].kind);
	free(q->threads);
	free(q->running);
	free(q->state_dir);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int
lb_queue_register(lb_queue *q, const char *kind, lb_task_fn fn, void *ud)
{
	int error = 0;

	pthread_mutex_lock(&q->lock);
	if (find_kind(q, kind))
		error = lb_error_set(LB_EEXISTS, "task kind '%s' is already registered", kind);
	else if (q->nkinds == MAX_KINDS)
		error = lb_error_set(LB_ENOMEM, "too many task kinds");
	else if (!(q->kinds[q->nkinds].kind = strdup(kind)))
		error = LB_ENOMEM;
	else {
		q->kinds[q->nkinds].fn = fn;
		q->kinds[q->nkinds++].ud = ud;
	}
	pthread_mutex_unlock(&q->lock);
	return error;
}

static void
enqueue_locked(lb_queue *q, lb_task *t)
{
	t->refs++; /* the queue's reference, dropped by finish() */
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
	persist(q, t);
	pthread_cond_signal(&q->work);
}

static int
valid_id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

static int
task_new(lb_queue *q,
	 const char *id,
	 const char *kind,
	 const char *name,
	 const cJSON *params,
	 int64_t timeout_ms,
	 lb_task **out)
{
	lb_task *t = calloc(1, sizeof(*t));

	if (!t)
		return LB_ENOMEM;
	t->refs = 1;
	t->q = q;
	t->lock_fd = -1;
	t->kind = strdup(kind);
	t->name = strdup(name ? name : "");
	t->params = params ? cJSON_Duplicate(params, 1) : NULL;
	t->cancel = lb_cancel_new();
	t->timeout_ms = timeout_ms;
	t->deadline = LB_DEADLINE_NONE;
	if (!t->kind || !t->name || !t->cancel || (params && !t->params)) {
		task_free(t);
		return LB_ENOMEM;
	}
	snprintf(t->id, sizeof(t->id), "%s", id);
	now_rfc3339(t->created);
	*out = t;
	return 0;
}

int
lb_queue_submit(lb_queue *q, const lb_task_spec *spec, lb_task **out)
{
	char id[160], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	lb_task *t;
	int64_t timeout;
	int error;

	if (!spec || !spec->kind || !*spec->kind)
		return lb_error_set(LB_EINVAL, "a task needs a kind");
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	pthread_mutex_lock(&q->lock);
	if (!find_kind(q, spec->kind)) {
		pthread_mutex_unlock(&q->lock);
		return lb_error_set(LB_EINVAL, "no handler for task kind '%s'", spec->kind);
	}
	q->seq++;
	snprintf(id,
		 sizeof(id),
		 "%s-%s%s%s-%04x",
		 spec->kind,
		 spec->name && *spec->name ? spec->name : "",
		 spec->name && *spec->name ? "-" : "",
		 stamp,
		 q->seq & 0xffff);
	for (char *p = id; *p; p++)
		if (!valid_id_char(*p))
			*p = '_';
	timeout = spec->timeout_ms ? spec->timeout_ms : q->task_timeout_ms;
	error = task_new(q, id, spec->kind, spec->name, spec->params, timeout, &t);
	if (error == 0) {
		enqueue_locked(q, t);
		if (out)
			*out = t;
		else
			t->refs--;
	}
	pthread_mutex_unlock(&q->lock);
	return error;
}

int
lb_queue_cancel(lb_queue *q, const char *id)
{
	int found = 0;

	pthread_mutex_lock(&q->lock);
	for (lb_task *t = q->head; t; t = t->next)
		if (!strcmp(t->id, id)) {
			t->cancel_requested = 1;
			found = 1;
		}
	for (int i = 0; i < q->nrunning; i++)
		if (!strcmp(q->running[i]->id, id)) {
			q->running[i]->cancel_requested = 1;
			lb_cancel_trigger(q->running[i]->cancel);
			found = 1;
		}
	pthread_mutex_unlock(&q->lock);
	return found ? 0 : lb_error_set(LB_ENOTFOUND, "no queued or running task '%s'", id);
}

lb_task_phase
lb_task_wait(lb_task *t)
{
	lb_queue *q = t->q;
	lb_task_phase p;

	pthread_mutex_lock(&q->lock);
	while (!lb_task_phase_final(t->phase))
		pthread_cond_wait(&q->changed, &q->lock);
	p = t->phase;
	pthread_mutex_unlock(&q->lock);
	return p;
}

const char *
lb_task_id(const lb_task *t)
{
	return t->id;
}

lb_task_phase
lb_task_phase_get(lb_task *t)
{
	lb_task_phase p;

	pthread_mutex_lock(&t->q->lock);
	p = t->phase;
	pthread_mutex_unlock(&t->q->lock);
	return p;
}

void
lb_task_error(lb_task *t, char *buf, size_t len)
{
	pthread_mutex_lock(&t->q->lock);
	snprintf(buf, len, "%s", t->error);
	pthread_mutex_unlock(&t->q->lock);
}

void
lb_task_set_progress(lb_task *t, const char *note)
{
	pthread_mutex_lock(&t->q->lock);
	snprintf(t->progress, sizeof(t->progress), "%s", note);
	persist(t->q, t);
	pthread_mutex_unlock(&t->q->lock);
}

static cJSON *
read_record(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[1 << 16];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return cJSON_Parse(buf);
}

int
lb_queue_recover(const char *state_dir, lb_queue *q, cJSON *records_out)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tasks", state_dir);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : lb_error_errno(errno, "cannot read %s", dir);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char path[4400], lockpath[4400], id[256];
		cJSON *rec, *phase, *kind;
		int p;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json") || n - 5 >= sizeof(id))
			continue;
		memcpy(id, de->d_name, n - 5);
		id[n - 5] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!(rec = read_record(path)))
			continue;
		phase = cJSON_GetObjectItemCaseSensitive(rec, "phase");
		kind = cJSON_GetObjectItemCaseSensitive(rec, "kind");
		p = cJSON_IsString(phase) ? phase_parse(phase->valuestring) : -1;
		if (p == LB_TASK_RUNNING) {
			int fd;

			snprintf(lockpath, sizeof(lockpath), "%s/%s.lock", dir, id);
			fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
				/* Nobody holds it: the runner died. */
				cJSON_ReplaceItemInObject(rec,
							  "phase",
							  cJSON_CreateString(lb_task_phase_name(
								  LB_TASK_INTERRUPTED)));
				cJSON_DeleteItemFromObject(rec, "error");
				cJSON_AddStringToObject(rec,
							"error",
							"the process running this task stopped before "
							"it finished; run it again");
				write_record(dir, id, rec);
			}
			if (fd >= 0)
				close(fd);
		} else if (p == LB_TASK_QUEUED && q && cJSON_IsString(kind)) {
			lb_task *t = NULL;
			cJSON *name = cJSON_GetObjectItemCaseSensitive(rec, "name");
			cJSON *params = cJSON_GetObjectItemCaseSensitive(rec, "params");
			cJSON *tmo = cJSON_GetObjectItemCaseSensitive(rec, "timeoutMs");

			pthread_mutex_lock(&q->lock);
			if (find_kind(q, kind->valuestring) &&
			    task_new(q,
				     id,
				     kind->valuestring,
				     cJSON_IsString(name) ? name->valuestring : "",
				     params,
				     cJSON_IsNumber(tmo) ? (int64_t) tmo->valuedouble : 0,
				     &t) == 0) {
				enqueue_locked(q, t);
				t->refs--;
			}
			pthread_mutex_unlock(&q->lock);
		}
		if (records_out)
			cJSON_AddItemToArray(records_out, rec);
		else
			cJSON_Delete(rec);
	}
	closedir(d);
	return 0;
}

int
lb_queue_request_cancel(const char *state_dir, const char *id)
{
	char path[4096], rec[4096];
	int fd;

	for (const char *p = id; *p; p++)
		if (!valid_id_char(*p))
			return lb_error_set(LB_EINVAL, "'%s' is not a task id", id);
	snprintf(rec, sizeof(rec), "%s/tasks/%s.json", state_dir, id);
	if (access(rec, F_OK) < 0)
		return lb_error_set(LB_ENOTFOUND, "no task '%s' in %s/tasks", id, state_dir);
	snprintf(path, sizeof(path), "%s/tasks/%s.cancel", state_dir, id);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return lb_error_errno(errno, "cannot create %s", path);
	close(fd);
	return 0;
}
