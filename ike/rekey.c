/*
 * ike/rekey.c: replacing an IKE SA.  Rekeying with CREATE_CHILD_SA
 * (RFC 7296 1.3.2, 2.18), both ends at once settled by the nonces
 * (2.8.1), and reauthentication make-before-break: a new IKE SA and its
 * CHILD SA first, the old one deleted only then.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

bool
ike_sa_rekey_requested(const struct ike_msg *m)
{
	const struct ike_payload *p = ike_msg_find(m, IKE_PL_SA);
	struct ike_sa_payload sa;

	return p != NULL && ike_sa_parse(p, &sa) == 0 && sa.n_proposals > 0 &&
	    sa.proposals[0].protocol == IKE_PROTO_IKE;
}

static bool
nonce_lower(const struct ike_sa *a, const struct ike_sa *b)
{
	return nonce_min_lower(a->min_nonce, a->min_nonce_len, b->min_nonce,
	    b->min_nonce_len);
}

/* The CHILD SAs of old now belong to new (2.18: they carry on). */
static void
children_move(struct ike_sa *old, struct ike_sa *new_sa)
{
	while (old->children != NULL) {
		struct child_sa *c = old->children;

		old->children = c->next;
		c->ike = new_sa;
		c->next = new_sa->children;
		new_sa->children = c;
	}
}

static void
take_over(struct ike_engine *e, struct ike_sa *old, struct ike_sa *new_sa)
{
	children_move(old, new_sa);
	ike_sa_set_state(e, old, SA_REKEYED);
	old->successor = new_sa;
	/* A commit's reauthentication waited for this rekey: the SA it
	 * now replaces is the new one. */
	if (old->want_reauth) {
		old->want_reauth = false;
		new_sa->want_reauth = true;
		ike_sa_kick(e, new_sa);
	}
	tunnel_event(e, old->t, IKE_EV_IKE_REKEYED,
	    "IKE SA rekeyed: SPIs %016llx_i %016llx_r",
	    (unsigned long long)new_sa->spi_i,
	    (unsigned long long)new_sa->spi_r);
}

static void
new_established(struct ike_engine *e, struct ike_sa *sa)
{
	ike_sa_init_done(sa);
	ike_sa_set_state(e, sa, SA_ESTABLISHED);
	sa->established_wall = engine_wall(e);
	sa->established_ms = engine_now(e);
	ike_sa_timers_start(e, sa);
}

/* A fresh IKE SA next to sa, sharing its addresses. */
static struct ike_sa *
sibling(struct ike_engine *e, struct ike_sa *sa, bool initiator)
{
	struct ike_sa *n = ike_sa_new(e, sa->t, initiator);

	if (n == NULL)
		return NULL;
	ike_sa_set_state(e, n, SA_REKEY_NEW);
	n->local = sa->local;
	n->remote = sa->remote;
	n->natt = sa->natt;
	n->nat_local = sa->nat_local;
	n->nat_remote = sa->nat_remote;
	n->frag = sa->frag; /* RFC 7383 2.3: a rekeyed SA keeps it */
	return n;
}

/*
 * Reauthentication, make-before-break: sa stays in use (REKEYED, its
 * CHILD SAs in the kernel) while a new IKE_SA_INIT and IKE_AUTH run with
 * the tunnel's configuration as it is now; init.c deletes sa once the
 * new IKE SA and its CHILD SA are up.  Should the new one fail, sa
 * carries on: see ike_reauth_failed().
 */
int
ike_reauth_start(struct ike_engine *e, struct ike_sa *sa)
{
	ike_sa_set_state(e, sa, SA_REKEYED);
	sa->reauth = true;
	sa->want_rekey = false; /* the new IKE SA makes these moot */
	for (struct child_sa *c = sa->children; c; c = c->next)
		c->want_rekey = false;
	return ike_init_start(e, sa->t);
}

/* The SA a reauthentication replaces, still carrying traffic, if any. */
struct ike_sa *
ike_reauth_old(const struct ike_tunnel *t)
{
	for (struct ike_sa *sa = t->sas; sa; sa = sa->tnext)
		if (sa->state == SA_REKEYED && sa->reauth)
			return sa;
	return NULL;
}

/*
 * A reauthentication failed when the old SA waits for a successor and
 * no new IKE SA is on its way (AUTHENTICATION_FAILED, NO_PROPOSAL_CHOSEN,
 * no answer: the new SA was dropped).
 */
bool
ike_reauth_failed(const struct ike_tunnel *t)
{
	const struct ike_sa *old = ike_reauth_old(t);

	if (old == NULL)
		return false;
	for (const struct ike_sa *sa = t->sas; sa; sa = sa->tnext)
		if (sa != old && sa->state != SA_DEAD &&
		    sa->state != SA_DELETING && sa->state != SA_REKEYED)
			return false;
	return true;
}

/*
 * A commit changed what the IKE SA was negotiated with (keys, proposals,
 * IDs, lifetimes): reauthenticate now rather than at the next rekey, so
 * that a wrong setting shows at once, while traffic stays on the SAs in
 * use until the new ones are up.  Attempts of ours still negotiating
 * the previous configuration are dropped first.  0 when nothing is up
 * (the caller starts the tunnel as usual) or a reauthentication began.
 */
int
ike_tunnel_reauth(struct ike_engine *e, struct ike_tunnel *t)
{
	struct ike_sa *sa, *next, *cur = NULL;

	for (sa = t->sas; sa; sa = next) {
		next = sa->tnext;
		if (sa->state == SA_INIT_SENT || sa->state == SA_AUTH_SENT) {
			ike_sa_set_state(e, sa, SA_DEAD);
			ike_sa_free(e, sa);
		}
	}
	for (sa = t->sas; sa; sa = sa->tnext)
		if (sa->state == SA_ESTABLISHED && sa->successor == NULL)
			cur = sa;
	if (cur == NULL)
		cur = ike_reauth_old(t);
	if (cur == NULL)
		return 0;
	t->reauth_commit = true;
	tunnel_reauth_error_clear(t);
	if (cur->state == SA_REKEYED) /* an earlier one failed or was cut */
		return ike_init_start(e, t);
	cur->want_reauth = true;
	ike_sa_kick(e, cur);
	return 0;
}

/*
 * Starts replacing sa: a reauthentication (a new IKE_SA_INIT, the old SA
 * kept until the new one is up) when the tunnel asks for it, else
 *   HDR, SK {SA, Ni, KEi}
 */
int
ike_rekey_start(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_tunnel *t = sa->t;
	struct ike_request *r = &sa->req;
	struct ike_sa *n;
	struct ike_buf inner;
	uint64_t spi;

	if (t->conf.reauth) {
		t->reauth_commit = false; /* the lifetime's, not a commit's */
		return ike_reauth_start(e, sa);
	}
	if ((n = sibling(e, sa, true)) == NULL)
		return -ENOMEM;
	n->in->ni_len = IKE_NONCE_LEN;
	engine_random(e, n->in->ni, n->in->ni_len);
	n->dh_group = sa->dh_group;
	if (ike_sa_req_sel(sa) == NULL ||
	    (r->dh = ike_dh_new(sa->dh_group)) == NULL) {
		ike_sa_free(e, n);
		return -ENOMEM;
	}
	ike_sa_offer(t, sa->dh_group, &r->sel->offer);
	spi = htobe64(n->spi_i);
	for (size_t i = 0; i < r->sel->offer.n_proposals; i++) {
		r->sel->offer.proposals[i].spi_size = 8;
		memcpy(r->sel->offer.proposals[i].spi, &spi, 8);
	}
	ike_sa_begin(sa, &inner);
	ike_sa_add(&inner, &r->sel->offer);
	ike_payload_add(&inner, IKE_PL_NONCE, false, n->in->ni, n->in->ni_len);
	if (ike_ke_public_add(r->dh, sa->dh_group, &inner) < 0) {
		ike_buf_free(&inner);
		ike_sa_free(e, n);
		return -ENOMEM;
	}
	r->new_sa = n;
	n->created_by_us = true;
	return ike_sa_send_request(e, sa, REQ_IKE_REKEY, IKE_CREATE_CHILD_SA,
	    &inner);
}

/* Keys and algorithms of a new SA from the exchange; 0 or a notify. */
static uint16_t
new_keys(struct ike_engine *e, struct ike_sa *old, struct ike_sa *n,
    const struct ike_proposal *chosen, struct ike_dh *dh,
    const struct ike_msg *m)
{
	const struct ike_payload *kp = ike_msg_find(m, IKE_PL_KE);
	struct ike_ke_payload ke;
	struct secbuf *g_ir = NULL;
	int rc;

	if (ike_sa_set_algs(n, chosen) < 0)
		return N_NO_PROPOSAL_CHOSEN;
	if (kp == NULL || ike_ke_parse(kp, &ke) < 0 || ke.group != n->dh_group)
		return N_INVALID_KE_PAYLOAD;
	if (ike_dh_derive(dh, ke.data, ke.len, &g_ir) < 0)
		return N_INVALID_SYNTAX;
	rc = ike_sa_keys_from(e, n, g_ir, old);
	secbuf_free(g_ir);
	nonce_min_keep(n->min_nonce, &n->min_nonce_len, n->in->ni,
	    n->in->ni_len, n->in->nr, n->in->nr_len);
	return rc < 0 ? N_TEMPORARY_FAILURE : 0;
}

/* As responder: the peer rekeys sa.  Long: 2.18's request is checked
 * and answered in one place, the new SA made only once all checks pass,
 * and a collision with our own rekey settled by 2.8.2. */
void
ike_rekey_request(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m)
{
	const struct ike_payload *sap = ike_msg_find(m, IKE_PL_SA);
	const struct ike_payload *np = ike_msg_find(m, IKE_PL_NONCE);
	struct ike_sa_payload offered, ours;
	struct ike_proposal chosen;
	struct ike_sa *n = NULL;
	struct ike_dh *dh = NULL;
	struct ike_buf inner;
	const uint8_t *ni;
	size_t ni_len;
	uint16_t err = 0;
	uint64_t spi;

	ike_sa_begin(sa, &inner);
	if (sa->state != SA_ESTABLISHED)
		err = N_TEMPORARY_FAILURE;
	else if (sap == NULL || np == NULL || ike_sa_parse(sap, &offered) < 0 ||
	    ike_nonce_parse(np, &ni, &ni_len) < 0)
		err = N_INVALID_SYNTAX;
	if (err == 0) {
		ike_sa_offer(sa->t, 0, &ours);
		if (ike_proposal_select(&offered, &ours, &chosen) < 0 ||
		    chosen.spi_size != 8)
			err = N_NO_PROPOSAL_CHOSEN;
	}
	if (err == 0 && (n = sibling(e, sa, false)) == NULL)
		err = N_TEMPORARY_FAILURE;
	if (err == 0) {
		memcpy(&spi, chosen.spi, 8);
		n->spi_i = be64toh(spi);
		memcpy(n->in->ni, ni, ni_len);
		n->in->ni_len = ni_len;
		n->in->nr_len = IKE_NONCE_LEN;
		engine_random(e, n->in->nr, n->in->nr_len);
		n->dh_group = ike_proposal_get(&chosen, IKE_TRANS_DH)->id;
		if ((dh = ike_dh_new(n->dh_group)) == NULL)
			err = N_TEMPORARY_FAILURE;
		else
			err = new_keys(e, sa, n, &chosen, dh, m);
	}
	if (err != 0) {
		if (n != NULL)
			ike_sa_free(e, n);
		if (err == N_INVALID_KE_PAYLOAD &&
		    sa->state == SA_ESTABLISHED) {
			uint16_t g = htobe16(
			    ike_proposal_get(&chosen, IKE_TRANS_DH)->id);

			ike_notify_add(&inner, 0, err, NULL, 0,
			    (const uint8_t *)&g, 2);
		} else {
			ike_notify_add(&inner, 0, err, NULL, 0, NULL, 0);
		}
		ike_dh_free(dh);
		ike_sa_send_response(e, sa, IKE_CREATE_CHILD_SA,
		    m->hdr.message_id, &inner);
		return;
	}
	spi = htobe64(n->spi_r);
	chosen.spi_size = 8;
	memcpy(chosen.spi, &spi, 8);
	ike_sa_add(&inner, &(struct ike_sa_payload){ 1, { chosen } });
	ike_payload_add(&inner, IKE_PL_NONCE, false, n->in->nr, n->in->nr_len);
	ike_ke_public_add(dh, n->dh_group, &inner);
	ike_dh_free(dh);
	ike_sa_send_response(e, sa, IKE_CREATE_CHILD_SA, m->hdr.message_id,
	    &inner);
	new_established(e, n);
	if (sa->req.kind == REQ_IKE_REKEY) {
		/* Both ends rekey at once: settled when ours returns. */
		sa->rekey_collision = true;
		sa->successor = n;
		return;
	}
	take_over(e, sa, n); /* the peer deletes sa */
}

/* Our rekey was answered. */
void
ike_rekey_response(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m)
{
	struct ike_request *r = &sa->req;
	struct ike_sa *n = r->new_sa, *theirs = sa->successor;
	const struct ike_payload *sap = ike_msg_find(m, IKE_PL_SA);
	const struct ike_payload *np = ike_msg_find(m, IKE_PL_NONCE);
	struct ike_sa_payload reply;
	struct ike_proposal chosen;
	const uint8_t *nr;
	size_t nr_len;
	uint64_t spi;
	uint16_t err = msg_error_notify(m);

	if (err == 0 &&
	    (sap == NULL || np == NULL || ike_sa_parse(sap, &reply) < 0 ||
		ike_nonce_parse(np, &nr, &nr_len) < 0 ||
		ike_proposal_check_reply(&r->sel->offer, &reply, &chosen) < 0 ||
		chosen.spi_size != 8))
		err = N_INVALID_SYNTAX;
	if (err == 0) {
		memcpy(&spi, chosen.spi, 8);
		n->spi_r = be64toh(spi);
		memcpy(n->in->nr, nr, nr_len);
		n->in->nr_len = nr_len;
		err = new_keys(e, sa, n, &chosen, r->dh, m);
	}
	r->new_sa = NULL;
	ike_sa_request_done(e, sa);
	if (err != 0) {
		/* Try again later; the SA lives on until its lifetime. */
		ike_sa_free(e, n);
		sa->rekey_collision = false;
		timer_arm(e, &sa->rekey_timer, engine_now(e) + 10000);
		ike_sa_kick(e, sa);
		return;
	}
	new_established(e, n);
	if (sa->rekey_collision && theirs != NULL) {
		sa->rekey_collision = false;
		if (nonce_lower(n, theirs)) {
			/* Ours is redundant: we delete it, they delete sa. */
			take_over(e, sa, theirs);
			n->want_delete = true;
			ike_sa_kick(e, n);
			return;
		}
		/* Theirs is redundant: they delete it. */
	}
	take_over(e, sa, n);
	sa->want_delete = true;
	ike_sa_kick(e, sa);
}
