/*
 * tests/unit/ts_make.h: traffic selectors for tests, an IPv4 range from
 * host-order addresses or a range of either family from text.
 */
#ifndef TUNSH_TESTS_TS_MAKE_H
#define TUNSH_TESTS_TS_MAKE_H

#include "ike/msg.h"
#include "tests/unit/test.h"

static inline struct ike_ts
ts4(uint8_t proto, uint16_t sport, uint16_t eport, uint32_t start, uint32_t end)
{
	struct ike_ts t = { .ip_proto = proto,
		.start_port = sport,
		.end_port = eport };

	ipaddr_from4(start, 32, &t.start);
	ipaddr_from4(end, 32, &t.end);
	return t;
}

static inline struct ike_ts
ts6(uint8_t proto, uint16_t sport, uint16_t eport, const char *start,
    const char *end)
{
	struct ike_ts t = { .ip_proto = proto,
		.start_port = sport,
		.end_port = eport };

	assert_int_equal(ipaddr_parse(start, &t.start), 0);
	assert_int_equal(ipaddr_parse(end, &t.end), 0);
	return t;
}

#endif
