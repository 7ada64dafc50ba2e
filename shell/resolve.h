/*
 * shell/resolve.h: names to addresses on tunshd's loop (libevent's
 * evdns), cached with their TTLs and bounded, for the IKE engine's
 * resolve seam (struct ike_resolve_ops) and for commit.  Never blocks:
 * a name not known yet is asked for and its answer comes through
 * p.answered.
 */
#ifndef TUNSH_SHELL_RESOLVE_H
#define TUNSH_SHELL_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"
#include "lib/lib.h"

/* The limits (tunshd(8), LIMITS, Names). */
#define RESOLVE_NAMES_MAX 1024	/* names cached at once */
#define RESOLVE_ADDRS_MAX 8	/* addresses kept per name */
#define RESOLVE_TIMEOUT_S 5	/* per try, unless resolv.conf says */
#define RESOLVE_ATTEMPTS  2	/* tries per server, unless resolv.conf */
#define RESOLVE_TTL_MIN	  5	/* seconds: a shorter TTL is raised */
#define RESOLVE_TTL_MAX	  86400 /* seconds: a longer TTL is cut */
#define RESOLVE_HOSTS_TTL 60	/* seconds an /etc/hosts answer holds */
#define RESOLVE_RETRY_MIN 5	/* seconds after a first failure ... */
#define RESOLVE_RETRY_MAX 300	/* ... doubling up to this */
#define RESOLVE_WHY_MAX	  160

struct event_base;
struct resolver;

struct resolver_params {
	struct event_base *base;
	const char *resolv_conf; /* NULL: /etc/resolv.conf */
	const char *hosts;	 /* NULL: /etc/hosts */
	/* A name's answer came (addresses or a failure).  It may call
	 * resolver_lookup() again; it must not free the resolver. */
	void (*answered)(void *arg, const char *name);
	void *answered_arg;
};

struct resolver *resolver_new(const struct resolver_params *p, struct diag *d);
void resolver_free(struct resolver *r);

/*
 * What r knows of name now, as struct ike_resolve_ops says: n > 0
 * addresses (IPv4 first, then IPv6) good for *ttl more seconds; 0 while
 * a query is under way (one is started when the answer is missing or
 * expired); -errno with the reason in why (NUL-terminated, "cannot
 * resolve NAME: " not included), *ttl the seconds until it is asked
 * again.
 */
int resolver_lookup(struct resolver *r, const char *name, struct ipaddr *out,
    size_t max, uint32_t *ttl, char *why, size_t why_len);

/* resolver_lookup as the engine's seam; arg is the resolver. */
extern const struct ike_resolve_ops resolver_ike_ops;

/* names.c: the names of cfg's enabled tunnels for commit (the shape of
 * commands_env's names_pending and names_check); arg is the resolver. */
struct config;
size_t resolver_config_pending(void *arg, const struct config *cfg);
void resolver_config_check(void *arg, const struct config *cfg, bool check_only,
    struct diag *d);
/*
 * The address of t's local-address given by name: its WAN port's, which
 * the name must resolve to; -EINVAL with the reason in d when the port
 * has none, or (once started) when the name resolves to others only.
 */
struct config_tunnel;
int resolver_local_addr(struct resolver *r, const struct config *cfg,
    const struct config_tunnel *t, bool started, struct ipaddr *out,
    struct diag *d);

#endif
