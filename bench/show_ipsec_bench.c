/*
 * bench/show_ipsec_bench.c: how long the live IPsec show commands take
 * with 1,000 established tunnels, in the daemon's own session:
 *   show_ipsec_sa_ms_1000       show ipsec sa (target: under 200 ms)
 *   show_ipsec_tunnel_ms_1000   show ipsec tunnel
 * The engine is R of bench/ike_lab_bench.c with its tunnels named as in
 * bench_write_config()'s running configuration (t00000...), whose names
 * and settings the commands read; its kernel only counts, so a CHILD SA's
 * traffic counters (two sa_query calls each) cost nothing here, unlike
 * under tunshd with the netlink kernel.  Output goes to a sink that only
 * counts lines, to check that every tunnel was shown.  Medians of
 * repeated runs; BENCH lines only on stdout, progress on stderr.
 *
 * Usage: show_ipsec_bench [N] (default 1000; the figures are named
 * after N).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "bench/ike_lab_bench.h"
#include "commands/commands.h"

#define RUNS 11

/* What a command printed: lines, and those naming an SA or a state. */
struct sink {
	size_t lines, ike, child, up;
};

static void
sink_out(void *arg, const char *line)
{
	struct sink *s = arg;

	s->lines++;
	if (strncmp(line, "  IKE ", 6) == 0)
		s->ike++;
	else if (strncmp(line, "  CHILD ", 8) == 0)
		s->child++;
	else if (strncmp(line, "  State:", 8) == 0 &&
	    strstr(line, " up") != NULL)
		s->up++;
}

/* R's tunnels carry the running configuration's names. */
static void
lab_name(char *buf, size_t len, size_t i, bool initiator)
{
	if (initiator)
		snprintf(buf, len, "i%06zu", i);
	else
		snprintf(buf, len, "t%05zu", i);
}

/* Runs line RUNS times after a warm-up; the median in ms.  out holds what
 * the last run printed. */
static double
time_command(struct commands_session *s, struct sink *out, const char *line)
{
	double t[RUNS];

	for (size_t i = 0; i <= RUNS; i++) {
		double t0;

		memset(out, 0, sizeof(*out));
		t0 = bench_now_ms();
		if (commands_run(s, line) < 0) {
			fprintf(stderr, "show_ipsec_bench: %s failed\n", line);
			abort();
		}
		if (i > 0)
			t[i - 1] = bench_now_ms() - t0;
	}
	return bench_median(t, RUNS);
}

static void
check(const char *what, size_t got, size_t want)
{
	if (got != want) {
		fprintf(stderr, "show_ipsec_bench: %s: %zu, not %zu\n", what,
		    got, want);
		abort();
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
	if (argc > 2 || *end != '\0' || v == 0 || v > 99999) {
		fprintf(stderr,
		    "usage: show_ipsec_bench [tunnels] (1 to "
		    "99999: the names have 5 digits)\n");
		return 0;
	}
	return (size_t)v;
}

int
main(int argc, char **argv)
{
	size_t n = parse_n(argc, argv);
	struct config_store_params p = { 0 };
	struct commands_env env = { .version = "bench" };
	struct secbuf *psk = secbuf_from_str("ike-bench-pre-shared-key-0123");
	struct commands_session *s;
	struct bench_lab b;
	struct sink out;
	char dir[64], conf[128], name[64];
	double sa, tunnel;
	struct diag d;

	if (n == 0 || psk == NULL) {
		secbuf_free(psk);
		return n == 0 ? 2 : 1;
	}
	log_set_level(LOG_LVL_WARN);
	bench_scratch(dir, sizeof(dir));
	snprintf(conf, sizeof(conf), "%s/tunsh-%zu.conf", dir, n);
	bench_write_config(conf, n);
	p.path = conf;
	diag_init(&d);
	if ((env.store = config_store_open(&p, &d)) == NULL)
		bench_die("config_store_open", &d);
	/* Established an hour ago by the wall clock the commands read. */
	bench_lab_init(&b, "show_ipsec_bench", lab_name,
	    (uint64_t)time(NULL) - 3600);
	bench_lab_up(&b, n, psk);
	env.ike = b.r.e;
	s = commands_session_new(&env, "bench", "bench", COMMANDS_ADMIN,
	    sink_out, &out);
	if (s == NULL) {
		fprintf(stderr, "show_ipsec_bench: no session\n");
		abort();
	}
	sa = time_command(s, &out, "show ipsec sa");
	check("show ipsec sa: IKE SA lines", out.ike, n);
	check("show ipsec sa: CHILD SA lines", out.child, n);
	fprintf(stderr, "show_ipsec_bench: show ipsec sa: %zu lines\n",
	    out.lines);
	tunnel = time_command(s, &out, "show ipsec tunnel");
	check("show ipsec tunnel: tunnels up", out.up, n);
	fprintf(stderr, "show_ipsec_bench: show ipsec tunnel: %zu lines\n",
	    out.lines);
	snprintf(name, sizeof(name), "show_ipsec_sa_ms_%zu", n);
	bench_report(name, sa, "ms");
	snprintf(name, sizeof(name), "show_ipsec_tunnel_ms_%zu", n);
	bench_report(name, tunnel, "ms");
	commands_session_free(s);
	bench_lab_free(&b);
	config_store_free(env.store);
	diag_clear(&d);
	secbuf_free(psk);
	bench_scratch_remove(dir);
	return 0;
}
