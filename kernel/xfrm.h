/*
 * kernel/xfrm.h: private to kernel/.  Builders that turn the parameter
 * structs of kernel.h into XFRM netlink requests, and pure parsers for
 * what the kernel sends back (replies, errors, events).  Nothing here
 * opens a socket, so tests/unit/test_kernel.c builds a message and reads
 * its attributes back without a kernel.
 */
#ifndef TUNSH_KERNEL_XFRM_H
#define TUNSH_KERNEL_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <netlink/msg.h>

#include "kernel/kernel.h"

/* SPIs we hand out (XFRM_MSG_ALLOCSPI), as strongSwan does: 0x00000000 and
 * 1..255 are reserved (RFC 4303 2.1); a fixed range also keeps ours apart
 * from SPIs a peer chooses for outbound SAs to the same address. */
#define XFRM_SPI_MIN 0xc0000000u
#define XFRM_SPI_MAX 0xcfffffffu

/* Replay windows above 32 packets need XFRMA_REPLAY_ESN_VAL; the kernel
 * takes at most 128 words of bitmap (XFRMA_REPLAY_ESN_MAX = 4096 bytes). */
#define XFRM_REPLAY_LEGACY_MAX 32u
#define XFRM_REPLAY_MAX	       4096u

/*
 * Builders.  Each allocates *out (free it with xfrm_msg_free(), which wipes
 * it first: SA messages carry keys) and returns 0 or a negative errno:
 * -EINVAL for parameters the kernel would refuse (among them outer
 * addresses of no family or of two), -ENOMEM.
 */
/* XFRM_MSG_NEWSA, or XFRM_MSG_UPDSA to fill the larval SA ALLOCSPI left. */
int xfrm_sa_build(const struct kernel_sa *sa, bool update, struct nl_msg **out);
/* XFRM_MSG_DELSA or XFRM_MSG_GETSA (type) for one ESP SA. */
int xfrm_sa_id_build(int type, const struct ipaddr *dst, uint32_t spi,
    uint32_t mark, uint32_t mark_mask, struct nl_msg **out);
int xfrm_spi_build(const struct ipaddr *src, const struct ipaddr *dst,
    uint32_t reqid, struct nl_msg **out);
/* XFRM_MSG_NEWPOLICY or XFRM_MSG_UPDPOLICY. */
int xfrm_policy_build(const struct kernel_policy *p, bool update,
    struct nl_msg **out);
int xfrm_policy_del_build(const struct kernel_policy *p, struct nl_msg **out);
/* Wipes the used part of the message, then frees it.  NULL is fine. */
void xfrm_msg_free(struct nl_msg *msg);

/*
 * Parsers.  Each takes one message whose nlmsg_len the caller has checked
 * against what it received, and returns 0 or -EINVAL (short, or not what
 * was expected), or -EAFNOSUPPORT for a family other than IPv4 and IPv6.
 */
/* The SPI of an XFRM_MSG_NEWSA reply to ALLOCSPI. */
int xfrm_spi_parse(const struct nlmsghdr *h, uint32_t *spi);
/* Counters from an XFRM_MSG_NEWSA reply to GETSA. */
int xfrm_stats_parse(const struct nlmsghdr *h, struct kernel_sa_stats *out);
/* An NLMSG_ERROR: *err is 0 (an ACK) or a negative errno; the kernel's
 * extended-ack text (NETLINK_EXT_ACK) goes to msg, "" when there is none. */
int xfrm_error_parse(const struct nlmsghdr *h, int *err, char *msg,
    size_t msglen);

enum xfrm_event_type {
	XFRM_EVENT_ACQUIRE,
	XFRM_EVENT_EXPIRE,
	XFRM_EVENT_MAPPING,
};

struct xfrm_event {
	enum xfrm_event_type type;
	uint32_t reqid; /* ACQUIRE: the template's */
	/* ACQUIRE: the packet's (the inner family); EXPIRE, MAPPING: the
	 * SA's dst (the outer family) */
	struct ipaddr src, dst;
	uint32_t spi;		/* EXPIRE, MAPPING */
	bool hard;		/* EXPIRE */
	struct ipaddr new_addr; /* MAPPING */
	uint16_t new_port;	/* MAPPING */
};

/* XFRM_MSG_ACQUIRE, XFRM_MSG_EXPIRE or XFRM_MSG_MAPPING; -ENOENT for any
 * other message type and for events about SAs that are not ESP. */
int xfrm_event_parse(const struct nlmsghdr *h, struct xfrm_event *ev);

#endif
