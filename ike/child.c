/*
 * ike/child.c: CHILD SAs: our ESP offers and traffic selectors, the keying
 * material (RFC 7296 2.17) and its installation through the kernel ops,
 * and CREATE_CHILD_SA (1.3) for CHILD rekeys with the collision rule of
 * 2.8.1.  IKE SA rekeying lives in rekey.c.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

/* IANA transform id -> the kernel's algorithm name (the ESP side). */
struct xfrm_alg {
	uint8_t type;
	uint16_t id;
	const char *name;
	unsigned bits; /* AEAD: ICV bits; integrity: truncation bits */
};

static const struct xfrm_alg xfrm_algs[] = {
	{ IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, "cbc(aes)", 0 },
	{ IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, "rfc4106(gcm(aes))", 128 },
	{ IKE_TRANS_ENCR, IKE_ENCR_CHACHA20_POLY1305,
	    "rfc7539esp(chacha20,poly1305)", 128 },
	{ IKE_TRANS_INTEG, IKE_AUTH_HMAC_SHA1_96, "hmac(sha1)", 96 },
	{ IKE_TRANS_INTEG, IKE_AUTH_HMAC_SHA2_256_128, "hmac(sha256)", 128 },
	{ IKE_TRANS_INTEG, IKE_AUTH_HMAC_SHA2_384_192, "hmac(sha384)", 192 },
	{ IKE_TRANS_INTEG, IKE_AUTH_HMAC_SHA2_512_256, "hmac(sha512)", 256 },
};

static const struct xfrm_alg *
xfrm_alg(uint8_t type, uint16_t id)
{
	for (size_t i = 0; i < sizeof(xfrm_algs) / sizeof(xfrm_algs[0]); i++)
		if (xfrm_algs[i].type == type && xfrm_algs[i].id == id)
			return &xfrm_algs[i];
	return NULL;
}

/* Our ESP proposals (RFC 7296 3.3.3: ENCR, [INTEG], [DH], ESN). */
void
child_offer(const struct ike_tunnel *t, bool with_dh, uint32_t spi,
    struct ike_sa_payload *out)
{
	uint32_t nspi = htobe32(spi);

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < t->conf.n_esp && i < IKE_MAX_PROPOSALS; i++) {
		const struct ike_algs *a = &t->conf.esp[i];
		struct ike_proposal *p = &out->proposals[out->n_proposals++];
		size_t n = 0;

		p->num = (uint8_t)(i + 1);
		p->protocol = IKE_PROTO_ESP;
		p->spi_size = 4;
		memcpy(p->spi, &nspi, 4);
		for (size_t j = 0; j < a->n_encr; j++)
			p->transforms[n++] =
			    (struct ike_transform){ IKE_TRANS_ENCR, a->encr[j],
				    a->encr_bits[j] };
		for (size_t j = 0; j < a->n_integ; j++)
			p->transforms[n++] =
			    (struct ike_transform){ IKE_TRANS_INTEG,
				    a->integ[j], 0 };
		for (size_t j = 0; with_dh && j < a->n_dh; j++)
			p->transforms[n++] =
			    (struct ike_transform){ IKE_TRANS_DH, a->dh[j], 0 };
		p->transforms[n++] =
		    (struct ike_transform){ IKE_TRANS_ESN, 0, 0 };
		p->n_transforms = n;
	}
}

/* In IKE_AUTH the CHILD SA uses the IKE SA's key exchange: DH transforms
 * are ignored there (RFC 7296 1.2), so we drop them before choosing. */
void
child_strip_dh(struct ike_sa_payload *sa)
{
	for (size_t i = 0; i < sa->n_proposals; i++) {
		struct ike_proposal *p = &sa->proposals[i];
		size_t n = 0;

		for (size_t j = 0; j < p->n_transforms; j++)
			if (p->transforms[j].type != IKE_TRANS_DH)
				p->transforms[n++] = p->transforms[j];
		p->n_transforms = n;
	}
}

static void
ts_of(const struct ike_ts *ts, size_t n, struct ike_ts_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n && i < IKE_MAX_TS; i++)
		out->ts[out->n++] = ts[i];
}

static void
ts_from(const struct ipaddr *nets, size_t n, struct ike_ts_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n && i < IKE_MAX_TS; i++) {
		struct ike_ts *ts = &out->ts[out->n++];

		ts->end_port = 65535;
		ipaddr_range(&nets[i], &ts->start, &ts->end);
	}
}

/*
 * The whole space of each family a route-based tunnel carries: those of
 * its networks (the routes through it), IPv4 alone when it has none.
 */
size_t
child_route_any(const struct ike_tunnel_conf *c, struct ipaddr out[2])
{
	bool v4 = false, v6 = false;
	size_t n = 0;

	for (size_t i = 0; i < c->n_local + c->n_remote; i++) {
		const struct ipaddr *a = i < c->n_local ?
		    &c->local_nets[i] :
		    &c->remote_nets[i - c->n_local];

		v4 |= a->family == AF_INET;
		v6 |= a->family == AF_INET6;
	}
	memset(out, 0, 2 * sizeof(*out));
	if (v4 || !v6)
		out[n++].family = AF_INET;
	if (v6)
		out[n++].family = AF_INET6;
	return n;
}

/* Route-based tunnels carry anything (0.0.0.0/0, ::/0); routes pick
 * traffic. */
void
child_ts(const struct ike_tunnel *t, struct ike_ts_payload *local,
    struct ike_ts_payload *remote)
{
	if (t->conf.route_based) {
		struct ipaddr any[2];
		size_t n = child_route_any(&t->conf, any);

		ts_from(any, n, local);
		ts_from(any, n, remote);
		return;
	}
	ts_from(t->conf.local_nets, t->conf.n_local, local);
	ts_from(t->conf.remote_nets, t->conf.n_remote, remote);
}

static int child_request(struct ike_engine *e, struct ike_sa *sa,
    struct child_sa *c, size_t pair);

/* The pairs of networks a tunnel has: one when route-based. */
size_t
child_pairs(const struct ike_tunnel *t)
{
	return t->conf.route_based ? 1 : t->conf.n_local * t->conf.n_remote;
}

/* Does one of the selectors ts[0..n) take in all of net? */
static bool
ts_covers(const struct ike_ts *ts, size_t n, const struct ipaddr *net)
{
	struct ipaddr first, last;

	ipaddr_range(net, &first, &last);
	for (size_t i = 0; i < n; i++)
		if (ts[i].start.family == net->family &&
		    memcmp(ts[i].start.bytes, first.bytes, 16) <= 0 &&
		    memcmp(ts[i].end.bytes, last.bytes, 16) >= 0 &&
		    ts[i].start_port == 0 && ts[i].end_port == 65535 &&
		    ts[i].ip_proto == 0)
			return true;
	return false;
}

/* Does a CHILD SA of sa carry pair k (local k / n_remote, remote k %)? */
static bool
pair_carried(const struct ike_tunnel *t, const struct ike_sa *sa, size_t k)
{
	const struct ipaddr *l = &t->conf.local_nets[k / t->conf.n_remote];
	const struct ipaddr *r = &t->conf.remote_nets[k % t->conf.n_remote];

	for (const struct child_sa *c = sa->children; c; c = c->next)
		if (c->state != CHILD_DELETING &&
		    ts_covers(c->ts, c->n_local, l) &&
		    ts_covers(c->ts + c->n_local, c->n_remote, r))
			return true;
	return false;
}

/* The pairs no CHILD SA of sa carries, the first max into out; all
 * counted.  Route-based tunnels carry everything or nothing. */
size_t
child_pairs_missing(const struct ike_tunnel *t, const struct ike_sa *sa,
    struct ike_net_pair *out, size_t max)
{
	size_t n = 0;

	if (t->conf.route_based)
		return 0;
	for (size_t k = 0; k < child_pairs(t); k++) {
		if (pair_carried(t, sa, k))
			continue;
		if (n < max)
			out[n] = (struct ike_net_pair){
				t->conf.local_nets[k / t->conf.n_remote],
				t->conf.remote_nets[k % t->conf.n_remote],
			};
		n++;
	}
	return n;
}

/*
 * What we offer for a new CHILD SA: with per-pair, pair k alone; else
 * all our networks.
 */
static void
child_ts_pair(const struct ike_tunnel *t, size_t k,
    struct ike_ts_payload *local, struct ike_ts_payload *remote)
{
	if (!t->conf.ts_per_pair || t->conf.route_based ||
	    k >= child_pairs(t)) {
		child_ts(t, local, remote);
		return;
	}
	ts_from(&t->conf.local_nets[k / t->conf.n_remote], 1, local);
	ts_from(&t->conf.remote_nets[k % t->conf.n_remote], 1, remote);
}

void
child_ts_first(const struct ike_tunnel *t, struct ike_ts_payload *local,
    struct ike_ts_payload *remote)
{
	child_ts_pair(t, 0, local, remote);
}

/*
 * After IKE_AUTH, the engine's next work with per-pair: the next pair no
 * CHILD SA carries, each pair tried once per IKE SA (a refused one stays
 * refused until the next IKE SA).  Only the IKE SA's initiator does it,
 * so that two per-pair ends do not both create each pair.  Returns
 * whether a request went out.
 */
bool
child_next_pair(struct ike_engine *e, struct ike_sa *sa)
{
	const struct ike_tunnel *t = sa->t;

	if (!t->conf.ts_per_pair || t->conf.route_based || !sa->initiator)
		return false;
	while (sa->next_pair < child_pairs(t)) {
		size_t k = sa->next_pair++;

		if (pair_carried(t, sa, k))
			continue;
		if (child_request(e, sa, NULL, k) == 0)
			return true;
	}
	return false;
}

/*
 * Combined selectors and a peer that took only part of them (Azure
 * policy-based, Cisco ASA: one pair): what is left out would be held by
 * its policies with no SA.  Said once per new CHILD SA we asked for.
 */
void
child_narrow_check(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_tunnel *t = sa->t;
	struct ike_net_pair first;
	size_t n = child_pairs_missing(t, sa, &first, 1);
	char l[IPADDR_STRLEN], r[IPADDR_STRLEN];

	if (n == 0 || t->conf.ts_per_pair)
		return;
	ipaddr_format_prefix(&first.local, l, sizeof(l));
	ipaddr_format_prefix(&first.remote, r, sizeof(r));
	tunnel_event(e, t, IKE_EV_TS_NARROWED,
	    "the peer narrowed our offer: %zu of %zu pairs of networks not "
	    "carried (first %s <-> %s): set traffic-selectors per-pair",
	    n, child_pairs(t), l, r);
}

static void
child_rekey_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct child_sa *c = (struct child_sa *)((char *)tm -
	    offsetof(struct child_sa, rekey_timer));

	c->want_rekey = true;
	ike_sa_kick(e, c->ike);
}

/* The hard lifetime: the SA goes, with a Delete if the window allows. */
static void
child_expire_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct child_sa *c = (struct child_sa *)((char *)tm -
	    offsetof(struct child_sa, expire_timer));
	struct ike_sa *sa = c->ike;

	if (sa->req.kind == REQ_NONE && sa->state == SA_ESTABLISHED) {
		info_delete_child(e, c);
		return;
	}
	child_unlink(sa, c);
	child_free(e, c, true);
}

void
child_timers_start(struct ike_engine *e, struct child_sa *c)
{
	const struct ike_tunnel *t = c->ike->t;
	uint64_t now = engine_now(e), ms, r;

	if (t == NULL || t->conf.child_lifetime == 0)
		return;
	ms = (uint64_t)t->conf.child_lifetime * 1000;
	if (t->conf.rekey) {
		/* Jitter, as for the IKE SA: 80-90 % of the lifetime. */
		engine_random(e, &r, sizeof(r));
		timer_arm(e, &c->rekey_timer,
		    now + ms * 9 / 10 - (ms / 10 ? r % (ms / 10) : 0));
	}
	timer_arm(e, &c->expire_timer, now + ms);
}

/* The one selector ts[0..n) as a prefix, any port and protocol. */
static bool
ts_prefix(const struct ike_ts *ts, size_t n, struct ipaddr *out)
{
	return n == 1 && ts->start_port == 0 && ts->end_port == 65535 &&
	    ts->ip_proto == 0 &&
	    ipaddr_from_range(&ts->start, &ts->end, out) == 0;
}

/* One direction of an ESP SA into the kernel. */
static int
install_one(struct ike_engine *e, const struct child_sa *c, bool inbound,
    const struct secbuf *ek, const struct secbuf *ak, struct diag *d)
{
	const struct ike_sa *sa = c->ike;
	const struct ike_tunnel *t = sa->t;
	const struct xfrm_alg *en = xfrm_alg(IKE_TRANS_ENCR, c->encr);
	const struct xfrm_alg *in =
	    c->integ ? xfrm_alg(IKE_TRANS_INTEG, c->integ) : NULL;
	struct kernel_sa k = {
		.src = inbound ? sa->remote.addr : sa->local.addr,
		.dst = inbound ? sa->local.addr : sa->remote.addr,
		.spi = inbound ? c->spi_in : c->spi_out,
		.reqid = c->reqid,
		.enc_alg = en->name,
		.enc_key = ek,
		.icv_bits = en->bits,
		.auth_alg = in ? in->name : NULL,
		.auth_key = ak,
		.trunc_bits = in ? in->bits : 0,
		.replay_window = inbound ? t->conf.replay_window : 0,
		.encap = c->natt,
		.encap_sport = inbound ? sa->remote.port : sa->local.port,
		.encap_dport = inbound ? sa->local.port : sa->remote.port,
		.mark = t->conf.mark,
		.mark_mask = t->conf.mark ? 0xffffffff : 0,
		.if_id = t->conf.if_id,
		.soft_secs = KERNEL_LIFE_INF,
		/* Our timers rekey and delete; the kernel's hard limit is
		 * a backstop should tunshd itself be gone. */
		.hard_secs = t->conf.child_lifetime ?
		    (uint64_t)t->conf.child_lifetime + 60 :
		    KERNEL_LIFE_INF,
	};
	struct ipaddr l, r;

	/*
	 * A CHILD SA of one pair says so in its selector: the kernel then
	 * sends a pair's traffic on that pair's SA (xfrm_state_find skips
	 * SAs whose selector does not match the flow) and drops what comes
	 * in on the SA of another pair.  Several CHILD SAs of a tunnel
	 * share its policies' reqid, so without it the newest SA would
	 * carry every pair.  Several selectors: any (0.0.0.0/0).
	 */
	if (ts_prefix(c->ts, c->n_local, &l) &&
	    ts_prefix(c->ts + c->n_local, c->n_remote, &r)) {
		k.sel_src = *(inbound ? &r : &l);
		k.sel_dst = *(inbound ? &l : &r);
	}

	return e->p.kernel->sa_add(e->p.kernel_arg, &k, d);
}

/*
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (2.17): the keys of the
 * direction initiator -> responder first, encryption before integrity.
 * "Initiator" is whoever started the exchange that made this CHILD SA.
 */
static int
install_keys(struct ike_engine *e, struct child_sa *c,
    const struct secbuf *g_ir, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, bool hold_out, struct diag *d)
{
	const struct ike_sa *sa = c->ike;
	const struct ike_encr_alg *en = ike_encr_alg(c->encr, c->encr_bits);
	const struct ike_integ_alg *in = c->integ ? ike_integ_alg(c->integ) :
						    NULL;
	size_t el = en->key_len, al = in ? in->key_len : 0, dir = el + al;
	struct secbuf *km = ike_child_keymat(sa->prf, sa->keys.sk_d, g_ir, ni,
	    ni_len, nr, nr_len, 2 * dir);
	struct secbuf *k[4] = { NULL };
	size_t out = c->created_by_us ? 0 : dir,
	       inb = c->created_by_us ? dir : 0;
	int rc = -ENOMEM;

	if (km == NULL)
		return -ENOMEM;
	k[0] = secbuf_from(km->data + inb, el);
	k[1] = al ? secbuf_from(km->data + inb + el, al) : NULL;
	k[2] = secbuf_from(km->data + out, el);
	k[3] = al ? secbuf_from(km->data + out + el, al) : NULL;
	if (k[0] == NULL || k[2] == NULL || (al && (!k[1] || !k[3])))
		goto out;
	if ((rc = install_one(e, c, true, k[0], k[1], d)) < 0)
		goto out;
	if (hold_out) {
		c->out_ek = k[2];
		c->out_ak = k[3];
		k[2] = k[3] = NULL;
		c->out_pending = true;
		goto out;
	}
	if ((rc = install_one(e, c, false, k[2], k[3], d)) < 0)
		e->p.kernel->sa_del(e->p.kernel_arg, &sa->local.addr,
		    c->spi_in);
out:
	for (size_t i = 0; i < 4; i++)
		secbuf_free(k[i]);
	secbuf_free(km);
	return rc;
}

/*
 * TS_UNACCEPTABLE: the peer refused the networks we offered.  libreswan
 * refuses a TS payload of 16 selectors or more whatever they are (its
 * "hardwired max"), so an offer that large is named as a likely cause.
 */
void
child_ts_refused(struct ike_engine *e, struct ike_tunnel *t,
    const struct ike_req_sel *sel)
{
	size_t n = sel ? sel->ts_local.n : 0;

	if (sel != NULL && sel->ts_remote.n > n)
		n = sel->ts_remote.n;
	tunnel_error(e, t, IKE_EV_TS_UNACCEPTABLE,
	    "the peer refused our networks: check local and remote "
	    "networks on both ends%s",
	    n >= 16 ? "; we offered 16 or more on one side, which "
		      "libreswan refuses: use fewer, wider networks or "
		      "traffic-selectors per-pair" :
		      "");
}

/*
 * RFC 7296 2.8: the responder of a rekey must not send on the new SA
 * before the initiator has it, and the initiator has it only once our
 * answer arrives.  Sending at once (the kernel picks the newest outbound
 * SA) loses what crosses the answer on the wire.  So the new inbound SA
 * goes in at once, the outbound one when the old SA goes: the
 * initiator's Delete of it, or its expiry, as strongSwan does.
 */
void
child_out_release(struct ike_engine *e, struct child_sa *c)
{
	struct diag d;
	int rc;

	if (!c->out_pending)
		return;
	diag_init(&d);
	rc = install_one(e, c, false, c->out_ek, c->out_ak, &d);
	if (rc < 0)
		tunnel_error(e, c->ike->t, IKE_EV_KERNEL_ERROR,
		    "the kernel refused the outbound SA %08x: %s", c->spi_out,
		    d.count ? d.entries[0].text : strerror(-rc));
	diag_clear(&d);
	secbuf_free(c->out_ek);
	secbuf_free(c->out_ak);
	c->out_ek = c->out_ak = NULL;
	c->out_pending = false;
}

/* A negotiated CHILD SA into the kernel and the SA's list.  Long: it
 * copies what was chosen field by field, and a kernel refusal must undo
 * exactly what was made so far. */
int
child_install(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_proposal *chosen, uint32_t spi_in,
    const struct ike_ts_payload *ts_local,
    const struct ike_ts_payload *ts_remote, const struct secbuf *g_ir,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    enum child_origin origin, struct child_sa **outp)
{
	bool by_us = origin == CHILD_BY_US;
	const struct ike_transform *en =
	    ike_proposal_get(chosen, IKE_TRANS_ENCR);
	const struct ike_transform *in =
	    ike_proposal_get(chosen, IKE_TRANS_INTEG);
	const struct ike_transform *dh = ike_proposal_get(chosen, IKE_TRANS_DH);
	struct child_sa *c;
	uint32_t spi_out;
	struct diag d;
	int rc;

	if (en == NULL || chosen->spi_size != 4 ||
	    ike_encr_alg(en->id, en->keylen) == NULL ||
	    xfrm_alg(IKE_TRANS_ENCR, en->id) == NULL ||
	    (in != NULL &&
		(ike_integ_alg(in->id) == NULL ||
		    xfrm_alg(IKE_TRANS_INTEG, in->id) == NULL)))
		return -ENOTSUP;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	memcpy(&spi_out, chosen->spi, 4);
	c->ike = sa;
	c->spi_in = spi_in;
	c->spi_out = be32toh(spi_out);
	c->reqid = sa->t->reqid;
	c->encr = en->id;
	c->encr_bits = en->keylen;
	c->integ = in ? in->id : 0;
	c->dh = dh ? dh->id : 0;
	c->n_local = (uint8_t)ts_local->n;
	c->n_remote = (uint8_t)ts_remote->n;
	c->ts = calloc(ts_local->n + ts_remote->n, sizeof(*c->ts));
	if (c->ts == NULL) {
		free(c);
		return -ENOMEM;
	}
	memcpy(c->ts, ts_local->ts, ts_local->n * sizeof(*c->ts));
	memcpy(c->ts + c->n_local, ts_remote->ts,
	    ts_remote->n * sizeof(*c->ts));
	c->natt = ike_sa_nat(sa);
	c->created_by_us = by_us;
	nonce_min_keep(c->min_nonce, &c->min_nonce_len, ni, ni_len, nr, nr_len);
	timer_init(&c->rekey_timer, child_rekey_timer);
	timer_init(&c->expire_timer, child_expire_timer);
	diag_init(&d);
	if ((rc = install_keys(e, c, g_ir, ni, ni_len, nr, nr_len,
		 origin == CHILD_BY_PEER_REKEY, &d)) < 0) {
		tunnel_error(e, sa->t, IKE_EV_KERNEL_ERROR,
		    "the kernel refused the CHILD SA: %s",
		    d.count ? d.entries[0].text : strerror(-rc));
		diag_clear(&d);
		free(c->ts);
		free(c);
		return rc;
	}
	diag_clear(&d);
	c->installed_wall = engine_wall(e);
	c->installed_ms = engine_now(e);
	hmap_insert(&e->child_in, &c->in_node, hash_u64(c->spi_in));
	hmap_insert(&e->child_out, &c->out_node, hash_u64(c->spi_out));
	c->filed = true;
	c->next = sa->children;
	sa->children = c;
	e->c.child_sas++;
	child_timers_start(e, c);
	/* The tunnel works: the next failure starts its backoff afresh.
	 * (Not at IKE_AUTH: a peer refusing our networks would otherwise
	 * be asked again every second.) */
	sa->t->restart_backoff = 0;
	sa->t->acquired_ms = 0; /* what the traffic asked for is there */
	tunnel_error_clear(sa->t);
	tunnel_event(e, sa->t, IKE_EV_CHILD_UP,
	    "CHILD SA up: SPIs %08x in, %08x out", c->spi_in, c->spi_out);
	child_carrier_check(e, sa->t);
	*outp = c;
	return 0;
}

/*
 * Counted over every IKE SA of the tunnel, whatever their states: a
 * rekeyed or reauthenticated SA's CHILD SAs are still in the kernel and
 * carry traffic until they go, and the new ones are installed first, so
 * a rekey never reads as down.
 */
void
child_carrier_check(struct ike_engine *e, struct ike_tunnel *t)
{
	bool up = false;

	if (t == NULL)
		return;
	for (const struct ike_sa *sa = t->sas; sa && !up; sa = sa->tnext)
		up = sa->children != NULL;
	if (up == t->carrying)
		return;
	t->carrying = up;
	if (e->p.carrier != NULL)
		e->p.carrier(e->p.carrier_arg, t->conf.name, up,
		    engine_wall(e));
}

static const char *const child_state_names[CHILD_STATE_COUNT] = {
	[CHILD_INSTALLED] = "installed",
	[CHILD_REKEYING] = "rekeying",
	[CHILD_REKEYED] = "rekeyed",
	[CHILD_DELETING] = "deleting",
};

#define S(x) (1u << (x))
/* Allowed transitions: from -> set of to.  A rekey that fails goes back
 * to INSTALLED; the peer may rekey an SA we are not rekeying. */
static const unsigned child_transitions[CHILD_STATE_COUNT] = {
	[CHILD_INSTALLED] = S(CHILD_REKEYING) | S(CHILD_REKEYED) |
	    S(CHILD_DELETING),
	[CHILD_REKEYING] = S(CHILD_INSTALLED) | S(CHILD_REKEYED) |
	    S(CHILD_DELETING),
	[CHILD_REKEYED] = S(CHILD_DELETING),
	[CHILD_DELETING] = 0,
};

/* Every state change of a CHILD SA goes through here, as IKE SAs' go
 * through ike_sa_set_state(): a refused one is logged and counted. */
void
child_set_state(struct ike_engine *e, struct child_sa *c, enum child_state to)
{
	if (c->state == to)
		return;
	if (!(child_transitions[c->state] & S(to))) {
		e->c.state_refused++;
		log_err("ike", "CHILD SA %08x: no transition %s -> %s",
		    c->spi_in, child_state_names[c->state],
		    child_state_names[to]);
		return;
	}
	log_debug("ike", "CHILD SA %08x: %s -> %s", c->spi_in,
	    child_state_names[c->state], child_state_names[to]);
	c->state = to;
}

void
child_unlink(struct ike_sa *sa, struct child_sa *c)
{
	for (struct child_sa **pp = &sa->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

/*
 * The pair's last counts go to its tunnel before the kernel forgets
 * them, so that the tunnel's totals only grow across rekeys.  An SA the
 * kernel expired itself is gone already and counts nothing here.
 */
static void
child_count_gone(struct ike_engine *e, const struct child_sa *c)
{
	const struct ike_sa *sa = c->ike;
	struct kernel_sa_stats st = { 0 };
	struct ike_tunnel *ts;

	if (sa->t == NULL)
		return;
	ts = sa->t;
	if (e->p.kernel->sa_query(e->p.kernel_arg, &sa->local.addr, c->spi_in,
		&st) == 0) {
		ts->deleted_in.bytes += st.bytes;
		ts->deleted_in.packets += st.packets;
	}
	memset(&st, 0, sizeof(st));
	if (!c->out_pending &&
	    e->p.kernel->sa_query(e->p.kernel_arg, &sa->remote.addr, c->spi_out,
		&st) == 0) {
		ts->deleted_out.bytes += st.bytes;
		ts->deleted_out.packets += st.packets;
	}
}

/* Frees a CHILD SA already unlinked; kernel: remove its two SAs. */
void
child_free(struct ike_engine *e, struct child_sa *c, bool kernel)
{
	struct ike_sa *sa = c->ike;

	child_count_gone(e, c);
	/* The old SA goes: its successor sends from now on (2.8). */
	if (c->successor != NULL)
		child_out_release(e, c->successor);
	if (kernel) {
		e->p.kernel->sa_del(e->p.kernel_arg, &sa->local.addr,
		    c->spi_in);
		if (!c->out_pending)
			e->p.kernel->sa_del(e->p.kernel_arg, &sa->remote.addr,
			    c->spi_out);
	}
	if (c->filed) {
		hmap_remove(&e->child_in, &c->in_node);
		hmap_remove(&e->child_out, &c->out_node);
	}
	secbuf_free(c->out_ek);
	secbuf_free(c->out_ak);
	timer_disarm(e, &c->rekey_timer);
	timer_disarm(e, &c->expire_timer);
	if (sa->req.child == c) {
		/* Our rekey of c is out: if the peer rekeyed it too, its new
		 * SA is what ours must be weighed against (2.8.1). */
		if (c->rekey_collision && c->successor != NULL)
			sa->req.theirs = c->successor;
		sa->req.child = NULL;
	}
	if (sa->req.theirs == c)
		sa->req.theirs = NULL;
	for (struct child_sa *o = sa->children; o; o = o->next)
		if (o->successor == c)
			o->successor = NULL;
	e->c.child_sas--;
	free(c->ts);
	free(c);
	child_carrier_check(e, sa->t);
}

struct child_sa *
child_by_spi(struct ike_sa *sa, uint32_t spi, bool inbound)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if ((inbound ? c->spi_in : c->spi_out) == spi)
			return c;
	return NULL;
}

/* Whether our first ESP proposal, the one PFS follows, has group. */
static bool
esp_offers_group(const struct ike_tunnel *t, uint16_t group)
{
	for (size_t i = 0; t->conf.n_esp > 0 && i < t->conf.esp[0].n_dh; i++)
		if (t->conf.esp[0].dh[i] == group)
			return true;
	return false;
}

/*
 * The DH group for PFS: the one the peer asked for by INVALID_KE, then
 * the IKE SA's, when the first ESP proposal has it, else the first of
 * that proposal, or 0.  The IKE SA's group is one the peer already
 * chose, and libreswan picks its own preferred group from our list
 * whatever our KE is, answering INVALID_SYNTAX (not INVALID_KE_PAYLOAD)
 * when the KE is of another group.
 */
static uint16_t
pfs_group(const struct ike_tunnel *t, const struct ike_sa *sa)
{
	if (t->conf.n_esp == 0 || t->conf.esp[0].n_dh == 0)
		return 0;
	if (t->want_pfs_group != 0 && esp_offers_group(t, t->want_pfs_group))
		return t->want_pfs_group;
	if (esp_offers_group(t, sa->dh_group))
		return sa->dh_group;
	return t->conf.esp[0].dh[0];
}

/*
 * RFC 7296 1.3: a CREATE_CHILD_SA of ours answered INVALID_KE_PAYLOAD
 * names the group the responder wants.  When our ESP proposal offers it,
 * it is kept for the tunnel and the caller sends the request again at
 * once with it; once per IKE SA until one succeeds, so two ends that
 * keep asking for each other's group cannot loop.  True to send again.
 */
static bool
pfs_group_asked(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m)
{
	struct ike_tunnel *t = sa->t;
	struct ike_notify_payload n;
	uint16_t sent = pfs_group(t, sa), g;

	if (sa->pfs_retried || sent == 0 ||
	    !msg_has_notify(m, N_INVALID_KE_PAYLOAD, &n) || n.data_len != 2)
		return false;
	g = (uint16_t)(n.data[0] << 8 | n.data[1]);
	if (g == sent || !ike_dh_supported(g) || !esp_offers_group(t, g))
		return false;
	tunnel_event(e, t, IKE_EV_INVALID_KE,
	    "the peer asked for DH group %u instead of %u for the CHILD SA", g,
	    sent);
	t->want_pfs_group = g;
	sa->pfs_retried = true;
	return true;
}

/*
 * Puts group first among the DH transforms of each proposal, as our KE
 * is of it: a responder that takes the first group we list (our tunshd
 * does) or its own order of ours then agrees with the KE.
 */
static void
offer_promote_dh(struct ike_sa_payload *o, uint16_t group)
{
	for (size_t i = 0; i < o->n_proposals; i++) {
		struct ike_proposal *p = &o->proposals[i];
		size_t first = p->n_transforms, at = p->n_transforms;

		for (size_t j = 0; j < p->n_transforms; j++) {
			if (p->transforms[j].type != IKE_TRANS_DH)
				continue;
			if (first == p->n_transforms)
				first = j;
			if (p->transforms[j].id == group) {
				at = j;
				break;
			}
		}
		if (at == p->n_transforms || at == first)
			continue;
		memmove(&p->transforms[first + 1], &p->transforms[first],
		    (at - first) * sizeof(p->transforms[0]));
		p->transforms[first] =
		    (struct ike_transform){ IKE_TRANS_DH, group, 0 };
	}
}

/* Our KE payload for dh (RFC 7296 3.4); shared with rekey.c. */
int
ike_ke_public_add(struct ike_dh *dh, uint16_t group, struct ike_buf *b)
{
	uint8_t ke[512];
	size_t len = sizeof(ke);

	if (ike_dh_public(dh, ke, &len) < 0)
		return -ENOMEM;
	ike_ke_add(b, group, ke, len);
	return 0;
}

/*
 * RFC 7296 1.3.3: rekeying CHILD SA c (or, with c NULL, a new CHILD SA):
 *   HDR, SK {N(REKEY_SA), SA, Ni, [KEi,] TSi, TSr}
 */
static int
child_request(struct ike_engine *e, struct ike_sa *sa, struct child_sa *c,
    size_t pair)
{
	struct ike_tunnel *t = sa->t;
	struct ike_request *r = &sa->req;
	uint16_t group = pfs_group(t, sa);
	struct ike_buf inner;
	struct diag d;
	int rc;

	diag_init(&d);
	rc = e->p.kernel->spi_alloc(e->p.kernel_arg, &sa->remote.addr,
	    &sa->local.addr, t->reqid, &r->new_spi, &d);
	diag_clear(&d);
	if (rc < 0)
		return rc;
	if (ike_sa_req_sel(sa) == NULL ||
	    (group != 0 && (r->dh = ike_dh_new(group)) == NULL))
		return -ENOMEM;
	engine_random(e, r->nonce, IKE_NONCE_LEN);
	child_offer(t, group != 0, r->new_spi, &r->sel->offer);
	offer_promote_dh(&r->sel->offer, group);
	if (c != NULL && t->conf.ts_per_pair && !t->conf.route_based) {
		/* A pair's CHILD SA is rekeyed with its own selectors. */
		ts_of(c->ts, c->n_local, &r->sel->ts_local);
		ts_of(c->ts + c->n_local, c->n_remote, &r->sel->ts_remote);
	} else {
		child_ts_pair(t, pair, &r->sel->ts_local, &r->sel->ts_remote);
	}
	ike_sa_begin(sa, &inner);
	if (c != NULL) {
		uint32_t spi = htobe32(c->spi_in);

		ike_notify_add(&inner, IKE_PROTO_ESP, N_REKEY_SA,
		    (const uint8_t *)&spi, 4, NULL, 0);
	}
	ike_sa_add(&inner, &r->sel->offer);
	ike_payload_add(&inner, IKE_PL_NONCE, false, r->nonce, IKE_NONCE_LEN);
	if (r->dh != NULL && ike_ke_public_add(r->dh, group, &inner) < 0) {
		ike_buf_free(&inner);
		return -ENOMEM;
	}
	ike_ts_add(&inner, IKE_PL_TSI, &r->sel->ts_local);
	ike_ts_add(&inner, IKE_PL_TSR, &r->sel->ts_remote);
	r->child = c;
	if (c != NULL)
		child_set_state(e, c, CHILD_REKEYING);
	return ike_sa_send_request(e, sa,
	    c ? REQ_CHILD_REKEY : REQ_CHILD_CREATE, IKE_CREATE_CHILD_SA,
	    &inner);
}

int
child_start_rekey(struct ike_engine *e, struct child_sa *c)
{
	int rc = child_request(e, c->ike, c, 0);

	if (rc < 0 && c->state == CHILD_REKEYING) {
		child_set_state(e, c, CHILD_INSTALLED);
		timer_arm(e, &c->rekey_timer, engine_now(e) + 10000);
	}
	return rc;
}

int
child_start_new(struct ike_engine *e, struct ike_sa *sa)
{
	return child_request(e, sa, NULL, 0);
}

/* The nonce of a message into buf; 0 or -EBADMSG. */
static int
nonce_of(const struct ike_msg *m, const uint8_t **n, size_t *len)
{
	const struct ike_payload *p = ike_msg_find(m, IKE_PL_NONCE);

	return p != NULL ? ike_nonce_parse(p, n, len) : -EBADMSG;
}

/* The peer's KE for a chosen proposal with DH; g_ir NULL without. */
static uint16_t
ke_finish(struct ike_dh *dh, const struct ike_msg *m, uint16_t group,
    struct secbuf **g_ir)
{
	const struct ike_payload *p = ike_msg_find(m, IKE_PL_KE);
	struct ike_ke_payload ke;

	*g_ir = NULL;
	if (group == 0)
		return 0;
	if (p == NULL || ike_ke_parse(p, &ke) < 0 || ke.group != group)
		return N_INVALID_KE_PAYLOAD;
	return ike_dh_derive(dh, ke.data, ke.len, g_ir) < 0 ? N_INVALID_SYNTAX :
							      0;
}

/*
 * 2.8.1: when both ends rekeyed old at once, of the two new SAs the one
 * with the lowest of the four nonces is redundant and is deleted by the
 * end that created it; the other end's new SA replaces old, and that
 * end deletes old.
 */
static void
collision_settle(struct ike_engine *e, struct child_sa *old,
    struct child_sa *ours)
{
	struct child_sa *theirs = old->successor;

	child_set_state(e, old, CHILD_REKEYED);
	old->rekey_collision = false;
	if (nonce_min_lower(ours->min_nonce, ours->min_nonce_len,
		theirs->min_nonce, theirs->min_nonce_len)) {
		ours->want_delete = true; /* ours lost; they delete old */
		return;
	}
	old->successor = ours; /* theirs lost; they delete it */
	old->want_delete = true;
}

/* As responder: a new or rekeyed CHILD SA; 0 or an error notify.  Long:
 * one pass over 1.3's request (SA, Ni, [KEi], TSi, TSr), refusing with
 * the notify each step owes, in the order the peer will read them. */
static uint16_t
child_respond(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
    struct child_sa *old, struct ike_buf *inner)
{
	struct ike_tunnel *t = sa->t;
	const struct ike_payload *sap = ike_msg_find(m, IKE_PL_SA);
	const struct ike_payload *tip = ike_msg_find(m, IKE_PL_TSI);
	const struct ike_payload *trp = ike_msg_find(m, IKE_PL_TSR);
	struct ike_sa_payload offered, ours;
	struct ike_ts_payload tsi, tsr, my_l, my_r, ni_ts, nr_ts;
	struct ike_proposal chosen;
	const struct ike_transform *dht;
	struct ike_dh *dh = NULL;
	struct secbuf *g_ir = NULL;
	const uint8_t *ni;
	size_t ni_len;
	uint8_t nr[IKE_NONCE_LEN];
	struct child_sa *c;
	uint32_t spi;
	uint16_t err;
	struct diag d;

	if (sap == NULL || tip == NULL || trp == NULL ||
	    ike_sa_parse(sap, &offered) < 0 || ike_ts_parse(tip, &tsi) < 0 ||
	    ike_ts_parse(trp, &tsr) < 0 || nonce_of(m, &ni, &ni_len) < 0)
		return N_INVALID_SYNTAX;
	child_offer(t, true, 0, &ours);
	if (ike_proposal_select(&offered, &ours, &chosen) < 0) {
		tunnel_no_proposal(e, t, "ESP", &offered, &ours);
		return N_NO_PROPOSAL_CHOSEN;
	}
	child_ts(t, &my_l, &my_r);
	ike_ts_narrow(&tsi, &my_r, &ni_ts);
	ike_ts_narrow(&tsr, &my_l, &nr_ts);
	if (ni_ts.n == 0 || nr_ts.n == 0) {
		tunnel_error(e, t, IKE_EV_TS_UNACCEPTABLE,
		    "the peer's networks do not match ours: check local and "
		    "remote networks on both ends");
		return N_TS_UNACCEPTABLE;
	}
	dht = ike_proposal_get(&chosen, IKE_TRANS_DH);
	if (dht != NULL && (dh = ike_dh_new(dht->id)) == NULL)
		return N_TEMPORARY_FAILURE;
	if ((err = ke_finish(dh, m, dht ? dht->id : 0, &g_ir)) != 0) {
		ike_dh_free(dh);
		if (err == N_INVALID_KE_PAYLOAD) {
			uint16_t g = htobe16(dht->id);

			ike_notify_add(inner, 0, N_INVALID_KE_PAYLOAD, NULL, 0,
			    (const uint8_t *)&g, 2);
			return N_ERROR_MAX; /* the notify is in already */
		}
		return err;
	}
	engine_random(e, nr, sizeof(nr));
	diag_init(&d);
	err = 0;
	if (e->p.kernel->spi_alloc(e->p.kernel_arg, &sa->remote.addr,
		&sa->local.addr, t->reqid, &spi, &d) < 0 ||
	    child_install(e, sa, &chosen, spi, &nr_ts, &ni_ts, g_ir, ni, ni_len,
		nr, sizeof(nr), old ? CHILD_BY_PEER_REKEY : CHILD_BY_PEER,
		&c) < 0)
		err = N_TEMPORARY_FAILURE;
	diag_clear(&d);
	secbuf_free(g_ir);
	if (err == 0) {
		uint32_t nspi = htobe32(spi);

		chosen.spi_size = 4;
		memcpy(chosen.spi, &nspi, 4);
		ike_sa_add(inner, &(struct ike_sa_payload){ 1, { chosen } });
		ike_payload_add(inner, IKE_PL_NONCE, false, nr, sizeof(nr));
		if (dh != NULL)
			ike_ke_public_add(dh, dht->id, inner);
		ike_ts_add(inner, IKE_PL_TSI, &ni_ts);
		ike_ts_add(inner, IKE_PL_TSR, &nr_ts);
		if (old != NULL) {
			/* Our own rekey of old in flight: a collision. */
			old->rekey_collision = old->state == CHILD_REKEYING;
			if (!old->rekey_collision)
				child_set_state(e, old, CHILD_REKEYED);
			old->successor = c;
			tunnel_event(e, t, IKE_EV_CHILD_REKEYED,
			    "CHILD SA %08x rekeyed by the peer: now %08x",
			    old->spi_in, c->spi_in);
		}
	}
	ike_dh_free(dh);
	return err;
}

void
create_child_request(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m)
{
	struct ike_notify_payload n;
	struct child_sa *old = NULL;
	struct ike_buf inner;
	uint16_t err = 0;

	if (ike_sa_rekey_requested(m)) {
		ike_rekey_request(e, sa, m);
		return;
	}
	ike_sa_begin(sa, &inner);
	if (sa->state != SA_ESTABLISHED) {
		err = N_TEMPORARY_FAILURE; /* 2.25: we are closing it */
	} else if (msg_has_notify(m, N_REKEY_SA, &n)) {
		uint32_t spi = 0;

		if (n.spi_size == 4)
			memcpy(&spi, n.spi, 4);
		/* The SPI the peer receives on: our outbound (1.3.3). */
		old = child_by_spi(sa, be32toh(spi), false);
		if (old == NULL)
			err = N_CHILD_SA_NOT_FOUND;
		else if (old->state == CHILD_DELETING ||
		    old->state == CHILD_REKEYED)
			err = N_TEMPORARY_FAILURE;
	}
	if (err == 0)
		err = child_respond(e, sa, m, old, &inner);
	if (err != 0 && err != N_ERROR_MAX) {
		ike_buf_free(&inner);
		ike_sa_begin(sa, &inner);
		ike_notify_add(&inner, 0, err, NULL, 0, NULL, 0);
	}
	ike_sa_send_response(e, sa, IKE_CREATE_CHILD_SA, m->hdr.message_id,
	    &inner);
}

/* Our CREATE_CHILD_SA for a CHILD SA was answered.  Long: each refusal
 * (INVALID_KE retry, TS_UNACCEPTABLE, NO_PROPOSAL, a collision settled
 * by 2.8.1) leaves the old SA in its own state, side by side here. */
static void
child_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_request *r = &sa->req;
	struct child_sa *old = r->child, *c = NULL;
	const struct ike_payload *sap = ike_msg_find(m, IKE_PL_SA);
	const struct ike_payload *tip = ike_msg_find(m, IKE_PL_TSI);
	const struct ike_payload *trp = ike_msg_find(m, IKE_PL_TSR);
	struct ike_sa_payload reply;
	struct ike_ts_payload tsi, tsr, ni_ts, nr_ts;
	struct ike_proposal chosen;
	const struct ike_transform *dht;
	struct secbuf *g_ir = NULL;
	const uint8_t *nr;
	size_t nr_len;
	uint16_t err = msg_error_notify(m);

	if (err == 0 &&
	    (sap == NULL || tip == NULL || trp == NULL ||
		ike_sa_parse(sap, &reply) < 0 || ike_ts_parse(tip, &tsi) < 0 ||
		ike_ts_parse(trp, &tsr) < 0 || nonce_of(m, &nr, &nr_len) < 0 ||
		ike_proposal_check_reply(&r->sel->offer, &reply, &chosen) < 0))
		err = N_INVALID_SYNTAX;
	if (err == 0) {
		ike_ts_narrow(&tsi, &r->sel->ts_local, &ni_ts);
		ike_ts_narrow(&tsr, &r->sel->ts_remote, &nr_ts);
		dht = ike_proposal_get(&chosen, IKE_TRANS_DH);
		if (ni_ts.n == 0 || nr_ts.n == 0)
			err = N_TS_UNACCEPTABLE;
		else if ((dht != NULL) != (r->dh != NULL))
			err = N_INVALID_SYNTAX;
		else
			err = ke_finish(r->dh, m, dht ? dht->id : 0, &g_ir);
	}
	if (err == 0 &&
	    child_install(e, sa, &chosen, r->new_spi, &ni_ts, &nr_ts, g_ir,
		r->nonce, IKE_NONCE_LEN, nr, nr_len, CHILD_BY_US, &c) < 0)
		err = N_TEMPORARY_FAILURE;
	secbuf_free(g_ir);
	if (err != 0) {
		/* The reserved SPI goes back; retry the rekey later, or at
		 * once with the group the peer asked for. */
		bool again = err == N_INVALID_KE_PAYLOAD &&
		    pfs_group_asked(e, sa, m);

		e->p.kernel->sa_del(e->p.kernel_arg, &sa->local.addr,
		    r->new_spi);
		if (err == N_TS_UNACCEPTABLE)
			child_ts_refused(e, sa->t, r->sel);
		else if (err == N_NO_PROPOSAL_CHOSEN)
			tunnel_error(e, sa->t, IKE_EV_NO_PROPOSAL,
			    "no common ESP proposal for the new CHILD SA");
		if (old != NULL && old->state == CHILD_REKEYING) {
			child_set_state(e, old, CHILD_INSTALLED);
			if (again)
				old->want_rekey = true;
			else
				timer_arm(e, &old->rekey_timer,
				    engine_now(e) + 10000);
		} else if (old == NULL && again && sa->next_pair > 0) {
			/* The pair child_next_pair() just asked for. */
			sa->next_pair--;
		}
		return;
	}
	sa->pfs_retried = false;
	if (old == NULL && r->theirs == NULL)
		child_narrow_check(e, sa);
	if (old == NULL) {
		/* The peer deleted what we rekeyed before answering: it won
		 * a collision, and ours is redundant if its nonce is lowest. */
		if (r->theirs != NULL &&
		    nonce_min_lower(c->min_nonce, c->min_nonce_len,
			r->theirs->min_nonce, r->theirs->min_nonce_len))
			c->want_delete = true;
		return;
	}
	if (old->rekey_collision && old->successor != NULL) {
		collision_settle(e, old, c);
	} else if (old->state == CHILD_REKEYING) {
		child_set_state(e, old, CHILD_REKEYED);
		old->successor = c;
		old->want_delete = true;
	}
	tunnel_event(e, sa->t, IKE_EV_CHILD_REKEYED,
	    "CHILD SA %08x rekeyed: now %08x", old->spi_in, c->spi_in);
}

void
create_child_response(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m)
{
	if (sa->req.kind == REQ_IKE_REKEY) {
		ike_rekey_response(e, sa, m);
		return;
	}
	child_response(e, sa, m);
	ike_sa_request_done(e, sa);
	ike_sa_kick(e, sa);
}
