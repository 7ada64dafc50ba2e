/*
 * config/plan.c: the difference between two configurations as an ordered
 * plan of steps for the apply layers, each tunnel's step classified by the
 * costliest setting that changed (config_field_info().change).  Pure: no
 * I/O, no apply.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_private.h"

static bool
same_value(const struct config_tunnel *a, const struct config_tunnel *b,
    enum config_field f)
{
	char va[CONFIG_PROPOSAL_LEN + CONFIG_HOST_MAX];
	char vb[CONFIG_PROPOSAL_LEN + CONFIG_HOST_MAX];
	size_t na, nb;
	bool same = true;

	if (f == CF_PSK)
		return secbuf_equal(a->psk, b->psk);
	na = config_tunnel_format(a, f, 0, false, va, sizeof(va));
	nb = config_tunnel_format(b, f, 0, false, vb, sizeof(vb));
	if (na != nb)
		return false;
	for (size_t i = 0; i < na && same; i++) {
		config_tunnel_format(a, f, i, false, va, sizeof(va));
		config_tunnel_format(b, f, i, false, vb, sizeof(vb));
		same = strcmp(va, vb) == 0;
	}
	return same;
}

uint32_t
tunnel_diff_fields(const struct config *ca, const struct config_tunnel *a,
    const struct config *cb, const struct config_tunnel *b)
{
	struct ipaddr pa[CONFIG_LOCAL_PREFIXES_MAX];
	struct ipaddr pb[CONFIG_LOCAL_PREFIXES_MAX];
	char la[CONFIG_HOST_MAX + 1], lb[CONFIG_HOST_MAX + 1];
	uint32_t bits = 0;
	size_t na, nb;

	for (enum config_field f = 0; f < CF__COUNT; f++)
		if (!same_value(a, b, f))
			bits |= 1u << f;
	/* What the tunnel uses may move with a WAN port or a VLAN. */
	config_tunnel_local_addr(ca, a, la, sizeof(la));
	config_tunnel_local_addr(cb, b, lb, sizeof(lb));
	if (strcmp(la, lb) != 0)
		bits |= 1u << CF_LOCAL_ADDRESS;
	na = config_tunnel_local_prefixes(ca, a, pa, CONFIG_LOCAL_PREFIXES_MAX);
	nb = config_tunnel_local_prefixes(cb, b, pb, CONFIG_LOCAL_PREFIXES_MAX);
	for (size_t i = 0; i < na && na == nb; i++)
		if (!ipaddr_equal(&pa[i], &pb[i]))
			nb = SIZE_MAX; /* differs */
	if (na != nb)
		bits |= 1u << CF_LOCAL_NETWORK;
	return bits;
}

static enum config_change
classify(uint32_t bits)
{
	enum config_change c = CONFIG_CHANGE_NONE;

	for (enum config_field f = 0; f < CF__COUNT; f++)
		if ((bits & (1u << f)) && config_field_info(f)->change > c)
			c = config_field_info(f)->change;
	return c;
}

/* Field by field: struct padding is not part of a configuration. */
static bool
iface_equal(const struct config_interface *a, const struct config_interface *b)
{
	for (int f = 0; f < CONFIG_FAMILIES; f++)
		if (!ipaddr_equal(&a->addr[f], &b->addr[f]) ||
		    !ipaddr_equal(&a->gateway[f], &b->gateway[f]))
			return false;
	return strcmp(a->name, b->name) == 0;
}

static bool
vlan_equal(const struct config_vlan *a, const struct config_vlan *b)
{
	return a->id == b->id && strcmp(a->name, b->name) == 0 &&
	    ipaddr_equal(&a->subnet[CONFIG_V4], &b->subnet[CONFIG_V4]) &&
	    ipaddr_equal(&a->subnet[CONFIG_V6], &b->subnet[CONFIG_V6]);
}

static bool
system_differs(const struct config *a, const struct config *b)
{
	if (strcmp(a->hostname, b->hostname) != 0 ||
	    !ipaddr_equal(&a->pool, &b->pool) ||
	    strcmp(a->metrics_listen, b->metrics_listen) != 0 ||
	    a->n_ifaces != b->n_ifaces || a->n_vlans != b->n_vlans)
		return true;
	for (size_t i = 0; i < a->n_ifaces; i++)
		if (!iface_equal(&a->ifaces[i], &b->ifaces[i]))
			return true;
	for (size_t i = 0; i < a->n_vlans; i++)
		if (!vlan_equal(&a->vlans[i], &b->vlans[i]))
			return true;
	return false;
}

static int
add_step(struct config_plan *p, size_t *cap, struct config_plan_step s)
{
	if (p->n_steps == *cap) {
		size_t n = *cap ? 2 * *cap : 16;
		void *q = realloc(p->steps, n * sizeof(*p->steps));

		if (q == NULL)
			return -ENOMEM;
		p->steps = q;
		*cap = n;
	}
	p->steps[p->n_steps++] = s;
	return 0;
}

/* One tunnel name present in old, new or both. */
static int
plan_tunnel(struct config_plan *p, size_t *cap, const struct config_tunnel *o,
    const struct config_tunnel *n)
{
	struct config_plan_step s = { 0 };

	if (o == NULL && n == NULL)
		return 0;
	s.old_tunnel = o;
	s.new_tunnel = n;
	if (o == NULL) {
		s.kind = CONFIG_STEP_TUNNEL_ADD;
	} else if (n == NULL) {
		s.kind = CONFIG_STEP_TUNNEL_REMOVE;
	} else {
		s.kind = CONFIG_STEP_TUNNEL_CHANGE;
		s.fields = tunnel_diff_fields(p->old_cfg, o, p->new_cfg, n);
		s.change = classify(s.fields);
		if (s.change == CONFIG_CHANGE_NONE)
			return 0;
	}
	return add_step(p, cap, s);
}

struct plan_walk {
	struct config_plan *p;
	size_t *cap;
};

static int
plan_walk_one(void *arg, const struct config_tunnel *o,
    const struct config_tunnel *n)
{
	struct plan_walk *w = arg;

	return plan_tunnel(w->p, w->cap, o, n);
}

static const char *
step_name(const struct config_plan_step *s)
{
	return s->kind == CONFIG_STEP_SYSTEM ? "" :
	    s->new_tunnel		     ? s->new_tunnel->name :
					       s->old_tunnel->name;
}

static int
step_cmp(const void *pa, const void *pb)
{
	/* Removes first, then the system, changes, adds: frees before takes. */
	static const int rank[] = {
		[CONFIG_STEP_TUNNEL_REMOVE] = 0,
		[CONFIG_STEP_SYSTEM] = 1,
		[CONFIG_STEP_TUNNEL_CHANGE] = 2,
		[CONFIG_STEP_TUNNEL_ADD] = 3,
	};
	const struct config_plan_step *a = pa, *b = pb;

	if (rank[a->kind] != rank[b->kind])
		return rank[a->kind] - rank[b->kind];
	return strcmp(step_name(a), step_name(b));
}

int
config_plan_build(const struct config *old_cfg, const struct config *new_cfg,
    struct config_plan *p)
{
	bool fast = new_cfg->version == old_cfg->version &&
	    !new_cfg->system_changed;
	size_t cap = 0, i;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	p->old_cfg = old_cfg;
	p->new_cfg = new_cfg;
	if (!fast && system_differs(old_cfg, new_cfg))
		rc = add_step(p, &cap,
		    (struct config_plan_step){ .kind = CONFIG_STEP_SYSTEM });
	if (fast) {
		/* A candidate of old: only its touched tunnels can differ. */
		for (i = 0; i < new_cfg->n_touched && rc == 0; i++) {
			const char *name = new_cfg->touched[i];
			const struct config_tunnel *o, *n;

			o = config_tunnel_find(old_cfg, name);
			n = config_tunnel_find(new_cfg, name);
			if (o != n)
				rc = plan_tunnel(p, &cap, o, n);
		}
	} else {
		struct plan_walk w = { p, &cap };

		rc = tunnels_walk(old_cfg, new_cfg, plan_walk_one, &w);
	}
	if (rc < 0) {
		config_plan_free(p);
		return rc;
	}
	if (p->n_steps > 1)
		qsort(p->steps, p->n_steps, sizeof(*p->steps), step_cmp);
	return 0;
}

void
config_plan_free(struct config_plan *p)
{
	free(p->steps);
	p->steps = NULL;
	p->n_steps = 0;
}

struct config_plan_step
config_plan_step_inverse(const struct config_plan_step *s)
{
	struct config_plan_step inv = *s;

	inv.old_tunnel = s->new_tunnel;
	inv.new_tunnel = s->old_tunnel;
	if (s->kind == CONFIG_STEP_TUNNEL_ADD)
		inv.kind = CONFIG_STEP_TUNNEL_REMOVE;
	else if (s->kind == CONFIG_STEP_TUNNEL_REMOVE)
		inv.kind = CONFIG_STEP_TUNNEL_ADD;
	return inv;
}

const char *
config_change_name(enum config_change c)
{
	static const char *const names[] = { "none", "in place", "renegotiate",
		"replace" };

	return (unsigned)c < 4 ? names[c] : "?";
}

void
config_plan_step_describe(const struct config_plan_step *s, char *buf,
    size_t len)
{
	size_t off;

	switch (s->kind) {
	case CONFIG_STEP_SYSTEM:
		snprintf(buf, len,
		    "apply system settings (hostname, "
		    "interfaces, VLANs, client-vpn pool, metrics)");
		return;
	case CONFIG_STEP_TUNNEL_ADD:
		snprintf(buf, len, "add ipsec tunnel %s", s->new_tunnel->name);
		return;
	case CONFIG_STEP_TUNNEL_REMOVE:
		snprintf(buf, len, "remove ipsec tunnel %s",
		    s->old_tunnel->name);
		return;
	case CONFIG_STEP_TUNNEL_CHANGE:
		break;
	}
	off = (size_t)snprintf(buf, len,
	    "change ipsec tunnel %s (%s:", s->new_tunnel->name,
	    config_change_name(s->change));
	for (enum config_field f = 0; f < CF__COUNT && off < len; f++)
		if (s->fields & (1u << f))
			off += (size_t)snprintf(buf + off, len - off, " %s",
			    config_field_info(f)->cli);
	if (off < len)
		snprintf(buf + off, len - off, ")");
}
