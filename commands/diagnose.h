/*
 * commands/diagnose.h: the checks of diagnose ipsec tunnel, apart from
 * the command so that tests can give them any facts (private to
 * commands/ and its tests).
 */
#ifndef TUNSH_COMMANDS_DIAGNOSE_H
#define TUNSH_COMMANDS_DIAGNOSE_H

#include "commands/private.h"

/* The guide's two troubleshooting lists, and the checks of each. */
enum dx_check {
	/* Tunnel not establishing */
	DX_PSK,
	DX_LOCAL,
	DX_REACH,
	DX_FIREWALL,
	DX_PROPOSALS,
	/* Tunnel up but no traffic */
	DX_NETWORKS,
	DX_OVERLAP,
	DX_ROUTES,
	DX_COUNTERS,
	DX_DPD,
	DX_COUNT,
};

enum dx_state {
	DX_OK,
	DX_FAIL,
	DX_UNKNOWN,
};

struct dx_result {
	enum dx_state state;
	char detail[320];
};

/* What the checks read; gathered by diagnose.c from the live daemon. */
struct dx_facts {
	const struct config *c;
	const struct config_tunnel *t;
	bool engine; /* the IKE engine has the tunnel: st and tr are set */
	struct ike_tunnel_status st;
	struct ike_tunnel_traffic tr;
	/* The outer addresses, either family; family 0: not known (an FQDN
	 * not resolved). */
	struct ipaddr local, remote;
	int local_rc; /* addr_is_local: 0, or -errno */
	bool local_ours;
	int route_rc; /* route_src towards remote: 0, or -errno */
	struct ipaddr route_src;
	/* ESP: the CHILD SAs' packets, summed, at the first sample and
	 * (sampled) a second later. */
	size_t n_child;
	uint64_t in[2], out[2];
	bool sampled;
	const char *why_once; /* !sampled: why not */
	bool has_dp;
	struct commands_dataplane dp;
	uint64_t now; /* wall seconds */
};

/* Runs every check on f. */
void dx_run(const struct dx_facts *f, struct dx_result r[DX_COUNT]);
/* The check's heading and, when it fails, the fix in the guide's words. */
const char *dx_title(enum dx_check k);
const char *dx_fix(enum dx_check k);
const char *dx_state_name(enum dx_state s);

#endif
