/*
 * tests/unit/test_kernel.c: kernel/'s XFRM message builders and parsers
 * (xfrm_msg.c, xfrm_parse.c), without a kernel.  Builders are checked by
 * reading back the struct and attributes the kernel would read
 * (net/xfrm/xfrm_user.c); parsers get messages laid out by hand as the
 * kernel writes them (build_acquire, build_expire, xfrm_send_mapping,
 * netlink_ack).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "kernel/nl.h"
#include "kernel/xfrm.h"
#include "tests/unit/test.h"

#define A(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

/* An IPv4 prefix (32: one address) as the kernel API takes it. */
static struct ipaddr
v4(uint32_t a, uint8_t len)
{
	struct ipaddr x;

	ipaddr_from4(a, len, &x);
	return x;
}

/* An IPv6 prefix or address from its text. */
static struct ipaddr
v6(const char *text)
{
	struct ipaddr x = { 0 };

	if (ipaddr_parse_prefix(text, &x) < 0)
		assert_int_equal(ipaddr_parse(text, &x), 0);
	return x;
}

/* The 16 bytes of an IPv6 address, for comparing with xfrm_address_t. */
static const uint8_t *
b6(const char *text)
{
	static uint8_t buf[4][16];
	static unsigned n;
	struct ipaddr x = v6(text);
	uint8_t *b = buf[n++ % 4];

	memcpy(b, x.bytes, 16);
	return b;
}

static const uint8_t enc_key[20] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0xca, 0xfe, 0xba,
	0xbe };
static const uint8_t auth_key[32] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
	0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2,
	0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe,
	0xbf };

/* An AEAD SA 192.0.2.2 -> 192.0.2.1 carrying 10.2.0.0/24 -> 10.1.0.0/24. */
static void
aead_sa(struct kernel_sa *sa, struct secbuf *ek)
{
	memset(sa, 0, sizeof(*sa));
	sa->src = v4(A(192, 0, 2, 2), 32);
	sa->dst = v4(A(192, 0, 2, 1), 32);
	sa->spi = 0xc0000123;
	sa->reqid = 7;
	sa->enc_alg = "rfc4106(gcm(aes))";
	sa->enc_key = ek;
	sa->icv_bits = 128;
	sa->replay_window = 32;
	sa->soft_secs = KERNEL_LIFE_INF;
	sa->hard_secs = KERNEL_LIFE_INF;
	sa->sel_src = v4(A(10, 2, 0, 0), 24);
	sa->sel_dst = v4(A(10, 1, 0, 0), 24);
}

/* Checks only that every attribute is well formed (NLA_UNSPEC). */
static struct nla_policy any_attr[XFRMA_MAX + 1];

static struct xfrm_usersa_info *
usersa(struct nl_msg *msg)
{
	return nlmsg_data(nlmsg_hdr(msg));
}

static struct nlattr *
sa_attr(struct nl_msg *msg, int type)
{
	return nlmsg_find_attr(nlmsg_hdr(msg), sizeof(struct xfrm_usersa_info),
	    type);
}

static struct nlattr *
policy_attr(struct nl_msg *msg, int type)
{
	return nlmsg_find_attr(nlmsg_hdr(msg),
	    sizeof(struct xfrm_userpolicy_info), type);
}

/* SA builder */

static void
test_sa_build_header_fields(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct xfrm_usersa_info *u;
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa(&sa, ek);
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_NEWSA);
	assert_true(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_ACK);
	/* Every attribute well formed, as the kernel's nlmsg_parse wants. */
	assert_int_equal(
	    nlmsg_validate(nlmsg_hdr(msg), sizeof(*u), XFRMA_MAX, any_attr), 0);
	u = usersa(msg);
	assert_int_equal(u->id.daddr.a4, htonl(A(192, 0, 2, 1)));
	assert_int_equal(u->saddr.a4, htonl(A(192, 0, 2, 2)));
	assert_int_equal(u->id.spi, htonl(0xc0000123));
	assert_int_equal(u->id.proto, IPPROTO_ESP);
	assert_int_equal(u->family, AF_INET);
	assert_int_equal(u->mode, XFRM_MODE_TUNNEL);
	assert_int_equal(u->reqid, 7);
	assert_int_equal(u->replay_window, 32);
	/* The selector: the traffic, not the outer addresses. */
	assert_int_equal(u->sel.saddr.a4, htonl(A(10, 2, 0, 0)));
	assert_int_equal(u->sel.daddr.a4, htonl(A(10, 1, 0, 0)));
	assert_int_equal(u->sel.prefixlen_s, 24);
	assert_int_equal(u->sel.prefixlen_d, 24);
	assert_int_equal(u->sel.family, AF_INET);
	xfrm_msg_free(msg);
	secbuf_free(ek);
}

static void
test_sa_build_unset_limits_are_inf(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct xfrm_usersa_info *u;
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa(&sa, ek);
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	u = usersa(msg);
	/* A 0 byte or packet limit would expire the SA on its first packet. */
	assert_true(u->lft.soft_byte_limit == XFRM_INF);
	assert_true(u->lft.hard_byte_limit == XFRM_INF);
	assert_true(u->lft.soft_packet_limit == XFRM_INF);
	assert_true(u->lft.hard_packet_limit == XFRM_INF);
	/* No time limit is 0: XFRM_INF would overflow add_time + limit in
	 * xfrm_timer_handler and expire at once (measured on a policy). */
	assert_true(u->lft.soft_add_expires_seconds == 0);
	assert_true(u->lft.hard_add_expires_seconds == 0);
	assert_true(u->lft.soft_use_expires_seconds == 0);
	assert_true(u->lft.hard_use_expires_seconds == 0);
	xfrm_msg_free(msg);

	sa.soft_secs = 3000;
	sa.hard_secs = 3600;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	u = usersa(msg);
	assert_true(u->lft.soft_add_expires_seconds == 3000);
	assert_true(u->lft.hard_add_expires_seconds == 3600);
	assert_true(u->lft.hard_byte_limit == XFRM_INF);
	xfrm_msg_free(msg);
	secbuf_free(ek);
}

static void
test_sa_build_aead_alone(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct xfrm_algo_aead *a;
	struct kernel_sa sa;
	struct nl_msg *msg;
	struct nlattr *nla;

	(void)state;
	aead_sa(&sa, ek);
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	nla = sa_attr(msg, XFRMA_ALG_AEAD);
	assert_non_null(nla);
	assert_int_equal(nla_len(nla), sizeof(*a) + sizeof(enc_key));
	a = nla_data(nla);
	assert_string_equal(a->alg_name, "rfc4106(gcm(aes))");
	assert_int_equal(a->alg_key_len, 160); /* bits, salt included */
	assert_int_equal(a->alg_icv_len, 128);
	assert_memory_equal(a->alg_key, enc_key, sizeof(enc_key));
	assert_null(sa_attr(msg, XFRMA_ALG_CRYPT));
	assert_null(sa_attr(msg, XFRMA_ALG_AUTH_TRUNC));
	assert_null(sa_attr(msg, XFRMA_ALG_AUTH));
	xfrm_msg_free(msg);
	secbuf_free(ek);
}

static void
test_sa_build_crypt_and_auth_trunc(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, 16);
	struct secbuf *ak = secbuf_from(auth_key, sizeof(auth_key));
	struct xfrm_algo_auth *au;
	struct xfrm_algo *c;
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa(&sa, ek);
	sa.enc_alg = "cbc(aes)";
	sa.auth_alg = "hmac(sha256)";
	sa.auth_key = ak;
	sa.trunc_bits = 128; /* RFC 4868 2.3 */
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	assert_null(sa_attr(msg, XFRMA_ALG_AEAD));
	assert_non_null(sa_attr(msg, XFRMA_ALG_CRYPT));
	c = nla_data(sa_attr(msg, XFRMA_ALG_CRYPT));
	assert_string_equal(c->alg_name, "cbc(aes)");
	assert_int_equal(c->alg_key_len, 128);
	assert_memory_equal(c->alg_key, enc_key, 16);
	/* AUTH_TRUNC, not AUTH: the latter truncates sha256 to 96 bits. */
	assert_null(sa_attr(msg, XFRMA_ALG_AUTH));
	assert_non_null(sa_attr(msg, XFRMA_ALG_AUTH_TRUNC));
	au = nla_data(sa_attr(msg, XFRMA_ALG_AUTH_TRUNC));
	assert_string_equal(au->alg_name, "hmac(sha256)");
	assert_int_equal(au->alg_key_len, 256);
	assert_int_equal(au->alg_trunc_len, 128);
	assert_memory_equal(au->alg_key, auth_key, sizeof(auth_key));
	xfrm_msg_free(msg);
	secbuf_free(ek);
	secbuf_free(ak);
}

static void
test_sa_build_encap_mark_if_id(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct xfrm_encap_tmpl *e;
	struct xfrm_mark *m;
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa(&sa, ek);
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	assert_null(sa_attr(msg, XFRMA_ENCAP));
	assert_null(sa_attr(msg, XFRMA_MARK));
	assert_null(sa_attr(msg, XFRMA_IF_ID));
	xfrm_msg_free(msg);

	sa.encap = true;
	sa.encap_sport = 4500;
	sa.encap_dport = 31337;
	sa.mark = 42;
	sa.mark_mask = 0xff;
	sa.if_id = 9;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	e = nla_data(sa_attr(msg, XFRMA_ENCAP));
	assert_int_equal(e->encap_type, UDP_ENCAP_ESPINUDP); /* RFC 3948 */
	assert_int_equal(e->encap_sport, htons(4500));
	assert_int_equal(e->encap_dport, htons(31337));
	m = nla_data(sa_attr(msg, XFRMA_MARK));
	assert_int_equal(m->v, 42);
	assert_int_equal(m->m, 0xff);
	assert_int_equal(nla_get_u32(sa_attr(msg, XFRMA_IF_ID)), 9);
	xfrm_msg_free(msg);

	/* A mark without a mask would match nothing: an exact match. */
	sa.mark_mask = 0;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	m = nla_data(sa_attr(msg, XFRMA_MARK));
	assert_int_equal(m->v, 42);
	assert_int_equal(m->m, 0xffffffff);
	xfrm_msg_free(msg);
	secbuf_free(ek);
}

static void
test_sa_build_update_replaces_larval(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa(&sa, ek);
	assert_int_equal(xfrm_sa_build(&sa, true, &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_UPDSA);
	xfrm_msg_free(msg);
	secbuf_free(ek);
}

static void
test_sa_build_large_replay_window_uses_esn_attr(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct xfrm_replay_state_esn *r;
	struct kernel_sa sa;
	struct nl_msg *msg;
	struct nlattr *nla;

	(void)state;
	aead_sa(&sa, ek);
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	assert_null(sa_attr(msg, XFRMA_REPLAY_ESN_VAL)); /* 32: legacy */
	xfrm_msg_free(msg);

	sa.replay_window = 100;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	/* verify_replay: the legacy field must be 0 with the attribute. */
	assert_int_equal(usersa(msg)->replay_window, 0);
	nla = sa_attr(msg, XFRMA_REPLAY_ESN_VAL);
	assert_non_null(nla);
	r = nla_data(nla);
	assert_int_equal(r->replay_window, 100);
	assert_int_equal(r->bmp_len, 4); /* 100 bits in 32-bit words */
	assert_int_equal(nla_len(nla), sizeof(*r) + 4 * sizeof(uint32_t));
	assert_false(usersa(msg)->flags & XFRM_STATE_ESN);
	xfrm_msg_free(msg);

	/* The largest the kernel takes (tunsh's replay-window maximum):
	 * XFRMA_REPLAY_ESN_MAX, 4096 bytes, is 128 words of bitmap. */
	sa.replay_window = XFRM_REPLAY_MAX;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	r = nla_data(sa_attr(msg, XFRMA_REPLAY_ESN_VAL));
	assert_int_equal(r->replay_window, 4096);
	assert_int_equal(r->bmp_len, 128);
	xfrm_msg_free(msg);

	sa.replay_window = XFRM_REPLAY_MAX + 1;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), -EINVAL);
	assert_null(msg);
	secbuf_free(ek);
}

static void
test_sa_build_rejects_what_the_kernel_would(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	char longname[80];
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa(&sa, ek);
	sa.enc_alg = NULL;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	sa.enc_alg = longname; /* alg_name is 64 bytes */
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), -EINVAL);
	aead_sa(&sa, NULL);
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), -EINVAL);
	aead_sa(&sa, ek);
	sa.auth_alg = "hmac(sha256)"; /* and no key */
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), -EINVAL);
	assert_null(msg);
	secbuf_free(ek);
}

static void
test_sa_id_build_delete_and_get(void **state)
{
	struct ipaddr dst = v4(A(192, 0, 2, 1), 32);
	struct xfrm_usersa_id *id;
	struct nl_msg *msg;
	struct xfrm_mark *m;

	(void)state;
	assert_int_equal(
	    xfrm_sa_id_build(XFRM_MSG_DELSA, &dst, 0xc0000123, 0, 0, &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_DELSA);
	id = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(id->daddr.a4, htonl(A(192, 0, 2, 1)));
	assert_int_equal(id->spi, htonl(0xc0000123));
	assert_int_equal(id->family, AF_INET);
	assert_int_equal(id->proto, IPPROTO_ESP);
	assert_null(nlmsg_find_attr(nlmsg_hdr(msg), sizeof(*id), XFRMA_MARK));
	xfrm_msg_free(msg);

	/* A marked SA is found only with its mark. */
	assert_int_equal(xfrm_sa_id_build(XFRM_MSG_GETSA, &dst, 0xc0000123, 5,
			     0xff, &msg),
	    0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_GETSA);
	m = nla_data(nlmsg_find_attr(nlmsg_hdr(msg), sizeof(*id), XFRMA_MARK));
	assert_int_equal(m->v, 5);
	assert_int_equal(m->m, 0xff);
	xfrm_msg_free(msg);
}

static void
test_spi_build_range_and_reqid(void **state)
{
	struct ipaddr src = v4(A(192, 0, 2, 2), 32);
	struct ipaddr dst = v4(A(192, 0, 2, 1), 32);
	struct xfrm_userspi_info *s;
	struct nl_msg *msg;

	(void)state;
	assert_int_equal(xfrm_spi_build(&src, &dst, 7, &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_ALLOCSPI);
	s = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(s->info.id.daddr.a4, htonl(A(192, 0, 2, 1)));
	assert_int_equal(s->info.saddr.a4, htonl(A(192, 0, 2, 2)));
	assert_int_equal(s->info.family, AF_INET);
	assert_int_equal(s->info.id.proto, IPPROTO_ESP);
	assert_int_equal(s->info.reqid, 7);
	assert_int_equal(s->info.mode, XFRM_MODE_TUNNEL);
	/* RFC 4303 2.1: 0..255 are reserved; ours stay in one range. */
	assert_int_equal(s->min, 0xc0000000);
	assert_int_equal(s->max, 0xcfffffff);
	xfrm_msg_free(msg);
}

/* IPv6 */

/* The aead_sa() SA moved to IPv6 outside: 2001:db8::2 -> 2001:db8::1. */
static void
aead_sa6(struct kernel_sa *sa, struct secbuf *ek)
{
	aead_sa(sa, ek);
	sa->src = v6("2001:db8::2");
	sa->dst = v6("2001:db8::1");
}

static bool
zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* 6-in-6: every address 16 bytes, both families AF_INET6; NAT-T's
 * encapsulation is the same attribute over IPv6 (xfrm6 takes it). */
static void
test_sa_build_ipv6_in_ipv6(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct xfrm_usersa_info *u;
	struct xfrm_encap_tmpl *e;
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa6(&sa, ek);
	sa.sel_src = v6("2001:db8:2::/64");
	sa.sel_dst = v6("2001:db8:1::/48");
	sa.encap = true;
	sa.encap_sport = 4500;
	sa.encap_dport = 4500;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	assert_int_equal(
	    nlmsg_validate(nlmsg_hdr(msg), sizeof(*u), XFRMA_MAX, any_attr), 0);
	u = usersa(msg);
	assert_int_equal(u->family, AF_INET6);
	assert_memory_equal(&u->id.daddr, b6("2001:db8::1"), 16);
	assert_memory_equal(&u->saddr, b6("2001:db8::2"), 16);
	assert_int_equal(u->id.spi, htonl(0xc0000123));
	assert_int_equal(u->sel.family, AF_INET6);
	assert_memory_equal(&u->sel.saddr, b6("2001:db8:2::"), 16);
	assert_memory_equal(&u->sel.daddr, b6("2001:db8:1::"), 16);
	assert_int_equal(u->sel.prefixlen_s, 64);
	assert_int_equal(u->sel.prefixlen_d, 48);
	assert_int_equal(u->flags, 0);
	e = nla_data(sa_attr(msg, XFRMA_ENCAP));
	assert_int_equal(e->encap_type, UDP_ENCAP_ESPINUDP);
	assert_int_equal(e->encap_dport, htons(4500));
	xfrm_msg_free(msg);
	secbuf_free(ek);
}

/* 4-in-6: the SA's family is the outer one, the selector's the inner
 * one (__xfrm_init_state takes a tunnel-mode inner mode of another
 * family); IPv4 sits in the first 4 bytes, the rest zero. */
static void
test_sa_build_ipv4_in_ipv6(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct xfrm_usersa_info *u;
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa6(&sa, ek); /* selector 10.2.0.0/24 -> 10.1.0.0/24 */
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	u = usersa(msg);
	assert_int_equal(u->family, AF_INET6);
	assert_memory_equal(&u->id.daddr, b6("2001:db8::1"), 16);
	assert_int_equal(u->sel.family, AF_INET);
	assert_int_equal(u->sel.saddr.a4, htonl(A(10, 2, 0, 0)));
	assert_int_equal(u->sel.daddr.a4, htonl(A(10, 1, 0, 0)));
	assert_true(zero(&u->sel.saddr.a6[1], 12));
	assert_true(zero(&u->sel.daddr.a6[1], 12));
	assert_int_equal(u->sel.prefixlen_s, 24);
	assert_int_equal(u->flags, 0);
	xfrm_msg_free(msg);
	secbuf_free(ek);
}

/* 6-in-4: the other way round. */
static void
test_sa_build_ipv6_in_ipv4(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct xfrm_usersa_info *u;
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa(&sa, ek);
	sa.sel_src = v6("fd00:2::/64");
	sa.sel_dst = v6("fd00:1::/64");
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	u = usersa(msg);
	assert_int_equal(u->family, AF_INET);
	assert_int_equal(u->id.daddr.a4, htonl(A(192, 0, 2, 1)));
	assert_true(zero(&u->id.daddr.a6[1], 12));
	assert_int_equal(u->sel.family, AF_INET6);
	assert_memory_equal(&u->sel.saddr, b6("fd00:2::"), 16);
	assert_memory_equal(&u->sel.daddr, b6("fd00:1::"), 16);
	assert_int_equal(u->sel.prefixlen_d, 64);
	assert_int_equal(u->flags, 0);
	xfrm_msg_free(msg);
	secbuf_free(ek);
}

/* A CHILD SA carrying both families (or no selector given): an empty
 * selector and XFRM_STATE_AF_UNSPEC, or the kernel would make the
 * selector the outer family's (copy_from_user_state) and drop the other
 * family's packets; strongSwan installs every tunnel-mode SA so. */
static void
test_sa_build_both_inner_families_af_unspec(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct xfrm_usersa_info *u;
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa6(&sa, ek);
	sa.sel_dst = v6("2001:db8:1::/64"); /* src stays IPv4 */
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	u = usersa(msg);
	assert_int_equal(u->family, AF_INET6);
	assert_int_equal(u->sel.family, AF_UNSPEC);
	assert_true(zero(&u->sel, sizeof(u->sel)));
	assert_true(u->flags & XFRM_STATE_AF_UNSPEC);
	xfrm_msg_free(msg);

	memset(&sa.sel_src, 0, sizeof(sa.sel_src));
	memset(&sa.sel_dst, 0, sizeof(sa.sel_dst));
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	u = usersa(msg);
	assert_true(zero(&u->sel, sizeof(u->sel)));
	assert_int_equal(u->flags, XFRM_STATE_AF_UNSPEC);
	xfrm_msg_free(msg);

	/* One family, as IPv4 always had: a selector, no flag. */
	aead_sa(&sa, ek);
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), 0);
	assert_int_equal(usersa(msg)->flags, 0);
	xfrm_msg_free(msg);
	secbuf_free(ek);
}

/* Outer addresses of two families, or none, are no SA at all; a prefix
 * longer than its family is refused before the kernel sees it. */
static void
test_sa_build_rejects_mixed_outer_families(void **state)
{
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct ipaddr v6dst = v6("2001:db8::1"), none = { 0 };
	struct kernel_sa sa;
	struct nl_msg *msg;

	(void)state;
	aead_sa(&sa, ek);
	sa.dst = v6dst;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), -EINVAL);
	assert_null(msg);
	aead_sa(&sa, ek);
	sa.src = none;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), -EINVAL);
	assert_int_equal(xfrm_spi_build(&sa.dst, &v6dst, 7, &msg), -EINVAL);
	assert_int_equal(xfrm_sa_id_build(XFRM_MSG_DELSA, &none, 1, 0, 0, &msg),
	    -EINVAL);
	/* A bad selector is refused, never widened to any traffic. */
	aead_sa6(&sa, ek);
	sa.sel_src.len = 33; /* an IPv4 selector */
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), -EINVAL);
	sa.sel_src = v6("2001:db8::/64");
	sa.sel_dst = v6("2001:db8::/64");
	sa.sel_dst.len = 129;
	assert_int_equal(xfrm_sa_build(&sa, false, &msg), -EINVAL);
	assert_null(msg);
	secbuf_free(ek);
}

static void
test_sa_id_and_spi_build_ipv6(void **state)
{
	struct ipaddr src = v6("2001:db8::2"), dst = v6("2001:db8::1");
	struct xfrm_userspi_info *s;
	struct xfrm_usersa_id *id;
	struct nl_msg *msg;

	(void)state;
	assert_int_equal(
	    xfrm_sa_id_build(XFRM_MSG_GETSA, &dst, 0xc0000123, 0, 0, &msg), 0);
	id = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(id->family, AF_INET6);
	assert_memory_equal(&id->daddr, b6("2001:db8::1"), 16);
	assert_int_equal(id->spi, htonl(0xc0000123));
	xfrm_msg_free(msg);

	assert_int_equal(xfrm_spi_build(&src, &dst, 7, &msg), 0);
	s = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(s->info.family, AF_INET6);
	assert_int_equal(s->info.sel.family, AF_INET6);
	assert_memory_equal(&s->info.id.daddr, b6("2001:db8::1"), 16);
	assert_memory_equal(&s->info.saddr, b6("2001:db8::2"), 16);
	assert_int_equal(s->min, 0xc0000000);
	xfrm_msg_free(msg);
}

/* Policy builder */

static void
out_policy(struct kernel_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->src = v4(A(10, 1, 0, 0), 24);
	p->dst = v4(A(10, 2, 0, 0), 16);
	p->dir = KERNEL_DIR_OUT;
	p->priority = 2000;
	p->reqid = 7;
	p->tmpl_src = v4(A(192, 0, 2, 1), 32);
	p->tmpl_dst = v4(A(192, 0, 2, 2), 32);
}

static void
test_policy_build_fields_and_template(void **state)
{
	struct xfrm_userpolicy_info *u;
	struct kernel_policy p;
	struct xfrm_user_tmpl *t;
	struct nl_msg *msg;
	struct nlattr *nla;

	(void)state;
	out_policy(&p);
	assert_int_equal(xfrm_policy_build(&p, false, &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_NEWPOLICY);
	assert_int_equal(
	    nlmsg_validate(nlmsg_hdr(msg), sizeof(*u), XFRMA_MAX, any_attr), 0);
	u = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(u->sel.saddr.a4, htonl(A(10, 1, 0, 0)));
	assert_int_equal(u->sel.prefixlen_s, 24);
	assert_int_equal(u->sel.daddr.a4, htonl(A(10, 2, 0, 0)));
	assert_int_equal(u->sel.prefixlen_d, 16);
	assert_int_equal(u->sel.family, AF_INET);
	assert_int_equal(u->dir, XFRM_POLICY_OUT);
	assert_int_equal(u->priority, 2000);
	assert_int_equal(u->action, XFRM_POLICY_ALLOW);
	assert_true(u->lft.hard_byte_limit == XFRM_INF);
	assert_true(u->lft.hard_packet_limit == XFRM_INF);
	assert_true(u->lft.hard_add_expires_seconds == 0);
	nla = policy_attr(msg, XFRMA_TMPL);
	assert_non_null(nla);
	assert_int_equal(nla_len(nla), sizeof(*t)); /* one template */
	t = nla_data(nla);
	assert_int_equal(t->id.daddr.a4, htonl(A(192, 0, 2, 2)));
	assert_int_equal(t->saddr.a4, htonl(A(192, 0, 2, 1)));
	assert_int_equal(t->id.proto, IPPROTO_ESP);
	assert_int_equal(t->id.spi, 0);
	assert_int_equal(t->family, AF_INET);
	assert_int_equal(t->reqid, 7);
	assert_int_equal(t->mode, XFRM_MODE_TUNNEL);
	assert_int_equal(t->optional, 0); /* required: no SA, no traffic */
	assert_int_equal(t->ealgos, 0xffffffff);
	assert_null(policy_attr(msg, XFRMA_MARK));
	assert_null(policy_attr(msg, XFRMA_IF_ID));
	xfrm_msg_free(msg);
}

static void
test_policy_build_directions_mark_if_id(void **state)
{
	static const struct {
		enum kernel_dir dir;
		int want;
	} dirs[] = {
		{ KERNEL_DIR_IN, XFRM_POLICY_IN },
		{ KERNEL_DIR_OUT, XFRM_POLICY_OUT },
		{ KERNEL_DIR_FWD, XFRM_POLICY_FWD },
	};
	struct xfrm_userpolicy_info *u;
	struct kernel_policy p;
	struct nl_msg *msg;
	struct xfrm_mark *m;

	(void)state;
	out_policy(&p);
	p.mark = 0x10;
	p.mark_mask = 0xf0;
	p.if_id = 3;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		p.dir = dirs[i].dir;
		assert_int_equal(xfrm_policy_build(&p, i == 2, &msg), 0);
		u = nlmsg_data(nlmsg_hdr(msg));
		assert_int_equal(u->dir, dirs[i].want);
		m = nla_data(policy_attr(msg, XFRMA_MARK));
		assert_int_equal(m->v, 0x10);
		assert_int_equal(m->m, 0xf0);
		assert_int_equal(nla_get_u32(policy_attr(msg, XFRMA_IF_ID)), 3);
		xfrm_msg_free(msg);
	}
	assert_int_equal(xfrm_policy_build(&p, true, &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_UPDPOLICY);
	xfrm_msg_free(msg);
	p.dir = (enum kernel_dir)7;
	assert_int_equal(xfrm_policy_build(&p, false, &msg), -EINVAL);
}

static void
test_policy_del_build_selector_dir_mark(void **state)
{
	struct xfrm_userpolicy_id *id;
	struct kernel_policy p;
	struct nl_msg *msg;

	(void)state;
	out_policy(&p);
	p.dir = KERNEL_DIR_FWD;
	p.mark = 1;
	p.mark_mask = 1;
	p.if_id = 4;
	assert_int_equal(xfrm_policy_del_build(&p, &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, XFRM_MSG_DELPOLICY);
	id = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(id->dir, XFRM_POLICY_FWD);
	assert_int_equal(id->sel.saddr.a4, htonl(A(10, 1, 0, 0)));
	assert_int_equal(id->sel.prefixlen_d, 16);
	assert_int_equal(id->index, 0); /* found by selector, not index */
	assert_non_null(
	    nlmsg_find_attr(nlmsg_hdr(msg), sizeof(*id), XFRMA_MARK));
	assert_int_equal(nla_get_u32(nlmsg_find_attr(nlmsg_hdr(msg),
			     sizeof(*id), XFRMA_IF_ID)),
	    4);
	assert_null(nlmsg_find_attr(nlmsg_hdr(msg), sizeof(*id), XFRMA_TMPL));
	xfrm_msg_free(msg);
}

/* IPv6 policies: the selector of the inner family, the template of the
 * outer one, each free of the other (validate_tmpl takes a family change
 * in tunnel mode): 6-in-6, 4-in-6 and 6-in-4. */
static void
test_policy_build_ipv6_and_across_families(void **state)
{
	struct xfrm_userpolicy_info *u;
	struct xfrm_userpolicy_id *id;
	struct xfrm_user_tmpl *t;
	struct kernel_policy p;
	struct nl_msg *msg;

	(void)state;
	out_policy(&p);
	p.src = v6("2001:db8:1::/64");
	p.dst = v6("2001:db8:2::/56");
	p.tmpl_src = v6("2001:db8::1");
	p.tmpl_dst = v6("2001:db8::2");
	assert_int_equal(xfrm_policy_build(&p, false, &msg), 0);
	u = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(u->sel.family, AF_INET6);
	assert_memory_equal(&u->sel.saddr, b6("2001:db8:1::"), 16);
	assert_memory_equal(&u->sel.daddr, b6("2001:db8:2::"), 16);
	assert_int_equal(u->sel.prefixlen_s, 64);
	assert_int_equal(u->sel.prefixlen_d, 56);
	t = nla_data(policy_attr(msg, XFRMA_TMPL));
	assert_int_equal(t->family, AF_INET6);
	assert_memory_equal(&t->saddr, b6("2001:db8::1"), 16);
	assert_memory_equal(&t->id.daddr, b6("2001:db8::2"), 16);
	xfrm_msg_free(msg);

	/* 4-in-6 */
	out_policy(&p);
	p.tmpl_src = v6("2001:db8::1");
	p.tmpl_dst = v6("2001:db8::2");
	assert_int_equal(xfrm_policy_build(&p, false, &msg), 0);
	u = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(u->sel.family, AF_INET);
	assert_int_equal(u->sel.saddr.a4, htonl(A(10, 1, 0, 0)));
	assert_true(zero(&u->sel.saddr.a6[1], 12));
	t = nla_data(policy_attr(msg, XFRMA_TMPL));
	assert_int_equal(t->family, AF_INET6);
	assert_memory_equal(&t->id.daddr, b6("2001:db8::2"), 16);
	xfrm_msg_free(msg);

	/* 6-in-4 */
	out_policy(&p);
	p.src = v6("fd00:1::/64");
	p.dst = v6("fd00:2::/64");
	assert_int_equal(xfrm_policy_build(&p, false, &msg), 0);
	u = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(u->sel.family, AF_INET6);
	t = nla_data(policy_attr(msg, XFRMA_TMPL));
	assert_int_equal(t->family, AF_INET);
	assert_int_equal(t->id.daddr.a4, htonl(A(192, 0, 2, 2)));
	assert_true(zero(&t->id.daddr.a6[1], 12));
	xfrm_msg_free(msg);

	/* Its delete names the IPv6 selector. */
	assert_int_equal(xfrm_policy_del_build(&p, &msg), 0);
	id = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(id->sel.family, AF_INET6);
	assert_memory_equal(&id->sel.daddr, b6("fd00:2::"), 16);
	xfrm_msg_free(msg);

	/* A selector needs one family (verify_newpolicy_info), a template
	 * one too. */
	p.dst = v4(A(10, 2, 0, 0), 16);
	assert_int_equal(xfrm_policy_build(&p, false, &msg), -EINVAL);
	assert_int_equal(xfrm_policy_del_build(&p, &msg), -EINVAL);
	out_policy(&p);
	p.tmpl_dst = v6("2001:db8::2");
	assert_int_equal(xfrm_policy_build(&p, false, &msg), -EINVAL);
	assert_null(msg);
}

/* The kernel keys a policy by its selector: the same bytes in another
 * family, or another length, are another policy. */
static void
test_policy_same_by_family(void **state)
{
	struct kernel_policy a, b;

	(void)state;
	out_policy(&a);
	b = a;
	assert_true(kernel_policy_same(&a, &b));
	b.tmpl_dst = v6("2001:db8::9"); /* the template plays no part */
	assert_true(kernel_policy_same(&a, &b));
	b = a;
	b.src.family = AF_INET6;
	assert_false(kernel_policy_same(&a, &b));
	b = a;
	b.dst.len = 24;
	assert_false(kernel_policy_same(&a, &b));
}

/* The netlink layer's table of its SAs (their marks, larval or not) is
 * keyed by family and address: an IPv6 SA whose first 4 bytes spell an
 * IPv4 address is not that IPv4 SA. */
static void
test_nl_sa_table_by_family(void **state)
{
	struct kernel_nl *k = calloc(1, sizeof(*k));
	struct nl_sa a = { .dst = v6("c000:201::"), .spi = 5, .mark = 6 };
	struct nl_sa b = { .dst = v4(A(192, 0, 2, 1), 32), .spi = 5 };
	struct ipaddr v4dst = v4(A(192, 0, 2, 1), 32);
	struct nl_sa *found;

	(void)state;
	assert_non_null(k);
	assert_int_equal(nl_sa_remember(k, &a), 0);
	assert_null(nl_sa_find(k, &v4dst, 5));
	assert_int_equal(nl_sa_remember(k, &b), 0);
	assert_non_null(found = nl_sa_find(k, &a.dst, 5));
	assert_int_equal(found->mark, 6);
	assert_non_null(found = nl_sa_find(k, &v4dst, 5));
	assert_int_equal(found->mark, 0);
	nl_sa_forget(k, &a.dst, 5);
	assert_null(nl_sa_find(k, &a.dst, 5));
	assert_non_null(nl_sa_find(k, &v4dst, 5));
	nl_sa_free_all(k);
	free(k);
}

/* Links, addresses and routes: the rtnetlink requests link.c makes. */

static struct nlattr *
rt_attr(struct nl_msg *msg, size_t hdrlen, int type)
{
	return nlmsg_find_attr(nlmsg_hdr(msg), (int)hdrlen, type);
}

/* An IPv6 route: AF_INET6, the prefix's 16 bytes and length, tunshd's
 * protocol, scope universe (as "ip -6 route" sends), the metric and the
 * interface; IPv4's keeps scope link, as before. */
static void
test_route_request_ipv6_and_ipv4(void **state)
{
	struct kernel_route r = { .dst = v6("2001:db8:2::/56"), .metric = 110 };
	struct rtnl_route *route;
	struct nl_msg *msg;
	struct rtmsg *rtm;

	(void)state;
	snprintf(r.dev, sizeof(r.dev), "ts-a");
	assert_non_null(route = nl_route_new(&r, 7));
	assert_int_equal(rtnl_route_build_add_request(route,
			     NLM_F_CREATE | NLM_F_EXCL, &msg),
	    0);
	rtm = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(rtm->rtm_family, AF_INET6);
	assert_int_equal(rtm->rtm_dst_len, 56);
	assert_int_equal(rtm->rtm_protocol, KERNEL_RTPROT);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(nla_len(rt_attr(msg, sizeof(*rtm), RTA_DST)), 16);
	assert_memory_equal(nla_data(rt_attr(msg, sizeof(*rtm), RTA_DST)),
	    b6("2001:db8:2::"), 16);
	assert_int_equal(nla_get_u32(rt_attr(msg, sizeof(*rtm), RTA_PRIORITY)),
	    110);
	assert_int_equal(nla_get_u32(rt_attr(msg, sizeof(*rtm), RTA_OIF)), 7);
	nlmsg_free(msg);
	rtnl_route_put(route);

	r.dst = v4(A(10, 2, 0, 0), 16);
	assert_non_null(route = nl_route_new(&r, 7));
	assert_int_equal(rtnl_route_build_add_request(route, 0, &msg), 0);
	rtm = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 16);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
	assert_int_equal(nla_get_u32(rt_attr(msg, sizeof(*rtm), RTA_DST)),
	    htonl(A(10, 2, 0, 0)));
	nlmsg_free(msg);
	rtnl_route_put(route);
	/* No interface: no route. */
	assert_null(nl_route_new(&r, 0));
}

/* An IPv6 inside address (AWS's /126 from fd00::/8), host bits kept. */
static void
test_address_request_ipv6(void **state)
{
	struct kernel_link l = { 0 };
	struct ifaddrmsg *ifa;
	struct rtnl_addr *a;
	struct nl_msg *msg;
	struct nlattr *nla;

	(void)state;
	assert_int_equal(ipaddr_parse("fd00:5::2", &l.addr), 0);
	l.addr.len = 126;
	assert_non_null(a = nl_addr_new(&l, 9));
	assert_int_equal(rtnl_addr_build_add_request(a, 0, &msg), 0);
	ifa = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 126);
	assert_int_equal(ifa->ifa_index, 9);
	nla = rt_attr(msg, sizeof(*ifa), IFA_LOCAL);
	assert_non_null(nla);
	assert_int_equal(nla_len(nla), 16);
	assert_memory_equal(nla_data(nla), b6("fd00:5::2"), 16);
	nlmsg_free(msg);
	rtnl_addr_put(a);
}

/* The VTI's kind follows its outer family: "vti6" (ip6_vti) with 16-byte
 * endpoints over IPv6, "vti" over IPv4; keys in network order. */
static void
test_link_request_vti6_and_vti(void **state)
{
	struct kernel_link l = { .key = 0x7473000a };
	struct nlattr *info[IFLA_INFO_MAX + 1], *data[IFLA_VTI_MAX + 1];
	struct rtnl_link *link;
	struct nl_msg *msg;

	(void)state;
	snprintf(l.name, sizeof(l.name), "ts-six");
	l.local = v6("2001:db8::1");
	l.remote = v6("2001:db8::2");
	assert_non_null(link = nl_link_new(&l, 0));
	assert_int_equal(rtnl_link_build_add_request(link, NLM_F_CREATE, &msg),
	    0);
	assert_int_equal(
	    nla_parse_nested(info, IFLA_INFO_MAX,
		rt_attr(msg, sizeof(struct ifinfomsg), IFLA_LINKINFO), NULL),
	    0);
	assert_string_equal(nla_get_string(info[IFLA_INFO_KIND]), "vti6");
	assert_int_equal(nla_parse_nested(data, IFLA_VTI_MAX,
			     info[IFLA_INFO_DATA], NULL),
	    0);
	assert_int_equal(nla_len(data[IFLA_VTI_LOCAL]), 16);
	assert_memory_equal(nla_data(data[IFLA_VTI_LOCAL]), b6("2001:db8::1"),
	    16);
	assert_memory_equal(nla_data(data[IFLA_VTI_REMOTE]), b6("2001:db8::2"),
	    16);
	assert_int_equal(nla_get_u32(data[IFLA_VTI_IKEY]), htonl(0x7473000a));
	assert_int_equal(nla_get_u32(data[IFLA_VTI_OKEY]), htonl(0x7473000a));
	nlmsg_free(msg);
	rtnl_link_put(link);

	l.local = v4(A(192, 0, 2, 1), 32);
	l.remote = v4(A(192, 0, 2, 2), 32);
	assert_non_null(link = nl_link_new(&l, 0));
	assert_int_equal(rtnl_link_build_add_request(link, NLM_F_CREATE, &msg),
	    0);
	assert_int_equal(
	    nla_parse_nested(info, IFLA_INFO_MAX,
		rt_attr(msg, sizeof(struct ifinfomsg), IFLA_LINKINFO), NULL),
	    0);
	assert_string_equal(nla_get_string(info[IFLA_INFO_KIND]), "vti");
	assert_int_equal(nla_parse_nested(data, IFLA_VTI_MAX,
			     info[IFLA_INFO_DATA], NULL),
	    0);
	assert_int_equal(nla_len(data[IFLA_VTI_LOCAL]), 4);
	assert_int_equal(nla_get_u32(data[IFLA_VTI_LOCAL]),
	    htonl(A(192, 0, 2, 1)));
	nlmsg_free(msg);
	rtnl_link_put(link);
}

/* Parsers: messages laid out by hand, as the kernel writes them. */

struct wire {
	union {
		struct nlmsghdr h;
		uint8_t b[1024];
	};
};

/* Starts a message of type with a fixed header of len bytes at hdr. */
static struct nlmsghdr *
wire_start(struct wire *w, int type, const void *hdr, size_t len)
{
	memset(w, 0, sizeof(*w));
	w->h.nlmsg_type = type;
	w->h.nlmsg_len = NLMSG_LENGTH(len);
	memcpy(NLMSG_DATA(&w->h), hdr, len);
	w->h.nlmsg_len = NLMSG_ALIGN(w->h.nlmsg_len);
	return &w->h;
}

static void
wire_attr(struct wire *w, int type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(w->b + w->h.nlmsg_len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	w->h.nlmsg_len += NLA_ALIGN(a->nla_len);
}

/* An ACQUIRE for a packet 10.1.0.5 -> 10.2.0.9 on the policy whose
 * template is 192.0.2.1 -> 192.0.2.2, reqid 7. */
static void
acquire_wire(struct wire *w, bool with_tmpl)
{
	struct xfrm_user_acquire a = { 0 };
	struct xfrm_user_tmpl t = { 0 };

	a.id.daddr.a4 = htonl(A(192, 0, 2, 2));
	a.id.proto = IPPROTO_ESP;
	a.saddr.a4 = htonl(A(192, 0, 2, 1));
	a.sel.saddr.a4 = htonl(A(10, 1, 0, 5));
	a.sel.daddr.a4 = htonl(A(10, 2, 0, 9));
	a.sel.prefixlen_s = a.sel.prefixlen_d = 32;
	a.sel.family = AF_INET;
	a.policy.dir = XFRM_POLICY_OUT;
	t.id.daddr = a.id.daddr;
	t.id.proto = IPPROTO_ESP;
	t.saddr = a.saddr;
	t.family = AF_INET;
	t.reqid = 7;
	t.mode = XFRM_MODE_TUNNEL;
	wire_start(w, XFRM_MSG_ACQUIRE, &a, sizeof(a));
	if (with_tmpl)
		wire_attr(w, XFRMA_TMPL, &t, sizeof(t));
}

static void
test_event_parse_acquire(void **state)
{
	struct xfrm_event ev;
	struct wire w;

	(void)state;
	acquire_wire(&w, true);
	assert_int_equal(xfrm_event_parse(&w.h, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_ACQUIRE);
	assert_int_equal(ev.reqid, 7);
	assert_int_equal(ev.src.family, AF_INET);
	assert_int_equal(ev.src.len, 32);
	assert_int_equal(ipaddr_to4(&ev.src),
	    A(10, 1, 0, 5)); /* the packet's */
	assert_int_equal(ipaddr_to4(&ev.dst), A(10, 2, 0, 9));

	/* Without templates there is no reqid to act on. */
	acquire_wire(&w, false);
	assert_int_equal(xfrm_event_parse(&w.h, &ev), -EINVAL);
	/* Short: the struct is not all there. */
	acquire_wire(&w, true);
	w.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct xfrm_user_acquire) - 1);
	assert_int_equal(xfrm_event_parse(&w.h, &ev), -EINVAL);
}

static void
test_event_parse_acquire_not_ip_or_esp(void **state)
{
	struct xfrm_user_acquire *a;
	struct xfrm_event ev;
	struct wire w;

	(void)state;
	acquire_wire(&w, true);
	a = NLMSG_DATA(&w.h);
	a->sel.family = AF_PACKET;
	assert_int_equal(xfrm_event_parse(&w.h, &ev), -EAFNOSUPPORT);
	acquire_wire(&w, true);
	a = NLMSG_DATA(&w.h);
	a->id.proto = IPPROTO_AH;
	assert_int_equal(xfrm_event_parse(&w.h, &ev), -ENOENT);
}

static void
expire_wire(struct wire *w, uint32_t spi, uint8_t hard)
{
	struct xfrm_user_expire x = { 0 };

	x.state.id.daddr.a4 = htonl(A(192, 0, 2, 1));
	x.state.id.spi = htonl(spi);
	x.state.id.proto = IPPROTO_ESP;
	x.state.saddr.a4 = htonl(A(192, 0, 2, 2));
	x.state.family = AF_INET;
	x.state.reqid = 7;
	x.hard = hard;
	wire_start(w, XFRM_MSG_EXPIRE, &x, sizeof(x));
}

static void
test_event_parse_expire_soft_and_hard(void **state)
{
	struct xfrm_event ev;
	struct wire w;

	(void)state;
	expire_wire(&w, 0xc0000123, 0);
	assert_int_equal(xfrm_event_parse(&w.h, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_EXPIRE);
	assert_int_equal(ipaddr_to4(&ev.dst), A(192, 0, 2, 1));
	assert_int_equal(ev.spi, 0xc0000123);
	assert_false(ev.hard);
	expire_wire(&w, 0xc0000123, 1);
	assert_int_equal(xfrm_event_parse(&w.h, &ev), 0);
	assert_true(ev.hard);
	/* A larval state from an ACQUIRE timing out: no SA to act on. */
	expire_wire(&w, 0, 1);
	assert_int_equal(xfrm_event_parse(&w.h, &ev), -ENOENT);
}

static void
test_event_parse_mapping(void **state)
{
	struct xfrm_user_mapping m = { 0 };
	struct xfrm_event ev;
	struct wire w;

	(void)state;
	m.id.daddr.a4 = htonl(A(192, 0, 2, 1));
	m.id.spi = htonl(0xc0000123);
	m.id.family = AF_INET;
	m.id.proto = IPPROTO_ESP;
	m.reqid = 7;
	m.old_saddr.a4 = htonl(A(198, 51, 100, 7));
	m.old_sport = htons(4500);
	m.new_saddr.a4 = htonl(A(198, 51, 100, 8));
	m.new_sport = htons(61000);
	wire_start(&w, XFRM_MSG_MAPPING, &m, sizeof(m));
	assert_int_equal(xfrm_event_parse(&w.h, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_MAPPING);
	assert_int_equal(ipaddr_to4(&ev.dst), A(192, 0, 2, 1));
	assert_int_equal(ev.spi, 0xc0000123);
	assert_int_equal(ipaddr_to4(&ev.new_addr), A(198, 51, 100, 8));
	assert_int_equal(ev.new_port, 61000);
}

/* IPv6 events: an ACQUIRE for an IPv6 packet (its policy's family, the
 * inner one) on a 6-in-4 template; EXPIRE and MAPPING of an IPv6 SA. */
static void
test_event_parse_ipv6(void **state)
{
	struct xfrm_user_acquire *a;
	struct xfrm_user_expire x = { 0 };
	struct xfrm_user_mapping m = { 0 };
	struct xfrm_event ev;
	char text[IPADDR_STRLEN];
	struct wire w;

	(void)state;
	acquire_wire(&w, true);
	a = NLMSG_DATA(&w.h);
	a->sel.family = AF_INET6;
	memcpy(&a->sel.saddr, b6("fd00:1::5"), 16);
	memcpy(&a->sel.daddr, b6("fd00:2::9"), 16);
	a->sel.prefixlen_s = a->sel.prefixlen_d = 128;
	assert_int_equal(xfrm_event_parse(&w.h, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_ACQUIRE);
	assert_int_equal(ev.reqid, 7);
	assert_int_equal(ev.src.family, AF_INET6);
	assert_int_equal(ev.src.len, 128);
	ipaddr_format(&ev.src, text, sizeof(text));
	assert_string_equal(text, "fd00:1::5");
	ipaddr_format(&ev.dst, text, sizeof(text));
	assert_string_equal(text, "fd00:2::9");

	memcpy(&x.state.id.daddr, b6("2001:db8::1"), 16);
	x.state.id.spi = htonl(0xc0000456);
	x.state.id.proto = IPPROTO_ESP;
	x.state.family = AF_INET6;
	x.state.sel.family = AF_INET; /* 4-in-6: the SA's own family counts */
	x.hard = 1;
	wire_start(&w, XFRM_MSG_EXPIRE, &x, sizeof(x));
	assert_int_equal(xfrm_event_parse(&w.h, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_EXPIRE);
	assert_int_equal(ev.dst.family, AF_INET6);
	ipaddr_format(&ev.dst, text, sizeof(text));
	assert_string_equal(text, "2001:db8::1");
	assert_int_equal(ev.spi, 0xc0000456);
	assert_true(ev.hard);

	memcpy(&m.id.daddr, b6("2001:db8::1"), 16);
	m.id.spi = htonl(0xc0000456);
	m.id.family = AF_INET6;
	m.id.proto = IPPROTO_ESP;
	memcpy(&m.new_saddr, b6("2001:db8:ffff::8"), 16);
	m.new_sport = htons(4501);
	wire_start(&w, XFRM_MSG_MAPPING, &m, sizeof(m));
	assert_int_equal(xfrm_event_parse(&w.h, &ev), 0);
	assert_int_equal(ev.type, XFRM_EVENT_MAPPING);
	ipaddr_format(&ev.new_addr, text, sizeof(text));
	assert_string_equal(text, "2001:db8:ffff::8");
	assert_int_equal(ev.new_port, 4501);
	ipaddr_format(&ev.dst, text, sizeof(text));
	assert_string_equal(text, "2001:db8::1");

	/* Another family is still refused. */
	m.id.family = AF_PACKET;
	wire_start(&w, XFRM_MSG_MAPPING, &m, sizeof(m));
	assert_int_equal(xfrm_event_parse(&w.h, &ev), -EAFNOSUPPORT);
}

/* The in-memory kernel keys SAs by (dst, SPI) with dst of either family:
 * an IPv6 SA and an IPv4 one with the same SPI are two, and each goes
 * by its own address. */
static void
test_mem_kernel_keys_by_either_family(void **state)
{
	struct kernel_mem *k = kernel_mem_new();
	struct secbuf *ek = secbuf_from(enc_key, sizeof(enc_key));
	struct kernel_sa_stats st;
	struct kernel_sa sa4, sa6;
	struct kernel_policy p4, p6;
	struct kernel_sa_move mv = { .sport = 4500, .dport = 4501 };
	struct ipaddr mapped = v6("::c000:201"); /* 192.0.2.1's bytes */

	(void)state;
	aead_sa(&sa4, ek);
	aead_sa6(&sa6, ek);
	assert_int_equal(kernel_mem_ops.sa_add(k, &sa4, NULL), 0);
	assert_int_equal(kernel_mem_ops.sa_add(k, &sa6, NULL), 0);
	assert_int_equal(kernel_mem_sas(k, NULL, NULL), 2);
	assert_int_equal(kernel_mem_ops.sa_query(k, &sa6.dst, sa6.spi, &st), 0);
	assert_int_equal(kernel_mem_ops.sa_query(k, &mapped, sa6.spi, &st),
	    -ENOENT);
	mv.src = v6("2001:db8::1");
	mv.dst = v6("2001:db8::3");
	assert_int_equal(
	    kernel_mem_ops.sa_move(k, &sa6.dst, sa6.spi, &mv, NULL), 0);
	assert_int_equal(kernel_mem_ops.sa_query(k, &mv.dst, sa6.spi, &st), 0);
	assert_int_equal(kernel_mem_ops.sa_del(k, &mv.dst, sa6.spi), 0);
	assert_int_equal(kernel_mem_sas(k, NULL, NULL), 1);
	assert_int_equal(kernel_mem_ops.sa_query(k, &sa4.dst, sa4.spi, &st), 0);

	out_policy(&p4);
	p6 = p4;
	p6.src = v6("2001:db8:1::/64");
	p6.dst = v6("2001:db8:2::/64");
	assert_int_equal(kernel_mem_ops.policy_add(k, &p4, NULL), 0);
	assert_int_equal(kernel_mem_ops.policy_add(k, &p6, NULL), 0);
	assert_int_equal(kernel_mem_ops.policy_add(k, &p6, NULL), 0);
	assert_int_equal(kernel_mem_policies(k), 2);
	assert_int_equal(kernel_mem_ops.policy_del(k, &p6), 0);
	assert_int_equal(kernel_mem_policies(k), 1);
	kernel_mem_free(k);
	secbuf_free(ek);
}

static void
test_event_parse_other_types_ignored(void **state)
{
	struct xfrm_usersa_info u = { 0 };
	struct xfrm_event ev;
	struct wire w;

	(void)state;
	u.family = AF_INET;
	wire_start(&w, XFRM_MSG_NEWSA, &u, sizeof(u));
	assert_int_equal(xfrm_event_parse(&w.h, &ev), -ENOENT);
}

/* Replies */

static void
test_sa_reply_parse_spi_and_counters(void **state)
{
	struct xfrm_usersa_info u = { 0 };
	struct kernel_sa_stats st;
	uint32_t spi = 0;
	struct wire w;

	(void)state;
	u.id.spi = htonl(0xc1234567);
	u.id.proto = IPPROTO_ESP;
	u.family = AF_INET;
	u.curlft.bytes = 123456;
	u.curlft.packets = 789;
	u.curlft.add_time = 1700000000;
	u.curlft.use_time = 1700000100;
	wire_start(&w, XFRM_MSG_NEWSA, &u, sizeof(u));
	assert_int_equal(xfrm_spi_parse(&w.h, &spi), 0);
	assert_int_equal(spi, 0xc1234567);
	assert_int_equal(xfrm_stats_parse(&w.h, &st), 0);
	assert_int_equal(st.bytes, 123456);
	assert_int_equal(st.packets, 789);
	assert_int_equal(st.add_time, 1700000000);
	assert_int_equal(st.use_time, 1700000100);
	w.h.nlmsg_len = NLMSG_LENGTH(sizeof(u) - 4);
	assert_int_equal(xfrm_spi_parse(&w.h, &spi), -EINVAL);
}

/* NLMSG_ERROR (netlink(7)): nlmsgerr, the request (all of it, or only its
 * header when capped), then the extended-ack attributes. */
static void
error_wire(struct wire *w, int error, bool capped, const char *text)
{
	struct nlmsgerr e = { .error = error };
	uint8_t request[40] = { 0 };
	size_t off;

	e.msg.nlmsg_len = NLMSG_HDRLEN + sizeof(request);
	e.msg.nlmsg_type = XFRM_MSG_NEWSA;
	wire_start(w, NLMSG_ERROR, &e, sizeof(e));
	if (!capped) {
		off = w->h.nlmsg_len;
		memcpy(w->b + off, request, sizeof(request));
		w->h.nlmsg_len = NLMSG_ALIGN(off + sizeof(request));
	}
	w->h.nlmsg_flags = capped ? NLM_F_CAPPED : 0;
	if (text != NULL) {
		w->h.nlmsg_flags |= NLM_F_ACK_TLVS;
		wire_attr(w, NLMSGERR_ATTR_MSG, text, strlen(text) + 1);
	}
}

static void
test_error_parse_ack_errno_and_text(void **state)
{
	char text[128];
	struct wire w;
	int err = 1;

	(void)state;
	error_wire(&w, 0, true, NULL);
	assert_int_equal(xfrm_error_parse(&w.h, &err, text, sizeof(text)), 0);
	assert_int_equal(err, 0);
	assert_string_equal(text, "");

	error_wire(&w, -ENOSYS, true, "Requested type not found");
	assert_int_equal(xfrm_error_parse(&w.h, &err, text, sizeof(text)), 0);
	assert_int_equal(err, -ENOSYS);
	assert_string_equal(text, "Requested type not found");

	/* Uncapped: the text sits behind the whole echoed request. */
	error_wire(&w, -ENOSYS, false, "Requested AEAD algorithm not found");
	assert_int_equal(xfrm_error_parse(&w.h, &err, text, sizeof(text)), 0);
	assert_string_equal(text, "Requested AEAD algorithm not found");

	/* A text longer than the buffer is cut, not overrun. */
	error_wire(&w, -EINVAL, true, "Requested AEAD algorithm not found");
	assert_int_equal(xfrm_error_parse(&w.h, &err, text, 10), 0);
	assert_string_equal(text, "Requested");

	/* Not an errno: refused. */
	error_wire(&w, 5, true, NULL);
	assert_int_equal(xfrm_error_parse(&w.h, &err, text, sizeof(text)),
	    -EINVAL);
}

/*
 * The nftables script of the TCP MSS clamps, as nft reads it: the table
 * deleted (added first so that deleting is no error) and made afresh in
 * one script; a route-based tunnel matched by its interface both ways, a
 * policy-based one by its networks and IPsec; only a larger MSS lowered.
 */
static void
test_nft_mss_script_route_and_policy(void **state)
{
	const struct ipaddr local[] = { v4(0x0a010000, 24) };
	const struct ipaddr remote[] = { v4(0x0a030000, 16),
		v4(0x0a040000, 24) };
	const struct kernel_mss m[] = {
		{ .tunnel = "aws-1", .ifname = "ts-aws-1", .mss = 1406 },
		{ .tunnel = "branch",
		    .local = local,
		    .n_local = 1,
		    .remote = remote,
		    .n_remote = 2,
		    .mss = 1350 },
	};
	char *text;

	(void)state;
	assert_int_equal(kernel_nft_mss_script(m, 2, &text), 0);
	assert_string_equal(text,
	    "add table inet tunsh\n"
	    "delete table inet tunsh\n"
	    "add table inet tunsh\n"
	    "add chain inet tunsh mss { type filter hook forward priority "
	    "mangle; policy accept; }\n"
	    "add rule inet tunsh mss oifname \"ts-aws-1\" tcp flags syn "
	    "tcp option maxseg size > 1406 tcp option maxseg size set 1406 "
	    "comment \"aws-1 out\"\n"
	    "add rule inet tunsh mss iifname \"ts-aws-1\" tcp flags syn "
	    "tcp option maxseg size > 1406 tcp option maxseg size set 1406 "
	    "comment \"aws-1 in\"\n"
	    "add rule inet tunsh mss rt ipsec exists ip saddr { 10.1.0.0/24 } "
	    "ip daddr { 10.3.0.0/16, 10.4.0.0/24 } tcp flags syn "
	    "tcp option maxseg size > 1350 tcp option maxseg size set 1350 "
	    "comment \"branch out\"\n"
	    "add rule inet tunsh mss meta ipsec exists ip saddr "
	    "{ 10.3.0.0/16, 10.4.0.0/24 } ip daddr { 10.1.0.0/24 } tcp flags "
	    "syn tcp option maxseg size > 1350 tcp option maxseg size set "
	    "1350 comment \"branch in\"\n");
	free(text);
}

/* IPv6: its own rules, "ip6" keys and a clamp 20 bytes smaller (MTU -
 * 60); a tunnel with IPv4 networks alone keeps exactly its old rules. */
static void
test_nft_mss_script_ipv6(void **state)
{
	const struct ipaddr local[] = { v4(0x0a010000, 24),
		v6("2001:db8:1::/64") };
	const struct ipaddr remote[] = { v6("2001:db8:2::/56"),
		v4(0x0a030000, 16) };
	const struct kernel_mss m[] = {
		{ .tunnel = "aws-1",
		    .ifname = "ts-aws-1",
		    .inet6 = true,
		    .mss = 1406 },
		{ .tunnel = "branch",
		    .local = local,
		    .n_local = 2,
		    .remote = remote,
		    .n_remote = 2,
		    .mss = 1350 },
		{ .tunnel = "six",
		    .local = local + 1,
		    .n_local = 1,
		    .remote = remote,
		    .n_remote = 1,
		    .mss = 1350 },
	};
	char *text;

	(void)state;
	assert_int_equal(kernel_nft_mss_script(m, 3, &text), 0);
	assert_string_equal(text,
	    "add table inet tunsh\n"
	    "delete table inet tunsh\n"
	    "add table inet tunsh\n"
	    "add chain inet tunsh mss { type filter hook forward priority "
	    "mangle; policy accept; }\n"
	    "add rule inet tunsh mss oifname \"ts-aws-1\" meta nfproto ipv6 "
	    "tcp flags syn tcp option maxseg size > 1386 tcp option maxseg "
	    "size set 1386 comment \"aws-1 out6\"\n"
	    "add rule inet tunsh mss iifname \"ts-aws-1\" meta nfproto ipv6 "
	    "tcp flags syn tcp option maxseg size > 1386 tcp option maxseg "
	    "size set 1386 comment \"aws-1 in6\"\n"
	    "add rule inet tunsh mss oifname \"ts-aws-1\" tcp flags syn "
	    "tcp option maxseg size > 1406 tcp option maxseg size set 1406 "
	    "comment \"aws-1 out\"\n"
	    "add rule inet tunsh mss iifname \"ts-aws-1\" tcp flags syn "
	    "tcp option maxseg size > 1406 tcp option maxseg size set 1406 "
	    "comment \"aws-1 in\"\n"
	    "add rule inet tunsh mss rt ipsec exists ip saddr { 10.1.0.0/24 } "
	    "ip daddr { 10.3.0.0/16 } tcp flags syn "
	    "tcp option maxseg size > 1350 tcp option maxseg size set 1350 "
	    "comment \"branch out\"\n"
	    "add rule inet tunsh mss meta ipsec exists ip saddr "
	    "{ 10.3.0.0/16 } ip daddr { 10.1.0.0/24 } tcp flags "
	    "syn tcp option maxseg size > 1350 tcp option maxseg size set "
	    "1350 comment \"branch in\"\n"
	    "add rule inet tunsh mss rt ipsec exists ip6 saddr "
	    "{ 2001:db8:1::/64 } ip6 daddr { 2001:db8:2::/56 } tcp flags syn "
	    "tcp option maxseg size > 1330 tcp option maxseg size set 1330 "
	    "comment \"branch out6\"\n"
	    "add rule inet tunsh mss meta ipsec exists ip6 saddr "
	    "{ 2001:db8:2::/56 } ip6 daddr { 2001:db8:1::/64 } tcp flags syn "
	    "tcp option maxseg size > 1330 tcp option maxseg size set 1330 "
	    "comment \"branch in6\"\n"
	    "add rule inet tunsh mss rt ipsec exists ip6 saddr "
	    "{ 2001:db8:1::/64 } ip6 daddr { 2001:db8:2::/56 } tcp flags syn "
	    "tcp option maxseg size > 1330 tcp option maxseg size set 1330 "
	    "comment \"six out6\"\n"
	    "add rule inet tunsh mss meta ipsec exists ip6 saddr "
	    "{ 2001:db8:2::/56 } ip6 daddr { 2001:db8:1::/64 } tcp flags syn "
	    "tcp option maxseg size > 1330 tcp option maxseg size set 1330 "
	    "comment \"six in6\"\n");
	free(text);

	/* No family on both sides: nothing to clamp, refused. */
	assert_int_equal(
	    kernel_nft_mss_script(&(struct kernel_mss){ .tunnel = "x",
				      .local = local,
				      .n_local = 1,
				      .remote = remote,
				      .n_remote = 1,
				      .mss = 1350 },
		1, &text),
	    -EINVAL);
}

/* No clamp: the table goes; a name nft would not take literally, or a
 * policy-based clamp with no networks, is refused, never half-written. */
static void
test_nft_mss_script_none_and_refusals(void **state)
{
	const struct kernel_mss quote = { .tunnel = "a\"b",
		.ifname = "ts-a",
		.mss = 1400 };
	const struct kernel_mss empty = { .tunnel = "p", .mss = 1400 };
	char *text;

	(void)state;
	assert_int_equal(kernel_nft_mss_script(NULL, 0, &text), 0);
	assert_string_equal(text, kernel_nft_remove_script());
	assert_string_equal(text,
	    "add table inet tunsh\ndelete table inet tunsh\n");
	free(text);
	assert_int_equal(kernel_nft_mss_script(&quote, 1, &text), -EINVAL);
	assert_null(text);
	assert_int_equal(kernel_nft_mss_script(&empty, 1, &text), -EINVAL);
	assert_null(text);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_nft_mss_script_route_and_policy),
	cmocka_unit_test(test_nft_mss_script_none_and_refusals),
	cmocka_unit_test(test_nft_mss_script_ipv6),
	cmocka_unit_test(test_sa_build_header_fields),
	cmocka_unit_test(test_sa_build_unset_limits_are_inf),
	cmocka_unit_test(test_sa_build_aead_alone),
	cmocka_unit_test(test_sa_build_crypt_and_auth_trunc),
	cmocka_unit_test(test_sa_build_encap_mark_if_id),
	cmocka_unit_test(test_sa_build_update_replaces_larval),
	cmocka_unit_test(test_sa_build_large_replay_window_uses_esn_attr),
	cmocka_unit_test(test_sa_build_rejects_what_the_kernel_would),
	cmocka_unit_test(test_sa_id_build_delete_and_get),
	cmocka_unit_test(test_spi_build_range_and_reqid),
	cmocka_unit_test(test_sa_build_ipv6_in_ipv6),
	cmocka_unit_test(test_sa_build_ipv4_in_ipv6),
	cmocka_unit_test(test_sa_build_ipv6_in_ipv4),
	cmocka_unit_test(test_sa_build_both_inner_families_af_unspec),
	cmocka_unit_test(test_sa_build_rejects_mixed_outer_families),
	cmocka_unit_test(test_sa_id_and_spi_build_ipv6),
	cmocka_unit_test(test_policy_build_fields_and_template),
	cmocka_unit_test(test_policy_build_directions_mark_if_id),
	cmocka_unit_test(test_policy_del_build_selector_dir_mark),
	cmocka_unit_test(test_policy_build_ipv6_and_across_families),
	cmocka_unit_test(test_policy_same_by_family),
	cmocka_unit_test(test_nl_sa_table_by_family),
	cmocka_unit_test(test_route_request_ipv6_and_ipv4),
	cmocka_unit_test(test_address_request_ipv6),
	cmocka_unit_test(test_link_request_vti6_and_vti),
	cmocka_unit_test(test_event_parse_acquire),
	cmocka_unit_test(test_event_parse_acquire_not_ip_or_esp),
	cmocka_unit_test(test_event_parse_expire_soft_and_hard),
	cmocka_unit_test(test_event_parse_mapping),
	cmocka_unit_test(test_event_parse_ipv6),
	cmocka_unit_test(test_mem_kernel_keys_by_either_family),
	cmocka_unit_test(test_event_parse_other_types_ignored),
	cmocka_unit_test(test_sa_reply_parse_spi_and_counters),
	cmocka_unit_test(test_error_parse_ack_errno_and_text),
};

TUNSH_TEST_MAIN(tests)
