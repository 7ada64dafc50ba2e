/*
 * ike/sa.c: IKE SAs as objects: the SPI tables, the one function that
 * changes an SA's state, protected messages out (SK payload), the
 * request window of one with retransmission and the cached last response
 * (RFC 7296 2.1-2.3), the SA's lifetime timers, and its end.  What an
 * exchange means is decided in init.c, child.c and info.c.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

static const char *const state_names[SA_STATE_COUNT] = {
	[SA_NEW] = "new",
	[SA_INIT_SENT] = "connecting",
	[SA_INIT_DONE] = "half-open",
	[SA_AUTH_SENT] = "authenticating",
	[SA_REKEY_NEW] = "rekeying",
	[SA_ESTABLISHED] = "established",
	[SA_REKEYED] = "rekeyed",
	[SA_DELETING] = "deleting",
	[SA_DEAD] = "dead",
};

#define S(x) (1u << (x))
/* Allowed transitions: from -> set of to. */
static const unsigned transitions[SA_STATE_COUNT] = {
	[SA_NEW] = S(SA_INIT_SENT) | S(SA_INIT_DONE) | S(SA_REKEY_NEW) |
	    S(SA_DEAD),
	[SA_INIT_SENT] = S(SA_AUTH_SENT) | S(SA_DEAD),
	[SA_INIT_DONE] = S(SA_ESTABLISHED) | S(SA_DEAD),
	[SA_AUTH_SENT] = S(SA_ESTABLISHED) | S(SA_DEAD),
	[SA_REKEY_NEW] = S(SA_ESTABLISHED) | S(SA_DEAD),
	[SA_ESTABLISHED] = S(SA_REKEYED) | S(SA_DELETING) | S(SA_DEAD),
	[SA_REKEYED] = S(SA_DELETING) | S(SA_DEAD),
	[SA_DELETING] = S(SA_DEAD),
	[SA_DEAD] = 0,
};

const char *
ike_sa_state_name(enum sa_state s)
{
	return s < SA_STATE_COUNT ? state_names[s] : "?";
}

/*
 * Every state change of an IKE SA goes through here: one refused by the
 * table is a bug of ours, logged and counted (show ipsec counters), and
 * the SA keeps its state.
 */
void
ike_sa_set_state(struct ike_engine *e, struct ike_sa *sa, enum sa_state to)
{
	if (sa->state == to)
		return;
	if (!(transitions[sa->state] & S(to))) {
		e->c.state_refused++;
		log_err("ike",
		    "SA %016" PRIx64 "_i %016" PRIx64
		    "_r: no transition %s -> %s",
		    sa->spi_i, sa->spi_r, ike_sa_state_name(sa->state),
		    ike_sa_state_name(to));
		return;
	}
	log_debug("ike", "SA %016" PRIx64 "_i %016" PRIx64 "_r: %s -> %s",
	    sa->spi_i, sa->spi_r, ike_sa_state_name(sa->state),
	    ike_sa_state_name(to));
	sa->state = to;
}

uint64_t
ike_sa_our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

struct ike_sa *
ike_sa_lookup(struct ike_engine *e, uint64_t spi)
{
	for (struct hmap_node *n = hmap_first(&e->by_spi, hash_u64(spi)); n;
	     n = hmap_next(n)) {
		struct ike_sa *sa = container_of(n, struct ike_sa, spi_node);

		if (ike_sa_our_spi(sa) == spi)
			return sa;
	}
	return NULL;
}

struct ike_sa *
ike_sa_lookup_half_open(struct ike_engine *e, uint64_t spi_i,
    const struct ike_endpoint *remote)
{
	for (struct hmap_node *n = hmap_first(&e->by_peer, hash_u64(spi_i)); n;
	     n = hmap_next(n)) {
		struct ike_sa *sa = container_of(n, struct ike_sa, peer_node);

		if (sa->spi_i == spi_i &&
		    ipaddr_equal(&sa->remote.addr, &remote->addr) &&
		    sa->remote.port == remote->port)
			return sa;
	}
	return NULL;
}

/* Files a half-open responder SA, counted under the peer's address
 * (halfopen.c); -ENOMEM files nothing. */
int
ike_sa_half_open_add(struct ike_engine *e, struct ike_sa *sa)
{
	if (half_open_peer_add(e, &sa->remote.addr) < 0)
		return -ENOMEM;
	sa->half_open_addr = sa->remote.addr;
	hmap_insert(&e->by_peer, &sa->peer_node, hash_u64(sa->spi_i));
	sa->in_peer_table = true;
	e->c.half_open++;
	return 0;
}

void
ike_sa_half_open_done(struct ike_engine *e, struct ike_sa *sa)
{
	if (!sa->in_peer_table)
		return;
	hmap_remove(&e->by_peer, &sa->peer_node);
	sa->in_peer_table = false;
	half_open_peer_del(e, &sa->half_open_addr);
	e->c.half_open--;
}

static void retransmit_timer(struct ike_engine *e, struct ike_timer *tm);
static void halfopen_timer(struct ike_engine *e, struct ike_timer *tm);
static void keepalive_timer(struct ike_engine *e, struct ike_timer *tm);
/* New DPD timers apply at once, and touch nothing else. */
void
ike_sa_dpd_restart(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->t == NULL || sa->t->conf.dpd_timeout == 0) {
		timer_disarm(e, &sa->dpd_timer);
		return;
	}
	timer_arm(e, &sa->dpd_timer,
	    sa->last_heard_ms + (uint64_t)sa->t->conf.dpd_timeout * 1000);
}

static void rekey_timer(struct ike_engine *e, struct ike_timer *tm);
static void expire_timer(struct ike_engine *e, struct ike_timer *tm);

/*
 * Our SPI for a new IKE SA, at random.  A reauthentication's goes below
 * the SPIi of the SA it replaces, within 2^40 of it: a responder that
 * settles two IKE SAs with one peer by keeping the lower SPIi (tunsh's
 * own does, init.c) then keeps the new one, rather than deleting it
 * while we delete the old one, which would take the tunnel down.  40
 * bits stay random (RFC 7296 2.6 asks SPIs to be unique), and a chain of
 * reauthentications starts millions of them away from 0.
 */
static uint64_t
spi_draw(struct ike_engine *e, const struct ike_tunnel *t, bool initiator)
{
	const struct ike_sa *old = initiator && t && !e->p.reauth_spi_random ?
	    ike_reauth_old(t) :
	    NULL;
	uint64_t spi, window;

	engine_random(e, &spi, sizeof(spi));
	if (old == NULL || old->spi_i < 2)
		return spi;
	window = old->spi_i - 1 < (1ull << 40) ? old->spi_i - 1 : 1ull << 40;
	return old->spi_i - 1 - spi % window;
}

/*
 * A new SA with a fresh SPI of ours, unique in the table (a zero SPI is
 * reserved: it means "not yet known", RFC 7296 3.1).
 */
struct ike_sa *
ike_sa_new(struct ike_engine *e, struct ike_tunnel *t, bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	uint64_t spi;

	if (sa == NULL)
		return NULL;
	if ((sa->in = calloc(1, sizeof(*sa->in))) == NULL) {
		free(sa);
		return NULL;
	}
	for (unsigned tries = 0;; tries++) {
		spi = spi_draw(e, tries < 8 ? t : NULL, initiator);
		if (spi != 0 && ike_sa_lookup(e, spi) == NULL)
			break;
	}
	sa->initiator = initiator;
	if (initiator)
		sa->spi_i = spi;
	else
		sa->spi_r = spi;
	timer_init(&sa->retransmit, retransmit_timer);
	timer_init(&sa->rekey_timer, rekey_timer);
	timer_init(&sa->expire_timer, expire_timer);
	timer_init(&sa->dpd_timer, ike_sa_dpd_timer);
	timer_init(&sa->keepalive_timer, keepalive_timer);
	timer_init(&sa->halfopen_timer, halfopen_timer);
	hmap_insert(&e->by_spi, &sa->spi_node, hash_u64(spi));
	if (e->by_spi.count > e->sas_peak)
		e->sas_peak = e->by_spi.count;
	e->c.ike_sas++;
	sa->last_heard_ms = engine_now(e);
	if (t != NULL)
		ike_sa_attach(e, sa, t);
	return sa;
}

/* Files a responder's half-open SA under the peer's SPI too. */
void
ike_sa_attach(struct ike_engine *e, struct ike_sa *sa, struct ike_tunnel *t)
{
	(void)e;
	sa->t = t;
	sa->tnext = t->sas;
	t->sas = sa;
}

static void
detach(struct ike_sa *sa)
{
	if (sa->t == NULL)
		return;
	for (struct ike_sa **pp = &sa->t->sas; *pp; pp = &(*pp)->tnext)
		if (*pp == sa) {
			*pp = sa->tnext;
			break;
		}
	sa->t = NULL;
}

static void
request_clear(struct ike_request *r)
{
	ike_buf_free(&r->msg);
	ike_dh_free(r->dh);
	free(r->sel);
	OPENSSL_cleanse(r->nonce, sizeof(r->nonce));
	memset(r, 0, sizeof(*r));
}

struct ike_req_sel *
ike_sa_req_sel(struct ike_sa *sa)
{
	if (sa->req.sel == NULL)
		sa->req.sel = calloc(1, sizeof(*sa->req.sel));
	return sa->req.sel;
}

/* The messages, nonces and offer of the first exchanges go once the SA
 * is up: an established SA keeps only its keys. */
void
ike_sa_init_done(struct ike_sa *sa)
{
	struct ike_sa_init *in = sa->in;

	if (in == NULL)
		return;
	ike_buf_free(&in->init_ours);
	ike_buf_free(&in->init_peer);
	ike_dh_free(in->dh);
	OPENSSL_cleanse(in, sizeof(*in));
	free(in);
	sa->in = NULL;
}

void
nonce_min_keep(uint8_t *out, size_t *out_len, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len)
{
	bool i = nonce_min_lower(ni, ni_len, nr, nr_len);
	const uint8_t *n = i ? ni : nr;
	size_t len = i ? ni_len : nr_len;

	memcpy(out, n, len < IKE_NONCE_LEN ? len : IKE_NONCE_LEN);
	*out_len = len;
}

bool
nonce_min_lower(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	size_t n = a_len < b_len ? a_len : b_len;
	int cmp;

	if (n > IKE_NONCE_LEN)
		n = IKE_NONCE_LEN;
	cmp = memcmp(a, b, n);
	return cmp < 0 || (cmp == 0 && a_len < b_len);
}

/*
 * After many SAs went (a flood's half-open SAs expiring), give their
 * memory back to the system.  glibc returns freed heap only from its
 * top, and a few live allocations made during the flood (a table that
 * grew, a log line, a session) pin it: measured, 300 MB stayed resident
 * after 50,000 half-open SAs had gone, with 0.6 MB in use.
 * malloc_trim() releases the free pages inside the heap too.  It walks
 * the heap, so it runs only once the SAs have fallen to half of their
 * peak and by at least TRIM_SAS: rarely, and never for a few SAs.
 */
#define TRIM_SAS 1024

static void
memory_give_back(struct ike_engine *e)
{
	if (e->sas_peak - e->by_spi.count < TRIM_SAS ||
	    e->by_spi.count > e->sas_peak / 2)
		return;
	timers_shrink(e);
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	e->sas_peak = e->by_spi.count;
}

/* Frees the SA and its CHILD SAs, removing those from the kernel. */
void
ike_sa_free(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_timer *timers[] = { &sa->retransmit, &sa->rekey_timer,
		&sa->expire_timer, &sa->dpd_timer, &sa->keepalive_timer,
		&sa->halfopen_timer };

	while (sa->children != NULL) {
		struct child_sa *c = sa->children;

		child_unlink(sa, c);
		child_free(e, c, true);
	}
	/* A CHILD SA asked for and never made: its reserved SPI is a larval
	 * SA in the kernel until given back. */
	if (sa->req.new_spi != 0 &&
	    (sa->req.kind == REQ_AUTH || sa->req.kind == REQ_CHILD_REKEY ||
		sa->req.kind == REQ_CHILD_CREATE))
		e->p.kernel->sa_del(e->p.kernel_arg, &sa->local.addr,
		    sa->req.new_spi);
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
		timer_disarm(e, timers[i]);
	if (sa->req.new_sa != NULL) {
		struct ike_sa *n = sa->req.new_sa;

		sa->req.new_sa = NULL;
		ike_sa_free(e, n);
	}
	ike_sa_half_open_done(e, sa);
	hmap_remove(&e->by_spi, &sa->spi_node);
	detach(sa);
	request_clear(&sa->req);
	ike_buf_free(&sa->last_resp);
	frag_discard(e, sa);
	ike_sa_init_done(sa);
	ike_keys_free(&sa->keys);
	e->c.ike_sas--;
	free(sa);
	memory_give_back(e);
}

/* Deletes an SA without a word to the peer, and tells its tunnel. */
void
ike_sa_delete_now(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_tunnel *t = sa->t;

	ike_sa_set_state(e, sa, SA_DEAD);
	ike_sa_free(e, sa);
	if (t != NULL)
		tunnel_sa_gone(e, t);
}

struct ike_sk_keys
ike_sa_sk_keys(const struct ike_sa *sa, bool ours)
{
	bool i = sa->initiator == ours; /* the initiator's keys */
	struct ike_sk_keys k = {
		.encr = sa->encr,
		.integ = sa->integ,
		.ek = i ? sa->keys.sk_ei : sa->keys.sk_er,
		.ak = sa->integ ? (i ? sa->keys.sk_ai : sa->keys.sk_ar) : NULL,
	};

	return k;
}

void
ike_sa_begin(struct ike_sa *sa, struct ike_buf *inner)
{
	(void)sa;
	ike_buf_init(inner);
	ike_chain_begin(inner);
}

/*
 * Sends a message, or every datagram of a train of fragments (frag.c):
 * each begins with an IKE header whose Length says where it ends.
 */
void
ike_sa_send_raw(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const struct ike_buf *b)
{
	size_t off = 0;

	while (b->len - off >= IKE_HDR_LEN) {
		uint32_t n;

		memcpy(&n, b->data + off + 24, 4);
		n = be32toh(n);
		if (n < IKE_HDR_LEN || n > b->len - off)
			break;
		e->c.tx++;
		tunnel_count(e, local, remote, false);
		if (b->data[off + 16] == IKE_PL_SKF)
			e->c.frag_tx++;
		e->p.net->send(e->p.net_arg, local, remote, b->data + off, n);
		off += n;
	}
}

/*
 * Wraps the inner chain in an SK payload (RFC 7296 3.14):
 *   IKE header | SK header | IV | ciphertext | ICV
 * The header and SK header are the associated data (RFC 5282 5.1) or,
 * with CBC, covered by the ICV.
 */
static int
protect(struct ike_engine *e, struct ike_sa *sa, uint8_t exchange,
    bool response, uint32_t msg_id, const struct ike_buf *inner,
    struct ike_buf *out)
{
	struct ike_sk_keys k = ike_sa_sk_keys(sa, true);
	struct ike_header h = {
		.spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
		.exchange = exchange,
		.flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
		    (response ? IKE_FLAG_RESPONSE : 0)),
		.message_id = msg_id,
	};
	size_t plain = inner->len - 1, body_len = ike_sk_len(&k, plain), at;
	uint8_t iv[16];
	int rc;

	if (inner->oom)
		return -ENOMEM;
	/* RFC 7383 2.5: fragments only when both ends announced them and
	 * the message would not fit in one datagram. */
	if (sa->frag &&
	    IKE_HDR_LEN + IKE_PAYLOAD_HDR_LEN + body_len > frag_limit(e, sa))
		return frag_protect(e, sa, &h, inner, out);
	ike_buf_init(out);
	ike_msg_begin(out, &h);
	at = ike_sk_open(out, inner->data[0], body_len);
	if ((rc = ike_buf_finish(out)) < 0)
		goto fail;
	engine_random(e, iv, k.encr->iv_len);
	rc = ike_sk_encrypt(&k, out->data, at, iv, inner->data + 1, plain,
	    out->data + at);
	if (rc == 0)
		return 0;
fail:
	ike_buf_free(out);
	return rc;
}

static uint64_t
rto(const struct ike_engine *e, unsigned tries)
{
	unsigned shift = tries < 16 ? tries : 16;

	return (uint64_t)e->p.retransmit_ms << shift;
}

/* DPD's check must be answered within dpd delay: its retransmissions
 * are squeezed into that window instead of the long IKE backoff. */
static uint64_t
request_deadline(const struct ike_engine *e, const struct ike_sa *sa)
{
	uint64_t step = rto(e, sa->req.tries);

	if (sa->req.kind == REQ_DPD && sa->t != NULL &&
	    sa->t->conf.dpd_delay > 0) {
		uint64_t end =
		    sa->req.sent_ms + (uint64_t)sa->t->conf.dpd_delay * 1000;
		uint64_t now = engine_now(e);
		uint64_t left = end > now ? end - now : 0;

		return step < left ? step : left;
	}
	return step;
}

static bool
request_expired(const struct ike_engine *e, const struct ike_sa *sa)
{
	if (sa->req.kind == REQ_DPD && sa->t != NULL &&
	    sa->t->conf.dpd_delay > 0)
		return engine_now(e) >=
		    sa->req.sent_ms + (uint64_t)sa->t->conf.dpd_delay * 1000;
	return sa->req.tries >= e->p.retransmit_tries;
}

int
ike_sa_send_request(struct ike_engine *e, struct ike_sa *sa, enum req_kind kind,
    uint8_t exchange, struct ike_buf *inner)
{
	struct ike_buf out;
	int rc;

	rc = protect(e, sa, exchange, false, sa->next_req_id, inner, &out);
	ike_buf_free(inner);
	if (rc < 0)
		return rc;
	ike_buf_free(&sa->req.msg);
	sa->req.msg = out;
	sa->req.kind = kind;
	sa->req.msg_id = sa->next_req_id++;
	sa->req.tries = 0;
	sa->req.sent_ms = engine_now(e);
	ike_sa_send_raw(e, &sa->local, &sa->remote, &sa->req.msg);
	timer_arm(e, &sa->retransmit, engine_now(e) + request_deadline(e, sa));
	return 0;
}

int
ike_sa_send_response(struct ike_engine *e, struct ike_sa *sa, uint8_t exchange,
    uint32_t msg_id, struct ike_buf *inner)
{
	struct ike_buf out;
	int rc;

	rc = protect(e, sa, exchange, true, msg_id, inner, &out);
	ike_buf_free(inner);
	if (rc < 0)
		return rc;
	ike_buf_free(&sa->last_resp);
	/* Kept until the next request: no slack in an idle SA's memory. */
	ike_buf_shrink(&out);
	sa->last_resp = out;
	sa->last_resp_id = msg_id;
	sa->has_last_resp = true;
	ike_sa_send_raw(e, &sa->local, &sa->remote, &sa->last_resp);
	return 0;
}

/* The response to our request arrived: the window opens again. */
void
ike_sa_request_done(struct ike_engine *e, struct ike_sa *sa)
{
	timer_disarm(e, &sa->retransmit);
	request_clear(&sa->req);
}

/*
 * RFC 7296 2.1: retransmit until the tries run out, then the peer is
 * gone.  For DPD the window is dpd delay and the tunnel's DPD action
 * follows; otherwise the SA is dropped and the tunnel decides what next.
 */
static void
retransmit_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct ike_sa *sa =
	    (struct ike_sa *)((char *)tm - offsetof(struct ike_sa, retransmit));
	uint64_t now = engine_now(e);
	bool dpd = sa->req.kind == REQ_DPD;

	sa->req.tries++;
	if (request_expired(e, sa)) {
		struct ike_tunnel *t = sa->t;

		if (dpd && t != NULL) {
			t->dpd.last_result = -1;
			tunnel_event(e, t, IKE_EV_DPD_TIMEOUT,
			    "no answer to the liveness check within %u s",
			    t->conf.dpd_delay);
			ike_sa_delete_now(e, sa);
			tunnel_dpd_action(e, t);
			return;
		}
		if (t != NULL && sa->req.kind == REQ_INIT) {
			char peer[IPADDR_STRLEN];

			ipaddr_format(&sa->remote.addr, peer, sizeof(peer));
			tunnel_error(e, t, IKE_EV_NO_RESPONSE,
			    "no answer from %s on UDP %u: check that it is "
			    "reachable and that UDP 500, UDP 4500 and ESP are "
			    "allowed",
			    peer, sa->remote.port);
		} else if (t != NULL && sa->req.kind == REQ_AUTH && !sa->frag &&
		    sa->req.msg.len > IKE_FRAG_SAFE) {
			/* The likely cause is worth saying (RFC 7383 1). */
			tunnel_error(e, t, IKE_EV_NO_RESPONSE,
			    "no answer to IKE_AUTH (%u tries): it went "
			    "unfragmented (%zu bytes) since IKE fragmentation "
			    "is %s, and a path that drops large datagrams or "
			    "IP fragments loses it",
			    sa->req.tries, sa->req.msg.len,
			    e->p.fragment_off ?
				"off here (--ike-fragment-size 0)" :
				"not supported by the peer");
		} else if (t != NULL) {
			tunnel_error(e, t, IKE_EV_NO_RESPONSE,
			    "the peer stopped answering (%u tries)",
			    sa->req.tries);
		}
		ike_sa_delete_now(e, sa);
		return;
	}
	e->c.retransmits++;
	ike_sa_send_raw(e, &sa->local, &sa->remote, &sa->req.msg);
	timer_arm(e, &sa->retransmit, now + request_deadline(e, sa));
}

/* RFC 7296 2.4: a half-open SA that never completes is dropped. */
static void
halfopen_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct ike_sa *sa = (struct ike_sa *)((char *)tm -
	    offsetof(struct ike_sa, halfopen_timer));

	if (sa->state == SA_INIT_DONE || sa->state == SA_INIT_SENT ||
	    sa->state == SA_AUTH_SENT)
		ike_sa_delete_now(e, sa);
}

/* RFC 3948 4: keep the NAT mapping alive while we are behind one. */
static void
keepalive_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct ike_sa *sa = (struct ike_sa *)((char *)tm -
	    offsetof(struct ike_sa, keepalive_timer));
	static const uint8_t ka = 0xff;

	e->c.tx++;
	e->p.net->send(e->p.net_arg, &sa->local, &sa->remote, &ka, 1);
	timer_arm(e, tm, engine_now(e) + (uint64_t)e->p.natt_keepalive * 1000);
}

/*
 * Lifetimes with jitter: rekey (or reauthenticate) at 90 % of the
 * lifetime minus up to a further 10 % at random, so that both ends do
 * not start at once; the SA is gone at the full lifetime.
 */
static uint64_t
jittered(struct ike_engine *e, uint32_t lifetime)
{
	uint64_t ms = (uint64_t)lifetime * 1000, r;

	engine_random(e, &r, sizeof(r));
	return ms * 9 / 10 - (ms / 10 ? r % (ms / 10) : 0);
}

void
ike_sa_timers_start(struct ike_engine *e, struct ike_sa *sa)
{
	uint64_t now = engine_now(e);
	struct ike_tunnel *t = sa->t;

	timer_disarm(e, &sa->halfopen_timer);
	if (t == NULL)
		return;
	if (t->conf.ike_lifetime > 0) {
		if (t->conf.rekey)
			timer_arm(e, &sa->rekey_timer,
			    now + jittered(e, t->conf.ike_lifetime));
		timer_arm(e, &sa->expire_timer,
		    now + (uint64_t)t->conf.ike_lifetime * 1000);
	}
	if (t->conf.dpd_timeout > 0)
		timer_arm(e, &sa->dpd_timer,
		    now + (uint64_t)t->conf.dpd_timeout * 1000);
	if (sa->nat_local)
		timer_arm(e, &sa->keepalive_timer,
		    now + (uint64_t)e->p.natt_keepalive * 1000);
}

/*
 * The tunnel's rekey setting changed in place: the timers armed when
 * the SAs started follow it now.  Off: no rekey of ours, the hard
 * lifetime ends the SA.  On: a rekey at the point it would have had with
 * the setting on from the start, or at once when that point is past.
 */
void
ike_sa_rekey_follow(struct ike_engine *e, struct ike_sa *sa)
{
	const struct ike_tunnel *t = sa->t;
	uint64_t now = engine_now(e), at;

	if (t == NULL)
		return;
	if (!t->conf.rekey) {
		timer_disarm(e, &sa->rekey_timer);
		for (struct child_sa *c = sa->children; c; c = c->next)
			timer_disarm(e, &c->rekey_timer);
		return;
	}
	if (sa->state != SA_ESTABLISHED)
		return;
	if (t->conf.ike_lifetime > 0 && !timer_armed(&sa->rekey_timer) &&
	    !sa->want_rekey && sa->req.kind != REQ_IKE_REKEY) {
		at = sa->established_ms + jittered(e, t->conf.ike_lifetime);
		timer_arm(e, &sa->rekey_timer, at > now ? at : now);
	}
	for (struct child_sa *c = sa->children; c; c = c->next) {
		if (t->conf.child_lifetime == 0 ||
		    c->state != CHILD_INSTALLED || c->want_rekey ||
		    timer_armed(&c->rekey_timer))
			continue;
		at = c->installed_ms + jittered(e, t->conf.child_lifetime);
		timer_arm(e, &c->rekey_timer, at > now ? at : now);
	}
}

static void
rekey_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct ike_sa *sa = (struct ike_sa *)((char *)tm -
	    offsetof(struct ike_sa, rekey_timer));

	/* rekey applies in place: "no" since the SA started means we only
	 * answer the peer's rekeys (ike_sa_rekey_follow() disarms too). */
	if (sa->t == NULL || !sa->t->conf.rekey)
		return;
	sa->want_rekey = true;
	ike_sa_kick(e, sa);
}

/* The hard lifetime: whatever state the rekey is in, the SA ends. */
static void
expire_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct ike_sa *sa = (struct ike_sa *)((char *)tm -
	    offsetof(struct ike_sa, expire_timer));

	if (sa->state == SA_ESTABLISHED || sa->state == SA_REKEYED) {
		sa->want_delete = true;
		ike_sa_kick(e, sa);
		if (sa->req.kind == REQ_DELETE_IKE)
			return;
	}
	ike_sa_delete_now(e, sa);
}

void
ike_sa_heard(struct ike_engine *e, struct ike_sa *sa)
{
	sa->last_heard_ms = engine_now(e);
	if (sa->t != NULL)
		sa->t->dpd.last_heard = engine_wall(e);
}

/*
 * The ESP SAs follow the peer too: outbound to its new address and port,
 * inbound from them (RFC 3948); keys and counters stay.
 */
static void
children_move(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_endpoint *local, const struct ike_endpoint *remote)
{
	const struct kernel_ops *k = e->p.kernel;

	for (struct child_sa *c = sa->children; c; c = c->next) {
		struct kernel_sa_move out = { local->addr, remote->addr,
			local->port, remote->port };
		struct kernel_sa_move in = { remote->addr, local->addr,
			remote->port, local->port };
		struct diag d;

		c->natt = true;
		if (k->sa_move == NULL)
			continue;
		diag_init(&d);
		if (k->sa_move(e->p.kernel_arg, &sa->remote.addr, c->spi_out,
			&out, &d) < 0 ||
		    k->sa_move(e->p.kernel_arg, &sa->local.addr, c->spi_in, &in,
			&d) < 0)
			tunnel_error(e, sa->t, IKE_EV_KERNEL_ERROR, "%s",
			    d.count ? d.entries[0].text :
				      "the kernel did not follow the peer");
		diag_clear(&d);
	}
}

/*
 * RFC 7296 2.23: a message on port 4500 means the initiator floated
 * there after NAT detection: answer there from now on.  And when the
 * peer is behind a NAT, follow its address and port as they change (only
 * authenticated messages get here).
 */
void
ike_sa_endpoints_update(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_endpoint *local, const struct ike_endpoint *remote)
{
	bool moved = !ipaddr_equal(&sa->remote.addr, &remote->addr) ||
	    sa->remote.port != remote->port;
	char to[IPADDR_STRLEN];

	if (!sa->natt && local->port == IKE_NATT_PORT &&
	    sa->local.port != IKE_NATT_PORT) {
		sa->natt = true;
		sa->local = *local;
		sa->remote = *remote;
		return;
	}
	if (!sa->nat_remote || !moved)
		return;
	children_move(e, sa, local, remote);
	sa->remote = *remote;
	sa->local = *local;
	ipaddr_format(&remote->addr, to, sizeof(to));
	if (sa->t != NULL)
		tunnel_event(e, sa->t, IKE_EV_PEER_MOVED,
		    "the peer moved to %s port %u", to, remote->port);
}

/*
 * Starts the next piece of queued work when the window is free: delete
 * before rekey before DPD, since a delete makes the others moot.
 */
void
ike_sa_kick(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->req.kind != REQ_NONE || sa->state == SA_DEAD)
		return;
	if (sa->state != SA_ESTABLISHED && sa->state != SA_REKEYED)
		return;
	if (sa->want_delete) {
		sa->want_delete = false;
		info_delete_ike(e, sa);
		return;
	}
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->want_delete) {
			c->want_delete = false;
			info_delete_child(e, c);
			return;
		}
	if (sa->state != SA_ESTABLISHED)
		return;
	if (sa->want_reauth) {
		sa->want_reauth = false;
		if (ike_reauth_start(e, sa) < 0)
			tunnel_sa_gone(e, sa->t); /* retried with the backoff */
		return;
	}
	if (sa->want_rekey) {
		sa->want_rekey = false;
		ike_rekey_start(e, sa);
		return;
	}
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->want_rekey && c->state == CHILD_INSTALLED) {
			c->want_rekey = false;
			child_start_rekey(e, c);
			return;
		}
	if (child_next_pair(e, sa))
		return;
	if (sa->want_dpd) {
		sa->want_dpd = false;
		info_send_dpd(e, sa);
	}
}
