/*
 * ike/net_udp.h: the engine's network on real UDP sockets, one on the IKE
 * port and one on the NAT-T port, driven by a libevent loop.  It is the
 * struct ike_net_ops that tunshd hands to ike_engine_new(); tests use an
 * in-memory network instead.
 */
#ifndef TUNSH_IKE_NET_UDP_H
#define TUNSH_IKE_NET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"
#include "lib/lib.h"

struct event_base;

/* The largest IKE message received whole; longer ones are dropped. */
#define IKE_NET_UDP_MAX 65535

struct ike_net_udp_params {
	struct event_base *base;
	/* The one local address; family 0 = every address of both
	 * families (IPv6 is skipped, with a warning, where the host has
	 * none). */
	struct ipaddr addr;
	uint16_t port;	    /* IKE_PORT; 0 = any free port (tests) */
	uint16_t natt_port; /* IKE_NATT_PORT; 0 = any free port (tests) */
	/* Each IKE message, non-ESP marker stripped; local is the address
	 * the datagram was sent to and the port of the socket it came in
	 * on.  May call ike_net_udp_ops.send. */
	void (*input)(void *arg, const struct ike_endpoint *local,
	    const struct ike_endpoint *remote, const uint8_t *buf, size_t len);
	void *input_arg;
};

/* What the sockets could be set up with. */
struct ike_net_udp_info {
	uint16_t port, natt_port; /* bound, host byte order */
	bool espinudp;	 /* UDP_ENCAP set: the kernel takes ESP on natt_port */
	bool bypass;	 /* both sockets exempt from IPsec policies */
	bool ipv4, ipv6; /* the family's sockets are open */
};

/* Datagrams by fate.  Every received datagram lands in exactly one of
 * rx, keepalives and the dropped_* counters. */
struct ike_net_udp_counters {
	uint64_t rx, tx;
	uint64_t keepalives_rx, keepalives_tx; /* NAT-T, RFC 3948 2.3 */
	uint64_t dropped_short;		       /* shorter than an IKE header */
	uint64_t dropped_no_marker; /* on natt_port without the marker */
	uint64_t dropped_truncated; /* longer than IKE_NET_UDP_MAX */
	uint64_t dropped_no_local;  /* no IP_PKTINFO to say where to */
	uint64_t rx_errors, tx_errors;
};

/* Opens and binds both sockets and registers them with p->base.  NULL
 * with the reason in d when a socket cannot be opened or bound; a kernel
 * that refuses ESP-in-UDP or the bypass policies only adds a warning. */
struct ike_net_udp *ike_net_udp_open(const struct ike_net_udp_params *p,
    struct diag *d);
void ike_net_udp_close(struct ike_net_udp *n); /* NULL is fine */
void ike_net_udp_info(const struct ike_net_udp *n,
    struct ike_net_udp_info *out);
void ike_net_udp_counters(const struct ike_net_udp *n,
    struct ike_net_udp_counters *out);

/*
 * send's arg is the struct ike_net_udp.  local->port picks the socket
 * (the bound port, or IKE_PORT / IKE_NATT_PORT for it), local->addr the
 * source address (0: the kernel's choice).  Returns 0 or a negative
 * errno: -EINVAL for a port that is not one of ours, -EMSGSIZE for a
 * message longer than IKE_NET_UDP_MAX.
 */
extern const struct ike_net_ops ike_net_udp_ops;

#endif
