/*
 * tests/unit/test_config.c: the model (config/fields.c, model.c), the
 * proposal parser, partner presets, the CLI rendering and diff, and the
 * plan's classification of every setting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/test.h"

static int
collect(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
	return 0;
}

static char *
render(const struct config *c, bool secrets)
{
	struct config_render_opts o = { .show_secrets = secrets };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(config_render(c, &o, collect, f), 0);
	fclose(f);
	return buf;
}

static char *
render_diff(const struct config *a, const struct config *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(config_render_diff(a, b, false, collect, f), 0);
	fclose(f);
	return buf;
}

static struct config_tunnel *
tunnel(struct config *c, const char *name)
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
set_ok(struct config_tunnel *t, enum config_field f, const char *v)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_tunnel_set(t, f, v, &d), 0);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
}

/* Sets a bad value: refused with exactly this message, nothing changed. */
static void
set_bad(struct config_tunnel *t, enum config_field f, const char *v,
    const char *msg)
{
	struct diag d;
	uint32_t set_before = t->set;

	diag_init(&d);
	assert_true(config_tunnel_set(t, f, v, &d) < 0);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.entries[0].text, msg);
	assert_int_equal(t->set, set_before);
	diag_clear(&d);
}

static void
test_fields_table_in_enum_order(void **state)
{
	(void)state;
	for (enum config_field f = 0; f < CF__COUNT; f++) {
		const struct config_field_info *fi = config_field_info(f);

		assert_int_equal(fi->id, f);
		assert_ptr_equal(config_field_lookup(fi->cli), fi);
		assert_ptr_equal(config_field_lookup(fi->key), fi);
	}
	assert_null(config_field_lookup("dpd-timeot"));
}

static void
test_tunnel_defaults(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "t1");

	(void)state;
	assert_string_equal(c->hostname, "tunsh");
	assert_true(t->enable);
	assert_true(t->initiator);
	assert_false(t->client_vpn_bound);
	assert_int_equal(t->partner, CONFIG_PARTNER_NONE);
	assert_int_equal(t->type, CONFIG_TUNNEL_POLICY);
	assert_int_equal(t->ike_lifetime, 28800);
	assert_int_equal(t->child_lifetime, 3600);
	assert_true(t->rekey);
	assert_false(t->reauth);
	assert_int_equal(t->dpd_action, CONFIG_DPD_RESTART);
	assert_int_equal(t->dpd_timeout, 10);
	assert_int_equal(t->dpd_delay, 30);
	assert_null(t->psk);
	assert_int_equal(t->ike_proposals.n, 2);
	assert_string_equal(t->ike_proposals.v[0].text,
	    "aes256gcm16-prfsha256-curve25519-ecp384-ecp256-modp2048");
	assert_string_equal(t->esp_proposals.v[1].text,
	    "aes256-sha256-curve25519-ecp384-ecp256-modp2048");
	assert_int_equal(t->set, 0);
	config_free(c);
}

static void
test_tunnel_set_parses_and_refuses(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "t1");

	(void)state;
	set_ok(t, CF_IKE_LIFETIME, "8h");
	assert_int_equal(t->ike_lifetime, 28800);
	set_ok(t, CF_IKE_LIFETIME, "480m");
	assert_int_equal(t->ike_lifetime, 28800);
	set_ok(t, CF_IKE_LIFETIME, "3600");
	assert_int_equal(t->ike_lifetime, 3600);
	set_bad(t, CF_IKE_LIFETIME, "10m",
	    "ipsec tunnel t1: ike-lifetime 10m "
	    "is out of range: give 900-86400 seconds (suffixes s, m, h, d allowed)");
	set_bad(t, CF_DPD_DELAY, "0",
	    "ipsec tunnel t1: dpd delay 0 is out of "
	    "range: give 1-3600 seconds (suffixes s, m, h, d allowed)");
	set_ok(t, CF_DPD_TIMEOUT, "0");
	set_ok(t, CF_TUNNEL_TYPE, "ipip");
	assert_int_equal(t->type, CONFIG_TUNNEL_ROUTE);
	set_ok(t, CF_TRAFFIC_SELECTORS, "per-pair");
	assert_int_equal(t->ts_mode, CONFIG_TS_PER_PAIR);
	set_bad(t, CF_TRAFFIC_SELECTORS, "pairs",
	    "ipsec tunnel t1: traffic-selectors \"pairs\" "
	    "is not one of combined, per-pair");
	set_bad(t, CF_TUNNEL_TYPE, "gre",
	    "ipsec tunnel t1: tunnel-type \"gre\" "
	    "is not one of policy-based, route-based");
	set_bad(t, CF_PSK, "short",
	    "ipsec tunnel t1: pre-shared-key must be "
	    "8-128 printable characters (got 5)");
	set_bad(t, CF_REMOTE_NETWORK, "10.1.2.3/16",
	    "ipsec tunnel t1: "
	    "remote-network 10.1.2.3/16 has host bits set; did you mean "
	    "10.1.0.0/16?");
	set_bad(t, CF_LOCAL_NETWORK, "vlan 5000",
	    "ipsec tunnel t1: "
	    "local-network vlan 5000: a VLAN ID is 1-4094");
	set_bad(t, CF_REMOTE_ADDRESS, "300.1.1.1",
	    "ipsec tunnel t1: "
	    "remote-address \"300.1.1.1\" is neither an IPv4 or IPv6 address "
	    "nor a fully qualified domain name");
	set_ok(t, CF_REMOTE_ADDRESS, "vpn.example.net");
	set_bad(t, CF_INSIDE_ADDRESS, "169.254.10.0/30",
	    "ipsec tunnel t1: "
	    "inside-address 169.254.10.0/30 is the network or broadcast address "
	    "of its /30; use .1 or .2 of it");
	set_ok(t, CF_REMOTE_NETWORK, "10.1.0.0/16");
	set_ok(t, CF_REMOTE_NETWORK, "10.2.0.0/16");
	set_ok(t, CF_REMOTE_NETWORK, "10.1.0.0/16"); /* no duplicate */
	assert_int_equal(t->n_remote, 2);
	config_free(c);
}

/* monitor: one line, the words after destination in any order, the
 * defaults filled in; written back in one order; no monitor: off. */
static void
test_tunnel_monitor_parses_and_refuses(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "t1");
	char buf[160];

	(void)state;
	assert_int_equal(t->monitor.dst, 0);
	assert_int_equal(
	    config_tunnel_format(t, CF_MONITOR, 0, false, buf, sizeof(buf)), 0);
	set_ok(t, CF_MONITOR, "destination 10.2.0.10");
	assert_int_equal(t->monitor.dst, 0x0a02000a);
	assert_int_equal(t->monitor.interval, 10);
	assert_int_equal(t->monitor.threshold, 10);
	set_ok(t, CF_MONITOR,
	    "threshold 3 source vlan 20 destination 10.2.0.10 interval 1m");
	assert_int_equal(t->monitor.src_vlan, 20);
	assert_int_equal(t->monitor.interval, 60);
	assert_int_equal(t->monitor.threshold, 3);
	assert_int_equal(
	    config_tunnel_format(t, CF_MONITOR, 0, false, buf, sizeof(buf)), 1);
	assert_string_equal(buf,
	    "destination 10.2.0.10 source vlan 20 interval 60 threshold 3");
	set_ok(t, CF_MONITOR, "destination 10.2.0.10 source 10.20.5.1");
	assert_int_equal(t->monitor.src_vlan, 0);
	assert_int_equal(t->monitor.src_addr, 0x0a140501);
	set_bad(t, CF_MONITOR, "source vlan 20",
	    "ipsec tunnel t1: monitor \"source vlan 20\": write monitor "
	    "destination A.B.C.D [source vlan ID|A.B.C.D] [interval S] "
	    "[threshold N]");
	set_bad(t, CF_MONITOR, "destination 10.2.0.10 interval",
	    "ipsec tunnel t1: monitor \"destination 10.2.0.10 interval\": "
	    "write monitor destination A.B.C.D [source vlan ID|A.B.C.D] "
	    "[interval S] [threshold N]");
	set_bad(t, CF_MONITOR, "destination 2001:db8:16::9",
	    "ipsec tunnel t1: monitor destination 2001:db8:16::9: the monitor "
	    "probes over IPv4 only: give an IPv4 host behind the peer, like "
	    "10.2.0.10, or rely on dpd-timeout for an IPv6-only tunnel");
	set_bad(t, CF_MONITOR, "destination 224.0.0.1",
	    "ipsec tunnel t1: monitor destination \"224.0.0.1\" is not a "
	    "unicast IPv4 address: give a host behind the peer, like "
	    "10.2.0.10");
	set_bad(t, CF_MONITOR, "destination 10.2.0.10 interval 0",
	    "ipsec tunnel t1: monitor interval \"0\" is out of range: give "
	    "1-3600 seconds");
	set_bad(t, CF_MONITOR, "destination 10.2.0.10 threshold 101",
	    "ipsec tunnel t1: monitor threshold \"101\" is out of range: "
	    "give 1-100 probes");
	set_bad(t, CF_MONITOR, "destination 10.2.0.10 source vlan 5000",
	    "ipsec tunnel t1: monitor source vlan: a VLAN ID is 1-4094");
	set_bad(t, CF_MONITOR, "destination 10.2.0.10 source lan",
	    "ipsec tunnel t1: monitor source \"lan\" is neither vlan ID nor "
	    "a unicast IPv4 address");
	/* The refused lines left the last good one. */
	assert_int_equal(t->monitor.src_addr, 0x0a140501);
	assert_int_equal(config_tunnel_unset(t, CF_MONITOR, NULL, NULL), 0);
	assert_int_equal(t->monitor.dst, 0);
	assert_false(config_tunnel_is_set(t, CF_MONITOR));
	config_free(c);
}

static void
test_tunnel_name_rules(void **state)
{
	struct config *c = config_new();
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_null(config_tunnel_edit(c, "bad name", true, &d));
	assert_string_equal(d.entries[0].text,
	    "ipsec tunnel \"bad name\": a "
	    "tunnel name is 1-32 of A-Z a-z 0-9 . _ -");
	assert_null(config_tunnel_edit(c, "abcdefghijabcdefghijabcdefghijabc",
	    true, &d));
	assert_non_null(config_tunnel_edit(c,
	    "abcdefghijabcdefghijabcdefghijab", true, &d));
	diag_clear(&d);
	config_free(c);
}

static void
test_proposal_parse(void **state)
{
	struct config_proposal p;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(
	    config_proposal_parse("aes256-sha256-modp2048", true, &p, &d), 0);
	assert_int_equal(p.n_encr, 1);
	assert_int_equal(p.encr[0]->id, 12);
	assert_int_equal(p.encr[0]->keylen, 256);
	assert_int_equal(p.integ[0]->id, 12);
	assert_int_equal(p.n_prf, 1); /* derived from sha256 */
	assert_int_equal(p.prf[0]->id, 5);
	assert_int_equal(p.dh[0]->id, 14);
	assert_int_equal(config_proposal_parse("aes256gcm16-prfsha384-ecp384",
			     true, &p, &d),
	    0);
	assert_int_equal(p.encr[0]->id, 20);
	assert_int_equal(p.dh[0]->id, 20);
	assert_int_equal(config_proposal_parse("aes256gcm16", false, &p, &d),
	    0);
	assert_int_equal(config_proposal_parse("aes256-x25519-curve25519-sha1",
			     true, &p, &d),
	    0);
	assert_int_equal(p.n_dh, 1); /* an alias is the same group */
	assert_int_equal(d.count, 0);

	assert_true(
	    config_proposal_parse("aes256-sha256-modp1024", true, &p, &d) < 0);
	assert_string_equal(d.entries[0].text,
	    "unknown algorithm \"modp1024\"; "
	    "valid: aes128 aes256 aes128gcm16 aes256gcm16 chacha20poly1305 sha1 "
	    "sha256 sha384 sha512 prfsha1 prfsha256 prfsha384 prfsha512 "
	    "modp2048 modp3072 modp4096 ecp256 ecp384 ecp521 curve25519");
	assert_true(
	    config_proposal_parse("aes256gcm16-ecp384", true, &p, &d) < 0);
	assert_string_equal(d.entries[1].text,
	    "aes256gcm16 needs a PRF in IKE: "
	    "add prfsha256 or prfsha384");
	assert_true(config_proposal_parse("aes256-sha256", true, &p, &d) < 0);
	assert_string_equal(d.entries[2].text,
	    "an IKE proposal needs a "
	    "Diffie-Hellman group such as ecp384 or modp2048");
	assert_true(
	    config_proposal_parse("aes256gcm16-sha256", false, &p, &d) < 0);
	assert_string_equal(d.entries[3].text,
	    "aes256gcm16 authenticates by "
	    "itself and takes no integrity algorithm: remove sha256");
	assert_true(config_proposal_parse("aes256-aes256gcm16-sha256", false,
			&p, &d) < 0);
	assert_true(config_proposal_parse("aes256-ecp384", false, &p, &d) < 0);
	assert_string_equal(d.entries[5].text,
	    "aes256 needs an integrity "
	    "algorithm such as sha256");
	assert_true(config_proposal_parse("aes256-sha256-prfsha256", false, &p,
			&d) < 0);
	assert_string_equal(d.entries[6].text,
	    "ESP takes no PRF: remove "
	    "prfsha256");
	diag_clear(&d);
}

static void
test_partner_presets_fill_unset_only(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "aws-1");
	char *out;

	(void)state;
	set_ok(t, CF_DPD_TIMEOUT, "12");
	set_ok(t, CF_PARTNER_TYPE, "aws");
	assert_int_equal(t->type, CONFIG_TUNNEL_ROUTE);
	assert_int_equal(t->dpd_timeout, 12); /* explicit wins */
	assert_int_equal(t->dpd_delay, 30);
	assert_string_equal(t->ike_proposals.v[0].text,
	    "aes256gcm16-prfsha384-ecp384");
	assert_string_equal(t->esp_proposals.v[1].text,
	    "aes256-sha256-modp2048");
	set_ok(t, CF_PARTNER_TYPE, "azure");
	assert_int_equal(t->child_lifetime, 27000);
	assert_int_equal(t->dpd_delay, 45);
	assert_int_equal(t->dpd_timeout, 12);
	assert_string_equal(t->ike_proposals.v[1].text, "aes256-sha256-ecp384");
	assert_string_equal(t->esp_proposals.v[0].text, "aes256gcm16");
	/* Back to none: the base defaults return. */
	assert_int_equal(config_tunnel_unset(t, CF_PARTNER_TYPE, NULL, NULL),
	    0);
	assert_int_equal(t->child_lifetime, 3600);
	assert_int_equal(t->type, CONFIG_TUNNEL_POLICY);
	set_ok(t, CF_PARTNER_TYPE, "aws");
	/* Only what was set is shown. */
	out = render(c, false);
	assert_string_equal(out,
	    "hostname tunsh\n!\nipsec tunnel aws-1\n"
	    " partner-type aws\n dpd timeout 12\n!\n");
	free(out);
	config_free(c);
}

/*
 * AWS Site-to-Site VPN accepts, in IKEv2 and for its CHILD SAs: AES128,
 * AES256, AES128-GCM-16, AES256-GCM-16; SHA1, SHA2-256/384/512; DH groups
 * 2, 5 and 14-24.  Every algorithm the aws preset offers is one of them,
 * and the first IKE proposal's first group above all: its KE payload goes
 * in our first IKE_SA_INIT, and a group AWS refuses costs an INVALID_KE
 * round trip on every start.
 */
static bool
aws_accepts(const struct config_transform *tr)
{
	switch (tr->type) {
	case CONFIG_TRANSFORM_ENCR:
		return (tr->id == 12 || tr->id == 20) &&
		    (tr->keylen == 128 || tr->keylen == 256);
	case CONFIG_TRANSFORM_INTEG: /* sha1-96, sha256/384/512 */
		return tr->id == 2 || (tr->id >= 12 && tr->id <= 14);
	case CONFIG_TRANSFORM_PRF: /* prfsha1, prfsha256/384/512 */
		return tr->id == 2 || (tr->id >= 5 && tr->id <= 7);
	case CONFIG_TRANSFORM_DH:
		return tr->id == 2 || tr->id == 5 ||
		    (tr->id >= 14 && tr->id <= 24);
	}
	return false;
}

static void
test_aws_preset_offers_what_aws_accepts(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "aws-1");
	struct config_proposal p;

	(void)state;
	set_ok(t, CF_PARTNER_TYPE, "aws");
	assert_true(t->ike_proposals.n > 0);
	assert_int_equal(config_proposal_parse(t->ike_proposals.v[0].text, true,
			     &p, NULL),
	    0);
	assert_true(p.n_dh > 0);
	assert_true(aws_accepts(p.dh[0]));
	for (int ike = 1; ike >= 0; ike--) {
		size_t n = ike ? t->ike_proposals.n : t->esp_proposals.n;

		for (size_t i = 0; i < n; i++) {
			assert_int_equal(config_proposal_parse(ike ?
						 t->ike_proposals.v[i].text :
						 t->esp_proposals.v[i].text,
					     ike, &p, NULL),
			    0);
			for (size_t k = 0; k < p.n_encr; k++)
				assert_true(aws_accepts(p.encr[k]));
			for (size_t k = 0; k < p.n_integ; k++)
				assert_true(aws_accepts(p.integ[k]));
			for (size_t k = 0; k < p.n_prf; k++)
				assert_true(aws_accepts(p.prf[k]));
			for (size_t k = 0; k < p.n_dh; k++)
				assert_true(aws_accepts(p.dh[k]));
		}
	}
	/* AWS's own replay window; 32 (strongSwan's) without a partner. */
	assert_int_equal(t->replay_window, 1024);
	assert_int_equal(config_tunnel_unset(t, CF_PARTNER_TYPE, NULL, NULL),
	    0);
	assert_int_equal(t->replay_window, 32);
	config_free(c);
}

static void
test_replay_window_setting(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "t");
	char *out;

	(void)state;
	assert_int_equal(t->replay_window, 32);
	set_ok(t, CF_REPLAY_WINDOW, "0");
	assert_int_equal(t->replay_window, 0);
	set_ok(t, CF_REPLAY_WINDOW, "4096");
	assert_int_equal(t->replay_window, 4096);
	set_bad(t, CF_REPLAY_WINDOW, "4097",
	    "ipsec tunnel t: replay-window \"4097\" is not a number of "
	    "packets: give 0-4096");
	set_bad(t, CF_REPLAY_WINDOW, "1k",
	    "ipsec tunnel t: replay-window \"1k\" is not a number of "
	    "packets: give 0-4096");
	set_bad(t, CF_REPLAY_WINDOW, "-1",
	    "ipsec tunnel t: replay-window \"-1\" is not a number of "
	    "packets: give 0-4096");
	set_bad(t, CF_REPLAY_WINDOW, "99999999999999999999",
	    "ipsec tunnel t: replay-window \"99999999999999999999\" is not "
	    "a number of packets: give 0-4096");
	assert_int_equal(t->replay_window, 4096);
	/* An explicit window outlives a partner preset. */
	set_ok(t, CF_PARTNER_TYPE, "aws");
	assert_int_equal(t->replay_window, 4096);
	out = render(c, false);
	assert_non_null(strstr(out, "\n replay-window 4096\n"));
	free(out);
	assert_int_equal(config_tunnel_unset(t, CF_REPLAY_WINDOW, NULL, NULL),
	    0);
	assert_int_equal(t->replay_window, 1024);
	config_free(c);
}

/* mtu and tcp-mss: bounds, the partners' values, 0 turns a clamp off. */
static void
test_mtu_and_tcp_mss_settings(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "t");
	char *out;

	(void)state;
	assert_int_equal(t->mtu, 1400);
	assert_int_equal(t->tcp_mss, 0);
	set_ok(t, CF_MTU, "576");
	set_ok(t, CF_MTU, "9000");
	set_bad(t, CF_MTU, "575",
	    "ipsec tunnel t: mtu \"575\" is not a number of bytes: give "
	    "576-9000");
	set_bad(t, CF_MTU, "9001",
	    "ipsec tunnel t: mtu \"9001\" is not a number of bytes: give "
	    "576-9000");
	set_bad(t, CF_TCP_MSS, "535",
	    "ipsec tunnel t: tcp-mss \"535\" is not a number of bytes: give "
	    "536-8960, or 0 for no clamp");
	set_bad(t, CF_TCP_MSS, "13xx",
	    "ipsec tunnel t: tcp-mss \"13xx\" is not a number of bytes: give "
	    "536-8960, or 0 for no clamp");
	assert_int_equal(t->mtu, 9000);
	assert_int_equal(config_tunnel_unset(t, CF_MTU, NULL, NULL), 0);
	/* The clouds' published values. */
	set_ok(t, CF_PARTNER_TYPE, "aws");
	assert_int_equal(t->mtu, 1446);
	assert_int_equal(t->tcp_mss, 1406);
	set_ok(t, CF_PARTNER_TYPE, "azure");
	assert_int_equal(t->mtu, 1400);
	assert_int_equal(t->tcp_mss, 1350);
	set_ok(t, CF_TCP_MSS, "0");
	assert_int_equal(t->tcp_mss, 0);
	out = render(c, false);
	assert_non_null(strstr(out, "\n tcp-mss 0\n"));
	assert_null(strstr(out, "mtu"));
	free(out);
	config_free(c);
}

/* The Azure mapper: our first proposal Azure can express, by IANA id
 * (aliases included); the lifetime is the tunnel's. */
static void
test_azure_policy_from_proposals(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "az");
	char buf[320];
	struct diag d;

	(void)state;
	set_ok(t, CF_PARTNER_TYPE, "azure");
	assert_int_equal(config_azure_policy(t, buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf,
	    "New-AzIpsecPolicy -IkeEncryption AES256 -IkeIntegrity SHA256 "
	    "-DhGroup DHGroup14 -IpsecEncryption GCMAES256 -IpsecIntegrity "
	    "GCMAES256 -PfsGroup None -SALifeTimeSeconds 27000 "
	    "-SADataSizeKilobytes 102400000");
	/* curve25519 and sha512 are not Azure's: the next proposal wins;
	 * inside a proposal, the first algorithm Azure has. */
	set_ok(t, CF_IKE_PROPOSAL, "aes256-sha512-curve25519");
	set_ok(t, CF_IKE_PROPOSAL,
	    "aes256gcm-prfsha512-prfsha384-modp4096-ecp256");
	set_ok(t, CF_ESP_PROPOSAL, "aes256-sha384");
	set_ok(t, CF_ESP_PROPOSAL, "aes128-sha384-sha256-modp2048");
	set_ok(t, CF_CHILD_LIFETIME, "300");
	assert_int_equal(config_azure_policy(t, buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf,
	    "New-AzIpsecPolicy -IkeEncryption GCMAES256 -IkeIntegrity SHA384 "
	    "-DhGroup ECP256 -IpsecEncryption AES128 -IpsecIntegrity SHA256 "
	    "-PfsGroup PFS2048 -SALifeTimeSeconds 300 "
	    "-SADataSizeKilobytes 102400000");
	assert_int_equal(config_tunnel_unset(t, CF_IKE_PROPOSAL,
			     "aes256gcm-prfsha512-prfsha384-modp4096-ecp256",
			     NULL),
	    0);
	diag_init(&d);
	assert_int_equal(config_azure_policy(t, buf, sizeof(buf), &d), -ENOENT);
	assert_int_equal(d.errors, 1);
	diag_clear(&d);
	config_free(c);
}

static void
test_explicit_proposal_replaces_defaults(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "t");

	(void)state;
	set_ok(t, CF_IKE_PROPOSAL, "aes128-sha1-modp2048");
	assert_int_equal(t->ike_proposals.n, 1);
	set_ok(t, CF_IKE_PROPOSAL, "aes256-sha256-ecp384");
	assert_int_equal(t->ike_proposals.n, 2);
	assert_int_equal(config_tunnel_unset(t, CF_IKE_PROPOSAL,
			     "aes128-sha1-modp2048", NULL),
	    0);
	assert_int_equal(t->ike_proposals.n, 1);
	/* Removing the last explicit one brings the defaults back. */
	assert_int_equal(config_tunnel_unset(t, CF_IKE_PROPOSAL,
			     "aes256-sha256-ecp384", NULL),
	    0);
	assert_int_equal(t->ike_proposals.n, 2);
	assert_false(config_tunnel_is_set(t, CF_IKE_PROPOSAL));
	config_free(c);
}

static void
test_render_masks_secrets(void **state)
{
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "b1");
	char *out;

	(void)state;
	set_ok(t, CF_PSK, "correct-horse-battery");
	set_ok(t, CF_ENABLE, "no");
	set_ok(t, CF_REKEY, "no");
	set_ok(t, CF_LOCAL_NETWORK, "vlan 20");
	set_ok(t, CF_LOCAL_NETWORK, "192.168.1.0/24");
	out = render(c, false);
	assert_string_equal(out,
	    "hostname tunsh\n!\nipsec tunnel b1\n"
	    " no enable\n pre-shared-key ********\n local-network vlan 20\n"
	    " local-network 192.168.1.0/24\n rekey no\n!\n");
	assert_null(strstr(out, "battery"));
	free(out);
	out = render(c, true);
	assert_non_null(strstr(out, " pre-shared-key correct-horse-battery\n"));
	free(out);
	config_free(c);
}

static void
test_copy_on_write_shares_unchanged_tunnels(void **state)
{
	struct config *run = config_new(), *cand;
	const struct config_tunnel *orig;
	struct config_tunnel *t;
	char *diff;

	(void)state;
	set_ok(tunnel(run, "a"), CF_DPD_TIMEOUT, "10");
	set_ok(tunnel(run, "b"), CF_PSK, "bbbbbbbbbbbbbbbbbbbb");
	run->n_touched = 0;
	cand = config_copy(run);
	orig = config_tunnel_find(run, "b");
	assert_ptr_equal(config_tunnel_find(cand, "a"),
	    config_tunnel_find(run, "a"));
	t = tunnel(cand, "b");
	assert_ptr_not_equal(t, orig);
	set_ok(t, CF_PSK, "cccccccccccccccccccc");
	set_ok(t, CF_DPD_DELAY, "40");
	assert_string_equal((const char *)orig->psk->data,
	    "bbbbbbbbbbbbbbbbbbbb");
	assert_int_equal(cand->n_touched, 1);
	diff = render_diff(run, cand);
	/* A changed secret shows as a change, still masked. */
	assert_string_equal(diff,
	    "[edit ipsec tunnel b]\n"
	    "-  pre-shared-key ********\n+  pre-shared-key ********\n"
	    "+  dpd delay 40\n");
	free(diff);
	assert_int_equal(config_tunnel_remove(cand, "a"), 0);
	set_ok(tunnel(cand, "c"), CF_REMOTE_NETWORK, "10.9.0.0/16");
	diff = render_diff(run, cand);
	assert_string_equal(diff,
	    "[edit]\n- ipsec tunnel a\n-  dpd timeout 10\n"
	    "[edit ipsec tunnel b]\n"
	    "-  pre-shared-key ********\n+  pre-shared-key ********\n"
	    "+  dpd delay 40\n"
	    "[edit]\n+ ipsec tunnel c\n+  remote-network 10.9.0.0/16\n");
	free(diff);
	config_free(cand);
	config_free(run);
}

static void
test_render_diff_system_objects(void **state)
{
	struct config *a = config_new(), *b;
	struct diag d;
	char *diff;

	(void)state;
	diag_init(&d);
	assert_int_equal(config_vlan_set_subnet(a, config_vlan_edit(a, 20, &d),
			     "10.20.5.0/24", &d),
	    0);
	assert_int_equal(config_interface_set_address(a,
			     config_interface_edit(a, "wan1", &d),
			     "203.0.113.2/24", &d),
	    0);
	b = config_copy(a);
	assert_int_equal(config_set_hostname(b, "fw2", &d), 0);
	assert_int_equal(config_vlan_set_subnet(b, config_vlan_edit(b, 20, &d),
			     "10.20.6.0/24", &d),
	    0);
	assert_int_equal(config_vlan_remove(b, 20) + 1, 1);
	assert_non_null(config_vlan_edit(b, 30, &d));
	assert_int_equal(config_set_pool(b, "10.99.0.0/24", &d), 0);
	assert_int_equal(config_interface_set_gateway(b,
			     config_interface_edit(b, "wan1", &d),
			     "203.0.113.1", &d),
	    0);
	diff = render_diff(a, b);
	assert_string_equal(diff,
	    "[edit]\n- hostname tunsh\n+ hostname fw2\n"
	    "[edit interface wan1]\n+  gateway 203.0.113.1\n"
	    "[edit]\n- vlan 20\n-  subnet 10.20.5.0/24\n"
	    "[edit]\n+ vlan 30\n"
	    "[edit]\n+ client-vpn\n+  pool 10.99.0.0/24\n");
	free(diff);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
	config_free(a);
	config_free(b);
}

/* Each setting's change, alone, and the class of plan it makes. */
static const struct {
	enum config_field f;
	const char *value;
	enum config_change want;
} classes[] = {
	{ CF_ENABLE, "no", CONFIG_CHANGE_REPLACE },
	{ CF_DESCRIPTION, "to the branch", CONFIG_CHANGE_IN_PLACE },
	{ CF_PARTNER_TYPE, "azure", CONFIG_CHANGE_REPLACE }, /* type follows */
	{ CF_TUNNEL_TYPE, "route-based", CONFIG_CHANGE_REPLACE },
	{ CF_WAN_PORT, "wan2", CONFIG_CHANGE_REPLACE },
	{ CF_LOCAL_ADDRESS, "203.0.113.9", CONFIG_CHANGE_REPLACE },
	{ CF_REMOTE_ADDRESS, "198.51.100.9", CONFIG_CHANGE_REPLACE },
	{ CF_LOCAL_ID, "fw1.example.net", CONFIG_CHANGE_RENEGOTIATE },
	{ CF_REMOTE_ID, "peer.example.net", CONFIG_CHANGE_RENEGOTIATE },
	{ CF_INITIATOR, "no", CONFIG_CHANGE_IN_PLACE },
	{ CF_PSK, "another-key-of-20-chars", CONFIG_CHANGE_RENEGOTIATE },
	{ CF_LOCAL_NETWORK, "10.40.0.0/24", CONFIG_CHANGE_REPLACE },
	{ CF_REMOTE_NETWORK, "172.17.0.0/16", CONFIG_CHANGE_REPLACE },
	/* Other CHILD SAs: the engine starts the tunnel afresh. */
	{ CF_TRAFFIC_SELECTORS, "per-pair", CONFIG_CHANGE_REPLACE },
	{ CF_CLIENT_VPN_BOUND, "yes", CONFIG_CHANGE_REPLACE },
	{ CF_INSIDE_ADDRESS, "169.254.20.2/30", CONFIG_CHANGE_REPLACE },
	{ CF_IKE_PROPOSAL, "aes128-sha256-modp2048",
	    CONFIG_CHANGE_RENEGOTIATE },
	{ CF_ESP_PROPOSAL, "aes128-sha256", CONFIG_CHANGE_RENEGOTIATE },
	{ CF_IKE_LIFETIME, "4h", CONFIG_CHANGE_RENEGOTIATE },
	{ CF_CHILD_LIFETIME, "30m", CONFIG_CHANGE_RENEGOTIATE },
	/* The kernel sets an SA's replay window when it creates it. */
	{ CF_REPLAY_WINDOW, "1024", CONFIG_CHANGE_RENEGOTIATE },
	{ CF_REKEY, "no", CONFIG_CHANGE_IN_PLACE },
	{ CF_REAUTH, "yes", CONFIG_CHANGE_IN_PLACE },
	{ CF_DPD_ACTION, "hold", CONFIG_CHANGE_IN_PLACE },
	{ CF_DPD_TIMEOUT, "20", CONFIG_CHANGE_IN_PLACE },
	{ CF_DPD_DELAY, "60", CONFIG_CHANGE_IN_PLACE },
	/* The probes are tunshd's, not the SAs': the SAs stay. */
	{ CF_MONITOR, "destination 172.16.0.1", CONFIG_CHANGE_IN_PLACE },
	/* The link's MTU changes under it; the nft table is replaced. */
	{ CF_MTU, "1300", CONFIG_CHANGE_IN_PLACE },
	{ CF_TCP_MSS, "1300", CONFIG_CHANGE_IN_PLACE },
};

static void
test_plan_classifies_every_setting(void **state)
{
	struct config *run = config_new();
	struct config_tunnel *base = tunnel(run, "t");

	(void)state;
	set_ok(base, CF_PSK, "first-key-of-20-chars");
	set_ok(base, CF_REMOTE_ADDRESS, "198.51.100.1");
	run->n_touched = 0;
	assert_int_equal(sizeof(classes) / sizeof(classes[0]), CF__COUNT);
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		struct config *cand = config_copy(run);
		struct config_plan plan;
		struct config_tunnel *t = tunnel(cand, "t");

		set_ok(t, classes[i].f, classes[i].value);
		assert_int_equal(config_plan_build(run, cand, &plan), 0);
		assert_int_equal(plan.n_steps, 1);
		assert_int_equal(plan.steps[0].kind, CONFIG_STEP_TUNNEL_CHANGE);
		assert_true(plan.steps[0].fields & (1u << classes[i].f));
		if (plan.steps[0].change != classes[i].want)
			fail_msg("%s: %s, want %s",
			    config_field_info(classes[i].f)->cli,
			    config_change_name(plan.steps[0].change),
			    config_change_name(classes[i].want));
		config_plan_free(&plan);
		config_free(cand);
	}
	config_free(run);
}

static void
test_plan_vlan_change_moves_tunnels_using_it(void **state)
{
	struct config *run = config_new(), *cand;
	struct config_plan plan;
	struct diag d;
	char what[160];

	(void)state;
	diag_init(&d);
	assert_int_equal(config_vlan_set_subnet(run,
			     config_vlan_edit(run, 20, &d), "10.20.5.0/24", &d),
	    0);
	set_ok(tunnel(run, "uses"), CF_LOCAL_NETWORK, "vlan 20");
	set_ok(tunnel(run, "other"), CF_LOCAL_NETWORK, "10.1.0.0/24");
	run->n_touched = 0;
	run->system_changed = false;
	cand = config_copy(run);
	assert_int_equal(config_vlan_set_subnet(cand,
			     config_vlan_edit(cand, 20, &d), "10.20.6.0/24",
			     &d),
	    0);
	assert_int_equal(config_plan_build(run, cand, &plan), 0);
	assert_int_equal(plan.n_steps, 2);
	assert_int_equal(plan.steps[0].kind, CONFIG_STEP_SYSTEM);
	config_plan_step_describe(&plan.steps[1], what, sizeof(what));
	assert_string_equal(what,
	    "change ipsec tunnel uses (replace: local-network)");
	config_plan_free(&plan);
	config_free(cand);
	config_free(run);
	diag_clear(&d);
}

static void
test_seconds_parser(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(config_parse_seconds("28800s", &v), 0);
	assert_int_equal(v, 28800);
	assert_int_equal(config_parse_seconds("1d", &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(config_parse_seconds("8hh", &v), -EINVAL);
	assert_int_equal(config_parse_seconds("-5", &v), -EINVAL);
	assert_int_equal(config_parse_seconds("", &v), -EINVAL);
	assert_int_equal(config_parse_seconds("99999999999h", &v), -ERANGE);
}

/*
 * metrics listen: kept in one spelling, so that the same address written
 * another way is no change; refused in words when it is not an address
 * and port; a line of its own in show running-config, in the diff, in
 * json, and a system step in the plan; a multicast address fails the
 * validation (commit check) rather than the bind.
 */
static void
test_metrics_listen_setting(void **state)
{
	static const char *const bad[] = { "127.0.0.1", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:", "127.0.0.1:x", ":9472",
		"localhost:9472", "[127.0.0.1]:9472", "::1:9472",
		"127.0.0.1:+80" };
	struct config *a = config_new(), *b;
	struct config_plan plan;
	char *text, *diff;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_string_equal(a->metrics_listen, "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(config_set_metrics_listen(a, bad[i], &d),
		    -EINVAL);
		assert_string_equal(a->metrics_listen, "");
	}
	assert_int_equal(d.errors, sizeof(bad) / sizeof(bad[0]));
	assert_string_equal(d.entries[0].text,
	    "metrics listen \"127.0.0.1\" is not an address and port: give "
	    "A.B.C.D:PORT or [IPv6]:PORT with a port of 1-65535, like "
	    "127.0.0.1:9472");
	diag_clear(&d);
	assert_int_equal(config_set_metrics_listen(a, "[0:0::1]:09472", &d), 0);
	assert_string_equal(a->metrics_listen, "[::1]:9472");
	assert_int_equal(config_set_metrics_listen(a, "127.0.0.1:9472", &d), 0);
	text = render(a, false);
	assert_non_null(
	    strstr(text, "\n!\nmetrics listen 127.0.0.1:9472\n!\n"));
	free(text);

	b = config_copy(a);
	assert_int_equal(config_set_metrics_listen(b, "10.0.0.1:9100", &d), 0);
	diff = render_diff(a, b);
	assert_string_equal(diff,
	    "[edit]\n- metrics listen 127.0.0.1:9472\n"
	    "+ metrics listen 10.0.0.1:9100\n");
	free(diff);
	assert_int_equal(config_plan_build(a, b, &plan), 0);
	assert_int_equal(plan.n_steps, 1);
	assert_int_equal(plan.steps[0].kind, CONFIG_STEP_SYSTEM);
	config_plan_free(&plan);
	assert_int_equal(config_set_metrics_listen(b, NULL, &d), 0);
	diff = render_diff(a, b);
	assert_string_equal(diff, "[edit]\n- metrics listen 127.0.0.1:9472\n");
	free(diff);
	config_free(b);

	/* The same address, spelled as it is kept: no step at all. */
	b = config_copy(a);
	assert_int_equal(config_set_metrics_listen(b, "127.0.0.1:09472", &d),
	    0);
	assert_int_equal(config_plan_build(a, b, &plan), 0);
	assert_int_equal(plan.n_steps, 0);
	config_plan_free(&plan);
	config_free(b);

	assert_int_equal(config_validate(a, &d), 0);
	assert_int_equal(config_set_metrics_listen(a, "239.1.2.3:9472", &d), 0);
	assert_int_equal(config_validate(a, &d), -EINVAL);
	assert_string_equal(d.entries[d.count - 1].text,
	    "metrics listen 239.1.2.3:9472: a multicast or broadcast address "
	    "takes no connections: give an address of this host, like "
	    "127.0.0.1:9472");
	assert_int_equal(config_set_metrics_listen(a, "[ff02::1]:80", &d), 0);
	assert_int_equal(config_validate(a, &d), -EINVAL);
	diag_clear(&d);
	config_free(a);
}

/* One value of each kind: set, shown as typed, unset back to default. */
static void
test_each_kind_sets_formats_and_unsets(void **state)
{
	static const struct {
		enum config_field f;
		const char *in, *shown, *def; /* def NULL: none shown */
	} cases[] = {
		{ CF_ENABLE, "no", "no", "no" }, /* no enable stays off */
		{ CF_REKEY, "no", "no", "yes" },
		{ CF_DESCRIPTION, "branch office", "branch office", NULL },
		{ CF_PARTNER_TYPE, "azure", "azure", "none" },
		{ CF_TUNNEL_TYPE, "ipip", "route-based", "policy-based" },
		{ CF_WAN_PORT, "wan2", "wan2", NULL },
		{ CF_LOCAL_ADDRESS, "192.0.2.7", "192.0.2.7", NULL },
		{ CF_REMOTE_ADDRESS, "vpn.example.com", "vpn.example.com",
		    NULL },
		{ CF_REMOTE_ID, "peer.example.com", "peer.example.com", NULL },
		{ CF_PSK, "sesame-sesame", "********", NULL },
		{ CF_INSIDE_ADDRESS, "169.254.10.2/30", "169.254.10.2/30",
		    NULL },
		{ CF_IKE_LIFETIME, "4h", "14400", "28800" },
		{ CF_MTU, "1300", "1300", "1400" },
		{ CF_TCP_MSS, "0", "0", "0" },
		{ CF_DPD_ACTION, "hold", "hold", "restart" },
		{ CF_MONITOR, "destination 10.2.0.10",
		    "destination 10.2.0.10 interval 10 threshold 10", NULL },
	};
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "k1");
	char buf[256];
	struct diag d;

	(void)state;
	diag_init(&d);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_ok(t, cases[i].f, cases[i].in);
		assert_true(config_tunnel_is_set(t, cases[i].f));
		assert_int_equal(config_tunnel_format(t, cases[i].f, 0, false,
				     buf, sizeof(buf)),
		    1);
		assert_string_equal(buf, cases[i].shown);
		assert_int_equal(config_tunnel_unset(t, cases[i].f, NULL, &d),
		    0);
		assert_int_equal(config_tunnel_format(t, cases[i].f, 0, false,
				     buf, sizeof(buf)),
		    cases[i].def != NULL);
		assert_string_equal(buf, cases[i].def ? cases[i].def : "");
	}
	assert_int_equal(d.count, 0);
	/* Lists: arrays of their length, freed when emptied. */
	set_ok(t, CF_REMOTE_NETWORK, "10.9.0.0/16");
	set_ok(t, CF_REMOTE_NETWORK, "10.8.0.0/16");
	set_ok(t, CF_REMOTE_NETWORK, "10.9.0.0/16");
	assert_int_equal(t->n_remote, 2);
	assert_int_equal(config_tunnel_format(t, CF_REMOTE_NETWORK, 1, false,
			     buf, sizeof(buf)),
	    2);
	assert_string_equal(buf, "10.8.0.0/16");
	assert_int_equal(
	    config_tunnel_unset(t, CF_REMOTE_NETWORK, "10.9.0.0/16", &d), 0);
	assert_int_equal(
	    config_tunnel_unset(t, CF_REMOTE_NETWORK, "10.8.0.0/16", &d), 0);
	assert_int_equal(t->n_remote, 0);
	assert_null(t->remote_nets);
	assert_false(config_tunnel_is_set(t, CF_REMOTE_NETWORK));
	set_ok(t, CF_LOCAL_NETWORK, "vlan 20");
	set_ok(t, CF_LOCAL_NETWORK, "10.1.0.0/24");
	assert_int_equal(config_tunnel_format(t, CF_LOCAL_NETWORK, 0, false,
			     buf, sizeof(buf)),
	    2);
	assert_string_equal(buf, "vlan 20");
	assert_int_equal(config_tunnel_unset(t, CF_LOCAL_NETWORK, NULL, &d), 0);
	assert_null(t->local_nets);
	/* An IPv4 literal is kept typed, an FQDN as its text. */
	set_ok(t, CF_REMOTE_ADDRESS, "198.51.100.9");
	assert_int_equal(t->remote_address.ip.family, AF_INET);
	assert_null(t->remote_address.name);
	assert_int_equal(ipaddr_to4(&t->remote_address.ip), 0xc6336409u);
	diag_clear(&d);
	config_free(c);
}

/* Editing a candidate's copy never changes running's tunnel. */
static void
test_clone_and_edit_are_independent(void **state)
{
	struct config *run = config_new(), *cand;
	struct config_tunnel *t = tunnel(run, "c1"), *e;
	char *before, *after;
	struct diag d;

	(void)state;
	diag_init(&d);
	set_ok(t, CF_DESCRIPTION, "one");
	set_ok(t, CF_REMOTE_ADDRESS, "peer.example.com");
	set_ok(t, CF_LOCAL_ID, "me.example.com");
	set_ok(t, CF_PSK, "sesame-sesame");
	set_ok(t, CF_REMOTE_NETWORK, "10.9.0.0/16");
	set_ok(t, CF_LOCAL_NETWORK, "vlan 20");
	set_ok(t, CF_IKE_PROPOSAL, "aes256-sha256-modp2048");
	before = render(run, true);
	cand = config_copy(run);
	e = config_tunnel_edit(cand, "c1", false, &d);
	assert_non_null(e);
	assert_ptr_not_equal(e, config_tunnel_find(run, "c1"));
	assert_ptr_not_equal(e->remote_nets, t->remote_nets);
	assert_ptr_not_equal(e->ike_proposals.v, t->ike_proposals.v);
	set_ok(e, CF_DESCRIPTION, "two");
	set_ok(e, CF_REMOTE_ADDRESS, "other.example.com");
	set_ok(e, CF_LOCAL_ID, "you.example.com");
	set_ok(e, CF_PSK, "another-secret");
	set_ok(e, CF_REMOTE_NETWORK, "10.8.0.0/16");
	assert_int_equal(
	    config_tunnel_unset(e, CF_REMOTE_NETWORK, "10.9.0.0/16", &d), 0);
	set_ok(e, CF_LOCAL_NETWORK, "vlan 30");
	set_ok(e, CF_IKE_PROPOSAL, "aes128-sha256-ecp256");
	assert_int_equal(config_tunnel_unset(e, CF_IKE_PROPOSAL,
			     "aes256-sha256-modp2048", &d),
	    0);
	after = render(run, true);
	assert_string_equal(before, after);
	free(after);
	/* And the other way: freeing running leaves the candidate whole. */
	config_free(run);
	after = render(cand, true);
	assert_non_null(strstr(after, "remote-network 10.8.0.0/16"));
	assert_non_null(strstr(after, "ike-proposal aes128-sha256-ecp256"));
	assert_null(strstr(after, "10.9.0.0/16"));
	free(after);
	free(before);
	diag_clear(&d);
	config_free(cand);
}

/*
 * The typed form is what apply.c built from the text before (the ids of
 * config_proposal_parse, in order), for every proposal of every preset
 * and for one set by hand; and no preset proposal is left out.
 */
static void
check_typed(const struct config_proposals *l, bool ike)
{
	for (size_t i = 0; i < l->n; i++) {
		struct config_proposal p;
		const struct config_algs *a = &l->v[i].algs;

		assert_int_equal(
		    config_proposal_parse(l->v[i].text, ike, &p, NULL), 0);
		assert_int_equal(a->n_encr, p.n_encr);
		assert_int_equal(a->n_prf, p.n_prf);
		assert_int_equal(a->n_integ, p.n_integ);
		assert_int_equal(a->n_dh, p.n_dh);
		for (size_t k = 0; k < p.n_encr; k++) {
			assert_int_equal(a->encr[k], p.encr[k]->id);
			assert_int_equal(a->encr_bits[k], p.encr[k]->keylen);
		}
		for (size_t k = 0; k < p.n_prf; k++)
			assert_int_equal(a->prf[k], p.prf[k]->id);
		for (size_t k = 0; k < p.n_integ; k++)
			assert_int_equal(a->integ[k], p.integ[k]->id);
		for (size_t k = 0; k < p.n_dh; k++)
			assert_int_equal(a->dh[k], p.dh[k]->id);
	}
}

static void
test_proposals_typed_as_apply_parsed_them(void **state)
{
	static const char *const partners[] = { "none", "aws", "azure" };
	struct config *c = config_new();
	struct config_tunnel *t = tunnel(c, "p1");

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		set_ok(t, CF_PARTNER_TYPE, partners[i]);
		assert_int_equal(t->ike_proposals.n, 2);
		assert_int_equal(t->esp_proposals.n, 2);
		check_typed(&t->ike_proposals, true);
		check_typed(&t->esp_proposals, false);
	}
	set_ok(t, CF_IKE_PROPOSAL, "aes256-aes128-sha384-sha256-x25519");
	set_ok(t, CF_ESP_PROPOSAL, "chacha20poly1305-aes256gcm");
	check_typed(&t->ike_proposals, true);
	check_typed(&t->esp_proposals, false);
	/* derived from the first integrity algorithm: prfsha384 */
	assert_int_equal(t->ike_proposals.v[0].algs.n_prf, 1);
	assert_int_equal(t->ike_proposals.v[0].algs.prf[0], 6);
	config_free(c);
}

/*
 * IPv6 in the file (issue 14): a value given once per family is a string
 * or an array of one of each; written back the same way, so a file of
 * one family is written as it always was.
 */
static void
test_config_file_per_family_values(void **state)
{
	static const char text[] =
	    "interfaces = ( { name = \"wan1\"; address = [ \"203.0.113.2/24\", "
	    "\"2001:DB8::2/64\" ]; gateway = \"fe80::1\"; } );\n"
	    "vlans = ( { id = 20; subnet = [ \"2001:db8:20::/64\", "
	    "\"10.20.5.0/24\" ]; } );\n"
	    "tunnels = ( { name = \"v6\"; remote-address = \"2001:db8::7\"; "
	    "remote-network = [ \"2001:db8:40::/48\", \"10.4.0.0/16\" ]; "
	    "inside-address = \"fd00:10::2/126\"; } );\n";
	struct config *c, *again;
	struct diag d;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	diag_init(&d);
	c = config_load_string(text, "t.conf", &d);
	assert_non_null(c);
	assert_int_equal(c->ifaces[0].addr[CONFIG_V6].len, 64);
	assert_int_equal(c->vlans[0].subnet[CONFIG_V4].len, 24);
	f = open_memstream(&out, &len);
	assert_int_equal(config_file_write(c, f), 0);
	fclose(f);
	assert_non_null(strstr(out,
	    "address = [ \"203.0.113.2/24\", \"2001:db8::2/64\" ]; "
	    "gateway = \"fe80::1\";"));
	assert_non_null(strstr(out,
	    "subnet = [ \"10.20.5.0/24\", \"2001:db8:20::/64\" ];"));
	assert_non_null(strstr(out, "\"fd00:10::2/126\""));
	again = config_load_string(out, "again.conf", &d);
	assert_non_null(again);
	assert_true(ipaddr_equal(&again->ifaces[0].addr[CONFIG_V6],
	    &c->ifaces[0].addr[CONFIG_V6]));
	assert_int_equal(again->tunnels[0]->n_remote, 2);
	config_free(again);
	free(out);
	config_free(c);
	/* Two of one family: named, with the fix. */
	assert_null(config_load_string(
	    "vlans = ( { id = 20; subnet = [ \"2001:db8:20::/64\", "
	    "\"2001:db8:21::/64\" ]; } );\n",
	    "two.conf", &d));
	assert_int_equal(d.count, 1);
	assert_string_equal(d.entries[0].text,
	    "two.conf:1: vlan 20: two IPv6 subnets (2001:db8:20::/64 and "
	    "2001:db8:21::/64): one per family; keep one");
	diag_clear(&d);
	assert_null(config_load_string(
	    "interfaces = ( { name = \"wan1\"; address = [ \"1.2.3.4/24\", "
	    "\"2001:db8::2/64\", \"10.0.0.1/8\" ]; } );\n",
	    "three.conf", &d));
	assert_int_equal(d.count, 1);
	assert_string_equal(d.entries[0].text,
	    "three.conf:1: interface wan1: address takes one value, or two: "
	    "one IPv4 and one IPv6");
	diag_clear(&d);
	/* The pool stays IPv4. */
	assert_null(config_load_string(
	    "client-vpn = { pool = \"2001:db8:99::/64\"; };\n", "p.conf", &d));
	assert_string_equal(d.entries[0].text,
	    "p.conf:1: client-vpn: pool 2001:db8:99::/64 is IPv6: client-VPN "
	    "users get an IPv4 address from an IPv4 pool, like 10.99.0.0/24");
	diag_clear(&d);
}

/* The shell's one-per-family setters and their no forms. */
static void
test_config_per_family_setters(void **state)
{
	struct config *c = config_new();
	struct config_vlan *v;
	struct diag d;

	(void)state;
	diag_init(&d);
	v = config_vlan_edit(c, 20, &d);
	assert_int_equal(config_vlan_set_subnet(c, v, "10.20.0.0/24", &d), 0);
	assert_int_equal(config_vlan_set_subnet(c, v, "2001:db8:20::/64", &d),
	    0);
	/* A second IPv6 subnet replaces the first, as IPv4's always did. */
	assert_int_equal(config_vlan_set_subnet(c, v, "2001:db8:21::/64", &d),
	    0);
	assert_int_equal(v->subnet[CONFIG_V6].bytes[5], 0x21);
	assert_int_equal(config_vlan_unset_subnet(c, v, "2001:db8:20::/64", &d),
	    -ENOENT);
	assert_string_equal(d.entries[0].text,
	    "vlan 20: subnet 2001:db8:20::/64 is not configured: give the "
	    "subnet as show running-config shows it, or no subnet to remove "
	    "every one");
	diag_clear(&d);
	assert_int_equal(config_vlan_unset_subnet(c, v, "2001:DB8:21::/64", &d),
	    0);
	assert_int_equal(v->subnet[CONFIG_V6].family, 0);
	assert_int_equal(v->subnet[CONFIG_V4].family, AF_INET);
	assert_int_equal(config_vlan_set_subnet(c, v, "2001:db8:20::1/64", &d),
	    -EINVAL);
	assert_string_equal(d.entries[0].text,
	    "vlan 20: subnet 2001:db8:20::1/64 has host bits set; did you mean "
	    "2001:db8:20::/64?");
	diag_clear(&d);
	config_free(c);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_fields_table_in_enum_order),
	cmocka_unit_test(test_tunnel_defaults),
	cmocka_unit_test(test_tunnel_set_parses_and_refuses),
	cmocka_unit_test(test_tunnel_monitor_parses_and_refuses),
	cmocka_unit_test(test_tunnel_name_rules),
	cmocka_unit_test(test_proposal_parse),
	cmocka_unit_test(test_partner_presets_fill_unset_only),
	cmocka_unit_test(test_aws_preset_offers_what_aws_accepts),
	cmocka_unit_test(test_replay_window_setting),
	cmocka_unit_test(test_mtu_and_tcp_mss_settings),
	cmocka_unit_test(test_azure_policy_from_proposals),
	cmocka_unit_test(test_explicit_proposal_replaces_defaults),
	cmocka_unit_test(test_render_masks_secrets),
	cmocka_unit_test(test_copy_on_write_shares_unchanged_tunnels),
	cmocka_unit_test(test_render_diff_system_objects),
	cmocka_unit_test(test_plan_classifies_every_setting),
	cmocka_unit_test(test_plan_vlan_change_moves_tunnels_using_it),
	cmocka_unit_test(test_seconds_parser),
	cmocka_unit_test(test_metrics_listen_setting),
	cmocka_unit_test(test_each_kind_sets_formats_and_unsets),
	cmocka_unit_test(test_clone_and_edit_are_independent),
	cmocka_unit_test(test_proposals_typed_as_apply_parsed_them),
	cmocka_unit_test(test_config_file_per_family_values),
	cmocka_unit_test(test_config_per_family_setters),
};

TUNSH_TEST_MAIN(tests)
