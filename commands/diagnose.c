/*
 * commands/diagnose.c: diagnose ipsec tunnel NAME [json].  Walks the two
 * troubleshooting lists of the vendor's IPsec guide ("Tunnel not
 * establishing", "Tunnel up but no traffic") against live state and says
 * of each check ok, FAIL or unknown, with the fix in the guide's words.
 * The checks (dx_run) read only a struct of facts, so tests give them
 * any; this file gathers the facts from the engine, the kernel (through
 * the host ops) and the dataplane, and samples the CHILD SA counters a
 * second apart on the loop, answering when the second sample is in.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "commands/diagnose.h"

/* Seconds between the two samples of the CHILD SA counters. */
#define DX_SAMPLE_MS 1000

/*
 * The checks: the list each belongs to, its JSON name, its heading and
 * the fix.  The fixes are the guide's own bullets; the guide has none for
 * proposals, so that one names the settings to change.
 */
static const struct {
	const char *name, *title, *fix;
	bool up_list; /* "Tunnel up but no traffic" */
} checks[DX_COUNT] = {
	[DX_PSK] = { "pre-shared-key", "Pre-shared key",
	    "Verify the pre-shared key matches on both ends", false },
	[DX_LOCAL] = { "local-address", "Local address on the WAN port",
	    "Confirm the local and remote IP addresses are correct", false },
	[DX_REACH] = { "peer-reachable", "Remote gateway reachable",
	    "Check that the remote gateway is reachable", false },
	[DX_FIREWALL] = { "ipsec-traffic",
	    "UDP 500, UDP 4500 and ESP from the peer",
	    "Ensure the WAN firewall allows IPSec traffic (UDP 500, UDP "
	    "4500, and ESP protocol)",
	    false },
	[DX_PROPOSALS] = { "proposals", "Proposals in common",
	    "Set ike-proposal and esp-proposal to one the peer accepts "
	    "(the guide has no line for this)",
	    false },
	[DX_NETWORKS] = { "networks", "Networks accepted by the peer",
	    "Verify local and remote network subnets are configured "
	    "correctly",
	    true },
	[DX_OVERLAP] = { "overlap", "Local and remote networks apart",
	    "Check for overlapping IP addresses between local and remote "
	    "networks",
	    true },
	[DX_ROUTES] = { "routes", "A route for each remote network",
	    "Verify local and remote network subnets are configured "
	    "correctly",
	    true },
	[DX_COUNTERS] = { "traffic", "CHILD SA counters rising in and out",
	    "Confirm firewall rules allow traffic between the tunnel subnets",
	    true },
	[DX_DPD] = { "dpd", "Dead Peer Detection",
	    "Check that the remote gateway is reachable", true },
};

const char *
dx_title(enum dx_check k)
{
	return k < DX_COUNT ? checks[k].title : "?";
}

const char *
dx_fix(enum dx_check k)
{
	return k < DX_COUNT ? checks[k].fix : "?";
}

const char *
dx_state_name(enum dx_state s)
{
	return s == DX_OK ? "ok" : s == DX_FAIL ? "FAIL" : "unknown";
}

static void set(struct dx_result *r, enum dx_state s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set(struct dx_result *r, enum dx_state s, const char *fmt, ...)
{
	va_list ap;

	r->state = s;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

#define EVB(ev) (1u << (ev))

/*
 * Which came last: an event of fail (1, with its record in *rec when the
 * history still holds it), one of ok (0), or neither (-1).  The history
 * is newest first; past it, the times of the last of each kind decide,
 * a tie going to ok (a failure and its cure in one second).
 */
static int
newer(const struct ike_tunnel_status *st, unsigned fail, unsigned ok,
    const struct ike_event_record **rec)
{
	uint64_t f = 0, o = 0;

	*rec = NULL;
	for (size_t i = 0; i < st->n_events; i++) {
		if (fail & EVB(st->events[i].ev)) {
			*rec = &st->events[i];
			return 1;
		}
		if (ok & EVB(st->events[i].ev))
			return 0;
	}
	for (unsigned ev = 0; ev < IKE_EV_COUNT; ev++) {
		uint64_t w = st->event_last[ev];

		if ((fail & EVB(ev)) && w > f)
			f = w;
		if ((ok & EVB(ev)) && w > o)
			o = w;
	}
	if (f == 0 && o == 0)
		return -1;
	return f > o ? 1 : 0;
}

/*
 * What rec says, whole: the history keeps 120 bytes of each event, the
 * last error 200, which both offers of a NO_PROPOSAL_CHOSEN need.
 */
static const char *
whole(const struct ike_tunnel_status *st, const struct ike_event_record *rec,
    const char *none)
{
	if (rec == NULL)
		return none;
	if (strncmp(st->last_error, rec->text, strlen(rec->text)) == 0)
		return st->last_error;
	return rec->text;
}

/*
 * An address alone, without its prefix length (an interface's address
 * has one): "192.0.2.1", "2001:db8::1".  No address reads 0.0.0.0, as
 * the IPv4-only text always said of one not known.
 */
static void
addr_text(const struct ipaddr *a, char *buf, size_t len)
{
	struct ipaddr one = *a;

	if (a->family == 0) {
		snprintf(buf, len, "0.0.0.0");
		return;
	}
	one.len = (uint8_t)ipaddr_bits(a);
	ipaddr_format(&one, buf, len);
}

/* a and b are one address, whatever their prefix lengths. */
static bool
same_addr(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

static bool
up(const struct dx_facts *f)
{
	return f->engine &&
	    (f->st.state == IKE_TUNNEL_UP ||
		f->st.state == IKE_TUNNEL_NO_CHILD);
}

#define IKE_OK                                                   \
	(EVB(IKE_EV_ESTABLISHED) | EVB(IKE_EV_REAUTHENTICATED) | \
	    EVB(IKE_EV_IKE_REKEYED))
#define CHILD_OK (EVB(IKE_EV_CHILD_UP) | EVB(IKE_EV_CHILD_REKEYED))

static void
check_psk(const struct dx_facts *f, struct dx_result *r)
{
	const struct ike_event_record *rec;

	if (!f->engine) {
		set(r, DX_UNKNOWN, "the IKE engine does not run this tunnel");
		return;
	}
	switch (newer(&f->st, EVB(IKE_EV_AUTH_FAILED), IKE_OK, &rec)) {
	case 1:
		set(r, DX_FAIL, "%s",
		    whole(&f->st, rec, "the last authentication failed"));
		return;
	case 0:
		set(r, DX_OK, "the last authentication succeeded");
		return;
	}
	if (up(f))
		set(r, DX_OK, "the IKE SA is up");
	else
		set(r, DX_UNKNOWN, "no authentication has been tried yet");
}

static void
check_local(const struct dx_facts *f, struct dx_result *r)
{
	char a[IPADDR_STRLEN], w[IPADDR_STRLEN];
	const struct config_interface *port;
	const struct ipaddr *pa;

	if (f->local.family == 0) {
		set(r, DX_UNKNOWN, "no local address is known");
		return;
	}
	addr_text(&f->local, a, sizeof(a));
	port = f->t->wan_port[0] ? config_interface_find(f->c, f->t->wan_port) :
				   NULL;
	/* The port's address of the local address's family. */
	pa = port != NULL ? &port->addr[config_slot(f->local.family)] : NULL;
	if (pa != NULL && pa->family != 0 && !same_addr(pa, &f->local)) {
		addr_text(pa, w, sizeof(w));
		set(r, DX_FAIL, "local address %s is not wan-port %s's (%s)", a,
		    port->name, w);
		return;
	}
	if (f->local_rc < 0) {
		set(r, DX_UNKNOWN, "cannot read this host's addresses: %s",
		    strerror(-f->local_rc));
		return;
	}
	if (!f->local_ours) {
		set(r, DX_FAIL,
		    "%s is not an address of any interface of this host", a);
		return;
	}
	set(r, DX_OK, "%s is on this host%s%s", a, port ? ", wan-port " : "",
	    port ? port->name : "");
}

static void
check_reach(const struct dx_facts *f, struct dx_result *r)
{
	const struct ike_event_record *rec;
	char p[IPADDR_STRLEN], s[IPADDR_STRLEN];

	if (f->remote.family == 0) {
		set(r, DX_UNKNOWN, "the remote address is not resolved yet");
		return;
	}
	addr_text(&f->remote, p, sizeof(p));
	if (f->route_rc < 0) {
		set(r, DX_FAIL, "no route to %s: %s", p,
		    strerror(-f->route_rc));
		return;
	}
	addr_text(&f->route_src, s, sizeof(s));
	if (!f->engine) {
		set(r, DX_UNKNOWN, "route to %s from %s; IKE not running", p,
		    s);
		return;
	}
	if (f->tr.rx_500 + f->tr.rx_4500 == 0 && f->tr.tx > 0) {
		set(r, DX_FAIL,
		    "route to %s from %s, but none of %llu IKE messages sent "
		    "was answered",
		    p, s, (unsigned long long)f->tr.tx);
		return;
	}
	if (newer(&f->st, EVB(IKE_EV_NO_RESPONSE), IKE_OK | CHILD_OK, &rec) ==
	    1) {
		set(r, DX_FAIL, "%s",
		    whole(&f->st, rec, "no response from peer"));
		return;
	}
	if (f->tr.rx_500 + f->tr.rx_4500 == 0) {
		set(r, DX_UNKNOWN, "route to %s from %s; no IKE exchanged yet",
		    p, s);
		return;
	}
	set(r, DX_OK, "route to %s from %s; IKE answers seen", p, s);
}

static void
check_firewall(const struct dx_facts *f, struct dx_result *r)
{
	unsigned long long r5 = f->tr.rx_500, r45 = f->tr.rx_4500;
	unsigned long long in = f->in[0], out = f->out[0];

	if (!f->engine) {
		set(r, DX_UNKNOWN, "the IKE engine does not run this tunnel");
		return;
	}
	/* What was sent never left: the firewall is not what failed. */
	if (f->route_rc < 0) {
		set(r, DX_UNKNOWN, "no route to the peer: see above");
		return;
	}
	if (r5 + r45 == 0 && f->tr.tx > 0) {
		set(r, DX_FAIL,
		    "nothing received from the peer on UDP 500 or 4500 "
		    "(%llu sent)",
		    (unsigned long long)f->tr.tx);
		return;
	}
	if (f->st.natt && up(f) && r45 == 0) {
		set(r, DX_FAIL, "NAT-T in use, but nothing came on UDP 4500");
		return;
	}
	if (f->n_child > 0 && out > 0 && in == 0) {
		set(r, DX_FAIL,
		    "ESP: %llu packets sent, none received (UDP 500: %llu, "
		    "4500: %llu)",
		    out, r5, r45);
		return;
	}
	if (r5 + r45 == 0) {
		set(r, DX_UNKNOWN, "no IKE exchanged with the peer yet");
		return;
	}
	if (f->n_child == 0 || in == 0) {
		set(r, DX_OK, "UDP 500: %llu, 4500: %llu; no ESP yet", r5, r45);
		return;
	}
	set(r, DX_OK, "UDP 500: %llu, 4500: %llu; ESP in: %llu packets", r5,
	    r45, in);
}

static void
check_proposals(const struct dx_facts *f, struct dx_result *r)
{
	const struct ike_event_record *rec;

	if (!f->engine) {
		set(r, DX_UNKNOWN, "the IKE engine does not run this tunnel");
		return;
	}
	if (newer(&f->st, EVB(IKE_EV_NO_PROPOSAL), CHILD_OK, &rec) == 1) {
		set(r, DX_FAIL, "%s", whole(&f->st, rec, "no proposal chosen"));
		return;
	}
	if (f->st.state == IKE_TUNNEL_UP) {
		set(r, DX_OK, "IKE and ESP proposals agreed");
		return;
	}
	set(r, DX_UNKNOWN, "no proposal has been answered yet");
}

static void
not_carried(const struct ike_tunnel_status *st, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < st->n_not_carried && i < IKE_STATUS_NETS; i++) {
		char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
		int n;

		ipaddr_format_prefix(&st->not_carried[i].local, a, sizeof(a));
		ipaddr_format_prefix(&st->not_carried[i].remote, b, sizeof(b));
		n = snprintf(buf + at, len - at, "%s%s <-> %s", i ? ", " : "",
		    a, b);
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
	}
}

static void
check_networks(const struct dx_facts *f, struct dx_result *r)
{
	const struct ike_event_record *rec;
	char pairs[200];

	if (!f->engine) {
		set(r, DX_UNKNOWN, "the IKE engine does not run this tunnel");
		return;
	}
	if (newer(&f->st, EVB(IKE_EV_TS_UNACCEPTABLE), CHILD_OK, &rec) == 1) {
		set(r, DX_FAIL, "%s",
		    whole(&f->st, rec, "traffic selectors unacceptable"));
		return;
	}
	if (up(f) && f->st.n_not_carried > 0) {
		not_carried(&f->st, pairs, sizeof(pairs));
		set(r, DX_FAIL,
		    "the peer narrowed them: %zu pair(s) not "
		    "carried: %s",
		    f->st.n_not_carried, pairs);
		return;
	}
	if (f->st.state == IKE_TUNNEL_UP)
		set(r, DX_OK, "the peer took all of them");
	else
		set(r, DX_UNKNOWN, "no CHILD SA has been negotiated yet");
}

static void
check_overlap(const struct dx_facts *f, struct dx_result *r)
{
	struct ipaddr local[CONFIG_LOCAL_PREFIXES_MAX];
	size_t n = config_tunnel_local_prefixes(f->c, f->t, local,
	    sizeof(local) / sizeof(local[0]));

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < f->t->n_remote; j++)
			if (ipaddr_overlap(&local[i], &f->t->remote_nets[j])) {
				char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

				ipaddr_format_prefix(&local[i], a, sizeof(a));
				ipaddr_format_prefix(&f->t->remote_nets[j], b,
				    sizeof(b));
				set(r, DX_FAIL,
				    "local network %s overlaps remote "
				    "network %s",
				    a, b);
				return;
			}
	set(r, DX_OK, "%zu local and %zu remote network(s), none overlap", n,
	    f->t->n_remote);
}

static void
check_routes(const struct dx_facts *f, struct dx_result *r)
{
	char b[IPADDR_STRLEN];

	if (f->t->type != CONFIG_TUNNEL_ROUTE) {
		set(r, DX_OK, "policy-based: the policies steer the traffic");
		return;
	}
	if (!f->has_dp) {
		set(r, DX_FAIL, "the tunnel has no interface (see show log)");
		return;
	}
	for (size_t j = 0; j < f->t->n_remote; j++) {
		const struct commands_route *rt = NULL;

		ipaddr_format_prefix(&f->t->remote_nets[j], b, sizeof(b));
		for (size_t i = 0; i < f->dp.n_routes; i++)
			if (ipaddr_cmp(&f->dp.routes[i].dst,
				&f->t->remote_nets[j]) == 0)
				rt = &f->dp.routes[i];
		if (rt == NULL) {
			set(r, DX_FAIL, "no route to %s via %s", b,
			    f->dp.ifname);
			return;
		}
		if (rt->stuck || !rt->best || !f->dp.up) {
			set(r, DX_FAIL, "the route to %s via %s is %s", b,
			    f->dp.ifname,
			    rt->stuck	  ? "stuck (see show log)" :
				!rt->best ? "not the best one" :
					    "withdrawn: no CHILD SA");
			return;
		}
	}
	set(r, DX_OK, "%zu route(s) via %s", f->t->n_remote, f->dp.ifname);
}

static void
check_counters(const struct dx_facts *f, struct dx_result *r)
{
	unsigned long long din, dout;

	if (f->n_child == 0) {
		set(r, DX_UNKNOWN, "no CHILD SA: see the checks above");
		return;
	}
	if (!f->sampled) {
		set(r, DX_UNKNOWN, "sampled once only: %s", f->why_once);
		return;
	}
	din = f->in[1] - f->in[0];
	dout = f->out[1] - f->out[0];
	if (f->in[1] < f->in[0] || f->out[1] < f->out[0]) {
		set(r, DX_UNKNOWN, "the CHILD SAs changed during the sample");
		return;
	}
	if (din > 0 && dout > 0)
		set(r, DX_OK, "in +%llu, out +%llu packets in 1 s", din, dout);
	else if (dout > 0)
		set(r, DX_FAIL, "out +%llu packets in 1 s, nothing in", dout);
	else if (din > 0)
		set(r, DX_FAIL, "in +%llu packets in 1 s, nothing out", din);
	else
		set(r, DX_UNKNOWN,
		    "no traffic in 1 s: make some (ping ADDRESS "
		    "source vlan ID) and diagnose again");
}

static void
check_dpd(const struct dx_facts *f, struct dx_result *r)
{
	const struct ike_dpd_status *d = &f->st.dpd;

	if (!f->engine) {
		set(r, DX_UNKNOWN, "the IKE engine does not run this tunnel");
		return;
	}
	if (f->t->dpd_timeout == 0) {
		set(r, DX_OK, "off");
		return;
	}
	if (d->last_result < 0 &&
	    (d->last_heard == 0 || d->last_heard < d->last_check)) {
		set(r, DX_FAIL,
		    "the last liveness check went unanswered (%u action(s) "
		    "taken)",
		    d->actions);
		return;
	}
	if (d->in_flight > 0) {
		set(r, DX_UNKNOWN, "%u liveness check(s) waiting for an answer",
		    d->in_flight);
		return;
	}
	if (d->last_heard == 0)
		set(r, DX_UNKNOWN, "the peer has not been heard yet");
	else
		set(r, DX_OK, "peer heard %llu s ago",
		    (unsigned long long)(f->now > d->last_heard ?
			    f->now - d->last_heard :
			    0));
}

void
dx_run(const struct dx_facts *f, struct dx_result r[DX_COUNT])
{
	static void (*const fn[DX_COUNT])(const struct dx_facts *,
	    struct dx_result *) = {
		[DX_PSK] = check_psk,
		[DX_LOCAL] = check_local,
		[DX_REACH] = check_reach,
		[DX_FIREWALL] = check_firewall,
		[DX_PROPOSALS] = check_proposals,
		[DX_NETWORKS] = check_networks,
		[DX_OVERLAP] = check_overlap,
		[DX_ROUTES] = check_routes,
		[DX_COUNTERS] = check_counters,
		[DX_DPD] = check_dpd,
	};

	for (int k = 0; k < DX_COUNT; k++)
		fn[k](f, &r[k]);
}

/* --- gathering the facts and answering ------------------------------ */

struct sample {
	size_t n;
	uint64_t in, out;
};

static void
add_child(void *arg, const struct ike_child_status *c)
{
	struct sample *s = arg;

	s->n++;
	s->in += c->in.packets;
	s->out += c->out.packets;
}

static struct sample
sample(const struct commands_env *env, const char *name)
{
	struct sample s = { 0 };

	if (env->ike != NULL)
		ike_child_each(env->ike, name, add_child, &s);
	return s;
}

struct dx_job {
	struct session_job job; /* first: the session holds this */
	struct commands_session *s;
	struct event *timer;
	struct config *c; /* a reference to running at the first sample */
	char name[CONFIG_TUNNEL_NAME_MAX + 1];
	bool json;
	struct dx_facts f;
};

/* a into *out when it is an address (an engine's or a setting's not yet
 * known is all zeros: 0.0.0.0 or ::), else *out stays none. */
static void
known(const struct ipaddr *a, struct ipaddr *out)
{
	static const uint8_t zero[sizeof(a->bytes)];

	if (a->family != 0 && memcmp(a->bytes, zero, sizeof(zero)) != 0)
		*out = *a;
}

static void
gather(struct commands_session *s, const struct config *c,
    const struct config_tunnel *t, struct dx_facts *f)
{
	const struct commands_host_ops *h;
	char buf[CONFIG_HOST_MAX + 1];
	struct sample one;
	void *harg;

	memset(f, 0, sizeof(*f));
	f->c = c;
	f->t = t;
	f->now = (uint64_t)time(NULL);
	if (s->env->ike != NULL &&
	    ike_tunnel_status(s->env->ike, t->name, &f->st) == 0 &&
	    ike_tunnel_traffic(s->env->ike, t->name, &f->tr) == 0) {
		f->engine = true;
		known(&f->st.local.addr, &f->local);
		known(&f->st.remote.addr, &f->remote);
	}
	if (f->local.family == 0 &&
	    config_tunnel_local_addr(c, t, buf, sizeof(buf)) == 0 &&
	    ipaddr_parse(buf, &f->local) < 0)
		memset(&f->local, 0, sizeof(f->local));
	if (f->remote.family == 0)
		known(&t->remote_address.ip, &f->remote);
	h = session_host(s, &harg);
	if (f->local.family != 0)
		f->local_rc = h->addr_is_local(harg, &f->local, &f->local_ours);
	f->route_rc = f->remote.family != 0 ?
	    h->route_src(harg, &f->remote, &f->route_src) :
	    -EDESTADDRREQ;
	one = sample(s->env, t->name);
	f->n_child = one.n;
	f->in[0] = one.in;
	f->out[0] = one.out;
	f->has_dp = s->env->dataplane != NULL &&
	    s->env->dataplane(s->env->dataplane_arg, t->name, &f->dp);
}

static void
print_text(struct cli_def *cli, const struct dx_facts *f,
    const struct dx_result r[DX_COUNT])
{
	unsigned fails = 0, unknown = 0;
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

	addr_text(&f->local, a, sizeof(a));
	addr_text(&f->remote, b, sizeof(b));
	cli_print(cli, "Tunnel %s (%s to %s): %s", f->t->name, a, b,
	    f->engine ? ike_tunnel_state_name(f->st.state) : "not running");
	for (int k = 0; k < DX_COUNT; k++) {
		if (k == DX_PSK || k == DX_NETWORKS)
			cli_print(cli, "%s",
			    k == DX_PSK ? "Tunnel not establishing" :
					  "Tunnel up but no traffic");
		cli_print(cli, "  %-7s %s: %s", dx_state_name(r[k].state),
		    checks[k].title, r[k].detail);
		if (r[k].state == DX_FAIL)
			cli_print(cli, "          fix: %s", checks[k].fix);
		fails += r[k].state == DX_FAIL;
		unknown += r[k].state == DX_UNKNOWN;
	}
	cli_print(cli, "%u FAIL, %u unknown, %u ok", fails, unknown,
	    DX_COUNT - fails - unknown);
}

static void
print_json(struct cli_def *cli, const struct dx_facts *f,
    const struct dx_result r[DX_COUNT])
{
	struct json_writer j;

	json_writer_init(&j, cli_line, cli);
	json_object(&j, NULL, JSON_LINES);
	json_str(&j, "tunnel", f->t->name);
	json_str(&j, "state",
	    f->engine ? ike_tunnel_state_name(f->st.state) : NULL);
	json_array(&j, "checks", JSON_LINES);
	for (int k = 0; k < DX_COUNT; k++) {
		json_object(&j, NULL, JSON_LINES);
		json_str(&j, "list",
		    checks[k].up_list ? "up-no-traffic" : "not-establishing");
		json_str(&j, "check", checks[k].name);
		json_str(&j, "result", dx_state_name(r[k].state));
		json_str(&j, "detail", r[k].detail);
		json_str(&j, "fix",
		    r[k].state == DX_FAIL ? checks[k].fix : NULL);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	json_done(cli, "diagnose ipsec tunnel", &j);
}

static void
answer(struct cli_def *cli, const struct dx_facts *f, bool json)
{
	struct dx_result r[DX_COUNT];

	dx_run(f, r);
	if (json)
		print_json(cli, f, r);
	else
		print_text(cli, f, r);
}

static void
job_free(struct dx_job *j)
{
	if (j->timer != NULL)
		event_free(j->timer);
	config_free(j->c);
	free(j);
}

/* The second sample: the answer, then the line ends. */
static void
second(struct dx_job *j, bool interrupted)
{
	struct commands_session *s = j->s;
	struct sample two = sample(s->env, j->name);

	if (interrupted) {
		j->f.why_once = "interrupted";
	} else if (two.n != j->f.n_child) {
		j->f.why_once = "the CHILD SAs changed during the sample";
	} else {
		j->f.sampled = true;
		j->f.in[1] = two.in;
		j->f.out[1] = two.out;
	}
	answer(s->cli, &j->f, j->json);
	job_free(j);
	session_job_done(s, 0);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	second(arg, false);
}

static void
job_interrupt(struct session_job *job)
{
	second((struct dx_job *)job, true);
}

static void
job_cancel(struct session_job *job)
{
	job_free((struct dx_job *)job);
}

static int
cmd_diagnose(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	const char *name = cli_get_optarg_value(cli, "NAME", NULL);
	const struct config_tunnel *t;
	struct timeval tv = { DX_SAMPLE_MS / 1000, DX_SAMPLE_MS % 1000 * 1000 };
	struct dx_job *j;
	int rc;

	(void)cmd;
	(void)argv;
	(void)argc;
	if (name == NULL || (t = config_tunnel_find(c, name)) == NULL)
		return cmd_error(cli,
		    "diagnose: no tunnel %s in the running configuration: "
		    "show ipsec tunnel lists them",
		    name ? name : "(none given)");
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return cmd_error(cli, "diagnose: out of memory");
	j->job.interrupt = job_interrupt;
	j->job.cancel = job_cancel;
	j->s = s;
	j->json = cli_get_optarg_value(cli, "json", NULL) != NULL;
	snprintf(j->name, sizeof(j->name), "%s", name);
	/* The facts point into running: keep this one alive until the
	 * answer, whatever commits come meanwhile. */
	if ((j->c = config_copy(c)) == NULL) {
		free(j);
		return cmd_error(cli, "diagnose: out of memory");
	}
	gather(s, j->c, config_tunnel_find(j->c, name), &j->f);
	if (j->f.n_child == 0) {
		j->f.why_once = "no CHILD SA";
	} else if (s->env->base == NULL ||
	    (j->timer = evtimer_new(s->env->base, timer_cb, j)) == NULL) {
		j->f.why_once = "this session cannot wait for a second sample";
	} else if ((rc = session_defer(s, &j->job)) < 0) {
		j->f.why_once = rc == -ENOTSUP && s->filters != NULL ?
		    "a filter reads the whole output at once: diagnose "
		    "without it to sample the counters" :
		    "this session cannot wait for a second sample";
	} else {
		/* Cannot fail: the timer is new and the time valid. */
		evtimer_add(j->timer, &tv);
		return CLI_OK;
	}
	answer(cli, &j->f, j->json);
	job_free(j);
	return CLI_OK;
}

static int
complete_tunnel(struct cli_def *cli, const char *name, const char *word,
    struct cli_comphelp *ch)
{
	const struct config *c =
	    config_store_running(session_of(cli)->env->store);

	(void)name;
	for (size_t i = 0; i < c->n_tunnels; i++)
		if (word == NULL ||
		    strncmp(c->tunnels[i]->name, word, strlen(word)) == 0)
			cli_add_comphelp_entry(ch, c->tunnels[i]->name);
	return CLI_OK;
}

void
commands_register_diagnose(struct cli_def *cli)
{
	const int P = PRIVILEGE_UNPRIVILEGED;
	struct cli_command *d, *ipsec, *tunnel;

	d = cli_register_command(cli, NULL, "diagnose", NULL, P, MODE_EXEC,
	    "Check a tunnel against the troubleshooting lists");
	ipsec =
	    cli_register_command(cli, d, "ipsec", NULL, P, MODE_EXEC, "IPsec");
	tunnel = cli_register_command(cli, ipsec, "tunnel", cmd_diagnose, P,
	    MODE_EXEC,
	    "Each check ok, FAIL or unknown, with the fix for each FAIL");
	cli_register_optarg(tunnel, "NAME", CLI_CMD_ARGUMENT, P, MODE_EXEC,
	    "The tunnel's name", complete_tunnel, NULL, NULL);
	cli_register_optarg(tunnel, "json", CLI_CMD_OPTIONAL_FLAG, P, MODE_EXEC,
	    "In JSON", NULL, NULL, NULL);
}
