/*
 * lib/hmap.c: the intrusive chained hash table of lib/hmap.h and its
 * hash functions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"

int
hmap_init(struct hmap *m, size_t min_buckets)
{
	size_t n = 1;

	while (n < min_buckets)
		n *= 2;
	m->buckets = calloc(n, sizeof(*m->buckets));
	m->n_buckets = m->buckets ? n : 0;
	m->min_buckets = n;
	m->count = 0;
	return m->buckets ? 0 : -ENOMEM;
}

void
hmap_free(struct hmap *m)
{
	free(m->buckets);
	m->buckets = NULL;
	m->n_buckets = m->count = 0;
}

void
hmap_clear(struct hmap *m, void (*fn)(struct hmap_node *n))
{
	for (size_t i = 0; i < m->n_buckets; i++)
		while (m->buckets[i] != NULL) {
			struct hmap_node *n = m->buckets[i];

			m->buckets[i] = n->next;
			fn(n);
		}
	hmap_free(m);
}

size_t
hmap_sweep(struct hmap *m, bool (*gone)(struct hmap_node *n, void *arg),
    void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_buckets; i++)
		for (struct hmap_node **pp = &m->buckets[i]; *pp;) {
			struct hmap_node *e = *pp, *next = e->next;

			if (gone(e, arg)) {
				*pp = next;
				n++;
			} else {
				pp = &e->next;
			}
		}
	m->count -= n;
	return n;
}

static struct hmap_node **
chain(const struct hmap *m, size_t hash)
{
	return &m->buckets[hash & (m->n_buckets - 1)];
}

/*
 * Refiles every entry into n buckets; on allocation failure, nothing.  A
 * new bucket takes from one old chain only, which is reversed first so
 * that prepending keeps its order: the newest entry stays first, and
 * removing newest first stays O(1) per entry even when many entries
 * share a key (tunnels to one remote address) and so a chain.
 */
static void
resize(struct hmap *m, size_t n)
{
	struct hmap_node **old = m->buckets;
	size_t old_n = m->n_buckets;
	struct hmap_node **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return;
	m->buckets = b;
	m->n_buckets = n;
	for (size_t i = 0; i < old_n; i++) {
		struct hmap_node *e, *next, *rev = NULL;

		for (e = old[i]; e; e = next) {
			next = e->next;
			e->next = rev;
			rev = e;
		}
		for (e = rev; e; e = next) {
			struct hmap_node **c = chain(m, e->hash);

			next = e->next;
			e->next = *c;
			*c = e;
		}
	}
	free(old);
}

void
hmap_insert(struct hmap *m, struct hmap_node *n, size_t hash)
{
	struct hmap_node **c;

	if (m->count + 1 > m->n_buckets)
		resize(m, 2 * m->n_buckets);
	c = chain(m, hash);
	n->hash = hash;
	n->next = *c;
	*c = n;
	m->count++;
}

void
hmap_remove(struct hmap *m, struct hmap_node *n)
{
	for (struct hmap_node **pp = chain(m, n->hash); *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			m->count--;
			break;
		}
	if (m->n_buckets > m->min_buckets && m->count < m->n_buckets / 4)
		resize(m, m->n_buckets / 2);
}

struct hmap_node *
hmap_first(const struct hmap *m, size_t hash)
{
	struct hmap_node *n = m->n_buckets ? *chain(m, hash) : NULL;

	while (n != NULL && n->hash != hash)
		n = n->next;
	return n;
}

struct hmap_node *
hmap_next(const struct hmap_node *n)
{
	size_t hash = n->hash;

	for (n = n->next; n != NULL && n->hash != hash; n = n->next)
		;
	return (struct hmap_node *)n;
}

size_t
hash_u64(uint64_t v)
{
	/* The finalizer of MurmurHash3: every input bit reaches the low
	 * bits, so sequential reqids and addresses spread too. */
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	v *= 0xc4ceb9fe1a85ec53ull;
	v ^= v >> 33;
	return (size_t)v;
}

uint64_t
hash_more(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

size_t
hash_bytes(const void *p, size_t len)
{
	return (size_t)hash_more(HASH_SEED, p, len);
}

size_t
hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}
