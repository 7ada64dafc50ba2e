/*
 * ike/negotiate.c: proposal choice and check (RFC 7296 2.7, 3.3.6),
 * traffic selector narrowing (2.9) and the shared-key AUTH value (2.15).
 * Pure functions over parsed payloads; the state machines call them.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>

#include "ike/negotiate.h"

static bool
same_transform(const struct ike_transform *a, const struct ike_transform *b)
{
	return a->type == b->type && a->id == b->id && a->keylen == b->keylen;
}

static bool
has_transform(const struct ike_proposal *p, const struct ike_transform *t)
{
	for (size_t i = 0; i < p->n_transforms; i++)
		if (same_transform(&p->transforms[i], t))
			return true;
	return false;
}

static bool
has_type(const struct ike_proposal *p, uint8_t type)
{
	for (size_t i = 0; i < p->n_transforms; i++)
		if (p->transforms[i].type == type)
			return true;
	return false;
}

const struct ike_transform *
ike_proposal_get(const struct ike_proposal *p, uint8_t type)
{
	for (size_t i = 0; i < p->n_transforms; i++)
		if (p->transforms[i].type == type)
			return &p->transforms[i];
	return NULL;
}

/*
 * One offered proposal against one of ours: for every transform type
 * either side uses, the peer's first transform (its preference) that we
 * also accept.  A type only one side uses makes them incompatible.
 */
static bool
match(const struct ike_proposal *off, const struct ike_proposal *ours,
    struct ike_proposal *out)
{
	if (off->protocol != ours->protocol)
		return false;
	memset(out, 0, sizeof(*out));
	out->num = off->num;
	out->protocol = off->protocol;
	out->spi_size = off->spi_size;
	memcpy(out->spi, off->spi, off->spi_size);
	for (uint8_t type = IKE_TRANS_ENCR; type <= IKE_TRANS_ESN; type++) {
		const struct ike_transform *pick = NULL;

		if (has_type(off, type) != has_type(ours, type))
			return false;
		for (size_t i = 0; i < off->n_transforms && pick == NULL; i++)
			if (off->transforms[i].type == type &&
			    has_transform(ours, &off->transforms[i]))
				pick = &off->transforms[i];
		if (has_type(off, type) && pick == NULL)
			return false;
		if (pick != NULL)
			out->transforms[out->n_transforms++] = *pick;
	}
	return out->n_transforms > 0;
}

int
ike_proposal_select(const struct ike_sa_payload *offered,
    const struct ike_sa_payload *ours, struct ike_proposal *chosen)
{
	for (size_t i = 0; i < offered->n_proposals; i++)
		for (size_t j = 0; j < ours->n_proposals; j++)
			if (match(&offered->proposals[i], &ours->proposals[j],
				chosen))
				return 0;
	return -ENOENT;
}

int
ike_proposal_check_reply(const struct ike_sa_payload *ours,
    const struct ike_sa_payload *reply, struct ike_proposal *chosen)
{
	const struct ike_proposal *r, *mine = NULL;

	/* RFC 7296 3.3.6: exactly one proposal, one transform per type. */
	if (reply->n_proposals != 1)
		return -EBADMSG;
	r = &reply->proposals[0];
	for (size_t i = 0; i < ours->n_proposals; i++)
		if (ours->proposals[i].num == r->num &&
		    ours->proposals[i].protocol == r->protocol)
			mine = &ours->proposals[i];
	if (mine == NULL)
		return -EBADMSG;
	for (uint8_t type = IKE_TRANS_ENCR; type <= IKE_TRANS_ESN; type++) {
		size_t n = 0;

		for (size_t i = 0; i < r->n_transforms; i++)
			if (r->transforms[i].type == type) {
				if (!has_transform(mine, &r->transforms[i]))
					return -EBADMSG;
				n++;
			}
		if (n != (has_type(mine, type) ? 1u : 0u))
			return -EBADMSG;
	}
	if (r->n_transforms == 0)
		return -EBADMSG;
	*chosen = *r;
	return 0;
}

static uint32_t
max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

static uint32_t
min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

void
ike_ts_narrow(const struct ike_ts_payload *ts,
    const struct ike_ts_payload *ours, struct ike_ts_payload *out)
{
	out->n = 0;
	for (size_t i = 0; i < ts->n; i++)
		for (size_t j = 0; j < ours->n && out->n < IKE_MAX_TS; j++) {
			const struct ike_ts *a = &ts->ts[i], *b = &ours->ts[j];
			struct ike_ts x;

			/* Protocol 0 is "any": the other side's narrows it. */
			if (a->ip_proto != 0 && b->ip_proto != 0 &&
			    a->ip_proto != b->ip_proto)
				continue;
			x.ip_proto = a->ip_proto ? a->ip_proto : b->ip_proto;
			x.start_port =
			    (uint16_t)max32(a->start_port, b->start_port);
			x.end_port = (uint16_t)min32(a->end_port, b->end_port);
			/* Families never intersect; within one, the later
			 * start and the earlier end (network order compares
			 * as numbers). */
			if (a->start.family != b->start.family)
				continue;
			x.start = memcmp(a->start.bytes, b->start.bytes, 16) >
				0 ?
			    a->start :
			    b->start;
			x.end = memcmp(a->end.bytes, b->end.bytes, 16) < 0 ?
			    a->end :
			    b->end;
			if (x.start_port > x.end_port ||
			    memcmp(x.start.bytes, x.end.bytes, 16) > 0)
				continue;
			out->ts[out->n++] = x;
		}
}

int
ike_psk_auth(const struct ike_prf_alg *prf, const struct secbuf *psk,
    const uint8_t *msg, size_t msg_len, const uint8_t *nonce, size_t nonce_len,
    const struct secbuf *sk_p, const uint8_t *id_body, size_t id_len,
    uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2"; /* 17 octets */
	uint8_t key[IKE_PRF_MAX], maced_id[IKE_PRF_MAX];
	struct secbuf *octets;
	int rc;

	octets = secbuf_new(msg_len + nonce_len + prf->len);
	if (octets == NULL)
		return -ENOMEM;
	rc = ike_prf(prf, psk->data, psk->len, (const uint8_t *)pad,
	    sizeof(pad) - 1, key);
	if (rc == 0)
		rc = ike_prf(prf, sk_p->data, sk_p->len, id_body, id_len,
		    maced_id);
	if (rc == 0) {
		memcpy(octets->data, msg, msg_len);
		memcpy(octets->data + msg_len, nonce, nonce_len);
		memcpy(octets->data + msg_len + nonce_len, maced_id, prf->len);
		rc =
		    ike_prf(prf, key, prf->len, octets->data, octets->len, out);
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(maced_id, sizeof(maced_id));
	secbuf_free(octets);
	return rc;
}
