/*
 * ike/crypto.c: PRF, prf+, IKE and CHILD SA keys, and the SK payload's
 * protection (RFC 7296 2.13-2.17, 3.14; RFC 5282; RFC 7634), through
 * OpenSSL 3 EVP only.  Transform ids map to OpenSSL names in tables; key
 * material lives only in secbufs, and every scratch buffer that held some
 * is cleansed before it goes.  No state, no I/O.  Diffie-Hellman is in
 * ike/dh.c.
 */
#include <endian.h>
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "ike/crypto.h"
#include "lib/iana.h"

static const struct ike_prf_alg prfs[] = {
	{ IKE_PRF_HMAC_SHA1, "SHA1", 20 },
	{ IKE_PRF_HMAC_SHA2_256, "SHA256", 32 },
	{ IKE_PRF_HMAC_SHA2_384, "SHA384", 48 },
	{ IKE_PRF_HMAC_SHA2_512, "SHA512", 64 },
};

static const struct ike_integ_alg integs[] = {
	{ IKE_AUTH_HMAC_SHA1_96, "SHA1", 20, 12 },
	{ IKE_AUTH_HMAC_SHA2_256_128, "SHA256", 32, 16 },
	{ IKE_AUTH_HMAC_SHA2_384_192, "SHA384", 48, 24 },
	{ IKE_AUTH_HMAC_SHA2_512_256, "SHA512", 64, 32 },
};

static const struct ike_encr_alg encrs[] = {
	{ IKE_ENCR_AES_CBC, 128, "AES-128-CBC", false, 16, 0, 16, 16, 0 },
	{ IKE_ENCR_AES_CBC, 256, "AES-256-CBC", false, 32, 0, 16, 16, 0 },
	/* RFC 5282 4: key material is the key and a 4-byte salt. */
	{ IKE_ENCR_AES_GCM_16, 128, "AES-128-GCM", true, 20, 4, 8, 1, 16 },
	{ IKE_ENCR_AES_GCM_16, 256, "AES-256-GCM", true, 36, 4, 8, 1, 16 },
	/* RFC 7634 2: the same layout for ChaCha20-Poly1305. */
	{ IKE_ENCR_CHACHA20_POLY1305, 0, "ChaCha20-Poly1305", true, 36, 4, 8, 1,
	    16 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct ike_prf_alg *
ike_prf_alg(uint16_t id)
{
	for (size_t i = 0; i < NELEM(prfs); i++)
		if (prfs[i].id == id)
			return &prfs[i];
	return NULL;
}

const struct ike_integ_alg *
ike_integ_alg(uint16_t id)
{
	for (size_t i = 0; i < NELEM(integs); i++)
		if (integs[i].id == id)
			return &integs[i];
	return NULL;
}

const struct ike_encr_alg *
ike_encr_alg(uint16_t id, uint16_t key_bits)
{
	for (size_t i = 0; i < NELEM(encrs); i++)
		if (encrs[i].id == id &&
		    (encrs[i].key_bits == key_bits || encrs[i].key_bits == 0))
			return &encrs[i];
	return NULL;
}

/* HMAC over several parts: the shape of every PRF input in IKEv2. */
struct part {
	const uint8_t *p;
	size_t len;
};

static int
hmac(const char *digest, const uint8_t *key, size_t klen,
    const struct part *parts, size_t n, uint8_t *out, size_t outsize)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac;
	size_t outlen = 0;
	int rc = -EIO;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -EIO;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    !EVP_MAC_init(ctx, key, klen, params))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (parts[i].len > 0 &&
		    !EVP_MAC_update(ctx, parts[i].p, parts[i].len))
			goto out;
	if (EVP_MAC_final(ctx, out, &outlen, outsize))
		rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

int
ike_prf(const struct ike_prf_alg *alg, const uint8_t *key, size_t klen,
    const uint8_t *data, size_t dlen, uint8_t *out)
{
	struct part p = { data, dlen };

	return hmac(alg->digest, key, klen, &p, 1, out, alg->len);
}

int
ike_prf_plus(const struct ike_prf_alg *alg, const uint8_t *key, size_t klen,
    const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen)
{
	uint8_t t[IKE_PRF_MAX];
	size_t done = 0, tlen = 0;
	uint8_t n = 1;
	int rc = 0;

	/* RFC 7296 2.13: T(n) = prf(K, T(n-1) | S | n), n up to 255. */
	if (outlen > 255 * alg->len)
		return -EINVAL;
	while (done < outlen && rc == 0) {
		struct part parts[3] = { { t, tlen }, { seed, slen },
			{ &n, 1 } };
		size_t take;

		rc = hmac(alg->digest, key, klen, parts, 3, t, sizeof(t));
		tlen = alg->len;
		take = outlen - done < tlen ? outlen - done : tlen;
		memcpy(out + done, t, take);
		done += take;
		n++;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

void
ike_keys_free(struct ike_keys *k)
{
	secbuf_free(k->sk_d);
	secbuf_free(k->sk_ai);
	secbuf_free(k->sk_ar);
	secbuf_free(k->sk_ei);
	secbuf_free(k->sk_er);
	secbuf_free(k->sk_pi);
	secbuf_free(k->sk_pr);
	memset(k, 0, sizeof(*k));
}

/* Cuts SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr. */
static int
split_keys(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
    const struct ike_integ_alg *integ, const uint8_t *m, struct ike_keys *k)
{
	size_t a = integ ? integ->key_len : 0;
	const size_t sizes[7] = { prf->len, a, a, encr->key_len, encr->key_len,
		prf->len, prf->len };
	struct secbuf **dst[7] = { &k->sk_d, &k->sk_ai, &k->sk_ar, &k->sk_ei,
		&k->sk_er, &k->sk_pi, &k->sk_pr };

	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < 7; i++) {
		if (sizes[i] == 0)
			continue;
		if ((*dst[i] = secbuf_from(m, sizes[i])) == NULL) {
			ike_keys_free(k);
			return -ENOMEM;
		}
		m += sizes[i];
	}
	return 0;
}

/* {SK_*} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
static int
expand(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
    const struct ike_integ_alg *integ, const uint8_t *skeyseed,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    uint64_t spi_i, uint64_t spi_r, struct ike_keys *out)
{
	size_t a = integ ? integ->key_len : 0;
	size_t total = 3 * prf->len + 2 * a + 2 * encr->key_len;
	size_t slen = ni_len + nr_len + 16;
	struct secbuf *seed = secbuf_new(slen), *m = secbuf_new(total);
	uint64_t spis[2] = { htobe64(spi_i), htobe64(spi_r) };
	int rc = -ENOMEM;

	if (seed != NULL && m != NULL) {
		memcpy(seed->data, ni, ni_len);
		memcpy(seed->data + ni_len, nr, nr_len);
		memcpy(seed->data + ni_len + nr_len, spis, 16);
		rc = ike_prf_plus(prf, skeyseed, prf->len, seed->data, slen,
		    m->data, total);
		if (rc == 0)
			rc = split_keys(prf, encr, integ, m->data, out);
	}
	secbuf_free(seed);
	secbuf_free(m);
	return rc;
}

int
ike_keys_derive(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
    const struct ike_integ_alg *integ, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, const struct secbuf *g_ir, uint64_t spi_i,
    uint64_t spi_r, struct ike_keys *out)
{
	uint8_t skeyseed[IKE_PRF_MAX];
	struct secbuf *nonces = secbuf_new(ni_len + nr_len);
	int rc = -ENOMEM;

	/* RFC 7296 2.14: SKEYSEED = prf(Ni | Nr, g^ir) */
	if (nonces != NULL) {
		memcpy(nonces->data, ni, ni_len);
		memcpy(nonces->data + ni_len, nr, nr_len);
		rc = ike_prf(prf, nonces->data, nonces->len, g_ir->data,
		    g_ir->len, skeyseed);
	}
	if (rc == 0)
		rc = expand(prf, encr, integ, skeyseed, ni, ni_len, nr, nr_len,
		    spi_i, spi_r, out);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	secbuf_free(nonces);
	return rc;
}

int
ike_keys_rekey(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
    const struct ike_integ_alg *integ, const struct secbuf *old_sk_d,
    const struct secbuf *g_ir, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, uint64_t spi_i, uint64_t spi_r,
    struct ike_keys *out)
{
	uint8_t skeyseed[IKE_PRF_MAX];
	struct part parts[3] = { { g_ir->data, g_ir->len }, { ni, ni_len },
		{ nr, nr_len } };
	int rc;

	/* RFC 7296 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) */
	rc = hmac(prf->digest, old_sk_d->data, old_sk_d->len, parts, 3,
	    skeyseed, sizeof(skeyseed));
	if (rc == 0)
		rc = expand(prf, encr, integ, skeyseed, ni, ni_len, nr, nr_len,
		    spi_i, spi_r, out);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return rc;
}

struct secbuf *
ike_child_keymat(const struct ike_prf_alg *prf, const struct secbuf *sk_d,
    const struct secbuf *g_ir, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, size_t len)
{
	size_t glen = g_ir ? g_ir->len : 0;
	struct secbuf *seed = secbuf_new(glen + ni_len + nr_len);
	struct secbuf *out = secbuf_new(len);

	if (seed == NULL || out == NULL)
		goto fail;
	if (glen > 0)
		memcpy(seed->data, g_ir->data, glen);
	memcpy(seed->data + glen, ni, ni_len);
	memcpy(seed->data + glen + ni_len, nr, nr_len);
	if (ike_prf_plus(prf, sk_d->data, sk_d->len, seed->data, seed->len,
		out->data, len) < 0)
		goto fail;
	secbuf_free(seed);
	return out;
fail:
	secbuf_free(seed);
	secbuf_free(out);
	return NULL;
}

/* The SK payload */

static size_t
padded(const struct ike_encr_alg *e, size_t len)
{
	/* plaintext | padding | pad length, a multiple of the block */
	size_t n = len + 1;

	return (n + e->block - 1) / e->block * e->block;
}

size_t
ike_sk_len(const struct ike_sk_keys *k, size_t len)
{
	size_t icv = k->encr->aead ? k->encr->icv_len : k->integ->icv_len;

	return k->encr->iv_len + padded(k->encr, len) + icv;
}

/* Runs the cipher over in (a whole number of blocks) into out. */
static int
cipher(const struct ike_sk_keys *k, bool enc, const uint8_t *iv,
    const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
    uint8_t *out, uint8_t *tag)
{
	const struct ike_encr_alg *e = k->encr;
	size_t klen = e->key_len - e->salt_len;
	uint8_t nonce[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, e->cipher, NULL);
	int n = 0, rc = -EIO;

	if (ctx == NULL || c == NULL || k->ek->len != e->key_len)
		goto out;
	if (e->aead) {
		/* RFC 5282 4 / RFC 7634 2: nonce = salt | IV */
		memcpy(nonce, k->ek->data + klen, e->salt_len);
		memcpy(nonce + e->salt_len, iv, e->iv_len);
	} else {
		memcpy(nonce, iv, e->iv_len);
	}
	if (!EVP_CipherInit_ex2(ctx, c, k->ek->data, nonce, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out;
	if (e->aead && !enc &&
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)e->icv_len,
		tag))
		goto out;
	if (e->aead && !EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len))
		goto out;
	if (!EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, out + n, &n)) {
		rc = -EBADMSG; /* the AEAD tag did not verify */
		goto out;
	}
	if (e->aead && enc &&
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)e->icv_len,
		tag))
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(nonce, sizeof(nonce));
	EVP_CIPHER_free(c);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

static int
icv(const struct ike_sk_keys *k, const uint8_t *aad, size_t aad_len,
    const uint8_t *body, size_t len, uint8_t *out)
{
	uint8_t full[IKE_PRF_MAX];
	struct part parts[2] = { { aad, aad_len }, { body, len } };
	int rc;

	rc = hmac(k->integ->digest, k->ak->data, k->ak->len, parts, 2, full,
	    sizeof(full));
	if (rc == 0)
		memcpy(out, full, k->integ->icv_len);
	return rc;
}

int
ike_sk_encrypt(const struct ike_sk_keys *k, const uint8_t *aad, size_t aad_len,
    const uint8_t *iv, const uint8_t *plain, size_t len, uint8_t *out)
{
	const struct ike_encr_alg *e = k->encr;
	size_t plen = padded(e, len);
	struct secbuf *p = secbuf_new(plen);
	uint8_t *ct = out + e->iv_len;
	int rc;

	if (p == NULL)
		return -ENOMEM;
	/* Padding is zeros; its length is the last byte (RFC 7296 3.14). */
	memcpy(p->data, plain, len);
	p->data[plen - 1] = (uint8_t)(plen - len - 1);
	memcpy(out, iv, e->iv_len);
	rc = cipher(k, true, iv, aad, aad_len, p->data, plen, ct, ct + plen);
	if (rc == 0 && !e->aead)
		rc = icv(k, aad, aad_len, out, e->iv_len + plen, ct + plen);
	secbuf_free(p);
	return rc;
}

int
ike_sk_decrypt(const struct ike_sk_keys *k, const uint8_t *aad, size_t aad_len,
    uint8_t *body, size_t len, uint8_t **plain, size_t *plain_len)
{
	const struct ike_encr_alg *e = k->encr;
	size_t icv_len = e->aead ? e->icv_len : k->integ->icv_len;
	uint8_t want[IKE_PRF_MAX], *ct = body + e->iv_len;
	size_t clen;
	int rc;

	if (len < e->iv_len + icv_len + 1)
		return -EBADMSG;
	clen = len - e->iv_len - icv_len;
	if (clen % e->block != 0)
		return -EBADMSG;
	if (!e->aead) {
		/* Authenticate before decrypting anything. */
		if ((rc = icv(k, aad, aad_len, body, e->iv_len + clen, want)) <
		    0)
			return rc;
		if (CRYPTO_memcmp(want, ct + clen, icv_len) != 0)
			return -EBADMSG;
	}
	/* In place: EVP allows out == in for these modes. */
	rc = cipher(k, false, body, aad, aad_len, ct, clen, ct, ct + clen);
	if (rc < 0)
		return rc;
	if ((size_t)ct[clen - 1] + 1 > clen)
		return -EBADMSG;
	*plain = ct;
	*plain_len = clen - ct[clen - 1] - 1;
	return 0;
}
