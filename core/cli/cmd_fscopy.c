/* lifeboat fs-copy init|backup|restore|snapshots|forget|prune|check|key|unlock: the fs-copy
 * engine (restic repository format v2) for operators and benchmarks, on a local directory
 * (--repo DIR) or in a storage location under <prefix>/restic/<namespace>/. */
#include "cli.h"
#include "commands.h"

#include <lifeboat/fscopy.h>

#include "engine/engine.h"
#include "rpc/call.h"
#include "store/location.h"
#include "util/buf.h"
#include "util/error.h"
#include "volume/volume.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct fc_opts {
	const char *repo, *location, *ns, *password_file, *new_password_file;
	const char *host, *parent, *target, *compression;
	const char *tags[32];
	size_t ntags;
	const char *pos[64];
	size_t npos;
	int threads, read_data, del, dry_run, prune, remove_all, no_progress;
	int keep[6]; /* last hourly daily weekly monthly yearly */
	uint64_t kdf_n, kdf_r, kdf_p;
} fc_opts;

static char *
read_password_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	return strdup(buf);
}

/* --password-file, else what the volume layer uses (lb_volume_password: the location's
 * repoPassword / repoPasswordFile, the settings' repository.passwordFile,
 * $LIFEBOAT_REPO_PASSWORD). @vo is empty for --repo DIR (then only the environment). */
static char *
get_password(const char *file, const lb_volume_opts *vo)
{
	char *pw = NULL;
	int error;

	if (file) {
		pw = read_password_file(file);
		if (!pw)
			lb_cli_fail("fs-copy: cannot read password file %s: %s", file,
			            strerror(errno));
		else if (!*pw) {
			lb_cli_fail("fs-copy: password file %s is empty", file);
			free(pw);
			pw = NULL;
		}
		return pw;
	}
	if ((error = lb_volume_password(vo, &pw)) < 0) {
		lb_cli_fail("fs-copy: %s; or give --password-file FILE", lb_error_last(error));
		return NULL;
	}
	return pw;
}

/* ---- The repository in a storage location: <prefix>/restic/<namespace>/ ---------------- */

/* The fs-copy library's put/get/exists/list/delete table over lb_location_*, one lb_call per
 * operation (fs-copy calls from its worker, uploader and lock-refresh threads at once). The
 * engine's message of the last failure is kept for the report, since the library only knows
 * the code. */
typedef struct loc_store {
	lb_location *loc;
	const char *repo_prefix; /* "restic/<ns>" */
	int read_only;
	pthread_mutex_t mu;
	char msg[1024]; /* the last failure's message from the engine, "" if none */
} loc_store;

static int
loc_failed(loc_store *s, int error)
{
	if (error < 0) {
		pthread_mutex_lock(&s->mu);
		snprintf(s->msg, sizeof(s->msg), "%s", lb_error_last(error));
		pthread_mutex_unlock(&s->mu);
	}
	return error;
}

/* A ReadOnly location cannot hold restic's lock files; the read commands that take a
 * non-exclusive lock (check) then run without one, as `restic --no-lock` would. The write
 * commands are refused before the repository is opened, so nothing else is skipped here. */
static int
lock_key_on_read_only(loc_store *s, const char *key)
{
	size_t n = strlen(s->repo_prefix);

	return s->read_only && !strncmp(key, s->repo_prefix, n) && !strncmp(key + n, "/locks/", 7);
}

static int
loc_put(void *ctx, const char *key, int fd, int64_t size)
{
	loc_store *s = ctx;
	lb_call *call;
	int error;

	if (lock_key_on_read_only(s, key))
		return 0;
	if (!(call = lb_call_new(NULL)))
		return LB_ENOMEM;
	error = lb_location_put(s->loc, call, key, fd, size);
	lb_call_free(call);
	return loc_failed(s, error);
}

static int
loc_get(void *ctx, const char *key, int fd)
{
	loc_store *s = ctx;
	lb_call *call;
	int error;

	if (!(call = lb_call_new(NULL)))
		return LB_ENOMEM;
	error = lb_location_get(s->loc, call, key, fd);
	lb_call_free(call);
	return loc_failed(s, error);
}

static int
loc_exists(void *ctx, const char *key, int *exists_out)
{
	loc_store *s = ctx;
	lb_call *call;
	int error;

	if (!(call = lb_call_new(NULL)))
		return LB_ENOMEM;
	error = lb_location_exists(s->loc, call, key, exists_out);
	lb_call_free(call);
	return loc_failed(s, error);
}

static int
loc_list(void *ctx, const char *prefix, int (*add)(void *, const char *), void *list_ctx)
{
	loc_store *s = ctx;
	lb_strlist keys = LB_STRLIST_INIT;
	lb_call *call;
	int error;

	if (!(call = lb_call_new(NULL)))
		return LB_ENOMEM;
	error = lb_location_list(s->loc, call, prefix, NULL, &keys);
	lb_call_free(call);
	for (size_t i = 0; error >= 0 && i < keys.count; i++)
		error = add(list_ctx, keys.items[i]);
	lb_strlist_dispose(&keys);
	return loc_failed(s, error);
}

static int
loc_del(void *ctx, const char *key)
{
	loc_store *s = ctx;
	lb_call *call;
	int error;

	if (lock_key_on_read_only(s, key))
		return 0;
	if (!(call = lb_call_new(NULL)))
		return LB_ENOMEM;
	error = lb_location_delete(s->loc, call, key);
	lb_call_free(call);
	return loc_failed(s, error);
}

/* The commands that write to the repository (refused on a ReadOnly location). */
static int
writes(const char *sub, const fc_opts *o)
{
	if (!strcmp(sub, "key"))
		return o->npos && (!strcmp(o->pos[0], "add") || !strcmp(o->pos[0], "remove"));
	return !strcmp(sub, "init") || !strcmp(sub, "backup") || !strcmp(sub, "forget") ||
	       !strcmp(sub, "prune") || !strcmp(sub, "unlock");
}

static int
progress_bar(void *ctx, const lb_fscopy_progress *p)
{
	double s = p->elapsed_ms / 1000.0, rate = s > 0 ? p->bytes_done / s / 1048576.0 : 0;
	char eta[32] = "";

	(void) ctx;
	if (p->bytes_total > 0 && rate > 0) {
		double left = (p->bytes_total - p->bytes_done) / 1048576.0 / rate;
		snprintf(eta, sizeof(eta), " ETA %d:%02d", (int) left / 60, (int) left % 60);
	}
	if (p->files_total >= 0)
		fprintf(stderr, "\r%s: %lld/%lld files, %.1f/%.1f MiB, %.1f MiB/s%s   ", p->phase,
		        (long long) p->files_done, (long long) p->files_total,
		        p->bytes_done / 1048576.0, p->bytes_total / 1048576.0, rate, eta);
	else
		fprintf(stderr, "\r%s: %lld files, %.1f MiB, %.1f MiB/s   ", p->phase,
		        (long long) p->files_done, p->bytes_done / 1048576.0, rate);
	return 0;
}

static int
parse(int argc, char **argv, fc_opts *o)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VAL(name) (strcmp(a, name) == 0 && v && (i++, 1))
		if (VAL("--repo") || VAL("-r"))
			o->repo = v;
		else if (VAL("--storage-location"))
			o->location = v;
		else if (VAL("--namespace"))
			o->ns = v;
		else if (VAL("--password-file") || VAL("-p"))
			o->password_file = v;
		else if (VAL("--new-password-file"))
			o->new_password_file = v;
		else if (VAL("--host"))
			o->host = v;
		else if (VAL("--parent"))
			o->parent = v;
		else if (VAL("--target") || VAL("-t"))
			o->target = v;
		else if (VAL("--compression"))
			o->compression = v;
		else if (VAL("--tag") && o->ntags < 32)
			o->tags[o->ntags++] = v;
		else if (VAL("--threads"))
			o->threads = atoi(v);
		else if (VAL("--keep-last"))
			o->keep[0] = atoi(v);
		else if (VAL("--keep-hourly"))
			o->keep[1] = atoi(v);
		else if (VAL("--keep-daily"))
			o->keep[2] = atoi(v);
		else if (VAL("--keep-weekly"))
			o->keep[3] = atoi(v);
		else if (VAL("--keep-monthly"))
			o->keep[4] = atoi(v);
		else if (VAL("--keep-yearly"))
			o->keep[5] = atoi(v);
		else if (VAL("--kdf-n"))
			o->kdf_n = strtoull(v, NULL, 10);
		else if (VAL("--kdf-r"))
			o->kdf_r = strtoull(v, NULL, 10);
		else if (VAL("--kdf-p"))
			o->kdf_p = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--read-data"))
			o->read_data = 1;
		else if (!strcmp(a, "--delete"))
			o->del = 1;
		else if (!strcmp(a, "--dry-run") || !strcmp(a, "-n"))
			o->dry_run = 1;
		else if (!strcmp(a, "--prune"))
			o->prune = 1;
		else if (!strcmp(a, "--remove-all"))
			o->remove_all = 1;
		else if (!strcmp(a, "--no-progress") || !strcmp(a, "--quiet") || !strcmp(a, "-q"))
			o->no_progress = 1;
		else if (a[0] == '-' && a[1])
			return lb_cli_usage("fs-copy: unknown option or missing value: %s", a);
		else if (o->npos < 64)
			o->pos[o->npos++] = a;
#undef VAL
	}
	return 0;
}

/* The session of a storage-location repository (unused with --repo DIR). */
typedef struct fc_session {
	lb_engine *e;
	loc_store store;
	char prefix[512];
	char where[768]; /* for messages: "storage location 'x', restic/<ns>" */
	lb_volume_opts vo;
} fc_session;

static int
open_backend(lb_cli *cli, const char *sub, fc_opts *o, fc_session *fs, lb_fscopy_backend **be)
{
	lb_fscopy_store_ops ops;
	lb_location *loc;
	int error;

	if (o->repo) {
		if (o->location || o->ns)
			return lb_cli_usage("fs-copy: give either --repo DIR or --storage-location "
			                    "NAME --namespace NS, not both");
		if (lb_fscopy_backend_local(o->repo, be) < 0)
			return lb_cli_fail("fs-copy: %s", lb_fscopy_errmsg());
		snprintf(fs->where, sizeof(fs->where), "%s", o->repo);
		return 0;
	}
	if (!o->ns || !*o->ns || strchr(o->ns, '/'))
		return lb_cli_usage("fs-copy: give --namespace NS (the repository is "
		                    "<prefix>/restic/NS/ of the storage location; NS has no '/'), "
		                    "or --repo DIR");
	if ((error = lb_engine_open(cli, &fs->e)) < 0)
		return lb_cli_fail("%s", lb_error_last(error));
	if ((error = lb_engine_location(fs->e, o->location, &loc)) < 0)
		return lb_cli_fail("storage location %s: %s",
		                   o->location ? o->location : "(default)", lb_error_last(error));
	fs->vo.settings = lb_engine_settings(fs->e);
	fs->vo.location = lb_engine_location_cfg(fs->e, o->location);
	snprintf(fs->prefix, sizeof(fs->prefix), "restic/%s", o->ns);
	snprintf(fs->where, sizeof(fs->where), "storage location '%s', %s", lb_location_name(loc),
	         fs->prefix);
	if (lb_location_read_only(loc) && writes(sub, o))
		return lb_cli_fail(
		    "fs-copy %s: storage location '%s' is ReadOnly: refusing to write "
		    "'%s'",
		    sub, lb_location_name(loc), fs->prefix);
	fs->store.loc = loc;
	fs->store.repo_prefix = fs->prefix;
	fs->store.read_only = lb_location_read_only(loc);
	ops.ctx = &fs->store;
	ops.put = loc_put;
	ops.get = loc_get;
	ops.exists = loc_exists;
	ops.list = loc_list;
	ops.del = loc_del;
	if (lb_fscopy_backend_ops(&ops, fs->prefix, be) < 0)
		return lb_cli_fail("fs-copy: %s", lb_fscopy_errmsg());
	return 0;
}

/* "fs-copy SUB [on WHERE]: <library message>[ (<engine message>)]". */
static int
fc_fail(fc_session *fs, const char *sub, const char *sub2)
{
	const char *m = lb_fscopy_errmsg();
	char lm[1024], what[1024];

	pthread_mutex_lock(&fs->store.mu);
	snprintf(lm, sizeof(lm), "%s", fs->store.msg);
	pthread_mutex_unlock(&fs->store.mu);
	snprintf(what, sizeof(what), "fs-copy %s%s%s%s%s", sub, sub2 ? " " : "", sub2 ? sub2 : "",
	         fs->e ? " on " : "", fs->e ? fs->where : "");
	if (*lm && !strstr(m, lm))
		return lb_cli_fail("%s: %s (%s)", what, m, lm);
	return lb_cli_fail("%s: %s", what, m);
}

static void
print_snap(void *ctx, const lb_fscopy_snapinfo *s)
{
	time_t t = (time_t) (s->time_ns / 1000000000);
	struct tm tm;
	char when[32];
	size_t i;

	(void) ctx;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%.8s  %s  %-12s  %s", s->id, when, s->hostname ? s->hostname : "",
	       s->n_paths ? s->paths[0] : "");
	for (i = 0; i < s->n_tags; i++)
		printf("%s%s", i ? "," : "  tags:", s->tags[i]);
	printf("\n");
}

static void
print_forget(void *ctx, const char *id, int kept)
{
	int dry = *(int *) ctx;

	printf("%s %s\n", kept ? "keep  " : (dry ? "would remove" : "remove"), id);
}

static void
print_key(void *ctx, const lb_fscopy_keyinfo *k)
{
	(void) ctx;
	printf("%s%.8s  %-10s  %-16s  %s\n", k->current ? "*" : " ", k->id,
	       k->username ? k->username : "", k->hostname ? k->hostname : "",
	       k->created ? k->created : "");
}

static void
print_line(void *ctx, const char *msg)
{
	(void) ctx;
	printf("%s\n", msg);
}

#define FSCOPY_USAGE                                                                               \
	"usage: lifeboat fs-copy init|backup|restore|snapshots|forget|prune|check|key|unlock\n"    \
	"         (--storage-location NAME --namespace NS | --repo DIR) [--password-file FILE]\n"  \
	"  --storage-location NAME  the repository <prefix>/restic/NS/ of that storage location\n" \
	"                           (default: the default location of lifeboat.yaml)\n"            \
	"  --namespace NS           required with a storage location\n"                            \
	"  --repo DIR               a local repository directory instead\n"                        \
	"  password: --password-file FILE, else the location's repoPassword/repoPasswordFile,\n"   \
	"  the settings' repository.passwordFile, else $LIFEBOAT_REPO_PASSWORD\n"                  \
	"  backup PATH [--host H] [--tag T] [--parent ID|none] [--threads N] [--compression C]\n"  \
	"  restore SNAPSHOT[:SUBPATH] TARGET | --target DIR [--delete]\n"                          \
	"  forget [ID...] [--keep-last N] [--keep-daily N] ... [--dry-run] [--prune]\n"            \
	"  check [--read-data]   key list | add --new-password-file F | remove ID\n"               \
	"  unlock [--remove-all]   (write commands are refused on a ReadOnly location)"

int
lb_cmd_fscopy(lb_cli *cli)
{
	fc_opts o;
	fc_session fs;
	lb_fscopy_backend *be = NULL;
	lb_fscopy_repo *r = NULL;
	const char *sub;
	char *pw = NULL;
	int rc, ret = LB_EXIT_FAIL;

	memset(&o, 0, sizeof(o));
	memset(&fs, 0, sizeof(fs));
	if (cli->argc < 2 || !strcmp(cli->argv[1], "--help") || !strcmp(cli->argv[1], "-h"))
		return lb_cli_usage("fs-copy: " FSCOPY_USAGE);
	sub = cli->argv[1];
	rc = parse(cli->argc - 2, cli->argv + 2, &o);
	if (rc)
		return rc;
	pthread_mutex_init(&fs.store.mu, NULL);
	fs.vo = (lb_volume_opts) LB_VOLUME_OPTS_INIT;
	if ((rc = open_backend(cli, sub, &o, &fs, &be)) != 0) {
		ret = rc;
		goto done;
	}
	pw = get_password(o.password_file, &fs.vo);
	if (!pw)
		goto done;
	if (!strcmp(sub, "init")) {
		lb_fscopy_kdf kdf = {o.kdf_n, o.kdf_r, o.kdf_p};
		rc = lb_fscopy_init(be, pw, &kdf, &r);
		if (rc < 0) {
			fc_fail(&fs, "init", NULL);
			goto done;
		}
		printf("created repository %.10s at %s\n", lb_fscopy_repo_id(r), fs.where);
		ret = LB_EXIT_OK;
		goto done;
	}
	rc = lb_fscopy_open(be, pw, &r);
	if (rc < 0) {
		fc_fail(&fs, sub, NULL);
		goto done;
	}
	if (!o.no_progress && isatty(2))
		lb_fscopy_set_progress(r, progress_bar, NULL);
	if (o.compression) {
		if (!strcmp(o.compression, "off"))
			lb_fscopy_set_compression(r, 0, 0);
		else if (!strcmp(o.compression, "max"))
			lb_fscopy_set_compression(r, 1, 19);
		else if (!strcmp(o.compression, "auto"))
			lb_fscopy_set_compression(r, 1, 3);
		else if (atoi(o.compression) > 0)
			lb_fscopy_set_compression(r, 1, atoi(o.compression));
		else {
			lb_cli_usage("fs-copy: --compression takes auto, off, max or a zstd level");
			goto done;
		}
	}
	if (!strcmp(sub, "backup")) {
		lb_fscopy_backup_opts bo = {0};
		lb_fscopy_backup_stats st;
		if (o.npos != 1) {
			ret = lb_cli_usage("fs-copy backup: give exactly one path");
			goto done;
		}
		bo.paths = o.pos;
		bo.n_paths = 1;
		bo.hostname = o.host;
		bo.tags = o.tags;
		bo.n_tags = o.ntags;
		bo.parent = o.parent;
		bo.threads = o.threads;
		rc = lb_fscopy_backup(r, &bo, &st);
		if (isatty(2) && !o.no_progress)
			fputc('\n', stderr);
		if (rc < 0) {
			fc_fail(&fs, "backup", NULL);
			goto done;
		}
		printf(
		    "snapshot %.8s saved: %lld files (%lld unchanged), %lld dirs, %.1f MiB read, "
		    "%.1f MiB new (%.1f MiB stored)%s\n",
		    st.snapshot_id, (long long) st.files, (long long) st.files_unchanged,
		    (long long) st.dirs, st.bytes_read / 1048576.0, st.bytes_added / 1048576.0,
		    st.bytes_stored / 1048576.0, st.errors ? ", with read errors" : "");
		ret = st.errors ? 3 : LB_EXIT_OK;
	} else if (!strcmp(sub, "restore")) {
		lb_fscopy_restore_opts ro = {0};
		int64_t files = 0, bytes = 0;
		ro.snapshot = o.npos > 0 ? o.pos[0] : "latest";
		ro.target = o.target ? o.target : (o.npos > 1 ? o.pos[1] : NULL);
		ro.hostname = o.host;
		ro.delete_extra = o.del;
		ro.threads = o.threads;
		if (!ro.target) {
			ret = lb_cli_usage("fs-copy restore: give SNAPSHOT[:SUBPATH] TARGET");
			goto done;
		}
		rc = lb_fscopy_restore(r, &ro, &files, &bytes);
		if (isatty(2) && !o.no_progress)
			fputc('\n', stderr);
		if (rc < 0) {
			fc_fail(&fs, "restore", NULL);
			goto done;
		}
		printf("restored %lld entries, %.1f MiB to %s\n", (long long) files,
		       bytes / 1048576.0, ro.target);
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "snapshots")) {
		rc = lb_fscopy_snapshots(r, print_snap, NULL);
		if (rc < 0) {
			fc_fail(&fs, "snapshots", NULL);
			goto done;
		}
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "forget")) {
		lb_fscopy_forget_opts fo = {0};
		fo.keep_last = o.keep[0];
		fo.keep_hourly = o.keep[1];
		fo.keep_daily = o.keep[2];
		fo.keep_weekly = o.keep[3];
		fo.keep_monthly = o.keep[4];
		fo.keep_yearly = o.keep[5];
		fo.ids = o.pos;
		fo.n_ids = o.npos;
		fo.dry_run = o.dry_run;
		fo.prune = o.prune;
		rc = lb_fscopy_forget(r, &fo, print_forget, &o.dry_run);
		if (rc < 0) {
			fc_fail(&fs, "forget", NULL);
			goto done;
		}
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "prune")) {
		int64_t n = 0, bytes = 0;
		rc = lb_fscopy_prune(r, &n, &bytes);
		if (rc < 0) {
			fc_fail(&fs, "prune", NULL);
			goto done;
		}
		printf("removed %lld pack(s), %.1f MiB\n", (long long) n, bytes / 1048576.0);
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "check")) {
		int64_t errors = 0;
		rc = lb_fscopy_check(r, o.read_data, &errors);
		if (rc < 0) {
			fc_fail(&fs, "check", NULL);
			goto done;
		}
		printf("no errors were found\n");
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "key")) {
		const char *act = o.npos ? o.pos[0] : "list";
		if (!strcmp(act, "list")) {
			rc = lb_fscopy_key_list(r, print_key, NULL);
		} else if (!strcmp(act, "add")) {
			char id[65];
			char *npw =
			    o.new_password_file ? read_password_file(o.new_password_file) : NULL;
			if (!npw || !*npw) {
				free(npw);
				ret = lb_cli_usage("fs-copy key add: give --new-password-file FILE "
				                   "(non-empty)");
				goto done;
			}
			lb_fscopy_kdf kdf = {o.kdf_n, o.kdf_r, o.kdf_p};
			rc = lb_fscopy_key_add(r, npw, &kdf, id);
			free(npw);
			if (rc == 0)
				printf("saved new key %.8s\n", id);
		} else if (!strcmp(act, "remove") && o.npos == 2) {
			rc = lb_fscopy_key_remove(r, o.pos[1]);
			if (rc == 0)
				printf("removed key %s\n", o.pos[1]);
		} else {
			ret = lb_cli_usage(
			    "fs-copy key: list | add --new-password-file F | remove ID");
			goto done;
		}
		if (rc < 0) {
			fc_fail(&fs, "key", act);
			goto done;
		}
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "unlock")) {
		rc = lb_fscopy_unlock(r, o.remove_all, print_line, NULL);
		if (rc < 0) {
			fc_fail(&fs, "unlock", NULL);
			goto done;
		}
		ret = LB_EXIT_OK;
	} else {
		ret = lb_cli_usage("fs-copy: unknown subcommand '%s'", sub);
	}
done:
	lb_fscopy_close(r);
	lb_fscopy_backend_free(be);
	lb_engine_close(fs.e);
	pthread_mutex_destroy(&fs.store.mu);
	if (pw) {
		memset(pw, 0, strlen(pw));
		free(pw);
	}
	return ret;
}
