/*
 * tests/unit/test_ike_crypto.c: IKEv2 cryptography (ike/crypto.h)
 * against published vectors: the HMAC PRFs (RFC 2202, RFC 4231), the ECP
 * groups (RFC 5903), X25519 (RFC 7748) and AES-GCM as RFC 5282 lays it
 * into the SK payload (McGrew and Viega's GCM test cases).  No RFC prints
 * a vector for prf+, SKEYSEED, the SK_* keys, KEYMAT or MODP group 14:
 * those tests rebuild the formulas of RFC 7296 2.13-2.18 from ike_prf()
 * itself, byte for byte, and compare.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/crypto.h"
#include "tests/unit/test.h"

/* IANA IKEv2 transform ids used below. */
enum {
	PRF_HMAC_SHA1 = 2,
	PRF_HMAC_SHA2_256 = 5,
	PRF_HMAC_SHA2_384 = 6,
	PRF_HMAC_SHA2_512 = 7,
	AUTH_HMAC_SHA1_96 = 2,
	AUTH_HMAC_SHA2_256_128 = 12,
	AUTH_HMAC_SHA2_384_192 = 13,
	AUTH_HMAC_SHA2_512_256 = 14,
	ENCR_AES_CBC = 12,
	ENCR_AES_GCM_16 = 20,
	GROUP_MODP_2048 = 14,
	GROUP_ECP_256 = 19,
	GROUP_ECP_384 = 20,
	GROUP_CURVE25519 = 31
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Inputs that are not vectors: n bytes counting up from first. */
static void
fill(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

/*
 * prf+ written out from RFC 7296 2.13 with ike_prf() alone:
 *   T1 = prf (K, S | 0x01), Tn = prf (K, Tn-1 | S | n), prf+ = T1 | T2 | ...
 */
static void
prf_plus_by_hand(const struct ike_prf_alg *alg, const uint8_t *k, size_t klen,
    const uint8_t *s, size_t slen, uint8_t *out, size_t len)
{
	uint8_t *in = malloc(alg->len + slen + 1), t[IKE_PRF_MAX];
	size_t done = 0, tlen = 0;

	assert_non_null(in);
	for (unsigned n = 1; done < len; n++) {
		size_t take = len - done < alg->len ? len - done : alg->len;

		assert_true(n <= 255);
		memcpy(in, t, tlen);
		memcpy(in + tlen, s, slen);
		in[tlen + slen] = (uint8_t)n;
		assert_int_equal(ike_prf(alg, k, klen, in, tlen + slen + 1, t),
		    0);
		tlen = alg->len;
		memcpy(out + done, t, take);
		done += take;
	}
	free(in);
}

/* Transform tables */

static void
test_ike_transform_tables_match_the_rfcs(void **state)
{
	const struct ike_integ_alg *i;
	const struct ike_encr_alg *e;

	(void)state;
	/* The PRF output is the hash length (RFC 2104, RFC 4868 2). */
	assert_int_equal(ike_prf_alg(PRF_HMAC_SHA1)->len, 20);
	assert_int_equal(ike_prf_alg(PRF_HMAC_SHA2_256)->len, 32);
	assert_int_equal(ike_prf_alg(PRF_HMAC_SHA2_384)->len, 48);
	assert_int_equal(ike_prf_alg(PRF_HMAC_SHA2_512)->len, 64);
	assert_null(ike_prf_alg(0));

	/* RFC 2404: 160-bit key, 96-bit ICV. */
	i = ike_integ_alg(AUTH_HMAC_SHA1_96);
	assert_non_null(i);
	assert_int_equal(i->key_len, 20);
	assert_int_equal(i->icv_len, 12);
	/* RFC 4868: the key is the hash length, the ICV half of it. */
	i = ike_integ_alg(AUTH_HMAC_SHA2_256_128);
	assert_non_null(i);
	assert_int_equal(i->key_len, 32);
	assert_int_equal(i->icv_len, 16);
	i = ike_integ_alg(AUTH_HMAC_SHA2_384_192);
	assert_non_null(i);
	assert_int_equal(i->key_len, 48);
	assert_int_equal(i->icv_len, 24);
	i = ike_integ_alg(AUTH_HMAC_SHA2_512_256);
	assert_non_null(i);
	assert_int_equal(i->key_len, 64);
	assert_int_equal(i->icv_len, 32);
	assert_null(ike_integ_alg(0));

	/* RFC 3602: AES-CBC, 16-byte IV and block. */
	e = ike_encr_alg(ENCR_AES_CBC, 256);
	assert_non_null(e);
	assert_false(e->aead);
	assert_int_equal(e->key_len, 32);
	assert_int_equal(e->salt_len, 0);
	assert_int_equal(e->iv_len, 16);
	assert_int_equal(e->block, 16);
	e = ike_encr_alg(ENCR_AES_CBC, 128);
	assert_non_null(e);
	assert_int_equal(e->key_len, 16);
	/*
	 * RFC 5282, after RFC 4106 8.1: the key material is the AES key
	 * and a 4-byte salt; 8-byte IV, 16-byte ICV for GCM-16.
	 */
	e = ike_encr_alg(ENCR_AES_GCM_16, 256);
	assert_non_null(e);
	assert_true(e->aead);
	assert_int_equal(e->key_len, 36);
	assert_int_equal(e->salt_len, 4);
	assert_int_equal(e->iv_len, 8);
	assert_int_equal(e->icv_len, 16);
	e = ike_encr_alg(ENCR_AES_GCM_16, 128);
	assert_non_null(e);
	assert_int_equal(e->key_len, 20);
	assert_null(ike_encr_alg(ENCR_AES_CBC, 100));
	assert_null(ike_encr_alg(0, 128));
}

/* PRF */

/* RFC 4231 4.2 (Test Case 1), and RFC 2202 3 test_case 1. */
static const uint8_t tc1_key[] = {
	/* Key = 0b repeated 20 times (20 bytes) */
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b
};
static const uint8_t tc1_data[] = {
	/* Data = "Hi There" */
	0x48, 0x69, 0x20, 0x54, 0x68, 0x65, 0x72, 0x65
};
static const uint8_t tc1_sha256[] = {
	/* HMAC-SHA-256 */
	0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf, 0xce,
	0xaf, 0x0b, 0xf1, 0x2b, 0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7,
	0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7
};
static const uint8_t tc1_sha384[] = {
	/* HMAC-SHA-384 */
	0xaf, 0xd0, 0x39, 0x44, 0xd8, 0x48, 0x95, 0x62, 0x6b, 0x08, 0x25, 0xf4,
	0xab, 0x46, 0x90, 0x7f, 0x15, 0xf9, 0xda, 0xdb, 0xe4, 0x10, 0x1e, 0xc6,
	0x82, 0xaa, 0x03, 0x4c, 0x7c, 0xeb, 0xc5, 0x9c, 0xfa, 0xea, 0x9e, 0xa9,
	0x07, 0x6e, 0xde, 0x7f, 0x4a, 0xf1, 0x52, 0xe8, 0xb2, 0xfa, 0x9c, 0xb6
};
static const uint8_t tc1_sha512[] = {
	/* HMAC-SHA-512 */
	0x87, 0xaa, 0x7c, 0xde, 0xa5, 0xef, 0x61, 0x9d, 0x4f, 0xf0, 0xb4, 0x24,
	0x1a, 0x1d, 0x6c, 0xb0, 0x23, 0x79, 0xf4, 0xe2, 0xce, 0x4e, 0xc2, 0x78,
	0x7a, 0xd0, 0xb3, 0x05, 0x45, 0xe1, 0x7c, 0xde, 0xda, 0xa8, 0x33, 0xb7,
	0xd6, 0xb8, 0xa7, 0x02, 0x03, 0x8b, 0x27, 0x4e, 0xae, 0xa3, 0xf4, 0xe4,
	0xbe, 0x9d, 0x91, 0x4e, 0xeb, 0x61, 0xf1, 0x70, 0x2e, 0x69, 0x6c, 0x20,
	0x3a, 0x12, 0x68, 0x54
};
/* RFC 2202 3, test_case 1: digest */
static const uint8_t tc1_sha1[] = {
	/* HMAC-SHA-1 */
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b, 0xc0, 0xb6,
	0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00
};

/* RFC 4231 4.3 (Test Case 2), and RFC 2202 3 test_case 2. */
static const uint8_t tc2_key[] = {
	/* Key = "Jefe" */
	0x4a, 0x65, 0x66, 0x65
};
static const uint8_t tc2_data[] = {
	/* Data = "what do ya want for nothing?" */
	0x77, 0x68, 0x61, 0x74, 0x20, 0x64, 0x6f, 0x20, 0x79, 0x61, 0x20, 0x77,
	0x61, 0x6e, 0x74, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x6e, 0x6f, 0x74, 0x68,
	0x69, 0x6e, 0x67, 0x3f
};
static const uint8_t tc2_sha256[] = {
	/* HMAC-SHA-256 */
	0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26,
	0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
	0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43
};
static const uint8_t tc2_sha384[] = {
	/* HMAC-SHA-384 */
	0xaf, 0x45, 0xd2, 0xe3, 0x76, 0x48, 0x40, 0x31, 0x61, 0x7f, 0x78, 0xd2,
	0xb5, 0x8a, 0x6b, 0x1b, 0x9c, 0x7e, 0xf4, 0x64, 0xf5, 0xa0, 0x1b, 0x47,
	0xe4, 0x2e, 0xc3, 0x73, 0x63, 0x22, 0x44, 0x5e, 0x8e, 0x22, 0x40, 0xca,
	0x5e, 0x69, 0xe2, 0xc7, 0x8b, 0x32, 0x39, 0xec, 0xfa, 0xb2, 0x16, 0x49
};
static const uint8_t tc2_sha512[] = {
	/* HMAC-SHA-512 */
	0x16, 0x4b, 0x7a, 0x7b, 0xfc, 0xf8, 0x19, 0xe2, 0xe3, 0x95, 0xfb, 0xe7,
	0x3b, 0x56, 0xe0, 0xa3, 0x87, 0xbd, 0x64, 0x22, 0x2e, 0x83, 0x1f, 0xd6,
	0x10, 0x27, 0x0c, 0xd7, 0xea, 0x25, 0x05, 0x54, 0x97, 0x58, 0xbf, 0x75,
	0xc0, 0x5a, 0x99, 0x4a, 0x6d, 0x03, 0x4f, 0x65, 0xf8, 0xf0, 0xe6, 0xfd,
	0xca, 0xea, 0xb1, 0xa3, 0x4d, 0x4a, 0x6b, 0x4b, 0x63, 0x6e, 0x07, 0x0a,
	0x38, 0xbc, 0xe7, 0x37
};
/* RFC 2202 3, test_case 2: digest */
static const uint8_t tc2_sha1[] = {
	/* HMAC-SHA-1 */
	0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74, 0x16, 0xd5,
	0xf1, 0x84, 0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79
};

/*
 * RFC 4231 4.7 (Test Case 6): a key longer than the block of every hash
 * here, which HMAC hashes first.
 */
static const uint8_t tc6_key[] = {
	/* Key = aa repeated 131 times (131 bytes) */
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa
};
static const uint8_t tc6_data[] = {
	/* Data = "Test Using Larger Than Block-Size Key - Hash Key First" */
	0x54, 0x65, 0x73, 0x74, 0x20, 0x55, 0x73, 0x69, 0x6e, 0x67, 0x20, 0x4c,
	0x61, 0x72, 0x67, 0x65, 0x72, 0x20, 0x54, 0x68, 0x61, 0x6e, 0x20, 0x42,
	0x6c, 0x6f, 0x63, 0x6b, 0x2d, 0x53, 0x69, 0x7a, 0x65, 0x20, 0x4b, 0x65,
	0x79, 0x20, 0x2d, 0x20, 0x48, 0x61, 0x73, 0x68, 0x20, 0x4b, 0x65, 0x79,
	0x20, 0x46, 0x69, 0x72, 0x73, 0x74
};
static const uint8_t tc6_sha256[] = {
	/* HMAC-SHA-256 */
	0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f, 0x0d, 0x8a, 0x26, 0xaa,
	0xcb, 0xf5, 0xb7, 0x7f, 0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14,
	0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54
};
static const uint8_t tc6_sha384[] = {
	/* HMAC-SHA-384 */
	0x4e, 0xce, 0x08, 0x44, 0x85, 0x81, 0x3e, 0x90, 0x88, 0xd2, 0xc6, 0x3a,
	0x04, 0x1b, 0xc5, 0xb4, 0x4f, 0x9e, 0xf1, 0x01, 0x2a, 0x2b, 0x58, 0x8f,
	0x3c, 0xd1, 0x1f, 0x05, 0x03, 0x3a, 0xc4, 0xc6, 0x0c, 0x2e, 0xf6, 0xab,
	0x40, 0x30, 0xfe, 0x82, 0x96, 0x24, 0x8d, 0xf1, 0x63, 0xf4, 0x49, 0x52
};
static const uint8_t tc6_sha512[] = {
	/* HMAC-SHA-512 */
	0x80, 0xb2, 0x42, 0x63, 0xc7, 0xc1, 0xa3, 0xeb, 0xb7, 0x14, 0x93, 0xc1,
	0xdd, 0x7b, 0xe8, 0xb4, 0x9b, 0x46, 0xd1, 0xf4, 0x1b, 0x4a, 0xee, 0xc1,
	0x12, 0x1b, 0x01, 0x37, 0x83, 0xf8, 0xf3, 0x52, 0x6b, 0x56, 0xd0, 0x37,
	0xe0, 0x5f, 0x25, 0x98, 0xbd, 0x0f, 0xd2, 0x21, 0x5d, 0x6a, 0x1e, 0x52,
	0x95, 0xe6, 0x4f, 0x73, 0xf6, 0x3f, 0x0a, 0xec, 0x8b, 0x91, 0x5a, 0x98,
	0x5d, 0x78, 0x65, 0x98
};

#define V(p, k, d, m)                                       \
	{                                                   \
		p, k, sizeof(k), d, sizeof(d), m, sizeof(m) \
	}

static const struct prf_vector {
	uint16_t prf;
	const uint8_t *key;
	size_t klen;
	const uint8_t *data;
	size_t dlen;
	const uint8_t *mac;
	size_t mlen;
} prf_vectors[] = { V(PRF_HMAC_SHA1, tc1_key, tc1_data, tc1_sha1),
	V(PRF_HMAC_SHA1, tc2_key, tc2_data, tc2_sha1),
	V(PRF_HMAC_SHA2_256, tc1_key, tc1_data, tc1_sha256),
	V(PRF_HMAC_SHA2_256, tc2_key, tc2_data, tc2_sha256),
	V(PRF_HMAC_SHA2_256, tc6_key, tc6_data, tc6_sha256),
	V(PRF_HMAC_SHA2_384, tc1_key, tc1_data, tc1_sha384),
	V(PRF_HMAC_SHA2_384, tc2_key, tc2_data, tc2_sha384),
	V(PRF_HMAC_SHA2_384, tc6_key, tc6_data, tc6_sha384),
	V(PRF_HMAC_SHA2_512, tc1_key, tc1_data, tc1_sha512),
	V(PRF_HMAC_SHA2_512, tc2_key, tc2_data, tc2_sha512),
	V(PRF_HMAC_SHA2_512, tc6_key, tc6_data, tc6_sha512) };

static void
test_ike_prf_matches_rfc2202_and_rfc4231(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(prf_vectors); i++) {
		const struct prf_vector *v = &prf_vectors[i];
		const struct ike_prf_alg *alg = ike_prf_alg(v->prf);
		uint8_t out[IKE_PRF_MAX + 1];

		assert_non_null(alg);
		assert_int_equal(alg->len, v->mlen);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(
		    ike_prf(alg, v->key, v->klen, v->data, v->dlen, out), 0);
		assert_memory_equal(out, v->mac, v->mlen);
		assert_int_equal(out[v->mlen], 0xee); /* nothing past len */
	}
}

/* prf+ */

/* RFC 7296 2.13, for each PRF: the iteration, prefixes, and 255 blocks. */
static void
test_ike_prf_plus_follows_rfc7296(void **state)
{
	static const uint16_t ids[] = { PRF_HMAC_SHA1, PRF_HMAC_SHA2_256,
		PRF_HMAC_SHA2_384, PRF_HMAC_SHA2_512 };
	static uint8_t want[255 * IKE_PRF_MAX], got[255 * IKE_PRF_MAX + 1];
	uint8_t k[40], s[24];

	(void)state;
	fill(k, sizeof(k), 0x40);
	fill(s, sizeof(s), 0x80);
	for (size_t i = 0; i < NELEM(ids); i++) {
		const struct ike_prf_alg *alg = ike_prf_alg(ids[i]);
		size_t n;

		assert_non_null(alg);
		n = alg->len;
		prf_plus_by_hand(alg, k, sizeof(k), s, sizeof(s), want,
		    255 * n);

		/* T1 | T2 | T3 */
		memset(got, 0xee, sizeof(got));
		assert_int_equal(ike_prf_plus(alg, k, sizeof(k), s, sizeof(s),
				     got, 3 * n),
		    0);
		assert_memory_equal(got, want, 3 * n);
		assert_int_equal(got[3 * n], 0xee);

		/* Not a whole number of blocks: the prefix, nothing more. */
		memset(got, 0xee, sizeof(got));
		assert_int_equal(ike_prf_plus(alg, k, sizeof(k), s, sizeof(s),
				     got, 2 * n + 7),
		    0);
		assert_memory_equal(got, want, 2 * n + 7);
		assert_int_equal(got[2 * n + 7], 0xee);

		/* T255 is the last block the one-byte counter allows. */
		assert_int_equal(ike_prf_plus(alg, k, sizeof(k), s, sizeof(s),
				     got, 255 * n),
		    0);
		assert_memory_equal(got, want, 255 * n);
		assert_true(ike_prf_plus(alg, k, sizeof(k), s, sizeof(s), got,
				255 * n + 1) < 0);
	}
}

/* Diffie-Hellman */

/*
 * A published exchange: the initiator's private key i and public value
 * g^i, the responder's r and g^r, and the shared secret g^ir.
 */
struct dh_vector {
	uint16_t group;
	const uint8_t *i, *gi, *r, *gr, *gir;
	size_t priv_len, pub_len, secret_len;
};

/* RFC 5903 8.1, 256-Bit Random ECP Group. */
static const uint8_t ecp256_i[] = {
	/* i */
	0xc8, 0x8f, 0x01, 0xf5, 0x10, 0xd9, 0xac, 0x3f, 0x70, 0xa2, 0x92, 0xda,
	0xa2, 0x31, 0x6d, 0xe5, 0x44, 0xe9, 0xaa, 0xb8, 0xaf, 0xe8, 0x40, 0x49,
	0xc6, 0x2a, 0x9c, 0x57, 0x86, 0x2d, 0x14, 0x33
};
/* RFC 5903 7: the KE payload carries x | y. */
static const uint8_t ecp256_gi[] = {
	/* gix */
	0xda, 0xd0, 0xb6, 0x53, 0x94, 0x22, 0x1c, 0xf9, 0xb0, 0x51, 0xe1, 0xfe,
	0xca, 0x57, 0x87, 0xd0, 0x98, 0xdf, 0xe6, 0x37, 0xfc, 0x90, 0xb9, 0xef,
	0x94, 0x5d, 0x0c, 0x37, 0x72, 0x58, 0x11, 0x80,
	/* giy */
	0x52, 0x71, 0xa0, 0x46, 0x1c, 0xdb, 0x82, 0x52, 0xd6, 0x1f, 0x1c, 0x45,
	0x6f, 0xa3, 0xe5, 0x9a, 0xb1, 0xf4, 0x5b, 0x33, 0xac, 0xcf, 0x5f, 0x58,
	0x38, 0x9e, 0x05, 0x77, 0xb8, 0x99, 0x0b, 0xb3
};
static const uint8_t ecp256_r[] = {
	/* r */
	0xc6, 0xef, 0x9c, 0x5d, 0x78, 0xae, 0x01, 0x2a, 0x01, 0x11, 0x64, 0xac,
	0xb3, 0x97, 0xce, 0x20, 0x88, 0x68, 0x5d, 0x8f, 0x06, 0xbf, 0x9b, 0xe0,
	0xb2, 0x83, 0xab, 0x46, 0x47, 0x6b, 0xee, 0x53
};
static const uint8_t ecp256_gr[] = {
	/* grx */
	0xd1, 0x2d, 0xfb, 0x52, 0x89, 0xc8, 0xd4, 0xf8, 0x12, 0x08, 0xb7, 0x02,
	0x70, 0x39, 0x8c, 0x34, 0x22, 0x96, 0x97, 0x0a, 0x0b, 0xcc, 0xb7, 0x4c,
	0x73, 0x6f, 0xc7, 0x55, 0x44, 0x94, 0xbf, 0x63,
	/* gry */
	0x56, 0xfb, 0xf3, 0xca, 0x36, 0x6c, 0xc2, 0x3e, 0x81, 0x57, 0x85, 0x4c,
	0x13, 0xc5, 0x8d, 0x6a, 0xac, 0x23, 0xf0, 0x46, 0xad, 0xa3, 0x0f, 0x83,
	0x53, 0xe7, 0x4f, 0x33, 0x03, 0x98, 0x72, 0xab
};
/* RFC 5903 7: the shared secret is the x coordinate of g^ir alone. */
static const uint8_t ecp256_gir[] = {
	/* girx */
	0xd6, 0x84, 0x0f, 0x6b, 0x42, 0xf6, 0xed, 0xaf, 0xd1, 0x31, 0x16, 0xe0,
	0xe1, 0x25, 0x65, 0x20, 0x2f, 0xef, 0x8e, 0x9e, 0xce, 0x7d, 0xce, 0x03,
	0x81, 0x24, 0x64, 0xd0, 0x4b, 0x94, 0x42, 0xde
};

/* RFC 5903 8.2, 384-Bit Random ECP Group. */
static const uint8_t ecp384_i[] = {
	/* i */
	0x09, 0x9f, 0x3c, 0x70, 0x34, 0xd4, 0xa2, 0xc6, 0x99, 0x88, 0x4d, 0x73,
	0xa3, 0x75, 0xa6, 0x7f, 0x76, 0x24, 0xef, 0x7c, 0x6b, 0x3c, 0x0f, 0x16,
	0x06, 0x47, 0xb6, 0x74, 0x14, 0xdc, 0xe6, 0x55, 0xe3, 0x5b, 0x53, 0x80,
	0x41, 0xe6, 0x49, 0xee, 0x3f, 0xae, 0xf8, 0x96, 0x78, 0x3a, 0xb1, 0x94
};
static const uint8_t ecp384_gi[] = {
	/* gix */
	0x66, 0x78, 0x42, 0xd7, 0xd1, 0x80, 0xac, 0x2c, 0xde, 0x6f, 0x74, 0xf3,
	0x75, 0x51, 0xf5, 0x57, 0x55, 0xc7, 0x64, 0x5c, 0x20, 0xef, 0x73, 0xe3,
	0x16, 0x34, 0xfe, 0x72, 0xb4, 0xc5, 0x5e, 0xe6, 0xde, 0x3a, 0xc8, 0x08,
	0xac, 0xb4, 0xbd, 0xb4, 0xc8, 0x87, 0x32, 0xae, 0xe9, 0x5f, 0x41, 0xaa,
	/* giy */
	0x94, 0x82, 0xed, 0x1f, 0xc0, 0xee, 0xb9, 0xca, 0xfc, 0x49, 0x84, 0x62,
	0x5c, 0xcf, 0xc2, 0x3f, 0x65, 0x03, 0x21, 0x49, 0xe0, 0xe1, 0x44, 0xad,
	0xa0, 0x24, 0x18, 0x15, 0x35, 0xa0, 0xf3, 0x8e, 0xeb, 0x9f, 0xcf, 0xf3,
	0xc2, 0xc9, 0x47, 0xda, 0xe6, 0x9b, 0x4c, 0x63, 0x45, 0x73, 0xa8, 0x1c
};
static const uint8_t ecp384_r[] = {
	/* r */
	0x41, 0xcb, 0x07, 0x79, 0xb4, 0xbd, 0xb8, 0x5d, 0x47, 0x84, 0x67, 0x25,
	0xfb, 0xec, 0x3c, 0x94, 0x30, 0xfa, 0xb4, 0x6c, 0xc8, 0xdc, 0x50, 0x60,
	0x85, 0x5c, 0xc9, 0xbd, 0xa0, 0xaa, 0x29, 0x42, 0xe0, 0x30, 0x83, 0x12,
	0x91, 0x6b, 0x8e, 0xd2, 0x96, 0x0e, 0x4b, 0xd5, 0x5a, 0x74, 0x48, 0xfc
};
static const uint8_t ecp384_gr[] = {
	/* grx */
	0xe5, 0x58, 0xdb, 0xef, 0x53, 0xee, 0xcd, 0xe3, 0xd3, 0xfc, 0xcf, 0xc1,
	0xae, 0xa0, 0x8a, 0x89, 0xa9, 0x87, 0x47, 0x5d, 0x12, 0xfd, 0x95, 0x0d,
	0x83, 0xcf, 0xa4, 0x17, 0x32, 0xbc, 0x50, 0x9d, 0x0d, 0x1a, 0xc4, 0x3a,
	0x03, 0x36, 0xde, 0xf9, 0x6f, 0xda, 0x41, 0xd0, 0x77, 0x4a, 0x35, 0x71,
	/* gry */
	0xdc, 0xfb, 0xec, 0x7a, 0xac, 0xf3, 0x19, 0x64, 0x72, 0x16, 0x9e, 0x83,
	0x84, 0x30, 0x36, 0x7f, 0x66, 0xee, 0xbe, 0x3c, 0x6e, 0x70, 0xc4, 0x16,
	0xdd, 0x5f, 0x0c, 0x68, 0x75, 0x9d, 0xd1, 0xff, 0xf8, 0x3f, 0xa4, 0x01,
	0x42, 0x20, 0x9d, 0xff, 0x5e, 0xaa, 0xd9, 0x6d, 0xb9, 0xe6, 0x38, 0x6c
};
static const uint8_t ecp384_gir[] = {
	/* girx */
	0x11, 0x18, 0x73, 0x31, 0xc2, 0x79, 0x96, 0x2d, 0x93, 0xd6, 0x04, 0x24,
	0x3f, 0xd5, 0x92, 0xcb, 0x9d, 0x0a, 0x92, 0x6f, 0x42, 0x2e, 0x47, 0x18,
	0x75, 0x21, 0x28, 0x7e, 0x71, 0x56, 0xc5, 0xc4, 0xd6, 0x03, 0x13, 0x55,
	0x69, 0xb9, 0xe9, 0xd0, 0x9c, 0xf5, 0xd4, 0xa2, 0x70, 0xf5, 0x97, 0x46
};

/* RFC 7748 6.1, Curve25519 (RFC 8031: IKEv2 group 31 carries it as is). */
static const uint8_t x25519_a[] = {
	/* Alice's private key, a */
	0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72,
	0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a,
	0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a
};
static const uint8_t x25519_ka[] = {
	/* Alice's public key, X25519(a, 9) */
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc,
	0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4,
	0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a
};
static const uint8_t x25519_b[] = {
	/* Bob's private key, b */
	0x5d, 0xab, 0x08, 0x7e, 0x62, 0x4a, 0x8a, 0x4b, 0x79, 0xe1, 0x7f, 0x8b,
	0x83, 0x80, 0x0e, 0xe6, 0x6f, 0x3b, 0xb1, 0x29, 0x26, 0x18, 0xb6, 0xfd,
	0x1c, 0x2f, 0x8b, 0x27, 0xff, 0x88, 0xe0, 0xeb
};
static const uint8_t x25519_kb[] = {
	/* Bob's public key, X25519(b, 9) */
	0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61, 0xc2,
	0xec, 0xe4, 0x35, 0x37, 0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78, 0x67, 0x4d,
	0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f
};
static const uint8_t x25519_k[] = {
	/* Their shared secret, K */
	0x4a, 0x5d, 0x9d, 0x5b, 0xa4, 0xce, 0x2d, 0xe1, 0x72, 0x8e, 0x3b, 0xf4,
	0x80, 0x35, 0x0f, 0x25, 0xe0, 0x7e, 0x21, 0xc9, 0x47, 0xd1, 0x9e, 0x33,
	0x76, 0xf0, 0x9b, 0x3c, 0x1e, 0x16, 0x17, 0x42
};

static const struct dh_vector dh_vectors[] = {
	{ GROUP_ECP_256, ecp256_i, ecp256_gi, ecp256_r, ecp256_gr, ecp256_gir,
	    32, 64, 32 },
	{ GROUP_ECP_384, ecp384_i, ecp384_gi, ecp384_r, ecp384_gr, ecp384_gir,
	    48, 96, 48 },
	{ GROUP_CURVE25519, x25519_a, x25519_ka, x25519_b, x25519_kb, x25519_k,
	    32, 32, 32 }
};

/* One side: priv gives pub, and with the peer's value gives the secret. */
static void
check_dh_side(const struct dh_vector *v, const uint8_t *priv,
    const uint8_t *pub, const uint8_t *peer)
{
	struct ike_dh *dh = ike_dh_new_private(v->group, priv, v->priv_len);
	struct secbuf *shared = NULL;
	uint8_t out[256];
	size_t len = sizeof(out);

	assert_non_null(dh);
	assert_int_equal(ike_dh_public(dh, out, &len), 0);
	assert_int_equal(len, v->pub_len);
	assert_memory_equal(out, pub, v->pub_len);
	assert_int_equal(ike_dh_derive(dh, peer, v->pub_len, &shared), 0);
	assert_non_null(shared);
	assert_int_equal(shared->len, v->secret_len);
	assert_memory_equal(shared->data, v->gir, v->secret_len);
	secbuf_free(shared);
	ike_dh_free(dh);
}

static void
test_ike_dh_matches_rfc5903_and_rfc7748(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(dh_vectors); i++) {
		const struct dh_vector *v = &dh_vectors[i];

		assert_true(ike_dh_supported(v->group));
		assert_int_equal(ike_dh_public_len(v->group), v->pub_len);
		check_dh_side(v, v->i, v->gi, v->gr); /* initiator */
		check_dh_side(v, v->r, v->gr, v->gi); /* responder */
	}
	assert_false(ike_dh_supported(0));
	assert_null(ike_dh_new(0));
}

/* Expects ike_dh_derive() to refuse peer/len with -EINVAL, and no secret. */
static void
assert_refused(struct ike_dh *dh, const uint8_t *peer, size_t len)
{
	struct secbuf *shared = NULL;

	assert_int_equal(ike_dh_derive(dh, peer, len, &shared), -EINVAL);
	assert_null(shared);
}

/* RFC 3526 3: the 2048-bit MODP group's prime p. */
static const uint8_t modp2048_p[256] = {
	/* p = 2^2048 - 2^1984 - 1 + 2^64 * { [2^1918 pi] + 124476 } */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x0f, 0xda, 0xa2,
	0x21, 0x68, 0xc2, 0x34, 0xc4, 0xc6, 0x62, 0x8b, 0x80, 0xdc, 0x1c, 0xd1,
	0x29, 0x02, 0x4e, 0x08, 0x8a, 0x67, 0xcc, 0x74, 0x02, 0x0b, 0xbe, 0xa6,
	0x3b, 0x13, 0x9b, 0x22, 0x51, 0x4a, 0x08, 0x79, 0x8e, 0x34, 0x04, 0xdd,
	0xef, 0x95, 0x19, 0xb3, 0xcd, 0x3a, 0x43, 0x1b, 0x30, 0x2b, 0x0a, 0x6d,
	0xf2, 0x5f, 0x14, 0x37, 0x4f, 0xe1, 0x35, 0x6d, 0x6d, 0x51, 0xc2, 0x45,
	0xe4, 0x85, 0xb5, 0x76, 0x62, 0x5e, 0x7e, 0xc6, 0xf4, 0x4c, 0x42, 0xe9,
	0xa6, 0x37, 0xed, 0x6b, 0x0b, 0xff, 0x5c, 0xb6, 0xf4, 0x06, 0xb7, 0xed,
	0xee, 0x38, 0x6b, 0xfb, 0x5a, 0x89, 0x9f, 0xa5, 0xae, 0x9f, 0x24, 0x11,
	0x7c, 0x4b, 0x1f, 0xe6, 0x49, 0x28, 0x66, 0x51, 0xec, 0xe4, 0x5b, 0x3d,
	0xc2, 0x00, 0x7c, 0xb8, 0xa1, 0x63, 0xbf, 0x05, 0x98, 0xda, 0x48, 0x36,
	0x1c, 0x55, 0xd3, 0x9a, 0x69, 0x16, 0x3f, 0xa8, 0xfd, 0x24, 0xcf, 0x5f,
	0x83, 0x65, 0x5d, 0x23, 0xdc, 0xa3, 0xad, 0x96, 0x1c, 0x62, 0xf3, 0x56,
	0x20, 0x85, 0x52, 0xbb, 0x9e, 0xd5, 0x29, 0x07, 0x70, 0x96, 0x96, 0x6d,
	0x67, 0x0c, 0x35, 0x4e, 0x4a, 0xbc, 0x98, 0x04, 0xf1, 0x74, 0x6c, 0x08,
	0xca, 0x18, 0x21, 0x7c, 0x32, 0x90, 0x5e, 0x46, 0x2e, 0x36, 0xce, 0x3b,
	0xe3, 0x9e, 0x77, 0x2c, 0x18, 0x0e, 0x86, 0x03, 0x9b, 0x27, 0x83, 0xa2,
	0xec, 0x07, 0xa2, 0x8f, 0xb5, 0xc5, 0x5d, 0xf0, 0x6f, 0x4c, 0x52, 0xc9,
	0xde, 0x2b, 0xcb, 0xf6, 0x95, 0x58, 0x17, 0x18, 0x39, 0x95, 0x49, 0x7c,
	0xea, 0x95, 0x6a, 0xe5, 0x15, 0xd2, 0x26, 0x18, 0x98, 0xfa, 0x05, 0x10,
	0x15, 0x72, 0x8e, 0x5a, 0x8a, 0xac, 0xaa, 0x68, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff
};

/* No published vector: two peers must agree on a 256-byte secret. */
static void
test_ike_dh_modp2048_peers_agree(void **state)
{
	struct ike_dh *a = ike_dh_new(GROUP_MODP_2048);
	struct ike_dh *b = ike_dh_new(GROUP_MODP_2048);
	struct secbuf *sa = NULL, *sb = NULL;
	uint8_t pa[256], pb[256];
	size_t la = sizeof(pa), lb = sizeof(pb);

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_true(ike_dh_supported(GROUP_MODP_2048));
	assert_int_equal(ike_dh_public_len(GROUP_MODP_2048), 256);
	assert_int_equal(ike_dh_public(a, pa, &la), 0);
	assert_int_equal(ike_dh_public(b, pb, &lb), 0);
	/* RFC 7296 3.4: the public value is padded to the prime's length. */
	assert_int_equal(la, 256);
	assert_int_equal(lb, 256);
	assert_memory_not_equal(pa, pb, 256);
	assert_int_equal(ike_dh_derive(a, pb, lb, &sa), 0);
	assert_int_equal(ike_dh_derive(b, pa, la, &sb), 0);
	assert_non_null(sa);
	assert_non_null(sb);
	assert_int_equal(sa->len, 256);
	assert_true(secbuf_equal(sa, sb));
	secbuf_free(sa);
	secbuf_free(sb);
	ike_dh_free(a);
	ike_dh_free(b);
}

/* RFC 6989: a MODP peer value y must satisfy 1 < y < p-1. */
static void
test_ike_dh_modp2048_refuses_rfc6989_values(void **state)
{
	struct ike_dh *dh = ike_dh_new(GROUP_MODP_2048);
	struct secbuf *shared = NULL;
	uint8_t y[256];

	(void)state;
	assert_non_null(dh);
	memset(y, 0, sizeof(y)); /* y = 0 */
	assert_refused(dh, y, sizeof(y));
	y[255] = 1; /* y = 1 */
	assert_refused(dh, y, sizeof(y));
	memcpy(y, modp2048_p, sizeof(y)); /* y = p - 1 */
	y[255] -= 1;
	assert_refused(dh, y, sizeof(y));
	memcpy(y, modp2048_p, sizeof(y)); /* y = p */
	assert_refused(dh, y, sizeof(y));
	/* RFC 7296 3.4: a value not of the prime's length. */
	memcpy(y, modp2048_p, sizeof(y));
	y[255] -= 2;
	assert_refused(dh, y, sizeof(y) - 1);

	/* The bounds themselves are fine: y = p - 2 and y = 2. */
	assert_int_equal(ike_dh_derive(dh, y, sizeof(y), &shared), 0);
	secbuf_free(shared);
	shared = NULL;
	memset(y, 0, sizeof(y));
	y[255] = 2;
	assert_int_equal(ike_dh_derive(dh, y, sizeof(y), &shared), 0);
	secbuf_free(shared);
	ike_dh_free(dh);
}

/* RFC 6989: an ECP value must be a point on the curve. */
static void
test_ike_dh_ecp_refuses_points_off_the_curve(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		const struct dh_vector *v = &dh_vectors[i];
		struct ike_dh *dh =
		    ike_dh_new_private(v->group, v->i, v->priv_len);
		uint8_t bad[1 + 96];

		assert_non_null(dh);
		/* g^r with one bit of y flipped */
		memcpy(bad, v->gr, v->pub_len);
		bad[v->pub_len - 1] ^= 0x01;
		assert_refused(dh, bad, v->pub_len);
		/* x = y = 0 */
		memset(bad, 0, sizeof(bad));
		assert_refused(dh, bad, v->pub_len);
		/* g^r one byte short, and SEC1's 0x04 | x | y (RFC 5903 7) */
		assert_refused(dh, v->gr, v->pub_len - 1);
		bad[0] = 0x04;
		memcpy(bad + 1, v->gr, v->pub_len);
		assert_refused(dh, bad, v->pub_len + 1);
		ike_dh_free(dh);
	}
}

/*
 * RFC 8031 and RFC 7748 6.1: a Curve25519 value whose result is all
 * zero (a point of small order) is refused.
 */
static void
test_ike_dh_x25519_refuses_small_order_points(void **state)
{
	struct ike_dh *dh =
	    ike_dh_new_private(GROUP_CURVE25519, x25519_a, sizeof(x25519_a));
	uint8_t u[32] = { 0 };

	(void)state;
	assert_non_null(dh);
	assert_refused(dh, u, sizeof(u)); /* u = 0 */
	u[0] = 1;			  /* u = 1, little-endian */
	assert_refused(dh, u, sizeof(u));
	assert_refused(dh, x25519_kb, sizeof(x25519_kb) - 1);
	ike_dh_free(dh);
}

/* SKEYSEED and the SK_* keys */

static const uint8_t spis_be[16] = {
	/* SPIi 0x0102030405060708, network byte order */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	/* SPIr 0x1112131415161718 */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18
};
#define SPI_I 0x0102030405060708ull
#define SPI_R 0x1112131415161718ull

/*
 * The seven keys in RFC 7296 2.14 order, with the lengths they should
 * have (0: absent), cut from the stream prf+ gave.
 */
static void
assert_keys(const struct ike_keys *k, const size_t lens[7],
    const uint8_t *stream)
{
	const struct secbuf *b[7] = { k->sk_d, k->sk_ai, k->sk_ar, k->sk_ei,
		k->sk_er, k->sk_pi, k->sk_pr };

	for (size_t i = 0; i < 7; i++) {
		if (lens[i] == 0) {
			assert_null(b[i]);
			continue;
		}
		assert_non_null(b[i]);
		assert_int_equal(b[i]->len, lens[i]);
		assert_memory_equal(b[i]->data, stream, lens[i]);
		stream += lens[i];
	}
}

/* RFC 7296 2.14, for the given transforms. */
static void
check_keys_derive(const struct ike_encr_alg *encr,
    const struct ike_integ_alg *integ, const size_t lens[7])
{
	const struct ike_prf_alg *prf = ike_prf_alg(PRF_HMAC_SHA2_256);
	uint8_t seed[32 + 32 + 16], skeyseed[32], stream[7 * 64];
	struct secbuf *g_ir = secbuf_from(ecp256_gir, sizeof(ecp256_gir));
	struct ike_keys k = { 0 };
	size_t total = 0;

	assert_non_null(prf);
	assert_non_null(encr);
	assert_non_null(g_ir);
	for (size_t i = 0; i < 7; i++)
		total += lens[i];
	/* Ni | Nr | SPIi | SPIr; Ni | Nr alone is the first 64 bytes. */
	fill(seed, 32, 0x10);
	fill(seed + 32, 32, 0x90);
	memcpy(seed + 64, spis_be, sizeof(spis_be));

	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	assert_int_equal(
	    ike_prf(prf, seed, 64, g_ir->data, g_ir->len, skeyseed), 0);
	/* {SK_d | SK_ai | ... | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
	prf_plus_by_hand(prf, skeyseed, sizeof(skeyseed), seed, sizeof(seed),
	    stream, total);

	assert_int_equal(ike_keys_derive(prf, encr, integ, seed, 32, seed + 32,
			     32, g_ir, SPI_I, SPI_R, &k),
	    0);
	assert_keys(&k, lens, stream);
	ike_keys_free(&k);
	secbuf_free(g_ir);
}

static void
test_ike_keys_derive_cbc_follows_rfc7296(void **state)
{
	/* SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr */
	static const size_t lens[7] = { 32, 32, 32, 32, 32, 32, 32 };

	(void)state;
	check_keys_derive(ike_encr_alg(ENCR_AES_CBC, 256),
	    ike_integ_alg(AUTH_HMAC_SHA2_256_128), lens);
}

/* RFC 5282: with AES-GCM no SK_ai/SK_ar; SK_e is key | 4-byte salt. */
static void
test_ike_keys_derive_gcm_has_no_integrity_keys(void **state)
{
	/* SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr */
	static const size_t lens[7] = { 32, 0, 0, 36, 36, 32, 32 };

	(void)state;
	check_keys_derive(ike_encr_alg(ENCR_AES_GCM_16, 256), NULL, lens);
}

/* RFC 7296 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr). */
static void
test_ike_keys_rekey_follows_rfc7296(void **state)
{
	static const size_t lens[7] = { 32, 32, 32, 32, 32, 32, 32 };
	const struct ike_prf_alg *prf = ike_prf_alg(PRF_HMAC_SHA2_256);
	const struct ike_encr_alg *encr = ike_encr_alg(ENCR_AES_CBC, 256);
	const struct ike_integ_alg *integ =
	    ike_integ_alg(AUTH_HMAC_SHA2_256_128);
	uint8_t old_d[32], in[32 + 64], seed[64 + 16], skeyseed[32],
	    stream[7 * 32];
	struct secbuf *sk_d, *g_ir = secbuf_from(x25519_k, sizeof(x25519_k));
	struct ike_keys k = { 0 };

	(void)state;
	fill(old_d, sizeof(old_d), 0x33);
	sk_d = secbuf_from(old_d, sizeof(old_d));
	assert_non_null(sk_d);
	assert_non_null(g_ir);
	fill(seed, 32, 0x50);	   /* Ni */
	fill(seed + 32, 32, 0xd0); /* Nr */
	memcpy(seed + 64, spis_be, sizeof(spis_be));
	memcpy(in, g_ir->data, 32); /* g^ir (new) | Ni | Nr */
	memcpy(in + 32, seed, 64);
	assert_int_equal(
	    ike_prf(prf, old_d, sizeof(old_d), in, sizeof(in), skeyseed), 0);
	prf_plus_by_hand(prf, skeyseed, sizeof(skeyseed), seed, sizeof(seed),
	    stream, sizeof(stream));

	assert_int_equal(ike_keys_rekey(prf, encr, integ, sk_d, g_ir, seed, 32,
			     seed + 32, 32, SPI_I, SPI_R, &k),
	    0);
	assert_keys(&k, lens, stream);
	ike_keys_free(&k);
	secbuf_free(sk_d);
	secbuf_free(g_ir);
}

/* RFC 7296 2.17: KEYMAT = prf+(SK_d, Ni | Nr), or with g^ir (new) first. */
static void
test_ike_child_keymat_follows_rfc7296(void **state)
{
	const struct ike_prf_alg *prf = ike_prf_alg(PRF_HMAC_SHA2_256);
	uint8_t d[32], seed[32 + 32 + 32], want[128];
	struct secbuf *sk_d, *g_ir, *km;

	(void)state;
	fill(d, sizeof(d), 0x21);
	sk_d = secbuf_from(d, sizeof(d));
	g_ir = secbuf_from(ecp256_gir, sizeof(ecp256_gir));
	assert_non_null(sk_d);
	assert_non_null(g_ir);
	memcpy(seed, ecp256_gir, 32); /* g^ir | Ni | Nr */
	fill(seed + 32, 32, 0x60);
	fill(seed + 64, 32, 0xe0);

	/* Two AES-CBC-256 keys and two HMAC-SHA2-256 keys: 128 bytes. */
	prf_plus_by_hand(prf, d, sizeof(d), seed + 32, 64, want, sizeof(want));
	km = ike_child_keymat(prf, sk_d, NULL, seed + 32, 32, seed + 64, 32,
	    sizeof(want));
	assert_non_null(km);
	assert_int_equal(km->len, sizeof(want));
	assert_memory_equal(km->data, want, sizeof(want));
	secbuf_free(km);

	/* Two AES-GCM-256 keys with salts, after a CREATE_CHILD_SA KE. */
	prf_plus_by_hand(prf, d, sizeof(d), seed, sizeof(seed), want, 72);
	km =
	    ike_child_keymat(prf, sk_d, g_ir, seed + 32, 32, seed + 64, 32, 72);
	assert_non_null(km);
	assert_int_equal(km->len, 72);
	assert_memory_equal(km->data, want, 72);
	secbuf_free(km);
	secbuf_free(sk_d);
	secbuf_free(g_ir);
}

/* The SK payload */

/* The inner payloads: 10 bytes that are not a multiple of any block. */
static const uint8_t inner[10] = { '0', '1', '2', '3', '4', '5', '6', '7', '8',
	'9' };

/* Decrypts a copy of body; returns what ike_sk_decrypt() said. */
static int
decrypt_copy(const struct ike_sk_keys *k, const uint8_t *aad, size_t aad_len,
    const uint8_t *body, size_t len)
{
	uint8_t *copy = malloc(len), *plain = NULL;
	size_t plain_len = 0;
	int rc;

	assert_non_null(copy);
	memcpy(copy, body, len);
	rc = ike_sk_decrypt(k, aad, aad_len, copy, len, &plain, &plain_len);
	free(copy);
	return rc;
}

/*
 * RFC 7296 3.14 with AES-CBC-256 and HMAC-SHA2-256-128:
 *   IV (16) | E(inner (10) | padding (5) | pad length 5) | ICV (16)
 * and the ICV is the integrity MAC over the message up to it.
 */
static void
test_ike_sk_cbc_round_trip(void **state)
{
	uint8_t ek[32], ak[32], aad[28 + 4], iv[16], out[48], body[48];
	uint8_t mac_in[sizeof(aad) + 32], mac[IKE_PRF_MAX], *plain = NULL;
	struct ike_sk_keys k = { ike_encr_alg(ENCR_AES_CBC, 256),
		ike_integ_alg(AUTH_HMAC_SHA2_256_128), NULL, NULL };
	const struct ike_prf_alg *hmac256 = ike_prf_alg(PRF_HMAC_SHA2_256);
	size_t plain_len = 0;
	struct secbuf *e, *a;

	(void)state;
	fill(ek, sizeof(ek), 0x01);
	fill(ak, sizeof(ak), 0xa1);
	fill(aad, sizeof(aad), 0xc0); /* IKE header | SK generic header */
	fill(iv, sizeof(iv), 0xf0);
	k.ek = e = secbuf_from(ek, sizeof(ek));
	k.ak = a = secbuf_from(ak, sizeof(ak));
	assert_non_null(k.encr);
	assert_non_null(k.integ);

	assert_int_equal(ike_sk_len(&k, sizeof(inner)), 16 + 16 + 16);
	assert_int_equal(ike_sk_encrypt(&k, aad, sizeof(aad), iv, inner,
			     sizeof(inner), out),
	    0);
	assert_memory_equal(out, iv, 16);
	assert_memory_not_equal(out + 16, inner, sizeof(inner));
	/* ICV = HMAC-SHA-256(SK_a, aad | IV | ciphertext), first 128 bits */
	memcpy(mac_in, aad, sizeof(aad));
	memcpy(mac_in + sizeof(aad), out, 32);
	assert_int_equal(
	    ike_prf(hmac256, ak, sizeof(ak), mac_in, sizeof(mac_in), mac), 0);
	assert_memory_equal(out + 32, mac, 16);

	memcpy(body, out, sizeof(out));
	assert_int_equal(ike_sk_decrypt(&k, aad, sizeof(aad), body,
			     sizeof(body), &plain, &plain_len),
	    0);
	assert_ptr_equal(plain, body + 16);
	assert_int_equal(plain_len, sizeof(inner));
	assert_memory_equal(plain, inner, sizeof(inner));
	assert_int_equal(body[16 + 15], 5); /* pad length, in place */

	/* One bit flipped in the ciphertext, the ICV, or the header. */
	memcpy(body, out, sizeof(out));
	body[20] ^= 0x01;
	assert_int_equal(decrypt_copy(&k, aad, sizeof(aad), body, 48),
	    -EBADMSG);
	memcpy(body, out, sizeof(out));
	body[47] ^= 0x80;
	assert_int_equal(decrypt_copy(&k, aad, sizeof(aad), body, 48),
	    -EBADMSG);
	aad[17] ^= 0x08;
	assert_int_equal(decrypt_copy(&k, aad, sizeof(aad), out, 48), -EBADMSG);
	aad[17] ^= 0x08;

	/*
	 * A pad length past the plaintext, under a valid ICV: in CBC the
	 * IV's last byte is XORed into the pad length, 5 ^ 0x10 = 21.
	 */
	memcpy(body, out, sizeof(out));
	body[15] ^= 0x10;
	memcpy(mac_in + sizeof(aad), body, 32);
	assert_int_equal(
	    ike_prf(hmac256, ak, sizeof(ak), mac_in, sizeof(mac_in), mac), 0);
	memcpy(body + 32, mac, 16);
	assert_int_equal(decrypt_copy(&k, aad, sizeof(aad), body, 48),
	    -EBADMSG);

	/* Not a whole block; shorter than IV and ICV. */
	assert_int_equal(decrypt_copy(&k, aad, sizeof(aad), out, 47), -EBADMSG);
	assert_int_equal(decrypt_copy(&k, aad, sizeof(aad), out, 31), -EBADMSG);
	secbuf_free(e);
	secbuf_free(a);
}

/*
 * RFC 5282 with AES-GCM-16-256: no block to fill, so the pad length
 * byte alone follows the inner payloads:
 *   IV (8) | E(inner (10) | pad length 0) | ICV (16)
 */
static void
test_ike_sk_gcm_round_trip(void **state)
{
	uint8_t ek[36], aad[28 + 4], iv[8], out[35], body[35], *plain = NULL;
	struct ike_sk_keys k = { ike_encr_alg(ENCR_AES_GCM_16, 256), NULL, NULL,
		NULL };
	size_t plain_len = 0;
	struct secbuf *e;

	(void)state;
	fill(ek, sizeof(ek), 0x01);
	fill(aad, sizeof(aad), 0xc0);
	fill(iv, sizeof(iv), 0xf0);
	k.ek = e = secbuf_from(ek, sizeof(ek));
	assert_non_null(k.encr);

	assert_int_equal(ike_sk_len(&k, sizeof(inner)), 8 + 11 + 16);
	assert_int_equal(ike_sk_encrypt(&k, aad, sizeof(aad), iv, inner,
			     sizeof(inner), out),
	    0);
	assert_memory_equal(out, iv, 8);
	assert_memory_not_equal(out + 8, inner, sizeof(inner));

	memcpy(body, out, sizeof(out));
	assert_int_equal(ike_sk_decrypt(&k, aad, sizeof(aad), body,
			     sizeof(body), &plain, &plain_len),
	    0);
	assert_ptr_equal(plain, body + 8);
	assert_int_equal(plain_len, sizeof(inner));
	assert_memory_equal(plain, inner, sizeof(inner));
	assert_int_equal(body[8 + 10], 0); /* pad length, in place */

	/* One bit flipped in the IV, the ciphertext, the ICV, the AAD. */
	for (size_t i = 0; i < 3; i++) {
		static const size_t at[3] = { 3, 12, 34 };

		memcpy(body, out, sizeof(out));
		body[at[i]] ^= 0x04;
		assert_int_equal(decrypt_copy(&k, aad, sizeof(aad), body,
				     sizeof(body)),
		    -EBADMSG);
	}
	aad[30] ^= 0x01;
	assert_int_equal(decrypt_copy(&k, aad, sizeof(aad), out, sizeof(out)),
	    -EBADMSG);
	assert_int_equal(decrypt_copy(&k, aad, sizeof(aad), out, 8 + 16),
	    -EBADMSG);
	secbuf_free(e);
}

/*
 * McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", test
 * case 14 (AES-256, 96-bit IV, no AAD), read in RFC 5282's layout: the
 * GCM IV's first 4 bytes are the salt at the end of SK_e, the other 8 the
 * IV carried in the payload (RFC 5282).  The plaintext's last byte is
 * 0, so it is 15 bytes of inner payloads and a pad length of 0.
 */
static const uint8_t gcm14_ek[36] = {
	/* K */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* salt: the first 4 bytes of IV */
	0x00, 0x00, 0x00, 0x00
};
static const uint8_t gcm14_body[8 + 16 + 16] = {
	/* IV: its last 8 bytes */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* C */
	0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e, 0x07, 0x4e, 0xc5, 0xd3,
	0xba, 0xf3, 0x9d, 0x18,
	/* T */
	0xd0, 0xd1, 0xc8, 0xa7, 0x99, 0x99, 0x6b, 0xf0, 0x26, 0x5b, 0x98, 0xb5,
	0xd4, 0x8a, 0xb9, 0x19
};

/*
 * The same document, test case 16 (AES-256, 96-bit IV, 20 bytes of AAD).
 * Its plaintext ends in 0x39: the last 58 bytes are 57 bytes of padding
 * and the pad length, leaving 2 bytes of inner payloads.
 */
static const uint8_t gcm16_ek[36] = {
	/* K */
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94,
	0x67, 0x30, 0x83, 0x08, 0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	/* salt: the first 4 bytes of IV */
	0xca, 0xfe, 0xba, 0xbe
};
static const uint8_t gcm16_aad[20] = {
	/* A */
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed, 0xfa, 0xce,
	0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2
};
static const uint8_t gcm16_p[60] = {
	/* P */
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5,
	0xaf, 0xf5, 0x26, 0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda,
	0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31, 0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95,
	0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49, 0xa6, 0xb5, 0x25,
	0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39
};
static const uint8_t gcm16_body[8 + 60 + 16] = {
	/* IV: its last 8 bytes */
	0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
	/* C */
	0x52, 0x2d, 0xc1, 0xf0, 0x99, 0x56, 0x7d, 0x07, 0xf4, 0x7f, 0x37, 0xa3,
	0x2a, 0x84, 0x42, 0x7d, 0x64, 0x3a, 0x8c, 0xdc, 0xbf, 0xe5, 0xc0, 0xc9,
	0x75, 0x98, 0xa2, 0xbd, 0x25, 0x55, 0xd1, 0xaa, 0x8c, 0xb0, 0x8e, 0x48,
	0x59, 0x0d, 0xbb, 0x3d, 0xa7, 0xb0, 0x8b, 0x10, 0x56, 0x82, 0x88, 0x38,
	0xc5, 0xf6, 0x1e, 0x63, 0x93, 0xba, 0x7a, 0x0a, 0xbc, 0xc9, 0xf6, 0x62,
	/* T */
	0x76, 0xfc, 0x6e, 0xce, 0x0f, 0x4e, 0x17, 0x68, 0xcd, 0xdf, 0x88, 0x53,
	0xbb, 0x2d, 0x55, 0x1b
};

static void
test_ike_sk_gcm_matches_the_gcm_test_cases(void **state)
{
	struct ike_sk_keys k = { ike_encr_alg(ENCR_AES_GCM_16, 256), NULL, NULL,
		NULL };
	uint8_t zeros[15] = { 0 }, out[sizeof(gcm14_body)];
	uint8_t body[sizeof(gcm16_body)], *plain = NULL;
	size_t plain_len = 0;
	struct secbuf *e;

	(void)state;
	assert_non_null(k.encr);
	/* Test case 14, both ways. */
	k.ek = e = secbuf_from(gcm14_ek, sizeof(gcm14_ek));
	assert_int_equal(ike_sk_len(&k, sizeof(zeros)), sizeof(gcm14_body));
	assert_int_equal(ike_sk_encrypt(&k, zeros, 0, gcm14_body, zeros,
			     sizeof(zeros), out),
	    0);
	assert_memory_equal(out, gcm14_body, sizeof(gcm14_body));
	assert_int_equal(ike_sk_decrypt(&k, zeros, 0, out, sizeof(out), &plain,
			     &plain_len),
	    0);
	assert_int_equal(plain_len, sizeof(zeros));
	assert_memory_equal(plain, zeros, sizeof(zeros));
	secbuf_free(e);

	/* Test case 16, decrypted in place. */
	k.ek = e = secbuf_from(gcm16_ek, sizeof(gcm16_ek));
	memcpy(body, gcm16_body, sizeof(body));
	assert_int_equal(ike_sk_decrypt(&k, gcm16_aad, sizeof(gcm16_aad), body,
			     sizeof(body), &plain, &plain_len),
	    0);
	assert_ptr_equal(plain, body + 8);
	assert_int_equal(plain_len, 2);
	assert_memory_equal(body + 8, gcm16_p, sizeof(gcm16_p));
	secbuf_free(e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ike_transform_tables_match_the_rfcs),
	cmocka_unit_test(test_ike_prf_matches_rfc2202_and_rfc4231),
	cmocka_unit_test(test_ike_prf_plus_follows_rfc7296),
	cmocka_unit_test(test_ike_dh_matches_rfc5903_and_rfc7748),
	cmocka_unit_test(test_ike_dh_modp2048_peers_agree),
	cmocka_unit_test(test_ike_dh_modp2048_refuses_rfc6989_values),
	cmocka_unit_test(test_ike_dh_ecp_refuses_points_off_the_curve),
	cmocka_unit_test(test_ike_dh_x25519_refuses_small_order_points),
	cmocka_unit_test(test_ike_keys_derive_cbc_follows_rfc7296),
	cmocka_unit_test(test_ike_keys_derive_gcm_has_no_integrity_keys),
	cmocka_unit_test(test_ike_keys_rekey_follows_rfc7296),
	cmocka_unit_test(test_ike_child_keymat_follows_rfc7296),
	cmocka_unit_test(test_ike_sk_cbc_round_trip),
	cmocka_unit_test(test_ike_sk_gcm_round_trip),
	cmocka_unit_test(test_ike_sk_gcm_matches_the_gcm_test_cases)
};

TUNSH_TEST_MAIN(tests)
