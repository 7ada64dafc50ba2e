/*
 * kernel/xfrm_msg.c: XFRM netlink requests built from kernel.h's parameter
 * structs, and the kernel's replies, errors and events parsed back into
 * plain values.  Pure: no sockets, no logging.  Keys are written straight
 * into the message (nla_reserve) so no other copy exists, and every
 * message is wiped before it is freed.
 *
 * The wire structs are <linux/xfrm.h>'s: addresses and SPIs in network
 * byte order (xfrm_address_t: IPv4 in its first 4 bytes, the rest zero),
 * key lengths in bits.  An SA's family is its outer one, its selector's
 * the inner one; the two may differ (4-in-6, 6-in-4).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <openssl/crypto.h>

#include "kernel/xfrm.h"

/* Larger than any request here (the biggest, an SA with two algorithms and
 * a 4096-packet replay bitmap, is under 1.5 KiB): libnl never reallocates
 * a message past its size (nlmsg_reserve fails instead), so keys are
 * never left behind in a freed smaller buffer. */
#define MSG_SIZE 4096

static struct nl_msg *
msg_new(int type, int flags, const void *hdr, size_t len)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc_size(MSG_SIZE);
	if (msg == NULL)
		return NULL;
	if (nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, type, 0, flags) == NULL ||
	    nlmsg_append(msg, (void *)hdr, len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

void
xfrm_msg_free(struct nl_msg *msg)
{
	struct nlmsghdr *h;

	if (msg == NULL)
		return;
	h = nlmsg_hdr(msg);
	OPENSSL_cleanse(h, h->nlmsg_len);
	nlmsg_free(msg);
}

static void
put_addr(xfrm_address_t *x, const struct ipaddr *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->bytes, a->family == AF_INET6 ? 16 : 4);
}

/* An address or prefix the kernel takes: IPv4 or IPv6, a length that fits
 * (verify_newsa_info and verify_newpolicy_info refuse more). */
static bool
addr_ok(const struct ipaddr *a)
{
	return (a->family == AF_INET || a->family == AF_INET6) &&
	    a->len <= ipaddr_bits(a);
}

/* Outer addresses: both of one family. */
static bool
pair_ok(const struct ipaddr *src, const struct ipaddr *dst)
{
	return addr_ok(src) && addr_ok(dst) && src->family == dst->family;
}

/* The selector of src -> dst; false, with an empty selector (AF_UNSPEC),
 * when they are not of one family. */
static bool
put_selector(struct xfrm_selector *s, const struct ipaddr *src,
    const struct ipaddr *dst)
{
	memset(s, 0, sizeof(*s));
	if (!pair_ok(src, dst))
		return false;
	put_addr(&s->saddr, src);
	put_addr(&s->daddr, dst);
	s->prefixlen_s = src->len;
	s->prefixlen_d = dst->len;
	s->family = src->family;
	return true;
}

/* Byte and packet limits are never used (IKE rekeys on time): XFRM_INF,
 * since a 0 hard limit expires the SA on its first packet
 * (xfrm_state_check_expire compares curlft >= limit).  Time limits are
 * the other way round: 0 is "none" (xfrm_timer_handler skips a zero
 * limit) while XFRM_INF would overflow add_time + limit and expire the
 * SA at once, so KERNEL_LIFE_INF becomes 0. */
static void
put_lifetime(struct xfrm_lifetime_cfg *l, uint64_t soft, uint64_t hard)
{
	memset(l, 0, sizeof(*l));
	l->soft_byte_limit = XFRM_INF;
	l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = XFRM_INF;
	l->hard_packet_limit = XFRM_INF;
	l->soft_add_expires_seconds = soft == KERNEL_LIFE_INF ? 0 : soft;
	l->hard_add_expires_seconds = hard == KERNEL_LIFE_INF ? 0 : hard;
}

/* A mark with no mask would match nothing ((mark & 0) != v): take it as
 * an exact match.  No mark at all puts no attribute. */
static int
put_mark(struct nl_msg *msg, uint32_t v, uint32_t m)
{
	struct xfrm_mark mark = { .v = v, .m = m };

	if (v == 0 && m == 0)
		return 0;
	if (m == 0)
		mark.m = UINT32_MAX;
	return nla_put(msg, XFRMA_MARK, sizeof(mark), &mark);
}

static int
put_if_id(struct nl_msg *msg, uint32_t if_id)
{
	if (if_id == 0)
		return 0;
	return nla_put_u32(msg, XFRMA_IF_ID, if_id);
}

static bool
alg_name_ok(const char *name)
{
	return name != NULL && name[0] != '\0' &&
	    strlen(name) < sizeof(((struct xfrm_algo *)0)->alg_name);
}

/*
 * The three algorithm attributes share one shape: the name, the key
 * length in bits, for AEAD (struct xfrm_algo_aead) and truncated
 * integrity (struct xfrm_algo_auth) one more length in bits, then the key
 * right behind the header (for AEAD with its salt, RFC 4106 8.1).
 * extra_off 0: no extra length (struct xfrm_algo).
 */
static int
put_alg(struct nl_msg *msg, int type, size_t hdr, const char *name,
    const struct secbuf *key, size_t extra_off, uint32_t extra)
{
	uint32_t bits = (uint32_t)key->len * 8;
	struct nlattr *nla = nla_reserve(msg, type, (int)(hdr + key->len));
	uint8_t *p;

	if (nla == NULL)
		return -EMSGSIZE;
	p = nla_data(nla);
	memset(p, 0, hdr);
	memcpy(p, name, strlen(name)); /* shorter than alg_name: checked */
	memcpy(p + offsetof(struct xfrm_algo, alg_key_len), &bits, 4);
	if (extra_off != 0)
		memcpy(p + extra_off, &extra, 4);
	memcpy(p + hdr, key->data, key->len);
	return 0;
}

static int
put_aead(struct nl_msg *msg, const struct kernel_sa *sa)
{
	return put_alg(msg, XFRMA_ALG_AEAD, sizeof(struct xfrm_algo_aead),
	    sa->enc_alg, sa->enc_key,
	    offsetof(struct xfrm_algo_aead, alg_icv_len), sa->icv_bits);
}

static int
put_crypt(struct nl_msg *msg, const struct kernel_sa *sa)
{
	return put_alg(msg, XFRMA_ALG_CRYPT, sizeof(struct xfrm_algo),
	    sa->enc_alg, sa->enc_key, 0, 0);
}

/* XFRMA_ALG_AUTH_TRUNC rather than XFRMA_ALG_AUTH: the latter takes the
 * kernel's default truncation, which is 96 bits for hmac(sha256) (the old
 * draft), not RFC 4868's 128. */
static int
put_auth(struct nl_msg *msg, const struct kernel_sa *sa)
{
	return put_alg(msg, XFRMA_ALG_AUTH_TRUNC, sizeof(struct xfrm_algo_auth),
	    sa->auth_alg, sa->auth_key,
	    offsetof(struct xfrm_algo_auth, alg_trunc_len), sa->trunc_bits);
}

static int
put_algs(struct nl_msg *msg, const struct kernel_sa *sa)
{
	int rc;

	if (sa->auth_alg == NULL)
		return put_aead(msg, sa);
	rc = put_crypt(msg, sa);
	return rc < 0 ? rc : put_auth(msg, sa);
}

/* RFC 3948: ESP in UDP; encap_oa is only used for transport mode. */
static int
put_encap(struct nl_msg *msg, const struct kernel_sa *sa)
{
	struct xfrm_encap_tmpl e = { 0 };

	if (!sa->encap)
		return 0;
	e.encap_type = UDP_ENCAP_ESPINUDP;
	e.encap_sport = htons(sa->encap_sport);
	e.encap_dport = htons(sa->encap_dport);
	return nla_put(msg, XFRMA_ENCAP, sizeof(e), &e);
}

/* Windows up to 32 fit the legacy u8 field and its 32-bit bitmap; above,
 * the kernel wants XFRMA_REPLAY_ESN_VAL with a bitmap of whole words and
 * the legacy field 0 (verify_replay), without XFRM_STATE_ESN it keeps
 * 32-bit sequence numbers. */
static int
put_replay(struct nl_msg *msg, const struct kernel_sa *sa)
{
	struct xfrm_replay_state_esn *r;
	struct nlattr *nla;
	uint32_t words;

	if (sa->replay_window <= XFRM_REPLAY_LEGACY_MAX)
		return 0;
	words = (sa->replay_window + 31) / 32;
	nla = nla_reserve(msg, XFRMA_REPLAY_ESN_VAL,
	    sizeof(*r) + words * sizeof(uint32_t));
	if (nla == NULL)
		return -EMSGSIZE;
	r = nla_data(nla);
	memset(r, 0, sizeof(*r) + words * sizeof(uint32_t));
	r->bmp_len = words;
	r->replay_window = sa->replay_window;
	return 0;
}

/* Keys of any real algorithm are at most 64 bytes; the bound keeps the
 * size arithmetic below far from overflow. */
#define KEY_MAX 512

static int
sa_check(const struct kernel_sa *sa)
{
	if (!alg_name_ok(sa->enc_alg) || sa->enc_key == NULL ||
	    sa->enc_key->len > KEY_MAX)
		return -EINVAL;
	if (sa->auth_alg != NULL &&
	    (!alg_name_ok(sa->auth_alg) || sa->auth_key == NULL ||
		sa->auth_key->len > KEY_MAX))
		return -EINVAL;
	if (sa->replay_window > XFRM_REPLAY_MAX)
		return -EINVAL;
	if (!pair_ok(&sa->src, &sa->dst))
		return -EINVAL;
	/* A selector of one family must be one the kernel takes: never
	 * widened to "any" for a bad length. */
	if (sa->sel_src.family != 0 &&
	    sa->sel_src.family == sa->sel_dst.family &&
	    !pair_ok(&sa->sel_src, &sa->sel_dst))
		return -EINVAL;
	return 0;
}

static void
sa_info(struct xfrm_usersa_info *u, const struct kernel_sa *sa)
{
	memset(u, 0, sizeof(*u));
	/*
	 * The selector's family is the inner one, which a tunnel-mode SA may
	 * have apart from its outer one (__xfrm_init_state takes any inner
	 * mode with the tunnel flag).  With no selector of one family the
	 * selector stays empty: without XFRM_STATE_AF_UNSPEC the kernel
	 * would give it the outer family (copy_from_user_state); with it,
	 * the SA carries both inner families (inner_mode_iaf), as strongSwan
	 * installs every tunnel-mode SA.
	 */
	if (!put_selector(&u->sel, &sa->sel_src, &sa->sel_dst))
		u->flags |= XFRM_STATE_AF_UNSPEC;
	put_addr(&u->id.daddr, &sa->dst);
	u->id.spi = htonl(sa->spi);
	u->id.proto = IPPROTO_ESP;
	put_addr(&u->saddr, &sa->src);
	put_lifetime(&u->lft, sa->soft_secs, sa->hard_secs);
	u->reqid = sa->reqid;
	u->family = sa->dst.family;
	u->mode = XFRM_MODE_TUNNEL;
	if (sa->replay_window <= XFRM_REPLAY_LEGACY_MAX)
		u->replay_window = (uint8_t)sa->replay_window;
}

int
xfrm_sa_build(const struct kernel_sa *sa, bool update, struct nl_msg **out)
{
	struct xfrm_usersa_info u;
	struct nl_msg *msg;
	int rc;

	*out = NULL;
	if ((rc = sa_check(sa)) < 0)
		return rc;
	sa_info(&u, sa);
	msg = msg_new(update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA,
	    NLM_F_REQUEST | NLM_F_ACK, &u, sizeof(u));
	if (msg == NULL)
		return -ENOMEM;
	if ((rc = put_algs(msg, sa)) < 0 || (rc = put_replay(msg, sa)) < 0 ||
	    (rc = put_encap(msg, sa)) < 0 ||
	    (rc = put_mark(msg, sa->mark, sa->mark_mask)) < 0 ||
	    (rc = put_if_id(msg, sa->if_id)) < 0) {
		xfrm_msg_free(msg);
		return -EMSGSIZE;
	}
	*out = msg;
	return 0;
}

int
xfrm_sa_id_build(int type, const struct ipaddr *dst, uint32_t spi,
    uint32_t mark, uint32_t mark_mask, struct nl_msg **out)
{
	struct xfrm_usersa_id id = { 0 };
	struct nl_msg *msg;

	*out = NULL;
	if (!addr_ok(dst))
		return -EINVAL;
	put_addr(&id.daddr, dst);
	id.spi = htonl(spi);
	id.family = dst->family;
	id.proto = IPPROTO_ESP;
	msg = msg_new(type, NLM_F_REQUEST | NLM_F_ACK, &id, sizeof(id));
	if (msg == NULL)
		return -ENOMEM;
	if (put_mark(msg, mark, mark_mask) < 0) {
		xfrm_msg_free(msg);
		return -EMSGSIZE;
	}
	*out = msg;
	return 0;
}

/* The larval SA ALLOCSPI leaves has the outer addresses and the reqid;
 * the kernel picks a free SPI in [min, max] (xfrm_alloc_spi). */
int
xfrm_spi_build(const struct ipaddr *src, const struct ipaddr *dst,
    uint32_t reqid, struct nl_msg **out)
{
	struct xfrm_userspi_info s = { 0 };

	*out = NULL;
	if (!pair_ok(src, dst))
		return -EINVAL;
	put_addr(&s.info.id.daddr, dst);
	s.info.id.proto = IPPROTO_ESP;
	put_addr(&s.info.saddr, src);
	s.info.sel.family = dst->family;
	s.info.reqid = reqid;
	s.info.family = dst->family;
	s.info.mode = XFRM_MODE_TUNNEL;
	s.min = XFRM_SPI_MIN;
	s.max = XFRM_SPI_MAX;
	*out = msg_new(XFRM_MSG_ALLOCSPI, NLM_F_REQUEST | NLM_F_ACK, &s,
	    sizeof(s));
	return *out == NULL ? -ENOMEM : 0;
}

static const uint8_t dir_xfrm[] = {
	[KERNEL_DIR_IN] = XFRM_POLICY_IN,
	[KERNEL_DIR_OUT] = XFRM_POLICY_OUT,
	[KERNEL_DIR_FWD] = XFRM_POLICY_FWD,
};

static int
policy_dir(enum kernel_dir dir)
{
	if ((unsigned)dir >= sizeof(dir_xfrm))
		return -EINVAL;
	return dir_xfrm[dir];
}

/* One template: ESP in tunnel mode between the outer addresses, any
 * algorithm, SA found by reqid (RFC 4301 4.4.1's SPD entry "PROTECT").
 * Its family is the outer one, which may differ from the selector's
 * (validate_tmpl allows that in tunnel mode). */
static int
put_tmpl(struct nl_msg *msg, const struct kernel_policy *p)
{
	struct xfrm_user_tmpl t = { 0 };

	put_addr(&t.id.daddr, &p->tmpl_dst);
	t.id.proto = IPPROTO_ESP;
	t.family = p->tmpl_dst.family;
	put_addr(&t.saddr, &p->tmpl_src);
	t.reqid = p->reqid;
	t.mode = XFRM_MODE_TUNNEL;
	t.aalgos = UINT32_MAX;
	t.ealgos = UINT32_MAX;
	t.calgos = UINT32_MAX;
	return nla_put(msg, XFRMA_TMPL, sizeof(t), &t);
}

int
xfrm_policy_build(const struct kernel_policy *p, bool update,
    struct nl_msg **out)
{
	struct xfrm_userpolicy_info u = { 0 };
	struct nl_msg *msg;
	int dir;

	*out = NULL;
	if ((dir = policy_dir(p->dir)) < 0)
		return dir;
	/* A policy's selector needs one family (verify_newpolicy_info). */
	if (!put_selector(&u.sel, &p->src, &p->dst) ||
	    !pair_ok(&p->tmpl_src, &p->tmpl_dst))
		return -EINVAL;
	/* Policies live until deleted: no time limits (see put_lifetime). */
	put_lifetime(&u.lft, KERNEL_LIFE_INF, KERNEL_LIFE_INF);
	u.priority = p->priority;
	u.dir = (uint8_t)dir;
	u.action = XFRM_POLICY_ALLOW;
	msg = msg_new(update ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY,
	    NLM_F_REQUEST | NLM_F_ACK, &u, sizeof(u));
	if (msg == NULL)
		return -ENOMEM;
	if (put_tmpl(msg, p) < 0 || put_mark(msg, p->mark, p->mark_mask) < 0 ||
	    put_if_id(msg, p->if_id) < 0) {
		xfrm_msg_free(msg);
		return -EMSGSIZE;
	}
	*out = msg;
	return 0;
}

/* A policy is found by selector, direction, mark and if_id
 * (xfrm_policy_bysel_ctx); the template plays no part. */
int
xfrm_policy_del_build(const struct kernel_policy *p, struct nl_msg **out)
{
	struct xfrm_userpolicy_id id = { 0 };
	struct nl_msg *msg;
	int dir;

	*out = NULL;
	if ((dir = policy_dir(p->dir)) < 0)
		return dir;
	if (!put_selector(&id.sel, &p->src, &p->dst))
		return -EINVAL;
	id.dir = (uint8_t)dir;
	msg = msg_new(XFRM_MSG_DELPOLICY, NLM_F_REQUEST | NLM_F_ACK, &id,
	    sizeof(id));
	if (msg == NULL)
		return -ENOMEM;
	if (put_mark(msg, p->mark, p->mark_mask) < 0 ||
	    put_if_id(msg, p->if_id) < 0) {
		xfrm_msg_free(msg);
		return -EMSGSIZE;
	}
	*out = msg;
	return 0;
}
