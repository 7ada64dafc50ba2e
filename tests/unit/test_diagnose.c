/*
 * tests/unit/test_diagnose.c: the checks of diagnose ipsec tunnel
 * (commands/diagnose.c, dx_run) on facts made by hand, as the engine,
 * the host ops and the dataplane would give them: each failing case of
 * the guide's lists says FAIL with the guide's fix, and a healthy tunnel
 * says ok throughout.  Then the command itself, through the ops seams:
 * engine A of ike_lab.c is the daemon's, B its peer, the host ops are
 * the test's, and the text is what a person would see.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/diagnose.h"
#include "ike/engine.h"
#include "tests/unit/ike_lab.h"
#include "tests/unit/show_fixture.h"
#include "tests/unit/test.h"

static const char store_text[] =
    "interfaces = ( { name = \"wan1\"; address = \"192.0.2.1/24\"; } );\n"
    "vlans = ( { id = 10; name = \"a\"; subnet = \"10.1.0.0/24\"; } );\n"
    "tunnels = (\n"
    "  { name = \"to-b\"; wan-port = \"wan1\"; remote-address = "
    "\"192.0.2.2\";\n"
    "    pre-shared-key = \"lab-secret-1\"; local-network = [ \"vlan 10\" "
    "];\n"
    "    remote-network = [ \"10.2.0.0/24\" ]; dpd-timeout = 10; }\n"
    ");\n";

/* lapped is what validation refuses (a running configuration cannot
 * hold it): diagnose checks it all the same. */
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

/* IPv6 outside (issue 14): wan1 holds an address of each family, wan6
 * one of IPv6 only; to-v6 runs over IPv6, to-v4 over IPv4 on wan1. */
static const char conf6_text[] =
    "interfaces = ( { name = \"wan1\"; address = [ \"192.0.2.1/24\", "
    "\"2001:db8:1::1/64\" ]; },\n"
    "  { name = \"wan6\"; address = \"2001:db8:6::2/64\"; } );\n"
    "vlans = ( { id = 10; name = \"a\"; subnet = [ \"10.1.0.0/24\", "
    "\"2001:db8:10::/64\" ]; } );\n"
    "tunnels = (\n"
    "  { name = \"to-v6\"; wan-port = \"wan6\"; remote-address = "
    "\"2001:db8:6::7\";\n"
    "    pre-shared-key = \"lab-secret-1\"; local-network = [ \"vlan 10\" "
    "];\n"
    "    remote-network = [ \"2001:db8:20::/64\" ]; },\n"
    "  { name = \"to-v6-dual\"; wan-port = \"wan1\"; remote-address = "
    "\"2001:db8:1::7\";\n"
    "    pre-shared-key = \"lab-secret-1\"; local-network = [ \"vlan 10\" "
    "];\n"
    "    remote-network = [ \"10.2.0.0/24\" ]; },\n"
    "  { name = \"far\"; wan-port = \"wan6\"; remote-address = "
    "\"2001:db8:99::7\";\n"
    "    pre-shared-key = \"lab-secret-1\"; local-network = [ \"vlan 10\" "
    "];\n"
    "    remote-network = [ \"2001:db8:21::/64\" ]; }\n"
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
	/* As the engine's record() keeps it: the first 119 bytes. */
	memset(st->events[0].text, 0, sizeof(st->events[0].text));
	memcpy(st->events[0].text, text,
	    strnlen(text, sizeof(st->events[0].text) - 1));
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
	ipaddr_from4(0xc0000201, 32, &x->f.local);
	ipaddr_from4(0xc0000202, 32, &x->f.remote);
	x->f.local_ours = true;
	ipaddr_from4(0xc0000201, 32, &x->f.route_src);
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

/* The healthy tunnel, over IPv6: to-v6 from 2001:db8:6::2 (wan6's) to
 * 2001:db8:6::7. */
static int
setup6(void **state)
{
	struct fix *x;
	struct diag d;

	setup(state);
	x = *state;
	config_free(x->c);
	diag_init(&d);
	x->c = config_load_string(conf6_text, "test", &d);
	if (x->c == NULL)
		fail_msg("config: %s", d.count ? d.entries[0].text : "?");
	diag_clear(&d);
	x->f.c = x->c;
	x->f.t = config_tunnel_find(x->c, "to-v6");
	assert_non_null(x->f.t);
	assert_int_equal(ipaddr_parse("2001:db8:6::2", &x->f.local), 0);
	assert_int_equal(ipaddr_parse("2001:db8:6::7", &x->f.remote), 0);
	x->f.route_src = x->f.local;
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
	/* The history keeps the first 120 bytes; the last error all. */
	snprintf(x->f.st.last_error, sizeof(x->f.st.last_error),
	    "no common IKE proposal: the peer offered "
	    "AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519; we accept "
	    "AES_CBC_128/PRF_HMAC_SHA2_256/HMAC_SHA2_256_128/MODP_2048");
	event(&x->f, IKE_EV_NO_PROPOSAL, 950, x->f.st.last_error);
	assert_int_equal(strlen(x->f.st.events[0].text), 119);
	only_fails(x, DX_PROPOSALS,
	    "the peer offered AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519; "
	    "we accept "
	    "AES_CBC_128/PRF_HMAC_SHA2_256/HMAC_SHA2_256_128/MODP_2048");
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
	ipaddr_parse_prefix("10.1.0.0/24", &x->f.st.not_carried[0].local);
	ipaddr_parse_prefix("10.2.0.0/24", &x->f.st.not_carried[0].remote);
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
	/* Nothing left this host: not the WAN firewall's doing. */
	assert_int_equal(x->r[DX_FIREWALL].state, DX_UNKNOWN);
}

static void
test_diagnose_local_address(void **state)
{
	struct fix *x = *state;

	x->f.local_ours = false;
	only_fails(x, DX_LOCAL, "192.0.2.1 is not an address");
	ipaddr_from4(0xc0000209, 32, &x->f.local);
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

/* --- the command, on a real engine pair ----------------------------- */

struct cmd_fix {
	struct show_fix s; /* to-b on A and to-a on B, the store */
	struct commands_session *oper;
};

/*
 * The host: 192.0.2.1 and 2001:db8:6::2 are its own, routes go out from
 * the one of the destination's family; none to 2001:db8:99::/48.
 */
static const char host6[] = "2001:db8:6::2";

static int
is_local(void *arg, const struct ipaddr *addr, bool *yes)
{
	struct ipaddr six;

	(void)arg;
	assert_int_equal(ipaddr_parse(host6, &six), 0);
	*yes = ipaddr_to4(addr) == LAB_ADDR_A || ipaddr_equal(addr, &six);
	return 0;
}

static int
route_src(void *arg, const struct ipaddr *dst, struct ipaddr *src)
{
	struct ipaddr none;

	(void)arg;
	assert_int_equal(ipaddr_parse_prefix("2001:db8:99::/48", &none), 0);
	if (ipaddr_contains(&none, dst))
		return -ENETUNREACH;
	if (dst->family == AF_INET6)
		return ipaddr_parse(host6, src);
	ipaddr_from4(LAB_ADDR_A, 32, src);
	return 0;
}

static int
addr_in(void *arg, const struct ipaddr *p, struct ipaddr *out_addr)
{
	(void)arg;
	(void)p;
	(void)out_addr;
	return -EADDRNOTAVAIL;
}

static const struct commands_host_ops host = { is_local, route_src, addr_in };

/* A and B as the lab makes them, B holding psk_b; running has to-b. */
static struct cmd_fix *
cmd_fix_new(const char *psk_b)
{
	struct cmd_fix *x = calloc(1, sizeof(*x));
	struct diag d;

	show_fix_init(&x->s, store_text, psk_b);
	diag_init(&d);
	assert_int_equal(ike_tunnel_add(x->s.l.b.e, &x->s.tb.c, &d), 0);
	assert_int_equal(ike_tunnel_add(x->s.l.a.e, &x->s.ta.c, &d), 0);
	diag_clear(&d);
	x->s.env.host = &host;
	x->oper = show_fix_session(&x->s, "olga", COMMANDS_OPERATOR);
	lab_run(&x->s.l, 100);
	return x;
}

static void
cmd_fix_free(struct cmd_fix *x)
{
	commands_session_free(x->oper);
	show_fix_fini(&x->s);
	free(x);
}

/* What an operator sees for line. */
static const char *
run(struct cmd_fix *x, const char *line)
{
	rewind(x->s.f);
	fflush(x->s.f);
	x->s.len = 0;
	if (x->s.buf)
		x->s.buf[0] = '\0';
	assert_int_equal(commands_run(x->oper, line), 0);
	fflush(x->s.f);
	return x->s.buf;
}

static void
has(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("'%s' not in:\n%s", want, text);
}

static void
test_diagnose_command_psk_mismatch(void **state)
{
	struct cmd_fix *x = cmd_fix_new("not-the-same-secret");
	const char *o;

	(void)state;
	o = run(x, "diagnose ipsec tunnel to-b");
	has(o,
	    "Tunnel to-b (192.0.2.1 to 192.0.2.2): down\n"
	    "Tunnel not establishing\n"
	    "  FAIL    Pre-shared key: authentication failed: the "
	    "pre-shared keys (or IDs) do not match\n"
	    "          fix: Verify the pre-shared key matches on both "
	    "ends\n"
	    "  ok      Local address on the WAN port: 192.0.2.1 is on "
	    "this host, wan-port wan1\n"
	    "  ok      Remote gateway reachable: route to 192.0.2.2 from "
	    "192.0.2.1; IKE answers seen\n");
	cmd_fix_free(x);
}

/* The engine's accessors diagnose reads: datagrams by port, the time
 * of the last event of each kind. */
static void
test_diagnose_engine_traffic(void **state)
{
	struct cmd_fix *x = cmd_fix_new("lab-secret-1");
	struct ike_tunnel_traffic tr;
	struct ike_tunnel_status st;

	(void)state;
	/* IKE_SA_INIT and IKE_AUTH: two requests out, two answers in. */
	assert_int_equal(ike_tunnel_traffic(x->s.l.a.e, "to-b", &tr), 0);
	assert_int_equal(tr.tx, 2);
	assert_int_equal(tr.rx_500, 2);
	assert_int_equal(tr.rx_4500, 0);
	assert_true(tr.last_rx != 0 && tr.last_tx != 0);
	assert_int_equal(ike_tunnel_traffic(x->s.l.a.e, "nope", &tr), -ENOENT);
	assert_int_equal(ike_tunnel_status(x->s.l.a.e, "to-b", &st), 0);
	assert_true(st.event_last[IKE_EV_ESTABLISHED] != 0);
	assert_int_equal(st.event_last[IKE_EV_AUTH_FAILED], 0);
	assert_non_null(ike_status_event(&st, IKE_EV_CHILD_UP));
	assert_null(ike_status_event(&st, IKE_EV_AUTH_FAILED));
	cmd_fix_free(x);
}

static void
test_diagnose_command_up(void **state)
{
	struct cmd_fix *x = cmd_fix_new("lab-secret-1");
	const char *o;

	(void)state;
	o = run(x, "diagnose ipsec tunnel to-b");
	has(o,
	    "  ok      Pre-shared key: the last authentication "
	    "succeeded\n");
	has(o,
	    "  ok      Proposals in common: IKE and ESP proposals "
	    "agreed\n");
	has(o,
	    "  ok      Networks accepted by the peer: the peer took all "
	    "of them\n");
	/* No loop in this test: the second sample cannot be waited for. */
	has(o,
	    "  unknown CHILD SA counters rising in and out: sampled once "
	    "only: this session cannot wait for a second sample\n");
	has(o, "0 FAIL, ");
	o = run(x, "diagnose ipsec tunnel to-b json");
	has(o,
	    "\"check\": \"pre-shared-key\",\n"
	    "      \"result\": \"ok\",");
	cmd_fix_free(x);
}

/* --- IPv6 outside (issue 14) --------------------------------------- */

static void
test_diagnose_ipv6_healthy_all_ok(void **state)
{
	struct fix *x = *state;

	dx_run(&x->f, x->r);
	for (int k = 0; k < DX_COUNT; k++)
		if (x->r[k].state != DX_OK)
			fail_msg("%s: %s: %s", dx_title(k),
			    dx_state_name(x->r[k].state), x->r[k].detail);
	assert_string_equal(x->r[DX_LOCAL].detail,
	    "2001:db8:6::2 is on this host, wan-port wan6");
	assert_string_equal(x->r[DX_REACH].detail,
	    "route to 2001:db8:6::7 from 2001:db8:6::2; IKE answers seen");
}

static void
test_diagnose_ipv6_local_address(void **state)
{
	struct fix *x = *state;

	x->f.local_ours = false;
	only_fails(x, DX_LOCAL,
	    "2001:db8:6::2 is not an address of any interface of this host");
	assert_int_equal(ipaddr_parse("2001:db8:6::9", &x->f.local), 0);
	only_fails(x, DX_LOCAL,
	    "local address 2001:db8:6::9 is not wan-port wan6's "
	    "(2001:db8:6::2)");
}

/* On a port of both families, an IPv6 tunnel is checked against the
 * port's IPv6 address, an IPv4 one against its IPv4 address. */
static void
test_diagnose_ipv6_dual_stack_port(void **state)
{
	struct fix *x = *state;

	x->f.t = config_tunnel_find(x->c, "to-v6-dual");
	assert_int_equal(ipaddr_parse("2001:db8:1::1", &x->f.local), 0);
	dx_run(&x->f, x->r);
	assert_int_equal(x->r[DX_LOCAL].state, DX_OK);
	assert_string_equal(x->r[DX_LOCAL].detail,
	    "2001:db8:1::1 is on this host, wan-port wan1");
	ipaddr_from4(0xc0000201, 32, &x->f.local);
	dx_run(&x->f, x->r);
	assert_int_equal(x->r[DX_LOCAL].state, DX_OK);
	ipaddr_from4(0xc0000209, 32, &x->f.local);
	only_fails(x, DX_LOCAL,
	    "local address 192.0.2.9 is not wan-port wan1's (192.0.2.1)");
}

static void
test_diagnose_ipv6_peer_unreachable(void **state)
{
	struct fix *x = *state;

	x->f.st.state = IKE_TUNNEL_CONNECTING;
	x->f.n_child = 0;
	x->f.tr = (struct ike_tunnel_traffic){ .tx = 3 };
	only_fails(x, DX_REACH,
	    "route to 2001:db8:6::7 from 2001:db8:6::2, but none of 3 IKE "
	    "messages sent was answered");
	x->f.route_rc = -ENETUNREACH;
	only_fails(x, DX_REACH, "no route to 2001:db8:6::7: ");
	assert_int_equal(x->r[DX_FIREWALL].state, DX_UNKNOWN);
	/* Not resolved yet: no family. */
	memset(&x->f.remote, 0, sizeof(x->f.remote));
	dx_run(&x->f, x->r);
	assert_int_equal(x->r[DX_REACH].state, DX_UNKNOWN);
	assert_string_equal(x->r[DX_REACH].detail,
	    "the remote address is not resolved yet");
}

/* The command on tunnels over IPv6 that the engine does not run: the
 * addresses come from the configuration, the checks from the host ops. */
static void
test_diagnose_command_ipv6(void **state)
{
	struct show_fix s;
	struct commands_session *oper;
	const char *o;

	(void)state;
	show_fix_init(&s, conf6_text, "lab-secret-1");
	s.env.host = &host;
	oper = show_fix_session(&s, "olga", COMMANDS_OPERATOR);
	assert_int_equal(commands_run(oper, "diagnose ipsec tunnel to-v6"), 0);
	fflush(s.f);
	o = s.buf;
	has(o,
	    "Tunnel to-v6 (2001:db8:6::2 to 2001:db8:6::7): not running\n"
	    "Tunnel not establishing\n"
	    "  unknown Pre-shared key: the IKE engine does not run this "
	    "tunnel\n"
	    "  ok      Local address on the WAN port: 2001:db8:6::2 is on "
	    "this host, wan-port wan6\n"
	    "  unknown Remote gateway reachable: route to 2001:db8:6::7 from "
	    "2001:db8:6::2; IKE not running\n");
	rewind(s.f);
	s.len = 0;
	assert_int_equal(commands_run(oper, "diagnose ipsec tunnel far"), 0);
	fflush(s.f);
	o = s.buf;
	has(o,
	    "  FAIL    Remote gateway reachable: no route to 2001:db8:99::7: "
	    "Network is unreachable\n"
	    "          fix: Check that the remote gateway is reachable\n");
	/* to-v6-dual: wan1's IPv6 address, not its IPv4 one. */
	rewind(s.f);
	s.len = 0;
	assert_int_equal(commands_run(oper, "diagnose ipsec tunnel to-v6-dual"),
	    0);
	fflush(s.f);
	o = s.buf;
	has(o, "Tunnel to-v6-dual (2001:db8:1::1 to 2001:db8:1::7)");
	has(o,
	    "  FAIL    Local address on the WAN port: 2001:db8:1::1 is not "
	    "an address of any interface of this host\n");
	commands_session_free(oper);
	show_fix_fini(&s);
}

#define T(name)	 cmocka_unit_test_setup_teardown(name, setup, teardown)
#define T6(name) cmocka_unit_test_setup_teardown(name, setup6, teardown)

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
	cmocka_unit_test(test_diagnose_command_psk_mismatch),
	cmocka_unit_test(test_diagnose_command_up),
	cmocka_unit_test(test_diagnose_engine_traffic),
	T6(test_diagnose_ipv6_healthy_all_ok),
	T6(test_diagnose_ipv6_local_address),
	T6(test_diagnose_ipv6_dual_stack_port),
	T6(test_diagnose_ipv6_peer_unreachable),
	cmocka_unit_test(test_diagnose_command_ipv6),
};

TUNSH_TEST_MAIN(tests)
