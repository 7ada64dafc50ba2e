/*
 * tests/fuzz/fuzz_ike_frag.c: IKE fragment reassembly (RFC 7383) as the
 * engine runs it.  Each input gets two engines of ike_lab.c with an IKE
 * SA up between them; the input is then a train of Encrypted Fragment
 * payloads sent from A to B, each built and protected with A's real
 * keys, so that the fuzzer reaches past the ICV check into reassembly
 * and, when a message completes, into the exchange's handler.
 *
 * The input is a list of records:
 *   Fragment Number (1) | Total Fragments (1) | control (1) | length (1)
 *   | length bytes of plaintext
 * control bit 0: the Message ID after B's next one (another message);
 *         bit 1: the Response flag; bit 2: a ciphertext bit flipped
 *         after protection (the ICV must fail); bit 3: the fragment is
 *         sent twice; bit 4: INFORMATIONAL, else CREATE_CHILD_SA.
 * Fragment 1's Next Payload is its first plaintext byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "ike_lab.h"

static void
send_fragment(struct lab *l, struct ike_sa *a, struct ike_sa *b,
    const uint8_t *rec, const uint8_t *plain, size_t len)
{
	struct ike_sk_keys k = ike_sa_sk_keys(a, true);
	struct ike_header h = { .spi_i = a->spi_i,
		.spi_r = a->spi_r,
		.exchange = (rec[2] & 16) ? IKE_INFORMATIONAL :
					    IKE_CREATE_CHILD_SA,
		.flags = (uint8_t)(IKE_FLAG_INITIATOR |
		    ((rec[2] & 2) ? IKE_FLAG_RESPONSE : 0)),
		.message_id = b->next_peer_id + (rec[2] & 1) };
	struct ike_endpoint la = lab_ep(LAB_ADDR_A, IKE_PORT),
			    lb = lab_ep(LAB_ADDR_B, IKE_PORT);
	uint8_t iv[16] = { 0 }, first = 0;
	struct ike_buf f;
	size_t at;

	if (rec[0] == 1 && len > 0) {
		first = plain[0];
		plain++;
		len--;
	}
	ike_buf_init(&f);
	ike_msg_begin(&f, &h);
	at = ike_skf_open(&f, first, rec[0], rec[1], ike_sk_len(&k, len));
	if (ike_buf_finish(&f) == 0 &&
	    ike_sk_encrypt(&k, f.data, at, iv, plain, len, f.data + at) == 0) {
		if (rec[2] & 4)
			f.data[f.len - 1] ^= 1;
		ike_engine_input(l->b.e, &lb, &la, f.data, f.len);
		if (rec[2] & 8)
			ike_engine_input(l->b.e, &lb, &la, f.data, f.len);
	}
	ike_buf_free(&f);
	lab_flush(l); /* B's answers go nowhere */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lab_suite s = { "aes256gcm16-prfsha256-x25519", 20,
		256, 5, 0, 31 };
	struct lab_tunnel ta, tb;
	struct secbuf *psk = secbuf_from_str("fuzz-secret");
	struct lab l;
	struct diag d;
	size_t off = 0;

	log_set_level(LOG_LVL_ERR);
	lab_init(&l, NULL, NULL);
	lab_conf(&ta, "to-b", LAB_ADDR_A, LAB_ADDR_B, "10.1.0.0/24",
	    "10.2.0.0/24", &s, psk);
	lab_conf(&tb, "to-a", LAB_ADDR_B, LAB_ADDR_A, "10.2.0.0/24",
	    "10.1.0.0/24", &s, psk);
	tb.c.initiator = false;
	diag_init(&d);
	if (ike_tunnel_add(l.b.e, &tb.c, &d) < 0 ||
	    ike_tunnel_add(l.a.e, &ta.c, &d) < 0)
		abort();
	diag_clear(&d);
	lab_run(&l, 100);
	while (size - off >= 4) {
		const uint8_t *rec = data + off;
		size_t len = rec[3];
		struct ike_sa *a = l.a.e->tunnels->sas;
		struct ike_sa *b = l.b.e->tunnels->sas;

		if (size - off - 4 < len)
			len = size - off - 4;
		/* A Delete among the fragments may end the SA: stop. */
		if (a == NULL || b == NULL || a->keys.sk_ei == NULL ||
		    b->state != SA_ESTABLISHED)
			break;
		send_fragment(&l, a, b, rec, rec + 4, len);
		off += 4 + len;
	}
	lab_free(&l);
	secbuf_free(psk);
	return 0;
}
