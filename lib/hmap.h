/*
 * lib/hmap.h: the one hash table of the tree, intrusive and chained, and
 * the hash functions its users key it with.  An object embeds a struct
 * hmap_node per table it is filed in (an IKE SA by our SPI and, while
 * half-open, by the peer's; a tunnel by name, remote address and reqid;
 * a CHILD SA by its SPIs), so filing allocates nothing.  The bucket
 * array is a power of two that doubles when the table holds more
 * entries than buckets and halves below a quarter (not under its
 * initial size): chains stay about one entry long at any scale, and a
 * flood that ended leaves no idle megabytes behind.  Should a resize
 * fail to allocate, the table keeps its size: longer chains, still
 * correct.
 *
 * Lookups walk the chain of a hash and compare the keys themselves:
 *
 *	for (n = hmap_first(&m, h); n; n = hmap_next(n))
 *		if (key_of(container_of(n, ...)) == key) ...
 */
#ifndef TUNSH_HMAP_H
#define TUNSH_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct hmap_node {
	struct hmap_node *next;
	size_t hash;
};

struct hmap {
	struct hmap_node **buckets;
	size_t n_buckets; /* a power of two */
	size_t min_buckets;
	size_t count;
};

/* An empty table of min_buckets (rounded up to a power of two, at least
 * 1); 0 or -ENOMEM. */
int hmap_init(struct hmap *m, size_t min_buckets);
/* Frees the bucket array; the entries are the caller's. */
void hmap_free(struct hmap *m);
/* Calls fn on every entry (which fn may free), then hmap_free. */
void hmap_clear(struct hmap *m, void (*fn)(struct hmap_node *n));
/* Removes every entry for which gone(entry, arg) is true (gone may free
 * it once it says so); the number removed. */
size_t hmap_sweep(struct hmap *m, bool (*gone)(struct hmap_node *n, void *arg),
    void *arg);
void hmap_insert(struct hmap *m, struct hmap_node *n, size_t hash);
/* n must be filed in m. */
void hmap_remove(struct hmap *m, struct hmap_node *n);
/* The first, then the next entry filed under hash; NULL after the last. */
struct hmap_node *hmap_first(const struct hmap *m, size_t hash);
struct hmap_node *hmap_next(const struct hmap_node *n);

/* Mixes all 64 bits into the low ones the bucket index takes. */
size_t hash_u64(uint64_t v);
/* FNV-1a (64 bits) over a string, or over len bytes; hash_more goes on
 * from h, for keys of several parts (hash_bytes is HASH_SEED then more). */
#define HASH_SEED 14695981039346656037ull
size_t hash_str(const char *s);
size_t hash_bytes(const void *p, size_t len);
uint64_t hash_more(uint64_t h, const void *p, size_t len);

#endif
