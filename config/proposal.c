/*
 * config/proposal.c: strongSwan's proposal notation ("aes256-sha256-
 * modp2048") to transforms with their IANA ids, and the rules a proposal
 * must follow for IKE and for ESP.  The algorithm table here is the one
 * list of what tunsh accepts; the IKE engine maps the same ids to OpenSSL.
 */
#include <errno.h>
#include <string.h>

#include "config/config.h"
#include "lib/iana.h"

/* RFC 7296 3.3.2 and the IANA IKEv2 transform registries. */
static const struct config_transform transforms[] = {
	{ "aes128", CONFIG_TRANSFORM_ENCR, IKE_ENCR_AES_CBC, 128, false, NULL },
	{ "aes256", CONFIG_TRANSFORM_ENCR, IKE_ENCR_AES_CBC, 256, false, NULL },
	{ "aes128gcm16", CONFIG_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 128, true,
	    NULL },
	{ "aes256gcm16", CONFIG_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, true,
	    NULL },
	{ "aes128gcm", CONFIG_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 128, true,
	    "aes128gcm16" },
	{ "aes256gcm", CONFIG_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, true,
	    "aes256gcm16" },
	{ "chacha20poly1305", CONFIG_TRANSFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305,
	    256, true, NULL },
	{ "sha1", CONFIG_TRANSFORM_INTEG, IKE_AUTH_HMAC_SHA1_96, 0, false,
	    NULL },
	{ "sha256", CONFIG_TRANSFORM_INTEG, IKE_AUTH_HMAC_SHA2_256_128, 0,
	    false, NULL },
	{ "sha384", CONFIG_TRANSFORM_INTEG, IKE_AUTH_HMAC_SHA2_384_192, 0,
	    false, NULL },
	{ "sha512", CONFIG_TRANSFORM_INTEG, IKE_AUTH_HMAC_SHA2_512_256, 0,
	    false, NULL },
	{ "prfsha1", CONFIG_TRANSFORM_PRF, IKE_PRF_HMAC_SHA1, 0, false, NULL },
	{ "prfsha256", CONFIG_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0, false,
	    NULL },
	{ "prfsha384", CONFIG_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0, false,
	    NULL },
	{ "prfsha512", CONFIG_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0, false,
	    NULL },
	{ "modp2048", CONFIG_TRANSFORM_DH, IKE_DH_MODP_2048, 0, false, NULL },
	{ "modp3072", CONFIG_TRANSFORM_DH, IKE_DH_MODP_3072, 0, false, NULL },
	{ "modp4096", CONFIG_TRANSFORM_DH, IKE_DH_MODP_4096, 0, false, NULL },
	{ "ecp256", CONFIG_TRANSFORM_DH, IKE_DH_ECP_256, 0, false, NULL },
	{ "ecp384", CONFIG_TRANSFORM_DH, IKE_DH_ECP_384, 0, false, NULL },
	{ "ecp521", CONFIG_TRANSFORM_DH, IKE_DH_ECP_521, 0, false, NULL },
	{ "curve25519", CONFIG_TRANSFORM_DH, IKE_DH_CURVE25519, 0, false,
	    NULL },
	{ "x25519", CONFIG_TRANSFORM_DH, IKE_DH_CURVE25519, 0, false,
	    "curve25519" },
	{ NULL, 0, 0, 0, false, NULL },
};

/* The PRF strongSwan derives from an integrity algorithm. */
static const char *const prf_of_integ[][2] = {
	{ "sha1", "prfsha1" },
	{ "sha256", "prfsha256" },
	{ "sha384", "prfsha384" },
	{ "sha512", "prfsha512" },
};

const struct config_transform *
config_transforms(void)
{
	return transforms;
}

static const struct config_transform *
lookup(const char *word, size_t len)
{
	for (const struct config_transform *t = transforms; t->name; t++)
		if (strlen(t->name) == len && memcmp(t->name, word, len) == 0)
			return t;
	return NULL;
}

static void
valid_words(bool ike, char *buf, size_t len)
{
	buf[0] = '\0';
	for (const struct config_transform *t = transforms; t->name; t++) {
		if (t->alias_of != NULL ||
		    (!ike && t->type == CONFIG_TRANSFORM_PRF))
			continue;
		strncat(buf, buf[0] ? " " : "", len - strlen(buf) - 1);
		strncat(buf, t->name, len - strlen(buf) - 1);
	}
}

static int
add(struct config_proposal *p, const struct config_transform *t)
{
	const struct config_transform **list;
	size_t *n;

	switch (t->type) {
	case CONFIG_TRANSFORM_ENCR:
		list = p->encr, n = &p->n_encr;
		break;
	case CONFIG_TRANSFORM_PRF:
		list = p->prf, n = &p->n_prf;
		break;
	case CONFIG_TRANSFORM_INTEG:
		list = p->integ, n = &p->n_integ;
		break;
	default:
		list = p->dh, n = &p->n_dh;
		break;
	}
	for (size_t i = 0; i < *n; i++)
		if (list[i]->id == t->id && list[i]->keylen == t->keylen)
			return 0; /* a repeated word, or an alias of one */
	if (*n == CONFIG_PROPOSAL_ALGS)
		return -ENOSPC;
	list[(*n)++] = t;
	return 0;
}

static int
check_rules(struct config_proposal *p, bool ike, struct diag *d)
{
	size_t aead = 0;

	for (size_t i = 0; i < p->n_encr; i++)
		aead += p->encr[i]->aead;
	if (p->n_encr == 0) {
		diag_error(d,
		    "no encryption algorithm: start with one such as "
		    "aes256gcm16 or aes256");
		return -EINVAL;
	}
	if (aead != 0 && aead != p->n_encr) {
		diag_error(d,
		    "combined-mode (GCM, ChaCha20-Poly1305) and "
		    "plain ciphers cannot share a proposal: make two proposals");
		return -EINVAL;
	}
	if (aead != 0 && p->n_integ != 0) {
		diag_error(d,
		    "%s authenticates by itself and takes no "
		    "integrity algorithm: remove %s",
		    p->encr[0]->name, p->integ[0]->name);
		return -EINVAL;
	}
	if (aead == 0 && p->n_integ == 0) {
		diag_error(d, "%s needs an integrity algorithm such as sha256",
		    p->encr[0]->name);
		return -EINVAL;
	}
	if (!ike) {
		if (p->n_prf != 0) {
			diag_error(d, "ESP takes no PRF: remove %s",
			    p->prf[0]->name);
			return -EINVAL;
		}
		return 0;
	}
	if (p->n_dh == 0) {
		diag_error(d,
		    "an IKE proposal needs a Diffie-Hellman group such "
		    "as ecp384 or modp2048");
		return -EINVAL;
	}
	if (p->n_prf == 0 && aead != 0) {
		diag_error(d,
		    "%s needs a PRF in IKE: add prfsha256 or prfsha384",
		    p->encr[0]->name);
		return -EINVAL;
	}
	/* strongSwan derives the PRF from the integrity algorithms. */
	for (size_t i = 0; p->n_prf == 0 && i < p->n_integ; i++)
		for (size_t j = 0;
		     j < sizeof(prf_of_integ) / sizeof(*prf_of_integ); j++)
			if (strcmp(p->integ[i]->name, prf_of_integ[j][0]) == 0)
				add(p,
				    lookup(prf_of_integ[j][1],
					strlen(prf_of_integ[j][1])));
	return 0;
}

int
config_proposal_parse(const char *s, bool ike, struct config_proposal *out,
    struct diag *d)
{
	const struct config_transform *t;
	const char *w = s, *end;
	char valid[512];

	memset(out, 0, sizeof(*out));
	if (s == NULL || s[0] == '\0') {
		diag_error(d, "empty proposal");
		return -EINVAL;
	}
	for (;;) {
		end = strchr(w, '-');
		if (end == NULL)
			end = w + strlen(w);
		t = lookup(w, (size_t)(end - w));
		if (t == NULL) {
			valid_words(ike, valid, sizeof(valid));
			diag_error(d, "unknown algorithm \"%.*s\"; valid: %s",
			    (int)(end - w), w, valid);
			return -EINVAL;
		}
		if (add(out, t) < 0) {
			diag_error(d,
			    "too many algorithms of one kind (at most "
			    "%d)",
			    CONFIG_PROPOSAL_ALGS);
			return -EINVAL;
		}
		if (*end == '\0')
			break;
		w = end + 1;
	}
	return check_rules(out, ike, d);
}

void
config_proposal_algs(const struct config_proposal *p, struct config_algs *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->n_encr; i++) {
		out->encr[out->n_encr] = p->encr[i]->id;
		out->encr_bits[out->n_encr++] = p->encr[i]->keylen;
	}
	for (size_t i = 0; i < p->n_prf; i++)
		out->prf[out->n_prf++] = p->prf[i]->id;
	for (size_t i = 0; i < p->n_integ; i++)
		out->integ[out->n_integ++] = p->integ[i]->id;
	for (size_t i = 0; i < p->n_dh; i++)
		out->dh[out->n_dh++] = p->dh[i]->id;
}
