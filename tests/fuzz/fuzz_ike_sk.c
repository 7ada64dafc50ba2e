/*
 * tests/fuzz/fuzz_ike_sk.c: the decrypt-and-parse path of a protected
 * IKEv2 message (RFC 7296 3.14, RFC 5282) under a fixed key, as
 * ike/input.c runs it once an SA is found: parse the message, check and
 * decrypt the SK payload in place, parse the inner chain, apply the
 * exchange rules, then every inner payload's typed parser.
 *
 * The first input byte chooses how the rest is used:
 *   bit 0: 0 = AES-GCM-16-256, 1 = AES-CBC-256 + HMAC-SHA2-256-128
 *   bit 1: 0 = the rest is a whole message off the wire;
 *          1 = the rest is (exchange, flags, first inner type, inner
 *              chain): encrypted with the fixed key into a valid message
 *              first, so that the fuzzer reaches past the ICV check.
 * In the second mode decryption must succeed and give back the chain
 * byte for byte (encrypt and decrypt are inverse), or the target traps.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/crypto.h"
#include "ike/msg.h"
#include "ike_payloads.h"

#define ENCR_AES_CBC	       12
#define ENCR_AES_GCM_16	       20
#define AUTH_HMAC_SHA2_256_128 12

struct fixed_keys {
	struct ike_sk_keys sk;
	struct secbuf *ek, *ak;
};

static struct fixed_keys gcm, cbc;

/* Key bytes are a fixed pattern: the fuzzer must not depend on them. */
static struct secbuf *
key_make(size_t len, uint8_t seed)
{
	struct secbuf *b = secbuf_new(len);

	if (b == NULL)
		abort();
	for (size_t i = 0; i < len; i++)
		b->data[i] = (uint8_t)(seed + 7 * i);
	return b;
}

static void
keys_init(void)
{
	static bool done;

	if (done)
		return;
	gcm.sk.encr = ike_encr_alg(ENCR_AES_GCM_16, 256);
	cbc.sk.encr = ike_encr_alg(ENCR_AES_CBC, 256);
	cbc.sk.integ = ike_integ_alg(AUTH_HMAC_SHA2_256_128);
	if (gcm.sk.encr == NULL || cbc.sk.encr == NULL || cbc.sk.integ == NULL)
		abort();
	gcm.ek = key_make(gcm.sk.encr->key_len, 0x11);
	cbc.ek = key_make(cbc.sk.encr->key_len, 0x22);
	cbc.ak = key_make(cbc.sk.integ->key_len, 0x33);
	gcm.sk.ek = gcm.ek;
	cbc.sk.ek = cbc.ek;
	cbc.sk.ak = cbc.ak;
	done = true;
}

/*
 * ike/input.c's decrypt() and what follows it, on buf (len bytes,
 * writable: decryption is in place).  Returns 0 when the SK payload
 * decrypted, with its plaintext in *plain; -1 otherwise.
 */
static int
decrypt_parse(const struct ike_sk_keys *k, uint8_t *buf, size_t len,
    const uint8_t **plain_out, size_t *plain_len_out)
{
	struct ike_msg *m = malloc(sizeof(*m));
	struct ike_parse_err err;
	const struct ike_payload *sk;
	uint8_t *plain;
	size_t body, plain_len, n_outer;
	int rc = -1;

	if (m == NULL || ike_msg_parse(buf, len, m, &err) != 0 ||
	    (sk = ike_msg_find(m, IKE_PL_SK)) == NULL)
		goto out;
	/* RFC 5282 5.1: the associated data is the message up to the SK
	 * body; with CBC the ICV covers the same bytes. */
	body = sk->offset + IKE_PAYLOAD_HDR_LEN;
	if (ike_sk_decrypt(k, buf, body, buf + body, sk->len, &plain,
		&plain_len) != 0)
		goto out;
	if (plain < buf + body || plain + plain_len > buf + len)
		__builtin_trap(); /* the plaintext left the SK body */
	rc = 0;
	*plain_out = plain;
	*plain_len_out = plain_len;
	n_outer = m->n_pl;
	if (ike_payloads_parse(m->sk_next, plain, plain_len,
		(size_t)(plain - buf), m, &err) != 0)
		goto out;
	ike_msg_check_rules(m, &err);
	fuzz_ike_payloads(m, n_outer, NULL);
out:
	free(m);
	return rc;
}

/* A copy of exactly len bytes, so that ASan sees any overread. */
static uint8_t *
dup_exact(const uint8_t *data, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	if (b != NULL && len > 0)
		memcpy(b, data, len);
	return b;
}

static void
wire_mode(const struct ike_sk_keys *k, const uint8_t *data, size_t size)
{
	uint8_t *buf = dup_exact(data, size);
	const uint8_t *plain;
	size_t plain_len;

	if (buf != NULL)
		decrypt_parse(k, buf, size, &plain, &plain_len);
	free(buf);
}

/*
 * Protects the chain as ike/sa.c's protect() does (the IV is fixed here)
 * and runs the result through the same path as a received message.
 */
static void
plain_mode(const struct ike_sk_keys *k, const uint8_t *data, size_t size)
{
	static const uint8_t iv[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		13, 14, 15, 16 };
	struct ike_header h = { .spi_i = 0x0102030405060708ull,
		.spi_r = 0x1112131415161718ull,
		.message_id = 1 };
	const uint8_t *chain, *plain;
	size_t chain_len, at, plain_len;
	struct ike_buf out;
	uint8_t *buf;

	if (size < 3)
		return;
	h.exchange = data[0];
	h.flags = data[1];
	chain = data + 3;
	chain_len = size - 3;
	ike_buf_init(&out);
	ike_msg_begin(&out, &h);
	at = ike_sk_open(&out, data[2], ike_sk_len(k, chain_len));
	if (ike_buf_finish(&out) != 0) {
		ike_buf_free(&out); /* over the datagram limit */
		return;
	}
	if (ike_sk_encrypt(k, out.data, at, iv, chain, chain_len,
		out.data + at) != 0)
		abort(); /* OpenSSL failed: nothing to learn from this input */
	buf = dup_exact(out.data, out.len);
	if (buf == NULL) {
		ike_buf_free(&out);
		return;
	}
	if (decrypt_parse(k, buf, out.len, &plain, &plain_len) != 0 ||
	    plain_len != chain_len || memcmp(plain, chain, chain_len) != 0)
		__builtin_trap(); /* decrypt did not invert encrypt */
	free(buf);
	ike_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ike_sk_keys *k;

	if (size < 1)
		return 0;
	keys_init();
	k = data[0] & 1 ? &cbc.sk : &gcm.sk;
	if (data[0] & 2)
		plain_mode(k, data + 1, size - 1);
	else
		wire_mode(k, data + 1, size - 1);
	return 0;
}
