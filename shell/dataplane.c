/*
 * shell/dataplane.c: the record of the interfaces and routes tunshd made
 * for route-based tunnels, through struct kernel_link_ops, and how the
 * routes follow their tunnel's CHILD SAs.  It decides nothing about
 * configuration (shell/apply.c plans what each tunnel needs) and never
 * calls the IKE engine: the engine's carrier callback calls in here.
 *
 * A tunnel without a CHILD SA keeps its routes, DATAPLANE_STANDBY above
 * their metric, rather than losing them or its interface going down: the
 * route of a redundant tunnel to the same network (metric 110) then
 * carries the traffic, and when no tunnel to that network is up the
 * traffic still enters an interface of ours, where XFRM drops it (or asks
 * for SAs when the tunnel waits for traffic), instead of leaving in clear
 * by the default route.  An interface set down would lose its IPv4 routes
 * (the kernel flushes them) and open exactly that way out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell/dataplane.h"

uint32_t
dataplane_metric_now(const struct dataplane *dp, size_t i)
{
	return dp->now[i];
}

/*
 * Two route-based tunnels to the same networks (AWS's pair) both route
 * them: each takes the lowest of metric 100, 110, 120 ... that no other
 * tunnel's route to that network uses, so the first one in keeps 100 and
 * the next is the backup; nobody else's metric moves when one comes or
 * goes (the kernel refuses two routes with one metric).
 */
uint32_t
dataplane_metric_free(const struct dataplane_set *s, const struct ipaddr *net)
{
	uint32_t m = 100;
	bool taken;

	do {
		taken = false;
		for (const struct dataplane *o = s->list; o && !taken;
		     o = o->next)
			for (size_t i = 0; i < o->n_routes && !taken; i++)
				taken = ipaddr_cmp(&o->routes[i].dst, net) ==
					0 &&
				    o->routes[i].metric == m;
		if (taken)
			m += 10;
	} while (taken);
	return m;
}

/* Route i of dp as the kernel holds it now. */
static struct kernel_route
route_now(const struct dataplane *dp, size_t i)
{
	struct kernel_route r = dp->routes[i];

	r.metric = dataplane_metric_now(dp, i);
	return r;
}

static void
routes_del(struct dataplane_set *s, const struct dataplane *dp, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct kernel_route r = route_now(dp, i);

		s->ops->route_del(s->arg, &r);
	}
}

void
dataplane_undo(struct dataplane_set *s, const struct dataplane *dp)
{
	routes_del(s, dp, dp->n_routes);
	s->ops->link_del(s->arg, dp->link.name);
}

int
dataplane_add(struct dataplane_set *s, const struct dataplane *plan,
    struct diag *d)
{
	struct dataplane *dp = malloc(sizeof(*dp));
	int rc;

	if (dp == NULL)
		return -ENOMEM;
	*dp = *plan;
	for (size_t i = 0; i < dp->n_routes; i++)
		dp->now[i] = dp->routes[i].metric +
		    (dataplane_active(dp) ? 0 : DATAPLANE_STANDBY);
	if ((rc = s->ops->link_add(s->arg, &dp->link, d)) < 0) {
		free(dp);
		return rc;
	}
	for (size_t i = 0; i < dp->n_routes; i++) {
		struct kernel_route r = route_now(dp, i);

		if ((rc = s->ops->route_add(s->arg, &r, d)) < 0) {
			routes_del(s, dp, i);
			s->ops->link_del(s->arg, dp->link.name);
			free(dp);
			return rc;
		}
	}
	dataplane_put(s, dp);
	return 0;
}

void
dataplane_restore(struct dataplane_set *s, struct dataplane *dp)
{
	s->ops->link_add(s->arg, &dp->link, NULL);
	for (size_t i = 0; i < dp->n_routes; i++) {
		struct kernel_route r = route_now(dp, i);

		s->ops->route_add(s->arg, &r, NULL);
	}
	dataplane_put(s, dp);
}

struct dataplane *
dataplane_take(struct dataplane_set *s, const char *tunnel)
{
	for (struct dataplane **pp = &s->list; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->tunnel, tunnel) == 0) {
			struct dataplane *dp = *pp;

			*pp = dp->next;
			dp->next = NULL;
			return dp;
		}
	return NULL;
}

void
dataplane_put(struct dataplane_set *s, struct dataplane *dp)
{
	dp->next = s->list;
	s->list = dp;
}

const struct dataplane *
dataplane_find(const struct dataplane_set *s, const char *tunnel)
{
	for (const struct dataplane *dp = s->list; dp; dp = dp->next)
		if (strcmp(dp->tunnel, tunnel) == 0)
			return dp;
	return NULL;
}

bool
dataplane_same(const struct dataplane *a, const struct dataplane *b)
{
	const struct kernel_link *x = &a->link, *y = &b->link;

	/* Field by field: the structs have padding. */
	if (strcmp(x->name, y->name) != 0 || strcmp(x->under, y->under) != 0 ||
	    x->xfrmi != y->xfrmi || x->key != y->key ||
	    ipaddr_cmp(&x->local, &y->local) != 0 ||
	    ipaddr_cmp(&x->remote, &y->remote) != 0 ||
	    ipaddr_cmp(&x->addr, &y->addr) != 0 || a->n_routes != b->n_routes)
		return false;
	for (size_t i = 0; i < a->n_routes; i++)
		if (ipaddr_cmp(&a->routes[i].dst, &b->routes[i].dst) != 0 ||
		    strcmp(a->routes[i].dev, b->routes[i].dev) != 0 ||
		    a->routes[i].metric != b->routes[i].metric)
			return false;
	return true;
}

int
dataplane_set_mtu(struct dataplane_set *s, struct dataplane *dp, uint32_t mtu,
    struct diag *d)
{
	int rc;

	if (dp->link.mtu == mtu)
		return 0;
	if ((rc = s->ops->link_set_mtu(s->arg, dp->link.name, mtu, d)) == 0)
		dp->link.mtu = mtu;
	return rc;
}

void
dataplane_del(struct dataplane_set *s, const char *tunnel)
{
	struct dataplane *dp = dataplane_take(s, tunnel);

	if (dp != NULL) {
		dataplane_undo(s, dp);
		free(dp);
	}
}

void
dataplane_clear(struct dataplane_set *s)
{
	while (s->list != NULL)
		dataplane_del(s, s->list->tunnel);
}

bool
dataplane_active(const struct dataplane *dp)
{
	return dp->up && !dp->probe_down;
}

/* Moves the routes of dp to where active says; why is for the log. */
static void
routes_move(struct dataplane_set *s, struct dataplane *dp, bool active,
    const char *why)
{
	for (size_t i = 0; i < dp->n_routes; i++) {
		struct kernel_route old = route_now(dp, i), new = old;
		char p[IPADDR_STRLEN];
		struct diag d;
		int rc;

		new.metric =
		    dp->routes[i].metric + (active ? 0 : DATAPLANE_STANDBY);
		if (new.metric == old.metric)
			continue; /* a move the kernel refused before */
		ipaddr_format_prefix(&new.dst, p, sizeof(p));
		diag_init(&d);
		/* Make before break; if the new one cannot be made, the old
		 * one stays: a route at the wrong metric beats none. */
		if ((rc = s->ops->route_add(s->arg, &new, &d)) == 0) {
			s->ops->route_del(s->arg, &old);
			dp->now[i] = new.metric;
			log_info("shell",
			    "tunnel %s: route to %s %s: %s (metric %u)",
			    dp->tunnel, p, active ? "active" : "withdrawn", why,
			    new.metric);
		} else {
			log_warn("shell",
			    "tunnel %s: route to %s stays at metric %u: %s",
			    dp->tunnel, p, old.metric,
			    d.count ? d.entries[0].text : strerror(-rc));
		}
		diag_clear(&d);
	}
}

void
dataplane_follow(struct dataplane_set *s, const char *tunnel, bool up,
    uint64_t wall)
{
	struct dataplane *dp = (struct dataplane *)dataplane_find(s, tunnel);

	if (dp == NULL || dp->up == up)
		return;
	if (!dp->probe_down)
		routes_move(s, dp, up, up ? "CHILD SA up" : "no CHILD SA");
	dp->up = up;
	dp->since = wall;
}

void
dataplane_probe(struct dataplane_set *s, const char *tunnel, bool down,
    uint64_t wall)
{
	struct dataplane *dp = (struct dataplane *)dataplane_find(s, tunnel);

	if (dp == NULL || dp->probe_down == down)
		return;
	if (dp->up)
		routes_move(s, dp, !down,
		    down ? "monitor unanswered" : "monitor answered");
	dp->probe_down = down;
	dp->probe_since = wall;
}

bool
dataplane_route_best(const struct dataplane_set *s, const struct dataplane *dp,
    size_t i)
{
	uint32_t m = dataplane_metric_now(dp, i);

	for (const struct dataplane *o = s->list; o; o = o->next)
		for (size_t j = 0; j < o->n_routes; j++)
			if (o != dp &&
			    ipaddr_cmp(&o->routes[j].dst, &dp->routes[i].dst) ==
				0 &&
			    dataplane_metric_now(o, j) < m)
				return false;
	return true;
}

bool
dataplane_status(const struct dataplane_set *s, const char *tunnel,
    struct commands_dataplane *out)
{
	const struct dataplane *dp = dataplane_find(s, tunnel);

	memset(out, 0, sizeof(*out));
	if (dp == NULL)
		return false;
	snprintf(out->ifname, sizeof(out->ifname), "%s", dp->link.name);
	out->xfrmi = dp->link.xfrmi;
	out->inside = dp->link.addr;
	out->up = dataplane_active(dp);
	out->since = dp->since;
	out->probe_down = dp->up && dp->probe_down;
	out->probe_since = dp->probe_since;
	for (size_t i = 0; i < dp->n_routes; i++) {
		struct commands_route *r = &out->routes[out->n_routes++];

		r->dst = dp->routes[i].dst;
		r->metric = dp->routes[i].metric;
		r->metric_now = dataplane_metric_now(dp, i);
		r->best = dataplane_route_best(s, dp, i);
		r->stuck = r->metric_now !=
		    r->metric + (dataplane_active(dp) ? 0 : DATAPLANE_STANDBY);
	}
	return true;
}
