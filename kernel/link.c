/*
 * kernel/link.c: the interfaces and routes of route-based tunnels over
 * rtnetlink (libnl-route): one virtual tunnel interface per tunnel, an
 * XFRM interface (matched to SAs and policies by if_id) where the kernel
 * has them, else VTI (matched by mark: "vti" over IPv4, "vti6" over
 * IPv6); its inside address; and routes to the tunnel's remote networks
 * through it.  Either family inside, either outside.  Routes carry
 * tunshd's own protocol number so they can be told from an
 * administrator's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ip6vti.h>
#include <netlink/route/link/ipvti.h>
#include <netlink/route/link/xfrmi.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/nl.h"

static int
rt(struct kernel_nl *k)
{
	if (k->rt != NULL)
		return 0;
	if ((k->rt = nl_socket_alloc()) == NULL)
		return -ENOMEM;
	if (nl_connect(k->rt, NETLINK_ROUTE) < 0) {
		nl_socket_free(k->rt);
		k->rt = NULL;
		return -EIO;
	}
	return 0;
}

/* libnl's error codes, back to errno for callers and messages. */
static int
nlerr(int rc)
{
	switch (-rc) {
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_OPNOTSUPP:
	case NLE_NOATTR:
		return -EOPNOTSUPP;
	default:
		return rc < 0 ? -EIO : 0;
	}
}

static int
ifindex(struct kernel_nl *k, const char *name)
{
	struct rtnl_link *l = NULL;
	int idx;

	if (rtnl_link_get_kernel(k->rt, 0, name, &l) < 0)
		return -ENOENT;
	idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return idx;
}

static struct nl_addr *
addr_of(const struct ipaddr *a)
{
	struct nl_addr *x =
	    nl_addr_build(a->family, a->bytes, a->family == AF_INET6 ? 16 : 4);

	if (x != NULL)
		nl_addr_set_prefixlen(x, a->len);
	return x;
}

static uint32_t
be32_of(const struct ipaddr *a)
{
	return htonl(ipaddr_to4(a));
}

/* A VTI over IPv6 outer addresses is ip6_vti's "vti6"; its keys are
 * network order too (vti6_rcv). */
static struct rtnl_link *
vti_new(const struct kernel_link *l)
{
	struct rtnl_link *link;
	struct in6_addr a;

	if (l->local.family != AF_INET6) {
		if ((link = rtnl_link_ipvti_alloc()) == NULL)
			return NULL;
		rtnl_link_ipvti_set_ikey(link, htonl(l->key));
		rtnl_link_ipvti_set_okey(link, htonl(l->key));
		rtnl_link_ipvti_set_local(link, be32_of(&l->local));
		rtnl_link_ipvti_set_remote(link, be32_of(&l->remote));
		return link;
	}
	if ((link = rtnl_link_ip6vti_alloc()) == NULL)
		return NULL;
	rtnl_link_ip6vti_set_ikey(link, htonl(l->key));
	rtnl_link_ip6vti_set_okey(link, htonl(l->key));
	memcpy(&a, l->local.bytes, sizeof(a));
	rtnl_link_ip6vti_set_local(link, &a);
	memcpy(&a, l->remote.bytes, sizeof(a));
	rtnl_link_ip6vti_set_remote(link, &a);
	return link;
}

/*
 * VTI keys are network order in the kernel (vti_rcv sets skb->mark from
 * be32_to_cpu(i_key)); libnl passes the value through unchanged.
 */
struct rtnl_link *
nl_link_new(const struct kernel_link *l, int under)
{
	struct rtnl_link *link;

	if (l->xfrmi) {
		if ((link = rtnl_link_xfrmi_alloc()) == NULL)
			return NULL;
		rtnl_link_xfrmi_set_if_id(link, l->key);
		if (under > 0)
			rtnl_link_xfrmi_set_link(link, (uint32_t)under);
	} else if ((link = vti_new(l)) == NULL) {
		return NULL;
	}
	rtnl_link_set_name(link, l->name);
	rtnl_link_set_mtu(link, l->mtu ? l->mtu : KERNEL_LINK_MTU);
	return link;
}

/* Decrypted traffic on the interface is checked by the SA it came in
 * by; a second policy check would drop it (strongSwan's advice for VTI).
 * IPv6 has the switch since Linux 5.19: an older kernel has no file. */
static void
disable_policy(const char *name)
{
	static const char *const fam[] = { "ipv4", "ipv6" };
	char path[128];
	int fd;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path),
		    "/proc/sys/net/%s/conf/%s/disable_policy", fam[i], name);
		if ((fd = open(path, O_WRONLY)) < 0)
			continue;
		if (write(fd, "1", 1) != 1)
			log_warn("kernel", "%s: cannot set %s disable_policy",
			    name, fam[i]);
		close(fd);
	}
}

struct rtnl_addr *
nl_addr_new(const struct kernel_link *l, int ifindex)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = addr_of(&l->addr);

	if (a == NULL || local == NULL) {
		nl_addr_put(local);
		rtnl_addr_put(a);
		return NULL;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, l->addr.family);
	rtnl_addr_set_local(a, local);
	nl_addr_put(local);
	return a;
}

static int
address_add(struct kernel_nl *k, int idx, const struct kernel_link *l)
{
	struct rtnl_addr *a = nl_addr_new(l, idx);
	int rc;

	if (a == NULL)
		return -ENOMEM;
	rc = nlerr(rtnl_addr_add(k->rt, a, 0));
	rtnl_addr_put(a);
	return rc;
}

static int
set_up(struct kernel_nl *k, const char *name)
{
	struct rtnl_link *cur = NULL, *chg = rtnl_link_alloc();
	int rc = -ENOMEM;

	if (chg != NULL && rtnl_link_get_kernel(k->rt, 0, name, &cur) == 0) {
		rtnl_link_set_flags(chg, IFF_UP);
		rc = nlerr(rtnl_link_change(k->rt, cur, chg, 0));
	}
	rtnl_link_put(cur);
	rtnl_link_put(chg);
	return rc;
}

static int link_del(void *arg, const char *name);

static int
link_add(void *arg, const struct kernel_link *l, struct diag *d)
{
	struct kernel_nl *k = arg;
	struct rtnl_link *link;
	int rc, idx;

	if ((rc = rt(k)) < 0)
		return rc;
	if (ifindex(k, l->name) > 0) {
		diag_add(d, DIAG_ERROR,
		    "interface %s already exists: remove it, or rename the "
		    "tunnel",
		    l->name);
		return -EEXIST;
	}
	if ((link = nl_link_new(l, l->under[0] ? ifindex(k, l->under) : 0)) ==
	    NULL)
		return -ENOMEM;
	rc = nlerr(rtnl_link_add(k->rt, link, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(link);
	if (rc < 0) {
		diag_add(d, DIAG_ERROR,
		    "interface %s: cannot create it as %s: %s%s", l->name,
		    l->xfrmi			    ? "an XFRM interface" :
			l->local.family == AF_INET6 ? "an IPv6 VTI (vti6)" :
						      "a VTI",
		    strerror(-rc),
		    !l->xfrmi && l->local.family == AF_INET6 ?
			" (is the ip6_vti module there?)" :
			"");
		return rc;
	}
	disable_policy(l->name);
	idx = ifindex(k, l->name);
	if ((l->addr.family != 0 && l->addr.len > 0 &&
		(rc = address_add(k, idx, l)) < 0) ||
	    (rc = set_up(k, l->name)) < 0) {
		diag_add(d, DIAG_ERROR, "interface %s: cannot configure it: %s",
		    l->name, strerror(-rc));
		link_del(k, l->name);
		return rc;
	}
	return 0;
}

/* Gone already is not an error. */
static int
link_del(void *arg, const char *name)
{
	struct kernel_nl *k = arg;
	struct rtnl_link *l = NULL;
	int rc;

	if (rt(k) < 0 || rtnl_link_get_kernel(k->rt, 0, name, &l) < 0)
		return 0;
	rc = nlerr(rtnl_link_delete(k->rt, l));
	rtnl_link_put(l);
	return rc == -ENOENT ? 0 : rc;
}

struct rtnl_route *
nl_route_new(const struct kernel_route *r, int idx)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = addr_of(&r->dst);

	if (route == NULL || nh == NULL || dst == NULL || idx <= 0) {
		rtnl_route_put(route);
		rtnl_route_nh_free(nh);
		nl_addr_put(dst);
		return NULL;
	}
	rtnl_route_set_family(route, r->dst.family);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, KERNEL_RTPROT);
	/* IPv6 routes have no scope: universe, as "ip -6 route" sends. */
	rtnl_route_set_scope(route,
	    r->dst.family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_set_priority(route, r->metric);
	rtnl_route_set_dst(route, dst);
	nl_addr_put(dst);
	rtnl_route_nh_set_ifindex(nh, idx);
	rtnl_route_add_nexthop(route, nh);
	return route;
}

static struct rtnl_route *
route_new(struct kernel_nl *k, const struct kernel_route *r)
{
	return nl_route_new(r, ifindex(k, r->dev));
}

static int
route_add(void *arg, const struct kernel_route *r, struct diag *d)
{
	struct kernel_nl *k = arg;
	struct rtnl_route *route;
	char p[IPADDR_STRLEN];
	int rc;

	if ((rc = rt(k)) < 0)
		return rc;
	if (r->dst.family != AF_INET && r->dst.family != AF_INET6)
		return -EAFNOSUPPORT;
	if ((route = route_new(k, r)) == NULL)
		return -ENOMEM;
	rc = nlerr(rtnl_route_add(k->rt, route, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_route_put(route);
	if (rc < 0) {
		ipaddr_format_prefix(&r->dst, p, sizeof(p));
		diag_add(d, DIAG_ERROR,
		    "route to %s through %s (metric %u): %s%s", p, r->dev,
		    r->metric, strerror(-rc),
		    rc == -EEXIST ? ": the same route exists already" : "");
	}
	return rc;
}

static int
route_del(void *arg, const struct kernel_route *r)
{
	struct kernel_nl *k = arg;
	struct rtnl_route *route;
	int rc;

	if (rt(k) < 0 ||
	    (r->dst.family != AF_INET && r->dst.family != AF_INET6) ||
	    (route = route_new(k, r)) == NULL)
		return 0; /* no interface: no route through it either */
	rc = nlerr(rtnl_route_delete(k->rt, route, 0));
	rtnl_route_put(route);
	return rc == -ENOENT ? 0 : rc;
}

/* RTM_NEWLINK with IFLA_MTU on the running interface: its address,
 * routes and SAs stay (tunsh.conf(5): mtu is changed in place). */
static int
link_set_mtu(void *arg, const char *name, uint32_t mtu, struct diag *d)
{
	struct kernel_nl *k = arg;
	struct rtnl_link *cur = NULL, *chg = NULL;
	int rc;

	if ((rc = rt(k)) < 0)
		return rc;
	if (rtnl_link_get_kernel(k->rt, 0, name, &cur) < 0) {
		diag_add(d, DIAG_ERROR,
		    "interface %s: it is gone: restart "
		    "tunshd to make it again",
		    name);
		return -ENOENT;
	}
	if ((chg = rtnl_link_alloc()) == NULL) {
		rtnl_link_put(cur);
		return -ENOMEM;
	}
	rtnl_link_set_mtu(chg, mtu);
	rc = nlerr(rtnl_link_change(k->rt, cur, chg, 0));
	rtnl_link_put(cur);
	rtnl_link_put(chg);
	if (rc < 0)
		diag_add(d, DIAG_ERROR, "interface %s: cannot set mtu %u: %s",
		    name, mtu, strerror(-rc));
	return rc;
}

const struct kernel_link_ops kernel_nl_link_ops = {
	.link_add = link_add,
	.link_del = link_del,
	.route_add = route_add,
	.route_del = route_del,
	.link_set_mtu = link_set_mtu,
};

/* Tries to make a throw-away interface of the kind, then removes it. */
static bool
can_make(struct kernel_nl *k, bool xfrmi)
{
	struct kernel_link l = { .xfrmi = xfrmi, .key = 0x7473fffe };
	struct rtnl_link *link;
	int rc;

	ipaddr_from4(0x7f000001, 32, &l.local);
	ipaddr_from4(0x7f000002, 32, &l.remote);
	if (rt(k) < 0)
		return false;
	snprintf(l.name, sizeof(l.name), "tsprobe%d", xfrmi);
	if ((link = nl_link_new(&l, 1)) == NULL)
		return false;
	rc = rtnl_link_add(k->rt, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (rc < 0)
		return false;
	link_del(k, l.name);
	return true;
}

enum kernel_link_kind
kernel_nl_link_kind(struct kernel_nl *k)
{
	if (can_make(k, true))
		return KERNEL_LINK_XFRMI;
	if (can_make(k, false))
		return KERNEL_LINK_VTI;
	return KERNEL_LINK_NONE;
}
