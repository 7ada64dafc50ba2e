/*
 * tests/unit/test_mss.c: the record of TCP MSS clamps (shell/mss.c)
 * through a recording nft double: one transaction per sync and none when
 * nothing changed, the table whole and in name order, a failed run that
 * leaves the table as it was and is tried again, and the table removed
 * at the end only when one of ours was made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shell/mss.h"
#include "tests/unit/test.h"

struct rec {
	char last[4096];
	size_t runs;
	bool fail;
};

static int
rec_run(void *arg, const char *script, struct diag *d)
{
	struct rec *r = arg;

	r->runs++;
	if (r->fail) {
		diag_add(d, DIAG_ERROR,
		    "nftables table inet tunsh: Could not process rule: "
		    "Operation not supported");
		return -EIO;
	}
	snprintf(r->last, sizeof(r->last), "%s", script);
	return 0;
}

static const struct kernel_nft_ops rec_ops = { rec_run };

static const struct ipaddr lan[] = { { AF_INET, 24,
    { 0x0a, 0x01, 0x00, 0x00 } } };
static const struct ipaddr far[] = { { AF_INET, 16,
    { 0x0a, 0x02, 0x00, 0x00 } } };

static void
test_mss_sync_once_per_change(void **state)
{
	struct rec r = { 0 };
	struct mss_set s = { .ops = &rec_ops, .arg = &r };
	struct diag d;
	const char *zb, *aa;

	(void)state;
	diag_init(&d);
	/* Nothing recorded, no table of ours: nothing to run. */
	assert_int_equal(mss_sync(&s, &d), 0);
	assert_int_equal(r.runs, 0);
	assert_int_equal(mss_set(&s, "zb", "ts-zb", NULL, 0, NULL, 0, 1406), 0);
	assert_int_equal(mss_set(&s, "aa", NULL, lan, 1, far, 1, 1350), 0);
	assert_true(mss_has(&s, "aa"));
	assert_int_equal(mss_sync(&s, &d), 0);
	assert_int_equal(r.runs, 1);
	/* Both in one script, in the order of the names. */
	zb = strstr(r.last, "comment \"zb out\"");
	aa = strstr(r.last, "comment \"aa out\"");
	assert_non_null(zb);
	assert_non_null(aa);
	assert_true(aa < zb);
	/* The same clamps again: no transaction. */
	assert_int_equal(mss_set(&s, "zb", "ts-zb", NULL, 0, NULL, 0, 1406), 0);
	assert_int_equal(mss_sync(&s, &d), 0);
	assert_int_equal(r.runs, 1);
	/* One changed: the whole table again, once. */
	assert_int_equal(mss_set(&s, "zb", "ts-zb", NULL, 0, NULL, 0, 1300), 0);
	assert_int_equal(mss_sync(&s, &d), 0);
	assert_int_equal(r.runs, 2);
	assert_non_null(strstr(r.last, "maxseg size set 1300"));
	assert_null(strstr(r.last, "1406"));
	/* All gone: the table goes, and then nothing is left to run. */
	mss_del(&s, "zb");
	mss_del(&s, "aa");
	mss_del(&s, "aa"); /* none is fine */
	assert_int_equal(mss_sync(&s, &d), 0);
	assert_int_equal(r.runs, 3);
	assert_string_equal(r.last, kernel_nft_remove_script());
	mss_clear(&s);
	assert_int_equal(r.runs, 3);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
}

static void
test_mss_failed_run_keeps_table_and_retries(void **state)
{
	struct rec r = { 0 };
	struct mss_set s = { .ops = &rec_ops, .arg = &r };
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(mss_set(&s, "t", "ts-t", NULL, 0, NULL, 0, 1400), 0);
	assert_int_equal(mss_sync(&s, &d), 0);
	assert_int_equal(mss_set(&s, "t", "ts-t", NULL, 0, NULL, 0, 1200), 0);
	r.fail = true;
	assert_int_equal(mss_sync(&s, &d), -EIO);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.entries[0].text,
	    "TCP MSS clamps (tcp-mss): nftables table inet tunsh: Could not "
	    "process rule: Operation not supported; see what holds or blocks "
	    "it with nft list ruleset, or set tcp-mss 0 to go without");
	/* The kernel kept 1400; the record goes back (the commit's undo)
	 * and the next sync sees nothing to do. */
	assert_non_null(strstr(r.last, "set 1400"));
	assert_int_equal(mss_set(&s, "t", "ts-t", NULL, 0, NULL, 0, 1400), 0);
	r.fail = false;
	assert_int_equal(mss_sync(&s, &d), 0);
	assert_int_equal(r.runs, 2);
	/* A change after a failure is tried again. */
	assert_int_equal(mss_set(&s, "t", "ts-t", NULL, 0, NULL, 0, 1200), 0);
	assert_int_equal(mss_sync(&s, &d), 0);
	assert_int_equal(r.runs, 3);
	assert_non_null(strstr(r.last, "set 1200"));
	/* The end: the table is removed. */
	mss_clear(&s);
	assert_int_equal(r.runs, 4);
	assert_string_equal(r.last, kernel_nft_remove_script());
	diag_clear(&d);
}

/* Clamps without an nft (--kernel none): recorded, nothing run. */
static void
test_mss_without_ops_runs_nothing(void **state)
{
	struct mss_set s = { 0 };
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(mss_set(&s, "t", "ts-t", NULL, 0, NULL, 0, 1400), 0);
	assert_int_equal(mss_sync(&s, &d), 0);
	assert_null(s.applied);
	mss_clear(&s);
	assert_false(mss_has(&s, "t"));
	diag_clear(&d);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mss_sync_once_per_change),
	cmocka_unit_test(test_mss_failed_run_keeps_table_and_retries),
	cmocka_unit_test(test_mss_without_ops_runs_nothing),
};

TUNSH_TEST_MAIN(tests)
