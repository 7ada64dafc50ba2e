/*
 * config/azure.c: what a partner-type azure tunnel needs on the Azure
 * side.  Azure's default IPsec/IKE policy offers only DH group 2 (1024-bit
 * MODP) in IKE_SA_INIT, which tunsh refuses, so such a tunnel comes up
 * only with a custom policy on the Azure connection.  This file turns the
 * tunnel's own proposals and lifetime into that policy, as the
 * New-AzIpsecPolicy command a person pastes into Azure PowerShell.  Pure:
 * a table and string formatting; validate.c says it, apply.c passes the
 * engine a hint.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/config_private.h"

/*
 * tunsh transform (IANA type, id, key bits) -> Azure's parameter value for
 * IKE and for IPsec; NULL where Azure has no such choice.  Azure's values
 * are those New-AzIpsecPolicy accepts: -IkeEncryption, -IkeIntegrity,
 * -DhGroup, -IpsecEncryption, -IpsecIntegrity, -PfsGroup.  In IKEv2 an AEAD
 * proposal has no integrity transform: Azure's IkeIntegrity is then the
 * PRF.  Azure's IPsec integrity has no SHA384/512, its IKE no SHA512.
 */
static const struct azure_name {
	enum config_transform_type type;
	uint16_t id, keylen;
	const char *ike, *esp;
} azure_names[] = {
	{ CONFIG_TRANSFORM_ENCR, 12, 128, "AES128", "AES128" },
	{ CONFIG_TRANSFORM_ENCR, 12, 256, "AES256", "AES256" },
	{ CONFIG_TRANSFORM_ENCR, 20, 128, "GCMAES128", "GCMAES128" },
	{ CONFIG_TRANSFORM_ENCR, 20, 256, "GCMAES256", "GCMAES256" },
	{ CONFIG_TRANSFORM_INTEG, 2, 0, "SHA1", "SHA1" },
	{ CONFIG_TRANSFORM_INTEG, 12, 0, "SHA256", "SHA256" },
	{ CONFIG_TRANSFORM_INTEG, 13, 0, "SHA384", NULL },
	{ CONFIG_TRANSFORM_PRF, 2, 0, "SHA1", NULL },
	{ CONFIG_TRANSFORM_PRF, 5, 0, "SHA256", NULL },
	{ CONFIG_TRANSFORM_PRF, 6, 0, "SHA384", NULL },
	{ CONFIG_TRANSFORM_DH, 14, 0, "DHGroup14", "PFS2048" },
	{ CONFIG_TRANSFORM_DH, 19, 0, "ECP256", "ECP256" },
	{ CONFIG_TRANSFORM_DH, 20, 0, "ECP384", "ECP384" },
};

/* Azure's default IPsec SA volume limit: tunsh has none of its own, and
 * answers the rekey Azure starts when it is reached. */
#define AZURE_SA_KILOBYTES 102400000u

static const char *
azure_name(const struct config_transform *tr, bool ike)
{
	for (size_t i = 0; i < sizeof(azure_names) / sizeof(azure_names[0]);
	     i++) {
		const struct azure_name *a = &azure_names[i];

		if (a->type == tr->type && a->id == tr->id &&
		    a->keylen == tr->keylen)
			return ike ? a->ike : a->esp;
	}
	return NULL;
}

/* The first of a proposal's algorithms of one type Azure has, or NULL. */
static const char *
first_known(const struct config_transform *const *list, size_t n, bool ike)
{
	const char *name;

	for (size_t i = 0; i < n; i++)
		if ((name = azure_name(list[i], ike)) != NULL)
			return name;
	return NULL;
}

struct azure_choice {
	const char *encr, *integ, *dh;
};

/*
 * Azure takes one value of each; any combination inside one of our
 * proposals is one we accept, so the first proposal (our preference) that
 * Azure can express wholly wins.
 */
static int
choose(const struct config_proposals *l, bool ike, struct azure_choice *out)
{
	struct config_proposal p;

	for (size_t i = 0; i < l->n; i++) {
		if (config_proposal_parse(l->v[i].text, ike, &p, NULL) < 0)
			continue;
		out->encr = first_known(p.encr, p.n_encr, ike);
		if (p.n_encr > 0 && p.encr[0]->aead)
			out->integ = ike ? first_known(p.prf, p.n_prf, true) :
					   out->encr;
		else
			out->integ = first_known(p.integ, p.n_integ, ike);
		/* ESP without a DH group: no PFS. */
		out->dh = p.n_dh == 0 && !ike ? "None" :
						first_known(p.dh, p.n_dh, ike);
		if (out->encr != NULL && out->integ != NULL && out->dh != NULL)
			return 0;
	}
	return -ENOENT;
}

int
config_azure_policy(const struct config_tunnel *t, char *buf, size_t len,
    struct diag *d)
{
	struct azure_choice ike, esp;

	if (choose(&t->ike_proposals, true, &ike) < 0) {
		diag_error(d,
		    "ipsec tunnel %s: no ike-proposal is one Azure can do: "
		    "add one of aes256 or aes256gcm16, sha256 or prfsha256, "
		    "and modp2048, ecp256 or ecp384, e.g. "
		    "aes256-sha256-modp2048",
		    t->name);
		return -ENOENT;
	}
	if (choose(&t->esp_proposals, false, &esp) < 0) {
		diag_error(d,
		    "ipsec tunnel %s: no esp-proposal is one Azure can do: "
		    "add one of aes256gcm16, or aes256 with sha256, with no "
		    "DH group or modp2048, ecp256 or ecp384, e.g. aes256gcm16",
		    t->name);
		return -ENOENT;
	}
	snprintf(buf, len,
	    "New-AzIpsecPolicy -IkeEncryption %s -IkeIntegrity %s "
	    "-DhGroup %s -IpsecEncryption %s -IpsecIntegrity %s "
	    "-PfsGroup %s -SALifeTimeSeconds %u -SADataSizeKilobytes %u",
	    ike.encr, ike.integ, ike.dh, esp.encr, esp.integ, esp.dh,
	    t->child_lifetime, AZURE_SA_KILOBYTES);
	return 0;
}

const char *
config_azure_no_proposal_hint(void)
{
	return "partner-type azure: Azure's default IPsec/IKE policy offers "
	       "only DH group 2, which tunsh refuses; create a custom "
	       "IPsec/IKE policy on the Azure connection, the one "
	       "'commit check' prints for this tunnel";
}
