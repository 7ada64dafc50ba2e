/*
 * bench/ike_bench.c: what one established tunnel costs an IKE responder,
 * in CPU and in memory, as the number of tunnels grows.  Two engines run
 * in this process: I initiates N tunnels, each from its own address in
 * 10.0.0.0/8, to R at 192.0.2.2, which has one tunnel per initiator
 * address.  They meet over an in-memory network, on a fake clock, with a
 * fast deterministic random source and a kernel that only counts.
 *
 * Only R is measured: the thread CPU time spent inside
 * ike_engine_input(R, ...) divided by N, and the heap R holds once every
 * tunnel is up (configuration, IKE SA, CHILD SA, timers, tables) divided
 * by N.  The harness is our own rather than tests/unit/ike_lab.c, which
 * has two peers with fixed addresses and a fixed-size fake kernel.
 *
 * Usage: ike_bench [N ...] (default 1000 10000 100000).  Prints
 * "BENCH <name> <value> <unit>" lines on stdout; progress on stderr.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "ike/ike.h"

#define R_ADDR		      0xc0000202u /* 192.0.2.2 */
#define I_BASE		      0x0a000001u /* 10.0.0.1, + i for tunnel i */
#define I_NETS		      0x0a800000u /* 10.128.0.0: tunnel i has a /28 from it */
#define R_NET		      0xc0a80000u /* 192.168.0.0/16 behind R */
#define BATCH		      64 /* handshakes in flight, below cookie demand */
#define N_MAX		      500000u /* 10.128.0.0/9 holds 524,288 /28s */
#define IKE_ENCR_AES_GCM_16   20
#define IKE_PRF_HMAC_SHA2_256 5
#define IKE_DH_CURVE25519     31

struct pkt {
	struct pkt *next;
	struct ike_endpoint src, dst;
	size_t len;
	uint8_t data[];
};

struct bench;
struct side {
	struct bench *b;
	struct ike_engine *e;
	uint32_t next_spi;
	size_t sa_adds, policy_adds;
};

struct bench {
	struct side i, r;
	struct pkt *head, *tail;
	uint64_t rng, now_ms;
	double r_cpu_us; /* inside ike_engine_input(R) */
	size_t delivered;
};

/* Seams */

static uint64_t
fake_now(void *arg)
{
	return ((struct side *)arg)->b->now_ms;
}

static uint64_t
fake_wall(void *arg)
{
	return 1800000000 + ((struct side *)arg)->b->now_ms / 1000;
}

static const struct ike_clock_ops fake_clock = { fake_now, fake_wall };

/* xorshift64*, eight bytes a step: OpenSSL's DRBG would be measured
 * otherwise, and a run is reproducible. */
static void
fake_bytes(void *arg, void *buf, size_t len)
{
	uint64_t *s = &((struct side *)arg)->b->rng;
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
	struct bench *b = ((struct side *)arg)->b;
	struct pkt *k = malloc(sizeof(*k) + len);

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
net_run(struct bench *b)
{
	struct pkt *k;

	while ((k = b->head) != NULL) {
		b->head = k->next;
		if (b->head == NULL)
			b->tail = NULL;
		if (k->dst.addr == R_ADDR) {
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
k_spi_alloc(void *arg, uint32_t src, uint32_t dst, uint32_t reqid,
    uint32_t *spi, struct diag *d)
{
	struct side *s = arg;

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
	((struct side *)arg)->sa_adds++;
	return 0;
}

static int
k_sa_del(void *arg, uint32_t dst, uint32_t spi)
{
	(void)arg;
	(void)dst;
	(void)spi;
	return 0;
}

static int
k_sa_query(void *arg, uint32_t dst, uint32_t spi, struct kernel_sa_stats *out)
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
	((struct side *)arg)->policy_adds++;
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
side_init(struct bench *b, struct side *s, uint32_t spi_base)
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
		fprintf(stderr, "ike_bench: ike_engine_new failed\n");
		abort();
	}
}

/* Tunnels */

/* What a tunnel configuration points to, for the length of one add. */
struct conf_store {
	struct ike_tunnel_conf c;
	struct prefix4 ln, rn;
	struct ike_algs ike, esp;
};

/*
 * Tunnel i of side I (initiator) or R: aes256gcm16-prfsha256-x25519 for
 * IKE, aes256gcm16 for ESP, realistic lifetimes and DPD so that every
 * timer an SA keeps in production is armed here too.
 */
static void
conf_make(struct conf_store *s, size_t i, bool initiator,
    const struct secbuf *psk)
{
	struct prefix4 inet = { I_NETS + (uint32_t)i * 16, 28 };
	struct prefix4 rnet = { R_NET, 16 };
	struct ike_tunnel_conf *c = &s->c;

	memset(s, 0, sizeof(*s));
	snprintf(c->name, sizeof(c->name), "%c%06zu", initiator ? 'i' : 'r', i);
	c->enable = true;
	c->local_addr = initiator ? I_BASE + (uint32_t)i : R_ADDR;
	c->remote_addr = initiator ? R_ADDR : I_BASE + (uint32_t)i;
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
tunnel_add(struct side *s, size_t i, bool initiator, const struct secbuf *psk)
{
	struct conf_store cs;
	struct diag d;

	conf_make(&cs, i, initiator, psk);
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
tunnel_check(const struct ike_engine *e, size_t i)
{
	struct ike_tunnel_status st;
	char name[IKE_NAME_MAX + 1];

	snprintf(name, sizeof(name), "r%06zu", i);
	if (ike_tunnel_status(e, name, &st) < 0 || st.state != IKE_TUNNEL_UP) {
		fprintf(stderr, "ike_bench: tunnel %s is %s, not up: %s\n",
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
verify_up(const struct ike_engine *e, size_t n)
{
	struct seen s = { calloc(n, 1), n };
	size_t stride = n <= 10000 ? 1 : n / 1000;

	if (s.flags == NULL) {
		fprintf(stderr, "ike_bench: out of memory\n");
		abort();
	}
	ike_sa_each(e, NULL, seen_sa, &s);
	ike_child_each(e, NULL, seen_child, &s);
	for (size_t i = 0; i < n; i++)
		if (s.flags[i] != 3) {
			fprintf(stderr,
			    "ike_bench: tunnel r%06zu not up "
			    "(IKE SA %s, CHILD SA %s)\n",
			    i, s.flags[i] & 1 ? "established" : "missing",
			    s.flags[i] & 2 ? "installed" : "missing");
			tunnel_check(e, i);
			abort();
		}
	free(s.flags);
	for (size_t i = 0; i < n; i += stride)
		tunnel_check(e, i);
}

/* Heap in use: small blocks in the arenas plus mmapped large ones (the
 * timer heap and the tables grow past the mmap threshold at scale). */
static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* One size; report off for the warm-up. */
static void
run(size_t n, const struct secbuf *psk, bool report)
{
	struct bench b = { .rng = 0x9e3779b97f4a7c15ull, .now_ms = 1000 };
	struct ike_counters c;
	size_t heap0, heap1;
	double t0 = bench_now_ms();
	char name[64];

	side_init(&b, &b.i, 0xa0000001u);
	side_init(&b, &b.r, 0xb0000001u);
	heap0 = heap_in_use();
	for (size_t i = 0; i < n; i++)
		tunnel_add(&b.r, i, false, psk);
	fprintf(stderr, "ike_bench: %zu responder tunnels added in %.0f ms\n",
	    n, bench_now_ms() - t0);
	for (size_t i = 0; i < n; i += BATCH) {
		for (size_t j = i; j < n && j < i + BATCH; j++)
			tunnel_add(&b.i, j, true, psk);
		net_run(&b);
	}
	fprintf(stderr, "ike_bench: %zu tunnels up in %.0f ms\n", n,
	    bench_now_ms() - t0);
	verify_up(b.r.e, n);
	ike_engine_counters(b.r.e, &c);
	if (c.ike_sas != n || c.child_sas != n || b.r.sa_adds != 2 * n) {
		fprintf(stderr,
		    "ike_bench: responder has %llu IKE SAs, %llu CHILD SAs, "
		    "%zu kernel SAs for %zu tunnels\n",
		    (unsigned long long)c.ike_sas,
		    (unsigned long long)c.child_sas, b.r.sa_adds, n);
		abort();
	}
	/* What is left once I is gone is R's (the queue is empty). */
	ike_engine_free(b.i.e);
	heap1 = heap_in_use();
	if (!report) {
		ike_engine_free(b.r.e);
		return;
	}
	snprintf(name, sizeof(name), "ike_responder_us_per_tunnel_%zu", n);
	bench_report(name, b.r_cpu_us / (double)n, "us");
	snprintf(name, sizeof(name), "ike_bytes_per_tunnel_%zu", n);
	bench_report(name,
	    heap1 > heap0 ? (double)(heap1 - heap0) / (double)n : 0.0, "bytes");
	ike_engine_free(b.r.e);
	fprintf(stderr, "ike_bench: %zu tunnels done in %.0f ms\n", n,
	    bench_now_ms() - t0);
}

int
main(int argc, char **argv)
{
	static const size_t defaults[] = { 1000, 10000, 100000 };
	struct secbuf *psk = secbuf_from_str("ike-bench-pre-shared-key-0123");

	if (psk == NULL)
		return 1;
	log_set_level(LOG_LVL_WARN);
	/* OpenSSL sets up its providers and caches on first use: one tunnel
	 * first, so that the first size is not charged for them. */
	run(1, psk, false);
	if (argc > 1) {
		for (int a = 1; a < argc; a++) {
			char *end;
			unsigned long v = strtoul(argv[a], &end, 10);

			if (*end != '\0' || v == 0 || v > N_MAX) {
				fprintf(stderr,
				    "usage: ike_bench [tunnels ...] "
				    "(1 to %u each)\n",
				    N_MAX);
				return 2;
			}
			run((size_t)v, psk, true);
		}
	} else {
		for (size_t k = 0; k < sizeof(defaults) / sizeof(defaults[0]);
		     k++)
			run(defaults[k], psk, true);
	}
	secbuf_free(psk);
	return 0;
}
