/*
 * commands/ping.c: ping and traceroute, as IOS has them, from tunshd
 * itself: ICMP echo on a raw socket on the daemon's loop, never a wait;
 * ICMPv6 echo (RFC 4443 4.1) when the destination is IPv6.
 * Each is a session job (session_defer): replies are printed as they
 * come, Ctrl-C ends it with its summary, and a bound ends it anyway
 * (tunshd(8), LIMITS).  The source is an address of a local network
 * (source vlan ID, or the tunnel whose remote network holds the
 * destination), so that the packets match the tunnel's policies and
 * cross it.  Traceroute sends echo requests with a growing TTL (as
 * traceroute -I does) and reads the Time Exceeded of each hop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "commands/private.h"

/* The bounds of tunshd(8), LIMITS, Sessions. */
#define PING_COUNT_DEFAULT 5
#define PING_COUNT_MAX	   100
#define PING_WAIT_MS	   2000 /* for each reply, after its request */
#define PING_INTERVAL_MS   1000
#define TRACE_HOPS_MAX	   30
#define PING_DATA	   56

struct ping_job {
	struct session_job job; /* first: the session holds this */
	struct commands_session *s;
	bool trace;
	int fd;
	struct event *rd, *tick;
	uint16_t id;
	struct ipaddr dst, src; /* src family 0: the route's */
	unsigned count; /* ping: requests to send; trace: hops at most */
	unsigned sent, received;
	uint64_t sent_ms[PING_COUNT_MAX + 1];
	bool answered[PING_COUNT_MAX + 1];
	uint64_t deadline_ms;		    /* trace: of the hop's probe */
	uint64_t rtt_min, rtt_max, rtt_sum; /* microseconds */
	bool reached; /* trace: the destination answered */
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* RFC 1071. */
static uint16_t
cksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void say(struct ping_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct ping_job *j, const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	session_print(j->s, line);
}

static void
job_free(struct ping_job *j)
{
	if (j->rd != NULL)
		event_free(j->rd);
	if (j->tick != NULL)
		event_free(j->tick);
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

/* The summary, then the line ends: failed when nothing answered. */
static void
finish(struct ping_job *j)
{
	struct commands_session *s = j->s;
	char d[IPADDR_STRLEN];
	int rc = 0;

	ipaddr_format(&j->dst, d, sizeof(d));
	if (!j->trace) {
		say(j, "--- %s: %u sent, %u received, %u%% loss", d, j->sent,
		    j->received,
		    j->sent ? (j->sent - j->received) * 100 / j->sent : 0);
		if (j->received > 0)
			say(j, "round-trip min/avg/max %.3f/%.3f/%.3f ms",
			    (double)j->rtt_min / 1000,
			    (double)j->rtt_sum / j->received / 1000,
			    (double)j->rtt_max / 1000);
		else
			say(j,
			    "%% no reply from %s: check the tunnel with "
			    "diagnose ipsec tunnel NAME",
			    d);
		rc = j->received > 0 ? 0 : -1;
	} else if (!j->reached) {
		say(j, "%% %s not reached in %u hops", d, j->sent);
		rc = -1;
	}
	job_free(j);
	session_job_done(s, rc);
}

/*
 * An echo request: ICMP and ICMPv6 echoes share their layout (type,
 * code, checksum, id, sequence: RFC 792, RFC 4443 4.1).  The kernel sums
 * an ICMPv6 one itself on a raw socket (RFC 3542 3.1: it covers the
 * pseudo-header, which only the kernel knows).
 */
static int
send_echo(struct ping_job *j)
{
	uint8_t pkt[sizeof(struct icmphdr) + PING_DATA] = { 0 };
	struct icmphdr *h = (struct icmphdr *)(void *)pkt;
	struct sockaddr_storage to;
	socklen_t tlen = ipaddr_to_sockaddr(&j->dst, 0, &to);
	uint16_t seq = (uint16_t)++j->sent;
	bool six = j->dst.family == AF_INET6;
	int ttl = (int)seq;

	if (j->trace &&
	    setsockopt(j->fd, six ? IPPROTO_IPV6 : IPPROTO_IP,
		six ? IPV6_UNICAST_HOPS : IP_TTL, &ttl, sizeof(ttl)) < 0)
		return -errno;
	h->type = six ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	h->un.echo.id = htons(j->id);
	h->un.echo.sequence = htons(seq);
	for (size_t i = sizeof(*h); i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	if (!six)
		h->checksum = cksum(pkt, sizeof(pkt));
	j->sent_ms[seq] = now_us();
	if (sendto(j->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, tlen) <
	    0) {
		say(j, "seq %u: %s", seq, strerror(errno));
		return 0;
	}
	return 0;
}

/* One echo of ours in an ICMP message: its sequence number, else 0. */
static uint16_t
our_seq(const struct ping_job *j, const uint8_t *icmp, size_t len)
{
	struct icmphdr h;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, icmp, sizeof(h));
	if (ntohs(h.un.echo.id) != j->id)
		return 0;
	return ntohs(h.un.echo.sequence);
}

static void
got(struct ping_job *j, uint16_t seq, const struct ipaddr *from, bool final)
{
	uint64_t rtt = now_us() - j->sent_ms[seq];
	char f[IPADDR_STRLEN];

	ipaddr_format(from, f, sizeof(f));
	if (j->trace) {
		say(j, "%2u  %-15s  %.3f ms", seq, f, (double)rtt / 1000);
		j->reached = final;
		j->answered[seq] = true;
		return;
	}
	if (j->answered[seq])
		return; /* a duplicate */
	j->answered[seq] = true;
	j->received++;
	j->rtt_sum += rtt;
	if (j->received == 1 || rtt < j->rtt_min)
		j->rtt_min = rtt;
	if (rtt > j->rtt_max)
		j->rtt_max = rtt;
	say(j, "reply from %s: seq %u time %.3f ms", f, seq,
	    (double)rtt / 1000);
}

static void next_step(struct ping_job *j);

/*
 * An ICMPv6 message (a raw ICMPv6 socket gives no IPv6 header): its
 * sequence number when it answers an echo of ours, and whether the
 * destination itself answered.  RFC 4443 3.1, 3.3: an error carries as
 * much of the invoking packet as fits, its fixed 40-byte header first
 * (an echo has no extension headers).
 */
static uint16_t
echo6_seq(const struct ping_job *j, const uint8_t *buf, size_t n, bool *final)
{
	const size_t ip6 = 40;

	if (n < 8)
		return 0;
	if (buf[0] == ICMP6_ECHO_REPLY) {
		*final = true;
		return our_seq(j, buf, n);
	}
	if (j->trace &&
	    (buf[0] == ICMP6_TIME_EXCEEDED || buf[0] == ICMP6_DST_UNREACH) &&
	    n >= 8 + ip6 + 8 && buf[8 + 6] == IPPROTO_ICMPV6 &&
	    buf[8 + ip6] == ICMP6_ECHO_REQUEST) {
		*final = buf[0] == ICMP6_DST_UNREACH;
		return our_seq(j, buf + 8 + ip6, n - 8 - ip6);
	}
	return 0;
}

/*
 * A datagram on the raw socket: the IP header, then ICMP (IPv6: ICMPv6
 * alone).  Every ICMP message of the host comes here; ours are told by
 * the echo id.
 */
static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ping_job *j = arg;
	uint8_t buf[1500];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct ipaddr fa;
	ssize_t n;
	size_t ihl, iihl;
	uint16_t seq = 0;
	bool final = false;

	(void)what;
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	if (n < 0 ||
	    ipaddr_from_sockaddr((struct sockaddr *)&from, &fa, NULL) < 0)
		return;
	if (j->dst.family == AF_INET6) {
		seq = echo6_seq(j, buf, (size_t)n, &final);
	} else if (n < 20 ||
	    (ihl = (size_t)(buf[0] & 0x0f) * 4) + 8 > (size_t)n) {
		return;
	} else if (buf[ihl] == ICMP_ECHOREPLY) {
		seq = our_seq(j, buf + ihl, (size_t)n - ihl);
		final = true;
	} else if (j->trace &&
	    (buf[ihl] == ICMP_TIME_EXCEEDED || buf[ihl] == ICMP_DEST_UNREACH) &&
	    (size_t)n >= ihl + 8 + 20) {
		/* RFC 792: the original IP header and 8 bytes of it. */
		iihl = (size_t)(buf[ihl + 8] & 0x0f) * 4;
		if ((size_t)n >= ihl + 8 + iihl + 8)
			seq = our_seq(j, buf + ihl + 8 + iihl,
			    (size_t)n - ihl - 8 - iihl);
		final = buf[ihl] == ICMP_DEST_UNREACH;
	}
	if (seq == 0 || seq > j->sent)
		return;
	if (j->trace && (seq != j->sent || j->answered[seq]))
		return; /* a late answer to an earlier hop */
	got(j, seq, &fa, final);
	if (j->trace) {
		next_step(j);
	} else if (j->sent == j->count && j->received == j->count) {
		finish(j);
	}
}

static void
arm(struct ping_job *j, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(j->tick, &tv);
}

/* Traceroute: the next hop, or the end. */
static void
next_step(struct ping_job *j)
{
	if (j->reached || j->sent >= j->count) {
		finish(j);
		return;
	}
	send_echo(j);
	arm(j, PING_WAIT_MS);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ping_job *j = arg;

	(void)fd;
	(void)what;
	if (j->trace) {
		say(j, "%2u  *", j->sent);
		next_step(j);
		return;
	}
	if (j->sent > 0 && !j->answered[j->sent])
		say(j, "seq %u: no reply yet", j->sent);
	if (j->sent < j->count) {
		send_echo(j);
		arm(j, j->sent < j->count ? PING_INTERVAL_MS : PING_WAIT_MS);
		return;
	}
	finish(j);
}

static void
job_interrupt(struct session_job *job)
{
	finish((struct ping_job *)job);
}

static void
job_cancel(struct session_job *job)
{
	job_free((struct ping_job *)job);
}

/* The source address's optarg: not "A.B.C.D", which is the destination,
 * and not a word a person types: libcli matches optarg names to typed
 * words, case aside, so "SOURCE" took "source" for the address. */
#define SOURCE_ADDR "W.X.Y.Z"

/*
 * source vlan ID | source A.B.C.D | none: the tunnel's local network.
 * The source is of the destination's family: the VLAN's subnet of that
 * family, the tunnel's local network of that family.
 */
static int
pick_source(struct cli_def *cli, const struct ipaddr *dst, const char *vlan,
    struct ipaddr *src)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	const char *addr = grammar_get(cli, SOURCE_ADDR);
	const bool six = dst->family == AF_INET6;
	const struct commands_host_ops *h;
	struct ipaddr nets[CONFIG_LOCAL_PREFIXES_MAX];
	void *harg;
	size_t n;

	h = session_host(s, &harg);
	memset(src, 0, sizeof(*src));
	if (vlan != NULL) {
		const struct config_vlan *v;
		size_t id;

		if (!parse_n(vlan, &id) || id > 4094 ||
		    (v = config_vlan_find(c, (uint16_t)id)) == NULL ||
		    !config_vlan_has_subnet(v))
			return cmd_error(cli,
			    "source vlan %s: no such VLAN with a subnet: "
			    "show vlans lists them",
			    vlan);
		if (v->subnet[config_slot(dst->family)].family == 0)
			return cmd_error(cli,
			    six ? "source vlan %s: it has no IPv6 subnet, and "
				  "the destination is IPv6: give source "
				  "X:X::X, or an IPv4 destination" :
				  "source vlan %s: it has no IPv4 subnet, and "
				  "ping sends IPv4 echoes: give source A.B.C.D",
			    vlan);
		if (h->addr_in(harg, &v->subnet[config_slot(dst->family)],
			src) < 0)
			return cmd_error(cli,
			    "source vlan %s: this host has no address in "
			    "it: give one with source %s",
			    vlan, six ? "X:X::X" : "A.B.C.D");
		return CLI_OK;
	}
	if (grammar_has(cli, "source") && addr == NULL)
		return cmd_error(cli,
		    "source: give vlan ID or an address of this host "
		    "(show vlans lists the VLANs)");
	if (addr != NULL) {
		bool ours = false;

		int rc = ipaddr_parse(addr, src);

		if (rc == 0 && src->family != dst->family)
			return cmd_error(cli,
			    "source %s: not of the destination's family: "
			    "give an %s address of this host, or source vlan "
			    "ID",
			    addr, six ? "IPv6" : "IPv4");
		if (rc < 0 || h->addr_is_local(harg, src, &ours) < 0 || !ours)
			return cmd_error(cli,
			    "source %s: not an address of this host: give "
			    "one of its own, or source vlan ID",
			    addr);
		return CLI_OK;
	}
	/* The tunnel that carries dst: from its first local network of
	 * dst's family that holds an address of this host. */
	for (size_t i = 0; i < c->n_tunnels; i++) {
		const struct config_tunnel *t = c->tunnels[i];

		for (size_t k = 0; k < t->n_remote; k++) {
			if (!ipaddr_contains(&t->remote_nets[k], dst))
				continue;
			n = config_tunnel_local_prefixes(c, t, nets,
			    sizeof(nets) / sizeof(nets[0]));
			for (size_t m = 0; m < n; m++)
				if (nets[m].family == dst->family &&
				    h->addr_in(harg, &nets[m], src) == 0)
					return CLI_OK;
		}
	}
	memset(src, 0, sizeof(*src));
	return CLI_OK; /* the kernel's choice */
}

/*
 * A raw ICMPv6 socket gets every ICMPv6 message of the host, neighbour
 * discovery included (RFC 3542 3.2): let only what answers an echo in.
 */
static int
filter6(const struct ping_job *j)
{
	struct icmp6_filter f;

	if (j->dst.family != AF_INET6)
		return 0;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
	ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
	ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
	return setsockopt(j->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
}

/*
 * The job's raw ICMP socket, bound to its source when it has one, and its
 * read and timer events on the session's loop.  CLI_OK, or CLI_ERROR
 * said to the user; the caller frees j either way when it fails.
 */
static int
job_open(struct cli_def *cli, struct ping_job *j, const char *what)
{
	struct event_base *base = j->s->env->base;
	struct sockaddr_storage me;
	socklen_t mlen = ipaddr_to_sockaddr(&j->src, 0, &me);
	int err;

	if (base == NULL)
		return cmd_error(cli,
		    "%s: this session cannot wait for "
		    "replies (no event loop)",
		    what);
	j->fd = socket(j->dst.family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    j->dst.family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (j->fd < 0 ||
	    (mlen != 0 && bind(j->fd, (struct sockaddr *)&me, mlen) < 0) ||
	    filter6(j) < 0) {
		err = errno;
		return cmd_error(cli,
		    "%s: cannot open an ICMP socket: %s "
		    "(tunshd needs CAP_NET_RAW)",
		    what, strerror(err));
	}
	j->rd = event_new(base, j->fd, EV_READ | EV_PERSIST, read_cb, j);
	j->tick = evtimer_new(base, tick_cb, j);
	if (j->rd == NULL || j->tick == NULL || event_add(j->rd, NULL) < 0)
		return cmd_error(cli, "%s: out of memory", what);
	return CLI_OK;
}

/* The first line the user sees, then the first probe on its way. */
static void
job_begin(struct ping_job *j)
{
	char d[IPADDR_STRLEN], sr[IPADDR_STRLEN];

	ipaddr_format(&j->dst, d, sizeof(d));
	ipaddr_format(&j->src, sr, sizeof(sr));
	if (j->trace) {
		say(j, "traceroute to %s from %s, %u hops max; Ctrl-C stops", d,
		    j->src.family ? sr : "(the route's)", j->count);
		next_step(j);
	} else {
		say(j, "PING %s from %s: %u packets of %u bytes; Ctrl-C stops",
		    d, j->src.family ? sr : "(the route's)", j->count,
		    PING_DATA);
		send_echo(j);
		arm(j, j->count > 1 ? PING_INTERVAL_MS : PING_WAIT_MS);
	}
}

/* ping or traceroute: the arguments checked, then the job deferred on the
 * session, which prints as replies come and ends with the summary. */
static int
start(struct cli_def *cli, bool trace, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const char *dst_s = grammar_get(cli, "A.B.C.D");
	const char *count_s = grammar_get(cli, "count");
	const char *what = trace ? "traceroute" : "ping";
	static uint16_t next_id;
	struct ping_job *j;
	size_t count = trace ? TRACE_HOPS_MAX : PING_COUNT_DEFAULT;
	const char *vlan = grammar_get(cli, "vlan");
	int rc;

	if (dst_s == NULL)
		return cmd_error(cli, "%s: give an address: %s A.B.C.D", what,
		    what);
	if (grammar_extra(cli, what,
		trace ? "traceroute A.B.C.D [source vlan ID | source A.B.C.D]" :
			"ping A.B.C.D [source vlan ID | source A.B.C.D] "
			"[count N]",
		argv, argc) != CLI_OK)
		return CLI_ERROR;
	if (count_s != NULL &&
	    (!parse_n(count_s, &count) || count < 1 || count > PING_COUNT_MAX))
		return cmd_error(cli, "ping count %s: give 1 to %u", count_s,
		    PING_COUNT_MAX);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return cmd_error(cli, "%s: out of memory", what);
	j->fd = -1;
	j->s = s;
	j->trace = trace;
	j->count = (unsigned)count;
	j->job.interrupt = job_interrupt;
	j->job.cancel = job_cancel;
	j->id = (uint16_t)(getpid() ^ ++next_id);
	if (ipaddr_parse(dst_s, &j->dst) < 0) {
		job_free(j);
		return cmd_error(cli,
		    "%s %s: not an address: give A.B.C.D or X:X::X", what,
		    dst_s);
	}
	/* A link-local address means nothing without its interface, and
	 * no tunnel carries one. */
	if (j->dst.family == AF_INET6 && j->dst.bytes[0] == 0xfe &&
	    (j->dst.bytes[1] & 0xc0) == 0x80) {
		job_free(j);
		return cmd_error(cli,
		    "%s %s: a link-local address, which no tunnel carries: "
		    "give a global or unique local one",
		    what, dst_s);
	}
	if (pick_source(cli, &j->dst, vlan, &j->src) != CLI_OK) {
		job_free(j);
		return CLI_ERROR;
	}
	if (job_open(cli, j, what) != CLI_OK) {
		job_free(j);
		return CLI_ERROR;
	}
	if ((rc = session_defer(s, &j->job)) < 0) {
		job_free(j);
		return cmd_error(cli, "%s: %s", what,
		    rc == -ENOTSUP ? "it takes no filter (| ...): its output "
				     "comes as the replies do" :
				     "another command still runs");
	}
	job_begin(j);
	return CLI_OK;
}

static int
cmd_ping(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	return start(cli, false, argv, argc);
}

static int
cmd_traceroute(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	return start(cli, true, argv, argc);
}

/* An address of either family (the optarg keeps its IPv4 name, which
 * the help shows: tunsh(1) says IPv6 is taken too). */
static int
valid_addr(struct cli_def *cli, const char *name, const char *value)
{
	struct ipaddr a;

	(void)cli;
	(void)name;
	return ipaddr_parse(value, &a) == 0 ? CLI_OK : CLI_ERROR;
}

/* The source address, after source; never a prefix of vlan (the other
 * form of source).  (libcli has set the optarg already when it asks.) */
static int
valid_source(struct cli_def *cli, const char *name, const char *value)
{
	if (!grammar_has(cli, "source") || grammar_has(cli, "vlan") ||
	    strncmp("vlan", value, strlen(value)) == 0)
		return CLI_ERROR;
	return valid_addr(cli, name, value);
}

/* A.B.C.D [source vlan ID | source A.B.C.D] [count N] */
static void
args(struct cli_command *c, bool count)
{
	grammar_arg(c, "A.B.C.D", "The destination, IPv4 or IPv6 (X:X::X)",
	    NULL, valid_addr);
	grammar_flag(c, "source",
	    "From vlan ID or A.B.C.D (default: the tunnel's local network)");
	grammar_pair(c, "vlan", "A VLAN of the candidate: ID",
	    grammar_complete_vlans, NULL);
	grammar_value(c, SOURCE_ADDR,
	    "An address of this host to send from (v4 or v6)", NULL,
	    valid_source);
	if (count)
		grammar_pair(c, "count", "Requests to send, 1 to 100 (5)", NULL,
		    NULL);
}

void
commands_register_ping(struct cli_def *cli)
{
	const int P = PRIVILEGE_UNPRIVILEGED;

	args(cli_register_command(cli, NULL, "ping", cmd_ping, P, MODE_EXEC,
		 "Send ICMP echo requests, from a local network"),
	    true);
	args(cli_register_command(cli, NULL, "traceroute", cmd_traceroute, P,
		 MODE_EXEC,
		 "Show the hops to an address, from a local network"),
	    false);
}
