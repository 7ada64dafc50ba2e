/*
 * tests/unit/test_ike_exchange.c: two IKE engines, A (192.0.2.1) and B
 * (192.0.2.2), over the in-memory network of ike_lab.c, one datagram at
 * a time on a fake clock, the way strongSwan's exchange tests run.  Each
 * test says in RFC 7296 notation what crosses the wire, and checks what a
 * user would see: tunnel state, the error in words, the kernel's SAs.
 */
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

static __attribute__((unused)) struct ike_tunnel_status
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

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ike_establish_every_suite),
};

TUNSH_TEST_MAIN(tests)
