/* The VolumeCopier contract (volume_copier.h): a password is required; a small tree backed
 * up into a repository in the kit's storage location restores byte for byte; an unknown
 * snapshot and a missing repository fail cleanly; maintenance works or is unsupported. */
#include "kit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "json_check.h"
#include "rpc/call.h"
#include "util/buf.h"

#if __has_include("store/location.h")
#include "store/location.h"
#define LB_KIT_HAVE_LOCATION 1
#endif

/* One run per process: what the cases share. */
static struct {
	char src[PATH_MAX];
	char dst[PATH_MAX];
	char repo[1024];
	char snapshot[128];
} vc;

static lb_volume_copier_handle *
H(lb_kit *kit)
{
	return kit->handle;
}

static int
write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[PATH_MAX + 256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (len && write(fd, data, len) != (ssize_t) len) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	return close(fd);
}

/* The sample tree: text, empty, binary 1 MiB (pseudo-random), a subdirectory, a symlink. */
static int
make_tree(const char *dir)
{
	char path[PATH_MAX + 32];
	unsigned char *big = malloc(1 << 20);
	uint32_t x = 2463534242u;
	int rc = 0;

	if (!big)
		return -1;
	for (size_t i = 0; i < (1u << 20); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		big[i] = (unsigned char) x;
	}
	rc |= write_file(dir, "hello.txt", "hello, volume\n", 14, 0644);
	rc |= write_file(dir, "empty", "", 0, 0600);
	rc |= write_file(dir, "big.bin", big, 1 << 20, 0640);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rc |= mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sub/deeper", dir);
	rc |= mkdir(path, 0700);
	rc |= write_file(dir, "sub/deeper/note.md", "# note\n", 7, 0600);
	snprintf(path, sizeof(path), "%s/link", dir);
	rc |= symlink("hello.txt", path);
	free(big);
	return rc;
}

static void
rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			char sub[PATH_MAX];

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_tree(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Compare @a (the source) with @b (the restore): same names, types, modes, contents and
 * link targets. The first difference goes to @why. */
static int
same_tree_at(const char *a, const char *b, char *why, size_t n, int depth)
{
	struct stat sa, sb;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (lstat(a, &sa) < 0 || lstat(b, &sb) < 0) {
		snprintf(why, n, "%s is missing from the restore", b);
		return -1;
	}
	if ((sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT) ||
	    (depth > 0 && (sa.st_mode & 07777) != (sb.st_mode & 07777))) {
		snprintf(why, n, "%s: mode %o, source has %o", b, (unsigned) sb.st_mode,
		         (unsigned) sa.st_mode);
		return -1;
	}
	if (S_ISLNK(sa.st_mode)) {
		char ta[PATH_MAX] = "", tb[PATH_MAX] = "";

		if (readlink(a, ta, sizeof(ta) - 1) < 0 || readlink(b, tb, sizeof(tb) - 1) < 0 ||
		    strcmp(ta, tb)) {
			snprintf(why, n, "%s: link target '%s', source has '%s'", b, tb, ta);
			return -1;
		}
		return 0;
	}
	if (S_ISREG(sa.st_mode)) {
		FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
		char ba[65536], bb[65536];
		size_t na, nb;

		if (!fa || !fb || sa.st_size != sb.st_size)
			rc = -1;
		while (rc == 0 && (na = fread(ba, 1, sizeof(ba), fa)) > 0) {
			nb = fread(bb, 1, na, fb);
			if (nb != na || memcmp(ba, bb, na))
				rc = -1;
		}
		if (fa)
			fclose(fa);
		if (fb)
			fclose(fb);
		if (rc)
			snprintf(why, n, "%s: contents differ from the source", b);
		return rc;
	}
	if (!S_ISDIR(sa.st_mode) || (d = opendir(a)) == NULL)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char pa[PATH_MAX], pb[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(pa, sizeof(pa), "%s/%s", a, e->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, e->d_name);
		rc = same_tree_at(pa, pb, why, n, depth + 1);
	}
	closedir(d);
	if (rc != 0 || (d = opendir(b)) == NULL)
		return rc;
	/* And nothing more: an entry the source does not have means the restore put the tree
	 * somewhere else (e.g. under its absolute source path). */
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char pa[PATH_MAX];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(pa, sizeof(pa), "%s/%s", a, e->d_name);
		if (lstat(pa, &st) < 0) {
			snprintf(why, n, "%s/%s is in the restore but not in the source", b, e->d_name);
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

/* The target directory itself is the caller's: only what is below it must match. */
static int
same_tree(const char *a, const char *b, char *why, size_t n)
{
	return same_tree_at(a, b, why, n, 0);
}

static char *
request(const char *fmt_repo, const char *k1, const char *v1, const char *k2, const char *v2)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "repository", fmt_repo);
	if (k1)
		cJSON_AddStringToObject(o, k1, v1);
	if (k2)
		cJSON_AddStringToObject(o, k2, v2);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static void
t_init_no_password(lb_kit *kit)
{
	const lb_config *base = kit->opts->config;
	lb_kv *items = calloc(base->count + 1, sizeof(*items));
	lb_config config = {0, 0, items};
	lb_call *call = lb_kit_call(kit);
	void *h = NULL;
	int error;

	if (!items)
		abort();
	for (uint32_t i = 0; i < base->count; i++)
		if (strcmp(base->items[i].key, "password") &&
		    strcmp(base->items[i].key, "passwordFile"))
			items[config.count++] = base->items[i];
	error = kit->opts->opener.open(kit->opts->opener.ctx, &config, call, &h);
	if (error == 0) {
		kit->opts->opener.close(kit->opts->opener.ctx, h);
		lb_kit_fail(kit, "init(config=<the --config under test without password>)",
		            "LB_EINVAL naming \"password\"", "0 and an instance",
		            "init accepted a configuration without a repository password");
	} else if (error != LB_EINVAL || !strstr(lb_call_error_message(call), "password")) {
		lb_kit_fail_code(kit, "init(config=<the --config under test without password>)",
		                 "LB_EINVAL with a message naming \"password\"", error, call);
	}
	free(items);
}

static void
t_backup(lb_kit *kit)
{
	lb_buf out = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	char *req;
	cJSON *res = NULL;
	const cJSON *id, *files;
	int error;

	if (make_tree(vc.src) < 0) {
		lb_kit_fail(kit, NULL, NULL, NULL, "cannot write the sample tree in %s: %s", vc.src,
		            strerror(errno));
		return;
	}
	req = request(vc.repo, "sourcePath", vc.src, "hostname", "lifeboat-conformance");
	error = H(kit)->m->backup(H(kit)->self, call, req, &out);
	if (error < 0) {
		lb_kit_fail_code(kit, "backup(<a 6-entry tree, 1 MiB>)", "0 and a result", error,
		                 call);
		goto done;
	}
	res = cJSON_Parse(out.ptr ? out.ptr : "");
	id = cJSON_GetObjectItemCaseSensitive(res, "snapshotID");
	files = cJSON_GetObjectItemCaseSensitive(res, "totalFiles");
	if (!cJSON_IsString(id) || !*id->valuestring ||
	    strlen(id->valuestring) >= sizeof(vc.snapshot))
		lb_kit_fail(kit, "backup(<a small tree>)", "{\"snapshotID\": \"...\", ...}",
		            out.ptr ? out.ptr : "", "the result has no snapshotID");
	else if (!cJSON_IsNumber(files) || files->valuedouble < 4)
		lb_kit_fail(kit, "backup(<a small tree>)", "totalFiles >= 4", out.ptr,
		            "the result does not count the 4 regular files");
	else
		snprintf(vc.snapshot, sizeof(vc.snapshot), "%s", id->valuestring);
done:
	cJSON_Delete(res);
	free(req);
	lb_buf_dispose(&out);
}

static void
t_restore(lb_kit *kit)
{
	lb_buf out = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	char *req, why[PATH_MAX + 128] = "";
	int error;

	if (!vc.snapshot[0]) {
		lb_kit_fail(kit, NULL, "a snapshot from the backup test", "none",
		            "not run: the backup failed");
		return;
	}
	req = request(vc.repo, "snapshotID", vc.snapshot, "targetPath", vc.dst);
	error = H(kit)->m->restore(H(kit)->self, call, req, &out);
	if (error < 0)
		lb_kit_fail_code(kit, "restore(snapshotID=<the backup's>)", "0 and a result", error,
		                 call);
	else if (lb_kit_check_object(out.ptr ? out.ptr : "", why, sizeof(why)) != NULL)
		lb_kit_fail(kit, "restore(snapshotID=<the backup's>)", "a JSON object",
		            out.ptr ? out.ptr : "", "the result is not a JSON object");
	else if (same_tree(vc.src, vc.dst, why, sizeof(why)) < 0)
		lb_kit_fail(kit, "restore(snapshotID=<the backup's>)",
		            "the source tree, byte for byte", why, "the restored tree differs: %s",
		            why);
	free(req);
	lb_buf_dispose(&out);
}

static void
t_incremental(lb_kit *kit)
{
	lb_buf out = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	char *req;
	cJSON *res = NULL;
	const cJSON *added;
	int error;

	if (!vc.snapshot[0]) {
		lb_kit_fail(kit, NULL, "a snapshot", "none", "not run: the backup failed");
		return;
	}
	req = request(vc.repo, "sourcePath", vc.src, "parent", vc.snapshot);
	error = H(kit)->m->backup(H(kit)->self, call, req, &out);
	if (error < 0) {
		lb_kit_fail_code(kit, "backup(<the same tree>, parent=<the first snapshot>)",
		                 "0 and a result", error, call);
	} else {
		res = cJSON_Parse(out.ptr ? out.ptr : "");
		added = cJSON_GetObjectItemCaseSensitive(res, "bytesAdded");
		if (cJSON_IsNumber(added) && added->valuedouble >= (1 << 20))
			lb_kit_fail(kit, "backup(<the same tree>, parent=<the first snapshot>)",
			            "bytesAdded well below 1 MiB (deduplicated)", out.ptr,
			            "the unchanged tree was stored again");
	}
	cJSON_Delete(res);
	free(req);
	lb_buf_dispose(&out);
}

static void
t_bad_snapshot(lb_kit *kit)
{
	lb_buf out = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	char dst[PATH_MAX + 8], *req;
	const char *cd = "restore(snapshotID="
	                 "\"ffffffffffffffffffffffffffffffff00000000000000000000000000000000\")";
	int error;

	snprintf(dst, sizeof(dst), "%s-bad", vc.dst);
	req = request(vc.repo, "snapshotID",
	              "ffffffffffffffffffffffffffffffff00000000000000000000000000000000",
	              "targetPath", dst);
	error = H(kit)->m->restore(H(kit)->self, call, req, &out);
	if (error == 0)
		lb_kit_fail(kit, cd, "LB_ENOTFOUND (or another explained error)", "0",
		            "restore of a snapshot that does not exist succeeded");
	else if (!lb_kit_clean_error(error, call))
		lb_kit_fail_code(kit, cd, "LB_ENOTFOUND with a message", error, call);
	rm_tree(dst);
	free(req);
	lb_buf_dispose(&out);
}

static void
t_no_repository(lb_kit *kit)
{
	lb_buf out = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	char repo[1100], dst[PATH_MAX + 8], *req;
	const char *cd = "restore(repository=<one that does not exist>)";
	int error;

	snprintf(repo, sizeof(repo), "%s-missing", vc.repo);
	snprintf(dst, sizeof(dst), "%s-none", vc.dst);
	req = request(repo, "snapshotID", "latest", "targetPath", dst);
	error = H(kit)->m->restore(H(kit)->self, call, req, &out);
	if (error == 0)
		lb_kit_fail(kit, cd, "LB_ENOTFOUND", "0",
		            "restore from a missing repository succeeded");
	else if (!lb_kit_clean_error(error, call))
		lb_kit_fail_code(kit, cd, "LB_ENOTFOUND with a message", error, call);
	rm_tree(dst);
	free(req);
	lb_buf_dispose(&out);
}

static void
t_maintain(lb_kit *kit)
{
	lb_buf out = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	char *req = request(vc.repo, "op", "snapshots", NULL, NULL);
	int error = H(kit)->m->maintain(H(kit)->self, call, req, &out);

	lb_kit_check_outcome(kit, "maintain({\"op\":\"snapshots\"})", error, call, out.ptr,
	                     lb_kit_check_object);
	free(req);
	lb_buf_dispose(&out);
}

static void
t_cleanup(lb_kit *kit)
{
#ifdef LB_KIT_HAVE_LOCATION
	lb_call *call = lb_kit_call(kit);
	lb_strlist keys = LB_STRLIST_INIT;
	int error;

	rm_tree(vc.src);
	rm_tree(vc.dst);
	if (kit->opts->repository) {
		lb_kit_skip(kit, "repository %s kept (--repository given)", vc.repo);
		return;
	}
	error = lb_location_list(kit->opts->location, call, vc.repo, NULL, &keys);
	for (size_t i = 0; error >= 0 && i < keys.count; i++)
		error = lb_location_delete(kit->opts->location, call, keys.items[i]);
	if (error < 0)
		lb_kit_fail_code(kit, "delete the repository's keys", "0", error, call);
	lb_strlist_dispose(&keys);
#else
	lb_kit_skip(kit, "no storage-location layer in this build");
#endif
}

int
lb_kit_volume_copier_suite(lb_kit *kit)
{
	static const lb_kit_case cases[] = {
	    {"init accepts the configuration under test", lb_kit_t_init, 0},
	    {"init without a password is LB_EINVAL naming it", t_init_no_password, 0},
	    {"backup of a small tree into a repository in the location", t_backup, 1},
	    {"restore of that snapshot is byte-exact", t_restore, 1},
	    {"a second backup with the first as parent deduplicates", t_incremental, 1},
	    {"restore of an unknown snapshot fails cleanly", t_bad_snapshot, 1},
	    {"restore from a missing repository fails cleanly", t_no_repository, 1},
	    {"maintain snapshots works or is cleanly unsupported", t_maintain, 1},
	    {"the repository is removed again", t_cleanup, 0},
	};
	char tmpl[] = "/tmp/lifeboat-conformance-vc-XXXXXX";
	const char *base;

	if (!kit->opts->location) {
		fprintf(kit->opts->out, "Bail out! volume-copier needs a storage location\n");
		return 1;
	}
	if ((base = mkdtemp(tmpl)) == NULL) {
		fprintf(kit->opts->out, "Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(vc.src, sizeof(vc.src), "%s/src", base);
	snprintf(vc.dst, sizeof(vc.dst), "%s/dst", base);
	mkdir(vc.src, 0755);
	chmod(vc.src, 0755);
	if (kit->opts->repository)
		snprintf(vc.repo, sizeof(vc.repo), "%s%s%s",
		         kit->opts->prefix ? kit->opts->prefix : "",
		         kit->opts->prefix && *kit->opts->prefix ? "/" : "", kit->opts->repository);
	else
		snprintf(vc.repo, sizeof(vc.repo), "%srestic/conformance", kit->run_prefix);
	{
		int rc = lb_kit_run(kit, cases, sizeof(cases) / sizeof(cases[0]));

		rm_tree(base);
		return rc;
	}
}
