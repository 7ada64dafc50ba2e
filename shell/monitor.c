/*
 * shell/monitor.c: the traffic monitors of tunnels on tunshd's loop:
 * ICMP echo requests through each tunnel on a raw socket that never
 * blocks, a timer each, the source address found on the interfaces, the
 * answers matched to their probe.  What a probe means is counted in
 * monitor_state.c; what down and up do (routes, a new negotiation) is the
 * owner's, through the callbacks of struct monitor_set_params.
 *
 * A probe of a route-based tunnel leaves by the tunnel's interface (the
 * output interface given with each packet, IP_PKTINFO), whatever the
 * metric of its routes: a monitor down has them withdrawn, and its probes
 * must still take the tunnel to see it come back.  The socket is not
 * bound to the interface (SO_BINDTODEVICE), because that would also
 * refuse answers arriving by another one: AWS and Azure may answer over
 * the other tunnel of the pair.  The source address goes with each
 * packet too, so that it matches the tunnel's policy (policy-based) and
 * the answer comes back to us through the tunnel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "shell/monitor.h"

/* linux/icmp.h's, which cannot be included with net/if.h: the option
 * takes a 32-bit mask of the ICMP types the socket drops. */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif

#define ICMP_HDR     8
#define PROBE_DATA   16 /* bytes after the ICMP header: "tunsh monitor" */
#define ERR_TEXT_MAX 128

struct monitor {
	struct monitor *next;
	struct monitor_set *set;
	struct monitor_conf conf;
	struct monitor_count count;
	int fd;
	uint16_t ident; /* the echo identifier of this monitor's probes */
	struct event *rev, *timer;
	uint32_t src; /* the source of the last probe; 0: none found */
	char last_error[ERR_TEXT_MAX];
};

struct monitor_set {
	struct monitor_set_params p;
	struct monitor *list;
	uint16_t next_ident;
};

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* RFC 1071 checksum. */
static uint16_t
cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* This firewall's address in net, from its interfaces; 0 when none. */
static uint32_t
local_addr_in(const struct prefix4 *net)
{
	struct ifaddrs *ifa, *i;
	uint32_t found = 0;

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i != NULL && found == 0; i = i->ifa_next) {
		uint32_t a;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		a = ntohl(
		    ((const struct sockaddr_in *)(const void *)i->ifa_addr)
			->sin_addr.s_addr);
		if (prefix4_contains(net, a))
			found = a;
	}
	freeifaddrs(ifa);
	return found;
}

static void rearm(struct monitor *m);

/* Does what the counting asked: the verdict, the restart. */
static void
act(struct monitor *m, unsigned what)
{
	struct monitor_set *s = m->set;
	char dst[ADDR4_STRLEN];

	addr4_format(m->conf.dst, dst, sizeof(dst));
	if (what & MONITOR_DO_DOWN) {
		log_warn("shell",
		    "tunnel %s: monitor %s unanswered %u times in a row: the "
		    "tunnel is down for routing",
		    m->conf.tunnel, dst, m->count.misses);
		s->p.verdict(s->p.arg, m->conf.tunnel, true);
	}
	if (what & MONITOR_DO_UP) {
		log_info("shell",
		    "tunnel %s: monitor %s answered: the tunnel is up for "
		    "routing",
		    m->conf.tunnel, dst);
		s->p.verdict(s->p.arg, m->conf.tunnel, false);
	}
	if (what & MONITOR_DO_RESTART) {
		log_warn("shell",
		    "tunnel %s: monitor %s unanswered: negotiating the tunnel "
		    "again",
		    m->conf.tunnel, dst);
		s->p.restart(s->p.arg, m->conf.tunnel);
	}
}

/* Sends the next probe; -errno (with last_error) when it cannot go. */
static int
probe_send(struct monitor *m)
{
	uint8_t pkt[ICMP_HDR + PROBE_DATA] = { 0 };
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = { 0 };
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct iovec iov = { pkt, sizeof(pkt) };
	struct msghdr msg = { 0 };
	struct in_pktinfo pi = { 0 };
	struct cmsghdr *cm;
	char net[PREFIX4_STRLEN];
	uint16_t seq = (uint16_t)(m->count.seq + 1), sum;

	m->src = m->conf.src_addr ? m->conf.src_addr :
				    local_addr_in(&m->conf.src_net);
	if (m->src == 0) {
		prefix4_format(&m->conf.src_net, net, sizeof(net));
		snprintf(m->last_error, sizeof(m->last_error),
		    "no address of this firewall in %s to send from", net);
		return -EADDRNOTAVAIL;
	}
	pkt[0] = ICMP_ECHO;
	pkt[4] = (uint8_t)(m->ident >> 8);
	pkt[5] = (uint8_t)m->ident;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	memcpy(pkt + ICMP_HDR, "tunsh monitor", 13);
	sum = cksum(pkt, sizeof(pkt));
	pkt[2] = (uint8_t)(sum >> 8);
	pkt[3] = (uint8_t)sum;
	to.sin_addr.s_addr = htonl(m->conf.dst);
	/* An interface of kernel none (tests) does not exist: no oif. */
	if (m->conf.ifname[0] != '\0')
		pi.ipi_ifindex = (int)if_nametoindex(m->conf.ifname);
	pi.ipi_spec_dst.s_addr = htonl(m->src);
	msg.msg_name = &to;
	msg.msg_namelen = sizeof(to);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (sendmsg(m->fd, &msg, MSG_DONTWAIT) < 0) {
		int e = errno;

		snprintf(m->last_error, sizeof(m->last_error),
		    "the probe could not be sent: %s", strerror(e));
		return -e;
	}
	m->last_error[0] = '\0';
	return 0;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;
	unsigned a;

	(void)fd;
	(void)what;
	a = monitor_count_due(&m->count, mono_us());
	act(m, a & ~(unsigned)MONITOR_DO_SEND);
	/* A restart just dropped the carrier: no probe until it is back. */
	if ((a & MONITOR_DO_SEND) && m->count.carrier) {
		int err = probe_send(m);

		act(m, monitor_count_sent(&m->count, err, mono_us()));
	}
	rearm(m);
}

/* Echo replies: ours by identifier and the destination's address. */
static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;
	uint8_t buf[512];
	ssize_t n;

	(void)what;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct iphdr ip;
		size_t hl;
		const uint8_t *icmp;

		if ((size_t)n < sizeof(ip))
			continue;
		memcpy(&ip, buf, sizeof(ip));
		hl = (size_t)ip.ihl * 4;
		if (hl < sizeof(ip) || (size_t)n < hl + ICMP_HDR)
			continue;
		icmp = buf + hl;
		if (icmp[0] != ICMP_ECHOREPLY ||
		    ntohl(ip.saddr) != m->conf.dst ||
		    (uint16_t)(icmp[4] << 8 | icmp[5]) != m->ident)
			continue;
		act(m,
		    monitor_count_answer(&m->count,
			(uint16_t)(icmp[6] << 8 | icmp[7]), mono_us()));
	}
	rearm(m);
}

static void
rearm(struct monitor *m)
{
	uint64_t next = monitor_count_next(&m->count), now = mono_us();
	struct timeval tv = { 0, 0 };

	if (next == UINT64_MAX) {
		evtimer_del(m->timer);
		return;
	}
	if (next > now) {
		tv.tv_sec = (time_t)((next - now) / 1000000u);
		tv.tv_usec = (suseconds_t)((next - now) % 1000000u);
	}
	evtimer_add(m->timer, &tv);
}

static void
monitor_free(struct monitor *m)
{
	if (m->rev != NULL)
		event_free(m->rev);
	if (m->timer != NULL)
		event_free(m->timer);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

/*
 * A monitor for c, its socket open and its events made; NULL on OOM.
 * Without a socket (no CAP_NET_RAW) it is kept, idle, so that show
 * ipsec tunnel says why nothing is probed; *rc says so.
 */
static struct monitor *
monitor_open(struct monitor_set *s, const struct monitor_conf *c, int *rc,
    struct diag *d)
{
	struct monitor *m = calloc(1, sizeof(*m));
	/* Only echo replies reach the socket (a bit set filters out). */
	uint32_t f = ~(1u << ICMP_ECHOREPLY);
	int e;

	*rc = -ENOMEM;
	if (m == NULL)
		return NULL;
	m->set = s;
	m->conf = *c;
	monitor_count_init(&m->count, c, mono_us());
	*rc = 0;
	m->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMP);
	if (m->fd < 0) {
		e = errno;
		snprintf(m->last_error, sizeof(m->last_error),
		    "no ICMP socket (%s): tunshd needs CAP_NET_RAW to probe",
		    strerror(e));
		diag_add(d, DIAG_ERROR, "tunnel %s: monitor: %s", c->tunnel,
		    m->last_error);
		*rc = -e;
		return m;
	}
	setsockopt(m->fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	/* Each monitor its own identifier; the pid tells tunshd's from
	 * another pinger's on the same host. */
	m->ident = (uint16_t)((unsigned)getpid() * 31u + s->next_ident++);
	m->rev = event_new(s->p.base, m->fd, EV_READ | EV_PERSIST, on_read, m);
	m->timer = evtimer_new(s->p.base, on_timer, m);
	if (m->rev == NULL || m->timer == NULL || event_add(m->rev, NULL) < 0) {
		monitor_free(m);
		*rc = -ENOMEM;
		return NULL;
	}
	return m;
}

struct monitor_set *
monitor_set_new(const struct monitor_set_params *p)
{
	struct monitor_set *s = calloc(1, sizeof(*s));

	if (s != NULL)
		s->p = *p;
	return s;
}

void
monitor_set_free(struct monitor_set *s)
{
	if (s == NULL)
		return;
	while (s->list != NULL) {
		struct monitor *m = s->list;

		s->list = m->next;
		monitor_free(m);
	}
	free(s);
}

static struct monitor **
find_slot(struct monitor_set *s, const char *tunnel)
{
	struct monitor **pp;

	for (pp = &s->list; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->conf.tunnel, tunnel) == 0)
			break;
	return pp;
}

static bool
conf_same(const struct monitor_conf *a, const struct monitor_conf *b)
{
	return strcmp(a->tunnel, b->tunnel) == 0 && a->dst == b->dst &&
	    a->src_addr == b->src_addr &&
	    prefix4_cmp(&a->src_net, &b->src_net) == 0 &&
	    strcmp(a->ifname, b->ifname) == 0 &&
	    a->interval_ms == b->interval_ms && a->wait_ms == b->wait_ms &&
	    a->threshold == b->threshold;
}

int
monitor_set_update(struct monitor_set *s, const struct monitor_conf *c,
    bool carrier, struct diag *d)
{
	struct monitor **pp = find_slot(s, c->tunnel), *m;
	int rc;

	if (*pp != NULL && conf_same(&(*pp)->conf, c)) {
		monitor_set_carrier(s, c->tunnel, carrier);
		return 0;
	}
	if ((m = monitor_open(s, c, &rc, d)) == NULL)
		return rc;
	monitor_set_remove(s, c->tunnel);
	m->next = s->list;
	s->list = m;
	monitor_set_carrier(s, c->tunnel, carrier);
	return rc;
}

void
monitor_set_remove(struct monitor_set *s, const char *tunnel)
{
	struct monitor **pp = find_slot(s, tunnel), *m = *pp;

	if (m == NULL)
		return;
	*pp = m->next;
	if (m->count.down)
		s->p.verdict(s->p.arg, tunnel, false);
	monitor_free(m);
}

void
monitor_set_carrier(struct monitor_set *s, const char *tunnel, bool up)
{
	struct monitor *m = *find_slot(s, tunnel);

	/* Without a socket it never starts: off, with the reason. */
	if (m == NULL || m->fd < 0)
		return;
	monitor_count_carrier(&m->count, up, mono_us());
	rearm(m);
}

bool
monitor_set_down(const struct monitor_set *s, const char *tunnel)
{
	struct monitor *m = *find_slot((struct monitor_set *)s, tunnel);

	return m != NULL && m->count.down;
}

bool
monitor_set_status(void *arg, const char *tunnel, struct commands_monitor *out)
{
	struct monitor *m = *find_slot(arg, tunnel);
	uint64_t now = mono_us(), ago;

	memset(out, 0, sizeof(*out));
	if (m == NULL)
		return false;
	ago = now > m->count.since ? (now - m->count.since) / 1000000u : 0;
	out->dst = m->conf.dst;
	out->src = m->src ? m->src : m->conf.src_addr;
	out->state = monitor_count_state(&m->count);
	out->since = (uint64_t)time(NULL) - ago;
	out->sent = m->count.sent;
	out->answered = m->count.answered;
	out->misses = m->count.misses;
	out->threshold = m->count.threshold;
	out->interval = (uint32_t)(m->count.interval_us / 1000000u);
	out->has_rtt = m->count.has_rtt;
	out->last_rtt_us = m->count.last_rtt_us;
	out->restarts = m->count.restarts;
	snprintf(out->last_error, sizeof(out->last_error), "%s", m->last_error);
	return true;
}
