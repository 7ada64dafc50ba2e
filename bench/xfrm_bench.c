/*
 * bench/xfrm_bench.c: how fast tunsh's netlink layer puts tunnels into the
 * kernel.  Each of N tunnels gets what the IKE engine installs for one
 * established policy-based tunnel: an inbound ESP SA (XFRM_MSG_ALLOCSPI,
 * then the SA over the larval state, as ike/child.c does), an outbound
 * one, both AES-GCM-256 (rfc4106(gcm(aes)), 36-byte keys with the salt,
 * 128-bit ICV), and the out, in and fwd policies with an ESP tunnel
 * template and the tunnel's reqid.  All of it through kernel_nl_ops, in a
 * network namespace of its own (unshare(CLONE_NEWNET)), so nothing the
 * machine holds is touched and the namespace vanishes with the process.
 *
 *   xfrm_install_tunnels_per_s   N tunnels / the wall time of installing
 *                                them, after a one-tunnel warm-up (module
 *                                autoload, first allocations)
 *   xfrm_sa_query_ms_N           reading the counters of the 2N SAs
 *                                (kernel_nl_ops.sa_query, one GETSA each):
 *                                what show ipsec sa and show ipsec tunnel
 *                                add under tunshd for N tunnels, on top of
 *                                show_ipsec_bench's figures
 *
 * The kernel must have ESP: the build machines' has not, so
 * bench/xfrm_bench.sh runs this in a user-mode-linux guest, next to the
 * same objects made by one ip-xfrm process each.  Without root or without
 * ESP it says why on stderr and reports nothing.
 *
 * Usage: xfrm_bench [N] (default 1000).  Prints "BENCH" lines on stdout;
 * progress on stderr.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "kernel/kernel.h"

#define LOCAL_ADDR 0xc0000201u /* 192.0.2.1: ours */
#define PEER_BASE  0xc6120001u /* 198.18.0.1, + i for tunnel i (RFC 2544) */
#define LOCAL_NETS 0x0a000000u /* 10.0.0.0: tunnel i has the i-th /24 */
#define PEER_NETS  0x0a800000u /* 10.128.0.0: the peer's i-th /24 */
#define OUT_SPI	   0xc0000000u /* + i: the peer's choice, outbound */
#define N_MAX	   32768u      /* 10.128.0.0/9 holds 32,768 /24s */
#define GCM_ALG	   "rfc4106(gcm(aes))"
#define GCM_KEYLEN 36 /* AES-256 key + 4-byte salt (RFC 4106 8.1) */
#define GCM_ICV	   128
#define SKIP	   "xfrm_bench: skipped, no figure: "

/* The keys of both directions, one pair for every tunnel. */
struct keys {
	struct secbuf *in, *out;
};

static uint32_t
reqid_of(size_t i)
{
	return KERNEL_REQID_MIN + 1 + (uint32_t)i;
}

static void
sa_fill(struct kernel_sa *sa, size_t i, bool inbound, const struct keys *k)
{
	uint32_t peer = PEER_BASE + (uint32_t)i;

	memset(sa, 0, sizeof(*sa));
	ipaddr_from4(inbound ? peer : LOCAL_ADDR, 32, &sa->src);
	ipaddr_from4(inbound ? LOCAL_ADDR : peer, 32, &sa->dst);
	sa->spi = inbound ? 0 : OUT_SPI + (uint32_t)i;
	sa->reqid = reqid_of(i);
	sa->enc_alg = GCM_ALG;
	sa->enc_key = inbound ? k->in : k->out;
	sa->icv_bits = GCM_ICV;
	sa->replay_window = inbound ? 32 : 0;
	sa->soft_secs = KERNEL_LIFE_INF;
	sa->hard_secs = 3600 + 60; /* the engine's backstop */
	ipaddr_from4(LOCAL_NETS + ((uint32_t)i << 8), 24, &sa->sel_src);
	ipaddr_from4(PEER_NETS + ((uint32_t)i << 8), 24, &sa->sel_dst);
	if (inbound) {
		struct ipaddr t = sa->sel_src;

		sa->sel_src = sa->sel_dst;
		sa->sel_dst = t;
	}
}

static void
policy_fill(struct kernel_policy *p, size_t i, enum kernel_dir dir)
{
	struct ipaddr ours, theirs;
	uint32_t peer = PEER_BASE + (uint32_t)i;
	bool out = dir == KERNEL_DIR_OUT;

	memset(p, 0, sizeof(*p));
	ipaddr_from4(LOCAL_NETS + ((uint32_t)i << 8), 24, &ours);
	ipaddr_from4(PEER_NETS + ((uint32_t)i << 8), 24, &theirs);
	p->src = out ? ours : theirs;
	p->dst = out ? theirs : ours;
	p->dir = dir;
	p->priority = 1000;
	p->reqid = reqid_of(i);
	ipaddr_from4(out ? LOCAL_ADDR : peer, 32, &p->tmpl_src);
	ipaddr_from4(out ? peer : LOCAL_ADDR, 32, &p->tmpl_dst);
}

/* Tunnel i: its 2 SAs and 3 policies; 0 or a negative errno (in d).
 * *spi_in is the inbound SPI the kernel chose. */
static int
tunnel_install(struct kernel_nl *k, size_t i, const struct keys *keys,
    uint32_t *spi_in, struct diag *d)
{
	static const enum kernel_dir dirs[] = { KERNEL_DIR_OUT, KERNEL_DIR_IN,
		KERNEL_DIR_FWD };
	const struct kernel_ops *ops = &kernel_nl_ops;
	struct kernel_sa sa;
	struct kernel_policy p;
	int rc;

	sa_fill(&sa, i, true, keys);
	if ((rc = ops->spi_alloc(k, &sa.src, &sa.dst, sa.reqid, &sa.spi, d)) <
	    0)
		return rc;
	if ((rc = ops->sa_add(k, &sa, d)) < 0)
		return rc;
	*spi_in = sa.spi;
	sa_fill(&sa, i, false, keys);
	if ((rc = ops->sa_add(k, &sa, d)) < 0)
		return rc;
	for (size_t j = 0; j < sizeof(dirs) / sizeof(dirs[0]); j++) {
		policy_fill(&p, i, dirs[j]);
		if ((rc = ops->policy_add(k, &p, d)) < 0)
			return rc;
	}
	return 0;
}

/* Removes everything in tunshd's reqid range, which must be n tunnels'
 * worth: the count proves the install put every object in. */
static void
remove_all(struct kernel_nl *k, size_t n)
{
	size_t removed = 0;
	struct diag d;

	diag_init(&d);
	if (kernel_nl_cleanup(k, &removed, &d) < 0)
		bench_die("kernel_nl_cleanup", &d);
	if (removed != 5 * n) {
		fprintf(stderr,
		    "xfrm_bench: the kernel held %zu SAs and policies for "
		    "%zu tunnels, not %zu\n",
		    removed, n, 5 * n);
		abort();
	}
	diag_clear(&d);
}

/* Tunnels 0 to n - 1; spi_in[i] is tunnel i's inbound SPI. */
static void
install_all(struct kernel_nl *k, size_t n, const struct keys *keys,
    uint32_t *spi_in)
{
	struct diag d;

	diag_init(&d);
	for (size_t i = 0; i < n; i++)
		if (tunnel_install(k, i, keys, &spi_in[i], &d) < 0)
			bench_die("tunnel install", &d);
	diag_clear(&d);
}

/* Both SAs of every tunnel, as ike_child_each() reads them. */
static void
query_all(struct kernel_nl *k, size_t n, const uint32_t *spi_in)
{
	struct kernel_sa_stats st;

	for (size_t i = 0; i < n; i++) {
		struct ipaddr local, peer;

		ipaddr_from4(LOCAL_ADDR, 32, &local);
		ipaddr_from4(PEER_BASE + (uint32_t)i, 32, &peer);
		if (kernel_nl_ops.sa_query(k, &local, spi_in[i], &st) < 0 ||
		    kernel_nl_ops.sa_query(k, &peer, OUT_SPI + (uint32_t)i,
			&st) < 0) {
			fprintf(stderr,
			    "xfrm_bench: tunnel %zu: an SA is missing\n", i);
			abort();
		}
	}
}

/* The tunnel count of the command line; 0 after the usage. */
static size_t
parse_n(int argc, char **argv)
{
	char *end;
	unsigned long v;

	if (argc < 2)
		return 1000;
	v = strtoul(argv[1], &end, 10);
	if (argc > 2 || *end != '\0' || v == 0 || v > N_MAX) {
		fprintf(stderr, "usage: xfrm_bench [tunnels] (1 to %u)\n",
		    N_MAX);
		return 0;
	}
	return (size_t)v;
}

/* The namespace and the handle, or NULL after saying why not. */
static struct kernel_nl *
open_kernel(void)
{
	struct kernel_nl *k;
	struct diag d;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr,
		    SKIP "cannot make a network namespace (%s): needs root "
			 "or CAP_SYS_ADMIN; bench/xfrm_bench.sh runs it in a "
			 "user-mode-linux guest\n",
		    strerror(errno));
		return NULL;
	}
	diag_init(&d);
	k = kernel_nl_open(&d);
	if (k == NULL)
		fprintf(stderr, SKIP "%s\n", d.count ? d.entries[0].text : "?");
	diag_clear(&d);
	if (k != NULL && !kernel_nl_has_esp(k)) {
		fprintf(stderr,
		    SKIP "this kernel has no ESP (CONFIG_INET_ESP); "
			 "bench/xfrm_bench.sh runs it in a user-mode-linux "
			 "guest, whose kernel has\n");
		kernel_nl_close(k);
		k = NULL;
	}
	return k;
}

int
main(int argc, char **argv)
{
	size_t n = parse_n(argc, argv);
	struct keys keys = { 0 };
	struct kernel_nl *k;
	uint32_t *spi_in;
	double t0, t1, t2;
	char name[64];

	log_set_level(LOG_LVL_WARN);
	if (n == 0)
		return 2;
	keys.in = secbuf_new(GCM_KEYLEN);
	keys.out = secbuf_new(GCM_KEYLEN);
	spi_in = calloc(n, sizeof(*spi_in));
	if (keys.in == NULL || keys.out == NULL || spi_in == NULL) {
		fprintf(stderr, "xfrm_bench: out of memory\n");
		return 1;
	}
	/* Fixed bytes: the kernel's cost does not depend on their value. */
	for (size_t i = 0; i < GCM_KEYLEN; i++) {
		keys.in->data[i] = (uint8_t)(0x11 + i);
		keys.out->data[i] = (uint8_t)(0x77 + i);
	}
	if ((k = open_kernel()) == NULL) {
		secbuf_free(keys.in);
		secbuf_free(keys.out);
		free(spi_in);
		return 0;
	}
	/* Warm-up: the first GCM SA loads esp4 and the AEAD modules. */
	install_all(k, 1, &keys, spi_in);
	remove_all(k, 1);
	t0 = bench_now_ms();
	install_all(k, n, &keys, spi_in);
	t1 = bench_now_ms();
	query_all(k, n, spi_in);
	t2 = bench_now_ms();
	fprintf(stderr,
	    "xfrm_bench: %zu tunnels (%zu SAs, %zu policies) in "
	    "%.1f ms\n",
	    n, 2 * n, 3 * n, t1 - t0);
	remove_all(k, n);
	fprintf(stderr, "xfrm_bench: removed in %.1f ms\n",
	    bench_now_ms() - t2);
	bench_report("xfrm_install_tunnels_per_s", (double)n * 1e3 / (t1 - t0),
	    "tunnels/s");
	snprintf(name, sizeof(name), "xfrm_sa_query_ms_%zu", n);
	bench_report(name, t2 - t1, "ms");
	free(spi_in);
	kernel_nl_close(k);
	secbuf_free(keys.in);
	secbuf_free(keys.out);
	return 0;
}
