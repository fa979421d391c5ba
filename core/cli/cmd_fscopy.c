/* lifeboat fs-copy init|backup|restore|snapshots|forget|prune|check|key|unlock: the fs-copy
 * engine (restic repository format v2) for operators and benchmarks. */
#include "cli.h"
#include "commands.h"

#include <lifeboat/fscopy.h>

#include <errno.h>
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

static char *
get_password(const char *file, const char *what)
{
	const char *env = getenv("LIFEBOAT_REPO_PASSWORD");
	char *pw;

	if (file) {
		pw = read_password_file(file);
		if (!pw)
			lb_cli_fail("fs-copy: cannot read %s file %s: %s", what, file,
			            strerror(errno));
		else if (!*pw) {
			lb_cli_fail("fs-copy: %s file %s is empty", what, file);
			free(pw);
			pw = NULL;
		}
		return pw;
	}
	if (env && *env)
		return strdup(env);
	lb_cli_fail("fs-copy: no repository password: give --password-file FILE or set "
	            "LIFEBOAT_REPO_PASSWORD (or repoPassword/repoPasswordFile in the storage "
	            "location's config)");
	return NULL;
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

static int
open_backend(fc_opts *o, lb_fscopy_backend **be)
{
	int rc;

	if (o->repo) {
		rc = lb_fscopy_backend_local(o->repo, be);
		if (rc < 0)
			return lb_cli_fail("fs-copy: %s", lb_fscopy_errmsg());
		return 0;
	}
	/* The storage-location layer (core/store) is wired in once its API is available to
	 * the CLI; until then a repository is addressed with --repo DIR. */
	return lb_cli_fail("fs-copy: storage location '%s' (namespace '%s'): addressing "
	                   "repositories through storage locations is not wired yet; use --repo "
	                   "DIR",
	                   o->location ? o->location : "default", o->ns ? o->ns : "");
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

int
lb_cmd_fscopy(lb_cli *cli)
{
	fc_opts o;
	lb_fscopy_backend *be = NULL;
	lb_fscopy_repo *r = NULL;
	const char *sub;
	char *pw = NULL;
	int rc, ret = LB_EXIT_FAIL;

	memset(&o, 0, sizeof(o));
	if (cli->argc < 2)
		return lb_cli_usage("fs-copy: usage: lifeboat fs-copy init|backup|restore|snapshots|"
		                    "forget|prune|check|key|unlock [--repo DIR] "
		                    "[--password-file FILE] ...");
	sub = cli->argv[1];
	rc = parse(cli->argc - 2, cli->argv + 2, &o);
	if (rc)
		return rc;
	if (open_backend(&o, &be) != 0)
		return LB_EXIT_FAIL;
	pw = get_password(o.password_file, "password");
	if (!pw)
		goto done;
	if (!strcmp(sub, "init")) {
		lb_fscopy_kdf kdf = {o.kdf_n, o.kdf_r, o.kdf_p};
		rc = lb_fscopy_init(be, pw, &kdf, &r);
		if (rc < 0) {
			lb_cli_fail("fs-copy init: %s", lb_fscopy_errmsg());
			goto done;
		}
		printf("created repository %.10s at %s\n", lb_fscopy_repo_id(r),
		       o.repo ? o.repo : "");
		ret = LB_EXIT_OK;
		goto done;
	}
	rc = lb_fscopy_open(be, pw, &r);
	if (rc < 0) {
		lb_cli_fail("fs-copy %s: %s", sub, lb_fscopy_errmsg());
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
			lb_cli_fail("fs-copy backup: %s", lb_fscopy_errmsg());
			goto done;
		}
		printf("snapshot %.8s saved: %lld files (%lld unchanged), %lld dirs, %.1f MiB read, "
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
			lb_cli_fail("fs-copy restore: %s", lb_fscopy_errmsg());
			goto done;
		}
		printf("restored %lld entries, %.1f MiB to %s\n", (long long) files,
		       bytes / 1048576.0, ro.target);
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "snapshots")) {
		rc = lb_fscopy_snapshots(r, print_snap, NULL);
		if (rc < 0) {
			lb_cli_fail("fs-copy snapshots: %s", lb_fscopy_errmsg());
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
			lb_cli_fail("fs-copy forget: %s", lb_fscopy_errmsg());
			goto done;
		}
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "prune")) {
		int64_t n = 0, bytes = 0;
		rc = lb_fscopy_prune(r, &n, &bytes);
		if (rc < 0) {
			lb_cli_fail("fs-copy prune: %s", lb_fscopy_errmsg());
			goto done;
		}
		printf("removed %lld pack(s), %.1f MiB\n", (long long) n, bytes / 1048576.0);
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "check")) {
		int64_t errors = 0;
		rc = lb_fscopy_check(r, o.read_data, &errors);
		if (rc < 0) {
			lb_cli_fail("fs-copy check: %s", lb_fscopy_errmsg());
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
			char *npw = o.new_password_file ? read_password_file(o.new_password_file)
			                                : NULL;
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
			ret = lb_cli_usage("fs-copy key: list | add --new-password-file F | remove ID");
			goto done;
		}
		if (rc < 0) {
			lb_cli_fail("fs-copy key %s: %s", act, lb_fscopy_errmsg());
			goto done;
		}
		ret = LB_EXIT_OK;
	} else if (!strcmp(sub, "unlock")) {
		rc = lb_fscopy_unlock(r, o.remove_all, print_line, NULL);
		if (rc < 0) {
			lb_cli_fail("fs-copy unlock: %s", lb_fscopy_errmsg());
			goto done;
		}
		ret = LB_EXIT_OK;
	} else {
		ret = lb_cli_usage("fs-copy: unknown subcommand '%s'", sub);
	}
done:
	lb_fscopy_close(r);
	lb_fscopy_backend_free(be);
	if (pw) {
		memset(pw, 0, strlen(pw));
		free(pw);
	}
	return ret;
}
