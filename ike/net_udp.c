/*
 * ike/net_udp.c: the engine's network on UDP sockets (IKE port and NAT-T
 * port, each for IPv4 and for IPv6) on a libevent loop.  It owns the
 * sockets, their kernel options (IP_PKTINFO / IPV6_RECVPKTINFO,
 * UDP_ENCAP, per-socket bypass policies) and the non-ESP marker of RFC
 * 3948 2.2; it never parses IKE beyond telling a datagram's kind, and
 * counts every one it drops.
 *
 * The IPv6 sockets are IPV6_V6ONLY, beside the IPv4 ones rather than
 * dual-stack: each family keeps its own bypass policy and pktinfo, and
 * a host without IPv6 (disable_ipv6, no ipv6 module) still runs IPv4,
 * with a warning, when tunshd listens on every address.
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
#define CMSG_SPACE_6 CMSG_SPACE(sizeof(struct in6_pktinfo))

struct sock {
	struct ike_net_udp *n;
	int fd;
	int family;
	uint16_t port; /* bound, host byte order */
	bool natt;
	struct event *ev;
};

/* The sockets: [0] IPv4, [1] IPv6; fd -1 for a family not open. */
struct ike_net_udp {
	struct ike_net_udp_params p;
	struct sock ike[2], natt[2];
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

/* "192.0.2.1:500", "[2001:db8::1]:500", "*:500", "[::]:500". */
static void
endpoint_format(const struct ipaddr *addr, int family, uint16_t port, char *buf,
    size_t len)
{
	char a[IPADDR_STRLEN];

	if (addr->family == 0)
		snprintf(a, sizeof(a), "%s", family == AF_INET6 ? "::" : "*");
	else
		ipaddr_format(addr, a, sizeof(a));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, (unsigned)port);
	else
		snprintf(buf, len, "%s:%u", a, (unsigned)port);
}

/*
 * Exempts the socket from IPsec policies in both directions, as iked and
 * strongSwan do: without it a 0.0.0.0/0 tunnel would capture (and drop)
 * the IKE messages that are to set it up.  Needs CAP_NET_ADMIN.
 */
static int
set_bypass(int fd, int family)
{
	struct xfrm_userpolicy_info pol = { 0 };
	static const uint8_t dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_OUT };
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int name = family == AF_INET6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY;

	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = (uint16_t)family;
	pol.lft.soft_byte_limit = XFRM_INF;
	pol.lft.hard_byte_limit = XFRM_INF;
	pol.lft.soft_packet_limit = XFRM_INF;
	pol.lft.hard_packet_limit = XFRM_INF;
	for (size_t i = 0; i < sizeof(dirs); i++) {
		pol.dir = dirs[i];
		if (setsockopt(fd, level, name, &pol, sizeof(pol)) < 0)
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
	if ((rc = set_bypass(s->fd, s->family)) < 0 && n->info.bypass) {
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

/* Receives the address each datagram was sent to; IPv6: no IPv4. */
static int
set_pktinfo(int fd, int family)
{
	int on = 1;

	if (family == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			   sizeof(on)) < 0 ||
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
			    sizeof(on)) < 0 ?
		    -errno :
		    0;
	return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0 ?
	    -errno :
	    0;
}

/* The address the family's sockets bind: the one configured, or every
 * address of the family. */
static struct ipaddr
bind_addr(const struct ike_net_udp *n, int family)
{
	struct ipaddr a = { 0 };

	if (n->p.addr.family == family)
		return n->p.addr;
	a.family = (uint8_t)family;
	a.len = family == AF_INET6 ? 128 : 32;
	return a;
}

static int
sock_open(struct ike_net_udp *n, struct sock *s, int family, uint16_t port,
    bool natt, struct diag *d)
{
	struct sockaddr_storage ss;
	struct ipaddr a = bind_addr(n, family);
	socklen_t sl = ipaddr_to_sockaddr(&a, port, &ss);
	char where[IPADDR_STRLEN + 8];
	struct ipaddr got;
	int rc;

	s->n = n;
	s->natt = natt;
	s->family = family;
	endpoint_format(&n->p.addr, family, port, where, sizeof(where));
	s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	if ((rc = set_pktinfo(s->fd, family)) < 0) {
		errno = -rc;
		goto fail;
	}
	sock_options(n, s, where, d);
	if (bind(s->fd, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    ipaddr_from_sockaddr((struct sockaddr *)&ss, &got, &s->port) < 0)
		goto fail;
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

/*
 * The IPv6 sockets, on the ports the IPv4 ones got (so that a send names
 * its socket by port whatever the family).  Listening on every address,
 * a host without IPv6 is not an error: IPv4 runs, and the warning says
 * why IPv6 does not.
 */
static int
v6_open(struct ike_net_udp *n, struct diag *d)
{
	uint16_t port = n->ike[0].fd >= 0 ? n->ike[0].port : n->p.port;
	uint16_t natt = n->natt[0].fd >= 0 ? n->natt[0].port : n->p.natt_port;
	struct diag tmp;
	int rc;

	if (n->p.addr.family == AF_INET6)
		return sock_open(n, &n->ike[1], AF_INET6, port, false, d) < 0 ||
			sock_open(n, &n->natt[1], AF_INET6, natt, true, d) < 0 ?
		    -1 :
		    0;
	diag_init(&tmp);
	rc = sock_open(n, &n->ike[1], AF_INET6, port, false, &tmp);
	if (rc == 0)
		rc = sock_open(n, &n->natt[1], AF_INET6, natt, true, &tmp);
	for (size_t i = 0; i < tmp.count; i++)
		diag_warn(d, "%s%s", tmp.entries[i].text,
		    rc < 0 && tmp.entries[i].severity == DIAG_ERROR ?
			": IKE over IPv6 is off" :
			"");
	diag_clear(&tmp);
	if (rc < 0) {
		sock_close(&n->ike[1]);
		sock_close(&n->natt[1]);
	}
	return 0;
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
	for (int i = 0; i < 2; i++)
		n->ike[i].fd = n->natt[i].fd = -1;
	n->info.bypass = true;
	if (p->addr.family != AF_INET6 &&
	    (sock_open(n, &n->ike[0], AF_INET, p->port, false, d) < 0 ||
		sock_open(n, &n->natt[0], AF_INET, p->natt_port, true, d) <
		    0)) {
		ike_net_udp_close(n);
		return NULL;
	}
	if (p->addr.family != AF_INET && v6_open(n, d) < 0) {
		ike_net_udp_close(n);
		return NULL;
	}
	n->info.port = n->ike[0].fd >= 0 ? n->ike[0].port : n->ike[1].port;
	n->info.natt_port = n->natt[0].fd >= 0 ? n->natt[0].port :
						 n->natt[1].port;
	n->info.ipv4 = n->ike[0].fd >= 0;
	n->info.ipv6 = n->ike[1].fd >= 0;
	return n;
}

void
ike_net_udp_close(struct ike_net_udp *n)
{
	if (n == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		sock_close(&n->ike[i]);
		sock_close(&n->natt[i]);
	}
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

/* The address a datagram was sent to, from IP_PKTINFO/IPV6_PKTINFO. */
static int
pktinfo_dst(struct msghdr *msg, struct ipaddr *addr)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ipaddr_from4(ntohl(pi.ipi_addr.s_addr), 32, addr);
			return 0;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memset(addr, 0, sizeof(*addr));
			addr->family = AF_INET6;
			addr->len = 128;
			memcpy(addr->bytes, &pi.ipi6_addr, 16);
			return 0;
		}
	}
	return -ENOENT;
}

static void
dispatch(struct sock *s, struct msghdr *msg, size_t len)
{
	struct ike_net_udp *n = s->n;
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
	if (pktinfo_dst(msg, &local.addr) < 0 && local.addr.family == 0) {
		n->c.dropped_no_local++;
		return;
	}
	if (ipaddr_from_sockaddr(msg->msg_name, &remote.addr, &remote.port) <
	    0) {
		n->c.dropped_short++;
		return;
	}
	n->c.rx++;
	n->p.input(n->p.input_arg, &local, &remote, n->buf + off, len - off);
}

/* Reads one datagram; 0, or -EAGAIN when the socket is empty. */
static int
recv_one(struct sock *s)
{
	struct ike_net_udp *n = s->n;
	struct sockaddr_storage from = { 0 };
	struct iovec iov = { n->buf, sizeof(n->buf) };
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE_6];
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

/* The socket a send names by its local port, of the peer's family. */
static struct sock *
sock_for(struct ike_net_udp *n, uint16_t port, int family)
{
	int f = family == AF_INET6;
	struct sock *s = NULL;

	if (port == n->ike[f].port ||
	    (port == IKE_PORT && port != n->natt[f].port))
		s = &n->ike[f];
	else if (port == n->natt[f].port || port == IKE_NATT_PORT)
		s = &n->natt[f];
	return s != NULL && s->fd >= 0 ? s : NULL;
}

/* An IP_PKTINFO or IPV6_PKTINFO control message naming the source. */
static void
set_source(struct msghdr *msg, uint8_t *cbuf, size_t cap,
    const struct ipaddr *addr)
{
	struct cmsghdr *cm;

	msg->msg_control = cbuf;
	msg->msg_controllen = cap;
	cm = CMSG_FIRSTHDR(msg);
	if (addr->family == AF_INET6) {
		struct in6_pktinfo pi = { 0 };

		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(&pi.ipi6_addr, addr->bytes, 16);
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		msg->msg_controllen = CMSG_SPACE(sizeof(pi));
		return;
	}
	struct in_pktinfo pi = { 0 };

	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(&pi.ipi_spec_dst.s_addr, addr->bytes, 4);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	msg->msg_controllen = CMSG_SPACE(sizeof(pi));
}

static int
udp_send(void *arg, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct ike_net_udp *n = arg;
	struct sock *s = sock_for(n, local->port, remote->addr.family);
	struct sockaddr_storage to;
	socklen_t tolen = ipaddr_to_sockaddr(&remote->addr, remote->port, &to);
	struct iovec iov[2] = { { (void *)marker, MARKER_LEN },
		{ (void *)buf, len } };
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE_6];
	} cbuf = { 0 };
	struct msghdr msg = { .msg_name = &to,
		.msg_namelen = tolen,
		.msg_iov = iov,
		.msg_iovlen = 2 };
	bool keepalive = len == 1 && buf[0] == KEEPALIVE;

	if (len == 0 || tolen == 0)
		return -EINVAL;
	if (s == NULL) /* a port not ours, or a family not open */
		return remote->addr.family == AF_INET6 &&
			(local->port == n->ike[0].port ||
			    local->port == n->natt[0].port) ?
		    -EAFNOSUPPORT :
		    -EINVAL;
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
	if (n->p.addr.family == 0 && local->addr.family == remote->addr.family)
		set_source(&msg, cbuf.buf, sizeof(cbuf.buf), &local->addr);
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
