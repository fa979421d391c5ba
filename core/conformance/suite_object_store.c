/*
 * The ObjectStore contract (plugin-api/include/lifeboat/plugin/object_store.h), with the
 * listing semantics of Velero's ObjectStore. Every key lives under the kit's run prefix,
 * and the last test removes them all.
 */
#include "kit.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc/call.h"
#include "stream.h"
#include "util/buf.h"

#define UNKNOWN_KEY "lifeboat-conformance-unknown-key"
#define SMALL_SIZE 4099 /* not a multiple of any block size */
#define FILE_MAX_MIB 64 /* the regular-file variant of the large object is capped here */
#define SIGNED_URL_TTL_MS (10 * 60 * 1000)

/* The listing fixture, relative to the run prefix. */
static const char *const list_keys[] = {
    "list/a/1",
    "list/a/2",
    "list/ab",
    "list/b/c/3",
    "list/top",
    "list/with space/\xc3\xbc-\xc3\xb1 \xe6\x96\x87\xe4\xbb\xb6.txt", /* ü-ñ 文件.txt */
    "list-sibling/x",
};
#define UNICODE_KEY 5

static lb_object_store_handle *
H(lb_kit *kit)
{
	return kit->handle;
}

/* The full key for @rel under the run prefix. */
static const char *
K(lb_kit *kit, char *buf, size_t len, const char *rel)
{
	return lb_kit_fmt(buf, len, "%s%s", kit->run_prefix, rel);
}

static char *
call_desc(char *buf,
          size_t len,
          const char *method,
          const lb_kit *kit,
          const char *key,
          const char *extra)
{
	return lb_kit_fmt(buf, len, "%s(bucket=\"%s\", %s=\"%s\"%s%s)", method, kit->bucket,
	                  strcmp(method, "list_objects") == 0 ||
	                          strcmp(method, "list_common_prefixes") == 0
	                      ? "prefix"
	                      : "key",
	                  key, extra ? ", " : "", extra ? extra : "");
}

/* ------------------------------------------------------------------------------------ */
/* Primitive checks. Each returns 0 when the contract held, -1 after recording a failure. */

static int
put_body(
    lb_kit *kit, const char *key, const lb_kit_body *body, int via_pipe, char hex[LB_KIT_SHA_HEX])
{
	char cd[1024], extra[128], got[256];
	lb_call *call = lb_kit_call(kit);
	int error;

	if (via_pipe) {
		lb_kit_stream s;
		if (lb_kit_stream_feed(&s, body) < 0) {
			lb_kit_fail(kit, NULL, NULL, NULL, "kit: cannot start a pipe: %s",
			            strerror(errno));
			return -1;
		}
		lb_kit_fmt(extra, sizeof(extra), "body_fd=<pipe, %lld bytes>, size=-1",
		           (long long) body->size);
		error = H(kit)->m->put_object(H(kit)->self, call, kit->bucket, key, s.fd_for_plugin,
		                              -1);
		lb_kit_stream_finish(&s);
		snprintf(hex, LB_KIT_SHA_HEX, "%s", s.hex);
		call_desc(cd, sizeof(cd), "put_object", kit, key, extra);
		if (error < 0) {
			lb_kit_fail_code(kit, cd, "0", error, call);
			return -1;
		}
		if (s.bytes != body->size) {
			lb_kit_fail(
			    kit, cd,
			    lb_kit_fmt(extra, sizeof(extra), "the whole body read (%lld bytes)",
			               (long long) body->size),
			    lb_kit_fmt(got, sizeof(got), "returned 0 after %lld bytes were read",
			               (long long) s.bytes),
			    "put_object returned success without reading the body to EOF");
			return -1;
		}
	} else {
		int fd = lb_kit_body_file(body, hex);
		if (fd < 0) {
			lb_kit_fail(kit, NULL, NULL, NULL, "kit: cannot write a temporary file: %s",
			            strerror(errno));
			return -1;
		}
		lb_kit_fmt(extra, sizeof(extra), "body_fd=<regular file>, size=%lld",
		           (long long) body->size);
		error = H(kit)->m->put_object(H(kit)->self, call, kit->bucket, key, fd, body->size);
		close(fd);
		call_desc(cd, sizeof(cd), "put_object", kit, key, extra);
		if (error < 0) {
			lb_kit_fail_code(kit, cd, "0", error, call);
			return -1;
		}
	}
	return 0;
}

static int
get_check(lb_kit *kit, const char *key, int64_t size, const char *hex)
{
	char cd[1024], exp[256], got[256];
	lb_call *call = lb_kit_call(kit);
	lb_kit_stream s;
	int error;

	call_desc(cd, sizeof(cd), "get_object", kit, key, "sink_fd=<pipe>");
	if (lb_kit_stream_drain(&s) < 0) {
		lb_kit_fail(kit, NULL, NULL, NULL, "kit: cannot start a pipe: %s", strerror(errno));
		return -1;
	}
	error = H(kit)->m->get_object(H(kit)->self, call, kit->bucket, key, s.fd_for_plugin);
	lb_kit_stream_finish(&s);
	if (error < 0) {
		lb_kit_fail_code(kit, cd, "0 and the object's bytes", error, call);
		return -1;
	}
	if (s.bytes != size || strcmp(s.hex, hex) != 0) {
		lb_kit_fail(
		    kit, cd,
		    lb_kit_fmt(exp, sizeof(exp), "%lld bytes, sha256 %s", (long long) size, hex),
		    lb_kit_fmt(got, sizeof(got), "%lld bytes, sha256 %s", (long long) s.bytes,
		               s.hex),
		    "get_object returned different bytes than put_object stored");
		return -1;
	}
	return 0;
}

static int
exists_check(lb_kit *kit, const char *key, int want)
{
	char cd[1024], got[64];
	lb_call *call = lb_kit_call(kit);
	int exists = -1;
	int error = H(kit)->m->object_exists(H(kit)->self, call, kit->bucket, key, &exists);

	call_desc(cd, sizeof(cd), "object_exists", kit, key, NULL);
	if (error < 0) {
		lb_kit_fail_code(kit, cd, want ? "0 and *exists_out = 1" : "0 and *exists_out = 0",
		                 error, call);
		return -1;
	}
	if (exists != want) {
		lb_kit_fail(kit, cd, want ? "*exists_out = 1" : "*exists_out = 0",
		            lb_kit_fmt(got, sizeof(got), "*exists_out = %d", exists),
		            want ? "object_exists says a stored object is missing"
		                 : "object_exists says a missing object exists");
		return -1;
	}
	return 0;
}

static int
delete_check(lb_kit *kit, const char *key, const char *what)
{
	char cd[1024];
	lb_call *call = lb_kit_call(kit);
	int error = H(kit)->m->delete_object(H(kit)->self, call, kit->bucket, key);

	call_desc(cd, sizeof(cd), "delete_object", kit, key, NULL);
	if (error < 0) {
		lb_kit_fail_code(kit, cd, what, error, call);
		return -1;
	}
	return 0;
}

static int
round_trip(lb_kit *kit, const char *rel, const lb_kit_body *body, int via_pipe)
{
	char key[1024], hex[LB_KIT_SHA_HEX];

	K(kit, key, sizeof(key), rel);
	if (put_body(kit, key, body, via_pipe, hex) < 0)
		return -1;
	return get_check(kit, key, body->size, hex);
}

/* ------------------------------------------------------------------------------------ */
/* Listing. */

static void
list_str(char *buf, size_t len, const char *const *items, size_t n)
{
	size_t used = 0, i;

	used += snprintf(buf, len, "[");
	for (i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s\"%s\"", i ? ", " : "", items[i]);
	if (used < len)
		snprintf(buf + used, len - used, "]");
}

enum list_mode { LIST_KEYS, LIST_PREFIXES };

/* Whether @g followed by @delim is one of @want (a prefix returned without its delimiter). */
static int
with_delim_wanted(const char *g, const char *delim, const char *const *want, size_t nwant)
{
	size_t glen = strlen(g), dlen = strlen(delim), j;

	for (j = 0; j < nwant; j++)
		if (strlen(want[j]) == glen + dlen && strncmp(want[j], g, glen) == 0 &&
		    strcmp(want[j] + glen, delim) == 0)
			return 1;
	return 0;
}

/* Compare @got with the exact set @want (order free). */
static int
check_set(lb_kit *kit,
          const char *cd,
          enum list_mode mode,
          const char *prefix,
          const char *delim,
          const char *const *want,
          size_t nwant,
          const lb_strlist *got)
{
	char exp[2048], gots[2048];
	size_t i, j;

	list_str(exp, sizeof(exp), want, nwant);
	list_str(gots, sizeof(gots), (const char *const *) got->items, got->count);
	for (i = 0; i < got->count; i++) {
		const char *g = got->items[i];
		for (j = 0; j < i; j++)
			if (strcmp(got->items[j], g) == 0) {
				lb_kit_fail(kit, cd, exp, gots, "\"%s\" was returned twice", g);
				return -1;
			}
		for (j = 0; j < nwant; j++)
			if (strcmp(want[j], g) == 0)
				break;
		if (j < nwant)
			continue;
		if (strncmp(g, prefix, strlen(prefix)) != 0) {
			lb_kit_fail(kit, cd, exp, gots,
			            "\"%s\" does not start with the prefix \"%s\"; results must be "
			            "full keys under the prefix",
			            g, prefix);
		} else if (mode == LIST_PREFIXES && with_delim_wanted(g, delim, want, nwant)) {
			lb_kit_fail(
			    kit, cd, exp, gots,
			    "\"%s\" does not end with the delimiter \"%s\"; Velero returns "
			    "common prefixes including the delimiter (keys \"a/x/1\", prefix "
			    "\"a/\" give \"a/x/\")",
			    g, delim);
		} else if (mode == LIST_PREFIXES && strstr(g + strlen(prefix), delim) == NULL) {
			lb_kit_fail(
			    kit, cd, exp, gots,
			    "\"%s\" is a key at the prefix level, not a common prefix; keys "
			    "without a further delimiter are not returned",
			    g);
		} else if (mode == LIST_PREFIXES) {
			lb_kit_fail(kit, cd, exp, gots,
			            "\"%s\" is not a common prefix here: a common prefix is cut at "
			            "the first delimiter after the given prefix",
			            g);
		} else {
			lb_kit_fail(kit, cd, exp, gots,
			            "\"%s\" was returned but no such key exists", g);
		}
		return -1;
	}
	for (j = 0; j < nwant; j++)
		if (!lb_strlist_contains(got, want[j])) {
			lb_kit_fail(kit, cd, exp, gots, "\"%s\" is missing from the result",
			            want[j]);
			return -1;
		}
	return 0;
}

/* @want are relative to the run prefix. */
static int
list_check(lb_kit *kit,
           enum list_mode mode,
           const char *rel_prefix,
           const char *const *want_rel,
           size_t nwant)
{
	char prefix[1024], cd[1280];
	char *want[16];
	lb_strlist got = LB_STRLIST_INIT;
	lb_call *call = lb_kit_call(kit);
	size_t i;
	int error;

	K(kit, prefix, sizeof(prefix), rel_prefix);
	for (i = 0; i < nwant && i < 16; i++) {
		want[i] = malloc(strlen(kit->run_prefix) + strlen(want_rel[i]) + 1);
		if (want[i] == NULL)
			abort();
		strcpy(want[i], kit->run_prefix);
		strcat(want[i], want_rel[i]);
	}
	if (mode == LIST_KEYS) {
		call_desc(cd, sizeof(cd), "list_objects", kit, prefix, NULL);
		error = H(kit)->m->list_objects(H(kit)->self, call, kit->bucket, prefix, &got);
	} else {
		call_desc(cd, sizeof(cd), "list_common_prefixes", kit, prefix, "delimiter=\"/\"");
		error = H(kit)->m->list_common_prefixes(H(kit)->self, call, kit->bucket, prefix,
		                                        "/", &got);
	}
	if (error < 0)
		lb_kit_fail_code(kit, cd, "0 and a list", error, call);
	else
		error =
		    check_set(kit, cd, mode, prefix, "/", (const char *const *) want, nwant, &got);
	for (i = 0; i < nwant && i < 16; i++)
		free(want[i]);
	lb_strlist_dispose(&got);
	return error < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------------------------ */
/* The cases. */

static int
open_with(lb_kit *kit, const lb_config *config, lb_call *call, void **handle_out)
{
	*handle_out = NULL;
	return kit->opts->opener.open(kit->opts->opener.ctx, config, call, handle_out);
}

static void
t_init_unknown_key(lb_kit *kit)
{
	const lb_config *base = kit->opts->config;
	lb_kv *items = calloc(base->count + 1, sizeof(*items));
	lb_config config = {base->count + 1, 0, items};
	lb_call *call = lb_kit_call(kit);
	void *h = NULL;
	const char *cd = "init(config=<the --config under test> + " UNKNOWN_KEY "=\"1\")";
	int error;

	if (items == NULL)
		abort();
	if (base->count)
		memcpy(items, base->items, base->count * sizeof(*items));
	items[base->count].key = UNKNOWN_KEY;
	items[base->count].value = "1";
	error = open_with(kit, &config, call, &h);
	if (error == 0) {
		lb_kit_fail(kit, cd, "LB_EINVAL with a message naming the key", "0 (success)",
		            "init accepted an unknown config key, so a typo in a storage "
		            "location's config would go unnoticed");
		kit->opts->opener.close(kit->opts->opener.ctx, h);
	} else if (error != LB_EINVAL) {
		lb_kit_fail_code(kit, cd, "LB_EINVAL with a message naming the key", error, call);
	} else if (strstr(lb_call_error_message(call), UNKNOWN_KEY) == NULL) {
		lb_kit_fail(kit, cd, "a message naming \"" UNKNOWN_KEY "\"",
		            lb_call_error_message(call),
		            "init rejected the key, but its message does not name it");
	}
	free(items);
}

static void
t_init_empty_values(lb_kit *kit)
{
	const lb_config *base = kit->opts->config;
	lb_kv *items = calloc(base->count + 1, sizeof(*items));
	lb_config config = {0, 0, items};
	char cd[512];
	uint32_t i;
	int error;
	void *h = NULL;

	if (items == NULL)
		abort();
	/* No config at all, then each key emptied in turn. */
	for (i = 0; i <= base->count && !kit->failed; i++) {
		lb_call *call = lb_kit_call(kit);
		config.count = i == 0 ? 0 : base->count;
		if (i > 0) {
			memcpy(items, base->items, base->count * sizeof(*items));
			items[i - 1].value = "";
			lb_kit_fmt(cd, sizeof(cd),
			           "init(config=<the --config under test> with %s=\"\")",
			           items[i - 1].key);
		} else {
			lb_kit_fmt(cd, sizeof(cd), "init(config={})");
		}
		error = open_with(kit, &config, call, &h);
		if (error == 0)
			kit->opts->opener.close(kit->opts->opener.ctx, h);
		else if (!lb_kit_clean_error(error, call))
			lb_kit_fail_code(kit, cd, "0, or LB_EINVAL with a message naming the key",
			                 error, call);
	}
	free(items);
}

static void
t_empty(lb_kit *kit)
{
	lb_kit_body body = {0, 1, NULL};

	if (round_trip(kit, "empty", &body, 0) == 0)
		exists_check(kit, K(kit, (char[1024]){0}, 1024, "empty"), 1);
}

static void
t_small_file(lb_kit *kit)
{
	static const unsigned char bin[] = "binary\0with\r\nNULs\xff\xfe and CRLF";
	lb_kit_body body = {SMALL_SIZE, 2, NULL};
	lb_kit_body nul = {sizeof(bin), 0, bin};

	if (round_trip(kit, "small", &body, 0) == 0)
		round_trip(kit, "small-binary", &nul, 0);
}

static void
t_small_pipe(lb_kit *kit)
{
	lb_kit_body body = {SMALL_SIZE, 3, NULL};

	round_trip(kit, "small-pipe", &body, 1);
}

static int64_t
large_bytes(const lb_kit *kit)
{
	return (kit->opts->large_mib > 0 ? kit->opts->large_mib : LB_KIT_DEFAULT_LARGE_MIB) * 1024 *
	       1024;
}

static void
t_large_pipe(lb_kit *kit)
{
	lb_kit_body body = {large_bytes(kit) + 7, 4, NULL}; /* +7: an unaligned tail */

	if (round_trip(kit, "large-pipe", &body, 1) == 0)
		delete_check(kit, K(kit, (char[1024]){0}, 1024, "large-pipe"), "0");
}

static void
t_large_file(lb_kit *kit)
{
	int64_t size = large_bytes(kit);
	lb_kit_body body = {size < FILE_MAX_MIB * 1024 * 1024 ? size : FILE_MAX_MIB * 1024 * 1024,
	                    5, NULL};

	if (round_trip(kit, "large-file", &body, 0) == 0)
		delete_check(kit, K(kit, (char[1024]){0}, 1024, "large-file"), "0");
}

static void
t_exists(lb_kit *kit)
{
	char key[1024];

	if (exists_check(kit, K(kit, key, sizeof(key), "small"), 1) == 0)
		exists_check(kit, K(kit, key, sizeof(key), "no-such-key"), 0);
}

static void
t_overwrite(lb_kit *kit)
{
	lb_kit_body first = {1000, 6, NULL}, second = {777, 7, NULL};

	if (round_trip(kit, "overwrite", &first, 0) == 0)
		round_trip(kit, "overwrite", &second, 1);
}

static void
t_get_missing(lb_kit *kit)
{
	char key[1024], cd[1280], got[128];
	lb_call *call = lb_kit_call(kit);
	lb_kit_stream s;
	int error;

	K(kit, key, sizeof(key), "no-such-key");
	call_desc(cd, sizeof(cd), "get_object", kit, key, "sink_fd=<pipe>");
	if (lb_kit_stream_drain(&s) < 0) {
		lb_kit_fail(kit, NULL, NULL, NULL, "kit: cannot start a pipe: %s", strerror(errno));
		return;
	}
	error = H(kit)->m->get_object(H(kit)->self, call, kit->bucket, key, s.fd_for_plugin);
	lb_kit_stream_finish(&s);
	if (error != LB_ENOTFOUND)
		lb_kit_fail_code(kit, cd, "LB_ENOTFOUND", error, call);
	else if (lb_call_error_message(call)[0] == '\0')
		lb_kit_fail(kit, cd, "LB_ENOTFOUND with a message", "LB_ENOTFOUND, no message",
		            "the call failed without a message (set one with lb_set_error)");
	else if (s.bytes != 0)
		lb_kit_fail(kit, cd, "no bytes written",
		            lb_kit_fmt(got, sizeof(got), "%lld bytes", (long long) s.bytes),
		            "get_object of a missing key wrote to the sink");
}

static void
t_list_fixture(lb_kit *kit)
{
	char key[1024], hex[LB_KIT_SHA_HEX];
	size_t i;

	for (i = 0; i < sizeof(list_keys) / sizeof(list_keys[0]) && !kit->failed; i++) {
		lb_kit_body body = {(int64_t) strlen(list_keys[i]), 0,
		                    (const unsigned char *) list_keys[i]};
		put_body(kit, K(kit, key, sizeof(key), list_keys[i]), &body, 0, hex);
	}
}

static void
t_list_objects(lb_kit *kit)
{
	static const char *const want[] = {
	    "list/a/1", "list/a/2",
	    "list/ab",  "list/b/c/3",
	    "list/top", "list/with space/\xc3\xbc-\xc3\xb1 \xe6\x96\x87\xe4\xbb\xb6.txt"};

	list_check(kit, LIST_KEYS, "list/", want, 6);
}

static void
t_list_objects_string_prefix(lb_kit *kit)
{
	static const char *const want[] = {"list/a/1", "list/a/2", "list/ab"};

	list_check(kit, LIST_KEYS, "list/a", want, 3);
}

static void
t_list_objects_empty(lb_kit *kit)
{
	list_check(kit, LIST_KEYS, "nothing-here/", NULL, 0);
}

static void
t_common_prefixes(lb_kit *kit)
{
	static const char *const want[] = {"list/a/", "list/b/", "list/with space/"};

	list_check(kit, LIST_PREFIXES, "list/", want, 3);
}

static void
t_common_prefixes_nested(lb_kit *kit)
{
	static const char *const want_b[] = {"list/b/c/"};
	static const char *const want_top[] = {"list/", "list-sibling/"};

	if (list_check(kit, LIST_PREFIXES, "list/b/", want_b, 1) == 0)
		list_check(kit, LIST_PREFIXES, "", want_top, 2);
}

static void
t_common_prefixes_leaf(lb_kit *kit)
{
	if (list_check(kit, LIST_PREFIXES, "list/with space/", NULL, 0) == 0)
		list_check(kit, LIST_PREFIXES, "list/a/", NULL, 0);
}

static void
t_unicode(lb_kit *kit)
{
	char key[1024], hex[LB_KIT_SHA_HEX];
	const char *rel = list_keys[UNICODE_KEY];
	lb_kit_body body = {(int64_t) strlen(rel), 0, (const unsigned char *) rel};

	K(kit, key, sizeof(key), rel);
	lb_kit_body_digest(&body, hex);
	if (exists_check(kit, key, 1) == 0)
		get_check(kit, key, body.size, hex);
}

static void
t_delete(lb_kit *kit)
{
	char key[1024], cd[1280];
	lb_call *call;
	int error;
	lb_kit_stream s;

	K(kit, key, sizeof(key), "small-pipe");
	if (delete_check(kit, key, "0") < 0 || exists_check(kit, key, 0) < 0)
		return;
	call = lb_kit_call(kit);
	if (lb_kit_stream_drain(&s) < 0)
		return;
	error = H(kit)->m->get_object(H(kit)->self, call, kit->bucket, key, s.fd_for_plugin);
	lb_kit_stream_finish(&s);
	if (error != LB_ENOTFOUND)
		lb_kit_fail_code(kit, call_desc(cd, sizeof(cd), "get_object", kit, key, NULL),
		                 "LB_ENOTFOUND after delete_object", error, call);
}

static void
t_delete_missing(lb_kit *kit)
{
	char key[1024];

	delete_check(kit, K(kit, key, sizeof(key), "never-existed"),
	             "0 (deleting a missing key succeeds)");
}

struct http_sink {
	EVP_MD_CTX *md;
	int64_t bytes;
};

static size_t
http_write(char *data, size_t size, size_t n, void *arg)
{
	struct http_sink *sink = arg;

	EVP_DigestUpdate(sink->md, data, size * n);
	sink->bytes += (int64_t) (size * n);
	return size * n;
}

static void
t_signed_url(lb_kit *kit)
{
	char key[1024], cd[1280], hex[LB_KIT_SHA_HEX], got_hex[LB_KIT_SHA_HEX], exp[256], got[256];
	lb_buf url = LB_BUF_INIT;
	lb_call *call = lb_kit_call(kit);
	struct http_sink sink = {NULL, 0};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;
	CURL *curl = NULL;
	CURLcode cc;
	long status = 0;
	lb_kit_body body = {SMALL_SIZE, 2, NULL};
	int error;

	K(kit, key, sizeof(key), "small");
	lb_kit_body_digest(&body, hex);
	call_desc(cd, sizeof(cd), "create_signed_url", kit, key, "ttl_ms=600000");
	if (H(kit)->m->create_signed_url == NULL) {
		lb_kit_skip(kit, "create_signed_url is not implemented (optional)");
		return;
	}
	error = H(kit)->m->create_signed_url(H(kit)->self, call, kit->bucket, key,
	                                     SIGNED_URL_TTL_MS, &url);
	if (error == LB_EUNSUPPORTED) {
		lb_kit_skip(kit, "create_signed_url returned LB_EUNSUPPORTED");
		goto done;
	}
	if (error < 0) {
		lb_kit_fail_code(kit, cd, "0 and a URL, or LB_EUNSUPPORTED", error, call);
		goto done;
	}
	if (url.ptr == NULL ||
	    (strncmp(url.ptr, "http://", 7) != 0 && strncmp(url.ptr, "https://", 8) != 0)) {
		lb_kit_skip(kit, "create_signed_url returned a non-HTTP URL");
		goto done;
	}
	if ((curl = curl_easy_init()) == NULL || (sink.md = EVP_MD_CTX_new()) == NULL) {
		lb_kit_fail(kit, NULL, NULL, NULL, "kit: out of memory");
		goto done;
	}
	EVP_DigestInit_ex(sink.md, EVP_sha256(), NULL);
	curl_easy_setopt(curl, CURLOPT_URL, url.ptr);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (kit->opts->call_timeout_ms > 0)
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) kit->opts->call_timeout_ms);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	EVP_DigestFinal_ex(sink.md, md, &mdlen);
	for (i = 0; i < mdlen && i < 32; i++)
		sprintf(got_hex + 2 * i, "%02x", md[i]);
	got_hex[2 * i] = '\0';
	lb_kit_fmt(cd, sizeof(cd), "HTTP GET %s", url.ptr);
	lb_kit_fmt(exp, sizeof(exp), "HTTP 200, %d bytes, sha256 %s", SMALL_SIZE, hex);
	if (cc != CURLE_OK)
		lb_kit_fail(kit, cd, exp, curl_easy_strerror(cc),
		            "the signed URL could not be fetched");
	else if (status != 200 || sink.bytes != SMALL_SIZE || strcmp(got_hex, hex) != 0)
		lb_kit_fail(kit, cd, exp,
		            lb_kit_fmt(got, sizeof(got), "HTTP %ld, %lld bytes, sha256 %s", status,
		                       (long long) sink.bytes, got_hex),
		            "the signed URL did not return the object");
done:
	if (curl != NULL)
		curl_easy_cleanup(curl);
	EVP_MD_CTX_free(sink.md);
	lb_buf_dispose(&url);
}

struct worker {
	pthread_t thread;
	lb_kit kit; /* a private copy: its own call and failure record */
	int index;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	lb_kit *kit = &w->kit;
	char rel[64], key[1024];
	lb_kit_body body = {65536 + w->index, 100 + (uint64_t) w->index, NULL};

	lb_kit_fmt(rel, sizeof(rel), "concurrent/%d", w->index);
	K(kit, key, sizeof(key), rel);
	if (round_trip(kit, rel, &body, w->index % 2) == 0 && exists_check(kit, key, 1) == 0 &&
	    delete_check(kit, key, "0") == 0)
		exists_check(kit, key, 0);
	return NULL;
}

static void
t_concurrent(lb_kit *kit)
{
	int n = kit->opts->threads > 0 ? kit->opts->threads : LB_KIT_DEFAULT_THREADS;
	struct worker *w = calloc((size_t) n, sizeof(*w));
	int i, started = 0;

	if (w == NULL)
		abort();
	for (i = 0; i < n; i++) {
		w[i].kit = *kit;
		w[i].index = i;
		w[i].kit.failed = 0;
		if ((w[i].kit.call = lb_kit_call_new(kit)) == NULL ||
		    pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
			lb_call_free(w[i].kit.call);
			lb_kit_fail(kit, NULL, NULL, NULL, "kit: cannot start thread %d", i);
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		lb_call_free(w[i].kit.call);
		if (w[i].kit.failed && !kit->failed) {
			kit->diag = w[i].kit.diag;
			kit->failed = 1;
			lb_kit_fmt(kit->diag.message, sizeof(kit->diag.message),
			           "thread %d of %d: %s", i, n, w[i].kit.diag.message);
		}
	}
	free(w);
}

static void
t_cleanup(lb_kit *kit)
{
	lb_strlist keys = LB_STRLIST_INIT;
	lb_call *call = lb_kit_call(kit);
	char cd[1280];
	size_t i;
	int error;

	call_desc(cd, sizeof(cd), "list_objects", kit, kit->run_prefix, NULL);
	error = H(kit)->m->list_objects(H(kit)->self, call, kit->bucket, kit->run_prefix, &keys);
	if (error < 0) {
		lb_kit_fail_code(kit, cd, "0 and a list", error, call);
		goto done;
	}
	for (i = 0; i < keys.count; i++)
		if (delete_check(kit, keys.items[i], "0") < 0)
			goto done;
	list_check(kit, LIST_KEYS, "", NULL, 0);
done:
	lb_strlist_dispose(&keys);
}

int
lb_kit_object_store_suite(lb_kit *kit)
{
	char large_pipe[128], large_file[128], conc[128];
	int64_t mib = large_bytes(kit) / (1024 * 1024);
	int threads = kit->opts->threads > 0 ? kit->opts->threads : LB_KIT_DEFAULT_THREADS;
	const lb_kit_case cases[] = {
	    {"init accepts the configuration under test", lb_kit_t_init, 0},
	    {"init rejects an unknown config key with LB_EINVAL and a message naming it",
	     t_init_unknown_key, 0},
	    {"init with no config, or with any configured key emptied, fails cleanly or succeeds",
	     t_init_empty_values, 0},
	    {"put/get round trip: empty object", t_empty, 1},
	    {"put/get round trip: small objects from a regular file (known size)", t_small_file, 1},
	    {"put/get round trip: small object through a pipe (size -1)", t_small_pipe, 1},
	    {lb_kit_fmt(
	         large_pipe, sizeof(large_pipe),
	         "put/get round trip: %lld MiB streamed through a pipe (size -1), sha256 checked",
	         (long long) mib),
	     t_large_pipe, 1},
	    {lb_kit_fmt(large_file, sizeof(large_file),
	                "put/get round trip: %lld MiB regular file (known size), sha256 checked",
	                (long long) (mib < FILE_MAX_MIB ? mib : FILE_MAX_MIB)),
	     t_large_file, 1},
	    {"object_exists: 1 for a stored key, 0 for a missing one", t_exists, 1},
	    {"put_object replaces an existing object", t_overwrite, 1},
	    {"get_object of a missing key returns LB_ENOTFOUND with a message", t_get_missing, 1},
	    {"listing fixture stored (nested keys, spaces, unicode)", t_list_fixture, 1},
	    {"list_objects returns every key under a prefix, recursively, as full keys",
	     t_list_objects, 1},
	    {"list_objects matches the prefix as a string, not as a directory",
	     t_list_objects_string_prefix, 1},
	    {"list_objects of a prefix with no keys returns an empty list", t_list_objects_empty,
	     1},
	    {"list_common_prefixes returns full prefixes including the delimiter",
	     t_common_prefixes, 1},
	    {"list_common_prefixes on nested prefixes and at the top of the run",
	     t_common_prefixes_nested, 1},
	    {"list_common_prefixes does not return keys at the prefix level",
	     t_common_prefixes_leaf, 1},
	    {"a key with spaces and unicode round-trips byte for byte", t_unicode, 1},
	    {"delete_object removes the object (exists 0, get LB_ENOTFOUND)", t_delete, 1},
	    {"delete_object of a missing key succeeds", t_delete_missing, 1},
	    {"create_signed_url gives a URL that a plain HTTP GET fetches", t_signed_url, 1},
	    {lb_kit_fmt(conc, sizeof(conc),
	                "%d threads put/exists/get/delete distinct keys concurrently", threads),
	     t_concurrent, 1},
	    {"cleanup: every key under the run prefix deleted, none left", t_cleanup, 1},
	};

	return lb_kit_run(kit, cases, sizeof(cases) / sizeof(cases[0]));
}
