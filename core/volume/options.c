/* The volume-data options of this process, their CLI flags, and the repository password. */
#include "volume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/record.h"
#include "util/error.h"

static lb_volume_opts g_opts = LB_VOLUME_OPTS_INIT;

void
lb_volume_set_options(const lb_volume_opts *o)
{
	g_opts = *o;
}

const lb_volume_opts *
lb_volume_options(void)
{
	return &g_opts;
}

int
lb_volume_parse_mode(const char *text, int *mode_out)
{
	if (!text)
		return lb_error_set(LB_EINVAL, "volume data method missing");
	if (strcmp(text, "fs-copy") == 0 || strcmp(text, "fs") == 0)
		*mode_out = LB_VOLUME_FSCOPY;
	else if (strcmp(text, "csi") == 0)
		*mode_out = LB_VOLUME_CSI;
	else if (strcmp(text, "both") == 0)
		*mode_out = LB_VOLUME_FSCOPY | LB_VOLUME_CSI;
	else if (strcmp(text, "none") == 0)
		*mode_out = 0;
	else
		return lb_error_set(
		    LB_EINVAL, "volume data method \"%s\": use fs-copy, csi, both or none", text);
	return 0;
}

/* --name, --name=V or --name V. 1: matched (*val set, may be NULL for a bare boolean). */
static int
match(int argc, char **argv, int *i, const char *name, int takes_value, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	*val = NULL;
	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (takes_value) {
		if (*i + 1 >= argc)
			return lb_error_set(LB_EINVAL, "%s needs a value", name);
		*val = argv[++*i];
	}
	return 1;
}

static int
boolean(const char *name, const char *v, int *out)
{
	if (!v || strcmp(v, "true") == 0)
		*out = 1;
	else if (strcmp(v, "false") == 0)
		*out = 0;
	else
		return lb_error_set(LB_EINVAL, "%s=%s: use true or false", name, v);
	return 0;
}

int
lb_volume_cli_flag(int argc, char **argv, int *i, lb_volume_opts *o)
{
	const char *v;
	int rc, b;

	if ((rc = match(argc, argv, i, "--volume-data", 1, &v)) != 0) {
		if (rc < 0 || (rc = lb_volume_parse_mode(v, &o->mode)) < 0)
			return rc;
		return 1;
	}
	if ((rc = match(argc, argv, i, "--snapshot-volumes", 0, &v)) != 0) {
		if (rc < 0 || (rc = boolean("--snapshot-volumes", v, &b)) < 0)
			return rc;
		o->mode = b ? o->mode | LB_VOLUME_CSI : o->mode & ~LB_VOLUME_CSI;
		return 1;
	}
	if ((rc = match(argc, argv, i, "--default-volumes-to-fs-backup", 0, &v)) != 0) {
		if (rc < 0 ||
		    (rc = boolean("--default-volumes-to-fs-backup", v, &o->default_fs)) < 0)
			return rc;
		return 1;
	}
	if ((rc = match(argc, argv, i, "--restore-volumes", 0, &v)) != 0) {
		if (rc < 0 || (rc = boolean("--restore-volumes", v, &o->restore_volumes)) < 0)
			return rc;
		return 1;
	}
	if ((rc = match(argc, argv, i, "--kubelet-dir", 1, &v)) != 0) {
		if (rc < 0)
			return rc;
		o->kubelet_dir = v;
		return 1;
	}
	if ((rc = match(argc, argv, i, "--csi-volume-dirs", 1, &v)) != 0) {
		if (rc < 0)
			return rc;
		o->csi_dirs = v;
		return 1;
	}
	if ((rc = match(argc, argv, i, "--csi-snapshot-timeout", 1, &v)) != 0) {
		if (rc < 0 || (rc = lb_duration_parse(v, &o->csi_timeout_ms)) < 0)
			return rc < 0 ? lb_error_set(LB_EINVAL,
			                             "--csi-snapshot-timeout %s: not a duration "
			                             "(e.g. 10m, 90s)",
			                             v ? v : "")
			              : rc;
		return 1;
	}
	return 0;
}

static int
read_secret(const char *path, const char *where, char **out)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!f)
		return lb_error_errno(errno, "repository password file %s (%s) cannot be read",
		                      path, where);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (!n)
		return lb_error_set(LB_EINVAL, "repository password file %s (%s) is empty", path,
		                    where);
	*out = strdup(buf);
	return *out ? 0 : LB_ENOMEM;
}

int
lb_volume_password(const lb_volume_opts *o, char **out)
{
	const char *v, *env = getenv("LIFEBOAT_REPO_PASSWORD");

	*out = NULL;
	if (o->location) {
		if ((v = lb_kvlist_get(&o->location->config, "repoPassword")) && *v)
			return (*out = strdup(v)) ? 0 : LB_ENOMEM;
		if ((v = lb_kvlist_get(&o->location->config, "repoPasswordFile")) && *v)
			return read_secret(v, "config repoPasswordFile of the storage location",
			                   out);
	}
	if (o->settings && o->settings->repo_password_file && *o->settings->repo_password_file)
		return read_secret(o->settings->repo_password_file,
		                   "repository.passwordFile in the settings", out);
	if (env && *env)
		return (*out = strdup(env)) ? 0 : LB_ENOMEM;
	return lb_error_set(
	    LB_EINVAL, "no fs-copy repository password: set repoPassword or repoPasswordFile in "
	               "the storage location's config, repository.passwordFile in the settings, "
	               "or the environment variable LIFEBOAT_REPO_PASSWORD");
}
