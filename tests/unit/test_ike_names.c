/*
 * tests/unit/test_ike_names.c: a tunnel whose peer is given by name, on
 * the in-memory network of ike_lab.c with a fake resolver behind the
 * engine's resolve seam (struct ike_resolve_ops): resolved when the
 * tunnel is set up, again before every initiation and when the answer's
 * seconds run out; a change followed; as responder, any address the name
 * resolved to matches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "ike_lab.h"
#include "test.h"

static const struct lab_suite suite = { "aes256gcm16-prfsha256-x25519", 20, 256,
	5, 0, 31 };

/* The fake resolver: one name, its answer, or a failure; or pending. */
struct fake_dns {
	const char *name;
	uint32_t addrs[4];
	size_t n;
	uint32_t ttl;
	int fail;	/* -errno: the name fails */
	bool pending;	/* answers 0: a query under way */
	bool v6_only;	/* answers one IPv6 address */
	unsigned asked; /* calls for name */
};

static int
fake_resolve(void *arg, const char *name, struct ipaddr *out, size_t max,
    uint32_t *ttl, char *why, size_t why_len)
{
	struct fake_dns *f = arg;

	if (strcmp(name, f->name) != 0) {
		snprintf(why, why_len, "no such name");
		*ttl = 30;
		return -ENOENT;
	}
	f->asked++;
	if (f->pending)
		return 0;
	*ttl = f->ttl;
	if (f->fail < 0) {
		snprintf(why, why_len, "no such name (NXDOMAIN)");
		return f->fail;
	}
	if (f->v6_only) {
		assert_int_equal(ipaddr_parse("2001:db8::2", &out[0]), 0);
		return 1;
	}
	for (size_t i = 0; i < f->n && i < max; i++)
		ipaddr_from4(f->addrs[i], 32, &out[i]);
	return (int)(f->n < max ? f->n : max);
}

static const struct ike_resolve_ops fake_ops = { fake_resolve };

struct fix {
	struct lab l;
	struct fake_dns dns;
	struct secbuf *psk, *psk_b;
	struct lab_tunnel ta, tb;
};

/* A initiates to B by name "b.example"; B answers A by address. */
static struct fix *
fix_new(void)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct ike_engine_params pa = { 0 };

	f->dns = (struct fake_dns){ .name = "b.example",
		.addrs = { LAB_ADDR_B },
		.n = 1,
		.ttl = 60 };
	pa.resolve = &fake_ops;
	pa.resolve_arg = &f->dns;
	lab_init(&f->l, &pa, NULL);
	f->psk = secbuf_from_str("lab-secret-1");
	f->psk_b = secbuf_dup(f->psk);
	lab_conf(&f->ta, "to-b", LAB_ADDR_A, 0, "10.1.0.0/24", "10.2.0.0/24",
	    &suite, f->psk);
	f->ta.c.remote_name = "b.example";
	lab_conf(&f->tb, "to-a", LAB_ADDR_B, LAB_ADDR_A, "10.2.0.0/24",
	    "10.1.0.0/24", &suite, f->psk_b);
	f->tb.c.initiator = false;
	return f;
}

static void
fix_free(struct fix *f)
{
	lab_free(&f->l);
	secbuf_free(f->psk);
	secbuf_free(f->psk_b);
	free(f);
}

static struct ike_tunnel_status
status(struct lab_peer *p, const char *name)
{
	struct ike_tunnel_status st;

	assert_int_equal(ike_tunnel_status(p->e, name, &st), 0);
	return st;
}

/* The tunnel's remote address, IPv4 in host order (0: none). */
static uint32_t
remote4(struct lab_peer *p, const char *name)
{
	struct ike_tunnel_status st = status(p, name);

	return ipaddr_to4(&st.remote.addr);
}

/* Whether an event of st's history says text. */
static bool
said(const struct ike_tunnel_status *st, const char *text)
{
	for (size_t i = 0; i < st->n_events; i++)
		if (strstr(st->events[i].text, text) != NULL)
			return true;
	return false;
}

static void
test_names_resolved_when_set_up(void **state)
{
	struct fix *f = fix_new();
	struct ike_tunnel_status st;

	(void)state;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	lab_run(&f->l, 100);
	st = status(&f->l.a, "to-b");
	assert_int_equal(st.state, IKE_TUNNEL_UP);
	assert_int_equal(ipaddr_to4(&st.remote.addr), LAB_ADDR_B);
	assert_int_equal(status(&f->l.b, "to-a").state, IKE_TUNNEL_UP);
	assert_true(f->dns.asked >= 1);
	fix_free(f);
}

/* Not resolved yet: nothing is sent; the answer starts it. */
static void
test_names_answer_later_starts_the_tunnel(void **state)
{
	struct fix *f = fix_new();

	(void)state;
	f->dns.pending = true;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	lab_run(&f->l, 100);
	assert_int_equal(f->l.a.tx, 0);
	assert_int_equal(f->l.a.k.n_pol, 0); /* no policies to nowhere */
	f->dns.pending = false;
	ike_engine_resolved(f->l.a.e, "b.example");
	lab_run(&f->l, 100);
	assert_int_equal(status(&f->l.a, "to-b").state, IKE_TUNNEL_UP);
	assert_true(f->l.a.k.n_pol > 0);
	fix_free(f);
}

/* A commit while the name is asked: the tunnel is still set up (its
 * policies first) when the answer comes. */
static void
test_names_change_while_asked_sets_up_first(void **state)
{
	struct fix *f = fix_new();

	(void)state;
	f->dns.pending = true;
	f->ta.c.initiator = false;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	f->dns.pending = false; /* answered, not told yet */
	f->ta.c.initiator = true;
	assert_int_equal(ike_tunnel_change(f->l.a.e, &f->ta.c,
			     IKE_CHANGE_IN_PLACE, NULL),
	    0);
	lab_run(&f->l, 100);
	assert_int_equal(status(&f->l.a, "to-b").state, IKE_TUNNEL_UP);
	assert_true(f->l.a.k.n_pol > 0);
	fix_free(f);
}

/* A failure is the tunnel's last error in words, retried; then it comes. */
static void
test_names_failure_is_said_and_retried(void **state)
{
	struct fix *f = fix_new();
	struct ike_tunnel_status st;

	(void)state;
	f->dns.fail = -ENOENT;
	f->dns.ttl = 5;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	lab_run(&f->l, 100);
	st = status(&f->l.a, "to-b");
	assert_string_equal(st.last_error,
	    "cannot resolve b.example: no such name (NXDOMAIN)");
	assert_int_equal(st.event_counts[IKE_EV_RESOLVE_FAILED], 1);
	lab_advance(&f->l, 5000); /* the retry: still failing, said once */
	st = status(&f->l.a, "to-b");
	assert_int_equal(st.event_counts[IKE_EV_RESOLVE_FAILED], 1);
	assert_true(f->dns.asked >= 2);
	f->dns.fail = 0;
	lab_advance(&f->l, 5000);
	st = status(&f->l.a, "to-b");
	assert_int_equal(st.state, IKE_TUNNEL_UP);
	assert_string_equal(st.last_error, "");
	fix_free(f);
}

/*
 * The name moves to B2 while the SAs are up: said, and the SAs stay;
 * the next initiation asks again and goes to the new address.
 */
static void
test_names_change_followed_at_next_initiation(void **state)
{
	struct fix *f = fix_new();
	struct ike_tunnel_status st;
	unsigned before;

	(void)state;
	lab_conf(&f->tb, "to-a", LAB_ADDR_B2, LAB_ADDR_A, "10.2.0.0/24",
	    "10.1.0.0/24", &suite, f->psk_b);
	f->tb.c.initiator = false;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	/* B answers on B too (the first address of the name). */
	lab_conf(&f->tb, "to-a-old", LAB_ADDR_B, LAB_ADDR_A, "10.2.0.0/24",
	    "10.1.0.0/24", &suite, f->psk_b);
	f->tb.c.initiator = false;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	lab_run(&f->l, 100);
	assert_int_equal(remote4(&f->l.a, "to-b"), LAB_ADDR_B);
	f->dns.addrs[0] = LAB_ADDR_B2;
	lab_advance(&f->l, 61000); /* the TTL ran out: asked again */
	st = status(&f->l.a, "to-b");
	assert_int_equal(st.state, IKE_TUNNEL_UP);
	assert_int_equal(ipaddr_to4(&st.remote.addr),
	    LAB_ADDR_B); /* the SAs stay */
	assert_int_equal(st.event_counts[IKE_EV_PEER_MOVED], 1);
	assert_true(said(&st, "peer b.example now resolves to 192.0.2.4"));
	before = f->dns.asked;
	assert_int_equal(ike_tunnel_terminate(f->l.a.e, "to-b", true, NULL), 0);
	lab_run(&f->l, 100);
	assert_true(f->dns.asked > before); /* asked before initiating */
	st = status(&f->l.a, "to-b");
	assert_int_equal(st.state, IKE_TUNNEL_UP);
	assert_int_equal(ipaddr_to4(&st.remote.addr), LAB_ADDR_B2);
	assert_int_equal(status(&f->l.b, "to-a").state, IKE_TUNNEL_UP);
	assert_int_equal(st.event_counts[IKE_EV_PEER_MOVED], 2);
	assert_true(
	    said(&st, "peer b.example moved: now 192.0.2.4 (was 192.0.2.2)"));
	fix_free(f);
}

/*
 * A peer on a dynamic address: the first answer is an address nobody
 * has, and the tries to it go unanswered; when the name's TTL runs out
 * the new answer is taken at once, the tries to the old one dropped.
 */
static void
test_names_tries_to_an_old_address_follow_the_name(void **state)
{
	struct fix *f = fix_new();
	struct ike_tunnel_status st;

	(void)state;
	f->dns.addrs[0] = 0xc0000263u; /* 192.0.2.99: nobody */
	f->dns.ttl = 5;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	lab_advance(&f->l, 3000);
	st = status(&f->l.a, "to-b");
	assert_int_equal(st.state, IKE_TUNNEL_CONNECTING);
	assert_int_equal(ipaddr_to4(&st.remote.addr), 0xc0000263u);
	f->dns.addrs[0] = LAB_ADDR_B;
	lab_advance(&f->l, 2500); /* the TTL ran out: asked again */
	st = status(&f->l.a, "to-b");
	assert_int_equal(st.state, IKE_TUNNEL_UP);
	assert_int_equal(ipaddr_to4(&st.remote.addr), LAB_ADDR_B);
	assert_int_equal(st.n_ike_sas, 1);
	assert_true(
	    said(&st, "peer b.example moved: now 192.0.2.2 (was 192.0.2.99)"));
	fix_free(f);
}

/* As responder: the name's second address matches too. */
static void
test_names_responder_matches_every_address(void **state)
{
	struct fix *f = fix_new();
	struct ike_engine_params pb = { 0 };

	(void)state;
	lab_free(&f->l);
	f->dns = (struct fake_dns){ .name = "a.example",
		.addrs = { LAB_ADDR_A2, LAB_ADDR_A },
		.n = 2,
		.ttl = 60 };
	pb.resolve = &fake_ops;
	pb.resolve_arg = &f->dns;
	lab_init(&f->l, NULL, &pb);
	lab_conf(&f->ta, "to-b", LAB_ADDR_A, LAB_ADDR_B, "10.1.0.0/24",
	    "10.2.0.0/24", &suite, f->psk);
	f->tb.c.remote_name = "a.example";
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	assert_int_equal(remote4(&f->l.b, "to-a"), LAB_ADDR_A2);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	lab_run(&f->l, 100);
	assert_int_equal(status(&f->l.a, "to-b").state, IKE_TUNNEL_UP);
	assert_int_equal(status(&f->l.b, "to-a").state, IKE_TUNNEL_UP);
	/* Its policies follow the address it came from. */
	assert_int_equal(remote4(&f->l.b, "to-a"), LAB_ADDR_A);
	fix_free(f);
}

/*
 * The answer's addresses of the local address's family are the peer's:
 * an IPv6-only answer for an IPv4 tunnel is refused in words, and the
 * same answer for a tunnel over IPv6 comes up over IPv6.
 */
static void
test_names_keep_the_local_family(void **state)
{
	struct fix *f = fix_new();
	struct ike_tunnel_status st;
	char buf[IPADDR_STRLEN];

	(void)state;
	f->dns.v6_only = true;
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	assert_non_null(strstr(status(&f->l.a, "to-b").last_error,
	    "cannot resolve b.example: no IPv4 address, and the local "
	    "address 192.0.2.1 is IPv4: give the name an A record"));
	assert_int_equal(f->l.a.tx, 0);
	fix_free(f);

	f = fix_new();
	f->dns.v6_only = true; /* 2001:db8::2, B's */
	lab_conf_at(&f->ta, "to-b", LAB_ADDR6_A, LAB_ADDR6_B, "10.1.0.0/24",
	    "10.2.0.0/24", &suite, f->psk);
	f->ta.c.remote_name = "b.example";
	lab_conf_at(&f->tb, "to-a", LAB_ADDR6_B, LAB_ADDR6_A, "10.2.0.0/24",
	    "10.1.0.0/24", &suite, f->psk_b);
	f->tb.c.initiator = false;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	lab_run(&f->l, 100);
	st = status(&f->l.a, "to-b");
	assert_int_equal(st.state, IKE_TUNNEL_UP);
	ipaddr_format(&st.remote.addr, buf, sizeof(buf));
	assert_string_equal(buf, LAB_ADDR6_B);
	fix_free(f);
}

/* A commit that keeps the name keeps its answer and the SAs. */
static void
test_names_change_in_place_keeps_the_answer(void **state)
{
	struct fix *f = fix_new();

	(void)state;
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->tb.c, NULL), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->ta.c, NULL), 0);
	lab_run(&f->l, 100);
	f->ta.c.dpd_timeout = 30;
	assert_int_equal(ike_tunnel_change(f->l.a.e, &f->ta.c,
			     IKE_CHANGE_IN_PLACE, NULL),
	    0);
	lab_run(&f->l, 100);
	assert_int_equal(status(&f->l.a, "to-b").state, IKE_TUNNEL_UP);
	assert_int_equal(remote4(&f->l.a, "to-b"), LAB_ADDR_B);
	assert_int_equal(status(&f->l.a, "to-b").n_ike_sas, 1);
	fix_free(f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_names_resolved_when_set_up),
	cmocka_unit_test(test_names_answer_later_starts_the_tunnel),
	cmocka_unit_test(test_names_change_while_asked_sets_up_first),
	cmocka_unit_test(test_names_failure_is_said_and_retried),
	cmocka_unit_test(test_names_change_followed_at_next_initiation),
	cmocka_unit_test(test_names_tries_to_an_old_address_follow_the_name),
	cmocka_unit_test(test_names_responder_matches_every_address),
	cmocka_unit_test(test_names_keep_the_local_family),
	cmocka_unit_test(test_names_change_in_place_keeps_the_answer),
};

TUNSH_TEST_MAIN(tests)
