/*
 * shell/dataplane.h: the interfaces and routes of route-based tunnels as
 * tunshd made them, private to shell/.  A tunnel's routes follow its
 * CHILD SAs: at their metric while it has one, moved to a standby metric
 * (DATAPLANE_STANDBY above) while it has none, so that a redundant
 * tunnel's route carries the traffic and, when none is up, the traffic is
 * dropped in the dead interface rather than sent in clear by the default
 * route.
 */
#ifndef TUNSH_SHELL_DATAPLANE_H
#define TUNSH_SHELL_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include "commands/commands.h"
#include "config/config.h"
#include "kernel/kernel.h"

/* Added to the metric of a route whose tunnel has no CHILD SA. */
#define DATAPLANE_STANDBY 1000

/* One route-based tunnel: its interface and routes. */
struct dataplane {
	struct dataplane *next;
	char tunnel[CONFIG_TUNNEL_NAME_MAX + 1];
	struct kernel_link link;
	/* metric: the route's own, whatever its tunnel's state. */
	struct kernel_route routes[CONFIG_NETS_MAX];
	/* The metric each is in the kernel with: set by dataplane_add()
	 * and dataplane_follow(), which leaves a route it could not move
	 * where it was. */
	uint32_t now[CONFIG_NETS_MAX];
	size_t n_routes;
	bool up;	/* it has a CHILD SA */
	uint64_t since; /* wall seconds up last changed; 0: never up */
	/* Its monitor's probes went unanswered (shell/monitor.c): the
	 * routes are at their metric only while up and not probe_down. */
	bool probe_down;
	uint64_t probe_since; /* wall seconds probe_down last changed */
};

/* Every route-based tunnel's, and the kernel they are made in. */
struct dataplane_set {
	const struct kernel_link_ops *ops;
	void *arg;
	struct dataplane *list;
};

/* The metric a route of the tunnel to net is in the kernel with now. */
uint32_t dataplane_metric_now(const struct dataplane *dp, size_t i);
/* The lowest of 100, 110, 120 ... that no tunnel's route to net has. */
uint32_t dataplane_metric_free(const struct dataplane_set *s,
    const struct ipaddr *net);
/* Makes the planned interface and routes (at the metric plan->up says)
 * and keeps them; all or nothing. */
int dataplane_add(struct dataplane_set *s, const struct dataplane *plan,
    struct diag *d);
/* Makes again what dataplane_undo removed, as it was, and keeps it. */
void dataplane_restore(struct dataplane_set *s, struct dataplane *dp);
/* Removes its routes and interface from the kernel; dp stays. */
void dataplane_undo(struct dataplane_set *s, const struct dataplane *dp);
/* Unlinks the tunnel's record (NULL: none), or links one back. */
struct dataplane *dataplane_take(struct dataplane_set *s, const char *tunnel);
void dataplane_put(struct dataplane_set *s, struct dataplane *dp);
const struct dataplane *dataplane_find(const struct dataplane_set *s,
    const char *tunnel);
/* Same interface and routes (not state): nothing to do in the kernel. */
bool dataplane_same(const struct dataplane *a, const struct dataplane *b);
/* The interface's MTU, changed as it runs; dp keeps what the kernel has. */
int dataplane_set_mtu(struct dataplane_set *s, struct dataplane *dp,
    uint32_t mtu, struct diag *d);
/* Removes the tunnel's interface and routes; none is fine. */
void dataplane_del(struct dataplane_set *s, const char *tunnel);
void dataplane_clear(struct dataplane_set *s);
/*
 * The tunnel's CHILD SAs came (up) or went: its routes move to their
 * metric or to standby, the new route added before the old one goes so
 * that the network is never without one.  A tunnel with no record
 * (policy-based) is no error.
 */
void dataplane_follow(struct dataplane_set *s, const char *tunnel, bool up,
    uint64_t wall);
/* The same for the tunnel's monitor: down withdraws the routes as a lost
 * CHILD SA does, until the monitor is answered again. */
void dataplane_probe(struct dataplane_set *s, const char *tunnel, bool down,
    uint64_t wall);
/* Its routes are at their own metric: a CHILD SA, and no monitor down. */
bool dataplane_active(const struct dataplane *dp);
/* Route i of dp is the one the kernel uses among tunshd's to its network:
 * no other tunnel's route there has a lower metric now. */
bool dataplane_route_best(const struct dataplane_set *s,
    const struct dataplane *dp, size_t i);
/* For show ipsec tunnel: false when the tunnel has no interface. */
bool dataplane_status(const struct dataplane_set *s, const char *tunnel,
    struct commands_dataplane *out);

#endif
