/*
 * bench/metrics_bench.c: how long GET /metrics takes to render with
 * 10,000 established tunnels (issue 15: under 100 ms, so that a scrape
 * does not stall IKE on the one loop):
 *   metrics_scrape_ms_10000   the page, every tunnel's lines
 * The engine is R of bench/ike_lab_bench.c with its tunnels named as in
 * bench_write_config()'s running configuration (t00000...); its kernel
 * only counts, so the two sa_query calls per CHILD SA cost nothing here,
 * unlike under tunshd with the netlink kernel.  The page is checked to
 * hold one tunsh_tunnel_up 1 line per tunnel.  Median of repeated runs;
 * BENCH lines only on stdout, progress on stderr.
 *
 * Usage: metrics_bench [N] (default 10000; the figure is named after N).
 */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "bench/ike_lab_bench.h"
#include "shell/metrics.h"

#define RUNS 11

static void
lab_name(char *buf, size_t len, size_t i, bool initiator)
{
	if (initiator)
		snprintf(buf, len, "i%06zu", i);
	else
		snprintf(buf, len, "t%05zu", i);
}

/* Lines "tunsh_tunnel_up{...} 1" in the page. */
static size_t
count_up(struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b), n = 0;
	const char *p = (const char *)evbuffer_pullup(b, -1), *end = p + len;
	static const char key[] = "tunsh_tunnel_up{";

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l > sizeof(key) && memcmp(p, key, sizeof(key) - 1) == 0 &&
		    memcmp(p + l - 3, "} 1", 3) == 0)
			n++;
		p += l + 1;
	}
	return n;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	struct config_store_params p = { 0 };
	struct secbuf *psk = secbuf_from_str("ike-bench-pre-shared-key-0123");
	struct config_store *store;
	struct metrics *m;
	struct bench_lab b;
	char dir[64], conf[128], name[64];
	double t[RUNS];
	struct diag d;

	if (n == 0 || n > 99999 || psk == NULL) {
		fprintf(stderr,
		    "usage: metrics_bench [tunnels] (1 to 99999)\n");
		secbuf_free(psk);
		return 2;
	}
	log_set_level(LOG_LVL_WARN);
	bench_scratch(dir, sizeof(dir));
	snprintf(conf, sizeof(conf), "%s/tunsh-%zu.conf", dir, n);
	bench_write_config(conf, n);
	p.path = conf;
	diag_init(&d);
	if ((store = config_store_open(&p, &d)) == NULL)
		bench_die("config_store_open", &d);
	bench_lab_init(&b, "metrics_bench", lab_name,
	    (uint64_t)time(NULL) - 3600);
	bench_lab_up(&b, n, psk);
	if ((m = metrics_new(NULL, b.r.e, &d)) == NULL)
		bench_die("metrics_new", &d);
	metrics_set_sources(m, store, NULL);
	for (size_t i = 0; i <= RUNS; i++) {
		struct evbuffer *page = evbuffer_new();
		double t0 = bench_now_ms();

		if (page == NULL || metrics_render(m, page) < 0) {
			fprintf(stderr, "metrics_bench: render failed\n");
			abort();
		}
		if (i > 0)
			t[i - 1] = bench_now_ms() - t0;
		if (count_up(page) != n) {
			fprintf(stderr,
			    "metrics_bench: %zu tunnels up, not %zu\n",
			    count_up(page), n);
			abort();
		}
		if (i == RUNS)
			fprintf(stderr, "metrics_bench: %zu bytes a page\n",
			    evbuffer_get_length(page));
		evbuffer_free(page);
	}
	snprintf(name, sizeof(name), "metrics_scrape_ms_%zu", n);
	bench_report(name, bench_median(t, RUNS), "ms");
	metrics_free(m);
	bench_lab_free(&b);
	config_store_free(store);
	diag_clear(&d);
	secbuf_free(psk);
	bench_scratch_remove(dir);
	return 0;
}
