/*
 * tests/fuzz/fuzz_resolve.c: a name server's replies, as hostile as they
 * come, through the real path of shell/resolve.c: a resolver on an
 * event_base whose resolv.conf names a UDP socket of 127.0.0.1 that this
 * harness plays, answering each query with the fuzzed bytes; the loop
 * runs until the lookup ends (an answer, an error or evdns's timeout),
 * then what resolver_lookup says is checked.
 *
 * An input is:
 *
 *     flags (1 byte) | len (2 bytes, big-endian) | A reply | AAAA reply
 *
 * the A reply being len bytes (cut to what is there), the AAAA reply the
 * rest; flag FLAG_SAME answers AAAA queries with the A reply too.  Every
 * reply is made at least a header long (zeros added), gets the query's
 * transaction ID in its first two bytes and the QR bit set: evdns drops
 * a reply that lacks any of these unread, and waits for its timeout,
 * which would cost FUZZ_TIMEOUT for nothing learnt (a SERVFAIL ends the
 * query as a timeout at once, so that path is still taken).  With
 * FLAG_QUESTION_A (FLAG_QUESTION_AAAA) the query's question section is
 * put after the reply's 12-byte header, as a real server echoes it
 * (evdns wants it back, with the name in the random case it sent).  So
 * the fuzzer spends its bytes on the answer records, not on guessing a
 * random ID or case.
 *
 * Each input gets a resolver of its own (evdns keeps per-server state,
 * such as a server marked down, that would make an input's outcome
 * depend on the ones before it); the event_base and the server socket
 * are kept.  evdns's timeout is FUZZ_TIMEOUT with one try, so that a
 * reply dropped all the same costs little.
 *
 * What must hold: the lookup ends, its answer comes through p.answered
 * exactly once, and resolver_lookup then gives either 1 to
 * RESOLVE_ADDRS_MAX addresses (AF_INET /32 first, then AF_INET6 /128,
 * each found in the reply to its family's query; a TTL within
 * RESOLVE_TTL_MIN..RESOLVE_TTL_MAX) or a failure it knows (-ENOENT,
 * -ENODATA, -ETIMEDOUT, -EIO) with its reason a NUL-terminated printable
 * string; a second lookup of the name in another case gives
 * the same from the cache.  libevent itself is not instrumented: the
 * coverage guiding the fuzzer is resolve.c's, and what ASan sees in
 * evdns is only what its interceptors (memcpy, malloc) see.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "shell/resolve.h"

#define NAME	     "peer.fuzz.test"
#define NAME_UPPER   "PEER.FUZZ.TEST"
#define FUZZ_TIMEOUT "0.02" /* seconds evdns waits for a reply */
/* The lookup must have ended by then (evdns's timeout, once per query
 * and search domain, is far shorter): else the timeout is broken. */
#define GUARD_S	     10

enum {
	FLAG_QUESTION_A = 1 << 0,
	FLAG_QUESTION_AAAA = 1 << 1,
	FLAG_SAME = 1 << 2,
};

/* A reply: the fuzzed bytes and whether the question goes in. */
struct reply {
	const uint8_t *b;
	size_t len;
	bool question;
};

static struct event_base *base;
static int srv_fd = -1;
static struct event *srv_ev, *guard_ev;
static char conf_path[64];

/* This input's. */
static struct reply reply_a, reply_aaaa;
static struct resolver *res;
static unsigned answered;
static bool guard_fired;
static bool verbose; /* FUZZ_RESOLVE_VERBOSE set: each outcome on stderr */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The end of the question section of query q (one question), or 0. */
static size_t
question_end(const uint8_t *q, size_t n)
{
	size_t at = 12;

	while (at < n && q[at] != 0) {
		if (q[at] >= 64)
			return 0; /* evdns sends no compression here */
		at += (size_t)q[at] + 1;
	}
	at += 5; /* the root label, type and class */
	return at <= n ? at : 0;
}

/* The reply to query q: its ID, its question if asked, then the bytes. */
static void
on_query(evutil_socket_t fd, short what, void *arg)
{
	uint8_t q[512], out[65536];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n =
	    recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
	const struct reply *r;
	size_t qend, len;

	(void)what;
	(void)arg;
	if (n < 12 || (qend = question_end(q, (size_t)n)) == 0)
		return;
	/* Type AAAA (28) gets the AAAA reply; A and anything else the A. */
	r = q[qend - 4] == 0 && q[qend - 3] == 28 ? &reply_aaaa : &reply_a;
	len = r->len < 12 ? r->len : 12;
	memset(out, 0, 12);
	memcpy(out, r->b, len);
	memcpy(out, q, 2);
	out[2] |= 0x80; /* QR: a reply */
	len = 12;
	if (r->question) {
		memcpy(out + len, q + 12, qend - 12);
		len += qend - 12;
	}
	if (r->len > 12 && r->len - 12 <= sizeof(out) - len) {
		memcpy(out + len, r->b + 12, r->len - 12);
		len += r->len - 12;
	}
	sendto(fd, out, len, 0, (struct sockaddr *)&from, fl);
}

/* Whether a's bytes are in the reply of its family: an address can only
 * come from a record the server sent (bytes past the header, which the
 * harness does not change). */
static bool
sent(const struct ipaddr *a)
{
	const struct reply *r = a->family == AF_INET ? &reply_a : &reply_aaaa;
	size_t len = a->family == AF_INET ? 4 : 16;

	return r->len > 12 && memmem(r->b + 12, r->len - 12, a->bytes, len);
}

/* What the resolver says of NAME (spelt as given) must be well formed;
 * returns its result for comparing. */
static int
check(const char *name, struct ipaddr *a, size_t max, char *why, size_t why_len)
{
	uint32_t ttl = 0;
	int n;

	memset(why, 0xa5, why_len);
	n = resolver_lookup(res, name, a, max, &ttl, why, why_len);
	if (n == 0 || n > RESOLVE_ADDRS_MAX)
		__builtin_trap(); /* still asking after the answer, or too many */
	if (n > 0) {
		if (ttl < RESOLVE_TTL_MIN - 1 || ttl > RESOLVE_TTL_MAX)
			__builtin_trap();
		for (int i = 0; i < n; i++) {
			bool v4 = a[i].family == AF_INET && a[i].len == 32;
			bool v6 = a[i].family == AF_INET6 && a[i].len == 128;

			if (!(v4 || v6) ||
			    (i > 0 && v4 && a[i - 1].family == AF_INET6))
				__builtin_trap(); /* IPv4 first */
			if (!sent(&a[i]))
				__builtin_trap(); /* an address made up */
		}
		return n;
	}
	if (n != -ENOENT && n != -ENODATA && n != -ETIMEDOUT && n != -EIO)
		__builtin_trap();
	if (memchr(why, '\0', why_len) == NULL || why[0] == '\0')
		__builtin_trap();
	for (const char *s = why; *s != '\0'; s++)
		if (!isprint((unsigned char)*s))
			__builtin_trap();
	if (ttl > RESOLVE_RETRY_MAX)
		__builtin_trap();
	return n;
}

/* The answer: looked at from the callback, as tunshd's live code does. */
static void
on_answered(void *arg, const char *name)
{
	struct ipaddr a[RESOLVE_ADDRS_MAX * 2];
	char why[RESOLVE_WHY_MAX];

	(void)arg;
	if (strcmp(name, NAME) != 0)
		__builtin_trap();
	answered++;
	check(NAME, a, sizeof(a) / sizeof(a[0]), why, sizeof(why));
	event_base_loopbreak(base);
}

static void
on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	guard_fired = true;
	event_base_loopbreak(base);
}

/* For a person looking at one input: what came of it. */
static void
say(int n, const struct ipaddr *a, const char *why)
{
	char txt[IPADDR_STRLEN];

	fprintf(stderr, "fuzz_resolve: %d:", n);
	for (int i = 0; i < n; i++) {
		ipaddr_format(&a[i], txt, sizeof(txt));
		fprintf(stderr, " %s", txt);
	}
	fprintf(stderr, "%s%s\n", n < 0 ? " " : "", n < 0 ? why : "");
}

/* Log lines are escaped by log_msg itself; only their cost matters. */
static void
log_drop(enum log_level lvl, const char *subsys, const char *func,
    const char *msg, void *arg)
{
	(void)lvl;
	(void)subsys;
	(void)func;
	(void)msg;
	(void)arg;
}

/* Setup failures: the harness cannot run, so it does not start. */
static void
die(const char *what)
{
	fprintf(stderr, "fuzz_resolve: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * The loop, the server's socket and a resolv.conf naming it, kept for
 * every input.  The file is a memfd read through /proc/self/fd: nothing
 * is left behind when libFuzzer exits.  A search domain of our own, so
 * that the queries made after a failure do not depend on the host's
 * name (evdns takes its domain when resolv.conf gives none).
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	char conf[160];
	int fd, len;

	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_RESOLVE_VERBOSE") != NULL;
	log_set_sink(log_drop, NULL);
	if ((base = event_base_new()) == NULL)
		die("event_base_new");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((srv_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) < 0 ||
	    bind(srv_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(srv_fd, (struct sockaddr *)&a, &al) < 0)
		die("the server's socket on 127.0.0.1");
	srv_ev = event_new(base, srv_fd, EV_READ | EV_PERSIST, on_query, NULL);
	guard_ev = evtimer_new(base, on_guard, NULL);
	if (srv_ev == NULL || guard_ev == NULL || event_add(srv_ev, NULL) < 0)
		die("event_new");
	len = snprintf(conf, sizeof(conf),
	    "nameserver 127.0.0.1:%u\nsearch fuzz.invalid\n"
	    "options timeout:" FUZZ_TIMEOUT " attempts:1\n",
	    ntohs(a.sin_port));
	if ((fd = memfd_create("resolv.conf", 0)) < 0 ||
	    write(fd, conf, (size_t)len) != len)
		die("resolv.conf in a memfd");
	snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resolver_params p = { 0 };
	struct timeval guard = { GUARD_S, 0 };
	struct ipaddr a[RESOLVE_ADDRS_MAX * 2], b[RESOLVE_ADDRS_MAX * 2];
	char why[RESOLVE_WHY_MAX], why2[RESOLVE_WHY_MAX];
	uint32_t ttl;
	size_t len;
	int n, n2;

	if (size < 3)
		return -1; /* not an input of this shape: not kept */
	len = (size_t)data[1] << 8 | data[2];
	if (len > size - 3)
		len = size - 3;
	reply_a = (struct reply){ data + 3, len, data[0] & FLAG_QUESTION_A };
	reply_aaaa = (data[0] & FLAG_SAME) ?
	    reply_a :
	    (struct reply){ data + 3 + len, size - 3 - len,
		    data[0] & FLAG_QUESTION_AAAA };

	p.base = base;
	p.resolv_conf = conf_path;
	p.hosts = "/dev/null";
	p.answered = on_answered;
	if ((res = resolver_new(&p, NULL)) == NULL)
		__builtin_trap();
	answered = 0;
	guard_fired = false;
	n = resolver_lookup(res, NAME, a, RESOLVE_ADDRS_MAX, &ttl, why,
	    sizeof(why));
	if (n != 0)
		__builtin_trap(); /* not in the hosts file: it must ask */
	evtimer_add(guard_ev, &guard);
	event_base_dispatch(base);
	evtimer_del(guard_ev);
	if (guard_fired || answered != 1)
		__builtin_trap(); /* the lookup never ended, or twice */

	/* Once more, from the cache, in capitals: the same. */
	n = check(NAME, a, sizeof(a) / sizeof(a[0]), why, sizeof(why));
	n2 = check(NAME_UPPER, b, sizeof(b) / sizeof(b[0]), why2, sizeof(why2));
	if (n != n2 || answered != 1 ||
	    (n > 0 && memcmp(a, b, (size_t)n * sizeof(a[0])) != 0) ||
	    (n < 0 && strcmp(why, why2) != 0))
		__builtin_trap();
	if (verbose)
		say(n, a, why);
	resolver_free(res);
	res = NULL;
	return 0;
}
