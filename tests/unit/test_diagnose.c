/*
 * tests/unit/test_diagnose.c: the checks of diagnose ipsec tunnel
 * (commands/diagnose.c, dx_run) on facts made by hand, as the engine,
 * the host ops and the dataplane would give them: each failing case of
 * the guide's lists says FAIL with the guide's fix, and a healthy tunnel
 * says ok throughout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/diagnose.h"
#include "tests/unit/test.h"

static const char conf_text[] =
    "interfaces = ( { name = \"wan1\"; address = \"192.0.2.1/24\"; } );\n"
    "vlans = ( { id = 10; name = \"a\"; subnet = \"10.1.0.0/24\"; } );\n"
    "tunnels = (\n"
    "  { name = \"to-b\"; wan-port = \"wan1\"; remote-address = "
    "\"192.0.2.2\";\n"
    "    pre-shared-key = \"lab-secret-1\"; local-network = [ \"vlan 10\" "
    "];\n"
    "    remote-network = [ \"10.2.0.0/24\" ]; dpd-timeout = 10; },\n"
    "  { name = \"lapped\"; wan-port = \"wan1\"; remote-address = "
    "\"192.0.2.3\";\n"
    "    pre-shared-key = \"lab-secret-2\"; local-network = [ \"vlan 10\" "
    "];\n"
    "    remote-network = [ \"10.1.0.0/16\" ]; }\n"
    ");\n";

struct fix {
	struct config *c;
	struct dx_facts f;
	struct dx_result r[DX_COUNT];
};

static void
event(struct dx_facts *f, enum ike_event ev, uint64_t wall, const char *text)
{
	struct ike_tunnel_status *st = &f->st;

	memmove(&st->events[1], &st->events[0],
	    (IKE_HISTORY_EVENTS - 1) * sizeof(st->events[0]));
	if (st->n_events < IKE_HISTORY_EVENTS)
		st->n_events++;
	st->events[0].ev = ev;
	st->events[0].wall = wall;
	snprintf(st->events[0].text, sizeof(st->events[0].text), "%s", text);
	st->event_last[ev] = wall;
	st->event_counts[ev]++;
}

/* A healthy tunnel: up, heard on 500, ESP both ways, counters rising. */
static int
setup(void **state)
{
	struct fix *x = calloc(1, sizeof(*x));
	struct diag d;

	diag_init(&d);
	x->c = config_load_string(conf_text, "test", &d);
	if (x->c == NULL)
		fail_msg("config: %s", d.count ? d.entries[0].text : "?");
	diag_clear(&d);
	x->f.c = x->c;
	x->f.t = config_tunnel_find(x->c, "to-b");
	x->f.engine = true;
	x->f.st.state = IKE_TUNNEL_UP;
	x->f.local = 0xc0000201;
	x->f.remote = 0xc0000202;
	x->f.local_ours = true;
	x->f.route_src = 0xc0000201;
	x->f.tr = (struct ike_tunnel_traffic){ .rx_500 = 4, .tx = 4 };
	x->f.n_child = 1;
	x->f.in[0] = 10;
	x->f.out[0] = 10;
	x->f.in[1] = 12;
	x->f.out[1] = 12;
	x->f.sampled = true;
	x->f.now = 1000;
	x->f.st.dpd.last_heard = 990;
	x->f.st.dpd.last_result = 1;
	event(&x->f, IKE_EV_ESTABLISHED, 900, "IKE SA established");
	event(&x->f, IKE_EV_CHILD_UP, 900, "CHILD SA up");
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *x = *state;

	config_free(x->c);
	free(x);
	return 0;
}

static void
test_diagnose_healthy_all_ok(void **state)
{
	struct fix *x = *state;

	dx_run(&x->f, x->r);
	for (int k = 0; k < DX_COUNT; k++)
		if (x->r[k].state != DX_OK)
			fail_msg("%s: %s: %s", dx_title(k),
			    dx_state_name(x->r[k].state), x->r[k].detail);
}

/* Only check k fails, and its detail holds words. */
static void
only_fails(struct fix *x, enum dx_check k, const char *words)
{
	dx_run(&x->f, x->r);
	assert_int_equal(x->r[k].state, DX_FAIL);
	if (strstr(x->r[k].detail, words) == NULL)
		fail_msg("%s: '%s' lacks '%s'", dx_title(k), x->r[k].detail,
		    words);
}

static void
test_diagnose_psk_mismatch(void **state)
{
	struct fix *x = *state;

	x->f.st.state = IKE_TUNNEL_DOWN;
	x->f.n_child = 0;
	event(&x->f, IKE_EV_AUTH_FAILED, 950,
	    "authentication failed: the pre-shared keys (or IDs) do not "
	    "match");
	only_fails(x, DX_PSK, "pre-shared keys");
	assert_string_equal(dx_fix(DX_PSK),
	    "Verify the pre-shared key matches on both ends");
	/* A success after it clears it, even in the same second. */
	event(&x->f, IKE_EV_ESTABLISHED, 950, "IKE SA established");
	dx_run(&x->f, x->r);
	assert_int_equal(x->r[DX_PSK].state, DX_OK);
}

static void
test_diagnose_no_proposal_keeps_both_offers(void **state)
{
	struct fix *x = *state;

	x->f.st.state = IKE_TUNNEL_NO_CHILD;
	event(&x->f, IKE_EV_NO_PROPOSAL, 950,
	    "no common ESP proposal: the peer offered AES_CBC_128; we accept "
	    "AES_GCM_16_256");
	only_fails(x, DX_PROPOSALS, "the peer offered AES_CBC_128; we accept");
}

static void
test_diagnose_ts_unacceptable_and_narrowed(void **state)
{
	struct fix *x = *state;

	event(&x->f, IKE_EV_TS_UNACCEPTABLE, 950,
	    "the peer refused our networks");
	only_fails(x, DX_NETWORKS, "refused our networks");
	assert_string_equal(dx_fix(DX_NETWORKS),
	    "Verify local and remote network subnets are configured "
	    "correctly");
	event(&x->f, IKE_EV_CHILD_UP, 960, "CHILD SA up");
	x->f.st.n_not_carried = 1;
	prefix4_parse("10.1.0.0/24", &x->f.st.not_carried[0].local);
	prefix4_parse("10.2.0.0/24", &x->f.st.not_carried[0].remote);
	only_fails(x, DX_NETWORKS, "10.1.0.0/24 <-> 10.2.0.0/24");
}

static void
test_diagnose_esp_dropped(void **state)
{
	struct fix *x = *state;

	x->f.in[0] = x->f.in[1] = 0;
	only_fails(x, DX_FIREWALL, "none received");
	assert_int_equal(x->r[DX_COUNTERS].state, DX_FAIL);
	assert_string_equal(dx_fix(DX_FIREWALL),
	    "Ensure the WAN firewall allows IPSec traffic (UDP 500, UDP 4500, "
	    "and ESP protocol)");
}

static void
test_diagnose_peer_silent(void **state)
{
	struct fix *x = *state;

	x->f.st.state = IKE_TUNNEL_CONNECTING;
	x->f.n_child = 0;
	x->f.tr = (struct ike_tunnel_traffic){ .tx = 5 };
	dx_run(&x->f, x->r);
	assert_int_equal(x->r[DX_REACH].state, DX_FAIL);
	assert_int_equal(x->r[DX_FIREWALL].state, DX_FAIL);
	x->f.route_rc = -ENETUNREACH;
	only_fails(x, DX_REACH, "no route to 192.0.2.2");
}

static void
test_diagnose_local_address(void **state)
{
	struct fix *x = *state;

	x->f.local_ours = false;
	only_fails(x, DX_LOCAL, "192.0.2.1 is not an address");
	x->f.local = 0xc0000209;
	only_fails(x, DX_LOCAL, "is not wan-port wan1's (192.0.2.1)");
}

static void
test_diagnose_overlap(void **state)
{
	struct fix *x = *state;

	x->f.t = config_tunnel_find(x->c, "lapped");
	only_fails(x, DX_OVERLAP,
	    "10.1.0.0/24 overlaps remote network "
	    "10.1.0.0/16");
}

static void
test_diagnose_counters(void **state)
{
	struct fix *x = *state;

	x->f.in[1] = x->f.in[0];
	only_fails(x, DX_COUNTERS, "nothing in");
	x->f.sampled = false;
	x->f.why_once = "interrupted";
	dx_run(&x->f, x->r);
	assert_int_equal(x->r[DX_COUNTERS].state, DX_UNKNOWN);
	assert_string_equal(x->r[DX_COUNTERS].detail,
	    "sampled once only: interrupted");
}

static void
test_diagnose_dpd_unanswered(void **state)
{
	struct fix *x = *state;

	x->f.st.dpd.last_check = 995;
	x->f.st.dpd.last_result = -1;
	only_fails(x, DX_DPD, "went unanswered");
}

static void
test_diagnose_route_based_routes(void **state)
{
	struct fix *x = *state;
	struct config_tunnel *t = (struct config_tunnel *)x->f.t;

	t->type = CONFIG_TUNNEL_ROUTE;
	x->f.has_dp = true;
	snprintf(x->f.dp.ifname, sizeof(x->f.dp.ifname), "xfrm-to-b");
	x->f.dp.up = true;
	only_fails(x, DX_ROUTES, "no route to 10.2.0.0/24 via xfrm-to-b");
	x->f.dp.n_routes = 1;
	x->f.dp.routes[0].dst = t->remote_nets[0];
	x->f.dp.routes[0].best = true;
	dx_run(&x->f, x->r);
	assert_int_equal(x->r[DX_ROUTES].state, DX_OK);
	x->f.dp.up = false;
	only_fails(x, DX_ROUTES, "withdrawn");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

static const struct CMUnitTest tests[] = {
	T(test_diagnose_healthy_all_ok),
	T(test_diagnose_psk_mismatch),
	T(test_diagnose_no_proposal_keeps_both_offers),
	T(test_diagnose_ts_unacceptable_and_narrowed),
	T(test_diagnose_esp_dropped),
	T(test_diagnose_peer_silent),
	T(test_diagnose_local_address),
	T(test_diagnose_overlap),
	T(test_diagnose_counters),
	T(test_diagnose_dpd_unanswered),
	T(test_diagnose_route_based_routes),
};

TUNSH_TEST_MAIN(tests)
