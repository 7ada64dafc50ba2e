/*
 * tests/unit/test_lib.c: lib/: diagnostics lists, logging to a sink, secret
 * buffers, and the strict IPv4 and host name parsers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "tests/unit/test.h"

static void
test_diag_counts_and_order(void **state)
{
	struct diag d, e;

	(void)state;
	diag_init(&d);
	diag_init(&e);
	assert_int_equal(diag_error(&d, "one %d", 1), 0);
	assert_int_equal(diag_warn(&d, "two %s", "w"), 0);
	assert_int_equal(diag_error(&e, "three"), 0);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(diag_move(&d, &e), 0);
	assert_int_equal(e.count, 0);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.errors, 2);
	assert_string_equal(d.entries[0].text, "one 1");
	assert_int_equal(d.entries[1].severity, DIAG_WARNING);
	assert_int_equal(diag_find(&d, "three"), 2);
	assert_int_equal(diag_find(&d, "four"), -1);
	diag_clear(&d);
	assert_int_equal(d.count, 0);
	assert_int_equal(diag_error(&d, "again"), 0);
	diag_clear(&d);
	/* A NULL list swallows messages: callers that do not care. */
	assert_int_equal(diag_error(NULL, "ignored"), 0);
}

static void
test_diag_long_message_kept_whole(void **state)
{
	struct diag d;
	char big[3000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	diag_init(&d);
	diag_error(&d, "%s!", big);
	assert_int_equal(strlen(d.entries[0].text), sizeof(big));
	diag_clear(&d);
}

static char logged[256];

static void
capture(enum log_level lvl, const char *subsys, const char *func,
    const char *msg, void *arg)
{
	(void)arg;
	snprintf(logged, sizeof(logged), "%s %s %s: %s", log_level_name(lvl),
	    subsys, func, msg);
}

static void
test_log_sink_and_level(void **state)
{
	(void)state;
	log_set_sink(capture, NULL);
	log_set_level(LOG_LVL_INFO);
	log_info("config", "commit %d", 7);
	assert_string_equal(logged,
	    "INFO config test_log_sink_and_level: "
	    "commit 7");
	logged[0] = '\0';
	log_debug("config", "hidden");
	assert_string_equal(logged, "");
	log_set_sink(NULL, NULL);
}

static void
test_secbuf_copies_and_compares(void **state)
{
	struct secbuf *a = secbuf_from_str("secret-key"), *b, *c;

	(void)state;
	assert_int_equal(a->len, 10);
	assert_int_equal(a->data[10], '\0');
	b = secbuf_dup(a);
	c = secbuf_from("secret-kez", 10);
	assert_true(secbuf_equal(a, b));
	assert_false(secbuf_equal(a, c));
	assert_false(secbuf_equal(a, NULL));
	assert_true(secbuf_equal(NULL, NULL));
	assert_null(secbuf_dup(NULL));
	secbuf_free(a);
	secbuf_free(b);
	secbuf_free(c);
	secbuf_free(NULL);
}

static void
test_addr4_parse_strict(void **state)
{
	static const char *const bad[] = { "", "1.2.3", "1.2.3.4.5",
		"256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..2.3",
		"1.2.3.-4", "a.b.c.d", "1.2.3.1234", "1.2.3.4/24" };
	uint32_t a;
	char buf[ADDR4_STRLEN];

	(void)state;
	assert_int_equal(addr4_parse("192.0.2.1", &a), 0);
	assert_int_equal(a, 0xc0000201u);
	assert_int_equal(addr4_parse("0.0.0.0", &a), 0);
	assert_int_equal(addr4_parse("255.255.255.255", &a), 0);
	addr4_format(0xc0000201u, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (addr4_parse(bad[i], &a) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void
test_prefix4_parse_and_relations(void **state)
{
	struct prefix4 p, q, r;
	uint32_t a;
	uint8_t len;
	char buf[PREFIX4_STRLEN];

	(void)state;
	assert_int_equal(prefix4_parse("10.20.0.0/16", &p), 0);
	assert_int_equal(p.addr, 0x0a140000u);
	assert_int_equal(p.len, 16);
	assert_int_equal(prefix4_parse("10.20.5.0/16", &q), -EINVAL);
	assert_int_equal(prefix4_parse("10.20.0.0/33", &q), -EINVAL);
	assert_int_equal(prefix4_parse("10.20.0.0/016", &q), -EINVAL);
	assert_int_equal(prefix4_parse("10.20.0.0", &q), -EINVAL);
	assert_int_equal(prefix4_parse("0.0.0.0/0", &q), 0);
	assert_int_equal(ifaddr4_parse("203.0.113.2/24", &a, &len), 0);
	assert_int_equal(a, 0xcb007102u);
	assert_int_equal(len, 24);
	prefix4_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "10.20.0.0/16");
	assert_int_equal(prefix4_last(&p), 0x0a14ffffu);
	assert_int_equal(prefix4_mask(0), 0);
	assert_int_equal(prefix4_mask(32), 0xffffffffu);
	assert_int_equal(prefix4_parse("10.20.5.0/24", &r), 0);
	assert_true(prefix4_overlap(&p, &r));
	assert_true(prefix4_overlap(&r, &p));
	assert_true(prefix4_overlap(&q, &r)); /* 0/0 covers everything */
	assert_int_equal(prefix4_parse("10.21.0.0/16", &r), 0);
	assert_false(prefix4_overlap(&p, &r));
	assert_true(prefix4_contains(&p, 0x0a140101u));
	assert_false(prefix4_contains(&p, 0x0a150101u));
	assert_true(prefix4_cmp(&p, &r) < 0);
	assert_int_equal(prefix4_cmp(&p, &p), 0);
}

static void
test_hostname_and_fqdn(void **state)
{
	(void)state;
	assert_true(hostname_label_valid("fw1"));
	assert_true(hostname_label_valid("a-b"));
	assert_false(hostname_label_valid("-ab"));
	assert_false(hostname_label_valid("ab-"));
	assert_false(hostname_label_valid("a_b"));
	assert_false(hostname_label_valid(""));
	assert_false(hostname_label_valid(
	    "a234567890123456789012345678901234567890123456789012345678901234"));
	assert_true(fqdn_valid("vpn.example.net"));
	assert_true(fqdn_valid("a.b"));
	assert_false(fqdn_valid("localhost")); /* no dot */
	assert_false(fqdn_valid("300.1.1.1")); /* all numeric */
	assert_false(fqdn_valid("a..b"));
	assert_false(fqdn_valid("a.b."));
	assert_false(fqdn_valid("a.-b.c"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_diag_counts_and_order),
	cmocka_unit_test(test_diag_long_message_kept_whole),
	cmocka_unit_test(test_log_sink_and_level),
	cmocka_unit_test(test_secbuf_copies_and_compares),
	cmocka_unit_test(test_addr4_parse_strict),
	cmocka_unit_test(test_prefix4_parse_and_relations),
	cmocka_unit_test(test_hostname_and_fqdn),
};

TUNSH_TEST_MAIN(tests)
