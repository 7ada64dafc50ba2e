/*
 * kernel/events.c: the XFRM event socket.  It joins the ACQUIRE, EXPIRE
 * and MAPPING multicast groups, and when the caller's event loop finds it
 * readable, reads what is queued and hands each event, parsed by
 * xfrm_parse.c, to the registered kernel_events.  It never blocks.
 */
#include <errno.h>
#include <string.h>

#include <linux/xfrm.h>
#include <netlink/socket.h>

#include "kernel/nl.h"
#include "kernel/xfrm.h"

/* A burst of ACQUIREs (a host behind us starting many flows) must not be
 * lost to a full socket buffer; the kernel drops and says ENOBUFS. */
#define EV_RCVBUF (1 << 20)
/* Datagrams per dispatch, so one busy socket cannot starve the loop; the
 * loop calls again while the fd stays readable. */
#define EV_BATCH  64

int
kernel_nl_events_open(struct kernel_nl *k, const struct kernel_events *ev,
    void *arg, struct diag *d)
{
	static const int groups[] = { XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE,
		XFRMNLGRP_MAPPING, 0 };
	int rc;

	if (k->ev_sk != NULL)
		return -EALREADY;
	if ((rc = nl_sock_open(&k->ev_sk, groups)) < 0) {
		if (d != NULL)
			(void)diag_error(d,
			    "kernel: cannot listen for XFRM events: %s%s",
			    strerror(-rc),
			    rc == -EPERM ? " (needs root or CAP_NET_ADMIN)" :
					   "");
		return rc;
	}
	(void)nl_socket_set_buffer_size(k->ev_sk, EV_RCVBUF, 0);
	(void)nl_socket_set_nonblocking(k->ev_sk);
	k->ev = ev;
	k->ev_arg = arg;
	return 0;
}

int
kernel_nl_events_fd(const struct kernel_nl *k)
{
	return k->ev_sk != NULL ? nl_socket_get_fd(k->ev_sk) : -1;
}

static void
deliver(struct kernel_nl *k, const struct xfrm_event *e)
{
	const struct kernel_events *ev = k->ev;
	char s[IPADDR_STRLEN], t[IPADDR_STRLEN];

	switch (e->type) {
	case XFRM_EVENT_ACQUIRE:
		ipaddr_format(&e->src, s, sizeof(s));
		ipaddr_format(&e->dst, t, sizeof(t));
		log_debug("kernel", "reqid %u: %s -> %s", e->reqid, s, t);
		if (ev->acquire != NULL)
			ev->acquire(k->ev_arg, e->reqid, &e->src, &e->dst);
		break;
	case XFRM_EVENT_EXPIRE:
		log_debug("kernel", "SA 0x%08x: %s expire", e->spi,
		    e->hard ? "hard" : "soft");
		if (e->hard)
			nl_sa_forget(k, &e->dst,
			    e->spi); /* the kernel freed it */
		if (ev->expire != NULL)
			ev->expire(k->ev_arg, &e->dst, e->spi, e->hard);
		break;
	case XFRM_EVENT_MAPPING:
		ipaddr_format(&e->new_addr, s, sizeof(s));
		log_debug("kernel", "SA 0x%08x: peer now at %s%s%s:%u", e->spi,
		    e->new_addr.family == AF_INET6 ? "[" : "", s,
		    e->new_addr.family == AF_INET6 ? "]" : "", e->new_port);
		if (ev->mapping != NULL)
			ev->mapping(k->ev_arg, &e->dst, e->spi, &e->new_addr,
			    e->new_port);
		break;
	}
}

static void
handle(struct kernel_nl *k, size_t n)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)k->ev_buf;
	struct xfrm_event e;
	int len = (int)n, rc;

	for (; nlmsg_ok(h, len); h = nlmsg_next((struct nlmsghdr *)h, &len)) {
		rc = xfrm_event_parse(h, &e);
		if (rc == 0)
			deliver(k, &e);
		else if (rc == -EINVAL)
			log_warn("kernel",
			    "dropped a malformed event (type %u)",
			    h->nlmsg_type);
	}
}

void
kernel_nl_events_dispatch(struct kernel_nl *k)
{
	ssize_t n;

	if (k->ev_sk == NULL)
		return;
	for (int i = 0; i < EV_BATCH; i++) {
		n = nl_recv_one(k->ev_sk, k->ev_buf, sizeof(k->ev_buf), true);
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return;
		if (n == -ENOBUFS) {
			/* The kernel re-raises ACQUIRE while traffic waits,
			 * but a lost EXPIRE is gone: say so. */
			log_warn("kernel",
			    "XFRM events lost: socket buffer "
			    "overrun");
			continue;
		}
		if (n < 0) {
			log_err("kernel", "reading XFRM events: %s",
			    strerror((int)-n));
			return;
		}
		handle(k, (size_t)n);
	}
}
