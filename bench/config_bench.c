/*
 * bench/config_bench.c: how long the configuration layer takes at scale.
 * Generates, in a scratch directory, valid files of 100, 1,000 and 10,000
 * policy-based tunnels on 500 VLANs, then times loading and validating,
 * the atomic save, and a commit of one changed setting through the store
 * with a no-op apply.  Prints "BENCH <name> <value> <unit>" lines on
 * stdout and nothing else; progress goes to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "config/config.h"

#define BENCH_TUNNELS 10000
#define LOAD_RUNS     5
#define SAVE_RUNS     5
#define COMMIT_RUNS   11

/* Loads and validates path; aborts on any error. */
static struct config *
load_valid(const char *path)
{
	struct config *c;
	struct diag d;

	diag_init(&d);
	if ((c = config_load_file(path, &d)) == NULL)
		bench_die("loading the generated file", &d);
	if (config_validate(c, &d) < 0)
		bench_die("validating the generated file", &d);
	if (d.warnings != 0)
		fprintf(stderr, "config_bench: %zu warnings, first: %s\n",
		    d.warnings, d.entries[0].text);
	diag_clear(&d);
	return c;
}

static void
bench_load_save(const char *path, const char *save_path)
{
	double t[LOAD_RUNS > SAVE_RUNS ? LOAD_RUNS : SAVE_RUNS];
	struct config *c = NULL;
	struct diag d;

	for (size_t i = 0; i < LOAD_RUNS; i++) {
		double t0 = bench_now_ms();

		config_free(c);
		c = load_valid(path);
		t[i] = bench_now_ms() - t0;
	}
	if (c->n_tunnels != BENCH_TUNNELS) {
		fprintf(stderr, "config_bench: loaded %zu tunnels, not %d\n",
		    c->n_tunnels, BENCH_TUNNELS);
		abort();
	}
	bench_report("config_load_validate_ms_10000",
	    bench_median(t, LOAD_RUNS), "ms");

	diag_init(&d);
	for (size_t i = 0; i < SAVE_RUNS; i++) {
		double t0 = bench_now_ms();

		if (config_save_file(c, save_path, NULL, NULL, &d) < 0)
			bench_die("config_save_file", &d);
		t[i] = bench_now_ms() - t0;
	}
	bench_report("config_save_ms_10000", bench_median(t, SAVE_RUNS), "ms");
	diag_clear(&d);
	config_free(c);
}

/* The apply double: does nothing, counts what it is asked to do. */
static int
count_apply(void *arg, const struct config_plan_step *s,
    const struct config *cfg, struct diag *d)
{
	(void)s;
	(void)cfg;
	(void)d;
	(*(size_t *)arg)++;
	return 0;
}

static const struct config_apply_ops count_ops = { .apply = count_apply };

/*
 * Commits of one changed setting (the DPD timeout of one tunnel, a new
 * value each time) against a store holding n tunnels.  Returns the median
 * time in ms; *calls gets the apply calls of all the commits.
 */
static double
bench_commit(const char *dir, size_t n, size_t *calls)
{
	static const struct config_commit_opts opts = { .user = "bench",
		.source = "config_bench",
		.comment = "one dpd timeout" };
	char path[256], hist[256], name[16], value[16];
	struct config_store_params p = {
		.path = path,
		.history_dir = hist,
		.apply = &count_ops,
		.apply_arg = calls,
	};
	double t[COMMIT_RUNS];
	struct config_store *s;
	struct diag d;

	snprintf(path, sizeof(path), "%s/store-%zu.conf", dir, n);
	snprintf(hist, sizeof(hist), "%s/history-%zu", dir, n);
	bench_write_config(path, n);
	diag_init(&d);
	if ((s = config_store_open(&p, &d)) == NULL)
		bench_die("config_store_open", &d);
	*calls = 0; /* opening applied the whole file */
	for (size_t i = 0; i < COMMIT_RUNS; i++) {
		struct config *cand = config_store_candidate(s);
		struct config_tunnel *tun;
		size_t before = *calls;
		double t0;

		if (cand == NULL) {
			fprintf(stderr, "config_bench: no candidate\n");
			abort();
		}
		snprintf(name, sizeof(name), "t%05zu", (i * 7919) % n);
		snprintf(value, sizeof(value), "%zu", 11 + i);
		if ((tun = config_tunnel_edit(cand, name, false, &d)) == NULL ||
		    config_tunnel_set(tun, CF_DPD_TIMEOUT, value, &d) < 0)
			bench_die("editing the candidate", &d);
		t0 = bench_now_ms();
		if (config_store_commit(s, cand, &opts, &d) < 0)
			bench_die("config_store_commit", &d);
		t[i] = bench_now_ms() - t0;
		config_free(cand);
		if (*calls - before != 1)
			fprintf(stderr,
			    "config_bench: commit %zu of %zu tunnels made "
			    "%zu apply calls\n",
			    i, n, *calls - before);
	}
	diag_clear(&d);
	config_store_free(s);
	return bench_median(t, COMMIT_RUNS);
}

int
main(void)
{
	static const size_t sizes[] = { 100, 1000, BENCH_TUNNELS };
	char dir[64], path[256], save_path[256], metric[64];
	size_t calls = 0;

	log_set_level(LOG_LVL_WARN); /* no line per commit */
	bench_scratch(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/tunsh-%d.conf", dir, BENCH_TUNNELS);
	snprintf(save_path, sizeof(save_path), "%s/saved.conf", dir);
	fprintf(stderr, "config_bench: generating %d tunnels in %s\n",
	    BENCH_TUNNELS, dir);
	bench_write_config(path, BENCH_TUNNELS);
	bench_load_save(path, save_path);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double ms;

		fprintf(stderr, "config_bench: commits with %zu tunnels\n",
		    sizes[i]);
		ms = bench_commit(dir, sizes[i], &calls);
		snprintf(metric, sizeof(metric), "commit_one_change_ms_%zu",
		    sizes[i]);
		bench_report(metric, ms, "ms");
	}
	/* calls now holds the last size's: one apply step per commit. */
	bench_report("commit_one_change_apply_calls_10000",
	    (double)calls / COMMIT_RUNS, "calls");
	bench_scratch_remove(dir);
	return 0;
}
