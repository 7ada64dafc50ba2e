/*
 * ike/frag.c: IKE fragmentation (RFC 7383): cutting a protected message
 * that is too large for the path into Encrypted Fragment payloads, each
 * protected on its own, and putting received fragments back together
 * within bounds.  Whether fragmentation is used (the IKE_SA_INIT notify)
 * is init.c's; the window and the exchange are input.c's; this file
 * neither sends nor decides what a message means.
 *
 * A fragmented message is kept as a train: its datagrams back to back,
 * each beginning with an IKE header whose Length says where it ends, so
 * the request kept for retransmission and the cached response hold every
 * fragment and are resent whole (2.6.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

/* A message being reassembled: the decrypted plaintext of each fragment. */
struct frag_asm {
	uint32_t msg_id;
	bool response;
	uint16_t total, have;
	bool refused;  /* over IKE_FRAG_BYTES_MAX: the rest is dropped too */
	uint8_t first; /* Next Payload of fragment 1: the first inner type */
	size_t bytes;
	uint8_t *part[IKE_FRAG_MAX];
	size_t part_len[IKE_FRAG_MAX];
};

/* The IKE message bytes one datagram may carry: the configured UDP
 * payload less the non-ESP marker on 4500 (RFC 3948 2.2). */
size_t
frag_limit(const struct ike_engine *e, const struct ike_sa *sa)
{
	size_t n = e->p.fragment_size;

	return sa->natt && n > 4 ? n - 4 : n;
}

/* The most plaintext a fragment can carry within limit bytes. */
static size_t
chunk_max(const struct ike_sk_keys *k, size_t limit)
{
	size_t over = IKE_HDR_LEN + IKE_PAYLOAD_HDR_LEN + 4, n;

	if (limit <= over + k->encr->iv_len + 64)
		return 0;
	n = limit - over;
	/* ike_sk_len() grows with padding to the block: walk down. */
	while (n > 0 && ike_sk_len(k, n) > limit - over)
		n--;
	return n;
}

/*
 * RFC 7383 2.5: the inner chain in pieces, each
 *   HDR(Next Payload SKF, the original exchange, flags and Message ID),
 *   SKF {Fragment Number, Total Fragments, IV, piece, padding, ICV}
 * where the IKE header and the SKF header up to Total Fragments are the
 * associated data (RFC 5282 5.1) or covered by the ICV.  The first
 * fragment's Next Payload names the first inner payload, the others 0.
 */
int
frag_protect(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_header *h, const struct ike_buf *inner,
    struct ike_buf *train)
{
	struct ike_sk_keys k = ike_sa_sk_keys(sa, true);
	const uint8_t *plain = inner->data + 1;
	size_t len = inner->len - 1;
	size_t chunk = chunk_max(&k, frag_limit(e, sa)), total;
	int rc = 0;

	if (chunk == 0)
		return -EMSGSIZE;
	total = (len + chunk - 1) / chunk;
	if (total == 0)
		total = 1;
	if (total > UINT16_MAX)
		return -EMSGSIZE;
	ike_buf_init(train);
	for (size_t i = 0; i < total && rc == 0; i++) {
		size_t off = i * chunk;
		size_t n = len - off < chunk ? len - off : chunk;
		struct ike_buf f;
		uint8_t iv[16];
		size_t at;

		ike_buf_init(&f);
		ike_msg_begin(&f, h);
		at = ike_skf_open(&f, i == 0 ? inner->data[0] : IKE_PL_NONE,
		    (uint16_t)(i + 1), (uint16_t)total, ike_sk_len(&k, n));
		if ((rc = ike_buf_finish(&f)) == 0) {
			engine_random(e, iv, k.encr->iv_len);
			rc = ike_sk_encrypt(&k, f.data, at, iv, plain + off, n,
			    f.data + at);
		}
		if (rc == 0)
			rc = ike_buf_append(train, f.data, f.len);
		ike_buf_free(&f);
	}
	if (rc < 0)
		ike_buf_free(train);
	return rc;
}

static void
parts_free(struct frag_asm *a)
{
	for (size_t i = 0; i < IKE_FRAG_MAX; i++) {
		free(a->part[i]);
		a->part[i] = NULL;
		a->part_len[i] = 0;
	}
	a->have = 0;
	a->bytes = 0;
}

void
frag_discard(struct ike_engine *e, struct ike_sa *sa)
{
	(void)e;
	if (sa->rx_frag == NULL)
		return;
	parts_free(sa->rx_frag);
	free(sa->rx_frag);
	sa->rx_frag = NULL;
}

/* A fresh reassembly for the message of m, dropping an unfinished one. */
static struct frag_asm *
asm_start(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
    uint16_t total)
{
	struct frag_asm *a;

	if (sa->rx_frag != NULL) {
		e->c.frag_discarded++;
		frag_discard(e, sa);
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->msg_id = m->hdr.message_id;
	a->response = (m->hdr.flags & IKE_FLAG_RESPONSE) != 0;
	a->total = total;
	sa->rx_frag = a;
	return a;
}

/* Is this fragment's message one the window takes (RFC 7296 2.3)?  A
 * retransmitted request is answered from the cache. */
enum frag_window {
	FW_DROP,
	FW_NEW,
	FW_RETRANSMIT
};

static enum frag_window
window(const struct ike_sa *sa, const struct ike_msg *m)
{
	uint32_t id = m->hdr.message_id;

	if (m->hdr.flags & IKE_FLAG_RESPONSE)
		return sa->req.kind != REQ_NONE && sa->req.kind != REQ_INIT &&
			id == sa->req.msg_id ?
		    FW_NEW :
		    FW_DROP;
	if (sa->has_last_resp && id == sa->last_resp_id &&
	    id + 1 == sa->next_peer_id)
		return FW_RETRANSMIT;
	return id == sa->next_peer_id ? FW_NEW : FW_DROP;
}

/* Verifies and decrypts one fragment in place (RFC 7383 2.6: the ICV
 * of each fragment is checked before it is kept). */
static int
fragment_open(struct ike_sa *sa, const struct ike_payload *p, uint8_t *buf,
    uint8_t **plain, size_t *plain_len)
{
	struct ike_sk_keys k = ike_sa_sk_keys(sa, false);
	size_t body = p->offset + IKE_PAYLOAD_HDR_LEN + 4;

	return ike_sk_decrypt(&k, buf, body, buf + body, p->len - 4, plain,
	    plain_len);
}

/* Every fragment is in: the plaintext chain, in order, into *whole. */
static int
assemble(struct ike_engine *e, struct ike_sa *sa, uint8_t **whole, size_t *len,
    uint8_t *first)
{
	struct frag_asm *a = sa->rx_frag;
	uint8_t *w = malloc(a->bytes ? a->bytes : 1);
	size_t off = 0;

	if (w == NULL) {
		frag_discard(e, sa);
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->total; i++) {
		if (a->part_len[i] > 0)
			memcpy(w + off, a->part[i], a->part_len[i]);
		off += a->part_len[i];
	}
	*whole = w;
	*len = off;
	*first = a->first;
	e->c.frag_reassembled++;
	frag_discard(e, sa);
	return 1;
}

/*
 * One received Encrypted Fragment payload (m holds it alone, parsed from
 * buf, which is decrypted in place).  Returns 1 with the reassembled
 * inner chain in *whole (malloc'd, the caller frees it) and its first
 * payload type, 0 when the fragment was kept or answered, or a negative
 * errno when it was dropped (and counted).  Long: RFC 7383 2.6's checks,
 * each with its own drop counter, in the order the RFC gives them.
 */
int
frag_input(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
    uint8_t *buf, uint8_t **whole, size_t *len, uint8_t *first)
{
	const struct ike_payload *p = &m->pl[0];
	struct ike_skf_payload f;
	struct frag_asm *a = sa->rx_frag;
	enum frag_window w;
	uint8_t *plain;
	size_t plain_len;

	/* 2.5: fragments only where both ends announced support. */
	if (!sa->frag || sa->keys.sk_ei == NULL || ike_skf_parse(p, &f) < 0) {
		e->c.frag_dropped_invalid++;
		return -EBADMSG;
	}
	if ((w = window(sa, m)) == FW_DROP) {
		e->c.dropped_rules++;
		return -EBADMSG;
	}
	if (f.total > IKE_FRAG_MAX) {
		e->c.frag_dropped_too_many++;
		return -EMSGSIZE;
	}
	if (fragment_open(sa, p, buf, &plain, &plain_len) < 0) {
		e->c.frag_dropped_icv++;
		e->c.dropped_auth++;
		return -EBADMSG;
	}
	e->c.frag_rx++;
	if (w == FW_RETRANSMIT) {
		/* 2.6.1: the whole cached response once per retransmitted
		 * request, on its first fragment, not once per fragment. */
		if (f.number == 1) {
			e->c.retransmits++;
			ike_sa_send_raw(e, &sa->local, &sa->remote,
			    &sa->last_resp);
		}
		return 0;
	}
	if (a != NULL &&
	    (a->msg_id != m->hdr.message_id ||
		a->response != ((m->hdr.flags & IKE_FLAG_RESPONSE) != 0)))
		a = NULL; /* another message: asm_start() drops the old */
	if (a != NULL && f.total < a->total) {
		/* 2.6.2: fewer fragments than held are of an older try. */
		e->c.frag_dropped_invalid++;
		return -EBADMSG;
	}
	if (a == NULL || f.total > a->total) {
		/* 2.6.2: more means the sender cut it again smaller; what
		 * is held is of the older cut. */
		if ((a = asm_start(e, sa, m, f.total)) == NULL)
			return -ENOMEM;
	}
	if (a->part[f.number - 1] != NULL) {
		e->c.frag_dropped_dup++;
		return 0;
	}
	if (a->refused || plain_len > IKE_FRAG_BYTES_MAX - a->bytes) {
		/* The message is refused: what is held goes, and so does
		 * what comes of it later (unless cut anew, above). */
		e->c.frag_dropped_too_big++;
		parts_free(a);
		a->refused = true;
		return -EMSGSIZE;
	}
	if ((a->part[f.number - 1] = malloc(plain_len ? plain_len : 1)) == NULL)
		return -ENOMEM;
	memcpy(a->part[f.number - 1], plain, plain_len);
	a->part_len[f.number - 1] = plain_len;
	a->bytes += plain_len;
	if (f.number == 1)
		a->first = m->sk_next;
	if (++a->have < a->total)
		return 0;
	return assemble(e, sa, whole, len, first);
}
