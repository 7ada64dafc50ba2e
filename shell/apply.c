/*
 * shell/apply.c: the commit plan, step by step, to the IKE engine: each
 * tunnel of the configuration model becomes the engine's parameter struct
 * (addresses resolved from WAN ports and VLANs, proposals to IANA ids,
 * DPD and lifetimes), and a kernel that cannot carry a tunnel is named in
 * words before anything is touched; and the system step's metrics
 * listen to the metrics listener.  Undo is the inverse step, which the
 * commit engine runs through the same function.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shell/dataplane.h"
#include "shell/live.h"
#include "shell/metrics.h"
#include "shell/monitor.h"
#include "shell/mss.h"
#include "shell/resolve.h"

/* What a translated tunnel points to. */
struct conf_store {
	struct ike_tunnel_conf c;
	struct ipaddr ln[CONFIG_LOCAL_PREFIXES_MAX];
	struct ike_algs ike[CONFIG_PROPOSALS_MAX], esp[CONFIG_PROPOSALS_MAX];
	char local_addr[CONFIG_HOST_MAX + 1];
};

/* The ids parsed when the proposal was set: a copy, no parsing here. */
static void
algs_from(const struct config_algs *p, struct ike_algs *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < p->n_encr && i < IKE_ALGS_MAX; i++) {
		a->encr[a->n_encr] = p->encr[i];
		a->encr_bits[a->n_encr++] = p->encr_bits[i];
	}
	for (size_t i = 0; i < p->n_prf && i < IKE_ALGS_MAX; i++)
		a->prf[a->n_prf++] = p->prf[i];
	for (size_t i = 0; i < p->n_integ && i < IKE_ALGS_MAX; i++)
		a->integ[a->n_integ++] = p->integ[i];
	for (size_t i = 0; i < p->n_dh && i < IKE_ALGS_MAX; i++)
		a->dh[a->n_dh++] = p->dh[i];
}

static void
proposals(const struct config_proposals *l, struct ike_algs *out, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < l->n && i < CONFIG_PROPOSALS_MAX; i++)
		algs_from(&l->v[i].algs, &out[(*n)++]);
}

/*
 * A stable key for a route-based tunnel: the mark (VTI) or if_id (XFRM
 * interface) of its policies and SAs, so that only traffic routed into
 * its interface matches them, never the rest.
 */
static uint32_t
route_key(const char *name)
{
	/* FNV-1a, 32 bits: not lib/hmap.h's hash, on purpose.  The key
	 * lives on in interface names and in the kernel's marks across
	 * versions, so its value must never change. */
	uint32_t h = 2166136261u;

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return 0x74730000u | (h & 0xffffu);
}

/* The interface of a route-based tunnel: "ts-NAME", or for long names
 * "ts-" with the first 8 characters and 4 hex digits of the key. */
static void
link_name(const char *tunnel, char *buf, size_t len)
{
	if (strlen(tunnel) <= 12)
		snprintf(buf, len, "ts-%s", tunnel);
	else
		snprintf(buf, len, "ts-%.8s%04x", tunnel,
		    route_key(tunnel) & 0xffffu);
}

/* What a route-based tunnel needs: its interface and routes, the routes
 * at standby until the engine says the tunnel has a CHILD SA. */
static void
dataplane_plan(struct live *l, const struct config_tunnel *t,
    const struct ike_tunnel_conf *c, struct dataplane *dp)
{
	memset(dp, 0, sizeof(*dp));
	snprintf(dp->tunnel, sizeof(dp->tunnel), "%s", t->name);
	link_name(t->name, dp->link.name, sizeof(dp->link.name));
	dp->link.xfrmi = live_link_kind(l) == KERNEL_LINK_XFRMI;
	dp->link.key = route_key(t->name);
	dp->link.local = c->local_addr;
	dp->link.remote = c->remote_addr;
	dp->link.addr = t->inside_addr; /* family 0: none */
	dp->link.mtu = t->mtu;
	snprintf(dp->link.under, sizeof(dp->link.under), "%s", t->wan_port);
	for (size_t i = 0; i < t->n_remote; i++) {
		struct kernel_route *r = &dp->routes[i];

		r->dst = t->remote_nets[i];
		snprintf(r->dev, sizeof(r->dev), "%s", dp->link.name);
		r->metric = dataplane_metric_free(live_dataplane(l), &r->dst);
	}
	dp->n_routes = t->n_remote;
}

/* The engine's word on the tunnel, after a commit step changed it: the
 * carrier callback only speaks of changes, and a new record has none. */
static void
dataplane_sync(struct live *l, const char *tunnel)
{
	struct ike_tunnel_status *st = malloc(sizeof(*st));

	if (st == NULL)
		return;
	if (ike_tunnel_status(live_engine(l), tunnel, st) == 0)
		dataplane_follow(live_dataplane(l), tunnel, st->n_child_sas > 0,
		    st->n_child_sas > 0 ? st->established :
					  (uint64_t)time(NULL));
	free(st);
}

/* Where the monitor's probes come from (validate.c checked it fits). */
static void
monitor_source(const struct config *cfg, const struct config_tunnel *t,
    struct monitor_conf *mc)
{
	const struct config_monitor *m = &t->monitor;
	const struct config_vlan *vl;
	struct ipaddr first[CONFIG_LOCAL_PREFIXES_MAX];
	size_t n;

	/* The monitor probes IPv4: its sources are IPv4 ones. */
	mc->src_net = (struct prefix4){ 0, 32 }; /* holds no address */
	if (m->src_addr != 0)
		mc->src_addr = m->src_addr;
	else if (m->src_vlan != 0) {
		if ((vl = config_vlan_find(cfg, m->src_vlan)) != NULL)
			(void)ipaddr_to_prefix4(&vl->subnet[CONFIG_V4],
			    &mc->src_net);
	} else if (t->type == CONFIG_TUNNEL_ROUTE &&
	    t->inside_addr.family == AF_INET)
		mc->src_addr = ipaddr_to4(&t->inside_addr);
	else {
		n = config_tunnel_local_prefixes(cfg, t, first,
		    CONFIG_LOCAL_PREFIXES_MAX);
		for (size_t i = 0; i < n; i++)
			if (ipaddr_to_prefix4(&first[i], &mc->src_net) == 0)
				break;
	}
}

/*
 * The tunnel's monitor as the configuration now says (stopped when it
 * has none or is disabled), told whether the tunnel has a CHILD SA, and
 * its verdict given to the routes (a new record of them knows none).
 */
static void
monitor_sync(struct live *l, const struct config *cfg,
    const struct config_tunnel *t)
{
	struct monitor_set *ms = live_monitor(l);
	struct monitor_conf mc = { 0 };
	struct ike_tunnel_status *st;
	bool carrier = false;
	struct diag d;

	if (!t->enable || t->monitor.dst == 0) {
		monitor_set_remove(ms, t->name);
		return;
	}
	snprintf(mc.tunnel, sizeof(mc.tunnel), "%s", t->name);
	mc.dst = t->monitor.dst;
	monitor_source(cfg, t, &mc);
	if (t->type == CONFIG_TUNNEL_ROUTE)
		link_name(t->name, mc.ifname, sizeof(mc.ifname));
	mc.interval_ms = t->monitor.interval * 1000;
	mc.wait_ms = mc.interval_ms < MONITOR_WAIT_MAX_MS ? mc.interval_ms :
							    MONITOR_WAIT_MAX_MS;
	mc.threshold = t->monitor.threshold;
	if ((st = malloc(sizeof(*st))) != NULL &&
	    ike_tunnel_status(live_engine(l), t->name, st) == 0)
		carrier = st->n_child_sas > 0;
	free(st);
	diag_init(&d);
	if (monitor_set_update(ms, &mc, carrier, &d) < 0)
		log_warn("shell", "%s",
		    d.count ? d.entries[0].text : "monitor: out of memory");
	diag_clear(&d);
	dataplane_probe(live_dataplane(l), t->name,
	    monitor_set_down(ms, t->name), (uint64_t)time(NULL));
}

static int
conf_from(struct live *l, const struct config *cfg,
    const struct config_tunnel *t, struct conf_store *s, struct diag *d)
{
	struct ike_tunnel_conf *c = &s->c;
	size_t n;

	memset(s, 0, sizeof(*s));
	snprintf(c->name, sizeof(c->name), "%s", t->name);
	c->enable = t->enable;
	c->local_id = t->local_id;
	c->remote_id = t->remote_id;
	if (t->local_address.name != NULL) {
		if (resolver_local_addr(live_resolver(l), cfg, t,
			live_started(l), &c->local_addr, d) < 0)
			return -EINVAL;
	} else if (config_tunnel_local_addr(cfg, t, s->local_addr,
		       sizeof(s->local_addr)) < 0 ||
	    ipaddr_parse(s->local_addr, &c->local_addr) < 0) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: no local address: set local-address, or give "
		    "its wan-port an address",
		    t->name);
		return -EINVAL;
	}
	if (t->remote_address.name != NULL)
		c->remote_name = t->remote_address.name; /* the engine asks */
	else
		c->remote_addr = t->remote_address.ip;
	/* A side given by name is known by it (ID_FQDN), as strongSwan
	 * takes an FQDN right= for rightid: tunsh.conf(5), local-id. */
	if (c->local_id == NULL || c->local_id[0] == '\0')
		c->local_id = t->local_address.name;
	if (c->remote_id == NULL || c->remote_id[0] == '\0')
		c->remote_id = t->remote_address.name;
	c->psk = t->psk;
	n = config_tunnel_local_prefixes(cfg, t, s->ln,
	    CONFIG_LOCAL_PREFIXES_MAX);
	c->n_local = n < IKE_NETS_MAX ? n : IKE_NETS_MAX;
	c->n_remote = t->n_remote;
	c->local_nets = s->ln;
	c->remote_nets = t->remote_nets;
	c->route_based = t->type == CONFIG_TUNNEL_ROUTE;
	c->ts_per_pair = t->ts_mode == CONFIG_TS_PER_PAIR;
	proposals(&t->ike_proposals, s->ike, &c->n_ike);
	proposals(&t->esp_proposals, s->esp, &c->n_esp);
	c->ike = s->ike;
	c->esp = s->esp;
	if (c->route_based && live_link_kind(l) == KERNEL_LINK_XFRMI)
		c->if_id = route_key(t->name);
	else if (c->route_based)
		c->mark = route_key(t->name);
	c->ike_lifetime = t->ike_lifetime;
	c->child_lifetime = t->child_lifetime;
	c->replay_window = t->replay_window;
	if (t->partner == CONFIG_PARTNER_AZURE)
		c->no_proposal_hint = config_azure_no_proposal_hint();
	c->initiator = t->initiator;
	c->rekey = t->rekey;
	c->reauth = t->reauth;
	c->dpd_action = t->dpd_action == CONFIG_DPD_CLEAR ? IKE_DPD_CLEAR :
	    t->dpd_action == CONFIG_DPD_HOLD		  ? IKE_DPD_HOLD :
							    IKE_DPD_RESTART;
	c->dpd_timeout = t->dpd_timeout;
	c->dpd_delay = t->dpd_delay;
	return 0;
}

/*
 * At commit (not at start, where the daemon must come up to be fixed): a
 * tunnel the kernel cannot carry is refused in words when it is added or
 * enabled; changes to one already there are let through so it can be
 * fixed or disabled.
 */
static int
kernel_can(struct live *l, const struct config_plan_step *step, struct diag *d)
{
	const struct config_tunnel *t = step->new_tunnel;

	if (!t->enable || !live_started(l) ||
	    (step->old_tunnel != NULL && step->old_tunnel->enable))
		return 0;
	if (t->type == CONFIG_TUNNEL_ROUTE &&
	    live_link_kind(l) == KERNEL_LINK_NONE) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: this kernel has neither XFRM interfaces nor VTI "
		    "(CONFIG_XFRM_INTERFACE, CONFIG_NET_IPVTI): a route-based "
		    "tunnel cannot work here; make it policy-based or disable "
		    "it",
		    t->name);
		return -ENOTSUP;
	}
	if (live_has_esp(l))
		return 0;
	diag_add(d, DIAG_ERROR,
	    "tunnel %s: this kernel has no ESP support (CONFIG_INET_ESP): "
	    "run tunshd on a kernel with ESP, or disable the tunnel",
	    t->name);
	return -ENOTSUP;
}

/*
 * What the engine does with a changed tunnel, by the classes of the
 * settings that changed (tunsh.conf(5), IPSEC TUNNELS): any setting of
 * the IKE or ESP negotiation reauthenticates at once, make-before-break,
 * also when networks changed with it; networks alone get new CHILD SAs
 * under the IKE SA.
 */
static enum ike_change
ike_change_of(const struct config_plan_step *step)
{
	for (enum config_field f = 0; f < CF__COUNT; f++)
		if ((step->fields & (1u << f)) &&
		    config_field_info(f)->change == CONFIG_CHANGE_RENEGOTIATE)
			return IKE_CHANGE_REAUTH;
	return step->change >= CONFIG_CHANGE_REPLACE ? IKE_CHANGE_CHILD :
						       IKE_CHANGE_IN_PLACE;
}

/* Adds or changes a tunnel: interface and routes first, so that traffic
 * has a way in when the SAs come; undone if the engine refuses. */
static int
tunnel_up(struct live *l, const struct config_plan_step *step,
    const struct config *cfg, const struct conf_store *s, struct diag *d)
{
	const struct config_tunnel *t = step->new_tunnel;
	struct ike_engine *e = live_engine(l);
	struct dataplane_set *dps = live_dataplane(l);
	bool route = t->type == CONFIG_TUNNEL_ROUTE && t->enable;
	struct dataplane *old = NULL, plan;
	bool keep = false;
	int rc = 0;

	/* Its own routes out of the way first: their metrics are free to it. */
	if (step->kind == CONFIG_STEP_TUNNEL_CHANGE)
		old = dataplane_take(dps, t->name);
	if (route)
		dataplane_plan(l, t, &s->c, &plan);
	if (old != NULL && route) {
		/* As the SAs are now: a change that keeps them must not
		 * send the traffic to the backup for a moment. */
		plan.up = old->up;
		plan.since = old->since;
		plan.probe_down = old->probe_down;
		plan.probe_since = old->probe_since;
	}
	if (old != NULL && route && dataplane_same(old, &plan)) {
		keep = true; /* in place: at most the MTU changes */
		rc = dataplane_set_mtu(dps, old, plan.link.mtu, d);
		dataplane_put(dps, old);
		old = NULL;
		if (rc < 0)
			return rc;
	}
	if (old != NULL)
		dataplane_undo(dps, old);
	if (route && !keep && (rc = dataplane_add(dps, &plan, d)) < 0) {
		if (live_started(l))
			goto restore;
		/* At start the daemon comes up regardless, to be fixed. */
		log_warn("shell",
		    "tunnel %s: no interface: it cannot carry traffic until "
		    "that is fixed",
		    t->name);
	}
	if (step->kind == CONFIG_STEP_TUNNEL_ADD)
		rc = ike_tunnel_add(e, &s->c, d);
	else
		rc = ike_tunnel_change(e, &s->c, ike_change_of(step), d);
	if (rc == 0) {
		free(old);
		if (route)
			dataplane_sync(l, t->name);
		monitor_sync(l, cfg, t);
		return 0;
	}
	if (!keep)
		dataplane_del(dps, t->name);
restore:
	if (old != NULL) {
		/* Put back what was there, as it was. */
		dataplane_restore(dps, old);
		dataplane_sync(l, t->name);
	}
	return rc;
}

/*
 * The system step: only metrics listen is live here (tunnels that VLANs
 * or WAN ports move come as their own steps).  cfg is where the step
 * leads, so its undo, run with the old configuration, puts the old
 * listener back.  As a tunnel's interface: a new address that cannot be
 * had fails the commit, which is undone; at start, or when the address
 * is the one asked for already (it could not be had at start), it is a
 * warning, since the daemon must come up and other settings must still
 * commit while the port is taken.
 */
static int
apply_system(struct live *l, const struct config *cfg, struct diag *d)
{
	struct metrics *m = live_metrics(l);
	struct diag why;
	bool soft;
	int rc;

	if (m == NULL)
		return 0;
	soft = !live_started(l) ||
	    strcmp(metrics_wanted(m), cfg->metrics_listen) == 0;
	if (!soft) {
		if ((rc = metrics_listen(m, cfg->metrics_listen, d)) == 0)
			metrics_set_wanted(m, cfg->metrics_listen);
		return rc;
	}
	metrics_set_wanted(m, cfg->metrics_listen);
	diag_init(&why);
	if ((rc = metrics_listen(m, cfg->metrics_listen, &why)) < 0) {
		log_warn("shell", "%s; not served until that is fixed",
		    why.count ? why.entries[0].text : strerror(-rc));
		diag_warn(d, "%s; not served until that is fixed",
		    why.count ? why.entries[0].text : strerror(-rc));
	}
	diag_clear(&why);
	return 0;
}

/*
 * A clamp is refused at commit on a kernel that cannot apply it only when
 * the operator set it; a partner preset's clamp is a warning there (the
 * tunnel works, with PMTU discovery alone).  Said when the tunnel comes,
 * or its clamp or preset changes, not at every commit.
 */
static int
clamp_can(struct live *l, const struct config_plan_step *step, struct diag *d)
{
	const struct config_tunnel *t = step->new_tunnel;
	uint32_t moved = (1u << CF_TCP_MSS) | (1u << CF_ENABLE) |
	    (1u << CF_PARTNER_TYPE);
	bool explicit = config_tunnel_is_set(t, CF_TCP_MSS);

	if (!t->enable || t->tcp_mss == 0 || live_can_clamp(l) ||
	    (step->kind == CONFIG_STEP_TUNNEL_CHANGE &&
		!(step->fields & moved)))
		return 0;
	diag_add(d, explicit && live_started(l) ? DIAG_ERROR : DIAG_WARNING,
	    "tunnel %s: tcp-mss %u cannot be applied: at start nftables "
	    "refused tunshd's clamps (%s)%s",
	    t->name, t->tcp_mss, live_clamp_why(l),
	    explicit ? ": remove tcp-mss, or restart tunshd where nftables "
		       "has the inet family and the TCP option expression" :
		       ": TCP relies on path MTU discovery; set tcp-mss 0 to "
		       "say so");
	return explicit && live_started(l) ? -ENOTSUP : 0;
}

/* What the tunnel clamps from now on, for the commit's end (mss.c). */
static int
clamp_record(struct live *l, const struct config_tunnel *t,
    const struct conf_store *s)
{
	char ifname[16];

	if (!t->enable || t->tcp_mss == 0) {
		mss_del(live_mss(l), t->name);
		return 0;
	}
	if (t->type == CONFIG_TUNNEL_ROUTE) {
		link_name(t->name, ifname, sizeof(ifname));
		return mss_set(live_mss(l), t->name, ifname, s->ln,
		    s->c.n_local, t->remote_nets, t->n_remote, t->tcp_mss);
	}
	if (s->c.n_local == 0 || s->c.n_remote == 0) {
		mss_del(live_mss(l), t->name); /* carries nothing */
		return 0;
	}
	return mss_set(live_mss(l), t->name, NULL, s->ln, s->c.n_local,
	    t->remote_nets, s->c.n_remote, t->tcp_mss);
}

static int
apply(void *arg, const struct config_plan_step *step, const struct config *cfg,
    struct diag *d)
{
	struct live *l = arg;
	struct conf_store *s;
	int rc;

	if (step->kind == CONFIG_STEP_SYSTEM)
		return apply_system(l, cfg, d);
	if (step->kind == CONFIG_STEP_TUNNEL_REMOVE) {
		rc = ike_tunnel_remove(live_engine(l), step->old_tunnel->name,
		    d);
		dataplane_del(live_dataplane(l), step->old_tunnel->name);
		monitor_set_remove(live_monitor(l), step->old_tunnel->name);
		mss_del(live_mss(l), step->old_tunnel->name);
		return rc;
	}
	if ((rc = kernel_can(l, step, d)) < 0 ||
	    (rc = clamp_can(l, step, d)) < 0)
		return rc;
	if ((s = malloc(sizeof(*s))) == NULL)
		return -ENOMEM;
	if ((rc = conf_from(l, cfg, step->new_tunnel, s, d)) == 0)
		rc = tunnel_up(l, step, cfg, s, d);
	if (rc == 0)
		rc = clamp_record(l, step->new_tunnel, s);
	free(s);
	live_rearm(l);
	return rc;
}

/* Once per commit: the clamps the steps recorded, in one transaction.
 * At start a failure is a warning: the daemon comes up to be fixed. */
static int
apply_finish(void *arg, const struct config *cfg, struct diag *d)
{
	struct live *l = arg;
	struct diag why;
	int rc;

	(void)cfg;
	if (live_started(l))
		return mss_sync(live_mss(l), d);
	diag_init(&why);
	if ((rc = mss_sync(live_mss(l), &why)) < 0)
		log_warn("shell", "TCP MSS clamps not applied: %s",
		    why.count ? why.entries[0].text : strerror(-rc));
	diag_clear(&why);
	return 0;
}

const struct config_apply_ops live_apply_ops = { apply, apply_finish };
