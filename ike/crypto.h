/*
 * ike/crypto.h: IKEv2 cryptography through OpenSSL 3 EVP only, private to
 * ike/: the transform tables (IANA id -> OpenSSL name, key and ICV sizes),
 * PRF and prf+, SKEYSEED and the SK_* keys (RFC 7296 2.13-2.14), CHILD SA
 * key material (2.17), Diffie-Hellman groups as an ops table with the
 * peer-value checks of RFC 6989, and the SK payload's protection (3.14,
 * RFC 5282).  Keys live only in secbufs.
 */
#ifndef TUNSH_IKE_CRYPTO_H
#define TUNSH_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"

#define IKE_PRF_MAX 64 /* SHA-512 */

/* IANA "Transform Type 2 - Pseudorandom Function Transform IDs" */
struct ike_prf_alg {
	uint16_t id;
	const char *digest; /* OpenSSL digest name */
	size_t len;	    /* output, and preferred key, length */
};

/* IANA "Transform Type 3 - Integrity Algorithm Transform IDs" */
struct ike_integ_alg {
	uint16_t id;
	const char *digest;
	size_t key_len;
	size_t icv_len; /* truncated output */
};

/* IANA "Transform Type 1 - Encryption Algorithm Transform IDs" */
struct ike_encr_alg {
	uint16_t id;
	uint16_t key_bits;  /* 0: any (the Key Length attribute decides) */
	const char *cipher; /* OpenSSL cipher name */
	bool aead;
	size_t key_len;	 /* bytes of key material, salt included */
	size_t salt_len; /* AEAD: bytes of salt at the end of the key */
	size_t iv_len;	 /* bytes of IV sent in the payload */
	size_t block;	 /* padding block */
	size_t icv_len;	 /* AEAD tag */
};

const struct ike_prf_alg *ike_prf_alg(uint16_t id);
const struct ike_integ_alg *ike_integ_alg(uint16_t id);
const struct ike_encr_alg *ike_encr_alg(uint16_t id, uint16_t key_bits);

/* out gets alg->len bytes. */
int ike_prf(const struct ike_prf_alg *alg, const uint8_t *key, size_t klen,
    const uint8_t *data, size_t dlen, uint8_t *out);
/* RFC 7296 2.13: prf+ (K,S) = T1 | T2 | ...; at most 255 blocks. */
int ike_prf_plus(const struct ike_prf_alg *alg, const uint8_t *key, size_t klen,
    const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen);

/* The keys of an IKE SA (RFC 7296 2.14). */
struct ike_keys {
	struct secbuf *sk_d, *sk_ai, *sk_ar, *sk_ei, *sk_er, *sk_pi, *sk_pr;
};

/*
 * SKEYSEED = prf(Ni | Nr, g^ir); {SK_d | SK_ai | SK_ar | SK_ei | SK_er |
 * SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).  integ is NULL
 * with an AEAD cipher.
 */
int ike_keys_derive(const struct ike_prf_alg *prf,
    const struct ike_encr_alg *encr, const struct ike_integ_alg *integ,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const struct secbuf *g_ir, uint64_t spi_i, uint64_t spi_r,
    struct ike_keys *out);
/* RFC 7296 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr). */
int ike_keys_rekey(const struct ike_prf_alg *prf,
    const struct ike_encr_alg *encr, const struct ike_integ_alg *integ,
    const struct secbuf *old_sk_d, const struct secbuf *g_ir, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, uint64_t spi_i,
    uint64_t spi_r, struct ike_keys *out);
void ike_keys_free(struct ike_keys *k);
/* RFC 7296 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr). */
struct secbuf *ike_child_keymat(const struct ike_prf_alg *prf,
    const struct secbuf *sk_d, const struct secbuf *g_ir, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, size_t len);

/* Diffie-Hellman: one ops table entry per group. */
struct ike_dh;
struct ike_dh *ike_dh_new(uint16_t group); /* NULL: unsupported group */
void ike_dh_free(struct ike_dh *dh);
bool ike_dh_supported(uint16_t group);
/* Our public value as the KE payload carries it (RFC 7296 3.4). */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t *len);
size_t ike_dh_public_len(uint16_t group);
/*
 * The shared secret from the peer's public value, after the checks of
 * RFC 6989: MODP 1 < y < p-1; ECP on the curve; X25519 not all-zero.
 * -EINVAL on a bad value (answer INVALID_SYNTAX).
 */
int ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t len,
    struct secbuf **shared);
/* Tests only: a fixed private key, to reproduce published vectors. */
struct ike_dh *ike_dh_new_private(uint16_t group, const uint8_t *priv,
    size_t len);

/*
 * The SK payload body (RFC 7296 3.14, RFC 5282 for AEAD):
 *   IV | encrypted (inner payloads | padding | pad length) | ICV
 * aad/aad_len is the message from the IKE header to the end of the SK
 * generic header (AEAD), or is authenticated together with the body by
 * the integrity key (CBC: the ICV covers header through ciphertext).
 */
struct ike_sk_keys {
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ; /* NULL with AEAD */
	const struct secbuf *ek, *ak;	   /* ak NULL with AEAD */
};

/* Size of the SK body for a plaintext of len bytes. */
size_t ike_sk_len(const struct ike_sk_keys *k, size_t len);
/*
 * Encrypts plain into out (ike_sk_len() bytes) with the given IV; the
 * caller supplies the IV from its random source.  For CBC the ICV is
 * computed over aad | IV | ciphertext, aad being the whole message before
 * the SK body.
 */
int ike_sk_encrypt(const struct ike_sk_keys *k, const uint8_t *aad,
    size_t aad_len, const uint8_t *iv, const uint8_t *plain, size_t len,
    uint8_t *out);
/*
 * Checks and decrypts an SK body in place; *plain points at the inner
 * payloads, *plain_len their length without padding.  -EBADMSG when the
 * ICV does not verify or the padding is wrong.
 */
int ike_sk_decrypt(const struct ike_sk_keys *k, const uint8_t *aad,
    size_t aad_len, uint8_t *body, size_t len, uint8_t **plain,
    size_t *plain_len);

#endif
