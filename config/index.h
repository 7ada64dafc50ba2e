/*
 * config/index.h: cross-tunnel indexes, private to config/.
 */
#ifndef TUNSH_CONFIG_INDEX_H
#define TUNSH_CONFIG_INDEX_H

#include "config/config.h"

/* What a tunnel claims of the address space. */
enum index_net_kind {
	INDEX_REMOTE, /* a remote network of an enabled policy-based tunnel */
	INDEX_INSIDE, /* the inside link of an enabled route-based tunnel */
};

struct index_net {
	struct ipaddr prefix; /* either family */
	const struct config_tunnel *t;
	enum index_net_kind kind;
};

/* At most every remote network and the inside link. */
#define INDEX_NETS_MAX (CONFIG_NETS_MAX + 1)

struct index_pair {
	uint64_t key; /* hash of the effective local and remote address */
	const struct config_tunnel *t;
};

struct config_index {
	struct index_net *nets; /* sorted by address, then length */
	size_t n_nets, cap_nets;
	struct index_pair *pairs; /* sorted by key */
	size_t n_pairs, cap_pairs;
};

/* Callbacks return 0 to count the entry as a hit, 1 to skip it. */
typedef int (*index_net_fn)(void *arg, const struct index_net *e);
typedef int (*index_pair_fn)(void *arg, const struct index_pair *e);

struct config_index *index_build_tunnels(const struct config *c,
    const struct config_tunnel *const *list, size_t n);
/* Calls fn for every entry overlapping p; returns the hits. */
size_t index_query_nets(const struct config_index *x, const struct ipaddr *p,
    index_net_fn fn, void *arg);
size_t index_query_pair(const struct config_index *x, uint64_t key,
    index_pair_fn fn, void *arg);
uint64_t index_pair_key(const char *local, const char *remote);
/* The entries t puts in the net index, into out[INDEX_NETS_MAX]. */
size_t index_tunnel_nets(const struct config_tunnel *t, struct index_net *out);
bool index_tunnel_pair(const struct config *c, const struct config_tunnel *t,
    char *local, size_t len, uint64_t *key);

#endif
