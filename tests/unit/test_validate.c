/*
 * tests/unit/test_validate.c: config/validate.c, every rule with a case
 * that fails (with the exact message a person sees) and one that passes,
 * for the whole configuration (config_validate) and for a commit that
 * looks only at the tunnels it changed (config_validate_change).
 *
 * Each test starts from base(), a valid firewall with one valid tunnel,
 * and changes one thing, so that the single error it expects can only
 * come from the rule under test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/test.h"

#define PSK	"a-long-random-secret-of-30-chars"
#define AWS_PSK "Aws_psk.longer_than_twenty_chars"

/* The tail shared by every overlap of two policy-based tunnels. */
#define NET_CLASH                                                         \
	": two policy-based tunnels cannot claim the same networks; for " \
	"redundant links use route-based tunnels with a partner-type"

/* The tail shared by every clash of gateway pairs. */
#define PAIR_CLASH                                                         \
	": one tunnel per pair of gateways; put both sets of networks in " \
	"one tunnel"

static void
set(struct config_tunnel *t, enum config_field f, const char *v)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_tunnel_set(t, f, v, &d), 0);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
}

static void
unset(struct config_tunnel *t, enum config_field f, const char *v)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_tunnel_unset(t, f, v, &d), 0);
	diag_clear(&d);
}

static struct config_tunnel *
edit(struct config *c, const char *name)
{
	struct diag d;
	struct config_tunnel *t;

	diag_init(&d);
	t = config_tunnel_edit(c, name, true, &d);
	assert_non_null(t);
	diag_clear(&d);
	return t;
}

static void
iface(struct config *c, const char *name, const char *addr, const char *gw)
{
	struct diag d;
	struct config_interface *i;

	diag_init(&d);
	i = config_interface_edit(c, name, &d);
	assert_non_null(i);
	if (addr != NULL)
		assert_int_equal(config_interface_set_address(c, i, addr, &d),
		    0);
	if (gw != NULL)
		assert_int_equal(config_interface_set_gateway(c, i, gw, &d), 0);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
}

static void
vlan(struct config *c, unsigned id, const char *subnet)
{
	struct diag d;
	struct config_vlan *v;

	diag_init(&d);
	v = config_vlan_edit(c, id, &d);
	assert_non_null(v);
	if (subnet != NULL)
		assert_int_equal(config_vlan_set_subnet(c, v, subnet, &d), 0);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
}

static void
pool(struct config *c, const char *value)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_set_pool(c, value, &d), 0);
	diag_clear(&d);
}

/* An enabled policy-based tunnel on wan1 from vlan 20 to remote_net. */
static struct config_tunnel *
policy_tunnel(struct config *c, const char *name, const char *remote,
    const char *remote_net)
{
	struct config_tunnel *t = edit(c, name);

	set(t, CF_WAN_PORT, "wan1");
	set(t, CF_REMOTE_ADDRESS, remote);
	set(t, CF_PSK, PSK);
	set(t, CF_LOCAL_NETWORK, "vlan 20");
	set(t, CF_REMOTE_NETWORK, remote_net);
	return t;
}

/* A valid AWS tunnel: route-based by the preset, no networks needed. */
static struct config_tunnel *
aws_tunnel(struct config *c, const char *name)
{
	struct config_tunnel *t = edit(c, name);

	set(t, CF_PARTNER_TYPE, "aws");
	set(t, CF_WAN_PORT, "wan1");
	set(t, CF_REMOTE_ADDRESS, "52.1.2.3");
	set(t, CF_PSK, AWS_PSK);
	set(t, CF_INSIDE_ADDRESS, "169.254.10.2/30");
	return t;
}

/*
 * wan1 203.0.113.2/24 via 203.0.113.1, vlan 20 10.20.5.0/24, client-vpn
 * pool 10.99.0.0/24, and tunnel "hq" from vlan 20 to 172.16.0.0/16.
 */
static struct config *
base(void)
{
	struct config *c = config_new();

	assert_non_null(c);
	iface(c, "wan1", "203.0.113.2/24", "203.0.113.1");
	vlan(c, 20, "10.20.5.0/24");
	pool(c, "10.99.0.0/24");
	policy_tunnel(c, "hq", "198.51.100.7", "172.16.0.0/16");
	return c;
}

/* Running is built by hand: forget the edit marks a commit would clear. */
static void
as_running(struct config *c)
{
	c->n_touched = 0;
	c->system_changed = false;
}

static ssize_t
find(const struct diag *d, const char *text)
{
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->entries[i].text, text) == 0)
			return (ssize_t)i;
	return -1;
}

/* Prints what was said when an expectation fails: the test log shows it. */
static void
dump(const struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		print_message("  %s: %s\n",
		    d->entries[i].severity == DIAG_ERROR ? "error" : "warning",
		    d->entries[i].text);
}

/* d holds exactly n errors, msg among them as an error. */
static void
check_errors(const struct diag *d, size_t n, const char *msg)
{
	ssize_t i = msg != NULL ? find(d, msg) : 0;

	if (d->errors != n || i < 0) {
		print_message("expected %zu error(s) with \"%s\"; got:\n", n,
		    msg != NULL ? msg : "");
		dump(d);
	}
	assert_int_equal(d->errors, n);
	if (msg != NULL) {
		assert_true(i >= 0);
		assert_int_equal(d->entries[i].severity, DIAG_ERROR);
	}
}

/* Full validation fails with exactly n errors, msg among them. */
static void
expect_errors(const struct config *c, size_t n, const char *msg)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_validate(c, &d), -EINVAL);
	check_errors(&d, n, msg);
	diag_clear(&d);
}

static void
expect_error(const struct config *c, const char *msg)
{
	expect_errors(c, 1, msg);
}

/* Full validation passes with no error and no warning. */
static void
expect_valid(const struct config *c)
{
	struct diag d;
	int rc;

	diag_init(&d);
	rc = config_validate(c, &d);
	if (rc != 0 || d.count != 0)
		dump(&d);
	assert_int_equal(d.count, 0);
	assert_int_equal(rc, 0);
	diag_clear(&d);
}

/* Incremental validation of cand against running fails like that. */
static void
expect_change_errors(const struct config *running,
    const struct config_index *idx, const struct config *cand, size_t n,
    const char *msg)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_validate_change(running, idx, cand, &d),
	    n ? -EINVAL : 0);
	check_errors(&d, n, msg);
	diag_clear(&d);
}

static void
test_validate_base_is_valid(void **state)
{
	struct config *c = base();

	(void)state;
	expect_valid(c);
	aws_tunnel(c, "aws-1");
	expect_valid(c);
	config_free(c);
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
test_validate_remote_network_swallows_gateways(void **state)
{
	struct config *c = base();
	struct config_tunnel *t =
	    (struct config_tunnel *)config_tunnel_find(c, "hq");
	struct diag d;

	(void)state;
	set(t, CF_REMOTE_NETWORK, "198.51.100.0/24");
	expect_error(c,
	    "ipsec tunnel hq: remote-network 198.51.100.0/24 contains the "
	    "peer's address 198.51.100.7: IKE and ESP to the peer would be "
	    "sent into the tunnel itself; leave that address out");
	unset(t, CF_REMOTE_NETWORK, "198.51.100.0/24");
	set(t, CF_REMOTE_NETWORK, "203.0.113.0/25");
	expect_error(c,
	    "ipsec tunnel hq: remote-network 203.0.113.0/25 contains our own "
	    "address 203.0.113.2: leave that address out");
	unset(t, CF_REMOTE_NETWORK, "203.0.113.0/25");
	/* Next to the gateways, not over them: fine. */
	set(t, CF_REMOTE_NETWORK, "198.51.101.0/24");
	expect_valid(c);
	/* Nested remote networks: a warning, not an error. */
	set(t, CF_REMOTE_NETWORK, "172.16.4.0/24");
	diag_init(&d);
	assert_int_equal(config_validate(c, &d), 0);
	assert_int_equal(d.count, 1);
	assert_int_equal(d.entries[0].severity, DIAG_WARNING);
	assert_string_equal(d.entries[0].text,
	    "ipsec tunnel hq: remote-network 172.16.4.0/24 lies inside "
	    "remote-network 172.16.0.0/16: remove the narrower one");
	diag_clear(&d);
	config_free(c);
}

static void
test_validate_tunnel_needs_remote_address(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	unset(t, CF_REMOTE_ADDRESS, NULL);
	expect_error(c,
	    "ipsec tunnel hq: remote-address is not set: set the "
	    "peer's public IP address or FQDN");
	/* A disabled tunnel may be left half-configured. */
	set(t, CF_ENABLE, "no");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_tunnel_needs_psk(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	unset(t, CF_PSK, NULL);
	expect_error(c,
	    "ipsec tunnel hq: pre-shared-key is not set: set the "
	    "key agreed with the remote site");
	set(t, CF_ENABLE, "no");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_tunnel_needs_local_address(void **state)
{
	static const char msg[] = "ipsec tunnel hq: no local address: set "
				  "local-address, or wan-port to a port with "
				  "an address";
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	/* Neither a wan-port nor a local-address. */
	unset(t, CF_WAN_PORT, NULL);
	expect_error(c, msg);
	/* A local-address alone is enough. */
	set(t, CF_LOCAL_ADDRESS, "203.0.113.2");
	expect_valid(c);
	/* A wan-port whose interface has no address is not. */
	unset(t, CF_LOCAL_ADDRESS, NULL);
	iface(c, "wan2", NULL, NULL);
	set(t, CF_WAN_PORT, "wan2");
	expect_error(c, msg);
	set(t, CF_ENABLE, "no");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_local_address_must_be_wan_port_address(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	set(t, CF_LOCAL_ADDRESS, "203.0.113.9");
	expect_error(c,
	    "ipsec tunnel hq: local-address 203.0.113.9 differs "
	    "from wan1's address 203.0.113.2: the local address must be the "
	    "bound port's address");
	set(t, CF_LOCAL_ADDRESS, "203.0.113.2");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_unknown_wan_port(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	/* One error: the missing port is not also "no local address". */
	set(t, CF_WAN_PORT, "wan9");
	expect_error(c,
	    "ipsec tunnel hq: wan-port wan9 does not exist: "
	    "configure interface wan9 or bind another port");
	iface(c, "wan9", "192.0.2.10/24", NULL);
	expect_valid(c);
	config_free(c);
}

static void
test_validate_local_network_unknown_vlan(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	set(t, CF_LOCAL_NETWORK, "vlan 30");
	expect_error(c,
	    "ipsec tunnel hq: local-network vlan 30 does not "
	    "exist: configure vlan 30 or remove it");
	vlan(c, 30, "10.30.0.0/24");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_local_network_vlan_without_subnet(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	vlan(c, 30, NULL);
	set(t, CF_LOCAL_NETWORK, "vlan 30");
	expect_error(c,
	    "ipsec tunnel hq: local-network vlan 30 has no "
	    "subnet: set subnet under vlan 30");
	vlan(c, 30, "10.30.0.0/24");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_client_vpn_bound_needs_pool(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	set(t, CF_CLIENT_VPN_BOUND, NULL);
	expect_valid(c);
	pool(c, NULL);
	expect_error(c,
	    "ipsec tunnel hq: client-vpn-bound is on but no "
	    "client-vpn pool is configured: set pool under client-vpn");
	config_free(c);
}

static void
test_validate_policy_tunnel_needs_remote_network(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	unset(t, CF_REMOTE_NETWORK, NULL);
	expect_error(c,
	    "ipsec tunnel hq: a policy-based tunnel needs at "
	    "least one remote-network");
	/* A route-based tunnel routes instead: no selectors needed. */
	set(t, CF_TUNNEL_TYPE, "route-based");
	expect_valid(c);
	set(t, CF_TUNNEL_TYPE, "policy-based");
	set(t, CF_ENABLE, "no");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_policy_tunnel_needs_local_network(void **state)
{
	static const char msg[] = "ipsec tunnel hq: a policy-based tunnel "
				  "needs at least one local-network (or "
				  "client-vpn-bound)";
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	unset(t, CF_LOCAL_NETWORK, NULL);
	expect_error(c, msg);
	/* The client-VPN pool counts as the local network. */
	set(t, CF_CLIENT_VPN_BOUND, NULL);
	expect_valid(c);
	unset(t, CF_CLIENT_VPN_BOUND, NULL);
	expect_error(c, msg);
	set(t, CF_TUNNEL_TYPE, "route-based");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_remote_overlaps_own_local_network(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	/* A VLAN reference is named with its subnet. */
	set(t, CF_REMOTE_NETWORK, "10.20.0.0/16");
	expect_error(c,
	    "ipsec tunnel hq: remote-network 10.20.0.0/16 "
	    "overlaps local network vlan 20 (10.20.5.0/24): the two sides of "
	    "a tunnel need distinct addresses");
	unset(t, CF_REMOTE_NETWORK, "10.20.0.0/16");
	/* A prefix is named as it is written; nested the other way. */
	set(t, CF_LOCAL_NETWORK, "192.168.0.0/16");
	set(t, CF_REMOTE_NETWORK, "192.168.7.0/24");
	expect_error(c,
	    "ipsec tunnel hq: remote-network 192.168.7.0/24 "
	    "overlaps local network 192.168.0.0/16: the two sides of a tunnel "
	    "need distinct addresses");
	unset(t, CF_REMOTE_NETWORK, "192.168.7.0/24");
	set(t, CF_REMOTE_NETWORK, "10.21.0.0/16");
	expect_valid(c);
	config_free(c);
}

static void
test_validate_remote_overlaps_firewall_subnets(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	/* vlan 30 is not a local network of hq, but it is ours. */
	vlan(c, 30, "10.30.0.0/24");
	set(t, CF_REMOTE_NETWORK, "10.30.0.128/25");
	expect_error(c,
	    "ipsec tunnel hq: remote-network 10.30.0.128/25 "
	    "overlaps vlan 30 (10.30.0.0/24) of this firewall: traffic to it "
	    "would not enter the tunnel; renumber one side");
	unset(t, CF_REMOTE_NETWORK, "10.30.0.128/25");
	set(t, CF_REMOTE_NETWORK, "10.99.0.0/24");
	expect_error(c,
	    "ipsec tunnel hq: remote-network 10.99.0.0/24 "
	    "overlaps the client-vpn pool (10.99.0.0/24) of this firewall: "
	    "traffic to it would not enter the tunnel; renumber one side");
	/* The same network on a route-based tunnel is checked too. */
	set(t, CF_TUNNEL_TYPE, "route-based");
	expect_error(c,
	    "ipsec tunnel hq: remote-network 10.99.0.0/24 "
	    "overlaps the client-vpn pool (10.99.0.0/24) of this firewall: "
	    "traffic to it would not enter the tunnel; renumber one side");
	unset(t, CF_REMOTE_NETWORK, "10.99.0.0/24");
	set(t, CF_REMOTE_NETWORK, "10.98.0.0/24");
	expect_valid(c);
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
test_validate_system_subnets_overlap(void **state)
{
	struct config *c = base();

	(void)state;
	vlan(c, 30, "10.20.5.128/25");
	expect_error(c,
	    "vlan 30 (10.20.5.128/25) overlaps vlan 20 "
	    "(10.20.5.0/24): give each a subnet of its own");
	vlan(c, 30, "10.20.6.0/24");
	expect_valid(c);
	/* A supernet of both: each of them is named. */
	pool(c, "10.20.0.0/16");
	expect_errors(c, 2,
	    "vlan 20 (10.20.5.0/24) overlaps the client-vpn "
	    "pool (10.20.0.0/16): give each a subnet of its own");
	expect_errors(c, 2,
	    "vlan 30 (10.20.6.0/24) overlaps the client-vpn "
	    "pool (10.20.0.0/16): give each a subnet of its own");
	config_free(c);
}

static void
test_validate_gateway_in_interface_subnet(void **state)
{
	struct config *c = base();

	(void)state;
	iface(c, "wan1", NULL, "198.51.100.1");
	expect_error(c,
	    "interface wan1: gateway 198.51.100.1 is not another "
	    "host of the port's subnet 203.0.113.0/24");
	/* The port's own address is no gateway either. */
	iface(c, "wan1", NULL, "203.0.113.2");
	expect_error(c,
	    "interface wan1: gateway 203.0.113.2 is not another "
	    "host of the port's subnet 203.0.113.0/24");
	/* Nor are the subnet's network and broadcast addresses. */
	iface(c, "wan1", NULL, "203.0.113.0");
	expect_error(c,
	    "interface wan1: gateway 203.0.113.0 is not another "
	    "host of the port's subnet 203.0.113.0/24");
	iface(c, "wan1", NULL, "203.0.113.255");
	expect_error(c,
	    "interface wan1: gateway 203.0.113.255 is not another "
	    "host of the port's subnet 203.0.113.0/24");
	iface(c, "wan1", NULL, "203.0.113.254");
	expect_valid(c);
	/* On a /31 both addresses are hosts (RFC 3021). */
	iface(c, "wan1", "203.0.113.2/31", "203.0.113.3");
	expect_valid(c);
	iface(c, "wan1", "203.0.113.2/24", "203.0.113.1");
	iface(c, "wan2", NULL, "192.0.2.1");
	expect_error(c,
	    "interface wan2: gateway without an address: set "
	    "address first");
	config_free(c);
}

static void
test_validate_aws_refuses_policy_based(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = aws_tunnel(c, "aws-1");

	(void)state;
	set(t, CF_TUNNEL_TYPE, "policy-based");
	set(t, CF_LOCAL_NETWORK, "vlan 20");
	set(t, CF_REMOTE_NETWORK, "10.200.0.0/16");
	expect_error(c,
	    "ipsec tunnel aws-1: partner-type aws needs a "
	    "route-based tunnel: remove tunnel-type policy-based");
	unset(t, CF_TUNNEL_TYPE, NULL);
	assert_int_equal(t->type, CONFIG_TUNNEL_ROUTE);
	expect_valid(c);
	config_free(c);
}

static void
test_validate_aws_psk_rules(void **state)
{
	static const char msg[] = "ipsec tunnel aws-1: AWS accepts a "
				  "pre-shared-key of 8-64 letters, digits, "
				  "periods and underscores, not starting with "
				  "0: choose another key";
	static const char *const bad[] = {
		/* 65 characters */
		("A23456789012345678901234567890123456789012345678901234567890123"
		 "45"),
		"has-a-hyphen_in_it_and_long",
		"has a space_and_is_long_enough",
		"0starts_with_zero_and_is_long",
	};
	struct config *c = base();
	struct config_tunnel *t = aws_tunnel(c, "aws-1");

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set(t, CF_PSK, bad[i]);
		expect_error(c, msg);
	}
	/* 64 characters, every kind allowed, a 0 inside. */
	set(t, CF_PSK,
	    "Az09._0123456789012345678901234567890123456789012345678"
	    "901234567");
	assert_int_equal(strlen((const char *)t->psk->data), 64);
	expect_valid(c);
	/* The same keys are fine without a partner. */
	set(t, CF_PSK, bad[1]);
	set(t, CF_TUNNEL_TYPE, "route-based");
	unset(t, CF_PARTNER_TYPE, NULL);
	expect_valid(c);
	config_free(c);
}

static void
test_validate_aws_inside_address(void **state)
{
	static const char *const reserved[][2] = {
		{ "169.254.0.1/30", "169.254.0.0/30" },
		{ "169.254.1.2/30", "169.254.1.0/30" },
		{ "169.254.2.1/30", "169.254.2.0/30" },
		{ "169.254.3.2/30", "169.254.3.0/30" },
		{ "169.254.4.1/30", "169.254.4.0/30" },
		{ "169.254.5.2/30", "169.254.5.0/30" },
		{ "169.254.169.253/30", "169.254.169.252/30" },
	};
	/* Only those /30s are AWS's: their neighbours are usable. */
	static const char *const usable[] = { "169.254.6.1/30",
		"169.254.10.2/30", "169.254.0.5/30", "169.254.5.6/30",
		"169.254.1.101/30", "169.254.169.249/30",
		"169.254.255.254/30" };
	struct config *c = base();
	struct config_tunnel *t = aws_tunnel(c, "aws-1");
	char msg[256];

	(void)state;
	unset(t, CF_INSIDE_ADDRESS, NULL);
	expect_error(c,
	    "ipsec tunnel aws-1: partner-type aws needs "
	    "inside-address: our address on the tunnel's /30 inside "
	    "169.254.0.0/16, as AWS lists it");
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		set(t, CF_INSIDE_ADDRESS, reserved[i][0]);
		snprintf(msg, sizeof(msg),
		    "ipsec tunnel aws-1: inside-address "
		    "%s is in %s, which AWS reserves: choose another /30 of "
		    "169.254.0.0/16",
		    reserved[i][0], reserved[i][1]);
		expect_error(c, msg);
	}
	for (size_t i = 0; i < sizeof(usable) / sizeof(usable[0]); i++) {
		set(t, CF_INSIDE_ADDRESS, usable[i]);
		expect_valid(c);
	}
	set(t, CF_INSIDE_ADDRESS, "10.0.0.1/30");
	expect_error(c,
	    "ipsec tunnel aws-1: inside-address 10.0.0.1/30 is "
	    "outside 169.254.0.0/16: AWS takes the tunnel's /30 from there");
	config_free(c);
}

static void
test_validate_aws_refuses_curve25519_and_chacha(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = aws_tunnel(c, "aws-1");

	(void)state;
	/* The AWS preset itself is fine (base_is_valid); explicit ones: */
	set(t, CF_IKE_PROPOSAL, "aes256gcm16-prfsha384-ecp384");
	set(t, CF_ESP_PROPOSAL, "aes256gcm16-ecp384");
	expect_valid(c);
	/* Each refused algorithm by the name it was written with. */
	set(t, CF_IKE_PROPOSAL, "aes256gcm16-prfsha256-curve25519");
	expect_error(c,
	    "ipsec tunnel aws-1: ike-proposal uses curve25519, "
	    "which AWS rejects: remove it");
	unset(t, CF_IKE_PROPOSAL, "aes256gcm16-prfsha256-curve25519");
	set(t, CF_IKE_PROPOSAL, "aes256-sha256-x25519");
	expect_error(c,
	    "ipsec tunnel aws-1: ike-proposal uses x25519, which "
	    "AWS rejects: remove it");
	unset(t, CF_IKE_PROPOSAL, "aes256-sha256-x25519");
	set(t, CF_ESP_PROPOSAL, "chacha20poly1305");
	expect_error(c,
	    "ipsec tunnel aws-1: esp-proposal uses "
	    "chacha20poly1305, which AWS rejects: remove it");
	set(t, CF_ESP_PROPOSAL, "aes256gcm16-curve25519");
	expect_errors(c, 2,
	    "ipsec tunnel aws-1: esp-proposal uses "
	    "curve25519, which AWS rejects: remove it");
	unset(t, CF_ESP_PROPOSAL, "chacha20poly1305");
	unset(t, CF_ESP_PROPOSAL, "aes256gcm16-curve25519");
	expect_valid(c);
	/* Without a partner they are ordinary algorithms. */
	set(t, CF_ESP_PROPOSAL, "chacha20poly1305");
	set(t, CF_TUNNEL_TYPE, "route-based");
	unset(t, CF_PARTNER_TYPE, NULL);
	expect_valid(c);
	config_free(c);
}

/* The one warning of d: its text, and no error. */
static void
expect_warning(const struct config *c, const char *msg)
{
	struct diag d;
	ssize_t i;

	diag_init(&d);
	assert_int_equal(config_validate(c, &d), 0);
	i = find(&d, msg);
	if (d.count != 1 || i < 0) {
		print_message("expected only warning \"%s\"; got:\n", msg);
		dump(&d);
	}
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(d.count, 1);
	assert_true(i >= 0);
	assert_int_equal(d.entries[i].severity, DIAG_WARNING);
	diag_clear(&d);
}

static void
test_validate_warnings_do_not_fail(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	set(t, CF_PSK, "short-but-ok");
	expect_warning(c,
	    "ipsec tunnel hq: pre-shared-key is shorter than 20 "
	    "characters: a longer random key resists guessing");
	set(t, CF_PSK, PSK);
	set(t, CF_DPD_TIMEOUT, "60");
	set(t, CF_DPD_DELAY, "30");
	expect_warning(c,
	    "ipsec tunnel hq: dpd delay 30 is shorter than dpd "
	    "timeout 60: the peer is declared dead before a check can be "
	    "answered; make delay at least timeout");
	set(t, CF_DPD_DELAY, "60");
	expect_valid(c);
	/* DPD off: fine without a partner, a warning with one. */
	set(t, CF_DPD_TIMEOUT, "0");
	expect_valid(c);
	t = aws_tunnel(c, "aws-1");
	set(t, CF_DPD_TIMEOUT, "0");
	expect_warning(c,
	    "ipsec tunnel aws-1: DPD is off on a partner-type "
	    "aws tunnel: the partner drops idle tunnels; set dpd timeout");
	config_free(c);
}

static void
test_validate_errors_and_warnings_together(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");
	struct diag d;

	(void)state;
	/* A warning beside an error: still -EINVAL, both reported. */
	set(t, CF_PSK, "short-but-ok");
	unset(t, CF_REMOTE_ADDRESS, NULL);
	diag_init(&d);
	assert_int_equal(config_validate(c, &d), -EINVAL);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.warnings, 1);
	diag_clear(&d);
	config_free(c);
}

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
	cmocka_unit_test(test_validate_base_is_valid),
	cmocka_unit_test(test_validate_remote_network_swallows_gateways),
	cmocka_unit_test(test_validate_inside_links),
	cmocka_unit_test(test_validate_tunnel_needs_remote_address),
	cmocka_unit_test(test_validate_tunnel_needs_psk),
	cmocka_unit_test(test_validate_tunnel_needs_local_address),
	cmocka_unit_test(test_validate_local_address_must_be_wan_port_address),
	cmocka_unit_test(test_validate_unknown_wan_port),
	cmocka_unit_test(test_validate_local_network_unknown_vlan),
	cmocka_unit_test(test_validate_local_network_vlan_without_subnet),
	cmocka_unit_test(test_validate_client_vpn_bound_needs_pool),
	cmocka_unit_test(test_validate_policy_tunnel_needs_remote_network),
	cmocka_unit_test(test_validate_policy_tunnel_needs_local_network),
	cmocka_unit_test(test_validate_remote_overlaps_own_local_network),
	cmocka_unit_test(test_validate_remote_overlaps_firewall_subnets),
	cmocka_unit_test(test_validate_policy_tunnels_overlap_nested),
	cmocka_unit_test(test_validate_policy_tunnels_overlap_equal),
	cmocka_unit_test(
	    test_validate_overlap_allowed_on_route_based_and_disabled),
	cmocka_unit_test(test_validate_same_gateway_pair),
	cmocka_unit_test(test_validate_full_reports_each_pair_once),
	cmocka_unit_test(test_validate_system_subnets_overlap),
	cmocka_unit_test(test_validate_gateway_in_interface_subnet),
	cmocka_unit_test(test_validate_aws_refuses_policy_based),
	cmocka_unit_test(test_validate_aws_psk_rules),
	cmocka_unit_test(test_validate_aws_inside_address),
	cmocka_unit_test(test_validate_aws_refuses_curve25519_and_chacha),
	cmocka_unit_test(test_validate_warnings_do_not_fail),
	cmocka_unit_test(test_validate_errors_and_warnings_together),
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
