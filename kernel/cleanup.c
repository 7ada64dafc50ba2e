/*
 * kernel/cleanup.c: what an earlier tunshd left in the kernel when it
 * died without removing its SAs and policies.  Everything tunshd installs
 * carries a reqid in [KERNEL_REQID_MIN, KERNEL_REQID_MAX]; at start the
 * SAs and policies in that range are found by a dump and deleted, and
 * nothing else is touched (another IKE daemon's state stays).  Tunnel
 * interfaces are tunshd's by name and kind ("ts-" VTI, IPv6 VTI or XFRM
 * interfaces); their routes, of both families, go with them.  SAs and
 * policies of both families are found by the same dumps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/nl.h"
#include "kernel/xfrm.h"

/* One leftover, enough to delete it. */
struct leftover {
	bool policy;
	struct ipaddr dst;	  /* SA */
	uint32_t spi;		  /* SA */
	uint32_t index;		  /* policy */
	uint8_t dir;		  /* policy */
	struct xfrm_selector sel; /* policy */
	uint32_t if_id;		  /* policy */
	struct xfrm_mark mark;
};

struct found {
	struct leftover *v;
	size_t n, cap;
};

static int
keep(struct found *f, const struct leftover *l)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct leftover *v = realloc(f->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = *l;
	return 0;
}

static bool
ours(uint32_t reqid)
{
	return reqid >= KERNEL_REQID_MIN && reqid <= KERNEL_REQID_MAX;
}

static void
mark_of(const struct nlmsghdr *h, size_t hdrlen, struct xfrm_mark *m)
{
	struct nlattr *a =
	    nlmsg_find_attr((struct nlmsghdr *)h, (int)hdrlen, XFRMA_MARK);

	memset(m, 0, sizeof(*m));
	if (a != NULL && nla_len(a) >= (int)sizeof(*m))
		memcpy(m, nla_data(a), sizeof(*m));
}

/* XFRM_MSG_NEWSA in a dump: an ESP SA of ours, of either family? */
static int
sa_seen(const struct nlmsghdr *h, void *arg)
{
	struct xfrm_usersa_info info;
	struct leftover l = { 0 };

	if (h->nlmsg_type != XFRM_MSG_NEWSA ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(info)))
		return 0;
	memcpy(&info, nlmsg_data(h), sizeof(info));
	if (!ours(info.reqid) ||
	    (info.family != AF_INET && info.family != AF_INET6) ||
	    info.id.proto != IPPROTO_ESP)
		return 0;
	l.dst.family = (uint8_t)info.family;
	l.dst.len = info.family == AF_INET6 ? 128 : 32;
	memcpy(l.dst.bytes, &info.id.daddr, info.family == AF_INET6 ? 16 : 4);
	l.spi = ntohl(info.id.spi);
	mark_of(h, sizeof(info), &l.mark);
	return keep(arg, &l);
}

/* XFRM_MSG_NEWPOLICY in a dump: is its template's reqid ours? */
static int
policy_seen(const struct nlmsghdr *h, void *arg)
{
	struct xfrm_userpolicy_info info;
	struct xfrm_user_tmpl t;
	struct leftover l = { .policy = true };
	struct nlattr *a;

	if (h->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(info)))
		return 0;
	memcpy(&info, nlmsg_data(h), sizeof(info));
	a = nlmsg_find_attr((struct nlmsghdr *)h, sizeof(info), XFRMA_TMPL);
	if (a == NULL || nla_len(a) < (int)sizeof(t))
		return 0;
	memcpy(&t, nla_data(a), sizeof(t));
	if (!ours(t.reqid))
		return 0;
	l.index = info.index;
	l.dir = info.dir;
	l.sel = info.sel;
	mark_of(h, sizeof(info), &l.mark);
	a = nlmsg_find_attr((struct nlmsghdr *)h, sizeof(info), XFRMA_IF_ID);
	if (a != NULL && nla_len(a) >= (int)sizeof(uint32_t))
		l.if_id = nla_get_u32(a);
	return keep(arg, &l);
}

static int
dump(struct kernel_nl *k, int type, int (*fn)(const struct nlmsghdr *, void *),
    struct found *f)
{
	struct nl_msg *msg =
	    nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_DUMP);
	int rc;

	if (msg == NULL)
		return -ENOMEM;
	rc = nl_transact(k, msg, fn, f, NULL, 0);
	nlmsg_free(msg);
	return rc;
}

static int
put_mark(struct nl_msg *msg, const struct xfrm_mark *m)
{
	if (m->v == 0 && m->m == 0)
		return 0;
	return nla_put(msg, XFRMA_MARK, sizeof(*m), m);
}

/* 1: deleted; 0: gone already; else a negative errno. */
static int
delete_one(struct kernel_nl *k, const struct leftover *l)
{
	struct xfrm_userpolicy_id id = { 0 };
	struct nl_msg *msg = NULL;
	int rc;

	if (!l->policy) {
		rc = xfrm_sa_id_build(XFRM_MSG_DELSA, &l->dst, l->spi,
		    l->mark.v, l->mark.m, &msg);
	} else {
		/* By index: the kernel finds it whatever its selector,
		 * but only with its mark and if_id (xfrm_policy_byid). */
		id.index = l->index;
		id.dir = l->dir;
		id.sel = l->sel;
		rc = (msg = nlmsg_alloc_simple(XFRM_MSG_DELPOLICY,
			  NLM_F_REQUEST | NLM_F_ACK)) == NULL ?
		    -ENOMEM :
		    nlmsg_append(msg, &id, sizeof(id), NLMSG_ALIGNTO) < 0 ||
			put_mark(msg, &l->mark) < 0 ||
			(l->if_id != 0 &&
			    nla_put_u32(msg, XFRMA_IF_ID, l->if_id) < 0) ?
		    -EMSGSIZE :
		    0;
	}
	if (rc == 0)
		rc = nl_transact(k, msg, NULL, NULL, NULL, 0);
	xfrm_msg_free(msg);
	return rc == -ENOENT || rc == -ESRCH ? 0 : rc == 0 ? 1 : rc;
}

/* Removes the "ts-" VTI (vti, vti6) and XFRM interfaces a dead tunshd
 * left. */
static size_t
links_cleanup(struct kernel_nl *k)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	size_t n = 0;

	if (sk == NULL || nl_connect(sk, NETLINK_ROUTE) < 0 ||
	    rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
		goto out;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(l);
		const char *type = rtnl_link_get_type(l);

		if (name == NULL || type == NULL ||
		    strncmp(name, "ts-", 3) != 0 ||
		    (strcmp(type, "vti") != 0 && strcmp(type, "vti6") != 0 &&
			strcmp(type, "xfrm") != 0))
			continue;
		if (rtnl_link_delete(sk, l) == 0)
			n++;
	}
out:
	(void)k;
	nl_cache_free(cache);
	nl_socket_free(sk);
	return n;
}

int
kernel_nl_cleanup(struct kernel_nl *k, size_t *removed, struct diag *d)
{
	struct found f = { 0 };
	int rc;

	*removed = 0;
	if ((rc = dump(k, XFRM_MSG_GETPOLICY, policy_seen, &f)) < 0 ||
	    (rc = dump(k, XFRM_MSG_GETSA, sa_seen, &f)) < 0) {
		diag_add(d, DIAG_WARNING,
		    "cannot list the kernel's IPsec state to clean what an "
		    "earlier tunshd left: %s",
		    strerror(-rc));
		free(f.v);
		return rc;
	}
	for (size_t i = 0; i < f.n; i++)
		if (delete_one(k, &f.v[i]) > 0)
			(*removed)++;
	free(f.v);
	*removed += links_cleanup(k);
	return 0;
}
