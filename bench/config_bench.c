/*
 * bench/config_bench.c: how long the configuration layer takes at scale.
 * Generates, in a scratch directory, valid files of 100, 1,000 and 10,000
 * policy-based tunnels on 500 VLANs, then times loading and validating,
 * the atomic save, and a commit of one changed setting through the store
 * with a no-op apply.  Prints "BENCH <name> <value> <unit>" lines on
 * stdout and nothing else; progress goes to stderr.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"

#define BENCH_TUNNELS 10000
#define BENCH_VLANS   500
#define LOAD_RUNS     5
#define SAVE_RUNS     5
#define COMMIT_RUNS   11

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* Sorts v in place. */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
report(const char *name, double value, const char *unit)
{
	printf("BENCH %s %.2f %s\n", name, value, unit);
	fflush(stdout);
}

/* Prints every entry of d to stderr and exits: the bench is meaningless. */
static void
die_diag(const char *what, struct diag *d)
{
	fprintf(stderr, "config_bench: %s failed:\n", what);
	for (size_t i = 0; i < d->count && i < 20; i++)
		fprintf(stderr, "  %s\n", d->entries[i].text);
	if (d->count > 20)
		fprintf(stderr, "  ... %zu more\n", d->count - 20);
	abort();
}

static void
format_addr(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
}

/*
 * One tunnel k of the generated file.  Every tunnel has its own peer in
 * 198.18.0.0/15 (RFC 2544) and its own remote /24 in 10.128.0.0/9, away
 * from the VLAN subnets in 10.0.0.0/16 and 10.1.0.0/16; one tunnel in
 * three offers a second VLAN.
 */
static void
write_tunnel(FILE *f, size_t k)
{
	char peer[16];
	unsigned vlan = 1 + (unsigned)(k % BENCH_VLANS);

	format_addr(0xc6120000u + (uint32_t)k + 1, peer, sizeof(peer));
	fprintf(f,
	    "  {\n"
	    "    name = \"t%05zu\";\n"
	    "    description = \"bench tunnel %zu\";\n"
	    "    wan-port = \"wan1\";\n"
	    "    remote-address = \"%s\";\n"
	    "    pre-shared-key = \"bench-psk-%06zu-abcdefg\";\n"
	    "    remote-network = [ \"10.%zu.%zu.0/24\" ];\n",
	    k, k, peer, k, 128 + k / 256, k % 256);
	if (k % 3 == 0)
		fprintf(f,
		    "    local-network = [ \"vlan %u\", \"vlan %u\" ];\n", vlan,
		    1 + (unsigned)((k + BENCH_VLANS / 2) % BENCH_VLANS));
	else
		fprintf(f, "    local-network = [ \"vlan %u\" ];\n", vlan);
	fputs("    ike-lifetime = \"8h\";\n"
	      "    child-lifetime = 3600;\n"
	      "    rekey = true;\n"
	      "    dpd-action = \"restart\";\n"
	      "    dpd-timeout = 10;\n"
	      "    dpd-delay = 30;\n"
	      "  }",
	    f);
}

static void
generate(const char *path, size_t n_tunnels)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		fprintf(stderr, "config_bench: %s: %s\n", path,
		    strerror(errno));
		abort();
	}
	fputs("hostname = \"bench\";\n"
	      "interfaces = ( { name = \"wan1\"; address = \"203.0.113.2/24\";"
	      " gateway = \"203.0.113.1\"; } );\n"
	      "vlans = (",
	    f);
	for (unsigned v = 1; v <= BENCH_VLANS; v++)
		fprintf(f,
		    "%s\n  { id = %u; name = \"v%u\"; subnet = "
		    "\"10.%u.%u.0/24\"; }",
		    v > 1 ? "," : "", v, v, v / 256, v % 256);
	fputs("\n);\ntunnels = (", f);
	for (size_t k = 0; k < n_tunnels; k++) {
		fputs(k ? ",\n" : "\n", f);
		write_tunnel(f, k);
	}
	fputs("\n);\n", f);
	if (fclose(f) != 0) {
		fprintf(stderr, "config_bench: %s: %s\n", path,
		    strerror(errno));
		abort();
	}
}

/* Loads and validates path; aborts on any error. */
static struct config *
load_valid(const char *path)
{
	struct config *c;
	struct diag d;

	diag_init(&d);
	if ((c = config_load_file(path, &d)) == NULL)
		die_diag("loading the generated file", &d);
	if (config_validate(c, &d) < 0)
		die_diag("validating the generated file", &d);
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
		double t0 = now_ms();

		config_free(c);
		c = load_valid(path);
		t[i] = now_ms() - t0;
	}
	if (c->n_tunnels != BENCH_TUNNELS) {
		fprintf(stderr, "config_bench: loaded %zu tunnels, not %d\n",
		    c->n_tunnels, BENCH_TUNNELS);
		abort();
	}
	report("config_load_validate_ms_10000", median(t, LOAD_RUNS), "ms");

	diag_init(&d);
	for (size_t i = 0; i < SAVE_RUNS; i++) {
		double t0 = now_ms();

		if (config_save_file(c, save_path, NULL, NULL, &d) < 0)
			die_diag("config_save_file", &d);
		t[i] = now_ms() - t0;
	}
	report("config_save_ms_10000", median(t, SAVE_RUNS), "ms");
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

static const struct config_apply_ops count_ops = { count_apply };

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
	generate(path, n);
	diag_init(&d);
	if ((s = config_store_open(&p, &d)) == NULL)
		die_diag("config_store_open", &d);
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
			die_diag("editing the candidate", &d);
		t0 = now_ms();
		if (config_store_commit(s, cand, &opts, &d) < 0)
			die_diag("config_store_commit", &d);
		t[i] = now_ms() - t0;
		config_free(cand);
		if (*calls - before != 1)
			fprintf(stderr,
			    "config_bench: commit %zu of %zu tunnels made "
			    "%zu apply calls\n",
			    i, n, *calls - before);
	}
	diag_clear(&d);
	config_store_free(s);
	return median(t, COMMIT_RUNS);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0)
		fprintf(stderr, "config_bench: cannot remove %s: %s\n", path,
		    strerror(errno));
	return 0;
}

int
main(void)
{
	static const size_t sizes[] = { 100, 1000, BENCH_TUNNELS };
	char dir[] = "/tmp/config-bench-XXXXXX";
	char path[256], save_path[256], metric[64];
	size_t calls = 0;

	log_set_level(LOG_LVL_WARN); /* no line per commit */
	if (mkdtemp(dir) == NULL) {
		perror("config_bench: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/tunsh-%d.conf", dir, BENCH_TUNNELS);
	snprintf(save_path, sizeof(save_path), "%s/saved.conf", dir);
	fprintf(stderr, "config_bench: generating %d tunnels in %s\n",
	    BENCH_TUNNELS, dir);
	generate(path, BENCH_TUNNELS);
	bench_load_save(path, save_path);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double ms;

		fprintf(stderr, "config_bench: commits with %zu tunnels\n",
		    sizes[i]);
		ms = bench_commit(dir, sizes[i], &calls);
		snprintf(metric, sizeof(metric), "commit_one_change_ms_%zu",
		    sizes[i]);
		report(metric, ms, "ms");
	}
	/* calls now holds the last size's: one apply step per commit. */
	report("commit_one_change_apply_calls_10000",
	    (double)calls / COMMIT_RUNS, "calls");
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
