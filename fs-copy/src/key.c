/* Key files: keys/<id> hold the master key encrypted with a scrypt-derived user key. */
#include "fc_internal.h"

#include <cjson/cJSON.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int lb_fscopy__key_write(lb_fscopy_repo *r, const char *password, const lb_fscopy_kdf *kdf,
                         char id_out[65]);
int lb_fscopy__key_try_all(lb_fscopy_repo *r, const char *password);

int
lb_fscopy__key_write(lb_fscopy_repo *r, const char *password, const lb_fscopy_kdf *kdf,
                     char id_out[65])
{
	uint64_t n = kdf && kdf->n ? kdf->n : 32768, kr = kdf && kdf->r ? kdf->r : 8;
	uint64_t kp = kdf && kdf->p ? kdf->p : 1;
	uint8_t salt[64], enc[256], id[32];
	char *k_b64 = NULL, *r_b64 = NULL, *e_b64 = NULL, *salt_b64 = NULL, *data_b64 = NULL;
	char host[256] = "", created[64], key[100];
	struct passwd *pw = getpwuid(getuid());
	fc_buf mk = {0}, js = {0};
	fc_key user;
	int rc;

	if (!password || !*password)
		return lb_fscopy__err(LB_EINVAL, "a repository password is required");
	lb_fscopy__random(salt, sizeof(salt));
	rc = lb_fscopy__scrypt(password, salt, sizeof(salt), n, kr, kp, &user);
	if (rc < 0)
		return rc;
	if ((rc = lb_fscopy__b64_enc(r->master.mac_k, 16, &k_b64)) < 0 ||
	    (rc = lb_fscopy__b64_enc(r->master.mac_r, 16, &r_b64)) < 0 ||
	    (rc = lb_fscopy__b64_enc(r->master.enc, 32, &e_b64)) < 0)
		goto done;
	rc = lb_fscopy__buf_printf(&mk, "{\"mac\":{\"k\":\"%s\",\"r\":\"%s\"},\"encrypt\":\"%s\"}",
	                           k_b64, r_b64, e_b64);
	if (rc < 0 || mk.len + FC_CRYPTO_OVERHEAD > sizeof(enc))
		goto done;
	rc = lb_fscopy__seal(&user, mk.data, mk.len, enc);
	if (rc < 0)
		goto done;
	if ((rc = lb_fscopy__b64_enc(salt, sizeof(salt), &salt_b64)) < 0 ||
	    (rc = lb_fscopy__b64_enc(enc, mk.len + FC_CRYPTO_OVERHEAD, &data_b64)) < 0)
		goto done;
	gethostname(host, sizeof(host) - 1);
	lb_fscopy__time_fmt((int64_t) time(NULL) * 1000000000, created);
	rc = lb_fscopy__buf_puts(&js, "{\"created\":");
	rc = rc ? rc : lb_fscopy__buf_json_str(&js, created, strlen(created));
	rc = rc ? rc : lb_fscopy__buf_puts(&js, ",\"username\":");
	rc = rc ? rc
	        : lb_fscopy__buf_json_str(&js, pw ? pw->pw_name : "", pw ? strlen(pw->pw_name) : 0);
	rc = rc ? rc : lb_fscopy__buf_puts(&js, ",\"hostname\":");
	rc = rc ? rc : lb_fscopy__buf_json_str(&js, host, strlen(host));
	rc = rc ? rc
	        : lb_fscopy__buf_printf(&js,
	                                ",\"kdf\":\"scrypt\",\"N\":%llu,\"r\":%llu,\"p\":%llu,"
	                                "\"salt\":\"%s\",\"data\":\"%s\"}",
	                                (unsigned long long) n, (unsigned long long) kr,
	                                (unsigned long long) kp, salt_b64, data_b64);
	if (rc < 0)
		goto done;
	lb_fscopy__sha256(js.data, js.len, id);
	lb_fscopy__hex(id, 32, id_out);
	snprintf(key, sizeof(key), "keys/%s", id_out);
	rc = lb_fscopy__be_put_buf(r->be, key, js.data, js.len);
done:
	memset(&user, 0, sizeof(user));
	free(k_b64);
	free(r_b64);
	free(e_b64);
	free(salt_b64);
	free(data_b64);
	lb_fscopy__buf_free(&mk);
	lb_fscopy__buf_free(&js);
	return rc;
}

static int
b64_field(cJSON *j, const char *name, uint8_t *out, size_t want)
{
	cJSON *f = cJSON_GetObjectItem(j, name);
	uint8_t *p = NULL;
	size_t n = 0;
	int rc;

	if (!cJSON_IsString(f))
		return lb_fscopy__err(LB_ECORRUPT, "key field %s missing", name);
	rc = lb_fscopy__b64_dec(f->valuestring, &p, &n);
	if (rc < 0)
		return rc;
	if (n != want) {
		free(p);
		return lb_fscopy__err(LB_ECORRUPT, "key field %s has %zu bytes, want %zu", name, n,
		                      want);
	}
	memcpy(out, p, n);
	free(p);
	return 0;
}

/* 1: opened, 0: wrong password, <0: error */
static int
try_key(lb_fscopy_repo *r, const char *name, const char *password)
{
	char key[128];
	fc_buf js = {0};
	cJSON *j = NULL, *m = NULL, *f;
	uint8_t *salt = NULL, *data = NULL, *plain = NULL;
	size_t salt_len = 0, data_len = 0;
	fc_key user;
	int rc;

	snprintf(key, sizeof(key), "keys/%s", name);
	rc = lb_fscopy__be_get_buf(r->be, key, &js);
	if (rc < 0)
		goto done;
	j = cJSON_ParseWithLength((char *) js.data, js.len);
	f = cJSON_GetObjectItem(j, "kdf");
	if (!j || !cJSON_IsString(f) || strcmp(f->valuestring, "scrypt") != 0 ||
	    !cJSON_IsNumber(cJSON_GetObjectItem(j, "N")) ||
	    !cJSON_IsString(cJSON_GetObjectItem(j, "salt")) ||
	    !cJSON_IsString(cJSON_GetObjectItem(j, "data"))) {
		rc = lb_fscopy__err(LB_ECORRUPT, "%s is not a scrypt key file", key);
		goto done;
	}
	if ((rc = lb_fscopy__b64_dec(cJSON_GetObjectItem(j, "salt")->valuestring, &salt,
	                             &salt_len)) < 0 ||
	    (rc = lb_fscopy__b64_dec(cJSON_GetObjectItem(j, "data")->valuestring, &data,
	                             &data_len)) < 0)
		goto done;
	rc = lb_fscopy__scrypt(password, salt, salt_len,
	                       (uint64_t) cJSON_GetObjectItem(j, "N")->valuedouble,
	                       (uint64_t) cJSON_GetNumberValue(cJSON_GetObjectItem(j, "r")),
	                       (uint64_t) cJSON_GetNumberValue(cJSON_GetObjectItem(j, "p")), &user);
	if (rc < 0)
		goto done;
	if (data_len < FC_CRYPTO_OVERHEAD) {
		rc = lb_fscopy__err(LB_ECORRUPT, "%s: key data too short", key);
		goto done;
	}
	plain = calloc(1, data_len);
	if (!plain) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	if (lb_fscopy__open(&user, data, data_len, plain) < 0) {
		rc = 0; /* wrong password for this key */
		goto done;
	}
	m = cJSON_ParseWithLength((char *) plain, data_len - FC_CRYPTO_OVERHEAD);
	f = cJSON_GetObjectItem(m, "mac");
	if (!m || !f || (rc = b64_field(f, "k", r->master.mac_k, 16)) < 0 ||
	    (rc = b64_field(f, "r", r->master.mac_r, 16)) < 0 ||
	    (rc = b64_field(m, "encrypt", r->master.enc, 32)) < 0) {
		rc = lb_fscopy__err(LB_ECORRUPT, "%s: the decrypted master key is malformed", key);
		goto done;
	}
	snprintf(r->key_name, sizeof(r->key_name), "%s", name);
	rc = 1;
done:
	memset(&user, 0, sizeof(user));
	cJSON_Delete(j);
	cJSON_Delete(m);
	free(salt);
	free(data);
	free(plain);
	lb_fscopy__buf_free(&js);
	return rc;
}

typedef struct name_list {
	char **v;
	size_t n, cap;
} name_list;

static int
collect(void *ctx, const char *key)
{
	name_list *l = ctx;
	const char *base = strrchr(key, '/');

	base = base ? base + 1 : key;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return lb_fscopy__err(LB_ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(base);
	if (!l->v[l->n])
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	l->n++;
	return 0;
}

static void
names_free(name_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

int
lb_fscopy__key_try_all(lb_fscopy_repo *r, const char *password)
{
	name_list l = {0};
	size_t i;
	int rc;

	rc = r->be->list(r->be, "keys", collect, &l);
	if (rc < 0)
		goto done;
	if (l.n == 0) {
		rc = lb_fscopy__err(LB_ECORRUPT, "the repository has no key files (keys/ is empty)");
		goto done;
	}
	for (i = 0; i < l.n; i++) {
		rc = try_key(r, l.v[i], password);
		if (rc != 0)
			break;
	}
	if (rc == 0)
		rc = lb_fscopy__err(LB_EAUTH, "wrong password: none of the %zu key(s) in keys/ "
		                              "opens with it",
		                    l.n);
	else if (rc > 0)
		rc = 0;
done:
	names_free(&l);
	return rc;
}

int
lb_fscopy_key_add(lb_fscopy_repo *r, const char *new_password, const lb_fscopy_kdf *kdf,
                  char id_out[65])
{
	return lb_fscopy__key_write(r, new_password, kdf, id_out);
}

int
lb_fscopy_key_list(lb_fscopy_repo *r, void (*cb)(void *, const lb_fscopy_keyinfo *), void *ctx)
{
	name_list l = {0};
	size_t i;
	int rc;

	rc = r->be->list(r->be, "keys", collect, &l);
	for (i = 0; rc == 0 && i < l.n; i++) {
		char key[128];
		fc_buf js = {0};
		cJSON *j;
		lb_fscopy_keyinfo ki = {0};

		snprintf(key, sizeof(key), "keys/%s", l.v[i]);
		rc = lb_fscopy__be_get_buf(r->be, key, &js);
		if (rc < 0)
			break;
		j = cJSON_ParseWithLength((char *) js.data, js.len);
		ki.id = l.v[i];
		ki.current = strcmp(l.v[i], r->key_name) == 0;
		ki.username = cJSON_GetStringValue(cJSON_GetObjectItem(j, "username"));
		ki.hostname = cJSON_GetStringValue(cJSON_GetObjectItem(j, "hostname"));
		ki.created = cJSON_GetStringValue(cJSON_GetObjectItem(j, "created"));
		cb(ctx, &ki);
		cJSON_Delete(j);
		lb_fscopy__buf_free(&js);
	}
	names_free(&l);
	return rc;
}

int
lb_fscopy_key_remove(lb_fscopy_repo *r, const char *id_prefix)
{
	name_list l = {0};
	size_t i, hits = 0, at = 0;
	char key[128];
	int rc;

	rc = r->be->list(r->be, "keys", collect, &l);
	if (rc < 0)
		goto done;
	for (i = 0; i < l.n; i++) {
		if (strncmp(l.v[i], id_prefix, strlen(id_prefix)) == 0) {
			hits++;
			at = i;
		}
	}
	if (hits != 1) {
		rc = lb_fscopy__err(hits ? LB_EINVAL : LB_ENOTFOUND,
		                    hits ? "key ID prefix %s is ambiguous" : "no key %s", id_prefix);
		goto done;
	}
	if (strcmp(l.v[at], r->key_name) == 0) {
		rc = lb_fscopy__err(LB_EINVAL, "key %s is the one in use; open the repository with "
		                               "another key to remove it",
		                    l.v[at]);
		goto done;
	}
	snprintf(key, sizeof(key), "keys/%s", l.v[at]);
	rc = r->be->del(r->be, key);
done:
	names_free(&l);
	return rc;
}
