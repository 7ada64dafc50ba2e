/*
 * ike/kevents.c: the kernel's events for the engine: ACQUIRE (traffic
 * with no SA starts its tunnel), EXPIRE (a CHILD SA's lifetime ran out:
 * rekey or forget it) and MAPPING (the peer's NAT rebound).
 */
#include "ike/engine.h"

static void
on_acquire(void *arg, uint32_t reqid, const struct ipaddr *src,
    const struct ipaddr *dst)
{
	struct ike_engine *e = arg;
	struct ike_tunnel *t = tunnel_by_reqid(e, reqid);

	(void)src;
	(void)dst;
	/* DPD clear keeps a tunnel down until the peer or an admin. */
	if (t == NULL || !t->conf.enable || t->dpd_cleared || t->sas != NULL)
		return;
	tunnel_event(e, t, IKE_EV_ACQUIRE,
	    "traffic for the tunnel: negotiating");
	t->acquired_ms = engine_now(e) ? engine_now(e) : 1;
	if (ike_init_start(e, t) < 0)
		tunnel_restart_later(e, t);
}

static struct child_sa *
child_find(struct ike_engine *e, const struct ipaddr *dst, uint32_t spi,
    bool *inbound)
{
	size_t h = hash_u64(spi);
	struct hmap_node *n;

	for (n = hmap_first(&e->child_in, h); n; n = hmap_next(n)) {
		struct child_sa *c = container_of(n, struct child_sa, in_node);

		if (c->spi_in == spi &&
		    ipaddr_equal(&c->ike->local.addr, dst)) {
			*inbound = true;
			return c;
		}
	}
	for (n = hmap_first(&e->child_out, h); n; n = hmap_next(n)) {
		struct child_sa *c = container_of(n, struct child_sa, out_node);

		if (c->spi_out == spi &&
		    ipaddr_equal(&c->ike->remote.addr, dst)) {
			*inbound = false;
			return c;
		}
	}
	return NULL;
}

static void
on_expire(void *arg, const struct ipaddr *dst, uint32_t spi, bool hard)
{
	struct ike_engine *e = arg;
	bool inbound;
	struct child_sa *c;

	if ((c = child_find(e, dst, spi, &inbound)) == NULL)
		return;
	if (!hard) {
		c->want_rekey = true;
		ike_sa_kick(e, c->ike);
		return;
	}
	/* The kernel removed it: forget ours, without a kernel call. */
	child_unlink(c->ike, c);
	child_free(e, c, false);
}

/*
 * The kernel saw our inbound ESP-in-UDP arrive, authenticated, from a new
 * address or port (RFC 3948): the peer's NAT rebound.  Follow it at once
 * with the SAs and the IKE SA; a liveness check confirms it over IKE.
 */
static void
on_mapping(void *arg, const struct ipaddr *dst, uint32_t spi,
    const struct ipaddr *new_addr, uint16_t new_port)
{
	struct ike_engine *e = arg;
	bool inbound;
	struct child_sa *c;
	struct ike_endpoint to = { .addr = *new_addr, .port = new_port };
	struct ike_sa *sa;

	c = child_find(e, dst, spi, &inbound);
	if (c == NULL || !inbound || !c->ike->nat_remote)
		return;
	sa = c->ike;
	ike_sa_endpoints_update(e, sa, &sa->local, &to);
	sa->want_dpd = true;
	ike_sa_kick(e, sa);
}

const struct kernel_events ike_kernel_events = {
	.acquire = on_acquire,
	.expire = on_expire,
	.mapping = on_mapping,
};
