/*
 * ike/names.c: the peer of a tunnel given by name (remote-address an
 * FQDN).  The engine asks the resolver seam (struct ike_resolve_ops) when
 * the tunnel is set up, before every initiation and when the answer's
 * seconds run out, and follows what it says: the tunnel's address, its
 * policies and its place in the table by remote address.  It never
 * resolves anything itself and never waits: an answer not known yet
 * comes later through ike_engine_resolved().
 *
 * The address of a tunnel with SAs up never moves under them: the SAs
 * and the policies' templates name the old one.  A new answer is logged
 * then, and taken when the tunnel negotiates again (DPD, a restart);
 * tries still negotiating with the old address are dropped for the new.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

struct tunnel_name {
	struct tunnel_name *next; /* e->named */
	struct ike_tunnel *t;
	char *name;
	struct ipaddr addrs[IKE_RESOLVED_MAX]; /* the last answer, kept */
	size_t n;
	bool waiting;		/* a query is under way */
	bool start_wanted;	/* tunnel_start() follows an answer */
	bool init_wanted;	/* an initiation follows an answer */
	struct ike_timer timer; /* the answer's seconds, or the retry */
};

static struct tunnel_name *
name_of_timer(struct ike_timer *tm)
{
	return (struct tunnel_name *)((char *)tm -
	    offsetof(struct tunnel_name, timer));
}

static bool
has(const struct tunnel_name *tn, const struct ipaddr *addr)
{
	for (size_t i = 0; i < tn->n; i++)
		if (ipaddr_equal(&tn->addrs[i], addr))
			return true;
	return false;
}

/*
 * The addresses of an answer that the tunnel can reach: those of its
 * local address's family (IKE and ESP run over one family).  A name with
 * none of that family is refused with that reason.
 */
static int
keep_family(struct tunnel_name *tn, const struct ipaddr *a, size_t n, char *why,
    size_t why_len)
{
	uint8_t family = tn->t->conf.local_addr.family;
	struct ipaddr v[IKE_RESOLVED_MAX];
	size_t k = 0;

	for (size_t i = 0; i < n && i < IKE_RESOLVED_MAX; i++)
		if ((family == 0 || a[i].family == family) &&
		    !ipaddr_is_any(&a[i]))
			v[k++] = a[i];
	if (k == 0) {
		char local[IPADDR_STRLEN];

		ipaddr_format(&tn->t->conf.local_addr, local, sizeof(local));
		snprintf(why, why_len,
		    "no %s address, and the local address %s is %s: give "
		    "the name an %s record, or a local-address of the "
		    "family it has",
		    family == AF_INET6 ? "IPv6" : "IPv4", local,
		    family == AF_INET6 ? "IPv6" : "IPv4",
		    family == AF_INET6 ? "AAAA" : "A");
		return -EAFNOSUPPORT;
	}
	memcpy(tn->addrs, v, k * sizeof(v[0]));
	tn->n = k;
	return 0;
}

/* t's address becomes addr: policies moved, the table by remote follows. */
static void
move_to(struct ike_engine *e, struct tunnel_name *tn, const struct ipaddr *addr)
{
	struct ike_tunnel *t = tn->t;
	struct ike_tunnel_conf old = t->conf;
	char was[IPADDR_STRLEN], now[IPADDR_STRLEN];
	struct diag d;

	diag_init(&d);
	t->conf.remote_addr = *addr;
	if (t->policies_installed &&
	    policies_move(e, t->reqid, &old, &t->conf, &d) < 0) {
		t->conf.remote_addr = old.remote_addr;
		tunnel_error(e, t, IKE_EV_KERNEL_ERROR,
		    "peer %s: its policies cannot follow its new address: %s",
		    tn->name, d.count ? d.entries[0].text : "kernel error");
		diag_clear(&d);
		return;
	}
	diag_clear(&d);
	hmap_remove(&e->by_remote, &t->remote_node);
	hmap_insert(&e->by_remote, &t->remote_node, tunnel_remote_hash(addr));
	ipaddr_format(addr, now, sizeof(now));
	if (old.remote_addr.family == 0) {
		log_info("ike", "tunnel %s: peer %s resolved to %s",
		    t->conf.name, tn->name, now);
		return;
	}
	ipaddr_format(&old.remote_addr, was, sizeof(was));
	tunnel_event(e, t, IKE_EV_PEER_MOVED, "peer %s moved: now %s (was %s)",
	    tn->name, now, was);
}

/* Whether t has an SA past its first exchanges (it carries or did). */
static bool
sas_up(const struct ike_tunnel *t)
{
	for (const struct ike_sa *sa = t->sas; sa != NULL; sa = sa->tnext)
		if (sa->state != SA_DEAD && sa->state > SA_AUTH_SENT)
			return true;
	return false;
}

/* A new answer: the current address stays while the name still has it;
 * else the first one is taken, at once when the tunnel has no SA. */
static void
follow_answer(struct ike_engine *e, struct tunnel_name *tn)
{
	struct ike_tunnel *t = tn->t;
	char was[IPADDR_STRLEN], now[IPADDR_STRLEN];

	if (strncmp(tunnel_last_error(t), "cannot resolve ", 15) == 0)
		tunnel_error_clear(t);
	if (has(tn, &t->conf.remote_addr))
		return;
	if (!sas_up(t)) {
		/* Tries to the old address are dropped: the new one is
		 * tried at once (a peer on a dynamic address came back). */
		bool retry = t->sas != NULL && t->conf.enable && t->want_up;

		tunnel_sas_drop(e, t, false);
		move_to(e, tn, &tn->addrs[0]);
		if (retry && ike_init_start(e, t) < 0)
			tunnel_restart_later(e, t);
		return;
	}
	ipaddr_format(&tn->addrs[0], now, sizeof(now));
	ipaddr_format(&t->conf.remote_addr, was, sizeof(was));
	tunnel_event(e, t, IKE_EV_PEER_MOVED,
	    "peer %s now resolves to %s: the SAs with %s stay; the next "
	    "negotiation goes to %s",
	    tn->name, now, was, now);
}

/* Asks the resolver: 0 with an address, 1 waiting, or -errno. */
static int
ask(struct ike_engine *e, struct tunnel_name *tn)
{
	struct ipaddr out[IKE_RESOLVED_MAX];
	char why[256] = "";
	uint32_t ttl = 0;
	int n;

	if (e->p.resolve == NULL) {
		snprintf(why, sizeof(why), "tunshd runs without a resolver");
		n = -ENOSYS;
	} else {
		n = e->p.resolve->resolve(e->p.resolve_arg, tn->name, out,
		    IKE_RESOLVED_MAX, &ttl, why, sizeof(why));
	}
	if (n == 0) {
		tn->waiting = true;
		return 1;
	}
	tn->waiting = false;
	if (n > 0)
		n = keep_family(tn, out, (size_t)n, why, sizeof(why));
	/* Asked again when the answer expires, or to retry a failure (the
	 * resolver says when; at least a second, so nothing spins). */
	timer_arm(e, &tn->timer, engine_now(e) + (ttl ? ttl : 1) * 1000ull);
	if (n < 0) {
		char text[400];

		snprintf(text, sizeof(text), "cannot resolve %s: %s", tn->name,
		    why[0] ? why : strerror(-n));
		/* Once per reason, not at every retry. */
		if (strcmp(tunnel_last_error(tn->t), text) != 0)
			tunnel_error(e, tn->t, IKE_EV_RESOLVE_FAILED, "%s",
			    text);
		return n;
	}
	follow_answer(e, tn);
	return 0;
}

/* What waited for an answer goes on. */
static void
resume(struct ike_engine *e, struct tunnel_name *tn)
{
	struct ike_tunnel *t = tn->t;
	struct diag d;

	if (tn->start_wanted) {
		tn->start_wanted = false;
		tn->init_wanted = false;
		diag_init(&d);
		if (tunnel_start(e, t, &d) < 0)
			tunnel_error(e, t, IKE_EV_KERNEL_ERROR, "%s",
			    d.count ? d.entries[0].text : "cannot start");
		diag_clear(&d);
		return;
	}
	if (tn->init_wanted) {
		tn->init_wanted = false;
		if (t->sas == NULL && t->conf.enable &&
		    ike_init_start(e, t) < 0)
			tunnel_restart_later(e, t);
	}
}

static void
name_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct tunnel_name *tn = name_of_timer(tm);

	if (ask(e, tn) == 0)
		resume(e, tn);
}

void
ike_engine_resolved(struct ike_engine *e, const char *name)
{
	for (struct tunnel_name *tn = e->named; tn; tn = tn->next)
		if (tn->waiting && strcmp(tn->name, name) == 0 &&
		    ask(e, tn) == 0)
			resume(e, tn);
}

int
names_start(struct ike_engine *e, struct ike_tunnel *t)
{
	struct tunnel_name *tn = t->peer_name;

	if (tn == NULL || t->conf.remote_addr.family != 0)
		return 0;
	if (ask(e, tn) == 0)
		return 0;
	tn->start_wanted = true;
	return 1;
}

int
names_before_init(struct ike_engine *e, struct ike_tunnel *t)
{
	struct tunnel_name *tn = t->peer_name;

	/* With SAs (a reauthentication): where they are. */
	if (tn == NULL || t->sas != NULL)
		return 0;
	if (tn->start_wanted) {
		/* Not set up yet (no policies): setting it up initiates. */
		if (ask(e, tn) == 0)
			resume(e, tn);
		return 1;
	}
	if (ask(e, tn) == 0)
		return 0;
	tn->init_wanted = true;
	return 1;
}

struct ike_tunnel *
names_by_remote(struct ike_engine *e, const struct ipaddr *addr,
    const struct ipaddr *local)
{
	struct ike_tunnel *any = NULL;

	for (struct tunnel_name *tn = e->named; tn; tn = tn->next) {
		if (!has(tn, addr))
			continue;
		if (ipaddr_equal(&tn->t->conf.local_addr, local))
			return tn->t;
		any = any ? any : tn->t;
	}
	return any;
}

void
names_peer_at(struct ike_engine *e, struct ike_tunnel *t,
    const struct ipaddr *addr)
{
	struct tunnel_name *tn = t->peer_name;

	if (tn != NULL && t->sas == NULL &&
	    !ipaddr_equal(addr, &t->conf.remote_addr) && has(tn, addr))
		move_to(e, tn, addr);
}

int
names_set(struct ike_engine *e, struct ike_tunnel *t)
{
	struct tunnel_name *tn;

	if (t->conf.remote_name == NULL || t->conf.remote_name[0] == '\0')
		return 0;
	if ((tn = calloc(1, sizeof(*tn))) == NULL ||
	    (tn->name = strdup(t->conf.remote_name)) == NULL) {
		free(tn);
		return -ENOMEM;
	}
	tn->t = t;
	/* What the name says, not the caller. */
	memset(&t->conf.remote_addr, 0, sizeof(t->conf.remote_addr));
	timer_init(&tn->timer, name_timer);
	tn->next = e->named;
	e->named = tn;
	t->peer_name = tn;
	return 0;
}

void
names_free(struct ike_engine *e, struct ike_tunnel *t)
{
	struct tunnel_name *tn = t->peer_name, **pp;

	if (tn == NULL)
		return;
	for (pp = &e->named; *pp != NULL; pp = &(*pp)->next)
		if (*pp == tn) {
			*pp = tn->next;
			break;
		}
	timer_disarm(e, &tn->timer);
	free(tn->name);
	free(tn);
	t->peer_name = NULL;
}
