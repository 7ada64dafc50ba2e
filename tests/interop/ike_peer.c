/*
 * tests/interop/ike_peer.c: one tunsh IKE engine with one tunnel on real
 * UDP sockets, for the interop tests against strongSwan.  It owns the
 * command line, a recording kernel (SAs and policies kept in memory: the
 * machine the tests run on has no ESP) and a state file the test script
 * reads; it must not print key material, only what a show command would.
 *
 *   ike_peer --local A --remote B --psk S --local-net N --remote-net N
 *       --ike P --esp P [--initiator | --responder] ... --state FILE
 *
 * SIGUSR1 initiates, SIGUSR2 terminates and renegotiates, SIGTERM (or
 * SIGINT) removes the tunnel (Delete to the peer) and exits 0.  For the
 * tests only: SIGURG rekeys the CHILD SA now (the public API has no such
 * command: this reaches into the engine's private state), SIGWINCH plays
 * the kernel's ACQUIRE for the tunnel's policies (traffic with no SA).
 */
#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "ike/engine.h"
#include "ike/ike.h"
#include "ike/net_udp.h"
#include "lib/lib.h"

#define REC_SAS_MAX	 64
#define REC_POLICIES_MAX 64
#define STATE_TICK_MS	 200

/* An SA as the recording kernel holds it: never its keys. */
struct rec_sa {
	bool used;
	uint32_t src, dst, spi;
	char enc_alg[40], auth_alg[40];
	size_t enc_key_bits;
	bool encap;
	uint16_t sport, dport;
};

struct rec_kernel {
	uint32_t next_spi;
	struct rec_sa sas[REC_SAS_MAX];
	struct kernel_policy pol[REC_POLICIES_MAX];
	size_t n_pol;
	unsigned n_spi_alloc, n_sa_add, n_sa_del, n_policy_add, n_policy_del;
	/* SAs held now; the fewest held right after a delete (UINT_MAX
	 * before the first), frozen once the tunnel is being removed: a
	 * make-before-break replacement never goes below the CHILD SA's
	 * two. */
	unsigned n_held, min_held;
	bool frozen;
};

struct opts {
	const char *name, *local, *remote, *psk, *local_id, *remote_id;
	const char *ike, *esp, *local_net, *remote_net, *state;
	bool initiator, verbose, reauth;
	uint32_t ike_lifetime, child_lifetime, dpd_timeout, dpd_delay;
	uint32_t retransmit_ms, retransmit_tries;
	enum ike_dpd_action dpd_action;
};

struct peer {
	struct opts o;
	struct event_base *base;
	struct ike_net_udp *udp;
	struct ike_engine *e;
	struct event *timer, *tick, *sigs[6];
	struct rec_kernel k;
	int exit_code;
};

/* The recording kernel */

static struct rec_sa *
rec_find(struct rec_kernel *k, uint32_t dst, uint32_t spi)
{
	for (size_t i = 0; i < REC_SAS_MAX; i++)
		if (k->sas[i].used && k->sas[i].dst == dst &&
		    k->sas[i].spi == spi)
			return &k->sas[i];
	return NULL;
}

static int
rec_spi_alloc(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
    uint32_t reqid, uint32_t *spi, struct diag *d)
{
	struct rec_kernel *k = arg;

	(void)src;
	(void)dst;
	(void)reqid;
	(void)d;
	k->n_spi_alloc++;
	*spi = k->next_spi++;
	return 0;
}

static int
rec_sa_add(void *arg, const struct kernel_sa *sa, struct diag *d)
{
	struct rec_kernel *k = arg;
	struct rec_sa *r = rec_find(k, ipaddr_to4(&sa->dst), sa->spi);

	for (size_t i = 0; r == NULL && i < REC_SAS_MAX; i++)
		if (!k->sas[i].used)
			r = &k->sas[i];
	if (r == NULL) {
		diag_error(d, "recording kernel: more than %d SAs",
		    REC_SAS_MAX);
		return -ENOSPC;
	}
	if (!r->used)
		k->n_held++;
	*r = (struct rec_sa){
		.used = true,
		.src = ipaddr_to4(&sa->src),
		.dst = ipaddr_to4(&sa->dst),
		.spi = sa->spi,
		.enc_key_bits = sa->enc_key ? sa->enc_key->len * 8 : 0,
		.encap = sa->encap,
		.sport = sa->encap_sport,
		.dport = sa->encap_dport,
	};
	snprintf(r->enc_alg, sizeof(r->enc_alg), "%s",
	    sa->enc_alg ? sa->enc_alg : "-");
	snprintf(r->auth_alg, sizeof(r->auth_alg), "%s",
	    sa->auth_alg ? sa->auth_alg : "-");
	k->n_sa_add++;
	return 0;
}

static int
rec_sa_del(void *arg, const struct ipaddr *dst, uint32_t spi)
{
	struct rec_kernel *k = arg;
	struct rec_sa *r = rec_find(k, ipaddr_to4(dst), spi);

	k->n_sa_del++;
	if (r != NULL) {
		r->used = false;
		k->n_held--;
	}
	if (!k->frozen && k->n_held < k->min_held)
		k->min_held = k->n_held;
	return 0;
}

static int
rec_sa_query(void *arg, const struct ipaddr *dst, uint32_t spi,
    struct kernel_sa_stats *out)
{
	struct rec_kernel *k = arg;

	memset(out, 0, sizeof(*out));
	return rec_find(k, ipaddr_to4(dst), spi) != NULL ? 0 : -ENOENT;
}

static bool
policy_same(const struct kernel_policy *a, const struct kernel_policy *b)
{
	return a->dir == b->dir && ipaddr_cmp(&a->src, &b->src) == 0 &&
	    ipaddr_cmp(&a->dst, &b->dst) == 0;
}

static int
rec_policy_add(void *arg, const struct kernel_policy *p, struct diag *d)
{
	struct rec_kernel *k = arg;
	size_t i;

	k->n_policy_add++;
	for (i = 0; i < k->n_pol && !policy_same(&k->pol[i], p); i++)
		;
	if (i == REC_POLICIES_MAX) {
		diag_error(d, "recording kernel: more than %d policies",
		    REC_POLICIES_MAX);
		return -ENOSPC;
	}
	k->pol[i] = *p;
	if (i == k->n_pol)
		k->n_pol++;
	return 0;
}

static int
rec_policy_del(void *arg, const struct kernel_policy *p)
{
	struct rec_kernel *k = arg;

	k->n_policy_del++;
	for (size_t i = 0; i < k->n_pol; i++)
		if (policy_same(&k->pol[i], p)) {
			k->pol[i] = k->pol[--k->n_pol];
			break;
		}
	return 0;
}

static const struct kernel_ops rec_ops = {
	.spi_alloc = rec_spi_alloc,
	.sa_add = rec_sa_add,
	.sa_del = rec_sa_del,
	.sa_query = rec_sa_query,
	.policy_add = rec_policy_add,
	.policy_del = rec_policy_del,
};

/* The state file */

/* "DPD timeout" -> "dpd_timeout": one word for the test's grep. */
static void
slug(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = s[i] == ' ' ? '_' : (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
}

static void
write_ike(void *arg, const struct ike_sa_status *s)
{
	FILE *f = arg;
	char l[IPADDR_STRLEN], r[IPADDR_STRLEN];

	ipaddr_format(&s->local.addr, l, sizeof(l));
	ipaddr_format(&s->remote.addr, r, sizeof(r));
	fprintf(f,
	    "ike %016llx %016llx %s %s initiator=%d local=%s:%u "
	    "remote=%s:%u rekey_in=%llu expires=%llu\n",
	    (unsigned long long)s->spi_i, (unsigned long long)s->spi_r,
	    s->state, s->algs, s->initiator, l, (unsigned)s->local.port, r,
	    (unsigned)s->remote.port, (unsigned long long)s->rekey_in,
	    (unsigned long long)s->expires);
}

static void
write_child(void *arg, const struct ike_child_status *s)
{
	FILE *f = arg;
	char l[IPADDR_STRLEN], r[IPADDR_STRLEN];

	ipaddr_format_prefix(&s->local_ts, l, sizeof(l));
	ipaddr_format_prefix(&s->remote_ts, r, sizeof(r));
	fprintf(f,
	    "child %08x %08x %s natt=%d local=%s remote=%s rekey_in=%llu "
	    "expires=%llu\n",
	    s->spi_in, s->spi_out, s->algs, s->natt, l, r,
	    (unsigned long long)s->rekey_in, (unsigned long long)s->expires);
}

static void
write_kernel(FILE *f, const struct rec_kernel *k)
{
	char src[IPADDR_STRLEN], dst[IPADDR_STRLEN];

	for (size_t i = 0; i < REC_SAS_MAX; i++) {
		const struct rec_sa *r = &k->sas[i];

		if (!r->used)
			continue;
		addr4_format(r->src, src, sizeof(src));
		addr4_format(r->dst, dst, sizeof(dst));
		fprintf(f,
		    "kernel-sa %s %08x %s encap=%d src=%s auth=%s "
		    "keybits=%zu sport=%u dport=%u\n",
		    dst, r->spi, r->enc_alg, r->encap, src, r->auth_alg,
		    r->enc_key_bits, (unsigned)r->sport, (unsigned)r->dport);
	}
	for (size_t i = 0; i < k->n_pol; i++) {
		ipaddr_format_prefix(&k->pol[i].src, src, sizeof(src));
		ipaddr_format_prefix(&k->pol[i].dst, dst, sizeof(dst));
		fprintf(f, "kernel-policy %s %s dir=%d reqid=%u\n", src, dst,
		    (int)k->pol[i].dir, k->pol[i].reqid);
	}
	fprintf(f,
	    "kernel-ops spi_alloc=%u sa_add=%u sa_del=%u policy_add=%u "
	    "policy_del=%u\n",
	    k->n_spi_alloc, k->n_sa_add, k->n_sa_del, k->n_policy_add,
	    k->n_policy_del);
	/* No delete yet: what is held now. */
	fprintf(f, "kernel-min-sas %u\n",
	    k->min_held == UINT_MAX ? k->n_held : k->min_held);
}

static void
write_tunnel(FILE *f, const struct ike_tunnel_status *st)
{
	char name[64];

	fprintf(f, "tunnel state %s\n", ike_tunnel_state_name(st->state));
	fprintf(f, "tunnel ike_sas=%zu child_sas=%zu natt=%d behind_nat=%d\n",
	    st->n_ike_sas, st->n_child_sas, st->natt, st->behind_nat);
	for (int ev = 0; ev < IKE_EV_COUNT; ev++) {
		slug(ike_event_name((enum ike_event)ev), name, sizeof(name));
		fprintf(f, "event %s %u\n", name, st->event_counts[ev]);
	}
	for (size_t i = 0; i < st->n_events; i++) {
		slug(ike_event_name(st->events[i].ev), name, sizeof(name));
		fprintf(f, "history %llu %s %s\n",
		    (unsigned long long)st->events[i].wall, name,
		    st->events[i].text);
	}
	fprintf(f, "error %s\n", st->last_error);
	fprintf(f,
	    "dpd last_heard=%llu in_flight=%u last_check=%llu "
	    "last_result=%d last_action=%llu actions=%u\n",
	    (unsigned long long)st->dpd.last_heard, st->dpd.in_flight,
	    (unsigned long long)st->dpd.last_check, st->dpd.last_result,
	    (unsigned long long)st->dpd.last_action, st->dpd.actions);
}

/* Written whole to a temporary file and renamed over the old one, so a
 * reader never sees half a state. */
static void
state_write(struct peer *p)
{
	struct ike_tunnel_status st;
	struct ike_counters c;
	char tmp[4096];
	FILE *f;

	if (p->o.state == NULL || ike_tunnel_status(p->e, p->o.name, &st) < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->o.state);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_err("peer", "%s: %s", tmp, strerror(errno));
		return;
	}
	write_tunnel(f, &st);
	ike_sa_each(p->e, p->o.name, write_ike, f);
	ike_child_each(p->e, p->o.name, write_child, f);
	write_kernel(f, &p->k);
	ike_engine_counters(p->e, &c);
	fprintf(f,
	    "counters rx=%llu tx=%llu retransmits=%llu dropped_parse=%llu "
	    "dropped_auth=%llu dropped_unknown_spi=%llu dropped_rules=%llu\n",
	    (unsigned long long)c.rx, (unsigned long long)c.tx,
	    (unsigned long long)c.retransmits,
	    (unsigned long long)c.dropped_parse,
	    (unsigned long long)c.dropped_auth,
	    (unsigned long long)c.dropped_unknown_spi,
	    (unsigned long long)c.dropped_rules);
	if (fclose(f) != 0 || rename(tmp, p->o.state) < 0)
		log_err("peer", "%s: %s", p->o.state, strerror(errno));
}

/* The event loop */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* After anything the engine did: the timer again, and the state. */
static void
settle(struct peer *p)
{
	uint64_t next = ike_engine_next_timer(p->e), now = now_ms();
	struct timeval tv = { 0 };

	evtimer_del(p->timer);
	if (next != UINT64_MAX) {
		uint64_t ms = next > now ? next - now : 0;

		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		evtimer_add(p->timer, &tv);
	}
	state_write(p);
}

static void
on_input(void *arg, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct peer *p = arg;

	ike_engine_input(p->e, local, remote, buf, len);
	settle(p);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)what;
	ike_engine_run_timers(p->e);
	settle(p);
}

/* Every STATE_TICK_MS: the countdowns in the state file move on. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	state_write(arg);
}

static void
log_diag(const struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		log_warn("peer", "%s", d->entries[i].text);
}

/* SIGURG: the tunnel's first installed CHILD SA is rekeyed as at its
 * soft lifetime, when the IKE SA's window is free. */
static void
child_rekey_now(struct peer *p)
{
	struct ike_tunnel *t = tunnel_by_name(p->e, p->o.name);

	for (struct ike_sa *sa = t ? t->sas : NULL; sa; sa = sa->tnext) {
		if (sa->state != SA_ESTABLISHED)
			continue;
		for (struct child_sa *c = sa->children; c; c = c->next)
			if (c->state == CHILD_INSTALLED) {
				log_info("peer",
				    "SIGURG: rekeying CHILD SA %08x",
				    c->spi_in);
				c->want_rekey = true;
				ike_sa_kick(p->e, sa);
				return;
			}
	}
	log_warn("peer", "SIGURG: no installed CHILD SA to rekey");
}

/* SIGWINCH: what the kernel says when traffic meets a policy with no
 * SA, for the reqid of the policies the engine installed. */
static void
acquire_now(struct peer *p)
{
	const struct kernel_policy *pol = p->k.n_pol ? &p->k.pol[0] : NULL;

	if (pol == NULL) {
		log_warn("peer", "SIGWINCH: no policy, so no ACQUIRE");
		return;
	}
	log_info("peer", "SIGWINCH: ACQUIRE for reqid %u", pol->reqid);
	ike_kernel_events.acquire(p->e, pol->reqid, 0, 0);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct peer *p = arg;
	struct diag d;

	(void)what;
	diag_init(&d);
	switch (sig) {
	case SIGUSR1:
		log_info("peer", "SIGUSR1: initiate");
		ike_tunnel_initiate(p->e, p->o.name, &d);
		break;
	case SIGUSR2:
		log_info("peer", "SIGUSR2: terminate and restart");
		ike_tunnel_terminate(p->e, p->o.name, true, &d);
		break;
	case SIGURG:
		child_rekey_now(p);
		break;
	case SIGWINCH:
		acquire_now(p);
		break;
	default:
		log_info("peer", "signal %d: removing the tunnel, exiting",
		    (int)sig);
		p->k.frozen = true;
		ike_tunnel_remove(p->e, p->o.name, &d);
		event_base_loopexit(p->base, NULL);
		break;
	}
	log_diag(&d);
	diag_clear(&d);
	settle(p);
}

/* Log lines with the time, to read next to charon's log. */
static void
log_sink(enum log_level lvl, const char *subsys, const char *func,
    const char *msg, void *arg)
{
	struct timespec ts;
	struct tm tm;
	char when[16];

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s %s %s: %s\n", when, ts.tv_nsec / 1000000,
	    log_level_name(lvl), subsys, func, msg);
}

/* The command line */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ike_peer --local ADDR --remote ADDR --psk SECRET\n"
	    "    --local-net PREFIX[,...] --remote-net PREFIX[,...]\n"
	    "    --ike PROPOSAL[,...] --esp PROPOSAL[,...]\n"
	    "    [--initiator | --responder] [--name NAME]\n"
	    "    [--local-id ID] [--remote-id ID]\n"
	    "    [--ike-lifetime S] [--child-lifetime S] [--reauth]\n"
	    "    [--dpd-timeout S --dpd-delay S --dpd-action "
	    "clear|hold|restart]\n"
	    "    [--retransmit-ms MS] [--retransmit-tries N]\n"
	    "    [--state FILE] [--verbose]\n");
}

static int
parse_u32(const char *opt, const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > UINT32_MAX) {
		fprintf(stderr, "ike_peer: %s: not a number: %s\n", opt, s);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
parse_dpd_action(const char *s, enum ike_dpd_action *out)
{
	static const char *const names[] = {
		[IKE_DPD_CLEAR] = "clear",
		[IKE_DPD_HOLD] = "hold",
		[IKE_DPD_RESTART] = "restart",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum ike_dpd_action)i;
			return 0;
		}
	fprintf(stderr, "ike_peer: --dpd-action: clear, hold or restart: %s\n",
	    s);
	return -EINVAL;
}

static int
parse_value(struct opts *o, int c, const char *v)
{
	switch (c) {
	case 'L':
		return parse_u32("--ike-lifetime", v, &o->ike_lifetime);
	case 'C':
		return parse_u32("--child-lifetime", v, &o->child_lifetime);
	case 'T':
		return parse_u32("--dpd-timeout", v, &o->dpd_timeout);
	case 'D':
		return parse_u32("--dpd-delay", v, &o->dpd_delay);
	case 'A':
		return parse_dpd_action(v, &o->dpd_action);
	case 'M':
		return parse_u32("--retransmit-ms", v, &o->retransmit_ms);
	case 'N':
		return parse_u32("--retransmit-tries", v, &o->retransmit_tries);
	}
	return -EINVAL;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "local", required_argument, NULL, 'l' },
		{ "remote", required_argument, NULL, 'r' },
		{ "psk", required_argument, NULL, 'p' },
		{ "local-id", required_argument, NULL, 'i' },
		{ "remote-id", required_argument, NULL, 'I' },
		{ "local-net", required_argument, NULL, 'a' },
		{ "remote-net", required_argument, NULL, 'b' },
		{ "ike", required_argument, NULL, 'k' },
		{ "esp", required_argument, NULL, 'e' },
		{ "initiator", no_argument, NULL, 'x' },
		{ "responder", no_argument, NULL, 'y' },
		{ "ike-lifetime", required_argument, NULL, 'L' },
		{ "child-lifetime", required_argument, NULL, 'C' },
		{ "reauth", no_argument, NULL, 'R' },
		{ "dpd-timeout", required_argument, NULL, 'T' },
		{ "dpd-delay", required_argument, NULL, 'D' },
		{ "dpd-action", required_argument, NULL, 'A' },
		{ "retransmit-ms", required_argument, NULL, 'M' },
		{ "retransmit-tries", required_argument, NULL, 'N' },
		{ "state", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char **strs[128] = {
		['n'] = &o->name,
		['l'] = &o->local,
		['r'] = &o->remote,
		['p'] = &o->psk,
		['i'] = &o->local_id,
		['I'] = &o->remote_id,
		['a'] = &o->local_net,
		['b'] = &o->remote_net,
		['k'] = &o->ike,
		['e'] = &o->esp,
		['s'] = &o->state,
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		if (c > 0 && c < 128 && strs[c] != NULL)
			*strs[c] = optarg;
		else if (c == 'x' || c == 'y')
			o->initiator = c == 'x';
		else if (c == 'v')
			o->verbose = true;
		else if (c == 'R')
			o->reauth = true;
		else if (c == '?' || parse_value(o, c, optarg) < 0)
			return -EINVAL;
	}
	if (optind != argc || !o->local || !o->remote || !o->psk ||
	    !o->local_net || !o->remote_net || !o->ike || !o->esp) {
		usage();
		return -EINVAL;
	}
	return 0;
}

/* "10.1.0.0/24,10.3.0.0/24" */
static int
nets_parse(const char *opt, const char *s, struct ipaddr *out, size_t *n)
{
	char buf[1024], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == IKE_NETS_MAX ||
		    ipaddr_parse_prefix(tok, &out[*n]) < 0) {
			fprintf(stderr, "ike_peer: %s: bad prefix %s\n", opt,
			    tok);
			return -EINVAL;
		}
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

static void
algs_from(const struct config_proposal *cp, struct ike_algs *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < cp->n_encr; i++) {
		a->encr[i] = cp->encr[i]->id;
		a->encr_bits[i] = cp->encr[i]->keylen;
	}
	for (size_t i = 0; i < cp->n_prf; i++)
		a->prf[i] = cp->prf[i]->id;
	for (size_t i = 0; i < cp->n_integ; i++)
		a->integ[i] = cp->integ[i]->id;
	for (size_t i = 0; i < cp->n_dh; i++)
		a->dh[i] = cp->dh[i]->id;
	a->n_encr = cp->n_encr;
	a->n_prf = cp->n_prf;
	a->n_integ = cp->n_integ;
	a->n_dh = cp->n_dh;
}

/* "aes256gcm16-prfsha256-x25519,aes256-sha256-modp2048", in strongSwan
 * notation, parsed by the same code as the configuration's. */
static int
proposals_parse(const char *opt, const char *s, bool ike, struct ike_algs *out,
    size_t *n)
{
	char buf[1024], *save = NULL, *tok;
	struct config_proposal cp;
	struct diag d;

	diag_init(&d);
	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == IKE_PROPOSALS_MAX ||
		    config_proposal_parse(tok, ike, &cp, &d) < 0) {
			fprintf(stderr, "ike_peer: %s %s: %s\n", opt, tok,
			    d.count ? d.entries[0].text : "too many");
			diag_clear(&d);
			return -EINVAL;
		}
		algs_from(&cp, &out[(*n)++]);
	}
	return *n ? 0 : -EINVAL;
}

struct conf_mem {
	struct ipaddr ln[IKE_NETS_MAX], rn[IKE_NETS_MAX];
	struct ike_algs ike[IKE_PROPOSALS_MAX], esp[IKE_PROPOSALS_MAX];
};

static int
conf_build(const struct opts *o, struct conf_mem *m, const struct secbuf *psk,
    struct ike_tunnel_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", o->name);
	if (ipaddr_parse(o->local, &c->local_addr) < 0 ||
	    ipaddr_parse(o->remote, &c->remote_addr) < 0) {
		fprintf(stderr, "ike_peer: bad --local or --remote address\n");
		return -EINVAL;
	}
	if (nets_parse("--local-net", o->local_net, m->ln, &c->n_local) < 0 ||
	    nets_parse("--remote-net", o->remote_net, m->rn, &c->n_remote) <
		0 ||
	    proposals_parse("--ike", o->ike, true, m->ike, &c->n_ike) < 0 ||
	    proposals_parse("--esp", o->esp, false, m->esp, &c->n_esp) < 0)
		return -EINVAL;
	c->enable = true;
	c->local_id = o->local_id;
	c->remote_id = o->remote_id;
	c->psk = psk;
	c->local_nets = m->ln;
	c->remote_nets = m->rn;
	c->ike = m->ike;
	c->esp = m->esp;
	c->ike_lifetime = o->ike_lifetime;
	c->child_lifetime = o->child_lifetime;
	c->initiator = o->initiator;
	c->rekey = true;
	c->reauth = o->reauth;
	c->dpd_action = o->dpd_action;
	c->dpd_timeout = o->dpd_timeout;
	c->dpd_delay = o->dpd_delay;
	return 0;
}

static int
peer_open(struct peer *p, const struct ipaddr *addr, struct diag *d)
{
	struct ike_net_udp_params np = {
		.port = IKE_PORT,
		.natt_port = IKE_NATT_PORT,
		.input = on_input,
		.input_arg = p,
	};
	struct ike_engine_params ep = {
		.net = &ike_net_udp_ops,
		.kernel = &rec_ops,
		.kernel_arg = &p->k,
		.retransmit_ms = p->o.retransmit_ms,
		.retransmit_tries = p->o.retransmit_tries,
	};
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGURG, SIGWINCH, SIGTERM,
		SIGINT };
	struct timeval tick = { 0, STATE_TICK_MS * 1000 };

	if ((p->base = event_base_new()) == NULL)
		return -ENOMEM;
	np.base = p->base;
	np.addr = *addr;
	if ((p->udp = ike_net_udp_open(&np, d)) == NULL)
		return -EADDRNOTAVAIL;
	ep.net_arg = p->udp;
	if ((p->e = ike_engine_new(&ep)) == NULL)
		return -ENOMEM;
	p->timer = evtimer_new(p->base, on_timer, p);
	p->tick = event_new(p->base, -1, EV_PERSIST, on_tick, p);
	if (p->timer == NULL || p->tick == NULL ||
	    event_add(p->tick, &tick) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		p->sigs[i] = evsignal_new(p->base, sigs[i], on_signal, p);
		if (p->sigs[i] == NULL || event_add(p->sigs[i], NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct peer p;
	static struct conf_mem mem;
	struct ike_tunnel_conf conf;
	struct secbuf *psk = NULL;
	struct diag d;
	int rc = 1;

	p.o = (struct opts){ .name = "t",
		.initiator = true,
		.ike_lifetime = 14400,
		.child_lifetime = 3600,
		.dpd_action = IKE_DPD_CLEAR };
	/* SPIs differ from run to run, so that one run's log lines are
	 * not mistaken for another's. */
	p.k.next_spi = 0xc0000000u | ((uint32_t)getpid() & 0xffff) << 8;
	p.k.min_held = UINT_MAX;
	if (parse_args(argc, argv, &p.o) < 0)
		return 2;
	log_set_sink(log_sink, NULL);
	log_set_level(p.o.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	diag_init(&d);
	if ((psk = secbuf_from_str(p.o.psk)) == NULL ||
	    conf_build(&p.o, &mem, psk, &conf) < 0)
		goto out;
	if (peer_open(&p, &conf.local_addr, &d) < 0 ||
	    ike_tunnel_add(p.e, &conf, &d) < 0) {
		log_diag(&d);
		log_err("peer", "cannot start tunnel %s", p.o.name);
		goto out;
	}
	log_diag(&d);
	settle(&p);
	event_base_dispatch(p.base);
	state_write(&p);
	rc = 0;
out:
	diag_clear(&d);
	ike_engine_free(p.e);
	ike_net_udp_close(p.udp);
	if (p.timer != NULL)
		event_free(p.timer);
	if (p.tick != NULL)
		event_free(p.tick);
	for (size_t i = 0; i < sizeof(p.sigs) / sizeof(p.sigs[0]); i++)
		if (p.sigs[i] != NULL)
			event_free(p.sigs[i]);
	if (p.base != NULL)
		event_base_free(p.base);
	secbuf_free(psk);
	return rc;
}
