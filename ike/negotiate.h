/*
 * ike/negotiate.h: the pure decisions of a negotiation, private to ike/:
 * choosing a proposal (RFC 7296 2.7), checking the one the peer chose,
 * narrowing traffic selectors (2.9), and the pre-shared-key AUTH value
 * (2.15).  No state, no I/O.
 */
#ifndef TUNSH_IKE_NEGOTIATE_H
#define TUNSH_IKE_NEGOTIATE_H

#include "ike/crypto.h"
#include "ike/msg.h"

/*
 * As responder: the first of the peer's proposals (its order is its
 * preference) that one of ours accepts, reduced to one transform of each
 * type, keeping the peer's proposal number and SPI.  -ENOENT when none
 * does (answer NO_PROPOSAL_CHOSEN).
 */
int ike_proposal_select(const struct ike_sa_payload *offered,
    const struct ike_sa_payload *ours, struct ike_proposal *chosen);
/*
 * As initiator: the responder's SA must hold one proposal that names one
 * of ours by number, with exactly one transform of each type we offered,
 * each one we offered.  -EBADMSG otherwise.
 */
int ike_proposal_check_reply(const struct ike_sa_payload *ours,
    const struct ike_sa_payload *reply, struct ike_proposal *chosen);
/* The transform of a type in a chosen proposal, or NULL. */
const struct ike_transform *ike_proposal_get(const struct ike_proposal *p,
    uint8_t type);

/*
 * RFC 7296 2.9: the selectors of ts that lie within ours, each cut down to
 * the intersection (address range, protocol, ports).  n = 0 means none
 * (answer TS_UNACCEPTABLE).
 */
void ike_ts_narrow(const struct ike_ts_payload *ts,
    const struct ike_ts_payload *ours, struct ike_ts_payload *out);

/*
 * RFC 7296 2.15, shared key: AUTH = prf(prf(PSK, "Key Pad for IKEv2"),
 * <Message> | <Peer's nonce> | prf(SK_p, <ID payload body>)), where
 * <Message> is the signer's IKE_SA_INIT message as sent and SK_p is the
 * signer's SK_pi or SK_pr.  out gets prf->len bytes.
 */
int ike_psk_auth(const struct ike_prf_alg *prf, const struct secbuf *psk,
    const uint8_t *msg, size_t msg_len, const uint8_t *nonce, size_t nonce_len,
    const struct secbuf *sk_p, const uint8_t *id_body, size_t id_len,
    uint8_t *out);

#endif
