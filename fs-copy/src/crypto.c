/* restic's authenticated encryption: AES-256-CTR, then Poly1305-AES over the ciphertext
 * with the IV as nonce: out = IV(16) || ciphertext || MAC(16). The Poly1305 key is r || s with
 * s = AES-128_k(IV). KDF: scrypt. IDs: SHA-256. */
#include "fc_internal.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static EVP_MAC *fc_poly;
static const EVP_CIPHER *fc_ctr, *fc_ecb;
static const EVP_MD *fc_sha;
static pthread_once_t fc_once = PTHREAD_ONCE_INIT;

static void
crypto_init(void)
{
	fc_poly = EVP_MAC_fetch(NULL, "POLY1305", NULL);
	fc_ctr = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL);
	fc_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	fc_sha = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void
lb_fscopy__sha256(const void *data, size_t len, uint8_t out[FC_ID_LEN])
{
	unsigned int n = FC_ID_LEN;

	pthread_once(&fc_once, crypto_init);
	EVP_Digest(data, len, out, &n, fc_sha, NULL);
}

int
lb_fscopy__random(void *out, size_t len)
{
	if (RAND_bytes(out, (int) len) != 1)
		return lb_fscopy__err(LB_EIO, "the OpenSSL random generator failed");
	return 0;
}

void
lb_fscopy__key_random(fc_key *k)
{
	static const uint8_t mask[16] = {0xff, 0xff, 0xff, 0x0f, 0xfc, 0xff, 0xff, 0x0f,
	                                 0xfc, 0xff, 0xff, 0x0f, 0xfc, 0xff, 0xff, 0x0f};
	int i;

	lb_fscopy__random(k, sizeof(*k));
	for (i = 0; i < 16; i++)
		k->mac_r[i] &= mask[i];
}

static int
poly1305_aes(const fc_key *k, const uint8_t iv[FC_IV_LEN], const uint8_t *msg, size_t len,
             uint8_t tag[FC_MAC_LEN])
{
	uint8_t key[32];
	EVP_CIPHER_CTX *c = NULL;
	EVP_MAC_CTX *m = NULL;
	int outl = 0, rc = LB_EIO;
	size_t tl = 0;

	c = EVP_CIPHER_CTX_new();
	if (!c || !EVP_EncryptInit_ex2(c, fc_ecb, k->mac_k, NULL, NULL))
		goto done;
	EVP_CIPHER_CTX_set_padding(c, 0);
	if (!EVP_EncryptUpdate(c, key + 16, &outl, iv, 16))
		goto done;
	memcpy(key, k->mac_r, 16);
	m = EVP_MAC_CTX_new(fc_poly);
	if (!m || !EVP_MAC_init(m, key, 32, NULL) || !EVP_MAC_update(m, msg, len) ||
	    !EVP_MAC_final(m, tag, &tl, FC_MAC_LEN))
		goto done;
	rc = 0;
done:
	EVP_MAC_CTX_free(m);
	EVP_CIPHER_CTX_free(c);
	if (rc < 0)
		lb_fscopy__err(rc, "Poly1305-AES failed in OpenSSL");
	return rc;
}

static int
aes_ctr(const fc_key *k, const uint8_t iv[FC_IV_LEN], const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int rc = LB_EIO, outl;
	size_t done = 0;

	if (!c || !EVP_EncryptInit_ex2(c, fc_ctr, k->enc, iv, NULL))
		goto done;
	while (done < len) {
		size_t n = len - done > (1u << 30) ? (1u << 30) : len - done;
		if (!EVP_EncryptUpdate(c, out + done, &outl, in + done, (int) n))
			goto done;
		done += n;
	}
	rc = 0;
done:
	EVP_CIPHER_CTX_free(c);
	if (rc < 0)
		lb_fscopy__err(rc, "AES-256-CTR failed in OpenSSL");
	return rc;
}

int
lb_fscopy__seal(const fc_key *k, const void *plain, size_t len, uint8_t *out)
{
	int rc;

	pthread_once(&fc_once, crypto_init);
	rc = lb_fscopy__random(out, FC_IV_LEN);
	if (rc < 0)
		return rc;
	rc = aes_ctr(k, out, plain, len, out + FC_IV_LEN);
	if (rc < 0)
		return rc;
	return poly1305_aes(k, out, out + FC_IV_LEN, len, out + FC_IV_LEN + len);
}

int
lb_fscopy__open(const fc_key *k, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t tag[FC_MAC_LEN];
	size_t n;
	int rc;

	pthread_once(&fc_once, crypto_init);
	if (len < FC_CRYPTO_OVERHEAD)
		return lb_fscopy__err(LB_ECORRUPT, "ciphertext of %zu bytes is too short", len);
	n = len - FC_CRYPTO_OVERHEAD;
	rc = poly1305_aes(k, in, in + FC_IV_LEN, n, tag);
	if (rc < 0)
		return rc;
	if (CRYPTO_memcmp(tag, in + FC_IV_LEN + n, FC_MAC_LEN) != 0)
		return lb_fscopy__err(LB_ECORRUPT, "ciphertext verification failed (wrong key or "
		                                   "corrupted data)");
	return aes_ctr(k, in, in + FC_IV_LEN, n, out);
}

int
lb_fscopy__scrypt(const char *pw, const uint8_t *salt, size_t salt_len, uint64_t n, uint64_t r,
                  uint64_t p, fc_key *out)
{
	uint8_t key[64];
	uint64_t maxmem = 128 * r * n * 2 + (64u << 20);

	if (!EVP_PBE_scrypt(pw, strlen(pw), salt, salt_len, n, r, p, maxmem, key, sizeof(key)))
		return lb_fscopy__err(LB_EINVAL, "scrypt with N=%llu r=%llu p=%llu failed",
		                      (unsigned long long) n, (unsigned long long) r,
		                      (unsigned long long) p);
	memcpy(out->enc, key, 32);
	memcpy(out->mac_k, key + 32, 16);
	memcpy(out->mac_r, key + 48, 16);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

void
lb_fscopy__hex(const uint8_t *id, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[2 * n] = 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
lb_fscopy__unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (!s || strlen(s) != 2 * n)
		return lb_fscopy__err(LB_ECORRUPT, "'%s' is not a %zu-byte hex ID", s ? s : "",
		                      n);
	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return lb_fscopy__err(LB_ECORRUPT, "'%s' is not a hex ID", s);
		out[i] = (uint8_t) (hi << 4 | lo);
	}
	return 0;
}

int
lb_fscopy__b64_enc(const uint8_t *in, size_t n, char **out)
{
	char *s = malloc(4 * ((n + 2) / 3) + 1);

	if (!s)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	EVP_EncodeBlock((unsigned char *) s, in, (int) n);
	*out = s;
	return 0;
}

int
lb_fscopy__b64_dec(const char *in, uint8_t **out, size_t *out_len)
{
	size_t n = strlen(in), pad = 0;
	uint8_t *p;
	int m;

	if (n % 4)
		return lb_fscopy__err(LB_ECORRUPT, "invalid base64 (length %zu)", n);
	p = malloc(n / 4 * 3 + 1);
	if (!p)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	m = EVP_DecodeBlock(p, (const unsigned char *) in, (int) n);
	if (m < 0) {
		free(p);
		return lb_fscopy__err(LB_ECORRUPT, "invalid base64");
	}
	if (n && in[n - 1] == '=')
		pad++;
	if (n > 1 && in[n - 2] == '=')
		pad++;
	*out = p;
	*out_len = (size_t) m - pad;
	return 0;
}
