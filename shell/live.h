/*
 * shell/live.h: the live half of tunshd, private to shell/: the IKE
 * engine on UDP 500/4500 and the kernel (netlink XFRM, or a kernel that
 * only remembers) joined to the daemon's libevent loop, and the apply ops
 * that drive them from the commit plan.
 */
#ifndef TUNSH_SHELL_LIVE_H
#define TUNSH_SHELL_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "ike/ike.h"

struct resolver;

struct event_base;
struct dataplane_set;
struct metrics;
struct commands_dataplane;
struct monitor_set;
struct kernel_mem;

enum live_kernel {
	LIVE_KERNEL_NETLINK, /* the real kernel: XFRM over netlink */
	LIVE_KERNEL_NONE,    /* remember only: a lab without ESP */
};

/* TCP MSS clamps (tunsh.conf(5), tcp-mss): nftables, or not applied. */
enum live_clamp {
	LIVE_CLAMP_DEFAULT, /* nft with --kernel netlink, none with none */
	LIVE_CLAMP_NFT,
	LIVE_CLAMP_NONE,
};

struct live_opts {
	enum live_kernel kernel;
	uint16_t ike_port, natt_port; /* 500, 4500; 0 = any (tests) */
	size_t half_open_per_peer, half_open_max; /* 0: the engine's */
	size_t fragment_size;			  /* 0: the engine's */
	bool fragment_off;
	enum live_clamp clamp;
};

struct live;

/* NULL with the reason in d when the kernel cannot be reached; sockets
 * that cannot be bound are a warning (tunnels then say so). */
struct live *live_open(struct event_base *base, const struct live_opts *o,
    struct diag *d);
void live_free(struct live *l);
struct ike_engine *live_engine(struct live *l);
/* Names of peers and local addresses (shell/resolve.h). */
struct resolver *live_resolver(struct live *l);
/* The running configuration is applied: from now on commits are checked
 * against what the kernel can do. */
void live_set_started(struct live *l);
bool live_started(const struct live *l);
bool live_has_esp(const struct live *l);
/* Which tunnel interfaces this kernel can make. */
enum kernel_link_kind live_link_kind(const struct live *l);
/* The interfaces and routes of route-based tunnels (shell/dataplane.h):
 * apply.c makes them, the engine's carrier callback moves the routes. */
struct dataplane_set *live_dataplane(struct live *l);
/* The tunnels' traffic monitors (shell/monitor.h): apply.c starts them,
 * the carrier callback pauses them, they move routes and restart. */
struct monitor_set *live_monitor(struct live *l);
/* commands_env's dataplane: arg is the struct live *. */
bool live_dataplane_status(void *arg, const char *tunnel,
    struct commands_dataplane *out);
/* Where the system step of a commit applies metrics listen
 * (shell/metrics.h); NULL: nowhere. */
void live_set_metrics(struct live *l, struct metrics *m);
struct metrics *live_metrics(struct live *l);
/* The TCP MSS clamps: apply.c records them, commits apply them. */
struct mss_set *live_mss(struct live *l);
/* Whether clamps are applied here: nftables answered (or none asked). */
bool live_can_clamp(const struct live *l);
/* When it cannot: nftables' words at start. */
const char *live_clamp_why(const struct live *l);

/* --kernel none: the kernel that only remembers (tests read what a
 * commit put there); NULL with the real kernel. */
struct kernel_mem *live_kernel_mem(struct live *l);

/* Re-arms the engine's timer after anything that may have changed it. */
void live_rearm(struct live *l);

/* shell/apply.c: config_apply_ops with arg = the struct live *. */
extern const struct config_apply_ops live_apply_ops;

#endif
