/* Repository: init (config + first key), open (try every key), unpacked files. */
#include "fc_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pwd.h>

/* A fixed irreducible degree-53 polynomial (restic's chunker test polynomial). fs-copy does
 * not use Rabin chunking; restic uses this value when it backs up into the repository. */
#define FC_DEFAULT_POL 0x3DA3358B4DC173ULL

int lb_fscopy__key_write(lb_fscopy_repo *r, const char *password, const lb_fscopy_kdf *kdf,
                         char id_out[65]);
int lb_fscopy__key_try_all(lb_fscopy_repo *r, const char *password);

static int
load_config(lb_fscopy_repo *r)
{
	fc_buf enc = {0};
	uint8_t *plain = NULL;
	cJSON *j = NULL, *v, *id, *pol;
	int rc;

	rc = lb_fscopy__be_get_buf(r->be, "config", &enc);
	if (rc < 0)
		goto done;
	plain = malloc(enc.len + 1);
	if (!plain) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	rc = lb_fscopy__open(&r->master, enc.data, enc.len, plain);
	if (rc < 0) {
		rc = lb_fscopy__err(LB_ECORRUPT, "the repository config cannot be decrypted with "
		                                 "the master key: %s",
		                    lb_fscopy_errmsg());
		goto done;
	}
	plain[enc.len - FC_CRYPTO_OVERHEAD] = 0;
	j = cJSON_ParseWithLength((char *) plain, enc.len - FC_CRYPTO_OVERHEAD);
	v = cJSON_GetObjectItem(j, "version");
	id = cJSON_GetObjectItem(j, "id");
	pol = cJSON_GetObjectItem(j, "chunker_polynomial");
	if (!j || !cJSON_IsNumber(v) || !cJSON_IsString(id) || !cJSON_IsString(pol)) {
		rc = lb_fscopy__err(LB_ECORRUPT, "the repository config is not valid JSON with "
		                                 "version, id and chunker_polynomial");
		goto done;
	}
	r->version = v->valueint;
	if (r->version != 1 && r->version != 2) {
		rc = lb_fscopy__err(LB_EVERSION, "repository format version %d is not supported "
		                                 "(fs-copy reads versions 1 and 2)",
		                    r->version);
		goto done;
	}
	snprintf(r->id, sizeof(r->id), "%s", id->valuestring);
	r->chunker_pol = strtoull(pol->valuestring, NULL, 16);
	rc = 0;
done:
	cJSON_Delete(j);
	free(plain);
	lb_fscopy__buf_free(&enc);
	return rc;
}

static lb_fscopy_repo *
repo_new(fc_backend *be)
{
	lb_fscopy_repo *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->be = be;
	/* zstd 2: 11% less backup CPU than 3 for a repository 0.7% larger on the benchmark's mix
	 * (1,401.6 vs 1,387.3 MiB; restic auto: 1,392 MiB); level 1 would be 2.3% larger */
	r->zstd_level = 2;
	r->compress = 1;
	r->index = lb_fscopy__index_new();
	if (!r->index) {
		free(r);
		return NULL;
	}
	return r;
}

int
lb_fscopy_init(lb_fscopy_backend *be, const char *password, const lb_fscopy_kdf *kdf,
               lb_fscopy_repo **out)
{
	lb_fscopy_repo *r = NULL;
	uint8_t rid[32];
	char key_id[65];
	fc_buf js = {0};
	uint8_t *enc = NULL;
	int rc, exists = 0;

	if (!password || !*password)
		return lb_fscopy__err(LB_EINVAL, "a repository password is required");
	rc = be->exists(be, "config", &exists);
	if (rc < 0)
		return rc;
	if (exists)
		return lb_fscopy__err(LB_EEXISTS, "a repository already exists there (config "
		                                  "file present)");
	r = repo_new(be);
	if (!r)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	lb_fscopy__key_random(&r->master);
	lb_fscopy__random(rid, sizeof(rid));
	lb_fscopy__hex(rid, 32, r->id);
	r->version = 2;
	r->chunker_pol = FC_DEFAULT_POL;
	rc = lb_fscopy__buf_printf(&js, "{\"version\":2,\"id\":\"%s\",\"chunker_polynomial\":\"%llx\"}",
	                           r->id, (unsigned long long) r->chunker_pol);
	if (rc < 0)
		goto done;
	enc = malloc(js.len + FC_CRYPTO_OVERHEAD);
	if (!enc) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	rc = lb_fscopy__seal(&r->master, js.data, js.len, enc);
	if (rc < 0)
		goto done;
	rc = lb_fscopy__key_write(r, password, kdf, key_id);
	if (rc < 0)
		goto done;
	snprintf(r->key_name, sizeof(r->key_name), "%s", key_id);
	rc = lb_fscopy__be_put_buf(be, "config", enc, js.len + FC_CRYPTO_OVERHEAD);
	if (rc < 0)
		goto done;
	*out = r;
	r = NULL;
done:
	free(enc);
	lb_fscopy__buf_free(&js);
	if (r)
		lb_fscopy_close(r);
	return rc;
}

int
lb_fscopy_open(lb_fscopy_backend *be, const char *password, lb_fscopy_repo **out)
{
	lb_fscopy_repo *r;
	int rc, exists = 0;

	if (!password || !*password)
		return lb_fscopy__err(LB_EINVAL, "a repository password is required");
	rc = be->exists(be, "config", &exists);
	if (rc < 0)
		return rc;
	if (!exists)
		return lb_fscopy__err(LB_ENOTFOUND, "no repository there (no config file); "
		                                    "create one with `fs-copy init`");
	r = repo_new(be);
	if (!r)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	rc = lb_fscopy__key_try_all(r, password);
	if (rc < 0)
		goto done;
	rc = load_config(r);
	if (rc < 0)
		goto done;
	*out = r;
	r = NULL;
done:
	if (r)
		lb_fscopy_close(r);
	return rc;
}

void
lb_fscopy_close(lb_fscopy_repo *r)
{
	if (!r)
		return;
	lb_fscopy__index_free(r->index);
	lb_fscopy__pcache_free(r->pcache);
	memset(&r->master, 0, sizeof(r->master));
	free(r);
}

const char *
lb_fscopy_repo_id(lb_fscopy_repo *r)
{
	return r->id;
}

void
lb_fscopy_set_progress(lb_fscopy_repo *r, lb_fscopy_progress_fn fn, void *ctx)
{
	r->progress = fn;
	r->progress_ctx = ctx;
}

void
lb_fscopy_set_compression(lb_fscopy_repo *r, int on, int zstd_level)
{
	r->compress = on;
	if (zstd_level)
		r->zstd_level = zstd_level;
}

int
lb_fscopy__save_unpacked(lb_fscopy_repo *r, const char *dir, const void *plain, size_t len,
                         char id_hex_out[65])
{
	fc_buf body = {0};
	uint8_t *enc = NULL, id[32];
	char key[128];
	int rc;

	if (r->version >= 2) {
		uint8_t v = 2;
		rc = lb_fscopy__buf_put(&body, &v, 1);
		if (rc == 0)
			rc = lb_fscopy__zstd_compress(plain, len, &body, r->zstd_level);
	} else {
		rc = lb_fscopy__buf_put(&body, plain, len);
	}
	if (rc < 0)
		goto done;
	enc = malloc(body.len + FC_CRYPTO_OVERHEAD);
	if (!enc) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	rc = lb_fscopy__seal(&r->master, body.data, body.len, enc);
	if (rc < 0)
		goto done;
	lb_fscopy__sha256(enc, body.len + FC_CRYPTO_OVERHEAD, id);
	lb_fscopy__hex(id, 32, id_hex_out);
	snprintf(key, sizeof(key), "%s/%s", dir, id_hex_out);
	rc = lb_fscopy__be_put_buf(r->be, key, enc, body.len + FC_CRYPTO_OVERHEAD);
done:
	free(enc);
	lb_fscopy__buf_free(&body);
	return rc;
}

int
lb_fscopy__load_unpacked(lb_fscopy_repo *r, const char *key, fc_buf *plain_out)
{
	fc_buf enc = {0}, plain = {0};
	uint8_t id[32];
	char hex[65];
	const char *base;
	size_t n;
	int rc;

	rc = lb_fscopy__be_get_buf(r->be, key, &enc);
	if (rc < 0)
		goto done;
	base = strrchr(key, '/');
	base = base ? base + 1 : key;
	lb_fscopy__sha256(enc.data, enc.len, id);
	lb_fscopy__hex(id, 32, hex);
	if (strlen(base) == 64 && strcmp(base, hex) != 0) {
		rc = lb_fscopy__err(LB_ECORRUPT, "%s is corrupt: its content hashes to %.16s...",
		                    key, hex);
		goto done;
	}
	if (enc.len < FC_CRYPTO_OVERHEAD) {
		rc = lb_fscopy__err(LB_ECORRUPT, "%s is truncated (%zu bytes)", key, enc.len);
		goto done;
	}
	n = enc.len - FC_CRYPTO_OVERHEAD;
	rc = lb_fscopy__buf_reserve(&plain, n + 1);
	if (rc < 0)
		goto done;
	rc = lb_fscopy__open(&r->master, enc.data, enc.len, plain.data);
	if (rc < 0) {
		rc = lb_fscopy__err(rc, "%s: %s", key, lb_fscopy_errmsg());
		goto done;
	}
	plain.len = n;
	if (r->version >= 2 && n > 0 && plain.data[0] == 2) {
		rc = lb_fscopy__zstd_decompress(plain.data + 1, n - 1, plain_out, 0);
		if (rc < 0)
			rc = lb_fscopy__err(rc, "%s: %s", key, lb_fscopy_errmsg());
	} else if (n == 0 || plain.data[0] == '{' || plain.data[0] == '[') {
		rc = lb_fscopy__buf_put(plain_out, plain.data, n);
	} else {
		rc = lb_fscopy__err(LB_ECORRUPT, "%s: unknown encoding byte %u", key,
		                    plain.data[0]);
	}
done:
	lb_fscopy__buf_free(&plain);
	lb_fscopy__buf_free(&enc);
	return rc;
}

int
lb_fscopy__check_cancel(lb_fscopy_repo *r)
{
	if (r->cancelled && r->cancelled(r->cancel_ctx))
		return lb_fscopy__err(LB_ECANCELED, "canceled");
	return 0;
}
