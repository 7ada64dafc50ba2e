/*
 * lib/addr.c: IPv4 addresses and prefixes in host byte order, and host
 * names.  Parsers are strict: what they accept prints back the same.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/lib.h"

int
addr4_parse(const char *s, uint32_t *out)
{
	uint32_t a = 0;

	if (s == NULL)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		int digits = 0;

		if (i > 0 && *s++ != '.')
			return -EINVAL;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		if (s[0] == '0' && isdigit((unsigned char)s[1]))
			return -EINVAL; /* no leading zeros: 010 is not 8 nor 10 */
		while (isdigit((unsigned char)*s) && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (v > 255 || digits > 3)
			return -EINVAL;
		a = (a << 8) | v;
	}
	if (*s != '\0')
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

uint32_t
prefix4_mask(uint8_t len)
{
	return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len);
}

int
ifaddr4_parse(const char *s, uint32_t *addr, uint8_t *len)
{
	char buf[ADDR4_STRLEN];
	const char *slash;
	size_t n;
	unsigned l = 0;

	if (s == NULL || (slash = strchr(s, '/')) == NULL)
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	slash++;
	if (!isdigit((unsigned char)slash[0]) ||
	    (slash[0] == '0' && slash[1] != '\0'))
		return -EINVAL;
	for (; isdigit((unsigned char)*slash) && l <= 32; slash++)
		l = l * 10 + (unsigned)(*slash - '0');
	if (*slash != '\0' || l > 32 || addr4_parse(buf, addr) < 0)
		return -EINVAL;
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
	char a[ADDR4_STRLEN];

	addr4_format(p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

uint32_t
prefix4_last(const struct prefix4 *p)
{
	return p->addr | ~prefix4_mask(p->len);
}

bool
prefix4_contains(const struct prefix4 *outer, uint32_t addr)
{
	return (addr & prefix4_mask(outer->len)) ==
	    (outer->addr & prefix4_mask(outer->len));
}

bool
prefix4_overlap(const struct prefix4 *a, const struct prefix4 *b)
{
	return a->addr <= prefix4_last(b) && b->addr <= prefix4_last(a);
}

int
prefix4_cmp(const struct prefix4 *a, const struct prefix4 *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

bool
hostname_label_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

bool
fqdn_valid(const char *s)
{
	char label[64];
	bool numeric = true, dot = false;
	size_t n = strlen(s), start = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (s[i] != '.' && s[i] != '\0')
			continue;
		if (i - start == 0 || i - start > 63)
			return false;
		memcpy(label, s + start, i - start);
		label[i - start] = '\0';
		if (!hostname_label_valid(label))
			return false;
		for (size_t k = 0; label[k] != '\0'; k++)
			numeric &= isdigit((unsigned char)label[k]) != 0;
		dot |= s[i] == '.';
		start = i + 1;
	}
	return dot && !numeric;
}
