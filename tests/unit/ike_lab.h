/*
 * tests/unit/ike_lab.h: two (or more) IKE engines in one process, joined
 * by an in-memory network that delivers one datagram at a time, with a
 * fake kernel that records SAs and policies, a fake clock and a
 * deterministic random source.  Loss, a dead peer and a NAT in front of
 * peer A can be switched on.  Used by test_ike_exchange and ike_bench.
 */
#ifndef TUNSH_IKE_LAB_H
#define TUNSH_IKE_LAB_H

#include "ike/ike.h"

#define LAB_SAS	     64
#define LAB_POLICIES 1024
#define LAB_ADDRS    4

struct lab_sa {
	bool used;
	uint64_t seq; /* order of installation: a kernel sends on the newest */
	struct kernel_sa sa;
	uint8_t enc_key[64], auth_key[64];
	size_t enc_len, auth_len;
	char enc_alg[40], auth_alg[40];
	struct kernel_sa_stats stats;
};

struct lab_kernel {
	struct lab_sa sas[LAB_SAS];
	struct kernel_policy pol[LAB_POLICIES];
	size_t n_pol;
	uint32_t next_spi;
	uint64_t next_seq;
	int fail_sa_add;	  /* > 0: the next n sa_add calls fail */
	int fail_policy_add;	  /* > 0: the next n policy_add calls fail */
	int fail_policy_add_skip; /* ... after this many more succeed */
	size_t sa_adds, sa_dels, sa_moves;
	/* SPIs reserved by spi_alloc and not yet given an SA or deleted:
	 * larval SAs a real kernel would hold. */
	uint32_t larval[LAB_SAS];
	size_t n_larval;
	bool count_only; /* benchmarks: record nothing, count */
};

struct lab;
struct lab_peer {
	struct lab *lab;
	struct ike_engine *e;
	struct ipaddr addrs[LAB_ADDRS];
	size_t n_addrs;
	struct lab_kernel k;
	bool dead; /* drops everything sent to it */
	size_t tx;
};

struct lab_pkt {
	struct lab_pkt *next;
	struct ike_endpoint src, dst;
	size_t len;
	uint8_t data[];
};

struct lab {
	struct lab_peer a, b;
	uint64_t now_ms, wall;
	struct lab_pkt *head, *tail;
	size_t queued;
	unsigned loss; /* percent */
	uint64_t rng;
	bool nat_a;	    /* A sits behind a NAT at LAB_NAT_ADDR */
	uint16_t nat_shift; /* the NAT's port offset; 0: 10000 */
	/* A moves to UDP 4500 after IKE_SA_INIT with no NAT between, as a
	 * MOBIKE-capable strongSwan does (RFC 4555 3.5). */
	bool float_a;
	/* A path MTU: datagrams whose UDP payload (the non-ESP marker on
	 * 4500 counted) is larger are dropped, as a path that drops IP
	 * fragments does; 0: no limit.  largest: the largest one sent. */
	size_t mtu;
	size_t largest, too_big;
	size_t delivered, dropped;
	/* Called after every delivery, for invariants (no-gap checks). */
	void (*after)(struct lab *l, void *arg);
	void *after_arg;
	/* Datagrams to an address neither peer owns (a flooder's): given
	 * here instead of dropped, when set. */
	void (*stray)(struct lab *l, const struct lab_pkt *k, void *arg);
	void *stray_arg;
};

#define LAB_ADDR_A   0xc0000201u /* 192.0.2.1 */
#define LAB_ADDR_A2  0xc0000203u /* 192.0.2.3 */
#define LAB_ADDR_B   0xc0000202u /* 192.0.2.2 */
#define LAB_ADDR_B2  0xc0000204u /* 192.0.2.4 */
#define LAB_NAT_ADDR 0xc6336401u /* 198.51.100.1 */
/* Each peer's IPv6 address (addrs[2]), RFC 3849's documentation prefix. */
#define LAB_ADDR6_A  "2001:db8::1"
#define LAB_ADDR6_B  "2001:db8::2"
/* One of them as the kernel API takes it (a struct ipaddr). */
#define LAB_IP(a)                                                              \
	(&(const struct ipaddr){ AF_INET, 32,                                  \
	    { (uint8_t)((a) >> 24), (uint8_t)((a) >> 16), (uint8_t)((a) >> 8), \
		(uint8_t)(a) } })

extern const struct kernel_ops lab_kernel_ops;

/* An endpoint at an IPv4 address (host byte order) and port. */
static inline struct ike_endpoint
lab_ep(uint32_t addr, uint16_t port)
{
	struct ike_endpoint ep = { .port = port };

	ipaddr_from4(addr, 32, &ep.addr);
	return ep;
}

/* A and B, each with an engine; params may set cookie thresholds etc. */
void lab_init(struct lab *l, const struct ike_engine_params *pa,
    const struct ike_engine_params *pb);
void lab_free(struct lab *l);
/* Delivers queued datagrams until none is left (or max); count done. */
size_t lab_run(struct lab *l, size_t max);
/* Moves the clock forward by ms, firing timers and delivering. */
void lab_advance(struct lab *l, uint64_t ms);
/* Drops what is queued. */
void lab_flush(struct lab *l);
/* Moves the first queued datagram to the end: reordering on the wire. */
void lab_rotate(struct lab *l);

/* "aes256gcm16-prfsha256-x25519" style suites for confs. */
struct lab_suite {
	const char *name;
	uint16_t encr, encr_bits, prf, integ, dh;
};

/* A tunnel configuration with the storage its pointers refer to. */
struct lab_tunnel {
	struct ike_tunnel_conf c;
	struct ipaddr ln[16], rn[16];
	struct ike_algs ike[2], esp[2];
};

/*
 * A policy-based tunnel from local to remote protecting ln <-> rn, with
 * the suite for IKE and ESP, PSK "lab-secret-1", initiator on, DPD off,
 * lifetimes off.
 */
void lab_conf(struct lab_tunnel *t, const char *name, uint32_t local,
    uint32_t remote, const char *ln, const char *rn, const struct lab_suite *s,
    const struct secbuf *psk);
/* The same with outer addresses as text, of either family. */
void lab_conf_at(struct lab_tunnel *t, const char *name, const char *local,
    const char *remote, const char *ln, const char *rn,
    const struct lab_suite *s, const struct secbuf *psk);

/* Kernel queries. */
size_t lab_sa_count(const struct lab_kernel *k);
const struct lab_sa *lab_sa_find(const struct lab_kernel *k, uint32_t spi);
/*
 * A flooder's IKE_SA_INIT request into b (which the caller frees):
 * tunshd's default proposal (AES-GCM-16-256, PRF-HMAC-SHA-256, X25519)
 * with the X25519 value ke, a nonce that follows spi (so that an echo
 * matches the responder's cookie hash, which covers the nonce: RFC 7296
 * 2.6) and the cookie, if any.  Shared by test_ike_exchange and the
 * real-socket flooder tests/integration/ike_flood.c.  0 or -errno.
 */
int lab_flood_request(struct ike_buf *b, uint64_t spi, const uint8_t ke[32],
    const uint8_t *cookie, size_t cookie_len);

/* The SPI a kernel sends on from addr: its newest SA from there, or 0. */
uint32_t lab_sa_sending(const struct lab_kernel *k, uint32_t addr);
/* The SPI a kernel sends a packet src -> dst (inner addresses) on from
 * addr, as xfrm_state_find picks: the newest SA whose selector takes
 * the packet; 0 if none does. */
uint32_t lab_sa_for_flow(const struct lab_kernel *k, uint32_t addr,
    uint32_t src, uint32_t dst);
/* True when a's outbound SA spi has the keys of b's inbound one. */
bool lab_keys_agree(const struct lab_kernel *a, const struct lab_kernel *b,
    uint32_t spi);

#endif
