/*
 * ike/msg.h: the IKEv2 message codec (RFC 7296 section 3), private to
 * ike/.  Pure: bytes in, typed structs out, and back; no SA state, no I/O,
 * no logging.  Parsed structs point into the caller's buffer.
 */
#ifndef TUNSH_IKE_MSG_H
#define TUNSH_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/iana.h"
#include "lib/lib.h"

#define IKE_HDR_LEN	    28
#define IKE_PAYLOAD_HDR_LEN 4
#define IKE_MSG_MAX	    65535 /* the UDP datagram limit */
#define IKE_MAX_PAYLOADS    64	  /* per message; more is an attack */
#define IKE_MAX_PROPOSALS   16	  /* per SA payload */
#define IKE_MAX_TRANSFORMS  32
#define IKE_MAX_TS	    72 /* a side: 32 networks of each family and more */
#define IKE_MAX_SPIS	    64 /* in one parsed Delete payload */

/* RFC 7296 3.1: header flags. */
#define IKE_FLAG_RESPONSE  0x20
#define IKE_FLAG_VERSION   0x10
#define IKE_FLAG_INITIATOR 0x08

/* Why a message was refused, for the counters and the peer's notify. */
enum ike_parse_error {
	IKE_PARSE_OK,
	IKE_PARSE_SHORT,       /* fewer bytes than a header says */
	IKE_PARSE_BAD_LENGTH,  /* a length field below its minimum */
	IKE_PARSE_BAD_VERSION, /* major version is not 2 */
	IKE_PARSE_TRAILING,    /* bytes after the last payload */
	IKE_PARSE_TOO_MANY,    /* more payloads than we accept */
	IKE_PARSE_CRITICAL,    /* an unknown payload marked critical */
	IKE_PARSE_SK_NOT_LAST, /* RFC 7296 3.14: SK must be last */
	IKE_PARSE_BAD_PAYLOAD, /* a known payload's body is malformed */
	IKE_PARSE_RULES,       /* payloads not allowed in this exchange */
};

struct ike_parse_err {
	enum ike_parse_error code;
	uint8_t payload; /* type of the payload concerned, if any */
	size_t offset;	 /* where in the message */
};

struct ike_header {
	uint64_t spi_i, spi_r; /* host byte order */
	uint8_t next_payload;
	uint8_t version; /* major << 4 | minor */
	uint8_t exchange;
	uint8_t flags;
	uint32_t message_id;
	uint32_t length;
};

/* One payload of a chain: its type, flag and body (after the header). */
struct ike_payload {
	uint8_t type;
	bool critical;
	const uint8_t *body;
	size_t len;
	size_t offset; /* of the payload header in the message */
};

struct ike_msg {
	struct ike_header hdr;
	struct ike_payload pl[IKE_MAX_PAYLOADS];
	size_t n_pl;
	/* With an SK payload: its first inner type and the whole message up
	 * to the SK body, which is the associated data (RFC 5282 5.1). */
	uint8_t sk_next;
};

/* 3.3.2 and 3.3.5 */
struct ike_transform {
	uint8_t type;
	uint16_t id;
	uint16_t keylen; /* Key Length attribute in bits; 0 if absent */
};

struct ike_proposal {
	uint8_t num;
	uint8_t protocol;
	uint8_t spi_size;
	uint8_t spi[8];
	size_t n_transforms;
	struct ike_transform transforms[IKE_MAX_TRANSFORMS];
};

struct ike_sa_payload {
	size_t n_proposals;
	struct ike_proposal proposals[IKE_MAX_PROPOSALS];
};

/* 3.4 */
struct ike_ke_payload {
	uint16_t group;
	const uint8_t *data;
	size_t len;
};

/* 3.5 and 3.8: ID and AUTH share the shape. */
struct ike_typed_data {
	uint8_t type; /* ID Type, or Auth Method */
	const uint8_t *data;
	size_t len;
};

/* 3.10 */
struct ike_notify_payload {
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	size_t data_len;
};

/* 3.11 */
struct ike_delete_payload {
	uint8_t protocol;
	uint8_t spi_size;
	size_t n_spis;
	const uint8_t *spis; /* n_spis * spi_size bytes */
};

/* 3.13.1: TS_IPV4_ADDR_RANGE or TS_IPV6_ADDR_RANGE, by the family of
 * start and end (single addresses of one family, start <= end). */
struct ike_ts {
	uint8_t ip_proto; /* 0 = any */
	uint16_t start_port, end_port;
	struct ipaddr start, end;
};

struct ike_ts_payload {
	size_t n;
	struct ike_ts ts[IKE_MAX_TS];
};

/* RFC 7383 2.5: the Encrypted Fragment payload's own fields; body is
 * the part protected like an SK body (IV | ciphertext | ICV). */
struct ike_skf_payload {
	uint16_t number, total;
	const uint8_t *body;
	size_t len;
};

#define IKE_NONCE_MIN 16 /* RFC 7296 3.9 */
#define IKE_NONCE_MAX 256

/*
 * Parses the header and the payload chain of a whole message.  Lengths are
 * checked before any field is read; unknown non-critical payloads are kept
 * (for the caller to ignore), an unknown critical one is an error naming
 * its type (RFC 7296 2.5: answer UNSUPPORTED_CRITICAL_PAYLOAD).
 */
int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *out,
    struct ike_parse_err *err);
/*
 * Parses a chain of payloads starting with type first (the inside of an
 * SK payload after decryption), appending to out->pl.
 */
int ike_payloads_parse(uint8_t first, const uint8_t *buf, size_t len,
    size_t base_offset, struct ike_msg *out, struct ike_parse_err *err);

int ike_sa_parse(const struct ike_payload *p, struct ike_sa_payload *out);
int ike_ke_parse(const struct ike_payload *p, struct ike_ke_payload *out);
int ike_nonce_parse(const struct ike_payload *p, const uint8_t **data,
    size_t *len);
int ike_typed_parse(const struct ike_payload *p, struct ike_typed_data *out);
int ike_notify_parse(const struct ike_payload *p,
    struct ike_notify_payload *out);
int ike_delete_parse(const struct ike_payload *p,
    struct ike_delete_payload *out);
int ike_ts_parse(const struct ike_payload *p, struct ike_ts_payload *out);
/* -EBADMSG unless 1 <= Fragment Number <= Total Fragments (RFC 7383 2.5). */
int ike_skf_parse(const struct ike_payload *p, struct ike_skf_payload *out);

/* First payload of a type in msg, or NULL; count of that type. */
const struct ike_payload *ike_msg_find(const struct ike_msg *m, uint8_t type);
size_t ike_msg_count(const struct ike_msg *m, uint8_t type);

/*
 * The payloads an exchange may carry (RFC 7296 1.2-1.5), checked after
 * decryption: every required type present, nothing outside the allowed
 * set, no type twice that must be unique.  An error notify alone is always
 * a valid response.
 */
int ike_msg_check_rules(const struct ike_msg *m, struct ike_parse_err *err);

/* Building: a growable buffer and payload appenders that chain types. */
struct ike_buf {
	uint8_t *data;
	size_t len, cap;
	size_t last_hdr; /* offset of the byte naming the next payload */
	bool oom;
};

void ike_buf_init(struct ike_buf *b);
void ike_buf_free(struct ike_buf *b);
/* Starts a message; the header's length is set by ike_buf_finish(). */
void ike_msg_begin(struct ike_buf *b, const struct ike_header *h);
/* Appends one payload: links it from the previous next-payload field. */
void ike_payload_add(struct ike_buf *b, uint8_t type, bool critical,
    const void *body, size_t len);
void ike_sa_add(struct ike_buf *b, const struct ike_sa_payload *sa);
void ike_ke_add(struct ike_buf *b, uint16_t group, const uint8_t *data,
    size_t len);
void ike_typed_add(struct ike_buf *b, uint8_t pl_type, uint8_t type,
    const uint8_t *data, size_t len);
void ike_notify_add(struct ike_buf *b, uint8_t protocol, uint16_t type,
    const uint8_t *spi, uint8_t spi_size, const uint8_t *data, size_t len);
void ike_delete_add(struct ike_buf *b, uint8_t protocol, uint8_t spi_size,
    const uint8_t *spis, size_t n_spis);
void ike_ts_add(struct ike_buf *b, uint8_t pl_type,
    const struct ike_ts_payload *ts);
/*
 * An inner payload chain (the plaintext of an SK payload): data[0] holds
 * the first payload's type, the payloads follow from data[1].
 */
void ike_chain_begin(struct ike_buf *b);
/*
 * Appends an SK payload whose Next Payload names the first inner type, with
 * len zero bytes of body to fill; returns the offset of the body.
 */
size_t ike_sk_open(struct ike_buf *b, uint8_t first_inner, size_t len);
/*
 * Appends an Encrypted Fragment payload (RFC 7383 2.5): Next Payload
 * names the first inner type in fragment 1 and is 0 in the others; len
 * zero bytes of body to fill follow the fragment fields; returns the
 * offset of that body (everything before it is the associated data).
 */
size_t ike_skf_open(struct ike_buf *b, uint8_t first_inner, uint16_t number,
    uint16_t total, size_t len);
/* Appends raw bytes (a datagram to a train of them); -ENOMEM. */
int ike_buf_append(struct ike_buf *b, const uint8_t *data, size_t len);
/* b holds exactly these bytes (a received message to keep); -ENOMEM. */
int ike_buf_set(struct ike_buf *b, const uint8_t *data, size_t len);
/* Gives back the unused capacity of a message kept for long. */
void ike_buf_shrink(struct ike_buf *b);
/* dst becomes a copy of src (a message to keep); -ENOMEM. */
int ike_buf_copy(struct ike_buf *dst, const struct ike_buf *src);
/* Sets the header length; returns 0, or -ENOMEM / -EMSGSIZE. */
int ike_buf_finish(struct ike_buf *b);

const char *ike_payload_name(uint8_t type);
const char *ike_exchange_name(uint8_t exchange);
const char *ike_parse_error_name(enum ike_parse_error e);

#endif
