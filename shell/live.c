/*
 * shell/live.c: the IKE engine and the kernel on tunshd's loop: UDP
 * datagrams and kernel events in, the engine's timer re-armed after each
 * thing that happens.  Everything runs on the one thread of the loop, so
 * commands, commits and negotiations never race.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <time.h>

#include "ike/net_udp.h"
#include "shell/dataplane.h"
#include "shell/live.h"
#include "shell/monitor.h"
#include "shell/mss.h"
#include "shell/resolve.h"

struct live {
	struct event_base *base;
	struct ike_engine *e;
	struct ike_net_udp *net;
	struct kernel_nl *nl;
	struct kernel_mem *mem;
	struct event *timer, *kev;
	bool has_esp, started;
	bool closing; /* live_free(): routes go, they do not follow */
	enum kernel_link_kind link_kind;
	struct dataplane_set dp;
	struct monitor_set *mon;
	struct metrics *metrics; /* the daemon's; not owned */
	struct kernel_nft *nft;
	struct mss_set mss;
	bool can_clamp;
	char clamp_why[256]; /* nftables' answer to the probe, if no */
	/* Names of peers and local addresses (resolve.c). */
	struct resolver *res;
};

void
live_rearm(struct live *l)
{
	uint64_t next = ike_engine_next_timer(l->e), now = ike_engine_now(l->e);
	struct timeval tv = { 0, 0 };

	if (next == UINT64_MAX) {
		event_del(l->timer);
		return;
	}
	if (next > now) {
		tv.tv_sec = (time_t)((next - now) / 1000);
		tv.tv_usec = (suseconds_t)((next - now) % 1000 * 1000);
	}
	event_add(l->timer, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;

	(void)fd;
	(void)what;
	ike_engine_run_timers(l->e);
	live_rearm(l);
}

static void
on_input(void *arg, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct live *l = arg;

	ike_engine_input(l->e, local, remote, buf, len);
	live_rearm(l);
}

static void
on_kernel(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;

	(void)fd;
	(void)what;
	kernel_nl_events_dispatch(l->nl);
	live_rearm(l);
}

/* Sends through the sockets when they are open; otherwise the datagram
 * is lost and the engine's retransmissions report the peer silent. */
static int
net_send(void *arg, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct live *l = arg;

	if (l->net == NULL)
		return -ENETDOWN;
	return ike_net_udp_ops.send(l->net, local, remote, buf, len);
}

static const struct ike_net_ops live_net = { net_send };

static void
on_wakeup(void *arg)
{
	live_rearm(arg);
}

/* A tunnel gained its first CHILD SA or lost its last: its routes follow
 * (route-based; nothing for policy-based ones, which have no record). */
static void
on_carrier(void *arg, const char *tunnel, bool up, uint64_t wall)
{
	struct live *l = arg;

	if (l->closing)
		return;
	dataplane_follow(&l->dp, tunnel, up, wall);
	monitor_set_carrier(l->mon, tunnel, up);
}

/* The monitor's word: the routes follow it as they follow the SAs. */
static void
on_verdict(void *arg, const char *tunnel, bool down)
{
	struct live *l = arg;

	if (!l->closing)
		dataplane_probe(&l->dp, tunnel, down, (uint64_t)time(NULL));
}

/* Its SAs deleted and made anew, as clear ipsec sa does. */
static void
on_restart(void *arg, const char *tunnel)
{
	struct live *l = arg;
	struct diag d;

	diag_init(&d);
	if (ike_tunnel_terminate(l->e, tunnel, true, &d) < 0)
		log_warn("shell", "tunnel %s: monitor restart: %s", tunnel,
		    d.count ? d.entries[0].text : "failed");
	diag_clear(&d);
	live_rearm(l);
}

static int
kernel_open(struct live *l, const struct live_opts *o,
    struct ike_engine_params *p, struct diag *d)
{
	size_t gone;

	if (o->kernel == LIVE_KERNEL_NONE) {
		if ((l->mem = kernel_mem_new()) == NULL)
			return -ENOMEM;
		p->kernel = &kernel_mem_ops;
		p->kernel_arg = l->mem;
		l->dp.ops = &kernel_mem_link_ops;
		l->dp.arg = l->mem;
		l->link_kind = KERNEL_LINK_VTI;
		l->has_esp = true; /* it takes anything; nothing is real */
		return 0;
	}
	if ((l->nl = kernel_nl_open(d)) == NULL)
		return -EIO;
	/* Before the running configuration goes in: what a tunshd that
	 * died left would otherwise block or shadow it. */
	if (kernel_nl_cleanup(l->nl, &gone, d) == 0 && gone > 0)
		log_warn("kernel",
		    "removed %zu SAs, policies and interfaces an earlier "
		    "tunshd left",
		    gone);
	p->kernel = &kernel_nl_ops;
	p->kernel_arg = l->nl;
	l->dp.ops = &kernel_nl_link_ops;
	l->dp.arg = l->nl;
	l->link_kind = kernel_nl_link_kind(l->nl);
	l->has_esp = kernel_nl_has_esp(l->nl);
	if (!l->has_esp)
		log_warn("kernel",
		    "this kernel has no ESP support "
		    "(CONFIG_INET_ESP): tunnels cannot carry "
		    "traffic");
	return 0;
}

/*
 * Clamps go to nftables when the kernel is real (or --mss-clamp nft asks,
 * as a test in a namespace does with --kernel none); a kernel without
 * nftables gets none, with a warning (a clamp set explicitly is refused
 * at commit).  The probe also removes a table a tunshd that died left.
 */
static int
clamp_open(struct live *l, const struct live_opts *o)
{
	struct diag d;

	if (o->clamp == LIVE_CLAMP_NONE ||
	    (o->clamp == LIVE_CLAMP_DEFAULT && o->kernel == LIVE_KERNEL_NONE)) {
		l->can_clamp = true; /* nothing is real; it takes anything */
		return 0;
	}
	if ((l->nft = kernel_nft_open()) == NULL)
		return -ENOMEM;
	diag_init(&d);
	l->can_clamp = kernel_nft_can_clamp(l->nft, &d);
	if (l->can_clamp) {
		l->mss.ops = &kernel_nft_ops;
		l->mss.arg = l->nft;
	} else {
		snprintf(l->clamp_why, sizeof(l->clamp_why), "%s",
		    d.count ? d.entries[0].text : "nftables failed");
		log_warn("kernel",
		    "no TCP MSS clamping: %s (it needs nf_tables with the "
		    "inet family and the TCP option expression, and table "
		    "inet tunsh free to make)",
		    l->clamp_why);
	}
	diag_clear(&d);
	return 0;
}

static void
net_open(struct live *l, const struct live_opts *o)
{
	struct ike_net_udp_params np = {
		.base = l->base,
		.port = o->ike_port,
		.natt_port = o->natt_port,
		.input = on_input,
		.input_arg = l,
	};
	struct diag d;

	diag_init(&d);
	l->net = ike_net_udp_open(&np, &d);
	for (size_t i = 0; i < d.count; i++)
		log_msg(l->net ? LOG_LVL_WARN : LOG_LVL_ERR, "ike", __func__,
		    "%s%s", d.entries[i].text,
		    l->net ? "" : ": tunnels cannot negotiate");
	diag_clear(&d);
}

/* A name's answer came: the engine's tunnels of that name follow it. */
static void
on_resolved(void *arg, const char *name)
{
	struct live *l = arg;

	if (l->e != NULL) {
		ike_engine_resolved(l->e, name);
		live_rearm(l);
	}
}

static struct resolver *
resolver_open(struct live *l)
{
	struct resolver_params rp = { .base = l->base,
		.answered = on_resolved,
		.answered_arg = l };
	struct resolver *r;
	struct diag d;

	diag_init(&d);
	r = resolver_new(&rp, &d);
	for (size_t i = 0; i < d.count; i++)
		log_warn("resolve", "%s", d.entries[i].text);
	diag_clear(&d);
	return r;
}

struct resolver *
live_resolver(struct live *l)
{
	return l->res;
}

struct live *
live_open(struct event_base *base, const struct live_opts *o, struct diag *d)
{
	struct live *l = calloc(1, sizeof(*l));
	struct ike_engine_params p = { .net = &live_net,
		.wakeup = on_wakeup,
		.carrier = on_carrier };
	struct monitor_set_params mp = { base, on_verdict, on_restart, l };

	if (l == NULL)
		return NULL;
	l->base = base;
	p.net_arg = l;
	p.wakeup_arg = l;
	p.carrier_arg = l;
	p.half_open_per_peer = o->half_open_per_peer;
	p.half_open_max = o->half_open_max;
	p.fragment_size = o->fragment_size;
	p.fragment_off = o->fragment_off;
	p.resolve = &resolver_ike_ops;
	if ((p.resolve_arg = l->res = resolver_open(l)) == NULL ||
	    kernel_open(l, o, &p, d) < 0 || clamp_open(l, o) < 0 ||
	    (l->mon = monitor_set_new(&mp)) == NULL ||
	    (l->timer = event_new(base, -1, 0, on_timer, l)) == NULL ||
	    (l->e = ike_engine_new(&p)) == NULL) {
		live_free(l);
		return NULL;
	}
	if (l->nl != NULL &&
	    kernel_nl_events_open(l->nl, &ike_kernel_events, l->e, d) == 0) {
		l->kev = event_new(base, kernel_nl_events_fd(l->nl),
		    EV_READ | EV_PERSIST, on_kernel, l);
		if (l->kev != NULL)
			event_add(l->kev, NULL);
	}
	net_open(l, o);
	return l;
}

void
live_free(struct live *l)
{
	if (l == NULL)
		return;
	/* The engine goes first: it removes its SAs and policies; then the
	 * interfaces and routes of route-based tunnels (not moved to standby
	 * on the way: they go). */
	l->closing = true;
	monitor_set_free(l->mon);
	ike_engine_free(l->e);
	resolver_free(l->res);
	dataplane_clear(&l->dp);
	mss_clear(&l->mss);
	kernel_nft_close(l->nft);
	if (l->kev != NULL)
		event_free(l->kev);
	if (l->timer != NULL)
		event_free(l->timer);
	ike_net_udp_close(l->net);
	kernel_nl_close(l->nl);
	kernel_mem_free(l->mem);
	free(l);
}

struct kernel_mem *
live_kernel_mem(struct live *l)
{
	return l->mem;
}

struct ike_engine *
live_engine(struct live *l)
{
	return l->e;
}

void
live_set_metrics(struct live *l, struct metrics *m)
{
	l->metrics = m;
}

struct metrics *
live_metrics(struct live *l)
{
	return l->metrics;
}

void
live_set_started(struct live *l)
{
	l->started = true;
}

bool
live_started(const struct live *l)
{
	return l->started;
}

bool
live_has_esp(const struct live *l)
{
	return l->has_esp;
}

enum kernel_link_kind
live_link_kind(const struct live *l)
{
	return l->link_kind;
}

struct dataplane_set *
live_dataplane(struct live *l)
{
	return &l->dp;
}

struct monitor_set *
live_monitor(struct live *l)
{
	return l->mon;
}

struct mss_set *
live_mss(struct live *l)
{
	return &l->mss;
}

bool
live_can_clamp(const struct live *l)
{
	return l->can_clamp;
}

const char *
live_clamp_why(const struct live *l)
{
	return l->clamp_why;
}

bool
live_dataplane_status(void *arg, const char *tunnel,
    struct commands_dataplane *out)
{
	struct live *l = arg;

	return dataplane_status(&l->dp, tunnel, out);
}
