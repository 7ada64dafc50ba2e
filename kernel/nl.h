/*
 * kernel/nl.h: private to kernel/.  The XFRM netlink handle shared by the
 * operations (ops.c), the event socket (events.c) and the request/reply
 * plumbing (nl.c).
 */
#ifndef TUNSH_KERNEL_NL_H
#define TUNSH_KERNEL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "kernel/kernel.h"
#include "lib/hmap.h"

/* One datagram from the kernel: GETSA replies are well under 2 KiB. */
#define NL_BUF_SIZE   16384
/* The SA table's first (and smallest) size; it grows with its SAs. */
#define NL_SA_BUCKETS 256

/*
 * What we know about the SAs we installed: the kernel finds a marked SA
 * only when the request carries its mark (xfrm_user_state_lookup), and
 * kernel.h's sa_del/sa_query take none; and an SPI from ALLOCSPI is a
 * larval SA that sa_add must replace with UPDSA, not NEWSA.  Hashed by
 * SPI: the IKE engine holds up to 100,000 tunnels, two SAs each.
 */
struct nl_sa {
	struct hmap_node node; /* in kernel_nl.sas */
	struct ipaddr dst;
	uint32_t spi;
	uint32_t mark, mark_mask;
	bool larval;
	time_t since; /* CLOCK_MONOTONIC seconds, for pruning larval ones */
};

struct kernel_nl {
	struct nl_sock *sk;    /* requests */
	struct nl_sock *ev_sk; /* ACQUIRE, EXPIRE, MAPPING; NULL until open */
	struct nl_sock *rt;    /* rtnetlink for links and routes (link.c) */
	const struct kernel_events *ev;
	void *ev_arg;
	struct hmap sas; /* nl_sa by (dst, spi); no buckets until the first */
	time_t pruned;	 /* when larval SAs were last looked over */
	uint8_t buf[NL_BUF_SIZE]; /* replies */
	/* Events apart: a callback may make requests while we parse. */
	uint8_t ev_buf[NL_BUF_SIZE];
};

/* Opens and connects an XFRM socket; groups is a 0-terminated list of
 * XFRMNLGRP_* to join (NULL: none). */
int nl_sock_open(struct nl_sock **out, const int *groups);
/*
 * Sends msg (which the caller still frees) and reads until the kernel's
 * ACK or error.  Each other reply of the request goes to reply (may be
 * NULL).  Returns 0, the kernel's -errno, or a local -errno; the kernel's
 * extended-ack text, if any, goes to ext.
 */
int nl_transact(struct kernel_nl *k, struct nl_msg *msg,
    int (*reply)(const struct nlmsghdr *h, void *arg), void *arg, char *ext,
    size_t extlen);
/* Reads one datagram into buf without blocking when nonblock; returns its
 * length or -errno (-EMSGSIZE when it did not fit). */
ssize_t nl_recv_one(struct nl_sock *sk, uint8_t *buf, size_t len,
    bool nonblock);

struct nl_sa *nl_sa_find(struct kernel_nl *k, const struct ipaddr *dst,
    uint32_t spi);
int nl_sa_remember(struct kernel_nl *k, const struct nl_sa *sa);
void nl_sa_forget(struct kernel_nl *k, const struct ipaddr *dst, uint32_t spi);
void nl_sa_free_all(struct kernel_nl *k);
/*
 * link.c's rtnetlink objects, built apart from the socket so that
 * tests/unit/test_kernel.c can read the request each makes
 * (rtnl_*_build_add_request).  NULL: no memory.
 */
/* The tunnel interface: XFRM interface, VTI ("vti"), or over IPv6 outer
 * addresses "vti6"; under: the ifindex of the device under an XFRM
 * interface, 0 none. */
struct rtnl_link *nl_link_new(const struct kernel_link *l, int under);
/* Its inside address on ifindex, of either family. */
struct rtnl_addr *nl_addr_new(const struct kernel_link *l, int ifindex);
/* A route to r->dst through ifindex, with tunshd's protocol. */
struct rtnl_route *nl_route_new(const struct kernel_route *r, int ifindex);

/* kernel_ops.sa_move (move.c). */
int nl_sa_move(void *arg, const struct ipaddr *dst, uint32_t spi,
    const struct kernel_sa_move *m, struct diag *d);

#endif
