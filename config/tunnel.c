/*
 * config/tunnel.c: what a tunnel owns and where its values come from:
 * the partner presets, the defaults of every setting not set (from the
 * fields table's rows, then the preset's lines), and the deep copy and
 * release of its heap members for copy on write.  Parsing and formatting
 * of values is fields.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_private.h"

/*
 * What a partner preset changes from the rows' defaults: its proposals,
 * then one line per other setting.  Proposals are parsed once, at first
 * use, into lists every tunnel of the preset shares.
 */
#define PRESET_VALUES 8
struct preset {
	const char *ike[3];
	const char *esp[3];
	struct {
		enum config_field f; /* 0 (CF_ENABLE) ends the list */
		uint32_t v;
	} values[PRESET_VALUES];
};

static const struct preset presets[] = {
	[CONFIG_PARTNER_NONE] = {
	    .ike = { "aes256gcm16-prfsha256-curve25519-ecp384-ecp256-modp2048",
		"aes256-sha256-curve25519-ecp384-ecp256-modp2048" },
	    .esp = { "aes256gcm16-curve25519-ecp384-ecp256-modp2048",
		"aes256-sha256-curve25519-ecp384-ecp256-modp2048" },
	},
	/*
	 * AWS Site-to-Site VPN tunnel options; no curve25519 nor chacha.
	 * The first group we offer (ecp384, 20) is one AWS takes, so our
	 * first KE payload is accepted without an INVALID_KE round trip;
	 * AWS's own replay window is 1024 packets.  AWS's documented
	 * limits: an MTU of 1446 and a TCP MSS of 1406 inside the tunnel.
	 */
	[CONFIG_PARTNER_AWS] = {
	    .ike = { "aes256gcm16-prfsha384-ecp384", "aes256-sha256-modp2048" },
	    .esp = { "aes256gcm16-ecp384", "aes256-sha256-modp2048" },
	    .values = {
		{ CF_TUNNEL_TYPE, CONFIG_TUNNEL_ROUTE },
		{ CF_REPLAY_WINDOW, 1024 },
		{ CF_MTU, 1446 },
		{ CF_TCP_MSS, 1406 },
	    },
	},
	/* Azure VPN gateway custom IPsec/IKE policy; Azure asks for TCP
	 * MSS clamping at 1350 (its gateways' MTU is 1400). */
	[CONFIG_PARTNER_AZURE] = {
	    .ike = { "aes256-sha256-modp2048", "aes256-sha256-ecp384" },
	    .esp = { "aes256gcm16", "aes256-sha256" },
	    .values = {
		{ CF_TUNNEL_TYPE, CONFIG_TUNNEL_ROUTE },
		{ CF_CHILD_LIFETIME, 27000 },
		{ CF_DPD_TIMEOUT, 15 },
		{ CF_DPD_DELAY, 45 },
		{ CF_TCP_MSS, 1350 },
	    },
	},
};

static struct config_prop preset_props[3][2][3];
static struct config_proposals preset_lists[3][2];
static pthread_once_t presets_once = PTHREAD_ONCE_INIT;

/* Parses every preset's proposals, once; test_config checks they all
 * parse, so none is ever left out. */
static void
presets_parse(void)
{
	struct config_proposal p;

	for (size_t k = 0; k < 3; k++)
		for (int ike = 1; ike >= 0; ike--) {
			const char *const *src = ike ? presets[k].ike :
						       presets[k].esp;
			struct config_proposals *l = &preset_lists[k][!ike];

			l->v = preset_props[k][!ike];
			l->shared = true;
			for (size_t i = 0; i < 3 && src[i] != NULL; i++) {
				if (config_proposal_parse(src[i], ike, &p,
					NULL) < 0)
					continue;
				l->v[l->n].text = src[i];
				config_proposal_algs(&p, &l->v[l->n++].algs);
			}
		}
}

void
tunnel_proposals_clear(struct config_proposals *l)
{
	if (!l->shared) {
		for (size_t i = 0; i < l->n; i++)
			free((void *)l->v[i].text);
		free(l->v);
	}
	memset(l, 0, sizeof(*l));
}

static int
proposals_dup(struct config_proposals *dst, const struct config_proposals *src)
{
	*dst = *src;
	if (src->shared || src->n == 0)
		return 0;
	dst->n = 0;
	dst->shared = false;
	if ((dst->v = calloc(src->n, sizeof(*dst->v))) == NULL)
		return -ENOMEM;
	for (; dst->n < src->n; dst->n++) {
		dst->v[dst->n] = src->v[dst->n];
		if ((dst->v[dst->n].text = strdup(src->v[dst->n].text)) == NULL)
			return -ENOMEM;
	}
	return 0;
}

void
tunnel_host_clear(struct config_host *h)
{
	free(h->name);
	memset(h, 0, sizeof(*h));
}

static void *
mem_dup(const void *p, size_t n)
{
	void *q;

	if (p == NULL || n == 0)
		return NULL;
	if ((q = malloc(n)) != NULL)
		memcpy(q, p, n);
	return q;
}

/* Back to the row's default, then the preset's value if it has one. */
static void
reset_field(struct config_tunnel *t, const struct config_field_info *fi,
    const struct preset *p)
{
	uint32_t v = fi->def;

	for (size_t i = 0; i < PRESET_VALUES && p->values[i].f != 0; i++)
		if (p->values[i].f == fi->id)
			v = p->values[i].v;
	switch (fi->kind) {
	case CFK_FLAG:
	case CFK_YESNO:
		*AT(t, fi, bool) = v != 0;
		break;
	case CFK_ENUM:
		*AT(t, fi, int) = (int)v;
		break;
	case CFK_SECONDS:
	case CFK_COUNT:
		*AT(t, fi, uint32_t) = v;
		break;
	case CFK_TEXT:
	case CFK_ID:
		free(*AT(t, fi, char *));
		*AT(t, fi, char *) = NULL;
		break;
	case CFK_HOST:
		tunnel_host_clear(AT(t, fi, struct config_host));
		break;
	case CFK_IFNAME:
		AT(t, fi, char)[0] = '\0';
		break;
	case CFK_PSK:
		secbuf_free(t->psk);
		t->psk = NULL;
		break;
	case CFK_LOCALNETS:
		free(t->local_nets);
		t->local_nets = NULL;
		t->n_local = 0;
		break;
	case CFK_PREFIXES:
		free(t->remote_nets);
		t->remote_nets = NULL;
		t->n_remote = 0;
		break;
	case CFK_PROPOSALS:
		tunnel_proposals_clear(AT(t, fi, struct config_proposals));
		*AT(t, fi, struct config_proposals) =
		    preset_lists[t->partner][!fi->ike];
		break;
	case CFK_IFADDR:
		memset(&t->inside_addr, 0, sizeof(t->inside_addr));
		break;
	case CFK_MONITOR:
		memset(&t->monitor, 0, sizeof(t->monitor));
		break;
	}
}

/*
 * Rewrites every setting that was not explicitly set from the partner's
 * preset, or the base defaults: the fields always hold effective values.
 * The partner first: the others' defaults depend on it.  (Not in the
 * azure preset: traffic-selectors; its route-based gateways take one
 * combined CHILD SA, policy-based ones need per-pair, azure.c.)
 */
void
tunnel_apply_defaults(struct config_tunnel *t)
{
	pthread_once(&presets_once, presets_parse);
	if (!(t->set & (1u << CF_PARTNER_TYPE)))
		t->partner = CONFIG_PARTNER_NONE;
	for (size_t f = 0; f < CF__COUNT; f++)
		if (f != CF_PARTNER_TYPE && !(t->set & (1u << f)))
			reset_field(t, config_field_info(f),
			    &presets[t->partner]);
}

/* What a tunnel owns beyond its struct: copied for a clone, freed. */
int
tunnel_members_dup(struct config_tunnel *n, const struct config_tunnel *t)
{
	/* n is a byte copy of t: first forget what it shares with t, so a
	 * failure half-way frees only n's own. */
	n->description = n->local_id = n->remote_id = NULL;
	n->local_address.name = n->remote_address.name = NULL;
	n->psk = NULL;
	n->local_nets = NULL;
	n->remote_nets = NULL;
	memset(&n->ike_proposals, 0, sizeof(n->ike_proposals));
	memset(&n->esp_proposals, 0, sizeof(n->esp_proposals));
	if ((t->description && !(n->description = strdup(t->description))) ||
	    (t->local_id && !(n->local_id = strdup(t->local_id))) ||
	    (t->remote_id && !(n->remote_id = strdup(t->remote_id))) ||
	    (t->local_address.name &&
		!(n->local_address.name = strdup(t->local_address.name))) ||
	    (t->remote_address.name &&
		!(n->remote_address.name = strdup(t->remote_address.name))) ||
	    (t->psk && !(n->psk = secbuf_dup(t->psk))) ||
	    (t->n_local &&
		!(n->local_nets = mem_dup(t->local_nets,
		      t->n_local * sizeof(*t->local_nets)))) ||
	    (t->n_remote &&
		!(n->remote_nets = mem_dup(t->remote_nets,
		      t->n_remote * sizeof(*t->remote_nets)))) ||
	    proposals_dup(&n->ike_proposals, &t->ike_proposals) < 0 ||
	    proposals_dup(&n->esp_proposals, &t->esp_proposals) < 0) {
		tunnel_members_free(n);
		return -ENOMEM;
	}
	return 0;
}

void
tunnel_members_free(struct config_tunnel *t)
{
	free(t->description);
	free(t->local_id);
	free(t->remote_id);
	tunnel_host_clear(&t->local_address);
	tunnel_host_clear(&t->remote_address);
	secbuf_free(t->psk);
	free(t->local_nets);
	free(t->remote_nets);
	tunnel_proposals_clear(&t->ike_proposals);
	tunnel_proposals_clear(&t->esp_proposals);
}

const char *
config_host_text(const struct config_host *h, char *buf, size_t len)
{
	if (h->name != NULL)
		return h->name;
	if (len > 0)
		buf[0] = '\0';
	if (h->ip.family != 0)
		ipaddr_format(&h->ip, buf, len);
	return buf;
}
