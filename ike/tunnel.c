/*
 * ike/tunnel.c: the engine's table of tunnels and a tunnel's life: the
 * tunnels the commit plan adds, changes and removes, looked up by name,
 * remote address or reqid; what happens to a tunnel when its IKE SA
 * goes (DPD actions, restarts with backoff); an administrator's
 * initiate, terminate and rekey.  Its kernel policies are policy.c's,
 * its event history tunnel_log.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

size_t
tunnel_remote_hash(const struct ipaddr *addr)
{
	return hash_bytes(addr->bytes, sizeof(addr->bytes));
}

struct ike_tunnel *
tunnel_by_remote(struct ike_engine *e, const struct ipaddr *addr,
    const struct ipaddr *local)
{
	struct ike_tunnel *any = NULL;

	/* One tunnel per pair of gateways (validation): with several WAN
	 * addresses the local one tells tunnels to one peer apart. */
	for (struct hmap_node *n =
		 hmap_first(&e->by_remote, tunnel_remote_hash(addr));
	     n; n = hmap_next(n)) {
		struct ike_tunnel *t =
		    container_of(n, struct ike_tunnel, remote_node);

		if (ipaddr_equal(&t->conf.remote_addr, addr)) {
			if (ipaddr_equal(&t->conf.local_addr, local))
				return t;
			any = any ? any : t;
		}
	}
	if (any == NULL && e->named != NULL) /* a name's other addresses */
		any = names_by_remote(e, addr, local);
	return any;
}

void
tunnel_count(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, bool rx)
{
	struct ike_tunnel *t = tunnel_by_remote(e, &remote->addr, &local->addr);

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

struct ike_tunnel *
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

void
tunnel_sas_drop(struct ike_engine *e, struct ike_tunnel *t, bool tell_peer)
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
void
tunnel_restart_later(struct ike_engine *e, struct ike_tunnel *t)
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
		tunnel_restart_later(e, t);
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
		tunnel_reauth_error_set(t,
		    tunnel_last_error(t)[0] ? tunnel_last_error(t) :
					      "the new IKE SA was dropped");
		if (!timer_armed(&t->restart_timer))
			tunnel_restart_later(e, t);
		return;
	}
	if (t->sas != NULL)
		return;
	if (wants_initiation(e, t))
		tunnel_restart_later(e, t);
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

	t->dpd.last_action = engine_wall(e);
	t->dpd.actions++;
	t->dpd.in_flight = 0;
	tunnel_event(e, t, IKE_EV_DPD_ACTION, "DPD %s",
	    what[t->conf.dpd_action]);
	tunnel_sas_drop(e, t, false);
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
	    tunnel_remote_hash(&t->conf.remote_addr));
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

void
tunnel_free(struct ike_engine *e, struct ike_tunnel *t)
{
	tunnel_sas_drop(e, t, false);
	policies_remove(e, t);
	timer_disarm(e, &t->restart_timer);
	names_free(e, t);
	tunnel_unlink(e, t);
	tunnel_log_free(t);
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
	size_t rn = (c->remote_name ? strlen(c->remote_name) : 0) + 1;
	size_t na = (c->n_ike + c->n_esp) * sizeof(struct ike_algs);
	size_t nn = (c->n_local + c->n_remote) * sizeof(struct ipaddr);
	char *m = malloc(na + nn + li + ri + rn), *p = m;
	struct ike_algs *algs;
	struct ipaddr *nets;

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
	nets = (struct ipaddr *)(void *)p;
	memcpy(nets, c->local_nets, c->n_local * sizeof(*nets));
	memcpy(nets + c->n_local, c->remote_nets, c->n_remote * sizeof(*nets));
	out->local_nets = nets;
	out->remote_nets = nets + c->n_local;
	p += nn;
	memcpy(p, c->local_id ? c->local_id : "", li);
	out->local_id = p;
	memcpy(p + li, c->remote_id ? c->remote_id : "", ri);
	out->remote_id = p + li;
	memcpy(p + li + ri, c->remote_name ? c->remote_name : "", rn);
	out->remote_name = p + li + ri;
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
	return 0;
}

/* Brings an enabled tunnel to life: policies, then negotiate or wait. */
int
tunnel_start(struct ike_engine *e, struct ike_tunnel *t, struct diag *d)
{
	int rc;

	if (!t->conf.enable || names_start(e, t) != 0)
		return 0; /* a name not resolved yet: its answer follows */
	if ((rc = policies_install(e, t, d)) < 0)
		return rc;
	t->want_up = t->conf.initiator;
	t->dpd_cleared = false;
	if (t->conf.initiator && t->sas == NULL && ike_init_start(e, t) < 0)
		tunnel_restart_later(e, t);
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
	if (names_set(e, t) < 0) {
		secbuf_free(t->psk);
		free(t->conf_mem);
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
	tunnel_sas_drop(e, t, true);
	tunnel_free(e, t);
	return 0;
}

/* The same peer: the same name (its answer stays), or address. */
static bool
same_peer(const struct ike_tunnel *t, const struct ike_tunnel_conf *c)
{
	const char *n = c->remote_name ? c->remote_name : "";

	if (n[0] != '\0' || t->conf.remote_name[0] != '\0')
		return strcmp(n, t->conf.remote_name) == 0;
	return ipaddr_equal(&t->conf.remote_addr, &c->remote_addr);
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
	if (!same_peer(t, c) ||
	    !ipaddr_equal(&t->conf.local_addr, &c->local_addr) || !c->enable) {
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
	if ((rc = conf_copy(t, c)) == 0)
		t->conf.remote_addr = old.remote_addr; /* a name's answer */
	if (rc < 0 ||
	    (t->policies_installed && policies_differ(&old, &t->conf) &&
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
		tunnel_sas_drop(e, t, true);
		if (t->conf.initiator && ike_init_start(e, t) < 0)
			tunnel_restart_later(e, t);
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
		tunnel_restart_later(e, t); /* initiator on: start it now */
	if (how == IKE_CHANGE_REAUTH) {
		if (ike_tunnel_reauth(e, t) < 0)
			tunnel_sa_gone(e, t); /* retried with the backoff */
		if (t->sas == NULL && wants_initiation(e, t) &&
		    ike_init_start(e, t) < 0)
			tunnel_restart_later(e, t);
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

/* The tunnel an admin's request names, or NULL with the error in d. */
static struct ike_tunnel *
tunnel_named(struct ike_engine *e, const char *name, struct diag *d)
{
	struct ike_tunnel *t = tunnel_by_name(e, name);

	if (t == NULL)
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: no such tunnel in the running configuration",
		    name);
	return t;
}

int
ike_tunnel_initiate(struct ike_engine *e, const char *name, struct diag *d)
{
	struct ike_tunnel *t = tunnel_named(e, name, d);

	if (t == NULL)
		return -ENOENT;
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
	struct ike_tunnel *t = tunnel_named(e, name, d);

	if (t == NULL)
		return -ENOENT;
	tunnel_sas_drop(e, t, true);
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
	struct ike_tunnel *t = tunnel_named(e, name, d);
	struct ike_sa *sa;
	bool any = false;

	if (t == NULL)
		return -ENOENT;
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
