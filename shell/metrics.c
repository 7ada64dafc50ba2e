/*
 * shell/metrics.c: GET /metrics in Prometheus' text exposition format
 * (version 0.0.4), served by libevent's evhttp on tunshd's loop at the
 * address the configuration's metrics listen gives, and nowhere else;
 * each commit that changes it moves the listener (shell/apply.c).  It
 * reads the IKE engine's status and counters, the running configuration
 * and the sessions; it changes nothing.  Byte and packet counters are the
 * kernel's, per CHILD SA, plus what the tunnel's deleted SAs had counted
 * (the engine reads them as it deletes them), so the totals only grow.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/lib.h"
#include "shell/metrics.h"

/* One CHILD SA's counts now. */
struct seen_sa {
	uint64_t bytes[2], packets[2]; /* in, out */
};

struct metrics {
	struct event_base *base;
	struct evhttp *http; /* NULL until the first listen */
	struct evhttp_bound_socket *bound;
	char listen[CONFIG_LISTEN_MAX]; /* where bound is; "" none */
	char want[CONFIG_LISTEN_MAX];	/* metrics_set_wanted() */
	struct ike_engine *ike;
	const struct config_store *store;
	const struct commands_env *env;
};

/* The CHILD SAs of every tunnel, from one walk of the engine. */
struct child_list {
	struct child_row {
		const char *tunnel;
		struct seen_sa sa;
	} * rows;
	size_t n, cap;
	int err;
};

static void
collect_child(void *arg, const struct ike_child_status *s)
{
	struct child_list *l = arg;
	struct child_row *r;

	if (l->err != 0)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		if ((r = reallocarray(l->rows, cap, sizeof(*r))) == NULL) {
			l->err = -ENOMEM;
			return;
		}
		l->rows = r;
		l->cap = cap;
	}
	l->rows[l->n++] = (struct child_row){ s->tunnel,
		{ { s->in.bytes, s->out.bytes },
		    { s->in.packets, s->out.packets } } };
}

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct child_row *)a)->tunnel,
	    ((const struct child_row *)b)->tunnel);
}

/* HELP and TYPE of each metric, in the order they are printed. */
static const struct {
	const char *name, *type, *help;
} families[] = {
	{ "tunsh_tunnel_up", "gauge",
	    "1 when the tunnel's IKE SA and CHILD SAs are up" },
	{ "tunsh_tunnel_established_seconds", "gauge",
	    "Seconds since the tunnel's IKE SA was established (0: down)" },
	{ "tunsh_tunnel_bytes_total", "counter",
	    "ESP bytes of the tunnel's CHILD SAs, summed over rekeys" },
	{ "tunsh_tunnel_packets_total", "counter",
	    "ESP packets of the tunnel's CHILD SAs, summed over rekeys" },
	{ "tunsh_ike_rekeys_total", "counter", "IKE SA rekeys of the tunnel" },
	{ "tunsh_child_rekeys_total", "counter",
	    "CHILD SA rekeys of the tunnel" },
	{ "tunsh_dpd_checks_total", "counter",
	    "DPD liveness checks sent (retransmissions not counted)" },
	{ "tunsh_dpd_actions_total", "counter",
	    "DPD actions taken after a dead peer" },
	{ "tunsh_auth_failures_total", "counter",
	    "IKE authentications that failed" },
	{ "tunsh_negotiation_failures_total", "counter",
	    "Negotiations that failed, by reason" },
	{ "tunsh_commits_total", "counter",
	    "Commits of the configuration (its version)" },
	{ "tunsh_sessions", "gauge", "Open tunsh sessions" },
	{ "tunsh_ike_sas", "gauge", "IKE SAs" },
	{ "tunsh_child_sas", "gauge", "CHILD SAs" },
	{ "tunsh_ike_half_open_sas", "gauge",
	    "IKE SAs waiting for their IKE_AUTH" },
	{ "tunsh_ike_cookies_sent_total", "counter",
	    "IKE_SA_INIT requests answered with a cookie" },
	{ "tunsh_ike_packets_received_total", "counter",
	    "IKE datagrams received" },
	{ "tunsh_ike_packets_sent_total", "counter", "IKE datagrams sent" },
	{ "tunsh_ike_packets_dropped_total", "counter",
	    "IKE datagrams dropped, by reason" },
};

enum family {
	F_UP,
	F_ESTABLISHED,
	F_BYTES,
	F_PACKETS,
	F_IKE_REKEYS,
	F_CHILD_REKEYS,
	F_DPD_CHECKS,
	F_DPD_ACTIONS,
	F_AUTH_FAILURES,
	F_NEG_FAILURES,
	F_COMMITS,
	F_SESSIONS,
	F_IKE_SAS,
	F_CHILD_SAS,
	F_HALF_OPEN,
	F_COOKIES,
	F_RX,
	F_TX,
	F_DROPPED,
	F_COUNT,
};

/* The negotiation failures by the reason label they carry. */
static const struct {
	enum ike_event ev;
	const char *reason;
} neg_reasons[] = {
	{ IKE_EV_NO_PROPOSAL, "no_proposal" },
	{ IKE_EV_TS_UNACCEPTABLE, "ts_unacceptable" },
	{ IKE_EV_NO_RESPONSE, "no_response" },
	{ IKE_EV_INVALID_KE, "invalid_ke" },
	{ IKE_EV_KERNEL_ERROR, "kernel_error" },
};

/* A label value into buf: backslash, double quote and newline escaped;
 * the length, or 0 if it does not fit. */
static size_t
put_label(char *buf, size_t len, const char *v)
{
	size_t n = 0;

	for (; *v != '\0'; v++) {
		bool esc = *v == '\\' || *v == '"' || *v == '\n';

		if (n + 2 >= len)
			return 0;
		if (esc)
			buf[n++] = '\\';
		buf[n++] = *v == '\n' ? 'n' : *v;
	}
	return n;
}

/* v in decimal at buf; its length.  snprintf per line was most of the
 * time of a page of 10,000 tunnels. */
static size_t
put_u64(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static size_t
put_str(char *buf, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf, s, n);
	return n;
}

/* name{tunnel="T"[,KEY="VAL"]} VALUE, one evbuffer_add a line. */
static void
put_tunnel(struct evbuffer *b, enum family f, const char *tunnel,
    const char *key, const char *val, uint64_t v)
{
	/* name, key and val are ours and short; the tunnel's name is at
	 * most CONFIG_TUNNEL_NAME_MAX, twice that escaped. */
	char line[256 + 2 * CONFIG_TUNNEL_NAME_MAX];
	size_t n = 0, l;

	n += put_str(line + n, families[f].name);
	n += put_str(line + n, "{tunnel=\"");
	if ((l = put_label(line + n, 2 * CONFIG_TUNNEL_NAME_MAX + 2, tunnel)) ==
		0 &&
	    tunnel[0] != '\0')
		return;
	n += l;
	if (key != NULL) {
		n += put_str(line + n, "\",");
		n += put_str(line + n, key);
		n += put_str(line + n, "=\"");
		n += put_str(line + n, val);
	}
	n += put_str(line + n, "\"} ");
	n += put_u64(line + n, v);
	line[n++] = '\n';
	evbuffer_add(b, line, n);
}

/* What the page shows of a tunnel's status: a whole ike_tunnel_status
 * is 1.6 KB, which 10,000 times was a fifth of a scrape. */
struct tunnel_row {
	const char *name;
	bool up;
	uint64_t established;
	uint64_t dpd_checks;
	unsigned counts[IKE_EV_COUNT];
	/* Counted by the tunnel's deleted SAs, then by those it has. */
	uint64_t bytes[2], packets[2];
};

/* One tunnel's lines of family f. */
static void
put_family(struct evbuffer *b, enum family f, const struct tunnel_row *s,
    uint64_t now)
{
	static const char *const dir[2] = { "in", "out" };

	switch (f) {
	case F_UP:
		put_tunnel(b, f, s->name, NULL, NULL, s->up);
		break;
	case F_ESTABLISHED:
		put_tunnel(b, f, s->name, NULL, NULL,
		    s->established != 0 && now > s->established ?
			now - s->established :
			0);
		break;
	case F_BYTES:
	case F_PACKETS:
		for (int d = 0; d < 2; d++)
			put_tunnel(b, f, s->name, "direction", dir[d],
			    f == F_BYTES ? s->bytes[d] : s->packets[d]);
		break;
	case F_IKE_REKEYS:
		put_tunnel(b, f, s->name, NULL, NULL,
		    s->counts[IKE_EV_IKE_REKEYED]);
		break;
	case F_CHILD_REKEYS:
		put_tunnel(b, f, s->name, NULL, NULL,
		    s->counts[IKE_EV_CHILD_REKEYED]);
		break;
	case F_DPD_CHECKS:
		put_tunnel(b, f, s->name, NULL, NULL, s->dpd_checks);
		break;
	case F_DPD_ACTIONS:
		put_tunnel(b, f, s->name, NULL, NULL,
		    s->counts[IKE_EV_DPD_ACTION]);
		break;
	case F_AUTH_FAILURES:
		put_tunnel(b, f, s->name, NULL, NULL,
		    s->counts[IKE_EV_AUTH_FAILED]);
		break;
	case F_NEG_FAILURES:
		for (size_t i = 0;
		     i < sizeof(neg_reasons) / sizeof(neg_reasons[0]); i++)
			put_tunnel(b, f, s->name, "reason",
			    neg_reasons[i].reason,
			    s->counts[neg_reasons[i].ev]);
		break;
	default:
		break;
	}
}

static void
put_head(struct evbuffer *b, enum family f)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", families[f].name,
	    families[f].help, families[f].name, families[f].type);
}

static void
put_daemon(struct evbuffer *b, const struct ike_counters *c, uint64_t commits,
    uint64_t sessions)
{
	static const char *const reason[] = { "parse", "auth", "unknown_spi",
		"rules", "half_open_peer", "half_open_total" };
	const uint64_t dropped[] = { c->dropped_parse, c->dropped_auth,
		c->dropped_unknown_spi, c->dropped_rules,
		c->dropped_half_open_peer, c->dropped_half_open_total };
	const uint64_t plain[] = { [F_COMMITS] = commits,
		[F_SESSIONS] = sessions,
		[F_IKE_SAS] = c->ike_sas,
		[F_CHILD_SAS] = c->child_sas,
		[F_HALF_OPEN] = c->half_open,
		[F_COOKIES] = c->cookies_sent,
		[F_RX] = c->rx,
		[F_TX] = c->tx };

	for (enum family f = F_COMMITS; f <= F_TX; f++) {
		put_head(b, f);
		evbuffer_add_printf(b, "%s %llu\n", families[f].name,
		    (unsigned long long)plain[f]);
	}
	put_head(b, F_DROPPED);
	for (size_t i = 0; i < sizeof(reason) / sizeof(reason[0]); i++)
		evbuffer_add_printf(b, "%s{reason=\"%s\"} %llu\n",
		    families[F_DROPPED].name, reason[i],
		    (unsigned long long)dropped[i]);
}

/* Open sessions: those show users lists. */
static uint64_t
sessions_open(const struct metrics *m)
{
	return m->env != NULL ? commands_session_count(m->env) : 0;
}

/*
 * The whole page.  Each family's lines must be together (one HELP and
 * TYPE, then every tunnel), so the tunnels' status is read once into an
 * array and printed family by family.
 */
int
metrics_render(struct metrics *m, struct evbuffer *b)
{
	const struct config *run =
	    m->store != NULL ? config_store_running(m->store) : NULL;
	size_t n = run != NULL ? run->n_tunnels : 0;
	struct tunnel_row *st = NULL;
	struct ike_tunnel_status one;
	struct child_list cl = { 0 };
	struct ike_counters c;
	uint64_t now = (uint64_t)time(NULL);
	size_t r = 0;
	int rc = -ENOMEM;

	ike_child_each(m->ike, NULL, collect_child, &cl);
	if (cl.err != 0)
		goto out;
	if (cl.n > 1)
		qsort(cl.rows, cl.n, sizeof(*cl.rows), row_cmp);
	if (n > 0 && (st = calloc(n, sizeof(*st))) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct tunnel_row *t = &st[i];

		t->name = run->tunnels[i]->name;
		if (ike_tunnel_status(m->ike, t->name, &one) == 0) {
			t->up = one.state == IKE_TUNNEL_UP;
			t->established = one.established;
			t->dpd_checks = one.dpd.checks;
			memcpy(t->counts, one.event_counts, sizeof(t->counts));
			t->bytes[0] = one.deleted_in.bytes;
			t->bytes[1] = one.deleted_out.bytes;
			t->packets[0] = one.deleted_in.packets;
			t->packets[1] = one.deleted_out.packets;
		}
		/* Both sorted by name: one merge walk. */
		while (r < cl.n && strcmp(cl.rows[r].tunnel, t->name) < 0)
			r++;
		for (; r < cl.n && strcmp(cl.rows[r].tunnel, t->name) == 0; r++)
			for (int d = 0; d < 2; d++) {
				t->bytes[d] += cl.rows[r].sa.bytes[d];
				t->packets[d] += cl.rows[r].sa.packets[d];
			}
	}
	for (enum family f = F_UP; f <= F_NEG_FAILURES; f++) {
		put_head(b, f);
		for (size_t i = 0; i < n; i++)
			put_family(b, f, &st[i], now);
	}
	ike_engine_counters(m->ike, &c);
	put_daemon(b, &c, run != NULL ? run->version : 0, sessions_open(m));
	rc = 0;
out:
	free(st);
	free(cl.rows);
	return rc;
}

/* GET /metrics; any other path is 404, another method on it 405 (and
 * one evhttp does not know, 501). */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	const char *path =
	    evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evbuffer *b;

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics is here");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET");
		evhttp_send_error(req, 405, "GET only");
		return;
	}
	if ((b = evbuffer_new()) == NULL || metrics_render(m, b) < 0) {
		if (b != NULL)
			evbuffer_free(b);
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

struct metrics *
metrics_new(struct event_base *base, struct ike_engine *ike, struct diag *d)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		diag_error(d, "metrics: out of memory");
		return NULL;
	}
	m->base = base;
	m->ike = ike;
	return m;
}

void
metrics_set_sources(struct metrics *m, const struct config_store *store,
    const struct commands_env *env)
{
	m->store = store;
	m->env = env;
}

static void
unbind(struct metrics *m)
{
	if (m->bound != NULL)
		evhttp_del_accept_socket(m->http, m->bound);
	m->bound = NULL;
	m->listen[0] = '\0';
}

/*
 * The new address is bound before the old one goes, so a failure keeps
 * the old one serving.  Only when the new one collides with our own (a
 * wildcard and a specific address of one port, say) does the old one go
 * first, and come back if the new one still fails.
 */
int
metrics_listen(struct metrics *m, const char *listen, struct diag *d)
{
	struct evhttp_bound_socket *nb;
	char addr[CONFIG_LISTEN_MAX], old[CONFIG_LISTEN_MAX];
	uint16_t port;
	int err;

	if (listen == NULL || listen[0] == '\0') {
		if (m->bound != NULL)
			log_info("metrics",
			    "GET /metrics: no longer served on %s", m->listen);
		unbind(m);
		return 0;
	}
	if (m->bound != NULL && strcmp(listen, m->listen) == 0)
		return 0;
	if (config_listen_parse(listen, addr, sizeof(addr), &port) < 0) {
		diag_error(d,
		    "metrics listen %s: give ADDRESS:PORT, like "
		    "127.0.0.1:9472 or [::1]:9472",
		    listen);
		return -EINVAL;
	}
	if (m->http == NULL) {
		if ((m->http = evhttp_new(m->base)) == NULL) {
			diag_error(d, "metrics: out of memory");
			return -ENOMEM;
		}
		evhttp_set_gencb(m->http, on_request, m);
	}
	nb = evhttp_bind_socket_with_handle(m->http, addr, port);
	err = errno;
	if (nb == NULL && err == EADDRINUSE && m->bound != NULL) {
		snprintf(old, sizeof(old), "%s", m->listen);
		unbind(m);
		nb = evhttp_bind_socket_with_handle(m->http, addr, port);
		err = errno;
		if (nb == NULL && metrics_listen(m, old, NULL) < 0)
			log_err("metrics",
			    "GET /metrics: %s could not be taken back: not "
			    "served until the next commit of metrics listen",
			    old);
	}
	if (nb == NULL) {
		diag_error(d,
		    "metrics listen %s: cannot listen there (%s): choose a "
		    "free port on an address of this host, or no metrics "
		    "listen",
		    listen, strerror(err));
		return err > 0 ? -err : -EADDRNOTAVAIL;
	}
	if (m->bound != NULL)
		evhttp_del_accept_socket(m->http, m->bound);
	m->bound = nb;
	snprintf(m->listen, sizeof(m->listen), "%s", listen);
	log_info("metrics", "GET /metrics: served on %s", listen);
	return 0;
}

void
metrics_set_wanted(struct metrics *m, const char *listen)
{
	snprintf(m->want, sizeof(m->want), "%s", listen ? listen : "");
}

const char *
metrics_wanted(const struct metrics *m)
{
	return m->want;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->http != NULL)
		evhttp_free(m->http);
	free(m);
}
