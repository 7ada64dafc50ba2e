/*
 * kernel/move.c: following a peer behind a NAT whose address or port
 * changed (RFC 3948, RFC 7296 2.23).  The SA's UDP encapsulation, and
 * for a new address its outer addresses, must change while its keys and
 * counters stay: the SA is read back (XFRM_MSG_GETSA, keys included),
 * and written again with XFRM_MSG_UPDSA (same destination: the kernel
 * updates the encapsulation in place) or XFRM_MSG_NEWSA then DELSA (a
 * new destination is a new SA identity).  Keys pass through memory that
 * is wiped at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <openssl/crypto.h>
#include <string.h>

#include "kernel/nl.h"
#include "kernel/xfrm.h"

/* The GETSA reply, kept whole (it holds the keys: a secbuf). */
static int
keep_reply(const struct nlmsghdr *h, void *arg)
{
	struct secbuf **out = arg;

	if (h->nlmsg_type != XFRM_MSG_NEWSA || *out != NULL ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct xfrm_usersa_info)))
		return 0;
	*out = secbuf_from(h, h->nlmsg_len);
	return *out ? 0 : -ENOMEM;
}

/* The SA of reply, moved: every attribute but the encapsulation as it
 * was, the addresses and ports from m. */
static struct nl_msg *
moved(const struct secbuf *reply, int type, const struct kernel_sa_move *m)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)reply->data;
	struct xfrm_usersa_info info;
	struct xfrm_encap_tmpl enc = { 0 };
	struct nl_msg *msg;
	struct nlattr *a;
	int rem;
	size_t alen = m->dst.family == AF_INET6 ? 16 : 4;

	memcpy(&info, nlmsg_data(h), sizeof(info));
	memset(&info.id.daddr, 0, sizeof(info.id.daddr));
	memset(&info.saddr, 0, sizeof(info.saddr));
	memcpy(&info.id.daddr, m->dst.bytes, alen);
	memcpy(&info.saddr, m->src.bytes, alen);
	msg = nlmsg_alloc_simple(type,
	    NLM_F_REQUEST | NLM_F_ACK |
		(type == XFRM_MSG_NEWSA ? NLM_F_CREATE | NLM_F_EXCL : 0));
	if (msg == NULL ||
	    nlmsg_append(msg, &info, sizeof(info), NLMSG_ALIGNTO) < 0)
		goto fail;
	nlmsg_for_each_attr(a, (struct nlmsghdr *)h, sizeof(info), rem)
	{
		if (nla_type(a) == XFRMA_ENCAP)
			continue;
		if (nla_put(msg, nla_type(a), nla_len(a), nla_data(a)) < 0)
			goto fail;
	}
	enc.encap_type = UDP_ENCAP_ESPINUDP;
	enc.encap_sport = htons(m->sport);
	enc.encap_dport = htons(m->dport);
	if (nla_put(msg, XFRMA_ENCAP, sizeof(enc), &enc) < 0)
		goto fail;
	OPENSSL_cleanse(&info, sizeof(info));
	return msg;
fail:
	OPENSSL_cleanse(&info, sizeof(info));
	xfrm_msg_free(msg);
	return NULL;
}

int
nl_sa_move(void *arg, const struct ipaddr *dst, uint32_t spi,
    const struct kernel_sa_move *m, struct diag *d)
{
	struct kernel_nl *k = arg;
	struct nl_sa *known = nl_sa_find(k, dst, spi), now;
	struct secbuf *reply = NULL;
	struct nl_msg *msg = NULL;
	char ext[128] = "";
	bool same = m->dst.family == dst->family &&
	    memcmp(m->dst.bytes, dst->bytes, sizeof(dst->bytes)) == 0;
	int rc;

	/* A NAT moves an SA within its family: the family is part of the
	 * SA's identity (xfrm_state_lookup), and the reply's is kept. */
	if (m->src.family != dst->family || m->dst.family != dst->family)
		rc = -EAFNOSUPPORT;
	else
		rc = xfrm_sa_id_build(XFRM_MSG_GETSA, dst, spi,
		    known ? known->mark : 0, known ? known->mark_mask : 0,
		    &msg);
	if (rc == 0)
		rc = nl_transact(k, msg, keep_reply, &reply, ext, sizeof(ext));
	xfrm_msg_free(msg);
	msg = NULL;
	if (rc == 0 && reply == NULL)
		rc = -ENOENT;
	if (rc == 0 &&
	    (msg = moved(reply, same ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA, m)) ==
		NULL)
		rc = -ENOMEM;
	if (rc == 0)
		rc = nl_transact(k, msg, NULL, NULL, ext, sizeof(ext));
	xfrm_msg_free(msg);
	secbuf_free(reply);
	if (rc < 0) {
		diag_add(d, DIAG_ERROR,
		    "SA %08x: cannot follow the peer to its new address or "
		    "port: %s%s%s",
		    spi, strerror(-rc), ext[0] ? ": " : "", ext);
		return rc;
	}
	if (!same) {
		if (known != NULL) {
			now = *known;
			now.dst = m->dst;
			nl_sa_remember(k, &now);
		}
		kernel_nl_ops.sa_del(k, dst, spi); /* the old identity */
	}
	return 0;
}
