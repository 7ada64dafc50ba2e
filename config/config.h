/*
 * config/config.h: the one typed configuration model of tunsh, its
 * validation, its file form, the diff of two models into an apply plan,
 * and the commit engine with its history.
 *
 * A struct config is a whole configuration: system settings, WAN
 * interfaces, VLANs, the client-VPN pool and IPsec tunnels.  Tunnels are
 * shared between copies (copy on write), so a session's candidate costs a
 * pointer per tunnel and a commit touches only what changed.
 *
 * A tunnel stores each value once, typed, sized to what it holds: text
 * that is usually absent is a heap string (NULL = unset), lists are
 * arrays of their length, proposals are kept parsed (transform ids) with
 * their text, and an address is a struct ipaddr unless it is an FQDN.
 *
 * Adding a tunnel setting:
 *   1. a member in struct config_tunnel and an enum config_field value
 *      (in the order the setting is shown);
 *   2. one row in config/fields.c's table: CLI words, file key, kind,
 *      change class, bounds, the member (.off = offsetof(...)), its
 *      default (.def) and help.  Setting, unsetting, formatting, the file,
 *      render and JSON then follow from the kind;
 *   3. if a partner preset sets it: one line in that preset's values
 *      (config/tunnel.c).
 * A new kind of value (not a number, flag, word, duration, text or
 * address) needs its parse and format in fields.c as well.
 */
#ifndef TUNSH_CONFIG_H
#define TUNSH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/lib.h"

#define CONFIG_TUNNEL_NAME_MAX 32
#define CONFIG_HOSTNAME_MAX    63
#define CONFIG_IFNAME_MAX      15
#define CONFIG_VLAN_NAME_MAX   32
#define CONFIG_HOST_MAX	       253 /* an FQDN */
#define CONFIG_ID_MAX	       253
#define CONFIG_DESCRIPTION_MAX 255
#define CONFIG_PSK_MIN	       8
#define CONFIG_PSK_MAX	       128
#define CONFIG_NETS_MAX	       32  /* remote or local networks per tunnel */
#define CONFIG_PROPOSALS_MAX   8   /* proposals per list */
#define CONFIG_PROPOSAL_LEN    128 /* one proposal, with its NUL */
#define CONFIG_PROPOSAL_ALGS   8   /* transforms of one type in one */
#define CONFIG_VLAN_MIN	       1
#define CONFIG_VLAN_MAX	       4094
#define CONFIG_REPLAY_MAX      4096 /* packets: the kernel's bitmap limit */
/* "[IPv6]:PORT" at its longest with its NUL: INET6_ADDRSTRLEN (46, NUL
 * included) and "[]:65535". */
#define CONFIG_LISTEN_MAX      54
/* A route-based interface's MTU: IPv4's minimum datagram (RFC 791) up to
 * a jumbo frame; and the TCP MSS a clamp may set: RFC 1122's default up
 * to what the largest MTU carries. */
#define CONFIG_MTU_MIN	       576
#define CONFIG_MTU_MAX	       9000
#define CONFIG_MTU_DEFAULT     1400 /* room for ESP in a 1500 path */
#define CONFIG_MSS_MIN	       536
#define CONFIG_MSS_MAX	       (CONFIG_MTU_MAX - 40)

enum config_partner {
	CONFIG_PARTNER_NONE,
	CONFIG_PARTNER_AWS,
	CONFIG_PARTNER_AZURE,
};

enum config_dpd_action {
	CONFIG_DPD_CLEAR,
	CONFIG_DPD_HOLD,
	CONFIG_DPD_RESTART,
};

enum config_tunnel_type {
	CONFIG_TUNNEL_POLICY,
	CONFIG_TUNNEL_ROUTE,
};

/* CHILD SAs of a policy-based tunnel: one for all networks, or one per
 * local x remote pair (Azure policy-based, Cisco ASA). */
enum config_ts_mode {
	CONFIG_TS_COMBINED,
	CONFIG_TS_PER_PAIR,
};

/*
 * What a change of a setting costs a live tunnel, in increasing order: the
 * plan of a tunnel is the largest class among its changed settings.  All
 * take effect at the commit, make-before-break where the peer allows it;
 * tunsh.conf(5), IPSEC TUNNELS, says the same for the user.
 */
enum config_change {
	CONFIG_CHANGE_NONE,
	CONFIG_CHANGE_IN_PLACE, /* no new keys: DPD timers, flags, text */
	/* The negotiation's own settings (PSK, proposals, IDs, lifetimes):
	 * reauthenticated at the commit, new IKE and CHILD SAs in before
	 * the old ones go; if that fails the old ones carry on. */
	CONFIG_CHANGE_RENEGOTIATE,
	/* What is carried or where (networks, addresses, type): policies
	 * and routes for the new values, new CHILD SAs under the IKE SA (a
	 * new peer address: new SAs altogether). */
	CONFIG_CHANGE_REPLACE,
};

/* The settings of an ipsec tunnel, in the order they are shown. */
enum config_field {
	CF_ENABLE,
	CF_DESCRIPTION,
	CF_PARTNER_TYPE,
	CF_TUNNEL_TYPE,
	CF_WAN_PORT,
	CF_LOCAL_ADDRESS,
	CF_REMOTE_ADDRESS,
	CF_LOCAL_ID,
	CF_REMOTE_ID,
	CF_INITIATOR,
	CF_PSK,
	CF_LOCAL_NETWORK,
	CF_REMOTE_NETWORK,
	CF_TRAFFIC_SELECTORS,
	CF_CLIENT_VPN_BOUND,
	CF_INSIDE_ADDRESS,
	CF_IKE_PROPOSAL,
	CF_ESP_PROPOSAL,
	CF_IKE_LIFETIME,
	CF_CHILD_LIFETIME,
	CF_REPLAY_WINDOW,
	CF_REKEY,
	CF_REAUTH,
	CF_DPD_ACTION,
	CF_DPD_TIMEOUT,
	CF_DPD_DELAY,
	CF_MONITOR,
	CF_MTU,
	CF_TCP_MSS,
	CF__COUNT
};

enum config_field_kind {
	CFK_FLAG,      /* "enable" / "no enable" */
	CFK_YESNO,     /* "rekey yes|no" */
	CFK_TEXT,      /* free text (description) */
	CFK_HOST,      /* IPv4 or IPv6 address, or FQDN */
	CFK_ID,	       /* IKE identity: IPv4 or IPv6 address, or FQDN */
	CFK_IFNAME,    /* a WAN interface name */
	CFK_PSK,       /* secret: 8-128 printable characters */
	CFK_ENUM,      /* one word of a fixed set */
	CFK_SECONDS,   /* a duration: 28800, 480m, 8h */
	CFK_COUNT,     /* a plain number within min-max */
	CFK_PREFIXES,  /* list of prefixes of either family */
	CFK_LOCALNETS, /* list of "vlan ID" or prefixes of either family */
	CFK_PROPOSALS, /* list of strongSwan-style proposals */
	CFK_IFADDR,    /* ADDR/N with host bits (inside-address) */
	CFK_MONITOR,   /* "destination A.B.C.D [source ...] [interval S] ..." */
};

struct config_field_info {
	enum config_field id;
	const char *cli; /* words in the CLI: "dpd timeout" */
	const char *key; /* key in the file: "dpd-timeout" */
	enum config_field_kind kind;
	enum config_change change;
	uint32_t min, max;	  /* bounds of numbers; lengths of text */
	const char *const *words; /* CFK_ENUM: the words, by enum value */
	const char *help;
	/* Where the value lives in struct config_tunnel: a bool (FLAG,
	 * YESNO), an enum (ENUM), a uint32_t (SECONDS, COUNT), a char *
	 * (TEXT, ID), a struct config_host (HOST), char[] (IFNAME), a
	 * struct secbuf * (PSK), a struct config_proposals (PROPOSALS),
	 * struct config_monitor (MONITOR). */
	size_t off;
	uint32_t def;	  /* default of a number, flag or enum */
	const char *unit; /* COUNT: what is counted, for errors */
	bool zero_off;	  /* COUNT: 0 is allowed, meaning off */
	bool ike;	  /* PROPOSALS: IKE's rules, not ESP's */
};

const struct config_field_info *config_field_info(enum config_field f);
/* By CLI words ("dpd timeout") or file key ("dpd-timeout"); NULL if none. */
const struct config_field_info *config_field_lookup(const char *name);

#define CONFIG_MONITOR_INTERVAL	     10 /* seconds between probes: Junos's */
#define CONFIG_MONITOR_INTERVAL_MAX  3600
#define CONFIG_MONITOR_THRESHOLD     10 /* unanswered in a row: Junos's */
#define CONFIG_MONITOR_THRESHOLD_MAX 100

/*
 * Traffic monitoring of a tunnel (Junos vpn-monitor, IOS IP SLA): ICMP
 * echo to dst through the tunnel, from src_addr or from this firewall's
 * address in VLAN src_vlan (both 0: the inside address of a route-based
 * tunnel, else an address in its first local network).
 */
struct config_monitor {
	uint32_t dst; /* 0: no monitor */
	uint32_t src_addr;
	uint16_t src_vlan;
	uint32_t interval;  /* seconds */
	uint32_t threshold; /* probes unanswered in a row: down */
};

/*
 * A local network: a VLAN reference (vlan != 0; it stands for the VLAN's
 * subnets, one per family) or a prefix of either family.
 */
struct config_local_net {
	uint16_t vlan;
	struct ipaddr prefix;
};

/*
 * The transforms of one proposal, as IANA ids in the order given (what
 * the IKE engine's struct ike_algs holds): parsed once, when it is set.
 */
struct config_algs {
	uint8_t n_encr, n_prf, n_integ, n_dh;
	uint16_t encr[CONFIG_PROPOSAL_ALGS], encr_bits[CONFIG_PROPOSAL_ALGS];
	uint16_t prf[CONFIG_PROPOSAL_ALGS], integ[CONFIG_PROPOSAL_ALGS];
	uint16_t dh[CONFIG_PROPOSAL_ALGS];
};

/* One proposal: its text as typed (shown back as such) and its parse. */
struct config_prop {
	const char *text;
	struct config_algs algs;
};

/*
 * A list of proposals in preference order.  A preset's list is shared by
 * every tunnel that has it (static storage, never freed); a list the user
 * set is the tunnel's own, text included.
 */
struct config_proposals {
	struct config_prop *v;
	uint8_t n;
	bool shared;
};

/* A peer or local address: an IP literal, typed, or an FQDN's text.
 * Unset: ip.family 0 and name NULL. */
struct config_host {
	struct ipaddr ip;
	char *name;
};

struct config_tunnel {
	unsigned refs; /* shared between copies of a config */
	uint32_t set;  /* bit (1 << enum config_field): explicitly set */
	char name[CONFIG_TUNNEL_NAME_MAX + 1];
	char wan_port[CONFIG_IFNAME_MAX + 1];
	char *description; /* NULL = none */
	bool enable;
	enum config_partner partner;
	enum config_tunnel_type type;
	struct config_host local_address; /* unset = the WAN port's */
	struct config_host remote_address;
	char *local_id;	 /* NULL = local address */
	char *remote_id; /* NULL = remote address */
	bool initiator;
	struct secbuf *psk; /* NULL = not set */
	/* At most CONFIG_NETS_MAX each; arrays of their length.  Either
	 * family, mixed: a CHILD SA carries the selectors of both. */
	struct config_local_net *local_nets;
	size_t n_local;
	struct ipaddr *remote_nets; /* prefixes, no host bits */
	size_t n_remote;
	enum config_ts_mode ts_mode;
	bool client_vpn_bound;
	/* Route-based: our address on the inside link with its prefix
	 * length (169.254.10.2/30, fd00::2/126); family 0 = none. */
	struct ipaddr inside_addr;
	struct config_proposals ike_proposals, esp_proposals;
	uint32_t ike_lifetime;	 /* seconds */
	uint32_t child_lifetime; /* seconds */
	uint32_t replay_window;	 /* packets of inbound ESP; 0 = off */
	bool rekey;
	bool reauth;
	enum config_dpd_action dpd_action;
	uint32_t dpd_timeout; /* seconds between checks while silent; 0 = off */
	uint32_t dpd_delay;   /* seconds to wait for an answer */
	struct config_monitor monitor;
	uint32_t mtu;	  /* route-based: its interface's MTU */
	uint32_t tcp_mss; /* clamp of TCP SYNs' MSS; 0 = none */
};

/*
 * What a WAN port or a VLAN has once per family: slot CONFIG_V4 holds the
 * IPv4 one, CONFIG_V6 the IPv6 one; family 0 = none of that family.
 */
enum config_family_slot {
	CONFIG_V4,
	CONFIG_V6,
	CONFIG_FAMILIES,
};

static inline enum config_family_slot
config_slot(int family)
{
	return family == AF_INET6 ? CONFIG_V6 : CONFIG_V4;
}

struct config_interface {
	char name[CONFIG_IFNAME_MAX + 1];
	/* The port's address with its prefix length, host bits kept
	 * (203.0.113.2/24, 2001:db8::2/64). */
	struct ipaddr addr[CONFIG_FAMILIES];
	/* The next hop out of the port: a single address; an IPv6 one
	 * may be link-local (fe80::1). */
	struct ipaddr gateway[CONFIG_FAMILIES];
};

struct config_vlan {
	uint16_t id;
	char name[CONFIG_VLAN_NAME_MAX + 1];
	struct ipaddr subnet[CONFIG_FAMILIES]; /* prefixes, no host bits */
};

/* The VLAN has a subnet of some family. */
static inline bool
config_vlan_has_subnet(const struct config_vlan *v)
{
	return v->subnet[CONFIG_V4].family != 0 ||
	    v->subnet[CONFIG_V6].family != 0;
}

static inline bool
config_interface_has_address(const struct config_interface *i)
{
	return i->addr[CONFIG_V4].family != 0 || i->addr[CONFIG_V6].family != 0;
}

struct config {
	uint64_t version; /* of running; for a candidate, the one it came from */
	char hostname[CONFIG_HOSTNAME_MAX + 1];
	struct config_interface *ifaces; /* sorted by name */
	size_t n_ifaces;
	struct config_vlan *vlans; /* sorted by id */
	size_t n_vlans;
	/* The client-VPN pool: IPv4 only (its users get one IPv4 address
	 * each); family 0 = none. */
	struct ipaddr pool;
	/* metrics listen: where GET /metrics is served, "ADDR:PORT" or
	 * "[ADDR6]:PORT" as given; "" = off. */
	char metrics_listen[CONFIG_LISTEN_MAX];
	struct config_tunnel **tunnels; /* sorted by name */
	size_t n_tunnels, cap_tunnels;

	/*
	 * Change tracking of a candidate: the names of the tunnels edited,
	 * added or removed since the copy, and whether anything outside the
	 * tunnels changed.  Lets a commit cost O(change).
	 */
	char (*touched)[CONFIG_TUNNEL_NAME_MAX + 1];
	size_t n_touched, cap_touched;
	bool system_changed;
	bool tracking; /* set in copies: a fresh or loaded config is no edit */
};

/* model.c */
struct config *config_new(void); /* defaults: hostname tunsh, nothing else */
void config_free(struct config *c);
/* A copy sharing the tunnels (copy on write); touched list empty. */
struct config *config_copy(const struct config *c);
int config_set_hostname(struct config *c, const char *name, struct diag *d);

const struct config_interface *config_interface_find(const struct config *c,
    const char *name);
/* Returns the interface, created if absent; NULL on a bad name (in d). */
struct config_interface *config_interface_edit(struct config *c,
    const char *name, struct diag *d);
int config_interface_remove(struct config *c, const char *name);
/*
 * address and gateway take either family and keep one of each: a value
 * replaces the one of its family; NULL removes both.  The unset forms
 * remove the one equal to value ("no address 2001:db8::2/64"), -ENOENT
 * with the fix in d when it is not the configured one.
 */
int config_interface_set_address(struct config *c, struct config_interface *i,
    const char *value, struct diag *d);
int config_interface_set_gateway(struct config *c, struct config_interface *i,
    const char *value, struct diag *d);
int config_interface_unset_address(struct config *c, struct config_interface *i,
    const char *value, struct diag *d);
int config_interface_unset_gateway(struct config *c, struct config_interface *i,
    const char *value, struct diag *d);

const struct config_vlan *config_vlan_find(const struct config *c, uint16_t id);
struct config_vlan *config_vlan_edit(struct config *c, unsigned id,
    struct diag *d);
int config_vlan_remove(struct config *c, unsigned id);
int config_vlan_set_name(struct config *c, struct config_vlan *v,
    const char *name, struct diag *d); /* NULL removes */
/* One subnet per family, as address above: NULL removes both. */
int config_vlan_set_subnet(struct config *c, struct config_vlan *v,
    const char *value, struct diag *d);
int config_vlan_unset_subnet(struct config *c, struct config_vlan *v,
    const char *value, struct diag *d);
int config_set_pool(struct config *c, const char *value, struct diag *d);
/* metrics listen ADDR:PORT; NULL turns it off.  Errors name the setting
 * and the fix. */
int config_set_metrics_listen(struct config *c, const char *value,
    struct diag *d);
/*
 * "A.B.C.D:PORT" or "[IPv6]:PORT" into its address text (without the
 * brackets) and port 1-65535; -EINVAL when it is neither.
 */
int config_listen_parse(const char *s, char *addr, size_t len, uint16_t *port);

const struct config_tunnel *config_tunnel_find(const struct config *c,
    const char *name);
/*
 * A writable tunnel of this config, created with defaults if absent (when
 * create is set), cloned first if shared.  NULL with a message in d on a
 * bad name, when absent and !create, or on OOM.
 */
struct config_tunnel *config_tunnel_edit(struct config *c, const char *name,
    bool create, struct diag *d);
int config_tunnel_remove(struct config *c, const char *name);
bool config_tunnel_name_valid(const char *name);
/*
 * Sets one setting from its text form ("8h", "vlan 20", "aes256-sha256-
 * modp2048"): a list setting gets one more element.  A flag or yes/no takes
 * NULL as "on".  Errors name the tunnel, the setting and the fix.
 */
int config_tunnel_set(struct config_tunnel *t, enum config_field f,
    const char *value, struct diag *d);
/* Back to its default (value NULL) or, for a list, removes one element. */
int config_tunnel_unset(struct config_tunnel *t, enum config_field f,
    const char *value, struct diag *d);
bool config_tunnel_is_set(const struct config_tunnel *t, enum config_field f);
/*
 * The text of a setting's i-th value (i = 0 for a single value), as it is
 * typed in the CLI; the PSK is masked unless show_secrets.  Returns the
 * number of values of the setting.
 */
size_t config_tunnel_format(const struct config_tunnel *t, enum config_field f,
    size_t i, bool show_secrets, char *buf, size_t len);
/* An address's text: its FQDN, its IP literal, or "" when unset.  Returns
 * buf, or the FQDN itself. */
const char *config_host_text(const struct config_host *h, char *buf,
    size_t len);
static inline bool
config_host_is_set(const struct config_host *h)
{
	return h->ip.family != 0 || h->name != NULL;
}
/*
 * The outer family of a tunnel: remote-address's, else local-address's,
 * else AF_INET (a name, until it is resolved, is taken as IPv4).
 */
int config_tunnel_family(const struct config_tunnel *t);
/* Effective local address: local-address, else the WAN port's address
 * of the tunnel's outer family. */
int config_tunnel_local_addr(const struct config *c,
    const struct config_tunnel *t, char *buf, size_t len);
/* Every local network a tunnel can have: each VLAN gives one subnet
 * per family, and the pool one more. */
#define CONFIG_LOCAL_PREFIXES_MAX (CONFIG_FAMILIES * CONFIG_NETS_MAX + 1)
/* Effective local networks: VLAN subnets (both families), prefixes and
 * (if bound) the pool.  Returns the count written (at most max); skips
 * unknown VLANs. */
size_t config_tunnel_local_prefixes(const struct config *c,
    const struct config_tunnel *t, struct ipaddr *out, size_t max);

const char *config_partner_name(enum config_partner p);
const char *config_dpd_action_name(enum config_dpd_action a);
const char *config_tunnel_type_name(enum config_tunnel_type t);
const char *config_ts_mode_name(enum config_ts_mode m);
/* 300 -> "5 minutes", 90 -> "90 seconds", 7200 -> "2 hours" */
void config_duration_words(uint32_t secs, char *buf, size_t len);
/* "8h", "480m", "28800", "28800s" -> seconds; -EINVAL or -ERANGE */
int config_parse_seconds(const char *s, uint32_t *out);

/* proposal.c: strongSwan proposal notation */
enum config_transform_type {
	CONFIG_TRANSFORM_ENCR = 1, /* RFC 7296 3.3.2 transform types */
	CONFIG_TRANSFORM_PRF = 2,
	CONFIG_TRANSFORM_INTEG = 3,
	CONFIG_TRANSFORM_DH = 4,
};

struct config_transform {
	const char *name; /* "aes256gcm16" */
	enum config_transform_type type;
	uint16_t id;	 /* IANA transform id */
	uint16_t keylen; /* bits, for ENCR; 0 otherwise */
	bool aead;
	const char *alias_of; /* for "aes256gcm": the canonical name */
};

struct config_proposal {
	size_t n_encr, n_prf, n_integ, n_dh;
	const struct config_transform *encr[CONFIG_PROPOSAL_ALGS];
	const struct config_transform *prf[CONFIG_PROPOSAL_ALGS];
	const struct config_transform *integ[CONFIG_PROPOSAL_ALGS];
	const struct config_transform *dh[CONFIG_PROPOSAL_ALGS];
};

/* The table of every algorithm tunsh accepts, NULL-name terminated. */
const struct config_transform *config_transforms(void);
/*
 * Parses one proposal; ike selects the IKE rules (DH required, PRF derived
 * from the integrity algorithm or required with AEAD) against ESP's (no PRF,
 * DH optional).  Errors in d name the bad word and list the valid ones.
 */
int config_proposal_parse(const char *s, bool ike, struct config_proposal *out,
    struct diag *d);
/* The IANA ids of a parsed proposal, for the engine. */
void config_proposal_algs(const struct config_proposal *p,
    struct config_algs *out);

/*
 * azure.c: Azure's default IPsec/IKE policy offers only DH group 2, which
 * tunsh refuses; a partner-type azure tunnel needs a custom policy on the
 * Azure connection.  Writes the one matching the tunnel's proposals and
 * child-lifetime as a New-AzIpsecPolicy command; -ENOENT, with the fix in
 * d, when no proposal is one Azure can express.
 */
int config_azure_policy(const struct config_tunnel *t, char *buf, size_t len,
    struct diag *d);
/* For the engine's "no common IKE proposal" error (static storage). */
const char *config_azure_no_proposal_hint(void);

/* validate.c */
struct config_index;
/*
 * Validates the whole configuration: every error and warning goes to d.
 * Returns 0 when there is no error, -EINVAL otherwise.
 */
int config_validate(const struct config *c, struct diag *d);
/*
 * Validates a candidate against the running configuration it was copied
 * from, looking only at what changed (the candidate's touched list) when
 * nothing outside the tunnels changed; otherwise as config_validate().
 * idx is running's index (see config_index_build), or NULL.
 */
int config_validate_change(const struct config *running,
    const struct config_index *idx, const struct config *cand, struct diag *d);
struct config_index *config_index_build(const struct config *c);
/* Brings idx from old to new: O(changed tunnels) unless system changed. */
int config_index_update(struct config_index *idx, const struct config *old,
    const struct config *new_cfg);
void config_index_free(struct config_index *idx);

/* file.c: libconfig form, atomic save */
/*
 * Loads a configuration.  Errors are "file:line: message"; unknown keys
 * and wrong types are errors.  Returns NULL on any error.  The result is
 * not validated (see config_validate()).
 */
struct config *config_load_file(const char *path, struct diag *d);
struct config *config_load_string(const char *text, const char *name,
    struct diag *d);
/* The file form, into a caller's stream. */
int config_file_write(const struct config *c, FILE *f);
/*
 * Saves atomically with mode 0600: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory.  before_rename, if set,
 * runs between the fsync and the rename (a seam for crash tests).
 */
int config_save_file(const struct config *c, const char *path,
    void (*before_rename)(void *), void *arg, struct diag *d);

/* render.c: the configuration as CLI command lines */
struct config_render_opts {
	bool show_secrets;
	const char *only_tunnel; /* NULL: everything */
};
typedef int (*config_line_fn)(void *arg, const char *line);
int config_render(const struct config *c, const struct config_render_opts *o,
    config_line_fn fn, void *arg);
/* The same as one JSON document with every effective value; "set"
 * lists what was given explicitly.  -ENOENT for an unknown only_tunnel. */
int config_render_json(const struct config *c,
    const struct config_render_opts *o, config_line_fn fn, void *arg);
/*
 * A value given once per family, in JSON: "key" is the IPv4 one or null,
 * as it always was, and "key6" the IPv6 one, present only when there is
 * one, so that a document of an IPv4 configuration keeps its shape.
 * prefix: "ADDR/N" always (addresses with their length, subnets).
 */
struct json_writer;
void config_json_per_family(struct json_writer *w, const char *key,
    const struct ipaddr *slots, bool prefix);
/*
 * Junos-style differences from a to b: "[edit ipsec tunnel X]" headers
 * with "+ line" and "- line" beneath.  Secrets masked unless show_secrets.
 */
int config_render_diff(const struct config *a, const struct config *b,
    bool show_secrets, config_line_fn fn, void *arg);

/* plan.c: what a commit does */
enum config_step_kind {
	CONFIG_STEP_SYSTEM, /* hostname, interfaces, VLANs or pool */
	CONFIG_STEP_TUNNEL_ADD,
	CONFIG_STEP_TUNNEL_REMOVE,
	CONFIG_STEP_TUNNEL_CHANGE,
};

struct config_plan_step {
	enum config_step_kind kind;
	enum config_change change; /* for CHANGE */
	uint32_t fields;	   /* for CHANGE: bits of what differs */
	const struct config_tunnel *old_tunnel; /* NULL for ADD and SYSTEM */
	const struct config_tunnel *new_tunnel; /* NULL for REMOVE, SYSTEM */
};

struct config_plan {
	const struct config *old_cfg, *new_cfg;
	struct config_plan_step *steps; /* removes, system, changes, adds */
	size_t n_steps;
};

/*
 * Diffs old against new: O(touched tunnels) when new is a candidate of
 * old with nothing outside the tunnels changed.  A tunnel whose effective
 * local networks or address moved with a VLAN or WAN port is a change too.
 */
int config_plan_build(const struct config *old_cfg,
    const struct config *new_cfg, struct config_plan *plan);
void config_plan_free(struct config_plan *plan);
/* The step that undoes s (ADD <-> REMOVE, CHANGE old <-> new). */
struct config_plan_step config_plan_step_inverse(
    const struct config_plan_step *s);
/* "add ipsec tunnel X", "change ipsec tunnel X (renegotiate: ...)" */
void config_plan_step_describe(const struct config_plan_step *s, char *buf,
    size_t len);
const char *config_change_name(enum config_change c);

/*
 * The apply interface, implemented by the IKE and kernel layers (and by
 * test doubles): synchronous; returns 0 or a negative errno with the reason
 * in d.  cfg is the configuration the step leads to (for an undo, the old
 * one), for resolving VLANs and WAN ports.
 */
struct config_apply_ops {
	int (*apply)(void *arg, const struct config_plan_step *step,
	    const struct config *cfg, struct diag *d);
	/* Optional: after the last step of a plan, for what a layer does
	 * once per commit (the nftables table, in one transaction).  A
	 * failure undoes every step, as a step's failure does. */
	int (*finish)(void *arg, const struct config *cfg, struct diag *d);
};

/*
 * file.c: reading a file a person names.  Only a regular file of at most
 * CONFIG_FILE_MAX bytes, of text without NUL bytes, is read; a FIFO or a
 * device is refused without blocking.  *text is NUL-terminated and may
 * hold keys: explicit_bzero() it before free().
 */
#define CONFIG_FILE_MAX (64u << 20)
int config_file_read(const char *path, char **text, size_t *len,
    struct diag *d);
/* The same on a file already open (opened with O_NONBLOCK). */
int config_file_read_fd(int fd, const char *name, char **text, size_t *len,
    struct diag *d);

/* store.c: running configuration, commits, history */
struct config_clock {
	int64_t (*now)(void *arg); /* seconds since the epoch */
	void *arg;
};

struct config_store_params {
	const char *path;		      /* the configuration file */
	const char *history_dir;	      /* NULL: no history kept */
	unsigned history_max;		      /* 0: 50 */
	const struct config_apply_ops *apply; /* NULL: nothing to apply */
	void *apply_arg;
	const struct config_clock *clock; /* NULL: the real clock */
};

struct config_commit_info {
	uint64_t version;
	int64_t time;
	char user[33];
	char source[128];
	char comment[256];
	char summary[256]; /* what changed: "ipsec tunnel a, vlan 20" */
	/* commit confirmed: when it reverts unless confirmed (seconds since
	 * the epoch), and the time it was given; 0 for other commits.  The
	 * configuration it reverts to is DIR/N.undo while it is pending. */
	int64_t confirm_deadline;
	unsigned confirm_seconds;
};

struct config_commit_opts {
	const char *user;
	const char *source;
	const char *comment;
	unsigned confirm_seconds; /* commit confirmed: time until the
				   * automatic rollback; 0 = a plain commit */
	bool check_only;	  /* commit check */
};

struct config_store;

/*
 * Opens the store: loads and validates path (a missing file means the
 * defaults), then applies the whole configuration.  NULL with the reasons
 * in d if the file does not load or validate or the apply fails.
 */
struct config_store *config_store_open(const struct config_store_params *p,
    struct diag *d);
void config_store_free(struct config_store *s);
const struct config *config_store_running(const struct config_store *s);
/* A new candidate: a copy of running, remembering its version. */
struct config *config_store_candidate(const struct config_store *s);
/*
 * Commits cand: refuses a stale base, validates (every error to d), plans,
 * saves, applies; undoes the applied steps and restores the file on any
 * failure.  On success cand is rebased on the new running version (its
 * touched list cleared) so the session can go on editing it.
 */
int config_store_commit(struct config_store *s, struct config *cand,
    const struct config_commit_opts *o, struct diag *d);
/* Pending commit confirmed: its deadline (seconds), or 0 when none. */
int64_t config_store_confirm_deadline(const struct config_store *s);
/*
 * Call when the deadline passes (and at any time: does nothing early):
 * reverts to the configuration before the unconfirmed commit and records
 * why.  Returns 1 when it reverted, 0 when nothing was due, or -errno.
 */
int config_store_poll(struct config_store *s, struct diag *d);
/* History, newest first: 0 is the running configuration's commit. */
size_t config_store_history_count(const struct config_store *s);
const struct config_commit_info *config_store_history(
    const struct config_store *s, size_t n);
/* The configuration of history entry n, as a candidate of running. */
struct config *config_store_rollback(const struct config_store *s, size_t n,
    struct diag *d);

#endif /* TUNSH_CONFIG_H */
