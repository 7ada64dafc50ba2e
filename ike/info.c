/*
 * ike/info.c: INFORMATIONAL exchanges (RFC 7296 1.4): deleting CHILD and
 * IKE SAs, and the liveness check that is Dead Peer Detection (2.4), with
 * the guide's meaning of the timers: dpd timeout is how long the peer
 * may stay silent before a check is sent, dpd delay how long to wait for
 * its answer before the tunnel's DPD action.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

bool
msg_has_notify(const struct ike_msg *m, uint16_t type,
    struct ike_notify_payload *out)
{
	struct ike_notify_payload n;

	for (size_t i = 0; i < m->n_pl; i++)
		if (m->pl[i].type == IKE_PL_NOTIFY &&
		    ike_notify_parse(&m->pl[i], &n) == 0 && n.type == type) {
			if (out != NULL)
				*out = n;
			return true;
		}
	return false;
}

/* The first error notify of a response, or 0. */
uint16_t
msg_error_notify(const struct ike_msg *m)
{
	struct ike_notify_payload n;

	for (size_t i = 0; i < m->n_pl; i++)
		if (m->pl[i].type == IKE_PL_NOTIFY &&
		    ike_notify_parse(&m->pl[i], &n) == 0 &&
		    n.type <= N_ERROR_MAX)
			return n.type;
	return 0;
}

/* An empty INFORMATIONAL request: the liveness check. */
int
info_send_dpd(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_buf inner;

	ike_sa_begin(sa, &inner);
	if (sa->t != NULL) {
		sa->t->dpd.in_flight++;
		sa->t->dpd.checks++;
		sa->t->dpd.last_check = engine_wall(e);
	}
	return ike_sa_send_request(e, sa, REQ_DPD, IKE_INFORMATIONAL, &inner);
}

int
info_delete_child(struct ike_engine *e, struct child_sa *c)
{
	struct ike_sa *sa = c->ike;
	struct ike_buf inner;
	uint32_t spi = htobe32(c->spi_in);

	child_set_state(e, c, CHILD_DELETING);
	timer_disarm(e, &c->rekey_timer);
	ike_sa_begin(sa, &inner);
	ike_delete_add(&inner, IKE_PROTO_ESP, 4, (const uint8_t *)&spi, 1);
	sa->req.child = c;
	return ike_sa_send_request(e, sa, REQ_DELETE_CHILD, IKE_INFORMATIONAL,
	    &inner);
}

int
info_delete_ike(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_buf inner;

	ike_sa_set_state(e, sa, SA_DELETING);
	ike_sa_begin(sa, &inner);
	ike_delete_add(&inner, IKE_PROTO_IKE, 0, NULL, 0);
	return ike_sa_send_request(e, sa, REQ_DELETE_IKE, IKE_INFORMATIONAL,
	    &inner);
}

/*
 * The peer deletes CHILD SAs (1.4.1): each SPI is its inbound, our
 * outbound; the answer lists our inbound SPIs of the same SAs.
 */
static void
delete_children(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_delete_payload *d, struct ike_buf *inner)
{
	uint32_t ours[IKE_MAX_SPIS];
	size_t n = 0;

	for (size_t i = 0; i < d->n_spis && d->spi_size == 4; i++) {
		uint32_t spi;
		struct child_sa *c;

		memcpy(&spi, d->spis + 4 * i, 4);
		if ((c = child_by_spi(sa, be32toh(spi), false)) == NULL)
			continue;
		/* Our own delete of it crossed theirs: it is answered
		 * here, and our request gets an empty answer (2.25.1). */
		ours[n++] = htobe32(c->spi_in);
		child_unlink(sa, c);
		child_free(e, c, true);
	}
	if (n > 0)
		ike_delete_add(inner, IKE_PROTO_ESP, 4, (const uint8_t *)ours,
		    n);
}

void
info_request(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_buf inner;
	bool ike_gone = false;

	ike_sa_begin(sa, &inner);
	for (size_t i = 0; i < m->n_pl; i++) {
		struct ike_delete_payload d;

		if (m->pl[i].type != IKE_PL_DELETE ||
		    ike_delete_parse(&m->pl[i], &d) < 0)
			continue;
		if (d.protocol == IKE_PROTO_IKE)
			ike_gone = true;
		else if (d.protocol == IKE_PROTO_ESP)
			delete_children(e, sa, &d, &inner);
	}
	if (ike_gone) {
		/* 1.4.1: the answer is empty, then the SA is gone. */
		struct ike_tunnel *t = sa->t;

		ike_buf_free(&inner);
		ike_sa_begin(sa, &inner);
		ike_sa_send_response(e, sa, IKE_INFORMATIONAL,
		    m->hdr.message_id, &inner);
		if (t != NULL && sa->successor == NULL && !sa->reauth &&
		    sa->state == SA_ESTABLISHED)
			tunnel_event(e, t, IKE_EV_DELETED_BY_PEER,
			    "the peer deleted the IKE SA");
		ike_sa_delete_now(e, sa);
		return;
	}
	ike_sa_send_response(e, sa, IKE_INFORMATIONAL, m->hdr.message_id,
	    &inner);
}

void
info_response(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	enum req_kind kind = sa->req.kind;
	struct child_sa *c = sa->req.child;

	(void)m;
	ike_sa_request_done(e, sa);
	switch (kind) {
	case REQ_DPD:
		if (sa->t != NULL) {
			sa->t->dpd.in_flight = 0;
			sa->t->dpd.last_result = 1;
		}
		break;
	case REQ_DELETE_CHILD:
		if (c != NULL) {
			child_unlink(sa, c);
			child_free(e, c, true);
		}
		break;
	case REQ_DELETE_IKE:
		ike_sa_delete_now(e, sa);
		return;
	default:
		break;
	}
	ike_sa_kick(e, sa);
}

/* Inbound ESP more recent than since (wall seconds), per the kernel. */
static bool
esp_heard_since(struct ike_engine *e, struct ike_sa *sa, uint64_t since)
{
	for (struct child_sa *c = sa->children; c; c = c->next) {
		struct kernel_sa_stats st = { 0 };

		if (e->p.kernel->sa_query(e->p.kernel_arg, &sa->local.addr,
			c->spi_in, &st) == 0 &&
		    st.use_time >= since && st.use_time != 0)
			return true;
	}
	return false;
}

/*
 * Every dpd timeout seconds: if neither an IKE message nor inbound ESP
 * came in that time, send a liveness check.
 */
void
ike_sa_dpd_timer(struct ike_engine *e, struct ike_timer *tm)
{
	struct ike_sa *sa =
	    (struct ike_sa *)((char *)tm - offsetof(struct ike_sa, dpd_timer));
	struct ike_tunnel *t = sa->t;
	uint64_t now = engine_now(e), period;

	if (t == NULL || t->conf.dpd_timeout == 0)
		return;
	period = (uint64_t)t->conf.dpd_timeout * 1000;
	if (now - sa->last_heard_ms >= period &&
	    !esp_heard_since(e, sa, engine_wall(e) - t->conf.dpd_timeout)) {
		sa->want_dpd = true;
		ike_sa_kick(e, sa);
		timer_arm(e, tm, now + period);
		return;
	}
	timer_arm(e, tm,
	    sa->last_heard_ms + period > now ? sa->last_heard_ms + period :
					       now + period);
}
