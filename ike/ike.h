/*
 * ike/ike.h: the in-process IKEv2 engine (RFC 7296 with pre-shared keys,
 * DPD, rekeying, NAT-T).  It knows tunnels as plain parameter structs (the
 * layer above translates the configuration model), reaches the network
 * through struct ike_net_ops and the kernel only through kernel/kernel.h.
 *
 * Time comes from a clock seam and randomness from a random seam, so two
 * engines can run in one process over an in-memory network on a fake
 * clock.  Timers are the engine's own: ike_engine_run_timers() fires what
 * is due, ike_engine_next_timer() says when to call it next (tunshd arms a
 * libevent timer with it).
 */
#ifndef TUNSH_IKE_H
#define TUNSH_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"
#include "lib/lib.h"

#define IKE_NAME_MAX	   32
#define IKE_ID_MAX	   253
#define IKE_NETS_MAX	   72 /* a side, both families; = IKE_MAX_TS */
#define IKE_PROPOSALS_MAX  8
#define IKE_ALGS_MAX	   8
#define IKE_PORT	   500
#define IKE_NATT_PORT	   4500
#define IKE_HISTORY_EVENTS 8
#define IKE_STATUS_NETS	   16 /* selectors shown per CHILD SA side */

/* An address of either family (a single one: len 32 or 128) and a UDP
 * port in host byte order. */
struct ike_endpoint {
	struct ipaddr addr;
	uint16_t port;
};

/* The network: sending one datagram.  Received ones go to
 * ike_engine_input().  On port 4500 the net layer adds and strips the
 * non-ESP marker (RFC 3948 2.2); a 1-byte 0xff is a NAT-T keepalive. */
struct ike_net_ops {
	int (*send)(void *arg, const struct ike_endpoint *local,
	    const struct ike_endpoint *remote, const uint8_t *buf, size_t len);
};

struct ike_clock_ops {
	uint64_t (*now_ms)(void *arg); /* monotonic milliseconds */
	uint64_t (*wall)(void *arg);   /* seconds since the epoch */
};

struct ike_random_ops {
	void (*bytes)(void *arg, void *buf, size_t len);
};

/*
 * Peers by name (remote-address an FQDN; ike/names.c).  The engine asks
 * when the tunnel is set up, before every initiation and when the
 * answer's seconds run out.  resolve answers at once from what it knows:
 * the number of addresses put in out (1..max) with *ttl the seconds they
 * stay good; 0 when a query is under way (ike_engine_resolved() follows);
 * or a negative errno with the reason in why and *ttl the seconds after
 * which to ask again.
 */
#define IKE_RESOLVED_MAX 8
struct ike_resolve_ops {
	int (*resolve)(void *arg, const char *name, struct ipaddr *out,
	    size_t max, uint32_t *ttl, char *why, size_t why_len);
};

/* One proposal: IANA transform ids in preference order (RFC 7296 3.3). */
struct ike_algs {
	uint8_t n_encr, n_prf, n_integ, n_dh; /* each at most IKE_ALGS_MAX */
	uint16_t encr[IKE_ALGS_MAX], encr_bits[IKE_ALGS_MAX];
	uint16_t prf[IKE_ALGS_MAX], integ[IKE_ALGS_MAX], dh[IKE_ALGS_MAX];
};

enum ike_dpd_action {
	IKE_DPD_CLEAR,
	IKE_DPD_HOLD,
	IKE_DPD_RESTART,
};

/*
 * A tunnel as the engine needs it.  The caller keeps ownership of what the
 * pointers point to; the engine keeps its own compact copy.
 */
struct ike_tunnel_conf {
	char name[IKE_NAME_MAX + 1];
	bool enable;
	/* The outer addresses, one family: IKE and ESP run over it. */
	struct ipaddr local_addr, remote_addr;
	/* The peer by name: remote_addr is what it resolves to (ignored
	 * here); NULL or "" = by remote_addr. */
	const char *remote_name;
	const char *local_id;  /* NULL or "" = the local address */
	const char *remote_id; /* NULL or "" = the remote address */
	const struct secbuf *psk;
	/* Networks of either family or both (a CHILD SA carries the
	 * selectors of both, whatever the outer family). */
	const struct ipaddr *local_nets, *remote_nets;
	size_t n_local, n_remote;
	/* Route-based: 0.0.0.0/0 selectors, SAs and policies marked. */
	bool route_based;
	/*
	 * Policy-based: one CHILD SA per local x remote pair of networks,
	 * the first in IKE_AUTH, the others in CREATE_CHILD_SA, as peers
	 * that take one pair per CHILD SA (Azure policy-based, Cisco ASA)
	 * want.  Off: one CHILD SA carries all of them.
	 */
	bool ts_per_pair;
	uint32_t mark, if_id;
	const struct ike_algs *ike, *esp; /* proposals, in preference order */
	size_t n_ike, n_esp;
	uint32_t ike_lifetime, child_lifetime; /* seconds */
	/* Inbound ESP anti-replay window in packets; 0 off, at most 4096. */
	uint32_t replay_window;
	bool initiator; /* off: answer, and initiate on ACQUIRE only */
	bool rekey;	/* off: never start a rekey, only answer */
	bool reauth;	/* at IKE lifetime: reauthenticate, not rekey */
	enum ike_dpd_action dpd_action;
	uint32_t dpd_timeout; /* seconds of silence between checks; 0 off */
	uint32_t dpd_delay;   /* seconds to wait for the answer */
	/*
	 * Appended to "no common IKE proposal" errors: what the partner
	 * needs changed on its side.  NULL or a string of static storage
	 * (the engine keeps the pointer, not a copy).
	 */
	const char *no_proposal_hint;
};

struct ike_engine_params {
	const struct ike_net_ops *net;
	void *net_arg;
	const struct kernel_ops *kernel;
	void *kernel_arg;
	const struct ike_clock_ops *clock; /* NULL: the real clocks */
	void *clock_arg;
	const struct ike_random_ops *random; /* NULL: OpenSSL's RAND_bytes */
	void *random_arg;
	const struct ike_resolve_ops *resolve; /* NULL: names never resolve */
	void *resolve_arg;
	/* Half-open IKE SAs above which the responder demands cookies. */
	size_t cookie_threshold; /* 0: the default, 1000 */
	/* Half-open responder SAs one peer address may hold (cookies are
	 * demanded from it at half of that), and all together; beyond,
	 * IKE_SA_INIT requests are dropped and counted (see halfopen.c). */
	size_t half_open_per_peer; /* 0: the default, 5 */
	size_t half_open_max;	   /* 0: the default, 10000 */
	/* Retransmission: first timeout and tries (RFC 7296 2.1). */
	uint32_t retransmit_ms;	   /* 0: the default, 1000 */
	unsigned retransmit_tries; /* 0: the default, 5 */
	uint32_t natt_keepalive;   /* seconds; 0: the default, 20 */
	/* IKE fragmentation (RFC 7383): the largest UDP payload an IKE
	 * message after IKE_SA_INIT may take, the non-ESP marker on 4500
	 * included (IP and UDP headers add 28 bytes on the wire); larger
	 * ones go as fragments when both ends announced support.  Off:
	 * not announced, never used. */
	size_t fragment_size; /* 0: the default, 1280 */
	bool fragment_off;
	/* Draw a reauthentication's SPI at random, as strongSwan and
	 * libreswan do, rather than below the old one (sa.c spi_draw): the
	 * test lab plays such a peer with it. */
	bool reauth_spi_random;
	/* Called when the engine's next timer moves earlier (a command or
	 * a commit started something): the loop re-arms its timer. */
	void (*wakeup)(void *arg);
	void *wakeup_arg;
	/*
	 * Called when a tunnel starts carrying traffic (its first CHILD SA
	 * is installed) and when it stops (its last one is gone: a DPD
	 * action, a delete from the peer, expiry without a rekey, removal),
	 * with the engine's wall clock; rekeys and reauthentications, which
	 * make the new SA before the old one goes, call nothing.  The
	 * routes of route-based tunnels follow it (shell/dataplane.c).  It
	 * must not call back into the engine.  NULL: nobody is told.
	 */
	void (*carrier)(void *arg, const char *tunnel, bool up, uint64_t wall);
	void *carrier_arg;
};

struct ike_engine;

struct ike_engine *ike_engine_new(const struct ike_engine_params *p);
void ike_engine_free(struct ike_engine *e);

/* The kernel events, to register with the netlink layer. */
extern const struct kernel_events ike_kernel_events;

/* A datagram from the network, marker already stripped. */
void ike_engine_input(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len);
/* The resolver has a new answer for name: its tunnels ask again. */
void ike_engine_resolved(struct ike_engine *e, const char *name);
/* Fires every timer due by now; ms of the next one, or UINT64_MAX. */
void ike_engine_run_timers(struct ike_engine *e);
uint64_t ike_engine_next_timer(const struct ike_engine *e);
/* Now on the engine's clock, in the units of ike_engine_next_timer(). */
uint64_t ike_engine_now(const struct ike_engine *e);

/*
 * Tunnels, driven by the commit plan.  add installs the tunnel's policies
 * and, when it initiates, starts negotiating.  change applies a new
 * configuration at once, as its class asks (tunsh.conf(5), IPSEC
 * TUNNELS), make-before-break where the peer allows it: the SAs in use
 * carry traffic until their successors are up.  All return 0 or a negative errno with the
 * reason in d; a failure leaves things as they were.
 */
enum ike_change {
	IKE_CHANGE_IN_PLACE, /* timers and flags: the SAs stay */
	IKE_CHANGE_CHILD,    /* networks: new CHILD SAs under the IKE SA */
	IKE_CHANGE_REAUTH,   /* keys, proposals, IDs, lifetimes: new IKE SA
				and CHILD SAs (reauthentication) */
};
int ike_tunnel_add(struct ike_engine *e, const struct ike_tunnel_conf *c,
    struct diag *d);
int ike_tunnel_change(struct ike_engine *e, const struct ike_tunnel_conf *c,
    enum ike_change how, struct diag *d);
int ike_tunnel_remove(struct ike_engine *e, const char *name, struct diag *d);
/* Start now, or tear down (and with restart, renegotiate). */
int ike_tunnel_initiate(struct ike_engine *e, const char *name, struct diag *d);
int ike_tunnel_terminate(struct ike_engine *e, const char *name, bool restart,
    struct diag *d);
/*
 * Rekey now, through the lifetimes' own path: the installed CHILD SAs, or
 * with ike the IKE SA (a reauthentication when the tunnel says so).
 * -ENOTCONN when the tunnel has no established SA to rekey.
 */
int ike_tunnel_rekey(struct ike_engine *e, const char *name, bool ike,
    struct diag *d);

/* Status for show commands. */
enum ike_tunnel_state {
	IKE_TUNNEL_DOWN,
	IKE_TUNNEL_CONNECTING,
	IKE_TUNNEL_UP,
	IKE_TUNNEL_WAITING, /* initiator off: waiting for the peer */
	IKE_TUNNEL_DISABLED,
	IKE_TUNNEL_NO_CHILD, /* IKE SA up, CHILD SA refused: see last error */
};

enum ike_event {
	IKE_EV_ESTABLISHED,
	IKE_EV_CHILD_UP,
	IKE_EV_CHILD_REKEYED,
	IKE_EV_IKE_REKEYED,
	IKE_EV_REAUTHENTICATED,
	IKE_EV_DELETED_BY_PEER,
	IKE_EV_AUTH_FAILED,
	IKE_EV_NO_PROPOSAL,
	IKE_EV_TS_UNACCEPTABLE,
	IKE_EV_NO_RESPONSE,
	IKE_EV_INVALID_KE,
	IKE_EV_DPD_TIMEOUT,
	IKE_EV_DPD_ACTION,
	IKE_EV_PEER_MOVED,
	IKE_EV_KERNEL_ERROR,
	IKE_EV_ACQUIRE,	    /* traffic for a tunnel with no SA */
	IKE_EV_TS_NARROWED, /* the peer took fewer pairs than offered */
	/* The peer's name did not resolve. */
	IKE_EV_RESOLVE_FAILED,
	IKE_EV_COUNT,
};

struct ike_event_record {
	enum ike_event ev;
	uint64_t wall; /* when, seconds since the epoch */
	char text[120];
};

struct ike_dpd_status {
	uint64_t last_heard;  /* wall seconds; 0 = never */
	unsigned in_flight;   /* liveness checks sent, unanswered */
	uint64_t last_check;  /* wall seconds of the last check sent */
	int last_result;      /* 1 answered, 0 none yet, -1 timed out */
	uint64_t last_action; /* wall seconds of the last action */
	unsigned actions;
	uint64_t checks; /* liveness checks sent, retransmissions not counted */
};

/*
 * IKE datagrams between us and a tunnel's configured peer address, as
 * diagnose reads them: whether the peer is heard at all, and on which of
 * our ports (RFC 3948: 4500 once NAT-T floats).  Counted for datagrams
 * that fail to parse too: they still crossed the firewall.
 */
struct ike_tunnel_traffic {
	uint64_t rx_500, rx_4500;  /* from the peer, by our port */
	uint64_t tx;		   /* to the peer */
	uint64_t last_rx, last_tx; /* wall seconds; 0 = never */
};

struct ike_tunnel_status {
	const char *name;
	enum ike_tunnel_state state;
	bool initiator_role; /* of the current IKE SA */
	struct ike_endpoint local, remote;
	bool natt;
	bool behind_nat, peer_behind_nat; /* NAT detection (RFC 7296 2.23) */
	uint64_t established;		  /* wall seconds; 0 = not up */
	char last_error[200];
	struct ike_dpd_status dpd;
	unsigned event_counts[IKE_EV_COUNT];
	uint64_t event_last[IKE_EV_COUNT]; /* wall seconds of the last; 0 */
	struct ike_event_record events[IKE_HISTORY_EVENTS]; /* newest first */
	size_t n_events;
	size_t n_ike_sas, n_child_sas;
	/*
	 * What the tunnel's deleted CHILD SAs had counted (bytes, packets),
	 * read from the kernel as each pair went: with the counts of those
	 * it has now, totals that never go down across rekeys.
	 */
	struct kernel_sa_stats deleted_in, deleted_out;
	/*
	 * While the IKE SA is up: the pairs of our networks that no CHILD
	 * SA carries (policy-based), the first IKE_STATUS_NETS of them;
	 * n_not_carried counts all.  ts_per_pair tells why: the peer
	 * refused a pair's CHILD SA (or it is on its way), else the peer
	 * narrowed our one offer.
	 */
	struct ike_net_pair {
		struct ipaddr local, remote;
	} not_carried[IKE_STATUS_NETS];
	size_t n_not_carried;
	bool ts_per_pair;
	/*
	 * A commit changed keys, proposals, IDs or lifetimes and the SAs
	 * of the new configuration are not up yet: traffic runs on those
	 * of the previous one, for previous_expires more seconds at most.
	 * previous_error: why the last try failed ("" while it runs).
	 */
	bool previous_config;
	uint64_t previous_expires;
	char previous_error[200];
};

struct ike_sa_status {
	const char *tunnel;
	uint64_t spi_i, spi_r;
	bool initiator;
	const char *state;
	char algs[128]; /* "AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519" */
	struct ike_endpoint local, remote;
	uint64_t established;	    /* wall seconds */
	uint64_t rekey_in, expires; /* seconds from now; 0 = never */
};

struct ike_child_status {
	const char *tunnel;
	uint32_t spi_in, spi_out;
	char algs[64];
	struct ipaddr local_ts, remote_ts; /* the first of each */
	/* All of them, as prefixes (a CHILD SA of a tunnel with several
	 * networks carries several selectors). */
	struct ipaddr local_nets[IKE_STATUS_NETS], remote_nets[IKE_STATUS_NETS];
	size_t n_local_nets, n_remote_nets;
	bool natt;
	uint64_t installed;	    /* wall seconds */
	uint64_t rekey_in, expires; /* seconds from now */
	struct kernel_sa_stats in, out;
};

int ike_tunnel_status(const struct ike_engine *e, const char *name,
    struct ike_tunnel_status *out);
/* Calls fn for every IKE SA of the tunnel (all if name is NULL). */
void ike_sa_each(const struct ike_engine *e, const char *name,
    void (*fn)(void *arg, const struct ike_sa_status *s), void *arg);
void ike_child_each(const struct ike_engine *e, const char *name,
    void (*fn)(void *arg, const struct ike_child_status *s), void *arg);
/* The IKE datagrams exchanged with the tunnel's peer; -ENOENT. */
int ike_tunnel_traffic(const struct ike_engine *e, const char *name,
    struct ike_tunnel_traffic *out);
/* The newest record of ev still in st's history; NULL when none is. */
const struct ike_event_record *ike_status_event(
    const struct ike_tunnel_status *st, enum ike_event ev);

struct ike_counters {
	uint64_t rx, tx, retransmits, dropped_parse, dropped_auth,
	    dropped_unknown_spi, dropped_rules, cookies_sent, half_open;
	uint64_t ike_sas, child_sas;
	/* State changes of IKE and CHILD SAs that the transition tables
	 * refused: bugs of ours, logged too. */
	uint64_t state_refused;
	/* IKE_SA_INIT requests dropped at the half-open bounds: the
	 * address's own, the total; and the addresses holding any now. */
	uint64_t dropped_half_open_peer, dropped_half_open_total;
	uint64_t half_open_peers;
	/* IKE fragments (RFC 7383) sent and received (ICV verified), and
	 * messages reassembled; fragments dropped: ICV failed, a number
	 * already held, more than 64 in a message, their plaintext over
	 * 64 KiB, malformed or out of place (a lower Total Fragments,
	 * fragmentation not negotiated); and messages whose fragments were
	 * thrown away unfinished (a new message or Total Fragments). */
	uint64_t frag_tx, frag_rx, frag_reassembled;
	uint64_t frag_dropped_icv, frag_dropped_dup, frag_dropped_too_many,
	    frag_dropped_too_big, frag_dropped_invalid, frag_discarded;
};
void ike_engine_counters(const struct ike_engine *e, struct ike_counters *out);

const char *ike_tunnel_state_name(enum ike_tunnel_state s);
const char *ike_event_name(enum ike_event ev);

#endif
