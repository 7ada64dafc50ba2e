/*
 * tests/unit/test_resolve.c: shell/resolve.c against a name server the
 * test plays itself on a UDP socket of 127.0.0.1 (resolv.conf names its
 * port), on a real libevent loop: /etc/hosts first and without a query,
 * the TTL held within its bounds, at most RESOLVE_ADDRS_MAX addresses of
 * an answer kept, failures in words.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "shell/resolve.h"
#include "test.h"

/* What the test's server answers for the name it is asked. */
struct server {
	int fd;
	struct event *ev;
	unsigned queries;
	unsigned n_a;  /* A records, 10.0.0.1 on */
	uint32_t ttl;  /* of each record */
	bool nxdomain; /* else NOERROR */
};

struct fix {
	struct event_base *base;
	struct server srv;
	struct resolver *r;
	char dir[64], conf[96], hosts[96];
	unsigned answered;
};

/* The question copied back, then n_a A records pointing at it. */
static void
on_query(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	uint8_t q[512], out[4096];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n =
	    recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
	size_t at, qend = 12;
	uint16_t qtype;

	(void)what;
	if (n < 17)
		return;
	while (qend < (size_t)n && q[qend] != 0)
		qend += q[qend] + 1;
	qend += 5; /* the root label, type and class */
	if (qend > (size_t)n)
		return;
	qtype = (uint16_t)(q[qend - 4] << 8 | q[qend - 3]);
	s->queries++;
	memcpy(out, q, qend);
	out[2] = 0x81;
	out[3] = s->nxdomain ? 0x83 : 0x80;
	out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;
	at = qend;
	for (unsigned i = 0; qtype == 1 && !s->nxdomain && i < s->n_a; i++) {
		const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1,
			(uint8_t)(s->ttl >> 24), (uint8_t)(s->ttl >> 16),
			(uint8_t)(s->ttl >> 8), (uint8_t)s->ttl, 0, 4, 10, 0,
			(uint8_t)(i >> 8), (uint8_t)(i + 1) };

		memcpy(out + at, rr, sizeof(rr));
		at += sizeof(rr);
		out[7]++;
	}
	sendto(fd, out, at, 0, (struct sockaddr *)&from, fl);
}

static void
on_answered(void *arg, const char *name)
{
	struct fix *f = arg;

	(void)name;
	f->answered++;
	event_base_loopbreak(f->base);
}

static struct fix *
fix_new(void)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	struct resolver_params p = { 0 };
	FILE *fp;

	assert_non_null(f);
	assert_non_null(f->base = event_base_new());
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->srv.fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(f->srv.fd >= 0);
	assert_int_equal(bind(f->srv.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(f->srv.fd, (struct sockaddr *)&a, &al), 0);
	f->srv.ev = event_new(f->base, f->srv.fd, EV_READ | EV_PERSIST,
	    on_query, &f->srv);
	event_add(f->srv.ev, NULL);
	f->srv.n_a = 1;
	f->srv.ttl = 300;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_resolve.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->conf, sizeof(f->conf), "%s/resolv.conf", f->dir);
	snprintf(f->hosts, sizeof(f->hosts), "%s/hosts", f->dir);
	assert_non_null(fp = fopen(f->conf, "w"));
	fprintf(fp, "nameserver 127.0.0.1:%u\noptions timeout:1 attempts:1\n",
	    ntohs(a.sin_port));
	fclose(fp);
	assert_non_null(fp = fopen(f->hosts, "w"));
	fprintf(fp, "192.0.2.7 gw.hosts.test\n2001:db8::7 gw.hosts.test\n");
	fclose(fp);
	p.base = f->base;
	p.resolv_conf = f->conf;
	p.hosts = f->hosts;
	p.answered = on_answered;
	p.answered_arg = f;
	assert_non_null(f->r = resolver_new(&p, NULL));
	return f;
}

static void
fix_free(struct fix *f)
{
	resolver_free(f->r);
	event_free(f->srv.ev);
	close(f->srv.fd);
	unlink(f->conf);
	unlink(f->hosts);
	rmdir(f->dir);
	event_base_free(f->base);
	free(f);
}

/* Asks name; when a query goes out, runs the loop until its answer. */
static int
lookup(struct fix *f, const char *name, struct ipaddr *out, uint32_t *ttl,
    char *why, size_t why_len)
{
	int n = resolver_lookup(f->r, name, out, RESOLVE_ADDRS_MAX, ttl, why,
	    why_len);

	if (n != 0)
		return n;
	event_base_dispatch(f->base);
	assert_true(f->answered > 0);
	return resolver_lookup(f->r, name, out, RESOLVE_ADDRS_MAX, ttl, why,
	    why_len);
}

static void
test_resolve_hosts_first_without_a_query(void **state)
{
	struct fix *f = fix_new();
	struct ipaddr a[RESOLVE_ADDRS_MAX];
	char why[RESOLVE_WHY_MAX], txt[IPADDR_STRLEN];
	uint32_t ttl;

	(void)state;
	/* Answered in the call: IPv4 first, then IPv6. */
	assert_int_equal(resolver_lookup(f->r, "gw.hosts.test", a,
			     RESOLVE_ADDRS_MAX, &ttl, why, sizeof(why)),
	    2);
	ipaddr_format(&a[0], txt, sizeof(txt));
	assert_string_equal(txt, "192.0.2.7");
	ipaddr_format(&a[1], txt, sizeof(txt));
	assert_string_equal(txt, "2001:db8::7");
	assert_int_equal(ttl, RESOLVE_HOSTS_TTL);
	assert_int_equal(f->srv.queries, 0);
	fix_free(f);
}

static void
test_resolve_ttl_held_within_its_bounds(void **state)
{
	struct fix *f = fix_new();
	struct ipaddr a[RESOLVE_ADDRS_MAX];
	char why[RESOLVE_WHY_MAX], txt[IPADDR_STRLEN];
	uint32_t ttl;

	(void)state;
	f->srv.ttl = 1;
	assert_int_equal(lookup(f, "short.test", a, &ttl, why, sizeof(why)), 1);
	ipaddr_format(&a[0], txt, sizeof(txt));
	assert_string_equal(txt, "10.0.0.1");
	assert_true(ttl >= RESOLVE_TTL_MIN - 1 && ttl <= RESOLVE_TTL_MIN);
	assert_int_equal(f->srv.queries, 2); /* A and AAAA */
	f->srv.ttl = 10000000;
	assert_int_equal(lookup(f, "long.test", a, &ttl, why, sizeof(why)), 1);
	assert_true(ttl >= RESOLVE_TTL_MAX - 1 && ttl <= RESOLVE_TTL_MAX);
	/* From the cache now: no query. */
	assert_int_equal(resolver_lookup(f->r, "LONG.test", a,
			     RESOLVE_ADDRS_MAX, &ttl, why, sizeof(why)),
	    1);
	assert_int_equal(f->srv.queries, 4);
	fix_free(f);
}

static void
test_resolve_keeps_at_most_its_bound_of_addresses(void **state)
{
	struct fix *f = fix_new();
	struct ipaddr a[RESOLVE_ADDRS_MAX];
	char why[RESOLVE_WHY_MAX];
	uint32_t ttl;

	(void)state;
	f->srv.n_a = 20;
	assert_int_equal(lookup(f, "many.test", a, &ttl, why, sizeof(why)),
	    RESOLVE_ADDRS_MAX);
	fix_free(f);
}

static void
test_resolve_failure_in_words_and_retried_later(void **state)
{
	struct fix *f = fix_new();
	struct ipaddr a[RESOLVE_ADDRS_MAX];
	char why[RESOLVE_WHY_MAX];
	uint32_t ttl;

	(void)state;
	f->srv.nxdomain = true;
	assert_int_equal(lookup(f, "nx.test", a, &ttl, why, sizeof(why)),
	    -ENOENT);
	assert_string_equal(why, "no such name (NXDOMAIN)");
	assert_true(ttl >= RESOLVE_RETRY_MIN - 1 && ttl <= RESOLVE_RETRY_MIN);
	/* Until then the failure is the answer: no query. */
	assert_int_equal(resolver_lookup(f->r, "nx.test", a, RESOLVE_ADDRS_MAX,
			     &ttl, why, sizeof(why)),
	    -ENOENT);
	assert_int_equal(f->srv.queries, 2);
	fix_free(f);
}

/*
 * A peer's name is fully qualified: a name that does not resolve is not
 * tried again under resolv.conf's search domains (vpn.example.net is
 * not vpn.example.net.corp.example), as glibc would.
 */
static void
test_resolve_no_search_domains(void **state)
{
	struct fix *f = fix_new();
	struct resolver_params p = { 0 };
	struct ipaddr a[RESOLVE_ADDRS_MAX];
	char why[RESOLVE_WHY_MAX];
	uint32_t ttl;
	FILE *fp;

	(void)state;
	assert_non_null(fp = fopen(f->conf, "a"));
	fprintf(fp, "search corp.example lab.example\n");
	fclose(fp);
	resolver_free(f->r);
	p.base = f->base;
	p.resolv_conf = f->conf;
	p.hosts = f->hosts;
	p.answered = on_answered;
	p.answered_arg = f;
	assert_non_null(f->r = resolver_new(&p, NULL));
	f->srv.nxdomain = true;
	assert_int_equal(lookup(f, "nx.test", a, &ttl, why, sizeof(why)),
	    -ENOENT);
	assert_int_equal(f->srv.queries, 2); /* A and AAAA, as given */
	fix_free(f);
}

static void
test_resolve_silence_is_a_timeout_in_words(void **state)
{
	struct fix *f = fix_new();
	struct ipaddr a[RESOLVE_ADDRS_MAX];
	char why[RESOLVE_WHY_MAX];
	uint32_t ttl;

	(void)state;
	event_del(f->srv.ev); /* the server hears nothing */
	assert_int_equal(lookup(f, "silent.test", a, &ttl, why, sizeof(why)),
	    -ETIMEDOUT);
	assert_non_null(strstr(why, "no answer from the name servers of "));
	fix_free(f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_resolve_no_search_domains),
	cmocka_unit_test(test_resolve_hosts_first_without_a_query),
	cmocka_unit_test(test_resolve_ttl_held_within_its_bounds),
	cmocka_unit_test(test_resolve_keeps_at_most_its_bound_of_addresses),
	cmocka_unit_test(test_resolve_failure_in_words_and_retried_later),
	cmocka_unit_test(test_resolve_silence_is_a_timeout_in_words),
};

TUNSH_TEST_MAIN(tests)
