/*
 * ike/rules.c: which payloads each exchange may carry (RFC 7296 1.2-1.5),
 * as a table read against the RFC's message diagrams.  Checked on the
 * plaintext: for protected exchanges, after the SK payload is decrypted
 * and its inner chain appended to the message.
 */
#include <errno.h>

#include "ike/msg.h"

#define B(t) (1u << ((t)-32))

struct exchange_rule {
	uint8_t exchange;
	bool response;
	uint32_t required;
	uint32_t allowed; /* includes required */
};

static const struct exchange_rule rules[] = {
	/* HDR, SAi1, KEi, Ni, [N+], [V+] */
	{ IKE_SA_INIT, false, B(IKE_PL_SA) | B(IKE_PL_KE) | B(IKE_PL_NONCE),
	    B(IKE_PL_SA) | B(IKE_PL_KE) | B(IKE_PL_NONCE) | B(IKE_PL_NOTIFY) |
		B(IKE_PL_VENDOR) },
	/* HDR, SAr1, KEr, Nr, [CERTREQ], [N+], [V+] */
	{ IKE_SA_INIT, true, B(IKE_PL_SA) | B(IKE_PL_KE) | B(IKE_PL_NONCE),
	    B(IKE_PL_SA) | B(IKE_PL_KE) | B(IKE_PL_NONCE) | B(IKE_PL_CERTREQ) |
		B(IKE_PL_NOTIFY) | B(IKE_PL_VENDOR) },
	/* SK {IDi, [CERT+], [N+], [CERTREQ+], [IDr], AUTH, [CP], SAi2, TSi,
	 * TSr, [V+]}; SA and TS are absent in a childless IKE_AUTH. */
	{ IKE_AUTH, false, B(IKE_PL_IDI) | B(IKE_PL_AUTH),
	    B(IKE_PL_IDI) | B(IKE_PL_AUTH) | B(IKE_PL_CERT) |
		B(IKE_PL_CERTREQ) | B(IKE_PL_IDR) | B(IKE_PL_CP) |
		B(IKE_PL_SA) | B(IKE_PL_TSI) | B(IKE_PL_TSR) |
		B(IKE_PL_NOTIFY) | B(IKE_PL_VENDOR) | B(IKE_PL_EAP) },
	/* SK {IDr, [CERT+], AUTH, [CP], [N+], SAr2, TSi, TSr, [V+]} */
	{ IKE_AUTH, true, B(IKE_PL_IDR) | B(IKE_PL_AUTH),
	    B(IKE_PL_IDR) | B(IKE_PL_AUTH) | B(IKE_PL_CERT) | B(IKE_PL_CP) |
		B(IKE_PL_SA) | B(IKE_PL_TSI) | B(IKE_PL_TSR) |
		B(IKE_PL_NOTIFY) | B(IKE_PL_VENDOR) | B(IKE_PL_EAP) },
	/* SK {[N(REKEY_SA)], [N+], SA, Ni, [KEi], [TSi, TSr]} */
	{ IKE_CREATE_CHILD_SA, false, B(IKE_PL_SA) | B(IKE_PL_NONCE),
	    B(IKE_PL_SA) | B(IKE_PL_NONCE) | B(IKE_PL_KE) | B(IKE_PL_TSI) |
		B(IKE_PL_TSR) | B(IKE_PL_NOTIFY) | B(IKE_PL_VENDOR) },
	/* SK {SA, Nr, [KEr], [TSi, TSr]} */
	{ IKE_CREATE_CHILD_SA, true, B(IKE_PL_SA) | B(IKE_PL_NONCE),
	    B(IKE_PL_SA) | B(IKE_PL_NONCE) | B(IKE_PL_KE) | B(IKE_PL_TSI) |
		B(IKE_PL_TSR) | B(IKE_PL_NOTIFY) | B(IKE_PL_VENDOR) },
	/* SK {[N+], [D+], [CP+]}: an empty one is a liveness check. */
	{ IKE_INFORMATIONAL, false, 0,
	    B(IKE_PL_NOTIFY) | B(IKE_PL_DELETE) | B(IKE_PL_CP) |
		B(IKE_PL_VENDOR) },
	{ IKE_INFORMATIONAL, true, 0,
	    B(IKE_PL_NOTIFY) | B(IKE_PL_DELETE) | B(IKE_PL_CP) |
		B(IKE_PL_VENDOR) },
};

/* Payloads that may appear once only in a message. */
static const uint32_t unique = B(IKE_PL_SA) | B(IKE_PL_KE) | B(IKE_PL_IDI) |
    B(IKE_PL_IDR) | B(IKE_PL_AUTH) | B(IKE_PL_NONCE) | B(IKE_PL_TSI) |
    B(IKE_PL_TSR) | B(IKE_PL_SK);

static int
refuse(struct ike_parse_err *err, uint8_t payload, size_t offset)
{
	if (err != NULL) {
		err->code = IKE_PARSE_RULES;
		err->payload = payload;
		err->offset = offset;
	}
	return -EBADMSG;
}

int
ike_msg_check_rules(const struct ike_msg *m, struct ike_parse_err *err)
{
	bool response = (m->hdr.flags & IKE_FLAG_RESPONSE) != 0;
	const struct exchange_rule *r = NULL;
	uint32_t seen = 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].exchange == m->hdr.exchange &&
		    rules[i].response == response)
			r = &rules[i];
	if (r == NULL)
		return refuse(err, 0, 18);
	for (size_t i = 0; i < m->n_pl; i++) {
		const struct ike_payload *p = &m->pl[i];
		uint32_t bit;

		/* The envelope: only protected exchanges have one. */
		if (p->type == IKE_PL_SK || p->type == IKE_PL_SKF) {
			if (m->hdr.exchange == IKE_SA_INIT || i != 0)
				return refuse(err, p->type, p->offset);
			continue;
		}
		if (p->type < 32 || p->type > 63)
			continue; /* unknown, non-critical: ignored (2.5) */
		bit = B(p->type);
		if ((bit & unique) && (seen & bit))
			return refuse(err, p->type, p->offset);
		seen |= bit;
		if (!(r->allowed & bit))
			return refuse(err, p->type, p->offset);
	}
	/* Everything after IKE_SA_INIT travels inside SK. */
	if (m->hdr.exchange != IKE_SA_INIT &&
	    (m->n_pl == 0 ||
		(m->pl[0].type != IKE_PL_SK && m->pl[0].type != IKE_PL_SKF)))
		return refuse(err, m->n_pl ? m->pl[0].type : 0, IKE_HDR_LEN);
	/* An error notify alone is a complete response (RFC 7296 2.21). */
	if (response && seen == B(IKE_PL_NOTIFY))
		return 0;
	if ((seen & r->required) != r->required) {
		uint32_t missing = r->required & ~seen;
		uint8_t type = 32;

		while (!(missing & 1)) {
			missing >>= 1;
			type++;
		}
		return refuse(err, type, 0);
	}
	/* Traffic selectors come in pairs. */
	if (!(seen & B(IKE_PL_TSI)) != !(seen & B(IKE_PL_TSR)))
		return refuse(err,
		    seen & B(IKE_PL_TSI) ? IKE_PL_TSR : IKE_PL_TSI, 0);
	return 0;
}
