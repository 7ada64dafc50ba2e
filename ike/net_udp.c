/*
 * ike/net_udp.c: the engine's network on two UDP sockets (IKE port and
 * NAT-T port) on a libevent loop.  It owns the sockets, their kernel
 * options (IP_PKTINFO, UDP_ENCAP, per-socket bypass policies) and the
 * non-ESP marker of RFC 3948 2.2; it never parses IKE beyond telling a
 * datagram's kind, and counts every one it drops.
 *
 * On the NAT-T port one socket carries IKE and ESP (RFC 3948 2.2):
 *
 *   IKE:        | 0x00000000 (non-ESP marker) | IKE header ...     |
 *   ESP:        | SPI (never 0)               | sequence, data ... |
 *   keepalive:  | 0xff |                       (RFC 3948 2.3)
 *
 * With UDP_ENCAP_ESPINUDP set the kernel takes ESP (and, on Linux,
 * keepalives) itself and passes IKE up with the marker still on.
 */
#include <errno.h>
#include <event2/event.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ike/net_udp.h"

#define MARKER_LEN   4	/* RFC 3948 2.2 non-ESP marker */
#define IKE_HDR_LEN  28 /* RFC 7296 3.1 */
#define KEEPALIVE    0xff
#define RX_BURST     64 /* datagrams per wakeup, so one socket cannot starve */
#define CMSG_SPACE_4 CMSG_SPACE(sizeof(struct in_pktinfo))

struct sock {
	struct ike_net_udp *n;
	int fd;
	uint16_t port; /* bound, host byte order */
	bool natt;
	struct event *ev;
};

struct ike_net_udp {
	struct ike_net_udp_params p;
	struct sock ike, natt;
	struct ike_net_udp_info info;
	struct ike_net_udp_counters c;
	uint8_t buf[MARKER_LEN + IKE_NET_UDP_MAX];
};

/* What to do with one received datagram. */
enum verdict {
	DELIVER,
	KEEPALIVE_RX,
	DROP_SHORT,
	DROP_NO_MARKER,
};

static const uint8_t marker[MARKER_LEN] = { 0 };

static void
endpoint_format(uint32_t addr, uint16_t port, char *buf, size_t len)
{
	char a[ADDR4_STRLEN];

	addr4_format(addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, (unsigned)port);
}

/*
 * Exempts the socket from IPsec policies in both directions, as iked and
 * strongSwan do: without it a 0.0.0.0/0 tunnel would capture (and drop)
 * the IKE messages that are to set it up.  Needs CAP_NET_ADMIN.
 */
static int
set_bypass(int fd)
{
	struct xfrm_userpolicy_info pol = { 0 };
	static const uint8_t dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_OUT };

	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = AF_INET;
	pol.lft.soft_byte_limit = XFRM_INF;
	pol.lft.hard_byte_limit = XFRM_INF;
	pol.lft.soft_packet_limit = XFRM_INF;
	pol.lft.hard_packet_limit = XFRM_INF;
	for (size_t i = 0; i < sizeof(dirs); i++) {
		pol.dir = dirs[i];
		if (setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, &pol,
			sizeof(pol)) < 0)
			return -errno;
	}
	return 0;
}

/* RFC 3948 2.2: the kernel decapsulates ESP arriving on this socket. */
static int
set_espinudp(int fd)
{
	int type = UDP_ENCAP_ESPINUDP;

	if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) < 0)
		return -errno;
	return 0;
}

/* The options whose failure costs a feature, not the socket. */
static void
sock_options(struct ike_net_udp *n, struct sock *s, const char *where,
    struct diag *d)
{
	int rc;

	/* Said once: the second socket fails for the same reason. */
	if ((rc = set_bypass(s->fd)) < 0 && n->info.bypass) {
		n->info.bypass = false;
		diag_warn(d,
		    "IKE socket %s: no IPsec bypass policy (%s): "
		    "a tunnel covering this address may capture IKE",
		    where, strerror(-rc));
	}
	if (!s->natt)
		return;
	if ((rc = set_espinudp(s->fd)) < 0)
		diag_warn(d,
		    "IKE socket %s: no UDP_ENCAP (%s): ESP in UDP "
		    "will not reach the kernel",
		    where, strerror(-rc));
	else
		n->info.espinudp = true;
}

static void read_cb(evutil_socket_t fd, short what, void *arg);

static int
sock_open(struct ike_net_udp *n, struct sock *s, uint16_t port, bool natt,
    struct diag *d)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	char where[ADDR4_STRLEN + 6];
	int on = 1, rc;

	s->n = n;
	s->natt = natt;
	endpoint_format(n->p.addr, port, where, sizeof(where));
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	if (setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0)
		goto fail;
	sock_options(n, s, where, d);
	sin.sin_addr.s_addr = htonl(n->p.addr);
	sin.sin_port = htons(port);
	if (bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sin, &sl) < 0)
		goto fail;
	s->port = ntohs(sin.sin_port);
	s->ev = event_new(n->p.base, s->fd, EV_READ | EV_PERSIST, read_cb, s);
	if (s->ev == NULL || event_add(s->ev, NULL) < 0) {
		diag_error(d,
		    "IKE socket %s: cannot watch it on the event loop", where);
		return -ENOMEM;
	}
	return 0;
fail:
	rc = -errno;
	diag_error(d, "IKE socket %s: %s", where, strerror(-rc));
	return rc;
}

static void
sock_close(struct sock *s)
{
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->fd >= 0)
		close(s->fd);
	s->ev = NULL;
	s->fd = -1;
}

struct ike_net_udp *
ike_net_udp_open(const struct ike_net_udp_params *p, struct diag *d)
{
	struct ike_net_udp *n;

	if (p->base == NULL || p->input == NULL) {
		diag_error(d, "IKE sockets: no event loop or input handler");
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		diag_error(d, "IKE sockets: out of memory");
		return NULL;
	}
	n->p = *p;
	n->ike.fd = n->natt.fd = -1;
	n->info.bypass = true;
	if (sock_open(n, &n->ike, p->port, false, d) < 0 ||
	    sock_open(n, &n->natt, p->natt_port, true, d) < 0) {
		ike_net_udp_close(n);
		return NULL;
	}
	n->info.port = n->ike.port;
	n->info.natt_port = n->natt.port;
	return n;
}

void
ike_net_udp_close(struct ike_net_udp *n)
{
	if (n == NULL)
		return;
	sock_close(&n->ike);
	sock_close(&n->natt);
	free(n);
}

void
ike_net_udp_info(const struct ike_net_udp *n, struct ike_net_udp_info *out)
{
	*out = n->info;
}

void
ike_net_udp_counters(const struct ike_net_udp *n,
    struct ike_net_udp_counters *out)
{
	*out = n->c;
}

/* Sorts a datagram; *off is where the IKE message starts in it. */
static enum verdict
classify(const struct sock *s, const uint8_t *buf, size_t len, size_t *off)
{
	*off = 0;
	if (s->natt) {
		if (len == 1 && buf[0] == KEEPALIVE)
			return KEEPALIVE_RX;
		if (len < MARKER_LEN)
			return DROP_SHORT;
		/* Non-zero: ESP the kernel did not take (no UDP_ENCAP, or
		 * too short for it) or garbage; neither is ours. */
		if (memcmp(buf, marker, MARKER_LEN) != 0)
			return DROP_NO_MARKER;
		*off = MARKER_LEN;
	}
	if (len - *off < IKE_HDR_LEN)
		return DROP_SHORT;
	return DELIVER;
}

/* The address a datagram was sent to, from IP_PKTINFO. */
static int
pktinfo_dst(struct msghdr *msg, uint32_t *addr)
{
	struct cmsghdr *cm;
	struct in_pktinfo pi;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != IPPROTO_IP || cm->cmsg_type != IP_PKTINFO)
			continue;
		memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		*addr = ntohl(pi.ipi_addr.s_addr);
		return 0;
	}
	return -ENOENT;
}

static void
dispatch(struct sock *s, struct msghdr *msg, size_t len)
{
	struct ike_net_udp *n = s->n;
	const struct sockaddr_in *from = msg->msg_name;
	struct ike_endpoint local = { n->p.addr, s->port }, remote;
	size_t off;

	if ((msg->msg_flags & MSG_TRUNC) != 0) {
		n->c.dropped_truncated++;
		return;
	}
	switch (classify(s, n->buf, len, &off)) {
	case KEEPALIVE_RX:
		n->c.keepalives_rx++;
		return;
	case DROP_SHORT:
		n->c.dropped_short++;
		return;
	case DROP_NO_MARKER:
		n->c.dropped_no_marker++;
		return;
	case DELIVER:
		break;
	}
	if (pktinfo_dst(msg, &local.addr) < 0 && local.addr == 0) {
		n->c.dropped_no_local++;
		return;
	}
	remote.addr = ntohl(from->sin_addr.s_addr);
	remote.port = ntohs(from->sin_port);
	n->c.rx++;
	n->p.input(n->p.input_arg, &local, &remote, n->buf + off, len - off);
}

/* Reads one datagram; 0, or -EAGAIN when the socket is empty. */
static int
recv_one(struct sock *s)
{
	struct ike_net_udp *n = s->n;
	struct sockaddr_in from = { 0 };
	struct iovec iov = { n->buf, sizeof(n->buf) };
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE_4];
	} cbuf;
	struct msghdr msg = { .msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf) };
	ssize_t len;

	if ((len = recvmsg(s->fd, &msg, 0)) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		/* ICMP errors from earlier sends surface here
		 * (ECONNREFUSED); count them and read on. */
		n->c.rx_errors++;
		return 0;
	}
	dispatch(s, &msg, (size_t)len);
	return 0;
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sock *s = arg;

	(void)fd;
	(void)what;
	for (int i = 0; i < RX_BURST; i++)
		if (recv_one(s) == -EAGAIN)
			break;
}

/* The socket a send names by its local port. */
static struct sock *
sock_for(struct ike_net_udp *n, uint16_t port)
{
	if (port == n->ike.port)
		return &n->ike;
	if (port == n->natt.port)
		return &n->natt;
	if (port == IKE_PORT)
		return &n->ike;
	if (port == IKE_NATT_PORT)
		return &n->natt;
	return NULL;
}

/* An IP_PKTINFO control message naming the source address. */
static void
set_source(struct msghdr *msg, uint8_t *cbuf, size_t cap, uint32_t addr)
{
	struct in_pktinfo pi = { 0 };
	struct cmsghdr *cm;

	msg->msg_control = cbuf;
	msg->msg_controllen = cap;
	cm = CMSG_FIRSTHDR(msg);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	pi.ipi_spec_dst.s_addr = htonl(addr);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
}

static int
udp_send(void *arg, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct ike_net_udp *n = arg;
	struct sock *s = sock_for(n, local->port);
	struct sockaddr_in to = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(remote->addr),
		.sin_port = htons(remote->port) };
	struct iovec iov[2] = { { (void *)marker, MARKER_LEN },
		{ (void *)buf, len } };
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE_4];
	} cbuf = { 0 };
	struct msghdr msg = { .msg_name = &to,
		.msg_namelen = sizeof(to),
		.msg_iov = iov,
		.msg_iovlen = 2 };
	bool keepalive = len == 1 && buf[0] == KEEPALIVE;

	if (s == NULL || len == 0)
		return -EINVAL;
	if (len > IKE_NET_UDP_MAX)
		return -EMSGSIZE;
	/* RFC 3948 2.2: IKE to or from the NAT-T port carries the marker;
	 * a keepalive (2.3) never does. */
	if (keepalive || (!s->natt && remote->port != IKE_NATT_PORT)) {
		msg.msg_iov = &iov[1];
		msg.msg_iovlen = 1;
	}
	/* Bound to every address: say which one to send from, so the
	 * answer leaves from the address the request came to. */
	if (n->p.addr == 0 && local->addr != 0)
		set_source(&msg, cbuf.buf, sizeof(cbuf.buf), local->addr);
	if (sendmsg(s->fd, &msg, 0) < 0) {
		n->c.tx_errors++;
		return -errno;
	}
	if (keepalive)
		n->c.keepalives_tx++;
	else
		n->c.tx++;
	return 0;
}

const struct ike_net_ops ike_net_udp_ops = {
	.send = udp_send,
};
