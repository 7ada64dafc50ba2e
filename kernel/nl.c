/*
 * kernel/nl.c: the XFRM netlink sockets and the request/reply round trip,
 * plus the table of SAs this process installed.  It knows nothing of what
 * a request means: ops.c builds them and turns errors into words.
 *
 * Replies are read into the handle's own buffer and wiped after: a GETSA
 * reply carries the SA's keys, which libnl's receive path would leave in
 * freed memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <openssl/crypto.h>

#include "kernel/nl.h"
#include "kernel/xfrm.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The kernel may cut an ACK to the request's header (NETLINK_CAP_ACK), so a
 * refused SA's keys are not sent back to us, and may explain an error in
 * words (NETLINK_EXT_ACK, since 4.12).  Both are best effort. */
static void
sock_options(int fd)
{
	int one = 1;

	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
}

int
nl_sock_open(struct nl_sock **out, const int *groups)
{
	struct nl_sock *sk;
	int rc;

	*out = NULL;
	sk = nl_socket_alloc();
	if (sk == NULL)
		return -ENOMEM;
	if (groups != NULL)
		nl_socket_disable_seq_check(sk); /* events are unsolicited */
	errno = 0;
	if (nl_connect(sk, NETLINK_XFRM) < 0) {
		rc = errno != 0 ? -errno : -EPROTONOSUPPORT;
		nl_socket_free(sk);
		return rc;
	}
	sock_options(nl_socket_get_fd(sk));
	for (; groups != NULL && *groups != 0; groups++) {
		errno = 0;
		if (nl_socket_add_membership(sk, *groups) < 0) {
			rc = errno != 0 ? -errno : -EPERM;
			nl_socket_free(sk);
			return rc;
		}
	}
	*out = sk;
	return 0;
}

ssize_t
nl_recv_one(struct nl_sock *sk, uint8_t *buf, size_t len, bool nonblock)
{
	ssize_t n;

	do {
		n = recv(nl_socket_get_fd(sk), buf, len,
		    MSG_TRUNC | (nonblock ? MSG_DONTWAIT : 0));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n > len) {
		OPENSSL_cleanse(buf, len);
		return -EMSGSIZE;
	}
	return n;
}

/* One datagram's messages for our request: returns 1 when the ACK or
 * error was among them, 0 to read on, or a local -errno. */
static int
handle(const uint8_t *buf, size_t n, uint32_t seq,
    int (*reply)(const struct nlmsghdr *h, void *arg), void *arg, int *err,
    char *ext, size_t extlen)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	int len = (int)n;

	for (; nlmsg_ok(h, len); h = nlmsg_next((struct nlmsghdr *)h, &len)) {
		if (h->nlmsg_seq != seq)
			continue; /* a stale reply to an earlier request */
		if (h->nlmsg_type == NLMSG_ERROR) {
			if (xfrm_error_parse(h, err, ext, extlen) < 0)
				return -EPROTO;
			return 1;
		}
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (reply != NULL && reply(h, arg) < 0)
			return -EPROTO;
	}
	return 0;
}

int
nl_transact(struct kernel_nl *k, struct nl_msg *msg,
    int (*reply)(const struct nlmsghdr *h, void *arg), void *arg, char *ext,
    size_t extlen)
{
	uint32_t seq;
	ssize_t n;
	int rc, err = 0;

	if (extlen > 0)
		ext[0] = '\0';
	if ((rc = nl_send_auto(k->sk, msg)) < 0)
		return -ECOMM;
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	do {
		n = nl_recv_one(k->sk, k->buf, sizeof(k->buf), false);
		if (n < 0)
			return (int)n;
		rc = handle(k->buf, (size_t)n, seq, reply, arg, &err, ext,
		    extlen);
		OPENSSL_cleanse(k->buf, (size_t)n);
	} while (rc == 0);
	return rc < 0 ? rc : err;
}

/* By the SPI and the address bytes (the family and length play no part:
 * an SA's dst is a single address). */
static size_t
sa_hash(const struct ipaddr *dst, uint32_t spi)
{
	return hash_u64(
	    hash_more(HASH_SEED ^ spi, dst->bytes, sizeof(dst->bytes)));
}

static bool
same_dst(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

struct nl_sa *
nl_sa_find(struct kernel_nl *k, const struct ipaddr *dst, uint32_t spi)
{
	for (struct hmap_node *n = hmap_first(&k->sas, sa_hash(dst, spi)); n;
	     n = hmap_next(n)) {
		struct nl_sa *s = container_of(n, struct nl_sa, node);

		if (s->spi == spi && same_dst(&s->dst, dst))
			return s;
	}
	return NULL;
}

void
nl_sa_forget(struct kernel_nl *k, const struct ipaddr *dst, uint32_t spi)
{
	struct nl_sa *s = nl_sa_find(k, dst, spi);

	if (s == NULL)
		return;
	hmap_remove(&k->sas, &s->node);
	free(s);
}

static void
sa_free(struct hmap_node *n)
{
	free(container_of(n, struct nl_sa, node));
}

void
nl_sa_free_all(struct kernel_nl *k)
{
	hmap_clear(&k->sas, sa_free);
}

/* Larval SAs die in the kernel after net.core.xfrm_acq_expires (30 s by
 * default); ours that nobody filled are dropped after ten times that.
 * Looked over at most once a minute: a walk of every SA. */
#define LARVAL_KEEP 300

static bool
larval_stale(struct hmap_node *n, void *arg)
{
	struct nl_sa *s = container_of(n, struct nl_sa, node);

	if (!s->larval || *(const time_t *)arg - s->since <= LARVAL_KEEP)
		return false;
	free(s);
	return true;
}

static void
prune(struct kernel_nl *k, time_t now)
{
	if (now - k->pruned < 60)
		return;
	k->pruned = now;
	hmap_sweep(&k->sas, larval_stale, &now);
}

int
nl_sa_remember(struct kernel_nl *k, const struct nl_sa *sa)
{
	struct timespec ts = { 0 };
	struct nl_sa *s;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	prune(k, ts.tv_sec);
	if ((s = nl_sa_find(k, &sa->dst, sa->spi)) == NULL) {
		if (k->sas.buckets == NULL &&
		    hmap_init(&k->sas, NL_SA_BUCKETS) < 0)
			return -ENOMEM;
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -ENOMEM;
		*s = *sa;
		hmap_insert(&k->sas, &s->node, sa_hash(&sa->dst, sa->spi));
	} else {
		struct hmap_node node = s->node;

		*s = *sa;
		s->node = node;
	}
	s->since = ts.tv_sec;
	return 0;
}
