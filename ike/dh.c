/*
 * ike/dh.c: Diffie-Hellman groups for IKEv2 as an ops table: MODP 14, 15,
 * 16 (RFC 3526), ECP 19, 20, 21 (RFC 5903) and Curve25519 (RFC 8031),
 * through OpenSSL 3 EVP_PKEY only.  Public values are encoded as the KE
 * payload carries them; peer values are checked as RFC 6989 requires
 * before any secret is derived.  No state beyond the key, no I/O.
 */
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#include "ike/crypto.h"
#include "lib/iana.h"

enum dh_kind {
	DH_MODP,
	DH_ECP,
	DH_X25519
};

struct dh_group {
	uint16_t id;
	enum dh_kind kind;
	const char *name; /* OpenSSL group name */
	size_t pub_len;	  /* KE payload data length */
	size_t secret_len;
};

static const struct dh_group groups[] = {
	{ IKE_DH_MODP_2048, DH_MODP, "modp_2048", 256, 256 },
	{ IKE_DH_MODP_3072, DH_MODP, "modp_3072", 384, 384 },
	{ IKE_DH_MODP_4096, DH_MODP, "modp_4096", 512, 512 },
	/* RFC 5903 7: x | y, each the size of the field; g^ir is x. */
	{ IKE_DH_ECP_256, DH_ECP, "P-256", 64, 32 },
	{ IKE_DH_ECP_384, DH_ECP, "P-384", 96, 48 },
	{ IKE_DH_ECP_521, DH_ECP, "P-521", 132, 66 },
	{ IKE_DH_CURVE25519, DH_X25519, "X25519", 32, 32 },
};

struct ike_dh {
	const struct dh_group *g;
	EVP_PKEY *key;
};

static const struct dh_group *
group(uint16_t id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

bool
ike_dh_supported(uint16_t id)
{
	return group(id) != NULL;
}

size_t
ike_dh_public_len(uint16_t id)
{
	const struct dh_group *g = group(id);

	return g ? g->pub_len : 0;
}

struct ike_dh *
ike_dh_new(uint16_t id)
{
	const struct dh_group *g = group(id);
	OSSL_PARAM params[2];
	EVP_PKEY_CTX *ctx = NULL;
	struct ike_dh *dh;

	if (g == NULL || (dh = calloc(1, sizeof(*dh))) == NULL)
		return NULL;
	dh->g = g;
	if (g->kind == DH_X25519) {
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
			goto fail;
	} else {
		ctx = EVP_PKEY_CTX_new_from_name(NULL,
		    g->kind == DH_MODP ? "DH" : "EC", NULL);
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
		    !EVP_PKEY_CTX_set_params(ctx, params))
			goto fail;
	}
	if (EVP_PKEY_generate(ctx, &dh->key) <= 0)
		goto fail;
	EVP_PKEY_CTX_free(ctx);
	return dh;
fail:
	EVP_PKEY_CTX_free(ctx);
	ike_dh_free(dh);
	return NULL;
}

void
ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}

int
ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t *len)
{
	uint8_t pt[1 + 2 * 66];
	BIGNUM *y = NULL;
	size_t n = 0;
	int rc = -EIO;

	switch (dh->g->kind) {
	case DH_X25519:
		n = dh->g->pub_len;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &n) && n == 32)
			rc = 0;
		break;
	case DH_ECP:
		/* Uncompressed point 0x04 | x | y; IKE drops the 0x04. */
		if (EVP_PKEY_get_octet_string_param(dh->key,
			OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) &&
		    n == dh->g->pub_len + 1 && pt[0] == 0x04) {
			memcpy(out, pt + 1, dh->g->pub_len);
			rc = 0;
		}
		break;
	case DH_MODP:
		/* RFC 7296 3.4: padded with zeros to the prime's length. */
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY,
			&y) &&
		    BN_bn2binpad(y, out, (int)dh->g->pub_len) > 0)
			rc = 0;
		BN_free(y);
		break;
	}
	*len = dh->g->pub_len;
	return rc;
}

/* RFC 6989 2.1: for MODP, 1 < y < p-1 is the check required. */
static EVP_PKEY *
modp_peer(const struct ike_dh *dh, const uint8_t *v, size_t len)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer = NULL;
	BIGNUM *y = BN_bin2bn(v, (int)len, NULL), *p = NULL;

	if (y == NULL ||
	    !EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_FFC_P, &p) ||
	    BN_cmp(y, BN_value_one()) <= 0 || !BN_sub_word(p, 1) ||
	    BN_cmp(y, p) >= 0)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
		dh->g->name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		peer = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(y);
	BN_free(p);
	return peer;
}

/* RFC 6989 2.3: an ECP value must be a point on the curve; decoding the
 * uncompressed point checks exactly that. */
static EVP_PKEY *
ecp_peer(const struct ike_dh *dh, const uint8_t *v, size_t len)
{
	uint8_t pt[1 + 2 * 66];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer = NULL;

	pt[0] = 0x04;
	memcpy(pt + 1, v, len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)dh->g->name, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    pt, len + 1);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		peer = NULL;
	EVP_PKEY_CTX_free(ctx);
	return peer;
}

int
ike_dh_derive(struct ike_dh *dh, const uint8_t *v, size_t len,
    struct secbuf **shared)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer = NULL;
	struct secbuf *s = NULL;
	size_t n;
	int rc = -EINVAL;

	*shared = NULL;
	if (len != dh->g->pub_len)
		return -EINVAL;
	switch (dh->g->kind) {
	case DH_MODP:
		peer = modp_peer(dh, v, len);
		break;
	case DH_ECP:
		peer = ecp_peer(dh, v, len);
		break;
	case DH_X25519:
		peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, v,
		    len);
		break;
	}
	if (peer == NULL)
		return -EINVAL;
	n = dh->g->secret_len;
	if ((s = secbuf_new(n)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* The checks above are the ones RFC 6989 asks for; OpenSSL's full
	 * validation of a MODP value costs four times more (issue 4). */
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) <= 0 ||
	    (dh->g->kind == DH_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0))
		goto out;
	/* X25519 refuses an all-zero result (RFC 7748 6.1, RFC 8031 2.3). */
	if (EVP_PKEY_derive(ctx, s->data, &n) <= 0 || n != s->len)
		goto out;
	*shared = s;
	s = NULL;
	rc = 0;
out:
	secbuf_free(s);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return rc;
}

/* k * G as an uncompressed point, for a key given by its scalar. */
static size_t
ec_public(const struct dh_group *g, const BIGNUM *k, uint8_t *out, size_t len)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(EC_curve_nist2nid(g->name));
	EC_POINT *pt = grp ? EC_POINT_new(grp) : NULL;
	size_t n = 0;

	if (pt != NULL && EC_POINT_mul(grp, pt, k, NULL, NULL, NULL))
		n = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED,
		    out, len, NULL);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return n;
}

struct ike_dh *
ike_dh_new_private(uint16_t id, const uint8_t *priv, size_t len)
{
	const struct dh_group *g = group(id);
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t pub[1 + 2 * 66];
	size_t pub_len = 0;
	struct ike_dh *dh;
	BIGNUM *k = NULL;

	if (g == NULL || g->kind == DH_MODP ||
	    (dh = calloc(1, sizeof(*dh))) == NULL)
		return NULL;
	dh->g = g;
	if (g->kind == DH_X25519) {
		dh->key = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL,
		    priv, len);
		goto done;
	}
	/* EVP_PKEY_fromdata() does not derive the public point from the
	 * scalar: compute it, then import both. */
	if ((k = BN_bin2bn(priv, (int)len, NULL)) == NULL ||
	    (pub_len = ec_public(g, k, pub, sizeof(pub))) == 0 ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
		g->name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, k) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
		pub_len) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &dh->key, EVP_PKEY_KEYPAIR, params) <= 0)
		dh->key = NULL;
done:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_clear_free(k);
	if (dh->key == NULL) {
		ike_dh_free(dh);
		return NULL;
	}
	return dh;
}
