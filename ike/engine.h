/*
 * ike/engine.h: the engine's private state, shared by the files of ike/
 * that run exchanges: tunnels, IKE SAs and CHILD SAs, timers, and the
 * functions one exchange file offers the others.  Nothing here is public.
 */
#ifndef TUNSH_IKE_ENGINE_H
#define TUNSH_IKE_ENGINE_H

#include "ike/crypto.h"
#include "ike/ike.h"
#include "ike/msg.h"
#include "ike/negotiate.h"
#include "lib/hmap.h"

#define IKE_NONCE_LEN		 32
#define IKE_HALF_OPEN_MS	 30000 /* RFC 7296 2.4 leaves it to us */
/* How long an IKE SA the peer replaced by a new one of its own (its
 * make-before-break reauthentication) waits for the peer's Delete. */
#define IKE_PEER_REAUTH_GRACE_MS 30000
/* Reassembly bounds (RFC 7383 2.6 leaves them to us): fragments of one
 * message, and the bytes of their plaintexts together. */
#define IKE_FRAG_MAX		 64
#define IKE_FRAG_BYTES_MAX	 65536
/* The UDP payload every IPv4 path carries whole: 576 bytes of datagram
 * (RFC 791) less 28 of headers; above, a message may be lost. */
#define IKE_FRAG_SAFE		 548

/* A timer of the engine's heap; idx is SIZE_MAX when not armed. */
struct ike_engine;
struct ike_timer {
	uint64_t at; /* ms on the engine's clock */
	size_t idx;
	void (*fn)(struct ike_engine *e, struct ike_timer *t);
};

/* timer.c: the engine's timer heap */
void timer_init(struct ike_timer *t,
    void (*fn)(struct ike_engine *, struct ike_timer *));
void timer_arm(struct ike_engine *e, struct ike_timer *t, uint64_t at);
void timer_disarm(struct ike_engine *e, struct ike_timer *t);
bool timer_armed(const struct ike_timer *t);
void timers_run(struct ike_engine *e, uint64_t now);
uint64_t timers_next(const struct ike_engine *e);
void timers_shrink(struct ike_engine *e);
void timers_free(struct ike_engine *e);

/*
 * The allowed transitions live in sa.c's table; ike_sa_set_state() is the
 * only function that changes an SA's state.
 */
enum sa_state {
	SA_NEW,	      /* just made: ike_sa_new() */
	SA_INIT_SENT, /* initiator: IKE_SA_INIT sent */
	SA_INIT_DONE, /* responder: IKE_SA_INIT answered, AUTH awaited */
	SA_AUTH_SENT, /* initiator: IKE_AUTH sent */
	SA_REKEY_NEW, /* being created by an IKE rekey, not yet in use */
	SA_ESTABLISHED,
	SA_REKEYED, /* superseded by a rekey or reauth; delete pending */
	SA_DELETING,
	SA_DEAD,
	SA_STATE_COUNT,
};

enum child_state {
	CHILD_INSTALLED,
	CHILD_REKEYING, /* a CREATE_CHILD_SA for it is in flight */
	CHILD_REKEYED,	/* its successor is up; delete pending */
	CHILD_DELETING,
	CHILD_STATE_COUNT,
};

/* What an outstanding request of ours is, to handle its response. */
enum req_kind {
	REQ_NONE,
	REQ_INIT,
	REQ_AUTH,
	REQ_CHILD_REKEY,
	REQ_CHILD_CREATE,
	REQ_IKE_REKEY,
	REQ_DPD,
	REQ_DELETE_CHILD,
	REQ_DELETE_IKE,
};

struct ike_tunnel;
struct ike_sa;
struct frag_asm;
struct tunnel_log;
struct tunnel_name;

struct child_sa {
	struct child_sa *next;
	struct ike_sa *ike;
	/* Filed in the engine's CHILD SA tables by spi_in and by spi_out
	 * once installed (the kernel's EXPIRE and MAPPING name an SA by
	 * SPI and destination). */
	struct hmap_node in_node, out_node;
	bool filed;
	enum child_state state;
	uint32_t spi_in, spi_out;
	uint32_t reqid;
	uint16_t encr, encr_bits, integ, dh;
	/* The negotiated selectors: n_local ours, then n_remote theirs. */
	struct ike_ts *ts;
	uint8_t n_local, n_remote;
	bool natt;
	uint64_t installed_wall, installed_ms;
	/* Simultaneous rekey (RFC 7296 2.8.1): the lowest nonce of the
	 * exchange that made this SA, and who started that exchange. */
	uint8_t min_nonce[IKE_NONCE_LEN];
	size_t min_nonce_len;
	bool created_by_us;
	struct child_sa *successor;   /* set while rekeyed */
	bool rekey_collision;	      /* the peer rekeys it too */
	bool want_rekey, want_delete; /* waiting for the window */
	struct ike_timer rekey_timer, expire_timer;
	/* As the responder of a rekey, the outbound SA's keys are held
	 * back until the old SA goes: see child_out_release(). */
	struct secbuf *out_ek, *out_ak;
	bool out_pending;
};

/* What a request offered, kept for its response (allocated per request). */
struct ike_req_sel {
	struct ike_sa_payload offer;
	struct ike_ts_payload ts_local, ts_remote;
};

/* Our pending request: what it is and what it needs for the response. */
struct ike_request {
	enum req_kind kind;
	uint32_t msg_id;
	struct ike_buf msg; /* as sent, for retransmission */
	unsigned tries;
	uint64_t sent_ms;	/* first sent */
	struct child_sa *child; /* rekeyed or deleted */
	/* 2.8.1: the peer's new SA for child, kept when the peer deleted
	 * child before answering our rekey of it (it won the collision). */
	struct child_sa *theirs;
	struct ike_sa *new_sa; /* IKE rekey */
	struct ike_dh *dh;
	uint8_t nonce[IKE_NONCE_LEN];
	uint32_t new_spi; /* CHILD: our inbound SPI */
	struct ike_req_sel *sel;
};

/* What only the first exchanges (or a rekey) need; freed once up. */
struct ike_sa_init {
	struct ike_buf init_ours, init_peer;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	struct ike_dh *dh; /* initiator, until the response */
	struct ike_sa_payload offer;
	uint8_t cookie[64];
	size_t cookie_len;
};

struct ike_sa {
	struct hmap_node spi_node;  /* the engine's table by our SPI */
	struct hmap_node peer_node; /* half-open responder: by spi_i */
	bool in_peer_table;
	struct ipaddr half_open_addr; /* counted under it while in_peer_table */
	struct ike_sa *tnext;	      /* list of the tunnel's IKE SAs */
	struct ike_tunnel *t;	      /* NULL for a half-open responder SA */
	enum sa_state state;
	bool initiator; /* original initiator of this IKE SA */
	uint64_t spi_i, spi_r;
	struct ike_endpoint local, remote;
	/* IKE moved to port 4500: after NAT detection, or because the
	 * peer moved there with no NAT (MOBIKE, RFC 4555 3.5).  Whether ESP
	 * is UDP-encapsulated is ike_sa_nat(), never this. */
	bool natt;
	bool nat_local;	 /* we are behind a NAT */
	bool nat_remote; /* the peer is */
	/* RFC 7383 2.3: both ends announced IKE fragmentation. */
	bool frag;
	struct frag_asm *rx_frag; /* frag.c: a message being reassembled */
	const struct ike_prf_alg *prf;
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ;
	uint16_t dh_group;
	struct ike_keys keys;
	struct ike_sa_init *in; /* until established */
	/* RFC 7296 2.3: a window of one each way. */
	uint32_t next_req_id;  /* our next request */
	uint32_t next_peer_id; /* the peer's next request */
	struct ike_request req;
	struct ike_buf last_resp; /* for the peer's retransmits */
	uint32_t last_resp_id;
	bool has_last_resp;
	/* Work waiting for the window. */
	bool want_dpd, want_rekey, want_delete;
	struct child_sa *children;
	uint64_t established_wall, established_ms, last_heard_ms;
	struct ike_sa *successor; /* after a rekey or reauth */
	uint8_t min_nonce[IKE_NONCE_LEN];
	size_t min_nonce_len;
	bool created_by_us, rekey_collision;
	bool reauth;	  /* being replaced by a reauthentication */
	bool want_reauth; /* a commit asks for one: when the window is free */
	size_t next_pair; /* per-pair: the next pair to look at (child.c) */
	/* A CREATE_CHILD_SA of ours was answered INVALID_KE and sent again
	 * with the group asked for: once, until one succeeds (child.c). */
	bool pfs_retried;
	struct ike_timer retransmit, rekey_timer, expire_timer, dpd_timer,
	    keepalive_timer, halfopen_timer;
};

struct ike_tunnel {
	struct ike_tunnel *next;      /* list of all tunnels */
	struct ike_tunnel **pprev;    /* what points to it in that list */
	struct hmap_node remote_node; /* the engine's tables: by remote */
	struct hmap_node name_node;   /* address, by name, by reqid */
	struct hmap_node reqid_node;
	struct ike_tunnel_conf conf; /* points into conf_mem */
	void *conf_mem;
	struct secbuf *psk;
	uint32_t reqid;
	bool policies_installed;
	struct ike_sa *sas;
	struct ike_dpd_status dpd;	   /* liveness checks and actions */
	struct ike_tunnel_traffic traffic; /* with the peer's address */
	/* What its deleted CHILD SAs had counted, read from the kernel as
	 * each pair went (child.c), for totals across rekeys. */
	struct {
		uint64_t bytes, packets;
	} deleted_in, deleted_out;
	/* Events, last error, why a reauthentication failed: NULL until
	 * the first of them (tunnel_log.c). */
	struct tunnel_log *log;
	struct ike_timer restart_timer;
	unsigned restart_backoff;
	bool dpd_cleared;	 /* DPD clear: stay down until peer or admin */
	uint16_t want_group;	 /* the group the peer took or asked for last */
	uint16_t want_pfs_group; /* the PFS group it asked for (INVALID_KE) */
	bool want_up;		 /* initiate when possible (restart, ACQUIRE) */
	/* When traffic last asked for the tunnel (ACQUIRE), in ms; an
	 * attempt it started is retried for TUNNEL_ACQUIRE_RETRY_MS. */
	uint64_t acquired_ms;
	bool carrying; /* it has a CHILD SA: what p.carrier was told */
	/* A commit changed keys, proposals, IDs or lifetimes: the tunnel
	 * reauthenticates, and until the new SAs are up it runs on those
	 * of the previous configuration (why the last try failed is
	 * tunnel_reauth_error()). */
	bool reauth_commit;
	struct tunnel_name *peer_name; /* names.c; NULL: by address */
};

/* The tables' initial (and smallest) sizes; they grow with their
 * contents (lib/hmap.h). */
#define IKE_SPI_BUCKETS	   4096
#define IKE_TUNNEL_BUCKETS 1024

struct ike_engine {
	struct ike_engine_params p;
	struct ike_timer **heap;
	size_t n_heap, cap_heap;
	struct hmap by_spi;  /* our SPI (spi_i as initiator, spi_r) */
	struct hmap by_peer; /* half-open responder SAs, by spi_i */
	struct hmap child_in, child_out; /* CHILD SAs by SPI */
	size_t sas_peak;   /* most SAs since memory was last given back */
	struct hmap peers; /* halfopen.c; no buckets when no address */
	struct ike_tunnel *tunnels;
	struct tunnel_name *named; /* names.c: tunnels with a peer name */
	struct hmap by_remote, by_reqid, by_name;
	uint32_t next_reqid;
	uint8_t cookie_secret[32];
	struct ike_counters c;
	uint8_t scratch[IKE_MSG_MAX];
};

/* engine.c: creation and the seams */
uint64_t engine_now(const struct ike_engine *e);
uint64_t engine_wall(const struct ike_engine *e);
void engine_random(struct ike_engine *e, void *buf, size_t len);

/* tunnel.c: the table of tunnels and a tunnel's life */
size_t tunnel_remote_hash(const struct ipaddr *addr);
struct ike_tunnel *tunnel_by_remote(struct ike_engine *e,
    const struct ipaddr *addr, const struct ipaddr *local);
struct ike_tunnel *tunnel_by_name(const struct ike_engine *e, const char *name);
struct ike_tunnel *tunnel_by_reqid(struct ike_engine *e, uint32_t reqid);
void tunnel_sa_gone(struct ike_engine *e, struct ike_tunnel *t);
/* Counts a datagram from (rx) or to the peer at remote, if a tunnel's. */
void tunnel_count(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, bool rx);
void tunnel_dpd_action(struct ike_engine *e, struct ike_tunnel *t);
/* Tries again later, with a backoff of 1, 2, 4 ... 60 s. */
void tunnel_restart_later(struct ike_engine *e, struct ike_tunnel *t);
/* Drops every IKE SA of t (with tell_peer, a Delete for each up one). */
void tunnel_sas_drop(struct ike_engine *e, struct ike_tunnel *t,
    bool tell_peer);
/* Unlinks and frees t with its SAs and policies. */
void tunnel_free(struct ike_engine *e, struct ike_tunnel *t);

/* Policies in, then negotiate or wait (a named peer: once resolved). */
int tunnel_start(struct ike_engine *e, struct ike_tunnel *t, struct diag *d);

/* names.c: the peer of a tunnel by name */
/* Resolves t's name as it is set up: 0 when it has an address now, 1
 * when not yet (tunnel_start() follows the answer). */
int names_start(struct ike_engine *e, struct ike_tunnel *t);
/* Before an initiation: 0 go on; 1 wait (it follows the answer); or a
 * negative errno (the reason is the tunnel's last error). */
int names_before_init(struct ike_engine *e, struct ike_tunnel *t);
/* A tunnel whose name resolved to addr besides its current address. */
struct ike_tunnel *names_by_remote(struct ike_engine *e,
    const struct ipaddr *addr, const struct ipaddr *local);
/* A responder SA came from addr, one of the name's: the tunnel's
 * policies follow it while it has no SA. */
void names_peer_at(struct ike_engine *e, struct ike_tunnel *t,
    const struct ipaddr *addr);
/* Takes the name from t's new configuration (NULL keeps none). */
int names_set(struct ike_engine *e, struct ike_tunnel *t);
void names_free(struct ike_engine *e, struct ike_tunnel *t);

/* tunnel_log.c: a tunnel's events and last error, for show commands */
void tunnel_event(struct ike_engine *e, struct ike_tunnel *t, enum ike_event ev,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void tunnel_error(struct ike_engine *e, struct ike_tunnel *t, enum ike_event ev,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void tunnel_error_clear(struct ike_tunnel *t);
/* The last error; "" when none. */
const char *tunnel_last_error(const struct ike_tunnel *t);
/* Why the new SAs of a commit's reauthentication failed; "" when not. */
void tunnel_reauth_error_set(struct ike_tunnel *t, const char *text);
void tunnel_reauth_error_clear(struct ike_tunnel *t);
const char *tunnel_reauth_error(const struct ike_tunnel *t);
/* Fills the events, their counts and the last error of out. */
void tunnel_log_status(const struct ike_tunnel *t,
    struct ike_tunnel_status *out);
void tunnel_log_free(struct ike_tunnel *t);

/* policy.c: a tunnel's kernel policies */
/* Moves the kernel from the policies of from to those of to (either
 * NULL: none), new ones in first; on a failure, as from had them. */
int policies_move(struct ike_engine *e, uint32_t reqid,
    const struct ike_tunnel_conf *from, const struct ike_tunnel_conf *to,
    struct diag *d);
int policies_install(struct ike_engine *e, struct ike_tunnel *t,
    struct diag *d);
void policies_remove(struct ike_engine *e, struct ike_tunnel *t);
/* Whether a and b differ in what their policies are made of. */
bool policies_differ(const struct ike_tunnel_conf *a,
    const struct ike_tunnel_conf *b);

/* sa.c: the table, states, sending and the window */
struct ike_sa *ike_sa_new(struct ike_engine *e, struct ike_tunnel *t,
    bool initiator);
void ike_sa_free(struct ike_engine *e, struct ike_sa *sa);
struct ike_sa *ike_sa_lookup(struct ike_engine *e, uint64_t spi);
/* RFC 7296 2.23: NAT detection alone decides UDP encapsulation of ESP. */
static inline bool
ike_sa_nat(const struct ike_sa *sa)
{
	return sa->nat_local || sa->nat_remote;
}

/* A half-open responder SA for a retransmitted IKE_SA_INIT request. */
struct ike_sa *ike_sa_lookup_half_open(struct ike_engine *e, uint64_t spi_i,
    const struct ike_endpoint *remote);
int ike_sa_half_open_add(struct ike_engine *e, struct ike_sa *sa);
void ike_sa_half_open_done(struct ike_engine *e, struct ike_sa *sa);
uint64_t ike_sa_our_spi(const struct ike_sa *sa);
void ike_sa_set_state(struct ike_engine *e, struct ike_sa *sa,
    enum sa_state to);
const char *ike_sa_state_name(enum sa_state s);
void ike_sa_attach(struct ike_engine *e, struct ike_sa *sa,
    struct ike_tunnel *t);
/* Starts a protected request: header and an inner chain to fill. */
void ike_sa_begin(struct ike_sa *sa, struct ike_buf *inner);
int ike_sa_send_request(struct ike_engine *e, struct ike_sa *sa,
    enum req_kind kind, uint8_t exchange, struct ike_buf *inner);
int ike_sa_send_response(struct ike_engine *e, struct ike_sa *sa,
    uint8_t exchange, uint32_t msg_id, struct ike_buf *inner);
void ike_sa_send_raw(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const struct ike_buf *b);
void ike_sa_request_done(struct ike_engine *e, struct ike_sa *sa);
void ike_sa_kick(struct ike_engine *e, struct ike_sa *sa);
void ike_sa_delete_now(struct ike_engine *e, struct ike_sa *sa);
struct ike_sk_keys ike_sa_sk_keys(const struct ike_sa *sa, bool ours);
void ike_sa_timers_start(struct ike_engine *e, struct ike_sa *sa);
void ike_sa_heard(struct ike_engine *e, struct ike_sa *sa);
void ike_sa_init_done(struct ike_sa *sa);
struct ike_req_sel *ike_sa_req_sel(struct ike_sa *sa);
/*
 * RFC 7296 2.8.1 compares the lowest nonces of two exchanges: kept are
 * the first IKE_NONCE_LEN bytes of the lower one and its length (a tie
 * in 32 random bytes does not happen).
 */
void nonce_min_keep(uint8_t *out, size_t *out_len, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len);
bool nonce_min_lower(const uint8_t *a, size_t a_len, const uint8_t *b,
    size_t b_len);
void ike_sa_dpd_restart(struct ike_engine *e, struct ike_sa *sa);
void ike_sa_rekey_follow(struct ike_engine *e, struct ike_sa *sa);
void ike_sa_endpoints_update(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_endpoint *local, const struct ike_endpoint *remote);

/* frag.c: IKE fragmentation (RFC 7383) */
size_t frag_limit(const struct ike_engine *e, const struct ike_sa *sa);
int frag_protect(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_header *h, const struct ike_buf *inner,
    struct ike_buf *train);
int frag_input(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
    uint8_t *buf, uint8_t **whole, size_t *len, uint8_t *first);
void frag_discard(struct ike_engine *e, struct ike_sa *sa);

/* halfopen.c: admission of half-open responder SAs, per address */
size_t half_open_of(struct ike_engine *e, const struct ipaddr *addr);
bool half_open_cookie_wanted(struct ike_engine *e, const struct ipaddr *addr);
bool half_open_admit(struct ike_engine *e, const struct ipaddr *addr);
int half_open_peer_add(struct ike_engine *e, const struct ipaddr *addr);
void half_open_peer_del(struct ike_engine *e, const struct ipaddr *addr);
void half_open_peers_free(struct ike_engine *e);

/* init.c: IKE_SA_INIT and IKE_AUTH */
int ike_init_start(struct ike_engine *e, struct ike_tunnel *t);
void ike_init_request(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const struct ike_msg *m,
    const uint8_t *buf, size_t len);
void ike_init_response(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m, const uint8_t *buf, size_t len);
void ike_auth_request(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m);
void ike_auth_response(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m);
void ike_sa_offer(const struct ike_tunnel *t, uint16_t first_dh,
    struct ike_sa_payload *out);
int ike_sa_set_algs(struct ike_sa *sa, const struct ike_proposal *p);
void init_notify_reply(struct ike_engine *e, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, uint64_t spi_i, uint16_t type,
    const uint8_t *data, size_t len);
void tunnel_no_proposal(struct ike_engine *e, struct ike_tunnel *t,
    const char *kind, const struct ike_sa_payload *offered,
    const struct ike_sa_payload *ours);
int ike_sa_keys_from(struct ike_engine *e, struct ike_sa *sa,
    const struct secbuf *g_ir, const struct ike_sa *old);

/* child.c: CHILD SAs, CREATE_CHILD_SA */
void child_offer(const struct ike_tunnel *t, bool with_dh, uint32_t spi,
    struct ike_sa_payload *out);
void child_strip_dh(struct ike_sa_payload *sa);
int ike_ke_public_add(struct ike_dh *dh, uint16_t group, struct ike_buf *b);
/* The family-wide prefixes (0.0.0.0/0, ::/0) a route-based tunnel
 * carries, 1 or 2 of them. */
size_t child_route_any(const struct ike_tunnel_conf *c, struct ipaddr out[2]);
void child_ts(const struct ike_tunnel *t, struct ike_ts_payload *local,
    struct ike_ts_payload *remote);
/* Who started the exchange that makes a CHILD SA, and what for. */
enum child_origin {
	CHILD_BY_US,
	CHILD_BY_PEER,
	CHILD_BY_PEER_REKEY, /* replaces one: outbound held back (2.8) */
};
int child_install(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_proposal *chosen, uint32_t spi_in,
    const struct ike_ts_payload *ts_local,
    const struct ike_ts_payload *ts_remote, const struct secbuf *g_ir,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    enum child_origin origin, struct child_sa **out);
/* Says the peer refused our networks (TS_UNACCEPTABLE), and why it may. */
void child_ts_refused(struct ike_engine *e, struct ike_tunnel *t,
    const struct ike_req_sel *sel);
/* Installs a rekeyed SA's held-back outbound SA, if any. */
void child_out_release(struct ike_engine *e, struct child_sa *c);
void child_free(struct ike_engine *e, struct child_sa *c, bool kernel);
/* Tells p.carrier when t gains its first CHILD SA or loses its last. */
void child_carrier_check(struct ike_engine *e, struct ike_tunnel *t);
void child_unlink(struct ike_sa *sa, struct child_sa *c);
struct child_sa *child_by_spi(struct ike_sa *sa, uint32_t spi, bool inbound);
void child_set_state(struct ike_engine *e, struct child_sa *c,
    enum child_state to);
int child_start_rekey(struct ike_engine *e, struct child_sa *c);
int child_start_new(struct ike_engine *e, struct ike_sa *sa);
size_t child_pairs(const struct ike_tunnel *t);
size_t child_pairs_missing(const struct ike_tunnel *t, const struct ike_sa *sa,
    struct ike_net_pair *out, size_t max);
/* What IKE_AUTH offers: all networks, or with per-pair the first pair. */
void child_ts_first(const struct ike_tunnel *t, struct ike_ts_payload *local,
    struct ike_ts_payload *remote);
bool child_next_pair(struct ike_engine *e, struct ike_sa *sa);
void child_narrow_check(struct ike_engine *e, struct ike_sa *sa);
void create_child_request(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m);
void create_child_response(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m);
void child_timers_start(struct ike_engine *e, struct child_sa *c);

/* rekey.c: IKE SA rekey and reauthentication */
int ike_rekey_start(struct ike_engine *e, struct ike_sa *sa);
int ike_reauth_start(struct ike_engine *e, struct ike_sa *sa);
int ike_tunnel_reauth(struct ike_engine *e, struct ike_tunnel *t);
struct ike_sa *ike_reauth_old(const struct ike_tunnel *t);
bool ike_reauth_failed(const struct ike_tunnel *t);
bool ike_sa_rekey_requested(const struct ike_msg *m);
void ike_rekey_request(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m);
void ike_rekey_response(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m);

/* info.c: INFORMATIONAL */
int info_send_dpd(struct ike_engine *e, struct ike_sa *sa);
int info_delete_child(struct ike_engine *e, struct child_sa *c);
int info_delete_ike(struct ike_engine *e, struct ike_sa *sa);
void info_request(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m);
void info_response(struct ike_engine *e, struct ike_sa *sa,
    const struct ike_msg *m);
void ike_sa_dpd_timer(struct ike_engine *e, struct ike_timer *tm);

/* status.c: what the show commands read, and transform names */
void ike_offers_format(const struct ike_sa_payload *sa, char *buf, size_t len);

/* info.c too: the notifies of a parsed message. */
bool msg_has_notify(const struct ike_msg *m, uint16_t type,
    struct ike_notify_payload *out);
uint16_t msg_error_notify(const struct ike_msg *m);

#endif
