/*
 * ike/msg_build.c: IKEv2 message building (RFC 7296 section 3), the
 * inverse of msg.c.  Payloads are appended in order; each one links itself
 * from the previous Next Payload field, so callers never compute chains or
 * lengths.  Pure: no state, no I/O.  Allocation failure is sticky (b->oom)
 * and reported once by ike_buf_finish().
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/msg.h"

void
ike_buf_init(struct ike_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
ike_buf_free(struct ike_buf *b)
{
	free(b->data);
	ike_buf_init(b);
}

static uint8_t *
reserve(struct ike_buf *b, size_t n)
{
	uint8_t *p;

	if (b->oom)
		return NULL;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 512;

		while (cap - b->len < n)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL) {
			b->oom = true;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
}

static void
put(struct ike_buf *b, const void *src, size_t n)
{
	uint8_t *p = reserve(b, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

static void
put8(struct ike_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void
put16(struct ike_buf *b, uint16_t v)
{
	v = htobe16(v);
	put(b, &v, 2);
}

static void
put32(struct ike_buf *b, uint32_t v)
{
	v = htobe32(v);
	put(b, &v, 4);
}

static void
put64(struct ike_buf *b, uint64_t v)
{
	v = htobe64(v);
	put(b, &v, 8);
}

static void
set16(struct ike_buf *b, size_t at, uint16_t v)
{
	if (b->oom)
		return;
	v = htobe16(v);
	memcpy(b->data + at, &v, 2);
}

void
ike_msg_begin(struct ike_buf *b, const struct ike_header *h)
{
	b->len = 0;
	put64(b, h->spi_i);
	put64(b, h->spi_r);
	b->last_hdr = b->len;
	put8(b, IKE_PL_NONE);
	put8(b, h->version ? h->version : 0x20);
	put8(b, h->exchange);
	put8(b, h->flags);
	put32(b, h->message_id);
	put32(b, 0); /* set by ike_buf_finish() */
}

/* Opens a payload: returns the offset of its header for the length. */
static size_t
open_payload(struct ike_buf *b, uint8_t type, bool critical)
{
	size_t at;

	if (!b->oom)
		b->data[b->last_hdr] = type;
	at = b->len;
	b->last_hdr = at;
	put8(b, IKE_PL_NONE);
	put8(b, critical ? 0x80 : 0);
	put16(b, 0);
	return at;
}

static void
close_payload(struct ike_buf *b, size_t at)
{
	set16(b, at + 2, (uint16_t)(b->len - at));
}

void
ike_payload_add(struct ike_buf *b, uint8_t type, bool critical,
    const void *body, size_t len)
{
	size_t at = open_payload(b, type, critical);

	put(b, body, len);
	close_payload(b, at);
}

static void
put_transform(struct ike_buf *b, const struct ike_transform *t, bool last)
{
	size_t at = b->len;

	put8(b, last ? 0 : 3);
	put8(b, 0);
	put16(b, 0);
	put8(b, t->type);
	put8(b, 0);
	put16(b, t->id);
	if (t->keylen != 0) {
		put16(b, 0x8000 | IKE_ATTR_KEY_LENGTH); /* TV */
		put16(b, t->keylen);
	}
	set16(b, at + 2, (uint16_t)(b->len - at));
}

void
ike_sa_add(struct ike_buf *b, const struct ike_sa_payload *sa)
{
	size_t at = open_payload(b, IKE_PL_SA, false);

	for (size_t i = 0; i < sa->n_proposals; i++) {
		const struct ike_proposal *pr = &sa->proposals[i];
		size_t pat = b->len;

		put8(b, i + 1 < sa->n_proposals ? 2 : 0);
		put8(b, 0);
		put16(b, 0);
		put8(b, pr->num);
		put8(b, pr->protocol);
		put8(b, pr->spi_size);
		put8(b, (uint8_t)pr->n_transforms);
		put(b, pr->spi, pr->spi_size);
		for (size_t k = 0; k < pr->n_transforms; k++)
			put_transform(b, &pr->transforms[k],
			    k + 1 == pr->n_transforms);
		set16(b, pat + 2, (uint16_t)(b->len - pat));
	}
	close_payload(b, at);
}

void
ike_ke_add(struct ike_buf *b, uint16_t group, const uint8_t *data, size_t len)
{
	size_t at = open_payload(b, IKE_PL_KE, false);

	put16(b, group);
	put16(b, 0);
	put(b, data, len);
	close_payload(b, at);
}

void
ike_typed_add(struct ike_buf *b, uint8_t pl_type, uint8_t type,
    const uint8_t *data, size_t len)
{
	size_t at = open_payload(b, pl_type, false);

	put8(b, type);
	put8(b, 0);
	put16(b, 0);
	put(b, data, len);
	close_payload(b, at);
}

void
ike_notify_add(struct ike_buf *b, uint8_t protocol, uint16_t type,
    const uint8_t *spi, uint8_t spi_size, const uint8_t *data, size_t len)
{
	size_t at = open_payload(b, IKE_PL_NOTIFY, false);

	put8(b, protocol);
	put8(b, spi_size);
	put16(b, type);
	put(b, spi, spi_size);
	put(b, data, len);
	close_payload(b, at);
}

void
ike_delete_add(struct ike_buf *b, uint8_t protocol, uint8_t spi_size,
    const uint8_t *spis, size_t n_spis)
{
	size_t at = open_payload(b, IKE_PL_DELETE, false);

	put8(b, protocol);
	put8(b, spi_size);
	put16(b, (uint16_t)n_spis);
	put(b, spis, (size_t)spi_size * n_spis);
	close_payload(b, at);
}

void
ike_ts_add(struct ike_buf *b, uint8_t pl_type, const struct ike_ts_payload *ts)
{
	size_t at = open_payload(b, pl_type, false);

	put8(b, (uint8_t)ts->n);
	put8(b, 0);
	put16(b, 0);
	for (size_t i = 0; i < ts->n; i++) {
		const struct ike_ts *t = &ts->ts[i];
		size_t alen = t->start.family == AF_INET6 ? 16 : 4;

		put8(b,
		    alen == 16 ? IKE_TS_IPV6_ADDR_RANGE :
				 IKE_TS_IPV4_ADDR_RANGE);
		put8(b, t->ip_proto);
		put16(b, (uint16_t)(8 + 2 * alen));
		put16(b, t->start_port);
		put16(b, t->end_port);
		put(b, t->start.bytes, alen);
		put(b, t->end.bytes, alen);
	}
	close_payload(b, at);
}

void
ike_buf_shrink(struct ike_buf *b)
{
	uint8_t *p;

	if (b->oom || b->len == 0 || b->len == b->cap)
		return;
	if ((p = realloc(b->data, b->len)) != NULL) {
		b->data = p;
		b->cap = b->len;
	}
}

int
ike_buf_set(struct ike_buf *b, const uint8_t *data, size_t len)
{
	ike_buf_free(b);
	put(b, data, len);
	return b->oom ? -ENOMEM : 0;
}

int
ike_buf_copy(struct ike_buf *dst, const struct ike_buf *src)
{
	int rc = ike_buf_set(dst, src->data, src->len);

	dst->last_hdr = src->last_hdr;
	return rc;
}

void
ike_chain_begin(struct ike_buf *b)
{
	b->len = 0;
	b->last_hdr = 0;
	put8(b, IKE_PL_NONE);
}

size_t
ike_sk_open(struct ike_buf *b, uint8_t first_inner, size_t len)
{
	size_t at = open_payload(b, IKE_PL_SK, false);
	uint8_t *body = reserve(b, len);

	if (body != NULL)
		memset(body, 0, len);
	if (!b->oom)
		b->data[at] = first_inner;
	close_payload(b, at);
	return at + IKE_PAYLOAD_HDR_LEN;
}

size_t
ike_skf_open(struct ike_buf *b, uint8_t first_inner, uint16_t number,
    uint16_t total, size_t len)
{
	size_t at = open_payload(b, IKE_PL_SKF, false);
	uint8_t *body;

	put16(b, number);
	put16(b, total);
	if ((body = reserve(b, len)) != NULL)
		memset(body, 0, len);
	if (!b->oom)
		b->data[at] = first_inner;
	close_payload(b, at);
	return at + IKE_PAYLOAD_HDR_LEN + 4;
}

int
ike_buf_append(struct ike_buf *b, const uint8_t *data, size_t len)
{
	put(b, data, len);
	return b->oom ? -ENOMEM : 0;
}

int
ike_buf_finish(struct ike_buf *b)
{
	uint32_t len;

	if (b->oom)
		return -ENOMEM;
	if (b->len > IKE_MSG_MAX)
		return -EMSGSIZE;
	len = htobe32((uint32_t)b->len);
	memcpy(b->data + 24, &len, 4);
	return 0;
}
