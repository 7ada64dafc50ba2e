/*
 * kernel/mem.c: a kernel that only remembers.  SAs and policies are kept
 * in memory and reported back (never their keys), so tunshd can run as a
 * lab on a machine whose kernel has no ESP (tunshd --kernel=none), and
 * interop tests can check what would have been installed.  Nothing here
 * touches a real kernel; the show commands say which kernel is in use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "kernel/kernel.h"
#include "lib/hmap.h"

struct mem_sa {
	struct kernel_sa sa; /* keys and names not kept: see below */
	char enc_alg[48];
	uint64_t add_time;
};

/* A policy, filed by what the kernel keys it by (kernel_policy_same):
 * tens of thousands of tunnels add theirs in O(1) each. */
struct mem_pol {
	struct hmap_node node;
	struct kernel_policy p;
};

struct kernel_mem {
	struct kernel_link *links;
	size_t n_links, cap_links;
	struct kernel_route *routes;
	size_t n_routes, cap_routes;
	struct mem_sa *sas;
	size_t n_sas, cap_sas;
	struct hmap pols;
	uint32_t next_spi;
};

struct kernel_mem *
kernel_mem_new(void)
{
	struct kernel_mem *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	if (hmap_init(&k->pols, 64) < 0) {
		free(k);
		return NULL;
	}
	k->next_spi = 0xc0000001u; /* the range the real one uses */
	return k;
}

static void
pol_free(struct hmap_node *n)
{
	free(container_of(n, struct mem_pol, node));
}

void
kernel_mem_free(struct kernel_mem *k)
{
	if (k == NULL)
		return;
	free(k->sas);
	hmap_clear(&k->pols, pol_free);
	free(k->links);
	free(k->routes);
	free(k);
}

/* SAs by (dst, spi), as the kernel keys them: the family and the
 * address, whatever length the caller gave. */
static bool
same_dst(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

static ssize_t
sa_index(const struct kernel_mem *k, const struct ipaddr *dst, uint32_t spi)
{
	for (size_t i = 0; i < k->n_sas; i++)
		if (k->sas[i].sa.spi == spi && same_dst(&k->sas[i].sa.dst, dst))
			return (ssize_t)i;
	return -1;
}

static int
m_spi_alloc(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
    uint32_t reqid, uint32_t *spi, struct diag *d)
{
	struct kernel_mem *k = arg;

	(void)src;
	(void)dst;
	(void)reqid;
	(void)d;
	*spi = k->next_spi++;
	return 0;
}

static int
m_sa_add(void *arg, const struct kernel_sa *sa, struct diag *d)
{
	struct kernel_mem *k = arg;
	struct mem_sa *m;
	ssize_t i = sa_index(k, &sa->dst, sa->spi);

	(void)d;
	if (i < 0) {
		if (lib_reserve(&k->sas, &k->cap_sas, k->n_sas + 1,
			sizeof(*k->sas)) < 0)
			return -ENOMEM;
		i = (ssize_t)k->n_sas++;
	}
	m = &k->sas[i];
	memset(m, 0, sizeof(*m));
	m->sa = *sa;
	/* Keys are borrowed for the call: never kept, never shown. */
	m->sa.enc_key = m->sa.auth_key = NULL;
	m->sa.auth_alg = NULL;
	snprintf(m->enc_alg, sizeof(m->enc_alg), "%s",
	    sa->enc_alg ? sa->enc_alg : "");
	m->sa.enc_alg = NULL;
	return 0;
}

static int
m_sa_del(void *arg, const struct ipaddr *dst, uint32_t spi)
{
	struct kernel_mem *k = arg;
	ssize_t i = sa_index(k, dst, spi);

	if (i >= 0)
		k->sas[i] = k->sas[--k->n_sas];
	return 0;
}

static int
m_sa_query(void *arg, const struct ipaddr *dst, uint32_t spi,
    struct kernel_sa_stats *out)
{
	struct kernel_mem *k = arg;

	if (sa_index(k, dst, spi) < 0)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	return 0;
}

static int
m_sa_move(void *arg, const struct ipaddr *dst, uint32_t spi,
    const struct kernel_sa_move *mv, struct diag *d)
{
	struct kernel_mem *k = arg;
	ssize_t i = sa_index(k, dst, spi);

	(void)d;
	if (i < 0)
		return -ENOENT;
	k->sas[i].sa.src = mv->src;
	k->sas[i].sa.dst = mv->dst;
	k->sas[i].sa.encap = true;
	k->sas[i].sa.encap_sport = mv->sport;
	k->sas[i].sa.encap_dport = mv->dport;
	return 0;
}

/* Over what kernel_policy_same compares, both families alike. */
static size_t
pol_hash(const struct kernel_policy *p)
{
	uint64_t h = HASH_SEED;
	uint32_t v[3] = { (uint32_t)p->dir, p->mark, p->if_id };

	h = hash_more(h, v, sizeof(v));
	h = hash_more(h, &p->src, sizeof(p->src));
	h = hash_more(h, &p->dst, sizeof(p->dst));
	return hash_u64(h);
}

static struct mem_pol *
pol_find(const struct kernel_mem *k, const struct kernel_policy *p, size_t h)
{
	for (struct hmap_node *n = hmap_first(&k->pols, h); n;
	     n = hmap_next(n)) {
		struct mem_pol *m = container_of(n, struct mem_pol, node);

		if (kernel_policy_same(&m->p, p))
			return m;
	}
	return NULL;
}

static int
m_policy_add(void *arg, const struct kernel_policy *p, struct diag *d)
{
	struct kernel_mem *k = arg;
	size_t h = pol_hash(p);
	struct mem_pol *m = pol_find(k, p, h);

	(void)d;
	if (m != NULL) {
		m->p = *p; /* an add of the same policy updates it */
		return 0;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->p = *p;
	hmap_insert(&k->pols, &m->node, h);
	return 0;
}

static int
m_policy_del(void *arg, const struct kernel_policy *p)
{
	struct kernel_mem *k = arg;
	struct mem_pol *m = pol_find(k, p, pol_hash(p));

	if (m != NULL) {
		hmap_remove(&k->pols, &m->node);
		free(m);
	}
	return 0;
}

const struct kernel_ops kernel_mem_ops = {
	.spi_alloc = m_spi_alloc,
	.sa_add = m_sa_add,
	.sa_del = m_sa_del,
	.sa_query = m_sa_query,
	.sa_move = m_sa_move,
	.policy_add = m_policy_add,
	.policy_del = m_policy_del,
};

size_t
kernel_mem_sas(const struct kernel_mem *k,
    void (*fn)(void *arg, const struct kernel_sa *sa, const char *enc_alg),
    void *arg)
{
	for (size_t i = 0; fn != NULL && i < k->n_sas; i++)
		fn(arg, &k->sas[i].sa, k->sas[i].enc_alg);
	return k->n_sas;
}

size_t
kernel_mem_policies(const struct kernel_mem *k)
{
	return k->pols.count;
}

/* Links and routes: remembered, so a lab shows route-based tunnels too. */

static int
ml_link_add(void *arg, const struct kernel_link *l, struct diag *d)
{
	struct kernel_mem *k = arg;

	for (size_t i = 0; i < k->n_links; i++)
		if (strcmp(k->links[i].name, l->name) == 0) {
			diag_add(d, DIAG_ERROR,
			    "interface %s already exists: remove it, or rename "
			    "the tunnel",
			    l->name);
			return -EEXIST;
		}
	if (lib_reserve(&k->links, &k->cap_links, k->n_links + 1,
		sizeof(*k->links)) < 0)
		return -ENOMEM;
	k->links[k->n_links++] = *l;
	return 0;
}

static int
ml_link_del(void *arg, const char *name)
{
	struct kernel_mem *k = arg;

	for (size_t i = 0; i < k->n_links; i++)
		if (strcmp(k->links[i].name, name) == 0) {
			k->links[i] = k->links[--k->n_links];
			break;
		}
	return 0;
}

static bool
same_route(const struct kernel_route *a, const struct kernel_route *b)
{
	return ipaddr_cmp(&a->dst, &b->dst) == 0 &&
	    strcmp(a->dev, b->dev) == 0 && a->metric == b->metric;
}

static int
ml_route_add(void *arg, const struct kernel_route *r, struct diag *d)
{
	struct kernel_mem *k = arg;

	(void)d;
	for (size_t i = 0; i < k->n_routes; i++)
		if (same_route(&k->routes[i], r))
			return -EEXIST;
	if (lib_reserve(&k->routes, &k->cap_routes, k->n_routes + 1,
		sizeof(*k->routes)) < 0)
		return -ENOMEM;
	k->routes[k->n_routes++] = *r;
	return 0;
}

static int
ml_route_del(void *arg, const struct kernel_route *r)
{
	struct kernel_mem *k = arg;

	for (size_t i = 0; i < k->n_routes; i++)
		if (same_route(&k->routes[i], r)) {
			k->routes[i] = k->routes[--k->n_routes];
			break;
		}
	return 0;
}

static struct kernel_link *
ml_find(const struct kernel_mem *k, const char *name)
{
	for (size_t i = 0; i < k->n_links; i++)
		if (strcmp(k->links[i].name, name) == 0)
			return &k->links[i];
	return NULL;
}

static int
ml_link_set_mtu(void *arg, const char *name, uint32_t mtu, struct diag *d)
{
	struct kernel_link *l = ml_find(arg, name);

	if (l == NULL) {
		diag_add(d, DIAG_ERROR, "interface %s: no such interface",
		    name);
		return -ENOENT;
	}
	l->mtu = mtu;
	return 0;
}

const struct kernel_link_ops kernel_mem_link_ops = {
	.link_add = ml_link_add,
	.link_del = ml_link_del,
	.route_add = ml_route_add,
	.route_del = ml_route_del,
	.link_set_mtu = ml_link_set_mtu,
};

uint32_t
kernel_mem_link_mtu(const struct kernel_mem *k, const char *name)
{
	const struct kernel_link *l = ml_find(k, name);

	return l == NULL ? 0 : l->mtu ? l->mtu : KERNEL_LINK_MTU;
}

size_t
kernel_mem_links(const struct kernel_mem *k)
{
	return k->n_links;
}

size_t
kernel_mem_routes(const struct kernel_mem *k)
{
	return k->n_routes;
}
