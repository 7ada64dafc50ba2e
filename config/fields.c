/*
 * config/fields.c: the table of tunnel settings (CLI words, file key,
 * kind, bounds, change class, member, default, help) and the parse/format
 * of each setting's text form, one function per kind (the monitor's:
 * monitor.c; defaults, presets and what a tunnel owns: tunnel.c).  The
 * one place that knows what a setting means; everything else walks the
 * table.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_private.h"

static const char *const partner_words[] = { "none", "aws", "azure", NULL };
static const char *const dpd_words[] = { "clear", "hold", "restart", NULL };
static const char *const type_words[] = { "policy-based", "route-based", NULL };
static const char *const ts_words[] = { "combined", "per-pair", NULL };

#define DAY 86400

#define OFF(m) offsetof(struct config_tunnel, m)

/*
 * Indexed by enum config_field; test_config checks the order.  One row
 * per setting: how it is written, what it costs a live tunnel, where it
 * lives (.off) and its base default (.def; a preset may override it).
 */
static const struct config_field_info fields[CF__COUNT] = {
	[CF_ENABLE] = { .id = CF_ENABLE,
	    .cli = "enable",
	    .key = "enable",
	    .kind = CFK_FLAG,
	    .change = CONFIG_CHANGE_REPLACE,
	    .off = OFF(enable),
	    .def = true,
	    .help = "Bring the tunnel up (no enable: keep it down)" },
	[CF_DESCRIPTION] = { .id = CF_DESCRIPTION,
	    .cli = "description",
	    .key = "description",
	    .kind = CFK_TEXT,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .min = 1,
	    .max = CONFIG_DESCRIPTION_MAX,
	    .off = OFF(description),
	    .help = "Free text for people" },
	[CF_PARTNER_TYPE] = { .id = CF_PARTNER_TYPE,
	    .cli = "partner-type",
	    .key = "partner-type",
	    .kind = CFK_ENUM,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .words = partner_words,
	    .off = OFF(partner),
	    .def = CONFIG_PARTNER_NONE,
	    .help = "Cloud partner preset: none, aws or azure" },
	[CF_TUNNEL_TYPE] = { .id = CF_TUNNEL_TYPE,
	    .cli = "tunnel-type",
	    .key = "tunnel-type",
	    .kind = CFK_ENUM,
	    .change = CONFIG_CHANGE_REPLACE,
	    .words = type_words,
	    .off = OFF(type),
	    .def = CONFIG_TUNNEL_POLICY,
	    .help = "policy-based, or route-based (IPIP)" },
	[CF_WAN_PORT] = { .id = CF_WAN_PORT,
	    .cli = "wan-port",
	    .key = "wan-port",
	    .kind = CFK_IFNAME,
	    .change = CONFIG_CHANGE_REPLACE,
	    .min = 1,
	    .max = CONFIG_IFNAME_MAX,
	    .off = OFF(wan_port),
	    .help = "WAN interface the tunnel is bound to" },
	[CF_LOCAL_ADDRESS] = { .id = CF_LOCAL_ADDRESS,
	    .cli = "local-address",
	    .key = "local-address",
	    .kind = CFK_HOST,
	    .change = CONFIG_CHANGE_REPLACE,
	    .min = 1,
	    .max = CONFIG_HOST_MAX,
	    .off = OFF(local_address),
	    .help = "Our public IPv4 or IPv6 address, or FQDN" },
	[CF_REMOTE_ADDRESS] = { .id = CF_REMOTE_ADDRESS,
	    .cli = "remote-address",
	    .key = "remote-address",
	    .kind = CFK_HOST,
	    .change = CONFIG_CHANGE_REPLACE,
	    .min = 1,
	    .max = CONFIG_HOST_MAX,
	    .off = OFF(remote_address),
	    .help = "The peer's public IPv4 or IPv6 address, or FQDN" },
	[CF_LOCAL_ID] = { .id = CF_LOCAL_ID,
	    .cli = "local-id",
	    .key = "local-id",
	    .kind = CFK_ID,
	    .change = CONFIG_CHANGE_RENEGOTIATE,
	    .min = 1,
	    .max = CONFIG_ID_MAX,
	    .off = OFF(local_id),
	    .help = "Our IKE identity (default: the local address)" },
	[CF_REMOTE_ID] = { .id = CF_REMOTE_ID,
	    .cli = "remote-id",
	    .key = "remote-id",
	    .kind = CFK_ID,
	    .change = CONFIG_CHANGE_RENEGOTIATE,
	    .min = 1,
	    .max = CONFIG_ID_MAX,
	    .off = OFF(remote_id),
	    .help = "The peer's IKE identity (default: the remote address)" },
	[CF_INITIATOR] = { .id = CF_INITIATOR,
	    .cli = "initiator",
	    .key = "initiator",
	    .kind = CFK_FLAG,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .off = OFF(initiator),
	    .def = true,
	    .help = "Start the tunnel (no initiator: wait for the peer or "
		    "traffic)" },
	[CF_PSK] = { .id = CF_PSK,
	    .cli = "pre-shared-key",
	    .key = "pre-shared-key",
	    .kind = CFK_PSK,
	    .change = CONFIG_CHANGE_RENEGOTIATE,
	    .min = CONFIG_PSK_MIN,
	    .max = CONFIG_PSK_MAX,
	    .off = OFF(psk),
	    .help = "Shared secret, 8-128 printable characters" },
	[CF_LOCAL_NETWORK] = { .id = CF_LOCAL_NETWORK,
	    .cli = "local-network",
	    .key = "local-network",
	    .kind = CFK_LOCALNETS,
	    .change = CONFIG_CHANGE_REPLACE,
	    .min = 0,
	    .max = CONFIG_NETS_MAX,
	    .off = OFF(local_nets),
	    .help = "A local network: vlan ID, A.B.C.D/N or X:X::X/N" },
	[CF_REMOTE_NETWORK] = { .id = CF_REMOTE_NETWORK,
	    .cli = "remote-network",
	    .key = "remote-network",
	    .kind = CFK_PREFIXES,
	    .change = CONFIG_CHANGE_REPLACE,
	    .min = 0,
	    .max = CONFIG_NETS_MAX,
	    .off = OFF(remote_nets),
	    .help = "A network behind the peer: A.B.C.D/N or X:X::X/N" },
	[CF_TRAFFIC_SELECTORS] = { .id = CF_TRAFFIC_SELECTORS,
	    .cli = "traffic-selectors",
	    .key = "traffic-selectors",
	    .kind = CFK_ENUM,
	    .change = CONFIG_CHANGE_REPLACE,
	    .words = ts_words,
	    .off = OFF(ts_mode),
	    .def = CONFIG_TS_COMBINED,
	    .help = "CHILD SAs: combined (one for all networks) or per-pair" },
	[CF_CLIENT_VPN_BOUND] = { .id = CF_CLIENT_VPN_BOUND,
	    .cli = "client-vpn-bound",
	    .key = "client-vpn-bound",
	    .kind = CFK_FLAG,
	    .change = CONFIG_CHANGE_REPLACE,
	    .off = OFF(client_vpn_bound),
	    .def = false,
	    .help = "Client-VPN users may use the tunnel too" },
	[CF_INSIDE_ADDRESS] = { .id = CF_INSIDE_ADDRESS,
	    .cli = "inside-address",
	    .key = "inside-address",
	    .kind = CFK_IFADDR,
	    .change = CONFIG_CHANGE_REPLACE,
	    .min = 30,
	    .max = 30,
	    .off = OFF(inside_addr),
	    .help = "Route-based inside link address: A.B.C.D/30 or "
		    "X:X::X/N" },
	[CF_IKE_PROPOSAL] = { .id = CF_IKE_PROPOSAL,
	    .cli = "ike-proposal",
	    .key = "ike-proposal",
	    .kind = CFK_PROPOSALS,
	    .change = CONFIG_CHANGE_RENEGOTIATE,
	    .min = 0,
	    .max = CONFIG_PROPOSALS_MAX,
	    .off = OFF(ike_proposals),
	    .ike = true,
	    .help = "An IKE proposal: aes256gcm16-prfsha384-ecp384" },
	[CF_ESP_PROPOSAL] = { .id = CF_ESP_PROPOSAL,
	    .cli = "esp-proposal",
	    .key = "esp-proposal",
	    .kind = CFK_PROPOSALS,
	    .change = CONFIG_CHANGE_RENEGOTIATE,
	    .min = 0,
	    .max = CONFIG_PROPOSALS_MAX,
	    .off = OFF(esp_proposals),
	    .help = "An ESP proposal: aes256gcm16-ecp384" },
	[CF_IKE_LIFETIME] = { .id = CF_IKE_LIFETIME,
	    .cli = "ike-lifetime",
	    .key = "ike-lifetime",
	    .kind = CFK_SECONDS,
	    .change = CONFIG_CHANGE_RENEGOTIATE,
	    .min = 900,
	    .max = DAY,
	    .off = OFF(ike_lifetime),
	    .def = 28800,
	    .help = "IKE SA lifetime: 900-86400 s (28800, 480m, 8h)" },
	[CF_CHILD_LIFETIME] = { .id = CF_CHILD_LIFETIME,
	    .cli = "child-lifetime",
	    .key = "child-lifetime",
	    .kind = CFK_SECONDS,
	    .change = CONFIG_CHANGE_RENEGOTIATE,
	    .min = 300,
	    .max = DAY,
	    .off = OFF(child_lifetime),
	    .def = 3600,
	    .help = "CHILD (ESP) SA lifetime: 300-86400 s" },
	[CF_REPLAY_WINDOW] = { .id = CF_REPLAY_WINDOW,
	    .cli = "replay-window",
	    .key = "replay-window",
	    .kind = CFK_COUNT,
	    .change = CONFIG_CHANGE_RENEGOTIATE,
	    .min = 0,
	    .max = CONFIG_REPLAY_MAX,
	    .off = OFF(replay_window),
	    .def = 32,
	    .unit = "packets",
	    .help = "Inbound ESP anti-replay window: 0-4096 packets; 0 off" },
	[CF_REKEY] = { .id = CF_REKEY,
	    .cli = "rekey",
	    .key = "rekey",
	    .kind = CFK_YESNO,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .off = OFF(rekey),
	    .def = true,
	    .help = "yes: we start rekeys; no: we only answer them" },
	[CF_REAUTH] = { .id = CF_REAUTH,
	    .cli = "reauthentication",
	    .key = "reauthentication",
	    .kind = CFK_YESNO,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .off = OFF(reauth),
	    .def = false,
	    .help = "yes: re-establish the IKE SA at its lifetime instead of "
		    "rekeying" },
	[CF_DPD_ACTION] = { .id = CF_DPD_ACTION,
	    .cli = "dpd action",
	    .key = "dpd-action",
	    .kind = CFK_ENUM,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .words = dpd_words,
	    .off = OFF(dpd_action),
	    .def = CONFIG_DPD_RESTART,
	    .help = "When the peer is dead: clear, hold or restart" },
	[CF_DPD_TIMEOUT] = { .id = CF_DPD_TIMEOUT,
	    .cli = "dpd timeout",
	    .key = "dpd-timeout",
	    .kind = CFK_SECONDS,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .min = 0,
	    .max = 3600,
	    .off = OFF(dpd_timeout),
	    .def = 10,
	    .help = "Seconds between liveness checks while the peer is "
		    "silent; 0 off" },
	[CF_DPD_DELAY] = { .id = CF_DPD_DELAY,
	    .cli = "dpd delay",
	    .key = "dpd-delay",
	    .kind = CFK_SECONDS,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .min = 1,
	    .max = 3600,
	    .off = OFF(dpd_delay),
	    .def = 30,
	    .help = "Seconds to wait for an answer before the DPD action" },
	[CF_MONITOR] = { .id = CF_MONITOR,
	    .cli = "monitor",
	    .key = "monitor",
	    .kind = CFK_MONITOR,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .min = 1,
	    .max = CONFIG_MONITOR_INTERVAL_MAX,
	    .off = OFF(monitor),
	    .help = "Ping through the tunnel: destination A.B.C.D [source "
		    "vlan ID|A.B.C.D] [interval S] [threshold N]" },
	[CF_MTU] = { .id = CF_MTU,
	    .cli = "mtu",
	    .key = "mtu",
	    .kind = CFK_COUNT,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .min = CONFIG_MTU_MIN,
	    .max = CONFIG_MTU_MAX,
	    .off = OFF(mtu),
	    .def = CONFIG_MTU_DEFAULT,
	    .unit = "bytes",
	    .help = "Route-based: the tunnel interface's MTU, 576-9000 "
		    "bytes" },
	[CF_TCP_MSS] = { .id = CF_TCP_MSS,
	    .cli = "tcp-mss",
	    .key = "tcp-mss",
	    .kind = CFK_COUNT,
	    .change = CONFIG_CHANGE_IN_PLACE,
	    .min = CONFIG_MSS_MIN,
	    .max = CONFIG_MSS_MAX,
	    .off = OFF(tcp_mss),
	    .def = 0,
	    .unit = "bytes",
	    .zero_off = true,
	    .help = "Clamp the MSS of TCP SYNs through the tunnel: 536-8960; "
		    "0 off" },
};

const struct config_field_info *
config_field_info(enum config_field f)
{
	if ((unsigned)f >= CF__COUNT)
		return NULL;
	return &fields[f];
}

const struct config_field_info *
config_field_lookup(const char *name)
{
	for (size_t i = 0; i < CF__COUNT; i++)
		if (strcmp(fields[i].cli, name) == 0 ||
		    strcmp(fields[i].key, name) == 0)
			return &fields[i];
	return NULL;
}

const char *
config_partner_name(enum config_partner p)
{
	return (unsigned)p < 3 ? partner_words[p] : "?";
}

const char *
config_dpd_action_name(enum config_dpd_action a)
{
	return (unsigned)a < 3 ? dpd_words[a] : "?";
}

const char *
config_tunnel_type_name(enum config_tunnel_type t)
{
	return (unsigned)t < 2 ? type_words[t] : "?";
}

const char *
config_ts_mode_name(enum config_ts_mode m)
{
	return (unsigned)m < 2 ? ts_words[m] : "?";
}

int
config_parse_seconds(const char *s, uint32_t *out)
{
	unsigned long v, mult = 1;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0)
		return -ERANGE;
	if (end[0] != '\0') {
		if (end[1] != '\0')
			return -EINVAL;
		switch (end[0]) {
		case 's':
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = DAY;
			break;
		default:
			return -EINVAL;
		}
	}
	if (v > UINT32_MAX / mult)
		return -ERANGE;
	*out = (uint32_t)(v * mult);
	return 0;
}

void
config_duration_words(uint32_t secs, char *buf, size_t len)
{
	if (secs % 3600 == 0 && secs >= 3600)
		snprintf(buf, len, "%u hour%s", secs / 3600,
		    secs == 3600 ? "" : "s");
	else if (secs % 60 == 0 && secs >= 60)
		snprintf(buf, len, "%u minute%s", secs / 60,
		    secs == 60 ? "" : "s");
	else
		snprintf(buf, len, "%u second%s", secs, secs == 1 ? "" : "s");
}

static int
parse_enum(const struct config_field_info *fi, const char *v, int *out)
{
	for (int i = 0; fi->words[i] != NULL; i++)
		if (strcmp(fi->words[i], v) == 0) {
			*out = i;
			return 0;
		}
	if (fi->id == CF_TUNNEL_TYPE && strcmp(v, "ipip") == 0) {
		*out = CONFIG_TUNNEL_ROUTE;
		return 0;
	}
	return -EINVAL;
}

static int
parse_yesno(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "enable" };
	static const char *const no[] = { "no", "off", "false", "disable" };

	if (v == NULL) {
		*out = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

bool
text_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static int
parse_localnet(const char *v, struct config_local_net *out)
{
	char *end;
	unsigned long id;

	memset(out, 0, sizeof(*out));
	if (strncmp(v, "vlan ", 5) == 0) {
		v += 5;
		if (!isdigit((unsigned char)v[0]))
			return -EINVAL;
		id = strtoul(v, &end, 10);
		if (*end != '\0' || id < CONFIG_VLAN_MIN ||
		    id > CONFIG_VLAN_MAX)
			return -ERANGE;
		out->vlan = (uint16_t)id;
		return 0;
	}
	return ipaddr_parse_prefix(v, &out->prefix);
}

/* Says why a prefix did not parse: host bits get a suggestion. */
static void
prefix_error(struct diag *d, const char *who, const char *what, const char *v)
{
	struct ipaddr a, p;
	char buf[IPADDR_STRLEN];

	if (ipaddr_parse_ifaddr(v, &a) == 0) {
		ipaddr_mask(&a, a.len, &p);
		ipaddr_format_prefix(&p, buf, sizeof(buf));
		diag_error(d, "%s: %s %s has host bits set; did you mean %s?",
		    who, what, v, buf);
		return;
	}
	if (strchr(v, ':') != NULL)
		diag_error(d,
		    "%s: %s \"%s\" is not a prefix: write an IPv6 network "
		    "and its length, like 2001:db8:20::/64",
		    who, what, v);
	else
		diag_error(d, "%s: %s \"%s\" is not a prefix: write A.B.C.D/N",
		    who, what, v);
}

static bool
localnet_equal(const struct config_local_net *a,
    const struct config_local_net *b)
{
	return a->vlan == b->vlan && ipaddr_equal(&a->prefix, &b->prefix);
}

/* One more element of a network list: the array grows by one, it is
 * never larger than what it holds. */
static int
list_append(void **v, size_t *n, const void *elem, size_t size)
{
	void *g = realloc(*v, (*n + 1) * size);

	if (g == NULL)
		return -ENOMEM;
	memcpy((char *)g + *n * size, elem, size);
	*v = g;
	(*n)++;
	return 0;
}

static int
add_localnet(struct config_tunnel *t, const char *v, const char *who,
    struct diag *d)
{
	struct config_local_net ln;

	if (parse_localnet(v, &ln) < 0) {
		if (strncmp(v, "vlan", 4) == 0)
			diag_error(d,
			    "%s: local-network %s: a VLAN ID is 1-4094", who,
			    v);
		else
			prefix_error(d, who, "local-network", v);
		return -EINVAL;
	}
	for (size_t i = 0; i < t->n_local; i++)
		if (localnet_equal(&t->local_nets[i], &ln))
			return 0;
	if (t->n_local == CONFIG_NETS_MAX)
		return -ENOSPC;
	return list_append((void **)&t->local_nets, &t->n_local, &ln,
	    sizeof(ln));
}

static int
add_prefix(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	struct ipaddr p;

	if (ipaddr_parse_prefix(v, &p) < 0) {
		prefix_error(d, who, fi->cli, v);
		return -EINVAL;
	}
	for (size_t i = 0; i < t->n_remote; i++)
		if (ipaddr_equal(&t->remote_nets[i], &p))
			return 0;
	if (t->n_remote == CONFIG_NETS_MAX)
		return -ENOSPC;
	return list_append((void **)&t->remote_nets, &t->n_remote, &p,
	    sizeof(p));
}

/* Parsed here, once: apply takes the ids, never the text. */
static int
add_proposal(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	struct config_proposals *l = AT(t, fi, struct config_proposals);
	struct config_proposal prop;
	struct config_prop *g, np = { 0 };

	if (strlen(v) >= CONFIG_PROPOSAL_LEN) {
		diag_error(d, "%s: %s is too long (at most %d characters)", who,
		    fi->cli, CONFIG_PROPOSAL_LEN - 1);
		return -EINVAL;
	}
	if (config_proposal_parse(v, fi->ike, &prop, NULL) < 0) {
		struct diag sub;

		diag_init(&sub);
		config_proposal_parse(v, fi->ike, &prop, &sub);
		for (size_t i = 0; i < sub.count; i++)
			diag_error(d, "%s: %s %s: %s", who, fi->cli, v,
			    sub.entries[i].text);
		diag_clear(&sub);
		return -EINVAL;
	}
	/* The first explicit proposal replaces the defaults. */
	if (!(t->set & (1u << fi->id)))
		tunnel_proposals_clear(l);
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].text, v) == 0)
			return 0;
	if (l->n == CONFIG_PROPOSALS_MAX)
		return -ENOSPC;
	config_proposal_algs(&prop, &np.algs);
	if ((np.text = strdup(v)) == NULL ||
	    (g = realloc(l->v, (l->n + 1u) * sizeof(*g))) == NULL) {
		free((void *)np.text);
		return -ENOMEM;
	}
	g[l->n++] = np;
	l->v = g;
	return 0;
}

static int
set_list(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	int rc;

	if (v == NULL || v[0] == '\0') {
		diag_error(d, "%s: %s needs a value", who, fi->cli);
		return -EINVAL;
	}
	if (fi->kind == CFK_LOCALNETS)
		rc = add_localnet(t, v, who, d);
	else if (fi->kind == CFK_PREFIXES)
		rc = add_prefix(t, fi, v, who, d);
	else
		rc = add_proposal(t, fi, v, who, d);
	if (rc == -ENOSPC)
		diag_error(d,
		    "%s: too many %s values (at most %u); remove one first",
		    who, fi->cli, fi->max);
	return rc;
}

/*
 * An address a peer is reached at: IPv4 not 0.0.0.0 nor 224.0.0.0/3;
 * IPv6 not ::, not multicast, not link-local (it needs an interface, a
 * tunnel's peer does not have one) and not an IPv4-mapped address (write
 * the IPv4 address itself).
 */
static bool
host_unicast(const struct ipaddr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };
	static const uint8_t zero[16];

	if (a->family == AF_INET)
		return ipaddr_to4(a) != 0 && ipaddr_to4(a) < 0xe0000000u;
	return memcmp(a->bytes, zero, sizeof(zero)) != 0 &&
	    a->bytes[0] != 0xff &&
	    !(a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80) &&
	    memcmp(a->bytes, mapped, sizeof(mapped)) != 0;
}

/* An IP literal is kept typed, anything else as the FQDN's text. */
static int
set_host(const struct config_field_info *fi, struct config_host *h,
    const char *v, const char *who, struct diag *d)
{
	struct ipaddr a;
	char *name;

	if (ipaddr_parse(v, &a) == 0) {
		if (!host_unicast(&a)) {
			diag_error(d, "%s: %s %s is not a unicast address", who,
			    fi->cli, v);
			return -EINVAL;
		}
		tunnel_host_clear(h);
		h->ip = a; /* RFC 5952 form when shown */
		return 0;
	}
	if (fqdn_valid(v)) {
		if ((name = strdup(v)) == NULL)
			return -ENOMEM;
		tunnel_host_clear(h);
		h->name = name;
		return 0;
	}
	diag_error(d,
	    "%s: %s \"%s\" is neither an IPv4 or IPv6 address nor a fully "
	    "qualified domain name",
	    who, fi->cli, v);
	return -EINVAL;
}

/*
 * An IKE identity: an IPv4 address, an IPv6 address (ID_IPV6_ADDR, kept
 * in its RFC 5952 form so that 2001:DB8::1 and 2001:db8::1 are one) or
 * an FQDN, kept as typed.
 */
static int
set_id(const struct config_field_info *fi, char **dst, const char *v,
    const char *who, struct diag *d)
{
	char canon[IPADDR_STRLEN];
	struct ipaddr a;
	int ip = ipaddr_parse(v, &a);
	char *s;

	if (ip < 0 && !fqdn_valid(v)) {
		diag_error(d,
		    "%s: %s \"%s\" is neither an IPv4 or IPv6 address nor a "
		    "fully qualified domain name",
		    who, fi->cli, v);
		return -EINVAL;
	}
	if (ip == 0 && a.family == AF_INET6) {
		ipaddr_format(&a, canon, sizeof(canon));
		v = canon;
	}
	if ((s = strdup(v)) == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

static bool
ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONFIG_IFNAME_MAX || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("._-", s[i]) == NULL)
			return false;
	return true;
}

bool
config_ifname_valid(const char *s)
{
	return ifname_valid(s);
}

static int
set_count(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = isdigit((unsigned char)v[0]) ? strtoul(v, &end, 10) : 0;
	/* tcp-mss 0 turns off the clamp a partner preset sets. */
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 ||
	    ((n < fi->min || n > fi->max) && !(fi->zero_off && n == 0))) {
		diag_error(d,
		    "%s: %s \"%s\" is not a number of %s: give %u-%u%s", who,
		    fi->cli, v, fi->unit, fi->min, fi->max,
		    fi->zero_off ? ", or 0 for no clamp" : "");
		return -ERANGE;
	}
	*AT(t, fi, uint32_t) = (uint32_t)n;
	return 0;
}

static int
set_seconds(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	uint32_t secs;
	int e = config_parse_seconds(v, &secs);

	if (e == -EINVAL) {
		diag_error(d,
		    "%s: %s \"%s\" is not a duration: give %u-%u "
		    "seconds (suffixes s, m, h, d allowed)",
		    who, fi->cli, v, fi->min, fi->max);
		return -EINVAL;
	}
	if (e < 0 || secs < fi->min || secs > fi->max) {
		diag_error(d,
		    "%s: %s %s is out of range: give %u-%u "
		    "seconds (suffixes s, m, h, d allowed)",
		    who, fi->cli, v, fi->min, fi->max);
		return -ERANGE;
	}
	*AT(t, fi, uint32_t) = secs;
	return 0;
}

static int
set_enum(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	char words[96] = { 0 };
	int e;

	if (parse_enum(fi, v, &e) == 0) {
		*AT(t, fi, int) = e;
		return 0;
	}
	for (int i = 0; fi->words[i] != NULL; i++) {
		strncat(words, i ? ", " : "",
		    sizeof(words) - strlen(words) - 1);
		strncat(words, fi->words[i], sizeof(words) - strlen(words) - 1);
	}
	diag_error(d, "%s: %s \"%s\" is not one of %s", who, fi->cli, v, words);
	return -EINVAL;
}

static int
set_text(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	char *s;

	if (strlen(v) > fi->max || !text_printable(v)) {
		diag_error(d,
		    "%s: %s must be printable text of at most %u characters",
		    who, fi->cli, fi->max);
		return -EINVAL;
	}
	if ((s = strdup(v)) == NULL)
		return -ENOMEM;
	free(*AT(t, fi, char *));
	*AT(t, fi, char *) = s;
	return 0;
}

static int
set_psk(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	struct secbuf *b;

	if (strlen(v) < fi->min || strlen(v) > fi->max || !text_printable(v)) {
		/* Never echo the value: it is a secret. */
		diag_error(d,
		    "%s: %s must be %u-%u printable characters (got %zu)", who,
		    fi->cli, fi->min, fi->max, strlen(v));
		return -EINVAL;
	}
	if ((b = secbuf_from_str(v)) == NULL)
		return -ENOMEM;
	secbuf_free(*AT(t, fi, struct secbuf *));
	*AT(t, fi, struct secbuf *) = b;
	return 0;
}

/*
 * An IPv6 inside link: a /64 to a /127 (RFC 6164), our address not the
 * all-zeros one, which is the link's Subnet-Router anycast (RFC 4291
 * 2.6.1), except on a /127 where both ends may use it.  Which prefix a
 * partner wants (AWS: a /126 of fd00::/8) is validate.c's.
 */
static int
set_ifaddr6(struct config_tunnel *t, const struct config_field_info *fi,
    const struct ipaddr *a, const char *v, const char *who, struct diag *d)
{
	struct ipaddr net;

	if (a->len < 64 || a->len > 127) {
		diag_error(d,
		    "%s: %s %s must be our address on a /64 to /127 link, "
		    "like fd00:10::2/126",
		    who, fi->cli, v);
		return -EINVAL;
	}
	ipaddr_mask(a, a->len, &net);
	if (a->len < 127 && memcmp(net.bytes, a->bytes, 16) == 0) {
		diag_error(d,
		    "%s: %s %s is the Subnet-Router anycast address of its "
		    "link; use ::1 or ::2 of it",
		    who, fi->cli, v);
		return -EINVAL;
	}
	t->inside_addr = *a;
	return 0;
}

static int
set_ifaddr(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	struct ipaddr a;
	uint32_t a4;

	if (ipaddr_parse_ifaddr(v, &a) == 0 && a.family == AF_INET6)
		return set_ifaddr6(t, fi, &a, v, who, d);
	if (ipaddr_parse_ifaddr(v, &a) < 0 || a.len != fi->max) {
		diag_error(d,
		    "%s: %s \"%s\" must be our address on a /30, like "
		    "169.254.10.2/30",
		    who, fi->cli, v);
		return -EINVAL;
	}
	a4 = ipaddr_to4(&a);
	if ((a4 & 3) == 0 || (a4 & 3) == 3) {
		diag_error(d,
		    "%s: %s %s is the network or broadcast address of its "
		    "/30; use .1 or .2 of it",
		    who, fi->cli, v);
		return -EINVAL;
	}
	t->inside_addr = a;
	return 0;
}

static bool
is_list(const struct config_field_info *fi)
{
	return fi->kind == CFK_LOCALNETS || fi->kind == CFK_PREFIXES ||
	    fi->kind == CFK_PROPOSALS;
}

/* One function per kind of value, by the row's kind. */
static int
set_scalar(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	bool b;

	switch (fi->kind) {
	case CFK_FLAG:
	case CFK_YESNO:
		if (parse_yesno(v, &b) < 0) {
			diag_error(d, "%s: %s takes yes or no, not \"%s\"", who,
			    fi->cli, v);
			return -EINVAL;
		}
		*AT(t, fi, bool) = b;
		return 0;
	case CFK_TEXT:
		return set_text(t, fi, v, who, d);
	case CFK_HOST:
		return set_host(fi, AT(t, fi, struct config_host), v, who, d);
	case CFK_ID:
		return set_id(fi, AT(t, fi, char *), v, who, d);
	case CFK_IFNAME:
		if (!ifname_valid(v)) {
			diag_error(d,
			    "%s: %s \"%s\" is not an interface "
			    "name (1-15 of A-Z a-z 0-9 . _ -, starting with a "
			    "letter)",
			    who, fi->cli, v);
			return -EINVAL;
		}
		snprintf(AT(t, fi, char), CONFIG_IFNAME_MAX + 1, "%s", v);
		return 0;
	case CFK_PSK:
		return set_psk(t, fi, v, who, d);
	case CFK_ENUM:
		return set_enum(t, fi, v, who, d);
	case CFK_SECONDS:
		return set_seconds(t, fi, v, who, d);
	case CFK_COUNT:
		return set_count(t, fi, v, who, d);
	case CFK_MONITOR:
		return tunnel_monitor_set(t, v, who, d);
	case CFK_IFADDR:
		return set_ifaddr(t, fi, v, who, d);
	default:
		return -EINVAL;
	}
}

int
config_tunnel_set(struct config_tunnel *t, enum config_field f,
    const char *value, struct diag *d)
{
	const struct config_field_info *fi = config_field_info(f);
	char who[CONFIG_TUNNEL_NAME_MAX + 16];
	int rc;

	if (fi == NULL)
		return -EINVAL;
	snprintf(who, sizeof(who), "ipsec tunnel %s", t->name);
	if (value == NULL && fi->kind != CFK_FLAG && fi->kind != CFK_YESNO) {
		diag_error(d, "%s: %s needs a value", who, fi->cli);
		return -EINVAL;
	}
	if (is_list(fi))
		rc = set_list(t, fi, value, who, d);
	else
		rc = set_scalar(t, fi, value, who, d);
	if (rc < 0)
		return rc;
	t->set |= 1u << f;
	if (f == CF_PARTNER_TYPE)
		tunnel_apply_defaults(t);
	return 0;
}

/* Removes element i of an array of n of size bytes; frees it when empty. */
static void
list_remove(void **v, size_t *n, size_t i, size_t size)
{
	char *a = *v;

	memmove(a + i * size, a + (i + 1) * size, (*n - i - 1) * size);
	if (--*n == 0) {
		free(*v);
		*v = NULL;
	}
}

static int
unset_list_item(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, struct diag *d)
{
	struct config_proposals *l;
	struct config_local_net ln;
	struct ipaddr p;
	size_t i, n;

	switch (fi->kind) {
	case CFK_LOCALNETS:
		if (parse_localnet(v, &ln) == 0)
			for (i = 0; i < t->n_local; i++)
				if (localnet_equal(&t->local_nets[i], &ln)) {
					list_remove((void **)&t->local_nets,
					    &t->n_local, i, sizeof(ln));
					return 0;
				}
		break;
	case CFK_PREFIXES:
		if (ipaddr_parse_prefix(v, &p) == 0)
			for (i = 0; i < t->n_remote; i++)
				if (ipaddr_equal(&t->remote_nets[i], &p)) {
					list_remove((void **)&t->remote_nets,
					    &t->n_remote, i, sizeof(p));
					return 0;
				}
		break;
	default:
		l = AT(t, fi, struct config_proposals);
		if (t->set & (1u << fi->id))
			for (i = 0; i < l->n; i++)
				if (strcmp(l->v[i].text, v) == 0) {
					free((void *)l->v[i].text);
					n = l->n;
					list_remove((void **)&l->v, &n, i,
					    sizeof(l->v[0]));
					l->n = (uint8_t)n;
					return 0;
				}
		break;
	}
	diag_error(d, "ipsec tunnel %s: %s %s is not configured", t->name,
	    fi->cli, v);
	return -ENOENT;
}

int
config_tunnel_unset(struct config_tunnel *t, enum config_field f,
    const char *value, struct diag *d)
{
	const struct config_field_info *fi = config_field_info(f);
	int rc;

	if (fi == NULL)
		return -EINVAL;
	if (is_list(fi) && value != NULL) {
		rc = unset_list_item(t, fi, value, d);
		if (rc < 0)
			return rc;
		if (config_tunnel_format(t, f, 0, false, NULL, 0) > 0)
			return 0;
	}
	/* Flags: "no enable" is an explicit off, not a return to default. */
	if (fi->kind == CFK_FLAG && value == NULL)
		return config_tunnel_set(t, f, "no", d);
	t->set &= ~(1u << f);
	tunnel_apply_defaults(t);
	return 0;
}

bool
config_tunnel_is_set(const struct config_tunnel *t, enum config_field f)
{
	return (unsigned)f < CF__COUNT && (t->set & (1u << f));
}

/* The i-th element of a list setting; returns the count. */
static size_t
format_list(const struct config_tunnel *t, const struct config_field_info *fi,
    size_t i, char *buf, size_t len)
{
	const struct config_proposals *l;
	const struct config_local_net *ln;

	switch (fi->kind) {
	case CFK_LOCALNETS:
		if (i < t->n_local && len > 0) {
			ln = &t->local_nets[i];
			if (ln->vlan != 0)
				snprintf(buf, len, "vlan %u", ln->vlan);
			else
				ipaddr_format_prefix(&ln->prefix, buf, len);
		}
		return t->n_local;
	case CFK_PREFIXES:
		if (i < t->n_remote && len > 0)
			ipaddr_format_prefix(&t->remote_nets[i], buf, len);
		return t->n_remote;
	default:
		l = AT_C(t, fi, struct config_proposals);
		if (i < l->n && len > 0)
			snprintf(buf, len, "%s", l->v[i].text);
		return l->n;
	}
}

size_t
config_tunnel_format(const struct config_tunnel *t, enum config_field f,
    size_t i, bool show_secrets, char *buf, size_t len)
{
	const struct config_field_info *fi = config_field_info(f);
	const struct secbuf *psk;
	const char *s;

	if (fi == NULL)
		return 0;
	/* len 0: only the count (config_tunnel_unset asks so). */
	if (is_list(fi))
		return format_list(t, fi, i, len ? buf : NULL, len);
	if (len == 0)
		return 0;
	buf[0] = '\0';
	switch (fi->kind) {
	case CFK_FLAG:
	case CFK_YESNO:
		snprintf(buf, len, "%s", *AT_C(t, fi, bool) ? "yes" : "no");
		return 1;
	case CFK_TEXT:
	case CFK_ID:
		s = *AT_C(t, fi, char *);
		snprintf(buf, len, "%s", s ? s : "");
		return buf[0] != '\0';
	case CFK_HOST:
		s = config_host_text(AT_C(t, fi, struct config_host), buf, len);
		if (s != buf)
			snprintf(buf, len, "%s", s);
		return buf[0] != '\0';
	case CFK_IFNAME:
		snprintf(buf, len, "%s", AT_C(t, fi, char));
		return buf[0] != '\0';
	case CFK_PSK:
		if ((psk = *AT_C(t, fi, struct secbuf *)) == NULL)
			return 0;
		snprintf(buf, len, "%s",
		    show_secrets ? (const char *)psk->data : "********");
		return 1;
	case CFK_ENUM:
		snprintf(buf, len, "%s", fi->words[*AT_C(t, fi, int)]);
		return 1;
	case CFK_SECONDS:
	case CFK_COUNT:
		snprintf(buf, len, "%u", *AT_C(t, fi, uint32_t));
		return 1;
	case CFK_IFADDR:
		if (t->inside_addr.family == 0)
			return 0;
		ipaddr_format_prefix(&t->inside_addr, buf, len);
		return 1;
	case CFK_MONITOR:
		return tunnel_monitor_format(&t->monitor, buf, len);
	default:
		return 0;
	}
}
