/*
 * config/fields.c: the table of tunnel settings (CLI words, file key,
 * kind, bounds, change class, help), their defaults and partner presets,
 * and the parse/format of each setting's text form.  The one place that
 * knows what a setting means; everything else walks the table.
 */
#include <ctype.h>
#include <errno.h>
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

/* Indexed by enum config_field; test_config checks the order. */
static const struct config_field_info fields[CF__COUNT] = {
	{ CF_ENABLE, "enable", "enable", CFK_FLAG, CONFIG_CHANGE_REPLACE, 0, 0,
	    NULL, "Bring the tunnel up (no enable: keep it down)" },
	{ CF_DESCRIPTION, "description", "description", CFK_TEXT,
	    CONFIG_CHANGE_IN_PLACE, 1, CONFIG_DESCRIPTION_MAX, NULL,
	    "Free text for people" },
	{ CF_PARTNER_TYPE, "partner-type", "partner-type", CFK_ENUM,
	    CONFIG_CHANGE_IN_PLACE, 0, 0, partner_words,
	    "Cloud partner preset: none, aws or azure" },
	{ CF_TUNNEL_TYPE, "tunnel-type", "tunnel-type", CFK_ENUM,
	    CONFIG_CHANGE_REPLACE, 0, 0, type_words,
	    "policy-based, or route-based (IPIP)" },
	{ CF_WAN_PORT, "wan-port", "wan-port", CFK_IFNAME,
	    CONFIG_CHANGE_REPLACE, 1, CONFIG_IFNAME_MAX, NULL,
	    "WAN interface the tunnel is bound to" },
	{ CF_LOCAL_ADDRESS, "local-address", "local-address", CFK_HOST,
	    CONFIG_CHANGE_REPLACE, 1, CONFIG_HOST_MAX, NULL,
	    "Our public IPv4 address or FQDN" },
	{ CF_REMOTE_ADDRESS, "remote-address", "remote-address", CFK_HOST,
	    CONFIG_CHANGE_REPLACE, 1, CONFIG_HOST_MAX, NULL,
	    "The peer's public IPv4 address or FQDN" },
	{ CF_LOCAL_ID, "local-id", "local-id", CFK_ID,
	    CONFIG_CHANGE_RENEGOTIATE, 1, CONFIG_ID_MAX, NULL,
	    "Our IKE identity (default: the local address)" },
	{ CF_REMOTE_ID, "remote-id", "remote-id", CFK_ID,
	    CONFIG_CHANGE_RENEGOTIATE, 1, CONFIG_ID_MAX, NULL,
	    "The peer's IKE identity (default: the remote address)" },
	{ CF_INITIATOR, "initiator", "initiator", CFK_FLAG,
	    CONFIG_CHANGE_IN_PLACE, 0, 0, NULL,
	    "Start the tunnel (no initiator: wait for the peer or traffic)" },
	{ CF_PSK, "pre-shared-key", "pre-shared-key", CFK_PSK,
	    CONFIG_CHANGE_RENEGOTIATE, CONFIG_PSK_MIN, CONFIG_PSK_MAX, NULL,
	    "Shared secret, 8-128 printable characters" },
	{ CF_LOCAL_NETWORK, "local-network", "local-network", CFK_LOCALNETS,
	    CONFIG_CHANGE_REPLACE, 0, CONFIG_NETS_MAX, NULL,
	    "A local network: vlan ID or A.B.C.D/N" },
	{ CF_REMOTE_NETWORK, "remote-network", "remote-network", CFK_PREFIXES,
	    CONFIG_CHANGE_REPLACE, 0, CONFIG_NETS_MAX, NULL,
	    "A network behind the peer: A.B.C.D/N" },
	{ CF_TRAFFIC_SELECTORS, "traffic-selectors", "traffic-selectors",
	    CFK_ENUM, CONFIG_CHANGE_REPLACE, 0, 0, ts_words,
	    "CHILD SAs: combined (one for all networks) or per-pair" },
	{ CF_CLIENT_VPN_BOUND, "client-vpn-bound", "client-vpn-bound", CFK_FLAG,
	    CONFIG_CHANGE_REPLACE, 0, 0, NULL,
	    "Client-VPN users may use the tunnel too" },
	{ CF_INSIDE_ADDRESS, "inside-address", "inside-address", CFK_IFADDR,
	    CONFIG_CHANGE_REPLACE, 30, 30, NULL,
	    "Our address on the route-based inside link: A.B.C.D/30" },
	{ CF_IKE_PROPOSAL, "ike-proposal", "ike-proposal", CFK_PROPOSALS,
	    CONFIG_CHANGE_RENEGOTIATE, 0, CONFIG_PROPOSALS_MAX, NULL,
	    "An IKE proposal: aes256gcm16-prfsha384-ecp384" },
	{ CF_ESP_PROPOSAL, "esp-proposal", "esp-proposal", CFK_PROPOSALS,
	    CONFIG_CHANGE_RENEGOTIATE, 0, CONFIG_PROPOSALS_MAX, NULL,
	    "An ESP proposal: aes256gcm16-ecp384" },
	{ CF_IKE_LIFETIME, "ike-lifetime", "ike-lifetime", CFK_SECONDS,
	    CONFIG_CHANGE_RENEGOTIATE, 900, DAY, NULL,
	    "IKE SA lifetime: 900-86400 s (28800, 480m, 8h)" },
	{ CF_CHILD_LIFETIME, "child-lifetime", "child-lifetime", CFK_SECONDS,
	    CONFIG_CHANGE_RENEGOTIATE, 300, DAY, NULL,
	    "CHILD (ESP) SA lifetime: 300-86400 s" },
	{ CF_REPLAY_WINDOW, "replay-window", "replay-window", CFK_COUNT,
	    CONFIG_CHANGE_RENEGOTIATE, 0, CONFIG_REPLAY_MAX, NULL,
	    "Inbound ESP anti-replay window: 0-4096 packets; 0 off" },
	{ CF_REKEY, "rekey", "rekey", CFK_YESNO, CONFIG_CHANGE_IN_PLACE, 0, 0,
	    NULL, "yes: we start rekeys; no: we only answer them" },
	{ CF_REAUTH, "reauthentication", "reauthentication", CFK_YESNO,
	    CONFIG_CHANGE_IN_PLACE, 0, 0, NULL,
	    "yes: re-establish the IKE SA at its lifetime instead of rekeying" },
	{ CF_DPD_ACTION, "dpd action", "dpd-action", CFK_ENUM,
	    CONFIG_CHANGE_IN_PLACE, 0, 0, dpd_words,
	    "When the peer is dead: clear, hold or restart" },
	{ CF_DPD_TIMEOUT, "dpd timeout", "dpd-timeout", CFK_SECONDS,
	    CONFIG_CHANGE_IN_PLACE, 0, 3600, NULL,
	    "Seconds between liveness checks while the peer is silent; 0 off" },
	{ CF_DPD_DELAY, "dpd delay", "dpd-delay", CFK_SECONDS,
	    CONFIG_CHANGE_IN_PLACE, 1, 3600, NULL,
	    "Seconds to wait for an answer before the DPD action" },
	{ CF_MONITOR, "monitor", "monitor", CFK_MONITOR, CONFIG_CHANGE_IN_PLACE,
	    1, CONFIG_MONITOR_INTERVAL_MAX, NULL,
	    "Ping through the tunnel: destination A.B.C.D [source vlan "
	    "ID|A.B.C.D] [interval S] [threshold N]" },
	{ CF_MTU, "mtu", "mtu", CFK_COUNT, CONFIG_CHANGE_IN_PLACE,
	    CONFIG_MTU_MIN, CONFIG_MTU_MAX, NULL,
	    "Route-based: the tunnel interface's MTU, 576-9000 bytes" },
	{ CF_TCP_MSS, "tcp-mss", "tcp-mss", CFK_COUNT, CONFIG_CHANGE_IN_PLACE,
	    CONFIG_MSS_MIN, CONFIG_MSS_MAX, NULL,
	    "Clamp the MSS of TCP SYNs through the tunnel: 536-8960; 0 off" },
};

/* Defaults of the base and of each partner (config/config.h table). */
struct preset {
	enum config_tunnel_type type;
	const char *ike[3];
	const char *esp[3];
	uint32_t ike_lifetime, child_lifetime;
	uint32_t replay_window;
	uint32_t dpd_timeout, dpd_delay;
	enum config_dpd_action dpd_action;
	bool initiator;
	uint32_t mtu, tcp_mss; /* 0: the base default; no clamp */
};

static const struct preset presets[] = {
	[CONFIG_PARTNER_NONE] = { CONFIG_TUNNEL_POLICY,
	    { "aes256gcm16-prfsha256-curve25519-ecp384-ecp256-modp2048",
		"aes256-sha256-curve25519-ecp384-ecp256-modp2048", NULL },
	    { "aes256gcm16-curve25519-ecp384-ecp256-modp2048",
		"aes256-sha256-curve25519-ecp384-ecp256-modp2048", NULL },
	    28800, 3600, 32, 10, 30, CONFIG_DPD_RESTART, true, 0, 0 },
	/*
	 * AWS Site-to-Site VPN tunnel options; no curve25519 nor chacha.
	 * The first group we offer (ecp384, 20) is one AWS takes, so our
	 * first KE payload is accepted without an INVALID_KE round trip;
	 * AWS's own replay window is 1024 packets.  AWS's documented
	 * limits: an MTU of 1446 and a TCP MSS of 1406 inside the tunnel.
	 */
	[CONFIG_PARTNER_AWS] = { CONFIG_TUNNEL_ROUTE,
	    { "aes256gcm16-prfsha384-ecp384", "aes256-sha256-modp2048", NULL },
	    { "aes256gcm16-ecp384", "aes256-sha256-modp2048", NULL }, 28800,
	    3600, 1024, 10, 30, CONFIG_DPD_RESTART, true, 1446, 1406 },
	/* Azure VPN gateway custom IPsec/IKE policy; Azure asks for TCP
	 * MSS clamping at 1350 (its gateways' MTU is 1400). */
	[CONFIG_PARTNER_AZURE] = { CONFIG_TUNNEL_ROUTE,
	    { "aes256-sha256-modp2048", "aes256-sha256-ecp384", NULL },
	    { "aes256gcm16", "aes256-sha256", NULL }, 28800, 27000, 32, 15, 45,
	    CONFIG_DPD_RESTART, true, 0, 1350 },
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

static void
set_proposals(char dst[][CONFIG_PROPOSAL_LEN], size_t *n,
    const char *const *src)
{
	*n = 0;
	for (; *n < 3 && src[*n] != NULL; (*n)++)
		snprintf(dst[*n], CONFIG_PROPOSAL_LEN, "%s", src[*n]);
}

/*
 * Rewrites every setting that was not explicitly set from the partner's
 * preset, or the base defaults: the fields always hold effective values.
 */
void
tunnel_apply_defaults(struct config_tunnel *t)
{
	const struct preset *p = &presets[t->partner];

#define UNSET(f) (!(t->set & (1u << (f))))
	if (UNSET(CF_ENABLE))
		t->enable = true;
	if (UNSET(CF_DESCRIPTION))
		t->description[0] = '\0';
	if (UNSET(CF_PARTNER_TYPE))
		t->partner = CONFIG_PARTNER_NONE;
	p = &presets[t->partner];
	if (UNSET(CF_TUNNEL_TYPE))
		t->type = p->type;
	if (UNSET(CF_WAN_PORT))
		t->wan_port[0] = '\0';
	if (UNSET(CF_LOCAL_ADDRESS))
		t->local_address[0] = '\0';
	if (UNSET(CF_REMOTE_ADDRESS))
		t->remote_address[0] = '\0';
	if (UNSET(CF_LOCAL_ID))
		t->local_id[0] = '\0';
	if (UNSET(CF_REMOTE_ID))
		t->remote_id[0] = '\0';
	if (UNSET(CF_INITIATOR))
		t->initiator = p->initiator;
	if (UNSET(CF_PSK)) {
		secbuf_free(t->psk);
		t->psk = NULL;
	}
	if (UNSET(CF_LOCAL_NETWORK))
		t->n_local = 0;
	if (UNSET(CF_REMOTE_NETWORK))
		t->n_remote = 0;
	/* Not in the azure preset: its route-based gateways take one
	 * combined CHILD SA; policy-based ones need per-pair (azure.c). */
	if (UNSET(CF_TRAFFIC_SELECTORS))
		t->ts_mode = CONFIG_TS_COMBINED;
	if (UNSET(CF_CLIENT_VPN_BOUND))
		t->client_vpn_bound = false;
	if (UNSET(CF_INSIDE_ADDRESS)) {
		t->inside_addr = 0;
		t->inside_len = 0;
	}
	if (UNSET(CF_IKE_PROPOSAL))
		set_proposals(t->ike_proposals, &t->n_ike_proposals, p->ike);
	if (UNSET(CF_ESP_PROPOSAL))
		set_proposals(t->esp_proposals, &t->n_esp_proposals, p->esp);
	if (UNSET(CF_IKE_LIFETIME))
		t->ike_lifetime = p->ike_lifetime;
	if (UNSET(CF_CHILD_LIFETIME))
		t->child_lifetime = p->child_lifetime;
	if (UNSET(CF_REPLAY_WINDOW))
		t->replay_window = p->replay_window;
	if (UNSET(CF_REKEY))
		t->rekey = true;
	if (UNSET(CF_REAUTH))
		t->reauth = false;
	if (UNSET(CF_DPD_ACTION))
		t->dpd_action = p->dpd_action;
	if (UNSET(CF_DPD_TIMEOUT))
		t->dpd_timeout = p->dpd_timeout;
	if (UNSET(CF_DPD_DELAY))
		t->dpd_delay = p->dpd_delay;
	if (UNSET(CF_MONITOR))
		memset(&t->monitor, 0, sizeof(t->monitor));
	if (UNSET(CF_MTU))
		t->mtu = p->mtu ? p->mtu : CONFIG_MTU_DEFAULT;
	if (UNSET(CF_TCP_MSS))
		t->tcp_mss = p->tcp_mss;
#undef UNSET
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
	return prefix4_parse(v, &out->prefix);
}

/* Says why a prefix did not parse: host bits get a suggestion. */
static void
prefix_error(struct diag *d, const char *who, const char *what, const char *v)
{
	uint32_t a;
	uint8_t len;
	struct prefix4 p;
	char buf[PREFIX4_STRLEN];

	if (ifaddr4_parse(v, &a, &len) == 0) {
		p.addr = a & prefix4_mask(len);
		p.len = len;
		prefix4_format(&p, buf, sizeof(buf));
		diag_error(d, "%s: %s %s has host bits set; did you mean %s?",
		    who, what, v, buf);
		return;
	}
	diag_error(d, "%s: %s \"%s\" is not a prefix: write A.B.C.D/N", who,
	    what, v);
}

static bool
localnet_equal(const struct config_local_net *a,
    const struct config_local_net *b)
{
	return a->vlan == b->vlan && a->prefix.addr == b->prefix.addr &&
	    a->prefix.len == b->prefix.len;
}

static int
set_list(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	struct config_local_net ln;
	struct prefix4 p;
	struct config_proposal prop;
	bool ike = fi->id == CF_IKE_PROPOSAL;
	size_t *n;

	if (v == NULL || v[0] == '\0') {
		diag_error(d, "%s: %s needs a value", who, fi->cli);
		return -EINVAL;
	}
	switch (fi->kind) {
	case CFK_LOCALNETS:
		if (parse_localnet(v, &ln) < 0) {
			if (strncmp(v, "vlan", 4) == 0)
				diag_error(d,
				    "%s: local-network %s: a VLAN ID "
				    "is 1-4094",
				    who, v);
			else
				prefix_error(d, who, "local-network", v);
			return -EINVAL;
		}
		for (size_t i = 0; i < t->n_local; i++)
			if (localnet_equal(&t->local_nets[i], &ln))
				return 0;
		if (t->n_local == CONFIG_NETS_MAX)
			goto full;
		t->local_nets[t->n_local++] = ln;
		return 0;
	case CFK_PREFIXES:
		if (prefix4_parse(v, &p) < 0) {
			prefix_error(d, who, fi->cli, v);
			return -EINVAL;
		}
		for (size_t i = 0; i < t->n_remote; i++)
			if (prefix4_cmp(&t->remote_nets[i], &p) == 0)
				return 0;
		if (t->n_remote == CONFIG_NETS_MAX)
			goto full;
		t->remote_nets[t->n_remote++] = p;
		return 0;
	default: /* CFK_PROPOSALS */
		if (strlen(v) >= CONFIG_PROPOSAL_LEN) {
			diag_error(d,
			    "%s: %s is too long (at most %d characters)", who,
			    fi->cli, CONFIG_PROPOSAL_LEN - 1);
			return -EINVAL;
		}
		if (config_proposal_parse(v, ike, &prop, NULL) < 0) {
			struct diag sub;

			diag_init(&sub);
			config_proposal_parse(v, ike, &prop, &sub);
			for (size_t i = 0; i < sub.count; i++)
				diag_error(d, "%s: %s %s: %s", who, fi->cli, v,
				    sub.entries[i].text);
			diag_clear(&sub);
			return -EINVAL;
		}
		n = ike ? &t->n_ike_proposals : &t->n_esp_proposals;
		/* The first explicit proposal replaces the defaults. */
		if (!(t->set & (1u << fi->id)))
			*n = 0;
		for (size_t i = 0; i < *n; i++)
			if (strcmp(ike ? t->ike_proposals[i] :
					 t->esp_proposals[i],
				v) == 0)
				return 0;
		if (*n == CONFIG_PROPOSALS_MAX)
			goto full;
		snprintf(ike ? t->ike_proposals[*n] : t->esp_proposals[*n],
		    CONFIG_PROPOSAL_LEN, "%s", v);
		(*n)++;
		return 0;
	}
full:
	diag_error(d, "%s: too many %s values (at most %u); remove one first",
	    who, fi->cli, fi->max);
	return -ENOSPC;
}

static int
set_host(const struct config_field_info *fi, char *dst, size_t dstlen,
    const char *v, const char *who, struct diag *d)
{
	uint32_t a;

	if (addr4_parse(v, &a) == 0 || fqdn_valid(v)) {
		if (fi->kind == CFK_HOST && addr4_parse(v, &a) == 0 &&
		    (a == 0 || a >= 0xe0000000u)) {
			diag_error(d, "%s: %s %s is not a unicast address", who,
			    fi->cli, v);
			return -EINVAL;
		}
		snprintf(dst, dstlen, "%s", v);
		return 0;
	}
	diag_error(d,
	    "%s: %s \"%s\" is neither an IPv4 address nor a fully "
	    "qualified domain name",
	    who, fi->cli, v);
	return -EINVAL;
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

/* The number a CFK_COUNT setting lives in. */
static uint32_t *
count_of(struct config_tunnel *t, enum config_field f)
{
	if (f == CF_MTU)
		return &t->mtu;
	if (f == CF_TCP_MSS)
		return &t->tcp_mss;
	return &t->replay_window;
}

static int
set_count(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	bool mss = fi->id == CF_TCP_MSS;
	unsigned long n;
	char *end;

	errno = 0;
	n = isdigit((unsigned char)v[0]) ? strtoul(v, &end, 10) : 0;
	/* tcp-mss 0 turns off the clamp a partner preset sets. */
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 ||
	    ((n < fi->min || n > fi->max) && !(mss && n == 0))) {
		diag_error(d,
		    "%s: %s \"%s\" is not a number of %s: give %u-%u%s", who,
		    fi->cli, v,
		    fi->id == CF_REPLAY_WINDOW ? "packets" : "bytes", fi->min,
		    fi->max, mss ? ", or 0 for no clamp" : "");
		return -ERANGE;
	}
	*count_of(t, fi->id) = (uint32_t)n;
	return 0;
}

/* A number of the monitor's, within 1-max. */
static int
monitor_number(const char *w, uint32_t max, bool secs, uint32_t *out)
{
	unsigned long n;
	char *end;

	if (secs)
		return config_parse_seconds(w, out) == 0 && *out >= 1 &&
			*out <= max ?
		    0 :
		    -ERANGE;
	if (!isdigit((unsigned char)w[0]))
		return -EINVAL;
	errno = 0;
	n = strtoul(w, &end, 10);
	if (*end != '\0' || errno != 0 || n < 1 || n > max)
		return -ERANGE;
	*out = (uint32_t)n;
	return 0;
}

/*
 * "destination A.B.C.D [source vlan ID|A.B.C.D] [interval S] [threshold
 * N]", the words after destination in any order.  Only the form: which
 * addresses fit the tunnel is validate.c's.
 */
static int
set_monitor(struct config_tunnel *t, const char *v, const char *who,
    struct diag *d)
{
	struct config_monitor m = { 0, 0, 0, CONFIG_MONITOR_INTERVAL,
		CONFIG_MONITOR_THRESHOLD };
	char buf[160], *save = NULL, *w, *arg, *end = NULL;
	unsigned long id;

	if (strlen(v) >= sizeof(buf))
		goto usage;
	snprintf(buf, sizeof(buf), "%s", v);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		if ((arg = strtok_r(NULL, " ", &save)) == NULL)
			goto usage;
		if (strcmp(w, "destination") == 0) {
			if (addr4_parse(arg, &m.dst) < 0 || m.dst == 0 ||
			    m.dst >= 0xe0000000u) {
				diag_error(d,
				    "%s: monitor destination \"%s\" is not a "
				    "unicast IPv4 address: give a host behind "
				    "the peer, like 10.2.0.10",
				    who, arg);
				return -EINVAL;
			}
		} else if (strcmp(w, "source") == 0 &&
		    strcmp(arg, "vlan") == 0) {
			arg = strtok_r(NULL, " ", &save);
			id = arg != NULL && isdigit((unsigned char)arg[0]) ?
			    strtoul(arg, &end, 10) :
			    0;
			if (arg == NULL || id < CONFIG_VLAN_MIN ||
			    id > CONFIG_VLAN_MAX || *end != '\0') {
				diag_error(d,
				    "%s: monitor source vlan: a VLAN ID is "
				    "1-4094",
				    who);
				return -EINVAL;
			}
			m.src_vlan = (uint16_t)id;
			m.src_addr = 0;
		} else if (strcmp(w, "source") == 0) {
			if (addr4_parse(arg, &m.src_addr) < 0 ||
			    m.src_addr == 0 || m.src_addr >= 0xe0000000u) {
				diag_error(d,
				    "%s: monitor source \"%s\" is neither "
				    "vlan ID nor a unicast IPv4 address",
				    who, arg);
				return -EINVAL;
			}
			m.src_vlan = 0;
		} else if (strcmp(w, "interval") == 0) {
			if (monitor_number(arg, CONFIG_MONITOR_INTERVAL_MAX,
				true, &m.interval) < 0) {
				diag_error(d,
				    "%s: monitor interval \"%s\" is out of "
				    "range: give 1-%u seconds",
				    who, arg, CONFIG_MONITOR_INTERVAL_MAX);
				return -ERANGE;
			}
		} else if (strcmp(w, "threshold") == 0) {
			if (monitor_number(arg, CONFIG_MONITOR_THRESHOLD_MAX,
				false, &m.threshold) < 0) {
				diag_error(d,
				    "%s: monitor threshold \"%s\" is out of "
				    "range: give 1-%u probes",
				    who, arg, CONFIG_MONITOR_THRESHOLD_MAX);
				return -ERANGE;
			}
		} else {
			goto usage;
		}
	}
	if (m.dst == 0)
		goto usage;
	t->monitor = m;
	return 0;
usage:
	diag_error(d,
	    "%s: monitor \"%.60s\": write monitor destination A.B.C.D "
	    "[source vlan ID|A.B.C.D] [interval S] [threshold N]",
	    who, v);
	return -EINVAL;
}

static int
set_scalar(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, const char *who, struct diag *d)
{
	uint32_t secs, a;
	uint8_t len;
	bool b;
	int e;

	switch (fi->kind) {
	case CFK_FLAG:
	case CFK_YESNO:
		if (parse_yesno(v, &b) < 0) {
			diag_error(d, "%s: %s takes yes or no, not \"%s\"", who,
			    fi->cli, v);
			return -EINVAL;
		}
		switch (fi->id) {
		case CF_ENABLE:
			t->enable = b;
			break;
		case CF_INITIATOR:
			t->initiator = b;
			break;
		case CF_CLIENT_VPN_BOUND:
			t->client_vpn_bound = b;
			break;
		case CF_REKEY:
			t->rekey = b;
			break;
		default:
			t->reauth = b;
			break;
		}
		return 0;
	case CFK_TEXT:
		if (strlen(v) > fi->max || !text_printable(v)) {
			diag_error(d,
			    "%s: description must be printable text "
			    "of at most %u characters",
			    who, fi->max);
			return -EINVAL;
		}
		snprintf(t->description, sizeof(t->description), "%s", v);
		return 0;
	case CFK_HOST:
	case CFK_ID:
		return set_host(fi,
		    fi->id == CF_LOCAL_ADDRESS	    ? t->local_address :
			fi->id == CF_REMOTE_ADDRESS ? t->remote_address :
			fi->id == CF_LOCAL_ID	    ? t->local_id :
						      t->remote_id,
		    CONFIG_HOST_MAX + 1, v, who, d);
	case CFK_IFNAME:
		if (!ifname_valid(v)) {
			diag_error(d,
			    "%s: wan-port \"%s\" is not an interface "
			    "name (1-15 of A-Z a-z 0-9 . _ -, starting with a "
			    "letter)",
			    who, v);
			return -EINVAL;
		}
		snprintf(t->wan_port, sizeof(t->wan_port), "%s", v);
		return 0;
	case CFK_PSK:
		if (strlen(v) < fi->min || strlen(v) > fi->max ||
		    !text_printable(v)) {
			/* Never echo the value: it is a secret. */
			diag_error(d,
			    "%s: pre-shared-key must be %u-%u printable "
			    "characters (got %zu)",
			    who, fi->min, fi->max, strlen(v));
			return -EINVAL;
		}
		secbuf_free(t->psk);
		t->psk = secbuf_from_str(v);
		return t->psk != NULL ? 0 : -ENOMEM;
	case CFK_ENUM:
		if (parse_enum(fi, v, &e) < 0) {
			char words[96] = { 0 };

			for (int i = 0; fi->words[i] != NULL; i++) {
				strncat(words, i ? ", " : "",
				    sizeof(words) - strlen(words) - 1);
				strncat(words, fi->words[i],
				    sizeof(words) - strlen(words) - 1);
			}
			diag_error(d, "%s: %s \"%s\" is not one of %s", who,
			    fi->cli, v, words);
			return -EINVAL;
		}
		if (fi->id == CF_PARTNER_TYPE)
			t->partner = (enum config_partner)e;
		else if (fi->id == CF_TUNNEL_TYPE)
			t->type = (enum config_tunnel_type)e;
		else if (fi->id == CF_TRAFFIC_SELECTORS)
			t->ts_mode = (enum config_ts_mode)e;
		else
			t->dpd_action = (enum config_dpd_action)e;
		return 0;
	case CFK_SECONDS:
		e = config_parse_seconds(v, &secs);
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
		if (fi->id == CF_IKE_LIFETIME)
			t->ike_lifetime = secs;
		else if (fi->id == CF_CHILD_LIFETIME)
			t->child_lifetime = secs;
		else if (fi->id == CF_DPD_TIMEOUT)
			t->dpd_timeout = secs;
		else
			t->dpd_delay = secs;
		return 0;
	case CFK_COUNT:
		return set_count(t, fi, v, who, d);
	case CFK_MONITOR:
		return set_monitor(t, v, who, d);
	case CFK_IFADDR:
		if (ifaddr4_parse(v, &a, &len) < 0 || len != 30) {
			diag_error(d,
			    "%s: inside-address \"%s\" must be our "
			    "address on a /30, like 169.254.10.2/30",
			    who, v);
			return -EINVAL;
		}
		if ((a & 3) == 0 || (a & 3) == 3) {
			diag_error(d,
			    "%s: inside-address %s is the network or "
			    "broadcast address of its /30; use .1 or .2 of it",
			    who, v);
			return -EINVAL;
		}
		t->inside_addr = a;
		t->inside_len = len;
		return 0;
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
	if (fi->kind == CFK_LOCALNETS || fi->kind == CFK_PREFIXES ||
	    fi->kind == CFK_PROPOSALS)
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

static int
unset_list_item(struct config_tunnel *t, const struct config_field_info *fi,
    const char *v, struct diag *d)
{
	struct config_local_net ln;
	struct prefix4 p;
	size_t i, *n;

	switch (fi->kind) {
	case CFK_LOCALNETS:
		if (parse_localnet(v, &ln) == 0)
			for (i = 0; i < t->n_local; i++)
				if (localnet_equal(&t->local_nets[i], &ln)) {
					memmove(&t->local_nets[i],
					    &t->local_nets[i + 1],
					    (t->n_local - i - 1) * sizeof(ln));
					t->n_local--;
					return 0;
				}
		break;
	case CFK_PREFIXES:
		if (prefix4_parse(v, &p) == 0)
			for (i = 0; i < t->n_remote; i++)
				if (prefix4_cmp(&t->remote_nets[i], &p) == 0) {
					memmove(&t->remote_nets[i],
					    &t->remote_nets[i + 1],
					    (t->n_remote - i - 1) * sizeof(p));
					t->n_remote--;
					return 0;
				}
		break;
	default: {
		char(*list)[CONFIG_PROPOSAL_LEN] = fi->id == CF_IKE_PROPOSAL ?
		    t->ike_proposals :
		    t->esp_proposals;

		n = fi->id == CF_IKE_PROPOSAL ? &t->n_ike_proposals :
						&t->n_esp_proposals;
		if (t->set & (1u << fi->id))
			for (i = 0; i < *n; i++)
				if (strcmp(list[i], v) == 0) {
					memmove(list[i], list[i + 1],
					    (*n - i - 1) * sizeof(list[0]));
					(*n)--;
					return 0;
				}
		break;
	}
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
	bool list;
	int rc;

	if (fi == NULL)
		return -EINVAL;
	list = fi->kind == CFK_LOCALNETS || fi->kind == CFK_PREFIXES ||
	    fi->kind == CFK_PROPOSALS;
	if (list && value != NULL) {
		rc = unset_list_item(t, fi, value, d);
		if (rc < 0)
			return rc;
		if ((fi->kind == CFK_LOCALNETS && t->n_local > 0) ||
		    (fi->kind == CFK_PREFIXES && t->n_remote > 0) ||
		    (fi->id == CF_IKE_PROPOSAL && t->n_ike_proposals > 0) ||
		    (fi->id == CF_ESP_PROPOSAL && t->n_esp_proposals > 0))
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

static size_t
format_list(const struct config_tunnel *t, enum config_field f, size_t i,
    char *buf, size_t len)
{
	const struct config_local_net *ln;

	switch (f) {
	case CF_LOCAL_NETWORK:
		if (i < t->n_local) {
			ln = &t->local_nets[i];
			if (ln->vlan != 0)
				snprintf(buf, len, "vlan %u", ln->vlan);
			else
				prefix4_format(&ln->prefix, buf, len);
		}
		return t->n_local;
	case CF_REMOTE_NETWORK:
		if (i < t->n_remote)
			prefix4_format(&t->remote_nets[i], buf, len);
		return t->n_remote;
	case CF_IKE_PROPOSAL:
		if (i < t->n_ike_proposals)
			snprintf(buf, len, "%s", t->ike_proposals[i]);
		return t->n_ike_proposals;
	default:
		if (i < t->n_esp_proposals)
			snprintf(buf, len, "%s", t->esp_proposals[i]);
		return t->n_esp_proposals;
	}
}

/* "destination 10.2.0.10 source vlan 10 interval 10 threshold 10" */
static size_t
format_monitor(const struct config_monitor *m, char *buf, size_t len)
{
	char dst[ADDR4_STRLEN], src[ADDR4_STRLEN + 8] = "";
	char a[ADDR4_STRLEN];

	if (m->dst == 0)
		return 0;
	addr4_format(m->dst, dst, sizeof(dst));
	if (m->src_vlan != 0)
		snprintf(src, sizeof(src), " source vlan %u", m->src_vlan);
	else if (m->src_addr != 0) {
		addr4_format(m->src_addr, a, sizeof(a));
		snprintf(src, sizeof(src), " source %s", a);
	}
	snprintf(buf, len, "destination %s%s interval %u threshold %u", dst,
	    src, m->interval, m->threshold);
	return 1;
}

size_t
config_tunnel_format(const struct config_tunnel *t, enum config_field f,
    size_t i, bool show_secrets, char *buf, size_t len)
{
	const struct config_field_info *fi = config_field_info(f);
	char a[ADDR4_STRLEN];
	bool b;

	if (len == 0 || fi == NULL)
		return 0;
	buf[0] = '\0';
	switch (fi->kind) {
	case CFK_LOCALNETS:
	case CFK_PREFIXES:
	case CFK_PROPOSALS:
		return format_list(t, f, i, buf, len);
	case CFK_FLAG:
	case CFK_YESNO:
		b = f == CF_ENABLE	     ? t->enable :
		    f == CF_INITIATOR	     ? t->initiator :
		    f == CF_CLIENT_VPN_BOUND ? t->client_vpn_bound :
		    f == CF_REKEY	     ? t->rekey :
					       t->reauth;
		snprintf(buf, len, "%s", b ? "yes" : "no");
		return 1;
	case CFK_TEXT:
		snprintf(buf, len, "%s", t->description);
		return t->description[0] != '\0';
	case CFK_HOST:
	case CFK_ID:
		snprintf(buf, len, "%s",
		    f == CF_LOCAL_ADDRESS      ? t->local_address :
			f == CF_REMOTE_ADDRESS ? t->remote_address :
			f == CF_LOCAL_ID       ? t->local_id :
						 t->remote_id);
		return buf[0] != '\0';
	case CFK_IFNAME:
		snprintf(buf, len, "%s", t->wan_port);
		return buf[0] != '\0';
	case CFK_PSK:
		if (t->psk == NULL)
			return 0;
		snprintf(buf, len, "%s",
		    show_secrets ? (const char *)t->psk->data : "********");
		return 1;
	case CFK_ENUM:
		snprintf(buf, len, "%s",
		    f == CF_PARTNER_TYPE    ? config_partner_name(t->partner) :
			f == CF_TUNNEL_TYPE ? config_tunnel_type_name(t->type) :
			f == CF_TRAFFIC_SELECTORS ?
					      config_ts_mode_name(t->ts_mode) :
					      config_dpd_action_name(
						  t->dpd_action));
		return 1;
	case CFK_SECONDS:
		snprintf(buf, len, "%u",
		    f == CF_IKE_LIFETIME       ? t->ike_lifetime :
			f == CF_CHILD_LIFETIME ? t->child_lifetime :
			f == CF_DPD_TIMEOUT    ? t->dpd_timeout :
						 t->dpd_delay);
		return 1;
	case CFK_COUNT:
		snprintf(buf, len, "%u",
		    f == CF_MTU		? t->mtu :
			f == CF_TCP_MSS ? t->tcp_mss :
					  t->replay_window);
		return 1;
	case CFK_IFADDR:
		if (t->inside_len == 0)
			return 0;
		addr4_format(t->inside_addr, a, sizeof(a));
		snprintf(buf, len, "%s/%u", a, t->inside_len);
		return 1;
	case CFK_MONITOR:
		return format_monitor(&t->monitor, buf, len);
	}
	return 0;
}
