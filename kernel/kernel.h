/*
 * kernel/kernel.h: netlink XFRM SAs and policies, routes and links, behind
 * an ops struct so the IKE engine can be tested without a kernel.  The IKE
 * engine is the only caller of the SA and policy operations; the parameter
 * structs say what an SA or policy is, never how netlink spells it.
 *
 * Addresses and selectors are struct ipaddr of either family (outer
 * addresses single, len 32 or 128); SPIs in host byte order (the netlink
 * layer converts).  Keys are borrowed for the call only.
 */
#ifndef TUNSH_KERNEL_H
#define TUNSH_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"

/*
 * "No limit".  The netlink layer writes it as the kernel wants each field:
 * XFRM_INF for byte and packet limits (a 0 there expires the SA on its
 * first packet), 0 for time limits (XFRM_INF overflows the kernel's sum).
 */
#define KERNEL_LIFE_INF UINT64_MAX

/*
 * Every SA and policy tunshd installs carries a reqid in this range, so
 * that what a crashed tunshd left can be told from other daemons' state.
 */
#define KERNEL_REQID_MIN 0x74000000u /* "t" */
#define KERNEL_REQID_MAX 0x74ffffffu

struct kernel_sa {
	struct ipaddr src, dst; /* outer addresses, one family */
	uint32_t spi;
	uint32_t reqid;
	/* Encryption: the XFRM name ("rfc4106(gcm(aes))", "cbc(aes)"). */
	const char *enc_alg;
	const struct secbuf *enc_key; /* salt included for AEAD */
	unsigned icv_bits;	      /* AEAD only */
	/* Integrity ("hmac(sha256)"), NULL with AEAD. */
	const char *auth_alg;
	const struct secbuf *auth_key;
	unsigned trunc_bits;
	uint32_t replay_window; /* packets; 0 = none (outbound) */
	/* NAT-T: ESP in UDP (RFC 3948) with these ports. */
	bool encap;
	uint16_t encap_sport, encap_dport;
	/* Route-based tunnels: the mark (VTI) or if_id (xfrm interface). */
	uint32_t mark, mark_mask;
	uint32_t if_id;
	/* Seconds after add; KERNEL_LIFE_INF = none. */
	uint64_t soft_secs, hard_secs;
	/*
	 * The traffic the SA carries, for the kernel's selector: its family
	 * is the inner one, which may differ from the outer (4-in-6, 6-in-4).
	 * No family on either side, or two families: no selector at all and
	 * the SA carries both inner families (XFRM_STATE_AF_UNSPEC).
	 */
	struct ipaddr sel_src, sel_dst;
};

/* Where an SA's peer went, behind a NAT: outer addresses and the UDP
 * ports of its encapsulation. */
struct kernel_sa_move {
	struct ipaddr src, dst;
	uint16_t sport, dport;
};

/* A counter read, for show commands and DPD's "silent peer" test. */
struct kernel_sa_stats {
	uint64_t bytes, packets;
	uint64_t use_time; /* wall-clock seconds of the last packet; 0 none */
	uint64_t add_time;
};

enum kernel_dir {
	KERNEL_DIR_IN,
	KERNEL_DIR_OUT,
	KERNEL_DIR_FWD,
};

struct kernel_policy {
	struct ipaddr src, dst; /* the inner family, both the same */
	enum kernel_dir dir;
	uint32_t priority; /* lower wins: more specific tunnels first */
	/* Template: ESP tunnel mode between the outer addresses, matched
	 * to SAs by reqid.  With no SA the kernel raises ACQUIRE and holds
	 * the packet: nothing leaks in clear. */
	uint32_t reqid;
	struct ipaddr tmpl_src, tmpl_dst; /* the outer family */
	uint32_t mark, mark_mask;
	uint32_t if_id;
};

/*
 * Whether two policies are the same kernel object: the kernel keys them
 * by direction, selector, mark and if_id (an add of the same updates it).
 */
static inline bool
kernel_policy_same(const struct kernel_policy *a, const struct kernel_policy *b)
{
	return a->dir == b->dir && ipaddr_cmp(&a->src, &b->src) == 0 &&
	    ipaddr_cmp(&a->dst, &b->dst) == 0 && a->mark == b->mark &&
	    a->if_id == b->if_id;
}

/*
 * The operations.  Each returns 0 or a negative errno; a reason a person
 * can act on goes to d where there is one.  Deleting what is already gone
 * is not an error.
 */
struct kernel_ops {
	/* XFRM_MSG_ALLOCSPI: an inbound SPI reserved for dst (ours). */
	int (*spi_alloc)(void *arg, const struct ipaddr *src,
	    const struct ipaddr *dst, uint32_t reqid, uint32_t *spi,
	    struct diag *d);
	/* Adds an SA; or replaces the larval state SPI allocation left. */
	int (*sa_add)(void *arg, const struct kernel_sa *sa, struct diag *d);
	int (*sa_del)(void *arg, const struct ipaddr *dst, uint32_t spi);
	int (*sa_query)(void *arg, const struct ipaddr *dst, uint32_t spi,
	    struct kernel_sa_stats *out);
	/* The SA (dst, spi) keeps its keys and counters but gets m's
	 * addresses and encapsulation ports (NAT-T, RFC 3948). */
	int (*sa_move)(void *arg, const struct ipaddr *dst, uint32_t spi,
	    const struct kernel_sa_move *m, struct diag *d);
	int (*policy_add)(void *arg, const struct kernel_policy *p,
	    struct diag *d);
	int (*policy_del)(void *arg, const struct kernel_policy *p);
};

/*
 * Events the kernel raises, delivered by the netlink layer to whoever
 * registered (the IKE engine).
 */
struct kernel_events {
	/* Traffic matched a policy with no SA (reqid of its template). */
	void (*acquire)(void *arg, uint32_t reqid, const struct ipaddr *src,
	    const struct ipaddr *dst);
	/* An SA's soft (rekey) or hard (gone) lifetime ran out. */
	void (*expire)(void *arg, const struct ipaddr *dst, uint32_t spi,
	    bool hard);
	/* NAT-T: the peer's UDP port or address changed. */
	void (*mapping)(void *arg, const struct ipaddr *dst, uint32_t spi,
	    const struct ipaddr *new_addr, uint16_t new_port);
};

/*
 * Route-based tunnels: a virtual tunnel interface each, its inside
 * address, and routes to the remote networks through it.  The apply
 * layer drives these (the IKE engine only marks its SAs and policies).
 */
enum kernel_link_kind {
	KERNEL_LINK_NONE,  /* neither: route-based tunnels cannot work */
	KERNEL_LINK_VTI,   /* matched to SAs and policies by mark */
	KERNEL_LINK_XFRMI, /* matched by if_id */
};

struct kernel_link {
	char name[16];	/* IFNAMSIZ */
	char under[16]; /* XFRM interface: the WAN port under it; "" none */
	bool xfrmi;
	uint32_t key; /* if_id, or the VTI key (= the mark) */
	/* VTI: the outer addresses; their family makes it "vti" or "vti6"
	 * (ip6_vti).  An XFRM interface carries either family outside. */
	struct ipaddr local, remote;
	/* The inside address with its prefix length (host bits kept, as
	 * "ip address add" takes it), either family; len 0 = none. */
	struct ipaddr addr;
	uint32_t mtu; /* 0: KERNEL_LINK_MTU */
};

/* Room for ESP in tunnel mode with NAT-T in a 1500-byte path. */
#define KERNEL_LINK_MTU 1400

/* tunshd's routes carry their own protocol number (rtnetlink). */
#define KERNEL_RTPROT 116

struct kernel_route {
	struct ipaddr dst; /* either family */
	char dev[16];
	uint32_t metric; /* a backup tunnel's routes get a higher one */
};

struct kernel_link_ops {
	int (*link_add)(void *arg, const struct kernel_link *l, struct diag *d);
	int (*link_del)(void *arg, const char *name); /* gone: 0 */
	int (*route_add)(void *arg, const struct kernel_route *r,
	    struct diag *d);
	int (*route_del)(void *arg, const struct kernel_route *r);
	/* The interface's MTU, changed as it runs (its routes stay). */
	int (*link_set_mtu)(void *arg, const char *name, uint32_t mtu,
	    struct diag *d);
};

/*
 * The real kernel: XFRM over netlink (kernel/nl.c, ops.c, events.c).
 * kernel_nl_ops takes the struct kernel_nl * as its arg.  A handle works
 * in the network namespace it was opened in.
 */
struct kernel_nl;

/* NULL with the reason in d (no XFRM netlink, no memory). */
struct kernel_nl *kernel_nl_open(struct diag *d);
void kernel_nl_close(struct kernel_nl *k); /* NULL is fine */
extern const struct kernel_ops kernel_nl_ops;

/*
 * Whether this kernel can install an ESP SA at all (CONFIG_INET_ESP and
 * one common algorithm suite), by adding and deleting a throw-away SA on
 * 127.0.0.1: for the commit-time check before tunnels are applied.
 */
bool kernel_nl_has_esp(struct kernel_nl *k);
/* Links and routes over rtnetlink (kernel/link.c), arg = the handle. */
extern const struct kernel_link_ops kernel_nl_link_ops;
/* Which tunnel interfaces the kernel can make, by trying (XFRM first). */
enum kernel_link_kind kernel_nl_link_kind(struct kernel_nl *k);

/*
 * At start: deletes the SAs and policies whose reqid is in tunshd's
 * range, left by an earlier tunshd that died; *removed says how many.
 * A failure to list them is a warning in d.
 */
int kernel_nl_cleanup(struct kernel_nl *k, size_t *removed, struct diag *d);

/*
 * Events: a second socket joined to the ACQUIRE, EXPIRE and MAPPING
 * groups.  The caller watches kernel_nl_events_fd() (nonblocking) in its
 * event loop and calls kernel_nl_events_dispatch() when it is readable;
 * that reads what is there and calls ev's functions (any may be NULL)
 * with arg.  An ACQUIRE's src and dst are the packet's that matched the
 * policy (RFC 7296 2.9: the first traffic selector of the request); an
 * EXPIRE's and MAPPING's dst and spi name the SA.
 */
int kernel_nl_events_open(struct kernel_nl *k, const struct kernel_events *ev,
    void *arg, struct diag *d);
int kernel_nl_events_fd(const struct kernel_nl *k); /* -1 when not open */
void kernel_nl_events_dispatch(struct kernel_nl *k);

/*
 * A kernel that only remembers (kernel/mem.c): SAs and policies in
 * memory, keys never kept.  For tunshd --kernel=none (a lab on a kernel
 * without ESP) and for tests that check what would be installed.
 */
struct kernel_mem;
struct kernel_mem *kernel_mem_new(void);
void kernel_mem_free(struct kernel_mem *k);
extern const struct kernel_ops kernel_mem_ops; /* arg: struct kernel_mem * */
/* Calls fn for each SA held (keys are not there); returns the count. */
size_t kernel_mem_sas(const struct kernel_mem *k,
    void (*fn)(void *arg, const struct kernel_sa *sa, const char *enc_alg),
    void *arg);
size_t kernel_mem_policies(const struct kernel_mem *k);
extern const struct kernel_link_ops kernel_mem_link_ops;
size_t kernel_mem_links(const struct kernel_mem *k);
/* The MTU of the interface held under name; 0 when none is. */
uint32_t kernel_mem_link_mtu(const struct kernel_mem *k, const char *name);
size_t kernel_mem_routes(const struct kernel_mem *k);

/*
 * TCP MSS clamps (kernel/nft.c) in nftables, in tunshd's own table "inet
 * tunsh" and nowhere else.  The whole table is written as one nft script
 * (built apart from running it, so the text is unit-tested) and run as one
 * transaction: the kernel holds either the old table or the new one.
 */
#define KERNEL_NFT_TABLE "tunsh" /* in family inet */

/* One tunnel's clamp. */
struct kernel_mss {
	const char *tunnel; /* for the rule's comment */
	/* Route-based: its interface, both ways.  NULL: policy-based,
	 * matched by its networks and by IPsec (leaving: routed into an
	 * XFRM policy; entering: decrypted). */
	const char *ifname;
	const struct ipaddr *local, *remote; /* either family, mixed */
	size_t n_local, n_remote;
	/* Route-based: the interface carries IPv6 too (policy-based: known
	 * from the networks), and IPv6 SYNs get their own clamp. */
	bool inet6;
	uint32_t mss; /* IPv4's; IPv6 gets 20 less (its header is larger) */
};

/*
 * The script that makes the table hold exactly these clamps, whatever it
 * held (none: the table is removed), into *out (malloc'd, NUL-ended).
 * -EINVAL for a name nft could not take literally, -ENOMEM.
 */
int kernel_nft_mss_script(const struct kernel_mss *m, size_t n, char **out);
/* The script that removes the table, if it is there. */
const char *kernel_nft_remove_script(void);

struct kernel_nft_ops {
	/* Runs a script as one transaction; nft's reason in words in d. */
	int (*run)(void *arg, const char *script, struct diag *d);
};

/* The real one, over libnftables, in the caller's network namespace. */
struct kernel_nft;
struct kernel_nft *kernel_nft_open(void);	   /* NULL: no memory */
void kernel_nft_close(struct kernel_nft *n);	   /* NULL is fine */
extern const struct kernel_nft_ops kernel_nft_ops; /* arg: kernel_nft * */
/*
 * Whether this kernel takes the clamp (nf_tables, the inet family, the
 * TCP option expression), by making and removing a throw-away chain in
 * tunshd's table (which removes a table a tunshd that died left); the
 * reason it does not, in d.
 */
bool kernel_nft_can_clamp(struct kernel_nft *n, struct diag *d);

#endif
