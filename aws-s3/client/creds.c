/*
 * Credentials: the AWS shared credentials file (INI profiles) and the environment. Secrets
 * never reach a message or a log line; messages name the file and profile instead.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "s3_internal.h"

void
lb_s3_creds_free(lb_s3_creds *c)
{
	if (c == NULL)
		return;
	if (c->secret_key)
		memset(c->secret_key, 0, strlen(c->secret_key));
	free(c->access_key);
	free(c->secret_key);
	free(c->session_token);
	memset(c, 0, sizeof(*c));
}

static char *
trim(char *s)
{
	while (isspace((unsigned char) *s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char) s[n - 1]))
		s[--n] = '\0';
	return s;
}

int
lb_s3_creds_from_file(const char *path, const char *profile, lb_s3_creds *out, lb_s3_op *op)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int in_profile = 0, found = 0, lineno = 0, error = 0;
	lb_s3_creds c = {0};
	if (profile == NULL || *profile == '\0')
		profile = "default";
	if (f == NULL)
		return lb_psup_fail(op, LB_EAUTH, "cannot read credentials file %s: %s", path,
		                    strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (e == NULL) {
				error = lb_psup_fail(op, LB_EINVAL,
				                     "credentials file %s line %d: section header "
				                     "without ']'",
				                     path, lineno);
				goto done;
			}
			*e = '\0';
			char *name = trim(s + 1);
			if (strncmp(name, "profile ", 8) == 0) /* config-file spelling */
				name = trim(name + 8);
			in_profile = strcmp(name, profile) == 0;
			found |= in_profile;
			continue;
		}
		if (!in_profile)
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			error = lb_psup_fail(op, LB_EINVAL,
			                     "credentials file %s line %d: expected key = value",
			                     path, lineno);
			goto done;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		char **dst = NULL;
		if (strcmp(k, "aws_access_key_id") == 0)
			dst = &c.access_key;
		else if (strcmp(k, "aws_secret_access_key") == 0)
			dst = &c.secret_key;
		else if (strcmp(k, "aws_session_token") == 0)
			dst = &c.session_token;
		if (dst) {
			free(*dst);
			if ((*dst = strdup(v)) == NULL) {
				error = lb_psup_fail(op, LB_ENOMEM, "out of memory");
				goto done;
			}
		}
	}
	if (!found) {
		error =
		    lb_psup_fail(op, LB_EAUTH,
		                 "credentials file %s has no profile [%s]; set profile to one of "
		                 "its sections",
		                 path, profile);
		goto done;
	}
	if (c.access_key == NULL || c.secret_key == NULL || !*c.access_key || !*c.secret_key) {
		error = lb_psup_fail(op, LB_EAUTH,
		                     "credentials file %s, profile [%s]: aws_access_key_id and "
		                     "aws_secret_access_key are both required",
		                     path, profile);
		goto done;
	}
	snprintf(c.source, sizeof(c.source), "credentialsFile %s, profile %s", path, profile);
	*out = c;
	memset(&c, 0, sizeof(c));
done:
	memset(line, 0, sizeof(line));
	fclose(f);
	lb_s3_creds_free(&c);
	return error;
}

int
lb_s3_creds_load(const lb_s3_options *o, lb_s3_creds *out, lb_s3_op *op)
{
	const char *profile = o->profile;
	char path[4096];
	if (o->credentials_file)
		return lb_s3_creds_from_file(o->credentials_file, profile, out, op);
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	if (profile == NULL && ak && *ak) {
		lb_s3_creds c = {0};
		const char *tok = getenv("AWS_SESSION_TOKEN");
		if (sk == NULL || *sk == '\0')
			return lb_psup_fail(
			    op, LB_EAUTH,
			    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
		c.access_key = strdup(ak);
		c.secret_key = strdup(sk);
		c.session_token = tok && *tok ? strdup(tok) : NULL;
		if (c.access_key == NULL || c.secret_key == NULL ||
		    (tok && *tok && !c.session_token)) {
			lb_s3_creds_free(&c);
			return lb_psup_fail(op, LB_ENOMEM, "out of memory");
		}
		snprintf(c.source, sizeof(c.source), "environment AWS_ACCESS_KEY_ID");
		*out = c;
		return 0;
	}
	if (profile == NULL)
		profile = getenv("AWS_PROFILE");
	const char *env = getenv("AWS_SHARED_CREDENTIALS_FILE"), *home = getenv("HOME");
	if (env && *env)
		snprintf(path, sizeof(path), "%s", env);
	else if (home && *home)
		snprintf(path, sizeof(path), "%s/.aws/credentials", home);
	else
		path[0] = '\0';
	if (path[0] == '\0' || access(path, R_OK) != 0)
		return lb_psup_fail(
		    op, LB_EAUTH,
		    "no S3 credentials: set credentialsFile (an AWS credentials file), "
		    "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or create %s",
		    path[0] ? path : "~/.aws/credentials");
	return lb_s3_creds_from_file(path, profile, out, op);
}
