/*
 * ike/status.c: what the show commands read: tunnel state, IKE and CHILD
 * SAs with their algorithms and timers, counters from the kernel, and the
 * names of states, events and transforms.  Reads only; changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

const char *
ike_tunnel_state_name(enum ike_tunnel_state s)
{
	static const char *const names[] = {
		[IKE_TUNNEL_DOWN] = "down",
		[IKE_TUNNEL_CONNECTING] = "connecting",
		[IKE_TUNNEL_UP] = "up",
		[IKE_TUNNEL_WAITING] = "waiting for peer",
		[IKE_TUNNEL_DISABLED] = "disabled",
		[IKE_TUNNEL_NO_CHILD] = "IKE up, no CHILD SA",
	};

	return s <= IKE_TUNNEL_NO_CHILD ? names[s] : "?";
}

const char *
ike_event_name(enum ike_event ev)
{
	static const char *const names[IKE_EV_COUNT] = {
		[IKE_EV_ESTABLISHED] = "IKE SA established",
		[IKE_EV_CHILD_UP] = "CHILD SA up",
		[IKE_EV_CHILD_REKEYED] = "CHILD SA rekeyed",
		[IKE_EV_IKE_REKEYED] = "IKE SA rekeyed",
		[IKE_EV_REAUTHENTICATED] = "reauthenticated",
		[IKE_EV_DELETED_BY_PEER] = "deleted by peer",
		[IKE_EV_AUTH_FAILED] = "authentication failed",
		[IKE_EV_NO_PROPOSAL] = "no proposal chosen",
		[IKE_EV_TS_UNACCEPTABLE] = "traffic selectors unacceptable",
		[IKE_EV_NO_RESPONSE] = "no response from peer",
		[IKE_EV_INVALID_KE] = "DH group changed",
		[IKE_EV_DPD_TIMEOUT] = "DPD timeout",
		[IKE_EV_DPD_ACTION] = "DPD action",
		[IKE_EV_PEER_MOVED] = "peer moved",
		[IKE_EV_KERNEL_ERROR] = "kernel error",
		[IKE_EV_ACQUIRE] = "traffic triggered negotiation",
		[IKE_EV_TS_NARROWED] = "traffic selectors narrowed",
		[IKE_EV_RESOLVE_FAILED] = "cannot resolve peer",
	};

	return ev < IKE_EV_COUNT ? names[ev] : "?";
}

/* IANA names, as strongSwan and iked print them. */
static const char *
transform_name(uint8_t type, uint16_t id, uint16_t bits, char *buf, size_t len)
{
	static const struct {
		uint8_t type;
		uint16_t id;
		const char *name;
	} names[] = {
		{ IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, "AES_CBC" },
		{ IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, "AES_GCM_16" },
		{ IKE_TRANS_ENCR, IKE_ENCR_CHACHA20_POLY1305,
		    "CHACHA20_POLY1305" },
		{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA1, "PRF_HMAC_SHA1" },
		{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256" },
		{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384" },
		{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512" },
		{ IKE_TRANS_INTEG, IKE_AUTH_HMAC_SHA1_96, "HMAC_SHA1_96" },
		{ IKE_TRANS_INTEG, IKE_AUTH_HMAC_SHA2_256_128,
		    "HMAC_SHA2_256_128" },
		{ IKE_TRANS_INTEG, IKE_AUTH_HMAC_SHA2_384_192,
		    "HMAC_SHA2_384_192" },
		{ IKE_TRANS_INTEG, IKE_AUTH_HMAC_SHA2_512_256,
		    "HMAC_SHA2_512_256" },
		{ IKE_TRANS_DH, IKE_DH_MODP_2048, "MODP_2048" },
		{ IKE_TRANS_DH, IKE_DH_MODP_3072, "MODP_3072" },
		{ IKE_TRANS_DH, IKE_DH_MODP_4096, "MODP_4096" },
		{ IKE_TRANS_DH, IKE_DH_ECP_256, "ECP_256" },
		{ IKE_TRANS_DH, IKE_DH_ECP_384, "ECP_384" },
		{ IKE_TRANS_DH, IKE_DH_ECP_521, "ECP_521" },
		{ IKE_TRANS_DH, IKE_DH_CURVE25519, "CURVE_25519" },
		{ IKE_TRANS_ESN, IKE_ESN_NONE, "NO_EXT_SEQ" },
		{ IKE_TRANS_ESN, IKE_ESN_EXTENDED, "EXT_SEQ" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type && names[i].id == id) {
			if (bits)
				snprintf(buf, len, "%s_%u", names[i].name,
				    bits);
			else
				snprintf(buf, len, "%s", names[i].name);
			return buf;
		}
	snprintf(buf, len, "%u:%u", type, id);
	return buf;
}

/* "AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519, ..." for messages. */
void
ike_offers_format(const struct ike_sa_payload *sa, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sa->n_proposals && at < len; i++) {
		const struct ike_proposal *p = &sa->proposals[i];

		for (size_t j = 0; j < p->n_transforms && at < len; j++) {
			char name[40];

			if (p->transforms[j].type == IKE_TRANS_ESN)
				continue;
			transform_name(p->transforms[j].type,
			    p->transforms[j].id, p->transforms[j].keylen, name,
			    sizeof(name));
			at += (size_t)snprintf(buf + at, len - at, "%s%s",
			    j ? "/" : (i ? ", " : ""), name);
		}
	}
	if (at == 0)
		snprintf(buf, len, "nothing");
}

static uint64_t
left(const struct ike_engine *e, const struct ike_timer *t)
{
	uint64_t now = engine_now(e);

	if (!timer_armed(t))
		return 0;
	return t->at > now ? (t->at - now + 999) / 1000 : 1;
}

static void
ike_algs(const struct ike_sa *sa, char *buf, size_t len)
{
	char a[24], b[24], c[24], d[24];

	if (sa->encr == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	transform_name(IKE_TRANS_ENCR, sa->encr->id, sa->encr->key_bits, a,
	    sizeof(a));
	transform_name(IKE_TRANS_PRF, sa->prf->id, 0, b, sizeof(b));
	transform_name(IKE_TRANS_DH, sa->dh_group, 0, d, sizeof(d));
	if (sa->integ != NULL)
		snprintf(buf, len, "%s/%s/%s/%s", a,
		    transform_name(IKE_TRANS_INTEG, sa->integ->id, 0, c,
			sizeof(c)),
		    b, d);
	else
		snprintf(buf, len, "%s/%s/%s", a, b, d);
}

static enum ike_tunnel_state
tunnel_state(const struct ike_tunnel *t)
{
	bool connecting = false, no_child = false;

	if (!t->conf.enable)
		return IKE_TUNNEL_DISABLED;
	for (const struct ike_sa *sa = t->sas; sa; sa = sa->tnext) {
		bool up = sa->state == SA_ESTABLISHED ||
		    sa->state == SA_REKEYED;

		if (up && sa->children != NULL)
			return IKE_TUNNEL_UP;
		/* Up, but the peer refused the CHILD SA (or we did): the
		 * last error says why; nothing is on its way. */
		if (up && sa->req.kind != REQ_CHILD_CREATE)
			no_child = true;
		else if (sa->state != SA_DEAD && sa->state != SA_DELETING)
			connecting = true;
	}
	if (connecting)
		return IKE_TUNNEL_CONNECTING;
	if (no_child)
		return IKE_TUNNEL_NO_CHILD;
	return t->conf.initiator && !t->dpd_cleared ? IKE_TUNNEL_DOWN :
						      IKE_TUNNEL_WAITING;
}

/* Seconds until the SAs of the previous configuration end at most. */
static uint64_t
previous_left(const struct ike_engine *e, const struct ike_sa *old)
{
	uint64_t least = left(e, &old->expire_timer);

	for (const struct child_sa *c = old->children; c; c = c->next) {
		uint64_t l = left(e, &c->expire_timer);

		if (l != 0 && (least == 0 || l < least))
			least = l;
	}
	return least;
}

/* A commit's reauthentication not done yet: the SAs in use are old. */
static void
previous_of(const struct ike_engine *e, const struct ike_tunnel *t,
    struct ike_tunnel_status *out)
{
	const struct ike_sa *old = ike_reauth_old(t);

	if (old == NULL || !t->reauth_commit)
		return;
	out->previous_config = true;
	out->previous_expires = previous_left(e, old);
	snprintf(out->previous_error, sizeof(out->previous_error), "%s",
	    ike_reauth_failed(t) ? tunnel_reauth_error(t) : "");
	if (out->established != 0)
		return;
	out->initiator_role = old->initiator;
	out->local = old->local;
	out->remote = old->remote;
	out->natt = ike_sa_nat(old);
	out->established = old->established_wall;
}

int
ike_tunnel_status(const struct ike_engine *e, const char *name,
    struct ike_tunnel_status *out)
{
	const struct ike_tunnel *t = tunnel_by_name(e, name);

	if (t == NULL)
		return -ENOENT;
	*out = (struct ike_tunnel_status){ 0 };
	tunnel_log_status(t, out);
	out->dpd = t->dpd;
	out->deleted_in.bytes = t->deleted_in.bytes;
	out->deleted_in.packets = t->deleted_in.packets;
	out->deleted_out.bytes = t->deleted_out.bytes;
	out->deleted_out.packets = t->deleted_out.packets;
	out->name = t->conf.name;
	out->state = tunnel_state(t);
	out->local = (struct ike_endpoint){ t->conf.local_addr, IKE_PORT };
	out->remote = (struct ike_endpoint){ t->conf.remote_addr, IKE_PORT };
	for (const struct ike_sa *sa = t->sas; sa; sa = sa->tnext) {
		out->n_ike_sas++;
		for (const struct child_sa *c = sa->children; c; c = c->next)
			out->n_child_sas++;
		if (sa->state != SA_ESTABLISHED)
			continue;
		out->initiator_role = sa->initiator;
		out->local = sa->local;
		out->remote = sa->remote;
		out->natt = ike_sa_nat(sa);
		out->behind_nat = sa->nat_local;
		out->peer_behind_nat = sa->nat_remote;
		out->established = sa->established_wall;
		out->n_not_carried = child_pairs_missing(t, sa,
		    out->not_carried, IKE_STATUS_NETS);
	}
	out->ts_per_pair = t->conf.ts_per_pair;
	previous_of(e, t, out);
	return 0;
}

void
ike_sa_each(const struct ike_engine *e, const char *name,
    void (*fn)(void *arg, const struct ike_sa_status *s), void *arg)
{
	/* One tunnel by its hash, not a walk: show commands ask for each
	 * tunnel in turn, and a walk each time is quadratic. */
	for (const struct ike_tunnel *t = name ? tunnel_by_name(e, name) :
						 e->tunnels;
	     t; t = name ? NULL : t->next) {
		for (const struct ike_sa *sa = t->sas; sa; sa = sa->tnext) {
			struct ike_sa_status s = {
				.tunnel = t->conf.name,
				.spi_i = sa->spi_i,
				.spi_r = sa->spi_r,
				.initiator = sa->initiator,
				.state = ike_sa_state_name(sa->state),
				.local = sa->local,
				.remote = sa->remote,
				.established = sa->established_wall,
				.rekey_in = left(e, &sa->rekey_timer),
				.expires = left(e, &sa->expire_timer),
			};

			ike_algs(sa, s.algs, sizeof(s.algs));
			fn(arg, &s);
		}
	}
}

static void
child_algs(const struct child_sa *c, char *buf, size_t len)
{
	char a[24], b[24];

	transform_name(IKE_TRANS_ENCR, c->encr, c->encr_bits, a, sizeof(a));
	if (c->integ)
		snprintf(buf, len, "%s/%s", a,
		    transform_name(IKE_TRANS_INTEG, c->integ, 0, b, sizeof(b)));
	else
		snprintf(buf, len, "%s", a);
}

/* The smallest prefix that covers a range (exact for ranges made from
 * prefixes, which is what tunnels negotiate). */
static struct ipaddr
ts_prefix(const struct ike_ts *ts, size_t n)
{
	struct ipaddr p = { 0 };

	if (n > 0)
		ipaddr_cover(&ts->start, &ts->end, &p);
	return p;
}

void
ike_child_each(const struct ike_engine *e, const char *name,
    void (*fn)(void *arg, const struct ike_child_status *s), void *arg)
{
	/* One tunnel by its hash, not a walk: show commands ask for each
	 * tunnel in turn, and a walk each time is quadratic. */
	for (const struct ike_tunnel *t = name ? tunnel_by_name(e, name) :
						 e->tunnels;
	     t; t = name ? NULL : t->next) {
		for (const struct ike_sa *sa = t->sas; sa; sa = sa->tnext)
			for (const struct child_sa *c = sa->children; c;
			     c = c->next) {
				struct ike_child_status s = {
					.tunnel = t->conf.name,
					.spi_in = c->spi_in,
					.spi_out = c->spi_out,
					.local_ts =
					    ts_prefix(c->ts, c->n_local),
					.remote_ts = ts_prefix(
					    c->ts + c->n_local, c->n_remote),
					.natt = c->natt,
					.installed = c->installed_wall,
					.rekey_in = left(e, &c->rekey_timer),
					.expires = left(e, &c->expire_timer),
				};

				child_algs(c, s.algs, sizeof(s.algs));
				for (size_t i = 0;
				     i < c->n_local && i < IKE_STATUS_NETS; i++)
					s.local_nets[s.n_local_nets++] =
					    ts_prefix(&c->ts[i], 1);
				for (size_t i = 0;
				     i < c->n_remote && i < IKE_STATUS_NETS;
				     i++)
					s.remote_nets[s.n_remote_nets++] =
					    ts_prefix(&c->ts[c->n_local + i],
						1);
				e->p.kernel->sa_query(e->p.kernel_arg,
				    &sa->local.addr, c->spi_in, &s.in);
				e->p.kernel->sa_query(e->p.kernel_arg,
				    &sa->remote.addr, c->spi_out, &s.out);
				fn(arg, &s);
			}
	}
}

int
ike_tunnel_traffic(const struct ike_engine *e, const char *name,
    struct ike_tunnel_traffic *out)
{
	const struct ike_tunnel *t = tunnel_by_name(e, name);

	if (t == NULL)
		return -ENOENT;
	*out = t->traffic;
	return 0;
}

const struct ike_event_record *
ike_status_event(const struct ike_tunnel_status *st, enum ike_event ev)
{
	for (size_t i = 0; i < st->n_events; i++)
		if (st->events[i].ev == ev)
			return &st->events[i];
	return NULL;
}
