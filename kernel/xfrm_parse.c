/*
 * kernel/xfrm_parse.c: what the kernel sends on an XFRM socket, parsed
 * into plain values: the SA of an ALLOCSPI or GETSA reply, an NLMSG_ERROR
 * with its extended-ack text, and the ACQUIRE, EXPIRE and MAPPING events.
 * Pure: bytes in, values out.  libnl-xfrm has no parser for ACQUIRE, so
 * all of them are read here by hand from <linux/xfrm.h>'s structs, each
 * copied out with memcpy after a length check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "kernel/xfrm.h"

/* Copies the fixed header of h's payload into out when it is all there. */
static int
payload(const struct nlmsghdr *h, int type, void *out, size_t len)
{
	if (h->nlmsg_type != type || h->nlmsg_len < NLMSG_LENGTH(len))
		return -EINVAL;
	memcpy(out, NLMSG_DATA(h), len);
	return 0;
}

static bool
family_ok(unsigned family)
{
	return family == AF_INET || family == AF_INET6;
}

/* One address of family (checked) as a single address. */
static void
get_addr(const xfrm_address_t *x, unsigned family, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	out->len = family == AF_INET6 ? 128 : 32;
	memcpy(out->bytes, x, family == AF_INET6 ? 16 : 4);
}

static int
sa_reply(const struct nlmsghdr *h, struct xfrm_usersa_info *u)
{
	if (payload(h, XFRM_MSG_NEWSA, u, sizeof(*u)) < 0)
		return -EINVAL;
	return family_ok(u->family) ? 0 : -EAFNOSUPPORT;
}

int
xfrm_spi_parse(const struct nlmsghdr *h, uint32_t *spi)
{
	struct xfrm_usersa_info u;
	int rc;

	if ((rc = sa_reply(h, &u)) < 0)
		return rc;
	*spi = ntohl(u.id.spi);
	return 0;
}

int
xfrm_stats_parse(const struct nlmsghdr *h, struct kernel_sa_stats *out)
{
	struct xfrm_usersa_info u;
	int rc;

	if ((rc = sa_reply(h, &u)) < 0)
		return rc;
	out->bytes = u.curlft.bytes;
	out->packets = u.curlft.packets;
	out->add_time = u.curlft.add_time;
	out->use_time = u.curlft.use_time;
	return 0;
}

/*
 * NLMSG_ERROR (netlink(7)): struct nlmsgerr, then the request unless the
 * kernel capped it (NETLINK_CAP_ACK, which we set so that a refused SA's
 * keys are not echoed back), then the extended-ack attributes when
 * NLM_F_ACK_TLVS is set.  error 0 is an ACK.
 */
static void
ext_msg(const struct nlmsghdr *h, const struct nlmsgerr *e, char *msg,
    size_t msglen)
{
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const struct nlattr *a;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_ALIGN(off);
	if (off >= h->nlmsg_len)
		return;
	a = nla_find((struct nlattr *)((char *)h + off),
	    (int)(h->nlmsg_len - off), NLMSGERR_ATTR_MSG);
	if (a == NULL || nla_len(a) < 1)
		return;
	/* The text is NUL-terminated on the wire, but do not rely on it. */
	snprintf(msg, msglen, "%.*s", (int)strnlen(nla_data(a), nla_len(a)),
	    (const char *)nla_data(a));
}

int
xfrm_error_parse(const struct nlmsghdr *h, int *err, char *msg, size_t msglen)
{
	struct nlmsgerr e;

	if (msglen > 0)
		msg[0] = '\0';
	if (payload(h, NLMSG_ERROR, &e, sizeof(e)) < 0)
		return -EINVAL;
	/* The kernel sends -errno; anything else is not an error code. */
	if (e.error > 0 || e.error < -4095)
		return -EINVAL;
	*err = e.error;
	if (msglen > 0)
		ext_msg(h, &e, msg, msglen);
	return 0;
}

/* XFRM_MSG_ACQUIRE (build_acquire): struct xfrm_user_acquire with the
 * triggering packet in sel, then the policy's templates (XFRMA_TMPL, an
 * array of struct xfrm_user_tmpl); the first one's reqid names the
 * tunnel, as strongSwan's process_acquire reads it. */
static int
acquire_parse(const struct nlmsghdr *h, struct xfrm_event *ev)
{
	struct xfrm_user_acquire a;
	struct xfrm_user_tmpl t;
	struct nlattr *nla;

	if (payload(h, XFRM_MSG_ACQUIRE, &a, sizeof(a)) < 0)
		return -EINVAL;
	/* The packet's family: the inner one, the policy's. */
	if (!family_ok(a.sel.family))
		return -EAFNOSUPPORT;
	if (a.id.proto != IPPROTO_ESP)
		return -ENOENT;
	nla = nlmsg_find_attr((struct nlmsghdr *)h, sizeof(a), XFRMA_TMPL);
	if (nla == NULL || nla_len(nla) < (int)sizeof(t))
		return -EINVAL;
	memcpy(&t, nla_data(nla), sizeof(t));
	ev->type = XFRM_EVENT_ACQUIRE;
	ev->reqid = t.reqid;
	get_addr(&a.sel.saddr, a.sel.family, &ev->src);
	get_addr(&a.sel.daddr, a.sel.family, &ev->dst);
	return 0;
}

/* XFRM_MSG_EXPIRE (build_expire): the SA, and hard = 1 when it is gone. */
static int
expire_parse(const struct nlmsghdr *h, struct xfrm_event *ev)
{
	struct xfrm_user_expire x;

	if (payload(h, XFRM_MSG_EXPIRE, &x, sizeof(x)) < 0)
		return -EINVAL;
	if (!family_ok(x.state.family))
		return -EAFNOSUPPORT;
	/* Larval states from ACQUIRE have SPI 0: nothing to rekey. */
	if (x.state.id.proto != IPPROTO_ESP || x.state.id.spi == 0)
		return -ENOENT;
	ev->type = XFRM_EVENT_EXPIRE;
	get_addr(&x.state.id.daddr, x.state.family, &ev->dst);
	ev->spi = ntohl(x.state.id.spi);
	ev->hard = x.hard != 0;
	return 0;
}

/* XFRM_MSG_MAPPING (xfrm_send_mapping): an ESP-in-UDP SA saw the peer
 * from a new address or port (RFC 3948 and RFC 7296 2.23). */
static int
mapping_parse(const struct nlmsghdr *h, struct xfrm_event *ev)
{
	struct xfrm_user_mapping m;

	if (payload(h, XFRM_MSG_MAPPING, &m, sizeof(m)) < 0)
		return -EINVAL;
	if (!family_ok(m.id.family))
		return -EAFNOSUPPORT;
	if (m.id.proto != IPPROTO_ESP)
		return -ENOENT;
	ev->type = XFRM_EVENT_MAPPING;
	/* An SA's new address is of its own (outer) family. */
	get_addr(&m.id.daddr, m.id.family, &ev->dst);
	ev->spi = ntohl(m.id.spi);
	get_addr(&m.new_saddr, m.id.family, &ev->new_addr);
	ev->new_port = ntohs(m.new_sport);
	return 0;
}

int
xfrm_event_parse(const struct nlmsghdr *h, struct xfrm_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	switch (h->nlmsg_type) {
	case XFRM_MSG_ACQUIRE:
		return acquire_parse(h, ev);
	case XFRM_MSG_EXPIRE:
		return expire_parse(h, ev);
	case XFRM_MSG_MAPPING:
		return mapping_parse(h, ev);
	default:
		return -ENOENT;
	}
}
