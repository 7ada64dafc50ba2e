/*
 * shell/proto.c: the tunsh <-> tunshd frame codec and the HELLO message
 * (see shell.h for the layout).  Pure: no sockets, no sessions.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell/shell.h"

bool
shell_msg_from_client(uint8_t type)
{
	return type >= SHELL_HELLO && type <= SHELL_INTERRUPT;
}

bool
shell_msg_from_daemon(uint8_t type)
{
	return type >= SHELL_OUTPUT && type <= SHELL_NOTICE;
}

int
shell_frame_decode(const uint8_t *buf, size_t len, struct shell_frame *f,
    size_t *used)
{
	uint32_t n;

	/* Refuse a bad header as soon as its bytes are there. */
	if (len >= 1 && buf[0] != SHELL_PROTO_MAGIC)
		return -EPROTO;
	if (len >= 2 && buf[1] != SHELL_PROTO_VERSION)
		return -EPROTO;
	if (len >= 3 && !shell_msg_from_client(buf[2]) &&
	    !shell_msg_from_daemon(buf[2]))
		return -EPROTO;
	if (len >= 4 && buf[3] != 0)
		return -EPROTO;
	if (len < SHELL_FRAME_HDR)
		return 0;
	memcpy(&n, buf + 4, sizeof(n));
	n = be32toh(n);
	if (n > SHELL_FRAME_MAX)
		return -EMSGSIZE;
	if (len - SHELL_FRAME_HDR < n)
		return 0;
	f->type = buf[2];
	f->payload = buf + SHELL_FRAME_HDR;
	f->len = n;
	*used = SHELL_FRAME_HDR + n;
	return 1;
}

int
shell_frame_header(uint8_t hdr[SHELL_FRAME_HDR], uint8_t type, size_t len)
{
	uint32_t n;

	if (len > SHELL_FRAME_MAX ||
	    (!shell_msg_from_client(type) && !shell_msg_from_daemon(type)))
		return -EINVAL;
	hdr[0] = SHELL_PROTO_MAGIC;
	hdr[1] = SHELL_PROTO_VERSION;
	hdr[2] = type;
	hdr[3] = 0;
	n = htobe32((uint32_t)len);
	memcpy(hdr + 4, &n, sizeof(n));
	return 0;
}

static int
parse_uint(const char *v, size_t len, unsigned max, unsigned *out)
{
	unsigned long n = 0;

	if (len == 0 || len > 6)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	if (n > max)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

/* One "key=value" line of a HELLO. */
static int
hello_line(const char *l, size_t len, struct shell_hello *h)
{
	const char *eq = memchr(l, '=', len);
	size_t klen, vlen;
	unsigned t;

	if (eq == NULL)
		return -EINVAL;
	klen = (size_t)(eq - l);
	vlen = len - klen - 1;
	eq++;
	if (klen == 7 && memcmp(l, "version", 7) == 0)
		return parse_uint(eq, vlen, 65535, &h->version);
	if (klen == 8 && memcmp(l, "terminal", 8) == 0) {
		if (parse_uint(eq, vlen, 1, &t) < 0)
			return -EINVAL;
		h->terminal = t == 1;
		return 0;
	}
	if (klen == 5 && memcmp(l, "width", 5) == 0)
		return parse_uint(eq, vlen, 10000, &h->width);
	if (klen == 6 && memcmp(l, "height", 6) == 0)
		return parse_uint(eq, vlen, 10000, &h->height);
	if (klen == 6 && memcmp(l, "source", 6) == 0) {
		if (vlen >= sizeof(h->source))
			return -EINVAL;
		for (size_t i = 0; i < vlen; i++)
			if ((unsigned char)eq[i] < 0x20 ||
			    (unsigned char)eq[i] > 0x7e)
				return -EINVAL;
		memcpy(h->source, eq, vlen);
		h->source[vlen] = '\0';
		return 0;
	}
	return 0; /* a key of a newer client */
}

int
shell_hello_parse(const uint8_t *p, size_t len, struct shell_hello *h)
{
	const char *s = (const char *)p, *end = s + len;

	memset(h, 0, sizeof(*h));
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);

		if (l > 0 && hello_line(s, l, h) < 0)
			return -EINVAL;
		s += l + (nl != NULL);
	}
	return h->version == SHELL_PROTO_VERSION ? 0 : -EPROTO;
}

int
shell_hello_format(const struct shell_hello *h, char *buf, size_t len)
{
	int n = snprintf(buf, len,
	    "version=%u\nterminal=%u\nwidth=%u\nheight=%u\nsource=%s\n",
	    h->version, h->terminal ? 1u : 0u, h->width, h->height, h->source);

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}
