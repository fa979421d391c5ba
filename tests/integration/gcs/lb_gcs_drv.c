/*
 * lb-gcs-drv: drive the GCS client (the code inside gcp.so) from scripts.
 *   lb-gcs-drv k=v... put BUCKET KEY FILE|-      (- reads stdin: size -1, a pipe)
 *                     get BUCKET KEY FILE|-
 *                     exists BUCKET KEY          (prints 1 or 0)
 *                     delete BUCKET KEY
 *                     list BUCKET PREFIX [DELIM] (one name per line)
 *                     sign BUCKET KEY TTL_S      (prints the URL)
 * k=v are the plugin's config keys (credentialsFile=..., storeEndpoint=..., chunkSize=...).
 * On failure prints "lb-gcs-drv: CODE: message" and exits with -code.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lb_gcs.h"

static const char *
code_name(int c)
{
#define XX(name, val, msg)                                                                         \
	if (c == (val))                                                                            \
		return "LB_" #name;
	LB_ERROR_MAP(XX)
#undef XX
	return "LB_?";
}

static void
log_line(void *ud, int level, const char *msg)
{
	(void) ud;
	fprintf(stderr, "lb-gcs-drv: log[%d] %s\n", level, msg);
}

static int
print_name(void *ud, const char *s, int is_prefix)
{
	(void) ud, (void) is_prefix;
	printf("%s\n", s);
	return 0;
}

int
main(int argc, char **argv)
{
	lb_kv kv[32];
	uint32_t nkv = 0;
	int i = 1, rc = 0, fd = -1, exists = 0;
	lb_gcs_op op = {0};
	lb_gcs_options o = {0};
	lb_gcs_key key = {0};
	lb_gcs_client *c = NULL;
	char *url = NULL;
	op.log = log_line;
	for (; i < argc && strchr(argv[i], '=') && nkv < 32; i++) {
		char *eq = strchr(argv[i], '=');
		*eq = '\0';
		kv[nkv].key = argv[i];
		kv[nkv++].value = eq + 1;
	}
	if (i + 2 >= argc) {
		fprintf(stderr,
		        "usage: lb-gcs-drv k=v... put|get|exists|delete|list|sign BUCKET KEY "
		        "[FILE|DELIM|TTL_S]\n");
		return 64;
	}
	const char *cmd = argv[i], *bucket = argv[i + 1], *name = i + 2 < argc ? argv[i + 2] : "";
	const char *arg = i + 3 < argc ? argv[i + 3] : NULL;
	if ((rc = lb_gcs_options_parse(kv, nkv, &o, &op)) < 0)
		goto done;
	if (o.credentials_file && (rc = lb_gcs_key_load(o.credentials_file, &key, &op)) < 0)
		goto done;
	if ((rc = lb_gcs_client_new(&o, &key, &c, &op)) < 0)
		goto done;
	if (strcmp(cmd, "put") == 0 && arg) {
		struct stat st;
		int64_t size = -1;
		fd = strcmp(arg, "-") == 0 ? 0 : open(arg, O_RDONLY);
		if (fd < 0) {
			perror(arg);
			return 66;
		}
		if (fd != 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			size = st.st_size;
		rc = lb_gcs_put(c, &op, bucket, name, fd, size);
	} else if (strcmp(cmd, "get") == 0 && arg) {
		fd = strcmp(arg, "-") == 0 ? 1 : open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			perror(arg);
			return 73;
		}
		rc = lb_gcs_get(c, &op, bucket, name, fd);
	} else if (strcmp(cmd, "exists") == 0) {
		if ((rc = lb_gcs_exists(c, &op, bucket, name, &exists)) == 0)
			printf("%d\n", exists);
	} else if (strcmp(cmd, "delete") == 0) {
		rc = lb_gcs_delete(c, &op, bucket, name);
	} else if (strcmp(cmd, "list") == 0) {
		rc = lb_gcs_list(c, &op, bucket, name, arg, print_name, NULL);
	} else if (strcmp(cmd, "sign") == 0 && arg) {
		if ((rc = lb_gcs_client_sign_url(c, &op, bucket, name, atoll(arg) * 1000, &url)) ==
		    0)
			printf("%s\n", url);
	} else {
		fprintf(stderr, "lb-gcs-drv: unknown command or missing argument: %s\n", cmd);
		rc = 64;
		goto out;
	}
done:
	if (rc < 0)
		fprintf(stderr, "lb-gcs-drv: %s: %s\n", code_name(rc), op.msg);
	rc = rc < 0 ? -rc : 0;
out:
	free(url);
	if (fd > 2)
		close(fd);
	lb_gcs_client_free(c);
	lb_gcs_options_free(&o);
	lb_gcs_key_free(&key);
	return rc;
}
