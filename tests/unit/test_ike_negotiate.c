/*
 * tests/unit/test_ike_negotiate.c: proposal choice and check (RFC 7296
 * 2.7, 3.3.6), traffic selector narrowing (2.9) and the shared-key AUTH
 * value (2.15), the last against an independent HMAC computation.
 */
#include <endian.h>
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "ike/negotiate.h"
#include "tests/unit/test.h"
#include "tests/unit/ts_make.h"

#define T(type, id, kl) ((struct ike_transform){ (type), (id), (kl) })

static void
proposal(struct ike_sa_payload *sa, uint8_t num, uint8_t proto,
    const struct ike_transform *t, size_t n)
{
	struct ike_proposal *p = &sa->proposals[sa->n_proposals++];

	memset(p, 0, sizeof(*p));
	p->num = num;
	p->protocol = proto;
	p->n_transforms = n;
	memcpy(p->transforms, t, n * sizeof(*t));
}

/* Ours: AES-GCM-256 with PRF SHA-256 or SHA-384 and groups 19 and 20. */
static void
ours_ike(struct ike_sa_payload *sa)
{
	const struct ike_transform t[] = { T(1, 20, 256), T(2, 5, 0),
		T(2, 6, 0), T(4, 19, 0), T(4, 20, 0) };

	memset(sa, 0, sizeof(*sa));
	proposal(sa, 1, IKE_PROTO_IKE, t, 5);
}

static void
test_ike_proposal_select_follows_peer_preference(void **state)
{
	struct ike_sa_payload off = { 0 }, ours;
	struct ike_proposal c;
	/* #1: AES-CBC-128, SHA1, modp1024: nothing we accept. */
	const struct ike_transform p1[] = { T(1, 12, 128), T(2, 2, 0),
		T(3, 2, 0), T(4, 2, 0) };
	/* #2: AES-GCM-256, PRF SHA-384 then SHA-256, groups 21, 20, 19. */
	const struct ike_transform p2[] = { T(1, 20, 256), T(2, 6, 0),
		T(2, 5, 0), T(4, 21, 0), T(4, 20, 0), T(4, 19, 0) };

	(void)state;
	ours_ike(&ours);
	proposal(&off, 1, IKE_PROTO_IKE, p1, 4);
	proposal(&off, 2, IKE_PROTO_IKE, p2, 6);
	assert_int_equal(ike_proposal_select(&off, &ours, &c), 0);
	assert_int_equal(c.num, 2);
	assert_int_equal(c.n_transforms, 3);
	/* The peer's first acceptable choice of each type. */
	assert_int_equal(ike_proposal_get(&c, IKE_TRANS_PRF)->id, 6);
	assert_int_equal(ike_proposal_get(&c, IKE_TRANS_DH)->id, 20);
	assert_int_equal(ike_proposal_get(&c, IKE_TRANS_ENCR)->keylen, 256);
	assert_null(ike_proposal_get(&c, IKE_TRANS_INTEG));
}

static void
test_ike_proposal_select_refuses_mismatch(void **state)
{
	struct ike_sa_payload off = { 0 }, ours;
	struct ike_proposal c;
	/* The same algorithms with a 128-bit key. */
	const struct ike_transform short_key[] = { T(1, 20, 128), T(2, 5, 0),
		T(4, 19, 0) };
	/* An integrity algorithm beside GCM: a type we do not use. */
	const struct ike_transform extra[] = { T(1, 20, 256), T(2, 5, 0),
		T(3, 12, 0), T(4, 19, 0) };
	/* ESP against an IKE proposal. */
	const struct ike_transform esp[] = { T(1, 20, 256), T(5, 0, 0) };

	(void)state;
	ours_ike(&ours);
	proposal(&off, 1, IKE_PROTO_IKE, short_key, 3);
	proposal(&off, 2, IKE_PROTO_IKE, extra, 4);
	proposal(&off, 3, IKE_PROTO_ESP, esp, 2);
	assert_int_equal(ike_proposal_select(&off, &ours, &c), -ENOENT);
}

static void
test_ike_proposal_check_reply(void **state)
{
	struct ike_sa_payload ours, reply = { 0 };
	struct ike_proposal c;
	const struct ike_transform good[] = { T(1, 20, 256), T(2, 6, 0),
		T(4, 19, 0) };
	const struct ike_transform two_dh[] = { T(1, 20, 256), T(2, 6, 0),
		T(4, 19, 0), T(4, 20, 0) };
	const struct ike_transform not_offered[] = { T(1, 20, 128), T(2, 6, 0),
		T(4, 19, 0) };
	const struct ike_transform no_dh[] = { T(1, 20, 256), T(2, 6, 0) };

	(void)state;
	ours_ike(&ours);
	proposal(&reply, 1, IKE_PROTO_IKE, good, 3);
	assert_int_equal(ike_proposal_check_reply(&ours, &reply, &c), 0);
	assert_int_equal(ike_proposal_get(&c, IKE_TRANS_DH)->id, 19);
	reply.n_proposals = 0;
	proposal(&reply, 1, IKE_PROTO_IKE, two_dh, 4);
	assert_int_equal(ike_proposal_check_reply(&ours, &reply, &c), -EBADMSG);
	reply.n_proposals = 0;
	proposal(&reply, 1, IKE_PROTO_IKE, not_offered, 3);
	assert_int_equal(ike_proposal_check_reply(&ours, &reply, &c), -EBADMSG);
	reply.n_proposals = 0;
	proposal(&reply, 1, IKE_PROTO_IKE, no_dh, 2);
	assert_int_equal(ike_proposal_check_reply(&ours, &reply, &c), -EBADMSG);
	reply.n_proposals = 0;
	proposal(&reply, 2, IKE_PROTO_IKE, good, 3); /* a number not ours */
	assert_int_equal(ike_proposal_check_reply(&ours, &reply, &c), -EBADMSG);
}

static void
test_ike_ts_narrow(void **state)
{
	struct ike_ts_payload peer = { .n = 1 }, ours = { .n = 2 }, out;

	(void)state;
	peer.ts[0] = ts4(0, 0, 65535, 0, 0xffffffff);
	ours.ts[0] = ts4(0, 0, 65535, 0x0a140500, 0x0a1405ff);
	ours.ts[1] = ts4(6, 443, 443, 0xac100000, 0xac10ffff);
	/* 0.0.0.0/0 any from the peer: cut to exactly what we hold. */
	ike_ts_narrow(&peer, &ours, &out);
	assert_int_equal(out.n, 2);
	assert_int_equal(ipaddr_to4(&out.ts[0].start), 0x0a140500);
	assert_int_equal(ipaddr_to4(&out.ts[0].end), 0x0a1405ff);
	assert_int_equal(out.ts[1].ip_proto, 6);
	assert_int_equal(out.ts[1].start_port, 443);
	/* UDP to 10.20.0.0/16: only the /24 of ours, UDP kept. */
	peer.ts[0] = ts4(17, 0, 65535, 0x0a140000, 0x0a14ffff);
	ike_ts_narrow(&peer, &ours, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.ts[0].ip_proto, 17);
	assert_int_equal(ipaddr_to4(&out.ts[0].start), 0x0a140500);
	/* Disjoint networks: nothing (TS_UNACCEPTABLE). */
	peer.ts[0] = ts4(0, 0, 65535, 0x0a150000, 0x0a15ffff);
	ike_ts_narrow(&peer, &ours, &out);
	assert_int_equal(out.n, 0);
}

/* IPv6 narrows as IPv4 does, and families never meet: ::/0 from the
 * peer takes our IPv6 network and none of our IPv4 ones. */
static void
test_ike_ts_narrow_ipv6(void **state)
{
	struct ike_ts_payload peer = { .n = 1 }, ours = { .n = 2 }, out;
	char buf[IPADDR_STRLEN];

	(void)state;
	peer.ts[0] =
	    ts6(0, 0, 65535, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ours.ts[0] = ts4(0, 0, 65535, 0x0a140500, 0x0a1405ff);
	ours.ts[1] = ts6(0, 0, 65535, "2001:db8:20::", "2001:db8:20::ff");
	ike_ts_narrow(&peer, &ours, &out);
	assert_int_equal(out.n, 1);
	ipaddr_format(&out.ts[0].start, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:20::");
	ipaddr_format(&out.ts[0].end, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:20::ff");
	/* A narrower IPv6 range of the peer's inside ours. */
	peer.ts[0] = ts6(0, 0, 65535, "2001:db8:20::10", "2001:db8:20::1f");
	ike_ts_narrow(&peer, &ours, &out);
	assert_int_equal(out.n, 1);
	ipaddr_format(&out.ts[0].start, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:20::10");
	/* 0.0.0.0/0 takes only the IPv4 one. */
	peer.ts[0] = ts4(0, 0, 65535, 0, 0xffffffff);
	ike_ts_narrow(&peer, &ours, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.ts[0].start.family, AF_INET);
}

/* HMAC-SHA-256 with OpenSSL's one-shot call: an independent reference. */
static void
hmac256(const void *key, size_t klen, const void *data, size_t dlen,
    uint8_t *out)
{
	size_t n = 0;

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen,
	    data, dlen, out, 32, &n));
	assert_int_equal(n, 32);
}

static void
test_ike_psk_auth_matches_rfc_formula(void **state)
{
	const struct ike_prf_alg *prf = ike_prf_alg(5);
	struct secbuf *psk = secbuf_from_str("example-only-change-me-0001");
	struct secbuf *sk_pi = secbuf_new(32);
	uint8_t msg[212], nonce[32], id[8] = { 1, 0, 0, 0, 203, 0, 113, 2 };
	uint8_t key[32], maced[32], want[32], got[32], octets[212 + 32 + 32];

	(void)state;
	memset(msg, 0x11, sizeof(msg));
	memset(nonce, 0x22, sizeof(nonce));
	memset(sk_pi->data, 0x33, 32);
	/* RFC 7296 2.15 */
	hmac256(psk->data, psk->len, "Key Pad for IKEv2", 17, key);
	hmac256(sk_pi->data, 32, id, sizeof(id), maced);
	memcpy(octets, msg, 212);
	memcpy(octets + 212, nonce, 32);
	memcpy(octets + 244, maced, 32);
	hmac256(key, 32, octets, sizeof(octets), want);
	assert_int_equal(ike_psk_auth(prf, psk, msg, sizeof(msg), nonce,
			     sizeof(nonce), sk_pi, id, sizeof(id), got),
	    0);
	assert_memory_equal(got, want, 32);
	secbuf_free(psk);
	secbuf_free(sk_pi);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ike_proposal_select_follows_peer_preference),
	cmocka_unit_test(test_ike_proposal_select_refuses_mismatch),
	cmocka_unit_test(test_ike_proposal_check_reply),
	cmocka_unit_test(test_ike_ts_narrow),
	cmocka_unit_test(test_ike_ts_narrow_ipv6),
	cmocka_unit_test(test_ike_psk_auth_matches_rfc_formula),
};

TUNSH_TEST_MAIN(tests)
