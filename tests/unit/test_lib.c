/*
 * tests/unit/test_lib.c: lib/: diagnostics lists, logging to a sink (with
 * control characters escaped), the escaping itself, secret buffers, and
 * the strict IPv4 and host name parsers, the hash table, the JSON writer.
 * Parser tests are tables of what a person might type and what must come
 * back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/iana.h"
#include "lib/json.h"
#include "lib/lib.h"
#include "tests/unit/test.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* diag */

static void
test_diag_add_formats_and_counts(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(diag_error(&d, "tunnel %s: %d errors", "aws-1", 2), 0);
	assert_int_equal(diag_warn(&d, "dpd %s", "off"), 0);
	assert_int_equal(diag_add(&d, DIAG_ERROR, "third"), 0);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.errors, 2);
	assert_int_equal(d.warnings, 1);
	assert_false(d.oom);
	assert_string_equal(d.entries[0].text, "tunnel aws-1: 2 errors");
	assert_int_equal(d.entries[0].severity, DIAG_ERROR);
	assert_string_equal(d.entries[1].text, "dpd off");
	assert_int_equal(d.entries[1].severity, DIAG_WARNING);
	diag_clear(&d);
}

static void
test_diag_add_grows_past_initial_capacity(void **state)
{
	struct diag d;
	char want[32];

	(void)state;
	diag_init(&d);
	for (int i = 0; i < 100; i++)
		assert_int_equal(diag_warn(&d, "entry %d", i), 0);
	assert_int_equal(d.count, 100);
	assert_int_equal(d.warnings, 100);
	assert_true(d.cap >= 100);
	for (int i = 0; i < 100; i++) {
		snprintf(want, sizeof(want), "entry %d", i);
		assert_string_equal(d.entries[i].text, want);
	}
	diag_clear(&d);
}

static void
test_diag_add_keeps_long_message_whole(void **state)
{
	struct diag d;
	char big[3000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	diag_init(&d);
	assert_int_equal(diag_error(&d, "%s!", big), 0);
	assert_int_equal(strlen(d.entries[0].text), sizeof(big));
	assert_int_equal(d.entries[0].text[sizeof(big) - 1], '!');
	diag_clear(&d);
}

static void
test_diag_add_null_list_is_ignored(void **state)
{
	(void)state;
	assert_int_equal(diag_error(NULL, "ignored %d", 1), 0);
}

static void
test_diag_clear_resets_and_is_reusable(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	diag_error(&d, "one");
	diag_warn(&d, "two");
	diag_clear(&d);
	assert_int_equal(d.count, 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);
	assert_null(d.entries);
	assert_int_equal(diag_error(&d, "again"), 0);
	assert_int_equal(d.count, 1);
	diag_clear(&d);
	diag_clear(&d); /* twice is fine */
	diag_clear(NULL);
}

static void
test_diag_move_appends_in_order_and_empties_src(void **state)
{
	struct diag d, e;

	(void)state;
	diag_init(&d);
	diag_init(&e);
	diag_error(&d, "one");
	diag_warn(&e, "two");
	diag_error(&e, "three");
	assert_int_equal(diag_move(&d, &e), 0);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.errors, 2);
	assert_int_equal(d.warnings, 1);
	assert_string_equal(d.entries[0].text, "one");
	assert_string_equal(d.entries[1].text, "two");
	assert_int_equal(d.entries[1].severity, DIAG_WARNING);
	assert_string_equal(d.entries[2].text, "three");
	assert_int_equal(e.count, 0);
	assert_int_equal(e.errors, 0);
	assert_int_equal(e.warnings, 0);
	assert_null(e.entries);
	/* The emptied list is usable again, and moving nothing is fine. */
	assert_int_equal(diag_move(&d, &e), 0);
	assert_int_equal(d.count, 3);
	diag_warn(&e, "four");
	assert_int_equal(diag_move(&d, &e), 0);
	assert_int_equal(d.count, 4);
	assert_int_equal(d.warnings, 2);
	diag_clear(&d);
	diag_clear(&e);
}

static void
test_diag_move_into_empty_list(void **state)
{
	struct diag d, e;

	(void)state;
	diag_init(&d);
	diag_init(&e);
	diag_warn(&e, "only");
	e.oom = true;
	assert_int_equal(diag_move(&d, &e), 0);
	assert_int_equal(d.count, 1);
	assert_true(d.oom); /* a lost entry stays reported */
	assert_false(e.oom);
	diag_clear(&d);
}

static void
test_diag_find_returns_first_match(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(diag_find(&d, "x"), -1);
	diag_error(&d, "a");
	diag_warn(&d, "b");
	diag_error(&d, "b");
	assert_int_equal(diag_find(&d, "a"), 0);
	assert_int_equal(diag_find(&d, "b"), 1);
	assert_int_equal(diag_find(&d, "B"), -1);
	assert_int_equal(diag_find(&d, "a "), -1);
	assert_int_equal(diag_find(&d, ""), -1);
	diag_clear(&d);
}

/* log */

struct captured {
	int calls;
	enum log_level lvl;
	char line[256];
};

static void
capture(enum log_level lvl, const char *subsys, const char *func,
    const char *msg, void *arg)
{
	struct captured *c = arg;

	c->calls++;
	c->lvl = lvl;
	snprintf(c->line, sizeof(c->line), "%s %s %s: %s", log_level_name(lvl),
	    subsys, func, msg);
}

static int
log_teardown(void **state)
{
	(void)state;
	log_set_sink(NULL, NULL);
	log_set_level(LOG_LVL_INFO);
	return 0;
}

static void
test_log_sink_receives_formatted_line(void **state)
{
	struct captured c = { 0 };

	(void)state;
	log_set_sink(capture, &c);
	log_set_level(LOG_LVL_INFO);
	log_info("config", "commit %d by %s", 7, "root");
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.lvl, LOG_LVL_INFO);
	assert_string_equal(c.line,
	    "INFO config test_log_sink_receives_formatted_line: "
	    "commit 7 by root");
	log_err("ike", "down");
	assert_int_equal(c.calls, 2);
	assert_int_equal(c.lvl, LOG_LVL_ERR);
	assert_string_equal(c.line,
	    "ERR ike test_log_sink_receives_formatted_line: down");
}

static void
test_log_level_filters_below_max(void **state)
{
	struct captured c = { 0 };

	(void)state;
	log_set_sink(capture, &c);
	log_set_level(LOG_LVL_WARN);
	log_info("config", "hidden");
	log_debug("config", "hidden");
	assert_int_equal(c.calls, 0);
	log_warn("config", "shown");
	log_err("config", "shown");
	assert_int_equal(c.calls, 2);
	log_set_level(LOG_LVL_DEBUG);
	log_debug("config", "now shown");
	assert_int_equal(c.calls, 3);
	assert_int_equal(c.lvl, LOG_LVL_DEBUG);
}

static void
test_log_long_message_is_cut_not_lost(void **state)
{
	struct captured c = { 0 };
	char big[2000];

	(void)state;
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_set_sink(capture, &c);
	log_err("lib", "%s", big);
	assert_int_equal(c.calls, 1);
	assert_int_equal(strlen(c.line), sizeof(c.line) - 1);
}

static void
test_log_level_name_covers_every_level(void **state)
{
	const enum log_level below_err = (enum log_level)(LOG_LVL_ERR - 1);

	(void)state;
	assert_string_equal(log_level_name(LOG_LVL_ERR), "ERR");
	assert_string_equal(log_level_name(LOG_LVL_WARN), "WARN");
	assert_string_equal(log_level_name(LOG_LVL_INFO), "INFO");
	assert_string_equal(log_level_name(LOG_LVL_DEBUG), "DEBUG");
	assert_string_equal(log_level_name((enum log_level)42), "?");
	assert_string_equal(log_level_name(below_err), "?");
}

static void
ring_line(void *arg, const char *line)
{
	snprintf(arg, 256, "%s", line);
}

/* A comment with a screen-clearing sequence reaches the sink (syslog,
 * terminal monitor) and the ring (show log) escaped, never raw. */
static void
test_log_escapes_control_characters(void **state)
{
	struct captured c = { 0 };
	char last[256] = { 0 };

	(void)state;
	assert_int_equal(log_ring_init(4), 0);
	log_set_sink(capture, &c);
	log_info("config", "commit 3 (comment \"%s\")", "a\x1b[2Jb\r\n");
	assert_string_equal(c.line,
	    "INFO config test_log_escapes_control_characters: "
	    "commit 3 (comment \"a\\x1b[2Jb\\x0d\\x0a\")");
	assert_null(strchr(c.line, '\x1b'));
	assert_int_equal(log_ring_each(1, ring_line, last), 1);
	assert_non_null(strstr(last,
	    " INFO config: commit 3 (comment \"a\\x1b[2Jb\\x0d\\x0a\")"));
	assert_null(strchr(last, '\x1b'));
	log_ring_init(0);
}

/* escape */

static void
test_lib_escape_ctl_table(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "", "" },
		{ "plain text, \"quoted\" \\ kept",
		    "plain text, \"quoted\" \\ kept" },
		{ "\x1b[2J", "\\x1b[2J" },
		{ "a\tb\rc\nd\x07\x7f", "a\\x09b\\x0dc\\x0ad\\x07\\x7f" },
		{ "\x01\x1f ~", "\\x01\\x1f ~" },
		/* UTF-8 stays; its C1 controls (U+009B is CSI) do not. */
		{ "Lyon \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
		    "Lyon \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91" },
		{ "\xc2\x9b[2J", "\\xc2\\x9b[2J" },
		{ "\xc2\xa0", "\xc2\xa0" },
		/* Raw 8-bit CSI, stray continuations, overlong, surrogate,
		 * cut sequences: each byte on its own. */
		{ "\x9b[2J", "\\x9b[2J" },
		{ "\x80\xbf", "\\x80\\xbf" },
		{ "\xc0\xaf", "\\xc0\\xaf" },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
		{ "\xe2\x82", "\\xe2\\x82" },
		{ "\xe2\x82x", "\\xe2\\x82x" },
		{ "\xff", "\\xff" },
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < NELEM(t); i++) {
		size_t n = lib_escape_ctl(buf, sizeof(buf), t[i].in);

		if (strcmp(buf, t[i].out) != 0 || n != strlen(t[i].out))
			fail_msg("case %zu: got \"%s\" (%zu), want \"%s\"", i,
			    buf, n, t[i].out);
		assert_int_equal(lib_ctl_free(t[i].in),
		    strcmp(t[i].in, t[i].out) == 0);
	}
}

/* A short buffer: cut before an escape or a character that would not fit
 * whole, NUL-terminated, and the whole length still returned. */
static void
test_lib_escape_ctl_cuts_whole_units(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(lib_escape_ctl(buf, 6, "ab\x1b-d"), 8);
	assert_string_equal(buf, "ab");
	assert_int_equal(lib_escape_ctl(buf, 7, "ab\x1b-d"), 8);
	assert_string_equal(buf, "ab\\x1b");
	assert_int_equal(lib_escape_ctl(buf, 4, "ab\xe2\x82\xac"), 5);
	assert_string_equal(buf, "ab");
	assert_int_equal(lib_escape_ctl(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
	assert_int_equal(lib_escape_ctl(NULL, 0, "\x1b"), 4);
	/* Once a unit is cut, nothing smaller after it slips in. */
	assert_int_equal(lib_escape_ctl(buf, 4, "a\x1b-"), 6);
	assert_string_equal(buf, "a");
}

/* secbuf */

static void
test_secbuf_new_is_zeroed_and_terminated(void **state)
{
	struct secbuf *b = secbuf_new(32), *e = secbuf_new(0);

	(void)state;
	assert_non_null(b);
	assert_int_equal(b->len, 32);
	for (size_t i = 0; i <= b->len; i++)
		assert_int_equal(b->data[i], 0);
	assert_non_null(e);
	assert_int_equal(e->len, 0);
	assert_int_equal(e->data[0], 0);
	assert_null(secbuf_new(SIZE_MAX)); /* size overflow, not a crash */
	secbuf_free(b);
	secbuf_free(e);
}

static void
test_secbuf_from_str_is_nul_terminated(void **state)
{
	struct secbuf *a = secbuf_from_str("secret-key");

	(void)state;
	assert_non_null(a);
	assert_int_equal(a->len, 10);
	assert_memory_equal(a->data, "secret-key", 10);
	assert_int_equal(a->data[10], '\0');
	assert_string_equal((const char *)a->data, "secret-key");
	assert_null(secbuf_from_str(NULL));
	secbuf_free(a);
}

static void
test_secbuf_from_copies_binary(void **state)
{
	static const uint8_t key[] = { 0x00, 0xff, 0x00, 0x7f };
	uint8_t src[sizeof(key)];
	struct secbuf *b;

	(void)state;
	memcpy(src, key, sizeof(src));
	b = secbuf_from(src, sizeof(src));
	memset(src, 0xaa, sizeof(src)); /* a copy, not a reference */
	assert_non_null(b);
	assert_int_equal(b->len, sizeof(key));
	assert_memory_equal(b->data, key, sizeof(key));
	assert_int_equal(b->data[sizeof(key)], 0);
	secbuf_free(b);
}

static void
test_secbuf_dup_is_equal_and_separate(void **state)
{
	struct secbuf *a = secbuf_from_str("psk"), *b = secbuf_dup(a);

	(void)state;
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_true(secbuf_equal(a, b));
	b->data[0] = 'P';
	assert_false(secbuf_equal(a, b));
	assert_null(secbuf_dup(NULL));
	secbuf_free(a);
	secbuf_free(b);
}

static void
test_secbuf_equal_compares_length_and_bytes(void **state)
{
	struct secbuf *a = secbuf_from_str("secret-key");
	struct secbuf *same = secbuf_from("secret-key", 10);
	struct secbuf *last = secbuf_from("secret-kez", 10);
	struct secbuf *prefix = secbuf_from("secret-ke", 9);
	struct secbuf *empty = secbuf_new(0), *empty2 = secbuf_from_str("");

	(void)state;
	assert_true(secbuf_equal(a, same));
	assert_false(secbuf_equal(a, last));
	assert_false(secbuf_equal(a, prefix));
	assert_false(secbuf_equal(prefix, a));
	assert_true(secbuf_equal(empty, empty2));
	assert_false(secbuf_equal(empty, a));
	assert_false(secbuf_equal(a, NULL));
	assert_false(secbuf_equal(NULL, a));
	assert_true(secbuf_equal(NULL, NULL));
	secbuf_free(a);
	secbuf_free(same);
	secbuf_free(last);
	secbuf_free(prefix);
	secbuf_free(empty);
	secbuf_free(empty2);
	secbuf_free(NULL);
}

/* addr4 */

static void
test_addr4_parse_accepts_dotted_quads(void **state)
{
	static const struct {
		const char *in;
		uint32_t want;
	} ok[] = {
		{ "192.0.2.1", 0xc0000201u },
		{ "0.0.0.0", 0 },
		{ "255.255.255.255", 0xffffffffu },
		{ "10.0.0.1", 0x0a000001u },
		{ "1.2.3.4", 0x01020304u },
		{ "100.64.0.10", 0x6440000au },
	};
	char buf[ADDR4_STRLEN];

	(void)state;
	for (size_t i = 0; i < NELEM(ok); i++) {
		uint32_t a = 0;

		if (addr4_parse(ok[i].in, &a) != 0)
			fail_msg("rejected \"%s\"", ok[i].in);
		assert_int_equal(a, ok[i].want);
		/* Strict means it prints back exactly as typed. */
		addr4_format(a, buf, sizeof(buf));
		assert_string_equal(buf, ok[i].in);
	}
}

static void
test_addr4_parse_rejects_sloppy_input(void **state)
{
	static const char *const bad[] = {
		"",
		"1",
		"1.2.3",
		"1.2.3.4.5",
		"256.1.1.1",
		"1.2.3.256",
		"1.2.3.999",
		"01.2.3.4",
		"1.2.3.04",
		"1.2.3.00",
		"00.0.0.0",
		"1.2.3.4 ",
		" 1.2.3.4",
		"1. 2.3.4",
		"1..2.3",
		"1.2.3.",
		".1.2.3",
		"1.2.3.-4",
		"+1.2.3.4",
		"a.b.c.d",
		"1.2.3.1234",
		"1.2.3.4/24",
		"0x1.2.3.4",
		"1.2.3.4\n",
		"\xef\xbc\x91.2.3.4" /* fullwidth 1 */,
		"4294967295",
		"1.2.3.4.",
	};
	uint32_t a = 0x5a5a5a5au;

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++)
		if (addr4_parse(bad[i], &a) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(a, 0x5a5a5a5au); /* untouched on failure */
	assert_int_equal(addr4_parse(NULL, &a), -EINVAL);
}

static void
test_addr4_format_truncates_to_buffer(void **state)
{
	char small[8];

	(void)state;
	memset(small, 'z', sizeof(small));
	addr4_format(0xffffffffu, small, sizeof(small));
	assert_string_equal(small, "255.255");
}

/* ipaddr */

static void
test_ipaddr_parse_and_format_round_trip(void **state)
{
	static const struct {
		const char *in;
		int family;
		uint8_t len;
	} ok[] = {
		{ "192.0.2.1", AF_INET, 32 },
		{ "0.0.0.0", AF_INET, 32 },
		{ "2001:db8::1", AF_INET6, 128 },
		{ "::", AF_INET6, 128 },
		{ "fe80::1:2", AF_INET6, 128 },
	};
	struct ipaddr a;
	char buf[IPADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ipaddr_parse(ok[i].in, &a), 0);
		assert_int_equal(a.family, ok[i].family);
		assert_int_equal(a.len, ok[i].len);
		ipaddr_format(&a, buf, sizeof(buf));
		assert_string_equal(buf, ok[i].in);
	}
	assert_int_equal(ipaddr_parse("192.0.2.1", &a), 0);
	assert_int_equal(ipaddr_to4(&a), 0xc0000201u);
}

static void
test_ipaddr_parse_rejects_sloppy_input(void **state)
{
	static const char *const bad[] = { "", "1.2.3", "01.2.3.4", "1.2.3.4 ",
		"example.com", "2001:db8::1::2", "2001:db8::g", "1.2.3.4/32",
		"::1/128" };
	struct ipaddr a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ipaddr_parse(bad[i], &a) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(ipaddr_parse(NULL, &a), -EINVAL);
}

static void
test_ipaddr_prefix_refuses_host_bits(void **state)
{
	struct ipaddr a, b;
	char buf[IPADDR_STRLEN];

	(void)state;
	assert_int_equal(ipaddr_parse_prefix("10.20.0.0/16", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.len, 16);
	ipaddr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "10.20.0.0/16");
	assert_int_equal(ipaddr_parse_prefix("2001:db8::/32", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	ipaddr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::/32");
	assert_int_equal(ipaddr_parse_prefix("10.20.0.1/16", &a), -EINVAL);
	assert_int_equal(ipaddr_parse_prefix("2001:db8::1/64", &a), -EINVAL);
	assert_int_equal(ipaddr_parse_prefix("10.0.0.0/33", &a), -EINVAL);
	assert_int_equal(ipaddr_parse_prefix("10.0.0.0/08", &a), -EINVAL);
	assert_int_equal(ipaddr_parse_prefix("10.0.0.0", &a), -EINVAL);
	ipaddr_from4(0x0a140000u, 16, &b);
	assert_int_equal(ipaddr_parse_prefix("10.20.0.0/16", &a), 0);
	assert_true(ipaddr_equal(&a, &b));
	b.len = 24;
	assert_false(ipaddr_equal(&a, &b));
}

static struct ipaddr
P(const char *s) {
	struct ipaddr a;

	if (strchr(s, '/') != NULL)
		assert_int_equal(ipaddr_parse_prefix(s, &a), 0);
	else
		assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static void
test_ipaddr_prefix_relations(void **state)
{
	struct ipaddr a, b;

	(void)state;
	a = P("2001:db8::/32");
	b = P("2001:db8:5::/48");
	assert_true(ipaddr_overlap(&a, &b));
	assert_true(ipaddr_contains(&a, &b));
	assert_false(ipaddr_contains(&b, &a));
	b = P("2001:db9::/48");
	assert_false(ipaddr_overlap(&a, &b));
	b = P("2001:db8::1");
	assert_true(ipaddr_contains(&a, &b));
	/* Families never overlap, even ::/0 and 0.0.0.0/0. */
	a = P("::/0");
	b = P("0.0.0.0/0");
	assert_false(ipaddr_overlap(&a, &b));
	assert_true(ipaddr_is_any(&a) && ipaddr_is_any(&b));
	assert_true(ipaddr_cmp(&b, &a) < 0);
	a = P("10.1.0.0/17");
	b = P("10.1.127.255");
	assert_true(ipaddr_contains(&a, &b));
	b = P("10.1.128.0");
	assert_false(ipaddr_contains(&a, &b));
	a = P("10.1.0.0/16");
	b = P("10.1.0.0/24");
	assert_true(ipaddr_cmp(&a, &b) < 0 && ipaddr_cmp(&b, &a) > 0);
	assert_int_equal(ipaddr_cmp(&a, &a), 0);
}

static void
test_ipaddr_ranges_and_prefixes(void **state)
{
	struct ipaddr p, first, last, back;
	char buf[IPADDR_STRLEN];

	(void)state;
	p = P("fd00:1::/126");
	ipaddr_range(&p, &first, &last);
	ipaddr_format(&first, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1::");
	ipaddr_format(&last, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1::3");
	assert_int_equal(ipaddr_from_range(&first, &last, &back), 0);
	assert_true(ipaddr_equal(&back, &p));
	p = P("0.0.0.0/0");
	ipaddr_range(&p, &first, &last);
	ipaddr_format(&last, buf, sizeof(buf));
	assert_string_equal(buf, "255.255.255.255");
	assert_int_equal(ipaddr_from_range(&first, &last, &back), 0);
	ipaddr_format_prefix(&back, buf, sizeof(buf));
	assert_string_equal(buf, "0.0.0.0/0");
	/* A range that is not one prefix. */
	first = P("10.0.0.1");
	last = P("10.0.0.6");
	assert_int_equal(ipaddr_from_range(&first, &last, &back), -EINVAL);
	last = P("2001:db8::1");
	assert_int_equal(ipaddr_from_range(&first, &last, &back), -EINVAL);
	last = P("10.0.0.6");
	ipaddr_cover(&first, &last, &back);
	ipaddr_format_prefix(&back, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.0/29");
	first = P("10.0.0.5");
	last = P("10.0.0.5");
	assert_int_equal(ipaddr_from_range(&first, &last, &back), 0);
	ipaddr_format_prefix(&back, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.5/32");
}

static void
test_ipaddr_sockaddr_round_trip(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct ipaddr a = P("2001:db8::7"), b;
	uint16_t port;
	char buf[IPADDR_STRLEN];

	(void)state;
	assert_int_equal(ipaddr_to_sockaddr(&a, 4500, &ss), sizeof(*sin6));
	assert_int_equal(
	    ipaddr_from_sockaddr((struct sockaddr *)&ss, &b, &port), 0);
	assert_true(ipaddr_equal(&a, &b));
	assert_int_equal(port, 4500);
	/* A v4-mapped peer on a dual-stack socket is an IPv4 peer. */
	assert_int_equal(
	    inet_pton(AF_INET6, "::ffff:192.0.2.9", &sin6->sin6_addr), 1);
	assert_int_equal(ipaddr_from_sockaddr((struct sockaddr *)&ss, &b, NULL),
	    0);
	ipaddr_format(&b, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.9");
	assert_int_equal(b.family, AF_INET);
	memset(&a, 0, sizeof(a));
	assert_int_equal(ipaddr_to_sockaddr(&a, 1, &ss), 0);
}

/* prefix4 */

static void
test_prefix4_parse_accepts_networks(void **state)
{
	static const struct {
		const char *in;
		uint32_t addr;
		uint8_t len;
	} ok[] = {
		{ "10.20.0.0/16", 0x0a140000u, 16 },
		{ "0.0.0.0/0", 0, 0 },
		{ "192.0.2.1/32", 0xc0000201u, 32 },
		{ "192.0.2.0/24", 0xc0000200u, 24 },
		{ "10.0.0.0/8", 0x0a000000u, 8 },
		{ "128.0.0.0/1", 0x80000000u, 1 },
		{ "192.0.2.128/25", 0xc0000280u, 25 },
	};
	char buf[PREFIX4_STRLEN];

	(void)state;
	for (size_t i = 0; i < NELEM(ok); i++) {
		struct prefix4 p = { 0 };

		if (prefix4_parse(ok[i].in, &p) != 0)
			fail_msg("rejected \"%s\"", ok[i].in);
		assert_int_equal(p.addr, ok[i].addr);
		assert_int_equal(p.len, ok[i].len);
		prefix4_format(&p, buf, sizeof(buf));
		assert_string_equal(buf, ok[i].in);
	}
}

static void
test_prefix4_parse_rejects_host_bits_and_bad_lengths(void **state)
{
	static const char *const bad[] = {
		"10.20.5.0/16",
		"192.0.2.1/24",
		"0.0.0.1/0",
		"10.20.0.0/33",
		"10.20.0.0/016",
		"10.20.0.0/00",
		"10.0.0.0/100",
		"10.20.0.0",
		"10.20.0.0/",
		"/16",
		"10.20.0.0/-1",
		"10.20.0.0/ 16",
		"10.20.0.0 /16",
		"10.20.0.0/16 ",
		"10.20.0.0/16/16",
		"10.20.0/16",
		"010.20.0.0/16",
		"10.20.0.0/1x",
		"",
		"255.255.255.255/33",
		"10.20.0.0/4294967312",
	};
	struct prefix4 p = { .addr = 0x5a5a5a5au, .len = 7 };

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++)
		if (prefix4_parse(bad[i], &p) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(p.addr, 0x5a5a5a5au);
	assert_int_equal(p.len, 7);
	assert_int_equal(prefix4_parse(NULL, &p), -EINVAL);
}

static void
test_ifaddr4_parse_keeps_host_bits(void **state)
{
	static const char *const bad[] = {
		"203.0.113.2",
		"203.0.113.2/33",
		"203.0.113.2/024",
		"203.0.113.02/24",
		"203.0.113.2/",
		"203.0.113.2/24 ",
		"",
	};
	uint32_t a = 0;
	uint8_t len = 0;

	(void)state;
	assert_int_equal(ifaddr4_parse("203.0.113.2/24", &a, &len), 0);
	assert_int_equal(a, 0xcb007102u);
	assert_int_equal(len, 24);
	assert_int_equal(ifaddr4_parse("10.0.0.0/8", &a, &len), 0);
	assert_int_equal(a, 0x0a000000u);
	assert_int_equal(len, 8);
	assert_int_equal(ifaddr4_parse("192.0.2.1/32", &a, &len), 0);
	assert_int_equal(len, 32);
	assert_int_equal(ifaddr4_parse("192.0.2.1/0", &a, &len), 0);
	assert_int_equal(a, 0xc0000201u);
	assert_int_equal(len, 0);
	for (size_t i = 0; i < NELEM(bad); i++)
		if (ifaddr4_parse(bad[i], &a, &len) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(ifaddr4_parse(NULL, &a, &len), -EINVAL);
}

static void
test_prefix4_format_fits_longest(void **state)
{
	struct prefix4 p = { .addr = 0xffffffffu, .len = 32 };
	char buf[PREFIX4_STRLEN];

	(void)state;
	prefix4_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "255.255.255.255/32");
	assert_int_equal(strlen(buf) + 1, PREFIX4_STRLEN);
}

static void
test_prefix4_mask_every_length(void **state)
{
	(void)state;
	assert_int_equal(prefix4_mask(0), 0);
	assert_int_equal(prefix4_mask(1), 0x80000000u);
	assert_int_equal(prefix4_mask(8), 0xff000000u);
	assert_int_equal(prefix4_mask(24), 0xffffff00u);
	assert_int_equal(prefix4_mask(31), 0xfffffffeu);
	assert_int_equal(prefix4_mask(32), 0xffffffffu);
	for (unsigned len = 0; len <= 32; len++) {
		/* len ones from the top, then zeros */
		uint32_t want = (uint32_t)(0xffffffff00000000ull >> len);

		assert_int_equal(prefix4_mask((uint8_t)len), want);
	}
}

static void
test_prefix4_last_covers_the_block(void **state)
{
	static const struct {
		struct prefix4 p;
		uint32_t last;
	} cases[] = {
		{ { 0x0a140000u, 16 }, 0x0a14ffffu },
		{ { 0, 0 }, 0xffffffffu },
		{ { 0xc0000201u, 32 }, 0xc0000201u },
		{ { 0xc0000280u, 25 }, 0xc00002ffu },
		{ { 0x80000000u, 1 }, 0xffffffffu },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		assert_int_equal(prefix4_last(&cases[i].p), cases[i].last);
}

static void
test_prefix4_overlap_table(void **state)
{
	static const struct {
		const char *a, *b;
		bool overlap;
	} cases[] = {
		{ "10.20.0.0/16", "10.20.5.0/24", true },  /* b inside a */
		{ "10.20.0.0/16", "10.20.0.0/16", true },  /* equal */
		{ "0.0.0.0/0", "192.0.2.0/24", true },	   /* default route */
		{ "10.20.0.0/16", "10.21.0.0/16", false }, /* neighbours */
		{ "10.0.0.0/25", "10.0.0.128/25", false }, /* halves */
		{ "10.0.0.0/24", "10.0.0.255/32", true },  /* last address */
		{ "10.0.0.0/24", "10.0.1.0/32", false },   /* one past */
		{ "192.0.2.1/32", "192.0.2.1/32", true },
		{ "192.0.2.1/32", "192.0.2.2/32", false },
		{ "128.0.0.0/1", "0.0.0.0/1", false },
		{ "255.255.255.0/24", "255.255.255.255/32", true },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct prefix4 a, b;

		assert_int_equal(prefix4_parse(cases[i].a, &a), 0);
		assert_int_equal(prefix4_parse(cases[i].b, &b), 0);
		if (prefix4_overlap(&a, &b) != cases[i].overlap ||
		    prefix4_overlap(&b, &a) != cases[i].overlap)
			fail_msg("%s and %s: expected %s", cases[i].a,
			    cases[i].b, cases[i].overlap ? "overlap" : "apart");
	}
}

static void
test_prefix4_contains_table(void **state)
{
	static const struct {
		const char *prefix, *addr;
		bool in;
	} cases[] = {
		{ "10.20.0.0/16", "10.20.0.0", true },
		{ "10.20.0.0/16", "10.20.255.255", true },
		{ "10.20.0.0/16", "10.21.0.0", false },
		{ "10.20.0.0/16", "10.19.255.255", false },
		{ "0.0.0.0/0", "255.255.255.255", true },
		{ "192.0.2.1/32", "192.0.2.1", true },
		{ "192.0.2.1/32", "192.0.2.0", false },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct prefix4 p;
		uint32_t a;

		assert_int_equal(prefix4_parse(cases[i].prefix, &p), 0);
		assert_int_equal(addr4_parse(cases[i].addr, &a), 0);
		if (prefix4_contains(&p, a) != cases[i].in)
			fail_msg("%s in %s: expected %s", cases[i].addr,
			    cases[i].prefix, cases[i].in ? "yes" : "no");
	}
}

static int
cmp_qsort(const void *a, const void *b)
{
	return prefix4_cmp(a, b);
}

static void
test_prefix4_cmp_orders_by_addr_then_len(void **state)
{
	static const char *const in[] = {
		"192.0.2.0/24",
		"10.0.0.0/16",
		"10.0.0.0/8",
		"0.0.0.0/0",
		"10.0.0.0/24",
		"255.255.255.255/32",
		"10.1.0.0/16",
	};
	static const char *const want[] = {
		"0.0.0.0/0",
		"10.0.0.0/8",
		"10.0.0.0/16",
		"10.0.0.0/24",
		"10.1.0.0/16",
		"192.0.2.0/24",
		"255.255.255.255/32",
	};
	struct prefix4 p[NELEM(in)], a, b;
	char buf[PREFIX4_STRLEN];

	(void)state;
	for (size_t i = 0; i < NELEM(in); i++)
		assert_int_equal(prefix4_parse(in[i], &p[i]), 0);
	qsort(p, NELEM(p), sizeof(p[0]), cmp_qsort);
	for (size_t i = 0; i < NELEM(want); i++) {
		prefix4_format(&p[i], buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
	}
	a = (struct prefix4){ .addr = 0x0a000000u, .len = 8 };
	b = (struct prefix4){ .addr = 0x0a000000u, .len = 8 };
	assert_int_equal(prefix4_cmp(&a, &b), 0);
	b.len = 9;
	assert_int_equal(prefix4_cmp(&a, &b), -1);
	assert_int_equal(prefix4_cmp(&b, &a), 1);
	/* Unsigned order: 128.0.0.0 sorts after 127.255.255.255. */
	a = (struct prefix4){ .addr = 0x80000000u, .len = 32 };
	b = (struct prefix4){ .addr = 0x7fffffffu, .len = 32 };
	assert_int_equal(prefix4_cmp(&a, &b), 1);
}

/* host names */

static void
test_hostname_label_valid_table(void **state)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{ "fw1", true },
		{ "a", true },
		{ "1", true },
		{ "a-b", true },
		{ "FW-Site-2", true },
		{ "a--b", true },
		{ "-ab", false },
		{ "ab-", false },
		{ "-", false },
		{ "a_b", false },
		{ "a.b", false },
		{ "a b", false },
		{ "", false },
		{ "fw\xc3\xa9", false },
		{ "a23456789012345678901234567890123456789012345678901234567890123",
		    true },
		{ "a234567890123456789012345678901234567890123456789012345678901234",
		    false },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		if (hostname_label_valid(cases[i].in) != cases[i].ok)
			fail_msg("\"%s\": expected %s", cases[i].in,
			    cases[i].ok ? "valid" : "invalid");
	assert_false(hostname_label_valid(NULL));
}

static void
test_fqdn_valid_table(void **state)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{ "vpn.example.net", true },
		{ "a.b", true },
		{ "vpn-1.eu-west.example.com", true },
		{ "1.example.com", true },
		{ "10.0.0.1x", true }, /* the last label is not all digits */
		{ "vpn.example.123", false }, /* RFC 3696: no numeric TLD */
		{ "300.1.1.x1", true },
		{ "localhost", false }, /* no dot */
		{ "300.1.1.1", false }, /* all numeric: a mistyped address */
		{ "1.2.3.4", false },
		{ "1.2", false },
		{ "a..b", false },
		{ "a.b.", false },
		{ ".a.b", false },
		{ ".", false },
		{ "", false },
		{ "a.-b.c", false },
		{ "a.b-.c", false },
		{ "a_b.example", false },
		{ "a b.example", false },
		{ "vpn.example.net:500", false },
	};
	char name[300];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		if (fqdn_valid(cases[i].in) != cases[i].ok)
			fail_msg("\"%s\": expected %s", cases[i].in,
			    cases[i].ok ? "valid" : "invalid");
	assert_false(fqdn_valid(NULL));

	/* 253 characters is the limit: 63 x 4 labels minus one is 255. */
	memset(name, 'a', sizeof(name));
	for (size_t i = 63; i < sizeof(name); i += 64)
		name[i] = '.';
	name[253] = '\0';
	assert_int_equal(name[252], 'a');
	assert_true(fqdn_valid(name));
	name[253] = 'a';
	name[254] = '\0';
	assert_false(fqdn_valid(name));
	/* A 64-character label is too long even in a short name. */
	memset(name, 'b', 64);
	memcpy(name + 64, ".net", sizeof(".net"));
	assert_false(fqdn_valid(name));
	assert_true(fqdn_valid(name + 1));
}

/* hmap */

struct item {
	uint64_t key;
	struct hmap_node node;
};

static struct item *
find(const struct hmap *m, uint64_t key)
{
	for (struct hmap_node *n = hmap_first(m, hash_u64(key)); n;
	     n = hmap_next(n))
		if (container_of(n, struct item, node)->key == key)
			return container_of(n, struct item, node);
	return NULL;
}

/* lib_reserve: room for what is asked, by doubling from 16; what the
 * array held survives each move; an impossible size is refused and
 * leaves the array as it was. */
static void
test_lib_reserve_grows_by_doubling_and_keeps_contents(void **state)
{
	uint32_t *a = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(lib_reserve(&a, &cap, 0, sizeof(*a)), 0);
	assert_null(a); /* nothing asked, nothing allocated */
	assert_int_equal(lib_reserve(&a, &cap, 1, sizeof(*a)), 0);
	assert_int_equal(cap, 16);
	for (uint32_t i = 0; i < 1000; i++) {
		assert_int_equal(lib_reserve(&a, &cap, i + 1, sizeof(*a)), 0);
		assert_true(cap >= i + 1);
		a[i] = i * 7;
	}
	assert_int_equal(cap, 1024);
	assert_int_equal(lib_reserve(&a, &cap, 1025, sizeof(*a)), 0);
	assert_int_equal(cap, 2048);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(a[i], i * 7);
	assert_int_equal(lib_reserve(&a, &cap, SIZE_MAX / 2, sizeof(*a)),
	    -ENOMEM);
	assert_int_equal(cap, 2048);
	assert_int_equal(a[999], 999 * 7);
	free(a);
}

/* 100,000 entries in, every one found, half out, the rest still found;
 * the buckets grow to hold them and shrink back to the initial size. */
static void
test_hmap_grows_finds_and_shrinks(void **state)
{
	enum {
		N = 100000
	};
	struct item *it = calloc(N, sizeof(*it));
	struct hmap m;

	(void)state;
	assert_non_null(it);
	assert_int_equal(hmap_init(&m, 5), 0);
	assert_int_equal(m.n_buckets, 8);
	for (size_t i = 0; i < N; i++) {
		it[i].key = i * 4096; /* low bits alike: the hash must mix */
		hmap_insert(&m, &it[i].node, hash_u64(it[i].key));
	}
	assert_int_equal(m.count, N);
	assert_true(m.n_buckets >= N && m.n_buckets < 4 * N);
	for (size_t i = 0; i < N; i++)
		assert_ptr_equal(find(&m, i * 4096), &it[i]);
	assert_null(find(&m, 4095));
	for (size_t i = 0; i < N; i += 2)
		hmap_remove(&m, &it[i].node);
	for (size_t i = 0; i < N; i++)
		assert_ptr_equal(find(&m, i * 4096), i % 2 ? &it[i] : NULL);
	for (size_t i = 1; i < N; i += 2)
		hmap_remove(&m, &it[i].node);
	assert_int_equal(m.count, 0);
	assert_int_equal(m.n_buckets, 8);
	hmap_free(&m);
	free(it);
}

/* Entries with one hash (a collision, or one key filed twice) are all
 * walked, and only they. */
static void
test_hmap_walks_every_entry_of_a_hash(void **state)
{
	struct item a = { .key = 1 }, b = { .key = 2 }, c = { .key = 3 };
	struct hmap m;
	size_t n = 0;

	(void)state;
	assert_int_equal(hmap_init(&m, 1), 0);
	hmap_insert(&m, &a.node, 7);
	hmap_insert(&m, &b.node, 7);
	hmap_insert(&m, &c.node, 8);
	for (struct hmap_node *x = hmap_first(&m, 7); x; x = hmap_next(x)) {
		assert_true(x == &a.node || x == &b.node);
		n++;
	}
	assert_int_equal(n, 2);
	hmap_remove(&m, &a.node);
	assert_ptr_equal(hmap_first(&m, 7), &b.node);
	assert_null(hmap_next(&b.node));
	assert_int_equal(hash_str("tunnel"), hash_bytes("tunnel", 6));
	assert_int_equal(hash_bytes("ab", 2),
	    hash_more(hash_more(HASH_SEED, "a", 1), "b", 1));
	/* FNV-1a's published value for "a" (64 bits). */
	assert_true(hash_str("a") == (size_t)0xaf63dc4c8601ec8cull);
	assert_int_not_equal(hash_str("branch-1"), hash_str("branch-2"));
	hmap_free(&m);
}

static bool
odd_key(struct hmap_node *n, void *arg)
{
	(void)arg;
	return container_of(n, struct item, node)->key % 2 == 1;
}

static size_t cleared;

static void
count_cleared(struct hmap_node *n)
{
	(void)n;
	cleared++;
}

/* sweep removes exactly what it is told to, clear hands every entry
 * over once and leaves no buckets. */
static void
test_hmap_sweep_and_clear(void **state)
{
	struct item it[100];
	struct hmap m;

	(void)state;
	assert_int_equal(hmap_init(&m, 4), 0);
	for (size_t i = 0; i < 100; i++) {
		it[i].key = i;
		hmap_insert(&m, &it[i].node, hash_u64(i));
	}
	assert_int_equal(hmap_sweep(&m, odd_key, NULL), 50);
	assert_int_equal(m.count, 50);
	for (size_t i = 0; i < 100; i++)
		assert_ptr_equal(find(&m, i), i % 2 ? NULL : &it[i]);
	cleared = 0;
	hmap_clear(&m, count_cleared);
	assert_int_equal(cleared, 50);
	assert_null(m.buckets);
}

/* json */

/* The lines a writer sent, each ended by a newline. */
struct lines {
	char text[2048];
	size_t len, count;
	int fail_at; /* the call that returns -EIO, or 0 */
};

static int
collect(void *arg, const char *line)
{
	struct lines *l = arg;

	l->count++;
	if (l->fail_at != 0 && (int)l->count == l->fail_at)
		return -EIO;
	l->len += (size_t)snprintf(l->text + l->len, sizeof(l->text) - l->len,
	    "%s\n", line);
	return 0;
}

/* Quotes and backslashes get a backslash, control characters \u00XX,
 * and everything else, DEL and UTF-8 included, is copied. */
static void
test_json_string_escapes_table(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "\"\"" }, { "plain", "\"plain\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "C:\\tmp", "\"C:\\\\tmp\"" },
		{ "a\nb\tc\rd", "\"a\\u000ab\\u0009c\\u000dd\"" },
		{ "\x01\x1f\x1b[0m", "\"\\u0001\\u001f\\u001b[0m\"" },
		{ "\x7f", "\"\x7f\"" },
		{ "caf\xc3\xa9 \xe6\x97\xa5", "\"caf\xc3\xa9 \xe6\x97\xa5\"" },
		{ "\xff", "\"\xff\"" }, /* copied as given, like UTF-8 */
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		int n = json_string(cases[i].in, buf, sizeof(buf));

		assert_string_equal(buf, cases[i].out);
		assert_int_equal(n, (int)strlen(cases[i].out));
	}
}

/* A buffer one byte short holds "" and says so; an exact one fits. */
static void
test_json_string_refuses_short_buffer(void **state)
{
	char buf[9];

	(void)state;
	assert_int_equal(json_string("a\"b", buf, 6), -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(json_string("a\"b", buf, 7), 6);
	assert_string_equal(buf, "\"a\\\"b\"");
	assert_int_equal(json_string("\n", buf, 8), -ENOSPC); /* 8 + NUL */
	assert_int_equal(json_string("\n", buf, 9), 8);
	assert_int_equal(json_string("", buf, 2), -ENOSPC);
}

/* One member a line, two spaces a level, commas between members only,
 * brackets of empty containers on lines of their own. */
static void
test_json_writer_lines_nest_and_place_commas(void **state)
{
	struct lines l = { 0 };
	struct json_writer w;

	(void)state;
	json_writer_init(&w, collect, &l);
	json_object(&w, NULL, JSON_LINES);
	json_str(&w, "name", "to-b");
	json_u64(&w, "version", 18446744073709551615ULL);
	json_bool(&w, "up", true);
	json_bool(&w, "natt", false);
	json_null(&w, "role");
	json_str(&w, "error", NULL);
	json_array(&w, "sas", JSON_LINES);
	json_object(&w, NULL, JSON_LINES);
	json_u64(&w, "spi", 1);
	json_end(&w);
	json_object(&w, NULL, JSON_LINES);
	json_end(&w);
	json_end(&w);
	json_array(&w, "events", JSON_LINES);
	json_end(&w);
	json_end(&w);
	assert_int_equal(json_writer_finish(&w), 0);
	assert_string_equal(l.text,
	    "{\n"
	    "  \"name\": \"to-b\",\n"
	    "  \"version\": 18446744073709551615,\n"
	    "  \"up\": true,\n"
	    "  \"natt\": false,\n"
	    "  \"role\": null,\n"
	    "  \"error\": null,\n"
	    "  \"sas\": [\n"
	    "    {\n"
	    "      \"spi\": 1\n"
	    "    },\n"
	    "    {\n"
	    "    }\n"
	    "  ],\n"
	    "  \"events\": [\n"
	    "  ]\n"
	    "}\n");
}

/* One-line containers: "{ " and " }" around members, none inside
 * brackets of arrays, {} and [] when empty, nested ones on the same
 * line, and the line's comma placed after them as after any member. */
static void
test_json_writer_one_line_containers(void **state)
{
	struct lines l = { 0 };
	struct json_writer w;

	(void)state;
	json_writer_init(&w, collect, &l);
	json_array(&w, NULL, JSON_LINES);
	json_object(&w, NULL, JSON_ONE_LINE);
	json_u64(&w, "id", 10);
	json_str(&w, "name", NULL);
	json_array(&w, "nets", JSON_ONE_LINE);
	json_str(&w, NULL, "10.1.0.0/24");
	json_str(&w, NULL, "10.2.0.0/24");
	json_end(&w);
	json_end(&w);
	json_object(&w, NULL, JSON_ONE_LINE);
	json_array(&w, "set", JSON_ONE_LINE);
	json_end(&w);
	json_object(&w, "pool", JSON_ONE_LINE);
	json_end(&w);
	json_end(&w);
	json_array(&w, NULL, JSON_ONE_LINE);
	json_bool(&w, NULL, true);
	json_end(&w);
	json_end(&w);
	assert_int_equal(json_writer_finish(&w), 0);
	assert_string_equal(l.text,
	    "[\n"
	    "  { \"id\": 10, \"name\": null, \"nets\": [\"10.1.0.0/24\", "
	    "\"10.2.0.0/24\"] },\n"
	    "  { \"set\": [], \"pool\": {} },\n"
	    "  [true]\n"
	    "]\n");
}

/* Keys and values are escaped alike, and long values come whole. */
static void
test_json_writer_escapes_keys_and_long_values(void **state)
{
	struct lines l = { 0 };
	struct json_writer w;
	char big[600], want[700];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_writer_init(&w, collect, &l);
	json_object(&w, NULL, JSON_ONE_LINE);
	json_str(&w, "k\"1", "tab\there \\ caf\xc3\xa9");
	json_str(&w, "big", big);
	json_end(&w);
	assert_int_equal(json_writer_finish(&w), 0);
	snprintf(want, sizeof(want),
	    "{ \"k\\\"1\": \"tab\\u0009here \\\\ caf\xc3\xa9\", \"big\": "
	    "\"%s\" }\n",
	    big);
	assert_string_equal(l.text, want);
}

/* The line function's error stops the writer and comes back from
 * finish; so do a container left open and nesting past the limit. */
static void
test_json_writer_reports_errors(void **state)
{
	struct lines l = { .fail_at = 2 };
	struct json_writer w;

	(void)state;
	json_writer_init(&w, collect, &l);
	json_array(&w, NULL, JSON_LINES);
	json_u64(&w, NULL, 1);
	json_u64(&w, NULL, 2);
	json_u64(&w, NULL, 3);
	json_end(&w);
	assert_int_equal(json_writer_finish(&w), -EIO);
	assert_int_equal(l.count, 2); /* nothing after the refused line */
	assert_string_equal(l.text, "[\n");

	memset(&l, 0, sizeof(l));
	json_writer_init(&w, collect, &l);
	json_object(&w, NULL, JSON_LINES);
	assert_int_equal(json_writer_finish(&w), -EINVAL);

	json_writer_init(&w, collect, &l);
	for (int i = 0; i <= JSON_DEPTH_MAX; i++)
		json_array(&w, NULL, JSON_ONE_LINE);
	assert_int_equal(json_writer_finish(&w), -E2BIG);

	json_writer_init(&w, collect, &l);
	json_end(&w);
	assert_int_equal(json_writer_finish(&w), -EINVAL);
}

/* A line that would not fit JSON_LINE_MAX stops the writer instead of
 * being cut into JSON that is not; the lines before it went out. */
static void
test_json_writer_refuses_overlong_line(void **state)
{
	struct lines l = { 0 };
	struct json_writer w;
	static char big[JSON_LINE_MAX];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	json_writer_init(&w, collect, &l);
	json_array(&w, NULL, JSON_LINES);
	json_str(&w, NULL, "fits");
	json_str(&w, NULL, big + 2); /* 2 of indent over */
	json_str(&w, NULL, "after");
	json_end(&w);
	assert_int_equal(json_writer_finish(&w), -ENOSPC);
	assert_string_equal(l.text, "[\n  \"fits\",\n");
	/* A line that fills it exactly is whole; one byte more is not. */
	memset(&l, 0, sizeof(l));
	json_writer_init(&w, collect, &l);
	json_str(&w, NULL, big + 2); /* 4093, 2 quotes and the NUL */
	assert_int_equal(json_writer_finish(&w), 0);
	assert_int_equal(l.count, 1);
	json_writer_init(&w, collect, &l);
	json_str(&w, NULL, big + 1);
	assert_int_equal(json_writer_finish(&w), -ENOSPC);
	assert_int_equal(l.count, 1);
}

/*
 * The names of lib/iana.h against the numbers the RFCs and the IANA
 * registry give, typed here from those documents: a name that drifts
 * would make tunsh offer one algorithm and mean another.
 */
static void
test_iana_names_have_the_registry_numbers(void **state)
{
	(void)state;
	/* RFC 7296 3.1 and 3.2 */
	assert_int_equal(IKE_SA_INIT, 34);
	assert_int_equal(IKE_INFORMATIONAL, 37);
	assert_int_equal(IKE_PL_SA, 33);
	assert_int_equal(IKE_PL_SK, 46);
	assert_int_equal(IKE_PL_SKF, 53); /* RFC 7383 2.5 */
	/* RFC 7296 3.3.2, RFC 4106 and RFC 7634 */
	assert_int_equal(IKE_TRANS_DH, 4);
	assert_int_equal(IKE_ENCR_AES_CBC, 12);
	assert_int_equal(IKE_ENCR_AES_GCM_16, 20);
	assert_int_equal(IKE_ENCR_CHACHA20_POLY1305, 28);
	assert_int_equal(IKE_PRF_HMAC_SHA2_256, 5);
	assert_int_equal(IKE_AUTH_HMAC_SHA2_256_128, 12);
	/* RFC 3526, RFC 5903, RFC 8031 */
	assert_int_equal(IKE_DH_MODP_2048, 14);
	assert_int_equal(IKE_DH_ECP_256, 19);
	assert_int_equal(IKE_DH_CURVE25519, 31);
	assert_int_equal(IKE_ESN_EXTENDED, 1);
	assert_int_equal(IKE_ATTR_KEY_LENGTH, 14); /* RFC 7296 3.3.5 */
	/* RFC 7296 3.10.1 */
	assert_int_equal(N_NO_PROPOSAL_CHOSEN, 14);
	assert_int_equal(N_NAT_DETECTION_SOURCE_IP, 16388);
	assert_int_equal(N_IKEV2_FRAGMENTATION_SUPPORTED, 16430);
}

static void
test_ipaddr_ifaddr_keeps_host_bits_and_mask_clears_them(void **state)
{
	struct ipaddr a, n;
	char buf[IPADDR_STRLEN];

	(void)state;
	assert_int_equal(ipaddr_parse_ifaddr("2001:db8::1/64", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.len, 64);
	ipaddr_format_prefix(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1/64");
	ipaddr_mask(&a, a.len, &n);
	ipaddr_format(&n, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::/64");
	assert_int_equal(ipaddr_parse_ifaddr("203.0.113.2/24", &a), 0);
	ipaddr_mask(&a, 30, &n);
	ipaddr_format(&n, buf, sizeof(buf));
	assert_string_equal(buf, "203.0.113.0/30");
	/* A length beyond the family's is the whole address. */
	ipaddr_mask(&a, 200, &n);
	assert_int_equal(n.len, 32);
	assert_int_equal(ipaddr_to4(&n), 0xcb007102u);
	assert_int_equal(ipaddr_parse_ifaddr("fd00::2/126", &a), 0);
	ipaddr_mask(&a, 0, &n);
	ipaddr_format(&n, buf, sizeof(buf));
	assert_string_equal(buf, "::/0");
	assert_int_equal(ipaddr_parse_ifaddr("2001:db8::1", &a), -EINVAL);
	assert_int_equal(ipaddr_parse_ifaddr("2001:db8::1/129", &a), -EINVAL);
	assert_int_equal(ipaddr_parse_ifaddr("10.0.0.1/33", &a), -EINVAL);
	assert_int_equal(ipaddr_parse_ifaddr("10.0.0.1/", &a), -EINVAL);
	/* The prefix parser still refuses what this one takes. */
	assert_int_equal(ipaddr_parse_prefix("2001:db8::1/64", &a), -EINVAL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_iana_names_have_the_registry_numbers),
	cmocka_unit_test(test_diag_add_formats_and_counts),
	cmocka_unit_test(test_diag_add_grows_past_initial_capacity),
	cmocka_unit_test(test_diag_add_keeps_long_message_whole),
	cmocka_unit_test(test_diag_add_null_list_is_ignored),
	cmocka_unit_test(test_diag_clear_resets_and_is_reusable),
	cmocka_unit_test(test_diag_move_appends_in_order_and_empties_src),
	cmocka_unit_test(test_diag_move_into_empty_list),
	cmocka_unit_test(test_diag_find_returns_first_match),
	cmocka_unit_test_teardown(test_log_sink_receives_formatted_line,
	    log_teardown),
	cmocka_unit_test_teardown(test_log_level_filters_below_max,
	    log_teardown),
	cmocka_unit_test_teardown(test_log_long_message_is_cut_not_lost,
	    log_teardown),
	cmocka_unit_test(test_log_level_name_covers_every_level),
	cmocka_unit_test(test_secbuf_new_is_zeroed_and_terminated),
	cmocka_unit_test(test_secbuf_from_str_is_nul_terminated),
	cmocka_unit_test(test_secbuf_from_copies_binary),
	cmocka_unit_test(test_secbuf_dup_is_equal_and_separate),
	cmocka_unit_test(test_secbuf_equal_compares_length_and_bytes),
	cmocka_unit_test(test_addr4_parse_accepts_dotted_quads),
	cmocka_unit_test(test_addr4_parse_rejects_sloppy_input),
	cmocka_unit_test(test_addr4_format_truncates_to_buffer),
	cmocka_unit_test(test_prefix4_parse_accepts_networks),
	cmocka_unit_test(test_prefix4_parse_rejects_host_bits_and_bad_lengths),
	cmocka_unit_test(test_ifaddr4_parse_keeps_host_bits),
	cmocka_unit_test(test_prefix4_format_fits_longest),
	cmocka_unit_test(test_prefix4_mask_every_length),
	cmocka_unit_test(test_prefix4_last_covers_the_block),
	cmocka_unit_test(test_prefix4_overlap_table),
	cmocka_unit_test(test_prefix4_contains_table),
	cmocka_unit_test(test_prefix4_cmp_orders_by_addr_then_len),
	cmocka_unit_test(test_hostname_label_valid_table),
	cmocka_unit_test(test_fqdn_valid_table),
	cmocka_unit_test(test_lib_escape_ctl_table),
	cmocka_unit_test(test_lib_escape_ctl_cuts_whole_units),
	cmocka_unit_test_teardown(test_log_escapes_control_characters,
	    log_teardown),
	cmocka_unit_test(test_lib_reserve_grows_by_doubling_and_keeps_contents),
	cmocka_unit_test(test_hmap_grows_finds_and_shrinks),
	cmocka_unit_test(test_hmap_walks_every_entry_of_a_hash),
	cmocka_unit_test(test_hmap_sweep_and_clear),
	cmocka_unit_test(test_ipaddr_parse_and_format_round_trip),
	cmocka_unit_test(test_ipaddr_parse_rejects_sloppy_input),
	cmocka_unit_test(test_ipaddr_prefix_refuses_host_bits),
	cmocka_unit_test(test_ipaddr_prefix_relations),
	cmocka_unit_test(test_ipaddr_ranges_and_prefixes),
	cmocka_unit_test(test_ipaddr_sockaddr_round_trip),
	cmocka_unit_test(test_json_string_escapes_table),
	cmocka_unit_test(test_json_string_refuses_short_buffer),
	cmocka_unit_test(test_json_writer_lines_nest_and_place_commas),
	cmocka_unit_test(test_json_writer_one_line_containers),
	cmocka_unit_test(test_json_writer_escapes_keys_and_long_values),
	cmocka_unit_test(test_json_writer_reports_errors),
	cmocka_unit_test(test_json_writer_refuses_overlong_line),
	cmocka_unit_test(
	    test_ipaddr_ifaddr_keeps_host_bits_and_mask_clears_them),
};

TUNSH_TEST_MAIN(tests)
