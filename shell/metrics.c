/*
 * shell/metrics.c: GET /metrics in Prometheus' text exposition format
 * (version 0.0.4), served by libevent's evhttp on tunshd's loop at the
 * address --metrics-listen gives, and nowhere else.  It reads the IKE
 * engine's status and counters and the running configuration; it changes
 * nothing.  Byte and packet counters are the kernel's, per CHILD SA: an
 * SA that a rekey replaced leaves its last seen counts in the tunnel's
 * total, so that the totals never go down.
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

#include "shell/metrics.h"

/* One CHILD SA as last scraped. */
struct seen_sa {
	uint32_t spi_in;
	uint64_t bytes[2], packets[2]; /* in, out */
};

/* A tunnel's counts across scrapes. */
struct track {
	char name[CONFIG_TUNNEL_NAME_MAX + 1];
	uint64_t retired_bytes[2], retired_packets[2]; /* SAs gone */
	struct seen_sa *sas;
	size_t n_sas;
};

struct metrics {
	struct evhttp *http;
	struct ike_engine *ike;
	const struct config_store *store;
	struct track *tracks; /* sorted by name, as the configuration is */
	size_t n_tracks;
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
		{ s->spi_in, { s->in.bytes, s->out.bytes },
		    { s->in.packets, s->out.packets } } };
}

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct child_row *)a)->tunnel,
	    ((const struct child_row *)b)->tunnel);
}

static const struct track *
track_find(const struct metrics *m, const char *name)
{
	size_t lo = 0, hi = m->n_tracks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->tracks[mid].name, name);

		if (c == 0)
			return &m->tracks[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The tunnel's new track from its old one and its SAs now: an SA of the
 * old track that is gone adds its last counts to the retired totals.
 */
static int
track_update(struct track *t, const struct track *old,
    const struct child_row *rows, size_t n)
{
	if (old != NULL) {
		memcpy(t->retired_bytes, old->retired_bytes,
		    sizeof(t->retired_bytes));
		memcpy(t->retired_packets, old->retired_packets,
		    sizeof(t->retired_packets));
		for (size_t i = 0; i < old->n_sas; i++) {
			const struct seen_sa *o = &old->sas[i];
			bool still = false;

			for (size_t j = 0; j < n && !still; j++)
				still = rows[j].sa.spi_in == o->spi_in;
			for (int d = 0; d < 2 && !still; d++) {
				t->retired_bytes[d] += o->bytes[d];
				t->retired_packets[d] += o->packets[d];
			}
		}
	}
	if (n > 0 && (t->sas = calloc(n, sizeof(*t->sas))) == NULL)
		return -ENOMEM;
	for (size_t j = 0; j < n; j++)
		t->sas[j] = rows[j].sa;
	t->n_sas = n;
	return 0;
}

static void
tracks_free(struct track *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].sas);
	free(t);
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
	{ "tunsh_dpd_actions_total", "counter",
	    "DPD actions taken after a dead peer" },
	{ "tunsh_auth_failures_total", "counter",
	    "IKE authentications that failed" },
	{ "tunsh_negotiation_failures_total", "counter",
	    "Negotiations that failed, by reason" },
	{ "tunsh_commits_total", "counter",
	    "Commits of the configuration (its version)" },
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
	F_DPD_ACTIONS,
	F_AUTH_FAILURES,
	F_NEG_FAILURES,
	F_COMMITS,
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
	unsigned counts[IKE_EV_COUNT];
};

/* One tunnel's lines of family f. */
static void
put_family(struct evbuffer *b, enum family f, const struct tunnel_row *s,
    const struct track *t, uint64_t now)
{
	static const char *const dir[2] = { "in", "out" };
	uint64_t sum[2] = { 0, 0 };

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
		for (int d = 0; d < 2; d++) {
			sum[d] = f == F_BYTES ? t->retired_bytes[d] :
						t->retired_packets[d];
			for (size_t i = 0; i < t->n_sas; i++)
				sum[d] += f == F_BYTES ? t->sas[i].bytes[d] :
							 t->sas[i].packets[d];
			put_tunnel(b, f, s->name, "direction", dir[d], sum[d]);
		}
		break;
	case F_IKE_REKEYS:
		put_tunnel(b, f, s->name, NULL, NULL,
		    s->counts[IKE_EV_IKE_REKEYED]);
		break;
	case F_CHILD_REKEYS:
		put_tunnel(b, f, s->name, NULL, NULL,
		    s->counts[IKE_EV_CHILD_REKEYED]);
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
put_daemon(struct evbuffer *b, const struct ike_counters *c, uint64_t commits)
{
	static const char *const reason[] = { "parse", "auth", "unknown_spi",
		"rules", "half_open_peer", "half_open_total" };
	const uint64_t dropped[] = { c->dropped_parse, c->dropped_auth,
		c->dropped_unknown_spi, c->dropped_rules,
		c->dropped_half_open_peer, c->dropped_half_open_total };
	const uint64_t plain[] = { [F_COMMITS] = commits,
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

/*
 * The whole page.  Each family's lines must be together (one HELP and
 * TYPE, then every tunnel), so the tunnels' status is read once into an
 * array and printed family by family.
 */
int
metrics_render(struct metrics *m, struct evbuffer *b)
{
	const struct config *run = config_store_running(m->store);
	size_t n = run != NULL ? run->n_tunnels : 0;
	struct tunnel_row *st = NULL;
	struct ike_tunnel_status one;
	struct child_list cl = { 0 };
	struct track *tracks = NULL;
	struct ike_counters c;
	uint64_t now = (uint64_t)time(NULL);
	size_t r = 0;
	int rc = -ENOMEM;

	ike_child_each(m->ike, NULL, collect_child, &cl);
	if (cl.err != 0)
		goto out;
	if (cl.n > 1)
		qsort(cl.rows, cl.n, sizeof(*cl.rows), row_cmp);
	if (n > 0 &&
	    ((st = calloc(n, sizeof(*st))) == NULL ||
		(tracks = calloc(n, sizeof(*tracks))) == NULL))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *name = run->tunnels[i]->name;
		size_t first;

		st[i].name = name;
		if (ike_tunnel_status(m->ike, name, &one) == 0) {
			st[i].up = one.state == IKE_TUNNEL_UP;
			st[i].established = one.established;
			memcpy(st[i].counts, one.event_counts,
			    sizeof(st[i].counts));
		}
		snprintf(tracks[i].name, sizeof(tracks[i].name), "%s", name);
		while (r < cl.n && strcmp(cl.rows[r].tunnel, name) < 0)
			r++;
		for (first = r;
		     r < cl.n && strcmp(cl.rows[r].tunnel, name) == 0;)
			r++;
		if (track_update(&tracks[i], track_find(m, name),
			cl.rows + first, r - first) < 0)
			goto out;
	}
	for (enum family f = F_UP; f <= F_NEG_FAILURES; f++) {
		put_head(b, f);
		for (size_t i = 0; i < n; i++)
			put_family(b, f, &st[i], &tracks[i], now);
	}
	ike_engine_counters(m->ike, &c);
	put_daemon(b, &c, run != NULL ? run->version : 0);
	tracks_free(m->tracks, m->n_tracks);
	m->tracks = tracks;
	m->n_tracks = n;
	tracks = NULL;
	rc = 0;
out:
	if (tracks != NULL)
		tracks_free(tracks, n);
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

/* "ADDR:PORT" with an IPv4 address or "[IPv6]". */
static int
split_listen(const char *s, char *addr, size_t len, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	const char *a = s;
	size_t n;
	char *end;
	unsigned long p;
	unsigned char bin[16];

	if (colon == NULL)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		a = s + 1;
		n -= 2;
	}
	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(addr, a, n);
	addr[n] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || p == 0 ||
	    p > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, addr, bin) != 1 &&
	    inet_pton(AF_INET6, addr, bin) != 1)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int
metrics_listen_check(const char *listen)
{
	char addr[64];
	uint16_t port;

	return split_listen(listen, addr, sizeof(addr), &port);
}

struct metrics *
metrics_new(struct event_base *base, const char *listen, struct ike_engine *ike,
    const struct config_store *store, struct diag *d)
{
	struct metrics *m = calloc(1, sizeof(*m));
	char addr[64];
	uint16_t port;

	if (m == NULL) {
		diag_error(d, "metrics: out of memory");
		return NULL;
	}
	m->ike = ike;
	m->store = store;
	if (listen == NULL) /* render only: bench/metrics_bench.c */
		return m;
	if (split_listen(listen, addr, sizeof(addr), &port) < 0) {
		diag_error(d,
		    "--metrics-listen %s: give ADDRESS:PORT, like "
		    "127.0.0.1:9472 or [::1]:9472",
		    listen);
		goto fail;
	}
	if ((m->http = evhttp_new(base)) == NULL) {
		diag_error(d, "metrics: out of memory");
		goto fail;
	}
	evhttp_set_gencb(m->http, on_request, m);
	if (evhttp_bind_socket(m->http, addr, port) < 0) {
		diag_error(d,
		    "--metrics-listen %s: cannot listen there (%s): "
		    "choose a free port on an address of this host",
		    listen, strerror(errno));
		goto fail;
	}
	return m;
fail:
	metrics_free(m);
	return NULL;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->http != NULL)
		evhttp_free(m->http);
	tracks_free(m->tracks, m->n_tracks);
	free(m);
}
