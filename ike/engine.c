/*
 * ike/engine.c: the engine as a whole: creation, the seams (clock,
 * random), the tunnels the commit plan adds, changes and removes with
 * their kernel policies, what happens to a tunnel when its IKE SA goes
 * (DPD actions, restarts with backoff), kernel events, and the first
 * steps of every datagram: parse, find the SA, decrypt, the window (RFC
 * 7296 2.3), then the exchange's handler.
 */
#include <errno.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ike/engine.h"

uint64_t
engine_now(const struct ike_engine *e)
{
	struct timespec ts;

	if (e->p.clock != NULL)
		return e->p.clock->now_ms(e->p.clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
engine_wall(const struct ike_engine *e)
{
	if (e->p.clock != NULL)
		return e->p.clock->wall(e->p.clock_arg);
	return (uint64_t)time(NULL);
}

void
engine_random(struct ike_engine *e, void *buf, size_t len)
{
	if (e->p.random != NULL) {
		e->p.random->bytes(e->p.random_arg, buf, len);
		return;
	}
	/* RAND_bytes fails only when the DRBG cannot be seeded: nothing
	 * sensible can go on, but the engine never aborts the daemon. */
	if (RAND_bytes(buf, (int)len) != 1)
		log_err("ike", "RAND_bytes failed");
}

struct ike_engine *
ike_engine_new(const struct ike_engine_params *p)
{
	struct ike_engine *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->p = *p;
	if (!e->p.cookie_threshold)
		e->p.cookie_threshold = 1000;
	if (!e->p.half_open_per_peer)
		e->p.half_open_per_peer = 5;
	if (!e->p.half_open_max)
		e->p.half_open_max = 10000;
	if (!e->p.retransmit_ms)
		e->p.retransmit_ms = 1000;
	if (!e->p.retransmit_tries)
		e->p.retransmit_tries = 5;
	if (!e->p.natt_keepalive)
		e->p.natt_keepalive = 20;
	/* RFC 7383 2.5.1: 1280 fits any IPv6 path and most IPv4 ones. */
	if (!e->p.fragment_size)
		e->p.fragment_size = 1280;
	if (hmap_init(&e->by_spi, IKE_SPI_BUCKETS) < 0 ||
	    hmap_init(&e->by_peer, IKE_SPI_BUCKETS) < 0 ||
	    hmap_init(&e->child_in, IKE_SPI_BUCKETS) < 0 ||
	    hmap_init(&e->child_out, IKE_SPI_BUCKETS) < 0 ||
	    hmap_init(&e->by_remote, IKE_TUNNEL_BUCKETS) < 0 ||
	    hmap_init(&e->by_reqid, IKE_TUNNEL_BUCKETS) < 0 ||
	    hmap_init(&e->by_name, IKE_TUNNEL_BUCKETS) < 0) {
		ike_engine_free(e);
		return NULL;
	}
	engine_random(e, e->cookie_secret, sizeof(e->cookie_secret));
	e->next_reqid = KERNEL_REQID_MIN;
	return e;
}

static void tunnel_free(struct ike_engine *e, struct ike_tunnel *t);

void
ike_engine_free(struct ike_engine *e)
{
	if (e == NULL)
		return;
	while (e->tunnels != NULL)
		tunnel_free(e, e->tunnels);
	hmap_free(&e->by_spi);
	hmap_free(&e->by_peer);
	hmap_free(&e->child_in);
	hmap_free(&e->child_out);
	hmap_free(&e->by_remote);
	hmap_free(&e->by_reqid);
	hmap_free(&e->by_name);
	half_open_peers_free(e);
	timers_free(e);
	OPENSSL_cleanse(e->cookie_secret, sizeof(e->cookie_secret));
	free(e);
}

void
ike_engine_run_timers(struct ike_engine *e)
{
	timers_run(e, engine_now(e));
}

uint64_t
ike_engine_next_timer(const struct ike_engine *e)
{
	return timers_next(e);
}

uint64_t
ike_engine_now(const struct ike_engine *e)
{
	return engine_now(e);
}

void
ike_engine_counters(const struct ike_engine *e, struct ike_counters *out)
{
	*out = e->c;
}

/* Tunnels */

struct ike_tunnel *
tunnel_by_remote(struct ike_engine *e, uint32_t addr, uint32_t local)
{
	struct ike_tunnel *any = NULL;

	/* One tunnel per pair of gateways (validation): with several WAN
	 * addresses the local one tells tunnels to one peer apart. */
	for (struct hmap_node *n = hmap_first(&e->by_remote, hash_u64(addr)); n;
	     n = hmap_next(n)) {
		struct ike_tunnel *t =
		    container_of(n, struct ike_tunnel, remote_node);

		if (t->conf.remote_addr == addr) {
			if (t->conf.local_addr == local)
				return t;
			any = any ? any : t;
		}
	}
	return any;
}

void
tunnel_count(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, bool rx)
{
	struct ike_tunnel *t = tunnel_by_remote(e, remote->addr, local->addr);

	if (t == NULL)
		return;
	if (!rx) {
		t->traffic.tx++;
		t->traffic.last_tx = engine_wall(e);
		return;
	}
	if (local->port == IKE_NATT_PORT)
		t->traffic.rx_4500++;
	else
		t->traffic.rx_500++;
	t->traffic.last_rx = engine_wall(e);
}

static struct ike_tunnel *
tunnel_by_reqid(struct ike_engine *e, uint32_t reqid)
{
	for (struct hmap_node *n = hmap_first(&e->by_reqid, hash_u64(reqid)); n;
	     n = hmap_next(n)) {
		struct ike_tunnel *t =
		    container_of(n, struct ike_tunnel, reqid_node);

		if (t->reqid == reqid)
			return t;
	}
	return NULL;
}

struct ike_tunnel *
tunnel_by_name(const struct ike_engine *e, const char *name)
{
	for (struct hmap_node *n = hmap_first(&e->by_name, hash_str(name)); n;
	     n = hmap_next(n)) {
		struct ike_tunnel *t =
		    container_of(n, struct ike_tunnel, name_node);

		if (strcmp(t->conf.name, name) == 0)
			return t;
	}
	return NULL;
}

static void
record(struct ike_engine *e, struct ike_tunnel *t, enum ike_event ev,
    const char *text)
{
	struct ike_tunnel_status *st = &t->st;

	if (st->n_events < IKE_HISTORY_EVENTS)
		st->n_events++;
	memmove(&st->events[1], &st->events[0],
	    (st->n_events - 1) * sizeof(st->events[0]));
	st->events[0].ev = ev;
	st->events[0].wall = engine_wall(e);
	st->event_last[ev] = st->events[0].wall;
	snprintf(st->events[0].text, sizeof(st->events[0].text), "%s", text);
	st->event_counts[ev]++;
}

void
tunnel_event(struct ike_engine *e, struct ike_tunnel *t, enum ike_event ev,
    const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_info("ike", "tunnel %s: %s", t->conf.name, text);
	record(e, t, ev, text);
}

/* An event that is also the tunnel's last error, for show commands. */
void
tunnel_error(struct ike_engine *e, struct ike_tunnel *t, enum ike_event ev,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->st.last_error, sizeof(t->st.last_error), fmt, ap);
	va_end(ap);
	log_warn("ike", "tunnel %s: %s", t->conf.name, t->st.last_error);
	record(e, t, ev, t->st.last_error);
}

/*
 * The policies of a tunnel: out, in and fwd for every local x remote
 * pair (one 0.0.0.0/0 pair when route-based), each with an ESP template
 * bound to the tunnel's reqid.  Installed while the tunnel is enabled,
 * whatever the SAs do: traffic with no SA raises ACQUIRE and is held,
 * never sent in clear.  More specific pairs win (lower priority value).
 * Returns how many, into out (NULL: only count).
 */
static size_t
policy_list(const struct ike_tunnel_conf *c, uint32_t reqid,
    struct kernel_policy *out)
{
	static const struct prefix4 any = { 0, 0 };
	const struct prefix4 *l = c->route_based ? &any : c->local_nets;
	const struct prefix4 *r = c->route_based ? &any : c->remote_nets;
	size_t nl = c->route_based ? 1 : c->n_local;
	size_t nr = c->route_based ? 1 : c->n_remote, n = 0;

	for (size_t i = 0; i < nl; i++)
		for (size_t j = 0; j < nr; j++)
			for (int dir = 0; dir < 3; dir++, n++) {
				bool o = dir == KERNEL_DIR_OUT;

				if (out == NULL)
					continue;
				out[n] = (struct kernel_policy){
					.src = o ? l[i] : r[j],
					.dst = o ? r[j] : l[i],
					.dir = (enum kernel_dir)dir,
					.priority = 1000 + 64 -
					    (uint32_t)(l[i].len + r[j].len) / 2,
					.reqid = reqid,
					.tmpl_src = o ? c->local_addr :
							c->remote_addr,
					.tmpl_dst = o ? c->remote_addr :
							c->local_addr,
					.mark = c->mark,
					.mark_mask = c->mark ? ~0u : 0,
					.if_id = c->if_id,
				};
			}
	return n;
}

static struct kernel_policy *
policies_of(const struct ike_tunnel_conf *c, uint32_t reqid, size_t *n)
{
	struct kernel_policy *p;

	*n = policy_list(c, reqid, NULL);
	if ((p = calloc(*n ? *n : 1, sizeof(*p))) != NULL)
		policy_list(c, reqid, p);
	return p;
}

/* Removes the policies of list a that are not in list b. */
static void
policies_del_except(struct ike_engine *e, const struct kernel_policy *a,
    size_t na, const struct kernel_policy *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		bool keep = false;

		for (size_t j = 0; j < nb && !keep; j++)
			keep = kernel_policy_same(&a[i], &b[j]);
		if (!keep)
			e->p.kernel->policy_del(e->p.kernel_arg, &a[i]);
	}
}

/*
 * Moves the kernel from the policies of conf from to those of conf to
 * (from NULL: none): the new ones in first (an add of an existing one
 * updates it), then the old ones that are gone, so that no packet finds
 * no policy in between.  On a failure the kernel is left as from had it.
 */
static int
policies_move(struct ike_engine *e, uint32_t reqid,
    const struct ike_tunnel_conf *from, const struct ike_tunnel_conf *to,
    struct diag *d)
{
	size_t na = 0, nb = 0, done = 0;
	struct kernel_policy *a = from ? policies_of(from, reqid, &na) : NULL;
	struct kernel_policy *b = to ? policies_of(to, reqid, &nb) : NULL;
	int rc = -ENOMEM;

	if ((from && a == NULL) || (to && b == NULL))
		goto out;
	for (rc = 0; done < nb && rc == 0; done++)
		rc = e->p.kernel->policy_add(e->p.kernel_arg, &b[done], d);
	if (rc < 0) {
		policies_del_except(e, b, done, a, na);
		for (size_t i = 0; i < na; i++)
			e->p.kernel->policy_add(e->p.kernel_arg, &a[i], NULL);
		goto out;
	}
	policies_del_except(e, a, na, b, nb);
out:
	free(a);
	free(b);
	return rc;
}

static int
policies_install(struct ike_engine *e, struct ike_tunnel *t, struct diag *d)
{
	int rc;

	if (t->policies_installed)
		return 0;
	if ((rc = policies_move(e, t->reqid, NULL, &t->conf, d)) < 0)
		return rc;
	t->policies_installed = true;
	return 0;
}

static void
policies_remove(struct ike_engine *e, struct ike_tunnel *t)
{
	if (!t->policies_installed)
		return;
	policies_move(e, t->reqid, &t->conf, NULL, NULL);
	t->policies_installed = false;
}

static bool
selectors_differ(const struct ike_tunnel_conf *a,
    const struct ike_tunnel_conf *b)
{
	return a->route_based != b->route_based || a->mark != b->mark ||
	    a->if_id != b->if_id || a->n_local != b->n_local ||
	    a->n_remote != b->n_remote ||
	    memcmp(a->local_nets, b->local_nets,
		a->n_local * sizeof(a->local_nets[0])) != 0 ||
	    memcmp(a->remote_nets, b->remote_nets,
		a->n_remote * sizeof(a->remote_nets[0])) != 0;
}

static void
sas_drop(struct ike_engine *e, struct ike_tunnel *t, bool tell_peer)
{
	struct ike_sa *sa, *next;

	for (sa = t->sas; sa; sa = next) {
		next = sa->tnext;
		if (tell_peer && sa->state == SA_ESTABLISHED &&
		    sa->req.kind == REQ_NONE) {
			/* Best effort: one Delete, not awaited. */
			info_delete_ike(e, sa);
		}
		ike_sa_set_state(e, sa, SA_DEAD);
		ike_sa_free(e, sa);
	}
}

/*
 * The kernel asks once for traffic that hits a policy without SAs, then
 * holds that traffic (an acquire state, 30 s by default) without asking
 * again.  A first attempt that fails (a peer that has just restarted
 * answers NO_PROPOSAL_CHOSEN or AUTHENTICATION_FAILED until its
 * configuration is loaded) must be retried, or the traffic waits for the
 * next ACQUIRE.  So an ACQUIRE's attempt is retried with the backoff for
 * a minute; traffic still there after that asks again.
 */
#define TUNNEL_ACQUIRE_RETRY_MS 60000

static bool
wants_initiation(struct ike_engine *e, const struct ike_tunnel *t)
{
	if (!t->conf.enable || t->dpd_cleared)
		return false;
	return (t->want_up && t->conf.initiator) ||
	    (t->acquired_ms != 0 &&
		engine_now(e) < t->acquired_ms + TUNNEL_ACQUIRE_RETRY_MS);
}

/* Backoff while the peer stays away: 1, 2, 4 ... 60 s. */
static void
restart_later(struct ike_engine *e, struct ike_tunnel *t)
{
	unsigned b = t->restart_backoff < 6 ? t->restart_backoff : 6;
	uint64_t ms = (1000ull << b) > 60000 ? 60000 : (1000ull << b);

	t->restart_backoff++;
	timer_arm(e, &t->restart_timer, engine_now(e) + ms);
}

static void
restart_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct ike_tunnel *t = (struct ike_tunnel *)((char *)tm -
	    offsetof(struct ike_tunnel, restart_timer));

	if (t->sas == NULL && wants_initiation(e, t))
		ike_init_start(e, t);
	else if (t->conf.enable && ike_reauth_failed(t) &&
	    ike_init_start(e, t) < 0)
		restart_later(e, t);
}

/*
 * An IKE SA of t went away.  The last one: come back if the tunnel wants
 * to.  The new SA of a reauthentication, before it was up: the old SAs
 * carry traffic on, until they expire, and the new configuration is
 * tried again with the backoff (the peer may be given the new key).
 */
void
tunnel_sa_gone(struct ike_engine *e, struct ike_tunnel *t)
{
	if (ike_reauth_failed(t)) {
		snprintf(t->reauth_error, sizeof(t->reauth_error), "%s",
		    t->st.last_error[0] ? t->st.last_error :
					  "the new IKE SA was dropped");
		if (!timer_armed(&t->restart_timer))
			restart_later(e, t);
		return;
	}
	if (t->sas != NULL)
		return;
	if (wants_initiation(e, t))
		restart_later(e, t);
}

void
tunnel_dpd_action(struct ike_engine *e, struct ike_tunnel *t)
{
	static const char *const what[] = {
		[IKE_DPD_CLEAR] = "clear: SAs deleted, down until the peer or "
				  "an administrator starts it",
		[IKE_DPD_HOLD] = "hold: SAs deleted, traffic held until it "
				 "starts the tunnel again",
		[IKE_DPD_RESTART] = "restart: negotiating again",
	};

	t->st.dpd.last_action = engine_wall(e);
	t->st.dpd.actions++;
	t->st.dpd.in_flight = 0;
	tunnel_event(e, t, IKE_EV_DPD_ACTION, "DPD %s",
	    what[t->conf.dpd_action]);
	sas_drop(e, t, false);
	switch (t->conf.dpd_action) {
	case IKE_DPD_CLEAR:
		t->dpd_cleared = true;
		t->want_up = false;
		break;
	case IKE_DPD_HOLD:
		t->want_up = false; /* ACQUIRE brings it back */
		break;
	case IKE_DPD_RESTART:
		t->want_up = true;
		ike_init_start(e, t);
		break;
	}
}

static void
tunnel_link(struct ike_engine *e, struct ike_tunnel *t)
{
	t->next = e->tunnels;
	t->pprev = &e->tunnels;
	if (e->tunnels != NULL)
		e->tunnels->pprev = &t->next;
	e->tunnels = t;
	hmap_insert(&e->by_remote, &t->remote_node,
	    hash_u64(t->conf.remote_addr));
	hmap_insert(&e->by_reqid, &t->reqid_node, hash_u64(t->reqid));
	hmap_insert(&e->by_name, &t->name_node, hash_str(t->conf.name));
}

static void
tunnel_unlink(struct ike_engine *e, struct ike_tunnel *t)
{
	*t->pprev = t->next;
	if (t->next != NULL)
		t->next->pprev = t->pprev;
	hmap_remove(&e->by_remote, &t->remote_node);
	hmap_remove(&e->by_reqid, &t->reqid_node);
	hmap_remove(&e->by_name, &t->name_node);
}

static void
tunnel_free(struct ike_engine *e, struct ike_tunnel *t)
{
	sas_drop(e, t, false);
	policies_remove(e, t);
	timer_disarm(e, &t->restart_timer);
	tunnel_unlink(e, t);
	secbuf_free(t->psk);
	free(t->conf_mem);
	free(t);
}

/*
 * The engine's own copy of a tunnel's configuration in one allocation
 * sized to what is set (a tunnel with one network each way and one
 * proposal costs a few hundred bytes, not the maximum).
 */
static void *
conf_dup(const struct ike_tunnel_conf *c, struct ike_tunnel_conf *out)
{
	size_t li = (c->local_id ? strlen(c->local_id) : 0) + 1;
	size_t ri = (c->remote_id ? strlen(c->remote_id) : 0) + 1;
	size_t na = (c->n_ike + c->n_esp) * sizeof(struct ike_algs);
	size_t nn = (c->n_local + c->n_remote) * sizeof(struct prefix4);
	char *m = malloc(na + nn + li + ri), *p = m;
	struct ike_algs *algs;
	struct prefix4 *nets;

	if (m == NULL)
		return NULL;
	*out = *c;
	out->psk = NULL; /* the tunnel's own copy is t->psk */
	algs = (struct ike_algs *)(void *)p;
	memcpy(algs, c->ike, c->n_ike * sizeof(*algs));
	memcpy(algs + c->n_ike, c->esp, c->n_esp * sizeof(*algs));
	out->ike = algs;
	out->esp = algs + c->n_ike;
	p += na;
	nets = (struct prefix4 *)(void *)p;
	memcpy(nets, c->local_nets, c->n_local * sizeof(*nets));
	memcpy(nets + c->n_local, c->remote_nets, c->n_remote * sizeof(*nets));
	out->local_nets = nets;
	out->remote_nets = nets + c->n_local;
	p += nn;
	memcpy(p, c->local_id ? c->local_id : "", li);
	out->local_id = p;
	memcpy(p + li, c->remote_id ? c->remote_id : "", ri);
	out->remote_id = p + li;
	return m;
}

static int
conf_copy(struct ike_tunnel *t, const struct ike_tunnel_conf *c)
{
	struct secbuf *psk = secbuf_dup(c->psk);
	struct ike_tunnel_conf conf;
	void *mem;

	if ((c->psk != NULL && psk == NULL) ||
	    (mem = conf_dup(c, &conf)) == NULL) {
		secbuf_free(psk);
		return -ENOMEM;
	}
	secbuf_free(t->psk);
	free(t->conf_mem);
	t->psk = psk;
	t->conf_mem = mem;
	t->conf = conf;
	t->st.name = t->conf.name;
	return 0;
}

/* Brings an enabled tunnel to life: policies, then negotiate or wait. */
static int
tunnel_start(struct ike_engine *e, struct ike_tunnel *t, struct diag *d)
{
	int rc;

	if (!t->conf.enable)
		return 0;
	if ((rc = policies_install(e, t, d)) < 0)
		return rc;
	t->want_up = t->conf.initiator;
	t->dpd_cleared = false;
	if (t->conf.initiator && t->sas == NULL && ike_init_start(e, t) < 0)
		restart_later(e, t);
	return 0;
}

int
ike_tunnel_add(struct ike_engine *e, const struct ike_tunnel_conf *c,
    struct diag *d)
{
	struct ike_tunnel *t;
	int rc;

	if (tunnel_by_name(e, c->name) != NULL) {
		diag_add(d, DIAG_ERROR, "tunnel %s: already running", c->name);
		return -EEXIST;
	}
	if (e->by_name.count > KERNEL_REQID_MAX - KERNEL_REQID_MIN) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: no reqid left for it (%zu tunnels): remove "
		    "tunnels first",
		    c->name, e->by_name.count);
		return -ENOSPC;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	if (conf_copy(t, c) < 0) {
		free(t);
		return -ENOMEM;
	}
	/* The range wraps after 16 million adds; skip reqids in use (one
	 * is free: the count was checked above). */
	do {
		t->reqid = e->next_reqid++;
		if (e->next_reqid > KERNEL_REQID_MAX)
			e->next_reqid = KERNEL_REQID_MIN;
	} while (tunnel_by_reqid(e, t->reqid) != NULL);
	timer_init(&t->restart_timer, restart_timer);
	tunnel_link(e, t);
	if ((rc = tunnel_start(e, t, d)) < 0) {
		tunnel_free(e, t);
		return rc;
	}
	return 0;
}

int
ike_tunnel_remove(struct ike_engine *e, const char *name, struct diag *d)
{
	struct ike_tunnel *t = tunnel_by_name(e, name);

	(void)d;
	if (t == NULL)
		return 0; /* already gone is not an error */
	sas_drop(e, t, true);
	tunnel_free(e, t);
	return 0;
}

/*
 * A new configuration for a running tunnel, each change class as
 * tunsh.conf(5) says.  Addresses or networks that differ change the
 * policies (new ones in before old ones out, so that nothing leaks in
 * between).  IKE_CHANGE_CHILD replaces the CHILD SAs under the same IKE
 * SA (a rekey each: the new SA in before the old one goes);
 * IKE_CHANGE_REAUTH reauthenticates, make-before-break (rekey.c); in
 * place, timers and flags apply to the SAs there are.  Long: the classes
 * share their first steps and their undo, kept in one place.
 */
int
ike_tunnel_change(struct ike_engine *e, const struct ike_tunnel_conf *c,
    enum ike_change how, struct diag *d)
{
	struct ike_tunnel *t = tunnel_by_name(e, c->name);
	struct ike_tunnel_conf old;
	struct secbuf *old_psk;
	void *old_mem;
	bool was_enabled;
	int rc;

	if (t == NULL)
		return ike_tunnel_add(e, c, d);
	if (t->conf.remote_addr != c->remote_addr ||
	    t->conf.local_addr != c->local_addr || !c->enable) {
		/* A new peer is a new tunnel; a disabled one has nothing. */
		ike_tunnel_remove(e, c->name, d);
		return ike_tunnel_add(e, c, d);
	}
	old = t->conf;
	old_mem = t->conf_mem;
	old_psk = t->psk;
	was_enabled = old.enable;
	t->conf_mem = NULL;
	t->psk = NULL;
	if ((rc = conf_copy(t, c)) < 0 ||
	    (t->policies_installed && selectors_differ(&old, &t->conf) &&
		(rc = policies_move(e, t->reqid, &old, &t->conf, d)) < 0)) {
		/* Back to the old configuration, untouched. */
		secbuf_free(t->psk);
		free(t->conf_mem);
		t->conf = old;
		t->conf_mem = old_mem;
		t->psk = old_psk;
		return rc;
	}
	secbuf_free(old_psk);
	free(old_mem);
	if (!was_enabled)
		return tunnel_start(e, t, d);
	if (old.ts_per_pair != t->conf.ts_per_pair && t->sas != NULL) {
		/* Other CHILD SAs, not new keys for these: start afresh. */
		sas_drop(e, t, true);
		if (t->conf.initiator && ike_init_start(e, t) < 0)
			restart_later(e, t);
		return 0;
	}
	t->want_up = t->conf.initiator || t->want_up;
	if (old.initiator && !t->conf.initiator && t->sas == NULL) {
		/* initiator off: no more tries of our own. */
		t->want_up = false;
		timer_disarm(e, &t->restart_timer);
	}
	if (!old.initiator && t->conf.initiator && t->sas == NULL &&
	    how != IKE_CHANGE_REAUTH && wants_initiation(e, t) &&
	    ike_init_start(e, t) < 0)
		restart_later(e, t); /* initiator on: start it now */
	if (how == IKE_CHANGE_REAUTH) {
		if (ike_tunnel_reauth(e, t) < 0)
			tunnel_sa_gone(e, t); /* retried with the backoff */
		if (t->sas == NULL && wants_initiation(e, t) &&
		    ike_init_start(e, t) < 0)
			restart_later(e, t);
	}
	for (struct ike_sa *sa = t->sas; sa; sa = sa->tnext) {
		bool child = how == IKE_CHANGE_CHILD;

		for (struct child_sa *ch = sa->children; child && ch;
		     ch = ch->next)
			ch->want_rekey = sa->state == SA_ESTABLISHED;
		if (old.rekey != t->conf.rekey)
			ike_sa_rekey_follow(e, sa);
		if (sa->state == SA_ESTABLISHED)
			ike_sa_dpd_restart(e, sa);
		ike_sa_kick(e, sa);
	}
	return 0;
}

int
ike_tunnel_initiate(struct ike_engine *e, const char *name, struct diag *d)
{
	struct ike_tunnel *t = tunnel_by_name(e, name);

	if (t == NULL) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: no such tunnel in the running configuration",
		    name);
		return -ENOENT;
	}
	if (!t->conf.enable) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: disabled; enable it and commit first", name);
		return -EINVAL;
	}
	t->dpd_cleared = false;
	t->want_up = t->conf.initiator;
	for (struct ike_sa *sa = t->sas; sa; sa = sa->tnext)
		if (sa->state != SA_DEAD)
			return 0; /* up or on its way */
	t->restart_backoff = 0;
	return ike_init_start(e, t);
}

int
ike_tunnel_terminate(struct ike_engine *e, const char *name, bool restart,
    struct diag *d)
{
	struct ike_tunnel *t = tunnel_by_name(e, name);

	if (t == NULL) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: no such tunnel in the running configuration",
		    name);
		return -ENOENT;
	}
	sas_drop(e, t, true);
	timer_disarm(e, &t->restart_timer);
	if (restart && t->conf.enable && t->conf.initiator) {
		t->restart_backoff = 0;
		return ike_init_start(e, t);
	}
	return 0;
}

/*
 * An admin's "rekey now": the same want flags the lifetimes set, so the
 * one rekey path runs (with reauthentication when the tunnel asks for it,
 * decided in ike_rekey_start()), not a second one that could drift.
 */
int
ike_tunnel_rekey(struct ike_engine *e, const char *name, bool ike,
    struct diag *d)
{
	struct ike_tunnel *t = tunnel_by_name(e, name);
	struct ike_sa *sa;
	bool any = false;

	if (t == NULL) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: no such tunnel in the running configuration",
		    name);
		return -ENOENT;
	}
	for (sa = t->sas; sa; sa = sa->tnext)
		if (sa->state == SA_ESTABLISHED)
			break;
	if (sa != NULL && !ike) {
		for (struct child_sa *c = sa->children; c; c = c->next)
			if (c->state == CHILD_INSTALLED) {
				c->want_rekey = true;
				any = true;
			}
	}
	if (sa == NULL || (!ike && !any)) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s is not up: nothing to rekey; "
		    "test ipsec tunnel %s starts it",
		    name, name);
		return -ENOTCONN;
	}
	if (ike)
		sa->want_rekey = true;
	ike_sa_kick(e, sa);
	return 0;
}

/* Kernel events */

static void
on_acquire(void *arg, uint32_t reqid, uint32_t src, uint32_t dst)
{
	struct ike_engine *e = arg;
	struct ike_tunnel *t = tunnel_by_reqid(e, reqid);

	(void)src;
	(void)dst;
	/* DPD clear keeps a tunnel down until the peer or an admin. */
	if (t == NULL || !t->conf.enable || t->dpd_cleared || t->sas != NULL)
		return;
	tunnel_event(e, t, IKE_EV_ACQUIRE,
	    "traffic for the tunnel: negotiating");
	t->acquired_ms = engine_now(e) ? engine_now(e) : 1;
	if (ike_init_start(e, t) < 0)
		restart_later(e, t);
}

static struct child_sa *
child_find(struct ike_engine *e, uint32_t dst, uint32_t spi, bool *inbound)
{
	size_t h = hash_u64(spi);
	struct hmap_node *n;

	for (n = hmap_first(&e->child_in, h); n; n = hmap_next(n)) {
		struct child_sa *c = container_of(n, struct child_sa, in_node);

		if (c->spi_in == spi && c->ike->local.addr == dst) {
			*inbound = true;
			return c;
		}
	}
	for (n = hmap_first(&e->child_out, h); n; n = hmap_next(n)) {
		struct child_sa *c = container_of(n, struct child_sa, out_node);

		if (c->spi_out == spi && c->ike->remote.addr == dst) {
			*inbound = false;
			return c;
		}
	}
	return NULL;
}

static void
on_expire(void *arg, uint32_t dst, uint32_t spi, bool hard)
{
	struct ike_engine *e = arg;
	bool inbound;
	struct child_sa *c = child_find(e, dst, spi, &inbound);

	if (c == NULL)
		return;
	if (!hard) {
		c->want_rekey = true;
		ike_sa_kick(e, c->ike);
		return;
	}
	/* The kernel removed it: forget ours, without a kernel call. */
	child_unlink(c->ike, c);
	child_free(e, c, false);
}

/*
 * The kernel saw our inbound ESP-in-UDP arrive, authenticated, from a new
 * address or port (RFC 3948): the peer's NAT rebound.  Follow it at once
 * with the SAs and the IKE SA; a liveness check confirms it over IKE.
 */
static void
on_mapping(void *arg, uint32_t dst, uint32_t spi, uint32_t new_addr,
    uint16_t new_port)
{
	struct ike_engine *e = arg;
	bool inbound;
	struct child_sa *c = child_find(e, dst, spi, &inbound);
	struct ike_endpoint to = { new_addr, new_port };
	struct ike_sa *sa;

	if (c == NULL || !inbound || !c->ike->nat_remote)
		return;
	sa = c->ike;
	ike_sa_endpoints_update(e, sa, &sa->local, &to);
	sa->want_dpd = true;
	ike_sa_kick(e, sa);
}

const struct kernel_events ike_kernel_events = {
	.acquire = on_acquire,
	.expire = on_expire,
	.mapping = on_mapping,
};

/* Input */

static int
decrypt(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m,
    uint8_t *buf, struct ike_parse_err *err)
{
	struct ike_sk_keys k = ike_sa_sk_keys(sa, false);
	const struct ike_payload *sk = &m->pl[0];
	size_t body = sk->offset + IKE_PAYLOAD_HDR_LEN;
	uint8_t *plain;
	size_t plain_len;

	if (m->n_pl != 1 || sk->type != IKE_PL_SK || sa->keys.sk_ei == NULL)
		return -EBADMSG;
	if (ike_sk_decrypt(&k, buf, body, buf + body, sk->len, &plain,
		&plain_len) < 0) {
		e->c.dropped_auth++;
		return -EBADMSG;
	}
	if (ike_payloads_parse(m->sk_next, plain, plain_len,
		(size_t)(plain - buf), m, err) < 0) {
		e->c.dropped_parse++;
		return -EBADMSG;
	}
	return 0;
}

static void
request_in(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	switch (m->hdr.exchange) {
	case IKE_AUTH:
		ike_auth_request(e, sa, m);
		break;
	case IKE_CREATE_CHILD_SA:
		if (sa->state == SA_ESTABLISHED || sa->state == SA_REKEYED)
			create_child_request(e, sa, m);
		break;
	case IKE_INFORMATIONAL:
		if (sa->state >= SA_ESTABLISHED && sa->state != SA_DEAD)
			info_request(e, sa, m);
		break;
	default:
		e->c.dropped_rules++;
	}
}

static void
response_in(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	switch (sa->req.kind) {
	case REQ_AUTH:
		ike_auth_response(e, sa, m);
		break;
	case REQ_CHILD_REKEY:
	case REQ_CHILD_CREATE:
	case REQ_IKE_REKEY:
		create_child_response(e, sa, m);
		break;
	case REQ_DPD:
	case REQ_DELETE_CHILD:
	case REQ_DELETE_IKE:
		info_response(e, sa, m);
		break;
	default:
		e->c.dropped_rules++;
	}
}

/* After decryption: the window of one (2.3) and the exchange. */
static void
protected_in(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_endpoint *local, const struct ike_endpoint *remote,
    const struct ike_msg *m)
{
	uint32_t id = m->hdr.message_id;

	if (m->hdr.flags & IKE_FLAG_RESPONSE) {
		if (sa->req.kind == REQ_NONE || id != sa->req.msg_id ||
		    m->hdr.exchange != sa->req.msg.data[18]) {
			e->c.dropped_rules++;
			return;
		}
		ike_sa_heard(e, sa);
		ike_sa_endpoints_update(e, sa, local, remote);
		response_in(e, sa, m);
		return;
	}
	if (sa->has_last_resp && id == sa->last_resp_id &&
	    id + 1 == sa->next_peer_id) {
		/* Our answer was lost, and a NAT in front of the peer may
		 * have forgotten the mapping meanwhile (2 s on some): the
		 * retransmit comes from a new port.  Answered where it came
		 * from (2.11), and followed, as it is authenticated (2.23). */
		e->c.retransmits++;
		ike_sa_endpoints_update(e, sa, local, remote);
		ike_sa_send_raw(e, local, remote, &sa->last_resp);
		return;
	}
	if (id != sa->next_peer_id) {
		e->c.dropped_rules++;
		return;
	}
	sa->next_peer_id++;
	/* A new request: fragments of an older message are of no use. */
	frag_discard(e, sa);
	ike_sa_heard(e, sa);
	ike_sa_endpoints_update(e, sa, local, remote);
	request_in(e, sa, m);
}

/*
 * RFC 7296 2.5: a request with an unknown payload marked critical gets
 * UNSUPPORTED_CRITICAL_PAYLOAD naming its type, and one of another major
 * version INVALID_MAJOR_VERSION; both unprotected for IKE_SA_INIT.
 */
static void
refuse_init(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const struct ike_msg *m,
    const struct ike_parse_err *err)
{
	uint8_t type = err->payload;

	if (m->hdr.exchange != IKE_SA_INIT ||
	    (m->hdr.flags & IKE_FLAG_RESPONSE))
		return;
	if (err->code == IKE_PARSE_CRITICAL)
		init_notify_reply(e, local, remote, m->hdr.spi_i,
		    N_UNSUPPORTED_CRITICAL_PAYLOAD, &type, 1);
	else if (err->code == IKE_PARSE_BAD_VERSION)
		init_notify_reply(e, local, remote, m->hdr.spi_i,
		    N_INVALID_MAJOR_VERSION, NULL, 0);
}

/* The same inside SK: the request is answered (and its ID used up). */
static void
refuse_protected(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m, const struct ike_parse_err *err)
{
	struct ike_buf inner;
	uint8_t type = err->payload;

	if (err->code != IKE_PARSE_CRITICAL ||
	    (m->hdr.flags & IKE_FLAG_RESPONSE) ||
	    m->hdr.message_id != sa->next_peer_id)
		return;
	sa->next_peer_id++;
	ike_sa_begin(sa, &inner);
	ike_notify_add(&inner, 0, N_UNSUPPORTED_CRITICAL_PAYLOAD, NULL, 0,
	    &type, 1);
	ike_sa_send_response(e, sa, m->hdr.exchange, m->hdr.message_id, &inner);
}

/*
 * An Encrypted Fragment (RFC 7383 2.6): kept until its message is whole,
 * then that message goes on as if it had come in one SK payload; m
 * keeps the fragment's header and gets the inner payloads appended.
 */
static void
fragment_in(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_endpoint *local, const struct ike_endpoint *remote,
    struct ike_msg *m)
{
	struct ike_parse_err err;
	uint8_t *whole = NULL, first;
	size_t len;

	if (frag_input(e, sa, m, e->scratch, &whole, &len, &first) <= 0)
		return;
	if (ike_payloads_parse(first, whole, len, 0, m, &err) < 0) {
		e->c.dropped_parse++;
		refuse_protected(e, sa, m, &err);
	} else if (ike_msg_check_rules(m, &err) < 0) {
		e->c.dropped_rules++;
	} else {
		protected_in(e, sa, local, remote, m);
	}
	free(whole);
}

void
ike_engine_input(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct ike_msg m;
	struct ike_parse_err err;
	struct ike_sa *sa;
	bool from_initiator;

	e->c.rx++;
	tunnel_count(e, local, remote, true);
	if (len == 1 && buf[0] == 0xff)
		return; /* a NAT-T keepalive (RFC 3948 2.3) */
	if (len > sizeof(e->scratch)) {
		e->c.dropped_parse++;
		return;
	}
	/* One parse, of a copy: the SK payload is decrypted in place. */
	memcpy(e->scratch, buf, len);
	buf = e->scratch;
	if (ike_msg_parse(buf, len, &m, &err) < 0) {
		e->c.dropped_parse++;
		if (len >= IKE_HDR_LEN)
			refuse_init(e, local, remote, &m, &err);
		return;
	}
	from_initiator = (m.hdr.flags & IKE_FLAG_INITIATOR) != 0;
	if (m.hdr.exchange == IKE_SA_INIT) {
		if (ike_msg_check_rules(&m, &err) < 0) {
			e->c.dropped_rules++;
			return;
		}
		if (!(m.hdr.flags & IKE_FLAG_RESPONSE) && from_initiator &&
		    m.hdr.message_id == 0)
			ike_init_request(e, local, remote, &m, buf, len);
		else if ((m.hdr.flags & IKE_FLAG_RESPONSE) && !from_initiator &&
		    (sa = ike_sa_lookup(e, m.hdr.spi_i)) != NULL &&
		    sa->initiator)
			ike_init_response(e, sa, &m, buf, len);
		else
			e->c.dropped_unknown_spi++;
		return;
	}
	sa = ike_sa_lookup(e, from_initiator ? m.hdr.spi_r : m.hdr.spi_i);
	if (sa == NULL || sa->initiator == from_initiator ||
	    sa->spi_i != m.hdr.spi_i || sa->spi_r != m.hdr.spi_r) {
		e->c.dropped_unknown_spi++;
		return;
	}
	if (m.n_pl == 1 && m.pl[0].type == IKE_PL_SKF) {
		fragment_in(e, sa, local, remote, &m);
		return;
	}
	if (decrypt(e, sa, &m, e->scratch, &err) < 0) {
		refuse_protected(e, sa, &m, &err);
		return;
	}
	if (ike_msg_check_rules(&m, &err) < 0) {
		e->c.dropped_rules++;
		return;
	}
	protected_in(e, sa, local, remote, &m);
}
