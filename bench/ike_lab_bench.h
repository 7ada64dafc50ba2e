/*
 * bench/ike_lab_bench.h: two IKE engines in one process with N tunnels
 * established between them, for the benchmarks that need an engine at
 * scale (ike_bench, show_ipsec_bench).  I initiates N tunnels, each from
 * its own address in 10.0.0.0/8, to R at 192.0.2.2, which has one tunnel
 * per initiator address.  They meet over an in-memory network, on a fake
 * clock, with a fast deterministic random source and a kernel that only
 * counts.  The harness is our own rather than tests/unit/ike_lab.c, which
 * has two peers with fixed addresses and a fixed-size fake kernel.
 */
#ifndef TUNSH_BENCH_IKE_LAB_BENCH_H
#define TUNSH_BENCH_IKE_LAB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"

#define BENCH_LAB_N_MAX 500000u /* 10.128.0.0/9 holds 524,288 /28s */

struct bench_lab;
struct bench_lab_pkt;

struct bench_lab_side {
	struct bench_lab *b;
	struct ike_engine *e;
	uint32_t next_spi;
	size_t sa_adds, policy_adds;
};

/*
 * Names tunnel i of a side into buf; the digits after the first
 * character must be i (the checks read them back).
 */
typedef void (
    *bench_lab_name_fn)(char *buf, size_t len, size_t i, bool initiator);

struct bench_lab {
	struct bench_lab_side i, r;
	struct bench_lab_pkt *head, *tail;
	uint64_t rng, now_ms;
	uint64_t wall0;	 /* the wall clock at now_ms 0, seconds */
	double r_cpu_us; /* thread CPU time inside ike_engine_input(R) */
	size_t delivered;
	const char *prog; /* for messages on stderr */
	bench_lab_name_fn name;
};

/* Both engines, no tunnels; name NULL: "i000042" and "r000042". */
void bench_lab_init(struct bench_lab *b, const char *prog,
    bench_lab_name_fn name, uint64_t wall0);
/* Adds n tunnels to R alone: configured, idle, waiting for I. */
void bench_lab_add(struct bench_lab *b, size_t n, const struct secbuf *psk);
/*
 * Adds n tunnels to R, then to I in batches, delivering every message
 * until all n are up (progress on stderr); checks that R has every tunnel
 * up with one IKE SA, one CHILD SA and two kernel SAs each, and aborts
 * saying what is missing otherwise.
 */
void bench_lab_up(struct bench_lab *b, size_t n, const struct secbuf *psk);
/* Frees what is left of the engines (either may be freed already, then
 * NULL). */
void bench_lab_free(struct bench_lab *b);

#endif
