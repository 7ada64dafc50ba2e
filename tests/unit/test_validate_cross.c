/*
 * tests/unit/test_validate_cross.c: config/validate.c between tunnels:
 * overlapping remote networks, gateway pairs and inside links, each pair
 * reported once, in a full validation (config_validate) and in a commit
 * that looks only at the tunnels it changed (config_validate_change), up
 * to 2,000 tunnels.  Starts from base() of validate_fixture.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/validate_fixture.h"

/* running: hq (172.16.0.0/16) and site-b (172.17.0.0/16), valid. */
static struct config *
two_sites(void)
{
	struct config *r = base();

	policy_tunnel(r, "site-b", "198.51.100.8", "172.17.0.0/16");
	as_running(r);
	expect_valid(r);
	return r;
}

static void
test_validate_inside_links(void **state)
{
	struct config *c = base(), *run, *cand;
	struct config_tunnel *a, *b;
	struct config_index *idx;
	struct diag d;

	(void)state;
	a = aws_tunnel(c, "aws-1");
	b = aws_tunnel(c, "aws-2");
	set(b, CF_REMOTE_ADDRESS, "52.1.2.4");
	set(b, CF_INSIDE_ADDRESS, "169.254.11.2/30");
	expect_valid(c);
	/* The same /30 on two tunnels: once, on the later name. */
	set(b, CF_INSIDE_ADDRESS, "169.254.10.1/30");
	expect_error(c,
	    "ipsec tunnel aws-2: inside-address is on 169.254.10.0/30, the "
	    "inside link of ipsec tunnel aws-1 too: give each tunnel its own "
	    "/30");
	/* A commit that moves aws-1 onto aws-2's link sees it too. */
	set(b, CF_INSIDE_ADDRESS, "169.254.11.2/30");
	as_running(c);
	run = c;
	idx = config_index_build(run);
	cand = config_copy(run);
	set(edit(cand, "aws-1"), CF_INSIDE_ADDRESS, "169.254.11.1/30");
	expect_change_errors(run, idx, cand, 1,
	    "ipsec tunnel aws-1: inside-address is on 169.254.11.0/30, the "
	    "inside link of ipsec tunnel aws-2 too: give each tunnel its own "
	    "/30");
	config_free(cand);
	config_index_free(idx);
	/* On a firewall subnet; and ignored on a policy-based tunnel. */
	a = edit(c, "aws-1");
	unset(a, CF_PARTNER_TYPE, NULL);
	set(a, CF_TUNNEL_TYPE, "route-based");
	set(a, CF_INSIDE_ADDRESS, "10.20.5.2/30");
	expect_error(c,
	    "ipsec tunnel aws-1: inside-address is on 10.20.5.0/30, inside "
	    "vlan 20 (10.20.5.0/24) of this firewall: choose a /30 outside the "
	    "firewall's subnets");
	set(a, CF_INSIDE_ADDRESS, "192.168.255.1/30");
	set(a, CF_TUNNEL_TYPE, "policy-based");
	set(a, CF_LOCAL_NETWORK, "vlan 20");
	set(a, CF_REMOTE_NETWORK, "10.60.0.0/16");
	diag_init(&d);
	assert_int_equal(config_validate(c, &d), 0);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.entries[0].text,
	    "ipsec tunnel aws-1: inside-address is ignored on a policy-based "
	    "tunnel: set tunnel-type route-based or remove it");
	diag_clear(&d);
	config_free(c);
}

static void
test_validate_policy_tunnels_overlap_nested(void **state)
{
	struct config *c = base();

	(void)state;
	/* Reported once, by the later tunnel, naming the earlier. */
	policy_tunnel(c, "site-b", "198.51.100.8", "172.16.5.0/24");
	expect_error(c,
	    "ipsec tunnel site-b: remote-network 172.16.5.0/24 "
	    "overlaps remote-network 172.16.0.0/16 of ipsec tunnel hq" NET_CLASH);
	assert_int_equal(config_tunnel_remove(c, "site-b"), 0);
	/* The supernet on the later tunnel. */
	policy_tunnel(c, "site-b", "198.51.100.8", "172.0.0.0/8");
	expect_error(c,
	    "ipsec tunnel site-b: remote-network 172.0.0.0/8 "
	    "overlaps remote-network 172.16.0.0/16 of ipsec tunnel hq" NET_CLASH);
	assert_int_equal(config_tunnel_remove(c, "site-b"), 0);
	policy_tunnel(c, "site-b", "198.51.100.8", "172.17.0.0/16");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_policy_tunnels_overlap_equal(void **state)
{
	struct config *c = base();

	(void)state;
	policy_tunnel(c, "site-b", "198.51.100.8", "172.16.0.0/16");
	expect_error(c,
	    "ipsec tunnel site-b: remote-network 172.16.0.0/16 "
	    "overlaps remote-network 172.16.0.0/16 of ipsec tunnel hq" NET_CLASH);
	/* A third one clashes with both: one error per pair. */
	policy_tunnel(c, "site-c", "198.51.100.9", "172.16.0.0/16");
	expect_errors(c, 3,
	    "ipsec tunnel site-c: remote-network "
	    "172.16.0.0/16 overlaps remote-network 172.16.0.0/16 of ipsec "
	    "tunnel site-b" NET_CLASH);
	expect_errors(c, 3,
	    "ipsec tunnel site-c: remote-network "
	    "172.16.0.0/16 overlaps remote-network 172.16.0.0/16 of ipsec "
	    "tunnel hq" NET_CLASH);
	config_free(c);
}

static void
test_validate_overlap_allowed_on_route_based_and_disabled(void **state)
{
	struct config *c = base();
	struct config_tunnel *b;

	(void)state;
	/* Redundant route-based tunnels may carry the same networks. */
	b = policy_tunnel(c, "site-b", "198.51.100.8", "172.16.0.0/16");
	set(b, CF_TUNNEL_TYPE, "route-based");
	set(edit(c, "hq"), CF_TUNNEL_TYPE, "route-based");
	expect_valid(c);
	/* One policy-based, one route-based: no clash either. */
	set(edit(c, "hq"), CF_TUNNEL_TYPE, "policy-based");
	expect_valid(c);
	/* Both policy-based, one disabled: the disabled one claims nothing. */
	set(b, CF_TUNNEL_TYPE, "policy-based");
	set(b, CF_ENABLE, "no");
	expect_valid(c);
	set(b, CF_ENABLE, "yes");
	expect_errors(c, 1, NULL);
	config_free(c);
}

static void
test_validate_same_gateway_pair(void **state)
{
	struct config *c = base();
	struct config_tunnel *b;

	(void)state;
	/* hq's local address comes from wan1, site-b's is written out. */
	b = policy_tunnel(c, "site-b", "198.51.100.7", "172.17.0.0/16");
	unset(b, CF_WAN_PORT, NULL);
	set(b, CF_LOCAL_ADDRESS, "203.0.113.2");
	expect_error(c,
	    "ipsec tunnel site-b: local address 203.0.113.2 and "
	    "remote-address 198.51.100.7 are already those of ipsec tunnel hq" PAIR_CLASH);
	/* Route-based tunnels count too. */
	set(b, CF_TUNNEL_TYPE, "route-based");
	set(edit(c, "hq"), CF_TUNNEL_TYPE, "route-based");
	expect_error(c,
	    "ipsec tunnel site-b: local address 203.0.113.2 and "
	    "remote-address 198.51.100.7 are already those of ipsec tunnel hq" PAIR_CLASH);
	set(b, CF_ENABLE, "no");
	expect_valid(c);
	set(b, CF_ENABLE, "yes");
	set(b, CF_REMOTE_ADDRESS, "198.51.100.8");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_full_reports_each_pair_once(void **state)
{
	struct config *c = base();

	(void)state;
	/* Both clashes at once: two errors, not four. */
	policy_tunnel(c, "site-b", "198.51.100.7", "172.16.0.0/16");
	expect_errors(c, 2,
	    "ipsec tunnel site-b: remote-network "
	    "172.16.0.0/16 overlaps remote-network 172.16.0.0/16 of ipsec "
	    "tunnel hq" NET_CLASH);
	expect_errors(c, 2,
	    "ipsec tunnel site-b: local address 203.0.113.2 "
	    "and remote-address 198.51.100.7 are already those of ipsec "
	    "tunnel hq" PAIR_CLASH);
	config_free(c);
}

static void
test_validate_change_overlap_with_untouched(void **state)
{
	static const char msg[] = "ipsec tunnel site-b: remote-network "
				  "172.16.9.0/24 overlaps remote-network "
				  "172.16.0.0/16 of ipsec tunnel hq" NET_CLASH;
	struct config *r = two_sites(), *cand;
	struct config_index *idx = config_index_build(r);
	struct config_tunnel *t;

	(void)state;
	assert_non_null(idx);
	cand = config_copy(r);
	expect_change_errors(r, idx, cand, 0, NULL);
	t = edit(cand, "site-b");
	unset(t, CF_REMOTE_NETWORK, "172.17.0.0/16");
	set(t, CF_REMOTE_NETWORK, "172.16.9.0/24");
	assert_int_equal(cand->n_touched, 1);
	assert_false(cand->system_changed);
	/* The same words as a full validation of the candidate. */
	expect_change_errors(r, idx, cand, 1, msg);
	expect_error(cand, msg);
	/* Undone: valid again, though site-b is still a touched copy. */
	unset(t, CF_REMOTE_NETWORK, "172.16.9.0/24");
	set(t, CF_REMOTE_NETWORK, "172.17.0.0/16");
	expect_change_errors(r, idx, cand, 0, NULL);
	config_free(cand);
	config_index_free(idx);
	config_free(r);
}

static void
test_validate_change_names_the_edited_tunnel(void **state)
{
	struct config *r = two_sites(), *cand;
	struct config_index *idx = config_index_build(r);
	struct config_tunnel *t;

	(void)state;
	/*
	 * hq, earlier by name, is edited into site-b's networks: the commit
	 * names the tunnel being edited; a full validation, which cannot
	 * know which one moved, names the later one.
	 */
	cand = config_copy(r);
	t = edit(cand, "hq");
	set(t, CF_REMOTE_NETWORK, "172.17.0.0/16");
	expect_change_errors(r, idx, cand, 1,
	    "ipsec tunnel hq: "
	    "remote-network 172.17.0.0/16 overlaps remote-network "
	    "172.17.0.0/16 of ipsec tunnel site-b" NET_CLASH);
	expect_error(cand,
	    "ipsec tunnel site-b: remote-network 172.17.0.0/16 "
	    "overlaps remote-network 172.17.0.0/16 of ipsec tunnel hq" NET_CLASH);
	config_free(cand);
	config_index_free(idx);
	config_free(r);
}

static void
test_validate_change_pair_with_untouched(void **state)
{
	struct config *r = two_sites(), *cand;
	struct config_index *idx = config_index_build(r);

	(void)state;
	/* A new tunnel to hq's peer from hq's address. */
	cand = config_copy(r);
	policy_tunnel(cand, "site-c", "198.51.100.7", "172.18.0.0/16");
	expect_change_errors(r, idx, cand, 1,
	    "ipsec tunnel site-c: local "
	    "address 203.0.113.2 and remote-address 198.51.100.7 are already "
	    "those of ipsec tunnel hq" PAIR_CLASH);
	expect_error(cand,
	    "ipsec tunnel site-c: local address 203.0.113.2 and "
	    "remote-address 198.51.100.7 are already those of ipsec tunnel hq" PAIR_CLASH);
	config_free(cand);
	config_index_free(idx);
	config_free(r);
}

static void
test_validate_change_edited_pair_reported_once(void **state)
{
	static const char net[] = "ipsec tunnel site-b: remote-network "
				  "172.18.0.0/16 overlaps remote-network "
				  "172.18.0.0/16 of ipsec tunnel hq" NET_CLASH;
	static const char pair[] = "ipsec tunnel site-b: local address "
				   "203.0.113.2 and remote-address "
				   "198.51.100.9 are already those of ipsec "
				   "tunnel hq" PAIR_CLASH;
	struct config *r = two_sites(), *cand;
	struct config_index *idx = config_index_build(r);
	struct config_tunnel *t;

	(void)state;
	/* Both edited, site-b first, onto the same networks and peer. */
	cand = config_copy(r);
	t = edit(cand, "site-b");
	unset(t, CF_REMOTE_NETWORK, "172.17.0.0/16");
	set(t, CF_REMOTE_NETWORK, "172.18.0.0/16");
	set(t, CF_REMOTE_ADDRESS, "198.51.100.9");
	t = edit(cand, "hq");
	unset(t, CF_REMOTE_NETWORK, "172.16.0.0/16");
	set(t, CF_REMOTE_NETWORK, "172.18.0.0/16");
	set(t, CF_REMOTE_ADDRESS, "198.51.100.9");
	assert_int_equal(cand->n_touched, 2);
	/* Their old entries in running's index are not conflicts. */
	expect_change_errors(r, idx, cand, 2, net);
	expect_change_errors(r, idx, cand, 2, pair);
	expect_errors(cand, 2, net);
	expect_errors(cand, 2, pair);
	config_free(cand);
	config_index_free(idx);
	config_free(r);
}

static void
test_validate_change_removed_tunnel_frees_its_networks(void **state)
{
	struct config *r = two_sites(), *cand;
	struct config_index *idx = config_index_build(r);

	(void)state;
	/* site-b goes; a new tunnel takes its networks and its peer. */
	cand = config_copy(r);
	assert_int_equal(config_tunnel_remove(cand, "site-b"), 0);
	policy_tunnel(cand, "site-c", "198.51.100.8", "172.17.0.0/16");
	expect_change_errors(r, idx, cand, 0, NULL);
	expect_valid(cand);
	config_free(cand);
	config_index_free(idx);
	config_free(r);
}

static void
test_validate_change_checks_edited_tunnel_rules(void **state)
{
	struct config *r = two_sites(), *cand;
	struct config_index *idx = config_index_build(r);
	struct config_tunnel *t;

	(void)state;
	/* Not only cross checks: the edited tunnel's own rules too. */
	cand = config_copy(r);
	t = edit(cand, "site-b");
	unset(t, CF_PSK, NULL);
	set(t, CF_REMOTE_NETWORK, "10.99.0.0/25");
	expect_change_errors(r, idx, cand, 2,
	    "ipsec tunnel site-b: "
	    "pre-shared-key is not set: set the key agreed with the remote "
	    "site");
	expect_change_errors(r, idx, cand, 2,
	    "ipsec tunnel site-b: "
	    "remote-network 10.99.0.0/25 overlaps the client-vpn pool "
	    "(10.99.0.0/24) of this firewall: traffic to it would not enter "
	    "the tunnel; renumber one side");
	config_free(cand);
	config_index_free(idx);
	config_free(r);
}

static void
test_validate_change_looks_only_at_changes(void **state)
{
	struct config *r = two_sites(), *cand;
	struct config_index *idx;

	(void)state;
	/*
	 * A running configuration with a clash between two tunnels that
	 * the candidate leaves alone: a commit of something else does not
	 * read them (that is what makes it O(change)) ...
	 */
	policy_tunnel(r, "site-c", "198.51.100.9", "172.17.0.0/16");
	as_running(r);
	expect_errors(r, 1, NULL);
	idx = config_index_build(r);
	cand = config_copy(r);
	set(edit(cand, "hq"), CF_DESCRIPTION, "head office");
	expect_change_errors(r, idx, cand, 0, NULL);
	/* ... but a system change validates everything again. */
	vlan(cand, 30, "10.30.0.0/24");
	expect_change_errors(r, idx, cand, 1,
	    "ipsec tunnel site-c: "
	    "remote-network 172.17.0.0/16 overlaps remote-network "
	    "172.17.0.0/16 of ipsec tunnel site-b" NET_CLASH);
	/* So does a candidate without an index. */
	cand->system_changed = false;
	expect_change_errors(r, NULL, cand, 1, NULL);
	config_free(cand);
	config_index_free(idx);
	config_free(r);
}

static void
test_validate_change_sees_system_change(void **state)
{
	struct config *r = two_sites(), *cand;
	struct config_index *idx = config_index_build(r);

	(void)state;
	/* No tunnel edited, but vlan 20 moves onto hq's remote network. */
	cand = config_copy(r);
	vlan(cand, 20, "172.16.1.0/24");
	expect_change_errors(r, idx, cand, 1,
	    "ipsec tunnel hq: "
	    "remote-network 172.16.0.0/16 overlaps local network vlan 20 "
	    "(172.16.1.0/24): the two sides of a tunnel need distinct "
	    "addresses");
	config_free(cand);
	config_index_free(idx);
	config_free(r);
}

/* 2,000 tunnels from vlan 20, tunnel i to 172.16.0.0/12's i-th /24. */
static struct config *
many_tunnels(unsigned n)
{
	struct config *c = config_new();
	char name[CONFIG_TUNNEL_NAME_MAX + 1], remote[CONFIG_HOST_MAX + 1];
	char net[PREFIX4_STRLEN + 8];

	iface(c, "wan1", "203.0.113.2/24", "203.0.113.1");
	vlan(c, 20, "10.20.5.0/24");
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "t%04u", i);
		snprintf(remote, sizeof(remote), "100.64.%u.%u", i / 200,
		    i % 200 + 1);
		snprintf(net, sizeof(net), "172.%u.%u.0/24", 16 + i / 256,
		    i % 256);
		policy_tunnel(c, name, remote, net);
	}
	as_running(c);
	return c;
}

static void
test_validate_2000_tunnels(void **state)
{
	struct config *r = many_tunnels(2000), *cand;
	struct config_index *idx;
	struct config_tunnel *t;

	(void)state;
	assert_int_equal(r->n_tunnels, 2000);
	expect_valid(r);
	idx = config_index_build(r);
	assert_non_null(idx);
	/* One tunnel moved to a free network: still valid. */
	cand = config_copy(r);
	t = edit(cand, "t1999");
	unset(t, CF_REMOTE_NETWORK, "172.23.207.0/24");
	set(t, CF_REMOTE_NETWORK, "172.24.0.0/24");
	expect_change_errors(r, idx, cand, 0, NULL);
	expect_valid(cand);
	/* Then onto t0005's network (172.16.5.0/24), inside a supernet. */
	unset(t, CF_REMOTE_NETWORK, "172.24.0.0/24");
	set(t, CF_REMOTE_NETWORK, "172.16.0.0/21");
	expect_change_errors(r, idx, cand, 8,
	    "ipsec tunnel t1999: "
	    "remote-network 172.16.0.0/21 overlaps remote-network "
	    "172.16.5.0/24 of ipsec tunnel t0005" NET_CLASH);
	expect_errors(cand, 8,
	    "ipsec tunnel t1999: remote-network "
	    "172.16.0.0/21 overlaps remote-network 172.16.5.0/24 of ipsec "
	    "tunnel t0005" NET_CLASH);
	config_free(cand);
	config_index_free(idx);
	config_free(r);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_validate_inside_links),
	cmocka_unit_test(test_validate_policy_tunnels_overlap_nested),
	cmocka_unit_test(test_validate_policy_tunnels_overlap_equal),
	cmocka_unit_test(
	    test_validate_overlap_allowed_on_route_based_and_disabled),
	cmocka_unit_test(test_validate_same_gateway_pair),
	cmocka_unit_test(test_validate_full_reports_each_pair_once),
	cmocka_unit_test(test_validate_change_overlap_with_untouched),
	cmocka_unit_test(test_validate_change_names_the_edited_tunnel),
	cmocka_unit_test(test_validate_change_pair_with_untouched),
	cmocka_unit_test(test_validate_change_edited_pair_reported_once),
	cmocka_unit_test(
	    test_validate_change_removed_tunnel_frees_its_networks),
	cmocka_unit_test(test_validate_change_checks_edited_tunnel_rules),
	cmocka_unit_test(test_validate_change_looks_only_at_changes),
	cmocka_unit_test(test_validate_change_sees_system_change),
	cmocka_unit_test(test_validate_2000_tunnels),
};

TUNSH_TEST_MAIN(tests)
