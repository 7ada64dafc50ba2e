/*
 * shell/mss.h: the TCP MSS clamps of the running tunnels, private to
 * shell/: apply.c records each tunnel's clamp as a commit's steps go, and
 * at the end of the commit the nftables table is made to match them in
 * one transaction (kernel/nft.c).
 */
#ifndef TUNSH_SHELL_MSS_H
#define TUNSH_SHELL_MSS_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "kernel/kernel.h"

struct mss_entry;

struct mss_set {
	const struct kernel_nft_ops *ops; /* NULL: clamps are not applied */
	void *arg;
	struct mss_entry *list;
	char *applied; /* the script the kernel holds; NULL: none yet */
	size_t runs;   /* transactions run (tests count them) */
};

/* The tunnel's clamp from now on: on its interface (route-based: ifname)
 * or by its networks (policy-based: ifname NULL).  A route-based tunnel's
 * networks say whether it carries IPv6 (its SYNs get their own clamp).
 * 0 or -ENOMEM. */
int mss_set(struct mss_set *s, const char *tunnel, const char *ifname,
    const struct ipaddr *local, size_t n_local, const struct ipaddr *remote,
    size_t n_remote, uint32_t mss);
/* The tunnel clamps nothing from now on; none is fine. */
void mss_del(struct mss_set *s, const char *tunnel);
bool mss_has(const struct mss_set *s, const char *tunnel);
/*
 * Makes the table hold the recorded clamps, in one transaction, unless it
 * holds them already.  On failure the kernel keeps the table it had, the
 * reason is in d, and the next sync tries again.
 */
int mss_sync(struct mss_set *s, struct diag *d);
/* Removes the table (when a script of ours ever ran) and the records. */
void mss_clear(struct mss_set *s);

#endif
