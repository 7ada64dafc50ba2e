/*
 * kernel/ops.c: kernel_nl_ops, the real kernel behind kernel.h's ops
 * struct: SPI allocation, ESP SAs and policies over XFRM netlink, the
 * words a person sees when the kernel refuses, and the ESP probe.  The
 * messages themselves are built in xfrm_msg.c; sockets live in nl.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/xfrm.h>

#include "kernel/nl.h"
#include "kernel/xfrm.h"

#define EXT_LEN 128 /* the kernel's extended-ack text */

static void say(struct diag *d, const char *fmt, ...) TUNSH_PRINTF(2, 3);

static void
say(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return;
	va_start(ap, fmt);
	(void)diag_vadd(d, DIAG_ERROR, fmt, ap);
	va_end(ap);
}

struct kernel_nl *
kernel_nl_open(struct diag *d)
{
	struct kernel_nl *k;
	int rc;

	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		say(d, "kernel: out of memory");
		return NULL;
	}
	if ((rc = nl_sock_open(&k->sk, NULL)) < 0) {
		say(d, "kernel: cannot open the XFRM netlink socket: %s%s",
		    strerror(-rc),
		    rc == -EPROTONOSUPPORT ? " (CONFIG_XFRM_USER missing?)" :
					     "");
		free(k);
		return NULL;
	}
	return k;
}

void
kernel_nl_close(struct kernel_nl *k)
{
	if (k == NULL)
		return;
	nl_socket_free(k->ev_sk);
	nl_socket_free(k->sk);
	nl_socket_free(k->rt);
	nl_sa_free_all(k);
	free(k);
}

/* SPI allocation */

static int
spi_reply(const struct nlmsghdr *h, void *arg)
{
	return xfrm_spi_parse(h, arg);
}

static int
spi_alloc(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
    uint32_t reqid, uint32_t *spi, struct diag *d)
{
	struct kernel_nl *k = arg;
	struct nl_sa larval = { .dst = *dst, .larval = true };
	char ext[EXT_LEN] = "", a[IPADDR_STRLEN];
	struct nl_msg *msg;
	int rc;

	*spi = 0;
	if ((rc = xfrm_spi_build(src, dst, reqid, &msg)) < 0)
		return rc;
	rc = nl_transact(k, msg, spi_reply, spi, ext, sizeof(ext));
	xfrm_msg_free(msg);
	if (rc == 0 && *spi == 0)
		rc = -EPROTO; /* an ACK without the SA */
	if (rc < 0) {
		ipaddr_format(dst, a, sizeof(a));
		say(d, "SPI allocation for %s: %s%s%s", a,
		    rc == -EPERM ? "needs root or CAP_NET_ADMIN" :
				   strerror(-rc),
		    ext[0] ? ": " : "", ext);
		return rc;
	}
	larval.spi = *spi;
	return nl_sa_remember(k, &larval);
}

/* SAs */

/* The kernel's extended-ack texts for a missing algorithm
 * (net/xfrm/xfrm_user.c: attach_aead, attach_one_algo, attach_auth*). */
static const struct {
	const char *text;
	bool auth;
} alg_missing[] = {
	{ "Requested AEAD algorithm not found", false },
	{ "Requested CRYPT algorithm not found", false },
	{ "Requested AUTH_TRUNC algorithm not found", true },
	{ "Requested AUTH algorithm not found", true },
};

/* The algorithm the kernel said it lacks, or NULL. */
static const char *
missing_alg(const struct kernel_sa *sa, const char *ext)
{
	for (size_t i = 0; i < sizeof(alg_missing) / sizeof(alg_missing[0]);
	     i++)
		if (strstr(ext, alg_missing[i].text) != NULL)
			return alg_missing[i].auth ? sa->auth_alg : sa->enc_alg;
	return NULL;
}

/*
 * Words for a refused SA.  Without ESP (CONFIG_INET_ESP) the kernel says
 * "Requested type not found" (__xfrm_init_state) with ENOSYS or
 * EPROTONOSUPPORT; a missing algorithm is also ENOSYS, told apart only by
 * the extended ack, so an old kernel without it gets both possibilities.
 */
static void
sa_error(const struct kernel_sa *sa, int err, const char *ext, struct diag *d)
{
	char a[IPADDR_STRLEN], what[80];
	const char *alg = missing_alg(sa, ext);

	ipaddr_format(&sa->dst, a, sizeof(a));
	snprintf(what, sizeof(what), "SA 0x%08x to %s", sa->spi, a);
	if (err == -EPERM)
		say(d, "%s: adding SAs needs root or CAP_NET_ADMIN", what);
	else if (alg != NULL)
		say(d, "%s: this kernel lacks the algorithm %s (%s)", what, alg,
		    ext);
	else if ((err == -ENOSYS && ext[0] != '\0') || err == -EPROTONOSUPPORT)
		say(d, "%s: this kernel has no ESP support (CONFIG_INET_ESP)",
		    what);
	else if (err == -ENOSYS)
		say(d,
		    "%s: this kernel has no ESP support (CONFIG_INET_ESP) "
		    "or lacks %s%s%s",
		    what, sa->enc_alg, sa->auth_alg ? " or " : "",
		    sa->auth_alg ? sa->auth_alg : "");
	else
		say(d, "%s: %s%s%s", what, strerror(-err), ext[0] ? ": " : "",
		    ext);
}

/* NEWSA, or UPDSA over the larval SA our ALLOCSPI left; that one dies
 * after net.core.xfrm_acq_expires, and then UPDSA finds nothing (ESRCH,
 * xfrm_state_update) and a plain NEWSA does. */
static int
sa_install(struct kernel_nl *k, const struct kernel_sa *sa, char *ext,
    size_t extlen)
{
	struct nl_sa *known = nl_sa_find(k, &sa->dst, sa->spi);
	bool update = known != NULL && known->larval;
	struct nl_msg *msg;
	int rc;

	for (;;) {
		if ((rc = xfrm_sa_build(sa, update, &msg)) < 0)
			return rc;
		rc = nl_transact(k, msg, NULL, NULL, ext, extlen);
		xfrm_msg_free(msg); /* at once: it holds the keys */
		if (rc != -ESRCH || !update)
			return rc;
		update = false;
	}
}

static int
sa_add(void *arg, const struct kernel_sa *sa, struct diag *d)
{
	struct kernel_nl *k = arg;
	struct nl_sa known = { .dst = sa->dst, .spi = sa->spi };
	char ext[EXT_LEN] = "";
	int rc;

	rc = sa_install(k, sa, ext, sizeof(ext));
	if (rc == -EINVAL && ext[0] == '\0') {
		say(d,
		    "SA 0x%08x: invalid parameters (algorithm names, keys "
		    "or replay window over %u)",
		    sa->spi, XFRM_REPLAY_MAX);
		return rc;
	}
	if (rc < 0) {
		sa_error(sa, rc, ext, d);
		return rc;
	}
	known.mark = sa->mark;
	known.mark_mask = sa->mark_mask;
	return nl_sa_remember(k, &known);
}

static int
sa_del(void *arg, const struct ipaddr *dst, uint32_t spi)
{
	struct kernel_nl *k = arg;
	struct nl_sa *known = nl_sa_find(k, dst, spi);
	char ext[EXT_LEN] = "";
	struct nl_msg *msg;
	int rc;

	rc = xfrm_sa_id_build(XFRM_MSG_DELSA, dst, spi, known ? known->mark : 0,
	    known ? known->mark_mask : 0, &msg);
	if (rc < 0)
		return rc;
	rc = nl_transact(k, msg, NULL, NULL, ext, sizeof(ext));
	xfrm_msg_free(msg);
	if (rc == -ESRCH || rc == -ENOENT)
		rc = 0; /* already gone: expired, or flushed */
	if (rc == 0)
		nl_sa_forget(k, dst, spi);
	return rc;
}

struct stats_reply {
	struct kernel_sa_stats *out;
	bool got;
};

static int
stats_reply(const struct nlmsghdr *h, void *arg)
{
	struct stats_reply *r = arg;
	int rc = xfrm_stats_parse(h, r->out);

	r->got = rc == 0;
	return rc;
}

/* -ENOENT when the kernel has no such SA. */
static int
sa_query(void *arg, const struct ipaddr *dst, uint32_t spi,
    struct kernel_sa_stats *out)
{
	struct kernel_nl *k = arg;
	struct nl_sa *known = nl_sa_find(k, dst, spi);
	struct stats_reply r = { .out = out };
	char ext[EXT_LEN] = "";
	struct nl_msg *msg;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = xfrm_sa_id_build(XFRM_MSG_GETSA, dst, spi, known ? known->mark : 0,
	    known ? known->mark_mask : 0, &msg);
	if (rc < 0)
		return rc;
	rc = nl_transact(k, msg, stats_reply, &r, ext, sizeof(ext));
	xfrm_msg_free(msg);
	if (rc == -ESRCH)
		return -ENOENT;
	if (rc == 0 && !r.got)
		return -EPROTO;
	return rc;
}

/* Policies */

static const char *const dir_name[] = {
	[KERNEL_DIR_IN] = "in",
	[KERNEL_DIR_OUT] = "out",
	[KERNEL_DIR_FWD] = "fwd",
};

static void
policy_error(const struct kernel_policy *p, int err, const char *ext,
    struct diag *d)
{
	char s[IPADDR_STRLEN], t[IPADDR_STRLEN];

	ipaddr_format_prefix(&p->src, s, sizeof(s));
	ipaddr_format_prefix(&p->dst, t, sizeof(t));
	say(d, "policy %s %s -> %s (reqid %u): %s%s%s",
	    (unsigned)p->dir < 3 ? dir_name[p->dir] : "?", s, t, p->reqid,
	    err == -EPERM ? "needs root or CAP_NET_ADMIN" : strerror(-err),
	    ext[0] ? ": " : "", ext);
}

/* NEWPOLICY; one that exists with the same selector, direction, mark and
 * if_id is ours from before (a restart, a re-applied plan): UPDPOLICY. */
static int
policy_add(void *arg, const struct kernel_policy *p, struct diag *d)
{
	struct kernel_nl *k = arg;
	char ext[EXT_LEN] = "";
	struct nl_msg *msg;
	bool update = false;
	int rc;

	for (;;) {
		if ((rc = xfrm_policy_build(p, update, &msg)) < 0)
			break;
		rc = nl_transact(k, msg, NULL, NULL, ext, sizeof(ext));
		xfrm_msg_free(msg);
		if (rc != -EEXIST || update)
			break;
		update = true;
	}
	if (rc < 0)
		policy_error(p, rc, ext, d);
	return rc;
}

static int
policy_del(void *arg, const struct kernel_policy *p)
{
	struct kernel_nl *k = arg;
	char ext[EXT_LEN] = "";
	struct nl_msg *msg;
	int rc;

	if ((rc = xfrm_policy_del_build(p, &msg)) < 0)
		return rc;
	rc = nl_transact(k, msg, NULL, NULL, ext, sizeof(ext));
	xfrm_msg_free(msg);
	return rc == -ENOENT ? 0 : rc; /* xfrm_get_policy: already gone */
}

const struct kernel_ops kernel_nl_ops = {
	.spi_alloc = spi_alloc,
	.sa_add = sa_add,
	.sa_del = sa_del,
	.sa_query = sa_query,
	.sa_move = nl_sa_move,
	.policy_add = policy_add,
	.policy_del = policy_del,
};

/* The ESP probe */

/* Suites to try, most common first: the probe asks about ESP, so a
 * kernel that lacks one algorithm gets another chance. */
static const struct {
	const char *enc, *auth;
	size_t enc_len, auth_len;
	unsigned icv, trunc;
} probe_suites[] = {
	{ "cbc(aes)", "hmac(sha256)", 16, 32, 0, 128 },
	{ "rfc4106(gcm(aes))", NULL, 20, 0, 128, 0 },
	{ "cbc(aes)", "hmac(sha1)", 16, 20, 0, 96 },
};

#define PROBE_ADDR 0x7f000001 /* 127.0.0.1 */

/* 1: ESP works; 0: it does not; -EAGAIN: this suite's algorithm is
 * missing, try another.  The keys are zeros: the SA never carries a
 * packet. */
static int
probe_one(struct kernel_nl *k, size_t i)
{
	struct kernel_sa sa = {
		.enc_alg = probe_suites[i].enc,
		.icv_bits = probe_suites[i].icv,
		.auth_alg = probe_suites[i].auth,
		.trunc_bits = probe_suites[i].trunc,
		.soft_secs = KERNEL_LIFE_INF,
		.hard_secs = 30, /* gone by itself should the delete fail */
	};
	struct secbuf *ek = secbuf_new(probe_suites[i].enc_len);
	struct secbuf *ak = secbuf_new(probe_suites[i].auth_len);
	char ext[EXT_LEN] = "";
	int rc = 0;

	ipaddr_from4(PROBE_ADDR, 32, &sa.src);
	sa.dst = sa.sel_src = sa.sel_dst = sa.src;
	if (ek == NULL || ak == NULL)
		goto out;
	sa.enc_key = ek;
	sa.auth_key = sa.auth_alg ? ak : NULL;
	if (spi_alloc(k, &sa.src, &sa.dst, 0, &sa.spi, NULL) < 0)
		goto out;
	rc = sa_install(k, &sa, ext, sizeof(ext));
	(void)sa_del(k, &sa.dst, sa.spi); /* the SA, or the larval one */
	if (rc == 0)
		rc = 1;
	else if (missing_alg(&sa, ext) != NULL || (rc == -ENOSYS && !ext[0]))
		rc = -EAGAIN;
	else
		rc = 0;
out:
	secbuf_free(ek);
	secbuf_free(ak);
	return rc;
}

bool
kernel_nl_has_esp(struct kernel_nl *k)
{
	int rc = 0;

	for (size_t i = 0; i < sizeof(probe_suites) / sizeof(probe_suites[0]);
	     i++)
		if ((rc = probe_one(k, i)) != -EAGAIN)
			break;
	return rc == 1;
}
