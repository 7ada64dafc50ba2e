/*
 * shell/resolve.c: names to addresses for tunshd, on its loop with
 * libevent's evdns; one job: answer "what is NAME now" at once from a
 * bounded cache, and ask the name servers when the cache has no fresh
 * answer.  It does not decide what a tunnel does with an answer.
 *
 * Where answers come from: /etc/hosts first, then DNS.  evdns reads
 * /etc/hosts only through evdns_getaddrinfo(), which gives no TTL, and
 * its A/AAAA queries (evdns_base_resolve_ipv4/ipv6) give TTLs but skip
 * /etc/hosts.  So a second evdns base with no name servers holds the
 * hosts file: evdns_getaddrinfo() on it answers a hosts name at once (in
 * the call) and sends nothing for another (the request is cancelled);
 * a hosts answer holds RESOLVE_HOSTS_TTL seconds, and the file is read
 * again when its mtime changes.  Other names go to DNS as two queries,
 * A and AAAA, at once; their TTLs (the smallest record's, evdns says)
 * are held within RESOLVE_TTL_MIN..RESOLVE_TTL_MAX.
 *
 * The answers are untrusted: evdns parses the wire format (a reply it
 * cannot parse is an error; a CNAME is not followed by a new query, so a
 * CNAME loop is one answer with no address), at most RESOLVE_ADDRS_MAX
 * addresses of an answer are kept, a name failing is asked again after
 * RESOLVE_RETRY_MIN seconds doubling to RESOLVE_RETRY_MAX, and the cache
 * holds RESOLVE_NAMES_MAX names (the least recently asked goes).  The
 * cache is a list: names are asked at setup, initiation and expiry, not
 * per packet.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "shell/resolve.h"

struct entry {
	struct entry *next;
	struct resolver *r;
	char name[254];
	struct ipaddr addrs[RESOLVE_ADDRS_MAX];
	size_t n;
	int err; /* 0, or -errno with why */
	char why[RESOLVE_WHY_MAX];
	uint64_t expires; /* monotonic seconds; 0: never asked */
	uint64_t used;	  /* last asked, for eviction */
	unsigned failures;
	/* While asking: the two queries and what they brought. */
	struct evdns_request *q4, *q6;
	struct ipaddr got[RESOLVE_ADDRS_MAX], got6[RESOLVE_ADDRS_MAX];
	size_t n4, n6;
	uint32_t ttl;
	int res4, res6;
};

struct resolver {
	struct resolver_params p;
	struct evdns_base *dns, *hosts;
	/* The hosts base before the file last changed: the cancels of its
	 * requests still run on the loop and read it (see hosts_load). */
	struct evdns_base *hosts_old;
	char resolv_conf[256], hosts_path[256];
	struct timespec hosts_mtime;
	struct entry *entries;
	size_t n;
	bool closing;
};

static uint64_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* The hosts base, made again when the file changed (or went). */
static void
hosts_load(struct resolver *r)
{
	struct stat st;
	struct timespec m = { 0 };

	if (stat(r->hosts_path, &st) == 0)
		m = st.st_mtim;
	if (r->hosts != NULL && m.tv_sec == r->hosts_mtime.tv_sec &&
	    m.tv_nsec == r->hosts_mtime.tv_nsec)
		return;
	/* evdns runs a cancelled request's callback later, on the loop,
	 * and that reads its base: the old one goes at the next change. */
	if (r->hosts_old != NULL)
		evdns_base_free(r->hosts_old, 0);
	r->hosts_old = r->hosts;
	r->hosts_mtime = m;
	/* No name servers: it answers from the file or not at all. */
	if ((r->hosts = evdns_base_new(r->p.base, 0)) != NULL &&
	    evdns_base_load_hosts(r->hosts, r->hosts_path) < 0)
		log_warn("resolve",
		    "%s: cannot read it: names in it are "
		    "asked of DNS",
		    r->hosts_path);
}

/*
 * A hosts answer comes in the call (err 0); the cancel of a name not in
 * the file comes later, deferred on the loop, when the entry may be gone:
 * arg is read only for an answer.
 */
static void
hosts_cb(int err, struct evutil_addrinfo *res, void *arg)
{
	struct entry *e = arg;
	size_t n4 = 0, n6 = 0;

	if (err != 0 || res == NULL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	for (struct evutil_addrinfo *a = res; a != NULL; a = a->ai_next) {
		struct ipaddr ip;

		if (ipaddr_from_sockaddr(a->ai_addr, &ip, NULL) < 0)
			continue;
		if (ip.family == AF_INET && n4 < RESOLVE_ADDRS_MAX)
			e->got[n4++] = ip;
		else if (ip.family == AF_INET6 && n6 < RESOLVE_ADDRS_MAX)
			e->got6[n6++] = ip;
	}
	evutil_freeaddrinfo(res);
	e->n4 = n4;
	e->n6 = n6;
}

/* The answers of the two families, IPv4 first, into the entry. */
static void
take(struct entry *e, uint32_t ttl, uint64_t now)
{
	e->n = 0;
	for (size_t i = 0; i < e->n4 && e->n < RESOLVE_ADDRS_MAX; i++)
		e->addrs[e->n++] = e->got[i];
	for (size_t i = 0; i < e->n6 && e->n < RESOLVE_ADDRS_MAX; i++)
		e->addrs[e->n++] = e->got6[i];
	e->err = 0;
	e->why[0] = '\0';
	e->failures = 0;
	e->expires = now + ttl;
}

static void fail(struct entry *e, int err, uint64_t now, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A failure, asked again after the backoff. */
static void
fail(struct entry *e, int err, uint64_t now, const char *fmt, ...)
{
	unsigned shift = e->failures < 10 ? e->failures : 10;
	uint64_t wait = (uint64_t)RESOLVE_RETRY_MIN << shift;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	e->n = 0;
	e->err = err;
	e->failures++;
	e->expires =
	    now + (wait < RESOLVE_RETRY_MAX ? wait : RESOLVE_RETRY_MAX);
}

/* In /etc/hosts: answered now.  True when it was. */
static bool
from_hosts(struct resolver *r, struct entry *e)
{
	struct evutil_addrinfo hints = { 0 };
	struct evdns_getaddrinfo_request *q;

	hosts_load(r);
	if (r->hosts == NULL)
		return false;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	e->n4 = e->n6 = 0;
	q = evdns_getaddrinfo(r->hosts, e->name, NULL, &hints, hosts_cb, e);
	if (q != NULL)
		evdns_getaddrinfo_cancel(q); /* not in the file */
	if (e->n4 + e->n6 == 0)
		return false;
	take(e, RESOLVE_HOSTS_TTL, now_s());
	return true;
}

static uint32_t
ttl_clamp(int ttl)
{
	if (ttl < RESOLVE_TTL_MIN)
		return RESOLVE_TTL_MIN;
	return ttl > RESOLVE_TTL_MAX ? RESOLVE_TTL_MAX : (uint32_t)ttl;
}

/* Why no address came, in words, from the two results. */
static void
dns_failed(struct entry *e, uint64_t now)
{
	int res = e->res4 != DNS_ERR_NONE ? e->res4 : e->res6;

	if (e->res4 == DNS_ERR_NONE || e->res6 == DNS_ERR_NONE ||
	    e->res4 == DNS_ERR_NODATA)
		res = e->res6 != DNS_ERR_NONE && e->res6 != DNS_ERR_NODATA ?
		    e->res6 :
		    DNS_ERR_NODATA;
	switch (res) {
	case DNS_ERR_NOTEXIST:
		fail(e, -ENOENT, now, "no such name (NXDOMAIN)");
		break;
	case DNS_ERR_NODATA:
		fail(e, -ENODATA, now,
		    "the name has no address (no A or AAAA record)");
		break;
	case DNS_ERR_TIMEOUT:
		fail(e, -ETIMEDOUT, now,
		    "no answer from the name servers of %s: check them and "
		    "the network to them",
		    e->r->resolv_conf);
		break;
	default:
		fail(e, -EIO, now,
		    "the name servers' answer cannot be used (%s): check "
		    "the name's records",
		    evdns_err_to_string(res));
		break;
	}
}

static void
dns_done(struct entry *e)
{
	struct resolver *r = e->r;
	uint64_t now = now_s();
	char name[sizeof(e->name)];

	if (e->n4 + e->n6 > 0)
		take(e, e->ttl, now);
	else
		dns_failed(e, now);
	if (e->err < 0)
		log_warn("resolve", "cannot resolve %s: %s", e->name, e->why);
	/* A copy: what the callback asks may evict e from the cache. */
	memcpy(name, e->name, sizeof(name));
	if (r->p.answered != NULL)
		r->p.answered(r->p.answered_arg, name);
}

/* One family's answer; the entry is done when both came. */
static void
dns_got(struct entry *e, bool v4, int result, char type, int count, int ttl,
    const void *addresses)
{
	size_t *n = v4 ? &e->n4 : &e->n6;
	struct ipaddr *out = v4 ? e->got : e->got6;

	if (v4) {
		e->q4 = NULL;
		e->res4 = result;
	} else {
		e->q6 = NULL;
		e->res6 = result;
	}
	if (e->r->closing)
		return;
	if (result == DNS_ERR_NONE && addresses != NULL && count > 0 &&
	    type == (v4 ? DNS_IPv4_A : DNS_IPv6_AAAA)) {
		for (int i = 0; i < count && *n < RESOLVE_ADDRS_MAX; i++) {
			struct ipaddr *ip = &out[(*n)++];

			memset(ip, 0, sizeof(*ip));
			ip->family = v4 ? AF_INET : AF_INET6;
			ip->len = v4 ? 32 : 128;
			memcpy(ip->bytes,
			    (const uint8_t *)addresses + i * (v4 ? 4 : 16),
			    v4 ? 4 : 16);
		}
		if (e->ttl == 0 || ttl_clamp(ttl) < e->ttl)
			e->ttl = ttl_clamp(ttl);
	}
	if (e->q4 == NULL && e->q6 == NULL)
		dns_done(e);
}

static void
dns_cb4(int result, char type, int count, int ttl, void *addresses, void *arg)
{
	dns_got(arg, true, result, type, count, ttl, addresses);
}

static void
dns_cb6(int result, char type, int count, int ttl, void *addresses, void *arg)
{
	dns_got(arg, false, result, type, count, ttl, addresses);
}

static int
dns_ask(struct resolver *r, struct entry *e)
{
	e->n4 = e->n6 = 0;
	e->ttl = 0;
	e->res4 = e->res6 = DNS_ERR_NONE;
	/* A peer's name is fully qualified: never under resolv.conf's
	 * search domains (which glibc would try when it fails). */
	e->q4 = evdns_base_resolve_ipv4(r->dns, e->name, DNS_QUERY_NO_SEARCH,
	    dns_cb4, e);
	e->q6 = evdns_base_resolve_ipv6(r->dns, e->name, DNS_QUERY_NO_SEARCH,
	    dns_cb6, e);
	/* Rare (no memory): a family not asked counts as failed, and the
	 * other one's answer ends the entry. */
	if (e->q4 == NULL)
		e->res4 = DNS_ERR_UNKNOWN;
	if (e->q6 == NULL)
		e->res6 = DNS_ERR_UNKNOWN;
	if (e->q4 != NULL || e->q6 != NULL)
		return 0;
	fail(e, -ENOMEM, now_s(), "out of memory for the query");
	return -ENOMEM;
}

static struct entry *
find(struct resolver *r, const char *name)
{
	for (struct entry *e = r->entries; e != NULL; e = e->next)
		if (strcasecmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* A new entry; at the bound, the least recently asked one not asking. */
static struct entry *
entry_new(struct resolver *r, const char *name)
{
	struct entry *e, **pp, **old = NULL;

	if (r->n >= RESOLVE_NAMES_MAX) {
		for (pp = &r->entries; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->q4 == NULL && (*pp)->q6 == NULL &&
			    (old == NULL || (*pp)->used < (*old)->used))
				old = pp;
		if (old == NULL)
			return NULL;
		e = *old;
		*old = e->next;
		r->n--;
		free(e);
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->r = r;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->next = r->entries;
	r->entries = e;
	r->n++;
	return e;
}

int
resolver_lookup(struct resolver *r, const char *name, struct ipaddr *out,
    size_t max, uint32_t *ttl, char *why, size_t why_len)
{
	uint64_t now = now_s();
	struct entry *e;
	size_t k;

	*ttl = RESOLVE_RETRY_MIN;
	if (name[0] == '\0' || strlen(name) > 253) {
		snprintf(why, why_len, "not a host name (1 to 253 characters)");
		return -EINVAL;
	}
	if ((e = find(r, name)) == NULL && (e = entry_new(r, name)) == NULL) {
		snprintf(why, why_len,
		    "%d names are being resolved at once, the limit: wait",
		    RESOLVE_NAMES_MAX);
		return -EBUSY;
	}
	e->used = now;
	if (e->q4 != NULL || e->q6 != NULL)
		return 0; /* asking: the answer follows */
	if (e->expires <= now && !from_hosts(r, e) && dns_ask(r, e) == 0)
		return 0;
	*ttl = (uint32_t)(e->expires > now ? e->expires - now : 1);
	if (e->err < 0) {
		snprintf(why, why_len, "%s", e->why);
		return e->err;
	}
	for (k = 0; k < e->n && k < max; k++)
		out[k] = e->addrs[k];
	return (int)k;
}

static int
ike_resolve(void *arg, const char *name, struct ipaddr *out, size_t max,
    uint32_t *ttl, char *why, size_t why_len)
{
	return resolver_lookup(arg, name, out, max, ttl, why, why_len);
}

const struct ike_resolve_ops resolver_ike_ops = { ike_resolve };

/* tunshd's defaults first; options in resolv.conf (timeout:, attempts:)
 * override them, as resolv.conf(5) says. */
static int
dns_open(struct resolver *r, struct diag *d)
{
	char v[16];
	int rc;

	if ((r->dns = evdns_base_new(r->p.base, 0)) == NULL)
		return -ENOMEM;
	snprintf(v, sizeof(v), "%d", RESOLVE_TIMEOUT_S);
	evdns_base_set_option(r->dns, "timeout:", v);
	snprintf(v, sizeof(v), "%d", RESOLVE_ATTEMPTS);
	evdns_base_set_option(r->dns, "attempts:", v);
	rc = evdns_base_resolv_conf_parse(r->dns,
	    DNS_OPTIONS_ALL & ~DNS_OPTION_HOSTSFILE, r->resolv_conf);
	if (rc != 0 || evdns_base_count_nameservers(r->dns) == 0)
		diag_warn(d,
		    "%s: %s: names of peers cannot resolve until it lists a "
		    "name server (and tunshd restarts)",
		    r->resolv_conf,
		    rc == 1	? "cannot read it" :
			rc != 0 ? "cannot use it" :
				  "no nameserver line");
	return 0;
}

/* evdns's own messages to tunshd's log: its warnings (a server failed,
 * came back) as such, its tracing of every request at debug. */
static void
evdns_log(int is_warn, const char *msg)
{
	log_msg(is_warn ? LOG_LVL_WARN : LOG_LVL_DEBUG, "resolve", "evdns",
	    "%s", msg);
}

struct resolver *
resolver_new(const struct resolver_params *p, struct diag *d)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	evdns_set_log_fn(evdns_log);
	r->p = *p;
	snprintf(r->resolv_conf, sizeof(r->resolv_conf), "%s",
	    p->resolv_conf ? p->resolv_conf : "/etc/resolv.conf");
	snprintf(r->hosts_path, sizeof(r->hosts_path), "%s",
	    p->hosts ? p->hosts : "/etc/hosts");
	if (dns_open(r, d) < 0) {
		resolver_free(r);
		return NULL;
	}
	return r;
}

void
resolver_free(struct resolver *r)
{
	struct entry *e, *next;

	if (r == NULL)
		return;
	/* Queries under way are dropped without their callbacks. */
	r->closing = true;
	if (r->dns != NULL)
		evdns_base_free(r->dns, 0);
	if (r->hosts != NULL)
		evdns_base_free(r->hosts, 0);
	if (r->hosts_old != NULL)
		evdns_base_free(r->hosts_old, 0);
	for (e = r->entries; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(r);
}
