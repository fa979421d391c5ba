/*
 * lb-s3-drv: a test double of the plugin host. It dlopen()s an object-store plugin in-process
 * (no fork, no RPC), hands it a minimal lb_host_api and runs one ObjectStore call from the
 * command line, so the S3 plugins can be driven before and besides the engine runtime.
 *
 *   lb-s3-drv PLUGIN.so [-c key=value]... [--cancel-after BYTES] COMMAND ARGS
 *     put B KEY FILE|-     (a regular FILE has a known size; '-' is stdin with size -1)
 *     get B KEY FILE|-     exists B KEY    rm B KEY    ls B PREFIX    prefixes B PREFIX DELIM
 *     url B KEY TTL_MS     putmany B PREFIX N FILE    getmany B PREFIX N [DIR]
 *   -c caCert=@path reads the value from a file (the engine passes PEM content).
 * Exit status 0 on success; on failure "error: <code name>: <message>" on stderr and 1.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lifeboat/plugin/sdk.h>

struct lb_call {
	int code;
	char msg[2048];
	int64_t done;
	int64_t cancel_after; /* -1: never */
	int64_t reports;
};
struct lb_strlist {
	char **v;
	size_t n;
};
struct lb_buf {
	char *p;
	size_t n;
};
struct lb_registrar {
	const lb_object_store_methods *m;
};

static int verbose;

static void
h_log(lb_call *call, int level, const char *fmt, ...)
{
	static const char *lv[] = {"error", "warn", "info", "debug"};
	va_list ap;
	(void) call;
	if (level > LB_LOG_INFO && !verbose)
		return;
	fprintf(stderr, "level=%s plugin-log: ", lv[level & 3]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
h_set_error(lb_call *call, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(call->msg, sizeof(call->msg), fmt, ap);
	va_end(ap);
	call->code = code;
	return code;
}

static int
h_cancelled(lb_call *call)
{
	return call->cancel_after >= 0 && call->done >= call->cancel_after;
}

static int
h_progress(lb_call *call, int64_t done, int64_t total, const char *unit)
{
	(void) total, (void) unit;
	call->done = done;
	call->reports++;
	return h_cancelled(call) ? LB_ECANCELED : 0;
}

static int64_t
h_deadline_left(lb_call *call)
{
	(void) call;
	return -1;
}

static const char *
h_config_get(const lb_config *c, const char *key)
{
	for (uint32_t i = 0; i < c->count; i++)
		if (strcmp(c->items[i].key, key) == 0)
			return c->items[i].value;
	return NULL;
}

static int
h_strlist_append(lb_strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(char *));
	if (v == NULL)
		return LB_ENOMEM;
	l->v = v;
	if ((l->v[l->n] = strdup(s)) == NULL)
		return LB_ENOMEM;
	l->n++;
	return 0;
}

static int
h_buf_append(lb_buf *b, const void *d, size_t n)
{
	char *p = realloc(b->p, b->n + n + 1);
	if (p == NULL)
		return LB_ENOMEM;
	memcpy(p + b->n, d, n);
	b->p = p;
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static int
h_register(lb_registrar *reg, const struct lb_object_store_methods *m)
{
	reg->m = m;
	return 0;
}

/* Designated: members this double does not need stay NULL, whatever the SDK minor. */
static const lb_host_api host = {
	.struct_size = sizeof(lb_host_api),
	.abi_minor = LB_HOST_API_ABI_MINOR,
	.log = h_log,
	.set_error = h_set_error,
	.progress = h_progress,
	.cancelled = h_cancelled,
	.deadline_left_ms = h_deadline_left,
	.config_get = h_config_get,
	.strlist_append = h_strlist_append,
	.buf_append = h_buf_append,
	.register_object_store = h_register,
};

static const char *const names[] = {"OK",        "ERROR",    "ENOTFOUND",    "EEXISTS",  "EINVAL",
                                    "ETIMEDOUT", "ECRASHED", "ECANCELED",    "EPROTO",   "EIO",
                                    "ENOMEM",    "EPERM",    "EUNSUPPORTED", "EVERSION", "EAGAIN",
                                    "ECONFLICT", "EAUTH",    "ECORRUPT"};

static int
report(lb_call *call, int rc)
{
	if (rc >= 0)
		return 0;
	fprintf(stderr, "error: %s: %s\n", (-rc < 18) ? names[-rc] : "?", call->msg);
	return 1;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n >= 0 && (p = calloc(1, (size_t) n + 1)) != NULL &&
	    fread(p, 1, (size_t) n, f) != (size_t) n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

static void
usage(void)
{
	fprintf(stderr, "usage: lb-s3-drv PLUGIN.so [-v] [-c key=value]... [--cancel-after BYTES] "
	                "put|get|exists|rm|ls|prefixes|url|putmany|getmany ARGS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	lb_kv kv[64];
	uint32_t nkv = 0;
	lb_call call = {0};
	lb_registrar reg = {0};
	lb_object_store *self = NULL;
	int i = 2, rc;
	call.cancel_after = -1;
	if (argc < 3)
		usage();
	for (; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc && nkv < 64) {
			char *eq = strchr(argv[++i], '=');
			if (eq == NULL)
				usage();
			*eq = '\0';
			kv[nkv].key = argv[i];
			kv[nkv].value = eq + 1;
			if (eq[1] == '@' && (kv[nkv].value = slurp(eq + 2)) == NULL) {
				fprintf(stderr, "cannot read %s\n", eq + 2);
				return 2;
			}
			nkv++;
		} else if (strcmp(argv[i], "--cancel-after") == 0 && i + 1 < argc) {
			call.cancel_after = strtoll(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
		} else {
			break;
		}
	}
	if (i >= argc)
		usage();
	void *so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (so == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
		return 2;
	}
	lb_plugin_magic_fn magic = (lb_plugin_magic_fn) dlsym(so, LB_PLUGIN_MAGIC_SYMBOL);
	lb_plugin_bind_fn bind = (lb_plugin_bind_fn) dlsym(so, LB_PLUGIN_BIND_SYMBOL);
	lb_plugin_init_fn init = (lb_plugin_init_fn) dlsym(so, LB_PLUGIN_INIT_SYMBOL);
	if (!magic || !bind || !init || magic()->sdk_major != LB_SDK_MAJOR) {
		fprintf(stderr, "%s is not a Lifeboat plugin of SDK %d\n", argv[1], LB_SDK_MAJOR);
		return 2;
	}
	bind(&host);
	if (init(&reg) < 0 || reg.m == NULL) {
		fprintf(stderr, "%s registered no object store\n", argv[1]);
		return 2;
	}
	lb_config cfg = {nkv, 0, kv};
	if ((rc = reg.m->init(&call, &cfg, &self)) < 0)
		return report(&call, rc);

	const char *cmd = argv[i++];
	int left = argc - i;
	char **a = argv + i;
	if (strcmp(cmd, "put") == 0 && left == 3) {
		int fd = 0;
		int64_t size = -1;
		struct stat st;
		if (strcmp(a[2], "-") != 0) {
			if ((fd = open(a[2], O_RDONLY)) < 0) {
				perror(a[2]);
				return 2;
			}
		}
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			size = st.st_size;
		rc = reg.m->put_object(self, &call, a[0], a[1], fd, size);
	} else if (strcmp(cmd, "get") == 0 && left == 3) {
		int fd = 1;
		if (strcmp(a[2], "-") != 0 &&
		    (fd = open(a[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
			perror(a[2]);
			return 2;
		}
		rc = reg.m->get_object(self, &call, a[0], a[1], fd);
	} else if (strcmp(cmd, "exists") == 0 && left == 2) {
		int e = 0;
		if ((rc = reg.m->object_exists(self, &call, a[0], a[1], &e)) == 0)
			printf("%d\n", e);
	} else if (strcmp(cmd, "rm") == 0 && left == 2) {
		rc = reg.m->delete_object(self, &call, a[0], a[1]);
	} else if ((strcmp(cmd, "ls") == 0 && left == 2) ||
	           (strcmp(cmd, "prefixes") == 0 && left == 3)) {
		lb_strlist l = {0};
		rc = left == 2 ? reg.m->list_objects(self, &call, a[0], a[1], &l)
		               : reg.m->list_common_prefixes(self, &call, a[0], a[1], a[2], &l);
		for (size_t k = 0; rc == 0 && k < l.n; k++)
			printf("%s\n", l.v[k]);
	} else if (strcmp(cmd, "url") == 0 && left == 3) {
		lb_buf b = {0};
		if (reg.m->create_signed_url == NULL)
			return report(&call, h_set_error(&call, LB_EUNSUPPORTED, "no signed URLs"));
		if ((rc = reg.m->create_signed_url(self, &call, a[0], a[1], strtoll(a[2], NULL, 10),
		                                   &b)) == 0)
			printf("%s\n", b.p);
	} else if (strcmp(cmd, "putmany") == 0 && left == 4) {
		int n = atoi(a[2]);
		rc = 0;
		for (int k = 0; k < n && rc == 0; k++) {
			char key[1024];
			int fd = open(a[3], O_RDONLY);
			struct stat st;
			if (fd < 0 || fstat(fd, &st) < 0) {
				perror(a[3]);
				return 2;
			}
			snprintf(key, sizeof(key), "%s%06d", a[1], k);
			rc = reg.m->put_object(self, &call, a[0], key, fd, st.st_size);
			close(fd);
		}
	} else if (strcmp(cmd, "getmany") == 0 && (left == 3 || left == 4)) {
		int n = atoi(a[2]);
		rc = 0;
		for (int k = 0; k < n && rc == 0; k++) {
			char key[1024], path[2048];
			int fd;
			snprintf(key, sizeof(key), "%s%06d", a[1], k);
			snprintf(path, sizeof(path), "%s/%06d", left == 4 ? a[3] : "", k);
			fd = left == 4 ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)
			               : open("/dev/null", O_WRONLY);
			if (fd < 0) {
				perror(path);
				return 2;
			}
			rc = reg.m->get_object(self, &call, a[0], key, fd);
			close(fd);
		}
	} else {
		usage();
	}
	if (verbose)
		fprintf(stderr, "progress reports: %" PRId64 ", last %" PRId64 " bytes\n",
		        call.reports, call.done);
	reg.m->destroy(self);
	return report(&call, rc);
}
