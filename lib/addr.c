/*
 * lib/addr.c: IPv4 addresses and prefixes in host byte order, the typed
 * address of either family (struct ipaddr), and host
 * names.  The parsers are strict, so that what they accept prints back
 * exactly as it was typed: no leading zeros, no missing octets, no spaces,
 * no host bits in a prefix.  Character classes are ASCII, whatever the
 * locale.  Nothing here resolves or looks anything up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lib/lib.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Reads a decimal number of at most max_digits digits and at most max from
 * *sp, advancing *sp past it.  "0" is a number, "00" and "01" are not.
 */
static int
parse_decimal(const char **sp, unsigned max_digits, unsigned max, unsigned *out)
{
	const char *s = *sp;
	unsigned v = 0, n = 0;

	if (!is_digit(s[0]) || (s[0] == '0' && is_digit(s[1])))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		if (++n > max_digits)
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*sp = s;
	*out = v;
	return 0;
}

/* Reads "A.B.C.D" from *sp, advancing *sp past it. */
static int
parse_dotted(const char **sp, uint32_t *out)
{
	const char *s = *sp;
	uint32_t a = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v;

		if (i > 0 && *s++ != '.')
			return -EINVAL;
		if (parse_decimal(&s, 3, 255, &v) < 0)
			return -EINVAL;
		a = a << 8 | v;
	}
	*sp = s;
	*out = a;
	return 0;
}

int
addr4_parse(const char *s, uint32_t *out)
{
	uint32_t a;

	if (s == NULL || parse_dotted(&s, &a) < 0 || *s != '\0')
		return -EINVAL;
	*out = a;
	return 0;
}

void
addr4_format(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
}

int
ifaddr4_parse(const char *s, uint32_t *addr, uint8_t *len)
{
	uint32_t a;
	unsigned l;

	if (s == NULL || parse_dotted(&s, &a) < 0 || *s++ != '/' ||
	    parse_decimal(&s, 2, 32, &l) < 0 || *s != '\0')
		return -EINVAL;
	*addr = a;
	*len = (uint8_t)l;
	return 0;
}

int
prefix4_parse(const char *s, struct prefix4 *out)
{
	uint32_t a;
	uint8_t len;

	if (ifaddr4_parse(s, &a, &len) < 0 || (a & ~prefix4_mask(len)) != 0)
		return -EINVAL;
	out->addr = a;
	out->len = len;
	return 0;
}

void
prefix4_format(const struct prefix4 *p, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u/%u", p->addr >> 24,
	    (p->addr >> 16) & 0xff, (p->addr >> 8) & 0xff, p->addr & 0xff,
	    (unsigned)p->len);
}

uint32_t
prefix4_mask(uint8_t len)
{
	/* A shift by 32 is undefined in C, hence the two ends apart. */
	if (len == 0)
		return 0;
	if (len >= 32)
		return UINT32_MAX;
	return ~(UINT32_MAX >> len);
}

uint32_t
prefix4_last(const struct prefix4 *p)
{
	return p->addr | ~prefix4_mask(p->len);
}

bool
prefix4_overlap(const struct prefix4 *a, const struct prefix4 *b)
{
	uint32_t ma = prefix4_mask(a->len), mb = prefix4_mask(b->len);

	/* Two prefixes overlap exactly when one contains the other. */
	return ((a->addr ^ b->addr) & ma & mb) == 0;
}

bool
prefix4_contains(const struct prefix4 *outer, uint32_t addr)
{
	return ((addr ^ outer->addr) & prefix4_mask(outer->len)) == 0;
}

int
prefix4_cmp(const struct prefix4 *a, const struct prefix4 *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

void
ipaddr_from4(uint32_t addr, uint8_t len, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	out->len = len;
	out->bytes[0] = (uint8_t)(addr >> 24);
	out->bytes[1] = (uint8_t)(addr >> 16);
	out->bytes[2] = (uint8_t)(addr >> 8);
	out->bytes[3] = (uint8_t)addr;
}

uint32_t
ipaddr_to4(const struct ipaddr *a)
{
	if (a->family != AF_INET)
		return 0;
	return (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
	    (uint32_t)a->bytes[2] << 8 | a->bytes[3];
}

int
ipaddr_parse(const char *s, struct ipaddr *out)
{
	uint32_t a;

	if (s == NULL)
		return -EINVAL;
	if (addr4_parse(s, &a) == 0) {
		ipaddr_from4(a, 32, out);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	if (strchr(s, ':') == NULL || inet_pton(AF_INET6, s, out->bytes) != 1)
		return -EINVAL;
	out->family = AF_INET6;
	out->len = 128;
	return 0;
}

/* "ADDR/N"; host bits refused unless host_bits. */
static int
parse_with_len(const char *s, bool host_bits, struct ipaddr *out)
{
	char buf[IPADDR_STRLEN];
	const char *slash, *n;
	unsigned len, max;

	if (s == NULL || (slash = strchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (ipaddr_parse(buf, out) < 0)
		return -EINVAL;
	max = out->family == AF_INET ? 32 : 128;
	n = slash + 1;
	if (parse_decimal(&n, 3, max, &len) < 0 || *n != '\0')
		return -EINVAL;
	/* No host bits: what is accepted prints back as typed. */
	for (unsigned bit = len; bit < max && !host_bits; bit++)
		if (out->bytes[bit / 8] & (0x80u >> (bit % 8)))
			return -EINVAL;
	out->len = (uint8_t)len;
	return 0;
}

int
ipaddr_parse_prefix(const char *s, struct ipaddr *out)
{
	return parse_with_len(s, false, out);
}

int
ipaddr_parse_ifaddr(const char *s, struct ipaddr *out)
{
	return parse_with_len(s, true, out);
}

void
ipaddr_mask(const struct ipaddr *a, unsigned len, struct ipaddr *out)
{
	unsigned bits = ipaddr_bits(a);

	*out = *a;
	if (len > bits)
		len = bits;
	for (unsigned bit = len; bit < bits; bit++)
		out->bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	out->len = (uint8_t)len;
}

void
ipaddr_format(const struct ipaddr *a, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN] = "";
	unsigned host = a->family == AF_INET ? 32 : 128;

	if (a->family == AF_INET)
		addr4_format(ipaddr_to4(a), text, sizeof(text));
	else if (a->family == AF_INET6)
		inet_ntop(AF_INET6, a->bytes, text, sizeof(text));
	if (a->family != 0 && a->len != host)
		snprintf(buf, len, "%s/%u", text, a->len);
	else
		snprintf(buf, len, "%s", text);
}

bool
ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

unsigned
ipaddr_bits(const struct ipaddr *a)
{
	return a->family == AF_INET6 ? 128 : a->family == AF_INET ? 32 : 0;
}

static bool
bit_set(const uint8_t *bytes, unsigned bit)
{
	return bytes[bit / 8] & (0x80u >> (bit % 8));
}

/* The first len bits of a and b are equal. */
static bool
same_bits(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned whole = len / 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (len % 8 == 0)
		return true;
	return ((a[whole] ^ b[whole]) & (0xffu << (8 - len % 8))) == 0;
}

bool
ipaddr_overlap(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return false;
	return same_bits(a->bytes, b->bytes, a->len < b->len ? a->len : b->len);
}

bool
ipaddr_contains(const struct ipaddr *outer, const struct ipaddr *addr)
{
	return outer->family == addr->family && outer->len <= addr->len &&
	    same_bits(outer->bytes, addr->bytes, outer->len);
}

int
ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->bytes, b->bytes, sizeof(a->bytes));
	if (c != 0)
		return c < 0 ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

void
ipaddr_range(const struct ipaddr *p, struct ipaddr *first, struct ipaddr *last)
{
	unsigned bits = ipaddr_bits(p);

	*first = *p;
	*last = *p;
	for (unsigned bit = p->len; bit < bits; bit++) {
		first->bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
		last->bytes[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	}
	first->len = last->len = (uint8_t)bits;
}

int
ipaddr_from_range(const struct ipaddr *first, const struct ipaddr *last,
    struct ipaddr *out)
{
	unsigned bits = ipaddr_bits(first), len = 0;

	if (bits == 0 || first->family != last->family)
		return -EINVAL;
	/* The common leading bits, then first all zeros and last all ones. */
	while (len < bits &&
	    bit_set(first->bytes, len) == bit_set(last->bytes, len))
		len++;
	for (unsigned bit = len; bit < bits; bit++)
		if (bit_set(first->bytes, bit) || !bit_set(last->bytes, bit))
			return -EINVAL;
	*out = *first;
	out->len = (uint8_t)len;
	return 0;
}

void
ipaddr_cover(const struct ipaddr *first, const struct ipaddr *last,
    struct ipaddr *out)
{
	unsigned bits = ipaddr_bits(first), len = 0;

	while (len < bits && first->family == last->family &&
	    bit_set(first->bytes, len) == bit_set(last->bytes, len))
		len++;
	*out = *first;
	for (unsigned bit = len; bit < bits; bit++)
		out->bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	out->len = (uint8_t)len;
}

bool
ipaddr_is_any(const struct ipaddr *a)
{
	static const uint8_t zero[16];

	return a->family == 0 ||
	    (a->len == 0 && memcmp(a->bytes, zero, sizeof(zero)) == 0);
}

void
ipaddr_format_prefix(const struct ipaddr *a, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN] = "";

	if (a->family == AF_INET)
		addr4_format(ipaddr_to4(a), text, sizeof(text));
	else if (a->family == AF_INET6)
		inet_ntop(AF_INET6, a->bytes, text, sizeof(text));
	snprintf(buf, len, "%s/%u", text, a->len);
}

socklen_t
ipaddr_to_sockaddr(const struct ipaddr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof(*sin);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		return sizeof(*sin6);
	}
	return 0;
}

int
ipaddr_from_sockaddr(const struct sockaddr *sa, struct ipaddr *out,
    uint16_t *port)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		out->family = AF_INET;
		out->len = 32;
		memcpy(out->bytes, &sin->sin_addr, 4);
		if (port != NULL)
			*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		/* An IPv4 peer reaching a dual-stack socket is an IPv4 peer. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			out->family = AF_INET;
			out->len = 32;
			memcpy(out->bytes, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			out->family = AF_INET6;
			out->len = 128;
			memcpy(out->bytes, &sin6->sin6_addr, 16);
		}
		if (port != NULL)
			*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

void
ipaddr_from_prefix4(const struct prefix4 *p, struct ipaddr *out)
{
	ipaddr_from4(p->addr, p->len, out);
}

int
ipaddr_to_prefix4(const struct ipaddr *a, struct prefix4 *out)
{
	if (a->family != AF_INET)
		return -EAFNOSUPPORT;
	out->addr = ipaddr_to4(a);
	out->len = a->len;
	return 0;
}

/* RFC 1123 2.1: letters, digits and hyphens, not starting or ending in a
 * hyphen, 1 to 63 characters. */
static bool
label_valid(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool
hostname_label_valid(const char *s)
{
	return s != NULL && label_valid(s, strnlen(s, 64));
}

bool
fqdn_valid(const char *s)
{
	bool numeric = true, dot = false;
	size_t n, start = 0;

	if (s == NULL || (n = strnlen(s, 254)) > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (s[i] != '.' && s[i] != '\0') {
			numeric &= is_digit(s[i]);
			continue;
		}
		if (!label_valid(s + start, i - start))
			return false;
		if (s[i] == '\0')
			break;
		dot = true;
		numeric = true; /* only the last label's digits count */
		start = i + 1;
	}
	/* RFC 3696 2: a top-level domain is never all-numeric. */
	return dot && !numeric;
}
