/*
 * bench/bench_util.h: what the benchmarks share: a monotonic clock,
 * medians, the "BENCH name value unit" line, and scratch configurations of
 * N valid policy-based tunnels on 500 VLANs.
 */
#ifndef TUNSH_BENCH_UTIL_H
#define TUNSH_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/lib.h"

#define BENCH_VLAN_COUNT 500

double bench_now_ms(void);
/* Sorts v in place and returns its median. */
double bench_median(double *v, size_t n);
/* Prints "BENCH name value unit" on stdout, the only stdout output. */
void bench_report(const char *name, double value, const char *unit);
/* Prints what d holds on stderr and aborts: the figures would be wrong. */
void bench_die(const char *what, struct diag *d) __attribute__((noreturn));
/* Writes a valid tunsh.conf of n tunnels (t00000...) on 500 VLANs. */
void bench_write_config(const char *path, size_t n);
/* The same; with answer_only, every tunnel is initiator false: it waits
 * for its peer or for traffic, and holds no SA until then. */
void bench_write_config_as(const char *path, size_t n, bool answer_only);
/* A scratch directory under /tmp, and its removal with all it holds. */
void bench_scratch(char *dir, size_t len);
void bench_scratch_remove(const char *dir);

#endif
