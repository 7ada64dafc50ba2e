/*
 * tests/unit/test_ike_msg.c: the IKEv2 message codec (ike/msg.c,
 * msg_build.c) and the per-exchange payload rules (ike/rules.c), against
 * messages written out by hand from RFC 7296 section 3, field by field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/msg.h"
#include "tests/unit/test.h"
#include "tests/unit/ts_make.h"

/*
 * An IKE_SA_INIT request (RFC 7296 1.2: HDR, SAi1, KEi, Ni, N):
 * one IKE proposal of AES-GCM-16-256, PRF-HMAC-SHA2-256, groups 19 and 14;
 * a 64-byte ecp256 public value of 0xaa; a 32-byte nonce of 0xbb; and a
 * NAT_DETECTION_SOURCE_IP notify with 20 bytes of 0xcc.
 */
static const uint8_t init_head[] = {
	/* IKE header (3.1) */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* SPIi */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* SPIr: 0 */
	33,						/* Next Payload: SA */
	0x20,						/* Version 2.0 */
	34,			/* Exchange: IKE_SA_INIT */
	0x08,			/* Flags: Initiator */
	0x00, 0x00, 0x00, 0x00, /* Message ID 0 */
	0x00, 0x00, 0x00, 0xd4, /* Length 212 */
	/* SA payload (3.3) */
	34, 0x00, 0x00, 48, /* Next: KE, not critical, length 48 */
	/* Proposal (3.3.1) */
	0, 0, 0x00, 44, /* last proposal, length 44 */
	1, 1, 0, 4,	/* #1, protocol IKE, no SPI, 4 transforms */
	/* Transforms (3.3.2) */
	3, 0, 0x00, 12, 1, 0, 0x00, 20, /* ENCR AES-GCM-16 ... */
	0x80, 0x0e, 0x01, 0x00,		/* ... Key Length 256 (TV) */
	3, 0, 0x00, 8, 2, 0, 0x00, 5,	/* PRF HMAC-SHA2-256 */
	3, 0, 0x00, 8, 4, 0, 0x00, 19,	/* DH 19 (ecp256) */
	0, 0, 0x00, 8, 4, 0, 0x00, 14,	/* DH 14 (modp2048), last */
};

#define INIT_LEN 212

/* The whole request: the head above, then KE, Ni and N. */
static void
init_request(uint8_t *out)
{
	uint8_t *p = out;

	memcpy(p, init_head, sizeof(init_head));
	p += sizeof(init_head);
	/* KE (3.4): next Nonce, length 72, group 19, 64 bytes */
	memcpy(p, (const uint8_t[]){ 40, 0, 0, 72, 0, 19, 0, 0 }, 8);
	memset(p + 8, 0xaa, 64);
	p += 72;
	/* Nonce (3.9): next N, length 36 */
	memcpy(p, (const uint8_t[]){ 41, 0, 0, 36 }, 4);
	memset(p + 4, 0xbb, 32);
	p += 36;
	/* Notify (3.10): last, length 28, no protocol or SPI, 16388 */
	memcpy(p, (const uint8_t[]){ 0, 0, 0, 28, 0, 0, 0x40, 0x04 }, 8);
	memset(p + 8, 0xcc, 20);
	p += 28;
	assert_int_equal(p - out, INIT_LEN);
}

static void
test_ike_msg_parse_init_request(void **state)
{
	uint8_t buf[INIT_LEN];
	struct ike_msg m;
	struct ike_parse_err err;
	struct ike_sa_payload sa;
	struct ike_ke_payload ke;
	struct ike_notify_payload n;
	const uint8_t *nonce;
	size_t nlen;

	(void)state;
	init_request(buf);
	assert_int_equal(ike_msg_parse(buf, sizeof(buf), &m, &err), 0);
	assert_true(m.hdr.spi_i == 0x0102030405060708ull);
	assert_true(m.hdr.spi_r == 0);
	assert_int_equal(m.hdr.exchange, IKE_SA_INIT);
	assert_int_equal(m.hdr.flags, IKE_FLAG_INITIATOR);
	assert_int_equal(m.hdr.length, INIT_LEN);
	assert_int_equal(m.n_pl, 4);
	assert_int_equal(m.pl[0].type, IKE_PL_SA);
	assert_int_equal(m.pl[3].type, IKE_PL_NOTIFY);

	assert_int_equal(ike_sa_parse(&m.pl[0], &sa), 0);
	assert_int_equal(sa.n_proposals, 1);
	assert_int_equal(sa.proposals[0].protocol, IKE_PROTO_IKE);
	assert_int_equal(sa.proposals[0].n_transforms, 4);
	assert_int_equal(sa.proposals[0].transforms[0].id, 20);
	assert_int_equal(sa.proposals[0].transforms[0].keylen, 256);
	assert_int_equal(sa.proposals[0].transforms[3].type, 4);
	assert_int_equal(sa.proposals[0].transforms[3].id, 14);

	assert_int_equal(ike_ke_parse(ike_msg_find(&m, IKE_PL_KE), &ke), 0);
	assert_int_equal(ke.group, 19);
	assert_int_equal(ke.len, 64);
	assert_int_equal(
	    ike_nonce_parse(ike_msg_find(&m, IKE_PL_NONCE), &nonce, &nlen), 0);
	assert_int_equal(nlen, 32);
	assert_int_equal(nonce[31], 0xbb);
	assert_int_equal(ike_notify_parse(&m.pl[3], &n), 0);
	assert_int_equal(n.type, 16388);
	assert_int_equal(n.data_len, 20);
	assert_int_equal(ike_msg_check_rules(&m, &err), 0);
}

static void
test_ike_msg_build_matches_the_wire(void **state)
{
	uint8_t want[INIT_LEN], ke[64], nonce[32], nat[20];
	struct ike_header h = { .spi_i = 0x0102030405060708ull,
		.exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_INITIATOR };
	struct ike_sa_payload sa = { .n_proposals = 1 };
	struct ike_proposal *pr = &sa.proposals[0];
	struct ike_buf b;

	(void)state;
	init_request(want);
	memset(ke, 0xaa, sizeof(ke));
	memset(nonce, 0xbb, sizeof(nonce));
	memset(nat, 0xcc, sizeof(nat));
	pr->num = 1;
	pr->protocol = IKE_PROTO_IKE;
	pr->n_transforms = 4;
	pr->transforms[0] = (struct ike_transform){ 1, 20, 256 };
	pr->transforms[1] = (struct ike_transform){ 2, 5, 0 };
	pr->transforms[2] = (struct ike_transform){ 4, 19, 0 };
	pr->transforms[3] = (struct ike_transform){ 4, 14, 0 };
	ike_buf_init(&b);
	ike_msg_begin(&b, &h);
	ike_sa_add(&b, &sa);
	ike_ke_add(&b, 19, ke, sizeof(ke));
	ike_payload_add(&b, IKE_PL_NONCE, false, nonce, sizeof(nonce));
	ike_notify_add(&b, 0, 16388, NULL, 0, nat, sizeof(nat));
	assert_int_equal(ike_buf_finish(&b), 0);
	assert_int_equal(b.len, INIT_LEN);
	assert_memory_equal(b.data, want, INIT_LEN);
	ike_buf_free(&b);
}

/* Each malformed variant of the request, and what the parser says. */
static void
test_ike_msg_parse_refuses_malformed(void **state)
{
	uint8_t buf[INIT_LEN + 8];
	struct ike_msg m;
	struct ike_parse_err err;

	(void)state;
	init_request(buf);
	assert_true(ike_msg_parse(buf, 27, &m, &err) < 0);
	assert_int_equal(err.code, IKE_PARSE_SHORT);

	buf[17] = 0x10; /* IKEv1 */
	assert_true(ike_msg_parse(buf, INIT_LEN, &m, &err) < 0);
	assert_int_equal(err.code, IKE_PARSE_BAD_VERSION);
	buf[17] = 0x20;

	/* Header length larger than the datagram. */
	assert_true(ike_msg_parse(buf, INIT_LEN - 1, &m, &err) < 0);
	assert_int_equal(err.code, IKE_PARSE_SHORT);
	/* Datagram longer than the header says. */
	assert_true(ike_msg_parse(buf, INIT_LEN + 8, &m, &err) < 0);
	assert_int_equal(err.code, IKE_PARSE_TRAILING);

	/* A payload length below its header, and one past the end. */
	buf[28 + 3] = 3;
	assert_true(ike_msg_parse(buf, INIT_LEN, &m, &err) < 0);
	assert_int_equal(err.code, IKE_PARSE_BAD_LENGTH);
	assert_int_equal(err.payload, IKE_PL_SA);
	assert_int_equal(err.offset, 28);
	buf[28 + 2] = 0x10;
	assert_true(ike_msg_parse(buf, INIT_LEN, &m, &err) < 0);
	assert_int_equal(err.code, IKE_PARSE_SHORT);
	init_request(buf);

	/* The notify claims to be followed by an unknown critical payload:
	 * refused with its type (RFC 7296 2.5). */
	buf[INIT_LEN - 28] = 99;
	memcpy(buf + INIT_LEN, (const uint8_t[]){ 0, 0x80, 0, 8, 1, 2, 3, 4 },
	    8);
	buf[27] = INIT_LEN + 8;
	assert_true(ike_msg_parse(buf, INIT_LEN + 8, &m, &err) < 0);
	assert_int_equal(err.code, IKE_PARSE_CRITICAL);
	assert_int_equal(err.payload, 99);
	/* The same payload, not critical: kept and ignored by the rules. */
	buf[INIT_LEN + 1] = 0;
	assert_int_equal(ike_msg_parse(buf, INIT_LEN + 8, &m, &err), 0);
	assert_int_equal(m.n_pl, 5);
	assert_int_equal(ike_msg_check_rules(&m, &err), 0);
}

static void
test_ike_sa_parse_refuses_bad_substructures(void **state)
{
	uint8_t buf[INIT_LEN];
	struct ike_msg m;
	struct ike_sa_payload sa;

	(void)state;
	init_request(buf);
	/* The last transform marked "more follow". */
	buf[28 + 4 + 8 + 12 + 8 + 8] = 3;
	assert_int_equal(ike_msg_parse(buf, sizeof(buf), &m, NULL), 0);
	assert_int_equal(ike_sa_parse(&m.pl[0], &sa), -EBADMSG);
	init_request(buf);
	/* Five transforms announced, four present. */
	buf[28 + 4 + 7] = 5;
	assert_int_equal(ike_msg_parse(buf, sizeof(buf), &m, NULL), 0);
	assert_int_equal(ike_sa_parse(&m.pl[0], &sa), -EBADMSG);
	init_request(buf);
	/* A proposal marked "more follow" that is the last. */
	buf[28 + 4] = 2;
	assert_int_equal(ike_msg_parse(buf, sizeof(buf), &m, NULL), 0);
	assert_int_equal(ike_sa_parse(&m.pl[0], &sa), -EBADMSG);
}

static void
test_ike_ts_and_delete_round_trip(void **state)
{
	struct ike_header h = { .exchange = IKE_INFORMATIONAL };
	struct ike_ts_payload ts = { .n = 2 }, back;
	struct ike_delete_payload d;
	uint8_t spis[8] = { 0xc1, 0, 0, 1, 0xc1, 0, 0, 2 };
	struct ike_msg m;
	struct ike_buf b;

	(void)state;
	ts.ts[0] = ts4(0, 0, 65535, 0x0a140500, 0x0a1405ff);
	ts.ts[1] = ts4(17, 500, 500, 0xc0000201, 0xc0000201);
	ike_buf_init(&b);
	ike_msg_begin(&b, &h);
	ike_ts_add(&b, IKE_PL_TSI, &ts);
	ike_delete_add(&b, IKE_PROTO_ESP, 4, spis, 2);
	assert_int_equal(ike_buf_finish(&b), 0);
	assert_int_equal(ike_msg_parse(b.data, b.len, &m, NULL), 0);
	assert_int_equal(ike_ts_parse(&m.pl[0], &back), 0);
	assert_int_equal(back.n, 2);
	/* Field by field: the struct has padding. */
	assert_int_equal(back.ts[1].ip_proto, 17);
	assert_int_equal(back.ts[1].start_port, 500);
	assert_int_equal(back.ts[1].end_port, 500);
	assert_int_equal(ipaddr_to4(&back.ts[1].start), 0xc0000201);
	assert_int_equal(ipaddr_to4(&back.ts[1].end), 0xc0000201);
	assert_int_equal(ipaddr_to4(&back.ts[0].end), 0x0a1405ff);
	assert_int_equal(ike_delete_parse(&m.pl[1], &d), 0);
	assert_int_equal(d.n_spis, 2);
	assert_int_equal(d.spis[7], 2);
	/* A range that ends before it starts is refused. */
	b.data[IKE_HDR_LEN + 4 + 4 + 8] = 0xff; /* start address 255.20.5.0 */
	assert_int_equal(ike_msg_parse(b.data, b.len, &m, NULL), 0);
	assert_int_equal(ike_ts_parse(&m.pl[0], &back), -EBADMSG);
	ike_buf_free(&b);
}

/*
 * A tunnel has up to 32 networks a side (CONFIG_NETS_MAX) and a VLAN's
 * own: every one of them must fit a TS payload, ours or a peer's.  At 16
 * the 17th was dropped from our offers without a word and a peer's 17
 * were refused as malformed.
 */
static void
test_ike_ts_holds_every_network_of_a_tunnel(void **state)
{
	struct ike_header h = { .exchange = IKE_CREATE_CHILD_SA };
	struct ike_ts_payload ts = { .n = 33 }, back;
	struct ike_msg m;
	struct ike_buf b;

	(void)state;
	for (size_t i = 0; i < ts.n; i++)
		ts.ts[i] = ts4(0, 0, 65535, 0x0a000000u + ((uint32_t)i << 8),
		    0x0a0000ffu + ((uint32_t)i << 8));
	ike_buf_init(&b);
	ike_msg_begin(&b, &h);
	ike_ts_add(&b, IKE_PL_TSI, &ts);
	assert_int_equal(ike_buf_finish(&b), 0);
	assert_int_equal(ike_msg_parse(b.data, b.len, &m, NULL), 0);
	assert_int_equal(ike_ts_parse(&m.pl[0], &back), 0);
	assert_int_equal(back.n, 33);
	assert_int_equal(ipaddr_to4(&back.ts[32].start), 0x0a002000);
	ike_buf_free(&b);
}

/*
 * RFC 7296 3.13.1 TS_IPV6_ADDR_RANGE: type 8, length 40, 16-byte
 * addresses; beside an IPv4 range in one payload (a CHILD SA carrying
 * both families), each read back as its family, and a wrong length or a
 * reversed range refused.
 */
static void
test_ike_ts_ipv6_round_trip(void **state)
{
	static const uint8_t want[] = { 8, 0, 0, 40, 0, 0, 0xff, 0xff, 0x20,
		0x01, 0x0d, 0xb8, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20,
		0x01, 0x0d, 0xb8, 0, 0x20, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff };
	struct ike_header h = { .exchange = IKE_CREATE_CHILD_SA };
	struct ike_ts_payload ts = { .n = 2 }, back;
	struct ike_msg m;
	struct ike_buf b;
	char buf[IPADDR_STRLEN];

	(void)state;
	ts.ts[0] = ts6(0, 0, 65535,
	    "2001:db8:20::", "2001:db8:20:0:ffff:ffff:ffff:ffff");
	ts.ts[1] = ts4(0, 0, 65535, 0x0a140500, 0x0a1405ff);
	ike_buf_init(&b);
	ike_msg_begin(&b, &h);
	ike_ts_add(&b, IKE_PL_TSI, &ts);
	assert_int_equal(ike_buf_finish(&b), 0);
	/* Header, payload header, TS count and reserved, then ours. */
	assert_memory_equal(b.data + IKE_HDR_LEN + 4 + 4, want, sizeof(want));
	assert_int_equal(ike_msg_parse(b.data, b.len, &m, NULL), 0);
	assert_int_equal(ike_ts_parse(&m.pl[0], &back), 0);
	assert_int_equal(back.n, 2);
	assert_int_equal(back.ts[0].start.family, AF_INET6);
	ipaddr_format(&back.ts[0].end, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:20:0:ffff:ffff:ffff:ffff");
	assert_int_equal(back.ts[1].start.family, AF_INET);
	/* An end below the start. */
	b.data[IKE_HDR_LEN + 4 + 4 + 8] = 0xff;
	assert_int_equal(ike_msg_parse(b.data, b.len, &m, NULL), 0);
	assert_int_equal(ike_ts_parse(&m.pl[0], &back), -EBADMSG);
	/* An IPv6 range claiming an IPv4 range's length. */
	b.data[IKE_HDR_LEN + 4 + 4 + 8] = 0x20;
	b.data[IKE_HDR_LEN + 4 + 4 + 3] = 16;
	assert_int_equal(ike_msg_parse(b.data, b.len, &m, NULL), 0);
	assert_int_equal(ike_ts_parse(&m.pl[0], &back), -EBADMSG);
	ike_buf_free(&b);
}

static void
test_ike_rules_per_exchange(void **state)
{
	uint8_t buf[INIT_LEN];
	struct ike_header h = { .exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_RESPONSE };
	struct ike_parse_err err;
	struct ike_msg m;
	struct ike_buf b;
	uint8_t grp[2] = { 0, 19 };

	(void)state;
	/* A request without KE: the missing payload is named. */
	init_request(buf);
	assert_int_equal(ike_msg_parse(buf, sizeof(buf), &m, NULL), 0);
	m.pl[1].type = IKE_PL_VENDOR;
	assert_int_equal(ike_msg_check_rules(&m, &err), -EBADMSG);
	assert_int_equal(err.code, IKE_PARSE_RULES);
	assert_int_equal(err.payload, IKE_PL_KE);
	/* Two SA payloads. */
	m.pl[1].type = IKE_PL_SA;
	assert_int_equal(ike_msg_check_rules(&m, &err), -EBADMSG);
	assert_int_equal(err.payload, IKE_PL_SA);
	/* AUTH has no place in IKE_SA_INIT. */
	m.pl[1].type = IKE_PL_AUTH;
	assert_int_equal(ike_msg_check_rules(&m, &err), -EBADMSG);
	assert_int_equal(err.payload, IKE_PL_AUTH);

	/* A response of one error notify (INVALID_KE_PAYLOAD) is whole. */
	ike_buf_init(&b);
	ike_msg_begin(&b, &h);
	ike_notify_add(&b, 0, 17, NULL, 0, grp, sizeof(grp));
	assert_int_equal(ike_buf_finish(&b), 0);
	assert_int_equal(ike_msg_parse(b.data, b.len, &m, NULL), 0);
	assert_int_equal(ike_msg_check_rules(&m, &err), 0);

	/* IKE_AUTH must travel inside SK. */
	h.exchange = IKE_AUTH;
	ike_msg_begin(&b, &h);
	ike_notify_add(&b, 0, 24, NULL, 0, NULL, 0);
	assert_int_equal(ike_buf_finish(&b), 0);
	assert_int_equal(ike_msg_parse(b.data, b.len, &m, NULL), 0);
	assert_int_equal(ike_msg_check_rules(&m, &err), -EBADMSG);

	/* An SK payload is the last of the outer chain. */
	h.exchange = IKE_INFORMATIONAL;
	ike_msg_begin(&b, &h);
	ike_payload_add(&b, IKE_PL_SK, false, "ciphertext", 10);
	ike_payload_add(&b, IKE_PL_NOTIFY, false, "\0\0\0\x18", 4);
	assert_int_equal(ike_buf_finish(&b), 0);
	assert_true(ike_msg_parse(b.data, b.len, &m, &err) < 0);
	assert_int_equal(err.code, IKE_PARSE_SK_NOT_LAST);
	ike_buf_free(&b);
}

/*
 * RFC 7383 2.5: an IKE_AUTH request's fragment 2 of 3.  The header names
 * SKF (53) first; SKF's own Next Payload is 0 in every fragment but the
 * first; the fragment fields follow the generic header; the rest (IV,
 * ciphertext, ICV) is an SK body, 8 bytes of it here.
 */
static const uint8_t skf_fragment[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* SPIi */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, /* SPIr */
	53,			/* Next Payload: Encrypted Fragment (SKF) */
	0x20,			/* Version 2.0 */
	35,			/* Exchange: IKE_AUTH */
	0x08,			/* Flags: Initiator */
	0x00, 0x00, 0x00, 0x01, /* Message ID 1, as the whole message's */
	0x00, 0x00, 0x00, 0x2c, /* Length 44 */
	/* SKF (2.5) */
	0,	    /* Next Payload: 0 (not the first fragment) */
	0x00,	    /* not critical */
	0x00, 0x10, /* Payload Length 16 */
	0x00, 0x02, /* Fragment Number 2 */
	0x00, 0x03, /* Total Fragments 3 */
	0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb, /* IV | ... | ICV */
};

static void
test_ike_skf_parse_and_build(void **state)
{
	struct ike_msg m;
	struct ike_parse_err err;
	struct ike_skf_payload f;
	struct ike_payload bad;
	struct ike_buf b;
	uint8_t body[2];
	size_t at;
	struct ike_header h = { .spi_i = 0x0102030405060708ull,
		.spi_r = 0x1112131415161718ull,
		.exchange = IKE_AUTH,
		.flags = IKE_FLAG_INITIATOR,
		.message_id = 1 };

	(void)state;
	assert_int_equal(
	    ike_msg_parse(skf_fragment, sizeof(skf_fragment), &m, &err), 0);
	assert_int_equal(m.n_pl, 1);
	assert_int_equal(m.pl[0].type, IKE_PL_SKF);
	assert_int_equal(m.sk_next, 0);
	assert_int_equal(ike_skf_parse(&m.pl[0], &f), 0);
	assert_int_equal(f.number, 2);
	assert_int_equal(f.total, 3);
	assert_int_equal(f.len, 8);
	assert_ptr_equal(f.body, skf_fragment + 36);

	/* Built back, byte for byte: the associated data ends at 36. */
	ike_buf_init(&b);
	ike_msg_begin(&b, &h);
	at = ike_skf_open(&b, IKE_PL_NONE, 2, 3, 8);
	assert_int_equal(at, 36);
	memcpy(b.data + at, skf_fragment + 36, 8);
	assert_int_equal(ike_buf_finish(&b), 0);
	assert_int_equal(b.len, sizeof(skf_fragment));
	assert_memory_equal(b.data, skf_fragment, sizeof(skf_fragment));
	ike_buf_free(&b);

	/* Fragment 0, a number above the total, a zero total, and a body
	 * too short for the two fields are refused. */
	bad = m.pl[0];
	bad.body = body;
	bad.len = 2;
	assert_int_equal(ike_skf_parse(&bad, &f), -EBADMSG);
	{
		static const uint8_t fields[][4] = { { 0, 0, 0, 3 },
			{ 0, 4, 0, 3 }, { 0, 1, 0, 0 } };

		for (size_t i = 0; i < 3; i++) {
			bad.body = fields[i];
			bad.len = 4;
			assert_int_equal(ike_skf_parse(&bad, &f), -EBADMSG);
		}
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ike_msg_parse_init_request),
	cmocka_unit_test(test_ike_msg_build_matches_the_wire),
	cmocka_unit_test(test_ike_msg_parse_refuses_malformed),
	cmocka_unit_test(test_ike_sa_parse_refuses_bad_substructures),
	cmocka_unit_test(test_ike_ts_and_delete_round_trip),
	cmocka_unit_test(test_ike_ts_holds_every_network_of_a_tunnel),
	cmocka_unit_test(test_ike_ts_ipv6_round_trip),
	cmocka_unit_test(test_ike_rules_per_exchange),
	cmocka_unit_test(test_ike_skf_parse_and_build),
};

TUNSH_TEST_MAIN(tests)
