/*
 * tests/unit/test_monitor.c: the counting of a tunnel's traffic monitor
 * (shell/monitor_state.c) on a fake clock, and the routes of its tunnel
 * following the monitor's verdict as they follow the CHILD SAs
 * (shell/dataplane.c over kernel link ops that record the routes).  Each
 * test is a story of probes as the monitor would live it: answered, lost,
 * a restart, the peer mended.
 */
#include <errno.h>
#include <string.h>

#include "shell/dataplane.h"
#include "shell/monitor.h"
#include "test.h"

#define S 1000000u /* one second on the monitor's clock (us) */

/* interval 1 s, the wait the whole interval, threshold 3. */
static void
start(struct monitor_count *m, uint32_t wait_ms)
{
	struct monitor_conf c = { .interval_ms = 1000,
		.wait_ms = wait_ms,
		.threshold = 3 };

	monitor_count_init(m, &c, 0);
	monitor_count_carrier(m, true, 0);
}

/* Runs the monitor at now: sends when asked (answered or not later). */
static unsigned
tick(struct monitor_count *m, uint64_t now)
{
	unsigned a = monitor_count_due(m, now);

	if (a & MONITOR_DO_SEND)
		a |= monitor_count_sent(m, 0, now);
	return a;
}

static void
test_monitor_down_after_threshold_unanswered(void **state)
{
	struct monitor_count m;

	(void)state;
	start(&m, 0);
	assert_string_equal(monitor_count_state(&m), "up");
	/* The first probe goes at once. */
	assert_int_equal(monitor_count_next(&m), 0);
	assert_int_equal(tick(&m, 0), MONITOR_DO_SEND);
	assert_int_equal(monitor_count_next(&m), 1 * S);
	/* Answered after 12 ms: no miss, the rtt kept. */
	assert_int_equal(monitor_count_answer(&m, m.seq, 12000), 0);
	assert_int_equal(m.last_rtt_us, 12000);
	/* Then three lost: the first two are misses only ... */
	assert_int_equal(tick(&m, 1 * S), MONITOR_DO_SEND);
	assert_int_equal(tick(&m, 2 * S), MONITOR_DO_SEND);
	assert_int_equal(tick(&m, 3 * S), MONITOR_DO_SEND);
	assert_int_equal(m.misses, 2);
	assert_string_equal(monitor_count_state(&m), "up");
	/* ... the third makes it down and asks for a new negotiation. */
	assert_int_equal(tick(&m, 4 * S),
	    MONITOR_DO_DOWN | MONITOR_DO_RESTART | MONITOR_DO_SEND);
	assert_string_equal(monitor_count_state(&m), "down");
	assert_int_equal(m.sent, 5);
	assert_int_equal(m.answered, 1);
	assert_int_equal(m.restarts, 1);
}

/* A new CHILD SA proves nothing: down until a probe is answered, and
 * another negotiation after each further threshold lost. */
static void
test_monitor_stays_down_across_restart(void **state)
{
	struct monitor_count m;

	(void)state;
	start(&m, 0);
	for (uint64_t t = 0; t <= 3 * S; t += S)
		tick(&m, t);
	assert_true(tick(&m, 3 * S + 1) == 0);
	assert_int_equal(tick(&m, 4 * S) & MONITOR_DO_DOWN, 0);
	/* The restart drops the CHILD SA: paused, still down. */
	monitor_count_carrier(&m, false, 4 * S);
	assert_string_equal(monitor_count_state(&m), "down");
	assert_int_equal(monitor_count_next(&m), UINT64_MAX);
	assert_int_equal(monitor_count_due(&m, 9 * S), 0);
	/* The new CHILD SA at 10 s: probes again, still down. */
	monitor_count_carrier(&m, true, 10 * S);
	assert_string_equal(monitor_count_state(&m), "down");
	assert_int_equal(tick(&m, 10 * S), MONITOR_DO_SEND);
	assert_int_equal(tick(&m, 11 * S), MONITOR_DO_SEND);
	assert_int_equal(tick(&m, 12 * S), MONITOR_DO_SEND);
	/* Three more lost: negotiated again, no second "down". */
	assert_int_equal(tick(&m, 13 * S),
	    MONITOR_DO_RESTART | MONITOR_DO_SEND);
	assert_int_equal(m.restarts, 2);
	/* The peer mended: the answer makes it up. */
	assert_int_equal(monitor_count_answer(&m, m.seq, 13 * S + 500),
	    MONITOR_DO_UP);
	assert_string_equal(monitor_count_state(&m), "up");
	assert_int_equal(m.misses, 0);
}

/* A tunnel that is merely down (DPD, the peer) keeps its monitor up:
 * the routes follow the CHILD SA, not the probes. */
static void
test_monitor_off_without_child_sa(void **state)
{
	struct monitor_count m;
	struct monitor_conf c = { .interval_ms = 1000, .threshold = 3 };

	(void)state;
	monitor_count_init(&m, &c, 0);
	assert_string_equal(monitor_count_state(&m), "off");
	assert_int_equal(monitor_count_next(&m), UINT64_MAX);
	assert_int_equal(monitor_count_due(&m, 5 * S), 0);
	monitor_count_carrier(&m, true, 5 * S);
	tick(&m, 5 * S);
	tick(&m, 6 * S);
	monitor_count_carrier(&m, false, 6 * S + 1);
	assert_string_equal(monitor_count_state(&m), "off");
	/* Back: the count starts again, nothing carried over. */
	monitor_count_carrier(&m, true, 20 * S);
	assert_int_equal(m.misses, 0);
	assert_int_equal(tick(&m, 20 * S), MONITOR_DO_SEND);
	assert_int_equal(tick(&m, 21 * S), MONITOR_DO_SEND);
	assert_int_equal(tick(&m, 22 * S), MONITOR_DO_SEND);
	assert_string_equal(monitor_count_state(&m), "up");
}

/* A probe that cannot go counts as unanswered at once. */
static void
test_monitor_send_error_is_a_miss(void **state)
{
	struct monitor_count m;
	unsigned a = 0;

	(void)state;
	start(&m, 0);
	for (uint64_t t = 0; t < 3 * S; t += S) {
		assert_int_equal(monitor_count_due(&m, t), MONITOR_DO_SEND);
		a = monitor_count_sent(&m, -EADDRNOTAVAIL, t);
	}
	assert_int_equal(a, MONITOR_DO_DOWN | MONITOR_DO_RESTART);
	assert_false(m.waiting);
	assert_int_equal(m.sent, 3);
}

/* Only the answer to the probe in its wait counts: not another
 * sequence number, not one after the wait. */
static void
test_monitor_wrong_or_late_answer_ignored(void **state)
{
	struct monitor_count m;

	(void)state;
	start(&m, 200);
	assert_int_equal(m.wait_us, 200000);
	tick(&m, 0);
	assert_int_equal(monitor_count_next(&m), 200000);
	assert_int_equal(monitor_count_answer(&m, (uint16_t)(m.seq + 1), 1000),
	    0);
	assert_int_equal(m.answered, 0);
	/* The wait passes at 200 ms: a miss, the next probe at 1 s. */
	assert_int_equal(monitor_count_due(&m, 200000), 0);
	assert_int_equal(m.misses, 1);
	assert_int_equal(monitor_count_next(&m), 1 * S);
	assert_int_equal(monitor_count_answer(&m, m.seq, 300000), 0);
	assert_int_equal(m.answered, 0);
	assert_int_equal(m.misses, 1);
}

/* The routes of a tunnel (recorded), moved by its monitor. */
struct rec {
	struct kernel_route r[8];
	size_t n;
};

static int
rec_link_add(void *arg, const struct kernel_link *l, struct diag *d)
{
	(void)arg;
	(void)l;
	(void)d;
	return 0;
}

static int
rec_link_del(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return 0;
}

static int
rec_route_add(void *arg, const struct kernel_route *r, struct diag *d)
{
	struct rec *k = arg;

	(void)d;
	assert_true(k->n < 8);
	k->r[k->n++] = *r;
	return 0;
}

static int
rec_route_del(void *arg, const struct kernel_route *r)
{
	struct rec *k = arg;

	for (size_t i = 0; i < k->n; i++)
		if (k->r[i].metric == r->metric &&
		    strcmp(k->r[i].dev, r->dev) == 0) {
			k->r[i] = k->r[--k->n];
			return 0;
		}
	return 0;
}

static const struct kernel_link_ops rec_ops = { .link_add = rec_link_add,
	.link_del = rec_link_del,
	.route_add = rec_route_add,
	.route_del = rec_route_del };

static uint32_t
only_metric(const struct rec *k)
{
	assert_int_equal(k->n, 1);
	return k->r[0].metric;
}

/* Down withdraws the route like a lost CHILD SA; the CHILD SA coming
 * back (the restart) does not return it; the answer does. */
static void
test_monitor_moves_routes(void **state)
{
	struct rec k = { 0 };
	struct dataplane_set s = { &rec_ops, &k, NULL };
	struct dataplane plan = { 0 };
	struct commands_dataplane st;

	(void)state;
	snprintf(plan.tunnel, sizeof(plan.tunnel), "aws-1");
	snprintf(plan.link.name, sizeof(plan.link.name), "ts-aws-1");
	assert_int_equal(
	    ipaddr_parse_prefix("10.2.0.0/16", &plan.routes[0].dst), 0);
	snprintf(plan.routes[0].dev, sizeof(plan.routes[0].dev), "ts-aws-1");
	plan.routes[0].metric = 100;
	plan.n_routes = 1;
	plan.up = true;
	assert_int_equal(dataplane_add(&s, &plan, NULL), 0);
	assert_int_equal(only_metric(&k), 100);
	dataplane_probe(&s, "aws-1", true, 50);
	assert_int_equal(only_metric(&k), 100 + DATAPLANE_STANDBY);
	assert_true(dataplane_status(&s, "aws-1", &st));
	assert_false(st.up);
	assert_true(st.probe_down);
	assert_int_equal(st.probe_since, 50);
	/* The restart: the CHILD SA goes and comes; the route stays. */
	dataplane_follow(&s, "aws-1", false, 51);
	dataplane_follow(&s, "aws-1", true, 52);
	assert_int_equal(only_metric(&k), 100 + DATAPLANE_STANDBY);
	assert_true(dataplane_status(&s, "aws-1", &st));
	assert_false(st.routes[0].stuck);
	/* Answered: back at its metric. */
	dataplane_probe(&s, "aws-1", false, 60);
	assert_int_equal(only_metric(&k), 100);
	assert_true(dataplane_status(&s, "aws-1", &st));
	assert_true(st.up);
	assert_false(st.probe_down);
	/* Down without a CHILD SA: nothing to move, nothing said. */
	dataplane_follow(&s, "aws-1", false, 70);
	dataplane_probe(&s, "aws-1", true, 71);
	assert_true(dataplane_status(&s, "aws-1", &st));
	assert_false(st.probe_down);
	assert_int_equal(only_metric(&k), 100 + DATAPLANE_STANDBY);
	dataplane_clear(&s);
	assert_int_equal(k.n, 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_monitor_down_after_threshold_unanswered),
	cmocka_unit_test(test_monitor_stays_down_across_restart),
	cmocka_unit_test(test_monitor_off_without_child_sa),
	cmocka_unit_test(test_monitor_send_error_is_a_miss),
	cmocka_unit_test(test_monitor_wrong_or_late_answer_ignored),
	cmocka_unit_test(test_monitor_moves_routes),
};

TUNSH_TEST_MAIN(tests)
