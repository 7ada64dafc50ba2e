/*
 * tests/unit/test_validate.c: config/validate.c, every rule with a case
 * that fails (with the exact message a person sees) and one that passes,
 * for the rules of one tunnel and of the firewall itself.  The rules
 * between tunnels, and a commit's view of them, are test_validate_cross.
 *
 * Each test starts from base(), a valid firewall with one valid tunnel,
 * and changes one thing, so that the single error it expects can only
 * come from the rule under test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/validate_fixture.h"

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

/* The monitor's probe must take the tunnel both ways. */
static void
test_validate_monitor_takes_the_tunnel(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	set(t, CF_MONITOR, "destination 172.16.0.1 source vlan 20");
	expect_valid(c);
	set(t, CF_MONITOR, "destination 172.16.0.1 source 10.20.5.1");
	expect_valid(c);
	set(t, CF_MONITOR, "destination 172.16.0.1");
	expect_valid(c);
	set(t, CF_MONITOR, "destination 10.9.0.1");
	expect_error(c,
	    "ipsec tunnel hq: monitor destination 10.9.0.1 is in no "
	    "remote-network of the tunnel: give a host behind the peer");
	set(t, CF_MONITOR, "destination 172.16.0.1 source 10.30.0.1");
	expect_error(c,
	    "ipsec tunnel hq: monitor source 10.30.0.1 is in no "
	    "local-network of the tunnel: give an address of ours that the "
	    "tunnel carries");
	vlan(c, 30, "10.30.0.0/24");
	set(t, CF_MONITOR, "destination 172.16.0.1 source vlan 30");
	expect_error(c,
	    "ipsec tunnel hq: monitor source vlan 30 is not a local-network "
	    "of the tunnel: give one of its VLANs or addresses");
	unset(t, CF_MONITOR, NULL);
	/* Route-based: the inside addresses are the link's two ends. */
	t = aws_tunnel(c, "aws-1");
	set(t, CF_MONITOR, "destination 169.254.10.1 source 169.254.10.2");
	expect_valid(c);
	set(t, CF_MONITOR, "destination 169.254.10.1");
	expect_valid(c);
	unset(t, CF_INSIDE_ADDRESS, NULL);
	set(t, CF_PARTNER_TYPE, "none");
	set(t, CF_TUNNEL_TYPE, "route-based");
	set(t, CF_MONITOR, "destination 10.2.0.10");
	expect_errors(c, 2,
	    "ipsec tunnel aws-1: monitor destination 10.2.0.10 is in no "
	    "remote-network of the tunnel: give a host behind the peer, or "
	    "the peer's inside address");
	expect_errors(c, 2,
	    "ipsec tunnel aws-1: monitor has no source: the tunnel has no "
	    "local-network nor inside-address; give monitor source");
	config_free(c);
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

/* The policy a default partner-type azure tunnel asks Azure for. */
#define AZURE_POLICY                                                         \
	"$p = New-AzIpsecPolicy -IkeEncryption AES256 -IkeIntegrity SHA256 " \
	"-DhGroup DHGroup14 -IpsecEncryption GCMAES256 -IpsecIntegrity "     \
	"GCMAES256 -PfsGroup None -SALifeTimeSeconds 27000 "                 \
	"-SADataSizeKilobytes 102400000; "                                   \
	"Set-AzVirtualNetworkGatewayConnection "                             \
	"-VirtualNetworkGatewayConnection $conn -IpsecPolicies $p"

static struct config_tunnel *
azure_tunnel(struct config *c, const char *name)
{
	struct config_tunnel *t = edit(c, name);

	set(t, CF_PARTNER_TYPE, "azure");
	set(t, CF_WAN_PORT, "wan1");
	set(t, CF_REMOTE_ADDRESS, "40.1.2.3");
	set(t, CF_PSK, PSK);
	set(t, CF_INSIDE_ADDRESS, "169.254.21.2/30");
	return t;
}

/*
 * Azure's default policy offers only DH group 2, which tunsh refuses: the
 * commit says so, with the custom policy that matches this tunnel.
 */
static void
test_validate_azure_says_the_custom_policy(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = azure_tunnel(c, "az-1");

	(void)state;
	expect_warning(c,
	    "ipsec tunnel az-1: Azure's default IPsec/IKE policy offers only "
	    "DH group 2, which tunsh refuses: give the Azure connection this "
	    "custom policy: " AZURE_POLICY);
	/* Computed from the tunnel's own settings, not a fixed text. */
	set(t, CF_IKE_PROPOSAL, "aes128gcm16-prfsha384-ecp384");
	set(t, CF_ESP_PROPOSAL, "aes128-sha1-ecp256");
	set(t, CF_CHILD_LIFETIME, "1h");
	expect_warning(c,
	    "ipsec tunnel az-1: Azure's default IPsec/IKE policy offers only "
	    "DH group 2, which tunsh refuses: give the Azure connection this "
	    "custom policy: $p = New-AzIpsecPolicy -IkeEncryption GCMAES128 "
	    "-IkeIntegrity SHA384 -DhGroup ECP384 -IpsecEncryption AES128 "
	    "-IpsecIntegrity SHA1 -PfsGroup ECP256 -SALifeTimeSeconds 3600 "
	    "-SADataSizeKilobytes 102400000; "
	    "Set-AzVirtualNetworkGatewayConnection "
	    "-VirtualNetworkGatewayConnection $conn -IpsecPolicies $p");
	config_free(c);
}

/* Nothing Azure can do: an error, since the tunnel can never come up. */
static void
test_validate_azure_needs_a_proposal_it_can_do(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = azure_tunnel(c, "az-1");

	(void)state;
	set(t, CF_IKE_PROPOSAL, "aes256-sha512-curve25519");
	expect_error(c,
	    "ipsec tunnel az-1: no ike-proposal is one Azure can do: add one "
	    "of aes256 or aes256gcm16, sha256 or prfsha256, and modp2048, "
	    "ecp256 or ecp384, e.g. aes256-sha256-modp2048");
	unset(t, CF_IKE_PROPOSAL, NULL);
	set(t, CF_ESP_PROPOSAL, "aes256-sha512");
	expect_error(c,
	    "ipsec tunnel az-1: no esp-proposal is one Azure can do: add one "
	    "of aes256gcm16, or aes256 with sha256, with no DH group or "
	    "modp2048, ecp256 or ecp384, e.g. aes256gcm16");
	config_free(c);
}

/*
 * A PolicyBased Azure gateway speaks only IKEv1; narrow selectors need a
 * RouteBased one with UsePolicyBasedTrafficSelectors on the connection.
 */
static void
test_validate_azure_policy_based_needs_selectors_flag(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = azure_tunnel(c, "az-1");
	struct diag d;

	(void)state;
	unset(t, CF_INSIDE_ADDRESS, NULL);
	set(t, CF_TUNNEL_TYPE, "policy-based");
	set(t, CF_LOCAL_NETWORK, "vlan 20");
	set(t, CF_REMOTE_NETWORK, "10.60.0.0/16");
	diag_init(&d);
	assert_int_equal(config_validate(c, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 2);
	assert_true(
	    find(&d,
		"ipsec tunnel az-1: Azure's default IPsec/IKE policy offers only "
		"DH group 2, which tunsh refuses: give the Azure connection this "
		"custom policy: " AZURE_POLICY
		" -UsePolicyBasedTrafficSelectors $true") >= 0);
	assert_true(find(&d,
			"ipsec tunnel az-1: policy-based with partner-type "
			"azure needs a RouteBased Azure gateway (a PolicyBased "
			"one speaks only IKEv1, which tunsh does not) with "
			"UsePolicyBasedTrafficSelectors set on the connection, "
			"as above; or remove tunnel-type policy-based") >= 0);
	diag_clear(&d);
	config_free(c);
}

/* mtu is an interface's; a clamp above it does nothing but fragment. */
static void
test_validate_mtu_and_tcp_mss(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	set(t, CF_TCP_MSS, "1360");
	expect_valid(c);
	set(t, CF_MTU, "1400");
	expect_error(c,
	    "ipsec tunnel hq: mtu is the MTU of a route-based tunnel's "
	    "interface, and a policy-based tunnel has none: remove it (no "
	    "mtu) and clamp TCP with tcp-mss, or set tunnel-type "
	    "route-based");
	unset(t, CF_MTU, NULL);
	expect_valid(c);
	t = aws_tunnel(c, "aws-1");
	expect_valid(c);
	set(t, CF_MTU, "1400");
	expect_warning(c,
	    "ipsec tunnel aws-1: tcp-mss 1406 is more than mtu 1400 less 40 "
	    "bytes of IPv4 and TCP headers: such segments are fragmented or "
	    "dropped; set tcp-mss 1360 or less");
	set(t, CF_TCP_MSS, "1360");
	expect_valid(c);
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

/* IPv6 (issue 14): the outer family is remote-address's. */
static void
test_validate_ipv6_outer_family(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	set(t, CF_REMOTE_ADDRESS, "2001:db8:ffff::7");
	expect_error(c,
	    "ipsec tunnel hq: remote-address 2001:db8:ffff::7 is IPv6 and "
	    "wan-port wan1 has no IPv6 address: give interface wan1 an IPv6 "
	    "address, or set local-address");
	iface(c, "wan1", "2001:db8::2/64", "fe80::1");
	expect_valid(c);
	set(t, CF_LOCAL_ADDRESS, "203.0.113.2");
	expect_error(c,
	    "ipsec tunnel hq: local-address 203.0.113.2 is IPv4 and "
	    "remote-address 2001:db8:ffff::7 is IPv6: both ends of the "
	    "tunnel's outer packets are of one family; give a local-address "
	    "of the peer's family");
	set(t, CF_LOCAL_ADDRESS, "2001:db8::3");
	expect_error(c,
	    "ipsec tunnel hq: local-address 2001:db8::3 differs from wan1's "
	    "address 2001:db8::2: the local address must be the bound port's "
	    "address");
	set(t, CF_LOCAL_ADDRESS, "2001:DB8::2");
	expect_valid(c);
	config_free(c);
}

/* 4-in-6 and 6-in-4 are fine; no family in common is not. */
static void
test_validate_ipv6_selector_families(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");
	struct diag d;

	(void)state;
	unset(t, CF_LOCAL_NETWORK, NULL);
	set(t, CF_LOCAL_NETWORK, "2001:db8:50::/64");
	expect_error(c,
	    "ipsec tunnel hq: local networks are all IPv6 and remote-networks "
	    "all IPv4: no selector pair of one family, nothing can enter the "
	    "tunnel; add an IPv6 remote-network or an IPv4 local-network");
	set(t, CF_REMOTE_NETWORK, "2001:db8:40::/48");
	/* An IPv4 remote network without an IPv4 local one: a warning. */
	diag_init(&d);
	assert_int_equal(config_validate(c, &d), 0);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.entries[0].text,
	    "ipsec tunnel hq: its IPv4 remote-networks have no IPv4 local "
	    "network: no traffic reaches them through the tunnel; add one or "
	    "remove them");
	diag_clear(&d);
	/* ::/0 as a local network overlaps every IPv6 remote one. */
	set(t, CF_LOCAL_NETWORK, "::/0");
	expect_error(c,
	    "ipsec tunnel hq: remote-network 2001:db8:40::/48 overlaps local "
	    "network ::/0: the two sides of a tunnel need distinct "
	    "addresses");
	config_free(c);
}

/* A VLAN's two families are each its own subnet: overlaps per family. */
static void
test_validate_ipv6_vlan_subnets_and_overlaps(void **state)
{
	struct config *c = base();
	struct config_tunnel *t = edit(c, "hq");

	(void)state;
	vlan(c, 20, "2001:db8:20::/64");
	vlan(c, 30, "2001:db8:20::/56");
	expect_error(c,
	    "vlan 20 (2001:db8:20::/64) overlaps vlan 30 (2001:db8:20::/56): "
	    "give each a subnet of its own");
	vlan(c, 30, "2001:db8:30::/64");
	set(t, CF_REMOTE_NETWORK, "2001:db8:40::/48");
	expect_valid(c);
	set(t, CF_REMOTE_NETWORK, "2001:db8::/32");
	expect_errors(c, 1,
	    "ipsec tunnel hq: remote-network 2001:db8::/32 overlaps local "
	    "network vlan 20 (2001:db8:20::/64): the two sides of a tunnel "
	    "need distinct addresses");
	config_free(c);
}

static void
test_validate_ipv6_gateway_and_aws_inside(void **state)
{
	struct config *c = base();
	struct config_tunnel *t;

	(void)state;
	iface(c, "wan2", "192.0.2.10/28", "2001:db8:9::1");
	expect_error(c,
	    "interface wan2: IPv6 gateway 2001:db8:9::1 without an IPv6 "
	    "address: set an IPv6 address first");
	iface(c, "wan2", "2001:db8:8::2/64", NULL);
	expect_error(c,
	    "interface wan2: gateway 2001:db8:9::1 is neither link-local nor "
	    "another host of the port's subnet 2001:db8:8::/64");
	iface(c, "wan2", NULL, "2001:db8:8::1");
	expect_valid(c);
	t = aws_tunnel(c, "aws-6");
	set(t, CF_INSIDE_ADDRESS, "fc00:10::2/126");
	expect_error(c,
	    "ipsec tunnel aws-6: inside-address fc00:10::2/126 is not on a "
	    "/126 of fd00::/8: AWS gives an IPv6 tunnel's inside CIDR from "
	    "there; give our address on it as AWS lists it, like "
	    "fd00:10:0:1::2/126");
	set(t, CF_INSIDE_ADDRESS, "fd00:10::2/126");
	expect_valid(c);
	/* Two tunnels on one IPv6 inside link. */
	t = aws_tunnel(c, "aws-7");
	set(t, CF_INSIDE_ADDRESS, "fd00:10::1/126");
	expect_errors(c, 2,
	    "ipsec tunnel aws-7: inside-address is on fd00:10::/126, the "
	    "inside link of ipsec tunnel aws-6 too: give each tunnel its own "
	    "link");
	config_free(c);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_validate_base_is_valid),
	cmocka_unit_test(test_validate_remote_network_swallows_gateways),
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
	cmocka_unit_test(test_validate_system_subnets_overlap),
	cmocka_unit_test(test_validate_gateway_in_interface_subnet),
	cmocka_unit_test(test_validate_aws_refuses_policy_based),
	cmocka_unit_test(test_validate_aws_psk_rules),
	cmocka_unit_test(test_validate_aws_inside_address),
	cmocka_unit_test(test_validate_aws_refuses_curve25519_and_chacha),
	cmocka_unit_test(test_validate_warnings_do_not_fail),
	cmocka_unit_test(test_validate_azure_says_the_custom_policy),
	cmocka_unit_test(test_validate_azure_needs_a_proposal_it_can_do),
	cmocka_unit_test(test_validate_azure_policy_based_needs_selectors_flag),
	cmocka_unit_test(test_validate_mtu_and_tcp_mss),
	cmocka_unit_test(test_validate_errors_and_warnings_together),
	cmocka_unit_test(test_validate_monitor_takes_the_tunnel),
	cmocka_unit_test(test_validate_ipv6_outer_family),
	cmocka_unit_test(test_validate_ipv6_selector_families),
	cmocka_unit_test(test_validate_ipv6_vlan_subnets_and_overlaps),
	cmocka_unit_test(test_validate_ipv6_gateway_and_aws_inside),
};

TUNSH_TEST_MAIN(tests)
