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
 * by N.  The harness is bench/ike_lab_bench.c.
 *
 * First, what a tunnel costs R while it is only configured and idle (no
 * SA, no event yet): the heap after adding 10,000 such tunnels, divided
 * by 10,000 (the engine's tunnel, its configuration copy and key, its
 * share of the tables), as ike_tunnel_bytes_idle.
 *
 * Usage: ike_bench [N ...] (default 1000 10000 100000).  Prints
 * "BENCH <name> <value> <unit>" lines on stdout; progress on stderr.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench_util.h"
#include "bench/ike_lab_bench.h"
#include "ike/ike.h"

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
	struct bench_lab b;
	size_t heap0, heap1;
	double t0 = bench_now_ms();
	char name[64];

	bench_lab_init(&b, "ike_bench", NULL, 1800000000);
	heap0 = heap_in_use();
	bench_lab_up(&b, n, psk);
	/* What is left once I is gone is R's (the queue is empty). */
	ike_engine_free(b.i.e);
	b.i.e = NULL;
	heap1 = heap_in_use();
	if (!report) {
		bench_lab_free(&b);
		return;
	}
	snprintf(name, sizeof(name), "ike_responder_us_per_tunnel_%zu", n);
	bench_report(name, b.r_cpu_us / (double)n, "us");
	snprintf(name, sizeof(name), "ike_bytes_per_tunnel_%zu", n);
	bench_report(name,
	    heap1 > heap0 ? (double)(heap1 - heap0) / (double)n : 0.0, "bytes");
	bench_lab_free(&b);
	fprintf(stderr, "ike_bench: %zu tunnels done in %.0f ms\n", n,
	    bench_now_ms() - t0);
}

/* A configured, idle tunnel, at 10,000 of them. */
static void
run_idle(const struct secbuf *psk)
{
	const size_t n = 10000;
	struct bench_lab b;
	size_t heap0, heap1;

	bench_lab_init(&b, "ike_bench", NULL, 1800000000);
	heap0 = heap_in_use();
	bench_lab_add(&b, n, psk);
	heap1 = heap_in_use();
	bench_report("ike_tunnel_bytes_idle",
	    heap1 > heap0 ? (double)(heap1 - heap0) / (double)n : 0.0, "bytes");
	bench_lab_free(&b);
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
	run_idle(psk);
	if (argc > 1) {
		for (int a = 1; a < argc; a++) {
			char *end;
			unsigned long v = strtoul(argv[a], &end, 10);

			if (*end != '\0' || v == 0 || v > BENCH_LAB_N_MAX) {
				fprintf(stderr,
				    "usage: ike_bench [tunnels ...] "
				    "(1 to %u each)\n",
				    BENCH_LAB_N_MAX);
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
