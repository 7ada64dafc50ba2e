/*
 * config/validate.c: the rules a configuration must follow before it is
 * committed, each error naming the object, the setting and the fix.  One
 * set of rules serves a whole file (config_validate) and a commit, which
 * looks only at the tunnels that changed (config_validate_change).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_private.h"
#include "config/index.h"

/* A subnet of this firewall that tunnels' remote networks must avoid. */
struct own_net {
	struct prefix4 prefix;
	uint16_t vlan; /* 0: the client-VPN pool */
};

struct vctx {
	const struct config *c;
	struct diag *d;
	struct own_net *own; /* VLAN subnets and the pool, sorted */
	size_t n_own;
	/* Cross checks: running's index with stale entries skipped ... */
	const struct config_index *base;
	/* ... and an index of the tunnels being checked, pairs once. */
	const struct config_index *peers;
	/* The query in progress. */
	const struct config_tunnel *t;
	const struct index_net *net;
	char local[CONFIG_HOST_MAX + 1];
	bool from_peers;
};

#define WHO "ipsec tunnel %s: "

static void
describe_own(const struct own_net *o, char *buf, size_t len)
{
	char p[PREFIX4_STRLEN];

	prefix4_format(&o->prefix, p, sizeof(p));
	if (o->vlan != 0)
		snprintf(buf, len, "vlan %u (%s)", o->vlan, p);
	else
		snprintf(buf, len, "the client-vpn pool (%s)", p);
}

static int
own_cmp(const void *pa, const void *pb)
{
	const struct own_net *a = pa, *b = pb;

	return prefix4_cmp(&a->prefix, &b->prefix);
}

static int
build_own(struct vctx *v)
{
	const struct config *c = v->c;

	v->own = calloc(c->n_vlans + 1, sizeof(*v->own));
	if (v->own == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_vlans; i++)
		if (c->vlans[i].has_subnet)
			v->own[v->n_own++] =
			    (struct own_net){ c->vlans[i].subnet,
				    c->vlans[i].id };
	if (c->has_pool)
		v->own[v->n_own++] = (struct own_net){ c->pool, 0 };
	if (v->n_own > 1)
		qsort(v->own, v->n_own, sizeof(*v->own), own_cmp);
	return 0;
}

/*
 * metrics listen: the setter took its form; an address no TCP listener
 * can take connections on is refused here, before a commit tries to bind.
 */
static void
check_metrics(struct vctx *v)
{
	const char *l = v->c->metrics_listen;
	char addr[64];
	unsigned char bin[16];
	uint16_t port;
	uint32_t a;
	bool group;

	if (l[0] == '\0')
		return;
	if (config_listen_parse(l, addr, sizeof(addr), &port) < 0) {
		diag_error(v->d,
		    "metrics listen \"%s\" is not an address and port: give "
		    "A.B.C.D:PORT or [IPv6]:PORT, like 127.0.0.1:9472",
		    l);
		return;
	}
	if (l[0] == '[')
		group = inet_pton(AF_INET6, addr, bin) == 1 && bin[0] == 0xff;
	else /* 224.0.0.0/4 multicast, 240.0.0.0/4 and the broadcast */
		group = addr4_parse(addr, &a) == 0 && a >= 0xe0000000u;
	if (group)
		diag_error(v->d,
		    "metrics listen %s: a multicast or broadcast address "
		    "takes no connections: give an address of this host, like "
		    "127.0.0.1:%u",
		    l, port);
}

/* The firewall's own subnets must not overlap each other. */
static void
check_system(struct vctx *v)
{
	const struct config *c = v->c;
	char a[64], b[64], gw[ADDR4_STRLEN];
	struct prefix4 net;

	/*
	 * Sorted by address, prefixes nest or are disjoint: one overlaps an
	 * earlier one exactly when it starts before the furthest end seen.
	 */
	for (size_t i = 1, far = 0; i < v->n_own; i++) {
		if (v->own[i].prefix.addr <=
		    prefix4_last(&v->own[far].prefix)) {
			describe_own(&v->own[i], a, sizeof(a));
			describe_own(&v->own[far], b, sizeof(b));
			diag_error(v->d,
			    "%s overlaps %s: give each a subnet of "
			    "its own",
			    a, b);
		}
		if (prefix4_last(&v->own[i].prefix) >
		    prefix4_last(&v->own[far].prefix))
			far = i;
	}
	for (size_t i = 0; i < c->n_ifaces; i++) {
		const struct config_interface *f = &c->ifaces[i];

		if (f->gateway == 0)
			continue;
		if (f->addr == 0) {
			diag_error(v->d,
			    "interface %s: gateway without an "
			    "address: set address first",
			    f->name);
			continue;
		}
		net.addr = f->addr & prefix4_mask(f->len);
		net.len = f->len;
		/* A /31 (RFC 3021) or /32 has no network or broadcast address. */
		if (!prefix4_contains(&net, f->gateway) ||
		    f->gateway == f->addr ||
		    (f->len < 31 &&
			(f->gateway == net.addr ||
			    f->gateway == prefix4_last(&net)))) {
			addr4_format(f->gateway, gw, sizeof(gw));
			prefix4_format(&net, a, sizeof(a));
			diag_error(v->d,
			    "interface %s: gateway %s is not another "
			    "host of the port's subnet %s",
			    f->name, gw, a);
		}
	}
	check_metrics(v);
}

static bool
is_ipv4(const char *s, uint32_t *a)
{
	return addr4_parse(s, a) == 0;
}

static void
check_required(struct vctx *v, const struct config_tunnel *t)
{
	const struct config_interface *port = NULL;
	char la[ADDR4_STRLEN], own[ADDR4_STRLEN];
	uint32_t a;

	if (t->wan_port[0] != '\0' &&
	    (port = config_interface_find(v->c, t->wan_port)) == NULL)
		diag_error(v->d,
		    WHO "wan-port %s does not exist: configure "
			"interface %s or bind another port",
		    t->name, t->wan_port, t->wan_port);
	if (port != NULL && port->addr != 0 &&
	    t->local_address.ip.family == AF_INET &&
	    (a = ipaddr_to4(&t->local_address.ip)) != port->addr) {
		addr4_format(port->addr, la, sizeof(la));
		addr4_format(a, own, sizeof(own));
		diag_error(v->d,
		    WHO
		    "local-address %s differs from %s's address "
		    "%s: the local address must be the bound port's address",
		    t->name, own, port->name, la);
	}
	if (!t->enable)
		return;
	if (!config_host_is_set(&t->remote_address))
		diag_error(v->d,
		    WHO "remote-address is not set: set the peer's "
			"public IP address or FQDN",
		    t->name);
	if (t->psk == NULL)
		diag_error(v->d,
		    WHO "pre-shared-key is not set: set the key "
			"agreed with the remote site",
		    t->name);
	if (!config_host_is_set(&t->local_address) &&
	    (port == NULL || port->addr == 0) &&
	    (t->wan_port[0] == '\0' || port != NULL))
		diag_error(v->d,
		    WHO "no local address: set local-address, or "
			"wan-port to a port with an address",
		    t->name);
	if (t->client_vpn_bound && !v->c->has_pool)
		diag_error(v->d,
		    WHO "client-vpn-bound is on but no client-vpn "
			"pool is configured: set pool under client-vpn",
		    t->name);
}

static void
describe_local(const struct config *c, const struct config_local_net *ln,
    char *buf, size_t len)
{
	const struct config_vlan *vl = config_vlan_find(c, ln->vlan);
	char p[PREFIX4_STRLEN];

	if (ln->vlan == 0) {
		prefix4_format(&ln->prefix, p, sizeof(p));
		snprintf(buf, len, "%s", p);
	} else {
		prefix4_format(&vl->subnet, p, sizeof(p));
		snprintf(buf, len, "vlan %u (%s)", ln->vlan, p);
	}
}

static void
check_networks(struct vctx *v, const struct config_tunnel *t)
{
	const struct config *c = v->c;
	const struct config_vlan *vl = NULL;
	char r[PREFIX4_STRLEN], l[64];

	for (size_t i = 0; i < t->n_local; i++) {
		uint16_t id = t->local_nets[i].vlan;

		if (id == 0)
			continue;
		if ((vl = config_vlan_find(c, id)) == NULL) {
			diag_error(v->d,
			    WHO "local-network vlan %u does not "
				"exist: configure vlan %u or remove it",
			    t->name, id, id);
		} else if (!vl->has_subnet) {
			diag_error(v->d,
			    WHO "local-network vlan %u has no "
				"subnet: set subnet under vlan %u",
			    t->name, id, id);
		}
	}
	if (t->enable && t->type == CONFIG_TUNNEL_POLICY) {
		if (t->n_remote == 0)
			diag_error(v->d,
			    WHO "a policy-based tunnel needs at "
				"least one remote-network",
			    t->name);
		if (t->n_local == 0 && !t->client_vpn_bound)
			diag_error(v->d,
			    WHO "a policy-based tunnel needs at "
				"least one local-network (or client-vpn-bound)",
			    t->name);
	}
	for (size_t k = 0; k < t->n_remote; k++) {
		const struct prefix4 *rp = &t->remote_nets[k];
		bool own_hit = false;

		prefix4_format(rp, r, sizeof(r));
		for (size_t i = 0; i < t->n_local; i++) {
			const struct config_local_net *ln = &t->local_nets[i];

			if (ln->vlan != 0 &&
			    ((vl = config_vlan_find(c, ln->vlan)) == NULL ||
				!vl->has_subnet))
				continue;
			if (!prefix4_overlap(rp,
				ln->vlan ? &vl->subnet : &ln->prefix))
				continue;
			describe_local(c, ln, l, sizeof(l));
			diag_error(v->d,
			    WHO
			    "remote-network %s overlaps local "
			    "network %s: the two sides of a tunnel need distinct "
			    "addresses",
			    t->name, r, l);
			own_hit = true;
		}
		if (own_hit)
			continue;
		for (size_t i = 0; i < v->n_own; i++) {
			if (!prefix4_overlap(rp, &v->own[i].prefix))
				continue;
			describe_own(&v->own[i], l, sizeof(l));
			diag_error(v->d,
			    WHO
			    "remote-network %s overlaps %s of "
			    "this firewall: traffic to it would not enter the "
			    "tunnel; renumber one side",
			    t->name, r, l);
		}
	}
}

/*
 * AWS reserves seven /30s of 169.254.0.0/16 for itself: the first /30 of
 * each of 169.254.0.x to 169.254.5.x, and 169.254.169.252/30.  Only those
 * /30s: 169.254.0.4/30 or 169.254.1.100/30 are fine.
 */
/*
 * A remote network must not swallow the gateways themselves: IKE and ESP
 * to the peer would be routed into the tunnel they build.  Nested remote
 * networks in one tunnel are harmless but a sign of a typo.
 */
static void
check_remote_reach(struct vctx *v, const struct config_tunnel *t)
{
	char r[PREFIX4_STRLEN], o[PREFIX4_STRLEN], local[CONFIG_HOST_MAX + 1];
	char ra[IPADDR_STRLEN];
	uint32_t peer = 0, self = 0;
	bool has_peer, has_self;

	has_peer = t->remote_address.ip.family == AF_INET;
	peer = ipaddr_to4(&t->remote_address.ip);
	has_self = config_tunnel_local_addr(v->c, t, local, sizeof(local)) ==
		0 &&
	    is_ipv4(local, &self);
	for (size_t k = 0; k < t->n_remote; k++) {
		const struct prefix4 *rp = &t->remote_nets[k];

		prefix4_format(rp, r, sizeof(r));
		if (has_peer && prefix4_contains(rp, peer))
			diag_error(v->d,
			    WHO
			    "remote-network %s contains the peer's address "
			    "%s: IKE and ESP to the peer would be sent into "
			    "the tunnel itself; leave that address out",
			    t->name, r,
			    config_host_text(&t->remote_address, ra,
				sizeof(ra)));
		if (has_self && prefix4_contains(rp, self))
			diag_error(v->d,
			    WHO "remote-network %s contains our own address "
				"%s: leave that address out",
			    t->name, r, local);
		for (size_t j = 0; j < t->n_remote; j++) {
			/* Sets refuse duplicates: only strict nesting. */
			if (rp->len <= t->remote_nets[j].len ||
			    !prefix4_overlap(rp, &t->remote_nets[j]))
				continue;
			prefix4_format(&t->remote_nets[j], o, sizeof(o));
			diag_warn(v->d,
			    WHO "remote-network %s lies inside remote-network "
				"%s: remove the narrower one",
			    t->name, r, o);
		}
	}
}

static void
check_inside(struct vctx *v, const struct config_tunnel *t)
{
	struct prefix4 link = { t->inside_addr & prefix4_mask(30), 30 };
	char a[PREFIX4_STRLEN], o[64];

	/* A route-based tunnel has one pair (0.0.0.0/0 both ways). */
	if (t->type == CONFIG_TUNNEL_ROUTE && t->ts_mode == CONFIG_TS_PER_PAIR)
		diag_warn(v->d,
		    WHO "traffic-selectors per-pair is ignored on a "
			"route-based tunnel: set tunnel-type policy-based or "
			"traffic-selectors combined",
		    t->name);
	if (t->inside_len == 0)
		return;
	prefix4_format(&link, a, sizeof(a));
	if (t->type == CONFIG_TUNNEL_POLICY)
		diag_warn(v->d,
		    WHO "inside-address is ignored on a policy-based tunnel: "
			"set tunnel-type route-based or remove it",
		    t->name);
	for (size_t i = 0; i < v->n_own; i++) {
		if (!prefix4_overlap(&link, &v->own[i].prefix))
			continue;
		describe_own(&v->own[i], o, sizeof(o));
		diag_error(v->d,
		    WHO "inside-address is on %s, inside %s of this firewall: "
			"choose a /30 outside the firewall's subnets",
		    t->name, a, o);
	}
}

static bool
aws_inside_reserved(uint32_t net)
{
	return net == 0xa9fea9fcu ||
	    ((net & 0xffff00ffu) == 0xa9fe0000u && ((net >> 8) & 0xff) <= 5);
}

static bool
proposal_has(const struct config_proposals *l, const char *word)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i].text, word) != NULL)
			return true;
	return false;
}

/*
 * Azure's default IPsec/IKE policy offers only DH group 2 (1024-bit MODP),
 * which tunsh refuses: without a custom policy on the Azure connection the
 * tunnel never comes up, with nothing but "no common proposal" in the log.
 * A warning, since the fix is on Azure's side; it carries the policy that
 * matches this tunnel, ready to paste.  A PolicyBased Azure gateway speaks
 * only IKEv1: narrow (policy-based) selectors need a RouteBased gateway
 * whose connection sets UsePolicyBasedTrafficSelectors.
 */
static void
check_azure(struct vctx *v, const struct config_tunnel *t)
{
	char policy[320];

	if (config_azure_policy(t, policy, sizeof(policy), v->d) < 0)
		return;
	diag_warn(v->d,
	    WHO "Azure's default IPsec/IKE policy offers only DH group 2, "
		"which tunsh refuses: give the Azure connection this custom "
		"policy: $p = %s; Set-AzVirtualNetworkGatewayConnection "
		"-VirtualNetworkGatewayConnection $conn -IpsecPolicies $p%s",
	    t->name, policy,
	    t->type == CONFIG_TUNNEL_POLICY ?
		" -UsePolicyBasedTrafficSelectors $true" :
		"");
	if (t->type == CONFIG_TUNNEL_POLICY)
		diag_warn(v->d,
		    WHO "policy-based with partner-type azure needs a "
			"RouteBased Azure gateway (a PolicyBased one speaks "
			"only IKEv1, which tunsh does not) with "
			"UsePolicyBasedTrafficSelectors set on the connection, "
			"as above; or remove tunnel-type policy-based",
		    t->name);
}

static void
check_partner(struct vctx *v, const struct config_tunnel *t)
{
	static const char *const aws_refused[] = { "curve25519", "x25519",
		"chacha20poly1305" };
	const char *p = t->psk ? (const char *)t->psk->data : NULL;
	struct prefix4 ll = { 0xa9fe0000u, 16 }; /* 169.254.0.0/16 */
	struct prefix4 slash30 = { t->inside_addr & prefix4_mask(30), 30 };
	char ia[ADDR4_STRLEN], lp[PREFIX4_STRLEN];

	if (t->partner == CONFIG_PARTNER_AZURE)
		check_azure(v, t);
	if (t->partner != CONFIG_PARTNER_AWS)
		return;
	if (t->type == CONFIG_TUNNEL_POLICY)
		diag_error(v->d,
		    WHO "partner-type aws needs a route-based "
			"tunnel: remove tunnel-type policy-based",
		    t->name);
	if (p != NULL) {
		bool ok = strlen(p) <= 64 && p[0] != '0';

		for (const char *s = p; *s != '\0' && ok; s++)
			ok = (*s >= 'a' && *s <= 'z') ||
			    (*s >= 'A' && *s <= 'Z') ||
			    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_';
		if (!ok)
			diag_error(v->d,
			    WHO
			    "AWS accepts a pre-shared-key of "
			    "8-64 letters, digits, periods and underscores, not "
			    "starting with 0: choose another key",
			    t->name);
	}
	if (t->inside_len == 0) {
		diag_error(v->d,
		    WHO
		    "partner-type aws needs inside-address: "
		    "our address on the tunnel's /30 inside 169.254.0.0/16, as "
		    "AWS lists it",
		    t->name);
	} else if (!prefix4_contains(&ll, t->inside_addr)) {
		addr4_format(t->inside_addr, ia, sizeof(ia));
		diag_error(v->d,
		    WHO "inside-address %s/%u is outside "
			"169.254.0.0/16: AWS takes the tunnel's /30 from there",
		    t->name, ia, t->inside_len);
	} else if (aws_inside_reserved(slash30.addr)) {
		addr4_format(t->inside_addr, ia, sizeof(ia));
		prefix4_format(&slash30, lp, sizeof(lp));
		diag_error(v->d,
		    WHO "inside-address %s/%u is in %s, which AWS "
			"reserves: choose another /30 of 169.254.0.0/16",
		    t->name, ia, t->inside_len, lp);
	}
	for (size_t i = 0; i < 3; i++) {
		if (proposal_has(&t->ike_proposals, aws_refused[i]))
			diag_error(v->d,
			    WHO "ike-proposal uses %s, which AWS "
				"rejects: remove it",
			    t->name, aws_refused[i]);
		if (proposal_has(&t->esp_proposals, aws_refused[i]))
			diag_error(v->d,
			    WHO "esp-proposal uses %s, which AWS "
				"rejects: remove it",
			    t->name, aws_refused[i]);
	}
}

static void
check_proposals(struct vctx *v, const struct config_tunnel *t)
{
	struct config_proposal p;
	struct diag sub;

	/* Set-time parsing already refused bad ones; a file could not pass
	 * either, but a model built in code could. */
	for (int ike = 1; ike >= 0; ike--) {
		const struct config_proposals *l = ike ? &t->ike_proposals :
							 &t->esp_proposals;

		for (size_t i = 0; i < l->n; i++) {
			const char *s = l->v[i].text;

			diag_init(&sub);
			if (config_proposal_parse(s, ike, &p, &sub) < 0)
				diag_error(v->d, WHO "%s %s: %s", t->name,
				    ike ? "ike-proposal" : "esp-proposal", s,
				    sub.count ? sub.entries[0].text :
						"invalid");
			diag_clear(&sub);
		}
	}
}

static void
check_warnings(struct vctx *v, const struct config_tunnel *t)
{
	if (t->psk != NULL && t->psk->len < 20)
		diag_warn(v->d,
		    WHO "pre-shared-key is shorter than 20 "
			"characters: a longer random key resists guessing",
		    t->name);
	if (t->dpd_timeout != 0 && t->dpd_delay < t->dpd_timeout)
		diag_warn(v->d,
		    WHO "dpd delay %u is shorter than dpd timeout "
			"%u: the peer is declared dead before a check can be "
			"answered; make delay at least timeout",
		    t->name, t->dpd_delay, t->dpd_timeout);
	if (t->dpd_timeout == 0 && t->partner != CONFIG_PARTNER_NONE)
		diag_warn(v->d,
		    WHO "DPD is off on a partner-type %s tunnel: "
			"the partner drops idle tunnels; set dpd timeout",
		    t->name, config_partner_name(t->partner));
}

/* Skips entries of tunnels this candidate changed or removed. */
static bool
stale(const struct vctx *v, const struct config_tunnel *e)
{
	return v->from_peers ? strcmp(e->name, v->t->name) >= 0 :
			       config_tunnel_find(v->c, e->name) != e;
}

static int
on_net(void *arg, const struct index_net *e)
{
	struct vctx *v = arg;
	char a[PREFIX4_STRLEN], b[PREFIX4_STRLEN];

	if (e->t == v->t || e->kind != v->net->kind || stale(v, e->t))
		return 1;
	prefix4_format(&v->net->prefix, a, sizeof(a));
	prefix4_format(&e->prefix, b, sizeof(b));
	if (e->kind == INDEX_INSIDE)
		diag_error(v->d,
		    WHO "inside-address is on %s, the inside link of ipsec "
			"tunnel %s too: give each tunnel its own /30",
		    v->t->name, a, e->t->name);
	else
		diag_error(v->d,
		    WHO "remote-network %s overlaps remote-network %s of "
			"ipsec tunnel %s: two policy-based tunnels cannot "
			"claim the same networks; for redundant links use "
			"route-based tunnels with a partner-type",
		    v->t->name, a, b, e->t->name);
	return 0;
}

static int
on_pair(void *arg, const struct index_pair *e)
{
	struct vctx *v = arg;
	char other[CONFIG_HOST_MAX + 1], ra[CONFIG_HOST_MAX + 1];
	char rb[CONFIG_HOST_MAX + 1];
	const char *r;

	if (e->t == v->t || stale(v, e->t))
		return 1;
	r = config_host_text(&v->t->remote_address, ra, sizeof(ra));
	if (config_tunnel_local_addr(v->c, e->t, other, sizeof(other)) < 0 ||
	    strcmp(other, v->local) != 0 ||
	    strcmp(config_host_text(&e->t->remote_address, rb, sizeof(rb)),
		r) != 0)
		return 1; /* a hash collision */
	diag_error(v->d,
	    WHO "local address %s and remote-address %s are "
		"already those of ipsec tunnel %s: one tunnel per pair of "
		"gateways; put both sets of networks in one tunnel",
	    v->t->name, v->local, r, e->t->name);
	return 0;
}

static void
check_cross(struct vctx *v, const struct config_tunnel *t)
{
	struct index_net nets[INDEX_NETS_MAX];
	uint64_t key;
	size_t n;

	v->t = t;
	n = index_tunnel_nets(t, nets);
	for (size_t k = 0; k < n; k++) {
		v->net = &nets[k];
		if (v->base != NULL) {
			v->from_peers = false;
			index_query_nets(v->base, &v->net->prefix, on_net, v);
		}
		v->from_peers = true;
		index_query_nets(v->peers, &v->net->prefix, on_net, v);
	}
	if (!index_tunnel_pair(v->c, t, v->local, sizeof(v->local), &key))
		return;
	if (v->base != NULL) {
		v->from_peers = false;
		index_query_pair(v->base, key, on_pair, v);
	}
	v->from_peers = true;
	index_query_pair(v->peers, key, on_pair, v);
}

/* The peer's end of a route-based tunnel's inside /30. */
static uint32_t
inside_peer(const struct config_tunnel *t)
{
	return (t->inside_addr & ~3u) | (3u - (t->inside_addr & 3u));
}

/* a lies in a local network of t (in VLAN *vlan, when one). */
static bool
local_net_has(const struct config *c, const struct config_tunnel *t, uint32_t a,
    uint16_t *vlan)
{
	for (size_t i = 0; i < t->n_local; i++) {
		const struct config_local_net *ln = &t->local_nets[i];
		const struct config_vlan *vl;

		if (ln->vlan == 0 && prefix4_contains(&ln->prefix, a))
			return true;
		if (ln->vlan != 0 &&
		    (vl = config_vlan_find(c, ln->vlan)) != NULL &&
		    vl->has_subnet && prefix4_contains(&vl->subnet, a)) {
			*vlan = ln->vlan;
			return true;
		}
	}
	return false;
}

/*
 * The monitor's probe must take the tunnel: its destination behind the
 * peer (a remote network, or the peer's inside address of a route-based
 * tunnel), its source one of ours that the tunnel carries (a local
 * network, a VLAN of it, or the inside address), or the peer answers
 * outside the tunnel, or the policy sends the probe in clear.
 */
static void
check_monitor(struct vctx *v, const struct config_tunnel *t)
{
	const struct config_monitor *m = &t->monitor;
	bool route = t->type == CONFIG_TUNNEL_ROUTE;
	char a[ADDR4_STRLEN];
	uint16_t vlan = 0;
	bool ok = false;

	if (m->dst == 0)
		return;
	addr4_format(m->dst, a, sizeof(a));
	for (size_t k = 0; k < t->n_remote && !ok; k++)
		ok = prefix4_contains(&t->remote_nets[k], m->dst);
	if (!ok && !(route && t->inside_len != 0 && m->dst == inside_peer(t)))
		diag_error(v->d,
		    WHO "monitor destination %s is in no remote-network of "
			"the tunnel: give a host behind the peer%s",
		    t->name, a, route ? ", or the peer's inside address" : "");
	if (m->src_vlan != 0) {
		ok = false;
		for (size_t i = 0; i < t->n_local && !ok; i++)
			ok = t->local_nets[i].vlan == m->src_vlan;
		if (!ok)
			diag_error(v->d,
			    WHO "monitor source vlan %u is not a "
				"local-network of the tunnel: give one of its "
				"VLANs or addresses",
			    t->name, m->src_vlan);
	} else if (m->src_addr != 0) {
		addr4_format(m->src_addr, a, sizeof(a));
		if (!local_net_has(v->c, t, m->src_addr, &vlan) &&
		    !(route && t->inside_len != 0 &&
			m->src_addr == t->inside_addr))
			diag_error(v->d,
			    WHO "monitor source %s is in no local-network of "
				"the tunnel: give an address of ours that the "
				"tunnel carries%s",
			    t->name, a, route ? ", or the inside-address" : "");
	} else if (t->n_local == 0 && !(route && t->inside_len != 0)) {
		diag_error(v->d,
		    WHO "monitor has no source: the tunnel has no "
			"local-network%s; give monitor source",
		    t->name, route ? " nor inside-address" : "");
	}
}

/*
 * mtu is the interface's, and a policy-based tunnel has none: its packets
 * leave by the WAN port with ESP added, so it is refused rather than
 * silently meaning nothing.  A clamp above what the interface carries
 * without fragments does nothing useful: say so.
 */
static void
check_mtu(struct vctx *v, const struct config_tunnel *t)
{
	if (t->type != CONFIG_TUNNEL_ROUTE) {
		if (config_tunnel_is_set(t, CF_MTU))
			diag_error(v->d,
			    WHO "mtu is the MTU of a route-based tunnel's "
				"interface, and a policy-based tunnel has "
				"none: remove it (no mtu) and clamp TCP with "
				"tcp-mss, or set tunnel-type route-based",
			    t->name);
		return;
	}
	if (t->tcp_mss != 0 && t->tcp_mss + 40 > t->mtu)
		diag_warn(v->d,
		    WHO "tcp-mss %u is more than mtu %u less 40 bytes of IPv4 "
			"and TCP headers: such segments are fragmented or "
			"dropped; set tcp-mss %u or less",
		    t->name, t->tcp_mss, t->mtu, t->mtu - 40);
}

static void
check_tunnel(struct vctx *v, const struct config_tunnel *t)
{
	check_required(v, t);
	check_networks(v, t);
	check_remote_reach(v, t);
	check_inside(v, t);
	check_partner(v, t);
	check_monitor(v, t);
	check_proposals(v, t);
	check_cross(v, t);
	check_warnings(v, t);
	check_mtu(v, t);
}

static int
finish(struct vctx *v, size_t errors_before)
{
	free(v->own);
	if (v->d->oom)
		return -ENOMEM;
	return v->d->errors > errors_before ? -EINVAL : 0;
}

int
config_validate(const struct config *c, struct diag *d)
{
	struct vctx v = { .c = c, .d = d };
	size_t before = d->errors;
	struct config_index *all;

	if (build_own(&v) < 0 || (all = config_index_build(c)) == NULL) {
		free(v.own);
		diag_error(d, "out of memory while validating");
		return -ENOMEM;
	}
	v.peers = all;
	check_system(&v);
	for (size_t i = 0; i < c->n_tunnels; i++)
		check_tunnel(&v, c->tunnels[i]);
	config_index_free(all);
	return finish(&v, before);
}

int
config_validate_change(const struct config *running,
    const struct config_index *idx, const struct config *cand, struct diag *d)
{
	struct vctx v = { .c = cand, .d = d, .base = idx };
	const struct config_tunnel **list;
	struct config_index *peers;
	size_t before = d->errors, n = 0;

	if (idx == NULL || cand->system_changed ||
	    cand->version != running->version)
		return config_validate(cand, d);
	list = calloc(cand->n_touched + 1, sizeof(*list));
	if (list == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < cand->n_touched; i++) {
		const struct config_tunnel *t =
		    config_tunnel_find(cand, cand->touched[i]);

		if (t != NULL && t != config_tunnel_find(running, t->name))
			list[n++] = t;
	}
	peers = index_build_tunnels(cand, list, n);
	if (peers == NULL || build_own(&v) < 0) {
		free(list);
		config_index_free(peers);
		free(v.own);
		diag_error(d, "out of memory while validating");
		return -ENOMEM;
	}
	v.peers = peers;
	for (size_t i = 0; i < n; i++)
		check_tunnel(&v, list[i]);
	free(list);
	config_index_free(peers);
	return finish(&v, before);
}
