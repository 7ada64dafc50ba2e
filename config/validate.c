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
	struct ipaddr prefix; /* either family */
	uint16_t vlan;	      /* 0: the client-VPN pool */
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
	char p[IPADDR_STRLEN];

	ipaddr_format_prefix(&o->prefix, p, sizeof(p));
	if (o->vlan != 0)
		snprintf(buf, len, "vlan %u (%s)", o->vlan, p);
	else
		snprintf(buf, len, "the client-vpn pool (%s)", p);
}

static int
own_cmp(const void *pa, const void *pb)
{
	const struct own_net *a = pa, *b = pb;

	return ipaddr_cmp(&a->prefix, &b->prefix);
}

static int
build_own(struct vctx *v)
{
	const struct config *c = v->c;

	v->own = calloc(CONFIG_FAMILIES * c->n_vlans + 1, sizeof(*v->own));
	if (v->own == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_vlans; i++)
		for (int f = 0; f < CONFIG_FAMILIES; f++)
			if (c->vlans[i].subnet[f].family != 0)
				v->own[v->n_own++] =
				    (struct own_net){ c->vlans[i].subnet[f],
					    c->vlans[i].id };
	if (c->pool.family != 0)
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

/* a's last address lies beyond b's (a and b of one family). */
static bool
ends_after(const struct ipaddr *a, const struct ipaddr *b)
{
	struct ipaddr fa, la, fb, lb;

	ipaddr_range(a, &fa, &la);
	ipaddr_range(b, &fb, &lb);
	return memcmp(la.bytes, lb.bytes, sizeof(la.bytes)) > 0;
}

/* The IPv4 gateway of a port: another host of the port's subnet. */
static void
check_gateway4(struct vctx *v, const struct config_interface *f)
{
	uint32_t gw = ipaddr_to4(&f->gateway[CONFIG_V4]);
	uint32_t addr = ipaddr_to4(&f->addr[CONFIG_V4]);
	uint8_t len = f->addr[CONFIG_V4].len;
	char a[64], g[ADDR4_STRLEN];
	struct prefix4 net;

	if (f->addr[CONFIG_V4].family == 0) {
		diag_error(v->d,
		    "interface %s: gateway without an "
		    "address: set address first",
		    f->name);
		return;
	}
	net.addr = addr & prefix4_mask(len);
	net.len = len;
	/* A /31 (RFC 3021) or /32 has no network or broadcast address. */
	if (!prefix4_contains(&net, gw) || gw == addr ||
	    (len < 31 && (gw == net.addr || gw == prefix4_last(&net)))) {
		addr4_format(gw, g, sizeof(g));
		prefix4_format(&net, a, sizeof(a));
		diag_error(v->d,
		    "interface %s: gateway %s is not another "
		    "host of the port's subnet %s",
		    f->name, g, a);
	}
}

/*
 * The IPv6 gateway of a port: a router's link-local address (what router
 * advertisements give, RFC 4861 4.2), or another host of the port's
 * subnet; either needs the port to have an IPv6 address.
 */
static void
check_gateway6(struct vctx *v, const struct config_interface *f)
{
	const struct ipaddr *gw = &f->gateway[CONFIG_V6];
	const struct ipaddr *addr = &f->addr[CONFIG_V6];
	char a[IPADDR_STRLEN], g[IPADDR_STRLEN];
	struct ipaddr net, any;

	ipaddr_format(gw, g, sizeof(g));
	if (addr->family == 0) {
		diag_error(v->d,
		    "interface %s: IPv6 gateway %s without an IPv6 address: "
		    "set an IPv6 address first",
		    f->name, g);
		return;
	}
	if (gw->bytes[0] == 0xfe && (gw->bytes[1] & 0xc0) == 0x80)
		return;
	ipaddr_mask(addr, addr->len, &net);
	any = net;
	any.len = 128;
	if (!ipaddr_contains(&net, gw) ||
	    memcmp(gw->bytes, addr->bytes, 16) == 0 ||
	    (addr->len < 127 && ipaddr_equal(gw, &any))) {
		ipaddr_format(&net, a, sizeof(a));
		diag_error(v->d,
		    "interface %s: gateway %s is neither link-local nor "
		    "another host of the port's subnet %s",
		    f->name, g, a);
	}
}

/* The firewall's own subnets must not overlap each other. */
static void
check_system(struct vctx *v)
{
	const struct config *c = v->c;
	char a[96], b[96];

	/*
	 * Sorted by family, then address, prefixes nest or are disjoint: one
	 * overlaps an earlier one exactly when it starts before the furthest
	 * end seen in its family.
	 */
	for (size_t i = 1, far = 0; i < v->n_own; i++) {
		const struct ipaddr *p = &v->own[i].prefix;

		if (p->family != v->own[far].prefix.family) {
			far = i;
			continue;
		}
		if (ipaddr_overlap(p, &v->own[far].prefix)) {
			describe_own(&v->own[i], a, sizeof(a));
			describe_own(&v->own[far], b, sizeof(b));
			diag_error(v->d,
			    "%s overlaps %s: give each a subnet of "
			    "its own",
			    a, b);
		}
		if (ends_after(p, &v->own[far].prefix))
			far = i;
	}
	for (size_t i = 0; i < c->n_ifaces; i++) {
		if (c->ifaces[i].gateway[CONFIG_V4].family != 0)
			check_gateway4(v, &c->ifaces[i]);
		if (c->ifaces[i].gateway[CONFIG_V6].family != 0)
			check_gateway6(v, &c->ifaces[i]);
	}
	check_metrics(v);
}

static const char *
family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/*
 * The outer family is remote-address's: local-address, or the WAN port's
 * address used in its place, must be of the same family (IKE and ESP go
 * from one address to the other).
 */
static void
check_outer_family(struct vctx *v, const struct config_tunnel *t,
    const struct config_interface *port)
{
	const struct ipaddr *r = &t->remote_address.ip, *l;
	char ra[IPADDR_STRLEN], la[IPADDR_STRLEN];

	l = &t->local_address.ip;
	if (r->family == 0)
		return; /* unset or a name: the resolver's to say */
	ipaddr_format(r, ra, sizeof(ra));
	if (l->family != 0 && l->family != r->family) {
		ipaddr_format(l, la, sizeof(la));
		diag_error(v->d,
		    WHO "local-address %s is %s and remote-address %s is %s: "
			"both ends of the tunnel's outer packets are of one "
			"family; give a local-address of the peer's family",
		    t->name, la, family_name(l->family), ra,
		    family_name(r->family));
		return;
	}
	if (l->family == 0 && !config_host_is_set(&t->local_address) &&
	    port != NULL && config_interface_has_address(port) &&
	    port->addr[config_slot(r->family)].family == 0)
		diag_error(v->d,
		    WHO "remote-address %s is %s and wan-port %s has no %s "
			"address: give interface %s an %s address, or set "
			"local-address",
		    t->name, ra, family_name(r->family), port->name,
		    family_name(r->family), port->name, family_name(r->family));
}

static void
check_required(struct vctx *v, const struct config_tunnel *t)
{
	const struct config_interface *port = NULL;
	const struct ipaddr *own = &t->local_address.ip;
	char la[IPADDR_STRLEN], oa[IPADDR_STRLEN];
	struct ipaddr pa;

	if (t->wan_port[0] != '\0' &&
	    (port = config_interface_find(v->c, t->wan_port)) == NULL)
		diag_error(v->d,
		    WHO "wan-port %s does not exist: configure "
			"interface %s or bind another port",
		    t->name, t->wan_port, t->wan_port);
	if (port != NULL && own->family != 0 &&
	    port->addr[config_slot(own->family)].family != 0) {
		pa = port->addr[config_slot(own->family)];
		pa.len = (uint8_t)ipaddr_bits(&pa);
		if (!ipaddr_equal(&pa, own)) {
			ipaddr_format(&pa, la, sizeof(la));
			ipaddr_format(own, oa, sizeof(oa));
			diag_error(v->d,
			    WHO "local-address %s differs from %s's address "
				"%s: the local address must be the bound "
				"port's address",
			    t->name, oa, port->name, la);
		}
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
	    (port == NULL || !config_interface_has_address(port)) &&
	    (t->wan_port[0] == '\0' || port != NULL))
		diag_error(v->d,
		    WHO "no local address: set local-address, or "
			"wan-port to a port with an address",
		    t->name);
	check_outer_family(v, t, port);
	if (t->client_vpn_bound && v->c->pool.family == 0)
		diag_error(v->d,
		    WHO "client-vpn-bound is on but no client-vpn "
			"pool is configured: set pool under client-vpn",
		    t->name);
}

/* How a local network is named in errors: "vlan 20 (10.20.5.0/24)". */
static void
describe_local(const struct config_local_net *ln, const struct ipaddr *p,
    char *buf, size_t len)
{
	char a[IPADDR_STRLEN];

	ipaddr_format_prefix(p, a, sizeof(a));
	if (ln->vlan == 0)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "vlan %u (%s)", ln->vlan, a);
}

/* The prefixes a local network stands for: its own, or its VLAN's
 * subnets (one per family); the count. */
static size_t
local_net_prefixes(const struct config *c, const struct config_local_net *ln,
    struct ipaddr out[CONFIG_FAMILIES])
{
	const struct config_vlan *vl;
	size_t n = 0;

	if (ln->vlan == 0) {
		out[0] = ln->prefix;
		return 1;
	}
	if ((vl = config_vlan_find(c, ln->vlan)) == NULL)
		return 0;
	for (int f = 0; f < CONFIG_FAMILIES; f++)
		if (vl->subnet[f].family != 0)
			out[n++] = vl->subnet[f];
	return n;
}

/* Bit 0: some IPv4 network, bit 1: some IPv6 one. */
static unsigned
families_of(const struct ipaddr *p, size_t n)
{
	unsigned bits = 0;

	for (size_t i = 0; i < n; i++)
		bits |= 1u << config_slot(p[i].family);
	return bits;
}

/*
 * A CHILD SA carries selectors of both families, but a policy pairs a
 * local network with a remote one of its own family (RFC 7296 2.9: a
 * selector range is of one address family): local networks of IPv6 only
 * and remote ones of IPv4 only leave no pair at all; a family on one side
 * only carries nothing.
 */
static void
check_selector_families(struct vctx *v, const struct config_tunnel *t)
{
	struct ipaddr local[CONFIG_LOCAL_PREFIXES_MAX];
	size_t n = config_tunnel_local_prefixes(v->c, t, local,
	    CONFIG_LOCAL_PREFIXES_MAX);
	unsigned lf = families_of(local, n);
	unsigned rf = families_of(t->remote_nets, t->n_remote);

	if (!t->enable || t->type != CONFIG_TUNNEL_POLICY || lf == 0 || rf == 0)
		return;
	if ((lf & rf) == 0) {
		diag_error(v->d,
		    WHO "local networks are all %s and remote-networks all "
			"%s: no selector pair of one family, nothing can "
			"enter the tunnel; add an %s remote-network or an %s "
			"local-network",
		    t->name, lf & 1 ? "IPv4" : "IPv6", rf & 1 ? "IPv4" : "IPv6",
		    lf & 1 ? "IPv4" : "IPv6", rf & 1 ? "IPv4" : "IPv6");
		return;
	}
	for (int f = 0; f < CONFIG_FAMILIES; f++) {
		const char *fam = f == CONFIG_V6 ? "IPv6" : "IPv4";

		if ((lf & (1u << f)) && !(rf & (1u << f)))
			diag_warn(v->d,
			    WHO "its %s local networks have no %s "
				"remote-network: their traffic does not enter "
				"the tunnel; add one or remove them",
			    t->name, fam, fam);
		else if ((rf & (1u << f)) && !(lf & (1u << f)))
			diag_warn(v->d,
			    WHO "its %s remote-networks have no %s local "
				"network: no traffic reaches them through the "
				"tunnel; add one or remove them",
			    t->name, fam, fam);
	}
}

static void
check_networks(struct vctx *v, const struct config_tunnel *t)
{
	const struct config *c = v->c;
	const struct config_vlan *vl = NULL;
	struct ipaddr lp[CONFIG_FAMILIES];
	char r[IPADDR_STRLEN], l[96];

	for (size_t i = 0; i < t->n_local; i++) {
		uint16_t id = t->local_nets[i].vlan;

		if (id == 0)
			continue;
		if ((vl = config_vlan_find(c, id)) == NULL) {
			diag_error(v->d,
			    WHO "local-network vlan %u does not "
				"exist: configure vlan %u or remove it",
			    t->name, id, id);
		} else if (!config_vlan_has_subnet(vl)) {
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
	check_selector_families(v, t);
	for (size_t k = 0; k < t->n_remote; k++) {
		const struct ipaddr *rp = &t->remote_nets[k];
		bool own_hit = false;

		ipaddr_format_prefix(rp, r, sizeof(r));
		for (size_t i = 0; i < t->n_local; i++) {
			const struct config_local_net *ln = &t->local_nets[i];
			size_t n = local_net_prefixes(c, ln, lp);

			for (size_t j = 0; j < n; j++) {
				if (!ipaddr_overlap(rp, &lp[j]))
					continue;
				describe_local(ln, &lp[j], l, sizeof(l));
				diag_error(v->d,
				    WHO "remote-network %s overlaps local "
					"network %s: the two sides of a tunnel "
					"need distinct addresses",
				    t->name, r, l);
				own_hit = true;
			}
		}
		if (own_hit)
			continue;
		for (size_t i = 0; i < v->n_own; i++) {
			if (!ipaddr_overlap(rp, &v->own[i].prefix))
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
	char r[IPADDR_STRLEN], o[IPADDR_STRLEN], local[CONFIG_HOST_MAX + 1];
	char ra[IPADDR_STRLEN];
	const struct ipaddr *peer = &t->remote_address.ip;
	struct ipaddr self = { 0 };

	/* Of either family; ipaddr_contains() is false across families. */
	if (config_tunnel_local_addr(v->c, t, local, sizeof(local)) < 0 ||
	    ipaddr_parse(local, &self) < 0)
		self.family = 0;
	for (size_t k = 0; k < t->n_remote; k++) {
		const struct ipaddr *rp = &t->remote_nets[k];

		ipaddr_format_prefix(rp, r, sizeof(r));
		if (peer->family != 0 && ipaddr_contains(rp, peer))
			diag_error(v->d,
			    WHO
			    "remote-network %s contains the peer's address "
			    "%s: IKE and ESP to the peer would be sent into "
			    "the tunnel itself; leave that address out",
			    t->name, r,
			    config_host_text(&t->remote_address, ra,
				sizeof(ra)));
		if (self.family != 0 && ipaddr_contains(rp, &self))
			diag_error(v->d,
			    WHO "remote-network %s contains our own address "
				"%s: leave that address out",
			    t->name, r, local);
		for (size_t j = 0; j < t->n_remote; j++) {
			/* Sets refuse duplicates: only strict nesting. */
			if (rp->len <= t->remote_nets[j].len ||
			    !ipaddr_overlap(rp, &t->remote_nets[j]))
				continue;
			ipaddr_format_prefix(&t->remote_nets[j], o, sizeof(o));
			diag_warn(v->d,
			    WHO "remote-network %s lies inside remote-network "
				"%s: remove the narrower one",
			    t->name, r, o);
		}
	}
}

/* The inside link: the prefix our inside address lies in. */
static void
inside_link(const struct config_tunnel *t, struct ipaddr *link)
{
	ipaddr_mask(&t->inside_addr, t->inside_addr.len, link);
}

static void
check_inside(struct vctx *v, const struct config_tunnel *t)
{
	struct ipaddr link;
	char a[IPADDR_STRLEN], o[96];

	/* A route-based tunnel has one pair (0.0.0.0/0 both ways). */
	if (t->type == CONFIG_TUNNEL_ROUTE && t->ts_mode == CONFIG_TS_PER_PAIR)
		diag_warn(v->d,
		    WHO "traffic-selectors per-pair is ignored on a "
			"route-based tunnel: set tunnel-type policy-based or "
			"traffic-selectors combined",
		    t->name);
	if (t->inside_addr.family == 0)
		return;
	inside_link(t, &link);
	ipaddr_format_prefix(&link, a, sizeof(a));
	if (t->type == CONFIG_TUNNEL_POLICY)
		diag_warn(v->d,
		    WHO "inside-address is ignored on a policy-based tunnel: "
			"set tunnel-type route-based or remove it",
		    t->name);
	for (size_t i = 0; i < v->n_own; i++) {
		if (!ipaddr_overlap(&link, &v->own[i].prefix))
			continue;
		describe_own(&v->own[i], o, sizeof(o));
		diag_error(v->d,
		    WHO "inside-address is on %s, inside %s of this firewall: "
			"choose a %s outside the firewall's subnets",
		    t->name, a, o, link.family == AF_INET6 ? "link" : "/30");
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

/*
 * AWS's IPv6 inside tunnel CIDR is a /126 of fd00::/8 (its Site-to-Site
 * VPN "Tunnel inside IPv6 CIDR"): AWS takes the first host of it, the
 * customer gateway the second.
 */
static void
check_aws_inside6(struct vctx *v, const struct config_tunnel *t, const char *ia)
{
	if (t->inside_addr.bytes[0] != 0xfd || t->inside_addr.len != 126)
		diag_error(v->d,
		    WHO "inside-address %s is not on a /126 of fd00::/8: AWS "
			"gives an IPv6 tunnel's inside CIDR from there; give "
			"our address on it as AWS lists it, like "
			"fd00:10:0:1::2/126",
		    t->name, ia);
}

static void
check_partner(struct vctx *v, const struct config_tunnel *t)
{
	static const char *const aws_refused[] = { "curve25519", "x25519",
		"chacha20poly1305" };
	const char *p = t->psk ? (const char *)t->psk->data : NULL;
	struct prefix4 ll = { 0xa9fe0000u, 16 }; /* 169.254.0.0/16 */
	uint32_t in4 = ipaddr_to4(&t->inside_addr);
	struct prefix4 slash30 = { in4 & prefix4_mask(30), 30 };
	char ia[IPADDR_STRLEN], lp[PREFIX4_STRLEN];

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
	ipaddr_format_prefix(&t->inside_addr, ia, sizeof(ia));
	if (t->inside_addr.family == 0) {
		diag_error(v->d,
		    WHO
		    "partner-type aws needs inside-address: "
		    "our address on the tunnel's /30 inside 169.254.0.0/16, as "
		    "AWS lists it",
		    t->name);
	} else if (t->inside_addr.family == AF_INET6) {
		check_aws_inside6(v, t, ia);
	} else if (!prefix4_contains(&ll, in4)) {
		diag_error(v->d,
		    WHO "inside-address %s is outside "
			"169.254.0.0/16: AWS takes the tunnel's /30 from there",
		    t->name, ia);
	} else if (aws_inside_reserved(slash30.addr)) {
		prefix4_format(&slash30, lp, sizeof(lp));
		diag_error(v->d,
		    WHO "inside-address %s is in %s, which AWS "
			"reserves: choose another /30 of 169.254.0.0/16",
		    t->name, ia, lp);
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
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

	if (e->t == v->t || e->kind != v->net->kind || stale(v, e->t))
		return 1;
	ipaddr_format_prefix(&v->net->prefix, a, sizeof(a));
	ipaddr_format_prefix(&e->prefix, b, sizeof(b));
	if (e->kind == INDEX_INSIDE)
		diag_error(v->d,
		    WHO "inside-address is on %s, the inside link of ipsec "
			"tunnel %s too: give each tunnel its own %s",
		    v->t->name, a, e->t->name,
		    e->prefix.family == AF_INET6 ? "link" : "/30");
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

/* The peer's end of a route-based tunnel's inside /30 (IPv4: the
 * monitor probes IPv4 only). */
static uint32_t
inside_peer(const struct config_tunnel *t)
{
	uint32_t a = ipaddr_to4(&t->inside_addr);

	return (a & ~3u) | (3u - (a & 3u));
}

/* The tunnel has an IPv4 inside address (the monitor's concern). */
static bool
inside4(const struct config_tunnel *t)
{
	return t->inside_addr.family == AF_INET;
}

/* a lies in a local network of t (in VLAN *vlan, when one). */
static bool
local_net_has(const struct config *c, const struct config_tunnel *t, uint32_t a,
    uint16_t *vlan)
{
	struct ipaddr ip, lp[CONFIG_FAMILIES];

	ipaddr_from4(a, 32, &ip);
	for (size_t i = 0; i < t->n_local; i++) {
		const struct config_local_net *ln = &t->local_nets[i];
		size_t n = local_net_prefixes(c, ln, lp);

		for (size_t j = 0; j < n; j++)
			if (ipaddr_contains(&lp[j], &ip)) {
				if (ln->vlan != 0)
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
	struct ipaddr dst;
	uint16_t vlan = 0;
	bool ok = false;

	if (m->dst == 0)
		return;
	addr4_format(m->dst, a, sizeof(a));
	ipaddr_from4(m->dst, 32, &dst);
	for (size_t k = 0; k < t->n_remote && !ok; k++)
		ok = ipaddr_contains(&t->remote_nets[k], &dst);
	if (!ok && !(route && inside4(t) && m->dst == inside_peer(t)))
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
		    !(route && inside4(t) &&
			m->src_addr == ipaddr_to4(&t->inside_addr)))
			diag_error(v->d,
			    WHO "monitor source %s is in no local-network of "
				"the tunnel: give an address of ours that the "
				"tunnel carries%s",
			    t->name, a, route ? ", or the inside-address" : "");
	} else if (t->n_local == 0 && !(route && inside4(t))) {
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
