/*
 * ike/halfopen.c: who may make a half-open responder SA, the responder's
 * defence against a flood of IKE_SA_INIT requests (RFC 7296 2.6).  It
 * counts the half-open SAs of each peer address in a table that exists
 * only while some address holds one, decides when an address must
 * return a cookie first, and bounds half-open SAs per address and in
 * total, counting every drop by its reason.  The anchors are strongSwan's
 * block_threshold (per address), cookie_threshold_ip and
 * init_limit_half_open (in total).  No I/O and no SAs: init.c asks
 * before it makes one, sa.c reports what it filed and freed.
 *
 * An IPv6 "address" here is its /64: one host is given a /64 and picks
 * any address in it, so counting single addresses would let it hold
 * 2^64 shares (RFC 7707 on /64 per host; the same reason makes
 * fail2ban and nginx's limit_req zones key IPv6 by prefix).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

#define PEER_BUCKETS_MIN 64

struct half_open_peer {
	struct hmap_node node;
	struct ipaddr key; /* the address, or an IPv6 address's /64 */
	uint32_t n;	   /* half-open SAs from addr; the entry goes at 0 */
};

static struct ipaddr
peer_key(const struct ipaddr *addr)
{
	struct ipaddr k = *addr;

	if (k.family == AF_INET6) {
		memset(k.bytes + 8, 0, 8);
		k.len = 64;
	}
	return k;
}

static struct half_open_peer *
peer_find(struct ike_engine *e, const struct ipaddr *addr, size_t *hash)
{
	struct ipaddr k = peer_key(addr);

	/* A flooder picks its addresses: FNV-1a spreads a run of them. */
	*hash = hash_bytes(&k, sizeof(k));
	for (struct hmap_node *n = hmap_first(&e->peers, *hash); n;
	     n = hmap_next(n)) {
		struct half_open_peer *p =
		    container_of(n, struct half_open_peer, node);

		if (ipaddr_equal(&p->key, &k))
			return p;
	}
	return NULL;
}

size_t
half_open_of(struct ike_engine *e, const struct ipaddr *addr)
{
	size_t hash;
	struct half_open_peer *p = peer_find(e, addr, &hash);

	return p ? p->n : 0;
}

/*
 * RFC 7296 2.6 leaves when to demand cookies to the responder.  Above
 * cookie_threshold half-open SAs in total, from everyone; and from an
 * address that already holds half of its bound (strongSwan's
 * cookie_threshold_ip): a sender that cannot receive at the address it
 * claims, forging a configured peer's, so fills at most half of that
 * peer's share, and the peer itself, which answers cookies, still gets
 * the rest.
 */
bool
half_open_cookie_wanted(struct ike_engine *e, const struct ipaddr *addr)
{
	return e->c.half_open >= e->p.cookie_threshold ||
	    half_open_of(e, addr) >= e->p.half_open_per_peer / 2;
}

/*
 * May addr have one more half-open SA?  Not beyond half_open_per_peer
 * of its own, nor beyond half_open_max in total, except that an address
 * holding none may always start one: a flood from many addresses then
 * cannot lock out a configured peer that is not itself flooding, and it
 * costs at most one SA per address with state, and those are bounded by
 * half_open_max too.  Refusals are counted by reason; the caller drops
 * the request without a word (an answer would serve the flood).
 */
bool
half_open_admit(struct ike_engine *e, const struct ipaddr *addr)
{
	size_t n = half_open_of(e, addr);

	if (n >= e->p.half_open_per_peer) {
		e->c.dropped_half_open_peer++;
		return false;
	}
	if (n == 0 ? e->c.half_open_peers >= e->p.half_open_max :
		     e->c.half_open >= e->p.half_open_max) {
		e->c.dropped_half_open_total++;
		return false;
	}
	return true;
}

/* One more half-open SA from addr; -ENOMEM leaves nothing counted. */
int
half_open_peer_add(struct ike_engine *e, const struct ipaddr *addr)
{
	size_t hash;
	struct half_open_peer *p = peer_find(e, addr, &hash);

	if (p != NULL) {
		p->n++;
		return 0;
	}
	if (e->peers.buckets == NULL &&
	    hmap_init(&e->peers, PEER_BUCKETS_MIN) < 0)
		return -ENOMEM;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->key = peer_key(addr);
	p->n = 1;
	hmap_insert(&e->peers, &p->node, hash);
	e->c.half_open_peers++;
	return 0;
}

/* One fewer; the entry goes at 0, the table when no address is left
 * (it shrinks as a flood from many addresses ends). */
void
half_open_peer_del(struct ike_engine *e, const struct ipaddr *addr)
{
	size_t hash;
	struct half_open_peer *p = peer_find(e, addr, &hash);

	if (p == NULL || --p->n > 0)
		return;
	hmap_remove(&e->peers, &p->node);
	free(p);
	if (--e->c.half_open_peers == 0)
		hmap_free(&e->peers);
}

static void
peer_free(struct hmap_node *n)
{
	free(container_of(n, struct half_open_peer, node));
}

void
half_open_peers_free(struct ike_engine *e)
{
	hmap_clear(&e->peers, peer_free);
}
