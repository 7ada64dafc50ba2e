/*
 * tests/unit/test_ike_net.c: the UDP network of the IKE engine
 * (ike/net_udp.h) on loopback, on ports the kernel picks: two instances
 * exchange an IKE-like message on the IKE pair and on the NAT-T pair, a
 * plain UDP socket sees the non-ESP marker on the wire and feeds the
 * NAT-T socket raw bytes, and keepalives, short and unmarked datagrams
 * are dropped and counted (RFC 3948 2.2, 2.3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ike/net_udp.h"
#include "tests/unit/test.h"

#define LO  0x7f000001u /* 127.0.0.1 */
#define LO2 0x7f000002u /* 127.0.0.2, also on lo */

static struct ike_endpoint
ep4(uint32_t addr, uint16_t port)
{
	struct ike_endpoint ep = { .port = port };

	ipaddr_from4(addr, 32, &ep.addr);
	return ep;
}

static struct ike_endpoint
ep6(const char *addr, uint16_t port)
{
	struct ike_endpoint ep = { .port = port };

	assert_int_equal(ipaddr_parse(addr, &ep.addr), 0);
	return ep;
}

/* What one instance's input handler saw last. */
struct seen {
	size_t count;
	struct ike_endpoint local, remote;
	uint8_t buf[256];
	size_t len;
};

struct fix {
	struct event_base *base;
	struct ike_net_udp *a, *b;
	struct ike_net_udp_info ia, ib;
	struct seen sa, sb;
	int raw; /* a plain UDP socket on LO */
	uint16_t raw_port;
};

/*
 * An IKE_SA_INIT request header (RFC 7296 3.1) and 8 bytes of body:
 * SPIi, SPIr = 0, next payload SA (33), version 2.0, exchange 34,
 * flags Initiator, message id 0, length 36.
 */
static const uint8_t ike_msg[36] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* SPIi */
	0, 0, 0, 0, 0, 0, 0, 0,				/* SPIr */
	33, 0x20, 34, 0x08, /* np, ver, xchg, flags */
	0, 0, 0, 0,	    /* message id */
	0, 0, 0, 36,	    /* length */
	0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe, /* body */
};

static void
record(void *arg, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct seen *s = arg;

	assert_true(len <= sizeof(s->buf));
	s->count++;
	s->local = *local;
	s->remote = *remote;
	memcpy(s->buf, buf, len);
	s->len = len;
}

static struct ike_net_udp *
open_net(struct event_base *base, const char *addr, struct seen *s,
    struct ike_net_udp_info *info)
{
	struct ike_net_udp_params p = { .base = base,
		.input = record,
		.input_arg = s };
	struct diag d;
	struct ike_net_udp *n;

	if (addr != NULL)
		assert_int_equal(ipaddr_parse(addr, &p.addr), 0);
	diag_init(&d);
	n = ike_net_udp_open(&p, &d);
	assert_non_null(n);
	/* Only warnings (no root, no XFRM): never errors. */
	assert_int_equal(d.errors, 0);
	diag_clear(&d);
	ike_net_udp_info(n, info);
	assert_int_not_equal(info->port, 0);
	assert_int_not_equal(info->natt_port, 0);
	assert_int_not_equal(info->port, info->natt_port);
	return n;
}

static int
raw_open(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(LO) };
	socklen_t sl = sizeof(sin);
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	/* a on every address (IP_PKTINFO picks the local one), b on LO. */
	f->a = open_net(f->base, NULL, &f->sa, &f->ia);
	f->b = open_net(f->base, "127.0.0.1", &f->sb, &f->ib);
	f->raw = raw_open(&f->raw_port);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	ike_net_udp_close(f->a);
	ike_net_udp_close(f->b);
	close(f->raw);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

/* Runs the loop until s has seen want messages, 2 s at most. */
static void
run_until(struct fix *f, const struct seen *s, size_t want)
{
	struct timeval tv = { .tv_sec = 2 };
	bool late = false;
	struct event *t = evtimer_new(f->base, timeout_cb, &late);

	assert_non_null(t);
	evtimer_add(t, &tv);
	while (s->count < want && !late)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(t);
	assert_int_equal(s->count, want);
}

static void
raw_send(struct fix *f, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(LO),
		.sin_port = htons(port) };

	assert_int_equal(sendto(f->raw, buf, len, 0, (struct sockaddr *)&to,
			     sizeof(to)),
	    (ssize_t)len);
}

/* The bytes that reached the plain socket, and from which port. */
static size_t
raw_recv(struct fix *f, uint8_t *buf, size_t len, uint16_t *from_port)
{
	struct sockaddr_in from = { 0 };
	socklen_t fl = sizeof(from);
	ssize_t n =
	    recvfrom(f->raw, buf, len, 0, (struct sockaddr *)&from, &fl);

	assert_true(n >= 0);
	*from_port = ntohs(from.sin_port);
	return (size_t)n;
}

static void
assert_msg(const struct seen *s)
{
	assert_int_equal(s->len, sizeof(ike_msg));
	assert_memory_equal(s->buf, ike_msg, sizeof(ike_msg));
}

/* a sends from 127.0.0.2 to b on the IKE port; b answers; each side sees
 * the other's address and port and the one it was reached on. */
static void
test_net_udp_ike_port_exchange(void **state)
{
	struct fix *f = *state;
	struct ike_endpoint a_local = ep4(LO2, f->ia.port);
	struct ike_endpoint b_addr = ep4(LO, f->ib.port);

	assert_int_equal(ike_net_udp_ops.send(f->a, &a_local, &b_addr, ike_msg,
			     sizeof(ike_msg)),
	    0);
	run_until(f, &f->sb, 1);
	assert_msg(&f->sb);
	assert_int_equal(ipaddr_to4(&f->sb.local.addr), LO);
	assert_int_equal(f->sb.local.port, f->ib.port);
	assert_int_equal(ipaddr_to4(&f->sb.remote.addr), LO2);
	assert_int_equal(f->sb.remote.port, f->ia.port);

	/* The answer goes back to where the request came from. */
	assert_int_equal(ike_net_udp_ops.send(f->b, &f->sb.local, &f->sb.remote,
			     ike_msg, sizeof(ike_msg)),
	    0);
	run_until(f, &f->sa, 1);
	assert_msg(&f->sa);
	/* Bound to every address, a learns it was reached on 127.0.0.2. */
	assert_int_equal(ipaddr_to4(&f->sa.local.addr), LO2);
	assert_int_equal(f->sa.local.port, f->ia.port);
	assert_int_equal(ipaddr_to4(&f->sa.remote.addr), LO);
	assert_int_equal(f->sa.remote.port, f->ib.port);
}

/* The same on the NAT-T pair: the marker goes on and comes off. */
static void
test_net_udp_natt_port_exchange(void **state)
{
	struct fix *f = *state;
	struct ike_endpoint a_local = ep4(LO, f->ia.natt_port);
	struct ike_endpoint b_addr = ep4(LO, f->ib.natt_port);
	struct ike_net_udp_counters c;

	assert_int_equal(ike_net_udp_ops.send(f->a, &a_local, &b_addr, ike_msg,
			     sizeof(ike_msg)),
	    0);
	run_until(f, &f->sb, 1);
	assert_msg(&f->sb);
	assert_int_equal(f->sb.local.port, f->ib.natt_port);
	assert_int_equal(f->sb.remote.port, f->ia.natt_port);
	ike_net_udp_counters(f->a, &c);
	assert_int_equal(c.tx, 1);
	ike_net_udp_counters(f->b, &c);
	assert_int_equal(c.rx, 1);
}

/* On the wire: marker from the NAT-T socket, none from the IKE socket,
 * none on a keepalive (RFC 3948 2.2, 2.3). */
static void
test_net_udp_marker_on_wire(void **state)
{
	struct fix *f = *state;
	struct ike_endpoint natt = ep4(LO, f->ia.natt_port);
	struct ike_endpoint ike = ep4(LO, f->ia.port);
	struct ike_endpoint raw = ep4(LO, f->raw_port);
	static const uint8_t ka = 0xff;
	struct ike_net_udp_counters c;
	uint8_t buf[128];
	uint16_t from;

	assert_int_equal(ike_net_udp_ops.send(f->a, &natt, &raw, ike_msg,
			     sizeof(ike_msg)),
	    0);
	assert_int_equal(raw_recv(f, buf, sizeof(buf), &from),
	    4 + sizeof(ike_msg));
	assert_int_equal(from, f->ia.natt_port);
	assert_memory_equal(buf, "\0\0\0\0", 4);
	assert_memory_equal(buf + 4, ike_msg, sizeof(ike_msg));

	assert_int_equal(ike_net_udp_ops.send(f->a, &ike, &raw, ike_msg,
			     sizeof(ike_msg)),
	    0);
	assert_int_equal(raw_recv(f, buf, sizeof(buf), &from), sizeof(ike_msg));
	assert_int_equal(from, f->ia.port);
	assert_memory_equal(buf, ike_msg, sizeof(ike_msg));

	assert_int_equal(ike_net_udp_ops.send(f->a, &natt, &raw, &ka, 1), 0);
	assert_int_equal(raw_recv(f, buf, sizeof(buf), &from), 1);
	assert_int_equal(buf[0], 0xff);

	ike_net_udp_counters(f->a, &c);
	assert_int_equal(c.tx, 2);
	assert_int_equal(c.keepalives_tx, 1);
}

/* Raw bytes into the NAT-T socket: marked IKE is delivered without the
 * marker; the source port is the plain socket's. */
static void
test_net_udp_marker_stripped(void **state)
{
	struct fix *f = *state;
	uint8_t buf[4 + sizeof(ike_msg)] = { 0 };

	memcpy(buf + 4, ike_msg, sizeof(ike_msg));
	raw_send(f, f->ib.natt_port, buf, sizeof(buf));
	run_until(f, &f->sb, 1);
	assert_msg(&f->sb);
	assert_int_equal(f->sb.remote.port, f->raw_port);
	assert_int_equal(ipaddr_to4(&f->sb.local.addr), LO);
}

/*
 * A keepalive, then a sentinel: once the sentinel is in, the keepalive
 * has been handled.  With UDP_ENCAP the kernel eats keepalives itself;
 * without it, net_udp counts them.  Either way the engine never sees one.
 */
static void
test_net_udp_keepalive_dropped(void **state)
{
	struct fix *f = *state;
	uint8_t buf[4 + sizeof(ike_msg)] = { 0xff };
	struct ike_net_udp_counters c;

	raw_send(f, f->ib.natt_port, buf, 1);
	buf[0] = 0;
	memcpy(buf + 4, ike_msg, sizeof(ike_msg));
	raw_send(f, f->ib.natt_port, buf, sizeof(buf));
	run_until(f, &f->sb, 1);
	assert_msg(&f->sb);
	ike_net_udp_counters(f->b, &c);
	assert_int_equal(c.keepalives_rx, f->ib.espinudp ? 0 : 1);
	assert_int_equal(c.rx, 1);
}

/* Short and unmarked datagrams are dropped and counted by reason; a
 * sentinel on each socket says they have all been read. */
static void
test_net_udp_garbage_dropped(void **state)
{
	struct fix *f = *state;
	uint8_t marked[4 + sizeof(ike_msg)] = { 0 };
	static const uint8_t zeros[4 + 10] = { 0 };
	/* At most 8 bytes: with UDP_ENCAP the kernel passes it up rather
	 * than taking it for ESP. */
	static const uint8_t unmarked[6] = { 1, 2, 3, 4, 5, 6 };
	struct ike_net_udp_counters c;

	raw_send(f, f->ib.port, ike_msg, 10);	     /* short IKE */
	raw_send(f, f->ib.natt_port, zeros, 2);	     /* shorter than a marker */
	raw_send(f, f->ib.natt_port, zeros, 4 + 10); /* marker, short IKE */
	raw_send(f, f->ib.natt_port, unmarked, 6);   /* no marker */
	raw_send(f, f->ib.natt_port, zeros, 4);	     /* marker, nothing */
	raw_send(f, f->ib.port, ike_msg, sizeof(ike_msg));
	memcpy(marked + 4, ike_msg, sizeof(ike_msg));
	raw_send(f, f->ib.natt_port, marked, sizeof(marked));
	run_until(f, &f->sb, 2);
	ike_net_udp_counters(f->b, &c);
	assert_int_equal(c.rx, 2);
	assert_int_equal(c.dropped_short, 4);
	assert_int_equal(c.dropped_no_marker, 1);
	assert_int_equal(c.dropped_truncated, 0);
	assert_int_equal(c.keepalives_rx, 0);
}

/* Sends the engine cannot mean are refused, not sent somewhere. */
static void
test_net_udp_send_bad_port(void **state)
{
	struct fix *f = *state;
	struct ike_endpoint local = ep4(LO, 1), remote = ep4(LO, f->ib.port);
	struct ike_net_udp_counters c;

	assert_int_equal(ike_net_udp_ops.send(f->a, &local, &remote, ike_msg,
			     sizeof(ike_msg)),
	    -EINVAL);
	local.port = f->ia.port;
	assert_int_equal(
	    ike_net_udp_ops.send(f->a, &local, &remote, ike_msg, 0), -EINVAL);
	ike_net_udp_counters(f->a, &c);
	assert_int_equal(c.tx, 0);
}

/*
 * IKE over IPv6: a, on every address, has IPv6 sockets on the ports of its
 * IPv4 ones; it sends to c, bound to ::1, which learns where it came from
 * and was reached (IPV6_PKTINFO) and answers through a's IPv6 socket.
 */
static void
test_net_udp_ipv6_exchange(void **state)
{
	struct fix *f = *state;
	struct seen sc = { 0 };
	struct ike_net_udp_info ic;
	struct ike_net_udp *c = open_net(f->base, "::1", &sc, &ic);
	struct ike_endpoint a_local = ep6("::1", f->ia.port);
	struct ike_endpoint c_addr = ep6("::1", ic.port);
	char buf[IPADDR_STRLEN];

	assert_true(f->ia.ipv4 && f->ia.ipv6);
	assert_true(!ic.ipv4 && ic.ipv6);
	assert_true(f->ib.ipv4 && !f->ib.ipv6);
	assert_int_equal(ike_net_udp_ops.send(f->a, &a_local, &c_addr, ike_msg,
			     sizeof(ike_msg)),
	    0);
	run_until(f, &sc, 1);
	ipaddr_format(&sc.remote.addr, buf, sizeof(buf));
	assert_string_equal(buf, "::1");
	assert_int_equal(sc.remote.port, f->ia.port);
	ipaddr_format(&sc.local.addr, buf, sizeof(buf));
	assert_string_equal(buf, "::1");
	assert_int_equal(sc.local.port, ic.port);
	assert_int_equal(ike_net_udp_ops.send(c, &sc.local, &sc.remote, ike_msg,
			     sizeof(ike_msg)),
	    0);
	run_until(f, &f->sa, 1);
	assert_int_equal(f->sa.remote.addr.family, AF_INET6);
	assert_int_equal(f->sa.local.addr.family, AF_INET6);
	assert_int_equal(f->sa.remote.port, ic.port);
	/* An IPv6 peer through sockets bound to an IPv4 address only. */
	a_local = ep4(LO, f->ib.port);
	assert_int_equal(ike_net_udp_ops.send(f->b, &a_local, &c_addr, ike_msg,
			     sizeof(ike_msg)),
	    -EAFNOSUPPORT);
	ike_net_udp_close(c);
}

/* A port already taken: NULL, and the error names the socket. */
static void
test_net_udp_open_port_in_use(void **state)
{
	struct fix *f = *state;
	struct ike_net_udp_params p = { .base = f->base,
		.port = f->ib.port,
		.input = record,
		.input_arg = &f->sa };
	struct diag d;
	char want[64];

	ipaddr_from4(LO, 32, &p.addr);
	diag_init(&d);
	assert_null(ike_net_udp_open(&p, &d));
	assert_int_equal(d.errors, 1);
	snprintf(want, sizeof(want), "IKE socket 127.0.0.1:%u: %s",
	    (unsigned)f->ib.port, strerror(EADDRINUSE));
	assert_int_not_equal(diag_find(&d, want), -1);
	diag_clear(&d);
}

/* As root with XFRM in the kernel, both socket options hold. */
static void
test_net_udp_options_as_root(void **state)
{
	struct fix *f = *state;

	if (geteuid() != 0) {
		/* Under CI=true a skip is a failure: CI runs as root. */
		if (getenv("CI") != NULL && strcmp(getenv("CI"), "true") == 0)
			fail_msg("not root under CI=true: cannot check the "
				 "socket options");
		skip();
	}
	assert_true(f->ib.bypass);
	assert_true(f->ib.espinudp);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

static const struct CMUnitTest tests[] = {
	T(test_net_udp_ike_port_exchange),
	T(test_net_udp_ipv6_exchange),
	T(test_net_udp_natt_port_exchange),
	T(test_net_udp_marker_on_wire),
	T(test_net_udp_marker_stripped),
	T(test_net_udp_keepalive_dropped),
	T(test_net_udp_garbage_dropped),
	T(test_net_udp_send_bad_port),
	T(test_net_udp_open_port_in_use),
	T(test_net_udp_options_as_root),
};

TUNSH_TEST_MAIN(tests)
