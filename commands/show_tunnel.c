/*
 * commands/show_tunnel.c: show ipsec tunnel, what each tunnel of the
 * running configuration is doing as a person or a script reads it: its
 * state, peer, proposal, CHILD SAs, interface, routes, monitor and last
 * error (detail adds its events), or in brief one line a tunnel as IOS
 * show crypto session brief; each in text and JSON.  It reads the engine
 * only through ike/ike.h and the walk (show_walk.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands/show_ipsec.h"

static size_t
ike_established_count(const struct show_sas *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n_ike; i++)
		n += show_ike_established(&l->ike[i]);
	return n;
}

/* The algorithms of the tunnel's established IKE SA, else of the one a
 * reauthentication replaces (it carries the traffic), or NULL. */
static const char *
ike_proposal(const struct show_sas *l)
{
	for (size_t i = 0; i < l->n_ike; i++)
		if (show_ike_established(&l->ike[i]))
			return l->ike[i].algs;
	for (size_t i = 0; i < l->n_ike; i++)
		if (strcmp(l->ike[i].state, "rekeyed") == 0)
			return l->ike[i].algs;
	return NULL;
}

/* NAT-T in words: which end NAT detection found behind a NAT. */
static const char *
natt_words(const struct ike_tunnel_status *st)
{
	if (!st->natt)
		return "no";
	if (st->behind_nat && st->peer_behind_nat)
		return "yes, both ends are behind a NAT";
	return st->behind_nat ? "yes, we are behind a NAT" :
				"yes, the peer is behind a NAT";
}

static const char *
natt_json(const struct ike_tunnel_status *st)
{
	if (!st->natt)
		return NULL;
	if (st->behind_nat && st->peer_behind_nat)
		return "both";
	return st->behind_nat ? "us" : "peer";
}

/* The keywords that may stand where show ipsec tunnel's NAME does. */
static const char *const tunnel_words[] = { "brief", "detail", "json" };

/*
 * show ipsec tunnel [NAME]: a tunnel of running, or any word that is no
 * prefix of a keyword there (the command says it does not exist).  On
 * Tab, a prefix of a tunnel's name, unless a keyword has it too.
 */
int
show_tunnel_valid_word(struct cli_def *cli, const char *name, const char *value)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	size_t len = strlen(value);

	if (grammar_has(cli, name))
		return CLI_ERROR;
	if (config_tunnel_find(c, value) != NULL) {
		if (s->completing)
			s->value_hit = "NAME";
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(tunnel_words) / sizeof(*tunnel_words);
	     i++)
		if (strncmp(tunnel_words[i], value, len) == 0)
			return CLI_ERROR;
	if (!s->completing)
		return CLI_OK;
	for (size_t i = 0; i < c->n_tunnels; i++)
		if (strncmp(c->tunnels[i]->name, value, len) == 0) {
			s->value_hit = "NAME";
			return CLI_OK;
		}
	return CLI_ERROR;
}

#define DP_MISSING                                                      \
	"none: tunshd could not make it (see show log); a commit that " \
	"changes the tunnel tries again"

/* What a route does now, in a word. */
static const char *
route_state(const struct commands_dataplane *dp, const struct commands_route *r)
{
	if (r->stuck)
		return "not moved: the kernel refused (see show log)";
	if (!dp->up)
		return "withdrawn";
	return r->best ? "active" : "backup";
}

/* Why the tunnel's routes carry nothing, or since when they do. */
static void
routing_words(const struct commands_dataplane *dp, char *buf, size_t len)
{
	char when[32];

	show_time(dp->since, when, sizeof(when));
	if (dp->up)
		snprintf(buf, len, "routes active since %s", when);
	else if (dp->probe_down) {
		show_time(dp->probe_since, when, sizeof(when));
		snprintf(buf, len,
		    "route withdrawn: CHILD SA up but its monitor unanswered "
		    "since %s; traffic for its networks takes another "
		    "tunnel's route, or is dropped",
		    when);
	} else if (dp->since == 0)
		snprintf(buf, len,
		    "route withdrawn: no CHILD SA yet; traffic for its "
		    "networks takes another tunnel's route, or is dropped");
	else
		snprintf(buf, len,
		    "route withdrawn: CHILD SA down since %s; traffic for "
		    "its networks takes another tunnel's route, or is "
		    "dropped",
		    when);
}

/*
 *   Interface:     ts-aws-1 (VTI), inside address 169.254.10.2/30
 *   Routing:       route withdrawn: CHILD SA down since ...
 *     10.2.0.0/16  metric 100  withdrawn (kept at 1100)
 */
static void
print_dataplane(struct cli_def *cli, const struct show_view *v)
{
	const struct commands_dataplane *dp = &v->dp;
	char inside[PREFIX4_STRLEN], words[256];

	if (v->dp_missing)
		show_field(cli, "Interface", "%s", DP_MISSING);
	if (!v->has_dp)
		return;

	ipaddr_format_prefix(&dp->inside, inside, sizeof(inside));
	show_field(cli, "Interface", "%s (%s)%s%s", dp->ifname,
	    dp->xfrmi ? "XFRM interface" : "VTI",
	    dp->inside.family ? ", inside address " : "",
	    dp->inside.family ? inside : "");
	routing_words(dp, words, sizeof(words));
	show_field(cli, "Routing", "%s", words);
	for (size_t i = 0; i < dp->n_routes; i++) {
		const struct commands_route *r = &dp->routes[i];
		char net[IPADDR_STRLEN], now[40] = "";

		ipaddr_format_prefix(&r->dst, net, sizeof(net));
		if (r->metric_now != r->metric)
			snprintf(now, sizeof(now), " (kept at %" PRIu32 ")",
			    r->metric_now);
		cli_print(cli, "    %-18s metric %-4" PRIu32 " %s%s", net,
		    r->metric, route_state(dp, r), now);
	}
}

static void
json_dataplane(struct json_writer *j, const struct show_view *v)
{
	const struct commands_dataplane *dp = &v->dp;
	char words[256];

	if (v->dp_missing)
		json_str(j, "interface_missing", DP_MISSING);
	if (!v->has_dp)
		return;
	json_object(j, "interface", JSON_LINES);
	json_str(j, "name", dp->ifname);
	json_str(j, "kind", dp->xfrmi ? "xfrm" : "vti");
	if (dp->inside.family)
		show_json_prefix(j, "inside_address", &dp->inside);
	else
		json_null(j, "inside_address");
	json_end(j);
	json_bool(j, "routes_active", dp->up);
	show_json_u64_or_null(j, "routes_since", dp->since);
	routing_words(dp, words, sizeof(words));
	json_str(j, "routes_reason", dp->up ? NULL : words);
	json_array(j, "routes", JSON_LINES);
	for (size_t i = 0; i < dp->n_routes; i++) {
		json_object(j, NULL, JSON_LINES);
		show_json_prefix(j, "network", &dp->routes[i].dst);
		json_u64(j, "metric", dp->routes[i].metric);
		json_u64(j, "metric_now", dp->routes[i].metric_now);
		json_str(j, "state", route_state(dp, &dp->routes[i]));
		json_end(j);
	}
	json_end(j);
}

/*
 *   Monitor:       down since ...: ping 10.2.0.10 from 10.1.0.1 every 1 s,
 *                  down after 3 unanswered in a row
 *   Probes:        sent 20, answered 12, last rtt 0.412 ms, unanswered in
 *                  a row 8, negotiated again 2 times
 */
static void
print_monitor(struct cli_def *cli, const struct show_view *v)
{
	const struct commands_monitor *m = &v->mon;
	char dst[ADDR4_STRLEN], src[ADDR4_STRLEN] = "-", when[32], rtt[32];

	if (!v->has_mon)
		return;
	addr4_format(m->dst, dst, sizeof(dst));
	if (m->src != 0)
		addr4_format(m->src, src, sizeof(src));
	show_time(m->since, when, sizeof(when));
	show_field(cli, "Monitor",
	    "%s since %s: ping %s from %s every %" PRIu32 " s, down after "
	    "%" PRIu32 " unanswered in a row%s",
	    m->state, when, dst, src, m->interval, m->threshold,
	    strcmp(m->state, "off") == 0 ? " (paused: no CHILD SA)" : "");
	if (m->has_rtt)
		snprintf(rtt, sizeof(rtt), "%" PRIu32 ".%03" PRIu32 " ms",
		    m->last_rtt_us / 1000, m->last_rtt_us % 1000);
	else
		snprintf(rtt, sizeof(rtt), "-");
	show_field(cli, "Probes",
	    "sent %" PRIu64 ", answered %" PRIu64 ", last rtt %s, unanswered "
	    "in a row %" PRIu32 ", negotiated again %" PRIu64 " times",
	    m->sent, m->answered, rtt, m->misses, m->restarts);
	if (m->last_error[0] != '\0')
		show_field(cli, "Monitor error", "%s", m->last_error);
}

static void
json_monitor(struct json_writer *j, const struct show_view *v)
{
	const struct commands_monitor *m = &v->mon;
	char a[ADDR4_STRLEN];

	if (!v->has_mon) {
		json_null(j, "monitor");
		return;
	}
	json_object(j, "monitor", JSON_LINES);
	json_str(j, "state", m->state);
	json_u64(j, "since", m->since);
	addr4_format(m->dst, a, sizeof(a));
	json_str(j, "destination", a);
	addr4_format(m->src, a, sizeof(a));
	json_str(j, "source", m->src != 0 ? a : NULL);
	json_u64(j, "interval", m->interval);
	json_u64(j, "threshold", m->threshold);
	json_u64(j, "sent", m->sent);
	json_u64(j, "answered", m->answered);
	if (m->has_rtt)
		json_u64(j, "last_rtt_us", m->last_rtt_us);
	else
		json_null(j, "last_rtt_us");
	json_u64(j, "misses", m->misses);
	json_u64(j, "restarts", m->restarts);
	json_str(j, "error", m->last_error[0] ? m->last_error : NULL);
	json_end(j);
}

static void
print_children(struct cli_def *cli, const struct show_sas *l)
{
	for (size_t i = 0; i < l->n_child; i++) {
		const struct ike_child_status *c = &l->child[i];
		char a[320], b[320];

		show_nets(c->local_nets, c->n_local_nets, a, sizeof(a));
		show_nets(c->remote_nets, c->n_remote_nets, b, sizeof(b));
		cli_print(cli,
		    "    %s <-> %s  in %08" PRIx32 " out %08" PRIx32 "%s", a, b,
		    c->spi_in, c->spi_out,
		    show_child_duplicate(l, i) ? "  duplicate" : "");
	}
}

/* Why a pair of networks has no CHILD SA, and what to do about it. */
static const char *
not_carried_why(const struct ike_tunnel_status *st)
{
	return st->ts_per_pair ?
	    "no CHILD SA for this pair: the peer refused it or it is on "
	    "its way; see show ipsec tunnel detail" :
	    "the peer narrowed our offer: set traffic-selectors per-pair";
}

/* The pairs of networks no CHILD SA carries (status.c). */
static void
print_not_carried(struct cli_def *cli, const struct ike_tunnel_status *st)
{
	size_t shown = st->n_not_carried < IKE_STATUS_NETS ? st->n_not_carried :
							     IKE_STATUS_NETS;

	if (st->n_not_carried == 0)
		return;
	show_field(cli, "Not carried", "%zu pair%s (%s)", st->n_not_carried,
	    show_plural(st->n_not_carried), not_carried_why(st));
	for (size_t i = 0; i < shown; i++) {
		char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

		ipaddr_format_prefix(&st->not_carried[i].local, a, sizeof(a));
		ipaddr_format_prefix(&st->not_carried[i].remote, b, sizeof(b));
		cli_print(cli, "    %s <-> %s", a, b);
	}
	if (shown < st->n_not_carried)
		cli_print(cli, "    and %zu more", st->n_not_carried - shown);
}

static void
json_not_carried(struct json_writer *j, const struct ike_tunnel_status *st)
{
	json_array(j, "not_carried", JSON_LINES);
	for (size_t i = 0; i < st->n_not_carried && i < IKE_STATUS_NETS; i++) {
		json_object(j, NULL, JSON_LINES);
		show_json_prefix(j, "local", &st->not_carried[i].local);
		show_json_prefix(j, "remote", &st->not_carried[i].remote);
		json_end(j);
	}
	json_end(j);
	json_u64(j, "not_carried_count", st->n_not_carried);
	json_str(j, "not_carried_reason",
	    st->n_not_carried ? not_carried_why(st) : NULL);
}

/*
 * Junos "Tunnel events": each kind of event once, newest first, with the
 * time it last happened and how often it did.  Kinds whose last time has
 * left the history come after, without a time.
 */
static void
print_event_counts(struct cli_def *cli, const struct ike_tunnel_status *st)
{
	bool done[IKE_EV_COUNT] = { false };
	char when[32];

	cli_print(cli, "  Tunnel events:");
	for (size_t i = 0; i < st->n_events; i++) {
		enum ike_event ev = st->events[i].ev;

		if (ev >= IKE_EV_COUNT || done[ev])
			continue;
		done[ev] = true;
		show_time(st->events[i].wall, when, sizeof(when));
		cli_print(cli, "    %s: %s (%u time%s)", when,
		    ike_event_name(ev), st->event_counts[ev],
		    show_plural(st->event_counts[ev]));
	}
	for (int ev = 0; ev < IKE_EV_COUNT; ev++)
		if (!done[ev] && st->event_counts[ev] > 0)
			cli_print(cli, "    before the history: %s (%u time%s)",
			    ike_event_name((enum ike_event)ev),
			    st->event_counts[ev],
			    show_plural(st->event_counts[ev]));
	if (st->n_events == 0)
		cli_print(cli, "    none");
}

static void
print_history(struct cli_def *cli, const struct ike_tunnel_status *st)
{
	char when[32], head[40];

	cli_print(cli, "  Event history (newest first):");
	for (size_t i = 0; i < st->n_events; i++) {
		show_time(st->events[i].wall, when, sizeof(when));
		snprintf(head, sizeof(head), "    %s", when);
		/* the text under its first word: 4 + the time + 2 */
		show_wrapped(cli, head, strlen(head) + 2, st->events[i].text);
	}
	if (st->n_events == 0)
		cli_print(cli, "    none");
}

static void
print_endpoints_conf(struct cli_def *cli, const struct config *c,
    const struct config_tunnel *t)
{
	char local[CONFIG_HOST_MAX + 1], remote[CONFIG_HOST_MAX + 1];

	if (config_tunnel_local_addr(c, t, local, sizeof(local)) < 0)
		snprintf(local, sizeof(local), "-");
	show_field(cli, "Local", "%s", local);
	show_field(cli, "Remote", "%s",
	    config_host_text(&t->remote_address, remote, sizeof(remote)));
}

/* The last commit is not in effect yet: say so, and why. */
static void
print_previous(struct cli_def *cli, const struct ike_tunnel_status *st)
{
	char left[32];

	if (!st->previous_config)
		return;
	show_duration(st->previous_expires, left, sizeof(left));
	if (st->previous_error[0] == '\0')
		show_field(cli, "Config",
		    "previous: the SAs of the configuration before the last "
		    "commit carry traffic while the new ones are negotiated");
	else
		show_field(cli, "Config",
		    "previous: the SAs of the configuration before the last "
		    "commit carry traffic (for %s at most): the new one "
		    "failed: %s; retrying",
		    st->previous_expires ? left : "their lifetime",
		    st->previous_error);
}

static void
print_tunnel_text(struct cli_def *cli, const struct config *c,
    const struct ike_engine *e, const struct show_view *v, bool detail)
{
	const struct ike_tunnel_status *st = &v->st;
	char buf[64], when[32];
	size_t dup = ike_established_count(&v->sas);
	const char *algs = ike_proposal(&v->sas);

	cli_print(cli, "Tunnel %s", v->conf->name);
	if (!v->known) {
		show_field(cli, "State", "unknown: %s", show_unknown_reason(e));
		print_endpoints_conf(cli, c, v->conf);
		print_dataplane(cli, v);
		print_monitor(cli, v);
		return;
	}
	show_field(cli, "State", "%s", ike_tunnel_state_name(st->state));
	show_field(cli, "Role", "%s",
	    st->established ? show_role(st->initiator_role) : "-");
	show_endpoint(&st->local, buf, sizeof(buf));
	show_field(cli, "Local", "%s", buf);
	show_endpoint(&st->remote, buf, sizeof(buf));
	if (v->conf->remote_address.name == NULL) /* a peer by name: both */
		show_field(cli, "Remote", "%s", buf);
	else
		show_field(cli, "Remote", "%s (%s)",
		    st->remote.addr.family ? buf : "not resolved",
		    v->conf->remote_address.name);
	if (st->established != 0) {
		uint64_t now = show_wall_now();

		show_duration(now > st->established ? now - st->established : 0,
		    buf, sizeof(buf));
		show_time(st->established, when, sizeof(when));
		show_field(cli, "Uptime", "%s, since %s", buf, when);
	} else {
		show_field(cli, "Uptime", "-");
	}
	show_field(cli, "IKE proposal", "%s", algs ? algs : "-");
	show_field(cli, "NAT-T", "%s", natt_words(st));
	if (dup > 1)
		show_field(cli, "Duplicates",
		    "%zu established IKE SAs (the fix: clear ipsec sa tunnel "
		    "%s)",
		    dup, v->conf->name);
	show_field(cli, "CHILD SAs", "%zu", v->sas.n_child);
	print_children(cli, &v->sas);
	print_not_carried(cli, st);
	print_dataplane(cli, v);
	print_monitor(cli, v);
	print_previous(cli, st);
	show_field(cli, "Last error", "%s",
	    st->last_error[0] ? st->last_error : "none");
	if (detail) {
		print_history(cli, st);
		print_event_counts(cli, st);
	}
}

static void
json_events(struct json_writer *j, const struct ike_tunnel_status *st)
{
	json_array(j, "events", JSON_LINES);
	for (size_t i = 0; i < st->n_events; i++) {
		json_object(j, NULL, JSON_LINES);
		json_u64(j, "time", st->events[i].wall);
		json_str(j, "event", ike_event_name(st->events[i].ev));
		json_str(j, "text", st->events[i].text);
		json_end(j);
	}
	json_end(j);
	json_array(j, "event_counts", JSON_LINES);
	for (int ev = 0; ev < IKE_EV_COUNT; ev++) {
		if (st->event_counts[ev] == 0)
			continue;
		json_object(j, NULL, JSON_LINES);
		json_str(j, "event", ike_event_name((enum ike_event)ev));
		json_u64(j, "count", st->event_counts[ev]);
		json_end(j);
	}
	json_end(j);
}

static void
json_children_brief(struct json_writer *j, const struct show_sas *l)
{
	json_array(j, "child_sas", JSON_LINES);
	for (size_t i = 0; i < l->n_child; i++) {
		json_object(j, NULL, JSON_LINES);
		show_json_prefix(j, "local_ts", &l->child[i].local_ts);
		show_json_prefix(j, "remote_ts", &l->child[i].remote_ts);
		show_json_spi32(j, "spi_in", l->child[i].spi_in);
		show_json_spi32(j, "spi_out", l->child[i].spi_out);
		json_bool(j, "duplicate", show_child_duplicate(l, i));
		json_end(j);
	}
	json_end(j);
}

static void
print_tunnel_json(struct json_writer *j, const struct ike_engine *e,
    const struct show_view *v, bool detail)
{
	const struct ike_tunnel_status *st = &v->st;
	uint64_t now = show_wall_now();

	json_object(j, NULL, JSON_LINES);
	json_str(j, "name", v->conf->name);
	if (!v->known) {
		json_str(j, "state", "unknown");
		json_str(j, "reason", show_unknown_reason(e));
		json_dataplane(j, v);
		json_monitor(j, v);
		json_end(j);
		return;
	}
	json_str(j, "state", ike_tunnel_state_name(st->state));
	json_str(j, "role",
	    st->established ? show_role(st->initiator_role) : NULL);
	show_json_endpoint(j, "local", &st->local);
	show_json_endpoint(j, "remote", &st->remote);
	show_json_u64_or_null(j, "established", st->established);
	if (st->established == 0)
		json_null(j, "uptime");
	else
		json_u64(j, "uptime",
		    now > st->established ? now - st->established : 0);
	json_str(j, "ike_proposal", show_known_or_null(ike_proposal(&v->sas)));
	json_bool(j, "natt", st->natt);
	json_str(j, "behind_nat", natt_json(st));
	json_bool(j, "duplicate_ike_sas", ike_established_count(&v->sas) > 1);
	json_children_brief(j, &v->sas);
	json_not_carried(j, st);
	json_dataplane(j, v);
	json_monitor(j, v);
	json_bool(j, "previous_config", st->previous_config);
	json_str(j, "previous_config_error",
	    st->previous_error[0] ? st->previous_error : NULL);
	json_str(j, "last_error", st->last_error[0] ? st->last_error : NULL);
	if (detail)
		json_events(j, st);
	json_end(j);
}

/*
 * show ipsec tunnel brief: one line per tunnel, as IOS show crypto
 * session brief.  The columns and their widths; a longer name, peer or
 * error keeps what fits and ends in '~' (tunsh(1)), since a table that
 * overflows its column lies about the columns after it.
 */
#define BRIEF_NAME  12
#define BRIEF_PEER  15
#define BRIEF_STATE 10
#define BRIEF_UP    8
#define BRIEF_SAS   3
#define BRIEF_BYTES 5
#define BRIEF_ERROR                                                      \
	(SHOW_WIDTH - BRIEF_NAME - BRIEF_PEER - BRIEF_STATE - BRIEF_UP - \
	    BRIEF_SAS - 2 * BRIEF_BYTES - 7)

/* The state in one word of the State column. */
static const char *
brief_state(enum ike_tunnel_state s)
{
	static const char *const words[] = {
		[IKE_TUNNEL_DOWN] = "down",
		[IKE_TUNNEL_CONNECTING] = "connecting",
		[IKE_TUNNEL_UP] = "up",
		[IKE_TUNNEL_WAITING] = "waiting",
		[IKE_TUNNEL_DISABLED] = "disabled",
		[IKE_TUNNEL_NO_CHILD] = "no-child",
	};

	return s <= IKE_TUNNEL_NO_CHILD ? words[s] : "?";
}

/* The last error's kind in the few words the Last error column has. */
static const char *
brief_error_words(enum ike_event ev)
{
	static const char *const words[IKE_EV_COUNT] = {
		[IKE_EV_DELETED_BY_PEER] = "peer deleted",
		[IKE_EV_AUTH_FAILED] = "auth failed",
		[IKE_EV_NO_PROPOSAL] = "no proposal",
		[IKE_EV_TS_UNACCEPTABLE] = "TS refused",
		[IKE_EV_NO_RESPONSE] = "no response",
		[IKE_EV_INVALID_KE] = "DH group",
		[IKE_EV_DPD_TIMEOUT] = "DPD timeout",
		[IKE_EV_DPD_ACTION] = "DPD action",
		[IKE_EV_PEER_MOVED] = "peer moved",
		[IKE_EV_KERNEL_ERROR] = "kernel error",
		[IKE_EV_TS_NARROWED] = "TS narrowed",
	};

	return ev < IKE_EV_COUNT ? words[ev] : NULL;
}

/*
 * The event that recorded the last error (tunnel_error, ike/tunnel_log.c,
 * records its text with the event), or IKE_EV_COUNT when it left the
 * history.
 */
static enum ike_event
last_error_event(const struct ike_tunnel_status *st)
{
	for (size_t i = 0; i < st->n_events; i++)
		if (strcmp(st->events[i].text, st->last_error) == 0)
			return st->events[i].ev;
	return IKE_EV_COUNT;
}

/* s in w columns: cut to w - 1 characters and a '~' when longer. */
static void
fit(const char *s, size_t w, char *buf, size_t len)
{
	if (strlen(s) <= w)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "%.*s~", (int)(w - 1), s);
}

/* Uptime in 8 columns: hh:mm:ss under a day, then days and hours. */
static void
brief_uptime(uint64_t s, char *buf, size_t len)
{
	if (s < 86400)
		show_duration(s, buf, len);
	else
		snprintf(buf, len, "%" PRIu64 "d%02uh", s / 86400,
		    (unsigned)(s / 3600 % 24));
}

/* Bytes in 5 columns: 999, then 1.0K to 9.9K, 10K to 999K, and so on
 * with M, G, T, P and E (powers of 1024). */
static void
brief_bytes(uint64_t b, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double v = (double)b;
	size_t u = 0;

	if (b < 1000) {
		snprintf(buf, len, "%" PRIu64, b);
		return;
	}
	for (v /= 1024; v >= 999.5 && u + 1 < sizeof(units) - 1; u++)
		v /= 1024;
	if (v < 9.95)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

/* What one line of brief says of a tunnel, in either form. */
struct brief {
	const char *peer;  /* the address now, else the configured one */
	const char *state; /* a word of brief_state, or "unknown" */
	uint64_t uptime;   /* valid when established */
	uint64_t bytes_in, bytes_out; /* summed over the CHILD SAs */
	const char *error;	      /* the few words, NULL for none */
	char addr[IPADDR_STRLEN];
	char conf_addr[CONFIG_HOST_MAX + 1]; /* an FQDN or an address */
};

static void
brief_get(const struct show_view *v, struct brief *b)
{
	const struct ike_tunnel_status *st = &v->st;
	uint64_t now = show_wall_now();

	memset(b, 0, sizeof(*b));
	b->peer = config_host_text(&v->conf->remote_address, b->conf_addr,
	    sizeof(b->conf_addr));
	b->state = "unknown";
	if (!v->known)
		return;
	ipaddr_format(&st->remote.addr, b->addr, sizeof(b->addr));
	if (st->remote.addr.family != 0)
		b->peer = b->addr;
	b->state = brief_state(st->state);
	if (st->established != 0 && now > st->established)
		b->uptime = now - st->established;
	for (size_t i = 0; i < v->sas.n_child; i++) {
		b->bytes_in += v->sas.child[i].in.bytes;
		b->bytes_out += v->sas.child[i].out.bytes;
	}
	if (st->last_error[0] != '\0') {
		b->error = brief_error_words(last_error_event(st));
		if (b->error == NULL)
			b->error = st->last_error;
	}
}

static void
print_brief_head(struct cli_def *cli)
{
	cli_print(cli, "%-*s %-*s %-*s %-*s %*s %*s %*s %s", BRIEF_NAME,
	    "Tunnel", BRIEF_PEER, "Peer", BRIEF_STATE, "State", BRIEF_UP,
	    "Uptime", BRIEF_SAS, "SAs", BRIEF_BYTES, "In", BRIEF_BYTES, "Out",
	    "Last error");
}

static void
print_brief_line(struct cli_def *cli, const struct show_view *v)
{
	char name[BRIEF_NAME + 1], peer[BRIEF_PEER + 1], up[24] = "-";
	char sas[24] = "-", in[16] = "-", out[16] = "-", err[BRIEF_ERROR + 1];
	struct brief b;

	brief_get(v, &b);
	fit(v->conf->name, BRIEF_NAME, name, sizeof(name));
	fit(b.peer, BRIEF_PEER, peer, sizeof(peer));
	/* An IPv6 address cut short names nobody: as IOS does, it gets a
	 * line of its own, whole, and the row goes on under it. */
	if (strlen(b.peer) > BRIEF_PEER && strchr(b.peer, ':') != NULL) {
		cli_print(cli, "%-*s %s", BRIEF_NAME, name, b.peer);
		snprintf(name, sizeof(name), "%s", "");
		snprintf(peer, sizeof(peer), "%s", "");
	}
	fit(b.error ? b.error : "-", BRIEF_ERROR, err, sizeof(err));
	if (v->known && v->st.established != 0)
		brief_uptime(b.uptime, up, sizeof(up));
	if (v->known) {
		snprintf(sas, sizeof(sas), "%zu", v->sas.n_child);
		brief_bytes(b.bytes_in, in, sizeof(in));
		brief_bytes(b.bytes_out, out, sizeof(out));
	}
	cli_print(cli, "%-*s %-*s %-*s %-*s %*s %*s %*s %s", BRIEF_NAME, name,
	    BRIEF_PEER, peer, BRIEF_STATE, b.state, BRIEF_UP, up, BRIEF_SAS,
	    sas, BRIEF_BYTES, in, BRIEF_BYTES, out, err);
}

/*
 * The JSON of one line: whole values (nothing cut), the state as show
 * ipsec tunnel json names it, and null for what the engine does not know.
 */
static void
print_brief_json(struct json_writer *j, const struct show_view *v)
{
	const struct ike_tunnel_status *st = &v->st;
	struct brief b;
	enum ike_event ev;

	brief_get(v, &b);
	json_object(j, NULL, JSON_LINES);
	json_str(j, "name", v->conf->name);
	json_str(j, "peer", b.peer);
	json_str(j, "state",
	    v->known ? ike_tunnel_state_name(st->state) : "unknown");
	show_json_u64_or_null(j, "established", v->known ? st->established : 0);
	if (v->known && st->established != 0)
		json_u64(j, "uptime", b.uptime);
	else
		json_null(j, "uptime");
	if (v->known) {
		json_u64(j, "child_sas", v->sas.n_child);
		json_u64(j, "bytes_in", b.bytes_in);
		json_u64(j, "bytes_out", b.bytes_out);
	} else {
		json_null(j, "child_sas");
		json_null(j, "bytes_in");
		json_null(j, "bytes_out");
	}
	ev = v->known && st->last_error[0] ? last_error_event(st) :
					     IKE_EV_COUNT;
	json_str(j, "last_error_event",
	    ev < IKE_EV_COUNT ? ike_event_name(ev) : NULL);
	json_str(j, "last_error",
	    v->known && st->last_error[0] ? st->last_error : NULL);
	json_end(j);
}

static void
tunnel_head(const struct show_walk *w)
{
	if (w->a.brief)
		print_brief_head(w->cli);
}

static void
tunnel_text(const struct show_walk *w, const struct show_view *v)
{
	if (w->a.brief)
		print_brief_line(w->cli, v);
	else
		print_tunnel_text(w->cli, w->c, w->e, v, w->a.detail);
}

static void
tunnel_json(struct json_writer *j, const struct show_walk *w,
    const struct show_view *v, size_t pass)
{
	(void)pass;
	if (w->a.brief)
		print_brief_json(j, v);
	else
		print_tunnel_json(j, w->e, v, w->a.detail);
}

static const struct show_cmd tunnel_cmd = {
	.what = "show ipsec tunnel",
	.usage = "[NAME] [brief | detail] [json]",
	.need = SHOW_STATUS | SHOW_SAS | SHOW_DATAPLANE,
	.blank_between = true,
	.say_none = true,
	.head = tunnel_head,
	.text = tunnel_text,
	.json = tunnel_json,
	.oom = "show ipsec tunnel: out of memory: the SAs above are "
	       "incomplete; try again",
};

int
show_tunnel_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	return show_walk(cli, &tunnel_cmd, argv, argc);
}
