/*
 * bench/ike_lab_bench.c: the two-engine harness of the IKE benchmarks
 * (see the header): in-memory network, fake clock, fast random source, a
 * counting kernel, and the checks that every tunnel came up.  It measures
 * nothing but R's CPU time inside ike_engine_input(); what to report is
 * the caller's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "bench/ike_lab_bench.h"
#include "lib/iana.h"

#define R_ADDR 0xc0000202u /* 192.0.2.2 */
#define I_BASE 0x0a000001u /* 10.0.0.1, + i for tunnel i */
#define I_NETS 0x0a800000u /* 10.128.0.0: tunnel i has a /28 from it */
#define R_NET  0xc0a80000u /* 192.168.0.0/16 behind R */
#define BATCH  64	   /* handshakes in flight, below cookie demand */

struct bench_lab_pkt {
	struct bench_lab_pkt *next;
	struct ike_endpoint src, dst;
	size_t len;
	uint8_t data[];
};

/* Seams */

static uint64_t
fake_now(void *arg)
{
	return ((struct bench_lab_side *)arg)->b->now_ms;
}

static uint64_t
fake_wall(void *arg)
{
	const struct bench_lab *b = ((struct bench_lab_side *)arg)->b;

	return b->wall0 + b->now_ms / 1000;
}

static const struct ike_clock_ops fake_clock = { fake_now, fake_wall };

/* xorshift64*, eight bytes a step: OpenSSL's DRBG would be measured
 * otherwise, and a run is reproducible. */
static void
fake_bytes(void *arg, void *buf, size_t len)
{
	uint64_t *s = &((struct bench_lab_side *)arg)->b->rng;
	uint8_t *p = buf;

	while (len > 0) {
		uint64_t v;
		size_t n = len < sizeof(v) ? len : sizeof(v);

		*s ^= *s >> 12;
		*s ^= *s << 25;
		*s ^= *s >> 27;
		v = *s * 2685821657736338717ull;
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}

static const struct ike_random_ops fake_random = { fake_bytes };

/* Network: one FIFO; whatever is sent to R_ADDR is R's, the rest I's. */

static int
net_send(void *arg, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct bench_lab *b = ((struct bench_lab_side *)arg)->b;
	struct bench_lab_pkt *k = malloc(sizeof(*k) + len);

	if (k == NULL)
		return -ENOMEM;
	k->next = NULL;
	k->src = *local;
	k->dst = *remote;
	k->len = len;
	memcpy(k->data, buf, len);
	if (b->tail != NULL)
		b->tail->next = k;
	else
		b->head = k;
	b->tail = k;
	return 0;
}

static const struct ike_net_ops fake_net = { net_send };

static double
thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Delivers until nothing is queued; R's share of the CPU is summed. */
static void
net_run(struct bench_lab *b)
{
	struct bench_lab_pkt *k;

	while ((k = b->head) != NULL) {
		b->head = k->next;
		if (b->head == NULL)
			b->tail = NULL;
		if (ipaddr_to4(&k->dst.addr) == R_ADDR) {
			double t0 = thread_cpu_us();

			ike_engine_input(b->r.e, &k->dst, &k->src, k->data,
			    k->len);
			b->r_cpu_us += thread_cpu_us() - t0;
		} else {
			ike_engine_input(b->i.e, &k->dst, &k->src, k->data,
			    k->len);
		}
		b->delivered++;
		free(k);
	}
}

/* Kernel: SPIs in sequence, adds counted, nothing kept. */

static int
k_spi_alloc(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
    uint32_t reqid, uint32_t *spi, struct diag *d)
{
	struct bench_lab_side *s = arg;

	(void)src;
	(void)dst;
	(void)reqid;
	(void)d;
	*spi = s->next_spi++;
	return 0;
}

static int
k_sa_add(void *arg, const struct kernel_sa *sa, struct diag *d)
{
	(void)sa;
	(void)d;
	((struct bench_lab_side *)arg)->sa_adds++;
	return 0;
}

static int
k_sa_del(void *arg, const struct ipaddr *dst, uint32_t spi)
{
	(void)arg;
	(void)dst;
	(void)spi;
	return 0;
}

static int
k_sa_query(void *arg, const struct ipaddr *dst, uint32_t spi,
    struct kernel_sa_stats *out)
{
	(void)arg;
	(void)dst;
	(void)spi;
	(void)out;
	return -ENOENT;
}

static int
k_policy_add(void *arg, const struct kernel_policy *p, struct diag *d)
{
	(void)p;
	(void)d;
	((struct bench_lab_side *)arg)->policy_adds++;
	return 0;
}

static int
k_policy_del(void *arg, const struct kernel_policy *p)
{
	(void)arg;
	(void)p;
	return 0;
}

static const struct kernel_ops fake_kernel = {
	.spi_alloc = k_spi_alloc,
	.sa_add = k_sa_add,
	.sa_del = k_sa_del,
	.sa_query = k_sa_query,
	.policy_add = k_policy_add,
	.policy_del = k_policy_del,
};

static void
side_init(struct bench_lab *b, struct bench_lab_side *s, uint32_t spi_base)
{
	struct ike_engine_params p = {
		.net = &fake_net,
		.net_arg = s,
		.kernel = &fake_kernel,
		.kernel_arg = s,
		.clock = &fake_clock,
		.clock_arg = s,
		.random = &fake_random,
		.random_arg = s,
	};

	s->b = b;
	s->next_spi = spi_base;
	if ((s->e = ike_engine_new(&p)) == NULL) {
		fprintf(stderr, "%s: ike_engine_new failed\n", b->prog);
		abort();
	}
}

/* Tunnels */

/* What a tunnel configuration points to, for the length of one add. */
struct conf_store {
	struct ike_tunnel_conf c;
	struct ipaddr ln, rn;
	struct ike_algs ike, esp;
};

/*
 * Tunnel i of side I (initiator) or R: aes256gcm16-prfsha256-x25519 for
 * IKE, aes256gcm16 for ESP, realistic lifetimes and DPD so that every
 * timer an SA keeps in production is armed here too.
 */
static void
conf_make(const struct bench_lab *b, struct conf_store *s, size_t i,
    bool initiator, const struct secbuf *psk)
{
	struct ipaddr inet, rnet;
	struct ike_tunnel_conf *c = &s->c;

	memset(s, 0, sizeof(*s));
	b->name(c->name, sizeof(c->name), i, initiator);
	c->enable = true;
	ipaddr_from4(I_NETS + (uint32_t)i * 16, 28, &inet);
	ipaddr_from4(R_NET, 16, &rnet);
	ipaddr_from4(initiator ? I_BASE + (uint32_t)i : R_ADDR, 32,
	    &c->local_addr);
	ipaddr_from4(initiator ? R_ADDR : I_BASE + (uint32_t)i, 32,
	    &c->remote_addr);
	c->psk = psk;
	s->ln = initiator ? inet : rnet;
	s->rn = initiator ? rnet : inet;
	c->local_nets = &s->ln;
	c->remote_nets = &s->rn;
	c->n_local = c->n_remote = 1;
	s->ike.n_encr = s->ike.n_prf = s->ike.n_dh = 1;
	s->ike.encr[0] = IKE_ENCR_AES_GCM_16;
	s->ike.encr_bits[0] = 256;
	s->ike.prf[0] = IKE_PRF_HMAC_SHA2_256;
	s->ike.dh[0] = IKE_DH_CURVE25519;
	s->esp.n_encr = 1;
	s->esp.encr[0] = IKE_ENCR_AES_GCM_16;
	s->esp.encr_bits[0] = 256;
	c->ike = &s->ike;
	c->esp = &s->esp;
	c->n_ike = c->n_esp = 1;
	c->ike_lifetime = 28800;
	c->child_lifetime = 3600;
	c->initiator = initiator;
	c->rekey = true;
	c->dpd_action = initiator ? IKE_DPD_RESTART : IKE_DPD_CLEAR;
	c->dpd_timeout = 30;
	c->dpd_delay = 10;
}

static void
tunnel_add(struct bench_lab_side *s, size_t i, bool initiator,
    const struct secbuf *psk)
{
	struct conf_store cs;
	struct diag d;

	conf_make(s->b, &cs, i, initiator, psk);
	diag_init(&d);
	if (ike_tunnel_add(s->e, &cs.c, &d) < 0)
		bench_die("ike_tunnel_add", &d);
	diag_clear(&d);
}

/* Verification: every tunnel of R has an established IKE SA and a
 * CHILD SA, which is what ike_tunnel_status calls UP. */

struct seen {
	uint8_t *flags; /* bit 0: established IKE SA, bit 1: CHILD SA */
	size_t n;
};

static size_t
name_index(const char *name)
{
	return (size_t)strtoul(name + 1, NULL, 10);
}

static void
seen_sa(void *arg, const struct ike_sa_status *st)
{
	struct seen *s = arg;
	size_t i = name_index(st->tunnel);

	if (i < s->n && strcmp(st->state, "established") == 0)
		s->flags[i] |= 1;
}

static void
seen_child(void *arg, const struct ike_child_status *st)
{
	struct seen *s = arg;
	size_t i = name_index(st->tunnel);

	if (i < s->n)
		s->flags[i] |= 2;
}

static void
tunnel_check(const struct bench_lab *b, size_t i)
{
	struct ike_tunnel_status st;
	char name[IKE_NAME_MAX + 1];

	b->name(name, sizeof(name), i, false);
	if (ike_tunnel_status(b->r.e, name, &st) < 0 ||
	    st.state != IKE_TUNNEL_UP) {
		fprintf(stderr, "%s: tunnel %s is %s, not up: %s\n", b->prog,
		    name, ike_tunnel_state_name(st.state), st.last_error);
		abort();
	}
}

/*
 * ike_tunnel_status looks a tunnel up by walking the list of all of them,
 * so asking it for each of 100,000 tunnels is O(n^2): every tunnel is
 * checked through the SA and CHILD SA walks, and ike_tunnel_status itself
 * for every tunnel up to 10,000 and for 1,000 spread over the rest.
 */
static void
verify_up(const struct bench_lab *b, size_t n)
{
	const struct ike_engine *e = b->r.e;
	struct seen s = { calloc(n, 1), n };
	size_t stride = n <= 10000 ? 1 : n / 1000;
	char name[IKE_NAME_MAX + 1];

	if (s.flags == NULL) {
		fprintf(stderr, "%s: out of memory\n", b->prog);
		abort();
	}
	ike_sa_each(e, NULL, seen_sa, &s);
	ike_child_each(e, NULL, seen_child, &s);
	for (size_t i = 0; i < n; i++)
		if (s.flags[i] != 3) {
			b->name(name, sizeof(name), i, false);
			fprintf(stderr,
			    "%s: tunnel %s not up (IKE SA %s, CHILD SA %s)\n",
			    b->prog, name,
			    s.flags[i] & 1 ? "established" : "missing",
			    s.flags[i] & 2 ? "installed" : "missing");
			tunnel_check(b, i);
			abort();
		}
	free(s.flags);
	for (size_t i = 0; i < n; i += stride)
		tunnel_check(b, i);
}

static void
default_name(char *buf, size_t len, size_t i, bool initiator)
{
	snprintf(buf, len, "%c%06zu", initiator ? 'i' : 'r', i);
}

void
bench_lab_init(struct bench_lab *b, const char *prog, bench_lab_name_fn name,
    uint64_t wall0)
{
	memset(b, 0, sizeof(*b));
	b->rng = 0x9e3779b97f4a7c15ull;
	b->now_ms = 1000;
	b->wall0 = wall0;
	b->prog = prog;
	b->name = name ? name : default_name;
	side_init(b, &b->i, 0xa0000001u);
	side_init(b, &b->r, 0xb0000001u);
}

void
bench_lab_add(struct bench_lab *b, size_t n, const struct secbuf *psk)
{
	double t0 = bench_now_ms();

	for (size_t i = 0; i < n; i++)
		tunnel_add(&b->r, i, false, psk);
	fprintf(stderr, "%s: %zu responder tunnels added in %.0f ms\n", b->prog,
	    n, bench_now_ms() - t0);
}

void
bench_lab_up(struct bench_lab *b, size_t n, const struct secbuf *psk)
{
	struct ike_counters c;
	double t0 = bench_now_ms();

	bench_lab_add(b, n, psk);
	for (size_t i = 0; i < n; i += BATCH) {
		for (size_t j = i; j < n && j < i + BATCH; j++)
			tunnel_add(&b->i, j, true, psk);
		net_run(b);
	}
	fprintf(stderr, "%s: %zu tunnels up in %.0f ms\n", b->prog, n,
	    bench_now_ms() - t0);
	verify_up(b, n);
	ike_engine_counters(b->r.e, &c);
	if (c.ike_sas != n || c.child_sas != n || b->r.sa_adds != 2 * n) {
		fprintf(stderr,
		    "%s: responder has %llu IKE SAs, %llu CHILD SAs, "
		    "%zu kernel SAs for %zu tunnels\n",
		    b->prog, (unsigned long long)c.ike_sas,
		    (unsigned long long)c.child_sas, b->r.sa_adds, n);
		abort();
	}
}

void
bench_lab_free(struct bench_lab *b)
{
	struct bench_lab_pkt *k;

	while ((k = b->head) != NULL) {
		b->head = k->next;
		free(k);
	}
	b->tail = NULL;
	ike_engine_free(b->i.e);
	ike_engine_free(b->r.e);
	b->i.e = b->r.e = NULL;
}
