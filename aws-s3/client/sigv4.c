/*
 * AWS Signature Version 4 for S3: canonical request, string to sign, signing key, the
 * Authorization header and query-string presigning. Pure functions over strings; the test
 * vectors of the AWS documentation are in tests/unit/s3/test_sigv4.c.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include "s3_internal.h"

typedef struct sbuf {
	char *p;
	size_t n, cap;
	int oom;
} sbuf;

static void
sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
sb_str(sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static char *
sb_take(sbuf *b)
{
	if (b->oom) {
		free(b->p);
		return NULL;
	}
	if (b->p == NULL)
		return strdup("");
	return b->p;
}

void
lb_s3_sha256_hex(const void *data, size_t len, char hex_out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	lb_psup_hex(md, sizeof(md), hex_out);
}

void
lb_s3_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[32])
{
	unsigned int olen = 32;
	HMAC(EVP_sha256(), key, (int) klen, msg, mlen, out, &olen);
}

typedef struct enc_pair {
	char *k;
	char *v;
} enc_pair;

static int
cmp_pair(const void *a, const void *b)
{
	const enc_pair *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

char *
lb_s3_canonical_query(const lb_s3_kvp *q, size_t n)
{
	sbuf b = {0};
	enc_pair *e = calloc(n ? n : 1, sizeof(*e));
	char *out = NULL;
	if (e == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		e[i].k = lb_psup_pct_encode(q[i].k, 0);
		e[i].v = lb_psup_pct_encode(q[i].v ? q[i].v : "", 0);
		if (e[i].k == NULL || e[i].v == NULL)
			goto done;
	}
	qsort(e, n, sizeof(*e), cmp_pair);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_str(&b, "&");
		sb_str(&b, e[i].k);
		sb_str(&b, "=");
		sb_str(&b, e[i].v);
	}
	out = sb_take(&b);
	b.p = NULL;
done:
	for (size_t i = 0; i < n; i++) {
		free(e[i].k);
		free(e[i].v);
	}
	free(e);
	free(b.p);
	return out;
}

typedef struct canon_hdr {
	char *name;
	char *value;
} canon_hdr;

static int
cmp_hdr(const void *a, const void *b)
{
	return strcmp(((const canon_hdr *) a)->name, ((const canon_hdr *) b)->name);
}

/* Lowercase name; value trimmed with inner runs of spaces folded to one. */
static int
canon_headers(const lb_s3_kvp *h, size_t n, canon_hdr *out)
{
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(h[i].k), vl = strlen(h[i].v);
		out[i].name = malloc(nl + 1);
		out[i].value = malloc(vl + 1);
		if (out[i].name == NULL || out[i].value == NULL)
			return LB_ENOMEM;
		for (size_t j = 0; j <= nl; j++)
			out[i].name[j] = (char) tolower((unsigned char) h[i].k[j]);
		const char *s = h[i].v;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t o = 0;
		int sp = 0;
		for (; *s; s++) {
			if (*s == ' ' || *s == '\t') {
				sp = 1;
				continue;
			}
			if (sp && o > 0)
				out[i].value[o++] = ' ';
			sp = 0;
			out[i].value[o++] = *s;
		}
		out[i].value[o] = '\0';
	}
	qsort(out, n, sizeof(*out), cmp_hdr);
	return 0;
}

char *
lb_s3_canonical_request(const lb_s3_sign_input *in, char **signed_headers_out)
{
	sbuf b = {0}, sh = {0};
	canon_hdr *hd = calloc(in->nheaders ? in->nheaders : 1, sizeof(*hd));
	char *q = NULL, *out = NULL;
	if (hd == NULL)
		return NULL;
	if (canon_headers(in->headers, in->nheaders, hd) < 0)
		goto done;
	if ((q = lb_s3_canonical_query(in->query, in->nquery)) == NULL)
		goto done;
	sb_str(&b, in->method);
	sb_str(&b, "\n");
	sb_str(&b, in->canonical_uri);
	sb_str(&b, "\n");
	sb_str(&b, q);
	sb_str(&b, "\n");
	for (size_t i = 0; i < in->nheaders; i++) {
		sb_str(&b, hd[i].name);
		sb_str(&b, ":");
		sb_str(&b, hd[i].value);
		sb_str(&b, "\n");
		if (i)
			sb_str(&sh, ";");
		sb_str(&sh, hd[i].name);
	}
	sb_str(&b, "\n");
	sb_str(&b, sh.p ? sh.p : "");
	sb_str(&b, "\n");
	sb_str(&b, in->payload_hash);
	if (b.oom || sh.oom)
		goto done;
	out = b.p;
	b.p = NULL;
	if (signed_headers_out) {
		*signed_headers_out = sh.p ? sh.p : strdup("");
		sh.p = NULL;
	}
done:
	for (size_t i = 0; i < in->nheaders; i++) {
		free(hd[i].name);
		free(hd[i].value);
	}
	free(hd);
	free(q);
	free(b.p);
	free(sh.p);
	return out;
}

int
lb_s3_sign(const lb_s3_sign_input *in, char sig_out[65], char **signed_headers_out)
{
	char *creq = lb_s3_canonical_request(in, signed_headers_out);
	char chash[65], date[9], scope[200];
	unsigned char k[32], tmp[32];
	sbuf sts = {0};
	size_t slen = strlen(in->secret_key);
	char *kk;
	if (creq == NULL)
		return LB_ENOMEM;
	lb_s3_sha256_hex(creq, strlen(creq), chash);
	free(creq);
	memcpy(date, in->amz_date, 8);
	date[8] = '\0';
	snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date, in->region, in->service);
	sb_str(&sts, "AWS4-HMAC-SHA256\n");
	sb_str(&sts, in->amz_date);
	sb_str(&sts, "\n");
	sb_str(&sts, scope);
	sb_str(&sts, "\n");
	sb_str(&sts, chash);
	if (sts.oom || (kk = malloc(slen + 5)) == NULL) {
		free(sts.p);
		if (signed_headers_out) {
			free(*signed_headers_out);
			*signed_headers_out = NULL;
		}
		return LB_ENOMEM;
	}
	memcpy(kk, "AWS4", 4);
	memcpy(kk + 4, in->secret_key, slen);
	lb_s3_hmac_sha256(kk, slen + 4, date, 8, k);
	memset(kk, 0, slen + 4);
	free(kk);
	lb_s3_hmac_sha256(k, 32, in->region, strlen(in->region), tmp);
	lb_s3_hmac_sha256(tmp, 32, in->service, strlen(in->service), k);
	lb_s3_hmac_sha256(k, 32, "aws4_request", 12, tmp);
	lb_s3_hmac_sha256(tmp, 32, sts.p, sts.n, k);
	lb_psup_hex(k, 32, sig_out);
	memset(tmp, 0, sizeof(tmp));
	free(sts.p);
	return 0;
}

char *
lb_s3_authorization(const lb_s3_sign_input *in)
{
	char sig[65], *sh = NULL, *out = NULL;
	size_t n;
	if (lb_s3_sign(in, sig, &sh) < 0)
		return NULL;
	n = strlen(in->access_key) + strlen(sh) + strlen(in->region) + strlen(in->service) + 200;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n,
		         "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
		         "SignedHeaders=%s, Signature=%s",
		         in->access_key, in->amz_date, in->region, in->service, sh, sig);
	free(sh);
	return out;
}

char *
lb_s3_presign_query(const lb_s3_sign_input *in, int64_t expires_s, const char *token)
{
	lb_s3_kvp q[16];
	size_t n = 0;
	char cred[512], exp[32], sig[65];
	lb_s3_sign_input s = *in;
	char *sh = NULL, *cq = NULL, *out = NULL;
	size_t len;
	if (in->nquery > 8)
		return NULL;
	for (size_t i = 0; i < in->nquery; i++)
		q[n++] = in->query[i];
	snprintf(cred, sizeof(cred), "%s/%.8s/%s/%s/aws4_request", in->access_key, in->amz_date,
	         in->region, in->service);
	snprintf(exp, sizeof(exp), "%" PRId64, expires_s);
	/* the signed-header list is known before signing: canonical_request recomputes it */
	canon_hdr *hd = calloc(in->nheaders ? in->nheaders : 1, sizeof(*hd));
	sbuf shb = {0};
	if (hd == NULL)
		return NULL;
	if (canon_headers(in->headers, in->nheaders, hd) == 0) {
		for (size_t i = 0; i < in->nheaders; i++) {
			if (i)
				sb_str(&shb, ";");
			sb_str(&shb, hd[i].name);
		}
	}
	for (size_t i = 0; i < in->nheaders; i++) {
		free(hd[i].name);
		free(hd[i].value);
	}
	free(hd);
	if (shb.oom || shb.p == NULL) {
		free(shb.p);
		return NULL;
	}
	q[n++] = (lb_s3_kvp){"X-Amz-Algorithm", "AWS4-HMAC-SHA256"};
	q[n++] = (lb_s3_kvp){"X-Amz-Credential", cred};
	q[n++] = (lb_s3_kvp){"X-Amz-Date", in->amz_date};
	q[n++] = (lb_s3_kvp){"X-Amz-Expires", exp};
	if (token && *token)
		q[n++] = (lb_s3_kvp){"X-Amz-Security-Token", token};
	q[n++] = (lb_s3_kvp){"X-Amz-SignedHeaders", shb.p};
	s.query = q;
	s.nquery = n;
	s.payload_hash = "UNSIGNED-PAYLOAD";
	if (lb_s3_sign(&s, sig, &sh) < 0)
		goto done;
	if ((cq = lb_s3_canonical_query(q, n)) == NULL)
		goto done;
	len = strlen(cq) + 100;
	if ((out = malloc(len)) != NULL)
		snprintf(out, len, "%s&X-Amz-Signature=%s", cq, sig);
done:
	free(sh);
	free(cq);
	free(shb.p);
	return out;
}
