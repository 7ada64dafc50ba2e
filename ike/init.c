/*
 * ike/init.c: the first two exchanges, as initiator and responder
 * (RFC 7296 1.2): IKE_SA_INIT with NAT detection (2.23), cookies (2.6)
 * and the INVALID_KE_PAYLOAD retry (1.2), then IKE_AUTH with pre-shared
 * keys (2.15) and the first CHILD SA.  Failures are named in words on the
 * tunnel for the show commands.
 */
#include <endian.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

#define KE_MAX 512 /* MODP 4096, the largest group we offer */

/* Our IKE proposals, numbered from 1 in the tunnel's order. */
void
ike_sa_offer(const struct ike_tunnel *t, uint16_t first_dh,
    struct ike_sa_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < t->conf.n_ike && i < IKE_MAX_PROPOSALS; i++) {
		const struct ike_algs *a = &t->conf.ike[i];
		struct ike_proposal *p = &out->proposals[out->n_proposals++];
		size_t n = 0;

		p->num = (uint8_t)(i + 1);
		p->protocol = IKE_PROTO_IKE;
		for (size_t j = 0; j < a->n_encr; j++)
			p->transforms[n++] =
			    (struct ike_transform){ IKE_TRANS_ENCR, a->encr[j],
				    a->encr_bits[j] };
		for (size_t j = 0; j < a->n_prf; j++)
			p->transforms[n++] =
			    (struct ike_transform){ IKE_TRANS_PRF, a->prf[j],
				    0 };
		for (size_t j = 0; j < a->n_integ; j++)
			p->transforms[n++] =
			    (struct ike_transform){ IKE_TRANS_INTEG,
				    a->integ[j], 0 };
		/* The group we send a KE for goes first (RFC 7296 1.2). */
		if (first_dh != 0)
			for (size_t j = 0; j < a->n_dh; j++)
				if (a->dh[j] == first_dh)
					p->transforms[n++] =
					    (struct ike_transform){
						    IKE_TRANS_DH, first_dh, 0
					    };
		for (size_t j = 0; j < a->n_dh; j++)
			if (a->dh[j] != first_dh)
				p->transforms[n++] =
				    (struct ike_transform){ IKE_TRANS_DH,
					    a->dh[j], 0 };
		p->n_transforms = n;
	}
}

/* RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | Port). */
static void
nat_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_endpoint *ep,
    uint8_t out[20])
{
	uint8_t in[8 + 8 + 16 + 2];
	uint64_t si = htobe64(spi_i), sr = htobe64(spi_r);
	size_t alen = ep->addr.family == AF_INET6 ? 16 : 4;
	uint16_t p = htobe16(ep->port);
	unsigned int len = 20;

	/* The address as it is on the wire: 4 or 16 bytes. */
	memcpy(in, &si, 8);
	memcpy(in + 8, &sr, 8);
	memcpy(in + 16, ep->addr.bytes, alen);
	memcpy(in + 16 + alen, &p, 2);
	EVP_Digest(in, 16 + alen + 2, out, &len, EVP_sha1(), NULL);
}

static void
nat_notifies_add(struct ike_buf *b, uint64_t spi_i, uint64_t spi_r,
    const struct ike_endpoint *local, const struct ike_endpoint *remote)
{
	uint8_t h[20];

	nat_hash(spi_i, spi_r, local, h);
	ike_notify_add(b, 0, N_NAT_DETECTION_SOURCE_IP, NULL, 0, h, 20);
	nat_hash(spi_i, spi_r, remote, h);
	ike_notify_add(b, 0, N_NAT_DETECTION_DESTINATION_IP, NULL, 0, h, 20);
}

/* Compares the peer's NAT notifies with what we see (2.23). */
static void
nat_detect(struct ike_sa *sa, const struct ike_msg *m, uint64_t spi_r)
{
	struct ike_notify_payload n;
	uint8_t h[20];

	if (msg_has_notify(m, N_NAT_DETECTION_SOURCE_IP, &n)) {
		nat_hash(sa->spi_i, spi_r, &sa->remote, h);
		sa->nat_remote = n.data_len != 20 || memcmp(n.data, h, 20);
	}
	if (msg_has_notify(m, N_NAT_DETECTION_DESTINATION_IP, &n)) {
		nat_hash(sa->spi_i, spi_r, &sa->local, h);
		sa->nat_local = n.data_len != 20 || memcmp(n.data, h, 20);
	}
}

static int
nonce_get(const struct ike_msg *m, uint8_t *out, size_t *len)
{
	const struct ike_payload *p = ike_msg_find(m, IKE_PL_NONCE);
	const uint8_t *d;
	size_t n;

	if (p == NULL || ike_nonce_parse(p, &d, &n) < 0)
		return -EBADMSG;
	memcpy(out, d, n);
	*len = n;
	return 0;
}

/* As responder: nothing the peer offered is acceptable; both offers go
 * into the error so the admin can compare them. */
void
tunnel_no_proposal(struct ike_engine *e, struct ike_tunnel *t, const char *kind,
    const struct ike_sa_payload *offered, const struct ike_sa_payload *ours)
{
	const char *hint = kind[0] == 'I' ? t->conf.no_proposal_hint : NULL;
	char theirs[256], mine[256];

	ike_offers_format(offered, theirs, sizeof(theirs));
	ike_offers_format(ours, mine, sizeof(mine));
	tunnel_error(e, t, IKE_EV_NO_PROPOSAL,
	    "no common %s proposal: the peer offered %s; we accept %s%s%s",
	    kind, theirs, mine, hint ? "; " : "", hint ? hint : "");
}

/* Sends our IKE_SA_INIT request (again, after a cookie or a new group). */
static int
init_send(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_header h = {
		.spi_i = sa->spi_i,
		.exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_INITIATOR,
	};
	uint8_t ke[KE_MAX];
	size_t ke_len = sizeof(ke);
	struct ike_buf *b = &sa->in->init_ours;

	ike_dh_free(sa->in->dh);
	if ((sa->in->dh = ike_dh_new(sa->dh_group)) == NULL ||
	    ike_dh_public(sa->in->dh, ke, &ke_len) < 0)
		return -ENOMEM;
	ike_sa_offer(sa->t, sa->dh_group, &sa->in->offer);
	ike_buf_free(b);
	ike_msg_begin(b, &h);
	if (sa->in->cookie_len > 0)
		ike_notify_add(b, 0, N_COOKIE, NULL, 0, sa->in->cookie,
		    sa->in->cookie_len);
	ike_sa_add(b, &sa->in->offer);
	ike_ke_add(b, sa->dh_group, ke, ke_len);
	ike_payload_add(b, IKE_PL_NONCE, false, sa->in->ni, sa->in->ni_len);
	nat_notifies_add(b, sa->spi_i, 0, &sa->local, &sa->remote);
	/* RFC 7383 2.3: announced unless fragmentation is off here. */
	if (!e->p.fragment_off)
		ike_notify_add(b, 0, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0,
		    NULL, 0);
	if (ike_buf_finish(b) < 0)
		return -ENOMEM;
	/* The request as sent is what the retransmit timer resends. */
	if (ike_buf_copy(&sa->req.msg, b) < 0)
		return -ENOMEM;
	sa->req.kind = REQ_INIT;
	sa->req.msg_id = 0;
	sa->req.tries = 0;
	sa->req.sent_ms = engine_now(e);
	sa->next_req_id = 1;
	ike_sa_send_raw(e, &sa->local, &sa->remote, b);
	timer_arm(e, &sa->retransmit, engine_now(e) + e->p.retransmit_ms);
	return 0;
}

/* The first DH group of the first IKE proposal: what the KE carries. */
static uint16_t
first_group(const struct ike_tunnel *t)
{
	return t->conf.n_ike > 0 && t->conf.ike[0].n_dh > 0 ?
	    t->conf.ike[0].dh[0] :
	    0;
}

/*
 * The group of a new IKE_SA_INIT: the one the peer last agreed to or
 * asked for, while our proposals still offer it, so that a restart, a
 * reauthentication or a tunnel held by DPD coming back does not pay an
 * INVALID_KE round trip each time (libreswan asks for MODP-2048 before
 * X25519, AWS for the lowest group it is configured with); else our
 * first.
 */
static uint16_t
start_group(const struct ike_tunnel *t)
{
	for (size_t i = 0; t->want_group != 0 && i < t->conf.n_ike; i++)
		for (size_t j = 0; j < t->conf.ike[i].n_dh; j++)
			if (t->conf.ike[i].dh[j] == t->want_group)
				return t->want_group;
	return first_group(t);
}

int
ike_init_start(struct ike_engine *e, struct ike_tunnel *t)
{
	struct ike_sa *sa;
	int rc;

	if (names_before_init(e, t) != 0)
		return 0; /* a peer by name: its answer starts it */
	if ((sa = ike_sa_new(e, t, true)) == NULL)
		return -ENOMEM;
	sa->local = (struct ike_endpoint){ t->conf.local_addr, IKE_PORT };
	sa->remote = (struct ike_endpoint){ t->conf.remote_addr, IKE_PORT };
	sa->dh_group = start_group(t);
	sa->in->ni_len = IKE_NONCE_LEN;
	engine_random(e, sa->in->ni, sa->in->ni_len);
	sa->created_by_us = true;
	ike_sa_set_state(e, sa, SA_INIT_SENT);
	if ((rc = init_send(e, sa)) < 0) {
		ike_sa_free(e, sa);
		return rc;
	}
	return 0;
}

/* An unprotected IKE_SA_INIT response carrying one notify. */
void
init_notify_reply(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, uint64_t spi_i, uint16_t type,
    const uint8_t *data, size_t len)
{
	struct ike_header h = {
		.spi_i = spi_i,
		.exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_RESPONSE,
	};
	struct ike_buf b;

	ike_buf_init(&b);
	ike_msg_begin(&b, &h);
	ike_notify_add(&b, 0, type, NULL, 0, data, len);
	if (ike_buf_finish(&b) == 0)
		ike_sa_send_raw(e, local, remote, &b);
	ike_buf_free(&b);
}

/*
 * RFC 7296 2.6: Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi |
 * <secret>), so a responder under load keeps no state until the
 * initiator proves it can receive at its address.
 */
static size_t
cookie_make(const struct ike_engine *e, const uint8_t *ni, size_t ni_len,
    const struct ipaddr *ip, uint64_t spi_i, uint8_t out[33])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t s = htobe64(spi_i);
	unsigned int len = 32;

	out[0] = 1; /* version of the secret */
	if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, ni, ni_len) ||
	    !EVP_DigestUpdate(ctx, ip->bytes, ipaddr_bits(ip) / 8) ||
	    !EVP_DigestUpdate(ctx, &s, 8) ||
	    !EVP_DigestUpdate(ctx, e->cookie_secret,
		sizeof(e->cookie_secret)) ||
	    !EVP_DigestFinal_ex(ctx, out + 1, &len))
		len = 0;
	EVP_MD_CTX_free(ctx);
	return len ? 33 : 0;
}

/* True when the request may go on: no cookie needed or a good one. */
static bool
cookie_check(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const struct ike_msg *m,
    const uint8_t *ni, size_t ni_len)
{
	struct ike_notify_payload n;
	uint8_t want[33];
	size_t len;

	if (!half_open_cookie_wanted(e, &remote->addr))
		return true;
	len = cookie_make(e, ni, ni_len, &remote->addr, m->hdr.spi_i, want);
	if (len > 0 && msg_has_notify(m, N_COOKIE, &n) && n.data_len == len &&
	    CRYPTO_memcmp(n.data, want, len) == 0)
		return true;
	e->c.cookies_sent++;
	init_notify_reply(e, local, remote, m->hdr.spi_i, N_COOKIE, want, len);
	return false;
}

/* RFC 7296 2.14: the keys of a new IKE SA, fresh or by rekey. */
int
ike_sa_keys_from(struct ike_engine *e, struct ike_sa *sa,
    const struct secbuf *g_ir, const struct ike_sa *old)
{
	(void)e;
	ike_keys_free(&sa->keys);
	if (old != NULL)
		return ike_keys_rekey(sa->prf, sa->encr, sa->integ,
		    old->keys.sk_d, g_ir, sa->in->ni, sa->in->ni_len,
		    sa->in->nr, sa->in->nr_len, sa->spi_i, sa->spi_r,
		    &sa->keys);
	return ike_keys_derive(sa->prf, sa->encr, sa->integ, sa->in->ni,
	    sa->in->ni_len, sa->in->nr, sa->in->nr_len, g_ir, sa->spi_i,
	    sa->spi_r, &sa->keys);
}

/* Sets the algorithms of a chosen IKE proposal; -ENOTSUP if unusable. */
int
ike_sa_set_algs(struct ike_sa *sa, const struct ike_proposal *p)
{
	const struct ike_transform *en = ike_proposal_get(p, IKE_TRANS_ENCR);
	const struct ike_transform *pr = ike_proposal_get(p, IKE_TRANS_PRF);
	const struct ike_transform *in = ike_proposal_get(p, IKE_TRANS_INTEG);
	const struct ike_transform *dh = ike_proposal_get(p, IKE_TRANS_DH);

	if (en == NULL || pr == NULL || dh == NULL)
		return -ENOTSUP;
	sa->encr = ike_encr_alg(en->id, en->keylen);
	sa->prf = ike_prf_alg(pr->id);
	sa->integ = in ? ike_integ_alg(in->id) : NULL;
	sa->dh_group = dh->id;
	if (sa->encr == NULL || sa->prf == NULL ||
	    (sa->encr->aead ? in != NULL : sa->integ == NULL))
		return -ENOTSUP;
	return 0;
}

/* DH with the peer's KE; the shared secret in *g_ir. */
static int
dh_finish(struct ike_dh *dh, const struct ike_msg *m, uint16_t group,
    struct secbuf **g_ir)
{
	const struct ike_payload *p = ike_msg_find(m, IKE_PL_KE);
	struct ike_ke_payload ke;

	if (p == NULL || ike_ke_parse(p, &ke) < 0 || ke.group != group)
		return -EBADMSG;
	return ike_dh_derive(dh, ke.data, ke.len, g_ir);
}

/*
 * The responder's half of IKE_SA_INIT.  Everything that can refuse the
 * request is checked before any state is made (2.6: a flood of these
 * must cost little).  Long: the checks run in the order 2.6 and 2.7 give
 * them (cookie, half-open bounds, proposal, KE group), each with its own
 * answer, and splitting them would hide that order.
 */
void
ike_init_request(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const struct ike_msg *m,
    const uint8_t *buf, size_t len)
{
	struct ike_sa *sa = ike_sa_lookup_half_open(e, m->hdr.spi_i, remote);
	struct ike_sa_payload offered, ours;
	struct ike_proposal chosen;
	const struct ike_payload *sap = ike_msg_find(m, IKE_PL_SA);
	const struct ike_payload *kep = ike_msg_find(m, IKE_PL_KE);
	struct ike_ke_payload ke;
	struct ike_tunnel *t;
	struct secbuf *g_ir = NULL;
	uint8_t ni[IKE_NONCE_MAX], kebuf[KE_MAX];
	size_t ni_len, ke_len = sizeof(kebuf);
	struct ike_header h;

	if (sa != NULL) { /* a retransmission: the same answer (2.1) */
		ike_sa_send_raw(e, &sa->local, &sa->remote, &sa->in->init_ours);
		return;
	}
	if ((t = tunnel_by_remote(e, &remote->addr, &local->addr)) == NULL ||
	    !t->conf.enable) {
		e->c.dropped_unknown_spi++;
		return;
	}
	names_peer_at(e, t, &remote->addr);
	if (sap == NULL || kep == NULL || ike_sa_parse(sap, &offered) < 0 ||
	    ike_ke_parse(kep, &ke) < 0 || nonce_get(m, ni, &ni_len) < 0) {
		e->c.dropped_parse++;
		return;
	}
	if (!cookie_check(e, local, remote, m, ni, ni_len) ||
	    !half_open_admit(e, &remote->addr))
		return;
	ike_sa_offer(t, 0, &ours);
	if (ike_proposal_select(&offered, &ours, &chosen) < 0) {
		tunnel_no_proposal(e, t, "IKE", &offered, &ours);
		init_notify_reply(e, local, remote, m->hdr.spi_i,
		    N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (ike_proposal_get(&chosen, IKE_TRANS_DH)->id != ke.group) {
		uint16_t g =
		    htobe16(ike_proposal_get(&chosen, IKE_TRANS_DH)->id);

		init_notify_reply(e, local, remote, m->hdr.spi_i,
		    N_INVALID_KE_PAYLOAD, (const uint8_t *)&g, 2);
		return;
	}
	if ((sa = ike_sa_new(e, t, false)) == NULL)
		return;
	sa->spi_i = m->hdr.spi_i;
	sa->local = *local;
	sa->remote = *remote;
	ike_sa_set_state(e, sa, SA_INIT_DONE);
	memcpy(sa->in->ni, ni, ni_len);
	sa->in->ni_len = ni_len;
	sa->in->nr_len = IKE_NONCE_LEN;
	engine_random(e, sa->in->nr, sa->in->nr_len);
	if (ike_sa_set_algs(sa, &chosen) < 0 ||
	    (sa->in->dh = ike_dh_new(sa->dh_group)) == NULL ||
	    ike_dh_public(sa->in->dh, kebuf, &ke_len) < 0 ||
	    dh_finish(sa->in->dh, m, sa->dh_group, &g_ir) < 0 ||
	    ike_sa_keys_from(e, sa, g_ir, NULL) < 0) {
		/* RFC 6989: a bad public value is INVALID_SYNTAX. */
		init_notify_reply(e, local, remote, m->hdr.spi_i,
		    N_INVALID_SYNTAX, NULL, 0);
		secbuf_free(g_ir);
		ike_sa_free(e, sa);
		return;
	}
	secbuf_free(g_ir);
	ike_dh_free(sa->in->dh);
	sa->in->dh = NULL;
	nat_detect(sa, m, 0);
	h = (struct ike_header){ .spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
		.exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_RESPONSE };
	ike_msg_begin(&sa->in->init_ours, &h);
	ike_sa_add(&sa->in->init_ours,
	    &(struct ike_sa_payload){ 1, { chosen } });
	ike_ke_add(&sa->in->init_ours, sa->dh_group, kebuf, ke_len);
	ike_payload_add(&sa->in->init_ours, IKE_PL_NONCE, false, sa->in->nr,
	    sa->in->nr_len);
	nat_notifies_add(&sa->in->init_ours, sa->spi_i, sa->spi_r, local,
	    remote);
	/* RFC 7383 2.3: the responder answers the announcement with its
	 * own, and only then do both use fragments. */
	if (!e->p.fragment_off &&
	    msg_has_notify(m, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL)) {
		sa->frag = true;
		ike_notify_add(&sa->in->init_ours, 0,
		    N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
	}
	if (ike_buf_finish(&sa->in->init_ours) < 0 ||
	    ike_buf_set(&sa->in->init_peer, buf, len) < 0 ||
	    ike_sa_half_open_add(e, sa) < 0) {
		ike_sa_free(e, sa);
		return;
	}
	sa->next_peer_id = 1;
	timer_arm(e, &sa->halfopen_timer, engine_now(e) + IKE_HALF_OPEN_MS);
	ike_sa_send_raw(e, local, remote, &sa->in->init_ours);
}

/* The ID payload body we send: type | 3 reserved bytes | data. */
static size_t
id_body(const char *id, const struct ipaddr *addr, uint8_t *out, size_t cap)
{
	struct ipaddr a;

	memset(out, 0, 4);
	if (id[0] == '\0' || ipaddr_parse(id, &a) == 0) {
		if (id[0] == '\0')
			a = *addr;
		if (a.family == AF_INET6) {
			out[0] = IKE_ID_IPV6_ADDR;
			memcpy(out + 4, a.bytes, 16);
			return 4 + 16;
		}
		out[0] = IKE_ID_IPV4_ADDR;
		memcpy(out + 4, a.bytes, 4);
		return 8;
	}
	out[0] = IKE_ID_FQDN;
	size_t n = strlen(id);
	if (n > cap - 4)
		n = cap - 4;
	memcpy(out + 4, id, n);
	return 4 + n;
}

/* The peer's ID must be the one configured for the tunnel (2.15). */
static bool
id_matches(const struct ike_tunnel *t, const struct ike_payload *p)
{
	uint8_t want[4 + IKE_ID_MAX];
	size_t n = id_body(t->conf.remote_id, &t->conf.remote_addr, want,
	    sizeof(want));

	return p != NULL && p->len == n && memcmp(p->body, want, n) == 0;
}

/*
 * AUTH for the shared key (2.15).  The signer's IKE_SA_INIT message, the
 * other side's nonce, and the signer's ID body under SK_p.
 */
static int
auth_compute(const struct ike_sa *sa, bool ours, const uint8_t *id,
    size_t id_len, uint8_t *out)
{
	bool i = sa->initiator == ours; /* is the signer the initiator? */
	const struct ike_buf *init = ours ? &sa->in->init_ours :
					    &sa->in->init_peer;

	return ike_psk_auth(sa->prf, sa->t->psk, init->data, init->len,
	    i ? sa->in->nr : sa->in->ni, i ? sa->in->nr_len : sa->in->ni_len,
	    i ? sa->keys.sk_pi : sa->keys.sk_pr, id, id_len, out);
}

static bool
auth_verify(const struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_payload *idp =
	    ike_msg_find(m, sa->initiator ? IKE_PL_IDR : IKE_PL_IDI);
	const struct ike_payload *ap = ike_msg_find(m, IKE_PL_AUTH);
	struct ike_typed_data auth;
	uint8_t want[IKE_PRF_MAX];

	if (sa->t->psk == NULL || idp == NULL || ap == NULL ||
	    ike_typed_parse(ap, &auth) < 0 || auth.type != IKE_AUTH_PSK ||
	    auth.len != sa->prf->len)
		return false;
	if (auth_compute(sa, false, idp->body, idp->len, want) < 0)
		return false;
	return CRYPTO_memcmp(want, auth.data, auth.len) == 0;
}

/* Appends our ID and AUTH payloads. */
static int
id_auth_add(struct ike_sa *sa, struct ike_buf *b)
{
	uint8_t id[4 + IKE_ID_MAX], auth[IKE_PRF_MAX];
	size_t n = id_body(sa->t->conf.local_id, &sa->t->conf.local_addr, id,
	    sizeof(id));

	if (sa->t->psk == NULL || auth_compute(sa, true, id, n, auth) < 0)
		return -EINVAL;
	ike_typed_add(b, sa->initiator ? IKE_PL_IDI : IKE_PL_IDR, id[0], id + 4,
	    n - 4);
	/* 2.4: only when no other IKE SA with the peer exists, so that a
	 * reauthentication does not make the peer drop the old one early. */
	if (sa->initiator && sa->t->sas == sa && sa->tnext == NULL)
		ike_notify_add(b, 0, N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	ike_typed_add(b, IKE_PL_AUTH, IKE_AUTH_PSK, auth, sa->prf->len);
	return 0;
}

/* After NAT detection: both sides float to 4500 (2.23). */
static void
float_natt(struct ike_sa *sa)
{
	if (!sa->nat_local && !sa->nat_remote)
		return;
	sa->natt = true;
	sa->local.port = IKE_NATT_PORT;
	if (sa->remote.port == IKE_PORT)
		sa->remote.port = IKE_NATT_PORT;
}

/* Our IKE_AUTH request: IDi, AUTH, and the first CHILD SA's offer. */
static int
auth_send(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_tunnel *t = sa->t;
	struct ike_buf inner;
	struct diag d;
	int rc;

	diag_init(&d);
	rc = e->p.kernel->spi_alloc(e->p.kernel_arg, &sa->remote.addr,
	    &sa->local.addr, t->reqid, &sa->req.new_spi, &d);
	if (rc < 0) {
		tunnel_error(e, t, IKE_EV_KERNEL_ERROR, "%s",
		    d.count ? d.entries[0].text : "the kernel refused an SPI");
		diag_clear(&d);
		return rc;
	}
	diag_clear(&d);
	if (ike_sa_req_sel(sa) == NULL)
		return -ENOMEM;
	child_offer(t, false, sa->req.new_spi, &sa->req.sel->offer);
	child_ts_first(t, &sa->req.sel->ts_local, &sa->req.sel->ts_remote);
	ike_sa_begin(sa, &inner);
	if (id_auth_add(sa, &inner) < 0) {
		ike_buf_free(&inner);
		tunnel_error(e, t, IKE_EV_AUTH_FAILED,
		    "no pre-shared key is set: set one with pre-shared-key");
		return -EINVAL;
	}
	ike_sa_add(&inner, &sa->req.sel->offer);
	ike_ts_add(&inner, IKE_PL_TSI, &sa->req.sel->ts_local);
	ike_ts_add(&inner, IKE_PL_TSR, &sa->req.sel->ts_remote);
	ike_sa_set_state(e, sa, SA_AUTH_SENT);
	return ike_sa_send_request(e, sa, REQ_AUTH, IKE_AUTH, &inner);
}

/* The initiator's half of IKE_SA_INIT: the response arrived.  Long:
 * COOKIE, INVALID_KE and refusals restart or end the exchange, each as
 * 2.6 and 1.2 say, before the keys are made and IKE_AUTH sent. */
void
ike_init_response(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m, const uint8_t *buf, size_t len)
{
	struct ike_tunnel *t = sa->t;
	struct ike_notify_payload n;
	struct ike_sa_payload reply;
	struct ike_proposal chosen;
	const struct ike_payload *sap = ike_msg_find(m, IKE_PL_SA);
	struct secbuf *g_ir = NULL;

	if (sa->state != SA_INIT_SENT || sa->req.kind != REQ_INIT ||
	    t == NULL) {
		e->c.dropped_rules++;
		return;
	}
	ike_sa_heard(e, sa);
	if (msg_has_notify(m, N_COOKIE, &n) && n.data_len <= 64 &&
	    n.data_len > 0) {
		/* 2.6: the same request again with the cookie first. */
		memcpy(sa->in->cookie, n.data, n.data_len);
		sa->in->cookie_len = n.data_len;
		init_send(e, sa);
		return;
	}
	if (msg_has_notify(m, N_INVALID_KE_PAYLOAD, &n) && n.data_len == 2) {
		uint16_t g = (uint16_t)(n.data[0] << 8 | n.data[1]);

		if (g != sa->dh_group && ike_dh_supported(g)) {
			tunnel_event(e, t, IKE_EV_INVALID_KE,
			    "the peer asked for DH group %u instead of %u", g,
			    sa->dh_group);
			t->want_group = g;
			sa->dh_group = g;
			init_send(e, sa);
			return;
		}
	}
	if (msg_has_notify(m, N_NO_PROPOSAL_CHOSEN, NULL)) {
		char mine[256];

		ike_offers_format(&sa->in->offer, mine, sizeof(mine));
		tunnel_error(e, t, IKE_EV_NO_PROPOSAL,
		    "no common IKE proposal: the peer accepts none of ours "
		    "(%s)%s%s",
		    mine, t->conf.no_proposal_hint ? "; " : "",
		    t->conf.no_proposal_hint ? t->conf.no_proposal_hint : "");
		ike_sa_delete_now(e, sa);
		return;
	}
	if (msg_error_notify(m) != 0 || sap == NULL ||
	    ike_sa_parse(sap, &reply) < 0 ||
	    ike_proposal_check_reply(&sa->in->offer, &reply, &chosen) < 0 ||
	    ike_sa_set_algs(sa, &chosen) < 0 ||
	    nonce_get(m, sa->in->nr, &sa->in->nr_len) < 0 ||
	    m->hdr.spi_r == 0) {
		tunnel_error(e, t, IKE_EV_NO_PROPOSAL,
		    "the peer's IKE_SA_INIT answer is not acceptable");
		ike_sa_delete_now(e, sa);
		return;
	}
	ike_sa_request_done(e, sa);
	sa->spi_r = m->hdr.spi_r;
	if (dh_finish(sa->in->dh, m, sa->dh_group, &g_ir) < 0 ||
	    ike_sa_keys_from(e, sa, g_ir, NULL) < 0 ||
	    ike_buf_set(&sa->in->init_peer, buf, len) < 0) {
		secbuf_free(g_ir);
		tunnel_error(e, t, IKE_EV_NO_PROPOSAL,
		    "the peer's key exchange value is invalid");
		ike_sa_delete_now(e, sa);
		return;
	}
	secbuf_free(g_ir);
	ike_dh_free(sa->in->dh);
	sa->in->dh = NULL;
	t->want_group = sa->dh_group;
	nat_detect(sa, m, sa->spi_r);
	float_natt(sa);
	sa->frag = !e->p.fragment_off &&
	    msg_has_notify(m, N_IKEV2_FRAGMENTATION_SUPPORTED, NULL);
	if (auth_send(e, sa) < 0)
		ike_sa_delete_now(e, sa);
}

/*
 * A new IKE SA is up on tunnel t.  Exactly one IKE SA per tunnel: with
 * INITIAL_CONTACT the peer restarted and older SAs are dead, dropped in
 * silence (RFC 7296 2.4).  A new SA the peer started beside an older one
 * it also started replaces it: the peer reauthenticates make-before-
 * break (2.8.3) and deletes the old SA itself once the new one is up;
 * the old one is kept that long, REKEYED (so that its Delete is no
 * tunnel event), and goes by itself after IKE_PEER_REAUTH_GRACE_MS should
 * the peer not delete it.  Any other duplicate (both ends initiated at
 * once) is settled the same way on both ends: the SA with the lower
 * SPIi stays and the other is deleted.  That rule is for SAs started by
 * different ends only: a peer's new SPIi is random, and applying it to
 * the peer's own replacement deleted the new SA half the time.
 */
static void
one_sa_per_tunnel(struct ike_engine *e, struct ike_sa *sa, bool initial)
{
	struct ike_sa *o, *next;

	for (o = sa->t->sas; o; o = next) {
		next = o->tnext;
		if (o == sa || o->state == SA_REKEYED ||
		    o->state == SA_DELETING || o == sa->successor)
			continue;
		if (initial && !sa->initiator) {
			ike_sa_set_state(e, o, SA_DEAD);
			ike_sa_free(e, o);
		} else if (o->state == SA_ESTABLISHED && !o->initiator &&
		    !sa->initiator) {
			uint64_t by = engine_now(e) + IKE_PEER_REAUTH_GRACE_MS;

			ike_sa_set_state(e, o, SA_REKEYED);
			o->successor = sa;
			if (!timer_armed(&o->expire_timer) ||
			    o->expire_timer.at > by)
				timer_arm(e, &o->expire_timer, by);
		} else if (o->state == SA_ESTABLISHED) {
			struct ike_sa *lose = o->spi_i < sa->spi_i ? sa : o;

			lose->want_delete = true;
			ike_sa_kick(e, lose);
			if (lose == sa)
				return;
		}
	}
}

/* Make-before-break: the SA a reauthentication replaces goes now. */
static void
reauth_finish(struct ike_engine *e, struct ike_sa *sa)
{
	for (struct ike_sa *o = sa->t->sas; o; o = o->tnext)
		if (o != sa && o->reauth && o->state == SA_REKEYED) {
			o->reauth = false;
			o->successor = sa;
			o->want_delete = true;
			ike_sa_kick(e, o);
			tunnel_event(e, sa->t, IKE_EV_REAUTHENTICATED,
			    "reauthenticated: the old IKE SA is deleted");
		}
}

/*
 * The IKE SA is up (AUTH verified).  Its first CHILD SA is made after
 * this, with the nonces still at hand; established_settle() then lets
 * them go and settles what the new SA means for the tunnel's others.
 */
static void
established_mark(struct ike_engine *e, struct ike_sa *sa)
{
	char peer[IPADDR_STRLEN];

	ike_sa_set_state(e, sa, SA_ESTABLISHED);
	ike_sa_half_open_done(e, sa);
	sa->established_wall = engine_wall(e);
	sa->established_ms = engine_now(e);
	ike_sa_timers_start(e, sa);
	ipaddr_format(&sa->remote.addr, peer, sizeof(peer));
	tunnel_event(e, sa->t, IKE_EV_ESTABLISHED,
	    "IKE SA established with %s as %s%s", peer,
	    sa->initiator ? "initiator" : "responder",
	    ike_sa_nat(sa) ? ", NAT-T" : "");
}

static void
established_settle(struct ike_engine *e, struct ike_sa *sa, bool initial)
{
	ike_sa_init_done(sa);
	reauth_finish(e, sa);
	one_sa_per_tunnel(e, sa, initial);
}

/* The CHILD SA of an IKE_AUTH request, as responder; 0 or a notify. */
static uint16_t
auth_child_respond(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m, struct ike_buf *inner)
{
	struct ike_tunnel *t = sa->t;
	const struct ike_payload *sap = ike_msg_find(m, IKE_PL_SA);
	const struct ike_payload *tip = ike_msg_find(m, IKE_PL_TSI);
	const struct ike_payload *trp = ike_msg_find(m, IKE_PL_TSR);
	struct ike_sa_payload offered, ours;
	struct ike_ts_payload tsi, tsr, my_l, my_r, ni, nr;
	struct ike_proposal chosen;
	struct child_sa *c;
	uint32_t spi;
	struct diag d;

	if (sap == NULL || tip == NULL || trp == NULL ||
	    ike_sa_parse(sap, &offered) < 0 || ike_ts_parse(tip, &tsi) < 0 ||
	    ike_ts_parse(trp, &tsr) < 0)
		return N_INVALID_SYNTAX;
	child_offer(t, false, 0, &ours);
	child_strip_dh(&offered);
	if (ike_proposal_select(&offered, &ours, &chosen) < 0) {
		tunnel_no_proposal(e, t, "ESP", &offered, &ours);
		return N_NO_PROPOSAL_CHOSEN;
	}
	/* Their TSi is our remote side, their TSr our local side. */
	child_ts(t, &my_l, &my_r);
	ike_ts_narrow(&tsi, &my_r, &ni);
	ike_ts_narrow(&tsr, &my_l, &nr);
	if (ni.n == 0 || nr.n == 0) {
		tunnel_error(e, t, IKE_EV_TS_UNACCEPTABLE,
		    "the peer's networks do not match ours: check local and "
		    "remote networks on both ends");
		return N_TS_UNACCEPTABLE;
	}
	diag_init(&d);
	if (e->p.kernel->spi_alloc(e->p.kernel_arg, &sa->remote.addr,
		&sa->local.addr, t->reqid, &spi, &d) < 0 ||
	    child_install(e, sa, &chosen, spi, &nr, &ni, NULL, sa->in->ni,
		sa->in->ni_len, sa->in->nr, sa->in->nr_len, CHILD_BY_PEER,
		&c) < 0) {
		tunnel_error(e, t, IKE_EV_KERNEL_ERROR, "%s",
		    d.count ? d.entries[0].text : "the kernel refused the SA");
		diag_clear(&d);
		return N_TEMPORARY_FAILURE;
	}
	diag_clear(&d);
	spi = htobe32(spi);
	chosen.spi_size = 4;
	memcpy(chosen.spi, &spi, 4);
	ike_sa_add(inner, &(struct ike_sa_payload){ 1, { chosen } });
	ike_ts_add(inner, IKE_PL_TSI, &ni);
	ike_ts_add(inner, IKE_PL_TSR, &nr);
	return 0;
}

/* The responder's IKE_AUTH: check the peer, answer, make the CHILD SA. */
void
ike_auth_request(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m)
{
	struct ike_tunnel *t = sa->t;
	struct ike_buf inner;
	uint16_t err;

	if (sa->state != SA_INIT_DONE) {
		e->c.dropped_rules++;
		return;
	}
	if (!id_matches(t, ike_msg_find(m, IKE_PL_IDI)) ||
	    !auth_verify(sa, m)) {
		/* 2.21.2: answer AUTHENTICATION_FAILED and forget the SA. */
		tunnel_error(e, t, IKE_EV_AUTH_FAILED,
		    "authentication failed: the pre-shared keys (or IDs) do "
		    "not match");
		ike_sa_begin(sa, &inner);
		ike_notify_add(&inner, 0, N_AUTHENTICATION_FAILED, NULL, 0,
		    NULL, 0);
		ike_sa_send_response(e, sa, IKE_AUTH, m->hdr.message_id,
		    &inner);
		ike_sa_delete_now(e, sa);
		return;
	}
	ike_sa_heard(e, sa);
	ike_sa_begin(sa, &inner);
	if (id_auth_add(sa, &inner) < 0) {
		ike_buf_free(&inner);
		ike_sa_delete_now(e, sa);
		return;
	}
	established_mark(e, sa);
	/* 1.2: a refused CHILD SA does not fail the IKE SA. */
	if ((err = auth_child_respond(e, sa, m, &inner)) != 0)
		ike_notify_add(&inner, 0, err, NULL, 0, NULL, 0);
	ike_sa_send_response(e, sa, IKE_AUTH, m->hdr.message_id, &inner);
	established_settle(e, sa, msg_has_notify(m, N_INITIAL_CONTACT, NULL));
}

/* The initiator's CHILD SA from the IKE_AUTH response; 0 or -errno. */
static int
auth_child_finish(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m)
{
	struct ike_tunnel *t = sa->t;
	const struct ike_payload *sap = ike_msg_find(m, IKE_PL_SA);
	const struct ike_payload *tip = ike_msg_find(m, IKE_PL_TSI);
	const struct ike_payload *trp = ike_msg_find(m, IKE_PL_TSR);
	struct ike_sa_payload reply;
	struct ike_ts_payload tsi, tsr, ni, nr;
	struct ike_proposal chosen;
	struct child_sa *c;
	int rc;

	if (msg_has_notify(m, N_TS_UNACCEPTABLE, NULL)) {
		child_ts_refused(e, t, sa->req.sel);
		return -EACCES;
	}
	if (msg_has_notify(m, N_NO_PROPOSAL_CHOSEN, NULL)) {
		char mine[256];

		ike_offers_format(&sa->req.sel->offer, mine, sizeof(mine));
		tunnel_error(e, t, IKE_EV_NO_PROPOSAL,
		    "no common ESP proposal: the peer accepts none of ours "
		    "(%s)",
		    mine);
		return -EACCES;
	}
	if (sap == NULL || tip == NULL || trp == NULL ||
	    ike_sa_parse(sap, &reply) < 0 || ike_ts_parse(tip, &tsi) < 0 ||
	    ike_ts_parse(trp, &tsr) < 0 ||
	    ike_proposal_check_reply(&sa->req.sel->offer, &reply, &chosen) <
		0) {
		tunnel_error(e, t, IKE_EV_NO_PROPOSAL,
		    "the peer's CHILD SA answer is not acceptable");
		return -EBADMSG;
	}
	/* 2.9: what the responder chose must lie within what we sent. */
	ike_ts_narrow(&tsi, &sa->req.sel->ts_local, &ni);
	ike_ts_narrow(&tsr, &sa->req.sel->ts_remote, &nr);
	if (ni.n != tsi.n || nr.n != tsr.n || ni.n == 0 || nr.n == 0) {
		tunnel_error(e, t, IKE_EV_TS_UNACCEPTABLE,
		    "the peer answered with networks outside ours");
		return -EBADMSG;
	}
	if ((rc = child_install(e, sa, &chosen, sa->req.new_spi, &ni, &nr, NULL,
		 sa->in->ni, sa->in->ni_len, sa->in->nr, sa->in->nr_len,
		 CHILD_BY_US, &c)) == 0)
		child_narrow_check(e, sa);
	return rc;
}

void
ike_auth_response(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m)
{
	struct ike_tunnel *t = sa->t;
	int rc;

	if (sa->state != SA_AUTH_SENT || sa->req.kind != REQ_AUTH) {
		e->c.dropped_rules++;
		return;
	}
	ike_sa_heard(e, sa);
	if (msg_has_notify(m, N_AUTHENTICATION_FAILED, NULL) ||
	    !id_matches(t, ike_msg_find(m, IKE_PL_IDR)) ||
	    !auth_verify(sa, m)) {
		tunnel_error(e, t, IKE_EV_AUTH_FAILED,
		    "authentication failed: the pre-shared keys (or IDs) do "
		    "not match");
		ike_sa_delete_now(e, sa);
		return;
	}
	established_mark(e, sa);
	if ((rc = auth_child_finish(e, sa, m)) < 0) {
		/* The SPI reserved for it goes back to the kernel. */
		e->p.kernel->sa_del(e->p.kernel_arg, &sa->local.addr,
		    sa->req.new_spi);
	}
	ike_sa_request_done(e, sa);
	established_settle(e, sa, false);
	if (rc < 0 && sa->state == SA_ESTABLISHED) {
		/* Without its CHILD SA the tunnel carries nothing. */
		sa->want_delete = true;
	}
	ike_sa_kick(e, sa);
}
