/*
 * tests/unit/test_ike_exchange.c: two IKE engines, A (192.0.2.1) and B
 * (192.0.2.2), over the in-memory network of ike_lab.c, one datagram at
 * a time on a fake clock, the way strongSwan's exchange tests run.  Each
 * test says in RFC 7296 notation what crosses the wire, and checks what a
 * user would see: tunnel state, the error in words, the kernel's SAs.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "ike_lab.h"
#include "test.h"

/* Suites: IANA ids (ENCR 12 AES-CBC, 20 AES-GCM-16, 28 ChaCha20-Poly1305;
 * PRF 2 SHA1, 5/6/7 SHA2; INTEG 2 SHA1-96, 12/13/14 SHA2; DH 14-16 MODP,
 * 19-21 ECP, 31 Curve25519). */
static const struct lab_suite gcm_x25519 __attribute__((
    unused)) = { "aes256gcm16-prfsha256-x25519", 20, 256, 5, 0, 31 };
static const struct lab_suite cbc_modp2048
    __attribute__((unused)) = { "aes256-sha256-modp2048", 12, 256, 5, 12, 14 };
static const struct lab_suite suites[] = {
	{ "aes256gcm16-prfsha256-x25519", 20, 256, 5, 0, 31 },
	{ "aes128gcm16-prfsha384-ecp256", 20, 128, 6, 0, 19 },
	{ "chacha20poly1305-prfsha512-ecp384", 28, 0, 7, 0, 20 },
	{ "aes256gcm16-prfsha256-ecp521", 20, 256, 5, 0, 21 },
	{ "aes256-sha256-modp2048", 12, 256, 5, 12, 14 },
	{ "aes128-sha1-modp3072", 12, 128, 2, 2, 15 },
	{ "aes256-sha384-modp4096", 12, 256, 6, 13, 16 },
	{ "aes256-sha512-x25519", 12, 256, 7, 14, 31 },
};

struct fix {
	struct lab l;
	struct secbuf *psk, *psk_b;
	struct lab_tunnel ta, tb;
};

static struct fix *
fix_new(const struct lab_suite *s, const struct ike_engine_params *pa,
    const struct ike_engine_params *pb)
{
	struct fix *f = calloc(1, sizeof(*f));

	lab_init(&f->l, pa, pb);
	f->psk = secbuf_from_str("lab-secret-1");
	f->psk_b = secbuf_dup(f->psk);
	lab_conf(&f->ta, "to-b", LAB_ADDR_A, LAB_ADDR_B, "10.1.0.0/24",
	    "10.2.0.0/24", s, f->psk);
	lab_conf(&f->tb, "to-a", LAB_ADDR_B, LAB_ADDR_A, "10.2.0.0/24",
	    "10.1.0.0/24", s, f->psk_b);
	f->tb.c.initiator = false;
	return f;
}

static void
fix_free(struct fix *f)
{
	struct ike_counters ca, cb;

	/* Every test: no state change either engine's tables refused. */
	ike_engine_counters(f->l.a.e, &ca);
	ike_engine_counters(f->l.b.e, &cb);
	assert_int_equal(ca.state_refused, 0);
	assert_int_equal(cb.state_refused, 0);
	lab_free(&f->l);
	secbuf_free(f->psk);
	secbuf_free(f->psk_b);
	free(f);
}

static void
add_both(struct fix *f)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, &d), 0);
	diag_clear(&d);
}

static enum ike_tunnel_state
state(struct lab_peer *p, const char *name)
{
	struct ike_tunnel_status st;

	assert_int_equal(ike_tunnel_status(p->e, name, &st), 0);
	return st.state;
}

static struct ike_tunnel_status
status(struct lab_peer *p, const char *name)
{
	struct ike_tunnel_status st;

	assert_int_equal(ike_tunnel_status(p->e, name, &st), 0);
	return st;
}

struct spis {
	size_t n;
	uint32_t in[8], out[8];
	uint64_t spi_i[8], spi_r[8];
	size_t n_ike;
};

static void
child_cb(void *arg, const struct ike_child_status *s)
{
	struct spis *x = arg;

	if (x->n < 8) {
		x->in[x->n] = s->spi_in;
		x->out[x->n] = s->spi_out;
	}
	x->n++;
}

static void
ike_cb(void *arg, const struct ike_sa_status *s)
{
	struct spis *x = arg;

	if (x->n_ike < 8) {
		x->spi_i[x->n_ike] = s->spi_i;
		x->spi_r[x->n_ike] = s->spi_r;
	}
	x->n_ike++;
}

static struct spis
spis_of(struct lab_peer *p)
{
	struct spis x = { 0 };

	ike_child_each(p->e, NULL, child_cb, &x);
	ike_sa_each(p->e, NULL, ike_cb, &x);
	return x;
}

/* Both up, one IKE SA and one CHILD SA each, with matching keys. */
static void
assert_up_and_agreeing(struct fix *f)
{
	struct spis a = spis_of(&f->l.a), b = spis_of(&f->l.b);

	assert_int_equal(state(&f->l.a, "to-b"), IKE_TUNNEL_UP);
	assert_int_equal(state(&f->l.b, "to-a"), IKE_TUNNEL_UP);
	assert_int_equal(a.n_ike, 1);
	assert_int_equal(b.n_ike, 1);
	assert_true(a.spi_i[0] == b.spi_i[0] && a.spi_r[0] == b.spi_r[0]);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(a.in[0], b.out[0]);
	assert_int_equal(a.out[0], b.in[0]);
	assert_int_equal(lab_sa_count(&f->l.a.k), 2);
	assert_int_equal(lab_sa_count(&f->l.b.k), 2);
	assert_true(lab_keys_agree(&f->l.a.k, &f->l.b.k, a.in[0]));
	assert_true(lab_keys_agree(&f->l.a.k, &f->l.b.k, a.out[0]));
}

/*
 * A tunnel's events and errors (tunnel_log.c, stored to their length):
 * the newest IKE_HISTORY_EVENTS kept newest first, every one counted,
 * texts cut where struct ike_tunnel_status cuts them, and an idle tunnel
 * with none at all.
 */
static void
test_ike_tunnel_log_keeps_the_newest_events(void **state_)
{
	struct fix *f = fix_new(&suites[0], NULL, NULL);
	struct ike_tunnel_status st;
	struct ike_tunnel *t;
	char longer[300];
	struct diag d;

	(void)state_;
	diag_init(&d);
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, &d), 0);
	diag_clear(&d);
	t = tunnel_by_name(f->l.b.e, "to-a");
	assert_non_null(t);
	st = status(&f->l.b, "to-a");
	assert_int_equal(st.n_events, 0);
	assert_string_equal(st.last_error, "");
	assert_null(t->log); /* idle: nothing allocated */
	for (int i = 0; i < IKE_HISTORY_EVENTS + 2; i++)
		tunnel_event(f->l.b.e, t, IKE_EV_ACQUIRE, "event %d", i);
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	tunnel_error(f->l.b.e, t, IKE_EV_NO_PROPOSAL, "%s", longer);
	st = status(&f->l.b, "to-a");
	assert_int_equal(st.n_events, IKE_HISTORY_EVENTS);
	assert_int_equal(st.events[0].ev, IKE_EV_NO_PROPOSAL);
	assert_int_equal(strlen(st.events[0].text),
	    sizeof(st.events[0].text) - 1);
	assert_string_equal(st.events[1].text, "event 9");
	assert_string_equal(st.events[IKE_HISTORY_EVENTS - 1].text, "event 3");
	assert_int_equal(st.event_counts[IKE_EV_ACQUIRE],
	    IKE_HISTORY_EVENTS + 2);
	assert_int_equal(st.event_counts[IKE_EV_NO_PROPOSAL], 1);
	assert_int_equal(strlen(st.last_error), sizeof(st.last_error) - 1);
	tunnel_error_clear(t);
	assert_string_equal(status(&f->l.b, "to-a").last_error, "");
	fix_free(f); /* ASan: the texts go with the tunnel */
}

/*
 * A -> B  HDR, SAi1, KEi, Ni, N(NAT_DETECTION_*)
 * B -> A  HDR, SAr1, KEr, Nr, N(NAT_DETECTION_*)
 * A -> B  HDR, SK {IDi, N(INITIAL_CONTACT), AUTH, SAi2, TSi, TSr}
 * B -> A  HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
 * for every suite and group; the ESP keys of both ends agree.
 */
static void
test_ike_establish_every_suite(void **state_)
{
	(void)state_;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct fix *f = fix_new(&suites[i], NULL, NULL);

		add_both(f);
		assert_int_equal(lab_run(&f->l, 100), 4);
		assert_up_and_agreeing(f);
		assert_string_equal(
		    lab_sa_find(&f->l.a.k, spis_of(&f->l.a).in[0])->enc_alg,
		    suites[i].encr == 20     ? "rfc4106(gcm(aes))" :
			suites[i].encr == 28 ? "rfc7539esp(chacha20,poly1305)" :
					       "cbc(aes)");
		fix_free(f);
	}
}

static void
child_first(void *arg, const struct ike_child_status *s)
{
	*(struct ike_child_status *)arg = *s;
}

static void
sa_first(void *arg, const struct ike_sa_status *s)
{
	*(struct ike_sa_status *)arg = *s;
}

static void
assert_nets(const struct ipaddr *nets, size_t n, const char *want)
{
	char buf[256] = "", one[IPADDR_STRLEN];

	for (size_t i = 0; i < n; i++) {
		ipaddr_format_prefix(&nets[i], one, sizeof(one));
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    i ? ", " : "", one);
	}
	assert_string_equal(buf, want);
}

/*
 * IKE over IPv6 (RFC 7296 over UDP/IPv6 sockets): the exchange of
 * test_ike_establish_every_suite with IPv6 outer addresses, IDs of type
 * ID_IPV6_ADDR (matched by the responder), no NAT found by hashes over
 * the 16-byte addresses, and a CHILD SA carrying IPv4 and IPv6 networks
 * at once (TS_IPV4_ADDR_RANGE and TS_IPV6_ADDR_RANGE in one payload).
 * Then IPv6 networks over IPv4 outer addresses (6-in-4).
 */
static void
test_ike_over_ipv6_carries_both_families(void **state_)
{
	struct fix *f = fix_new(&suites[0], NULL, NULL);
	struct ike_child_status c = { 0 };
	struct ike_sa_status sa = { 0 };
	char buf[IPADDR_STRLEN];

	(void)state_;
	lab_conf_at(&f->ta, "to-b", LAB_ADDR6_A, LAB_ADDR6_B,
	    "10.1.0.0/24 2001:db8:1::/64", "10.2.0.0/24 2001:db8:2::/64",
	    &suites[0], f->psk);
	lab_conf_at(&f->tb, "to-a", LAB_ADDR6_B, LAB_ADDR6_A,
	    "10.2.0.0/24 2001:db8:2::/64", "10.1.0.0/24 2001:db8:1::/64",
	    &suites[0], f->psk_b);
	f->tb.c.initiator = false;
	add_both(f);
	assert_int_equal(lab_run(&f->l, 100), 4);
	assert_up_and_agreeing(f);
	ike_sa_each(f->l.b.e, "to-a", sa_first, &sa);
	ipaddr_format(&sa.remote.addr, buf, sizeof(buf));
	assert_string_equal(buf, LAB_ADDR6_A);
	ike_child_each(f->l.a.e, "to-b", child_first, &c);
	assert_int_equal(c.natt, false);
	assert_nets(c.local_nets, c.n_local_nets,
	    "10.1.0.0/24, 2001:db8:1::/64");
	assert_nets(c.remote_nets, c.n_remote_nets,
	    "10.2.0.0/24, 2001:db8:2::/64");
	fix_free(f);

	/* 6-in-4: IPv6 networks only, IPv4 outside. */
	f = fix_new(&suites[0], NULL, NULL);
	lab_conf(&f->ta, "to-b", LAB_ADDR_A, LAB_ADDR_B, "2001:db8:1::/64",
	    "2001:db8:2::/64", &suites[0], f->psk);
	lab_conf(&f->tb, "to-a", LAB_ADDR_B, LAB_ADDR_A, "2001:db8:2::/64",
	    "2001:db8:1::/64", &suites[0], f->psk_b);
	f->tb.c.initiator = false;
	add_both(f);
	assert_int_equal(lab_run(&f->l, 100), 4);
	assert_up_and_agreeing(f);
	ike_child_each(f->l.b.e, "to-a", child_first, &c);
	assert_nets(c.local_nets, c.n_local_nets, "2001:db8:2::/64");
	ipaddr_format_prefix(&c.remote_ts, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:1::/64");
	fix_free(f);
}

/*
 * The peer's IPv6 ID must be the configured one: an IPv6 peer that
 * claims another IPv6 address as its ID is refused (RFC 7296 2.15), and
 * a remote-id given as IPv6 text is sent and matched as ID_IPV6_ADDR.
 */
static void
test_ike_ipv6_identities(void **state_)
{
	struct fix *f = fix_new(&suites[0], NULL, NULL);

	(void)state_;
	lab_conf_at(&f->ta, "to-b", LAB_ADDR6_A, LAB_ADDR6_B, "10.1.0.0/24",
	    "10.2.0.0/24", &suites[0], f->psk);
	lab_conf_at(&f->tb, "to-a", LAB_ADDR6_B, LAB_ADDR6_A, "10.2.0.0/24",
	    "10.1.0.0/24", &suites[0], f->psk_b);
	f->tb.c.initiator = false;
	f->ta.c.local_id = "2001:db8::99";
	add_both(f);
	lab_run(&f->l, 100);
	assert_int_not_equal(state(&f->l.b, "to-a"), IKE_TUNNEL_UP);
	fix_free(f);

	f = fix_new(&suites[0], NULL, NULL);
	lab_conf_at(&f->ta, "to-b", LAB_ADDR6_A, LAB_ADDR6_B, "10.1.0.0/24",
	    "10.2.0.0/24", &suites[0], f->psk);
	lab_conf_at(&f->tb, "to-a", LAB_ADDR6_B, LAB_ADDR6_A, "10.2.0.0/24",
	    "10.1.0.0/24", &suites[0], f->psk_b);
	f->tb.c.initiator = false;
	f->ta.c.local_id = "2001:db8::99";
	f->tb.c.remote_id = "2001:0db8:0::99"; /* the same address */
	add_both(f);
	assert_int_equal(lab_run(&f->l, 100), 4);
	assert_up_and_agreeing(f);
	fix_free(f);
}

static bool
has_event(struct lab_peer *p, const char *name, enum ike_event ev)
{
	return status(p, name).event_counts[ev] > 0;
}

static void
assert_error_contains(struct lab_peer *p, const char *name, const char *text)
{
	struct ike_tunnel_status st = status(p, name);

	if (strstr(st.last_error, text) == NULL)
		fail_msg("tunnel %s: last error \"%s\" lacks \"%s\"", name,
		    st.last_error, text);
}

/*
 * A -> B  HDR, SK {IDi, AUTH, SAi2, TSi, TSr}   (AUTH with the wrong key)
 * B -> A  HDR, SK {N(AUTHENTICATION_FAILED)}
 * Both ends say why in words; nothing reaches the kernel.  Then the same
 * with B initiating.
 */
static void
test_ike_psk_mismatch_is_named_both_ways(void **state_)
{
	(void)state_;
	for (int dir = 0; dir < 2; dir++) {
		struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

		secbuf_free(f->psk_b);
		f->psk_b = secbuf_from_str("not-the-same-key");
		f->tb.c.psk = f->psk_b;
		if (dir == 1) {
			f->ta.c.initiator = false;
			f->tb.c.initiator = true;
		}
		add_both(f);
		lab_run(&f->l, 100);
		assert_error_contains(&f->l.a, "to-b",
		    "authentication failed: the pre-shared keys (or IDs) do "
		    "not match");
		assert_error_contains(&f->l.b, "to-a",
		    "authentication failed: the pre-shared keys (or IDs) do "
		    "not match");
		assert_int_equal(lab_sa_count(&f->l.a.k), 0);
		assert_int_equal(lab_sa_count(&f->l.b.k), 0);
		/* the SPIs reserved for the CHILD SA were given back */
		assert_int_equal(f->l.a.k.n_larval, 0);
		assert_int_equal(f->l.b.k.n_larval, 0);
		assert_int_not_equal(state(&f->l.a, "to-b"), IKE_TUNNEL_UP);
		fix_free(f);
	}
}

/* B takes only AES-CBC: A's GCM offer gets NO_PROPOSAL_CHOSEN, and B
 * lists both sides' offers. */
static void
test_ike_no_proposal_lists_both_offers(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

	(void)state_;
	lab_conf(&f->tb, "to-a", LAB_ADDR_B, LAB_ADDR_A, "10.2.0.0/24",
	    "10.1.0.0/24", &cbc_modp2048, f->psk_b);
	f->tb.c.initiator = false;
	add_both(f);
	lab_run(&f->l, 100);
	assert_error_contains(&f->l.a, "to-b", "no common IKE proposal");
	assert_error_contains(&f->l.b, "to-a",
	    "the peer offered AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519");
	assert_error_contains(&f->l.b, "to-a",
	    "we accept AES_CBC_256/PRF_HMAC_SHA2_256/HMAC_SHA2_256_128/"
	    "MODP_2048");
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_NO_PROPOSAL));
	fix_free(f);
}

/* An offer of 16 networks or more a side, refused: libreswan refuses
 * any TS payload that large, so A names that as a likely cause. */
static void
test_ike_ts_unacceptable_names_a_large_offer(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

	(void)state_;
	for (size_t i = 0; i < 16; i++) {
		char net[32];

		snprintf(net, sizeof(net), "10.2.%zu.0/24", 100 + i);
		ipaddr_parse_prefix(net, &f->ta.rn[i]);
	}
	f->ta.c.n_remote = 16;
	ipaddr_parse_prefix("10.9.0.0/24", &f->tb.rn[0]);
	add_both(f);
	lab_run(&f->l, 100);
	assert_error_contains(&f->l.a, "to-b",
	    "we offered 16 or more on one side, which libreswan refuses");
	fix_free(f);
}

/* B protects other networks: the IKE SA comes up, the CHILD SA is
 * refused with TS_UNACCEPTABLE, and A says to check the networks. */
static void
test_ike_ts_unacceptable_is_named(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

	(void)state_;
	ipaddr_parse_prefix("10.9.0.0/24", &f->tb.rn[0]);
	add_both(f);
	lab_run(&f->l, 100);
	assert_error_contains(&f->l.a, "to-b",
	    "the peer refused our networks: check local and remote networks "
	    "on both ends");
	assert_error_contains(&f->l.b, "to-a",
	    "check local and remote networks on both ends");
	assert_int_equal(lab_sa_count(&f->l.a.k), 0);
	assert_int_equal(lab_sa_count(&f->l.b.k), 0);
	assert_int_equal(f->l.a.k.n_larval, 0);
	assert_int_equal(f->l.b.k.n_larval, 0);
	/* A tries again with backoff (1, 2, 4 s), not every second. */
	lab_advance(&f->l, 10000);
	assert_in_range(
	    status(&f->l.a, "to-b").event_counts[IKE_EV_TS_UNACCEPTABLE], 3, 5);
	fix_free(f);
}

/* RFC 7296 2.9: A offers 10.1.0.0/16, B takes only 10.1.1.0/24 of it;
 * the CHILD SA carries the narrowed selector on both ends. */
static void
test_ike_ts_narrowed_by_responder(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct ike_child_status got;
	char buf[32];

	(void)state_;
	ipaddr_parse_prefix("10.1.0.0/16", &f->ta.ln[0]);
	ipaddr_parse_prefix("10.1.1.0/24", &f->tb.rn[0]);
	add_both(f);
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
	memset(&got, 0, sizeof(got));
	ike_child_each(f->l.a.e, "to-b", child_first, &got);
	ipaddr_format_prefix(&got.local_ts, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.1.0/24");
	fix_free(f);
}

/* A tunnel with two local networks: one CHILD SA with two selectors on
 * that side, and the status (show ipsec sa) lists both. */
static void
test_ike_child_with_two_networks_shows_both(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct ike_child_status got;
	char buf[32];

	(void)state_;
	ipaddr_parse_prefix("10.3.0.0/24", &f->ta.ln[1]);
	f->ta.c.n_local = 2;
	ipaddr_parse_prefix("10.3.0.0/24", &f->tb.rn[1]);
	f->tb.c.n_remote = 2;
	add_both(f);
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
	memset(&got, 0, sizeof(got));
	ike_child_each(f->l.a.e, "to-b", child_first, &got);
	assert_int_equal(got.n_local_nets, 2);
	assert_int_equal(got.n_remote_nets, 1);
	ipaddr_format_prefix(&got.local_nets[1], buf, sizeof(buf));
	assert_string_equal(buf, "10.3.0.0/24");
	fix_free(f);
}

/*
 * A's KE is for Curve25519, but B takes only MODP-2048 (A offers both):
 * A -> B  HDR, SAi1(31, 14), KEi(31), Ni
 * B -> A  HDR, N(INVALID_KE_PAYLOAD, 14)
 * A -> B  HDR, SAi1(14, 31), KEi(14), Ni
 * B -> A  HDR, SAr1(14), KEr(14), Nr ...
 * A remembers: restarted, it starts with group 14 (4 messages, no second
 * INVALID_KE).
 */
static void
test_ike_invalid_ke_retries_with_the_group_asked(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct diag d;

	(void)state_;
	diag_init(&d);
	f->ta.ike[0].n_dh = 2;
	f->ta.ike[0].dh[1] = 14;
	f->tb.ike[0].dh[0] = 14;
	add_both(f);
	assert_int_equal(lab_run(&f->l, 100), 6);
	assert_up_and_agreeing(f);
	assert_int_equal(
	    status(&f->l.a, "to-b").event_counts[IKE_EV_INVALID_KE], 1);
	assert_int_equal(ike_tunnel_terminate(f->l.a.e, "to-b", true, &d), 0);
	/* the Delete and its answer, then 4: no INVALID_KE */
	assert_int_equal(lab_run(&f->l, 100), 6);
	assert_up_and_agreeing(f);
	assert_int_equal(
	    status(&f->l.a, "to-b").event_counts[IKE_EV_INVALID_KE], 1);
	diag_clear(&d);
	fix_free(f);
}

/*
 * B demands cookies once one SA is half-open (threshold 1).  A's first
 * tunnel (from 192.0.2.3) loses B's answer and stays half-open on B;
 * the second gets
 * B -> A  HDR, N(COOKIE)
 * A -> B  HDR, N(COOKIE), SAi1, KEi, Ni  ... and comes up.
 */
static void
test_ike_cookie_demanded_and_echoed(void **state_)
{
	struct ike_engine_params pb = { .cookie_threshold = 1 };
	struct fix *f = fix_new(&gcm_x25519, NULL, &pb);
	struct lab_tunnel a2, b2;
	struct ike_counters c;
	struct diag d;

	(void)state_;
	diag_init(&d);
	lab_conf(&a2, "to-b-2", LAB_ADDR_A2, LAB_ADDR_B, "10.3.0.0/24",
	    "10.2.0.0/24", &gcm_x25519, f->psk);
	lab_conf(&b2, "to-a-2", LAB_ADDR_B, LAB_ADDR_A2, "10.2.0.0/24",
	    "10.3.0.0/24", &gcm_x25519, f->psk_b);
	b2.c.initiator = false;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &b2.c, &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &a2.c, &d), 0);
	lab_run(&f->l, 1); /* the request reaches B ... */
	lab_flush(&f->l);  /* ... whose answer is lost */
	add_both(f);
	lab_run(&f->l, 100);
	assert_int_equal(state(&f->l.a, "to-b"), IKE_TUNNEL_UP);
	ike_engine_counters(f->l.b.e, &c);
	assert_int_equal(c.cookies_sent, 1);
	diag_clear(&d);
	fix_free(f);
}

/*
 * A flooder: IKE_SA_INIT requests with fresh SPIs from addresses B has
 * tunnels to (only those get state), answering B's N(COOKIE) at once
 * with the request again and the cookie (RFC 7296 2.6), the way a
 * flooder that receives at its address does.  Its KE is one real
 * Curve25519 value, so B does all the work of a real request.
 */
struct flood {
	struct lab *l;
	uint8_t ke[32];
	uint64_t next_spi;
	size_t answered; /* B's SA answers: half-open SAs made */
	size_t cookies;	 /* cookies B demanded and got back */
};

static void
flood_send(struct flood *fl, uint32_t addr, uint64_t spi, const uint8_t *cookie,
    size_t cookie_len)
{
	struct ike_endpoint local = lab_ep(LAB_ADDR_B, 500),
			    remote = lab_ep(addr, 500);
	struct ike_buf b;

	assert_int_equal(lab_flood_request(&b, spi, fl->ke, cookie, cookie_len),
	    0);
	ike_engine_input(fl->l->b.e, &local, &remote, b.data, b.len);
	ike_buf_free(&b);
}

static void
flood_stray(struct lab *l, const struct lab_pkt *k, void *arg)
{
	struct flood *fl = arg;
	struct ike_parse_err err;
	struct ike_notify_payload n;
	struct ike_msg m;
	uint8_t buf[IKE_MSG_MAX];

	(void)l;
	memcpy(buf, k->data, k->len);
	if (ike_msg_parse(buf, k->len, &m, &err) < 0 ||
	    m.hdr.exchange != IKE_SA_INIT)
		return;
	if (msg_has_notify(&m, N_COOKIE, &n)) {
		fl->cookies++;
		flood_send(fl, ipaddr_to4(&k->dst.addr), m.hdr.spi_i, n.data,
		    n.data_len);
	} else if (ike_msg_find(&m, IKE_PL_SA) != NULL) {
		fl->answered++;
	}
}

static void
flood_init(struct flood *fl, struct lab *l)
{
	struct ike_dh *dh = ike_dh_new(31);
	size_t len = sizeof(fl->ke);

	memset(fl, 0, sizeof(*fl));
	fl->l = l;
	fl->next_spi = 0xf100d00000000001ull;
	assert_non_null(dh);
	assert_int_equal(ike_dh_public(dh, fl->ke, &len), 0);
	ike_dh_free(dh);
	l->stray = flood_stray;
	l->stray_arg = fl;
}

/* n requests from addr, each answered through to its end. */
static void
flood(struct flood *fl, uint32_t addr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		flood_send(fl, addr, fl->next_spi++, NULL, 0);
		lab_run(fl->l, 100);
	}
}

/* Tunnels on B (responder only) to n flooding addresses from
 * FLOOD_ADDR up, so that their requests get state. */
#define FLOOD_ADDR 0xc6120001u /* 198.18.0.1 */

static void
flood_tunnels(struct fix *f, struct lab_tunnel *t, size_t n)
{
	struct diag d;

	diag_init(&d);
	for (size_t i = 0; i < n; i++) {
		char name[32], rn[64];

		snprintf(name, sizeof(name), "f-%zu", i);
		snprintf(rn, sizeof(rn), "10.%zu.%zu.0/24", 50 + i / 256,
		    i % 256);
		lab_conf(&t[i], name, LAB_ADDR_B, FLOOD_ADDR + (uint32_t)i,
		    "10.2.0.0/24", rn, &gcm_x25519, f->psk_b);
		t[i].c.initiator = false;
		assert_int_equal(ike_tunnel_add(f->l.b.e, &t[i].c, &d), 0);
	}
	diag_clear(&d);
}

static struct ike_counters
counters(struct lab_peer *p)
{
	struct ike_counters c;

	ike_engine_counters(p->e, &c);
	return c;
}

/*
 * One address B has a tunnel to floods IKE_SA_INIT and answers every
 * cookie: B holds 5 half-open SAs from it (its bound), demands cookies
 * from the third on, and drops the rest, counted.
 */
static void
test_ike_half_open_one_address_held_at_its_bound(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct lab_tunnel t[1];
	struct ike_counters c;
	struct flood fl;

	(void)state_;
	flood_init(&fl, &f->l);
	flood_tunnels(f, t, 1);
	flood(&fl, FLOOD_ADDR, 300);
	c = counters(&f->l.b);
	assert_int_equal(c.half_open, 5);
	assert_int_equal(fl.answered, 5);
	assert_int_equal(c.half_open_peers, 1);
	assert_int_equal(c.cookies_sent, 298);
	assert_int_equal(fl.cookies, 298);
	assert_int_equal(c.dropped_half_open_peer, 295);
	assert_int_equal(c.dropped_half_open_total, 0);
	fix_free(f);
}

/* 20 addresses, 5 each would be 100: B holds 40, its total bound. */
static void
flood_many(struct fix *f, struct flood *fl, size_t n_addrs, size_t rounds)
{
	for (size_t r = 0; r < rounds; r++)
		for (size_t i = 0; i < n_addrs; i++)
			flood(fl, FLOOD_ADDR + (uint32_t)i, 1);
	(void)f;
}

static void
test_ike_half_open_many_addresses_held_at_the_total(void **state_)
{
	struct ike_engine_params pb = { .half_open_max = 40 };
	struct fix *f = fix_new(&gcm_x25519, NULL, &pb);
	struct lab_tunnel t[20];
	struct ike_counters c;
	struct flood fl;

	(void)state_;
	flood_init(&fl, &f->l);
	flood_tunnels(f, t, 20);
	flood_many(f, &fl, 20, 10);
	c = counters(&f->l.b);
	assert_int_equal(c.half_open, 40);
	assert_int_equal(fl.answered, 40);
	assert_int_equal(c.half_open_peers, 20);
	assert_int_equal(c.dropped_half_open_total, 160);
	assert_int_equal(c.dropped_half_open_peer, 0);
	fix_free(f);
}

/*
 * While 20 flooding addresses keep B at its total bound, A's configured
 * tunnel still comes up: an address holding no half-open SA may always
 * start one.  Both ends' SAs and keys agree.
 */
static void
test_ike_half_open_flood_leaves_a_configured_tunnel_up(void **state_)
{
	struct ike_engine_params pb = { .half_open_max = 40 };
	struct fix *f = fix_new(&gcm_x25519, NULL, &pb);
	struct lab_tunnel t[20];
	struct flood fl;

	(void)state_;
	flood_init(&fl, &f->l);
	flood_tunnels(f, t, 20);
	flood_many(f, &fl, 20, 3);
	assert_int_equal(counters(&f->l.b).half_open, 40);
	add_both(f);
	for (int i = 0; i < 10; i++) {
		flood_many(f, &fl, 20, 1);
		lab_advance(&f->l, 100);
	}
	/* B's other IKE SAs are the flood's: only the CHILD SAs compare. */
	assert_int_equal(state(&f->l.a, "to-b"), IKE_TUNNEL_UP);
	assert_int_equal(state(&f->l.b, "to-a"), IKE_TUNNEL_UP);
	assert_int_equal(spis_of(&f->l.a).n, 1);
	assert_true(
	    lab_keys_agree(&f->l.a.k, &f->l.b.k, spis_of(&f->l.a).in[0]));
	assert_true(
	    lab_keys_agree(&f->l.a.k, &f->l.b.k, spis_of(&f->l.a).out[0]));
	assert_int_equal(counters(&f->l.b).half_open, 40);
	assert_true(counters(&f->l.b).dropped_half_open_total > 0);
	fix_free(f);
}

/*
 * A sender that cannot receive at 192.0.2.1 forges A's address: it gets
 * 2 half-open SAs, then cookies it never sees.  A itself returns its
 * cookie and comes up within its share.
 */
static void
test_ike_half_open_forged_peer_address_cannot_lock_it_out(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct ike_counters c;
	struct flood fl;
	struct diag d;

	(void)state_;
	flood_init(&fl, &f->l);
	diag_init(&d);
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, &d), 0);
	for (int i = 0; i < 100; i++) { /* B answers A, which drops it */
		flood_send(&fl, LAB_ADDR_A, fl.next_spi++, NULL, 0);
		lab_run(&f->l, 100);
	}
	c = counters(&f->l.b);
	assert_int_equal(c.half_open, 2);
	assert_int_equal(c.cookies_sent, 98);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, &d), 0);
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
	assert_int_equal(counters(&f->l.b).cookies_sent, 99);
	diag_clear(&d);
	fix_free(f);
}

/*
 * RFC 7296 2.4: after 30 s the flood's half-open SAs are gone, and so is
 * the table of addresses; a flood that had grown the SPI tables and the
 * timer heap leaves them at their first size.
 */
static void
test_ike_half_open_expiry_gives_everything_back(void **state_)
{
	struct ike_engine_params pb = { .half_open_per_peer = 100000,
		.half_open_max = 100000 };
	struct fix *f = fix_new(&gcm_x25519, NULL, &pb);
	struct lab_tunnel t[20];
	struct ike_engine *b;
	struct flood fl;

	(void)state_;
	flood_init(&fl, &f->l);
	flood_tunnels(f, t, 20);
	flood_many(f, &fl, 20, 220);
	b = f->l.b.e;
	assert_int_equal(counters(&f->l.b).half_open, 4400);
	assert_int_equal(counters(&f->l.b).half_open_peers, 20);
	assert_int_equal(b->by_spi.n_buckets, 2 * IKE_SPI_BUCKETS);
	lab_advance(&f->l, 29000);
	assert_int_equal(counters(&f->l.b).half_open, 4400);
	lab_advance(&f->l, 2000);
	assert_int_equal(counters(&f->l.b).half_open, 0);
	assert_int_equal(counters(&f->l.b).half_open_peers, 0);
	assert_null(b->peers.buckets);
	assert_int_equal(b->by_spi.n_buckets, IKE_SPI_BUCKETS);
	assert_true(b->cap_heap <= 256);
	fix_free(f);
}

/* 30 % of datagrams lost: retransmissions still bring it up. */
static void
test_ike_establishes_with_30_percent_loss(void **state_)
{
	(void)state_;
	for (uint64_t seed = 1; seed <= 5; seed++) {
		struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

		f->l.loss = 30;
		f->l.rng ^= seed;
		add_both(f);
		lab_advance(&f->l, 120000);
		f->l.loss = 0;
		lab_advance(&f->l, 1000);
		assert_up_and_agreeing(f);
		fix_free(f);
	}
}

static void
establish(struct fix *f)
{
	add_both(f);
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
}

/*
 * Per-pair: A has 10.1.0.0/24 and 10.3.0.0/24, B 10.2.0.0/24 and
 * 10.4.0.0/24; B takes all of them (or, narrow, only 10.1 <-> 10.2).
 */
static struct fix *
pairs_fix(bool a_per_pair, bool b_per_pair, bool b_narrow)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

	ipaddr_parse_prefix("10.3.0.0/24", &f->ta.ln[1]);
	ipaddr_parse_prefix("10.4.0.0/24", &f->ta.rn[1]);
	f->ta.c.n_local = f->ta.c.n_remote = 2;
	f->ta.c.ts_per_pair = a_per_pair;
	if (!b_narrow) {
		ipaddr_parse_prefix("10.4.0.0/24", &f->tb.ln[1]);
		ipaddr_parse_prefix("10.3.0.0/24", &f->tb.rn[1]);
		f->tb.c.n_local = f->tb.c.n_remote = 2;
	}
	f->tb.c.ts_per_pair = b_per_pair;
	return f;
}

/*
 * Every pair of networks has its own CHILD SA on both ends, with keys
 * that agree, and each kernel sends a pair's packets on that pair's SA
 * (its selector), which the other end receives on the same CHILD SA.
 */
static void
assert_pairs_carried(struct fix *f)
{
	static const char *const l[] = { "10.1.0.5", "10.3.0.5" };
	static const char *const r[] = { "10.2.0.5", "10.4.0.5" };
	struct spis a = spis_of(&f->l.a), b = spis_of(&f->l.b);
	uint32_t seen[4];

	assert_int_equal(state(&f->l.a, "to-b"), IKE_TUNNEL_UP);
	assert_int_equal(a.n, 4);
	assert_int_equal(b.n, 4);
	assert_int_equal(lab_sa_count(&f->l.a.k), 8);
	assert_int_equal(lab_sa_count(&f->l.b.k), 8);
	assert_int_equal(status(&f->l.a, "to-b").n_not_carried, 0);
	for (size_t k = 0; k < 4; k++) {
		uint32_t src, dst, out, back;
		size_t i;

		assert_int_equal(addr4_parse(l[k / 2], &src), 0);
		assert_int_equal(addr4_parse(r[k % 2], &dst), 0);
		out = lab_sa_for_flow(&f->l.a.k, LAB_ADDR_A, src, dst);
		back = lab_sa_for_flow(&f->l.b.k, LAB_ADDR_B, dst, src);
		assert_true(out != 0 && back != 0);
		assert_true(lab_keys_agree(&f->l.a.k, &f->l.b.k, out));
		assert_true(lab_keys_agree(&f->l.b.k, &f->l.a.k, back));
		/* out and back are the two SAs of one CHILD SA of A. */
		for (i = 0; i < 4 && a.out[i] != out; i++)
			;
		assert_true(i < 4);
		assert_int_equal(a.in[i], back);
		for (size_t j = 0; j < k; j++)
			assert_true(seen[j] != out);
		seen[k] = out;
	}
}

static void
test_ike_per_pair_one_child_per_pair(void **state_)
{
	(void)state_;
	for (int b_per_pair = 0; b_per_pair < 2; b_per_pair++) {
		struct fix *f = pairs_fix(true, b_per_pair, false);

		add_both(f);
		lab_run(&f->l, 200);
		assert_pairs_carried(f);
		fix_free(f);
	}
}

/* Combined, and B takes one pair of the four offered: A says which
 * three its policies hold with no SA, and why. */
static void
test_ike_narrowing_peer_is_reported(void **state_)
{
	struct fix *f = pairs_fix(false, false, true);
	struct ike_tunnel_status st;
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

	(void)state_;
	add_both(f);
	lab_run(&f->l, 200);
	assert_int_equal(spis_of(&f->l.a).n, 1);
	st = status(&f->l.a, "to-b");
	assert_false(st.ts_per_pair);
	assert_int_equal(st.n_not_carried, 3);
	ipaddr_format_prefix(&st.not_carried[0].local, a, sizeof(a));
	ipaddr_format_prefix(&st.not_carried[0].remote, b, sizeof(b));
	assert_string_equal(a, "10.1.0.0/24");
	assert_string_equal(b, "10.4.0.0/24");
	ipaddr_format_prefix(&st.not_carried[2].local, a, sizeof(a));
	assert_string_equal(a, "10.3.0.0/24");
	assert_int_equal(st.event_counts[IKE_EV_TS_NARROWED], 1);
	/* B has all it asked for. */
	assert_int_equal(status(&f->l.b, "to-a").n_not_carried, 0);
	fix_free(f);
}

/* Per-pair against the same one-pair B: the other three are refused
 * (TS_UNACCEPTABLE), tried once, and listed as not carried. */
static void
test_ike_per_pair_refused_pairs_listed(void **state_)
{
	struct fix *f = pairs_fix(true, false, true);
	struct ike_tunnel_status st;
	size_t tx;

	(void)state_;
	add_both(f);
	lab_run(&f->l, 200);
	assert_int_equal(spis_of(&f->l.a).n, 1);
	st = status(&f->l.a, "to-b");
	assert_true(st.ts_per_pair);
	assert_int_equal(st.n_not_carried, 3);
	assert_int_equal(st.event_counts[IKE_EV_TS_NARROWED], 0);
	tx = f->l.a.tx;
	lab_advance(&f->l, 60000); /* no retries of the refused pairs */
	assert_true(f->l.a.tx - tx < 3);
	fix_free(f);
}

/* A rekey of one pair's CHILD SA replaces that one alone. */
static void
test_ike_per_pair_rekey_one_pair(void **state_)
{
	struct fix *f = pairs_fix(true, false, false);
	struct ike_tunnel *t;
	struct child_sa *c;
	struct spis before, after;
	size_t same = 0;

	(void)state_;
	add_both(f);
	lab_run(&f->l, 200);
	assert_pairs_carried(f);
	before = spis_of(&f->l.a);
	t = tunnel_by_name(f->l.a.e, "to-b");
	c = t->sas->children->next; /* one of the four */
	c->want_rekey = true;
	ike_sa_kick(f->l.a.e, t->sas);
	lab_run(&f->l, 200);
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_CHILD_REKEYED));
	assert_pairs_carried(f);
	after = spis_of(&f->l.a);
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 4; j++)
			same += before.in[i] == after.in[j];
	assert_int_equal(same, 3);
	fix_free(f);
}

/* DPD restart after the peer was away brings all four pairs back. */
static void
test_ike_per_pair_dpd_restart_brings_all_back(void **state_)
{
	struct fix *f = pairs_fix(true, false, false);

	(void)state_;
	f->ta.c.dpd_timeout = 10;
	f->ta.c.dpd_delay = 5;
	f->ta.c.dpd_action = IKE_DPD_RESTART;
	add_both(f);
	lab_run(&f->l, 200);
	assert_pairs_carried(f);
	f->l.b.dead = true;
	lab_advance(&f->l, 15000);
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_DPD_TIMEOUT));
	lab_advance(&f->l, 60000);
	f->l.b.dead = false;
	lab_advance(&f->l, 120000);
	assert_pairs_carried(f);
	fix_free(f);
}

/*
 * CHILD lifetime 60 s: A rekeys at 80-90 % of it,
 * A -> B  HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr}
 * B -> A  HDR, SK {SA, Nr, TSi, TSr}
 * A -> B  HDR, SK {D(old)}  and the old SAs leave both kernels.
 */
static void
test_ike_child_rekey_replaces_the_sas(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct spis before, after;

	(void)state_;
	f->ta.c.child_lifetime = 60;
	f->tb.c.child_lifetime = 600; /* only A rekeys */
	establish(f);
	before = spis_of(&f->l.a);
	lab_advance(&f->l, 55000);
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_int_not_equal(after.in[0], before.in[0]);
	assert_true(after.spi_i[0] == before.spi_i[0]);
	assert_null(lab_sa_find(&f->l.a.k, before.in[0]));
	assert_null(lab_sa_find(&f->l.b.k, before.out[0]));
	assert_true(has_event(&f->l.b, "to-a", IKE_EV_CHILD_REKEYED));
	fix_free(f);
}

/* After every datagram: the SA each end sends on is one the other end
 * can receive (else what crosses the exchange on the wire is lost). */
static void
sending_is_received(struct lab *l, void *arg)
{
	uint32_t a = lab_sa_sending(&l->a.k, LAB_ADDR_A);
	uint32_t b = lab_sa_sending(&l->b.k, LAB_ADDR_B);

	(void)arg;
	assert_true(a == 0 || lab_sa_find(&l->b.k, a) != NULL);
	assert_true(b == 0 || lab_sa_find(&l->a.k, b) != NULL);
}

/*
 * A CHILD rekey loses nothing, whoever starts it (RFC 7296 2.8):
 * A -> B  HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr}
 *         B installs the new inbound SA, keeps sending on the old one
 * B -> A  HDR, SK {SA, Nr, TSi, TSr}
 *         A installs both and sends on the new one
 * A -> B  HDR, SK {D(old)}
 *         B sends on the new one, and the old SAs go
 */
static void
test_ike_child_rekey_loses_nothing(void **state_)
{
	for (int who = 0; who < 2; who++) {
		struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
		struct lab_peer *p = who ? &f->l.b : &f->l.a;
		struct spis before;

		(void)state_;
		establish(f);
		before = spis_of(&f->l.a);
		f->l.after = sending_is_received;
		child_start_rekey(p->e, p->e->tunnels->sas->children);
		lab_run(&f->l, 100);
		assert_up_and_agreeing(f);
		assert_int_not_equal(spis_of(&f->l.a).in[0], before.in[0]);
		fix_free(f);
	}
}

/* What the kernel counted on SA spi of k, as if traffic had passed. */
static void
set_counts(struct lab_kernel *k, uint32_t spi, uint64_t bytes, uint64_t packets)
{
	for (size_t i = 0; i < LAB_SAS; i++)
		if (k->sas[i].used && k->sas[i].sa.spi == spi) {
			k->sas[i].stats.bytes = bytes;
			k->sas[i].stats.packets = packets;
			return;
		}
	fail_msg("no SA %08x", spi);
}

/*
 * A tunnel's byte and packet totals only grow across rekeys (issue 15,
 * tunsh_tunnel_bytes_total): a CHILD rekey deletes the old pair, and
 * what the kernel counted on it, read as it goes, stays in the tunnel's
 * deleted_in and deleted_out.  Whoever rekeys: A (its Delete's answer
 * frees the old pair) or B (A frees it on B's Delete).
 */
static void
test_ike_child_rekey_keeps_the_counts(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct ike_tunnel_status st;
	struct spis s;
	struct diag d;

	(void)state_;
	diag_init(&d);
	establish(f);
	for (uint64_t i = 1; i <= 2; i++) {
		s = spis_of(&f->l.a);
		set_counts(&f->l.a.k, s.in[0], 1000, 10);
		set_counts(&f->l.a.k, s.out[0], 2000, 20);
		st = status(&f->l.a, "to-b");
		assert_int_equal(st.deleted_in.bytes, 1000 * (i - 1));
		if (i == 1)
			assert_int_equal(
			    ike_tunnel_rekey(f->l.a.e, "to-b", false, &d), 0);
		else
			assert_int_equal(
			    ike_tunnel_rekey(f->l.b.e, "to-a", false, &d), 0);
		lab_run(&f->l, 100);
		assert_up_and_agreeing(f);
		assert_null(lab_sa_find(&f->l.a.k, s.in[0]));
		st = status(&f->l.a, "to-b");
		assert_int_equal(st.deleted_in.bytes, 1000 * i);
		assert_int_equal(st.deleted_in.packets, 10 * i);
		assert_int_equal(st.deleted_out.bytes, 2000 * i);
		assert_int_equal(st.deleted_out.packets, 20 * i);
	}
	assert_int_equal(d.count, 0);
	diag_clear(&d);
	fix_free(f);
}

/*
 * IKE lifetime 100 s, B rekeys the IKE SA:
 * B -> A  HDR, SK {SA(new SPIr... as initiator), Ni, KEi}
 * A -> B  HDR, SK {SA, Nr, KEr}
 * B -> A  HDR, SK {D(IKE)} on the old SA.  The CHILD SA stays.
 */
static void
test_ike_ike_rekey_keeps_the_child(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct spis before, after;

	(void)state_;
	f->tb.c.ike_lifetime = 100;
	f->ta.c.ike_lifetime = 1000;
	establish(f);
	before = spis_of(&f->l.a);
	lab_advance(&f->l, 95000);
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_true(after.spi_i[0] != before.spi_i[0]);
	assert_int_equal(after.in[0], before.in[0]);
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_IKE_REKEYED));
	/* The new SA works: a CHILD rekey runs over it. */
	child_start_rekey(f->l.a.e, f->l.a.e->tunnels->sas->children);
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
	fix_free(f);
}

/* 2.8.1: both ends rekey the same CHILD SA at once; one new SA stays,
 * the redundant one and the old one go, the keys agree. */
static void
test_ike_simultaneous_child_rekey_leaves_one(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct spis before, after;

	(void)state_;
	establish(f);
	before = spis_of(&f->l.a);
	child_start_rekey(f->l.a.e, f->l.a.e->tunnels->sas->children);
	child_start_rekey(f->l.b.e, f->l.b.e->tunnels->sas->children);
	lab_run(&f->l, 100);
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_int_not_equal(after.in[0], before.in[0]);
	fix_free(f);
}

/*
 * 2.8.1 when the winner's Delete overtakes a response: both rekey old;
 * B settles first and, having won, deletes old, and that Delete reaches
 * A before B's answer to A's rekey.  A must still close its redundant SA
 * when the answer comes (it made the SA with the lowest nonce), or one
 * CHILD SA too many stays (strongSwan's charon saw it in interop).
 */
static void
test_ike_simultaneous_child_rekey_with_early_delete(void **state_)
{
	(void)state_;
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

		f->l.rng ^= seed * 0x9e3779b97f4a7c15ull;
		establish(f);
		child_start_rekey(f->l.a.e, f->l.a.e->tunnels->sas->children);
		child_start_rekey(f->l.b.e, f->l.b.e->tunnels->sas->children);
		lab_run(&f->l, 2); /* each request reaches the other end */
		lab_rotate(&f->l); /* A's answer to B first */
		lab_run(&f->l, 1); /* B settles; if it won, its Delete goes */
		lab_rotate(&f->l); /* which overtakes B's answer to A */
		lab_run(&f->l, 100);
		assert_up_and_agreeing(f);
		fix_free(f);
	}
}

/* 2.8.1 for the IKE SA: both rekey at once, one new IKE SA stays. */
static void
test_ike_simultaneous_ike_rekey_leaves_one(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct spis before, after;

	(void)state_;
	establish(f);
	before = spis_of(&f->l.a);
	ike_rekey_start(f->l.a.e, f->l.a.e->tunnels->sas);
	ike_rekey_start(f->l.b.e, f->l.b.e->tunnels->sas);
	lab_run(&f->l, 100);
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_true(after.spi_i[0] != before.spi_i[0]);
	assert_int_equal(after.in[0], before.in[0]);
	/* and it still works */
	child_start_rekey(f->l.b.e, f->l.b.e->tunnels->sas->children);
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
	fix_free(f);
}

/* After every datagram both kernels hold an outbound SA: no gap. */
static void
no_gap(struct lab *l, void *arg)
{
	(void)arg;
	assert_true(lab_sa_count(&l->a.k) >= 2);
	assert_true(lab_sa_count(&l->b.k) >= 2);
}

/* reauthentication make-before-break: a new IKE_SA_INIT/IKE_AUTH, the
 * new CHILD SA in, and only then the old IKE SA deleted. */
static void
test_ike_reauth_is_make_before_break(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct spis before, after;

	(void)state_;
	f->ta.c.ike_lifetime = 100;
	f->ta.c.reauth = true;
	f->tb.c.ike_lifetime = 1000;
	establish(f);
	before = spis_of(&f->l.a);
	f->l.after = no_gap;
	lab_advance(&f->l, 95000);
	f->l.after = NULL;
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_true(after.spi_i[0] != before.spi_i[0]);
	assert_int_not_equal(after.in[0], before.in[0]);
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_REAUTHENTICATED));
	fix_free(f);
}

/*
 * A peer that reauthenticates make-before-break with a new SPIi drawn at
 * random (strongSwan, libreswan), tunsh (B) the responder:
 *   A -> B  HDR, SAi1, KEi, Ni        (no INITIAL_CONTACT: the old SA stays)
 *   A -> B  HDR, SK {IDi, AUTH, SAi2, TSi, TSr}
 *   A -> B  HDR, SK {D}                (the old IKE SA, once the new is up)
 * B keeps the new SA whichever SPIi is lower: eight reauthentications in
 * a row, the tunnel up on one IKE SA after each.  B used to keep the
 * lower SPIi, deleting the peer's new SA about half the time.
 */
static void
test_ike_peer_reauth_with_a_higher_spi_keeps_the_new_sa(void **state_)
{
	static const struct ike_engine_params peer = { .reauth_spi_random =
							   true };
	struct fix *f = fix_new(&gcm_x25519, &peer, NULL);
	unsigned higher = 0;

	(void)state_;
	f->ta.c.ike_lifetime = 100;
	f->ta.c.reauth = true;
	f->tb.c.ike_lifetime = 100000;
	establish(f);
	for (int i = 0; i < 8; i++) {
		struct spis before = spis_of(&f->l.b), after;

		f->l.after = no_gap;
		lab_advance(&f->l, 100000);
		f->l.after = NULL;
		after = spis_of(&f->l.b);
		assert_up_and_agreeing(f);
		assert_true(after.spi_i[0] != before.spi_i[0]);
		higher += after.spi_i[0] > before.spi_i[0];
		assert_false(
		    has_event(&f->l.b, "to-a", IKE_EV_DELETED_BY_PEER));
	}
	/* The case the lower-SPIi rule got wrong did happen. */
	assert_true(higher > 0);
	fix_free(f);
}

/*
 * A commit of a new pre-shared key that the peer has too (B was given it
 * first, in place, as an admin loads it into charon): A reauthenticates
 * at once, make-before-break:
 *   A -> B  HDR, SAi1, KEi, Ni                  (no INITIAL_CONTACT:
 *   A -> B  HDR, SK {IDi, AUTH, SAi2, TSi, TSr}  the old SA stays, 2.4)
 *   A -> B  HDR, SK {D}                          (old IKE SA, once up)
 * new IKE and CHILD SPIs, an outbound SA in both kernels all along.
 */
static void
test_ike_commit_psk_reauthenticates_at_once(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct secbuf *k2 = secbuf_from_str("lab-secret-2");
	struct spis before, after;
	struct diag d;

	(void)state_;
	diag_init(&d);
	establish(f);
	before = spis_of(&f->l.a);
	f->tb.c.psk = k2;
	assert_int_equal(
	    ike_tunnel_change(f->l.b.e, &f->tb.c, IKE_CHANGE_IN_PLACE, &d), 0);
	f->ta.c.psk = k2;
	f->l.after = no_gap;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_REAUTH, &d), 0);
	assert_true(status(&f->l.a, "to-b").previous_config);
	lab_run(&f->l, 100);
	f->l.after = NULL;
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_true(after.spi_i[0] != before.spi_i[0]);
	assert_int_not_equal(after.in[0], before.in[0]);
	assert_null(lab_sa_find(&f->l.a.k, before.in[0]));
	assert_null(lab_sa_find(&f->l.b.k, before.out[0]));
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_REAUTHENTICATED));
	assert_false(status(&f->l.a, "to-b").previous_config);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
	secbuf_free(k2);
	fix_free(f);
}

/*
 * initiator on, committed for a tunnel that waits (no SA: neither end
 * initiates): tunsh.conf(5) says tunsh then starts the tunnel itself,
 * and it does, at the commit rather than at the next traffic.
 */
static void
test_ike_initiator_on_starts_a_waiting_tunnel(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct diag d;

	(void)state_;
	diag_init(&d);
	f->ta.c.initiator = false;
	add_both(f);
	lab_advance(&f->l, 5000);
	assert_int_not_equal(state(&f->l.a, "to-b"), IKE_TUNNEL_UP);
	f->ta.c.initiator = true;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_IN_PLACE, &d), 0);
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
	diag_clear(&d);
	fix_free(f);
}

/*
 * A reauthentication whose peer does not authenticate (B lacks the new
 * key): A installs no SA for it at any point.  The new CHILD SA's keys
 * are known before IKE_AUTH's answer (2.17), but an inbound SA then
 * would take ESP from a peer not yet authenticated: whoever answered
 * IKE_SA_INIT.  (Installing it early would close a 5 ms window in
 * which a responder that sends on its new SA at once loses a packet;
 * security first: see issue 11's note.)
 */
static void
test_ike_no_sa_before_the_peer_authenticates(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct secbuf *k2 = secbuf_from_str("lab-secret-2");
	struct diag d;
	size_t adds;

	(void)state_;
	diag_init(&d);
	establish(f);
	adds = f->l.a.k.sa_adds;
	f->ta.c.psk = k2;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_REAUTH, &d), 0);
	lab_run(&f->l, 100);
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_AUTH_FAILED));
	assert_int_equal(f->l.a.k.sa_adds, adds);
	f->ta.c.psk = f->psk;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_REAUTH, &d), 0);
	lab_run(&f->l, 100);
	diag_clear(&d);
	secbuf_free(k2);
	fix_free(f);
}

/*
 * A commit of a key the peer lacks: the reauthentication fails at once
 * (B answers AUTHENTICATION_FAILED), the old SAs carry traffic on and the
 * status says so and why; retries keep failing.  Committing the old key
 * back (a rollback) reauthenticates with it and the tunnel is on new SAs
 * of the right key.
 */
static void
test_ike_commit_wrong_psk_keeps_old_sas_until_rollback(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct secbuf *wrong = secbuf_from_str("not-the-peer-key");
	struct spis before, after;
	struct ike_tunnel_status st;
	struct diag d;

	(void)state_;
	diag_init(&d);
	f->ta.c.child_lifetime = 1800;
	f->ta.c.ike_lifetime = 3600;
	establish(f);
	before = spis_of(&f->l.a);
	f->ta.c.psk = wrong;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_REAUTH, &d), 0);
	lab_run(&f->l, 100);
	lab_advance(&f->l, 5000); /* a few retries with the backoff */
	st = status(&f->l.a, "to-b");
	assert_int_equal(st.state, IKE_TUNNEL_UP);
	assert_true(st.previous_config);
	assert_non_null(strstr(st.previous_error, "authentication failed"));
	assert_true(st.previous_expires > 1790 && st.previous_expires <= 1800);
	assert_true(st.established != 0);
	after = spis_of(&f->l.a);
	assert_int_equal(after.in[0], before.in[0]);
	assert_true(lab_keys_agree(&f->l.a.k, &f->l.b.k, before.in[0]));
	assert_true(lab_keys_agree(&f->l.a.k, &f->l.b.k, before.out[0]));
	assert_true(
	    status(&f->l.b, "to-a").event_counts[IKE_EV_AUTH_FAILED] >= 2);

	f->ta.c.psk = f->psk; /* the rollback */
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_REAUTH, &d), 0);
	lab_run(&f->l, 100);
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_true(after.spi_i[0] != before.spi_i[0]);
	assert_int_not_equal(after.in[0], before.in[0]);
	assert_false(status(&f->l.a, "to-b").previous_config);
	/* no stray retry with the old attempt's timer afterwards */
	lab_advance(&f->l, 120000);
	assert_up_and_agreeing(f);
	assert_true(spis_of(&f->l.a).spi_i[0] == after.spi_i[0]);
	diag_clear(&d);
	secbuf_free(wrong);
	fix_free(f);
}

/*
 * Two commits in a row, the second before the first one's IKE_SA_INIT
 * is answered: the first attempt (the superseded key) is dropped, the
 * second reauthenticates, and one IKE SA and one CHILD SA are left.
 */
static void
test_ike_commit_twice_drops_the_first_attempt(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct secbuf *wrong = secbuf_from_str("not-the-peer-key");
	struct spis before, after;
	struct diag d;

	(void)state_;
	diag_init(&d);
	establish(f);
	before = spis_of(&f->l.a);
	f->ta.c.psk = wrong;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_REAUTH, &d), 0);
	f->ta.c.psk = f->psk;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_REAUTH, &d), 0);
	f->l.after = no_gap;
	lab_run(&f->l, 100);
	/* B's half-open SA of the dropped attempt ends after 30 s (2.4). */
	lab_advance(&f->l, IKE_HALF_OPEN_MS + 1000);
	f->l.after = NULL;
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_true(after.spi_i[0] != before.spi_i[0]);
	assert_int_equal(
	    status(&f->l.b, "to-a").event_counts[IKE_EV_AUTH_FAILED], 0);
	assert_int_equal(f->l.a.k.n_larval, 0);
	diag_clear(&d);
	secbuf_free(wrong);
	fix_free(f);
}

/*
 * B, a tunsh responder, settles two IKE SAs with one peer by keeping the
 * lower SPIi (init.c).  A reauthentication's new SA must be that one, or
 * B deletes it while A deletes the old one and the tunnel goes down: so
 * for 32 different random streams, no moment without an outbound SA on
 * either end and no Delete from B.
 */
static void
test_ike_reauth_survives_a_tunsh_responder(void **state_)
{
	(void)state_;
	for (uint64_t seed = 1; seed <= 32; seed++) {
		struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
		struct diag d;

		diag_init(&d);
		f->l.rng = seed * 0x9e3779b97f4a7c15ull + 7;
		establish(f);
		f->l.after = no_gap;
		assert_int_equal(ike_tunnel_change(f->l.a.e, &f->ta.c,
				     IKE_CHANGE_REAUTH, &d),
		    0);
		lab_run(&f->l, 100);
		f->l.after = NULL;
		assert_up_and_agreeing(f);
		assert_false(
		    has_event(&f->l.a, "to-b", IKE_EV_DELETED_BY_PEER));
		assert_true(has_event(&f->l.a, "to-b", IKE_EV_REAUTHENTICATED));
		diag_clear(&d);
		fix_free(f);
	}
}

/* Short lifetimes on A (B's long, so B never starts a rekey). */
static struct fix *
lifetimes_fix(bool rekey)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

	f->ta.c.child_lifetime = 300;
	f->ta.c.ike_lifetime = 900;
	f->ta.c.rekey = rekey;
	f->tb.c.child_lifetime = 3000;
	f->tb.c.ike_lifetime = 9000;
	establish(f);
	return f;
}

/*
 * rekey applies in place.  Set to no after the SAs started: the soft
 * lifetime passes with no rekey (same SPIs), and at the hard lifetime
 * the CHILD SA is deleted on both ends (its timer, then a Delete).
 */
static void
test_ike_rekey_off_in_place_then_hard_expiry(void **state_)
{
	struct fix *f = lifetimes_fix(true);
	struct spis before = spis_of(&f->l.a);
	struct diag d;

	(void)state_;
	diag_init(&d);
	f->ta.c.rekey = false;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_IN_PLACE, &d), 0);
	lab_advance(&f->l, 299000);
	assert_up_and_agreeing(f);
	assert_int_equal(spis_of(&f->l.a).in[0], before.in[0]);
	assert_int_equal(
	    status(&f->l.a, "to-b").event_counts[IKE_EV_CHILD_REKEYED], 0);
	lab_advance(&f->l, 2000);
	assert_null(lab_sa_find(&f->l.a.k, before.in[0]));
	assert_null(lab_sa_find(&f->l.a.k, before.out[0]));
	assert_null(lab_sa_find(&f->l.b.k, before.in[0]));
	assert_int_equal(spis_of(&f->l.a).n, 0);
	assert_int_equal(spis_of(&f->l.b).n, 0);
	diag_clear(&d);
	fix_free(f);
}

/*
 * Set to yes after SAs started under no: the CHILD SA is rekeyed at its
 * soft lifetime (not run to hard expiry), with no gap, and the IKE SA at
 * its own.
 */
static void
test_ike_rekey_on_in_place_arms_the_rekeys(void **state_)
{
	struct fix *f = lifetimes_fix(false);
	struct spis before = spis_of(&f->l.a), after;
	struct diag d;

	(void)state_;
	diag_init(&d);
	f->ta.c.rekey = true;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_IN_PLACE, &d), 0);
	f->l.after = no_gap;
	lab_advance(&f->l, 290000);
	f->l.after = NULL;
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_int_not_equal(after.in[0], before.in[0]);
	assert_true(after.spi_i[0] == before.spi_i[0]);
	lab_advance(&f->l, 900000 - 290000 - 1000);
	assert_up_and_agreeing(f);
	assert_true(spis_of(&f->l.a).spi_i[0] != before.spi_i[0]);
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_IKE_REKEYED));
	diag_clear(&d);
	fix_free(f);
}

/*
 * The IKE SA's hard lifetime with rekey no: it is deleted on both ends
 * at ike-lifetime, and A, the initiator, negotiates anew.
 */
static void
test_ike_hard_expiry_of_the_ike_sa(void **state_)
{
	struct fix *f = lifetimes_fix(false);
	struct spis before = spis_of(&f->l.a);

	(void)state_;
	lab_advance(&f->l, 899000);
	assert_true(spis_of(&f->l.a).spi_i[0] == before.spi_i[0]);
	assert_int_equal(spis_of(&f->l.a).n, 0); /* CHILD SA gone at 300 s */
	lab_advance(&f->l, 5000);
	assert_up_and_agreeing(f);
	assert_true(spis_of(&f->l.a).spi_i[0] != before.spi_i[0]);
	assert_true(spis_of(&f->l.b).spi_i[0] != before.spi_i[0]);
	fix_free(f);
}

/*
 * An admin's rekey of the CHILD SAs, three times in a row, each run to
 * its end as the lifetimes' rekey is: new SPIs on both ends, the keys
 * agree, the old SAs gone from both kernels, the IKE SA kept.
 */
static void
test_ike_tunnel_rekey_child_now(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct spis before, after;
	struct diag d;

	(void)state_;
	diag_init(&d);
	establish(f);
	for (int i = 0; i < 3; i++) {
		before = spis_of(&f->l.a);
		f->l.after = sending_is_received;
		assert_int_equal(ike_tunnel_rekey(f->l.a.e, "to-b", false, &d),
		    0);
		lab_run(&f->l, 100);
		f->l.after = NULL;
		after = spis_of(&f->l.a);
		assert_up_and_agreeing(f);
		assert_int_not_equal(after.in[0], before.in[0]);
		assert_int_not_equal(after.out[0], before.out[0]);
		assert_true(after.spi_i[0] == before.spi_i[0]);
		assert_null(lab_sa_find(&f->l.a.k, before.in[0]));
		assert_null(lab_sa_find(&f->l.a.k, before.out[0]));
		assert_null(lab_sa_find(&f->l.b.k, before.in[0]));
		assert_null(lab_sa_find(&f->l.b.k, before.out[0]));
	}
	assert_int_equal(
	    status(&f->l.b, "to-a").event_counts[IKE_EV_CHILD_REKEYED], 3);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
	fix_free(f);
}

/* With ike: the IKE SA gets new SPIs on both ends, the CHILD SA stays;
 * with reauth set, the same request reauthenticates (new CHILD SA too). */
static void
test_ike_tunnel_rekey_ike_now(void **state_)
{
	for (int reauth = 0; reauth < 2; reauth++) {
		struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
		struct spis before, after;
		struct diag d;

		(void)state_;
		diag_init(&d);
		f->ta.c.reauth = reauth;
		establish(f);
		before = spis_of(&f->l.a);
		f->l.after = no_gap;
		assert_int_equal(ike_tunnel_rekey(f->l.a.e, "to-b", true, &d),
		    0);
		lab_run(&f->l, 100);
		f->l.after = NULL;
		after = spis_of(&f->l.a);
		assert_up_and_agreeing(f);
		assert_true(after.spi_i[0] != before.spi_i[0]);
		assert_true(after.spi_r[0] != before.spi_r[0]);
		assert_true(spis_of(&f->l.b).spi_i[0] == after.spi_i[0]);
		if (reauth) {
			assert_int_not_equal(after.in[0], before.in[0]);
			assert_true(
			    has_event(&f->l.a, "to-b", IKE_EV_REAUTHENTICATED));
		} else {
			assert_int_equal(after.in[0], before.in[0]);
			assert_true(
			    has_event(&f->l.a, "to-b", IKE_EV_IKE_REKEYED));
		}
		diag_clear(&d);
		fix_free(f);
	}
}

/*
 * PFS on a CHILD rekey with several groups offered: the KE is of the IKE
 * SA's group (MODP-2048 here, though X25519 comes first in the ESP
 * proposal), one the peer already chose.  libreswan picks its preferred
 * group from our list whatever the KE and answers INVALID_SYNTAX to a KE
 * of another group: the rekey failed and the peer closed the IKE SA.
 */
static void
test_ike_child_rekey_ke_of_the_ike_group(void **state_)
{
	struct fix *f = fix_new(&suites[4], NULL, NULL);
	struct ike_request *r;
	uint8_t ke[512];
	size_t len = sizeof(ke);
	struct spis before;
	struct diag d;

	(void)state_;
	diag_init(&d);
	for (int i = 0; i < 2; i++) {
		struct ike_algs *esp = i ? &f->tb.esp[0] : &f->ta.esp[0];

		esp->n_dh = 2;
		esp->dh[0] = 31; /* X25519 */
		esp->dh[1] = 14; /* MODP-2048, the IKE SA's */
	}
	establish(f);
	before = spis_of(&f->l.a);
	assert_int_equal(ike_tunnel_rekey(f->l.a.e, "to-b", false, &d), 0);
	r = &f->l.a.e->tunnels->sas->req;
	assert_non_null(r->dh);
	assert_int_equal(ike_dh_public(r->dh, ke, &len), 0);
	assert_int_equal(len, ike_dh_public_len(14));
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
	assert_int_not_equal(spis_of(&f->l.a).in[0], before.in[0]);
	diag_clear(&d);
	fix_free(f);
}

/*
 * PFS with a group the peer does not want: A's KE on a CHILD rekey is
 * X25519 (the IKE SA's, first in A's ESP proposal), B takes only
 * MODP-2048 for PFS and answers INVALID_KE_PAYLOAD(14).  A sends the
 * rekey again at once with 14 and keeps it: the next rekey costs no
 * second INVALID_KE.
 */
static void
test_ike_child_rekey_retries_with_the_pfs_group_asked(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct spis before;
	struct diag d;

	(void)state_;
	diag_init(&d);
	f->ta.esp[0].n_dh = 2;
	f->ta.esp[0].dh[0] = 31;
	f->ta.esp[0].dh[1] = 14;
	f->tb.esp[0].n_dh = 1;
	f->tb.esp[0].dh[0] = 14;
	establish(f);
	for (int i = 0; i < 2; i++) {
		before = spis_of(&f->l.a);
		assert_int_equal(ike_tunnel_rekey(f->l.a.e, "to-b", false, &d),
		    0);
		lab_run(&f->l, 100);
		assert_up_and_agreeing(f);
		assert_int_not_equal(spis_of(&f->l.a).in[0], before.in[0]);
		assert_int_equal(
		    status(&f->l.a, "to-b").event_counts[IKE_EV_CHILD_REKEYED],
		    i + 1);
		assert_int_equal(
		    status(&f->l.a, "to-b").event_counts[IKE_EV_INVALID_KE], 1);
	}
	diag_clear(&d);
	fix_free(f);
}

/* Nothing to rekey: an unknown tunnel, one not up yet; said in words. */
static void
test_ike_tunnel_rekey_refused_when_not_up(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct diag d;

	(void)state_;
	diag_init(&d);
	assert_int_equal(ike_tunnel_rekey(f->l.a.e, "nope", false, &d),
	    -ENOENT);
	assert_non_null(strstr(d.entries[0].text, "no such tunnel"));
	diag_clear(&d);
	f->ta.c.initiator = false; /* added, never negotiated */
	add_both(f);
	for (int ike = 0; ike < 2; ike++) {
		diag_init(&d);
		assert_int_equal(ike_tunnel_rekey(f->l.a.e, "to-b", ike, &d),
		    -ENOTCONN);
		assert_string_equal(d.entries[0].text,
		    "tunnel to-b is not up: nothing to rekey; test ipsec "
		    "tunnel to-b starts it");
		diag_clear(&d);
	}
	assert_int_equal(lab_run(&f->l, 100), 0);
	fix_free(f);
}

/* An administrator's clear: A -> B HDR, SK {D(IKE)}; both ends empty,
 * B says the peer deleted it. */
static void
test_ike_delete_clears_both_ends(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct diag d;

	(void)state_;
	diag_init(&d);
	establish(f);
	assert_int_equal(ike_tunnel_terminate(f->l.a.e, "to-b", false, &d), 0);
	lab_run(&f->l, 100);
	assert_int_equal(lab_sa_count(&f->l.a.k), 0);
	assert_int_equal(lab_sa_count(&f->l.b.k), 0);
	assert_int_equal(spis_of(&f->l.b).n_ike, 0);
	assert_true(has_event(&f->l.b, "to-a", IKE_EV_DELETED_BY_PEER));
	diag_clear(&d);
	fix_free(f);
}

/* The guide's DPD: timeout 10 s of silence, then a check; delay 5 s
 * for the answer; then the action. */
static struct fix *
dpd_fix(enum ike_dpd_action action)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

	f->ta.c.dpd_timeout = 10;
	f->ta.c.dpd_delay = 5;
	f->ta.c.dpd_action = action;
	establish(f);
	f->l.b.dead = true;
	lab_advance(&f->l, 10000); /* the check goes out ... */
	assert_int_equal(status(&f->l.a, "to-b").dpd.in_flight, 1);
	lab_advance(&f->l, 5000); /* ... and no answer within the delay */
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_DPD_TIMEOUT));
	assert_int_equal(status(&f->l.a, "to-b").dpd.last_result, -1);
	/* One check, however often it was retransmitted. */
	assert_int_equal(status(&f->l.a, "to-b").dpd.checks, 1);
	return f;
}

static void
test_ike_dpd_clear_stays_down(void **state_)
{
	struct fix *f = dpd_fix(IKE_DPD_CLEAR);
	size_t tx;

	(void)state_;
	assert_int_equal(lab_sa_count(&f->l.a.k), 0);
	assert_int_not_equal(f->l.a.k.n_pol, 0); /* nothing leaks in clear */
	tx = f->l.a.tx;
	ike_kernel_events.acquire(f->l.a.e, KERNEL_REQID_MIN, 0, 0);
	lab_advance(&f->l, 60000);
	assert_int_equal(f->l.a.tx, tx); /* no negotiation on our own */
	assert_int_equal(state(&f->l.a, "to-b"), IKE_TUNNEL_WAITING);
	fix_free(f);
}

static void
test_ike_dpd_hold_renegotiates_on_traffic(void **state_)
{
	struct fix *f = dpd_fix(IKE_DPD_HOLD);
	size_t tx;

	(void)state_;
	assert_int_equal(lab_sa_count(&f->l.a.k), 0);
	assert_int_not_equal(f->l.a.k.n_pol, 0);
	tx = f->l.a.tx;
	lab_advance(&f->l, 60000);
	assert_int_equal(f->l.a.tx, tx); /* held, waiting for traffic */
	f->l.b.dead = false;
	ike_kernel_events.acquire(f->l.a.e, KERNEL_REQID_MIN, 0, 0);
	lab_run(&f->l, 100);
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_ACQUIRE));
	assert_up_and_agreeing(f);
	fix_free(f);
}

/*
 * DPD hold, and the peer comes back restarting: its first answer is
 * NO_PROPOSAL_CHOSEN (its configuration is not loaded yet).  The attempt
 * the traffic started is retried with backoff, not dropped until the
 * kernel's next ACQUIRE.
 */
static void
test_ike_acquire_retries_a_restarting_peer(void **state_)
{
	struct fix *f = dpd_fix(IKE_DPD_HOLD);
	struct lab_tunnel loading;
	struct diag d;

	(void)state_;
	diag_init(&d);
	lab_conf(&loading, "to-a", LAB_ADDR_B, LAB_ADDR_A, "10.2.0.0/24",
	    "10.1.0.0/24", &cbc_modp2048, f->psk_b);
	loading.c.initiator = false;
	assert_int_equal(ike_tunnel_remove(f->l.b.e, "to-a", &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.b.e, &loading.c, &d), 0);
	f->l.b.dead = false;
	ike_kernel_events.acquire(f->l.a.e, KERNEL_REQID_MIN, 0, 0);
	lab_run(&f->l, 100);
	assert_true(has_event(&f->l.a, "to-b", IKE_EV_NO_PROPOSAL));
	/* Its configuration is loaded. */
	assert_int_equal(ike_tunnel_remove(f->l.b.e, "to-a", &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, &d), 0);
	lab_advance(&f->l, 10000);
	assert_up_and_agreeing(f);
	diag_clear(&d);
	fix_free(f);
}

static void
test_ike_dpd_restart_comes_back_with_the_peer(void **state_)
{
	struct fix *f = dpd_fix(IKE_DPD_RESTART);

	(void)state_;
	lab_advance(&f->l, 120000); /* B still away: retries, backing off */
	f->l.b.dead = false;
	lab_advance(&f->l, 120000);
	assert_up_and_agreeing(f);
	fix_free(f);
}

/* initiator off: A waits; traffic (ACQUIRE) makes it negotiate. */
static void
test_ike_initiator_off_waits_for_acquire(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

	(void)state_;
	f->ta.c.initiator = false;
	add_both(f);
	lab_advance(&f->l, 60000);
	assert_int_equal(f->l.a.tx, 0);
	assert_int_equal(state(&f->l.a, "to-b"), IKE_TUNNEL_WAITING);
	ike_kernel_events.acquire(f->l.a.e, KERNEL_REQID_MIN, 0, 0);
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
	fix_free(f);
}

/* Both ends initiate at once, again and again: each time exactly one
 * IKE SA survives, the same on both ends (VyOS T8952). */
static void
test_ike_restart_storm_ends_with_one_sa(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct diag d;

	(void)state_;
	diag_init(&d);
	f->tb.c.initiator = true;
	add_both(f);
	lab_advance(&f->l, 5000);
	assert_up_and_agreeing(f);
	for (int i = 0; i < 5; i++) {
		/* both lose their state at once and restart */
		ike_tunnel_terminate(f->l.a.e, "to-b", true, &d);
		ike_tunnel_terminate(f->l.b.e, "to-a", true, &d);
		lab_advance(&f->l, 30000);
		assert_up_and_agreeing(f);
	}
	diag_clear(&d);
	fix_free(f);
}

/* Garbage, truncations and a forged SK payload are dropped and counted;
 * the tunnel is unharmed. */
static void
test_ike_malformed_input_is_dropped_and_counted(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct ike_endpoint from = lab_ep(LAB_ADDR_A, 500),
			    to = lab_ep(LAB_ADDR_B, 500);
	struct spis a;
	struct ike_counters c;
	uint8_t msg[200];

	(void)state_;
	establish(f);
	a = spis_of(&f->l.a);
	memset(msg, 0xab, sizeof(msg));
	ike_engine_input(f->l.b.e, &to, &from, msg, sizeof(msg));
	ike_engine_input(f->l.b.e, &to, &from, msg, 10);
	/* a valid header for the live SA with an SK payload of junk */
	{
		uint64_t si = htobe64(a.spi_i[0]), sr = htobe64(a.spi_r[0]);
		uint32_t len = htobe32(sizeof(msg));
		uint16_t plen = htobe16(sizeof(msg) - 28);

		memcpy(msg, &si, 8);
		memcpy(msg + 8, &sr, 8);
		msg[16] = IKE_PL_SK;
		msg[17] = 0x20;
		msg[18] = IKE_INFORMATIONAL;
		msg[19] = IKE_FLAG_INITIATOR;
		memset(msg + 20, 0, 4);
		memcpy(msg + 24, &len, 4);
		msg[28] = 0;
		msg[29] = 0;
		memcpy(msg + 30, &plen, 2);
		ike_engine_input(f->l.b.e, &to, &from, msg, sizeof(msg));
	}
	ike_engine_counters(f->l.b.e, &c);
	assert_int_equal(c.dropped_parse, 2);
	assert_int_equal(c.dropped_auth, 1);
	assert_int_equal(f->l.queued, 0); /* no answer to any of them */
	assert_up_and_agreeing(f);
	fix_free(f);
}

/*
 * RFC 7296 2.5: an unknown payload marked critical is refused by name.
 * A -> B  HDR(IKE_SA_INIT), [200!]
 * B -> A  HDR, N(UNSUPPORTED_CRITICAL_PAYLOAD, 200)
 * and inside SK on an established SA, where B answers the request.
 */
static void
test_ike_unknown_critical_payload_is_refused(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct ike_endpoint from = lab_ep(LAB_ADDR_A, 500),
			    to = lab_ep(LAB_ADDR_B, 500);
	struct ike_header h = { .spi_i = 0x1122334455667788ull,
		.exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_INITIATOR };
	struct ike_notify_payload n;
	struct ike_parse_err err;
	struct ike_buf b, inner;
	struct ike_msg m;
	struct ike_sa *sa;

	(void)state_;
	establish(f);
	ike_buf_init(&b);
	ike_msg_begin(&b, &h);
	ike_payload_add(&b, 200, true, "x", 1);
	assert_int_equal(ike_buf_finish(&b), 0);
	ike_engine_input(f->l.b.e, &to, &from, b.data, b.len);
	ike_buf_free(&b);
	assert_int_equal(f->l.queued, 1);
	assert_int_equal(
	    ike_msg_parse(f->l.head->data, f->l.head->len, &m, &err), 0);
	assert_true(msg_has_notify(&m, N_UNSUPPORTED_CRITICAL_PAYLOAD, &n));
	assert_int_equal(n.data_len, 1);
	assert_int_equal(n.data[0], 200);
	lab_flush(&f->l);

	sa = f->l.a.e->tunnels->sas;
	ike_sa_begin(sa, &inner);
	ike_payload_add(&inner, 200, true, "x", 1);
	assert_int_equal(ike_sa_send_request(f->l.a.e, sa, REQ_DPD,
			     IKE_INFORMATIONAL, &inner),
	    0);
	lab_run(&f->l, 10);
	assert_int_equal(sa->req.kind, REQ_NONE); /* B answered */
	assert_up_and_agreeing(f);
	fix_free(f);
}

/* B has two WAN addresses with a tunnel to A from each (one tunnel per
 * pair of gateways): each of A's requests finds the tunnel of the
 * address it was sent to, with that tunnel's networks. */
static void
test_ike_tunnels_to_one_peer_from_two_addresses(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct lab_tunnel a2, b2;
	struct ike_child_status got;
	char buf[32];
	struct diag d;

	(void)state_;
	diag_init(&d);
	lab_conf(&b2, "to-a-2", LAB_ADDR_B2, LAB_ADDR_A, "10.4.0.0/24",
	    "10.1.0.0/24", &gcm_x25519, f->psk_b);
	b2.c.initiator = false;
	lab_conf(&a2, "to-b-2", LAB_ADDR_A, LAB_ADDR_B2, "10.1.0.0/24",
	    "10.4.0.0/24", &gcm_x25519, f->psk);
	/* B's second tunnel first: a lookup by the peer alone finds it. */
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.b.e, &b2.c, &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &a2.c, &d), 0);
	lab_run(&f->l, 100);
	assert_int_equal(state(&f->l.b, "to-a"), IKE_TUNNEL_UP);
	assert_int_equal(state(&f->l.b, "to-a-2"), IKE_TUNNEL_UP);
	memset(&got, 0, sizeof(got));
	ike_child_each(f->l.b.e, "to-a-2", child_first, &got);
	ipaddr_format_prefix(&got.local_ts, buf, sizeof(buf));
	assert_string_equal(buf, "10.4.0.0/24");
	diag_clear(&d);
	fix_free(f);
}

/* A commit that changes only DPD timers keeps the SPIs; one that
 * changes a remote network replaces the CHILD SA under the same IKE SA. */
static void
test_ike_change_classes(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct spis before, after;
	struct diag d;

	(void)state_;
	diag_init(&d);
	establish(f);
	before = spis_of(&f->l.a);
	f->ta.c.dpd_timeout = 30;
	f->ta.c.dpd_delay = 10;
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_IN_PLACE, &d), 0);
	lab_run(&f->l, 100);
	after = spis_of(&f->l.a);
	assert_int_equal(after.in[0], before.in[0]);
	assert_true(after.spi_i[0] == before.spi_i[0]);

	/* both ends move to 10.2.0.0/16 */
	ipaddr_parse_prefix("10.2.0.0/16", &f->ta.rn[0]);
	ipaddr_parse_prefix("10.2.0.0/16", &f->tb.ln[0]);
	assert_int_equal(
	    ike_tunnel_change(f->l.b.e, &f->tb.c, IKE_CHANGE_CHILD, &d), 0);
	assert_int_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_CHILD, &d), 0);
	lab_run(&f->l, 100);
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_int_not_equal(after.in[0], before.in[0]);
	assert_true(after.spi_i[0] == before.spi_i[0]);
	diag_clear(&d);
	fix_free(f);
}

/* A failing kernel leaves the previous state: the policy add fails
 * halfway through a change and the old policies are all still there. */
static void
test_ike_change_failing_in_kernel_keeps_old_policies(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct kernel_policy before[LAB_POLICIES];
	size_t n;
	struct diag d;

	(void)state_;
	diag_init(&d);
	ipaddr_parse_prefix("10.1.5.0/24", &f->ta.ln[1]);
	f->ta.c.n_local = 2;
	ipaddr_parse_prefix("10.1.5.0/24", &f->tb.rn[1]);
	f->tb.c.n_remote = 2;
	establish(f);
	n = f->l.a.k.n_pol;
	memcpy(before, f->l.a.k.pol, n * sizeof(before[0]));
	ipaddr_parse_prefix("10.2.0.0/16", &f->ta.rn[0]);
	/* The first add goes in, the second fails: the first is undone. */
	f->l.a.k.fail_policy_add_skip = 1;
	f->l.a.k.fail_policy_add = 1;
	assert_int_not_equal(
	    ike_tunnel_change(f->l.a.e, &f->ta.c, IKE_CHANGE_CHILD, &d), 0);
	assert_int_equal(f->l.a.k.fail_policy_add_skip, 0);
	assert_int_equal(f->l.a.k.fail_policy_add, 0);
	assert_int_equal(f->l.a.k.n_pol, n);
	/* Field by field: the struct has padding. */
	for (size_t i = 0; i < n; i++) {
		assert_true(kernel_policy_same(&before[i], &f->l.a.k.pol[i]));
		assert_int_equal(before[i].reqid, f->l.a.k.pol[i].reqid);
		assert_int_equal(before[i].priority, f->l.a.k.pol[i].priority);
	}
	assert_up_and_agreeing(f);
	diag_clear(&d);
	fix_free(f);
}

/*
 * A moves to UDP 4500 for IKE_AUTH with no NAT between (strongSwan does
 * so by default, for MOBIKE: RFC 4555 3.5).  B answers on 4500, but only
 * NAT detection decides UDP encapsulation (RFC 7296 2.23): both ends'
 * ESP SAs are plain, or no packet crosses.
 */
static void
test_ike_port_4500_without_nat_is_plain_esp(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct ike_tunnel_status st;

	(void)state_;
	f->l.float_a = true;
	establish(f);
	st = status(&f->l.b, "to-a");
	assert_int_equal(st.remote.port, 4500);
	assert_false(st.natt);
	assert_false(st.behind_nat);
	assert_false(st.peer_behind_nat);
	assert_false(lab_sa_find(&f->l.b.k, spis_of(&f->l.b).out[0])->sa.encap);
	assert_false(lab_sa_find(&f->l.b.k, spis_of(&f->l.b).in[0])->sa.encap);
	assert_false(lab_sa_find(&f->l.a.k, spis_of(&f->l.a).out[0])->sa.encap);
	assert_up_and_agreeing(f);
	fix_free(f);
}

/*
 * A behind a NAT that forgets mappings after 2 s: B's IKE_AUTH answer is
 * lost, and A's retransmit comes from a new port (nat_rebind in the VM
 * tier, on a loaded machine).  B answers it there, from its cache, and
 * follows the port: the tunnel comes up.
 */
static void
test_ike_auth_retransmit_from_a_new_nat_port(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);

	(void)state_;
	f->l.nat_a = true;
	ipaddr_from4(LAB_NAT_ADDR, 32, &f->tb.c.remote_addr);
	f->tb.c.remote_id = "192.0.2.1"; /* A's own address is its ID */
	add_both(f);
	assert_int_equal(lab_run(&f->l, 3), 3); /* INIT both ways, AUTH in */
	assert_true(f->l.queued > 0);		/* B's answer, lost: */
	lab_flush(&f->l);
	f->l.nat_shift = 20000;
	lab_advance(&f->l, 10000);
	assert_up_and_agreeing(f);
	assert_int_equal(status(&f->l.b, "to-a").remote.port, 24500);
	fix_free(f);
}

/* A behind a NAT: both float to 4500, the SAs are UDP-encapsulated and
 * A sends keepalives every 20 s. */
static void
test_ike_natt_floats_and_keeps_alive(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct ike_tunnel_status st;
	const struct lab_sa *sa;
	size_t tx;

	(void)state_;
	f->l.nat_a = true;
	ipaddr_from4(LAB_NAT_ADDR, 32, &f->tb.c.remote_addr);
	f->tb.c.remote_id = "192.0.2.1"; /* A's own address is its ID */
	establish(f);
	st = status(&f->l.a, "to-b");
	assert_true(st.natt);
	assert_true(st.behind_nat);
	assert_int_equal(st.remote.port, 4500);
	sa = lab_sa_find(&f->l.b.k, spis_of(&f->l.b).out[0]);
	assert_true(sa->sa.encap);
	assert_int_equal(sa->sa.encap_dport, 14500);
	tx = f->l.a.tx;
	lab_advance(&f->l, 20500);
	assert_int_equal(f->l.a.tx, tx + 1);

	/* The NAT gives A a new port: B follows it with IKE and with ESP
	 * (its SAs keep their keys and take the new port). */
	f->l.nat_shift = 20000;
	info_send_dpd(f->l.a.e, f->l.a.e->tunnels->sas);
	lab_run(&f->l, 10);
	assert_true(has_event(&f->l.b, "to-a", IKE_EV_PEER_MOVED));
	sa = lab_sa_find(&f->l.b.k, spis_of(&f->l.b).out[0]);
	assert_int_equal(sa->sa.encap_dport, 24500);
	sa = lab_sa_find(&f->l.b.k, spis_of(&f->l.b).in[0]);
	assert_int_equal(sa->sa.encap_sport, 24500);
	assert_int_equal(f->l.b.k.sa_moves, 2);
	assert_up_and_agreeing(f);

	/* Again, but B learns it from its kernel (a MAPPING event for
	 * authenticated ESP from the new port) before any IKE message: it
	 * follows at once and confirms with a liveness check there. */
	f->l.nat_shift = 30000;
	ike_kernel_events.mapping(f->l.b.e, LAB_IP(LAB_ADDR_B),
	    spis_of(&f->l.b).in[0], LAB_IP(LAB_NAT_ADDR), 34500);
	sa = lab_sa_find(&f->l.b.k, spis_of(&f->l.b).out[0]);
	assert_int_equal(sa->sa.encap_dport, 34500);
	assert_int_equal(status(&f->l.b, "to-a").remote.port, 34500);
	lab_run(&f->l, 10);
	assert_int_equal(status(&f->l.b, "to-a").dpd.last_result, 1);
	assert_up_and_agreeing(f);
	fix_free(f);
}

/*
 * The kernel names an SA by destination and SPI in EXPIRE: the engine
 * finds the CHILD SA by either SPI (its tables, not a walk of every
 * tunnel): a soft expiry of the inbound or the outbound SA rekeys it, an
 * SPI it does not hold or one at another address changes nothing, a hard
 * one makes it forget the CHILD SA the kernel removed.
 */
static void
test_ike_kernel_expire_finds_the_child_by_either_spi(void **state_)
{
	struct fix *f = fix_new(&gcm_x25519, NULL, NULL);
	struct spis s0, s1, s2;

	(void)state_;
	establish(f);
	s0 = spis_of(&f->l.a);
	ike_kernel_events.expire(f->l.a.e, LAB_IP(LAB_ADDR_A), s0.in[0], false);
	lab_run(&f->l, 100);
	s1 = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_int_not_equal(s1.in[0], s0.in[0]);
	ike_kernel_events.expire(f->l.a.e, LAB_IP(LAB_ADDR_B), s1.out[0],
	    false);
	lab_run(&f->l, 100);
	s2 = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_int_not_equal(s2.out[0], s1.out[0]);
	/* Not ours: the right SPI at the wrong address, an unknown SPI. */
	ike_kernel_events.expire(f->l.a.e, LAB_IP(LAB_ADDR_B), s2.in[0], true);
	ike_kernel_events.expire(f->l.a.e, LAB_IP(LAB_ADDR_A), s2.in[0] + 1,
	    true);
	assert_up_and_agreeing(f);
	ike_kernel_events.expire(f->l.a.e, LAB_IP(LAB_ADDR_A), s2.in[0], true);
	assert_int_equal(spis_of(&f->l.a).n, 0);
	fix_free(f);
}

/* IKE fragmentation (RFC 7383) */

#define FRAG_NETS_A                                                    \
	"10.1.0.0/24 10.1.1.0/24 10.1.2.0/24 10.1.3.0/24 10.1.4.0/24 " \
	"10.1.5.0/24 10.1.6.0/24 10.1.7.0/24 10.1.8.0/24 10.1.9.0/24 " \
	"10.1.10.0/24 10.1.11.0/24 10.1.12.0/24 10.1.13.0/24 "         \
	"10.1.14.0/24 10.1.15.0/24"
#define FRAG_NETS_B                                                    \
	"10.2.0.0/24 10.2.1.0/24 10.2.2.0/24 10.2.3.0/24 10.2.4.0/24 " \
	"10.2.5.0/24 10.2.6.0/24 10.2.7.0/24 10.2.8.0/24 10.2.9.0/24 " \
	"10.2.10.0/24 10.2.11.0/24 10.2.12.0/24 10.2.13.0/24 "         \
	"10.2.14.0/24 10.2.15.0/24"
#define FRAG_LONG                                                        \
	"with-a-name-long-enough-to-fill-most-of-what-an-fqdn-may-hold." \
	"the-two-hundred-and-fifty-three-bytes-of-rfc-1035-dns-names."   \
	"so-that-the-ike-auth-messages-pass-the-path-mtu.example.net"
static const char frag_id_a[] = "gateway-a.branch-office." FRAG_LONG;
static const char frag_id_b[] = "gateway-b.head-office." FRAG_LONG;

/*
 * A tunnel whose IKE_AUTH messages pass 1000 bytes: 16 networks a side
 * (16 selectors in TSi and in TSr, 16 bytes each), long FQDN IDs, and
 * an ESP proposal of four ciphers.  Path MTU 1000 in the lab, both
 * engines fragmenting at 1000 unless pa/pb say otherwise.
 */
static struct fix *
frag_fix(const struct ike_engine_params *pa, const struct ike_engine_params *pb)
{
	static const struct ike_engine_params dflt = { .fragment_size = 800 };
	struct fix *f = fix_new(&gcm_x25519, pa ? pa : &dflt, pb ? pb : &dflt);
	struct lab_tunnel *t[2] = { &f->ta, &f->tb };

	lab_conf(&f->ta, "to-b", LAB_ADDR_A, LAB_ADDR_B, FRAG_NETS_A,
	    FRAG_NETS_B, &gcm_x25519, f->psk);
	lab_conf(&f->tb, "to-a", LAB_ADDR_B, LAB_ADDR_A, FRAG_NETS_B,
	    FRAG_NETS_A, &gcm_x25519, f->psk_b);
	f->tb.c.initiator = false;
	for (size_t i = 0; i < 2; i++) {
		struct ike_algs *esp = &t[i]->esp[0];

		t[i]->c.local_id = i == 0 ? frag_id_a : frag_id_b;
		t[i]->c.remote_id = i == 0 ? frag_id_b : frag_id_a;
		esp->n_encr = 4;
		esp->encr[1] = 20, esp->encr_bits[1] = 128;
		esp->encr[2] = 28, esp->encr_bits[2] = 0;
		esp->encr[3] = 19, esp->encr_bits[3] = 256;
		/* A second proposal: AES-CBC with four integrity algorithms. */
		esp = &t[i]->esp[1];
		esp->n_encr = 2;
		esp->encr[0] = 12, esp->encr_bits[0] = 256;
		esp->encr[1] = 12, esp->encr_bits[1] = 128;
		esp->n_integ = 4;
		esp->integ[0] = 12, esp->integ[1] = 13, esp->integ[2] = 14;
		esp->integ[3] = 2;
		t[i]->c.n_esp = 2;
	}
	f->l.mtu = 800;
	return f;
}

/*
 * A -> B  HDR, SAi1, KEi, Ni, N(NAT_DETECTION_*), N(IKEV2_FRAG_SUPPORTED)
 * B -> A  HDR, SAr1, KEr, Nr, N(NAT_DETECTION_*), N(IKEV2_FRAG_SUPPORTED)
 * A -> B  HDR, SKF(1/n) {IDi, ...}, ..., SKF(n/n) {... TSr}
 * B -> A  HDR, SKF(1/m) {IDr, ...}, ..., SKF(m/m) {... TSr}
 * over a path that drops datagrams above 1000 bytes: the tunnel comes
 * up, and no datagram either end sent was above 1000 bytes.
 */
static void
test_ike_frag_big_auth_crosses_a_small_mtu(void **state_)
{
	struct fix *f = frag_fix(NULL, NULL);
	struct ike_counters a, b;

	(void)state_;
	add_both(f);
	lab_advance(&f->l, 5000);
	assert_up_and_agreeing(f);
	a = counters(&f->l.a);
	b = counters(&f->l.b);
	assert_int_equal(f->l.too_big, 0);
	assert_true(f->l.largest <= 800);
	assert_true(a.frag_tx >= 2 && b.frag_tx >= 2);
	assert_int_equal(a.frag_rx, b.frag_tx);
	assert_int_equal(b.frag_rx, a.frag_tx);
	assert_int_equal(a.frag_reassembled, 1);
	assert_int_equal(b.frag_reassembled, 1);
	assert_int_equal(a.retransmits + b.retransmits, 0);
	fix_free(f);
}

/*
 * Fragmentation off at either end: no notify from it, so the other end
 * sends IKE_AUTH whole, the path drops it, and the initiator says why.
 */
static void
test_ike_frag_off_on_either_end_times_out(void **state_)
{
	static const struct ike_engine_params on = { .fragment_size = 800 };
	static const struct ike_engine_params off = { .fragment_off = true };

	(void)state_;
	for (int side = 0; side < 2; side++) {
		struct fix *f =
		    frag_fix(side == 0 ? &off : &on, side == 0 ? &on : &off);
		struct ike_tunnel_status st;

		add_both(f);
		lab_advance(&f->l, 120000);
		st = status(&f->l.a, "to-b");
		assert_int_not_equal(st.state, IKE_TUNNEL_UP);
		assert_int_not_equal(state(&f->l.b, "to-a"), IKE_TUNNEL_UP);
		assert_true(f->l.too_big > 0);
		assert_true(f->l.largest > 800);
		assert_non_null(strstr(st.last_error, "no answer to IKE_AUTH"));
		assert_non_null(strstr(st.last_error,
		    side == 0 ? "off here" : "not supported by the peer"));
		assert_int_equal(counters(&f->l.a).frag_tx, 0);
		fix_free(f);
	}
}

/*
 * Fragments out of order (each train rotated on the wire) and lost (30 %
 * of all datagrams): the request and the cached response go whole again
 * on every retransmission (2.6.1), and the message is put together.
 */
static void
test_ike_frag_lost_and_reordered_still_reassemble(void **state_)
{
	struct fix *f = frag_fix(NULL, NULL);

	(void)state_;
	add_both(f);
	lab_run(&f->l, 2);	       /* IKE_SA_INIT there and back */
	assert_true(f->l.queued >= 2); /* A's IKE_AUTH, in fragments */
	lab_rotate(&f->l);
	lab_run(&f->l, f->l.queued); /* B answers, in fragments */
	assert_true(f->l.queued >= 2);
	lab_rotate(&f->l);
	lab_run(&f->l, 100);
	assert_up_and_agreeing(f);
	fix_free(f);

	for (uint64_t seed = 1; seed <= 5; seed++) {
		f = frag_fix(NULL, NULL);
		f->l.loss = 30;
		f->l.rng ^= seed;
		add_both(f);
		lab_advance(&f->l, 120000);
		f->l.loss = 0;
		lab_advance(&f->l, 1000);
		assert_up_and_agreeing(f);
		assert_true(counters(&f->l.a).frag_tx >= 2);
		fix_free(f);
	}
}

/*
 * The first fragments of a request are answered after the whole message
 * is in; a retransmitted request is answered from the cache once, on
 * its fragment 1, with every fragment of the response.
 */
static void
test_ike_frag_retransmit_answers_with_all_fragments(void **state_)
{
	struct fix *f = frag_fix(NULL, NULL);
	struct spis before;
	uint64_t a0, b0, r0;
	size_t n, m;

	(void)state_;
	add_both(f);
	lab_advance(&f->l, 5000);
	assert_up_and_agreeing(f);
	before = spis_of(&f->l.a);
	f->l.a.e->p.fragment_size = 300;
	f->l.b.e->p.fragment_size = 300;
	a0 = counters(&f->l.a).frag_tx;
	b0 = counters(&f->l.b).frag_tx;
	r0 = counters(&f->l.b).retransmits;
	/* A -> B  HDR, SKF(1/n) {N(REKEY_SA), ...} ... SKF(n/n) */
	child_start_rekey(f->l.a.e, f->l.a.e->tunnels->sas->children);
	n = f->l.queued;
	assert_true(n >= 3);
	assert_int_equal(counters(&f->l.a).frag_tx - a0, n);
	/* B -> A  HDR, SKF(1/m) ... SKF(m/m), all lost on the way. */
	lab_run(&f->l, n);
	m = f->l.queued;
	assert_true(m >= 2);
	assert_int_equal(counters(&f->l.b).frag_tx - b0, m);
	lab_flush(&f->l);
	/* A retransmits all n; B answers fragment 1 with all m from its
	 * cache, and the others with nothing. */
	lab_advance(&f->l, 1500);
	assert_int_equal(counters(&f->l.a).frag_tx - a0, 2 * n);
	assert_int_equal(counters(&f->l.b).frag_tx - b0, 2 * m);
	assert_int_equal(counters(&f->l.b).retransmits - r0, 1);
	assert_int_equal(counters(&f->l.b).frag_reassembled, 2);
	assert_up_and_agreeing(f);
	assert_int_not_equal(spis_of(&f->l.a).in[0], before.in[0]);
	fix_free(f);
}

/* A's next request, the given inner chain as an INFORMATIONAL, cut at
 * size bytes; returns the number of datagrams queued. */
static size_t
frag_send_info(struct fix *f, size_t size, size_t notifies, size_t each)
{
	struct ike_sa *sa = f->l.a.e->tunnels->sas;
	struct ike_buf inner;
	uint8_t data[2048] = { 0 };

	f->l.a.e->p.fragment_size = size;
	f->l.mtu = 0;
	ike_sa_begin(sa, &inner);
	for (size_t i = 0; i < notifies; i++)
		ike_notify_add(&inner, 0, 40000, NULL, 0, data, each);
	assert_int_equal(ike_sa_send_request(f->l.a.e, sa, REQ_DPD,
			     IKE_INFORMATIONAL, &inner),
	    0);
	return f->l.queued;
}

/* Forgets A's request that B never took: the window is free again
 * and the Message ID is used anew. */
static void
frag_unsend(struct fix *f)
{
	struct ike_sa *sa = f->l.a.e->tunnels->sas;

	ike_sa_request_done(f->l.a.e, sa);
	sa->next_req_id--;
}

/* The fragments queued, for tampering: copies of the first n. */
static size_t
frag_take(struct fix *f, uint8_t **pkt, size_t *len, size_t max)
{
	size_t n = 0;

	for (struct lab_pkt *k = f->l.head; k && n < max; k = k->next, n++) {
		pkt[n] = malloc(k->len);
		memcpy(pkt[n], k->data, k->len);
		len[n] = k->len;
	}
	lab_flush(&f->l);
	return n;
}

static void
frag_to_b(struct fix *f, const uint8_t *pkt, size_t len)
{
	struct ike_endpoint la = lab_ep(LAB_ADDR_A, 500),
			    lb = lab_ep(LAB_ADDR_B, 500);

	ike_engine_input(f->l.b.e, &lb, &la, pkt, len);
}

/*
 * The bounds of reassembly, each counted, none a crash:
 *  - a fragment whose ICV fails is dropped before it is kept (2.6);
 *  - a fragment number held already is ignored;
 *  - a message cut into more than 64 fragments is refused;
 *  - fragments whose plaintext passes 64 KiB are thrown away;
 *  - a Total Fragments lower than the one held is dropped, a higher one
 *    starts over (2.6.2).
 */
static void
test_ike_frag_limits_are_counted(void **state_)
{
	struct fix *f = frag_fix(NULL, NULL);
	uint8_t *pkt[128];
	size_t len[128], n;
	struct ike_counters b;

	(void)state_;
	add_both(f);
	lab_advance(&f->l, 5000);
	assert_up_and_agreeing(f);

	/* A 3000-byte INFORMATIONAL in 600-byte fragments. */
	assert_true(frag_send_info(f, 600, 3, 1000) >= 5);
	n = frag_take(f, pkt, len, 128);
	/* Fragment 2 with one ciphertext bit flipped, then fragment 1
	 * twice, then all of them: one ICV failure, two duplicates. */
	pkt[1][len[1] - 20] ^= 1;
	frag_to_b(f, pkt[1], len[1]);
	pkt[1][len[1] - 20] ^= 1;
	frag_to_b(f, pkt[0], len[0]);
	frag_to_b(f, pkt[0], len[0]);
	for (size_t i = 0; i < n; i++)
		frag_to_b(f, pkt[i], len[i]);
	b = counters(&f->l.b);
	assert_int_equal(b.frag_dropped_icv, 1);
	assert_int_equal(b.frag_dropped_dup, 2);
	assert_int_equal(b.frag_reassembled, 2);
	for (size_t i = 0; i < n; i++)
		free(pkt[i]);
	lab_advance(&f->l, 100);
	assert_int_equal(f->l.a.e->tunnels->sas->req.kind, REQ_NONE);

	/* The same request cut in 3, then again in 4 (2.6.2): the old
	 * cut's fragment after the new one started is dropped, the new
	 * cut completes. */
	{
		uint8_t *p3[8], *p4[8];
		size_t l3[8], l4[8], n3, n4;

		frag_send_info(f, 1000, 2, 1000);
		n3 = frag_take(f, p3, l3, 8);
		frag_unsend(f);
		frag_send_info(f, 600, 2, 1000);
		n4 = frag_take(f, p4, l4, 8);
		assert_true(n4 > n3 && n3 >= 2);
		frag_to_b(f, p3[0], l3[0]);
		frag_to_b(f, p4[0], l4[0]); /* more: starts over */
		frag_to_b(f, p3[1], l3[1]); /* fewer: dropped */
		for (size_t i = 1; i < n4; i++)
			frag_to_b(f, p4[i], l4[i]);
		b = counters(&f->l.b);
		assert_int_equal(b.frag_discarded, 1);
		assert_int_equal(b.frag_dropped_invalid, 1);
		assert_int_equal(b.frag_reassembled, 3);
		for (size_t i = 0; i < n3; i++)
			free(p3[i]);
		for (size_t i = 0; i < n4; i++)
			free(p4[i]);
		lab_advance(&f->l, 100);
	}

	/* 30 KiB in 400-byte fragments: about 90 of them, over 64. */
	n = frag_send_info(f, 400, 30, 1024);
	assert_true(n > IKE_FRAG_MAX);
	n = frag_take(f, pkt, len, 128);
	for (size_t i = 0; i < n; i++)
		frag_to_b(f, pkt[i], len[i]);
	b = counters(&f->l.b);
	assert_int_equal(b.frag_dropped_too_many, n);
	assert_int_equal(b.frag_reassembled, 3);
	for (size_t i = 0; i < n; i++)
		free(pkt[i]);
	frag_unsend(f);

	/* 66 KiB of plaintext in about 60 fragments of 1.1 KB: refused
	 * when the bytes pass 64 KiB, and so are the rest of them. */
	n = frag_send_info(f, 1200, 60, 1120);
	assert_true(n <= IKE_FRAG_MAX);
	n = frag_take(f, pkt, len, 128);
	for (size_t i = 0; i < n; i++)
		frag_to_b(f, pkt[i], len[i]);
	b = counters(&f->l.b);
	assert_true(b.frag_dropped_too_big >= 1);
	assert_int_equal(b.frag_reassembled, 3);
	for (size_t i = 0; i < n; i++)
		free(pkt[i]);
	frag_unsend(f);
	lab_advance(&f->l, 100);
	assert_up_and_agreeing(f);
	fix_free(f);
}

/*
 * A CHILD rekey whose CREATE_CHILD_SA request and response go in
 * fragments (both ends cut at 500 bytes, the path drops larger):
 * A -> B  HDR, SKF(1/n) {N(REKEY_SA), SA, Ni, ...} ... SKF(n/n) {... TSr}
 * B -> A  HDR, SKF(1/m) {SA, Nr, ...} ... SKF(m/m) {... TSr}
 */
static void
test_ike_frag_child_rekey(void **state_)
{
	struct fix *f = frag_fix(NULL, NULL);
	struct spis before, after;
	struct ike_counters a0, b0;

	(void)state_;
	add_both(f);
	lab_advance(&f->l, 5000);
	assert_up_and_agreeing(f);
	before = spis_of(&f->l.a);
	a0 = counters(&f->l.a);
	b0 = counters(&f->l.b);
	f->l.a.e->p.fragment_size = 500;
	f->l.b.e->p.fragment_size = 500;
	f->l.mtu = 500;
	child_start_rekey(f->l.a.e, f->l.a.e->tunnels->sas->children);
	lab_advance(&f->l, 5000);
	after = spis_of(&f->l.a);
	assert_up_and_agreeing(f);
	assert_int_not_equal(after.in[0], before.in[0]);
	assert_int_equal(f->l.too_big, 0);
	assert_true(counters(&f->l.a).frag_tx - a0.frag_tx >= 2);
	assert_true(counters(&f->l.b).frag_tx - b0.frag_tx >= 2);
	assert_int_equal(counters(&f->l.b).frag_reassembled, 2);
	assert_true(has_event(&f->l.b, "to-a", IKE_EV_CHILD_REKEYED));
	fix_free(f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ike_establish_every_suite),
	cmocka_unit_test(test_ike_over_ipv6_carries_both_families),
	cmocka_unit_test(test_ike_ipv6_identities),
	cmocka_unit_test(test_ike_tunnel_log_keeps_the_newest_events),
	cmocka_unit_test(test_ike_psk_mismatch_is_named_both_ways),
	cmocka_unit_test(test_ike_no_proposal_lists_both_offers),
	cmocka_unit_test(test_ike_ts_unacceptable_is_named),
	cmocka_unit_test(test_ike_ts_unacceptable_names_a_large_offer),
	cmocka_unit_test(test_ike_ts_narrowed_by_responder),
	cmocka_unit_test(test_ike_per_pair_one_child_per_pair),
	cmocka_unit_test(test_ike_narrowing_peer_is_reported),
	cmocka_unit_test(test_ike_per_pair_refused_pairs_listed),
	cmocka_unit_test(test_ike_per_pair_rekey_one_pair),
	cmocka_unit_test(test_ike_per_pair_dpd_restart_brings_all_back),
	cmocka_unit_test(test_ike_child_with_two_networks_shows_both),
	cmocka_unit_test(test_ike_invalid_ke_retries_with_the_group_asked),
	cmocka_unit_test(test_ike_cookie_demanded_and_echoed),
	cmocka_unit_test(test_ike_establishes_with_30_percent_loss),
	cmocka_unit_test(test_ike_half_open_one_address_held_at_its_bound),
	cmocka_unit_test(test_ike_half_open_many_addresses_held_at_the_total),
	cmocka_unit_test(
	    test_ike_half_open_flood_leaves_a_configured_tunnel_up),
	cmocka_unit_test(
	    test_ike_half_open_forged_peer_address_cannot_lock_it_out),
	cmocka_unit_test(test_ike_half_open_expiry_gives_everything_back),
	cmocka_unit_test(test_ike_child_rekey_replaces_the_sas),
	cmocka_unit_test(test_ike_child_rekey_loses_nothing),
	cmocka_unit_test(test_ike_child_rekey_keeps_the_counts),
	cmocka_unit_test(test_ike_ike_rekey_keeps_the_child),
	cmocka_unit_test(test_ike_simultaneous_child_rekey_leaves_one),
	cmocka_unit_test(test_ike_simultaneous_child_rekey_with_early_delete),
	cmocka_unit_test(test_ike_simultaneous_ike_rekey_leaves_one),
	cmocka_unit_test(test_ike_kernel_expire_finds_the_child_by_either_spi),
	cmocka_unit_test(test_ike_reauth_is_make_before_break),
	cmocka_unit_test(test_ike_initiator_on_starts_a_waiting_tunnel),
	cmocka_unit_test(test_ike_no_sa_before_the_peer_authenticates),
	cmocka_unit_test(
	    test_ike_peer_reauth_with_a_higher_spi_keeps_the_new_sa),
	cmocka_unit_test(test_ike_commit_psk_reauthenticates_at_once),
	cmocka_unit_test(
	    test_ike_commit_wrong_psk_keeps_old_sas_until_rollback),
	cmocka_unit_test(test_ike_commit_twice_drops_the_first_attempt),
	cmocka_unit_test(test_ike_reauth_survives_a_tunsh_responder),
	cmocka_unit_test(test_ike_rekey_off_in_place_then_hard_expiry),
	cmocka_unit_test(test_ike_rekey_on_in_place_arms_the_rekeys),
	cmocka_unit_test(test_ike_hard_expiry_of_the_ike_sa),
	cmocka_unit_test(test_ike_tunnel_rekey_child_now),
	cmocka_unit_test(test_ike_tunnel_rekey_ike_now),
	cmocka_unit_test(test_ike_tunnel_rekey_refused_when_not_up),
	cmocka_unit_test(test_ike_child_rekey_retries_with_the_pfs_group_asked),
	cmocka_unit_test(test_ike_child_rekey_ke_of_the_ike_group),
	cmocka_unit_test(test_ike_delete_clears_both_ends),
	cmocka_unit_test(test_ike_dpd_clear_stays_down),
	cmocka_unit_test(test_ike_dpd_hold_renegotiates_on_traffic),
	cmocka_unit_test(test_ike_acquire_retries_a_restarting_peer),
	cmocka_unit_test(test_ike_dpd_restart_comes_back_with_the_peer),
	cmocka_unit_test(test_ike_initiator_off_waits_for_acquire),
	cmocka_unit_test(test_ike_restart_storm_ends_with_one_sa),
	cmocka_unit_test(test_ike_malformed_input_is_dropped_and_counted),
	cmocka_unit_test(test_ike_unknown_critical_payload_is_refused),
	cmocka_unit_test(test_ike_tunnels_to_one_peer_from_two_addresses),
	cmocka_unit_test(test_ike_change_classes),
	cmocka_unit_test(test_ike_change_failing_in_kernel_keeps_old_policies),
	cmocka_unit_test(test_ike_port_4500_without_nat_is_plain_esp),
	cmocka_unit_test(test_ike_natt_floats_and_keeps_alive),
	cmocka_unit_test(test_ike_auth_retransmit_from_a_new_nat_port),
	cmocka_unit_test(test_ike_frag_big_auth_crosses_a_small_mtu),
	cmocka_unit_test(test_ike_frag_off_on_either_end_times_out),
	cmocka_unit_test(test_ike_frag_lost_and_reordered_still_reassemble),
	cmocka_unit_test(test_ike_frag_retransmit_answers_with_all_fragments),
	cmocka_unit_test(test_ike_frag_limits_are_counted),
	cmocka_unit_test(test_ike_frag_child_rekey),
};

TUNSH_TEST_MAIN(tests)
