/*
 * config/index.c: the indexes that keep cross-tunnel checks cheap: remote
 * networks of enabled policy-based tunnels sorted by address, and the
 * (local, remote) gateway pairs of enabled tunnels sorted by hash.  Built
 * once for a whole configuration in O(n log n); the running configuration's
 * index is then updated per commit in O(changed tunnels) lookups.
 *
 * CIDR prefixes either nest or are disjoint, so the prefixes overlapping P
 * are P's supernets (at most 32 exact lookups for IPv4, 128 for IPv6) and
 * those that start inside P (one range scan): no interval tree needed, and
 * no quadratic pass.  Entries sort by family first, so the families never
 * meet.
 *
 * Entries point at tunnels: after an update from old to new they point into
 * new's tunnels, which the owner of the index keeps alive.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_private.h"
#include "config/index.h"
#include "lib/hmap.h"

static int
net_cmp(const struct index_net *a, const struct ipaddr *p)
{
	return ipaddr_cmp(&a->prefix, p);
}

static int
net_qsort_cmp(const void *pa, const void *pb)
{
	const struct index_net *a = pa, *b = pb;
	int r = net_cmp(a, &b->prefix);

	if (r != 0)
		return r;
	return strcmp(a->t->name, b->t->name);
}

/* First entry not less than p. */
static size_t
net_lower(const struct config_index *x, const struct ipaddr *p)
{
	size_t lo = 0, hi = x->n_nets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (net_cmp(&x->nets[mid], p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
pair_qsort_cmp(const void *pa, const void *pb)
{
	const struct index_pair *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return strcmp(a->t->name, b->t->name);
}

static size_t
pair_lower(const struct config_index *x, uint64_t key)
{
	size_t lo = 0, hi = x->n_pairs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->pairs[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* FNV-1a over "local\0remote". */
uint64_t
index_pair_key(const char *local, const char *remote)
{
	return hash_more(hash_more(HASH_SEED, local, strlen(local) + 1), remote,
	    strlen(remote));
}

size_t
index_tunnel_nets(const struct config_tunnel *t, struct index_net *out)
{
	size_t n = 0;

	if (!t->enable)
		return 0;
	if (t->type == CONFIG_TUNNEL_POLICY)
		for (size_t i = 0; i < t->n_remote; i++)
			out[n++] = (struct index_net){ t->remote_nets[i], t,
				INDEX_REMOTE };
	else if (t->inside_addr.family != 0) {
		out[n] = (struct index_net){ .t = t, .kind = INDEX_INSIDE };
		ipaddr_mask(&t->inside_addr, t->inside_addr.len,
		    &out[n++].prefix);
	}
	return n;
}

bool
index_tunnel_pair(const struct config *c, const struct config_tunnel *t,
    char *local, size_t len, uint64_t *key)
{
	char r[CONFIG_HOST_MAX + 1];

	if (!t->enable || !config_host_is_set(&t->remote_address) ||
	    config_tunnel_local_addr(c, t, local, len) < 0)
		return false;
	*key = index_pair_key(local,
	    config_host_text(&t->remote_address, r, sizeof(r)));
	return true;
}

/* Appends t's entries unsorted; index_sort() restores the order. */
static int
append_tunnel(struct config_index *x, const struct config *c,
    const struct config_tunnel *t)
{
	struct index_net nets[INDEX_NETS_MAX];
	char local[CONFIG_HOST_MAX + 1];
	uint64_t key;
	size_t n;

	n = index_tunnel_nets(t, nets);
	if (lib_reserve(&x->nets, &x->cap_nets, x->n_nets + n,
		sizeof(*x->nets)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		x->nets[x->n_nets++] = nets[i];
	if (index_tunnel_pair(c, t, local, sizeof(local), &key)) {
		if (lib_reserve(&x->pairs, &x->cap_pairs, x->n_pairs + 1,
			sizeof(*x->pairs)) < 0)
			return -ENOMEM;
		x->pairs[x->n_pairs++] = (struct index_pair){ key, t };
	}
	return 0;
}

static void
index_sort(struct config_index *x)
{
	/* qsort() of a NULL array is undefined even for zero elements. */
	if (x->n_nets > 1)
		qsort(x->nets, x->n_nets, sizeof(*x->nets), net_qsort_cmp);
	if (x->n_pairs > 1)
		qsort(x->pairs, x->n_pairs, sizeof(*x->pairs), pair_qsort_cmp);
}

struct config_index *
index_build_tunnels(const struct config *c,
    const struct config_tunnel *const *list, size_t n)
{
	struct config_index *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (append_tunnel(x, c, list[i]) < 0) {
			config_index_free(x);
			return NULL;
		}
	index_sort(x);
	return x;
}

struct config_index *
config_index_build(const struct config *c)
{
	return index_build_tunnels(c,
	    (const struct config_tunnel *const *)c->tunnels, c->n_tunnels);
}

void
config_index_free(struct config_index *x)
{
	if (x == NULL)
		return;
	free(x->nets);
	free(x->pairs);
	free(x);
}

size_t
index_query_nets(const struct config_index *x, const struct ipaddr *p,
    index_net_fn fn, void *arg)
{
	struct ipaddr start;
	size_t hits = 0, i;

	/* Supernets of p, p itself excluded: exact lookups. */
	for (unsigned l = 0; l < p->len; l++) {
		ipaddr_mask(p, l, &start);
		for (i = net_lower(x, &start);
		     i < x->n_nets && net_cmp(&x->nets[i], &start) == 0; i++)
			hits += fn(arg, &x->nets[i]) == 0;
	}
	/* p and everything inside it: they start within p, and a prefix
	 * starting past p's end cannot reach back into it. */
	for (i = net_lower(x, p);
	     i < x->n_nets && ipaddr_overlap(p, &x->nets[i].prefix); i++)
		if (x->nets[i].prefix.len >= p->len)
			hits += fn(arg, &x->nets[i]) == 0;
	return hits;
}

size_t
index_query_pair(const struct config_index *x, uint64_t key, index_pair_fn fn,
    void *arg)
{
	size_t hits = 0;

	for (size_t i = pair_lower(x, key);
	     i < x->n_pairs && x->pairs[i].key == key; i++)
		hits += fn(arg, &x->pairs[i]) == 0;
	return hits;
}

static void
remove_tunnel(struct config_index *x, const struct config *c,
    const struct config_tunnel *t)
{
	struct index_net nets[INDEX_NETS_MAX];
	char local[CONFIG_HOST_MAX + 1];
	uint64_t key;
	size_t i, n;

	n = index_tunnel_nets(t, nets);
	for (size_t k = 0; k < n; k++) {
		const struct ipaddr *p = &nets[k].prefix;

		for (i = net_lower(x, p);
		     i < x->n_nets && net_cmp(&x->nets[i], p) == 0; i++)
			if (x->nets[i].t == t &&
			    x->nets[i].kind == nets[k].kind) {
				memmove(&x->nets[i], &x->nets[i + 1],
				    (x->n_nets - i - 1) * sizeof(*x->nets));
				x->n_nets--;
				break;
			}
	}
	if (index_tunnel_pair(c, t, local, sizeof(local), &key))
		for (i = pair_lower(x, key);
		     i < x->n_pairs && x->pairs[i].key == key; i++)
			if (x->pairs[i].t == t) {
				memmove(&x->pairs[i], &x->pairs[i + 1],
				    (x->n_pairs - i - 1) * sizeof(*x->pairs));
				x->n_pairs--;
				break;
			}
}

/* Inserts t's entries at their sorted places: memmove, no re-sort. */
static int
insert_tunnel(struct config_index *x, const struct config *c,
    const struct config_tunnel *t)
{
	struct index_net nets[INDEX_NETS_MAX];
	char local[CONFIG_HOST_MAX + 1];
	uint64_t key;
	size_t i, n;

	n = index_tunnel_nets(t, nets);
	if (lib_reserve(&x->nets, &x->cap_nets, x->n_nets + n,
		sizeof(*x->nets)) < 0)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		const struct ipaddr *p = &nets[k].prefix;

		i = net_lower(x, p);
		memmove(&x->nets[i + 1], &x->nets[i],
		    (x->n_nets - i) * sizeof(*x->nets));
		x->nets[i] = nets[k];
		x->n_nets++;
	}
	if (index_tunnel_pair(c, t, local, sizeof(local), &key)) {
		if (lib_reserve(&x->pairs, &x->cap_pairs, x->n_pairs + 1,
			sizeof(*x->pairs)) < 0)
			return -ENOMEM;
		i = pair_lower(x, key);
		memmove(&x->pairs[i + 1], &x->pairs[i],
		    (x->n_pairs - i) * sizeof(*x->pairs));
		x->pairs[i] = (struct index_pair){ key, t };
		x->n_pairs++;
	}
	return 0;
}

int
config_index_update(struct config_index *x, const struct config *old,
    const struct config *new_cfg)
{
	struct config_index *fresh;

	if (new_cfg->system_changed) {
		/* WAN addresses may have moved every pair: rebuild. */
		if ((fresh = config_index_build(new_cfg)) == NULL)
			return -ENOMEM;
		free(x->nets);
		free(x->pairs);
		*x = *fresh;
		free(fresh);
		return 0;
	}
	for (size_t i = 0; i < new_cfg->n_touched; i++) {
		const char *name = new_cfg->touched[i];
		const struct config_tunnel *o = config_tunnel_find(old, name);
		const struct config_tunnel *n =
		    config_tunnel_find(new_cfg, name);

		if (o == n)
			continue;
		if (o != NULL)
			remove_tunnel(x, old, o);
		if (n != NULL && insert_tunnel(x, new_cfg, n) < 0)
			return -ENOMEM;
	}
	return 0;
}
