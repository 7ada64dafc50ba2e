/*
 * shell/apply.c: the commit plan, step by step, to the IKE engine: each
 * tunnel of the configuration model becomes the engine's parameter struct
 * (addresses resolved from WAN ports and VLANs, proposals to IANA ids,
 * DPD and lifetimes), and a kernel that cannot carry a tunnel is named in
 * words before anything is touched.  Undo is the inverse step, which the
 * commit engine runs through the same function.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell/live.h"

/* What a translated tunnel points to. */
struct conf_store {
	struct ike_tunnel_conf c;
	struct prefix4 ln[CONFIG_NETS_MAX], rn[CONFIG_NETS_MAX];
	struct ike_algs ike[CONFIG_PROPOSALS_MAX], esp[CONFIG_PROPOSALS_MAX];
	char local_addr[CONFIG_HOST_MAX + 1];
};

static void
algs_from(const struct config_proposal *p, struct ike_algs *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < p->n_encr && i < IKE_ALGS_MAX; i++) {
		a->encr[a->n_encr] = p->encr[i]->id;
		a->encr_bits[a->n_encr++] = p->encr[i]->keylen;
	}
	for (size_t i = 0; i < p->n_prf && i < IKE_ALGS_MAX; i++)
		a->prf[a->n_prf++] = p->prf[i]->id;
	for (size_t i = 0; i < p->n_integ && i < IKE_ALGS_MAX; i++)
		a->integ[a->n_integ++] = p->integ[i]->id;
	for (size_t i = 0; i < p->n_dh && i < IKE_ALGS_MAX; i++)
		a->dh[a->n_dh++] = p->dh[i]->id;
}

static int
proposals(const struct config_tunnel *t, bool ike, struct ike_algs *out,
    size_t *n, struct diag *d)
{
	size_t count = ike ? t->n_ike_proposals : t->n_esp_proposals;

	*n = 0;
	for (size_t i = 0; i < count; i++) {
		struct config_proposal p;
		const char *s = ike ? t->ike_proposals[i] : t->esp_proposals[i];

		if (config_proposal_parse(s, ike, &p, d) < 0)
			return -EINVAL; /* validation let it through: say so */
		algs_from(&p, &out[(*n)++]);
	}
	return 0;
}

/*
 * A stable mark for a route-based tunnel's policies and SAs, so that only
 * traffic routed into its interface matches them, never the rest.
 */
static uint32_t
route_mark(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return 0x7e000000u | (h & 0xffffu);
}

static int
conf_from(const struct config *cfg, const struct config_tunnel *t,
    struct conf_store *s, struct diag *d)
{
	struct ike_tunnel_conf *c = &s->c;

	memset(s, 0, sizeof(*s));
	snprintf(c->name, sizeof(c->name), "%s", t->name);
	c->enable = t->enable;
	if (config_tunnel_local_addr(cfg, t, s->local_addr,
		sizeof(s->local_addr)) < 0 ||
	    addr4_parse(s->local_addr, &c->local_addr) < 0) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: no local address: set local-address, or give "
		    "its wan-port an address",
		    t->name);
		return -EINVAL;
	}
	if (addr4_parse(t->remote_address, &c->remote_addr) < 0) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: remote-address %s is a name, and tunshd does "
		    "not resolve names yet: give the peer's IPv4 address",
		    t->name, t->remote_address);
		return -EINVAL;
	}
	c->local_id = t->local_id;
	c->remote_id = t->remote_id;
	c->psk = t->psk;
	c->n_local =
	    config_tunnel_local_prefixes(cfg, t, s->ln, CONFIG_NETS_MAX);
	memcpy(s->rn, t->remote_nets, t->n_remote * sizeof(s->rn[0]));
	c->n_remote = t->n_remote;
	c->local_nets = s->ln;
	c->remote_nets = s->rn;
	c->route_based = t->type == CONFIG_TUNNEL_ROUTE;
	c->mark = c->route_based ? route_mark(t->name) : 0;
	if (proposals(t, true, s->ike, &c->n_ike, d) < 0 ||
	    proposals(t, false, s->esp, &c->n_esp, d) < 0)
		return -EINVAL;
	c->ike = s->ike;
	c->esp = s->esp;
	c->ike_lifetime = t->ike_lifetime;
	c->child_lifetime = t->child_lifetime;
	c->initiator = t->initiator;
	c->rekey = t->rekey;
	c->reauth = t->reauth;
	c->dpd_action = t->dpd_action == CONFIG_DPD_CLEAR ? IKE_DPD_CLEAR :
	    t->dpd_action == CONFIG_DPD_HOLD		  ? IKE_DPD_HOLD :
							    IKE_DPD_RESTART;
	c->dpd_timeout = t->dpd_timeout;
	c->dpd_delay = t->dpd_delay;
	return 0;
}

/*
 * At commit (not at start, where the daemon must come up to be fixed): a
 * tunnel the kernel cannot carry is refused in words when it is added or
 * enabled; changes to one already there are let through so it can be
 * fixed or disabled.
 */
static int
kernel_can(struct live *l, const struct config_plan_step *step, struct diag *d)
{
	const struct config_tunnel *t = step->new_tunnel;

	if (!t->enable || !live_started(l) || live_has_esp(l) ||
	    (step->old_tunnel != NULL && step->old_tunnel->enable))
		return 0;
	diag_add(d, DIAG_ERROR,
	    "tunnel %s: this kernel has no ESP support (CONFIG_INET_ESP): "
	    "run tunshd on a kernel with ESP, or disable the tunnel",
	    t->name);
	return -ENOTSUP;
}

static int
apply(void *arg, const struct config_plan_step *step, const struct config *cfg,
    struct diag *d)
{
	struct live *l = arg;
	struct ike_engine *e = live_engine(l);
	struct conf_store *s;
	int rc;

	if (step->kind == CONFIG_STEP_SYSTEM)
		return 0; /* tunnels it moves come as their own steps */
	if (step->kind == CONFIG_STEP_TUNNEL_REMOVE)
		return ike_tunnel_remove(e, step->old_tunnel->name, d);
	if ((rc = kernel_can(l, step, d)) < 0)
		return rc;
	if ((s = malloc(sizeof(*s))) == NULL)
		return -ENOMEM;
	if ((rc = conf_from(cfg, step->new_tunnel, s, d)) == 0) {
		if (step->kind == CONFIG_STEP_TUNNEL_ADD)
			rc = ike_tunnel_add(e, &s->c, d);
		else
			rc = ike_tunnel_change(e, &s->c,
			    step->change >= CONFIG_CHANGE_REPLACE, d);
	}
	free(s);
	live_rearm(l);
	return rc;
}

const struct config_apply_ops live_apply_ops = { apply };
