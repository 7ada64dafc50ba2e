/*
 * commands/show_ipsec.c: the live IPsec state of the IKE engine as a
 * person or a script reads it: show ipsec tunnel (and its brief form,
 * one line a tunnel), show ipsec sa, show ipsec dpd and show ipsec
 * counters (tables, detail blocks and JSON), and the two commands that
 * act on it, clear ipsec sa and test ipsec tunnel (admins only).  It
 * reads the engine only through ike/ike.h and the tunnels' settings from
 * the running configuration; it never changes the configuration.
 *
 * Times are UTC like show configuration history; durations are hh:mm:ss
 * like show users, with days in front when there are any.  In JSON,
 * times are epoch seconds and durations seconds, as every json form
 * gives them, and what is not known is null (tunsh(1), JSON).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands/private.h"

#define WIDTH	  80 /* of every line of text output */
#define LABEL_COL 17 /* where the values of "  Label:" lines start */
#define NO_ENGINE "the IKE engine is not running"
#define NO_ENGINE_FIX \
	NO_ENGINE "; restart tunshd, and see show log if it stays so"

/*
 * The engine's wall clock.  ike.h offers no accessor for it, so this is
 * the real clock, which is what the engine's own default clock returns
 * (ike/engine.c engine_wall); an engine on a fake clock (tests) must keep
 * its wall clock in step with the real one.
 */
static uint64_t
wall_now(void)
{
	return (uint64_t)time(NULL);
}

static void
fmt_time(uint64_t wall, char *buf, size_t len)
{
	time_t t = (time_t)wall;
	struct tm tm;

	if (wall == 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "never");
		return;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void
fmt_duration(uint64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d %02u:%02u:%02u", s / 86400,
		    (unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60),
		    (unsigned)(s % 60));
	else
		snprintf(buf, len, "%02u:%02u:%02u", (unsigned)(s / 3600),
		    (unsigned)(s / 60 % 60), (unsigned)(s % 60));
}

/* A timer of the engine: seconds from now, 0 when not armed. */
static void
fmt_in(uint64_t s, char *buf, size_t len)
{
	char d[32];

	if (s == 0) {
		snprintf(buf, len, "never");
		return;
	}
	fmt_duration(s, d, sizeof(d));
	snprintf(buf, len, "in %s", d);
}

static void
fmt_endpoint(const struct ike_endpoint *ep, char *buf, size_t len)
{
	char a[ADDR4_STRLEN];

	addr4_format(ep->addr, a, sizeof(a));
	snprintf(buf, len, "%s port %u", a, ep->port);
}

/*
 * "  Label:        text", the text wrapped at word boundaries to WIDTH
 * columns with its continuation lines under the first word.  Engine texts
 * (last error, events) run to 200 characters.
 */
static void
print_wrapped(struct cli_def *cli, const char *head, size_t col,
    const char *text)
{
	size_t room = WIDTH - col;
	bool first = true;

	while (first || *text != '\0') {
		size_t n = strlen(text);

		if (n > room) {
			size_t cut = room;

			while (cut > 0 && text[cut] != ' ')
				cut--;
			n = cut > 0 ? cut : room;
		}
		cli_print(cli, "%-*s%.*s", (int)col, first ? head : "", (int)n,
		    text);
		text += n;
		while (*text == ' ')
			text++;
		first = false;
	}
}

static void print_field(struct cli_def *cli, const char *label, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
print_field(struct cli_def *cli, const char *label, const char *fmt, ...)
{
	char head[32], text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(head, sizeof(head), "  %s:", label);
	print_wrapped(cli, head, LABEL_COL, text);
}

/* "10.1.0.0/24, 10.3.0.0/24": every selector of a side. */
static void
nets_format(const struct prefix4 *p, size_t n, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && at < len; i++) {
		char one[PREFIX4_STRLEN];

		prefix4_format(&p[i], one, sizeof(one));
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
		    i ? ", " : "", one);
	}
	if (n == 0)
		snprintf(buf, len, "-");
}

/*
 * The engine's text for a value it does not know yet ("-" for the
 * algorithms of a half-open SA) is null in JSON (tunsh(1), JSON).
 */
static const char *
known_or_null(const char *s)
{
	return s == NULL || s[0] == '\0' || strcmp(s, "-") == 0 ? NULL : s;
}

/* What the engine holds for one tunnel: its SAs, copied. */
struct sa_list {
	struct ike_sa_status *ike;
	size_t n_ike, cap_ike;
	struct ike_child_status *child;
	size_t n_child, cap_child;
	bool oom;
};

/* Appends item to the array *v of *n (capacity *cap); false on OOM. */
static bool
append(void *v, size_t *n, size_t *cap, const void *item, size_t size)
{
	void **arr = v;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 4;
		void *p = realloc(*arr, c * size);

		if (p == NULL)
			return false;
		*arr = p;
		*cap = c;
	}
	memcpy((char *)*arr + *n * size, item, size);
	(*n)++;
	return true;
}

static void
ike_cb(void *arg, const struct ike_sa_status *s)
{
	struct sa_list *l = arg;

	if (!append(&l->ike, &l->n_ike, &l->cap_ike, s, sizeof(*s)))
		l->oom = true;
}

static void
child_cb(void *arg, const struct ike_child_status *s)
{
	struct sa_list *l = arg;

	if (!append(&l->child, &l->n_child, &l->cap_child, s, sizeof(*s)))
		l->oom = true;
}

static void
sa_list_get(const struct ike_engine *e, const char *name, struct sa_list *l)
{
	memset(l, 0, sizeof(*l));
	ike_sa_each(e, name, ike_cb, l);
	ike_child_each(e, name, child_cb, l);
}

static void
sa_list_free(struct sa_list *l)
{
	free(l->ike);
	free(l->child);
}

static bool
ike_established(const struct ike_sa_status *s)
{
	return strcmp(s->state, "established") == 0;
}

/* More than one established IKE SA for its tunnel (VyOS T8952). */
static bool
ike_duplicate(const struct sa_list *l, size_t i)
{
	if (!ike_established(&l->ike[i]))
		return false;
	for (size_t k = 0; k < l->n_ike; k++)
		if (k != i && ike_established(&l->ike[k]) &&
		    strcmp(l->ike[k].tunnel, l->ike[i].tunnel) == 0)
			return true;
	return false;
}

/*
 * Another CHILD SA of the tunnel with the same selectors.  ike.h does not
 * say which CHILD SA is being replaced, so the old and new SA of a rekey
 * are marked too in the moment both exist.
 */
static bool
child_duplicate(const struct sa_list *l, size_t i)
{
	const struct ike_child_status *c = &l->child[i];

	for (size_t k = 0; k < l->n_child; k++) {
		const struct ike_child_status *o = &l->child[k];

		if (k != i && strcmp(o->tunnel, c->tunnel) == 0 &&
		    prefix4_cmp(&o->local_ts, &c->local_ts) == 0 &&
		    prefix4_cmp(&o->remote_ts, &c->remote_ts) == 0)
			return true;
	}
	return false;
}

static size_t
ike_established_count(const struct sa_list *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n_ike; i++)
		n += ike_established(&l->ike[i]);
	return n;
}

static const char *
role(bool initiator)
{
	return initiator ? "initiator" : "responder";
}

static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* The algorithms of the tunnel's established IKE SA, else of the one a
 * reauthentication replaces (it carries the traffic), or NULL. */
static const char *
ike_proposal(const struct sa_list *l)
{
	for (size_t i = 0; i < l->n_ike; i++)
		if (ike_established(&l->ike[i]))
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

/* Arguments */

struct args {
	const char *name; /* the tunnel, or NULL for all */
	bool detail, brief, json;
};

/*
 * What libcli found of [NAME] or [tunnel NAME], [detail], [brief] and
 * [json] (grammar.c); words it did not take are an error naming the
 * command and what it takes.
 */
static bool
get_args(struct cli_def *cli, const char *what, const char *usage, char **argv,
    int argc, struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->name = grammar_get(cli, "NAME");
	if (a->name == NULL)
		a->name = grammar_get(cli, "tunnel");
	a->detail = grammar_has(cli, "detail");
	a->brief = grammar_has(cli, "brief");
	a->json = grammar_has(cli, "json");
	if (grammar_extra(cli, what, usage, argv, argc) != CLI_OK)
		return false;
	if (a->detail && a->brief) {
		cmd_error(cli,
		    "%s: brief and detail exclude each other; give %s", what,
		    usage);
		return false;
	}
	return true;
}

/* The keywords that may stand where show ipsec tunnel's NAME does. */
static const char *const tunnel_words[] = { "brief", "detail", "json" };

/*
 * show ipsec tunnel [NAME]: a tunnel of running, or any word that is no
 * prefix of a keyword there (the command says it does not exist).  On
 * Tab, a prefix of a tunnel's name, unless a keyword has it too.
 */
static int
valid_tunnel_word(struct cli_def *cli, const char *name, const char *value)
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

/* The tunnel of the running configuration, or an error naming it. */
static const struct config_tunnel *
tunnel_of(struct cli_def *cli, const struct config *c, const char *name)
{
	const struct config_tunnel *t = config_tunnel_find(c, name);

	if (t == NULL)
		cmd_error(cli,
		    "ipsec tunnel %s does not exist in the running "
		    "configuration; show running-config lists the tunnels",
		    name);
	return t;
}

/* The tunnels to show: the one named, or all of running (sorted). */
static bool
select_tunnels(struct cli_def *cli, const struct config *c, const char *name,
    size_t *from, size_t *to)
{
	if (name == NULL) {
		*from = 0;
		*to = c->n_tunnels;
		return true;
	}
	for (size_t i = 0; i < c->n_tunnels; i++)
		if (strcmp(c->tunnels[i]->name, name) == 0) {
			*from = i;
			*to = i + 1;
			return true;
		}
	tunnel_of(cli, c, name);
	return false;
}

/* show ipsec tunnel */

struct tunnel_view {
	const struct config_tunnel *conf;
	bool known; /* the engine has the tunnel */
	struct ike_tunnel_status st;
	struct sa_list sas;
	bool has_dp;	 /* a route-based tunnel's interface and routes */
	bool dp_missing; /* route-based, and tunshd could not make them */
	struct commands_dataplane dp;
	bool has_mon; /* its traffic monitor runs */
	struct commands_monitor mon;
};

static void
view_get(struct ike_engine *e, const struct config_tunnel *t, bool with_sas,
    struct tunnel_view *v)
{
	memset(v, 0, sizeof(*v));
	v->conf = t;
	v->known = e != NULL && ike_tunnel_status(e, t->name, &v->st) == 0;
	if (v->known && with_sas)
		sa_list_get(e, t->name, &v->sas);
}

/* The interface and routes tunshd made for a route-based tunnel. */
static void
view_dataplane(const struct commands_env *env, struct tunnel_view *v)
{
	v->has_dp = env->dataplane != NULL &&
	    env->dataplane(env->dataplane_arg, v->conf->name, &v->dp);
	/* apply.c lets tunshd start when an interface cannot be made. */
	v->dp_missing = !v->has_dp && env->dataplane != NULL &&
	    v->conf->enable && v->conf->type == CONFIG_TUNNEL_ROUTE;
	v->has_mon = env->monitor != NULL &&
	    env->monitor(env->monitor_arg, v->conf->name, &v->mon);
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

	fmt_time(dp->since, when, sizeof(when));
	if (dp->up)
		snprintf(buf, len, "routes active since %s", when);
	else if (dp->probe_down) {
		fmt_time(dp->probe_since, when, sizeof(when));
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
print_dataplane(struct cli_def *cli, const struct tunnel_view *v)
{
	const struct commands_dataplane *dp = &v->dp;
	char inside[PREFIX4_STRLEN], words[256];

	if (v->dp_missing)
		print_field(cli, "Interface", "%s", DP_MISSING);
	if (!v->has_dp)
		return;

	prefix4_format(&dp->inside, inside, sizeof(inside));
	print_field(cli, "Interface", "%s (%s)%s%s", dp->ifname,
	    dp->xfrmi ? "XFRM interface" : "VTI",
	    dp->inside.len ? ", inside address " : "",
	    dp->inside.len ? inside : "");
	routing_words(dp, words, sizeof(words));
	print_field(cli, "Routing", "%s", words);
	for (size_t i = 0; i < dp->n_routes; i++) {
		const struct commands_route *r = &dp->routes[i];
		char net[PREFIX4_STRLEN], now[40] = "";

		prefix4_format(&r->dst, net, sizeof(net));
		if (r->metric_now != r->metric)
			snprintf(now, sizeof(now), " (kept at %" PRIu32 ")",
			    r->metric_now);
		cli_print(cli, "    %-18s metric %-4" PRIu32 " %s%s", net,
		    r->metric, route_state(dp, r), now);
	}
}

static void
json_dataplane(struct jw *j, const struct tunnel_view *v)
{
	const struct commands_dataplane *dp = &v->dp;
	char words[256];

	if (v->dp_missing)
		jw_str(j, "interface_missing", DP_MISSING);
	if (!v->has_dp)
		return;
	jw_open(j, "interface", "{");
	jw_str(j, "name", dp->ifname);
	jw_str(j, "kind", dp->xfrmi ? "xfrm" : "vti");
	if (dp->inside.len)
		jw_prefix(j, "inside_address", &dp->inside);
	else
		jw_value(j, "inside_address", "null");
	jw_close(j, "}");
	jw_bool(j, "routes_active", dp->up);
	jw_u64_or_null(j, "routes_since", dp->since);
	routing_words(dp, words, sizeof(words));
	jw_str(j, "routes_reason", dp->up ? NULL : words);
	jw_open(j, "routes", "[");
	for (size_t i = 0; i < dp->n_routes; i++) {
		jw_open(j, NULL, "{");
		jw_prefix(j, "network", &dp->routes[i].dst);
		jw_u64(j, "metric", dp->routes[i].metric);
		jw_u64(j, "metric_now", dp->routes[i].metric_now);
		jw_str(j, "state", route_state(dp, &dp->routes[i]));
		jw_close(j, "}");
	}
	jw_close(j, "]");
}

/*
 *   Monitor:       down since ...: ping 10.2.0.10 from 10.1.0.1 every 1 s,
 *                  down after 3 unanswered in a row
 *   Probes:        sent 20, answered 12, last rtt 0.412 ms, unanswered in
 *                  a row 8, negotiated again 2 times
 */
static void
print_monitor(struct cli_def *cli, const struct tunnel_view *v)
{
	const struct commands_monitor *m = &v->mon;
	char dst[ADDR4_STRLEN], src[ADDR4_STRLEN] = "-", when[32], rtt[32];

	if (!v->has_mon)
		return;
	addr4_format(m->dst, dst, sizeof(dst));
	if (m->src != 0)
		addr4_format(m->src, src, sizeof(src));
	fmt_time(m->since, when, sizeof(when));
	print_field(cli, "Monitor",
	    "%s since %s: ping %s from %s every %" PRIu32 " s, down after "
	    "%" PRIu32 " unanswered in a row%s",
	    m->state, when, dst, src, m->interval, m->threshold,
	    strcmp(m->state, "off") == 0 ? " (paused: no CHILD SA)" : "");
	if (m->has_rtt)
		snprintf(rtt, sizeof(rtt), "%" PRIu32 ".%03" PRIu32 " ms",
		    m->last_rtt_us / 1000, m->last_rtt_us % 1000);
	else
		snprintf(rtt, sizeof(rtt), "-");
	print_field(cli, "Probes",
	    "sent %" PRIu64 ", answered %" PRIu64 ", last rtt %s, unanswered "
	    "in a row %" PRIu32 ", negotiated again %" PRIu64 " times",
	    m->sent, m->answered, rtt, m->misses, m->restarts);
	if (m->last_error[0] != '\0')
		print_field(cli, "Monitor error", "%s", m->last_error);
}

static void
json_monitor(struct jw *j, const struct tunnel_view *v)
{
	const struct commands_monitor *m = &v->mon;
	char a[ADDR4_STRLEN];

	if (!v->has_mon) {
		jw_value(j, "monitor", "null");
		return;
	}
	jw_open(j, "monitor", "{");
	jw_str(j, "state", m->state);
	jw_u64(j, "since", m->since);
	addr4_format(m->dst, a, sizeof(a));
	jw_str(j, "destination", a);
	addr4_format(m->src, a, sizeof(a));
	jw_str(j, "source", m->src != 0 ? a : NULL);
	jw_u64(j, "interval", m->interval);
	jw_u64(j, "threshold", m->threshold);
	jw_u64(j, "sent", m->sent);
	jw_u64(j, "answered", m->answered);
	if (m->has_rtt)
		jw_u64(j, "last_rtt_us", m->last_rtt_us);
	else
		jw_value(j, "last_rtt_us", "null");
	jw_u64(j, "misses", m->misses);
	jw_u64(j, "restarts", m->restarts);
	jw_str(j, "error", m->last_error[0] ? m->last_error : NULL);
	jw_close(j, "}");
}

/* Why the state of a tunnel the engine lacks is unknown. */
static const char *
unknown_reason(const struct ike_engine *e)
{
	return e == NULL ? NO_ENGINE :
			   "the IKE engine does not have this tunnel; see show "
			   "log for why its commit did not reach it";
}

static void
print_children(struct cli_def *cli, const struct sa_list *l)
{
	for (size_t i = 0; i < l->n_child; i++) {
		const struct ike_child_status *c = &l->child[i];
		char a[320], b[320];

		nets_format(c->local_nets, c->n_local_nets, a, sizeof(a));
		nets_format(c->remote_nets, c->n_remote_nets, b, sizeof(b));
		cli_print(cli,
		    "    %s <-> %s  in %08" PRIx32 " out %08" PRIx32 "%s", a, b,
		    c->spi_in, c->spi_out,
		    child_duplicate(l, i) ? "  duplicate" : "");
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
	print_field(cli, "Not carried", "%zu pair%s (%s)", st->n_not_carried,
	    plural(st->n_not_carried), not_carried_why(st));
	for (size_t i = 0; i < shown; i++) {
		char a[PREFIX4_STRLEN], b[PREFIX4_STRLEN];

		prefix4_format(&st->not_carried[i].local, a, sizeof(a));
		prefix4_format(&st->not_carried[i].remote, b, sizeof(b));
		cli_print(cli, "    %s <-> %s", a, b);
	}
	if (shown < st->n_not_carried)
		cli_print(cli, "    and %zu more", st->n_not_carried - shown);
}

static void
json_not_carried(struct jw *j, const struct ike_tunnel_status *st)
{
	jw_open(j, "not_carried", "[");
	for (size_t i = 0; i < st->n_not_carried && i < IKE_STATUS_NETS; i++) {
		jw_open(j, NULL, "{");
		jw_prefix(j, "local", &st->not_carried[i].local);
		jw_prefix(j, "remote", &st->not_carried[i].remote);
		jw_close(j, "}");
	}
	jw_close(j, "]");
	jw_u64(j, "not_carried_count", st->n_not_carried);
	jw_str(j, "not_carried_reason",
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
		fmt_time(st->events[i].wall, when, sizeof(when));
		cli_print(cli, "    %s: %s (%u time%s)", when,
		    ike_event_name(ev), st->event_counts[ev],
		    plural(st->event_counts[ev]));
	}
	for (int ev = 0; ev < IKE_EV_COUNT; ev++)
		if (!done[ev] && st->event_counts[ev] > 0)
			cli_print(cli, "    before the history: %s (%u time%s)",
			    ike_event_name((enum ike_event)ev),
			    st->event_counts[ev], plural(st->event_counts[ev]));
	if (st->n_events == 0)
		cli_print(cli, "    none");
}

static void
print_history(struct cli_def *cli, const struct ike_tunnel_status *st)
{
	char when[32], head[40];

	cli_print(cli, "  Event history (newest first):");
	for (size_t i = 0; i < st->n_events; i++) {
		fmt_time(st->events[i].wall, when, sizeof(when));
		snprintf(head, sizeof(head), "    %s", when);
		/* the text under its first word: 4 + the time + 2 */
		print_wrapped(cli, head, strlen(head) + 2, st->events[i].text);
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
	print_field(cli, "Local", "%s", local);
	print_field(cli, "Remote", "%s",
	    config_host_text(&t->remote_address, remote, sizeof(remote)));
}

/* The last commit is not in effect yet: say so, and why. */
static void
print_previous(struct cli_def *cli, const struct ike_tunnel_status *st)
{
	char left[32];

	if (!st->previous_config)
		return;
	fmt_duration(st->previous_expires, left, sizeof(left));
	if (st->previous_error[0] == '\0')
		print_field(cli, "Config",
		    "previous: the SAs of the configuration before the last "
		    "commit carry traffic while the new ones are negotiated");
	else
		print_field(cli, "Config",
		    "previous: the SAs of the configuration before the last "
		    "commit carry traffic (for %s at most): the new one "
		    "failed: %s; retrying",
		    st->previous_expires ? left : "their lifetime",
		    st->previous_error);
}

static void
print_tunnel_text(struct cli_def *cli, const struct config *c,
    const struct ike_engine *e, const struct tunnel_view *v, bool detail)
{
	const struct ike_tunnel_status *st = &v->st;
	char buf[64], when[32];
	size_t dup = ike_established_count(&v->sas);
	const char *algs = ike_proposal(&v->sas);

	cli_print(cli, "Tunnel %s", v->conf->name);
	if (!v->known) {
		print_field(cli, "State", "unknown: %s", unknown_reason(e));
		print_endpoints_conf(cli, c, v->conf);
		print_dataplane(cli, v);
		print_monitor(cli, v);
		return;
	}
	print_field(cli, "State", "%s", ike_tunnel_state_name(st->state));
	print_field(cli, "Role", "%s",
	    st->established ? role(st->initiator_role) : "-");
	fmt_endpoint(&st->local, buf, sizeof(buf));
	print_field(cli, "Local", "%s", buf);
	fmt_endpoint(&st->remote, buf, sizeof(buf));
	print_field(cli, "Remote", "%s", buf);
	if (st->established != 0) {
		uint64_t now = wall_now();

		fmt_duration(now > st->established ? now - st->established : 0,
		    buf, sizeof(buf));
		fmt_time(st->established, when, sizeof(when));
		print_field(cli, "Uptime", "%s, since %s", buf, when);
	} else {
		print_field(cli, "Uptime", "-");
	}
	print_field(cli, "IKE proposal", "%s", algs ? algs : "-");
	print_field(cli, "NAT-T", "%s", natt_words(st));
	if (dup > 1)
		print_field(cli, "Duplicates",
		    "%zu established IKE SAs (the fix: clear ipsec sa tunnel "
		    "%s)",
		    dup, v->conf->name);
	print_field(cli, "CHILD SAs", "%zu", v->sas.n_child);
	print_children(cli, &v->sas);
	print_not_carried(cli, st);
	print_dataplane(cli, v);
	print_monitor(cli, v);
	print_previous(cli, st);
	print_field(cli, "Last error", "%s",
	    st->last_error[0] ? st->last_error : "none");
	if (detail) {
		print_history(cli, st);
		print_event_counts(cli, st);
	}
}

static void
json_events(struct jw *j, const struct ike_tunnel_status *st)
{
	jw_open(j, "events", "[");
	for (size_t i = 0; i < st->n_events; i++) {
		jw_open(j, NULL, "{");
		jw_u64(j, "time", st->events[i].wall);
		jw_str(j, "event", ike_event_name(st->events[i].ev));
		jw_str(j, "text", st->events[i].text);
		jw_close(j, "}");
	}
	jw_close(j, "]");
	jw_open(j, "event_counts", "[");
	for (int ev = 0; ev < IKE_EV_COUNT; ev++) {
		if (st->event_counts[ev] == 0)
			continue;
		jw_open(j, NULL, "{");
		jw_str(j, "event", ike_event_name((enum ike_event)ev));
		jw_u64(j, "count", st->event_counts[ev]);
		jw_close(j, "}");
	}
	jw_close(j, "]");
}

static void
json_children_brief(struct jw *j, const struct sa_list *l)
{
	jw_open(j, "child_sas", "[");
	for (size_t i = 0; i < l->n_child; i++) {
		jw_open(j, NULL, "{");
		jw_prefix(j, "local_ts", &l->child[i].local_ts);
		jw_prefix(j, "remote_ts", &l->child[i].remote_ts);
		jw_spi32(j, "spi_in", l->child[i].spi_in);
		jw_spi32(j, "spi_out", l->child[i].spi_out);
		jw_bool(j, "duplicate", child_duplicate(l, i));
		jw_close(j, "}");
	}
	jw_close(j, "]");
}

static void
print_tunnel_json(struct jw *j, const struct ike_engine *e,
    const struct tunnel_view *v, bool detail)
{
	const struct ike_tunnel_status *st = &v->st;
	uint64_t now = wall_now();

	jw_open(j, NULL, "{");
	jw_str(j, "name", v->conf->name);
	if (!v->known) {
		jw_str(j, "state", "unknown");
		jw_str(j, "reason", unknown_reason(e));
		json_dataplane(j, v);
		json_monitor(j, v);
		jw_close(j, "}");
		return;
	}
	jw_str(j, "state", ike_tunnel_state_name(st->state));
	jw_str(j, "role", st->established ? role(st->initiator_role) : NULL);
	jw_endpoint(j, "local", &st->local);
	jw_endpoint(j, "remote", &st->remote);
	jw_u64_or_null(j, "established", st->established);
	if (st->established == 0)
		jw_value(j, "uptime", "null");
	else
		jw_u64(j, "uptime",
		    now > st->established ? now - st->established : 0);
	jw_str(j, "ike_proposal", known_or_null(ike_proposal(&v->sas)));
	jw_bool(j, "natt", st->natt);
	jw_str(j, "behind_nat", natt_json(st));
	jw_bool(j, "duplicate_ike_sas", ike_established_count(&v->sas) > 1);
	json_children_brief(j, &v->sas);
	json_not_carried(j, st);
	json_dataplane(j, v);
	json_monitor(j, v);
	jw_bool(j, "previous_config", st->previous_config);
	jw_str(j, "previous_config_error",
	    st->previous_error[0] ? st->previous_error : NULL);
	jw_str(j, "last_error", st->last_error[0] ? st->last_error : NULL);
	if (detail)
		json_events(j, st);
	jw_close(j, "}");
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
#define BRIEF_ERROR                                                 \
	(WIDTH - BRIEF_NAME - BRIEF_PEER - BRIEF_STATE - BRIEF_UP - \
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
 * The event that recorded the last error (engine.c tunnel_error records
 * its text with the event), or IKE_EV_COUNT when it left the history.
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
		fmt_duration(s, buf, len);
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
	char addr[ADDR4_STRLEN];
	char conf_addr[IPADDR_STRLEN];
};

static void
brief_get(const struct tunnel_view *v, struct brief *b)
{
	const struct ike_tunnel_status *st = &v->st;
	uint64_t now = wall_now();

	memset(b, 0, sizeof(*b));
	b->peer = config_host_text(&v->conf->remote_address, b->conf_addr,
	    sizeof(b->conf_addr));
	b->state = "unknown";
	if (!v->known)
		return;
	addr4_format(st->remote.addr, b->addr, sizeof(b->addr));
	if (st->remote.addr != 0)
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
print_brief_line(struct cli_def *cli, const struct tunnel_view *v)
{
	char name[BRIEF_NAME + 1], peer[BRIEF_PEER + 1], up[24] = "-";
	char sas[24] = "-", in[16] = "-", out[16] = "-", err[BRIEF_ERROR + 1];
	struct brief b;

	brief_get(v, &b);
	fit(v->conf->name, BRIEF_NAME, name, sizeof(name));
	fit(b.peer, BRIEF_PEER, peer, sizeof(peer));
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
print_brief_json(struct jw *j, const struct tunnel_view *v)
{
	const struct ike_tunnel_status *st = &v->st;
	struct brief b;
	enum ike_event ev;

	brief_get(v, &b);
	jw_open(j, NULL, "{");
	jw_str(j, "name", v->conf->name);
	jw_str(j, "peer", b.peer);
	jw_str(j, "state",
	    v->known ? ike_tunnel_state_name(st->state) : "unknown");
	jw_u64_or_null(j, "established", v->known ? st->established : 0);
	if (v->known && st->established != 0)
		jw_u64(j, "uptime", b.uptime);
	else
		jw_value(j, "uptime", "null");
	if (v->known) {
		jw_u64(j, "child_sas", v->sas.n_child);
		jw_u64(j, "bytes_in", b.bytes_in);
		jw_u64(j, "bytes_out", b.bytes_out);
	} else {
		jw_value(j, "child_sas", "null");
		jw_value(j, "bytes_in", "null");
		jw_value(j, "bytes_out", "null");
	}
	ev = v->known && st->last_error[0] ? last_error_event(st) :
					     IKE_EV_COUNT;
	jw_str(j, "last_error_event",
	    ev < IKE_EV_COUNT ? ike_event_name(ev) : NULL);
	jw_str(j, "last_error",
	    v->known && st->last_error[0] ? st->last_error : NULL);
	jw_close(j, "}");
}

static int
cmd_show_tunnel(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	struct jw j = { .cli = cli };
	struct tunnel_view v;
	struct args a;
	size_t from, to;
	bool oom = false;

	(void)cmd;
	if (!get_args(cli, "show ipsec tunnel",
		"[NAME] [brief | detail] [json]", argv, argc, &a) ||
	    !select_tunnels(cli, c, a.name, &from, &to))
		return CLI_ERROR;
	if (a.json)
		jw_open(&j, NULL, "[");
	else if (a.brief)
		print_brief_head(cli);
	for (size_t i = from; i < to; i++) {
		view_get(s->env->ike, c->tunnels[i], true, &v);
		view_dataplane(s->env, &v);
		oom |= v.sas.oom;
		if (a.brief && a.json) {
			print_brief_json(&j, &v);
		} else if (a.brief) {
			print_brief_line(cli, &v);
		} else if (a.json) {
			print_tunnel_json(&j, s->env->ike, &v, a.detail);
		} else {
			if (i > from)
				cli_print(cli, "%s", "");
			print_tunnel_text(cli, c, s->env->ike, &v, a.detail);
		}
		sa_list_free(&v.sas);
	}
	if (a.json) {
		jw_close(&j, "]");
		jw_end(&j);
	} else if (from == to) {
		cli_print(cli, "(no tunnels in the running configuration)");
	}
	if (oom)
		return cmd_error(cli,
		    "show ipsec tunnel: out of memory: the SAs above are "
		    "incomplete; try again");
	return CLI_OK;
}

/* show ipsec sa */

static void
print_ike_line(struct cli_def *cli, const struct sa_list *l, size_t i)
{
	const struct ike_sa_status *s = &l->ike[i];

	cli_print(cli, "  IKE   %016" PRIx64 "_i %016" PRIx64 "_r  %-11s  %s%s",
	    s->spi_i, s->spi_r, s->state, role(s->initiator),
	    ike_duplicate(l, i) ? "  duplicate" : "");
}

static void
print_child_line(struct cli_def *cli, const struct sa_list *l, size_t i)
{
	const struct ike_child_status *c = &l->child[i];
	char a[320], b[320];

	nets_format(c->local_nets, c->n_local_nets, a, sizeof(a));
	nets_format(c->remote_nets, c->n_remote_nets, b, sizeof(b));
	cli_print(cli, "  CHILD %08" PRIx32 "_i %08" PRIx32 "_o  %s <-> %s%s",
	    c->spi_in, c->spi_out, a, b,
	    child_duplicate(l, i) ? "  duplicate" : "");
}

static void
print_ike_detail(struct cli_def *cli, const struct sa_list *l, size_t i)
{
	const struct ike_sa_status *s = &l->ike[i];
	char a[40], b[40], when[32];

	cli_print(cli, "  IKE SA %016" PRIx64 "_i %016" PRIx64 "_r%s", s->spi_i,
	    s->spi_r, ike_duplicate(l, i) ? "  duplicate" : "");
	print_field(cli, "  State", "%s, %s", s->state, role(s->initiator));
	fmt_endpoint(&s->local, a, sizeof(a));
	fmt_endpoint(&s->remote, b, sizeof(b));
	print_field(cli, "  Local", "%s", a);
	print_field(cli, "  Remote", "%s", b);
	print_field(cli, "  Algorithms", "%s", s->algs);
	fmt_time(s->established, when, sizeof(when));
	print_field(cli, "  Established", "%s", when);
	fmt_in(s->rekey_in, a, sizeof(a));
	fmt_in(s->expires, b, sizeof(b));
	print_field(cli, "  Rekey", "%s", a);
	print_field(cli, "  Expires", "%s", b);
}

static void
print_child_detail(struct cli_def *cli, const struct sa_list *l, size_t i)
{
	const struct ike_child_status *c = &l->child[i];
	char a[320], b[320], r[40], x[40], when[32];

	nets_format(c->local_nets, c->n_local_nets, a, sizeof(a));
	nets_format(c->remote_nets, c->n_remote_nets, b, sizeof(b));
	cli_print(cli, "  CHILD SA %08" PRIx32 "_i %08" PRIx32 "_o%s",
	    c->spi_in, c->spi_out, child_duplicate(l, i) ? "  duplicate" : "");
	print_field(cli, "  Networks", "%s <-> %s", a, b);
	print_field(cli, "  Algorithms", "%s", c->algs);
	print_field(cli, "  NAT-T", "%s", c->natt ? "yes (UDP 4500)" : "no");
	print_field(cli, "  In", "%" PRIu64 " bytes, %" PRIu64 " packets",
	    c->in.bytes, c->in.packets);
	print_field(cli, "  Out", "%" PRIu64 " bytes, %" PRIu64 " packets",
	    c->out.bytes, c->out.packets);
	fmt_time(c->installed, when, sizeof(when));
	print_field(cli, "  Installed", "%s", when);
	fmt_in(c->rekey_in, r, sizeof(r));
	fmt_in(c->expires, x, sizeof(x));
	print_field(cli, "  Rekey", "%s", r);
	print_field(cli, "  Expires", "%s", x);
}

static void
print_sas_text(struct cli_def *cli, const char *name, const struct sa_list *l,
    bool detail)
{
	cli_print(cli, "Tunnel %s", name);
	for (size_t i = 0; i < l->n_ike; i++)
		(detail ? print_ike_detail : print_ike_line)(cli, l, i);
	for (size_t i = 0; i < l->n_child; i++)
		(detail ? print_child_detail : print_child_line)(cli, l, i);
	if (l->n_ike == 0 && l->n_child == 0)
		cli_print(cli, "  no SAs");
}

static void
json_ike_sas(struct jw *j, const struct sa_list *l)
{
	char spi[20];

	for (size_t i = 0; i < l->n_ike; i++) {
		const struct ike_sa_status *s = &l->ike[i];

		jw_open(j, NULL, "{");
		jw_str(j, "tunnel", s->tunnel);
		snprintf(spi, sizeof(spi), "%016" PRIx64, s->spi_i);
		jw_str(j, "spi_i", spi);
		snprintf(spi, sizeof(spi), "%016" PRIx64, s->spi_r);
		jw_str(j, "spi_r", spi);
		jw_str(j, "state", s->state);
		jw_str(j, "role", role(s->initiator));
		jw_str(j, "algorithms", known_or_null(s->algs));
		jw_endpoint(j, "local", &s->local);
		jw_endpoint(j, "remote", &s->remote);
		jw_u64_or_null(j, "established", s->established);
		jw_u64_or_null(j, "rekey_in", s->rekey_in);
		jw_u64_or_null(j, "expires", s->expires);
		jw_bool(j, "duplicate", ike_duplicate(l, i));
		jw_close(j, "}");
	}
}

static void
json_child_sas(struct jw *j, const struct sa_list *l)
{
	for (size_t i = 0; i < l->n_child; i++) {
		const struct ike_child_status *c = &l->child[i];

		jw_open(j, NULL, "{");
		jw_str(j, "tunnel", c->tunnel);
		jw_spi32(j, "spi_in", c->spi_in);
		jw_spi32(j, "spi_out", c->spi_out);
		jw_str(j, "algorithms", known_or_null(c->algs));
		jw_prefix(j, "local_ts", &c->local_ts);
		jw_prefix(j, "remote_ts", &c->remote_ts);
		jw_nets(j, "local_networks", c->local_nets, c->n_local_nets);
		jw_nets(j, "remote_networks", c->remote_nets, c->n_remote_nets);
		jw_bool(j, "natt", c->natt);
		jw_u64_or_null(j, "installed", c->installed);
		jw_u64_or_null(j, "rekey_in", c->rekey_in);
		jw_u64_or_null(j, "expires", c->expires);
		jw_u64(j, "bytes_in", c->in.bytes);
		jw_u64(j, "packets_in", c->in.packets);
		jw_u64(j, "bytes_out", c->out.bytes);
		jw_u64(j, "packets_out", c->out.packets);
		jw_bool(j, "duplicate", child_duplicate(l, i));
		jw_close(j, "}");
	}
}

static void
print_sas_json(struct cli_def *cli, const struct sa_list *l, size_t n)
{
	struct jw j = { .cli = cli };

	jw_open(&j, NULL, "{");
	jw_open(&j, "ike_sas", "[");
	for (size_t i = 0; i < n; i++)
		json_ike_sas(&j, &l[i]);
	jw_close(&j, "]");
	jw_open(&j, "child_sas", "[");
	for (size_t i = 0; i < n; i++)
		json_child_sas(&j, &l[i]);
	jw_close(&j, "]");
	jw_close(&j, "}");
	jw_end(&j);
}

static int
cmd_show_sa(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	struct sa_list *l;
	struct args a;
	size_t from, to, n;
	bool oom = false;

	(void)cmd;
	if (!get_args(cli, "show ipsec sa", "[tunnel NAME] [detail] [json]",
		argv, argc, &a) ||
	    !select_tunnels(cli, c, a.name, &from, &to))
		return CLI_ERROR;
	if (s->env->ike == NULL)
		return cmd_error(cli, "show ipsec sa: %s", NO_ENGINE_FIX);
	n = to - from;
	if ((l = calloc(n + 1, sizeof(*l))) == NULL)
		return cmd_error(cli,
		    "show ipsec sa: out of memory; try again");
	for (size_t i = 0; i < n; i++) {
		sa_list_get(s->env->ike, c->tunnels[from + i]->name, &l[i]);
		oom |= l[i].oom;
	}
	if (!oom && a.json)
		print_sas_json(cli, l, n);
	for (size_t i = 0; i < n && !oom && !a.json; i++)
		print_sas_text(cli, c->tunnels[from + i]->name, &l[i],
		    a.detail);
	for (size_t i = 0; i < n; i++)
		sa_list_free(&l[i]);
	free(l);
	if (oom)
		return cmd_error(cli,
		    "show ipsec sa: out of memory; try again");
	return CLI_OK;
}

/* show ipsec dpd */

static const char *
dpd_result(int r)
{
	return r > 0 ? "answered" :
	    r < 0    ? "no answer: timed out" :
		       "no answer yet";
}

static void
print_dpd_text(struct cli_def *cli, const struct config_tunnel *t,
    const struct ike_engine *e, const struct tunnel_view *v)
{
	const struct ike_dpd_status *d = &v->st.dpd;
	char dur[32], when[32];

	cli_print(cli, "Tunnel %s", t->name);
	if (t->dpd_timeout == 0) {
		print_field(cli, "DPD",
		    "off (dpd timeout 0): no liveness checks");
	} else {
		config_duration_words(t->dpd_timeout, dur, sizeof(dur));
		print_field(cli, "Timeout",
		    "%s: a check after this much silence "
		    "from the peer",
		    dur);
		config_duration_words(t->dpd_delay, dur, sizeof(dur));
		print_field(cli, "Delay",
		    "%s: the wait for the answer before "
		    "the action",
		    dur);
	}
	print_field(cli, "Action", "%s", config_dpd_action_name(t->dpd_action));
	if (!v->known) {
		print_field(cli, "State", "unknown: %s", unknown_reason(e));
		return;
	}
	fmt_time(d->last_heard, when, sizeof(when));
	print_field(cli, "Last heard", "%s", when);
	print_field(cli, "In flight", "%u check%s", d->in_flight,
	    plural(d->in_flight));
	fmt_time(d->last_check, when, sizeof(when));
	if (d->last_check == 0)
		print_field(cli, "Last check", "never");
	else
		print_field(cli, "Last check", "%s, %s", when,
		    dpd_result(d->last_result));
	fmt_time(d->last_action, when, sizeof(when));
	if (d->actions == 0)
		print_field(cli, "Actions", "none");
	else
		print_field(cli, "Actions", "%u, the last %s", d->actions,
		    when);
}

static void
print_dpd_json(struct jw *j, const struct config_tunnel *t,
    const struct ike_engine *e, const struct tunnel_view *v)
{
	const struct ike_dpd_status *d = &v->st.dpd;

	jw_open(j, NULL, "{");
	jw_str(j, "tunnel", t->name);
	jw_bool(j, "enabled", t->dpd_timeout != 0);
	jw_u64(j, "timeout", t->dpd_timeout);
	jw_u64(j, "delay", t->dpd_delay);
	jw_str(j, "action", config_dpd_action_name(t->dpd_action));
	if (!v->known) {
		jw_str(j, "state", "unknown");
		jw_str(j, "reason", unknown_reason(e));
		json_dataplane(j, v);
		jw_close(j, "}");
		return;
	}
	jw_u64_or_null(j, "last_heard", d->last_heard);
	jw_u64(j, "in_flight", d->in_flight);
	jw_u64_or_null(j, "last_check", d->last_check);
	jw_str(j, "last_result",
	    d->last_check == 0	   ? NULL :
		d->last_result > 0 ? "answered" :
		d->last_result < 0 ? "timed out" :
				     "pending");
	jw_u64(j, "actions", d->actions);
	jw_u64_or_null(j, "last_action", d->last_action);
	jw_close(j, "}");
}

static int
cmd_show_dpd(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	struct jw j = { .cli = cli };
	struct tunnel_view v;
	struct args a;
	size_t from, to;

	(void)cmd;
	if (!get_args(cli, "show ipsec dpd", "[tunnel NAME] [json]", argv, argc,
		&a) ||
	    !select_tunnels(cli, c, a.name, &from, &to))
		return CLI_ERROR;
	if (a.json)
		jw_open(&j, NULL, "[");
	for (size_t i = from; i < to; i++) {
		view_get(s->env->ike, c->tunnels[i], false, &v);
		if (a.json) {
			print_dpd_json(&j, c->tunnels[i], s->env->ike, &v);
		} else {
			if (i > from)
				cli_print(cli, "%s", "");
			print_dpd_text(cli, c->tunnels[i], s->env->ike, &v);
		}
	}
	if (a.json) {
		jw_close(&j, "]");
		jw_end(&j);
	} else if (from == to) {
		cli_print(cli, "(no tunnels in the running configuration)");
	}
	return CLI_OK;
}

/* show ipsec counters */

static void
print_counters_text(struct cli_def *cli, const struct ike_counters *c)
{
	const struct {
		uint64_t n;
		const char *why;
	} drops[] = {
		{ c->dropped_parse, "malformed" },
		{ c->dropped_rules,
		    "with payloads their exchange may not carry" },
		{ c->dropped_auth, "failing authentication" },
		{ c->dropped_unknown_spi, "for no SA or tunnel of ours" },
		{ c->dropped_half_open_peer,
		    "IKE_SA_INIT over the half-open bound per address" },
		{ c->dropped_half_open_total,
		    "IKE_SA_INIT over the half-open bound in total" },
		/* IKE fragments (RFC 7383); an ICV failure counts above
		 * too, as failing authentication. */
		{ c->frag_dropped_icv, "fragments failing their ICV" },
		{ c->frag_dropped_dup, "fragments held already" },
		{ c->frag_dropped_too_many,
		    "fragments of a message in more than 64" },
		{ c->frag_dropped_too_big,
		    "fragments of a message over 64 KiB" },
		{ c->frag_dropped_invalid,
		    "fragments malformed or out of place" },
		{ c->frag_discarded, "messages left unfinished in fragments" },
	};

	cli_print(cli, "IKE engine");
	print_field(cli, "Datagrams",
	    "%" PRIu64 " in, %" PRIu64 " out, %" PRIu64 " retransmitted", c->rx,
	    c->tx, c->retransmits);
	print_field(cli, "IKE SAs",
	    "%" PRIu64 ", %" PRIu64 " of them half-open from %" PRIu64
	    " address%s",
	    c->ike_sas, c->half_open, c->half_open_peers,
	    c->half_open_peers == 1 ? "" : "es");
	print_field(cli, "CHILD SAs", "%" PRIu64, c->child_sas);
	print_field(cli, "Cookies sent", "%" PRIu64, c->cookies_sent);
	print_field(cli, "IKE fragments",
	    "%" PRIu64 " in, %" PRIu64 " out, %" PRIu64 " messages reassembled",
	    c->frag_rx, c->frag_tx, c->frag_reassembled);
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		cli_print(cli, "%-*s%" PRIu64 " %s", LABEL_COL,
		    i == 0 ? "  Dropped:" : "", drops[i].n, drops[i].why);
	/* A bug of ours when not 0: tunshd's log says which. */
	print_field(cli, "State errors", "%" PRIu64 "%s", c->state_refused,
	    c->state_refused ? " (see show log: please report them)" : "");
}

static void
print_counters_json(struct cli_def *cli, const struct ike_counters *c)
{
	struct jw j = { .cli = cli };

	jw_open(&j, NULL, "{");
	jw_u64(&j, "rx", c->rx);
	jw_u64(&j, "tx", c->tx);
	jw_u64(&j, "retransmits", c->retransmits);
	jw_u64(&j, "ike_sas", c->ike_sas);
	jw_u64(&j, "half_open", c->half_open);
	jw_u64(&j, "half_open_peers", c->half_open_peers);
	jw_u64(&j, "child_sas", c->child_sas);
	jw_u64(&j, "cookies_sent", c->cookies_sent);
	jw_u64(&j, "fragments_rx", c->frag_rx);
	jw_u64(&j, "fragments_tx", c->frag_tx);
	jw_u64(&j, "fragments_reassembled", c->frag_reassembled);
	jw_u64(&j, "state_errors", c->state_refused);
	jw_open(&j, "dropped", "{");
	jw_u64(&j, "parse", c->dropped_parse);
	jw_u64(&j, "rules", c->dropped_rules);
	jw_u64(&j, "auth", c->dropped_auth);
	jw_u64(&j, "unknown_spi", c->dropped_unknown_spi);
	jw_u64(&j, "half_open_peer", c->dropped_half_open_peer);
	jw_u64(&j, "half_open_total", c->dropped_half_open_total);
	jw_u64(&j, "fragment_icv", c->frag_dropped_icv);
	jw_u64(&j, "fragment_duplicate", c->frag_dropped_dup);
	jw_u64(&j, "fragment_too_many", c->frag_dropped_too_many);
	jw_u64(&j, "fragment_too_big", c->frag_dropped_too_big);
	jw_u64(&j, "fragment_invalid", c->frag_dropped_invalid);
	jw_u64(&j, "fragment_unfinished", c->frag_discarded);
	jw_close(&j, "}");
	jw_close(&j, "}");
	jw_end(&j);
}

/* The engine's counters: what arrived, what was dropped and why. */
static int
cmd_show_counters(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct ike_counters c;
	struct args a;

	(void)cmd;
	if (!get_args(cli, "show ipsec counters", "[json]", argv, argc, &a))
		return CLI_ERROR;
	if (s->env->ike == NULL)
		return cmd_error(cli, "show ipsec counters: %s", NO_ENGINE_FIX);
	ike_engine_counters(s->env->ike, &c);
	if (a.json)
		print_counters_json(cli, &c);
	else
		print_counters_text(cli, &c);
	return CLI_OK;
}

/* clear ipsec sa, test ipsec tunnel, request ipsec rekey */

/* Admins only, with the engine running: else an error naming the fix. */
static bool
may_act(struct cli_def *cli, const char *what)
{
	struct commands_session *s = session_of(cli);

	if (s->role != COMMANDS_ADMIN) {
		cmd_error(cli,
		    "%s: permission denied: only admins may act on SAs "
		    "(admins are root and group tunsh-admin); show ipsec "
		    "tunnel shows the state",
		    what);
		return false;
	}
	if (s->env->ike == NULL) {
		cmd_error(cli, "%s: %s", what, NO_ENGINE_FIX);
		return false;
	}
	return true;
}

static int
clear_one(struct cli_def *cli, struct ike_engine *e,
    const struct config_tunnel *t)
{
	struct ike_tunnel_status st, after;
	char msg[256];
	struct diag d;
	int rc;

	if (ike_tunnel_status(e, t->name, &st) < 0) {
		cli_print(cli,
		    "ipsec tunnel %s: not in the IKE engine; nothing to clear",
		    t->name);
		return 0;
	}
	diag_init(&d);
	rc = ike_tunnel_terminate(e, t->name, true, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (rc < 0)
		return rc;
	if (ike_tunnel_status(e, t->name, &after) < 0)
		after.state = IKE_TUNNEL_DOWN;
	snprintf(msg, sizeof(msg),
	    "ipsec tunnel %s: cleared %zu IKE SA%s and %zu CHILD SA%s; %s",
	    t->name, st.n_ike_sas, plural(st.n_ike_sas), st.n_child_sas,
	    plural(st.n_child_sas),
	    after.state == IKE_TUNNEL_CONNECTING   ? "renegotiating" :
		after.state == IKE_TUNNEL_WAITING  ? "waiting for the peer "
						     "(initiator is off)" :
		after.state == IKE_TUNNEL_DISABLED ? "it is disabled" :
						     "it stays down");
	print_wrapped(cli, "", 0, msg);
	return 0;
}

static int
cmd_clear_sa(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	struct args a;
	size_t from, to;
	int rc = 0;

	(void)cmd;
	if (!may_act(cli, "clear ipsec sa") ||
	    !get_args(cli, "clear ipsec sa", "[tunnel NAME]", argv, argc, &a) ||
	    !select_tunnels(cli, c, a.name, &from, &to))
		return CLI_ERROR;
	for (size_t i = from; i < to; i++)
		if (clear_one(cli, s->env->ike, c->tunnels[i]) < 0)
			rc = -1;
	if (from == to)
		cli_print(cli, "(no tunnels in the running configuration)");
	if (rc < 0)
		session_of(cli)->failed = true;
	return rc < 0 ? CLI_ERROR : CLI_OK;
}

static size_t
event_total(const struct ike_tunnel_status *st)
{
	size_t n = 0;

	for (int ev = 0; ev < IKE_EV_COUNT; ev++)
		n += st->event_counts[ev];
	return n;
}

/* The engine recorded a new error during the call. */
static bool
new_error(const struct ike_tunnel_status *before,
    const struct ike_tunnel_status *now)
{
	return event_total(now) > event_total(before) && now->last_error[0] &&
	    strcmp(now->last_error, before->last_error) != 0;
}

/*
 * test ipsec tunnel NAME.  Commands run on the daemon's event loop, so no
 * answer from the peer can arrive while this one runs: what is known
 * right after ike_tunnel_initiate() is "already up", a failure the engine
 * found before sending (no key, the kernel refused an SPI), or "started",
 * and that is what it says, with the previous attempt's error if any.
 */
static int
test_initiate(struct cli_def *cli, struct ike_engine *e,
    const struct config_tunnel *t, const struct ike_tunnel_status *before)
{
	struct ike_tunnel_status now;
	char buf[64];
	struct diag d;
	size_t errors;
	int rc;

	diag_init(&d);
	rc = ike_tunnel_initiate(e, t->name, &d);
	print_diag(cli, &d);
	errors = d.errors;
	diag_clear(&d);
	if (ike_tunnel_status(e, t->name, &now) < 0)
		return cmd_error(cli,
		    "test ipsec tunnel %s: the tunnel left "
		    "the IKE engine; see show log",
		    t->name);
	if (new_error(before, &now))
		return cmd_error(cli, "test ipsec tunnel %s: failed: %s",
		    t->name, now.last_error);
	if (rc < 0)
		return errors > 0 ?
		    CLI_ERROR :
		    cmd_error(cli, "test ipsec tunnel %s: %s; see show log",
			t->name, strerror(-rc));
	fmt_endpoint(&now.remote, buf, sizeof(buf));
	cli_print(cli, "ipsec tunnel %s: negotiation started with %s", t->name,
	    buf);
	cli_print(cli, "see show ipsec tunnel %s for how it goes", t->name);
	if (before->last_error[0])
		print_wrapped(cli, "the previous attempt failed:", 29,
		    before->last_error);
	return CLI_OK;
}

static int
cmd_test_tunnel(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	struct ike_tunnel_status before;
	const struct config_tunnel *t;
	char when[32];

	(void)cmd;
	if (!may_act(cli, "test ipsec tunnel") ||
	    grammar_extra(cli, "test ipsec tunnel", "the tunnel's NAME", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	if ((t = tunnel_of(cli, c, grammar_get(cli, "NAME"))) == NULL)
		return CLI_ERROR;
	if (ike_tunnel_status(s->env->ike, t->name, &before) < 0)
		return cmd_error(cli,
		    "test ipsec tunnel %s: the IKE engine does not have this "
		    "tunnel; see show log for why its commit did not reach it",
		    t->name);
	if (before.state != IKE_TUNNEL_UP)
		return test_initiate(cli, s->env->ike, t, &before);
	fmt_time(before.established, when, sizeof(when));
	cli_print(cli,
	    "ipsec tunnel %s is up: established %s as %s, %zu CHILD SA%s; "
	    "nothing to do",
	    t->name, when, role(before.initiator_role), before.n_child_sas,
	    plural(before.n_child_sas));
	return CLI_OK;
}

/*
 * request ipsec rekey tunnel NAME [ike].  Like test ipsec tunnel, it runs
 * on the event loop, so it can only say the rekey started; the new SPIs
 * are for show ipsec sa once the peer answered.
 */
static int
cmd_request_rekey(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	const struct config_tunnel *t;
	struct ike_tunnel_status st;
	bool ike;
	struct diag d;
	int rc;

	(void)cmd;
	if (!may_act(cli, "request ipsec rekey") ||
	    grammar_extra(cli, "request ipsec rekey", "tunnel NAME [ike]", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	ike = grammar_has(cli, "ike");
	if ((t = tunnel_of(cli, c, grammar_get(cli, "NAME"))) == NULL)
		return CLI_ERROR;
	if (ike_tunnel_status(s->env->ike, t->name, &st) < 0)
		return cmd_error(cli,
		    "request ipsec rekey: tunnel %s is not in the IKE engine; "
		    "see show log for why its commit did not reach it",
		    t->name);
	diag_init(&d);
	rc = ike_tunnel_rekey(s->env->ike, t->name, ike, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (rc < 0)
		return CLI_ERROR;
	if (ike)
		cli_print(cli, "ipsec tunnel %s: %s the IKE SA started",
		    t->name, t->reauth ? "reauthentication of" : "rekey of");
	else
		cli_print(cli,
		    "ipsec tunnel %s: rekey of %zu CHILD SA%s started; the "
		    "IKE SA stays",
		    t->name, st.n_child_sas, plural(st.n_child_sas));
	cli_print(cli, "see show ipsec sa tunnel %s for the new SPIs", t->name);
	return CLI_OK;
}

#define JSON_HELP "As JSON, for scripts"

void
show_ipsec_register(struct cli_def *cli, struct cli_command *show)
{
	struct cli_command *ipsec, *clear, *test, *req, *c;
	const int P = PRIVILEGE_UNPRIVILEGED;

	ipsec = cli_register_command(cli, show, "ipsec", NULL, P, MODE_EXEC,
	    "Live IPsec state of the IKE engine");
	c = cli_register_command(cli, ipsec, "tunnel", cmd_show_tunnel, P,
	    MODE_EXEC, "Tunnels: state, peer, proposal, CHILD SAs, last error");
	grammar_value(c, "NAME", "One tunnel of the running configuration",
	    grammar_complete_running, valid_tunnel_word);
	grammar_flag(c, "brief", "One line a tunnel");
	grammar_flag(c, "detail", "Everything known of each");
	grammar_flag(c, "json", JSON_HELP);
	c = cli_register_command(cli, ipsec, "sa", cmd_show_sa, P, MODE_EXEC,
	    "IKE and CHILD SAs: SPIs, algorithms, timers, traffic");
	grammar_pair(c, "tunnel", "One tunnel only: NAME",
	    grammar_complete_running, NULL);
	grammar_flag(c, "detail", "Everything known of each");
	grammar_flag(c, "json", JSON_HELP);
	c = cli_register_command(cli, ipsec, "dpd", cmd_show_dpd, P, MODE_EXEC,
	    "Dead peer detection: settings, checks, actions");
	grammar_pair(c, "tunnel", "One tunnel only: NAME",
	    grammar_complete_running, NULL);
	grammar_flag(c, "json", JSON_HELP);
	c = cli_register_command(cli, ipsec, "counters", cmd_show_counters, P,
	    MODE_EXEC, "IKE engine: datagrams, SAs, cookies, drops by reason");
	grammar_flag(c, "json", JSON_HELP);
	/* Operators reach these and are told why they may not. */
	clear = cli_register_command(cli, NULL, "clear", NULL, P, MODE_EXEC,
	    "Tear down live state (admins)");
	commands_register_sessions(cli, clear);
	clear = cli_register_command(cli, clear, "ipsec", NULL, P, MODE_EXEC,
	    "IPsec state");
	c = cli_register_command(cli, clear, "sa", cmd_clear_sa, P, MODE_EXEC,
	    "Delete the SAs and renegotiate");
	grammar_pair(c, "tunnel", "One tunnel only: NAME",
	    grammar_complete_running, NULL);
	test = cli_register_command(cli, NULL, "test", NULL, P, MODE_EXEC,
	    "Try something now (admins)");
	test = cli_register_command(cli, test, "ipsec", NULL, P, MODE_EXEC,
	    "IPsec");
	c = cli_register_command(cli, test, "tunnel", cmd_test_tunnel, P,
	    MODE_EXEC, "Negotiate a tunnel now and say how it went");
	grammar_arg(c, "NAME", "A tunnel of the running configuration",
	    grammar_complete_running, NULL);
	req = cli_register_command(cli, NULL, "request", NULL, P, MODE_EXEC,
	    "Ask for an action now (admins)");
	req = cli_register_command(cli, req, "ipsec", NULL, P, MODE_EXEC,
	    "IPsec");
	req = cli_register_command(cli, req, "rekey", NULL, P, MODE_EXEC,
	    "New keys now, the SAs kept until then");
	c = cli_register_command(cli, req, "tunnel", cmd_request_rekey, P,
	    MODE_EXEC, "The tunnel whose SAs get new keys");
	grammar_arg(c, "NAME", "A tunnel of the running configuration",
	    grammar_complete_running, NULL);
	grammar_flag(c, "ike", "The IKE SA, not the CHILD SAs");
}
