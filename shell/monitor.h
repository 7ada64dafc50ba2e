/*
 * shell/monitor.h: traffic monitors of tunnels (Junos vpn-monitor, IOS IP
 * SLA), private to shell/.  A monitor sends ICMP echo requests through
 * its tunnel and counts the answers; after its threshold of probes in a
 * row go unanswered the tunnel counts as down for routing and is
 * negotiated again, and the first answer makes it up.
 *
 * Two halves: the counting (monitor_state.c), pure, driven by the time
 * the caller gives it; and the probes on tunshd's loop (monitor.c): the
 * ICMP socket, the timers, the addresses found on the interfaces.
 */
#ifndef TUNSH_SHELL_MONITOR_H
#define TUNSH_SHELL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "commands/commands.h"
#include "config/config.h"

/* The longest a probe waits for its answer (less when the interval is). */
#define MONITOR_WAIT_MAX_MS 2000

/* What a monitor probes, resolved from the configuration by apply.c. */
struct monitor_conf {
	char tunnel[CONFIG_TUNNEL_NAME_MAX + 1];
	uint32_t dst;
	uint32_t src_addr;	/* the source; 0: ours in src_net */
	struct prefix4 src_net; /* a VLAN subnet or local network */
	char ifname[16];	/* route-based: its interface; "" */
	uint32_t interval_ms, wait_ms;
	uint32_t threshold;
};

/* What the counting asks its owner to do, as bits. */
enum {
	MONITOR_DO_SEND = 1,	/* send the next probe (monitor_sent()) */
	MONITOR_DO_DOWN = 2,	/* the tunnel is down for routing */
	MONITOR_DO_UP = 4,	/* it is up again */
	MONITOR_DO_RESTART = 8, /* negotiate the tunnel again */
};

struct monitor_count {
	uint64_t interval_us, wait_us;
	uint32_t threshold;
	bool carrier; /* the tunnel has a CHILD SA: probes go */
	bool down;    /* threshold unanswered in a row, none since */
	bool waiting; /* the last probe is within its wait */
	uint16_t seq; /* of the last probe sent */
	uint64_t sent_at, next_at; /* us */
	uint64_t sent, answered, restarts;
	uint32_t misses; /* unanswered in a row */
	bool has_rtt;
	uint32_t last_rtt_us;
	uint64_t since; /* us of the last change of state (up/down/off) */
};

/* monitor_state.c: the counting.  Times are us of a monotonic clock. */
void monitor_count_init(struct monitor_count *m, const struct monitor_conf *c,
    uint64_t now);
/* The tunnel gained its first CHILD SA (probes start at once) or lost its
 * last (they pause; a monitor down stays down until answered). */
void monitor_count_carrier(struct monitor_count *m, bool up, uint64_t now);
/* Call at monitor_count_next(): a probe past its wait is a miss. */
unsigned monitor_count_due(struct monitor_count *m, uint64_t now);
/* A probe went (err 0) or could not (-errno: counted unanswered). */
unsigned monitor_count_sent(struct monitor_count *m, int err, uint64_t now);
/* An echo reply with this sequence number came. */
unsigned monitor_count_answer(struct monitor_count *m, uint16_t seq,
    uint64_t now);
/* When monitor_count_due() is next needed; UINT64_MAX: never. */
uint64_t monitor_count_next(const struct monitor_count *m);
/* "up", "down" or "off". */
const char *monitor_count_state(const struct monitor_count *m);

/* monitor.c: the monitors of tunshd, on its loop. */
struct event_base;
struct monitor_set;

struct monitor_set_params {
	struct event_base *base;
	/* The tunnel is down (or up again) for routing. */
	void (*verdict)(void *arg, const char *tunnel, bool down);
	/* Negotiate the tunnel again. */
	void (*restart)(void *arg, const char *tunnel);
	void *arg;
};

struct monitor_set *monitor_set_new(const struct monitor_set_params *p);
void monitor_set_free(struct monitor_set *s);
/*
 * Starts, keeps (the same conf) or starts afresh the tunnel's monitor;
 * carrier says whether the tunnel has a CHILD SA now.  On a new one the
 * verdict is up.  -errno with the reason in d when no ICMP socket can be
 * opened (no CAP_NET_RAW): the monitor is kept, off, its error shown.
 */
int monitor_set_update(struct monitor_set *s, const struct monitor_conf *c,
    bool carrier, struct diag *d);
/* Stops it (none is fine); a monitor that was down says up first. */
void monitor_set_remove(struct monitor_set *s, const char *tunnel);
void monitor_set_carrier(struct monitor_set *s, const char *tunnel, bool up);
/* Down, for a tunnel whose dataplane record is new. */
bool monitor_set_down(const struct monitor_set *s, const char *tunnel);
/* commands_env's monitor: arg is the struct monitor_set *. */
bool monitor_set_status(void *arg, const char *tunnel,
    struct commands_monitor *out);

#endif
