/*
 * ike/engine.c: the engine as a whole: its creation and freeing, the
 * seams it reaches the world through (clock, random), and the loop's
 * entry points for timers and counters.  The tunnels are tunnel.c's,
 * their policies policy.c's, kernel events kevents.c's and datagrams
 * input.c's.
 */
#include <openssl/rand.h>
#include <stdlib.h>
#include <time.h>

#include "ike/engine.h"

uint64_t
engine_now(const struct ike_engine *e)
{
	struct timespec ts;

	if (e->p.clock != NULL)
		return e->p.clock->now_ms(e->p.clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
engine_wall(const struct ike_engine *e)
{
	if (e->p.clock != NULL)
		return e->p.clock->wall(e->p.clock_arg);
	return (uint64_t)time(NULL);
}

void
engine_random(struct ike_engine *e, void *buf, size_t len)
{
	if (e->p.random != NULL) {
		e->p.random->bytes(e->p.random_arg, buf, len);
		return;
	}
	/* RAND_bytes fails only when the DRBG cannot be seeded: nothing
	 * sensible can go on, but the engine never aborts the daemon. */
	if (RAND_bytes(buf, (int)len) != 1)
		log_err("ike", "RAND_bytes failed");
}

struct ike_engine *
ike_engine_new(const struct ike_engine_params *p)
{
	struct ike_engine *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->p = *p;
	if (!e->p.cookie_threshold)
		e->p.cookie_threshold = 1000;
	if (!e->p.half_open_per_peer)
		e->p.half_open_per_peer = 5;
	if (!e->p.half_open_max)
		e->p.half_open_max = 10000;
	if (!e->p.retransmit_ms)
		e->p.retransmit_ms = 1000;
	if (!e->p.retransmit_tries)
		e->p.retransmit_tries = 5;
	if (!e->p.natt_keepalive)
		e->p.natt_keepalive = 20;
	/* RFC 7383 2.5.1: 1280 fits any IPv6 path and most IPv4 ones. */
	if (!e->p.fragment_size)
		e->p.fragment_size = 1280;
	if (hmap_init(&e->by_spi, IKE_SPI_BUCKETS) < 0 ||
	    hmap_init(&e->by_peer, IKE_SPI_BUCKETS) < 0 ||
	    hmap_init(&e->child_in, IKE_SPI_BUCKETS) < 0 ||
	    hmap_init(&e->child_out, IKE_SPI_BUCKETS) < 0 ||
	    hmap_init(&e->by_remote, IKE_TUNNEL_BUCKETS) < 0 ||
	    hmap_init(&e->by_reqid, IKE_TUNNEL_BUCKETS) < 0 ||
	    hmap_init(&e->by_name, IKE_TUNNEL_BUCKETS) < 0) {
		ike_engine_free(e);
		return NULL;
	}
	engine_random(e, e->cookie_secret, sizeof(e->cookie_secret));
	e->next_reqid = KERNEL_REQID_MIN;
	return e;
}

void
ike_engine_free(struct ike_engine *e)
{
	if (e == NULL)
		return;
	while (e->tunnels != NULL)
		tunnel_free(e, e->tunnels);
	hmap_free(&e->by_spi);
	hmap_free(&e->by_peer);
	hmap_free(&e->child_in);
	hmap_free(&e->child_out);
	hmap_free(&e->by_remote);
	hmap_free(&e->by_reqid);
	hmap_free(&e->by_name);
	half_open_peers_free(e);
	timers_free(e);
	OPENSSL_cleanse(e->cookie_secret, sizeof(e->cookie_secret));
	free(e);
}

void
ike_engine_run_timers(struct ike_engine *e)
{
	timers_run(e, engine_now(e));
}

uint64_t
ike_engine_next_timer(const struct ike_engine *e)
{
	return timers_next(e);
}

uint64_t
ike_engine_now(const struct ike_engine *e)
{
	return engine_now(e);
}

void
ike_engine_counters(const struct ike_engine *e, struct ike_counters *out)
{
	*out = e->c;
}
