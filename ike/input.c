/*
 * ike/input.c: the first steps of every datagram: parse, find the SA,
 * reassemble fragments (RFC 7383), decrypt, the window (RFC 7296 2.3),
 * answers to what cannot be parsed (2.5), then the exchange's handler.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

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

/*
 * A datagram from the network.  Long: the steps every datagram takes, in
 * the order they must run (copy, parse, IKE_SA_INIT apart, SA lookup,
 * fragment or decrypt, rules), read best as one sequence.
 */
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
