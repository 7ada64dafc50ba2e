/*
 * tests/fuzz/fuzz_addr.c: libFuzzer harness for lib/'s address and name
 * parsers.  Beyond not crashing, it checks the promise of strictness:
 * whatever a parser accepts prints back byte for byte, and nothing is
 * both an IPv4 address and a host name.  struct ipaddr: what it reads
 * prints into text it reads back the same, and IPv4 text means what
 * addr4_parse and prefix4_parse say it means.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/lib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_addr(const char *s)
{
	char buf[ADDR4_STRLEN];
	uint32_t a;

	if (addr4_parse(s, &a) != 0)
		return;
	addr4_format(a, buf, sizeof(buf));
	if (strcmp(buf, s) != 0 || fqdn_valid(s))
		__builtin_trap();
}

static void
check_prefix(const char *s)
{
	char buf[PREFIX4_STRLEN];
	struct prefix4 p, q;
	uint32_t a;
	uint8_t len;
	int rc = prefix4_parse(s, &p);

	if (ifaddr4_parse(s, &a, &len) != 0) {
		if (rc == 0) /* every prefix is an interface address */
			__builtin_trap();
		return;
	}
	q = (struct prefix4){ .addr = a, .len = len };
	prefix4_format(&q, buf, sizeof(buf));
	if (len > 32 || strcmp(buf, s) != 0)
		__builtin_trap();
	if (rc != 0)
		return;
	if (p.addr != a || p.len != len || !prefix4_contains(&p, a) ||
	    !prefix4_contains(&p, prefix4_last(&p)) ||
	    !prefix4_overlap(&p, &p) || prefix4_cmp(&p, &q) != 0)
		__builtin_trap();
}

static void
check_ipaddr(const char *s)
{
	char buf[IPADDR_STRLEN];
	struct ipaddr a, b;
	struct prefix4 p;
	uint32_t v4;
	bool is4 = addr4_parse(s, &v4) == 0;

	if (ipaddr_parse(s, &a) == 0) {
		ipaddr_format(&a, buf, sizeof(buf));
		if (ipaddr_parse(buf, &b) != 0 || !ipaddr_equal(&a, &b) ||
		    (a.family == AF_INET) != is4 ||
		    (is4 && (ipaddr_to4(&a) != v4 || strcmp(buf, s) != 0)))
			__builtin_trap();
	} else if (is4) {
		__builtin_trap();
	}
	is4 = prefix4_parse(s, &p) == 0;
	if (ipaddr_parse_prefix(s, &a) == 0) {
		ipaddr_format(&a, buf, sizeof(buf));
		if ((a.len != (a.family == AF_INET ? 32 : 128) &&
			(ipaddr_parse_prefix(buf, &b) != 0 ||
			    !ipaddr_equal(&a, &b))) ||
		    (a.family == AF_INET) != is4 ||
		    (is4 && (ipaddr_to4(&a) != p.addr || a.len != p.len)))
			__builtin_trap();
	} else if (is4) {
		__builtin_trap();
	}
}

static void
check_name(const char *s)
{
	size_t n = strlen(s);

	if (hostname_label_valid(s) && (n == 0 || n > 63 || strchr(s, '.')))
		__builtin_trap();
	if (fqdn_valid(s) && (n > 253 || strchr(s, '.') == NULL))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[512];

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_addr(s);
	check_prefix(s);
	check_ipaddr(s);
	check_name(s);
	return 0;
}
